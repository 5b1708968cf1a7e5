"""Recording bridged calls: the campaign's policy at the bridge, the carrier's signed
recording-status callbacks (each applied at most once, like the status ledger), the audio
kept in PostgreSQL for every web process to serve, and deletion when retention ends (at
the carrier first, then here, each deletion recorded and audited)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import structlog
from aiohttp import web

from compliance.recording_retention import retain_until
from dialer.sql import load_queries
from dialer.telephony.decisions import AnsweredCall
from dialer.telephony.pg_ledger import attempt_id_of
from dialer.telephony.provider import RecordingEvent, TelephonyError, TelephonyProvider

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.recordings")


@dataclass(frozen=True, slots=True)
class PurgeReport:
    deleted: int
    carrier_already_gone: int
    failed: int


class Recorder:
    """One process's recorder over the active provider and the database."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        provider: TelephonyProvider,
        *,
        retention_days: Mapping[str, int],
        clock: Callable[[], datetime],
    ) -> None:
        self._pool = pool
        self._provider = provider
        self._retention = dict(retention_days)
        self._clock = clock

    async def on_bridged(self, call: AnsweredCall) -> None:
        """A customer was bridged to a rep: record the call if the campaign says so."""
        attempt_id = attempt_id_of(call.attempt_ref)
        if attempt_id is None:
            return
        policy = await self._pool.fetchrow(QUERIES["policy_of_attempt"], attempt_id)
        if policy is None or policy["recording_policy"] != "record":
            return
        if policy["customer_refused"]:
            log.info("recording_refused_by_customer", call=call.call_id)
            return
        dual = policy["recording_channels"] == "dual"
        try:
            recording_id = await self._provider.start_recording(
                call.call_id, str(attempt_id), dual_channel=dual
            )
        except TelephonyError as exc:
            log.error("recording_not_started", call=call.call_id, error=str(exc))
            return
        await self._pool.execute(
            QUERIES["recording_started"],
            attempt_id,
            self._provider.name,
            recording_id,
            call.call_id,
            self._clock(),
            2 if dual else 1,
        )
        log.info("recording_started", call=call.call_id, recording=recording_id)

    async def on_status(self, event: RecordingEvent, attempt_ref: str | None) -> bool:
        """Apply a recording-status callback; False when it was a duplicate. Raises
        TelephonyError when the audio could not be fetched (the webhook answers 503 and
        the carrier retries; nothing was written)."""
        keys = list(event.dedupe_keys)
        if await self._pool.fetchval(QUERIES["seen_recording_callbacks"], keys):
            log.info("recording_callback_duplicate", recording=event.recording_id)
            return False
        attempt_id = attempt_id_of(attempt_ref) or await self._pool.fetchval(
            QUERIES["attempt_of_call"], self._provider.name, event.call_id
        )
        if attempt_id is None:
            log.warning("recording_of_unknown_call", recording=event.recording_id)
            return False
        policy = await self._pool.fetchrow(QUERIES["policy_of_attempt"], attempt_id)
        media_type, media = None, None
        if event.status == "completed":
            media_type, media = await self._provider.fetch_recording_audio(event.recording_id)
        now = self._clock()
        keep_until = retain_until(self._retention, policy["jurisdiction"], policy["purpose"], now)
        async with self._pool.acquire() as connection, connection.transaction():
            fresh = [
                await connection.fetchval(
                    QUERIES["insert_recording_callback"],
                    key,
                    self._provider.name,
                    event.recording_id,
                    event.status,
                    now,
                )
                for key in keys
            ]
            if not all(fresh):  # another process applied it meanwhile
                raise _Duplicate
            recording_id = await connection.fetchval(
                QUERIES["recording_finished"],
                attempt_id,
                self._provider.name,
                event.recording_id,
                event.call_id,
                event.started_at or now,
                "completed" if event.status == "completed" else event.status,
                event.channels,
                event.duration_seconds,
                now,
                media_type,
                media,
                keep_until,
            )
            if recording_id is not None:
                await connection.execute(
                    QUERIES["audit"],
                    now,
                    None,
                    "recording_stored",
                    recording_id,
                    {
                        "status": event.status,
                        "duration_seconds": event.duration_seconds,
                        "bytes": len(media or b""),
                    },
                )
        log.info("recording_applied", recording=event.recording_id, status=event.status)
        return True

    async def purge_expired(self, now: datetime, *, limit: int = 500) -> PurgeReport:
        """Delete every recording whose retention ended by `now`: at the carrier, then the
        audio here, with a deletion row and an audit entry each. A carrier that fails
        leaves the recording for the next run."""
        deleted = gone = failed = 0
        for row in await self._pool.fetch(QUERIES["expired_recordings"], now, limit):
            try:
                existed = await self._provider.delete_recording(row["provider_recording_id"])
            except TelephonyError as exc:
                log.error("recording_not_deleted", recording=row["recording_id"], error=str(exc))
                failed += 1
                continue
            gone += 0 if existed else 1
            await self._delete_locally(
                row["recording_id"], "retention ended", existed, now, actor=None
            )
            deleted += 1
        return PurgeReport(deleted=deleted, carrier_already_gone=gone, failed=failed)

    async def _delete_locally(
        self,
        recording_id: int,
        reason: str,
        carrier_deleted: bool,
        now: datetime,
        actor: int | None,
    ) -> None:
        detail = "deleted at the carrier" if carrier_deleted else "already gone at the carrier"
        async with self._pool.acquire() as connection, connection.transaction():
            if await connection.fetchval(QUERIES["delete_media"], recording_id, now) is None:
                return
            await connection.execute(
                QUERIES["record_deletion"], recording_id, reason, carrier_deleted, detail, now
            )
            await connection.execute(
                QUERIES["audit"],
                now,
                actor,
                "recording_deleted",
                recording_id,
                {"reason": reason, "carrier": detail},
            )


class _Duplicate(Exception):
    pass


async def recording_status_webhook(
    request: web.Request, provider: TelephonyProvider, recorder: Recorder, params: Mapping[str, str]
) -> web.Response:
    """The verified recording-status webhook: applied once; 503 when the audio could not
    be fetched (the carrier retries)."""
    event = provider.parse_recording_event(params, request.headers)
    if event is None:
        return web.Response(status=204)
    try:
        await recorder.on_status(event, request.query.get("attempt"))
    except _Duplicate:
        log.info("recording_callback_duplicate", recording=event.recording_id)
    except TelephonyError as exc:
        log.error("recording_audio_not_fetched", recording=event.recording_id, error=str(exc))
        return web.Response(status=503, text="recording audio not fetched; retry\n")
    return web.Response(status=204)
