"""The abandon budget and the exposure cap: the regulator's count over plain numbers."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from campaigns.abandon_budget import WindowCounts, abandon_budget, exposure_cap


def test_the_budget_is_what_the_target_still_allows() -> None:
    assert abandon_budget([WindowCounts(persons=0, abandoned=0)], target=0.025) == 0
    # floor(2.5% of 80) = 2, one already spent
    assert abandon_budget([WindowCounts(persons=80, abandoned=1)], target=0.025) == 1
    # spent beyond the target: no budget, never a negative one
    assert abandon_budget([WindowCounts(persons=80, abandoned=5)], target=0.025) == 0


def test_the_strictest_window_decides() -> None:
    day = WindowCounts(persons=1000, abandoned=3)  # 25 - 3
    last_hours = WindowCounts(persons=200, abandoned=3)  # 5 - 3
    assert abandon_budget([day, last_hours], target=0.025) == 2


def test_estimated_amd_false_positives_count_as_persons_and_abandoned() -> None:
    # UK-A1: 1000 machine verdicts at 1% are 10 estimated persons, all abandoned:
    # floor(2.5% of 410 - 10) = floor(0.25) = 0 allowed
    window = WindowCounts(persons=400, abandoned=0, machine_verdicts=1000)
    assert abandon_budget([window], target=0.025, amd_false_positive_rate=0.01) == 0
    assert abandon_budget([window], target=0.025) == 10


@given(
    persons=st.integers(0, 100_000),
    abandoned=st.integers(0, 5_000),
    machines=st.integers(0, 100_000),
    rate=st.sampled_from([0.0, 0.001, 0.01, 0.05]),
)
def test_spending_the_budget_keeps_the_estimated_rate_within_the_target(
    persons: int, abandoned: int, machines: int, rate: float
) -> None:
    abandoned = min(abandoned, persons)
    window = WindowCounts(persons=persons, abandoned=abandoned, machine_verdicts=machines)
    budget = abandon_budget([window], target=0.025, amd_false_positive_rate=rate)
    assert budget >= 0
    if budget:
        false_positives = rate * machines
        spent = abandoned + budget + false_positives
        assert spent <= 0.025 * (persons + false_positives) + 1e-9
        # and one more would not fit
        assert (
            math.floor(0.025 * (persons + false_positives) - false_positives) - abandoned == budget
        )


def test_a_launch_within_the_budget_is_left_as_it_is() -> None:
    # 20 calls for 10 ready reps: 10 could be abandoned, and 10 may
    assert exposure_cap(20, progressive=10, calls_in_flight=0, ready_reps=10, budget=10) == 20


def test_a_launch_beyond_the_budget_shrinks_to_fit() -> None:
    assert exposure_cap(20, progressive=10, calls_in_flight=0, ready_reps=10, budget=8) == 18
    # 2 ringing + launch - 2 ready may all abandon: with a budget of 2, launch at most 2
    assert exposure_cap(9, progressive=0, calls_in_flight=2, ready_reps=2, budget=2) == 2


def test_the_cap_never_goes_below_one_line_per_ready_rep() -> None:
    assert exposure_cap(20, progressive=10, calls_in_flight=0, ready_reps=10, budget=0) == 10
    assert exposure_cap(9, progressive=0, calls_in_flight=8, ready_reps=2, budget=1) == 0


@given(
    launch=st.integers(1, 200),
    progressive=st.integers(0, 100),
    in_flight=st.integers(0, 100),
    ready=st.integers(0, 100),
    budget=st.integers(0, 100),
)
def test_the_capped_exposure_fits_the_budget_or_is_progressive(
    launch: int, progressive: int, in_flight: int, ready: int, budget: int
) -> None:
    if launch <= progressive:
        return
    capped = exposure_cap(
        launch, progressive=progressive, calls_in_flight=in_flight, ready_reps=ready, budget=budget
    )
    assert progressive <= capped <= launch
    assert in_flight + capped - ready <= budget or capped == progressive
