"""A small brokerage for lead tests: branches, people, customers, a campaign, products."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import pytest

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


async def make_branch(pool: asyncpg.Pool, code: str, policy: str = "manual") -> int:
    branch_id: int = await pool.fetchval(
        "INSERT INTO branches (code, name, lead_assignment) VALUES ($1, $1, $2) RETURNING branch_id",
        code,
        policy,
    )
    return branch_id


async def make_user(
    pool: asyncpg.Pool,
    username: str,
    role: str,
    *,
    branch_id: int | None = None,
    team_id: int | None = None,
    active: bool = True,
) -> int:
    user_id: int = await pool.fetchval(
        "INSERT INTO users (username, display_name, role, branch_id, team_id, password_hash, active)"
        " VALUES ($1, $1, $2, $3, $4, 'not-a-real-hash', $5) RETURNING user_id",
        username,
        role,
        branch_id,
        team_id,
        active,
    )
    return user_id


async def make_account(
    pool: asyncpg.Pool, name: str, branch_id: int | None, manager_id: int | None = None
) -> int:
    account_id: int = await pool.fetchval(
        "INSERT INTO accounts (name, segment, branch_id, account_manager_id)"
        " VALUES ($1, $2, $3, $4) RETURNING account_id",
        name,
        "lapsed" if manager_id else "orphan",
        branch_id,
        manager_id,
    )
    return account_id


@dataclass
class Brokerage:
    pool: asyncpg.Pool
    branch_a: int
    branch_b: int
    rep: int
    campaign: int
    advisory: int
    fund: int

    async def account_managers(self, branch_id: int, prefix: str, count: int) -> list[int]:
        return [
            await make_user(self.pool, f"{prefix}{i}", "account_manager", branch_id=branch_id)
            for i in range(count)
        ]


@pytest.fixture
async def brokerage(pool: asyncpg.Pool) -> Brokerage:
    branch_a = await make_branch(pool, "BR-A", "manual")
    branch_b = await make_branch(pool, "BR-B", "manual")
    team = await pool.fetchval("INSERT INTO teams (name) VALUES ('Team 1') RETURNING team_id")
    rep = await make_user(pool, "rep1", "telesales_rep", team_id=team)
    advisory = await pool.fetchval(
        "INSERT INTO products (code, name, risk_level, kind) VALUES ('ADV', 'Advisory', 'R2', 'advisory')"
        " RETURNING product_id"
    )
    fund = await pool.fetchval(
        "INSERT INTO products (code, name, risk_level, kind) VALUES ('FUND', 'Fund', 'R3', 'fund')"
        " RETURNING product_id"
    )
    campaign = await pool.fetchval(
        "INSERT INTO campaigns (name, purpose, product_id) VALUES ('Win back', 'marketing', $1)"
        " RETURNING campaign_id",
        advisory,
    )
    return Brokerage(pool, branch_a, branch_b, rep, campaign, advisory, fund)
