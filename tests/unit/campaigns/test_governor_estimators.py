from __future__ import annotations

import random

import pytest

from campaigns.estimators import HandleTimeModel, RingModel, ScreeningModel
from campaigns.governor import (
    DAY_SECONDS,
    UK_RULE,
    AbandonGovernor,
    AbandonRule,
    GovernorConfigError,
)


def test_rate_is_abandoned_over_person_answered_in_the_window() -> None:
    governor = AbandonGovernor(AbandonRule(window_seconds=1000.0))
    for second in range(100):
        governor.record(float(second), abandoned=second % 25 == 0)
    assert governor.window_counts(100.0) == (4, 100)
    assert governor.rate(100.0) == pytest.approx(0.04)
    # Events older than the window stop counting.
    assert governor.window_counts(1050.0) == (1, 49)


def test_uk_rule_measures_24_hours_and_the_calendar_day() -> None:
    governor = AbandonGovernor(UK_RULE)
    governor.record(DAY_SECONDS - 10.0, abandoned=True)
    governor.record(DAY_SECONDS - 5.0, abandoned=False)
    assert governor.window_counts(DAY_SECONDS - 1.0) == (1, 2)
    assert governor.today_counts(DAY_SECONDS - 1.0) == (1, 2)
    # past midnight the day starts afresh, the rolling 24 h still holds them
    assert governor.today_counts(DAY_SECONDS + 1.0) == (0, 0)
    assert governor.window_counts(DAY_SECONDS + 1.0) == (1, 2)
    assert governor.rate(DAY_SECONDS + 1.0) == pytest.approx(0.5)
    assert governor.window_counts(2 * DAY_SECONDS - 5.0) == (0, 0)


def _uk_evening_and_morning(governor: AbandonGovernor) -> float:
    """Day 1, 20:30 (GMT): 200 persons, 8 abandoned in a burst; day 2 from 09:00: 100
    persons, none abandoned. Returns 09:05 on day 2."""
    evening = 20.5 * 3600.0
    for index in range(200):
        governor.record(evening + index, abandoned=index < 8)
    morning = DAY_SECONDS + 9 * 3600.0
    for index in range(100):
        governor.record(morning + 3.0 * index, abandoned=False)
    return morning + 300.0


def test_uk_evening_abandons_still_hold_back_the_next_morning() -> None:
    governor = AbandonGovernor(UK_RULE)
    five_past_nine = _uk_evening_and_morning(governor)
    assert governor.today_counts(five_past_nine) == (0, 100)
    assert governor.window_counts(five_past_nine) == (8, 300)
    assert not governor.allows_overdial(five_past_nine, 1.0, 0.05)
    # the calendar day alone (the same morning, without last evening) would have allowed it
    morning_only = AbandonGovernor(UK_RULE)
    for index in range(100):
        morning_only.record(DAY_SECONDS + 9 * 3600.0 + 3.0 * index, abandoned=False)
    assert morning_only.allows_overdial(five_past_nine, 1.0, 0.05)
    assert governor.threshold(five_past_nine) < morning_only.threshold(five_past_nine)


def test_uk_rule_counts_estimated_amd_false_positives_in_both_counts() -> None:
    rule = AbandonRule(window_seconds=DAY_SECONDS, calendar_day=True, amd_false_positive_rate=0.25)
    governor = AbandonGovernor(rule)
    for second in range(100):
        governor.record(float(second), abandoned=second < 2)
    for second in range(8):
        governor.record_machine(100.0 + second)
    # 0.25 x 8 machine verdicts = 2 estimated persons abandoned by AMD
    assert governor.window_counts(200.0) == (4.0, 102.0)
    assert governor.today_counts(200.0) == (4.0, 102.0)
    assert governor.rate(200.0) == pytest.approx(4 / 102)
    assert (governor.total_answered, governor.total_abandoned, governor.total_machines) == (
        100,
        2,
        8,
    )
    # machine verdicts leave the rolling window like the persons do
    assert governor.window_counts(DAY_SECONDS + 105.0) == (0.5, 0.5)
    # elsewhere machine verdicts count in neither figure
    us = AbandonGovernor()
    us.record(0.0, abandoned=False)
    us.record_machine(1.0)
    assert us.window_counts(2.0) == (0, 1)
    assert us.false_positives_per_second(2.0) == 0.0


