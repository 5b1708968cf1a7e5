"""The calls-per-second bucket, driven by a fake clock."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.telephony.call_rate import CallsPerSecondBucket, CallThrottle


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_first_call_goes_at_once_and_the_next_waits_a_second_at_one_cps() -> None:
    bucket = CallsPerSecondBucket(rate=1.0)
    assert bucket.take(0.0) == 0.0
    assert bucket.take(0.0) == pytest.approx(1.0)
    assert bucket.take(0.5) == pytest.approx(0.5)
    assert bucket.take(1.0) == 0.0


def test_an_idle_bucket_does_not_store_more_than_its_burst() -> None:
    bucket = CallsPerSecondBucket(rate=2.0, burst=3)
    for _ in range(3):
        assert bucket.take(1000.0) == 0.0
    assert bucket.take(1000.0) > 0


def test_nonsense_rates_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        CallsPerSecondBucket(rate=0)
    with pytest.raises(ValueError, match="at least one call"):
        CallsPerSecondBucket(rate=1, burst=0.5)


@given(
    rate=st.floats(min_value=0.2, max_value=50),
    arrivals=st.lists(st.floats(min_value=0, max_value=30), min_size=1, max_size=60),
)
def test_no_window_ever_holds_more_calls_than_the_rate_allows(
    rate: float, arrivals: list[float]
) -> None:
    """Callers ask at arbitrary times and retry after the wait they are told; the calls
    granted never exceed burst + rate * window in any window."""
    bucket = CallsPerSecondBucket(rate=rate)
    granted: list[float] = []
    for asked in sorted(arrivals):
        now = max(asked, granted[-1] if granted else asked)
        while (wait := bucket.take(now)) > 0:
            now += wait
        granted.append(now)
    for i in range(len(granted)):
        for j in range(i + 1, len(granted)):
            assert (j - i) <= 1 + (granted[j] - granted[i]) * rate + 1e-6


async def test_the_throttle_paces_concurrent_callers_on_the_injected_clock() -> None:
    clock = FakeClock()
    throttle = CallThrottle(CallsPerSecondBucket(rate=4.0), clock)
    times: list[float] = []

    async def caller() -> None:
        await throttle.acquire()
        times.append(clock.monotonic())

    await asyncio.gather(*(caller() for _ in range(9)))
    assert times == pytest.approx([100.0 + i * 0.25 for i in range(9)])
