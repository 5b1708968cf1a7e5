"""The live engine's last line of defence: the abandon rate counted in the database."""

from datetime import UTC, datetime, timedelta

from dialer.engine.figures import campaign_figures
from dialer.engine.loop import CampaignEngine
from dialer.engine.pg_store import QUERIES
from dialer.engine.settings import load_campaign
from dialer.events import EventBus
from dialer.routes.campaigns import NewCampaign, create_campaign
from dialer.seed import seed
from tests.integration.engine.eager import eager_tick
from tests.unit.engine.doubles import InstantCarrier

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


async def _engine(pool) -> CampaignEngine:
    await seed(pool, accounts=60, seed_value=2)
    campaign_id = await create_campaign(
        pool,
        NewCampaign(
            name="budget", purpose="service", pacing_mode="predictive", caller_id="+862195500000"
        ),
        None,
    )
    settings = await load_campaign(pool, campaign_id, {"abandon_message": "call us back"})
    return CampaignEngine(pool, InstantCarrier(), EventBus(), lambda: NOW, settings)  # type: ignore[arg-type]


async def _calls(pool, campaign_id: int, *, persons: int, abandoned: int) -> None:
    account_id, phone_id = await pool.fetchrow(
        "SELECT account_id, phone_id FROM account_phones LIMIT 1"
    )
    rep = await pool.fetchval("SELECT user_id FROM users WHERE role = 'telesales_rep' LIMIT 1")
    for index in range(persons + abandoned):
        await pool.execute(
            "INSERT INTO call_attempts (campaign_id, account_id, phone_id, e164, idempotency_key, status,"
            " created_at, answered_at, ended_at, answered_by, abandoned, agent_user_id)"
            " VALUES ($1, $2, $3, '+8613800000000', $4, 'completed', $5, $5, $5, 'human', $6, $7)",
            campaign_id,
            account_id,
            phone_id,
            f"k{campaign_id}-{index}-{persons}",
            NOW - timedelta(minutes=index),
            index >= persons,
            None if index >= persons else rep,
        )


async def test_the_budget_is_what_the_target_still_allows(pool):
    engine = await _engine(pool)
    campaign_id = engine.campaign.campaign_id
    assert await engine.abandon_budget(NOW) == 0  # no history: no dialing ahead
    await _calls(pool, campaign_id, persons=79, abandoned=1)
    # floor(2.5% of 80 persons) = 2, one already spent
    assert await engine.abandon_budget(NOW) == 1
    # machines do not count as persons
    await pool.execute(
        "UPDATE call_attempts SET answered_by = 'machine' WHERE abandoned = false AND created_at < $1",
        NOW - timedelta(minutes=40),
    )
    assert await engine.abandon_budget(NOW) == 0


async def test_the_engine_never_dials_ahead_beyond_the_budget(pool, monkeypatch):
    engine = await _engine(pool)
    await _calls(
        pool, engine.campaign.campaign_id, persons=200, abandoned=3
    )  # budget floor(5.075)-3 = 2
    launched = await eager_tick(engine, monkeypatch, ready_reps=2, talking=8)
    # 2 ringing + launch - 2 ready may all abandon: at most 2 of them, so launch <= 2
    assert launched == [2]
    assert "abandon budget 2" in engine.figures.last_decision


async def test_figures_and_the_governor_count_person_answers_alike(pool):
    """One definition: a call that reached a rep or was abandoned, unless AMD found a
    machine, even after the bridge."""
    engine = await _engine(pool)
    campaign_id = engine.campaign.campaign_id
    account_id, phone_id = await pool.fetchrow(
        "SELECT account_id, phone_id FROM account_phones LIMIT 1"
    )
    rep = await pool.fetchval("SELECT user_id FROM users WHERE role = 'telesales_rep' LIMIT 1")
    calls = [
        # (answered_by, bridged to a rep, abandoned, a person-answer, abandoned as counted)
        ("human", True, False, True, False),
        (None, True, False, True, False),  # AMD off: the verdict never came
        ("machine", True, False, False, False),  # a machine detected after the bridge
        ("human", False, True, True, True),
        ("machine", False, True, False, False),  # a machine dropped is no abandoned person
        (None, False, False, False, False),  # not answered
    ]
    for index, (answered_by, bridged, abandoned, _, _) in enumerate(calls):
        await pool.execute(
            "INSERT INTO call_attempts (campaign_id, account_id, phone_id, e164, idempotency_key,"
            " status, created_at, answered_at, ended_at, answered_by, abandoned, agent_user_id)"
            " VALUES ($1, $2, $3, '+8613800000000', $4, 'completed', $5, $6, $5, $7, $8, $9)",
            campaign_id,
            account_id,
            phone_id,
            f"definition-{index}",
            NOW - timedelta(minutes=index + 1),
            NOW - timedelta(minutes=index + 1) if bridged or abandoned else None,
            answered_by,
            abandoned,
            rep if bridged else None,
        )
    persons = sum(c[3] for c in calls)
    dropped = sum(c[4] for c in calls)
    figures = await campaign_figures(pool, campaign_id, NOW)
    assert (figures["person_answers"], figures["abandoned"]) == (persons, dropped)
    # what the governor learns on start and the budget it is held to count the same calls
    rows = await pool.fetch(QUERIES["person_answers_since"], campaign_id, NOW - timedelta(days=30))
    assert (len(rows), sum(r["abandoned"] for r in rows)) == (persons, dropped)
    window = await pool.fetchrow(QUERIES["abandon_window"], campaign_id, [NOW - timedelta(days=30)])
    assert (window["persons"], window["abandoned"]) == (persons, dropped)
    await engine.warm_up()
    governor = engine.pacer.governor  # type: ignore[attr-defined]
    assert (governor.total_answered, governor.total_abandoned) == (persons, dropped)


