"""Signed callbacks that find the database away are spooled and acknowledged; once it is
back they are applied in order through the same ledger, and the answer that found it
away played the firm's message and counts as abandoned."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from dialer.telephony.callstate import CallPhase, Transition
from dialer.telephony.decisions import AnswerDecision, AnsweredCall, FirstFreeRoom
from dialer.telephony.ledger import MemoryCallLedger
from dialer.telephony.provider import CallEvent, CallRequest
from dialer.telephony.spool import CallbackSpool
from tests.integration.telephony.stack import CALLER_ID, telephony_stack


class DatabaseAway(MemoryCallLedger):
    """The memory ledger behind a database that can be taken away: while `down`, every
    write fails as a refused connection does."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False

    async def apply(self, event: CallEvent) -> Transition:
        if self.down:
            raise ConnectionRefusedError("connection refused")
        return await super().apply(event)

    async def record_answer(
        self, call_id: str, attempt_ref: str | None, room: str | None, at: datetime
    ) -> None:
        if self.down:
            raise ConnectionRefusedError("connection refused")
        await super().record_answer(call_id, attempt_ref, room, at)


class RoomsAway(FirstFreeRoom):
    def __init__(self, ledger: DatabaseAway) -> None:
        super().__init__({"rep-1": "alice"}, abandon_message="Example Securities; call us back.")
        self.ledger = ledger

    async def on_answer(self, call: AnsweredCall) -> AnswerDecision:
        if self.ledger.down:  # reserving a rep needs the database
            raise ConnectionRefusedError("connection refused")
        return await super().on_answer(call)


async def test_callbacks_during_an_outage_are_kept_and_applied_when_it_ends(
    tmp_path: Path,
) -> None:
    ledger = DatabaseAway()
    spool = CallbackSpool(tmp_path / "spool")
    spool.open()
    async with telephony_stack(ledger=ledger, decisions=RoomsAway(ledger), spool=spool) as stack:
        ledger.down = True
        placed = await stack.provider.place_call(
            CallRequest(attempt_ref="7", to_number="+14155550123", caller_id=CALLER_ID)
        )
        await stack.settle()
        sim_call = stack.simulator.calls[placed.call_id]
        # the carrier got a 2xx for every callback (none to retry, none lost) …
        sent = stack.simulator.callbacks
        assert sent and all(cb.http_status == 204 and not cb.lost for cb in sent), sent
        # … the callee heard the firm's message (no rep could be reserved) …
        assert sim_call.rooms == []
        assert await ledger.get(placed.call_id) is None  # nothing applied yet
        kept = spool.pending()
        assert kept >= 4  # the answer, then initiated, ringing, answered, completed, amd

        ledger.down = False
        assert await spool.replay(stack.webhooks.replay) == kept
    state = await ledger.get(placed.call_id)
    assert state is not None and state.phase is CallPhase.ENDED and state.answered_at is not None
    room, _ = ledger.answers[placed.call_id]
    assert room is None  # the answer counts as abandoned
    assert ledger.attempt_of(placed.call_id) == "7"
    assert spool.pending() == 0
    spool.close()


async def test_without_a_spool_an_outage_is_a_503_for_the_carrier_to_retry(
    tmp_path: Path,
) -> None:
    ledger = DatabaseAway()
    async with telephony_stack(ledger=ledger, decisions=RoomsAway(ledger)) as stack:
        ledger.down = True
        placed = await stack.provider.place_call(
            CallRequest(attempt_ref="8", to_number="+14155550124", caller_id=CALLER_ID)
        )
        await stack.settle()
        statuses = [cb.http_status for cb in stack.simulator.callbacks]
        assert await ledger.get(placed.call_id) is None
        assert statuses and all(code is not None and code >= 500 for code in statuses)


class DownForAWhile(DatabaseAway):
    """Refuses the first `failures` writes, then works."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    async def apply(self, event: CallEvent) -> Transition:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionRefusedError("connection refused")
        return await super().apply(event)


async def test_a_callback_answered_503_is_retried_by_the_carrier_under_the_overrides() -> None:
    ledger = DownForAWhile(failures=3)
    async with telephony_stack(ledger=ledger, decisions=RoomsAway(ledger)) as stack:
        placed = await stack.provider.place_call(
            CallRequest(attempt_ref="9", to_number="+14155550125", caller_id=CALLER_ID)
        )
        await stack.settle()
        first = stack.simulator.callbacks[0]
        assert first.attempts == 4 and first.http_status == 204  # three 503s, then applied
        assert "#" in first.url and "rc=5" in first.url
    state = await ledger.get(placed.call_id)
    assert state is not None and state.phase is CallPhase.ENDED
