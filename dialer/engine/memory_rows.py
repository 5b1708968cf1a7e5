"""The rows `MemoryEngineStore` keeps: the tables the engine reads, as dataclasses.

Each mirrors the columns of its PostgreSQL table that the engine's queries use, with the
same meanings (dialer/engine/store.sql).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from campaigns.agents import RepState
from dialer.engine.hopper import ClaimedNumber
from dialer.engine.records import pick

LIVE_STATUSES = frozenset({"created", "queued", "initiated", "ringing", "in_progress"})
NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass
class MemoryNumber:
    """A campaign_numbers row: one phone in one campaign's queue."""

    campaign_id: int
    phone_id: int
    account_id: int
    e164: str
    next_attempt_at: datetime
    state: str = "pending"
    priority: int = 0
    tier: str = "standard"
    attempts: int = 0
    last_attempt_at: datetime | None = None
    leased_by: str | None = None
    lease_expires_at: datetime | None = None
    callback_owner: int | None = None
    preview_only: bool = False
    call_attempt_id: int | None = None
    reason: str | None = None
    last_outcome: str | None = None

    def claimed(self) -> ClaimedNumber:
        return pick(ClaimedNumber, vars(self))


@dataclass
class MemoryAttempt:
    """A call_attempts row."""

    call_attempt_id: int
    campaign_id: int
    account_id: int
    phone_id: int
    e164: str
    created_at: datetime
    status: str = "created"
    tier: str = "standard"
    provider: str = "twilio"
    provider_call_id: str | None = None
    queued_at: datetime | None = None
    answered_at: datetime | None = None
    answered_by: str | None = None
    amd_at: datetime | None = None
    bridged_at: datetime | None = None
    ended_at: datetime | None = None
    agent_user_id: int | None = None
    reserved_agent_user_id: int | None = None
    abandoned: bool = False
    outcome: str | None = None
    end_reason: str | None = None
    provider_error_code: int | None = None
    sip_code: int | None = None
    ring_seconds: float | None = None
    callback_owner: int | None = None
    lease_epoch: int | None = None
    carrier_checked_at: datetime | None = None

    @property
    def person_answer(self) -> bool:
        """Reached a rep or abandoned, and not a machine (as figures.sql counts them)."""
        return (self.agent_user_id is not None or self.abandoned) and self.answered_by != "machine"

    @property
    def talked_seconds(self) -> float | None:
        start = self.bridged_at or self.answered_at
        if self.ended_at is None or start is None:
            return None
        return (self.ended_at - start).total_seconds()

    def row(self) -> dict[str, Any]:
        """Its columns, and those the queries compute from them."""
        live = self.ended_at is None and self.status in (
            "created",
            "queued",
            "initiated",
            "ringing",
            "in_progress",
        )
        return {**vars(self), "talked_seconds": self.talked_seconds, "live": live}


@dataclass
class MemoryRepSession:
    """An open agent_sessions row."""

    user_id: int
    campaign_id: int
    state: RepState
    since: datetime
    is_senior: bool = False
    registrations: tuple[str, ...] = ()
    call_attempt_id: int | None = None

    def move(self, state: RepState, now: datetime, call_attempt_id: int | None = None) -> None:
        """As set_agent_state: reserved and on_call name the call, wrap_up keeps it."""
        if state in (RepState.RESERVED, RepState.ON_CALL):
            self.call_attempt_id = call_attempt_id or self.call_attempt_id
        elif state is not RepState.WRAP_UP:
            self.call_attempt_id = None
        self.state = state
        self.since = now


@dataclass(frozen=True)
class MemoryDisposition:
    user_id: int
    call_attempt_id: int
    code: str
    note: str
    at: datetime
