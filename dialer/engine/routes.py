"""Campaign control (start, pause, live figures) and the provider's webhooks."""

from __future__ import annotations

from aiohttp import web

from dialer.console.audio import phone_leg_ended, rep_of_leg, rep_room_decision
from dialer.engine.figures import campaign_figures
from dialer.engine.service import TELEPHONY
from dialer.http import PUBLIC, Problem, Role, Routes, json_response, path_int
from dialer.telephony.twilio_adapter import REP_LEG_STATUS_PATH, REP_ROOM_PATH

routes = Routes()
_MANAGERS = {Role.CAMPAIGN_MANAGER, Role.ADMIN}
_WATCHERS = {Role.CAMPAIGN_MANAGER, Role.ADMIN, Role.TEAM_LEADER}


# The provider authenticates by signature (checked in TelephonyWebhooks), not by login.
@routes.route(
    "POST",
    "/telephony/twilio/answer",
    roles=PUBLIC,
    summary="Twilio answer webhook.",
    api=False,
    csrf_exempt=True,
)
async def twilio_answer(request: web.Request) -> web.Response:
    return await request.app[TELEPHONY].webhooks.answer(request)


@routes.route(
    "POST",
    "/telephony/twilio/status",
    roles=PUBLIC,
    summary="Twilio status callback.",
    api=False,
    csrf_exempt=True,
)
async def twilio_status(request: web.Request) -> web.Response:
    return await request.app[TELEPHONY].webhooks.status(request)


@routes.route(
    "POST",
    "/telephony/twilio/amd",
    roles=PUBLIC,
    summary="Twilio async AMD callback.",
    api=False,
    csrf_exempt=True,
)
async def twilio_amd(request: web.Request) -> web.Response:
    return await request.app[TELEPHONY].webhooks.amd(request)


@routes.route(
    "POST",
    REP_ROOM_PATH,
    roles=PUBLIC,
    summary="Twilio voice webhook: a rep's browser or phone leg joins the rep's own room.",
    api=False,
    csrf_exempt=True,
)
async def twilio_rep_room(request: web.Request) -> web.Response:
    """The Voice URL of the TwiML app (browser legs, `From=client:rep-<id>`) and of the
    calls to reps' phones (`?rep=<id>`, inside the signed URL)."""
    from dialer.app import pool_of

    telephony = request.app[TELEPHONY]
    params = await telephony.webhooks.verified(request)
    decision = await rep_room_decision(pool_of(request), params, request.query.get("rep"))
    content_type, body = telephony.provider.render_answer(decision)
    return web.Response(text=body, content_type=content_type)


@routes.route(
    "POST",
    REP_LEG_STATUS_PATH,
    roles=PUBLIC,
    summary="Twilio status callback of a rep's phone leg: its end frees (and pauses) the rep.",
    api=False,
    csrf_exempt=True,
)
async def twilio_rep_leg_status(request: web.Request) -> web.Response:
    """The rep comes from the signed URL (`?rep=<id>`), the leg from CallSid; only the
    session's current leg counts, so a late callback of an old leg changes nothing."""
    from dialer.app import CLOCK, pool_of

    params = await request.app[TELEPHONY].webhooks.verified(request)
    user_id = rep_of_leg("", request.query.get("rep"))
    call_id = params.get("CallSid", "")
    if user_id is not None and call_id:
        await phone_leg_ended(
            pool_of(request), user_id, call_id, params.get("CallStatus", ""), request.app[CLOCK]()
        )
    return web.Response(status=204)


async def _campaign_status(request: web.Request, campaign_id: int) -> str:
    from dialer.app import pool_of

    status = await pool_of(request).fetchval(
        "SELECT status FROM campaigns WHERE campaign_id = $1", campaign_id
    )
    if status is None:
        raise Problem(404, "Not found", f"No campaign {campaign_id}.")
    return str(status)


@routes.route(
    "POST",
    "/api/v1/campaigns/{campaign_id}/start",
    roles=_MANAGERS,
    summary="Start (or resume) dialing a campaign in this process.",
)
async def start_campaign(request: web.Request) -> web.Response:
    from dialer.app import CLOCK, pool_of
    from dialer.gatekeeper import campaign_start_problems

    campaign_id = path_int(request, "campaign_id")
    status = await _campaign_status(request, campaign_id)
    if status == "finished":
        raise Problem(409, "Campaign finished", "A finished campaign cannot be started again.")
    now = request.app[CLOCK]()
    pool = pool_of(request)
    async with pool.acquire() as connection:
        problems = await campaign_start_problems(connection, campaign_id, now)
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
    roles=_MANAGERS,
    summary="Stop launching new calls; calls in progress finish.",
)
async def pause_campaign(request: web.Request) -> web.Response:
    from dialer.app import pool_of

    campaign_id = path_int(request, "campaign_id")
    await _campaign_status(request, campaign_id)
    await request.app[TELEPHONY].stop_campaign(campaign_id)
    await pool_of(request).execute(
        "UPDATE campaigns SET status = 'paused' WHERE campaign_id = $1 AND status = 'running'",
        campaign_id,
    )
    return json_response({"campaign_id": campaign_id, "status": "paused"})


@routes.route(
    "GET",
    "/api/v1/campaigns/{campaign_id}/figures",
    roles=_WATCHERS,
    summary="Dials, person answers, abandon rate and occupancy, from the database.",
)
async def figures(request: web.Request) -> web.Response:
    from dialer.app import CLOCK, pool_of

    campaign_id = path_int(request, "campaign_id")
    await _campaign_status(request, campaign_id)
    result = await campaign_figures(pool_of(request), campaign_id, request.app[CLOCK]())
    engine = request.app[TELEPHONY].engines.get(campaign_id)
    result["pacing"] = engine.figures.last_decision if engine else None
    return json_response(result)
