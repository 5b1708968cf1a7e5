"""A rep's day in the browser: log in, go ready, take calls, record every kind of outcome by
keyboard, schedule a callback (one refused by the compliance gate), mark a do-not-call and
watch the day's figures move. Calls are bridged exactly as the engine does it: a call row
in progress for the rep, the rep reserved then on the call, and call_connected published
on the app's EventBus."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web

from dialer.app import create_app
from dialer.floor.callback_gate import accepted
from dialer.keys import EVENTS
from tests.e2e.conftest import screenshot
from tests.helpers import PASSWORD
from tests.integration.console.world import (
    build_world,
    connect_call,
    gate_decision,
    second_campaign,
)

pytestmark = pytest.mark.browser
SHANGHAI = ZoneInfo("Asia/Shanghai")


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


async def _allowed_callback_day(pool, world, account_id: int) -> datetime:
    """The first coming day whose 10:30 in Shanghai the gate allows (skips public holidays)."""
    today = datetime.now(UTC).astimezone(SHANGHAI).date()
    for ahead in range(1, 20):
        at = datetime.combine(today + timedelta(days=ahead), datetime.min.time(), SHANGHAI)
        at = at.replace(hour=10, minute=30)
        decision = await gate_decision(pool, world, account_id, at)
        if accepted(decision):
            return at
    raise AssertionError("no allowed callback day in the next 20 days")


async def test_a_rep_works_calls_by_keyboard(console_server, page, pool):
    url, app = console_server
    world = await build_world(pool, customers=7, language="zh")
    names = {
        a: await pool.fetchval("SELECT name FROM accounts WHERE account_id = $1", a)
        for a in world.accounts
    }
    # the first customer was called last month in another campaign: the rep must see it
    other = await second_campaign(pool, world)
    month_ago = datetime.now(UTC) - timedelta(days=30)
    earlier = await pool.fetchval(
        "INSERT INTO call_attempts (campaign_id, account_id, e164, idempotency_key, status,"
        " created_at, bridged_at, ended_at, talk_seconds, agent_user_id)"
        " VALUES ($1, $2, $3, 'earlier-1', 'completed', $4, $4, $4::timestamptz + interval '2 minutes',"
        " 120, $5) RETURNING call_attempt_id",
        other,
        world.accounts[0],
        world.phones[world.accounts[0]],
        month_ago,
        world.rep_id,
    )
    await pool.execute(
        "INSERT INTO dispositions (call_attempt_id, campaign_id, account_id, code, agent_user_id,"
        " note, idempotency_key, recorded_at) VALUES ($1, $2, $3, 'NOT_INTERESTED', $4,"
        " '资金暂时不方便，下月再联系', 'earlier-disposition-1', $5)",
        earlier,
        other,
        world.accounts[0],
        world.rep_id,
        month_ago,
    )
    # sign in and choose the campaign
    await page.goto(f"{url}/rep")
    await page.fill("input[name=username]", "rep-li")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("#sign-in")
    await page.wait_for_selector("#campaign-select")
    await screenshot(page, "console-01-choose-campaign")
    await page.click("#console-log-in")
    await page.wait_for_selector("#state[data-state=paused]")
    await page.wait_for_selector("body[data-live=true]")
    assert await page.inner_text("#day-calls") == "0"
    await page.click("#go-ready")
    await page.wait_for_selector("#state[data-state=ready]")
    assert await page.inner_text("#state") == "就绪"
    await screenshot(page, "console-02-ready")

    async def take_call(account_id: int, step: str) -> int:
        call_id = await connect_call(pool, app[EVENTS], world, account_id, datetime.now(UTC))
        # the customer must be on screen within one second of the bridge
        await page.wait_for_function(
            "name => document.getElementById('customer-name').textContent === name",
            arg=names[account_id],
            timeout=1000,
        )
        await screenshot(page, f"console-{step}-pop")
        return call_id

    async def saved(step: str) -> None:
        await page.wait_for_selector("#disposition-result:has-text('已保存')", timeout=5000)
        await page.wait_for_selector("#state[data-state=wrap_up]")
        await screenshot(page, f"console-{step}-saved")

    async def back_to_ready() -> None:
        await page.click("#back-to-ready")
        await page.wait_for_selector("#state[data-state=ready]")

    # 1: warm lead, with what the customer wants
    first = world.accounts[0]
    call = await take_call(first, "03")
    assert await page.inner_text("#customer-tier") == "金卡"
    assert "S1234567890" in await page.inner_text("#disclosures")
    assert "投资有风险" in await page.inner_text("#disclosures")
    history = await page.inner_text("#history")
    assert "资金暂时不方便" in history and "Dormant wake-up" in history and "无意向" in history
    await page.keyboard.press("1")
    await page.wait_for_selector("#interest-field", state="visible")
    assert not await page.is_visible("#callback-field")
    await page.keyboard.type("稳健投顾组合")
    await page.keyboard.press("Control+Enter")
    await saved("03")
    lead = await pool.fetchrow("SELECT interest, assigned_to FROM leads")
    assert lead["interest"] == "稳健投顾组合" and lead["assigned_to"] == world.manager_id
    assert await page.inner_text("#day-warm") == "1"
    await back_to_ready()

    # 2: callback; a time outside the customer's window is refused with the gate's reason
    second = world.accounts[1]
    call = await take_call(second, "04")
    await page.keyboard.press("2")
    await page.wait_for_selector("#callback-field", state="visible")
    assert not await page.is_visible("#interest-field")
    good = await _allowed_callback_day(pool, world, second)
    late = good.replace(hour=22, minute=30)
    await page.fill("#callback-local", late.strftime("%Y-%m-%dT%H:%M"))
    await page.keyboard.press("Control+Enter")
    await page.wait_for_selector("#disposition-error:has-text('CN-H1')")
    # a Chinese-speaking rep reads the gate's reason in Chinese
    assert "不在工作日北京时间 09:00–21:00" in await page.inner_text("#disposition-error")
    await screenshot(page, "console-04-callback-refused")
    assert await pool.fetchval("SELECT count(*) FROM callbacks") == 0
    await page.fill("#callback-local", good.strftime("%Y-%m-%dT%H:%M"))
    await page.keyboard.press("Control+Enter")
    await saved("04")
    assert good.strftime("%Y-%m-%d %H:%M") in await page.inner_text("#disposition-result")
    due = await pool.fetchval("SELECT due_at FROM callbacks WHERE account_id = $1", second)
    assert due == good
    await back_to_ready()

    # 3: do-not-call: the number is blocked at once
    third = world.accounts[2]
    call = await take_call(third, "05")
    await page.keyboard.press("4")
    await page.keyboard.press("Enter")
    await saved("05")
    entry = await pool.fetchrow("SELECT e164, source FROM dnc_entries")
    assert (entry["e164"], entry["source"]) == (world.phones[third], "firm")
    blocked = await gate_decision(pool, world, third, datetime.now(UTC))
    assert blocked.verdict.value == "BLOCK"
    await back_to_ready()

    # 4-7: the other outcomes, each by its hotkey
    for index, (hotkey, code) in enumerate(
        [("3", "NOT_INTERESTED"), ("5", "WRONG_NUMBER"), ("6", "VOICEMAIL"), ("7", "NO_ANSWER")]
    ):
        account_id = world.accounts[3 + index]
        call = await take_call(account_id, f"{6 + index:02d}")
        await page.keyboard.press(hotkey)
        await page.keyboard.press("Control+Enter")
        await saved(f"{6 + index:02d}")
        recorded = await pool.fetchval(
            "SELECT code FROM dispositions WHERE call_attempt_id = $1", call
        )
        assert recorded == code
        # the whole call by keyboard: R returns to ready once the outcome is saved
        await page.keyboard.press("r")
        await page.wait_for_selector("#state[data-state=ready]")

    assert (
        await pool.fetchval(
            "SELECT count(*) FROM dispositions WHERE campaign_id = $1", world.campaign_id
        )
        == 7
    )
    # the day's figures moved with the calls
    await page.wait_for_function("() => document.getElementById('day-calls').textContent === '7'")
    assert await page.inner_text("#day-contacts") == "4"  # warm, callback, DNC, not interested
    assert await page.inner_text("#day-warm") == "1"
    await screenshot(page, "console-10-my-day")

    # pause with a code
    await page.select_option("#pause-code", "lunch")
    await page.click("#go-pause")
    await page.wait_for_selector("#state[data-state=paused]")
    assert await page.inner_text("#pause-reason") == "用餐"
    await screenshot(page, "console-11-paused")


async def test_preview_mode_in_english_shows_the_next_account_with_dial_and_skip(
    console_server, page, pool
):
    url, app = console_server
    world = await build_world(
        pool, customers=3, rep_name="rep-ann", language="en", pacing_mode="preview"
    )
    names = [
        await pool.fetchval("SELECT name FROM accounts WHERE account_id = $1", a)
        for a in world.accounts
    ]
    await page.goto(f"{url}/rep")
    await page.fill("input[name=username]", "rep-ann")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("#sign-in")
    await page.click("#console-log-in")
    await page.wait_for_selector("#preview-account:has-text('" + names[0] + "')")
    assert await page.inner_text("#state") == "Paused"
    await screenshot(page, "console-20-preview")
    await page.click("#preview-skip")
    await page.wait_for_selector("#preview-account:has-text('" + names[1] + "')")
    async with app[EVENTS].subscribe(f"campaign:{world.campaign_id}") as queue:
        await page.click("#preview-dial")
        # the engine refuses the dial (this campaign has no caller ID): the page says why
        # and the rep goes on
        await page.wait_for_selector("#preview-result[data-refused=true]")
        event = await asyncio.wait_for(queue.get(), 5)
    assert (event["kind"], event["account_id"]) == ("preview_dial", world.accounts[1])
    refusal = await page.inner_text("#preview-result")
    assert refusal.startswith("Dial refused: ") and "no caller ID" in refusal, refusal
    # the next account to go on with
    await page.wait_for_selector("#preview-account:has-text('" + names[2] + "')")
    await screenshot(page, "console-21-preview-dial-refused")
    decisions = await pool.fetch(
        "SELECT account_id, action FROM preview_decisions ORDER BY preview_decision_id"
    )
    assert [(d["account_id"], d["action"]) for d in decisions] == [
        (world.accounts[0], "skip"),
        (world.accounts[1], "dial"),
    ]
