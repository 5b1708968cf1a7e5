from __future__ import annotations

import pytest

from campaigns.governor import AbandonGovernor
from campaigns.pacing import (
    PacingLimits,
    PacingMode,
    PacingState,
    PredictivePacer,
    ProgressivePacer,
    UnknownPacingMode,
    VicidialPacer,
    VicidialSettings,
    apply_limits,
    make_pacer,
)


def state(**fields: object) -> PacingState:
    defaults: dict[str, object] = {"now": 0.0, "logged_in_reps": 10, "ready_reps": 0}
    defaults.update(fields)
    return PacingState(**defaults)  # type: ignore[arg-type]


def test_progressive_places_one_line_per_ready_rep() -> None:
    pacer = ProgressivePacer()
    assert pacer.decide(state(ready_reps=4, ringing_ages=(1.0,))).launch == 3
    assert pacer.decide(state(ready_reps=1, ringing_ages=(1.0, 2.0))).launch == 0


def test_a_fractional_calls_per_second_paces_below_one_call_a_second() -> None:
    half = PacingLimits(calls_per_second=0.5, max_lines_per_rep=4.0)
    assert apply_limits(5, state(ready_reps=10), half) == 1
    # a launch 1.5 s ago: nothing this tick (rounded up to 1 CPS, it would launch again)
    assert apply_limits(5, state(ready_reps=10, launch_ages=(1.5,)), half) == 0
    # 2 s after it, the next one
    assert apply_limits(5, state(ready_reps=10, launch_ages=(2.0,)), half) == 1
    # above one a second, the fraction is never rounded up
    assert apply_limits(9, state(ready_reps=10), PacingLimits(calls_per_second=2.5)) == 2
    two_and_a_half = PacingLimits(calls_per_second=2.5)
    assert apply_limits(9, state(ready_reps=10, launch_ages=(0.2, 1.4)), two_and_a_half) == 1


def test_limits_cap_calls_per_second_and_lines_per_rep() -> None:
    limits = PacingLimits(calls_per_second=5, max_lines_per_rep=2.0)
    assert apply_limits(50, state(ready_reps=10), limits) == 5
    assert apply_limits(50, state(ready_reps=10, launched_last_second=4), limits) == 1
    busy = state(ready_reps=2, talking_ages=(5.0,) * 8, ringing_ages=(1.0,) * 11)
    assert apply_limits(50, busy, limits) == 1
    paused = state(ready_reps=2, paused_reps=8, ringing_ages=(1.0,) * 3)
    assert apply_limits(50, paused, limits) == 1


def test_limits_cap_launches_at_the_providers_concurrent_calls() -> None:
    limits = PacingLimits(calls_per_second=50, max_lines_per_rep=4.0, max_concurrent_calls=12)
    # 3 ringing + 5 talking: 4 more lines before the account's limit
    busy = state(ready_reps=10, talking_ages=(5.0,) * 5, ringing_ages=(1.0,) * 3)
    assert apply_limits(50, busy, limits) == 4
    assert apply_limits(2, busy, limits) == 2
    full = state(ready_reps=10, talking_ages=(5.0,) * 9, ringing_ages=(1.0,) * 3)
    assert apply_limits(50, full, limits) == 0
    # past the limit (it was lowered): nothing, never a negative launch
    assert apply_limits(50, full, PacingLimits(calls_per_second=50, max_concurrent_calls=4)) == 0
    # no limit from the provider: only CPS and lines per rep
    assert apply_limits(50, busy, PacingLimits(calls_per_second=50, max_lines_per_rep=4.0)) == 32
    # every pacer is held by it, whatever it would like to dial ahead
    pacer = PredictivePacer(limits=limits)
    assert pacer.decide(state(ready_reps=10, ringing_ages=(1.0,) * 10)).launch <= 2
    assert ProgressivePacer(limits).decide(busy).launch == 4  # 7 ready reps without a line


def test_unknown_mode_says_which_modes_exist() -> None:
    with pytest.raises(UnknownPacingMode, match="predictive"):
        make_pacer("turbo")
    assert make_pacer("ADAPT_TAPERED").mode is PacingMode.ADAPT_TAPERED


