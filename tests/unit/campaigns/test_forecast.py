"""The what-if planner's core: the fewest reps that dial a list out by the deadline, found
by simulating the real pacer in virtual time."""

from __future__ import annotations

from datetime import date, timedelta

from campaigns.forecast import CampaignBasis, forecast, simulate_hour

BASIS = CampaignBasis(
    human=0.25,
    machine=0.15,
    busy=0.05,
    no_answer=0.5,
    invalid=0.05,
    ring_seconds=9.0,
    talk_seconds=120.0,
    wrap_seconds=20.0,
    warm_leads_per_person=0.1,
    pacing_mode="progressive",
    lines_per_rep=1.0,
    abandon_cap=0.03,
    max_attempts=3,
    learned_from_dials=0,
)
WEEK = [date(2026, 11, 23) + timedelta(days=i) for i in range(5)]


def test_expected_attempts_follow_the_retry_cap() -> None:
    # each attempt ends the number with p = 0.30: 1 + 0.7 + 0.49 attempts at most 3
    assert abs(BASIS.expected_attempts() - 2.19) < 1e-9


def test_the_fewest_reps_cover_the_dials_needed_and_one_fewer_do_not() -> None:
    result = forecast(BASIS, 3000, WEEK, hours_per_day=6.0, max_reps=40)
    assert result.reps_needed is not None
    assert result.dials_needed == 6570  # ceil(3000 * 2.19)
    hours = 6.0 * len(WEEK)
    assert result.dials_per_hour * hours >= result.dials_needed
    if result.reps_needed > 1:
        fewer = simulate_hour(BASIS, result.reps_needed - 1)
        assert fewer.dials * hours < result.dials_needed
    # the days add up to the whole list, leads from the person-answers
    assert result.days[-1]["dials_total"] == result.dials_needed
    assert result.days[-1]["numbers_left"] == 0
    assert result.warm_leads == round(result.person_answers * 0.1)
    assert result.warm_leads > 0


def test_a_deadline_too_close_says_so() -> None:
    result = forecast(BASIS, 100_000, WEEK[:1], hours_per_day=2.0, max_reps=5)
    assert result.reps_needed is None
    assert result.reps_tried == 5
    assert result.days[-1]["numbers_left"] > 0


def test_more_reps_dial_more_in_an_hour() -> None:
    assert simulate_hour(BASIS, 10).dials > simulate_hour(BASIS, 3).dials
