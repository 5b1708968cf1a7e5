"""The importer against a real PostgreSQL: counts, merge across lists, DNC, atomicity, re-import."""

from __future__ import annotations

import asyncio
import datetime
import io
import json
import random
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import openpyxl
import pytest
import structlog
from hypothesis import HealthCheck, given, settings

from campaigns.lists.columns import recognise
from campaigns.lists.errors import UnreadableFile
from campaigns.lists.merging import merge_rows
from campaigns.lists.phones import PhoneNormaliser
from campaigns.lists.reading import inspect, read_rows
from campaigns.lists.segments import Classifier, SegmentRules
from campaigns.lists.validation import RowValidator
from dialer.cli.lists import import_main
from dialer.lists import importer
from dialer.lists.importer import ImportOptions, import_file
from tests.unit.lists.factories import (
    CN_HEADER,
    EN_HEADER,
    customer_row,
    list_rows,
    mobile,
    write_csv,
)

NOW = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)
TABLES = ("accounts", "account_phones", "lists", "list_memberships", "list_imports", "import_rejects", "audit_log")  # fmt: skip


async def counts(connection: asyncpg.Connection) -> dict[str, int]:
    return {
        table: await connection.fetchval(f"SELECT count(*) FROM {table}")  # noqa: S608
        for table in TABLES
    }


def sample_rows() -> list[list[str]]:
    rng = random.Random(3)
    return [
        customer_row(rng, "31000000001", phone="138 1234 5678"),
        customer_row(rng, "31000000002", phone="+86 139-1234-5678", name="李华"),
        customer_row(rng, "31000000001", phone="13712345678"),  # merged into line 2
        customer_row(rng, "", phone="0086 15012345678", name="赵六"),  # a prospect
        customer_row(rng, "", phone="15012345678", name="赵六"),  # merged by phone
        customer_row(rng, "31000000003", phone="12345"),  # invalid_phone
        customer_row(rng, "31000000004", phone="", name="钱七"),  # no_phone
        customer_row(rng, "31000000005", name=""),  # missing_name
        customer_row(rng, "31000000006", assets="lots"),  # bad_assets
        [""] * len(CN_HEADER),  # empty_row
    ]


async def run_import(
    pool: asyncpg.Pool, path: Path, name: str = "weekly", **options: object
) -> importer.ImportSummary:
    async with pool.acquire() as connection:
        return await import_file(
            connection,
            path,
            ImportOptions(list_name=name, **options),
            now=NOW,  # type: ignore[arg-type]
        )


async def test_gbk_file_with_chinese_headers(pool: asyncpg.Pool, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "weekly.csv", CN_HEADER, sample_rows(), encoding="gbk")
    summary = await run_import(pool, path)
    assert summary.tally.as_dict() == {
        "rows": 10,
        "accepted": 3,
        "merged": 2,
        "rejected": 5,
        "reject_reasons": {
            "bad_assets": 1,
            "empty_row": 1,
            "invalid_phone": 1,
            "missing_name": 1,
            "no_phone": 1,
        },
    }
    async with pool.acquire() as connection:
        accounts = await connection.fetch(
            "SELECT account_number, name, segment::text, tier::text, assets_cents, extra"
            " FROM accounts ORDER BY account_number NULLS LAST"
        )
        assert [(a["account_number"], a["name"], a["segment"]) for a in accounts] == [
            ("31000000001", "王小明", "dormant"),
            ("31000000002", "李华", "dormant"),
            (None, "赵六", "prospect"),
        ]
        assert accounts[0]["assets_cents"] == 12_000_000
        assert accounts[0]["extra"] == {"branch": "上海浦东营业部", "account_manager": "张经理"}
        phones = await connection.fetch(
            "SELECT a.account_number, p.e164, p.line_type, p.region_code, p.time_zones, p.priority"
            " FROM account_phones p JOIN accounts a USING (account_id)"
            " ORDER BY a.account_number NULLS LAST, p.priority"
        )
        assert [(p["account_number"], p["e164"], p["priority"]) for p in phones] == [
            ("31000000001", "+8613812345678", 0),
            ("31000000001", "+8613712345678", 1),
            ("31000000002", "+8613912345678", 0),
            (None, "+8615012345678", 0),
        ]
        assert phones[0]["line_type"] == "mobile"
        assert phones[0]["region_code"] == "CN"
        assert phones[0]["time_zones"] == ["Asia/Shanghai"]
        rejects = await connection.fetch(
            "SELECT line_number, reason, raw FROM import_rejects ORDER BY line_number"
        )
        assert [(r["line_number"], r["reason"]) for r in rejects] == [
            (7, "invalid_phone"),
            (8, "no_phone"),
            (9, "missing_name"),
            (10, "bad_assets"),
            (11, "empty_row"),
        ]
        assert rejects[0]["raw"].startswith("31000000003,王小明,12345,")
        status = await connection.fetchrow("SELECT * FROM list_imports")
        assert (status["status"], status["rows_total"], status["rows_merged"]) == ("done", 10, 2)
        members = await connection.fetchval("SELECT count(*) FROM list_memberships")
        assert members == 3


