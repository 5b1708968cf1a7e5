"""Time constraints and the earliest instant at which all of them are open.

Each constraint is a set of instants at which it lets a call go: a calling window in one
time zone (open intervals per local day, DST-correct), a rolling cap, a per-day cap, a
lock until an instant. Each answers `is_open(at)` and `next_open(at)`, the earliest
instant at or after `at` at which it is open. The earliest instant at which *all* are open
is found by jumping to the latest of their next openings until none moves: every jump
skips only instants at which some constraint is closed, so the first fixed point is the
earliest common instant, exactly (to the second, the resolution of tz transitions).

A local wall time that does not exist (the spring-forward gap) opens at the end of the
gap; a wall time that occurs twice (fall-back) opens at its first occurrence.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from compliance.rules import DailyWindow, WeeklyHours

ONE_SECOND = timedelta(seconds=1)


class TimeConstraint(Protocol):
    rule_id: str

    def is_open(self, at: datetime) -> bool: ...

    def next_open(self, at: datetime, horizon: datetime) -> datetime | None:
        """The earliest instant >= `at` (and <= `horizon`) at which this is open."""
        ...

    def describe(self) -> str: ...

    def closed_because(self, at: datetime) -> str:
        """Why the constraint is closed at `at`, in a campaign manager's words."""
        ...


