"""Caps, locks, DNC, consent, suitability, rep registration, UK cold calls, G-1, G-2."""

from datetime import date

import pytest

from compliance.errors import NoRuleSetInForce
from compliance.gate import decide
from compliance.models import DialMode, Jurisdiction, Verdict
from compliance.rules import DEFAULT_RULE_BOOK, US_2026_1, FirmPolicy, RuleBook

from .builders import at, facts, gate, request

# A Tuesday in June, 10:00 EDT / 14:00 UTC: inside every US window.
NOON_ISH = "2026-06-02T14:00:00Z"


def attempts(*times: str, subject: str = "advisory", **extra: object) -> list[dict[str, object]]:
    return [{"at": t, "subject": subject, **extra} for t in times]


# -- US-F1 ---------------------------------------------------------------------------------

THREE = attempts("2026-06-02T14:00:00Z", "2026-06-02T15:00:00Z", "2026-06-02T16:00:00Z")


def test_florida_cap_delays_until_the_oldest_attempt_is_24_hours_old() -> None:
    decision = gate("2026-06-03T13:59:59Z", attempts=THREE)
    assert decision.verdict is Verdict.DELAY
    assert decision.rules == ("US-F1",)
    assert decision.until == at("2026-06-03T14:00:00Z")
    assert "3 were made since 2026-06-02 14:00 UTC" in decision.reason


def test_florida_cap_at_its_exact_boundary_allows_the_call() -> None:
    assert gate("2026-06-03T14:00:00Z", attempts=THREE).verdict is Verdict.ALLOW


def test_florida_cap_counts_across_campaigns_but_per_subject() -> None:
    mixed = [{**a, "campaign_id": f"c{i}"} for i, a in enumerate(THREE)]
    assert gate("2026-06-03T13:00:00Z", attempts=mixed).verdict is Verdict.DELAY
    other = attempts(*(a["at"] for a in THREE), subject="funds")  # type: ignore[misc]
    assert gate("2026-06-03T13:00:00Z", attempts=other).verdict is Verdict.ALLOW


def test_florida_cap_does_not_apply_to_service_calls_or_other_states() -> None:
    assert (
        gate("2026-06-03T13:00:00Z", {"purpose": "service"}, attempts=THREE).verdict
        is Verdict.ALLOW
    )
    assert (
        gate("2026-06-03T13:00:00Z", {"number": "+12125550123"}, attempts=THREE).verdict
        is Verdict.ALLOW
    )


# -- firm caps -------------------------------------------------------------------------------


def test_firm_cap_per_number_per_day_reopens_at_local_midnight() -> None:
    policy = FirmPolicy(max_attempts_per_number_per_day=2)
    two = facts(attempts=attempts("2026-06-02T13:00:00Z", "2026-06-02T14:00:00Z", subject="x"))
    decision = decide(request(number="+12125550123"), two, at(NOON_ISH), policy=policy)
    assert decision.verdict is Verdict.DELAY
    # Midnight EDT is 04:00 UTC, but US-H1 then keeps it closed until 08:00 EDT: both decide.
    assert decision.rules == ("FIRM-F1", "US-H1")
    assert "2 were made on Tue 02 Jun" in decision.reason
    assert decision.until == at("2026-06-03T12:00:00Z")
    assert decision.rule_set_version == "US-2026.1+firm-default-1"


def test_firm_cap_per_person_counts_other_numbers_too() -> None:
    policy = FirmPolicy(max_attempts_per_person_per_24h=1)
    elsewhere = facts(attempts=[{"at": "2026-06-02T13:00:00Z", "number": "+12125550199"}])
    decision = decide(request(number="+12125550123"), elsewhere, at(NOON_ISH), policy=policy)
    assert decision.until == at("2026-06-03T13:00:00Z")
    assert decision.rules == ("FIRM-F2",)


# -- UK-A3 -----------------------------------------------------------------------------------

