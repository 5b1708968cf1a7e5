"""Calendar months and instants in words, as the gate's reasons give them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from compliance.errors import ComplianceError


def add_months(at: datetime, months: int) -> datetime:
    """`at` plus calendar months, the day clamped to the month's end (Jan 31 + 1 = Feb 28)."""
    month_index = at.month - 1 + months
    year, month = at.year + month_index // 12, month_index % 12 + 1
    for day in (at.day, 30, 29, 28):
        try:
            return at.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ComplianceError(f"cannot add {months} months to {at.isoformat()}")


def format_instant(at: datetime, zones: Iterable[str] = ()) -> str:
    """ "2026-03-08 13:00 UTC (08:00 CDT in America/Chicago)"."""
    text = f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    local = [f"{at.astimezone(ZoneInfo(z)):%a %H:%M %Z} in {z}" for z in zones]
    return f"{text} ({', '.join(local)})" if local else text
