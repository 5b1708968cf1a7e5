"""The event loop's lag: how late a timer fires, as a gauge and a warning.

A web process answers the carrier's webhooks on one event loop; anything CPU-bound on it
(a spreadsheet, a password hash) delays every answer. This monitor sleeps a fixed
interval and measures how much later than asked it woke: that overshoot is the lag.
It is exported as `dialer_event_loop_lag_seconds` (the latest) and
`dialer_event_loop_lag_max_seconds` (the worst since start) and logged when over the
threshold (100 ms by default).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog
from aiohttp import web
from prometheus_client import Gauge, Histogram

from dialer.keys import LOOP_LAG_MONITOR

log = structlog.get_logger(__name__)

LOOP_LAG = Gauge("dialer_event_loop_lag_seconds", "How late the event loop's last timer fired")
LOOP_LAG_MAX = Gauge(
    "dialer_event_loop_lag_max_seconds", "The latest the event loop's timer fired since start"
)
LOOP_LAG_SECONDS = Histogram(
    "dialer_event_loop_lag_histogram_seconds",
    "How late the event loop's timers fired",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)

INTERVAL_SECONDS = 0.25
WARN_OVER_SECONDS = 0.1


class LoopLagMonitor:
    def __init__(
        self, interval: float = INTERVAL_SECONDS, warn_over: float = WARN_OVER_SECONDS
    ) -> None:
        self.interval = interval
        self.warn_over = warn_over
        self.worst = 0.0
        self.last = 0.0
        self._task: asyncio.Task[None] | None = None

    def observe(self, lag: float) -> None:
        self.last = max(0.0, lag)
        self.worst = max(self.worst, self.last)
        LOOP_LAG.set(self.last)
        LOOP_LAG_MAX.set(self.worst)
        LOOP_LAG_SECONDS.observe(self.last)
        if self.last > self.warn_over:
            log.warning("event_loop_lag", lag_ms=round(self.last * 1000, 1))

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            # the loop's own monotonic clock: this measures the process, not the business
            started = loop.time()
            await asyncio.sleep(self.interval)
            self.observe(loop.time() - started - self.interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="loop-lag-monitor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def loop_lag_context(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the monitor runs as long as the app."""
    monitor = LoopLagMonitor()
    monitor.start()
    app[LOOP_LAG_MONITOR] = monitor
    yield
    await monitor.stop()
