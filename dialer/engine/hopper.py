"""The hopper: which numbers a campaign dials next, claimed so no number is dialed twice.

Numbers are claimed with `FOR UPDATE SKIP LOCKED` and leased to one engine process. A
leased number becomes `dialing` only in the same statement that writes its call_attempt,
before the provider is asked to dial; a lease that expires was therefore never dialed and
goes back to the queue, while a `dialing` number waits for its attempt to end. A partial
unique index on call_attempts also refuses a second live call to the same E.164 number
from any campaign.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeAlias

import asyncpg

from dialer.sql import load_queries
from scoring.priority import TIERS_HIGHEST_FIRST

QUERIES = load_queries("dialer.engine")
# what runs a statement: a connection (inside its transaction) or the pool
Executor: TypeAlias = asyncpg.Connection | asyncpg.Pool
DEFAULT_LEASE_SECONDS = 30.0
# a number already in a live call (another campaign, another account) is tried again later
LIVE_ELSEWHERE_RETRY = timedelta(minutes=5)


@dataclass(frozen=True)
class ClaimedNumber:
    campaign_id: int
    phone_id: int
    account_id: int
    e164: str
    attempts: int
    last_attempt_at: datetime | None
    callback_owner: int | None
    preview_only: bool


async def load_numbers(connection: asyncpg.Connection, campaign_id: int, now: datetime) -> int:
    """Queue the campaign's target phones; returns how many were added."""
    status = await connection.execute(
        QUERIES["load_campaign_numbers"], campaign_id, now, list(TIERS_HIGHEST_FIRST)
    )
    return int(status.split()[-1])


async def release_expired_leases(pool: asyncpg.Pool, now: datetime) -> int:
    return len(await pool.fetch(QUERIES["release_expired_leases"], now))


async def claim(
    pool: asyncpg.Pool,
    campaign_id: int,
    now: datetime,
    count: int,
    engine_id: str,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    *,
    lease_epoch: int | None = None,
) -> list[ClaimedNumber]:
    """Claim up to `count` due numbers for this engine; under a campaign lease's epoch
    only while that epoch is current (a worker that lost its lease claims nothing)."""
    if count <= 0:
        return []
    rows = await pool.fetch(
        QUERIES["claim_numbers"], campaign_id, now, count, engine_id, lease_seconds, lease_epoch
    )
    return [ClaimedNumber(**dict(row)) for row in rows]


async def start_attempt(
    connection: asyncpg.Connection,
    number: ClaimedNumber,
    engine_id: str,
    now: datetime,
    decision_audit_id: int | None,
    *,
    provider: str = "twilio",
    lease_epoch: int | None = None,
) -> int | None:
    """Write the call attempt (for the carrier named `provider`, the one that will place
    it: its callbacks are matched by that name) and mark the number dialing, atomically.

    Returns the call_attempt_id, or None when this engine no longer holds the lease or the
    number is live in another call (then it is deferred by a few seconds). Written under
    a campaign lease's `lease_epoch`, the database refuses it once the epoch is stale
    (StaleLease).
    """
    key = f"{engine_id}:{number.campaign_id}:{number.phone_id}:{uuid.uuid4().hex}"
    try:
        async with connection.transaction():
            attempt_id: int | None = await connection.fetchval(
                QUERIES["start_attempt"],
                number.campaign_id,
                number.phone_id,
                key,
                now,
                engine_id,
                decision_audit_id,
                provider,
                lease_epoch,
            )
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name != "call_attempts_one_live_per_number":
            raise
        await defer(connection, number, now + LIVE_ELSEWHERE_RETRY, "number live in another call")
        return None
    return attempt_id


async def defer(connection: Executor, number: ClaimedNumber, until: datetime, reason: str) -> None:
    """Back to the queue until `until` (the gate's DELAY, or a live call elsewhere)."""
    await connection.execute(
        QUERIES["defer_number"], number.campaign_id, number.phone_id, until, reason
    )


async def close(
    connection: Executor,
    number: ClaimedNumber,
    state: str,
    reason: str,
    rules: Sequence[str] = (),
) -> None:
    """The number leaves the queue as `state` (blocked, retired, done) with its reason
    (and, when the gate blocked it, the rules that did)."""
    await connection.execute(
        QUERIES["close_number"], number.campaign_id, number.phone_id, state, reason, list(rules)
    )


def new_engine_id() -> str:
    return f"engine-{uuid.uuid4().hex[:10]}"
