"""The demo's simulated branches close the loop: leads worked, conversions, revenue."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from dialer.leads import demo_stage
from dialer.leads.handoff import WarmLead, hand_off
from dialer.revenue.ledger import store_rule_set
from dialer.revenue.statements import reconcile_ledger

from .conftest import NOW, Brokerage, make_account, make_user


async def handed_off(b: Brokerage, branch_id: int, n: int, manager: int | None) -> int:
    account = await make_account(b.pool, f"Customer {n}", branch_id, manager)
    await b.pool.execute(
        "UPDATE accounts SET account_number = $2 WHERE account_id = $1", account, f"N{n:04d}"
    )
    result = await hand_off(
        b.pool, WarmLead(account_id=account, campaign_id=b.campaign, rep_user_id=b.rep), NOW
    )
    return result.lead_id


async def test_rounds_work_every_lead_and_post_revenue_that_reconciles(
    brokerage: Brokerage,
) -> None:
    b = brokerage
    await store_rule_set(b.pool, demo_stage.DEMO_RULES)
    await make_user(b.pool, "boss-a", "branch_manager", branch_id=b.branch_a)
    (manager_a,) = await b.account_managers(b.branch_a, "am-a", 1)
    (manager_b,) = await b.account_managers(b.branch_b, "am-b", 1)
    leads = [await handed_off(b, b.branch_a, n, None) for n in range(6)]
    leads.append(await handed_off(b, b.branch_b, 99, manager_b))
    for round_number in range(4):
        await demo_stage.advance_branches(b.pool, NOW + timedelta(hours=round_number))
    states = dict(await b.pool.fetch("SELECT lead_id, state FROM leads"))
    assert states == {lead: "lost" if lead % 4 == 0 else "won" for lead in leads}
    assert (
        await b.pool.fetchval(
            "SELECT count(*) FROM leads WHERE branch_id = $1 AND assigned_to = $2",
            b.branch_a,
            manager_a,
        )
        == 6
    )
    won = [lead for lead in leads if lead % 4]
    figures = await demo_stage.figures(b.pool)
    assert figures["leads_handed_off"] == 7 and figures["leads_won"] == len(won)
    revenue = sum(Decimal(demo_stage._commission_cents(lead)) / 100 for lead in won)
    assert Decimal(figures["revenue_attributed"]) == revenue
    by_branch = {code: Decimal(amount) for code, amount in figures["revenue_by_branch"].items()}
    centre = Decimal(figures["revenue_centre"])
    firm = Decimal(figures["revenue_firm_retained"])
    assert centre + sum(by_branch.values()) + firm == revenue
    assert set(by_branch) == {"BR-A", "BR-B"} - ({"BR-B"} if leads[-1] % 4 == 0 else set())
    checks = await reconcile_ledger(b.pool, None, ZoneInfo("Asia/Shanghai"))
    assert checks and all(check.ok for check in checks)
    # Another round changes nothing: nothing is imported or posted twice.
    again = await demo_stage.advance_branches(b.pool, NOW + timedelta(hours=5))
    assert (again["conversions"], again["posted"]) == (0, 0)
    assert await demo_stage.figures(b.pool) == figures


@dataclass
class FakeContext:
    pool: Any
    clock: Any
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    lines: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.lines.append(line)


async def test_the_stage_reports_the_summary_figures(brokerage: Brokerage) -> None:
    b = brokerage
    await b.account_managers(b.branch_a, "am-a", 1)
    await handed_off(b, b.branch_a, 1, None)
    context = FakeContext(pool=b.pool, clock=lambda: NOW)
    context.stop.set()
    result = await demo_stage.run(context)
    assert set(result) >= {
        "leads_handed_off",
        "leads_won",
        "revenue_attributed",
        "revenue_by_branch",
    }
    assert result["leads_won"] == 1
    # 379.19 of commission; the month's service coefficients are computed before posting,
    # and a clean month (no complaint, no QA or SMS shortfall) is 1, so x1.03: the branch's
    # 20 % is 75.838 x 1.03 = 78.113, to the cent 78.11.
    assert demo_stage._commission_cents(1) == 37_919
    assert result["revenue_by_branch"] == {"BR-A": "78.11"}
    rep_entry = await b.pool.fetchrow(
        "SELECT amount_cents, service_score, service_multiplier FROM revenue_ledger"
        " WHERE party_kind = 'rep'"
    )
    assert rep_entry["service_score"] == 1 and rep_entry["service_multiplier"] == Decimal("1.03")
    assert "1 handed off, 1 won" in context.lines[-1]
