"""Customer accounts: search and the whole record, each read written to the access log.

A telesales rep reads a customer only while it is on their work (`dialer.floor.access`),
with the numbers masked; anyone else as their role and branch allow."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from dialer import auth
from dialer.floor import access
from dialer.floor.customers import mask_number
from dialer.http import Problem, Role, Routes, json_response, path_int, read_query, route_name
from dialer.keys import now_of, pool_of
from dialer.sql import load_queries

routes = Routes()
QUERIES = load_queries("dialer.routes", "customers.sql")

# branch staff see their own branch's customers only
_BRANCH_SCOPED = {Role.BRANCH_MANAGER, Role.ACCOUNT_MANAGER}
_VIEWERS = {
    Role.TELESALES_REP,
    Role.TEAM_LEADER,
    Role.CAMPAIGN_MANAGER,
    Role.BRANCH_MANAGER,
    Role.ACCOUNT_MANAGER,
    Role.ADMIN,
}
# the same rule for the other account routes (the account's score: dialer/scoring/routes.py)
BRANCH_SCOPED, VIEWERS = _BRANCH_SCOPED, _VIEWERS


class AccountQuery(BaseModel):
    segment: (
        Literal["lapsed", "empty", "prospect", "withdrawn", "orphan", "dormant", "new"] | None
    ) = None
    tier: Literal["silver", "gold", "diamond"] | None = None
    branch_id: int | None = None
    limit: int = Field(default=50, ge=1, le=500)
    after_id: int = Field(default=0, ge=0)


@routes.route(
    "GET",
    "/api/v1/accounts",
    roles={Role.TEAM_LEADER, Role.CAMPAIGN_MANAGER, Role.BRANCH_MANAGER, Role.ADMIN},
    summary="Search customer accounts (branch managers see their branch only).",
    query=AccountQuery,
)
async def list_accounts(request: web.Request) -> web.Response:
    query = read_query(request, AccountQuery)
    user = auth.current_user(request)
    branch_id = user.branch_id if user.role in _BRANCH_SCOPED else query.branch_id
    pool = pool_of(request)
    rows = await pool.fetch(
        QUERIES["search_accounts"],
        query.segment,
        query.tier,
        branch_id,
        query.after_id,
        query.limit,
    )
    await access.record_access(
        pool,
        user_id=user.user_id,
        role=user.role.value,
        account_ids=[row["account_id"] for row in rows],
        route=route_name(request),
        reason=access.SEARCH,
        now=now_of(request),
    )
    return json_response({"accounts": [dict(row) for row in rows]})


@routes.route(
    "GET",
    "/api/v1/accounts/{account_id}",
    roles=_VIEWERS,
    summary="One customer with phones, consents and the whole contact history (a rep: only "
    "a customer on their call, preview, callback or lead, numbers masked).",
)
async def get_account(request: web.Request) -> web.Response:
    account_id = path_int(request, "account_id")
    user = auth.current_user(request)
    pool = pool_of(request)
    account = await pool.fetchrow(QUERIES["account_by_id"], account_id)
    not_found = Problem(404, "Not found", f"No account {account_id}.")
    if account is None or (user.role in _BRANCH_SCOPED and account["branch_id"] != user.branch_id):
        raise not_found
    rep = user.role is Role.TELESALES_REP
    if rep:
        reason = await access.rep_need(pool, user.user_id, account_id)
        if reason is None:
            raise not_found  # not on their work: as if it did not exist
    else:
        reason = access.BRANCH if user.role in _BRANCH_SCOPED else access.CENTRE
    phones = [dict(row) for row in await pool.fetch(QUERIES["account_phones"], account_id)]
    if rep:
        for phone in phones:
            phone["e164"] = mask_number(phone["e164"])
    consents = await pool.fetch(QUERIES["account_consents"], account_id)
    history = await pool.fetch(QUERIES["contact_history"], account_id)
    await access.record_access(
        pool,
        user_id=user.user_id,
        role=user.role.value,
        account_ids=[account_id],
        route=route_name(request),
        reason=reason,
        now=now_of(request),
    )
    return json_response(
        {
            "account": dict(account),
            "phones": phones,
            "consents": [dict(row) for row in consents],
            "history": [dict(row) for row in history],
        }
    )
