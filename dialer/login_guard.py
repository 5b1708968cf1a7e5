"""What stands before a password check: the sign-in form's single-use CSRF token (bound to
the pre-login session), throttling per username and per address with backoff, and the
lockout after 30 wrong passwords that an admin lifts (audited).

Every state lives in PostgreSQL (`login_forms`, `login_throttle`, `users.locked_at`), so
any number of web processes share it. Time is the caller's `now`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import asyncpg

from dialer.sql import load_queries

QUERIES = load_queries("dialer", "login_guard.sql")

#: wrong passwords for one username before each next try must wait (1 s, 2 s, 4 s …)
FREE_USER_FAILURES = 5
#: failures from one address (any usernames) before it must wait
FREE_ADDRESS_FAILURES = 20
#: wrong passwords that lock an account until an admin unlocks it
LOCK_AFTER_FAILURES = 30
MAX_BACKOFF = timedelta(minutes=15)
#: failures older than this are forgotten (the count starts again)
FORGET_AFTER = timedelta(hours=24)
#: how long a sign-in form stays valid
FORM_LIFETIME = timedelta(hours=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_key(username: str) -> str:
    return "user:" + username


def address_key(address: str) -> str:
    return "addr:" + address


def backoff(failures: int, free: int) -> timedelta:
    """How long the next try waits after `failures` in a row: none while within `free`,
    then 1 s doubling to MAX_BACKOFF."""
    if failures <= free:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(failures - free - 1, 20)), MAX_BACKOFF)


async def new_login_form(pool: asyncpg.Pool, now: datetime) -> tuple[str, str]:
    """A pre-login session (its cookie) and the form's token bound to it."""
    pre_session = secrets.token_urlsafe(24)
    token = secrets.token_urlsafe(24)
    async with pool.acquire() as connection:
        await connection.execute(QUERIES["forget_expired_forms"], now)
        await connection.execute(
            QUERIES["insert_login_form"], _digest(pre_session), _digest(token), now + FORM_LIFETIME
        )
    return pre_session, token


async def use_login_form(pool: asyncpg.Pool, pre_session: str, token: str, now: datetime) -> bool:
    """Whether `token` is the live form token of this pre-login session; used up either way."""
    if not pre_session or not token:
        return False
    expected = await pool.fetchval(QUERIES["use_login_form"], _digest(pre_session), now)
    return expected is not None and secrets.compare_digest(expected, _digest(token))


async def wait_until(
    pool: asyncpg.Pool, username: str, address: str, now: datetime
) -> datetime | None:
    """When this username or address may try again, if not now."""
    until: datetime | None = await pool.fetchval(
        QUERIES["blocked_until"], [user_key(username), address_key(address)], now
    )
    return until


async def record_failure(
    pool: asyncpg.Pool, username: str, address: str, user_id: int | None, now: datetime
) -> bool:
    """Count a wrong password against the username and the address; lock a known account
    at LOCK_AFTER_FAILURES (audited). Whether the account is now locked."""
    async with pool.acquire() as connection, connection.transaction():
        failures = 0
        for key, free in (
            (user_key(username), FREE_USER_FAILURES),
            (address_key(address), FREE_ADDRESS_FAILURES),
        ):
            count: int = await connection.fetchval(
                QUERIES["count_failure"], key, now, now - FORGET_AFTER
            )
            await connection.execute(QUERIES["set_blocked_until"], key, now + backoff(count, free))
            if key.startswith("user:"):
                failures = count
        if user_id is None or failures < LOCK_AFTER_FAILURES:
            return False
        locked = await connection.fetchval(QUERIES["lock_user"], user_id, now)
        if locked:
            await connection.execute(
                QUERIES["audit"],
                now,
                None,
                "login_locked",
                user_id,
                {"failures": failures, "address": address},
            )
        return True


async def record_success(pool: asyncpg.Pool, username: str) -> None:
    await pool.execute(QUERIES["forget_key"], user_key(username))


async def unlock_user(
    pool: asyncpg.Pool, username: str, actor_user_id: int | None, via: str, now: datetime
) -> bool:
    """Lift a lockout (and the username's backoff); audited. False for an unknown user."""
    async with pool.acquire() as connection, connection.transaction():
        row = await connection.fetchrow(QUERIES["unlock_user"], username)
        if row is None:
            return False
        await connection.execute(QUERIES["forget_key"], user_key(username))
        await connection.execute(
            QUERIES["audit"],
            now,
            actor_user_id,
            "login_unlocked",
            row["user_id"],
            {
                "via": via,
                "was_locked_at": row["was_locked_at"].isoformat() if row["was_locked_at"] else None,
            },
        )
    return True
