"""Importing a list file into PostgreSQL: stream, COPY into staging, merge with set-based SQL.

The file is read record by record in this process; batches of records are validated (in
worker processes for large files, see `campaigns.lists.staging`) and streamed straight into
COPY. Everything after that is SQL over the staging table (queries.sql): DNC scrub, merge
within the file, upsert by account number with the change recorded, phones, list
membership and rejects. The whole import is one transaction: it lands entirely or not at all.
A file whose content was already imported is refused unless forced.

Its command line, `dialer lists import`, is in `dialer.cli.lists`.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import datetime
import json
import multiprocessing
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import asyncpg
import structlog

from campaigns.lists.columns import Field, recognise, with_preset
from campaigns.lists.errors import UnreadableFile
from campaigns.lists.merging import Tally
from campaigns.lists.reading import (
    ListFile,
    inspect,
    read_rows,
    read_text_records,
    sha256_of,
    split_record,
)
from campaigns.lists.rejects import write_rejects
from campaigns.lists.segments import SegmentRules
from campaigns.lists.staging import (
    STAGING_COLUMNS,
    Stager,
    StagingContext,
    stage_in_worker,
    start_worker,
)
from dialer.lists.presets import load_preset
from dialer.sql import load_queries

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.lists")

BATCH_ROWS = 5_000
# files above this size are validated in worker processes; below it, in this process
PARALLEL_FROM_BYTES = 8 * 1024 * 1024

Record = tuple[int, str, list[str] | None]


class ListImportError(Exception):
    """The list could not be imported; nothing was changed."""


class AlreadyImported(ListImportError):
    """This file's content was imported before; pass --force to import it again."""


@dataclass
class ImportOptions:
    list_name: str
    region: str = "CN"
    encoding: str | None = None
    mapping: dict[str, Field] = field(default_factory=dict)
    preset: str | None = None  # a saved mapping; `mapping` wins over it entry by entry
    sheet: str | None = None
    force: bool = False
    rules: SegmentRules = field(default_factory=SegmentRules)
    workers: int | None = None  # None: decide from the file size
    as_of: datetime.date | None = None  # the load day for segment rules; None: today


@dataclass
class ImportSummary:
    list_id: int
    import_id: int | None
    tally: Tally
    seconds: float
    skipped: bool = False  # the same content was imported before and nothing was done
    previous_import_id: int | None = None
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step, for tuning

    def as_json(self) -> dict[str, Any]:
        return {
            "list_id": self.list_id,
            "import_id": self.import_id,
            **self.tally.as_dict(),
            "seconds": round(self.seconds, 3),
            "skipped": self.skipped,
        }


def _records(source: ListFile, sheet: str | None) -> Iterator[Record]:
    if source.kind == "csv":
        assert source.encoding is not None
        for line_number, raw in read_text_records(source.path, source.encoding, source.delimiter):
            yield line_number, raw, None
    else:
        for row in read_rows(source, sheet=sheet):
            yield row.line_number, row.raw, row.cells


def _batches(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    batch: list[Record] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


async def _staged_chunks(
    batches: Iterator[list[Record]],
    context: StagingContext,
    workers: int,
    progress: Callable[[int], None] | None,
) -> AsyncIterator[bytes]:
    """CSV bytes for COPY, batch by batch, in file order; at most a few batches in flight."""
    done = 0
    if workers <= 1:
        stager = Stager(context)
        for batch in batches:
            yield stager.stage(batch).encode("utf-8")
            done += len(batch)
            if progress:
                progress(done)
        return
    loop = asyncio.get_running_loop()
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=start_worker,
        initargs=(context,),
    ) as pool:
        in_flight: collections.deque[tuple[int, asyncio.Future[bytes]]] = collections.deque()
        try:
            for batch in batches:
                in_flight.append((len(batch), loop.run_in_executor(pool, stage_in_worker, batch)))
                if len(in_flight) > workers * 2:
                    count, future = in_flight.popleft()
                    yield await future
                    done += count
                    if progress:
                        progress(done)
            while in_flight:
                count, future = in_flight.popleft()
                yield await future
                done += count
                if progress:
                    progress(done)
        finally:
            for _, future in in_flight:
                future.cancel()


