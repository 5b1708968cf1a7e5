"""A live campaign end to end: the engine dials through the Twilio adapter into the carrier
simulator over HTTP, simulated reps take the calls, and every figure comes from the
database."""

import asyncio
import socket
from datetime import UTC, datetime

import pytest
from aiohttp import web

from campaigns.population import FixedDistribution
from dialer.app import create_app
from dialer.clock import shifted_clock
from dialer.engine.figures import campaign_figures
from dialer.engine.simulated_reps import SimulatedReps
from dialer.keys import TELEPHONY
from dialer.routes.campaigns import NewCampaign, create_campaign
from dialer.seed import seed

# a Tuesday, 10:00 in Beijing: inside CN calling hours
CAMPAIGN_DAY = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def service(settings, pool):
    port = _free_port()
    settings.public_base_url = f"http://127.0.0.1:{port}"
    settings.sim_speed = 40.0
    clock = shifted_clock(CAMPAIGN_DAY)
    app = create_app(settings, pool=pool, clock=clock)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield app
    await runner.cleanup()


class _Running:
    """A campaign started with simulated reps taking its calls."""

    def __init__(self, service, pool, campaign_id: int) -> None:  # type: ignore[no-untyped-def]
        from dialer.keys import CLOCK

        self.pool = pool
        self.campaign_id = campaign_id
        self.now_of = service[CLOCK]
        self.telephony = service[TELEPHONY]
        self.stop = asyncio.Event()
        self.reps_task: asyncio.Task[None] | None = None

    async def start(self, reps: int) -> int:
        rows = await self.pool.fetch(
            "SELECT user_id FROM users WHERE role = 'telesales_rep' ORDER BY user_id LIMIT $1",
            reps,
        )
        simulated = SimulatedReps(
            self.pool,
            self.now_of,
            self.campaign_id,
            [r["user_id"] for r in rows],
            wrap_seconds=FixedDistribution(dist="fixed", value=4.0),
            speed=40.0,
        )
        await simulated.log_in_all()
        self.reps_task = asyncio.create_task(simulated.run(self.stop, poll_seconds=0.05))
        queued: int = await self.telephony.start_campaign(self.campaign_id, self.now_of())
        return queued

    async def stop_and_settle(self, *, wrap_ups: bool) -> None:
        """Stop dialing, let the live calls end and their callbacks land, then the reps."""
        await self.telephony.stop_campaign(self.campaign_id)
        for _ in range(80):
            live = await self.pool.fetchval(
                "SELECT count(*) FROM call_attempts WHERE status IN"
                " ('created','queued','initiated','ringing','in_progress')"
            )
            if not live:
                break
            await asyncio.sleep(0.25)
        await self.telephony.webhooks.drain()
        for _ in range(80 if wrap_ups else 0):  # the reps finish their last wrap-ups
            if not await self.pool.fetchval(
                "SELECT count(*) FROM agent_sessions WHERE state = 'wrap_up'"
            ):
                break
            await asyncio.sleep(0.1)
        self.stop.set()
        assert self.reps_task is not None
        await self.reps_task


