"""Twilio's call recordings and messaging for the Twilio adapter: a bridged call is recorded through the
Call Recordings API (both legs on their own channels, from the bridge to the hang-up: the
rep's conference room outlives each call, so the conference's own recording would hold
the rep's whole session), its recording-status callback is signed like any webhook, the
audio is fetched with the account's credentials and kept by the service (a carrier URL
is never given to a listener), and deleted at the carrier when its retention ends."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import aiohttp
import structlog
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from dialer.telephony.provider import RecordingEvent, SmsReply, TelephonyError

log = structlog.get_logger(__name__)

_T = TypeVar("_T")
_RECORDING_STATUSES = ("completed", "absent", "failed")


def _parse_timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class TwilioRecordings:
    """The recording half of `TwilioProvider` (mixed in: it uses the adapter's client,
    configuration and bounded requests)."""

    name: str
    _client: Client
    _config: Any  # the adapter's TwilioConfig

    @property
    def _twilio(self) -> Any:  # the adapter's TwilioConfig
        return self._config

    async def _bounded(self, operation: str, call: Callable[[], Awaitable[_T]]) -> _T:
        raise NotImplementedError

    def _account(self) -> Any:
        return self._client.api.v2010.accounts(self._twilio.account_sid)

    async def start_recording(self, call_id: str, attempt_ref: str, *, dual_channel: bool) -> str:
        url = self._twilio.webhook_url("recording-status", attempt_ref)
        try:
            recording = await self._bounded(
                "start_recording",
                lambda: (
                    self._account()
                    .calls(call_id)
                    .recordings.create_async(
                        recording_channels="dual" if dual_channel else "mono",
                        recording_track="both",
                        recording_status_callback=url,
                        recording_status_callback_method="POST",
                        recording_status_callback_event=["completed", "absent"],
                    )
                ),
            )
        except (TwilioException, TimeoutError, aiohttp.ClientError) as exc:
            raise TelephonyError(f"Twilio did not start recording call {call_id}: {exc}") from exc
        return str(recording.sid)

    def parse_recording_event(
        self, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> RecordingEvent | None:
        sid = params.get("RecordingSid", "")
        status = params.get("RecordingStatus", "")
        if not sid or status not in _RECORDING_STATUSES:
            return None
        keys = [f"{self.name}:recording:{sid}:{status}"]
        token = headers.get("I-Twilio-Idempotency-Token")
        if token:
            keys.insert(0, f"{self.name}:token:{token}")
        duration = params.get("RecordingDuration", "")
        channels = params.get("RecordingChannels", "")
        return RecordingEvent(
            provider=self.name,
            recording_id=sid,
            call_id=params.get("CallSid", ""),
            status=status,
            dedupe_keys=tuple(keys),
            duration_seconds=int(duration) if duration.isdigit() else None,
            channels=int(channels) if channels.isdigit() else None,
            started_at=_parse_timestamp(params.get("RecordingStartTime")),
        )

    def _media_url(self, recording_id: str) -> str:
        base = (self._twilio.api_base_url or "https://api.twilio.com").rstrip("/")
        return (
            f"{base}/2010-04-01/Accounts/{self._twilio.account_sid}/Recordings/{recording_id}.wav"
        )

    async def fetch_recording_audio(self, recording_id: str) -> tuple[str, bytes]:
        pair = f"{self._twilio.account_sid}:{self._twilio.auth_token}".encode()
        headers = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        timeout = aiohttp.ClientTimeout(total=max(30.0, self._twilio.request_timeout_seconds))
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(self._media_url(recording_id), headers=headers) as response,
            ):
                if response.status != 200:
                    raise TelephonyError(
                        f"Twilio answered {response.status} for recording {recording_id}'s audio"
                    )
                content_type = response.headers.get("Content-Type", "audio/x-wav")
                return content_type.split(";")[0], await response.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise TelephonyError(f"recording {recording_id}'s audio not fetched: {exc}") from exc

    async def delete_recording(self, recording_id: str) -> bool:
        try:
            return bool(
                await self._bounded(
                    "delete_recording",
                    lambda: self._account().recordings(recording_id).delete_async(),
                )
            )
        except TwilioException as exc:
            if int(getattr(exc, "status", 0) or 0) == 404:
                return False
            raise TelephonyError(f"Twilio did not delete recording {recording_id}: {exc}") from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise TelephonyError(f"Twilio did not delete recording {recording_id}: {exc}") from exc

    # -- messaging: the SMS survey and its replies ----------------------------------------

    async def send_sms(self, to_number: str, from_number: str, body: str) -> str:
        try:
            message = await self._bounded(
                "send_sms",
                lambda: self._account().messages.create_async(
                    to=to_number, from_=from_number, body=body
                ),
            )
        except (TwilioException, TimeoutError, aiohttp.ClientError) as exc:
            raise TelephonyError(f"Twilio did not send the SMS: {exc}") from exc
        return str(message.sid)

    def parse_sms_reply(self, params: Mapping[str, str]) -> SmsReply | None:
        sid = params.get("MessageSid") or params.get("SmsSid") or ""
        if not sid or "From" not in params:
            return None
        return SmsReply(
            message_id=sid,
            from_number=params.get("From", ""),
            to_number=params.get("To", ""),
            body=params.get("Body", ""),
        )
