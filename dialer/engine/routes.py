"""Campaign control (start, pause, live figures) and the provider's webhooks."""

from __future__ import annotations

import time

from aiohttp import web

from dialer.compliance.gatekeeper import campaign_start_problems
from dialer.engine.figures import campaign_figures
from dialer.engine.service import TELEPHONY
from dialer.floor.audio_rooms import phone_leg_ended, rep_of_leg, rep_room_decision
from dialer.http import PUBLIC, Handler, Problem, Role, Routes, json_response, path_int
from dialer.keys import CLOCK, GATE_RULES, pool_of
from dialer.quality.sms import apply_reply
from dialer.recordings.recorder import recording_status_webhook
from dialer.runtime.metrics import WEBHOOK_SECONDS
from dialer.telephony.provider import WEBHOOK_HOOKS, CallEventKind, EndReason
from dialer.telephony.providers import fixed_webhook_paths

routes = Routes()
_MANAGERS = {Role.CAMPAIGN_MANAGER, Role.ADMIN}
_WATCHERS = {Role.CAMPAIGN_MANAGER, Role.ADMIN, Role.TEAM_LEADER}


# The provider authenticates by signature (checked in TelephonyWebhooks), not by login.
async def _answer(request: web.Request) -> web.Response:
    return await request.app[TELEPHONY].webhooks.answer(request)


async def _status(request: web.Request) -> web.Response:
    return await request.app[TELEPHONY].webhooks.status(request)


async def _amd(request: web.Request) -> web.Response:
    return await request.app[TELEPHONY].webhooks.amd(request)


async def _rep_room(request: web.Request) -> web.Response:
    """A rep's browser leg (the provider's client identity, `rep-<id>`) or phone leg
    (`?rep=<id>`, inside the signed URL) joins the rep's own room."""

    telephony = request.app[TELEPHONY]
    params = await telephony.webhooks.verified(request)
    call = telephony.provider.answered_call(params, attempt_ref=None)
    decision = await rep_room_decision(
        pool_of(request), call, request.query.get("rep"), asked_room=params.get("room")
    )
    content_type, body = telephony.provider.render_answer(decision)
    return web.Response(text=body, content_type=content_type)


async def _rep_leg_status(request: web.Request) -> web.Response:
    """The end of a rep's phone leg frees (and pauses) the rep. The rep comes from the
    signed URL (`?rep=<id>`), the leg from the event; only the session's current leg
    counts, so a late callback of an old leg changes nothing."""

    telephony = request.app[TELEPHONY]
    params = await telephony.webhooks.verified(request)
    now = request.app[CLOCK]()
    user_id = rep_of_leg("", request.query.get("rep"))
    event = telephony.provider.parse_event(
        "status", params, request.headers, attempt_ref=None, received_at=now
    )
    if user_id is not None and event is not None and event.kind is CallEventKind.COMPLETED:
        reason = event.end_reason or EndReason.COMPLETED
        await phone_leg_ended(pool_of(request), user_id, event.call_id, reason.value, now)
    return web.Response(status=204)


async def _recording_status(request: web.Request) -> web.Response:
    """A recording's end (signed by the carrier): its audio is fetched and kept."""
    telephony = request.app[TELEPHONY]
    params = await telephony.webhooks.verified(request)
    return await recording_status_webhook(request, telephony.provider, telephony.recorder, params)


async def _sms_reply(request: web.Request) -> web.Response:
    """A customer's SMS (signed by the carrier): a survey rating, or STOP."""
    telephony = request.app[TELEPHONY]
    params = await telephony.webhooks.verified(request)
    reply = telephony.provider.parse_sms_reply(params)
    if reply is not None:
        await apply_reply(pool_of(request), reply, request.app[CLOCK]())
    return web.Response(status=204)


_HOOKS: dict[str, Handler] = {
    "answer": _answer,
    "status": _status,
    "amd": _amd,
    "rep-room": _rep_room,
    "rep-leg-status": _rep_leg_status,
    "recording-status": _recording_status,
    "sms-reply": _sms_reply,
}
assert set(_HOOKS) == set(WEBHOOK_HOOKS)


async def _to_active_provider(request: web.Request, provider: str, hook: str) -> web.StreamResponse:
    """Only the active provider's webhooks are served; any other name is not found."""
    handler = _HOOKS.get(hook)
    if handler is None or provider != request.app[TELEPHONY].provider.name:
        raise Problem(404, "Not found", "No such webhook on this service.")
    # the process's own monotonic clock: this measures the answer's latency, not business time
    started = time.perf_counter()
    try:
        return await handler(request)
    finally:
        WEBHOOK_SECONDS.labels(provider, hook).observe(time.perf_counter() - started)


