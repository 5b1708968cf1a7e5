"""Conversion import: rows = accepted + rejected, atomic, idempotent, attributed."""

from __future__ import annotations

import asyncio
import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest
import structlog

from dialer.cli.revenue import conversions_main as main
from dialer.revenue.conversions import import_conversions
from revenue.conversion_files import ConversionRow, ImportRefused, Rejection, decode, parse_rows

from .conftest import NOW, Brokerage, make_account

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = "external_ref,account_number,kind,occurred_on,amount,period\n"


async def numbered_account(b: Brokerage, number: str) -> int:
    account_id = await make_account(b.pool, f"Customer {number}", b.branch_a)
    await b.pool.execute(
        "UPDATE accounts SET account_number = $2 WHERE account_id = $1", account_id, number
    )
    return account_id


async def lead_at(b: Brokerage, account_id: int, handed_off_at: datetime, product: int) -> int:
    lead_id: int = await b.pool.fetchval(
        "INSERT INTO leads (account_id, campaign_id, product_id, rep_user_id, handed_off_at, state)"
        " VALUES ($1, $2, $3, $4, $5, 'won') RETURNING lead_id",
        account_id,
        b.campaign,
        product,
        b.rep,
        handed_off_at,
    )
    return lead_id


def test_rows_are_checked_field_by_field() -> None:
    text = HEADER + (
        "R1,A1,reactivated,2026-11-02,,\n"
        'R2,A1,net_commission,2026-11-30,"1,234.50",2026-11\n'
        "\n"
        "R3,A1,bought_car,2026-11-02,,\n"
        "R4,A1,funds_in,2026-02-30,,\n"
        "R5,A1,funds_in,2026-11-02,12.345,\n"
        "R6,A1,funds_in,2026-11-02,-5,\n"
        "R7,A1,net_commission,2026-11-02,5,\n"
        "R8,A1,net_commission,2026-11-02,5,2026-13\n"
        ",A1,funds_in,2026-11-02,,\n"
        "R1,A1,reactivated,2026-11-02,,\n"
        "R9,A1,funds_in,2026-11-02,,,extra\n"
        "R10,A1,funds_in,2026-11-02,abc,\n"
        "R11,A1,advisory_fee,2026-11-30,88.00,\n"
    )
    rows, rejected, total = parse_rows(text)
    assert total == 13  # the blank line is not a row
    assert [row.external_ref for row in rows] == ["R1", "R2"]
    assert rows[1] == ConversionRow(
        line=3,
        raw='R2,A1,net_commission,2026-11-30,"1,234.50",2026-11',
        external_ref="R2",
        account_number="A1",
        kind="net_commission",
        occurred_on=datetime(2026, 11, 30).date(),
        amount_cents=123450,
        period="2026-11",
    )
    reasons = {r.line: r.reason for r in rejected}
    assert reasons == {
        5: "kind 'bought_car' is not one of reactivated, funds_in, advisory_signed, product_bought, "
        "net_commission, advisory_fee",
        6: "occurred_on '2026-02-30' is not a YYYY-MM-DD date",
        7: "amount 12.345 has more than two decimals",
        8: "amount -5 is negative",
        9: "net_commission needs the period (YYYY-MM) it was earned in",
        10: "period '2026-13' is not YYYY-MM",
        11: "external_ref is empty",
        12: "external_ref R1 already appears on line 2",
        13: "7 fields, header has 6",
        14: "amount 'abc' is not a number",
        15: "advisory_fee needs the period (YYYY-MM) it was earned in",
    }
    assert len(rows) + len(rejected) == total


def test_a_file_without_the_required_columns_is_refused_whole() -> None:
    with pytest.raises(ImportRefused, match="no occurred_on column"):
        parse_rows("external_ref,account_number,kind\nR1,A1,funds_in\n")
    with pytest.raises(ImportRefused, match="empty"):
        parse_rows("\n\n")


def test_chinese_back_office_exports_are_read() -> None:
    text = HEADER + "R1,A1,funds_in,2026-11-02,100,\n# 备注\n"
    assert decode(text.encode("gb18030")) == text
    assert decode(("\ufeff" + text).encode("utf-8")) == text


