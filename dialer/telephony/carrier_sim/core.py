"""The carrier simulator's state and clock: what every layer above shares."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import aiohttp
import structlog

from campaigns.population import Population, Scenario
from dialer.telephony.carrier_sim.models import (
    DEFAULT_SCENARIO,
    ConferenceRooms,
    FaultPlan,
    SentCallback,
    SimCall,
    SimulatorError,
    _now,
)

log = structlog.get_logger(__name__)


class SimulatorCore:
    """The simulator's state, its compressed time and its background tasks."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        scenario: Scenario | None = None,
        seed: int = 1,
        speed: float = 1.0,
        account_calls_per_second: float | None = None,
        faults: FaultPlan | None = None,
        clock: Callable[[], datetime] = _now,
        staff_phones: Iterable[str] = (),
    ) -> None:
        if speed <= 0:
            raise SimulatorError(f"--speed must be positive, got {speed}")
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.scenario = scenario or Scenario.model_validate(DEFAULT_SCENARIO)
        self.population = Population(self.scenario, seed)
        self.speed = speed
        self.account_calls_per_second = account_calls_per_second
        self.faults = faults or FaultPlan()
        # the wall clock the simulated carrier stamps calls and callbacks with (the service's
        # own clock in the demo, so both sides agree on the time)
        self.clock = clock
        self.rng = random.Random(f"sim-faults:{seed}")
        self.calls: dict[str, SimCall] = {}
        self.rooms = ConferenceRooms()
        self.staff_phones: set[str] = set(staff_phones)
        self.callbacks: list[SentCallback] = []
        self.create_received: list[float] = []  # monotonic seconds of every create received
        self.answer_latencies: list[float] = []  # answer-URL round trips, seconds
        self.callback_latencies: list[float] = []
        self._started = time.monotonic()
        self._next_slot = 0.0
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- time -------------------------------------------------------------------------

    async def sleep(self, simulated_seconds: float) -> None:
        await asyncio.sleep(max(0.0, simulated_seconds) / self.speed)

    def shift_offset(self) -> float:
        return (time.monotonic() - self._started) * self.speed

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=0)
        self._session = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=15)
        )

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    def _spawn(self, coroutine: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until every call has ended and every callback has been delivered."""
        async with asyncio.timeout(timeout):
            while self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- HTTP app -----------------------------------------------------------------------
