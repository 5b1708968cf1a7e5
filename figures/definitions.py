"""What each figure means: counts taken from the call records, and the ratios over them.

A `Tally` holds additive counts (they sum across reps, days, campaigns), so a team's or a
month's figure is the ratio of its sums, never an average of ratios. `figures_of` is the
one place a ratio is computed; docs/figures.md states each definition in words.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal

# The counting itself is SQL (migrations/0026 figure_tallies); these name its rules for
# the Python side and are checked against the service's own constants in the tests.
#: call statuses that never reached the carrier: the gate refused the number
NOT_DIALLED_STATUSES = frozenset({"blocked"})
#: rep states counted as logged in, and those counted as working a call
LOGGED_IN_STATES = frozenset({"ready", "reserved", "on_call", "wrap_up", "paused"})
WORKING_STATES = frozenset({"on_call", "wrap_up"})
#: conversion kinds whose amount is revenue (the others record an event, not money)
REVENUE_KINDS = ("net_commission", "advisory_fee")


class Figure(enum.StrEnum):
    """Every figure on the floor, by the key used in targets, weights and exports."""

    DIALS = "dials"
    CONTACTS = "contacts"
    CONTACT_RATE = "contact_rate"
    CALLS_PER_HOUR = "calls_per_hour"  # 时CALL
    AVERAGE_TALK_SECONDS = "average_talk_seconds"  # 通话均长
    TALK_SECONDS = "talk_seconds"
    UTILISATION = "utilisation"  # 工时利用率
    FIRST_CONTACT_RESOLUTION = "first_contact_resolution"  # 首问
    ABANDON_RATE = "abandon_rate"
    WARM_LEADS = "warm_leads"
    LEADS_WON = "leads_won"
    REVENUE_CENTS = "revenue_cents"
    BREAK_OVERRUNS = "break_overruns"  # 小休超时
    QA_SCORE = "qa_score"  # 电话抽调 QA score
    SMS_SATISFACTION = "sms_satisfaction"  # 短信满意度


class Better(enum.StrEnum):
    """Which way a figure is good: a target is a floor (higher) or a ceiling (lower)."""

    HIGHER = "higher"
    LOWER = "lower"


#: the direction of each figure, for targets and for the leaderboards' scores
DIRECTION: dict[Figure, Better] = {figure: Better.HIGHER for figure in Figure} | {
    Figure.ABANDON_RATE: Better.LOWER,
    Figure.BREAK_OVERRUNS: Better.LOWER,
}

#: figures that only mean something for people (they need logged-in time)
PEOPLE_FIGURES = frozenset({Figure.CALLS_PER_HOUR, Figure.UTILISATION, Figure.BREAK_OVERRUNS})


@dataclass(frozen=True, slots=True)
class Tally:
    """The counts behind every figure, for one rep, team, campaign … over one period.

    dials: call attempts placed (every status but `blocked`); talked: of them, those
    bridged to a rep; talk_seconds: their talk time; contacts / warm_leads: dispositions
    whose code is a contact / a warm lead; first_contacts: contacts that were the
    account's first contact in the campaign, first_contact_resolved: of them, those whose
    code is final; person_answers / abandoned: the regulator's counts; logged_in_seconds /
    working_seconds: rep time logged in / on a call or in wrap-up; leads_won: leads closed
    won; revenue_cents: attributed net commission and fees; break_overruns: pauses held
    past their limit; qa_reviews / qa_score_points: standing QA reviews scored and the sum
    of their scores in ten-thousandths; sms_ratings / sms_rating_sum: SMS survey replies
    with a rating and the sum of the ratings (1–5).
    """

    dials: int = 0
    talked: int = 0
    talk_seconds: int = 0
    contacts: int = 0
    warm_leads: int = 0
    first_contacts: int = 0
    first_contact_resolved: int = 0
    person_answers: int = 0
    abandoned: int = 0
    logged_in_seconds: int = 0
    working_seconds: int = 0
    leads_won: int = 0
    revenue_cents: int = 0
    break_overruns: int = 0
    qa_reviews: int = 0
    qa_score_points: int = 0
    sms_ratings: int = 0
    sms_rating_sum: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(Tally)}
        )

    @classmethod
    def of(cls, row: object) -> Tally:
        """A tally from a mapping-like row holding any of the fields (missing ones are 0)."""
        get = getattr(row, "get", None)
        values = {}
        for f in fields(cls):
            value = get(f.name) if get is not None else getattr(row, f.name, None)
            values[f.name] = int(value or 0)
        return cls(**values)


def total(tallies: list[Tally] | tuple[Tally, ...]) -> Tally:
    result = Tally()
    for tally in tallies:
        result = result + tally
    return result


def _ratio(part: int, whole: int, places: str = "0.0001") -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(places), ROUND_HALF_UP)


#: logged-in time below which 时CALL is not shown: a minute's log-in says nothing
MIN_SECONDS_FOR_CALLS_PER_HOUR = 60


def calls_per_hour(tally: Tally) -> Decimal | None:
    """时CALL: dials handled per logged-in hour (None under a minute logged in)."""
    if tally.logged_in_seconds < MIN_SECONDS_FOR_CALLS_PER_HOUR:
        return None
    hours = Decimal(tally.logged_in_seconds) / 3600
    return (Decimal(tally.dials) / hours).quantize(Decimal("0.1"), ROUND_HALF_UP)


def average_talk_seconds(tally: Tally) -> int | None:
    """通话均长: talk seconds per call that was bridged to a rep (whole seconds)."""
    if tally.talked <= 0:
        return None
    return int((Decimal(tally.talk_seconds) / tally.talked).quantize(Decimal(1), ROUND_HALF_UP))


def utilisation(tally: Tally) -> Decimal | None:
    """工时利用率: time on a call or in wrap-up over time logged in."""
    return _ratio(tally.working_seconds, tally.logged_in_seconds)


def contact_rate(tally: Tally) -> Decimal | None:
    """Contacts over dials."""
    return _ratio(tally.contacts, tally.dials)


def first_contact_resolution(tally: Tally) -> Decimal | None:
    """首问: first contacts closed with a final outcome over first contacts."""
    return _ratio(tally.first_contact_resolved, tally.first_contacts)


def abandon_rate(tally: Tally) -> Decimal | None:
    """Abandoned over person-answered calls (the regulator's arithmetic)."""
    return _ratio(tally.abandoned, tally.person_answers)


#: a QA score (0–1) is counted in ten-thousandths so that tallies stay integers
QA_SCORE_POINTS = 10_000


def qa_score(tally: Tally) -> Decimal | None:
    """QA score: the standing reviews' scores summed over the reviews scored (0–1)."""
    return _ratio(tally.qa_score_points, tally.qa_reviews * QA_SCORE_POINTS)


def sms_satisfaction(tally: Tally) -> Decimal | None:
    """短信满意度: the SMS survey ratings summed over the ratings received (1–5, two places)."""
    return _ratio(tally.sms_rating_sum, tally.sms_ratings, "0.01")


FigureValue = int | Decimal | None


def figures_of(tally: Tally) -> dict[Figure, FigureValue]:
    """Every figure of one tally; None where the figure has no basis (no time, no calls)."""
    return {
        Figure.DIALS: tally.dials,
        Figure.CONTACTS: tally.contacts,
        Figure.CONTACT_RATE: contact_rate(tally),
        Figure.CALLS_PER_HOUR: calls_per_hour(tally),
        Figure.AVERAGE_TALK_SECONDS: average_talk_seconds(tally),
        Figure.TALK_SECONDS: tally.talk_seconds,
        Figure.UTILISATION: utilisation(tally),
        Figure.FIRST_CONTACT_RESOLUTION: first_contact_resolution(tally),
        Figure.ABANDON_RATE: abandon_rate(tally),
        Figure.WARM_LEADS: tally.warm_leads,
        Figure.LEADS_WON: tally.leads_won,
        Figure.REVENUE_CENTS: tally.revenue_cents,
        Figure.BREAK_OVERRUNS: tally.break_overruns,
        Figure.QA_SCORE: qa_score(tally),
        Figure.SMS_SATISFACTION: sms_satisfaction(tally),
    }


def over_limit(state: str, seconds_in_state: float, limit_seconds: int | None) -> bool:
    """A break or a wrap-up held past its limit (小休超时 / wrap overrun); a state with no
    limit never runs over."""
    if state not in ("paused", "wrap_up") or limit_seconds is None:
        return False
    return seconds_in_state > limit_seconds
