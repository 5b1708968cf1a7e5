"""The SLA job runs inside the service under APScheduler, with the app's pool and clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp import web

from dialer.app import CLOCK, POOL
from dialer.leads.background import LEAD_SCHEDULER, LeadSettings, lead_background
from dialer.leads.handoff import WarmLead, hand_off

from .conftest import NOW, Brokerage, make_account


async def test_the_service_runs_the_sla_job_with_its_clock(brokerage: Brokerage) -> None:
    b = brokerage
    account = await make_account(b.pool, "Waiting", b.branch_a)
    lead = await hand_off(
        b.pool, WarmLead(account_id=account, campaign_id=b.campaign, rep_user_id=b.rep), NOW
    )
    app = web.Application()
    app[POOL] = b.pool
    app[CLOCK] = lambda: NOW + timedelta(days=10)
    app.cleanup_ctx.append(lead_background)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        scheduler = app[LEAD_SCHEDULER]
        assert scheduler.running
        job = scheduler.get_job("lead_sla")
        assert job.trigger.interval == timedelta(seconds=60)
        await job.func()  # what the scheduler does every minute, without waiting for it
    finally:
        await runner.cleanup()
    assert not scheduler.running
    kinds = {
        r["kind"]
        for r in await b.pool.fetch("SELECT kind FROM lead_events WHERE lead_id = $1", lead.lead_id)
    }
    assert {"sla_reminded", "sla_escalated", "sla_returned"} <= kinds


def test_channels_are_configured_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIALER_LEADS_WEBHOOK_URL", "https://crm.example.com/hooks/leads")
    monkeypatch.setenv("DIALER_LEADS_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("DIALER_LEADS_SMTP_HOST", "mail.example.com")
    monkeypatch.setenv("DIALER_LEADS_SMTP_SENDER", "dialer@example.com")
    monkeypatch.setenv("DIALER_LEADS_SMTP_RECIPIENTS", '["leads@example.com"]')
    notifier = LeadSettings().notifier(session=None)  # type: ignore[arg-type]
    assert notifier.webhook is not None and notifier.webhook.url.endswith("/hooks/leads")
    assert notifier.email is not None and notifier.email.recipients == ("leads@example.com",)
    monkeypatch.delenv("DIALER_LEADS_WEBHOOK_SECRET")
    assert LeadSettings().notifier(session=None).webhook is None  # type: ignore[arg-type]
