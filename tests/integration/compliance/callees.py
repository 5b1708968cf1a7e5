"""Callees, campaigns and claimed numbers built directly in the database, fact by fact."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import asyncpg

from dialer.engine import hopper


async def add_callee(
    pool: asyncpg.Pool,
    e164: str,
    *,
    region: str | None = None,
    address_time_zone: str | None = None,
    line_type: str = "mobile",
    risk: str | None = "C4",
    assessed_on: date | None = date(2026, 6, 1),
    consents: tuple[tuple[str, datetime, datetime | None], ...] = (),
    last_transaction_on: date | None = None,
    segment: str = "lapsed",
) -> tuple[int, int]:
    """An account with one phone; returns (account_id, phone_id)."""
    account_id: int = await pool.fetchval(
        "INSERT INTO accounts (name, segment, region, address_time_zone, risk_tolerance,"
        " risk_assessed_on, last_transaction_on) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " RETURNING account_id",
        f"callee {e164[-4:]}",
        segment,
        region,
        address_time_zone,
        risk,
        assessed_on,
        last_transaction_on,
    )
    phone_id: int = await pool.fetchval(
        "INSERT INTO account_phones (account_id, e164, line_type) VALUES ($1, $2, $3)"
        " RETURNING phone_id",
        account_id,
        e164,
        line_type,
    )
    for purpose, granted, revoked in consents:
        await pool.execute(
            "INSERT INTO consents (account_id, purpose, granted_at, revoked_at)"
            " VALUES ($1, $2, $3, $4)",
            account_id,
            purpose,
            granted,
            revoked,
        )
    return account_id, phone_id


async def add_campaign(
    pool: asyncpg.Pool,
    name: str,
    *,
    jurisdiction: str = "CN",
    purpose: str = "marketing",
    product_code: str | None = None,
    subject: str = "advisory",
    pacing_mode: str = "predictive",
    segments: list[str] | None = None,
    caller_id: str | None = None,
    abandon_message: str | None = None,
    ring_seconds: int = 25,
) -> int:
    product_id = None
    if product_code is not None:
        product_id = await pool.fetchval(
            "SELECT product_id FROM products WHERE code = $1", product_code
        )
        assert product_id is not None, product_code
    campaign_id: int = await pool.fetchval(
        "INSERT INTO campaigns (name, purpose, product_id, subject, target_segments, pacing_mode,"
        " jurisdiction, caller_id, abandon_message, ring_seconds)"
        " VALUES ($1, $2, $3, $4, $5::account_segment[], $6, $7, $8, $9, $10)"
        " RETURNING campaign_id",
        name,
        purpose,
        product_id,
        subject,
        segments or [],
        pacing_mode,
        jurisdiction,
        caller_id,
        abandon_message,
        ring_seconds,
    )
    return campaign_id


async def add_product(
    pool: asyncpg.Pool, code: str, risk: str, registration: str | None = None
) -> None:
    await pool.execute(
        "INSERT INTO products (code, name, risk_level, kind, required_registration)"
        " VALUES ($1, $1, $2, 'advisory', $3)",
        code,
        risk,
        registration,
    )


async def claim_all(
    pool: asyncpg.Pool, campaign_id: int, now: datetime, count: int = 10_000
) -> list[hopper.ClaimedNumber]:
    async with pool.acquire() as connection:
        await hopper.load_numbers(connection, campaign_id, now)
    return await hopper.claim(pool, campaign_id, now, count, "engine-test")


async def add_attempt(
    pool: asyncpg.Pool,
    campaign_id: int,
    account_id: int,
    phone_id: int,
    e164: str,
    at: datetime,
    *,
    abandoned: bool = False,
    status: str = "completed",
) -> None:
    await pool.execute(
        "INSERT INTO call_attempts (campaign_id, account_id, phone_id, e164, idempotency_key,"
        " status, created_at, abandoned) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        campaign_id,
        account_id,
        phone_id,
        e164,
        uuid.uuid4().hex,
        status,
        at,
        abandoned,
    )
