"""The live campaign engine: the pure core of `campaigns/` on the engine store and a provider.

One `CampaignEngine` runs one campaign in this process. Every tick it reads a
`PacingState` snapshot (reps and their time in state, calls in flight), asks the
campaign's pacer how many calls to launch, keeps that within the abandon budget the
regulator's count still allows, and hands the count to its jobs:
- `launching` (dialer/engine/launching.py): claim, gate and place the calls;
- `answers` (dialer/engine/answers.py): who takes an answered call;
- `settling` (dialer/engine/settling.py): what happens after a call;
- `sweeps` (dialer/engine/sweeps.py): attempts whose news was lost.
The engine is also the `CallDecisions` the telephony webhooks consult: its methods of
those names are its jobs'. Time comes from the injected clock only; the core's decisions
take it as `now`.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

import asyncpg
import structlog

from campaigns.abandon_budget import abandon_budget, exposure_cap
from campaigns.free_reps import predicted_free_reps
from campaigns.pacing import (
    Pacer,
    PacingState,
    apply_limits,
    cps_window,
    progressive_launch,
)
from compliance.rules import DEFAULT_GATE_RULES, GateRules
from dialer.clock import Clock
from dialer.engine import hopper
from dialer.engine.answers import Answers
from dialer.engine.figures import EngineFigures
from dialer.engine.launching import Launching
from dialer.engine.pg_store import TRANSIENT_ERRORS, PostgresEngineStore
from dialer.engine.settings import (
    UK_DAY,
    CampaignSettings,
    campaign_pacer,
    follow_uk_clock,
    local_hour,
    local_midnight,
    seconds_to_shift_end,
)
from dialer.engine.settling import Settling
from dialer.engine.store import EngineStore
from dialer.engine.sweeps import (
    DEFAULT_LIVE_CALL_CEILING,
    DEFAULT_SILENT_CALL,
    LIVE_SWEEP_GRACE,
    RECONCILE_EVERY,
    Sweeps,
)
from dialer.events import EventBus, campaign_channel
from dialer.runtime.leases import CarrierBudget
from dialer.telephony.ledger import CallLedger
from dialer.telephony.pg_ledger import PostgresCallLedger
from dialer.telephony.provider import TelephonyProvider

log = structlog.get_logger(__name__)

# a restarted engine relearns answer rates from this much of its campaign's recent calls
PACING_HISTORY = timedelta(days=7)
PACING_HISTORY_CALLS = 20_000
# the abandon history a restarted governor relearns
ABANDON_HISTORY = timedelta(days=30)
# how often a decision to launch nothing is told to the live view
DECISION_EVERY = timedelta(seconds=1)


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
        store: EngineStore | None = None,
        engine_id: str | None = None,
        connect_threshold_seconds: float = 2.0,
        tick_seconds: float = 0.25,
        rules: GateRules = DEFAULT_GATE_RULES,
        ledger: CallLedger | None = None,
        live_call_ceiling: timedelta = DEFAULT_LIVE_CALL_CEILING,
        silent_call: timedelta = DEFAULT_SILENT_CALL,
        sweep_grace: timedelta = LIVE_SWEEP_GRACE,
    ) -> None:
        self.pool = pool
        # the engine's data (on `pool` unless another store is given: a memory twin)
        self.store: EngineStore = store if store is not None else PostgresEngineStore(pool)
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
        self.pacer: Pacer = campaign_pacer(
            campaign, provider.limits, clock(), connect_threshold_seconds=connect_threshold_seconds
        )
        self.figures = EngineFigures()
        self._wraps_seen_until = clock()
        self._reconciled_at: datetime | None = None
        # when the last pacing decision was told to the campaign's live view
        self._told_at: datetime | None = None
        # the jobs, each on the store, the campaign's settings and the clock (CampaignJob)
        job = (self.store, campaign, clock)
        self.settling = Settling(*job, self.pacer)
        self.launching = Launching(
            *job, provider, self.pacer, self.figures, self.settling, self.engine_id, rules
        )
        self.answers = Answers(*job, events, connect_threshold_seconds)
        self.sweeps = Sweeps(
            *job,
            provider,
            self.settling,
            lambda: self.ledger,
            live_call_ceiling,
            silent_call,
            sweep_grace,
        )
        # a worker's engine whose callbacks the web side applies learns the calls' outcomes
        # from the database each tick (an engine in the process that applies them learns
        # them in `on_event`)
        self.learn_from_database = False
        self._learned_until = clock()
        # the carrier account's shared budget, when a worker runs the engine
        self.carrier_budget: CarrierBudget | None = None
        # the jobs' methods the service, the webhooks, preview dials and tests call, as
        # the engine's own (the loop calls them through these names too)
        self.launch = self.launching.launch
        self.place = self.launching.place
        self.on_answer = self.answers.on_answer
        self.on_machine = self.answers.on_machine
        self.on_event = self.settling.on_event
        self.settle = self.settling.settle
        self.reconcile_unconfirmed = self.sweeps.reconcile_unconfirmed
        self.reconcile_live = self.sweeps.reconcile_live

    @property
    def ledger(self) -> CallLedger:
        if self._ledger is None:
            self._ledger = PostgresCallLedger(self.pool, self.provider.name)
        return self._ledger

    @property
    def lease_epoch(self) -> int | None:
        """The campaign lease this engine dials under (set when a worker runs it)."""
        return self.launching.lease_epoch

    @lease_epoch.setter
    def lease_epoch(self, epoch: int | None) -> None:
        self.launching.lease_epoch = epoch

    @property
    def halted(self) -> str | None:
        """Why the campaign must stop (the gate's campaign-wide block), or None."""
        return self.launching.halted

    @property
    def placing(self) -> set[asyncio.Task[None]]:
        """The provider's creates still going out."""
        return self.launching.placing

    def _follow_uk_clock(self, now: datetime) -> None:
        follow_uk_clock(self.pacer, now)

    # -- warm-up -----------------------------------------------------------------------

    async def warm_up(self) -> None:
        """Teach the governor the campaign's abandon history inside its window, and the
        pacer's estimators what they learned online from the recent calls, so a restarted
        engine paces as it did before the restart. A UK campaign's machine verdicts go
        in too, in time order with the persons: the governor counts its estimate of the
        AMD false positives among them."""
        now = self.clock()
        since = now - ABANDON_HISTORY
        campaign_id = self.campaign.campaign_id
        answers = await self.store.person_answers_since(campaign_id, since)
        # (when, abandoned) for a person, (when, None) for a machine verdict
        history: list[tuple[float, bool | None]] = [
            (answer.at.timestamp(), answer.abandoned) for answer in answers
        ]
        if self.campaign.amd_false_positive_rate > 0:
            machines = await self.store.machine_verdicts_since(campaign_id, since)
            history.extend((at.timestamp(), None) for at in machines)
            history.sort(key=lambda event: event[0])
        for at, abandoned in history:
            if abandoned is None:
                self.pacer.observe_machine(at)
            else:
                self.pacer.observe_person(at, abandoned)
        await self.relearn_calls(now)

    async def learn_ended_calls(self, limit: int = 5000) -> int:
        """Observe the calls that ended since the last look, as `on_event` would have in
        the process that applied their callbacks: ring outcomes, screening, talk, and
        each person answered or abandoned. Returns the calls learned."""
        calls = await self.store.calls_ended_since(
            self.campaign.campaign_id, self._learned_until, limit
        )
        zone = self.campaign.time_zone
        for call in calls:
            if call.amd_at is not None and call.answered_at is not None:
                self.pacer.observe_screening(
                    max(0.0, (call.amd_at - call.answered_at).total_seconds()),
                    call.answered_by == "human",
                    hour=local_hour(call.answered_at, zone),
                )
                if call.answered_by == "machine":
                    self.pacer.observe_machine(call.amd_at.timestamp())
            ended = (call.ended_at or self.clock()).timestamp()
            if call.agent_user_id is not None and call.answered_by != "machine":
                if call.talked_seconds is not None:
                    self.pacer.observe_talk(float(call.talked_seconds))
                self.pacer.observe_person(ended, False)
            elif call.abandoned and call.answered_by != "machine":
                self.pacer.observe_person(ended, True)
            if call.ring_seconds is not None:
                self.pacer.observe_ring(
                    float(call.ring_seconds),
                    call.answered_at is not None,
                    hour=local_hour(call.created_at, zone),
                )
            if call.ended_at is not None:
                self._learned_until = max(self._learned_until, call.ended_at)
        return len(calls)

    async def relearn_calls(self, now: datetime) -> int:
        """Replay the campaign's newest calls (PACING_HISTORY, at most PACING_HISTORY_CALLS)
        into the pacer as `on_event` observed them: each ring outcome under its dial's local
        hour, each AMD verdict under its answer's, each talk. Returns the calls replayed."""
        calls = await self.store.pacing_history(
            self.campaign.campaign_id, now - PACING_HISTORY, PACING_HISTORY_CALLS
        )
        zone = self.campaign.time_zone
        # verdicts were observed as they came (before their call ended): in their order
        screened = [c for c in calls if c.amd_at is not None and c.answered_at is not None]
        for call in sorted(screened, key=lambda c: (c.amd_at, c.call_attempt_id)):
            assert call.amd_at is not None and call.answered_at is not None
            self.pacer.observe_screening(
                max(0.0, (call.amd_at - call.answered_at).total_seconds()),
                call.answered_by == "human",
                hour=local_hour(call.answered_at, zone),
            )
        for call in calls:
            if (
                call.agent_user_id is not None
                and call.answered_by != "machine"
                and call.talked_seconds is not None
            ):
                self.pacer.observe_talk(float(call.talked_seconds))
            if call.ring_seconds is not None:
                self.pacer.observe_ring(
                    float(call.ring_seconds),
                    call.answered_at is not None,
                    hour=local_hour(call.created_at, zone),
                )
        return len(calls)

    # -- the pacing loop ---------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until `stop` is set or the campaign is halted (then it is paused)."""
        await self.warm_up()
        while not stop.is_set():
            if self.launching.lease_lost:
                # another worker holds the campaign now: stop, and leave it running
                log.warning("engine_stopped_lease_lost", campaign_id=self.campaign.campaign_id)
                break
            if self.halted is not None:
                await self.store.pause_campaign(self.campaign.campaign_id)
                log.warning(
                    "campaign_halted", campaign_id=self.campaign.campaign_id, reason=self.halted
                )
                break
            try:
                await self.tick()
            except TRANSIENT_ERRORS as exc:
                log.warning(
                    "engine_tick_failed", campaign_id=self.campaign.campaign_id, error=str(exc)
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.tick_seconds)
        await self.launching.drain()

    async def snapshot(self, now: datetime) -> PacingState:
        reps = await self.store.rep_states(self.campaign.campaign_id, now)
        calls = await self.store.calls_in_flight(self.campaign.campaign_id, now)
        clock_now = now.timestamp()
        launches = self.launching.recent_launches(
            clock_now, cps_window(self.pacer.limits.calls_per_second)
        )
        by_state: dict[str, list[float]] = {}
        for rep in reps:
            by_state.setdefault(rep.state, []).append(rep.age)
        ringing = tuple(call.age for call in calls if call.state == "ringing")
        # the engine bridges a call at its answer (AMD's verdict comes later): an answered
        # call that no rep has taken yet is a person waiting for one
        waiting = sum(1 for call in calls if call.state == "waiting")
        return PacingState(
            now=clock_now,
            logged_in_reps=sum(len(v) for v in by_state.values()),
            ready_reps=len(by_state.get("ready", [])),
            paused_reps=len(by_state.get("paused", [])),
            talking_ages=tuple(by_state.get("on_call", [])) + tuple(by_state.get("reserved", [])),
            wrapping_ages=tuple(by_state.get("wrap_up", [])),
            ringing_ages=ringing,
            waiting_persons=waiting,
            launched_last_second=sum(1 for t in launches if clock_now - t < 1.0),
            launch_ages=tuple(clock_now - t for t in launches),
            seconds_to_shift_end=seconds_to_shift_end(
                now, self.campaign.shift_end, self.campaign.time_zone
            ),
            local_hour=local_hour(now, self.campaign.time_zone),
        )

    async def learn_wrap_ups(self, now: datetime) -> None:
        """Teach the pacer how long reps wrapped up since the last look (the console
        records wrap-ups; the engine only reads them)."""
        seconds = await self.store.wrap_ups_finished(
            self.campaign.campaign_id, self._wraps_seen_until, now
        )
        for wrap in seconds:
            self.pacer.observe_wrap(wrap)
        self._wraps_seen_until = now

    async def tick(self) -> int:
        """One pacing decision: how many calls to launch now, launched; returns how many."""
        now = self.clock()
        await self.store.release_expired_leases(now)
        if self._reconciled_at is None or now - self._reconciled_at >= RECONCILE_EVERY:
            self._reconciled_at = now
            await self.reconcile_unconfirmed(now)
            await self.reconcile_live(now)
        await self.learn_wrap_ups(now)
        if self.learn_from_database:
            await self.learn_ended_calls()
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
            budget = await self.abandon_budget(now)
            capped = exposure_cap(
                launch,
                progressive=progressive,
                calls_in_flight=state.calls_in_flight,
                ready_reps=state.ready_reps,
                budget=budget,
            )
            if capped != launch:
                launch = capped
                reason = f"{reason}; abandon budget {budget}: capped at {launch}"
        if launch > 0 and self.carrier_budget is not None:
            # the carrier account's calls per second and concurrent calls, shared by every
            # worker dialling through it
            granted = await self.carrier_budget.take(launch, now)
            if granted < launch:
                reason = f"{reason}; carrier budget: {granted} of {launch}"
                launch = granted
        self.figures.last_decision = reason
        await self.tell_decision(state, launch, reason, now)
        if launch <= 0:
            return 0
        return await self.launch(launch, now)

    async def tell_decision(
        self, state: PacingState, launch: int, reason: str, now: datetime
    ) -> None:
        """Publish the pacing decision on the campaign's channel for its live view: a
        launch at once, otherwise at most once every DECISION_EVERY."""
        if launch <= 0 and self._told_at is not None and now - self._told_at < DECISION_EVERY:
            return
        self._told_at = now
        await self.events.publish(
            campaign_channel(self.campaign.campaign_id),
            {
                "kind": "pacing",
                "at": now.isoformat(),
                "launch": launch,
                "reason": reason,
                "ready_reps": state.ready_reps,
                "calls_in_flight": state.calls_in_flight,
                "predicted_free_reps": round(predicted_free_reps(self.pacer, state), 2),
            },
        )

    async def abandon_budget(self, now: datetime) -> int:
        """How many more abandoned calls the campaign can take and stay within its target,
        counted by the store over its regulatory window: 30 days; for UK the stricter of
        the last 24 hours and the calendar day on London time (from its local midnight),
        each with the estimated AMD false positives (the campaign's rate x its machine
        verdicts) counted both as abandoned and as answered by a person."""
        windows = [now - timedelta(days=30)]
        if self.campaign.jurisdiction == "UK":
            windows = [now - timedelta(hours=24), local_midnight(now, UK_DAY)]
        counts = await self.store.abandon_windows(self.campaign.campaign_id, windows)
        return abandon_budget(
            counts,
            target=self.campaign.abandon_target,
            amd_false_positive_rate=self.campaign.amd_false_positive_rate,
        )