def test_amd_false_positives_eat_the_uk_budget() -> None:
    def governor_with(rate: float) -> AbandonGovernor:
        governor = AbandonGovernor(
            AbandonRule(window_seconds=DAY_SECONDS, calendar_day=True, amd_false_positive_rate=rate)
        )
        for index in range(400):
            governor.record(2.0 * index, abandoned=False)
            governor.record_machine(2.0 * index + 1.0)
        return governor

    # 400 persons, no abandon: room for over-dialing without the estimate ...
    assert governor_with(0.0).allows_overdial(800.0, 1.0, 0.05)
    # ... but 3% of 400 machine verdicts (12 estimated abandons) is already over 2.5%
    assert not governor_with(0.03).allows_overdial(800.0, 1.0, 0.05)
    assert governor_with(0.03).threshold(800.0) < governor_with(0.0).threshold(800.0)


def test_amd_false_positive_rate_must_be_a_share() -> None:
    with pytest.raises(GovernorConfigError, match="false-positive"):
        AbandonGovernor(AbandonRule(amd_false_positive_rate=1.5))


def test_target_must_sit_below_the_cap() -> None:
    with pytest.raises(GovernorConfigError, match="below the cap"):
        AbandonGovernor(AbandonRule(cap=0.03, target=0.04))


def test_threshold_tightens_after_abandons_and_loosens_without() -> None:
    governor = AbandonGovernor()
    start = governor.threshold(0.0)
    for second in range(40):
        governor.record(float(second), abandoned=False)
    loosened = governor.threshold(40.0)
    for second in range(40, 45):
        governor.record(float(second), abandoned=True)
    tightened = governor.threshold(45.0)
    assert loosened > start
    assert tightened < loosened / 2


def test_no_overdial_before_an_abandon_is_affordable() -> None:
    governor = AbandonGovernor()
    assert not governor.allows_overdial(0.0, 1.0, 0.05)
    for second in range(400):
        governor.record(float(second), abandoned=False)
    assert governor.allows_overdial(400.0, 1.0, 0.05)
    # Many risky calls in flight: the projection refuses again.
    assert not governor.allows_overdial(400.0, 400.0, 0.5)
    # Near the end of the campaign there is no future to borrow against.
    for second in range(400, 700):
        governor.record(float(second), abandoned=(second - 400) % 16 == 0)
    assert governor.allows_overdial(700.0, 2.0, 0.05, seconds_left=3600.0)
    assert not governor.allows_overdial(700.0, 2.0, 0.05, seconds_left=0.0)


def test_ring_model_learns_answer_probability_and_timing() -> None:
    rng = random.Random(1)
    model = RingModel()
    for _ in range(4000):
        if rng.random() < 0.3:
            model.observe(rng.expovariate(1 / 8.0), True)
        else:
            model.observe(25.0, False)
    assert model.answer_probability() == pytest.approx(0.3, abs=0.04)
    # A call still ringing at 20 s is unlikely to be answered within 3 s ...
    late = model.answer_within(20.0, 3.0)
    # ... and one ringing for 1 s has a good chance over the next 10 s.
    early = model.answer_within(1.0, 10.0)
    assert early > 0.15 > 0.05 > late


def test_ring_model_adapts_when_the_answer_rate_moves() -> None:
    rng = random.Random(2)
    model = RingModel(half_life=300)
    for _ in range(3000):
        model.observe(8.0, rng.random() < 0.3)
    for _ in range(1500):
        model.observe(8.0, rng.random() < 0.15)
    assert model.answer_probability() == pytest.approx(0.15, abs=0.04)


def test_handle_time_uses_time_in_state() -> None:
    model = HandleTimeModel()
    rng = random.Random(3)
    for _ in range(2000):
        model.observe_talk(rng.uniform(100.0, 200.0))
        model.observe_wrap(10.0)
    # Uniform talk: nobody finishes in the first 100 s; near 190 s most do within 10 s.
    assert model.talk_ends_within(10.0, 20.0) == pytest.approx(0.0, abs=0.01)
    assert model.talk_ends_within(190.0, 10.0) > 0.9
    indices = model.talk.bin_indices((10.0, 190.0))
    mean, variance = model.talk_sums(indices, 10.0)
    assert mean == pytest.approx(model.talk_ends_within(190.0, 10.0), abs=0.05)
    assert variance >= 0.0
    assert model.mean_wrap() == pytest.approx(10.0)


