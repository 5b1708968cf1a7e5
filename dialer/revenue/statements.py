"""Monthly statements from the stored ledger, checked for `dialer revenue reconcile`.

Statements are built line by line from ledger rows (``revenue.statements``); reconciling
checks them with ``revenue.reconcile`` and, independently, against the database's own sums
per party kind, so a row no statement covers (an unknown party kind) or a statement that
does not add up is named with the amount it is off by.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import asyncpg

from dialer.leads.errors import LeadError
from dialer.revenue.ledger import entry_from_row
from dialer.sql import load_queries
from revenue.ledger import LedgerEntry
from revenue.money import from_cents
from revenue.parties import Party, Side
from revenue.reconcile import Difference, Reconciliation, reconcile
from revenue.statements import Month, StatementSet, monthly_statements

QUERIES = load_queries("dialer.revenue")

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
