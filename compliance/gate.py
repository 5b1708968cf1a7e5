"""The pre-dial compliance gate: may this number be dialled now, and if not, why?

The engine calls, before every dial::

    decision = decide(request, facts, now)            # DialRequest, DialFacts, aware now

and acts on `decision.verdict`:

- ALLOW: dial.
- REQUIRE: dial only as required: `decision.required_mode` (e.g. preview when US-C1 forbids
  automated dialing of a wireless number without consent) and/or route to a rep as the
  reason says (CN-A1 when the rep is not chosen yet).
- DELAY: do not dial before `decision.until`, the earliest instant at which the call
  becomes allowed if nothing else changes (every calling window in every candidate time
  zone, state windows, weekdays, holidays, make-up working days, caps and locks); that
  instant is itself allowed.
- BLOCK: do not dial; `decision.reason` says why and what would change it.

Every decision carries the ids of the rules that decided it (the reference's ids: US-H1,
US-F1, UK-T1, CN-C1, ...; FIRM-* for firm policy), the rule-set version(s) in force and
a reason in words a campaign manager understands. The gate is pure: no I/O, no clock;
`rule_book` and `policy` default to the shipped configuration.

When the number, the address or the region field point at other jurisdictions than the
campaign's profile, their rules apply too (G-2): adding a jurisdiction only ever adds
constraints, so a decision can only get stricter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from compliance.calendars import cn_day_off_name, uk_bank_holiday, us_legal_holiday
from compliance.errors import ComplianceError
from compliance.models import (
    Attempt,
    ConsentPurpose,
    Decision,
    DialFacts,
    DialMode,
    DialRequest,
    DncList,
    Finding,
    Jurisdiction,
    LineType,
    Purpose,
    Verdict,
)
from compliance.rules import (
    DEFAULT_POLICY,
    DEFAULT_RULE_BOOK,
    FirmPolicy,
    HoursRule,
    RuleBook,
    RuleSet,
)
from compliance.timezones import Whereabouts, parse_number, whereabouts
from compliance.windows import (
    CallingWindow,
    DailyCap,
    Lock,
    RollingCap,
    TimeConstraint,
    earliest_common_open,
)

__all__ = ["decide", "add_months", "format_instant"]


def add_months(at: datetime, months: int) -> datetime:
    """`at` plus calendar months, the day clamped to the month's end (Jan 31 + 1 = Feb 28)."""
    month_index = at.month - 1 + months
    year, month = at.year + month_index // 12, month_index % 12 + 1
    for day in (at.day, 30, 29, 28):
        try:
            return at.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ComplianceError(f"cannot add {months} months to {at.isoformat()}")


def format_instant(at: datetime, zones: Iterable[str] = ()) -> str:
    """ "2026-03-08 13:00 UTC (08:00 CDT in America/Chicago)"."""
    text = f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    local = [f"{at.astimezone(ZoneInfo(z)):%a %H:%M %Z} in {z}" for z in zones]
    return f"{text} ({', '.join(local)})" if local else text


def _rank(level: str) -> int:
    return int(level[1:])


