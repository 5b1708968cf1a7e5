"""Signatures, duplicates, reordering and the CPS limit, through real HTTP."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

import aiohttp

from dialer.telephony.callstate import CallPhase, CallState, Transition, replay
from dialer.telephony.carrier_sim import FaultPlan
from dialer.telephony.ledger import MemoryCallLedger
from dialer.telephony.provider import CallEvent, CallRequest, EndReason
from tests.integration.telephony.stack import CALLER_ID, telephony_stack

RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def request(ref: str, number: str) -> CallRequest:
    return CallRequest(attempt_ref=ref, to_number=number, caller_id=CALLER_ID)


class RecordingLedger(MemoryCallLedger):
    """Remembers the order callbacks arrived in."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: dict[str, list[int]] = {}

    async def apply(self, event: CallEvent) -> Transition:
        if event.sequence is not None:
            self.arrivals.setdefault(event.call_id, []).append(event.sequence)
        return await super().apply(event)


async def test_forged_missing_and_altered_signatures_are_refused_and_change_nothing() -> None:
    async with telephony_stack() as stack:
        placed = await stack.provider.place_call(request("s-1", "+14155550123"))
        await stack.settle()
        assert isinstance(stack.ledger, MemoryCallLedger)
        before: dict[str, CallState] = stack.ledger.states
        ringing = next(
            cb
            for cb in stack.simulator.callbacks
            if cb.kind == "status" and cb.params["CallStatus"] == "ringing"
        )
        signature = ringing.headers["X-Twilio-Signature"]
        altered = dict(ringing.params, CallStatus="no-answer", SequenceNumber="9")
        attempts = [
            ({"X-Twilio-Signature": "bm90IGEgcmVhbCBzaWduYXR1cmU="}, ringing.params),  # forged
            ({}, ringing.params),  # missing
            ({"X-Twilio-Signature": signature}, altered),  # replayed with other parameters
        ]
        async with aiohttp.ClientSession() as session:
            for headers, params in attempts:
                async with session.post(ringing.url, data=params, headers=headers) as response:
                    assert response.status == 403
            answer_url = f"{stack.public_base_url}/telephony/twilio/answer?attempt=s-1"
            async with session.post(
                answer_url,
                data={"CallSid": placed.call_id, "CallStatus": "in-progress"},
                headers={"X-Twilio-Signature": signature},
            ) as response:
                assert response.status == 403
            # the genuine request replayed as is: accepted, recognised as a duplicate
            async with session.post(
                ringing.url, data=ringing.params, headers=ringing.headers
            ) as response:
                assert response.status == 204
        assert stack.ledger.states == before
        assert stack.simulator.rooms.legs and len(stack.simulator.rooms.legs) == 1


async def test_duplicated_and_reordered_callbacks_leave_one_consistent_record_per_call() -> None:
    ledger = RecordingLedger()
    faults = FaultPlan(duplicate_rate=1.0, reorder=True, delay_max_seconds=0.8)
    numbers = [f"+1415555{index:04d}" for index in range(6)]
    async with telephony_stack(ledger=ledger, faults=faults, speed=10.0) as stack:
        placed = await asyncio.gather(
            *(stack.provider.place_call(request(f"d-{i}", n)) for i, n in enumerate(numbers))
        )
        await stack.settle(timeout=30)

        assert set(ledger.states) == {call.call_id for call in placed}
        assert any(order != sorted(order) for order in ledger.arrivals.values()), (
            "the fault plan did not reorder anything; the test would prove nothing"
        )
        for call in placed:
            delivered = [
                cb
                for cb in stack.simulator.callbacks
                if cb.params.get("CallSid") == call.call_id and not cb.lost
            ]
            statuses = [cb for cb in delivered if cb.kind == "status"]
            assert len(statuses) == 8  # four events, each delivered twice
            # the record equals the one the same callbacks give in their true order
            events = [
                stack.provider.parse_event(
                    cb.kind,
                    cb.params,
                    cb.headers,
                    attempt_ref=None,
                    received_at=RECEIVED,
                )
                for cb in sorted(
                    delivered, key=lambda cb: int(cb.params.get("SequenceNumber", "99"))
                )
            ]
            expected = replay(call.call_id, [event for event in events if event is not None])
            state = ledger.states[call.call_id]
            # AMD callbacks carry no Timestamp: amd_at is when it was received
            assert state.amd_at is not None
            assert dataclasses.replace(state, amd_at=None) == dataclasses.replace(
                expected, amd_at=None
            )
            assert state.phase is CallPhase.ENDED
            assert state.end_reason is EndReason.COMPLETED
            assert None not in (
                state.initiated_at,
                state.ringing_at,
                state.answered_at,
                state.ended_at,
            )


async def test_the_cps_limit_holds_under_a_burst_on_the_simulators_clock() -> None:
    rate = 5.0
    numbers = [f"+1415666{index:04d}" for index in range(8)]
    async with telephony_stack(calls_per_second=rate) as stack:
        await asyncio.gather(
            *(stack.provider.place_call(request(f"b-{i}", n)) for i, n in enumerate(numbers))
        )
        received = sorted(stack.simulator.create_received)
        assert len(received) == len(numbers)
        # A create delayed on its way can only bring it closer to the next one: allow
        # that much scheduling delay on a busy CI machine (the pacing gap is 200 ms).
        jitter = 0.1
        for i in range(len(received)):
            for j in range(i + 1, len(received)):
                # j - i further creates need (j - i) tokens, refilled at `rate` per second
                assert received[j] - received[i] >= (j - i) / rate - jitter
        await stack.settle()


async def test_lost_callbacks_leave_the_record_the_delivered_ones_imply() -> None:
    ledger = RecordingLedger()
    faults = FaultPlan(loss_rate=0.3, duplicate_rate=0.5, reorder=True, delay_max_seconds=0.3)
    numbers = [f"+1415888{index:04d}" for index in range(6)]
    async with telephony_stack(ledger=ledger, faults=faults) as stack:
        placed = await asyncio.gather(
            *(stack.provider.place_call(request(f"l-{i}", n)) for i, n in enumerate(numbers))
        )
        await stack.settle(timeout=30)
        lost = [cb for cb in stack.simulator.callbacks if cb.lost]
        assert lost, "nothing was lost; the test would prove nothing"
        for call in placed:
            delivered = [
                cb
                for cb in stack.simulator.callbacks
                if cb.params.get("CallSid") == call.call_id and not cb.lost
            ]
            events = [
                stack.provider.parse_event(
                    cb.kind, cb.params, cb.headers, attempt_ref=None, received_at=RECEIVED
                )
                for cb in sorted(
                    delivered, key=lambda cb: int(cb.params.get("SequenceNumber", "99"))
                )
            ]
            expected = replay(call.call_id, [event for event in events if event is not None])
            state = ledger.states.get(call.call_id)
            if state is None:  # every callback of this call was lost
                assert not delivered
                continue
            assert dataclasses.replace(state, amd_at=None) == dataclasses.replace(
                expected, amd_at=None
            )
