"""Sending the notices a hand-off or an assignment queued (``lead_notices``).

``handoff`` queues ``lead_handed_off`` and ``lead_assigned`` in the transaction that makes
the change, so a notice exists only once the change has committed, whichever path made it
(the rep console, the engine, the inbox, the demo). A pass claims the unsent ones and marks
them in one statement (``FOR UPDATE SKIP LOCKED``), then sends them on every configured
channel (``notify.Notifier``: signed webhook, e-mail); the branch inbox shows the same step
on the lead's timeline. However many processes run the job, a notice goes out once; one a
process dies holding is still on the timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import asyncpg
import structlog

from dialer.leads.notify import Notice
from dialer.leads.sla_jobs import NoticeSink
from dialer.sql import load_queries

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.leads")


async def send_queued_notices(
    pool: asyncpg.Pool, now: datetime, notifier: NoticeSink | None = None, limit: int = 100
) -> list[Notice]:
    """Claim up to ``limit`` queued notices, send them, and return them."""
    notices = [
        Notice(
            event=row["event"],
            lead_id=row["lead_id"],
            branch_id=row["branch_id"],
            at=row["at"],
            recipients=tuple(row["recipients"]),
            detail=row["detail"],
            key=str(row["notice_id"]),
        )
        for row in await pool.fetch(QUERIES["claim_notices"], now, limit)
    ]
    if notifier is not None:
        for notice in notices:
            await notifier.notify(notice, now)
    if notices:
        log.info("lead_notices_sent", notices=len(notices))
    return notices


def schedule_notice_job(
    scheduler: Any,
    pool: asyncpg.Pool,
    clock: Callable[[], datetime],
    notifier: NoticeSink | None = None,
    every_seconds: int = 5,
) -> None:
    """Add the notice pass to an APScheduler ``AsyncIOScheduler``."""

    async def job() -> None:
        await send_queued_notices(pool, clock(), notifier)

    scheduler.add_job(
        job,
        "interval",
        seconds=every_seconds,
        id="lead_notices",
        replace_existing=True,
        max_instances=1,
        coalesce=True,
    )
