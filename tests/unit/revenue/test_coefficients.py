"""The service coefficient rule, property-tested: reference/003's bands (with their exact
boundaries), the rule's arithmetic and its versions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revenue.coefficients import (
    DEFAULT_COEFFICIENT_RULE,
    CoefficientRule,
    CoefficientRuleBook,
    CoefficientRuleInvalid,
    NoCoefficientRule,
    ServiceFacts,
    compute_coefficient,
)
from revenue.rules import DEFAULT_COEFFICIENT_BANDS

scores = st.integers(min_value=0, max_value=10_000).map(lambda n: Decimal(n) / 10_000)
qa_scores = st.lists(scores, max_size=12).map(tuple)
ratings = st.lists(st.integers(min_value=1, max_value=5), max_size=12).map(tuple)


def reference_003(score: Decimal) -> Decimal:
    """The table of reference/003, written out on its own."""
    if score == 1:
        return Decimal("1.03")
    if score >= Decimal("0.9"):
        return Decimal("1")
    if score >= Decimal("0.8"):
        return Decimal("0.8")
    if score >= Decimal("0.7"):
        return Decimal("0.6")
    return Decimal("0")


@given(scores)
def test_every_score_gets_reference_003s_multiplier(score: Decimal) -> None:
    assert DEFAULT_COEFFICIENT_BANDS.multiplier_for(score) == reference_003(score)


@pytest.mark.parametrize(
    ("score", "multiplier"),
    [
        ("1", "1.03"),
        ("0.9999", "1"),
        ("0.9", "1"),
        ("0.8999", "0.8"),
        ("0.8", "0.8"),
        ("0.7999", "0.6"),
        ("0.7", "0.6"),
        ("0.6999", "0"),
        ("0", "0"),
    ],
)
def test_the_band_boundaries(score: str, multiplier: str) -> None:
    assert DEFAULT_COEFFICIENT_BANDS.multiplier_for(Decimal(score)) == Decimal(multiplier)


@pytest.mark.parametrize(
    ("upheld", "score", "multiplier"),
    [(0, "1", "1.03"), (1, "0.9", "1"), (2, "0.8", "0.8"), (3, "0.7", "0.6"), (4, "0.6", "0")],
)
def test_upheld_complaints_walk_down_the_bands(upheld: int, score: str, multiplier: str) -> None:
    result = compute_coefficient(DEFAULT_COEFFICIENT_RULE, ServiceFacts(upheld_complaints=upheld))
    assert result.score == Decimal(score)
    assert DEFAULT_COEFFICIENT_BANDS.multiplier_for(result.score) == Decimal(multiplier)
    assert result.inputs["upheld_complaints"] == upheld and result.rule_version == 1


@given(st.integers(min_value=0, max_value=20), qa_scores, ratings)
def test_the_score_is_a_four_place_share_and_worse_facts_never_raise_it(
    upheld: int, qa: tuple[Decimal, ...], sms: tuple[int, ...]
) -> None:
    rule = DEFAULT_COEFFICIENT_RULE
    result = compute_coefficient(rule, ServiceFacts(upheld, qa, sms))
    assert Decimal(0) <= result.score <= Decimal(1)
    assert result.score == result.score.quantize(Decimal("0.0001"))
    worse = compute_coefficient(rule, ServiceFacts(upheld + 1, qa, sms))
    assert worse.score <= result.score
    if qa:
        lower_qa = tuple(max(Decimal(0), s - Decimal("0.1")) for s in qa)
        assert compute_coefficient(rule, ServiceFacts(upheld, lower_qa, sms)).score <= result.score
    if sms:
        lower_sms = tuple(max(1, r - 1) for r in sms)
        assert compute_coefficient(rule, ServiceFacts(upheld, qa, lower_sms)).score <= result.score


@given(qa_scores, ratings)
def test_meeting_the_targets_with_no_complaint_is_a_clean_record(
    qa: tuple[Decimal, ...], sms: tuple[int, ...]
) -> None:
    good_qa = tuple(max(s, DEFAULT_COEFFICIENT_RULE.qa_target) for s in qa)
    good_sms = tuple(max(r, 4) for r in sms)
    result = compute_coefficient(DEFAULT_COEFFICIENT_RULE, ServiceFacts(0, good_qa, good_sms))
    assert result.score == 1
    assert DEFAULT_COEFFICIENT_BANDS.multiplier_for(result.score) == Decimal("1.03")


def test_qa_and_sms_shortfalls_are_weighted_and_too_few_answers_do_not_count() -> None:
    rule = DEFAULT_COEFFICIENT_RULE
    qa_short = compute_coefficient(rule, ServiceFacts(0, (Decimal("0.65"),), ()))
    assert qa_short.score == Decimal("0.9")  # 0.5 x (0.85 - 0.65)
    sms_short = compute_coefficient(rule, ServiceFacts(0, (), (2, 2, 2)))
    assert sms_short.score == Decimal("0.9")  # 0.05 x (4 - 2)
    too_few = compute_coefficient(rule, ServiceFacts(0, (), (1, 1)))
    assert too_few.score == 1 and too_few.inputs["sms_deduction"] == "0.0000"


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@given(st.lists(days, min_size=1, max_size=6, unique=True), days)
def test_the_version_in_force_is_the_latest_that_took_effect(
    starts: list[date], asked: date
) -> None:
    ordered = sorted(starts)
    book = CoefficientRuleBook(
        versions=tuple(
            CoefficientRule(version=n + 1, effective_from=d, complaint_penalty=Decimal(n + 1) / 100)
            for n, d in enumerate(ordered)
        )
    )
    if asked < ordered[0]:
        with pytest.raises(NoCoefficientRule):
            book.in_force_on(asked)
        return
    rule = book.in_force_on(asked)
    assert rule.effective_from <= asked
    assert all(not (rule.effective_from < d <= asked) for d in ordered)
    # a later version computes by its own weights
    result = compute_coefficient(rule, ServiceFacts(upheld_complaints=1))
    assert result.rule_version == rule.version
    assert result.score == 1 - rule.complaint_penalty


def test_versions_out_of_order_or_repeated_are_refused() -> None:
    first = CoefficientRule(version=1, effective_from=date(2026, 1, 1))
    with pytest.raises(ValueError, match="unique and in order"):
        CoefficientRuleBook(versions=(first, first))
    earlier = CoefficientRule(version=2, effective_from=date(2026, 1, 1) - timedelta(days=1))
    with pytest.raises(ValueError, match="take effect after"):
        CoefficientRuleBook(versions=(first, earlier))
    with pytest.raises(CoefficientRuleInvalid):
        ServiceFacts(qa_scores=(Decimal("1.5"),))
    with pytest.raises(ValueError, match="at most 1"):
        CoefficientRule(version=1, effective_from=date(2026, 1, 1), qa_target=Decimal("1.2"))
