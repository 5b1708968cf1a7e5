from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from revenue.conversions import RevenueItem, RevenueKind
from revenue.errors import NoRuleInForce
from revenue.rules import (
    DEFAULT_COEFFICIENT_BANDS,
    CoefficientBand,
    RuleBook,
    ServiceCoefficientBands,
    SplitShares,
)

from .builders import T0, conversion, revenue, rule_set


@pytest.mark.parametrize(
    ("score", "multiplier"),
    [
        ("1", "1.03"),
        ("0.9999", "1"),
        ("0.9", "1"),
        ("0.8999", "0.8"),
        ("0.8", "0.8"),
        ("0.75", "0.6"),
        ("0.7", "0.6"),
        ("0.6999", "0"),
        ("0", "0"),
    ],
)
def test_default_bands_follow_the_firms_service_coefficient(score: str, multiplier: str) -> None:
    assert DEFAULT_COEFFICIENT_BANDS.multiplier_for(Decimal(score)) == Decimal(multiplier)


def test_a_firm_can_pay_out_half_below_the_lowest_band() -> None:
    bands = ServiceCoefficientBands(
        bands=(
            CoefficientBand(at_least=Decimal("0.7"), multiplier=Decimal("1")),
            CoefficientBand(at_least=Decimal("0"), multiplier=Decimal("0.5")),
        )
    )
    assert bands.multiplier_for(Decimal("0.5")) == Decimal("0.5")
    assert bands.multiplier_for(Decimal("0.7")) == Decimal("1")


def test_bands_must_start_at_zero() -> None:
    with pytest.raises(ValidationError, match="starting at 0"):
        ServiceCoefficientBands(
            bands=(CoefficientBand(at_least=Decimal("0.5"), multiplier=Decimal(1)),)
        )


def test_bands_must_not_repeat_a_threshold() -> None:
    with pytest.raises(ValidationError, match="repeat a threshold"):
        ServiceCoefficientBands(
            bands=(
                CoefficientBand(at_least=Decimal(0), multiplier=Decimal(1)),
                CoefficientBand(at_least=Decimal(0), multiplier=Decimal(2)),
            )
        )


def test_scores_outside_zero_to_one_are_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        DEFAULT_COEFFICIENT_BANDS.multiplier_for(Decimal("1.2"))


def test_a_rule_set_may_not_pay_out_more_than_the_revenue_at_the_best_coefficient() -> None:
    # 50 + 47 = 97 % is fine at x1, but x1.03 would pay 99.91 %... and 98 % would pay 100.94 %.
    rule_set(shares=SplitShares(rep=Decimal("50"), account_manager=Decimal("47")))
    with pytest.raises(ValidationError, match="could pay out 100.94"):
        rule_set(shares=SplitShares(rep=Decimal("50"), account_manager=Decimal("48")))


def test_unscored_payees_count_at_x1_even_when_every_band_pays_less() -> None:
    stingy = ServiceCoefficientBands(
        bands=(CoefficientBand(at_least=Decimal(0), multiplier=Decimal("0.5")),)
    )
    everything = SplitShares(rep=Decimal("60"), account_manager=Decimal("40"))
    rule_set(shares=everything, coefficient_bands=stingy)
    with pytest.raises(ValidationError, match="could pay out 100.5"):
        rule_set(
            shares=SplitShares(rep=Decimal("60"), account_manager=Decimal("40.5")),
            coefficient_bands=stingy,
        )


def test_money_and_percentages_are_never_floats() -> None:
    with pytest.raises(ValidationError, match="not the float"):
        SplitShares(rep=5.5, account_manager=Decimal(1))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="not the float"):
        RevenueItem.model_validate({**revenue().model_dump(), "amount": 10.1})


def test_only_payees_can_be_capped() -> None:
    with pytest.raises(ValidationError, match="can be capped"):
        rule_set(caps_per_conversion={"firm": Decimal("10")})


def test_a_rule_set_must_count_some_revenue() -> None:
    with pytest.raises(ValidationError, match="counts no revenue kind"):
        rule_set(counted_revenue={})


def book() -> RuleBook:
    return RuleBook(
        firm_id="firm-1",
        versions=(
            rule_set(version=1, effective_from=datetime(2026, 1, 1, tzinfo=UTC)),
            rule_set(version=2, effective_from=datetime(2026, 7, 1, tzinfo=UTC)),
        ),
    )


def test_the_version_in_force_is_the_latest_that_took_effect() -> None:
    assert book().in_force_at(datetime(2026, 6, 30, 23, 59, tzinfo=UTC)).version == 1
    assert book().in_force_at(datetime(2026, 7, 1, tzinfo=UTC)).version == 2
    assert book().in_force_at(datetime(2030, 1, 1, tzinfo=UTC)).version == 2
    assert book().version(1).effective_from == datetime(2026, 1, 1, tzinfo=UTC)


def test_nothing_is_in_force_before_the_first_version() -> None:
    with pytest.raises(NoRuleInForce, match="add an earlier one"):
        book().in_force_at(datetime(2025, 12, 31, tzinfo=UTC))


def test_versions_must_take_effect_in_order() -> None:
    with pytest.raises(ValidationError, match="take effect after"):
        RuleBook(
            firm_id="firm-1",
            versions=(
                rule_set(version=1, effective_from=datetime(2026, 7, 1, tzinfo=UTC)),
                rule_set(version=2, effective_from=datetime(2026, 1, 1, tzinfo=UTC)),
            ),
        )
    with pytest.raises(ValidationError, match="unique and listed in order"):
        RuleBook(firm_id="firm-1", versions=(rule_set(version=2), rule_set(version=1)))
    with pytest.raises(ValidationError, match="other firms"):
        RuleBook(firm_id="firm-2", versions=(rule_set(),))


def test_revenue_counts_by_kind_within_its_window() -> None:
    rules = rule_set()
    the_conversion = conversion()
    assert rules.counts(the_conversion, revenue(earned_at=T0))
    assert rules.counts(the_conversion, revenue(earned_at=T0 + timedelta(days=365)))
    late = revenue(earned_at=T0 + timedelta(days=365, seconds=1))
    assert "outside" in (rules.why_not_counted(the_conversion, late) or "")
    early = revenue(earned_at=T0 - timedelta(seconds=1))
    assert not rules.counts(the_conversion, early)
    fee = revenue(kind=RevenueKind.ADVISORY_FEE, earned_at=T0 + timedelta(days=181))
    assert not rules.counts(the_conversion, fee)
    interest = revenue(kind=RevenueKind.MARGIN_INTEREST)
    assert "do not count margin_interest" in (rules.why_not_counted(the_conversion, interest) or "")
    other = revenue(customer_id="cust-2")
    assert "customer cust-2" in (rules.why_not_counted(the_conversion, other) or "")
    dollars = revenue(currency="USD")
    assert "USD" in (rules.why_not_counted(the_conversion, dollars) or "")


def test_clawback_applies_only_within_its_days() -> None:
    rules = rule_set(clawback_days=30)
    assert rules.claws_back(conversion(), T0 + timedelta(days=30))
    assert not rules.claws_back(conversion(), T0 + timedelta(days=30, seconds=1))
    assert not rule_set(clawback_days=None).claws_back(conversion(), T0 + timedelta(days=1))
