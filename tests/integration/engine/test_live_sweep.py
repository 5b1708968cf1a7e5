"""The live sweep: a call whose `completed` callback never came (the simulator loses every
one) is looked up at the carrier once it outlasts the talk ceiling, and its end is applied
as the callback would have been: the attempt completes, the number leaves `dialing` by the
retry policy and the bridged rep goes to wrap-up. A call still live is left alone, and an
attempt that ended while its number stayed `dialing` has its number settled."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import asyncpg

from dialer.engine import hopper
from dialer.engine.loop import CampaignEngine
from dialer.engine.settings import load_campaign
from dialer.engine.sweeps import DEFAULT_LIVE_CALL_CEILING, LIVE_SWEEP_GRACE
from dialer.events import EventBus
from dialer.floor.sessions import go_ready, log_in
from dialer.telephony.callstate import Transition
from dialer.telephony.carrier_sim import FaultPlan
from dialer.telephony.decisions import AnswerDecision, AnsweredCall, MachineAction
from dialer.telephony.pg_ledger import PostgresCallLedger
from dialer.telephony.provider import AmdVerdict, CallEvent
from tests.integration.console.world import MORNING, FrozenClock, World, build_world
from tests.integration.telephony.stack import Stack, scenario, telephony_stack

CALLER_ID = "+862195500000"


class EngineDecisions:
    """The webhooks' decisions, answered by the engine built once the provider exists."""

    engine: CampaignEngine | None = None

    def _engine(self) -> CampaignEngine:
        assert self.engine is not None
        return self.engine

    async def on_answer(self, call: AnsweredCall) -> AnswerDecision:
        return await self._engine().on_answer(call)

    async def on_machine(self, call: AnsweredCall, verdict: AmdVerdict) -> MachineAction:
        return await self._engine().on_machine(call, verdict)

    async def on_event(self, event: CallEvent, transition: Transition) -> None:
        await self._engine().on_event(event, transition)


async def _wait_for(pool: asyncpg.Pool, query: str, *args: Any) -> Any:
    for _ in range(400):
        value = await pool.fetchval(query, *args)
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"never true: {query} {args}")


@contextlib.asynccontextmanager
async def dial_one(
    pool: asyncpg.Pool, talk_seconds: float
) -> AsyncIterator[tuple[World, CampaignEngine, Stack, FrozenClock, int]]:
    world = await build_world(pool, customers=1)
    await pool.execute(
        "UPDATE campaigns SET caller_id = $2 WHERE campaign_id = $1", world.campaign_id, CALLER_ID
    )
    clock = FrozenClock(MORNING)
    async with pool.acquire() as connection:
        await hopper.load_numbers(connection, world.campaign_id, MORNING)
        await log_in(connection, world.rep_id, world.campaign_id, MORNING - timedelta(minutes=5))
        await go_ready(connection, world.rep_id, MORNING - timedelta(minutes=1))
    campaign = await load_campaign(pool, world.campaign_id, {"abandon_message": "Call us back."})
    ledger = PostgresCallLedger(pool, "twilio")
    decisions = EngineDecisions()
    population = scenario(talk_seconds={"dist": "fixed", "value": talk_seconds})
    async with telephony_stack(
        population=population,
        faults=FaultPlan(lose_events=["completed"]),
        ledger=ledger,
        decisions=decisions,
    ) as stack:
        engine = CampaignEngine(pool, stack.provider, EventBus(), clock, campaign, ledger=ledger)
        decisions.engine = engine
        (number,) = await hopper.claim(pool, world.campaign_id, MORNING, 1, engine.engine_id)
        async with pool.acquire() as connection:
            attempt_id = await hopper.start_attempt(
                connection, number, engine.engine_id, MORNING, None
            )
        assert attempt_id is not None
        await engine.place(attempt_id, number)
        # the callee is bridged to the rep (the answer webhook, on the engine's clock)
        await _wait_for(
            pool,
            "SELECT agent_user_id FROM call_attempts WHERE call_attempt_id = $1",
            attempt_id,
        )
        yield world, engine, stack, clock, attempt_id


async def _state(pool: asyncpg.Pool, attempt_id: int) -> asyncpg.Record:
    return await pool.fetchrow(
        "SELECT c.status, c.outcome, c.end_reason, n.state AS number_state, n.last_outcome,"
        " s.state AS rep_state"
        " FROM call_attempts c JOIN campaign_numbers n USING (campaign_id, phone_id)"
        " JOIN agent_sessions s ON s.user_id = c.agent_user_id AND s.ended_at IS NULL"
        " WHERE c.call_attempt_id = $1",
        attempt_id,
    )


