"""Live monitoring of a rep's call: a team leader (or supervisor) listens (muted), whispers
to the rep (Twilio's coach) or barges in (a full participant), through the carrier's
conference participants. Every session, each change of mode and its end are in the audit
log; only the rep's own team leader or a supervisor may monitor, and only a live call."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg
import structlog
from aiohttp import web
from pydantic import BaseModel

from dialer import auth
from dialer.floor.audio_rooms import room_for
from dialer.http import Problem, Routes, json_response, read_body
from dialer.keys import now_of, pool_of, settings_of, telephony_of
from dialer.sql import load_queries
from dialer.teamlead.access import LEADERS, rep_in_reach
from dialer.telephony.provider import CallNotLive, MonitorMode, TelephonyError, TelephonyProvider

log = structlog.get_logger(__name__)
routes = Routes()
QUERIES = load_queries("dialer.teamlead")
_LIVE_CALL = frozenset({"in_progress"})


class StartMonitoring(BaseModel):
    rep_user_id: int
    mode: MonitorMode = MonitorMode.LISTEN


class ChangeMode(BaseModel):
    mode: MonitorMode


def _provider(request: web.Request) -> TelephonyProvider:
    telephony = telephony_of(request)
    if telephony is None:
        raise Problem(503, "No carrier", "This process has no telephony; monitoring needs one.")
    provider: TelephonyProvider = telephony.provider
    return provider


async def _audit(
    connection: asyncpg.Connection, now: datetime, actor: int, kind: str, monitoring_id: int,
    detail: dict[str, Any],
) -> None:  # fmt: skip
    await connection.execute(
        QUERIES["audit"], now, actor, kind, "monitoring_session", monitoring_id, json.dumps(detail)
    )


def _caller_id(request: web.Request) -> str:
    settings = settings_of(request)
    caller_ids = settings.twilio_caller_ids or []
    return str(caller_ids[0]) if caller_ids else str(settings.firm_callback_number)


@routes.route(
    "POST",
    "/api/v1/teamlead/monitoring",
    roles=LEADERS,
    summary="Listen to (or whisper to, or barge into) a rep's live call.",
    body=StartMonitoring,
)
async def start_monitoring(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    body = await read_body(request, StartMonitoring)
    pool = pool_of(request)
    now = now_of(request)
    rep = await rep_in_reach(pool, user, body.rep_user_id)
    if rep["user_id"] == user.user_id:
        raise Problem(409, "That is you", "Nobody monitors their own calls.")
    call = await pool.fetchrow(QUERIES["rep_call_now"], body.rep_user_id)
    if call is None or call["state"] != "on_call" or call["call_status"] not in _LIVE_CALL:
        raise Problem(409, "No live call", f"{rep['display_name']} is not on a call just now.")
    provider = _provider(request)
    room = room_for(body.rep_user_id)
    phone = await pool.fetchval(QUERIES["monitor_phone"], user.user_id)
    to = phone or f"client:teamlead-{user.user_id}"
    async with pool.acquire() as connection, connection.transaction():
        for stale in await connection.fetch(QUERIES["end_stale_monitoring"], user.user_id, now):
            await _audit(
                connection, now, user.user_id, "monitoring_ended", stale["monitoring_id"],
                {"rep_user_id": stale["rep_user_id"], "mode": stale["mode"], "why": "call_ended"},
            )  # fmt: skip
        try:
            monitoring_id = await connection.fetchval(
                QUERIES["open_monitoring"], user.user_id, body.rep_user_id,
                call["call_attempt_id"], room, body.mode.value, now,
            )  # fmt: skip
        except asyncpg.UniqueViolationError as exc:
            raise Problem(
                409, "Already monitoring", "End your current monitoring session first."
            ) from exc
        try:
            participant = await provider.add_monitor(
                room, to, _caller_id(request), body.mode, call["provider_call_id"]
            )
        except CallNotLive as exc:
            raise Problem(409, "No live call", str(exc)) from exc
        except TelephonyError as exc:
            raise Problem(502, "The carrier refused", str(exc)) from exc
        await connection.execute(QUERIES["set_monitoring_participant"], monitoring_id, participant)
        await _audit(
            connection, now, user.user_id, "monitoring_started", monitoring_id,
            {"rep_user_id": body.rep_user_id, "call_attempt_id": call["call_attempt_id"],
             "mode": body.mode.value, "room": room},
        )  # fmt: skip
    log.info("monitoring_started", monitor=user.user_id, rep=body.rep_user_id, mode=body.mode.value)
    return json_response(
        {"monitoring_id": monitoring_id, "rep_user_id": body.rep_user_id,
         "rep_name": rep["display_name"], "mode": body.mode.value,
         "call_attempt_id": call["call_attempt_id"]},
        status=201,
    )  # fmt: skip


async def _own_session(
    connection: asyncpg.Connection, user: auth.CurrentUser, monitoring_id: int
) -> asyncpg.Record:
    row: asyncpg.Record | None = await connection.fetchrow(QUERIES["monitoring_of"], monitoring_id)
    if row is None or row["monitor_user_id"] != user.user_id:
        raise Problem(404, "No such monitoring session", "You have no such monitoring session.")
    if row["ended_at"] is not None:
        raise Problem(409, "Already ended", "This monitoring session has ended.")
    return row


@routes.route(
    "PATCH",
    "/api/v1/teamlead/monitoring/{monitoring_id:\\d+}",
    roles=LEADERS,
    summary="Switch a monitoring session between listen, whisper and barge.",
    body=ChangeMode,
)
async def change_mode(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    body = await read_body(request, ChangeMode)
    monitoring_id = int(request.match_info["monitoring_id"])
    provider = _provider(request)
    now = now_of(request)
    async with pool_of(request).acquire() as connection, connection.transaction():
        row = await _own_session(connection, user, monitoring_id)
        try:
            await provider.set_monitor_mode(
                row["room"], row["participant_call_id"], body.mode, row["provider_call_id"]
            )
        except CallNotLive as exc:
            raise Problem(409, "No live call", str(exc)) from exc
        except TelephonyError as exc:
            raise Problem(502, "The carrier refused", str(exc)) from exc
        await connection.execute(QUERIES["set_monitoring_mode"], monitoring_id, body.mode.value)
        await _audit(
            connection, now, user.user_id, "monitoring_mode_changed", monitoring_id,
            {"from": row["mode"], "to": body.mode.value, "rep_user_id": row["rep_user_id"]},
        )  # fmt: skip
    return json_response(
        {"monitoring_id": monitoring_id, "rep_user_id": row["rep_user_id"],
         "rep_name": row["rep_name"], "mode": body.mode.value},
    )  # fmt: skip


@routes.route(
    "DELETE",
    "/api/v1/teamlead/monitoring/{monitoring_id:\\d+}",
    roles=LEADERS,
    summary="End a monitoring session.",
)
async def stop_monitoring(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    monitoring_id = int(request.match_info["monitoring_id"])
    provider = _provider(request)
    now = now_of(request)
    async with pool_of(request).acquire() as connection, connection.transaction():
        row = await _own_session(connection, user, monitoring_id)
        try:
            await provider.remove_monitor(row["room"], row["participant_call_id"])
        except TelephonyError as exc:
            raise Problem(502, "The carrier refused", str(exc)) from exc
        await connection.execute(QUERIES["end_monitoring"], monitoring_id, now)
        await _audit(
            connection, now, user.user_id, "monitoring_ended", monitoring_id,
            {"rep_user_id": row["rep_user_id"], "mode": row["mode"]},
        )  # fmt: skip
    return json_response({"monitoring_id": monitoring_id, "ended": True})
