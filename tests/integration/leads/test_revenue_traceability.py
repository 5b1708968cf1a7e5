"""The attribution window is the rule set's, and each ledger line keeps the multiplier paid."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from dialer.leads.handoff import WarmLead, hand_off
from dialer.revenue.conversions import import_conversions
from dialer.revenue.ledger import post_revenue, read_scores, reverse_conversion, store_rule_set
from dialer.revenue.routes import ConversionBatch
from dialer.revenue.statements import reconcile_ledger
from revenue.parties import Side
from revenue.statements import Month, StatementKind, statements_csv
from tests.helpers import token_headers

from .conftest import NOW, Brokerage, make_account
from .test_revenue_ledger import HEADER, SHANGHAI, rules

SIXTY_DAYS_BEFORE = datetime(2026, 9, 20, 10, tzinfo=SHANGHAI)
TWENTY_DAYS_BEFORE = datetime(2026, 10, 30, 10, tzinfo=SHANGHAI)
CONVERSIONS = HEADER + (
    "C-OLD,OLD,reactivated,2026-11-19,,\n"
    "K-OLD,OLD,net_commission,2026-11-30,1000.00,2026-11\n"
    "C-NEW,NEW,reactivated,2026-11-19,,\n"
    "K-NEW,NEW,net_commission,2026-11-30,1000.00,2026-11\n"
)


async def customer_with_lead(b: Brokerage, number: str, handed_off_at: datetime) -> int:
    (manager,) = await b.account_managers(b.branch_a, f"am-{number.lower()}", 1)
    account = await make_account(b.pool, f"Customer {number}", b.branch_a, manager)
    await b.pool.execute(
        "UPDATE accounts SET account_number = $2 WHERE account_id = $1", account, number
    )
    await hand_off(
        b.pool,
        WarmLead(account_id=account, campaign_id=b.campaign, rep_user_id=b.rep),
        handed_off_at,
    )
    return manager


async def conversion(b: Brokerage, ref: str) -> dict[str, object]:
    row = await b.pool.fetchrow(
        "SELECT c.lead_id, c.attribution_window_days, c.attribution_rule_set_id,"
        " c.attribution_note, c.not_posted_reason,"
        " (SELECT count(*) FROM revenue_ledger g WHERE g.conversion_id = c.conversion_id)"
        " AS entries FROM conversions c WHERE external_ref = $1",
        ref,
    )
    return dict(row)


async def test_a_lead_older_than_the_rule_sets_window_is_not_attributed_nor_paid(
    brokerage: Brokerage,
) -> None:
    b = brokerage
    rule_set_id = await store_rule_set(b.pool, rules(attribution_window_days=30))
    await customer_with_lead(b, "OLD", SIXTY_DAYS_BEFORE)
    await customer_with_lead(b, "NEW", TWENTY_DAYS_BEFORE)

    report = await import_conversions(b.pool, CONVERSIONS, now=NOW, time_zone=SHANGHAI)

    assert (report.attributed, report.unattributed) == (2, 2)
    reasons = dict(report.unattributed_rows)
    assert "outside the 30-day attribution window of firm v1" in reasons["C-OLD"]
    assert "no conversion of the customer attributed" in reasons["K-OLD"]
    old, new = await conversion(b, "C-OLD"), await conversion(b, "C-NEW")
    assert old["lead_id"] is None
    assert (old["attribution_window_days"], old["attribution_rule_set_id"]) == (30, rule_set_id)
    assert "outside the 30-day attribution window of firm v1" in str(old["attribution_note"])
    assert new["lead_id"] is not None
    assert "within the 30-day attribution window of firm v1" in str(new["attribution_note"])

    posted = await post_revenue(b.pool, now=NOW, time_zone=SHANGHAI)

    assert (posted.conversions_posted, posted.not_posted) == (1, [])
    assert (await conversion(b, "K-OLD"))["entries"] == 0
    assert (await conversion(b, "K-NEW"))["entries"] == 4
    assert posted.cents_by_party["rep"] == 5000


async def test_posting_refuses_a_lead_outside_the_window_of_the_rules_in_force(
    brokerage: Brokerage,
) -> None:
    b = brokerage
    await customer_with_lead(b, "OLD", SIXTY_DAYS_BEFORE)
    await customer_with_lead(b, "NEW", TWENTY_DAYS_BEFORE)
    # No rules yet: the import attributes within the default 90 days, and says so.
    report = await import_conversions(b.pool, CONVERSIONS, now=NOW, time_zone=SHANGHAI)
    assert report.attributed == 4
    old = await conversion(b, "C-OLD")
    assert (old["attribution_window_days"], old["attribution_rule_set_id"]) == (90, None)
    assert "the default (no revenue rules in force)" in str(old["attribution_note"])

    await store_rule_set(b.pool, rules(attribution_window_days=30))
    posted = await post_revenue(b.pool, now=NOW, time_zone=SHANGHAI)

    assert posted.conversions_posted == 1
    ((_, reason),) = posted.not_posted
    assert "60 days before conversion" in reason
    assert "outside the 30-day attribution window of firm v1" in reason
    refused = await conversion(b, "K-OLD")
    assert refused["entries"] == 0
    assert refused["not_posted_reason"] == reason
    paid = await conversion(b, "K-NEW")
    assert (paid["entries"], paid["not_posted_reason"]) == (4, None)
    # Still refused, for the same recorded reason, on the next run.
    again = await post_revenue(b.pool, now=NOW, time_zone=SHANGHAI)
    assert (again.conversions_posted, again.not_posted) == (0, posted.not_posted)


def test_the_api_no_longer_takes_an_attribution_window() -> None:
    with pytest.raises(ValidationError, match="attribution window is the firm's revenue rules"):
        ConversionBatch.model_validate({"rows": [], "attribution_days": 365})


async def test_statement_lines_show_the_multiplier_applied_and_still_reconcile(
    client: Any, brokerage: Brokerage
) -> None:
    b = brokerage
    await store_rule_set(b.pool, rules())
    manager = await customer_with_lead(b, "NEW", TWENTY_DAYS_BEFORE)
    text = HEADER + (
        "C1,NEW,reactivated,2026-11-02,,\nK1,NEW,net_commission,2026-11-30,1000.00,2026-11\n"
    )
    await import_conversions(b.pool, text, now=NOW, time_zone=SHANGHAI)
    scores = read_scores(f"user_id,score\n{b.rep},0.85\n{manager},1\n")
    await post_revenue(b.pool, now=NOW, time_zone=SHANGHAI, service_scores=scores)

    (check,) = await reconcile_ledger(b.pool, Month(2026, 11), SHANGHAI)
    statements = check.statements
    (rep_line,) = statements.get(StatementKind.REP, str(b.rep)).lines
    assert (rep_line.amount, rep_line.service_score, rep_line.service_multiplier) == (
        Decimal("40.00"),
        Decimal("0.85"),
        Decimal("0.8"),
    )
    (manager_line,) = statements.get(StatementKind.ACCOUNT_MANAGER, str(manager)).lines
    assert (manager_line.amount, manager_line.service_multiplier) == (
        Decimal("103.00"),
        Decimal("1.03"),
    )
    (firm_line,) = statements.get(StatementKind.FIRM, None).lines
    assert (firm_line.service_score, firm_line.service_multiplier) == (None, Decimal(1))
    assert check.ok, check.reconciliation.report()
    assert statements.side_total(Side.CENTRE) == Decimal("50.00")  # rep 40 + team 10
    assert statements.side_total(Side.BRANCH) == Decimal("103.00")
    assert statements.side_total(Side.FIRM) == Decimal("847.00")
    rep_csv = [row for row in statements_csv(statements.statements).splitlines() if ",rep," in row]
    assert any(",0.85,0.8," in row and ",40.00," in row for row in rep_csv), rep_csv
    page = await client.get(
        "/revenue/statements?month=2026-11&lang=en", headers=await token_headers(b.pool, b.rep)
    )
    assert page.status == 200
    assert "×0.8 (0.85)" in await page.text()

    # A correction applies no multiplier of its own and the month still reconciles.
    k1 = await b.pool.fetchval("SELECT conversion_id FROM conversions WHERE external_ref = 'K1'")
    await reverse_conversion(b.pool, k1, reason="restated", now=NOW, time_zone=SHANGHAI)
    (check,) = await reconcile_ledger(b.pool, Month(2026, 11), SHANGHAI)
    assert check.ok, check.reconciliation.report()
    reversal = [
        line
        for line in check.statements.get(StatementKind.REP, str(b.rep)).lines
        if line.entry_type.value == "reversal"
    ]
    assert [(line.amount, line.service_multiplier) for line in reversal] == [
        (Decimal("-40.00"), Decimal(1))
    ]
