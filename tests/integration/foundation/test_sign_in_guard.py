"""Sign-in throttling, lockout, the single-use sign-in form and equal work for every
username (issue 17, findings 4 and 5)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from argon2 import PasswordHasher

from dialer import auth
from dialer.app import create_app
from dialer.http import Role
from dialer.login_guard import FREE_ADDRESS_FAILURES, FREE_USER_FAILURES, LOCK_AFTER_FAILURES
from dialer.settings import Settings
from tests.helpers import PASSWORD, headers_for, make_user, run_dialer
from tests.integration.console.world import MORNING, FrozenClock


def _cheap_hash() -> str:
    """A cheap argon2 hash of PASSWORD: these tests count checks, they do not cost them."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MORNING)


@pytest.fixture
async def web(
    settings: Settings, pool: asyncpg.Pool, clock: FrozenClock
) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_app(settings, pool=pool, clock=clock))) as client:
        yield client


async def _form_token(client: TestClient) -> str:
    page = await client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
    assert found is not None
    return found[1]


async def _sign_in(client: TestClient, username: str, password: str) -> ClientResponse:
    token = await _form_token(client)
    return await client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        allow_redirects=False,
    )


async def _sign_in_patiently(
    client: TestClient, clock: FrozenClock, username: str, password: str
) -> ClientResponse:
    """Sign in, waiting out (in virtual time) any backoff the tries so far earned."""
    response = await _sign_in(client, username, password)
    while response.status == 429:
        clock.advance(int(response.headers["Retry-After"]))
        response = await _sign_in(client, username, password)
    return response


