"""Liveness and readiness probes, metrics, and the OpenAPI document."""

from __future__ import annotations

import asyncio

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from dialer.http import PUBLIC, Role, json_response, problem_response
from dialer.http import Routes as _Routes
from dialer.keys import CLOCK, POOL, ROUTES
from dialer.openapi import build_openapi
from dialer.runtime.metrics import exposition

routes = _Routes()


@routes.route("GET", "/healthz", roles=PUBLIC, summary="The process is up.", api=False)
async def healthz(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


@routes.route(
    "GET", "/readyz", roles=PUBLIC, summary="The database answers; 503 when it does not.", api=False
)
async def readyz(request: web.Request) -> web.Response:
    pool = request.app[POOL]
    try:
        async with asyncio.timeout(2):
            async with pool.acquire() as connection:
                await connection.fetchval("SELECT 1")
    except Exception as exc:  # any failure to answer means not ready
        return problem_response(
            503, "Database unavailable", f"{type(exc).__name__}: {exc}".strip(": ")
        )
    return json_response({"status": "ready"})


@routes.route("GET", "/api/openapi.json", roles=PUBLIC, summary="This API's OpenAPI document.")
async def openapi(request: web.Request) -> web.Response:
    return json_response(build_openapi(request.app[ROUTES]))


@routes.route(
    "GET",
    "/metrics",
    roles={Role.ADMIN},
    summary="Prometheus metrics: this process's (event-loop lag, webhook latency) and the "
    "database's (dials, answers, abandons per campaign, reps by state, queues); scrape with "
    "an admin API token.",
    api=False,
)
async def metrics(request: web.Request) -> web.Response:
    pool = request.app.get(POOL)
    response = web.Response(body=await exposition(pool, request.app[CLOCK]()))
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    return response
