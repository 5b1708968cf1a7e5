"""A second carrier plugs in through the registry alone: registered under its own name,
it gets its webhooks at /telephony/<name>/<hook> and drives the engine exactly as Twilio
does (the answer bridges a ready rep, the completed event ends the attempt and wraps the
rep up), with nothing in dialer/engine/ knowing it. Only the active provider's webhooks
are served."""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from dialer.app import create_app
from dialer.clock import Clock, shifted_clock
from dialer.engine import hopper
from dialer.engine.service import TelephonyService
from dialer.floor.sessions import go_ready, log_in
from dialer.keys import TELEPHONY
from dialer.routes.campaigns import NewCampaign, create_campaign
from dialer.seed import seed
from dialer.settings import Settings, SettingsError
from dialer.telephony.decisions import AnswerDecision, AnsweredCall, BridgeToRoom, PlayAndHangUp
from dialer.telephony.provider import (
    CallEvent,
    CallEventKind,
    CallRequest,
    EndReason,
    PlacedCall,
    ProviderLimits,
    TelephonyProvider,
)
from dialer.telephony.providers import PROVIDERS, Carrier, ProviderEntry, build_provider

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
SECRET = "echo-shared-secret"


class EchoProvider(TelephonyProvider):
    """A minimal carrier: a shared-secret header, JSON events, JSON answers."""

    name = "echo"

    def __init__(self) -> None:
        self.hung_up: list[str] = []

    @property
    def limits(self) -> ProviderLimits:
        return ProviderLimits(calls_per_second=5.0, max_concurrent_calls=None)

    async def place_call(self, request: CallRequest) -> PlacedCall:
        return PlacedCall(request.attempt_ref, f"echo-{request.attempt_ref}", "queued", 0.0)

    async def place_rep_leg(self, to_number: str, caller_id: str, rep_ref: str) -> str:
        return f"echo-rep-{rep_ref}"

    async def bridge_to_room(self, call_id: str, room: str) -> None:
        return None

    async def play_message_and_hang_up(self, call_id: str, message: str) -> None:
        self.hung_up.append(call_id)

    async def hang_up(self, call_id: str) -> None:
        self.hung_up.append(call_id)

    def verify_webhook(
        self,
        url: str,
        params: Mapping[str, str] | object,
        headers: Mapping[str, str],
        *,
        body: bytes = b"",
    ) -> bool:
        return hmac.compare_digest(headers.get("X-Echo-Secret", ""), SECRET)

    def answered_call(self, params: Mapping[str, str], *, attempt_ref: str | None) -> AnsweredCall:
        return AnsweredCall(
            attempt_ref=attempt_ref,
            call_id=params.get("call_id", ""),
            to_number=params.get("to", ""),
            from_number=params.get("from", ""),
        )

    def parse_event(
        self,
        kind_hint: str,
        params: Mapping[str, str],
        headers: Mapping[str, str],
        *,
        attempt_ref: str | None,
        received_at: datetime,
    ) -> CallEvent | None:
        kind = {"answered": CallEventKind.ANSWERED, "hangup": CallEventKind.COMPLETED}.get(
            params.get("event", "")
        )
        if kind is None or not params.get("call_id"):
            return None
        ended = kind is CallEventKind.COMPLETED
        return CallEvent(
            provider=self.name,
            call_id=params["call_id"],
            kind=kind,
            occurred_at=datetime.fromisoformat(params["at"]),
            dedupe_keys=(f"echo:{params['event_id']}",),
            attempt_ref=attempt_ref,
            end_reason=EndReason(params["reason"]) if ended else None,
            duration_seconds=int(params["seconds"]) if ended else None,
            received_at=received_at,
        )

    def render_answer(self, decision: AnswerDecision) -> tuple[str, str]:
        if isinstance(decision, BridgeToRoom):
            return "application/json", json.dumps({"action": "bridge", "room": decision.room})
        if isinstance(decision, PlayAndHangUp):
            return "application/json", json.dumps({"action": "say", "text": decision.message})
        return "application/json", json.dumps({"action": "hangup"})

    async def close(self) -> None:
        return None


def build_echo(settings: Settings, clock: Clock) -> Carrier:
    return Carrier(EchoProvider())


@pytest.fixture
def echo_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(PROVIDERS, "echo", ProviderEntry(build_echo))


