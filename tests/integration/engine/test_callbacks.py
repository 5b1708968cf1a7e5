"""A callback a rep schedules is dialled: the disposition puts the number back in the
campaign's queue (due at the callback's time, owned by the rep) in its own transaction,
whichever comes first of it and the call's end; once due the engine claims it before any
other number, marks the callback dialled by the attempt, and routes the answer to its
owner; my day counts only callbacks still to be dialled; a number the gate refuses by
then is blocked with its reason, and so is its callback. The clock is the test's."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from dialer.compliance.opt_outs import add_opt_out
from dialer.console.stats import my_day
from dialer.engine import hopper
from dialer.engine.loop import CampaignEngine
from dialer.engine.settings import load_campaign
from dialer.events import EventBus
from dialer.floor.dispositions import DispositionInput, record_disposition
from dialer.floor.sessions import go_ready, log_in
from dialer.http import Role
from tests.helpers import make_user
from tests.integration.console.world import MORNING, FrozenClock, World, build_world
from tests.unit.engine.doubles import InstantCarrier

SHANGHAI = ZoneInfo("Asia/Shanghai")
# the rep books the customer for tomorrow 10:00 their time (MORNING is today 10:00)
DUE = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)


async def _engine(pool: asyncpg.Pool, world: World, clock: FrozenClock) -> CampaignEngine:
    await pool.execute(
        "UPDATE campaigns SET caller_id = '+862195500000' WHERE campaign_id = $1",
        world.campaign_id,
    )
    async with pool.acquire() as connection:
        await hopper.load_numbers(connection, world.campaign_id, MORNING)
    settings = await load_campaign(pool, world.campaign_id, {"abandon_message": "call us"})
    return CampaignEngine(pool, InstantCarrier(), EventBus(), clock, settings)  # type: ignore[arg-type]


async def _launch_one(engine: CampaignEngine, now: datetime) -> int:
    assert await engine.launch(1, now) == 1
    await asyncio.gather(*list(engine.placing))
    attempt_id: int = await engine.pool.fetchval(
        "SELECT max(call_attempt_id) FROM call_attempts WHERE campaign_id = $1",
        engine.campaign.campaign_id,
    )
    return attempt_id


async def _answer(engine: CampaignEngine, attempt_id: int, now: datetime) -> int | None:
    await engine.pool.execute(
        "UPDATE call_attempts SET status = 'in_progress', answered_at = $2, answered_by = 'human'"
        " WHERE call_attempt_id = $1",
        attempt_id,
        now,
    )
    return await engine.answers.reserve_rep(attempt_id, f"CA{attempt_id:0>32}", now)


async def _end(engine: CampaignEngine, attempt_id: int, now: datetime) -> None:
    """The customer hung up: the completed callback, then the engine's settle."""
    await engine.pool.execute(
        "UPDATE call_attempts SET status = 'completed', ended_at = $2, bridged_at = answered_at"
        " WHERE call_attempt_id = $1",
        attempt_id,
        now,
    )
    ended = await engine.store.ended_attempt(f"CA{attempt_id:0>32}")
    assert ended is not None
    await engine.settle(attempt_id, ended.outcome, now)


async def _callback(pool: asyncpg.Pool, rep: int, attempt_id: int, now: datetime) -> int:
    async with pool.acquire() as connection:
        recorded = await record_disposition(
            connection,
            rep,
            DispositionInput(
                call_attempt_id=attempt_id,
                code="CALLBACK",
                idempotency_key=f"cb-{attempt_id}",
                note="call back tomorrow morning",
                callback_local=DUE.replace(tzinfo=None),
            ),
            now,
        )
    assert recorded.callback_id is not None
    return recorded.callback_id


async def _number(pool: asyncpg.Pool, attempt_id: int) -> asyncpg.Record:
    return await pool.fetchrow(
        "SELECT n.* FROM campaign_numbers n JOIN call_attempts c USING (campaign_id, phone_id)"
        " WHERE c.call_attempt_id = $1",
        attempt_id,
    )


async def _reps(pool: asyncpg.Pool, world: World) -> int:
    """The world's rep and another one, both ready; the world's rep longest idle."""
    other = await make_user(pool, Role.TELESALES_REP, "rep-zhao")
    async with pool.acquire() as connection:
        for rep, ready_at in ((world.rep_id, 120), (other, 60)):
            await log_in(connection, rep, world.campaign_id, MORNING - timedelta(minutes=5))
            await go_ready(connection, rep, MORNING - timedelta(seconds=ready_at))
    return other


