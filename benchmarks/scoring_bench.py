"""Scoring benchmark: the learned ordering against the tier rule and the oracle.

Runs the shipped month scenario (30 reps, 20 weekday shifts, a heterogeneous population:
tests/unit/campaigns/scenarios/brokerage-month-30.json) for the tier, learned and oracle
orderings on the same seeds, and prints per ordering: contacts per dial, warm leads per
rep-hour, revenue per rep-hour, the share of the list reached and the abandon rate (the
month's and the worst day's, against the cap, on every seed); the learned / tier and
learned / oracle ratios of warm leads per rep-hour, with the targets (>= 1.25 and >= 0.9);
the learning curve (the ratios week by week); and the CPU seconds of each month.

    python benchmarks/scoring_bench.py [--seeds 1 2] [--days 20] [SCENARIO.json]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from campaigns.month import MonthResult, simulate_month
from campaigns.population import Scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "tests/unit/campaigns/scenarios/brokerage-month-30.json"
ORDERINGS = ("tier", "learned", "oracle")
TARGET_OVER_TIER = 1.25
TARGET_OVER_ORACLE = 0.9


def _per_hour(result: MonthResult) -> float:
    return result.warm_leads / result.agent_hours


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(SCENARIO))
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--days", type=int)
    args = parser.parse_args(argv)
    scenario = Scenario.from_file(args.scenario)
    runs: dict[str, list[MonthResult]] = {name: [] for name in ORDERINGS}
    cpu: dict[str, list[float]] = {name: [] for name in ORDERINGS}
    for seed in args.seeds:
        for name in ORDERINGS:
            started = time.process_time()
            runs[name].append(simulate_month(scenario, name, seed, days=args.days))
            cpu[name].append(time.process_time() - started)
    first = runs["tier"][0]
    print(
        f"scenario {scenario.name}: {first.agents} reps, {first.days} shifts, "
        f"seeds {args.seeds}, pacing {first.mode}, abandon cap {scenario.abandon_cap}"
    )
    print(
        f"{'ordering':<9}{'contacts/dial':>14}{'leads/rep-h':>12}{'revenue/rep-h':>14}"
        f"{'reached':>9}{'abandon max':>12}{'worst day':>10}{'cpu s/month':>12}"
    )
    for name in ORDERINGS:
        results = runs[name]
        revenue = statistics.fmean(r.revenue_cents / r.agent_hours for r in results) / 100
        print(
            f"{name:<9}{statistics.fmean(r.contacts / r.dials for r in results):>14.4f}"
            f"{statistics.fmean(_per_hour(r) for r in results):>12.3f}{revenue:>14.2f}"
            f"{statistics.fmean(r.share_reached for r in results):>9.3f}"
            f"{max(r.abandon_rate for r in results):>12.4f}"
            f"{max(r.worst_day_abandon_rate for r in results):>10.4f}"
            f"{statistics.fmean(cpu[name]):>12.1f}"
        )
    held = all(
        r.worst_day_abandon_rate <= scenario.abandon_cap
        for results in runs.values()
        for r in results
    )
    learned = statistics.fmean(_per_hour(r) for r in runs["learned"])
    over_tier = learned / statistics.fmean(_per_hour(r) for r in runs["tier"])
    over_oracle = learned / statistics.fmean(_per_hour(r) for r in runs["oracle"])
    print(f"learned / tier   {over_tier:.3f} (target >= {TARGET_OVER_TIER})")
    print(f"learned / oracle {over_oracle:.3f} (target >= {TARGET_OVER_ORACLE})")
    print(f"abandon cap held on every seed and day: {held}")
    print("learning curve (warm leads per rep-hour by week: learned / tier, learned / oracle)")
    for week in range(len(first.weeks)):
        by = {
            name: statistics.fmean(r.weeks[week].warm_leads_per_agent_hour for r in runs[name])
            for name in ORDERINGS
        }
        print(
            f"  week {week + 1}: tier {by['tier']:.3f} learned {by['learned']:.3f} "
            f"oracle {by['oracle']:.3f}  {by['learned'] / by['tier']:.3f}  "
            f"{by['learned'] / by['oracle']:.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
