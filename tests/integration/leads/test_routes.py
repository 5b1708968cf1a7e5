"""The leads API: branch isolation on every route, the account manager's steps, conversions."""

from __future__ import annotations

from typing import Any

from dialer.leads.handoff import WarmLead, hand_off
from tests.helpers import token_headers

from .conftest import NOW, Brokerage, make_account, make_user


async def orphan_lead(b: Brokerage, branch_id: int, name: str) -> int:
    account = await make_account(b.pool, name, branch_id)
    result = await hand_off(
        b.pool, WarmLead(account_id=account, campaign_id=b.campaign, rep_user_id=b.rep), NOW
    )
    return result.lead_id


async def test_branch_staff_cannot_reach_another_branchs_lead_through_any_route(
    client: Any, brokerage: Brokerage
) -> None:
    b = brokerage
    lead_a = await orphan_lead(b, b.branch_a, "Customer of A")
    manager_a = await make_user(b.pool, "am-a", "account_manager", branch_id=b.branch_a)
    other_manager_a = await make_user(b.pool, "am-a2", "account_manager", branch_id=b.branch_a)
    boss_a = await make_user(b.pool, "boss-a", "branch_manager", branch_id=b.branch_a)
    await client.post(
        f"/api/v1/leads/{lead_a}/assign",
        json={"account_manager_id": manager_a},
        headers=await token_headers(b.pool, boss_a),
    )
    outsiders = {
        "branch manager of B": await make_user(
            b.pool, "boss-b", "branch_manager", branch_id=b.branch_b
        ),
        "account manager of B": await make_user(
            b.pool, "am-b", "account_manager", branch_id=b.branch_b
        ),
        "another account manager of A": other_manager_a,
    }
    routes = [
        ("GET", f"/api/v1/leads/{lead_a}", None),
        ("POST", f"/api/v1/leads/{lead_a}/assign", {"account_manager_id": manager_a}),
        ("POST", f"/api/v1/leads/{lead_a}/accept", {}),
        ("POST", f"/api/v1/leads/{lead_a}/contacts", {"reached": True}),
        ("POST", f"/api/v1/leads/{lead_a}/outcome", {"outcome": "won"}),
        # the centre's pool is the centre's alone
        ("GET", "/api/v1/lead-pool", None),
        ("POST", f"/api/v1/lead-pool/{lead_a}/reroute", {}),
        # the inbox pages' forms
        ("POST", f"/branch/leads/{lead_a}/assign", {"account_manager_id": str(manager_a)}),
        ("POST", f"/branch/leads/{lead_a}/accept", {}),
        ("POST", f"/branch/leads/{lead_a}/contact", {"reached": "1"}),
        ("POST", f"/branch/leads/{lead_a}/outcome", {"outcome": "won"}),
    ]
    refused = 0
    for who, user_id in outsiders.items():
        headers = await token_headers(b.pool, user_id)
        listing = await (await client.get("/api/v1/leads", headers=headers)).json()
        assert lead_a not in [lead["lead_id"] for lead in listing["leads"]], who
        inbox = await client.get("/branch/leads?state=new", headers=headers)
        assert inbox.status in (200, 403)
        assert f'id="lead-{lead_a}"' not in await inbox.text(), who
        for method, path, body in routes:
            if path.startswith("/branch/"):
                response = await client.request(
                    method, path, data=body, headers=headers, allow_redirects=False
                )
            else:
                response = await client.request(method, path, json=body, headers=headers)
            # 403 where the role may not use the route at all, 404 where it may but the lead
            # is not theirs: never 200, and never a hint that the lead exists.
            assert response.status in (403, 404), (who, method, path, response.status)
            if response.status == 404:
                assert "among the leads you can see" in await response.text()
            refused += 1
    assert refused == len(outsiders) * len(routes)
    # Nothing moved.
    row = await b.pool.fetchrow("SELECT state, assigned_to FROM leads WHERE lead_id = $1", lead_a)
    assert (row["state"], row["assigned_to"]) == ("new", manager_a)
    # The branch manager of A and the assigned manager do see it.
    for user_id in (boss_a, manager_a):
        response = await client.get(
            f"/api/v1/leads/{lead_a}", headers=await token_headers(b.pool, user_id)
        )
        assert response.status == 200


