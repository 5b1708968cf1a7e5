"""The shared carrier budget's arithmetic: a token bucket within the concurrent calls."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dialer.runtime.leases import dial_grant


def grant(wanted: int, **overrides: float) -> tuple[int, float]:
    figures = {
        "tokens": 0.0,
        "elapsed_seconds": 1.0,
        "calls_per_second": 5.0,
        "burst": 5.0,
        "live_calls": 0,
        "unwritten_grants": 0,
        "max_concurrent_calls": 100,
    }
    figures.update(overrides)
    return dial_grant(wanted, **figures)  # type: ignore[arg-type]


def test_the_bucket_refills_at_the_rate_up_to_the_burst() -> None:
    assert grant(10, elapsed_seconds=0.4) == (2, 0.0)
    assert grant(10, elapsed_seconds=60) == (5, 0.0)  # never more than one burst at once
    assert grant(3, elapsed_seconds=60) == (3, 2.0)  # what is not taken stays


def test_a_fractional_rate_keeps_its_fraction() -> None:
    granted, left = grant(1, calls_per_second=0.5, burst=1.0, elapsed_seconds=1.0)
    assert (granted, left) == (0, 0.5)
    assert grant(1, calls_per_second=0.5, burst=1.0, tokens=0.5, elapsed_seconds=1.0)[0] == 1


def test_live_calls_and_unwritten_grants_hold_back_the_concurrent_limit() -> None:
    assert grant(5, live_calls=98)[0] == 2
    assert grant(5, live_calls=97, unwritten_grants=2)[0] == 1
    assert grant(5, live_calls=97, unwritten_grants=-4)[0] == 3  # extra attempts: no credit
    assert grant(5, live_calls=120)[0] == 0  # over the limit: nothing, never negative


@given(
    wanted=st.integers(0, 50),
    tokens=st.floats(0, 10),
    elapsed=st.floats(0, 10),
    live=st.integers(0, 120),
    unwritten=st.integers(-20, 20),
)
def test_a_grant_never_exceeds_any_limit(
    wanted: int, tokens: float, elapsed: float, live: int, unwritten: int
) -> None:
    granted, left = grant(
        wanted, tokens=tokens, elapsed_seconds=elapsed, live_calls=live, unwritten_grants=unwritten
    )
    assert 0 <= granted <= wanted
    assert granted <= min(5.0, tokens + 5.0 * elapsed)
    assert live + max(0, unwritten) + granted <= max(100, live + max(0, unwritten))
    assert left >= 0
