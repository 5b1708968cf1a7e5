"""List imports run as jobs in a child process, recorded in the database: any web process
reads a job's progress, and a job whose process died reads as interrupted."""

from __future__ import annotations

import os
from datetime import timedelta

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

from dialer.app import create_app
from dialer.http import Role
from dialer.lists.import_jobs import create_job, job_status
from tests.helpers import headers_for
from tests.integration.lists.test_importer import sample_rows
from tests.integration.lists.test_routes import upload, wait_for
from tests.unit.lists.factories import CN_HEADER, csv_text


async def test_a_job_runs_in_a_child_process_and_any_web_process_reports_it(
    client: TestClient, pool: asyncpg.Pool, settings
) -> None:
    headers = await headers_for(pool, Role.CAMPAIGN_MANAGER)
    data = csv_text(CN_HEADER, sample_rows()).encode("gb18030")
    response = await client.post(
        "/api/v1/lists/imports", data=upload("jobs", data), headers=headers
    )
    assert response.status == 202
    started = await response.json()
    # a second web process on the same database answers for the same job
    async with TestClient(TestServer(create_app(settings, pool=pool))) as other:
        job = await wait_for(other, started["status_url"], headers)
    assert job["status"] == "done", job
    assert job["accepted"] == 3 and job["rows_read"] >= 10
    pid = await pool.fetchval("SELECT pid FROM import_jobs WHERE job_id = $1", job["job_id"])
    assert pid is not None and pid != os.getpid()  # not on this process's event loop


async def test_a_job_whose_process_stopped_reads_as_interrupted(pool: asyncpg.Pool) -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    await create_job(pool, "lost-job", "weekly.csv", "weekly", None, now)
    await pool.execute("UPDATE import_jobs SET status = 'running' WHERE job_id = 'lost-job'")
    alive = await job_status(pool, "lost-job", now + timedelta(seconds=30))
    assert alive is not None and alive["status"] == "running"
    gone = await job_status(pool, "lost-job", now + timedelta(seconds=61))
    assert gone is not None and gone["status"] == "failed"
    assert "interrupted" in gone["error"]
    assert await job_status(pool, "no-such-job", now) is None
