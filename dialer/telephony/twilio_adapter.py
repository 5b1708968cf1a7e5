"""Twilio behind the provider interface, on twilio-python's asyncio client.

Three rules shape this module:
- every REST request is bounded by `asyncio.timeout` (the generated resource methods
  ignore the HTTP client's own timeout);
- a call create is never re-posted after a timeout or a 5xx, because the first POST may
  have placed the call: we look the call up instead (reconcile), and only 429 (which
  Twilio answers before creating anything) is backed off and retried;
- creates pass a calls-per-second token bucket first, because Twilio queues the excess
  instead of refusing it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

import aiohttp
import structlog
from twilio.base.exceptions import TwilioException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from dialer.telephony import connection_overrides as overrides
from dialer.telephony import twiml
from dialer.telephony.call_rate import CallsPerSecondBucket, CallThrottle, Clock, SystemClock
from dialer.telephony.decisions import AnswerDecision, AnsweredCall, BridgeToRoom, PlayAndHangUp
from dialer.telephony.provider import (
    AmdVerdict,
    CallEvent,
    CallEventKind,
    CallNotLive,
    CallPlacementUnknown,
    CallRefused,
    CallRequest,
    EndReason,
    PlacedCall,
    ProviderLimits,
    ProviderUnavailable,
    TelephonyError,
    TelephonyProvider,
)
from dialer.telephony.twilio_conferences import ConferenceMonitoring
from dialer.telephony.twilio_errors import placement_failure
from dialer.telephony.twilio_recordings import TwilioRecordings

log = structlog.get_logger(__name__)

TWILIO_API_BASE = "https://api.twilio.com"
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]
NOT_IN_PROGRESS = 21220
# the Voice URL of the TwiML app (browser legs) and of the calls to reps' phones
REP_ROOM_PATH = "/twilio/voice/rep-room"
REP_LEG_STATUS_PATH = "/twilio/voice/rep-leg-status"
REP_LEG_RING_SECONDS = 30

_T = TypeVar("_T")

_STATUS_EVENT: dict[str, CallEventKind] = {
    "queued": CallEventKind.INITIATED,
    "initiated": CallEventKind.INITIATED,
    "ringing": CallEventKind.RINGING,
    "in-progress": CallEventKind.ANSWERED,
    "answered": CallEventKind.ANSWERED,
}
_END_REASON: dict[str, EndReason] = {
    "completed": EndReason.COMPLETED,
    "busy": EndReason.BUSY,
    "no-answer": EndReason.NO_ANSWER,
    "failed": EndReason.FAILED,
    "canceled": EndReason.CANCELED,
}


def amd_verdict(answered_by: str) -> AmdVerdict:
    if answered_by == "human":
        return AmdVerdict.HUMAN
    if answered_by.startswith("machine"):
        return AmdVerdict.MACHINE
    if answered_by == "fax":
        return AmdVerdict.FAX
    return AmdVerdict.UNKNOWN


class TwilioHttpClient(AsyncTwilioHttpClient):
    """twilio-python's aiohttp client with two changes.

    - Basic auth goes in the Authorization header (aiohttp 3.14 deprecates BasicAuth,
      which the stock client still builds).
    - With `api_base_url`, requests to *.twilio.com go there instead (the carrier
      simulator). Rewriting at the HTTP layer is immune to TWILIO_REGION / TWILIO_EDGE,
      which otherwise rewrite the host name of a plain base-URL override.
    """

    def __init__(self, api_base_url: str | None = None) -> None:
        super().__init__()
        self._target = api_base_url.rstrip("/") if api_base_url else None

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        if self._target is not None:
            parts = url.split("/", 3)  # scheme, '', host(.edge.region).twilio.com, path
            if len(parts) == 4 and parts[2].endswith("twilio.com"):
                url = f"{self._target}/{parts[3]}"
        headers = dict(headers or {})
        if auth is not None:
            credentials = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers["Authorization"] = f"Basic {credentials}"
        return await super().request(
            method, url, params, data, headers, None, timeout, allow_redirects
        )


@dataclass(frozen=True, slots=True)
class TwilioConfig:
    account_sid: str
    auth_token: str
    public_base_url: str
    api_base_url: str | None = None  # None: the real api.twilio.com
    calls_per_second: float = 1.0
    max_concurrent_calls: int | None = None
    request_timeout_seconds: float = 5.0
    max_rate_limit_retries: int = 5
    backoff_base_seconds: float = 0.5
    backoff_cap_seconds: float = 8.0
    reconcile_window_seconds: float = 120.0
    machine_detection: str = "Enable"
    webhook_prefix: str = "/telephony/twilio"
    rep_room_path: str = REP_ROOM_PATH
    rep_leg_status_path: str = REP_LEG_STATUS_PATH

    def webhook_url(self, hook: str, attempt_ref: str) -> str:
        """The hook's URL with Twilio's connection overrides: a failed callback is
        retried by the carrier (the answer quickly: a callee is waiting)."""
        query = urlencode({"attempt": attempt_ref})
        url = f"{self.public_base_url.rstrip('/')}{self.webhook_prefix}/{hook}?{query}"
        return (overrides.ANSWERS if hook == "answer" else overrides.CALLBACKS).on(url)

    def rep_room_url(self, rep_ref: str) -> str:
        """The rep-room webhook for a rep's phone leg; Twilio signs the whole URL, so the
        rep it names cannot be changed on the way."""
        query = urlencode({"rep": rep_ref})
        return overrides.ANSWERS.on(
            f"{self.public_base_url.rstrip('/')}{self.rep_room_path}?{query}"
        )

    def rep_leg_status_url(self, rep_ref: str) -> str:
        """Where the end of a rep's phone leg is reported (signed like the room URL)."""
        query = urlencode({"rep": rep_ref})
        url = f"{self.public_base_url.rstrip('/')}{self.rep_leg_status_path}?{query}"
        return overrides.CALLBACKS.on(url)


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class TwilioProvider(ConferenceMonitoring, TwilioRecordings, TelephonyProvider):
    name = "twilio"

    def _account(self) -> Any:
        return self._client.api.v2010.accounts(self._config.account_sid)

    def __init__(
        self,
        config: TwilioConfig,
        *,
        clock: Clock | None = None,
        wall_clock: Callable[[], datetime] = _wall_clock,
    ) -> None:
        self._config = config
        self._clock = clock or SystemClock()
        self._wall_clock = wall_clock
        self._http = TwilioHttpClient(config.api_base_url)
        self._client = Client(config.account_sid, config.auth_token, http_client=self._http)
        self._calls = self._client.api.v2010.accounts(config.account_sid).calls
        self._validator = RequestValidator(config.auth_token)
        self._token = config.auth_token.encode()
        self._throttle = CallThrottle(
            CallsPerSecondBucket(rate=config.calls_per_second), self._clock
        )
        # Calls this process placed, so a reconcile never adopts another attempt's call.
        self._known_sids: OrderedDict[str, str] = OrderedDict()
        # attempts whose create waits for the throttle or is being posted
        self._placing: set[str] = set()

    @property
    def config(self) -> TwilioConfig:
        return self._config

    @property
    def limits(self) -> ProviderLimits:
        return ProviderLimits(
            calls_per_second=self._config.calls_per_second,
            max_concurrent_calls=self._config.max_concurrent_calls,
        )

    async def close(self) -> None:
        await self._http.close()

    # -- REST -------------------------------------------------------------------------

    async def _bounded(self, operation: str, call: Callable[[], Awaitable[_T]]) -> _T:
        async with asyncio.timeout(self._config.request_timeout_seconds):
            return await call()

    def _remember(self, sid: str, attempt_ref: str) -> None:
        self._known_sids[sid] = attempt_ref
        while len(self._known_sids) > 100_000:
            self._known_sids.popitem(last=False)

    def is_placing(self, attempt_ref: str) -> bool:
        return attempt_ref in self._placing

    async def place_call(self, request: CallRequest) -> PlacedCall:
        self._placing.add(request.attempt_ref)
        try:
            return await self._place_call(request)
        finally:
            self._placing.discard(request.attempt_ref)

    async def _place_call(self, request: CallRequest) -> PlacedCall:
        cfg = self._config
        bound = log.bind(attempt=request.attempt_ref, to=request.to_number)
        for attempt in range(cfg.max_rate_limit_retries + 1):
            await self._throttle.acquire()
            started = self._wall_clock()
            try:
                call = await self._bounded(
                    "create_call",
                    lambda: self._calls.create_async(
                        to=request.to_number,
                        from_=request.caller_id,
                        url=cfg.webhook_url("answer", request.attempt_ref),
                        method="POST",
                        status_callback=cfg.webhook_url("status", request.attempt_ref),
                        status_callback_event=STATUS_EVENTS,
                        status_callback_method="POST",
                        timeout=request.ring_timeout_seconds,
                        machine_detection=cfg.machine_detection,
                        async_amd="true",
                        async_amd_status_callback=cfg.webhook_url("amd", request.attempt_ref),
                        async_amd_status_callback_method="POST",
                    ),
                )
            except TwilioException as exc:
                status = int(getattr(exc, "status", 0) or 0)
                code = getattr(exc, "code", None)
                if status == 429 or code == 20429:
                    delay = min(cfg.backoff_cap_seconds, cfg.backoff_base_seconds * 2**attempt)
                    bound.warning("twilio_rate_limited", retry_in_seconds=delay, code=code)
                    await self._clock.sleep(delay)
                    continue
                if status >= 500:
                    bound.warning("call_create_unconfirmed", reason=f"http {status}")
                    return await self._reconcile(request, started)
                outcome = placement_failure(code, status)
                bound.info("call_refused", code=code, outcome=outcome.value)
                raise CallRefused(
                    f"Twilio refused the call for attempt {request.attempt_ref} "
                    f"(code {code}, http {status}): {getattr(exc, 'msg', exc)}",
                    outcome,
                    code,
                ) from exc
            except (TimeoutError, aiohttp.ClientError) as exc:
                bound.warning("call_create_unconfirmed", reason=type(exc).__name__)
                return await self._reconcile(request, started)
            return self._placed(request, call, reconciled=False)
        raise ProviderUnavailable(
            f"Twilio kept answering 429 for attempt {request.attempt_ref} after "
            f"{cfg.max_rate_limit_retries} retries: lower the calls-per-second setting"
        )

    def _placed(self, request: CallRequest, call: Any, *, reconciled: bool) -> PlacedCall:
        queue_ms = float(call.queue_time or 0)
        if queue_ms > 0:
            log.warning(
                "call_queued_by_provider",
                attempt=request.attempt_ref,
                call=call.sid,
                queue_ms=queue_ms,
                hint="Twilio is queueing calls: lower calls_per_second to the account's CPS",
            )
        self._remember(call.sid, request.attempt_ref)
        return PlacedCall(
            attempt_ref=request.attempt_ref,
            call_id=call.sid,
            status=str(call.status),
            queue_seconds=queue_ms / 1000.0,
            reconciled=reconciled,
        )

    async def _reconcile(self, request: CallRequest, started: datetime) -> PlacedCall:
        """Find the call our unconfirmed POST may have created, instead of posting again."""
        found = await self.find_call(request, started)
        if found is None:
            raise CallPlacementUnknown(
                f"call create for attempt {request.attempt_ref} was not confirmed and no "
                "matching call was found; its callbacks (which carry the attempt id) or the "
                "reconcile sweep will settle it: do not redial meanwhile"
            )
        return found

    async def find_call(self, request: CallRequest, placed_after: datetime) -> PlacedCall | None:
        since = placed_after - timedelta(seconds=5)
        try:
            calls = await self._bounded(
                "list_calls",
                lambda: self._calls.list_async(
                    to=request.to_number, from_=request.caller_id, limit=50, page_size=50
                ),
            )
        except (TwilioException, TimeoutError, aiohttp.ClientError) as exc:
            raise CallPlacementUnknown(
                f"call create for attempt {request.attempt_ref} timed out and the lookup "
                f"failed too ({type(exc).__name__}); wait for its callbacks before redialling"
            ) from exc
        candidates = [
            call
            for call in calls
            if call.sid not in self._known_sids
            and call.date_created is not None
            and call.date_created >= since
        ]
        if len(candidates) == 1:
            log.info("call_reconciled", attempt=request.attempt_ref, call=candidates[0].sid)
            return self._placed(request, candidates[0], reconciled=True)
        if not candidates:
            return None
        raise CallPlacementUnknown(
            f"call create for attempt {request.attempt_ref} was not confirmed and "
            f"{len(candidates)} matching calls were found; its callbacks (which carry the "
            "attempt id) will settle it: do not redial meanwhile"
        )

    async def find_call_by_id(self, call_id: str, *, attempt_ref: str) -> CallEvent | None:
        try:
            call = await self._bounded("fetch_call", lambda: self._calls(call_id).fetch_async())
        except TwilioException as exc:
            if int(getattr(exc, "status", 0) or 0) == 404:
                return None
            raise TelephonyError(
                f"looking up call {call_id} of attempt {attempt_ref} failed "
                f"(code {getattr(exc, 'code', None)}): the next sweep asks again"
            ) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise TelephonyError(
                f"looking up call {call_id} of attempt {attempt_ref} failed "
                f"({type(exc).__name__}): the next sweep asks again"
            ) from exc
        status = str(getattr(call.status, "value", call.status) or "")
        end_reason = _END_REASON.get(status)
        if end_reason is None:  # queued, ringing or in progress: still live
            return None
        now = self._wall_clock()
        # the Call resource carries no SIP code; the key is the completed callback's own
        return CallEvent(
            provider=self.name,
            call_id=call_id,
            kind=CallEventKind.COMPLETED,
            occurred_at=call.end_time or now,
            dedupe_keys=(f"{call_id}:end",),
            attempt_ref=attempt_ref,
            end_reason=end_reason,
            duration_seconds=_int_or_none(call.duration),
            received_at=now,
            raw={"CallSid": call_id, "CallStatus": status, "Source": "fetch"},
        )

    async def place_rep_leg(self, to_number: str, caller_id: str, rep_ref: str) -> str:
        cfg = self._config
        await self._throttle.acquire()
        try:
            call = await self._bounded(
                "create_rep_leg",
                lambda: self._calls.create_async(
                    to=to_number,
                    from_=caller_id,
                    url=cfg.rep_room_url(rep_ref),
                    method="POST",
                    timeout=REP_LEG_RING_SECONDS,
                    # the end of the leg (hung up, busy, unanswered) is reported, so the
                    # rep is not left "in the room" with a dead phone
                    status_callback=cfg.rep_leg_status_url(rep_ref),
                    status_callback_method="POST",
                    status_callback_event=["completed"],
                ),
            )
        except TwilioException as exc:
            status = int(getattr(exc, "status", 0) or 0)
            code = getattr(exc, "code", None)
            raise CallRefused(
                f"Twilio refused the call to rep {rep_ref}'s phone (code {code}, http {status}): "
                "check the number on the rep's profile",
                placement_failure(code, status),
                code,
            ) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise CallPlacementUnknown(
                f"the call to rep {rep_ref}'s phone was not confirmed ({type(exc).__name__}); "
                "if it does not ring, log out and in again"
            ) from exc
        sid = str(call.sid)
        self._remember(sid, f"rep-{rep_ref}")
        return sid

    async def _update(self, call_id: str, **fields: str) -> None:
        cfg = self._config
        for attempt in range(cfg.max_rate_limit_retries + 1):
            try:
                await self._bounded(
                    "update_call", lambda: self._calls(call_id).update_async(**fields)
                )
                return
            except TwilioException as exc:
                status = int(getattr(exc, "status", 0) or 0)
                code = getattr(exc, "code", None)
                if code == NOT_IN_PROGRESS:
                    raise CallNotLive(f"call {call_id} already ended; nothing to redirect") from exc
                if status != 429 and status < 500:
                    raise TelephonyError(
                        f"Twilio refused to update call {call_id} (code {code}, http {status})"
                    ) from exc
                retry_reason = f"http {status}"
            except (TimeoutError, aiohttp.ClientError) as exc:
                # Redirecting a live call is idempotent (same TwiML, same end state).
                retry_reason = type(exc).__name__
            delay = min(cfg.backoff_cap_seconds, cfg.backoff_base_seconds * 2**attempt)
            log.warning("call_update_retry", call=call_id, reason=retry_reason, retry_in=delay)
            await self._clock.sleep(delay)
        raise ProviderUnavailable(f"could not update call {call_id}: Twilio unavailable")

    async def bridge_to_room(self, call_id: str, room: str) -> None:
        await self._update(call_id, twiml=twiml.bridge_to_conference(room))

    async def play_message_and_hang_up(self, call_id: str, message: str) -> None:
        await self._update(call_id, twiml=twiml.say_then_hang_up(message))

    async def hang_up(self, call_id: str) -> None:
        try:
            await self._update(call_id, status="completed")
        except CallNotLive:
            try:
                await self._update(call_id, status="canceled")
            except CallNotLive:
                log.info("call_already_ended", call=call_id)

    # -- webhooks -----------------------------------------------------------------------

    def verify_webhook(
        self,
        url: str,
        params: Mapping[str, str] | object,
        headers: Mapping[str, str],
        *,
        body: bytes = b"",
    ) -> bool:
        signature = headers.get("X-Twilio-Signature")
        if not signature or not isinstance(params, Mapping):
            return False
        # Fast path: the exact URL we gave Twilio. The library's validator also tries
        # the URL with and without the default port (two more HMACs), so it only runs
        # when the fast path fails.
        if hmac.compare_digest(self._signature(url, params), signature):
            return True
        return bool(self._validator.validate(url, params, signature))

    def answered_call(self, params: Mapping[str, str], *, attempt_ref: str | None) -> AnsweredCall:
        return AnsweredCall(
            attempt_ref=attempt_ref,
            call_id=params.get("CallSid", ""),
            to_number=params.get("To", ""),
            from_number=params.get("From", ""),
        )

    def _signature(self, url: str, params: Mapping[str, str]) -> str:
        getall = getattr(params, "getall", None)
        parts = [url]
        for name in sorted(set(params)):
            values = list(getall(name)) if getall is not None else [params[name]]
            for value in sorted(set(values)) if len(values) > 1 else values:
                parts.append(name)
                parts.append(str(value))
        digest = hmac.new(self._token, "".join(parts).encode(), hashlib.sha1).digest()
        return base64.b64encode(digest).decode()

    def parse_event(
        self,
        kind_hint: str,
        params: Mapping[str, str],
        headers: Mapping[str, str],
        *,
        attempt_ref: str | None,
        received_at: datetime,
    ) -> CallEvent | None:
        sid = params.get("CallSid")
        if not sid:
            return None
        token = headers.get("I-Twilio-Idempotency-Token")
        keys: list[str] = [f"twilio-token:{token}"] if token else []
        occurred_at = _parse_timestamp(params.get("Timestamp")) or received_at
        if kind_hint == "amd":
            answered_by = params.get("AnsweredBy")
            if not answered_by:
                return None
            keys.append(f"{sid}:amd")
            return CallEvent(
                provider=self.name,
                call_id=sid,
                kind=CallEventKind.AMD_VERDICT,
                occurred_at=occurred_at,
                dedupe_keys=tuple(keys),
                attempt_ref=attempt_ref,
                amd_verdict=amd_verdict(answered_by),
                received_at=received_at,
                raw=dict(params),
            )
        status = params.get("CallStatus", "")
        sequence = _int_or_none(params.get("SequenceNumber"))
        if sequence is not None:
            keys.append(f"{sid}:seq:{sequence}")
        if status in _END_REASON:
            keys.append(f"{sid}:end")
            return CallEvent(
                provider=self.name,
                call_id=sid,
                kind=CallEventKind.COMPLETED,
                occurred_at=occurred_at,
                dedupe_keys=tuple(keys),
                sequence=sequence,
                attempt_ref=attempt_ref,
                end_reason=_END_REASON[status],
                sip_code=_int_or_none(params.get("SipResponseCode")),
                duration_seconds=_int_or_none(params.get("CallDuration")),
                received_at=received_at,
                raw=dict(params),
            )
        kind = _STATUS_EVENT.get(status)
        if kind is None:
            log.warning("unknown_call_status", call=sid, status=status)
            return None
        return CallEvent(
            provider=self.name,
            call_id=sid,
            kind=kind,
            occurred_at=occurred_at,
            dedupe_keys=tuple(keys),
            sequence=sequence,
            attempt_ref=attempt_ref,
            received_at=received_at,
            raw=dict(params),
        )

    def render_answer(self, decision: AnswerDecision) -> tuple[str, str]:
        if isinstance(decision, BridgeToRoom):
            return "text/xml", twiml.bridge_to_conference(decision.room)
        if isinstance(decision, PlayAndHangUp):
            return "text/xml", twiml.say_then_hang_up(decision.message, language=decision.language)
        return "text/xml", twiml.hang_up()


def _int_or_none(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _parse_timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
