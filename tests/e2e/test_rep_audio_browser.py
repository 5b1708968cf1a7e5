"""The browser audio leg in chromium: the rep page loads the Voice SDK from the configured
URL (here a fake Twilio.Device served by a test server), joins the rep's own room when the
rep is logged in, shows the leg's state, refreshes the token when the SDK warns, rejoins
when the leg drops, and leaves on log-out. Without credentials the page says why."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.e2e.conftest import screenshot
from tests.helpers import PASSWORD
from tests.integration.console.world import build_world

pytestmark = pytest.mark.browser
FAKE_SDK = Path(__file__).with_name("fake_twilio_voice.js")


@pytest.fixture
async def fake_sdk_url() -> AsyncIterator[str]:
    """A server of its own for the fake SDK, as a CDN would be."""

    async def sdk(_request: web.Request) -> web.Response:
        return web.Response(text=FAKE_SDK.read_text("utf-8"), content_type="text/javascript")

    app = web.Application()
    app.router.add_get("/npm/@twilio/voice-sdk/dist/twilio.min.js", sdk)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/npm/@twilio/voice-sdk/dist/twilio.min.js"
    await runner.cleanup()


@pytest.fixture
def browser_audio(settings, fake_sdk_url):
    """Tokens can be minted (API key and TwiML app set); calls still go to the simulator
    (no auth token)."""
    settings.twilio_account_sid = "AC" + "0" * 32
    settings.twilio_api_key_sid = "SK" + "1" * 32
    settings.twilio_api_key_secret = "test-secret-of-thirty-two-bytes-x"
    settings.twilio_twiml_app_sid = "AP" + "2" * 32
    settings.twilio_voice_sdk_url = fake_sdk_url
    return settings


def _identity(token: str) -> str:
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(claims["grants"]["identity"])


async def _log_in(page, url: str, username: str) -> None:
    await page.goto(f"{url}/rep")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("#sign-in")
    await page.click("#console-log-in")
    await page.wait_for_selector("body[data-live=true]")


async def test_a_browser_rep_joins_their_own_room_and_keeps_the_leg_up(
    browser_audio, live_server, page, pool
):
    world = await build_world(pool, rep_name="rep-ann", language="en")
    await _log_in(page, live_server, "rep-ann")
    await page.wait_for_selector("#audio-state[data-state=connected]")
    assert await page.inner_text("#audio-state") == "Connected"
    fake = await page.evaluate("window.fakeTwilio")
    assert fake["connects"] == [{"room": f"rep-{world.rep_id}"}]
    assert _identity(fake["tokens"][0]) == f"rep-{world.rep_id}"
    await screenshot(page, "audio-01-browser-leg-connected")

    # the SDK warns that the token expires: a fresh one comes from the audio endpoint
    async with page.expect_response("**/api/v1/console/audio"):
        await page.evaluate("fakeTwilio.devices[0].emit('tokenWillExpire', fakeTwilio.devices[0])")
    await page.wait_for_function("() => fakeTwilio.updates.length === 1")
    fresh = await page.evaluate("fakeTwilio.updates[0]")
    assert _identity(fresh) == f"rep-{world.rep_id}"

    # the leg drops while the rep is logged in: the page joins the room again
    await page.evaluate(
        "(() => { const leg = fakeTwilio.devices[0].calls[0];"
        " leg.status = 'closed'; leg.emit('disconnect', leg); })()"
    )
    await page.wait_for_function("() => fakeTwilio.connects.length === 2", timeout=5000)
    await page.wait_for_selector("#audio-state[data-state=connected]")
    assert (await page.evaluate("fakeTwilio.connects"))[1] == {"room": f"rep-{world.rep_id}"}

    # log out: the leg is hung up before the page leaves the console
    await page.click("#log-out")
    await page.wait_for_selector("#choose-campaign")
    assert await page.evaluate("sessionStorage.getItem('fakeTwilio.disconnects')") == "1"
    assert await page.query_selector("#audio-state") is None


async def test_without_credentials_the_page_says_why_and_works_on(live_server, page, pool):
    await build_world(pool, rep_name="rep-ann", language="en")
    await _log_in(page, live_server, "rep-ann")
    state = await page.wait_for_selector("#audio-state[data-state=unavailable]")
    assert await state.inner_text() == "Browser audio is not set up"
    assert "DIALER_TWILIO_API_KEY_SID" in await page.inner_text("#audio-detail")
    assert await page.evaluate("typeof window.Twilio") == "undefined"
    await page.click("#go-ready")
    await page.wait_for_selector("#state[data-state=ready]")
    await screenshot(page, "audio-02-browser-leg-unavailable")
