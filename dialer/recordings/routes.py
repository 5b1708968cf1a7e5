"""Listening to recordings through the service: the index of an attempt's recordings, a
recording's facts, and its audio as an authenticated stream with HTTP Range (the player
seeks by asking for a range). The carrier's URL is never given out. Only the rep of the
call, their team leader, QA reviewers and compliance officers may listen
(`access.may_listen`), every other caller is refused, and every playback and download is
in the audit log."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp import web
from pydantic import BaseModel, Field

from dialer.auth import current_user
from dialer.http import Problem, Role, Routes, json_response, path_int, read_body
from dialer.keys import now_of, pool_of
from dialer.recordings.access import LISTENER_ROLES, may_listen
from dialer.recordings.recorder import QUERIES

routes = Routes()

_FACTS = (
    "recording_id",
    "call_attempt_id",
    "status",
    "channels",
    "duration_seconds",
    "started_at",
    "completed_at",
    "media_type",
    "media_bytes",
    "jurisdiction",
    "purpose",
    "retain_until",
    "deleted_at",
    "provider",
    "provider_recording_id",
    "provider_call_id",
    "rep_user_id",
)


async def _listenable(request: web.Request, recording_id: int) -> asyncpg.Record:
    """The recording's facts once the caller may listen to it; 404 / 403 otherwise."""
    row = await pool_of(request).fetchrow(QUERIES["recording_facts"], recording_id)
    if row is None:
        raise Problem(404, "Not found", f"No recording {recording_id}.")
    user = current_user(request)
    if not may_listen(
        user.role, user.user_id, user.team_id, row["rep_user_id"], row["rep_team_id"]
    ):
        raise Problem(
            403,
            "Not yours to hear",
            "Only the rep on the call, their team leader, QA and compliance may listen.",
        )
    return row


def _facts(row: asyncpg.Record) -> dict[str, Any]:
    facts = {name: row[name] for name in _FACTS}
    facts["audio_url"] = f"/api/v1/recordings/{row['recording_id']}/audio"
    return facts


@routes.route(
    "GET",
    "/api/v1/attempts/{attempt_id}/recordings",
    roles=LISTENER_ROLES,
    summary="The recordings of one call attempt (those the caller may listen to).",
)
async def attempt_recordings(request: web.Request) -> web.Response:
    attempt_id = path_int(request, "attempt_id")
    pool = pool_of(request)
    found = []
    for recording_id in await pool.fetch(QUERIES["recordings_of_attempt"], attempt_id):
        found.append(_facts(await _listenable(request, recording_id["recording_id"])))
    return json_response({"call_attempt_id": attempt_id, "recordings": found})


@routes.route(
    "GET",
    "/api/v1/recordings/{recording_id}",
    roles=LISTENER_ROLES,
    summary="A recording's facts: duration, channels, the carrier's ids, its retention.",
)
async def recording_facts(request: web.Request) -> web.Response:
    return json_response(_facts(await _listenable(request, path_int(request, "recording_id"))))


@routes.route(
    "GET",
    "/api/v1/recordings/{recording_id}/audio",
    roles=LISTENER_ROLES,
    summary="A recording's audio (HTTP Range for seeking; ?download=1 as an attachment); "
    "every request is audited.",
    api=False,
)
async def recording_audio(request: web.Request) -> web.StreamResponse:
    recording_id = path_int(request, "recording_id")
    row = await _listenable(request, recording_id)
    if row["deleted_at"] is not None or not row["media_bytes"]:
        raise Problem(410, "Recording gone", "This recording's audio is not (or no longer) kept.")
    size = int(row["media_bytes"])
    start, end = _range(request, size)
    download = request.query.get("download") == "1"
    pool = pool_of(request)
    chunk = await pool.fetchval(QUERIES["media_slice"], recording_id, start, end - start)
    user = current_user(request)
    await pool.execute(
        QUERIES["audit"],
        now_of(request),
        user.user_id,
        "recording_downloaded" if download else "recording_played",
        recording_id,
        {"call_attempt_id": row["call_attempt_id"], "range": [start, end - 1], "role": user.role},
    )
    partial = "Range" in request.headers
    response = web.Response(body=bytes(chunk), status=206 if partial else 200)
    response.content_type = row["media_type"] or "audio/x-wav"
    response.headers["Accept-Ranges"] = "bytes"
    response.headers["Cache-Control"] = "private, no-store"
    if partial:
        response.headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    if download:
        response.headers["Content-Disposition"] = (
            f'attachment; filename="recording-{recording_id}.wav"'
        )
    return response


def _range(request: web.Request, size: int) -> tuple[int, int]:
    """The requested [start, end) of the audio; 416 for a range outside it."""
    if "Range" not in request.headers:
        return 0, size
    try:
        wanted = request.http_range
    except ValueError as exc:
        raise _unsatisfiable(size) from exc
    start = wanted.start or 0
    if start < 0:  # bytes=-N: the last N bytes
        start = max(0, size + start)
    end = size if wanted.stop is None else min(wanted.stop, size)
    if start >= size or end <= start:
        raise _unsatisfiable(size)
    return start, end


def _unsatisfiable(size: int) -> Problem:
    problem = Problem(416, "Range not satisfiable", f"The audio has {size} bytes.")
    problem.headers["Content-Range"] = f"bytes */{size}"
    return problem


class RecordingOptOut(BaseModel):
    note: str = Field(default="", max_length=500)


@routes.route(
    "POST",
    "/api/v1/accounts/{account_id}/recording-opt-out",
    roles={Role.TELESALES_REP, Role.TEAM_LEADER, Role.COMPLIANCE_OFFICER},
    summary="The customer refuses to be recorded: none of their calls is recorded again.",
    body=RecordingOptOut,
)
async def recording_opt_out(request: web.Request) -> web.Response:
    account_id = path_int(request, "account_id")
    body = await read_body(request, RecordingOptOut)
    user = current_user(request)
    now = now_of(request)
    pool = pool_of(request)
    try:
        async with pool.acquire() as connection, connection.transaction():
            added = await connection.fetchval(
                QUERIES["recording_opt_out"], account_id, now, user.user_id, body.note
            )
            if added is not None:
                await connection.execute(
                    QUERIES["account_audit"],
                    now,
                    user.user_id,
                    "recording_opt_out",
                    account_id,
                    {"note": body.note},
                )
    except asyncpg.ForeignKeyViolationError as exc:
        raise Problem(404, "Not found", f"No customer {account_id}.") from exc
    return json_response(
        {"account_id": account_id, "recorded": added is not None}, status=201 if added else 200
    )
