import asyncio

import asyncpg
import pytest

from dialer import migrations


async def test_all_files_apply_to_an_empty_database_and_a_second_run_is_a_no_op(empty_db_url):
    connection = await asyncpg.connect(empty_db_url)
    try:
        applied = await migrations.migrate(connection)
        assert [m.number for m in applied] == [m.number for m in migrations.discover()]
        assert await migrations.migrate(connection) == []
        statuses = await migrations.status(connection)
        assert all(s.applied and not s.tampered for s in statuses)
        tables = {
            r["tablename"]
            for r in await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname='public'"
            )
        }
        assert {"accounts", "call_attempts", "leads", "revenue_ledger", "audit_log"} <= tables
    finally:
        await connection.close()


async def test_a_tampered_migration_is_refused(empty_db_url, monkeypatch):
    connection = await asyncpg.connect(empty_db_url)
    try:
        await migrations.migrate(connection)
        real = migrations.discover()
        changed = [
            migrations.Migration(real[0].number, real[0].name, real[0].sql + "\n-- edited\n")
        ]
        monkeypatch.setattr(migrations, "discover", lambda package="migrations": changed + real[1:])
        with pytest.raises(migrations.TamperedMigration, match="0001_foundation.sql was changed"):
            await migrations.migrate(connection)
        statuses = await migrations.status(connection)
        assert statuses[0].tampered
    finally:
        await connection.close()


async def test_concurrent_starts_apply_each_file_once(empty_db_url):
    connections = [await asyncpg.connect(empty_db_url) for _ in range(4)]
    try:
        results = await asyncio.gather(*(migrations.migrate(c) for c in connections))
        applied_counts = sorted(len(r) for r in results)
        total = len(migrations.discover())
        # exactly one process applied everything, the others found nothing to do
        assert applied_counts == [0, 0, 0, total]
        rows = await connections[0].fetch("SELECT number FROM schema_migrations ORDER BY number")
        assert [r["number"] for r in rows] == [m.number for m in migrations.discover()]
    finally:
        for c in connections:
            await c.close()


async def test_audit_log_is_append_only(pool):
    await pool.execute("INSERT INTO audit_log (at, kind) VALUES (now(), 'test')")
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await pool.execute("UPDATE audit_log SET kind = 'changed'")
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await pool.execute("DELETE FROM audit_log")
    assert await pool.fetchval("SELECT kind FROM audit_log") == "test"
