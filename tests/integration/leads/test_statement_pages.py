"""Statements as pages and CSV: everyone sees their own, the centre sees all and the check."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from dialer.quality.coefficients import compute_month, record_overrides
from dialer.quality.complaints import Evidence, close_complaint, lodge_complaint
from dialer.revenue.conversions import import_conversions
from dialer.revenue.ledger import post_revenue, store_rule_set
from revenue.statements import Month
from tests.helpers import token_headers

from .conftest import NOW, Brokerage, make_user
from .test_revenue_ledger import HEADER, customer, rules

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_each_person_sees_their_own_statement(client: Any, brokerage: Brokerage) -> None:
    b = brokerage
    await store_rule_set(b.pool, rules())
    (manager,) = await b.account_managers(b.branch_a, "am-a", 1)
    await customer(b, "A1", manager, with_call=True)
    text = (
        HEADER + "C1,A1,reactivated,2026-11-02,,\nK1,A1,net_commission,2026-11-30,1000.00,2026-11\n"
    )
    await import_conversions(b.pool, text, now=NOW, time_zone=SHANGHAI)
    await post_revenue(b.pool, now=NOW, time_zone=SHANGHAI)
    boss = await make_user(b.pool, "boss-a", "branch_manager", branch_id=b.branch_a)
    team = await b.pool.fetchval("SELECT team_id FROM users WHERE user_id = $1", b.rep)
    other_rep = await make_user(b.pool, "rep2", "telesales_rep", team_id=team)
    admin = await make_user(b.pool, "root", "admin")

    async def page(user_id: int, path: str = "/revenue/statements?month=2026-11") -> str:
        response = await client.get(path, headers=await token_headers(b.pool, user_id))
        assert response.status == 200, await response.text()
        return await response.text()

    rep_page = await page(b.rep)
    assert f'id="statement-rep-{b.rep}"' in rep_page and "50.00" in rep_page
    assert "statement-branch-" not in rep_page and "reconciliation" not in rep_page
    boss_page = await page(boss)
    assert f'id="statement-branch-{b.branch_a}"' in boss_page and "100.00" in boss_page
    assert "statement-rep-" not in boss_page
    assert 'id="no-statements"' in await page(other_rep)
    admin_page = await page(admin)
    for holder in (
        f"rep-{b.rep}",
        f"account_manager-{manager}",
        f"branch-{b.branch_a}",
        "firm-firm",
    ):
        assert f'id="statement-{holder}"' in admin_page
    assert "reconciled" in admin_page and "NOT reconciled" not in admin_page

    download = await client.get(
        "/revenue/statements.csv?month=2026-11", headers=await token_headers(b.pool, manager)
    )
    assert download.status == 200
    assert download.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(await download.text())))
    assert [(r["statement"], r["amount"]) for r in rows] == [
        ("account_manager", "100.00"),
        ("account_manager", "100.00"),
    ]
    assert rows[0]["lead_id"] and rows[0]["call_id"] and rows[0]["rule"] == "firm v1"
    bad = await client.get(
        "/revenue/statements?month=2026-13", headers=await token_headers(b.pool, admin)
    )
    assert bad.status == 400


async def test_a_statement_shows_the_coefficient_and_what_made_it(
    client: Any, brokerage: Brokerage
) -> None:

    b = brokerage
    await store_rule_set(b.pool, rules())
    (manager,) = await b.account_managers(b.branch_a, "am-s", 1)
    account = await customer(b, "A1", manager, with_call=False)
    text = (
        HEADER + "C1,A1,reactivated,2026-11-02,,\nK1,A1,net_commission,2026-11-30,1000.00,2026-11\n"
    )
    await import_conversions(b.pool, text, now=NOW, time_zone=SHANGHAI)
    complaint = await lodge_complaint(
        b.pool,
        account_id=account,
        source="customer",
        summary="too many calls",
        received_at=datetime(2026, 11, 10, tzinfo=UTC),
        people=(b.rep,),
        recorded_by=None,
        now=NOW,
    )
    await close_complaint(
        b.pool, complaint, upheld=True, finding="yes", evidence=Evidence(), closed_by=b.rep, now=NOW
    )
    await compute_month(b.pool, Month(2026, 11), tz=SHANGHAI, now=NOW)
    await record_overrides(
        b.pool, Month(2026, 11), {manager: Decimal("0.95")}, reason="board", now=NOW
    )
    await post_revenue(b.pool, now=NOW, time_zone=SHANGHAI)
    rep_page = await (
        await client.get(
            "/revenue/statements?month=2026-11", headers=await token_headers(b.pool, b.rep)
        )
    ).text()
    assert f'id="coefficient-{b.rep}"' in rep_page
    [shown] = re.findall(r'<p class="coefficient"[^>]*>(.*?)</p>', rep_page, re.S)
    assert "<strong>0.9000</strong>" in shown and "成立投诉 1 件" in shown, shown
    manager_page = await (
        await client.get(
            "/revenue/statements?month=2026-11", headers=await token_headers(b.pool, manager)
        )
    ).text()
    assert f'id="coefficient-{manager}"' in manager_page and "人工调整: board" in manager_page