UK_SERVICE = {"number": "+442079460000", "profile": "UK", "purpose": "service"}


def test_uk_abandoned_call_locks_automated_dialing_for_72_hours() -> None:
    abandoned = attempts("2026-06-01T10:00:00Z", abandoned=True)
    decision = gate("2026-06-02T10:00:00Z", UK_SERVICE, attempts=abandoned)
    assert decision.verdict is Verdict.DELAY
    assert decision.rules == ("UK-A3",)
    assert decision.until == at("2026-06-04T10:00:00Z")


def test_uk_abandon_lock_does_not_apply_when_a_rep_is_reserved() -> None:
    abandoned = attempts("2026-06-01T10:00:00Z", abandoned=True)
    progressive = {**UK_SERVICE, "dial_mode": "progressive"}
    assert gate("2026-06-02T10:00:00Z", progressive, attempts=abandoned).verdict is Verdict.ALLOW


# -- consent ---------------------------------------------------------------------------------

CN_MARKETING = {"number": "+8613812345678", "profile": "CN", "purpose": "marketing"}
CN_NOW = "2026-06-02T02:00:00Z"  # Tue 10:00 Beijing, a working day


def consent(granted: str = "2025-01-01T00:00:00Z", revoked: str | None = None) -> dict[str, object]:
    return {"purpose": "marketing", "granted_at": granted, "revoked_at": revoked}


def test_cn_marketing_consent_revoked_one_second_before_now_blocks() -> None:
    revoked = {"consents": [consent(revoked="2026-06-02T01:59:59Z")]}
    decision = gate(CN_NOW, CN_MARKETING, account=revoked)
    assert decision.verdict is Verdict.BLOCK
    assert decision.rules == ("CN-C1",)
    assert "withdrawn" in decision.reason


def test_cn_marketing_consent_revoked_one_second_after_now_still_allows() -> None:
    later = {"consents": [consent(revoked="2026-06-02T02:00:01Z")]}
    assert gate(CN_NOW, CN_MARKETING, account=later).verdict is Verdict.ALLOW


def test_cn_marketing_without_consent_is_a_refusal() -> None:
    assert gate(CN_NOW, CN_MARKETING).rules == ("CN-C1",)


def test_us_wireless_without_consent_requires_preview() -> None:
    decision = gate(NOON_ISH, account={"line_type": "wireless"})
    assert decision.verdict is Verdict.REQUIRE
    assert decision.required_mode is DialMode.PREVIEW
    assert decision.rules == ("US-C1",)
    assert gate(NOON_ISH, {"dial_mode": "preview"}, account={"line_type": "wireless"}).verdict is (
        Verdict.ALLOW
    )
    consented = {"line_type": "wireless", "consents": [consent()]}
    assert gate(NOON_ISH, account=consented).verdict is Verdict.ALLOW


def test_us_wireless_consent_revoked_one_second_before_now_requires_preview() -> None:
    revoked = {"line_type": "wireless", "consents": [consent(revoked="2026-06-02T13:59:59Z")]}
    assert gate(NOON_ISH, account=revoked).verdict is Verdict.REQUIRE


def test_us_unknown_line_type_is_treated_as_wireless() -> None:
    assert gate(NOON_ISH, account={"line_type": "unknown"}).verdict is Verdict.REQUIRE


# -- DNC -------------------------------------------------------------------------------------


def test_firm_opt_out_blocks_from_the_moment_it_is_received() -> None:
    just_before = [{"list": "firm", "added_at": "2026-06-02T13:59:59Z"}]
    decision = gate(NOON_ISH, dnc=just_before)
    assert decision.verdict is Verdict.BLOCK
    assert decision.rules == ("US-D3", "US-D4")
    just_after = [{"list": "firm", "added_at": "2026-06-02T14:00:01Z"}]
    assert gate(NOON_ISH, dnc=just_after).verdict is Verdict.ALLOW


