"""The called population of a pacing scenario: who answers, after how long, and how long they talk.

A scenario file (see shared/scenarios/README.md) describes one simulated shift. `Scenario`
parses it; `Population` draws each dial's fate from it. Fates are deterministic per
(scenario, seed, number, attempt order), so the carrier simulator and the virtual-time
simulation replay the same shift for the same seed.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from campaigns.errors import CampaignError
from campaigns.people import PopulationSpec, RetrySettings

Outcome = Literal["human", "machine", "busy", "no_answer", "invalid"]
AmdVerdict = Literal["human", "machine"]

OUTCOMES: tuple[Outcome, ...] = ("human", "machine", "busy", "no_answer", "invalid")

# A rep connected to an answering machine (a false "human" verdict) hears it and hangs up
# after a few seconds; there is nothing to wrap up.
MACHINE_RECOGNITION_SECONDS = 4.0


class ScenarioError(CampaignError):
    """The scenario file is not valid: fix the field named in the message."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FixedDistribution(_Strict):
    dist: Literal["fixed"]
    value: float = Field(ge=0)

    @property
    def mean(self) -> float:
        return self.value

    def sample(self, rng: random.Random) -> float:
        return self.value


class ExponentialDistribution(_Strict):
    dist: Literal["exponential"]
    mean: float = Field(gt=0)

    def sample(self, rng: random.Random) -> float:
        return rng.expovariate(1.0 / self.mean)


class LognormalDistribution(_Strict):
    """Mean and sd are those of the duration itself, not of its logarithm."""

    dist: Literal["lognormal"]
    mean: float = Field(gt=0)
    sd: float = Field(ge=0)

    def sample(self, rng: random.Random) -> float:
        sigma2 = math.log1p((self.sd / self.mean) ** 2)
        mu = math.log(self.mean) - sigma2 / 2.0
        return rng.lognormvariate(mu, math.sqrt(sigma2))


class UniformDistribution(_Strict):
    dist: Literal["uniform"]
    min: float = Field(ge=0)
    max: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> UniformDistribution:
        if self.max < self.min:
            raise ValueError("uniform distribution needs min <= max")
        return self

    @property
    def mean(self) -> float:
        return (self.min + self.max) / 2.0

    def sample(self, rng: random.Random) -> float:
        return rng.uniform(self.min, self.max)


Distribution = Annotated[
    FixedDistribution | ExponentialDistribution | LognormalDistribution | UniformDistribution,
    Field(discriminator="dist"),
]


class OutcomeProbabilities(_Strict):
    human: float = Field(ge=0, le=1)
    machine: float = Field(ge=0, le=1)
    busy: float = Field(ge=0, le=1)
    no_answer: float = Field(ge=0, le=1)
    invalid: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _sums_to_one(self) -> OutcomeProbabilities:
        total = self.human + self.machine + self.busy + self.no_answer + self.invalid
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"outcome probabilities must sum to 1, they sum to {total:.6f}")
        return self


class AmdOff(_Strict):
    mode: Literal["off"]


class AmdAsync(_Strict):
    """The call is answered first and classified later, with errors both ways."""

    mode: Literal["async"]
    verdict_seconds: Distribution
    false_machine_rate: float = Field(ge=0, le=1)
    false_human_rate: float = Field(ge=0, le=1)


class Reference(_Strict):
    optimal_occupancy_at_cap: float | None = None
    progressive_occupancy: float | None = None


