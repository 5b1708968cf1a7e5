"""The branch inbox pages (Chinese and English, like the rep console).

A branch manager sees the branch's leads by state with their SLA clocks, and assigns or
reassigns them; an account manager sees their own leads, accepts them, logs contact
attempts and closes them as won or lost. Forms post back and land on the inbox again.
Scope is the same as the API's (``inbox.Scope``): another branch's lead is not found.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from dialer import auth
from dialer.floor import access
from dialer.http import ConsoleLink, Problem, Role, Routes, path_int, read_form, route_name
from dialer.keys import now_of, pool_of
from dialer.leads.errors import AssignmentRefused, LeadNotFound
from dialer.leads.handoff import assign_lead
from dialer.leads.inbox import Scope, list_leads, take_step
from dialer.leads.lifecycle import LEAD_STATES, OPEN_STATES, Action, TransitionRefused
from dialer.sql import load_queries
from dialer.web import i18n
from dialer.web.pages import feature_templates, page_context

routes = Routes()
QUERIES = load_queries("dialer.leads")
STATES = LEAD_STATES
_STAFF = {Role.BRANCH_MANAGER, Role.ACCOUNT_MANAGER}

_environment = feature_templates(Path(__file__).parent / "templates")

i18n.register(
    {
        "branch_inbox": {"zh": "营业部线索", "en": "Branch leads"},
        "lead_state_new": {"zh": "新线索", "en": "New"},
        "lead_state_accepted": {"zh": "已接收", "en": "Accepted"},
        "lead_state_contacted": {"zh": "已联系", "en": "Contacted"},
        "lead_state_won": {"zh": "成交", "en": "Won"},
        "lead_state_lost": {"zh": "未成交", "en": "Lost"},
        "lead_state_expired": {"zh": "已过期", "en": "Expired"},
        "no_leads": {"zh": "暂无线索", "en": "No leads"},
        "customer": {"zh": "客户", "en": "Customer"},
        "interest": {"zh": "意向", "en": "Interest"},
        "handed_off": {"zh": "转交时间", "en": "Handed off"},
        "assigned_to": {"zh": "客户经理", "en": "Account manager"},
        "unassigned": {"zh": "待分配", "en": "Unassigned"},
        "sla": {"zh": "首次联系时限", "en": "First contact due"},
        "actions": {"zh": "操作", "en": "Actions"},
        "assign": {"zh": "分配", "en": "Assign"},
        "accept": {"zh": "接收", "en": "Accept"},
        "contact_note": {"zh": "联系记录", "en": "Contact note"},
        "reached": {"zh": "已联系上", "en": "Reached"},
        "log_contact": {"zh": "记录联系", "en": "Log contact"},
        "overdue_by": {"zh": "已超时", "en": "Overdue by"},
        "due_in": {"zh": "剩余", "en": "Due in"},
        "hours": {"zh": "小时", "en": "h"},
        "sla_met": {"zh": "已按时联系", "en": "Met"},
        "lead_rerouted": {"zh": "已由中心重新分配", "en": "Re-routed by the centre"},
        "lead_in_pool": {"zh": "在中心线索池", "en": "In the centre's pool"},
    }
)

console_links: list[ConsoleLink] = [
    (role, "/branch/leads", "branch_inbox") for role in (Role.BRANCH_MANAGER, Role.ACCOUNT_MANAGER)
]


def _scope(user: auth.CurrentUser) -> Scope:
    if user.branch_id is None:
        raise Problem(404, "Not found", "You belong to no branch.")
    if user.role is Role.ACCOUNT_MANAGER:
        return Scope.own(user.branch_id, user.user_id)
    return Scope.branch(user.branch_id)


def _sla_text(lead: dict[str, Any], now: datetime, t: Any) -> tuple[str, bool]:
    if lead["first_contact_at"] is not None:
        return t("sla_met"), False
    due = lead["sla_due_at"]
    if due is None or lead["state"] not in OPEN_STATES:
        return "", False
    hours = abs(due - now) / timedelta(hours=1)
    local = due.astimezone(ZoneInfo(lead["time_zone"])).strftime("%Y-%m-%d %H:%M")
    if due <= now:
        return f"{local} · {t('overdue_by')} {hours:.0f}{t('hours')}", True
    return f"{local} · {t('due_in')} {hours:.0f}{t('hours')}", False


@routes.route("GET", "/branch/leads", roles=_STAFF, summary="The branch inbox.", api=False)
async def inbox_page(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    scope = _scope(user)
    pool = pool_of(request)
    state = request.query.get("state", "new")
    if state not in STATES:
        state = "new"
    context = page_context(request)
    t = context["t"]
    now = now_of(request)
    leads = await list_leads(pool, scope, state=state)
    await access.record_access(  # the customers shown, in one insert (PIPL)
        pool,
        user_id=user.user_id,
        role=user.role.value,
        account_ids=[lead["account_id"] for lead in leads],
        route=route_name(request),
        reason=access.BRANCH,
        now=now,
    )
    for lead in leads:
        lead["sla_text"], lead["overdue"] = _sla_text(lead, now, t)
        lead["handed_off_local"] = (
            lead["handed_off_at"].astimezone(ZoneInfo(lead["time_zone"])).strftime("%Y-%m-%d %H:%M")
        )
    counts = {
        row["state"]: row["leads"]
        for row in await pool.fetch(
            QUERIES["scoped_state_counts"], scope.branch_id, scope.assignee_id
        )
    }
    managers = (
        await pool.fetch(QUERIES["branch_account_managers"], user.branch_id)
        if user.role is Role.BRANCH_MANAGER
        else []
    )
    html = _environment.get_template("leads_inbox.html").render(
        **context,
        states=STATES,
        current=state,
        counts=counts,
        leads=leads,
        managers=managers,
        open_states=OPEN_STATES,
        is_branch_manager=user.role is Role.BRANCH_MANAGER,
        is_account_manager=user.role is Role.ACCOUNT_MANAGER,
        error=request.query.get("error", ""),
    )
    return web.Response(text=html, content_type="text/html")


def _back(state: str, error: str = "") -> web.Response:
    query = {"state": state, **({"error": error} if error else {})}
    return web.Response(status=302, headers={"Location": "/branch/leads?" + urlencode(query)})


@routes.route(
    "POST",
    "/branch/leads/{lead_id}/assign",
    roles={Role.BRANCH_MANAGER},
    summary="Assign a lead from the inbox.",
    api=False,
)
async def inbox_assign(request: web.Request) -> web.Response:
    lead_id = path_int(request, "lead_id")
    user = auth.current_user(request)
    form = await read_form(request)
    try:
        manager_id = int(str(form.get("account_manager_id", "")))
    except ValueError:
        return _back("new", "choose an account manager")
    if user.branch_id is None:
        raise Problem(404, "Not found", f"No lead {lead_id} among the leads you can see.")
    try:
        await assign_lead(
            pool_of(request),
            lead_id,
            manager_id,
            branch_id=user.branch_id,
            actor_user_id=user.user_id,
            now=now_of(request),
        )
    except LeadNotFound as exc:
        raise Problem(404, "Not found", f"No lead {lead_id} among the leads you can see.") from exc
    except AssignmentRefused as exc:
        return _back("new", str(exc))
    return _back("new")


async def _step(request: web.Request, action: Action, note: str, back_to: str) -> web.Response:
    lead_id = path_int(request, "lead_id")
    user = auth.current_user(request)
    try:
        await take_step(
            pool_of(request),
            lead_id,
            action,
            scope=_scope(user),
            actor_user_id=user.user_id,
            now=now_of(request),
            note=note,
        )
    except LeadNotFound as exc:
        raise Problem(404, "Not found", f"No lead {lead_id} among the leads you can see.") from exc
    except TransitionRefused as exc:
        return _back(back_to, str(exc))
    return _back(back_to)


@routes.route(
    "POST",
    "/branch/leads/{lead_id}/accept",
    roles={Role.ACCOUNT_MANAGER},
    summary="Accept a lead from the inbox.",
    api=False,
)
async def inbox_accept(request: web.Request) -> web.Response:
    return await _step(request, Action.ACCEPT, "", "accepted")


@routes.route(
    "POST",
    "/branch/leads/{lead_id}/contact",
    roles={Role.ACCOUNT_MANAGER},
    summary="Log a contact attempt from the inbox.",
    api=False,
)
async def inbox_contact(request: web.Request) -> web.Response:
    form = await read_form(request)
    reached = str(form.get("reached", "")) in ("1", "on", "true")
    action = Action.CONTACT_REACHED if reached else Action.CONTACT_MISSED
    note = str(form.get("note", ""))[:2000]
    return await _step(request, action, note, "contacted" if reached else "accepted")


@routes.route(
    "POST",
    "/branch/leads/{lead_id}/outcome",
    roles={Role.ACCOUNT_MANAGER, Role.BRANCH_MANAGER},
    summary="Close a lead as won or lost from the inbox.",
    api=False,
)
async def inbox_outcome(request: web.Request) -> web.Response:
    form = await read_form(request)
    outcome = str(form.get("outcome", ""))
    if outcome not in ("won", "lost"):
        return _back("contacted", "choose won or lost")
    return await _step(request, Action(outcome), str(form.get("note", ""))[:2000], outcome)
