"""The order the hopper dials in, until a learned score replaces it.

The documented rule: due callbacks first; then the priority: higher tier first (diamond,
gold, silver), then the number that has waited longest since its last attempt
(never-attempted first); then fairness across lists, which interleaves the lists a
campaign draws from (each list's numbers are ranked 1, 2, 3, … and equal ranks alternate).
"""

from __future__ import annotations

from datetime import datetime

TIERS_HIGHEST_FIRST: tuple[str, ...] = ("diamond", "gold", "silver")


def tier_priority(tier: str) -> int:
    """Diamond 3, gold 2, silver 1; an unknown tier 0."""
    try:
        return len(TIERS_HIGHEST_FIRST) - TIERS_HIGHEST_FIRST.index(tier)
    except ValueError:
        return 0


def dialing_order_key(
    *,
    callback_due: bool,
    tier: str,
    fairness_rank: int,
    last_attempt_at: datetime | None,
) -> tuple[int, int, float, int]:
    """The sort key the hopper's SQL implements (smaller sorts first): due callback, tier,
    last attempt (oldest first, never-attempted before all), fairness rank."""
    waited = float("-inf") if last_attempt_at is None else last_attempt_at.timestamp()
    return (0 if callback_due else 1, -tier_priority(tier), waited, fairness_rank)
