"""Customer data by need (PIPL): a rep sees a customer only while that customer is on
their work (their call, preview, callback or open lead), and every read of a customer
record, by anyone, is written to `customer_access_log` (who, whose, when, why, where)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import asyncpg

from dialer.sql import load_queries

QUERIES = load_queries("dialer.floor", "access.sql")

#: why a customer was shown, besides a rep's need (call, preview, callback, lead)
BRANCH = "branch"  # the customer's branch's staff
CENTRE = "centre"  # the centre's managers, team leaders and admins
SEARCH = "search"  # in a list of accounts


async def rep_need(
    executor: asyncpg.Connection | asyncpg.Pool, user_id: int, account_id: int
) -> str | None:
    """Why the rep may see this customer now: 'call', 'preview', 'callback' or 'lead';
    None when it is on none of their work."""
    reason: str | None = await executor.fetchval(QUERIES["rep_need"], user_id, account_id)
    return reason


async def record_access(
    executor: asyncpg.Connection | asyncpg.Pool,
    *,
    user_id: int,
    role: str,
    account_ids: Iterable[int],
    route: str,
    reason: str,
    now: datetime,
) -> None:
    """One row per customer shown."""
    ids = list(dict.fromkeys(account_ids))
    if ids:
        await executor.execute(QUERIES["record_access"], now, user_id, role, ids, route, reason)


async def access_report(
    executor: asyncpg.Connection | asyncpg.Pool,
    *,
    account_id: int | None,
    user_id: int | None,
    since: datetime | None,
    until: datetime | None,
    after_id: int,
    limit: int,
) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await executor.fetch(
        QUERIES["access_report"], account_id, user_id, since, until, after_id, limit
    )
    return rows
