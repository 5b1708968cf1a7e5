"""Lead expiry and the centre's pool: the SLA expires a lead on a controlled clock, the branch
sees it under its expired tab, the centre sees it in the pool and re-routes it by the
hand-off's rules; branch staff cannot use the centre's routes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any, get_args

import asyncpg
import pytest

from dialer.leads.handoff import WarmLead, hand_off
from dialer.leads.inbox_pages import STATES
from dialer.leads.lifecycle import LEAD_STATES
from dialer.leads.routes import LeadState
from dialer.leads.sla_jobs import run_sla_pass
from tests.helpers import token_headers

from .conftest import Brokerage, make_account, make_user
from .test_sla import MONDAY_10, WEEKDAYS

# MONDAY_10's lead is due Tuesday 10:00; on weekdays it expires Thursday 10:00.
EXPIRED_AT = MONDAY_10 + timedelta(days=3)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_10)


@pytest.fixture
async def client(settings: Any, pool: asyncpg.Pool, clock: Clock) -> AsyncIterator[Any]:
    """The real app on the real database, on the test's clock."""
    from aiohttp.test_utils import TestClient, TestServer

    from dialer.app import create_app

    async with TestClient(TestServer(create_app(settings, pool=pool, clock=clock))) as test:
        yield test


async def expired_lead(b: Brokerage, account_id: int, clock: Clock) -> int:
    lead = await hand_off(
        b.pool,
        WarmLead(
            account_id=account_id, campaign_id=b.campaign, rep_user_id=b.rep, product_id=b.fund
        ),
        MONDAY_10,
        WEEKDAYS,
    )
    for day in (1, 2, 3):
        await run_sla_pass(b.pool, MONDAY_10 + timedelta(days=day), None, WEEKDAYS)
    clock.now = EXPIRED_AT + timedelta(hours=1)
    return lead.lead_id


async def pool_ids(client: Any, headers: dict[str, str]) -> list[int]:
    response = await client.get("/api/v1/lead-pool", headers=headers)
    assert response.status == 200, await response.text()
    return [lead["lead_id"] for lead in (await response.json())["leads"]]


