"""Running the follow-up SLA: one pass over overdue leads, and its APScheduler job.

A pass takes each overdue lead under a row lock (``FOR UPDATE SKIP LOCKED``), reads what was
already done from the lead's timeline after taking the lock, and records the steps now due
(``sla.due_steps``) before committing. So however many processes run the job, a step is
recorded once and notified once: the database is the deduplication. Notices are sent after
the commit; if the process dies in between, the step is still on the timeline (the inbox).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import asyncpg
import structlog

from dialer.leads.notify import Notice
from dialer.leads.sla import DEFAULT_SLA, SlaPolicy, SlaStep, due_steps
from dialer.sql import load_queries

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.leads")


class NoticeSink(Protocol):
    """Where a pass sends its notices (``notify.Notifier`` is one)."""

    async def notify(self, notice: Notice, now: datetime) -> None: ...


async def run_sla_pass(
    pool: asyncpg.Pool,
    now: datetime,
    notifier: NoticeSink | None = None,
    policy: SlaPolicy = DEFAULT_SLA,
) -> list[Notice]:
    """Record every SLA step due at ``now``; send and return the notices."""
    notices: list[Notice] = []
    for row in await pool.fetch(QUERIES["sla_candidates"], now):
        notices.extend(await _advance(pool, row["lead_id"], now, policy))
    if notifier is not None:
        for notice in notices:
            await notifier.notify(notice, now)
    if notices:
        log.info("lead_sla_pass", steps=len(notices))
    return notices


async def _advance(
    pool: asyncpg.Pool, lead_id: int, now: datetime, policy: SlaPolicy
) -> list[Notice]:
    async with pool.acquire() as connection, connection.transaction():
        if await connection.fetchval(QUERIES["lock_lead_skip_locked"], lead_id) is None:
            return []
        lead = await connection.fetchrow(QUERIES["sla_lead"], lead_id)
        if (
            lead is None
            or lead["state"] not in ("new", "accepted")
            or lead["first_contact_at"] is not None
        ):
            return []
        done = {SlaStep(kind) for kind in lead["done"] if kind in set(SlaStep)}
        steps = due_steps(lead["sla_due_at"], now, done, ZoneInfo(lead["time_zone"]), policy)
        managers = tuple(lead["branch_managers"])
        notices = []
        for step in steps:
            if step is SlaStep.REMIND and lead["assigned_to"] is not None:
                recipients: tuple[int, ...] = (lead["assigned_to"],)
            else:
                recipients = managers
            detail = {
                "due_at": lead["sla_due_at"].isoformat(),
                "assigned_to": lead["assigned_to"],
                "to": list(recipients),
            }
            if step is SlaStep.RETURN:
                # Expired for the branch, and in the centre's pool (``pool``) to re-route.
                await connection.execute(QUERIES["expire_lead_to_centre_pool"], lead_id, now)
                detail["state"] = "expired"
            await connection.execute(
                QUERIES["record_event"], lead_id, now, step.value, None, detail
            )
            notices.append(
                Notice(
                    event=step.value,
                    lead_id=lead_id,
                    branch_id=lead["branch_id"],
                    at=now,
                    recipients=recipients,
                    detail=detail,
                )
            )
    return notices


def schedule_sla_job(
    scheduler: Any,
    pool: asyncpg.Pool,
    clock: Callable[[], datetime],
    notifier: NoticeSink | None = None,
    policy: SlaPolicy = DEFAULT_SLA,
    every_seconds: int = 60,
) -> None:
    """Add the SLA pass to an APScheduler ``AsyncIOScheduler`` (one instance at a time per
    process; across processes the database keeps steps single)."""

    async def job() -> None:
        await run_sla_pass(pool, clock(), notifier, policy)

    scheduler.add_job(
        job,
        "interval",
        seconds=every_seconds,
        id="lead_sla",
        replace_existing=True,
        max_instances=1,
        coalesce=True,
    )
