"""`/metrics` after a live campaign: it parses with prometheus_client's own parser, its
business counters equal direct SQL counts over the call records, and the process's
webhook latencies were measured on the webhooks the carrier simulator sent."""

from __future__ import annotations

import asyncio

from aiohttp import ClientSession
from prometheus_client.parser import text_string_to_metric_families

from dialer.http import Role
from dialer.routes.campaigns import NewCampaign, create_campaign
from dialer.seed import seed
from tests.helpers import headers_for
from tests.integration.engine.test_live_campaign import _Running, service  # noqa: F401


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


async def test_metrics_counters_equal_the_database(service, pool, settings):  # noqa: F811
    await seed(pool, accounts=200, seed_value=41)
    manager = await pool.fetchval("SELECT user_id FROM users WHERE username = 'campaigns'")
    campaign_id = await create_campaign(
        pool,
        NewCampaign(
            name="metrics run",
            purpose="marketing",
            target_segments=["lapsed", "orphan", "empty"],
            pacing_mode="predictive",
            jurisdiction="CN",
            caller_id="+862195500000",
            abandon_message="Example Securities; please call us back.",
        ),
        manager,
    )
    running = _Running(service, pool, campaign_id)
    assert await running.start(reps=3) > 20
    await asyncio.sleep(6)
    admin = await headers_for(pool, Role.ADMIN, "metrics-admin")
    async with ClientSession() as http:
        async with http.get(f"{settings.public_base_url}/metrics", headers=admin) as live:
            assert live.status == 200
            during = _samples(await live.text())
        await running.stop_and_settle(wrap_ups=True)
        async with http.get(f"{settings.public_base_url}/metrics", headers=admin) as response:
            assert response.status == 200
            assert response.content_type == "text/plain"
            after = _samples(await response.text())

    # reps were on the floor while it ran: every logged-in state counted, 3 in all
    floor = {
        dict(labels)["state"]: value
        for (name, labels), value in during.items()
        if name == "dialer_reps" and dict(labels)["campaign"] == str(campaign_id)
    }
    assert sum(floor.values()) == 3

    counts = await pool.fetchrow(
        "SELECT count(*) AS dials,"
        " count(*) FILTER (WHERE (agent_user_id IS NOT NULL OR abandoned)"
        "   AND coalesce(answered_by, 'human') <> 'machine') AS answers,"
        " count(*) FILTER (WHERE abandoned AND coalesce(answered_by, 'human') <> 'machine') AS abandons,"
        " count(*) FILTER (WHERE ended_at IS NULL AND status IN"
        "   ('created','queued','initiated','ringing','in_progress')) AS in_flight"
        " FROM call_attempts WHERE campaign_id = $1",
        campaign_id,
    )
    labels = (("campaign", str(campaign_id)), ("campaign_name", "metrics run"))
    assert counts["dials"] >= 10
    assert after[("dialer_campaign_dials_total", labels)] == counts["dials"]
    assert after[("dialer_campaign_person_answers_total", labels)] == counts["answers"]
    assert after[("dialer_campaign_abandons_total", labels)] == counts["abandons"]
    assert after[("dialer_calls_in_flight", labels)] == counts["in_flight"] == 0
    expected_rate = round(counts["abandons"] / counts["answers"], 4) if counts["answers"] else 0.0
    assert after[("dialer_campaign_abandon_rate", labels)] == expected_rate
    status = await pool.fetchval("SELECT status FROM campaigns WHERE campaign_id = $1", campaign_id)
    assert after[("dialer_campaign_running", labels)] == (1 if status == "running" else 0)

    queued = await pool.fetchval(
        "SELECT count(*) FROM campaign_numbers WHERE campaign_id = $1 AND state = 'pending'",
        campaign_id,
    )
    pending_key = (
        "dialer_queue_depth",
        (("campaign", str(campaign_id)), ("queue", "campaign_numbers"), ("state", "pending")),
    )
    assert after[pending_key] == queued > 0
    assert after[("dialer_job_failures_total", (("kind", "list_import"),))] == 0
    assert after[("dialer_metrics_database_up", ())] == 1

    # the carrier simulator's signed callbacks were timed by the webhook histogram
    status_hooks = after[
        ("dialer_webhook_seconds_count", (("hook", "status"), ("provider", "twilio")))
    ]
    assert status_hooks >= counts["dials"]
    assert ("dialer_event_loop_lag_seconds", ()) in after
