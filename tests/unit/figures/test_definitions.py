from datetime import date, timedelta
from decimal import Decimal

from figures.definitions import Better, Figure, Tally, figures_of, over_limit, total
from figures.leaderboard import Entrant, personal_board, rank_scores, sub_team_board
from figures.targets import Mark, personal_sheet


def test_team_figures_are_ratios_of_sums_not_averages_of_ratios():
    fast = Tally(
        dials=30, talked=10, talk_seconds=600, logged_in_seconds=3600, working_seconds=1800
    )
    slow = Tally(
        dials=10, talked=10, talk_seconds=3000, logged_in_seconds=7200, working_seconds=7200
    )
    team = figures_of(total([fast, slow]))
    assert team[Figure.CALLS_PER_HOUR] == Decimal("13.3")  # 40 dials / 3 hours
    assert team[Figure.AVERAGE_TALK_SECONDS] == 180  # 3600 s / 20 talked
    assert team[Figure.UTILISATION] == Decimal("0.8333")  # 9000 / 10800


def test_figures_with_no_basis_are_none_not_zero():
    values = figures_of(Tally(logged_in_seconds=30))
    assert values[Figure.CALLS_PER_HOUR] is None
    assert values[Figure.AVERAGE_TALK_SECONDS] is None
    assert values[Figure.CONTACT_RATE] is None
    assert values[Figure.ABANDON_RATE] is None
    assert values[Figure.DIALS] == 0


def test_contact_abandon_and_first_contact_rates():
    values = figures_of(
        Tally(
            dials=200,
            contacts=50,
            person_answers=60,
            abandoned=2,
            first_contacts=40,
            first_contact_resolved=10,
        )
    )
    assert values[Figure.CONTACT_RATE] == Decimal("0.2500")
    assert values[Figure.ABANDON_RATE] == Decimal("0.0333")
    assert values[Figure.FIRST_CONTACT_RESOLUTION] == Decimal("0.2500")


def test_tally_from_a_row_with_some_fields():
    assert Tally.of({"dials": 3, "talk_seconds": None}) == Tally(dials=3)


def test_break_and_wrap_over_their_limits():
    assert over_limit("paused", 901, 900)
    assert not over_limit("paused", 900, 900)
    assert over_limit("wrap_up", 61, 60)
    assert not over_limit("on_call", 10_000, 60)
    assert not over_limit("paused", 10_000, None)


def _day(n: int) -> date:
    return date(2026, 12, 1) + timedelta(days=n)


def test_three_days_below_target_are_shaded_and_the_first_is_a_warning():
    low = Tally(dials=10, logged_in_seconds=3600, working_seconds=1000)
    good = Tally(dials=40, logged_in_seconds=3600, working_seconds=3000)
    off = Tally()
    days = [
        (_day(0), low),
        (_day(1), low),
        (_day(2), off),
        (_day(3), low),
        (_day(4), low),
        (_day(5), good),
    ]
    sheet = personal_sheet(
        days, {Figure.CALLS_PER_HOUR: Decimal(30), Figure.UTILISATION: Decimal("0.5")}
    )
    marks = [d.cells[Figure.CALLS_PER_HOUR].mark for d in sheet.days]
    # the day off neither misses nor breaks the run
    assert marks == [Mark.MISSED, Mark.MISSED, Mark.NO_DATA, Mark.SHADED, Mark.SHADED, Mark.MET]
    assert [d.cells[Figure.CALLS_PER_HOUR].first_warning for d in sheet.days] == [
        False,
        False,
        False,
        True,
        False,
        False,
    ]
    assert sheet.warnings[Figure.CALLS_PER_HOUR] == _day(3)
    assert sheet.days[0].cells[Figure.DIALS].mark is Mark.NO_TARGET
    assert Figure.UTILISATION in sheet.announce  # missed on four days


def test_break_overruns_twice_are_announced():
    day = Tally(dials=30, logged_in_seconds=3600, break_overruns=1)
    sheet = personal_sheet([(_day(0), day), (_day(1), day)], {Figure.BREAK_OVERRUNS: Decimal(0)})
    assert sheet.announce == (Figure.BREAK_OVERRUNS,)
    assert not sheet.warnings


def test_rank_scores_share_ties_and_follow_direction():
    assert rank_scores({1: 10, 2: 20, 3: 20, 4: None}, Better.HIGHER) == {
        2: Decimal("75.00"),
        3: Decimal("75.00"),
        1: Decimal("0.00"),
        4: Decimal(0),
    }
    assert rank_scores({1: 1, 2: 2}, Better.LOWER) == {1: Decimal("100.00"), 2: Decimal("0.00")}


def test_the_board_follows_the_weights():
    busy = Entrant(
        1, "busy", 10, Tally(dials=60, talked=20, talk_seconds=1200, logged_in_seconds=3600)
    )
    talker = Entrant(
        2, "talker", 11, Tally(dials=20, talked=20, talk_seconds=6000, logged_in_seconds=3600)
    )
    by_calls = personal_board(
        [busy, talker], {Figure.CALLS_PER_HOUR: Decimal(3), Figure.AVERAGE_TALK_SECONDS: Decimal(1)}
    )
    assert [s.user_id for s in by_calls] == [1, 2]
    assert by_calls[0].total == Decimal("75.00")
    by_talk = personal_board(
        [busy, talker], {Figure.CALLS_PER_HOUR: Decimal(1), Figure.AVERAGE_TALK_SECONDS: Decimal(3)}
    )
    assert [s.user_id for s in by_talk] == [2, 1]
    teams = sub_team_board(by_talk, {10: "A", 11: "B"}, {10: 60})
    assert [(t.sub_team_id, t.total) for t in teams] == [
        (10, Decimal("85.00")),
        (11, Decimal("75.00")),
    ]


def test_the_counting_rules_agree_with_the_service_and_the_revenue_core():
    from dialer.engine.figures import _LOGGED_IN, _WORKING
    from figures.definitions import LOGGED_IN_STATES, REVENUE_KINDS, WORKING_STATES
    from revenue.conversion_files import REVENUE_KINDS as REVENUE_CORE_KINDS

    assert REVENUE_KINDS == REVENUE_CORE_KINDS
    assert LOGGED_IN_STATES == frozenset(_LOGGED_IN)
    assert WORKING_STATES == frozenset(_WORKING)
