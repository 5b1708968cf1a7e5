"""The carriers this service can run on, by name; `DIALER_TELEPHONY_PROVIDER` picks one.

Adding a carrier is its `TelephonyProvider` module and one `register_provider` call
here: the engine, the webhook routes and the ledger stay as they are. The active
provider's webhooks are served at `/telephony/<name>/<hook>` (see `dialer/engine/
routes.py`); `fixed_webhook_paths` keeps URLs a carrier was configured with before that
scheme (Twilio's TwiML app points at `/twilio/voice/rep-room`).
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from aiohttp import web

from campaigns.population import Scenario
from dialer.clock import Clock
from dialer.settings import Settings, SettingsError
from dialer.telephony.carrier_sim import CarrierSimulator
from dialer.telephony.provider import TelephonyProvider
from dialer.telephony.twilio_adapter import (
    REP_LEG_STATUS_PATH,
    REP_ROOM_PATH,
    TwilioConfig,
    TwilioProvider,
)

SIM_ACCOUNT_SID = "AC" + "0" * 31 + "1"


@dataclass
class Carrier:
    """The active provider and, without carrier credentials, the in-process simulator it
    talks to (started and stopped with it)."""

    provider: TelephonyProvider
    simulator: CarrierSimulator | None = None
    simulator_socket: socket.socket | None = None
    _runner: web.AppRunner | None = field(default=None, init=False)

    async def start(self) -> None:
        if self.simulator is not None and self.simulator_socket is not None:
            # the simulator's app starts and stops the simulator with itself
            self._runner = web.AppRunner(self.simulator.app(), access_log=None)
            await self._runner.setup()
            await web.SockSite(self._runner, self.simulator_socket).start()

    async def close(self) -> None:
        try:
            await self.provider.close()
        finally:
            if self._runner is not None:
                await self._runner.cleanup()


ProviderBuilder = Callable[[Settings, Clock], Carrier]


@dataclass(frozen=True, slots=True)
class ProviderEntry:
    build: ProviderBuilder
    # path -> hook: webhook URLs served besides /telephony/<name>/<hook>
    fixed_webhook_paths: Mapping[str, str] = field(default_factory=dict)


PROVIDERS: dict[str, ProviderEntry] = {}


def register_provider(
    name: str, build: ProviderBuilder, *, fixed_webhook_paths: Mapping[str, str] | None = None
) -> None:
    PROVIDERS[name] = ProviderEntry(build, dict(fixed_webhook_paths or {}))


def build_provider(settings: Settings, clock: Clock) -> Carrier:
    """The provider `settings.telephony_provider` names, ready to `start()`."""
    name = settings.telephony_provider
    entry = PROVIDERS.get(name)
    if entry is None:
        raise SettingsError(
            f"DIALER_TELEPHONY_PROVIDER: no telephony provider {name!r}; "
            f"use one of {', '.join(sorted(PROVIDERS))}"
        )
    carrier = entry.build(settings, clock)
    if carrier.provider.name != name:  # the webhook routes dispatch on the provider's name
        raise SettingsError(
            f"DIALER_TELEPHONY_PROVIDER: provider {name!r} built one named "
            f"{carrier.provider.name!r}; register it under its own name"
        )
    return carrier


def fixed_webhook_paths() -> list[tuple[str, str, str]]:
    """(path, provider name, hook) for every registered provider's fixed webhook URLs."""
    return [
        (path, name, hook)
        for name, entry in PROVIDERS.items()
        for path, hook in entry.fixed_webhook_paths.items()
    ]


def build_twilio(settings: Settings, clock: Clock) -> Carrier:
    """Twilio with credentials; without them the carrier simulator, which speaks Twilio's
    REST API, on a loopback port, and the same adapter talking to it."""
    if settings.twilio_configured:
        assert settings.twilio_account_sid and settings.twilio_auth_token
        config = TwilioConfig(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            public_base_url=settings.public_base_url,
            api_base_url=settings.twilio_api_base_url,
            calls_per_second=settings.twilio_calls_per_second,
            max_concurrent_calls=settings.twilio_max_concurrent_calls,
        )
        return Carrier(TwilioProvider(config, wall_clock=clock))
    token = secrets.token_hex(16)
    sim_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sim_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sim_socket.bind(("127.0.0.1", 0))
    scenario = Scenario.from_file(settings.sim_scenario) if settings.sim_scenario else None
    simulator = CarrierSimulator(
        SIM_ACCOUNT_SID,
        token,
        scenario=scenario,
        seed=settings.sim_seed,
        speed=settings.sim_speed,
        clock=clock,
    )
    # the messaging URL of the firm's number: simulated customers' SMS replies go there
    simulator.inbound_sms_url = f"{settings.public_base_url.rstrip('/')}/telephony/twilio/sms-reply"
    config = TwilioConfig(
        account_sid=SIM_ACCOUNT_SID,
        auth_token=token,
        public_base_url=settings.public_base_url,
        api_base_url=f"http://127.0.0.1:{sim_socket.getsockname()[1]}",
        calls_per_second=max(settings.twilio_calls_per_second, 20.0),
        max_concurrent_calls=settings.twilio_max_concurrent_calls,
    )
    return Carrier(TwilioProvider(config, wall_clock=clock), simulator, sim_socket)


register_provider(
    TwilioProvider.name,
    build_twilio,
    fixed_webhook_paths={REP_ROOM_PATH: "rep-room", REP_LEG_STATUS_PATH: "rep-leg-status"},
)