# 00:30 UTC on a July day is 01:30 in London (BST): the UK "today" began at 23:00 UTC
BST_NOW = datetime(2026, 7, 15, 0, 30, tzinfo=UTC)


async def test_the_uk_day_starts_at_london_midnight_in_summer_time(pool):
    await seed(pool, accounts=20, seed_value=3)
    campaign_id = await create_campaign(
        pool,
        NewCampaign(
            name="uk",
            purpose="service",
            pacing_mode="predictive",
            jurisdiction="UK",
            caller_id="+442079460000",
        ),
        None,
    )
    settings = await load_campaign(pool, campaign_id, {"abandon_message": "call us back"})
    engine = CampaignEngine(pool, InstantCarrier(), EventBus(), lambda: BST_NOW, settings)  # type: ignore[arg-type]
    account_id, phone_id = await pool.fetchrow(
        "SELECT account_id, phone_id FROM account_phones LIMIT 1"
    )
    rep = await pool.fetchval("SELECT user_id FROM users WHERE role = 'telesales_rep' LIMIT 1")

    async def persons(count: int, at: datetime, abandoned: int = 0) -> None:
        for index in range(count):
            await pool.execute(
                "INSERT INTO call_attempts (campaign_id, account_id, phone_id, e164,"
                " idempotency_key, status, created_at, answered_at, ended_at, answered_by,"
                " abandoned, agent_user_id)"
                " VALUES ($1, $2, $3, '+447700900000', $4, 'completed', $5, $5, $5, 'human', $6, $7)",
                campaign_id,
                account_id,
                phone_id,
                f"uk-{at.isoformat()}-{index}",
                at,
                index < abandoned,
                None if index < abandoned else rep,
            )

    # yesterday in London (23:30 BST), though today in UTC terms it is not: 400 persons
    await persons(400, datetime(2026, 7, 14, 22, 30, tzinfo=UTC))
    # today in London (00:30 BST), yesterday in UTC: 80 persons, one abandoned
    await persons(80, datetime(2026, 7, 14, 23, 30, tzinfo=UTC), abandoned=1)
    # floor(2.5% x 80) - 1: London's today is the stricter (UTC's would hold none of them;
    # the last 24 hours hold all 480: floor(12) - 1)
    assert await engine.abandon_budget(BST_NOW) == 1
    # the governor's calendar day is London's too, beside its rolling 24 hours
    await engine.warm_up()
    governor = engine.pacer.governor  # type: ignore[attr-defined]
    assert governor.rule.day_offset_seconds == 3600.0
    assert governor.today_counts(BST_NOW.timestamp()) == (1, 80)
    assert governor.window_counts(BST_NOW.timestamp()) == (1, 480)
    # and follows the clock back to GMT in winter
    winter = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    engine._follow_uk_clock(winter)
    assert governor.rule.day_offset_seconds == 0.0


async def test_the_snapshot_counts_waiting_persons_and_the_time_left_in_the_shift(pool):
    engine = await _engine(pool)  # CN: the shift ends at 21:00 Beijing time by default
    campaign_id = engine.campaign.campaign_id
    account_id, phone_id = await pool.fetchrow(
        "SELECT account_id, phone_id FROM account_phones LIMIT 1"
    )
    rep = await pool.fetchval("SELECT user_id FROM users WHERE role = 'telesales_rep' LIMIT 1")
    calls = [
        # (status, seconds since dial, seconds since answer, answered_by, rep, abandoned)
        ("ringing", 6, None, None, None, False),  # ringing
        ("in_progress", 9, 1, None, None, False),  # answered, no rep yet: waiting
        ("in_progress", 12, 3, "human", None, False),  # a person, no rep yet: waiting
        ("in_progress", 20, 5, "machine", None, False),  # a machine: needs no rep
        ("in_progress", 40, 30, "human", rep, False),  # with a rep
        ("completed", 30, 20, "human", None, True),  # abandoned, over
    ]
    for index, (status, dialed, answered, answered_by, agent, abandoned) in enumerate(calls):
        await pool.execute(
            "INSERT INTO call_attempts (campaign_id, account_id, phone_id, e164,"
            " idempotency_key, status, created_at, answered_at, answered_by, abandoned,"
            " agent_user_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            campaign_id,
            account_id,
            phone_id,
            f"+86138000000{index:02d}",
            f"snapshot-{index}",
            status,
            NOW - timedelta(seconds=dialed),
            None if answered is None else NOW - timedelta(seconds=answered),
            answered_by,
            abandoned,
            agent,
        )
    state = await engine.snapshot(NOW)
    assert state.ringing_ages == (6.0,)
    assert state.waiting_persons == 2
    assert state.screening_ages == ()
    assert state.calls_in_flight == 3
    # 10:00 in Beijing: eleven hours to the end of the calling day
    assert state.seconds_to_shift_end == 11 * 3600.0
