"""Do-not-call file imports: one file of the firm's list or a national register, read by
`compliance.dnc_files`, COPYed into a staging table and merged into `dnc_entries` in one
set-based upsert; a `dnc_snapshots` row records the file, its hash and what the import did.

A national register file (national, tps, ctps) is a full snapshot: it replaces the
previous one, so live entries it no longer lists expire at the snapshot's time; an older
snapshot than the latest is refused. The firm's list and the refusal list only add
(entries end by their own expiry). The whole import is one transaction: it lands entirely
or not at all. The command is `dialer dnc import` (`dialer.cli.dnc`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import structlog

from compliance import dnc_files
from compliance.dnc_files import DncError, DncFileRefused, DncImportSummary, DncSource
from dialer.sql import load_queries

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.compliance", "dnc_import.sql")

_STAGED_COLUMNS = ["line_number", "e164", "added_at", "expires_at", "scope", "note"]


class StaleSnapshot(DncError):
    """The snapshot is older than the latest imported one of that register: import only
    newer snapshots."""


class _AlreadyImported(Exception):
    """The same file for the same date again: the transaction rolls back."""

    def __init__(self, summary: DncImportSummary) -> None:
        super().__init__("already imported")
        self.summary = summary


async def import_dnc_file(
    connection: asyncpg.Connection,
    path: Path,
    source: DncSource,
    now: datetime,
    *,
    snapshot_date: date | None = None,
    region: str | None = None,
) -> DncImportSummary:
    """Import one do-not-call file atomically (layouts: `compliance.dnc_files`).

    A repeated import (same list, date and content) is answered with the earlier
    snapshot and `already_imported`, and changes nothing.
    """
    region = dnc_files.import_region(source, region)
    snapshot_date = snapshot_date or now.astimezone(UTC).date()
    summary = DncImportSummary(source.value, snapshot_date, path.name)
    try:
        async with connection.transaction():
            await _lock_and_refuse_stale(connection, source, snapshot_date)
            await connection.execute(QUERIES["create_staging"])
            snapshot_id: int = await connection.fetchval(
                QUERIES["insert_snapshot"],
                source.value,
                snapshot_date,
                path.name,
                None,
                now,
                source.replaces_register,
                region,
            )
            sha = await _stage_file(connection, path, source, region, summary)
            await _refuse_repeat_or_empty(connection, path, source, sha, summary)
            await _merge_staged(connection, source, snapshot_id, now, summary)
            await _finish_snapshot(connection, snapshot_id, sha, summary)
    except _AlreadyImported as repeated:
        return repeated.summary
    log.info(
        "dnc_imported",
        source=source.value,
        snapshot_id=snapshot_id,
        snapshot_date=snapshot_date.isoformat(),
        accepted=summary.accepted,
        rejected=summary.rejected,
        added=summary.added,
        expired=summary.expired,
    )
    return summary


async def _lock_and_refuse_stale(
    connection: asyncpg.Connection, source: DncSource, snapshot_date: date
) -> None:
    # one import per list at a time: a later snapshot must see the earlier one
    await connection.execute(QUERIES["lock_list"], f"dnc:{source}")
    latest = await connection.fetchrow(QUERIES["latest_snapshot"], source.value)
    if source.replaces_register and latest and latest["snapshot_date"] > snapshot_date:
        raise StaleSnapshot(
            f"the {source} snapshot of {snapshot_date.isoformat()} is older than the one "
            f"already imported ({latest['snapshot_date'].isoformat()}); import only newer "
            "snapshots"
        )


def _raw_lines(path: Path, digest: Any) -> Iterator[bytes]:
    """The file's lines as bytes, each added to `digest` as it is read."""
    try:
        with path.open("rb") as handle:
            for raw in handle:
                digest.update(raw)
                yield raw
    except FileNotFoundError as exc:
        raise DncFileRefused(f"{path} does not exist") from exc


async def _stage_file(
    connection: asyncpg.Connection,
    path: Path,
    source: DncSource,
    region: str,
    summary: DncImportSummary,
) -> str:
    """COPY the file's distinct numbers into the staging table; the file's SHA-256."""
    digest = hashlib.sha256()
    lines = dnc_files.decoded_lines(_raw_lines(path, digest), path.name)
    for batch in dnc_files.staged_batches(lines, source, region, summary):
        await connection.copy_records_to_table(
            "dnc_staging",
            records=[
                (e.line_number, e.e164, e.added_at, e.expires_at, e.scope, e.note) for e in batch
            ],
            columns=_STAGED_COLUMNS,
        )
    return digest.hexdigest()


async def _refuse_repeat_or_empty(
    connection: asyncpg.Connection,
    path: Path,
    source: DncSource,
    sha: str,
    summary: DncImportSummary,
) -> None:
    previous = await connection.fetchval(
        QUERIES["same_import"], source.value, summary.snapshot_date, sha
    )
    if previous is not None:
        # the same file for the same date again: roll back, report the earlier import
        summary.snapshot_id = previous
        summary.already_imported = True
        raise _AlreadyImported(summary)
    if summary.accepted == 0 and source.replaces_register:
        # a truncated or wrong file must not take every number off the register
        problem = summary.rejects[0].reason if summary.rejects else "the file has no lines"
        raise DncFileRefused(
            f"no line of {path.name} is a valid {source} number; it would empty the "
            f"register (first problem: {problem})"
        )


async def _merge_staged(
    connection: asyncpg.Connection,
    source: DncSource,
    snapshot_id: int,
    now: datetime,
    summary: DncImportSummary,
) -> None:
    """Upsert the staged numbers into `dnc_entries`; a register's absent entries expire."""
    listed_since = dnc_files.snapshot_instant(summary.snapshot_date)
    await connection.execute(QUERIES["analyze_staging"])
    counts = await connection.fetchrow(QUERIES["classify_staged"], source.value, now)
    await connection.execute(
        QUERIES["upsert_entries"],
        source.value,
        snapshot_id,
        listed_since,
        source.default_scope,
        now,
    )
    expired = 0
    if source.replaces_register:
        status = await connection.execute(QUERIES["expire_absent"], source.value, listed_since)
        expired = int(status.split()[-1])
    summary.snapshot_id = snapshot_id
    summary.added = counts["added"]
    summary.reactivated = counts["reactivated"]
    summary.kept = counts["kept"]
    summary.expired = expired


async def _finish_snapshot(
    connection: asyncpg.Connection, snapshot_id: int, sha: str, summary: DncImportSummary
) -> None:
    await connection.execute(
        QUERIES["finish_snapshot"],
        snapshot_id,
        summary.accepted,
        summary.lines,
        summary.rejected,
        json.dumps(summary.reject_reasons),
        summary.added + summary.reactivated,
        summary.expired,
        sha,
    )
