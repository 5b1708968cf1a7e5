"""A team leader in a real browser: the wallboard updates without a reload when a rep
moves, a rep on a call can be listened to (through the Twilio adapter and the carrier
simulator), a rep's daily sheet opens from the board; screenshots of each page."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp import web

from dialer.app import create_app
from dialer.floor.sessions import set_agent_state
from dialer.http import Role
from dialer.keys import TELEPHONY
from tests.e2e.conftest import screenshot
from tests.floor_world import build_floor
from tests.helpers import PASSWORD, make_user, token_headers

pytestmark = pytest.mark.browser
REP_PHONE = "+8613900003333"


@pytest.fixture
async def served(settings, pool) -> AsyncIterator[tuple[web.Application, str]]:
    """The real app on the real clock (the wallboard shows today), called back by its
    in-process carrier simulator."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    settings.public_base_url = f"http://127.0.0.1:{port}"
    settings.sim_speed = 10.0
    app = create_app(settings, pool=pool)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield app, settings.public_base_url
    await runner.cleanup()


async def _until(predicate, what: str) -> None:
    for _ in range(200):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def _phone_rep_on_a_call(pool, http, simulator, team_id: int, campaign_id: int) -> int:
    rep = await make_user(pool, Role.TELESALES_REP, "rep-on-phone")
    await pool.execute(
        "UPDATE users SET team_id = $1, audio_leg = 'phone', phone_e164 = $2,"
        " display_name = '王芳' WHERE user_id = $3",
        team_id,
        REP_PHONE,
        rep,
    )
    headers = await token_headers(pool, rep)
    async with http.post(
        "/api/v1/console/session", json={"campaign_id": campaign_id}, headers=headers
    ) as response:
        assert response.status == 201, await response.text()
    (leg,) = [c for c in simulator.calls.values() if c.to == REP_PHONE]

    async def in_room() -> bool:
        return leg.rooms == [f"rep-{rep}"] and leg.status == "in-progress"

    await _until(in_room, "the rep's phone is in the room")
    account_id, e164 = await pool.fetchrow(
        "SELECT account_id, e164 FROM account_phones ORDER BY phone_id LIMIT 1"
    )
    now = datetime.now(UTC)
    call_id = await pool.fetchval(
        "INSERT INTO call_attempts (campaign_id, account_id, e164, idempotency_key, status,"
        " created_at, answered_at, bridged_at, answered_by, agent_user_id)"
        " VALUES ($1, $2, $3, 'e2e-listen', 'in_progress', $4, $4, $4, 'human', $5)"
        " RETURNING call_attempt_id",
        campaign_id,
        account_id,
        e164,
        now,
        rep,
    )
    async with pool.acquire() as connection:
        await set_agent_state(connection, rep, "ready", now)
        await set_agent_state(connection, rep, "reserved", now, call_attempt_id=call_id)
        await set_agent_state(connection, rep, "on_call", now, call_attempt_id=call_id)
    return rep


async def test_a_team_leader_watches_the_board_listens_and_opens_a_sheet(served, page, pool):
    app, base = served
    floor = await build_floor(
        pool, teams=1, reps_per_team=4, days=0, live_now=datetime.now(UTC), live_hours=1.5
    )
    (team_id,) = floor.team_ids
    await page.goto(f"{base}/login")
    await page.fill("input[name=username]", "leader-1")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("#sign-in")
    await page.goto(f"{base}/teamlead")
    await page.wait_for_selector("#board-rows tr")
    await page.wait_for_selector("#live-status[data-state=live]")
    assert await page.locator("#board-rows tr").count() == 4
    await page.evaluate("window.__sameDocument = true")

    moving = floor.rep_ids[0]
    row = page.locator(f'#board-rows tr[data-user-id="{moving}"] td.state')
    async with pool.acquire() as connection:
        await set_agent_state(connection, moving, "paused", datetime.now(UTC), pause_code="meeting")
    await page.wait_for_function(
        "(id) => document.querySelector(`#board-rows tr[data-user-id='${id}'] td.state`)"
        ".textContent.includes('meeting')",
        arg=moving,
        timeout=10_000,
    )
    assert "meeting" in await row.inner_text()
    assert await page.evaluate("window.__sameDocument === true")  # no reload
    await screenshot(page, "teamlead-wallboard")

    simulator = app[TELEPHONY].simulator
    async with aiohttp.ClientSession(base_url=base) as http:
        on_call = await _phone_rep_on_a_call(pool, http, simulator, team_id, floor.campaign_ids[0])
    listen = page.locator(f'#board-rows tr[data-user-id="{on_call}"] button.listen')
    await listen.wait_for(timeout=10_000)
    call_cell = page.locator(f'#board-rows tr[data-user-id="{on_call}"] td.call')
    assert (await call_cell.inner_text()).startswith(
        "流失唤醒 · 00:"
    )  # the call's campaign and time
    await listen.click()
    await page.wait_for_selector("#monitor-status:not([hidden])")
    assert "王芳" in await page.locator("#monitor-who").inner_text()
    (monitor,) = simulator.monitors.values()
    assert monitor.muted is True
    await page.click("#monitor-whisper")
    await page.wait_for_selector("#monitor-status[data-mode=whisper]")
    assert monitor.coaching is True
    assert await page.evaluate("window.__sameDocument === true")
    await screenshot(page, "teamlead-listen")
    await page.click("#monitor-stop")
    await page.wait_for_selector("#monitor-status", state="hidden")
    assert simulator.monitors == {}

    await page.click(f'#board-rows tr[data-user-id="{moving}"] a.open-sheet')
    await page.wait_for_selector("#sheet")
    assert await page.locator("#sheet tbody tr").count() >= 1
    await screenshot(page, "teamlead-sheet")
    await page.goto(f"{base}/teamlead/leaderboards")
    await page.wait_for_selector("#personal-board tbody tr")
    assert await page.locator("#personal-board tbody tr").count() == 5
    await screenshot(page, "teamlead-leaderboards")
