"""The follow-up SLA on a controlled clock: reminders, escalation, return, never twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from compliance.calendars import cn_working_day
from dialer.leads.handoff import WarmLead, hand_off
from dialer.leads.notify import Notice
from dialer.leads.sla import (
    SlaPolicy,
    SlaStep,
    add_business_days,
    due_steps,
    first_contact_due,
    step_times,
)
from dialer.leads.sla_jobs import run_sla_pass, schedule_sla_job

from .conftest import Brokerage, make_account, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def weekdays(day: date) -> bool:
    return day.weekday() < 5


WEEKDAYS = SlaPolicy(working_day=weekdays)
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


def test_the_deadline_is_counted_in_business_days_of_the_branch() -> None:
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=SHANGHAI)
    assert first_contact_due(friday, SHANGHAI, WEEKDAYS) == datetime(
        2026, 11, 30, 15, 0, tzinfo=SHANGHAI
    )
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)
    # A day off starts the clock at 00:00 of the next working day.
    assert first_contact_due(saturday, SHANGHAI, WEEKDAYS) == datetime(
        2026, 12, 1, 0, 0, tzinfo=SHANGHAI
    )
    # Friday 20:00 in New York is Saturday in Shanghai: the branch's zone decides.
    evening = datetime(2026, 11, 27, 20, 0, tzinfo=NEW_YORK)
    assert first_contact_due(evening, NEW_YORK, WEEKDAYS) == datetime(
        2026, 11, 30, 20, 0, tzinfo=NEW_YORK
    )
    assert first_contact_due(evening, SHANGHAI, WEEKDAYS) == datetime(
        2026, 12, 1, 0, 0, tzinfo=SHANGHAI
    )


def test_china_s_statutory_holidays_are_not_business_days() -> None:
    assert not cn_working_day(date(2026, 10, 1))
    before_national_day = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
    due = first_contact_due(before_national_day, SHANGHAI)
    expected = next(
        date(2026, 10, 1) + timedelta(days=n)
        for n in range(30)
        if cn_working_day(date(2026, 10, 1) + timedelta(days=n))
    )
    assert due == datetime.combine(expected, datetime.min.time().replace(hour=10), SHANGHAI)
    assert due.date() > date(2026, 10, 1)


def test_steps_fall_due_in_order_and_once() -> None:
    due = first_contact_due(MONDAY_10, SHANGHAI, WEEKDAYS)
    times = step_times(due, SHANGHAI, WEEKDAYS)
    assert times == {
        SlaStep.REMIND: datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI),
        SlaStep.ESCALATE: datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI),
        SlaStep.RETURN: datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI),
    }
    assert due_steps(due, due - timedelta(seconds=1), set(), SHANGHAI, WEEKDAYS) == []
    assert due_steps(due, due, set(), SHANGHAI, WEEKDAYS) == [SlaStep.REMIND]
    late = times[SlaStep.RETURN]
    assert due_steps(due, late, set(), SHANGHAI, WEEKDAYS) == list(SlaStep)
    assert due_steps(due, late, {SlaStep.REMIND}, SHANGHAI, WEEKDAYS) == [
        SlaStep.ESCALATE,
        SlaStep.RETURN,
    ]
    with pytest.raises(ValueError, match="at least one business day"):
        SlaPolicy(first_contact_days=0)
    assert add_business_days(MONDAY_10, 0, SHANGHAI, weekdays) == MONDAY_10


class RecordingNotifier:
    def __init__(self) -> None:
        self.notices: list[Notice] = []

    async def notify(self, notice: Notice, now: datetime) -> None:
        self.notices.append(notice)


async def overdue_lead(b: Brokerage, name: str, manager: int | None) -> int:
    account = await make_account(b.pool, name, b.branch_a, manager)
    result = await hand_off(
        b.pool,
        WarmLead(account_id=account, campaign_id=b.campaign, rep_user_id=b.rep),
        MONDAY_10,
        WEEKDAYS,
    )
    return result.lead_id


async def test_remind_then_escalate_then_return_to_the_centre(brokerage: Brokerage) -> None:
    b = brokerage
    boss = await make_user(b.pool, "boss-a", "branch_manager", branch_id=b.branch_a)
    (manager,) = await b.account_managers(b.branch_a, "am-a", 1)
    lead_id = await overdue_lead(b, "Slow", manager)
    due = await b.pool.fetchval("SELECT sla_due_at FROM leads WHERE lead_id = $1", lead_id)
    assert due == datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)
    notifier = RecordingNotifier()

    assert await run_sla_pass(b.pool, due - timedelta(minutes=1), notifier, WEEKDAYS) == []
    reminded = await run_sla_pass(b.pool, due, notifier, WEEKDAYS)
    assert [(n.event, n.recipients) for n in reminded] == [("sla_reminded", (manager,))]
    assert await run_sla_pass(b.pool, due + timedelta(hours=5), notifier, WEEKDAYS) == []

    escalated = await run_sla_pass(b.pool, due + timedelta(days=1), notifier, WEEKDAYS)
    assert [(n.event, n.recipients) for n in escalated] == [("sla_escalated", (boss,))]
    returned = await run_sla_pass(b.pool, due + timedelta(days=2), notifier, WEEKDAYS)
    assert [n.event for n in returned] == ["sla_returned"]
    row = await b.pool.fetchrow(
        "SELECT state, assigned_to, closed_at FROM leads WHERE lead_id = $1", lead_id
    )
    # Expired for the branch (who had it is kept) and in the centre's pool.
    assert (row["state"], row["assigned_to"], row["closed_at"]) == (
        "expired",
        manager,
        due + timedelta(days=2),
    )
    assert returned[0].detail["state"] == "expired"
    kinds = [
        e["kind"]
        for e in await b.pool.fetch(
            "SELECT kind FROM lead_events WHERE lead_id = $1 ORDER BY at", lead_id
        )
    ]
    assert kinds[-3:] == ["sla_reminded", "sla_escalated", "sla_returned"]
    assert len(notifier.notices) == 3
    assert await run_sla_pass(b.pool, due + timedelta(days=30), notifier, WEEKDAYS) == []


async def test_first_contact_stops_the_clock(brokerage: Brokerage) -> None:
    b = brokerage
    (manager,) = await b.account_managers(b.branch_a, "am-a", 1)
    lead_id = await overdue_lead(b, "Served", manager)
    await b.pool.execute(
        "UPDATE leads SET state = 'contacted', first_contact_at = $2 WHERE lead_id = $1",
        lead_id,
        MONDAY_10 + timedelta(hours=2),
    )
    assert await run_sla_pass(b.pool, MONDAY_10 + timedelta(days=10), None, WEEKDAYS) == []


async def test_an_unassigned_lead_reminds_the_branch_manager(brokerage: Brokerage) -> None:
    b = brokerage
    boss = await make_user(b.pool, "boss-a", "branch_manager", branch_id=b.branch_a)
    await overdue_lead(b, "Orphan", None)
    notices = await run_sla_pass(b.pool, MONDAY_10 + timedelta(days=1), None, WEEKDAYS)
    assert [(n.event, n.recipients) for n in notices] == [("sla_reminded", (boss,))]


async def test_many_processes_fire_each_step_once(brokerage: Brokerage) -> None:
    b = brokerage
    await make_user(b.pool, "boss-a", "branch_manager", branch_id=b.branch_a)
    leads = [await overdue_lead(b, f"Late {n}", None) for n in range(5)]
    notifier = RecordingNotifier()
    much_later = MONDAY_10 + timedelta(days=7)
    await asyncio.gather(*(run_sla_pass(b.pool, much_later, notifier, WEEKDAYS) for _ in range(4)))
    assert Counter((n.lead_id, n.event) for n in notifier.notices) == {
        (lead, step.value): 1 for lead in leads for step in SlaStep
    }
    events = await b.pool.fetch(
        "SELECT lead_id, kind, count(*) FROM lead_events WHERE kind LIKE 'sla%' GROUP BY 1, 2"
    )
    assert len(events) == 15 and all(e["count"] == 1 for e in events)


async def test_the_job_is_registered_with_apscheduler(brokerage: Brokerage) -> None:
    scheduler = AsyncIOScheduler()
    schedule_sla_job(scheduler, brokerage.pool, lambda: MONDAY_10, every_seconds=30)
    job = scheduler.get_job("lead_sla")
    assert job is not None
    assert job.max_instances == 1 and job.coalesce
    assert job.trigger.interval == timedelta(seconds=30)
