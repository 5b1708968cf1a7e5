"""UK-A1 in the live engine: abandoned calls per 24 h, with AMD false positives estimated and
counted (in the abandon budget, the governor and the figures)."""

from datetime import UTC, datetime, timedelta

from dialer.engine.figures import campaign_figures
from dialer.engine.loop import CampaignEngine
from dialer.engine.settings import load_campaign
from dialer.events import EventBus
from dialer.routes.campaigns import NewCampaign, create_campaign
from dialer.seed import seed
from dialer.telephony.callstate import CallPhase, CallState, Transition, Verdict
from dialer.telephony.provider import AmdVerdict, CallEvent, CallEventKind
from tests.integration.engine.eager import eager_tick
from tests.unit.engine.doubles import InstantCarrier

# 14:00 in London (GMT): every call below is today's and within the last 24 hours
NOW = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


async def _engine(
    pool, clock: datetime, *, jurisdiction: str = "UK", rate: float | None = None
) -> CampaignEngine:
    if not await pool.fetchval("SELECT count(*) FROM accounts"):
        await seed(pool, accounts=20, seed_value=4)
    campaign_id = await create_campaign(
        pool,
        NewCampaign(
            name=f"uk-a1-{jurisdiction}",
            purpose="service",
            pacing_mode="predictive",
            jurisdiction=jurisdiction,  # type: ignore[arg-type]
            caller_id="+442079460000",
            amd_false_positive_rate=rate,
        ),
        None,
    )
    settings = await load_campaign(pool, campaign_id, {"abandon_message": "call us back"})
    return CampaignEngine(pool, InstantCarrier(), EventBus(), lambda: clock, settings)  # type: ignore[arg-type]


async def _calls(
    pool,
    campaign_id: int,
    at: datetime,
    *,
    persons: int = 0,
    abandoned: int = 0,
    machines: int = 0,
    key: str = "",
) -> None:
    """`persons` answered by a person (the first `abandoned` of them dropped, the rest
    bridged to a rep) and `machines` AMD machine verdicts, a second apart from `at`."""
    account_id, phone_id = await pool.fetchrow(
        "SELECT account_id, phone_id FROM account_phones LIMIT 1"
    )
    rep = await pool.fetchval("SELECT user_id FROM users WHERE role = 'telesales_rep' LIMIT 1")
    for index in range(persons + machines):
        machine = index >= persons
        dropped = not machine and index < abandoned
        when = at + timedelta(seconds=index)
        await pool.execute(
            "INSERT INTO call_attempts (campaign_id, account_id, phone_id, e164, idempotency_key,"
            " status, created_at, answered_at, amd_at, ended_at, answered_by, abandoned,"
            " agent_user_id)"
            " VALUES ($1, $2, $3, '+447700900000', $4, 'completed', $5, $5, $5, $5, $6, $7, $8)",
            campaign_id,
            account_id,
            phone_id,
            f"uk-a1-{campaign_id}-{key}-{index}",
            when,
            "machine" if machine else "human",
            dropped,
            None if machine or dropped else rep,
        )


async def test_a_uk_campaign_counts_estimated_amd_false_positives_everywhere(pool):
    # rate r = 0.25 and N = 8 machine verdicts: r * N = 2 persons estimated dropped by AMD
    engine = await _engine(pool, NOW, rate=0.25)
    campaign_id = engine.campaign.campaign_id
    await _calls(pool, campaign_id, NOW - timedelta(hours=3), persons=200, abandoned=1, machines=8)

    # the live budget: floor(2.5% x (200 + 2) - 2) - 1 = 2 (without the estimate: 5 - 1 = 4)
    assert await engine.abandon_budget(NOW) == 2

    figures = await campaign_figures(pool, campaign_id, NOW)
    assert (figures["person_answers"], figures["abandoned"]) == (200, 1)  # as counted
    assert figures["machine_answers"] == 8
    assert figures["amd_false_positive_rate"] == 0.25
    assert figures["estimated_amd_false_positives"] == 2.0
    assert figures["estimated_person_answers"] == 202.0
    assert figures["estimated_abandoned"] == 3.0
    assert figures["estimated_abandon_rate"] == round(3 / 202, 4)

    # the governor, warmed up from the database: 24 h and today alike
    await engine.warm_up()
    governor = engine.pacer.governor  # type: ignore[attr-defined]
    assert governor.window_counts(NOW.timestamp()) == (3.0, 202.0)
    assert governor.today_counts(NOW.timestamp()) == (3.0, 202.0)

    # and online: one more machine verdict adds r to both
    answered = NOW - timedelta(seconds=4)
    state = CallState(
        call_id="CA-machine",
        phase=CallPhase.ANSWERED,
        answered_at=answered,
        amd_at=NOW,
        amd_verdict=AmdVerdict.MACHINE,
    )
    event = CallEvent(
        provider="test",
        call_id="CA-machine",
        kind=CallEventKind.AMD_VERDICT,
        occurred_at=NOW,
        dedupe_keys=("k",),
        amd_verdict=AmdVerdict.MACHINE,
    )
    await engine.on_event(event, Transition(state, Verdict.RECORDED))
    assert governor.window_counts(NOW.timestamp()) == (3.25, 202.25)


