"""API tokens: issued to oneself (at most DIALER_API_TOKENS_PER_USER live ones, each for
DIALER_API_TOKEN_DAYS), listed and revoked by their owner or an admin (audited)."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web
from pydantic import BaseModel, Field

from dialer import auth
from dialer.http import (
    ALL_ROLES,
    Problem,
    Role,
    Routes,
    json_response,
    path_int,
    read_body,
    read_query,
)
from dialer.keys import SETTINGS, now_of, pool_of

routes = Routes()


class NewToken(BaseModel):
    label: str = Field(default="", max_length=100)


class IssuedToken(BaseModel):
    token: str
    expires_at: datetime


class TokenQuery(BaseModel):
    user_id: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="admins: one user's tokens (default: all)"
    )


class TokenView(BaseModel):
    token_id: int
    user_id: int
    username: str
    label: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenList(BaseModel):
    tokens: list[TokenView]


@routes.route(
    "POST",
    "/api/v1/tokens",
    roles=ALL_ROLES,
    summary="Issue an API token for yourself (shown once; expires; a limited number live).",
    body=NewToken,
    response=IssuedToken,
)
async def post_token(request: web.Request) -> web.Response:
    body = await read_body(request, NewToken)
    settings = request.app[SETTINGS]
    now = now_of(request)
    lifetime = timedelta(days=settings.api_token_days)
    try:
        token = await auth.issue_api_token(
            pool_of(request),
            auth.current_user(request).user_id,
            body.label,
            now=now,
            lifetime=lifetime,
            limit=settings.api_tokens_per_user,
        )
    except auth.TokenLimitReached as exc:
        raise Problem(
            409,
            "Too many API tokens",
            f"You hold {settings.api_tokens_per_user} live tokens: revoke one first.",
        ) from exc
    return json_response(IssuedToken(token=token, expires_at=now + lifetime), status=201)


@routes.route(
    "GET",
    "/api/v1/tokens",
    roles=ALL_ROLES,
    summary="Your API tokens (admins: everyone's, or one user's), never the secrets.",
    query=TokenQuery,
    response=TokenList,
)
async def list_tokens(request: web.Request) -> web.Response:
    query = read_query(request, TokenQuery)
    user = auth.current_user(request)
    whose = query.user_id if user.role is Role.ADMIN else user.user_id
    rows = await pool_of(request).fetch(auth.QUERIES["list_tokens"], whose)
    return json_response(TokenList(tokens=[TokenView(**dict(row)) for row in rows]))


@routes.route(
    "DELETE",
    "/api/v1/tokens/{token_id}",
    roles=ALL_ROLES,
    summary="Revoke an API token: yours, or anyone's for an admin (audited).",
    response=TokenView,
)
async def revoke_token(request: web.Request) -> web.Response:
    token_id = path_int(request, "token_id")
    user = auth.current_user(request)
    pool = pool_of(request)
    now = now_of(request)
    async with pool.acquire() as connection, connection.transaction():
        owner = await connection.fetchrow(auth.QUERIES["token_owner"], token_id)
        if owner is None or (user.role is not Role.ADMIN and owner["user_id"] != user.user_id):
            raise Problem(404, "Not found", f"No token {token_id} of yours.")
        if owner["revoked_at"] is None:
            await connection.execute(auth.QUERIES["revoke_token"], token_id, now)
            await connection.execute(
                auth.QUERIES["audit_token"],
                now,
                user.user_id,
                token_id,
                {"owner_user_id": owner["user_id"]},
            )
        rows = await connection.fetch(auth.QUERIES["list_tokens"], owner["user_id"])
    (shown,) = [TokenView(**dict(r)) for r in rows if r["token_id"] == token_id]
    return json_response(shown)