@pytest.mark.parametrize("disposition_first", [True, False], ids=["before-end", "after-end"])
async def test_a_scheduled_callback_is_dialled_first_when_due_and_routed_to_its_rep(
    pool, disposition_first
):
    world = await build_world(pool, customers=3)
    clock = FrozenClock(MORNING)
    engine = await _engine(pool, world, clock)
    other = await _reps(pool, world)

    # today 10:00: the first call reaches the world's rep (longest idle), who books a callback
    first = await _launch_one(engine, MORNING)
    assert await _answer(engine, first, MORNING) == world.rep_id
    talked = MORNING + timedelta(minutes=3)
    if disposition_first:
        callback_id = await _callback(pool, world.rep_id, first, talked)
        assert (await _number(pool, first))["state"] == "dialing"  # the call is still live
        await _end(engine, first, talked + timedelta(seconds=5))
    else:
        await _end(engine, first, talked)
        assert (await _number(pool, first))["state"] == "done"  # CONNECTED: no retry
        callback_id = await _callback(pool, world.rep_id, first, talked + timedelta(seconds=5))

    number = await _number(pool, first)
    assert number["state"] == "pending"
    assert number["next_attempt_at"] == DUE
    assert number["callback_due_at"] == DUE
    assert number["callback_owner"] == world.rep_id
    assert number["callback_id"] == callback_id
    assert number["call_attempt_id"] is None
    assert await pool.fetchval(
        "SELECT status FROM callbacks WHERE callback_id = $1", callback_id
    ) == ("scheduled")
    async with pool.acquire() as connection:
        await go_ready(connection, world.rep_id, talked + timedelta(seconds=30))
    assert (await my_day(pool, world.rep_id, talked)).callbacks_due == 0  # due tomorrow

    # tomorrow 09:59: the other numbers are due, the callback is not
    early = DUE - timedelta(minutes=1)
    assert (await my_day(pool, world.rep_id, early)).callbacks_due == 1
    claimed = await hopper.claim(pool, world.campaign_id, early, 10, "probe")
    assert len(claimed) == 2 and number["phone_id"] not in {n.phone_id for n in claimed}
    await hopper.release_expired_leases(pool, early + timedelta(minutes=5))

    # tomorrow 10:00:05: one line to dial, and the callback is the number it takes
    due = DUE + timedelta(seconds=5)
    clock.now = due
    second = await _launch_one(engine, due)
    assert (await _number(pool, second))["phone_id"] == number["phone_id"]
    dialled = await pool.fetchrow(
        "SELECT status, call_attempt_id FROM callbacks WHERE callback_id = $1", callback_id
    )
    assert (dialled["status"], dialled["call_attempt_id"]) == ("dialled", second)
    assert (await my_day(pool, world.rep_id, due)).callbacks_due == 0
    # the other rep has been idle longest since, but the owner takes their callback
    assert await _answer(engine, second, due) == world.rep_id
    assert await pool.fetchval(
        "SELECT state FROM agent_sessions WHERE user_id = $1 AND ended_at IS NULL", other
    ) == ("ready")

    # the callback's call ends like any other: the number is done, the callback spent
    await _end(engine, second, due + timedelta(minutes=2))
    number = await _number(pool, second)
    assert number["state"] == "done"
    assert (number["callback_due_at"], number["callback_owner"], number["callback_id"]) == (
        None,
        None,
        None,
    )


async def test_a_callback_the_gate_refuses_by_its_time_is_blocked_with_the_reason(pool):
    world = await build_world(pool, customers=2)
    clock = FrozenClock(MORNING)
    engine = await _engine(pool, world, clock)
    await _reps(pool, world)
    first = await _launch_one(engine, MORNING)
    assert await _answer(engine, first, MORNING) == world.rep_id
    callback_id = await _callback(pool, world.rep_id, first, MORNING + timedelta(minutes=2))
    await _end(engine, first, MORNING + timedelta(minutes=3))

    # that evening the customer asks the firm, by another channel, never to call again
    e164 = (await _number(pool, first))["e164"]
    async with pool.acquire() as connection:
        await add_opt_out(connection, e164, "phone", MORNING + timedelta(hours=8))

    due = DUE + timedelta(seconds=5)
    clock.now = due
    claimed_before = await pool.fetchval("SELECT count(*) FROM audit_log")
    await engine.launch(1, due)
    number = await _number(pool, first)
    assert number["state"] == "blocked"
    assert "do-not-call" in number["reason"].lower() or "dnc" in number["reason"].lower()
    callback = await pool.fetchrow(
        "SELECT status, reason, call_attempt_id FROM callbacks WHERE callback_id = $1", callback_id
    )
    assert callback["status"] == "blocked" and callback["reason"] == number["reason"]
    assert callback["call_attempt_id"] is None
    assert await pool.fetchval(  # the gate's decision is audited like any dial's
        "SELECT count(*) FROM audit_log WHERE audit_id > $1 AND detail::text LIKE '%BLOCK%'",
        claimed_before,
    )
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM call_attempts WHERE campaign_id = $1 AND e164 = $2",
            world.campaign_id,
            e164,
        )
        == 1
    )
    assert (await my_day(pool, world.rep_id, due)).callbacks_due == 0


async def test_a_campaign_routing_callbacks_to_anyone_queues_them_without_an_owner(pool):
    world = await build_world(pool, customers=1)
    await pool.execute(
        'UPDATE campaigns SET pacing = pacing || \'{"callback_routing": "anyone"}\''
        " WHERE campaign_id = $1",
        world.campaign_id,
    )
    clock = FrozenClock(MORNING)
    engine = await _engine(pool, world, clock)
    await _reps(pool, world)
    first = await _launch_one(engine, MORNING)
    assert await _answer(engine, first, MORNING) == world.rep_id
    callback_id = await _callback(pool, world.rep_id, first, MORNING + timedelta(minutes=2))
    await _end(engine, first, MORNING + timedelta(minutes=3))
    number = await _number(pool, first)
    assert (number["state"], number["callback_due_at"], number["callback_owner"]) == (
        "pending",
        DUE,
        None,
    )
    assert (
        await pool.fetchval(
            "SELECT owner_user_id FROM callbacks WHERE callback_id = $1", callback_id
        )
        is None
    )
