"""Streaming readers for list files: CSV (any common delimiter), TSV and XLSX.

A file is never loaded whole: text files are decoded as they are read, workbooks are opened
read-only. Each record comes out as a `SourceRow` with the line it started on and its raw
text, so a rejected row can be shown exactly as it was in the file.
"""

from __future__ import annotations

import codecs
import collections
import csv
import datetime
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final, NamedTuple

import charset_normalizer

from campaigns.lists.bombs import check_text_file, check_workbook
from campaigns.lists.errors import SheetNotFound, UnknownEncoding, UnreadableFile

DELIMITERS: Final = (",", ";", "\t", "|")
SAMPLE_BYTES: Final = 256 * 1024
_XLSX_MAGIC: Final = b"PK\x03\x04"
_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0"  # legacy .xls
# csv refuses fields above 128 KiB by default; a cell in a customer list never is legitimately
csv.field_size_limit(1024 * 1024)


class SourceRow(NamedTuple):
    """One record of the file: where it starts, its raw text and its cells."""

    line_number: int
    raw: str
    cells: list[str]

    def as_dict(self, header: tuple[str, ...]) -> dict[str, str]:
        return {name: value for name, value in zip(header, self.cells, strict=False)}


@dataclass(frozen=True, slots=True)
class ListFile:
    """What was found out about a file before reading it."""

    path: Path
    kind: str  # "csv" or "xlsx"
    encoding: str | None
    delimiter: str | None


