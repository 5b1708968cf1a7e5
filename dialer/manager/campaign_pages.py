"""The campaign manager's pages: every campaign (`/manager/campaigns`), and the form that
creates or edits one. The form's script sends the same JSON body the API takes
(`POST /api/v1/campaigns`, `PUT /api/v1/campaigns/{id}`): one validation, the API's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

from aiohttp import web

from dialer import auth
from dialer.http import ConsoleLink, Role, Routes, path_int
from dialer.keys import SETTINGS, pool_of
from dialer.manager.coverage import coverage_of
from dialer.manager.messages import client_messages
from dialer.routes.campaigns import (
    DEFAULT_DISPOSITIONS,
    NewCampaign,
    PacingMode,
    Segment,
    campaign_as_new,
)
from dialer.sql import load_queries
from dialer.web.pages import feature_templates, page_context

routes = Routes()
QUERIES = load_queries("dialer.manager")
MANAGERS = {Role.CAMPAIGN_MANAGER, Role.ADMIN}
TEMPLATES = feature_templates(Path(__file__).parent / "templates")

console_links: list[ConsoleLink] = [
    (role, "/manager/campaigns", "mgr_campaigns") for role in (Role.CAMPAIGN_MANAGER, Role.ADMIN)
]

DISPOSITION_FLAGS = ("human_answered", "contact", "warm_lead", "do_not_call", "callback", "final")
RETRY_FIELDS = (
    ("no_answer_minutes", "mgr_retry_no_answer", 120),
    ("busy_minutes", "mgr_retry_busy", 15),
    ("machine_minutes", "mgr_retry_machine", 240),
    ("abandoned_lock_minutes", "mgr_retry_abandoned", 4320),
    ("max_attempts", "mgr_retry_max", 10),
    ("max_attempts_per_day", "mgr_retry_per_day", 3),
    ("max_attempts_24h", "mgr_retry_24h", 3),
)


def render(request: web.Request, template: str, **extra: Any) -> web.Response:
    context = page_context(request, **extra)
    context["client_messages"] = json.dumps(
        client_messages(context["lang"]), ensure_ascii=False
    ).replace("</", "<\\/")
    html = TEMPLATES.get_template(template).render(**context)
    return web.Response(text=html, content_type="text/html")


@routes.route("GET", "/manager/campaigns", roles=MANAGERS, summary="Every campaign.", api=False)
async def campaigns_page(request: web.Request) -> web.Response:
    rows = await pool_of(request).fetch(QUERIES["campaign_overview"], None)
    campaigns = [dict(row) | {"coverage": coverage_of(row)} for row in rows]
    return render(request, "manager_campaigns.html", campaigns=campaigns)


def _windows_rows(new: NewCampaign | None) -> list[dict[str, Any]]:
    days = new.calling_windows.days if new and new.calling_windows else (None,) * 7
    rows = []
    for index, window in enumerate(days):
        rows.append(
            {
                "index": index,
                "on": window is not None,
                "start": window.start.strftime("%H:%M") if window else "09:00",
                "end": (window.end.strftime("%H:%M") if window.end else "23:59")
                if window
                else "20:00",
            }
        )
    return rows


async def _form(
    request: web.Request, campaign_id: int | None, new: NewCampaign | None
) -> web.Response:
    pool = pool_of(request)
    status = None
    if campaign_id is not None:
        status = await pool.fetchval(
            "SELECT status FROM campaigns WHERE campaign_id = $1", campaign_id
        )
    codes = new.dispositions if new and new.dispositions else DEFAULT_DISPOSITIONS
    return render(
        request,
        "manager_campaign_form.html",
        campaign_id=campaign_id,
        status=status,
        c=new or NewCampaign(name="-", purpose="marketing"),
        is_new=new is None,
        products=await pool.fetch(QUERIES["form_products"]),
        lists=await pool.fetch(QUERIES["form_lists"]),
        segments=get_args(Segment),
        pacing_modes=get_args(PacingMode),
        caller_ids=request.app[SETTINGS].twilio_caller_ids,
        codes=[c.model_dump() for c in codes],
        flags=DISPOSITION_FLAGS,
        retry_fields=RETRY_FIELDS,
        retry=new.retry_policy.stored() if new else {},
        windows=_windows_rows(new),
        user_id=auth.current_user(request).user_id,
    )


@routes.route(
    "GET", "/manager/campaigns/new", roles=MANAGERS, summary="The new-campaign form.", api=False
)
async def new_campaign_page(request: web.Request) -> web.Response:
    return await _form(request, None, None)


@routes.route(
    "GET",
    "/manager/campaigns/{campaign_id}/edit",
    roles=MANAGERS,
    summary="The campaign's form.",
    api=False,
)
async def edit_campaign_page(request: web.Request) -> web.Response:
    campaign_id = path_int(request, "campaign_id")
    return await _form(request, campaign_id, await campaign_as_new(pool_of(request), campaign_id))
