"""The console's flows through the JSON API alone, as a firm's own desktop would use it."""

from __future__ import annotations

from decimal import Decimal

from dialer.http import Role
from dialer.keys import EVENTS
from tests.helpers import headers_for
from tests.integration.console.world import (
    build_world,
    connect_call,
    end_call,
    gate_decision,
    second_campaign,
)


async def _state(client, headers) -> dict:
    response = await client.get("/api/v1/console/session", headers=headers)
    assert response.status == 200
    return await response.json()


async def test_log_in_ready_pause_log_out_are_stored_with_the_app_clock(
    console_client, pool, clock
):
    world = await build_world(pool)
    h = world.rep_headers
    listed = await (await console_client.get("/api/v1/console/campaigns", headers=h)).json()
    assert [c["campaign_id"] for c in listed["campaigns"]] == [world.campaign_id]

    assert (await _state(console_client, h))["logged_in"] is False
    response = await console_client.post(
        "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
    )
    assert response.status == 201
    view = await response.json()
    assert view["session"]["state"] == "paused" and view["session"]["pause_code"] == "login"

    clock.advance(5)
    view = await (
        await console_client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
    ).json()
    assert view["session"]["state"] == "ready"
    clock.advance(60)
    response = await console_client.post(
        "/api/v1/console/state", json={"state": "paused", "pause_code": "lunch"}, headers=h
    )
    assert (await response.json())["session"]["pause_code"] == "lunch"
    refused = await console_client.post(
        "/api/v1/console/state", json={"state": "paused", "pause_code": "nap"}, headers=h
    )
    assert refused.status == 422
    clock.advance(1800)
    response = await console_client.post("/api/v1/console/logout", headers=h)
    assert (await response.json())["logged_in"] is False

    changes = await pool.fetch(
        "SELECT from_state, to_state, pause_code, at FROM agent_state_changes ORDER BY at, to_state"
    )
    assert [(c["from_state"], c["to_state"], c["pause_code"]) for c in changes] == [
        ("logged_out", "paused", "login"),
        ("paused", "ready", None),
        ("ready", "paused", "lunch"),
        ("paused", "logged_out", None),
    ]
    assert changes[-1]["at"] == clock.now
    assert (changes[1]["at"] - changes[0]["at"]).total_seconds() == 5
    session = await pool.fetchrow("SELECT ended_at, state FROM agent_sessions")
    assert session["state"] == "logged_out" and session["ended_at"] == clock.now


