"""PIPL: the branch's lead inbox page writes each customer it shows to the access log,
with who read it, why and when, in one insert per page read."""

from __future__ import annotations

from typing import Any

from tests.helpers import token_headers

from .conftest import Brokerage, make_account, make_user
from .test_lead_pool import Clock, client, clock, expired_lead  # noqa: F401  (fixtures)


async def test_reading_the_branch_inbox_logs_each_customer_shown(
    client: Any,  # noqa: F811
    brokerage: Brokerage,
    clock: Clock,  # noqa: F811
) -> None:
    b = brokerage
    boss_id = await make_user(b.pool, "boss-log", "branch_manager", branch_id=b.branch_a)
    boss = await token_headers(b.pool, boss_id)
    first = await make_account(b.pool, "Inbox one", b.branch_a)
    second = await make_account(b.pool, "Inbox two", b.branch_a)
    elsewhere = await make_account(b.pool, "Other branch", b.branch_b)
    for account in (first, second, elsewhere):
        await expired_lead(b, account, clock)

    page = await client.get("/branch/leads?state=expired", headers=boss)
    assert page.status == 200
    html = await page.text()
    assert "Inbox one" in html and "Inbox two" in html and "Other branch" not in html
    rows = await b.pool.fetch(
        "SELECT account_id, role, reason, at FROM customer_access_log"
        " WHERE user_id = $1 ORDER BY account_id",
        boss_id,
    )
    # the two customers shown, not the other branch's
    assert [(r["account_id"], r["role"], r["reason"]) for r in rows] == [
        (first, "branch_manager", "branch"),
        (second, "branch_manager", "branch"),
    ]
    assert all(r["at"] == clock.now for r in rows)
