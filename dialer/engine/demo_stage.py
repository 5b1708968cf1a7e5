"""The demo's campaign: a predictive campaign dialed through the Twilio adapter into the
carrier simulator, answered by simulated reps, its figures read back from the database."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from campaigns.population import LognormalDistribution
from dialer.demo_context import DemoContext
from dialer.engine.figures import campaign_figures
from dialer.engine.service import abandon_message
from dialer.engine.simulated_reps import SimulatedReps
from dialer.keys import TELEPHONY
from dialer.routes.campaigns import NewCampaign, create_campaign

DEMO_CAMPAIGN = "演示：流失客户投顾回访 (demo: lapsed customers, advisory)"
SIMULATED_REPS = [f"rep{index:02d}" for index in range(2, 22)]  # rep01 is left for you
REPORT_EVERY_SECONDS = 10.0


async def ensure_campaign(context: DemoContext) -> int:
    pool = context.pool
    existing = await pool.fetchval(
        "SELECT campaign_id FROM campaigns WHERE name = $1", DEMO_CAMPAIGN
    )
    if existing is not None:
        return int(existing)
    manager = await pool.fetchval("SELECT user_id FROM users WHERE username = 'campaigns'")
    campaign_id = await create_campaign(
        pool,
        NewCampaign(
            name=DEMO_CAMPAIGN,
            purpose="marketing",
            product_code="ADV-STEADY",
            subject="advisory",
            target_segments=["lapsed", "orphan", "withdrawn", "empty", "dormant"],
            pacing_mode="predictive",
            lines_per_rep=3.0,
            jurisdiction="CN",
            caller_id=context.settings.firm_callback_number,
            ring_seconds=25,
            abandon_message=abandon_message(context.settings),
        ),
        manager,
    )
    return campaign_id


async def run(context: DemoContext) -> dict[str, Any]:
    app = context.extra["app"]
    telephony = app[TELEPHONY]
    pool = context.pool
    campaign_id = await ensure_campaign(context)
    now = context.clock()
    await pool.execute(
        "UPDATE campaigns SET status = 'running', started_at = coalesce(started_at, $2) WHERE campaign_id = $1",
        campaign_id,
        now,
    )
    rep_ids = [
        r["user_id"]
        for r in await pool.fetch(
            "SELECT user_id FROM users WHERE username = ANY($1::text[]) ORDER BY username",
            SIMULATED_REPS,
        )
    ]
    reps = SimulatedReps(
        pool,
        context.clock,
        campaign_id,
        rep_ids,
        wrap_seconds=LognormalDistribution(dist="lognormal", mean=20, sd=8),
        speed=context.settings.sim_speed,
        rules=telephony.rules,
    )
    await reps.log_in_all()
    queued = await telephony.start_campaign(campaign_id, now)
    context.say(
        f"campaign {campaign_id} running: predictive pacing, {len(rep_ids)} simulated reps, "
        f"{queued} numbers queued, talk times compressed x{context.settings.sim_speed:g}"
    )
    reps_task = asyncio.create_task(reps.run(context.stop))
    while not context.stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(context.stop.wait(), REPORT_EVERY_SECONDS)
        figures = await campaign_figures(pool, campaign_id, context.clock())
        engine = telephony.engines.get(campaign_id)
        context.say(
            f"dials={figures['dials']} person_answers={figures['person_answers']} "
            f"abandoned={figures['abandoned']} abandon_rate={figures['abandon_rate']:.2%} "
            f"occupancy={figures['occupancy']:.1%} live={figures['live_calls']} "
            f"pacing=[{engine.figures.last_decision if engine else '-'}]"
        )
    await telephony.stop_campaign(campaign_id)
    # let the calls in progress finish so every attempt has its outcome
    for _ in range(60):
        if not await pool.fetchval(
            "SELECT count(*) FROM call_attempts WHERE campaign_id = $1"
            " AND status IN ('created', 'queued', 'initiated', 'ringing', 'in_progress')",
            campaign_id,
        ):
            break
        await asyncio.sleep(0.5)
    for _ in range(40):  # the reps finish their last wrap-ups, then sign off
        await reps.step()
        if not await pool.fetchval(
            "SELECT count(*) FROM agent_sessions WHERE state = 'wrap_up' AND user_id = ANY($1::bigint[])",
            rep_ids,
        ):
            break
        await asyncio.sleep(0.25)
    await reps_task
    await reps.log_out_all()
    figures = await campaign_figures(pool, campaign_id, context.clock())
    blocked = await pool.fetchval(
        "SELECT count(*) FROM campaign_numbers WHERE campaign_id = $1 AND state = 'blocked'",
        campaign_id,
    )
    dispositions = {
        r["code"]: r["n"]
        for r in await pool.fetch(
            "SELECT code, count(*) AS n FROM dispositions WHERE campaign_id = $1 GROUP BY code ORDER BY code",
            campaign_id,
        )
    }
    return {
        "campaign_id": campaign_id,
        "dials": figures["dials"],
        "person_answers": figures["person_answers"],
        "abandoned": figures["abandoned"],
        "abandon_rate": figures["abandon_rate"],
        "occupancy": figures["occupancy"],
        "numbers_blocked_by_compliance": blocked,
        "dispositions": dispositions,
    }
