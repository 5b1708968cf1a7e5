"""The callback spool keeps signed callbacks on disk while the database is away and
applies them in order once it is back; a dead process's spool is adopted."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialer.telephony.spool import CallbackSpool, SpooledCallback, SpoolFull


def callback(n: int, hook: str = "status") -> SpooledCallback:
    return SpooledCallback(
        hook=hook,
        params={"CallSid": f"CA{n:032d}", "CallStatus": "completed", "Caller": "+8613800000000"},
        headers={"I-Twilio-Idempotency-Token": f"token-{n}"},
        attempt_ref=str(n),
        received_at=f"2026-12-07T02:00:{n:02d}+00:00",
    )


async def test_spooled_callbacks_are_applied_in_arrival_order_then_forgotten(
    tmp_path: Path,
) -> None:
    spool = CallbackSpool(tmp_path)
    spool.open()
    for n in range(5):
        await spool.append(callback(n))
    assert spool.pending() == 5
    seen: list[SpooledCallback] = []

    async def apply(record: SpooledCallback) -> None:
        seen.append(record)

    assert await spool.replay(apply) == 5
    assert [record.attempt_ref for record in seen] == ["0", "1", "2", "3", "4"]
    assert seen[2] == callback(2)  # every field survives the round trip
    assert spool.pending() == 0
    assert await spool.replay(apply) == 0
    spool.close()


async def test_a_replay_that_fails_keeps_what_it_did_not_apply(tmp_path: Path) -> None:
    spool = CallbackSpool(tmp_path)
    spool.open()
    for n in range(4):
        await spool.append(callback(n))
    applied: list[str | None] = []

    async def database_goes_away_again(record: SpooledCallback) -> None:
        if record.attempt_ref == "2":
            raise OSError("connection refused")
        applied.append(record.attempt_ref)

    with pytest.raises(OSError):
        await spool.replay(database_goes_away_again)
    assert applied == ["0", "1"]
    assert spool.pending() == 2

    async def apply(record: SpooledCallback) -> None:
        applied.append(record.attempt_ref)

    assert await spool.replay(apply) == 2
    assert applied == ["0", "1", "2", "3"]
    spool.close()


async def test_each_process_writes_its_own_slot_and_a_dead_ones_is_adopted(
    tmp_path: Path,
) -> None:
    first, second = CallbackSpool(tmp_path), CallbackSpool(tmp_path)
    first.open()
    second.open()
    await first.append(callback(1))
    await second.append(callback(2))
    assert len(list(tmp_path.glob("callbacks-*.jsonl"))) == 2
    first.close()  # the first process dies with a callback spooled
    third = CallbackSpool(tmp_path)
    third.open()  # takes the dead slot (and so its record)
    seen: list[str | None] = []

    async def apply(record: SpooledCallback) -> None:
        seen.append(record.attempt_ref)

    assert await third.replay(apply) == 1 and seen == ["1"]
    assert await second.replay(apply) == 1 and seen == ["1", "2"]
    second.close()
    third.close()


async def test_the_spool_is_bounded(tmp_path: Path) -> None:
    line = len(callback(1).to_line())
    spool = CallbackSpool(tmp_path, max_bytes=3 * line)
    spool.open()
    for n in range(3):
        await spool.append(callback(n))
    with pytest.raises(SpoolFull):
        await spool.append(callback(9))
    assert spool.pending() == 3
    spool.close()


async def test_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    spool = CallbackSpool(tmp_path)
    spool.open()
    await spool.append(callback(1))
    assert spool._slot is not None
    with spool._slot.open("ab") as torn:  # a crash mid-write: never acknowledged
        torn.write(b'{"hook": "status", "par')
    seen: list[str | None] = []

    async def apply(record: SpooledCallback) -> None:
        seen.append(record.attempt_ref)

    assert await spool.replay(apply) == 1 and seen == ["1"]
    spool.close()
