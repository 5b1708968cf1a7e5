"""Customer data by need (issue 17, finding 6): a rep reads a customer only while it is on
their work, with numbers masked, and every read by anyone is in the access log."""

from __future__ import annotations

import asyncpg
from aiohttp.test_utils import TestClient

from dialer.http import Role
from tests.helpers import headers_for, make_user, token_headers
from tests.integration.console.world import MORNING, build_world, connect_call


async def _status(client: TestClient, path: str, headers: dict[str, str]) -> int:
    return (await client.get(path, headers=headers)).status


async def _log(pool: asyncpg.Pool) -> list[tuple[int, int, str, str, str]]:
    rows = await pool.fetch(
        "SELECT user_id, account_id, role, route, reason FROM customer_access_log"
        " ORDER BY access_id"
    )
    return [tuple(row) for row in rows]


async def test_a_rep_reads_only_customers_on_their_work(
    console_client: TestClient, pool: asyncpg.Pool
) -> None:
    world = await build_world(pool, customers=6, pacing_mode="preview")
    h = world.rep_headers
    first, second, third, fourth, fifth, sixth = world.accounts
    url = "/api/v1/accounts/{}".format
    # nothing is on the rep's work yet: every customer is 404, as if it did not exist
    for account_id in world.accounts:
        assert await _status(console_client, url(account_id), h) == 404
    assert await _log(pool) == []

    # 1. on their call
    await console_client.post(
        "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
    )
    await console_client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
    await connect_call(pool, None, world, first, MORNING)
    response = await console_client.get(url(first), headers=h)
    assert response.status == 200
    record = await response.json()
    full = world.phones[first]
    assert [p["e164"] for p in record["phones"]] == [full[:-8] + "****" + full[-4:]]
    assert full not in await response.text()
    # 2. a scheduled callback of theirs, 3. their open lead
    await pool.execute(
        "INSERT INTO callbacks (campaign_id, account_id, owner_user_id, due_at, created_at)"
        " VALUES ($1, $2, $3, $4, $4)",
        world.campaign_id,
        second,
        world.rep_id,
        MORNING,
    )
    await pool.execute(
        "INSERT INTO leads (account_id, campaign_id, rep_user_id, handed_off_at)"
        " VALUES ($1, $2, $3, $4)",
        third,
        world.campaign_id,
        world.rep_id,
        MORNING,
    )
    assert await _status(console_client, url(second), h) == 200
    assert await _status(console_client, url(third), h) == 200
    # another rep's callback and lead, a closed lead, a callback done: not theirs
    other = await headers_for(pool, Role.TELESALES_REP, "rep-other")
    assert await _status(console_client, url(second), other) == 404
    await pool.execute("UPDATE leads SET state = 'won' WHERE account_id = $1", third)
    await pool.execute("UPDATE callbacks SET status = 'done' WHERE account_id = $1", second)
    assert await _status(console_client, url(second), h) == 404
    assert await _status(console_client, url(third), h) == 404
    # 4. the preview offered to them, until they decide on it
    await pool.execute(
        "INSERT INTO preview_offers (campaign_id, account_id, user_id, offered_at)"
        " VALUES ($1, $2, $3, $4)",
        world.campaign_id,
        fourth,
        world.rep_id,
        MORNING,
    )
    assert await _status(console_client, url(fourth), h) == 200
    await pool.execute(
        "INSERT INTO preview_decisions (campaign_id, account_id, user_id, action, decided_at)"
        " VALUES ($1, $2, $3, 'skip', $4)",
        world.campaign_id,
        fourth,
        world.rep_id,
        MORNING,
    )
    assert await _status(console_client, url(fourth), h) == 404
    # the rest never were on their work
    for account_id in (fifth, sixth):
        assert await _status(console_client, url(account_id), h) == 404

    route = "GET /api/v1/accounts/{account_id}"
    rep = (world.rep_id, "telesales_rep", route)
    assert [(r[0], r[2], r[3], r[1], r[4]) for r in await _log(pool)] == [
        (*rep, first, "call"),
        (*rep, second, "callback"),
        (*rep, third, "lead"),
        (*rep, fourth, "preview"),
    ]


async def test_an_old_call_of_the_rep_no_longer_shows_its_customer(
    console_client: TestClient, pool: asyncpg.Pool
) -> None:
    world = await build_world(pool)
    h = world.rep_headers
    await console_client.post(
        "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
    )
    await console_client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
    call = await connect_call(pool, None, world, world.accounts[0], MORNING)
    assert await _status(console_client, f"/api/v1/console/calls/{call}", h) == 200
    # the call ended and the rep moved on: the session works no call and the call is over
    await pool.execute(
        "UPDATE call_attempts SET status = 'completed' WHERE call_attempt_id = $1", call
    )
    await pool.execute(
        "UPDATE agent_sessions SET current_call_attempt_id = NULL WHERE user_id = $1",
        world.rep_id,
    )
    assert await _status(console_client, f"/api/v1/console/calls/{call}", h) == 404
    assert await _status(console_client, f"/api/v1/accounts/{world.accounts[0]}", h) == 404


