"""The hopper against a real PostgreSQL: ordering, leases, and no number dialed twice."""

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg

from dialer.engine import hopper
from dialer.seed import seed
from scoring.priority import dialing_order_key

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


async def _campaign(pool: asyncpg.Pool, segments: list[str] | None = None) -> int:
    campaign_id: int = await pool.fetchval(
        "INSERT INTO campaigns (name, purpose, target_segments) VALUES ($1, 'marketing', $2::account_segment[])"
        " RETURNING campaign_id",
        f"c-{segments}",
        segments or [],
    )
    return campaign_id


async def test_numbers_load_once_and_claim_in_dialing_order(pool):
    await seed(pool, accounts=400, seed_value=3)
    campaign_id = await _campaign(pool, ["lapsed", "orphan"])
    async with pool.acquire() as connection:
        loaded = await hopper.load_numbers(connection, campaign_id, NOW)
        assert loaded == await pool.fetchval(
            "SELECT count(*) FROM account_phones p JOIN accounts a USING (account_id)"
            " WHERE a.segment IN ('lapsed', 'orphan')"
        )
        assert await hopper.load_numbers(connection, campaign_id, NOW) == 0
    claimed = await hopper.claim(pool, campaign_id, NOW, 50, "engine-a")
    assert len(claimed) == 50
    tiers = [
        await pool.fetchval("SELECT tier::text FROM accounts WHERE account_id = $1", c.account_id)
        for c in claimed
    ]
    rank = {"diamond": 0, "gold": 1, "silver": 2}
    assert [rank[t] for t in tiers] == sorted(rank[t] for t in tiers)  # higher tiers first
    # a due callback jumps the queue
    silver = await pool.fetchrow(
        "SELECT n.phone_id FROM campaign_numbers n JOIN accounts a USING (account_id)"
        " WHERE n.state = 'pending' AND a.tier = 'silver' ORDER BY n.fairness_rank DESC LIMIT 1"
    )
    await pool.execute(
        "UPDATE campaign_numbers SET callback_due_at = $1 WHERE phone_id = $2",
        NOW - timedelta(minutes=1),
        silver["phone_id"],
    )
    assert (await hopper.claim(pool, campaign_id, NOW, 1, "engine-a"))[0].phone_id == silver[
        "phone_id"
    ]


async def test_concurrent_engines_never_claim_one_number_twice(pool):
    await seed(pool, accounts=600, seed_value=4)
    campaign_id = await _campaign(pool)
    async with pool.acquire() as connection:
        total = await hopper.load_numbers(connection, campaign_id, NOW)

    async def engine(name: str) -> list[int]:
        got: list[int] = []
        while True:
            batch = await hopper.claim(pool, campaign_id, NOW, 7, name)
            if not batch:
                return got
            async with pool.acquire() as connection:
                for number in batch:
                    attempt = await hopper.start_attempt(connection, number, name, NOW, None)
                    if attempt is not None:
                        got.append(number.phone_id)

    results = await asyncio.gather(*(engine(f"engine-{i}") for i in range(6)))
    dialed = [phone for result in results for phone in result]
    assert len(dialed) == len(set(dialed))
    attempts = await pool.fetchval("SELECT count(*) FROM call_attempts")
    assert attempts == len(dialed)
    # every phone was either dialed or deferred because its number was live elsewhere
    deferred = await pool.fetchval(
        "SELECT count(*) FROM campaign_numbers WHERE state = 'pending' AND reason = 'number live in another call'"
    )
    assert len(dialed) + deferred == total
    assert sum(1 for r in results if r) >= 2  # the work really was shared


async def test_a_crashed_engine_loses_its_leases_but_its_dials_are_not_repeated(pool):
    await seed(pool, accounts=100, seed_value=5)
    campaign_id = await _campaign(pool)
    async with pool.acquire() as connection:
        await hopper.load_numbers(connection, campaign_id, NOW)
    crashed = await hopper.claim(pool, campaign_id, NOW, 10, "engine-crashed", lease_seconds=30)
    async with pool.acquire() as connection:
        dialed = [
            n.phone_id
            for n in crashed[:4]
            if await hopper.start_attempt(connection, n, "engine-crashed", NOW, None)
        ]
    # the engine dies here; 30 s later its undialed leases come back, its dials do not
    later = NOW + timedelta(seconds=31)
    assert await hopper.release_expired_leases(pool, later) == 6
    survivor = await hopper.claim(pool, campaign_id, later, 1000, "engine-survivor")
    assert not set(dialed) & {n.phone_id for n in survivor}
    assert {n.phone_id for n in crashed[4:]} <= {n.phone_id for n in survivor}
    # the crashed engine cannot start an attempt on a lease it lost
    async with pool.acquire() as connection:
        assert (
            await hopper.start_attempt(connection, crashed[5], "engine-crashed", later, None)
            is None
        )


