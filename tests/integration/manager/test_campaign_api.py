"""A campaign manager's campaign through the API the console uses: created with a script,
disclosures, a retry policy per outcome and calling windows; edited (codes changed in
place); a running campaign refuses edits; cloned; finished for good."""

from __future__ import annotations

from typing import Any

from dialer.engine.pg_store import PostgresEngineStore
from dialer.engine.settings import read_campaign
from dialer.http import Role
from tests.helpers import headers_for

BODY: dict[str, Any] = {
    "name": "dormant wake-up",
    "purpose": "service",
    "target_segments": ["dormant"],
    "pacing_mode": "progressive",
    "jurisdiction": "CN",
    "caller_id": "+862195500001",
    "abandon_message": "Example Securities service desk; we will call again.",
    "script": "问候客户，确认账户状态，介绍激活礼遇。",
    "disclosures": "本次通话将被录音。\n不承诺收益。",
    "retry_policy": {"no_answer_minutes": 90, "busy_minutes": 10, "max_attempts": 4},
    "calling_windows": {"days": [{"start": "09:30", "end": "17:00"}] * 5 + [None, None]},
    "coverage_target": 0.8,
    "coverage_days": 14,
}


async def test_create_edit_clone_and_finish(client, pool) -> None:
    headers = await headers_for(pool, Role.CAMPAIGN_MANAGER, "cm-one")
    created = await client.post("/api/v1/campaigns", json=BODY, headers=headers)
    assert created.status == 201, await created.text()
    campaign_id = (await created.json())["campaign_id"]

    shown = await (await client.get(f"/api/v1/campaigns/{campaign_id}", headers=headers)).json()
    campaign = shown["campaign"]
    assert campaign["script"] == BODY["script"]
    assert campaign["retry_policy"] == {
        "no_answer_minutes": 90,
        "busy_minutes": 10,
        "max_attempts": 4,
    }
    assert campaign["calling_windows"]["days"][0] == {"start": "09:30:00", "end": "17:00:00"}
    assert campaign["coverage_target"] == 0.8
    # the engine reads the retry policy the manager set
    engine_view = await read_campaign(
        PostgresEngineStore(pool), campaign_id, {"abandon_message": "x", "caller_id": None}
    )
    assert engine_view.retry.no_answer_delay.total_seconds() == 90 * 60
    assert engine_view.retry.number_caps.lifetime == 4

    codes = [c for c in shown["dispositions"] if c["code"] != "VOICEMAIL"]
    codes[0] = {**codes[0], "label_en": "Re-activated", "hotkey": "9"}
    edited = await client.put(
        f"/api/v1/campaigns/{campaign_id}",
        json={**BODY, "name": "dormant wake-up v2", "pacing_mode": "power", "dispositions": codes},
        headers=headers,
    )
    assert edited.status == 200, await edited.text()
    saved = await edited.json()
    assert saved["status"] == "draft"
    # power dialing may abandon calls: the start's checks pass (a message is recorded)
    assert saved["start_problems"] == []
    rows = await pool.fetch(
        "SELECT code, label_en, hotkey FROM disposition_codes WHERE campaign_id = $1 ORDER BY code",
        campaign_id,
    )
    assert "VOICEMAIL" not in {r["code"] for r in rows}
    assert {r["code"]: r["hotkey"] for r in rows}[codes[0]["code"]] == "9"

    # a change the start's compliance checks refuse is saved as a draft and says why
    no_message = await client.put(
        f"/api/v1/campaigns/{campaign_id}",
        json={**BODY, "pacing_mode": "predictive", "abandon_message": None},
        headers=headers,
    )
    problems = (await no_message.json())["start_problems"]
    assert any("abandon message" in p for p in problems)
    refused = await client.post(f"/api/v1/campaigns/{campaign_id}/start", headers=headers)
    assert refused.status == 422
    assert any("abandon message" in e["message"] for e in (await refused.json())["errors"])

    bad = await client.put(
        f"/api/v1/campaigns/{campaign_id}",
        json={**BODY, "calling_windows": {"days": [{"start": "18:00", "end": "09:00"}] * 7}},
        headers=headers,
    )
    assert bad.status == 422
    assert (await bad.json())["errors"][0]["field"].startswith("calling_windows")

    await pool.execute(
        "UPDATE campaigns SET status = 'running' WHERE campaign_id = $1", campaign_id
    )
    running = await client.put(f"/api/v1/campaigns/{campaign_id}", json=BODY, headers=headers)
    assert running.status == 409
    assert (
        await pool.fetchval("SELECT pacing_mode FROM campaigns WHERE campaign_id = $1", campaign_id)
        == "predictive"
    )

    clone = await client.post(f"/api/v1/campaigns/{campaign_id}/clone", headers=headers)
    assert clone.status == 201
    copy = await clone.json()
    assert copy["name"] == "dormant wake-up (copy)" and copy["status"] == "draft"
    copied = await pool.fetchrow(
        "SELECT script, retry_policy, calling_windows FROM campaigns WHERE campaign_id = $1",
        copy["campaign_id"],
    )
    assert copied["script"] == BODY["script"]
    assert copied["retry_policy"]["busy_minutes"] == 10
    again = await (
        await client.post(f"/api/v1/campaigns/{campaign_id}/clone", headers=headers)
    ).json()
    assert again["name"] == "dormant wake-up (copy) 2"

    finished = await client.post(f"/api/v1/campaigns/{campaign_id}/finish", headers=headers)
    assert finished.status == 200
    assert (
        await client.post(f"/api/v1/campaigns/{campaign_id}/start", headers=headers)
    ).status == 409
    assert (
        await client.put(f"/api/v1/campaigns/{campaign_id}", json=BODY, headers=headers)
    ).status == 409


async def test_marketing_campaigns_have_no_coverage_target(client, pool) -> None:
    headers = await headers_for(pool, Role.CAMPAIGN_MANAGER, "cm-two")
    response = await client.post(
        "/api/v1/campaigns", json={**BODY, "purpose": "marketing"}, headers=headers
    )
    assert response.status == 422
    assert "service" in (await response.text())
    retry = await client.post(
        "/api/v1/campaigns",
        json={**BODY, "retry_policy": {"max_attempts": 0}},
        headers=headers,
    )
    assert retry.status == 422
