"""The calling windows: a jurisdiction's hours, a US state's, the firm's, each in every
time zone the callee may be in (or the rule's own zone), with the days off of its calendar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from zoneinfo import ZoneInfo

from compliance.calendars import cn_day_off_name, uk_bank_holiday, us_legal_holiday
from compliance.gate.evaluation import Evaluation
from compliance.models import Jurisdiction
from compliance.rules import HoursRule, WeeklyHours
from compliance.windows import CallingWindow


def add_hours(
    evaluation: Evaluation, jurisdiction: Jurisdiction, rule: HoursRule, state: str | None
) -> None:
    zones = (rule.time_zone,) if rule.time_zone else evaluation.where.time_zones
    day_off = (
        _calendar(evaluation, jurisdiction, state) if rule.calendar == "jurisdiction" else None
    )
    description = rule.description or rule.hours.describe()
    for zone in zones:
        window = CallingWindow(
            rule_id=rule.rule_id,
            zone=ZoneInfo(zone),
            hours=rule.hours,
            description=f"{rule.rule_id} allows calls {description}",
            effective_from=rule.effective_from,
        )
        if day_off is not None:
            window.day_off = day_off
        evaluation.constraints.append(window)
    evaluation.check(rule.rule_id)


def firm_hours_rule(jurisdiction: Jurisdiction, hours: WeeklyHours) -> HoursRule:
    """The firm's own hours in `jurisdiction` (FIRM-H1), on top of the jurisdiction's."""
    return HoursRule(
        rule_id="FIRM-H1",
        hours=hours,
        description=f"firm policy for {jurisdiction}: {hours.describe()}",
    )


def campaign_hours_rule(hours: WeeklyHours) -> HoursRule:
    """The campaign's own calling windows (CAMPAIGN-H1), inside the gate's: checked in
    every time zone the callee may be in, like the jurisdiction's."""
    return HoursRule(
        rule_id="CAMPAIGN-H1",
        hours=hours,
        description=f"the campaign's calling windows: {hours.describe()}",
    )


def _calendar(
    evaluation: Evaluation, jurisdiction: Jurisdiction, state: str | None
) -> Callable[[date], str | None] | None:
    if jurisdiction is Jurisdiction.US:
        if state is None:
            return None
        return lambda day: us_legal_holiday(state, day)
    if jurisdiction is Jurisdiction.UK:
        nation = evaluation.where.uk_nation
        return lambda day: uk_bank_holiday(nation, day)
    return cn_day_off_name
