"""Models in the database, the retrain pass and the learned hopper order.

`retrain_pass(pool, now)` fits the firm-wide model and one per campaign that has history
(scoring.model, in a worker thread) and stores each as a new version in `scoring_models`.
Each run has a key (scope and the time slot of `now`), unique in the table, and the fit
runs under a PostgreSQL advisory lock on that key: two processes running the same pass
store one model per scope and slot (the second finds the lock held or the row there).
`rescore_campaign` ranks a campaign's pending numbers with `scoring.priority.dialing_order`
(the same function the simulation uses) under the campaign's latest model, or the
firm-wide one for a new campaign, and writes each number's place (`scored_rank`), which
the hopper's claim orders by.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import numpy as np
import structlog

from dialer.sql import load_queries
from scoring.accounts import AccountFacts, rows_of, zone
from scoring.best_time import HOURS_PER_WEEK, best_retry_at, open_hours_of_week
from scoring.features import Rows, Vocabulary
from scoring.model import PropensityModel, fit_model
from scoring.priority import EXPLORATION_SHARE, dialing_order, expected_value, tier_priority
from scoring.reasons import explain, render

QUERIES = load_queries("dialer.scoring")
log = structlog.get_logger(__name__)
FIRM = "firm"
TRAINING_ROWS = 100_000
# local hours a retry may be placed in (the compliance gate has the last word at dial time)
CALLING_WINDOW = (8, 21)


@dataclass(frozen=True)
class StoredModel:
    scope: str
    version: int
    trained_at: datetime
    model: PropensityModel


def campaign_scope(campaign_id: int) -> str:
    return f"campaign:{campaign_id}"


def run_key(scope: str, now: datetime, slot_seconds: int) -> str:
    """The retrain run's key: its scope and the slot of `now` (slot_seconds long)."""
    return f"{scope}@{int(now.timestamp()) // slot_seconds}"


