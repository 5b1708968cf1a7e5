"""The reps' audio legs through real HTTP: the signed rep-room webhook (the TwiML app's
Voice URL for browser legs, the URL of the call to a rep's phone) puts a leg in its own
rep's room only; a phone-leg rep's phone is called through the Twilio adapter into the
carrier simulator on log-in, joins the room through that webhook, and is hung up on
log-out."""

from __future__ import annotations

import asyncio
import json
import socket
import xml.etree.ElementTree as ElementTree
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from structlog.testing import capture_logs
from twilio.request_validator import RequestValidator

from dialer.app import create_app
from dialer.clock import shifted_clock
from dialer.engine.service import TelephonyService
from dialer.http import Role
from dialer.keys import TELEPHONY
from dialer.telephony import connection_overrides
from tests.helpers import make_user
from tests.integration.console.world import MORNING, World, build_world

REP_PHONE = "+8613900001111"
ROOM_PATH = "/twilio/voice/rep-room"


@pytest.fixture
async def live(settings, pool) -> AsyncIterator[tuple[web.Application, str]]:
    """The real app on a TCP port: the in-process carrier simulator calls it back."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    settings.public_base_url = f"http://127.0.0.1:{port}"
    settings.sim_speed = 10.0
    app = create_app(settings, pool=pool, clock=shifted_clock(MORNING))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield app, settings.public_base_url
    await runner.cleanup()


def _signed(telephony: TelephonyService, url: str, params: dict[str, str]) -> dict[str, str]:
    validator = RequestValidator(telephony.provider.config.auth_token)
    return {"X-Twilio-Signature": validator.compute_signature(url, params)}


async def _post_leg(
    app: web.Application,
    base: str,
    params: dict[str, str],
    *,
    query: str = "",
    signed_query: str | None = None,
) -> tuple[int, str]:
    """POST to the rep-room webhook as Twilio would, signed over `signed_query`'s URL."""
    telephony = app[TELEPHONY]
    url = f"{base}{ROOM_PATH}{query}"
    signed_url = f"{base}{ROOM_PATH}{query if signed_query is None else signed_query}"
    async with aiohttp.ClientSession() as http:
        async with http.post(
            url, data=params, headers=_signed(telephony, signed_url, params)
        ) as response:
            return response.status, await response.text()


def _browser_leg(user_id: int, **extra: str) -> dict[str, str]:
    return {
        "AccountSid": "AC" + "0" * 32,
        "ApplicationSid": "AP" + "2" * 32,
        "CallSid": "CA" + "7" * 32,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "From": f"client:rep-{user_id}",
        "Caller": f"client:rep-{user_id}",
        "To": "",
        **extra,
    }


def _room_of(twiml: str) -> dict[str, Any]:
    root = ElementTree.fromstring(twiml)
    conference = root.find("Dial/Conference")
    assert conference is not None, twiml
    return {"room": conference.text, **conference.attrib}


def _refused(twiml: str) -> bool:
    root = ElementTree.fromstring(twiml)
    return root.find("Dial") is None and [child.tag for child in root] == ["Say", "Hangup"]


async def test_a_browser_leg_joins_its_own_reps_room_whatever_room_it_asks_for(live, pool):
    app, base = live
    world = await build_world(pool)
    other = await make_user(pool, Role.TELESALES_REP, "rep-zhao")
    status, twiml = await _post_leg(app, base, _browser_leg(world.rep_id, room=f"rep-{other}"))
    assert status == 200
    joined = _room_of(twiml)
    assert joined == {
        "room": f"rep-{world.rep_id}",
        "beep": "false",
        "startConferenceOnEnter": "true",
        "endConferenceOnExit": "false",
        "waitUrl": "",
    }


async def test_a_phone_leg_joins_the_room_of_the_rep_its_signed_url_names(live, pool):
    app, base = live
    world = await build_world(pool)
    params = {"CallSid": "CA" + "8" * 32, "From": "+862195500000", "To": REP_PHONE}
    status, twiml = await _post_leg(app, base, params, query=f"?rep={world.rep_id}")
    assert status == 200
    assert _room_of(twiml)["room"] == f"rep-{world.rep_id}"


