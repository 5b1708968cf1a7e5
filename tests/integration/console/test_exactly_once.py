"""A disposition is recorded exactly once, whatever the button presses and retries."""

from __future__ import annotations

import asyncio

from structlog.testing import capture_logs

from tests.integration.console.world import build_world, connect_call


async def _logged_in_on_a_call(client, pool, clock, account_index: int = 0):
    world = await build_world(pool)
    h = world.rep_headers
    await client.post("/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h)
    await client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
    call = await connect_call(pool, None, world, world.accounts[account_index], clock.advance(1))
    return world, call


async def test_a_retry_with_the_same_key_returns_the_first_and_changes_nothing(
    console_client, pool, clock
):
    world, call = await _logged_in_on_a_call(console_client, pool, clock)
    body = {
        "call_attempt_id": call,
        "code": "WARM",
        "idempotency_key": "press-once-please",
        "interest": "融资融券",
        "note": "想了解两融",
    }
    first = await console_client.post(
        "/api/v1/console/dispositions", json=body, headers=world.rep_headers
    )
    assert first.status == 201
    clock.advance(2)
    retry = await console_client.post(
        "/api/v1/console/dispositions", json=body, headers=world.rep_headers
    )
    assert retry.status == 200
    one, two = await first.json(), await retry.json()
    assert two["replayed"] is True and one["replayed"] is False
    assert two["disposition_id"] == one["disposition_id"]
    assert two["lead_id"] == one["lead_id"] is not None
    assert await pool.fetchval("SELECT count(*) FROM dispositions") == 1
    assert await pool.fetchval("SELECT count(*) FROM leads") == 1
    assert await pool.fetchval("SELECT count(*) FROM lead_events") == await pool.fetchval(
        "SELECT count(*) FROM lead_events WHERE lead_id = $1", one["lead_id"]
    )
    # the retry did not move the rep again: one wrap-up only
    assert (
        await pool.fetchval("SELECT count(*) FROM agent_state_changes WHERE to_state = 'wrap_up'")
        == 1
    )


async def test_a_double_press_sent_at_once_records_one_disposition(console_client, pool, clock):
    world, call = await _logged_in_on_a_call(console_client, pool, clock)
    body = {
        "call_attempt_id": call,
        "code": "DNC",
        "idempotency_key": "double-press-dnc",
    }
    with capture_logs() as logs:
        responses = await asyncio.gather(
            *(
                console_client.post(
                    "/api/v1/console/dispositions", json=body, headers=world.rep_headers
                )
                for _ in range(6)
            )
        )
    recorded = [e for e in logs if e["event"] == "disposition_recorded"]
    assert len(recorded) == 1 and recorded[0]["dnc"] is True
    assert world.phones[world.accounts[0]] not in str(logs)  # numbers never reach the logs
    statuses = sorted(r.status for r in responses)
    assert statuses == [200] * 5 + [201]
    ids = {(await r.json())["disposition_id"] for r in responses}
    assert len(ids) == 1
    assert await pool.fetchval("SELECT count(*) FROM dispositions") == 1
    assert await pool.fetchval("SELECT count(*) FROM dnc_entries") == 1
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE kind = 'dnc_added'") == 1


async def test_a_second_outcome_for_the_same_call_is_refused(console_client, pool, clock):
    world, call = await _logged_in_on_a_call(console_client, pool, clock)
    first = await console_client.post(
        "/api/v1/console/dispositions",
        json={"call_attempt_id": call, "code": "NOT_INTERESTED", "idempotency_key": "first-key"},
        headers=world.rep_headers,
    )
    assert first.status == 201
    second = await console_client.post(
        "/api/v1/console/dispositions",
        json={"call_attempt_id": call, "code": "WRONG_NUMBER", "idempotency_key": "other-key"},
        headers=world.rep_headers,
    )
    assert second.status == 409
    assert "NOT_INTERESTED" in (await second.json())["detail"]
    assert await pool.fetchval("SELECT code FROM dispositions") == "NOT_INTERESTED"


async def test_a_refused_callback_does_not_use_up_the_key(console_client, pool, clock):
    world, call = await _logged_in_on_a_call(console_client, pool, clock)
    body = {"call_attempt_id": call, "code": "CALLBACK", "idempotency_key": "callback-retry"}
    refused = await console_client.post(
        "/api/v1/console/dispositions",
        json={**body, "callback_local": "2026-11-25T07:00"},
        headers=world.rep_headers,
    )
    assert refused.status == 422
    assert await pool.fetchval("SELECT count(*) FROM dispositions") == 0
    accepted = await console_client.post(
        "/api/v1/console/dispositions",
        json={**body, "callback_local": "2026-11-25T09:00"},
        headers=world.rep_headers,
    )
    assert accepted.status == 201
    replay = await console_client.post(
        "/api/v1/console/dispositions",
        json={**body, "callback_local": "2026-11-25T09:00"},
        headers=world.rep_headers,
    )
    assert replay.status == 200
    assert (await replay.json())["callback_id"] == (await accepted.json())["callback_id"]
    assert await pool.fetchval("SELECT count(*) FROM callbacks") == 1


async def test_a_key_reused_for_another_call_is_refused(console_client, pool, clock):
    world, call = await _logged_in_on_a_call(console_client, pool, clock)
    await console_client.post(
        "/api/v1/console/dispositions",
        json={"call_attempt_id": call, "code": "VOICEMAIL", "idempotency_key": "reused-key"},
        headers=world.rep_headers,
    )
    await console_client.post(
        "/api/v1/console/state", json={"state": "ready"}, headers=world.rep_headers
    )
    other = await connect_call(pool, None, world, world.accounts[1], clock.advance(5))
    response = await console_client.post(
        "/api/v1/console/dispositions",
        json={"call_attempt_id": other, "code": "VOICEMAIL", "idempotency_key": "reused-key"},
        headers=world.rep_headers,
    )
    assert response.status == 422
    assert await pool.fetchval("SELECT count(*) FROM dispositions") == 1