def test_vicidial_ratio_keeps_level_times_agents_lines() -> None:
    pacer = VicidialPacer(PacingMode.RATIO, settings=VicidialSettings(ratio_level=2.0))
    decision = pacer.decide(state(ready_reps=3, talking_ages=(10.0, 20.0), ringing_ages=(1.0,)))
    # goal = round(2.0 x (3 ready + 2 talking)) = 10, in progress = 1 ringing + 2 talking.
    assert decision.launch == 7


def test_vicidial_adapt_raises_level_while_agents_wait_and_hard_limit_brakes() -> None:
    pacer = VicidialPacer(PacingMode.ADAPT_HARD_LIMIT)
    for second in range(31):
        pacer.decide(state(now=float(second), ready_reps=5, ringing_ages=(1.0,) * 5))
    raised = pacer.level
    assert raised > 1.0
    pacer.observe_launch(31.0, 60)
    for second in range(10):
        pacer.observe_person(31.0 + second, second < 3)
    for second in range(31, 47):
        pacer.decide(state(now=float(second), ready_reps=5, ringing_ages=(1.0,) * 5))
    assert pacer.level == 1.0


def _warm_predictive() -> PredictivePacer:
    pacer = PredictivePacer(
        governor=AbandonGovernor(), connect_threshold_seconds=0.0, warmup_dials=10
    )
    for index in range(600):
        answered = index % 10 < 3
        pacer.observe_ring(5.0 + index % 20 if answered else 25.0, answered)
        if answered:
            pacer.observe_screening(0.0, True)
    for index in range(100):
        pacer.observe_talk(100.0 + index)
        pacer.observe_wrap(0.0)
    for second in range(400):
        pacer.governor.record(float(second), abandoned=False)
    return pacer


def test_predictive_warms_up_progressively() -> None:
    pacer = PredictivePacer()
    decision = pacer.decide(state(ready_reps=5))
    assert decision.launch == 5
    assert "warming up" in decision.reason


def test_predictive_overdials_with_free_reps_and_holds_back_when_lines_are_ringing() -> None:
    pacer = _warm_predictive()
    free = pacer.decide(state(now=400.0, ready_reps=5, talking_ages=(10.0,) * 5))
    assert free.launch > 5
    assert free.risk is not None and free.threshold is not None
    assert free.risk <= free.threshold * 1.0001 or free.launch == 5
    crowded = pacer.decide(
        state(now=400.0, ready_reps=5, talking_ages=(10.0,) * 5, ringing_ages=(6.0,) * 40)
    )
    assert crowded.launch == 0


def test_predictive_counts_reps_about_to_finish() -> None:
    pacer = _warm_predictive()
    just_started = pacer.decide(state(now=400.0, ready_reps=0, talking_ages=(1.0,) * 10))
    about_done = pacer.decide(state(now=400.0, ready_reps=0, talking_ages=(195.0,) * 10))
    assert about_done.launch > just_started.launch


def test_predictive_stops_overdialing_once_the_abandon_budget_is_spent() -> None:
    pacer = _warm_predictive()
    before = pacer.decide(state(now=400.0, ready_reps=3, talking_ages=(150.0,) * 7))
    assert before.launch > 3
    for second in range(400, 420):
        pacer.observe_person(float(second), True)
    after = pacer.decide(state(now=420.0, ready_reps=3, talking_ages=(150.0,) * 7))
    assert after.launch == 3


def test_predictive_paces_each_hour_on_its_own_answer_rate() -> None:
    pacer = _warm_predictive()
    # evenings answer twice as often as mornings
    for _ in range(3):
        for index in range(400):
            pacer.observe_ring(8.0, index % 10 < 2, hour=9)
            pacer.observe_ring(8.0, index % 10 < 4, hour=19)
    busy = {"ready_reps": 2, "talking_ages": (60.0,) * 8}
    morning = pacer.decide(state(now=400.0, local_hour=9, **busy))
    evening = pacer.decide(state(now=400.0, local_hour=19, **busy))
    assert morning.launch > evening.launch >= 2
    # without an hour the pacer keeps the hour it last selected, and never reads a clock
    assert pacer.decide(state(now=400.0, **busy)).launch == evening.launch