def test_national_dnc_blocks_marketing_but_not_service() -> None:
    listed = [{"list": "national", "snapshot_date": "2026-05-20"}]
    assert gate(NOON_ISH, dnc=listed).rules == ("US-D1",)
    assert gate(NOON_ISH, {"purpose": "service"}, dnc=listed).verdict is Verdict.ALLOW


def test_existing_business_relationship_exception_lasts_18_months_after_a_transaction() -> None:
    listed = [{"list": "national", "snapshot_date": "2026-05-20"}]
    recent = {"last_transaction_at": "2025-01-03T00:00:00Z"}  # 17 months before
    assert gate(NOON_ISH, dnc=listed, account=recent).verdict is Verdict.ALLOW
    old = {"last_transaction_at": "2024-11-01T00:00:00Z"}  # 19 months before
    assert gate(NOON_ISH, dnc=listed, account=old).verdict is Verdict.BLOCK
    inquiry = {"last_inquiry_at": "2026-04-02T00:00:00Z"}  # 2 months before
    assert gate(NOON_ISH, dnc=listed, account=inquiry).verdict is Verdict.ALLOW
    written = {"consents": [consent()]}
    assert gate(NOON_ISH, dnc=listed, account=written).verdict is Verdict.ALLOW


def test_existing_customer_on_the_firm_list_is_blocked_despite_the_relationship() -> None:
    both = [{"list": "national"}, {"list": "firm", "added_at": "2026-01-01T00:00:00Z"}]
    recent = {"last_transaction_at": "2026-05-01T00:00:00Z"}
    assert gate(NOON_ISH, dnc=both, account=recent).rules == ("US-D3", "US-D4")


def test_a_stale_national_snapshot_blocks_marketing() -> None:
    stale = {"national": date(2026, 5, 1)}  # 32 days before 2 June
    decision = gate(NOON_ISH, dnc_snapshots=stale)
    assert decision.verdict is Verdict.BLOCK
    assert decision.rules == ("US-D2",)
    assert "32 days old" in decision.reason
    assert gate(NOON_ISH, dnc_snapshots={"national": date(2026, 5, 2)}).verdict is Verdict.ALLOW
    assert gate(NOON_ISH, {"purpose": "service"}, dnc_snapshots=stale).verdict is Verdict.ALLOW


def test_a_snapshot_that_goes_stale_before_the_window_opens_blocks() -> None:
    # Sunday in Mississippi: no calls until Monday 13:00 UTC, by when 7 May is 32 days old.
    mississippi = {"number": "+16015550123"}
    decision = gate("2026-06-07T15:00:00Z", mississippi, dnc_snapshots={"national": "2026-05-07"})
    assert decision.verdict is Verdict.BLOCK
    assert decision.rules == ("US-D2",)
    assert "by then" in decision.reason


UK_MARKETING = {"number": "+442079460000", "profile": "UK", "purpose": "marketing"}
UK_CLIENT = {"region": "ENG", "existing_customer_since": "2020-01-01T00:00:00Z",
             "client_expects_calls": True}  # fmt: skip


def test_tps_blocks_marketing_unless_the_customer_consented() -> None:
    tps = [{"list": "tps", "snapshot_date": "2026-05-20"}]
    assert gate(NOON_ISH, UK_MARKETING, account=UK_CLIENT, dnc=tps).rules == ("UK-T1",)
    consenting = {**UK_CLIENT, "consents": [consent()]}
    assert gate(NOON_ISH, UK_MARKETING, account=consenting, dnc=tps).verdict is Verdict.ALLOW


def test_tps_snapshot_older_than_28_days_blocks() -> None:
    stale = {"tps": "2026-05-04"}  # 29 days
    assert gate(NOON_ISH, UK_MARKETING, account=UK_CLIENT, dnc_snapshots=stale).rules == ("UK-T1",)