@dataclass
class _Evaluation:
    request: DialRequest
    facts: DialFacts
    now: datetime
    where: Whereabouts
    rule_sets: dict[Jurisdiction, RuleSet]
    policy: FirmPolicy
    e164: str
    constraints: list[TimeConstraint] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def marketing(self) -> bool:
        return self.request.purpose is Purpose.MARKETING

    @property
    def attempts(self) -> list[Attempt]:
        # Attempts after `now` are not known yet; counting them would make the answer
        # depend on the future.
        return [a for a in self.facts.attempts if a.at <= self.now]

    def has(self, jurisdiction: Jurisdiction) -> bool:
        return jurisdiction in self.rule_sets

    def check(self, rule_id: str) -> None:
        if rule_id not in self.checked:
            self.checked.append(rule_id)

    # -- time constraints --------------------------------------------------------------

    def build_constraints(self) -> None:
        for jurisdiction, rule_set in sorted(self.rule_sets.items()):
            self._add_hours(jurisdiction, rule_set.hours, state=None)
            if jurisdiction is Jurisdiction.US:
                self._add_state_rules(rule_set)
            firm_hours = self.policy.hours.get(jurisdiction)
            if firm_hours is not None:
                self._add_hours(
                    jurisdiction,
                    HoursRule(
                        rule_id="FIRM-H1",
                        hours=firm_hours,
                        description=f"firm policy for {jurisdiction}: {firm_hours.describe()}",
                    ),
                    state=None,
                )
            if rule_set.abandon_lock_hours and rule_set.abandon_lock_rule_id:
                self._add_abandon_lock(rule_set.abandon_lock_rule_id, rule_set.abandon_lock_hours)
        if self.policy.abandon_lock_hours:
            self._add_abandon_lock("FIRM-A3", self.policy.abandon_lock_hours)
        self._add_firm_caps()

    def _add_hours(self, jurisdiction: Jurisdiction, rule: HoursRule, state: str | None) -> None:
        zones = (rule.time_zone,) if rule.time_zone else self.where.time_zones
        day_off = self._calendar(jurisdiction, state) if rule.calendar == "jurisdiction" else None
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
            self.constraints.append(window)
        self.check(rule.rule_id)

    def _calendar(
        self, jurisdiction: Jurisdiction, state: str | None
    ) -> Callable[[date], str | None] | None:
        if jurisdiction is Jurisdiction.US:
            if state is None:
                return None
            return lambda day: us_legal_holiday(state, day)
        if jurisdiction is Jurisdiction.UK:
            nation = self.where.uk_nation
            return lambda day: uk_bank_holiday(nation, day)
        return cn_day_off_name

    def _add_state_rules(self, rule_set: RuleSet) -> None:
        for state in sorted(self.where.us_states):
            rules = rule_set.states.get(state)
            if rules is None:
                continue
            for hours in rules.hours:
                self._add_hours(Jurisdiction.US, hours, state=state)
            cap = rules.frequency
            if cap is None or (cap.marketing_only and not self.marketing):
                continue
            if cap.effective_from is not None and self.now.date() < cap.effective_from:
                continue
            subject = self.request.subject
            counted = [
                a.at for a in self.attempts if subject is None or a.subject in (subject, None)
            ]
            self.constraints.append(
                RollingCap(
                    rule_id=cap.rule_id,
                    attempts=counted,
                    max_attempts=cap.max_attempts,
                    period=timedelta(hours=cap.hours),
                    description=(
                        f"{cap.rule_id} ({state}) allows at most {cap.max_attempts} attempts per "
                        f"{cap.hours} h per person and subject, across all campaigns"
                    ),
                )
            )
            self.check(cap.rule_id)

    def _add_abandon_lock(self, rule_id: str, hours: int) -> None:
        self.check(rule_id)
        if self.request.dial_mode.reserves_rep:
            return
        abandoned = [a.at for a in self.attempts if a.abandoned]
        if abandoned:
            last = max(abandoned)
            self.constraints.append(
                Lock(
                    rule_id=rule_id,
                    until=last + timedelta(hours=hours),
                    description=(
                        f"{rule_id}: no new automated call within {hours} h of an abandoned "
                        f"call (abandoned at {format_instant(last)}) unless a rep is reserved"
                    ),
                )
            )

    def _add_firm_caps(self) -> None:
        """FIRM-F1 per number per local day, FIRM-F2 per person per rolling 24 h,
        FIRM-F3 per number per rolling 24 h, FIRM-F4 per person per local day."""
        to_number = [a.at for a in self.attempts if a.number in (None, self.e164)]
        to_person = [a.at for a in self.attempts]
        policy = self.policy
        daily = (
            ("FIRM-F1", policy.max_attempts_per_number_per_day, to_number, "number"),
            ("FIRM-F4", policy.max_attempts_per_person_per_day, to_person, "person"),
        )
        for rule_id, cap, counted, per in daily:
            if not cap:
                continue
            for zone in self.where.time_zones:
                self.constraints.append(
                    DailyCap(
                        rule_id=rule_id,
                        zone=ZoneInfo(zone),
                        attempts=counted,
                        max_attempts=cap,
                        description=f"{rule_id}: at most {cap} attempts per {per} per local day",
                    )
                )
            self.check(rule_id)
        rolling = (
            ("FIRM-F2", policy.max_attempts_per_person_per_24h, to_person, "person"),
            ("FIRM-F3", policy.max_attempts_per_number_per_24h, to_number, "number"),
        )
        for rule_id, cap, counted, per in rolling:
            if not cap:
                continue
            self.constraints.append(
                RollingCap(
                    rule_id=rule_id,
                    attempts=counted,
                    max_attempts=cap,
                    period=timedelta(hours=24),
                    description=f"{rule_id}: at most {cap} attempts per {per} per 24 h",
                )
            )
            self.check(rule_id)

    # -- blocks (they only ever start applying as time passes, never stop) -----------------

    def blocks(self, at: datetime) -> list[Finding]:
        found: list[Finding] = []
        for _jurisdiction, rule_set in sorted(self.rule_sets.items()):
            found += self._firm_dnc(rule_set, at)
            if self.marketing:
                found += self._national_dnc(rule_set, at)
                found += self._freshness(rule_set, at)
                found += self._consent_required(rule_set, at)
                found += self._cold_call_gate(rule_set, at)
        if self.marketing:
            found += self._refusal(at)
            found += self._suitability(at)
        found += self._registration_block()
        return found

    def _block(self, rule_id: str, explanation: str) -> Finding:
        return Finding(rule_id=rule_id, verdict=Verdict.BLOCK, explanation=explanation)

    def _marketing_consent(self, at: datetime, after: datetime | None = None) -> bool:
        return any(
            c.purpose is ConsentPurpose.MARKETING
            and c.valid_at(at)
            and (after is None or c.granted_at > after)
            for c in self.facts.account.consents
        )

    def _firm_dnc(self, rule_set: RuleSet, at: datetime) -> list[Finding]:
        for rule_id in rule_set.firm_dnc_rule_ids:
            self.check(rule_id)
        entries = [
            e
            for e in self.facts.dnc
            if e.list is DncList.FIRM
            and e.effective_at(at)
            and (self.marketing or e.scope == "all" or self.policy.firm_dnc_blocks_service_calls)
        ]
        if not entries:
            return []
        since = min((e.added_at for e in entries if e.added_at), default=None)
        when = f" since {format_instant(since)}" if since else ""
        return [
            self._block(
                rule_id,
                f"the customer is on the firm's do-not-call list{when} "
                "(a do-not-call request from any channel stops calls at once)",
            )
            for rule_id in rule_set.firm_dnc_rule_ids
        ]

    def _national_dnc(self, rule_set: RuleSet, at: datetime) -> list[Finding]:
        if not rule_set.national_dnc_rule_id:
            return []
        self.check(rule_set.national_dnc_rule_id)
        found: list[Finding] = []
        for entry in self.facts.dnc:
            if entry.list not in rule_set.national_lists or not entry.effective_at(at):
                continue
            if rule_set.national_list_consent_exception and self._marketing_consent(at):
                continue
            if self._business_relationship(rule_set, at):
                continue
            rule_id = _register_rule_id(entry.list, rule_set.national_dnc_rule_id)
            register = {
                DncList.NATIONAL: "the national Do Not Call registry",
                DncList.TPS: "the Telephone Preference Service (TPS)",
                DncList.CTPS: "the Corporate TPS",
            }[entry.list]
            exception = (
                " and no existing-business-relationship exception or written permission applies"
                if rule_set.ebr_transaction_months
                else " and has not consented to calls from the firm"
            )
            found.append(self._block(rule_id, f"the number is on {register}{exception}"))
        return found

    def _business_relationship(self, rule_set: RuleSet, at: datetime) -> bool:
        account = self.facts.account
        if rule_set.ebr_transaction_months and account.last_transaction_at:
            if at < add_months(account.last_transaction_at, rule_set.ebr_transaction_months):
                return True
        if rule_set.ebr_inquiry_months and account.last_inquiry_at:
            if at < add_months(account.last_inquiry_at, rule_set.ebr_inquiry_months):
                return True
        return False

    def _freshness(self, rule_set: RuleSet, at: datetime) -> list[Finding]:
        if not (rule_set.freshness_rule_id and rule_set.national_snapshot_max_age_days):
            return []
        self.check(rule_set.freshness_rule_id)
        found: list[Finding] = []
        for dnc_list in rule_set.national_lists:
            dates = [e.snapshot_date for e in self.facts.dnc if e.list is dnc_list]
            known = [d for d in (*dates, self.facts.dnc_snapshots.get(dnc_list)) if d]
            if not known:
                continue
            snapshot = max(known)
            age = (at.astimezone(UTC).date() - snapshot).days
            if age > rule_set.national_snapshot_max_age_days:
                found.append(
                    self._block(
                        _register_rule_id(dnc_list, rule_set.freshness_rule_id),
                        f"the {dnc_list.value} do-not-call snapshot of {snapshot.isoformat()} is "
                        f"{age} days old (at most {rule_set.national_snapshot_max_age_days}); "
                        "marketing calls stop until a fresh snapshot is imported",
                    ).model_copy(update={"campaign_wide": True})
                )
        return found

    def _consent_required(self, rule_set: RuleSet, at: datetime) -> list[Finding]:
        rule_id = rule_set.marketing_requires_consent_rule_id
        if not rule_id:
            return []
        self.check(rule_id)
        if self._marketing_consent(at):
            return []
        revoked = [
            c.revoked_at
            for c in self.facts.account.consents
            if c.purpose is ConsentPurpose.MARKETING
            and c.revoked_at is not None
            and c.revoked_at <= at
        ]
        detail = (
            f"marketing consent was withdrawn at {format_instant(max(revoked))}"
            if revoked
            else "no marketing consent is on record"
        )
        return [self._block(rule_id, f"{detail}; without consent no marketing call may be made")]

    def _cold_call_gate(self, rule_set: RuleSet, at: datetime) -> list[Finding]:
        rule_id = rule_set.cold_call_gate_rule_id
        if not rule_id:
            return []
        self.check(rule_id)
        account = self.facts.account
        if self.request.product_class in rule_set.cold_call_allowed_product_classes:
            return []
        if (
            account.existing_customer_since is not None
            and account.existing_customer_since <= at
            and account.client_expects_calls
        ):
            return []
        return [
            self._block(
                rule_id,
                "an unsolicited investment promotion may only go to an existing client who "
                "expects such calls; this customer is not one",
            )
        ]

    def _refusal(self, at: datetime) -> list[Finding]:
        refusals = [e for e in self.facts.dnc if e.list is DncList.CN_REFUSAL]
        if not refusals and not self.has(Jurisdiction.CN):
            return []
        self.check("CN-C2")
        found: list[Finding] = []
        for entry in refusals:
            if not entry.effective_at(at):
                continue
            if self._marketing_consent(at, after=entry.added_at):
                continue
            when = f" at {format_instant(entry.added_at)}" if entry.added_at else ""
            found.append(
                self._block(
                    "CN-C2",
                    f"the customer refused marketing calls{when}; calls stay stopped until "
                    "they consent again",
                )
            )
        return found

    def _suitability(self, at: datetime) -> list[Finding]:
        product_risk = self.request.product_risk
        if product_risk is None:
            return []
        if self.has(Jurisdiction.CN):
            general, lowest = self.rule_sets[Jurisdiction.CN].suitability_rule_ids or (
                "CN-S1",
                "CN-S2",
            )
        elif self.policy.suitability_everywhere:
            general, lowest = "FIRM-S1", "FIRM-S2"
        else:
            return []
        self.check(general)
        self.check(lowest)
        account = self.facts.account
        if self.policy.exempt_professional_investors and account.professional_investor:
            # outside China the exemption is the firm's own, like the suitability rules it lifts
            self.check("CN-S4" if self.has(Jurisdiction.CN) else "FIRM-S4")
            return []
        if account.risk_level is None:
            return [
                self._block(
                    general,
                    f"the product is risk level {product_risk} and the customer has no risk "
                    "assessment on file; assess them before offering it",
                )
            ]
        found: list[Finding] = []
        valid_months = self.policy.risk_assessment_valid_months
        assessed = account.risk_assessed_at
        if assessed is None or add_months(assessed, valid_months) <= at:
            when = f" of {assessed.date().isoformat()}" if assessed else ""
            found.append(
                self._block(
                    general,
                    f"the customer's risk assessment{when} is older than {valid_months} months; "
                    "reassess them before offering investment products",
                )
            )
        tolerance, risk = _rank(account.risk_level), _rank(product_risk)
        if tolerance < risk:
            found.append(
                self._block(
                    general,
                    f"the product's risk level {product_risk} exceeds the customer's tolerance "
                    f"{account.risk_level}",
                )
            )
        if tolerance == 1 and risk > 1:
            found.append(
                self._block(lowest, "a C1 (lowest-tolerance) customer may be offered only R1")
            )
        return found

    def _registration_rule_id(self) -> str:
        if self.has(Jurisdiction.CN):
            return self.rule_sets[Jurisdiction.CN].registration_rule_id or "CN-A1"
        return "FIRM-A1"

    def _registration_block(self) -> list[Finding]:
        required = self.request.required_registration
        held = self.facts.agent_registrations
        if required is None:
            return []
        rule_id = self._registration_rule_id()
        self.check(rule_id)
        if held is None or required in held:
            return []
        return [
            self._block(
                rule_id,
                f"the rep holds no active '{required}' registration, which this campaign's "
                "service requires",
            )
        ]

    # -- requirements --------------------------------------------------------------------

    def requirements(self) -> list[Finding]:
        found: list[Finding] = []
        required = self.request.required_registration
        if required is not None and self.facts.agent_registrations is None:
            found.append(
                Finding(
                    rule_id=self._registration_rule_id(),
                    verdict=Verdict.REQUIRE,
                    explanation=f"connect the call only to a rep with an active '{required}' "
                    "registration",
                )
            )
        us = self.rule_sets.get(Jurisdiction.US)
        if us is not None and us.wireless_autodial_consent_rule_id:
            rule_id = us.wireless_autodial_consent_rule_id
            self.check(rule_id)
            line = self.facts.account.line_type
            wireless = line is LineType.WIRELESS or (
                line is LineType.UNKNOWN and self.policy.unknown_line_is_wireless
            )
            if wireless and self.request.dial_mode is not DialMode.PREVIEW:
                consented = any(
                    c.valid_at(self.now)
                    and (c.purpose is ConsentPurpose.MARKETING or not self.marketing)
                    for c in self.facts.account.consents
                )
                if not consented:
                    kind = "a wireless" if line is LineType.WIRELESS else "a possibly wireless"
                    written = " written" if self.marketing else ""
                    found.append(
                        Finding(
                            rule_id=rule_id,
                            verdict=Verdict.REQUIRE,
                            explanation=f"this is {kind} number without prior express{written} "
                            "consent, so it may only be dialled manually (preview mode)",
                            required_mode=DialMode.PREVIEW,
                        )
                    )
        return found


