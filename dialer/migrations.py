"""Numbered raw-SQL migrations from the `migrations` package, applied in order.

Each file runs in its own transaction under a session advisory lock, so two processes
starting at once apply each file exactly once. Applied files are recorded with a SHA-256
checksum; a file changed after it was applied is refused.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

import asyncpg
import structlog

log = structlog.get_logger(__name__)

# an arbitrary constant: "dialer migrations"
ADVISORY_LOCK_KEY = 0x6469616C6572
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(Exception):
    """The database schema cannot be brought up to date."""


class TamperedMigration(MigrationError):
    """A migration that was already applied has changed on disk; restore the original file."""


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def file_name(self) -> str:
        return f"{self.number:04d}_{self.name}.sql"


@dataclass(frozen=True)
class MigrationStatus:
    migration: Migration
    applied: bool
    tampered: bool


def discover(package: str = "migrations") -> list[Migration]:
    found: list[Migration] = []
    for entry in resources.files(package).iterdir():
        match = _FILE.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text("utf-8")))
    found.sort(key=lambda m: m.number)
    numbers = [m.number for m in found]
    if len(numbers) != len(set(numbers)):
        raise MigrationError(f"two migration files share a number: {numbers}")
    return found


_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    number     integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""


async def _applied(connection: asyncpg.Connection) -> dict[int, str]:
    rows = await connection.fetch("SELECT number, checksum FROM schema_migrations")
    return {row["number"]: row["checksum"] for row in rows}


async def status(
    connection: asyncpg.Connection, package: str = "migrations"
) -> list[MigrationStatus]:
    await connection.execute(_CREATE_TABLE)
    applied = await _applied(connection)
    return [
        MigrationStatus(
            m, m.number in applied, m.number in applied and applied[m.number] != m.checksum
        )
        for m in discover(package)
    ]


async def migrate(connection: asyncpg.Connection, package: str = "migrations") -> list[Migration]:
    """Apply pending migrations; return those applied by this call."""
    migrations = discover(package)
    await connection.execute("SELECT pg_advisory_lock($1)", ADVISORY_LOCK_KEY)
    try:
        await connection.execute(_CREATE_TABLE)
        applied = await _applied(connection)
        for migration in migrations:
            recorded = applied.get(migration.number)
            if recorded is not None and recorded != migration.checksum:
                raise TamperedMigration(
                    f"migration {migration.file_name} was changed after it was applied "
                    f"(checksum {migration.checksum[:12]} != recorded {recorded[:12]}); "
                    "restore the original file and put the change in a new migration"
                )
        done: list[Migration] = []
        for migration in migrations:
            if migration.number in applied:
                continue
            async with connection.transaction():
                await connection.execute(migration.sql)
                await connection.execute(
                    "INSERT INTO schema_migrations (number, name, checksum) VALUES ($1, $2, $3)",
                    migration.number,
                    migration.name,
                    migration.checksum,
                )
            log.info("migration_applied", migration=migration.file_name)
            done.append(migration)
        return done
    finally:
        await connection.execute("SELECT pg_advisory_unlock($1)", ADVISORY_LOCK_KEY)