def _lock_id(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


async def latest_model(pool: asyncpg.Pool | asyncpg.Connection, scope: str) -> StoredModel | None:
    row = await pool.fetchrow(QUERIES["latest_model"], scope)
    if row is None:
        return None
    raw = row["model"] if isinstance(row["model"], dict) else json.loads(row["model"])
    return StoredModel(scope, row["version"], row["trained_at"], PropensityModel.from_json(raw))


async def model_for_campaign(pool: asyncpg.Pool, campaign_id: int) -> StoredModel | None:
    """The campaign's own latest model, else the firm-wide prior (a new campaign)."""
    return await latest_model(pool, campaign_scope(campaign_id)) or await latest_model(pool, FIRM)


def facts_of(row: asyncpg.Record | dict[str, Any], campaign_attempts: int) -> AccountFacts:
    return AccountFacts(
        segment=row["segment"],
        tier=row["tier"],
        assets_cents=int(row["assets_cents"] or 0),
        opened_on=row["opened_on"],
        last_trade_on=row["last_trade_on"],
        time_zone=row["time_zone"],
        prior_contacts=int(row["prior_contacts"]),
        prior_leads=int(row["prior_leads"]),
        campaign_attempts=campaign_attempts,
    )


def fit_from_rows(rows: list[asyncpg.Record]) -> PropensityModel | None:
    """Fit a model on training rows (pure but slow: run it in a thread)."""
    if not rows:
        return None
    vocabulary = Vocabulary(
        tuple(sorted({r["segment"] for r in rows})), tuple(sorted({r["time_zone"] for r in rows}))
    )
    facts = [facts_of(r, r["campaign_attempts"]) for r in rows]
    codes = rows_of(vocabulary, facts, [r["created_at"] for r in rows])
    return fit_model(
        vocabulary,
        codes,
        np.asarray([r["contacted"] for r in rows], dtype=bool),
        np.asarray([r["lead"] for r in rows], dtype=bool),
        np.asarray([r["revenue_cents"] for r in rows], dtype=np.int64),
    )


async def retrain_scope(
    pool: asyncpg.Pool, scope: str, campaign_id: int | None, now: datetime, slot_seconds: int
) -> int | None:
    """One scope's run: the new version, or None (no history, or the run is done or
    being done by another process)."""
    key = run_key(scope, now, slot_seconds)
    async with pool.acquire() as connection:
        if not await connection.fetchval("SELECT pg_try_advisory_lock($1)", _lock_id(key)):
            return None
        try:
            if await connection.fetchval("SELECT 1 FROM scoring_models WHERE run_key = $1", key):
                return None
            rows = await connection.fetch(QUERIES["training_rows"], campaign_id, TRAINING_ROWS)
            model = await asyncio.to_thread(fit_from_rows, rows)
            if model is None:
                return None
            version: int | None = await connection.fetchval(
                QUERIES["save_model"],
                scope,
                campaign_id,
                key,
                now,
                model.trained_rows,
                json.dumps(model.to_json()),
            )
        finally:
            await connection.fetchval("SELECT pg_advisory_unlock($1)", _lock_id(key))
    if version is not None:
        log.info("scoring_model_trained", scope=scope, version=version, rows=model.trained_rows)
    return version


async def retrain_pass(
    pool: asyncpg.Pool, now: datetime, slot_seconds: int = 3600
) -> dict[str, int]:
    """Retrain the firm-wide model and every running learned campaign's; then re-rank
    those campaigns. Returns the versions stored by this call per scope."""
    stored: dict[str, int] = {}
    version = await retrain_scope(pool, FIRM, None, now, slot_seconds)
    if version is not None:
        stored[FIRM] = version
    for row in await pool.fetch(QUERIES["campaigns_to_score"]):
        campaign_id = int(row["campaign_id"])
        scope = campaign_scope(campaign_id)
        version = await retrain_scope(pool, scope, campaign_id, now, slot_seconds)
        if version is not None:
            stored[scope] = version
        await rescore_campaign(pool, campaign_id, now)
    return stored


async def rescore_campaign(pool: asyncpg.Pool, campaign_id: int, now: datetime) -> int:
    """Write the learned order's place of each pending number; returns how many were
    ranked (0 with no model: the hopper keeps the tier rule)."""
    stored = await model_for_campaign(pool, campaign_id)
    if stored is None:
        return 0
    numbers = await pool.fetch(QUERIES["pending_numbers"], campaign_id, now)
    if not numbers:
        return 0
    model = stored.model
    facts = [facts_of(n, int(n["attempts"])) for n in numbers]
    rows = rows_of(model.vocabulary, facts, [now] * len(numbers))
    score = expected_value(
        model.p_contact(rows), model.p_lead(rows), model.value_cents(rows["segment"])
    )
    # exploration drawn per campaign and hour: the same draw in every process
    rng = np.random.default_rng([campaign_id, int(now.timestamp()) // 3600])
    order = dialing_order(
        callback_due=np.asarray([n["callback_due"] for n in numbers], dtype=bool),
        list_id=np.asarray([n["list_id"] or 0 for n in numbers], dtype=np.int64),
        tier_rank=np.asarray([tier_priority(n["tier"]) for n in numbers], dtype=np.int64),
        last_attempt=np.asarray(
            [
                np.nan if n["last_attempt_at"] is None else n["last_attempt_at"].timestamp()
                for n in numbers
            ]
        ),
        fairness_rank=np.asarray([n["fairness_rank"] for n in numbers], dtype=np.int64),
        score=score,
        explore=rng.random(len(numbers)) < EXPLORATION_SHARE,
    )
    await place_retries(pool, campaign_id, model, numbers, rows, now)
    places = np.empty(len(numbers), dtype=np.int64)
    places[order] = np.arange(len(numbers))
    await pool.execute(
        QUERIES["write_ranks"],
        campaign_id,
        [n["phone_id"] for n in numbers],
        places.tolist(),
        now,
    )
    return len(numbers)


# the week-aligned clock of scoring.best_time: any Monday 00:00 UTC
WEEK_EPOCH = datetime(2026, 3, 2, tzinfo=UTC)
ALL_HOURS = np.ones(HOURS_PER_WEEK, dtype=bool)


async def place_retries(
    pool: asyncpg.Pool,
    campaign_id: int,
    model: PropensityModel,
    numbers: list[asyncpg.Record],
    rows: Rows,
    now: datetime,
) -> int:
    """Best time to call: each retry scheduled since the last pass (attempted, not a
    callback, due later) moves to its best predicted local hour in the calling window
    within three days (scoring.best_time); the gate still decides at dial time."""
    moved = 0
    weekday = model.weekday_logit()
    for index, number in enumerate(numbers):
        last, due = number["last_attempt_at"], number["next_attempt_at"]
        if last is None or due <= now or number["callback_due_at"] is not None:
            continue
        if number["scored_at"] is not None and number["scored_at"] >= last:
            continue  # placed already
        offset = zone(number["time_zone"]).utcoffset(due)
        offset_hours = offset.total_seconds() / 3600.0 if offset else 0.0
        open_hours = open_hours_of_week(
            utc_offset_hours=offset_hours, window_local=CALLING_WINDOW, shift_utc_hours=ALL_HOURS
        )
        earliest = (due - WEEK_EPOCH).total_seconds()
        best = best_retry_at(
            earliest,
            hourly_logit=model.hourly_contact_logit(int(rows["segment"][index])),
            weekday_logit=weekday,
            utc_offset_hours=offset_hours,
            open_hours=open_hours,
        )
        if best > earliest:
            await pool.execute(
                QUERIES["place_retry"],
                campaign_id,
                number["phone_id"],
                due,
                WEEK_EPOCH + timedelta(seconds=best),
            )
            moved += 1
    return moved


def schedule_scoring_job(
    scheduler: Any, pool: asyncpg.Pool, clock: Any, every_seconds: int = 3600
) -> None:
    """Add the retrain pass to an APScheduler ``AsyncIOScheduler``; across processes the
    run key and the advisory lock keep each run single."""

    async def job() -> None:
        await retrain_pass(pool, clock(), slot_seconds=every_seconds)

    scheduler.add_job(
        job,
        "interval",
        seconds=every_seconds,
        id="scoring_retrain",
        replace_existing=True,
        max_instances=1,
        coalesce=True,
    )


async def account_reasons(
    pool: asyncpg.Pool | asyncpg.Connection,
    account_id: int,
    campaign_id: int | None,
    now: datetime,
    language: str = "en",
) -> dict[str, Any] | None:
    """An account's score now and its top reasons under the campaign's model (or the
    firm-wide one); None when the account does not exist or no model is trained."""
    row = await pool.fetchrow(QUERIES["account_facts"], account_id)
    if row is None:
        return None
    stored = None
    if campaign_id is not None:
        stored = await latest_model(pool, campaign_scope(campaign_id))
    stored = stored or await latest_model(pool, FIRM)
    if stored is None:
        return None
    return {
        "model_version": stored.version,
        "scope": stored.scope,
        **score_of(stored.model, row, 0, now, language),
    }


def score_of(
    model: PropensityModel, row: Any, attempts: int, now: datetime, language: str
) -> dict[str, Any]:
    """One account's score and reasons (code, params, text in `language`)."""
    rows = rows_of(model.vocabulary, [facts_of(row, attempts)], [now])
    score = explain(
        model,
        rows,
        tier=row["tier"],
        segment=row["segment"],
        last_trade_on=row["last_trade_on"],
        today=now.date(),
    )
    return {
        "p_contact_now": round(score.p_contact_now, 4),
        "p_lead_if_contacted": round(score.p_lead, 4),
        "lead_value_cents": score.value_cents,
        "expected_value_cents": score.expected_value_cents,
        "best_hour_local": score.best_hour_local,
        "reasons": [reason.text for reason in score.reasons],
        "reason_details": [
            {"code": r.code, "params": r.params, "text": render(r, language)} for r in score.reasons
        ],
    }


async def next_accounts(
    pool: asyncpg.Pool | asyncpg.Connection,
    campaign_id: int,
    now: datetime,
    limit: int,
    language: str,
) -> tuple[int | None, list[dict[str, Any]]]:
    """The campaign's next numbers in the hopper's claim order (claim_numbers' ORDER BY,
    one query), each scored and explained under the campaign's (or the firm's) model."""
    stored = await latest_model(pool, campaign_scope(campaign_id)) or await latest_model(pool, FIRM)
    rows = await pool.fetch(QUERIES["next_accounts"], campaign_id, now, limit)
    out = []
    for row in rows:
        entry: dict[str, Any] = {
            "account_id": row["account_id"],
            "phone_id": row["phone_id"],
            "e164": row["e164"],
            "callback_due": row["callback_due"],
            "scored_rank": row["scored_rank"],
            "tier": row["tier"],
            "segment": row["segment"],
        }
        if stored is not None:
            entry |= score_of(stored.model, row, int(row["attempts"]), now, language)
        out.append(entry)
    return (stored.version if stored else None), out
