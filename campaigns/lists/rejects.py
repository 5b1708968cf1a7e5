"""The reject file: every row that was not loaded, with its line, reason and raw content.

Campaign managers open it in Excel or WPS, so a cell that starts like a formula
(= + - @, or a TAB / CR that some spreadsheets skip before one) is prefixed with a
quote: it is shown as text and never runs (CSV injection).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Final, TextIO

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
HEADER: Final = ("line_number", "reason", "detail", "raw")


def neutralise(cell: str) -> str:
    """The cell as inert text for spreadsheets."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def write_rejects(
    rows: Iterable[tuple[int, str, str, str]], out: TextIO, *, bom: bool = True
) -> int:
    """Write (line_number, reason, detail, raw) rows as CSV; return how many were written.

    With `bom` the file starts with a UTF-8 byte order mark so Excel reads Chinese correctly.
    """
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    count = 0
    for line_number, reason, detail, raw in rows:
        writer.writerow((line_number, neutralise(reason), neutralise(detail), neutralise(raw)))
        count += 1
    return count
