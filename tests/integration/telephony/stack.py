"""The service's webhooks and the carrier simulator, both on loopback HTTP."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiohttp import web

from campaigns.population import Scenario
from dialer.quality.sms import apply_reply
from dialer.recordings.recorder import Recorder, recording_status_webhook
from dialer.telephony.carrier_sim import CarrierSimulator, FaultPlan
from dialer.telephony.decisions import CallDecisions, FirstFreeRoom
from dialer.telephony.ledger import CallLedger, MemoryCallLedger
from dialer.telephony.spool import CallbackSpool
from dialer.telephony.twilio_adapter import TwilioConfig, TwilioProvider
from dialer.telephony.webhooks import TelephonyWebhooks

ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "sim-auth-token-for-tests"
CALLER_ID = "+14155550100"


def scenario(**overrides: Any) -> Scenario:
    """A scenario where everyone answers in person after 1 s and talks for 3 s."""
    raw: dict[str, Any] = {
        "name": "telephony-tests",
        "agents": 2,
        "shift_hours": 1,
        "seeds": [1],
        "outcomes": {"human": 1.0, "machine": 0.0, "busy": 0.0, "no_answer": 0.0, "invalid": 0.0},
        "ring_seconds": {"dist": "fixed", "value": 1},
        "talk_seconds": {"dist": "fixed", "value": 3},
        "wrap_seconds": {"dist": "fixed", "value": 0},
        "amd": {
            "mode": "async",
            "verdict_seconds": {"dist": "fixed", "value": 0.5},
            "false_machine_rate": 0.0,
            "false_human_rate": 0.0,
        },
    }
    raw.update(overrides)
    return Scenario.model_validate(raw)


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@dataclass
class Stack:
    simulator: CarrierSimulator
    provider: TwilioProvider
    ledger: CallLedger
    decisions: Any
    webhooks: TelephonyWebhooks
    public_base_url: str
    simulator_url: str
    recorder: Recorder | None = None

    async def settle(self, timeout: float = 20.0) -> None:
        await self.simulator.wait_idle(timeout)
        await self.webhooks.drain()


@contextlib.asynccontextmanager
async def telephony_stack(
    *,
    population: Scenario | None = None,
    speed: float = 10.0,
    calls_per_second: float = 100.0,
    request_timeout_seconds: float = 5.0,
    faults: FaultPlan | None = None,
    rooms: dict[str, str] | None = None,
    ledger: CallLedger | None = None,
    decisions: CallDecisions | None = None,
    account_calls_per_second: float | None = None,
    spool: CallbackSpool | None = None,
    recordings_pool: asyncpg.Pool | None = None,
) -> AsyncIterator[Stack]:
    """With `recordings_pool`, bridged calls are recorded (`Stack.recorder`), the
    recording-status webhook is served, and simulated customers' SMS replies are applied."""
    simulator = CarrierSimulator(
        ACCOUNT_SID,
        AUTH_TOKEN,
        scenario=population or scenario(),
        seed=7,
        speed=speed,
        faults=faults,
        account_calls_per_second=account_calls_per_second,
    )
    sim_runner = web.AppRunner(simulator.app())
    await sim_runner.setup()
    sim_socket = free_socket()
    service_socket = free_socket()
    simulator_url = f"http://127.0.0.1:{sim_socket.getsockname()[1]}"
    public_base_url = f"http://127.0.0.1:{service_socket.getsockname()[1]}"
    await web.SockSite(sim_runner, sim_socket).start()
    provider = TwilioProvider(
        TwilioConfig(
            account_sid=ACCOUNT_SID,
            auth_token=AUTH_TOKEN,
            public_base_url=public_base_url,
            api_base_url=simulator_url,
            calls_per_second=calls_per_second,
            request_timeout_seconds=request_timeout_seconds,
            backoff_base_seconds=0.05,
        )
    )
    ledger = ledger or MemoryCallLedger()
    decisions = decisions or FirstFreeRoom(
        rooms if rooms is not None else {"rep-1": "alice", "rep-2": "bob"},
        abandon_message="Example Securities calling; please call us back on 400 000 0000.",
    )
    recorder = (
        Recorder(recordings_pool, provider, retention_days={}, clock=lambda: datetime.now(UTC))
        if recordings_pool is not None
        else None
    )
    webhooks = TelephonyWebhooks(
        provider,
        public_base_url,
        ledger,
        decisions,
        spool=spool,
        on_bridged=recorder.on_bridged if recorder is not None else None,
    )
    app = web.Application()
    webhooks.add_routes(app)
    if recorder is not None:
        active = recorder

        async def recording_status(request: web.Request) -> web.Response:
            params = await webhooks.verified(request)
            return await recording_status_webhook(request, provider, active, params)

        app.router.add_post("/telephony/twilio/recording-status", recording_status)
        sms_pool = recordings_pool

        async def sms_reply(request: web.Request) -> web.Response:
            params = await webhooks.verified(request)
            reply = provider.parse_sms_reply(params)
            if reply is not None:
                await apply_reply(sms_pool, reply, datetime.now(UTC))
            return web.Response(status=204)

        app.router.add_post("/telephony/twilio/sms-reply", sms_reply)
        simulator.inbound_sms_url = f"{public_base_url}/telephony/twilio/sms-reply"
    service_runner = web.AppRunner(app)
    await service_runner.setup()
    await web.SockSite(service_runner, service_socket).start()
    try:
        yield Stack(
            simulator=simulator,
            provider=provider,
            ledger=ledger,
            decisions=decisions,
            webhooks=webhooks,
            public_base_url=public_base_url,
            simulator_url=simulator_url,
            recorder=recorder,
        )
    finally:
        await provider.close()
        await service_runner.cleanup()
        await sim_runner.cleanup()
