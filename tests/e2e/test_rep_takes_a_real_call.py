"""The whole path in a browser: the engine dials through the Twilio adapter into the carrier
simulator, the simulated customer answers, the call is bridged to the rep who is ready in
chromium, the customer pops, and the rep records the outcome by keyboard; twice.

The pop is timed from the instant the engine bridged the call (`bridged_at`, on the
service's clock) to the moment rep.js put the customer on screen (`data-popped-at-ms`,
the browser's clock on the same machine)."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import UTC, datetime

import asyncpg
import pytest
from aiohttp import web

from dialer.app import create_app
from dialer.clock import shifted_clock
from dialer.keys import CLOCK, TELEPHONY
from dialer.routes.campaigns import NewCampaign, create_campaign
from dialer.seed import DEMO_PASSWORD, seed
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.browser

# a Tuesday, 10:00 in Beijing: inside CN calling hours
CAMPAIGN_DAY = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
EVERYONE_ANSWERS = {
    "name": "everyone answers and talks a while",
    "agents": 1,
    "shift_hours": 1,
    "seeds": [1],
    "outcomes": {"human": 1.0, "machine": 0.0, "busy": 0.0, "no_answer": 0.0, "invalid": 0.0},
    "ring_seconds": {"dist": "fixed", "value": 1},
    "talk_seconds": {"dist": "fixed", "value": 120},
    "wrap_seconds": {"dist": "fixed", "value": 5},
    "amd": {"mode": "off"},
}


@pytest.fixture
async def live_service(settings, pool, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps(EVERYONE_ANSWERS))
    settings.public_base_url = f"http://127.0.0.1:{port}"
    settings.sim_scenario = scenario
    clock = shifted_clock(CAMPAIGN_DAY)
    app = create_app(settings, pool=pool, clock=clock)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", app
    await runner.cleanup()


async def test_real_calls_pop_within_a_second_of_the_bridge(live_service, page, pool):
    url, app = live_service
    await seed(pool, accounts=30, seed_value=9)
    campaign_id = await create_campaign(
        pool,
        NewCampaign(
            name="回访：流失客户 (service)",
            purpose="service",
            target_segments=["lapsed", "dormant", "empty", "orphan", "withdrawn", "new"],
            pacing_mode="progressive",
            jurisdiction="CN",
            caller_id="+862195500000",
            abandon_message="Example Securities; please call us back.",
        ),
        None,
    )
    await page.goto(f"{url}/rep")
    await page.fill("input[name=username]", "rep01")
    await page.fill("input[name=password]", DEMO_PASSWORD)
    await page.click("#sign-in")
    await page.wait_for_selector("#campaign-select")
    await page.select_option("#campaign-select", str(campaign_id))
    await page.click("#console-log-in")
    await page.wait_for_selector("body[data-live=true]")
    await page.click("#go-ready")
    await page.wait_for_selector("#state[data-state=ready]")

    telephony = app[TELEPHONY]
    rep = await pool.fetchval("SELECT user_id FROM users WHERE username = 'rep01'")
    # the service runs on a shifted clock; the browser on this machine's: the difference
    # turns the bridge instant the service recorded into the browser's time
    service_ahead = app[CLOCK]() - datetime.now(UTC)

    async def next_bridged_call(seen: set[int]) -> asyncpg.Record:
        for _ in range(400):
            row = await pool.fetchrow(
                "SELECT call_attempt_id, account_id, agent_user_id, bridged_at"
                " FROM call_attempts WHERE campaign_id = $1 AND bridged_at IS NOT NULL"
                " AND NOT call_attempt_id = ANY($2::bigint[]) ORDER BY bridged_at LIMIT 1",
                campaign_id,
                list(seen),
            )
            if row is not None:
                return row
            await asyncio.sleep(0.05)
        raise AssertionError("the engine placed no call that was answered and bridged")

    async def popped_within_a_second(bridged: asyncpg.Record) -> None:
        name = await pool.fetchval(
            "SELECT name FROM accounts WHERE account_id = $1", bridged["account_id"]
        )
        await page.wait_for_function(
            "([name, call]) => document.getElementById('customer-name').textContent === name"
            " && document.getElementById('pop').dataset.callAttemptId === String(call)",
            arg=[name, bridged["call_attempt_id"]],
            timeout=5000,
        )
        popped_ms = int(await page.get_attribute("#pop", "data-popped-at-ms") or 0)
        bridged_ms = (bridged["bridged_at"] - service_ahead).timestamp() * 1000
        # from the instant the engine bridged the call to the customer's name on screen
        assert 0 <= popped_ms - bridged_ms < 1000, popped_ms - bridged_ms
        assert bridged["agent_user_id"] == rep

    await telephony.start_campaign(campaign_id, app[CLOCK]())
    try:
        first = await next_bridged_call(set())
        await popped_within_a_second(first)
        await screenshot(page, "real-call-01-pop")
        await page.keyboard.press("3")  # not interested
        await page.keyboard.press("Control+Enter")
        await page.wait_for_selector("#state[data-state=wrap_up]")
        await screenshot(page, "real-call-02-recorded")
        code = await pool.fetchval(
            "SELECT code FROM dispositions WHERE call_attempt_id = $1", first["call_attempt_id"]
        )
        assert code == "NOT_INTERESTED"

        # R: ready again; the engine bridges the next customer, who pops just as fast
        await page.keyboard.press("r")
        await page.wait_for_selector("#state[data-state=ready]")
        second = await next_bridged_call({first["call_attempt_id"]})
        await popped_within_a_second(second)
        await page.keyboard.press("5")  # wrong number
        await page.keyboard.press("Control+Enter")
        await page.wait_for_selector("#state[data-state=wrap_up]")
        await screenshot(page, "real-call-03-second-recorded")
        code = await pool.fetchval(
            "SELECT code FROM dispositions WHERE call_attempt_id = $1", second["call_attempt_id"]
        )
        assert code == "WRONG_NUMBER"
    finally:
        await telephony.stop_campaign(campaign_id)
