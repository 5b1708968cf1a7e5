"""Reps (agents) as state machines: logged out, ready, reserved, on call, wrap-up, paused.

Every change is timestamped by the caller (`now`, seconds on the campaign clock: virtual
seconds in the simulation, POSIX seconds of an aware datetime live) and handed to an
optional listener, which the live engine uses to store it. The rep also keeps the time
it spent in each state, which is what occupancy is computed from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from campaigns.errors import CampaignError


class RepState(StrEnum):
    LOGGED_OUT = "logged_out"
    READY = "ready"
    RESERVED = "reserved"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"


class IllegalRepTransition(CampaignError):
    """A rep was asked to change state in a way the state machine forbids; check the event order."""


_ALLOWED: dict[RepState, frozenset[RepState]] = {
    RepState.LOGGED_OUT: frozenset({RepState.READY, RepState.PAUSED}),
    RepState.READY: frozenset({RepState.RESERVED, RepState.PAUSED, RepState.LOGGED_OUT}),
    RepState.RESERVED: frozenset({RepState.ON_CALL, RepState.READY}),
    RepState.ON_CALL: frozenset({RepState.WRAP_UP}),
    RepState.WRAP_UP: frozenset({RepState.READY, RepState.PAUSED, RepState.LOGGED_OUT}),
    RepState.PAUSED: frozenset({RepState.READY, RepState.LOGGED_OUT}),
}

#: States in which a rep is working a call: what occupancy counts.
WORKING_STATES = frozenset({RepState.ON_CALL, RepState.WRAP_UP})
LOGGED_IN_STATES = frozenset(set(RepState) - {RepState.LOGGED_OUT})


@dataclass(frozen=True, slots=True)
class RepTransition:
    rep_id: str
    previous: RepState
    state: RepState
    at: float
    pause_code: str | None = None
    call_id: str | None = None


TransitionListener = Callable[[RepTransition], None]


@dataclass(slots=True)
class Rep:
    """One rep's session. `wrap_max_seconds` bounds after-call work (None: unbounded)."""

    rep_id: str
    senior: bool = False
    wrap_max_seconds: float | None = None
    state: RepState = RepState.LOGGED_OUT
    since: float = 0.0
    call_id: str | None = None
    pause_code: str | None = None
    seconds_in: dict[RepState, float] = field(default_factory=lambda: dict.fromkeys(RepState, 0.0))
    calls_connected: int = 0
    listener: TransitionListener | None = None

    def _move(
        self,
        state: RepState,
        now: float,
        *,
        pause_code: str | None = None,
        call_id: str | None = None,
    ) -> None:
        if state not in _ALLOWED[self.state]:
            raise IllegalRepTransition(f"rep {self.rep_id} cannot go from {self.state} to {state}")
        if now < self.since:
            raise IllegalRepTransition(
                f"rep {self.rep_id}: event at {now} is earlier than the last one at {self.since}"
            )
        self.seconds_in[self.state] += now - self.since
        previous = self.state
        self.state = state
        self.since = now
        self.pause_code = pause_code
        if self.listener is not None:
            self.listener(RepTransition(self.rep_id, previous, state, now, pause_code, call_id))

    # -- events -----------------------------------------------------------------------------
    def log_in(self, now: float) -> None:
        self._move(RepState.READY, now)

    def reserve(self, now: float, call_id: str) -> None:
        """A call is being bridged to this rep."""
        self._move(RepState.RESERVED, now, call_id=call_id)
        self.call_id = call_id

    def release(self, now: float) -> None:
        """The reserved call went away before the bridge (caller hung up)."""
        self._move(RepState.READY, now, call_id=self.call_id)
        self.call_id = None

    def connect(self, now: float) -> None:
        self._move(RepState.ON_CALL, now, call_id=self.call_id)
        self.calls_connected += 1

    def hang_up(self, now: float) -> None:
        """The call ended; after-call work starts."""
        self._move(RepState.WRAP_UP, now, call_id=self.call_id)

    def finish_wrap(self, now: float) -> None:
        self._move(RepState.READY, now, call_id=self.call_id)
        self.call_id = None

    def pause(self, now: float, code: str) -> None:
        self._move(RepState.PAUSED, now, pause_code=code)
        self.call_id = None

    def resume(self, now: float) -> None:
        self._move(RepState.READY, now)

    def log_out(self, now: float) -> None:
        self._move(RepState.LOGGED_OUT, now)
        self.call_id = None

    # -- queries ----------------------------------------------------------------------------
    def wrap_deadline(self) -> float | None:
        """When after-call work must end, if this rep is wrapping up under a maximum."""
        if self.state is not RepState.WRAP_UP or self.wrap_max_seconds is None:
            return None
        return self.since + self.wrap_max_seconds

    def elapsed(self, now: float) -> float:
        return now - self.since

    def time_in(self, state: RepState, now: float) -> float:
        """Seconds spent in `state` up to `now`, counting the current stint."""
        extra = now - self.since if self.state is state else 0.0
        return self.seconds_in[state] + extra

    def working_seconds(self, now: float) -> float:
        return self.time_in(RepState.ON_CALL, now) + self.time_in(RepState.WRAP_UP, now)

    def logged_in_seconds(self, now: float) -> float:
        return sum(self.time_in(state, now) for state in LOGGED_IN_STATES)
