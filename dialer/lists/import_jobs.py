"""List imports as jobs: run in a child process, recorded in `import_jobs`.

Reading a spreadsheet, detecting the encoding and validating rows are CPU-bound; done on
the web process's event loop they stall every webhook the carrier sends meanwhile. So an
upload becomes a job row (any web process can report its progress) and the import runs
in a process of the import pool: the child opens its own database connection, runs the
same `import_file` in its own transaction and writes its progress and result to the job
row. The web process only awaits the child's future.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime
import multiprocessing
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import structlog
from aiohttp import web

from campaigns.lists.errors import ListLoadError
from dialer import db
from dialer.keys import IMPORT_POOL, SETTINGS
from dialer.lists.child_limits import ImportTimeLimit, job_limits
from dialer.lists.importer import ImportOptions, ListImportError, import_file
from dialer.sql import load_queries

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.lists", "import_jobs.sql")

#: a running job whose child has not written for this long died with its process
INTERRUPTED_AFTER = datetime.timedelta(seconds=60)
PROGRESS_EVERY_SECONDS = 0.5
PARENT_HEARTBEAT_SECONDS = 10.0
IMPORT_NICENESS = 10


@dataclass(frozen=True)
class ImportJobRequest:
    """Everything the child process needs (pickled to it)."""

    job_id: str
    database_url: str
    path: Path
    options: ImportOptions
    now: datetime.datetime
    #: what the job may use: address space beyond the child's size, and CPU seconds
    memory_bytes: int = 1024 * 1024 * 1024
    cpu_seconds: int = 600
    #: the name the file was uploaded under (the stored copy's name is a uuid)
    file_name: str = ""


def import_pool(processes: int = 1) -> concurrent.futures.ProcessPoolExecutor:
    """The web process's import processes (spawned: no copy of the running event loop)."""
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=processes, mp_context=multiprocessing.get_context("spawn")
    )


async def create_job(
    pool: asyncpg.Pool,
    job_id: str,
    file_name: str,
    list_name: str,
    user_id: int | None,
    now: datetime.datetime,
) -> None:
    await pool.execute(QUERIES["insert_job"], job_id, file_name, list_name, user_id, now)


async def run_job(
    pool: asyncpg.Pool,
    executor: concurrent.futures.Executor,
    request: ImportJobRequest,
    clock: Callable[[], datetime.datetime],
) -> None:
    """Run the job in the import pool; a child that dies fails the job, with the reason.
    While it waits (queued behind another import, or running) the job is kept alive."""
    loop = asyncio.get_running_loop()

    async def keep_alive() -> None:
        while True:
            await asyncio.sleep(PARENT_HEARTBEAT_SECONDS)
            with contextlib.suppress(OSError, asyncpg.PostgresError):
                await pool.execute(QUERIES["job_alive"], request.job_id, clock())

    alive = asyncio.create_task(keep_alive())
    try:
        await loop.run_in_executor(executor, run_in_child, request)
    except Exception as exc:  # the child died (BrokenProcessPool …): the import rolled back
        log.error("list_import_process_failed", job_id=request.job_id, error=repr(exc))
        await pool.execute(
            QUERIES["job_finished"],
            request.job_id,
            "failed",
            {},
            f"the import process stopped and changed nothing: {exc!r}",
            clock(),
        )
    finally:
        alive.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await alive
        request.path.unlink(missing_ok=True)


def run_in_child(request: ImportJobRequest) -> None:
    """The import pool's entry point (a plain function: it is pickled by name). The child
    yields the CPU to the web process (nice 10, inherited by its validation processes):
    an import may take longer, an answer webhook may not."""
    with contextlib.suppress(OSError):
        os.nice(max(0, IMPORT_NICENESS - os.nice(0)))
    asyncio.run(_import(request))


def _limited(request: ImportJobRequest) -> contextlib.AbstractContextManager[None]:
    return job_limits(request.memory_bytes, request.cpu_seconds)


async def _import(request: ImportJobRequest) -> None:
    # the child's clock: the parent's `now` for the import, advanced by the child's own
    # elapsed time for the heartbeats
    started = asyncio.get_running_loop().time()

    def at() -> datetime.datetime:
        return request.now + datetime.timedelta(seconds=asyncio.get_running_loop().time() - started)

    rows = 0

    def progress(read: int) -> None:
        nonlocal rows
        rows = read

    async with db.pool_for(request.database_url, min_size=1, max_size=2) as pool:
        await pool.execute(QUERIES["job_running"], request.job_id, at(), os.getpid())

        async def heartbeat() -> None:
            while True:
                await asyncio.sleep(PROGRESS_EVERY_SECONDS)
                await pool.execute(QUERIES["job_progress"], request.job_id, rows, at())

        beating = asyncio.create_task(heartbeat())
        status, result, error = "failed", {}, None
        try:
            async with pool.acquire() as connection:
                with _limited(request):
                    summary = await import_file(
                        connection,
                        request.path,
                        request.options,
                        now=request.now,
                        progress=progress,
                    )
        except (ListLoadError, ListImportError) as exc:
            error = str(exc)
            if request.file_name:  # say which file, as the person who uploaded named it
                error = error.replace(request.path.name, request.file_name)
        except MemoryError:
            error = (
                f"the file needs more memory than an import may use "
                f"({request.memory_bytes // (1024 * 1024)} MB, DIALER_IMPORT_MAX_MEMORY_MB); "
                "nothing changed"
            )
        except ImportTimeLimit:
            error = (
                f"the import used more than {request.cpu_seconds} s of CPU "
                "(DIALER_IMPORT_MAX_SECONDS); nothing changed"
            )
        except Exception as exc:  # noqa: BLE001 - reported to the person who uploaded
            error = f"the import failed and changed nothing: {exc}"
        else:
            result = summary.as_json()
            status = "skipped" if summary.skipped else "done"
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating
        await pool.execute(QUERIES["job_progress"], request.job_id, rows, at())
        await pool.execute(QUERIES["job_finished"], request.job_id, status, result, error, at())


async def job_status(
    pool: asyncpg.Pool, job_id: str, now: datetime.datetime
) -> dict[str, Any] | None:
    """The job as the upload page shows it; a running job gone quiet reads as failed."""
    row = await pool.fetchrow(QUERIES["job"], job_id)
    if row is None:
        return None
    status, error = row["status"], row["error"]
    if status in ("queued", "running") and now - row["heartbeat_at"] > INTERRUPTED_AFTER:
        status = "failed"
        error = "the import was interrupted (its process stopped) and changed nothing"
    shown: dict[str, Any] = {
        "job_id": row["job_id"],
        "file_name": row["file_name"],
        "list_name": row["list_name"],
        "status": status,
        "rows_read": int(row["rows_read"]),
        "error": error,
        **(row["result"] or {}),
    }
    import_id = shown.get("import_id")
    if import_id is not None:
        shown["rejects_url"] = f"/api/v1/lists/imports/{import_id}/rejects.csv"
    return shown


async def import_pool_context(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the web process's import pool, shut down with the app."""
    executor = import_pool(app[SETTINGS].import_processes)
    app[IMPORT_POOL] = executor
    yield
    executor.shutdown(wait=False, cancel_futures=True)
