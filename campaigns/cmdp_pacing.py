"""Launch targets from the constrained MDP of pacing, for the parameters a pacer has learned.

`PolicyTables.target` answers: with b reps busy and c calls in flight, how many calls should
be in flight after this decision? It solves the Markov model of `markov_policy` for the
learned team size, person answer probability and ring/busy ratio at a Lagrange multiplier on
abandons (`penalty`, steered by the abandon governor: the more budget, the lower), and keeps
every solved table: a key moves only when a learned parameter leaves its bucket by more than
`hysteresis`, and penalties are taken on a geometric ladder, so a shift solves a handful of
tables (each new one warm-started from its neighbour on the ladder). The governor's
feedback moving between two neighbouring penalties time-shares their policies, which is how
the CMDP optimum randomises between two launch thresholds; no random draw is needed.

Pure: no clock, no I/O; deterministic for the same observations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from campaigns.markov_policy import (
    IntArray,
    MarkovModel,
    PolicyResult,
    default_max_in_flight,
    solve_lagrangian,
)

# Larger models (teams of ~100 at low answer rates) take seconds per table: the pacer then
# keeps its risk rule, which is within 3% of the optimum for large teams.
MAX_STATES = 12_000
# at most one new table per this many seconds of campaign time once one exists (the
# nearest solved one serves meanwhile): bounds the solving a shift costs
SOLVE_SPACING_SECONDS = 900.0
PARAMETER_STEP = 0.05  # buckets of 5% (log scale) for p and the ring/busy ratio
PENALTY_STEP = 0.3  # the penalty ladder: factors of e^0.3
WARM_ITERATIONS = 4  # policy-iteration steps from a neighbouring rung's policy


# The abandon penalty (per rep, see markov_policy) is PENALTY_AT_START at the governor's
# starting q* (START_THRESHOLD_FACTOR x target) and moves as 1 / q*.
PENALTY_AT_START = 1.0
START_THRESHOLD_FACTOR = 2.0
# Below CAUTION_BUDGET abandons of budget under the cap (AbandonGovernor.cap_budget) the
# penalty grows by e^CAUTION_SLOPE per abandon short; under FLOOR_BUDGET, or while the
# measured rate is over the cap, the pacer is progressive.
CAUTION_BUDGET = 3.0
CAUTION_SLOPE = 2.0
FLOOR_BUDGET = 1.0


def penalty_for(threshold: float, target: float) -> float:
    """The abandon penalty the governor's risk threshold q* stands for."""
    return PENALTY_AT_START * START_THRESHOLD_FACTOR * target / threshold


def caution_factor(budget: float) -> float:
    """How much to raise the penalty with `budget` abandons left under the cap."""
    return math.exp(CAUTION_SLOPE * max(0.0, CAUTION_BUDGET - budget))


def _bucket(value: float, step: float) -> int:
    return round(math.log(value) / step)


@dataclass(frozen=True, slots=True)
class _ModelKey:
    agents: int
    person_bucket: int
    ratio_bucket: int


@dataclass(slots=True)
class PolicyTables:
    alpha: float
    max_states: int = MAX_STATES
    hysteresis: float = 3.0  # in buckets: a key moves when the estimate is this far off
    _models: dict[_ModelKey, MarkovModel] = field(default_factory=dict)
    _tables: dict[tuple[_ModelKey, int], IntArray] = field(default_factory=dict)
    _policies: dict[tuple[_ModelKey, int], PolicyResult] = field(default_factory=dict)
    _key: _ModelKey | None = None
    _last: tuple[_ModelKey, int] | None = None
    _last_solve: float | None = None
    solves: int = 0

    def tractable(self, agents: int, person_probability: float, ring_over_busy: float) -> bool:
        if agents < 1 or person_probability <= 0.0 or ring_over_busy <= 0.0:
            return False
        size = (agents + 1) * (
            default_max_in_flight(agents, person_probability, ring_over_busy) + 1
        )
        return size <= self.max_states

    def _model_key(
        self, agents: int, person_probability: float, ring_over_busy: float
    ) -> _ModelKey:
        key = self._key
        p = math.log(person_probability) / PARAMETER_STEP
        r = math.log(ring_over_busy) / PARAMETER_STEP
        if (
            key is None
            or key.agents != agents
            or abs(p - key.person_bucket) > self.hysteresis
            or abs(r - key.ratio_bucket) > self.hysteresis
        ):
            key = _ModelKey(agents, round(p), round(r))
            self._key = key
        return key

    def _model(self, key: _ModelKey) -> MarkovModel:
        model = self._models.get(key)
        if model is None:
            model = MarkovModel.build(
                key.agents,
                min(0.95, math.exp(key.person_bucket * PARAMETER_STEP)),
                math.exp(key.ratio_bucket * PARAMETER_STEP),
            )
            self._models[key] = model
        return model

    def table(
        self,
        now: float,
        agents: int,
        person_probability: float,
        ring_over_busy: float,
        penalty: float,
    ) -> tuple[IntArray, int]:
        """T[b, c] for the learned parameters at the rung of the penalty ladder nearest
        `penalty`, and the table's largest c. Within SOLVE_SPACING_SECONDS of the last solve
        the nearest tighter solved rung of the same model serves (or the last table used,
        when tighter); a table tighter than every solved one is solved at once."""
        key = self._model_key(agents, person_probability, ring_over_busy)
        rung = _bucket(max(penalty, 1e-6), PENALTY_STEP)
        table = self._tables.get((key, rung))
        solved = [r for k, r in self._policies if k == key]
        waiting = self._last_solve is not None and now - self._last_solve < SOLVE_SPACING_SECONDS
        if table is None and waiting:
            # never a looser table than asked for: caution must take effect at once
            tighter = [r for r in solved if r > rung]
            if tighter:
                rung = min(tighter)
                table = self._tables[(key, rung)]
            elif self._last is not None and self._last[0].agents == agents and self._last[1] > rung:
                key, rung = self._last
                table = self._tables[self._last]
        model = self._model(key)
        if table is None:
            start = None
            if solved:
                nearest = min(solved, key=lambda r: abs(r - rung))
                start = self._policies[(key, nearest)].policy
            result = solve_lagrangian(
                model,
                math.exp(rung * PENALTY_STEP),
                self.alpha,
                start=start,
                max_iterations=60 if start is None else WARM_ITERATIONS,
            )
            self.solves += 1
            self._last_solve = now
            self._policies[(key, rung)] = result
            table = result.targets(model)
            self._tables[(key, rung)] = table
        self._last = (key, rung)
        return table, model.max_in_flight

    def target(
        self,
        now: float,
        agents: int,
        person_probability: float,
        ring_over_busy: float,
        penalty: float,
        busy: int,
        in_flight: int,
    ) -> int:
        """The calls in flight the policy wants after deciding, with `busy` reps busy and
        `in_flight` calls placed (never fewer than `in_flight`)."""
        table, cmax = self.table(now, agents, person_probability, ring_over_busy, penalty)
        b = min(max(busy, 0), agents)
        c = min(max(in_flight, 0), cmax)
        return max(in_flight, int(table[b, c]) + (in_flight - c))
