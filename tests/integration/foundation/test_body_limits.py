"""Per-route body limits, enforced before the body is read (issue 17, findings 1 and 3)."""

from __future__ import annotations

import asyncio
import io
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from dialer.app import create_app
from dialer.http import Role
from dialer.limits import FORM_MAX_BYTES, JSON_MAX_BYTES, WEBHOOK_MAX_BYTES
from dialer.lists.uploads import PART_SUFFIX, STALE_PART_SECONDS
from dialer.settings import Settings
from tests.helpers import headers_for

UPLOAD_MAX = 100 * 1024
HUGE = 200 * 1024 * 1024


@pytest.fixture
async def small_uploads(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[TestClient]:
    app = create_app(settings.model_copy(update={"upload_max_bytes": UPLOAD_MAX}), pool=pool)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


def upload_dir(client: TestClient) -> Path:
    from dialer.keys import SETTINGS

    return client.app[SETTINGS].data_dir / "uploads"


async def assert_413(response: aiohttp.ClientResponse) -> None:
    assert response.status == 413, await response.text()
    assert response.content_type == "application/problem+json"
    assert (await response.json())["status"] == 413


async def test_a_sign_in_form_over_a_few_kb_is_refused(client: TestClient) -> None:
    body = b"username=a&password=" + b"x" * FORM_MAX_BYTES
    response = await client.post(
        "/login", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    await assert_413(response)


async def test_a_webhook_over_64_kb_is_refused(client: TestClient) -> None:
    body = b"CallSid=CA1&x=" + b"y" * WEBHOOK_MAX_BYTES
    response = await client.post(
        "/telephony/twilio/status",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    await assert_413(response)


async def test_a_json_body_over_1_mb_is_refused_declared_or_chunked(
    client: TestClient, pool: asyncpg.Pool
) -> None:
    headers = await headers_for(pool, Role.CAMPAIGN_MANAGER)
    big = b'{"name": "' + b"x" * JSON_MAX_BYTES + b'"}'
    response = await client.post(
        "/api/v1/campaigns",
        data=io.BytesIO(big),
        headers={**headers, "Content-Type": "application/json", "Content-Length": str(len(big))},
    )
    await assert_413(response)

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: cut off while read
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    response = await client.post(
        "/api/v1/campaigns", data=chunks(), headers={**headers, "Content-Type": "application/json"}
    )
    await assert_413(response)
    assert await pool.fetchval("SELECT count(*) FROM campaigns") == 0


def _upload(data: bytes, **fields: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("name", fields.pop("name", "weekly"))
    for key, value in fields.items():
        form.add_field(key, value)
    form.add_field("file", data, filename="weekly.csv", content_type="text/csv")
    return form


async def test_an_upload_over_the_configured_maximum_is_refused_and_leaves_no_file(
    small_uploads: TestClient, pool: asyncpg.Pool
) -> None:
    headers = await headers_for(pool, Role.CAMPAIGN_MANAGER)
    # the envelope allowance lets this through the declared length; the stream stops it
    response = await small_uploads.post(
        "/api/v1/lists/imports", data=_upload(b"x" * (UPLOAD_MAX + 1)), headers=headers
    )
    await assert_413(response)
    # declared far beyond the maximum: refused before reading
    response = await small_uploads.post(
        "/api/v1/lists/imports", data=_upload(b"x" * (UPLOAD_MAX * 3)), headers=headers
    )
    await assert_413(response)
    # a non-file field is not read whole either
    response = await small_uploads.post(
        "/api/v1/lists/imports", data=_upload(b"a,b\n", mapping="m" * 20_000), headers=headers
    )
    await assert_413(response)
    assert list(upload_dir(small_uploads).iterdir()) == []
    assert await pool.fetchval("SELECT count(*) FROM import_jobs") == 0


async def _raw_request(
    server: TestServer, head: bytes
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(head)
    await writer.drain()
    return reader, writer


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/login", "application/x-www-form-urlencoded"),
        ("/telephony/twilio/status", "application/x-www-form-urlencoded"),
        ("/api/v1/campaigns", "application/json"),
    ],
)
async def test_a_200_mb_declared_body_is_answered_413_before_it_is_sent(
    client: TestClient, path: str, content_type: str
) -> None:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {HUGE}\r\n\r\n"
    ).encode() + b"a" * 1024
    reader, writer = await _raw_request(client.server, head)
    try:
        # the answer comes with 1 KB of the 200 MB sent: the server did not wait to read it
        answer = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
    finally:
        writer.transport.abort()
    status_line, _, headers = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 413 Request Entity Too Large", answer
    assert b"Content-Type: application/problem+json" in headers
    assert b"Connection: close" in headers


async def test_an_abandoned_upload_leaves_no_partial_file(
    small_uploads: TestClient, pool: asyncpg.Pool
) -> None:
    headers = await headers_for(pool, Role.CAMPAIGN_MANAGER)
    boundary = "b0und"
    part_head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="w.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    head = (
        (
            "POST /api/v1/lists/imports HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: {headers['Authorization']}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {UPLOAD_MAX}\r\n\r\n"
        ).encode()
        + part_head
        + b"x" * 20_000
    )
    reader, writer = await _raw_request(small_uploads.server, head)
    folder = upload_dir(small_uploads)
    deadline = time.monotonic() + 10
    while not any(p.name.endswith(PART_SUFFIX) for p in folder.glob("*")):
        assert time.monotonic() < deadline, "the upload never reached the disk"
        await asyncio.sleep(0.02)
    writer.transport.abort()  # the client goes away mid-file
    deadline = time.monotonic() + 10
    while list(folder.iterdir()):
        assert time.monotonic() < deadline, list(folder.iterdir())
        await asyncio.sleep(0.02)
    assert await pool.fetchval("SELECT count(*) FROM import_jobs") == 0


async def test_stale_partial_uploads_are_swept_at_start(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    folder = settings.data_dir / "uploads"
    folder.mkdir(parents=True)
    stale = folder / ("a" * 32 + ".csv" + PART_SUFFIX)
    live = folder / ("b" * 32 + ".csv" + PART_SUFFIX)
    for path in (stale, live):
        path.write_bytes(b"x")
    old = time.time() - STALE_PART_SECONDS - 60
    os.utime(stale, (old, old))
    async with TestClient(TestServer(create_app(settings, pool=pool))):
        assert not stale.exists()
        assert live.exists()  # another process's upload in progress is left alone
