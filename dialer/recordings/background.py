"""The engine side's retention job: every `DIALER_RECORDING_PURGE_EVERY_SECONDS` (default an
hour) the recordings whose retention ended are deleted at the carrier and here
(`Recorder.purge_expired`, each deletion recorded and audited)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC

import structlog
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from dialer.keys import CLOCK, SETTINGS, TELEPHONY

log = structlog.get_logger(__name__)


async def purge_once(app: web.Application) -> None:
    telephony = app.get(TELEPHONY)
    if telephony is None:
        return
    report = await telephony.recorder.purge_expired(app[CLOCK]())
    if report.deleted or report.failed:
        log.info(
            "recordings_purged",
            deleted=report.deleted,
            carrier_already_gone=report.carrier_already_gone,
            failed=report.failed,
        )


async def recording_retention_background(app: web.Application) -> AsyncIterator[None]:
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        purge_once,
        "interval",
        args=[app],
        seconds=app[SETTINGS].recording_purge_every_seconds,
        max_instances=1,
        coalesce=True,
    )
    scheduler.start()
    try:
        yield
    finally:
        scheduler.shutdown(wait=False)
