"""Simulated reps for the demo and the live tests: they do what a rep does on the console.

A simulated rep logs in, goes ready, takes the calls the engine bridges to it (the
carrier simulator plays the conversation), then after a drawn wrap-up time records a
disposition through the same `record_disposition` the console uses (warm leads, callbacks,
do-not-call and the rest, by configured shares) and goes ready again.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
import structlog

from campaigns.agents import RepState
from campaigns.population import Distribution, FixedDistribution
from compliance.rules import DEFAULT_GATE_RULES, GateRules
from dialer.clock import Clock
from dialer.floor.dispositions import DispositionInput, record_disposition
from dialer.floor.errors import ConsoleError
from dialer.floor.sessions import (
    current_session,
    go_ready,
    log_in,
    log_out,
    set_agent_state,
)

log = structlog.get_logger(__name__)

# what reps record after a conversation, and how often
DEFAULT_OUTCOMES: dict[str, float] = {
    "WARM": 0.12,
    "CALLBACK": 0.10,
    "NOT_INTERESTED": 0.62,
    "DNC": 0.04,
    "WRONG_NUMBER": 0.04,
    "VOICEMAIL": 0.08,
}
INTERESTS = ["稳健投顾组合 (advisory)", "账户激活 (re-activation)", "现金管理 (cash management)"]


@dataclass
class SimulatedReps:
    pool: asyncpg.Pool
    clock: Clock
    campaign_id: int
    user_ids: list[int]
    wrap_seconds: Distribution = FixedDistribution(dist="fixed", value=5.0)
    speed: float = 1.0
    seed: int = 1
    outcomes: dict[str, float] | None = None
    # the service's compliance rules, by which a simulated callback is checked
    rules: GateRules = DEFAULT_GATE_RULES

    def __post_init__(self) -> None:
        self._rng = random.Random(f"simulated-reps:{self.seed}")
        self._wrap_until: dict[int, datetime] = {}
        self.recorded: dict[str, int] = {}

    async def log_in_all(self) -> None:
        now = self.clock()
        async with self.pool.acquire() as connection:
            for user_id in self.user_ids:
                session = await current_session(connection, user_id)
                if session is None:
                    await log_in(connection, user_id, self.campaign_id, now)
                    session = await current_session(connection, user_id)
                if session is not None and session["state"] != RepState.READY.value:
                    with contextlib.suppress(ConsoleError):
                        await go_ready(connection, user_id, now)

    async def log_out_all(self) -> None:
        now = self.clock()
        async with self.pool.acquire() as connection:
            for user_id in self.user_ids:
                session = await current_session(connection, user_id)
                if session is None:
                    continue
                with contextlib.suppress(ConsoleError):
                    if session["state"] not in (RepState.READY.value, RepState.PAUSED.value):
                        continue  # still working a call: the console's sweeper wraps it up
                    await log_out(connection, user_id, now)

    async def run(self, stop: asyncio.Event, poll_seconds: float = 0.1) -> None:
        await self.log_in_all()
        while not stop.is_set():
            await self.step()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_seconds)

    async def step(self) -> None:
        now = self.clock()
        rows = await self.pool.fetch(
            "SELECT user_id, current_call_attempt_id FROM agent_sessions"
            " WHERE ended_at IS NULL AND state = 'wrap_up' AND user_id = ANY($1::bigint[])",
            self.user_ids,
        )
        for row in rows:
            user_id = row["user_id"]
            until = self._wrap_until.get(user_id)
            if until is None:
                seconds = self.wrap_seconds.sample(self._rng) / self.speed
                self._wrap_until[user_id] = now + timedelta(seconds=seconds)
                continue
            if now < until:
                continue
            del self._wrap_until[user_id]
            await self._finish(user_id, row["current_call_attempt_id"], now)

    async def _finish(self, user_id: int, call_attempt_id: int | None, now: datetime) -> None:
        async with self.pool.acquire() as connection:
            if call_attempt_id is not None:
                await self._dispose(connection, user_id, call_attempt_id, now)
            try:
                await go_ready(connection, user_id, now)
            except ConsoleError:
                # e.g. the outcome could not be recorded: pause rather than take calls blind
                await set_agent_state(connection, user_id, RepState.PAUSED, now, pause_code="break")

    async def _dispose(
        self, connection: asyncpg.Connection, user_id: int, call_attempt_id: int, now: datetime
    ) -> None:
        weights = self.outcomes or DEFAULT_OUTCOMES
        code = self._rng.choices(list(weights), list(weights.values()))[0]
        entry = DispositionInput(
            call_attempt_id=call_attempt_id,
            code=code,
            idempotency_key=f"sim-{call_attempt_id}",
            note="simulated rep",
            interest=self._rng.choice(INTERESTS) if code == "WARM" else "",
            callback_local=(now + timedelta(days=1)).replace(
                hour=10, minute=30, tzinfo=None, microsecond=0
            )
            if code == "CALLBACK"
            else None,
        )
        try:
            await record_disposition(connection, user_id, entry, now, rules=self.rules)
        except ConsoleError as refused:
            log.info("simulated_disposition_refused", code=code, reason=str(refused))
            entry = DispositionInput(
                call_attempt_id=call_attempt_id,
                code="NOT_INTERESTED",
                idempotency_key=f"sim-{call_attempt_id}-fallback",
                note="simulated rep",
            )
            await record_disposition(connection, user_id, entry, now)
            code = "NOT_INTERESTED"
        self.recorded[code] = self.recorded.get(code, 0) + 1
