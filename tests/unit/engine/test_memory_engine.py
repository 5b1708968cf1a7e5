"""The live engine's decisions on the memory store: no PostgreSQL, a fake provider.

The pacer decides, the abandon budget counted over the store's calls caps it, the
hopper's numbers are claimed, gated and placed; answers go to the longest-idle ready rep
or are abandoned; a finished attempt's number is queued again by the retry policy.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from campaigns.agents import RepState
from campaigns.pacing import PacingMode
from campaigns.retry import CallOutcome
from compliance.models import Decision, Verdict
from dialer.engine.loop import CampaignEngine
from dialer.engine.memory_rows import MemoryNumber, MemoryRepSession
from dialer.engine.memory_store import MemoryEngineStore
from dialer.engine.settings import CampaignSettings
from dialer.events import EventBus
from dialer.telephony.decisions import AnsweredCall, BridgeToRoom, PlayAndHangUp
from tests.unit.engine.doubles import InstantCarrier, campaign_settings

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
CAMPAIGN = 7
REPS = 10


def _campaign() -> CampaignSettings:
    return campaign_settings(
        campaign_id=CAMPAIGN,
        pacing_mode=PacingMode.POWER,
        shift_end=time(21, 0),
        time_zone=ZoneInfo("Asia/Shanghai"),
    )


def _store(*, persons: int, abandoned: int, ready_reps: int = REPS) -> MemoryEngineStore:
    """A floor of ready reps, 60 numbers queued, and this morning's person-answers."""
    store = MemoryEngineStore()
    for user_id in range(1, ready_reps + 1):
        store.log_in(
            MemoryRepSession(user_id, CAMPAIGN, RepState.READY, NOW - timedelta(minutes=user_id))
        )
    for phone_id in range(1, 61):
        store.queue(MemoryNumber(CAMPAIGN, phone_id, 1000 + phone_id, f"+86138{phone_id:08d}", NOW))
    for index in range(persons):
        at = NOW - timedelta(minutes=90) + timedelta(seconds=10 * index)
        store.add_attempt(
            campaign_id=CAMPAIGN,
            account_id=5000 + index,
            phone_id=5000 + index,
            e164=f"+86139{index:08d}",
            created_at=at,
            status="completed",
            answered_at=at,
            answered_by="human",
            ended_at=at + timedelta(seconds=60),
            abandoned=index < abandoned,
            agent_user_id=None if index < abandoned else 1,
        )
    return store


def _engine(store: MemoryEngineStore, carrier: InstantCarrier, **options: object) -> CampaignEngine:
    unused: object = None
    return CampaignEngine(
        unused,  # type: ignore[arg-type]
        carrier,  # type: ignore[arg-type]
        EventBus(),
        lambda: NOW,
        _campaign(),
        store=store,
        **options,  # type: ignore[arg-type]
    )


async def test_the_abandon_budget_caps_a_power_launch() -> None:
    # 400 persons this morning, 2 abandoned: floor(2.5% of 400) - 2 = 8 more may abandon
    store = _store(persons=400, abandoned=2)
    carrier = InstantCarrier("memory", calls_per_second=50.0)
    engine = _engine(store, carrier)
    await engine.warm_up()
    assert await engine.abandon_budget(NOW) == 8

    launched = await engine.tick()
    await engine.launching.drain()

    # 2 lines per ready rep would be 20 calls, 10 beyond the reps: 8 may abandon, so 18
    assert launched == 18
    assert engine.figures.last_decision.startswith("power: ")
    assert engine.figures.last_decision.endswith("; abandon budget 8: capped at 18")
    assert len(carrier.placed) == 18
    dialing = [n for n in store.numbers.values() if n.state == "dialing"]
    assert len(dialing) == 18
    placed = [store.attempts[n.call_attempt_id or 0] for n in dialing]
    assert all(a.status == "queued" and a.provider_call_id for a in placed)
    assert engine.figures.launched == 18


async def test_within_the_budget_the_pacer_decides_alone() -> None:
    store = _store(persons=400, abandoned=0)  # floor(10) - 0: all 10 beyond the reps fit
    carrier = InstantCarrier("memory", calls_per_second=50.0)
    engine = _engine(store, carrier)
    await engine.warm_up()

    assert await engine.tick() == 20
    await engine.launching.drain()
    assert "abandon budget" not in engine.figures.last_decision
    # the calls in flight are counted on the next tick: nothing more to launch
    assert await engine.tick() == 0


