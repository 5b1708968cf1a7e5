"""The rep's session over the API: the campaigns open to reps, log in, ready or pause, log
out; and the session view the page and its WebSocket show."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from campaigns.agents import RepState
from dialer import auth
from dialer.console import audio
from dialer.console.api import RepRoutes, floor_connection
from dialer.floor import sessions
from dialer.floor.calls import disposition_of_call
from dialer.http import Problem, json_response, read_body
from dialer.keys import SETTINGS, now_of, pool_of, telephony_of
from dialer.sql import load_queries

routes = RepRoutes()
QUERIES = load_queries("dialer.console")


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


async def session_view(executor: Any, user_id: int, now: datetime) -> SessionView:
    row = await sessions.current_session(executor, user_id)
    info = None
    if row is not None:
        call_id = row["current_call_attempt_id"]
        disposed = call_id is not None and await disposition_of_call(executor, call_id) is not None
        # the row's other columns are the session's fields by name
        info = SessionInfo(**dict(row), call_attempt_id=call_id, call_disposed=disposed)
    return SessionView(
        logged_in=info is not None,
        session=info,
        now=now,
        pause_codes=list(sessions.REP_PAUSE_CODES),
    )


async def _session_reply(
    request: web.Request, user_id: int, now: datetime, status: int = 200
) -> web.Response:
    """The rep's session as it is after a change (read on a fresh connection)."""
    async with pool_of(request).acquire() as connection:
        return json_response(await session_view(connection, user_id, now), status=status)


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


@routes.rep("GET", "/api/v1/console/campaigns", response=CampaignChoices)
async def console_campaigns(request: web.Request) -> web.Response:
    """Campaigns a rep may log in to."""
    rows = await pool_of(request).fetch(QUERIES["campaigns_open_to_reps"])
    return json_response(CampaignChoices(campaigns=[CampaignChoice(**dict(r)) for r in rows]))


@routes.rep("GET", "/api/v1/console/session", response=SessionView)
async def get_session(request: web.Request) -> web.Response:
    """The rep's session: campaign, state and since when (null when logged out)."""
    user = auth.current_user(request)
    return json_response(await session_view(pool_of(request), user.user_id, now_of(request)))


@routes.rep("POST", "/api/v1/console/session", body=LogIn, response=SessionView)
async def log_in(request: web.Request) -> web.Response:
    """Log in to a campaign (paused with code 'login' until the rep goes ready)."""
    user = auth.current_user(request)
    body = await read_body(request, LogIn)
    now = now_of(request)
    async with floor_connection(request) as connection:
        before = await sessions.current_session(connection, user.user_id)
        session = await sessions.log_in(connection, user.user_id, body.campaign_id, now)
    previous = before["agent_session_id"] if before is not None else None
    await _join_audio(request, user.user_id, previous, session.agent_session_id)
    return await _session_reply(request, user.user_id, now, status=201)


@routes.rep(
    "POST", "/api/v1/console/state", statuses=(200,), body=StateChange, response=SessionView
)
async def change_state(request: web.Request) -> web.Response:
    """Go ready, or pause with a pause code (break, lunch, meeting, ...)."""
    user = auth.current_user(request)
    body = await read_body(request, StateChange)
    if body.state == "paused" and body.pause_code not in sessions.REP_PAUSE_CODES:
        raise Problem(
            422, "Unknown pause code", f"use one of {', '.join(sessions.REP_PAUSE_CODES)}"
        )
    now = now_of(request)
    async with floor_connection(request) as connection:
        if body.state == "ready":
            session = await sessions.go_ready(connection, user.user_id, now)
        else:
            await sessions.set_agent_state(
                connection, user.user_id, RepState.PAUSED, now, pause_code=body.pause_code
            )
    if body.state == "ready":
        # a phone-leg rep whose phone dropped (paused 'phone_lost') is rung again
        await _join_audio(request, user.user_id, None, session.agent_session_id)
    return await _session_reply(request, user.user_id, now)


@routes.rep("POST", "/api/v1/console/logout", statuses=(200,), response=SessionView)
async def log_out(request: web.Request) -> web.Response:
    """Log out of the campaign (from ready, paused or wrap-up)."""
    user = auth.current_user(request)
    now = now_of(request)
    async with floor_connection(request) as connection:
        ended = await sessions.log_out(connection, user.user_id, now)
    telephony = telephony_of(request)
    if telephony is not None:
        await audio.drop_phone_leg(
            pool_of(request), telephony, ended.agent_session_id, user.user_id
        )
    return await _session_reply(request, user.user_id, now)
