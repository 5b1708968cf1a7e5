"""What the console's route modules share: routes for reps, summed up by their handlers'
docstrings, and a floor error as the API's problem (title from the error's docstring,
detail from its message)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
from aiohttp import web

from dialer.floor.errors import CallbackRefused, ConsoleError
from dialer.http import Handler, Problem, Role, Routes
from dialer.keys import pool_of

REPS = {Role.TELESALES_REP}


class RepRoutes(Routes):
    """The console's routes: open to telesales reps, each summed up (in the OpenAPI
    document) by the first line of its handler's docstring."""

    def rep(self, method: str, path: str, **options: Any) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            summary = (handler.__doc__ or "").strip().split("\n")[0]
            return self.route(method, path, roles=REPS, summary=summary, **options)(handler)

        return register


def problem_of(exc: ConsoleError, language: str = "en") -> Problem:
    title = (exc.__doc__ or type(exc).__name__).strip().split("\n")[0]
    if isinstance(exc, CallbackRefused) and language == "zh":
        return Problem(exc.status, title, exc.message_zh)
    return Problem(exc.status, title, str(exc))


@contextlib.asynccontextmanager
async def floor_connection(
    request: web.Request, language: str = "en"
) -> AsyncIterator[asyncpg.Connection]:
    """A connection for one action on the floor; a refusal becomes the API's problem."""
    async with pool_of(request).acquire() as connection:
        try:
            yield connection
        except ConsoleError as exc:
            raise problem_of(exc, language) from exc
