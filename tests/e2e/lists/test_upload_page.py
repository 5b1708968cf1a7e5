"""Browser test of the list upload page: upload a GBK export, watch it load, get the rejects."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaigns.lists.columns import parse_mapping
from dialer.http import Role
from tests.e2e.conftest import screenshot
from tests.helpers import PASSWORD, make_user
from tests.integration.lists.test_importer import sample_rows
from tests.unit.lists.factories import CN_HEADER, write_csv

pytestmark = pytest.mark.browser


async def test_a_campaign_manager_loads_a_list_and_downloads_the_rejects(
    live_server, page, pool, tmp_path: Path
) -> None:
    await make_user(pool, Role.CAMPAIGN_MANAGER, "cm-one", language="zh")
    path = write_csv(tmp_path / "每周名单.csv", CN_HEADER, sample_rows(), encoding="gbk")

    await page.goto(f"{live_server}/login")
    await page.fill("input[name=username]", "cm-one")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("#sign-in")
    await page.wait_for_selector("#role")
    await page.click("a[href='/lists/upload']")
    await page.wait_for_selector("#upload-form")

    await page.fill("#list-name", "本周流失客户")
    await page.set_input_files("#list-file", str(path))
    await page.click("#upload")
    await page.wait_for_selector("#summary:not([hidden])", timeout=30_000)
    assert await page.text_content("#rows") == "10"
    assert await page.text_content("#accepted") == "3"
    assert await page.text_content("#merged") == "2"
    assert await page.text_content("#rejected") == "5"
    assert "invalid_phone: 1" in (await page.text_content("#reasons") or "")
    await screenshot(page, "lists-upload-summary")

    async with page.expect_download() as downloading:
        await page.click("#rejects-link")
    download = await downloading.value
    saved = tmp_path / "rejects.csv"
    await download.save_as(saved)
    lines = saved.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "line_number,reason,detail,raw"
    assert lines[1].startswith("7,invalid_phone,")

    # the same file again is recognised and changes nothing
    await page.click("#upload")
    await page.wait_for_function(
        "() => document.getElementById('progress').textContent.includes('已导入过')", timeout=30_000
    )
    assert await pool.fetchval("SELECT count(*) FROM list_imports") == 1


async def test_a_campaign_manager_loads_a_branch_export_with_a_saved_mapping(
    live_server, page, pool, tmp_path: Path
) -> None:
    from dialer.lists.presets import save_preset
    from tests.integration.lists.test_presets import NOW, ODD_HEADER, ODD_ROWS

    await make_user(pool, Role.CAMPAIGN_MANAGER, "cm-two", language="en")
    async with pool.acquire() as connection:
        await save_preset(
            connection, "branch-7", parse_mapping("客户=name,号码一=phone"), user_id=None, now=NOW
        )
    path = write_csv(tmp_path / "branch7.csv", ODD_HEADER, ODD_ROWS)

    await page.goto(f"{live_server}/login")
    await page.fill("input[name=username]", "cm-two")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("#sign-in")
    await page.wait_for_selector("#role")
    await page.goto(f"{live_server}/lists/upload")
    await page.fill("#list-name", "branch 7 weekly")
    await page.set_input_files("#list-file", str(path))
    await page.select_option("#list-preset", "branch-7")
    await page.click("#upload")
    await page.wait_for_selector("#summary:not([hidden])", timeout=30_000)
    assert await page.text_content("#accepted") == "2"
    assert await page.text_content("#rejected") == "0"
    await screenshot(page, "lists-upload-with-preset")
    assert await pool.fetchval("SELECT options->>'preset' FROM list_imports") == "branch-7"
