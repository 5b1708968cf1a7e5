"""The decision: gather where the callee may be and the rules in force there, run the
checks, find the earliest instant every time constraint allows, and put the verdict in
words (BLOCK, DELAY until, REQUIRE, ALLOW, in that order of precedence)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from compliance.errors import ComplianceError
from compliance.gate.checks import blocks, requirements
from compliance.gate.constraints import build_constraints
from compliance.gate.evaluation import Evaluation
from compliance.gate.instants import format_instant
from compliance.models import (
    Decision,
    DialFacts,
    DialRequest,
    Finding,
    Jurisdiction,
    Verdict,
)
from compliance.rules import DEFAULT_POLICY, DEFAULT_RULE_BOOK, FirmPolicy, RuleBook, WeeklyHours
from compliance.timezones import ParsedNumber, parse_number, whereabouts
from compliance.windows import CallingWindow, TimeConstraint, earliest_common_open

MakeDecision = Callable[..., Decision]


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _sentence(parts: Iterable[str]) -> str:
    return "; ".join(_unique(parts))


def _delay_explanation(closed: list[TimeConstraint], now: datetime) -> str:
    """Group closed windows by rule: "US-H1 allows calls 08:00–21:00 ..., but it is ..."."""
    situations: dict[str, list[str]] = {}
    others: list[str] = []
    for constraint in closed:
        if isinstance(constraint, CallingWindow):
            situations.setdefault(constraint.description, []).append(constraint.situation(now))
        else:
            others.append(constraint.closed_because(now))
    parts = [f"{rule}, but {' and '.join(_unique(where))}" for rule, where in situations.items()]
    return _sentence(parts + others)


def decide(
    request: DialRequest,
    facts: DialFacts,
    now: datetime,
    *,
    rule_book: RuleBook = DEFAULT_RULE_BOOK,
    policy: FirmPolicy = DEFAULT_POLICY,
    extra_jurisdictions: frozenset[Jurisdiction] = frozenset(),
    campaign_hours: WeeklyHours | None = None,
) -> Decision:
    """Decide whether `request` may be dialled at `now` (an aware datetime); with
    `campaign_hours`, also inside the campaign's own calling windows."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ComplianceError("`now` must be an aware datetime (UTC), not a naive one")
    parsed = parse_number(request.number)
    if parsed is None:
        return _invalid_number(request, now, policy)
    evaluation = _evaluation(request, facts, now, parsed, rule_book, policy, extra_jurisdictions)
    evaluation.campaign_hours = campaign_hours
    build_constraints(evaluation)
    rule_sets, where = evaluation.rule_sets, evaluation.where
    version = "+".join([rule_sets[j].version for j in sorted(rule_sets)] + [policy.version])
    make = partial(
        Decision,
        rule_set_version=version,
        jurisdictions=tuple(sorted(where.jurisdictions)),
        time_zones=where.time_zones,
        decided_at=now,
    )
    return _verdict(evaluation, make)


def _invalid_number(request: DialRequest, now: datetime, policy: FirmPolicy) -> Decision:
    return Decision(
        verdict=Verdict.BLOCK,
        rules=("G-1",),
        reason=f"Not called: {request.number!r} is not a valid phone number; correct it "
        "in the customer's record.",
        rule_set_version=policy.version,
        decided_at=now,
        findings=(Finding(rule_id="G-1", verdict=Verdict.BLOCK, explanation="invalid number"),),
    )


def _evaluation(
    request: DialRequest,
    facts: DialFacts,
    now: datetime,
    parsed: ParsedNumber,
    rule_book: RuleBook,
    policy: FirmPolicy,
    extra_jurisdictions: frozenset[Jurisdiction],
) -> Evaluation:
    """Where the callee may be (G-2) and the rule set in force in each of those places."""
    where = whereabouts(
        parsed,
        request.profile,
        facts.account.address_time_zone,
        facts.account.region,
        extra_jurisdictions,
    )
    rule_sets = {j: rule_book.in_force(j, now.astimezone(UTC).date()) for j in where.jurisdictions}
    return Evaluation(
        request=request,
        facts=facts,
        now=now,
        where=where,
        rule_sets=rule_sets,
        policy=policy,
        e164=parsed.e164,
    )


