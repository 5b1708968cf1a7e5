"""The leads package's long-lived part in the service: the SLA job and its notifiers.

``lead_background`` is an aiohttp cleanup context (for ``dialer.app``'s BACKGROUND list): it
starts an APScheduler ``AsyncIOScheduler`` running the SLA pass every
``DIALER_LEADS_SLA_EVERY_SECONDS`` (default 60) with the app's pool and clock, under the
SLA policy the settings configure (``dialer.leads.settings``), sends the notices hand-offs
and assignments queued every ``DIALER_LEADS_NOTICE_EVERY_SECONDS`` (default 5), and notifies
by signed webhook (``DIALER_LEADS_WEBHOOK_URL`` and ``DIALER_LEADS_WEBHOOK_SECRET``) and by
e-mail (``DIALER_LEADS_SMTP_HOST``, ``_SMTP_PORT``, ``_SMTP_SENDER``, ``_SMTP_RECIPIENTS`` as
a JSON list, ``_SMTP_STARTTLS``, ``_SMTP_USERNAME``, ``_SMTP_PASSWORD``) when configured. The
branch inbox (the lead's timeline) always gets the steps.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC

import aiohttp
from aiohttp import web
from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from dialer.keys import CLOCK, LEAD_SCHEDULER, POOL
from dialer.leads.notices import schedule_notice_job
from dialer.leads.settings import LeadSettings, load_lead_settings
from dialer.leads.sla_jobs import schedule_sla_job
from dialer.runtime.metrics import SCHEDULED_JOB_ERRORS

__all__ = ["LeadSettings", "lead_background"]


def count_job_error(event: JobExecutionEvent) -> None:
    """A timed job that raised, counted on /metrics by its id."""
    SCHEDULED_JOB_ERRORS.labels(event.job_id).inc()


async def lead_background(app: web.Application) -> AsyncIterator[None]:
    settings = load_lead_settings()  # a wrong value stops the start, naming the variable
    async with aiohttp.ClientSession() as session:
        scheduler = AsyncIOScheduler(timezone=UTC)
        notifier = settings.notifier(session)
        schedule_sla_job(
            scheduler,
            app[POOL],
            app[CLOCK],
            notifier,
            settings.sla_policy(),
            every_seconds=settings.sla_every_seconds,
        )
        schedule_notice_job(
            scheduler,
            app[POOL],
            app[CLOCK],
            notifier,
            every_seconds=settings.notice_every_seconds,
        )
        scheduler.add_listener(count_job_error, EVENT_JOB_ERROR)
        scheduler.start()
        app[LEAD_SCHEDULER] = scheduler
        try:
            yield
        finally:
            scheduler.shutdown(wait=False)
