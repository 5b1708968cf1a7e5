"""The revenue ledger: append-only entries produced from splits, reversals and clawbacks.

Nothing on the ledger is ever changed. A correction reverses what a revenue item put on every
account (one entry per account, the negative of its balance) and posts a new split; a
clawback moves the payees' balances for a conversion to the firm. Every entry carries the
conversion, lead, call and rule version it came from, so statements can be traced back.

An entry's ``entry_key`` is deterministic (revenue item, kind of posting, posting number,
account), so posting the same thing twice collides on the database's unique key instead of
counting twice.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from revenue.conversions import Conversion, Currency, RevenueKind
from revenue.errors import LedgerInconsistent, NothingToReverse
from revenue.money import refuse_float, require_cents
from revenue.parties import Party
from revenue.rules import RuleSet
from revenue.split import Split

SignedCents = Annotated[
    Decimal,
    BeforeValidator(refuse_float),
    AfterValidator(lambda amount: require_cents(amount, what="a ledger amount")),
]
"""A credit (positive) or debit (negative) in whole cents."""

Account = tuple[Party, str | None]
"""Who an entry is credited to: the party and its id (None for the firm)."""


class EntryType(StrEnum):
    SPLIT = "split"
    REVERSAL = "reversal"
    CLAWBACK = "clawback"


class LedgerEntry(BaseModel):
    """One signed amount credited to one account, traceable to its origin."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    entry_key: str = Field(min_length=1)
    entry_type: EntryType
    posting: int = Field(ge=0)
    """The how-many-th posting of this type for the revenue item (0 first, then corrections)."""
    party: Party
    payee_id: str | None
    amount: SignedCents
    currency: Currency
    booked_at: AwareDatetime
    revenue_id: str
    revenue_kind: RevenueKind = RevenueKind.NET_COMMISSION
    """What kind of revenue the item was (net commission, an advisory fee, …)."""
    customer_id: str
    conversion_id: str
    lead_id: str
    call_id: str | None
    rule_firm_id: str
    rule_version: int
    rep_id: str
    team_id: str | None
    branch_id: str | None
    account_manager_id: str | None
    service_score: Decimal | None = None
    """The payee's service coefficient from complaints the split used; None without one."""
    service_multiplier: Decimal | None = Decimal(1)
    """The pay multiplier actually applied (1 for corrections and the firm's part); None only
    for entries stored before the ledger recorded it."""
    reason: str = ""
    period: str | None = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    """The accounting month (YYYY-MM) if the firm books by period; else the booking date's."""

    @property
    def account(self) -> Account:
        return (self.party, self.payee_id)


def post_split(
    split: Split, booked_at: datetime, ledger: Iterable[LedgerEntry] = ()
) -> tuple[LedgerEntry, ...]:
    """The entries that put ``split`` on the ledger, one per party with an account.

    ``ledger`` is the existing ledger (or at least this revenue item's entries): posting a
    revenue item that is already on it and not reversed is refused, because it would count
    twice. A team's share for a rep without a team has no account; it is in the firm's part.
    """
    revenue_id = split.revenue.revenue_id
    mine = [entry for entry in ledger if entry.revenue_id == revenue_id]
    posted = _postings(mine, EntryType.SPLIT)
    reversed_ = _postings(mine, EntryType.REVERSAL)
    if posted > reversed_:
        raise LedgerInconsistent(
            f"revenue {revenue_id} is already on the ledger: reverse it before posting it again"
        )
    lead = split.lead
    return tuple(
        LedgerEntry(
            entry_key=f"{revenue_id}/split/{posted}/{line.party}",
            entry_type=EntryType.SPLIT,
            posting=posted,
            party=line.party,
            payee_id=line.payee_id,
            amount=line.amount,
            currency=split.revenue.currency,
            booked_at=booked_at,
            revenue_id=revenue_id,
            revenue_kind=split.revenue.kind,
            customer_id=split.conversion.customer_id,
            conversion_id=split.conversion.conversion_id,
            lead_id=lead.lead_id,
            call_id=lead.call_id,
            rule_firm_id=split.rule_firm_id,
            rule_version=split.rule_version,
            rep_id=lead.rep_id,
            team_id=lead.team_id,
            branch_id=lead.branch_id,
            account_manager_id=lead.account_manager_id,
            service_score=line.service_score,
            service_multiplier=line.service_multiplier,
            reason=line.note,
        )
        for line in split.lines
        if line.payee_id is not None or line.party is Party.FIRM_RETAINED
    )


def reverse_revenue(
    ledger: Iterable[LedgerEntry], revenue_id: str, booked_at: datetime, reason: str
) -> tuple[LedgerEntry, ...]:
    """Entries that bring every account back to zero for ``revenue_id`` (a correction).

    One entry per account the revenue item touched, the negative of its balance. Raises
    NothingToReverse when the item is not on the ledger or was already reversed.
    """
    mine = [entry for entry in ledger if entry.revenue_id == revenue_id]
    posted = _postings(mine, EntryType.SPLIT)
    reversals = _postings(mine, EntryType.REVERSAL)
    if posted <= reversals:
        raise NothingToReverse(
            f"revenue {revenue_id} has no open posting to reverse "
            f"({posted} posted, {reversals} reversed)"
        )
    entries = []
    for account, (balance, latest) in _balances_with_latest(mine).items():
        party, payee_id = account
        entries.append(
            latest.model_copy(
                update={
                    "entry_key": f"{revenue_id}/reversal/{reversals}/{party}/{payee_id or '-'}",
                    "entry_type": EntryType.REVERSAL,
                    "posting": reversals,
                    "amount": -balance,
                    "booked_at": booked_at,
                    "service_score": None,
                    "service_multiplier": Decimal(1),
                    "reason": reason,
                }
            )
        )
    return tuple(entries)