async def test_an_expired_lead_shows_in_the_branch_and_the_pool_and_the_centre_reroutes_it(
    client: Any, brokerage: Brokerage, clock: Clock
) -> None:
    b = brokerage
    boss_id = await make_user(b.pool, "boss-a", "branch_manager", branch_id=b.branch_a)
    boss = await token_headers(b.pool, boss_id)
    (manager_id,) = await b.account_managers(b.branch_a, "am-a", 1)
    manager = await token_headers(b.pool, manager_id)
    centre_id = await make_user(b.pool, "cm", "campaign_manager")
    centre = await token_headers(b.pool, centre_id)
    account = await make_account(b.pool, "Slow to call", b.branch_a, manager_id)
    lead_id = await expired_lead(b, account, clock)

    # The branch: under the expired tab of the inbox and the API, with its timeline entry.
    page = await client.get("/branch/leads?state=expired", headers=boss)
    html = await page.text()
    assert page.status == 200
    assert f'id="lead-{lead_id}" data-state="expired"' in html
    assert re.search(r'id="tab-expired"[^>]*>\s*已过期 <span class="count">1</span>', html)
    assert "returned" not in html.lower()
    expired = await (await client.get("/api/v1/leads?state=expired", headers=boss)).json()
    assert [lead["lead_id"] for lead in expired["leads"]] == [lead_id]
    # The account manager who let it lapse sees it too, and can no longer work it.
    detail = (await (await client.get(f"/api/v1/leads/{lead_id}", headers=manager)).json())["lead"]
    assert detail["state"] == "expired"
    assert detail["closed_at"] is not None
    step = next(e for e in detail["timeline"] if e["kind"] == "sla_returned")
    assert step["detail"]["state"] == "expired"
    refused = await client.post(f"/api/v1/leads/{lead_id}/accept", json={}, headers=manager)
    assert refused.status == 409

    # The centre: in the pool, re-routed by default to the customer's own manager.
    assert await pool_ids(client, centre) == [lead_id]
    response = await client.post(f"/api/v1/lead-pool/{lead_id}/reroute", json={}, headers=centre)
    assert response.status == 200, await response.text()
    moved = await response.json()
    new_id = moved["lead_id"]
    assert moved == {
        "from_lead_id": lead_id,
        "lead_id": new_id,
        "route": "owner",
        "branch_id": b.branch_a,
        "assigned_to": manager_id,
    }
    assert new_id != lead_id
    assert await pool_ids(client, centre) == []

    # The branch keeps its record of the miss; the new lead is open with a fresh clock.
    old = await b.pool.fetchrow("SELECT state, rerouted_to FROM leads WHERE lead_id = $1", lead_id)
    assert (old["state"], old["rerouted_to"]) == ("expired", new_id)
    new = await b.pool.fetchrow(
        "SELECT state, branch_id, assigned_to, product_id, call_attempt_id, rep_user_id,"
        " handed_off_at, sla_due_at FROM leads WHERE lead_id = $1",
        new_id,
    )
    assert (new["state"], new["branch_id"], new["assigned_to"], new["product_id"]) == (
        "new",
        b.branch_a,
        manager_id,
        b.fund,
    )
    assert new["rep_user_id"] == b.rep
    assert new["handed_off_at"] == clock.now < new["sla_due_at"]

    # Who did it: on both timelines, in the audit log, and in the notices.
    old_timeline = (await (await client.get(f"/api/v1/leads/{lead_id}", headers=boss)).json())[
        "lead"
    ]["timeline"]
    rerouted = old_timeline[-1]
    assert rerouted["kind"] == "rerouted"
    assert rerouted["actor_user_id"] == centre_id
    assert rerouted["detail"]["to_lead_id"] == new_id
    new_timeline = (await (await client.get(f"/api/v1/leads/{new_id}", headers=manager)).json())[
        "lead"
    ]["timeline"]
    assert [(e["kind"], e["actor_user_id"]) for e in new_timeline] == [
        ("handed_off", centre_id),
        ("assigned", None),
    ]
    assert new_timeline[0]["detail"]["rerouted_from"] == lead_id
    audit = await b.pool.fetch(
        "SELECT actor_user_id, subject_type, subject_id, detail FROM audit_log"
        " WHERE kind = 'lead_rerouted'"
    )
    assert [(a["actor_user_id"], a["subject_type"], a["subject_id"]) for a in audit] == [
        (centre_id, "lead", lead_id)
    ]
    notices = await b.pool.fetch(
        "SELECT event, recipients, detail FROM lead_notices WHERE lead_id = $1 ORDER BY notice_id",
        new_id,
    )
    assert [(n["event"], n["recipients"]) for n in notices] == [
        ("lead_handed_off", [manager_id]),
        ("lead_assigned", [manager_id]),
    ]
    assert all(n["detail"]["by"] == centre_id for n in notices)

    # Once is enough: it is no longer in the pool.
    again = await client.post(f"/api/v1/lead-pool/{lead_id}/reroute", json={}, headers=centre)
    assert again.status == 409
    assert "not in the centre's pool" in (await again.json())["detail"]


async def test_an_orphan_goes_to_the_named_branch_by_its_policy_and_an_owned_lead_cannot(
    client: Any, brokerage: Brokerage, clock: Clock
) -> None:
    b = brokerage
    await b.pool.execute(
        "UPDATE branches SET lead_assignment = 'round_robin' WHERE branch_id = $1", b.branch_b
    )
    managers_b = await b.account_managers(b.branch_b, "am-b", 2)
    (manager_a,) = await b.account_managers(b.branch_a, "am-a", 1)
    admin = await token_headers(b.pool, await make_user(b.pool, "admin", "admin"))
    orphan = await expired_lead(b, await make_account(b.pool, "Orphan", b.branch_a), clock)
    owned = await expired_lead(b, await make_account(b.pool, "Owned", b.branch_a, manager_a), clock)
    assert sorted(await pool_ids(client, admin)) == sorted([orphan, owned])

    # An owned customer's lead goes back to their manager's branch, not elsewhere.
    refused = await client.post(
        f"/api/v1/lead-pool/{owned}/reroute", json={"branch_id": b.branch_b}, headers=admin
    )
    assert refused.status == 422
    assert "account manager" in (await refused.json())["detail"]
    missing = await client.post(
        f"/api/v1/lead-pool/{orphan}/reroute", json={"branch_id": 999_999}, headers=admin
    )
    assert missing.status == 422

    # An orphan may go to another branch, whose round robin assigns it.
    response = await client.post(
        f"/api/v1/lead-pool/{orphan}/reroute", json={"branch_id": b.branch_b}, headers=admin
    )
    assert response.status == 200, await response.text()
    moved = await response.json()
    assert (moved["branch_id"], moved["route"]) == (b.branch_b, "round_robin")
    assert moved["assigned_to"] == managers_b[0]
    # By default an owned customer's lead goes back to their manager.
    by_default = await client.post(f"/api/v1/lead-pool/{owned}/reroute", json={}, headers=admin)
    assert (await by_default.json())["route"] == "owner"
    assert await pool_ids(client, admin) == []


