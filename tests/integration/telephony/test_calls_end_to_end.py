"""Calls placed through the twilio library against the carrier simulator over HTTP."""

from __future__ import annotations

import asyncio

import pytest

from dialer.telephony import connection_overrides
from dialer.telephony.callstate import CallPhase
from dialer.telephony.carrier_sim import FaultPlan
from dialer.telephony.decisions import FirstFreeRoom
from dialer.telephony.ledger import MemoryCallLedger
from dialer.telephony.provider import (
    AmdVerdict,
    CallPlacementUnknown,
    CallRefused,
    CallRequest,
    EndReason,
    PlacementFailure,
)
from tests.integration.telephony.stack import CALLER_ID, scenario, telephony_stack


def request(ref: str, number: str = "+14155550123") -> CallRequest:
    return CallRequest(attempt_ref=ref, to_number=number, caller_id=CALLER_ID)


async def test_a_call_is_answered_bridged_to_a_rep_talks_and_completes() -> None:
    async with telephony_stack() as stack:
        placed = await stack.provider.place_call(request("a-1"))
        assert placed.call_id.startswith("CA") and len(placed.call_id) == 34
        await stack.settle()

        sim_call = stack.simulator.calls[placed.call_id]
        assert sim_call.status == "completed"
        assert sim_call.rooms == ["rep-1"]
        [leg] = stack.simulator.rooms.legs
        assert (leg.room, leg.call_sid, leg.rep) == ("rep-1", placed.call_id, "sim-rep-rep-1")
        assert sim_call.duration is not None and sim_call.duration >= 3

        state = await stack.ledger.get(placed.call_id)
        assert state is not None
        assert state.phase is CallPhase.ENDED
        assert state.end_reason is EndReason.COMPLETED
        assert state.amd_verdict is AmdVerdict.HUMAN
        assert state.sip_code == 200
        assert state.duration_seconds == sim_call.duration
        stamps = [state.initiated_at, state.ringing_at, state.answered_at, state.ended_at]
        assert all(stamp is not None for stamp in stamps)
        assert stamps == sorted(stamps)  # type: ignore[type-var]
        assert isinstance(stack.ledger, MemoryCallLedger)
        assert stack.ledger.attempt_of(placed.call_id) == "a-1"
        # the rep is free again once the call completed
        assert isinstance(stack.decisions, FirstFreeRoom)
        assert stack.decisions.busy_calls == {}


async def test_calls_are_placed_with_async_amd_status_events_and_a_ring_timeout() -> None:
    async with telephony_stack() as stack:
        placed = await stack.provider.place_call(request("a-2"))
        sim_call = stack.simulator.calls[placed.call_id]
        assert sim_call.machine_detection
        assert sim_call.amd_callback == (
            f"{stack.public_base_url}/telephony/twilio/amd?attempt=a-2#"
            + connection_overrides.CALLBACKS.fragment()
        )
        assert sim_call.status_events == {"initiated", "ringing", "answered", "completed"}
        assert sim_call.ring_timeout >= 15
        assert sim_call.from_ == CALLER_ID
        await stack.settle()


async def test_no_free_rep_means_the_identifying_message_then_hang_up() -> None:
    async with telephony_stack(rooms={}) as stack:
        placed = await stack.provider.place_call(request("a-3"))
        await stack.settle()
        sim_call = stack.simulator.calls[placed.call_id]
        assert sim_call.rooms == []
        assert sim_call.said == ["Example Securities calling; please call us back on 400 000 0000."]
        assert sim_call.status == "completed"
        assert stack.decisions.abandoned == [placed.call_id]


async def test_a_machine_verdict_redirects_the_live_call_and_frees_the_rep() -> None:
    machines = scenario(
        outcomes={"human": 0.0, "machine": 1.0, "busy": 0.0, "no_answer": 0.0, "invalid": 0.0},
        talk_seconds={"dist": "fixed", "value": 30},
        amd={
            "mode": "async",
            "verdict_seconds": {"dist": "fixed", "value": 1},
            "false_machine_rate": 0.0,
            "false_human_rate": 0.0,
        },
    )
    async with telephony_stack(population=machines) as stack:
        placed = await stack.provider.place_call(request("a-4"))
        await stack.settle()
        sim_call = stack.simulator.calls[placed.call_id]
        assert sim_call.rooms == ["rep-1"]  # bridged at answer, before the verdict
        assert sim_call.status == "completed"
        assert sim_call.duration is not None and sim_call.duration < 30  # cut short
        state = await stack.ledger.get(placed.call_id)
        assert state is not None and state.amd_verdict is AmdVerdict.MACHINE
        assert stack.decisions.busy_calls == {}


async def test_unanswered_outcomes_reach_the_state_machine_with_their_sip_codes() -> None:
    for outcome, reason, sip in (
        ("busy", EndReason.BUSY, 486),
        ("no_answer", EndReason.NO_ANSWER, 487),
        ("invalid", EndReason.FAILED, 404),
    ):
        outcomes = dict.fromkeys(("human", "machine", "busy", "no_answer", "invalid"), 0.0)
        outcomes[outcome] = 1.0
        async with telephony_stack(population=scenario(outcomes=outcomes)) as stack:
            placed = await stack.provider.place_call(request(f"u-{outcome}"))
            await stack.settle()
            state = await stack.ledger.get(placed.call_id)
            assert state is not None
            assert (state.end_reason, state.sip_code) == (reason, sip)
            assert state.answered_at is None