def test_ctps_blocks_marketing_as_uk_t2_unless_the_customer_consented() -> None:
    ctps = [{"list": "ctps", "snapshot_date": "2026-05-20"}]
    decision = gate(NOON_ISH, UK_MARKETING, account=UK_CLIENT, dnc=ctps)
    assert decision.verdict is Verdict.BLOCK
    assert decision.rules == ("UK-T2",)
    assert "Corporate TPS" in decision.reason
    consenting = {**UK_CLIENT, "consents": [consent()]}
    assert gate(NOON_ISH, UK_MARKETING, account=consenting, dnc=ctps).verdict is Verdict.ALLOW
    service = {**UK_MARKETING, "purpose": "service"}
    assert gate(NOON_ISH, service, account=UK_CLIENT, dnc=ctps).verdict is Verdict.ALLOW


def test_ctps_snapshot_older_than_28_days_blocks_as_uk_t2() -> None:
    stale = {"ctps": "2026-05-04"}  # 29 days
    decision = gate(NOON_ISH, UK_MARKETING, account=UK_CLIENT, dnc_snapshots=stale)
    assert decision.verdict is Verdict.BLOCK
    assert decision.rules == ("UK-T2",)
    assert "ctps do-not-call snapshot of 2026-05-04 is 29 days old" in decision.reason
    fresh = {"ctps": "2026-05-05"}  # 28 days
    assert gate(NOON_ISH, UK_MARKETING, account=UK_CLIENT, dnc_snapshots=fresh).verdict is (
        Verdict.ALLOW
    )


def test_uk_firm_suppression_blocks_from_the_moment_it_is_received() -> None:
    just_before = [{"list": "firm", "added_at": "2026-06-02T13:59:59Z"}]
    decision = gate(NOON_ISH, UK_MARKETING, account=UK_CLIENT, dnc=just_before)
    assert decision.verdict is Verdict.BLOCK
    assert decision.rules == ("UK-T3",)
    just_after = [{"list": "firm", "added_at": "2026-06-02T14:00:01Z"}]
    assert gate(NOON_ISH, UK_MARKETING, account=UK_CLIENT, dnc=just_after).verdict is (
        Verdict.ALLOW
    )
    # consent does not override the firm's own list, and scope "all" stops service calls
    consenting = {**UK_CLIENT, "consents": [consent()]}
    assert gate(NOON_ISH, UK_MARKETING, account=consenting, dnc=just_before).rules == ("UK-T3",)
    everything = [{"list": "firm", "added_at": "2026-06-02T13:59:59Z", "scope": "all"}]
    assert gate(NOON_ISH, UK_SERVICE, account=UK_CLIENT, dnc=everything).rules == ("UK-T3",)


def test_uk_cold_call_gate_allows_only_existing_clients_who_expect_calls() -> None:
    decision = gate(NOON_ISH, UK_MARKETING, account={"region": "ENG"})
    assert decision.rules == ("UK-F1",)
    assert gate(NOON_ISH, UK_MARKETING, account=UK_CLIENT).verdict is Verdict.ALLOW


def test_cn_refusal_blocks_until_the_customer_consents_again() -> None:
    refusal = [{"list": "cn_refusal", "added_at": "2026-03-01T00:00:00Z"}]
    earlier = {"consents": [consent()]}
    decision = gate(CN_NOW, CN_MARKETING, account=earlier, dnc=refusal)
    assert decision.rules == ("CN-C2",)
    again = {"consents": [consent(granted="2026-04-01T00:00:00Z")]}
    assert gate(CN_NOW, CN_MARKETING, account=again, dnc=refusal).verdict is Verdict.ALLOW


# -- suitability -----------------------------------------------------------------------------


def suitable(level: str, assessed: str = "2025-12-01T00:00:00Z") -> dict[str, object]:
    return {"risk_level": level, "risk_assessed_at": assessed, "consents": [consent()]}