def test_screening_model_learns_person_share_and_delay() -> None:
    model = ScreeningModel()
    rng = random.Random(4)
    for _ in range(2000):
        model.observe(rng.uniform(2.0, 4.0), rng.random() < 0.55)
    assert model.person_probability() == pytest.approx(0.55, abs=0.05)
    assert model.mean_delay() == pytest.approx(3.0, abs=0.1)
    assert model.person_within(0.0, 5.0) == pytest.approx(0.55, abs=0.05)


def test_todays_rate_is_guarded_as_well_as_the_window() -> None:
    governor = AbandonGovernor()
    # Yesterday: a clean day leaves the 30-day window plenty of budget.
    for index in range(2000):
        governor.record(float(index), abandoned=False)
    # Today: 3 abandons among the first 60 answers (5%).
    morning = DAY_SECONDS + 3600.0
    for index in range(60):
        governor.record(morning + index, abandoned=index < 3)
    abandoned, answered = governor.window_counts(morning + 60.0)
    assert (abandoned, answered) == (3, 2060)
    assert governor.today_counts(morning + 60.0) == (3, 60)
    assert not governor.allows_overdial(morning + 60.0, 1.0, 0.05, seconds_left=0.0)
    # Without the day guard the window alone would allow it.
    assert 3 + 1.0 * 0.05 + 2.0 * (1.05**0.5) + 1.0 <= 0.03 * 2060


def test_ring_model_keeps_hours_with_different_answer_rates_apart() -> None:
    rng = random.Random(5)
    model = RingModel(min_hour_observations=300)
    # a shift's days: mornings answer 30%, lunch (12:00) 10%, interleaved as they come
    for _ in range(4):
        for _ in range(400):
            model.observe(8.0, rng.random() < 0.3, hour=10)
        for _ in range(400):
            model.observe(8.0, rng.random() < 0.1, hour=12)
    assert model.answer_rate(10) == pytest.approx(0.3, abs=0.04)
    assert model.answer_rate(12) == pytest.approx(0.1, abs=0.03)
    # decisions read the selected hour's tables
    model.select(10)
    assert model.answer_probability() == pytest.approx(0.3, abs=0.04)
    model.select(12)
    assert model.answer_probability() == pytest.approx(0.1, abs=0.03)
    # the all-hours estimate is the recent mixture (the last calls were lunch calls)
    overall = model.answer_rate()
    assert overall is not None and overall < 0.25


def test_a_thin_hour_falls_back_to_the_all_hours_estimate() -> None:
    rng = random.Random(6)
    model = RingModel(min_hour_observations=300)
    for _ in range(2000):
        model.observe(8.0, rng.random() < 0.3, hour=10)
    for _ in range(299):
        model.observe(8.0, False, hour=18)
    # 299 dials at 18:00 are not enough: 18:00 is paced on the all-hours estimate ...
    assert model.answer_rate(18) == model.answer_rate()
    model.select(18)
    assert model.histogram is model.by_hour.overall
    # ... an hour never seen too, and so is a caller that gives no hour
    assert model.answer_rate(3) == model.answer_rate(None) == model.answer_rate()
    model.observe(8.0, False, hour=18)
    assert model.answer_rate(18) == 0.0
    model.select(18)
    assert model.histogram is model.by_hour.hours[18]


def test_an_hour_follows_a_shift_of_its_own_answer_rate() -> None:
    rng = random.Random(7)
    model = RingModel(half_life=300, min_hour_observations=300)
    for _ in range(2000):
        model.observe(8.0, rng.random() < 0.3, hour=10)
        model.observe(8.0, rng.random() < 0.2, hour=11)
    # 10:00 moves (a new list, a holiday): its estimate follows within a few half-lives
    for _ in range(1500):
        model.observe(8.0, rng.random() < 0.12, hour=10)
    assert model.answer_rate(10) == pytest.approx(0.12, abs=0.03)
    assert model.answer_rate(11) == pytest.approx(0.2, abs=0.04)


def test_screening_keeps_the_person_share_by_hour() -> None:
    rng = random.Random(8)
    model = ScreeningModel(min_hour_observations=100)
    for _ in range(3):
        for _ in range(300):
            model.observe(3.0, rng.random() < 0.7, hour=19)
        for _ in range(300):
            model.observe(3.0, rng.random() < 0.4, hour=9)
    assert model.person_rate(19) == pytest.approx(0.7, abs=0.06)
    assert model.person_rate(9) == pytest.approx(0.4, abs=0.06)
    model.select(19)
    assert model.person_probability() == pytest.approx(0.7, abs=0.06)
