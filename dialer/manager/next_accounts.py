"""The campaign's next accounts (`/manager/campaigns/{id}/next`): the numbers the hopper
claims next, in its claim order, each with its score and top reasons in the console's
language. One query for the accounts (dialer.scoring next_accounts); the reasons come
from the campaign's stored model in Python. Every customer shown is logged (PIPL)."""

from __future__ import annotations

from aiohttp import web

from dialer import auth
from dialer.floor import access
from dialer.http import Role, Routes, path_int, route_name
from dialer.keys import now_of, pool_of
from dialer.logs import mask_phone
from dialer.manager.campaign_pages import render
from dialer.scoring.service import next_accounts

routes = Routes()
MANAGERS = {Role.CAMPAIGN_MANAGER, Role.ADMIN}
SHOWN = 25


@routes.route(
    "GET",
    "/manager/campaigns/{campaign_id}/next",
    roles=MANAGERS,
    summary="The campaign's next accounts in the hopper's order, with scores and reasons.",
    api=False,
)
async def next_accounts_page(request: web.Request) -> web.Response:
    campaign_id = path_int(request, "campaign_id")
    user = auth.current_user(request)
    pool = pool_of(request)
    now = now_of(request)
    language = user.language if user.language in ("zh", "en") else "zh"
    name = await pool.fetchval("SELECT name FROM campaigns WHERE campaign_id = $1", campaign_id)
    if name is None:
        raise web.HTTPNotFound()
    version, accounts = await next_accounts(pool, campaign_id, now, SHOWN, language)
    await access.record_access(
        pool,
        user_id=user.user_id,
        role=user.role.value,
        account_ids=[a["account_id"] for a in accounts],
        route=route_name(request),
        reason=access.CENTRE,
        now=now,
    )
    for entry in accounts:
        entry["phone"] = mask_phone(entry.pop("e164"))
    return render(
        request,
        "manager_next_accounts.html",
        campaign_id=campaign_id,
        campaign_name=name,
        model_version=version,
        accounts=accounts,
    )
