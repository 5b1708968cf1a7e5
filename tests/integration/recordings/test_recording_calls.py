"""A bridged call is recorded through the carrier's Recordings API: the signed
recording-status callback is applied once (duplicates and forgeries change nothing), the
audio is a real WAV kept by the service, and retention deletes it at the carrier and here."""

from __future__ import annotations

import io
import wave
from datetime import UTC, datetime, timedelta

import aiohttp
import asyncpg

from dialer.telephony.carrier_sim import FaultPlan
from dialer.telephony.pg_ledger import PostgresCallLedger
from dialer.telephony.provider import CallRequest
from tests.integration.telephony.stack import CALLER_ID, telephony_stack
from tests.integration.telephony.test_call_attempts_db import new_attempt

NUMBER = "+14155550123"


async def _call(stack, pool: asyncpg.Pool, ledger: PostgresCallLedger, attempt_id: int) -> str:
    placed = await stack.provider.place_call(
        CallRequest(attempt_ref=str(attempt_id), to_number=NUMBER, caller_id=CALLER_ID)
    )
    await ledger.record_placed(placed, datetime.now(UTC))
    await stack.settle()
    return placed.call_id


async def test_a_bridged_call_is_recorded_once_in_both_channels_as_a_playable_wav(
    pool: asyncpg.Pool,
) -> None:
    ledger = PostgresCallLedger(pool)
    attempt_id = await new_attempt(pool, NUMBER, "rec-1")
    # every callback arrives twice: the recording is still stored once
    async with telephony_stack(
        ledger=ledger, recordings_pool=pool, faults=FaultPlan(duplicate_rate=1.0)
    ) as stack:
        call_id = await _call(stack, pool, ledger, attempt_id)
        sent = [cb for cb in stack.simulator.callbacks if cb.kind == "recording"]
        [sim_recording] = stack.simulator.recordings.values()
    assert len(sent) == 2 and all(cb.http_status == 204 for cb in sent)
    assert (
        sent[0].headers["I-Twilio-Idempotency-Token"]
        == sent[1].headers["I-Twilio-Idempotency-Token"]
    )
    [row] = await pool.fetch("SELECT * FROM call_recordings")
    assert row["call_attempt_id"] == attempt_id
    assert (row["provider_recording_id"], row["provider_call_id"]) == (sim_recording.sid, call_id)
    assert row["status"] == "completed" and row["channels"] == 2
    assert row["duration_seconds"] == sim_recording.duration and row["duration_seconds"] >= 2
    assert row["retain_until"] - row["completed_at"] == timedelta(days=7300)  # CN by default
    with wave.open(io.BytesIO(row["media"])) as audio:
        assert audio.getnchannels() == 2 and audio.getframerate() == 8000
        assert audio.getnframes() == 8000 * row["duration_seconds"]
        frames = audio.readframes(audio.getnframes())
    assert any(frames[i] for i in range(0, len(frames), 97))  # not silence throughout
    stored = await pool.fetchval("SELECT count(*) FROM audit_log WHERE kind = 'recording_stored'")
    assert stored == 1
    keys = await pool.fetchval("SELECT count(*) FROM recording_callbacks")
    assert keys == 2  # the idempotency token and recording id + status


async def test_a_forged_recording_callback_is_refused_and_changes_nothing(
    pool: asyncpg.Pool,
) -> None:
    ledger = PostgresCallLedger(pool)
    attempt_id = await new_attempt(pool, NUMBER, "rec-2")
    async with telephony_stack(ledger=ledger, recordings_pool=pool) as stack:
        await _call(stack, pool, ledger, attempt_id)
        [sent] = [cb for cb in stack.simulator.callbacks if cb.kind == "recording"]
        forged = dict(sent.params, RecordingSid="RE" + "f" * 32)
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                sent.url.split("#")[0],
                data=forged,
                headers={"X-Twilio-Signature": sent.headers["X-Twilio-Signature"]},
            ) as response,
        ):
            assert response.status == 403
    assert await pool.fetchval("SELECT count(*) FROM call_recordings") == 1


async def test_a_campaign_that_does_not_record_makes_no_recording(pool: asyncpg.Pool) -> None:
    ledger = PostgresCallLedger(pool)
    attempt_id = await new_attempt(pool, NUMBER, "rec-3")
    await pool.execute("UPDATE campaigns SET recording_policy = 'do_not_record'")
    async with telephony_stack(ledger=ledger, recordings_pool=pool) as stack:
        await _call(stack, pool, ledger, attempt_id)
        assert stack.simulator.recordings == {}
    assert await pool.fetchval("SELECT count(*) FROM call_recordings") == 0


async def test_retention_deletes_the_recording_at_the_carrier_and_here_and_records_it(
    pool: asyncpg.Pool,
) -> None:
    ledger = PostgresCallLedger(pool)
    attempt_id = await new_attempt(pool, NUMBER, "rec-4")
    async with telephony_stack(ledger=ledger, recordings_pool=pool) as stack:
        await _call(stack, pool, ledger, attempt_id)
        assert stack.recorder is not None
        [sim_recording] = stack.simulator.recordings.values()
        retain_until = await pool.fetchval("SELECT retain_until FROM call_recordings")
        early = await stack.recorder.purge_expired(retain_until - timedelta(seconds=1))
        assert early.deleted == 0 and not sim_recording.deleted
        report = await stack.recorder.purge_expired(retain_until)
        assert report.deleted == 1 and report.failed == 0
        assert sim_recording.deleted  # gone at the carrier
        again = await stack.recorder.purge_expired(retain_until + timedelta(days=1))
        assert again.deleted == 0
    row = await pool.fetchrow("SELECT * FROM call_recordings")
    assert row["media"] is None and row["status"] == "deleted"
    assert row["deleted_at"] == retain_until
    deletion = await pool.fetchrow("SELECT * FROM recording_deletions")
    assert deletion["recording_id"] == row["recording_id"] and deletion["carrier_deleted"]
    assert deletion["reason"] == "retention ended"
    audited = await pool.fetchval("SELECT count(*) FROM audit_log WHERE kind = 'recording_deleted'")
    assert audited == 1


async def test_a_customer_who_refused_is_not_recorded(pool: asyncpg.Pool) -> None:
    ledger = PostgresCallLedger(pool)
    attempt_id = await new_attempt(pool, NUMBER, "rec-5")
    account = await pool.fetchval(
        "SELECT account_id FROM call_attempts WHERE call_attempt_id = $1", attempt_id
    )
    await pool.execute(
        "INSERT INTO recording_opt_outs (account_id, opted_out_at) VALUES ($1, now())", account
    )
    async with telephony_stack(ledger=ledger, recordings_pool=pool) as stack:
        await _call(stack, pool, ledger, attempt_id)
        assert stack.simulator.recordings == {}
        assert stack.simulator.calls  # the call itself went ahead
    assert await pool.fetchval("SELECT count(*) FROM call_recordings") == 0
