"""Group commit for the call ledger: the callbacks that arrive while one batch commits are
applied together in the next, in one transaction and a handful of set-based statements.

Each callback still gets exactly the treatment `PostgresCallLedger.apply` gives it alone:
its attempt is locked (`FOR UPDATE`, every attempt of the batch in one statement, in id
order so two web processes' batches never deadlock), its dedupe keys are checked against
every key stored and every key applied earlier in the batch, the pure state machine folds
it into its call's state in arrival order, and its keys are recorded. A caller's `apply`
returns only once the transaction holding its callback has committed, so the carrier's
2xx still means "kept". One batch runs at a time per process: arrival order is the order
applied.

The batch tells the engines what it changed with one NOTIFY (on the event bus's channel,
sent by PostgreSQL at the commit): which attempts of which campaign ended.

If the database is away, every callback of the batch gets the error (each webhook spools
its own); if one callback makes the batch fail otherwise, the batch is applied again one
callback at a time, so one bad callback fails alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import structlog

from dialer.db import UNREACHABLE
from dialer.events import PG_CHANNEL
from dialer.sql import load_queries
from dialer.telephony.callstate import CallState, Transition, Verdict, apply_event
from dialer.telephony.pg_ledger import (
    PostgresCallLedger,
    UnknownCall,
    attempt_id_of,
    state_from_row,
    status_of,
)
from dialer.telephony.provider import CallEvent

log = structlog.get_logger(__name__)

QUERIES = load_queries("dialer.telephony", "group_commit.sql")

#: the event-bus channel the batches' NOTIFY goes to (`EventBus.subscribe(CALLS_CHANNEL)`)
CALLS_CHANNEL = "calls"
DEFAULT_MAX_BATCH = 200
#: how many calls' campaigns the ledger remembers (a call's campaign never changes)
CAMPAIGNS_KEPT = 50_000


@dataclass
class _Pending:
    event: CallEvent
    done: asyncio.Future[Transition]


@dataclass
class _Attempt:
    """One locked attempt as the batch has it so far."""

    attempt_id: int
    campaign_id: int
    call_id: str | None
    status: str
    state: CallState
    changed: bool = False


@dataclass
class _Batch:
    """What one batch writes: the attempts' final states, the keys, what ended."""

    attempts: dict[int, _Attempt] = field(default_factory=dict)
    keys: list[tuple[str, str, str, int, str, str, int | None, datetime, datetime]] = field(
        default_factory=list
    )
    ended: dict[int, list[int]] = field(default_factory=dict)


