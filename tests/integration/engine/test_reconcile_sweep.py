"""The reconcile sweep: an attempt whose create was never confirmed and that got no
callback is looked up again after a while, bound to its call when the provider has one,
else settled as failed so the number can be tried again by the retry policy."""

from __future__ import annotations

import asyncio
from datetime import datetime

import asyncpg

from dialer.engine import hopper
from dialer.engine.loop import CampaignEngine
from dialer.engine.settings import load_campaign
from dialer.engine.sweeps import UNCONFIRMED_AFTER
from dialer.events import EventBus
from dialer.telephony.provider import (
    CallPlacementUnknown,
    CallRequest,
    PlacedCall,
    ProviderLimits,
)
from dialer.telephony.twilio_adapter import TwilioConfig, TwilioProvider
from tests.integration.console.world import MORNING, FrozenClock, build_world
from tests.integration.telephony.stack import ACCOUNT_SID, AUTH_TOKEN, telephony_stack


class LookupOnly:
    """A provider whose creates all went unconfirmed; `calls` is what a lookup finds."""

    limits = ProviderLimits(calls_per_second=5.0, max_concurrent_calls=None)

    def __init__(self) -> None:
        self.calls: dict[str, str] = {}  # number -> call id
        self.unreachable: set[str] = set()
        self.lookups: list[tuple[str, datetime]] = []

    def is_placing(self, attempt_ref: str) -> bool:
        return False

    async def find_call(self, request: CallRequest, placed_after: datetime) -> PlacedCall | None:
        self.lookups.append((request.to_number, placed_after))
        if request.to_number in self.unreachable:
            raise CallPlacementUnknown("lookup timed out")
        call_id = self.calls.get(request.to_number)
        if call_id is None:
            return None
        return PlacedCall(request.attempt_ref, call_id, "in-progress", 0.0, reconciled=True)


async def _unconfirmed_attempts(pool: asyncpg.Pool, engine: CampaignEngine) -> list[int]:
    now = engine.clock()
    claimed = await hopper.claim(pool, engine.campaign.campaign_id, now, 3, engine.engine_id)
    attempts = []
    async with pool.acquire() as connection:
        for number in claimed:
            attempt_id = await hopper.start_attempt(connection, number, engine.engine_id, now, None)
            assert attempt_id is not None
            attempts.append(attempt_id)
    return attempts


async def test_unconfirmed_creates_are_bound_or_settled_after_the_window(pool):
    world = await build_world(pool)
    await pool.execute(
        "UPDATE campaigns SET caller_id = '+862195500000' WHERE campaign_id = $1",
        world.campaign_id,
    )
    clock = FrozenClock(MORNING)
    async with pool.acquire() as connection:
        await hopper.load_numbers(connection, world.campaign_id, MORNING)
    campaign = await load_campaign(pool, world.campaign_id, {"abandon_message": "Call us back."})
    provider = LookupOnly()
    engine = CampaignEngine(pool, provider, EventBus(pool), clock, campaign)  # type: ignore[arg-type]
    found, missing, unreachable = await _unconfirmed_attempts(pool, engine)
    numbers = dict(await pool.fetch("SELECT call_attempt_id, e164 FROM call_attempts"))
    provider.calls[numbers[found]] = "CA" + "f" * 32
    provider.unreachable.add(numbers[unreachable])

    # inside the window nothing is looked up: the create may still be answered
    clock.advance(UNCONFIRMED_AFTER.total_seconds() - 1)
    assert await engine.reconcile_unconfirmed(clock()) == 0
    assert provider.lookups == []

    now = clock.advance(2)
    assert await engine.reconcile_unconfirmed(now) == 2
    # looked up from when each attempt was written
    assert sorted(provider.lookups) == sorted((numbers[a], MORNING) for a in numbers)
    rows = {
        r["call_attempt_id"]: r
        for r in await pool.fetch(
            "SELECT call_attempt_id, status, provider_call_id, end_reason, ended_at, outcome"
            " FROM call_attempts"
        )
    }
    # the call the provider has is bound: its callbacks will settle it
    assert (rows[found]["status"], rows[found]["provider_call_id"]) == ("queued", "CA" + "f" * 32)
    # no call at the provider: failed now, the number free for its next try
    assert rows[missing]["status"] == "failed" and rows[missing]["ended_at"] == now
    assert (rows[missing]["end_reason"], rows[missing]["outcome"]) == (
        "unconfirmed_no_call",
        "no_answer",
    )
    queued = await pool.fetchrow(
        "SELECT state, next_attempt_at FROM campaign_numbers WHERE call_attempt_id IS NULL"
        " AND phone_id = (SELECT phone_id FROM call_attempts WHERE call_attempt_id = $1)",
        missing,
    )
    assert queued["state"] == "pending" and queued["next_attempt_at"] > now
    # the one-live-call-per-number index no longer holds the number
    assert not await pool.fetchval(
        "SELECT count(*) FROM call_attempts WHERE e164 = $1"
        " AND status IN ('created', 'queued', 'initiated', 'ringing', 'in_progress')",
        numbers[missing],
    )
    # a lookup that fails leaves the attempt for the next sweep
    assert rows[unreachable]["status"] == "created"
    provider.unreachable.clear()
    assert await engine.reconcile_unconfirmed(clock.advance(30)) == 1
    assert (
        await pool.fetchval(
            "SELECT status FROM call_attempts WHERE call_attempt_id = $1", unreachable
        )
        == "failed"
    )
    # nothing is left to sweep
    assert await engine.reconcile_unconfirmed(clock.advance(30)) == 0


