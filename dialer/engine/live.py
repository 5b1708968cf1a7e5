"""The live campaign engine: the pure core of `campaigns/` on PostgreSQL and a provider.

One `CampaignEngine` runs one campaign in this process:
- every tick it reads a `PacingState` snapshot from the database (reps and their time in
  state, calls in flight), asks the campaign's pacer how many calls to launch, claims
  that many numbers from the hopper, passes each through the compliance gate, and places
  the allowed ones through the telephony provider;
- as the provider's webhooks arrive it routes answered persons to a ready rep (the pure
  `campaigns.routing` rule, applied to rows locked in PostgreSQL), abandons when no rep
  is free within the connect threshold, frees reps on machines and hang-ups, and
  settles each finished attempt in the hopper by the retry policy.
Time comes from the injected clock only; the core's decisions take it as `now`.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import structlog

from campaigns.agents import Rep, RepState
from campaigns.governor import UK_AMD_FALSE_POSITIVE_RATE, UK_RULE, AbandonRule
from campaigns.pacing import (
    Pacer,
    PacingLimits,
    PacingMode,
    PacingState,
    VicidialSettings,
    apply_limits,
    cps_window,
    make_pacer,
    progressive_launch,
)
from campaigns.retry import AttemptCaps, CallOutcome, RetryPolicy, next_attempt
from campaigns.routing import RoutingPolicy, rank_reps
from compliance.rules import DEFAULT_GATE_RULES, GateRules
from dialer.clock import Clock
from dialer.console.agent_sessions import go_ready, set_agent_state
from dialer.console.dispositions import DispositionInput, record_disposition
from dialer.engine import hopper
from dialer.events import EventBus, agent_channel, campaign_channel
from dialer.gatekeeper import check_numbers
from dialer.sql import load_queries
from dialer.telephony.callstate import Transition, Verdict
from dialer.telephony.decisions import (
    AnswerDecision,
    AnsweredCall,
    BridgeToRoom,
    HangUpMachine,
    LeaveVoicemail,
    MachineAction,
    PlayAndHangUp,
)
from dialer.telephony.ledger import CallLedger
from dialer.telephony.pg_ledger import PostgresCallLedger
from dialer.telephony.provider import (
    AmdVerdict,
    CallEvent,
    CallEventKind,
    CallPlacementUnknown,
    CallRefused,
    CallRequest,
    PlacementFailure,
    ProviderUnavailable,
    TelephonyError,
    TelephonyProvider,
)
from dialer.telephony.twilio_errors import RETIRING_SIP_CODES

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.engine", "live.sql")

_POLL_FOR_REP_SECONDS = 0.1
# ready reps read per answer for each routing group (owner, seniors, everyone): more than
# the answers that can arrive at the same instant, far fewer than a large floor
_ROUTING_CANDIDATES = 64
# an attempt still `created` this long after it was written lost its create response and
# got no callback: the reconcile sweep looks its call up (and does so this often)
UNCONFIRMED_AFTER = timedelta(minutes=2)
RECONCILE_EVERY = timedelta(seconds=30)
# a placed call the carrier never reported ended is looked up (by the same sweep) once it
# rang this long past the campaign's ring time unanswered, or, answered, once it has
# lasted the talk ceiling (DIALER_ENGINE_LIVE_CALL_CEILING_SECONDS); an ended attempt
# whose number still says `dialing` this long after the end is settled by the sweep
LIVE_SWEEP_GRACE = timedelta(minutes=2)
DEFAULT_LIVE_CALL_CEILING = timedelta(hours=2)
MACHINE_DISPOSITION = "VOICEMAIL"
# a restarted engine relearns answer rates from this much of its campaign's recent calls
PACING_HISTORY = timedelta(days=7)
PACING_HISTORY_CALLS = 20_000


# the campaign's home clock: the UK abandon rate is counted per London calendar day, and a
# shift ends at a local time (US campaigns span zones: theirs must be set explicitly)
HOME_TIME_ZONES = {"CN": "Asia/Shanghai", "UK": "Europe/London"}
DEFAULT_SHIFT_END = "21:00"  # the latest calling hour of every jurisdiction's default window
UK_DAY = ZoneInfo("Europe/London")


def room_for(user_id: int) -> str:
    return f"rep-{user_id}"


def local_midnight(now: datetime, zone: ZoneInfo) -> datetime:
    """The start of `now`'s calendar day on the `zone` clock (as an aware datetime)."""
    return now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)


def local_hour(moment: datetime, zone: ZoneInfo | None) -> int:
    """The hour of day of `moment` on the campaign's clock (UTC for a campaign without a
    home time zone: still one fixed key per hour of its callers' day)."""
    return moment.astimezone(zone or UTC).hour


def seconds_to_shift_end(
    now: datetime, shift_end: time | None, zone: ZoneInfo | None
) -> float | None:
    """Seconds from `now` until the campaign stops dialing today (0 once past it); None
    when the campaign has no shift end."""
    if shift_end is None or zone is None:
        return None
    local = now.astimezone(zone)
    end = datetime.combine(local.date(), shift_end, tzinfo=zone)
    return max(0.0, (end - local).total_seconds())


