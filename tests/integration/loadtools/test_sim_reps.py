"""`dialer sim-reps`: simulated reps take a live campaign's calls through the service's
HTTP API (sign-in, console, WebSocket), then record their open outcomes and log out."""

import asyncio
import os
import re
import signal
import subprocess
import sys

from campaigns.population import FixedDistribution
from dialer.keys import CLOCK, TELEPHONY
from dialer.loadtools.sim_reps import SimRepsPlan, run_sim_reps, seed_rep_usernames
from dialer.routes.campaigns import NewCampaign, create_campaign
from dialer.seed import DEMO_PASSWORD, seed
from tests.integration.engine.test_live_campaign import service  # noqa: F401  (a fixture)

LIVE = "('created','queued','initiated','ringing','in_progress')"


async def _campaign(pool, seed_value: int) -> int:  # type: ignore[no-untyped-def]
    await seed(pool, accounts=300, seed_value=seed_value)
    manager = await pool.fetchval("SELECT user_id FROM users WHERE username = 'campaigns'")
    campaign_id: int = await create_campaign(
        pool,
        NewCampaign(
            name="go-live rehearsal",
            purpose="service",
            target_segments=["lapsed", "dormant"],
            pacing_mode="progressive",
            jurisdiction="CN",
            caller_id="+862195500001",
            abandon_message="Example Securities service desk; we will call again.",
        ),
        manager,
    )
    return campaign_id


async def _wait_for(pool, query: str, *args, want, seconds: float = 30.0):  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.1)):
        value = await pool.fetchval(query, *args)
        if want(value):
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"{query} never satisfied: {value}")


async def test_sim_reps_take_bridged_calls_and_log_out(service, pool, settings):  # noqa: F811
    campaign_id = await _campaign(pool, seed_value=31)
    reps = await pool.fetch(
        "SELECT user_id, username FROM users WHERE role = 'telesales_rep' ORDER BY user_id LIMIT 3"
    )
    # the seed's reps, in user_id order
    assert [r["username"] for r in reps] == seed_rep_usernames(3)
    rep_ids = [r["user_id"] for r in reps]
    plan = SimRepsPlan(
        base_url=settings.public_base_url,
        campaign_id=campaign_id,
        usernames=seed_rep_usernames(3),
        password=DEMO_PASSWORD,
        wrap_seconds=FixedDistribution(dist="fixed", value=4.0),
        speed=40.0,
        drain_seconds=20.0,
        # the codes that need more than a code: a callback time the gate accepts, an interest
        outcomes={"CALLBACK": 1.0, "WARM": 1.0},
    )
    stop = asyncio.Event()
    reps_task = asyncio.create_task(run_sim_reps(plan, stop))
    await _wait_for(
        pool,
        "SELECT count(*) FROM agent_sessions WHERE ended_at IS NULL AND state = 'ready'"
        " AND user_id = ANY($1::bigint[])",
        rep_ids,
        want=lambda n: n == 3,
    )
    telephony = service[TELEPHONY]
    assert await telephony.start_campaign(campaign_id, service[CLOCK]()) > 50
    await _wait_for(
        pool,
        "SELECT count(*) FROM dispositions d JOIN call_attempts c USING (call_attempt_id)"
        " WHERE c.campaign_id = $1",
        campaign_id,
        want=lambda n: n >= 4,
        seconds=40.0,
    )
    # stopped while the campaign is still running: open outcomes recorded, reps logged out
    stop.set()
    tally = await asyncio.wait_for(reps_task, 60)
    await telephony.stop_campaign(campaign_id)
    await _wait_for(
        pool, f"SELECT count(*) FROM call_attempts WHERE status IN {LIVE}", want=lambda n: n == 0
    )
    await telephony.webhooks.drain()

    assert tally.left_logged_in == []
    bridged = await pool.fetch(
        "SELECT c.call_attempt_id, c.agent_user_id, d.code, d.idempotency_key"
        " FROM call_attempts c LEFT JOIN dispositions d USING (call_attempt_id)"
        " WHERE c.campaign_id = $1 AND c.bridged_at IS NOT NULL AND c.ended_at IS NOT NULL",
        campaign_id,
    )
    assert len(bridged) >= 4
    assert {b["agent_user_id"] for b in bridged} <= set(rep_ids)
    assert all(b["code"] is not None for b in bridged), bridged
    # the reps took these calls and recorded their outcomes through the API
    assert {b["call_attempt_id"] for b in bridged} <= tally.calls
    # (a call the carrier's answering-machine check hangs up is the engine's VOICEMAIL)
    by_reps = [b for b in bridged if (b["idempotency_key"] or "").startswith("sim-reps-")]
    assert by_reps and sum(tally.dispositions.values()) == len(by_reps)
    assert all(b["code"] == "VOICEMAIL" for b in bridged if b not in by_reps)
    assert set(tally.dispositions) <= {"CALLBACK", "WARM"}  # none refused (no fallback)
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM callbacks b JOIN dispositions d USING (disposition_id)"
            " WHERE d.campaign_id = $1",
            campaign_id,
        )
        == tally.dispositions["CALLBACK"]
    )
    open_sessions = await pool.fetchval(
        "SELECT count(*) FROM agent_sessions WHERE ended_at IS NULL AND user_id = ANY($1::bigint[])",
        rep_ids,
    )
    assert open_sessions == 0
    assert "calls taken" in tally.summary_line()


async def test_the_command_logs_its_reps_out_on_sigterm(service, pool, settings):  # noqa: F811
    campaign_id = await _campaign(pool, seed_value=32)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALER_")}
    env["DIALER_SIM_REPS_PASSWORD"] = DEMO_PASSWORD
    command = [sys.executable, "-m", "dialer.cli", "sim-reps", "--campaign", str(campaign_id)]
    refused = await asyncio.to_thread(
        subprocess.run,
        [*command, "--reps", "1", "--base-url", settings.public_base_url, "--password", "wrong"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1].startswith("dialer: error: rep01 could not")
    process = subprocess.Popen(
        [*command, "--reps", "2", "--base-url", settings.public_base_url, "--speed", "40"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        await _wait_for(
            pool,
            "SELECT count(*) FROM agent_sessions s JOIN users u USING (user_id)"
            " WHERE s.ended_at IS NULL AND s.state = 'ready' AND u.username = ANY($1::text[])",
            seed_rep_usernames(2),
            want=lambda n: n == 2,
        )
        process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.to_thread(process.communicate, timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert stdout.startswith("sim-reps: 2 reps, 0 calls taken"), stdout
    assert len(stdout.strip().splitlines()) == 1
    assert not re.search(r"\+?\d{9,}", stderr)  # no phone number in its logs
    still_in = await pool.fetchval(
        "SELECT count(*) FROM agent_sessions s JOIN users u USING (user_id)"
        " WHERE s.ended_at IS NULL AND u.username = ANY($1::text[])",
        seed_rep_usernames(2),
    )
    assert still_in == 0
    logged_out = await pool.fetchval(
        "SELECT count(*) FROM agent_sessions s JOIN users u USING (user_id)"
        " WHERE s.ended_at IS NOT NULL AND u.username = ANY($1::text[])",
        seed_rep_usernames(2),
    )
    assert logged_out == 2