async def test_every_read_by_anyone_is_logged_and_reported_to_admins_only(
    console_client: TestClient, pool: asyncpg.Pool
) -> None:
    world = await build_world(pool, customers=3)
    manager = await headers_for(pool, Role.CAMPAIGN_MANAGER)
    admin = await headers_for(pool, Role.ADMIN, "compliance-officer")
    listing = await console_client.get("/api/v1/accounts", headers=manager)
    assert listing.status == 200
    one = await console_client.get(f"/api/v1/accounts/{world.accounts[1]}", headers=manager)
    assert one.status == 200
    # the manager sees full numbers; the centre's work is the reason
    assert (await one.json())["phones"][0]["e164"] == world.phones[world.accounts[1]]
    blocks = await console_client.get(
        f"/api/v1/accounts/{world.accounts[2]}/compliance", headers=manager
    )
    assert blocks.status == 200

    report_url = "/api/v1/compliance/customer-access"
    assert (await console_client.get(report_url, headers=manager)).status == 403
    report = await (await console_client.get(report_url, headers=admin)).json()
    seen = [(e["username"], e["account_id"], e["route"], e["reason"]) for e in report["entries"]]
    who = "campaign-manager"
    assert seen == [
        *[(who, a, "GET /api/v1/accounts", "search") for a in world.accounts],
        (who, world.accounts[1], "GET /api/v1/accounts/{account_id}", "centre"),
        (who, world.accounts[2], "GET /api/v1/accounts/{account_id}/compliance", "centre"),
    ]
    whose = await (
        await console_client.get(f"{report_url}?account_id={world.accounts[1]}", headers=admin)
    ).json()
    assert [e["route"] for e in whose["entries"]] == [
        "GET /api/v1/accounts",
        "GET /api/v1/accounts/{account_id}",
    ]
    # the log is append-only
    try:
        await pool.execute("DELETE FROM customer_access_log")
    except asyncpg.InsufficientPrivilegeError:
        pass
    else:
        raise AssertionError("the access log let a row be deleted")
    assert await pool.fetchval("SELECT count(*) FROM customer_access_log") == 5


async def test_the_pop_and_the_preview_are_logged(
    console_client: TestClient, pool: asyncpg.Pool
) -> None:
    world = await build_world(pool, pacing_mode="preview")
    h = world.rep_headers
    await console_client.post(
        "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
    )
    preview = await (await console_client.get("/api/v1/console/preview", headers=h)).json()
    assert "****" in preview["phone"]
    await console_client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
    call = await connect_call(pool, None, world, world.accounts[1], MORNING)
    pop = await console_client.get(f"/api/v1/console/calls/{call}", headers=h)
    assert pop.status == 200
    assert world.phones[world.accounts[1]] not in await pop.text()
    assert [(r[1], r[3], r[4]) for r in await _log(pool)] == [
        (preview["account_id"], "GET /api/v1/console/preview", "preview"),
        (world.accounts[1], "GET /api/v1/console/calls/{call_attempt_id}", "call"),
    ]


async def test_reading_leads_is_logged_for_each_customer(
    console_client: TestClient, pool: asyncpg.Pool
) -> None:
    world = await build_world(pool, customers=2)
    lead_id = await pool.fetchval(
        "INSERT INTO leads (account_id, campaign_id, rep_user_id, branch_id, handed_off_at)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING lead_id",
        world.accounts[0],
        world.campaign_id,
        world.rep_id,
        world.branch_id,
        MORNING,
    )
    branch = await token_headers(
        pool, await make_user(pool, Role.BRANCH_MANAGER, "bm-sh", branch_code="SH01")
    )
    centre = await headers_for(pool, Role.CAMPAIGN_MANAGER)
    assert (await console_client.get(f"/api/v1/leads/{lead_id}", headers=branch)).status == 200
    assert (await console_client.get("/api/v1/leads", headers=centre)).status == 200
    assert [(r[1], r[2], r[3], r[4]) for r in await _log(pool)] == [
        (world.accounts[0], "branch_manager", "GET /api/v1/leads/{lead_id}", "branch"),
        (world.accounts[0], "campaign_manager", "GET /api/v1/leads", "centre"),
    ]