async def _serve(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[TestClient]:
    app = create_app(settings, pool=pool, clock=shifted_clock(NOW))
    async with TestClient(TestServer(app)) as client:
        yield client


@pytest.fixture
async def echo_client(
    echo_registered: None, settings: Settings, pool: asyncpg.Pool
) -> AsyncIterator[TestClient]:
    settings.telephony_provider = "echo"
    async for client in _serve(settings, pool):
        yield client


@pytest.fixture
async def twilio_client(
    echo_registered: None, settings: Settings, pool: asyncpg.Pool
) -> AsyncIterator[TestClient]:
    async for client in _serve(settings, pool):
        yield client


async def _ringing_call_and_a_ready_rep(
    pool: asyncpg.Pool, telephony: TelephonyService
) -> tuple[int, int, str]:
    await seed(pool, accounts=5, seed_value=3)
    campaign_id = await create_campaign(
        pool,
        NewCampaign(
            name="echo", purpose="service", pacing_mode="progressive", caller_id="+862195500000"
        ),
        None,
    )
    rep = await pool.fetchval(
        "SELECT user_id FROM users WHERE role = 'telesales_rep' ORDER BY user_id LIMIT 1"
    )
    async with pool.acquire() as connection:
        await log_in(connection, rep, campaign_id, NOW - timedelta(minutes=5))
        await go_ready(connection, rep, NOW - timedelta(seconds=30))
    # the engine dials one number through the active provider: the attempt carries its name
    engine = await telephony.engine_for(campaign_id)
    async with pool.acquire() as connection:
        await hopper.load_numbers(connection, campaign_id, NOW - timedelta(seconds=10))
    assert await engine.launch(1, NOW - timedelta(seconds=10)) == 1
    await asyncio.gather(*engine.placing)
    attempt = await pool.fetchrow(
        "SELECT call_attempt_id, e164, provider, provider_call_id FROM call_attempts"
    )
    assert attempt["provider"] == "echo"
    assert attempt["provider_call_id"] == f"echo-{attempt['call_attempt_id']}"
    return int(attempt["call_attempt_id"]), int(rep), str(attempt["e164"])


def _signed(**extra: str) -> dict[str, str]:
    return {"X-Echo-Secret": SECRET, **extra}


async def test_a_registered_provider_gets_its_own_webhooks_and_drives_the_engine(
    echo_client: TestClient, pool: asyncpg.Pool
) -> None:
    telephony = echo_client.app[TELEPHONY]
    assert isinstance(telephony.provider, EchoProvider) and telephony.simulator is None
    attempt_id, rep, e164 = await _ringing_call_and_a_ready_rep(pool, telephony)
    answer = f"/telephony/echo/answer?attempt={attempt_id}"
    event = {"call_id": f"echo-{attempt_id}", "to": e164, "from": "+862195500000"}

    # a wrong secret is refused and changes nothing
    response = await echo_client.post(answer, json=event, headers={"X-Echo-Secret": "guess"})
    assert response.status == 403
    response = await echo_client.post(
        answer, data="not json", headers=_signed(**{"Content-Type": "application/json"})
    )
    assert response.status == 400

    # the answer: the engine reserves the ready rep, the provider renders the bridge
    response = await echo_client.post(answer, json=event, headers=_signed())
    assert response.status == 200, await response.text()
    assert await response.json() == {"action": "bridge", "room": f"rep-{rep}"}
    session = await pool.fetchrow(
        "SELECT state, current_call_attempt_id FROM agent_sessions WHERE user_id = $1"
        " AND ended_at IS NULL",
        rep,
    )
    assert (session["state"], session["current_call_attempt_id"]) == ("on_call", attempt_id)

    # its events go through the ledger (once per dedupe key) and the engine
    status = f"/telephony/echo/status?attempt={attempt_id}"
    answered = {
        **event,
        "event": "answered",
        "event_id": "e-1",
        "at": (NOW - timedelta(seconds=5)).isoformat(),
    }
    hangup = {
        **event,
        "event": "hangup",
        "event_id": "e-2",
        "reason": "completed",
        "seconds": 42,
        "at": NOW.isoformat(),
    }
    for body in (answered, hangup, hangup):
        response = await echo_client.post(status, json=body, headers=_signed())
        assert response.status == 204
    await telephony.webhooks.drain()
    row = await pool.fetchrow(
        "SELECT status, answered_at, ended_at, end_reason, agent_user_id FROM call_attempts"
        " WHERE call_attempt_id = $1",
        attempt_id,
    )
    assert row["status"] == "completed" and row["agent_user_id"] == rep
    assert row["answered_at"] is not None and row["ended_at"] is not None
    assert (
        await pool.fetchval(
            "SELECT state FROM agent_sessions WHERE user_id = $1 AND ended_at IS NULL", rep
        )
        == "wrap_up"
    )

    # Twilio's URLs, and unknown hooks, are not this service's while echo is active
    for path in ("/telephony/twilio/answer", "/twilio/voice/rep-room", "/telephony/echo/nope"):
        response = await echo_client.post(path, json=event, headers=_signed())
        assert response.status == 404, path


async def test_only_the_active_providers_webhooks_are_served(twilio_client: TestClient) -> None:
    assert twilio_client.app[TELEPHONY].provider.name == "twilio"
    for path in ("/telephony/other/answer", "/telephony/echo/answer", "/telephony/echo/status"):
        response = await twilio_client.post(path, data={"CallSid": "CA1"}, headers=_signed())
        assert response.status == 404, path
    # Twilio's own URLs are there (unsigned, so refused by the signature check)
    for path in (
        "/telephony/twilio/answer",
        "/telephony/twilio/status",
        "/telephony/twilio/amd",
        "/twilio/voice/rep-room",
        "/twilio/voice/rep-leg-status",
    ):
        response = await twilio_client.post(path, data={"CallSid": "CA1"})
        assert response.status == 403, path


def test_an_unknown_provider_is_refused_at_start_up(settings: Settings) -> None:
    settings.telephony_provider = "telnyx"
    with pytest.raises(SettingsError, match="DIALER_TELEPHONY_PROVIDER.*telnyx.*twilio"):
        build_provider(settings, shifted_clock(NOW))
