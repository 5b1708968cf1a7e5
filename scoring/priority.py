"""The order the hopper dials in: one pure function for the live engine and the simulation.

The documented rule: due callbacks first; then the priority; then fairness across lists,
which interleaves the lists a campaign draws from (each list's numbers are ranked 1, 2,
3, … and equal ranks alternate).

The priority is one of three orderings (`Priority`):
- `tier`: higher tier first (diamond, gold, silver), then the number that has waited
  longest since its last attempt (never-attempted first); the lists interleave by the
  rank each number got when it was queued (`fairness_rank`).
- `learned`: the expected value of dialling the number now, P(contact now) × P(warm lead
  | contact) × the segment's value of a lead, from the learned model (scoring.model);
  each list's numbers are ranked by it and the ranks interleave. A share of the places
  (`EXPLORATION_SHARE`) goes to numbers drawn at random, so that the model keeps seeing
  every kind of account at every hour and keeps learning.
- `oracle`: the same expected value from the true probabilities (the simulation only): the
  upper limit the learned ordering is measured against.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

TIERS_HIGHEST_FIRST: tuple[str, ...] = ("diamond", "gold", "silver")
EXPLORATION_SHARE = 0.05


class Priority(StrEnum):
    TIER = "tier"
    LEARNED = "learned"
    ORACLE = "oracle"


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
    """The tier ordering's sort key for one number (smaller sorts first): due callback,
    tier, last attempt (oldest first, never-attempted before all), fairness rank."""
    waited = float("-inf") if last_attempt_at is None else last_attempt_at.timestamp()
    return (0 if callback_due else 1, -tier_priority(tier), waited, fairness_rank)


def expected_value(
    p_contact: NDArray[np.float64],
    p_lead: NDArray[np.float64],
    value_cents: NDArray[np.float64] | float,
) -> NDArray[np.float64]:
    """Expected value of one dial now, in cents: P(contact) × P(lead | contact) × value."""
    return p_contact * p_lead * value_cents


def _rank_within(groups: NDArray[np.int64], order: NDArray[np.int64]) -> NDArray[np.int64]:
    """Given `order` sorted by group first, each row's 0-based rank inside its group."""
    sorted_groups = groups[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    first_of_group = np.repeat(starts, np.diff(np.r_[starts, order.size]))
    ranks = np.empty(order.size, dtype=np.int64)
    ranks[order] = np.arange(order.size) - first_of_group
    return ranks


def dialing_order(
    *,
    callback_due: NDArray[np.bool_],
    list_id: NDArray[np.int64],
    tier_rank: NDArray[np.int64],
    last_attempt: NDArray[np.float64],
    fairness_rank: NDArray[np.int64],
    score: NDArray[np.float64] | None = None,
    explore: NDArray[np.bool_] | None = None,
    limit: int | None = None,
) -> NDArray[np.int64]:
    """The candidates' indices in dialling order (first first).

    tier_rank: `tier_priority` of each number; last_attempt: seconds of the last attempt
    (NaN: never attempted); score: None for the tier ordering, else the expected value of
    a dial now (learned or oracle); explore: the numbers drawn for exploration, which take
    every 1/EXPLORATION_SHARE-th place after the callbacks. limit: only the first `limit`
    places are wanted (the same places, found faster on a long list).
    """
    size = callback_due.shape[0]
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    not_callback = (~callback_due).astype(np.int64)
    if score is None:
        waited = np.where(np.isnan(last_attempt), -np.inf, last_attempt)
        # np.lexsort sorts by the last key first
        return np.lexsort((fairness_rank, waited, -tier_rank, not_callback)).astype(np.int64)
    # one float key per sort (faster than a lexsort): the score scaled into [0, 1)
    scaled = 1.0 - (score - score.min()) / ((score.max() - score.min()) * (1 + 1e-9) or 1.0)
    if limit is not None and size > 4 * limit:
        return _first_places(callback_due, list_id, score, explore, limit, not_callback)
    by_list = np.argsort(list_id * 4.0 + not_callback * 2.0 + scaled, kind="stable")
    list_rank = _rank_within(list_id, by_list)
    order = np.argsort(not_callback * float(2 * size + 2) + list_rank + scaled, kind="stable")
    order = order.astype(np.int64)
    if explore is None or not explore.any():
        return order
    return _interleave_exploration(order, callback_due, explore)


def _first_places(
    callback_due: NDArray[np.bool_],
    list_id: NDArray[np.int64],
    score: NDArray[np.float64],
    explore: NDArray[np.bool_] | None,
    limit: int,
    not_callback: NDArray[np.int64],
) -> NDArray[np.int64]:
    """The scored order's first `limit` places: only callbacks, the numbers drawn for
    exploration and each list's `limit` best can take them, so only those are sorted."""
    keep = callback_due.copy() if explore is None else callback_due | explore
    for group in np.unique(list_id):
        members = np.flatnonzero((list_id == group) & ~keep)
        if members.size > limit:
            members = members[np.argpartition(-score[members], limit)[:limit]]
        keep[members] = True
    subset = np.flatnonzero(keep)
    order = dialing_order(
        callback_due=callback_due[subset],
        list_id=list_id[subset],
        tier_rank=np.zeros(subset.size, dtype=np.int64),
        last_attempt=np.zeros(subset.size),
        fairness_rank=np.zeros(subset.size, dtype=np.int64),
        score=score[subset],
        explore=None if explore is None else explore[subset],
    )
    return subset[order[:limit]]


def _interleave_exploration(
    order: NDArray[np.int64], callback_due: NDArray[np.bool_], explore: NDArray[np.bool_]
) -> NDArray[np.int64]:
    callbacks = order[callback_due[order]]
    rest = order[~callback_due[order]]
    drawn = rest[explore[rest]]
    kept = rest[~explore[rest]]
    step = round(1 / EXPLORATION_SHARE)
    merged = np.empty(rest.size, dtype=np.int64)
    slots = np.arange(step - 1, rest.size, step)[: drawn.size]
    is_drawn = np.zeros(rest.size, dtype=bool)
    is_drawn[slots] = True
    merged[is_drawn] = drawn[: slots.size]
    leftover = np.concatenate([kept, drawn[slots.size :]])
    merged[~is_drawn] = leftover
    return np.concatenate([callbacks, merged])
