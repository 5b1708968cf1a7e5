"""The rep console over HTTP: the page, its WebSocket, and the same flows as a JSON API.

Everything the page does goes through `/api/v1/console/...` (documented in the OpenAPI
document), so a firm can build its own desktop on it. The WebSocket `/console/ws` pushes
the rep's events as they happen: a bridged call arrives with the whole customer pop, and
every state change of the rep's session.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import aiohttp_jinja2
import structlog
from aiohttp import WSMsgType, web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, NaiveDatetime

from campaigns.agents import RepState
from dialer import auth
from dialer.console import agent_sessions, audio, messages, preview, stats
from dialer.console.audio import AudioLeg, audio_leg_for
from dialer.console.customer_pop import build_pop
from dialer.console.dispositions import DispositionInput, record_disposition
from dialer.console.errors import CallbackRefused, ConsoleError, NotLoggedIn, NotYourCall
from dialer.engine.preview import dial_preview
from dialer.events import agent_channel, campaign_channel
from dialer.http import ConsoleLink, Problem, Role, Routes, json_response, path_int, read_body
from dialer.keys import EVENTS, GATE_RULES, SETTINGS, now_of, pool_of, telephony_of
from dialer.sql import load_queries
from dialer.web.i18n import MESSAGES as ALL_MESSAGES
from dialer.web.pages import page_context

log = structlog.get_logger(__name__)
routes = Routes()
QUERIES = load_queries("dialer.console")
REPS = {Role.TELESALES_REP}

console_links: list[ConsoleLink] = [(Role.TELESALES_REP, "/rep", "rep_console")]


# -- models ---------------------------------------------------------------------------------


class LogIn(BaseModel):
    campaign_id: int


class StateChange(BaseModel):
    state: Literal["ready", "paused"]
    pause_code: str | None = Field(default=None, max_length=32)


class SessionInfo(BaseModel):
    agent_session_id: int
    campaign_id: int | None
    campaign_name: str | None
    pacing_mode: str | None
    state: str
    pause_code: str | None
    state_since: datetime
    started_at: datetime
    call_attempt_id: int | None
    wrap_up_max_seconds: int | None
    call_disposed: bool


class SessionView(BaseModel):
    logged_in: bool
    session: SessionInfo | None
    now: datetime
    pause_codes: list[str]


class CampaignChoice(BaseModel):
    campaign_id: int
    name: str
    purpose: str
    status: str
    pacing_mode: str
    jurisdiction: str


class CampaignChoices(BaseModel):
    campaigns: list[CampaignChoice]


class NewDisposition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    call_attempt_id: int
    code: str = Field(pattern=r"^[A-Z0-9_]{1,24}$")
    idempotency_key: str = Field(
        min_length=8,
        max_length=100,
        description="Chosen by the client, the same for every retry of one submission.",
    )
    note: str = Field(default="", max_length=4000)
    callback_at: AwareDatetime | None = Field(default=None, description="A callback instant.")
    callback_local: NaiveDatetime | None = Field(
        default=None,
        description="A callback as wall time in the customer's time zone (see the pop).",
    )
    interest: str = Field(default="", max_length=500, description="Needed for a warm lead.")
    preferred_contact_at: AwareDatetime | None = None


class DispositionView(BaseModel):
    disposition_id: int
    call_attempt_id: int
    campaign_id: int
    account_id: int
    code: str
    note: str
    recorded_at: datetime
    replayed: bool
    callback_id: int | None
    callback_due_at: datetime | None
    callback_due_local: str | None
    customer_time_zone: str | None
    lead_id: int | None
    dnc_entry_id: int | None


class CallPop(BaseModel):
    call_attempt_id: int
    campaign: dict[str, Any]
    customer: dict[str, Any]
    history: list[dict[str, Any]]
    callbacks: list[dict[str, Any]]
    script: dict[str, Any]
    dispositions: list[dict[str, Any]]


class PreviewAccount(BaseModel):
    account_id: int
    name: str
    segment: str
    tier: str
    branch: str | None
    account_manager: str | None
    risk_level: str | None
    phone: str | None
    time_zone: str
    history: list[dict[str, Any]]


class PreviewDecision(BaseModel):
    preview_decision_id: int
    action: Literal["dial", "skip"]
    replayed: bool
    call_attempt_id: int | None = Field(
        default=None, description="A dial: the call the engine placed for the rep."
    )
    refused: str | None = Field(
        default=None,
        description="A dial the engine did not place, and why (also pushed as preview_refused).",
    )
    refused_zh: str | None = Field(
        default=None, description="The compliance gate's reason in Chinese, when it has one."
    )


# -- helpers --------------------------------------------------------------------------------


def _problem(exc: ConsoleError, language: str = "en") -> Problem:
    title = (exc.__doc__ or type(exc).__name__).strip().split("\n")[0]
    if isinstance(exc, CallbackRefused) and language == "zh":
        return Problem(exc.status, title, exc.message_zh)
    return Problem(exc.status, title, str(exc))


async def _join_audio(
    request: web.Request, user_id: int, previous: int | None, session_id: int
) -> None:
    """After log-in: a phone-leg rep's phone rings and joins their room (once)."""

    telephony = telephony_of(request)
    if telephony is None:
        return
    pool = pool_of(request)
    if previous is not None:
        await audio.carry_phone_leg(pool, previous, session_id)
    await audio.join_phone_leg(
        pool, telephony, audio.rep_leg_caller_id(request.app[SETTINGS]), user_id
    )


