"""Preview mode: the rep sees the next account before it is dialled, then dials or skips.

A decision is stored in `preview_decisions`; the console's route has the engine place a
dial at once (`dialer.engine.preview.dial_preview`: through the compliance gate, the
attempt recorded in `dialed_call_attempt_id`) and announces it on the campaign's channel
as `{"kind": "preview_dial", ...}`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import asyncpg
import structlog

from dialer.floor.calls import customer_account
from dialer.floor.customers import customer_time_zone, mask_number
from dialer.floor.errors import AccountNotFound, DispositionRefused, NothingToPreview, NotOffered
from dialer.sql import load_queries

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.console")


async def next_account(
    executor: asyncpg.Connection | asyncpg.Pool, campaign_id: int, user_id: int, now: datetime
) -> dict[str, Any]:
    """The campaign's next account, recorded as offered to this rep (who may then decide
    on it, and read it)."""
    account_id = await executor.fetchval(QUERIES["next_preview_account"], campaign_id)
    if account_id is None:
        raise NothingToPreview(f"campaign {campaign_id} has no account left to preview")
    await executor.execute(QUERIES["offer_preview"], campaign_id, account_id, user_id, now)
    account = await customer_account(executor, account_id)
    e164 = await executor.fetchval(QUERIES["preview_phone"], account_id)
    history = await executor.fetch(QUERIES["contact_history"], account_id)
    return {
        "account_id": account_id,
        "name": account["name"],
        "segment": account["segment"],
        "tier": account["tier"],
        "branch": account["branch_name"],
        "account_manager": account["account_manager_name"],
        "risk_level": account["risk_tolerance"],
        "phone": mask_number(e164) if e164 else None,
        "time_zone": customer_time_zone(e164, account["address_time_zone"]),
        "history": [dict(row) for row in history],
    }


async def decide_preview(
    connection: asyncpg.Connection,
    campaign_id: int,
    account_id: int,
    user_id: int,
    action: Literal["dial", "skip"],
    now: datetime,
) -> dict[str, Any]:
    """Store the rep's decision; a second dial of the same account returns the first. Only
    an account offered to this rep in this campaign can be decided on."""
    known = await connection.fetchrow(QUERIES["preview_offered"], campaign_id, account_id, user_id)
    if not known["account_exists"]:
        raise AccountNotFound(f"no account {account_id}")
    if not known["offered"]:
        raise NotOffered(f"account {account_id} was not offered to you in this campaign")
    if action == "dial":
        live = await connection.fetchrow(QUERIES["live_preview_dial"], campaign_id, account_id)
        if live is not None:
            return {
                "preview_decision_id": live["preview_decision_id"],
                "action": action,
                "replayed": True,
                "call_attempt_id": live["dialed_call_attempt_id"],
            }
    decision_id = await connection.fetchval(
        QUERIES["insert_preview_decision"], campaign_id, account_id, user_id, action, now
    )
    if decision_id is None:
        decision_id = await connection.fetchval(
            QUERIES["pending_preview_dial"], campaign_id, account_id
        )
        if decision_id is None:
            raise DispositionRefused("that account was already decided on; load the next one")
        return {"preview_decision_id": decision_id, "action": action, "replayed": True}
    log.info(
        "preview_decided",
        campaign_id=campaign_id,
        account_id=account_id,
        agent=user_id,
        action=action,
    )
    return {"preview_decision_id": decision_id, "action": action, "replayed": False}
