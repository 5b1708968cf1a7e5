"""The daily personal sheet and the monthly leaderboards, read from the tallies and
computed by figures.targets / figures.leaderboard."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import asyncpg

from dialer.reports.tallies import CENTRE_TIME_ZONE, Bucket, Dimension, tallies
from dialer.sql import load_queries
from figures.definitions import Figure, Tally
from figures.leaderboard import (
    DEFAULT_WEIGHTS,
    Entrant,
    Standing,
    TeamStanding,
    personal_board,
    sub_team_board,
)
from figures.targets import PersonalSheet, personal_sheet

QUERIES = load_queries("dialer.teamlead")


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str | None, now: datetime, zone: str = CENTRE_TIME_ZONE) -> Month:
        if not text:
            local = now.astimezone(ZoneInfo(zone))
            return cls(local.year, local.month)
        try:
            year, month = (int(part) for part in text.split("-"))
            date(year, month, 1)
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a month: write it as YYYY-MM") from exc
        return cls(year, month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def days(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    def bounds(self, zone: str = CENTRE_TIME_ZONE) -> tuple[datetime, datetime]:
        tz = ZoneInfo(zone)
        start = datetime.combine(self.first, time(0), tzinfo=tz)
        return start, datetime.combine(self.first + timedelta(days=self.days), time(0), tzinfo=tz)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


async def team_targets(
    executor: asyncpg.Pool | asyncpg.Connection, team_id: int
) -> dict[Figure, Decimal]:
    return {
        Figure(r["figure"]): Decimal(r["target"])
        for r in await executor.fetch(QUERIES["team_targets"], team_id)
    }


async def rep_sheet(
    pool: asyncpg.Pool, rep_user_id: int, team_id: int, month: Month, now: datetime
) -> PersonalSheet:
    """The rep's days of the month up to today, against their team's targets."""
    start, end = month.bounds()
    found = await tallies(pool, Dimension.REP, Bucket.DAY, start, min(end, now), now)
    today = now.astimezone(ZoneInfo(CENTRE_TIME_ZONE)).date()
    days = [
        month.first + timedelta(days=n)
        for n in range(month.days)
        if month.first + timedelta(days=n) <= today
    ]
    rows = [(day, found.get((day, str(rep_user_id)), Tally())) for day in days]
    return personal_sheet(rows, await team_targets(pool, team_id))


async def weights(executor: asyncpg.Pool | asyncpg.Connection) -> dict[Figure, Decimal]:
    rows = await executor.fetch(QUERIES["leaderboard_weights"])
    if not rows:
        return dict(DEFAULT_WEIGHTS)
    return {Figure(r["figure"]): Decimal(r["weight"]) for r in rows}


@dataclass(frozen=True)
class Leaderboards:
    month: Month
    weights: dict[Figure, Decimal]
    personal: list[Standing]
    sub_teams: list[TeamStanding]


async def team_leaderboards(
    pool: asyncpg.Pool, team_id: int, month: Month, now: datetime
) -> Leaderboards:
    """个人风云榜 and 小组PK of one team for the month (so far)."""
    start, end = month.bounds()
    found = await tallies(pool, Dimension.REP, Bucket.MONTH, start, min(end, now), now)
    by_rep: dict[str, Tally] = {}
    for (_bucket, key), tally in found.items():
        if key is not None:
            by_rep[key] = by_rep.get(key, Tally()) + tally
    entrants = [
        Entrant(
            r["user_id"],
            r["display_name"],
            r["sub_team_id"],
            by_rep.get(str(r["user_id"]), Tally()),
        )
        for r in await pool.fetch(QUERIES["team_reps"], team_id)
    ]
    used = await weights(pool)
    standings = personal_board(entrants, used)
    sub_teams = {
        r["sub_team_id"]: r["name"] for r in await pool.fetch(QUERIES["sub_teams_of_team"], team_id)
    }
    points = {
        r["sub_team_id"]: r["points"]
        for r in await pool.fetch(QUERIES["sub_team_points_of_month"], team_id, month.first)
    }
    return Leaderboards(month, used, standings, sub_team_board(standings, sub_teams, points))
