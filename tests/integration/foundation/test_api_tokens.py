"""API tokens expire, can be listed and revoked, are limited per user and note their last
use (issue 17, finding 11)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from dialer import auth
from dialer.app import create_app
from dialer.http import Role
from dialer.settings import Settings
from tests.helpers import headers_for, make_user
from tests.integration.console.world import MORNING, FrozenClock


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MORNING)


@pytest.fixture
async def api(
    settings: Settings, pool: asyncpg.Pool, clock: FrozenClock
) -> AsyncIterator[TestClient]:
    limited = settings.model_copy(update={"api_tokens_per_user": 3})
    async with TestClient(TestServer(create_app(limited, pool=pool, clock=clock))) as client:
        yield client


def iso(at: datetime) -> str:
    """How the API writes an instant (pydantic's JSON: UTC with Z)."""
    return at.isoformat().replace("+00:00", "Z")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + token}


async def test_a_token_expires_after_its_lifetime_and_notes_its_last_use(
    api: TestClient, pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    admin = await headers_for(pool, Role.ADMIN, "admin-one")
    issued = await api.post("/api/v1/tokens", json={"label": "nightly export"}, headers=admin)
    assert issued.status == 201
    body = await issued.json()
    token = body["token"]
    assert body["expires_at"] == iso(MORNING + timedelta(days=90))
    assert (await api.get("/api/v1/me", headers=bearer(token))).status == 200
    used = await pool.fetchval("SELECT last_used_at FROM api_tokens WHERE label = 'nightly export'")
    assert used == MORNING
    clock.advance(30)  # within a minute: not written again
    await api.get("/api/v1/me", headers=bearer(token))
    assert (
        await pool.fetchval("SELECT last_used_at FROM api_tokens WHERE label = 'nightly export'")
        == MORNING
    )
    clock.advance(60)
    await api.get("/api/v1/me", headers=bearer(token))
    assert await pool.fetchval(
        "SELECT last_used_at FROM api_tokens WHERE label = 'nightly export'"
    ) == MORNING + timedelta(seconds=90)
    clock.now = MORNING + timedelta(days=90)
    expired = await api.get("/api/v1/me", headers=bearer(token))
    assert expired.status == 401
    assert expired.content_type == "application/problem+json"


async def test_the_lifetime_is_a_setting(
    settings: Settings, pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    weekly = settings.model_copy(update={"api_token_days": 7})
    admin = await headers_for(pool, Role.ADMIN, "admin-one")
    async with TestClient(TestServer(create_app(weekly, pool=pool, clock=clock))) as client:
        body = await (await client.post("/api/v1/tokens", json={}, headers=admin)).json()
        assert body["expires_at"] == iso(MORNING + timedelta(days=7))


async def test_owners_and_admins_list_and_revoke_tokens(
    api: TestClient, pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    rep = await make_user(pool, Role.TELESALES_REP, "rep-one")
    other = await make_user(pool, Role.TELESALES_REP, "rep-two")
    admin = await headers_for(pool, Role.ADMIN, "admin-one")
    rep_token = await auth.issue_api_token(pool, rep, "rep script", now=MORNING)
    other_token = await auth.issue_api_token(pool, other, "other script", now=MORNING)

    mine = await (await api.get("/api/v1/tokens", headers=bearer(rep_token))).json()
    assert [t["label"] for t in mine["tokens"]] == ["rep script"]
    assert rep_token not in str(mine) and "token_hash" not in str(mine)
    everyone = await (await api.get("/api/v1/tokens", headers=admin)).json()
    assert {t["username"] for t in everyone["tokens"]} == {"rep-one", "rep-two", "admin-one"}
    one = await (await api.get(f"/api/v1/tokens?user_id={other}", headers=admin)).json()
    assert [t["label"] for t in one["tokens"]] == ["other script"]
    # a rep's user_id filter is ignored: they see their own
    still_mine = await (
        await api.get(f"/api/v1/tokens?user_id={other}", headers=bearer(rep_token))
    ).json()
    assert [t["label"] for t in still_mine["tokens"]] == ["rep script"]

    other_id = one["tokens"][0]["token_id"]
    mine_id = mine["tokens"][0]["token_id"]
    # another's token is not theirs to revoke, nor to know of
    assert (await api.delete(f"/api/v1/tokens/{other_id}", headers=bearer(rep_token))).status == 404
    assert (await api.get("/api/v1/me", headers=bearer(other_token))).status == 200
    # the owner revokes their own; the admin revokes anyone's
    revoked = await api.delete(f"/api/v1/tokens/{mine_id}", headers=bearer(rep_token))
    assert revoked.status == 200
    assert (await revoked.json())["revoked_at"] == iso(MORNING)
    assert (await api.get("/api/v1/me", headers=bearer(rep_token))).status == 401
    assert (await api.delete(f"/api/v1/tokens/{other_id}", headers=admin)).status == 200
    assert (await api.get("/api/v1/me", headers=bearer(other_token))).status == 401
    audit = await pool.fetch(
        "SELECT actor_user_id, subject_id FROM audit_log WHERE kind = 'api_token_revoked'"
        " ORDER BY audit_id"
    )
    admin_id = await pool.fetchval("SELECT user_id FROM users WHERE username = 'admin-one'")
    assert [tuple(r) for r in audit] == [(rep, mine_id), (admin_id, other_id)]


async def test_a_user_holds_a_limited_number_of_live_tokens(
    api: TestClient, pool: asyncpg.Pool, clock: FrozenClock
) -> None:
    rep = await make_user(pool, Role.TELESALES_REP, "rep-one")
    first = await auth.issue_api_token(pool, rep, "first", now=MORNING)
    for label in ("second", "third"):
        response = await api.post("/api/v1/tokens", json={"label": label}, headers=bearer(first))
        assert response.status == 201
    refused = await api.post("/api/v1/tokens", json={"label": "fourth"}, headers=bearer(first))
    assert refused.status == 409
    assert await pool.fetchval("SELECT count(*) FROM api_tokens WHERE user_id = $1", rep) == 3
    listing = await (await api.get("/api/v1/tokens", headers=bearer(first))).json()
    third = next(t["token_id"] for t in listing["tokens"] if t["label"] == "third")
    await api.delete(f"/api/v1/tokens/{third}", headers=bearer(first))
    again = await api.post("/api/v1/tokens", json={"label": "fourth"}, headers=bearer(first))
    assert again.status == 201
