"""A rep whose console is gone: keep the call, record DISCONNECTED, pause the rep.

Each console WebSocket is recorded in `console_connections`. A rep who has used the
console, has none open any more, and whose last one closed at least `grace` ago while they
were ready or working a call is swept: the call (which is never deleted) gets the
DISCONNECTED disposition if nothing was recorded, and the rep goes to paused with the
pause code 'disconnected', never to ready, so no new call is routed to an empty chair.
Reps who work through the API alone never open a console and are never swept.

`sweep_disconnected` and `sweep_wrap_ups` take `now` and the grace period, so tests drive
them directly; `console_background` runs them periodically in the service.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

import asyncpg
import structlog
from aiohttp import web

from campaigns.agents import RepState
from dialer.floor import sessions
from dialer.floor.calls import disposition_of_call
from dialer.floor.dispositions import DISCONNECTED, DispositionInput, record_disposition
from dialer.floor.errors import ConsoleError
from dialer.keys import CLOCK, POOL, SETTINGS
from dialer.settings import Settings
from dialer.sql import load_queries

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.console")

#: how long a console may be gone before the rep is wrapped up and paused (the default of
#: the setting console_disconnect_grace_seconds)
DISCONNECT_GRACE = timedelta(seconds=30)
#: how often the service sweeps
SWEEP_INTERVAL_SECONDS = 5.0
_SWEPT_STATES = ("ready", "reserved", "on_call", "wrap_up")


def disconnect_grace(settings: Settings) -> timedelta:
    """The configured grace period (DIALER_CONSOLE_DISCONNECT_GRACE_SECONDS)."""
    return timedelta(seconds=settings.console_disconnect_grace_seconds)


async def _still_disconnected(connection: asyncpg.Connection, user_id: int) -> bool:
    open_count: int = await connection.fetchval(QUERIES["open_console_count"], user_id)
    return open_count == 0


async def wrap_up_disconnected(connection: asyncpg.Connection, user_id: int, now: datetime) -> bool:
    """Wrap up one rep's call as DISCONNECTED and pause them; False if nothing to do."""
    async with connection.transaction():
        session = await sessions.lock_open_session(connection, user_id)
        if session is None or session["state"] not in _SWEPT_STATES:
            return False
        if not await _still_disconnected(connection, user_id):
            return False
        call_id = session["current_call_attempt_id"]
        if call_id is not None:
            recorded = await disposition_of_call(connection, call_id)
            if recorded is None:
                await connection.execute(
                    QUERIES["ensure_disconnected_code"], session["campaign_id"]
                )
                await record_disposition(
                    connection,
                    user_id,
                    DispositionInput(
                        call_attempt_id=call_id,
                        code=DISCONNECTED,
                        idempotency_key=f"disconnected:{call_id}",
                        note="the rep's console closed during the call",
                    ),
                    now,
                    system=True,
                )
        state = RepState(await connection.fetchval(QUERIES["open_session_state"], user_id))
        if state is RepState.ON_CALL:
            await sessions.set_agent_state(connection, user_id, RepState.WRAP_UP, now)
        elif state is RepState.RESERVED:
            await sessions.set_agent_state(connection, user_id, RepState.READY, now)
        await sessions.set_agent_state(
            connection, user_id, RepState.PAUSED, now, pause_code="disconnected"
        )
    log.info("rep_console_lost", user_id=user_id, call_attempt_id=call_id)
    return True


async def sweep_disconnected(
    pool: asyncpg.Pool, now: datetime, grace: timedelta = DISCONNECT_GRACE
) -> list[int]:
    """Sweep every rep whose console has been gone for `grace`; returns their user ids."""
    rows = await pool.fetch(QUERIES["sessions_to_wrap_up_or_pause"], now - grace)
    swept: list[int] = []
    for row in rows:
        async with pool.acquire() as connection:
            try:
                if await wrap_up_disconnected(connection, row["user_id"], now):
                    swept.append(row["user_id"])
            except ConsoleError as exc:
                log.warning("rep_console_sweep_failed", user_id=row["user_id"], error=str(exc))
    return swept


async def sweep_wrap_ups(pool: asyncpg.Pool, now: datetime) -> list[int]:
    """Return to ready every rep whose wrap-up passed the campaign's maximum after the
    outcome was recorded (to paused, 'phone_lost', a phone-leg rep whose phone left)."""
    rows = await pool.fetch(QUERIES["wrap_ups_over_time"], now)
    done: list[int] = []
    for row in rows:
        async with pool.acquire() as connection:
            try:
                if row["phone_lost"]:
                    await sessions.set_agent_state(
                        connection, row["user_id"], RepState.PAUSED, now, pause_code="phone_lost"
                    )
                else:
                    await sessions.set_agent_state(connection, row["user_id"], RepState.READY, now)
                done.append(row["user_id"])
            except ConsoleError as exc:
                log.info("wrap_up_sweep_skipped", user_id=row["user_id"], error=str(exc))
    return done


async def run_sweeps(
    pool: asyncpg.Pool,
    clock: Callable[[], datetime],
    grace: timedelta = DISCONNECT_GRACE,
    interval: float | None = None,
) -> None:
    """Forever: sweep lost consoles and finished wrap-ups every `interval` seconds
    (default SWEEP_INTERVAL_SECONDS)."""
    interval = SWEEP_INTERVAL_SECONDS if interval is None else interval
    while True:
        try:
            now = clock()
            await sweep_disconnected(pool, now, grace)
            await sweep_wrap_ups(pool, now)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("console_sweep_failed", error=str(exc))
        await asyncio.sleep(interval)


async def console_background(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx for create_app: runs `run_sweeps` while the service is up.

    Wire with `app.cleanup_ctx.append(console_background)` after the database context.
    """

    grace = disconnect_grace(app[SETTINGS])
    task = asyncio.create_task(run_sweeps(app[POOL], app[CLOCK], grace))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