@dataclass
class _ListSource:
    """A list file opened for import: its records after the header, and how to stage them."""

    path: Path
    source: ListFile
    content_hash: str
    records: Iterator[Record]
    context: StagingContext
    workers: int


class _StepTimer:
    """Seconds per step of an import (``ImportSummary.steps``), for tuning."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}
        self._mark = time.perf_counter()

    def step(self, name: str) -> None:
        current = time.perf_counter()
        self.steps[name] = round(current - self._mark, 3)
        self._mark = current


async def import_file(
    connection: asyncpg.Connection,
    path: Path,
    options: ImportOptions,
    *,
    now: datetime.datetime,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import one list file in one transaction; see the module docstring."""
    started = time.perf_counter()
    listed = await _open_list(connection, path, options, now)
    timer = _StepTimer()
    await _widen_temp_buffers(connection)
    async with connection.transaction():
        await connection.execute(QUERIES["lock_content_hash"], listed.content_hash)
        previous = await connection.fetchrow(QUERIES["find_import_by_hash"], listed.content_hash)
        if previous is not None and not options.force:
            log.info(
                "list_import_skipped",
                file=path.name,
                previous_import=previous["import_id"],
                list_id=previous["list_id"],
            )
            return ImportSummary(
                list_id=previous["list_id"],
                import_id=None,
                tally=Tally(),
                seconds=time.perf_counter() - started,
                skipped=True,
                previous_import_id=previous["import_id"],
            )
        await connection.execute("SET LOCAL work_mem = '256MB'")
        list_id, import_id = await _start_import(connection, listed, options, now)
        await _stage(connection, listed, progress)
        timer.step("stream_and_copy")
        await _merge_staged(connection, listed.context, list_id, import_id, now, timer)
        tally = await _finish_import(connection, import_id, now)
        timer.step("finish")
    seconds = time.perf_counter() - started
    log.info(
        "list_imported",
        list_id=list_id,
        import_id=import_id,
        seconds=round(seconds, 2),
        **tally.as_dict(),
    )
    return ImportSummary(list_id, import_id, tally, seconds, steps=timer.steps)


async def _open_list(
    connection: asyncpg.Connection, path: Path, options: ImportOptions, now: datetime.datetime
) -> _ListSource:
    """Inspect the file, read its header and decide the mapping and the validation workers."""
    source = inspect(path, encoding=options.encoding)
    content_hash = sha256_of(path)
    records = _records(source, options.sheet)
    try:
        header = next(records)
    except StopIteration:
        raise UnreadableFile(f"{path.name} has no rows: export the list again") from None
    header_cells = header[2] if header[2] is not None else _split_header(source, header[1])
    preset = await load_preset(connection, options.preset) if options.preset else {}
    mapping = recognise(header_cells, with_preset(header_cells, preset, options.mapping))
    context = StagingContext(
        mapping=mapping,
        region=options.region,
        as_of=options.as_of or now.date(),
        rules=options.rules,
        delimiter=source.delimiter,
    )
    workers = options.workers
    if workers is None:
        workers = 2 if path.stat().st_size >= PARALLEL_FROM_BYTES else 1
    return _ListSource(path, source, content_hash, records, context, workers)


async def _start_import(
    connection: asyncpg.Connection,
    listed: _ListSource,
    options: ImportOptions,
    now: datetime.datetime,
) -> tuple[int, int]:
    """The list (created if new) and the import's own row: (list_id, import_id)."""
    list_id = await connection.fetchval(QUERIES["ensure_list"], options.list_name, options.region)
    settings = {
        "region": options.region,
        "encoding": listed.source.encoding,
        "sheet": options.sheet,
        "preset": options.preset,
        "mapping": listed.context.mapping.describe(),
    }
    import_id = await connection.fetchval(
        QUERIES["start_import"],
        list_id,
        listed.path.name,
        listed.content_hash,
        options.force,
        json.dumps(settings, ensure_ascii=False),
        now,
    )
    return list_id, import_id


async def _stage(
    connection: asyncpg.Connection, listed: _ListSource, progress: Callable[[int], None] | None
) -> None:
    """Stream the validated records into the staging table with COPY."""
    await connection.execute(QUERIES["create_staging"])
    await connection.copy_to_table(
        "list_staging",
        source=_staged_chunks(
            _batches(listed.records, BATCH_ROWS), listed.context, listed.workers, progress
        ),
        columns=list(STAGING_COLUMNS),
        format="csv",
    )


