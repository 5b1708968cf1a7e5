"""The rep's audio leg is a setting per rep; browser reps get a short-lived SDK token."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace

from dialer.console.audio import TOKEN_TTL, audio_leg_for
from tests.integration.console.world import MORNING, build_world


async def test_each_rep_gets_their_own_audio_leg(console_client, pool):
    world = await build_world(pool)
    h = world.rep_headers
    browser = await (await console_client.get("/api/v1/console/audio", headers=h)).json()
    assert browser["audio_leg"] == "browser" and browser["room"] == f"rep-{world.rep_id}"
    assert browser["token"] is None and "DIALER_TWILIO_API_KEY_SID" in browser["detail"]
    await pool.execute(
        "UPDATE users SET audio_leg = 'phone', phone_e164 = '+8613900001111' WHERE user_id = $1",
        world.rep_id,
    )
    phone = await (await console_client.get("/api/v1/console/audio", headers=h)).json()
    assert phone["audio_leg"] == "phone" and phone["phone"] == "+86139****1111"


def test_a_browser_token_is_short_lived_and_names_the_reps_room():
    settings = SimpleNamespace(
        twilio_account_sid="AC" + "0" * 32,
        twilio_api_key_sid="SK" + "1" * 32,
        twilio_api_key_secret="test-secret-of-thirty-two-bytes-x",
        twilio_twiml_app_sid="AP" + "2" * 32,
    )
    rep = {"user_id": 7, "audio_leg": "browser", "phone_e164": None}
    leg = audio_leg_for(rep, settings, MORNING)
    assert leg.token_expires_at == MORNING + TOKEN_TTL
    payload = leg.token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["grants"]["identity"] == "rep-7"
    assert claims["grants"]["voice"]["incoming"] == {"allow": True}
    assert claims["exp"] - claims["nbf"] == TOKEN_TTL.total_seconds()
