"""Pacing: how many calls a campaign should launch now.

Every pacer takes a `PacingState` snapshot (built by the live engine from its rep and call
tables, or by the simulation from its in-memory state; `now` is passed in, never read) and
returns a `PacingDecision`. Pacers learn from what happens through the `observe_*` hooks,
which both engines call at the same points of a call's life.

Modes: preview (the rep dials), progressive (one line per ready rep), power (a fixed number
of lines per ready rep, under the abandon governor), the VICIdial-compatible RATIO and
ADAPT_* methods (baselines; see shared/reference/vicidial-adaptive.md), and predictive.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

from campaigns.cmdp_pacing import FLOOR_BUDGET, PolicyTables, caution_factor, penalty_for
from campaigns.errors import CampaignError
from campaigns.estimators import HandleTimeModel, RingModel, ScreeningModel
from campaigns.governor import AbandonGovernor, AbandonRule
from campaigns.risk import RiskProfile, upper_tail

DEFAULT_RULE = AbandonRule()


class PacingMode(StrEnum):
    PREVIEW = "preview"
    PROGRESSIVE = "progressive"
    POWER = "power"
    RATIO = "RATIO"
    ADAPT_HARD_LIMIT = "ADAPT_HARD_LIMIT"
    ADAPT_AVERAGE = "ADAPT_AVERAGE"
    ADAPT_TAPERED = "ADAPT_TAPERED"
    PREDICTIVE = "predictive"


VICIDIAL_MODES = frozenset(
    {
        PacingMode.RATIO,
        PacingMode.ADAPT_HARD_LIMIT,
        PacingMode.ADAPT_AVERAGE,
        PacingMode.ADAPT_TAPERED,
    }
)


class UnknownPacingMode(CampaignError):
    """The pacing mode is not one this engine offers; use one of PacingMode's values."""


@dataclass(frozen=True, slots=True)
class PacingState:
    """What the pacer may see at `now` (seconds on the campaign clock).

    ready_reps: ready and not reserved; talking_ages / wrapping_ages: seconds each busy rep
    has spent in its current state; ringing_ages: seconds since dial of each call not yet
    answered; screening_ages: seconds since answer of each answered call awaiting its AMD
    verdict; waiting_persons: persons answered and waiting for a rep; local_hour: the hour
    of day (0-23) on the campaign's clock, for the estimators kept by hour (None: decide
    with the all-hours estimates, as the simulation does).
    """

    now: float
    logged_in_reps: int
    ready_reps: int
    paused_reps: int = 0
    talking_ages: tuple[float, ...] = ()
    wrapping_ages: tuple[float, ...] = ()
    ringing_ages: tuple[float, ...] = ()
    screening_ages: tuple[float, ...] = ()
    waiting_persons: int = 0
    launched_last_second: int = 0
    # seconds since each recent launch: a rate below one call per second is counted over
    # more than the last second (cps_window)
    launch_ages: tuple[float, ...] = ()
    seconds_to_shift_end: float | None = None
    local_hour: int | None = None

    @property
    def calls_in_flight(self) -> int:
        """Calls placed that have not yet reached a rep or ended."""
        return len(self.ringing_ages) + len(self.screening_ages) + self.waiting_persons

    @property
    def lines_in_use(self) -> int:
        return self.calls_in_flight + len(self.talking_ages)


@dataclass(frozen=True, slots=True)
class PacingLimits:
    """The provider's calls-per-second and concurrent-calls limits and the maximum lines
    per working rep. `max_concurrent_calls` None: the provider sets no such limit."""

    calls_per_second: float = 10.0
    max_lines_per_rep: float = 4.0
    max_concurrent_calls: int | None = None


@dataclass(frozen=True, slots=True)
class PacingDecision:
    launch: int
    mode: PacingMode
    reason: str
    threshold: float | None = None
    risk: float | None = None


def cps_window(calls_per_second: float) -> float:
    """The span the calls-per-second limit is counted over: one second, or the time one
    call takes at a rate below one a second (0.5 CPS: one call in any 2 s)."""
    return max(1.0, 1.0 / calls_per_second)


