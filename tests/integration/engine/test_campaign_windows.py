"""The engine honours a campaign's own calling windows inside the gate's: on a Tuesday at
10:00 in Beijing (CN-H1 open) a campaign that calls only in the afternoon dials nobody and
puts every number back until 14:00; the same campaign with a morning window dials."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from dialer.routes.campaigns import NewCampaign, create_campaign
from dialer.seed import seed
from tests.integration.engine.test_live_campaign import _Running, service  # noqa: F401

AFTERNOON_OPENS = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 14:00 Beijing


def _campaign(name: str, start: str, end: str) -> NewCampaign:
    return NewCampaign(
        name=name,
        purpose="service",
        target_segments=["lapsed", "dormant", "orphan", "empty"],
        pacing_mode="progressive",
        jurisdiction="CN",
        caller_id="+862195500001",
        abandon_message="Example Securities service desk; we will call again.",
        calling_windows={"days": [{"start": start, "end": end}] * 5 + [None, None]},
    )


async def test_outside_its_window_the_campaign_dials_nobody(service, pool):  # noqa: F811
    await seed(pool, accounts=120, seed_value=51)
    manager = await pool.fetchval("SELECT user_id FROM users WHERE username = 'campaigns'")
    afternoon = await create_campaign(pool, _campaign("afternoons", "14:00", "17:30"), manager)
    running = _Running(service, pool, afternoon)
    assert await running.start(reps=2) > 10
    await asyncio.sleep(3)
    await running.stop_and_settle(wrap_ups=False)

    assert (
        await pool.fetchval("SELECT count(*) FROM call_attempts WHERE campaign_id = $1", afternoon)
        == 0
    )
    deferred = await pool.fetch(
        "SELECT next_attempt_at, reason FROM campaign_numbers"
        " WHERE campaign_id = $1 AND next_attempt_at = $2",
        afternoon,
        AFTERNOON_OPENS,
    )
    assert deferred, "the claimed numbers wait for the window to open"
    assert all("campaign's calling windows" in d["reason"] for d in deferred)
    audited = await pool.fetchval(
        "SELECT count(*) FROM audit_log WHERE kind = 'compliance_decision'"
        " AND detail->>'verdict' = 'DELAY' AND detail::text LIKE '%CAMPAIGN-H1%'"
    )
    assert audited >= len(deferred)


async def test_inside_its_window_the_campaign_dials(service, pool):  # noqa: F811
    await seed(pool, accounts=120, seed_value=52)
    manager = await pool.fetchval("SELECT user_id FROM users WHERE username = 'campaigns'")
    morning = await create_campaign(pool, _campaign("mornings", "09:30", "11:30"), manager)
    running = _Running(service, pool, morning)
    assert await running.start(reps=2) > 10
    for _ in range(60):
        if await pool.fetchval(
            "SELECT count(*) FROM call_attempts WHERE campaign_id = $1", morning
        ):
            break
        await asyncio.sleep(0.1)
    await running.stop_and_settle(wrap_ups=True)
    assert (
        await pool.fetchval("SELECT count(*) FROM call_attempts WHERE campaign_id = $1", morning)
        > 0
    )
