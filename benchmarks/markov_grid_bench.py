"""Predictive pacing against the exact CMDP optimum on the Markov grid.

For every scenario of benchmarks/scenarios/markov-grid (see markov_grid.py), or the files
or directories given, runs `dialer simulate`'s shift for predictive on each of the
scenario's seeds and prints: the optimum, predictive's occupancy (mean over seeds), the
ratio predictive / optimum, the mean and worst abandon rate, and how many seeds ended over
the cap; then the worst ratio and the total of seeds over the cap.

    python benchmarks/markov_grid_bench.py [--mode predictive] [SCENARIO_DIR_OR_FILE ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from campaigns.population import Scenario
from campaigns.simulation import simulate_shift

GRID_DIR = Path(__file__).resolve().parent / "scenarios" / "markov-grid"


def scenario_files(arguments: list[str]) -> list[Path]:
    paths = [Path(a) for a in arguments] if arguments else [GRID_DIR]
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.json")) if path.is_dir() else [path])
    return files


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="predictive")
    parser.add_argument("paths", nargs="*")
    args = parser.parse_args(argv)
    print(
        f"{'scenario':<34}{'optimum':>8}{'occupancy':>10}{'ratio':>7}{'abandon':>9}"
        f"{'max':>8}{'cap':>6}{'over':>5}{'wall s':>8}"
    )
    ratios: list[float] = []
    over_total = 0
    seeds_total = 0
    for path in scenario_files(args.paths):
        scenario = Scenario.from_file(path)
        reference = scenario.reference
        if reference is None or not reference.optimal_occupancy_at_cap:
            continue
        started = time.perf_counter()
        results = [simulate_shift(scenario, args.mode, seed) for seed in scenario.seeds]
        wall = time.perf_counter() - started
        occupancy = statistics.fmean(r.occupancy for r in results)
        ratio = occupancy / reference.optimal_occupancy_at_cap
        over = sum(1 for r in results if r.abandon_rate > scenario.abandon_cap)
        ratios.append(ratio)
        over_total += over
        seeds_total += len(results)
        print(
            f"{scenario.name:<34}{reference.optimal_occupancy_at_cap:>8.4f}{occupancy:>10.4f}"
            f"{ratio:>7.3f}{statistics.fmean(r.abandon_rate for r in results):>9.4f}"
            f"{max(r.abandon_rate for r in results):>8.4f}{scenario.abandon_cap:>6.2f}"
            f"{over:>5}{wall:>8.1f}",
            flush=True,
        )
    if ratios:
        print(
            f"\n{args.mode}: {len(ratios)} scenarios, worst ratio {min(ratios):.3f},"
            f" mean {statistics.fmean(ratios):.3f}, below 0.97: {sum(r < 0.97 for r in ratios)},"
            f" seeds over the cap: {over_total} of {seeds_total}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