async def test_the_claim_query_uses_the_due_index(pool):
    await seed(pool, accounts=300, seed_value=6)
    campaign_id = await _campaign(pool)
    async with pool.acquire() as connection:
        await hopper.load_numbers(connection, campaign_id, NOW)
        # the queue holds other campaigns' numbers too, as it does in production
        for index in range(7):
            other = await connection.fetchval(
                "INSERT INTO campaigns (name, purpose) VALUES ($1, 'marketing')"
                " RETURNING campaign_id",
                f"other-{index}",
            )
            await hopper.load_numbers(connection, other, NOW)
        await connection.execute("ANALYZE campaign_numbers")
        await connection.execute("SET enable_seqscan = off")
        rows = await connection.fetch(
            "EXPLAIN (FORMAT TEXT) SELECT phone_id FROM campaign_numbers"
            " WHERE campaign_id = $1 AND state = 'pending' AND next_attempt_at <= $2",
            campaign_id,
            NOW,
        )
        plan = "\n".join(r[0] for r in rows)
        assert "campaign_numbers_due" in plan


async def _list(pool: asyncpg.Pool, name: str, account_ids: list[int]) -> int:
    list_id: int = await pool.fetchval(
        "INSERT INTO lists (name) VALUES ($1) RETURNING list_id", name
    )
    import_id = await pool.fetchval(
        "INSERT INTO list_imports (list_id, file_name, content_sha256) VALUES ($1, $2, $3)"
        " RETURNING import_id",
        list_id,
        f"{name}.csv",
        name,
    )
    await pool.executemany(
        "INSERT INTO list_memberships (list_id, account_id, import_id) VALUES ($1, $2, $3)",
        [(list_id, account_id, import_id) for account_id in account_ids],
    )
    return list_id


async def test_claims_follow_tier_then_time_since_last_attempt_then_fairness_across_lists(pool):
    await seed(pool, accounts=120, seed_value=8)
    accounts = [r["account_id"] for r in await pool.fetch("SELECT account_id FROM accounts")]
    first = await _list(pool, "first", accounts[: len(accounts) // 2])
    second = await _list(pool, "second", accounts[len(accounts) // 2 :])
    campaign_id = await pool.fetchval(
        "INSERT INTO campaigns (name, purpose, list_ids) VALUES ('two lists', 'marketing', $1)"
        " RETURNING campaign_id",
        [first, second],
    )
    async with pool.acquire() as connection:
        await hopper.load_numbers(connection, campaign_id, NOW)
    # a retried number waits by its last attempt, whatever its place in its list: the
    # late-ranked numbers of each list were tried longest ago
    retried = await pool.fetch(
        "SELECT phone_id, fairness_rank FROM campaign_numbers n WHERE campaign_id = $1"
        " AND fairness_rank > (SELECT max(fairness_rank) - 15 FROM campaign_numbers m"
        "                      WHERE m.campaign_id = $1 AND m.list_id = n.list_id)",
        campaign_id,
    )
    assert len(retried) == 30
    for row in retried:
        await pool.execute(
            "UPDATE campaign_numbers SET attempts = 1, last_attempt_at = $3"
            " WHERE campaign_id = $1 AND phone_id = $2",
            campaign_id,
            row["phone_id"],
            NOW - timedelta(hours=1, minutes=row["fairness_rank"]),
        )
    order: list[hopper.ClaimedNumber] = []
    while batch := await hopper.claim(pool, campaign_id, NOW, 1, "engine-a"):
        order.extend(batch)
    facts = {
        r["phone_id"]: r
        for r in await pool.fetch(
            "SELECT n.phone_id, n.list_id, n.fairness_rank, a.tier::text AS tier"
            " FROM campaign_numbers n JOIN accounts a USING (account_id) WHERE campaign_id = $1",
            campaign_id,
        )
    }
    keys = [
        dialing_order_key(
            callback_due=False,
            tier=facts[n.phone_id]["tier"],
            fairness_rank=facts[n.phone_id]["fairness_rank"],
            last_attempt_at=n.last_attempt_at,
        )
        for n in order
    ]
    # the SQL and the pure rule agree on the whole order
    assert len(order) == len(facts)
    assert keys == sorted(keys)
    interleaved = 0
    for tier in ("diamond", "gold", "silver"):
        in_tier = [n for n in order if facts[n.phone_id]["tier"] == tier]
        fresh = [n for n in in_tier if n.last_attempt_at is None]
        tried = [n for n in in_tier if n.last_attempt_at is not None]
        # never-attempted first, then the longest-waiting retried number first
        assert in_tier == fresh + tried
        assert [n.last_attempt_at for n in tried] == sorted(n.last_attempt_at for n in tried)
        # among the never-attempted, the two lists take turns by their ranks
        ranks = [facts[n.phone_id]["fairness_rank"] for n in fresh]
        assert ranks == sorted(ranks)
        if len(fresh) >= 8:
            interleaved += 1
            assert {facts[n.phone_id]["list_id"] for n in fresh[: len(fresh) // 2]} == {
                first,
                second,
            }
        # time since the last attempt outranks fairness: the oldest tries, last in their
        # lists, come first
        tried_ranks = [facts[n.phone_id]["fairness_rank"] for n in tried]
        assert len(tried) < 2 or tried_ranks != sorted(tried_ranks)
    assert interleaved