async def test_an_invalid_number_is_refused_and_marked_for_retirement() -> None:
    async with telephony_stack() as stack:
        with pytest.raises(CallRefused) as refused:
            await stack.provider.place_call(request("bad", number="+1"))
        assert refused.value.outcome is PlacementFailure.INVALID_NUMBER
        assert refused.value.outcome.retires_number
        assert refused.value.provider_code == 21211
        assert stack.simulator.calls == {}


@pytest.mark.parametrize("fault", ["slow", "error_after_create"])
async def test_an_unconfirmed_create_is_reconciled_not_repeated(fault: str) -> None:
    async with telephony_stack(
        request_timeout_seconds=0.5,
        faults=FaultPlan(next_create_faults=[fault], create_delay_seconds=2.0),  # type: ignore[list-item]
    ) as stack:
        placed = await stack.provider.place_call(request("t-1"))
        assert placed.reconciled
        assert list(stack.simulator.calls) == [placed.call_id]
        assert len(stack.simulator.create_received) == 1
        await stack.settle()


async def test_a_create_that_failed_before_creating_is_not_retried_blindly() -> None:
    async with telephony_stack(faults=FaultPlan(next_create_faults=["error"])) as stack:
        with pytest.raises(CallPlacementUnknown, match="do not redial"):
            await stack.provider.place_call(request("t-2"))
        assert stack.simulator.calls == {}


async def test_rate_limited_creates_are_backed_off_and_retried() -> None:
    faults = FaultPlan(next_create_faults=["rate_limited", "rate_limited"])
    async with telephony_stack(faults=faults) as stack:
        placed = await stack.provider.place_call(request("r-1"))
        assert list(stack.simulator.calls) == [placed.call_id]
        await stack.settle()


async def test_a_queued_call_is_logged_as_a_pacing_warning() -> None:
    from structlog.testing import capture_logs

    async with telephony_stack(account_calls_per_second=1.0, calls_per_second=100) as stack:
        with capture_logs() as logs:
            first = await stack.provider.place_call(request("q-1", "+14155550001"))
            second = await stack.provider.place_call(request("q-2", "+14155550002"))
        assert first.queue_seconds == 0
        assert second.queue_seconds > 0.5
        warnings = [entry for entry in logs if entry["event"] == "call_queued_by_provider"]
        assert [entry["call"] for entry in warnings] == [second.call_id]
        await stack.settle()


async def test_a_machine_gets_the_campaigns_voicemail_when_the_campaign_leaves_one() -> None:
    machines = scenario(
        outcomes={"human": 0.0, "machine": 1.0, "busy": 0.0, "no_answer": 0.0, "invalid": 0.0},
        talk_seconds={"dist": "fixed", "value": 60},
    )
    decisions = FirstFreeRoom(
        {"rep-1": "alice"},
        abandon_message="abandon",
        voicemail_message="Example Securities: please call us back on 400 000 0000.",
    )
    async with telephony_stack(population=machines, decisions=decisions) as stack:
        placed = await stack.provider.place_call(request("v-1"))
        await stack.settle()
        sim_call = stack.simulator.calls[placed.call_id]
        assert sim_call.said == ["Example Securities: please call us back on 400 000 0000."]
        assert sim_call.status == "completed"
        assert decisions.busy_calls == {}


async def test_random_rest_faults_never_place_a_number_twice() -> None:
    # 500s before and after the call was created, and 429s, at random
    faults = FaultPlan(
        server_error_rate=0.3,
        rate_limit_rate=0.2,
        next_create_faults=["error_after_create", "slow", "error_after_create"],
        create_delay_seconds=1.0,
    )
    numbers = [f"+1415999{index:04d}" for index in range(12)]
    async with telephony_stack(faults=faults, request_timeout_seconds=0.5) as stack:
        outcomes = await asyncio.gather(
            *(stack.provider.place_call(request(f"f-{i}", n)) for i, n in enumerate(numbers)),
            return_exceptions=True,
        )
        stack.simulator.faults = FaultPlan()  # let the calls finish cleanly
        per_number = {n: 0 for n in numbers}
        for call in stack.simulator.calls.values():
            per_number[call.to] += 1
        assert max(per_number.values()) <= 1
        for number, outcome in zip(numbers, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                assert isinstance(outcome, CallPlacementUnknown), outcome
            else:
                assert per_number[number] == 1
                assert stack.simulator.calls[outcome.call_id].to == number
        assert any(not isinstance(outcome, BaseException) for outcome in outcomes)
        assert len(stack.simulator.calls) >= 3  # the three created-then-failed ones at least
        await stack.settle()


async def test_hanging_up_a_ringing_call_cancels_it_and_a_second_hang_up_is_harmless() -> None:
    slow_answer = scenario(ring_seconds={"dist": "fixed", "value": 10})
    async with telephony_stack(population=slow_answer, speed=1.0) as stack:
        placed = await stack.provider.place_call(request("h-1"))
        await stack.provider.hang_up(placed.call_id)
        await stack.settle()
        assert stack.simulator.calls[placed.call_id].status == "canceled"
        await stack.provider.hang_up(placed.call_id)
        state = await stack.ledger.get(placed.call_id)
        assert state is not None and state.end_reason is EndReason.CANCELED
