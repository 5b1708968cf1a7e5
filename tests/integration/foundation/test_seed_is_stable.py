"""The synthetic brokerage is the same on every run: a digest of what `seed` writes (the
salted password hash aside) is checked in, so a change to the seed is a decision, not an
accident (the demo, the benchmarks and tests count on its rows)."""

from __future__ import annotations

import hashlib
import json

import asyncpg

from dialer.seed import seed

# the rows `seed(accounts=300)` writes, table by table, in a fixed order
TABLES = {
    "branches": "SELECT code, name, time_zone, region FROM branches ORDER BY code",
    "teams": "SELECT name FROM teams ORDER BY team_id",
    "users": (
        "SELECT u.username, u.display_name, u.role::text, b.code, t.name, u.language,"
        " u.is_senior, u.qualification_number, u.registrations, u.audio_leg"
        " FROM users u LEFT JOIN branches b USING (branch_id) LEFT JOIN teams t USING (team_id)"
        " ORDER BY u.user_id"
    ),
    "products": "SELECT * FROM products ORDER BY code",
    "accounts": "SELECT * FROM accounts ORDER BY account_id",
    "account_phones": (
        "SELECT account_id, e164, line_type, region_code, time_zones, priority"
        " FROM account_phones ORDER BY account_id, priority, e164"
    ),
    "consents": (
        "SELECT account_id, purpose, channel, granted_at, revoked_at, source"
        " FROM consents ORDER BY account_id, purpose, channel, granted_at"
    ),
}
GOLDEN = "76fabefc6cda8761070bb8867a571ab0ffe315e693a71d88fad45204c5290813"


async def seeded_digest(pool: asyncpg.Pool) -> str:
    digest = hashlib.sha256()
    for table, query in TABLES.items():
        rows = [list(row.values()) for row in await pool.fetch(query)]
        digest.update(table.encode())
        digest.update(json.dumps(rows, default=str, ensure_ascii=False).encode())
    return digest.hexdigest()


async def test_the_seed_writes_the_same_brokerage_every_time(pool: asyncpg.Pool) -> None:
    counts = await seed(pool, accounts=300)
    assert counts.accounts == 300
    assert await seeded_digest(pool) == GOLDEN
