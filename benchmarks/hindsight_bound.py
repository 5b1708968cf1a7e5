"""The hindsight-tuned bound: the best policy of a family tuned with the true parameters.

For a scenario outside the Markov model there is no exact optimum; the upper reference is
the best member of a policy family that knows the scenario's true distributions and its
hour-by-hour answer rates, tuned offline on the benchmark's own seeds, in virtual time,
through the same `ShiftSimulation` `dialer simulate` runs. A candidate counts only if it
holds the abandon cap on EVERY seed.

The family (`HindsightPacer`): keep `ratio / m(hour)` calls in flight per predicted free
rep, where m(hour) is the scenario's true answer-rate multiplier and the predicted free
reps are the ready reps less the waiting persons plus each busy rep's true chance
(the conditional CDF of the scenario's talk and wrap-up times, given the time already
spent) of being free within `horizon` seconds. Two parameters: `ratio` and `horizon`.
The search: for each horizon, a bisection over the sorted ratio grid for the largest
feasible ratio (more calls in flight, more occupancy and more abandons), each candidate
stopped at its first seed over the cap, then `refine` halvings of the gap between the
last feasible ratio and the next; `exhaustive=True` runs the whole grid.
"""

from __future__ import annotations

import random
import statistics
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from campaigns.pacing import (
    Pacer,
    PacingDecision,
    PacingLimits,
    PacingMode,
    PacingState,
    apply_limits,
)
from campaigns.population import Distribution, Scenario
from campaigns.simulation import DEFAULT_LIMITS, ShiftSimulation

RATIOS: tuple[float, ...] = tuple(round(1.0 + 0.25 * i, 2) for i in range(17))  # 1.0 .. 5.0
HORIZONS: tuple[float, ...] = (0.0, 8.0, 15.0)
_CDF_SAMPLES = 4000


class _EmpiricalCdf:
    """The CDF of a scenario distribution, from a fixed sample (any `dist` kind)."""

    def __init__(self, distribution: Distribution, seed: int) -> None:
        rng = random.Random(seed)
        self.values = sorted(distribution.sample(rng) for _ in range(_CDF_SAMPLES))

    def __call__(self, x: float) -> float:
        return bisect_right(self.values, x) / _CDF_SAMPLES

    def free_within(self, age: float, horizon: float) -> float:
        """P(ends by age + horizon | has lasted age)."""
        done = self(age)
        if done >= 1.0:
            return 1.0
        return max(0.0, self(age + horizon) - done) / (1.0 - done)


class HindsightPacer(Pacer):
    """`ratio / m(hour)` calls in flight per predicted free rep, with true parameters."""

    mode = PacingMode.PREDICTIVE

    def __init__(
        self,
        scenario: Scenario,
        ratio: float,
        horizon: float,
        limits: PacingLimits = DEFAULT_LIMITS,
    ) -> None:
        super().__init__(limits)
        self.ratio = ratio
        self.horizon = horizon
        self.by_hour = scenario.answer_rate_by_hour or [1.0]
        self.talk = _EmpiricalCdf(scenario.talk_seconds, 1)
        self.wrap = _EmpiricalCdf(scenario.wrap_seconds, 2)
        self.mean_wrap = statistics.fmean(self.wrap.values)

    def decide(self, state: PacingState) -> PacingDecision:
        free = float(state.ready_reps - state.waiting_persons)
        if self.horizon > 0:
            talk_window = self.horizon - self.mean_wrap
            if talk_window > 0:
                free += sum(self.talk.free_within(a, talk_window) for a in state.talking_ages)
            free += sum(self.wrap.free_within(a, self.horizon) for a in state.wrapping_ages)
        hour = min(int(state.now // 3600), len(self.by_hour) - 1)
        target = self.ratio / self.by_hour[hour] * max(0.0, free)
        wanted = round(target) - state.calls_in_flight
        launch = apply_limits(wanted, state, self.limits)
        return PacingDecision(launch, self.mode, "hindsight family")


@dataclass(frozen=True, slots=True)
class Candidate:
    ratio: float
    horizon: float
    occupancy: float  # mean over the seeds run (all of them when feasible)
    abandon_rates: tuple[float, ...]  # per seed run, in order; stops at the first over
    feasible: bool


def evaluate(
    scenario: Scenario,
    ratio: float,
    horizon: float,
    seeds: Sequence[int],
    *,
    shift_seconds: float | None = None,
) -> Candidate:
    """Run the candidate on `seeds` in order, stopping at the first seed over the cap."""
    occupancies: list[float] = []
    rates: list[float] = []
    for seed in seeds:
        pacer = HindsightPacer(scenario, ratio, horizon)
        result = ShiftSimulation(
            scenario, PacingMode.PREDICTIVE, seed, shift_seconds=shift_seconds, pacer=pacer
        ).run()
        occupancies.append(result.occupancy)
        rates.append(result.abandon_rate)
        if result.abandon_rate > scenario.abandon_cap:
            break
    feasible = len(rates) == len(seeds) and all(r <= scenario.abandon_cap for r in rates)
    return Candidate(ratio, horizon, statistics.fmean(occupancies), tuple(rates), feasible)


def tune(
    scenario: Scenario,
    seeds: Sequence[int] | None = None,
    *,
    ratios: Sequence[float] = RATIOS,
    horizons: Sequence[float] = HORIZONS,
    exhaustive: bool = False,
    refine: int = 2,
    shift_seconds: float | None = None,
) -> tuple[Candidate | None, list[Candidate]]:
    """The best feasible candidate (None: none is) and every candidate evaluated."""
    seeds = list(seeds if seeds is not None else scenario.seeds)
    ordered = sorted(ratios)
    tried: list[Candidate] = []

    def run(ratio: float, horizon: float) -> Candidate:
        candidate = evaluate(scenario, ratio, horizon, seeds, shift_seconds=shift_seconds)
        tried.append(candidate)
        return candidate

    for horizon in horizons:
        if exhaustive:
            for ratio in ordered:
                run(ratio, horizon)
            continue
        low, high = 0, len(ordered) - 1  # find the last feasible index
        if not run(ordered[low], horizon).feasible:
            continue
        if run(ordered[high], horizon).feasible:
            continue
        while high - low > 1:
            middle = (low + high) // 2
            if run(ordered[middle], horizon).feasible:
                low = middle
            else:
                high = middle
        feasible_ratio, infeasible_ratio = ordered[low], ordered[high]
        for _ in range(refine):  # halve the gap between the grid's last feasible and next
            ratio = round((feasible_ratio + infeasible_ratio) / 2, 4)
            if run(ratio, horizon).feasible:
                feasible_ratio = ratio
            else:
                infeasible_ratio = ratio
    feasible = [c for c in tried if c.feasible]
    best = max(feasible, key=lambda c: c.occupancy) if feasible else None
    return best, tried