@dataclass(frozen=True)
class CampaignSettings:
    campaign_id: int
    pacing_mode: PacingMode
    jurisdiction: str
    caller_id: str
    ring_seconds: int
    abandon_message: str
    voicemail_policy: str
    voicemail_message: str | None
    lines_per_rep: float
    abandon_target: float
    abandon_cap: float
    senior_first: bool
    retry: RetryPolicy
    required_registration: str | None
    shift_end: time | None = None
    time_zone: ZoneInfo | None = None
    # UK: the share of machine verdicts counted as abandoned persons (UK-A1); 0 elsewhere
    amd_false_positive_rate: float = 0.0


@dataclass
class EngineFigures:
    launched: int = 0
    blocked: int = 0
    delayed: int = 0
    refused: int = 0
    unknown: int = 0
    last_decision: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)


async def load_campaign(
    pool: asyncpg.Pool, campaign_id: int, settings_fallback: dict[str, Any]
) -> CampaignSettings:
    row = await pool.fetchrow(QUERIES["campaign_for_engine"], campaign_id)
    if row is None:
        raise EngineError(f"no campaign {campaign_id}")
    pacing = row["pacing"] or {}
    caller_id = row["caller_id"] or settings_fallback.get("caller_id")
    if not caller_id:
        raise EngineError(
            f"campaign {campaign_id} has no caller ID: set one (a number the firm owns) before starting"
        )
    home = pacing.get("time_zone") or HOME_TIME_ZONES.get(row["jurisdiction"])
    shift_end = pacing.get("shift_end") or (DEFAULT_SHIFT_END if home else None)
    return CampaignSettings(
        campaign_id=campaign_id,
        pacing_mode=PacingMode(row["pacing_mode"]),
        jurisdiction=row["jurisdiction"],
        caller_id=caller_id,
        ring_seconds=row["ring_seconds"],
        abandon_message=row["abandon_message"] or settings_fallback["abandon_message"],
        voicemail_policy=row["voicemail_policy"],
        voicemail_message=row["voicemail_message"],
        lines_per_rep=float(pacing.get("lines_per_rep", 2.0)),
        abandon_target=float(pacing.get("abandon_target", 0.025)),
        abandon_cap=float(pacing.get("abandon_cap", 0.03)),
        senior_first=bool(pacing.get("senior_first", False)),
        retry=retry_policy_from(row["retry_policy"] or {}),
        required_registration=row["required_registration"],
        shift_end=time.fromisoformat(shift_end) if shift_end else None,
        time_zone=ZoneInfo(home) if home else None,
        amd_false_positive_rate=float(
            pacing.get("amd_false_positive_rate", UK_AMD_FALSE_POSITIVE_RATE)
        )
        if row["jurisdiction"] == "UK"
        else 0.0,
    )


def retry_policy_from(settings: dict[str, Any]) -> RetryPolicy:
    """The campaign's retry settings (minutes and counts in its JSON) as the core's policy."""
    default = RetryPolicy()

    def minutes(key: str, fallback: timedelta) -> timedelta:
        return timedelta(minutes=float(settings[key])) if key in settings else fallback

    return RetryPolicy(
        no_answer_delay=minutes("no_answer_minutes", default.no_answer_delay),
        busy_delay=minutes("busy_minutes", default.busy_delay),
        machine_delay=minutes("machine_minutes", default.machine_delay),
        abandoned_lock=minutes("abandoned_lock_minutes", default.abandoned_lock),
        number_caps=AttemptCaps(
            lifetime=int(settings.get("max_attempts", default.number_caps.lifetime)),
            per_day=int(settings.get("max_attempts_per_day", default.number_caps.per_day)),
            per_rolling_24h=int(
                settings.get("max_attempts_24h", default.number_caps.per_rolling_24h)
            ),
        ),
    )


class EngineError(Exception):
    """The campaign engine cannot run this campaign as configured; the message says why."""


