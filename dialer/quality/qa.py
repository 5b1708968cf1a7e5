"""QA review (电话抽调) in PostgreSQL: the firm's scorecards, each team's sampling plan and the
day's sample, the reviewers' queue, scoring with comments at time offsets, the rep's
acknowledgement, one dispute re-scored by another reviewer, the excellent-recording
library (serial numbers for coaching) and QA figures per rep. The rules are pure
(``compliance.qa_scorecards``); who may review is the same as who may listen
(``dialer.recordings.access``), except that nobody reviews their own call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import structlog

from compliance.qa_scorecards import DEFAULT_SCORECARD, SampleCandidate, Scorecard, sample_calls
from dialer.http import Role
from dialer.leads.errors import LeadError
from dialer.recordings.access import may_listen
from dialer.sql import load_queries

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.quality")
REVIEWERS = frozenset({Role.TEAM_LEADER, Role.QA_REVIEWER, Role.COMPLIANCE_OFFICER})


class ReviewRefused(LeadError):
    """The review step is not allowed; the message says why."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Reviewer:
    user_id: int
    role: Role
    team_id: int | None


@dataclass(frozen=True, slots=True)
class Comment:
    offset_seconds: Decimal
    body: str


async def store_scorecard(
    pool: asyncpg.Pool, name: str, scorecard: Scorecard, now: datetime
) -> int:
    items = [item.model_dump() for item in scorecard.items]
    scorecard_id: int = await pool.fetchval(QUERIES["insert_scorecard"], name, items, now)
    return scorecard_id


async def set_sampling_plan(
    pool: asyncpg.Pool,
    team_id: int,
    *,
    random_share: Decimal,
    scorecard_id: int,
    min_talk_seconds: int = 10,
) -> None:
    await pool.execute(
        QUERIES["set_sampling_plan"], team_id, random_share, min_talk_seconds, scorecard_id
    )


async def sample_day(pool: asyncpg.Pool, day: date, *, tz: ZoneInfo, now: datetime) -> int:
    """Queue the day's sample of every team with a plan; returns the reviews queued. Each
    team's day is sampled once: the run is claimed in `qa_sample_runs` in the same
    transaction as its reviews, so two workers (or a second run) queue nothing more."""
    start = datetime.combine(day, time.min, tz)
    end = start + timedelta(days=1)
    queued = 0
    for plan in await pool.fetch(QUERIES["sampling_plans"]):
        async with pool.acquire() as connection, connection.transaction():
            if await connection.fetchval(QUERIES["claim_sample_run"], plan["team_id"], day, now):
                queued += await _sample_team(connection, plan, day, start, end, now)
    log.info("qa_sampled", day=day.isoformat(), queued=queued)
    return queued


async def _sample_team(
    connection: asyncpg.Connection,
    plan: Mapping[str, Any],
    day: date,
    start: datetime,
    end: datetime,
    now: datetime,
) -> int:
    queued = 0
    rows = await connection.fetch(
        QUERIES["recorded_calls_of_team"], plan["team_id"], start, end, plan["min_talk_seconds"]
    )
    recording = {r["call_attempt_id"]: r["recording_id"] for r in rows}
    candidates = [
        SampleCandidate(
            r["call_attempt_id"],
            r["rep_user_id"],
            tuple(reason for reason in ("warm_lead", "complaint", "dnc_disposition") if r[reason]),
        )
        for r in rows
    ]
    chosen = sample_calls(
        candidates, random_share=plan["random_share"], seed=f"{day}:{plan['team_id']}"
    )
    for call_id, rep_id, reason in chosen:
        review_id = await connection.fetchval(
            QUERIES["insert_review"],
            call_id,
            recording[call_id],
            rep_id,
            plan["scorecard_id"],
            reason,
            day,
            now,
        )
        queued += review_id is not None
    await connection.execute(QUERIES["finish_sample_run"], plan["team_id"], day, queued)
    return queued


def _may_review(reviewer: Reviewer, review: Mapping[str, Any]) -> bool:
    if reviewer.role not in REVIEWERS or reviewer.user_id == review["rep_user_id"]:
        return False
    return may_listen(
        reviewer.role,
        reviewer.user_id,
        reviewer.team_id,
        review["rep_user_id"],
        review["rep_team_id"],
    )


async def queue(pool: asyncpg.Pool, reviewer: Reviewer) -> list[dict[str, Any]]:
    if reviewer.role not in REVIEWERS:
        return []
    team = reviewer.team_id if reviewer.role is Role.TEAM_LEADER else None
    return [dict(r) for r in await pool.fetch(QUERIES["queue"], reviewer.user_id, team)]


async def review_detail(pool: asyncpg.Pool, review_id: int, viewer: Reviewer) -> dict[str, Any]:
    row = await pool.fetchrow(QUERIES["review"], review_id)
    if row is None:
        raise ReviewRefused(f"no review {review_id}", 404)
    allowed = viewer.user_id == row["rep_user_id"] or (
        viewer.role in REVIEWERS
        and may_listen(
            viewer.role, viewer.user_id, viewer.team_id, row["rep_user_id"], row["rep_team_id"]
        )
    )
    if not allowed:
        raise ReviewRefused(f"review {review_id} is not yours to see", 403)
    detail = dict(row)
    detail["item_results"] = {
        r["item_key"]: r["passed"] for r in await pool.fetch(QUERIES["review_items"], review_id)
    }
    detail["comments"] = [dict(r) for r in await pool.fetch(QUERIES["review_comments"], review_id)]
    return detail


