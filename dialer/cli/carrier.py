"""`dialer sim-carrier`: serve the carrier simulator (Twilio's Calls API) on its own.

`dialer sim-carrier --host H --port P --account-sid SID --auth-token TOKEN [--scenario
FILE] [--seed N] [--speed X] [--account-cps R] [--faults JSON]`: see
`dialer.telephony.carrier_sim`.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from aiohttp import web

from campaigns.population import Scenario
from dialer.logs import configure_logging
from dialer.telephony.carrier_sim import CarrierSimulator, FaultPlan, SimulatorError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialer sim-carrier",
        description="Serve a carrier simulator that speaks Twilio's Calls API.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--account-sid", required=True, help="AC + 32 hex, as Twilio's")
    parser.add_argument("--auth-token", required=True)
    parser.add_argument("--scenario", type=Path, help="scenario JSON (../shared/scenarios)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--speed", type=float, default=1.0, help="time compression factor")
    parser.add_argument(
        "--account-cps", type=float, default=None, help="queue creates above this rate"
    )
    parser.add_argument("--faults", help="fault plan as JSON (see FaultPlan)")
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    return parser


def simulator_from_args(args: argparse.Namespace) -> CarrierSimulator:
    if not re.match(r"^AC[0-9a-fA-F]{32}$", args.account_sid):
        raise SimulatorError("--account-sid must be AC followed by 32 hex digits")
    scenario = Scenario.from_file(args.scenario) if args.scenario else None
    faults = FaultPlan.model_validate_json(args.faults) if args.faults else None
    return CarrierSimulator(
        args.account_sid,
        args.auth_token,
        scenario=scenario,
        seed=args.seed,
        speed=args.speed,
        account_calls_per_second=args.account_cps,
        faults=faults,
    )


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        simulator = simulator_from_args(args)
    except (SimulatorError, ValueError) as exc:
        print(f"dialer sim-carrier: {exc}")
        return 2
    configure_logging("console", args.log_level)
    web.run_app(simulator.app(), host=args.host, port=args.port, print=None)
    return 0