class Scenario(_Strict):
    name: str
    description: str = ""
    agents: int = Field(gt=0)
    shift_hours: float = Field(gt=0)
    seeds: list[int] = Field(min_length=1)
    shift_start_local: str | None = None
    outcomes: OutcomeProbabilities
    ring_seconds: Distribution
    no_answer_seconds: Distribution | None = None
    busy_seconds: Distribution | None = None
    invalid_seconds: Distribution | None = None
    talk_seconds: Distribution
    wrap_seconds: Distribution
    amd: Annotated[AmdOff | AmdAsync, Field(discriminator="mode")]
    connect_threshold_seconds: float = Field(default=2.0, ge=0)
    answer_rate_by_hour: list[float] | None = None
    abandon_cap: float = Field(default=0.03, gt=0, lt=1)
    reference: Reference | None = None
    # a population of accounts (docs/population.md): the run becomes `days` shifts in a row
    population: PopulationSpec | None = None
    days: int = Field(default=1, ge=1)
    retry: RetrySettings | None = None
    pacing_mode: str | None = None

    @property
    def shift_seconds(self) -> float:
        return self.shift_hours * 3600.0

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ScenarioError(f"cannot read scenario {path}: {exc}") from exc
        try:
            return cls.model_validate(raw)
        except ValueError as exc:
            raise ScenarioError(f"scenario {path} is not valid: {exc}") from exc

    def outcome_probabilities_at(self, shift_offset_seconds: float) -> dict[Outcome, float]:
        """Outcome probabilities in force at this point of the shift.

        `answer_rate_by_hour` multiplies the human and machine probabilities; what is
        gained or lost goes to no-answer (scaled down if the multiplier overflows).
        """
        base = self.outcomes
        human, machine = base.human, base.machine
        if self.answer_rate_by_hour:
            hour = int(max(shift_offset_seconds, 0.0) // 3600.0)
            factor = self.answer_rate_by_hour[min(hour, len(self.answer_rate_by_hour) - 1)]
            human, machine = human * factor, machine * factor
        fixed = base.busy + base.invalid
        if human + machine + fixed > 1.0:
            scale = (1.0 - fixed) / (human + machine)
            human, machine = human * scale, machine * scale
        no_answer = max(0.0, 1.0 - human - machine - fixed)
        return {
            "human": human,
            "machine": machine,
            "busy": base.busy,
            "no_answer": no_answer,
            "invalid": base.invalid,
        }

    def result_seconds_distribution(self, outcome: Outcome) -> Distribution:
        own = {
            "no_answer": self.no_answer_seconds,
            "busy": self.busy_seconds,
            "invalid": self.invalid_seconds,
        }.get(outcome)
        return own if own is not None else self.ring_seconds


@dataclass(frozen=True, slots=True)
class CallFate:
    """What happens to one dial.

    seconds_to_result: dial to answer (human or machine) or to busy / no-answer / invalid.
    talk_seconds, wrap_seconds: what a rep spends if the call is connected to one
    (a machine connected by an AMD error takes MACHINE_RECOGNITION_SECONDS and no wrap).
    amd_verdict: the detector's verdict on an answered call, None when AMD is off or the
    call was not answered; amd_verdict_seconds counts from the answer.
    """

    outcome: Outcome
    seconds_to_result: float
    talk_seconds: float
    wrap_seconds: float
    amd_verdict: AmdVerdict | None
    amd_verdict_seconds: float | None

    @property
    def answered(self) -> bool:
        return self.outcome in ("human", "machine")


class Population:
    """The people behind the numbers of one simulated shift."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.scenario = scenario
        self.seed = seed
        self._attempts: dict[str, int] = {}
        self._rep_rng = random.Random(f"{scenario.name}:{seed}:reps")

    def _rng_for(self, number: str) -> random.Random:
        attempt = self._attempts.get(number, 0)
        self._attempts[number] = attempt + 1
        return random.Random(f"{self.scenario.name}:{self.seed}:{number}:{attempt}")

    def fate(self, number: str, shift_offset_seconds: float) -> CallFate:
        """Draw the fate of the next dial to `number`, placed this far into the shift."""
        scenario = self.scenario
        rng = self._rng_for(number)
        probabilities = scenario.outcome_probabilities_at(shift_offset_seconds)
        draw = rng.random()
        outcome: Outcome = "no_answer"
        cumulative = 0.0
        for candidate in OUTCOMES:
            cumulative += probabilities[candidate]
            if draw < cumulative:
                outcome = candidate
                break
        return fate_for(scenario, outcome, rng)

    def talk_seconds(self) -> float:
        """A talk time for a simulated rep's call, from the scenario's distribution."""
        return self.scenario.talk_seconds.sample(self._rep_rng)

    def wrap_seconds(self) -> float:
        """A wrap-up time for a simulated rep, from the scenario's distribution."""
        return self.scenario.wrap_seconds.sample(self._rep_rng)


def fate_for(scenario: Scenario, outcome: Outcome, rng: random.Random) -> CallFate:
    """The durations and the AMD verdict of a dial whose outcome is drawn: from the
    scenario's distributions, in this order from `rng`."""
    seconds = scenario.result_seconds_distribution(outcome).sample(rng)
    talk = wrap = 0.0
    verdict: AmdVerdict | None = None
    verdict_seconds: float | None = None
    if outcome == "human":
        talk = scenario.talk_seconds.sample(rng)
        wrap = scenario.wrap_seconds.sample(rng)
    elif outcome == "machine":
        talk = MACHINE_RECOGNITION_SECONDS
    if outcome in ("human", "machine") and isinstance(scenario.amd, AmdAsync):
        verdict_seconds = scenario.amd.verdict_seconds.sample(rng)
        error = rng.random()
        if outcome == "human":
            verdict = "machine" if error < scenario.amd.false_machine_rate else "human"
        else:
            verdict = "human" if error < scenario.amd.false_human_rate else "machine"
    return CallFate(
        outcome=outcome,
        seconds_to_result=seconds,
        talk_seconds=talk,
        wrap_seconds=wrap,
        amd_verdict=verdict,
        amd_verdict_seconds=verdict_seconds,
    )