def _register_rule_id(dnc_list: DncList, rule_id: str) -> str:
    """The Corporate TPS has its own rule (UK-T2), for listings and snapshots alike."""
    return "UK-T2" if dnc_list is DncList.CTPS else rule_id


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _sentence(parts: Iterable[str]) -> str:
    return "; ".join(_unique(parts))


def _delay_explanation(closed: list[TimeConstraint], now: datetime) -> str:
    """Group closed windows by rule: "US-H1 allows calls 08:00–21:00 ..., but it is ..."."""
    situations: dict[str, list[str]] = {}
    others: list[str] = []
    for constraint in closed:
        if isinstance(constraint, CallingWindow):
            situations.setdefault(constraint.description, []).append(constraint.situation(now))
        else:
            others.append(constraint.closed_because(now))
    parts = [f"{rule}, but {' and '.join(_unique(where))}" for rule, where in situations.items()]
    return _sentence(parts + others)


def decide(
    request: DialRequest,
    facts: DialFacts,
    now: datetime,
    *,
    rule_book: RuleBook = DEFAULT_RULE_BOOK,
    policy: FirmPolicy = DEFAULT_POLICY,
    extra_jurisdictions: frozenset[Jurisdiction] = frozenset(),
) -> Decision:
    """Decide whether `request` may be dialled at `now` (an aware datetime)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ComplianceError("`now` must be an aware datetime (UTC), not a naive one")
    parsed = parse_number(request.number)
    if parsed is None:
        return Decision(
            verdict=Verdict.BLOCK,
            rules=("G-1",),
            reason=f"Not called: {request.number!r} is not a valid phone number; correct it "
            "in the customer's record.",
            rule_set_version=policy.version,
            decided_at=now,
            findings=(Finding(rule_id="G-1", verdict=Verdict.BLOCK, explanation="invalid number"),),
        )
    where = whereabouts(
        parsed,
        request.profile,
        facts.account.address_time_zone,
        facts.account.region,
        extra_jurisdictions,
    )
    rule_sets = {j: rule_book.in_force(j, now.astimezone(UTC).date()) for j in where.jurisdictions}
    evaluation = _Evaluation(
        request=request,
        facts=facts,
        now=now,
        where=where,
        rule_sets=rule_sets,
        policy=policy,
        e164=parsed.e164,
    )
    evaluation.build_constraints()
    version = "+".join([rule_sets[j].version for j in sorted(rule_sets)] + [policy.version])
    make = partial(
        Decision,
        rule_set_version=version,
        jurisdictions=tuple(sorted(where.jurisdictions)),
        time_zones=where.time_zones,
        decided_at=now,
    )

    blocked = evaluation.blocks(now)
    requirements = evaluation.requirements()
    if blocked:
        return make(
            verdict=Verdict.BLOCK,
            rules=_unique(f.rule_id for f in blocked),
            reason="Not called: " + _sentence(f.explanation for f in blocked) + ".",
            findings=tuple(blocked + requirements),
        )

    horizon = now + timedelta(days=policy.horizon_days)
    opening = earliest_common_open(evaluation.constraints, now, horizon)
    if opening.at is None:
        rules = _unique(c.rule_id for c in opening.moved_by)
        return make(
            verdict=Verdict.BLOCK,
            rules=rules,
            reason=f"Not called: no instant in the next {policy.horizon_days} days satisfies "
            "all of: " + _sentence(c.describe() for c in opening.moved_by) + ".",
            findings=tuple(requirements),
        )
    if opening.at > now:
        later = evaluation.blocks(opening.at)
        if later:
            return make(
                verdict=Verdict.BLOCK,
                rules=_unique(f.rule_id for f in later),
                reason="Not called: calling would next be allowed at "
                f"{format_instant(opening.at)}, but by then "
                + _sentence(f.explanation for f in later)
                + ".",
                findings=tuple(later + requirements),
            )
        delays = [
            Finding(
                rule_id=c.rule_id,
                verdict=Verdict.DELAY,
                explanation=_delay_explanation([c], now),
                until=opening.at,
            )
            for c in opening.moved_by
        ]
        reason = _delay_explanation([c for c in opening.moved_by if not c.is_open(now)], now)
        return make(
            verdict=Verdict.DELAY,
            until=opening.at,
            rules=_unique(c.rule_id for c in opening.moved_by),
            reason=f"Not now: {reason}. Earliest allowed: {format_instant(opening.at, where.time_zones)}.",
            findings=tuple(delays + requirements),
        )
    if requirements:
        modes = [f.required_mode for f in requirements if f.required_mode is not None]
        required_mode = modes[0] if modes else None
        return make(
            verdict=Verdict.REQUIRE,
            required_mode=required_mode,
            rules=_unique(f.rule_id for f in requirements),
            reason="Allowed only this way: " + _sentence(f.explanation for f in requirements) + ".",
            findings=tuple(requirements),
        )
    windows = [c for c in evaluation.constraints if isinstance(c, CallingWindow)]
    local = ", ".join(f"{now.astimezone(ZoneInfo(z)):%a %H:%M} in {z}" for z in where.time_zones)
    return make(
        verdict=Verdict.ALLOW,
        rules=tuple(evaluation.checked),
        reason=f"Allowed: it is {local}, inside every calling window"
        + (f" ({len(windows)} checked)" if windows else "")
        + ", and no rule forbids the call.",
    )
