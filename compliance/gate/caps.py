"""The attempt caps and locks: a US state's rolling cap per person and subject, the lock
after an abandoned call, and the firm's caps per number and per person."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from compliance.gate.evaluation import Evaluation
from compliance.gate.instants import format_instant
from compliance.rules import RollingCapRule
from compliance.windows import DailyCap, Lock, RollingCap


def add_state_cap(evaluation: Evaluation, state: str, cap: RollingCapRule | None) -> None:
    """The state's rolling cap (US-F1), counted per person and subject across campaigns."""
    if cap is None or (cap.marketing_only and not evaluation.marketing):
        return
    if cap.effective_from is not None and evaluation.now.date() < cap.effective_from:
        return
    subject = evaluation.request.subject
    counted = [a.at for a in evaluation.attempts if subject is None or a.subject in (subject, None)]
    evaluation.constraints.append(
        RollingCap(
            rule_id=cap.rule_id,
            attempts=counted,
            max_attempts=cap.max_attempts,
            period=timedelta(hours=cap.hours),
            description=(
                f"{cap.rule_id} ({state}) allows at most {cap.max_attempts} attempts per "
                f"{cap.hours} h per person and subject, across all campaigns"
            ),
        )
    )
    evaluation.check(cap.rule_id)


def add_abandon_lock(evaluation: Evaluation, rule_id: str, hours: int) -> None:
    evaluation.check(rule_id)
    if evaluation.request.dial_mode.reserves_rep:
        return
    abandoned = [a.at for a in evaluation.attempts if a.abandoned]
    if abandoned:
        last = max(abandoned)
        evaluation.constraints.append(
            Lock(
                rule_id=rule_id,
                until=last + timedelta(hours=hours),
                description=(
                    f"{rule_id}: no new automated call within {hours} h of an abandoned "
                    f"call (abandoned at {format_instant(last)}) unless a rep is reserved"
                ),
            )
        )


def add_firm_caps(evaluation: Evaluation) -> None:
    """FIRM-F1 per number per local day, FIRM-F2 per person per rolling 24 h,
    FIRM-F3 per number per rolling 24 h, FIRM-F4 per person per local day."""
    to_number = [a.at for a in evaluation.attempts if a.number in (None, evaluation.e164)]
    to_person = [a.at for a in evaluation.attempts]
    policy = evaluation.policy
    caps = (
        ("FIRM-F1", policy.max_attempts_per_number_per_day, to_number, "number", False),
        ("FIRM-F4", policy.max_attempts_per_person_per_day, to_person, "person", False),
        ("FIRM-F2", policy.max_attempts_per_person_per_24h, to_person, "person", True),
        ("FIRM-F3", policy.max_attempts_per_number_per_24h, to_number, "number", True),
    )
    for rule_id, cap, counted, per, rolling in caps:
        if not cap:
            continue
        if rolling:
            evaluation.constraints.append(
                RollingCap(
                    rule_id=rule_id,
                    attempts=counted,
                    max_attempts=cap,
                    period=timedelta(hours=24),
                    description=f"{rule_id}: at most {cap} attempts per {per} per 24 h",
                )
            )
        else:
            # a local day in every time zone the callee may be in
            evaluation.constraints.extend(
                DailyCap(
                    rule_id=rule_id,
                    zone=ZoneInfo(zone),
                    attempts=counted,
                    max_attempts=cap,
                    description=f"{rule_id}: at most {cap} attempts per {per} per local day",
                )
                for zone in evaluation.where.time_zones
            )
        evaluation.check(rule_id)
