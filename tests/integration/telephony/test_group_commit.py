"""The group-committed ledger gives every callback what the one-at-a-time ledger gives it:
the same stored record, the same verdict in the same order, each callback deduplicated,
an unknown or broken callback failing alone, the database's absence reported to every
caller (so each webhook spools its own), and one NOTIFY per batch naming the calls that
ended."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from hypothesis import HealthCheck, given, settings

from dialer import db
from dialer.events import PG_CHANNEL
from dialer.telephony.callstate import Transition, Verdict
from dialer.telephony.group_commit import CALLS_CHANNEL, GroupCommitLedger
from dialer.telephony.pg_ledger import PostgresCallLedger, UnknownCall
from dialer.telephony.provider import CallEvent, CallEventKind, CallRequest, EndReason
from dialer.telephony.spool import CallbackSpool
from tests.integration.telephony.stack import CALLER_ID, telephony_stack
from tests.integration.telephony.test_call_attempts_db import new_attempt
from tests.integration.telephony.test_ledger_properties import _for_attempt, _stored
from tests.unit.telephony.test_callstate import deliveries

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def event(call_id: str, kind: CallEventKind, seq: int, attempt: int | None) -> CallEvent:
    ended = kind is CallEventKind.COMPLETED
    return CallEvent(
        provider="twilio",
        call_id=call_id,
        kind=kind,
        occurred_at=T0 + timedelta(seconds=seq),
        dedupe_keys=(f"{call_id}-{seq}",),
        sequence=seq,
        attempt_ref=str(attempt) if attempt is not None else None,
        end_reason=EndReason.COMPLETED if ended else None,
        duration_seconds=30 if ended else None,
    )


def life(call_id: str, attempt: int) -> list[CallEvent]:
    kinds = (
        CallEventKind.INITIATED,
        CallEventKind.RINGING,
        CallEventKind.ANSWERED,
        CallEventKind.COMPLETED,
    )
    return [event(call_id, kind, seq, attempt) for seq, kind in enumerate(kinds)]


async def _in_one_batch(ledger: GroupCommitLedger, events: list[CallEvent]) -> list[object]:
    """Every event handed over in the same instant: one batch."""
    return await asyncio.gather(*(ledger.apply(e) for e in events), return_exceptions=True)


async def _check(url: str, life_events: list[CallEvent], delivered: list[CallEvent]) -> None:
    async with db.pool_for(url, min_size=1, max_size=4) as pool:
        single = PostgresCallLedger(pool)
        grouped = GroupCommitLedger(single)
        run = uuid.uuid4().hex[:8]
        stored, verdicts = [], []
        for label, apply_all in (("single", False), ("grouped", True)):
            call_id = f"CA{run}{label}"
            attempt_id = await new_attempt(pool, f"+1415{uuid.uuid4().int % 10**7:07d}", call_id)
            events = _for_attempt(delivered, attempt_id, call_id)
            if apply_all:
                results = await _in_one_batch(grouped, events)
            else:
                results = [await single.apply(e) for e in events]
            verdicts.append([r.verdict for r in results if isinstance(r, Transition)])
            stored.append(await _stored(pool, attempt_id, call_id))
        assert grouped.batches == 1 and grouped.batched == len(delivered)
        assert verdicts[0] == verdicts[1] and len(verdicts[1]) == len(delivered)
        assert stored[0] == stored[1]
        assert stored[1]["ended_at"] is not None or not any(
            e.kind is CallEventKind.COMPLETED for e in life_events
        )


@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=deliveries())
def test_a_batch_stores_what_one_at_a_time_stores_with_the_same_verdicts(
    db_url: str, case: tuple[list[CallEvent], list[CallEvent]]
) -> None:
    life_events, delivered = case
    asyncio.run(_check(db_url, life_events, delivered))


async def test_many_calls_in_one_batch_each_applied_once_and_an_unknown_one_fails_alone(
    pool: asyncpg.Pool,
) -> None:
    ledger = GroupCommitLedger(PostgresCallLedger(pool))
    attempts = [await new_attempt(pool, f"+141555501{n:02d}", f"many-{n}") for n in range(3)]
    events = [e for n, a in enumerate(attempts) for e in life(f"CAmany{n}", a)]
    stranger = event("CAnobody", CallEventKind.RINGING, 1, None)
    # interleaved as the carrier sends them, each once more at the end
    interleaved = [events[i] for seq in range(4) for i in range(seq, len(events), 4)]
    results = await _in_one_batch(ledger, [*interleaved, stranger, *interleaved])
    assert ledger.batches == 1
    first, unknown, again = results[:12], results[12], results[13:]
    assert all(isinstance(r, Transition) and r.verdict is Verdict.ADVANCED for r in first)
    assert isinstance(unknown, UnknownCall)
    assert all(isinstance(r, Transition) and r.verdict is Verdict.DUPLICATE for r in again)
    rows = await pool.fetch(
        "SELECT status, talk_seconds, provider_call_id FROM call_attempts"
        " WHERE call_attempt_id = ANY($1) ORDER BY call_attempt_id",
        attempts,
    )
    assert [tuple(r) for r in rows] == [("completed", 30, f"CAmany{n}") for n in range(3)]
    keys = await pool.fetchval(
        "SELECT count(*) FROM provider_callbacks WHERE call_attempt_id = ANY($1)", attempts
    )
    assert keys == 12
    # the batch remembers each call's campaign: the engine is found without a round trip
    campaign = await pool.fetchval(
        "SELECT campaign_id FROM call_attempts WHERE call_attempt_id = $1", attempts[0]
    )
    assert [ledger.campaign_of(f"CAmany{n}") for n in range(3)] == [campaign] * 3
    assert ledger.campaign_of("CAnobody") is None


async def test_an_attempt_bound_in_the_batch_refuses_another_call(pool: asyncpg.Pool) -> None:
    ledger = GroupCommitLedger(PostgresCallLedger(pool))
    attempt = await new_attempt(pool, "+14155550150", "bound-in-batch")
    results = await _in_one_batch(
        ledger,
        [
            event("CAfirst", CallEventKind.INITIATED, 0, attempt),
            event("CAsecond", CallEventKind.RINGING, 1, attempt),
            event("CAfirst", CallEventKind.RINGING, 2, attempt),
        ],
    )
    assert isinstance(results[0], Transition) and results[0].verdict is Verdict.ADVANCED
    assert isinstance(results[1], UnknownCall)
    assert isinstance(results[2], Transition) and results[2].verdict is Verdict.ADVANCED
    bound = await pool.fetchval(
        "SELECT provider_call_id FROM call_attempts WHERE call_attempt_id = $1", attempt
    )
    assert bound == "CAfirst"


async def test_a_callback_that_breaks_the_batch_fails_alone(pool: asyncpg.Pool) -> None:
    ledger = GroupCommitLedger(PostgresCallLedger(pool))
    good = await new_attempt(pool, "+14155550160", "good")
    bad = await new_attempt(pool, "+14155550161", "bad")
    broken = dataclasses.replace(
        event("CAbad", CallEventKind.RINGING, 1, bad), sequence=2**40
    )  # beyond the integer column: the statement fails
    results = await _in_one_batch(
        ledger, [event("CAgood", CallEventKind.INITIATED, 0, good), broken]
    )
    assert isinstance(results[0], Transition) and results[0].verdict is Verdict.ADVANCED
    assert isinstance(results[1], Exception) and not isinstance(results[1], Transition)
    statuses = await pool.fetch(
        "SELECT call_attempt_id, status FROM call_attempts WHERE call_attempt_id = ANY($1)",
        [good, bad],
    )
    assert dict((r["call_attempt_id"], r["status"]) for r in statuses) == {
        good: "initiated",
        bad: "created",
    }


async def test_one_notify_per_batch_names_the_calls_that_ended(
    pool: asyncpg.Pool, db_url: str
) -> None:
    ledger = GroupCommitLedger(PostgresCallLedger(pool))
    attempts = [await new_attempt(pool, f"+141555502{n:02d}", f"notify-{n}") for n in range(2)]
    campaign = await pool.fetchval(
        "SELECT campaign_id FROM call_attempts WHERE call_attempt_id = $1", attempts[0]
    )
    heard: asyncio.Queue[dict[str, object]] = asyncio.Queue()
    listener = await asyncpg.connect(db_url)
    await listener.add_listener(PG_CHANNEL, lambda *args: heard.put_nowait(json.loads(args[3])))
    try:
        await _in_one_batch(ledger, [e for n, a in enumerate(attempts) for e in life(f"CAn{n}", a)])
        message = await asyncio.wait_for(heard.get(), 5)
        await asyncio.sleep(0.2)
        assert heard.empty()  # one NOTIFY for the batch
    finally:
        await listener.close()
    assert message == {
        "channel": CALLS_CHANNEL,
        "event": {"kind": "calls_ended", "campaigns": {str(campaign): sorted(attempts)}},
    }


async def test_with_the_database_away_every_callback_of_the_batch_is_spooled(
    tmp_path: Path,
) -> None:
    # a pool on a port where nothing listens: every connection is refused
    port = _port_nobody_listens_on()
    away = await asyncpg.create_pool(f"postgresql://x@127.0.0.1:{port}/x", min_size=0)
    ledger = GroupCommitLedger(PostgresCallLedger(away))
    spool = CallbackSpool(tmp_path / "spool")
    spool.open()
    try:
        async with telephony_stack(ledger=ledger, spool=spool) as stack:
            for n in range(3):
                await stack.provider.place_call(
                    CallRequest(
                        attempt_ref=str(n), to_number=f"+1415555017{n}", caller_id=CALLER_ID
                    )
                )
            await stack.settle()
            sent = stack.simulator.callbacks
            statuses = [cb for cb in sent if "/status" in cb.url]
            # every callback acknowledged, every status callback kept for later
            assert statuses and all(cb.http_status == 204 for cb in sent), sent
            assert spool.pending() >= len(statuses)
    finally:
        spool.close()
        await away.close()


def _port_nobody_listens_on() -> int:
    """A loopback port that was just free (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