@pytest.mark.parametrize(
    ("level", "risk", "rules"),
    [
        ("C3", "R2", ()),
        ("C3", "R3", ()),
        ("C2", "R3", ("CN-S1",)),
        ("C1", "R2", ("CN-S1", "CN-S2")),
        ("C1", "R1", ()),
    ],
)
def test_product_risk_must_not_exceed_tolerance(level: str, risk: str, rules: tuple[str]) -> None:
    decision = gate(CN_NOW, {**CN_MARKETING, "product_risk": risk}, account=suitable(level))
    assert decision.verdict is (Verdict.BLOCK if rules else Verdict.ALLOW)
    if rules:
        assert decision.rules == rules


def test_risk_assessment_expires_after_12_months() -> None:
    product = {**CN_MARKETING, "product_risk": "R2"}
    exactly = suitable("C3", assessed="2025-06-02T02:00:00Z")
    assert gate(CN_NOW, product, account=exactly).rules == ("CN-S1",)
    younger = suitable("C3", assessed="2025-06-02T02:00:01Z")
    assert gate(CN_NOW, product, account=younger).verdict is Verdict.ALLOW
    unassessed = {"consents": [consent()]}
    assert "no risk assessment" in gate(CN_NOW, product, account=unassessed).reason


def test_suitability_is_firm_policy_outside_china() -> None:
    decision = gate(NOON_ISH, {"product_risk": "R4"}, account={"risk_level": "C2"})
    assert decision.rules == ("FIRM-S1",)


def test_a_c1_customer_is_offered_only_r1_outside_china_too() -> None:
    c1 = {"risk_level": "C1", "risk_assessed_at": "2025-12-01T00:00:00Z"}
    decision = gate(NOON_ISH, {"product_risk": "R2"}, account=c1)
    assert decision.verdict is Verdict.BLOCK
    assert decision.rules == ("FIRM-S1", "FIRM-S2")
    assert "C1 (lowest-tolerance) customer may be offered only R1" in decision.reason
    allowed = gate(NOON_ISH, {"product_risk": "R1"}, account=c1)
    assert allowed.verdict is Verdict.ALLOW
    assert "FIRM-S2" in allowed.rules
    c2 = {"risk_level": "C2", "risk_assessed_at": "2025-12-01T00:00:00Z"}
    assert gate(NOON_ISH, {"product_risk": "R2"}, account=c2).verdict is Verdict.ALLOW


PROFESSIONAL = {"risk_level": "C2", "risk_assessed_at": "2025-12-01T00:00:00Z",
                "professional_investor": True, "consents": [consent()]}  # fmt: skip
EXEMPTING = FirmPolicy(exempt_professional_investors=True)


def test_professional_investors_are_exempt_from_suitability_only_by_firm_policy() -> None:
    product = request(**CN_MARKETING, product_risk="R4")
    default = decide(product, facts(account=PROFESSIONAL), at(CN_NOW))
    assert default.verdict is Verdict.BLOCK
    assert default.rules == ("CN-S1",)
    exempt = decide(product, facts(account=PROFESSIONAL), at(CN_NOW), policy=EXEMPTING)
    assert exempt.verdict is Verdict.ALLOW
    assert "CN-S4" in exempt.rules
    retail = {**PROFESSIONAL, "professional_investor": False}
    retail_decision = decide(product, facts(account=retail), at(CN_NOW), policy=EXEMPTING)
    assert retail_decision.rules == ("CN-S1",)


def test_the_professional_investor_exemption_outside_china_is_firm_policy() -> None:
    product = request(product_risk="R4")
    exempt = decide(product, facts(account=PROFESSIONAL), at(NOON_ISH), policy=EXEMPTING)
    assert exempt.verdict is Verdict.ALLOW
    assert "FIRM-S4" in exempt.rules
    assert not any(rule.startswith("CN-") for rule in exempt.rules)