def _verdict(evaluation: Evaluation, make: MakeDecision) -> Decision:
    """BLOCK over DELAY over REQUIRE over ALLOW."""
    now, policy = evaluation.now, evaluation.policy
    blocked = blocks(evaluation, now)
    required = requirements(evaluation)
    if blocked:
        return _blocked(make, blocked, required)
    horizon = now + timedelta(days=policy.horizon_days)
    opening = earliest_common_open(evaluation.constraints, now, horizon)
    if opening.at is None:
        return make(
            verdict=Verdict.BLOCK,
            rules=_unique(c.rule_id for c in opening.moved_by),
            reason=f"Not called: no instant in the next {policy.horizon_days} days satisfies "
            "all of: " + _sentence(c.describe() for c in opening.moved_by) + ".",
            findings=tuple(required),
        )
    if opening.at > now:
        return _delayed(evaluation, make, opening.at, opening.moved_by, required)
    if required:
        return _required(make, required)
    return _allowed(evaluation, make)


def _blocked(make: MakeDecision, blocked: list[Finding], required: list[Finding]) -> Decision:
    return make(
        verdict=Verdict.BLOCK,
        rules=_unique(f.rule_id for f in blocked),
        reason="Not called: " + _sentence(f.explanation for f in blocked) + ".",
        findings=tuple(blocked + required),
    )


def _delayed(
    evaluation: Evaluation,
    make: MakeDecision,
    at: datetime,
    moved_by: tuple[TimeConstraint, ...],
    required: list[Finding],
) -> Decision:
    """Not now: DELAY until `at`, the opening, unless a block applies by then."""
    now = evaluation.now
    later = blocks(evaluation, at)
    if later:
        return make(
            verdict=Verdict.BLOCK,
            rules=_unique(f.rule_id for f in later),
            reason="Not called: calling would next be allowed at "
            f"{format_instant(at)}, but by then " + _sentence(f.explanation for f in later) + ".",
            findings=tuple(later + required),
        )
    delays = [
        Finding(
            rule_id=c.rule_id,
            verdict=Verdict.DELAY,
            explanation=_delay_explanation([c], now),
            until=at,
        )
        for c in moved_by
    ]
    reason = _delay_explanation([c for c in moved_by if not c.is_open(now)], now)
    earliest = format_instant(at, evaluation.where.time_zones)
    return make(
        verdict=Verdict.DELAY,
        until=at,
        rules=_unique(c.rule_id for c in moved_by),
        reason=f"Not now: {reason}. Earliest allowed: {earliest}.",
        findings=tuple(delays + required),
    )


def _required(make: MakeDecision, required: list[Finding]) -> Decision:
    modes = [f.required_mode for f in required if f.required_mode is not None]
    return make(
        verdict=Verdict.REQUIRE,
        required_mode=modes[0] if modes else None,
        rules=_unique(f.rule_id for f in required),
        reason="Allowed only this way: " + _sentence(f.explanation for f in required) + ".",
        findings=tuple(required),
    )


def _allowed(evaluation: Evaluation, make: MakeDecision) -> Decision:
    now, zones = evaluation.now, evaluation.where.time_zones
    windows = [c for c in evaluation.constraints if isinstance(c, CallingWindow)]
    local = ", ".join(f"{now.astimezone(ZoneInfo(z)):%a %H:%M} in {z}" for z in zones)
    return make(
        verdict=Verdict.ALLOW,
        rules=tuple(evaluation.checked),
        reason=f"Allowed: it is {local}, inside every calling window"
        + (f" ({len(windows)} checked)" if windows else "")
        + ", and no rule forbids the call.",
    )