async def test_import_attributes_reconciles_and_is_idempotent(brokerage: Brokerage) -> None:
    b = brokerage
    first = await numbered_account(b, "A1")
    second = await numbered_account(b, "A2")
    await numbered_account(b, "A3")
    # A1: an old lead (outside 90 days) and a recent one; the recent one earns the conversion.
    await lead_at(b, first, datetime(2026, 6, 1, tzinfo=UTC), b.advisory)
    recent = await lead_at(b, first, datetime(2026, 10, 20, 3, 0, tzinfo=UTC), b.fund)
    # A2: a lead handed off 90 days before the conversion day, early morning Shanghai time
    # (the previous evening in UTC): still inside the window in the firm's time zone.
    edge = await lead_at(b, second, datetime(2026, 8, 3, 16, 30, tzinfo=UTC), b.advisory)
    text = HEADER + (
        "C1,A1,reactivated,2026-11-02,,\n"
        "C2,A2,advisory_signed,2026-11-02,,\n"
        "C3,A3,funds_in,2026-11-02,50000,\n"
        "C4,A1,net_commission,2026-11-30,1234.56,2026-11\n"
        "C5,A9,funds_in,2026-11-02,1,\n"
        "C6,A1,funds_in,not-a-date,1,\n"
    )
    report = await import_conversions(b.pool, text, now=NOW, time_zone=SHANGHAI)
    assert (report.rows_total, report.accepted, len(report.rejected)) == (6, 4, 2)
    assert report.reconciles
    assert (report.new, report.unchanged, report.attributed, report.unattributed) == (4, 0, 3, 1)
    assert [(r.line, r.reason) for r in report.rejected] == [
        (6, "no account numbered A9"),
        (7, "occurred_on 'not-a-date' is not a YYYY-MM-DD date"),
    ]
    stored = {
        r["external_ref"]: r
        for r in await b.pool.fetch("SELECT * FROM conversions ORDER BY external_ref")
    }
    assert stored["C1"]["lead_id"] == recent
    assert stored["C2"]["lead_id"] == edge
    assert stored["C3"]["lead_id"] is None  # no lead: unattributed, not forced
    assert stored["C4"]["lead_id"] == recent  # commission counts toward C1's lead
    assert (stored["C4"]["amount_cents"], stored["C4"]["period"]) == (123456, "2026-11")
    assert stored["C1"]["received_at"] == NOW

    again = await import_conversions(b.pool, text, now=NOW + timedelta(hours=1), time_zone=SHANGHAI)
    assert (again.new, again.unchanged, len(again.rejected), again.rows_total) == (0, 4, 2, 6)
    assert again.reconciles
    assert await b.pool.fetchval("SELECT count(*) FROM conversions") == 4
    assert await b.pool.fetchval("SELECT max(received_at) FROM conversions") == NOW

    changed = HEADER + "C3,A3,funds_in,2026-11-02,60000,\nC7,A3,funds_in,2026-11-03,1,\n"
    third = await import_conversions(b.pool, changed, now=NOW, time_zone=SHANGHAI)
    assert (third.new, third.unchanged) == (1, 0)
    assert "imported before with other values" in third.rejected[0].reason
    assert (
        await b.pool.fetchval("SELECT amount_cents FROM conversions WHERE external_ref = 'C3'")
        == 5_000_000
    )