def first_instant_at_or_after(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The first UTC instant at which the local wall clock in `zone` reads `day wall` or later."""
    naive = datetime.combine(day, wall)
    earlier = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if earlier.astimezone(zone).replace(tzinfo=None) == naive:
        return earlier
    # The wall time falls in a gap: fold=0 reads it with the offset before the transition
    # (an instant after it), fold=1 with the offset after (an instant before it).
    low = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = earlier
    if low > high:
        low, high = high, low
    while high - low > ONE_SECOND:
        middle = low + timedelta(seconds=int((high - low).total_seconds()) // 2)
        if middle.astimezone(zone).replace(tzinfo=None) >= naive:
            high = middle
        else:
            low = middle
    return high


@dataclass
class CallingWindow:
    """Calls allowed in `hours` local time in `zone`, on days `day_off` does not name.

    Before `effective_from` (a local date) the rule is not in force: the day is open.
    """

    rule_id: str
    zone: ZoneInfo
    hours: WeeklyHours
    description: str
    day_off: Callable[[date], str | None] = lambda _day: None
    effective_from: date | None = None
    _intervals: dict[date, tuple[datetime, datetime] | None] = field(default_factory=dict)

    def interval(self, day: date) -> tuple[datetime, datetime] | None:
        """The open interval [start, end) of local date `day`, in UTC, or None."""
        if day not in self._intervals:
            self._intervals[day] = self._compute_interval(day)
        return self._intervals[day]

    def _compute_interval(self, day: date) -> tuple[datetime, datetime] | None:
        window: DailyWindow | None
        if self.effective_from is not None and day < self.effective_from:
            window = DailyWindow(start=time(0), end=None)
        else:
            if self.day_off(day):
                return None
            window = self.hours.days[day.weekday()]
            if window is None:
                return None
        start = first_instant_at_or_after(day, window.start, self.zone)
        if window.end is None:
            end = first_instant_at_or_after(day + timedelta(days=1), time(0), self.zone)
        else:
            end = first_instant_at_or_after(day, window.end, self.zone)
        return (start, end) if start < end else None

    def is_open(self, at: datetime) -> bool:
        local_day = at.astimezone(self.zone).date()
        for offset in (-1, 0, 1):
            interval = self.interval(local_day + timedelta(days=offset))
            if interval is not None and interval[0] <= at < interval[1]:
                return True
        return False

    def next_open(self, at: datetime, horizon: datetime) -> datetime | None:
        day = at.astimezone(self.zone).date() - timedelta(days=1)
        last = horizon.astimezone(self.zone).date() + timedelta(days=1)
        while day <= last:
            interval = self.interval(day)
            if interval is not None and interval[1] > at:
                found = max(interval[0], at)
                return found if found <= horizon else None
            day += timedelta(days=1)
        return None

    def situation(self, at: datetime) -> str:
        """Where the callee's clock stands at `at`: "Sun 07:30 in America/New_York"."""
        local = at.astimezone(self.zone)
        off = self.day_off(local.date())
        in_force = self.effective_from is None or local.date() >= self.effective_from
        if off and in_force:
            return f"{local:%a %d %b} is a day off ({off}) in {self.zone.key}"
        return f"it is {local:%a %H:%M} in {self.zone.key}"

    def describe(self) -> str:
        return f"{self.description} ({self.zone.key})"

    def closed_because(self, at: datetime) -> str:
        return f"{self.description}, but {self.situation(at)}"


@dataclass
class RollingCap:
    """At most `max_attempts` attempts in any window (at - period, at]."""

    rule_id: str
    attempts: Sequence[datetime]
    max_attempts: int
    period: timedelta
    description: str

    def __post_init__(self) -> None:
        self.attempts = sorted(self.attempts)

    def count(self, at: datetime) -> int:
        return bisect_right(self.attempts, at) - bisect_right(self.attempts, at - self.period)

    def is_open(self, at: datetime) -> bool:
        return self.count(at) < self.max_attempts

    def next_open(self, at: datetime, horizon: datetime) -> datetime | None:
        if self.is_open(at):
            return at
        for attempt in self.attempts:
            candidate = attempt + self.period
            if candidate > at and candidate <= horizon and self.is_open(candidate):
                return candidate
        return None

    def describe(self) -> str:
        return self.description

    def closed_because(self, at: datetime) -> str:
        counted = [a for a in self.attempts if at - self.period < a <= at]
        if not counted:
            return self.description
        return (
            f"{self.description}; {len(counted)} were made since "
            f"{min(counted).astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        )


@dataclass
class DailyCap:
    """At most `max_attempts` attempts per local calendar day in `zone`."""

    rule_id: str
    zone: ZoneInfo
    attempts: Sequence[datetime]
    max_attempts: int
    description: str

    def count(self, at: datetime) -> int:
        day = at.astimezone(self.zone).date()
        return sum(1 for a in self.attempts if a <= at and a.astimezone(self.zone).date() == day)

    def is_open(self, at: datetime) -> bool:
        return self.count(at) < self.max_attempts

    def next_open(self, at: datetime, horizon: datetime) -> datetime | None:
        candidate = at
        while candidate <= horizon:
            if self.is_open(candidate):
                return candidate
            next_day = candidate.astimezone(self.zone).date() + timedelta(days=1)
            candidate = first_instant_at_or_after(next_day, time(0), self.zone)
        return None

    def describe(self) -> str:
        return f"{self.description} ({self.zone.key})"

    def closed_because(self, at: datetime) -> str:
        local = at.astimezone(self.zone)
        return f"{self.describe()}; {self.count(at)} were made on {local:%a %d %b}"


@dataclass
class Lock:
    """Closed until `until` (exclusive), open from it on."""

    rule_id: str
    until: datetime
    description: str

    def is_open(self, at: datetime) -> bool:
        return at >= self.until

    def next_open(self, at: datetime, horizon: datetime) -> datetime | None:
        found = max(at, self.until)
        return found if found <= horizon else None

    def describe(self) -> str:
        return self.description

    def closed_because(self, at: datetime) -> str:
        return self.description


@dataclass(frozen=True)
class EarliestOpening:
    at: datetime | None  # None: no common instant before the horizon
    moved_by: tuple[TimeConstraint, ...]  # constraints that were closed on the way


def earliest_common_open(
    constraints: Sequence[TimeConstraint], start: datetime, horizon: datetime
) -> EarliestOpening:
    """The earliest instant >= `start` at which every constraint is open."""
    at = start
    moved: dict[int, TimeConstraint] = {}
    while True:
        latest = at
        for constraint in constraints:
            opening = constraint.next_open(at, horizon)
            if opening is None:
                moved[id(constraint)] = constraint
                return EarliestOpening(None, tuple(moved.values()))
            if opening > at:
                moved[id(constraint)] = constraint
                latest = max(latest, opening)
        if latest == at:
            return EarliestOpening(at, tuple(moved.values()))
        at = latest
