"""The engine store on PostgreSQL: the named queries of `store.sql`, and the hopper's.

Each method is one round trip (or one transaction) on the pool; the answer webhook's
transaction is `lock_attempt`. Driver errors the engine handles are translated here:
a provider call bound twice raises `CallBoundElsewhere`; `TRANSIENT_ERRORS` are the
failures a tick or a webhook outlives.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg

from campaigns.abandon_budget import WindowCounts
from campaigns.agents import RepState
from campaigns.routing import RoutingPolicy
from compliance.rules import GateRules
from dialer.compliance.gatekeeper import GateOutcome, check_numbers
from dialer.db import UNREACHABLE
from dialer.engine import hopper, records
from dialer.engine.errors import CallBoundElsewhere, StaleLease
from dialer.engine.hopper import ClaimedNumber
from dialer.engine.store import EngineStore, LockedAttempt
from dialer.floor.dispositions import DispositionInput, record_disposition
from dialer.floor.errors import NotLoggedIn
from dialer.floor.sessions import (
    connect_locked_session,
    go_ready,
    lock_open_session,
    set_agent_state,
)
from dialer.runtime.leases import is_stale_lease
from dialer.sql import load_queries

QUERIES = load_queries("dialer.engine", "store.sql")

# what a tick or a webhook outlives: the database went away for a moment
#: a database that is away (refused, reset, shutting down, restarting, the pool's timeout)
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = UNREACHABLE
# what a write the webhook cannot wait for may fail with
WRITE_ERRORS: tuple[type[Exception], ...] = (OSError, asyncpg.PostgresError)


# ready reps ranked per answer in each routing group (owner, seniors, everyone): more than
# the answers that can arrive at the same instant, far fewer than a large floor
ROUTING_CANDIDATES = 64


def _ended(row: asyncpg.Record | None) -> records.EndedAttempt | None:
    return None if row is None else records.pick(records.EndedAttempt, row)


class PostgresLockedAttempt(LockedAttempt):
    """An attempt row locked `FOR UPDATE` on `connection`, inside its transaction."""

    def __init__(self, connection: asyncpg.Connection, attempt: records.RoutingAttempt) -> None:
        self._connection = connection
        self._attempt = attempt
        # the sessions of the reps locked for this attempt, as locked
        self._sessions: dict[int, asyncpg.Record] = {}

    @property
    def attempt(self) -> records.RoutingAttempt:
        return self._attempt

    async def rep_still_on_call(self, user_id: int) -> bool:
        return bool(
            await self._connection.fetchval(
                QUERIES["rep_still_on_call"], user_id, self._attempt.call_attempt_id
            )
        )

    async def lock_ranked_rep(
        self,
        campaign_id: int,
        required: str | None,
        owner: int | None,
        policy: RoutingPolicy,
        tier: str | None,
    ) -> int | None:
        seniors = policy.senior_first and tier is not None and tier in policy.senior_tiers
        row = await self._connection.fetchrow(
            QUERIES["lock_ranked_ready_rep"],
            campaign_id,
            required,
            owner,
            seniors,
            ROUTING_CANDIDATES,
        )
        if row is None:
            return None
        self._sessions[row["user_id"]] = row
        return int(row["user_id"])

    async def connect_rep(self, user_id: int, now: datetime) -> None:
        row = self._sessions.pop(user_id, None)
        if row is None:  # a rep a preview dial reserved: their session, locked now
            row = await lock_open_session(self._connection, user_id)
            if row is None:
                raise NotLoggedIn(f"user {user_id} is not logged in to a campaign")
        await connect_locked_session(self._connection, row, self._attempt.call_attempt_id, now)

    async def record_system_disposition(
        self, user_id: int, code: str, idempotency_key: str, note: str, now: datetime
    ) -> None:
        await record_disposition(
            self._connection,
            user_id,
            DispositionInput(
                call_attempt_id=self._attempt.call_attempt_id,
                code=code,
                idempotency_key=idempotency_key,
                note=note,
            ),
            now,
            system=True,
        )

    async def rep_ready(self, user_id: int, now: datetime) -> None:
        await go_ready(self._connection, user_id, now)


class PostgresEngineStore(EngineStore):
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    # -- settings ------------------------------------------------------------------------
    async def campaign_row(self, campaign_id: int) -> Mapping[str, Any] | None:
        row = await self.pool.fetchrow(QUERIES["campaign_for_engine"], campaign_id)
        return None if row is None else dict(row)

    async def pause_campaign(self, campaign_id: int) -> None:
        await self.pool.execute(QUERIES["pause_campaign"], campaign_id)

    # -- what the pacer learns and sees ----------------------------------------------------
    async def person_answers_since(
        self, campaign_id: int, since: datetime
    ) -> list[records.PersonAnswer]:
        rows = await self.pool.fetch(QUERIES["person_answers_since"], campaign_id, since)
        return [records.PersonAnswer(row["at"], bool(row["abandoned"])) for row in rows]

    async def machine_verdicts_since(self, campaign_id: int, since: datetime) -> list[datetime]:
        rows = await self.pool.fetch(QUERIES["machine_verdicts_since"], campaign_id, since)
        return [row["at"] for row in rows]

    async def pacing_history(
        self, campaign_id: int, since: datetime, limit: int
    ) -> list[records.PastCall]:
        rows = await self.pool.fetch(QUERIES["pacing_history"], campaign_id, since, limit)
        return [records.pick(records.PastCall, row) for row in rows]

    async def rep_states(self, campaign_id: int, now: datetime) -> list[records.InState]:
        rows = await self.pool.fetch(QUERIES["rep_states"], campaign_id, now)
        return [records.InState(row["state"], float(row["age"])) for row in rows]

    async def calls_in_flight(self, campaign_id: int, now: datetime) -> list[records.InState]:
        rows = await self.pool.fetch(QUERIES["calls_in_flight"], campaign_id, now)
        return [records.InState(row["phase"], float(row["age"])) for row in rows]

    async def wrap_ups_finished(
        self, campaign_id: int, after: datetime, until: datetime
    ) -> list[float]:
        rows = await self.pool.fetch(QUERIES["wrap_ups_finished"], campaign_id, after, until)
        return [float(row["seconds"]) for row in rows]

    async def abandon_windows(
        self, campaign_id: int, since: Sequence[datetime]
    ) -> list[WindowCounts]:
        rows = await self.pool.fetch(QUERIES["abandon_window"], campaign_id, list(since))
        return [records.pick(WindowCounts, row) for row in rows]

    # -- the queue and the dial ------------------------------------------------------------
    async def release_expired_leases(self, now: datetime) -> int:
        return await hopper.release_expired_leases(self.pool, now)

    async def claim(
        self,
        campaign_id: int,
        now: datetime,
        count: int,
        engine_id: str,
        lease_epoch: int | None = None,
    ) -> list[ClaimedNumber]:
        return await hopper.claim(
            self.pool, campaign_id, now, count, engine_id, lease_epoch=lease_epoch
        )

    async def gate(
        self, numbers: Sequence[ClaimedNumber], now: datetime, dial_mode: str, rules: GateRules
    ) -> list[GateOutcome]:
        if not numbers:
            return []
        async with self.pool.acquire() as connection:
            return await check_numbers(
                connection, numbers[0].campaign_id, numbers, now, dial_mode=dial_mode, rules=rules
            )

    async def defer(self, number: ClaimedNumber, until: datetime, reason: str) -> None:
        await hopper.defer(self.pool, number, until, reason)

    async def close(
        self, number: ClaimedNumber, state: str, reason: str, rules: Sequence[str] = ()
    ) -> None:
        await hopper.close(self.pool, number, state, reason, rules)

    async def mark_preview_only(self, number: ClaimedNumber, reason: str) -> None:
        await self.pool.execute(
            QUERIES["mark_preview_only"], number.campaign_id, number.phone_id, reason
        )

    async def start_attempt(
        self,
        number: ClaimedNumber,
        engine_id: str,
        now: datetime,
        audit_id: int,
        provider: str,
        lease_epoch: int | None = None,
    ) -> int | None:
        try:
            async with self.pool.acquire() as connection:
                return await hopper.start_attempt(
                    connection,
                    number,
                    engine_id,
                    now,
                    audit_id,
                    provider=provider,
                    lease_epoch=lease_epoch,
                )
        except asyncpg.PostgresError as exc:
            if is_stale_lease(exc):
                raise StaleLease(str(exc)) from exc
            raise

    async def record_placed(self, attempt_id: int, call_id: str, now: datetime) -> None:
        try:
            await self.pool.execute(QUERIES["record_placed"], attempt_id, call_id, now)
        except asyncpg.UniqueViolationError as exc:
            raise CallBoundElsewhere(
                f"call {call_id} is bound to another attempt than {attempt_id}"
            ) from exc

    async def attempt_refused(
        self, attempt_id: int, now: datetime, end_reason: str, provider_code: int | None
    ) -> bool:
        status = await self.pool.execute(
            QUERIES["attempt_refused"], attempt_id, now, end_reason, provider_code
        )
        return not status.endswith(" 0")

    # -- answers ---------------------------------------------------------------------------
    @asynccontextmanager
    async def lock_attempt(
        self, attempt_id: int | None, call_id: str
    ) -> AsyncIterator[LockedAttempt | None]:
        async with self.pool.acquire() as connection, connection.transaction():
            row = await connection.fetchrow(QUERIES["attempt_for_routing"], attempt_id, call_id)
            if row is None:
                yield None
                return
            yield PostgresLockedAttempt(connection, records.pick(records.RoutingAttempt, row))

    async def attempt_abandoned(self, attempt_id: int | None, call_id: str) -> None:
        await self.pool.execute(QUERIES["attempt_abandoned"], attempt_id, call_id)

    async def rep_leaves_call(
        self, user_id: int, attempt_id: int, state: RepState, when: Callable[[], datetime]
    ) -> bool:
        async with self.pool.acquire() as connection, connection.transaction():
            if not await connection.fetchval(QUERIES["rep_still_on_call"], user_id, attempt_id):
                return False
            await set_agent_state(connection, user_id, state, when())
            return True

    # -- settling --------------------------------------------------------------------------
    async def ended_attempt(self, call_id: str) -> records.EndedAttempt | None:
        return _ended(await self.pool.fetchrow(QUERIES["ended_attempt"], call_id))

    async def ended_attempt_by_id(self, attempt_id: int) -> records.EndedAttempt | None:
        return _ended(await self.pool.fetchrow(QUERIES["ended_attempt_by_id"], attempt_id))

    async def retire_phone(
        self, attempt_id: int, now: datetime, reason: str, number_invalid: bool
    ) -> None:
        await self.pool.execute(QUERIES["retire_phone"], attempt_id, now, reason, number_invalid)

    async def attempt_history(self, attempt_id: int) -> records.AttemptHistory | None:
        row = await self.pool.fetchrow(QUERIES["attempt_history"], attempt_id)
        if row is None:
            return None
        return records.AttemptHistory(list(row["number_attempts"]), list(row["account_attempts"]))

    async def settle_number(
        self, attempt_id: int, campaign_id: int, settled: records.Settlement
    ) -> None:
        await self.pool.execute(
            QUERIES["settle_number"],
            attempt_id,
            campaign_id,
            settled.state,
            settled.retry_at,
            settled.outcome.value,
            settled.reason,
        )

    async def ended_calls(
        self, call_ids: Sequence[str]
    ) -> list[tuple[records.EndedAttempt, records.AttemptHistory]]:
        rows = await self.pool.fetch(QUERIES["ended_calls"], list(call_ids))
        return [
            (
                records.pick(records.EndedAttempt, row),
                records.AttemptHistory(list(row["number_attempts"]), list(row["account_attempts"])),
            )
            for row in rows
        ]

    async def settle_numbers(
        self, campaign_id: int, settled: Sequence[tuple[int, records.Settlement]]
    ) -> None:
        rows = sorted(settled, key=lambda item: item[0])  # id order, as the ledger locks
        await self.pool.execute(
            QUERIES["settle_numbers"],
            campaign_id,
            [attempt_id for attempt_id, _ in rows],
            [s.state for _, s in rows],
            [s.retry_at for _, s in rows],
            [s.outcome.value for _, s in rows],
            [s.reason for _, s in rows],
        )

    # -- sweeps ----------------------------------------------------------------------------
    async def unconfirmed_attempts(
        self, campaign_id: int, before: datetime, limit: int
    ) -> list[records.UnconfirmedAttempt]:
        rows = await self.pool.fetch(QUERIES["unconfirmed_attempts"], campaign_id, before, limit)
        return [records.pick(records.UnconfirmedAttempt, row) for row in rows]

    async def overdue_live_attempts(
        self,
        campaign_id: int,
        unanswered_before: datetime,
        before: datetime,
        limit: int,
        silent_since: datetime | None = None,
    ) -> list[records.OverdueCall]:
        rows = await self.pool.fetch(
            QUERIES["overdue_live_attempts"],
            campaign_id,
            unanswered_before,
            before,
            limit,
            silent_since,
        )
        return [records.pick(records.OverdueCall, row) for row in rows]

    async def carrier_checked(self, attempt_ids: Sequence[int], now: datetime) -> None:
        if attempt_ids:
            await self.pool.execute(QUERIES["carrier_checked"], list(attempt_ids), now)

    async def reps_left_on_ended_calls(
        self, campaign_id: int, before: datetime, limit: int
    ) -> list[int]:
        rows = await self.pool.fetch(
            QUERIES["reps_left_on_ended_calls"], campaign_id, before, limit
        )
        return [int(row["call_attempt_id"]) for row in rows]

    async def calls_ended_since(
        self, campaign_id: int, after: datetime, limit: int
    ) -> list[records.PastCall]:
        rows = await self.pool.fetch(QUERIES["calls_ended_since"], campaign_id, after, limit)
        return [records.pick(records.PastCall, row) for row in rows]

    async def ended_attempts_left_dialing(
        self, campaign_id: int, before: datetime, limit: int
    ) -> list[int]:
        rows = await self.pool.fetch(
            QUERIES["ended_attempts_left_dialing"], campaign_id, before, limit
        )
        return [int(row["call_attempt_id"]) for row in rows]

    # -- the service -----------------------------------------------------------------------
    async def campaign_of_call(self, attempt_id: int | None, call_id: str) -> int | None:
        campaign_id = await self.pool.fetchval(QUERIES["campaign_of_call"], attempt_id, call_id)
        return None if campaign_id is None else int(campaign_id)
