"""The follow-up SLA of a lead, as plain arithmetic on business days (pure).

The account manager must make first contact within ``first_contact_days`` business days
(default 1) of the handoff, counted in the branch's time zone: a handoff on a working day
is due at the same local time that many working days later; a handoff on a day off starts
the clock at 00:00 of the next working day. When it is missed:

1. at the deadline the assignee (or, with nobody assigned, the branch manager) is reminded;
2. ``escalate_after_days`` business days later the branch manager is told;
3. ``return_after_days`` business days after the deadline the lead expires: closed for
   the branch (state ``expired``) and back in the centre's pool, to be re-routed
   (``dialer.leads.pool``).

Working days default to mainland China's calendar (statutory holidays and make-up
working days, from ``compliance.calendars``). Nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from compliance.calendars import cn_working_day

WorkingDay = Callable[[date], bool]


class SlaStep(StrEnum):
    """A step of the SLA; the value is the lead event's kind."""

    REMIND = "sla_reminded"
    ESCALATE = "sla_escalated"
    RETURN = "sla_returned"


@dataclass(frozen=True)
class SlaPolicy:
    first_contact_days: int = 1
    escalate_after_days: int = 1
    return_after_days: int = 2
    working_day: WorkingDay = field(default=cn_working_day)

    def __post_init__(self) -> None:
        if self.first_contact_days < 1:
            raise ValueError("first contact must be due at least one business day after handoff")
        if not 0 <= self.escalate_after_days <= self.return_after_days:
            raise ValueError(
                "escalation must come at or after the deadline and no later than the return"
            )


DEFAULT_SLA = SlaPolicy()


def add_business_days(
    start: datetime, days: int, tz: ZoneInfo, working_day: WorkingDay
) -> datetime:
    """``start`` moved ``days`` working days on, at the same local time (see the module)."""
    local = start.astimezone(tz)
    day, clock = local.date(), local.timetz().replace(tzinfo=None)
    if not working_day(day):
        day, clock = _next_working_day(day, working_day), time.min
    for _ in range(days):
        day = _next_working_day(day, working_day)
    return datetime.combine(day, clock, tz)


def _next_working_day(day: date, working_day: WorkingDay) -> date:
    for offset in range(1, 60):
        candidate = day + timedelta(days=offset)
        if working_day(candidate):
            return candidate
    raise ValueError(f"no working day within 60 days after {day}: check the calendar")


def first_contact_due(
    handed_off_at: datetime, tz: ZoneInfo, policy: SlaPolicy = DEFAULT_SLA
) -> datetime:
    return add_business_days(handed_off_at, policy.first_contact_days, tz, policy.working_day)


def step_times(
    due_at: datetime, tz: ZoneInfo, policy: SlaPolicy = DEFAULT_SLA
) -> dict[SlaStep, datetime]:
    """When each step falls due for a lead whose first contact is due at ``due_at``."""
    return {
        SlaStep.REMIND: due_at,
        SlaStep.ESCALATE: add_business_days(
            due_at, policy.escalate_after_days, tz, policy.working_day
        ),
        SlaStep.RETURN: add_business_days(due_at, policy.return_after_days, tz, policy.working_day),
    }


def due_steps(
    due_at: datetime,
    now: datetime,
    done: Collection[SlaStep],
    tz: ZoneInfo,
    policy: SlaPolicy = DEFAULT_SLA,
) -> list[SlaStep]:
    """The steps that are due at ``now`` and not yet done, in order."""
    return [
        step
        for step, at in step_times(due_at, tz, policy).items()
        if at <= now and step not in done
    ]
