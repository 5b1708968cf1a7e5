"""A rep closes the browser in the middle of a call: the call keeps its record, is wrapped
up with DISCONNECTED once the grace period has passed on the service's clock, and the rep
is paused, not ready; signing in again shows why."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web

from dialer.app import create_app
from dialer.console import disconnects
from dialer.keys import EVENTS, SETTINGS
from tests.e2e.conftest import screenshot
from tests.helpers import PASSWORD
from tests.integration.console.world import MORNING, FrozenClock, build_world, connect_call

pytestmark = pytest.mark.browser


@pytest.fixture
async def frozen_server(
    settings, pool, monkeypatch
) -> AsyncIterator[tuple[str, web.Application, FrozenClock]]:
    """The real app on a clock the test moves; the background sweeper is held off so the
    test runs the sweep at the instants it chooses."""
    monkeypatch.setattr(disconnects, "SWEEP_INTERVAL_SECONDS", 3600.0)
    clock = FrozenClock(MORNING)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    app = create_app(settings, pool=pool, clock=clock)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", app, clock
    await runner.cleanup()


async def _sign_in(page, url: str) -> None:
    await page.goto(f"{url}/rep")
    await page.fill("input[name=username]", "rep-li")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("#sign-in")


async def test_closing_the_browser_mid_call_wraps_it_up_and_pauses_the_rep(
    frozen_server, browser, pool
):
    url, app, clock = frozen_server
    world = await build_world(pool, language="en")
    grace = disconnects.disconnect_grace(app[SETTINGS])
    context = await browser.new_context(locale="en-US")
    page = await context.new_page()
    await _sign_in(page, url)
    await page.wait_for_selector("#campaign-select")
    await page.click("#console-log-in")
    await page.wait_for_selector("body[data-live=true]")
    await page.click("#go-ready")
    await page.wait_for_selector("#state[data-state=ready]")

    account = world.accounts[0]
    call = await connect_call(pool, app[EVENTS], world, account, clock.advance(1))
    name = await pool.fetchval("SELECT name FROM accounts WHERE account_id = $1", account)
    await page.wait_for_function(
        "name => document.getElementById('customer-name').textContent === name", arg=name
    )
    await screenshot(page, "disconnect-01-on-call")
    clock.advance(20)  # talking
    await context.close()  # the browser is gone mid-call, nothing recorded

    for _ in range(100):
        if await pool.fetchval(
            "SELECT closed_at FROM console_connections WHERE user_id = $1", world.rep_id
        ):
            break
        await asyncio.sleep(0.05)
    closed_at = await pool.fetchval(
        "SELECT closed_at FROM console_connections WHERE user_id = $1", world.rep_id
    )
    assert closed_at == clock.now

    # inside the grace period nothing happens: the rep may be reloading the page
    just_before = closed_at + grace - timedelta(seconds=1)
    assert await disconnects.sweep_disconnected(pool, just_before, grace) == []
    assert await pool.fetchval("SELECT state FROM agent_sessions") == "on_call"

    swept_at = closed_at + grace
    assert await disconnects.sweep_disconnected(pool, swept_at, grace) == [world.rep_id]
    record = await pool.fetchrow(
        "SELECT status, agent_user_id, bridged_at FROM call_attempts WHERE call_attempt_id = $1",
        call,
    )
    assert record["status"] == "in_progress"  # the call itself is untouched
    assert record["agent_user_id"] == world.rep_id and record["bridged_at"] is not None
    disposition = await pool.fetchrow(
        "SELECT code, agent_user_id, recorded_at FROM dispositions WHERE call_attempt_id = $1",
        call,
    )
    assert dict(disposition) == {
        "code": "DISCONNECTED",
        "agent_user_id": world.rep_id,
        "recorded_at": swept_at,
    }
    session = await pool.fetchrow(
        "SELECT state, pause_code, current_call_attempt_id FROM agent_sessions"
    )
    assert dict(session) == {
        "state": "paused",
        "pause_code": "disconnected",
        "current_call_attempt_id": None,
    }
    assert [
        tuple(r)
        for r in await pool.fetch(
            "SELECT from_state, to_state FROM agent_state_changes WHERE at = $1"
            " ORDER BY to_state DESC",
            swept_at,
        )
    ] == [("on_call", "wrap_up"), ("wrap_up", "paused")]

    # back in a new browser: paused, with the reason, not ready
    context = await browser.new_context(locale="en-US")
    try:
        page = await context.new_page()
        await _sign_in(page, url)
        await page.wait_for_selector("#state[data-state=paused]")
        assert await page.inner_text("#pause-reason") == "Disconnected"
        await screenshot(page, "disconnect-02-paused-after-reopening")
    finally:
        await context.close()
