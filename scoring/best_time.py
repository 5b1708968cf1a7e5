"""Best time to call: a retry goes into the account's best predicted local hour.

The retry policy (campaigns.retry) says the earliest a number may be dialled again; this
module picks, among the hours from then to `horizon_hours` later in which the number may
be dialled (the calling window and the campaign's shift), the one with the highest
predicted contact probability, a small penalty per hour of delay breaking near-ties in
favour of the earlier. Times are seconds on a week-aligned clock: 0 is a Monday 00:00 UTC.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

HOURS_PER_WEEK = 168
DEFAULT_HORIZON_HOURS = 72
# logit points given up per hour of waiting: a slot must be clearly better to wait a day
DELAY_PENALTY_PER_HOUR = 0.01


def open_hours_of_week(
    *,
    utc_offset_hours: float,
    window_local: tuple[int, int],
    shift_utc_hours: NDArray[np.bool_],
) -> NDArray[np.bool_]:
    """Which of the week's 168 UTC hours the account may be dialled in: its local calling
    window and the centre's shift (`shift_utc_hours`, 168 booleans)."""
    utc = np.arange(HOURS_PER_WEEK)
    local = (utc + int(math.floor(utc_offset_hours))) % 24
    start, end = window_local
    return shift_utc_hours & (local >= start) & (local < end)


def best_retry_at(
    earliest: float,
    *,
    hourly_logit: NDArray[np.float64],
    weekday_logit: NDArray[np.float64],
    utc_offset_hours: float,
    open_hours: NDArray[np.bool_],
    horizon_hours: int = DEFAULT_HORIZON_HOURS,
) -> float:
    """When to dial again: `earliest`, or the start of a better open hour within the
    horizon (hourly_logit: the account's contact logit by local hour 0..23; weekday_logit:
    by local weekday, Monday 0). With no open hour in the horizon: `earliest`."""
    first = int(earliest // 3600)
    hours = np.arange(first, first + horizon_hours + 1)
    usable = open_hours[hours % HOURS_PER_WEEK]
    if not usable.any():
        return earliest
    local = hours + int(math.floor(utc_offset_hours))
    value = (
        hourly_logit[local % 24]
        + weekday_logit[(local // 24) % 7]
        - DELAY_PENALTY_PER_HOUR * (hours - first)
    )
    value = np.where(usable, value, -np.inf)
    best = int(hours[int(np.argmax(value))])
    return earliest if best == first else best * 3600.0
