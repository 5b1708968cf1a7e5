"""The team leader's pages: the wallboard (`/teamlead`) and its WebSocket, the daily
personal sheet, the leaderboards, and the monitoring API."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import structlog
from aiohttp import WSMsgType, web

from dialer import auth
from dialer.http import ConsoleLink, Role, Routes
from dialer.keys import now_of, pool_of
from dialer.sql import load_queries
from dialer.teamlead import (
    i18n_keys,  # noqa: F401  (registers the console's text)
    monitoring,
    sheet_pages,
)
from dialer.teamlead.access import LEADERS, team_in_reach
from dialer.teamlead.pages import client_messages, render, script_json
from dialer.teamlead.wallboard import BOARD_FIGURES, WALLBOARD, floor_boards

log = structlog.get_logger(__name__)
routes = Routes()
routes.specs.extend(sheet_pages.routes.specs)
routes.specs.extend(monitoring.routes.specs)
QUERIES = load_queries("dialer.teamlead")
STATIC = Path(__file__).parent / "static"
#: this feature's static files, mounted by create_app under the prefix
static_folders = [("/teamlead/static", STATIC)]

console_links: list[ConsoleLink] = [
    (Role.TEAM_LEADER, "/teamlead", "teamlead_wallboard"),
    (Role.ADMIN, "/teamlead", "teamlead_wallboard"),
    (Role.TEAM_LEADER, "/teamlead/leaderboards", "teamlead_leaderboards"),
    (Role.TELESALES_REP, "/my/sheet", "teamlead_my_sheet"),
]


@routes.route("GET", "/teamlead", roles=LEADERS, summary="The team's live wallboard.", api=False)
async def wallboard_page(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    teams = await pool_of(request).fetch(QUERIES["teams"])
    first = teams[0]["team_id"] if teams else None
    team_id = team_in_reach(user, request.query.get("team"), first)
    boards = await floor_boards(pool_of(request), now_of(request))
    board = boards.get(team_id)
    return render(
        request,
        "teamlead_wallboard.html",
        team_id=team_id,
        teams=teams if user.role is Role.ADMIN else [],
        board=board,
        board_json=script_json(board or {}),
        figures=[f.value for f in BOARD_FIGURES],
        messages_json=client_messages(user.language),
    )


@routes.route(
    "GET", "/teamlead/ws", roles=LEADERS, summary="The wallboard, pushed live.", api=False
)
async def wallboard_ws(request: web.Request) -> web.StreamResponse:
    user = auth.current_user(request)
    team_id = team_in_reach(user, request.query.get("team"))
    origin = request.headers.get("Origin")
    if origin is not None and origin.split("://", 1)[-1] != request.host:
        raise web.HTTPForbidden(text="cross-origin WebSocket refused")
    feed = request.app[WALLBOARD]
    ws = web.WebSocketResponse(heartbeat=15)
    await ws.prepare(request)
    log.info("wallboard_opened", user_id=user.user_id, team_id=team_id)

    async def forward(queue: asyncio.Queue[dict[str, Any]]) -> None:
        while True:
            board = await queue.get()
            await ws.send_str(json.dumps(board, default=str, ensure_ascii=False))

    async with feed.watch(team_id) as queue:
        forwarder = asyncio.create_task(forward(queue))
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT and message.data == "ping":
                    await ws.send_str('{"kind": "pong"}')
        finally:
            forwarder.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionResetError):
                await forwarder
    log.info("wallboard_closed", user_id=user.user_id, team_id=team_id)
    return ws