async def test_sql_merge_matches_the_reference_rules(pool: asyncpg.Pool, tmp_path: Path) -> None:
    rng = random.Random(99)
    numbers = [f"3100000{index:04d}" for index in range(40)]
    phones = [mobile(rng) for _ in range(40)]
    rows = []
    for _ in range(300):
        cells = customer_row(rng, rng.choice(numbers + [""] * 5), phone=rng.choice(phones))
        cells[3] = rng.choice(["", rng.choice(phones), "010-62345678"])
        cells[4] = rng.choice(["", "北京营业部", "上海营业部"])
        cells[11] = rng.choice(["", "VIP", "老客户"])
        rows.append(cells)
    path = write_csv(tmp_path / "gen.csv", CN_HEADER, rows)
    summary = await run_import(pool, path)

    records = read_rows(inspect(path))
    header = next(records)
    check = RowValidator(
        recognise(header.cells), PhoneNormaliser("CN"), Classifier(SegmentRules(), NOW.date())
    )
    reference = merge_rows(check.validate(record) for record in records)
    assert summary.tally.as_dict() == reference.tally.as_dict()

    expected = {
        account.account_number or account.primary_phone: (
            account.name,
            account.branch,
            [phone.e164 for phone in account.phones],
            check.extra(account).get("备注"),
        )
        for account in reference.accounts
    }
    async with pool.acquire() as connection:
        loaded = await connection.fetch(
            "SELECT coalesce(a.account_number, (SELECT e164 FROM account_phones WHERE"
            " account_id = a.account_id AND priority = 0)) AS key, a.name, a.extra,"
            " array(SELECT e164 FROM account_phones p WHERE p.account_id = a.account_id"
            " ORDER BY priority) AS phones FROM accounts a"
        )
    actual = {
        row["key"]: (
            row["name"],
            row["extra"].get("branch"),
            list(row["phones"]),
            row["extra"].get("备注"),
        )
        for row in loaded
    }
    assert actual == expected


