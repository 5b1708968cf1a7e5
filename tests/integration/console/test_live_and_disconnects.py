"""The WebSocket pushes the pop and state changes; a console lost mid-call is wrapped up."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from dialer.console.disconnects import sweep_disconnected
from dialer.keys import EVENTS
from tests.integration.console.world import build_world, connect_call

GRACE = timedelta(seconds=30)


async def _next(ws, kind: str) -> dict:
    while True:
        message = await asyncio.wait_for(ws.receive_json(), 5)
        if message["kind"] == kind:
            return message


async def test_the_pop_and_state_changes_arrive_over_the_websocket(console_client, pool, clock):
    world = await build_world(pool)
    h = world.rep_headers
    await console_client.post(
        "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
    )
    async with console_client.ws_connect("/console/ws", headers=h) as ws:
        hello = await _next(ws, "hello")
        assert hello["session"]["session"]["state"] == "paused"
        await console_client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
        # the log-in's own change (to paused) may still be on its way: wait for ready
        while (changed := await _next(ws, "state_changed"))["state"] != "ready":
            assert changed["state"] == "paused", changed
        call = await connect_call(
            pool, console_client.app[EVENTS], world, world.accounts[0], clock.advance(1)
        )
        popped = await _next(ws, "call_connected")
        assert popped["pop"]["call_attempt_id"] == call
        assert popped["pop"]["customer"]["name"] == "客户甲0"
        assert popped["pop"]["script"]["disclosures"][2]["text"] == "S1234567890"


async def test_a_console_lost_mid_call_keeps_the_call_and_pauses_the_rep(
    console_client, pool, clock
):
    world = await build_world(pool)
    h = world.rep_headers
    await console_client.post(
        "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
    )
    await console_client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
    async with console_client.ws_connect("/console/ws", headers=h) as ws:
        await _next(ws, "hello")
        call = await connect_call(
            pool, console_client.app[EVENTS], world, world.accounts[0], clock.advance(1)
        )
        await _next(ws, "call_connected")
        clock.advance(10)
    closed_at = clock.now
    # the server notices the close and records it
    for _ in range(50):
        if (
            await pool.fetchval("SELECT count(*) FROM console_connections WHERE closed_at IS NULL")
            == 0
        ):
            break
        await asyncio.sleep(0.05)
    assert await pool.fetchval("SELECT closed_at FROM console_connections") == closed_at

    assert await sweep_disconnected(pool, closed_at + GRACE - timedelta(seconds=1), GRACE) == []
    assert await pool.fetchval("SELECT state FROM agent_sessions") == "on_call"
    swept_at = closed_at + GRACE
    assert await sweep_disconnected(pool, swept_at, GRACE) == [world.rep_id]

    record = await pool.fetchrow(
        "SELECT status, agent_user_id, bridged_at FROM call_attempts WHERE call_attempt_id = $1",
        call,
    )
    assert record["status"] == "in_progress" and record["agent_user_id"] == world.rep_id
    disposition = await pool.fetchrow("SELECT * FROM dispositions WHERE call_attempt_id = $1", call)
    assert disposition["code"] == "DISCONNECTED" and disposition["recorded_at"] == swept_at
    session = await pool.fetchrow(
        "SELECT state, pause_code, current_call_attempt_id FROM agent_sessions"
    )
    assert (session["state"], session["pause_code"]) == ("paused", "disconnected")
    assert session["current_call_attempt_id"] is None
    changes = await pool.fetch(
        "SELECT from_state, to_state FROM agent_state_changes WHERE at = $1 ORDER BY to_state DESC",
        swept_at,
    )
    assert [(c["from_state"], c["to_state"]) for c in changes] == [
        ("on_call", "wrap_up"),
        ("wrap_up", "paused"),
    ]
    # a second sweep finds nothing more to do
    assert await sweep_disconnected(pool, swept_at + GRACE, GRACE) == []
    assert await pool.fetchval("SELECT count(*) FROM dispositions") == 1
    # back in the console, the rep sees the call with its outcome in the history
    pop = await (await console_client.get(f"/api/v1/console/calls/{call}", headers=h)).json()
    assert pop["history"][0]["disposition"] == "DISCONNECTED"


async def test_an_outcome_recorded_before_the_close_is_kept_and_the_rep_still_pauses(
    console_client, pool, clock
):
    world = await build_world(pool)
    h = world.rep_headers
    await console_client.post(
        "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
    )
    await console_client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
    async with console_client.ws_connect("/console/ws", headers=h) as ws:
        await _next(ws, "hello")
        call = await connect_call(pool, None, world, world.accounts[0], clock.advance(1))
        await console_client.post(
            "/api/v1/console/dispositions",
            json={
                "call_attempt_id": call,
                "code": "NOT_INTERESTED",
                "idempotency_key": "before-close",
            },
            headers=h,
        )
    await _wait_closed(pool)
    assert await sweep_disconnected(pool, clock.advance(31), GRACE) == [world.rep_id]
    assert await pool.fetchval("SELECT code FROM dispositions") == "NOT_INTERESTED"
    assert await pool.fetchval("SELECT state FROM agent_sessions") == "paused"


async def test_another_open_console_or_an_api_only_rep_is_not_swept(console_client, pool, clock):
    world = await build_world(pool)
    h = world.rep_headers
    await console_client.post(
        "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
    )
    await console_client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
    await connect_call(pool, None, world, world.accounts[0], clock.advance(1))
    # API only: no console was ever opened
    assert await sweep_disconnected(pool, clock.advance(3600), GRACE) == []
    async with console_client.ws_connect("/console/ws", headers=h) as second:
        await _next(second, "call_connected")  # a reconnect shows the customer again
        async with console_client.ws_connect("/console/ws", headers=h) as first:
            await _next(first, "hello")
        clock.advance(5)
        await asyncio.sleep(0.1)
        assert await sweep_disconnected(pool, clock.advance(3600), GRACE) == []
    assert await pool.fetchval("SELECT state FROM agent_sessions") == "on_call"


async def test_a_console_closed_in_an_earlier_session_does_not_count(console_client, pool, clock):
    world = await build_world(pool)
    h = world.rep_headers
    await console_client.post(
        "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
    )
    async with console_client.ws_connect("/console/ws", headers=h) as ws:
        await _next(ws, "hello")
    await _wait_closed(pool)
    await console_client.post("/api/v1/console/logout", headers=h)
    # the next day the rep works through the API only
    clock.advance(24 * 3600)
    await console_client.post(
        "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
    )
    await console_client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
    assert await sweep_disconnected(pool, clock.advance(3600), GRACE) == []
    assert await pool.fetchval("SELECT state FROM agent_sessions WHERE ended_at IS NULL") == "ready"


async def _wait_closed(pool) -> None:
    for _ in range(50):
        if (
            await pool.fetchval("SELECT count(*) FROM console_connections WHERE closed_at IS NULL")
            == 0
        ):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the server did not record the closed console")


async def test_the_background_sweeper_pauses_a_lost_rep_in_a_running_service(
    settings, pool, clock, monkeypatch
):
    from aiohttp.test_utils import TestClient, TestServer

    from dialer.app import create_app
    from dialer.console import disconnects

    monkeypatch.setattr(disconnects, "SWEEP_INTERVAL_SECONDS", 0.05)
    app = create_app(settings, pool=pool, clock=clock)
    if disconnects.console_background not in app.cleanup_ctx:  # once the lead wires it
        app.cleanup_ctx.append(disconnects.console_background)
    world = await build_world(pool)
    h = world.rep_headers
    async with TestClient(TestServer(app)) as client:
        await client.post(
            "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
        )
        await client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
        async with client.ws_connect("/console/ws", headers=h) as ws:
            await _next(ws, "hello")
            await connect_call(pool, None, world, world.accounts[0], clock.advance(1))
        await _wait_closed(pool)
        clock.advance(disconnects.DISCONNECT_GRACE.total_seconds())
        for _ in range(100):
            if await pool.fetchval("SELECT state FROM agent_sessions") == "paused":
                break
            await asyncio.sleep(0.05)
        assert await pool.fetchval("SELECT pause_code FROM agent_sessions") == "disconnected"
        assert await pool.fetchval("SELECT code FROM dispositions") == "DISCONNECTED"


def test_the_disconnect_grace_is_read_from_the_environment(monkeypatch):
    from dialer.console.disconnects import DISCONNECT_GRACE, disconnect_grace
    from dialer.settings import SettingsError, load_settings

    assert disconnect_grace(load_settings()) == DISCONNECT_GRACE
    monkeypatch.setenv("DIALER_CONSOLE_DISCONNECT_GRACE_SECONDS", "4.5")
    assert disconnect_grace(load_settings()) == timedelta(seconds=4.5)
    monkeypatch.setenv("DIALER_CONSOLE_DISCONNECT_GRACE_SECONDS", "0")
    with pytest.raises(SettingsError, match="DIALER_CONSOLE_DISCONNECT_GRACE_SECONDS"):
        load_settings()


async def test_the_running_service_honours_a_configured_grace(settings, pool, clock, monkeypatch):
    from aiohttp.test_utils import TestClient, TestServer

    from dialer.app import create_app
    from dialer.console import disconnects

    monkeypatch.setattr(disconnects, "SWEEP_INTERVAL_SECONDS", 0.05)
    short = settings.model_copy(update={"console_disconnect_grace_seconds": 2.0})
    app = create_app(short, pool=pool, clock=clock)
    if disconnects.console_background not in app.cleanup_ctx:
        app.cleanup_ctx.append(disconnects.console_background)
    world = await build_world(pool)
    h = world.rep_headers
    async with TestClient(TestServer(app)) as client:
        await client.post(
            "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
        )
        await client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
        async with client.ws_connect("/console/ws", headers=h) as ws:
            await _next(ws, "hello")
            await connect_call(pool, None, world, world.accounts[0], clock.advance(1))
        await _wait_closed(pool)
        clock.advance(1)
        await asyncio.sleep(0.3)  # several sweeps: one second is inside the 2 s grace
        assert await pool.fetchval("SELECT state FROM agent_sessions") == "on_call"
        clock.advance(1)  # 2 s: far short of the 30 s default, but the configured grace
        for _ in range(100):
            if await pool.fetchval("SELECT state FROM agent_sessions") == "paused":
                break
            await asyncio.sleep(0.05)
        assert await pool.fetchval("SELECT pause_code FROM agent_sessions") == "disconnected"
        assert await pool.fetchval("SELECT code FROM dispositions") == "DISCONNECTED"
