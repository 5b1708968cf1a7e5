"""The order of the checks: what blocks a call at an instant, and what it requires.

Blocks only ever start applying as time passes, never stop: a call blocked now stays
blocked later unless the facts change, so a DELAY looks again at its opening instant.
"""

from __future__ import annotations

from datetime import datetime

from compliance.gate.consent import cold_call_gate, consent_required, wireless_requirement
from compliance.gate.dnc import firm_dnc, freshness, national_dnc, refusal
from compliance.gate.eligibility import (
    registration_block,
    registration_requirement,
    suitability,
)
from compliance.gate.evaluation import Evaluation
from compliance.models import Finding


def blocks(evaluation: Evaluation, at: datetime) -> list[Finding]:
    found: list[Finding] = []
    for _jurisdiction, rule_set in sorted(evaluation.rule_sets.items()):
        found += firm_dnc(evaluation, rule_set, at)
        if evaluation.marketing:
            found += national_dnc(evaluation, rule_set, at)
            found += freshness(evaluation, rule_set, at)
            found += consent_required(evaluation, rule_set, at)
            found += cold_call_gate(evaluation, rule_set, at)
    if evaluation.marketing:
        found += refusal(evaluation, at)
        found += suitability(evaluation, at)
    found += registration_block(evaluation)
    return found


def requirements(evaluation: Evaluation) -> list[Finding]:
    return [*registration_requirement(evaluation), *wireless_requirement(evaluation)]
