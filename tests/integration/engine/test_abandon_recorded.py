"""An abandon is stored by the answer decision itself, before the firm's message is
returned: when the webhook's deferred write fails (or the process dies after replying),
the call still counts as abandoned, its number is locked for the abandon lock and the
governor hears of it. A finished call answered by a person that no rep took is abandoned
even if nothing wrote it down."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from campaigns.retry import RetryPolicy
from dialer.engine import hopper
from dialer.engine.loop import CampaignEngine
from dialer.engine.settings import load_campaign
from dialer.events import EventBus
from dialer.telephony.pg_ledger import PostgresCallLedger
from dialer.telephony.webhooks import TelephonyWebhooks
from tests.integration.console.world import MORNING, FrozenClock, build_world
from tests.integration.telephony.test_provider_registry import SECRET, EchoProvider


class LedgerThatCannotRecordAnswers(PostgresCallLedger):
    """The webhook's write after the reply fails (a dropped connection, a crash)."""

    async def record_answer(
        self, call_id: str, attempt_ref: str | None, room: str | None, at: datetime
    ) -> None:
        raise OSError("connection lost after the reply")


async def _engine_with_two_dials(
    pool: asyncpg.Pool, clock: FrozenClock
) -> tuple[CampaignEngine, list[int]]:
    world = await build_world(pool)
    await pool.execute(
        "UPDATE campaigns SET caller_id = '+862195500000' WHERE campaign_id = $1",
        world.campaign_id,
    )
    async with pool.acquire() as connection:
        await hopper.load_numbers(connection, world.campaign_id, MORNING)
    campaign = await load_campaign(pool, world.campaign_id, {"abandon_message": "Call us back."})
    # nobody is ready (the world's rep is not logged in): every answer is abandoned at once
    engine = CampaignEngine(
        pool, EchoProvider(), EventBus(), clock, campaign, connect_threshold_seconds=0.0
    )
    claimed = await hopper.claim(pool, world.campaign_id, MORNING, 2, engine.engine_id)
    attempts = []
    async with pool.acquire() as connection:
        for index, number in enumerate(claimed):
            attempt_id = await hopper.start_attempt(
                connection, number, engine.engine_id, MORNING, None
            )
            assert attempt_id is not None
            await connection.execute(
                "UPDATE call_attempts SET provider = 'echo', provider_call_id = $2,"
                " status = 'ringing' WHERE call_attempt_id = $1",
                attempt_id,
                f"echo-call-{index}",
            )
            attempts.append(attempt_id)
    return engine, attempts


def _hangup(call_id: str, at: datetime) -> dict[str, str | int]:
    return {
        "call_id": call_id,
        "event": "hangup",
        "event_id": f"{call_id}-end",
        "reason": "completed",
        "seconds": 9,
        "at": at.isoformat(),
    }


async def test_an_abandon_counts_when_the_deferred_write_fails(pool: asyncpg.Pool) -> None:
    clock = FrozenClock(MORNING)
    engine, (attempt_id, _other) = await _engine_with_two_dials(pool, clock)
    seen: list[bool] = []
    observe = engine.pacer.observe_person
    engine.pacer.observe_person = lambda at, abandoned: (  # type: ignore[method-assign]
        seen.append(abandoned),
        observe(at, abandoned),
    )[-1]
    provider = engine.provider
    webhooks = TelephonyWebhooks(
        provider, "http://service.test", LedgerThatCannotRecordAnswers(pool, "echo"), engine
    )
    app = web.Application()
    webhooks.add_routes(app)
    async with TestClient(TestServer(app)) as client:
        response = await client.post(
            f"/telephony/echo/answer?attempt={attempt_id}",
            json={"call_id": "echo-call-0", "to": "+8613800000000", "from": "+862195500000"},
            headers={"X-Echo-Secret": SECRET},
        )
        assert response.status == 200
        assert (await response.json())["action"] == "say"
        await webhooks.drain()  # the deferred write ran, and failed
        # stored by the decision, before the message went back
        assert await pool.fetchval(
            "SELECT abandoned FROM call_attempts WHERE call_attempt_id = $1", attempt_id
        )
        end = clock.advance(10)
        response = await client.post(
            f"/telephony/echo/status?attempt={attempt_id}",
            json=_hangup("echo-call-0", end),
            headers={"X-Echo-Secret": SECRET},
        )
        assert response.status == 204
    row = await pool.fetchrow(
        "SELECT c.outcome, c.abandoned, n.state, n.next_attempt_at FROM call_attempts c"
        " JOIN campaign_numbers n USING (campaign_id, phone_id) WHERE c.call_attempt_id = $1",
        attempt_id,
    )
    assert (row["outcome"], row["abandoned"], row["state"]) == ("abandoned", True, "pending")
    assert row["next_attempt_at"] >= end + RetryPolicy().abandoned_lock - timedelta(seconds=1)
    assert seen == [True]


async def test_a_person_answered_call_no_rep_took_is_abandoned_even_unrecorded(
    pool: asyncpg.Pool,
) -> None:
    clock = FrozenClock(MORNING)
    engine, (_first, attempt_id) = await _engine_with_two_dials(pool, clock)
    ledger = PostgresCallLedger(pool, "echo")
    # the process died between the answer and any write: answered, no rep, no abandon flag
    await pool.execute(
        "UPDATE call_attempts SET status = 'in_progress', answered_at = $2"
        " WHERE call_attempt_id = $1",
        attempt_id,
        clock.advance(5),
    )
    provider = engine.provider
    event = provider.parse_event(
        "status",
        {key: str(value) for key, value in _hangup("echo-call-1", clock.advance(10)).items()},
        {},
        attempt_ref=str(attempt_id),
        received_at=clock(),
    )
    assert event is not None
    await engine.on_event(event, await ledger.apply(event))
    row = await pool.fetchrow(
        "SELECT c.outcome, c.abandoned, n.state FROM call_attempts c"
        " JOIN campaign_numbers n USING (campaign_id, phone_id) WHERE c.call_attempt_id = $1",
        attempt_id,
    )
    # counted (figures read `abandoned`), and the number locked, not retried as a machine
    assert (row["outcome"], row["abandoned"], row["state"]) == ("abandoned", True, "pending")
