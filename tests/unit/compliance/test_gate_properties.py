"""Properties of the gate over random cases (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from compliance.calendars import cn_working_day, uk_bank_holiday, us_legal_holiday
from compliance.gate import decide
from compliance.models import Decision, DialFacts, DialRequest, Jurisdiction, Verdict
from compliance.rules import FirmPolicy
from compliance.timezones import parse_number, parse_region

NUMBERS = [
    "+13055550123",  # Florida
    "+12125550123",  # New York
    "+15125550123",  # Texas
    "+16015550123",  # Mississippi
    "+12155550123",  # Pennsylvania
    "+13105550123",  # California
    "+18085550123",  # Hawaii
    "+18005550123",  # toll-free: no zone from the prefix
    "+442079460000",
    "+8613812345678",
]
ZONES = [
    None,
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "Pacific/Honolulu",
    "Europe/London",
    "Asia/Shanghai",
]
REGIONS = [None, "FL", "TX", "MS", "PA", "MD", "CA", "NY", "SCT", "ENG", "CN"]

instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))


class Case(NamedTuple):
    request: DialRequest
    facts: DialFacts
    now: datetime
    policy: FirmPolicy


def run(case: Case, at: datetime | None = None, **changes: Any) -> Decision:
    """The gate's decision for `case`, at `at` (default: the case's now)."""
    return decide(
        case.request, case.facts, case.now if at is None else at, policy=case.policy, **changes
    )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    now = draw(instants)
    before = st.integers(min_value=0, max_value=4 * 24 * 3600).map(
        lambda s: (now - timedelta(seconds=s)).isoformat()
    )
    account: dict[str, Any] = {
        "region": draw(st.sampled_from(REGIONS)),
        "address_time_zone": draw(st.sampled_from(ZONES)),
        "line_type": draw(st.sampled_from(["wireless", "landline", "unknown"])),
    }
    if draw(st.booleans()):
        account["consents"] = [
            {
                "purpose": draw(st.sampled_from(["marketing", "service"])),
                "granted_at": (now - timedelta(days=400)).isoformat(),
                "revoked_at": draw(st.none() | before),
            }
        ]
    if draw(st.booleans()):
        account["risk_level"] = draw(st.sampled_from(["C1", "C2", "C3", "C4", "C5"]))
        account["risk_assessed_at"] = (now - timedelta(days=draw(st.integers(0, 500)))).isoformat()
    if draw(st.booleans()):
        account["existing_customer_since"] = "2020-01-01T00:00:00+00:00"
        account["client_expects_calls"] = draw(st.booleans())
    attempts = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "at": before,
                    "subject": st.sampled_from(["advisory", "funds"]),
                    "abandoned": st.booleans(),
                }
            ),
            max_size=5,
        )
    )
    dnc = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "list": st.sampled_from(["firm", "national", "tps", "cn_refusal"]),
                    "added_at": before,
                }
            ),
            max_size=1,
        )
    )
    snapshots = {}
    if draw(st.booleans()):
        snapshots["national"] = (now.date() - timedelta(days=draw(st.integers(0, 40)))).isoformat()
    request = DialRequest.model_validate(
        {
            "number": draw(st.sampled_from(NUMBERS)),
            "profile": draw(st.sampled_from(["US", "UK", "CN"])),
            "purpose": draw(st.sampled_from(["marketing", "service"])),
            "dial_mode": draw(st.sampled_from(["preview", "progressive", "predictive"])),
            "subject": "advisory",
            "product_risk": draw(st.none() | st.sampled_from(["R1", "R2", "R3"])),
        }
    )
    facts = DialFacts.model_validate(
        {"account": account, "attempts": attempts, "dnc": dnc, "dnc_snapshots": snapshots}
    )
    policy = FirmPolicy(
        max_attempts_per_number_per_day=draw(st.none() | st.integers(1, 3)),
        max_attempts_per_person_per_24h=draw(st.none() | st.integers(1, 4)),
        abandon_lock_hours=draw(st.none() | st.integers(1, 48)),
    )
    return Case(request, facts, now, policy)


def _inside(local: datetime, start: time, end: time) -> bool:
    return start <= local.time() < end


def _outside_a_window(decision: Decision, facts: DialFacts, at: datetime) -> list[str]:
    """Windows violated at `at`, checked independently of the gate's interval arithmetic."""
    problems: list[str] = []
    place = parse_region(facts.account.region)
    nation = place.code if place is not None and place.jurisdiction is Jurisdiction.UK else None
    for zone_name in decision.time_zones:
        local = at.astimezone(ZoneInfo(zone_name))
        if Jurisdiction.US in decision.jurisdictions and not _inside(local, time(8), time(21)):
            problems.append(f"US-H1 {zone_name} {local}")
        if Jurisdiction.UK in decision.jurisdictions and (
            local.weekday() == 6
            or not _inside(local, time(9), time(21))
            or uk_bank_holiday(nation, local.date()) is not None
        ):
            problems.append(f"UK-H1 {zone_name} {local}")
    if Jurisdiction.CN in decision.jurisdictions:
        beijing = at.astimezone(ZoneInfo("Asia/Shanghai"))
        if not cn_working_day(beijing.date()) or not _inside(beijing, time(9), time(21)):
            problems.append(f"CN-H1 {beijing}")
    return problems


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_an_allowed_call_is_inside_every_applicable_window(
    case: Case,
) -> None:
    request, facts, now, _ = case
    decision = run(case)
    if decision.verdict is Verdict.DELAY:
        # The instant a delay ends is an allowed one: check it too.
        assert decision.until is not None
        now = decision.until
        decision = run(case, now)
    assume(decision.verdict in (Verdict.ALLOW, Verdict.REQUIRE))
    assert _outside_a_window(decision, facts, now) == []
    parsed = parse_number(request.number)
    assert parsed is not None
    assert set(parsed.time_zones) <= set(decision.time_zones)
    if facts.account.address_time_zone:
        assert facts.account.address_time_zone in decision.time_zones
    if Jurisdiction.US not in decision.jurisdictions:
        return
    states = {facts.account.region, parsed.us_state} - {None}
    for zone_name in decision.time_zones:
        local = now.astimezone(ZoneInfo(zone_name))
        if states & {"FL", "MD", "OK"}:
            assert _inside(local, time(8), time(20)), (states, zone_name, local)
        if "PA" in states:
            assert us_legal_holiday("PA", local.date()) is None
        if "TX" in states:
            assert _inside(local, time(12) if local.weekday() == 6 else time(9), time(21))
    if "MS" in states:
        central = now.astimezone(ZoneInfo("America/Chicago"))
        assert central.weekday() != 6 and _inside(central, time(8), time(20))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.floats(min_value=0, max_value=1))
