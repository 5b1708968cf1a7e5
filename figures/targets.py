"""A team's targets, and the daily personal sheet (个人数据表) that shades what missed.

An item below target three working days in a row is shaded (from the third day on); the
first time an item is shaded in the sheet's period is the rep's first warning (they write
an improvement plan the team leader follows up). Break overruns, or utilisation below
target, on two days or more are announced to the team. Days without logged-in time are
not working days: they neither miss nor break a run.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from figures.definitions import DIRECTION, Better, Figure, FigureValue, Tally, figures_of

#: the figures a team sets targets for, in the order the sheet and wallboard show them
TARGETED = (
    Figure.CALLS_PER_HOUR,
    Figure.AVERAGE_TALK_SECONDS,
    Figure.UTILISATION,
    Figure.CONTACTS,
    Figure.WARM_LEADS,
    Figure.FIRST_CONTACT_RESOLUTION,
    Figure.TALK_SECONDS,
    Figure.DIALS,
    Figure.BREAK_OVERRUNS,
)
SHADE_AFTER_DAYS = 3
ANNOUNCE_AFTER_DAYS = 2

Targets = Mapping[Figure, Decimal]


class Mark(enum.StrEnum):
    """How a figure stands against its target on one day."""

    MET = "met"
    MISSED = "missed"
    SHADED = "shaded"  # missed three working days running (and every day the run goes on)
    NO_TARGET = "no_target"
    NO_DATA = "no_data"


def meets(figure: Figure, value: FigureValue, target: Decimal) -> bool:
    """A value against a target in the figure's direction; no value (no calls) meets
    only a ceiling."""
    if value is None:
        return DIRECTION[figure] is Better.LOWER
    if DIRECTION[figure] is Better.HIGHER:
        return Decimal(value) >= target
    return Decimal(value) <= target


def mark(figure: Figure, value: FigureValue, targets: Targets) -> Mark:
    target = targets.get(figure)
    if target is None:
        return Mark.NO_TARGET
    return Mark.MET if meets(figure, value, target) else Mark.MISSED


@dataclass(frozen=True, slots=True)
class SheetCell:
    value: FigureValue
    mark: Mark
    first_warning: bool = False


@dataclass(frozen=True, slots=True)
class SheetDay:
    day: date
    worked: bool
    cells: dict[Figure, SheetCell]


@dataclass(frozen=True, slots=True)
class PersonalSheet:
    days: tuple[SheetDay, ...]
    #: figures shaded at least once in the period, with the day of the first warning
    warnings: dict[Figure, date]
    #: break overruns / utilisation below target on two days or more: announce to the team
    announce: tuple[Figure, ...]


def personal_sheet(days: Sequence[tuple[date, Tally]], targets: Targets) -> PersonalSheet:
    """The sheet for consecutive days (oldest first) of one rep's tallies."""
    runs: dict[Figure, int] = {figure: 0 for figure in TARGETED}
    warnings: dict[Figure, date] = {}
    missed_days: dict[Figure, int] = {figure: 0 for figure in TARGETED}
    sheet_days: list[SheetDay] = []
    for day, tally in days:
        values = figures_of(tally)
        worked = tally.logged_in_seconds > 0 or tally.dials > 0
        cells: dict[Figure, SheetCell] = {}
        for figure in TARGETED:
            value = values[figure]
            if not worked:
                cells[figure] = SheetCell(value, Mark.NO_DATA)
                continue
            state = mark(figure, value, targets)
            if state is Mark.MISSED:
                runs[figure] += 1
                missed_days[figure] += 1
            elif state is Mark.MET:
                runs[figure] = 0
            first = False
            if state is Mark.MISSED and runs[figure] >= SHADE_AFTER_DAYS:
                state = Mark.SHADED
                if figure not in warnings:
                    warnings[figure] = day
                    first = True
            cells[figure] = SheetCell(value, state, first)
        sheet_days.append(SheetDay(day, worked, cells))
    announce = tuple(
        figure
        for figure in (Figure.BREAK_OVERRUNS, Figure.UTILISATION)
        if missed_days[figure] >= ANNOUNCE_AFTER_DAYS
    )
    return PersonalSheet(tuple(sheet_days), warnings, announce)
