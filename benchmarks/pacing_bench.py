"""Pacing benchmark: predictive against progressive and VICIdial's adaptive methods.

Runs every scenario (default: ../shared/scenarios, else the copies under tests/) for
progressive, ADAPT_TAPERED, ADAPT_AVERAGE and predictive on the scenario's seeds, and
prints per scenario: occupancy, abandon rate (mean and max over seeds), predictive /
progressive, predictive / best VICIdial method, predictive / the reference optimum (Markov
scenarios) or predictive / the hindsight-tuned bound (the others: benchmarks/hindsight_bound.py,
tuned on the same seeds with the true parameters, held to the cap on every seed); then
the simulation speed of each 50-rep 8-hour shift (speedup = simulated s per wall s).

    python benchmarks/pacing_bench.py [SCENARIO_DIR_OR_FILE ...]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from benchmarks.hindsight_bound import tune
from campaigns.population import Scenario
from campaigns.simulation import simulate_shift

MODES = ("progressive", "ADAPT_TAPERED", "ADAPT_AVERAGE", "predictive")
VICIDIAL = ("ADAPT_TAPERED", "ADAPT_AVERAGE")
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIRS = (ROOT.parent / "shared" / "scenarios", ROOT / "tests/unit/campaigns/scenarios")
SPEEDUP_BAR = 3000.0


def scenario_files(arguments: list[str]) -> list[Path]:
    if arguments:
        paths = [Path(a) for a in arguments]
    else:
        paths = [next(d for d in DEFAULT_DIRS if d.is_dir())]
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.json")) if path.is_dir() else [path])
    return files


def main(argv: list[str]) -> int:
    speeds: list[tuple[str, str, float, float, float]] = []
    print(
        f"{'scenario':<15}{'mode':<15}{'occupancy':>10}{'abandon':>9}{'max':>8}"
        f"{'worst 1h':>9}{'talk/h':>8}"
    )
    summary: list[str] = []
    for path in scenario_files(argv):
        scenario = Scenario.from_file(path)
        occupancy: dict[str, float] = {}
        abandon: dict[str, float] = {}
        for mode in MODES:
            results = []
            for seed in scenario.seeds:
                started = time.perf_counter()
                cpu_started = time.process_time()
                result = simulate_shift(scenario, mode, seed)
                wall = time.perf_counter() - started
                cpu = time.process_time() - cpu_started
                results.append(result)
                if scenario.agents == 50 and scenario.shift_hours == 8:
                    speeds.append((scenario.name, mode, wall, cpu, result.simulated_seconds))
            occupancy[mode] = statistics.fmean(r.occupancy for r in results)
            abandon[mode] = statistics.fmean(r.abandon_rate for r in results)
            print(
                f"{scenario.name:<15}{mode:<15}{occupancy[mode]:>10.4f}{abandon[mode]:>9.4f}"
                f"{max(r.abandon_rate for r in results):>8.4f}"
                f"{max(r.worst_window_abandon_rate for r in results):>9.4f}"
                f"{statistics.fmean(r.talk_minutes_per_agent_hour for r in results):>8.1f}"
            )
        best = max(VICIDIAL, key=lambda mode: occupancy[mode])
        line = (
            f"{scenario.name:<15}predictive/progressive {occupancy['predictive'] / occupancy['progressive']:.3f}"
            f"  predictive/{best} {occupancy['predictive'] / occupancy[best]:.3f}"
            f" (abandon {abandon['predictive']:.4f} vs {abandon[best]:.4f})"
        )
        reference = scenario.reference
        if reference is not None and reference.optimal_occupancy_at_cap:
            line += f"  predictive/optimal {occupancy['predictive'] / reference.optimal_occupancy_at_cap:.3f}"
        if reference is not None and reference.progressive_occupancy:
            line += f"  progressive/reference {occupancy['progressive'] / reference.progressive_occupancy:.4f}"
        if reference is None or not reference.optimal_occupancy_at_cap:
            cpu_started = time.process_time()
            bound, tried = tune(scenario)
            cpu = time.process_time() - cpu_started
            if bound is None:
                line += "  hindsight bound: no feasible candidate"
            else:
                line += (
                    f"  predictive/bound {occupancy['predictive'] / bound.occupancy:.3f}"
                    f" (bound {bound.occupancy:.4f}: ratio {bound.ratio}, horizon"
                    f" {bound.horizon:g} s, abandon max {max(bound.abandon_rates):.4f};"
                    f" {len(tried)} candidates, CPU {cpu:.0f} s)"
                )
        summary.append(line)
    print()
    print("\n".join(summary))
    if speeds:
        print()
        print(
            "50-rep 8-hour shift simulation speed, slowest seed (bar: under 10 s, speedup >= 3000;"
            " wall time depends on what else the machine runs, CPU time does not)"
        )
        for mode in MODES:
            runs = [(wall, cpu, simulated) for _, m, wall, cpu, simulated in speeds if m == mode]
            wall, cpu, simulated = max(runs)
            cpu_max = max(cpu for _, cpu, _ in runs)
            print(
                f"  {mode:<15} wall {wall:6.2f} s  speedup {simulated / wall:8.0f}"
                f" ({simulated / wall / SPEEDUP_BAR:.2f} x bar)   CPU {cpu_max:6.2f} s"
                f"  CPU speedup {simulated / cpu_max:8.0f} ({simulated / cpu_max / SPEEDUP_BAR:.2f} x bar)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
