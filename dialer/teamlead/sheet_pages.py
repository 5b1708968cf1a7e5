"""The daily personal sheet (a rep's own at /my/sheet, a leader's view of any of their
reps) and the monthly leaderboards; the API that sets targets, weights and points."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from dialer import auth
from dialer.http import Problem, Role, Routes, json_response, read_body
from dialer.keys import now_of, pool_of
from dialer.teamlead.access import LEADERS, rep_in_reach, team_in_reach
from dialer.teamlead.boards import QUERIES, Month, rep_sheet, team_leaderboards
from dialer.teamlead.pages import render
from figures.definitions import Figure
from figures.leaderboard import WEIGHTABLE
from figures.targets import TARGETED

routes = Routes()


def _month(request: web.Request) -> Month:
    try:
        return Month.parse(request.query.get("month"), now_of(request))
    except ValueError as exc:
        raise Problem(400, "Bad month", str(exc)) from exc


async def _sheet_page(request: web.Request, rep_user_id: int) -> web.Response:
    user = auth.current_user(request)
    pool = pool_of(request)
    rep = await rep_in_reach(pool, user, rep_user_id)
    month = _month(request)
    now = now_of(request)
    sheet = await rep_sheet(pool, rep_user_id, rep["team_id"], month, now)
    boards = await team_leaderboards(pool, rep["team_id"], month, now)
    standing = next((s for s in boards.personal if s.user_id == rep_user_id), None)
    return render(
        request,
        "teamlead_sheet.html",
        rep=rep,
        month=str(month),
        sheet=sheet,
        figures=[f.value for f in TARGETED],
        standing=standing,
        board_size=len(boards.personal),
    )


@routes.route(
    "GET",
    "/teamlead/reps/{user_id:\\d+}/sheet",
    roles=LEADERS,
    summary="A rep's daily personal sheet for the month.",
    api=False,
)
async def rep_sheet_page(request: web.Request) -> web.Response:
    return await _sheet_page(request, int(request.match_info["user_id"]))


@routes.route(
    "GET",
    "/my/sheet",
    roles={Role.TELESALES_REP},
    summary="My daily personal sheet and my rank this month.",
    api=False,
)
async def my_sheet_page(request: web.Request) -> web.Response:
    return await _sheet_page(request, auth.current_user(request).user_id)


@routes.route(
    "GET",
    "/teamlead/leaderboards",
    roles=LEADERS,
    summary="The month's 个人风云榜 and 小组PK of the team.",
    api=False,
)
async def leaderboards_page(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    team_id = team_in_reach(user, request.query.get("team"))
    boards = await team_leaderboards(pool_of(request), team_id, _month(request), now_of(request))
    return render(
        request,
        "teamlead_leaderboards.html",
        team_id=team_id,
        boards=boards,
        month=str(boards.month),
        weighted=[f for f, w in boards.weights.items() if w > 0],
    )


def _standing_json(standing: Any) -> dict[str, Any]:
    return {
        "rank": standing.rank,
        "user_id": standing.user_id,
        "name": standing.name,
        "sub_team_id": standing.sub_team_id,
        "total": str(standing.total),
        "scores": {f.value: str(v) for f, v in standing.scores.items()},
        "values": {f.value: None if v is None else str(v) for f, v in standing.values.items()},
    }


@routes.route(
    "GET",
    "/api/v1/teamlead/leaderboards",
    roles=LEADERS,
    summary="The month's leaderboards of a team (?team= for a supervisor, ?month=YYYY-MM).",
)
async def leaderboards_api(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    team_id = team_in_reach(user, request.query.get("team"))
    boards = await team_leaderboards(pool_of(request), team_id, _month(request), now_of(request))
    return json_response(
        {
            "month": str(boards.month),
            "weights": {f.value: str(w) for f, w in boards.weights.items()},
            "personal": [_standing_json(s) for s in boards.personal],
            "sub_teams": [
                {
                    "rank": t.rank,
                    "sub_team_id": t.sub_team_id,
                    "name": t.name,
                    "members": t.members,
                    "average": str(t.average),
                    "points": t.points,
                    "total": str(t.total),
                }
                for t in boards.sub_teams
            ],
        }
    )


class Weights(BaseModel):
    weights: dict[Figure, Decimal] = Field(description="figure -> weight (0 leaves it out)")


@routes.route(
    "PUT",
    "/api/v1/teamlead/leaderboard-weights",
    roles={Role.ADMIN},
    summary="Set the firm's leaderboard weights.",
    body=Weights,
)
async def set_weights(request: web.Request) -> web.Response:
    body = await read_body(request, Weights)
    bad = [f.value for f, w in body.weights.items() if f not in WEIGHTABLE or w < 0]
    if bad:
        raise Problem(422, "Weights refused", f"No weight may be set on {', '.join(bad)}.")
    pool = pool_of(request)
    user = auth.current_user(request)
    async with pool.acquire() as connection, connection.transaction():
        for figure, weight in body.weights.items():
            await connection.execute(QUERIES["set_leaderboard_weight"], figure.value, weight)
        await connection.execute(
            QUERIES["audit"],
            now_of(request),
            user.user_id,
            "leaderboard_weights_set",
            "firm",
            None,
            json.dumps({f.value: str(w) for f, w in body.weights.items()}),
        )
    return json_response({"weights": {f.value: str(w) for f, w in body.weights.items()}})


class Targets(BaseModel):
    targets: dict[Figure, Decimal]


@routes.route(
    "PUT",
    "/api/v1/teamlead/teams/{team_id:\\d+}/targets",
    roles=LEADERS,
    summary="Set the team's daily targets (a team leader their own team's).",
    body=Targets,
)
async def set_targets(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    team_id = int(request.match_info["team_id"])
    if user.role is Role.TEAM_LEADER and user.team_id != team_id:
        raise Problem(403, "Not your team", "A team leader sets their own team's targets.")
    body = await read_body(request, Targets)
    bad = [f.value for f, t in body.targets.items() if f not in TARGETED or t < 0]
    if bad:
        raise Problem(422, "Targets refused", f"No target may be set on {', '.join(bad)}.")
    async with pool_of(request).acquire() as connection, connection.transaction():
        if not await connection.fetchval(QUERIES["team_exists"], team_id):
            raise Problem(404, "No such team", f"There is no team {team_id}.")
        for figure, target in body.targets.items():
            await connection.execute(QUERIES["set_team_target"], team_id, figure.value, target)
    return json_response(
        {"team_id": team_id, "targets": {f.value: str(t) for f, t in body.targets.items()}}
    )


class Points(BaseModel):
    sub_team_id: int
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    points: int = Field(ge=-100, le=100)
    reason: str = Field(min_length=1, max_length=500)


@routes.route(
    "POST",
    "/api/v1/teamlead/sub-team-points",
    roles={Role.TEAM_LEADER},
    summary="Add or deduct 小组PK discipline points for one of your sub-teams.",
    body=Points,
)
async def add_points(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    body = await read_body(request, Points)
    month = Month.parse(body.month, now_of(request))
    point_id = await pool_of(request).fetchval(
        QUERIES["add_sub_team_points"],
        body.sub_team_id,
        month.first,
        body.points,
        body.reason,
        user.user_id,
        now_of(request),
        user.team_id,
    )
    if point_id is None:
        raise Problem(404, "No such sub-team", "That sub-team is not in your team.")
    return json_response({"sub_team_point_id": point_id}, status=201)
