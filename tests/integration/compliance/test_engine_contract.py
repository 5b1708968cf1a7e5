"""The engine's contract with the gate, on the real `CampaignEngine`: its pacing tick
claims numbers, asks the gate, and has the provider dial only what the gate allowed. A
campaign whose accounts are half forbidden, for every kind of reason; only the telephony
side is a stub, and it records every call it is asked to place."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import asyncpg

from dialer.compliance.opt_outs import add_opt_out
from dialer.engine import hopper
from dialer.engine.loop import CampaignEngine
from dialer.engine.settings import load_campaign
from dialer.events import EventBus
from dialer.floor.sessions import go_ready, log_in
from dialer.telephony.decisions import AnswerDecision, AnsweredCall
from dialer.telephony.provider import (
    CallEvent,
    CallRequest,
    PlacedCall,
    ProviderLimits,
    TelephonyProvider,
)

from .callees import add_callee, add_campaign

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Beijing, 21:00 Sunday in New York
CONSENTED = (("marketing", datetime(2026, 1, 1, tzinfo=UTC), None),)
REVOKED = (("marketing", datetime(2026, 1, 1, tzinfo=UTC), NOW - timedelta(seconds=1)),)
REPS = 16  # a rep for every number: only the gate keeps a number from being dialled
CALLS_PER_SECOND = 3  # a few numbers per tick, so the engine goes through many batches


class RecordingProvider(TelephonyProvider):
    """The carrier side only: records every call it is asked to place and accepts it."""

    name = "recording"

    def __init__(self) -> None:
        self.placed: list[CallRequest] = []

    @property
    def limits(self) -> ProviderLimits:
        return ProviderLimits(calls_per_second=CALLS_PER_SECOND, max_concurrent_calls=None)

    async def place_call(self, request: CallRequest) -> PlacedCall:
        self.placed.append(request)
        return PlacedCall(
            attempt_ref=request.attempt_ref,
            call_id=f"CA{len(self.placed):04d}",
            status="queued",
            queue_seconds=0.0,
        )

    async def place_rep_leg(self, to_number: str, caller_id: str, rep_ref: str) -> str:
        raise AssertionError("no rep legs in this test")

    async def bridge_to_room(self, call_id: str, room: str) -> None:
        raise AssertionError("no call is answered in this test")

    async def play_message_and_hang_up(self, call_id: str, message: str) -> None:
        raise AssertionError("no call is answered in this test")

    async def hang_up(self, call_id: str) -> None:
        raise AssertionError("no call is hung up in this test")

    def verify_webhook(
        self, url: str, params: Mapping[str, str] | object, headers: Mapping[str, str]
    ) -> bool:
        return False

    def answered_call(self, params: Mapping[str, str], *, attempt_ref: str | None) -> AnsweredCall:
        raise AssertionError("no call is answered in this test")

    def parse_event(
        self,
        kind_hint: str,
        params: Mapping[str, str],
        headers: Mapping[str, str],
        *,
        attempt_ref: str | None,
        received_at: datetime,
    ) -> CallEvent | None:
        return None

    def render_answer(self, decision: AnswerDecision) -> tuple[str, str]:
        raise AssertionError("no call is answered in this test")

    async def close(self) -> None:
        return None


class SteppingClock:
    """The engine's clock; the test moves it on between ticks."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


async def _ready_reps(pool: asyncpg.Pool, campaign_id: int, count: int, now: datetime) -> None:
    team_id = await pool.fetchval("INSERT INTO teams (name) VALUES ('gate') RETURNING team_id")
    for index in range(count):
        user_id = await pool.fetchval(
            "INSERT INTO users (username, display_name, role, team_id, password_hash)"
            " VALUES ($1, 'Rep', 'telesales_rep', $2, 'x') RETURNING user_id",
            f"gate-rep-{index}",
            team_id,
        )
        async with pool.acquire() as connection:
            await log_in(connection, user_id, campaign_id, now)
            await go_ready(connection, user_id, now)


