"""The service coefficient end to end: computed per person per month from the complaints
register (and QA and SMS), applied by posting with no scores file, shown on the ledger;
a late complaint lowers a posted month's figure and the next posting reverses and reposts
exactly; the scores file stays as an override with its reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import structlog

from dialer.quality.coefficients import (
    compute_month,
    month_coefficients,
    record_overrides,
    refresh_coefficients,
)
from dialer.quality.complaints import (
    ComplaintError,
    Evidence,
    close_complaint,
    lodge_complaint,
    start_investigation,
)
from dialer.revenue.conversions import import_conversions
from dialer.revenue.ledger import post_revenue, store_rule_set
from dialer.revenue.restatement import restate_coefficients
from dialer.revenue.statements import reconcile_ledger
from revenue.statements import Month

from .conftest import NOW, Brokerage
from .test_revenue_ledger import HEADER, SHANGHAI, customer, rules

NOVEMBER = Month(2026, 11)


async def _posted_november(b: Brokerage) -> tuple[int, int]:
    await store_rule_set(b.pool, rules())
    (manager,) = await b.account_managers(b.branch_a, "am-c", 1)
    account = await customer(b, "A1", manager, with_call=True)
    text = HEADER + (
        "C1,A1,reactivated,2026-11-02,,\nK1,A1,net_commission,2026-11-30,1000.00,2026-11\n"
    )
    await import_conversions(b.pool, text, now=NOW, time_zone=SHANGHAI)
    await refresh_coefficients(b.pool, tz=SHANGHAI, now=NOW)
    report = await post_revenue(b.pool, now=NOW, time_zone=SHANGHAI)
    assert report.conversions_posted == 1
    return account, manager


async def _entries(b: Brokerage) -> list[dict]:
    rows = await b.pool.fetch(
        "SELECT entry_id, party_kind, party_id, amount_cents, period, reverses_entry_id, reason,"
        " service_score, service_multiplier FROM revenue_ledger ORDER BY entry_id"
    )
    return [dict(r) for r in rows]


async def test_a_clean_month_pays_x1_03_with_no_scores_file(brokerage: Brokerage) -> None:
    b = brokerage
    _account, manager = await _posted_november(b)
    figures = {f.user_id: f for f in await month_coefficients(b.pool, NOVEMBER)}
    assert figures[b.rep].score == 1 and figures[b.rep].rule_version == 1
    assert figures[b.rep].inputs["upheld_complaints"] == 0
    by_party = {e["party_kind"]: e for e in await _entries(b)}
    # 5% of 1000.00 for the rep, 10% for the account manager, each x1.03
    assert by_party["rep"]["amount_cents"] == 5150 and by_party["rep"]["service_score"] == 1
    assert by_party["rep"]["service_multiplier"] == Decimal("1.03")
    assert by_party["account_manager"]["party_id"] == manager
    assert by_party["account_manager"]["amount_cents"] == 10300
    assert all(check.ok for check in await reconcile_ledger(b.pool, None, SHANGHAI))


async def test_a_late_upheld_complaint_reverses_and_reposts_exactly(
    brokerage: Brokerage,
) -> None:
    b = brokerage
    account, _manager = await _posted_november(b)
    before = await _entries(b)
    call = await b.pool.fetchval(
        "SELECT call_attempt_id FROM call_attempts WHERE account_id = $1", account
    )
    await b.pool.execute("UPDATE call_attempts SET agent_user_id = $1", b.rep)
    # received in November, lodged and upheld in December, after November was posted
    december = NOW + timedelta(days=12)
    complaint_id = await lodge_complaint(
        b.pool,
        account_id=account,
        source="regulator",
        summary="Customer says the rep promised returns",
        received_at=datetime(2026, 11, 25, tzinfo=UTC),
        call_ids=(call,),
        recorded_by=None,
        now=december,
    )
    await start_investigation(b.pool, complaint_id, investigator_id=b.rep, now=december)
    with pytest.raises(ComplaintError, match="linked calls"):
        await close_complaint(
            b.pool,
            complaint_id,
            upheld=True,
            finding="x",
            evidence=Evidence(recording_ids=(999,)),
            closed_by=b.rep,
            now=december,
        )
    await b.pool.execute(
        "INSERT INTO account_phones (account_id, e164, line_type, region_code)"
        " VALUES ($1, '+8613900000001', 'mobile', 'CN')",
        account,
    )
    closed = await close_complaint(
        b.pool,
        complaint_id,
        upheld=True,
        finding="The recording has the promise of returns.",
        evidence=Evidence(),
        closed_by=b.rep,
        now=december,
        apply_dnc=True,
    )
    assert closed == {"complaint_id": complaint_id, "status": "upheld", "dnc_numbers": 1}
    dnc = await b.pool.fetchrow(
        "SELECT scope, source FROM dnc_entries WHERE e164 = '+8613900000001'"
    )
    assert (dnc["scope"], dnc["source"]) == ("all", "firm")

    # posting again first finds nothing new; the coefficient has not been recomputed yet
    assert (
        await restate_coefficients(b.pool, now=december, time_zone=SHANGHAI)
    ).entries_posted == 0
    await refresh_coefficients(b.pool, tz=SHANGHAI, now=december)
    figures = {f.user_id: f for f in await month_coefficients(b.pool, NOVEMBER)}
    assert figures[b.rep].score == Decimal("0.9")
    assert figures[b.rep].inputs["upheld_complaints"] == 1
    restated = await restate_coefficients(b.pool, now=december, time_zone=SHANGHAI)
    assert restated.conversions_restated == 1
    [change] = restated.changes
    assert Decimal(change["posted_score"]) == 1 and Decimal(change["standing_score"]) == Decimal(
        "0.9"
    )

    after = await _entries(b)
    assert after[: len(before)] == before  # nothing edited
    reversals = [e for e in after if e["reverses_entry_id"] is not None]
    reposts = [e for e in after[len(before) :] if e["reverses_entry_id"] is None]
    assert len(reversals) == len(before) == restated.entries_reversed
    originals = {e["entry_id"]: e for e in before}
    for reversal in reversals:
        original = originals[reversal["reverses_entry_id"]]
        assert reversal["amount_cents"] == -original["amount_cents"]
        assert (reversal["party_kind"], reversal["party_id"]) == (
            original["party_kind"],
            original["party_id"],
        )
        assert reversal["period"] == "2026-12"
    reposted = {e["party_kind"]: e for e in reposts}
    assert reposted["rep"]["amount_cents"] == 5000  # 5% of 1000.00 at x1.0
    assert reposted["rep"]["service_score"] == Decimal("0.9")
    assert reposted["account_manager"]["amount_cents"] == 10300  # unchanged person: x1.03
    assert sum(e["amount_cents"] for e in reposts) == 100000  # the firm keeps the rest
    assert sum(e["amount_cents"] for e in after) == 100000
    assert all(check.ok for check in await reconcile_ledger(b.pool, None, SHANGHAI))
    # nothing changes on a second run
    again = await restate_coefficients(b.pool, now=december, time_zone=SHANGHAI)
    assert again.entries_posted == 0 and len(await _entries(b)) == len(after)


async def test_an_override_with_its_reason_wins_until_changed(brokerage: Brokerage) -> None:
    b = brokerage
    await _posted_november(b)
    with pytest.raises(Exception, match="reason"):
        await record_overrides(b.pool, NOVEMBER, {b.rep: Decimal("0.75")}, reason=" ", now=NOW)
    await record_overrides(
        b.pool, NOVEMBER, {b.rep: Decimal("0.75")}, reason="branch review board", now=NOW
    )
    standing = await compute_month(b.pool, NOVEMBER, tz=SHANGHAI, now=NOW)
    assert standing[b.rep].score == Decimal("0.75")
    assert standing[b.rep].override_reason == "branch review board"
    restated = await restate_coefficients(b.pool, now=NOW, time_zone=SHANGHAI)
    assert restated.conversions_restated == 1
    rep_now = await b.pool.fetchval(
        "SELECT amount_cents FROM revenue_ledger WHERE party_kind = 'rep' AND entry_id ="
        " (SELECT max(entry_id) FROM revenue_ledger WHERE party_kind = 'rep')"
    )
    assert rep_now == 3000  # x0.6


@pytest.fixture
def restore_logging():
    yield
    structlog.reset_defaults()


@pytest.mark.usefixtures("restore_logging")
async def test_the_post_command_computes_coefficients_and_takes_a_file_only_with_a_reason(
    brokerage: Brokerage, db_url: str, tmp_path, monkeypatch, capsys
) -> None:
    import asyncio
    import json

    from dialer.cli.revenue import post_main

    b = brokerage
    await store_rule_set(b.pool, rules())
    (manager,) = await b.account_managers(b.branch_a, "am-d", 1)
    await customer(b, "A1", manager, with_call=False)
    text = (
        HEADER + "C1,A1,reactivated,2026-11-02,,\nK1,A1,net_commission,2026-11-30,10.00,2026-11\n"
    )
    await import_conversions(b.pool, text, now=NOW, time_zone=SHANGHAI)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DIALER_DATA_DIR", str(tmp_path / "data"))
    scores = tmp_path / "scores.csv"
    scores.write_text(f"user_id,score\n{b.rep},0.85\n", encoding="utf-8")
    assert await asyncio.to_thread(post_main, ["--scores", str(scores)]) == 2
    assert "--reason" in capsys.readouterr().err
    assert await b.pool.fetchval("SELECT count(*) FROM revenue_ledger") == 0

    assert await asyncio.to_thread(post_main, []) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["conversions_posted"] == 1
    assert Decimal(summary["coefficients"]["2026-11"][str(b.rep)]) == 1
    args = ["--scores", str(scores), "--month", "2026-11", "--reason", "board ruling 12"]
    assert await asyncio.to_thread(post_main, args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["restated"]["conversions_restated"] == 1
    reason = await b.pool.fetchval(
        "SELECT override_reason FROM service_coefficients WHERE user_id = $1"
        " ORDER BY coefficient_id DESC LIMIT 1",
        b.rep,
    )
    assert reason == "board ruling 12"
    assert all(check.ok for check in await reconcile_ledger(b.pool, None, SHANGHAI))