def cps_room(state: PacingState, limits: PacingLimits) -> int:
    """How many calls the CPS limit lets start now (never rounded up: 0.5 CPS launches
    nothing in the second after a launch, and one call the second after that)."""
    window = cps_window(limits.calls_per_second)
    allowed = math.floor(limits.calls_per_second * window + 1e-9)
    recent = sum(1 for age in state.launch_ages if age < window)
    return allowed - max(state.launched_last_second, recent)


def apply_limits(wanted: int, state: PacingState, limits: PacingLimits) -> int:
    """Cap a wanted number of calls by the provider's CPS and concurrent calls and the
    lines-per-rep maximum."""
    working = state.logged_in_reps - state.paused_reps
    max_lines = math.floor(limits.max_lines_per_rep * working + 1e-9)
    room = min(max_lines - state.lines_in_use, cps_room(state, limits))
    if limits.max_concurrent_calls is not None:
        # the provider queues (Twilio) or refuses calls beyond it: never launch past it
        room = min(room, limits.max_concurrent_calls - state.lines_in_use)
    return max(0, min(wanted, room))


class Pacer:
    """Base pacer: the observation hooks do nothing unless a mode learns from them."""

    mode: PacingMode = PacingMode.PROGRESSIVE
    #: True: decide again after every call event. False: the pacer is consulted on its
    #: engine's periodic tick and when a rep becomes ready; the calls it keeps in flight
    #: absorb the ending of one call, and deciding less often keeps it cheap.
    paces_on_every_event: bool = True

    def __init__(self, limits: PacingLimits = PacingLimits()) -> None:
        self.limits = limits

    def decide(self, state: PacingState) -> PacingDecision:
        raise NotImplementedError

    def observe_launch(self, now: float, count: int) -> None:
        """`count` calls were placed at `now`."""

    def observe_ring(self, age: float, answered: bool, hour: int | None = None) -> None:
        """A dial stopped ringing `age` seconds after it was placed (in local `hour`, when
        the caller keeps estimates by hour)."""

    def observe_screening(self, age: float, person: bool, hour: int | None = None) -> None:
        """An answered call was classified `age` seconds after the answer (0 with AMD off);
        `hour`: the local hour of the answer, when the caller keeps estimates by hour."""

    def observe_talk(self, seconds: float) -> None:
        """A rep finished talking."""

    def observe_wrap(self, seconds: float) -> None:
        """A rep finished wrapping up."""

    def observe_person(self, now: float, abandoned: bool) -> None:
        """A call classified as a person reached a rep, or was abandoned."""

    def observe_machine(self, now: float) -> None:
        """AMD found a machine: where the rule counts AMD false positives (UK), the
        governor adds its estimate to both the abandoned and the answered count."""


def progressive_launch(state: PacingState) -> int:
    """One line per ready rep: never more persons in flight than reps to take them."""
    return state.ready_reps - state.calls_in_flight


class PreviewPacer(Pacer):
    mode = PacingMode.PREVIEW

    def decide(self, state: PacingState) -> PacingDecision:
        return PacingDecision(0, self.mode, "preview: the rep places the call")


class ProgressivePacer(Pacer):
    mode = PacingMode.PROGRESSIVE

    def decide(self, state: PacingState) -> PacingDecision:
        launch = apply_limits(progressive_launch(state), state, self.limits)
        return PacingDecision(launch, self.mode, "one line per ready rep")


class _GovernedPacer(Pacer):
    """A pacer that over-dials only while the abandon governor allows it."""

    def __init__(
        self, limits: PacingLimits = PacingLimits(), governor: AbandonGovernor | None = None
    ) -> None:
        super().__init__(limits)
        self.governor = governor if governor is not None else AbandonGovernor()

    def observe_person(self, now: float, abandoned: bool) -> None:
        self.governor.record(now, abandoned=abandoned)

    def observe_machine(self, now: float) -> None:
        self.governor.record_machine(now)

    def _fallback(self, state: PacingState, reason: str) -> PacingDecision:
        launch = apply_limits(progressive_launch(state), state, self.limits)
        return PacingDecision(launch, self.mode, f"progressive fallback: {reason}")


