"""A refused file ends its import job with a clear reason, and the import child works
under memory and CPU limits (issue 17, finding 2)."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import asyncpg
from aiohttp.test_utils import TestClient

from dialer.http import Role
from dialer.lists.import_jobs import (
    ImportJobRequest,
    create_job,
    import_pool,
    job_status,
    run_job,
)
from dialer.lists.importer import ImportOptions
from tests.helpers import headers_for
from tests.integration.lists.test_importer import sample_rows
from tests.integration.lists.test_routes import wait_for
from tests.unit.lists.factories import CN_HEADER, csv_text
from tests.unit.lists.test_bombs import shared_strings_bomb

REPO = Path(__file__).resolve().parents[3]


def _form(name: str, data: bytes, file_name: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("name", name)
    form.add_field(
        "file", io.BytesIO(data), filename=file_name, content_type="application/octet-stream"
    )
    return form


async def test_a_spreadsheet_bomb_ends_its_job_with_the_reason(
    client: TestClient, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    headers = await headers_for(pool, Role.CAMPAIGN_MANAGER)
    bomb = shared_strings_bomb(tmp_path / "strings.xlsx", 3_000_000).read_bytes()
    response = await client.post(
        "/api/v1/lists/imports", data=_form("bomb", bomb, "weekly.xlsx"), headers=headers
    )
    assert response.status == 202
    job = await wait_for(client, (await response.json())["status_url"], headers)
    assert job["status"] == "failed"
    assert "compression bomb" in job["error"]
    assert job["error"].startswith("weekly.xlsx: ")  # the name it was uploaded under
    assert await pool.fetchval("SELECT count(*) FROM list_imports") == 0
    assert await pool.fetchval("SELECT count(*) FROM accounts") == 0


async def test_an_import_beyond_its_memory_fails_with_the_reason_and_changes_nothing(
    pool: asyncpg.Pool, db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "list.csv"
    # rows enough that reading them must grow the process past the allowance, whatever
    # the child already holds free (a small file can fit in memory it has)
    path.write_bytes(csv_text(CN_HEADER, sample_rows() * 5000).encode("gb18030"))
    now = datetime.now(UTC)
    await create_job(pool, "tight", "list.csv", "tight", None, now)
    # an allowance far below what reading a file and talking to PostgreSQL take
    request = ImportJobRequest(
        "tight", db_url, path, ImportOptions(list_name="tight"), now, memory_bytes=1 << 20
    )
    executor = import_pool(1)
    try:
        await run_job(pool, executor, request, lambda: now)
    finally:
        executor.shutdown(wait=True)
    job = await job_status(pool, "tight", now)
    assert job is not None
    assert job["status"] == "failed", job
    assert "DIALER_IMPORT_MAX_MEMORY_MB" in job["error"]
    assert await pool.fetchval("SELECT count(*) FROM accounts") == 0
    assert not path.exists()  # the job's file is removed, as after any job


def test_the_cpu_limit_stops_a_job_and_is_lifted_after_it() -> None:
    script = textwrap.dedent(
        """
        import resource
        from dialer.lists.child_limits import ImportTimeLimit, job_limits

        before = resource.getrlimit(resource.RLIMIT_CPU)
        try:
            with job_limits(memory_bytes=1 << 30, cpu_seconds=1):
                while True:
                    pass
        except ImportTimeLimit:
            print("stopped")
        assert resource.getrlimit(resource.RLIMIT_CPU) == before
        with job_limits(memory_bytes=1 << 30, cpu_seconds=60):
            pass  # the next job gets its own allowance
        print("restored")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    assert done.stdout.split() == ["stopped", "restored"], done.stderr