async def test_forged_or_tampered_legs_are_refused_with_403(live, pool):
    app, base = live
    world = await build_world(pool)
    other = await make_user(pool, Role.TELESALES_REP, "rep-zhao")
    params = {"CallSid": "CA" + "8" * 32, "From": "+862195500000", "To": REP_PHONE}
    async with aiohttp.ClientSession() as http:
        forged = {"X-Twilio-Signature": "bm90IGEgcmVhbCBzaWduYXR1cmU="}
        async with http.post(
            f"{base}{ROOM_PATH}?rep={world.rep_id}", data=params, headers=forged
        ) as response:
            assert response.status == 403
        async with http.post(f"{base}{ROOM_PATH}?rep={world.rep_id}", data=params) as response:
            assert response.status == 403
    # a genuine signature for one rep's URL, replayed against another rep's room
    status, _ = await _post_leg(
        app, base, params, query=f"?rep={other}", signed_query=f"?rep={world.rep_id}"
    )
    assert status == 403
    # a browser identity changed after signing
    signed = _browser_leg(world.rep_id)
    telephony = app[TELEPHONY]
    headers = _signed(telephony, f"{base}{ROOM_PATH}", signed)
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{base}{ROOM_PATH}", data=_browser_leg(other), headers=headers
        ) as response:
            assert response.status == 403


async def test_a_leg_of_nobody_or_of_an_inactive_rep_hears_why_and_is_hung_up(live, pool):
    app, base = live
    world = await build_world(pool)
    other = await make_user(pool, Role.TELESALES_REP, "rep-zhao")
    phone = {"CallSid": "CA" + "8" * 32, "From": "+862195500000", "To": REP_PHONE}
    cases = [
        (phone, "?rep=999999"),  # no such user
        (phone, f"?rep={world.manager_id}"),  # not a rep
        (phone, ""),  # a phone leg that names no rep
        (_browser_leg(world.rep_id), f"?rep={other}"),  # two reps named: neither room
        (_browser_leg(999999), ""),
    ]
    for params, query in cases:
        status, twiml = await _post_leg(app, base, params, query=query)
        assert status == 200 and _refused(twiml), (params, query, twiml)
    await pool.execute("UPDATE users SET active = false WHERE user_id = $1", world.rep_id)
    status, twiml = await _post_leg(app, base, _browser_leg(world.rep_id))
    assert status == 200 and _refused(twiml)


async def _phone_rep(pool) -> World:
    world = await build_world(pool)
    await pool.execute(
        "UPDATE users SET audio_leg = 'phone', phone_e164 = $2 WHERE user_id = $1",
        world.rep_id,
        REP_PHONE,
    )
    return world


async def _until(predicate: Any, what: str) -> None:
    for _ in range(200):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def test_a_phone_rep_logging_in_is_called_into_their_room_and_hung_up_on_log_out(live, pool):
    app, base = live
    world = await _phone_rep(pool)
    simulator = app[TELEPHONY].simulator
    assert simulator is not None
    h = world.rep_headers
    async with aiohttp.ClientSession(base_url=base) as http:
        with capture_logs() as logs:
            async with http.post(
                "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
            ) as response:
                assert response.status == 201, await response.text()
        legs = [call for call in simulator.calls.values() if call.to == REP_PHONE]
        assert len(legs) == 1
        leg = legs[0]
        # with the connection overrides: a failed answer is retried by the carrier
        assert leg.url == connection_overrides.ANSWERS.on(f"{base}{ROOM_PATH}?rep={world.rep_id}")
        assert leg.from_ == "+862195500000"  # the firm's number: no caller IDs configured
        sid = await pool.fetchval(
            "SELECT audio_call_id FROM agent_sessions WHERE user_id = $1 AND ended_at IS NULL",
            world.rep_id,
        )
        assert sid == leg.sid
        placed = [e for e in logs if e["event"] == "rep_phone_leg_placed"]
        assert placed and placed[0]["to"] == "+86139****1111"
        # the service's own events name the number masked (the simulator is the carrier)
        service_events = [e for e in logs if not e["event"].startswith("sim_")]
        assert REP_PHONE not in json.dumps(service_events, default=str)

        # answered, the phone fetched the signed room URL and waits in the rep's room
        async def in_room() -> bool:
            return leg.rooms == [f"rep-{world.rep_id}"] and leg.status == "in-progress"

        await _until(in_room, "the rep's phone joined the room")

        # logging in again (a double click, a second tab) does not ring the phone again
        async with http.post(
            "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
        ) as response:
            assert response.status == 201
        assert [c.sid for c in simulator.calls.values() if c.to == REP_PHONE] == [leg.sid]

        async with http.post("/api/v1/console/logout", headers=h) as response:
            assert response.status == 200, await response.text()

        async def hung_up() -> bool:
            return leg.ended.is_set()

        await _until(hung_up, "the rep's phone was hung up")
        assert leg.status == "completed"
        assert (
            await pool.fetchval(
                "SELECT audio_call_id FROM agent_sessions WHERE user_id = $1", world.rep_id
            )
            is None
        )


