"""The revenue ledger in PostgreSQL: rule versions, posting splits, reading entries back.

The money rules themselves are pure (``revenue``); this module only moves data between
them and the database. Posting takes every attributed revenue row (``net_commission`` or
``advisory_fee``, each split as its own kind, which the rules may count or not) that is not
yet on the ledger, splits it under the rule version in force on the day of the conversion
it counts toward, and appends the parts (``revenue_ledger`` refuses updates and
deletes). Running it again posts nothing twice: a conversion on the ledger is skipped.

In the database a ledger row's ``conversion_id`` is the revenue row (the commission), and
caps per conversion count everything the same lead has earned.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import structlog

from dialer.leads.errors import LeadError
from dialer.quality.coefficients import standing_coefficients
from dialer.sql import load_queries
from revenue.attribution import Attribution, LeadHandoff
from revenue.conversions import Conversion, ConversionKind, RevenueItem, RevenueKind
from revenue.errors import NoRuleInForce, RevenueNotCounted
from revenue.ledger import EntryType, LedgerEntry, post_split
from revenue.money import from_cents, to_cents
from revenue.parties import PAYEES, Party, Side
from revenue.rules import RuleBook, RuleSet
from revenue.split import split_revenue

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.revenue")


class RulesMissing(LeadError):
    """No revenue rules are stored: add the firm's rule set before posting revenue."""


def version_label(rule_set: RuleSet) -> str:
    return f"{rule_set.firm_id}/v{rule_set.version}"


async def store_rule_set(pool: asyncpg.Pool, rule_set: RuleSet) -> int:
    """Store a rule version (once: a stored version never changes) and return its id."""
    label = version_label(rule_set)
    rules = json.loads(rule_set.model_dump_json())
    async with pool.acquire() as connection, connection.transaction():
        rule_set_id = await connection.fetchval(
            QUERIES["insert_rule_set"], label, rule_set.effective_from.date(), rules
        )
        if rule_set_id is not None:
            return int(rule_set_id)
        stored = await connection.fetchrow(QUERIES["rule_set_by_version"], label)
    if RuleSet.model_validate(stored["rules"]) != rule_set:
        raise LeadError(
            f"rule version {label} is already stored with other rules: versions never change, "
            "add the new rules as the next version"
        )
    return int(stored["rule_set_id"])


async def load_rule_book(
    executor: asyncpg.Pool | asyncpg.Connection,
) -> tuple[RuleBook, dict[int, int]]:
    """All stored versions as a rule book, and each version number's database id."""
    rows = await executor.fetch(QUERIES["rule_sets"])
    if not rows:
        raise RulesMissing("no revenue rule set is stored: store the firm's rules first")
    versions = [RuleSet.model_validate(row["rules"]) for row in rows]
    ids = {
        rule_set.version: row["rule_set_id"] for rule_set, row in zip(versions, rows, strict=True)
    }
    book = RuleBook(firm_id=versions[0].firm_id, versions=tuple(versions))
    return book, ids