async def test_window_edges_follow_the_firms_day(brokerage: Brokerage) -> None:
    b = brokerage
    account = await numbered_account(b, "A1")
    # 89 days + the conversion day itself count; one microsecond before that does not.
    start = datetime(2026, 8, 4, tzinfo=SHANGHAI)
    await lead_at(b, account, start - timedelta(microseconds=1), b.advisory)
    text = HEADER + "C1,A1,funds_in,2026-11-02,,\n"
    report = await import_conversions(b.pool, text, now=NOW, time_zone=SHANGHAI)
    assert report.unattributed == 1
    await b.pool.execute("DELETE FROM conversions")
    inside = await lead_at(b, account, start, b.fund)
    report = await import_conversions(b.pool, text, now=NOW, time_zone=SHANGHAI)
    assert report.attributed == 1
    assert await b.pool.fetchval("SELECT lead_id FROM conversions") == inside
    # A lead handed off after the end of the conversion's day does not earn it.
    await b.pool.execute("DELETE FROM conversions")
    await b.pool.execute("DELETE FROM leads")
    await lead_at(b, account, datetime(2026, 11, 3, tzinfo=SHANGHAI), b.fund)
    report = await import_conversions(b.pool, text, now=NOW, time_zone=SHANGHAI)
    assert report.unattributed == 1


async def test_an_import_is_all_or_nothing(brokerage: Brokerage) -> None:
    b = brokerage
    for number in ("A1", "A2", "A3"):
        await numbered_account(b, number)
    # A database failure on the last row (here a trigger) must leave no row behind.
    await b.pool.execute(
        """
        CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.external_ref = 'BOOM' THEN RAISE EXCEPTION 'boom'; END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER conversions_boom BEFORE INSERT ON conversions
            FOR EACH ROW EXECUTE FUNCTION refuse_boom();
        """
    )
    text = HEADER + (
        "C1,A1,reactivated,2026-11-02,,\nC2,A2,funds_in,2026-11-02,5,\nBOOM,A3,funds_in,2026-11-02,5,\n"
    )
    with pytest.raises(asyncpg.RaiseError, match="boom"):
        await import_conversions(b.pool, text, now=NOW, time_zone=SHANGHAI)
    assert await b.pool.fetchval("SELECT count(*) FROM conversions") == 0


async def test_concurrent_imports_of_one_file_write_each_row_once(brokerage: Brokerage) -> None:
    b = brokerage
    for n in range(20):
        await numbered_account(b, f"A{n}")
    text = HEADER + "".join(f"C{n},A{n},funds_in,2026-11-02,{n},\n" for n in range(20))
    reports = await asyncio.gather(
        *(import_conversions(b.pool, text, now=NOW, time_zone=SHANGHAI) for _ in range(4))
    )
    assert sorted(report.new for report in reports) == [0, 0, 0, 20]
    assert all(report.accepted == 20 and report.reconciles for report in reports)
    assert await b.pool.fetchval("SELECT count(*) FROM conversions") == 20


@pytest.fixture
def restore_logging():
    """The command configures structlog to print to the (captured) stderr: undo it after."""
    yield
    structlog.reset_defaults()


@pytest.mark.usefixtures("restore_logging")
async def test_the_command_reports_and_writes_rejects(
    brokerage: Brokerage, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    b = brokerage
    await numbered_account(b, "A1")
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DIALER_DATA_DIR", str(tmp_path / "data"))
    source = tmp_path / "conversions.csv"
    source.write_text(HEADER + "C1,A1,funds_in,2026-11-02,10,\nC2,A404,funds_in,2026-11-02,1,\n")
    rejects = tmp_path / "rejects.csv"
    code = await asyncio.to_thread(main, [str(source), "--rejects", str(rejects), "--json"])
    assert code == 1
    out = capsys.readouterr().out
    assert '"rows_total": 2' in out and '"accepted": 1' in out and '"rejected": 1' in out
    with rejects.open(encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [
            ["line", "reason", "row"],
            ["3", "no account numbered A404", "C2,A404,funds_in,2026-11-02,1,"],
        ]
    source.write_text("ref,kind\nC1,funds_in\n")
    assert await asyncio.to_thread(main, [str(source)]) == 2
    assert "no external_ref" in capsys.readouterr().err
    assert await asyncio.to_thread(main, [str(tmp_path / "missing.csv")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert await asyncio.to_thread(main, [str(source), "--time-zone", "Mars/Olympus"]) == 2
    assert "unknown time zone 'Mars/Olympus'" in capsys.readouterr().err


def test_rejection_is_plain_data() -> None:
    assert Rejection(1, "x", "why").reason == "why"