async def test_the_default_rate_applies_to_uk_campaigns_only(pool):
    uk = await _engine(pool, NOW)
    assert uk.campaign.amd_false_positive_rate == 0.03
    await _calls(pool, uk.campaign.campaign_id, NOW - timedelta(hours=3), persons=200, machines=100)
    figures = await campaign_figures(pool, uk.campaign.campaign_id, NOW)
    assert figures["amd_false_positive_rate"] == 0.03
    assert figures["estimated_amd_false_positives"] == 3.0
    # floor(2.5% x 203 - 3) = 2
    assert await uk.abandon_budget(NOW) == 2

    # the same calls on a US campaign: machine verdicts count in neither figure
    us = await _engine(pool, NOW, jurisdiction="US", rate=0.25)
    assert us.campaign.amd_false_positive_rate == 0.0
    await _calls(pool, us.campaign.campaign_id, NOW - timedelta(hours=3), persons=200, machines=100)
    assert await us.abandon_budget(NOW) == 5
    us_figures = await campaign_figures(pool, us.campaign.campaign_id, NOW)
    assert not any(name.startswith("estimated_") for name in us_figures)
    assert "amd_false_positive_rate" not in us_figures
    await us.warm_up()
    assert us.pacer.governor.window_counts(NOW.timestamp()) == (0, 200)  # type: ignore[attr-defined]


# 09:05 in London (BST) the morning after abandons bunched at 20:30
FIVE_PAST_NINE = datetime(2026, 7, 15, 8, 5, tzinfo=UTC)
LAST_EVENING = datetime(2026, 7, 14, 19, 30, tzinfo=UTC)  # 20:30 BST
THIS_MORNING = datetime(2026, 7, 15, 8, 0, tzinfo=UTC)  # 09:00 BST


async def test_abandons_at_half_past_eight_still_limit_dialing_at_five_past_nine(pool, monkeypatch):
    engine = await _engine(pool, FIVE_PAST_NINE)
    campaign_id = engine.campaign.campaign_id
    # last evening: 200 persons, 8 of them abandoned in a burst (4%)
    await _calls(pool, campaign_id, LAST_EVENING, persons=200, abandoned=8, key="evening")
    # this morning: 100 persons, none abandoned
    await _calls(pool, campaign_id, THIS_MORNING, persons=100, key="morning")

    # today alone would allow floor(2.5% x 100) = 2; the last 24 hours allow
    # floor(2.5% x 300) - 8 < 0: the stricter holds
    assert await engine.abandon_budget(FIVE_PAST_NINE) == 0
    await engine.warm_up()
    governor = engine.pacer.governor  # type: ignore[attr-defined]
    now = FIVE_PAST_NINE.timestamp()
    assert governor.today_counts(now) == (0, 100)
    assert governor.window_counts(now) == (8, 300)
    assert not governor.allows_overdial(now, 1.0, 0.05)

    # the engine dials no further ahead than one line per ready rep
    launched = await eager_tick(engine, monkeypatch, ready_reps=4, talking=6)
    assert launched == [2]  # 4 ready reps, 2 calls already ringing
    assert "abandon budget 0" in engine.figures.last_decision
