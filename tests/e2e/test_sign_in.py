import pytest

from dialer.http import Role
from tests.e2e.conftest import screenshot
from tests.helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser


async def test_a_user_signs_in_sees_their_role_and_signs_out(live_server, page, pool):
    await make_user(pool, Role.CAMPAIGN_MANAGER, "zhou", language="zh")
    await page.goto(f"{live_server}/")
    assert "/login" in page.url
    await page.fill("input[name=username]", "zhou")
    await page.fill("input[name=password]", "wrong password")
    await page.click("#sign-in")
    assert await page.locator("[role=alert]").inner_text() == (
        "用户名或密码错误。多次失败后账户会被锁定，请联系管理员解锁。"
    )
    await page.fill("input[name=username]", "zhou")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("#sign-in")
    await page.wait_for_selector("#role")
    assert await page.locator("#role").inner_text() == "电话营销负责人"
    await screenshot(page, "foundation-home")
    await page.click("#sign-out")
    await page.wait_for_selector("#sign-in")
    await page.goto(f"{live_server}/")
    assert "/login" in page.url