@dataclass
class PostingReport:
    """What one posting run put on the ledger."""

    conversions_posted: int = 0
    entries: int = 0
    cents_by_party: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    cents_by_branch: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    not_posted: list[tuple[int, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "conversions_posted": self.conversions_posted,
            "entries": self.entries,
            "by_party": {party: str(from_cents(c)) for party, c in self.cents_by_party.items()},
            "by_branch": {
                str(branch): str(from_cents(c)) for branch, c in self.cents_by_branch.items()
            },
            "not_posted": [{"conversion_id": c, "reason": r} for c, r in self.not_posted],
        }


def _start_of(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tz)


async def post_revenue(
    pool: asyncpg.Pool,
    *,
    now: datetime,
    time_zone: ZoneInfo,
    service_scores: Mapping[int, Decimal] | None = None,
) -> PostingReport:
    """Split and post every attributed revenue row not yet on the ledger, in one transaction.

    A rep's or account manager's share is scaled by the band of their service coefficient
    (0..1) for the revenue's month: the latest figure in ``service_coefficients``
    (``dialer.quality.coefficients``: computed, or an override with its reason), or, when
    ``service_scores`` is given, that one mapping (user id -> score) for every month. The
    firm keeps the difference. People without a figure are paid unadjusted. Each entry
    stores the score and the multiplier applied, so statements show them. A row that is not
    posted (its lead outside the rule set's attribution window, no rules in force, revenue
    the rules do not count) keeps the reason in ``conversions.not_posted_reason`` until it
    is posted.
    """
    report = PostingReport()
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute(QUERIES["lock_revenue_posting"])
        book, rule_ids = await load_rule_book(connection)
        candidates = await connection.fetch(QUERIES["unposted_revenue"])
        await post_rows(
            connection, book, rule_ids, candidates, service_scores, now, time_zone, report
        )
        # Each refusal's reason stays on its revenue row until it is posted.
        refused = dict(report.not_posted)
        if candidates:
            await connection.execute(
                QUERIES["record_not_posted"],
                [row["conversion_id"] for row in candidates],
                [refused.get(row["conversion_id"]) for row in candidates],
            )
    if report.conversions_posted or report.not_posted:
        log.info(
            "revenue_posted",
            conversions=report.conversions_posted,
            entries=report.entries,
            not_posted=len(report.not_posted),
        )
    return report


def revenue_period(row: asyncpg.Record) -> str:
    """The month a revenue row belongs to (its statement month)."""
    return str(row["period"] or row["occurred_on"].strftime("%Y-%m"))


async def post_rows(
    connection: asyncpg.Connection,
    book: RuleBook,
    rule_ids: dict[int, int],
    candidates: list[asyncpg.Record],
    service_scores: Mapping[int, Decimal] | None,
    now: datetime,
    time_zone: ZoneInfo,
    report: PostingReport,
    *,
    reason: str = "split",
    booked_period: str | None = None,
) -> None:
    """Split `candidates` (rows shaped as ``unposted_revenue``) and append their entries,
    each in its revenue's month unless `booked_period` (a correction's month) is given."""
    if service_scores is None:
        periods = sorted({revenue_period(row) for row in candidates})
        by_period = await standing_coefficients(connection, periods)
    paid: dict[int, dict[Party, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in await connection.fetch(
        QUERIES["paid_by_lead"], sorted({c["lead_id"] for c in candidates})
    ):
        role = Party(row["party_kind"])
        role = Party.ACCOUNT_MANAGER if role is Party.BRANCH_POOL else role
        paid[row["lead_id"]][role] += from_cents(row["cents"])
    columns: list[list[Any]] = [[] for _ in range(11)]
    for row in candidates:
        scores = (
            dict(service_scores)
            if service_scores is not None
            else by_period.get(revenue_period(row), {})
        )
        entries = _split(
            row, book, paid[row["lead_id"]], _scores_of(row, scores), now, time_zone, report
        )
        for entry in entries:
            values = (
                row["conversion_id"],
                row["lead_id"],
                row["call_attempt_id"],
                rule_ids[entry.rule_version],
                entry.party.value,
                int(entry.payee_id) if entry.payee_id is not None else None,
                to_cents(entry.amount),
                booked_period or revenue_period(row),
                reason,
                entry.service_score,
                entry.service_multiplier,
            )
            for column, value in zip(columns, values, strict=True):
                column.append(value)
            report.cents_by_party[entry.party.value] += to_cents(entry.amount)
            if entry.party.side is Side.BRANCH and row["branch_id"] is not None:
                report.cents_by_branch[row["branch_id"]] += to_cents(entry.amount)
        report.entries += len(entries)
    if columns[0]:
        await connection.execute(QUERIES["insert_ledger_entries"], *columns, now)


def _scores_of(row: asyncpg.Record, scores: dict[int, Decimal]) -> dict[Party, Decimal]:
    found = {}
    if row["rep_user_id"] in scores:
        found[Party.REP] = scores[row["rep_user_id"]]
    if row["assigned_to"] is not None and row["assigned_to"] in scores:
        found[Party.ACCOUNT_MANAGER] = scores[row["assigned_to"]]
    return found


def _split(
    row: asyncpg.Record,
    book: RuleBook,
    paid: dict[Party, Decimal],
    scores: dict[Party, Decimal],
    now: datetime,
    tz: ZoneInfo,
    report: PostingReport,
) -> tuple[LedgerEntry, ...]:
    conversion_id = row["conversion_id"]
    if row["earning_id"] is None:
        report.not_posted.append(
            (conversion_id, "its lead has no earlier conversion to count toward")
        )
        return ()
    customer = str(row["account_id"])
    conversion = Conversion(
        conversion_id=str(row["earning_id"]),
        customer_id=customer,
        kind=ConversionKind(row["earning_kind"]),
        occurred_at=_start_of(row["earning_on"], tz),
    )
    lead = LeadHandoff(
        lead_id=str(row["lead_id"]),
        customer_id=customer,
        handed_off_at=row["handed_off_at"],
        call_id=None if row["call_attempt_id"] is None else str(row["call_attempt_id"]),
        rep_id=str(row["rep_user_id"]),
        team_id=None if row["team_id"] is None else str(row["team_id"]),
        branch_id=None if row["branch_id"] is None else str(row["branch_id"]),
        account_manager_id=None if row["assigned_to"] is None else str(row["assigned_to"]),
    )
    try:
        rule_set = book.in_force_at(conversion.occurred_at)
        # The database keeps amounts in the firm's currency, the one its rules are in.
        item = RevenueItem(
            revenue_id=str(conversion_id),
            customer_id=customer,
            kind=RevenueKind(row["revenue_kind"]),
            amount=from_cents(row["amount_cents"]),
            currency=rule_set.currency,
            earned_at=_start_of(row["occurred_on"], tz),
        )
        # Attributed at import; the split refuses the lead again if it lies outside this rule
        # set's window (e.g. the rules changed, or none were in force at the import).
        attribution = Attribution(
            conversion=conversion,
            lead=lead,
            window=rule_set.attribution_window,
            reason="attributed when the conversion was imported",
        )
        split = split_revenue(
            item, attribution, rule_set, service_scores=scores, paid_so_far=dict(paid)
        )
    except (NoRuleInForce, RevenueNotCounted) as reason:
        report.not_posted.append((conversion_id, str(reason)))
        return ()
    entries = post_split(split, now)
    for entry in entries:
        if entry.party in PAYEES or entry.party is Party.BRANCH_POOL:
            role = Party.ACCOUNT_MANAGER if entry.party is Party.BRANCH_POOL else entry.party
            paid[role] += entry.amount
    report.conversions_posted += 1
    return entries


def entry_from_row(row: asyncpg.Record) -> LedgerEntry:
    """A stored ledger row as the pure model statements and reconciliation work on.

    Raises LeadError for a row whose party kind the statements do not know (e.g. ``centre``),
    so reconciliation names it instead of silently leaving it out.
    """
    try:
        party = Party(row["party_kind"])
    except ValueError:
        raise LeadError(
            f"ledger entry {row['entry_id']} is for party kind {row['party_kind']!r}, which no "
            "statement covers"
        ) from None
    if row["reverses_entry_id"] is not None:
        entry_type = EntryType.REVERSAL
    elif row["reason"].startswith("clawback"):
        entry_type = EntryType.CLAWBACK
    else:
        entry_type = EntryType.SPLIT
    return LedgerEntry(
        entry_key=str(row["entry_id"]),
        entry_type=entry_type,
        posting=0,
        party=party,
        payee_id=None if row["party_id"] is None else str(row["party_id"]),
        amount=from_cents(row["amount_cents"]),
        currency=row["currency"] or "CNY",
        booked_at=row["posted_at"],
        revenue_id=str(row["conversion_id"]),
        revenue_kind=RevenueKind(row["revenue_kind"]),
        customer_id=str(row["account_id"]),
        conversion_id=str(row["conversion_id"]),
        lead_id="" if row["lead_id"] is None else str(row["lead_id"]),
        call_id=None if row["call_attempt_id"] is None else str(row["call_attempt_id"]),
        rule_firm_id=row["rule_firm_id"] or "",
        rule_version=row["rule_version"] or 0,
        rep_id="" if row["rep_user_id"] is None else str(row["rep_user_id"]),
        team_id=None if row["team_id"] is None else str(row["team_id"]),
        branch_id=None if row["branch_id"] is None else str(row["branch_id"]),
        account_manager_id=None if row["assigned_to"] is None else str(row["assigned_to"]),
        service_score=row["service_score"],
        service_multiplier=row["service_multiplier"],
        reason=row["reason"],
        period=row["period"],
    )


async def reverse_conversion(
    pool: asyncpg.Pool, conversion_id: int, *, reason: str, now: datetime, time_zone: ZoneInfo
) -> int:
    """Reverse everything a revenue row put on the ledger (a correction): one new entry per
    entry not yet reversed, booked in the current month. Returns how many were written."""
    if not reason.strip():
        raise LeadError("a reversal needs a reason (it is shown on the statements)")
    period = now.astimezone(time_zone).strftime("%Y-%m")
    async with pool.acquire() as connection, connection.transaction():
        if await connection.fetchrow(QUERIES["lock_conversion"], conversion_id) is None:
            raise LeadError(f"no conversion {conversion_id}")
        entries = await connection.fetch(QUERIES["unreversed_entries"], conversion_id)
        if not entries:
            raise LeadError(f"conversion {conversion_id} has nothing on the ledger to reverse")
        await connection.execute(
            QUERIES["insert_reversals"], [e["entry_id"] for e in entries], period, reason, now
        )
    log.info("revenue_reversed", conversion_id=conversion_id, entries=len(entries))
    return len(entries)


async def claw_back_customer(
    pool: asyncpg.Pool,
    account_id: int,
    *,
    departed_at: datetime,
    now: datetime,
    time_zone: ZoneInfo,
) -> int:
    """A customer left: claw back the payees' shares of every conversion of theirs still in
    its rule set's clawback period. Each payee entry is reversed and the firm credited with
    the sum, so the ledger total is unchanged. Returns how many entries were written."""
    book, _ = await load_rule_book(pool)
    period = now.astimezone(time_zone).strftime("%Y-%m")
    written = 0
    async with pool.acquire() as connection, connection.transaction():
        for revenue in await connection.fetch(QUERIES["posted_revenue_of_account"], account_id):
            converted_at = _start_of(revenue["earning_on"], time_zone)
            rule_set = book.in_force_at(converted_at)
            conversion = Conversion(
                conversion_id=str(revenue["conversion_id"]),
                customer_id=str(account_id),
                kind=ConversionKind(revenue["earning_kind"]),
                occurred_at=converted_at,
            )
            if not rule_set.claws_back(conversion, departed_at):
                continue
            await connection.fetchrow(QUERIES["lock_conversion"], revenue["conversion_id"])
            entries = [
                e
                for e in await connection.fetch(
                    QUERIES["unreversed_entries"], revenue["conversion_id"]
                )
                if e["party_kind"] != Party.FIRM_RETAINED.value and e["amount_cents"] != 0
            ]
            if not entries:
                continue
            reason = f"clawback: customer left {departed_at.date().isoformat()}"
            await connection.execute(
                QUERIES["insert_reversals"], [e["entry_id"] for e in entries], period, reason, now
            )
            first = entries[0]
            await connection.execute(
                QUERIES["insert_firm_entry"],
                revenue["conversion_id"],
                first["lead_id"],
                first["call_attempt_id"],
                first["rule_set_id"],
                sum(e["amount_cents"] for e in entries),
                period,
                reason,
                now,
            )
            written += len(entries) + 1
    log.info("revenue_clawed_back", account_id=account_id, entries=written)
    return written


def read_scores(text: str) -> dict[int, Decimal]:
    """``user_id,score`` lines (a header line is allowed) as a mapping; raises LeadError
    naming the first bad line."""
    scores: dict[int, Decimal] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        fields = [field.strip() for field in line.split(",")]
        if not line.strip() or (number == 1 and not fields[0].isdigit()):
            continue
        try:
            user_id, score = int(fields[0]), Decimal(fields[1])
        except (ValueError, IndexError, ArithmeticError):
            raise LeadError(f"scores line {number} is not user_id,score: {line!r}") from None
        if not Decimal(0) <= score <= Decimal(1):
            raise LeadError(f"scores line {number}: a service coefficient lies between 0 and 1")
        scores[user_id] = score
    return scores