async def session_view(executor: Any, user_id: int, now: datetime) -> SessionView:
    row = await agent_sessions.current_session(executor, user_id)
    info = None
    if row is not None:
        call_id = row["current_call_attempt_id"]
        disposed = (
            call_id is not None
            and await executor.fetchrow(QUERIES["disposition_by_call"], call_id) is not None
        )
        info = SessionInfo(
            agent_session_id=row["agent_session_id"],
            campaign_id=row["campaign_id"],
            campaign_name=row["campaign_name"],
            pacing_mode=row["pacing_mode"],
            state=row["state"],
            pause_code=row["pause_code"],
            state_since=row["state_since"],
            started_at=row["started_at"],
            call_attempt_id=call_id,
            wrap_up_max_seconds=row["wrap_up_max_seconds"],
            call_disposed=disposed,
        )
    return SessionView(
        logged_in=info is not None,
        session=info,
        now=now,
        pause_codes=list(agent_sessions.REP_PAUSE_CODES),
    )


# -- agent session --------------------------------------------------------------------------


@routes.route(
    "GET",
    "/api/v1/console/campaigns",
    roles=REPS,
    summary="Campaigns a rep may log in to.",
    response=CampaignChoices,
)
async def console_campaigns(request: web.Request) -> web.Response:
    rows = await pool_of(request).fetch(QUERIES["campaigns_open_to_reps"])
    return json_response(CampaignChoices(campaigns=[CampaignChoice(**dict(r)) for r in rows]))


