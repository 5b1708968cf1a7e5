"""Readers: every delimiter, quoted newlines, TSV, XLSX, encodings, and files we must refuse."""

from __future__ import annotations

import codecs
import datetime
from pathlib import Path

import openpyxl
import pytest

from campaigns.lists.errors import SheetNotFound, UnknownEncoding, UnreadableFile
from campaigns.lists.reading import (
    cell_text,
    detect_encoding,
    inspect,
    read_rows,
    sha256_of,
    sniff_delimiter,
)
from tests.unit.lists.factories import CN_HEADER, csv_text

ROWS = [
    [
        "31000000001",
        "王小明",
        "13812345678",
        "",
        "上海浦东营业部",
        "张经理",
        "120000",
        "2021-03-04",
        "2026-10-01",
        "C3",
        "上海",
        "",
    ],  # fmt: skip
    [
        "31000000002",
        "李, 华",
        "139 1234 5678",
        "010-62345678",
        "北京金融街营业部",
        "",
        "1,234.50",
        "2020/1/2",
        "",
        "稳健型",
        "北京",
        "VIP",
    ],  # fmt: skip
]


def read_all(path: Path, **kwargs: object) -> list[tuple[int, str, list[str]]]:
    sheet = kwargs.pop("sheet", None)
    source = inspect(path, **kwargs)  # type: ignore[arg-type]
    return [(row.line_number, row.raw, row.cells) for row in read_rows(source, sheet=sheet)]  # type: ignore[arg-type]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_every_common_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "list.csv"
    path.write_text(csv_text(CN_HEADER, ROWS, delimiter), encoding="utf-8")
    source = inspect(path)
    assert source.delimiter == delimiter
    rows = read_all(path)
    assert rows[0][2] == list(CN_HEADER)
    assert rows[1][2] == ROWS[0]
    assert rows[2][2] == ROWS[1]  # the quoted "李, 华" and "1,234.50" stay whole


def test_quoted_fields_with_embedded_newlines_keep_line_numbers_and_raw(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        'account,name,mobile,address\r\n'
        '1,"Wang ""Junior""",13812345678,"Room 1\r\nBuilding 2"\r\n'
        '\r\n'
        '2,Li,13912345678,Shanghai\r\n',
        encoding="utf-8",
    )  # fmt: skip
    rows = read_all(path)
    assert [line for line, _, _ in rows] == [1, 2, 5]
    assert rows[1][2] == ["1", 'Wang "Junior"', "13812345678", "Room 1\r\nBuilding 2"]
    assert rows[1][1] == '1,"Wang ""Junior""",13812345678,"Room 1\r\nBuilding 2"'
    assert rows[2][1] == "2,Li,13912345678,Shanghai"


def test_tsv_by_extension(tmp_path: Path) -> None:
    path = tmp_path / "list.tsv"
    path.write_text(csv_text(CN_HEADER, ROWS, "\t"), encoding="utf-8")
    assert inspect(path).delimiter == "\t"
    assert read_all(path)[2][2][1] == "李, 华"


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("utf-16-le", None),  # no BOM: written with one below
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
    ],
)
def test_encodings_are_detected(tmp_path: Path, encoding: str, detected: str | None) -> None:
    text = csv_text(CN_HEADER, ROWS * 20)
    data = (
        codecs.BOM_UTF16_LE + text.encode("utf-16-le")
        if encoding == "utf-16-le"
        else text.encode(encoding)
    )
    path = tmp_path / "list.csv"
    path.write_bytes(data)
    source = inspect(path)
    assert source.encoding == (detected or "utf-16")
    rows = read_all(path)
    assert rows[0][2] == list(CN_HEADER)
    assert rows[2][2][1] == "李, 华"
    assert len(rows) == 41


