"""Who may be offered what, by whom: the product's risk against the customer's assessed
tolerance (CN-S1/S2, FIRM-S1/S2 outside China), and the rep's registration for the
campaign's service (CN-A1, FIRM-A1)."""

from __future__ import annotations

from datetime import datetime

from compliance.gate.evaluation import Evaluation, block
from compliance.gate.instants import add_months
from compliance.models import Finding, Jurisdiction, Verdict


def _rank(level: str) -> int:
    return int(level[1:])


def _suitability_rule_ids(evaluation: Evaluation) -> tuple[str, str] | None:
    """The general and the lowest-tolerance rule, or None where no suitability rule applies."""
    if evaluation.has(Jurisdiction.CN):
        return evaluation.rule_sets[Jurisdiction.CN].suitability_rule_ids or ("CN-S1", "CN-S2")
    if evaluation.policy.suitability_everywhere:
        return "FIRM-S1", "FIRM-S2"
    return None


def suitability(evaluation: Evaluation, at: datetime) -> list[Finding]:
    product_risk = evaluation.request.product_risk
    if product_risk is None:
        return []
    rule_ids = _suitability_rule_ids(evaluation)
    if rule_ids is None:
        return []
    general, lowest = rule_ids
    evaluation.check(general)
    evaluation.check(lowest)
    account = evaluation.facts.account
    policy = evaluation.policy
    if policy.exempt_professional_investors and account.professional_investor:
        # outside China the exemption is the firm's own, like the suitability rules it lifts
        evaluation.check("CN-S4" if evaluation.has(Jurisdiction.CN) else "FIRM-S4")
        return []
    if account.risk_level is None:
        return [
            block(
                general,
                f"the product is risk level {product_risk} and the customer has no risk "
                "assessment on file; assess them before offering it",
            )
        ]
    found: list[Finding] = []
    valid_months = policy.risk_assessment_valid_months
    assessed = account.risk_assessed_at
    if assessed is None or add_months(assessed, valid_months) <= at:
        when = f" of {assessed.date().isoformat()}" if assessed else ""
        found.append(
            block(
                general,
                f"the customer's risk assessment{when} is older than {valid_months} months; "
                "reassess them before offering investment products",
            )
        )
    tolerance, risk = _rank(account.risk_level), _rank(product_risk)
    if tolerance < risk:
        found.append(
            block(
                general,
                f"the product's risk level {product_risk} exceeds the customer's tolerance "
                f"{account.risk_level}",
            )
        )
    if tolerance == 1 and risk > 1:
        found.append(block(lowest, "a C1 (lowest-tolerance) customer may be offered only R1"))
    return found


def _registration_rule_id(evaluation: Evaluation) -> str:
    if evaluation.has(Jurisdiction.CN):
        return evaluation.rule_sets[Jurisdiction.CN].registration_rule_id or "CN-A1"
    return "FIRM-A1"


def registration_block(evaluation: Evaluation) -> list[Finding]:
    """The rep chosen does not hold the registration the campaign's service requires."""
    required = evaluation.request.required_registration
    held = evaluation.facts.agent_registrations
    if required is None:
        return []
    rule_id = _registration_rule_id(evaluation)
    evaluation.check(rule_id)
    if held is None or required in held:
        return []
    return [
        block(
            rule_id,
            f"the rep holds no active '{required}' registration, which this campaign's "
            "service requires",
        )
    ]


def registration_requirement(evaluation: Evaluation) -> list[Finding]:
    """No rep is chosen yet: the call may go only to one with the required registration."""
    required = evaluation.request.required_registration
    if required is None or evaluation.facts.agent_registrations is not None:
        return []
    return [
        Finding(
            rule_id=_registration_rule_id(evaluation),
            verdict=Verdict.REQUIRE,
            explanation=f"connect the call only to a rep with an active '{required}' registration",
        )
    ]
