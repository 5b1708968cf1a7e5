"""A call on the floor, read the same way by the floor and the console: the call, its
customer's account, its campaign with the product offered, the rep, and its outcome.

A call or its outcome may be missing (the id comes from a request); the account, the
campaign and the rep are read by the id of a row that references them, so they exist.
"""

from __future__ import annotations

from typing import TypeAlias

import asyncpg

from dialer.sql import load_queries

QUERIES = load_queries("dialer.floor")

Executor: TypeAlias = asyncpg.Connection | asyncpg.Pool


async def call_attempt(executor: Executor, call_attempt_id: int) -> asyncpg.Record | None:
    """The call with its campaign, account, number, status and the rep it was bridged to."""
    row: asyncpg.Record | None = await executor.fetchrow(QUERIES["call_for_rep"], call_attempt_id)
    return row


async def disposition_of_call(executor: Executor, call_attempt_id: int) -> asyncpg.Record | None:
    """The outcome recorded for the call, if any (a call has one at most)."""
    row: asyncpg.Record | None = await executor.fetchrow(
        QUERIES["disposition_by_call"], call_attempt_id
    )
    return row


async def customer_account(executor: Executor, account_id: int) -> asyncpg.Record:
    """The account as the rep sees it: segment, tier, branch, manager, risk, time zone."""
    row: asyncpg.Record = await executor.fetchrow(QUERIES["pop_account"], account_id)
    return row


async def campaign_with_product(executor: Executor, campaign_id: int) -> asyncpg.Record:
    """The campaign's script, jurisdiction and callback routing, with its product's risk."""
    row: asyncpg.Record = await executor.fetchrow(QUERIES["pop_campaign"], campaign_id)
    return row


async def rep_profile(executor: Executor, user_id: int) -> asyncpg.Record:
    """The rep's name, qualification, registrations, language, audio leg and phone."""
    row: asyncpg.Record = await executor.fetchrow(QUERIES["rep_profile"], user_id)
    return row
