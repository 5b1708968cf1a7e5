"""Bad input gets a 4xx problem, never a 500 or a 503 (issue 17, findings 9 and 10)."""

from __future__ import annotations

import json

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from dialer.app import request_context
from dialer.http import Role
from tests.helpers import headers_for
from tests.integration.console.world import build_world

CAMPAIGN = {"name": "Lapsed Q4", "purpose": "marketing", "target_segments": ["lapsed"]}


async def _problem(response, status: int) -> dict:
    assert response.status == status, await response.text()
    assert response.content_type == "application/problem+json"
    body: dict = await response.json()
    return body


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/accounts/99999999999999999999999",
        "/api/v1/accounts/9223372036854775808",
        "/api/v1/campaigns/18446744073709551616",
        "/api/v1/accounts/%D9%A1%D9%A2",  # Arabic-Indic digits: int() takes them, we do not
        "/api/v1/accounts/-1",
    ],
)
async def test_an_id_beyond_its_column_is_not_found(client, pool, path: str) -> None:
    headers = await headers_for(pool, Role.ADMIN)
    await _problem(await client.get(path, headers=headers), 404)


async def test_an_integer_beyond_64_bits_in_a_body_is_refused(client, pool) -> None:
    world = await build_world(pool)
    response = await client.post(
        "/api/v1/console/session", json={"campaign_id": 2**70}, headers=world.rep_headers
    )
    body = await _problem(response, 422)
    assert body["errors"][0]["field"] == "campaign_id"


async def test_nul_and_control_characters_are_refused(client, pool) -> None:
    headers = await headers_for(pool, Role.CAMPAIGN_MANAGER)
    for name in ("Lapsed\x00Q4", "Lapsed\x1bQ4"):
        response = await client.post(
            "/api/v1/campaigns", json={**CAMPAIGN, "name": name}, headers=headers
        )
        body = await _problem(response, 422)
        assert body["errors"] == [{"field": "name", "message": "NUL or control character"}]
    assert await pool.fetchval("SELECT count(*) FROM campaigns") == 0
    # in the URL: the path and the query
    await _problem(await client.get("/api/v1/lists/imports/jobs/ab%00cd", headers=headers), 400)
    await _problem(await client.get("/api/v1/accounts?q=a%00b", headers=headers), 400)
    # tabs and line breaks are text, not control
    response = await client.post(
        "/api/v1/campaigns", json={**CAMPAIGN, "script": "line one\nline\ttwo"}, headers=headers
    )
    assert response.status == 201, await response.text()


@pytest.mark.parametrize("depth", [40, 200_000])
async def test_deeply_nested_json_is_refused(client, pool, depth: int) -> None:
    headers = await headers_for(pool, Role.CAMPAIGN_MANAGER)
    nested = '{"name": "x", "purpose": "marketing", "extra": ' + "[" * depth + "]" * depth + "}"
    response = await client.post(
        "/api/v1/campaigns",
        data=nested,
        headers={**headers, "Content-Type": "application/json"},
    )
    body = await _problem(response, 400)
    assert "nests deeper" in body["detail"]


async def test_a_time_zone_that_is_a_folder_is_a_bad_request_not_an_outage(client, pool) -> None:
    headers = await headers_for(pool, Role.ADMIN)
    response = await client.post(
        "/api/v1/conversions", json={"rows": [], "time_zone": "America"}, headers=headers
    )
    body = await _problem(response, 422)
    assert "America" in body["detail"]


async def test_a_client_that_goes_away_is_not_a_database_error() -> None:
    async def streaming(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        assert request.transport is not None
        request.transport.close()  # what a client that hung up leaves us with
        await response.write(b"x" * 1024)  # aiohttp: "Cannot write to closing transport"
        return response

    app = web.Application(middlewares=[request_context])
    app.router.add_get("/stream", streaming)
    with capture_logs() as logs:
        async with TestClient(TestServer(app)) as test_client:
            with pytest.raises(Exception):  # noqa: B017, PT011 - the connection is gone
                await (await test_client.get("/stream")).read()
    events = [entry["event"] for entry in logs]
    assert "client_disconnected" in events
    assert "database_unreachable" not in events


async def test_a_preview_decision_needs_an_account_offered_to_the_rep(
    client: TestClient, pool: asyncpg.Pool
) -> None:
    world = await build_world(pool, pacing_mode="preview")
    headers = world.rep_headers
    login = await client.post(
        "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=headers
    )
    assert login.status == 201
    # an account that does not exist
    await _problem(await client.post("/api/v1/console/preview/987654/skip", headers=headers), 404)
    # an account that exists but was never shown to this rep
    never = world.accounts[2]
    await _problem(await client.post(f"/api/v1/console/preview/{never}/skip", headers=headers), 409)
    assert await pool.fetchval("SELECT count(*) FROM preview_decisions") == 0
    # the account offered can be skipped
    offered = await (await client.get("/api/v1/console/preview", headers=headers)).json()
    skipped = await client.post(
        f"/api/v1/console/preview/{offered['account_id']}/skip", headers=headers
    )
    assert skipped.status == 201, await skipped.text()
    assert json.loads(await skipped.text())["action"] == "skip"


async def test_a_form_without_its_boundary_is_a_bad_request(client, pool) -> None:
    headers = await headers_for(pool, Role.ADMIN)
    response = await client.post(
        "/api/v1/tokens",
        data=b'{"label": ""}',
        headers={**headers, "Content-Type": "multipart/form-data"},
    )
    await _problem(response, 400)
    assert await pool.fetchval("SELECT count(*) FROM api_tokens") == 1  # the admin's own