# -- rep registration (CN-A1) ----------------------------------------------------------------

CN_SERVICE = {**CN_MARKETING, "purpose": "service", "required_registration": "advisor"}


def test_rep_without_the_registration_is_blocked() -> None:
    decision = gate(CN_NOW, CN_SERVICE, agent_registrations=["broker"])
    assert decision.verdict is Verdict.BLOCK
    assert decision.rules == ("CN-A1",)
    assert gate(CN_NOW, CN_SERVICE, agent_registrations=["advisor"]).verdict is Verdict.ALLOW


def test_rep_not_chosen_yet_requires_routing_to_a_registered_rep() -> None:
    decision = gate(CN_NOW, CN_SERVICE)
    assert decision.verdict is Verdict.REQUIRE
    assert decision.rules == ("CN-A1",)
    assert decision.required_mode is None


# -- G-1, G-2, versions ----------------------------------------------------------------------


def test_an_invalid_number_is_blocked() -> None:
    decision = gate(NOON_ISH, {"number": "+1234"})
    assert decision.verdict is Verdict.BLOCK
    assert decision.rules == ("G-1",)


def test_a_chinese_number_in_a_us_campaign_brings_chinese_rules() -> None:
    decision = gate(CN_NOW, {"number": "+8613812345678"})
    assert decision.verdict is Verdict.BLOCK
    assert decision.rules == ("CN-C1",)
    assert decision.jurisdictions == (Jurisdiction.CN, Jurisdiction.US)
    assert decision.rule_set_version == "CN-2026.1+US-2026.1+firm-default-1"


def test_the_rule_set_in_force_is_chosen_by_effective_date() -> None:
    newer = US_2026_1.model_copy(
        update={"version": "US-2027.1", "effective_from": date(2027, 1, 1)}
    )
    book = RuleBook(rule_sets=(*DEFAULT_RULE_BOOK.rule_sets, newer))
    assert book.in_force(Jurisdiction.US, date(2026, 12, 31)).version == "US-2026.1"
    assert book.in_force(Jurisdiction.US, date(2027, 1, 1)).version == "US-2027.1"
    with pytest.raises(NoRuleSetInForce, match="effective_from"):
        book.in_force(Jurisdiction.US, date(2020, 1, 1))


def test_a_rule_book_round_trips_through_json() -> None:
    text = DEFAULT_RULE_BOOK.model_dump_json()
    assert RuleBook.model_validate_json(text) == DEFAULT_RULE_BOOK


def test_naive_now_is_refused() -> None:
    from datetime import datetime

    from compliance.errors import ComplianceError

    with pytest.raises(ComplianceError, match="aware"):
        decide(request(), facts(), datetime(2026, 6, 2, 14))


def test_firm_entry_with_scope_all_stops_service_calls_too() -> None:
    everything = [{"list": "firm", "added_at": "2026-01-01T00:00:00Z", "scope": "all"}]
    assert gate(NOON_ISH, {"purpose": "service"}, dnc=everything).verdict is Verdict.BLOCK
    marketing_only = [{"list": "firm", "added_at": "2026-01-01T00:00:00Z"}]
    assert gate(NOON_ISH, {"purpose": "service"}, dnc=marketing_only).verdict is Verdict.ALLOW


def test_an_expired_dnc_entry_no_longer_blocks() -> None:
    expired = [{"list": "firm", "added_at": "2020-01-01T00:00:00Z", "expires_at": NOON_ISH}]
    assert gate(NOON_ISH, dnc=expired).verdict is Verdict.ALLOW
    assert gate("2026-06-02T13:59:59Z", dnc=expired).verdict is Verdict.BLOCK


def test_carrier_line_type_names_are_understood() -> None:
    assert gate(NOON_ISH, account={"line_type": "mobile"}).rules == ("US-C1",)
    assert gate(NOON_ISH, account={"line_type": "fixed_line"}).verdict is Verdict.ALLOW


