"""The rep sees why the customer on screen was called now: the learned score's top reasons
on the customer pop (the best hour to reach them, and what moves their lead chance)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from dialer.app import create_app
from dialer.keys import EVENTS
from dialer.scoring.service import retrain_pass
from tests.e2e.conftest import screenshot
from tests.helpers import PASSWORD
from tests.integration.console.world import build_world, connect_call

pytestmark = pytest.mark.browser


@pytest.fixture
async def console_server(settings, pool) -> AsyncIterator[tuple[str, web.Application]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    app = create_app(settings, pool=pool)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", app
    await runner.cleanup()


async def test_the_pop_shows_the_score_s_reasons(console_server, page, pool):
    url, app = console_server
    world = await build_world(pool, customers=3, language="en")
    # a fortnight of history: these customers answer in the evening (19:00-20:00 in Shanghai)
    start = datetime.now(UTC) - timedelta(days=15)
    await pool.execute(
        "UPDATE account_phones SET time_zones = '{Asia/Shanghai}' WHERE account_id = ANY($1)",
        world.accounts,
    )
    for index in range(300):
        account = world.accounts[index % 3]
        at = start + timedelta(hours=index)
        contacted = at.astimezone(UTC).hour == 11  # 19:00 in Shanghai
        await pool.execute(
            "INSERT INTO call_attempts (campaign_id, account_id, phone_id, e164, idempotency_key,"
            " status, created_at, answered_at, bridged_at, ended_at, answered_by)"
            " SELECT $1, $2, phone_id, $3, $4, $5, $6, $7, $7, $6::timestamptz + interval '1 minute',"
            " $8 FROM account_phones WHERE account_id = $2 AND e164 = $3",
            world.campaign_id,
            account,
            world.phones[account],
            f"history-{index}",
            "completed" if contacted else "no_answer",
            at,
            at + timedelta(seconds=8) if contacted else None,
            "human" if contacted else None,
        )
    assert await retrain_pass(pool, datetime.now(UTC))
    await page.goto(f"{url}/rep")
    await page.fill("input[name=username]", "rep-li")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("#sign-in")
    await page.wait_for_selector("#campaign-select")
    await page.click("#console-log-in")
    await page.wait_for_selector("body[data-live=true]")
    await page.click("#go-ready")
    await page.wait_for_selector("#state[data-state=ready]")
    name = await pool.fetchval("SELECT name FROM accounts WHERE account_id = $1", world.accounts[0])
    await connect_call(pool, app[EVENTS], world, world.accounts[0], datetime.now(UTC))
    await page.wait_for_function(
        "name => document.getElementById('customer-name').textContent === name", arg=name
    )
    reasons = await page.inner_text("#customer-reasons")
    await screenshot(page, "console-why-now")
    assert "at 19–20 h local" in reasons, reasons
    assert reasons.startswith("answers ") and " · " in reasons
