"""`dialer demo`: the whole service on embedded defaults, end to end.

Starts (or reuses) the embedded PostgreSQL in the data directory, migrates, seeds the
synthetic brokerage when the database is empty, serves the consoles, runs the demo
stages (a simulated campaign, lead handoff, revenue …) and ends with a summary whose
figures are read from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import structlog
from aiohttp import web

from compliance.calendars import cn_working_day
from dialer import db, migrations
from dialer.app import create_app
from dialer.clock import Clock, shifted_clock, system_clock
from dialer.demo_context import DemoContext, DemoStage
from dialer.engine import demo_stage as campaign
from dialer.leads import demo_stage as branches
from dialer.quality import demo_stage as quality
from dialer.scoring import demo_stage as scoring
from dialer.seed import DEMO_PASSWORD, seed
from dialer.settings import Settings

log = structlog.get_logger(__name__)


def _load_stages() -> list[DemoStage]:
    """The stages that run while the demo's server is up, side by side."""
    return [campaign.run, branches.run, quality.run, scoring.run]


async def population_summary(pool: asyncpg.Pool) -> dict[str, Any]:
    row = await pool.fetchrow(
        """
        SELECT (SELECT count(*) FROM branches) AS branches,
               (SELECT count(*) FROM users) AS users,
               (SELECT count(*) FROM users WHERE role = 'telesales_rep') AS reps,
               (SELECT count(*) FROM products) AS products,
               (SELECT count(*) FROM accounts) AS accounts,
               (SELECT count(*) FROM account_phones) AS phones,
               (SELECT count(*) FROM campaigns) AS campaigns
        """
    )
    summary: dict[str, Any] = dict(row)
    segments = await pool.fetch(
        "SELECT segment::text AS segment, count(*) AS n FROM accounts GROUP BY 1 ORDER BY 1"
    )
    summary["accounts_by_segment"] = {r["segment"]: r["n"] for r in segments}
    tiers = await pool.fetch(
        "SELECT tier::text AS tier, count(*) AS n FROM accounts GROUP BY 1 ORDER BY 1"
    )
    summary["accounts_by_tier"] = {r["tier"]: r["n"] for r in tiers}
    return summary


def demo_clock(wall: Clock = system_clock) -> Clock:
    """The machine's clock when it is calling hours in Beijing on a working day; otherwise
    a clock that starts at 10:00 Beijing time on the next working day."""
    beijing = ZoneInfo("Asia/Shanghai")
    local = wall().astimezone(beijing)
    if cn_working_day(local.date()) and time(9, 30) <= local.time() <= time(19, 30):
        return wall
    day = local.date() + timedelta(days=0 if local.time() < time(9, 30) else 1)
    while not cn_working_day(day):
        day += timedelta(days=1)
    return shifted_clock(datetime.combine(day, time(10, 0), beijing), wall)


DEMO_LOGINS = [
    ("campaigns", "campaign manager"),
    ("rep01", "telesales rep"),
    ("leader1", "team leader"),
    ("bm.sh01", "branch manager (SH01)"),
    ("am.sh01.1", "account manager (SH01)"),
    ("qa1", "QA reviewer"),
    ("compliance1", "compliance officer"),
    ("admin", "admin"),
]


async def run_demo(
    settings: Settings,
    *,
    minutes: float | None,
    accounts: int = 20_000,
    quiet: bool = False,
    clock: Clock = system_clock,
) -> dict[str, Any]:
    def say(line: str) -> None:
        if not quiet:
            print(line, flush=True)

    url = await asyncio.to_thread(db.resolve_database_url, settings.database_url, settings.data_dir)
    pool = await db.create_pool(url, min_size=2, max_size=20)
    runner: web.AppRunner | None = None
    try:
        async with pool.acquire() as connection:
            applied = await migrations.migrate(connection)
        if applied:
            say(f"applied {len(applied)} migration(s)")
        if not await pool.fetchval("SELECT count(*) FROM accounts"):
            counts = await seed(pool, accounts=accounts)
            say(f"seeded the synthetic brokerage: {counts.accounts} accounts, {counts.users} users")
        app = create_app(settings, pool=pool, clock=clock, database_url=url)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, settings.host, settings.port)
        await site.start()
        base_url = f"http://{settings.host}:{settings.port}"
        say(f"console: {base_url}/login")
        say(f"demo logins (password '{DEMO_PASSWORD}'):")
        for username, what in DEMO_LOGINS:
            say(f"  {username:12} {what}")
        summary = await population_summary(pool)
        say("loaded: " + ", ".join(f"{k}={v}" for k, v in summary.items() if isinstance(v, int)))

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
        context = DemoContext(settings, pool, base_url, clock, stop, quiet, minutes, say)
        context.extra["app"] = app
        deadline = asyncio.create_task(asyncio.sleep(minutes * 60)) if minutes is not None else None
        if deadline is not None:
            deadline.add_done_callback(lambda _task: stop.set())
        say(
            "running; press Ctrl-C to stop"
            if minutes is None
            else f"running for {minutes:g} minute(s)"
        )
        # stages run side by side until the demo stops, then each returns its figures
        for result in await asyncio.gather(*(stage(context) for stage in _load_stages())):
            summary.update(result)
        await stop.wait()
        if deadline is not None:
            deadline.cancel()
        summary.update(await population_summary(pool))
        summary["status"] = "stopped"
        say("summary: " + ", ".join(f"{k}={v}" for k, v in summary.items()))
        return summary
    finally:
        if runner is not None:
            await runner.cleanup()
        await pool.close()
