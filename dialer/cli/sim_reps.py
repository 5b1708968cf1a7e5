"""`dialer sim-reps --campaign ID --reps N [--base-url URL]`: the go-live load test.

Signs in N of the seed's reps (rep01, rep02, ... in user_id order) through the service's
HTTP API and takes the campaign's calls as the demo's simulated reps do
(`dialer.loadtools.sim_reps`), until SIGTERM or SIGINT; then records any open outcome,
logs every rep out of the console, prints a one-line summary and exits 0. Exit 2: the
reps could not start (wrong password, campaign not open to reps, service unreachable).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys

from campaigns.population import LognormalDistribution
from dialer.loadtools.sim_reps import (
    MIN_POLL_SECONDS,
    SimRepsError,
    SimRepsPlan,
    Tally,
    run_sim_reps,
    seed_rep_usernames,
)
from dialer.logs import configure_logging
from dialer.seed import DEMO_PASSWORD
from dialer.settings import SettingsError, load_settings

PASSWORD_ENV = "DIALER_SIM_REPS_PASSWORD"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialer sim-reps",
        description="Simulated reps take a campaign's calls through the service, until SIGTERM.",
    )
    parser.add_argument("--campaign", type=int, required=True, help="the campaign's id")
    parser.add_argument("--reps", type=int, required=True, help="how many of the seed's reps")
    parser.add_argument("--base-url", help="the service (default: DIALER_PUBLIC_BASE_URL)")
    parser.add_argument(
        "--password", help=f"the reps' password (default: ${PASSWORD_ENV}, else the seed's)"
    )
    parser.add_argument(
        "--speed",
        type=float,
        help="wrap-ups run this much faster than life (default: DIALER_SIM_SPEED)",
    )
    parser.add_argument("--wrap-mean", type=float, default=20.0, help="mean wrap-up, seconds")
    parser.add_argument("--wrap-sd", type=float, default=8.0, help="its standard deviation")
    parser.add_argument(
        "--poll-seconds",
        type=float,
        default=MIN_POLL_SECONDS,
        help=f"read the session at least this often (>= {MIN_POLL_SECONDS})",
    )
    parser.add_argument(
        "--drain-seconds",
        type=float,
        default=30.0,
        help="on stop, how long a rep on a call waits for it to end",
    )
    parser.add_argument("--seed", type=int, default=1, help="the outcomes' random seed")
    parser.add_argument(
        "--sign-in-ramp",
        type=float,
        default=0.0,
        help="spread the reps' sign-ins over this many seconds (default: all at once)",
    )
    return parser


async def _run_until_signal(plan: SimRepsPlan) -> Tally:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return await run_sim_reps(plan, stop)


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings.log_format, settings.log_level)
        if args.reps < 1:
            raise SimRepsError("--reps must be at least 1")
        plan = SimRepsPlan(
            base_url=args.base_url or settings.public_base_url,
            campaign_id=args.campaign,
            usernames=seed_rep_usernames(args.reps),
            password=args.password or os.environ.get(PASSWORD_ENV) or DEMO_PASSWORD,
            wrap_seconds=LognormalDistribution(
                dist="lognormal", mean=args.wrap_mean, sd=args.wrap_sd
            ),
            speed=args.speed or settings.sim_speed,
            poll_seconds=args.poll_seconds,
            drain_seconds=args.drain_seconds,
            seed=args.seed,
            sign_in_ramp_seconds=args.sign_in_ramp,
        )
        tally = asyncio.run(_run_until_signal(plan))
    except (SettingsError, SimRepsError, ValueError) as exc:
        print(f"dialer: error: {exc}", file=sys.stderr)
        return 2
    print(tally.summary_line())
    return 0
