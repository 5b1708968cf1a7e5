"""What every command that works on the database sets up the same way: the settings (which
also configure logging), a small pool on the configured database, and the wall clock."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import asyncpg

from dialer import db
from dialer.clock import Clock, system_clock
from dialer.logs import configure_logging
from dialer.settings import Settings, load_settings

T = TypeVar("T")


@dataclass(frozen=True)
class CommandContext:
    """A running command's settings, pool and clock."""

    settings: Settings
    pool: asyncpg.Pool
    clock: Clock = system_clock

    def now(self) -> datetime:
        return self.clock()


def configured_settings() -> Settings:
    """The settings, with logging configured from them (only entry points configure it)."""
    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    return settings


@asynccontextmanager
async def database_pool(settings: Settings, *, max_size: int) -> AsyncIterator[asyncpg.Pool]:
    """A pool on the configured database (the embedded one started if that is the setting)."""
    url = await asyncio.to_thread(db.resolve_database_url, settings.database_url, settings.data_dir)
    async with db.pool_for(url, min_size=1, max_size=max_size) as pool:
        yield pool


@asynccontextmanager
async def command_context(*, max_size: int = 2) -> AsyncIterator[CommandContext]:
    settings = configured_settings()
    async with database_pool(settings, max_size=max_size) as pool:
        yield CommandContext(settings=settings, pool=pool)


def run_with_database(action: Callable[[CommandContext], Awaitable[T]], *, max_size: int = 2) -> T:
    """Run ``action`` once with a fresh command context, in its own event loop."""

    async def run() -> T:
        async with command_context(max_size=max_size) as context:
            return await action(context)

    return asyncio.run(run())


def run_refusing(
    command: Coroutine[Any, Any, int], refusals: tuple[type[Exception], ...], prefix: str
) -> int:
    """Run ``command`` to its exit code; a refusal ends it with exit code 2 and
    ``prefix`` + its message on stderr."""
    try:
        return asyncio.run(command)
    except refusals as refusal:
        print(f"{prefix}{refusal}", file=sys.stderr)
        return 2


def parse_or_exit_code(
    parser: argparse.ArgumentParser, argv: Sequence[str]
) -> argparse.Namespace | int:
    """The parsed arguments, or the exit code argparse asked for (``--help``, bad flags)."""
    try:
        return parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)


def firm_time_zone(prog: str, name: str) -> ZoneInfo | None:
    """The time zone called ``name``, or None after saying on stderr that it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        print(
            f"{prog}: error: unknown time zone {name!r}: use an IANA name such as Asia/Shanghai",
            file=sys.stderr,
        )
        return None
