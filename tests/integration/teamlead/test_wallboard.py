"""The wallboard: the whole floor in one query, each team's board, pushed over the
WebSocket when a rep's state changes; only leaders may open it."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

from aiohttp.test_utils import TestClient, TestServer

from dialer.app import create_app
from dialer.events import EventBus
from dialer.floor.sessions import set_agent_state
from dialer.http import Role
from dialer.teamlead.wallboard import WALLBOARD, floor_boards
from tests.floor_world import build_floor
from tests.helpers import make_user, token_headers

NOW = datetime(2026, 12, 3, 3, 30, tzinfo=UTC)  # 11:30 in Shanghai, a day under way


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def test_each_team_board_has_its_reps_figures_and_targets(pool):
    floor = await build_floor(pool, days=0, live_now=NOW, live_hours=2.5)
    boards = await floor_boards(pool, NOW)
    assert set(boards) == set(floor.team_ids)
    for team_id, board in boards.items():
        reps = {r["user_id"] for r in board["reps"]}
        assert reps == {rep for rep, team in floor.rep_team.items() if team == team_id}
        assert board["summary"]["targets"]["calls_per_hour"] == 30
        assert board["summary"]["logged_in"] == len(reps)
        for rep in board["reps"]:
            dials = await pool.fetchval(
                "SELECT count(*) FROM call_attempts WHERE agent_user_id = $1", rep["user_id"]
            )
            assert dials > 0
            hours = 2.5
            assert abs(rep["figures"]["calls_per_hour"] - dials / hours) < 0.2
            assert rep["state"] in ("ready", "on_call", "wrap_up", "paused", "reserved")
            assert rep["marks"]["calls_per_hour"] in ("met", "missed")


async def test_a_break_past_its_limit_is_over_limit(pool):
    floor = await build_floor(pool, teams=1, reps_per_team=1, days=0, live_now=NOW, live_hours=1)
    (rep,) = floor.rep_ids
    async with pool.acquire() as connection:
        await set_agent_state(connection, rep, "paused", NOW, pause_code="break")
    (board,) = (await floor_boards(pool, NOW + timedelta(minutes=16))).values()
    (entry,) = board["reps"]
    assert (entry["state"], entry["limit_seconds"], entry["over_limit"]) == ("paused", 900, True)
    assert board["summary"]["over_limit"] == 1
    (board,) = (await floor_boards(pool, NOW + timedelta(minutes=2))).values()
    assert board["reps"][0]["over_limit"] is False


async def test_the_board_is_pushed_when_a_rep_moves(settings, pool):
    floor = await build_floor(pool, teams=2, reps_per_team=2, days=0, live_now=NOW, live_hours=1)
    team_id = floor.team_ids[0]
    leader = floor.leader_ids[team_id]
    rep = next(r for r, t in floor.rep_team.items() if t == team_id)
    bus = EventBus(pool)
    await bus.start()
    clock = Clock(NOW)
    app = create_app(settings, pool=pool, clock=clock, events=bus)
    try:
        async with TestClient(TestServer(app)) as client:
            headers = await token_headers(pool, leader)
            page = await client.get("/teamlead", headers=headers)
            assert page.status == 200
            text = await page.text()
            assert "wallboard.js" in text and "<script>" not in text
            ws = await client.ws_connect("/teamlead/ws", headers=headers)
            first = json.loads((await ws.receive(timeout=10)).data)
            assert first["team_id"] == team_id
            queries = app[WALLBOARD].refreshes
            async with pool.acquire() as connection:
                await set_agent_state(connection, rep, "paused", NOW, pause_code="meeting")
            for _ in range(10):
                board = json.loads((await ws.receive(timeout=10)).data)
                entry = next(r for r in board["reps"] if r["user_id"] == rep)
                if entry["state"] == "paused":
                    break
            assert (entry["state"], entry["pause_code"]) == ("paused", "meeting")
            feed = app[WALLBOARD]
            assert feed.refreshes > queries
            await ws.close()
            other = await client.get(
                "/teamlead/ws",
                headers=await token_headers(
                    pool, await make_user(pool, Role.TELESALES_REP, "nosy")
                ),
            )
            assert other.status == 403
            # a supervisor sees any team: the one named, else the first
            admin = await token_headers(pool, await make_user(pool, Role.ADMIN, "floor-boss"))
            second = floor.team_ids[1]
            named = await client.get(f"/teamlead?team={second}", headers=admin)
            assert named.status == 200
            assert f'data-team="{second}"' in await named.text()
            default = await client.get("/teamlead", headers=admin)
            assert f'data-team="{min(floor.team_ids)}"' in await default.text()
    finally:
        await bus.close()
    await asyncio.sleep(0)
