"""The per-call state machine: pure, and tolerant of any arrival order.

Providers deliver callbacks late, twice, and out of order (Twilio: "arrival order not
guaranteed"). The state is therefore built as a merge, not a sequence of steps:

- every event fills its own timestamp once (initiated_at, ringing_at, ...); a
  duplicate under any of its dedupe keys changes nothing;
- the phase is the most advanced phase seen, and a terminal phase is never undone;
- the terminal facts (reason, SIP code, duration) come from the first terminal event;
  the AMD verdict from the first verdict.

So the final record is the same whatever order the same events arrive in (the
property test checks this), while `Verdict` tells the caller which events moved the
call forward (worth acting on) and which arrived late (recorded, no side effects): a
`ringing` after `completed` only back-fills `ringing_at` and triggers nothing.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import datetime

from dialer.telephony.provider import AmdVerdict, CallEvent, CallEventKind, EndReason


class CallPhase(enum.IntEnum):
    """Ordered: a call only ever moves up."""

    PLACED = 0
    INITIATED = 1
    RINGING = 2
    ANSWERED = 3
    ENDED = 4


_PHASE_OF: dict[CallEventKind, CallPhase] = {
    CallEventKind.INITIATED: CallPhase.INITIATED,
    CallEventKind.RINGING: CallPhase.RINGING,
    CallEventKind.ANSWERED: CallPhase.ANSWERED,
    CallEventKind.COMPLETED: CallPhase.ENDED,
}


class Verdict(enum.StrEnum):
    """What applying one event did."""

    ADVANCED = "advanced"  # moved the call forward: act on it
    RECORDED = "recorded"  # new fact (timestamp, AMD verdict) without a phase change
    LATE = "late"  # arrived after a later phase: back-filled, no side effects
    DUPLICATE = "duplicate"  # seen before under one of its keys: nothing changed
    CONFLICT = "conflict"  # contradicts a settled fact (second, different terminal)


@dataclass(frozen=True, slots=True)
class CallState:
    call_id: str
    phase: CallPhase = CallPhase.PLACED
    initiated_at: datetime | None = None
    ringing_at: datetime | None = None
    answered_at: datetime | None = None
    amd_at: datetime | None = None
    ended_at: datetime | None = None
    amd_verdict: AmdVerdict | None = None
    end_reason: EndReason | None = None
    sip_code: int | None = None
    duration_seconds: int | None = None
    highest_sequence: int | None = None
    seen_keys: frozenset[str] = frozenset()

    @property
    def is_terminal(self) -> bool:
        return self.phase is CallPhase.ENDED

    @property
    def was_answered(self) -> bool:
        return self.answered_at is not None or self.end_reason is EndReason.COMPLETED


@dataclass(frozen=True, slots=True)
class Transition:
    state: CallState
    verdict: Verdict

    @property
    def changed(self) -> bool:
        return self.verdict in (Verdict.ADVANCED, Verdict.RECORDED, Verdict.LATE)


_TIMESTAMP_FIELD: dict[CallEventKind, str] = {
    CallEventKind.INITIATED: "initiated_at",
    CallEventKind.RINGING: "ringing_at",
    CallEventKind.ANSWERED: "answered_at",
    CallEventKind.AMD_VERDICT: "amd_at",
    CallEventKind.COMPLETED: "ended_at",
}


def apply_event(state: CallState, event: CallEvent) -> Transition:
    """Fold one event into the call's state. Pure: same inputs, same result."""
    if event.call_id != state.call_id:
        raise ValueError(
            f"event for call {event.call_id} applied to call {state.call_id}: "
            "look the state up by the event's call id"
        )
    if state.seen_keys.intersection(event.dedupe_keys):
        return Transition(state, Verdict.DUPLICATE)

    seen = state.seen_keys.union(event.dedupe_keys)
    sequence = state.highest_sequence
    if event.sequence is not None:
        sequence = event.sequence if sequence is None else max(sequence, event.sequence)
    changes: dict[str, object] = {"seen_keys": seen, "highest_sequence": sequence}

    stamp_field = _TIMESTAMP_FIELD[event.kind]
    fills_stamp = getattr(state, stamp_field) is None
    if fills_stamp:
        changes[stamp_field] = event.occurred_at

    if event.kind is CallEventKind.AMD_VERDICT:
        if state.amd_verdict is not None:
            verdict = (
                Verdict.CONFLICT if state.amd_verdict != event.amd_verdict else Verdict.DUPLICATE
            )
            return Transition(dataclasses.replace(state, seen_keys=seen), verdict)
        changes["amd_verdict"] = event.amd_verdict or AmdVerdict.UNKNOWN
        late = state.is_terminal
        return Transition(
            dataclasses.replace(state, **changes),  # type: ignore[arg-type]
            Verdict.LATE if late else Verdict.RECORDED,
        )

    if event.kind is CallEventKind.COMPLETED:
        if state.is_terminal:
            same = (
                state.end_reason == event.end_reason
                and state.duration_seconds == event.duration_seconds
            )
            verdict = Verdict.DUPLICATE if same else Verdict.CONFLICT
            return Transition(dataclasses.replace(state, seen_keys=seen), verdict)
        changes["phase"] = CallPhase.ENDED
        changes["end_reason"] = event.end_reason or EndReason.FAILED
        changes["sip_code"] = event.sip_code
        changes["duration_seconds"] = event.duration_seconds
        return Transition(dataclasses.replace(state, **changes), Verdict.ADVANCED)  # type: ignore[arg-type]

    target = _PHASE_OF[event.kind]
    if target > state.phase:
        changes["phase"] = target
        return Transition(dataclasses.replace(state, **changes), Verdict.ADVANCED)  # type: ignore[arg-type]
    if not fills_stamp:
        return Transition(dataclasses.replace(state, seen_keys=seen), Verdict.DUPLICATE)
    return Transition(dataclasses.replace(state, **changes), Verdict.LATE)  # type: ignore[arg-type]


def replay(call_id: str, events: list[CallEvent]) -> CallState:
    """The state after applying `events` in the given order (tests, reconciliation)."""
    state = CallState(call_id=call_id)
    for event in events:
        state = apply_event(state, event).state
    return state
