"""The live view of one campaign (`/manager/campaigns/{id}`) and its WebSocket.

The WebSocket pushes the floor as it is: every rep's state, lines in flight, dials,
person-answers and abandons, the abandon rate over the regulator's windows against the
campaign's target and cap, the answer rate by hour and the list penetration (one query
for the whole floor, `floor_snapshot`), and each pacing decision the engine publishes on
`campaign:<id>` (launches, predicted free reps). Snapshots are cached per campaign for
`REFRESH_SECONDS` in the process, so any number of viewers cost one query a refresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from aiohttp import WSMsgType, web

from dialer.engine.settings import HOME_TIME_ZONES, UK_DAY, local_midnight
from dialer.events import campaign_channel
from dialer.http import Problem, Routes, path_int
from dialer.keys import EVENTS, FLOOR_VIEWS, now_of, pool_of
from dialer.manager.campaign_pages import MANAGERS, render
from dialer.sql import load_queries

routes = Routes()
QUERIES = load_queries("dialer.manager", "live.sql")
REFRESH_SECONDS = 1.0
#: the regulator's windows: 30 days (Ofcom, the TCPA); UK also the last 24 h and the
#: London day, the stricter counting
WINDOW = timedelta(days=30)
UK_WINDOW = timedelta(hours=24)


def abandon_windows(jurisdiction: str, now: datetime) -> list[datetime]:
    """The starts of the windows the campaign's abandon rate is counted over."""
    if jurisdiction == "UK":
        return [now - UK_WINDOW, local_midnight(now, UK_DAY)]
    return [now - WINDOW]


def _rate(abandons: int, answers: int) -> float:
    return round(abandons / answers, 4) if answers else 0.0


@dataclass
class FloorViews:
    """Each campaign's latest floor snapshot, shared by every viewer in this process."""

    refresh_seconds: float = REFRESH_SECONDS
    _cached: dict[int, tuple[float, dict[str, Any]]] = field(default_factory=dict)
    _locks: dict[int, asyncio.Lock] = field(default_factory=dict)
    #: floor queries run (for the benchmark and the test: one per refresh, not per viewer)
    queries: int = 0

    async def snapshot(
        self, pool: asyncpg.Pool, campaign: asyncpg.Record, now: datetime
    ) -> dict[str, Any]:
        campaign_id = campaign["campaign_id"]
        lock = self._locks.setdefault(campaign_id, asyncio.Lock())
        async with lock:
            # the process's monotonic clock: a cache age, not business time
            cached = self._cached.get(campaign_id)
            if cached is not None and time.monotonic() - cached[0] < self.refresh_seconds:
                return cached[1]
            floor = await floor_snapshot(pool, campaign, now)
            self.queries += 1
            self._cached[campaign_id] = (time.monotonic(), floor)
            return floor


async def floor_snapshot(
    pool: asyncpg.Pool, campaign: asyncpg.Record, now: datetime
) -> dict[str, Any]:
    """The campaign's floor now, from one query."""
    zone_name = campaign["time_zone"] or HOME_TIME_ZONES.get(campaign["jurisdiction"]) or "UTC"
    zone = ZoneInfo(zone_name)
    windows = abandon_windows(campaign["jurisdiction"], now)
    floor: dict[str, Any] = await pool.fetchval(
        QUERIES["floor_snapshot"],
        campaign["campaign_id"],
        now,
        windows,
        local_midnight(now, zone),
        zone_name,
    )
    counted = [{**w, "rate": _rate(w["abandons"], w["person_answers"])} for w in floor["windows"]]
    worst = max(counted, key=lambda w: w["rate"], default=None)
    calls = floor["calls"]
    return {
        **floor,
        "at": now.isoformat(),
        "time_zone": zone_name,
        "windows": counted,
        "abandon": {
            "rate": worst["rate"] if worst else 0.0,
            "since": worst["since"] if worst else None,
            "target": campaign["abandon_target"],
            "cap": campaign["abandon_cap"],
            "lifetime_rate": _rate(calls["abandons"], calls["person_answers"]),
        },
        "reps_by_state": _count_states(floor["reps"]),
    }


def _count_states(reps: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for rep in reps:
        counts[rep["state"]] = counts.get(rep["state"], 0) + 1
    return counts


async def _campaign(request: web.Request) -> asyncpg.Record:
    campaign_id = path_int(request, "campaign_id")
    row = await pool_of(request).fetchrow(QUERIES["live_campaign"], campaign_id)
    if row is None:
        raise Problem(404, "Not found", f"No campaign {campaign_id}.")
    return row


@routes.route(
    "GET",
    "/manager/campaigns/{campaign_id}",
    roles=MANAGERS,
    summary="The campaign's live view.",
    api=False,
)
async def live_page(request: web.Request) -> web.Response:
    campaign = await _campaign(request)
    return render(request, "manager_live.html", campaign=dict(campaign))


@routes.route(
    "GET",
    "/manager/campaigns/{campaign_id}/ws",
    roles=MANAGERS,
    summary="The campaign's floor pushed as it changes (WebSocket).",
    api=False,
)
async def live_socket(request: web.Request) -> web.WebSocketResponse:
    campaign = await _campaign(request)
    socket = web.WebSocketResponse(heartbeat=20)
    await socket.prepare(request)
    views = request.app[FLOOR_VIEWS]
    pool = pool_of(request)

    async def push_floor() -> None:
        floor = await views.snapshot(pool, campaign, now_of(request))
        await socket.send_json({"kind": "floor", "floor": floor})

    async with request.app[EVENTS].subscribe(campaign_channel(campaign["campaign_id"])) as queue:
        reader = asyncio.create_task(_drain(socket))
        try:
            await push_floor()
            while not socket.closed and not reader.done():
                try:
                    event = await asyncio.wait_for(queue.get(), views.refresh_seconds)
                except TimeoutError:
                    await push_floor()
                    continue
                await socket.send_json({"kind": "event", "event": event})
                if event.get("kind") != "pacing":  # a call connected or abandoned
                    await push_floor()
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
            await socket.close()
    return socket


async def _drain(socket: web.WebSocketResponse) -> None:
    """Read (and ignore) what the browser sends, until it closes."""
    async for message in socket:
        if message.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
            break


async def live_background(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the process's floor snapshots."""
    app[FLOOR_VIEWS] = FloorViews()
    yield
