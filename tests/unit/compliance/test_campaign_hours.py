"""A campaign's own calling windows (CAMPAIGN-H1) narrow the gate's, never widen them."""

from __future__ import annotations

from compliance.gate import decide
from compliance.models import Verdict
from compliance.rules import campaign_hours

from .builders import at, facts, request

CN = {"number": "+8613812345678", "profile": "CN", "purpose": "service"}
# weekday afternoons only, 14:00-17:30 Beijing time; no calls at weekends
AFTERNOONS = {
    "days": [{"start": "14:00", "end": "17:30"}] * 5 + [None, None],
}


def _gate(now: str, windows: dict | None):  # type: ignore[no-untyped-def]
    return decide(request(**CN), facts(), at(now), campaign_hours=campaign_hours(windows))


def test_outside_the_campaign_window_the_call_waits_for_it_to_open() -> None:
    # Tuesday 2026-11-24 10:00 Beijing: CN-H1 is open, the campaign's window is not
    assert _gate("2026-11-24T02:00:00Z", None).verdict is Verdict.ALLOW
    decision = _gate("2026-11-24T02:00:00Z", AFTERNOONS)
    assert decision.verdict is Verdict.DELAY
    assert decision.rules == ("CAMPAIGN-H1",)
    assert decision.until == at("2026-11-24T06:00:00Z")  # 14:00 Beijing
    assert "campaign's calling windows" in decision.reason


def test_inside_both_windows_the_call_is_allowed_and_cites_the_campaign_rule() -> None:
    decision = _gate("2026-11-24T07:00:00Z", AFTERNOONS)  # Tue 15:00 Beijing
    assert decision.verdict is Verdict.ALLOW
    assert "CAMPAIGN-H1" in decision.rules


def test_the_campaign_cannot_widen_the_jurisdictions_hours() -> None:
    late = {"days": [{"start": "08:00", "end": None}] * 7}  # until midnight, every day
    decision = _gate("2026-11-24T13:30:00Z", late)  # Tue 21:30 Beijing: CN-H1 is closed
    assert decision.verdict is Verdict.DELAY
    assert "CN-H1" in decision.rules
    assert decision.until == at("2026-11-25T01:00:00Z")  # 09:00 Beijing, both open


def test_a_friday_evening_waits_for_monday_afternoon() -> None:
    decision = _gate("2026-11-27T10:00:00Z", AFTERNOONS)  # Fri 18:00 Beijing
    assert decision.verdict is Verdict.DELAY
    assert decision.until == at("2026-11-30T06:00:00Z")  # Mon 14:00 Beijing


def test_no_windows_set_means_none() -> None:
    assert campaign_hours({}) is None
    assert campaign_hours(None) is None
    assert campaign_hours({"days": []}) is None
