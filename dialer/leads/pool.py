"""The centre's pool: leads no branch is working, and re-routing them to a branch.

A lead is in the pool when it expired at its branch (the SLA's last step) and has not been
re-routed yet, or when its customer had no branch at hand-off. The centre (admins and
campaign managers) re-routes it by the hand-off's rules:

- a customer with an active account manager goes back to that manager, in their branch
  (another branch is refused);
- an orphan goes to their own branch, or to the branch the centre names, and that branch's
  policy assigns it (round robin, least loaded, or its queue for the branch manager).

An expired lead stays expired in its branch's inbox (the branch's record of the miss) and a
new lead is opened at the target branch, carrying the customer, product, campaign, rep and
call, with a fresh first-contact deadline and ``rerouted_to`` linking the two; the partial
unique index ``leads_one_open_per_interest`` refuses it while the customer has another open
lead for the product. A pool lead that never had a branch is routed in place. Either way the
step is on the timelines, in the audit log (who did it) and queued as ``lead_handed_off`` /
``lead_assigned`` notices, in one transaction; the caller hands in ``now``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import structlog
from pydantic import BaseModel, ConfigDict

from dialer.leads.errors import (
    LeadNotFound,
    NotInPool,
    OpenLeadExists,
    RerouteRefused,
)
from dialer.leads.handoff import (
    Executor,
    Route,
    queue_notice,
    record_event,
    route_within_branch,
)
from dialer.leads.lifecycle import OPEN_STATES
from dialer.leads.settings import configured_sla_policy
from dialer.leads.sla import SlaPolicy, first_contact_due
from dialer.sql import load_queries

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.leads")


class Reroute(BaseModel):
    """Where the centre sent a pool lead: ``lead_id`` is the lead now open at the branch
    (a new one for an expired lead, the same one for a lead that never had a branch)."""

    model_config = ConfigDict(frozen=True)

    from_lead_id: int
    lead_id: int
    route: Route
    branch_id: int
    assigned_to: int | None


async def list_pool(executor: Executor, *, limit: int = 200) -> list[dict[str, Any]]:
    """The pool, longest waiting first."""
    return [dict(row) for row in await executor.fetch(QUERIES["centre_pool"], limit)]


def in_pool(lead: asyncpg.Record) -> bool:
    if lead["state"] == "expired":
        return lead["rerouted_to"] is None
    return lead["branch_id"] is None and lead["state"] in OPEN_STATES


async def reroute_lead(
    executor: Executor,
    lead_id: int,
    *,
    branch_id: int | None,
    actor_user_id: int,
    now: datetime,
    sla: SlaPolicy | None = None,
) -> Reroute:
    """Send pool lead ``lead_id`` to a branch (see the module docstring); ``branch_id`` None
    means the customer's own."""
    if sla is None:
        sla = configured_sla_policy()
    if isinstance(executor, asyncpg.Pool):
        async with executor.acquire() as connection:
            return await reroute_lead(
                connection,
                lead_id,
                branch_id=branch_id,
                actor_user_id=actor_user_id,
                now=now,
                sla=sla,
            )
    connection = executor
    async with connection.transaction():
        lead = await connection.fetchrow(QUERIES["pool_lead_for_update"], lead_id)
        if lead is None:
            raise LeadNotFound(f"no lead {lead_id}")
        if not in_pool(lead):
            raise NotInPool(f"lead {lead_id} is {lead['state']} and not in the centre's pool")
        target, assigned_to, route = await _target(connection, lead, branch_id)
        time_zone = await connection.fetchval(QUERIES["branch_time_zone"], target)
        due_at = first_contact_due(now, ZoneInfo(time_zone), sla)
        if lead["state"] == "expired":
            new_lead_id = await _reopen_at(connection, lead, target, assigned_to, now, due_at)
        else:
            new_lead_id = lead_id
            await connection.execute(
                QUERIES["route_pool_lead"], lead_id, target, assigned_to, due_at
            )
        result = Reroute(
            from_lead_id=lead_id,
            lead_id=new_lead_id,
            route=route,
            branch_id=target,
            assigned_to=assigned_to,
        )
        await _record(connection, lead, result, actor_user_id, now, due_at)
    log.info(
        "lead_rerouted",
        lead_id=lead_id,
        to_lead_id=result.lead_id,
        branch_id=target,
        assigned_to=assigned_to,
        route=route.value,
        by=actor_user_id,
    )
    return result


