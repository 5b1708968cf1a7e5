"""The leads package's long-lived part in the service: the SLA job and its notifiers.

``lead_background`` is an aiohttp cleanup context (for ``dialer.app``'s BACKGROUND list): it
starts an APScheduler ``AsyncIOScheduler`` running the SLA pass every
``DIALER_LEADS_SLA_EVERY_SECONDS`` (default 60) with the app's pool and clock, and notifies
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
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from dialer.leads.notify import EmailSettings, Notifier, WebhookSettings
from dialer.leads.sla_jobs import schedule_sla_job

LEAD_SCHEDULER: web.AppKey[AsyncIOScheduler] = web.AppKey("lead_scheduler", AsyncIOScheduler)


class LeadSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DIALER_LEADS_", extra="ignore")

    sla_every_seconds: int = 60
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str | None = None
    smtp_recipients: list[str] = []
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None

    def notifier(self, session: aiohttp.ClientSession) -> Notifier:
        webhook = (
            WebhookSettings(url=self.webhook_url, secret=self.webhook_secret)
            if self.webhook_url and self.webhook_secret
            else None
        )
        email = (
            EmailSettings(
                host=self.smtp_host,
                port=self.smtp_port,
                sender=self.smtp_sender,
                recipients=tuple(self.smtp_recipients),
                starttls=self.smtp_starttls,
                username=self.smtp_username,
                password=self.smtp_password,
            )
            if self.smtp_host and self.smtp_sender
            else None
        )
        return Notifier(session=session, webhook=webhook, email=email)


async def lead_background(app: web.Application) -> AsyncIterator[None]:
    from dialer.app import CLOCK, POOL

    settings = LeadSettings()
    async with aiohttp.ClientSession() as session:
        scheduler = AsyncIOScheduler(timezone=UTC)
        schedule_sla_job(
            scheduler,
            app[POOL],
            app[CLOCK],
            settings.notifier(session),
            every_seconds=settings.sla_every_seconds,
        )
        scheduler.start()
        app[LEAD_SCHEDULER] = scheduler
        try:
            yield
        finally:
            scheduler.shutdown(wait=False)