def test_encoding_can_be_overridden(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(csv_text(CN_HEADER, ROWS).encode("gbk"))
    assert read_all(path, encoding="gbk")[1][2][1] == "王小明"
    with pytest.raises(UnknownEncoding, match="unknown encoding"):
        inspect(path, encoding="klingon")


def test_wrong_encoding_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(csv_text(CN_HEADER, ROWS).encode("gbk"))
    with pytest.raises(UnreadableFile, match=r"line 1 is not valid utf-8.*--encoding"):
        read_all(path, encoding="utf-8")


def test_detect_encoding_prefers_boms() -> None:
    assert detect_encoding(codecs.BOM_UTF8 + "客户".encode()) == "utf-8-sig"
    assert detect_encoding(codecs.BOM_UTF16_BE + "客户".encode("utf-16-be")) == "utf-16"


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    with pytest.raises(UnreadableFile, match="binary"):
        inspect(path)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(UnreadableFile, match="empty"):
        inspect(path)


def test_legacy_xls_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(UnreadableFile, match=r"legacy \.xls"):
        inspect(path)


def make_workbook(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    first = workbook.active
    assert first is not None
    first.title = "客户"
    first.append(list(CN_HEADER))
    first.append([31000000001, "王小明", 13812345678.0, None, "上海浦东营业部", "张经理", 120000.5, datetime.datetime(2021, 3, 4), datetime.date(2026, 10, 1), "C3", "上海", None])  # fmt: skip
    first.append([None] * 12)
    second = workbook.create_sheet("备用")
    second.append(["Name", "Mobile"])
    second.append(["Li", "13912345678"])
    workbook.save(path)
    return path


def test_xlsx_first_sheet(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "list.xlsx")
    assert inspect(path).kind == "xlsx"
    rows = read_all(path)
    assert len(rows) == 2  # the blank row is not a record
    assert rows[1][2][:3] == ["31000000001", "王小明", "13812345678"]
    assert rows[1][2][6:9] == ["120000.5", "2021-03-04", "2026-10-01"]
    assert rows[1][1].startswith("31000000001\t王小明\t13812345678")


def test_xlsx_named_sheet(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "list.xlsx")
    assert read_all(path, sheet="备用") == [
        (1, "Name\tMobile", ["Name", "Mobile"]),
        (2, "Li\t13912345678", ["Li", "13912345678"]),
    ]
    with pytest.raises(SheetNotFound, match="its sheets are: 客户, 备用"):
        read_all(path, sheet="nope")


def test_truncated_xlsx_is_refused(tmp_path: Path) -> None:
    whole = make_workbook(tmp_path / "whole.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(UnreadableFile, match="not a readable XLSX"):
        read_all(path)


def test_sheet_on_a_text_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(csv_text(CN_HEADER, ROWS), encoding="utf-8")
    with pytest.raises(SheetNotFound):
        read_all(path, sheet="Sheet1")


def test_sniff_prefers_consistent_columns() -> None:
    assert sniff_delimiter("a;b;c\n1;2,5;3\n4;5;6\n") == ";"
    assert sniff_delimiter("a|b\n1|2\n") == "|"


def test_cell_text() -> None:
    assert cell_text(13812345678.0) == "13812345678"
    assert cell_text(1.5) == "1.5"
    assert cell_text(None) == ""
    assert cell_text(datetime.datetime(2024, 1, 2, 3, 4)) == "2024-01-02 03:04:00"


def test_reading_streams_without_loading_the_file(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(csv_text(CN_HEADER, ROWS * 1000), encoding="utf-8")
    rows = read_rows(inspect(path))
    first = next(rows)
    assert first.line_number == 1
    assert next(rows).line_number == 2  # a generator: nothing else was read yet


def test_sha256_of(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"abc")
    assert sha256_of(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_a_stray_quote_never_merges_the_next_customers_into_its_row(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "name,mobile,branch\n"
        '张三,"13812345678,北京\n'  # the quote never closes where a record could end
        "李四,13912345678,上海\n"
        '王五,"13712345678",广州\n'
        '赵六,13612345678,"深圳\n'  # a quote that closes two lines on, with the wrong cells
        '孙七,13512345678,杭"州\n',
        encoding="utf-8",
    )
    rows = read_all(path)
    assert [line for line, _, _ in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[2][2] == ["李四", "13912345678", "上海"]
    assert rows[3][2] == ["王五", "13712345678", "广州"]
    assert rows[5][2] == ["孙七", "13512345678", '杭"州']
    # the stray line is read as written, never with a neighbour's number in it
    assert "13912345678" not in rows[1][1] and "13512345678" not in rows[4][1]
