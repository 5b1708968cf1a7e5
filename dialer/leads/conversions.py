"""Conversion import: what the back office reports happened to customers.

`dialer conversions import FILE` reads a CSV (UTF-8, or GB18030 as Chinese back-office
exports often are) with the columns ``external_ref, account_number, kind, occurred_on``
and optionally ``amount`` (yuan, at most two decimals) and ``period`` (``YYYY-MM``,
required for the revenue kinds ``net_commission`` and ``advisory_fee``). Nothing is lost:

- every row is accepted or rejected with a reason: rows = accepted + rejected;
- atomic: the rows are written in one transaction, or (on any failure) none are;
- idempotent: ``external_ref`` is the back office's id; a row already imported with the
  same values is accepted as unchanged, one with different values is rejected (send a
  correction under a new reference), so importing a file twice changes nothing.

Each new conversion is attributed to the lead that earns it (``revenue.attribution``): the
customer's lead handed off on the conversion's day or the days before it within the
attribution window of the revenue rule version in force on that day
(``RuleSet.attribution_window_days``; the default 90 days while no rules are in force), in
the firm's time zone; the most recent wins. A revenue row (``net_commission`` or
``advisory_fee``) counts toward the customer's most recent attributed conversion within
``revenue_days`` before it. With neither, the row is recorded unattributed (``lead_id``
NULL), not forced onto a lead. Every new row records how it was attributed: the window and
rule version used, and a note naming the lead that earned it or why none did.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import asyncpg
import structlog

from dialer.leads.errors import LeadError
from dialer.leads.ledger import RulesMissing, load_rule_book
from dialer.sql import load_queries
from revenue.attribution import DEFAULT_ATTRIBUTION_WINDOW, most_recent_lead
from revenue.errors import NoRuleInForce
from revenue.rules import RuleBook, RuleSet

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.leads")

REVENUE_KINDS = ("net_commission", "advisory_fee")
"""Rows that report revenue (the ``revenue.conversions.RevenueKind`` the rules may count)."""
KINDS = ("reactivated", "funds_in", "advisory_signed", "product_bought", *REVENUE_KINDS)
REQUIRED_COLUMNS = ("external_ref", "account_number", "kind", "occurred_on")
OPTIONAL_COLUMNS = ("amount", "period")
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_MAX_CENTS = 10**17


class ImportRefused(LeadError):
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


@dataclass
class ImportReport:
    """What an import did with every row."""

    file_name: str
    rows_total: int
    new: int = 0
    unchanged: int = 0
    attributed: int = 0
    unattributed: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    unattributed_rows: list[tuple[str, str]] = field(default_factory=list)
    """Each new row left unattributed, by external_ref, with why."""

    @property
    def accepted(self) -> int:
        return self.new + self.unchanged

    @property
    def reconciles(self) -> bool:
        return self.rows_total == self.accepted + len(self.rejected)

    def summary(self) -> str:
        return (
            f"{self.file_name}: {self.rows_total} rows = {self.accepted} accepted "
            f"({self.new} new, {self.unchanged} already imported) + {len(self.rejected)} "
            f"rejected; of the new, {self.attributed} attributed to a lead, "
            f"{self.unattributed} unattributed"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file_name,
            "rows_total": self.rows_total,
            "accepted": self.accepted,
            "new": self.new,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
            "attributed": self.attributed,
            "unattributed": self.unattributed,
            "rejects": [{"line": r.line, "reason": r.reason, "raw": r.raw} for r in self.rejected],
            "unattributed_rows": [
                {"external_ref": ref, "reason": reason} for ref, reason in self.unattributed_rows
            ],
        }


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
        parsed = parse_row(line, raw, fields)
        if isinstance(parsed, ConversionRow):
            earlier = first_line_of_ref.setdefault(parsed.external_ref, line)
            if earlier != line:
                parsed = Rejection(
                    line,
                    raw,
                    f"external_ref {parsed.external_ref} already appears on line {earlier}",
                )
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


@dataclass(frozen=True, slots=True)
class _Lead:
    lead_id: str  # zero-padded so that the tie-break by greatest id is numeric
    customer_id: str
    handed_off_at: datetime
    database_id: int


@dataclass(frozen=True, slots=True)
class _Attributed:
    """How one new row was attributed, as stored with it."""

    lead_id: int | None
    note: str
    window_days: int | None = None
    rule_set_id: int | None = None


@dataclass(frozen=True, slots=True)
class _Earning:
    account_id: int
    occurred_on: date
    lead_id: int
    external_ref: str


async def import_conversions(
    pool: asyncpg.Pool,
    text: str,
    *,
    now: datetime,
    time_zone: ZoneInfo,
    file_name: str = "conversions.csv",
    revenue_days: int = 365,
) -> ImportReport:
    """Import the CSV ``text`` (see the module docstring); ``now`` stamps ``received_at``."""
    if revenue_days < 0:
        raise ImportRefused("the revenue window is days and cannot be negative")
    rows, rejected, total = parse_rows(text)
    return await import_rows(
        pool,
        rows,
        rejected,
        total,
        now=now,
        time_zone=time_zone,
        file_name=file_name,
        revenue_days=revenue_days,
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
        parsed = parse_row(number, raw, fields)
        if isinstance(parsed, ConversionRow):
            earlier = first_of_ref.setdefault(parsed.external_ref, number)
            if earlier != number:
                parsed = Rejection(
                    number,
                    raw,
                    f"external_ref {parsed.external_ref} already appears in row {earlier}",
                )
        if isinstance(parsed, ConversionRow):
            rows.append(parsed)
        else:
            rejected.append(parsed)
    return rows, rejected


async def import_rows(
    pool: asyncpg.Pool,
    rows: list[ConversionRow],
    rejected: list[Rejection],
    total: int,
    *,
    now: datetime,
    time_zone: ZoneInfo,
    file_name: str,
    revenue_days: int = 365,
) -> ImportReport:
    """Write already parsed rows (see ``import_conversions``)."""
    report = ImportReport(file_name=file_name, rows_total=total, rejected=list(rejected))
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute(QUERIES["lock_conversion_imports"])
        numbers = sorted({row.account_number for row in rows})
        account_of = {
            record["account_number"]: record["account_id"]
            for record in await connection.fetch(QUERIES["accounts_by_number"], numbers)
        }
        existing = {
            record["external_ref"]: record
            for record in await connection.fetch(
                QUERIES["conversions_by_ref"], [row.external_ref for row in rows]
            )
        }
        fresh: list[tuple[ConversionRow, int]] = []
        for row in rows:
            account_id = account_of.get(row.account_number)
            if account_id is None:
                report.rejected.append(
                    Rejection(row.line, row.raw, f"no account numbered {row.account_number}")
                )
            elif row.external_ref in existing:
                if _same(row, account_id, existing[row.external_ref]):
                    report.unchanged += 1
                else:
                    report.rejected.append(
                        Rejection(
                            row.line,
                            row.raw,
                            f"external_ref {row.external_ref} was imported before with other "
                            "values: report a correction under a new reference",
                        )
                    )
            else:
                fresh.append((row, account_id))
        how = await _attribute(connection, fresh, time_zone, revenue_days)
        if fresh:
            chosen = [how[row.external_ref] for row, _ in fresh]
            inserted = await connection.fetch(
                QUERIES["insert_conversions"],
                [row.external_ref for row, _ in fresh],
                [account_id for _, account_id in fresh],
                [row.kind for row, _ in fresh],
                [row.occurred_on for row, _ in fresh],
                [row.amount_cents for row, _ in fresh],
                [row.period for row, _ in fresh],
                [each.lead_id for each in chosen],
                [each.window_days for each in chosen],
                [each.rule_set_id for each in chosen],
                [each.note for each in chosen],
                now,
            )
            if len(inserted) != len(fresh):
                raise LeadError(
                    f"{len(fresh) - len(inserted)} conversion(s) appeared during the import: "
                    "nothing was written; import the file again"
                )
        report.new = len(fresh)
        report.unattributed_rows = [
            (row.external_ref, how[row.external_ref].note)
            for row, _ in fresh
            if how[row.external_ref].lead_id is None
        ]
        report.unattributed = len(report.unattributed_rows)
        report.attributed = report.new - report.unattributed
    report.rejected.sort(key=lambda rejection: rejection.line)
    log.info(
        "conversions_imported",
        file=file_name,
        rows=report.rows_total,
        new=report.new,
        unchanged=report.unchanged,
        rejected=len(report.rejected),
        attributed=report.attributed,
    )
    return report


async def _attribute(
    connection: asyncpg.Connection,
    fresh: Sequence[tuple[ConversionRow, int]],
    time_zone: ZoneInfo,
    revenue_days: int,
) -> dict[str, _Attributed]:
    """How each new row is attributed, by external_ref."""
    accounts = sorted({account_id for _, account_id in fresh})
    if not accounts:
        return {}
    try:
        book: RuleBook | None
        book, rule_ids = await load_rule_book(connection)
    except RulesMissing:
        book, rule_ids = None, {}
    leads = [
        _Lead(
            lead_id=f"{record['lead_id']:020d}",
            customer_id=str(record["account_id"]),
            handed_off_at=record["handed_off_at"],
            database_id=record["lead_id"],
        )
        for record in await connection.fetch(QUERIES["leads_of_accounts"], accounts)
    ]
    how: dict[str, _Attributed] = {}
    earnings = [
        _Earning(r["account_id"], r["occurred_on"], r["lead_id"], r["external_ref"])
        for r in await connection.fetch(QUERIES["attributed_conversions_of_accounts"], accounts)
    ]
    for row, account_id in fresh:
        if row.kind in REVENUE_KINDS:
            continue
        day_start = datetime.combine(row.occurred_on, time.min, time_zone)
        rule_set = _in_force(book, day_start)
        if rule_set is None:
            days, rules = DEFAULT_ATTRIBUTION_WINDOW.days, "the default (no revenue rules in force)"
            rule_set_id = None
        else:
            days, rules = rule_set.attribution_window_days, rule_set.label
            rule_set_id = rule_ids[rule_set.version]
        # The conversion's day, in the firm's time zone, and the `days` days before it:
        # the same start as the posting's check (RuleSet.why_outside_window).
        converted_at = day_start + timedelta(days=1) - timedelta(microseconds=1)
        start = datetime.combine(row.occurred_on - timedelta(days=days), time.min, time_zone)
        lead, eligible = most_recent_lead(
            str(account_id), converted_at, leads, converted_at - start
        )
        window = f"the {days}-day attribution window of {rules}"
        if lead is None:
            how[row.external_ref] = _Attributed(
                None,
                _why_unattributed(account_id, row.occurred_on, start, leads, window),
                days,
                rule_set_id,
            )
            continue
        how[row.external_ref] = _Attributed(
            lead.database_id,
            f"lead {lead.database_id} handed off {lead.handed_off_at.isoformat()} is the most "
            f"recent of {eligible} within {window}",
            days,
            rule_set_id,
        )
        earnings.append(_Earning(account_id, row.occurred_on, lead.database_id, row.external_ref))
    for row, account_id in fresh:
        if row.kind not in REVENUE_KINDS:
            continue
        earning = _earning_conversion(row, account_id, earnings, revenue_days)
        if earning is None:
            how[row.external_ref] = _Attributed(
                None,
                f"no conversion of the customer attributed to a lead in the {revenue_days} days "
                "before it",
            )
        else:
            how[row.external_ref] = _Attributed(
                earning.lead_id,
                f"counts toward conversion {earning.external_ref} of lead {earning.lead_id}",
            )
    return how


def _in_force(book: RuleBook | None, at: datetime) -> RuleSet | None:
    if book is None:
        return None
    try:
        return book.in_force_at(at)
    except NoRuleInForce:
        return None


def _why_unattributed(
    account_id: int, day: date, start: datetime, leads: Iterable[_Lead], window: str
) -> str:
    older = [
        lead for lead in leads if lead.customer_id == str(account_id) and lead.handed_off_at < start
    ]
    if not older:
        return f"no lead of the customer was handed off on {day.isoformat()} or within {window}"
    latest = max(older, key=lambda lead: (lead.handed_off_at, lead.lead_id))
    return (
        f"lead {latest.database_id} handed off {latest.handed_off_at.isoformat()} is outside "
        f"{window}"
    )


def _earning_conversion(
    row: ConversionRow, account_id: int, earnings: Iterable[_Earning], revenue_days: int
) -> _Earning | None:
    eligible = [
        earning
        for earning in earnings
        if earning.account_id == account_id
        and earning.occurred_on <= row.occurred_on <= earning.occurred_on + timedelta(revenue_days)
    ]
    return max(eligible, key=lambda e: (e.occurred_on, e.external_ref), default=None)


def _same(row: ConversionRow, account_id: int, stored: asyncpg.Record) -> bool:
    return (
        stored["account_id"] == account_id
        and stored["kind"] == row.kind
        and stored["occurred_on"] == row.occurred_on
        and stored["amount_cents"] == row.amount_cents
        and stored["period"] == row.period
    )


def _raw(values: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(values)
    return out.getvalue()


def write_rejects(path: Path, rejected: Iterable[Rejection]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("line", "reason", "row"))
        for rejection in rejected:
            writer.writerow((rejection.line, rejection.reason, rejection.raw))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialer conversions import",
        description="Import the back office's conversions (CSV); every row accepted or rejected.",
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--time-zone", default="Asia/Shanghai", help="the firm's time zone")
    parser.add_argument("--revenue-days", type=int, default=365)
    parser.add_argument("--rejects", type=Path, help="write rejected rows with reasons (CSV)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def main(argv: list[str]) -> int:
    """Exit 0 when every row was accepted, 1 when some were rejected, 2 when nothing was
    imported (the error says why)."""
    from dialer import db
    from dialer.clock import system_clock
    from dialer.logs import configure_logging
    from dialer.settings import SettingsError, load_settings

    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        time_zone = ZoneInfo(args.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        print(
            f"dialer conversions import: error: unknown time zone {args.time_zone!r}: "
            "use an IANA name such as Asia/Shanghai",
            file=sys.stderr,
        )
        return 2
    try:
        text = decode(args.file.read_bytes())
        settings = load_settings()
        configure_logging(settings.log_format, settings.log_level)

        async def run() -> ImportReport:
            url = await asyncio.to_thread(
                db.resolve_database_url, settings.database_url, settings.data_dir
            )
            async with db.pool_for(url, min_size=1, max_size=2) as pool:
                return await import_conversions(
                    pool,
                    text,
                    now=system_clock(),
                    time_zone=time_zone,
                    file_name=args.file.name,
                    revenue_days=args.revenue_days,
                )

        report = asyncio.run(run())
    except (LeadError, SettingsError, db.DatabaseError) as error:
        print(f"dialer conversions import: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(
            f"dialer conversions import: error: cannot read {args.file}: {error}", file=sys.stderr
        )
        return 2
    if args.rejects is not None:
        write_rejects(args.rejects, report.rejected)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        print(report.summary())
        for rejection in report.rejected:
            print(f"  line {rejection.line}: {rejection.reason}")
    return 1 if report.rejected else 0