async def _tick(engine: CampaignEngine) -> int:
    launched = await engine.tick()
    # the placements run as tasks, as in production; the engine's run() waits the same way
    await asyncio.gather(*engine.placing)
    return launched


async def _due(pool: asyncpg.Pool, campaign_id: int, now: datetime) -> int:
    count: int = await pool.fetchval(
        "SELECT count(*) FROM campaign_numbers"
        " WHERE campaign_id = $1 AND state = 'pending' AND next_attempt_at <= $2",
        campaign_id,
        now,
    )
    return count


async def test_the_engine_places_only_the_calls_the_gate_allows(pool: asyncpg.Pool) -> None:
    allowed: dict[int, str] = {}  # account -> number
    # account -> (verdict, a rule that decided it)
    forbidden: dict[int, tuple[str, str]] = {}
    opt_outs: list[str] = []
    withdrawn = 0
    for index in range(16):
        e164 = f"+86138000002{index:02d}"
        kind = index % 8
        if kind == 0:  # no marketing consent on record
            account_id, _ = await add_callee(pool, e164)
            forbidden[account_id] = ("BLOCK", "CN-C1")
        elif kind == 2:  # consent withdrawn one second before the campaign's first tick
            account_id, _ = await add_callee(pool, e164, consents=REVOKED)
            forbidden[account_id] = ("BLOCK", "CN-C1")
            withdrawn = account_id
        elif kind == 4:  # asked not to be called: the firm's do-not-call list
            account_id, _ = await add_callee(pool, e164, consents=CONSENTED)
            opt_outs.append(e164)
            forbidden[account_id] = ("BLOCK", "CN-C2")
        elif kind == 6:  # lives in New York, where it is 21:00: outside US-H1
            account_id, _ = await add_callee(
                pool, e164, address_time_zone="America/New_York", consents=CONSENTED
            )
            forbidden[account_id] = ("DELAY", "US-H1")
        else:
            account_id, _ = await add_callee(pool, e164, consents=CONSENTED)
            allowed[account_id] = e164
    async with pool.acquire() as connection:
        for e164 in opt_outs:
            await add_opt_out(connection, e164, "phone", NOW - timedelta(days=2))
    campaign_id = await add_campaign(
        pool, "half forbidden", pacing_mode="progressive", caller_id="+862195500000"
    )
    async with pool.acquire() as connection:
        assert await hopper.load_numbers(connection, campaign_id, NOW) == 16
    # one allowed customer asks not to be called after the first tick, before the engine
    # reaches them (they are queued last)
    late_account, late_number = next(reversed(allowed.items()))
    await pool.execute("UPDATE campaign_numbers SET priority = -1 WHERE e164 = $1", late_number)
    await _ready_reps(pool, campaign_id, REPS, NOW)

    clock = SteppingClock(NOW)
    provider = RecordingProvider()
    settings = await load_campaign(pool, campaign_id, {"abandon_message": "call us back"})
    engine = CampaignEngine(pool, provider, EventBus(), clock, settings)

    launched = await _tick(engine)
    assert 0 < len(provider.placed) <= CALLS_PER_SECOND
    async with pool.acquire() as connection:
        await add_opt_out(connection, late_number, "sms", NOW + timedelta(seconds=1))
    allowed.pop(late_account)
    forbidden[late_account] = ("BLOCK", "CN-C2")
    for _ in range(20):
        if not await _due(pool, campaign_id, clock.now):
            break
        clock.now += timedelta(seconds=2)  # the provider's calls-per-second budget refills
        launched += await _tick(engine)

    # the provider was asked to dial exactly the allowed numbers, each once
    assert sorted(r.to_number for r in provider.placed) == sorted(allowed.values())
    assert await _due(pool, campaign_id, clock.now) == 0
    assert launched == engine.figures.launched == len(allowed) == 7
    assert engine.figures.blocked == 7 and engine.figures.delayed == 2

    # every dial cites the audited ALLOW decision for that very account
    dialed = await pool.fetch(
        "SELECT c.account_id, l.subject_id, l.detail ->> 'verdict' AS verdict"
        " FROM call_attempts c LEFT JOIN audit_log l ON l.audit_id = c.compliance_decision_id"
        " WHERE c.campaign_id = $1",
        campaign_id,
    )
    assert sorted(d["account_id"] for d in dialed) == sorted(allowed)
    assert all(d["verdict"] == "ALLOW" and d["subject_id"] == d["account_id"] for d in dialed)

    # every number was decided once, and each forbidden one has its decision on record
    decisions = await pool.fetch(
        "SELECT subject_id AS account_id, detail ->> 'verdict' AS verdict,"
        " detail -> 'rules' AS rules, detail ->> 'reason' AS reason"
        " FROM audit_log WHERE kind = 'compliance_decision'"
    )
    assert sorted(d["account_id"] for d in decisions) == sorted([*allowed, *forbidden])
    by_account = {d["account_id"]: d for d in decisions}
    numbers = {
        n["account_id"]: n
        for n in await pool.fetch(
            "SELECT account_id, state, next_attempt_at, reason FROM campaign_numbers"
            " WHERE campaign_id = $1",
            campaign_id,
        )
    }
    for account_id, (verdict, rule) in forbidden.items():
        decision, number = by_account[account_id], numbers[account_id]
        assert decision["verdict"] == verdict, (account_id, decision["reason"])
        assert rule in decision["rules"], (account_id, decision["rules"])
        assert decision["reason"] == number["reason"]
        if verdict == "BLOCK":
            assert number["state"] == "blocked"
            assert decision["reason"].startswith("Not called:")
        else:
            assert number["state"] == "pending" and number["next_attempt_at"] > clock.now
            assert decision["reason"].startswith("Not now:")
    assert "withdrawn" in by_account[withdrawn]["reason"]


