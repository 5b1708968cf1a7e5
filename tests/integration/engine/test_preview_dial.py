"""Preview dialing end to end: a rep chooses dial through the console API, the engine leases
the account's number, runs the compliance gate in preview mode for that rep, and places the
call through the Twilio adapter into the carrier simulator; the answered call is bridged
to that rep, not to another ready one, and a refused or unanswered dial frees the rep."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from dialer.app import create_app
from dialer.clock import shifted_clock
from dialer.engine import hopper
from dialer.events import EventBus, agent_channel
from dialer.http import Role
from dialer.keys import EVENTS, TELEPHONY
from dialer.telephony.provider import CallRefused, CallRequest, PlacementFailure
from tests.helpers import make_user, token_headers
from tests.integration.console.world import MORNING, World, build_world, second_campaign

OUTCOMES = {"human": 0.0, "machine": 0.0, "busy": 0.0, "no_answer": 0.0, "invalid": 0.0}


def _scenario(outcome: str, amd: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": f"every customer: {outcome}",
        "agents": 1,
        "shift_hours": 1,
        "seeds": [1],
        "outcomes": {**OUTCOMES, outcome: 1.0},
        "ring_seconds": {"dist": "fixed", "value": 2},
        "no_answer_seconds": {"dist": "fixed", "value": 20},
        "talk_seconds": {"dist": "fixed", "value": 40},
        "wrap_seconds": {"dist": "fixed", "value": 1},
        "amd": amd or {"mode": "off"},
    }


App = tuple[web.Application, str]


@pytest.fixture
async def live_app(settings, pool, tmp_path) -> AsyncIterator[Callable[[str], Awaitable[App]]]:
    """The real app on a TCP port (the simulator's webhooks come back over HTTP), its
    simulated customers all ending in one outcome."""
    runners: list[web.AppRunner] = []

    async def start(outcome: str, amd: dict[str, Any] | None = None, speed: float = 20.0) -> App:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        scenario = tmp_path / "scenario.json"
        scenario.write_text(json.dumps(_scenario(outcome, amd)))
        settings.public_base_url = f"http://127.0.0.1:{port}"
        settings.sim_scenario = scenario
        settings.sim_speed = speed
        app = create_app(settings, pool=pool, clock=shifted_clock(MORNING), events=EventBus(pool))
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        runners.append(runner)
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return app, settings.public_base_url

    yield start
    for runner in runners:
        await runner.cleanup()


async def _preview_world(pool) -> World:
    world = await build_world(pool, pacing_mode="preview")
    await pool.execute(
        "UPDATE campaigns SET caller_id = '+862195500000' WHERE campaign_id = $1",
        world.campaign_id,
    )
    # every customer was shown to the rep (a decision needs the account offered to them)
    await pool.execute(
        "INSERT INTO preview_offers (campaign_id, account_id, user_id, offered_at)"
        " SELECT $1, account_id, $2, '2026-01-01T00:00:00Z' FROM accounts",
        world.campaign_id,
        world.rep_id,
    )
    return world


async def _ready(http: aiohttp.ClientSession, headers: dict[str, str], campaign_id: int) -> None:
    async with http.post(
        "/api/v1/console/session", json={"campaign_id": campaign_id}, headers=headers
    ) as response:
        assert response.status == 201, await response.text()
    async with http.post(
        "/api/v1/console/state", json={"state": "ready"}, headers=headers
    ) as response:
        assert response.status == 200, await response.text()
        assert (await response.json())["session"]["state"] == "ready"


async def _event(queue: asyncio.Queue[dict[str, Any]], kind: str) -> dict[str, Any]:
    async with asyncio.timeout(30):
        while True:
            event = await queue.get()
            if event.get("kind") == kind:
                return event


async def _state(pool, user_id: int) -> str:
    state: str = await pool.fetchval(
        "SELECT state FROM agent_sessions WHERE user_id = $1 AND ended_at IS NULL", user_id
    )
    return state


async def _wait_for(pool, query: str, *args: Any) -> Any:
    # up to 30 s of wall time: the simulator's calls take about a second, a loaded CI
    # machine can take far longer to deliver their callbacks
    for _ in range(600):
        value = await pool.fetchval(query, *args)
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"never true: {query} {args}")


async def test_an_answered_preview_dial_is_bridged_to_the_rep_who_dialled(live_app, pool):
    app, url = await live_app("human")
    world = await _preview_world(pool)
    # another rep of the campaign, ready for longer: routing among ready reps would pick them
    other = await make_user(pool, Role.TELESALES_REP, "rep-zhao")
    await pool.execute("UPDATE users SET registrations = '{advisor}' WHERE user_id = $1", other)
    async with aiohttp.ClientSession(base_url=url) as http:
        await _ready(http, await token_headers(pool, other), world.campaign_id)
        await _ready(http, world.rep_headers, world.campaign_id)
        async with app[EVENTS].subscribe(agent_channel(world.rep_id)) as queue:
            async with http.get("/api/v1/console/preview", headers=world.rep_headers) as got:
                account_id = (await got.json())["account_id"]
            assert account_id == world.accounts[0]
            async with http.post(
                f"/api/v1/console/preview/{account_id}/dial", headers=world.rep_headers
            ) as response:
                assert response.status == 201
                dial = await response.json()
            assert dial["refused"] is None, dial
            call_id = dial["call_attempt_id"]
            assert call_id is not None
            # pressed again (or retried by the network): the same call, not a second one
            async with http.post(
                f"/api/v1/console/preview/{account_id}/dial", headers=world.rep_headers
            ) as response:
                assert response.status == 200
                again = await response.json()
            assert (again["replayed"], again["call_attempt_id"]) == (True, call_id)
            connected = await _event(queue, "call_connected")
        assert connected["call_attempt_id"] == call_id
        assert connected["account_id"] == account_id

    await _wait_for(
        pool,
        "SELECT bridged_at IS NOT NULL FROM call_attempts WHERE call_attempt_id = $1",
        call_id,
    )
    attempt = await pool.fetchrow(
        "SELECT c.agent_user_id, c.reserved_agent_user_id, c.bridged_at, c.account_id,"
        " a.detail FROM call_attempts c JOIN audit_log a ON a.audit_id = c.compliance_decision_id"
        " WHERE c.call_attempt_id = $1",
        call_id,
    )
    assert await pool.fetchval("SELECT count(*) FROM call_attempts") == 1
    assert await pool.fetchval("SELECT count(*) FROM preview_decisions") == 1
    assert attempt["agent_user_id"] == world.rep_id
    assert attempt["reserved_agent_user_id"] == world.rep_id
    assert attempt["bridged_at"] is not None and attempt["account_id"] == account_id
    detail = attempt["detail"]
    assert detail["verdict"] in ("ALLOW", "REQUIRE") and detail["required_mode"] is None
    assert detail["inputs"]["dial_mode"] == "preview"
    assert detail["agent_user_id"] == world.rep_id
    assert (
        await pool.fetchval(
            "SELECT dialed_call_attempt_id FROM preview_decisions WHERE account_id = $1",
            account_id,
        )
        == call_id
    )
    # the rep went reserved for the call, then on it; the other rep never left ready
    changes = await pool.fetch(
        "SELECT c.to_state, c.call_attempt_id FROM agent_state_changes c"
        " JOIN agent_sessions s USING (agent_session_id) WHERE s.user_id = $1"
        " ORDER BY c.at, c.change_id",
        world.rep_id,
    )
    assert [(c["to_state"], c["call_attempt_id"]) for c in changes][-2:] == [
        ("reserved", call_id),
        ("on_call", call_id),
    ]
    assert await _state(pool, other) == "ready"
    assert (
        await pool.fetchval("SELECT count(*) FROM call_attempts WHERE agent_user_id = $1", other)
        == 0
    )
    # the customer hangs up after the talk: the rep wraps up
    await _wait_for(
        pool,
        "SELECT ended_at IS NOT NULL FROM call_attempts WHERE call_attempt_id = $1",
        call_id,
    )
    await _wait_for(
        pool,
        "SELECT state = 'wrap_up' FROM agent_sessions WHERE user_id = $1 AND ended_at IS NULL",
        world.rep_id,
    )


VOICEMAIL = "Example Securities calling about your account; please call us back."


async def test_a_machine_gets_the_campaigns_message_and_the_rep_is_freed(live_app, pool):
    # every customer is an answering machine, and the detector says so after the bridge
    # (0.5 s later), well before the rep would have recognised the greeting (2 s)
    amd = {
        "mode": "async",
        "verdict_seconds": {"dist": "fixed", "value": 1},
        "false_machine_rate": 0.0,
        "false_human_rate": 0.0,
    }
    app, url = await live_app("machine", amd, speed=2.0)
    world = await _preview_world(pool)
    await pool.execute(
        "UPDATE campaigns SET voicemail_policy = 'leave_message', voicemail_message = $2"
        " WHERE campaign_id = $1",
        world.campaign_id,
        VOICEMAIL,
    )
    async with aiohttp.ClientSession(base_url=url) as http:
        await _ready(http, world.rep_headers, world.campaign_id)
        async with http.post(
            f"/api/v1/console/preview/{world.accounts[0]}/dial", headers=world.rep_headers
        ) as response:
            assert response.status == 201
            dial = await response.json()
    call_id = dial["call_attempt_id"]
    assert call_id is not None, dial
    # ended, and settled by the engine (since the ledger's group commit the settle follows
    # the end's commit instead of sharing its transaction)
    await _wait_for(
        pool,
        "SELECT ended_at IS NOT NULL AND outcome IS NOT NULL FROM call_attempts"
        " WHERE call_attempt_id = $1",
        call_id,
    )
    await app[TELEPHONY].webhooks.drain()
    # the carrier played the campaign's message on the machine, then the call ended
    simulator = app[TELEPHONY].simulator
    assert simulator is not None
    (heard,) = [c.said for c in simulator.calls.values()]
    assert heard == [VOICEMAIL]
    attempt = await pool.fetchrow(
        "SELECT c.answered_by, c.agent_user_id, c.outcome, d.code"
        " FROM call_attempts c LEFT JOIN dispositions d USING (call_attempt_id)"
        " WHERE c.call_attempt_id = $1",
        call_id,
    )
    assert attempt["answered_by"] == "machine" and attempt["agent_user_id"] == world.rep_id
    # recorded as voicemail for the rep, settled as a machine by the retry policy
    assert (attempt["code"], attempt["outcome"]) == ("VOICEMAIL", "machine")
    # the system wrapped the call up for the rep, who went straight back to ready
    assert await _state(pool, world.rep_id) == "ready"
    changes = await pool.fetch(
        "SELECT c.to_state FROM agent_state_changes c"
        " JOIN agent_sessions s USING (agent_session_id) WHERE s.user_id = $1"
        " ORDER BY c.at, c.change_id",
        world.rep_id,
    )
    assert [c["to_state"] for c in changes][-4:] == ["reserved", "on_call", "wrap_up", "ready"]
    assert (
        await pool.fetchval(
            "SELECT state FROM campaign_numbers WHERE account_id = $1", world.accounts[0]
        )
        == "pending"
    )


async def test_a_forbidden_account_is_refused_to_the_rep_and_never_dialled(live_app, pool):
    app, url = await live_app("human")
    world = await _preview_world(pool)
    account_id = world.accounts[0]
    # the customer refused marketing calls on another channel (CN): the gate blocks him, yet
    # he is still shown, as only the firm's own list is left out of preview
    await pool.execute(
        "INSERT INTO dnc_entries (e164, source, added_at, account_id)"
        " VALUES ($1, 'cn_refusal', $2, $3)",
        world.phones[account_id],
        MORNING,
        account_id,
    )
    async with aiohttp.ClientSession(base_url=url) as http:
        await _ready(http, world.rep_headers, world.campaign_id)
        async with app[EVENTS].subscribe(agent_channel(world.rep_id)) as queue:
            async with http.get("/api/v1/console/preview", headers=world.rep_headers) as got:
                assert (await got.json())["account_id"] == account_id
            async with http.post(
                f"/api/v1/console/preview/{account_id}/dial", headers=world.rep_headers
            ) as response:
                assert response.status == 201
                dial = await response.json()
            refused = await _event(queue, "preview_refused")
    assert dial["call_attempt_id"] is None and dial["refused"]
    assert refused["reason"] == dial["refused"] and refused["account_id"] == account_id
    assert refused["reason_zh"]

    assert await pool.fetchval("SELECT count(*) FROM call_attempts") == 0
    audit = await pool.fetchrow(
        "SELECT subject_id, detail FROM audit_log WHERE audit_id = $1", refused["audit_id"]
    )
    detail = audit["detail"]
    assert audit["subject_id"] == account_id
    assert detail["verdict"] == "BLOCK" and detail["reason"] == dial["refused"]
    assert detail["inputs"]["dial_mode"] == "preview"
    assert detail["agent_user_id"] == world.rep_id
    number = await pool.fetchrow(
        "SELECT state, reason FROM campaign_numbers WHERE account_id = $1", account_id
    )
    assert (number["state"], number["reason"]) == ("blocked", dial["refused"])
    assert await _state(pool, world.rep_id) == "ready"
    assert (
        await pool.fetchval(
            "SELECT dialed_call_attempt_id FROM preview_decisions WHERE account_id = $1",
            account_id,
        )
        is None
    )


async def test_an_unanswered_preview_dial_returns_the_rep_to_ready(live_app, pool):
    app, url = await live_app("no_answer")
    world = await _preview_world(pool)
    dial_url = f"/api/v1/console/preview/{world.accounts[1]}/dial"
    async with aiohttp.ClientSession(base_url=url) as http:
        async with http.post(
            "/api/v1/console/session",
            json={"campaign_id": world.campaign_id},
            headers=world.rep_headers,
        ) as response:
            assert response.status == 201
        # still paused after logging in: the dial waits, nothing is leased, gated or placed
        async with http.post(dial_url, headers=world.rep_headers) as response:
            assert response.status == 201
            paused = await response.json()
        assert paused["call_attempt_id"] is None and "go ready" in paused["refused"]
        assert (
            await pool.fetchval("SELECT count(*) FROM audit_log WHERE kind = 'compliance_decision'")
            == 0
        )
        assert await _state(pool, world.rep_id) == "paused"
        async with http.post(
            "/api/v1/console/state", json={"state": "ready"}, headers=world.rep_headers
        ) as response:
            assert response.status == 200
        # the same dial again, now ready: the pending decision is placed
        async with http.post(dial_url, headers=world.rep_headers) as response:
            assert response.status == 200
            dial = await response.json()
        assert dial["replayed"] is True
        assert dial["preview_decision_id"] == paused["preview_decision_id"]
    call_id = dial["call_attempt_id"]
    assert call_id is not None, dial
    await _wait_for(
        pool,
        "SELECT ended_at IS NOT NULL FROM call_attempts WHERE call_attempt_id = $1",
        call_id,
    )
    await _wait_for(
        pool,
        "SELECT state = 'ready' FROM agent_sessions WHERE user_id = $1 AND ended_at IS NULL",
        world.rep_id,
    )
    attempt = await pool.fetchrow(
        "SELECT agent_user_id, reserved_agent_user_id, answered_at FROM call_attempts"
        " WHERE call_attempt_id = $1",
        call_id,
    )
    assert attempt["agent_user_id"] is None and attempt["answered_at"] is None
    assert attempt["reserved_agent_user_id"] == world.rep_id
    changes = await pool.fetch(
        "SELECT c.from_state, c.to_state FROM agent_state_changes c"
        " JOIN agent_sessions s USING (agent_session_id) WHERE s.user_id = $1"
        " ORDER BY c.at, c.change_id",
        world.rep_id,
    )
    assert [(c["from_state"], c["to_state"]) for c in changes][-2:] == [
        ("ready", "reserved"),
        ("reserved", "ready"),
    ]
    # the number waits for its next try by the retry policy
    assert (
        await pool.fetchval(
            "SELECT state FROM campaign_numbers WHERE account_id = $1", world.accounts[1]
        )
        == "pending"
    )


async def test_a_dial_the_carrier_refuses_frees_the_rep_at_once(live_app, pool, monkeypatch):
    app, url = await live_app("human")
    world = await _preview_world(pool)

    async def refuse(request: CallRequest) -> None:
        # what the Twilio adapter raises for a 4xx (here: no permission to call that region)
        raise CallRefused("refused by the test carrier", PlacementFailure.GEO_PERMISSION, 21215)

    monkeypatch.setattr(app[TELEPHONY].provider, "place_call", refuse)
    # another campaign already has the same customers queued
    other_campaign = await second_campaign(pool, world)
    async with pool.acquire() as connection:
        assert await hopper.load_numbers(connection, other_campaign, MORNING) == len(world.accounts)
    async with aiohttp.ClientSession(base_url=url) as http:
        await _ready(http, world.rep_headers, world.campaign_id)
        async with app[EVENTS].subscribe(agent_channel(world.rep_id)) as queue:
            async with http.post(
                f"/api/v1/console/preview/{world.accounts[0]}/dial", headers=world.rep_headers
            ) as response:
                dial = await response.json()
            refused = await _event(queue, "preview_refused")
    assert dial["call_attempt_id"] is not None and "carrier" in dial["refused"]
    assert refused["reason"] == dial["refused"]
    assert await _state(pool, world.rep_id) == "ready"
    status = await pool.fetchval(
        "SELECT status FROM call_attempts WHERE call_attempt_id = $1", dial["call_attempt_id"]
    )
    assert status == "failed"
    # a number the firm may not call from this account retires from the queue
    assert (
        await pool.fetchval(
            "SELECT state FROM campaign_numbers WHERE account_id = $1 AND campaign_id = $2",
            world.accounts[0],
            world.campaign_id,
        )
        == "retired"
    )
    # and from every other campaign: the phone itself is retired with the carrier's reason
    phone = await pool.fetchrow(
        "SELECT phone_id, retired_at, retired_reason, is_valid FROM account_phones"
        " WHERE account_id = $1",
        world.accounts[0],
    )
    assert phone["retired_at"] is not None
    assert phone["retired_reason"] == "carrier refused: geo_permission"
    assert phone["is_valid"]  # not permitted from this account is not an invalid number
    queued = await pool.fetchrow(
        "SELECT state, reason FROM campaign_numbers WHERE campaign_id = $1 AND phone_id = $2",
        other_campaign,
        phone["phone_id"],
    )
    assert (queued["state"], queued["reason"]) == ("retired", phone["retired_reason"])
    claimed = await hopper.claim(pool, other_campaign, MORNING, 100, "engine-other")
    assert claimed and phone["phone_id"] not in {n.phone_id for n in claimed}
    # a campaign started later never queues it
    later_campaign = await second_campaign(pool, world, name="Later campaign")
    async with pool.acquire() as connection:
        await hopper.load_numbers(connection, later_campaign, MORNING)
    assert not await pool.fetchval(
        "SELECT count(*) FROM campaign_numbers WHERE campaign_id = $1 AND phone_id = $2",
        later_campaign,
        phone["phone_id"],
    )
