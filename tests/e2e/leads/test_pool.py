"""Browser test of the centre's pool: a campaign manager re-routes an expired orphan lead to
another branch, and that branch's manager finds it in their inbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialer.http import Role
from dialer.leads.handoff import WarmLead, hand_off
from dialer.leads.sla_jobs import run_sla_pass
from tests.e2e.conftest import screenshot
from tests.e2e.leads.test_inbox import sign_in
from tests.helpers import ensure_branch, make_user

pytestmark = pytest.mark.browser


async def test_a_campaign_manager_reroutes_an_orphan_to_another_branch(
    live_server, page, pool
) -> None:
    lapsed_at = await ensure_branch(pool, "TB01")
    chosen = await ensure_branch(pool, "TB02")
    await pool.execute(
        "UPDATE branches SET lead_assignment = 'manual' WHERE branch_id = $1", chosen
    )
    await make_user(pool, Role.CAMPAIGN_MANAGER, "centre", language="zh")
    await make_user(pool, Role.BRANCH_MANAGER, "boss-two", branch_code="TB02", language="en")
    rep = await make_user(pool, Role.TELESALES_REP, "rep")
    campaign = await pool.fetchval(
        "INSERT INTO campaigns (name, purpose) VALUES ('Win back', 'marketing') RETURNING campaign_id"
    )
    account = await pool.fetchval(
        "INSERT INTO accounts (name, segment, tier, branch_id) VALUES ('王先生', 'orphan', 'gold', $1)"
        " RETURNING account_id",
        lapsed_at,
    )
    now = datetime.now(UTC)
    expired = await hand_off(
        pool,
        WarmLead(account_id=account, campaign_id=campaign, rep_user_id=rep, interest="投顾"),
        now - timedelta(days=30),  # past every step, holidays or not
    )
    await run_sla_pass(pool, now)
    row = f"#lead-{expired.lead_id}"

    await sign_in(page, live_server, "centre")
    await page.click("a[href='/leads/pool']")
    await page.wait_for_selector(row)
    assert await page.locator("#pool-title").inner_text() == "中心线索池"
    assert await page.locator(f"{row} .customer").inner_text() == "王先生"
    assert await page.locator(f"{row} .lapsed-at").inner_text() == "TB01 branch"
    assert "金卡" in await page.locator(row).inner_text()
    # The customer's own branch is offered first; the centre sends the lead elsewhere.
    assert await page.locator(f"#branch-{expired.lead_id}").input_value() == str(lapsed_at)
    await page.select_option(f"#branch-{expired.lead_id}", str(chosen))
    await screenshot(page, "leads-pool-before-reroute")
    await page.click(f"#reroute-{expired.lead_id}")
    await page.wait_for_selector("#outcome")
    assert await page.locator(row).count() == 0
    assert await page.locator("#empty").count() == 1
    outcome = page.locator("#outcome")
    assert await outcome.locator(".branch").inner_text() == "TB02 branch"
    assert await outcome.locator(".assignee").inner_text() == "营业部待分配"
    new_lead = int(await outcome.get_attribute("data-new-lead-id") or 0)
    assert new_lead != expired.lead_id
    await screenshot(page, "leads-pool-rerouted")
    await page.click("#sign-out")
    await page.wait_for_selector("#sign-in")

    await sign_in(page, live_server, "boss-two")
    await page.click("a[href='/branch/leads']")
    await page.wait_for_selector(f"#lead-{new_lead}[data-state=new]")
    assert "王先生" in await page.locator(f"#lead-{new_lead}").inner_text()
    assert await page.locator(f"#lead-{new_lead} .assignee").inner_text() == "Unassigned"
    await screenshot(page, "leads-pool-rerouted-inbox")
