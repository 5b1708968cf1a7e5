"""The compliance API: opt-outs from any channel, "why was this customer not called?", and
the checks a campaign must pass before it starts.

- POST /api/v1/dnc/opt-outs: a do-not-call request (phone, SMS, e-mail, web, app, WeChat,
  letter, branch …) blocks every call to the number from that moment; reps take them on
  the phone, so reps may record them.
- GET /api/v1/accounts/{account_id}/compliance: the account's blocks and delays from the
  audit log, newest first, each with its explanation in words (English and Chinese), the
  rule ids and the rule-set version that decided it, and the do-not-call entries on the
  account's numbers.
- POST /api/v1/campaigns/{campaign_id}/compliance-check: what stops the campaign from
  starting now (caller ID, ring time, abandon message, do-not-call snapshots).
- GET /api/v1/compliance/customer-access: who saw whose data, when and why (PIPL), from
  the customer access log.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, Field

from dialer import auth
from dialer.compliance.gatekeeper import UnknownCampaign, campaign_start_decision
from dialer.compliance.opt_outs import InvalidOptOut, OptOutChannel, add_opt_out, e164_of
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
from dialer.keys import GATE_RULES, SETTINGS, now_of, pool_of
from dialer.sql import load_queries

routes = Routes()
QUERIES = load_queries("dialer.compliance", "routes.sql")


class OptOutRequest(BaseModel):
    number: str = Field(min_length=3, max_length=40, description="E.164, or national format")
    channel: OptOutChannel = Field(description="where the customer asked not to be called")
    account_id: int | None = Field(default=None, ge=1)
    region: str | None = Field(
        default=None,
        pattern="^[A-Za-z]{2}$",
        description="region of a national-format number (default: the service's region)",
    )
    note: str = Field(default="", max_length=2000)


class ComplianceHistoryQuery(BaseModel):
    limit: int = Field(default=50, ge=1, le=500)


@routes.route(
    "POST",
    "/api/v1/dnc/opt-outs",
    roles={Role.TELESALES_REP, Role.TEAM_LEADER, Role.CAMPAIGN_MANAGER, Role.ADMIN},
    summary="Record a do-not-call request from any channel: calls stop from this moment.",
    body=OptOutRequest,
)
async def record_opt_out(request: web.Request) -> web.Response:
    body = await read_body(request, OptOutRequest)
    user = auth.current_user(request)
    region = body.region or request.app[SETTINGS].default_region
    try:
        number = e164_of(body.number, region)
        async with pool_of(request).acquire() as connection:
            opt_out = await add_opt_out(
                connection,
                number,
                body.channel.value,
                now_of(request),
                account_id=body.account_id,
                actor_user_id=user.user_id,
                note=body.note,
            )
    except InvalidOptOut as exc:
        raise Problem(422, "Invalid opt-out", str(exc)) from exc
    return json_response(
        {
            "dnc_entry_id": opt_out.dnc_entry_id,
            "number": opt_out.e164,
            "channel": opt_out.channel,
            "blocked_from": opt_out.blocked_from,
            "scope": "all",
            "account_ids": list(opt_out.account_ids),
            "audit_ids": list(opt_out.audit_ids),
        },
        status=201,
    )


def _decision_view(audit_id: int, at: Any, detail: dict[str, Any]) -> dict[str, Any]:
    inputs = detail.get("inputs") or {}
    return {
        "audit_id": audit_id,
        "at": at,
        "verdict": detail.get("verdict"),
        "until": detail.get("until"),
        "reason": detail.get("reason"),
        "reason_zh": detail.get("reason_zh"),
        "rules": detail.get("rules", []),
        "rule_set_version": detail.get("rule_set_version"),
        "campaign_id": detail.get("campaign_id", inputs.get("campaign_id")),
        "phone_id": detail.get("phone_id"),
        "number": inputs.get("number"),
        "purpose": inputs.get("purpose"),
        "dial_mode": inputs.get("dial_mode"),
        "callee_local_times": detail.get("callee_local_times", {}),
        "findings": [
            {
                "rule_id": f.get("rule_id"),
                "verdict": f.get("verdict"),
                "explanation": f.get("explanation"),
                "until": f.get("until"),
            }
            for f in detail.get("findings", [])
            if f.get("verdict") in ("BLOCK", "DELAY")
        ],
    }


@routes.route(
    "GET",
    "/api/v1/accounts/{account_id}/compliance",
    roles={Role.CAMPAIGN_MANAGER, Role.TEAM_LEADER, Role.ADMIN},
    summary="Why was this customer not called? Blocks and delays from the audit log, newest "
    "first, with the rules that decided them.",
    query=ComplianceHistoryQuery,
)
async def account_compliance(request: web.Request) -> web.Response:
    account_id = path_int(request, "account_id")
    query = read_query(request, ComplianceHistoryQuery)
    pool = pool_of(request)
    if not await pool.fetchval(QUERIES["account_exists"], account_id):
        raise Problem(404, "Not found", f"No account {account_id}.")
    rows = await pool.fetch(QUERIES["account_blocks_and_delays"], account_id, query.limit)
    now = now_of(request)
    user = auth.current_user(request)
    await access.record_access(
        pool,
        user_id=user.user_id,
        role=user.role.value,
        account_ids=[account_id],
        route=route_name(request),
        reason=access.CENTRE,
        now=now,
    )
    entries = await pool.fetch(QUERIES["account_dnc_entries"], account_id, now)
    return json_response(
        {
            "account_id": account_id,
            "decisions": [_decision_view(r["audit_id"], r["at"], r["detail"]) for r in rows],
            "dnc_entries": [
                {
                    "dnc_entry_id": e["dnc_entry_id"],
                    "number": e["e164"],
                    "list": e["source"],
                    "scope": e["scope"],
                    "channel": e["channel"],
                    "added_at": e["added_at"],
                    "expires_at": e["expires_at"],
                    "snapshot_date": e["snapshot_date"],
                    "live": e["expires_at"] is None or e["expires_at"] > now,
                }
                for e in entries
            ],
        }
    )


@routes.route(
    "POST",
    "/api/v1/campaigns/{campaign_id}/compliance-check",
    statuses=(200,),
    roles={Role.CAMPAIGN_MANAGER, Role.ADMIN},
    summary="What stops the campaign from starting now: caller ID, ring time, abandon "
    "message, do-not-call snapshots.",
)
async def campaign_compliance_check(request: web.Request) -> web.Response:
    campaign_id = path_int(request, "campaign_id")
    settings = request.app[SETTINGS]
    owned = {settings.firm_callback_number, *settings.twilio_caller_ids}
    try:
        async with pool_of(request).acquire() as connection:
            decision = await campaign_start_decision(
                connection,
                campaign_id,
                now_of(request),
                owned_caller_ids=owned,
                rules=request.app[GATE_RULES],
            )
    except UnknownCampaign as exc:
        raise Problem(404, "Not found", f"No campaign {campaign_id}.") from exc
    return json_response(
        {
            "campaign_id": campaign_id,
            "may_start": not decision.findings,
            "problems": [f"{f.rule_id}: {f.explanation}" for f in decision.findings],
            "findings": [
                {"rule_id": f.rule_id, "explanation": f.explanation} for f in decision.findings
            ],
            "rules": list(decision.rules),
            "rule_set_version": decision.rule_set_version,
            "reason": decision.reason,
        }
    )


class CustomerAccessQuery(BaseModel):
    account_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    user_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    after_id: int = Field(default=0, ge=0, le=2**63 - 1)
    limit: int = Field(default=200, ge=1, le=5000)


@routes.route(
    "GET",
    "/api/v1/compliance/customer-access",
    roles={Role.ADMIN},
    summary="Who saw whose data (PIPL): every read of a customer record, by account, user "
    "and period, oldest first (page with after_id).",
    query=CustomerAccessQuery,
)
async def customer_access_report(request: web.Request) -> web.Response:
    query = read_query(request, CustomerAccessQuery)
    rows = await access.access_report(
        pool_of(request),
        account_id=query.account_id,
        user_id=query.user_id,
        since=query.since,
        until=query.until,
        after_id=query.after_id,
        limit=query.limit,
    )
    entries = [dict(row) for row in rows]
    next_after: int | None = entries[-1]["access_id"] if len(entries) == query.limit else None
    return json_response({"entries": entries, "next_after_id": next_after})