class CampaignEngine:
    """Runs one campaign; also the `CallDecisions` the telephony webhooks consult."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        provider: TelephonyProvider,
        events: EventBus,
        clock: Clock,
        campaign: CampaignSettings,
        *,
        engine_id: str | None = None,
        connect_threshold_seconds: float = 2.0,
        tick_seconds: float = 0.25,
        rules: GateRules = DEFAULT_GATE_RULES,
        ledger: CallLedger | None = None,
        live_call_ceiling: timedelta = DEFAULT_LIVE_CALL_CEILING,
    ) -> None:
        self.pool = pool
        self.provider = provider
        # where the live sweep applies what the carrier says of a call, as a callback would
        # (the service's own ledger; else one for the provider, built when first needed)
        self._ledger = ledger
        self.live_call_ceiling = live_call_ceiling
        self.events = events
        self.clock = clock
        self.campaign = campaign
        self.engine_id = engine_id or hopper.new_engine_id()
        self.connect_threshold_seconds = connect_threshold_seconds
        self.tick_seconds = tick_seconds
        # the service's compliance rule book and firm policy (app GATE_RULES)
        self.rules = rules
        rule = AbandonRule(cap=campaign.abandon_cap, target=campaign.abandon_target)
        if campaign.jurisdiction == "UK":
            rule = AbandonRule(
                cap=campaign.abandon_cap,
                target=campaign.abandon_target,
                window_seconds=UK_RULE.window_seconds,
                calendar_day=True,
                day_offset_seconds=self._uk_offset(clock()),
                amd_false_positive_rate=campaign.amd_false_positive_rate,
            )
        shift_left = seconds_to_shift_end(clock(), campaign.shift_end, campaign.time_zone)
        limits = PacingLimits(
            # the provider's own rate, fractions kept: rounded up, 0.5 CPS would pace at 1
            # and queue creates in the adapter's throttle
            calls_per_second=provider.limits.calls_per_second,
            max_lines_per_rep=campaign.lines_per_rep,
            max_concurrent_calls=provider.limits.max_concurrent_calls,
        )
        self.pacer: Pacer = make_pacer(
            campaign.pacing_mode,
            limits=limits,
            rule=rule,
            connect_threshold_seconds=connect_threshold_seconds,
            lines_per_rep=campaign.lines_per_rep,
            vicidial=VicidialSettings(
                dropped_percentage=100 * campaign.abandon_cap,
                shift_end_hours=8.0 if shift_left is None else shift_left / 3600.0,
            ),
        )
        self.figures = EngineFigures()
        self._launches: list[float] = []
        self._wraps_seen_until = clock()
        self._reconciled_at: datetime | None = None
        self.halted: str | None = None
        # the campaign lease this engine dials under (None: not leased, e.g. a test's
        # engine or one built to answer a webhook); what it writes carries the epoch
        self.lease_epoch: int | None = None

        self._placing: set[asyncio.Task[None]] = set()

    @staticmethod
    def _uk_offset(now: datetime) -> float:
        offset = now.astimezone(UK_DAY).utcoffset()
        return offset.total_seconds() if offset is not None else 0.0

    def _follow_uk_clock(self, now: datetime) -> None:
        """Keep the governor's calendar day on London time across the clock changes."""
        governor = getattr(self.pacer, "governor", None)
        if governor is None or not governor.rule.calendar_day:
            return
        offset = self._uk_offset(now)
        if governor.rule.day_offset_seconds != offset:
            governor.rule = replace(governor.rule, day_offset_seconds=offset)

    # -- the pacing loop ------------------------------------------------------------

    async def warm_up(self) -> None:
        """Teach the governor the campaign's abandon history inside its window, and the
        pacer's estimators what they learned online from the recent calls, so a restarted
        engine paces as it did before the restart. A UK campaign's machine verdicts go
        in too, in time order with the persons: the governor counts its estimate of the
        AMD false positives among them."""
        now = self.clock()
        since = now - timedelta(days=30)
        rows = await self.pool.fetch(
            QUERIES["person_answers_since"], self.campaign.campaign_id, since
        )
        # (when, abandoned) for a person, (when, None) for a machine verdict
        history: list[tuple[float, bool | None]] = [
            (row["at"].timestamp(), bool(row["abandoned"])) for row in rows
        ]
        if self.campaign.amd_false_positive_rate > 0:
            machines = await self.pool.fetch(
                QUERIES["machine_verdicts_since"], self.campaign.campaign_id, since
            )
            history.extend((row["at"].timestamp(), None) for row in machines)
            history.sort(key=lambda event: event[0])
        for at, abandoned in history:
            if abandoned is None:
                self.pacer.observe_machine(at)
            else:
                self.pacer.observe_person(at, abandoned)
        await self.relearn_calls(now)

    async def relearn_calls(self, now: datetime) -> int:
        """Replay the campaign's newest calls (PACING_HISTORY, at most PACING_HISTORY_CALLS)
        into the pacer as `on_event` observed them: each ring outcome under its dial's local
        hour, each AMD verdict under its answer's, each talk. Returns the calls replayed."""
        rows = await self.pool.fetch(
            QUERIES["pacing_history"],
            self.campaign.campaign_id,
            now - PACING_HISTORY,
            PACING_HISTORY_CALLS,
        )
        zone = self.campaign.time_zone
        # verdicts were observed as they came (before their call ended): in their order
        for row in sorted(
            (r for r in rows if r["amd_at"] is not None and r["answered_at"] is not None),
            key=lambda r: (r["amd_at"], r["call_attempt_id"]),
        ):
            self.pacer.observe_screening(
                max(0.0, (row["amd_at"] - row["answered_at"]).total_seconds()),
                row["answered_by"] == "human",
                hour=local_hour(row["answered_at"], zone),
            )
        for row in rows:
            if (
                row["agent_user_id"] is not None
                and row["answered_by"] != "machine"
                and row["talked_seconds"] is not None
            ):
                self.pacer.observe_talk(float(row["talked_seconds"]))
            if row["ring_seconds"] is not None:
                self.pacer.observe_ring(
                    float(row["ring_seconds"]),
                    row["answered_at"] is not None,
                    hour=local_hour(row["created_at"], zone),
                )
        return len(rows)

    async def run(self, stop: asyncio.Event) -> None:
        await self.warm_up()
        while not stop.is_set():
            if self.halted is not None:
                await self.pool.execute(QUERIES["pause_campaign"], self.campaign.campaign_id)
                log.warning(
                    "campaign_halted", campaign_id=self.campaign.campaign_id, reason=self.halted
                )
                break
            try:
                await self.tick()
            except (OSError, asyncpg.PostgresConnectionError) as exc:
                log.warning(
                    "engine_tick_failed", campaign_id=self.campaign.campaign_id, error=str(exc)
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.tick_seconds)
        if self._placing:
            await asyncio.gather(*self._placing, return_exceptions=True)

    async def snapshot(self, now: datetime) -> PacingState:
        reps = await self.pool.fetch(QUERIES["rep_states"], self.campaign.campaign_id, now)
        calls = await self.pool.fetch(QUERIES["calls_in_flight"], self.campaign.campaign_id, now)
        clock_now = now.timestamp()
        window = cps_window(self.pacer.limits.calls_per_second)
        self._launches = [t for t in self._launches if clock_now - t < window]
        by_state: dict[str, list[float]] = {}
        for row in reps:
            by_state.setdefault(row["state"], []).append(float(row["age"]))
        ringing = tuple(float(r["age"]) for r in calls if r["phase"] == "ringing")
        # the engine bridges a call at its answer (AMD's verdict comes later): an answered
        # call that no rep has taken yet is a person waiting for one
        waiting = sum(1 for r in calls if r["phase"] == "waiting")
        return PacingState(
            now=clock_now,
            logged_in_reps=sum(len(v) for v in by_state.values()),
            ready_reps=len(by_state.get("ready", [])),
            paused_reps=len(by_state.get("paused", [])),
            talking_ages=tuple(by_state.get("on_call", [])) + tuple(by_state.get("reserved", [])),
            wrapping_ages=tuple(by_state.get("wrap_up", [])),
            ringing_ages=ringing,
            waiting_persons=waiting,
            launched_last_second=sum(1 for t in self._launches if clock_now - t < 1.0),
            launch_ages=tuple(clock_now - t for t in self._launches),
            seconds_to_shift_end=seconds_to_shift_end(
                now, self.campaign.shift_end, self.campaign.time_zone
            ),
            local_hour=local_hour(now, self.campaign.time_zone),
        )

    async def learn_wrap_ups(self, now: datetime) -> None:
        """Teach the pacer how long reps wrapped up since the last look (the console
        records wrap-ups; the engine only reads them)."""
        rows = await self.pool.fetch(
            QUERIES["wrap_ups_finished"], self.campaign.campaign_id, self._wraps_seen_until, now
        )
        for row in rows:
            self.pacer.observe_wrap(float(row["seconds"]))
        self._wraps_seen_until = now

    async def tick(self) -> int:
        now = self.clock()
        await hopper.release_expired_leases(self.pool, now)
        if self._reconciled_at is None or now - self._reconciled_at >= RECONCILE_EVERY:
            self._reconciled_at = now
            await self.reconcile_unconfirmed(now)
            await self.reconcile_live(now)
        await self.learn_wrap_ups(now)
        self._follow_uk_clock(now)
        state = await self.snapshot(now)
        decision = self.pacer.decide(state)
        launch = decision.launch
        reason = f"{decision.mode.value}: {decision.reason}"
        progressive = apply_limits(progressive_launch(state), state, self.pacer.limits)
        if launch > progressive:
            # whatever the pacer believes, the regulator's count decides: dial ahead only
            # while every call beyond the ready reps could be abandoned and the campaign
            # would still be within its target
            exposure = state.calls_in_flight + launch - state.ready_reps
            budget = await self.abandon_budget(now)
            if exposure > budget:
                # exposure - launch: the calls in flight beyond the ready reps (negative
                # while reps wait), so the launch keeps the exposure within the budget
                launch = max(progressive, min(launch, budget - (exposure - launch)))
                reason = f"{reason}; abandon budget {budget}: capped at {launch}"
        self.figures.last_decision = reason
        if launch <= 0:
            return 0
        return await self.launch(launch, now)

    async def abandon_budget(self, now: datetime) -> int:
        """How many more abandoned calls the campaign can take and stay within its target,
        counted in the database over its regulatory window: 30 days; for UK the stricter
        of the last 24 hours and the calendar day on London time (from its local
        midnight), each with the estimated AMD false positives (the campaign's rate x its
        machine verdicts) counted both as abandoned and as answered by a person."""
        windows = [now - timedelta(days=30)]
        if self.campaign.jurisdiction == "UK":
            windows = [now - timedelta(hours=24), local_midnight(now, UK_DAY)]
        budgets = []
        rows = await self.pool.fetch(QUERIES["abandon_window"], self.campaign.campaign_id, windows)
        for row in rows:
            false_positives = self.campaign.amd_false_positive_rate * int(row["machine_verdicts"])
            persons = int(row["persons"]) + false_positives
            allowed = math.floor(self.campaign.abandon_target * persons - false_positives)
            budgets.append(allowed - int(row["abandoned"]))
        return max(0, min(budgets))

    async def launch(self, count: int, now: datetime) -> int:
        claimed = await hopper.claim(
            self.pool, self.campaign.campaign_id, now, count, self.engine_id
        )
        if not claimed:
            return 0
        dial_mode = {
            PacingMode.PREVIEW: "preview",
            PacingMode.PROGRESSIVE: "progressive",
            PacingMode.POWER: "power",
        }.get(self.campaign.pacing_mode, "predictive")
        launched = 0
        async with self.pool.acquire() as connection:
            outcomes = await check_numbers(
                connection,
                self.campaign.campaign_id,
                claimed,
                now,
                dial_mode=dial_mode,
                rules=self.rules,
            )
            by_phone = {o.phone_id: o for o in outcomes}
            for number in claimed:
                outcome = by_phone[number.phone_id]
                verdict = outcome.decision.verdict.value
                if outcome.decision.campaign_wide:
                    # a stale register blocks every marketing call of the campaign: the
                    # campaign stops rather than closing numbers a fresh import would free
                    await hopper.defer(
                        connection, number, now + timedelta(hours=1), outcome.decision.reason
                    )
                    self.halted = outcome.decision.reason
                    continue
                if verdict == "BLOCK":
                    self.figures.blocked += 1
                    await hopper.close(connection, number, "blocked", outcome.decision.reason)
                    continue
                if verdict == "DELAY":
                    self.figures.delayed += 1
                    until = outcome.decision.until or now + timedelta(minutes=15)
                    await hopper.defer(connection, number, until, outcome.decision.reason)
                    continue
                if verdict == "REQUIRE" and outcome.decision.required_mode is not None:
                    # automated dialing is not allowed for this callee: a rep must preview it
                    self.figures.delayed += 1
                    await connection.execute(
                        QUERIES["mark_preview_only"],
                        number.campaign_id,
                        number.phone_id,
                        outcome.decision.reason,
                    )
                    continue
                attempt_id = await hopper.start_attempt(
                    connection,
                    number,
                    self.engine_id,
                    now,
                    outcome.audit_id,
                    provider=self.provider.name,
                )
                if attempt_id is None:
                    continue
                launched += 1
                self._launches.append(now.timestamp())
                task = asyncio.create_task(self._place(attempt_id, number))
                self._placing.add(task)
                task.add_done_callback(self._placing.discard)
        if launched:
            self.figures.launched += launched
            self.pacer.observe_launch(now.timestamp(), launched)
        return launched

    async def place(self, attempt_id: int, number: hopper.ClaimedNumber) -> None:
        """Have the provider dial an attempt written outside the pacing loop (a rep's
        preview dial, see dialer.engine.preview)."""
        self.figures.launched += 1
        self._launches.append(self.clock().timestamp())
        await self._place(attempt_id, number)

    async def _place(self, attempt_id: int, number: hopper.ClaimedNumber) -> None:
        request = CallRequest(
            attempt_ref=str(attempt_id),
            to_number=number.e164,
            caller_id=self.campaign.caller_id,
            ring_timeout_seconds=self.campaign.ring_seconds,
            idempotency_key=f"attempt-{attempt_id}",
        )
        try:
            placed = await self.provider.place_call(request)
        except CallRefused as refused:
            self.figures.refused += 1
            now = self.clock()
            await self.pool.execute(
                QUERIES["attempt_refused"],
                attempt_id,
                now,
                refused.outcome.value,
                refused.provider_code,
            )
            await self.settle(
                attempt_id,
                CallOutcome.INVALID if refused.outcome.retires_number else CallOutcome.NO_ANSWER,
                now,
                retire_reason=f"carrier refused: {refused.outcome.value}",
                number_invalid=refused.outcome is PlacementFailure.INVALID_NUMBER,
            )
            return
        except CallPlacementUnknown:
            # never redial blindly: the attempt stays open until a callback or a reconcile
            self.figures.unknown += 1
            log.warning("call_placement_unknown", attempt_id=attempt_id)
            return
        except ProviderUnavailable as exc:
            now = self.clock()
            await self.pool.execute(
                QUERIES["attempt_refused"], attempt_id, now, "provider_unavailable", None
            )
            await self.settle(attempt_id, CallOutcome.NO_ANSWER, now)
            log.warning("provider_unavailable", attempt_id=attempt_id, error=str(exc))
            return
        await self.pool.execute(QUERIES["record_placed"], attempt_id, placed.call_id, self.clock())
        if placed.queue_seconds > 0:
            log.warning(
                "provider_queued_call", attempt_id=attempt_id, queue_seconds=placed.queue_seconds
            )

    async def reconcile_unconfirmed(self, now: datetime, limit: int = 50) -> int:
        """The sweep for creates nobody confirmed: an attempt still `created`, with no
        provider call, UNCONFIRMED_AFTER after it was written holds its number (one live
        call per number) until something settles it. Look its call up once more: bind it
        when found (its callbacks then settle it), else settle the attempt as failed so
        the retry policy can try the number again. A failed lookup waits for the next
        sweep. Returns how many attempts were bound or settled."""
        rows = await self.pool.fetch(
            QUERIES["unconfirmed_attempts"],
            self.campaign.campaign_id,
            now - UNCONFIRMED_AFTER,
            limit,
        )
        done = 0
        for row in rows:
            attempt_id = int(row["call_attempt_id"])
            if self.provider.is_placing(str(attempt_id)):
                # still queued behind the CPS throttle (or being posted) in this process:
                # failing it now would let the number be dialled again while it still rings
                continue
            request = CallRequest(
                attempt_ref=str(attempt_id),
                to_number=row["e164"],
                caller_id=self.campaign.caller_id,
                ring_timeout_seconds=self.campaign.ring_seconds,
            )
            try:
                found = await self.provider.find_call(request, row["created_at"])
            except TelephonyError as exc:
                log.warning(
                    "unconfirmed_attempt_lookup_failed", attempt_id=attempt_id, error=str(exc)
                )
                continue
            if found is not None:
                try:
                    await self.pool.execute(
                        QUERIES["record_placed"], attempt_id, found.call_id, now
                    )
                except asyncpg.UniqueViolationError:  # that call is another attempt's
                    log.warning("unconfirmed_attempt_ambiguous", attempt_id=attempt_id)
                    continue
                log.info("unconfirmed_attempt_bound", attempt_id=attempt_id, call=found.call_id)
            else:
                status = await self.pool.execute(
                    QUERIES["attempt_refused"], attempt_id, now, "unconfirmed_no_call", None
                )
                if status.endswith(" 0"):  # a callback settled it meanwhile
                    continue
                await self.settle(attempt_id, CallOutcome.NO_ANSWER, now)
                log.warning("unconfirmed_attempt_failed", attempt_id=attempt_id)
            done += 1
        return done

    @property
    def ledger(self) -> CallLedger:
        if self._ledger is None:
            self._ledger = PostgresCallLedger(self.pool, self.provider.name)
        return self._ledger

    async def reconcile_live(self, now: datetime, limit: int = 50) -> int:
        """The sweep for calls whose end was never applied. A lost `completed` callback
        leaves its attempt live for good: the number stays `dialing` (one live call per
        number), a bridged rep stays on the call and the pacer counts it in flight. An
        attempt still live past its ring time unanswered, or past the talk ceiling
        answered, is looked up at the provider; a call that has ended is applied through
        the ledger and `on_event` exactly as its callback would have been (a late real
        callback is then a duplicate). A call still live, or a failed lookup, waits for
        the next sweep. Then an attempt that ended while its number stayed `dialing` (the
        settle after the callback failed) has its rep freed and its number settled.
        Returns how many attempts were settled."""
        ring = timedelta(seconds=self.campaign.ring_seconds)
        rows = await self.pool.fetch(
            QUERIES["overdue_live_attempts"],
            self.campaign.campaign_id,
            now - ring - LIVE_SWEEP_GRACE,
            now - ring - self.live_call_ceiling,
            limit,
        )
        done = 0
        for row in rows:
            attempt_ref = str(row["call_attempt_id"])
            if row["provider"] != self.provider.name or self.provider.is_placing(attempt_ref):
                continue  # another carrier's call, or a create still going out
            call_id = str(row["provider_call_id"])
            try:
                event = await self.provider.find_call_by_id(call_id, attempt_ref=attempt_ref)
                if event is None:  # still live (a long call), or unknown to the provider
                    continue
                transition = await self.ledger.apply(event)
            except TelephonyError as exc:
                log.warning("live_attempt_lookup_failed", attempt_id=attempt_ref, error=str(exc))
                continue
            if transition.verdict in (Verdict.ADVANCED, Verdict.RECORDED):
                await self.on_event(event, transition)
                done += 1
                log.warning(
                    "call_end_recovered",
                    attempt_id=attempt_ref,
                    call=call_id,
                    end_reason=str(event.end_reason),
                )
        stuck = await self.pool.fetch(
            QUERIES["ended_attempts_left_dialing"],
            self.campaign.campaign_id,
            now - LIVE_SWEEP_GRACE,
            limit,
        )
        for row in stuck:
            ended = await self.pool.fetchrow(QUERIES["ended_attempt_by_id"], row["call_attempt_id"])
            if ended is None:
                continue
            await self._free_reps(ended, now)
            await self.settle(
                int(ended["call_attempt_id"]),
                outcome_of(ended),
                now,
                retire_reason=f"carrier: SIP {ended['sip_code']}, the number does not exist",
            )
            done += 1
            log.warning("ended_attempt_settled_late", attempt_id=ended["call_attempt_id"])
        return done

    # -- call decisions (webhooks) ---------------------------------------------------

    async def on_answer(self, call: AnsweredCall) -> AnswerDecision:
        attempt_id = (
            int(call.attempt_ref) if call.attempt_ref and call.attempt_ref.isdigit() else None
        )
        deadline = asyncio.get_running_loop().time() + self.connect_threshold_seconds * 0.75
        while True:
            now = self.clock()
            user_id = await self._reserve_rep(attempt_id, call.call_id, now)
            if user_id is not None:
                return BridgeToRoom(room=room_for(user_id), rep=str(user_id))
            if asyncio.get_running_loop().time() >= deadline:
                break
            await asyncio.sleep(_POLL_FOR_REP_SECONDS)
        # the abandon is stored before the message is played: a lost deferred write or a
        # dead process must not turn it into an uncounted "machine" (figures, 72 h lock)
        try:
            await self.pool.execute(QUERIES["attempt_abandoned"], attempt_id, call.call_id)
        except (OSError, asyncpg.PostgresError) as exc:  # the message must still be played
            log.error("call_abandon_not_recorded", attempt_id=attempt_id, error=repr(exc))
        log.info("call_abandoned", attempt_id=attempt_id, campaign_id=self.campaign.campaign_id)
        await self.events.publish(
            campaign_channel(self.campaign.campaign_id),
            {"kind": "call_abandoned", "call_attempt_id": attempt_id},
        )
        return PlayAndHangUp(
            self.campaign.abandon_message,
            language="zh-CN" if self.campaign.jurisdiction == "CN" else "en-US",
        )

    async def _reserve_rep(self, attempt_id: int | None, call_id: str, now: datetime) -> int | None:
        async with self.pool.acquire() as connection, connection.transaction():
            attempt = await connection.fetchrow(QUERIES["attempt_for_routing"], attempt_id, call_id)
            if attempt is None:
                return None
            if attempt["agent_user_id"] is not None:  # a repeated answer webhook
                return int(attempt["agent_user_id"])
            reserved = attempt["reserved_agent_user_id"]
            if reserved is not None and await connection.fetchval(
                QUERIES["rep_still_on_call"], reserved, attempt["call_attempt_id"]
            ):
                # a rep's preview dial: the rep waits, reserved for this very call
                user_id = int(reserved)
                now = max(now, self.clock())  # the rep's session is locked: see below
            else:
                # a REQUIRE without a mode (the rep must hold the product's registration)
                # is honoured here: only qualified reps are offered the call
                policy = RoutingPolicy(senior_first=self.campaign.senior_first)
                rows = await connection.fetch(
                    QUERIES["ready_reps"],
                    self.campaign.campaign_id,
                    self.campaign.required_registration,
                    attempt["callback_owner"],
                    policy.senior_first and attempt["tier"] in policy.senior_tiers,
                    _ROUTING_CANDIDATES,
                )
                reps = [
                    Rep(
                        rep_id=str(r["user_id"]),
                        senior=r["is_senior"],
                        state=RepState.READY,
                        since=r["state_since"].timestamp(),
                    )
                    for r in rows
                ]
                ranked = rank_reps(
                    reps,
                    tier=attempt["tier"],
                    owner_rep_id=str(attempt["callback_owner"])
                    if attempt["callback_owner"]
                    else None,
                    policy=policy,
                )
                if not ranked:
                    return None
                locked = await connection.fetchval(
                    QUERIES["lock_first_ready_rep"],
                    self.campaign.campaign_id,
                    [int(rep.rep_id) for rep in ranked],
                )
                if locked is None:  # every one of them was taken by another answer
                    return None
                user_id = int(locked)
                # read the clock once the rep is ours: a change recorded before ours by a
                # webhook that held this rep is never later than this one
                now = max(now, self.clock())
                await set_agent_state(
                    connection,
                    user_id,
                    RepState.RESERVED,
                    now,
                    call_attempt_id=attempt["call_attempt_id"],
                )
            await set_agent_state(
                connection,
                user_id,
                RepState.ON_CALL,
                now,
                call_attempt_id=attempt["call_attempt_id"],
            )
            await connection.execute(
                QUERIES["attempt_bridged_to"], attempt["call_attempt_id"], user_id
            )
        await self.events.publish(
            agent_channel(user_id),
            {
                "kind": "call_connected",
                "call_attempt_id": attempt["call_attempt_id"],
                "account_id": attempt["account_id"],
                "campaign_id": self.campaign.campaign_id,
            },
        )
        return user_id

    async def on_machine(self, call: AnsweredCall, verdict: AmdVerdict) -> MachineAction:
        now = self.clock()
        attempt_id = (
            int(call.attempt_ref) if call.attempt_ref and call.attempt_ref.isdigit() else None
        )
        async with self.pool.acquire() as connection, connection.transaction():
            row = await connection.fetchrow(
                QUERIES["attempt_for_routing"], attempt_id, call.call_id
            )
            if (
                row is not None
                and row["agent_user_id"] is not None
                and await connection.fetchval(
                    QUERIES["rep_still_on_call"], row["agent_user_id"], row["call_attempt_id"]
                )
            ):
                # the rep was bridged to a machine and is still on it: the system records it
                # as voicemail for them and they go straight back to ready (a rep who has
                # already hung up records the outcome themselves)
                user_id = int(row["agent_user_id"])
                # the rep's session is locked now: read the clock again, so a change another
                # webhook recorded while we waited is never later than ours
                now = max(now, self.clock())
                await record_disposition(
                    connection,
                    user_id,
                    DispositionInput(
                        call_attempt_id=int(row["call_attempt_id"]),
                        code=MACHINE_DISPOSITION,
                        idempotency_key=f"amd-{row['call_attempt_id']}",
                        note=f"answering machine ({verdict.value}) detected after the bridge",
                    ),
                    now,
                    system=True,
                )
                await go_ready(connection, user_id, now)
        if self.campaign.voicemail_policy == "leave_message" and self.campaign.voicemail_message:
            return LeaveVoicemail(self.campaign.voicemail_message)
        return HangUpMachine()

    async def on_event(self, event: CallEvent, transition: Transition) -> None:
        state = transition.state
        if (
            event.kind is CallEventKind.AMD_VERDICT
            and transition.changed
            and state.answered_at is not None
            and state.amd_at is not None
        ):
            self.pacer.observe_screening(
                max(0.0, (state.amd_at - state.answered_at).total_seconds()),
                state.amd_verdict is AmdVerdict.HUMAN,
                hour=local_hour(state.answered_at, self.campaign.time_zone),
            )
            if state.amd_verdict is AmdVerdict.MACHINE:
                # UK: the governor counts its estimate of the persons among the machines
                self.pacer.observe_machine(self.clock().timestamp())
        if not state.is_terminal:
            return
        now = self.clock()
        row = await self.pool.fetchrow(QUERIES["ended_attempt"], event.call_id)
        if row is None:
            return
        await self._free_reps(row, now)
        if row["agent_user_id"] is not None:
            if row["answered_by"] != "machine" and row["talked_seconds"] is not None:
                self.pacer.observe_talk(float(row["talked_seconds"]))
                self.pacer.observe_person(now.timestamp(), False)
        elif outcome_of(row) is CallOutcome.ABANDONED:
            self.pacer.observe_person(now.timestamp(), True)
        if row["ring_seconds"] is not None:
            self.pacer.observe_ring(
                float(row["ring_seconds"]),
                row["answered_at"] is not None,
                hour=local_hour(row["created_at"], self.campaign.time_zone),
            )
        await self.settle(
            int(row["call_attempt_id"]),
            outcome_of(row),
            now,
            retire_reason=f"carrier: SIP {row['sip_code']}, the number does not exist",
        )

    async def _free_reps(self, row: asyncpg.Record, now: datetime) -> None:
        """The call has ended: its rep goes to wrap-up, or, for a preview dial that never
        reached its rep, the rep waiting for it goes back to ready."""
        if row["agent_user_id"] is not None:
            async with self.pool.acquire() as connection, connection.transaction():
                # only a rep still on this very call goes to wrap-up (after a machine they
                # may already be on the next one)
                if await connection.fetchval(
                    QUERIES["rep_still_on_call"], row["agent_user_id"], row["call_attempt_id"]
                ):
                    await set_agent_state(
                        connection,
                        int(row["agent_user_id"]),
                        RepState.WRAP_UP,
                        max(now, self.clock()),  # read again under the session's lock
                    )
        elif row["reserved_agent_user_id"] is not None:
            async with self.pool.acquire() as connection, connection.transaction():
                if await connection.fetchval(
                    QUERIES["rep_still_on_call"],
                    row["reserved_agent_user_id"],
                    row["call_attempt_id"],
                ):
                    await set_agent_state(
                        connection,
                        int(row["reserved_agent_user_id"]),
                        RepState.READY,
                        max(now, self.clock()),  # read again under the session's lock
                    )

    async def settle(
        self,
        attempt_id: int,
        outcome: CallOutcome,
        now: datetime,
        *,
        retire_reason: str = "invalid number",
        number_invalid: bool = True,
    ) -> None:
        """Schedule the number's next try by the retry policy, or close it. An invalid
        number is retired everywhere: its phones (every account's) and every campaign's
        queue entry, so no other campaign redials it."""
        if outcome is CallOutcome.INVALID:
            await self.pool.execute(
                QUERIES["retire_phone"], attempt_id, now, retire_reason, number_invalid
            )
            log.info("number_retired", attempt_id=attempt_id, reason=retire_reason)
        row = await self.pool.fetchrow(QUERIES["attempt_history"], attempt_id)
        if row is None:
            return
        decision = next_attempt(
            self.campaign.retry,
            outcome,
            now,
            number_attempts=row["number_attempts"],
            account_attempts=row["account_attempts"],
        )
        if decision.retry_at is not None:
            state = "pending"
        else:
            state = "retired" if outcome is CallOutcome.INVALID else "done"
        await self.pool.execute(
            QUERIES["settle_number"],
            attempt_id,
            self.campaign.campaign_id,
            state,
            decision.retry_at,
            outcome.value,
            decision.reason,
        )
        await self.pool.execute(QUERIES["attempt_outcome"], attempt_id, outcome.value)


def outcome_of(row: asyncpg.Record) -> CallOutcome:
    """The retry policy's outcome for a finished attempt."""
    if row["abandoned"] and row["answered_by"] != "machine":
        return CallOutcome.ABANDONED
    if row["answered_by"] == "machine":
        return CallOutcome.MACHINE
    status = row["status"]
    if status == "completed":
        # answered, not a machine, and no rep took it: the answer could only have been
        # abandoned, even if that was never written down (counted, and the number locked)
        return CallOutcome.CONNECTED if row["agent_user_id"] is not None else CallOutcome.ABANDONED
    if status == "busy":
        return CallOutcome.BUSY
    if row["sip_code"] in RETIRING_SIP_CODES:  # the number does not exist
        return CallOutcome.INVALID
    return CallOutcome.NO_ANSWER
