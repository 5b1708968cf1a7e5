"""A durable spool for the carrier's callbacks while PostgreSQL is unreachable.

A signed callback that cannot reach the database is appended here (one JSON line,
fsynced before the carrier gets its 2xx) and applied, in arrival order, through the same
deduplicating ledger once the database answers again. Applying a record twice is
harmless (the ledger's dedupe keys), so a crash between applying and forgetting loses
nothing and doubles nothing.

Each process writes its own slot file (`callbacks-<n>.jsonl` in the spool folder), held
with an exclusive `flock`; a process starting up adopts every slot no live process holds,
so a web process that died with callbacks spooled has them applied by the next one. The
spool is bounded: past `max_bytes` it refuses, and the webhook answers 503, which the
carrier retries (the connection overrides on every callback URL).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

log = structlog.get_logger(__name__)

SLOT_PREFIX = "callbacks-"
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class SpooledCallback:
    """What is needed to apply a callback later: which hook, its signed parameters, the
    headers the provider's parser reads (idempotency tokens), the attempt reference of
    its URL and when it arrived."""

    hook: str
    params: dict[str, str]
    headers: dict[str, str]
    attempt_ref: str | None
    received_at: str

    def to_line(self) -> bytes:
        record = {
            "hook": self.hook,
            "params": self.params,
            "headers": self.headers,
            "attempt_ref": self.attempt_ref,
            "received_at": self.received_at,
        }
        return (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode()

    @classmethod
    def from_line(cls, line: bytes) -> SpooledCallback:
        record: dict[str, Any] = json.loads(line)
        return cls(
            hook=str(record["hook"]),
            params={str(k): str(v) for k, v in record["params"].items()},
            headers={str(k): str(v) for k, v in record.get("headers", {}).items()},
            attempt_ref=record.get("attempt_ref"),
            received_at=str(record["received_at"]),
        )


class SpoolFull(Exception):
    """The spool holds its limit: the callback is refused (the carrier retries it)."""


class CallbackSpool:
    def __init__(self, folder: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self._lock = asyncio.Lock()
        self._slot: Path | None = None
        self._slot_fd: int | None = None
        self._adopted: list[tuple[Path, int]] = []

    # -- slots ------------------------------------------------------------------------

    def open(self) -> None:
        """Take a free slot for this process and adopt every slot no live process holds."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for path in sorted(self.folder.glob(f"{SLOT_PREFIX}*.jsonl")):
            fd = self._try_lock(path)
            if fd is None:
                continue  # a live process's slot
            if self._slot is None:
                self._slot, self._slot_fd = path, fd
            else:
                self._adopted.append((path, fd))
        n = 0
        while self._slot is None:
            path = self.folder / f"{SLOT_PREFIX}{n}.jsonl"
            fd = self._try_lock(path)
            if fd is not None:
                self._slot, self._slot_fd = path, fd
            n += 1

    def close(self) -> None:
        for _, fd in self._adopted:
            os.close(fd)
        self._adopted = []
        if self._slot_fd is not None:
            os.close(self._slot_fd)
        self._slot = self._slot_fd = None

    @staticmethod
    def _try_lock(path: Path) -> int | None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return fd

    # -- writing ----------------------------------------------------------------------

    async def append(self, callback: SpooledCallback) -> None:
        """Durably keep the callback (written and fsynced when this returns)."""
        if self._slot_fd is None:
            raise RuntimeError("the spool is not open")
        line = callback.to_line()
        async with self._lock:
            fd = self._slot_fd
            if os.fstat(fd).st_size + len(line) > self.max_bytes:
                raise SpoolFull(f"callback spool at its limit ({self.max_bytes} bytes)")
            await asyncio.to_thread(_write_synced, fd, line)
        log.warning("callback_spooled", hook=callback.hook, attempt=callback.attempt_ref)

    def pending(self) -> int:
        """Records waiting in this process's slot and the adopted ones."""
        return sum(1 for _ in self._records())

    # -- applying ---------------------------------------------------------------------

    async def replay(self, apply: Callable[[SpooledCallback], Awaitable[None]]) -> int:
        """Apply every spooled record in order; forget each slot once all of it applied.
        A failure (the database still away) stops the replay, keeping what is left."""
        applied = 0
        async with self._lock:
            for fd in self._fds():
                records = list(_read_lines(fd))
                done = 0
                try:
                    for line in records:
                        await apply(SpooledCallback.from_line(line))
                        done += 1
                finally:
                    applied += done
                    if done and done == len(records):
                        os.ftruncate(fd, 0)
                        os.fsync(fd)
                    elif done:
                        _rewrite(fd, records[done:])
        if applied:
            log.info("callback_spool_applied", records=applied)
        return applied

    def _fds(self) -> Iterator[int]:
        if self._slot_fd is not None:
            yield self._slot_fd
        for _, fd in self._adopted:
            yield fd

    def _records(self) -> Iterator[bytes]:
        for fd in self._fds():
            yield from _read_lines(fd)


def _write_synced(fd: int, line: bytes) -> None:
    os.write(fd, line)
    os.fsync(fd)


def _read_lines(fd: int) -> Iterator[bytes]:
    size = os.fstat(fd).st_size
    data = os.pread(fd, size, 0) if size else b""
    for line in data.splitlines():
        if line.strip():
            # a torn last line (a crash mid-write, before the fsync and the 2xx) was never
            # acknowledged to the carrier: it retries that callback, so it is skipped
            with contextlib.suppress(ValueError):
                json.loads(line)
                yield line


def _rewrite(fd: int, lines: list[bytes]) -> None:
    os.ftruncate(fd, 0)
    for line in lines:
        os.write(fd, line + b"\n")
    os.fsync(fd)
