from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from revenue.attribution import attribute, conversion_earning
from revenue.conversions import RevenueKind
from revenue.rules import RuleBook

from .builders import T0, conversion, lead, revenue, rule_set


def test_no_lead_means_unattributed_not_forced() -> None:
    result = attribute(conversion(), [lead(customer_id="cust-2")])
    assert not result.is_attributed
    assert result.lead is None
    assert "no lead handed off in the 90 days" in result.reason


def test_the_most_recent_lead_in_the_window_wins() -> None:
    older = lead(lead_id="old", handed_off_at=T0 - timedelta(days=60))
    newer = lead(lead_id="new", handed_off_at=T0 - timedelta(days=5))
    after = lead(lead_id="after", handed_off_at=T0 + timedelta(seconds=1))
    result = attribute(conversion(), [older, after, newer])
    assert result.lead is not None
    assert result.lead.lead_id == "new"


def test_the_window_includes_both_ends() -> None:
    edge = lead(lead_id="edge", handed_off_at=T0 - timedelta(days=90))
    same_moment = lead(lead_id="now", handed_off_at=T0)
    too_old = lead(lead_id="too-old", handed_off_at=T0 - timedelta(days=90, microseconds=1))
    assert attribute(conversion(), [edge, too_old]).lead == edge
    assert attribute(conversion(), [same_moment]).lead == same_moment
    assert not attribute(conversion(), [too_old]).is_attributed


def test_the_window_is_configurable() -> None:
    month_old = lead(handed_off_at=T0 - timedelta(days=31))
    assert not attribute(conversion(), [month_old], window=timedelta(days=30)).is_attributed
    assert attribute(conversion(), [month_old], window=timedelta(days=31)).is_attributed


@given(
    offsets=st.lists(st.integers(min_value=-200, max_value=10), min_size=1, max_size=8),
    data=st.data(),
)
def test_attribution_does_not_depend_on_the_order_of_leads(
    offsets: list[int], data: st.DataObject
) -> None:
    leads = [
        lead(lead_id=f"lead-{i}", handed_off_at=T0 + timedelta(days=offset))
        for i, offset in enumerate(offsets)
    ]
    shuffled = data.draw(st.permutations(leads))
    first, second = attribute(conversion(), leads), attribute(conversion(), shuffled)
    assert first.lead == second.lead
    in_window = [lead_ for lead_ in leads if -90 <= (lead_.handed_off_at - T0).days <= 0]
    if in_window:
        newest = max(in_window, key=lambda lead_: (lead_.handed_off_at, lead_.lead_id))
        assert first.lead == newest
    else:
        assert first.lead is None


def test_revenue_counts_toward_the_most_recent_eligible_conversion_only() -> None:
    rules = RuleBook(firm_id="firm-1", versions=(rule_set(),))
    reactivated = conversion(conversion_id="reactivated", occurred_at=T0)
    signed = conversion(conversion_id="signed", occurred_at=T0 + timedelta(days=10))
    later = conversion(conversion_id="later", occurred_at=T0 + timedelta(days=40))
    commission = revenue(earned_at=T0 + timedelta(days=20))
    chosen = conversion_earning(commission, [reactivated, later, signed], rules)
    assert chosen == signed
    uncounted = revenue(kind=RevenueKind.MARGIN_INTEREST)
    assert conversion_earning(uncounted, [reactivated, signed], rules) is None