@routes.route(
    "POST",
    "/telephony/{provider}/{hook}",
    roles=PUBLIC,
    summary="The active telephony provider's webhooks: answer, status, amd, rep-room, "
    "rep-leg-status.",
    api=False,
    csrf_exempt=True,
)
async def provider_webhook(request: web.Request) -> web.StreamResponse:
    return await _to_active_provider(
        request, request.match_info["provider"], request.match_info["hook"]
    )


def _fixed_webhook(provider: str, hook: str) -> Handler:
    async def fixed_webhook(request: web.Request) -> web.StreamResponse:
        return await _to_active_provider(request, provider, hook)

    return fixed_webhook


# URLs a carrier was configured with before /telephony/<name>/<hook> (Twilio's TwiML app)
for _path, _provider, _hook in fixed_webhook_paths():
    routes.route(
        "POST",
        _path,
        roles=PUBLIC,
        summary=f"The {_provider} {_hook} webhook at the URL the carrier is configured with.",
        api=False,
        csrf_exempt=True,
    )(_fixed_webhook(_provider, _hook))


async def _campaign_status(request: web.Request, campaign_id: int) -> str:
    status = await pool_of(request).fetchval(
        "SELECT status FROM campaigns WHERE campaign_id = $1", campaign_id
    )
    if status is None:
        raise Problem(404, "Not found", f"No campaign {campaign_id}.")
    return str(status)


@routes.route(
    "POST",
    "/api/v1/campaigns/{campaign_id}/start",
    statuses=(200,),
    roles=_MANAGERS,
    summary="Start (or resume) dialing a campaign in this process.",
)
async def start_campaign(request: web.Request) -> web.Response:
    campaign_id = path_int(request, "campaign_id")
    status = await _campaign_status(request, campaign_id)
    if status == "finished":
        raise Problem(409, "Campaign finished", "A finished campaign cannot be started again.")
    now = request.app[CLOCK]()
    pool = pool_of(request)
    async with pool.acquire() as connection:
        problems = await campaign_start_problems(
            connection, campaign_id, now, rules=request.app[GATE_RULES]
        )
    if problems:
        raise Problem(
            422,
            "Campaign not ready",
            "Fix these before starting.",
            errors=[{"field": "campaign", "message": p} for p in problems],
        )
    await pool.execute(
        "UPDATE campaigns SET status = 'running', started_at = coalesce(started_at, $2) WHERE campaign_id = $1",
        campaign_id,
        now,
    )
    queued = await request.app[TELEPHONY].start_campaign(campaign_id, now)
    return json_response(
        {"campaign_id": campaign_id, "status": "running", "numbers_queued": queued}
    )


@routes.route(
    "POST",
    "/api/v1/campaigns/{campaign_id}/pause",
    statuses=(200,),
    roles=_MANAGERS,
    summary="Stop launching new calls; calls in progress finish.",
)
async def pause_campaign(request: web.Request) -> web.Response:
    campaign_id = path_int(request, "campaign_id")
    await _campaign_status(request, campaign_id)
    await request.app[TELEPHONY].stop_campaign(campaign_id)
    await pool_of(request).execute(
        "UPDATE campaigns SET status = 'paused' WHERE campaign_id = $1 AND status = 'running'",
        campaign_id,
    )
    return json_response({"campaign_id": campaign_id, "status": "paused"})


@routes.route(
    "POST",
    "/api/v1/campaigns/{campaign_id}/finish",
    roles=_MANAGERS,
    summary="Finish a campaign for good: no more calls (calls in progress finish); it "
    "cannot be started again, only cloned.",
    statuses=(200,),
)
async def finish_campaign(request: web.Request) -> web.Response:
    campaign_id = path_int(request, "campaign_id")
    await _campaign_status(request, campaign_id)
    await request.app[TELEPHONY].stop_campaign(campaign_id)
    await pool_of(request).execute(
        "UPDATE campaigns SET status = 'finished', finished_at = coalesce(finished_at, $2)"
        " WHERE campaign_id = $1",
        campaign_id,
        request.app[CLOCK](),
    )
    return json_response({"campaign_id": campaign_id, "status": "finished"})


@routes.route(
    "GET",
    "/api/v1/campaigns/{campaign_id}/figures",
    roles=_WATCHERS,
    summary="Dials, person answers, abandon rate and occupancy, from the database.",
)
async def figures(request: web.Request) -> web.Response:
    campaign_id = path_int(request, "campaign_id")
    await _campaign_status(request, campaign_id)
    result = await campaign_figures(pool_of(request), campaign_id, request.app[CLOCK]())
    engine = request.app[TELEPHONY].engines.get(campaign_id)
    result["pacing"] = engine.figures.last_decision if engine else None
    return json_response(result)
