"""A list file's upload, streamed to disk under a size limit; nothing partial is left behind.

The file part is written to `<uuid>.part` in the upload folder a chunk at a time and
renamed to its final name only once complete. Past `DIALER_UPLOAD_MAX_BYTES` the upload
is refused (413) and the part removed; an upload the client abandons removes its part as
well; the other fields are read up to a few KB each, and only so many of them. A part a
crashed process left behind is swept when the web process starts (`upload_sweep_context`).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from aiohttp import BodyPartReader, web

from dialer.http import Problem
from dialer.keys import CLOCK, SETTINGS
from dialer.limits import UPLOAD_FIELD_MAX_BYTES

log = structlog.get_logger(__name__)

_CHUNK = 1 << 20
PART_SUFFIX = ".part"
MAX_FIELDS = 20
#: a part untouched this long is an abandoned upload (a live one writes every chunk)
STALE_PART_SECONDS = 600.0
#: a complete upload is removed by its import job; one older than this lost its job
STALE_UPLOAD_SECONDS = 24 * 3600.0


@dataclass
class Upload:
    path: Path | None = None
    file_name: str = ""
    fields: dict[str, str] = field(default_factory=dict)


def upload_dir_of(app: web.Application) -> Path:
    return app[SETTINGS].data_dir / "uploads"


async def _read_field(part: BodyPartReader) -> str:
    data = bytearray()
    while chunk := await part.read_chunk(4096):
        data.extend(chunk)
        if len(data) > UPLOAD_FIELD_MAX_BYTES:
            raise Problem(
                413,
                "Request body too large",
                f"The field {part.name!r} is over {UPLOAD_FIELD_MAX_BYTES} bytes.",
            )
    return data.decode(part.get_charset(default="utf-8"), errors="replace")


async def _stream_file(part: BodyPartReader, target: Path, max_bytes: int) -> None:
    partial = target.with_name(target.name + PART_SUFFIX)
    written = 0
    try:
        with partial.open("wb") as out:
            while chunk := await part.read_chunk(_CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise Problem(
                        413,
                        "Upload too large",
                        f"A list file may be at most {max_bytes} bytes (DIALER_UPLOAD_MAX_BYTES).",
                    )
                out.write(chunk)
        partial.rename(target)
    except BaseException:
        # refused, or the client went away (a reset, a cancelled handler): no partial file
        partial.unlink(missing_ok=True)
        raise


async def receive_upload(request: web.Request) -> Upload:
    """The multipart body: the file on disk (complete or not at all) and the other fields."""
    upload_dir = upload_dir_of(request.app)
    upload_dir.mkdir(parents=True, exist_ok=True)
    max_bytes = request.app[SETTINGS].upload_max_bytes
    upload = Upload()
    try:
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "file" and part.filename and upload.path is None:
                upload.file_name = Path(part.filename or "list").name
                target = upload_dir / f"{uuid.uuid4().hex}{Path(upload.file_name).suffix.lower()}"
                await _stream_file(part, target, max_bytes)
                upload.path = target
            elif part.name:
                if len(upload.fields) >= MAX_FIELDS:
                    raise Problem(413, "Request body too large", "Too many form fields.")
                upload.fields[part.name] = await _read_field(part)
    except BaseException as exc:
        if upload.path is not None:
            upload.path.unlink(missing_ok=True)
        if isinstance(exc, ValueError | AssertionError):  # no boundary, a broken part
            raise Problem(400, "Malformed form", f"The upload cannot be read: {exc}") from exc
        raise
    return upload


def sweep_uploads(upload_dir: Path, now_timestamp: float) -> int:
    """Remove abandoned parts and uploads whose job was lost; the number removed."""
    removed = 0
    if not upload_dir.is_dir():
        return 0
    for path in upload_dir.iterdir():
        if not path.is_file():
            continue
        with contextlib.suppress(FileNotFoundError):
            age = now_timestamp - path.stat().st_mtime
            stale = STALE_PART_SECONDS if path.name.endswith(PART_SUFFIX) else STALE_UPLOAD_SECONDS
            if age > stale:
                path.unlink()
                removed += 1
    return removed


async def upload_sweep_context(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: at start, and every few minutes after, the upload folder loses what
    crashed processes left in it (another process's live upload is never stale)."""

    def sweep() -> None:
        removed = sweep_uploads(upload_dir_of(app), app[CLOCK]().timestamp())
        if removed:
            log.info("stale_uploads_removed", files=removed)

    async def every_while() -> None:
        while True:
            await asyncio.sleep(STALE_PART_SECONDS / 2)
            sweep()

    sweep()
    task = asyncio.create_task(every_while())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
