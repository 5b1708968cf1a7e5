"""The tallies behind the figures, read from `figure_tallies` in one query."""

from __future__ import annotations

import enum
from datetime import date, datetime

import asyncpg

from dialer.sql import load_queries
from figures.definitions import Tally

QUERIES = load_queries("dialer.reports")
CENTRE_TIME_ZONE = "Asia/Shanghai"


class Dimension(enum.StrEnum):
    REP = "rep"
    TEAM = "team"
    SUB_TEAM = "sub_team"
    CAMPAIGN = "campaign"
    LIST = "list"
    SEGMENT = "segment"
    BRANCH = "branch"


class Bucket(enum.StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


TallyKey = tuple[date, str | None]


async def tallies(
    executor: asyncpg.Connection | asyncpg.Pool,
    dimension: Dimension,
    bucket: Bucket,
    start: datetime,
    end: datetime,
    now: datetime,
    zone: str = CENTRE_TIME_ZONE,
) -> dict[TallyKey, Tally]:
    """Each (bucket, key)'s tally over [start, end); key None: records with no such key
    (a dial no rep took, a call of no list). The QA and SMS survey counts come from their
    own query (they are not calls) and are added to the same tallies."""
    rows = await executor.fetch(
        QUERIES["tallies"], start, end, now, dimension.value, bucket.value, zone
    )
    found = {(row["bucket"], row["key"]): Tally.of(row) for row in rows}
    for row in await executor.fetch(
        QUERIES["quality_tallies"], start, end, dimension.value, bucket.value, zone
    ):
        key = (row["bucket"], row["key"])
        found[key] = found.get(key, Tally()) + Tally.of(row)
    return found


async def key_names(executor: asyncpg.Connection | asyncpg.Pool) -> dict[tuple[str, str], str]:
    return {
        (r["dimension"], r["key"]): r["name"] for r in await executor.fetch(QUERIES["key_names"])
    }
