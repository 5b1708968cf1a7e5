"""Who am I, users and API tokens."""

from __future__ import annotations

import asyncpg
from aiohttp import web
from pydantic import BaseModel, Field

from dialer import auth
from dialer.http import ALL_ROLES, Problem, Role, Routes, json_response, read_body

routes = Routes()


class Me(BaseModel):
    user_id: int
    username: str
    display_name: str
    role: Role
    branch_id: int | None
    team_id: int | None
    language: str


class NewUser(BaseModel):
    username: str = Field(pattern=r"^[a-z0-9_.-]{2,64}$")
    display_name: str = Field(min_length=1, max_length=100)
    role: Role
    password: str = Field(min_length=10, max_length=200)
    branch_code: str | None = None
    team: str | None = None
    language: str = Field(default="zh", pattern="^(zh|en)$")


class CreatedUser(BaseModel):
    user_id: int
    username: str


class NewToken(BaseModel):
    label: str = Field(default="", max_length=100)


class IssuedToken(BaseModel):
    token: str


@routes.route("GET", "/api/v1/me", roles=ALL_ROLES, summary="The signed-in user.", response=Me)
async def me(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    return json_response(
        Me(
            user_id=user.user_id,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            branch_id=user.branch_id,
            team_id=user.team_id,
            language=user.language,
        )
    )


async def create_user(pool: asyncpg.Pool, new: NewUser) -> int:
    """Create a user; branch and team are named by code/name. Raises Problem on a clash."""
    async with pool.acquire() as connection, connection.transaction():
        branch_id = None
        if new.branch_code:
            branch_id = await connection.fetchval(
                "SELECT branch_id FROM branches WHERE code = $1", new.branch_code
            )
            if branch_id is None:
                raise Problem(
                    422,
                    "Invalid request",
                    errors=[{"field": "branch_code", "message": "no such branch"}],
                )
        team_id = None
        if new.team:
            team_id = await connection.fetchval(
                "INSERT INTO teams (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name"
                " RETURNING team_id",
                new.team,
            )
        try:
            user_id: int = await connection.fetchval(
                "INSERT INTO users (username, display_name, role, branch_id, team_id, password_hash, language)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING user_id",
                new.username,
                new.display_name,
                new.role.value,
                branch_id,
                team_id,
                auth.hash_password(new.password),
                new.language,
            )
        except asyncpg.UniqueViolationError as exc:
            raise Problem(
                409, "Conflict", errors=[{"field": "username", "message": "already taken"}]
            ) from exc
        except asyncpg.CheckViolationError as exc:
            field, message = {
                "users_branch_roles_have_branch": ("branch_code", "this role needs a branch"),
                "users_reps_have_team": ("team", "this role needs a team"),
            }.get(exc.constraint_name or "", ("body", str(exc)))
            raise Problem(
                422, "Invalid request", errors=[{"field": field, "message": message}]
            ) from exc
    return user_id


@routes.route(
    "POST",
    "/api/v1/users",
    roles={Role.ADMIN},
    summary="Create a user (admin).",
    body=NewUser,
    response=CreatedUser,
)
async def post_user(request: web.Request) -> web.Response:
    from dialer.app import pool_of

    new = await read_body(request, NewUser)
    user_id = await create_user(pool_of(request), new)
    return json_response(CreatedUser(user_id=user_id, username=new.username), status=201)


@routes.route(
    "POST",
    "/api/v1/tokens",
    roles=ALL_ROLES,
    summary="Issue an API token for yourself (shown once).",
    body=NewToken,
    response=IssuedToken,
)
async def post_token(request: web.Request) -> web.Response:
    from dialer.app import pool_of

    body = await read_body(request, NewToken)
    token = await auth.issue_api_token(
        pool_of(request), auth.current_user(request).user_id, body.label
    )
    return json_response(IssuedToken(token=token), status=201)
