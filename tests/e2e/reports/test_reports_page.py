"""Reports in a real browser: the charts are drawn by the vendored ECharts (no internet),
the table and the exports are there; a screenshot of the page."""

import pytest

from dialer.http import Role
from tests.e2e.conftest import screenshot
from tests.floor_world import build_floor
from tests.helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser


async def test_a_campaign_manager_reads_a_report_with_charts(live_server, page, pool):
    await build_floor(pool, teams=1, reps_per_team=4, days=2, hours=1)
    await make_user(pool, Role.CAMPAIGN_MANAGER, "cm-liu", language="zh")
    await page.goto(f"{live_server}/login")
    await page.fill("input[name=username]", "cm-liu")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("#sign-in")
    await page.goto(f"{live_server}/reports?by=rep&bucket=day&from=2026-12-01&to=2026-12-02")
    await page.wait_for_selector("body[data-charts-drawn='3']")
    assert await page.locator("#chart-buckets svg").count() == 1
    assert await page.locator("#chart-funnel svg").count() == 1
    assert await page.locator("#report tbody tr").count() >= 9  # 4 reps x 2 days, no-rep, total
    assert "时CALL" in await page.locator("#report thead").inner_text()
    await screenshot(page, "reports")
    await page.select_option("#by", "campaign")
    await page.click("#report-show")
    await page.wait_for_selector("body[data-charts-drawn='3']")
    assert "by=campaign" in page.url
    assert await page.locator("#export-xlsx").get_attribute("href") == (
        "/reports/export.xlsx?by=campaign&bucket=day&from=2026-12-01&to=2026-12-02"
    )
