"""A back-office conversions file (or the API's rows) read and checked, row by row.

Pure: text in, rows and rejections out; no database and no files (``dialer.revenue.conversions``
writes the rows, ``dialer.cli.revenue`` reads the file). The columns are ``external_ref,
account_number, kind, occurred_on`` and optionally ``amount`` (yuan, at most two decimals)
and ``period`` (``YYYY-MM``, required for the revenue kinds); every data row is accepted or
rejected with a reason, and a repeated ``external_ref`` is rejected on its later lines.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from revenue.errors import RevenueError

REVENUE_KINDS = ("net_commission", "advisory_fee")
"""Rows that report revenue (the ``revenue.conversions.RevenueKind`` the rules may count)."""
KINDS = ("reactivated", "funds_in", "advisory_signed", "product_bought", *REVENUE_KINDS)
REQUIRED_COLUMNS = ("external_ref", "account_number", "kind", "occurred_on")
OPTIONAL_COLUMNS = ("amount", "period")
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_MAX_CENTS = 10**17


class ImportRefused(RevenueError):
    """The file cannot be imported as a whole (unreadable, or columns missing); nothing was
    written. Fix the file and import it again."""


@dataclass(frozen=True, slots=True)
class ConversionRow:
    line: int
    raw: str
    external_ref: str
    account_number: str
    kind: str
    occurred_on: date
    amount_cents: int
    period: str | None


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int
    raw: str
    reason: str


def decode(content: bytes) -> str:
    """The file's text: UTF-8 (with or without BOM), else GB18030."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return content.decode("gb18030")
        except UnicodeDecodeError as error:
            raise ImportRefused(
                f"the file is neither UTF-8 nor GB18030 text (byte {error.start}): "
                "export it as CSV in UTF-8"
            ) from error


def parse_rows(text: str) -> tuple[list[ConversionRow], list[Rejection], int]:
    """Parse and validate every data row: (valid rows, rejections, number of data rows).

    Blank lines are not rows. Refuses the whole file when a required column is missing.
    """
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    rows: list[ConversionRow] = []
    rejected: list[Rejection] = []
    total = 0
    first_line_of_ref: dict[str, int] = {}
    for values in reader:
        if not any(value.strip() for value in values):
            continue
        if header is None:
            header = [value.strip().lower() for value in values]
            missing = [column for column in REQUIRED_COLUMNS if column not in header]
            if missing:
                raise ImportRefused(
                    f"the header has no {', '.join(missing)} column(s): the first line must name "
                    f"{', '.join(REQUIRED_COLUMNS)} (and optionally {', '.join(OPTIONAL_COLUMNS)})"
                )
            continue
        total += 1
        line = reader.line_num
        raw = _raw(values)
        if len(values) > len(header):
            rejected.append(Rejection(line, raw, f"{len(values)} fields, header has {len(header)}"))
            continue
        fields = {name: value.strip() for name, value in zip(header, values, strict=False)}
        parsed = _first_of_its_ref(parse_row(line, raw, fields), first_line_of_ref, "on line")
        if isinstance(parsed, Rejection):
            rejected.append(parsed)
        else:
            rows.append(parsed)
    if header is None:
        raise ImportRefused("the file is empty: expected a header line and conversion rows")
    return rows, rejected, total


def parse_row(line: int, raw: str, fields: dict[str, str]) -> ConversionRow | Rejection:
    """One row checked field by field; the first problem is the rejection's reason."""
    for column in REQUIRED_COLUMNS:
        if not fields.get(column):
            return Rejection(line, raw, f"{column} is empty")
    external_ref = fields["external_ref"]
    if len(external_ref) > 200:
        return Rejection(line, raw, "external_ref is longer than 200 characters")
    kind = fields["kind"].lower()
    if kind not in KINDS:
        return Rejection(line, raw, f"kind {fields['kind']!r} is not one of {', '.join(KINDS)}")
    try:
        occurred_on = date.fromisoformat(fields["occurred_on"])
    except ValueError:
        return Rejection(
            line, raw, f"occurred_on {fields['occurred_on']!r} is not a YYYY-MM-DD date"
        )
    amount_text = fields.get("amount", "").replace(",", "")
    amount_cents = 0
    if amount_text:
        try:
            amount = Decimal(amount_text)
        except InvalidOperation:
            return Rejection(line, raw, f"amount {amount_text!r} is not a number")
        if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
            return Rejection(line, raw, f"amount {amount_text} has more than two decimals")
        if amount < 0:
            return Rejection(line, raw, f"amount {amount_text} is negative")
        amount_cents = int(amount * 100)
        if amount_cents >= _MAX_CENTS:
            return Rejection(line, raw, f"amount {amount_text} is implausibly large")
    period = fields.get("period") or None
    if period is not None and not _PERIOD.match(period):
        return Rejection(line, raw, f"period {period!r} is not YYYY-MM")
    if kind in REVENUE_KINDS and period is None:
        return Rejection(line, raw, f"{kind} needs the period (YYYY-MM) it was earned in")
    return ConversionRow(
        line=line,
        raw=raw,
        external_ref=external_ref,
        account_number=fields["account_number"],
        kind=kind,
        occurred_on=occurred_on,
        amount_cents=amount_cents,
        period=period,
    )


def parse_records(records: Sequence[dict[str, Any]]) -> tuple[list[ConversionRow], list[Rejection]]:
    """Rows given as JSON objects (the API), checked exactly like the file's rows."""
    rows: list[ConversionRow] = []
    rejected: list[Rejection] = []
    first_of_ref: dict[str, int] = {}
    for number, record in enumerate(records, start=1):
        raw = json.dumps(record, ensure_ascii=False, default=str)
        fractional = sorted(str(k) for k, v in record.items() if isinstance(v, float))
        if fractional:
            reason = f'{", ".join(fractional)}: send amounts as strings such as "12.34", not JSON numbers with a fraction'
            rejected.append(Rejection(number, raw, reason))
            continue
        fields = {str(k).lower(): "" if v is None else str(v).strip() for k, v in record.items()}
        parsed = _first_of_its_ref(parse_row(number, raw, fields), first_of_ref, "in row")
        if isinstance(parsed, ConversionRow):
            rows.append(parsed)
        else:
            rejected.append(parsed)
    return rows, rejected


def _first_of_its_ref(
    parsed: ConversionRow | Rejection, first_of_ref: dict[str, int], where: str
) -> ConversionRow | Rejection:
    """A valid row whose external_ref an earlier row has is rejected, naming that row."""
    if isinstance(parsed, Rejection):
        return parsed
    earlier = first_of_ref.setdefault(parsed.external_ref, parsed.line)
    if earlier == parsed.line:
        return parsed
    return Rejection(
        parsed.line,
        parsed.raw,
        f"external_ref {parsed.external_ref} already appears {where} {earlier}",
    )


def _raw(values: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(values)
    return out.getvalue()
