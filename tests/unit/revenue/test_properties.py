"""Properties of the money rules over random conversions, rule sets and coefficients."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revenue.attribution import LeadHandoff, attribute
from revenue.conversions import Conversion, ConversionKind, RevenueItem, RevenueKind
from revenue.ledger import (
    LedgerEntry,
    balances,
    check_ledger,
    clawback,
    ledger_total,
    paid_so_far,
    post_split,
    reverse_revenue,
)
from revenue.parties import PAYEES, Party, Side
from revenue.reconcile import reconcile
from revenue.rules import CoefficientBand, RuleSet, ServiceCoefficientBands, SplitShares
from revenue.split import split_revenue
from revenue.statements import Month, StatementKind, monthly_statements

START = datetime(2026, 1, 1, tzinfo=UTC)
BASIS_POINTS = Decimal("0.0001")

cents = st.one_of(st.integers(0, 1_000), st.integers(0, 10**14))
scores = st.integers(0, 10_000).map(lambda n: Decimal(n) * BASIS_POINTS)


@st.composite
def bands(draw: st.DrawFn) -> ServiceCoefficientBands:
    thresholds = draw(st.lists(st.integers(1, 10_000), unique=True, max_size=5))
    multipliers = draw(
        st.lists(st.integers(0, 15_000), min_size=len(thresholds) + 1, max_size=len(thresholds) + 1)
    )
    return ServiceCoefficientBands(
        bands=tuple(
            CoefficientBand(
                at_least=Decimal(t) * BASIS_POINTS, multiplier=Decimal(m) * BASIS_POINTS
            )
            for t, m in zip([0, *thresholds], multipliers, strict=True)
        )
    )


@st.composite
def rule_sets(draw: st.DrawFn) -> RuleSet:
    the_bands = draw(bands())
    best = max(the_bands.highest_multiplier, Decimal(1))  # unscored payees are paid x1
    # Shares in basis points of a percent, drawn so that even the best multiplier pays out at
    # most 100 %: often close to the limit, where rounding could overshoot if it were wrong.
    budget = int((Decimal(100) / best) / BASIS_POINTS)
    rep = draw(st.integers(0, budget))
    team = draw(st.integers(0, budget - rep))
    manager = draw(st.one_of(st.just(budget - rep - team), st.integers(0, budget - rep - team)))
    caps = draw(
        st.dictionaries(
            st.sampled_from(PAYEES),
            st.integers(0, 10**9).map(lambda c: Decimal(c) / 100),
            max_size=3,
        )
    )
    return RuleSet(
        firm_id="firm-1",
        version=draw(st.integers(1, 50)),
        effective_from=START,
        counted_revenue={RevenueKind.NET_COMMISSION: 365, RevenueKind.ADVISORY_FEE: 365},
        shares=SplitShares(
            rep=Decimal(rep) * BASIS_POINTS,
            team=Decimal(team) * BASIS_POINTS,
            account_manager=Decimal(manager) * BASIS_POINTS,
        ),
        caps_per_conversion=caps,
        clawback_days=draw(st.integers(1, 90)),
        coefficient_bands=the_bands,
    )


@st.composite
def leads(draw: st.DrawFn, customer_id: str) -> LeadHandoff:
    return LeadHandoff(
        lead_id=f"lead-{customer_id}",
        customer_id=customer_id,
        handed_off_at=START + timedelta(days=draw(st.integers(0, 5))),
        call_id=f"call-{customer_id}",
        rep_id=draw(st.sampled_from(["rep-1", "rep-2", "rep-3"])),
        team_id=draw(st.sampled_from(["team-1", "team-2", None])),
        branch_id=draw(st.sampled_from(["branch-1", "branch-2", None])),
        account_manager_id=draw(st.sampled_from(["am-1", "am-2", "am-3", None])),
    )


def conversion_of(customer_id: str) -> Conversion:
    return Conversion(
        conversion_id=f"conv-{customer_id}",
        customer_id=customer_id,
        kind=ConversionKind.FUNDS_IN,
        occurred_at=START + timedelta(days=10),
    )


def item(revenue_id: str, customer_id: str, amount_cents: int, day: int) -> RevenueItem:
    return RevenueItem(
        revenue_id=revenue_id,
        customer_id=customer_id,
        kind=RevenueKind.NET_COMMISSION,
        amount=Decimal(amount_cents) / 100,
        earned_at=START + timedelta(days=10 + day),
    )


service_scores = st.dictionaries(st.sampled_from(PAYEES), scores, max_size=3)


@settings(max_examples=200, deadline=None)
@given(
    rules=rule_sets(),
    amount=cents,
    the_lead=leads("cust-1"),
    the_scores=service_scores,
    paid=st.dictionaries(st.sampled_from(PAYEES), st.integers(-(10**6), 10**9), max_size=3),
)
def test_every_split_sums_exactly_to_its_revenue(
    rules: RuleSet,
    amount: int,
    the_lead: LeadHandoff,
    the_scores: dict[Party, Decimal],
    paid: dict[Party, int],
) -> None:
    revenue = item("rev-1", "cust-1", amount, 1)
    split = split_revenue(
        revenue,
        attribute(conversion_of("cust-1"), [the_lead]),
        rules,
        service_scores=the_scores,
        paid_so_far={party: Decimal(c) / 100 for party, c in paid.items()},
    )
    assert sum(line.amount for line in split.lines) == revenue.amount
    for line in split.lines:
        assert line.amount >= 0
        assert line.amount == line.amount.quantize(Decimal("0.01"))
        assert abs(line.amount - line.exact_amount) < Decimal("0.01")
    for payee in PAYEES:
        cap = rules.caps_per_conversion.get(payee)
        line = next(
            candidate
            for candidate in split.lines
            if candidate.party is payee
            or (payee is Party.ACCOUNT_MANAGER and candidate.party is Party.BRANCH_POOL)
        )
        if cap is not None:
            assert line.amount <= max(cap - Decimal(paid.get(payee, 0)) / 100, Decimal(0))
        if cap is None and line.payee_id is not None:
            percent = rules.shares.percent_for(payee)
            score = the_scores.get(payee)
            multiplier = (
                Decimal(1) if score is None else rules.coefficient_bands.multiplier_for(score)
            )
            assert line.exact_amount == revenue.amount * percent / 100 * multiplier


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[list[LedgerEntry], RuleSet]:
    """A ledger built the way the service would: splits over several months, with random
    corrections (reverse and repost), reversals and clawbacks, in a random order of days."""
    rules = draw(rule_sets())
    ledger: list[LedgerEntry] = []
    customers = [f"cust-{n}" for n in range(draw(st.integers(1, 4)))]
    the_leads = {c: draw(leads(c)) for c in customers}
    for number in range(draw(st.integers(1, 8))):
        customer = draw(st.sampled_from(customers))
        conversion = conversion_of(customer)
        revenue = item(f"rev-{number}", customer, draw(cents), draw(st.integers(0, 120)))
        attribution = attribute(conversion, [the_leads[customer]])
        split = split_revenue(
            revenue,
            attribution,
            rules,
            service_scores=draw(service_scores),
            paid_so_far=paid_so_far(ledger, conversion.conversion_id),
        )
        ledger.extend(post_split(split, revenue.earned_at, ledger))
        action = draw(st.sampled_from(["keep", "reverse", "correct", "clawback"]))
        later = revenue.earned_at + timedelta(
            days=draw(st.integers(0, 60)), hours=draw(st.integers(0, 23))
        )
        if action == "reverse":
            ledger.extend(reverse_revenue(ledger, revenue.revenue_id, later, "reversed"))
        elif action == "correct":
            ledger.extend(reverse_revenue(ledger, revenue.revenue_id, later, "corrected"))
            fixed = revenue.model_copy(update={"amount": Decimal(draw(cents)) / 100})
            resplit = split_revenue(
                fixed, attribution, rules, paid_so_far=paid_so_far(ledger, conversion.conversion_id)
            )
            ledger.extend(post_split(resplit, later, ledger))
        elif action == "clawback":
            departed = conversion.occurred_at + timedelta(days=draw(st.integers(0, 120)))
            ledger.extend(clawback(ledger, conversion, departed, rules, later))
    return ledger, rules


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=60, deadline=None)
@given(built=ledgers())
def test_reversing_entries_bring_every_account_back_to_zero(
    built: tuple[list[LedgerEntry], RuleSet],
) -> None:
    ledger, _ = built
    check_ledger(ledger)
    reversals: list[LedgerEntry] = []
    for revenue_id in sorted({entry.revenue_id for entry in ledger}):
        so_far = [*ledger, *reversals]
        mine = [e for e in so_far if e.revenue_id == revenue_id]
        opened = len({e.posting for e in mine if e.entry_type == "split"})
        closed = len({e.posting for e in mine if e.entry_type == "reversal"})
        if opened > closed:
            reversals.extend(
                reverse_revenue(so_far, revenue_id, START + timedelta(days=400), "close")
            )
        else:
            assert all(b == 0 for b in balances(mine).values())
    check_ledger([*ledger, *reversals])
    assert all(balance == 0 for balance in balances([*ledger, *reversals]).values())
    assert ledger_total([*ledger, *reversals]) == 0


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=60, deadline=None)
@given(built=ledgers(), departed_days=st.integers(0, 90))
def test_clawback_zeroes_the_payees_and_keeps_the_ledger_total(
    built: tuple[list[LedgerEntry], RuleSet], departed_days: int
) -> None:
    ledger, rules = built
    for conversion_id in sorted({entry.conversion_id for entry in ledger}):
        conversion = conversion_of(conversion_id.removeprefix("conv-"))
        departed = conversion.occurred_at + timedelta(days=departed_days)
        clawed = clawback(ledger, conversion, departed, rules, START + timedelta(days=300))
        after = [*ledger, *clawed]
        check_ledger(after)
        assert ledger_total(after) == ledger_total(ledger)
        mine = balances(e for e in after if e.conversion_id == conversion_id)
        if rules.claws_back(conversion, departed):
            assert all(b == 0 for (party, _), b in mine.items() if party is not Party.FIRM_RETAINED)
        else:
            assert clawed == ()


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=60, deadline=None)
@given(built=ledgers(), tz_name=st.sampled_from(["UTC", "Asia/Shanghai", "America/New_York"]))
def test_monthly_statements_reconcile_with_the_ledger(
    built: tuple[list[LedgerEntry], RuleSet], tz_name: str
) -> None:
    ledger, _ = built
    tz = ZoneInfo(tz_name)
    months = sorted({Month.of(entry.booked_at, tz) for entry in ledger})
    grand_total = Decimal(0)
    for month in months:
        statements = monthly_statements(ledger, month, tz)
        result = reconcile(ledger, statements, tz)
        assert result.ok, result.report()
        assert result.centre_total == sum(
            (
                e.amount
                for e in ledger
                if Month.of(e.booked_at, tz) == month and e.party.side is Side.CENTRE
            ),
            Decimal(0),
        )
        assert (
            statements.total(StatementKind.ACCOUNT_MANAGER)
            + sum(
                (
                    e.amount
                    for e in ledger
                    if Month.of(e.booked_at, tz) == month and e.party is Party.BRANCH_POOL
                ),
                Decimal(0),
            )
            == result.branch_total
        )
        grand_total += result.centre_total + result.branch_total + result.firm_retained_total
    assert grand_total == ledger_total(ledger)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=40, deadline=None)
@given(built=ledgers(), data=st.data())
def test_reconcile_catches_any_altered_line(
    built: tuple[list[LedgerEntry], RuleSet], data: st.DataObject
) -> None:
    ledger, _ = built
    month = Month.of(data.draw(st.sampled_from(ledger)).booked_at, UTC)
    statements = monthly_statements(ledger, month, UTC)
    target = data.draw(st.sampled_from([s for s in statements.statements if s.lines]))
    index = data.draw(st.integers(0, len(target.lines) - 1))
    delta = (
        Decimal(data.draw(st.integers(1, 10**6).flatmap(lambda c: st.sampled_from([c, -c])))) / 100
    )
    line = target.lines[index]
    changed = target.model_copy(
        update={
            "lines": (
                *target.lines[:index],
                line.model_copy(update={"amount": line.amount + delta}),
                *target.lines[index + 1 :],
            )
        }
    )
    tampered = statements.model_copy(
        update={"statements": tuple(changed if s is target else s for s in statements.statements)}
    )
    result = reconcile(ledger, tampered, UTC)
    assert not result.ok
    assert (
        any(line.entry_key in d.check for d in result.differences)
        or target.kind is StatementKind.ACCOUNT_MANAGER
    )
    assert any(d.difference in (delta, -delta) for d in result.differences)
