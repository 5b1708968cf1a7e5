"""What to do with an answered call: the seam between the webhooks and the engine.

The answer webhook must reply in one round trip, so the engine plugs in a
`CallDecisions` object that picks the rep (or abandons) while the webhook waits.
`FirstFreeRoom` is a minimal implementation (fixed rooms, first free wins) used by the
demo, the benchmark and the tests until the pacing engine provides its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from dialer.telephony.callstate import Transition
from dialer.telephony.provider import AmdVerdict, CallEvent


@dataclass(frozen=True, slots=True)
class AnsweredCall:
    attempt_ref: str | None
    call_id: str
    to_number: str
    from_number: str


@dataclass(frozen=True, slots=True)
class BridgeToRoom:
    """Connect the callee to the rep waiting in `room`."""

    room: str
    rep: str


@dataclass(frozen=True, slots=True)
class PlayAndHangUp:
    """No rep in time: the firm's identifying message, then hang up (an abandoned call)."""

    message: str
    language: str = "en-US"


AnswerDecision = BridgeToRoom | PlayAndHangUp


@dataclass(frozen=True, slots=True)
class HangUpMachine:
    """A machine answered: hang up without a message."""


@dataclass(frozen=True, slots=True)
class LeaveVoicemail:
    message: str


MachineAction = HangUpMachine | LeaveVoicemail


class CallDecisions(Protocol):
    async def on_answer(self, call: AnsweredCall) -> AnswerDecision:
        """Reserve a rep for this answered call or abandon it. Must be fast."""
        ...

    async def on_machine(self, call: AnsweredCall, verdict: AmdVerdict) -> MachineAction:
        """A machine (or fax) answered a call that may be bridged: free its rep and say
        how to end the call."""
        ...

    async def on_event(self, event: CallEvent, transition: Transition) -> None:
        """Every status event that changed the call (frees reps on completion)."""
        ...


class FirstFreeRoom:
    """Reps each wait in their own room; an answered call takes the first free one."""

    def __init__(
        self,
        rooms: dict[str, str],
        abandon_message: str,
        voicemail_message: str | None = None,
    ) -> None:
        self._free: list[tuple[str, str]] = list(rooms.items())
        self._busy: dict[str, tuple[str, str]] = {}
        self._abandon_message = abandon_message
        self._voicemail_message = voicemail_message
        self.abandoned: list[str] = []

    @property
    def busy_calls(self) -> dict[str, str]:
        return {call_id: room for call_id, (room, _rep) in self._busy.items()}

    async def on_answer(self, call: AnsweredCall) -> AnswerDecision:
        if call.call_id in self._busy:
            room, rep = self._busy[call.call_id]
            return BridgeToRoom(room=room, rep=rep)
        if not self._free:
            self.abandoned.append(call.call_id)
            return PlayAndHangUp(self._abandon_message)
        room, rep = self._free.pop(0)
        self._busy[call.call_id] = (room, rep)
        return BridgeToRoom(room=room, rep=rep)

    def _release(self, call_id: str) -> None:
        held = self._busy.pop(call_id, None)
        if held is not None:
            self._free.append(held)

    async def on_machine(self, call: AnsweredCall, verdict: AmdVerdict) -> MachineAction:
        self._release(call.call_id)
        if self._voicemail_message:
            return LeaveVoicemail(self._voicemail_message)
        return HangUpMachine()

    async def on_event(self, event: CallEvent, transition: Transition) -> None:
        if transition.state.is_terminal:
            self._release(event.call_id)
