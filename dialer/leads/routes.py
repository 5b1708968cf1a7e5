"""The leads API: the branch inbox's operations and the centre's pool.

Who sees what: a branch manager the leads of their branch, an account manager the leads
given to them, the centre (admin, campaign manager) every lead. Anything outside that is
answered 404, exactly as if it did not exist. The centre's pool (expired leads and leads
with no branch) and re-routing from it are the centre's alone: branch staff get 403.
"""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field

from dialer import auth
from dialer.floor import access
from dialer.http import (
    Problem,
    Role,
    Routes,
    json_response,
    path_int,
    read_body,
    read_query,
    route_name,
)
from dialer.keys import now_of, pool_of
from dialer.leads import inbox_pages, pool_pages
from dialer.leads.errors import (
    AssignmentRefused,
    LeadNotFound,
    NotInPool,
    OpenLeadExists,
    RerouteRefused,
)
from dialer.leads.handoff import assign_lead
from dialer.leads.inbox import Scope, get_lead, list_leads, take_step
from dialer.leads.lifecycle import Action, TransitionRefused
from dialer.leads.pool import list_pool, reroute_lead

routes = Routes()
routes.specs.extend(inbox_pages.routes.specs)
routes.specs.extend(pool_pages.routes.specs)
console_links = inbox_pages.console_links + pool_pages.console_links

_SEES_LEADS = {Role.BRANCH_MANAGER, Role.ACCOUNT_MANAGER, Role.CAMPAIGN_MANAGER, Role.ADMIN}
_CENTRE = {Role.ADMIN, Role.CAMPAIGN_MANAGER}

# The same names as ``lifecycle.LEAD_STATES`` (a test holds them together).
LeadState = Literal["new", "accepted", "contacted", "won", "lost", "expired"]


class LeadQuery(BaseModel):
    state: LeadState | None = None
    limit: int = Field(default=200, ge=1, le=1000)


class Assignment(BaseModel):
    account_manager_id: int


class PoolQuery(BaseModel):
    limit: int = Field(default=200, ge=1, le=1000)


class RerouteRequest(BaseModel):
    branch_id: int | None = Field(
        default=None,
        description="The branch to send an orphan customer's lead to; "
        "by default the customer's own.",
    )


class ContactAttempt(BaseModel):
    reached: bool
    note: str = Field(default="", max_length=2000)


class Outcome(BaseModel):
    outcome: Literal["won", "lost"]
    note: str = Field(default="", max_length=2000)


def scope_of(user: auth.CurrentUser) -> Scope:
    if user.role is Role.BRANCH_MANAGER and user.branch_id is not None:
        return Scope.branch(user.branch_id)
    if user.role is Role.ACCOUNT_MANAGER and user.branch_id is not None:
        return Scope.own(user.branch_id, user.user_id)
    if user.role in (Role.ADMIN, Role.CAMPAIGN_MANAGER):
        return Scope.everything()
    raise Problem(403, "Forbidden", "Your role sees no leads.")


async def _record_reads(request: web.Request, leads: list[dict[str, Any]]) -> None:
    """The customers of the leads shown, in the access log (PIPL)."""
    user = auth.current_user(request)
    branch = user.role in (Role.BRANCH_MANAGER, Role.ACCOUNT_MANAGER)
    await access.record_access(
        pool_of(request),
        user_id=user.user_id,
        role=user.role.value,
        account_ids=[lead["account_id"] for lead in leads if lead.get("account_id")],
        route=route_name(request),
        reason=access.BRANCH if branch else access.CENTRE,
        now=now_of(request),
    )


def _not_found(lead_id: int) -> Problem:
    return Problem(404, "Not found", f"No lead {lead_id} among the leads you can see.")


@routes.route(
    "GET",
    "/api/v1/leads",
    roles=_SEES_LEADS,
    summary="Leads you can see (your branch's, or your own as account manager), by state.",
    query=LeadQuery,
)
async def leads_index(request: web.Request) -> web.Response:
    query = read_query(request, LeadQuery)
    scope = scope_of(auth.current_user(request))
    leads = await list_leads(pool_of(request), scope, state=query.state, limit=query.limit)
    await _record_reads(request, leads)
    return json_response({"leads": leads})


@routes.route(
    "GET",
    "/api/v1/leads/{lead_id}",
    roles=_SEES_LEADS,
    summary="One lead with its timeline.",
)
async def lead_detail(request: web.Request) -> web.Response:
    lead_id = path_int(request, "lead_id")
    try:
        lead = await get_lead(pool_of(request), lead_id, scope_of(auth.current_user(request)))
    except LeadNotFound as exc:
        raise _not_found(lead_id) from exc
    await _record_reads(request, [lead])
    return json_response({"lead": lead})