def test_a_delay_ends_at_the_first_allowed_instant(case: Case, fraction: float) -> None:
    now = case.now
    decision = run(case)
    assume(decision.verdict is Verdict.DELAY)
    assert decision.until is not None and decision.until > now
    at_until = run(case, decision.until)
    assert at_until.verdict in (Verdict.ALLOW, Verdict.REQUIRE), at_until.reason
    just_before = run(case, decision.until - timedelta(seconds=1))
    assert just_before.verdict is Verdict.DELAY
    assert just_before.until == decision.until
    span = int((decision.until - now).total_seconds())
    earlier = now + timedelta(seconds=int(span * fraction) if span > 1 else 0)
    if earlier < decision.until:
        sampled = run(case, earlier)
        assert sampled.verdict is Verdict.DELAY
        assert sampled.until == decision.until


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.sampled_from(list(Jurisdiction)))
def test_adding_a_jurisdiction_only_makes_the_decision_stricter(
    case: Case, extra: Jurisdiction
) -> None:
    fewer = run(case)
    more = run(case, extra_jurisdictions=frozenset({extra}))
    assert more.verdict.severity >= fewer.verdict.severity, (fewer.reason, more.reason)
    if fewer.verdict is Verdict.DELAY and more.verdict is Verdict.DELAY:
        assert more.until is not None and fewer.until is not None
        assert more.until >= fewer.until
    if fewer.verdict is Verdict.BLOCK:
        assert more.verdict is Verdict.BLOCK
    assert set(fewer.jurisdictions) <= set(more.jurisdictions)


def test_the_property_generator_reaches_every_verdict() -> None:
    """Guards the properties above against a generator that never produces a DELAY."""
    seen: set[Verdict] = set()

    # derandomized: the same 500 cases every run, so this guard cannot flicker when a rare
    # verdict (REQUIRE) happens not to be drawn
    @settings(max_examples=500, deadline=None, database=None, derandomize=True)
    @given(cases())
    def collect(case: Case) -> None:
        seen.add(run(case).verdict)

    collect()
    assert seen == set(Verdict)
