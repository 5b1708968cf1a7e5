"""Answers that arrive together each get a different ready rep: nobody on the line is
abandoned while a rep sits ready, and no rep is given two calls."""

import asyncio
from datetime import UTC, datetime, timedelta

from dialer.engine.loop import CampaignEngine
from dialer.engine.settings import load_campaign
from dialer.events import EventBus
from dialer.floor.sessions import go_ready, log_in
from dialer.routes.campaigns import NewCampaign, create_campaign
from dialer.seed import seed
from dialer.telephony.decisions import AnsweredCall, BridgeToRoom, PlayAndHangUp
from tests.unit.engine.doubles import InstantCarrier

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
REPS = 12


async def test_concurrent_answers_take_distinct_ready_reps_and_none_is_abandoned(pool):
    await seed(pool, accounts=60, seed_value=4)
    campaign_id = await create_campaign(
        pool,
        NewCampaign(
            name="rush", purpose="service", pacing_mode="predictive", caller_id="+862195500000"
        ),
        None,
    )
    settings = await load_campaign(pool, campaign_id, {"abandon_message": "call us back"})
    ticks = iter(NOW + timedelta(milliseconds=n) for n in range(100_000))
    engine = CampaignEngine(pool, InstantCarrier(), EventBus(), lambda: next(ticks), settings)  # type: ignore[arg-type]

    reps = [
        r["user_id"]
        for r in await pool.fetch(
            "SELECT user_id FROM users WHERE role = 'telesales_rep' ORDER BY user_id LIMIT $1",
            REPS,
        )
    ]
    async with pool.acquire() as connection:
        for index, rep in enumerate(reps):
            await log_in(connection, rep, campaign_id, NOW - timedelta(minutes=5))
            await go_ready(connection, rep, NOW - timedelta(seconds=60 - index))
    phones = await pool.fetch(
        "SELECT account_id, phone_id, e164 FROM account_phones ORDER BY phone_id LIMIT $1",
        REPS + 1,
    )
    calls = []
    for index, phone in enumerate(phones):
        attempt_id = await pool.fetchval(
            "INSERT INTO call_attempts (campaign_id, account_id, phone_id, e164, idempotency_key,"
            " status, created_at, answered_at, provider_call_id)"
            " VALUES ($1, $2, $3, $4, $5, 'in_progress', $6, $6, $7) RETURNING call_attempt_id",
            campaign_id,
            phone["account_id"],
            phone["phone_id"],
            phone["e164"],
            f"rush-{index}",
            NOW,
            f"CA{index:032d}",
        )
        calls.append(AnsweredCall(str(attempt_id), f"CA{index:032d}", phone["e164"], "+8621"))

    tries: list[int | None] = []
    reserve = engine.answers.reserve_rep

    async def counted(attempt_id, call_id, now):  # type: ignore[no-untyped-def]
        tries.append(await reserve(attempt_id, call_id, now))
        return tries[-1]

    engine.answers.reserve_rep = counted  # type: ignore[method-assign]
    decisions = await asyncio.gather(*(engine.on_answer(call) for call in calls[:REPS]))
    # each answer got its rep at the first try: none waited while another rep sat ready
    assert len(tries) == REPS and None not in tries
    assert all(isinstance(decision, BridgeToRoom) for decision in decisions)
    assert sorted(int(decision.rep) for decision in decisions) == sorted(reps)  # type: ignore[union-attr]
    on_call = await pool.fetch(
        "SELECT user_id, current_call_attempt_id FROM agent_sessions"
        " WHERE ended_at IS NULL AND state = 'on_call'"
    )
    assert len(on_call) == REPS
    assert len({row["current_call_attempt_id"] for row in on_call}) == REPS
    bridged = await pool.fetchval(
        "SELECT count(DISTINCT agent_user_id) FROM call_attempts WHERE agent_user_id IS NOT NULL"
    )
    assert bridged == REPS

    # one more answer with every rep busy: the firm's message, then hang up
    assert isinstance(await engine.on_answer(calls[REPS]), PlayAndHangUp)
