"""The only place the service reads the wall clock. Everything else is handed `now`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def shifted_clock(start: datetime, wall: Clock = system_clock) -> Clock:
    """A clock that reads `start` now and runs at wall speed from there.

    The demo uses it to run a campaign inside the callees' calling hours whatever the hour
    on the machine: every rule is still applied, to the time this clock says.
    """
    offset = start - wall()

    def now() -> datetime:
        return wall() + offset

    return now


def offset_clock(seconds: float, wall: Clock = system_clock) -> Clock:
    """The wall clock moved by a fixed number of seconds: every process given the same
    offset (DIALER_CLOCK_OFFSET_SECONDS) reads the same time, so leases and heartbeats
    agree across them. For rehearsals and tests outside the callees' calling hours."""
    if not seconds:
        return wall
    shift = timedelta(seconds=seconds)

    def now() -> datetime:
        return wall() + shift

    return now
