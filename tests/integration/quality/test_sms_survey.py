"""The SMS satisfaction survey through the carrier's messaging: sent after a contact when
the compliance gate allows it (not in quiet hours), answered by the simulated customer
through the signed reply webhook and matched to the call and the rep; STOP opts the
number out of SMS; a forged reply changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
import asyncpg

from compliance.rules import DEFAULT_GATE_RULES
from dialer.http import Role
from dialer.quality.sms import send_due_surveys
from tests.helpers import make_user
from tests.integration.compliance.callees import add_callee, add_campaign
from tests.integration.telephony.stack import CALLER_ID, telephony_stack

MORNING = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Monday
NIGHT = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai


async def _contact(
    pool: asyncpg.Pool, campaign_id: int, rep: int, e164: str, ended: datetime
) -> int:
    account_id, phone_id = await add_callee(
        pool, e164, consents=(("marketing", datetime(2026, 1, 1, tzinfo=UTC), None),)
    )
    call_id: int = await pool.fetchval(
        "INSERT INTO call_attempts (campaign_id, account_id, phone_id, e164, idempotency_key,"
        " status, created_at, ended_at, agent_user_id) VALUES ($1, $2, $3, $4, $5, 'completed',"
        " $6, $6, $7) RETURNING call_attempt_id",
        campaign_id,
        account_id,
        phone_id,
        e164,
        f"sms-{e164}",
        ended,
        rep,
    )
    await pool.execute(
        "INSERT INTO dispositions (call_attempt_id, campaign_id, account_id, code, agent_user_id,"
        " recorded_at) VALUES ($1, $2, $3, 'NOT_NOW', $4, $5)",
        call_id,
        campaign_id,
        account_id,
        rep,
        ended,
    )
    return call_id


async def _campaign(pool: asyncpg.Pool) -> int:
    campaign_id = await add_campaign(pool, "sms survey")
    await pool.execute(
        "INSERT INTO disposition_codes (campaign_id, code, label_en, label_zh, human_answered,"
        " contact, final) VALUES ($1, 'NOT_NOW', 'Not now', '暂不需要', true, true, true)",
        campaign_id,
    )
    return campaign_id


def _numbers_answering(stack, want: str | None, count: int) -> list[str]:
    found = []
    for n in range(100, 999):
        number = f"+8613900000{n}"
        reply = stack.simulator.sms_reply_of(number)
        if (want == "rating" and reply is not None and reply.isdigit()) or reply == want:
            found.append(number)
        if len(found) == count:
            return found
    raise AssertionError(f"no number answers {want}")


async def test_surveys_are_sent_answered_matched_and_stop_opts_out(pool: asyncpg.Pool) -> None:
    rep = await make_user(pool, Role.TELESALES_REP, "rep-sms")
    campaign_id = await _campaign(pool)
    async with telephony_stack(recordings_pool=pool, speed=50.0) as stack:
        [rating_number] = _numbers_answering(stack, "rating", 1)
        [stop_number] = _numbers_answering(stack, "STOP", 1)
        rated_call = await _contact(pool, campaign_id, rep, rating_number, MORNING)
        await _contact(pool, campaign_id, rep, stop_number, MORNING)
        run = await send_due_surveys(
            pool,
            stack.provider,
            rules=DEFAULT_GATE_RULES,
            from_number=CALLER_ID,
            firm_name="Example Securities",
            now=MORNING + timedelta(minutes=5),
        )
        assert (run.sent, run.blocked, run.failed) == (2, 0, 0)
        await stack.settle()
        sent = {m.to: m for m in stack.simulator.messages.values()}
        assert set(sent) == {rating_number, stop_number}
        assert "1-5" in sent[rating_number].body

        # a forged reply (no valid signature) is refused and changes nothing
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{stack.public_base_url}/telephony/twilio/sms-reply",
                data={"MessageSid": "SMforged", "From": rating_number, "Body": "1"},
                headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
            ) as response,
        ):
            assert response.status == 403

        again = await send_due_surveys(
            pool,
            stack.provider,
            rules=DEFAULT_GATE_RULES,
            from_number=CALLER_ID,
            firm_name="Example Securities",
            now=MORNING + timedelta(minutes=30),
        )
        assert again.sent == 0  # each contact is surveyed once

    surveys = {r["e164"]: r for r in await pool.fetch("SELECT * FROM sms_surveys")}
    answered = surveys[rating_number]
    assert answered["status"] == "answered" and answered["call_attempt_id"] == rated_call
    assert answered["rep_user_id"] == rep
    assert answered["rating"] == int(sent[rating_number].reply or "0")
    assert surveys[stop_number]["status"] == "opted_out"
    assert (
        await pool.fetchval("SELECT count(*) FROM sms_opt_outs WHERE e164 = $1", stop_number) == 1
    )
    assert await pool.fetchval("SELECT count(*) FROM sms_replies") == 2

    # the opted-out number gets no survey after its next contact
    await pool.execute("UPDATE call_attempts SET idempotency_key = idempotency_key || '-old'")
    async with telephony_stack(recordings_pool=pool) as stack:
        account = await pool.fetchval(
            "SELECT account_id FROM account_phones WHERE e164 = $1", stop_number
        )
        phone = await pool.fetchval(
            "SELECT phone_id FROM account_phones WHERE e164 = $1", stop_number
        )
        later = MORNING + timedelta(hours=2)
        call = await pool.fetchval(
            "INSERT INTO call_attempts (campaign_id, account_id, phone_id, e164, idempotency_key,"
            " status, created_at, ended_at, agent_user_id) VALUES ($1, $2, $3, $4, 'again',"
            " 'completed', $5, $5, $6) RETURNING call_attempt_id",
            campaign_id,
            account,
            phone,
            stop_number,
            later,
            rep,
        )
        await pool.execute(
            "INSERT INTO dispositions (call_attempt_id, campaign_id, account_id, code,"
            " agent_user_id, recorded_at) VALUES ($1, $2, $3, 'NOT_NOW', $4, $5)",
            call,
            campaign_id,
            account,
            rep,
            later,
        )
        run = await send_due_surveys(
            pool,
            stack.provider,
            rules=DEFAULT_GATE_RULES,
            from_number=CALLER_ID,
            firm_name="Example Securities",
            now=later + timedelta(minutes=1),
        )
        assert (run.sent, run.blocked) == (0, 1)
        assert stack.simulator.messages == {}
    reason = await pool.fetchval(
        "SELECT blocked_reason FROM sms_surveys WHERE call_attempt_id = $1", call
    )
    assert reason == "the number opted out of SMS"


async def test_quiet_hours_keep_the_survey_unsent_with_the_gates_reason(pool: asyncpg.Pool) -> None:
    rep = await make_user(pool, Role.TELESALES_REP, "rep-night")
    campaign_id = await _campaign(pool)
    async with telephony_stack(recordings_pool=pool) as stack:
        call = await _contact(pool, campaign_id, rep, "+8613900000777", NIGHT - timedelta(hours=1))
        run = await send_due_surveys(
            pool,
            stack.provider,
            rules=DEFAULT_GATE_RULES,
            from_number=CALLER_ID,
            firm_name="Example Securities",
            now=NIGHT,
        )
        assert (run.sent, run.blocked) == (0, 1)
        assert stack.simulator.messages == {}
    row = await pool.fetchrow(
        "SELECT status, blocked_reason FROM sms_surveys WHERE call_attempt_id = $1", call
    )
    assert row["status"] == "blocked" and row["blocked_reason"].startswith("DELAY")
    decision = await pool.fetchrow(
        "SELECT detail FROM audit_log WHERE kind = 'compliance_decision' ORDER BY audit_id DESC"
    )
    assert decision["detail"]["verdict"] == "DELAY"  # the gate's decision is audited


async def test_two_runs_at_once_send_each_survey_once(pool: asyncpg.Pool) -> None:
    import asyncio

    rep = await make_user(pool, Role.TELESALES_REP, "rep-twice")
    campaign_id = await _campaign(pool)
    async with telephony_stack(recordings_pool=pool) as stack:
        for n in range(5):
            await _contact(pool, campaign_id, rep, f"+86139000011{n:02d}", MORNING)

        async def run_once():
            return await send_due_surveys(
                pool,
                stack.provider,
                rules=DEFAULT_GATE_RULES,
                from_number=CALLER_ID,
                firm_name="Example Securities",
                now=MORNING + timedelta(minutes=5),
            )

        runs = await asyncio.gather(run_once(), run_once(), run_once())
        assert sum(r.sent for r in runs) == 5
        assert len(stack.simulator.messages) == 5
