from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from compliance.rules import WeeklyHours
from compliance.windows import (
    CallingWindow,
    DailyCap,
    Lock,
    RollingCap,
    earliest_common_open,
    first_instant_at_or_after,
)

NEW_YORK = ZoneInfo("America/New_York")
HORIZON = datetime(2030, 1, 1, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_wall_time_in_the_spring_forward_gap_opens_when_the_gap_ends() -> None:
    # 2026-03-08 02:00 EST jumps to 03:00 EDT (07:00 UTC); 02:30 never happens.
    assert first_instant_at_or_after(date(2026, 3, 8), time(2, 30), NEW_YORK) == utc(2026, 3, 8, 7)


def test_a_wall_time_that_happens_twice_opens_at_its_first_occurrence() -> None:
    # 2026-11-01 01:30 happens at 05:30 UTC (EDT) and again at 06:30 UTC (EST).
    assert first_instant_at_or_after(date(2026, 11, 1), time(1, 30), NEW_YORK) == utc(
        2026, 11, 1, 5, 30
    )


def test_a_window_opening_inside_the_gap_is_open_from_the_gap_end() -> None:
    window = CallingWindow(
        rule_id="T",
        zone=NEW_YORK,
        hours=WeeklyHours.every_day(time(2, 30), time(4)),
        description="test",
    )
    assert not window.is_open(utc(2026, 3, 8, 6, 59, 59))
    assert window.is_open(utc(2026, 3, 8, 7))
    assert window.next_open(utc(2026, 3, 8, 5), HORIZON) == utc(2026, 3, 8, 7)
    # 04:00 EDT is 08:00 UTC: the window lasts one hour of real time that day.
    assert not window.is_open(utc(2026, 3, 8, 8))


def test_the_eight_to_nine_window_follows_daylight_saving_time() -> None:
    window = CallingWindow(
        rule_id="US-H1",
        zone=NEW_YORK,
        hours=WeeklyHours.every_day(time(8), time(21)),
        description="test",
    )
    assert window.next_open(utc(2026, 3, 7, 2), HORIZON) == utc(2026, 3, 7, 13)  # EST
    assert window.next_open(utc(2026, 3, 8, 2), HORIZON) == utc(2026, 3, 8, 12)  # EDT
    assert window.is_open(utc(2026, 11, 2, 1, 59))  # 20:59 EST on fall-back day
    assert not window.is_open(utc(2026, 11, 2, 2))  # 21:00 EST


def test_a_rule_not_yet_in_force_leaves_the_day_open() -> None:
    window = CallingWindow(
        rule_id="US-H2",
        zone=NEW_YORK,
        hours=WeeklyHours.every_day(time(8), time(20)),
        description="test",
        effective_from=date(2026, 1, 1),
    )
    assert window.is_open(utc(2025, 12, 31, 3))
    assert not window.is_open(utc(2026, 1, 1, 6))
    assert window.next_open(utc(2025, 12, 31, 23), HORIZON) == utc(2025, 12, 31, 23)
    assert window.next_open(utc(2026, 1, 1, 5), HORIZON) == utc(2026, 1, 1, 13)


def test_rolling_cap_opens_exactly_24_hours_after_the_oldest_counted_attempt() -> None:
    first = utc(2026, 3, 2, 14)
    cap = RollingCap(
        rule_id="US-F1",
        attempts=[first, first + timedelta(hours=1), first + timedelta(hours=2)],
        max_attempts=3,
        period=timedelta(hours=24),
        description="test",
    )
    boundary = first + timedelta(hours=24)
    assert not cap.is_open(boundary - timedelta(seconds=1))
    assert cap.is_open(boundary)
    assert cap.next_open(first + timedelta(hours=3), HORIZON) == boundary


def test_daily_cap_reopens_at_local_midnight() -> None:
    attempts = [utc(2026, 3, 2, 14), utc(2026, 3, 2, 15)]
    cap = DailyCap(
        rule_id="FIRM-F1", zone=NEW_YORK, attempts=attempts, max_attempts=2, description="t"
    )
    assert not cap.is_open(utc(2026, 3, 2, 20))
    assert cap.next_open(utc(2026, 3, 2, 20), HORIZON) == utc(2026, 3, 3, 5)  # 00:00 EST


def test_earliest_common_open_is_the_first_instant_all_constraints_share() -> None:
    new_york = CallingWindow(
        rule_id="US-H1", zone=NEW_YORK, hours=WeeklyHours.every_day(time(8), time(21)),
        description="t",
    )  # fmt: skip
    honolulu = CallingWindow(
        rule_id="US-H1",
        zone=ZoneInfo("Pacific/Honolulu"),
        hours=WeeklyHours.every_day(time(8), time(21)),
        description="t",
    )
    lock = Lock(rule_id="UK-A3", until=utc(2026, 6, 2, 1, 30), description="t")
    # NY open 12:00-01:00 UTC (EDT), Honolulu 18:00-07:00 UTC: both 18:00-01:00 UTC.
    found = earliest_common_open([new_york, honolulu, lock], utc(2026, 6, 1, 19), HORIZON)
    assert found.at == utc(2026, 6, 2, 18)
    assert {c.rule_id for c in found.moved_by} == {"US-H1", "UK-A3"}


def test_no_common_instant_before_the_horizon_is_reported() -> None:
    never = CallingWindow(
        rule_id="T",
        zone=NEW_YORK,
        hours=WeeklyHours(days=(None, None, None, None, None, None, None)),
        description="t",
    )
    assert earliest_common_open([never], utc(2026, 1, 1), utc(2026, 2, 1)).at is None
