"""Live events pushed to consoles: a call connected to a rep, a state changed, a lead arrived.

Channels are strings: `agent:<user_id>`, `campaign:<campaign_id>`, `branch:<branch_id>`.
`EventBus` fans events out to subscribers in this process. With a pool it also goes
through PostgreSQL NOTIFY on one channel, so an event published by the engine in one
process reaches a rep's WebSocket served by another.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import structlog

log = structlog.get_logger(__name__)

PG_CHANNEL = "dialer_events"
_QUEUE_SIZE = 256


class EventBus:
    def __init__(self, pool: asyncpg.Pool | None = None, *, retry_seconds: float = 1.0) -> None:
        self._pool = pool
        self._subscribers: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)
        self._taps: set[asyncio.Queue[tuple[str, dict[str, Any]]]] = set()
        self._listener: asyncpg.Connection | None = None
        self._started = False
        self._retry_seconds = retry_seconds
        self._reconnecting: asyncio.Task[None] | None = None

    @property
    def listening(self) -> bool:
        return self._listener is not None

    async def start(self) -> None:
        """Listen for events published by other processes (again after the database
        comes back, when the listening connection is lost)."""
        if self._pool is None or self._started:
            return
        self._started = True
        await self._listen()

    async def _listen(self) -> None:
        assert self._pool is not None
        connection = await self._pool.acquire()
        try:
            await connection.add_listener(PG_CHANNEL, self._on_notify)
        except BaseException:
            await self._pool.release(connection)
            raise
        connection.add_termination_listener(self._on_connection_lost)
        self._listener = connection

    def _on_connection_lost(self, connection: object) -> None:
        if connection is not self._listener:
            return
        self._listener = None
        log.warning("event_bus_listener_lost")
        if self._started and (self._reconnecting is None or self._reconnecting.done()):
            self._reconnecting = asyncio.get_running_loop().create_task(self._relisten())

    async def _relisten(self) -> None:
        while self._started and self._listener is None:
            try:
                await self._listen()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
                await asyncio.sleep(self._retry_seconds)
            else:
                log.info("event_bus_listener_restored")

    async def close(self) -> None:
        self._started = False
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnecting
        if self._listener is not None and self._pool is not None:
            listener, self._listener = self._listener, None
            with contextlib.suppress(Exception):
                listener.remove_termination_listener(self._on_connection_lost)
                await listener.remove_listener(PG_CHANNEL, self._on_notify)
            with contextlib.suppress(Exception):
                await self._pool.release(listener)

    def _on_notify(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        message = json.loads(payload)
        self._deliver(message["channel"], message["event"])

    def _deliver(self, channel: str, event: dict[str, Any]) -> None:
        for tap in list(self._taps):
            with contextlib.suppress(asyncio.QueueFull):  # a tap only needs to know "something"
                tap.put_nowait((channel, event))
        for queue in list(self._subscribers.get(channel, ())):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                log.warning(
                    "event_dropped_slow_subscriber", channel=channel, kind=event.get("kind")
                )

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        if self._started and self._pool is not None:
            # NOTIFY reaches every listening process, this one included
            await self._pool.execute(
                "SELECT pg_notify($1, $2)",
                PG_CHANNEL,
                json.dumps({"channel": channel, "event": event}, default=str),
            )
            if self._listener is None:  # this process is not listening just now
                self._deliver(channel, event)
        else:
            self._deliver(channel, event)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(_QUEUE_SIZE)
        self._subscribers[channel].add(queue)
        try:
            yield queue
        finally:
            self._subscribers[channel].discard(queue)
            if not self._subscribers[channel]:
                del self._subscribers[channel]

    @contextlib.asynccontextmanager
    async def tap(self) -> AsyncIterator[asyncio.Queue[tuple[str, dict[str, Any]]]]:
        """Every event on every channel, as (channel, event): for a process-wide view such
        as the wallboard, which refreshes when anything on the floor moves."""
        queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(_QUEUE_SIZE)
        self._taps.add(queue)
        try:
            yield queue
        finally:
            self._taps.discard(queue)


def agent_channel(user_id: int) -> str:
    return f"agent:{user_id}"


def campaign_channel(campaign_id: int) -> str:
    return f"campaign:{campaign_id}"


def branch_channel(branch_id: int) -> str:
    return f"branch:{branch_id}"
