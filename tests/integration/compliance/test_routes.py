"""The compliance API: opt-outs, "why was this customer not called?", campaign checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from dialer.app import create_app
from dialer.compliance.gatekeeper import check_numbers
from dialer.http import Role
from tests.helpers import headers_for

from .callees import add_callee, add_campaign, add_product, claim_all

# Monday 23 November 2026, 10:00 in Beijing
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
CONSENTED = (("marketing", datetime(2026, 1, 1, tzinfo=UTC), None),)


@pytest.fixture
async def api(settings, pool: asyncpg.Pool) -> AsyncIterator[TestClient]:
    app = create_app(settings, pool=pool, clock=lambda: NOW)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def _decide(pool: asyncpg.Pool, campaign_id: int, now: datetime) -> None:
    numbers = await claim_all(pool, campaign_id, now)
    async with pool.acquire() as connection:
        outcomes = await check_numbers(
            connection, campaign_id, numbers, now, dial_mode="predictive"
        )
    for outcome in outcomes:  # back to the queue, as the engine does after a DELAY
        await pool.execute(
            "UPDATE campaign_numbers SET state = 'pending', leased_by = NULL,"
            " lease_expires_at = NULL WHERE phone_id = $1",
            outcome.phone_id,
        )


async def test_why_was_this_customer_not_called(api: TestClient, pool: asyncpg.Pool) -> None:
    await add_product(pool, "ADV-T", "R3", "advisor")
    blocked, _ = await add_callee(pool, "+8613800000001", risk="C2", consents=CONSENTED)
    fine, _ = await add_callee(pool, "+8613800000002", consents=CONSENTED)
    campaign_id = await add_campaign(pool, "cn advisory", product_code="ADV-T")
    await _decide(pool, campaign_id, NOW)
    await _decide(pool, campaign_id, NOW + timedelta(hours=12))  # 22:00: outside CN-H1
    headers = await headers_for(pool, Role.CAMPAIGN_MANAGER)

    response = await api.get(f"/api/v1/accounts/{blocked}/compliance", headers=headers)
    assert response.status == 200
    body = await response.json()
    decisions = body["decisions"]
    assert [d["verdict"] for d in decisions] == ["BLOCK", "BLOCK"]
    assert decisions[0]["at"] > decisions[1]["at"]  # newest first
    newest = decisions[0]
    assert newest["rules"] == ["CN-S1"]
    assert newest["rule_set_version"].startswith("CN-2026.1")
    assert "exceeds the customer's tolerance C2" in newest["reason"]
    assert "风险" in newest["reason_zh"]
    assert newest["campaign_id"] == campaign_id and newest["number"] == "+8613800000001"
    assert [f["rule_id"] for f in newest["findings"]] == ["CN-S1"]

    delayed = await (await api.get(f"/api/v1/accounts/{fine}/compliance", headers=headers)).json()
    # the 10:00 decision was a REQUIRE (a registered rep), not a block or delay: not listed
    [night] = delayed["decisions"]
    assert (night["verdict"], night["rules"]) == ("DELAY", ["CN-H1"])
    assert night["until"] == "2026-11-24T01:00:00+00:00"  # Tuesday 09:00 in Beijing
    assert "Earliest allowed" in night["reason"]
    limited = await api.get(f"/api/v1/accounts/{blocked}/compliance?limit=1", headers=headers)
    assert len((await limited.json())["decisions"]) == 1

    missing = await api.get("/api/v1/accounts/999999/compliance", headers=headers)
    assert missing.status == 404


async def test_an_opt_out_by_api_blocks_and_shows_in_the_explanation(
    api: TestClient, pool: asyncpg.Pool
) -> None:
    account_id, _ = await add_callee(pool, "+8613800000001", consents=CONSENTED)
    campaign_id = await add_campaign(pool, "cn service", purpose="service")
    rep = await headers_for(pool, Role.TELESALES_REP)
    response = await api.post(
        "/api/v1/dnc/opt-outs",
        json={"number": "138 0000 0001", "channel": "wechat", "note": "asked on WeChat"},
        headers=rep,
    )
    assert response.status == 201, await response.text()
    created = await response.json()
    assert created["number"] == "+8613800000001"
    assert created["account_ids"] == [account_id]
    assert created["blocked_from"] == NOW.isoformat()
    await _decide(pool, campaign_id, NOW)

    manager = await headers_for(pool, Role.TEAM_LEADER, "leader")
    body = await (
        await api.get(f"/api/v1/accounts/{account_id}/compliance", headers=manager)
    ).json()
    [decision] = body["decisions"]
    assert (decision["verdict"], decision["rules"]) == ("BLOCK", ["CN-C2"])
    assert "do-not-call" in decision["reason"]
    [entry] = body["dnc_entries"]
    assert (entry["list"], entry["scope"], entry["channel"], entry["live"]) == (
        "firm",
        "all",
        "wechat",
        True,
    )
    invalid = await api.post(
        "/api/v1/dnc/opt-outs", json={"number": "12", "channel": "sms"}, headers=rep
    )
    assert invalid.status == 422
    unknown_channel = await api.post(
        "/api/v1/dnc/opt-outs", json={"number": "+8613800000001", "channel": "fax"}, headers=rep
    )
    assert unknown_channel.status == 422


async def test_roles_that_may_not_use_the_compliance_routes_get_403(
    api: TestClient, pool: asyncpg.Pool
) -> None:
    account_id, _ = await add_callee(pool, "+8613800000001")
    campaign_id = await add_campaign(pool, "c")
    rep = await headers_for(pool, Role.TELESALES_REP)
    account_manager = await headers_for(pool, Role.ACCOUNT_MANAGER)
    leader = await headers_for(pool, Role.TEAM_LEADER)
    explain = f"/api/v1/accounts/{account_id}/compliance"
    check = f"/api/v1/campaigns/{campaign_id}/compliance-check"
    opt_out = {"number": "+8613800000001", "channel": "sms"}
    assert (await api.get(explain, headers=rep)).status == 403
    assert (await api.get(explain, headers=account_manager)).status == 403
    assert (await api.post(check, headers=leader)).status == 403
    assert (
        await api.post("/api/v1/dnc/opt-outs", json=opt_out, headers=account_manager)
    ).status == 403
    assert (await api.get(explain)).status == 401
    assert await pool.fetchval("SELECT count(*) FROM dnc_entries") == 0


async def test_campaign_compliance_check_lists_what_stops_the_start(
    api: TestClient, pool: asyncpg.Pool, settings
) -> None:
    campaign_id = await add_campaign(pool, "us predictive", jurisdiction="US", ring_seconds=15)
    headers = await headers_for(pool, Role.CAMPAIGN_MANAGER)
    url = f"/api/v1/campaigns/{campaign_id}/compliance-check"
    body = await (await api.post(url, headers=headers)).json()
    assert body["may_start"] is False
    assert body["rules"] == ["US-CLI", "US-A2", "US-D2"]
    assert any("no caller ID" in p for p in body["problems"])
    assert any("abandon message" in p for p in body["problems"])
    assert any("no national do-not-call snapshot" in p for p in body["problems"])

    await pool.execute(
        "UPDATE campaigns SET caller_id = '+12025550100', abandon_message = 'Example Securities,"
        " call us back' WHERE campaign_id = $1",
        campaign_id,
    )
    await pool.execute(
        "INSERT INTO dnc_snapshots (source, snapshot_date) VALUES ('national', $1)",
        date(2026, 10, 1),
    )
    body = await (await api.post(url, headers=headers)).json()
    assert body["rules"] == ["US-CLI", "US-D2"]
    assert any("not a number the firm owns" in p for p in body["problems"])
    assert any("53 days old" in p for p in body["problems"])

    await pool.execute(
        "UPDATE campaigns SET caller_id = $2 WHERE campaign_id = $1",
        campaign_id,
        settings.firm_callback_number,
    )
    await pool.execute(
        "INSERT INTO dnc_snapshots (source, snapshot_date) VALUES ('national', $1)",
        date(2026, 11, 20),
    )
    body = await (await api.post(url, headers=headers)).json()
    assert (body["may_start"], body["problems"]) == (True, [])
    assert (
        await api.post("/api/v1/campaigns/999999/compliance-check", headers=headers)
    ).status == 404