async def _merge_staged(
    connection: asyncpg.Connection,
    context: StagingContext,
    list_id: int,
    import_id: int,
    now: datetime.datetime,
    timer: _StepTimer,
) -> None:
    """The set-based SQL over the staging table: DNC scrub, merge, accounts, phones,
    memberships and rejects, each step timed."""
    await connection.execute(QUERIES["analyze_staging"])
    timer.step("analyze_staging")
    await connection.execute(QUERIES["create_dnc_hits"])
    if await connection.fetchval(QUERIES["any_dnc_entries"], now):
        await connection.execute(QUERIES["collect_dnc_hits"], now)
        if await connection.fetchval(QUERIES["count_dnc_hits"]):
            await connection.execute(QUERIES["reject_dnc_rows"])
    timer.step("dnc_scrub")
    await connection.execute(QUERIES["find_duplicate_keys"])
    await connection.execute(QUERIES["analyze_duplicate_keys"])
    timer.step("find_duplicate_keys")
    await connection.execute(
        QUERIES["build_incoming_accounts"],
        list(validator_extra_keys(context)),
        await connection.fetchval(QUERIES["accounts_id_sequence"]),
    )
    timer.step("build_incoming_accounts")
    await connection.execute(QUERIES["update_existing_accounts"], import_id, now)
    timer.step("update_existing_accounts")
    await connection.execute(QUERIES["insert_new_accounts"], now)
    timer.step("insert_new_accounts")
    await connection.execute(QUERIES["analyze_incoming"])
    await connection.execute(QUERIES["build_incoming_phones"])
    timer.step("build_incoming_phones")
    await connection.execute(QUERIES["insert_phones_of_new_accounts"], now)
    await connection.execute(QUERIES["upsert_phones_of_existing_accounts"], now)
    timer.step("insert_phones")
    await connection.execute(QUERIES["insert_memberships"], list_id, import_id, now)
    await connection.execute(
        QUERIES["upsert_memberships_of_existing_accounts"], list_id, import_id, now
    )
    timer.step("insert_memberships")
    await connection.execute(QUERIES["insert_rejects"], import_id)


async def _finish_import(
    connection: asyncpg.Connection, import_id: int, now: datetime.datetime
) -> Tally:
    """Count the outcomes, refuse totals that do not reconcile, and close the import."""
    outcome = await connection.fetchrow(QUERIES["count_outcomes"], import_id)
    reasons = outcome["reject_reasons"]
    if isinstance(reasons, str):
        reasons = json.loads(reasons)
    tally = Tally(
        rows=outcome["rows"],
        accepted=outcome["customers"],
        merged=outcome["accepted_rows"] - outcome["customers"],
        rejected=outcome["rows"] - outcome["accepted_rows"],
        reject_reasons=collections.Counter(reasons),
    )
    if not tally.reconciles:
        raise ListImportError(f"import totals do not reconcile: {tally.as_dict()}")
    await connection.execute(
        QUERIES["finish_import"],
        import_id,
        tally.rows,
        tally.accepted,
        tally.merged,
        tally.rejected,
        now,
    )
    return tally


def validator_extra_keys(context: StagingContext) -> tuple[str, ...]:
    return tuple(name for name, _ in context.mapping.extras)


def _split_header(source: ListFile, raw: str) -> list[str]:
    assert source.delimiter is not None
    return split_record(raw, source.delimiter)


async def _widen_temp_buffers(connection: asyncpg.Connection) -> None:
    """Give the staging tables room in memory; only possible before a session's first temp
    table, so a connection that already had one keeps its setting."""
    try:
        await connection.execute("SET temp_buffers = '256MB'")
    except asyncpg.PostgresError:
        pass


async def write_reject_file(connection: asyncpg.Connection, import_id: int, out: TextIO) -> int:
    """The rejected rows of an import as a spreadsheet-safe CSV; returns how many."""
    rows = await connection.fetch(QUERIES["import_rejects"], import_id)
    return write_rejects(
        ((row["line_number"], row["reason"], row["detail"], row["raw"]) for row in rows), out
    )
