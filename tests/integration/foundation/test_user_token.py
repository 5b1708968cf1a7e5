"""`dialer user token USERNAME [--label L]`: a new API token for scripts, from the CLI."""

import asyncio
import subprocess

from dialer.http import Role
from tests.helpers import make_user, run_dialer


def _dialer(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_dialer(*args, env_extra={"DATABASE_URL": db_url})


async def test_user_token_prints_a_token_the_api_accepts(db_url, pool, client):
    await make_user(pool, Role.CAMPAIGN_MANAGER, "zhou.min")
    made = await asyncio.to_thread(_dialer, db_url, "user", "token", "zhou.min", "--label", "cron")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("dlr_") and "\n" not in token
    label = await pool.fetchval(
        "SELECT t.label FROM api_tokens t JOIN users u USING (user_id) WHERE u.username = $1",
        "zhou.min",
    )
    assert label == "cron"

    answer = await client.get("/api/v1/campaigns", headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 200
    assert "campaigns" in await answer.json()
    # a role the user does not have is still refused
    refused = await client.get(
        "/api/v1/console/session", headers={"Authorization": f"Bearer {token}"}
    )
    assert refused.status == 403


async def test_user_token_refuses_an_unknown_or_inactive_user(db_url, pool):
    unknown = await asyncio.to_thread(_dialer, db_url, "user", "token", "nobody")
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "dialer: error: there is no user nobody"
    assert unknown.stdout == ""

    user_id = await make_user(pool, Role.TELESALES_REP, "left.firm")
    await pool.execute("UPDATE users SET active = false WHERE user_id = $1", user_id)
    inactive = await asyncio.to_thread(_dialer, db_url, "user", "token", "left.firm")
    assert inactive.returncode == 2
    assert "inactive" in inactive.stderr and len(inactive.stderr.strip().splitlines()) == 1
    assert await pool.fetchval("SELECT count(*) FROM api_tokens") == 0
