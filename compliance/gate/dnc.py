"""The do-not-call checks: the firm's list, the national registers (with their consent and
business-relationship exceptions), the registers' snapshot freshness, and China's refusal
list (until the customer consents again)."""

from __future__ import annotations

from datetime import UTC, datetime

from compliance.gate.evaluation import Evaluation, block
from compliance.gate.instants import add_months, format_instant
from compliance.models import DncList, Finding, Jurisdiction
from compliance.rules import RuleSet

_REGISTERS = {
    DncList.NATIONAL: "the national Do Not Call registry",
    DncList.TPS: "the Telephone Preference Service (TPS)",
    DncList.CTPS: "the Corporate TPS",
}


def firm_dnc(evaluation: Evaluation, rule_set: RuleSet, at: datetime) -> list[Finding]:
    for rule_id in rule_set.firm_dnc_rule_ids:
        evaluation.check(rule_id)
    entries = [
        e
        for e in evaluation.facts.dnc
        if e.list is DncList.FIRM
        and e.effective_at(at)
        and (
            evaluation.marketing
            or e.scope == "all"
            or evaluation.policy.firm_dnc_blocks_service_calls
        )
    ]
    if not entries:
        return []
    since = min((e.added_at for e in entries if e.added_at), default=None)
    when = f" since {format_instant(since)}" if since else ""
    return [
        block(
            rule_id,
            f"the customer is on the firm's do-not-call list{when} "
            "(a do-not-call request from any channel stops calls at once)",
        )
        for rule_id in rule_set.firm_dnc_rule_ids
    ]


def national_dnc(evaluation: Evaluation, rule_set: RuleSet, at: datetime) -> list[Finding]:
    if not rule_set.national_dnc_rule_id:
        return []
    evaluation.check(rule_set.national_dnc_rule_id)
    found: list[Finding] = []
    for entry in evaluation.facts.dnc:
        if entry.list not in rule_set.national_lists or not entry.effective_at(at):
            continue
        if rule_set.national_list_consent_exception and evaluation.marketing_consent(at):
            continue
        if _business_relationship(evaluation, rule_set, at):
            continue
        rule_id = _register_rule_id(entry.list, rule_set.national_dnc_rule_id)
        exception = (
            " and no existing-business-relationship exception or written permission applies"
            if rule_set.ebr_transaction_months
            else " and has not consented to calls from the firm"
        )
        found.append(block(rule_id, f"the number is on {_REGISTERS[entry.list]}{exception}"))
    return found


def _business_relationship(evaluation: Evaluation, rule_set: RuleSet, at: datetime) -> bool:
    account = evaluation.facts.account
    if rule_set.ebr_transaction_months and account.last_transaction_at:
        if at < add_months(account.last_transaction_at, rule_set.ebr_transaction_months):
            return True
    if rule_set.ebr_inquiry_months and account.last_inquiry_at:
        if at < add_months(account.last_inquiry_at, rule_set.ebr_inquiry_months):
            return True
    return False


def freshness(evaluation: Evaluation, rule_set: RuleSet, at: datetime) -> list[Finding]:
    if not (rule_set.freshness_rule_id and rule_set.national_snapshot_max_age_days):
        return []
    evaluation.check(rule_set.freshness_rule_id)
    facts = evaluation.facts
    found: list[Finding] = []
    for dnc_list in rule_set.national_lists:
        dates = [e.snapshot_date for e in facts.dnc if e.list is dnc_list]
        known = [d for d in (*dates, facts.dnc_snapshots.get(dnc_list)) if d]
        if not known:
            continue
        snapshot = max(known)
        age = (at.astimezone(UTC).date() - snapshot).days
        if age > rule_set.national_snapshot_max_age_days:
            found.append(
                block(
                    _register_rule_id(dnc_list, rule_set.freshness_rule_id),
                    f"the {dnc_list.value} do-not-call snapshot of {snapshot.isoformat()} is "
                    f"{age} days old (at most {rule_set.national_snapshot_max_age_days}); "
                    "marketing calls stop until a fresh snapshot is imported",
                ).model_copy(update={"campaign_wide": True})
            )
    return found


def refusal(evaluation: Evaluation, at: datetime) -> list[Finding]:
    refusals = [e for e in evaluation.facts.dnc if e.list is DncList.CN_REFUSAL]
    if not refusals and not evaluation.has(Jurisdiction.CN):
        return []
    evaluation.check("CN-C2")
    found: list[Finding] = []
    for entry in refusals:
        if not entry.effective_at(at):
            continue
        if evaluation.marketing_consent(at, after=entry.added_at):
            continue
        when = f" at {format_instant(entry.added_at)}" if entry.added_at else ""
        found.append(
            block(
                "CN-C2",
                f"the customer refused marketing calls{when}; calls stay stopped until "
                "they consent again",
            )
        )
    return found


def _register_rule_id(dnc_list: DncList, rule_id: str) -> str:
    """The Corporate TPS has its own rule (UK-T2), for listings and snapshots alike."""
    return "UK-T2" if dnc_list is DncList.CTPS else rule_id
