"""The answer's rep is ranked and locked in one statement: it is the routing rule's
choice (`campaigns.routing.rank_reps`) over the same floor, for any mix of idle times
(ties included), seniors, registrations, a callback's owner and senior-first routing;
and the rep taken goes ready -> reserved -> on_call, each change recorded and announced."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaigns.routing import RoutingPolicy, rank_reps
from dialer import db
from dialer.engine import records
from dialer.engine.pg_store import PostgresEngineStore
from dialer.floor.sessions import go_ready, log_in
from dialer.routes.campaigns import NewCampaign, create_campaign

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)

reps = st.lists(
    st.tuples(
        st.integers(0, 3),  # idle seconds (few values: ties)
        st.booleans(),  # senior
        st.booleans(),  # holds the registration
        st.sampled_from(["ready", "ready", "paused"]),
    ),
    min_size=1,
    max_size=12,
)


async def _floor(
    url: str, floor: list[tuple[int, bool, bool, str]], token: str
) -> tuple[int, int, list[int]]:
    async with db.pool_for(url, min_size=1, max_size=2) as pool:
        campaign_id = await create_campaign(
            pool,
            NewCampaign(
                name=f"rank-{token}",
                purpose="service",
                pacing_mode="predictive",
                caller_id="+862195500000",
            ),
            None,
        )
        team = await pool.fetchval("INSERT INTO teams (name) VALUES ($1) RETURNING team_id", token)
        users = []
        async with pool.acquire() as connection:
            for n, (idle, senior, registered, state) in enumerate(floor):
                user_id = await connection.fetchval(
                    "INSERT INTO users (username, display_name, role, team_id, password_hash,"
                    " is_senior, registrations) VALUES ($1, $1, 'telesales_rep', $2, 'x', $3, $4)"
                    " RETURNING user_id",
                    f"rank-{token}-{n}",
                    team,
                    senior,
                    ["S1"] if registered else [],
                )
                await log_in(connection, user_id, campaign_id, NOW - timedelta(minutes=5))
                if state == "ready":
                    await go_ready(connection, user_id, NOW - timedelta(seconds=idle))
                users.append(user_id)
        account = await pool.fetchval(
            "INSERT INTO accounts (name, segment) VALUES ('Ranked', 'lapsed') RETURNING account_id"
        )
        attempt = await pool.fetchval(
            "INSERT INTO call_attempts (campaign_id, account_id, e164, idempotency_key, status,"
            " created_at, answered_at, provider_call_id)"
            " VALUES ($1, $2, $5, $3, 'in_progress', $4, $4, $3)"
            " RETURNING call_attempt_id",
            campaign_id,
            account,
            f"CArank{token}",
            NOW,
            f"+1415{int(token, 16) % 10**7:07d}",
        )
    return campaign_id, attempt, users


async def _check(url: str, floor: list[tuple[int, bool, bool, str]], data: st.DataObject) -> None:
    token = uuid.uuid4().hex[:10]
    campaign_id, attempt, users = await _floor(url, floor, token)
    owner_index = data.draw(st.integers(-1, len(floor) - 1))  # -1: no callback owner
    owner = users[owner_index] if owner_index >= 0 else None
    senior_first = data.draw(st.booleans())
    tier = data.draw(st.sampled_from([None, "gold", "silver"]))
    required = data.draw(st.sampled_from([None, "S1"]))
    policy = RoutingPolicy(senior_first=senior_first)
    expected = rank_reps(
        [
            records.ready_rep(user, senior, NOW - timedelta(seconds=idle))
            for user, (idle, senior, registered, state) in zip(users, floor, strict=True)
            if state == "ready" and (required is None or registered)
        ],
        tier=tier,
        owner_rep_id=str(owner) if owner else None,
        policy=policy,
    )
    async with db.pool_for(url, min_size=1, max_size=2) as pool:
        store = PostgresEngineStore(pool)
        async with store.lock_attempt(attempt, f"CArank{token}") as locked:
            assert locked is not None
            chosen = await locked.lock_ranked_rep(campaign_id, required, owner, policy, tier)
            assert chosen == (int(expected[0].rep_id) if expected else None)
            if chosen is not None:
                await locked.connect_rep(chosen, NOW)
        if chosen is None:
            return
        session = await pool.fetchrow(
            "SELECT state, current_call_attempt_id FROM agent_sessions"
            " WHERE user_id = $1 AND ended_at IS NULL",
            chosen,
        )
        assert tuple(session) == ("on_call", attempt)
        changes = await pool.fetch(
            "SELECT from_state, to_state, call_attempt_id FROM agent_state_changes c"
            " JOIN agent_sessions s USING (agent_session_id)"
            " WHERE s.user_id = $1 ORDER BY change_id DESC LIMIT 2",
            chosen,
        )
        assert [tuple(c) for c in changes] == [
            ("reserved", "on_call", attempt),
            ("ready", "reserved", attempt),
        ]
        bridged = await pool.fetchval(
            "SELECT agent_user_id FROM call_attempts WHERE call_attempt_id = $1", attempt
        )
        assert bridged == chosen


@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(floor=reps, data=st.data())
def test_the_rep_locked_is_the_routing_rules_choice(
    db_url: str, floor: list[tuple[int, bool, bool, str]], data: st.DataObject
) -> None:
    asyncio.run(_check(db_url, floor, data))
