"""The service coefficient in PostgreSQL: the firm's rule versions, each month's figures
per rep and account manager (computed from upheld complaints, QA scores and SMS ratings
by ``revenue.coefficients``), and overrides with their reason (what the hand-made scores
file used to be). Every computation that changes a figure is a new row: the history shows
what each figure was and what made it; the latest row counts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import structlog

from dialer.leads.errors import LeadError
from dialer.sql import load_queries
from revenue.coefficients import (
    DEFAULT_COEFFICIENT_RULE,
    CoefficientRule,
    CoefficientRuleBook,
    ServiceFacts,
    compute_coefficient,
)
from revenue.statements import Month

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.quality")


@dataclass(frozen=True, slots=True)
class PersonCoefficient:
    user_id: int
    period: str
    score: Decimal
    rule_version: int | None
    inputs: dict[str, Any]
    override_reason: str | None = None


def month_bounds(month: Month, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(date(month.year, month.month, 1), time.min, tz)
    following = Month(month.year + month.month // 12, month.month % 12 + 1)
    end = datetime.combine(date(following.year, following.month, 1), time.min, tz)
    return start, end


async def store_coefficient_rule(pool: asyncpg.Pool, rule: CoefficientRule, now: datetime) -> None:
    """Store a rule version once; the same number with other terms is refused."""
    rules = json.loads(rule.model_dump_json())
    stored = await pool.fetchval(
        QUERIES["insert_coefficient_rule"], rule.version, rule.effective_from, rules, now
    )
    if stored is None:
        existing = await pool.fetchval(QUERIES["rule_by_version"], rule.version)
        if CoefficientRule.model_validate(existing) != rule:
            raise LeadError(
                f"coefficient rule version {rule.version} is stored with other terms: versions "
                "never change, add the next version"
            )


async def load_coefficient_rules(
    executor: asyncpg.Pool | asyncpg.Connection,
) -> CoefficientRuleBook:
    """Every stored version; with none stored, the default rule (reference/003's bands)."""
    rows = await executor.fetch(QUERIES["coefficient_rules"])
    if not rows:
        return CoefficientRuleBook(versions=(DEFAULT_COEFFICIENT_RULE,))
    return CoefficientRuleBook(
        versions=tuple(CoefficientRule.model_validate(row["rule"]) for row in rows)
    )


async def compute_month(
    pool: asyncpg.Pool, month: Month, *, tz: ZoneInfo, now: datetime
) -> dict[int, PersonCoefficient]:
    """Compute every rep's and account manager's coefficient for the month under the rule
    in force on its first day; a changed figure is written as a new row. A person whose
    latest figure is an override keeps it. Returns the month's standing figures."""
    start, end = month_bounds(month, tz)
    period = str(month)
    async with pool.acquire() as connection, connection.transaction():
        rule = (await load_coefficient_rules(connection)).in_force_on(start.date())
        people = await connection.fetch(QUERIES["people_paid_by_coefficient"])
        upheld = {
            r["user_id"]: r["upheld"]
            for r in await connection.fetch(QUERIES["upheld_complaints_by_person"], start, end)
        }
        qa = {
            r["user_id"]: tuple(r["scores"])
            for r in await connection.fetch(QUERIES["qa_scores_by_rep"], start, end)
        }
        sms = {
            r["user_id"]: tuple(r["ratings"])
            for r in await connection.fetch(QUERIES["sms_ratings_by_rep"], start, end)
        }
        latest = {
            r["user_id"]: r for r in await connection.fetch(QUERIES["latest_coefficients"], period)
        }
        standing: dict[int, PersonCoefficient] = {}
        for person in people:
            user_id = person["user_id"]
            previous = latest.get(user_id)
            if previous is not None and previous["override_reason"] is not None:
                standing[user_id] = _from_row(previous, period)
                continue
            facts = ServiceFacts(
                upheld_complaints=upheld.get(user_id, 0),
                qa_scores=qa.get(user_id, ()),
                sms_ratings=sms.get(user_id, ()),
            )
            result = compute_coefficient(rule, facts)
            figure = PersonCoefficient(
                user_id, period, result.score, result.rule_version, dict(result.inputs)
            )
            standing[user_id] = figure
            if previous is not None and (
                previous["score"] == figure.score
                and previous["rule_version"] == figure.rule_version
                and previous["inputs"] == figure.inputs
            ):
                continue
            await connection.execute(
                QUERIES["insert_coefficient"],
                user_id,
                period,
                figure.score,
                figure.rule_version,
                figure.inputs,
                None,
                now,
            )
    log.info("service_coefficients_computed", period=period, people=len(standing))
    return standing


def _from_row(row: asyncpg.Record, period: str) -> PersonCoefficient:
    return PersonCoefficient(
        user_id=row["user_id"],
        period=period,
        score=row["score"],
        rule_version=row["rule_version"],
        inputs=dict(row["inputs"]),
        override_reason=row["override_reason"],
    )


async def record_overrides(
    pool: asyncpg.Pool,
    month: Month,
    scores: Mapping[int, Decimal],
    *,
    reason: str,
    now: datetime,
) -> int:
    """Set people's coefficients for a month by hand (the scores file), with the reason."""
    if not reason.strip():
        raise LeadError("an override of service coefficients needs a reason (it is recorded)")
    ids = sorted(scores)
    if await pool.fetchval(QUERIES["user_exists"], ids) != len(ids):
        raise LeadError("the scores name a user id that does not exist")
    async with pool.acquire() as connection, connection.transaction():
        for user_id in ids:
            await connection.execute(
                QUERIES["insert_coefficient"],
                user_id,
                str(month),
                scores[user_id],
                None,
                {"override": True},
                reason.strip(),
                now,
            )
    return len(ids)


async def standing_coefficients(
    executor: asyncpg.Pool | asyncpg.Connection, periods: list[str]
) -> dict[str, dict[int, Decimal]]:
    """period -> user id -> the latest coefficient (what posting applies)."""
    found: dict[str, dict[int, Decimal]] = {}
    for row in await executor.fetch(QUERIES["latest_coefficients_of_periods"], periods):
        found.setdefault(row["period"], {})[row["user_id"]] = row["score"]
    return found


async def month_coefficients(pool: asyncpg.Pool, month: Month) -> list[PersonCoefficient]:
    return [
        _from_row(r, str(month))
        for r in await pool.fetch(QUERIES["latest_coefficients"], str(month))
    ]


async def refresh_coefficients(
    pool: asyncpg.Pool, *, tz: ZoneInfo, now: datetime
) -> dict[str, dict[int, PersonCoefficient]]:
    """Compute the coefficients of every month that has revenue to pay (a late complaint
    changes a past month's figure, and posting then restates it)."""
    periods = [r["period"] for r in await pool.fetch(QUERIES["revenue_periods"])]
    return {p: await compute_month(pool, Month.parse(p), tz=tz, now=now) for p in periods}
