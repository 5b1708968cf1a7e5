"""The engine side's SMS survey job: every `DIALER_SMS_SURVEY_EVERY_SECONDS` (default 30)
each recent contact without a survey gets one (``dialer.quality.sms``), from
`DIALER_SMS_SURVEY_FROM` (default the first caller ID, else the firm's callback number);
and the daily QA sample: every hour the previous day (in the centre's time zone) of each
team with a plan is sampled, once per team and day however many workers run the job
(``dialer.quality.qa.sample_day`` claims the day in the database)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from dialer.keys import CLOCK, GATE_RULES, POOL, SETTINGS, TELEPHONY
from dialer.quality.qa import sample_day
from dialer.quality.sms import send_due_surveys
from dialer.settings import Settings


def survey_sender(settings: Settings) -> str:
    if settings.sms_survey_from:
        return settings.sms_survey_from
    return (
        settings.twilio_caller_ids[0]
        if settings.twilio_caller_ids
        else settings.firm_callback_number
    )


async def survey_once(app: web.Application) -> None:
    telephony = app.get(TELEPHONY)
    if telephony is None:
        return
    settings = app[SETTINGS]
    await send_due_surveys(
        app[POOL],
        telephony.provider,
        rules=app[GATE_RULES],
        from_number=survey_sender(settings),
        firm_name=settings.firm_name,
        now=app[CLOCK](),
    )


CENTRE_ZONE = ZoneInfo("Asia/Shanghai")


async def sample_yesterday(app: web.Application) -> int:
    """Queue the QA sample of the centre's previous day (nothing if already sampled)."""
    now = app[CLOCK]()
    day = now.astimezone(CENTRE_ZONE).date() - timedelta(days=1)
    return await sample_day(app[POOL], day, tz=CENTRE_ZONE, now=now)


async def sms_survey_background(app: web.Application) -> AsyncIterator[None]:
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        survey_once,
        "interval",
        args=[app],
        seconds=app[SETTINGS].sms_survey_every_seconds,
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        sample_yesterday, "interval", args=[app], hours=1, max_instances=1, coalesce=True
    )
    scheduler.start()
    try:
        yield
    finally:
        scheduler.shutdown(wait=False)
