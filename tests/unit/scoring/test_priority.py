"""The hopper's one ordering function: callbacks first, tier rule, scores, fairness, exploration."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from scoring.priority import (
    EXPLORATION_SHARE,
    dialing_order,
    dialing_order_key,
    expected_value,
    tier_priority,
)


def _arrays(n: int, seed: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    last = rng.random(n) * 1e6
    last[rng.random(n) < 0.3] = np.nan
    return {
        "callback_due": rng.random(n) < 0.05,
        "list_id": rng.integers(0, 3, n),
        "tier_rank": rng.integers(1, 4, n),
        "last_attempt": last,
        "fairness_rank": rng.permutation(n),
    }


def test_tier_order_is_the_documented_key() -> None:
    columns = _arrays(500)
    order = dialing_order(**columns)
    tiers = {3: "diamond", 2: "gold", 1: "silver"}
    keys = [
        dialing_order_key(
            callback_due=bool(columns["callback_due"][i]),
            tier=tiers[int(columns["tier_rank"][i])],
            fairness_rank=int(columns["fairness_rank"][i]),
            last_attempt_at=None
            if np.isnan(columns["last_attempt"][i])
            else datetime.fromtimestamp(float(columns["last_attempt"][i]), UTC),
        )
        for i in range(500)
    ]
    assert [keys[i] for i in order] == sorted(keys)
    assert tier_priority("diamond") == 3 and tier_priority("platinum") == 0


def test_scored_order_puts_callbacks_first_then_interleaves_lists_by_score() -> None:
    columns = _arrays(600)
    score = np.random.default_rng(9).random(600)
    order = dialing_order(**columns, score=score)
    callbacks = int(columns["callback_due"].sum())
    assert columns["callback_due"][order[:callbacks]].all()
    assert not columns["callback_due"][order[callbacks:]].any()
    rest = order[callbacks:]
    for list_id in range(3):
        mine = rest[columns["list_id"][rest] == list_id]
        # inside each list: highest expected value first
        assert np.all(np.diff(score[mine]) <= 0)
    # fairness: in any 30 places after the callbacks no list takes more than its third plus
    # the callbacks it already had (their places count as the list's ranks)
    head = columns["list_id"][rest[:300]]
    counts = np.bincount(head, minlength=3)
    assert counts.max() - counts.min() <= callbacks


def test_exploration_takes_every_twentieth_place() -> None:
    n = 2000
    columns = _arrays(n)
    columns["callback_due"] = np.zeros(n, dtype=bool)
    score = np.linspace(1.0, 2.0, n)
    explore = np.random.default_rng(4).random(n) < EXPLORATION_SHARE
    order = dialing_order(**columns, score=score, explore=explore)
    step = round(1 / EXPLORATION_SHARE)
    head = order[: step * 20]
    drawn_places = np.flatnonzero(explore[head])
    assert list(drawn_places) == list(range(step - 1, step * 20, step))
    assert sorted(order.tolist()) == list(range(n))
    # the places not drawn keep each list's order by expected value
    exploit = order[~explore[order]][:300]
    for list_id in range(3):
        mine = exploit[columns["list_id"][exploit] == list_id]
        assert mine.size > 50 and np.all(np.diff(score[mine]) < 0)


def test_expected_value_is_the_product() -> None:
    value = expected_value(np.array([0.5]), np.array([0.2]), np.array([10_000.0]))
    assert value[0] == 1000.0
    assert (
        dialing_order(
            callback_due=np.zeros(0, dtype=bool),
            list_id=np.zeros(0, dtype=np.int64),
            tier_rank=np.zeros(0, dtype=np.int64),
            last_attempt=np.zeros(0),
            fairness_rank=np.zeros(0, dtype=np.int64),
        ).size
        == 0
    )


def test_limit_gives_the_same_first_places() -> None:
    n = 5000
    columns = _arrays(n, seed=11)
    score = np.random.default_rng(12).random(n)
    explore = np.random.default_rng(13).random(n) < EXPLORATION_SHARE
    full = dialing_order(**columns, score=score, explore=explore)
    first = dialing_order(**columns, score=score, explore=explore, limit=400)
    assert first.size == 400
    assert np.array_equal(first, full[:400])
