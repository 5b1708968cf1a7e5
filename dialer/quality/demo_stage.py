"""The demo's quality floor: recordings are made by the calls themselves (the recorder);
this stage samples the day's recorded calls for QA (a plan per team on the firm's default
scorecard), a QA reviewer (demo user `qa1`) scores the queue with a comment at a time
offset, the surveys go out to contacts (simulated customers answer from the carrier
simulator's population), a few customers lodge complaints that compliance (`compliance1`)
investigates and closes (upheld for some), and the leads stage computes the month's
coefficients and posts revenue with them. Answers are decided by ids, so runs repeat."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from dialer.auth import hash_password
from dialer.http import Role
from dialer.keys import GATE_RULES, TELEPHONY
from dialer.leads.demo_stage import figures as revenue_figures
from dialer.quality.background import survey_sender
from dialer.quality.coefficients import refresh_coefficients
from dialer.quality.complaints import (
    Evidence,
    close_complaint,
    lodge_complaint,
    start_investigation,
)
from dialer.quality.qa import (
    Comment,
    Reviewer,
    ReviewRefused,
    ensure_default_scorecard,
    queue,
    sample_day,
    score_review,
    set_sampling_plan,
)
from dialer.quality.sms import send_due_surveys
from dialer.revenue.ledger import post_revenue
from dialer.revenue.restatement import restate_coefficients
from dialer.seed import DEMO_PASSWORD
from dialer.sql import load_queries

QUERIES = load_queries("dialer.quality", "demo.sql")
FIRM_ZONE = ZoneInfo("Asia/Shanghai")
ROUND_SECONDS = 5.0
COMPLAINTS_PER_RUN = 3
DEMO_USERS = (
    ("qa1", "质检员 周", Role.QA_REVIEWER),
    ("compliance1", "合规 孙", Role.COMPLIANCE_OFFICER),
)


async def demo_people(pool: asyncpg.Pool) -> dict[str, int]:
    password = hash_password(DEMO_PASSWORD)
    ids = {}
    for username, name, role in DEMO_USERS:
        ids[username] = await pool.fetchval(
            QUERIES["demo_user"], username, name, role.value, password
        )
    return ids


def _answers(review_id: int) -> dict[str, bool]:
    return {
        "identity": True,
        "risk_warning": review_id % 23 != 0,
        "no_promise": True,
        "needs": review_id % 5 != 0,
        "courtesy": review_id % 3 != 0,
    }


async def qa_round(pool: asyncpg.Pool, reviewer: Reviewer, now: datetime) -> int:
    await sample_day(pool, now.astimezone(FIRM_ZONE).date(), tz=FIRM_ZONE, now=now)
    scored = 0
    for waiting in await queue(pool, reviewer):
        review_id = waiting["review_id"]
        offset = Decimal(min(5, max(0, (waiting["duration_seconds"] or 1) - 1)))
        comments = [Comment(offset, "风险提示语速过快")] if review_id % 2 else []
        with contextlib.suppress(ReviewRefused):
            await score_review(pool, review_id, reviewer, _answers(review_id), comments, now)
            scored += 1
    return scored


async def complaint_round(pool: asyncpg.Pool, people: dict[str, int], now: datetime) -> int:
    lodged = 0
    if await pool.fetchval(QUERIES["demo_complaints"]) >= COMPLAINTS_PER_RUN:
        return 0
    for call in await pool.fetch(QUERIES["demo_complaint_calls"], COMPLAINTS_PER_RUN):
        complaint_id = await lodge_complaint(
            pool,
            account_id=call["account_id"],
            source=("customer", "branch", "regulator")[call["call_attempt_id"] % 3],
            summary="客户反映来电推销过于频繁"
            if call["call_attempt_id"] % 2
            else "客户反映坐席语气不佳",
            received_at=now,
            call_ids=(call["call_attempt_id"],),
            recorded_by=people["compliance1"],
            now=now,
        )
        await start_investigation(
            pool, complaint_id, investigator_id=people["compliance1"], now=now
        )
        upheld = call["call_attempt_id"] % 2 == 1
        await close_complaint(
            pool,
            complaint_id,
            upheld=upheld,
            finding="录音核实属实" if upheld else "录音核实,坐席表述规范",
            evidence=Evidence(recording_ids=(call["recording_id"],)),
            closed_by=people["compliance1"],
            now=now + timedelta(seconds=1),
            apply_dnc=upheld,
        )
        lodged += 1
    return lodged


async def figures(pool: asyncpg.Pool) -> dict[str, Any]:
    row = await pool.fetchrow(QUERIES["demo_quality_figures"])
    coefficients = await pool.fetch(QUERIES["demo_coefficients"])
    return {
        "recordings": row["recordings"],
        "recording_seconds": row["recording_seconds"],
        "qa_reviews": row["qa_reviews"],
        "qa_mean_score": None
        if row["qa_mean"] is None
        else str(row["qa_mean"].quantize(Decimal("0.0001"))),
        "sms_surveys_sent": row["sms_sent"],
        "sms_surveys_answered": row["sms_answered"],
        "sms_opted_out": row["sms_opted_out"],
        "complaints": row["complaints"],
        "complaints_upheld": row["complaints_upheld"],
        "service_coefficients": {
            r["period"]: {
                "people": r["people"],
                "below_1": r["below_1"],
                "lowest": str(r["lowest"]),
            }
            for r in coefficients
        },
        "revenue_restated_entries": row["restated_entries"],
    }


async def settled(pool: asyncpg.Pool, simulator: Any, timeout: float = 60.0) -> None:
    """Wait (bounded) until no call is live, every recording's callback has come and every
    simulated customer who will answer a survey has (so the figures stay the database's)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        replies_due = simulator is not None and any(
            m.reply is not None and not m.replied for m in simulator.messages.values()
        )
        if not replies_due and not await pool.fetchval(QUERIES["demo_unsettled"]):
            return
        await asyncio.sleep(0.5)


