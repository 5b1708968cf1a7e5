"""Preview dialing: the engine places the call a rep chose to dial, for that rep.

A rep in a preview campaign sees the next account and presses dial (dialer.console.preview
stores the decision). `dial_preview` then does for that one account what the pacing loop
does for a batch, with the rep already known: it leases the account's callable number in
the campaign's queue (queueing the campaign's numbers first if they never were), runs the
compliance gate in preview mode for that rep, and, if the gate allows it, writes the call
attempt with the rep reserved for it, in one transaction with the rep's move to reserved
and the decision's `dialed_call_attempt_id`; then the provider places the call. When it is
answered, `Answers.reserve_rep` (dialer/engine/answers.py) bridges it to this rep; if it
ends unanswered, `CampaignEngine.on_event` returns the rep to ready.

A refusal (the rep is not ready, no callable number, BLOCK or DELAY from the gate, the
carrier refused the call) leaves the rep ready and is published to `agent:<user_id>` as
`{"kind": "preview_refused", "reason": ...}`; the gate's audit row is written either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import asyncpg
import structlog

from campaigns.agents import RepState
from compliance.models import DialMode
from compliance.reasons_zh import reason_zh
from dialer.compliance.gatekeeper import check_numbers
from dialer.engine import hopper
from dialer.engine.errors import EngineError
from dialer.engine.launching import DELAY_FALLBACK
from dialer.engine.loop import CampaignEngine
from dialer.events import agent_channel
from dialer.floor import sessions as agent_sessions
from dialer.floor.errors import ConsoleError
from dialer.sql import load_queries

if TYPE_CHECKING:
    from dialer.engine.service import TelephonyService

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.engine", "preview.sql")


@dataclass(frozen=True)
class PreviewDial:
    """What became of a rep's dial: the call placed, or why it was refused."""

    call_attempt_id: int | None = None
    refused: str | None = None
    refused_zh: str | None = None
    audit_id: int | None = None


class _Refused(Exception):
    """Raised inside the reservation transaction to roll it back."""


async def dial_preview(
    target: TelephonyService | CampaignEngine,
    campaign_id: int,
    user_id: int,
    account_id: int,
    now: datetime,
) -> PreviewDial:
    """Place the call to `account_id` that rep `user_id` chose to dial in `campaign_id`."""
    engine: CampaignEngine | None = None
    try:
        if isinstance(target, CampaignEngine):
            engine = target
        else:
            engine = await target.engine_for(campaign_id)
    except EngineError as exc:
        result = PreviewDial(refused=str(exc))
    else:
        result = await _dial(engine, campaign_id, user_id, account_id, now)
    if result.refused is not None:
        log.info(
            "preview_dial_refused",
            campaign_id=campaign_id,
            account_id=account_id,
            agent=user_id,
            reason=result.refused,
        )
        events = engine.events if engine is not None else target.events
        await events.publish(
            agent_channel(user_id),
            {
                "kind": "preview_refused",
                "campaign_id": campaign_id,
                "account_id": account_id,
                "reason": result.refused,
                "reason_zh": result.refused_zh,
                "audit_id": result.audit_id,
            },
        )
    return result