class GroupCommitLedger:
    """A `CallLedger` over `PostgresCallLedger` that commits callbacks in groups."""

    def __init__(
        self,
        ledger: PostgresCallLedger,
        *,
        max_batch: int = DEFAULT_MAX_BATCH,
        gather_seconds: float = 0.002,
    ) -> None:
        self.single = ledger
        self._pool: asyncpg.Pool = ledger.pool
        self._provider = ledger.provider
        self._max_batch = max_batch
        # an idle ledger waits this long for company before it commits a lone callback
        self._gather_seconds = gather_seconds
        self._queue: list[_Pending] = []
        self._flushing: asyncio.Task[None] | None = None
        # figures for the benchmark and /metrics: batches committed and callbacks in them
        self.batches = 0
        self.batched = 0
        # the campaign of each call the batches locked lately, so that the engine that
        # acts on a callback is found without another round trip
        self._campaigns: OrderedDict[str, int] = OrderedDict()

    # -- CallLedger ---------------------------------------------------------------------

    async def apply(self, event: CallEvent) -> Transition:
        """Apply one event at most once; returns after the commit that holds it."""
        done: asyncio.Future[Transition] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(event, done))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush_all(), name="ledger-group-commit")
        return await done

    async def get(self, call_id: str) -> CallState | None:
        return await self.single.get(call_id)

    async def record_answer(
        self, call_id: str, attempt_ref: str | None, room: str | None, at: datetime
    ) -> None:
        await self.single.record_answer(call_id, attempt_ref, room, at)

    async def attempt(self, attempt_id: int) -> dict[str, Any] | None:
        return await self.single.attempt(attempt_id)

    def campaign_of(self, call_id: str) -> int | None:
        """The campaign of a call this ledger applied a callback of lately, or None."""
        return self._campaigns.get(call_id)

    def _remember(self, work: _Batch) -> None:
        for attempt in work.attempts.values():
            if attempt.call_id is not None:
                self._campaigns[attempt.call_id] = attempt.campaign_id
                self._campaigns.move_to_end(attempt.call_id)
        while len(self._campaigns) > CAMPAIGNS_KEPT:
            self._campaigns.popitem(last=False)

    async def close(self) -> None:
        """Let the batch in flight and those queued finish."""
        if self._flushing is not None:
            with contextlib.suppress(Exception):
                await self._flushing

    # -- the batches ----------------------------------------------------------------------

    async def _flush_all(self) -> None:
        if self._gather_seconds > 0 and len(self._queue) < self._max_batch:
            await asyncio.sleep(self._gather_seconds)
        while self._queue:
            batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
            await self._commit(batch)

    async def _commit(self, batch: list[_Pending]) -> None:
        try:
            results = await self._apply_batch([pending.event for pending in batch])
        except UNREACHABLE as exc:
            for pending in batch:  # the database is away: each webhook spools its own
                _fail(pending.done, exc)
            return
        except Exception as exc:  # one callback broke the batch: each on its own
            log.warning("ledger_batch_failed", callbacks=len(batch), error=repr(exc))
            for pending in batch:
                try:
                    _settle(pending.done, await self.single.apply(pending.event))
                except Exception as single_exc:
                    _fail(pending.done, single_exc)
            return
        except BaseException as exc:  # cancelled: nobody is told a lie
            for pending in batch:
                _fail(pending.done, exc)
            raise
        self.batches += 1
        self.batched += len(batch)
        for pending, result in zip(batch, results, strict=True):
            if isinstance(result, Transition):
                _settle(pending.done, result)
            else:
                _fail(pending.done, result)

    async def _apply_batch(self, events: Sequence[CallEvent]) -> list[Transition | UnknownCall]:
        call_ids = sorted({event.call_id for event in events})
        attempt_ids = sorted(
            {a for event in events if (a := attempt_id_of(event.attempt_ref)) is not None}
        )
        all_keys = sorted({key for event in events for key in event.dedupe_keys})
        async with self._pool.acquire() as connection, connection.transaction():
            rows = await connection.fetch(
                QUERIES["lock_attempts"], self._provider, call_ids, attempt_ids
            )
            seen_rows = await connection.fetch(QUERIES["seen_dedupe_keys_of"], all_keys)
            seen = {record["dedupe_key"] for record in seen_rows}
            work = _Batch()
            results = _fold(events, rows, seen, work)
            await self._write(connection, work)
        self._remember(work)
        return results

    async def _write(self, connection: asyncpg.Connection, work: _Batch) -> None:
        changed = [a for a in work.attempts.values() if a.changed]
        if changed:
            await connection.execute(QUERIES["save_call_states"], *_state_columns(changed))
        if work.keys:
            columns = list(zip(*work.keys, strict=True))
            await connection.execute(QUERIES["record_callback_keys_of"], *map(list, columns))
        if work.ended:
            payload = {
                "channel": CALLS_CHANNEL,
                "event": {
                    "kind": "calls_ended",
                    "campaigns": {str(c): ids for c, ids in sorted(work.ended.items())},
                },
            }
            # delivered by PostgreSQL at the commit, never for a batch rolled back
            await connection.execute("SELECT pg_notify($1, $2)", PG_CHANNEL, json.dumps(payload))


