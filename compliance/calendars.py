"""Days off by jurisdiction, from the `holidays` package.

US: the legal holidays of a state (federal holidays plus the state's own); UK: the bank
holidays of a nation (England, Scotland, Wales, Northern Ireland; when the nation is not
known, a bank holiday of any nation counts, the strictest reading); CN: statutory
holidays off and make-up working days (调休) on, using `holidays.China`'s
`weekend_workdays`, published by the State Council each year (the package knows them up to
its release; later years fall back to weekends and fixed-date holidays only).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays

UK_NATIONS = ("ENG", "NIR", "SCT", "WLS")


@lru_cache(maxsize=512)
def _calendar(country: str, subdivision: str | None, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision, years=year)


def us_legal_holiday(state: str, day: date) -> str | None:
    """The name of the state's legal holiday on `day`, or None."""
    return _calendar("US", state, day.year).get(day)


def uk_bank_holiday(nation: str | None, day: date) -> str | None:
    """The bank holiday on `day` in `nation` (any nation when None), or None."""
    for subdivision in (nation,) if nation else UK_NATIONS:
        name = _calendar("GB", subdivision, day.year).get(day)
        if name:
            return name
    return None


def cn_working_day(day: date) -> bool:
    """True on a mainland-China working day: a weekday that is not a statutory holiday,
    or a weekend day declared a make-up working day."""
    calendar = _calendar("CN", None, day.year)
    if day in calendar:
        return False
    if day.weekday() < 5:
        return True
    return day in getattr(calendar, "weekend_workdays", set())


def cn_day_off_name(day: date) -> str | None:
    """Why `day` is not a working day in mainland China, or None if it is one."""
    if cn_working_day(day):
        return None
    return _calendar("CN", None, day.year).get(day) or "weekend"
