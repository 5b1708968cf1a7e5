"""The SLA job runs inside the service under APScheduler, with the app's pool and clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web

from dialer.keys import CLOCK, POOL
from dialer.leads.background import LEAD_SCHEDULER, LeadSettings, lead_background
from dialer.leads.handoff import WarmLead, hand_off
from dialer.leads.settings import LeadSettingsInvalid, load_lead_settings
from dialer.leads.sla import SlaPolicy

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


async def test_the_sla_settings_move_the_deadline_and_the_steps(
    brokerage: Brokerage, monkeypatch: pytest.MonkeyPatch
) -> None:
    b = brokerage
    tz = ZoneInfo("Asia/Shanghai")
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=tz)

    async def due_of(name: str) -> tuple[int, datetime]:
        account = await make_account(b.pool, name, b.branch_a)
        lead = await hand_off(
            b.pool, WarmLead(account_id=account, campaign_id=b.campaign, rep_user_id=b.rep), monday
        )
        due: datetime = await b.pool.fetchval(
            "SELECT sla_due_at FROM leads WHERE lead_id = $1", lead.lead_id
        )
        return lead.lead_id, due

    _, due = await due_of("Default")
    assert due == datetime(2026, 11, 24, 10, 0, tzinfo=tz)  # 1 business day
    monkeypatch.setenv("DIALER_LEADS_FIRST_CONTACT_DAYS", "3")
    monkeypatch.setenv("DIALER_LEADS_ESCALATE_AFTER_DAYS", "2")
    monkeypatch.setenv("DIALER_LEADS_RETURN_AFTER_DAYS", "4")
    lead_id, due = await due_of("Configured")
    assert due == datetime(2026, 11, 26, 10, 0, tzinfo=tz)  # Thursday: 3 business days

    # The service's SLA job runs under the same settings: one business day after the
    # deadline the assignee has been reminded, and the escalation waits for the second.
    clock = [due + timedelta(days=1)]
    app = web.Application()
    app[POOL] = b.pool
    app[CLOCK] = lambda: clock[0]
    app.cleanup_ctx.append(lead_background)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        job = app[LEAD_SCHEDULER].get_job("lead_sla")
        await job.func()
        kinds = "SELECT array_agg(kind ORDER BY at) FROM lead_events WHERE lead_id = $1"
        assert (await b.pool.fetchval(kinds, lead_id))[-1:] == ["sla_reminded"]
        clock[0] = due + timedelta(days=4)  # Monday 30 Nov: two business days after
        await job.func()
        assert (await b.pool.fetchval(kinds, lead_id))[-2:] == ["sla_reminded", "sla_escalated"]
    finally:
        await runner.cleanup()


def test_wrong_sla_settings_are_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DIALER_LEADS_FIRST_CONTACT_DAYS", "0")
    with pytest.raises(LeadSettingsInvalid, match="DIALER_LEADS_FIRST_CONTACT_DAYS"):
        load_lead_settings()
    monkeypatch.setenv("DIALER_LEADS_FIRST_CONTACT_DAYS", "2")
    monkeypatch.setenv("DIALER_LEADS_ESCALATE_AFTER_DAYS", "3")
    with pytest.raises(LeadSettingsInvalid, match="must not exceed DIALER_LEADS_RETURN_AFTER_DAYS"):
        load_lead_settings()
    monkeypatch.setenv("DIALER_LEADS_RETURN_AFTER_DAYS", "3")
    assert load_lead_settings().sla_policy() == SlaPolicy(
        first_contact_days=2, escalate_after_days=3, return_after_days=3
    )


def test_lead_settings_are_read_from_a_dotenv_file_like_the_others(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(
        "DIALER_LEADS_FIRST_CONTACT_DAYS=5\nDIALER_LEADS_RETURN_AFTER_DAYS=7\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    for name in ("FIRST_CONTACT_DAYS", "ESCALATE_AFTER_DAYS", "RETURN_AFTER_DAYS"):
        monkeypatch.delenv(f"DIALER_LEADS_{name}", raising=False)
    policy = load_lead_settings().sla_policy()
    assert (policy.first_contact_days, policy.return_after_days) == (5, 7)
