"""SMS satisfaction (短信满意度): after a contact, a survey by SMS (the carrier's messaging)
asks the customer for a rating 1..5. The compliance gate decides it like a call (consent,
do-not-call, quiet hours, ...): anything but ALLOW or REQUIRE keeps it unsent, with the
gate's reason. Replies arrive by signed webhook, each applied once, matched to the latest
open survey of the number (and so to the call and the rep); a STOP-style reply opts the
number out of SMS, and no survey goes to it again."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
import structlog

from compliance.models import Verdict
from compliance.rules import GateRules
from dialer.compliance.gatekeeper import check_numbers
from dialer.engine.hopper import ClaimedNumber
from dialer.logs import mask_phone
from dialer.sql import load_queries
from dialer.telephony.provider import SmsReply, TelephonyError, TelephonyProvider

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.quality")

STOP_WORDS = frozenset({"STOP", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "TD", "退订"})
RATING = re.compile(r"^\s*([1-5])\s*$")
SURVEY_TEXT = "{firm}: 感谢您接听我们的来电。请回复1-5为本次服务评分(5为非常满意)。回复TD退订。"


@dataclass(frozen=True, slots=True)
class SurveyRun:
    sent: int
    blocked: int
    failed: int


async def send_due_surveys(
    pool: asyncpg.Pool,
    provider: TelephonyProvider,
    *,
    rules: GateRules,
    from_number: str,
    firm_name: str,
    now: datetime,
    within: timedelta = timedelta(hours=24),
    limit: int = 200,
) -> SurveyRun:
    """Send the survey for every recent contact that has none (each once: one run at a time
    across every process, under an advisory lock; a run that finds it taken does nothing)."""
    async with pool.acquire() as holder, holder.transaction():
        if not await holder.fetchval(QUERIES["lock_survey_run"]):
            return SurveyRun(0, 0, 0)
        return await _send_due(pool, provider, rules, from_number, firm_name, now, within, limit)


async def _send_due(
    pool: asyncpg.Pool,
    provider: TelephonyProvider,
    rules: GateRules,
    from_number: str,
    firm_name: str,
    now: datetime,
    within: timedelta,
    limit: int,
) -> SurveyRun:
    sent = blocked = failed = 0
    for row in await pool.fetch(QUERIES["contacts_due_a_survey"], now, within, limit):
        reason = await _refusal(pool, row, rules, now)
        message_id = None
        if reason is None:
            try:
                message_id = await provider.send_sms(
                    row["e164"], from_number, SURVEY_TEXT.format(firm=firm_name)
                )
            except TelephonyError as exc:
                log.error("sms_survey_not_sent", call=row["call_attempt_id"], error=str(exc))
                failed += 1
                continue
        await pool.execute(
            QUERIES["insert_survey"],
            row["call_attempt_id"],
            row["account_id"],
            row["agent_user_id"],
            row["e164"],
            "sent" if reason is None else "blocked",
            reason,
            message_id,
            now,
        )
        sent += reason is None
        blocked += reason is not None
    if sent or blocked or failed:
        log.info("sms_surveys_sent", sent=sent, blocked=blocked, failed=failed)
    return SurveyRun(sent, blocked, failed)


async def _refusal(
    pool: asyncpg.Pool, row: asyncpg.Record, rules: GateRules, now: datetime
) -> str | None:
    """Why the survey may not go now (None: it may)."""
    if await pool.fetchval(QUERIES["sms_opted_out"], row["e164"]):
        return "the number opted out of SMS"
    number = ClaimedNumber(
        campaign_id=row["campaign_id"],
        phone_id=row["phone_id"],
        account_id=row["account_id"],
        e164=row["e164"],
        attempts=0,
        last_attempt_at=None,
        callback_owner=None,
        preview_only=False,
    )
    async with pool.acquire() as connection:
        [outcome] = await check_numbers(
            connection,
            row["campaign_id"],
            [number],
            now,
            dial_mode="preview",
            agent_user_id=row["agent_user_id"],
            rules=rules,
        )
    decision = outcome.decision
    if decision.verdict in (Verdict.ALLOW, Verdict.REQUIRE):
        return None
    return f"{decision.verdict.value}: {decision.reason}"


async def apply_reply(pool: asyncpg.Pool, reply: SmsReply, now: datetime) -> str:
    """Apply one inbound SMS: 'duplicate', 'opted_out', 'answered' or 'kept' (a reply that
    is neither a rating nor STOP, or that matches no open survey, is kept as it is)."""
    body = reply.body.strip()
    stop = body.upper() in STOP_WORDS or body in STOP_WORDS
    rating = RATING.match(body)
    async with pool.acquire() as connection, connection.transaction():
        survey = await connection.fetchrow(QUERIES["open_survey_of_number"], reply.from_number, now)
        fresh = await connection.fetchval(
            QUERIES["insert_reply"],
            reply.message_id,
            survey["survey_id"] if survey else None,
            reply.from_number,
            body,
            now,
        )
        if fresh is None:
            return "duplicate"
        if stop:
            await connection.execute(
                QUERIES["insert_sms_opt_out"], reply.from_number, now, reply.message_id
            )
            if survey is not None:
                await connection.execute(QUERIES["opt_out_survey"], survey["survey_id"], now)
            log.info("sms_opted_out", number=mask_phone(reply.from_number))
            return "opted_out"
        if survey is None or rating is None:
            return "kept"
        await connection.execute(
            QUERIES["answer_survey"], survey["survey_id"], int(rating.group(1)), now
        )
    return "answered"
