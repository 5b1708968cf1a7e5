"""The daily personal sheet and the monthly leaderboards, through the app: the order follows
the firm's configured weights, figures equal direct counts, and each sees only their own."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from aiohttp.test_utils import TestClient, TestServer

from dialer.app import create_app
from dialer.http import Role
from tests.floor_world import build_floor
from tests.helpers import make_user, token_headers

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # the sheet runs to Monday 7 December
EARLIER = NOW - timedelta(hours=1)


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


async def _quality_rows(pool, reps):
    """QA reviews and answered SMS surveys for each rep's calls, different per rep."""
    card = await pool.fetchval(
        "INSERT INTO qa_scorecards (name, items, created_at) VALUES ('t', '[]', $1)"
        " RETURNING scorecard_id",
        NOW,
    )
    for n, rep in enumerate(reps):
        calls = await pool.fetch(
            "SELECT call_attempt_id, account_id FROM call_attempts WHERE agent_user_id = $1"
            " ORDER BY call_attempt_id LIMIT 3",
            rep,
        )
        for i, call in enumerate(calls):
            await pool.execute(
                "INSERT INTO qa_reviews (call_attempt_id, rep_user_id, scorecard_id, reason,"
                " status, score, sampled_on, sampled_at, scored_at) VALUES ($1, $2, $3,"
                " 'random', $4, $5, '2026-12-03', $6, $6)",
                call["call_attempt_id"],
                rep,
                card,
                "scored" if i < 2 else "disputed",  # a disputed review does not stand
                Decimal((n * 7 + i * 3) % 10) / 10 + Decimal("0.0375"),
                EARLIER,
            )
            await pool.execute(
                "INSERT INTO sms_surveys (call_attempt_id, account_id, rep_user_id, e164,"
                " status, sent_at, rating, answered_at) VALUES ($1, $2, $3, '+8613800000001',"
                " 'answered', $4, $5, $4)",
                call["call_attempt_id"],
                call["account_id"],
                rep,
                EARLIER,
                (n * 3 + i) % 5 + 1,
            )


async def test_qa_score_and_sms_satisfaction_are_figures_weighted_on_the_board(settings, pool):
    floor = await build_floor(pool, teams=1, reps_per_team=6, days=3, hours=2)
    (team_id,) = floor.team_ids
    leader = await token_headers(pool, floor.leader_ids[team_id])
    admin = await token_headers(pool, await make_user(pool, Role.ADMIN, "qa-boss"))
    await _quality_rows(pool, floor.rep_ids)
    direct = {}
    for rep in floor.rep_ids:
        qa = await pool.fetchval(
            "SELECT round(avg(score), 4) FROM qa_reviews WHERE rep_user_id = $1"
            " AND status IN ('scored', 'acknowledged')",
            rep,
        )
        sms = await pool.fetchval(
            "SELECT round(avg(rating), 2) FROM sms_surveys WHERE rep_user_id = $1"
            " AND status = 'answered'",
            rep,
        )
        direct[rep] = {"qa_score": qa, "sms_satisfaction": sms}
    app = create_app(settings, pool=pool, clock=Clock())
    async with TestClient(TestServer(app)) as client:
        for figure in ("qa_score", "sms_satisfaction"):
            weights = {"calls_per_hour": 0, "average_talk_seconds": 0,
                       "first_contact_resolution": 0, "utilisation": 0, "qa_score": 0,
                       "sms_satisfaction": 0} | {figure: 3}  # fmt: skip
            put = await client.put(
                "/api/v1/teamlead/leaderboard-weights", json={"weights": weights}, headers=admin
            )
            assert put.status == 200, await put.text()
            board = await (
                await client.get("/api/v1/teamlead/leaderboards?month=2026-12", headers=leader)
            ).json()
            expected = sorted(floor.rep_ids, key=lambda rep: (-direct[rep][figure], rep))
            ranked = [row["user_id"] for row in board["personal"]]
            values = [Decimal(row["values"][figure]) for row in board["personal"]]
            assert values == [direct[rep][figure] for rep in ranked]
            assert values == sorted(values, reverse=True) and values[0] > values[-1]
            assert ranked[0] == expected[0] and ranked[-1] == expected[-1]
        report = await client.get(
            "/api/v1/reports?by=team&bucket=month&from=2026-12-01&to=2026-12-07",
            headers=leader,
        )
        assert report.status == 200, await report.text()
        team_qa = await pool.fetchval(
            "SELECT round(avg(score), 4) FROM qa_reviews WHERE status = 'scored'"
        )
        body = await report.json()
        (row,) = [r for r in body["rows"] if r["key"] == str(team_id)]
        assert Decimal(row["qa_score"]) == team_qa
        csv = await client.get(
            "/reports/export.csv?by=team&bucket=month&from=2026-12-01&to=2026-12-07",
            headers=leader,
        )
        assert "QA score,SMS satisfaction" in (await csv.text()).splitlines()[0]
