"""The ends of calls released by one ledger commit are settled together: one read of the
attempts and their histories, one set-based settle, and each number left as the
one-at-a-time settle leaves it (queued again for its retry, the attempt's outcome kept)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg

from dialer.telephony.callstate import CallPhase, CallState, Transition, Verdict
from dialer.telephony.provider import CallEvent, CallEventKind, EndReason
from tests.integration.console.world import MORNING, FrozenClock, build_world
from tests.integration.engine.test_callbacks import _engine, _launch_one, _number, _reps


async def test_ends_released_together_are_settled_in_one_batch_as_one_at_a_time(
    pool: asyncpg.Pool,
) -> None:
    world = await build_world(pool, customers=4)
    clock = FrozenClock(MORNING)
    await _reps(pool, world)
    engine = await _engine(pool, world, clock)
    attempts = [await _launch_one(engine, MORNING) for _ in range(3)]
    ended_at = MORNING + timedelta(seconds=40)
    await pool.execute(
        "UPDATE call_attempts SET status = 'no_answer', ended_at = $2, end_reason = 'no_answer',"
        " provider_call_id = 'CA' || lpad(call_attempt_id::text, 32, '0')"
        " WHERE call_attempt_id = ANY($1::bigint[])",
        attempts,
        ended_at,
    )
    reads: list[int] = []
    read = engine.store.ended_calls

    async def counting(call_ids):  # type: ignore[no-untyped-def]
        reads.append(len(call_ids))
        return await read(call_ids)

    engine.store.ended_calls = counting  # type: ignore[method-assign]
    clock.now = ended_at

    def end(attempt_id: int) -> tuple[CallEvent, Transition]:
        call_id = f"CA{attempt_id:0>32}"
        event = CallEvent(
            provider="twilio",
            call_id=call_id,
            kind=CallEventKind.COMPLETED,
            occurred_at=ended_at,
            dedupe_keys=(f"{call_id}-end",),
            attempt_ref=str(attempt_id),
            end_reason=EndReason.NO_ANSWER,
        )
        state = CallState(
            call_id, CallPhase.ENDED, ended_at=ended_at, end_reason=EndReason.NO_ANSWER
        )
        return event, Transition(state, Verdict.ADVANCED)

    await asyncio.gather(*(engine.on_event(*end(a)) for a in attempts[:2]))
    assert reads == [2]  # the two ends that came together: one read, one settle
    await engine.on_event(*end(attempts[2]))  # alone: a batch of one
    assert reads == [2, 1]
    numbers = [await _number(pool, a) for a in attempts]
    outcomes = await pool.fetch(
        "SELECT outcome FROM call_attempts WHERE call_attempt_id = ANY($1::bigint[])", attempts
    )
    assert {row["outcome"] for row in outcomes} == {"no_answer"}
    assert [n["state"] for n in numbers] == ["pending"] * 3
    assert [n["last_outcome"] for n in numbers] == ["no_answer"] * 3
    assert all(n["call_attempt_id"] is None for n in numbers)
    # the batch settled its numbers as the lone end settled its own
    assert len({(n["reason"], n["next_attempt_at"]) for n in numbers}) == 1
