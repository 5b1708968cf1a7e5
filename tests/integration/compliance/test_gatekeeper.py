"""The gate's edge against a real PostgreSQL: facts loaded set-based, every decision audited."""

from __future__ import annotations

import dataclasses
import functools
import random
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest

from compliance.gate import decide
from compliance.models import DialMode, Verdict
from compliance.records import dial_facts, dial_request
from dialer.compliance.gatekeeper import (
    QUERIES,
    GateError,
    GateOutcome,
    UnknownCampaign,
    attempt_lookback,
    check_numbers,
)
from dialer.engine import hopper
from dialer.seed import seed

from .callees import add_attempt, add_callee, add_campaign, add_product, claim_all

# Monday 23 November 2026, 10:00 in Beijing: a working day inside CN-H1.
NOW_CN = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
# The same Monday, 11:00 in New York: inside every US window.
NOW_US = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
CONSENTED = (("marketing", datetime(2026, 1, 1, tzinfo=UTC), None),)


async def _rep(pool: asyncpg.Pool, registrations: list[str]) -> int:
    team_id = await pool.fetchval(
        "INSERT INTO teams (name) VALUES ('t') ON CONFLICT (name) DO UPDATE SET name = 't'"
        " RETURNING team_id"
    )
    user_id: int = await pool.fetchval(
        "INSERT INTO users (username, display_name, role, team_id, password_hash, registrations)"
        " VALUES ($1, 'Rep', 'telesales_rep', $2, 'x', $3) RETURNING user_id",
        f"rep{len(registrations)}",
        team_id,
        registrations,
    )
    return user_id


async def _decide(
    pool: asyncpg.Pool,
    campaign_id: int,
    numbers: list[hopper.ClaimedNumber],
    now: datetime,
    agent_user_id: int | None = None,
    candidates: tuple[int, ...] = (),
) -> dict[str, GateOutcome]:
    async with pool.acquire() as connection:
        outcomes = await check_numbers(
            connection,
            campaign_id,
            numbers,
            now,
            dial_mode="predictive",
            agent_user_id=agent_user_id,
            candidate_agent_user_ids=candidates,
        )
    assert [o.phone_id for o in outcomes] == [n.phone_id for n in numbers]
    return {o.e164: o for o in outcomes}


async def test_china_marketing_decisions_from_the_loaded_facts(pool: asyncpg.Pool) -> None:
    await add_product(pool, "ADV-T", "R3", "advisor")
    good, _ = await add_callee(pool, "+8613800000001", consents=CONSENTED)
    await add_callee(pool, "+8613800000002")  # no consent on record
    await add_callee(pool, "+8613800000003", risk="C2", consents=CONSENTED)
    await add_callee(pool, "+8613800000004", risk="C1", consents=CONSENTED)
    await add_callee(
        pool, "+8613800000005", assessed_on=date(2025, 11, 1), consents=CONSENTED
    )  # assessment older than 12 months
    refused, _ = await add_callee(pool, "+8613800000006", consents=CONSENTED)
    await pool.execute(
        "INSERT INTO dnc_entries (e164, source, added_at, account_id)"
        " VALUES ('+8613800000006', 'cn_refusal', $1, $2)",
        NOW_CN - timedelta(days=3),
        refused,
    )
    revoked_at = NOW_CN - timedelta(seconds=1)
    await add_callee(
        pool,
        "+8613800000007",
        consents=(("marketing", datetime(2026, 1, 1, tzinfo=UTC), revoked_at),),
    )
    campaign_id = await add_campaign(pool, "cn advisory", product_code="ADV-T")
    numbers = await claim_all(pool, campaign_id, NOW_CN)
    assert len(numbers) == 7

    by_number = await _decide(pool, campaign_id, numbers, NOW_CN)
    verdicts = {e164[-1]: (o.decision.verdict, o.decision.rules) for e164, o in by_number.items()}
    # no rep chosen yet: the call may go only to a rep registered for advisory services
    assert verdicts["1"] == (Verdict.REQUIRE, ("CN-A1",))
    assert by_number["+8613800000001"].decision.required_mode is None
    assert verdicts["2"] == (Verdict.BLOCK, ("CN-C1",))
    assert verdicts["3"] == (Verdict.BLOCK, ("CN-S1",))
    assert verdicts["4"] == (Verdict.BLOCK, ("CN-S1", "CN-S2"))
    assert verdicts["5"] == (Verdict.BLOCK, ("CN-S1",))
    assert verdicts["6"] == (Verdict.BLOCK, ("CN-C2",))
    assert verdicts["7"] == (Verdict.BLOCK, ("CN-C1",))
    assert "withdrawn" in by_number["+8613800000007"].decision.reason

    advisor = await _rep(pool, ["advisor"])
    unregistered = await _rep(pool, [])
    first = [n for n in numbers if n.account_id == good]
    allowed = await _decide(pool, campaign_id, first, NOW_CN, agent_user_id=advisor)
    assert allowed["+8613800000001"].decision.verdict is Verdict.ALLOW
    refused_rep = await _decide(pool, campaign_id, first, NOW_CN, agent_user_id=unregistered)
    assert refused_rep["+8613800000001"].decision.rules == ("CN-A1",)
    assert refused_rep["+8613800000001"].decision.verdict is Verdict.BLOCK

    # predictive: no rep chosen, but the engine connects these calls only to candidates
    async def with_candidates(*reps: int) -> Verdict:
        decided = await _decide(pool, campaign_id, first, NOW_CN, candidates=reps)
        return decided["+8613800000001"].decision.verdict

    assert await with_candidates(advisor) is Verdict.ALLOW
    assert await with_candidates(advisor, unregistered) is Verdict.REQUIRE
    assert await with_candidates(advisor, 999_999) is Verdict.REQUIRE  # no such user


