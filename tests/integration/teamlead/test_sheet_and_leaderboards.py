"""The daily personal sheet and the monthly leaderboards, through the app: the order follows
the firm's configured weights, figures equal direct counts, and each sees only their own."""

from datetime import UTC, datetime

from aiohttp.test_utils import TestClient, TestServer

from dialer.app import create_app
from dialer.http import Role
from tests.floor_world import build_floor
from tests.helpers import make_user, token_headers

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # the sheet runs to Monday 7 December


class Clock:
    def __call__(self) -> datetime:
        return NOW


async def _direct(pool, reps):
    rows = {}
    for rep in reps:
        dials, talk, talked = await pool.fetchrow(
            "SELECT count(*), coalesce(sum(talk_seconds), 0), count(bridged_at)"
            " FROM call_attempts WHERE agent_user_id = $1 AND status <> 'blocked'",
            rep,
        )
        seconds = await pool.fetchval(
            "SELECT sum(extract(epoch FROM ended_at - started_at)) FROM agent_sessions"
            " WHERE user_id = $1",
            rep,
        )
        rows[rep] = {
            "per_hour": round(dials / (float(seconds) / 3600), 1),
            "talk": round(talk / talked),
        }
    return rows


async def test_the_board_order_follows_the_configured_weights(settings, pool):
    floor = await build_floor(pool, teams=1, reps_per_team=6, days=3, hours=2)
    (team_id,) = floor.team_ids
    leader = await token_headers(pool, floor.leader_ids[team_id])
    admin = await token_headers(pool, await make_user(pool, Role.ADMIN, "boss"))
    direct = await _direct(pool, floor.rep_ids)
    app = create_app(settings, pool=pool, clock=Clock())
    async with TestClient(TestServer(app)) as client:
        for figure, key in (("calls_per_hour", "per_hour"), ("average_talk_seconds", "talk")):
            others = {"calls_per_hour": 0, "average_talk_seconds": 0, "first_contact_resolution": 0,
                      "utilisation": 0} | {figure: 2}  # fmt: skip
            put = await client.put(
                "/api/v1/teamlead/leaderboard-weights", json={"weights": others}, headers=admin
            )
            assert put.status == 200, await put.text()
            board = await (
                await client.get("/api/v1/teamlead/leaderboards?month=2026-12", headers=leader)
            ).json()
            order = [row["user_id"] for row in board["personal"]]
            expected = sorted(floor.rep_ids, key=lambda rep: (-direct[rep][key], rep))
            assert order == expected
            assert [float(row["values"][figure]) for row in board["personal"]] == [
                direct[rep][key] for rep in expected
            ]
            totals = [float(row["total"]) for row in board["personal"]]
            assert totals == sorted(totals, reverse=True) and totals[0] > totals[-1]
        # 小组PK: discipline points move a sub-team
        (low, high) = sorted(board["sub_teams"], key=lambda t: float(t["total"]))
        gap = float(high["total"]) - float(low["total"])
        added = await client.post(
            "/api/v1/teamlead/sub-team-points",
            json={
                "sub_team_id": low["sub_team_id"],
                "month": "2026-12",
                "points": int(gap) + 5,
                "reason": "班前会全勤",
            },  # fmt: skip
            headers=leader,
        )
        assert added.status == 201
        board = await (
            await client.get("/api/v1/teamlead/leaderboards?month=2026-12", headers=leader)
        ).json()
        assert board["sub_teams"][0]["sub_team_id"] == low["sub_team_id"]
        page = await client.get("/teamlead/leaderboards?month=2026-12", headers=leader)
        assert page.status == 200
        assert "个人风云榜" in await page.text() or "Personal leaderboard" in await page.text()


async def test_sheets_are_seen_by_the_rep_and_their_own_leader_only(settings, pool):
    floor = await build_floor(pool, teams=2, reps_per_team=2, days=4, hours=1)
    team_a, team_b = floor.team_ids
    rep = next(r for r, t in floor.rep_team.items() if t == team_a)
    other_rep = next(r for r, t in floor.rep_team.items() if t == team_b)
    await pool.execute(
        "UPDATE team_targets SET target = 1000 WHERE team_id = $1 AND figure = 'calls_per_hour'",
        team_a,
    )
    app = create_app(settings, pool=pool, clock=Clock())
    async with TestClient(TestServer(app)) as client:
        mine = await client.get("/my/sheet?month=2026-12", headers=await token_headers(pool, rep))
        assert mine.status == 200
        html = await mine.text()
        # 1000 calls an hour is missed every day: shaded from the third day, warned once
        assert html.count("<tr data-day=") == 7  # 1-7 December, worked on the first four
        assert html.count("mark-shaded shaded") >= 2
        assert html.count("first-warning") == 1
        assert 'class="error warning" data-figure="calls_per_hour"' in html
        assert 'id="rank"' in html
        own_leader = await token_headers(pool, floor.leader_ids[team_a])
        other_leader = await token_headers(pool, floor.leader_ids[team_b])
        assert (await client.get(f"/teamlead/reps/{rep}/sheet", headers=own_leader)).status == 200
        refused = await client.get(f"/teamlead/reps/{rep}/sheet", headers=other_leader)
        assert refused.status == 403
        assert (
            await client.get(
                f"/teamlead/reps/{other_rep}/sheet", headers=await token_headers(pool, rep)
            )
        ).status == 403