async def test_an_orphan_lead_is_assigned_accepted_worked_and_won(
    client: Any, brokerage: Brokerage
) -> None:
    b = brokerage
    lead_id = await orphan_lead(b, b.branch_a, "Orphan")
    boss = await token_headers(
        b.pool, await make_user(b.pool, "boss-a", "branch_manager", branch_id=b.branch_a)
    )
    manager_id = await make_user(b.pool, "am-a", "account_manager", branch_id=b.branch_a)
    manager = await token_headers(b.pool, manager_id)

    queue = await (await client.get("/api/v1/leads?state=new", headers=boss)).json()
    assert [lead["lead_id"] for lead in queue["leads"]] == [lead_id]
    assert queue["leads"][0]["assigned_to"] is None
    assert (await (await client.get("/api/v1/leads", headers=manager)).json())["leads"] == []

    assigned = await client.post(
        f"/api/v1/leads/{lead_id}/assign", json={"account_manager_id": manager_id}, headers=boss
    )
    assert assigned.status == 200
    early = await client.post(
        f"/api/v1/leads/{lead_id}/outcome", json={"outcome": "won"}, headers=manager
    )
    assert early.status == 409
    assert "accept it first" in (await early.json())["detail"]
    steps = [
        ("accept", {}, "accepted"),
        ("contacts", {"reached": False, "note": "no answer"}, "accepted"),
        ("contacts", {"reached": True, "note": "meeting Friday"}, "contacted"),
        ("outcome", {"outcome": "won", "note": "signed advisory"}, "won"),
    ]
    for path, body, state in steps:
        response = await client.post(f"/api/v1/leads/{lead_id}/{path}", json=body, headers=manager)
        assert response.status == 200, (path, await response.text())
        assert (await response.json())["state"] == state
    again = await client.post(f"/api/v1/leads/{lead_id}/accept", headers=manager, json={})
    assert again.status == 409
    detail = (await (await client.get(f"/api/v1/leads/{lead_id}", headers=manager)).json())["lead"]
    assert detail["state"] == "won"
    assert detail["accepted_at"] and detail["first_contact_at"] and detail["closed_at"]
    kinds = [step["kind"] for step in detail["timeline"]]
    for kind in (
        "handed_off",
        "queued",
        "assigned",
        "accept",
        "contact_missed",
        "contact_reached",
        "won",
    ):
        assert kind in kinds
    won = next(step for step in detail["timeline"] if step["kind"] == "won")
    assert won["detail"] == {"from": "contacted", "to": "won", "note": "signed advisory"}


async def test_conversions_arrive_by_the_api_with_the_same_rules(
    client: Any, brokerage: Brokerage
) -> None:
    b = brokerage
    account = await make_account(b.pool, "Customer", b.branch_a)
    await b.pool.execute("UPDATE accounts SET account_number = 'A1' WHERE account_id = $1", account)
    admin = await token_headers(b.pool, await make_user(b.pool, "root", "admin"))
    rows = [
        {
            "external_ref": "C1",
            "account_number": "A1",
            "kind": "funds_in",
            "occurred_on": "2026-11-02",
            "amount": "100.50",
        },
        {
            "external_ref": "C2",
            "account_number": "A1",
            "kind": "net_commission",
            "occurred_on": "2026-11-30",
            "amount": 12.5,
            "period": "2026-11",
        },
        {
            "external_ref": "C3",
            "account_number": "A404",
            "kind": "funds_in",
            "occurred_on": "2026-11-02",
        },
    ]
    first = await client.post("/api/v1/conversions", json={"rows": rows}, headers=admin)
    assert first.status == 201
    report = await first.json()
    assert (report["rows_total"], report["accepted"], report["rejected"]) == (3, 1, 2)
    reasons = {r["line"]: r["reason"] for r in report["rejects"]}
    assert "send amounts as strings" in reasons[2]
    assert reasons[3] == "no account numbered A404"
    second = await client.post("/api/v1/conversions", json={"rows": rows}, headers=admin)
    assert second.status == 200
    assert (await second.json())["unchanged"] == 1
    assert await b.pool.fetchval("SELECT amount_cents FROM conversions") == 10050
    bad_zone = await client.post(
        "/api/v1/conversions", json={"rows": rows, "time_zone": "Nowhere/City"}, headers=admin
    )
    assert bad_zone.status == 422