async def test_every_decision_is_audited_with_its_rules_inputs_and_data_versions(
    pool: asyncpg.Pool,
) -> None:
    await add_product(pool, "ADV-T", "R3", "advisor")
    account_id, phone_id = await add_callee(pool, "+8613800000001", consents=CONSENTED)
    await add_callee(pool, "+8613800000002")
    campaign_id = await add_campaign(pool, "cn advisory", product_code="ADV-T")
    numbers = await claim_all(pool, campaign_id, NOW_CN)
    outcomes = list((await _decide(pool, campaign_id, numbers, NOW_CN)).values())

    rows = await pool.fetch("SELECT * FROM audit_log ORDER BY audit_id")
    assert [r["audit_id"] for r in rows] == sorted(o.audit_id for o in outcomes)
    audits = {r["audit_id"]: r for r in rows}
    for outcome in outcomes:
        row = audits[outcome.audit_id]
        detail = row["detail"]
        assert row["kind"] == "compliance_decision"
        assert (row["subject_type"], row["subject_id"]) == ("account", outcome.account_id)
        assert row["at"] == NOW_CN
        assert detail["verdict"] == outcome.decision.verdict.value
        assert detail["rules"] == list(outcome.decision.rules)
        assert detail["rule_set_version"] == outcome.decision.rule_set_version
        assert detail["rule_set_version"].startswith("CN-2026.1")
        assert detail["inputs"]["number"] == outcome.e164
        assert detail["phone_id"] == outcome.phone_id
        assert detail["campaign_id"] == campaign_id
        assert detail["reason"] == outcome.decision.reason
        assert detail["reason_zh"]
    consented = audits[next(o.audit_id for o in outcomes if o.account_id == account_id)]
    consent_id = await pool.fetchval(
        "SELECT consent_id FROM consents WHERE account_id = $1", account_id
    )
    assert [c["record_id"] for c in consented["detail"]["data_versions"]["consents"]] == [
        consent_id
    ]
    assert consented["detail"]["data_versions"]["risk_assessment"]["level"] == "C4"
    assert consented["detail"]["phone_id"] == phone_id


