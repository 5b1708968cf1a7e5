"""Every time constraint of a decision, in the order they are checked: per jurisdiction its
hours, the US states' hours and caps, the firm's hours and the abandon lock; then the
campaign's own windows, the firm's abandon lock and caps."""

from __future__ import annotations

from compliance.gate.caps import add_abandon_lock, add_firm_caps, add_state_cap
from compliance.gate.evaluation import Evaluation
from compliance.gate.hours import add_hours, campaign_hours_rule, firm_hours_rule
from compliance.models import Jurisdiction
from compliance.rules import RuleSet


def build_constraints(evaluation: Evaluation) -> None:
    policy = evaluation.policy
    for jurisdiction, rule_set in sorted(evaluation.rule_sets.items()):
        add_hours(evaluation, jurisdiction, rule_set.hours, state=None)
        if jurisdiction is Jurisdiction.US:
            _add_state_rules(evaluation, rule_set)
        firm_hours = policy.hours.get(jurisdiction)
        if firm_hours is not None:
            add_hours(evaluation, jurisdiction, firm_hours_rule(jurisdiction, firm_hours), None)
        if rule_set.abandon_lock_hours and rule_set.abandon_lock_rule_id:
            add_abandon_lock(evaluation, rule_set.abandon_lock_rule_id, rule_set.abandon_lock_hours)
    if evaluation.campaign_hours is not None:
        add_hours(
            evaluation,
            evaluation.request.profile,
            campaign_hours_rule(evaluation.campaign_hours),
            None,
        )
    if policy.abandon_lock_hours:
        add_abandon_lock(evaluation, "FIRM-A3", policy.abandon_lock_hours)
    add_firm_caps(evaluation)


def _add_state_rules(evaluation: Evaluation, rule_set: RuleSet) -> None:
    for state in sorted(evaluation.where.us_states):
        rules = rule_set.states.get(state)
        if rules is None:
            continue
        for hours in rules.hours:
            add_hours(evaluation, Jurisdiction.US, hours, state=state)
        add_state_cap(evaluation, state, rules.frequency)
