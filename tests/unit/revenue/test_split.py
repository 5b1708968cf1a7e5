from datetime import timedelta
from decimal import Decimal

import pytest

from revenue.attribution import attribute
from revenue.conversions import RevenueKind
from revenue.errors import RevenueNotCounted, RuleSetInvalid
from revenue.parties import Party
from revenue.rules import CoefficientBand, ServiceCoefficientBands, SplitShares
from revenue.split import Split, split_revenue

from .builders import T0, attributed, conversion, lead, revenue, rule_set


def amounts(split: Split) -> dict[Party, Decimal]:
    return {line.party: line.amount for line in split.lines}


def test_the_centre_and_branch_get_their_percentages_and_the_firm_the_rest() -> None:
    split = split_revenue(revenue("1000.00"), attributed(), rule_set())
    assert amounts(split) == {
        Party.REP: Decimal("50.00"),
        Party.TEAM: Decimal("10.00"),
        Party.ACCOUNT_MANAGER: Decimal("100.00"),
        Party.FIRM_RETAINED: Decimal("840.00"),
    }
    assert split.line(Party.REP).payee_id == "rep-1"
    assert split.line(Party.TEAM).payee_id == "team-1"
    assert split.line(Party.ACCOUNT_MANAGER).payee_id == "am-1"
    assert (split.rule_firm_id, split.rule_version) == ("firm-1", 1)
    assert split.lead.call_id == "call-1"


@pytest.mark.parametrize(
    ("score", "rep", "firm"),
    [
        ("1", "51.50", "838.50"),  # clean record: x1.03, the bonus comes out of the firm's part
        ("0.95", "50.00", "840.00"),
        ("0.85", "40.00", "850.00"),  # x0.8: the 10.00 withheld stays with the firm
        ("0.75", "30.00", "860.00"),
        ("0.5", "0.00", "890.00"),  # withheld entirely
    ],
)
def test_the_service_coefficient_scales_a_payee_and_the_firm_takes_the_difference(
    score: str, rep: str, firm: str
) -> None:
    split = split_revenue(
        revenue("1000.00"), attributed(), rule_set(), service_scores={Party.REP: Decimal(score)}
    )
    assert split.line(Party.REP).amount == Decimal(rep)
    assert split.line(Party.REP).service_score == Decimal(score)
    assert split.line(Party.FIRM_RETAINED).amount == Decimal(firm)
    assert split.line(Party.ACCOUNT_MANAGER).amount == Decimal("100.00")


def test_cents_are_rounded_by_largest_remainder_and_add_up() -> None:
    # 0.07 at 5 % / 1 % / 10 %: exact 0.0035, 0.0007, 0.007 and 0.0588 for the firm.
    # Floors are 0, 0, 0, 0.05; the two missing cents go to the firm (.88) and the manager (.7).
    split = split_revenue(revenue("0.07"), attributed(), rule_set())
    assert amounts(split) == {
        Party.REP: Decimal("0.00"),
        Party.TEAM: Decimal("0.00"),
        Party.ACCOUNT_MANAGER: Decimal("0.01"),
        Party.FIRM_RETAINED: Decimal("0.06"),
    }
    assert split.line(Party.ACCOUNT_MANAGER).exact_amount == Decimal("0.007")


def test_a_tie_for_the_last_cent_goes_to_the_rep_first() -> None:
    rules = rule_set(
        shares=SplitShares(rep=Decimal("25"), team=Decimal("25"), account_manager=Decimal("25"))
    )
    split = split_revenue(revenue("0.02"), attributed(), rules)
    # Every part's exact share is half a cent; the two cents go to rep and team.
    assert [line.amount for line in split.lines] == [
        Decimal("0.01"),
        Decimal("0.01"),
        Decimal("0.00"),
        Decimal("0.00"),
    ]


