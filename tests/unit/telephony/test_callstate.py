"""The call state machine: any arrival order, any duplicates, one consistent record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from dialer.telephony.callstate import CallPhase, CallState, Verdict, apply_event, replay
from dialer.telephony.provider import AmdVerdict, CallEvent, CallEventKind, EndReason

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SID = "CA" + "1" * 32


def status_event(kind: CallEventKind, seq: int, **extra: object) -> CallEvent:
    return CallEvent(
        provider="twilio",
        call_id=SID,
        kind=kind,
        occurred_at=T0 + timedelta(seconds=seq * 5),
        dedupe_keys=(f"token-{seq}", f"{SID}:seq:{seq}"),
        sequence=seq,
        **extra,  # type: ignore[arg-type]
    )


def amd_event(verdict: AmdVerdict, at_seconds: int) -> CallEvent:
    return CallEvent(
        provider="twilio",
        call_id=SID,
        kind=CallEventKind.AMD_VERDICT,
        occurred_at=T0 + timedelta(seconds=at_seconds),
        dedupe_keys=("token-amd", f"{SID}:amd"),
        amd_verdict=verdict,
    )


def answered_life(verdict: AmdVerdict | None = AmdVerdict.HUMAN) -> list[CallEvent]:
    events = [
        status_event(CallEventKind.INITIATED, 0),
        status_event(CallEventKind.RINGING, 1),
        status_event(CallEventKind.ANSWERED, 2),
        status_event(
            CallEventKind.COMPLETED,
            3,
            end_reason=EndReason.COMPLETED,
            sip_code=200,
            duration_seconds=42,
        ),
    ]
    if verdict is not None:
        events.append(amd_event(verdict, 12))
    return events


def unanswered_life(reason: EndReason, sip_code: int) -> list[CallEvent]:
    return [
        status_event(CallEventKind.INITIATED, 0),
        status_event(CallEventKind.RINGING, 1),
        status_event(
            CallEventKind.COMPLETED, 2, end_reason=reason, sip_code=sip_code, duration_seconds=0
        ),
    ]


def test_a_call_lived_in_order_records_every_timestamp() -> None:
    state = replay(SID, answered_life())
    assert state.phase is CallPhase.ENDED
    assert state.initiated_at == T0
    assert state.ringing_at == T0 + timedelta(seconds=5)
    assert state.answered_at == T0 + timedelta(seconds=10)
    assert state.amd_at == T0 + timedelta(seconds=12)
    assert state.ended_at == T0 + timedelta(seconds=15)
    assert state.end_reason is EndReason.COMPLETED
    assert state.sip_code == 200
    assert state.duration_seconds == 42
    assert state.amd_verdict is AmdVerdict.HUMAN
    assert state.highest_sequence == 3


def test_late_ringing_after_completed_is_ignored() -> None:
    initiated, ringing, answered, completed, _amd = answered_life()
    state = replay(SID, [initiated, answered, completed])
    transition = apply_event(state, ringing)
    assert transition.verdict is Verdict.LATE
    assert transition.state.phase is CallPhase.ENDED
    assert transition.state.end_reason is EndReason.COMPLETED


def test_a_duplicate_changes_nothing() -> None:
    events = answered_life()
    state = replay(SID, events)
    for event in events:
        transition = apply_event(state, event)
        assert transition.verdict is Verdict.DUPLICATE
        assert transition.state == state


def test_a_second_different_terminal_event_does_not_undo_the_first() -> None:
    state = replay(SID, unanswered_life(EndReason.BUSY, 486))
    other = CallEvent(
        provider="twilio",
        call_id=SID,
        kind=CallEventKind.COMPLETED,
        occurred_at=T0 + timedelta(minutes=5),
        dedupe_keys=("another-token",),
        end_reason=EndReason.NO_ANSWER,
        duration_seconds=0,
    )
    transition = apply_event(state, other)
    assert transition.verdict is Verdict.CONFLICT
    assert transition.state.end_reason is EndReason.BUSY
    assert transition.state.ended_at == state.ended_at


def test_an_event_for_another_call_is_refused() -> None:
    event = status_event(CallEventKind.RINGING, 1)
    try:
        apply_event(CallState(call_id="CA" + "2" * 32), event)
    except ValueError as exc:
        assert "look the state up" in str(exc)
    else:
        raise AssertionError("an event for another call was applied")


lives = st.sampled_from(
    [
        answered_life(AmdVerdict.HUMAN),
        answered_life(AmdVerdict.MACHINE),
        answered_life(None),
        unanswered_life(EndReason.BUSY, 486),
        unanswered_life(EndReason.NO_ANSWER, 487),
        unanswered_life(EndReason.FAILED, 404),
    ]
)


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[list[CallEvent], list[CallEvent]]:
    """A call's events, then the same events duplicated and shuffled."""
    life = draw(lives)
    duplicates = draw(st.lists(st.sampled_from(life), max_size=8))
    delivered = draw(st.permutations(life + duplicates))
    return life, delivered


@given(deliveries())
def test_any_order_and_any_duplicates_give_the_same_record(
    case: tuple[list[CallEvent], list[CallEvent]],
) -> None:
    life, delivered = case
    assert replay(SID, delivered) == replay(SID, life)


@given(deliveries())
def test_a_terminal_state_is_never_undone(
    case: tuple[list[CallEvent], list[CallEvent]],
) -> None:
    _life, delivered = case
    state = CallState(call_id=SID)
    ended: CallState | None = None
    for event in delivered:
        transition = apply_event(state, event)
        state = transition.state
        if ended is not None:
            assert state.phase is CallPhase.ENDED
            assert (state.end_reason, state.ended_at, state.duration_seconds) == (
                ended.end_reason,
                ended.ended_at,
                ended.duration_seconds,
            )
            assert transition.verdict is not Verdict.ADVANCED
        elif state.is_terminal:
            ended = state
    assert ended is not None


@given(deliveries())
def test_each_event_moves_the_call_forward_at_most_once(
    case: tuple[list[CallEvent], list[CallEvent]],
) -> None:
    life, delivered = case
    state = CallState(call_id=SID)
    acted: list[CallEvent] = []
    for event in delivered:
        transition = apply_event(state, event)
        state = transition.state
        if transition.verdict in (Verdict.ADVANCED, Verdict.RECORDED):
            acted.append(event)
    assert len(acted) == len(set(acted)) <= len(life)
