"""A service coefficient that changed after its month was posted (a late complaint, a
re-scored QA review, an override) restates the pay it scaled: every standing entry of
each affected revenue row is reversed and the row split again under the coefficients now
standing, both booked in the current month with the reason. Nothing is edited: the
ledger shows the first split, its reversal and the new split."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import structlog

from dialer.quality.coefficients import standing_coefficients
from dialer.revenue.ledger import QUERIES, PostingReport, load_rule_book, post_rows

log = structlog.get_logger(__name__)


@dataclass
class RestatementReport:
    conversions_restated: int = 0
    entries_reversed: int = 0
    entries_posted: int = 0
    changes: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "conversions_restated": self.conversions_restated,
            "entries_reversed": self.entries_reversed,
            "entries_posted": self.entries_posted,
            "changes": self.changes,
        }


def _differs(posted: Decimal | None, standing: Decimal | None) -> bool:
    return posted != standing


async def restate_coefficients(
    pool: asyncpg.Pool, *, now: datetime, time_zone: ZoneInfo
) -> RestatementReport:
    """Reverse and re-split every posted revenue row whose payee's coefficient for the
    revenue's month is no longer the one it was posted with. Idempotent: a second run
    finds nothing changed."""
    report = RestatementReport()
    period = now.astimezone(time_zone).strftime("%Y-%m")
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute(QUERIES["lock_revenue_posting"])
        entries = await connection.fetch(QUERIES["standing_payee_entries"])
        standing = await standing_coefficients(
            connection, sorted({e["revenue_period"] for e in entries})
        )
        stale: set[int] = set()
        for entry in entries:
            now_score = standing.get(entry["revenue_period"], {}).get(entry["party_id"])
            if _differs(entry["service_score"], now_score):
                stale.add(entry["conversion_id"])
                report.changes.append(
                    {
                        "conversion_id": entry["conversion_id"],
                        "user_id": entry["party_id"],
                        "period": entry["revenue_period"],
                        "posted_score": None
                        if entry["service_score"] is None
                        else str(entry["service_score"]),
                        "standing_score": None if now_score is None else str(now_score),
                    }
                )
        if not stale:
            return report
        ids = sorted(stale)
        reversed_ids = [
            r["entry_id"] for r in await connection.fetch(QUERIES["unreversed_entries_of"], ids)
        ]
        reason = f"service coefficient restated ({period})"
        await connection.execute(QUERIES["insert_reversals"], reversed_ids, period, reason, now)
        book, rule_ids = await load_rule_book(connection)
        rows = await connection.fetch(QUERIES["revenue_rows"], ids)
        posting = PostingReport()
        await post_rows(
            connection,
            book,
            rule_ids,
            rows,
            None,
            now,
            time_zone,
            posting,
            reason=reason,
            booked_period=period,
        )
        report.conversions_restated = len(ids)
        report.entries_reversed = len(reversed_ids)
        report.entries_posted = posting.entries
    log.info("service_coefficients_restated", **report.to_dict() | {"changes": len(report.changes)})
    return report
