import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from revenue.errors import RevenueError
from revenue.ledger import LedgerEntry, clawback, post_split
from revenue.parties import Party
from revenue.reconcile import reconcile
from revenue.split import split_revenue
from revenue.statements import Month, StatementKind, monthly_statements, statements_csv

from .builders import T0, attributed, conversion, lead, revenue, rule_set

SHANGHAI = ZoneInfo("Asia/Shanghai")


def ledger() -> list[LedgerEntry]:
    """Two customers: one with a manager, one orphan (branch pool), one clawed back."""
    rules = rule_set()
    first = post_split(
        split_revenue(revenue("1000.00"), attributed(), rules), datetime(2026, 3, 25, tzinfo=UTC)
    )
    orphan_lead = lead(
        lead_id="lead-2", customer_id="cust-2", call_id="call-2", account_manager_id=None
    )
    orphan_conversion = conversion(conversion_id="conv-2", customer_id="cust-2")
    second = post_split(
        split_revenue(
            revenue("300.00", revenue_id="rev-2", customer_id="cust-2"),
            attributed(orphan_conversion, orphan_lead),
            rules,
        ),
        datetime(2026, 3, 26, tzinfo=UTC),
    )
    clawed = clawback(
        [*first, *second],
        conversion(),
        T0 + timedelta(days=20),
        rules,
        datetime(2026, 4, 2, tzinfo=UTC),
    )
    return [*first, *second, *clawed]


def test_month_parsing() -> None:
    assert Month.parse("2026-03") == Month(2026, 3)
    assert str(Month(2026, 3)) == "2026-03"
    with pytest.raises(RevenueError, match="YYYY-MM"):
        Month.parse("2026-13")
    with pytest.raises(RevenueError, match="YYYY-MM"):
        Month.parse("March")


def test_statements_per_rep_team_manager_branch_and_firm() -> None:
    march = monthly_statements(ledger(), Month(2026, 3), UTC)
    assert march.get(StatementKind.REP, "rep-1").total == Decimal("65.00")
    assert march.get(StatementKind.TEAM, "team-1").total == Decimal("13.00")
    assert march.get(StatementKind.ACCOUNT_MANAGER, "am-1").total == Decimal("100.00")
    assert march.get(StatementKind.BRANCH, "branch-1").total == Decimal("130.00")
    assert march.get(StatementKind.FIRM, None).total == Decimal("1092.00")
    line = march.get(StatementKind.REP, "rep-1").lines[1]
    assert (line.conversion_id, line.lead_id, line.call_id, line.rule_version) == (
        "conv-2",
        "lead-2",
        "call-2",
        1,
    )
    assert reconcile(ledger(), march, UTC).ok


def test_a_clawback_shows_in_the_month_it_was_booked() -> None:
    april = monthly_statements(ledger(), Month(2026, 4), UTC)
    assert april.get(StatementKind.REP, "rep-1").total == Decimal("-50.00")
    assert april.get(StatementKind.FIRM, None).total == Decimal("160.00")
    result = reconcile(ledger(), april, UTC)
    assert result.ok
    assert result.ledger_total == Decimal("0.00")


def test_months_follow_the_firms_time_zone() -> None:
    late = post_split(
        split_revenue(revenue("100.00"), attributed(), rule_set()),
        datetime(2026, 3, 31, 17, 0, tzinfo=UTC),  # 1 April 01:00 in Shanghai
    )
    assert monthly_statements(late, Month(2026, 3), UTC).get(
        StatementKind.FIRM, None
    ).total == Decimal("84.00")
    assert (
        monthly_statements(late, Month(2026, 3), SHANGHAI).get(StatementKind.FIRM, None).lines == ()
    )
    assert monthly_statements(late, Month(2026, 4), SHANGHAI).get(
        StatementKind.FIRM, None
    ).total == Decimal("84.00")


def test_an_accounting_period_overrides_the_booking_date() -> None:
    entries = post_split(
        split_revenue(revenue("100.00"), attributed(), rule_set()),
        datetime(2026, 3, 31, 12, 0, tzinfo=UTC),
    )
    for_april = [entry.model_copy(update={"period": "2026-04"}) for entry in entries]
    assert (
        monthly_statements(for_april, Month(2026, 3), UTC).get(StatementKind.FIRM, None).lines == ()
    )
    april = monthly_statements(for_april, Month(2026, 4), UTC)
    assert april.get(StatementKind.REP, "rep-1").total == Decimal("5.00")
    assert reconcile(for_april, april, UTC).ok


def test_csv_has_a_traceable_row_per_line_and_a_total_per_statement() -> None:
    march = monthly_statements(ledger(), Month(2026, 3), UTC)
    rows = list(csv.DictReader(io.StringIO(statements_csv(march.of_kind(StatementKind.REP)))))
    assert [row["conversion_id"] for row in rows if row["entry_type"] != "total"] == [
        "conv-1",
        "conv-2",
    ]
    assert rows[0]["lead_id"] == "lead-1" and rows[0]["call_id"] == "call-1"
    assert rows[0]["rule"] == "firm-1 v1"
    assert rows[-1]["entry_type"] == "total" and rows[-1]["amount"] == "65.00"


def test_reconcile_names_a_tampered_line() -> None:
    march = monthly_statements(ledger(), Month(2026, 3), UTC)
    rep = march.get(StatementKind.REP, "rep-1")
    bad_line = rep.lines[0].model_copy(update={"amount": rep.lines[0].amount + Decimal("0.01")})
    bad_rep = rep.model_copy(update={"lines": (bad_line, *rep.lines[1:])})
    tampered = march.model_copy(
        update={"statements": tuple(bad_rep if s is rep else s for s in march.statements)}
    )
    result = reconcile(ledger(), tampered, UTC)
    assert not result.ok
    checks = {d.check: d.difference for d in result.differences}
    assert checks["centre + branches + firm retained vs ledger total"] == Decimal("0.01")
    assert checks["centre statements vs centre ledger entries"] == Decimal("0.01")
    assert checks[f"ledger entry {rep.lines[0].entry_key}"] == Decimal("0.01")
    assert "NOT reconciled" in result.report()


def test_reconcile_names_entries_missing_from_statements_and_lines_not_on_the_ledger() -> None:
    march = monthly_statements(ledger(), Month(2026, 3), UTC)
    branch = march.get(StatementKind.BRANCH, "branch-1")
    without_pool = march.model_copy(
        update={
            "statements": tuple(
                s.model_copy(
                    update={"lines": tuple(x for x in s.lines if x.party is not Party.BRANCH_POOL)}
                )
                if s is branch
                else s
                for s in march.statements
            )
        }
    )
    result = reconcile(ledger(), without_pool, UTC)
    details = [str(d) for d in result.differences]
    assert any("rev-2/split/0/branch" in d and "on no statement" in d for d in details)
    # Statements of March checked against April's ledger: every line is foreign.
    april_entries = [e for e in ledger() if e.booked_at.month == 4]
    foreign = reconcile(april_entries, march, UTC)
    assert any("not on the ledger for 2026-03" in str(d) for d in foreign.differences)