async def test_us_caps_count_attempts_across_campaigns_and_shared_lines(
    pool: asyncpg.Pool,
) -> None:
    await add_product(pool, "FUND-T", "R1")
    florida = functools.partial(
        add_callee,
        pool,
        "+13055550150",
        line_type="landline",
        region="FL",
        address_time_zone="America/New_York",
        consents=CONSENTED,
    )
    capped, capped_phone = await florida()
    await add_callee(pool, "+13055550151", line_type="wireless", region="FL")
    await add_callee(pool, "+12025550123", line_type="landline", region="DC")
    household, household_phone = await florida(segment="new")
    await pool.execute(
        "INSERT INTO dnc_snapshots (source, snapshot_date) VALUES ('national', '2026-11-20')"
    )
    await pool.execute(
        "INSERT INTO dnc_entries (e164, source, added_at, snapshot_id)"
        " SELECT '+12025550123', 'national', '2026-11-20', max(snapshot_id) FROM dnc_snapshots"
    )
    other = await add_campaign(pool, "other us", jurisdiction="US", product_code="FUND-T")
    first = NOW_US - timedelta(hours=20)
    await add_attempt(pool, other, capped, capped_phone, "+13055550150", first)
    await add_attempt(
        pool, other, capped, capped_phone, "+13055550150", NOW_US - timedelta(hours=9)
    )
    # the same line under another account (a household) counts too
    await add_attempt(
        pool, other, household, household_phone, "+13055550150", NOW_US - timedelta(hours=2)
    )
    # an attempt that never reached the network does not count
    await add_attempt(
        pool,
        other,
        capped,
        capped_phone,
        "+13055550150",
        NOW_US - timedelta(hours=1),
        status="blocked",
    )
    # older than any cap or lock: not even loaded
    await add_attempt(pool, other, capped, capped_phone, "+13055550150", NOW_US - timedelta(days=9))
    campaign_id = await add_campaign(
        pool, "us funds", jurisdiction="US", product_code="FUND-T", segments=["lapsed"]
    )
    numbers = await claim_all(pool, campaign_id, NOW_US)
    assert len(numbers) == 3

    by_number = await _decide(pool, campaign_id, numbers, NOW_US)
    capped_decision = by_number["+13055550150"].decision
    assert (capped_decision.verdict, capped_decision.rules) == (Verdict.DELAY, ("US-F1",))
    assert capped_decision.until == first + timedelta(hours=24)
    wireless = by_number["+13055550151"].decision
    assert (wireless.verdict, wireless.rules) == (Verdict.REQUIRE, ("US-C1",))
    assert wireless.required_mode is DialMode.PREVIEW
    registry = by_number["+12025550123"].decision
    assert (registry.verdict, registry.rules) == (Verdict.BLOCK, ("US-D1",))
    assert attempt_lookback() < timedelta(days=9)


async def test_a_stale_national_snapshot_blocks_us_marketing(pool: asyncpg.Pool) -> None:
    await add_product(pool, "FUND-T", "R1")
    await add_callee(pool, "+13055550150", line_type="landline", region="FL", consents=CONSENTED)
    await pool.execute(
        "INSERT INTO dnc_snapshots (source, snapshot_date) VALUES ('national', '2026-10-01')"
    )
    campaign_id = await add_campaign(pool, "us", jurisdiction="US", product_code="FUND-T")
    numbers = await claim_all(pool, campaign_id, NOW_US)
    decision = (await _decide(pool, campaign_id, numbers, NOW_US))["+13055550150"].decision
    assert (decision.verdict, decision.rules) == (Verdict.BLOCK, ("US-D2",))
    assert "53 days old" in decision.reason


async def _facts_one_by_one(
    pool: asyncpg.Pool, campaign_id: int, number: hopper.ClaimedNumber, now: datetime
) -> tuple[object, object]:
    """The oracle: each fact loaded with its own plain query, every attempt ever made."""
    campaign = await pool.fetchrow("SELECT * FROM campaigns WHERE campaign_id = $1", campaign_id)
    product = await pool.fetchrow(
        "SELECT * FROM products WHERE product_id = $1", campaign["product_id"]
    )
    account = await pool.fetchrow("SELECT * FROM accounts WHERE account_id = $1", number.account_id)
    phone = await pool.fetchrow("SELECT * FROM account_phones WHERE phone_id = $1", number.phone_id)
    consents = await pool.fetch("SELECT * FROM consents WHERE account_id = $1", number.account_id)
    attempts = await pool.fetch(
        "SELECT a.*, c.subject FROM call_attempts a JOIN campaigns c USING (campaign_id)"
        " WHERE (a.account_id = $1 OR a.e164 = $2) AND a.created_at <= $3",
        number.account_id,
        number.e164,
        now,
    )
    entries = await pool.fetch(
        "SELECT * FROM dnc_entries WHERE e164 = $1 AND (expires_at IS NULL OR expires_at > $2)",
        number.e164,
        now,
    )
    snapshots = await pool.fetch("SELECT * FROM dnc_snapshots")
    request = dial_request({**dict(campaign), "pacing_mode": "predictive"}, product, number.e164)
    facts = dial_facts(
        account,
        phone,
        consents=[dict(c) for c in consents],
        attempts=[dict(a) for a in attempts],
        dnc_entries=[dict(e) for e in entries],
        dnc_snapshots=[dict(s) for s in snapshots],
    )
    return request, facts