class PowerPacer(_GovernedPacer):
    """A fixed number of lines per ready rep, falling back to progressive near the cap."""

    mode = PacingMode.POWER

    def __init__(
        self,
        limits: PacingLimits = PacingLimits(),
        governor: AbandonGovernor | None = None,
        *,
        lines_per_rep: float = 1.3,
        answer_probability: float = 0.3,
    ) -> None:
        super().__init__(limits, governor)
        self.lines_per_rep = lines_per_rep
        self.answer_probability = answer_probability
        self._answers = 0
        self._dials = 0

    def observe_launch(self, now: float, count: int) -> None:
        self._dials += count

    def observe_screening(self, age: float, person: bool, hour: int | None = None) -> None:
        self._answers += person

    def decide(self, state: PacingState) -> PacingDecision:
        extra = state.calls_in_flight - state.ready_reps
        p = self._answers / self._dials if self._dials >= 100 else self.answer_probability
        if not self.governor.allows_overdial(state.now, max(extra, 0) + 1, p):
            return self._fallback(state, "abandon budget too small")
        wanted = round(self.lines_per_rep * state.ready_reps) - state.calls_in_flight
        launch = apply_limits(wanted, state, self.limits)
        return PacingDecision(launch, self.mode, f"{self.lines_per_rep} lines per ready rep")


@dataclass(slots=True)
class VicidialSettings:
    dial_level: float = 1.0
    max_level: float = 3.0
    intensity: float = 0.0
    diff_target: float = 0.0
    dropped_percentage: float = 3.0
    shift_end_hours: float = 8.0
    ratio_level: float = 2.0


@dataclass(slots=True)
class _Samples:
    ready: deque[float] = field(default_factory=lambda: deque(maxlen=15))
    waiting: deque[float] = field(default_factory=lambda: deque(maxlen=15))
    logged_in: deque[float] = field(default_factory=lambda: deque(maxlen=15))


