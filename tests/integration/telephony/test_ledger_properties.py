"""The stored attempt record is the same whatever order and duplication the callbacks
arrive in: a property test through the PostgreSQL ledger (`PostgresCallLedger.apply`),
against an in-order replay of the same call's events in the same database."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from typing import Any

import asyncpg
from hypothesis import HealthCheck, given, settings

from dialer import db
from dialer.telephony.pg_ledger import PostgresCallLedger
from dialer.telephony.provider import CallEvent
from tests.integration.telephony.test_call_attempts_db import new_attempt
from tests.unit.telephony.test_callstate import SID, deliveries

STORED = (
    "status, initiated_at, ringing_at, answered_at, amd_at, ended_at, answered_by, end_reason,"
    " sip_code, duration_seconds, provider_sequence, ring_seconds, talk_seconds"
)


def _for_attempt(events: list[CallEvent], attempt_id: int, call_id: str) -> list[CallEvent]:
    """The same events for another call and attempt (every call id and dedupe key is
    unique in the database)."""
    return [
        dataclasses.replace(
            event,
            call_id=call_id,
            attempt_ref=str(attempt_id),
            dedupe_keys=tuple(
                key.replace(SID, call_id) + f"@{call_id}" for key in event.dedupe_keys
            ),
        )
        for event in events
    ]


async def _stored(pool: asyncpg.Pool, attempt_id: int, call_id: str) -> dict[str, Any]:
    row = await pool.fetchrow(
        f"SELECT {STORED} FROM call_attempts WHERE call_attempt_id = $1", attempt_id
    )
    keys = await pool.fetch(
        "SELECT dedupe_key FROM provider_callbacks WHERE call_attempt_id = $1", attempt_id
    )
    return {
        **dict(row),
        "dedupe_keys": sorted(r["dedupe_key"].replace(call_id, "<call>") for r in keys),
    }


async def _check(url: str, life: list[CallEvent], delivered: list[CallEvent]) -> None:
    async with db.pool_for(url, min_size=1, max_size=4) as pool:
        ledger = PostgresCallLedger(pool)
        runs = uuid.uuid4().hex[:8]
        stored = []
        for label, events in (("in-order", life), ("delivered", delivered)):
            call_id = f"CA{runs}{label}"
            attempt_id = await new_attempt(pool, f"+1415{uuid.uuid4().int % 10**7:07d}", call_id)
            for event in _for_attempt(events, attempt_id, call_id):
                await ledger.apply(event)
            if label == "delivered":
                # and everything once more, all at once: the row lock serialises them and
                # every one is a duplicate by now
                await asyncio.gather(
                    *(ledger.apply(e) for e in _for_attempt(events, attempt_id, call_id))
                )
            stored.append(await _stored(pool, attempt_id, call_id))
        in_order, shuffled = stored
        assert shuffled == in_order
        assert in_order["ended_at"] is not None


@settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=deliveries())
def test_shuffled_and_duplicated_callbacks_store_the_in_order_record(
    db_url: str, case: tuple[list[CallEvent], list[CallEvent]]
) -> None:
    life, delivered = case
    asyncio.run(_check(db_url, life, delivered))
