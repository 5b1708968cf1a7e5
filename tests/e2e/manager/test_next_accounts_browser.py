"""A campaign manager opens a campaign's next accounts in the browser (zh-CN) and reads
each account's score and its reasons in Chinese; screenshot of the page."""

from __future__ import annotations

import pytest

from dialer.seed import DEMO_PASSWORD
from tests.e2e.conftest import screenshot
from tests.integration.scoring.test_next_accounts import trained_campaign

pytestmark = pytest.mark.browser


async def test_a_campaign_manager_sees_the_next_accounts_with_reasons(live_server, page, pool):
    campaign = await trained_campaign(pool)
    await pool.execute("UPDATE users SET language = 'zh' WHERE username = 'campaigns'")
    await page.goto(f"{live_server}/login?next=/manager/campaigns")
    await page.fill("input[name=username]", "campaigns")
    await page.fill("input[name=password]", DEMO_PASSWORD)
    await page.click("#sign-in")
    await page.wait_for_selector("#keys")
    await page.click(f"#campaign-{campaign} a.next")
    await page.wait_for_selector("#next-accounts")
    await page.wait_for_function(
        "() => document.querySelectorAll('#next-accounts tr.next-account').length === 25"
    )
    first = page.locator("#next-accounts tr.next-account").first
    reasons = await first.locator(".reasons").inner_text()
    assert "接听率" in reasons and "当地" in reasons
    assert "待拨客户" in await page.locator("h1").inner_text()
    phone = await first.locator(".phone").inner_text()
    assert "*" in phone
    await screenshot(page, "manager-next-accounts")