async def test_a_connected_call_is_worked_start_to_finish_through_the_api(
    console_client, pool, clock
):
    world = await build_world(pool)
    h = world.rep_headers
    await console_client.post(
        "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
    )
    await console_client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
    account = world.accounts[0]
    # an earlier call from another campaign is part of the customer's history
    other_campaign = await second_campaign(pool, world)
    earlier = await connect_call(
        pool, None, world, account, clock.advance(1), campaign_id=other_campaign
    )
    await end_call(pool, earlier, clock.advance(30))
    response = await console_client.post(
        "/api/v1/console/dispositions",
        json={
            "call_attempt_id": earlier,
            "code": "NOT_INTERESTED",
            "idempotency_key": "earlier-call-1",
            "note": "只想了解费率",
        },
        headers=h,
    )
    assert response.status == 201, await response.text()
    await console_client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)

    call = await connect_call(pool, console_client.app[EVENTS], world, account, clock.advance(3600))
    session = (await _state(console_client, h))["session"]
    assert session["state"] == "on_call" and session["call_attempt_id"] == call

    pop = await (await console_client.get(f"/api/v1/console/calls/{call}", headers=h)).json()
    customer = pop["customer"]
    assert customer["name"] == "客户甲0"
    assert (customer["segment"], customer["tier"], customer["risk_level"]) == (
        "lapsed",
        "gold",
        "C3",
    )
    assert customer["branch"] == "SH01 branch" and customer["account_manager"] == "Am-Wang"
    assert customer["assets_band"] == "100k_500k"
    assert customer["products"]["offered"]["suitable"] is True
    assert customer["products"]["holdings"] == ["现金管理产品"]
    assert customer["time_zone"] == "Asia/Shanghai" and customer["local_time"] == "2026-11-24 11:00"
    assert "****" in customer["phone"]
    earlier_row = next(h for h in pop["history"] if h["call_attempt_id"] == earlier)
    assert earlier_row["disposition"] == "NOT_INTERESTED" and earlier_row["note"] == "只想了解费率"
    assert earlier_row["campaign_name"] == "Dormant wake-up"
    disclosures = {d["kind"]: d["text"] for d in pop["script"]["disclosures"]}
    assert disclosures["rep_name"] == "李娜"
    assert disclosures["qualification_number"] == "S1234567890"
    assert disclosures["firm"] == "Example Securities"
    assert "投资有风险" in disclosures["risk_warning"]
    assert "S1234567890" in pop["script"]["opening"]
    assert {d["code"] for d in pop["dispositions"]} >= {"WARM", "CALLBACK", "DNC"}

    # ready is refused while the call has no outcome
    refused = await console_client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
    assert refused.status == 409
    clock.advance(90)
    response = await console_client.post(
        "/api/v1/console/dispositions",
        json={
            "call_attempt_id": call,
            "code": "WARM",
            "idempotency_key": "call-2-warm",
            "note": "下周到营业部面谈",
            "interest": "稳健投顾组合",
        },
        headers=h,
    )
    assert response.status == 201, await response.text()
    recorded = await response.json()
    assert recorded["lead_id"] is not None
    lead = await pool.fetchrow("SELECT * FROM leads WHERE lead_id = $1", recorded["lead_id"])
    assert lead["interest"] == "稳健投顾组合" and lead["assigned_to"] == world.manager_id
    assert (await _state(console_client, h))["session"]["state"] == "wrap_up"

    day = await (await console_client.get("/api/v1/console/my-day", headers=h)).json()
    assert day["calls"] == 2 and day["contacts"] == 2 and day["warm_leads"] == 1
    assert day["talk_seconds"] == 30 + 90
    assert day["average_talk_seconds"] == 60
    # logged in since the first instant on the frozen clock: 1 + 30 + 3600 + 90 seconds;
    # 2 calls in 3721 s is 1.93 an hour, shown to one decimal
    assert day["logged_in_seconds"] == 1 + 30 + 3600 + 90
    assert Decimal(str(day["calls_per_hour"])) == Decimal("1.9")

    clock.advance(5)
    ready = await console_client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
    assert ready.status == 200
    assert (await ready.json())["session"]["call_attempt_id"] is None


async def test_warm_lead_needs_an_interest_and_unknown_codes_are_refused(
    console_client, pool, clock
):
    world = await build_world(pool)
    h = world.rep_headers
    await console_client.post(
        "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
    )
    await console_client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
    call = await connect_call(pool, None, world, world.accounts[0], clock.advance(1))
    for code, reason in [
        ("WARM", "interested in"),
        ("NOPE", "not a disposition code"),
        ("DISCONNECTED", "recorded by the system"),
        ("CALLBACK", "callback needs"),
    ]:
        response = await console_client.post(
            "/api/v1/console/dispositions",
            json={"call_attempt_id": call, "idempotency_key": f"key-{code}-1", "code": code},
            headers=h,
        )
        assert response.status == 422, (code, await response.text())
        assert reason in (await response.json())["detail"]
    assert await pool.fetchval("SELECT count(*) FROM dispositions") == 0


