"""The plain records the engine store hands the engine's jobs (dialer/engine/store.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from campaigns.agents import Rep, RepState
from campaigns.retry import CallOutcome, outcome_of
from dialer.telephony.twilio_errors import RETIRING_SIP_CODES

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    Record = TypeVar("Record", bound=DataclassInstance)


def ready_rep(user_id: int, senior: bool, since: datetime) -> Rep:
    """A ready rep as the routing rule ranks them (idle since `since`)."""
    return Rep(rep_id=str(user_id), senior=senior, state=RepState.READY, since=since.timestamp())


def pick(record: type[Record], source: Mapping[str, Any]) -> Record:
    """A `record` from the values of `source` (a row) under its fields' names (a field
    with a default may be missing from the row)."""
    return record(
        **{
            field.name: source[field.name]
            for field in fields(record)
            if field.name in source or field.default is MISSING
        }
    )


@dataclass(frozen=True, slots=True)
class InState:
    """A logged-in rep in a state, or a call in flight in a phase (`ringing`: placed, not
    answered; `waiting`: answered, no rep yet), for `age` seconds."""

    state: str
    age: float


@dataclass(frozen=True, slots=True)
class PastCall:
    """One of the campaign's recent dials that stopped ringing, as `on_event` saw it."""

    call_attempt_id: int
    created_at: datetime
    answered_at: datetime | None
    amd_at: datetime | None
    answered_by: str | None
    ring_seconds: float | None
    agent_user_id: int | None
    talked_seconds: float | None
    ended_at: datetime | None = None
    abandoned: bool = False


@dataclass(frozen=True, slots=True)
class PersonAnswer:
    """A person answered one of the campaign's calls at `at` (the governor's history);
    `abandoned` if no rep took the call."""

    at: datetime
    abandoned: bool


@dataclass(frozen=True, slots=True)
class EndedAttempt:
    """A call attempt whose call has ended, with what freeing its rep, teaching the
    pacer and settling its number need."""

    call_attempt_id: int
    status: str
    agent_user_id: int | None
    reserved_agent_user_id: int | None
    abandoned: bool
    answered_by: str | None
    created_at: datetime
    answered_at: datetime | None
    ring_seconds: float | None
    sip_code: int | None
    # measured on our clock (a provider's duration may be rounded or simulated)
    talked_seconds: float | None

    @property
    def outcome(self) -> CallOutcome:
        """The retry policy's outcome for it."""
        return outcome_of(
            status=self.status,
            abandoned=self.abandoned,
            answered_by=self.answered_by,
            bridged=self.agent_user_id is not None,
            number_does_not_exist=self.sip_code in RETIRING_SIP_CODES,
        )


@dataclass(frozen=True, slots=True)
class AttemptHistory:
    """When the attempt's number and its person were dialed (this attempt included)."""

    number_attempts: list[datetime]
    account_attempts: list[datetime]


@dataclass(frozen=True, slots=True)
class UnconfirmedAttempt:
    """An attempt written and never confirmed by the provider."""

    call_attempt_id: int
    e164: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OverdueCall:
    """A placed call never reported ended, past its ring time or the talk ceiling."""

    call_attempt_id: int
    provider: str
    provider_call_id: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RoutingAttempt:
    """An answered attempt as its routing sees it."""

    call_attempt_id: int
    account_id: int
    agent_user_id: int | None
    reserved_agent_user_id: int | None
    tier: str
    callback_owner: int | None
    # false once the call has ended: no rep is reserved for it
    live: bool = True


@dataclass(frozen=True, slots=True)
class Settlement:
    """Where a finished attempt's number goes: its queue `state` (pending, done, retired),
    when it is dialled again (None: not by the retry policy) and why, and the attempt's
    outcome."""

    outcome: CallOutcome
    state: str
    retry_at: datetime | None
    reason: str
