"""The team's wallboard: every rep's state and time in it, the call they are on, today's
figures against the team's targets; pushed to the team leaders' browsers.

One process-wide `WallboardFeed` reads the whole floor in one query (`floor_board`) when
anything on the floor moves (any event on the event bus, at most once a
`refresh_seconds`) and at least every `idle_seconds` (talk time of live calls, time
logged in), and hands each team's part to the team's open wallboards. The number of
queries does not grow with the number of reps or of open wallboards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg
import structlog
from aiohttp import web

from dialer.clock import Clock
from dialer.console.stats import day_bounds
from dialer.events import EventBus
from dialer.keys import CLOCK, EVENTS, POOL
from dialer.reports.tallies import CENTRE_TIME_ZONE
from dialer.sql import load_queries
from figures.definitions import Figure, FigureValue, Tally, figures_of, over_limit, total
from figures.targets import Targets, mark

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.teamlead")

#: the figures on the wallboard, in the order of its columns
BOARD_FIGURES = (
    Figure.CALLS_PER_HOUR,
    Figure.AVERAGE_TALK_SECONDS,
    Figure.UTILISATION,
    Figure.CONTACTS,
    Figure.WARM_LEADS,
)
#: count figures whose target is per rep: a team's target is that times the reps who worked
_PER_REP = frozenset({Figure.CONTACTS, Figure.WARM_LEADS, Figure.DIALS, Figure.TALK_SECONDS})


def _plain(value: FigureValue) -> int | float | None:
    if isinstance(value, Decimal):
        return float(value)
    return value


def targets_of(raw: Mapping[str, Any] | str | None) -> dict[Figure, Decimal]:
    if raw is None:
        return {}
    if isinstance(raw, str):  # jsonb comes back as text
        raw = json.loads(raw)
    assert isinstance(raw, Mapping)
    return {Figure(key): Decimal(str(value)) for key, value in raw.items()}


def rep_entry(row: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """One rep's line on the board."""
    tally = Tally.of(row)
    values = figures_of(tally)
    targets = targets_of(row["targets"])
    state = row["state"] or "logged_out"
    since: datetime | None = row["state_since"]
    seconds = max(0, int((now - since).total_seconds())) if since else 0
    bridged: datetime | None = row["call_bridged_at"]
    return {
        "user_id": row["user_id"],
        "name": row["display_name"],
        "sub_team": row["sub_team_name"],
        "state": state,
        "pause_code": row["pause_code"],
        "state_since": since.isoformat() if since else None,
        "seconds_in_state": seconds,
        "limit_seconds": row["limit_seconds"],
        "over_limit": over_limit(state, seconds, row["limit_seconds"]),
        "campaign": row["campaign_name"],
        "on_call": state == "on_call",
        "call_since": bridged.isoformat() if bridged and state == "on_call" else None,
        "figures": {f.value: _plain(values[f]) for f in BOARD_FIGURES},
        "marks": {f.value: mark(f, values[f], targets).value for f in BOARD_FIGURES},
    }


def team_summary(
    tallies: list[Tally], targets: Targets, reps: list[dict[str, Any]]
) -> dict[str, Any]:
    worked = sum(1 for t in tallies if t.logged_in_seconds > 0 or t.dials > 0)
    values = figures_of(total(tallies))
    team_targets = {
        f: (target * worked if f in _PER_REP else target) for f, target in targets.items()
    }
    return {
        "reps": len(reps),
        "logged_in": sum(1 for r in reps if r["state"] != "logged_out"),
        "calls_now": sum(1 for r in reps if r["on_call"]),
        "over_limit": sum(1 for r in reps if r["over_limit"]),
        "figures": {f.value: _plain(values[f]) for f in BOARD_FIGURES},
        "targets": {f.value: _plain(team_targets.get(f)) for f in BOARD_FIGURES},
        "marks": {f.value: mark(f, values[f], team_targets).value for f in BOARD_FIGURES},
    }


def board_payloads(rows: list[asyncpg.Record], now: datetime) -> dict[int, dict[str, Any]]:
    """The floor's rows cut into one board per team."""
    by_team: dict[int, list[asyncpg.Record]] = defaultdict(list)
    for row in rows:
        by_team[row["team_id"]].append(row)
    boards: dict[int, dict[str, Any]] = {}
    for team_id, team_rows in by_team.items():
        reps = [rep_entry(row, now) for row in team_rows]
        boards[team_id] = {
            "kind": "wallboard",
            "team_id": team_id,
            "team": team_rows[0]["team_name"],
            "at": now.isoformat(),
            "summary": team_summary(
                [Tally.of(r) for r in team_rows], targets_of(team_rows[0]["targets"]), reps
            ),
            "reps": reps,
        }
    return boards


async def floor_boards(
    executor: asyncpg.Connection | asyncpg.Pool, now: datetime, zone: str = CENTRE_TIME_ZONE
) -> dict[int, dict[str, Any]]:
    """Every team's board, from one query."""
    start, end = day_bounds(now, zone)
    rows = await executor.fetch(QUERIES["floor_board"], start, end, now, zone)
    return board_payloads(rows, now)


class WallboardFeed:
    """The floor read once per refresh for every open wallboard of this process."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        clock: Clock,
        events: EventBus,
        *,
        refresh_seconds: float = 1.0,
        idle_seconds: float = 5.0,
        zone: str = CENTRE_TIME_ZONE,
    ) -> None:
        self._pool = pool
        self._clock = clock
        self._events = events
        self._refresh_seconds = refresh_seconds
        self._idle_seconds = idle_seconds
        self._zone = zone
        self._watchers: dict[int, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)
        self._wake = asyncio.Event()
        self.latest: dict[int, dict[str, Any]] = {}
        self.refreshes = 0

    @contextlib.asynccontextmanager
    async def watch(self, team_id: int) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """The team's boards as they are refreshed (the latest at once, when there is one)."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1)
        self._watchers[team_id].add(queue)
        self._wake.set()
        try:
            yield queue
        finally:
            self._watchers[team_id].discard(queue)
            if not self._watchers[team_id]:
                del self._watchers[team_id]

    async def refresh(self) -> None:
        boards = await floor_boards(self._pool, self._clock(), self._zone)
        self.refreshes += 1
        self.latest = boards
        for team_id, queues in list(self._watchers.items()):
            board = boards.get(team_id)
            if board is None:
                continue
            for queue in list(queues):
                if queue.full():  # a slow browser gets the newest board, not a backlog
                    with contextlib.suppress(asyncio.QueueEmpty):
                        queue.get_nowait()
                queue.put_nowait(board)

    async def _moved(self, tap: asyncio.Queue[tuple[str, dict[str, Any]]]) -> None:
        while True:
            await tap.get()
            self._wake.set()

    async def run(self) -> None:
        async with self._events.tap() as tap:
            listener = asyncio.create_task(self._moved(tap))
            try:
                while True:
                    if not self._watchers:
                        self._wake.clear()
                        await self._wake.wait()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self._idle_seconds)
                    self._wake.clear()
                    if self._watchers:
                        try:
                            await self.refresh()
                        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                            log.warning("wallboard_refresh_failed", error=str(exc))
                    await asyncio.sleep(self._refresh_seconds)
            finally:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener


WALLBOARD: web.AppKey[WallboardFeed] = web.AppKey("wallboard")


async def wallboard_context(app: web.Application) -> AsyncIterator[None]:
    """The web side's wallboard feed, idle until a wallboard is open."""
    feed = WallboardFeed(app[POOL], app[CLOCK], app[EVENTS])
    app[WALLBOARD] = feed
    task = asyncio.create_task(feed.run())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
