"""The what-if planner's core: how many reps finish a campaign's list by a deadline, and
how many warm leads it gives, by running the real pacing core in virtual time.

The campaign's learned basis (outcome shares, ring, talk and wrap times, warm leads per
person reached) becomes a `Scenario`; for a candidate number of reps, one simulated hour of
the campaign's pacing mode (`campaigns.simulation`, the same code as `dialer simulate`)
gives the dials and person-answers per hour; the list needs its numbers times the expected
attempts per number (each number is retried until a person or an invalid number ends it,
up to the retry policy's cap). The fewest reps whose hours before the deadline cover those
dials is the answer (a binary search: more reps never dial less). Pure: no clock, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from campaigns.pacing import PacingLimits, PacingMode
from campaigns.population import Scenario
from campaigns.simulation import simulate_shift

#: the simulated stretch per candidate: long enough for the predictive pacer's warm-up
SIMULATED_SECONDS = 3600.0


@dataclass(frozen=True)
class CampaignBasis:
    """What the campaign's recent calls say (or the defaults, where it has too few)."""

    human: float
    machine: float
    busy: float
    no_answer: float
    invalid: float
    ring_seconds: float
    talk_seconds: float
    wrap_seconds: float
    warm_leads_per_person: float
    pacing_mode: str
    lines_per_rep: float
    abandon_cap: float
    max_attempts: int
    learned_from_dials: int

    def scenario(self, reps: int) -> Scenario:
        total = self.human + self.machine + self.busy + self.no_answer + self.invalid
        shares = {
            k: getattr(self, k) / total
            for k in ("human", "machine", "busy", "no_answer", "invalid")
        }
        return Scenario.model_validate(
            {
                "name": "what-if",
                "agents": reps,
                "shift_hours": SIMULATED_SECONDS / 3600.0,
                "seeds": [1],
                "outcomes": shares,
                "ring_seconds": {
                    "dist": "lognormal",
                    "mean": self.ring_seconds,
                    "sd": self.ring_seconds / 2,
                },
                "no_answer_seconds": {"dist": "fixed", "value": 25},
                "busy_seconds": {"dist": "fixed", "value": 4},
                "invalid_seconds": {"dist": "fixed", "value": 2},
                "talk_seconds": {
                    "dist": "lognormal",
                    "mean": self.talk_seconds,
                    "sd": self.talk_seconds * 0.8,
                },
                "wrap_seconds": {
                    "dist": "lognormal",
                    "mean": self.wrap_seconds,
                    "sd": self.wrap_seconds * 0.4,
                },
                "amd": {
                    "mode": "async",
                    "verdict_seconds": {"dist": "lognormal", "mean": 3.0, "sd": 1.0},
                    "false_machine_rate": 0.03,
                    "false_human_rate": 0.08,
                },
                "abandon_cap": self.abandon_cap,
            }
        )

    def expected_attempts(self) -> float:
        """Attempts per number: retried until a person answers or the number is invalid,
        at most `max_attempts` times."""
        total = self.human + self.machine + self.busy + self.no_answer + self.invalid
        ends = (self.human + self.invalid) / total
        if ends <= 0:
            return float(self.max_attempts)
        return (1 - (1 - ends) ** self.max_attempts) / ends


@dataclass(frozen=True)
class HourOfDialing:
    reps: int
    dials: int
    person_answers: int
    abandoned: int
    occupancy: float


@dataclass(frozen=True)
class Forecast:
    reps_needed: int | None  # None: not even max_reps finish by the deadline
    reps_tried: int
    numbers_left: int
    dials_needed: int
    dials_per_hour: int
    hours_available: float
    person_answers: int
    warm_leads: int
    abandon_rate: float
    occupancy: float
    days: list[dict[str, Any]]
    simulated: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def simulate_hour(basis: CampaignBasis, reps: int, seed: int = 1) -> HourOfDialing:
    """One simulated hour of the campaign's pacing with `reps` reps."""
    result = simulate_shift(
        basis.scenario(reps),
        PacingMode(basis.pacing_mode),
        seed,
        shift_seconds=SIMULATED_SECONDS,
        limits=PacingLimits(max_lines_per_rep=basis.lines_per_rep),
        lines_per_rep=basis.lines_per_rep if basis.pacing_mode == "power" else None,
    )
    return HourOfDialing(
        reps=reps,
        dials=result.dials,
        person_answers=result.person_answers,
        abandoned=result.abandoned,
        occupancy=round(result.occupancy, 4),
    )


def forecast(
    basis: CampaignBasis,
    numbers_left: int,
    working_days: list[date],
    hours_per_day: float,
    max_reps: int,
    *,
    seed: int = 1,
) -> Forecast:
    """The fewest reps (up to `max_reps`) that dial the list out on `working_days`."""
    dials_needed = math.ceil(round(numbers_left * basis.expected_attempts(), 6))
    hours = hours_per_day * len(working_days)
    tried: dict[int, HourOfDialing] = {}

    def hour(reps: int) -> HourOfDialing:
        if reps not in tried:
            tried[reps] = simulate_hour(basis, reps, seed)
        return tried[reps]

    def enough(reps: int) -> bool:
        return hour(reps).dials * hours >= dials_needed

    chosen: int | None
    if dials_needed == 0:
        chosen = 1
    elif not enough(max_reps):
        chosen = None
    else:
        low, high = 1, max_reps
        while low < high:
            middle = (low + high) // 2
            if enough(middle):
                high = middle
            else:
                low = middle + 1
        chosen = high
    at = hour(chosen if chosen is not None else max_reps)
    return _forecast(
        basis, chosen, at, numbers_left, dials_needed, working_days, hours_per_day, tried
    )


def _forecast(
    basis: CampaignBasis,
    chosen: int | None,
    at: HourOfDialing,
    numbers_left: int,
    dials_needed: int,
    working_days: list[date],
    hours_per_day: float,
    tried: dict[int, HourOfDialing],
) -> Forecast:
    per_day = at.dials * hours_per_day
    persons_per_dial = at.person_answers / at.dials if at.dials else 0.0
    days: list[dict[str, Any]] = []
    dialled = 0.0
    for day in working_days:
        today = min(per_day, max(0.0, dials_needed - dialled))
        dialled += today
        persons = dialled * persons_per_dial
        days.append(
            {
                "day": day.isoformat(),
                "dials": round(today),
                "dials_total": round(dialled),
                "numbers_left": max(0, round(numbers_left * (1 - dialled / dials_needed)))
                if dials_needed
                else 0,
                "warm_leads_total": round(persons * basis.warm_leads_per_person),
            }
        )
    persons_total = round(min(dialled, dials_needed) * persons_per_dial)
    return Forecast(
        reps_needed=chosen,
        reps_tried=at.reps,
        numbers_left=numbers_left,
        dials_needed=dials_needed,
        dials_per_hour=at.dials,
        hours_available=hours_per_day * len(working_days),
        person_answers=persons_total,
        warm_leads=round(persons_total * basis.warm_leads_per_person),
        abandon_rate=round(at.abandoned / at.person_answers, 4) if at.person_answers else 0.0,
        occupancy=at.occupancy,
        days=days,
        simulated=[asdict(tried[r]) for r in sorted(tried)],
    )
