"""Conversion import: what the back office reports happened to customers.

`dialer conversions import FILE` (``dialer.cli.revenue``) reads a CSV (UTF-8, or GB18030 as
Chinese back-office exports often are); its rows are parsed and checked by the pure
``revenue.conversion_files`` and written here. Nothing is lost:

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import structlog

from dialer.leads.errors import LeadError
from dialer.revenue.ledger import RulesMissing, load_rule_book
from dialer.sql import load_queries
from revenue.attribution import DEFAULT_ATTRIBUTION_WINDOW, most_recent_lead
from revenue.conversion_files import (
    REVENUE_KINDS,
    ConversionRow,
    ImportRefused,
    Rejection,
    parse_rows,
)
from revenue.errors import NoRuleInForce
from revenue.rules import RuleBook, RuleSet

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.revenue")


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
