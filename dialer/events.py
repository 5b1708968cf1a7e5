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
    def __init__(self, pool: asyncpg.Pool | None = None) -> None:
        self._pool = pool
        self._subscribers: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)
        self._listener: asyncpg.Connection | None = None

    async def start(self) -> None:
        """Listen for events published by other processes."""
        if self._pool is None or self._listener is not None:
            return
        self._listener = await self._pool.acquire()
        await self._listener.add_listener(PG_CHANNEL, self._on_notify)

    async def close(self) -> None:
        if self._listener is not None and self._pool is not None:
            with contextlib.suppress(Exception):
                await self._listener.remove_listener(PG_CHANNEL, self._on_notify)
            await self._pool.release(self._listener)
            self._listener = None

    def _on_notify(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        message = json.loads(payload)
        self._deliver(message["channel"], message["event"])

    def _deliver(self, channel: str, event: dict[str, Any]) -> None:
        for queue in list(self._subscribers.get(channel, ())):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                log.warning(
                    "event_dropped_slow_subscriber", channel=channel, kind=event.get("kind")
                )

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        if self._listener is not None and self._pool is not None:
            # NOTIFY reaches every listening process, this one included
            await self._pool.execute(
                "SELECT pg_notify($1, $2)",
                PG_CHANNEL,
                json.dumps({"channel": channel, "event": event}, default=str),
            )
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


def agent_channel(user_id: int) -> str:
    return f"agent:{user_id}"


def campaign_channel(campaign_id: int) -> str:
    return f"campaign:{campaign_id}"


def branch_channel(branch_id: int) -> str:
    return f"branch:{branch_id}"