async def test_a_seeded_batch_is_decided_as_if_each_number_were_loaded_alone(
    pool: asyncpg.Pool,
) -> None:
    await seed(pool, accounts=250, seed_value=11)
    rng = random.Random(5)
    campaign_id = await add_campaign(pool, "seeded", product_code="ADV-STEADY")
    other = await add_campaign(pool, "earlier", jurisdiction="US", product_code="FUND-MMF")
    phones = await pool.fetch("SELECT phone_id, account_id, e164 FROM account_phones")
    await pool.execute(
        "INSERT INTO dnc_snapshots (source, snapshot_date) VALUES ('national', '2026-11-10'),"
        " ('tps', '2026-11-01')"
    )
    for phone in rng.sample(phones, 60):
        for _ in range(rng.randint(1, 4)):
            await add_attempt(
                pool,
                other,
                phone["account_id"],
                phone["phone_id"],
                phone["e164"],
                NOW_CN - timedelta(hours=rng.uniform(0.5, 200)),
                abandoned=rng.random() < 0.2,
            )
    for phone in rng.sample(phones, 40):
        source = rng.choice(["firm", "national", "tps", "cn_refusal"])
        await pool.execute(
            "INSERT INTO dnc_entries (e164, source, added_at, expires_at) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT DO NOTHING",
            phone["e164"],
            source,
            NOW_CN - timedelta(days=rng.randint(0, 400)),
            rng.choice([None, NOW_CN - timedelta(days=1), NOW_CN + timedelta(days=30)]),
        )
    numbers = await claim_all(pool, campaign_id, NOW_CN)
    assert len(numbers) == len(phones)

    async with pool.acquire() as connection:
        outcomes = await check_numbers(
            connection, campaign_id, numbers, NOW_CN, dial_mode="predictive"
        )
    verdicts = set()
    for number, outcome in zip(numbers, outcomes, strict=True):
        request, facts = await _facts_one_by_one(pool, campaign_id, number, NOW_CN)
        expected = decide(request, facts, NOW_CN)  # type: ignore[arg-type]
        got = outcome.decision
        assert (got.verdict, got.until, got.rules, got.reason) == (
            expected.verdict,
            expected.until,
            expected.rules,
            expected.reason,
        ), number
        verdicts.add(got.verdict)
    assert verdicts >= {Verdict.BLOCK, Verdict.REQUIRE}
    assert await pool.fetchval(
        "SELECT count(*) FROM audit_log WHERE kind = 'compliance_decision'"
    ) == len(numbers)


async def test_a_batch_costs_the_same_round_trips_whatever_its_size(pool: asyncpg.Pool) -> None:
    await seed(pool, accounts=120, seed_value=2)
    campaign_id = await add_campaign(pool, "seeded", product_code="ADV-STEADY")
    numbers = await claim_all(pool, campaign_id, NOW_CN)
    assert len(numbers) > 100
    rep = await pool.fetchval("SELECT user_id FROM users WHERE username = 'rep01'")
    ours = set(QUERIES.values())

    async def round_trips(batch: list[hopper.ClaimedNumber]) -> int:
        statements: list[str] = []
        async with pool.acquire() as connection:
            connection.add_query_logger(lambda logged: statements.append(logged.query))
            await check_numbers(
                connection, campaign_id, batch, NOW_CN, dial_mode="progressive", agent_user_id=rep
            )
        # the driver's own type introspection and connection reset are not the gate's
        return sum(1 for statement in statements if statement in ours)

    assert await round_trips(numbers[:1]) == await round_trips(numbers) == 8


