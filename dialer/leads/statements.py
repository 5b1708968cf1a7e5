"""Monthly statements from the stored ledger, and `dialer revenue reconcile`.

Statements are built line by line from ledger rows (``revenue.statements``); reconciling
checks them with ``revenue.reconcile`` and, independently, against the database's own sums
per party kind, so a row no statement covers (an unknown party kind) or a statement that
does not add up is named with the amount it is off by.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import asyncpg

from dialer.leads.errors import LeadError
from dialer.leads.ledger import entry_from_row
from dialer.sql import load_queries
from revenue.errors import RevenueError
from revenue.ledger import LedgerEntry
from revenue.money import from_cents
from revenue.parties import Party, Side
from revenue.reconcile import Difference, Reconciliation, reconcile
from revenue.statements import Month, StatementSet, monthly_statements, statements_csv

QUERIES = load_queries("dialer.leads")

_SIDE_OF_KIND = {party.value: party.side for party in Party}


@dataclass(frozen=True)
class MonthCheck:
    """One month's statements and how they reconcile with the stored ledger."""

    month: Month
    statements: StatementSet
    reconciliation: Reconciliation

    @property
    def ok(self) -> bool:
        return self.reconciliation.ok


async def statements_for(
    pool: asyncpg.Pool, month: Month, time_zone: ZoneInfo
) -> tuple[StatementSet, list[LedgerEntry], list[Difference]]:
    """The month's statements, the entries they were built from, and the stored rows no
    statement can cover (as differences)."""
    entries: list[LedgerEntry] = []
    uncovered: list[Difference] = []
    for row in await pool.fetch(QUERIES["ledger_entries"], str(month)):
        try:
            entries.append(entry_from_row(row))
        except LeadError as error:
            uncovered.append(
                Difference(
                    check=f"ledger entry {row['entry_id']}",
                    expected=from_cents(row["amount_cents"]),
                    actual=Decimal(0),
                    detail=str(error),
                )
            )
    currencies = sorted({entry.currency for entry in entries}) or ["CNY"]
    if len(currencies) > 1:
        raise LeadError(f"the ledger for {month} mixes currencies {currencies}")
    statements = monthly_statements(entries, month, time_zone, currencies[0])
    return statements, entries, uncovered


async def check_month(pool: asyncpg.Pool, month: Month, time_zone: ZoneInfo) -> MonthCheck:
    statements, entries, differences = await statements_for(pool, month, time_zone)
    result = reconcile(entries, statements, time_zone)
    differences = [*result.differences, *differences]
    stored = {
        row["party_kind"]: from_cents(row["cents"])
        for row in await pool.fetch(QUERIES["ledger_totals_by_party"], str(month))
    }
    ledger_total = sum(stored.values(), Decimal(0))
    statement_total = result.centre_total + result.branch_total + result.firm_retained_total
    if statement_total != ledger_total:
        differences.append(
            Difference(
                check="centre + branches + firm retained vs the stored ledger's total",
                expected=ledger_total,
                actual=statement_total,
            )
        )
    for side in Side:
        on_ledger = sum(
            (cents for kind, cents in stored.items() if _SIDE_OF_KIND.get(kind) is side),
            Decimal(0),
        )
        if statements.side_total(side) != on_ledger:
            differences.append(
                Difference(
                    check=f"{side} statements vs the stored ledger's {side} rows",
                    expected=on_ledger,
                    actual=statements.side_total(side),
                )
            )
    reconciliation = result.model_copy(
        update={"ledger_total": ledger_total, "differences": tuple(differences)}
    )
    return MonthCheck(month=month, statements=statements, reconciliation=reconciliation)


async def reconcile_ledger(
    pool: asyncpg.Pool, month: Month | None, time_zone: ZoneInfo
) -> list[MonthCheck]:
    """Check one month, or every month the ledger holds."""
    months = (
        [month]
        if month is not None
        else [Month.parse(row["period"]) for row in await pool.fetch(QUERIES["ledger_periods"])]
    )
    return [await check_month(pool, each, time_zone) for each in months]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialer revenue reconcile",
        description="Check that the centre's, the branches' and the firm's statements add up "
        "to the ledger exactly; exit 1 naming every difference if not.",
    )
    parser.add_argument("--month", help="YYYY-MM (default: every month on the ledger)")
    parser.add_argument("--time-zone", default="Asia/Shanghai", help="the firm's time zone")
    parser.add_argument("--csv", type=Path, help="also write the month's statements as CSV")
    return parser


def main(argv: list[str]) -> int:
    """Exit 0 when everything reconciles, 1 naming the differences, 2 on errors."""
    from dialer import db
    from dialer.logs import configure_logging
    from dialer.settings import SettingsError, load_settings

    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        month = Month.parse(args.month) if args.month else None
        time_zone = ZoneInfo(args.time_zone)
    except (RevenueError, ZoneInfoNotFoundError, ValueError) as error:
        print(f"dialer revenue reconcile: error: {error}", file=sys.stderr)
        return 2
    try:
        settings = load_settings()
        configure_logging(settings.log_format, settings.log_level)

        async def run() -> list[MonthCheck]:
            url = await asyncio.to_thread(
                db.resolve_database_url, settings.database_url, settings.data_dir
            )
            async with db.pool_for(url, min_size=1, max_size=2) as pool:
                return await reconcile_ledger(pool, month, time_zone)

        checks = asyncio.run(run())
    except (LeadError, RevenueError, SettingsError, db.DatabaseError) as error:
        print(f"dialer revenue reconcile: error: {error}", file=sys.stderr)
        return 2
    if not checks:
        print("the revenue ledger is empty: nothing to reconcile")
    for check in checks:
        print(check.reconciliation.report())
    if args.csv is not None:
        every = [statement for check in checks for statement in check.statements.statements]
        args.csv.write_text(statements_csv(every), encoding="utf-8")
    return 0 if all(check.ok for check in checks) else 1
