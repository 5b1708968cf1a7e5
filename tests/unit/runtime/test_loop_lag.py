"""The event-loop lag monitor sees a blocked loop, exports it and warns over 100 ms."""

from __future__ import annotations

import asyncio
import time

import structlog

from dialer.runtime.loop_lag import LOOP_LAG, LOOP_LAG_MAX, LoopLagMonitor


async def test_a_loop_blocked_for_300_ms_is_seen_as_lag_and_logged() -> None:
    monitor = LoopLagMonitor(interval=0.02, warn_over=0.1)
    with structlog.testing.capture_logs() as logs:
        monitor.start()
        await asyncio.sleep(0.05)  # the monitor is sleeping on its timer
        time.sleep(0.3)  # CPU-bound work on the loop, as a spreadsheet parse would be
        await asyncio.sleep(0.1)
        await monitor.stop()
    assert monitor.worst >= 0.25
    assert LOOP_LAG_MAX._value.get() >= 0.25  # the gauge scraped on /metrics
    warnings = [entry for entry in logs if entry["event"] == "event_loop_lag"]
    assert warnings and max(entry["lag_ms"] for entry in warnings) >= 250


async def test_an_idle_loop_is_not_reported() -> None:
    monitor = LoopLagMonitor(interval=0.02, warn_over=10.0)
    with structlog.testing.capture_logs() as logs:
        monitor.start()
        await asyncio.sleep(0.1)
        await monitor.stop()
    assert monitor.last < 10.0 and LOOP_LAG._value.get() < 10.0
    assert not [entry for entry in logs if entry["event"] == "event_loop_lag"]


def test_observe_keeps_the_worst_and_never_a_negative_lag() -> None:
    monitor = LoopLagMonitor(warn_over=1.0)
    monitor.observe(0.2)
    monitor.observe(-0.001)  # a timer that fired a hair early
    assert monitor.last == 0.0 and monitor.worst == 0.2