def test_automated_dialing_consent_covers_service_calls_not_marketing() -> None:
    autodial = {
        "line_type": "wireless",
        "consents": [{"purpose": "automated_dialing", "granted_at": "2025-01-01T00:00:00Z"}],
    }
    assert gate(NOON_ISH, {"purpose": "service"}, account=autodial).verdict is Verdict.ALLOW
    assert gate(NOON_ISH, account=autodial).verdict is Verdict.REQUIRE


def test_firm_cap_per_number_per_24h_ignores_calls_to_the_persons_other_numbers() -> None:
    policy = FirmPolicy(max_attempts_per_number_per_24h=1)
    other = facts(attempts=[{"at": "2026-06-02T13:00:00Z", "number": "+12125550199"}])
    same = facts(attempts=[{"at": "2026-06-02T13:00:00Z", "number": "+12125550123"}])
    dial = request(number="+12125550123")
    assert decide(dial, other, at(NOON_ISH), policy=policy).verdict is Verdict.ALLOW
    decision = decide(dial, same, at(NOON_ISH), policy=policy)
    assert decision.rules == ("FIRM-F3",)
    assert decision.until == at("2026-06-03T13:00:00Z")


def test_firm_cap_per_person_per_day_counts_every_number() -> None:
    policy = FirmPolicy(max_attempts_per_person_per_day=1)
    other = facts(attempts=[{"at": "2026-06-02T13:00:00Z", "number": "+12125550199"}])
    decision = decide(request(number="+12125550123"), other, at(NOON_ISH), policy=policy)
    assert decision.rules == ("FIRM-F4", "US-H1")
    assert decision.until == at("2026-06-03T12:00:00Z")


def test_firm_hours_only_narrow_the_legal_window() -> None:
    from datetime import time

    from compliance.rules import WeeklyHours

    weekdays = WeeklyHours(days=(*(WeeklyHours.every_day(time(10), time(18)).days[:5]), None, None))
    policy = FirmPolicy(hours={Jurisdiction.US: weekdays})
    saturday = at("2026-06-06T15:00:00Z")  # Sat 11:00 EDT
    decision = decide(request(number="+12125550123"), facts(), saturday, policy=policy)
    assert decision.verdict is Verdict.DELAY
    assert decision.rules == ("FIRM-H1",)
    assert decision.until == at("2026-06-08T14:00:00Z")  # Mon 10:00 EDT
    assert "Mon–Fri 10:00–18:00, Sat–Sun no calls" in decision.reason


def test_mississippi_and_beijing_windows_meet_only_once_daylight_saving_ends() -> None:
    # Mississippi: 08:00–20:00 Central, not Sundays; Beijing: 09:00–21:00 on working days.
    # Under CDT (UTC-5) they never overlap; under CST (UTC-6) 19:00–20:00 Central is
    # 09:00–10:00 Beijing the next day. Sun 1 Nov is excluded by Mississippi.
    decision = gate(
        NOON_ISH,
        {"number": "+16015550123", "purpose": "service"},
        account={"address_time_zone": "Asia/Shanghai"},
    )
    assert decision.verdict is Verdict.DELAY
    assert decision.until == at("2026-11-03T01:00:00Z")
    assert set(decision.rules) == {"US-H1", "US-H2", "CN-H1"}


def test_a_policy_that_never_opens_blocks_with_an_explanation() -> None:
    from compliance.rules import WeeklyHours

    closed = FirmPolicy(
        hours={Jurisdiction.US: WeeklyHours(days=(None, None, None, None, None, None, None))},
        horizon_days=30,
    )
    decision = decide(request(number="+12125550123"), facts(), at(NOON_ISH), policy=closed)
    assert decision.verdict is Verdict.BLOCK
    assert decision.rules == ("FIRM-H1",)
    assert "no instant in the next 30 days" in decision.reason