@routes.route(
    "POST",
    "/api/v1/leads/{lead_id}/assign",
    statuses=(200,),
    roles={Role.BRANCH_MANAGER},
    summary="Assign or reassign one of your branch's open leads to an account manager.",
    body=Assignment,
)
async def lead_assign(request: web.Request) -> web.Response:
    lead_id = path_int(request, "lead_id")
    body = await read_body(request, Assignment)
    user = auth.current_user(request)
    if user.branch_id is None:
        raise _not_found(lead_id)
    try:
        await assign_lead(
            pool_of(request),
            lead_id,
            body.account_manager_id,
            branch_id=user.branch_id,
            actor_user_id=user.user_id,
            now=now_of(request),
        )
    except LeadNotFound as exc:
        raise _not_found(lead_id) from exc
    except AssignmentRefused as exc:
        raise Problem(409, "Cannot assign", str(exc)) from exc
    return json_response({"lead_id": lead_id, "assigned_to": body.account_manager_id})


async def _step(request: web.Request, action: Action, note: str = "") -> web.Response:
    lead_id = path_int(request, "lead_id")
    user = auth.current_user(request)
    try:
        state = await take_step(
            pool_of(request),
            lead_id,
            action,
            scope=scope_of(user),
            actor_user_id=user.user_id,
            now=now_of(request),
            note=note,
        )
    except LeadNotFound as exc:
        raise _not_found(lead_id) from exc
    except TransitionRefused as exc:
        raise Problem(409, "Not now", str(exc)) from exc
    return json_response({"lead_id": lead_id, "state": state})


@routes.route(
    "POST",
    "/api/v1/leads/{lead_id}/accept",
    statuses=(200,),
    roles={Role.ACCOUNT_MANAGER},
    summary="Accept a lead given to you.",
)
async def lead_accept(request: web.Request) -> web.Response:
    return await _step(request, Action.ACCEPT)


@routes.route(
    "POST",
    "/api/v1/leads/{lead_id}/contacts",
    statuses=(200,),
    roles={Role.ACCOUNT_MANAGER},
    summary="Log a contact attempt on your lead (reached or not).",
    body=ContactAttempt,
)
async def lead_contact(request: web.Request) -> web.Response:
    body = await read_body(request, ContactAttempt)
    action = Action.CONTACT_REACHED if body.reached else Action.CONTACT_MISSED
    return await _step(request, action, body.note)


@routes.route(
    "POST",
    "/api/v1/leads/{lead_id}/outcome",
    statuses=(200,),
    roles={Role.ACCOUNT_MANAGER, Role.BRANCH_MANAGER},
    summary="Close a lead as won or lost.",
    body=Outcome,
)
async def lead_outcome(request: web.Request) -> web.Response:
    body = await read_body(request, Outcome)
    return await _step(request, Action(body.outcome), body.note)


@routes.route(
    "GET",
    "/api/v1/lead-pool",
    roles=_CENTRE,
    summary="The centre's pool: leads that expired at a branch and are not yet re-routed, "
    "and open leads of customers with no branch; longest waiting first.",
    query=PoolQuery,
)
async def lead_pool(request: web.Request) -> web.Response:
    query = read_query(request, PoolQuery)
    leads = await list_pool(pool_of(request), limit=query.limit)
    await _record_reads(request, leads)
    return json_response({"leads": leads})


@routes.route(
    "POST",
    "/api/v1/lead-pool/{lead_id}/reroute",
    statuses=(200,),
    roles=_CENTRE,
    summary="Re-route a pool lead: to the customer's account manager, else to the "
    "customer's branch or the one named, assigned by that branch's policy.",
    body=RerouteRequest,
)
async def lead_reroute(request: web.Request) -> web.Response:
    lead_id = path_int(request, "lead_id")
    body = await read_body(request, RerouteRequest)
    user = auth.current_user(request)
    try:
        result = await reroute_lead(
            pool_of(request),
            lead_id,
            branch_id=body.branch_id,
            actor_user_id=user.user_id,
            now=now_of(request),
        )
    except LeadNotFound as exc:
        raise _not_found(lead_id) from exc
    except NotInPool as exc:
        raise Problem(409, "Not in the pool", str(exc)) from exc
    except OpenLeadExists as exc:
        raise Problem(409, "The customer has an open lead", str(exc)) from exc
    except RerouteRefused as exc:
        raise Problem(
            422, "Cannot re-route", str(exc), errors=[{"field": "branch_id", "message": str(exc)}]
        ) from exc
    return json_response(result.model_dump(mode="json"))
