"""The engine's contract with the gate, driven as the engine drives it: claim a batch, ask
the gate, dial only what it allows. A campaign whose accounts are half forbidden."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from dialer.dnc import add_opt_out
from dialer.engine import hopper
from dialer.gatekeeper import check_numbers

from .callees import add_callee, add_campaign

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Beijing
CONSENTED = (("marketing", datetime(2026, 1, 1, tzinfo=UTC), None),)
ENGINE = "engine-contract"


async def _engine_pass(pool: asyncpg.Pool, campaign_id: int, now: datetime, batch: int) -> int:
    """One dialing pass of the engine's loop; returns how many calls it started."""
    started = 0
    async with pool.acquire() as connection:
        claimed = await hopper.claim(pool, campaign_id, now, batch, ENGINE)
        outcomes = await check_numbers(connection, campaign_id, claimed, now, dial_mode="preview")
        for number, outcome in zip(claimed, outcomes, strict=True):
            verdict = outcome.decision.verdict.value
            if verdict == "BLOCK":
                await hopper.close(connection, number, "blocked", outcome.decision.reason)
            elif verdict == "DELAY":
                until = outcome.decision.until
                assert until is not None
                await hopper.defer(connection, number, until, outcome.decision.reason)
            elif await hopper.start_attempt(connection, number, ENGINE, now, outcome.audit_id):
                started += 1
    return started


async def test_a_half_forbidden_campaign_dials_only_the_allowed_half(pool: asyncpg.Pool) -> None:
    allowed: set[int] = set()
    forbidden: set[int] = set()
    late_opt_out = ""
    for index in range(24):
        e164 = f"+86138000001{index:02d}"
        if index % 2:
            account_id, _ = await add_callee(pool, e164)  # no marketing consent: CN-C1
            forbidden.add(account_id)
        elif index % 4 == 0:
            account_id, _ = await add_callee(pool, e164, consents=CONSENTED)
            async with pool.acquire() as connection:  # CN-C2
                await add_opt_out(connection, e164, "phone", NOW - timedelta(days=2))
            forbidden.add(account_id)
        else:
            account_id, _ = await add_callee(pool, e164, consents=CONSENTED)
            allowed.add(account_id)
            late_opt_out = e164
    campaign_id = await add_campaign(pool, "half forbidden")
    async with pool.acquire() as connection:
        await hopper.load_numbers(connection, campaign_id, NOW)
    # the last allowed customer asks not to be called before the engine reaches them
    await pool.execute("UPDATE campaign_numbers SET priority = -1 WHERE e164 = $1", late_opt_out)

    started = await _engine_pass(pool, campaign_id, NOW, batch=10)
    opted_out_at = NOW + timedelta(minutes=1)
    async with pool.acquire() as connection:
        await add_opt_out(connection, late_opt_out, "sms", opted_out_at)
    while True:
        more = await _engine_pass(pool, campaign_id, opted_out_at, batch=10)
        started += more
        if not await pool.fetchval("SELECT count(*) FROM campaign_numbers WHERE state = 'pending'"):
            break

    late_account = await pool.fetchval(
        "SELECT account_id FROM account_phones WHERE e164 = $1", late_opt_out
    )
    dialed = await pool.fetch(
        "SELECT a.account_id, a.compliance_decision_id, l.subject_id, l.detail ->> 'verdict' AS verdict"
        " FROM call_attempts a LEFT JOIN audit_log l ON l.audit_id = a.compliance_decision_id"
    )
    assert {d["account_id"] for d in dialed} == allowed - {late_account}
    assert started == len(dialed) == len(allowed) - 1
    # every dial cites the audited decision that allowed it, for that very account
    for attempt in dialed:
        assert attempt["verdict"] == "ALLOW"
        assert attempt["subject_id"] == attempt["account_id"]
    blocked = await pool.fetch(
        "SELECT account_id, reason FROM campaign_numbers WHERE state = 'blocked'"
    )
    assert {b["account_id"] for b in blocked} == forbidden | {late_account}
    assert all(b["reason"].startswith("Not called:") for b in blocked)
    decisions = await pool.fetchval(
        "SELECT count(*) FROM audit_log WHERE kind = 'compliance_decision'"
    )
    assert decisions == 24
