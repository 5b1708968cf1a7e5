"""A team's recorded calls for QA tests: reps with recorded calls of one day, some warm."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from dialer.http import Role
from dialer.telephony.carrier_sim.audio import synthesise_wav
from tests.helpers import ensure_team, make_user

DAY_START = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@dataclass
class QaWorld:
    reps: list[int]
    leader: int
    other_leader: int
    qa: int
    second_qa: int
    calls: dict[int, list[int]]  # rep -> call ids
    recordings: dict[int, int]  # call -> recording
    campaign_id: int


async def recorded_call(
    pool: asyncpg.Pool, campaign_id: int, rep: int, at: datetime, code: str, seconds: int = 20
) -> tuple[int, int]:
    account_id = await pool.fetchval(
        "INSERT INTO accounts (name, segment) VALUES ('客户', 'lapsed') RETURNING account_id"
    )
    call_id = await pool.fetchval(
        "INSERT INTO call_attempts (campaign_id, account_id, e164, idempotency_key, created_at,"
        " agent_user_id, status, talk_seconds) VALUES ($1, $2, '+8613800000001', $3, $4, $5,"
        " 'completed', $6) RETURNING call_attempt_id",
        campaign_id,
        account_id,
        f"qa-{rep}-{at.timestamp()}",
        at,
        rep,
        seconds,
    )
    await pool.execute(
        "INSERT INTO dispositions (call_attempt_id, campaign_id, account_id, code, agent_user_id,"
        " recorded_at) VALUES ($1, $2, $3, $4, $5, $6)",
        call_id,
        campaign_id,
        account_id,
        code,
        rep,
        at,
    )
    audio = synthesise_wav(seconds, 2, f"qa-{call_id}")
    recording_id = await pool.fetchval(
        "INSERT INTO call_recordings (call_attempt_id, provider, provider_recording_id,"
        " provider_call_id, status, channels, duration_seconds, started_at, completed_at,"
        " media_type, media, media_bytes, jurisdiction, purpose)"
        " VALUES ($1, 'twilio', $2, $3, 'completed', 2, $4, $5::timestamptz, $5::timestamptz,"
        " 'audio/x-wav', $6::bytea, length($6::bytea), 'CN', 'marketing') RETURNING recording_id",
        call_id,
        f"RE{call_id}",
        f"CA{call_id}",
        seconds,
        at,
        audio,
    )
    return call_id, recording_id


async def build_qa_world(pool: asyncpg.Pool, calls_per_rep: int = 10) -> QaWorld:
    await ensure_team(pool, "Team A")
    team_b = await ensure_team(pool, "Team B")
    reps = [
        await make_user(pool, Role.TELESALES_REP, "rep-a1", language="en"),
        await make_user(pool, Role.TELESALES_REP, "rep-a2", language="en"),
    ]
    leader = await make_user(pool, Role.TEAM_LEADER, "leader-a", language="en")
    other_leader = await make_user(pool, Role.TEAM_LEADER, "leader-b", language="en")
    await pool.execute("UPDATE users SET team_id = $1 WHERE user_id = $2", team_b, other_leader)
    qa = await make_user(pool, Role.QA_REVIEWER, "qa-zhou", language="en")
    second_qa = await make_user(pool, Role.QA_REVIEWER, "qa-sun", language="en")
    campaign_id = await pool.fetchval(
        "INSERT INTO campaigns (name, purpose) VALUES ('QA', 'marketing') RETURNING campaign_id"
    )
    await pool.execute(
        "INSERT INTO disposition_codes (campaign_id, code, label_en, label_zh, human_answered,"
        " contact, warm_lead, do_not_call, final) VALUES"
        " ($1, 'NOT_NOW', 'Not now', '暂不需要', true, true, false, false, true),"
        " ($1, 'INTERESTED', 'Interested', '有意向', true, true, true, false, true),"
        " ($1, 'DNC', 'Do not call', '拒绝来电', true, true, false, true, true)",
        campaign_id,
    )
    calls: dict[int, list[int]] = {}
    recordings: dict[int, int] = {}
    for rep in reps:
        for n in range(calls_per_rep):
            code = "INTERESTED" if n == 0 else ("DNC" if n == 1 else "NOT_NOW")
            call_id, recording_id = await recorded_call(
                pool, campaign_id, rep, DAY_START + timedelta(minutes=n + 10 * rep), code
            )
            calls.setdefault(rep, []).append(call_id)
            recordings[call_id] = recording_id
    return QaWorld(reps, leader, other_leader, qa, second_qa, calls, recordings, campaign_id)
