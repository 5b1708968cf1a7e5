"""Handoff: a warm-lead disposition becomes a lead at the branch that owns the customer.

Routing, in order:

1. a lead already open for the same customer and product takes the new disposition (its
   notes, interest and preferred time are added, the step is on its timeline): the database
   allows one open lead per customer and product (``leads_one_open_per_interest``);
2. a customer with an active account manager: the lead goes to that manager, in the
   manager's branch;
3. an orphan customer of a branch: the branch's policy assigns a manager automatically
   (round robin or least loaded, see ``assignment``) or, if manual or nobody is available,
   the lead waits in the branch queue for the branch manager;
4. a customer with no branch at all: the lead stays in the centre's pool.

Everything happens in one transaction; the caller hands in ``now``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

import asyncpg
import structlog
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from dialer.leads.assignment import AssignmentPolicy, Candidate, choose_account_manager
from dialer.leads.errors import AccountNotFound, AssignmentRefused, LeadNotFound
from dialer.leads.settings import configured_sla_policy
from dialer.leads.sla import SlaPolicy, first_contact_due
from dialer.sql import load_queries

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.leads")

Executor: TypeAlias = asyncpg.Connection | asyncpg.Pool


class Route(StrEnum):
    """Where a handoff put the lead."""

    EXISTING_LEAD = "existing_lead"
    OWNER = "owner"
    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"
    BRANCH_QUEUE = "branch_queue"
    CENTRE_POOL = "centre_pool"


class WarmLead(BaseModel):
    """What a rep's warm-lead disposition says: who, what they want, when, and notes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account_id: int
    campaign_id: int
    rep_user_id: int
    product_id: int | None = None
    call_attempt_id: int | None = None
    disposition_id: int | None = None
    interest: str = Field(default="", max_length=500)
    preferred_contact_at: AwareDatetime | None = None
    notes: str = Field(default="", max_length=4000)


class Handoff(BaseModel):
    """The outcome of a handoff."""

    model_config = ConfigDict(frozen=True)

    lead_id: int
    created: bool
    route: Route
    branch_id: int | None
    assigned_to: int | None


async def hand_off(
    executor: Executor, warm: WarmLead, now: datetime, sla: SlaPolicy | None = None
) -> Handoff:
    """Create or extend the lead for ``warm`` and route it (see the module docstring).

    A new lead at a branch is due for first contact per ``sla`` in the branch's time zone;
    without one, per the SLA the settings configure (``DIALER_LEADS_FIRST_CONTACT_DAYS``…),
    so every path a warm lead comes by (the rep console, the engine, the demo) keeps it.
    """
    if sla is None:
        sla = configured_sla_policy()
    if isinstance(executor, asyncpg.Pool):
        async with executor.acquire() as connection:
            return await hand_off(connection, warm, now, sla)
    connection = executor
    async with connection.transaction():
        account = await connection.fetchrow(QUERIES["account_for_handoff"], warm.account_id)
        if account is None:
            raise AccountNotFound(f"account {warm.account_id} does not exist")
        handoff = await _add_to_open_lead(connection, warm, now)
        if handoff is None:
            handoff = await _new_lead(connection, warm, account, now, sla)
    log.info(
        "lead_handed_off",
        lead_id=handoff.lead_id,
        account_id=warm.account_id,
        campaign_id=warm.campaign_id,
        route=handoff.route.value,
        branch_id=handoff.branch_id,
        assigned_to=handoff.assigned_to,
    )
    return handoff


async def _add_to_open_lead(
    connection: asyncpg.Connection, warm: WarmLead, now: datetime
) -> Handoff | None:
    lead = await connection.fetchrow(
        QUERIES["open_lead_for_update"], warm.account_id, warm.product_id
    )
    if lead is None:
        return None
    await connection.execute(
        QUERIES["add_to_open_lead"],
        lead["lead_id"],
        warm.notes,
        warm.interest,
        warm.preferred_contact_at,
    )
    await record_event(
        connection,
        lead["lead_id"],
        now,
        "warm_disposition_added",
        warm.rep_user_id,
        _origin(warm),
    )
    return Handoff(
        lead_id=lead["lead_id"],
        created=False,
        route=Route.EXISTING_LEAD,
        branch_id=lead["branch_id"],
        assigned_to=lead["assigned_to"],
    )


async def _new_lead(
    connection: asyncpg.Connection,
    warm: WarmLead,
    account: asyncpg.Record,
    now: datetime,
    sla: SlaPolicy,
) -> Handoff:
    branch_id, assigned_to, route = await _route(connection, account)
    due_at = None
    if branch_id is not None:
        time_zone = await connection.fetchval(QUERIES["branch_time_zone"], branch_id)
        due_at = first_contact_due(now, ZoneInfo(time_zone), sla)
    lead_id = await connection.fetchval(
        QUERIES["insert_lead"],
        warm.account_id,
        warm.campaign_id,
        warm.product_id,
        warm.rep_user_id,
        warm.call_attempt_id,
        warm.disposition_id,
        branch_id,
        assigned_to,
        warm.interest,
        warm.preferred_contact_at,
        warm.notes,
        now,
        due_at,
    )
    if lead_id is None:
        # Another handoff opened the lead between our look and our insert; the constraint
        # kept it single, and this disposition joins it.
        joined = await _add_to_open_lead(connection, warm, now)
        if joined is None:
            raise AssignmentRefused(
                f"the open lead of account {warm.account_id} vanished during handoff: retry"
            )
        return joined
    await record_event(
        connection,
        lead_id,
        now,
        "handed_off",
        warm.rep_user_id,
        {**_origin(warm), "route": route.value, "branch_id": branch_id},
    )
    if assigned_to is not None:
        await record_event(
            connection,
            lead_id,
            now,
            "assigned",
            None,
            {"assigned_to": assigned_to, "how": route.value},
        )
    else:
        await record_event(connection, lead_id, now, "queued", None, {"queue": route.value})
    detail = {
        "account_id": warm.account_id,
        "campaign_id": warm.campaign_id,
        "rep_user_id": warm.rep_user_id,
        "route": route.value,
        "assigned_to": assigned_to,
        "sla_due_at": None if due_at is None else due_at.isoformat(),
    }
    owner = None if assigned_to is None else [assigned_to]
    await queue_notice(connection, lead_id, "lead_handed_off", branch_id, now, owner, detail)
    if assigned_to is not None:
        await queue_notice(
            connection,
            lead_id,
            "lead_assigned",
            branch_id,
            now,
            owner,
            {"assigned_to": assigned_to, "previous": None, "how": route.value},
        )
    return Handoff(
        lead_id=lead_id,
        created=True,
        route=route,
        branch_id=branch_id,
        assigned_to=assigned_to,
    )