def test_shares_may_take_the_whole_revenue_when_no_band_pays_a_bonus() -> None:
    flat = ServiceCoefficientBands(
        bands=(CoefficientBand(at_least=Decimal(0), multiplier=Decimal(1)),)
    )
    rules = rule_set(
        shares=SplitShares(
            rep=Decimal("33.3333"), team=Decimal("33.3333"), account_manager=Decimal("33.3334")
        ),
        coefficient_bands=flat,
    )
    split = split_revenue(revenue("0.01"), attributed(), rules)
    # Exact shares 0.00333333, 0.00333333, 0.00333334 and 0 for the firm: the cent goes to the
    # largest remainder, the account manager's.
    assert amounts(split) == {
        Party.REP: Decimal("0.00"),
        Party.TEAM: Decimal("0.00"),
        Party.ACCOUNT_MANAGER: Decimal("0.01"),
        Party.FIRM_RETAINED: Decimal("0.00"),
    }


def test_a_cap_limits_a_payee_per_conversion_and_the_firm_keeps_the_excess() -> None:
    rules = rule_set(caps_per_conversion={Party.ACCOUNT_MANAGER: Decimal("60.00")})
    split = split_revenue(revenue("1000.00"), attributed(), rules)
    assert split.line(Party.ACCOUNT_MANAGER).amount == Decimal("60.00")
    assert split.line(Party.ACCOUNT_MANAGER).capped
    assert split.line(Party.FIRM_RETAINED).amount == Decimal("880.00")
    already = split_revenue(
        revenue("1000.00"),
        attributed(),
        rules,
        paid_so_far={Party.ACCOUNT_MANAGER: Decimal("55.00")},
    )
    assert already.line(Party.ACCOUNT_MANAGER).amount == Decimal("5.00")
    assert already.line(Party.FIRM_RETAINED).amount == Decimal("935.00")


def test_a_rep_without_a_team_leaves_the_teams_share_with_the_firm() -> None:
    split = split_revenue(revenue("1000.00"), attributed(the_lead=lead(team_id=None)), rule_set())
    assert split.line(Party.TEAM).payee_id is None
    assert split.line(Party.TEAM).amount == Decimal("0.00")
    assert split.line(Party.FIRM_RETAINED).amount == Decimal("850.00")


def test_a_lead_without_an_account_manager_pays_the_branch_pool() -> None:
    split = split_revenue(
        revenue("1000.00"), attributed(the_lead=lead(account_manager_id=None)), rule_set()
    )
    pool = split.line(Party.BRANCH_POOL)
    assert (pool.payee_id, pool.amount) == ("branch-1", Decimal("100.00"))


def test_a_lead_in_the_centres_pool_leaves_the_branch_share_with_the_firm() -> None:
    pooled = lead(account_manager_id=None, branch_id=None)
    split = split_revenue(revenue("1000.00"), attributed(the_lead=pooled), rule_set())
    assert split.line(Party.BRANCH_POOL).payee_id is None
    assert split.line(Party.BRANCH_POOL).amount == Decimal("0.00")
    assert split.line(Party.FIRM_RETAINED).amount == Decimal("940.00")


def test_unattributed_conversions_are_not_shared() -> None:
    unattributed = attribute(conversion(), [])
    with pytest.raises(RevenueNotCounted, match="unattributed"):
        split_revenue(revenue(), unattributed, rule_set())


def test_revenue_that_does_not_count_is_not_shared() -> None:
    with pytest.raises(RevenueNotCounted, match="margin_interest"):
        split_revenue(revenue(kind=RevenueKind.MARGIN_INTEREST), attributed(), rule_set())
    with pytest.raises(RevenueNotCounted, match="outside"):
        split_revenue(revenue(earned_at=T0 + timedelta(days=400)), attributed(), rule_set())


def test_a_lead_handed_off_before_the_rule_sets_window_is_not_paid() -> None:
    # Attributed under a wider window (90 days), split under rules that allow 30.
    rules = rule_set(attribution_window_days=30)
    too_old = attribute(conversion(), [lead(handed_off_at=T0 - timedelta(days=60))])
    with pytest.raises(RevenueNotCounted, match="60 days before .* 30-day attribution window"):
        split_revenue(revenue(), too_old, rules)
    on_the_edge = attribute(conversion(), [lead(handed_off_at=T0 - timedelta(days=30))])
    assert split_revenue(revenue(), on_the_edge, rules).line(Party.REP).amount == Decimal("50.00")


def test_only_payees_have_scores() -> None:
    with pytest.raises(RuleSetInvalid, match="only payees"):
        split_revenue(
            revenue(), attributed(), rule_set(), service_scores={Party.FIRM_RETAINED: Decimal(1)}
        )