async def test_a_campaign_runs_through_the_simulator_and_the_gate(service, pool):
    await seed(pool, accounts=300, seed_value=21)
    manager = await pool.fetchval("SELECT user_id FROM users WHERE username = 'campaigns'")
    campaign_id = await create_campaign(
        pool,
        NewCampaign(
            name="live test",
            purpose="marketing",
            product_code="ADV-STEADY",
            subject="advisory",
            target_segments=["lapsed", "orphan", "empty"],
            pacing_mode="progressive",
            jurisdiction="CN",
            caller_id="+862195500000",
            abandon_message="Example Securities; please call us back.",
        ),
        manager,
    )
    running = _Running(service, pool, campaign_id)
    now_of = running.now_of
    assert await running.start(reps=4) > 50
    await asyncio.sleep(8)
    await running.stop_and_settle(wrap_ups=True)

    figures = await campaign_figures(pool, campaign_id, now_of())
    assert figures["dials"] >= 10
    assert figures["person_answers"] >= 3
    assert figures["live_calls"] == 0
    assert 0 < figures["occupancy"] <= 1
    # progressive dialing keeps a rep for every call: nobody is abandoned
    assert figures["abandoned"] == 0

    # every dial passed the gate, its decision recorded in the audit log: ALLOW, or REQUIRE
    # with no dial mode (the advisory product needs a registered rep, which routing enforces)
    verdicts = await pool.fetch(
        "SELECT a.detail->>'verdict' AS verdict, a.detail->>'required_mode' AS required_mode"
        " FROM call_attempts c LEFT JOIN audit_log a ON a.audit_id = c.compliance_decision_id"
        " WHERE c.campaign_id = $1",
        campaign_id,
    )
    assert len(verdicts) == figures["dials"]
    assert all(
        v["verdict"] in ("ALLOW", "REQUIRE") and v["required_mode"] is None for v in verdicts
    )
    # and the reps who took them hold the registration
    unqualified = await pool.fetchval(
        "SELECT count(*) FROM call_attempts c JOIN users u ON u.user_id = c.agent_user_id"
        " WHERE c.campaign_id = $1 AND NOT ('advisor' = ANY (u.registrations))",
        campaign_id,
    )
    assert unqualified == 0
    # numbers the gate blocked were never dialed, and each block has a recorded reason
    blocked = await pool.fetch(
        "SELECT n.phone_id, n.reason, (SELECT count(*) FROM call_attempts c WHERE c.phone_id = n.phone_id) AS dials"
        " FROM campaign_numbers n WHERE n.campaign_id = $1 AND n.state = 'blocked'",
        campaign_id,
    )
    assert blocked, (
        "the seeded population has customers the CN rules forbid (no consent, unsuitable)"
    )
    assert all(b["dials"] == 0 and b["reason"] for b in blocked)
    block_audits = await pool.fetchval(
        "SELECT count(*) FROM audit_log WHERE kind = 'compliance_decision' AND detail::text LIKE '%BLOCK%'"
    )
    assert block_audits >= len(blocked)
    # every answered call has its state timestamps and a disposition from its rep
    answered = await pool.fetch(
        "SELECT c.call_attempt_id, c.initiated_at, c.ringing_at, c.answered_at, c.ended_at, c.bridged_at,"
        " d.code FROM call_attempts c LEFT JOIN dispositions d USING (call_attempt_id)"
        " WHERE c.campaign_id = $1 AND c.agent_user_id IS NOT NULL",
        campaign_id,
    )
    assert answered
    for row in answered:
        assert row["answered_at"] and row["ended_at"] and row["bridged_at"]
        assert row["code"] is not None, row
    # no number was in two calls at once
    overlaps = await pool.fetchval(
        "SELECT count(*) FROM call_attempts a JOIN call_attempts b ON a.e164 = b.e164"
        " AND a.call_attempt_id < b.call_attempt_id"
        " AND tstzrange(a.created_at, a.ended_at) && tstzrange(b.created_at, b.ended_at)"
    )
    assert overlaps == 0


async def test_a_predictive_campaign_dials_and_counts_abandons_in_the_database(service, pool):
    await seed(pool, accounts=300, seed_value=22)
    manager = await pool.fetchval("SELECT user_id FROM users WHERE username = 'campaigns'")
    campaign_id = await create_campaign(
        pool,
        NewCampaign(
            name="live predictive",
            purpose="service",
            target_segments=["lapsed", "orphan", "empty"],
            pacing_mode="predictive",
            jurisdiction="CN",
            caller_id="+862195500000",
            abandon_message="Example Securities; please call us back.",
        ),
        manager,
    )
    running = _Running(service, pool, campaign_id)
    now_of = running.now_of
    assert await running.start(reps=6) > 50
    engine = running.telephony.engines[campaign_id]
    decisions: set[str] = set()
    for _ in range(32):
        await asyncio.sleep(0.25)
        decisions.add(engine.figures.last_decision.split(":")[0])
    await running.stop_and_settle(wrap_ups=False)

    assert decisions == {"predictive"}
    figures = await campaign_figures(pool, campaign_id, now_of())
    assert figures["dials"] >= 10
    assert figures["person_answers"] >= 3
    assert figures["live_calls"] == 0
    # the figures are the database's: every launch the engine made is an attempt row ...
    assert figures["dials"] == engine.figures.launched
    counted = await pool.fetchrow(
        "SELECT count(*) FILTER (WHERE (agent_user_id IS NOT NULL OR abandoned)"
        "                        AND coalesce(answered_by, 'human') <> 'machine') AS persons,"
        "       count(*) FILTER (WHERE abandoned AND coalesce(answered_by, 'human') <> 'machine')"
        "           AS abandoned"
        " FROM call_attempts WHERE campaign_id = $1",
        campaign_id,
    )
    assert (figures["person_answers"], figures["abandoned"]) == tuple(counted)
    if figures["person_answers"]:
        assert figures["abandon_rate"] == round(figures["abandoned"] / figures["person_answers"], 4)
    # ... and the governor, counting online from the webhooks, saw the same persons and
    # abandons as the database holds
    governor = engine.pacer.governor  # type: ignore[attr-defined]
    assert (governor.total_answered, governor.total_abandoned) == (
        figures["person_answers"],
        figures["abandoned"],
    )
    # an abandoned call was never bridged, and was told who called
    assert not await pool.fetchval(
        "SELECT count(*) FROM call_attempts WHERE campaign_id = $1 AND abandoned"
        " AND agent_user_id IS NOT NULL",
        campaign_id,
    )
