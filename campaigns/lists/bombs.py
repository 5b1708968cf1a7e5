"""Checks a list file must pass before it is parsed, so that a small file cannot make the
parser use gigabytes or hours: a spreadsheet "bomb".

An XLSX is a zip of XML parts. Before openpyxl opens one, each member's uncompressed size
and compression ratio, the whole workbook's uncompressed size, the shared-string count
the workbook declares and each sheet's declared dimension (openpyxl pads every row to the
declared width and fills the gaps between rows) are checked against `FileLimits`. A CSV
is checked for its size. A refused file raises `FileRefused` naming what is too large.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from campaigns.lists.errors import ListLoadError


class FileRefused(ListLoadError):
    """The file is larger, once unpacked, than a customer list may be; nothing was read."""


@dataclass(frozen=True)
class FileLimits:
    csv_max_bytes: int = 200 * 1024 * 1024
    member_max_bytes: int = 256 * 1024 * 1024
    workbook_max_bytes: int = 512 * 1024 * 1024
    #: uncompressed / compressed for a member over `ratio_floor_bytes`
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 1024 * 1024
    max_members: int = 1000
    max_shared_strings: int = 2_000_000
    max_rows: int = 1_048_576
    max_columns: int = 1000
    max_cells: int = 10_000_000


DEFAULT_LIMITS: Final = FileLimits()
#: how much of a part's start is read to find its declared counts
_HEAD_BYTES: Final = 64 * 1024
_SST: Final = re.compile(rb"<(?:\w+:)?sst\b[^>]*>", re.S)
_COUNT: Final = re.compile(rb'\b(uniqueCount|count)\s*=\s*"(\d+)"')
_DIMENSION: Final = re.compile(
    rb'<(?:\w+:)?dimension\b[^>]*\bref\s*=\s*"([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"'
)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (ord(letter) - ord("A") + 1)
    return number


def _head(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with archive.open(info) as member:
        return member.read(_HEAD_BYTES)


def _check_members(name: str, members: list[zipfile.ZipInfo], limits: FileLimits) -> None:
    if len(members) > limits.max_members:
        raise FileRefused(f"{name} has {len(members)} parts (at most {limits.max_members})")
    total = 0
    for info in members:
        total += info.file_size
        if info.file_size > limits.member_max_bytes:
            raise FileRefused(
                f"{name}: the part {info.filename} unpacks to {info.file_size} bytes "
                f"(at most {limits.member_max_bytes})"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor_bytes and ratio > limits.max_ratio:
            raise FileRefused(
                f"{name}: the part {info.filename} unpacks {ratio:.0f} times larger than it is "
                f"stored (at most {limits.max_ratio:.0f}): a compression bomb"
            )
    if total > limits.workbook_max_bytes:
        raise FileRefused(f"{name} unpacks to {total} bytes (at most {limits.workbook_max_bytes})")


def _check_shared_strings(name: str, head: bytes, limits: FileLimits) -> None:
    tag = _SST.search(head)
    if tag is None:
        return
    for attribute, value in _COUNT.findall(tag.group(0)):
        if int(value) > limits.max_shared_strings:
            raise FileRefused(
                f"{name} declares {int(value)} shared strings ({attribute.decode()}; at most "
                f"{limits.max_shared_strings})"
            )


def _check_dimension(name: str, sheet: str, head: bytes, limits: FileLimits) -> None:
    found = _DIMENSION.search(head)
    if found is None:
        return
    first_col, first_row, last_col, last_row = (
        part.decode() if part else None for part in found.groups()
    )
    end_col, end_row = last_col or first_col, last_row or first_row
    columns = _column_number(end_col) if end_col else 1
    rows = int(end_row) if end_row else limits.max_rows
    if columns > limits.max_columns:
        raise FileRefused(
            f"{name}: the sheet {sheet} declares {columns} columns (at most {limits.max_columns})"
        )
    if rows > limits.max_rows or rows * columns > limits.max_cells:
        raise FileRefused(
            f"{name}: the sheet {sheet} declares {rows} rows of {columns} columns "
            f"(at most {limits.max_cells} cells)"
        )


def check_workbook(path: Path, limits: FileLimits = DEFAULT_LIMITS) -> None:
    """Refuse (FileRefused) a workbook that would unpack or parse into too much; a file
    that is not a zip is left for the reader to call unreadable."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return
    with archive:
        members = archive.infolist()
        _check_members(path.name, members, limits)
        for info in members:
            part = info.filename.lower()
            try:
                if part.endswith("sharedstrings.xml"):
                    _check_shared_strings(path.name, _head(archive, info), limits)
                elif part.startswith("xl/worksheets/") and part.endswith(".xml"):
                    sheet = info.filename.rsplit("/", 1)[-1]
                    _check_dimension(path.name, sheet, _head(archive, info), limits)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError):
                return  # corrupt: the reader says so


def check_text_file(path: Path, limits: FileLimits = DEFAULT_LIMITS) -> None:
    size = path.stat().st_size
    if size > limits.csv_max_bytes:
        raise FileRefused(f"{path.name} is {size} bytes (at most {limits.csv_max_bytes})")