async def _target(
    connection: asyncpg.Connection, lead: asyncpg.Record, branch_id: int | None
) -> tuple[int, int | None, Route]:
    account = await connection.fetchrow(QUERIES["account_for_handoff"], lead["account_id"])
    manager = account["available_manager_id"]
    if manager is not None:
        if branch_id is not None and branch_id != account["manager_branch_id"]:
            raise RerouteRefused(
                f"the customer has account manager {manager} in branch "
                f"{account['manager_branch_id']}: their lead goes there, not to branch "
                f"{branch_id}"
            )
        return account["manager_branch_id"], manager, Route.OWNER
    target = branch_id if branch_id is not None else account["branch_id"]
    if target is None:
        raise RerouteRefused("the customer has no branch: name the branch to send the lead to")
    if await connection.fetchval(QUERIES["branch_exists"], target) is None:
        raise RerouteRefused(f"there is no branch {target}")
    assigned_to, route = await route_within_branch(connection, target)
    return target, assigned_to, route


async def _reopen_at(
    connection: asyncpg.Connection,
    lead: asyncpg.Record,
    branch_id: int,
    assigned_to: int | None,
    now: datetime,
    due_at: datetime,
) -> int:
    # The disposition stays with the expired lead (the console finds a disposition's lead
    # by it); the call is carried, so revenue still traces to the call that earned it.
    new_lead_id: int | None = await connection.fetchval(
        QUERIES["insert_lead"],
        lead["account_id"],
        lead["campaign_id"],
        lead["product_id"],
        lead["rep_user_id"],
        lead["call_attempt_id"],
        None,
        branch_id,
        assigned_to,
        lead["interest"],
        lead["preferred_contact_at"],
        lead["notes"],
        now,
        due_at,
    )
    if new_lead_id is None:
        open_lead = await connection.fetchrow(
            QUERIES["open_lead_for_update"], lead["account_id"], lead["product_id"]
        )
        which = "" if open_lead is None else f" (lead {open_lead['lead_id']})"
        raise OpenLeadExists(
            f"the customer already has an open lead for this product{which}: work that lead"
        )
    await connection.execute(QUERIES["mark_rerouted"], lead["lead_id"], new_lead_id)
    return new_lead_id


async def _record(
    connection: asyncpg.Connection,
    lead: asyncpg.Record,
    result: Reroute,
    actor_user_id: int,
    now: datetime,
    due_at: datetime,
) -> None:
    step = {
        "from_lead_id": result.from_lead_id,
        "to_lead_id": result.lead_id,
        "from_branch_id": lead["branch_id"],
        "branch_id": result.branch_id,
        "assigned_to": result.assigned_to,
        "route": result.route.value,
        "by": actor_user_id,
    }
    await record_event(connection, result.from_lead_id, now, "rerouted", actor_user_id, step)
    if result.lead_id != result.from_lead_id:
        await record_event(
            connection,
            result.lead_id,
            now,
            "handed_off",
            actor_user_id,
            {
                "rerouted_from": result.from_lead_id,
                "rep_user_id": lead["rep_user_id"],
                "campaign_id": lead["campaign_id"],
                "call_attempt_id": lead["call_attempt_id"],
                "route": result.route.value,
                "branch_id": result.branch_id,
            },
        )
    if result.assigned_to is not None:
        await record_event(
            connection,
            result.lead_id,
            now,
            "assigned",
            None,
            {"assigned_to": result.assigned_to, "how": result.route.value},
        )
    else:
        await record_event(
            connection, result.lead_id, now, "queued", None, {"queue": result.route.value}
        )
    await connection.execute(
        QUERIES["audit_lead"], now, actor_user_id, "lead_rerouted", result.from_lead_id, step
    )
    owner = None if result.assigned_to is None else [result.assigned_to]
    await queue_notice(
        connection,
        result.lead_id,
        "lead_handed_off",
        result.branch_id,
        now,
        owner,
        {
            "account_id": lead["account_id"],
            "campaign_id": lead["campaign_id"],
            "rep_user_id": lead["rep_user_id"],
            "route": result.route.value,
            "assigned_to": result.assigned_to,
            "sla_due_at": due_at.isoformat(),
            "rerouted_from": result.from_lead_id,
            "by": actor_user_id,
        },
    )
    if result.assigned_to is not None:
        await queue_notice(
            connection,
            result.lead_id,
            "lead_assigned",
            result.branch_id,
            now,
            owner,
            {
                "assigned_to": result.assigned_to,
                "previous": None,
                "how": result.route.value,
                "by": actor_user_id,
            },
        )