async def test_thirty_wrong_passwords_lock_the_account_until_an_admin_unlocks_it(
    web: TestClient, pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    rep_id = await make_user(pool, Role.TELESALES_REP, "rep-one")
    # a cheap argon2 hash for this user (the test is about counting, not about cost)
    await pool.execute(
        "UPDATE users SET password_hash = $2 WHERE user_id = $1",
        rep_id,
        _cheap_hash(),
    )
    for _ in range(LOCK_AFTER_FAILURES):
        assert (await _sign_in_patiently(web, clock, "rep-one", "guess")).status == 401
    assert await pool.fetchval("SELECT locked_at FROM users WHERE user_id = $1", rep_id) is not None
    # the right password no longer signs in, and says nothing different
    refused = await _sign_in_patiently(web, clock, "rep-one", PASSWORD)
    assert refused.status == 401
    assert "请联系管理员解锁" in await refused.text()

    admin = await headers_for(pool, Role.ADMIN, "admin-one")
    assert (
        await web.post(
            f"/api/v1/users/{rep_id}/unlock", headers=await headers_for(pool, Role.TEAM_LEADER)
        )
    ).status == 403
    unlocked = await web.post(f"/api/v1/users/{rep_id}/unlock", headers=admin)
    assert unlocked.status == 200, await unlocked.text()
    audit = await pool.fetch(
        "SELECT kind, actor_user_id, detail->>'via' AS via FROM audit_log"
        " WHERE subject_type = 'user' AND subject_id = $1 ORDER BY audit_id",
        rep_id,
    )
    admin_id = await pool.fetchval("SELECT user_id FROM users WHERE username = 'admin-one'")
    assert [tuple(r) for r in audit] == [
        ("login_locked", None, None),
        ("login_unlocked", admin_id, "api"),
    ]
    assert (await _sign_in_patiently(web, clock, "rep-one", PASSWORD)).status == 302


async def test_wrong_passwords_earn_a_backoff_per_account_without_a_password_check(
    web: TestClient, pool: asyncpg.Pool, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_user(pool, Role.TELESALES_REP, "rep-one")
    await pool.execute("UPDATE users SET password_hash = $1", _cheap_hash())
    for _ in range(FREE_USER_FAILURES):
        assert (await _sign_in(web, "rep-one", "guess")).status == 401
    verifies: list[str] = []
    verify = auth.verify_password
    monkeypatch.setattr(auth, "verify_password", lambda h, p: verifies.append(p) or verify(h, p))
    assert (await _sign_in(web, "rep-one", "guess")).status == 401  # the 6th is checked
    waiting = await _sign_in(web, "rep-one", PASSWORD)  # now it must wait, even when right
    assert waiting.status == 429
    assert int(waiting.headers["Retry-After"]) >= 1
    assert verifies == ["guess"]  # the throttled try never reached argon2
    clock.advance(int(waiting.headers["Retry-After"]))
    assert (await _sign_in(web, "rep-one", PASSWORD)).status == 302
    # success forgets the account's failures
    assert (
        await pool.fetchval("SELECT count(*) FROM login_throttle WHERE key = 'user:rep-one'") == 0
    )


async def test_one_address_guessing_many_usernames_is_throttled(
    web: TestClient, pool: asyncpg.Pool
) -> None:
    names = [f"rep-{index:02d}" for index in range(FREE_ADDRESS_FAILURES + 2)]
    for name in names:
        await make_user(pool, Role.TELESALES_REP, name)
    await pool.execute("UPDATE users SET password_hash = $1", _cheap_hash())
    # one wrong password for each of many accounts: no account earns a backoff ...
    for name in names[: FREE_ADDRESS_FAILURES + 1]:
        assert (await _sign_in(web, name, "guess")).status == 401
    # ... but the address has: even the right password of a fresh account waits
    waiting = await _sign_in(web, names[-1], PASSWORD)
    assert waiting.status == 429
    assert int(waiting.headers["Retry-After"]) >= 1


async def test_the_sign_in_form_is_bound_to_its_pre_login_session_and_used_once(
    web: TestClient, pool: asyncpg.Pool, settings: Settings, clock: FrozenClock
) -> None:
    await make_user(pool, Role.TELESALES_REP, "rep-one")
    token = await _form_token(web)
    data = {"username": "rep-one", "password": "guess", "csrf_token": token}
    assert (await web.post("/login", data=data)).status == 401
    # the same pair again: used up
    assert (await web.post("/login", data={**data, "password": PASSWORD})).status == 403
    # a token from one browser's form with another browser's pre-login session
    other_app = create_app(settings, pool=pool, clock=clock)
    async with TestClient(TestServer(other_app)) as other:
        stolen = await _form_token(other)
        await _form_token(web)  # this browser has a live pre-login session of its own
        refused = await web.post(
            "/login", data={**data, "password": PASSWORD, "csrf_token": stolen}
        )
        assert refused.status == 403
    # no pre-login session at all
    web.session.cookie_jar.clear()
    fresh = await _form_token(web)
    web.session.cookie_jar.clear()
    assert (await web.post("/login", data={**data, "csrf_token": fresh})).status == 403
    # an expired form
    token = await _form_token(web)
    clock.advance(2 * 3600)
    assert (await web.post("/login", data={**data, "csrf_token": token})).status == 403


async def test_every_username_costs_the_same_one_password_check(
    web: TestClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_user(pool, Role.TELESALES_REP, "rep-one")
    locked = await make_user(pool, Role.TELESALES_REP, "rep-locked")
    await pool.execute("UPDATE users SET locked_at = $2 WHERE user_id = $1", locked, MORNING)
    auth._unknown_user_hash()  # made once per process, before any sign-in
    work: list[str] = []
    verify = auth.verify_password
    monkeypatch.setattr(auth, "hash_password", lambda p: work.append("hash") or "")
    monkeypatch.setattr(auth, "verify_password", lambda h, p: work.append("verify") or verify(h, p))
    for username, password, status in (
        ("nobody-at-all", "guess", 401),
        ("rep-one", "guess", 401),
        ("rep-one", PASSWORD, 302),
        ("rep-locked", PASSWORD, 401),
    ):
        work.clear()
        web.session.cookie_jar.clear()
        assert (await _sign_in(web, username, password)).status == status
        assert work == ["verify"], username


async def test_a_change_of_role_ends_the_users_sessions(
    web: TestClient, pool: asyncpg.Pool
) -> None:
    user_id = await make_user(pool, Role.TELESALES_REP, "rep-one")
    assert (await _sign_in(web, "rep-one", PASSWORD)).status == 302
    assert (await web.get("/api/v1/me")).status == 200
    await pool.execute("UPDATE users SET display_name = 'Rep One' WHERE user_id = $1", user_id)
    assert (await web.get("/api/v1/me")).status == 200  # other changes keep the session
    await pool.execute("UPDATE users SET role = 'team_leader' WHERE user_id = $1", user_id)
    assert (await web.get("/api/v1/me")).status == 401
    assert await pool.fetchval("SELECT count(*) FROM web_sessions WHERE user_id = $1", user_id) == 0
    # signing in again gives a new session with the new role
    assert (await _sign_in(web, "rep-one", PASSWORD)).status == 302
    assert (await (await web.get("/api/v1/me")).json())["role"] == "team_leader"


async def test_the_unlock_command_lifts_a_lockout(pool: asyncpg.Pool, db_url: str) -> None:
    rep_id = await make_user(pool, Role.TELESALES_REP, "rep-one")
    await pool.execute("UPDATE users SET locked_at = $2 WHERE user_id = $1", rep_id, MORNING)
    done = run_dialer("user", "unlock", "rep-one", env_extra={"DATABASE_URL": db_url})
    assert done.returncode == 0, done.stderr
    assert await pool.fetchval("SELECT locked_at FROM users WHERE user_id = $1", rep_id) is None
    via = await pool.fetchval(
        "SELECT detail->>'via' FROM audit_log WHERE kind = 'login_unlocked' AND subject_id = $1",
        rep_id,
    )
    assert via == "cli"
