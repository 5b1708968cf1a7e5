"""Rules as versioned configuration: rule sets per jurisdiction, effective dates, firm policy.

A `RuleSet` is one version of one jurisdiction's rules (US federal + FINRA 3230 + states,
UK, CN) with the date it takes effect; a `RuleBook` holds every version and answers which
one is in force on a date. A `FirmPolicy` adds the firm's own rules on top. Firm policy
can only tighten: its windows and caps are extra constraints, never replacements, so a
loosening is a new rule-set version with its own effective date, reviewed as such.

Every value here is data (pydantic models that round-trip through JSON), so a compliance
officer can load a candidate rule book from a file at the edge and run the explain cases
against it before it goes live.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from compliance.errors import NoRuleSetInForce
from compliance.models import DncList, Jurisdiction


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DailyWindow(_Frozen):
    """Calls allowed from `start` (inclusive) to `end` (exclusive), local wall time.
    `end` None means midnight at the end of the day."""

    start: time
    end: time | None = None

    def label(self) -> str:
        end = "24:00" if self.end is None else self.end.strftime("%H:%M")
        return f"{self.start.strftime('%H:%M')}–{end}"


class WeeklyHours(_Frozen):
    """One optional window per weekday, Monday first; None means no calls that day."""

    days: tuple[
        DailyWindow | None,
        DailyWindow | None,
        DailyWindow | None,
        DailyWindow | None,
        DailyWindow | None,
        DailyWindow | None,
        DailyWindow | None,
    ]

    @classmethod
    def every_day(cls, start: time, end: time | None) -> WeeklyHours:
        w = DailyWindow(start=start, end=end)
        return cls(days=(w, w, w, w, w, w, w))

    @classmethod
    def monday_to_saturday(cls, start: time, end: time | None) -> WeeklyHours:
        w = DailyWindow(start=start, end=end)
        return cls(days=(w, w, w, w, w, w, None))

    def describe(self) -> str:
        names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        groups: list[tuple[str, str, str]] = []
        for name, window in zip(names, self.days, strict=True):
            text = "no calls" if window is None else window.label()
            if groups and groups[-1][2] == text:
                groups[-1] = (groups[-1][0], name, text)
            else:
                groups.append((name, name, text))
        if len(groups) == 1:
            return f"every day {groups[0][2]}"
        return ", ".join(f"{a}–{b} {t}" if a != b else f"{a} {t}" for a, b, t in groups)


def campaign_hours(windows: Mapping[str, Any] | None) -> WeeklyHours | None:
    """A campaign's own calling windows (`campaigns.calling_windows`: a `WeeklyHours` as
    JSON, `{"days": [{"start": "09:00", "end": "20:00"}, ..., null]}`, Monday first), or
    None when it sets none. They only narrow the jurisdiction's and the firm's windows."""
    if not windows or not windows.get("days"):
        return None
    return WeeklyHours.model_validate(windows)


class HoursRule(_Frozen):
    """A calling window. With `time_zone` None it is checked in every candidate time zone
    of the callee; with a zone (Mississippi: Central) it is checked there.
    `calendar` names the days off: "none", "jurisdiction" (US: the state's legal holidays,
    UK: the nation's bank holidays, CN: statutory holidays, make-up working days on)."""

    rule_id: str
    hours: WeeklyHours
    time_zone: str | None = None
    calendar: str = Field(default="none", pattern="^(none|jurisdiction)$")
    effective_from: date | None = None
    description: str = ""


class RollingCapRule(_Frozen):
    """At most `max_attempts` per person and subject in any rolling `hours`."""

    rule_id: str
    max_attempts: int = Field(ge=1)
    hours: int = Field(ge=1)
    effective_from: date | None = None
    marketing_only: bool = True


class StateRules(_Frozen):
    hours: tuple[HoursRule, ...] = ()
    frequency: RollingCapRule | None = None


class RuleSet(_Frozen):
    """One version of one jurisdiction's rules. Absent parameters mean the rule does not
    exist in that jurisdiction."""

    jurisdiction: Jurisdiction
    version: str
    effective_from: date
    hours: HoursRule
    states: dict[str, StateRules] = Field(default_factory=dict)
    # DNC
    firm_dnc_rule_ids: tuple[str, ...]
    national_lists: tuple[DncList, ...] = ()
    national_dnc_rule_id: str | None = None
    national_snapshot_max_age_days: int | None = None
    freshness_rule_id: str | None = None
    national_list_consent_exception: bool = False
    ebr_transaction_months: int | None = None
    ebr_inquiry_months: int | None = None
    refusal_rule_id: str | None = None
    # Abandoned calls, consent, investment promotions
    abandon_lock_hours: int | None = None
    abandon_lock_rule_id: str | None = None
    marketing_requires_consent_rule_id: str | None = None
    wireless_autodial_consent_rule_id: str | None = None
    cold_call_gate_rule_id: str | None = None
    cold_call_allowed_product_classes: frozenset[str] = frozenset()
    # Suitability and rep eligibility
    suitability_rule_ids: tuple[str, str] | None = None
    registration_rule_id: str | None = None
    # Campaign start checks
    caller_id_rule_id: str = "G-CLI"
    ring_rule_id: str = "G-R1"
    min_ring_seconds: int = 15
    max_ring_seconds: int | None = None
    abandon_message_rule_id: str | None = None


class FirmPolicy(_Frozen):
    """The firm's own rules, applied on top of every jurisdiction (only ever stricter)."""

    version: str = "firm-default-1"
    hours: dict[Jurisdiction, WeeklyHours] = Field(default_factory=dict)
    max_attempts_per_number_per_day: int | None = Field(default=None, ge=1)
    max_attempts_per_person_per_24h: int | None = Field(default=None, ge=1)
    max_attempts_per_number_per_24h: int | None = Field(default=None, ge=1)
    max_attempts_per_person_per_day: int | None = Field(default=None, ge=1)
    abandon_lock_hours: int | None = Field(default=None, ge=1)
    suitability_everywhere: bool = True
    exempt_professional_investors: bool = False
    firm_dnc_blocks_service_calls: bool = False
    unknown_line_is_wireless: bool = True
    risk_assessment_valid_months: int = Field(default=12, ge=1)
    horizon_days: int = Field(default=400, ge=7)


class RuleBook(_Frozen):
    rule_sets: tuple[RuleSet, ...]

    @model_validator(mode="after")
    def _one_version_per_effective_date(self) -> Self:
        seen: dict[tuple[Jurisdiction, date], str] = {}
        for rule_set in self.rule_sets:
            key = (rule_set.jurisdiction, rule_set.effective_from)
            if key in seen:
                raise ValueError(
                    f"{seen[key]} and {rule_set.version} both take effect for "
                    f"{rule_set.jurisdiction} on {rule_set.effective_from.isoformat()}: "
                    "give each version its own effective_from"
                )
            seen[key] = rule_set.version
        return self

    def missing_jurisdictions(self) -> list[Jurisdiction]:
        """The jurisdictions with no version at all (any number can reach any of them)."""
        present = {rule_set.jurisdiction for rule_set in self.rule_sets}
        return [j for j in Jurisdiction if j not in present]

    def in_force(self, jurisdiction: Jurisdiction, on: date) -> RuleSet:
        candidates = [
            rs
            for rs in self.rule_sets
            if rs.jurisdiction == jurisdiction and rs.effective_from <= on
        ]
        if not candidates:
            raise NoRuleSetInForce(
                f"no {jurisdiction} rule set is in force on {on.isoformat()}: add a version "
                "with an effective_from on or before that date"
            )
        return max(candidates, key=lambda rs: rs.effective_from)


_US_FEDERAL_HOURS = HoursRule(
    rule_id="US-H1",
    hours=WeeklyHours.every_day(time(8), time(21)),
    description="08:00–21:00 local time (TCPA), in every time zone the callee may be in",
)
_EIGHT_TO_EIGHT = WeeklyHours.every_day(time(8), time(20))
_FLORIDA_STYLE_CAP = RollingCapRule(rule_id="US-F1", max_attempts=3, hours=24)


def _eight_to_eight_state(name: str, since: date) -> StateRules:
    """A state of the Florida kind (FL, MD, OK): calls 08:00–20:00 (US-H2) and at most 3
    attempts per rolling 24 h (US-F1), both in force from `since`."""
    return StateRules(
        hours=(
            HoursRule(
                rule_id="US-H2",
                hours=_EIGHT_TO_EIGHT,
                effective_from=since,
                description=f"08:00–20:00 ({name})",
            ),
        ),
        frequency=_FLORIDA_STYLE_CAP.model_copy(update={"effective_from": since}),
    )


US_2026_1 = RuleSet(
    jurisdiction=Jurisdiction.US,
    version="US-2026.1",
    effective_from=date(2024, 1, 1),
    hours=_US_FEDERAL_HOURS,
    states={
        "FL": _eight_to_eight_state("Florida", date(2021, 7, 1)),
        "MD": _eight_to_eight_state("Maryland", date(2024, 1, 1)),
        "OK": _eight_to_eight_state("Oklahoma", date(2022, 11, 1)),
        "TX": StateRules(
            hours=(
                HoursRule(
                    rule_id="US-H2",
                    hours=WeeklyHours(
                        days=(
                            *(DailyWindow(start=time(9), end=time(21)),) * 6,
                            DailyWindow(start=time(12), end=time(21)),
                        )
                    ),
                    effective_from=date(2000, 1, 1),
                    description="Mon–Sat 09:00–21:00 and Sun 12:00–21:00 (Texas)",
                ),
            )
        ),
        "MS": StateRules(
            hours=(
                HoursRule(
                    rule_id="US-H2",
                    hours=WeeklyHours.monday_to_saturday(time(8), time(20)),
                    time_zone="America/Chicago",
                    effective_from=date(2000, 1, 1),
                    description="08:00–20:00 Central time, not on Sundays (Mississippi)",
                ),
            )
        ),
        "PA": StateRules(
            hours=(
                HoursRule(
                    rule_id="US-H2",
                    hours=WeeklyHours.every_day(time(0), None),
                    calendar="jurisdiction",
                    effective_from=date(2000, 1, 1),
                    description="on any day but a Pennsylvania legal holiday",
                ),
            )
        ),
    },
    firm_dnc_rule_ids=("US-D3", "US-D4"),
    national_lists=(DncList.NATIONAL,),
    national_dnc_rule_id="US-D1",
    national_snapshot_max_age_days=31,
    freshness_rule_id="US-D2",
    national_list_consent_exception=True,
    ebr_transaction_months=18,
    ebr_inquiry_months=3,
    wireless_autodial_consent_rule_id="US-C1",
    caller_id_rule_id="US-CLI",
    ring_rule_id="US-R1",
    min_ring_seconds=15,
    max_ring_seconds=90,
    abandon_message_rule_id="US-A2",
)

UK_2026_1 = RuleSet(
    jurisdiction=Jurisdiction.UK,
    version="UK-2026.1",
    effective_from=date(2024, 1, 1),
    hours=HoursRule(
        rule_id="UK-H1",
        hours=WeeklyHours.monday_to_saturday(time(9), time(21)),
        calendar="jurisdiction",
        description="09:00–21:00 Mon–Sat, not on Sundays or bank holidays of the customer's nation",
    ),
    firm_dnc_rule_ids=("UK-T3",),
    national_lists=(DncList.TPS, DncList.CTPS),
    national_dnc_rule_id="UK-T1",
    national_snapshot_max_age_days=28,
    freshness_rule_id="UK-T1",
    national_list_consent_exception=True,
    abandon_lock_hours=72,
    abandon_lock_rule_id="UK-A3",
    cold_call_gate_rule_id="UK-F1",
    ring_rule_id="UK-R1",
    min_ring_seconds=15,
    abandon_message_rule_id="UK-A2",
)

CN_2026_1 = RuleSet(
    jurisdiction=Jurisdiction.CN,
    version="CN-2026.1",
    effective_from=date(2024, 1, 1),
    hours=HoursRule(
        rule_id="CN-H1",
        hours=WeeklyHours.every_day(time(9), time(21)),
        time_zone="Asia/Shanghai",
        calendar="jurisdiction",
        description="09:00–21:00 Beijing time on working days (statutory holidays off, make-up working days on)",
    ),
    firm_dnc_rule_ids=("CN-C2",),
    refusal_rule_id="CN-C2",
    marketing_requires_consent_rule_id="CN-C1",
    suitability_rule_ids=("CN-S1", "CN-S2"),
    registration_rule_id="CN-A1",
)

DEFAULT_RULE_BOOK = RuleBook(rule_sets=(US_2026_1, UK_2026_1, CN_2026_1))
DEFAULT_POLICY = FirmPolicy()


class GateRules(_Frozen):
    """What the gate decides with: a rule book and the firm's policy on top.

    The service loads one from DIALER_COMPLIANCE_RULE_BOOK and DIALER_FIRM_POLICY and passes
    it to every decision (engine, preview, callbacks, campaign start); `dialer compliance
    explain --rule-book --policy` reads the same files, so a change tested there is the
    change that goes live."""

    rule_book: RuleBook = DEFAULT_RULE_BOOK
    policy: FirmPolicy = DEFAULT_POLICY


DEFAULT_GATE_RULES = GateRules()
