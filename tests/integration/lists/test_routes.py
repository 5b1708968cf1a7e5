"""The list upload API: upload, poll the job, download the rejects."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import asyncpg
from aiohttp.test_utils import TestClient

from dialer.http import Role
from tests.helpers import headers_for
from tests.integration.lists.test_importer import sample_rows
from tests.unit.lists.factories import CN_HEADER, csv_text


def upload(name: str, data: bytes, **fields: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("name", name)
    for key, value in fields.items():
        form.add_field(key, value)
    form.add_field("file", data, filename="weekly.csv", content_type="text/csv")
    return form


async def wait_for(client: TestClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    for _ in range(400):
        response = await client.get(url, headers=headers)
        assert response.status == 200
        job: dict[str, Any] = await response.json()
        if job["status"] not in ("queued", "running"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError("the import job did not finish")


async def test_upload_poll_and_download_rejects(client: TestClient, pool: asyncpg.Pool) -> None:
    headers = await headers_for(pool, Role.CAMPAIGN_MANAGER)
    data = csv_text(CN_HEADER, sample_rows()).encode("gb18030")
    response = await client.post(
        "/api/v1/lists/imports", data=upload("weekly", data), headers=headers
    )
    assert response.status == 202
    started = await response.json()
    job = await wait_for(client, started["status_url"], headers)
    assert job["status"] == "done", job
    assert (job["rows"], job["accepted"], job["merged"], job["rejected"]) == (10, 3, 2, 5)
    assert job["reject_reasons"]["invalid_phone"] == 1

    rejects = await client.get(job["rejects_url"], headers=headers)
    assert rejects.status == 200
    assert rejects.headers["Content-Disposition"].startswith("attachment")
    text = (await rejects.read()).decode("utf-8-sig")
    assert text.splitlines()[1].startswith("7,invalid_phone,")

    again = await client.post("/api/v1/lists/imports", data=upload("weekly", data), headers=headers)
    assert (await wait_for(client, (await again.json())["status_url"], headers))[
        "status"
    ] == "skipped"


async def test_a_bad_file_fails_the_job_with_a_reason(
    client: TestClient, pool: asyncpg.Pool
) -> None:
    headers = await headers_for(pool, Role.CAMPAIGN_MANAGER)
    response = await client.post(
        "/api/v1/lists/imports", data=upload("bad", b"\x00\x01binary\x00" * 10), headers=headers
    )
    job = await wait_for(client, (await response.json())["status_url"], headers)
    assert job["status"] == "failed"
    assert "binary" in job["error"]
    assert await pool.fetchval("SELECT count(*) FROM lists") == 0


async def test_upload_needs_a_campaign_manager_and_a_name(
    client: TestClient, pool: asyncpg.Pool
) -> None:
    rep = await headers_for(pool, Role.TELESALES_REP)
    response = await client.post("/api/v1/lists/imports", data=upload("x", b"a,b\n"), headers=rep)
    assert response.status == 403
    manager = await headers_for(pool, Role.CAMPAIGN_MANAGER)
    response = await client.post(
        "/api/v1/lists/imports", data=upload(" ", b"a,b\n"), headers=manager
    )
    assert response.status == 422
    response = await client.get("/api/v1/lists/imports/999/rejects.csv", headers=manager)
    assert response.status == 404
