"""Merge rules within one file, and the tally that proves nothing was lost.

Two rows are the same customer when they carry the same account number, or, for rows
without an account number (prospects), the same primary phone (their first valid
number). The first row (lowest line) survives; blanks in it are filled from the rows
merged into it, in line order; phone numbers are united in order of appearance.

This module is the reference: the importer runs the same rules as set-based SQL over a
staging table, and tests/integration/lists checks that both give the same accounts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from campaigns.lists.validation import AcceptedRow, RejectedRow, RejectReason

_FILLABLE = (
    "branch",
    "manager",
    "assets_cents",
    "opened_on",
    "last_trade_on",
    "risk_tolerance",
    "region",
    "city",
    "address",
)


@dataclass
class Tally:
    """rows = accepted + merged + rejected, with a count per reject reason."""

    rows: int = 0
    accepted: int = 0
    merged: int = 0
    rejected: int = 0
    reject_reasons: Counter[str] = field(default_factory=Counter)

    @property
    def reconciles(self) -> bool:
        return self.rows == self.accepted + self.merged + self.rejected and self.rejected == sum(
            self.reject_reasons.values()
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "accepted": self.accepted,
            "merged": self.merged,
            "rejected": self.rejected,
            "reject_reasons": dict(sorted(self.reject_reasons.items())),
        }


@dataclass(frozen=True)
class MergeOutcome:
    accounts: list[AcceptedRow]  # one per customer, the survivor with merged data
    merged_lines: dict[int, int]  # merged line -> the survivor's line
    rejected: list[RejectedRow]
    tally: Tally


def merge_key(row: AcceptedRow) -> str:
    """Rows with the same key are one customer: the account number, else the primary phone."""
    if row.account_number is not None:
        return "account:" + row.account_number
    return "phone:" + row.primary_phone


def _fold(survivor: AcceptedRow, other: AcceptedRow) -> AcceptedRow:
    changes: dict[str, object] = {
        name: getattr(other, name)
        for name in _FILLABLE
        if getattr(survivor, name) is None and getattr(other, name) is not None
    }
    known = {phone.e164 for phone in survivor.phones}
    extra_phones = tuple(phone for phone in other.phones if phone.e164 not in known)
    if extra_phones:
        changes["phones"] = survivor.phones + extra_phones
    if any(value is None for value in survivor.extra_values):
        changes["extra_values"] = tuple(
            mine if mine is not None else theirs
            for mine, theirs in zip(survivor.extra_values, other.extra_values, strict=True)
        )
    return survivor._replace(**changes) if changes else survivor  # type: ignore[arg-type]


def merge_rows(
    outcomes: Iterable[AcceptedRow | RejectedRow],
    *,
    on_dnc: Callable[[str], bool] | None = None,
) -> MergeOutcome:
    """Apply the DNC scrub (when given) and the merge rules to validated rows."""
    tally = Tally()
    survivors: dict[str, AcceptedRow] = {}
    merged_lines: dict[int, int] = {}
    rejected: list[RejectedRow] = []
    for outcome in outcomes:
        tally.rows += 1
        if isinstance(outcome, AcceptedRow) and on_dnc is not None:
            if all(on_dnc(phone.e164) for phone in outcome.phones):
                outcome = RejectedRow(
                    outcome.line_number,
                    outcome.raw,
                    RejectReason.DNC,
                    "every number is on a do-not-call list",
                )
        if isinstance(outcome, RejectedRow):
            rejected.append(outcome)
            tally.rejected += 1
            tally.reject_reasons[outcome.reason.value] += 1
            continue
        key = merge_key(outcome)
        survivor = survivors.get(key)
        if survivor is None:
            survivors[key] = outcome
            tally.accepted += 1
        else:
            survivors[key] = _fold(survivor, outcome)
            merged_lines[outcome.line_number] = survivor.line_number
            tally.merged += 1
    return MergeOutcome(list(survivors.values()), merged_lines, rejected, tally)
