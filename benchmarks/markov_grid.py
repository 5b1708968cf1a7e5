"""Generate the grid of Markov pacing scenarios, each with its exact CMDP optimum.

Team sizes N = 5 ... 200, person answer rates p = 0.1 ... 0.4, ring and busy times from the
shipped scenarios' ranges (ring 9-15 s, talk + wrap 150-180 s) and abandon caps of 1-5%,
cycled so that every N meets several caps and times. Each scenario's `reference` is the
optimum of the constrained MDP (`campaigns.markov_policy.solve_cmdp`, the Lagrangian policy
iteration of shared/tools/cmdp/lagpi.py) and the progressive occupancy busy / (busy +
ring / p). Written to benchmarks/scenarios/markov-grid/ (checked in; rerun to regenerate):

    python benchmarks/markov_grid.py [--only NAME ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from campaigns.markov_policy import MarkovModel, solve_cmdp

GRID_DIR = Path(__file__).resolve().parent / "scenarios" / "markov-grid"
TEAMS = (5, 8, 10, 15, 20, 30, 50)
ANSWER_RATES = (0.1, 0.2, 0.3, 0.4)
# the large teams: the state space grows as N^2 / p, so one answer rate each
LARGE = ((100, 0.2), (200, 0.3))
CAPS = (0.03, 0.01, 0.05, 0.02)
RINGS = (15.0, 9.0, 12.0)
BUSY = (180.0, 150.0)
SEEDS = (1, 2, 3)


@dataclass(frozen=True, slots=True)
class GridPoint:
    agents: int
    person_rate: float
    ring_seconds: float
    busy_seconds: float
    cap: float

    @property
    def name(self) -> str:
        return (
            f"grid-n{self.agents:03d}-p{round(self.person_rate * 100):02d}"
            f"-c{round(self.cap * 100)}-r{self.ring_seconds:g}-b{self.busy_seconds:g}"
        )


def grid() -> list[GridPoint]:
    pairs = [(n, p) for n in TEAMS for p in ANSWER_RATES] + list(LARGE)
    return [
        GridPoint(n, p, RINGS[i % len(RINGS)], BUSY[i % len(BUSY)], CAPS[(i + i // 4) % len(CAPS)])
        # the cap shifts by one with each team size: every N and every p meets every cap
        for i, (n, p) in enumerate(pairs)
    ]


def scenario(point: GridPoint) -> dict[str, object]:
    model = MarkovModel.build(
        point.agents, point.person_rate, point.ring_seconds / point.busy_seconds
    )
    solution = solve_cmdp(model, point.cap)
    progressive = point.busy_seconds / (point.busy_seconds + point.ring_seconds / point.person_rate)
    return {
        "name": point.name,
        "description": (
            "Markov grid scenario (benchmarks/markov_grid.py): every dial resolves after an"
            f" exponential time (mean {point.ring_seconds:g} s) and is a person with probability"
            f" {point.person_rate:g}; a person who finds no free rep is abandoned; a rep is"
            f" then busy for an exponential time (mean {point.busy_seconds:g} s). Reference:"
            f" the CMDP optimum at the {point.cap:.0%} cap (multiplier {solution.penalty:.4f},"
            f" {solution.weight:.3f} of the time on the looser of two policies; best"
            f" deterministic policy {solution.tight.occupancy:.4f})."
        ),
        "agents": point.agents,
        "shift_hours": 8,
        "seeds": list(SEEDS),
        "outcomes": {
            "human": point.person_rate,
            "machine": 0.0,
            "busy": 0.0,
            "no_answer": round(1.0 - point.person_rate, 10),
            "invalid": 0.0,
        },
        "ring_seconds": {"dist": "exponential", "mean": point.ring_seconds},
        "talk_seconds": {"dist": "exponential", "mean": point.busy_seconds},
        "wrap_seconds": {"dist": "fixed", "value": 0},
        "amd": {"mode": "off"},
        "connect_threshold_seconds": 0,
        "abandon_cap": point.cap,
        "reference": {
            "optimal_occupancy_at_cap": round(solution.occupancy, 4),
            "progressive_occupancy": round(progressive, 4),
        },
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="scenario names to regenerate")
    args = parser.parse_args(argv)
    GRID_DIR.mkdir(parents=True, exist_ok=True)
    for point in grid():
        if args.only and point.name not in args.only:
            continue
        started = time.perf_counter()
        data = scenario(point)
        path = GRID_DIR / f"{point.name}.json"
        path.write_text(json.dumps(data, indent=2) + "\n")
        reference = data["reference"]
        print(f"{point.name:<34} {reference}  {time.perf_counter() - started:6.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
