"""Handoff routing and the one-open-lead rule, against a real PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import asyncpg
import pytest
from structlog.testing import capture_logs

from dialer.leads.errors import AccountNotFound, AssignmentRefused, LeadNotFound
from dialer.leads.handoff import Route, WarmLead, assign_lead, hand_off, timeline

from .conftest import NOW, Brokerage, make_account, make_user


def warm(b: Brokerage, account_id: int, **fields: object) -> WarmLead:
    return WarmLead(
        account_id=account_id,
        campaign_id=b.campaign,
        rep_user_id=b.rep,
        product_id=fields.pop("product_id", b.advisory),  # type: ignore[arg-type]
        **fields,  # type: ignore[arg-type]
    )


async def test_an_owned_customer_goes_to_their_account_manager(brokerage: Brokerage) -> None:
    b = brokerage
    (manager,) = await b.account_managers(b.branch_b, "am-b", 1)
    # The account is filed under branch A but its manager works at B: the manager's branch wins.
    account = await make_account(b.pool, "Owned", b.branch_a, manager)
    with capture_logs() as logs:
        result = await hand_off(b.pool, warm(b, account, notes="wants advice"), NOW)
    assert (result.created, result.route) == (True, Route.OWNER)
    assert (result.branch_id, result.assigned_to) == (b.branch_b, manager)
    row = await b.pool.fetchrow("SELECT * FROM leads WHERE lead_id = $1", result.lead_id)
    assert (row["state"], row["notes"], row["rep_user_id"]) == ("new", "wants advice", b.rep)
    assert row["handed_off_at"] == NOW
    steps = await timeline(b.pool, result.lead_id)
    assert Counter(step["kind"] for step in steps) == {"handed_off": 1, "assigned": 1}
    assigned = next(step for step in steps if step["kind"] == "assigned")
    assert assigned["detail"] == {"assigned_to": manager, "how": "owner"}
    assert [event["event"] for event in logs] == ["lead_handed_off"]


async def test_an_inactive_owner_makes_the_customer_an_orphan(brokerage: Brokerage) -> None:
    b = brokerage
    gone = await make_user(b.pool, "gone", "account_manager", branch_id=b.branch_a, active=False)
    account = await make_account(b.pool, "Left behind", b.branch_a, gone)
    result = await hand_off(b.pool, warm(b, account), NOW)
    assert (result.route, result.branch_id, result.assigned_to) == (
        Route.BRANCH_QUEUE,
        b.branch_a,
        None,
    )


async def test_an_orphan_waits_in_a_manual_branchs_queue(brokerage: Brokerage) -> None:
    b = brokerage
    await b.account_managers(b.branch_a, "am-a", 2)
    account = await make_account(b.pool, "Orphan", b.branch_a)
    result = await hand_off(b.pool, warm(b, account), NOW)
    assert (result.route, result.branch_id, result.assigned_to) == (
        Route.BRANCH_QUEUE,
        b.branch_a,
        None,
    )
    kinds = [step["kind"] for step in await timeline(b.pool, result.lead_id)]
    assert sorted(kinds) == ["handed_off", "queued"]


async def test_a_customer_without_a_branch_stays_in_the_centre_pool(brokerage: Brokerage) -> None:
    b = brokerage
    account = await make_account(b.pool, "Prospect", None)
    result = await hand_off(b.pool, warm(b, account), NOW)
    assert (result.route, result.branch_id, result.assigned_to) == (Route.CENTRE_POOL, None, None)


async def test_round_robin_rotates_through_the_branchs_active_managers(
    brokerage: Brokerage,
) -> None:
    b = brokerage
    await b.pool.execute(
        "UPDATE branches SET lead_assignment = 'round_robin' WHERE branch_id = $1", b.branch_a
    )
    managers = await b.account_managers(b.branch_a, "am-a", 3)
    await make_user(b.pool, "am-a-off", "account_manager", branch_id=b.branch_a, active=False)
    await b.account_managers(b.branch_b, "am-b", 2)
    assigned = []
    for n in range(7):
        account = await make_account(b.pool, f"Orphan {n}", b.branch_a)
        result = await hand_off(b.pool, warm(b, account), NOW + timedelta(minutes=n))
        assert result.route is Route.ROUND_ROBIN
        assigned.append(result.assigned_to)
    assert assigned == [*managers, *managers, managers[0]]


async def test_least_loaded_gives_the_lead_to_the_manager_with_fewest_open_leads(
    brokerage: Brokerage,
) -> None:
    b = brokerage
    await b.pool.execute(
        "UPDATE branches SET lead_assignment = 'least_loaded' WHERE branch_id = $1", b.branch_a
    )
    busy, moderate, idle = await b.account_managers(b.branch_a, "am-a", 3)
    # busy holds two open leads, moderate one open and three won (closed leads do not count).
    for n, manager in enumerate([busy, busy, moderate]):
        owned = await make_account(b.pool, f"Owned {n}", b.branch_a, manager)
        await hand_off(b.pool, warm(b, owned), NOW)
    for n in range(3):
        owned = await make_account(b.pool, f"Won {n}", b.branch_a, idle)
        won = await hand_off(b.pool, warm(b, owned), NOW)
        await b.pool.execute("UPDATE leads SET state = 'won' WHERE lead_id = $1", won.lead_id)
    assigned = []
    for n in range(4):
        orphan = await make_account(b.pool, f"Orphan {n}", b.branch_a)
        result = await hand_off(b.pool, warm(b, orphan), NOW)
        assert result.route is Route.LEAST_LOADED
        assigned.append(result.assigned_to)
    # Open leads (busy, moderate, idle) start at (2, 1, 0): idle gets the first. At (2, 1, 1)
    # moderate and idle tie and moderate's newest lead is older: moderate. At (2, 2, 1): idle.
    # At (2, 2, 2) all tie and busy's newest lead is the oldest: busy.
    assert assigned == [idle, moderate, idle, busy]


async def test_a_second_warm_disposition_adds_to_the_open_lead(brokerage: Brokerage) -> None:
    b = brokerage
    (manager,) = await b.account_managers(b.branch_a, "am-a", 1)
    account = await make_account(b.pool, "Twice", b.branch_a, manager)
    first = await hand_off(b.pool, warm(b, account, notes="call after 6pm"), NOW)
    later = NOW + timedelta(days=1)
    second = await hand_off(
        b.pool,
        warm(b, account, notes="asked again", interest="advisory plan", preferred_contact_at=later),
        later,
    )
    assert (second.lead_id, second.created, second.route) == (
        first.lead_id,
        False,
        Route.EXISTING_LEAD,
    )
    row = await b.pool.fetchrow("SELECT * FROM leads WHERE lead_id = $1", first.lead_id)
    assert row["notes"] == "call after 6pm\nasked again"
    assert (row["interest"], row["preferred_contact_at"]) == ("advisory plan", later)
    steps = await timeline(b.pool, first.lead_id)
    assert steps[-1]["kind"] == "warm_disposition_added"
    assert steps[-1]["at"] == later
    assert steps[-1]["detail"]["notes"] == "asked again"
    # Another product is another lead; after the first lead is won, the same product opens anew.
    other = await hand_off(b.pool, warm(b, account, product_id=b.fund), NOW)
    assert other.created and other.lead_id != first.lead_id
    await b.pool.execute("UPDATE leads SET state = 'won' WHERE lead_id = $1", first.lead_id)
    reopened = await hand_off(b.pool, warm(b, account), later)
    assert reopened.created and reopened.lead_id not in (first.lead_id, other.lead_id)


async def test_the_database_refuses_a_second_open_lead(brokerage: Brokerage) -> None:
    b = brokerage
    account = await make_account(b.pool, "Constraint", b.branch_a)
    insert = (
        "INSERT INTO leads (account_id, campaign_id, product_id, rep_user_id, handed_off_at)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING lead_id"
    )
    first = await b.pool.fetchval(insert, account, b.campaign, None, b.rep, NOW)
    with pytest.raises(asyncpg.UniqueViolationError) as refused:
        await b.pool.fetchval(insert, account, b.campaign, None, b.rep, NOW)
    assert refused.value.constraint_name == "leads_one_open_per_interest"
    await b.pool.execute("UPDATE leads SET state = 'lost' WHERE lead_id = $1", first)
    assert await b.pool.fetchval(insert, account, b.campaign, None, b.rep, NOW) != first


async def test_concurrent_warm_dispositions_make_one_lead(brokerage: Brokerage) -> None:
    b = brokerage
    account = await make_account(b.pool, "Popular", b.branch_a)
    results = await asyncio.gather(
        *(hand_off(b.pool, warm(b, account, notes=f"rep note {n}"), NOW) for n in range(8))
    )
    assert len({result.lead_id for result in results}) == 1
    assert sum(result.created for result in results) == 1
    lead_id = results[0].lead_id
    assert await b.pool.fetchval("SELECT count(*) FROM leads WHERE account_id = $1", account) == 1
    kinds = Counter(step["kind"] for step in await timeline(b.pool, lead_id))
    assert kinds == {"handed_off": 1, "queued": 1, "warm_disposition_added": 7}
    notes = await b.pool.fetchval("SELECT notes FROM leads WHERE lead_id = $1", lead_id)
    assert sorted(notes.split("\n")) == [f"rep note {n}" for n in range(8)]


async def test_concurrent_orphans_are_spread_evenly_by_round_robin(brokerage: Brokerage) -> None:
    b = brokerage
    await b.pool.execute(
        "UPDATE branches SET lead_assignment = 'round_robin' WHERE branch_id = $1", b.branch_a
    )
    managers = await b.account_managers(b.branch_a, "am-a", 3)
    accounts = [await make_account(b.pool, f"Orphan {n}", b.branch_a) for n in range(9)]
    results = await asyncio.gather(*(hand_off(b.pool, warm(b, a), NOW) for a in accounts))
    assert Counter(result.assigned_to for result in results) == {m: 3 for m in managers}


async def test_an_unknown_account_is_named(brokerage: Brokerage) -> None:
    with pytest.raises(AccountNotFound, match="account 999999 does not exist"):
        await hand_off(brokerage.pool, warm(brokerage, 999999), NOW)


async def test_a_branch_manager_assigns_only_their_branchs_open_leads(brokerage: Brokerage) -> None:
    b = brokerage
    boss_a = await make_user(b.pool, "boss-a", "branch_manager", branch_id=b.branch_a)
    boss_b = await make_user(b.pool, "boss-b", "branch_manager", branch_id=b.branch_b)
    first_a, second_a = await b.account_managers(b.branch_a, "am-a", 2)
    (manager_b,) = await b.account_managers(b.branch_b, "am-b", 1)
    queued = await hand_off(b.pool, warm(b, await make_account(b.pool, "Orphan", b.branch_a)), NOW)
    lead_id = queued.lead_id

    with pytest.raises(LeadNotFound, match="branch"):
        await assign_lead(
            b.pool, lead_id, manager_b, branch_id=b.branch_b, actor_user_id=boss_b, now=NOW
        )
    with pytest.raises(AssignmentRefused, match="not an active account manager"):
        await assign_lead(
            b.pool, lead_id, manager_b, branch_id=b.branch_a, actor_user_id=boss_a, now=NOW
        )
    await assign_lead(b.pool, lead_id, first_a, branch_id=b.branch_a, actor_user_id=boss_a, now=NOW)
    later = NOW + timedelta(hours=1)
    await assign_lead(
        b.pool, lead_id, second_a, branch_id=b.branch_a, actor_user_id=boss_a, now=later
    )
    assert await b.pool.fetchval("SELECT assigned_to FROM leads WHERE lead_id = $1", lead_id) == (
        second_a
    )
    steps = await timeline(b.pool, lead_id)
    assert [step["kind"] for step in steps if step["at"] == later] == ["reassigned"]
    assert steps[-1]["actor_user_id"] == boss_a
    assert steps[-1]["detail"] == {"assigned_to": second_a, "previous": first_a, "how": "manual"}

    await b.pool.execute("UPDATE leads SET state = 'lost' WHERE lead_id = $1", lead_id)
    with pytest.raises(AssignmentRefused, match="only open leads"):
        await assign_lead(
            b.pool, lead_id, first_a, branch_id=b.branch_a, actor_user_id=boss_a, now=later
        )