class VicidialPacer(Pacer):
    """RATIO and the ADAPT_* methods, re-implemented from their public description.

    Call `decide` at least once a second: it samples the campaign every second and adapts
    the dial level every 15 seconds, as VICIdial's controller does.
    """

    def __init__(
        self,
        mode: PacingMode,
        limits: PacingLimits = PacingLimits(),
        settings: VicidialSettings | None = None,
    ) -> None:
        if mode not in VICIDIAL_MODES:
            raise UnknownPacingMode(f"{mode} is not a VICIdial dial method")
        super().__init__(limits)
        self.mode = mode
        self.settings = settings if settings is not None else VicidialSettings()
        self.level = (
            self.settings.ratio_level if mode is PacingMode.RATIO else self.settings.dial_level
        )
        self._samples = _Samples()
        self._next_sample: float | None = None
        self._next_update: float | None = None
        self._start: float | None = None
        self._dials_today = 0
        self._humans_today = 0
        self._drops_today = 0
        self._recent_dials: deque[float] = deque()
        self._recent_drops: deque[float] = deque()

    def observe_launch(self, now: float, count: int) -> None:
        self._dials_today += count
        self._recent_dials.extend([now] * count)

    def observe_person(self, now: float, abandoned: bool) -> None:
        self._humans_today += 1
        if abandoned:
            self._drops_today += 1
            self._recent_drops.append(now)

    def _adapt(self, now: float) -> None:
        settings = self.settings
        samples = self._samples
        mean_ready = sum(samples.ready) / len(samples.ready)
        mean_waiting = sum(samples.waiting) / len(samples.waiting)
        mean_logged_in = sum(samples.logged_in) / len(samples.logged_in)
        diff = mean_ready - mean_waiting + settings.diff_target
        pct = 100.0 * diff / mean_logged_in if diff and mean_logged_in else 0.0
        k = settings.intensity / 100.0
        pct = pct * abs(k - 1.0) if pct < 0 else pct * (k + 1.0)
        level = min(max(round(self.level * (1.0 + pct / 100.0), 3), 1.0), settings.max_level)
        # Brakes.
        while self._recent_dials and self._recent_dials[0] <= now - 60.0:
            self._recent_dials.popleft()
        while self._recent_drops and self._recent_drops[0] <= now - 60.0:
            self._recent_drops.popleft()
        calls_last_minute = len(self._recent_dials)
        if calls_last_minute > 20 and len(self._recent_drops) > 0.5 * calls_last_minute:
            level /= 2.0
        if (
            self._dials_today > 50
            and self._humans_today
            and 100.0 * self._drops_today / self._humans_today > settings.dropped_percentage
        ):
            if self.mode is PacingMode.ADAPT_HARD_LIMIT:
                level = 1.0
            elif self.mode is PacingMode.ADAPT_AVERAGE:
                level = self.level / 2.0
            else:
                assert self._start is not None
                hours_left = max(0.0, settings.shift_end_hours - (now - self._start) / 3600.0)
                level *= min(1.0, hours_left / 10.0)
        self.level = max(1.0, level)

    def decide(self, state: PacingState) -> PacingDecision:
        now = state.now
        if self._start is None:
            self._start = now
            self._next_sample = now
            self._next_update = now + 15.0
        if self.mode is not PacingMode.RATIO:
            assert self._next_sample is not None and self._next_update is not None
            while self._next_sample <= now:
                self._samples.ready.append(float(state.ready_reps))
                self._samples.waiting.append(float(state.waiting_persons))
                self._samples.logged_in.append(float(state.logged_in_reps))
                self._next_sample += 1.0
            while self._next_update <= now:
                self._adapt(now)
                self._next_update += 15.0
        # Agents not paused minus those whose customer hung up (wrapping up).
        agents = state.ready_reps + len(state.talking_ages)
        goal = round(self.level * agents)
        in_progress = state.calls_in_flight + len(state.talking_ages)
        launch = apply_limits(goal - in_progress, state, self.limits)
        return PacingDecision(launch, self.mode, f"dial level {self.level:.3f}")


