"""Spreadsheet and CSV bombs are refused before parsing (issue 17, finding 2)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from campaigns.lists.bombs import FileLimits, FileRefused, check_text_file, check_workbook
from campaigns.lists.reading import inspect

CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"></Types>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main">'
)


def _workbook(path: Path, parts: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def shared_strings_bomb(path: Path, strings: int) -> Path:
    """Millions of shared strings, streamed into a zip that stays small."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        with archive.open("xl/sharedStrings.xml", "w") as part:
            part.write(
                b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (strings, strings)
            )
            block = b"<si><t>x</t></si>" * 10_000
            for _ in range(strings // 10_000):
                part.write(block)
            part.write(b"</sst>")
    return path


def test_a_workbook_with_millions_of_shared_strings_in_a_small_zip_is_refused(
    tmp_path: Path,
) -> None:
    bomb = shared_strings_bomb(tmp_path / "strings.xlsx", 3_000_000)
    assert bomb.stat().st_size < 1024 * 1024  # 51 MB of XML in well under 1 MB
    with pytest.raises(FileRefused, match="compression bomb"):
        check_workbook(bomb)
    # the same declaration stored without compression: the declared count refuses it
    declared = _workbook(
        tmp_path / "declared.xlsx",
        {
            "xl/sharedStrings.xml": b'<sst xmlns="x" count="20000000" uniqueCount="20000000">'
            b"<si><t>x</t></si></sst>"
        },
        compression=zipfile.ZIP_STORED,
    )
    with pytest.raises(FileRefused, match="declares 20000000 shared strings"):
        check_workbook(declared)
    # and the reader never reaches openpyxl with either
    with pytest.raises(FileRefused):
        inspect(bomb)


def test_a_sheet_declaring_huge_empty_dimensions_is_refused(tmp_path: Path) -> None:
    sheet = (
        SHEET_HEAD
        + '<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr">'
        "<is><t>x</t></is></c></row></sheetData></worksheet>"
    ).encode()
    bomb = _workbook(tmp_path / "rows.xlsx", {"xl/worksheets/sheet1.xml": sheet})
    with pytest.raises(FileRefused, match="declares 16384 columns"):
        check_workbook(bomb)
    tall = sheet.replace(b"A1:XFD1048576", b"A1:Z1048576")
    with pytest.raises(FileRefused, match="1048576 rows of 26 columns"):
        check_workbook(_workbook(tmp_path / "tall.xlsx", {"xl/worksheets/sheet1.xml": tall}))


def test_a_member_too_large_once_unpacked_is_refused(tmp_path: Path) -> None:
    limits = FileLimits(member_max_bytes=1000, workbook_max_bytes=10_000, ratio_floor_bytes=10**9)
    big = _workbook(tmp_path / "big.xlsx", {"xl/worksheets/sheet1.xml": b" " * 5000})
    with pytest.raises(FileRefused, match="unpacks to 5000 bytes"):
        check_workbook(big, limits)


def test_an_ordinary_workbook_passes(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["客户姓名", "手机"])
    for index in range(200):
        sheet.append([f"客户{index}", f"13800{138000 + index:06d}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    path = tmp_path / "list.xlsx"
    path.write_bytes(buffer.getvalue())
    check_workbook(path)
    assert inspect(path).kind == "xlsx"


def test_a_text_file_over_its_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("name,phone\n" + "a,13800138000\n" * 100)
    check_text_file(path)
    with pytest.raises(FileRefused, match="at most 100"):
        check_text_file(path, FileLimits(csv_max_bytes=100))
