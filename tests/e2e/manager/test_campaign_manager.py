"""A campaign manager's day in the browser: create a campaign with a script and a retry
policy (the start's compliance checks first refuse it, saying why), start it, watch it
live while simulated reps take its calls through the carrier simulator, pause it, and ask
the what-if planner how many reps finish the list by Friday."""

from __future__ import annotations

import asyncio
import re

import pytest

from campaigns.population import FixedDistribution
from dialer.engine.simulated_reps import SimulatedReps
from dialer.keys import CLOCK
from dialer.seed import DEMO_PASSWORD, seed
from tests.e2e.conftest import screenshot
from tests.integration.engine.test_live_campaign import service  # noqa: F401  (a fixture)

pytestmark = pytest.mark.browser


async def _sign_in(page, base: str) -> None:  # type: ignore[no-untyped-def]
    await page.goto(f"{base}/login?next=/manager/campaigns")
    await page.fill("input[name=username]", "campaigns")
    await page.fill("input[name=password]", DEMO_PASSWORD)
    await page.click("#sign-in")
    await page.wait_for_selector("#keys")


async def test_a_campaign_manager_creates_starts_watches_and_pauses(  # long: one user story
    service,  # noqa: F811
    page,
    pool,
    settings,  # noqa: F811
):
    await seed(pool, accounts=200, seed_value=71)
    base = settings.public_base_url
    await _sign_in(page, base)
    await page.keyboard.press("n")  # the list's key for a new campaign
    await page.wait_for_selector("#campaign-form")

    await page.fill("#f-name", "沉睡客户唤醒 12月")
    await page.select_option("#f-purpose", "service")
    for segment in ("lapsed", "dormant", "orphan", "empty"):
        await page.check(f"input[name=target_segments][value={segment}]")
    await page.select_option("#f-pacing", "predictive")
    await page.fill("#f-caller-id", "+862195500001")
    await page.fill(
        "#f-script", "您好，这里是示例证券客服中心，看到您的账户较久未使用，想了解您的需求。"
    )
    await page.fill("#f-disclosures", "本次通话将被录音。")
    await page.fill("#f-retry-no_answer_minutes", "30")
    await page.fill("#f-retry-busy_minutes", "5")
    await page.fill("#f-retry-max_attempts", "3")
    await page.fill("#f-coverage-target", "80")
    await page.fill("#f-coverage-days", "10")
    await page.keyboard.press("Control+s")
    # saved as a draft; predictive dialing without an abandon message cannot start: why
    await page.wait_for_selector("#start-problems")
    problems = await page.locator("#start-problems").inner_text()
    assert "abandon message" in problems
    campaign_id = int(re.search(r"/campaigns/(\d+)/edit", page.url).group(1))
    await screenshot(page, "manager-campaign-refused")

    await page.fill("#f-abandon-message", "示例证券客服中心，稍后再与您联系。")
    await page.select_option("#f-pacing", "progressive")
    await page.click("#save")
    await page.wait_for_selector("#form-status:has-text('已保存')")
    assert await page.locator("#start-problems").count() == 0
    stored = await pool.fetchrow(
        "SELECT script, retry_policy, pacing_mode, coverage_target::float8 AS coverage"
        " FROM campaigns WHERE campaign_id = $1",
        campaign_id,
    )
    assert stored["script"].startswith("您好")
    assert stored["retry_policy"] == {"no_answer_minutes": 30, "busy_minutes": 5, "max_attempts": 3}
    assert stored["pacing_mode"] == "progressive" and stored["coverage"] == 0.8
    await screenshot(page, "manager-campaign-form")

    reps = await pool.fetch(
        "SELECT user_id FROM users WHERE role = 'telesales_rep' ORDER BY user_id LIMIT 3"
    )
    simulated = SimulatedReps(
        pool,
        service[CLOCK],
        campaign_id,
        [r["user_id"] for r in reps],
        wrap_seconds=FixedDistribution(dist="fixed", value=4.0),
        speed=40.0,
    )
    await simulated.log_in_all()
    stop = asyncio.Event()
    reps_task = asyncio.create_task(simulated.run(stop, poll_seconds=0.05))
    try:
        await page.click("#to-live")
        await page.wait_for_selector("#reps tbody tr")
        assert await page.locator("#reps tbody tr").count() == 3
        await page.keyboard.press("s")  # start
        await page.wait_for_selector("#live[data-status=running]")
        # the floor moves without a reload: dials, a rep on a call, a pacing decision
        await page.wait_for_function(
            "() => Number(document.getElementById('dials').textContent) >= 5", timeout=30000
        )
        await page.wait_for_function(
            "() => document.getElementById('last-decision').textContent.includes('progressive')",
            timeout=15000,
        )
        await page.wait_for_function(
            "() => document.querySelectorAll('#penetration tbody tr').length > 0", timeout=10000
        )
        await screenshot(page, "manager-live")
        await page.keyboard.press("p")  # pause
        await page.wait_for_selector("#live[data-status=paused]")
        assert (
            await pool.fetchval("SELECT status FROM campaigns WHERE campaign_id = $1", campaign_id)
            == "paused"
        )
        shown = int(await page.locator("#dials").inner_text())
        dials = await pool.fetchval(
            "SELECT count(*) FROM call_attempts WHERE campaign_id = $1", campaign_id
        )
        assert 5 <= shown <= dials
    finally:
        stop.set()
        await reps_task

    # the list shows the service campaign's coverage against its target
    await page.goto(f"{base}/manager/campaigns")
    coverage = await page.locator(f"#campaign-{campaign_id} .coverage").inner_text()
    assert "/ 80%" in coverage
    await screenshot(page, "manager-campaigns")

    # the planner: how many reps to finish this list by Friday, and how many leads?
    await page.click(f"#campaign-{campaign_id} a.plan")
    await page.wait_for_selector("#planner-form")
    await page.click("#p-run")
    await page.wait_for_selector("#p-status[data-status=done]", timeout=90000)
    answer = await page.locator("#p-reps").inner_text()
    leads = int(await page.locator("#p-leads").inner_text())
    assert answer.strip() != "–" and leads >= 0
    await page.wait_for_function(
        "() => document.querySelector('#p-chart canvas') !== null", timeout=10000
    )
    await screenshot(page, "manager-planner")
    job = await pool.fetchrow(
        "SELECT status, result FROM planner_jobs WHERE campaign_id = $1 ORDER BY created_at DESC",
        campaign_id,
    )
    assert job["status"] == "done"
    reps_needed = job["result"]["forecast"]["reps_needed"]
    assert answer.startswith(str(reps_needed)) if reps_needed is not None else "(" in answer
    print(
        "planner answer:",
        {
            k: job["result"]["forecast"][k]
            for k in ("reps_needed", "numbers_left", "dials_needed", "dials_per_hour", "warm_leads")
        },
        "basis dials:",
        job["result"]["basis"]["learned_from_dials"],
    )
