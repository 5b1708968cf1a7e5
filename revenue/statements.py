"""Monthly statements per rep, team, account manager, branch and the firm, from the ledger.

A statement lists every ledger entry credited to its holder that was booked in the month
(in the firm's time zone; or whose accounting period is the month, when entries carry one), so a correction or clawback shows in the month it was made, and
each line names the conversion, lead, call and rule version behind it.

Which entries are on which statement:
- rep: the rep's own share; team: the team's share (together, the centre);
- account manager: the manager's share; branch: all its managers' shares plus its pool's
  (the branch side; the account manager statements are a second view of the same money);
- firm: what the firm retained.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from enum import StrEnum
from typing import Self

from pydantic import AwareDatetime, BaseModel, ConfigDict

from revenue.conversions import RevenueKind
from revenue.errors import RevenueError
from revenue.ledger import EntryType, LedgerEntry, check_ledger
from revenue.parties import Party, Side


class StatementKind(StrEnum):
    REP = "rep"
    TEAM = "team"
    ACCOUNT_MANAGER = "account_manager"
    BRANCH = "branch"
    FIRM = "firm"


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """A calendar month, e.g. ``Month.parse("2026-11")``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1 <= self.year <= 9999:
            raise RevenueError(f"{self.year}-{self.month} is not a month: use YYYY-MM")

    @classmethod
    def parse(cls, text: str) -> Self:
        match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
        if match is None:
            raise RevenueError(f"{text!r} is not a month: write it as YYYY-MM, e.g. 2026-11")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, moment: datetime, tz: tzinfo) -> Self:
        local = moment.astimezone(tz)
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


class StatementLine(BaseModel):
    """One ledger entry as it appears on a statement."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    entry_key: str
    entry_type: EntryType
    party: Party
    payee_id: str | None
    booked_at: AwareDatetime
    amount: Decimal
    revenue_id: str
    revenue_kind: RevenueKind
    customer_id: str
    conversion_id: str
    lead_id: str
    call_id: str | None
    rule_firm_id: str
    rule_version: int
    service_score: Decimal | None = None
    service_multiplier: Decimal | None
    """The multiplier applied to this line's amount; None when not recorded (old entries)."""
    reason: str

    @classmethod
    def of(cls, entry: LedgerEntry) -> Self:
        return cls(
            entry_key=entry.entry_key,
            entry_type=entry.entry_type,
            party=entry.party,
            payee_id=entry.payee_id,
            booked_at=entry.booked_at,
            amount=entry.amount,
            revenue_id=entry.revenue_id,
            revenue_kind=entry.revenue_kind,
            customer_id=entry.customer_id,
            conversion_id=entry.conversion_id,
            lead_id=entry.lead_id,
            call_id=entry.call_id,
            rule_firm_id=entry.rule_firm_id,
            rule_version=entry.rule_version,
            service_score=entry.service_score,
            service_multiplier=entry.service_multiplier,
            reason=entry.reason,
        )


class Statement(BaseModel):
    """One holder's lines for one month; the total is the sum of the lines."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: StatementKind
    holder_id: str | None
    month: str
    currency: str
    lines: tuple[StatementLine, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


class StatementSet(BaseModel):
    """Every statement of one month."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    month: str
    time_zone: str
    currency: str
    statements: tuple[Statement, ...]

    def of_kind(self, kind: StatementKind) -> tuple[Statement, ...]:
        return tuple(s for s in self.statements if s.kind is kind)

    def get(self, kind: StatementKind, holder_id: str | None) -> Statement:
        for statement in self.statements:
            if statement.kind is kind and statement.holder_id == holder_id:
                return statement
        raise RevenueError(f"no {kind} statement for {holder_id} in {self.month}")

    def total(self, *kinds: StatementKind) -> Decimal:
        return sum((s.total for s in self.statements if s.kind in kinds), Decimal(0))

    def side_total(self, side: Side) -> Decimal:
        """The centre (rep and team statements), branch (branch statements) or firm total."""
        kinds = {
            Side.CENTRE: (StatementKind.REP, StatementKind.TEAM),
            Side.BRANCH: (StatementKind.BRANCH,),
            Side.FIRM: (StatementKind.FIRM,),
        }[side]
        return self.total(*kinds)


