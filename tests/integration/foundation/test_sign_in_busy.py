"""A shift start's burst of sign-ins on one web process: past the cap of password
verifications at once, a sign-in answers 503 with Retry-After and changes nothing; sent
again after Retry-After, every one succeeds; the per-account throttle still counts only
real failures (issue 19)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from dialer import auth
from dialer.app import create_app
from dialer.http import Role
from dialer.login_guard import FREE_USER_FAILURES
from dialer.settings import Settings
from tests.helpers import PASSWORD, make_user
from tests.integration.console.world import MORNING, FrozenClock

CAP = 2


@pytest.fixture
async def base_url(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[str]:
    capped = settings.model_copy(
        update={"login_verify_concurrency": CAP, "login_busy_retry_seconds": 1}
    )
    server = TestServer(create_app(capped, pool=pool, clock=FrozenClock(MORNING)))
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


async def _sign_in(base_url: str, username: str, password: str) -> tuple[int, str, dict[str, str]]:
    """One browser's sign-in (its own cookies): status, body, headers of the POST."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(base_url + "/login") as page:
            found = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
            assert found is not None
        data = {"username": username, "password": password, "csrf_token": found[1]}
        async with http.post(base_url + "/login", data=data, allow_redirects=False) as answer:
            return answer.status, await answer.text(), dict(answer.headers)


async def _sign_in_honouring_retry_after(base_url: str, username: str) -> tuple[int, int]:
    """Sign in, waiting Retry-After on each 503: the final status and how many 503s."""
    busy = 0
    while True:
        status, _body, headers = await _sign_in(base_url, username, PASSWORD)
        if status != 503:
            return status, busy
        busy += 1
        assert busy < 60
        await asyncio.sleep(int(headers["Retry-After"]) * 0.2)


async def test_a_burst_past_the_cap_is_told_to_come_back_and_then_succeeds(
    base_url: str, pool: asyncpg.Pool
) -> None:
    names = [f"rep-{index:02d}" for index in range(12)]
    for name in names:
        await make_user(pool, Role.TELESALES_REP, name)
    results = await asyncio.gather(*(_sign_in_honouring_retry_after(base_url, n) for n in names))
    assert [status for status, _ in results] == [302] * len(names)
    # twelve argon2 verifications at once against a cap of two: most were refused first
    assert sum(busy for _, busy in results) > 0
    assert await pool.fetchval("SELECT count(*) FROM web_sessions") >= len(names)
    assert auth.VERIFY_SLOTS.in_use == 0


async def test_a_busy_sign_in_changes_nothing_and_the_throttle_still_counts_failures(
    base_url: str, pool: asyncpg.Pool
) -> None:
    await make_user(pool, Role.TELESALES_REP, "rep-one")
    for _ in range(CAP):
        assert auth.VERIFY_SLOTS.try_take(CAP)
    try:
        for _ in range(FREE_USER_FAILURES + 3):
            status, body, headers = await _sign_in(base_url, "rep-one", "guess")
            assert status == 503
            assert headers["Retry-After"] == "1"
            assert headers["Content-Type"].startswith("application/json")
            assert '"error": "sign_in_busy"' in body
    finally:
        for _ in range(CAP):
            auth.VERIFY_SLOTS.give_back()
    # nothing was recorded for the refused tries: no failures, no sessions
    assert await pool.fetchval("SELECT count(*) FROM login_throttle") == 0
    assert await pool.fetchval("SELECT count(*) FROM web_sessions") == 0
    # real failures are still counted and throttled once the slots are free
    statuses = [(await _sign_in(base_url, "rep-one", "guess"))[0] for _ in range(8)]
    assert statuses[:FREE_USER_FAILURES] == [401] * FREE_USER_FAILURES
    assert 429 in statuses[FREE_USER_FAILURES:]