def detect_encoding(sample: bytes) -> str:
    """The text encoding of a file from its first bytes.

    BOMs decide first (UTF-8, UTF-16); then strict UTF-8; otherwise charset-normalizer's
    best guess, widened to GB18030 when it says GB2312 or GBK (GB18030 is their superset).
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        if b"\x00" in sample:
            raise UnreadableFile(
                "the file contains NUL bytes and no UTF-16 byte order mark: it looks binary; "
                "export the list as CSV or XLSX"
            )
        return "utf-8"
    if b"\x00" in sample:
        raise UnreadableFile(
            "the file contains NUL bytes: it looks binary; export the list as CSV or XLSX"
        )
    best = charset_normalizer.from_bytes(sample).best()
    if best is None:
        raise UnknownEncoding(
            "cannot tell which text encoding the file uses; pass one, e.g. --encoding gb18030"
        )
    name = codecs.lookup(best.encoding).name
    if name in ("gb2312", "gbk", "hz", "big5") or name.startswith("gb"):
        # exports from Chinese back offices are GBK/GB18030; Big5 guesses on short samples of
        # simplified Chinese are wrong more often than right
        return "gb18030" if name != "big5" else _prefer_gb18030(sample, name)
    return name


def _prefer_gb18030(sample: bytes, fallback: str) -> str:
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    except UnicodeDecodeError:
        return fallback
    return "gb18030"


def sniff_delimiter(text_sample: str) -> str:
    """The delimiter among , ; TAB | that splits the sample into the most consistent columns."""
    lines = text_sample.splitlines(keepends=True)
    if len(lines) > 1:
        lines = lines[:-1]  # the last line of a sample may be cut short
    best, best_score = ",", (-1, -1)
    for delimiter in DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=delimiter) if row]
        except csv.Error:
            continue
        if not widths:
            continue
        common = max(set(widths), key=widths.count)
        if common < 2:
            continue
        score = (widths.count(common), common)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def inspect(path: Path, *, encoding: str | None = None, delimiter: str | None = None) -> ListFile:
    """Decide how to read `path`: workbook or text, its encoding and delimiter."""
    try:
        with path.open("rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
    except OSError as exc:
        raise UnreadableFile(f"cannot open {path.name}: {exc.strerror or exc}") from exc
    if not sample:
        raise UnreadableFile(f"{path.name} is empty: export the list again")
    if sample.startswith(_XLSX_MAGIC) or path.suffix.lower() in (".xlsx", ".xlsm"):
        check_workbook(path)  # before openpyxl: no bomb is ever unpacked
        return ListFile(path, "xlsx", None, None)
    if sample.startswith(_OLE_MAGIC) or path.suffix.lower() == ".xls":
        raise UnreadableFile(
            f"{path.name} is a legacy .xls workbook: save it as .xlsx or CSV and load that"
        )
    check_text_file(path)
    if encoding is None:
        encoding = detect_encoding(sample)
    else:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError as exc:
            raise UnknownEncoding(
                f"unknown encoding {encoding!r}: use e.g. utf-8, gb18030 or utf-16"
            ) from exc
    if delimiter is None:
        if path.suffix.lower() == ".tsv":
            delimiter = "\t"
        else:
            text = sample.decode(encoding, errors="ignore")
            delimiter = sniff_delimiter(text)
    return ListFile(path, "csv", encoding, delimiter)


def read_rows(source: ListFile, *, sheet: str | None = None) -> Iterator[SourceRow]:
    """Every record of the file, header first, streamed."""
    if source.kind == "xlsx":
        return _read_workbook(source.path, sheet)
    if sheet is not None:
        raise SheetNotFound(f"{source.path.name} is a text file: it has no sheet {sheet!r}")
    assert source.encoding is not None and source.delimiter is not None
    return _read_text(source.path, source.encoding, source.delimiter)


def split_record(raw: str, delimiter: str) -> list[str]:
    """The cells of one record; the csv module only for records that use quotes."""
    if '"' not in raw:
        return raw.split(delimiter)
    return next(csv.reader(raw.splitlines(keepends=True) or [""], delimiter=delimiter), [])


def _balanced(text: str) -> bool:
    return text.count('"') % 2 == 0


# A quoted field may span lines; a stray quote must not swallow the rest of the file.
MAX_LINES_PER_RECORD: Final = 50


def read_text_records(
    path: Path, encoding: str, delimiter: str | None = None
) -> Iterator[tuple[int, str]]:
    """(line number, raw text) of every non-blank record, quoted newlines kept inside.

    A quote left open joins the following lines only while that makes one record: the quote
    must close within MAX_LINES_PER_RECORD lines and (given the delimiter) the joined record
    must have as many cells as the header while no line after the first is a whole record by
    itself. Otherwise the line with the stray quote is a record
    of its own (read as written) and the lines after it are read again as records: a stray
    quote never merges other customers into one row.
    """
    try:
        handle = path.open("r", encoding=encoding, newline="", errors="strict")
    except OSError as exc:
        raise UnreadableFile(f"cannot open {path.name}: {exc.strerror or exc}") from exc
    numbered = enumerate(handle, start=1)
    replay: collections.deque[tuple[int, str]] = collections.deque()
    width: int | None = None  # the header's cells, once read
    line_number = 0

    def next_line() -> tuple[int, str] | None:
        nonlocal line_number
        if replay:
            return replay.popleft()
        item = next(numbered, None)
        if item is not None:
            line_number = item[0]
        return item

    def one_record(lines: list[str]) -> bool:
        """Do these lines read as one record rather than a stray quote and the records after
        it? As many cells as the header, and no later line a whole record by itself."""
        if width is None or delimiter is None:
            return True
        if len(split_record("".join(lines).rstrip("\r\n"), delimiter)) != width:
            return False
        return all(len(split_record(line.rstrip("\r\n"), delimiter)) != width for line in lines[1:])

    with handle:
        try:
            while (item := next_line()) is not None:
                start, line = item
                record = line.rstrip("\r\n")
                if '"' in line and not _balanced(line):
                    pending = [line]
                    while len(pending) < MAX_LINES_PER_RECORD and (more := next_line()):
                        pending.append(more[1])
                        if _balanced("".join(pending)):
                            break
                    joined = "".join(pending).rstrip("\r\n")
                    if len(pending) > 1 and _balanced(joined) and one_record(pending):
                        record = joined
                    else:
                        # the lines after the stray quote are records of their own
                        later = range(start + 1, start + len(pending))
                        replay.extendleft(reversed(list(zip(later, pending[1:], strict=True))))
                if not record:
                    continue
                if width is None and delimiter is not None:
                    width = len(split_record(record, delimiter))
                yield start, record
        except UnicodeDecodeError as exc:
            raise UnreadableFile(
                f"{path.name} line {line_number + 1} is not valid {encoding}: "
                "pass the right --encoding (e.g. gb18030 or utf-8)"
            ) from exc


def _read_text(path: Path, encoding: str, delimiter: str) -> Iterator[SourceRow]:
    for line_number, raw in read_text_records(path, encoding, delimiter):
        try:
            cells = split_record(raw, delimiter)
        except csv.Error as exc:
            raise UnreadableFile(f"{path.name} line {line_number}: {exc}") from exc
        yield SourceRow(line_number, raw, cells)


def cell_text(value: object) -> str:
    """A workbook cell as the text a person would have typed."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # phone and account numbers typed into Excel come back as floats: 13812345678.0
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _read_workbook(path: Path, sheet: str | None) -> Iterator[SourceRow]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(
            f"{path.name} is not a readable XLSX workbook (truncated or corrupt: {exc}); "
            "export it again"
        ) from exc
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            raise SheetNotFound(
                f"{path.name} has no sheet {sheet!r}; its sheets are: "
                + ", ".join(workbook.sheetnames)
            )
        try:
            for index, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                cells = [cell_text(value) for value in values]
                while cells and not cells[-1]:
                    cells.pop()
                if not cells:
                    continue
                yield SourceRow(index, "\t".join(cells), cells)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
            raise UnreadableFile(
                f"{path.name} is truncated or corrupt ({exc}); export it again"
            ) from exc
    finally:
        workbook.close()


def sha256_of(path: Path) -> str:
    """The content hash that identifies a file already imported."""
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


__all__ = [
    "DELIMITERS",
    "ListFile",
    "SourceRow",
    "cell_text",
    "detect_encoding",
    "inspect",
    "read_rows",
    "read_text_records",
    "split_record",
    "sha256_of",
    "sniff_delimiter",
]
