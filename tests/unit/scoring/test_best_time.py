"""Best time to call: a retry lands in the best predicted open hour, never outside one."""

from __future__ import annotations

import numpy as np

from scoring.best_time import HOURS_PER_WEEK, best_retry_at, open_hours_of_week

# a centre open 12:00-20:00 Eastern (17:00-01:00 UTC), Monday to Friday
SHIFT = np.zeros(HOURS_PER_WEEK, dtype=bool)
for day in range(5):
    for hour in range(17, 25):
        SHIFT[(day * 24 + hour) % HOURS_PER_WEEK] = True


def curve(peak: int) -> np.ndarray:
    hours = np.arange(24)
    return -2.0 + 1.5 * np.exp(-((hours - peak) ** 2) / 2.0)


def test_open_hours_follow_window_and_shift() -> None:
    pacific = open_hours_of_week(utc_offset_hours=-8, window_local=(8, 21), shift_utc_hours=SHIFT)
    # Pacific local = UTC - 8: the shift is 09:00-17:00 local, all inside the window
    assert pacific.sum() == SHIFT.sum()
    eastern = open_hours_of_week(utc_offset_hours=-5, window_local=(8, 19), shift_utc_hours=SHIFT)
    # 19:00 Eastern (00:00 UTC) is outside an 8-19 window
    assert eastern.sum() == SHIFT.sum() - 5


def test_a_retiree_is_retried_next_morning_not_two_hours_later() -> None:
    pacific = open_hours_of_week(utc_offset_hours=-8, window_local=(8, 21), shift_utc_hours=SHIFT)
    # Monday 13:00 Pacific = Monday 21:00 UTC: earliest retry 15:00 local
    earliest = (21 + 2) * 3600.0
    at = best_retry_at(
        earliest,
        hourly_logit=curve(10),
        weekday_logit=np.zeros(7),
        utc_offset_hours=-8,
        open_hours=pacific,
    )
    local_hour = int(at // 3600 - 8) % 24
    assert local_hour == 10 and at > earliest
    assert pacific[int(at // 3600) % HOURS_PER_WEEK]


def test_earliest_kept_when_it_is_already_the_best_hour() -> None:
    eastern = open_hours_of_week(utc_offset_hours=-5, window_local=(8, 21), shift_utc_hours=SHIFT)
    earliest = (24 + 19 + 5) * 3600.0 + 600  # Tuesday 19:10 Eastern
    at = best_retry_at(
        earliest,
        hourly_logit=curve(19),
        weekday_logit=np.zeros(7),
        utc_offset_hours=-5,
        open_hours=eastern,
    )
    assert at == earliest


def test_no_open_hour_in_the_horizon_keeps_earliest() -> None:
    closed = np.zeros(HOURS_PER_WEEK, dtype=bool)
    assert (
        best_retry_at(
            1234.0,
            hourly_logit=curve(10),
            weekday_logit=np.zeros(7),
            utc_offset_hours=0,
            open_hours=closed,
        )
        == 1234.0
    )
