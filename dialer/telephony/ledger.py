"""Where call states live between callbacks: the ledger applies each event once.

`CallLedger` is the seam; `MemoryCallLedger` keeps states in a dict (the demo, the
benchmark, unit tests); `dialer.telephony.pg_ledger.PostgresCallLedger` keeps them in
call_attempts with the dedupe keys in the database.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Protocol

from dialer.telephony.callstate import CallState, Transition, apply_event
from dialer.telephony.provider import CallEvent


class CallLedger(Protocol):
    async def apply(self, event: CallEvent) -> Transition:
        """Apply one event at most once (by its dedupe keys) and return what it did."""
        ...

    async def get(self, call_id: str) -> CallState | None: ...

    async def record_answer(
        self, call_id: str, attempt_ref: str | None, room: str | None, at: datetime
    ) -> None:
        """The answer webhook's decision: bridged to `room`, or abandoned (None)."""
        ...


class MemoryCallLedger:
    def __init__(self) -> None:
        self._states: dict[str, CallState] = {}
        self._attempts: dict[str, str] = {}
        self._lock = asyncio.Lock()
        self.answers: dict[str, tuple[str | None, datetime]] = {}

    async def apply(self, event: CallEvent) -> Transition:
        async with self._lock:
            state = self._states.get(event.call_id) or CallState(call_id=event.call_id)
            transition = apply_event(state, event)
            self._states[event.call_id] = transition.state
            if event.attempt_ref is not None:
                self._attempts.setdefault(event.call_id, event.attempt_ref)
            return transition

    async def get(self, call_id: str) -> CallState | None:
        return self._states.get(call_id)

    async def record_answer(
        self, call_id: str, attempt_ref: str | None, room: str | None, at: datetime
    ) -> None:
        self.answers.setdefault(call_id, (room, at))
        if attempt_ref is not None:
            self._attempts.setdefault(call_id, attempt_ref)

    def attempt_of(self, call_id: str) -> str | None:
        return self._attempts.get(call_id)

    @property
    def states(self) -> dict[str, CallState]:
        return dict(self._states)
