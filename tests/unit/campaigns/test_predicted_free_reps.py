"""The live view's predicted free reps: the free reps now, plus (predictive pacer) each
busy rep's chance of being free when a call launched now would need one."""

from __future__ import annotations

from campaigns.free_reps import predicted_free_reps
from campaigns.pacing import PacingState, make_pacer


def _state(**changes: object) -> PacingState:
    values: dict[str, object] = {"now": 0.0, "logged_in_reps": 6, "ready_reps": 2}
    values.update(changes)
    return PacingState(**values)  # type: ignore[arg-type]


def test_other_pacers_count_the_free_reps_now() -> None:
    pacer = make_pacer("progressive")
    assert predicted_free_reps(pacer, _state(waiting_persons=1)) == 1.0


def test_the_predictive_pacer_adds_busy_reps_about_to_be_free() -> None:
    pacer = make_pacer("predictive")
    for _ in range(200):  # every call lasts 60 s, every wrap-up 10 s
        pacer.observe_talk(60.0)
        pacer.observe_wrap(10.0)
    nearly_done = _state(talking_ages=(55.0, 58.0), wrapping_ages=(9.0,))
    just_started = _state(talking_ages=(1.0, 2.0), wrapping_ages=(0.5,))
    soon = predicted_free_reps(pacer, nearly_done)
    later = predicted_free_reps(pacer, just_started)
    assert 2.0 <= later < soon <= 5.0
    assert soon > 3.0  # the wrap-up ending within the horizon is counted
