"""Listen, whisper and barge: a team leader joins a rep's live call as a conference
participant through the Twilio adapter and the carrier simulator (muted, coaching the
rep's leg, then a full participant), every step in the audit log; nobody else may."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from dialer.app import create_app
from dialer.clock import shifted_clock
from dialer.floor.sessions import set_agent_state
from dialer.http import Role
from dialer.keys import CLOCK, TELEPHONY
from tests.helpers import ensure_team, make_user, token_headers
from tests.integration.console.world import MORNING, build_world, connect_call

REP_PHONE = "+8613900002222"


@pytest.fixture
async def live(settings, pool) -> AsyncIterator[tuple[web.Application, str]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    settings.public_base_url = f"http://127.0.0.1:{port}"
    settings.sim_speed = 10.0
    app = create_app(settings, pool=pool, clock=shifted_clock(MORNING))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield app, settings.public_base_url
    await runner.cleanup()


async def _until(predicate: Any, what: str) -> None:
    for _ in range(200):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def test_a_leader_listens_whispers_barges_and_leaves(live, pool):
    app, base = live
    world = await build_world(pool)
    await pool.execute(
        "UPDATE users SET audio_leg = 'phone', phone_e164 = $2 WHERE user_id = $1",
        world.rep_id,
        REP_PHONE,
    )
    leader = await token_headers(pool, await make_user(pool, Role.TEAM_LEADER, "tl-zhao"))
    simulator = app[TELEPHONY].simulator
    assert simulator is not None
    async with aiohttp.ClientSession(base_url=base) as http:
        async with http.post(
            "/api/v1/console/session", json={"campaign_id": world.campaign_id},
            headers=world.rep_headers,
        ) as response:  # fmt: skip
            assert response.status == 201, await response.text()
        (leg,) = [c for c in simulator.calls.values() if c.to == REP_PHONE]

        async def in_room() -> bool:
            return leg.rooms == [f"rep-{world.rep_id}"] and leg.status == "in-progress"

        await _until(in_room, "the rep's phone joined the room")
        start = {"rep_user_id": world.rep_id, "mode": "listen"}
        async with http.post("/api/v1/teamlead/monitoring", json=start, headers=leader) as r:
            assert r.status == 409  # ready, no call yet: nothing to listen to
        async with pool.acquire() as connection:
            await set_agent_state(connection, world.rep_id, "ready", app[CLOCK]())
        call_id = await connect_call(pool, None, world, world.accounts[0], app[CLOCK]())

        async with http.post("/api/v1/teamlead/monitoring", json=start, headers=leader) as r:
            assert r.status == 201, await r.text()
            monitoring = await r.json()
        assert monitoring["call_attempt_id"] == call_id
        (monitor,) = simulator.monitors.values()
        assert (monitor.muted, monitor.coaching, monitor.to) == (
            True,
            False,
            "client:teamlead-"
            + str(await pool.fetchval("SELECT user_id FROM users WHERE username = 'tl-zhao'")),
        )
        async with http.post("/api/v1/teamlead/monitoring", json=start, headers=leader) as r:
            assert r.status == 409  # one session at a time
        path = f"/api/v1/teamlead/monitoring/{monitoring['monitoring_id']}"
        async with http.patch(path, json={"mode": "whisper"}, headers=leader) as r:
            assert r.status == 200, await r.text()
        assert (monitor.muted, monitor.coaching, monitor.call_sid_to_coach) == (
            False,
            True,
            leg.sid,
        )
        async with http.patch(path, json={"mode": "barge"}, headers=leader) as r:
            assert r.status == 200
        assert (monitor.muted, monitor.coaching) == (False, False)
        async with http.delete(path, headers=leader) as r:
            assert r.status == 200
        assert simulator.monitors == {}
        kinds = [
            (row["kind"], row["detail"])
            for row in await pool.fetch(
                "SELECT kind, detail::text AS detail FROM audit_log"
                " WHERE subject_type = 'monitoring_session' ORDER BY audit_id"
            )
        ]
        assert [k for k, _ in kinds] == [
            "monitoring_started", "monitoring_mode_changed", "monitoring_mode_changed",
            "monitoring_ended",
        ]  # fmt: skip
        ended = await pool.fetchval("SELECT ended_at FROM monitoring_sessions")
        assert ended is not None


async def test_only_the_reps_own_leader_or_a_supervisor_may_monitor(live, pool):
    app, base = live
    world = await build_world(pool)
    other_team = await ensure_team(pool, "Team B")
    stranger = await make_user(pool, Role.TEAM_LEADER, "tl-other")
    await pool.execute("UPDATE users SET team_id = $1 WHERE user_id = $2", other_team, stranger)
    start = {"rep_user_id": world.rep_id, "mode": "listen"}
    async with aiohttp.ClientSession(base_url=base) as http:
        headers = await token_headers(pool, stranger)
        async with http.post("/api/v1/teamlead/monitoring", json=start, headers=headers) as r:
            assert r.status == 403
        async with http.post(
            "/api/v1/teamlead/monitoring", json=start, headers=world.rep_headers
        ) as r:
            assert r.status == 403
    assert await pool.fetchval("SELECT count(*) FROM monitoring_sessions") == 0
    assert app[TELEPHONY].simulator.monitors == {}