async def test_the_fact_queries_use_their_indexes(pool: asyncpg.Pool) -> None:
    await seed(pool, accounts=2_000, seed_value=3)
    campaign_id = await add_campaign(pool, "history")
    # a call centre's history: many attempts and do-not-call entries to search through
    await pool.execute(
        "INSERT INTO call_attempts (campaign_id, account_id, phone_id, e164, idempotency_key,"
        " status, created_at)"
        " SELECT $1, p.account_id, p.phone_id, p.e164, p.phone_id || '-' || g, 'completed',"
        "        $2::timestamptz - make_interval(hours => g * 7)"
        " FROM account_phones p, generate_series(1, 10) g",
        campaign_id,
        NOW_CN,
    )
    await pool.execute(
        "INSERT INTO dnc_entries (e164, source, added_at)"
        " SELECT e164, 'national', $1 FROM account_phones ON CONFLICT DO NOTHING",
        NOW_CN,
    )
    await pool.execute("ANALYZE")
    sample = await pool.fetch("SELECT phone_id, account_id, e164 FROM account_phones LIMIT 20")
    accounts = [r["account_id"] for r in sample]
    e164s = [r["e164"] for r in sample]
    arguments = {
        "gate_callees": ([r["phone_id"] for r in sample],),
        "gate_consents": (accounts,),
        "gate_attempts": (accounts, e164s, NOW_CN - attempt_lookback(), NOW_CN),
        "gate_dnc_entries": (e164s, NOW_CN),
    }
    plans = {
        name: "\n".join(r[0] for r in await pool.fetch("EXPLAIN " + QUERIES[name], *args))
        for name, args in arguments.items()
    }
    assert "account_phones_pkey" in plans["gate_callees"]
    assert "consents_account" in plans["gate_consents"]
    assert "call_attempts_account" in plans["gate_attempts"]
    assert "call_attempts_e164" in plans["gate_attempts"]
    assert "dnc_entries_e164_source_key" in plans["gate_dnc_entries"]
    for plan in plans.values():
        assert "Seq Scan on call_attempts" not in plan and "Seq Scan on dnc_entries" not in plan


async def test_numbers_of_another_campaign_or_no_campaign_are_refused(pool: asyncpg.Pool) -> None:
    await add_callee(pool, "+8613800000001", consents=CONSENTED)
    campaign_id = await add_campaign(pool, "cn")
    other = await add_campaign(pool, "other")
    numbers = await claim_all(pool, campaign_id, NOW_CN)
    async with pool.acquire() as connection:
        with pytest.raises(GateError, match="check each campaign's numbers"):
            await check_numbers(connection, other, numbers, NOW_CN, dial_mode="predictive")
        stray = [dataclasses.replace(n, campaign_id=999) for n in numbers]
        with pytest.raises(UnknownCampaign, match="no campaign 999"):
            await check_numbers(connection, 999, stray, NOW_CN, dial_mode="predictive")
        assert await check_numbers(connection, 999, [], NOW_CN, dial_mode="predictive") == []
    assert await pool.fetchval("SELECT count(*) FROM audit_log") == 0


async def test_inside_the_callers_transaction_the_audit_is_the_callers_to_commit(
    pool: asyncpg.Pool,
) -> None:
    await add_callee(pool, "+8613800000001", consents=CONSENTED)
    campaign_id = await add_campaign(pool, "cn")
    numbers = await claim_all(pool, campaign_id, NOW_CN)
    async with pool.acquire() as connection:
        transaction = connection.transaction()
        await transaction.start()
        [outcome] = await check_numbers(
            connection, campaign_id, numbers, NOW_CN, dial_mode="predictive"
        )
        assert outcome.decision.verdict is Verdict.ALLOW
        assert await connection.fetchval("SELECT count(*) FROM audit_log") == 1
        await transaction.rollback()
    assert await pool.fetchval("SELECT count(*) FROM audit_log") == 0


async def test_a_plain_connection_without_json_codecs_reads_the_same_facts(
    pool: asyncpg.Pool, db_url: str
) -> None:
    account_id, _ = await add_callee(pool, "+442079460123", region="England", consents=CONSENTED)
    await pool.execute(
        """UPDATE accounts SET extra = '{"client_expects_calls": true}',"""
        " existing_customer_since = '2020-01-01' WHERE account_id = $1",
        account_id,
    )
    await pool.execute(
        "INSERT INTO dnc_snapshots (source, snapshot_date) VALUES ('tps', '2026-11-20')"
    )
    campaign_id = await add_campaign(pool, "uk", jurisdiction="UK")
    numbers = await claim_all(pool, campaign_id, NOW_US)
    plain = await asyncpg.connect(db_url)
    try:
        [outcome] = await check_numbers(plain, campaign_id, numbers, NOW_US, dial_mode="preview")
    finally:
        await plain.close()
    # the existing client expects calls: the FCA cold-call gate (UK-F1) lets it through
    assert outcome.decision.verdict is Verdict.ALLOW, outcome.decision.reason