async def test_an_orphan_rerouted_to_its_own_manual_branch_waits_in_its_queue(
    client: Any, brokerage: Brokerage, clock: Clock
) -> None:
    b = brokerage
    centre = await token_headers(b.pool, await make_user(b.pool, "cm", "campaign_manager"))
    boss = await token_headers(
        b.pool, await make_user(b.pool, "boss-a", "branch_manager", branch_id=b.branch_a)
    )
    orphan = await expired_lead(b, await make_account(b.pool, "Orphan", b.branch_a), clock)
    moved = await (
        await client.post(f"/api/v1/lead-pool/{orphan}/reroute", json={}, headers=centre)
    ).json()
    assert (moved["branch_id"], moved["route"], moved["assigned_to"]) == (
        b.branch_a,
        "branch_queue",
        None,
    )
    queue = await (await client.get("/api/v1/leads?state=new", headers=boss)).json()
    assert [lead["lead_id"] for lead in queue["leads"]] == [moved["lead_id"]]
    notices = await b.pool.fetch(
        "SELECT event FROM lead_notices WHERE lead_id = $1", moved["lead_id"]
    )
    assert [n["event"] for n in notices] == ["lead_handed_off"]


async def test_a_customer_without_a_branch_is_routed_in_place(
    client: Any, brokerage: Brokerage, clock: Clock
) -> None:
    b = brokerage
    centre = await token_headers(b.pool, await make_user(b.pool, "cm", "campaign_manager"))
    account = await make_account(b.pool, "Nobody's", None)
    lead = await hand_off(
        b.pool, WarmLead(account_id=account, campaign_id=b.campaign, rep_user_id=b.rep), MONDAY_10
    )
    assert await pool_ids(client, centre) == [lead.lead_id]
    unnamed = await client.post(
        f"/api/v1/lead-pool/{lead.lead_id}/reroute", json={}, headers=centre
    )
    assert unnamed.status == 422
    assert "name the branch" in (await unnamed.json())["detail"]
    response = await client.post(
        f"/api/v1/lead-pool/{lead.lead_id}/reroute",
        json={"branch_id": b.branch_b},
        headers=centre,
    )
    assert (await response.json())["lead_id"] == lead.lead_id
    row = await b.pool.fetchrow(
        "SELECT state, branch_id, sla_due_at FROM leads WHERE lead_id = $1", lead.lead_id
    )
    assert (row["state"], row["branch_id"]) == ("new", b.branch_b)
    assert row["sla_due_at"] > clock.now
    assert await pool_ids(client, centre) == []


async def test_one_open_lead_per_customer_and_product_holds_when_rerouting(
    client: Any, brokerage: Brokerage, clock: Clock
) -> None:
    b = brokerage
    centre = await token_headers(b.pool, await make_user(b.pool, "cm", "campaign_manager"))
    account = await make_account(b.pool, "Called again", b.branch_a)
    lead_id = await expired_lead(b, account, clock)
    # Meanwhile another rep's call opened a fresh lead for the same customer and product.
    fresh = await hand_off(
        b.pool,
        WarmLead(account_id=account, campaign_id=b.campaign, rep_user_id=b.rep, product_id=b.fund),
        clock.now,
        WEEKDAYS,
    )
    assert fresh.created
    response = await client.post(f"/api/v1/lead-pool/{lead_id}/reroute", json={}, headers=centre)
    assert response.status == 409
    assert f"lead {fresh.lead_id}" in (await response.json())["detail"]
    # Nothing was written: still in the pool, no audit entry, one open lead.
    assert await pool_ids(client, centre) == [lead_id]
    assert await b.pool.fetchval("SELECT count(*) FROM audit_log WHERE kind = 'lead_rerouted'") == 0
    assert (
        await b.pool.fetchval(
            "SELECT count(*) FROM leads WHERE account_id = $1"
            " AND state IN ('new', 'accepted', 'contacted')",
            account,
        )
        == 1
    )