async def test_a_number_on_the_tps_is_blocked_without_halting_a_uk_campaign(
    pool: asyncpg.Pool,
) -> None:
    now = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # Monday 11:00 in London
    await pool.execute(
        "INSERT INTO dnc_snapshots (source, snapshot_date) VALUES ('tps', '2026-11-20'),"
        " ('ctps', '2026-11-20')"
    )
    clients: dict[int, str] = {}
    for index in range(6):
        e164 = f"+4420794601{index:02d}"
        account_id, _ = await add_callee(pool, e164, region="England", line_type="fixed_line")
        clients[account_id] = e164
    await pool.execute(
        """UPDATE accounts SET extra = '{"client_expects_calls": true}',"""
        " existing_customer_since = '2020-01-01'"
    )
    tps_account, tps_number = next(iter(clients.items()))
    await pool.execute(
        "INSERT INTO dnc_entries (e164, source, added_at, snapshot_id)"
        " SELECT $1, 'tps', '2026-11-20', max(snapshot_id) FROM dnc_snapshots"
        " WHERE source = 'tps'",
        tps_number,
    )
    campaign_id = await add_campaign(
        pool, "uk clients", jurisdiction="UK", pacing_mode="progressive", caller_id="+442079460001"
    )
    async with pool.acquire() as connection:
        await hopper.load_numbers(connection, campaign_id, now)
    # the listed number comes first
    await pool.execute("UPDATE campaign_numbers SET priority = 9 WHERE e164 = $1", tps_number)
    await _ready_reps(pool, campaign_id, len(clients), now)
    clock = SteppingClock(now)
    provider = RecordingProvider()
    settings = await load_campaign(pool, campaign_id, {"abandon_message": "call us back"})
    engine = CampaignEngine(pool, provider, EventBus(), clock, settings)
    for _ in range(5):
        clock.now += timedelta(seconds=2)
        await _tick(engine)

    blocked = await pool.fetchrow(
        "SELECT state, reason FROM campaign_numbers WHERE account_id = $1", tps_account
    )
    assert blocked["state"] == "blocked", blocked["reason"]
    assert engine.halted is None
    assert sorted(r.to_number for r in provider.placed) == sorted(
        e164 for account_id, e164 in clients.items() if account_id != tps_account
    )
