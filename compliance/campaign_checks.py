"""Checks a campaign must pass before it starts dialing (pure).

`check_campaign_start(setup, now)` answers ALLOW or BLOCK with every failed rule:
a caller ID the firm owns (US-CLI), ring time of at least 15 s and, in the US, at most
15 rings (US-R1 / UK-R1), a recorded abandon message when the campaign may abandon calls
(power and predictive dialing; US-A2 / UK-A2), and national do-not-call snapshots fresh
enough for marketing (US-D2: 31 days, UK-T1: 28 days); a snapshot never imported counts as
stale.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import BaseModel, ConfigDict, Field

from compliance.models import Decision, DialMode, DncList, Finding, Jurisdiction, Purpose, Verdict
from compliance.rules import DEFAULT_POLICY, DEFAULT_RULE_BOOK, FirmPolicy, RuleBook
from compliance.timezones import parse_number


class CampaignSetup(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    campaign_id: str | None = None
    profile: Jurisdiction
    purpose: Purpose
    dial_mode: DialMode
    caller_id: str | None = None
    caller_id_owned: bool = False
    ring_timeout_seconds: int = Field(ge=0)
    abandon_message_recorded: bool = False
    dnc_snapshots: dict[DncList, date] = Field(default_factory=dict)


def check_campaign_start(
    setup: CampaignSetup,
    now: datetime,
    *,
    rule_book: RuleBook = DEFAULT_RULE_BOOK,
    policy: FirmPolicy = DEFAULT_POLICY,
) -> Decision:
    """ALLOW when the campaign may start now, else BLOCK listing every failed check."""
    rules = rule_book.in_force(setup.profile, now.astimezone(UTC).date())
    failures: list[Finding] = []

    def fail(rule_id: str, explanation: str) -> None:
        failures.append(Finding(rule_id=rule_id, verdict=Verdict.BLOCK, explanation=explanation))

    if not setup.caller_id:
        fail(rules.caller_id_rule_id, "no caller ID is set; choose a number the firm owns")
    elif parse_number(setup.caller_id) is None:
        fail(rules.caller_id_rule_id, f"caller ID {setup.caller_id!r} is not a valid number")
    elif not setup.caller_id_owned:
        fail(
            rules.caller_id_rule_id,
            "the caller ID is not a number the firm owns and answers; pick one of the firm's",
        )
    if setup.ring_timeout_seconds < rules.min_ring_seconds:
        fail(
            rules.ring_rule_id,
            f"unanswered calls ring {setup.ring_timeout_seconds} s; they must ring at least "
            f"{rules.min_ring_seconds} s",
        )
    if rules.max_ring_seconds is not None and setup.ring_timeout_seconds > rules.max_ring_seconds:
        fail(
            rules.ring_rule_id,
            f"unanswered calls ring {setup.ring_timeout_seconds} s; at most "
            f"{rules.max_ring_seconds} s (15 rings)",
        )
    may_abandon = not setup.dial_mode.reserves_rep
    if may_abandon and not setup.abandon_message_recorded:
        fail(
            rules.abandon_message_rule_id or "G-4",
            f"{setup.dial_mode.value} dialing can abandon calls and no abandon message "
            "(firm name and a number to call back) is recorded",
        )
    if setup.purpose is Purpose.MARKETING and rules.national_snapshot_max_age_days:
        freshness_rule = rules.freshness_rule_id or "G-DNC"
        for dnc_list in rules.national_lists[:1]:
            snapshot = setup.dnc_snapshots.get(dnc_list)
            if snapshot is None:
                fail(
                    freshness_rule,
                    f"no {dnc_list.value} do-not-call snapshot has been imported; import one",
                )
                continue
            age = (now.astimezone(UTC).date() - snapshot).days
            if age > rules.national_snapshot_max_age_days:
                fail(
                    freshness_rule,
                    f"the {dnc_list.value} do-not-call snapshot of {snapshot.isoformat()} is "
                    f"{age} days old (at most {rules.national_snapshot_max_age_days}); import "
                    "a fresh one",
                )
    version = f"{rules.version}+{policy.version}"
    if failures:
        return Decision(
            verdict=Verdict.BLOCK,
            rules=tuple(dict.fromkeys(f.rule_id for f in failures)),
            reason="The campaign cannot start: " + "; ".join(f.explanation for f in failures) + ".",
            rule_set_version=version,
            jurisdictions=(setup.profile,),
            findings=tuple(failures),
            decided_at=now,
        )
    return Decision(
        verdict=Verdict.ALLOW,
        rules=(
            rules.caller_id_rule_id,
            rules.ring_rule_id,
            *((rules.abandon_message_rule_id,) if rules.abandon_message_rule_id else ()),
            *((rules.freshness_rule_id,) if rules.freshness_rule_id else ()),
        ),
        reason="The campaign may start: caller ID, ring time, abandon message and "
        "do-not-call snapshots are in order.",
        rule_set_version=version,
        jurisdictions=(setup.profile,),
        decided_at=now,
    )
