import pytest

from dialer.seed import SeedError, seed
from tests.helpers import run_dialer


async def test_seed_is_deterministic_and_plausible(pool):
    counts = await seed(pool, accounts=2_000, seed_value=11)
    assert counts.accounts == 2_000
    assert await pool.fetchval("SELECT count(*) FROM accounts") == 2_000
    segments = dict(await pool.fetch("SELECT segment::text, count(*) FROM accounts GROUP BY 1"))
    assert set(segments) == {"lapsed", "empty", "prospect", "withdrawn", "orphan", "dormant", "new"}
    # orphans and prospects have no account manager; prospects have no account number
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM accounts WHERE segment = 'orphan' AND account_manager_id IS NOT NULL"
        )
        == 0
    )
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM accounts WHERE segment = 'prospect' AND account_number IS NOT NULL"
        )
        == 0
    )
    regions = dict(await pool.fetch("SELECT region_code, count(*) FROM account_phones GROUP BY 1"))
    assert regions["CN"] > regions["US"] > 0 and regions["GB"] > 0
    tiers = dict(await pool.fetch("SELECT tier::text, count(*) FROM accounts GROUP BY 1"))
    assert tiers["silver"] > tiers["gold"] > 0
    risks = dict(
        await pool.fetch(
            "SELECT risk_tolerance, count(*) FROM accounts"
            " WHERE risk_tolerance IS NOT NULL GROUP BY 1"
        )
    )
    assert set(risks) == {"C1", "C2", "C3", "C4", "C5"}
    assert counts.consents == await pool.fetchval("SELECT count(*) FROM consents") > 0
    purposes = {r["purpose"] for r in await pool.fetch("SELECT DISTINCT purpose FROM consents")}
    assert "marketing" in purposes
    first = await pool.fetch(
        "SELECT name, segment, assets_cents FROM accounts ORDER BY account_id LIMIT 50"
    )
    with pytest.raises(SeedError, match="already seeded"):
        await seed(pool, accounts=10)
    return first


async def test_the_same_seed_gives_the_same_brokerage(pool, db_url, postgres_admin_url):
    import uuid

    import asyncpg

    from dialer import db
    from tests.conftest import with_database

    await seed(pool, accounts=300, seed_value=5)
    name = f"dialer_twin_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(postgres_admin_url)
    try:
        template = await admin.fetchval(
            "SELECT datname FROM pg_database WHERE datname LIKE 'dialer_template_%' LIMIT 1"
        )
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        async with db.pool_for(with_database(postgres_admin_url, name)) as twin:
            await seed(twin, accounts=300, seed_value=5)
            query = "SELECT account_number, name, segment::text, tier::text, assets_cents FROM accounts ORDER BY 1, 2"
            assert [tuple(r) for r in await twin.fetch(query)] == [
                tuple(r) for r in await pool.fetch(query)
            ]
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def test_user_add_and_migrate_commands(db_url):
    def run(*args, stdin=""):
        return run_dialer(*args, env_extra={"DATABASE_URL": db_url}, stdin=stdin)

    first = run("migrate")
    assert first.returncode == 0 and "applied 0 migration(s)" in first.stdout
    status = run("migrate", "--status")
    assert "0001_foundation.sql" in status.stdout and "applied" in status.stdout
    made = run(
        "user",
        "add",
        "zhou.min",
        "--name",
        "周敏",
        "--role",
        "campaign_manager",
        "--password-stdin",
        stdin="a-long-password\n",
    )
    assert made.returncode == 0, made.stderr
    assert "created user zhou.min" in made.stdout
    again = run(
        "user",
        "add",
        "zhou.min",
        "--name",
        "周敏",
        "--role",
        "campaign_manager",
        "--password-stdin",
        stdin="a-long-password\n",
    )
    assert again.returncode == 2 and "already taken" in again.stderr
    no_branch = run(
        "user",
        "add",
        "am.x",
        "--name",
        "X",
        "--role",
        "account_manager",
        "--password-stdin",
        stdin="a-long-password\n",
    )
    assert no_branch.returncode == 2 and "needs a branch" in no_branch.stderr