async def score_review(
    pool: asyncpg.Pool,
    review_id: int,
    reviewer: Reviewer,
    passed: Mapping[str, bool],
    comments: Sequence[Comment],
    now: datetime,
) -> tuple[Decimal, bool]:
    async with pool.acquire() as connection, connection.transaction():
        review = await connection.fetchrow(QUERIES["review_for_update"], review_id)
        if review is None:
            raise ReviewRefused(f"no review {review_id}", 404)
        if not _may_review(reviewer, review):
            raise ReviewRefused(f"review {review_id} is not yours to score", 403)
        if review["status"] != "queued":
            raise ReviewRefused(
                f"review {review_id} is {review['status']}, not waiting for a score"
            )
        original = None
        if review["disputes_review_id"] is not None:
            original = await connection.fetchrow(
                QUERIES["review_for_update"], review["disputes_review_id"]
            )
            if original is not None and original["reviewer_id"] == reviewer.user_id:
                raise ReviewRefused("a disputed review is re-scored by another reviewer", 403)
        card = await connection.fetchrow(QUERIES["scorecard"], review["scorecard_id"])
        scorecard = Scorecard.model_validate({"items": card["items"]})
        try:
            score, failed = scorecard.score(passed)
        except ValueError as exc:
            raise ReviewRefused(str(exc), 422) from exc
        for comment in comments:
            if comment.offset_seconds < 0 or not comment.body.strip():
                raise ReviewRefused("a comment has a text and an offset of 0 s or more", 422)
        await connection.execute(
            QUERIES["mark_scored"], review_id, reviewer.user_id, score, failed, now
        )
        for key, ok in sorted(passed.items()):
            await connection.execute(QUERIES["insert_item"], review_id, key, ok)
        for comment in comments:
            await connection.execute(
                QUERIES["insert_comment"],
                review_id,
                reviewer.user_id,
                comment.offset_seconds,
                comment.body.strip(),
                now,
            )
        if original is not None:
            await connection.execute(QUERIES["mark_superseded"], original["review_id"])
        await connection.execute(
            QUERIES["qa_audit"],
            now,
            reviewer.user_id,
            "qa_review_scored",
            review_id,
            {"score": str(score), "must_pass_failed": failed, "comments": len(comments)},
        )
    return score, failed


async def acknowledge(pool: asyncpg.Pool, review_id: int, rep_id: int, now: datetime) -> None:
    async with pool.acquire() as connection, connection.transaction():
        review = await connection.fetchrow(QUERIES["review_for_update"], review_id)
        if review is None or review["rep_user_id"] != rep_id:
            raise ReviewRefused(f"no review {review_id} of yours", 404)
        if review["status"] != "scored":
            raise ReviewRefused(f"review {review_id} is {review['status']}: nothing to acknowledge")
        await connection.execute(QUERIES["mark_acknowledged"], review_id, now)
        await connection.execute(
            QUERIES["qa_audit"], now, rep_id, "qa_review_acknowledged", review_id, {}
        )


async def dispute(
    pool: asyncpg.Pool, review_id: int, rep_id: int, reason: str, now: datetime
) -> int:
    """The rep disputes a scored review (once): it waits for another reviewer's score,
    which then stands in its place. Returns the new review's id."""
    if not reason.strip():
        raise ReviewRefused("say why the review is disputed", 422)
    async with pool.acquire() as connection, connection.transaction():
        review = await connection.fetchrow(QUERIES["review_for_update"], review_id)
        if review is None or review["rep_user_id"] != rep_id:
            raise ReviewRefused(f"no review {review_id} of yours", 404)
        if review["reason"] == "dispute" or review["status"] not in ("scored", "acknowledged"):
            raise ReviewRefused(f"review {review_id} cannot be disputed (once, when scored)")
        try:
            new_id: int = await connection.fetchval(
                QUERIES["insert_dispute_review"], review_id, now
            )
        except asyncpg.UniqueViolationError as exc:
            raise ReviewRefused("this call's review was already disputed once") from exc
        await connection.execute(QUERIES["mark_disputed"], review_id, now, reason.strip())
        await connection.execute(
            QUERIES["qa_audit"],
            now,
            rep_id,
            "qa_review_disputed",
            review_id,
            {"reason": reason.strip(), "rescore_review_id": new_id},
        )
    return new_id


async def add_excellent(
    pool: asyncpg.Pool,
    recording_id: int,
    *,
    review_id: int | None,
    nominated_by: int,
    note: str,
    now: datetime,
) -> str:
    serial = await pool.fetchval(
        QUERIES["insert_excellent"], recording_id, review_id, nominated_by, note, now
    )
    if serial is None:
        raise ReviewRefused(f"recording {recording_id} is already in the library")
    return str(serial)


async def qa_figures(pool: asyncpg.Pool, start: datetime, end: datetime) -> list[dict[str, Any]]:
    rows = await pool.fetch(QUERIES["qa_figures"], start, end)
    return [
        dict(r)
        | {
            "mean_score": None
            if r["mean_score"] is None
            else r["mean_score"].quantize(Decimal("0.0001"))
        }
        for r in rows
    ]


async def ensure_default_scorecard(pool: asyncpg.Pool, now: datetime) -> int:
    return await store_scorecard(pool, "default", DEFAULT_SCORECARD, now)
