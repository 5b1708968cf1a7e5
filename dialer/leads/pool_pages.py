"""The centre's pool as a page (Chinese and English, like the branch inbox).

Campaign managers and admins see the leads no branch is working, longest waiting first,
and re-route each one by the hand-off's rules (``pool.reroute_lead``): a customer with an
account manager goes back to that manager, an orphan to the branch chosen in its row
(the customer's own by default). A re-route lands back on the page, which says where the
lead went; a refusal (another open lead for the product, a branch that cannot take it) is
shown in the lead's row with its HTTP status, nothing changed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

import dialer.console.messages  # noqa: F401  (registers the segment and tier names shown here)
from dialer import auth
from dialer.floor import access
from dialer.http import ConsoleLink, Role, Routes, path_int, read_form, route_name
from dialer.keys import now_of, pool_of
from dialer.leads.errors import LeadNotFound, NotInPool, OpenLeadExists, RerouteRefused
from dialer.leads.pool import list_pool, reroute_lead
from dialer.sql import load_queries
from dialer.web import i18n
from dialer.web.pages import feature_templates, page_context

routes = Routes()
QUERIES = load_queries("dialer.leads")
_CENTRE = {Role.CAMPAIGN_MANAGER, Role.ADMIN}

_environment = feature_templates(Path(__file__).parent / "templates")

i18n.register(
    {
        "lead_pool": {"zh": "中心线索池", "en": "Lead pool"},
        "pool_intro": {
            "zh": "营业部过期未跟进的线索和无营业部客户的线索，等待最久的在前。",
            "en": "Leads that expired at a branch and leads of customers with no branch, "
            "longest waiting first.",
        },
        "pool_empty": {"zh": "线索池为空", "en": "The pool is empty"},
        "customer": {"zh": "客户", "en": "Customer"},
        "interest": {"zh": "意向", "en": "Interest"},
        "pool_segment": {"zh": "客群", "en": "Segment"},
        "pool_tier": {"zh": "等级", "en": "Tier"},
        "pool_product": {"zh": "产品", "en": "Product"},
        "pool_lapsed_at": {"zh": "过期营业部", "en": "Lapsed at"},
        "pool_no_branch": {"zh": "（无营业部）", "en": "(no branch)"},
        "pool_waiting": {"zh": "已等待", "en": "Waiting"},
        "pool_days": {"zh": "天", "en": "d"},
        "hours": {"zh": "小时", "en": "h"},
        "pool_reroute": {"zh": "重新分配", "en": "Re-route"},
        "pool_to_manager": {"zh": "转回客户经理", "en": "Back to their manager"},
        "pool_branch": {"zh": "营业部", "en": "Branch"},
        "pool_choose_branch": {"zh": "请选择营业部", "en": "Choose a branch"},
        "pool_rerouted": {"zh": "已重新分配", "en": "Re-routed"},
        "pool_new_lead": {"zh": "新线索", "en": "new lead"},
        "pool_branch_queue": {"zh": "营业部待分配", "en": "the branch's queue"},
        "pool_refused": {"zh": "未能重新分配", "en": "Not re-routed"},
        "pool_refused_open_lead": {
            "zh": "客户已有该产品的未结线索",
            "en": "The customer already has an open lead for this product",
        },
        "pool_refused_not_in_pool": {"zh": "该线索已不在线索池中", "en": "No longer in the pool"},
        "pool_refused_branch": {"zh": "无法转至该营业部", "en": "Cannot go to that branch"},
        "pool_refused_not_found": {"zh": "没有该线索", "en": "No such lead"},
    }
)

console_links: list[ConsoleLink] = [(role, "/leads/pool", "lead_pool") for role in _CENTRE]


def waited(since: datetime, now: datetime, t: Any) -> str:
    """How long a lead has waited in the pool, in whole days and hours."""
    hours = max(0, int((now - since) / timedelta(hours=1)))
    days, hours = divmod(hours, 24)
    text = f"{hours}{t('hours')}"
    return f"{days}{t('pool_days')} {text}" if days else text


async def _render(
    request: web.Request, *, refusal: dict[str, Any] | None = None, status: int = 200
) -> web.Response:

    pool = pool_of(request)
    context = page_context(request)
    t = context["t"]
    now = now_of(request)
    leads = await list_pool(pool)
    for lead in leads:
        lead["waited"] = waited(lead["waiting_since"], now, t)
    outcome = None
    rerouted = request.query.get("rerouted", "")
    if rerouted.isdigit():
        outcome = await pool.fetchrow(QUERIES["reroute_outcome"], int(rerouted))
    user = auth.current_user(request)
    shown_ids = [lead["account_id"] for lead in leads]
    if outcome is not None:
        shown_ids.append(outcome["account_id"])
    await access.record_access(  # the customers shown, in one insert (PIPL)
        pool,
        user_id=user.user_id,
        role=user.role.value,
        account_ids=shown_ids,
        route=route_name(request),
        reason=access.CENTRE,
        now=now,
    )
    html = _environment.get_template("leads_pool.html").render(
        **context,
        leads=leads,
        branches=await pool.fetch(QUERIES["branches_for_reroute"]),
        outcome=outcome,
        refusal=refusal,
        shown={lead["lead_id"] for lead in leads},
    )
    return web.Response(text=html, content_type="text/html", status=status)


@routes.route("GET", "/leads/pool", roles=_CENTRE, summary="The centre's lead pool.", api=False)
async def pool_page(request: web.Request) -> web.Response:
    return await _render(request)


@routes.route(
    "POST",
    "/leads/pool/{lead_id}/reroute",
    roles=_CENTRE,
    summary="Re-route a pool lead from the pool page.",
    api=False,
)
async def pool_reroute(request: web.Request) -> web.Response:
    lead_id = path_int(request, "lead_id")
    form = await read_form(request)
    chosen = str(form.get("branch_id", "")).strip()
    branch_id = int(chosen) if chosen.isdigit() else None
    try:
        result = await reroute_lead(
            pool_of(request),
            lead_id,
            branch_id=branch_id,
            actor_user_id=auth.current_user(request).user_id,
            now=now_of(request),
        )
    except LeadNotFound as exc:
        return await _refused(request, lead_id, 404, "pool_refused_not_found", exc)
    except NotInPool as exc:
        return await _refused(request, lead_id, 409, "pool_refused_not_in_pool", exc)
    except OpenLeadExists as exc:
        return await _refused(request, lead_id, 409, "pool_refused_open_lead", exc)
    except RerouteRefused as exc:
        return await _refused(request, lead_id, 422, "pool_refused_branch", exc)
    return web.Response(
        status=302, headers={"Location": f"/leads/pool?rerouted={result.from_lead_id}"}
    )


async def _refused(
    request: web.Request, lead_id: int, status: int, reason: str, exc: Exception
) -> web.Response:
    # Rendered in place (no redirect) so the status is the API's and nothing rides in the URL.
    refusal = {"lead_id": lead_id, "status": status, "reason": reason, "detail": str(exc)}
    return await _render(request, refusal=refusal, status=status)
