"""Scorecards score by weight with must-pass items; sampling takes every must-review call
and a random share per rep, reproducibly."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.qa_scorecards import DEFAULT_SCORECARD, SampleCandidate, sample_calls

KEYS = [item.key for item in DEFAULT_SCORECARD.items]


def test_a_review_scores_the_weight_passed_and_a_failed_must_pass_is_zero() -> None:
    everything = dict.fromkeys(KEYS, True)
    assert DEFAULT_SCORECARD.score(everything) == (Decimal(1), False)
    assert DEFAULT_SCORECARD.score(everything | {"courtesy": False}) == (Decimal("0.85"), False)
    assert DEFAULT_SCORECARD.score(everything | {"risk_warning": False}) == (Decimal(0), True)
    with pytest.raises(ValueError, match="missing"):
        DEFAULT_SCORECARD.score({"identity": True})


@given(st.dictionaries(st.sampled_from(KEYS), st.booleans(), min_size=len(KEYS)))
def test_the_score_is_a_share_and_passing_more_never_lowers_it(passed: dict[str, bool]) -> None:
    score, failed = DEFAULT_SCORECARD.score(passed)
    assert Decimal(0) <= score <= Decimal(1)
    for key in KEYS:
        if not passed[key]:
            better, _ = DEFAULT_SCORECARD.score(passed | {key: True})
            assert better >= score
    assert failed == any(not passed[i.key] for i in DEFAULT_SCORECARD.items if i.must_pass)


@given(
    st.lists(st.tuples(st.integers(1, 4), st.booleans()), max_size=40),
    st.sampled_from([Decimal("0"), Decimal("0.1"), Decimal("0.25"), Decimal("1")]),
)
def test_sampling_takes_every_must_review_call_and_the_share_per_rep(
    calls: list[tuple[int, bool]], share: Decimal
) -> None:
    candidates = [
        SampleCandidate(n, rep, ("warm_lead",) if warm else ())
        for n, (rep, warm) in enumerate(calls, start=1)
    ]
    chosen = sample_calls(candidates, random_share=share, seed="2026-12-07")
    assert chosen == sample_calls(candidates, random_share=share, seed="2026-12-07")
    warm = {c.call_attempt_id for c in candidates if c.must_review}
    assert {call for call, _rep, reason in chosen if reason == "warm_lead"} == warm
    for rep in {c.rep_user_id for c in candidates}:
        others = [c for c in candidates if c.rep_user_id == rep and not c.must_review]
        drawn = [call for call, r, reason in chosen if r == rep and reason == "random"]
        assert len(drawn) == math.ceil(len(others) * share)
        assert set(drawn) <= {c.call_attempt_id for c in others}