async def test_branch_staff_cannot_use_the_centre_s_pool(
    client: Any, brokerage: Brokerage, clock: Clock
) -> None:
    b = brokerage
    (manager_a,) = await b.account_managers(b.branch_a, "am-a", 1)
    lead_a = await expired_lead(b, await make_account(b.pool, "Of A", b.branch_a), clock)
    lead_b = await expired_lead(b, await make_account(b.pool, "Of B", b.branch_b), clock)
    branch_staff = {
        "branch manager of A": await make_user(
            b.pool, "boss-a", "branch_manager", branch_id=b.branch_a
        ),
        "account manager of A": manager_a,
        "branch manager of B": await make_user(
            b.pool, "boss-b", "branch_manager", branch_id=b.branch_b
        ),
    }
    for who, user_id in branch_staff.items():
        headers = await token_headers(b.pool, user_id)
        listing = await client.get("/api/v1/lead-pool", headers=headers)
        assert listing.status == 403, who
        for lead_id in (lead_a, lead_b):
            response = await client.post(
                f"/api/v1/lead-pool/{lead_id}/reroute", json={}, headers=headers
            )
            assert response.status == 403, (who, lead_id)
    # Branch isolation still holds for expired leads: A's manager cannot see B's.
    boss_a = await token_headers(b.pool, branch_staff["branch manager of A"])
    assert (await client.get(f"/api/v1/leads/{lead_b}", headers=boss_a)).status == 404
    inbox = await (await client.get("/branch/leads?state=expired", headers=boss_a)).text()
    assert f'id="lead-{lead_a}"' in inbox and f'id="lead-{lead_b}"' not in inbox
    # Nothing moved.
    assert await b.pool.fetchval("SELECT count(*) FROM leads WHERE rerouted_to IS NOT NULL") == 0


async def test_the_state_names_agree_across_schema_code_api_and_inbox(pool: asyncpg.Pool) -> None:
    definition = await pool.fetchval(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'leads_state_check'"
    )
    assert tuple(re.findall(r"'(\w+)'::text", definition)) == LEAD_STATES
    assert get_args(LeadState) == LEAD_STATES == STATES
    assert LEAD_STATES == ("new", "accepted", "contacted", "won", "lost", "expired")


async def test_the_migration_turns_returned_leads_into_expired_ones(
    empty_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dialer import migrations

    every = migrations.discover()
    connection = await asyncpg.connect(empty_db_url)
    try:
        monkeypatch.setattr(
            migrations, "discover", lambda package="migrations": [m for m in every if m.number < 16]
        )
        await migrations.migrate(connection)
        lead_id = await connection.fetchval(
            """
            WITH rep AS (INSERT INTO users (username, display_name, role, password_hash)
                         VALUES ('cm', 'cm', 'campaign_manager', 'x') RETURNING user_id),
                 account AS (INSERT INTO accounts (name, segment) VALUES ('Old', 'orphan')
                             RETURNING account_id),
                 campaign AS (INSERT INTO campaigns (name, purpose) VALUES ('C', 'marketing')
                              RETURNING campaign_id)
            INSERT INTO leads (account_id, campaign_id, rep_user_id, state, handed_off_at,
                               closed_at)
            SELECT account_id, campaign_id, user_id, 'returned', now(), now()
            FROM rep, account, campaign
            RETURNING lead_id
            """
        )
        monkeypatch.setattr(migrations, "discover", lambda package="migrations": every)
        applied = await migrations.migrate(connection)
        assert 16 in [m.number for m in applied]
        row = await connection.fetchrow(
            "SELECT state, rerouted_to FROM leads WHERE lead_id = $1", lead_id
        )
        assert (row["state"], row["rerouted_to"]) == ("expired", None)
        with pytest.raises(asyncpg.CheckViolationError):
            await connection.execute("UPDATE leads SET state = 'returned'")
    finally:
        await connection.close()
