"""Helpers shared by tests: people with roles, and their API tokens."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import asyncpg

from dialer import auth
from dialer.http import Role

PASSWORD = "correct-horse-battery"
_HASH = auth.hash_password(PASSWORD)


async def ensure_branch(pool: asyncpg.Pool, code: str = "TB01") -> int:
    branch_id: int = await pool.fetchval(
        "INSERT INTO branches (code, name) VALUES ($1, $1 || ' branch')"
        " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name RETURNING branch_id",
        code,
    )
    return branch_id


async def ensure_team(pool: asyncpg.Pool, name: str = "Team A") -> int:
    team_id: int = await pool.fetchval(
        "INSERT INTO teams (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name"
        " RETURNING team_id",
        name,
    )
    return team_id


async def make_user(
    pool: asyncpg.Pool,
    role: Role,
    username: str | None = None,
    *,
    branch_code: str = "TB01",
    language: str = "en",
) -> int:
    branch_id = (
        await ensure_branch(pool, branch_code)
        if role in (Role.BRANCH_MANAGER, Role.ACCOUNT_MANAGER)
        else None
    )
    team_id = await ensure_team(pool) if role in (Role.TELESALES_REP, Role.TEAM_LEADER) else None
    user_id: int = await pool.fetchval(
        "INSERT INTO users (username, display_name, role, branch_id, team_id, password_hash, language)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING user_id",
        username or role.value.replace("_", "-"),
        (username or role.value).title(),
        role.value,
        branch_id,
        team_id,
        _HASH,
        language,
    )
    return user_id


async def token_headers(pool: asyncpg.Pool, user_id: int) -> dict[str, str]:
    # long-lived and unlimited: tests run on clocks of their own, and mint many
    token = await auth.issue_api_token(
        pool, user_id, "test", lifetime=timedelta(days=3650), limit=10_000
    )
    return {"Authorization": "Bearer " + token}


async def headers_for(
    pool: asyncpg.Pool, role: Role, username: str | None = None
) -> dict[str, str]:
    return await token_headers(pool, await make_user(pool, role, username))


def run_dialer(
    *args: str, env_extra: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """`dialer ARGS...` in a child process, with none of this process's DIALER_ settings
    or DATABASE_URL (only env_extra's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIALER_", "DATABASE_URL"))}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "dialer.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