async def test_changing_campaign_keeps_the_phone_in_the_room(live, pool):
    app, base = live
    world = await _phone_rep(pool)
    second = await pool.fetchval(
        "INSERT INTO campaigns (name, purpose, product_id, jurisdiction, pacing_mode, status,"
        " target_segments) VALUES ('Second', 'marketing', $1, 'CN', 'progressive', 'running',"
        " '{lapsed}') RETURNING campaign_id",
        world.product_id,
    )
    simulator = app[TELEPHONY].simulator
    assert simulator is not None
    h = world.rep_headers
    async with aiohttp.ClientSession(base_url=base) as http:
        for campaign_id in (world.campaign_id, second):
            async with http.post(
                "/api/v1/console/session", json={"campaign_id": campaign_id}, headers=h
            ) as response:
                assert response.status == 201, await response.text()
    legs = [call for call in simulator.calls.values() if call.to == REP_PHONE]
    assert len(legs) == 1 and not legs[0].ended.is_set()
    rows = await pool.fetch(
        "SELECT campaign_id, audio_call_id FROM agent_sessions WHERE user_id = $1"
        " ORDER BY agent_session_id",
        world.rep_id,
    )
    assert [(r["campaign_id"], r["audio_call_id"]) for r in rows] == [
        (world.campaign_id, None),
        (second, legs[0].sid),
    ]


async def test_a_browser_rep_logging_in_rings_no_phone(live, pool):
    app, base = live
    world = await build_world(pool)
    await pool.execute(
        "UPDATE users SET phone_e164 = $2 WHERE user_id = $1", world.rep_id, REP_PHONE
    )
    async with aiohttp.ClientSession(base_url=base) as http:
        async with http.post(
            "/api/v1/console/session",
            json={"campaign_id": world.campaign_id},
            headers=world.rep_headers,
        ) as response:
            assert response.status == 201
    assert app[TELEPHONY].simulator is not None
    assert app[TELEPHONY].simulator.calls == {}


async def _session(pool, user_id: int) -> Any:
    return await pool.fetchrow(
        "SELECT state, pause_code, audio_call_id FROM agent_sessions"
        " WHERE user_id = $1 AND ended_at IS NULL",
        user_id,
    )