_KIND_OF_PARTY = {
    Party.REP: StatementKind.REP,
    Party.TEAM: StatementKind.TEAM,
    Party.ACCOUNT_MANAGER: StatementKind.ACCOUNT_MANAGER,
    Party.FIRM_RETAINED: StatementKind.FIRM,
}


def month_of(entry: LedgerEntry, tz: tzinfo) -> Month:
    """The entry's accounting month: its period if it has one, else its booking date's in ``tz``."""
    return Month.parse(entry.period) if entry.period else Month.of(entry.booked_at, tz)


def booked_in(ledger: Iterable[LedgerEntry], month: Month, tz: tzinfo) -> list[LedgerEntry]:
    """The entries of ``month`` (by period, else booked in it in time zone ``tz``)."""
    return [entry for entry in ledger if month_of(entry, tz) == month]


def monthly_statements(
    ledger: Iterable[LedgerEntry], month: Month, tz: tzinfo, currency: str = "CNY"
) -> StatementSet:
    """All statements for ``month``: one per rep, team, account manager and branch with
    entries booked that month, and the firm's. Lines are in booking order, then by key."""
    entries = booked_in(ledger, month, tz)
    check_ledger(entries)
    mismatched = sorted({entry.currency for entry in entries} - {currency})
    if mismatched:
        raise RevenueError(
            f"ledger for {month} holds {mismatched} entries, statements are in {currency}: "
            "produce statements per currency"
        )
    entries.sort(key=lambda entry: (entry.booked_at, entry.entry_key))
    groups: dict[tuple[StatementKind, str | None], list[StatementLine]] = defaultdict(list)
    groups[(StatementKind.FIRM, None)] = []
    for entry in entries:
        line = StatementLine.of(entry)
        if entry.party in (Party.ACCOUNT_MANAGER, Party.BRANCH_POOL):
            groups[(StatementKind.BRANCH, entry.branch_id)].append(line)
        if entry.party is not Party.BRANCH_POOL:
            groups[(_KIND_OF_PARTY[entry.party], entry.payee_id)].append(line)
    statements = tuple(
        Statement(
            kind=kind, holder_id=holder, month=str(month), currency=currency, lines=tuple(lines)
        )
        for (kind, holder), lines in sorted(
            groups.items(),
            key=lambda item: (list(StatementKind).index(item[0][0]), item[0][1] or ""),
        )
    )
    return StatementSet(
        month=str(month), time_zone=str(tz), currency=currency, statements=statements
    )


CSV_COLUMNS = (
    "month",
    "statement",
    "holder",
    "booked_at",
    "entry_type",
    "party",
    "payee",
    "conversion_id",
    "lead_id",
    "call_id",
    "revenue_id",
    "revenue_kind",
    "customer_id",
    "rule",
    "service_score",
    "service_multiplier",
    "amount",
    "currency",
    "reason",
    "entry_key",
)


def statements_csv(statements: Iterable[Statement]) -> str:
    """The statements as CSV: one row per line, then a ``total`` row per statement."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for statement in statements:
        head = (statement.month, statement.kind.value, statement.holder_id or "")
        for line in statement.lines:
            writer.writerow(
                (
                    *head,
                    line.booked_at.isoformat(),
                    line.entry_type.value,
                    line.party.value,
                    line.payee_id or "",
                    line.conversion_id,
                    line.lead_id,
                    line.call_id or "",
                    line.revenue_id,
                    line.revenue_kind.value,
                    line.customer_id,
                    f"{line.rule_firm_id} v{line.rule_version}",
                    _or_blank(line.service_score),
                    _or_blank(line.service_multiplier),
                    str(line.amount),
                    statement.currency,
                    line.reason,
                    line.entry_key,
                )
            )
        writer.writerow(
            (
                *head,
                "",
                "total",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                str(statement.total),
                statement.currency,
                "",
                "",
            )
        )
    return out.getvalue()


def _or_blank(value: Decimal | None) -> str:
    return "" if value is None else str(value)