async def _route(
    connection: asyncpg.Connection, account: asyncpg.Record
) -> tuple[int | None, int | None, Route]:
    if account["available_manager_id"] is not None:
        return account["manager_branch_id"], account["available_manager_id"], Route.OWNER
    branch_id = account["branch_id"]
    if branch_id is None:
        return None, None, Route.CENTRE_POOL
    assigned_to, route = await route_within_branch(connection, branch_id)
    return branch_id, assigned_to, route


async def route_within_branch(
    connection: asyncpg.Connection, branch_id: int
) -> tuple[int | None, Route]:
    """An orphan customer's lead at ``branch_id``: the manager the branch's policy picks, or
    nobody (the branch queue). Locks the branch, so concurrent picks see each other."""
    branch = await connection.fetchrow(QUERIES["lock_branch"], branch_id)
    policy = AssignmentPolicy(branch["lead_assignment"])
    candidates = [
        Candidate(
            user_id=row["user_id"],
            open_leads=row["open_leads"],
            newest_lead_id=row["newest_lead_id"],
        )
        for row in await connection.fetch(QUERIES["assignment_candidates"], branch_id)
    ]
    chosen = choose_account_manager(candidates, policy)
    if chosen is None:
        return None, Route.BRANCH_QUEUE
    return chosen, Route(policy.value)


async def assign_lead(
    executor: Executor,
    lead_id: int,
    account_manager_id: int,
    *,
    branch_id: int,
    actor_user_id: int,
    now: datetime,
) -> None:
    """A branch manager assigns (or reassigns) one of their branch's open leads.

    ``branch_id`` is the acting manager's branch: a lead of another branch is not found,
    so branches never see or touch each other's leads.
    """
    if isinstance(executor, asyncpg.Pool):
        async with executor.acquire() as connection:
            await assign_lead(
                connection,
                lead_id,
                account_manager_id,
                branch_id=branch_id,
                actor_user_id=actor_user_id,
                now=now,
            )
        return
    connection = executor
    async with connection.transaction():
        lead = await connection.fetchrow(QUERIES["branch_lead_for_update"], lead_id, branch_id)
        if lead is None:
            raise LeadNotFound(f"no lead {lead_id} in branch {branch_id}")
        if lead["state"] not in ("new", "accepted", "contacted"):
            raise AssignmentRefused(f"lead {lead_id} is {lead['state']}: only open leads move")
        manager = await connection.fetchval(
            QUERIES["branch_account_manager"], account_manager_id, branch_id
        )
        if manager is None:
            raise AssignmentRefused(
                f"user {account_manager_id} is not an active account manager of branch {branch_id}"
            )
        if lead["assigned_to"] == account_manager_id:
            return
        await connection.execute(QUERIES["set_assignee"], lead_id, account_manager_id)
        detail = {
            "assigned_to": account_manager_id,
            "previous": lead["assigned_to"],
            "how": "manual",
        }
        await record_event(
            connection,
            lead_id,
            now,
            "assigned" if lead["assigned_to"] is None else "reassigned",
            actor_user_id,
            detail,
        )
        await queue_notice(
            connection,
            lead_id,
            "lead_assigned",
            branch_id,
            now,
            [account_manager_id],
            {**detail, "by": actor_user_id},
        )
    log.info("lead_assigned", lead_id=lead_id, assigned_to=account_manager_id, by=actor_user_id)


async def timeline(executor: Executor, lead_id: int) -> list[dict[str, Any]]:
    """The lead's recorded steps, oldest first."""
    return [dict(row) for row in await executor.fetch(QUERIES["lead_timeline"], lead_id)]


def _origin(warm: WarmLead) -> dict[str, Any]:
    return {
        "rep_user_id": warm.rep_user_id,
        "campaign_id": warm.campaign_id,
        "call_attempt_id": warm.call_attempt_id,
        "disposition_id": warm.disposition_id,
        "notes": warm.notes,
    }


async def record_event(
    connection: asyncpg.Connection,
    lead_id: int,
    at: datetime,
    kind: str,
    actor_user_id: int | None,
    detail: dict[str, Any],
) -> None:
    await connection.execute(QUERIES["record_event"], lead_id, at, kind, actor_user_id, detail)


async def queue_notice(
    connection: asyncpg.Connection,
    lead_id: int,
    event: str,
    branch_id: int | None,
    at: datetime,
    recipients: list[int] | None,
    detail: dict[str, Any],
) -> None:
    """Queue a notice in the change's own transaction (``dialer.leads.notices`` sends it once
    the change has committed); ``recipients`` None means the branch's managers."""
    await connection.execute(
        QUERIES["queue_notice"], lead_id, event, branch_id, at, recipients, detail
    )