def correct_revenue(
    ledger: Sequence[LedgerEntry], corrected: Split, booked_at: datetime, reason: str
) -> tuple[LedgerEntry, ...]:
    """Reverse what the revenue item put on the ledger and post its corrected split."""
    reversal = reverse_revenue(ledger, corrected.revenue.revenue_id, booked_at, reason)
    return reversal + post_split(corrected, booked_at, [*ledger, *reversal])


def clawback(
    ledger: Iterable[LedgerEntry],
    conversion: Conversion,
    departed_at: datetime,
    rule_set: RuleSet,
    booked_at: datetime,
) -> tuple[LedgerEntry, ...]:
    """Entries clawing back the payees' shares of ``conversion`` when its customer left.

    Applies only when the customer left within the rule set's clawback days of the
    conversion (``rule_set`` is the version the conversion was split under); otherwise, or
    when nothing is owed back, there are no entries. For each revenue item, every payee
    account's balance is reversed and the sum credited to the firm, so the ledger's total
    (the revenue) is unchanged and the payees are back to zero for that conversion.
    """
    if not rule_set.claws_back(conversion, departed_at):
        return ()
    mine = [entry for entry in ledger if entry.conversion_id == conversion.conversion_id]
    by_revenue: dict[str, list[LedgerEntry]] = defaultdict(list)
    for entry in mine:
        by_revenue[entry.revenue_id].append(entry)
    reason = f"customer left {departed_at.isoformat()}, within {rule_set.clawback_days} days"
    entries: list[LedgerEntry] = []
    for revenue_id in sorted(by_revenue):
        revenue_entries = by_revenue[revenue_id]
        number = _postings(revenue_entries, EntryType.CLAWBACK)
        clawed = Decimal(0)
        template: LedgerEntry | None = None
        for (party, payee_id), (balance, latest) in _balances_with_latest(revenue_entries).items():
            if party is Party.FIRM_RETAINED or balance == 0:
                continue
            clawed += balance
            template = latest
            entries.append(
                latest.model_copy(
                    update={
                        "entry_key": f"{revenue_id}/clawback/{number}/{party}/{payee_id}",
                        "entry_type": EntryType.CLAWBACK,
                        "posting": number,
                        "amount": -balance,
                        "booked_at": booked_at,
                        "service_score": None,
                        "service_multiplier": Decimal(1),
                        "reason": reason,
                    }
                )
            )
        if template is not None:
            entries.append(
                template.model_copy(
                    update={
                        "entry_key": f"{revenue_id}/clawback/{number}/{Party.FIRM_RETAINED}/-",
                        "entry_type": EntryType.CLAWBACK,
                        "posting": number,
                        "party": Party.FIRM_RETAINED,
                        "payee_id": None,
                        "amount": clawed,
                        "booked_at": booked_at,
                        "service_score": None,
                        "service_multiplier": Decimal(1),
                        "reason": reason,
                    }
                )
            )
    return tuple(entries)


def balances(ledger: Iterable[LedgerEntry]) -> dict[Account, Decimal]:
    """Each account's net balance over ``ledger``."""
    totals: dict[Account, Decimal] = defaultdict(Decimal)
    for entry in ledger:
        totals[entry.account] += entry.amount
    return dict(totals)


def paid_so_far(ledger: Iterable[LedgerEntry], conversion_id: str) -> dict[Party, Decimal]:
    """What each payee role has earned net from one conversion: the input caps need.

    The branch pool counts as the account manager's role, whose cap it shares.
    """
    totals: dict[Party, Decimal] = defaultdict(Decimal)
    for entry in ledger:
        if entry.conversion_id != conversion_id or entry.party is Party.FIRM_RETAINED:
            continue
        role = Party.ACCOUNT_MANAGER if entry.party is Party.BRANCH_POOL else entry.party
        totals[role] += entry.amount
    return dict(totals)


def ledger_total(ledger: Iterable[LedgerEntry]) -> Decimal:
    return sum((entry.amount for entry in ledger), Decimal(0))


def check_ledger(ledger: Sequence[LedgerEntry]) -> None:
    """Raise LedgerInconsistent on duplicate keys, mixed currencies or fractional cents."""
    counts = Counter(entry.entry_key for entry in ledger)
    duplicates = sorted(key for key, count in counts.items() if count > 1)
    if duplicates:
        raise LedgerInconsistent(f"ledger entry keys appear more than once: {duplicates[:5]}")
    currencies = sorted({entry.currency for entry in ledger})
    if len(currencies) > 1:
        raise LedgerInconsistent(
            f"ledger mixes currencies {currencies}: keep one ledger per currency"
        )
    for entry in ledger:
        require_cents(entry.amount, what=f"ledger entry {entry.entry_key}")


def _postings(entries: Iterable[LedgerEntry], entry_type: EntryType) -> int:
    """How many postings of a type the entries hold (entries of one posting share a number)."""
    return len({entry.posting for entry in entries if entry.entry_type is entry_type})


def _balances_with_latest(
    entries: Iterable[LedgerEntry],
) -> dict[Account, tuple[Decimal, LedgerEntry]]:
    """Each account's balance and its most recently booked entry (for tracing), in first-seen
    order so the derived entries come out in a stable order."""
    result: dict[Account, tuple[Decimal, LedgerEntry]] = {}
    for entry in entries:
        balance, latest = result.get(entry.account, (Decimal(0), entry))
        if entry.booked_at >= latest.booked_at:
            latest = entry
        result[entry.account] = (balance + entry.amount, latest)
    return result