def _fold(
    events: Sequence[CallEvent],
    rows: Sequence[asyncpg.Record],
    seen: set[str],
    work: _Batch,
) -> list[Transition | UnknownCall]:
    """Fold the batch's events, in arrival order, into their attempts' states (pure but
    for the log): what `PostgresCallLedger.apply` does for each, one after the other."""
    by_id = {row["call_attempt_id"]: row for row in rows}
    by_call = {row["provider_call_id"]: row["call_attempt_id"] for row in rows}
    results: list[Transition | UnknownCall] = []
    for event in events:
        attempt = _attempt_of(event, by_id, by_call, work)
        if attempt is None:
            log.warning("callback_for_unknown_call", call=event.call_id, attempt=event.attempt_ref)
            results.append(
                UnknownCall(
                    f"no call attempt for call {event.call_id} (attempt {event.attempt_ref})"
                )
            )
            continue
        before = dataclasses.replace(
            attempt.state,
            call_id=event.call_id,
            seen_keys=frozenset(key for key in event.dedupe_keys if key in seen),
        )
        transition = apply_event(before, event)
        results.append(transition)
        if transition.verdict is Verdict.DUPLICATE:
            continue
        was_terminal = attempt.state.is_terminal
        attempt.state = dataclasses.replace(transition.state, seen_keys=frozenset())
        attempt.status = status_of(transition.state, attempt.status)
        attempt.call_id = event.call_id
        by_call[event.call_id] = attempt.attempt_id
        attempt.changed = True
        seen.update(event.dedupe_keys)
        work.keys.extend(
            (
                key,
                event.provider,
                event.call_id,
                attempt.attempt_id,
                event.kind.value,
                transition.verdict.value,
                event.sequence,
                event.occurred_at,
                event.received_at or event.occurred_at,
            )
            for key in event.dedupe_keys
        )
        if transition.state.is_terminal and not was_terminal:
            work.ended.setdefault(attempt.campaign_id, []).append(attempt.attempt_id)
    return results


def _attempt_of(
    event: CallEvent,
    by_id: dict[int, asyncpg.Record],
    by_call: dict[str | None, int],
    work: _Batch,
) -> _Attempt | None:
    """The event's attempt: by the provider's call id, else by the attempt id of its URL
    when that attempt is bound to no other call (`PostgresCallLedger._lock_attempt`)."""
    attempt_id = by_call.get(event.call_id)
    if attempt_id is None:
        attempt_id = attempt_id_of(event.attempt_ref)
        if attempt_id is None or attempt_id not in by_id:
            return None
        bound = work.attempts[attempt_id].call_id if attempt_id in work.attempts else None
        bound = bound or by_id[attempt_id]["provider_call_id"]
        if bound not in (None, event.call_id):
            log.warning(
                "callback_attempt_mismatch",
                attempt=event.attempt_ref,
                call=event.call_id,
                bound_call=bound,
            )
            return None
    attempt = work.attempts.get(attempt_id)
    if attempt is None:
        row = by_id[attempt_id]
        attempt = _Attempt(
            attempt_id=attempt_id,
            campaign_id=row["campaign_id"],
            call_id=row["provider_call_id"],
            status=row["status"],
            state=state_from_row(event.call_id, row, frozenset()),
        )
        work.attempts[attempt_id] = attempt
    return attempt


def _state_columns(attempts: list[_Attempt]) -> list[list[Any]]:
    """The attempts' states as the columns `save_call_states` unnests."""
    return [
        [a.attempt_id for a in attempts],
        [a.call_id for a in attempts],
        [a.status for a in attempts],
        [a.state.initiated_at for a in attempts],
        [a.state.ringing_at for a in attempts],
        [a.state.answered_at for a in attempts],
        [a.state.amd_at for a in attempts],
        [a.state.ended_at for a in attempts],
        [a.state.amd_verdict.value if a.state.amd_verdict else None for a in attempts],
        [a.state.end_reason.value if a.state.end_reason else None for a in attempts],
        [a.state.sip_code for a in attempts],
        [a.state.duration_seconds for a in attempts],
        [a.state.highest_sequence for a in attempts],
    ]


def _settle(done: asyncio.Future[Transition], transition: Transition) -> None:
    if not done.done():
        done.set_result(transition)


def _fail(done: asyncio.Future[Transition], exc: BaseException) -> None:
    if not done.done():
        done.set_exception(exc)
