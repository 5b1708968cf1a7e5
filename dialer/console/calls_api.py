"""A rep's calls over the API: the customer pop of a call, its outcome (recorded exactly
once), the rep's day, and how the rep hears the audio."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, NaiveDatetime

from dialer import auth
from dialer.console import stats
from dialer.console.api import RepRoutes, floor_connection, problem_of
from dialer.console.audio import AudioLeg, audio_leg_for
from dialer.console.customer_pop import build_pop
from dialer.floor import access
from dialer.floor.calls import call_attempt, rep_profile
from dialer.floor.dispositions import DispositionInput, record_disposition
from dialer.floor.errors import NotYourCall
from dialer.http import Problem, json_response, path_int, read_body, route_name
from dialer.keys import GATE_RULES, SETTINGS, now_of, pool_of

routes = RepRoutes()


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


@routes.rep("GET", "/api/v1/console/calls/{call_attempt_id}", response=CallPop)
async def get_call(request: web.Request) -> web.Response:
    """The customer pop of one of the rep's calls: customer, history, script, codes."""
    user = auth.current_user(request)
    call_id = path_int(request, "call_attempt_id")
    pool = pool_of(request)
    call = await call_attempt(pool, call_id)
    if call is None:
        raise Problem(404, "Not found", f"There is no call {call_id}.")
    if call["agent_user_id"] != user.user_id:
        raise problem_of(NotYourCall(f"call {call_id} was connected to another rep"))
    reason = await access.rep_need(pool, user.user_id, call["account_id"])
    if reason is None:  # an old call of theirs: the customer is no longer on their work
        raise Problem(404, "Not found", f"Call {call_id} is over; its customer is not shown.")
    pop = await build_pop(
        pool, call_id, user.user_id, now_of(request), request.app[SETTINGS].firm_name
    )
    await access.record_access(
        pool,
        user_id=user.user_id,
        role=user.role.value,
        account_ids=[call["account_id"]],
        route=route_name(request),
        reason=reason,
        now=now_of(request),
    )
    return json_response(pop)


@routes.rep(
    "POST",
    "/api/v1/console/dispositions",
    statuses=(200, 201),
    body=NewDisposition,
    response=DispositionView,
)
async def post_disposition(request: web.Request) -> web.Response:
    """Record a call's outcome exactly once (idempotency key); 200 on a replay."""
    user = auth.current_user(request)
    body = await read_body(request, NewDisposition)
    entry = DispositionInput(**body.model_dump())
    async with floor_connection(request, user.language) as connection:
        recorded = await record_disposition(
            connection, user.user_id, entry, now_of(request), rules=request.app[GATE_RULES]
        )
    return json_response(recorded.as_dict(), status=200 if recorded.replayed else 201)


@routes.rep("GET", "/api/v1/console/my-day", response=stats.MyDay)
async def my_day(request: web.Request) -> web.Response:
    """My day: calls, contacts, talk time, calls per hour, average talk, leads, callbacks."""
    user = auth.current_user(request)
    return json_response(await stats.my_day(pool_of(request), user.user_id, now_of(request)))


@routes.rep("GET", "/api/v1/console/audio", response=AudioLeg)
async def get_audio(request: web.Request) -> web.Response:
    """How the rep joins the call audio (browser SDK token, own phone, or simulated)."""
    user = auth.current_user(request)
    rep = await rep_profile(pool_of(request), user.user_id)
    return json_response(audio_leg_for(rep, request.app[SETTINGS], now_of(request)))
