"""The rep console's page (`/rep`) and its WebSocket (`/console/ws`), which pushes the
rep's events as they happen: a bridged call arrives with the whole customer pop, and every
state change of the rep's session."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
import structlog
from aiohttp import WSMsgType, web

from dialer import auth
from dialer.console import stats
from dialer.console.api import RepRoutes
from dialer.console.audio import audio_leg_for
from dialer.console.customer_pop import build_pop
from dialer.console.session_api import session_view
from dialer.events import agent_channel
from dialer.floor import access
from dialer.floor.calls import rep_profile
from dialer.floor.sessions import REP_PAUSE_CODES
from dialer.http import ConsoleLink, Role, json_response, route_name
from dialer.keys import EVENTS, SETTINGS, now_of, pool_of
from dialer.sql import load_queries
from dialer.web.i18n import MESSAGES as ALL_MESSAGES
from dialer.web.pages import page_context
from dialer.web.security import script_json

log = structlog.get_logger(__name__)
routes = RepRoutes()
QUERIES = load_queries("dialer.console")

console_links: list[ConsoleLink] = [(Role.TELESALES_REP, "/rep", "rep_console")]


def _client_messages(language: str) -> dict[str, str]:
    lang = language if language in ("zh", "en") else "zh"
    return {
        key: entry[lang]
        for key, entry in ALL_MESSAGES.items()
        if key.startswith("console_") or key == "rep_console"
    }


@routes.rep("GET", "/rep", api=False)
async def rep_page(request: web.Request) -> web.Response:
    """The rep console."""
    user = auth.current_user(request)
    pool = pool_of(request)
    now = now_of(request)
    view = await session_view(pool, user.user_id, now)
    campaigns = await pool.fetch(QUERIES["campaigns_open_to_reps"])
    day = await stats.my_day(pool, user.user_id, now)
    rep = await rep_profile(pool, user.user_id)
    settings = request.app[SETTINGS]
    # the SDK joins the room only with a token to mint; otherwise the page says why
    browser_audio = rep["audio_leg"] == "browser" and settings.browser_audio_configured
    leg = None if browser_audio else audio_leg_for(rep, settings, now)
    context = page_context(
        request,
        audio_leg=rep["audio_leg"],
        audio_browser=browser_audio and view.logged_in,
        audio_detail=leg.detail if leg is not None else "",
        audio_phone=leg.phone if leg is not None else None,
        voice_sdk_url=settings.twilio_voice_sdk_url,
        view=view,
        campaigns=campaigns,
        day=day,
        pause_codes=REP_PAUSE_CODES,
        # < > & U+2028/9 escaped: no text can close or comment out the element it is in
        client_messages=script_json(_client_messages(user.language)),
        initial=script_json(view.model_dump(mode="json")),
    )
    return aiohttp_jinja2.render_template("console/rep.html", request, context)


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser: the session cookie or token already identified the rep
    return urlsplit(origin).netloc == request.host


def _json(payload: Any) -> str:
    return json_response(payload).text or "{}"


async def _send(ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
    await ws.send_str(_json(payload))


@routes.rep("GET", "/console/ws", api=False)
async def console_ws(request: web.Request) -> web.StreamResponse:
    """The rep's live events: call_connected with the pop, state_changed."""
    user = auth.current_user(request)
    if not _same_origin(request):
        raise web.HTTPForbidden(text="cross-origin WebSocket refused")
    pool = pool_of(request)
    firm = request.app[SETTINGS].firm_name
    ws = web.WebSocketResponse(heartbeat=15)
    await ws.prepare(request)
    connection_id = await pool.fetchval(QUERIES["open_connection"], user.user_id, now_of(request))
    log.info("rep_console_opened", user_id=user.user_id)

    async def pop(call_attempt_id: int) -> None:
        started = asyncio.get_running_loop().time()
        payload = await build_pop(pool, call_attempt_id, user.user_id, now_of(request), firm)
        if payload is not None:
            await access.record_access(
                pool,
                user_id=user.user_id,
                role=user.role.value,
                account_ids=[payload["customer"]["account_id"]],
                route=route_name(request),
                reason="call",
                now=now_of(request),
            )
            await _send(ws, {"kind": "call_connected", "pop": payload})
            log.info(
                "customer_popped",
                user_id=user.user_id,
                call_attempt_id=call_attempt_id,
                build_ms=round((asyncio.get_running_loop().time() - started) * 1000),
            )

    async def forward(queue: asyncio.Queue[dict[str, Any]]) -> None:
        while True:
            event = await queue.get()
            kind = event.get("kind")
            if kind == "call_connected":
                await pop(int(event["call_attempt_id"]))
            else:
                await _send(ws, event)

    try:
        async with request.app[EVENTS].subscribe(agent_channel(user.user_id)) as queue:
            view = await session_view(pool, user.user_id, now_of(request))
            await _send(ws, {"kind": "hello", "session": view.model_dump(mode="json")})
            if view.session and view.session.call_attempt_id and not view.session.call_disposed:
                # a reconnect in the middle of a call: show the customer again
                await pop(view.session.call_attempt_id)
            forwarder = asyncio.create_task(forward(queue))
            try:
                async for message in ws:
                    if message.type == WSMsgType.TEXT and message.data == "ping":
                        await ws.send_str('{"kind": "pong"}')
            finally:
                forwarder.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionResetError):
                    await forwarder
    finally:
        await pool.execute(QUERIES["close_connection"], connection_id, now_of(request))
        log.info("rep_console_closed", user_id=user.user_id)
    return ws
