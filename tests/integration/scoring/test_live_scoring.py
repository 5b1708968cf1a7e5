"""The learned score in the service, on a real PostgreSQL: training from the call history,
one model per retrain run across processes, the hopper claiming in the learned order, a
new campaign starting from the firm-wide prior, and the account score API."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import asyncpg

from dialer import db
from dialer.engine import hopper
from dialer.http import Role
from dialer.scoring.service import FIRM, latest_model, rescore_campaign, retrain_pass
from dialer.seed import seed
from scoring.accounts import local_hour_and_weekday
from tests.helpers import headers_for, make_user

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
EVENING_SEGMENTS = ("lapsed", "dormant")


async def _campaign(pool: asyncpg.Pool, name: str) -> int:
    campaign_id: int = await pool.fetchval(
        "INSERT INTO campaigns (name, purpose, status) VALUES ($1, 'marketing', 'running')"
        " RETURNING campaign_id",
        name,
    )
    return campaign_id


async def _history(pool: asyncpg.Pool, campaign_id: int, rep: int) -> int:
    """A week of ended attempts: lapsed and dormant customers answer only in the evening
    (18:00-21:00 local), everybody else only in the morning (09:00-12:00 local)."""
    phones = await pool.fetch(
        "SELECT p.phone_id, p.account_id, p.e164, a.segment::text AS segment,"
        " coalesce(p.time_zones[1], a.address_time_zone, 'UTC') AS time_zone"
        " FROM account_phones p JOIN accounts a USING (account_id) ORDER BY p.phone_id"
    )
    rng = random.Random(5)
    rows = []
    for index, phone in enumerate(phones):
        for attempt in range(3):
            at = NOW - timedelta(days=7) + timedelta(hours=rng.randrange(0, 24 * 6))
            hour, _ = local_hour_and_weekday(at, phone["time_zone"])
            evening = phone["segment"] in EVENING_SEGMENTS
            good = 18 <= hour < 21 if evening else 9 <= hour < 12
            contacted = good and rng.random() < 0.8
            rows.append((phone, at, contacted, f"hist-{index}-{attempt}"))
    async with pool.acquire() as connection:
        for phone, at, contacted, key in rows:
            attempt_id = await connection.fetchval(
                "INSERT INTO call_attempts (campaign_id, account_id, phone_id, e164,"
                " idempotency_key, status, created_at, answered_at, bridged_at, ended_at,"
                " answered_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10)"
                " RETURNING call_attempt_id",
                campaign_id,
                phone["account_id"],
                phone["phone_id"],
                phone["e164"],
                key,
                "completed" if contacted else "no_answer",
                at,
                at + timedelta(seconds=10) if contacted else None,
                at + timedelta(seconds=60),
                "human" if contacted else None,
            )
            if contacted and phone["segment"] not in EVENING_SEGMENTS and rng.random() < 0.3:
                await connection.execute(
                    "INSERT INTO leads (account_id, campaign_id, rep_user_id, call_attempt_id,"
                    " state, handed_off_at) VALUES ($1, $2, $3, $4, 'won', $5)",
                    phone["account_id"],
                    campaign_id,
                    rep,
                    attempt_id,
                    at,
                )
    return len(rows)


async def test_retrain_is_single_across_processes_and_orders_the_hopper(pool, db_url):
    await seed(pool, accounts=300, seed_value=8)
    rep = await make_user(pool, Role.TELESALES_REP, "rep-history")
    old = await _campaign(pool, "last month")
    assert await _history(pool, old, rep) > 600
    await pool.execute("UPDATE campaigns SET status = 'finished' WHERE campaign_id = $1", old)
    fresh = await _campaign(pool, "this month")
    async with pool.acquire() as connection:
        assert await hopper.load_numbers(connection, fresh, NOW) > 100

    # two processes run the same pass at once: one model per scope and run
    async with db.pool_for(db_url, min_size=1, max_size=4) as other:
        first, second = await asyncio.gather(retrain_pass(pool, NOW), retrain_pass(other, NOW))
    stored = [first, second]
    assert sum(FIRM in s for s in stored) == 1
    assert await pool.fetchval("SELECT count(*) FROM scoring_models WHERE scope = 'firm'") == 1
    # the same slot again: nothing new; the next slot: version 2
    assert FIRM not in await retrain_pass(pool, NOW + timedelta(minutes=10))
    assert (await retrain_pass(pool, NOW + timedelta(hours=1)))[FIRM] == 2

    # the new campaign has no history of its own: it is ranked by the firm-wide prior
    assert await latest_model(pool, f"campaign:{fresh}") is None
    # later that night: a number tried half an hour ago, due again in 90 minutes by the
    # retry policy
    later = NOW + timedelta(hours=2)
    retry = await pool.fetchrow(
        "UPDATE campaign_numbers n SET attempts = 1, last_attempt_at = $2, next_attempt_at = $3"
        " FROM accounts a WHERE n.account_id = a.account_id AND n.campaign_id = $1"
        " AND n.phone_id = (SELECT min(phone_id) FROM campaign_numbers m JOIN accounts b"
        " USING (account_id) WHERE m.campaign_id = $1 AND b.segment = 'lapsed')"
        " RETURNING n.phone_id",
        fresh,
        later - timedelta(minutes=30),
        later + timedelta(minutes=90),
    )
    ranked = await rescore_campaign(pool, fresh, later)
    assert ranked == await pool.fetchval(
        "SELECT count(*) FROM campaign_numbers WHERE campaign_id = $1 AND state = 'pending'",
        fresh,
    )
    # best time to call: moved later, into the evening hours lapsed customers answer in
    placed = await pool.fetchrow(
        "SELECT n.next_attempt_at, coalesce(p.time_zones[1], 'UTC') AS time_zone"
        " FROM campaign_numbers n JOIN account_phones p USING (phone_id)"
        " WHERE n.campaign_id = $1 AND n.phone_id = $2",
        fresh,
        retry["phone_id"],
    )
    assert placed["next_attempt_at"] > later + timedelta(minutes=90)
    hour, _ = local_hour_and_weekday(placed["next_attempt_at"], placed["time_zone"])
    assert 18 <= hour < 21
    # a second pass leaves it where it is
    await rescore_campaign(pool, fresh, later + timedelta(minutes=5))
    assert placed["next_attempt_at"] == await pool.fetchval(
        "SELECT next_attempt_at FROM campaign_numbers WHERE campaign_id = $1 AND phone_id = $2",
        fresh,
        retry["phone_id"],
    )
    # the claim follows the learned places exactly
    await rescore_campaign(pool, fresh, later)
    claimed = await hopper.claim(pool, fresh, later, 20, "engine-a")
    places = [
        await pool.fetchval(
            "SELECT scored_rank FROM campaign_numbers WHERE campaign_id = $1 AND phone_id = $2",
            fresh,
            c.phone_id,
        )
        for c in claimed
    ]
    assert places == sorted(places) and places[0] == 0


async def test_score_api_gives_reasons_and_follows_the_customer_rule(client, pool):
    await seed(pool, accounts=300, seed_value=9)
    rep = await make_user(pool, Role.TELESALES_REP, "rep-history")
    old = await _campaign(pool, "history")
    await _history(pool, old, rep)
    account_id = await pool.fetchval("SELECT min(account_id) FROM accounts")
    admin = await headers_for(pool, Role.ADMIN, "admin-score")
    empty = await client.get(f"/api/v1/accounts/{account_id}/score", headers=admin)
    assert empty.status == 200 and (await empty.json())["model_version"] is None
    await retrain_pass(pool, NOW)
    response = await client.get(f"/api/v1/accounts/{account_id}/score", headers=admin)
    assert response.status == 200
    body = await response.json()
    assert body["model_version"] == 1 and body["scope"] == "firm"
    assert 0 < body["p_contact_now"] < 1 and 0 < body["p_lead_if_contacted"] < 1
    assert len(body["reasons"]) >= 2 and body["reasons"][0].startswith("answers ")
    assert "% at " in body["reasons"][0] and " h local" in body["reasons"][0]
    missing = await client.get("/api/v1/accounts/999999999/score", headers=admin)
    assert missing.status == 404
    assert missing.content_type == "application/problem+json"
    assert (await client.get(f"/api/v1/accounts/{account_id}/score")).status == 401
    # branch staff see only their own branch's customers
    outsider = await headers_for(pool, Role.BRANCH_MANAGER, "bm-elsewhere")
    other_branch = await pool.fetchval(
        "SELECT account_id FROM accounts WHERE branch_id IS DISTINCT FROM"
        " (SELECT branch_id FROM users WHERE username = 'bm-elsewhere') LIMIT 1"
    )
    refused = await client.get(f"/api/v1/accounts/{other_branch}/score", headers=outsider)
    assert refused.status == 404
