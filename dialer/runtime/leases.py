"""Campaign leases: which live worker runs which campaign, fenced by an epoch.

The store is the only code that reads or writes `workers`, `campaign_leases` and
`carrier_budgets`; every method takes `now` (the caller's clock). The rules:
- a worker registers and heartbeats; a running campaign nobody holds (never leased,
  released, or its lease ran out) can be claimed, and the claim raises the epoch by one;
- the holder renews before expiry; a renewal that finds the lease moved on reports it
  lost, and the engine must stop at once;
- what an engine writes carries its epoch, and the database refuses a stale one
  (`call_attempts_lease_fence`, SQLSTATE DL409; `campaign_lease_current()` in claims).
"""

from __future__ import annotations

import math
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

import asyncpg

from dialer.sql import load_queries

QUERIES = load_queries("dialer.runtime", "leases.sql")
STALE_LEASE_SQLSTATE = "DL409"


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def is_stale_lease(exc: BaseException) -> bool:
    """The database refused a write made under a lease this worker no longer holds."""
    return isinstance(exc, asyncpg.PostgresError) and exc.sqlstate == STALE_LEASE_SQLSTATE


class Renewal(Enum):
    HELD = "held"
    PAUSED = "paused"
    LOST = "lost"


@dataclass(frozen=True)
class Lease:
    campaign_id: int
    worker_id: str
    epoch: int


@dataclass(frozen=True)
class LeaseTimes:
    #: a lease not renewed for this long is free for another worker
    lease_seconds: float = 3.0
    #: a worker whose heartbeat is older than this counts as dead when spreading load
    #: (heartbeats and renewals are one step: a worker past its leases is past this too)
    worker_seconds: float = 3.0


class LeaseStore:
    def __init__(self, pool: asyncpg.Pool, times: LeaseTimes | None = None) -> None:
        self.pool = pool
        self.times = times or LeaseTimes()

    async def register(self, worker_id: str, now: datetime) -> None:
        await self.pool.execute(
            QUERIES["register_worker"], worker_id, socket.gethostname(), os.getpid(), now
        )

    async def heartbeat(self, worker_id: str, now: datetime) -> bool:
        """Returns whether the worker was told to drain (by an operator, in the database)."""
        draining = await self.pool.fetchval(QUERIES["worker_heartbeat"], worker_id, now)
        return bool(draining)

    async def mark_draining(self, worker_id: str) -> None:
        await self.pool.execute(QUERIES["worker_draining"], worker_id)

    async def mark_stopped(self, worker_id: str, now: datetime) -> None:
        await self.pool.execute(QUERIES["worker_stopped"], worker_id, now)

    async def start_dialing(self, campaign_id: int, now: datetime) -> None:
        await self.pool.execute(QUERIES["start_dialing"], campaign_id, now)

    async def stop_dialing(self, campaign_id: int) -> None:
        await self.pool.execute(QUERIES["stop_dialing"], campaign_id)

    async def claimable(self, now: datetime) -> list[int]:
        rows = await self.pool.fetch(QUERIES["claimable_campaigns"], now)
        return [int(row["campaign_id"]) for row in rows]

    async def loads(self, now: datetime) -> dict[str, int]:
        """Campaigns held by each live worker that takes work."""
        rows = await self.pool.fetch(
            QUERIES["load_of_live_workers"], now, self.times.worker_seconds
        )
        return {row["worker_id"]: int(row["held"]) for row in rows}

    async def claim(self, campaign_id: int, worker_id: str, now: datetime) -> Lease | None:
        row = await self.pool.fetchrow(
            QUERIES["claim_campaign"], campaign_id, worker_id, now, self.times.lease_seconds
        )
        if row is None:
            return None
        return Lease(campaign_id, worker_id, int(row["epoch"]))

    async def renew(self, lease: Lease, now: datetime) -> Renewal:
        """LOST: taken over (stop the engine at once); PAUSED: renewed, but the campaign
        is no longer wanted running (stop it and release); HELD: carry on."""
        row = await self.pool.fetchrow(
            QUERIES["renew_lease"],
            lease.campaign_id,
            lease.worker_id,
            lease.epoch,
            now,
            self.times.lease_seconds,
        )
        if row is None:
            return Renewal.LOST
        return Renewal.HELD if row["wanted"] else Renewal.PAUSED

    async def release(self, lease: Lease, now: datetime) -> None:
        await self.pool.fetchval(
            QUERIES["release_lease"], lease.campaign_id, lease.worker_id, lease.epoch, now
        )

    async def record_lost(self, lease: Lease, now: datetime) -> None:
        await self.pool.execute(
            QUERIES["lease_lost"], lease.campaign_id, lease.worker_id, lease.epoch, now
        )

    async def holder(self, campaign_id: int) -> asyncpg.Record | None:
        row: asyncpg.Record | None = await self.pool.fetchrow(QUERIES["lease_of"], campaign_id)
        return row


#: a grant not yet seen as attempts this long after it was made is taken as unused
GRANT_HORIZON = timedelta(seconds=2)


def dial_grant(
    wanted: int,
    *,
    tokens: float,
    elapsed_seconds: float,
    calls_per_second: float,
    burst: float,
    live_calls: int,
    unwritten_grants: int,
    max_concurrent_calls: int,
) -> tuple[int, float]:
    """How many calls may start (and the tokens left): the token bucket refilled for the
    time elapsed, within the concurrent calls less those live and those granted but not
    yet written. Pure: the store reads the figures and writes the result."""
    available = min(burst, tokens + calls_per_second * max(0.0, elapsed_seconds))
    room = max_concurrent_calls - live_calls - max(0, unwritten_grants)
    granted = max(0, min(wanted, math.floor(available), room))
    return granted, available - granted


class CarrierBudget:
    """The carrier account's calls per second and concurrent calls, shared by every worker
    that dials through it (a token bucket in PostgreSQL)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        provider: str,
        calls_per_second: float,
        max_concurrent_calls: int,
        *,
        burst_seconds: float = 1.0,
    ) -> None:
        self.pool = pool
        self.provider = provider
        self.calls_per_second = calls_per_second
        self.max_concurrent_calls = max_concurrent_calls
        # a whole second's worth at once at most (at least one call)
        self.burst = max(1.0, calls_per_second * burst_seconds)

    async def take(self, wanted: int, now: datetime) -> int:
        """How many of `wanted` calls may start now (0 when the account is at a limit)."""
        if wanted <= 0:
            return 0
        since = now - GRANT_HORIZON
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.execute(QUERIES["ensure_budget"], self.provider, self.burst, now)
            bucket = await connection.fetchrow(QUERIES["lock_budget"], self.provider)
            usage = await connection.fetchrow(QUERIES["budget_usage"], self.provider, since)
            granted_since = await connection.fetchval(QUERIES["grants_since"], self.provider, since)
            granted, left = dial_grant(
                wanted,
                tokens=float(bucket["tokens"]),
                elapsed_seconds=(now - bucket["updated_at"]).total_seconds(),
                calls_per_second=self.calls_per_second,
                burst=self.burst,
                live_calls=int(usage["live"]),
                unwritten_grants=int(granted_since) - int(usage["written_since"]),
                max_concurrent_calls=self.max_concurrent_calls,
            )
            await connection.execute(QUERIES["record_grant"], self.provider, left, now, granted)
        return granted
