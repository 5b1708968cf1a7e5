"""Revenue from imported conversions to the stored ledger, statements and reconciliation."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
import structlog

from dialer.cli.revenue import post_main
from dialer.cli.revenue import reconcile_main as main
from dialer.leads.errors import LeadError
from dialer.leads.handoff import WarmLead, hand_off
from dialer.revenue.conversions import import_conversions
from dialer.revenue.ledger import (
    claw_back_customer,
    load_rule_book,
    post_revenue,
    read_scores,
    reverse_conversion,
    store_rule_set,
)
from dialer.revenue.statements import reconcile_ledger
from revenue.conversions import RevenueKind
from revenue.parties import Side
from revenue.rules import RuleSet, SplitShares
from revenue.statements import StatementKind, statements_csv

from .conftest import NOW, Brokerage, make_account

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = "external_ref,account_number,kind,occurred_on,amount,period\n"


def rules(version: int = 1, **overrides: object) -> RuleSet:
    fields: dict[str, object] = {
        "firm_id": "firm",
        "version": version,
        "effective_from": datetime(2026, 1, 1, tzinfo=SHANGHAI),
        "counted_revenue": {RevenueKind.NET_COMMISSION: 365},
        "shares": SplitShares(rep=Decimal("5"), team=Decimal("1"), account_manager=Decimal("10")),
        "caps_per_conversion": {},
    }
    fields.update(overrides)
    return RuleSet.model_validate(fields)


async def test_rule_versions_are_stored_once_and_never_change(brokerage: Brokerage) -> None:
    b = brokerage
    first = await store_rule_set(b.pool, rules())
    assert await store_rule_set(b.pool, rules()) == first
    with pytest.raises(LeadError, match="versions never change"):
        await store_rule_set(
            b.pool, rules(shares=SplitShares(rep=Decimal("6"), account_manager=Decimal("10")))
        )
    second = await store_rule_set(
        b.pool, rules(2, effective_from=datetime(2026, 7, 1, tzinfo=SHANGHAI))
    )
    book, ids = await load_rule_book(b.pool)
    assert [v.version for v in book.versions] == [1, 2]
    assert ids == {1: first, 2: second}


async def customer(b: Brokerage, number: str, manager: int | None, with_call: bool) -> int:
    account = await make_account(b.pool, f"Customer {number}", b.branch_a, manager)
    await b.pool.execute(
        "UPDATE accounts SET account_number = $2 WHERE account_id = $1", account, number
    )
    call = None
    if with_call:
        call = await b.pool.fetchval(
            "INSERT INTO call_attempts (campaign_id, account_id, e164, idempotency_key, created_at,"
            " status) VALUES ($1, $2, '+8613800000000', $3, $4, 'completed')"
            " RETURNING call_attempt_id",
            b.campaign,
            account,
            f"call-{number}",
            NOW - timedelta(days=30),
        )
    await hand_off(
        b.pool,
        WarmLead(
            account_id=account, campaign_id=b.campaign, rep_user_id=b.rep, call_attempt_id=call
        ),
        datetime(2026, 10, 20, tzinfo=UTC),
    )
    return account


async def test_commission_is_split_posted_once_and_reconciles(
    brokerage: Brokerage,
) -> None:
    b = brokerage
    rule_set_id = await store_rule_set(b.pool, rules())
    (manager,) = await b.account_managers(b.branch_a, "am-a", 1)
    await customer(b, "A1", manager, with_call=True)
    await customer(b, "A2", None, with_call=False)  # orphan, manual branch: the branch pool
    text = HEADER + (
        "C1,A1,reactivated,2026-11-02,,\n"
        "K1,A1,net_commission,2026-11-30,1000.00,2026-11\n"
        "C2,A2,funds_in,2026-11-03,,\n"
        "K2,A2,net_commission,2026-11-30,0.07,2026-11\n"
        "K3,A2,net_commission,2026-12-31,333.33,2026-12\n"
    )
    imported = await import_conversions(b.pool, text, now=NOW, time_zone=SHANGHAI)
    assert imported.attributed == 5

    report = await post_revenue(b.pool, now=NOW, time_zone=SHANGHAI)
    assert (report.conversions_posted, report.entries, report.not_posted) == (3, 12, [])
    rows = await b.pool.fetch(
        "SELECT g.*, c.external_ref FROM revenue_ledger g JOIN conversions c USING (conversion_id)"
        " ORDER BY entry_id"
    )
    k1 = {r["party_kind"]: r for r in rows if r["external_ref"] == "K1"}
    assert {kind: r["amount_cents"] for kind, r in k1.items()} == {
        "rep": 5000,
        "team": 1000,
        "account_manager": 10000,
        "firm": 84000,
    }
    assert k1["account_manager"]["party_id"] == manager
    assert k1["rep"]["party_id"] == b.rep
    assert k1["rep"]["call_attempt_id"] is not None
    assert {r["rule_set_id"] for r in rows} == {rule_set_id}
    k2 = {r["party_kind"]: r["amount_cents"] for r in rows if r["external_ref"] == "K2"}
    assert k2 == {"rep": 0, "team": 0, "branch": 1, "firm": 6}
    for ref in ("K1", "K2", "K3"):
        assert (
            sum(r["amount_cents"] for r in rows if r["external_ref"] == ref)
            == {
                "K1": 100000,
                "K2": 7,
                "K3": 33333,
            }[ref]
        )

    again = await post_revenue(b.pool, now=NOW + timedelta(days=1), time_zone=SHANGHAI)
    assert (again.conversions_posted, again.entries) == (0, 0)
    assert await b.pool.fetchval("SELECT count(*) FROM revenue_ledger") == 12

    checks = await reconcile_ledger(b.pool, None, SHANGHAI)
    assert [str(check.month) for check in checks] == ["2026-11", "2026-12"]
    assert all(check.ok for check in checks), [c.reconciliation.report() for c in checks]
    november = checks[0]
    assert november.reconciliation.ledger_total == Decimal("1000.07")
    assert november.reconciliation.centre_total == Decimal("60.00")
    assert november.reconciliation.branch_total == Decimal("100.01")
    line = november.statements.get(StatementKind.REP, str(b.rep)).lines[0]
    assert line.lead_id and line.call_id and line.rule_version == 1


async def test_an_advisory_fee_is_imported_posted_as_such_and_the_statements_agree(
    brokerage: Brokerage,
) -> None:
    b = brokerage
    counted = {RevenueKind.NET_COMMISSION: 365, RevenueKind.ADVISORY_FEE: 365}
    await store_rule_set(b.pool, rules(counted_revenue=counted))
    (manager,) = await b.account_managers(b.branch_a, "am-a", 1)
    await customer(b, "A1", manager, with_call=True)
    text = HEADER + (
        "S1,A1,advisory_signed,2026-11-02,,\n"
        "F1,A1,advisory_fee,2026-11-30,2000.01,2026-11\n"
        "K1,A1,net_commission,2026-11-30,1000.00,2026-11\n"
    )
    imported = await import_conversions(b.pool, text, now=NOW, time_zone=SHANGHAI)
    assert (imported.new, imported.attributed, imported.rejected) == (3, 3, [])

    report = await post_revenue(b.pool, now=NOW, time_zone=SHANGHAI)
    assert (report.conversions_posted, report.not_posted) == (2, [])
    fee = {
        r["party_kind"]: r["amount_cents"]
        for r in await b.pool.fetch(
            "SELECT g.party_kind, g.amount_cents FROM revenue_ledger g"
            " JOIN conversions c USING (conversion_id) WHERE c.external_ref = 'F1'"
        )
    }
    assert sum(fee.values()) == 200001
    assert fee["rep"] == 10000 and fee["account_manager"] == 20000

    (november,) = await reconcile_ledger(b.pool, None, SHANGHAI)
    assert november.ok, november.reconciliation.report()
    result = november.reconciliation
    assert result.ledger_total == Decimal("3000.01")
    assert result.centre_total + result.branch_total + result.firm_retained_total == Decimal(
        "3000.01"
    )
    # The centre's statements (rep and team) and the branch's agree with the ledger's rows.
    assert result.centre_total == november.statements.side_total(Side.CENTRE) == Decimal("180.00")
    assert result.branch_total == november.statements.side_total(Side.BRANCH) == Decimal("300.00")
    kinds = {
        line.revenue_id: line.revenue_kind
        for line in november.statements.get(StatementKind.REP, str(b.rep)).lines
    }
    ids = dict(await b.pool.fetch("SELECT external_ref, conversion_id::text FROM conversions"))
    f1, k1 = ids["F1"], ids["K1"]
    assert kinds == {f1: RevenueKind.ADVISORY_FEE, k1: RevenueKind.NET_COMMISSION}
    table = list(csv.DictReader(io.StringIO(statements_csv(november.statements.statements))))
    assert {r["revenue_kind"] for r in table if r["revenue_id"] == f1} == {"advisory_fee"}


async def test_an_advisory_fee_the_rules_do_not_count_is_not_posted(brokerage: Brokerage) -> None:
    b = brokerage
    await store_rule_set(b.pool, rules())  # counts net commission only
    await customer(b, "A1", None, with_call=False)
    text = HEADER + (
        "S1,A1,advisory_signed,2026-11-02,,\nF1,A1,advisory_fee,2026-11-30,10.00,2026-11\n"
    )
    await import_conversions(b.pool, text, now=NOW, time_zone=SHANGHAI)
    report = await post_revenue(b.pool, now=NOW, time_zone=SHANGHAI)
    assert report.conversions_posted == 0
    assert "do not count advisory_fee" in report.not_posted[0][1]
    assert await b.pool.fetchval("SELECT count(*) FROM revenue_ledger") == 0


async def test_revenue_outside_the_rules_is_not_posted_and_says_why(brokerage: Brokerage) -> None:
    b = brokerage
    await store_rule_set(b.pool, rules(counted_revenue={RevenueKind.NET_COMMISSION: 30}))
    await customer(b, "A1", None, with_call=False)
    text = HEADER + (
        "C1,A1,reactivated,2026-11-02,,\nK1,A1,net_commission,2027-01-31,10.00,2027-01\n"
    )
    await import_conversions(b.pool, text, now=NOW, time_zone=SHANGHAI)
    report = await post_revenue(b.pool, now=NOW, time_zone=SHANGHAI)
    assert report.conversions_posted == 0
    assert "outside" in report.not_posted[0][1]
    assert await b.pool.fetchval("SELECT count(*) FROM revenue_ledger") == 0


async def test_posting_needs_rules(brokerage: Brokerage) -> None:
    with pytest.raises(LeadError, match="no revenue rule set"):
        await post_revenue(brokerage.pool, now=NOW, time_zone=SHANGHAI)


@pytest.fixture
def restore_logging():
    yield
    structlog.reset_defaults()


@pytest.mark.usefixtures("restore_logging")
async def test_the_command_exits_non_zero_naming_the_difference(
    brokerage: Brokerage,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    b = brokerage
    await store_rule_set(b.pool, rules())
    (manager,) = await b.account_managers(b.branch_a, "am-a", 1)
    await customer(b, "A1", manager, with_call=True)
    text = (
        HEADER + "C1,A1,reactivated,2026-11-02,,\nK1,A1,net_commission,2026-11-30,99.99,2026-11\n"
    )
    await import_conversions(b.pool, text, now=NOW, time_zone=SHANGHAI)
    await post_revenue(b.pool, now=NOW, time_zone=SHANGHAI)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DIALER_DATA_DIR", str(tmp_path / "data"))
    statements = tmp_path / "statements.csv"
    code = await asyncio.to_thread(main, ["--month", "2026-11", "--csv", str(statements)])
    out = capsys.readouterr().out
    assert code == 0, out
    # 99.99 at 5 / 1 / 10 %: exact 4.9995, 0.9999, 9.999 and 83.9916; the three cents left
    # after rounding down go to the largest remainders: team, rep, account manager.
    assert (
        "2026-11: centre 6.00 + branches 10.00 + firm retained 83.99 = 99.99; ledger 99.99: reconciled"
        in out
    )
    table = list(csv.DictReader(io.StringIO(statements.read_text(encoding="utf-8"))))
    totals = {
        (r["statement"], r["holder"]): r["amount"] for r in table if r["entry_type"] == "total"
    }
    assert totals[("rep", str(b.rep))] == "5.00"
    assert totals[("branch", str(b.branch_a))] == "10.00"

    # A row booked to the centre as a whole is on no statement: named, exit 1.
    conversion = await b.pool.fetchval(
        "SELECT conversion_id FROM conversions WHERE external_ref = 'K1'"
    )
    await b.pool.execute(
        "INSERT INTO revenue_ledger (conversion_id, party_kind, amount_cents, period, posted_at)"
        " VALUES ($1, 'centre', 150, '2026-11', $2)",
        conversion,
        NOW,
    )
    code = await asyncio.to_thread(main, ["--month", "2026-11"])
    out = capsys.readouterr().out
    assert code == 1
    assert "NOT reconciled" in out
    assert "stored ledger's total: expected 101.49, found 99.99 (off by -1.50)" in out
    assert "party kind 'centre', which no statement covers" in out
    assert await asyncio.to_thread(main, ["--month", "November"]) == 2
    assert "YYYY-MM" in capsys.readouterr().err


async def posted_book(b: Brokerage, **rule_fields: Any) -> int:
    await store_rule_set(b.pool, rules(**rule_fields))
    (manager,) = await b.account_managers(b.branch_a, "am-a", 1)
    account = await customer(b, "A1", manager, with_call=True)
    text = (
        HEADER + "C1,A1,reactivated,2026-11-02,,\nK1,A1,net_commission,2026-11-30,1000.00,2026-11\n"
    )
    await import_conversions(b.pool, text, now=NOW, time_zone=SHANGHAI)
    await post_revenue(b.pool, now=NOW, time_zone=SHANGHAI)
    return account


async def sums_by_party(b: Brokerage) -> dict[str, int]:
    return dict(
        await b.pool.fetch(
            "SELECT party_kind, sum(amount_cents)::bigint FROM revenue_ledger GROUP BY 1"
        )
    )


async def test_a_correction_is_a_reversing_entry_never_an_update(brokerage: Brokerage) -> None:
    b = brokerage
    await posted_book(b)
    k1 = await b.pool.fetchval("SELECT conversion_id FROM conversions WHERE external_ref = 'K1'")
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await b.pool.execute("UPDATE revenue_ledger SET amount_cents = 0")
    later = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    written = await reverse_conversion(
        b.pool, k1, reason="back office restated November", now=later, time_zone=SHANGHAI
    )
    assert written == 4
    assert set((await sums_by_party(b)).values()) == {0}
    reversals = await b.pool.fetch(
        "SELECT period, reason, reverses_entry_id FROM revenue_ledger WHERE reverses_entry_id IS NOT NULL"
    )
    assert {(r["period"], r["reason"]) for r in reversals} == {
        ("2026-12", "back office restated November")
    }
    with pytest.raises(LeadError, match="nothing on the ledger to reverse"):
        await reverse_conversion(b.pool, k1, reason="again", now=later, time_zone=SHANGHAI)
    checks = await reconcile_ledger(b.pool, None, SHANGHAI)
    assert [str(c.month) for c in checks] == ["2026-11", "2026-12"]
    assert all(c.ok for c in checks)
    assert checks[1].reconciliation.ledger_total == Decimal("-1000.00")


async def test_the_ledger_refuses_truncate_delete_and_update(brokerage: Brokerage) -> None:
    b = brokerage
    await posted_book(b)
    for statement in (
        "TRUNCATE revenue_ledger",
        "TRUNCATE revenue_ledger CASCADE",
        "DELETE FROM revenue_ledger",
        "UPDATE revenue_ledger SET reason = 'edited'",
    ):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await b.pool.execute(statement)
    assert await b.pool.fetchval("SELECT count(*) FROM revenue_ledger") == 4


async def test_a_customer_leaving_within_the_period_claws_back_the_shares(
    brokerage: Brokerage,
) -> None:
    b = brokerage
    account = await posted_book(b, clawback_days=30)
    before = await sums_by_party(b)
    late = datetime(2026, 12, 10, tzinfo=SHANGHAI)
    assert (
        await claw_back_customer(b.pool, account, departed_at=late, now=late, time_zone=SHANGHAI)
        == 0
    )
    left = datetime(2026, 11, 20, tzinfo=SHANGHAI)
    written = await claw_back_customer(
        b.pool, account, departed_at=left, now=left + timedelta(days=1), time_zone=SHANGHAI
    )
    assert written == 4  # rep, team and manager reversed, the firm credited
    after = await sums_by_party(b)
    assert after == {"rep": 0, "team": 0, "account_manager": 0, "firm": 100000}
    assert sum(after.values()) == sum(before.values())
    assert (
        await claw_back_customer(b.pool, account, departed_at=left, now=left, time_zone=SHANGHAI)
        == 0
    )
    checks = await reconcile_ledger(b.pool, None, SHANGHAI)
    assert all(c.ok for c in checks), [c.reconciliation.report() for c in checks]


@pytest.mark.usefixtures("restore_logging")
async def test_the_post_command_stores_rules_and_posts(
    brokerage: Brokerage,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    b = brokerage
    (manager,) = await b.account_managers(b.branch_a, "am-a", 1)
    await customer(b, "A1", manager, with_call=False)
    text = (
        HEADER + "C1,A1,reactivated,2026-11-02,,\nK1,A1,net_commission,2026-11-30,10.00,2026-11\n"
    )
    await import_conversions(b.pool, text, now=NOW, time_zone=SHANGHAI)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DIALER_DATA_DIR", str(tmp_path / "data"))
    rules_file = tmp_path / "rules.json"
    rules_file.write_text(rules().model_dump_json(), encoding="utf-8")
    assert await asyncio.to_thread(post_main, ["--rules", str(rules_file)]) == 0
    assert '"conversions_posted": 1' in capsys.readouterr().out
    assert await b.pool.fetchval("SELECT sum(amount_cents) FROM revenue_ledger") == 1000
    rules_file.write_text('{"firm_id": "firm"}', encoding="utf-8")
    assert await asyncio.to_thread(post_main, ["--rules", str(rules_file)]) == 2
    assert "invalid rules" in capsys.readouterr().err


async def test_service_coefficients_scale_the_shares_and_the_firm_keeps_the_rest(
    brokerage: Brokerage,
) -> None:
    b = brokerage
    await store_rule_set(b.pool, rules())
    (manager,) = await b.account_managers(b.branch_a, "am-a", 1)
    await customer(b, "A1", manager, with_call=False)
    text = (
        HEADER + "C1,A1,reactivated,2026-11-02,,\nK1,A1,net_commission,2026-11-30,1000.00,2026-11\n"
    )
    await import_conversions(b.pool, text, now=NOW, time_zone=SHANGHAI)
    scores = read_scores(f"user_id,score\n{b.rep},0.85\n{manager},1\n")
    await post_revenue(b.pool, now=NOW, time_zone=SHANGHAI, service_scores=scores)
    assert await sums_by_party(b) == {
        "rep": 4000,  # 5 % x 0.8
        "team": 1000,
        "account_manager": 10300,  # 10 % x 1.03
        "firm": 84700,
    }
    with pytest.raises(LeadError, match="line 2 is not user_id,score"):
        read_scores("user_id,score\nx,1\n")
    with pytest.raises(LeadError, match="between 0 and 1"):
        read_scores("7,1.2\n")