async def test_callbacks_are_checked_by_the_compliance_gate_in_the_customers_time(
    console_client, pool, clock
):
    world = await build_world(pool)
    h = world.rep_headers
    await console_client.post(
        "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
    )
    await console_client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
    call = await connect_call(pool, None, world, world.accounts[0], clock.advance(1))
    late = await console_client.post(
        "/api/v1/console/dispositions",
        json={
            "call_attempt_id": call,
            "code": "CALLBACK",
            "idempotency_key": "callback-key-1",
            "callback_local": "2026-11-25T22:30",
        },
        headers=h,
    )
    assert late.status == 422
    problem = await late.json()
    assert "CN-H1" in problem["detail"] and "22:30" in problem["detail"]
    assert await pool.fetchval("SELECT count(*) FROM callbacks") == 0

    accepted = await console_client.post(
        "/api/v1/console/dispositions",
        json={
            "call_attempt_id": call,
            "code": "CALLBACK",
            "idempotency_key": "callback-key-1",
            "callback_local": "2026-11-25T10:30",
            "note": "明早再联系",
        },
        headers=h,
    )
    assert accepted.status == 201, await accepted.text()
    body = await accepted.json()
    assert body["callback_due_local"] == "2026-11-25 10:30"
    assert body["customer_time_zone"] == "Asia/Shanghai"
    due = await pool.fetchval("SELECT due_at FROM callbacks WHERE owner_user_id = $1", world.rep_id)
    assert due.isoformat() == "2026-11-25T02:30:00+00:00"
    day = await (await console_client.get("/api/v1/console/my-day", headers=h)).json()
    assert day["callbacks_due"] == 0  # due tomorrow, not today
    clock.advance(24 * 3600)
    day = await (await console_client.get("/api/v1/console/my-day", headers=h)).json()
    assert day["callbacks_due"] == 1


async def test_do_not_call_blocks_the_number_at_once(console_client, pool, clock):
    world = await build_world(pool)
    h = world.rep_headers
    await console_client.post(
        "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
    )
    await console_client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
    account = world.accounts[1]
    before = await gate_decision(pool, world, account, clock.now)
    assert before.verdict.value == "ALLOW"
    call = await connect_call(pool, None, world, account, clock.advance(1))
    response = await console_client.post(
        "/api/v1/console/dispositions",
        json={"call_attempt_id": call, "code": "DNC", "idempotency_key": "dnc-key-1"},
        headers=h,
    )
    assert response.status == 201
    entry = await pool.fetchrow("SELECT * FROM dnc_entries")
    assert entry["e164"] == world.phones[account] and entry["source"] == "firm"
    assert entry["added_at"] == clock.now and entry["account_id"] == account
    after = await gate_decision(pool, world, account, clock.now)
    assert after.verdict.value == "BLOCK" and "do-not-call" in after.reason
    audit = await pool.fetchval("SELECT detail FROM audit_log WHERE kind = 'dnc_added'")
    assert audit["source"] == "firm" and audit["call_attempt_id"] == call
    assert world.phones[account] not in str(audit)  # the number is masked


async def test_a_disposition_for_another_reps_call_is_refused(console_client, pool, clock):
    world = await build_world(pool)
    other = await headers_for(pool, Role.TELESALES_REP, "rep-zhao")
    await console_client.post(
        "/api/v1/console/session",
        json={"campaign_id": world.campaign_id},
        headers=world.rep_headers,
    )
    await console_client.post(
        "/api/v1/console/state", json={"state": "ready"}, headers=world.rep_headers
    )
    call = await connect_call(pool, None, world, world.accounts[0], clock.advance(1))
    response = await console_client.post(
        "/api/v1/console/dispositions",
        json={"call_attempt_id": call, "code": "NOT_INTERESTED", "idempotency_key": "steal-key-1"},
        headers=other,
    )
    assert response.status == 403
    assert (await console_client.get(f"/api/v1/console/calls/{call}", headers=other)).status == 403
    missing = await console_client.post(
        "/api/v1/console/dispositions",
        json={
            "call_attempt_id": call + 99,
            "code": "NOT_INTERESTED",
            "idempotency_key": "missing-key-1",
        },
        headers=world.rep_headers,
    )
    assert missing.status == 404
    assert await pool.fetchval("SELECT count(*) FROM dispositions") == 0


async def test_wrap_up_returns_to_ready_after_the_campaign_maximum(console_client, pool, clock):
    from dialer.console.disconnects import sweep_wrap_ups

    world = await build_world(pool, wrap_up_max_seconds=20)
    h = world.rep_headers
    await console_client.post(
        "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
    )
    await console_client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
    call = await connect_call(pool, None, world, world.accounts[0], clock.advance(1))
    await console_client.post(
        "/api/v1/console/dispositions",
        json={"call_attempt_id": call, "code": "VOICEMAIL", "idempotency_key": "voicemail-key-1"},
        headers=h,
    )
    assert await sweep_wrap_ups(pool, clock.advance(19)) == []
    assert await sweep_wrap_ups(pool, clock.advance(1)) == [world.rep_id]
    assert (await _state(console_client, h))["session"]["state"] == "ready"