async def test_a_phone_leg_that_dies_pauses_the_rep_and_going_ready_rings_again(live, pool):
    app, base = live
    world = await _phone_rep(pool)
    simulator = app[TELEPHONY].simulator
    assert simulator is not None
    h = world.rep_headers
    async with aiohttp.ClientSession(base_url=base) as http:
        async with http.post(
            "/api/v1/console/session", json={"campaign_id": world.campaign_id}, headers=h
        ) as response:
            assert response.status == 201, await response.text()
        async with http.post("/api/v1/console/state", json={"state": "ready"}, headers=h) as r:
            assert r.status == 200, await r.text()
        (leg,) = [call for call in simulator.calls.values() if call.to == REP_PHONE]
        assert leg.status_callback == connection_overrides.CALLBACKS.on(
            f"{base}/twilio/voice/rep-leg-status?rep={world.rep_id}"
        )

        async def in_room() -> bool:
            return leg.rooms == [f"rep-{world.rep_id}"]

        await _until(in_room, "the rep's phone joined the room")
        assert (await _session(pool, world.rep_id))["state"] == "ready"

        # the rep puts the phone down: the signed status callback reports the leg's end
        with capture_logs() as logs:
            carrier = app[TELEPHONY].provider.config.api_base_url
            async with http.post(
                f"{carrier}/sim/staff-phones/hang-up", json={"numbers": [REP_PHONE]}
            ) as response:
                assert (await response.json()) == {"ended": [leg.sid]}

            async def paused() -> bool:
                return (await _session(pool, world.rep_id))["state"] == "paused"

            await _until(paused, "the rep was paused")
        session = await _session(pool, world.rep_id)
        assert (session["pause_code"], session["audio_call_id"]) == ("phone_lost", None)
        lost = [e for e in logs if e["event"] == "rep_phone_leg_lost"]
        assert lost and lost[0]["call"] == leg.sid and lost[0]["status"] == "completed"

        async def acknowledged() -> bool:
            sent = [cb for cb in simulator.callbacks if "rep-leg-status" in cb.url]
            return [(cb.http_status, cb.attempts) for cb in sent] == [(204, 1)]

        await _until(acknowledged, "the status callback was answered 204 at once")
        # the page says why, in the rep's language
        async with http.get("/api/v1/console/session", headers=h) as response:
            assert (await response.json())["session"]["pause_code"] == "phone_lost"

        # going ready again rings the phone again, once
        async with http.post("/api/v1/console/state", json={"state": "ready"}, headers=h) as r:
            assert r.status == 200, await r.text()
        legs = [call for call in simulator.calls.values() if call.to == REP_PHONE]
        assert len(legs) == 2
        assert (await _session(pool, world.rep_id))["audio_call_id"] == legs[1].sid

        # a late callback of the old leg changes nothing
        from dialer.floor.audio_rooms import phone_leg_ended

        assert not await phone_leg_ended(pool, world.rep_id, leg.sid, "completed", MORNING)
        assert (await _session(pool, world.rep_id))["state"] == "ready"

        # logging out hangs up the new leg: its end is no loss, nothing is paused
        async with http.post("/api/v1/console/logout", headers=h) as response:
            assert response.status == 200

        async def ended() -> bool:
            sent = [cb for cb in simulator.callbacks if "rep-leg-status" in cb.url]
            return legs[1].ended.is_set() and len(sent) == 2

        await _until(ended, "the second leg was hung up")
        assert (
            await pool.fetchval(
                "SELECT state FROM agent_sessions WHERE user_id = $1 ORDER BY agent_session_id DESC"
                " LIMIT 1",
                world.rep_id,
            )
            == "logged_out"
        )


async def test_a_phone_rep_whose_phone_dropped_mid_call_is_paused_after_wrap_up(pool):
    from datetime import timedelta

    from dialer.console.disconnects import sweep_wrap_ups
    from dialer.floor.audio_rooms import phone_leg_ended
    from tests.integration.console.world import connect_call

    world = await _phone_rep(pool)
    from dialer.floor import sessions

    async with pool.acquire() as connection:
        await sessions.log_in(connection, world.rep_id, world.campaign_id, MORNING)
        await sessions.go_ready(connection, world.rep_id, MORNING)
    await pool.execute(
        "UPDATE agent_sessions SET audio_call_id = 'CAleg' WHERE user_id = $1", world.rep_id
    )
    call = await connect_call(pool, None, world, world.accounts[0], MORNING)
    assert (await _session(pool, world.rep_id))["state"] == "on_call"
    # on a call the rep is not paused (the customer is on the line): the leg is forgotten
    assert await phone_leg_ended(pool, world.rep_id, "CAleg", "completed", MORNING)
    session = await _session(pool, world.rep_id)
    assert (session["state"], session["audio_call_id"]) == ("on_call", None)
    from dialer.floor.dispositions import DispositionInput, record_disposition

    async with pool.acquire() as connection:
        await record_disposition(
            connection,
            world.rep_id,
            DispositionInput(call_attempt_id=call, code="NOT_INTERESTED", idempotency_key="k"),
            MORNING + timedelta(seconds=30),
        )
    assert (await _session(pool, world.rep_id))["state"] == "wrap_up"
    assert await sweep_wrap_ups(pool, MORNING + timedelta(hours=1)) == [world.rep_id]
    session = await _session(pool, world.rep_id)
    assert (session["state"], session["pause_code"]) == ("paused", "phone_lost")
    assert sessions.PAUSE_CODES[-1] == "phone_lost"
