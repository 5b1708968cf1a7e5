"""Calls-per-second throttle: a token bucket that the dialer fills itself.

Twilio does not refuse calls above the account's CPS: it queues them, silently, for up
to a day, so a predictive dialer that over-dials connects people minutes late. The
bucket is pure: the caller passes `now` (monotonic seconds from an injected clock).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Protocol


class Clock(Protocol):
    """Monotonic seconds plus a way to wait; injected so tests and simulations control time."""

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(slots=True)
class CallsPerSecondBucket:
    """`rate` tokens per second, at most `burst` stored. One token per call created."""

    rate: float
    burst: float = 1.0
    _tokens: float = 0.0
    _updated: float | None = None

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise ValueError(f"calls per second must be positive, got {self.rate}")
        if self.burst < 1:
            raise ValueError(f"burst must allow at least one call, got {self.burst}")
        self._tokens = self.burst

    def _refill(self, now: float) -> None:
        if self._updated is not None and now > self._updated:
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        if self._updated is None or now > self._updated:
            self._updated = now

    def take(self, now: float) -> float:
        """Take a token if one is there and return 0.0; otherwise take nothing and return
        how many seconds to wait before asking again."""
        self._refill(now)
        # The epsilon absorbs float rounding: a wait of (1 - tokens) / rate added to a
        # large `now` may refill to 0.9999999999, which must count as a whole token.
        if self._tokens >= 1.0 - 1e-9:
            self._tokens = max(0.0, self._tokens - 1.0)
            return 0.0
        return (1.0 - self._tokens) / self.rate


class CallThrottle:
    """Serialises callers on one bucket: `await throttle.acquire()` before each create."""

    def __init__(self, bucket: CallsPerSecondBucket, clock: Clock) -> None:
        self._bucket = bucket
        self._clock = clock
        self._lock = asyncio.Lock()

    @property
    def calls_per_second(self) -> float:
        return self._bucket.rate

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                wait = self._bucket.take(self._clock.monotonic())
                if wait <= 0:
                    return
                await self._clock.sleep(wait)
