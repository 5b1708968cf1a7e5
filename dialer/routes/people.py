"""Who am I, users and API tokens."""

from __future__ import annotations

from typing import Literal

import asyncpg
from aiohttp import web
from pydantic import BaseModel, Field, field_validator

from dialer import auth, login_guard
from dialer.http import ALL_ROLES, Problem, Role, Routes, json_response, path_int, read_body
from dialer.keys import now_of, pool_of
from dialer.settings import require_e164

routes = Routes()


class Me(BaseModel):
    user_id: int
    username: str
    display_name: str
    role: Role
    branch_id: int | None
    team_id: int | None
    language: str


AudioLegChoice = Literal["browser", "phone", "simulated"]


def _require_phone_for_phone_leg(audio_leg: str, phone: str | None) -> None:
    if audio_leg == "phone" and not phone:
        raise Problem(
            422,
            "Invalid request",
            "A rep on the phone audio leg needs a phone number to ring.",
            errors=[{"field": "phone_e164", "message": "required when audio_leg is phone"}],
        )


class NewUser(BaseModel):
    username: str = Field(pattern=r"^[a-z0-9_.-]{2,64}$")
    display_name: str = Field(min_length=1, max_length=100)
    role: Role
    password: str = Field(min_length=10, max_length=200)
    branch_code: str | None = None
    team: str | None = None
    language: str = Field(default="zh", pattern="^(zh|en)$")
    # how the rep hears calls (dialer/console/audio.py); a phone leg needs the phone
    audio_leg: AudioLegChoice = "browser"
    phone_e164: str | None = None

    @field_validator("phone_e164")
    @classmethod
    def _phone_is_e164(cls, value: str | None) -> str | None:
        return None if value is None else require_e164(value)


class UserAudioChange(BaseModel):
    """Change a user's audio leg or phone; a field left out is kept, null clears the phone."""

    audio_leg: AudioLegChoice | None = None
    phone_e164: str | None = None

    @field_validator("phone_e164")
    @classmethod
    def _phone_is_e164(cls, value: str | None) -> str | None:
        return None if value is None else require_e164(value)


class UserAudio(BaseModel):
    user_id: int
    username: str
    audio_leg: AudioLegChoice
    phone_e164: str | None


class CreatedUser(BaseModel):
    user_id: int
    username: str


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
    _require_phone_for_phone_leg(new.audio_leg, new.phone_e164)
    password_hash = await auth.hash_password_off_loop(new.password)  # before the transaction
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
                "INSERT INTO users (username, display_name, role, branch_id, team_id, password_hash,"
                " language, audio_leg, phone_e164)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING user_id",
                new.username,
                new.display_name,
                new.role.value,
                branch_id,
                team_id,
                password_hash,
                new.language,
                new.audio_leg,
                new.phone_e164,
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
    new = await read_body(request, NewUser)
    user_id = await create_user(pool_of(request), new)
    return json_response(CreatedUser(user_id=user_id, username=new.username), status=201)


async def change_user_audio(pool: asyncpg.Pool, user_id: int, change: UserAudioChange) -> UserAudio:
    """Set a user's audio leg and/or phone (fields left out are kept). A logged-in rep's
    new leg takes effect at their next log-in. Raises Problem (404, 422)."""
    async with pool.acquire() as connection, connection.transaction():
        row = await connection.fetchrow(
            "SELECT audio_leg, phone_e164 FROM users WHERE user_id = $1 FOR UPDATE", user_id
        )
        if row is None:
            raise Problem(404, "Not found", f"No user {user_id}.")
        given = change.model_fields_set
        audio_leg = change.audio_leg if change.audio_leg is not None else row["audio_leg"]
        phone = change.phone_e164 if "phone_e164" in given else row["phone_e164"]
        _require_phone_for_phone_leg(audio_leg, phone)
        updated = await connection.fetchrow(
            "UPDATE users SET audio_leg = $2, phone_e164 = $3 WHERE user_id = $1"
            " RETURNING user_id, username, audio_leg, phone_e164",
            user_id,
            audio_leg,
            phone,
        )
    return UserAudio.model_validate(dict(updated))


@routes.route(
    "PATCH",
    "/api/v1/users/{user_id}",
    roles={Role.ADMIN},
    summary="Change a user's audio leg (browser, phone, simulated) or phone number (admin).",
    body=UserAudioChange,
    response=UserAudio,
)
async def patch_user(request: web.Request) -> web.Response:
    change = await read_body(request, UserAudioChange)
    return json_response(
        await change_user_audio(pool_of(request), path_int(request, "user_id"), change)
    )


@routes.route(
    "POST",
    "/api/v1/users/{user_id}/unlock",
    statuses=(200,),
    roles={Role.ADMIN},
    summary="Lift a user's sign-in lockout (after 30 wrong passwords) and backoff; audited.",
)
async def unlock_user(request: web.Request) -> web.Response:
    user_id = path_int(request, "user_id")
    pool = pool_of(request)
    username = await pool.fetchval("SELECT username FROM users WHERE user_id = $1", user_id)
    if username is None:
        raise Problem(404, "Not found", f"No user {user_id}.")
    admin = auth.current_user(request)
    await login_guard.unlock_user(pool, username, admin.user_id, "api", now_of(request))
    return json_response({"user_id": user_id, "username": username, "locked": False})
