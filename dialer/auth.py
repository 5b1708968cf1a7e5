"""Who is asking, and may they: passwords, console sessions, API tokens, CSRF.

Consoles use a session cookie (HttpOnly, SameSite=Lax) whose token is stored hashed; every
state-changing request made with that cookie must carry the session's CSRF token (form
field `csrf_token` or header `X-CSRF-Token`). Scripts use `Authorization: Bearer <token>`.
Every route declares its roles (`dialer.http.Routes.route`); a route that declares none is
refused to everybody, so forgetting to declare fails closed.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

import asyncpg
from aiohttp import web
from aiohttp.typedefs import Middleware
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from dialer.clock import system_clock
from dialer.http import PUBLIC, BodyClass, Handler, Problem, Role, read_form, spec_for
from dialer.sql import load_queries

SESSION_COOKIE = "dialer_session"
LOGIN_CSRF_COOKIE = "dialer_login_csrf"
QUERIES = load_queries("dialer", "auth.sql")
_hasher = PasswordHasher()


class AuthError(Exception):
    """Authentication failed."""


@dataclass(frozen=True)
class CurrentUser:
    user_id: int
    username: str
    display_name: str
    role: Role
    branch_id: int | None
    team_id: int | None
    language: str
    csrf_token: str | None  # set for cookie sessions only


USER_KEY: web.RequestKey[CurrentUser] = web.RequestKey("current_user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# argon2 is CPU-bound by design (~50-100 ms a hash): it runs on these threads, never on
# the event loop that answers the carrier's webhooks (argon2's C code releases the GIL);
# two at a time, so a burst of sign-ins queues here instead of taking every core
_ARGON2_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")


class VerifySlots:
    """The sign-ins of one web process verifying a password at once, at most `cap`: a
    sign-in past the cap is refused at once (the caller answers 503 with Retry-After)
    rather than queued behind hundreds of argon2 verifications at a shift start."""

    def __init__(self) -> None:
        self.in_use = 0

    def try_take(self, cap: int) -> bool:
        if self.in_use >= cap:
            return False
        self.in_use += 1
        return True

    def give_back(self) -> None:
        self.in_use -= 1


#: this process's sign-ins verifying a password (one event loop: no lock needed)
VERIFY_SLOTS = VerifySlots()


async def hash_password_off_loop(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(
        _ARGON2_THREADS, hash_password, password
    )


async def verify_password_off_loop(password_hash: str, password: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(
        _ARGON2_THREADS, verify_password, password_hash, password
    )


@functools.cache
def _unknown_user_hash() -> str:
    """A hash to verify against when the username is unknown: made once, so an unknown
    user costs one verification, as a known one does (no probing usernames by timing)."""
    return hash_password(secrets.token_urlsafe(16))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user(row: asyncpg.Record, csrf: str | None) -> CurrentUser:
    return CurrentUser(
        user_id=row["user_id"],
        username=row["username"],
        display_name=row["display_name"],
        role=Role(row["role"]),
        branch_id=row["branch_id"],
        team_id=row["team_id"],
        language=row["language"],
        csrf_token=csrf,
    )


@dataclass(frozen=True)
class PasswordCheck:
    """One sign-in's verdict: who signed in (None: refused), and whose account the
    username names (None: no active user by that name)."""

    user_id: int | None
    account_user_id: int | None


async def authenticate_password(pool: asyncpg.Pool, username: str, password: str) -> PasswordCheck:
    """Exactly one argon2 verification whatever the username: unknown, locked, wrong or
    right (no probing usernames or lockouts by timing). A locked account is refused even
    with the right password."""
    row = await pool.fetchrow(QUERIES["user_password"], username)
    if row is None:
        await verify_password_off_loop(await _unknown_user_hash_off_loop(), password)
        return PasswordCheck(None, None)
    user_id = int(row["user_id"])
    verified = await verify_password_off_loop(row["password_hash"], password)
    return PasswordCheck(user_id if verified and not row["locked"] else None, user_id)


async def _unknown_user_hash_off_loop() -> str:
    if _unknown_user_hash.cache_info().currsize:
        return _unknown_user_hash()
    return await asyncio.get_running_loop().run_in_executor(_ARGON2_THREADS, _unknown_user_hash)


async def open_session(
    pool: asyncpg.Pool, user_id: int, now: datetime, max_age: timedelta
) -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    await pool.execute(
        QUERIES["insert_session"],
        _digest(token),
        user_id,
        csrf,
        now,
        now + max_age,
    )
    return token, csrf


async def close_session(pool: asyncpg.Pool, token: str) -> None:
    await pool.execute(QUERIES["delete_session"], _digest(token))


#: how long a token lives unless the settings say otherwise (DIALER_API_TOKEN_DAYS)
DEFAULT_TOKEN_LIFETIME = timedelta(days=90)
#: live tokens a user may hold (DIALER_API_TOKENS_PER_USER)
DEFAULT_TOKENS_PER_USER = 10
#: last_used_at is written at most this often per token (not on every request)
_LAST_USED_PRECISION = timedelta(minutes=1)


class TokenLimitReached(Exception):
    """The user already holds as many live API tokens as allowed: revoke one first."""


async def issue_api_token(
    pool: asyncpg.Pool,
    user_id: int,
    label: str = "",
    *,
    now: datetime | None = None,
    lifetime: timedelta = DEFAULT_TOKEN_LIFETIME,
    limit: int = DEFAULT_TOKENS_PER_USER,
) -> str:
    """A new token for the user, shown once (stored hashed); TokenLimitReached when they
    hold `limit` live ones. `now` defaults to the system clock (the CLI's edge)."""
    at = now or system_clock()
    token = "dlr_" + secrets.token_urlsafe(32)
    made = await pool.fetchval(
        QUERIES["insert_api_token"], user_id, _digest(token), label, at, at + lifetime, limit
    )
    if made is None:
        raise TokenLimitReached(f"user {user_id} already holds {limit} live API tokens")
    return token


async def user_by_username(pool: asyncpg.Pool, username: str) -> tuple[int, bool] | None:
    """The user's id and whether they are active; None for an unknown username."""
    row = await pool.fetchrow(QUERIES["user_by_username"], username)
    return (int(row["user_id"]), bool(row["active"])) if row else None


async def user_for_session(pool: asyncpg.Pool, token: str, now: datetime) -> CurrentUser | None:
    row = await pool.fetchrow(
        QUERIES["user_for_session"],
        _digest(token),
        now,
    )
    return _user(row, row["csrf_token"]) if row else None


async def user_for_api_token(pool: asyncpg.Pool, token: str, now: datetime) -> CurrentUser | None:
    """The user of a live token (not revoked, not expired); its last use is noted."""
    row = await pool.fetchrow(QUERIES["user_for_api_token"], _digest(token), now)
    if row is None:
        return None
    if row["last_used_at"] is None or now - row["last_used_at"] >= _LAST_USED_PRECISION:
        await pool.execute(QUERIES["token_used"], row["token_id"], now)
    return _user(row, None)


def current_user(request: web.Request) -> CurrentUser:
    user: CurrentUser | None = request.get(USER_KEY)
    if user is None:
        raise Problem(401, "Not signed in", "Sign in or send an API token.")
    return user


_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def make_auth_middleware(
    pool_of: Callable[[web.Request], asyncpg.Pool], clock: Callable[[], datetime]
) -> Middleware:
    @web.middleware
    async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        spec = spec_for(request)
        if spec is None:
            # aiohttp's own routes (static files, 404/405): nothing to protect
            return await handler(request)
        if spec.roles == PUBLIC:
            return await handler(request)
        user: CurrentUser | None = None
        authorization = request.headers.get("Authorization", "")
        if authorization.startswith("Bearer "):
            user = await user_for_api_token(pool_of(request), authorization[7:].strip(), clock())
            if user is None:
                raise Problem(401, "Invalid API token", "The token is unknown, expired or revoked.")
        elif (cookie := request.cookies.get(SESSION_COOKIE)) is not None:
            user = await user_for_session(pool_of(request), cookie, clock())
        if user is None:
            if not spec.api and request.method == "GET":
                raise web.HTTPFound("/login?" + urlencode({"next": request.path_qs}))
            raise Problem(401, "Not signed in", "Sign in or send an API token.")
        if user.role not in spec.roles:
            raise Problem(
                403,
                "Forbidden",
                f"This needs one of the roles {sorted(r.value for r in spec.roles)}; "
                f"you are {user.role.value}.",
            )
        if request.method in _UNSAFE and user.csrf_token is not None and not spec.csrf_exempt:
            sent = request.headers.get("X-CSRF-Token")
            # an upload streams its body to disk: its token comes in the header only
            if (
                sent is None
                and spec.body_class is not BodyClass.UPLOAD
                and request.content_type
                in (
                    "application/x-www-form-urlencoded",
                    "multipart/form-data",
                )
            ):
                sent = str((await read_form(request)).get("csrf_token", ""))
            if not sent or not secrets.compare_digest(sent, user.csrf_token):
                raise Problem(403, "CSRF check failed", "Reload the page and try again.")
        request[USER_KEY] = user
        return await handler(request)

    return auth_middleware