class PredictivePacer(_GovernedPacer):
    """Our predictive mode: launch each extra call only while its abandon risk is <= q*.

    For a new call, the horizon tau is when it would typically need a rep (ring time to an
    answer, plus the AMD verdict). Supply over tau: free reps now, plus each busy rep's
    probability of being free by then given its time in state (learned talk and wrap
    distributions). Demand over tau: each ringing or screening call's probability of being a
    person needing a rep by then given its age, plus earlier new calls. The risk of the next
    call is P(demand of the others >= supply), by a normal approximation. q* comes from the
    abandon governor. Until the estimators have data, and whenever the governor refuses,
    the pacer is progressive.
    """

    mode = PacingMode.PREDICTIVE
    paces_on_every_event = False

    def __init__(
        self,
        limits: PacingLimits = PacingLimits(),
        governor: AbandonGovernor | None = None,
        *,
        connect_threshold_seconds: float = 2.0,
        warmup_dials: int = 150,
        warmup_persons: int = 20,
        quantiles: tuple[float, ...] = (0.2, 0.5, 0.8),
    ) -> None:
        super().__init__(limits, governor)
        self.quantiles = quantiles
        self._horizon_key: tuple[object, int, object, int] | None = None
        self._horizon_cache: tuple[tuple[tuple[float, float], ...], float, float] | None = None
        self.ring = RingModel()
        self.screening = ScreeningModel()
        self.handle = HandleTimeModel()
        self.connect_threshold = connect_threshold_seconds
        self.warmup_dials = warmup_dials
        self.warmup_persons = warmup_persons
        self._persons = 0
        self.tables = PolicyTables(alpha=self.governor.rule.target)

    # -- learning ---------------------------------------------------------------------------
    def observe_ring(self, age: float, answered: bool, hour: int | None = None) -> None:
        self.ring.observe(age, answered, hour)

    def observe_screening(self, age: float, person: bool, hour: int | None = None) -> None:
        self.screening.observe(age, person, hour)
        self._persons += person

    def observe_talk(self, seconds: float) -> None:
        self.handle.observe_talk(seconds)

    def observe_wrap(self, seconds: float) -> None:
        self.handle.observe_wrap(seconds)

    # -- deciding ---------------------------------------------------------------------------
    def horizons(self) -> tuple[tuple[tuple[float, float], ...], float, float]:
        """((tau, new call's P(person need within tau)) per configured quantile of the time
        a new call takes to need a rep, among calls answered; the mean AMD screening delay;
        P(person | answered)). Cached until the estimators' tables are rebuilt."""
        ring = self.ring
        screening = self.screening
        # the histograms themselves are in the key: selecting another hour switches them
        key = (
            ring.histogram,
            ring.histogram.version,
            screening.histogram,
            screening.histogram.version,
        )
        if self._horizon_key == key and self._horizon_cache is not None:
            return self._horizon_cache
        screening_delay = screening.mean_delay()
        person = screening.person_probability()
        answered = ring.answer_probability()
        if answered <= 0:
            taus = [15.0 + screening_delay]
        else:
            prefix = ring.histogram.prefixes()[RingModel.ANSWERED]
            width = ring.histogram.bin_width
            taus = [
                (bisect_left(prefix, answered * quantile) + 0.5) * width + screening_delay
                for quantile in self.quantiles
            ]
        pairs = tuple(
            (tau, ring.answer_within(0.0, max(0.0, tau - screening_delay)) * person) for tau in taus
        )
        self._horizon_key = key
        self._horizon_cache = (pairs, screening_delay, person)
        return self._horizon_cache

    def risk_profiles(self, state: PacingState) -> list[RiskProfile]:
        """Others' demand minus supply over each horizon, for the call being decided."""
        pairs, screening_delay, person_given_answer = self.horizons()
        ring = self.ring
        screening = self.screening
        handle = self.handle
        ringing = ring.histogram.bin_indices(state.ringing_ages)
        screened = screening.histogram.bin_indices(state.screening_ages)
        talking = handle.talk.bin_indices(state.talking_ages)
        wrapping = handle.wrap.bin_indices(state.wrapping_ages)
        mean_wrap = handle.mean_wrap()
        profiles = []
        for tau, new_call in pairs:
            ring_window = max(0.0, tau - screening_delay)
            ringing_mean, ringing_var = ring.answer_sums(ringing, ring_window, person_given_answer)
            screening_mean, screening_var = screening.person_sums(screened, tau)
            supply_window = tau + self.connect_threshold
            talk_mean, talk_var = handle.talk_sums(talking, supply_window - mean_wrap)
            wrap_mean, wrap_var = handle.wrap_sums(wrapping, supply_window)
            profiles.append(
                RiskProfile(
                    mean=ringing_mean + screening_mean - talk_mean - wrap_mean,
                    variance=ringing_var + screening_var + talk_var + wrap_var,
                    new_call=new_call,
                )
            )
        return profiles

    def learned_model(self, state: PacingState) -> tuple[int, float, float]:
        """(working reps, P(person) per dial, mean time to resolve a dial / mean busy time):
        the Markov model's parameters as learned so far."""
        agents = state.logged_in_reps - state.paused_reps
        answered = self.ring.answer_probability()
        person = answered * self.screening.person_probability()
        resolve = self.ring.histogram.mean_age() + answered * self.screening.mean_delay()
        busy = self.handle.mean_talk() + self.handle.mean_wrap()
        return agents, person, resolve / busy if busy > 0 else 0.0

    def cmdp_launch(self, state: PacingState, penalty: float) -> int | None:
        """Calls to launch by the CMDP policy of the learned model at `penalty` (None: the
        model is too large to tabulate)."""
        agents, person, ratio = self.learned_model(state)
        if not self.tables.tractable(agents, person, ratio):
            return None
        busy = len(state.talking_ages) + len(state.wrapping_ages) + state.waiting_persons
        in_flight = len(state.ringing_ages) + len(state.screening_ages)
        target = self.tables.target(state.now, agents, person, ratio, penalty, busy, in_flight)
        return target - in_flight

    def decide(self, state: PacingState) -> PacingDecision:
        progressive = progressive_launch(state)
        if self.ring.observations < self.warmup_dials or self._persons < self.warmup_persons:
            launch = apply_limits(progressive, state, self.limits)
            return PacingDecision(launch, self.mode, "warming up: progressive until data")
        cap = apply_limits(10**6, state, self.limits)
        if cap <= 0:
            return PacingDecision(0, self.mode, "at the line or CPS limit")
        if state.local_hour is not None:
            self.ring.select(state.local_hour)
            self.screening.select(state.local_hour)
        q = self.governor.threshold(state.now)
        # the CMDP policy's abandon penalty: 1 / q*, raised smoothly as the budget left
        # under the cap (with the answers ahead at the target rate) runs low
        budget = self.governor.cap_budget(state.now, seconds_left=state.seconds_to_shift_end)
        caution = caution_factor(budget)
        wanted = self.cmdp_launch(state, penalty_for(q, self.governor.rule.target) * caution)
        if wanted is not None:
            if budget < FLOOR_BUDGET or self.governor.rate(state.now) > self.governor.rule.cap:
                return self._fallback(state, "no abandon left under the cap")
            q /= caution
        profiles = self.risk_profiles(state)
        free = state.ready_reps - state.waiting_persons
        weight = 1.0 / len(profiles)
        launch = 0
        risk = 0.0
        while launch < cap:
            risk = 0.0
            for profile in profiles:
                risk += weight * upper_tail(free, profile.mean, profile.variance)
            # launch while either rule wants the call: the CMDP policy of the learned
            # Markov model, or the risk threshold (which reads the time in state)
            if launch >= progressive and risk > q and (wanted is None or launch >= wanted):
                break
            for profile in profiles:
                profile.add_new_call()
            launch += 1
        if wanted is not None:
            return PacingDecision(
                launch, self.mode, "CMDP policy and risk threshold", threshold=q, risk=risk
            )
        if launch > max(progressive, 0):
            persons = profiles[len(profiles) // 2].new_call
            at_risk = state.calls_in_flight + launch - max(state.ready_reps, 0)
            if not self.governor.allows_overdial(
                state.now, at_risk * persons, risk, seconds_left=state.seconds_to_shift_end
            ):
                return self._fallback(state, "projected abandon rate too close to the cap")
        return PacingDecision(launch, self.mode, "risk threshold", threshold=q, risk=risk)


def make_pacer(
    mode: PacingMode | str,
    *,
    limits: PacingLimits = PacingLimits(),
    rule: AbandonRule = DEFAULT_RULE,
    connect_threshold_seconds: float = 2.0,
    vicidial: VicidialSettings | None = None,
    lines_per_rep: float | None = None,
) -> Pacer:
    """The pacer of `mode`. `lines_per_rep` is the campaign's power-mode setting (lines
    launched per ready rep); None keeps PowerPacer's default."""
    try:
        mode = PacingMode(mode)
    except ValueError as exc:
        valid = ", ".join(m.value for m in PacingMode)
        raise UnknownPacingMode(f"unknown pacing mode {mode!r}; use one of {valid}") from exc
    if mode is PacingMode.PREVIEW:
        return PreviewPacer(limits)
    if mode is PacingMode.PROGRESSIVE:
        return ProgressivePacer(limits)
    if mode is PacingMode.POWER:
        if lines_per_rep is None:
            return PowerPacer(limits, AbandonGovernor(rule))
        return PowerPacer(limits, AbandonGovernor(rule), lines_per_rep=lines_per_rep)
    if mode in VICIDIAL_MODES:
        return VicidialPacer(mode, limits, vicidial)
    return PredictivePacer(
        limits,
        AbandonGovernor(rule),
        connect_threshold_seconds=connect_threshold_seconds,
    )