async def test_same_customer_on_two_lists_is_one_account_and_changes_are_recorded(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    rng = random.Random(5)
    first = write_csv(
        tmp_path / "a.csv", CN_HEADER, [customer_row(rng, "31000000001", phone="13812345678")]
    )
    second_rows = [customer_row(rng, "31000000001", phone="13912345678", assets="9000000")]
    second_rows[0][9] = ""  # a blank keeps what we know
    second = write_csv(tmp_path / "b.tsv", EN_HEADER, second_rows, delimiter="\t")
    one = await run_import(pool, first, name="branch A")
    two = await run_import(pool, second, name="branch B")
    assert one.list_id != two.list_id
    async with pool.acquire() as connection:
        account = await connection.fetchrow("SELECT * FROM accounts")
        assert await connection.fetchval("SELECT count(*) FROM accounts") == 1
        assert account["assets_cents"] == 900_000_000
        assert account["tier"] == "diamond"
        assert account["risk_tolerance"] == "C3"
        members = await connection.fetch(
            "SELECT list_id FROM list_memberships WHERE account_id = $1 ORDER BY list_id",
            account["account_id"],
        )
        assert [m["list_id"] for m in members] == [one.list_id, two.list_id]
        phones = await connection.fetch("SELECT e164 FROM account_phones ORDER BY phone_id")
        assert [p["e164"] for p in phones] == ["+8613812345678", "+8613912345678"]
        change = await connection.fetchrow(
            "SELECT kind, subject_id, detail FROM audit_log WHERE kind = 'account_updated_by_import'"
        )
        detail = change["detail"]
        assert change["subject_id"] == account["account_id"]
        assert detail["import_id"] == two.import_id
        assert detail["changes"]["assets_cents"] == [12_000_000, 900_000_000]
        assert detail["changes"]["tier"] == ["silver", "diamond"]
        assert "risk_tolerance" not in detail["changes"]

    # the same file again into a third list: the account is unchanged, no new audit entry
    # the same data again (another file) into a third list: no change, so no audit entry
    third = write_csv(tmp_path / "c.csv", EN_HEADER, second_rows)
    await run_import(pool, third, name="branch C")
    async with pool.acquire() as connection:
        assert await connection.fetchval("SELECT count(*) FROM accounts") == 1
        assert await connection.fetchval("SELECT count(*) FROM list_memberships") == 3
        assert await connection.fetchval("SELECT count(*) FROM audit_log") == 1


async def test_a_membership_names_an_import_of_its_own_list(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    rng = random.Random(6)
    one = await run_import(
        pool,
        write_csv(tmp_path / "a.csv", CN_HEADER, [customer_row(rng, "31000000001")]),
        name="branch A",
    )
    two = await run_import(
        pool,
        write_csv(tmp_path / "b.csv", CN_HEADER, [customer_row(rng, "31000000002")]),
        name="branch B",
    )
    async with pool.acquire() as connection:
        account_id = await connection.fetchval(
            "SELECT account_id FROM accounts WHERE account_number = '31000000002'"
        )
        # list A with list B's import: the key over (list, import) refuses it
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            await connection.execute(
                "INSERT INTO list_memberships (list_id, account_id, import_id) VALUES ($1, $2, $3)",
                one.list_id,
                account_id,
                two.import_id,
            )
        with pytest.raises(asyncpg.NotNullViolationError):
            await connection.execute(
                "INSERT INTO list_memberships (list_id, account_id) VALUES ($1, $2)",
                one.list_id,
                account_id,
            )
        assert await connection.fetchval("SELECT count(*) FROM list_memberships") == 2


async def test_prospects_match_existing_prospects_by_phone(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    rng = random.Random(8)
    await run_import(
        pool,
        write_csv(tmp_path / "a.csv", CN_HEADER, [customer_row(rng, "", phone="13812345678")]),
        name="a",
    )
    await run_import(pool, write_csv(tmp_path / "b.csv", CN_HEADER, [customer_row(rng, "", phone="+8613812345678", name="赵六")]), name="b")  # fmt: skip
    async with pool.acquire() as connection:
        assert await connection.fetchval("SELECT count(*) FROM accounts") == 1
        assert await connection.fetchval("SELECT name FROM accounts") == "赵六"


async def test_dnc_numbers_are_flagged_and_all_dnc_rows_rejected(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    async with pool.acquire() as connection:
        await connection.execute(
            "INSERT INTO dnc_entries (e164, source, added_at) VALUES"
            " ('+8613812345678', 'cn_refusal', $1), ('+8613912345678', 'firm', $1)",
            NOW,
        )
        await connection.execute(
            "INSERT INTO dnc_entries (e164, source, added_at, expires_at) VALUES"
            " ('+8613712345678', 'firm', $1, $2)",
            NOW - datetime.timedelta(days=400),
            NOW - datetime.timedelta(days=1),
        )
    rng = random.Random(1)
    rows = [
        customer_row(rng, "31000000001", phone="13812345678"),  # only a DNC number
        customer_row(rng, "31000000002", phone="13912345678/13512345678"),  # one of two
        customer_row(rng, "31000000003", phone="13712345678"),  # expired entry: fine
    ]
    summary = await run_import(pool, write_csv(tmp_path / "d.csv", CN_HEADER, rows))
    assert summary.tally.reject_reasons == {"dnc": 1}
    assert summary.tally.accepted == 2
    async with pool.acquire() as connection:
        flagged = await connection.fetch(
            "SELECT e164, dnc_source FROM account_phones ORDER BY e164"
        )
        assert [(f["e164"], f["dnc_source"]) for f in flagged] == [
            ("+8613512345678", None),
            ("+8613712345678", None),
            ("+8613912345678", "firm"),
        ]
        reject = await connection.fetchrow("SELECT line_number, reason, detail FROM import_rejects")
        assert (reject["line_number"], reject["reason"]) == (2, "dnc")


async def test_reimport_is_detected_and_changes_nothing_unless_forced(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "weekly.csv", CN_HEADER, sample_rows())
    first = await run_import(pool, path)
    async with pool.acquire() as connection:
        before = await counts(connection)
    again = await run_import(pool, path, name="another name")
    assert again.skipped
    assert again.previous_import_id == first.import_id
    assert again.list_id == first.list_id
    async with pool.acquire() as connection:
        assert await counts(connection) == before
    forced = await run_import(pool, path, force=True)
    assert not forced.skipped
    assert forced.tally.as_dict() == first.tally.as_dict()
    async with pool.acquire() as connection:
        after = await counts(connection)
        assert after["accounts"] == before["accounts"]
        assert after["list_imports"] == 2
        assert await connection.fetchval(
            "SELECT forced FROM list_imports WHERE import_id = $1", forced.import_id
        )


async def test_failure_in_the_middle_of_the_merge_leaves_the_database_unchanged(
    pool: asyncpg.Pool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await run_import(pool, write_csv(tmp_path / "a.csv", CN_HEADER, sample_rows()[:2]))
    async with pool.acquire() as connection:
        before = await counts(connection)
    # accounts and phones are written, then membership fails
    monkeypatch.setitem(
        importer.QUERIES,
        "insert_memberships",
        "SELECT 1 / 0 FROM list_incoming WHERE $1::bigint + $2::bigint > 0 AND $3::timestamptz IS NOT NULL",
    )
    path = write_csv(tmp_path / "b.csv", CN_HEADER, sample_rows())
    with pytest.raises(asyncpg.DivisionByZeroError):
        await run_import(pool, path, name="second")
    async with pool.acquire() as connection:
        assert await counts(connection) == before


async def test_failure_while_streaming_leaves_the_database_unchanged(
    pool: asyncpg.Pool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "BATCH_ROWS", 3)
    original = importer.Stager.stage
    calls = {"n": 0}

    def failing_stage(self: importer.Stager, records: list[importer.Record]) -> str:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk on fire")
        return original(self, records)

    monkeypatch.setattr(importer.Stager, "stage", failing_stage)
    path = write_csv(tmp_path / "b.csv", CN_HEADER, sample_rows())
    with pytest.raises(RuntimeError, match="disk on fire"):
        await run_import(pool, path)
    assert calls["n"] == 3  # two batches had already gone into COPY
    async with pool.acquire() as connection:
        assert set((await counts(connection)).values()) == {0}


async def test_unreadable_file_changes_nothing(pool: asyncpg.Pool, tmp_path: Path) -> None:
    path = tmp_path / "cut.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 50)
    with pytest.raises(UnreadableFile):
        await run_import(pool, path)
    async with pool.acquire() as connection:
        assert set((await counts(connection)).values()) == {0}


async def test_xlsx_named_sheet_and_mapping(pool: asyncpg.Pool, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    first = workbook.active
    assert first is not None
    first.append(["ignored"])
    sheet = workbook.create_sheet("名单")
    sheet.append(["编号", "客户", "号码", "微信"])
    sheet.append(["31000000001", "王小明", 13812345678, "wx_1"])
    path = tmp_path / "list.xlsx"
    workbook.save(path)
    summary = await run_import(
        pool,
        path,
        sheet="名单",
        mapping={
            "编号": importer.Field.ACCOUNT_NUMBER,
            "客户": importer.Field.NAME,
            "号码": importer.Field.PHONE,
        },
    )
    assert summary.tally.accepted == 1
    async with pool.acquire() as connection:
        extra = await connection.fetchval("SELECT extra FROM accounts")
        assert extra == {"微信": "wx_1"}


async def test_worker_processes_give_the_same_result(pool: asyncpg.Pool, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "w.csv", CN_HEADER, sample_rows() * 30)
    summary = await run_import(pool, path, workers=2, force=True)
    assert summary.tally.rows == 300
    assert (
        summary.tally.rows == summary.tally.accepted + summary.tally.merged + summary.tally.rejected
    )
    assert summary.tally.accepted == 3


async def test_reject_file_download(pool: asyncpg.Pool, tmp_path: Path) -> None:
    rows = sample_rows()
    rows[5][0] = "=1+1"  # rejected for its phone; its raw text starts like a formula
    summary = await run_import(pool, write_csv(tmp_path / "r.csv", CN_HEADER, rows))
    assert summary.import_id is not None
    out = io.StringIO()
    async with pool.acquire() as connection:
        written = await importer.write_reject_file(connection, summary.import_id, out)
    assert written == 5
    lines = out.getvalue().splitlines()
    assert lines[1].startswith("\ufeffline_number") is False
    assert lines[1].startswith("7,invalid_phone,")
    assert lines[1].endswith(
        ',"\'=1+1,王小明,12345,,上海浦东营业部,张经理,120000,2021-03-04,2026-10-01,C3,上海,"'
    )


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The CLI configures structlog for its process; put the test session's setup back."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


def test_cli_json_summary(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    restore_logging: None,
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    path = write_csv(tmp_path / "weekly.csv", CN_HEADER, sample_rows(), encoding="gb18030")
    rejects = tmp_path / "rejects.csv"
    code = import_main(
        [str(path), "--name", "weekly", "--region", "CN", "--json", "--rejects", str(rejects)]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert {
        "list_id",
        "rows",
        "accepted",
        "merged",
        "rejected",
        "reject_reasons",
        "seconds",
    } <= set(summary)
    assert (summary["rows"], summary["accepted"], summary["merged"], summary["rejected"]) == (
        10,
        3,
        2,
        5,
    )
    assert rejects.read_text(encoding="utf-8").count("\n") == 6

    code = import_main([str(path), "--name", "weekly"])
    assert code == 0
    assert "already imported" in capsys.readouterr().out

    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"")
    assert import_main([str(bad), "--name", "weekly"]) == 2
    assert "is empty" in capsys.readouterr().err


async def test_the_same_file_imported_twice_at_once_lands_once(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "weekly.csv", CN_HEADER, sample_rows())
    first, second = await asyncio.gather(run_import(pool, path), run_import(pool, path))
    assert sorted([first.skipped, second.skipped]) == [False, True]
    async with pool.acquire() as connection:
        assert await connection.fetchval("SELECT count(*) FROM list_imports") == 1
        assert await connection.fetchval("SELECT count(*) FROM accounts") == 3


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=list_rows())
def test_database_totals_reconcile_for_generated_files(
    db_url: str, tmp_path: Path, rows: list[list[str]]
) -> None:
    path = write_csv(tmp_path / "gen.csv", CN_HEADER, rows, encoding="gb18030")

    async def load() -> tuple[importer.ImportSummary, asyncpg.Record, int]:
        connection = await asyncpg.connect(db_url)
        try:
            summary = await import_file(
                connection, path, ImportOptions(list_name="generated", force=True), now=NOW
            )
            stored = await connection.fetchrow(
                "SELECT * FROM list_imports WHERE import_id = $1", summary.import_id
            )
            rejects = await connection.fetchval(
                "SELECT count(*) FROM import_rejects WHERE import_id = $1", summary.import_id
            )
        finally:
            await connection.close()
        return summary, stored, rejects

    summary, stored, rejects = asyncio.run(load())
    tally = summary.tally
    assert tally.rows == len(rows)
    assert tally.rows == tally.accepted + tally.merged + tally.rejected
    assert (stored["rows_total"], stored["rows_accepted"], stored["rows_merged"]) == (
        tally.rows,
        tally.accepted,
        tally.merged,
    )
    assert rejects == tally.rejected == sum(tally.reject_reasons.values())


async def test_a_file_with_only_a_header_imports_nothing(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    summary = await run_import(pool, write_csv(tmp_path / "h.csv", CN_HEADER, []))
    assert summary.tally.as_dict()["rows"] == 0
    assert summary.tally.reconciles
    async with pool.acquire() as connection:
        assert await connection.fetchval("SELECT status FROM list_imports") == "done"
        assert await connection.fetchval("SELECT count(*) FROM accounts") == 0


async def test_a_stray_quote_or_a_shifted_row_loses_no_customer(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    path = tmp_path / "quotes.csv"
    path.write_text(
        "客户姓名,手机号码,营业部\n"
        '"张三,13812345678,北京营业部\n'  # a stray quote swallows its own cells
        "李四,13912345678,上海营业部\n"
        "王五,13712345678,广州营业部,朝阳区\n"  # a value beyond the header
        "赵六,13612345678,深圳营业部\n",
        encoding="utf-8",
    )
    summary = await run_import(pool, path)
    tally = summary.tally.as_dict()
    assert (tally["rows"], tally["accepted"], tally["rejected"]) == (4, 2, 2)
    assert tally["reject_reasons"] == {"no_phone": 1, "too_many_cells": 1}
    names = {r["name"] for r in await pool.fetch("SELECT name FROM accounts")}
    assert names == {"李四", "赵六"}
    phones = await pool.fetch(
        "SELECT a.name, p.e164 FROM account_phones p JOIN accounts a USING (account_id)"
    )
    assert {(r["name"], r["e164"]) for r in phones} == {
        ("李四", "+8613912345678"),
        ("赵六", "+8613612345678"),
    }
