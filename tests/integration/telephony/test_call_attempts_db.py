"""Call events persisted to call_attempts, with callback dedupe in the database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg

from dialer.telephony.carrier_sim import FaultPlan
from dialer.telephony.pg_ledger import PostgresCallLedger
from dialer.telephony.provider import CallRequest
from tests.integration.telephony.stack import CALLER_ID, telephony_stack


async def new_attempt(pool: asyncpg.Pool, number: str, key: str) -> int:
    async with pool.acquire() as connection:
        campaign_id = await connection.fetchval(
            "INSERT INTO campaigns (name, purpose) VALUES ($1, 'marketing') "
            "ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING campaign_id",
            "telephony-tests",
        )
        account_id = await connection.fetchval(
            "INSERT INTO accounts (name, segment) VALUES ('Test customer', 'lapsed') "
            "RETURNING account_id"
        )
        attempt_id: int = await connection.fetchval(
            "INSERT INTO call_attempts (campaign_id, account_id, e164, idempotency_key, created_at)"
            " VALUES ($1, $2, $3, $4, now()) RETURNING call_attempt_id",
            campaign_id,
            account_id,
            number,
            key,
        )
    return attempt_id


async def test_the_database_shows_the_attempt_with_every_state_timestamp(
    pool: asyncpg.Pool,
) -> None:
    ledger = PostgresCallLedger(pool)
    number = "+14155550123"
    attempt_id = await new_attempt(pool, number, "e2e-1")
    async with telephony_stack(ledger=ledger) as stack:
        placed = await stack.provider.place_call(
            CallRequest(attempt_ref=str(attempt_id), to_number=number, caller_id=CALLER_ID)
        )
        await ledger.record_placed(placed, datetime.now(UTC))
        await stack.settle()
        sim_call = stack.simulator.calls[placed.call_id]
        assert sim_call.rooms == ["rep-1"]

    row = await ledger.attempt(attempt_id)
    assert row is not None
    assert row["provider_call_id"] == placed.call_id
    assert row["status"] == "completed"
    stamps = [
        "queued_at",
        "initiated_at",
        "ringing_at",
        "answered_at",
        "bridged_at",
        "amd_at",
        "ended_at",
    ]
    assert all(row[name] is not None for name in stamps), {name: row[name] for name in stamps}
    assert row["initiated_at"] <= row["ringing_at"] <= row["answered_at"] <= row["ended_at"]
    assert row["bridged_room"] == "rep-1" and row["abandoned"] is False
    assert row["answered_by"] == "human"
    assert row["end_reason"] == "completed" and row["sip_code"] == 200
    assert row["duration_seconds"] == sim_call.duration == row["talk_seconds"]
    assert row["provider_sequence"] == 3


async def test_duplicated_reordered_callbacks_are_applied_once_in_the_database(
    pool: asyncpg.Pool,
) -> None:
    ledger = PostgresCallLedger(pool)
    numbers = [f"+1415777{index:04d}" for index in range(4)]
    attempts = [await new_attempt(pool, number, f"dup-{number}") for number in numbers]
    faults = FaultPlan(duplicate_rate=1.0, reorder=True, delay_max_seconds=0.6)
    async with telephony_stack(ledger=ledger, faults=faults) as stack:
        placed = await asyncio.gather(
            *(
                stack.provider.place_call(
                    CallRequest(attempt_ref=str(attempt), to_number=number, caller_id=CALLER_ID)
                )
                for attempt, number in zip(attempts, numbers, strict=True)
            )
        )
        await stack.settle(timeout=30)
        sent = len([cb for cb in stack.simulator.callbacks if not cb.lost])

    async with pool.acquire() as connection:
        rows = await connection.fetch(
            "SELECT call_attempt_id, provider_call_id, status, initiated_at, ringing_at, "
            "answered_at, ended_at FROM call_attempts ORDER BY call_attempt_id"
        )
        tokens = await connection.fetchval(
            "SELECT count(*) FROM provider_callbacks WHERE dedupe_key LIKE 'twilio-token:%'"
        )
        kinds = await connection.fetch(
            "SELECT provider_call_id, array_agg(event_kind ORDER BY event_kind) AS kinds "
            "FROM provider_callbacks WHERE dedupe_key LIKE 'twilio-token:%' "
            "GROUP BY provider_call_id"
        )
    assert [row["call_attempt_id"] for row in rows] == attempts
    assert [row["provider_call_id"] for row in rows] == [call.call_id for call in placed]
    for row in rows:
        assert row["status"] == "completed"
        assert None not in (
            row["initiated_at"],
            row["ringing_at"],
            row["answered_at"],
            row["ended_at"],
        )
    # every callback was delivered twice; each event is recorded once
    assert sent == 2 * (5 * len(numbers))
    assert tokens == 5 * len(numbers)
    assert {row["provider_call_id"] for row in kinds} == {call.call_id for call in placed}
    for row in kinds:
        assert row["kinds"] == ["amd_verdict", "answered", "completed", "initiated", "ringing"]