@routes.route(
    "GET",
    "/api/v1/console/session",
    roles=REPS,
    summary="The rep's session: campaign, state and since when (null when logged out).",
    response=SessionView,
)
async def get_session(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    return json_response(await session_view(pool_of(request), user.user_id, now_of(request)))


@routes.route(
    "POST",
    "/api/v1/console/session",
    roles=REPS,
    summary="Log in to a campaign (paused with code 'login' until the rep goes ready).",
    body=LogIn,
    response=SessionView,
)
async def log_in(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    body = await read_body(request, LogIn)
    now = now_of(request)
    async with pool_of(request).acquire() as connection:
        before = await agent_sessions.current_session(connection, user.user_id)
        try:
            session = await agent_sessions.log_in(connection, user.user_id, body.campaign_id, now)
        except ConsoleError as exc:
            raise _problem(exc) from exc
    await _join_audio(
        request,
        user.user_id,
        before["agent_session_id"] if before is not None else None,
        session.agent_session_id,
    )
    async with pool_of(request).acquire() as connection:
        return json_response(await session_view(connection, user.user_id, now), status=201)


@routes.route(
    "POST",
    "/api/v1/console/state",
    roles=REPS,
    summary="Go ready, or pause with a pause code (break, lunch, meeting, ...).",
    body=StateChange,
    response=SessionView,
)
async def change_state(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    body = await read_body(request, StateChange)
    now = now_of(request)
    async with pool_of(request).acquire() as connection:
        try:
            if body.state == "ready":
                session = await agent_sessions.go_ready(connection, user.user_id, now)
            else:
                if body.pause_code not in agent_sessions.REP_PAUSE_CODES:
                    raise Problem(
                        422,
                        "Unknown pause code",
                        f"use one of {', '.join(agent_sessions.REP_PAUSE_CODES)}",
                    )
                await agent_sessions.set_agent_state(
                    connection, user.user_id, RepState.PAUSED, now, pause_code=body.pause_code
                )
        except ConsoleError as exc:
            raise _problem(exc) from exc
    if body.state == "ready":
        # a phone-leg rep whose phone dropped (paused 'phone_lost') is rung again
        await _join_audio(request, user.user_id, None, session.agent_session_id)
    async with pool_of(request).acquire() as connection:
        return json_response(await session_view(connection, user.user_id, now))


@routes.route(
    "POST",
    "/api/v1/console/logout",
    roles=REPS,
    summary="Log out of the campaign (from ready, paused or wrap-up).",
    response=SessionView,
)
async def log_out(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    now = now_of(request)
    async with pool_of(request).acquire() as connection:
        try:
            ended = await agent_sessions.log_out(connection, user.user_id, now)
        except ConsoleError as exc:
            raise _problem(exc) from exc
    telephony = telephony_of(request)
    if telephony is not None:
        await audio.drop_phone_leg(
            pool_of(request), telephony, ended.agent_session_id, user.user_id
        )
    async with pool_of(request).acquire() as connection:
        return json_response(await session_view(connection, user.user_id, now))


# -- calls and dispositions -----------------------------------------------------------------


@routes.route(
    "GET",
    "/api/v1/console/calls/{call_attempt_id}",
    roles=REPS,
    summary="The customer pop of one of the rep's calls: customer, history, script, codes.",
    response=CallPop,
)
async def get_call(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    call_id = path_int(request, "call_attempt_id")
    pool = pool_of(request)
    call = await pool.fetchrow(QUERIES["call_for_rep"], call_id)
    if call is None:
        raise Problem(404, "Not found", f"There is no call {call_id}.")
    if call["agent_user_id"] != user.user_id:
        raise _problem(NotYourCall(f"call {call_id} was connected to another rep"))
    pop = await build_pop(
        pool, call_id, user.user_id, now_of(request), request.app[SETTINGS].firm_name
    )
    return json_response(pop)


@routes.route(
    "POST",
    "/api/v1/console/dispositions",
    roles=REPS,
    summary="Record a call's outcome exactly once (idempotency key); 200 on a replay.",
    body=NewDisposition,
    response=DispositionView,
)
async def post_disposition(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    body = await read_body(request, NewDisposition)
    entry = DispositionInput(**body.model_dump())
    async with pool_of(request).acquire() as connection:
        try:
            recorded = await record_disposition(
                connection, user.user_id, entry, now_of(request), rules=request.app[GATE_RULES]
            )
        except ConsoleError as exc:
            raise _problem(exc, user.language) from exc
    return json_response(recorded.as_dict(), status=200 if recorded.replayed else 201)


@routes.route(
    "GET",
    "/api/v1/console/my-day",
    roles=REPS,
    summary="My day: calls, contacts, talk time, calls per hour, average talk, leads, callbacks.",
    response=stats.MyDay,
)
async def my_day(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    return json_response(await stats.my_day(pool_of(request), user.user_id, now_of(request)))


@routes.route(
    "GET",
    "/api/v1/console/audio",
    roles=REPS,
    summary="How the rep joins the call audio (browser SDK token, own phone, or simulated).",
    response=AudioLeg,
)
async def get_audio(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    rep = await pool_of(request).fetchrow(QUERIES["rep_profile"], user.user_id)
    return json_response(audio_leg_for(rep, request.app[SETTINGS], now_of(request)))


# -- preview mode ---------------------------------------------------------------------------


async def _preview_campaign(request: web.Request, user_id: int) -> int:
    session = await agent_sessions.current_session(pool_of(request), user_id)
    if session is None or session["campaign_id"] is None:
        raise _problem(NotLoggedIn("log in to a campaign to preview its accounts"))
    campaign_id: int = session["campaign_id"]
    return campaign_id


@routes.route(
    "GET",
    "/api/v1/console/preview",
    roles=REPS,
    summary="Preview mode: the next account of the rep's campaign, before it is dialled.",
    response=PreviewAccount,
)
async def get_preview(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    campaign_id = await _preview_campaign(request, user.user_id)
    try:
        account = await preview.next_account(pool_of(request), campaign_id, now_of(request))
    except ConsoleError as exc:
        raise _problem(exc) from exc
    return json_response(account)


async def _decide(request: web.Request, action: Literal["dial", "skip"]) -> web.Response:
    user = auth.current_user(request)
    account_id = path_int(request, "account_id")
    campaign_id = await _preview_campaign(request, user.user_id)
    now = now_of(request)
    async with pool_of(request).acquire() as connection:
        try:
            decision = await preview.decide_preview(
                connection, campaign_id, account_id, user.user_id, action, now
            )
        except ConsoleError as exc:
            raise _problem(exc) from exc
    placed = False
    if action == "dial" and decision.get("call_attempt_id") is None:
        telephony = telephony_of(request)
        if telephony is not None:
            # a replay without a call is a dial still pending (refused, say, while the rep
            # was paused): the engine tries it again; a placed dial replays its call
            dialed = await dial_preview(telephony, campaign_id, user.user_id, account_id, now)
            decision["call_attempt_id"] = dialed.call_attempt_id
            decision["refused"] = dialed.refused
            decision["refused_zh"] = dialed.refused_zh
            placed = dialed.call_attempt_id is not None
    if action == "dial" and (not decision["replayed"] or placed):
        await request.app[EVENTS].publish(
            campaign_channel(campaign_id),
            {
                "kind": "preview_dial",
                "campaign_id": campaign_id,
                "account_id": account_id,
                "user_id": user.user_id,
                "preview_decision_id": decision["preview_decision_id"],
                "call_attempt_id": decision.get("call_attempt_id"),
            },
        )
    return json_response(decision, status=200 if decision["replayed"] else 201)


@routes.route(
    "POST",
    "/api/v1/console/preview/{account_id}/dial",
    roles=REPS,
    summary="Preview mode: dial this account (the engine places the call).",
    response=PreviewDecision,
)
async def preview_dial(request: web.Request) -> web.Response:
    return await _decide(request, "dial")


@routes.route(
    "POST",
    "/api/v1/console/preview/{account_id}/skip",
    roles=REPS,
    summary="Preview mode: skip this account.",
    response=PreviewDecision,
)
async def preview_skip(request: web.Request) -> web.Response:
    return await _decide(request, "skip")


# -- the page and its WebSocket -------------------------------------------------------------


def _client_messages(language: str) -> dict[str, str]:
    lang = language if language in ("zh", "en") else "zh"
    return {
        key: entry[lang]
        for key, entry in ALL_MESSAGES.items()
        if key.startswith("console_") or key == "rep_console"
    }


@routes.route("GET", "/rep", roles=REPS, summary="The rep console.", api=False)
async def rep_page(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    pool = pool_of(request)
    now = now_of(request)
    view = await session_view(pool, user.user_id, now)
    campaigns = await pool.fetch(QUERIES["campaigns_open_to_reps"])
    day = await stats.my_day(pool, user.user_id, now)
    rep = await pool.fetchrow(QUERIES["rep_profile"], user.user_id)
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
        pause_codes=agent_sessions.REP_PAUSE_CODES,
        # "</" escaped so that no text can close the <script> element it is embedded in
        client_messages=json.dumps(_client_messages(user.language), ensure_ascii=False).replace(
            "</", "<\\/"
        ),
        initial=_json(view).replace("</", "<\\/"),
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


@routes.route(
    "GET",
    "/console/ws",
    roles=REPS,
    summary="The rep's live events: call_connected with the pop, state_changed.",
    api=False,
)
async def console_ws(request: web.Request) -> web.StreamResponse:
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


__all__ = ["routes", "messages"]