async def test_a_new_campaign_dials_one_line_per_ready_rep() -> None:
    store = _store(persons=0, abandoned=0)
    engine = _engine(store, InstantCarrier("memory", calls_per_second=50.0))
    await engine.warm_up()
    assert await engine.abandon_budget(NOW) == 0
    assert await engine.tick() == REPS
    assert engine.figures.last_decision.startswith("power: progressive fallback")


async def test_the_gate_decides_each_number() -> None:
    store = _store(persons=0, abandoned=0, ready_reps=3)
    blocked = Decision(
        verdict=Verdict.BLOCK,
        rules=("CN-X",),
        reason="on the register",
        rule_set_version="t",
        decided_at=NOW,
    )
    store.decisions[1] = blocked
    engine = _engine(store, InstantCarrier("memory", calls_per_second=50.0))
    assert await engine.launch(3, NOW) == 2
    assert store.numbers[CAMPAIGN, 1].state == "blocked"
    assert engine.figures.blocked == 1


async def test_an_answer_goes_to_the_longest_idle_rep_then_abandons() -> None:
    store = _store(persons=0, abandoned=0, ready_reps=2)
    engine = _engine(
        store, InstantCarrier("memory", calls_per_second=50.0), connect_threshold_seconds=0.0
    )
    assert await engine.launch(3, NOW) == 3
    await engine.launching.drain()
    calls = [
        AnsweredCall(str(a.call_attempt_id), a.provider_call_id or "", a.e164, "+8621")
        for a in sorted(store.attempts.values(), key=lambda a: a.call_attempt_id)
    ]
    first = await engine.on_answer(calls[0])
    second = await engine.on_answer(calls[1])
    # rep 2 logged in first (idle longest), then rep 1
    assert first == BridgeToRoom(room="rep-2", rep="2")
    assert second == BridgeToRoom(room="rep-1", rep="1")
    assert store.reps[2].state is RepState.ON_CALL
    assert isinstance(await engine.on_answer(calls[2]), PlayAndHangUp)
    assert store.attempts[int(calls[2].attempt_ref or 0)].abandoned
    # a repeated answer webhook keeps its rep
    assert await engine.on_answer(calls[0]) == first


@pytest.mark.parametrize(
    ("outcome", "delay"),
    [(CallOutcome.NO_ANSWER, timedelta(hours=2)), (CallOutcome.ABANDONED, timedelta(hours=72))],
)
async def test_a_finished_attempt_is_queued_again_by_the_retry_policy(
    outcome: CallOutcome, delay: timedelta
) -> None:
    store = _store(persons=0, abandoned=0, ready_reps=1)
    engine = _engine(store, InstantCarrier("memory", calls_per_second=50.0))
    assert await engine.launch(1, NOW) == 1
    await engine.launching.drain()
    (attempt,) = store.attempts.values()
    await engine.settle(attempt.call_attempt_id, outcome, NOW)
    number = store.numbers[CAMPAIGN, attempt.phone_id]
    assert (number.state, number.next_attempt_at) == ("pending", NOW + delay)
    assert attempt.outcome == outcome.value


class ShuttingDownStore(MemoryEngineStore):
    """A store whose database is shutting down for the first `failures` ticks."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures
        self.ticks = 0

    async def release_expired_leases(self, now: datetime) -> int:
        self.ticks += 1
        if self.ticks <= self.failures:
            raise asyncpg.exceptions.CannotConnectNowError("the database system is shutting down")
        return await super().release_expired_leases(now)


async def test_a_database_shutting_down_does_not_end_the_engine_loop() -> None:
    """PostgreSQL stopping answers 57P03 for a moment: the loop waits it out and ticks on
    (it once ended the loop, and its worker never dialled again)."""
    store = ShuttingDownStore(failures=3)
    engine = _engine(store, InstantCarrier(), tick_seconds=0.001)
    stop = asyncio.Event()
    running = asyncio.create_task(engine.run(stop))

    async def ticked_past_the_outage() -> None:
        while store.ticks <= store.failures + 2:
            await asyncio.sleep(0.001)

    await asyncio.wait_for(ticked_past_the_outage(), timeout=10)
    assert not running.done()
    stop.set()
    await asyncio.wait_for(running, timeout=10)
    assert running.exception() is None