async def test_a_lost_completed_callback_is_recovered_by_the_sweep(pool):
    async with dial_one(pool, 3) as (world, engine, stack, clock, attempt_id):
        await stack.settle()  # the call has ended at the carrier; its `completed` was lost
        call_id = await pool.fetchval(
            "SELECT provider_call_id FROM call_attempts WHERE call_attempt_id = $1", attempt_id
        )
        assert stack.simulator.calls[call_id].status == "completed"
        (lost,) = [c for c in stack.simulator.callbacks if c.lost]
        assert lost.params["CallStatus"] == "completed"
        before = await _state(pool, attempt_id)
        assert (before["status"], before["number_state"], before["rep_state"]) == (
            "in_progress",
            "dialing",
            "on_call",
        )
        ring = timedelta(seconds=engine.campaign.ring_seconds)

        # answered and within the talk ceiling: not looked up
        clock.advance((ring + LIVE_SWEEP_GRACE).total_seconds() + 1)
        assert await engine.reconcile_live(clock()) == 0
        assert (await _state(pool, attempt_id))["status"] == "in_progress"

        now = clock.advance(DEFAULT_LIVE_CALL_CEILING.total_seconds())
        assert await engine.reconcile_live(now) == 1
        after = await _state(pool, attempt_id)
        assert (after["status"], after["end_reason"], after["outcome"]) == (
            "completed",
            "completed",
            "connected",
        )
        assert after["number_state"] in ("pending", "done")
        assert after["last_outcome"] == "connected"
        assert after["rep_state"] == "wrap_up"
        # the one-live-call-per-number index no longer holds the number
        assert not await pool.fetchval(
            "SELECT count(*) FROM call_attempts WHERE call_attempt_id = $1"
            " AND status IN ('created', 'queued', 'initiated', 'ringing', 'in_progress')",
            attempt_id,
        )
        # stored under the completed callback's own key: the real one, arriving late, is a
        # duplicate and changes nothing
        assert await pool.fetchval(
            "SELECT count(*) FROM provider_callbacks WHERE dedupe_key = $1", f"{call_id}:end"
        )
        await stack.simulator._send("status", lost.url, lost.params, "late-token")
        assert stack.simulator.callbacks[-1].http_status == 204
        assert await _state(pool, attempt_id) == after
        # nothing is left to sweep
        assert await engine.reconcile_live(clock.advance(30)) == 0
        assert world.rep_id == await pool.fetchval(
            "SELECT agent_user_id FROM call_attempts WHERE call_attempt_id = $1", attempt_id
        )


async def test_a_call_still_live_is_left_alone(pool):
    async with dial_one(pool, 100_000) as (_world, engine, stack, clock, attempt_id):
        call_id = await pool.fetchval(
            "SELECT provider_call_id FROM call_attempts WHERE call_attempt_id = $1", attempt_id
        )
        assert stack.simulator.calls[call_id].status == "in-progress"
        lookups: list[CallEvent | None] = []
        find = stack.provider.find_call_by_id

        async def counted(call_id: str, *, attempt_ref: str) -> CallEvent | None:
            lookups.append(await find(call_id, attempt_ref=attempt_ref))
            return lookups[-1]

        stack.provider.find_call_by_id = counted  # type: ignore[method-assign]
        ring = timedelta(seconds=engine.campaign.ring_seconds)
        now = clock.advance((ring + DEFAULT_LIVE_CALL_CEILING).total_seconds() + 1)
        # looked up (past the ceiling) and found still talking: nothing changes
        assert await engine.reconcile_live(now) == 0
        assert lookups == [None]
        state = await _state(pool, attempt_id)
        assert (state["status"], state["number_state"], state["rep_state"]) == (
            "in_progress",
            "dialing",
            "on_call",
        )
        await stack.provider.hang_up(call_id)
        await stack.settle()


async def test_an_ended_attempt_left_dialing_is_settled(pool):
    """The callback was stored but the settle after it failed: the number stays `dialing`
    and the rep on the call, until the sweep frees both."""
    world = await build_world(pool, customers=1)
    await pool.execute(
        "UPDATE campaigns SET caller_id = $2 WHERE campaign_id = $1", world.campaign_id, CALLER_ID
    )
    clock = FrozenClock(MORNING)
    async with pool.acquire() as connection:
        await hopper.load_numbers(connection, world.campaign_id, MORNING)
        await log_in(connection, world.rep_id, world.campaign_id, MORNING - timedelta(minutes=5))
        await go_ready(connection, world.rep_id, MORNING - timedelta(minutes=1))
    campaign = await load_campaign(pool, world.campaign_id, {"abandon_message": "Call us back."})
    engine = CampaignEngine(pool, _NoLookups(), EventBus(), clock, campaign)  # type: ignore[arg-type]
    (number,) = await hopper.claim(pool, world.campaign_id, MORNING, 1, engine.engine_id)
    async with pool.acquire() as connection:
        attempt_id = await hopper.start_attempt(connection, number, engine.engine_id, MORNING, None)
        assert attempt_id is not None
        await connection.execute(
            "UPDATE call_attempts SET provider_call_id = 'CA' || repeat('e', 32),"
            " status = 'busy', end_reason = 'busy', ended_at = $2 WHERE call_attempt_id = $1",
            attempt_id,
            MORNING + timedelta(seconds=20),
        )
    # inside the grace the callback's own settle may still be running
    assert await engine.reconcile_live(clock.advance(60)) == 0
    assert await engine.reconcile_live(clock.advance(LIVE_SWEEP_GRACE.total_seconds())) == 1
    row = await pool.fetchrow(
        "SELECT n.state, n.last_outcome, c.outcome FROM campaign_numbers n"
        " JOIN call_attempts c USING (campaign_id, phone_id) WHERE c.call_attempt_id = $1",
        attempt_id,
    )
    assert (row["state"], row["last_outcome"], row["outcome"]) == ("pending", "busy", "busy")
    assert await engine.reconcile_live(clock.advance(30)) == 0


class _NoLookups:
    name = "twilio"

    class limits:  # noqa: N801
        calls_per_second = 5.0
        max_concurrent_calls = None

    def is_placing(self, attempt_ref: str) -> bool:
        return False

    async def find_call_by_id(self, call_id: str, *, attempt_ref: str) -> CallEvent | None:
        raise AssertionError("an ended attempt is never looked up")