async def test_preview_mode_shows_the_next_account_with_dial_and_skip(console_client, pool, clock):
    world = await build_world(pool, pacing_mode="preview")
    h = world.rep_headers
    await console_client.post(
        "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
    )
    events = console_client.app[EVENTS]
    async with events.subscribe(f"campaign:{world.campaign_id}") as queue:
        first = await (await console_client.get("/api/v1/console/preview", headers=h)).json()
        assert first["account_id"] == world.accounts[0] and "****" in first["phone"]
        skipped = await console_client.post(
            f"/api/v1/console/preview/{first['account_id']}/skip", headers=h
        )
        assert skipped.status == 201
        second = await (await console_client.get("/api/v1/console/preview", headers=h)).json()
        assert second["account_id"] == world.accounts[1]
        dial = await console_client.post(
            f"/api/v1/console/preview/{second['account_id']}/dial", headers=h
        )
        assert dial.status == 201
        again = await console_client.post(
            f"/api/v1/console/preview/{second['account_id']}/dial", headers=h
        )
        assert again.status == 200 and (await again.json())["replayed"] is True
        import asyncio

        event = await asyncio.wait_for(queue.get(), 5)
        assert event["kind"] == "preview_dial" and event["account_id"] == world.accounts[1]
        assert event["user_id"] == world.rep_id
    third = await (await console_client.get("/api/v1/console/preview", headers=h)).json()
    assert third["account_id"] == world.accounts[2]
    assert await pool.fetchval("SELECT count(*) FROM preview_decisions") == 2


async def test_the_console_api_is_in_the_openapi_document(console_client):
    document = await (await console_client.get("/api/openapi.json")).json()
    post = document["paths"]["/api/v1/console/dispositions"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/NewDisposition"
    )
    schemas = document["components"]["schemas"]
    assert "idempotency_key" in schemas["NewDisposition"]["required"]
    assert "calls_per_hour" in schemas["MyDay"]["properties"]
    for path in (
        "/api/v1/console/session",
        "/api/v1/console/state",
        "/api/v1/console/logout",
        "/api/v1/console/calls/{call_attempt_id}",
        "/api/v1/console/my-day",
        "/api/v1/console/preview",
        "/api/v1/console/preview/{account_id}/dial",
    ):
        assert path in document["paths"], path


async def test_a_rep_cannot_leave_a_call_without_its_outcome(console_client, pool, clock):
    world = await build_world(pool)
    h = world.rep_headers
    other_campaign = await second_campaign(pool, world)
    await console_client.post(
        "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
    )
    # ready or paused, a rep may switch campaign; the first session is closed
    switched = await console_client.post(
        "/api/v1/console/session", json={"campaign_id": other_campaign}, headers=h
    )
    assert (await switched.json())["session"]["campaign_id"] == other_campaign
    assert await pool.fetchval("SELECT count(*) FROM agent_sessions WHERE ended_at IS NULL") == 1
    await console_client.post(
        "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
    )
    await console_client.post("/api/v1/console/state", json={"state": "ready"}, headers=h)
    await connect_call(pool, None, world, world.accounts[0], clock.advance(1))
    for path, body in [
        ("/api/v1/console/state", {"state": "paused", "pause_code": "break"}),
        ("/api/v1/console/state", {"state": "ready"}),
        ("/api/v1/console/logout", None),
        ("/api/v1/console/session", {"campaign_id": other_campaign}),
    ]:
        response = await console_client.post(path, json=body, headers=h)
        assert response.status == 409, (path, await response.text())
    assert (await _state(console_client, h))["session"]["state"] == "on_call"
    missing = await console_client.post(
        "/api/v1/console/session", json={"campaign_id": 999}, headers=h
    )
    assert missing.status == 404
