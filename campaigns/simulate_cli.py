"""`dialer simulate SCENARIO.json …`: a pacing scenario's shift, or a population's month.

A scenario with a `population` (docs/population.md) runs `days` shifts per dialling order
(`--priority tier|learned|oracle`, repeatable; default all three) and prints, per ordering
and seed, warm leads per rep-hour, contacts per dial, revenue per rep-hour, the share of
the list reached and the abandon rates, with the learned / tier and learned / oracle
ratios. Any other scenario goes to the pacing simulation (campaigns.simulation).
"""

from __future__ import annotations

import argparse
import json
import sys

from campaigns import simulation
from campaigns.month import format_population_table, run_population
from campaigns.pacing import PacingMode
from campaigns.population import Scenario, ScenarioError
from scoring.priority import Priority


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialer simulate",
        description="Simulate a population scenario's month per dialling order.",
    )
    parser.add_argument("scenario", help="scenario JSON file with a population")
    parser.add_argument(
        "--priority",
        action="append",
        choices=[p.value for p in Priority],
        help="dialling order (repeatable); default: tier, learned and oracle",
    )
    parser.add_argument("--days", type=int, help="override the scenario's number of shifts")
    parser.add_argument(
        "--mode",
        choices=[m.value for m in simulation.SIMULATED_MODES],
        help="pacing mode (default: the scenario's pacing_mode, else power)",
    )
    parser.add_argument("--seeds", nargs="+", help="seeds (space or comma separated)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    path = next((a for a in arguments if not a.startswith("-")), None)
    try:
        scenario = Scenario.from_file(path) if path else None
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if scenario is None or scenario.population is None:
        if any(a.split("=")[0] in ("--priority", "--days") for a in arguments):
            print("error: --priority and --days need a scenario with a population", file=sys.stderr)
            return 2
        return simulation.main(arguments)
    args = _parser().parse_args(arguments)
    if args.days is not None and args.days < 1:
        print("error: --days must be at least 1", file=sys.stderr)
        return 2
    try:
        seeds = simulation.parse_seeds(args.seeds) if args.seeds else list(scenario.seeds)
    except ValueError:
        print("error: --seeds takes integers, e.g. --seeds 1 2 3", file=sys.stderr)
        return 2
    priorities = [Priority(p) for p in args.priority or [p.value for p in Priority]]
    mode = PacingMode(args.mode) if args.mode else None
    report = run_population(scenario, priorities, seeds, days=args.days, mode=mode)
    print(json.dumps(report) if args.json else format_population_table(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
