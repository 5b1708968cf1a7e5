"""The branch inbox's data: who sees which leads, and the steps they take on them.

Scope is enforced in every query (branch and assignee are query parameters), so a branch
never sees another branch's leads, and an account manager sees only the leads given to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import structlog

from dialer.leads.errors import LeadNotFound
from dialer.leads.lifecycle import Action, next_state
from dialer.sql import load_queries

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.leads")


@dataclass(frozen=True, slots=True)
class Scope:
    """Which leads someone may see: a branch (None: all) and an assignee (None: anyone)."""

    branch_id: int | None
    assignee_id: int | None

    @classmethod
    def everything(cls) -> Scope:
        return cls(None, None)

    @classmethod
    def branch(cls, branch_id: int) -> Scope:
        return cls(branch_id, None)

    @classmethod
    def own(cls, branch_id: int, user_id: int) -> Scope:
        return cls(branch_id, user_id)


async def list_leads(
    executor: asyncpg.Pool | asyncpg.Connection,
    scope: Scope,
    *,
    state: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    rows = await executor.fetch(
        QUERIES["scoped_leads"], state, scope.branch_id, scope.assignee_id, limit
    )
    return [dict(row) for row in rows]


async def get_lead(
    executor: asyncpg.Pool | asyncpg.Connection, lead_id: int, scope: Scope
) -> dict[str, Any]:
    row = await executor.fetchrow(
        QUERIES["scoped_lead"], lead_id, scope.branch_id, scope.assignee_id
    )
    if row is None:
        raise LeadNotFound(f"no lead {lead_id} among the leads you can see")
    lead = dict(row)
    lead["timeline"] = [
        dict(step) for step in await executor.fetch(QUERIES["lead_timeline"], lead_id)
    ]
    return lead


async def take_step(
    pool: asyncpg.Pool,
    lead_id: int,
    action: Action,
    *,
    scope: Scope,
    actor_user_id: int,
    now: datetime,
    note: str = "",
) -> str:
    """Apply ``action`` to a lead within ``scope``; record it on the timeline; the new state."""
    async with pool.acquire() as connection, connection.transaction():
        state = await connection.fetchval(
            QUERIES["scoped_lead_state_for_update"], lead_id, scope.branch_id, scope.assignee_id
        )
        if state is None:
            raise LeadNotFound(f"no lead {lead_id} among the leads you can see")
        new_state = next_state(state, action)
        await connection.execute(
            QUERIES["move_lead"], lead_id, new_state, now, action is Action.CONTACT_REACHED
        )
        await connection.execute(
            QUERIES["record_event"],
            lead_id,
            now,
            action.value,
            actor_user_id,
            {"from": state, "to": new_state, "note": note},
        )
    log.info("lead_step_taken", lead_id=lead_id, action=action.value, state=new_state)
    return new_state