class HeldThrottleClock:
    """The adapter's throttle clock: time stands still until released, and so does a wait."""

    def __init__(self) -> None:
        self.released = asyncio.Event()
        self.waiting = asyncio.Event()

    def monotonic(self) -> float:
        return 1000.0 if self.released.is_set() else 0.0

    async def sleep(self, seconds: float) -> None:
        self.waiting.set()
        await self.released.wait()


async def test_a_create_still_waiting_in_the_throttle_is_never_swept(pool):
    world = await build_world(pool)
    await pool.execute(
        "UPDATE campaigns SET caller_id = '+862195500000' WHERE campaign_id = $1",
        world.campaign_id,
    )
    clock = FrozenClock(MORNING)
    async with pool.acquire() as connection:
        await hopper.load_numbers(connection, world.campaign_id, MORNING)
    campaign = await load_campaign(pool, world.campaign_id, {"abandon_message": "Call us back."})
    throttle = HeldThrottleClock()
    async with telephony_stack() as stack:
        provider = TwilioProvider(
            TwilioConfig(
                account_sid=ACCOUNT_SID,
                auth_token=AUTH_TOKEN,
                public_base_url=stack.public_base_url,
                api_base_url=stack.simulator_url,
                calls_per_second=0.5,
            ),
            clock=throttle,
        )
        try:
            engine = CampaignEngine(pool, provider, EventBus(pool), clock, campaign)
            placed, queued, _spare = await _unconfirmed_attempts(pool, engine)
            by_id = {
                r["call_attempt_id"]: hopper.ClaimedNumber(
                    **{k: r[k] for k in hopper.ClaimedNumber.__dataclass_fields__}
                )
                for r in await pool.fetch(
                    "SELECT n.*, c.call_attempt_id FROM campaign_numbers n"
                    " JOIN call_attempts c USING (campaign_id, phone_id)"
                )
            }
            await engine.place(placed, by_id[placed])  # takes the bucket's one token
            waiting = asyncio.create_task(engine.place(queued, by_id[queued]))
            await throttle.waiting.wait()
            assert provider.is_placing(str(queued)) and not provider.is_placing(str(placed))

            # long past the window, the queued create is left alone (only the spare is swept)
            now = clock.advance(UNCONFIRMED_AFTER.total_seconds() * 3)
            assert await engine.reconcile_unconfirmed(now) == 1
            row = await pool.fetchrow(
                "SELECT c.status, c.provider_call_id, n.state FROM call_attempts c"
                " JOIN campaign_numbers n USING (campaign_id, phone_id)"
                " WHERE c.call_attempt_id = $1",
                queued,
            )
            assert (row["status"], row["provider_call_id"], row["state"]) == (
                "created",
                None,
                "dialing",
            )
            # the create goes out after all, and its call is bound to its attempt
            throttle.released.set()
            await waiting
            assert not provider.is_placing(str(queued))
            assert (
                await pool.fetchval(
                    "SELECT provider_call_id FROM call_attempts WHERE call_attempt_id = $1", queued
                )
                in stack.simulator.calls
            )
        finally:
            await provider.close()
