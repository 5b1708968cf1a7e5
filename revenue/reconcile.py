"""Reconciliation: do the month's statements and the ledger agree to the cent?

Checks, each named when it fails, with the amount it is off by:

1. the identity: centre (rep + team statements) + branches + firm retained == ledger total;
2. each side's statements against the ledger entries of that side;
3. account manager statements plus branch pool lines against the branch statements;
4. line by line: every ledger entry booked in the month is on exactly one rep, team,
   branch or firm statement with the same amount, and no statement line is missing from
   the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import tzinfo
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from revenue.ledger import LedgerEntry
from revenue.parties import Party, Side
from revenue.statements import Month, StatementKind, StatementSet, booked_in

_PRIMARY = (StatementKind.REP, StatementKind.TEAM, StatementKind.BRANCH, StatementKind.FIRM)


class Difference(BaseModel):
    """One way the statements and the ledger disagree."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    check: str
    expected: Decimal
    actual: Decimal
    detail: str = ""

    @property
    def difference(self) -> Decimal:
        return self.actual - self.expected

    def __str__(self) -> str:
        text = f"{self.check}: expected {self.expected}, found {self.actual} (off by {self.difference})"
        return f"{text}; {self.detail}" if self.detail else text


class Reconciliation(BaseModel):
    """The month's totals and every difference found; ``ok`` only when there is none."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    month: str
    ledger_total: Decimal
    centre_total: Decimal
    branch_total: Decimal
    firm_retained_total: Decimal
    differences: tuple[Difference, ...]

    @property
    def ok(self) -> bool:
        return not self.differences

    def report(self) -> str:
        head = (
            f"{self.month}: centre {self.centre_total} + branches {self.branch_total} + "
            f"firm retained {self.firm_retained_total} = "
            f"{self.centre_total + self.branch_total + self.firm_retained_total}; "
            f"ledger {self.ledger_total}"
        )
        if self.ok:
            return f"{head}: reconciled"
        return "\n".join([f"{head}: NOT reconciled", *(f"  {d}" for d in self.differences)])


def reconcile(
    ledger: Iterable[LedgerEntry], statements: StatementSet, tz: tzinfo
) -> Reconciliation:
    """Check ``statements`` against the ledger entries booked in their month."""
    entries = booked_in(ledger, Month.parse(statements.month), tz)
    ledger_total = sum((entry.amount for entry in entries), Decimal(0))
    centre = statements.side_total(Side.CENTRE)
    branch = statements.side_total(Side.BRANCH)
    firm = statements.side_total(Side.FIRM)
    differences: list[Difference] = []

    paid_out = centre + branch + firm
    if paid_out != ledger_total:
        differences.append(
            Difference(
                check="centre + branches + firm retained vs ledger total",
                expected=ledger_total,
                actual=paid_out,
            )
        )

    for side in Side:
        on_ledger = sum((e.amount for e in entries if e.party.side is side), Decimal(0))
        on_statements = statements.side_total(side)
        if on_ledger != on_statements:
            differences.append(
                Difference(
                    check=f"{side} statements vs {side} ledger entries",
                    expected=on_ledger,
                    actual=on_statements,
                )
            )

    managers = statements.total(StatementKind.ACCOUNT_MANAGER)
    pools = sum(
        (
            line.amount
            for s in statements.of_kind(StatementKind.BRANCH)
            for line in s.lines
            if line.party is Party.BRANCH_POOL
        ),
        Decimal(0),
    )
    if managers + pools != branch:
        differences.append(
            Difference(
                check="account manager statements + branch pools vs branch statements",
                expected=branch,
                actual=managers + pools,
            )
        )

    differences.extend(_line_differences(entries, statements))
    return Reconciliation(
        month=statements.month,
        ledger_total=ledger_total,
        centre_total=centre,
        branch_total=branch,
        firm_retained_total=firm,
        differences=tuple(differences),
    )


def _line_differences(entries: list[LedgerEntry], statements: StatementSet) -> list[Difference]:
    on_ledger = {entry.entry_key: entry.amount for entry in entries}
    on_statements: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for kind in _PRIMARY:
        for statement in statements.of_kind(kind):
            where = f"{kind} statement {statement.holder_id or ''}".rstrip()
            for line in statement.lines:
                on_statements[line.entry_key].append((where, line.amount))
    differences = []
    for key, amount in sorted(on_ledger.items()):
        found = on_statements.get(key, [])
        if not found:
            differences.append(
                Difference(
                    check=f"ledger entry {key}",
                    expected=amount,
                    actual=Decimal(0),
                    detail="on no statement",
                )
            )
        elif len(found) > 1 or found[0][1] != amount:
            differences.append(
                Difference(
                    check=f"ledger entry {key}",
                    expected=amount,
                    actual=sum((a for _, a in found), Decimal(0)),
                    detail="on " + ", ".join(f"{where} as {a}" for where, a in found),
                )
            )
    for key in sorted(set(on_statements) - set(on_ledger)):
        for where, amount in on_statements[key]:
            differences.append(
                Difference(
                    check=f"statement line {key}",
                    expected=Decimal(0),
                    actual=amount,
                    detail=f"on {where} but not on the ledger for {statements.month}",
                )
            )
    return differences
