"""For a finished floor, every count behind the figures equals a direct SQL count from the
call records (docs/figures.md)."""

from datetime import timedelta

from dialer.reports.tallies import Bucket, Dimension, tallies
from figures.definitions import Figure, figures_of, total
from tests.floor_world import DAY_ONE, build_floor


async def test_rep_tallies_equal_direct_counts(pool):
    floor = await build_floor(pool)
    end = DAY_ONE + timedelta(days=3)
    by_rep = await tallies(pool, Dimension.REP, Bucket.MONTH, DAY_ONE, end, end)
    for rep in floor.rep_ids:
        (tally,) = [t for (_bucket, key), t in by_rep.items() if key == str(rep)]
        direct = await pool.fetchrow(
            "SELECT count(*) AS dials, coalesce(sum(talk_seconds), 0) AS talk,"
            " count(bridged_at) AS talked FROM call_attempts"
            " WHERE agent_user_id = $1 AND status <> 'blocked'",
            rep,
        )
        outcomes = await pool.fetchrow(
            "SELECT count(*) FILTER (WHERE dc.contact) AS contacts,"
            " count(*) FILTER (WHERE dc.warm_lead) AS warm FROM dispositions d"
            " JOIN disposition_codes dc USING (campaign_id, code) WHERE d.agent_user_id = $1",
            rep,
        )
        assert direct["dials"] > 10
        assert (tally.dials, tally.talk_seconds, tally.talked) == (
            direct["dials"],
            direct["talk"],
            direct["talked"],
        )
        assert (tally.contacts, tally.warm_leads) == (outcomes["contacts"], outcomes["warm"])
        won = await pool.fetchval(
            "SELECT count(*) FROM leads WHERE rep_user_id = $1 AND state = 'won'", rep
        )
        assert tally.leads_won == won
        revenue = await pool.fetchval(
            "SELECT coalesce(sum(v.amount_cents), 0) FROM conversions v JOIN leads l USING (lead_id)"
            " WHERE l.rep_user_id = $1 AND v.kind = 'net_commission'",
            rep,
        )
        assert tally.revenue_cents == revenue
        logged_in = await pool.fetchval(
            "SELECT sum(extract(epoch FROM ended_at - started_at))::bigint FROM agent_sessions"
            " WHERE user_id = $1",
            rep,
        )
        assert tally.logged_in_seconds == logged_in
        assert 0 < tally.working_seconds < tally.logged_in_seconds
        first = await pool.fetchrow(
            "SELECT count(*) AS first, count(*) FILTER (WHERE dc.final) AS resolved"
            " FROM dispositions d JOIN disposition_codes dc USING (campaign_id, code)"
            " WHERE d.agent_user_id = $1 AND dc.contact AND NOT EXISTS ("
            "  SELECT 1 FROM dispositions e JOIN disposition_codes ec USING (campaign_id, code)"
            "  WHERE ec.contact AND e.account_id = d.account_id AND e.campaign_id = d.campaign_id"
            "  AND (e.recorded_at, e.disposition_id) < (d.recorded_at, d.disposition_id))",
            rep,
        )
        assert (tally.first_contacts, tally.first_contact_resolved) == (
            first["first"],
            first["resolved"],
        )
        assert 0 < tally.first_contacts < tally.contacts


async def test_campaign_segment_and_day_tallies_add_up(pool):
    floor = await build_floor(pool)
    end = DAY_ONE + timedelta(days=3)
    all_dials = await pool.fetchval("SELECT count(*) FROM call_attempts WHERE status <> 'blocked'")
    for dimension in (Dimension.CAMPAIGN, Dimension.SEGMENT, Dimension.LIST, Dimension.BRANCH):
        found = await tallies(pool, dimension, Bucket.DAY, DAY_ONE, end, end)
        assert None not in {key for _day, key in found}
        assert total(list(found.values())).dials == all_dials
    by_campaign = await tallies(pool, Dimension.CAMPAIGN, Bucket.WEEK, DAY_ONE, end, end)
    for campaign in floor.campaign_ids:
        (tally,) = [t for (_b, key), t in by_campaign.items() if key == str(campaign)]
        direct = await pool.fetchrow(
            "SELECT count(*) FILTER (WHERE abandoned AND coalesce(answered_by, 'human') <> 'machine')"
            " AS abandoned, count(*) FILTER (WHERE (agent_user_id IS NOT NULL OR abandoned)"
            " AND coalesce(answered_by, 'human') <> 'machine') AS persons"
            " FROM call_attempts WHERE campaign_id = $1",
            campaign,
        )
        assert (tally.abandoned, tally.person_answers) == (direct["abandoned"], direct["persons"])
        assert figures_of(tally)[Figure.ABANDON_RATE] is not None
    by_day = await tallies(pool, Dimension.REP, Bucket.DAY, DAY_ONE, end, end)
    assert {day for day, _key in by_day} == {d.date() for d in floor.days}


async def test_break_overruns_count_pauses_past_their_limit(pool):
    floor = await build_floor(pool, teams=1, reps_per_team=3, days=1)
    end = DAY_ONE + timedelta(days=1)
    by_team = await tallies(pool, Dimension.TEAM, Bucket.DAY, DAY_ONE, end, end)
    (tally,) = [t for (_day, key), t in by_team.items() if key is not None]
    direct = await pool.fetchval(
        "SELECT count(*) FROM (SELECT to_state, pause_code,"
        " lead(at) OVER (PARTITION BY agent_session_id ORDER BY at, change_id) - at AS held"
        " FROM agent_state_changes) s WHERE to_state = 'paused' AND held > interval '900 seconds'"
    )
    assert direct > 0
    assert tally.break_overruns == direct
    assert floor.team_ids == [int(key) for _day, key in by_team if key is not None]
