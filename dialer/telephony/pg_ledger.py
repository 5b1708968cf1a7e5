"""Call states in PostgreSQL: call_attempts holds every state timestamp, and
provider_callbacks holds every dedupe key, so a callback is applied at most once even
across service restarts and several service processes.

Each callback runs in one transaction: lock the attempt row (`FOR UPDATE`, so callbacks
for one call apply one at a time), read which of the event's keys were seen, fold the
event with the pure state machine, write the row and the keys. The attempt is found by
the provider's call id, or, for callbacks that arrive before the create response was
recorded, by the attempt id carried in the webhook URL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import structlog

from dialer.sql import load_queries
from dialer.telephony.callstate import CallPhase, CallState, Transition, Verdict, apply_event
from dialer.telephony.provider import (
    AmdVerdict,
    CallEvent,
    EndReason,
    PlacedCall,
    TelephonyError,
)

log = structlog.get_logger(__name__)

QUERIES = load_queries("dialer.telephony")

_ENDED_STATUS: dict[EndReason, str] = {
    EndReason.COMPLETED: "completed",
    EndReason.BUSY: "busy",
    EndReason.NO_ANSWER: "no_answer",
    EndReason.FAILED: "failed",
    EndReason.CANCELED: "canceled",
}
_PHASE_STATUS: dict[CallPhase, str] = {
    CallPhase.INITIATED: "initiated",
    CallPhase.RINGING: "ringing",
    CallPhase.ANSWERED: "in_progress",
}
_STATUS_PHASE: dict[str, CallPhase] = {
    "initiated": CallPhase.INITIATED,
    "ringing": CallPhase.RINGING,
    "in_progress": CallPhase.ANSWERED,
    **{status: CallPhase.ENDED for status in _ENDED_STATUS.values()},
}


class UnknownCall(TelephonyError):
    """A callback names a call and an attempt that are not in call_attempts; it is
    ignored (check that the webhook URL's attempt id is the call_attempt_id)."""


def attempt_id_of(attempt_ref: str | None) -> int | None:
    if attempt_ref is None or not attempt_ref.isdigit():
        return None
    return int(attempt_ref)


def state_from_row(call_id: str, row: asyncpg.Record, seen: frozenset[str]) -> CallState:
    status: str = row["status"]
    end_reason = EndReason(row["end_reason"]) if row["end_reason"] else None
    return CallState(
        call_id=call_id,
        phase=_STATUS_PHASE.get(status, CallPhase.PLACED),
        initiated_at=row["initiated_at"],
        ringing_at=row["ringing_at"],
        answered_at=row["answered_at"],
        amd_at=row["amd_at"],
        ended_at=row["ended_at"],
        amd_verdict=AmdVerdict(row["answered_by"]) if row["answered_by"] else None,
        end_reason=end_reason,
        sip_code=row["sip_code"],
        duration_seconds=row["duration_seconds"],
        highest_sequence=row["provider_sequence"],
        seen_keys=seen,
    )


def status_of(state: CallState, current: str) -> str:
    if state.phase is CallPhase.ENDED and state.end_reason is not None:
        return _ENDED_STATUS[state.end_reason]
    return _PHASE_STATUS.get(state.phase, current)


class PostgresCallLedger:
    def __init__(self, pool: asyncpg.Pool, provider: str = "twilio") -> None:
        self._pool = pool
        self._provider = provider

    @property
    def pool(self) -> asyncpg.Pool:
        return self._pool

    @property
    def provider(self) -> str:
        """The carrier the attempts' `provider` column names."""
        return self._provider

    async def _lock_attempt(
        self, connection: asyncpg.Connection, call_id: str, attempt_ref: str | None
    ) -> asyncpg.Record | None:
        row = await connection.fetchrow(QUERIES["lock_attempt_by_call"], self._provider, call_id)
        if row is None and (attempt_id := attempt_id_of(attempt_ref)) is not None:
            row = await connection.fetchrow(
                QUERIES["lock_attempt_by_id"], attempt_id, self._provider
            )
            if row is not None and row["provider_call_id"] not in (None, call_id):
                log.warning(
                    "callback_attempt_mismatch",
                    attempt=attempt_ref,
                    call=call_id,
                    bound_call=row["provider_call_id"],
                )
                return None
        return row

    async def apply(self, event: CallEvent) -> Transition:
        async with self._pool.acquire() as connection, connection.transaction():
            row = await self._lock_attempt(connection, event.call_id, event.attempt_ref)
            if row is None:
                log.warning(
                    "callback_for_unknown_call", call=event.call_id, attempt=event.attempt_ref
                )
                raise UnknownCall(
                    f"no call attempt for call {event.call_id} (attempt {event.attempt_ref})"
                )
            seen_rows = await connection.fetch(QUERIES["seen_dedupe_keys"], list(event.dedupe_keys))
            seen = frozenset(record["dedupe_key"] for record in seen_rows)
            state = state_from_row(event.call_id, row, seen)
            transition = apply_event(state, event)
            if transition.verdict is Verdict.DUPLICATE:
                return transition
            new = transition.state
            await connection.execute(
                QUERIES["save_call_state"],
                row["call_attempt_id"],
                event.call_id,
                status_of(new, row["status"]),
                new.initiated_at,
                new.ringing_at,
                new.answered_at,
                new.amd_at,
                new.ended_at,
                new.amd_verdict.value if new.amd_verdict else None,
                new.end_reason.value if new.end_reason else None,
                new.sip_code,
                new.duration_seconds,
                new.highest_sequence,
            )
            await connection.execute(
                QUERIES["record_callback_keys"],
                list(event.dedupe_keys),
                event.provider,
                event.call_id,
                row["call_attempt_id"],
                event.kind.value,
                transition.verdict.value,
                event.sequence,
                event.occurred_at,
                event.received_at or event.occurred_at,
            )
            return transition

    async def get(self, call_id: str) -> CallState | None:
        async with self._pool.acquire() as connection:
            row = await connection.fetchrow(
                "SELECT * FROM call_attempts WHERE provider = $1 AND provider_call_id = $2",
                self._provider,
                call_id,
            )
        return state_from_row(call_id, row, frozenset()) if row is not None else None

    async def record_placed(self, placed: PlacedCall, at: datetime) -> None:
        attempt_id = attempt_id_of(placed.attempt_ref)
        if attempt_id is None:
            raise UnknownCall(f"attempt ref {placed.attempt_ref!r} is not a call_attempt_id")
        async with self._pool.acquire() as connection:
            bound = await connection.fetchval(
                QUERIES["record_placed_call"], attempt_id, placed.call_id, at
            )
        if bound is None:
            raise UnknownCall(
                f"attempt {attempt_id} is missing or already bound to another call than "
                f"{placed.call_id}"
            )

    async def record_answer(
        self, call_id: str, attempt_ref: str | None, room: str | None, at: datetime
    ) -> None:
        async with self._pool.acquire() as connection:
            await connection.fetchval(
                QUERIES["record_answer_decision"],
                call_id,
                at,
                room,
                self._provider,
                attempt_id_of(attempt_ref),
            )

    async def attempt(self, attempt_id: int) -> dict[str, Any] | None:
        async with self._pool.acquire() as connection:
            row = await connection.fetchrow(QUERIES["attempt_row"], attempt_id)
        return dict(row) if row is not None else None
