"""Listening through the service: only the rep on the call, their team leader, QA and
compliance hear a recording, on every route; the audio seeks by HTTP Range; every
playback and download is in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest

from dialer.http import Role
from dialer.telephony.carrier_sim.audio import synthesise_wav
from tests.helpers import ensure_team, make_user, token_headers

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


async def _recorded_call(pool: asyncpg.Pool, rep_id: int) -> tuple[int, int, bytes]:
    campaign_id = await pool.fetchval(
        "INSERT INTO campaigns (name, purpose) VALUES ('Rec', 'marketing') RETURNING campaign_id"
    )
    account_id = await pool.fetchval(
        "INSERT INTO accounts (name, segment) VALUES ('Customer', 'lapsed') RETURNING account_id"
    )
    attempt_id = await pool.fetchval(
        "INSERT INTO call_attempts (campaign_id, account_id, e164, idempotency_key, created_at,"
        " agent_user_id, status) VALUES ($1, $2, '+8613800000001', 'k', $3, $4, 'completed')"
        " RETURNING call_attempt_id",
        campaign_id,
        account_id,
        NOW,
        rep_id,
    )
    audio = synthesise_wav(3, 2, "listening")
    recording_id = await pool.fetchval(
        "INSERT INTO call_recordings (call_attempt_id, provider, provider_recording_id,"
        " provider_call_id, status, channels, duration_seconds, started_at, completed_at,"
        " media_type, media, media_bytes, jurisdiction, purpose, retain_until)"
        " VALUES ($1, 'twilio', 'RE1', 'CA1', 'completed', 2, 3, $2, $2, 'audio/x-wav', $3,"
        " length($3::bytea), 'CN', 'marketing', $2::timestamptz + interval '20 years')"
        " RETURNING recording_id",
        attempt_id,
        NOW,
        audio,
    )
    return attempt_id, recording_id, audio


@pytest.fixture
async def people(pool: asyncpg.Pool) -> dict[str, int]:
    team_b = await ensure_team(pool, "Team B")
    ids = {
        "rep": await make_user(pool, Role.TELESALES_REP, "rep-own"),
        "other_rep": await make_user(pool, Role.TELESALES_REP, "rep-other"),
        "leader": await make_user(pool, Role.TEAM_LEADER, "leader-own"),
        "other_leader": await make_user(pool, Role.TEAM_LEADER, "leader-other"),
        "qa": await make_user(pool, Role.QA_REVIEWER, "qa-zhou"),
        "compliance": await make_user(pool, Role.COMPLIANCE_OFFICER, "compliance-sun"),
        "manager": await make_user(pool, Role.CAMPAIGN_MANAGER, "cm-qian"),
        "admin": await make_user(pool, Role.ADMIN, "admin-wu"),
        "account_manager": await make_user(pool, Role.ACCOUNT_MANAGER, "am-zhao"),
    }
    await pool.execute(
        "UPDATE users SET team_id = $1 WHERE user_id = ANY($2::bigint[])",
        team_b,
        [ids["other_leader"]],
    )
    return ids


def _routes(attempt_id: int, recording_id: int) -> list[str]:
    return [
        f"/api/v1/attempts/{attempt_id}/recordings",
        f"/api/v1/recordings/{recording_id}",
        f"/api/v1/recordings/{recording_id}/audio",
        f"/api/v1/recordings/{recording_id}/audio?download=1",
    ]


@pytest.mark.parametrize(
    "who", ["other_rep", "other_leader", "manager", "admin", "account_manager"]
)
async def test_every_route_refuses_who_may_not_listen(client, pool, people, who) -> None:
    attempt_id, recording_id, _audio = await _recorded_call(pool, people["rep"])
    headers = await token_headers(pool, people[who])
    for path in _routes(attempt_id, recording_id):
        response = await client.get(path, headers=headers)
        assert response.status == 403, (who, path)
        assert response.content_type == "application/problem+json"
    for path in _routes(attempt_id, recording_id):  # signed out: to the login, or 401
        anonymous = await client.get(path, allow_redirects=False)
        assert anonymous.status in (401, 302, 303), path
    audited = await pool.fetchval(
        "SELECT count(*) FROM audit_log WHERE kind LIKE 'recording_%' AND actor_user_id = $1",
        people[who],
    )
    assert audited == 0


@pytest.mark.parametrize("who", ["rep", "leader", "qa", "compliance"])
async def test_the_rep_their_leader_qa_and_compliance_listen_and_are_audited(
    client, pool, people, who
) -> None:
    attempt_id, recording_id, audio = await _recorded_call(pool, people["rep"])
    headers = await token_headers(pool, people[who])
    index = await client.get(f"/api/v1/attempts/{attempt_id}/recordings", headers=headers)
    assert index.status == 200
    [facts] = (await index.json())["recordings"]
    assert facts["recording_id"] == recording_id and facts["duration_seconds"] == 3
    assert facts["channels"] == 2 and facts["provider_recording_id"] == "RE1"
    assert facts["audio_url"] == f"/api/v1/recordings/{recording_id}/audio"
    assert "twilio.com" not in await index.text()

    whole = await client.get(facts["audio_url"], headers=headers)
    assert whole.status == 200 and await whole.read() == audio
    assert whole.headers["Accept-Ranges"] == "bytes"
    seek = await client.get(facts["audio_url"], headers={**headers, "Range": "bytes=100-199"})
    assert seek.status == 206 and await seek.read() == audio[100:200]
    assert seek.headers["Content-Range"] == f"bytes 100-199/{len(audio)}"
    tail = await client.get(facts["audio_url"], headers={**headers, "Range": "bytes=-10"})
    assert tail.status == 206 and await tail.read() == audio[-10:]
    outside = await client.get(
        facts["audio_url"], headers={**headers, "Range": f"bytes={len(audio)}-"}
    )
    assert outside.status == 416
    download = await client.get(facts["audio_url"] + "?download=1", headers=headers)
    assert download.status == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")

    rows = await pool.fetch(
        "SELECT kind, subject_id, detail FROM audit_log WHERE actor_user_id = $1"
        " AND kind LIKE 'recording_%' ORDER BY audit_id",
        people[who],
    )
    assert [r["kind"] for r in rows] == ["recording_played"] * 3 + ["recording_downloaded"]
    assert all(r["subject_id"] == recording_id for r in rows)
    assert rows[1]["detail"]["range"] == [100, 199]


async def test_a_deleted_recording_is_gone(client, pool, people) -> None:
    _attempt_id, recording_id, _audio = await _recorded_call(pool, people["rep"])
    await pool.execute(
        "UPDATE call_recordings SET media = NULL, status = 'deleted', deleted_at = $1", NOW
    )
    headers = await token_headers(pool, people["qa"])
    response = await client.get(f"/api/v1/recordings/{recording_id}/audio", headers=headers)
    assert response.status == 410


async def test_a_recording_opt_out_is_kept_once_and_audited(client, pool, people) -> None:
    attempt_id, _recording_id, _audio = await _recorded_call(pool, people["rep"])
    account = await pool.fetchval(
        "SELECT account_id FROM call_attempts WHERE call_attempt_id = $1", attempt_id
    )
    headers = await token_headers(pool, people["rep"])
    path = f"/api/v1/accounts/{account}/recording-opt-out"
    first = await client.post(path, json={"note": "客户拒绝录音"}, headers=headers)
    assert first.status == 201 and (await first.json())["recorded"] is True
    again = await client.post(path, json={}, headers=headers)
    assert again.status == 200 and (await again.json())["recorded"] is False
    assert (
        await client.post("/api/v1/accounts/999999/recording-opt-out", json={}, headers=headers)
    ).status == 404
    refused = await client.post(path, json={}, headers=await token_headers(pool, people["manager"]))
    assert refused.status == 403
    audited = await pool.fetchval(
        "SELECT count(*) FROM audit_log WHERE kind = 'recording_opt_out' AND subject_id = $1",
        account,
    )
    assert audited == 1
