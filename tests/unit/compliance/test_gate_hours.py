"""Calling windows: US-H1 in every candidate zone, US-H2 state rules, UK-H1, CN-H1."""

from compliance.models import Verdict

from .builders import at, gate

NEW_YORK_NUMBER = "+12125550123"


def test_prefix_and_address_disagree_on_spring_forward_day_the_later_zone_decides() -> None:
    # Sunday 2026-03-08, 12:30 UTC: 08:30 EDT in New York (the prefix) but 05:30 PDT in
    # Los Angeles (the address). Los Angeles reaches 08:00 PDT at 15:00 UTC.
    decision = gate(
        "2026-03-08T12:30:00Z",
        {"number": NEW_YORK_NUMBER},
        account={"address_time_zone": "America/Los_Angeles"},
    )
    assert decision.verdict is Verdict.DELAY
    assert decision.until == at("2026-03-08T15:00:00Z")
    assert decision.rules == ("US-H1",)
    assert "America/Los_Angeles" in decision.reason
    assert decision.time_zones == ("America/Los_Angeles", "America/New_York")


def test_the_day_before_spring_forward_the_same_wall_time_is_an_hour_later_in_utc() -> None:
    decision = gate(
        "2026-03-07T12:30:00Z",
        {"number": NEW_YORK_NUMBER},
        account={"address_time_zone": "America/Los_Angeles"},
    )
    assert decision.until == at("2026-03-07T16:00:00Z")  # 08:00 PST


def test_fall_back_evening_is_inside_the_window_an_hour_later_in_utc() -> None:
    # 01:30 UTC is 21:30 EDT on 30 October but 20:30 EST on 1 November.
    before = gate("2026-10-31T01:30:00Z", {"number": NEW_YORK_NUMBER})
    assert before.verdict is Verdict.DELAY
    assert before.until == at("2026-10-31T12:00:00Z")  # 08:00 EDT
    assert gate("2026-11-02T01:30:00Z", {"number": NEW_YORK_NUMBER}).verdict is Verdict.ALLOW
    assert gate("2026-11-02T02:00:00Z", {"number": NEW_YORK_NUMBER}).verdict is Verdict.DELAY


def test_fall_back_morning_opens_at_eight_standard_time() -> None:
    decision = gate("2026-11-01T12:30:00Z", {"number": NEW_YORK_NUMBER})  # 07:30 EST
    assert decision.until == at("2026-11-01T13:00:00Z")


def test_florida_closes_at_eight_in_the_evening() -> None:
    decision = gate("2026-06-03T00:30:00Z")  # Tue 20:30 EDT, a Florida prefix
    assert decision.verdict is Verdict.DELAY
    assert decision.rules == ("US-H2",)
    assert decision.until == at("2026-06-03T12:00:00Z")
    assert "Florida" in decision.reason


def test_texas_sunday_calls_start_at_noon() -> None:
    texas = {"number": "+15125550123"}
    decision = gate("2026-06-07T15:00:00Z", texas)  # Sun 10:00 CDT
    assert decision.verdict is Verdict.DELAY
    assert decision.until == at("2026-06-07T17:00:00Z")
    assert decision.rules == ("US-H2",)
    assert gate("2026-06-06T15:00:00Z", texas).verdict is Verdict.ALLOW  # Sat 10:00


def test_mississippi_region_forbids_sundays_in_central_time() -> None:
    decision = gate("2026-06-07T15:00:00Z", {"number": NEW_YORK_NUMBER}, account={"region": "MS"})
    assert decision.verdict is Verdict.DELAY
    assert decision.until == at("2026-06-08T13:00:00Z")  # Mon 08:00 CDT
    assert "US-H2" in decision.rules


def test_pennsylvania_skips_its_legal_holidays() -> None:
    # Fri 3 July 2026 is Independence Day observed, Sat 4 July Independence Day.
    decision = gate("2026-07-03T15:00:00Z", {"number": "+12155550123"})
    assert decision.verdict is Verdict.DELAY
    assert decision.until == at("2026-07-05T12:00:00Z")
    assert "Independence Day" in decision.reason


def test_uk_scottish_bank_holiday_is_a_day_off_only_in_scotland() -> None:
    uk = {"number": "+442079460000", "profile": "UK", "purpose": "service"}
    scotland = gate("2026-11-30T10:00:00Z", uk, account={"region": "SCT"})  # St Andrew's Day
    assert scotland.verdict is Verdict.DELAY
    assert scotland.until == at("2026-12-01T09:00:00Z")
    assert scotland.rules == ("UK-H1",)
    assert gate("2026-11-30T10:00:00Z", uk, account={"region": "ENG"}).verdict is Verdict.ALLOW
    # Nation unknown: a bank holiday of any nation counts (the strictest reading).
    assert gate("2026-11-30T10:00:00Z", uk).verdict is Verdict.DELAY


def test_uk_sunday_waits_for_monday_morning() -> None:
    uk = {"number": "+442079460000", "profile": "UK", "purpose": "service"}
    decision = gate("2026-11-29T10:00:00Z", uk, account={"region": "ENG"})
    assert decision.until == at("2026-11-30T09:00:00Z")


CN = {"number": "+8613812345678", "profile": "CN", "purpose": "service"}


def test_chinese_make_up_working_saturday_is_a_calling_day() -> None:
    assert gate("2026-02-14T02:00:00Z", CN).verdict is Verdict.ALLOW  # Sat 10:00, 调休


def test_spring_festival_waits_for_the_first_working_day_after_the_holiday() -> None:
    decision = gate("2026-02-15T02:00:00Z", CN)
    assert decision.verdict is Verdict.DELAY
    assert decision.until == at("2026-02-24T01:00:00Z")  # Tue 09:00 Beijing
    assert decision.rules == ("CN-H1",)


def test_a_substituted_day_off_delays_to_the_make_up_sunday() -> None:
    # Fri 2 January 2026 is off in exchange for Sunday 4 January, a working day.
    decision = gate("2026-01-02T02:00:00Z", CN)
    assert decision.until == at("2026-01-04T01:00:00Z")
    assert "substituted" in decision.reason
    assert gate("2026-01-04T02:00:00Z", CN).verdict is Verdict.ALLOW


def test_beijing_evening_closes_at_nine() -> None:
    decision = gate("2026-06-02T13:00:00Z", CN)  # Tue 21:00 Beijing
    assert decision.until == at("2026-06-03T01:00:00Z")
