"""The consent checks: marketing only with consent where the rules say so (CN-C1), an
investment promotion only to a client who expects it (UK-F1), and a wireless number dialled
automatically only with prior express consent (US-C1, else preview)."""

from __future__ import annotations

from datetime import datetime

from compliance.gate.evaluation import Evaluation, block
from compliance.gate.instants import format_instant
from compliance.models import ConsentPurpose, DialMode, Finding, Jurisdiction, LineType, Verdict
from compliance.rules import RuleSet


def consent_required(evaluation: Evaluation, rule_set: RuleSet, at: datetime) -> list[Finding]:
    rule_id = rule_set.marketing_requires_consent_rule_id
    if not rule_id:
        return []
    evaluation.check(rule_id)
    if evaluation.marketing_consent(at):
        return []
    revoked = [
        c.revoked_at
        for c in evaluation.facts.account.consents
        if c.purpose is ConsentPurpose.MARKETING and c.revoked_at is not None and c.revoked_at <= at
    ]
    detail = (
        f"marketing consent was withdrawn at {format_instant(max(revoked))}"
        if revoked
        else "no marketing consent is on record"
    )
    return [block(rule_id, f"{detail}; without consent no marketing call may be made")]


def cold_call_gate(evaluation: Evaluation, rule_set: RuleSet, at: datetime) -> list[Finding]:
    rule_id = rule_set.cold_call_gate_rule_id
    if not rule_id:
        return []
    evaluation.check(rule_id)
    account = evaluation.facts.account
    if evaluation.request.product_class in rule_set.cold_call_allowed_product_classes:
        return []
    if (
        account.existing_customer_since is not None
        and account.existing_customer_since <= at
        and account.client_expects_calls
    ):
        return []
    return [
        block(
            rule_id,
            "an unsolicited investment promotion may only go to an existing client who "
            "expects such calls; this customer is not one",
        )
    ]


def wireless_requirement(evaluation: Evaluation) -> list[Finding]:
    """US-C1: a (possibly) wireless number without consent is dialled in preview only."""
    us = evaluation.rule_sets.get(Jurisdiction.US)
    if us is None or not us.wireless_autodial_consent_rule_id:
        return []
    rule_id = us.wireless_autodial_consent_rule_id
    evaluation.check(rule_id)
    account = evaluation.facts.account
    line = account.line_type
    wireless = line is LineType.WIRELESS or (
        line is LineType.UNKNOWN and evaluation.policy.unknown_line_is_wireless
    )
    if not wireless or evaluation.request.dial_mode is DialMode.PREVIEW:
        return []
    consented = any(
        c.valid_at(evaluation.now)
        and (c.purpose is ConsentPurpose.MARKETING or not evaluation.marketing)
        for c in account.consents
    )
    if consented:
        return []
    kind = "a wireless" if line is LineType.WIRELESS else "a possibly wireless"
    written = " written" if evaluation.marketing else ""
    return [
        Finding(
            rule_id=rule_id,
            verdict=Verdict.REQUIRE,
            explanation=f"this is {kind} number without prior express{written} "
            "consent, so it may only be dialled manually (preview mode)",
            required_mode=DialMode.PREVIEW,
        )
    ]
