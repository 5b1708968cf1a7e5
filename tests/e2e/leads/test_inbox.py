"""Browser tests of the branch inbox: assign an orphan lead, accept it, close it as won."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialer.http import Role
from dialer.leads.handoff import WarmLead, hand_off
from dialer.leads.sla_jobs import run_sla_pass
from tests.e2e.conftest import screenshot
from tests.helpers import PASSWORD, ensure_branch, make_user

pytestmark = pytest.mark.browser


async def sign_in(page, live_server: str, username: str) -> None:
    await page.goto(f"{live_server}/login")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("#sign-in")
    await page.wait_for_selector("#role")


async def test_a_branch_manager_assigns_an_orphan_and_the_manager_wins_it(
    live_server, page, pool
) -> None:
    branch = await ensure_branch(pool, "TB01")
    # Manual assignment: the orphan waits in the branch queue for the branch manager.
    await pool.execute(
        "UPDATE branches SET lead_assignment = 'manual' WHERE branch_id = $1", branch
    )
    await make_user(pool, Role.BRANCH_MANAGER, "boss", language="zh")
    manager = await make_user(pool, Role.ACCOUNT_MANAGER, "am-one", language="en")
    await make_user(pool, Role.ACCOUNT_MANAGER, "am-two", language="en")
    rep = await make_user(pool, Role.TELESALES_REP, "rep")
    campaign = await pool.fetchval(
        "INSERT INTO campaigns (name, purpose) VALUES ('Win back', 'marketing') RETURNING campaign_id"
    )
    account = await pool.fetchval(
        "INSERT INTO accounts (name, segment, branch_id) VALUES ('王先生', 'orphan', $1)"
        " RETURNING account_id",
        branch,
    )
    lead = await hand_off(
        pool,
        WarmLead(account_id=account, campaign_id=campaign, rep_user_id=rep, interest="投顾"),
        datetime.now(UTC),
    )
    row = f"#lead-{lead.lead_id}"

    await sign_in(page, live_server, "boss")
    await page.click("a[href='/branch/leads']")
    await page.wait_for_selector(row)
    assert await page.locator(f"{row} .assignee").inner_text() == "待分配"
    assert await page.locator("#tab-new .count").inner_text() == "1"
    await page.select_option(f"#assignee-{lead.lead_id}", str(manager))
    await page.click(f"#assign-{lead.lead_id}")
    await page.wait_for_selector(f"{row} .assignee:has-text('Am-One')")
    await screenshot(page, "leads-inbox-assigned")
    await page.click("#sign-out")
    await page.wait_for_selector("#sign-in")

    await sign_in(page, live_server, "am-one")
    await page.goto(f"{live_server}/branch/leads")
    assert await page.locator("#inbox-title").inner_text() == "Branch leads"
    await page.click(f"#accept-{lead.lead_id}")
    await page.wait_for_selector(f"{row}[data-state=accepted]")
    await page.fill(f"#note-{lead.lead_id}", "Met at the branch, signing Friday")
    await page.check(f"#reached-{lead.lead_id}")
    await page.click(f"#contact-{lead.lead_id}")
    await page.wait_for_selector(f"{row}[data-state=contacted]")
    assert await page.locator(f"{row} .sla").inner_text() == "Met"
    await page.click(f"#won-{lead.lead_id}")
    await page.wait_for_selector(f"{row}[data-state=won]")
    await screenshot(page, "leads-inbox-won")

    stored = await pool.fetchrow(
        "SELECT state, assigned_to, first_contact_at FROM leads WHERE lead_id = $1", lead.lead_id
    )
    assert (stored["state"], stored["assigned_to"]) == ("won", manager)
    assert stored["first_contact_at"] is not None
    kinds = [
        r["kind"]
        for r in await pool.fetch("SELECT kind FROM lead_events WHERE lead_id = $1", lead.lead_id)
    ]
    assert {"assigned", "accept", "contact_reached", "won"} <= set(kinds)


async def test_a_lead_the_sla_expired_is_under_the_expired_tab(live_server, page, pool) -> None:
    await ensure_branch(pool, "TB01")
    await make_user(pool, Role.BRANCH_MANAGER, "boss", language="en")
    rep = await make_user(pool, Role.TELESALES_REP, "rep")
    campaign = await pool.fetchval(
        "INSERT INTO campaigns (name, purpose) VALUES ('Win back', 'marketing') RETURNING campaign_id"
    )
    account = await pool.fetchval(
        "INSERT INTO accounts (name, segment, branch_id)"
        " SELECT 'Li Lei', 'orphan', branch_id FROM branches WHERE code = 'TB01'"
        " RETURNING account_id"
    )
    now = datetime.now(UTC)
    lead = await hand_off(
        pool,
        WarmLead(account_id=account, campaign_id=campaign, rep_user_id=rep),
        now - timedelta(days=30),  # past every step, holidays or not
    )
    await run_sla_pass(pool, now)
    row = f"#lead-{lead.lead_id}"

    await sign_in(page, live_server, "boss")
    await page.goto(f"{live_server}/branch/leads")
    assert await page.locator("#tab-expired .count").inner_text() == "1"
    assert await page.locator("#tab-returned").count() == 0
    await page.click("#tab-expired")
    await page.wait_for_selector(f"{row}[data-state=expired]")
    assert await page.locator(f"{row} #assign-{lead.lead_id}").count() == 0
    assert await page.locator(f"{row} .pool-status").inner_text() == "In the centre's pool"
    await screenshot(page, "leads-inbox-expired")
