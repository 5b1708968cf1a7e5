"""The migrations applied to an empty database give the checked-in schema snapshot.

`migrations/schema.sql` is what a reader opens to see the schema; this test keeps it
true. A new migration without a new snapshot fails here: write it with
`PYTHONPATH=. python -m tests.schema_snapshot`.
"""

from __future__ import annotations

import difflib

from tests.schema_snapshot import SNAPSHOT, migrated_schema


async def test_the_migrations_give_the_checked_in_schema(postgres_admin_url: str) -> None:
    built = await migrated_schema(postgres_admin_url)
    expected = SNAPSHOT.read_text(encoding="utf-8")
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            built.splitlines(keepends=True),
            "migrations/schema.sql",
            "the migrations applied",
            n=1,
        )
    )
    assert built == expected, f"the schema snapshot is stale:\n{diff[:4000]}"


async def test_the_snapshot_names_every_table_the_migrations_create(postgres_admin_url) -> None:
    snapshot = SNAPSHOT.read_text(encoding="utf-8")
    for table in ("call_attempts", "campaign_numbers", "revenue_ledger", "audit_log", "leads"):
        assert f"CREATE TABLE public.{table} (" in snapshot
