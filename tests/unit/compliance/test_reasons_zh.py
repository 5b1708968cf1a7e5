from compliance.reasons_zh import RULE_SUMMARIES_ZH
from compliance.rules import DEFAULT_RULE_BOOK


def test_every_shipped_gate_rule_has_a_chinese_summary() -> None:
    ids: set[str] = {
        "G-1",
        "FIRM-H1",
        "FIRM-F1",
        "FIRM-F2",
        "FIRM-F3",
        "FIRM-F4",
        "FIRM-A3",
        "FIRM-S1",
        "FIRM-S2",
        "FIRM-S4",
        "FIRM-A1",
    }
    for rule_set in DEFAULT_RULE_BOOK.rule_sets:
        ids.add(rule_set.hours.rule_id)
        ids.update(rule_set.firm_dnc_rule_ids)
        ids.update(r.rule_id for s in rule_set.states.values() for r in s.hours)
        ids.update(s.frequency.rule_id for s in rule_set.states.values() if s.frequency)
        ids.update(rule_set.suitability_rule_ids or ())
        for optional in (
            rule_set.national_dnc_rule_id,
            rule_set.freshness_rule_id,
            rule_set.refusal_rule_id,
            rule_set.abandon_lock_rule_id,
            rule_set.marketing_requires_consent_rule_id,
            rule_set.wireless_autodial_consent_rule_id,
            rule_set.cold_call_gate_rule_id,
            rule_set.registration_rule_id,
        ):
            if optional:
                ids.add(optional)
    assert sorted(ids - set(RULE_SUMMARIES_ZH)) == []
