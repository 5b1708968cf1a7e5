"""Preview mode over the API: the next account of the rep's campaign, then dial or skip.

A dial is placed at once by the engine (`dialer.engine.preview.dial_preview`) and
announced on the campaign's channel as `preview_dial`.
"""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from dialer import auth
from dialer.console import preview
from dialer.console.api import RepRoutes, floor_connection, problem_of
from dialer.engine.preview import dial_preview
from dialer.events import campaign_channel
from dialer.floor import access, sessions
from dialer.floor.errors import NotLoggedIn
from dialer.http import json_response, path_int, route_name
from dialer.keys import EVENTS, now_of, pool_of, telephony_of

routes = RepRoutes()


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


async def _preview_campaign(request: web.Request, user_id: int) -> int:
    session = await sessions.current_session(pool_of(request), user_id)
    if session is None or session["campaign_id"] is None:
        raise problem_of(NotLoggedIn("log in to a campaign to preview its accounts"))
    campaign_id: int = session["campaign_id"]
    return campaign_id


@routes.rep("GET", "/api/v1/console/preview", response=PreviewAccount)
async def get_preview(request: web.Request) -> web.Response:
    """Preview mode: the next account of the rep's campaign, before it is dialled."""
    user = auth.current_user(request)
    campaign_id = await _preview_campaign(request, user.user_id)
    async with floor_connection(request) as connection:
        account = await preview.next_account(connection, campaign_id, user.user_id, now_of(request))
        await access.record_access(
            connection,
            user_id=user.user_id,
            role=user.role.value,
            account_ids=[account["account_id"]],
            route=route_name(request),
            reason="preview",
            now=now_of(request),
        )
    return json_response(account)


async def _decide(request: web.Request, action: Literal["dial", "skip"]) -> web.Response:
    user = auth.current_user(request)
    account_id = path_int(request, "account_id")
    campaign_id = await _preview_campaign(request, user.user_id)
    now = now_of(request)
    async with floor_connection(request) as connection:
        decision = await preview.decide_preview(
            connection, campaign_id, account_id, user.user_id, action, now
        )
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


@routes.rep(
    "POST",
    "/api/v1/console/preview/{account_id}/dial",
    statuses=(200, 201),
    response=PreviewDecision,
)
async def preview_dial(request: web.Request) -> web.Response:
    """Preview mode: dial this account (the engine places the call)."""
    return await _decide(request, "dial")


@routes.rep(
    "POST",
    "/api/v1/console/preview/{account_id}/skip",
    statuses=(200, 201),
    response=PreviewDecision,
)
async def preview_skip(request: web.Request) -> web.Response:
    """Preview mode: skip this account."""
    return await _decide(request, "skip")
