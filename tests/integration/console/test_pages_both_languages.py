"""Every console page renders in Simplified Chinese and in English, with no missing text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from campaigns.agents import RepState
from dialer.console import customer_pop
from dialer.console.messages import MESSAGES as CONSOLE_MESSAGES
from dialer.floor import sessions
from dialer.web.i18n import LANGUAGES, MESSAGES
from tests.helpers import PASSWORD
from tests.integration.console.world import build_world, connect_call

TEMPLATES = Path(__file__).resolve().parents[3] / "dialer" / "web" / "templates" / "console"
SCRIPTS = Path(__file__).resolve().parents[3] / "dialer" / "web" / "static" / "console"
SCRIPT = SCRIPTS / "rep.js"
AUDIO_SCRIPT = SCRIPTS / "audio.js"
AUDIO_STATES = ("idle", "connecting", "connected", "failed", "unavailable")


async def _sign_in(client, username: str) -> str:
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())[1]
    response = await client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/rep"},
        allow_redirects=False,
    )
    assert response.status == 302
    return response.headers["Location"]


def _keys_the_client_builds() -> set[str]:
    """Keys rep.js composes at run time from values the server sends."""
    keys = {f"console_state_{s.value}" for s in RepState}
    keys |= {f"console_pause_{code}" for code in sessions.PAUSE_CODES}
    keys |= {
        f"console_segment_{s}"
        for s in ("lapsed", "empty", "prospect", "withdrawn", "orphan", "dormant", "new")
    }
    keys |= {f"console_tier_{t}" for t in ("silver", "gold", "diamond")}
    keys |= {f"console_band_{band}" for _, band in customer_pop.ASSETS_BANDS}
    keys.add(f"console_band_{customer_pop.TOP_BAND}")
    keys |= {
        f"console_disclosure_{kind}"
        for kind in ("rep_name", "firm", "qualification_number", "risk_warning")
    }
    for script in (SCRIPT, AUDIO_SCRIPT):
        keys |= set(re.findall(r't\("(console_[a-z_]+)"\)', script.read_text("utf-8")))
    keys |= {f"console_audio_{state}" for state in AUDIO_STATES}  # audio.js's show(state)
    return keys


def test_every_console_key_has_both_languages():
    used = set(re.findall(r"t\('([a-z_]+)'\)", "".join(p.read_text() for p in TEMPLATES.iterdir())))
    used |= _keys_the_client_builds()
    missing = sorted(key for key in used if key not in MESSAGES)
    assert missing == []
    for key in used | set(CONSOLE_MESSAGES):
        for language in LANGUAGES:
            assert MESSAGES[key][language].strip(), (key, language)
    # Chinese text really is Chinese, not an English copy
    untranslated = [k for k, v in CONSOLE_MESSAGES.items() if v["zh"] == v["en"]]
    assert untranslated == []


def test_every_feature_page_key_has_both_languages():
    """The pages outside the console (home, sign-in, branch inbox, lead pool, statements,
    list upload): every key their templates name exists in both languages."""
    from dialer.app import all_routes

    all_routes()  # imports every feature module, which registers its text
    pages = TEMPLATES.parents[2].glob("*/templates/*.html")  # dialer/*/templates
    used = set(re.findall(r"t\('([a-z_]+)'\)", "".join(p.read_text("utf-8") for p in pages)))
    assert {"lead_pool", "branch_inbox", "list_upload"} <= used
    for key in sorted(used):
        for language in LANGUAGES:
            assert MESSAGES.get(key, {}).get(language, "").strip(), (key, language)


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_the_rep_console_renders_in_the_reps_language(console_client, pool, clock, language):
    world = await build_world(pool, language=language)
    await pool.execute(
        "UPDATE campaigns SET name = 'Evil </script><b>x' WHERE campaign_id = $1",
        world.campaign_id,
    )
    other = await pool.fetchval(
        "INSERT INTO campaigns (name, purpose, pacing_mode, status) VALUES"
        " ('Preview list', 'service', 'preview', 'running') RETURNING campaign_id"
    )
    assert await _sign_in(console_client, "rep-li") == "/rep"
    pages = []
    chooser = await console_client.get("/rep")
    pages.append(await chooser.text())
    assert 'id="campaign-select"' in pages[-1]
    for campaign_id in (world.campaign_id, other):
        await console_client.post(
            "/api/v1/console/session",
            json={"campaign_id": campaign_id},
            headers=world.rep_headers,
        )
        pages.append(await (await console_client.get("/rep")).text())
    assert 'id="preview"' in pages[-1] and 'id="preview"' not in pages[1]
    await console_client.post(
        "/api/v1/console/session",
        json={"campaign_id": world.campaign_id},
        headers=world.rep_headers,
    )
    await console_client.post(
        "/api/v1/console/state", json={"state": "ready"}, headers=world.rep_headers
    )
    await connect_call(pool, None, world, world.accounts[0], clock.advance(1))
    pages.append(await (await console_client.get("/rep")).text())
    home = await (await console_client.get("/")).text()
    assert 'href="/rep"' in home

    expected = {
        "zh": ["电话销售工作台", "今日业绩", "通话数", "话后处理"],
        "en": ["Rep console", "My day", "Calls", "Wrap-up"],
    }[language]
    for page in pages[1:]:
        for text in expected:
            assert text in page, text
        assert 'lang="' + ("zh-CN" if language == "zh" else "en") + '"' in page
        # the campaign's name cannot close the embedded JSON's <script> element
        assert "</script><b>" not in page
    assert ("电话销售工作台" in pages[0]) == (language == "zh")
    assert ("Rep console" in pages[0]) == (language == "en")