async def _dial(
    engine: CampaignEngine, campaign_id: int, user_id: int, account_id: int, now: datetime
) -> PreviewDial:
    if engine.campaign.campaign_id != campaign_id:
        raise EngineError(
            f"the engine of campaign {engine.campaign.campaign_id} was asked to dial for "
            f"campaign {campaign_id}; pass that campaign's engine"
        )
    async with engine.pool.acquire() as connection:
        session = await agent_sessions.current_session(connection, user_id)
        if session is None or session["campaign_id"] != campaign_id:
            return PreviewDial(refused=f"log in to campaign {campaign_id} before dialing")
        if session["state"] != RepState.READY.value:
            return PreviewDial(refused=f"go ready before dialing (you are {session['state']})")
        number = await _lease(connection, engine, campaign_id, account_id, now)
        if number is None:
            return PreviewDial(
                refused=f"account {account_id} has no number to dial in this campaign now "
                "(already being dialled, finished, or waiting for its next try)"
            )
        (outcome,) = await check_numbers(
            connection,
            campaign_id,
            [number],
            now,
            dial_mode="preview",
            agent_user_id=user_id,
            rules=engine.rules,
        )
        decision = outcome.decision
        verdict = decision.verdict.value
        refusal = PreviewDial(
            refused=decision.reason, refused_zh=reason_zh(decision), audit_id=outcome.audit_id
        )
        if verdict == "BLOCK":
            await hopper.close(connection, number, "blocked", decision.reason)
            return refusal
        if verdict == "DELAY" or (
            verdict == "REQUIRE"
            and decision.required_mode is not None
            and decision.required_mode is not DialMode.PREVIEW
        ):
            until = decision.until or now + DELAY_FALLBACK
            await hopper.defer(connection, number, until, decision.reason)
            return refusal
        try:
            attempt_id = await _reserve(connection, engine, number, user_id, now, outcome.audit_id)
        except (_Refused, ConsoleError) as exc:
            # nothing of the attempt was written: the number goes back to the queue as it was
            await hopper.defer(connection, number, now, "preview dial withdrawn")
            return PreviewDial(refused=str(exc), audit_id=outcome.audit_id)
        if attempt_id is None:
            return PreviewDial(
                refused="the number is in another live call; try again in a few minutes",
                audit_id=outcome.audit_id,
            )
    log.info(
        "preview_dialed",
        campaign_id=campaign_id,
        account_id=account_id,
        agent=user_id,
        call_attempt_id=attempt_id,
    )
    await engine.place(attempt_id, number)
    return await _after_placing(engine, attempt_id, user_id, outcome.audit_id)


async def _lease(
    connection: asyncpg.Connection,
    engine: CampaignEngine,
    campaign_id: int,
    account_id: int,
    now: datetime,
) -> hopper.ClaimedNumber | None:
    for attempt in range(2):
        row = await connection.fetchrow(
            QUERIES["lease_account_number"],
            campaign_id,
            account_id,
            engine.engine_id,
            now,
            hopper.DEFAULT_LEASE_SECONDS,
        )
        if row is not None:
            return hopper.ClaimedNumber(**dict(row))
        if attempt == 0:
            # a preview campaign's numbers are queued on its first dial
            await hopper.load_numbers(connection, campaign_id, now)
    return None


async def _reserve(
    connection: asyncpg.Connection,
    engine: CampaignEngine,
    number: hopper.ClaimedNumber,
    user_id: int,
    now: datetime,
    audit_id: int,
) -> int | None:
    """Write the attempt, reserve the rep for it and mark the decision dialed, atomically."""
    async with connection.transaction():
        attempt_id = await hopper.start_attempt(
            connection, number, engine.engine_id, now, audit_id, provider=engine.provider.name
        )
        if attempt_id is None:
            return None
        await connection.execute(QUERIES["reserve_attempt_for"], attempt_id, user_id)
        await agent_sessions.set_agent_state(
            connection, user_id, RepState.RESERVED, now, call_attempt_id=attempt_id
        )
        decided = await connection.fetchval(
            QUERIES["mark_preview_dialed"],
            number.campaign_id,
            number.account_id,
            user_id,
            attempt_id,
        )
        if decided is None:
            raise _Refused(
                f"there is no pending dial of account {number.account_id} by you: "
                "choose dial on the preview first"
            )
    return attempt_id


async def _after_placing(
    engine: CampaignEngine, attempt_id: int, user_id: int, audit_id: int
) -> PreviewDial:
    """A call the carrier refused at once gets no webhooks: free the rep here."""
    row = await engine.pool.fetchrow(QUERIES["attempt_status"], attempt_id)
    if row is None or row["status"] != "failed":
        return PreviewDial(call_attempt_id=attempt_id, audit_id=audit_id)
    await engine.store.rep_leaves_call(user_id, attempt_id, RepState.READY, engine.clock)
    return PreviewDial(
        call_attempt_id=attempt_id,
        refused=f"the carrier did not place the call ({row['end_reason']})",
        audit_id=audit_id,
    )
