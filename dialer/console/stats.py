"""My day: a rep's figures for the current day, straight from the database.

The day is the calendar day in the centre's time zone (Asia/Shanghai unless given), so
the figures reset at local midnight, not at UTC midnight.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import asyncpg
from pydantic import BaseModel

from dialer.sql import load_queries

QUERIES = load_queries("dialer.console")
CENTRE_TIME_ZONE = "Asia/Shanghai"


class MyDay(BaseModel):
    day: str
    time_zone: str
    calls: int
    contacts: int
    talk_seconds: int
    calls_per_hour: Decimal
    average_talk_seconds: int
    warm_leads: int
    callbacks_due: int
    logged_in_seconds: int


def day_bounds(now: datetime, zone: str) -> tuple[datetime, datetime]:
    local = now.astimezone(ZoneInfo(zone))
    start = datetime.combine(local.date(), time(0), tzinfo=ZoneInfo(zone))
    end = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=ZoneInfo(zone))
    return start, end


async def my_day(
    executor: asyncpg.Connection | asyncpg.Pool,
    user_id: int,
    now: datetime,
    zone: str = CENTRE_TIME_ZONE,
) -> MyDay:
    start, end = day_bounds(now, zone)
    calls = await executor.fetchrow(QUERIES["day_calls"], user_id, start, end, now)
    outcomes = await executor.fetchrow(QUERIES["day_dispositions"], user_id, start, end)
    due = await executor.fetchval(QUERIES["day_callbacks_due"], user_id, end)
    logged_in = await executor.fetchval(QUERIES["day_logged_in_seconds"], user_id, start, end, now)
    hours = Decimal(logged_in) / 3600
    per_hour = (
        (Decimal(calls["calls"]) / hours).quantize(Decimal("0.1"), ROUND_HALF_UP)
        if logged_in >= 60
        else Decimal("0.0")
    )
    talked = calls["talked"]
    return MyDay(
        day=start.date().isoformat(),
        time_zone=zone,
        calls=calls["calls"],
        contacts=outcomes["contacts"],
        talk_seconds=calls["talk_seconds"],
        calls_per_hour=per_hour,
        average_talk_seconds=round(calls["talk_seconds"] / talked) if talked else 0,
        warm_leads=outcomes["warm_leads"],
        callbacks_due=due,
        logged_in_seconds=logged_in,
    )
