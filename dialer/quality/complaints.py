"""The complaints register (投诉): a complaint from the customer (by phone to the centre),
via the branch or via the regulator, linked to the customer, the calls and the people
concerned (the rep of every linked call among them); investigated; closed upheld or not
with the evidence (recordings and QA reviews of the linked calls). An upheld complaint
about a marketing call can put every number of the customer on the firm's do-not-call
list, permanently and for every call (the lock). Upheld complaints lower the people's
service coefficient for the month the complaint was received."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import asyncpg
import structlog

from dialer.compliance.opt_outs import add_opt_out
from dialer.leads.errors import LeadError
from dialer.sql import load_queries

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.quality")

Source = Literal["customer", "branch", "regulator"]


class ComplaintError(LeadError):
    """A complaint cannot be recorded or closed as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Evidence:
    recording_ids: tuple[int, ...] = ()
    review_ids: tuple[int, ...] = ()


async def lodge_complaint(
    pool: asyncpg.Pool,
    *,
    account_id: int,
    source: Source,
    summary: str,
    received_at: datetime,
    call_ids: tuple[int, ...] = (),
    people: tuple[int, ...] = (),
    about_marketing: bool = True,
    recorded_by: int | None,
    now: datetime,
) -> int:
    if source not in ("customer", "branch", "regulator"):
        raise ComplaintError(
            f"a complaint comes from customer, branch or regulator, not {source!r}"
        )
    if not summary.strip():
        raise ComplaintError("a complaint needs a summary of what the customer says")
    async with pool.acquire() as connection, connection.transaction():
        try:
            complaint_id: int = await connection.fetchval(
                QUERIES["insert_complaint"],
                account_id,
                source,
                about_marketing,
                summary.strip(),
                received_at,
                recorded_by,
            )
        except asyncpg.ForeignKeyViolationError as exc:
            raise ComplaintError(f"no customer {account_id}") from exc
        await connection.execute(
            QUERIES["link_complaint_calls"], complaint_id, list(call_ids), account_id
        )
        linked = await connection.fetchval(QUERIES["count_linked_calls"], complaint_id)
        if linked != len(set(call_ids)):
            raise ComplaintError("a linked call is not one of this customer's calls")
        try:
            await connection.execute(QUERIES["link_complaint_people"], complaint_id, list(people))
        except asyncpg.ForeignKeyViolationError as exc:
            raise ComplaintError("a person named on the complaint does not exist") from exc
        await connection.execute(
            QUERIES["complaint_audit"],
            now,
            recorded_by,
            "complaint_lodged",
            complaint_id,
            {"source": source, "calls": list(call_ids), "received_at": received_at.isoformat()},
        )
    log.info("complaint_lodged", complaint=complaint_id, source=source)
    return complaint_id


async def start_investigation(
    pool: asyncpg.Pool, complaint_id: int, *, investigator_id: int, now: datetime
) -> None:
    async with pool.acquire() as connection, connection.transaction():
        done = await connection.execute(
            QUERIES["start_investigation"], complaint_id, investigator_id
        )
        if done != "UPDATE 1":
            raise ComplaintError(f"complaint {complaint_id} is not open")
        await connection.execute(
            QUERIES["complaint_audit"],
            now,
            investigator_id,
            "complaint_investigating",
            complaint_id,
            {},
        )


async def close_complaint(
    pool: asyncpg.Pool,
    complaint_id: int,
    *,
    upheld: bool,
    finding: str,
    evidence: Evidence,
    closed_by: int,
    now: datetime,
    apply_dnc: bool = False,
) -> dict[str, Any]:
    """Close the complaint upheld or not, with the finding and the evidence (which must be
    recordings or QA reviews of its linked calls). `apply_dnc` on an upheld complaint about
    a marketing call puts every number of the customer on the do-not-call list."""
    if not finding.strip():
        raise ComplaintError("a closed complaint records its finding")
    async with pool.acquire() as connection, connection.transaction():
        row = await connection.fetchrow(QUERIES["complaint_for_update"], complaint_id)
        if row is None:
            raise ComplaintError(f"no complaint {complaint_id}")
        if row["status"] in ("upheld", "not_upheld"):
            raise ComplaintError(f"complaint {complaint_id} is already closed ({row['status']})")
        recordings = await connection.fetch(
            QUERIES["evidence_recordings"], complaint_id, list(evidence.recording_ids)
        )
        reviews = await connection.fetch(
            QUERIES["evidence_reviews"], complaint_id, list(evidence.review_ids)
        )
        if len(recordings) != len(set(evidence.recording_ids)) or len(reviews) != len(
            set(evidence.review_ids)
        ):
            raise ComplaintError("evidence must be recordings or QA reviews of the linked calls")
        if apply_dnc and not (upheld and row["about_marketing"]):
            raise ComplaintError("only an upheld complaint about a marketing call puts the DNC on")
        items = [{"kind": "recording", "id": i} for i in sorted(set(evidence.recording_ids))] + [
            {"kind": "qa_review", "id": i} for i in sorted(set(evidence.review_ids))
        ]
        numbers: list[str] = []
        if apply_dnc:
            for phone in await connection.fetch(QUERIES["phones_of_account"], row["account_id"]):
                await add_opt_out(
                    connection,
                    phone["e164"],
                    "other",
                    now,
                    row["account_id"],
                    closed_by,
                    note=f"upheld complaint {complaint_id}",
                )
                numbers.append(phone["e164"])
        status = "upheld" if upheld else "not_upheld"
        await connection.execute(
            QUERIES["close_complaint"],
            complaint_id,
            status,
            now,
            closed_by,
            finding.strip(),
            items,
            apply_dnc,
        )
        await connection.execute(
            QUERIES["complaint_audit"],
            now,
            closed_by,
            f"complaint_{status}",
            complaint_id,
            {"evidence": items, "dnc_numbers": len(numbers)},
        )
    log.info("complaint_closed", complaint=complaint_id, status=status, dnc=bool(numbers))
    return {"complaint_id": complaint_id, "status": status, "dnc_numbers": len(numbers)}


async def complaint(pool: asyncpg.Pool, complaint_id: int) -> dict[str, Any] | None:
    row = await pool.fetchrow(QUERIES["complaint_row"], complaint_id)
    return dict(row) if row is not None else None