async def run(context: Any) -> dict[str, Any]:
    pool: asyncpg.Pool = context.pool
    now = context.clock().astimezone(UTC)
    people = await demo_people(pool)
    scorecard = await ensure_default_scorecard(pool, now)
    for team in await pool.fetch("SELECT team_id FROM teams ORDER BY team_id"):
        await set_sampling_plan(
            pool,
            team["team_id"],
            random_share=Decimal("0.3"),
            scorecard_id=scorecard,
            min_talk_seconds=1,
        )
    reviewer = Reviewer(people["qa1"], Role.QA_REVIEWER, None)
    app = context.extra.get("app")
    settings = context.settings
    while True:
        stopping = context.stop.is_set()
        now = context.clock().astimezone(UTC)
        await qa_round(pool, reviewer, now)
        telephony = app.get(TELEPHONY) if app is not None else None
        if telephony is not None:
            await send_due_surveys(
                pool,
                telephony.provider,
                rules=app[GATE_RULES],
                from_number=survey_sender(settings),
                firm_name=settings.firm_name,
                now=now,
            )
        await complaint_round(pool, people, now)
        if stopping:
            break
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(context.stop.wait(), ROUND_SECONDS)
    telephony = app.get(TELEPHONY) if app is not None else None
    await settled(pool, telephony.simulator if telephony is not None else None)
    # the month's coefficients from everything above, and the revenue posted with them
    now = context.clock().astimezone(UTC)
    await refresh_coefficients(pool, tz=FIRM_ZONE, now=now)
    await post_revenue(pool, now=now, time_zone=FIRM_ZONE)
    await restate_coefficients(pool, now=now, time_zone=FIRM_ZONE)
    # the revenue figures again, as posted with the final coefficients (they replace the
    # leads stage's, which were read before this last posting)
    result = await figures(pool) | await revenue_figures(pool)
    context.say(
        f"quality: {result['recordings']} recordings, {result['qa_reviews']} QA reviews, "
        f"{result['sms_surveys_answered']} SMS answers, {result['complaints_upheld']} upheld complaints"
    )
    return result
