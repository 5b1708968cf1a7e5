"""The telephony provider interface: what the dialer needs from any carrier.

The engine talks to this interface only. Twilio is one implementation
(`twilio_adapter.py`); Telnyx Call Control, Vonage, Plivo or Asterisk ARI reduce to
the same operations (place, bridge, play-and-hang-up, hang up), the same normalised
per-call event stream, a per-provider webhook check and a pair of limits the pacer reads.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dialer.telephony.decisions import AnswerDecision, AnsweredCall

#: the webhooks a provider's calls reach, at /telephony/<provider name>/<hook>
WEBHOOK_HOOKS = (
    "answer",
    "status",
    "amd",
    "rep-room",
    "rep-leg-status",
    "recording-status",
    "sms-reply",
)


class TelephonyError(Exception):
    """A telephony operation failed; the message names the call and what to do."""


class CallPlacementUnknown(TelephonyError):
    """The provider did not confirm whether the call was placed (timeout or 5xx) and no
    matching call was found when we looked; do not redial this number until the
    attempt's first callback or a later reconcile settles it."""


class CallRefused(TelephonyError):
    """The provider refused to place the call; `outcome` says whether the number must be
    retired (invalid, not permitted, blocked) or the attempt can be retried later."""

    def __init__(self, message: str, outcome: PlacementFailure, provider_code: int | None) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.provider_code = provider_code


class ProviderUnavailable(TelephonyError):
    """The provider kept answering 429/5xx or timing out; pause dialing and retry later."""


class CallNotLive(TelephonyError):
    """The call is no longer in a state that can be redirected (already ended)."""


class PlacementFailure(enum.StrEnum):
    """Why a call could not be placed; the first three retire the number."""

    INVALID_NUMBER = "invalid_number"
    GEO_PERMISSION = "geo_permission"
    BLOCKED = "blocked"
    CALLER_ID_INVALID = "caller_id_invalid"
    RATE_LIMITED = "rate_limited"
    PROVIDER_ERROR = "provider_error"

    @property
    def retires_number(self) -> bool:
        return self in (
            PlacementFailure.INVALID_NUMBER,
            PlacementFailure.GEO_PERMISSION,
            PlacementFailure.BLOCKED,
        )


class MonitorMode(enum.StrEnum):
    """How a supervisor is in a rep's call: hears both sides muted, speaks to the rep
    only (Twilio's `coach`), or speaks to both (a full participant)."""

    LISTEN = "listen"
    WHISPER = "whisper"
    BARGE = "barge"


class CallEventKind(enum.StrEnum):
    """The normalised per-call events, in the order a call normally lives them."""

    INITIATED = "initiated"
    RINGING = "ringing"
    ANSWERED = "answered"
    AMD_VERDICT = "amd_verdict"
    COMPLETED = "completed"


class AmdVerdict(enum.StrEnum):
    HUMAN = "human"
    MACHINE = "machine"
    FAX = "fax"
    UNKNOWN = "unknown"


class EndReason(enum.StrEnum):
    """How a call ended. COMPLETED means it was answered and then hung up."""

    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"
    CANCELED = "canceled"


@dataclass(frozen=True, slots=True)
class CallEvent:
    """One normalised event about one call.

    `dedupe_keys` are every key under which a provider may deliver the same event twice
    (Twilio: the idempotency token header, and call id + sequence number); the ledger
    applies an event at most once per key. `sequence` orders events of one call when the
    provider numbers them (arrival order is not guaranteed).
    """

    provider: str
    call_id: str
    kind: CallEventKind
    occurred_at: datetime
    dedupe_keys: tuple[str, ...]
    sequence: int | None = None
    attempt_ref: str | None = None
    amd_verdict: AmdVerdict | None = None
    end_reason: EndReason | None = None
    sip_code: int | None = None
    duration_seconds: int | None = None
    received_at: datetime | None = field(default=None, compare=False)
    raw: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class RecordingEvent:
    """A recording's status, from a verified recording-status webhook. `dedupe_keys` are
    the keys under which the carrier may deliver it twice (its idempotency token, and the
    recording id + status)."""

    provider: str
    recording_id: str
    call_id: str
    status: str  # 'completed', 'absent' (nothing to keep) or 'failed'
    dedupe_keys: tuple[str, ...]
    duration_seconds: int | None = None
    channels: int | None = None
    started_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SmsReply:
    message_id: str
    from_number: str
    to_number: str
    body: str


@dataclass(frozen=True, slots=True)
class ProviderLimits:
    """What the pacer must respect: the provider queues (not refuses) excess calls."""

    calls_per_second: float
    max_concurrent_calls: int | None


@dataclass(frozen=True, slots=True)
class CallRequest:
    """Everything needed to place one attempt.

    `attempt_ref` is our own id for the attempt; it travels in every webhook URL so a
    callback can be tied to the attempt even when the create response was lost.
    `idempotency_key` is what the provider is asked to deduplicate on where it can.
    """

    attempt_ref: str
    to_number: str
    caller_id: str
    ring_timeout_seconds: int = 25
    idempotency_key: str | None = None

    def __post_init__(self) -> None:
        if self.ring_timeout_seconds < 15:
            raise ValueError(
                f"ring timeout {self.ring_timeout_seconds}s is too short: use at least 15 s "
                "or answering machines and slow pick-ups are counted as no-answer"
            )


@dataclass(frozen=True, slots=True)
class PlacedCall:
    attempt_ref: str
    call_id: str
    status: str
    queue_seconds: float
    reconciled: bool = False


@dataclass(frozen=True, slots=True)
class VerifiedWebhook:
    """A webhook whose signature checked out, with its parameters."""

    params: Mapping[str, str]
    idempotency_token: str | None


class TelephonyProvider(abc.ABC):
    """One carrier. Implementations own their HTTP clients and must be closed.

    Its webhooks arrive at `/telephony/<name>/<hook>` (`WEBHOOK_HOOKS`), with the
    attempt in `?attempt=` or the rep in `?rep=` of the URLs it gave the carrier. A form
    body reaches `verify_webhook` and `parse_event` as its fields, a JSON object as its
    top-level fields (other values as JSON text); `body` is the raw bytes, for
    signatures over the payload.
    """

    name: str

    @property
    @abc.abstractmethod
    def limits(self) -> ProviderLimits: ...

    @abc.abstractmethod
    async def place_call(self, request: CallRequest) -> PlacedCall:
        """Place one call, never twice: on an unconfirmed outcome, reconcile or raise
        CallPlacementUnknown. Raises CallRefused when the provider refuses the number."""

    async def find_call(self, request: CallRequest, placed_after: datetime) -> PlacedCall | None:
        """Look up the call an unconfirmed create for `request` may have placed after
        `placed_after` (a reconcile sweep, long after the create). None: there is no such
        call. Raises CallPlacementUnknown when the lookup fails or cannot tell which call
        it was; a provider that cannot look calls up always does."""
        raise CallPlacementUnknown(
            f"{self.name} cannot look calls up; attempt {request.attempt_ref} waits for its "
            "callbacks"
        )

    async def find_call_by_id(self, call_id: str, *, attempt_ref: str) -> CallEvent | None:
        """Ask the provider about a call whose `completed` callback never came (the live
        sweep). None: the call is unknown or still live. A call that has ended comes back
        as the COMPLETED event its callback would have carried, under the same dedupe key,
        so a late real callback is a duplicate. Raises TelephonyError when the lookup
        fails; a provider that cannot look calls up returns None (its callbacks decide)."""
        return None

    def is_placing(self, attempt_ref: str) -> bool:
        """True while this process's create for the attempt is still queued (behind the
        calls-per-second throttle) or in flight: it may yet place the call, so nothing may
        settle the attempt meanwhile. A provider that creates at once may keep False."""
        return False

    @abc.abstractmethod
    async def place_rep_leg(self, to_number: str, caller_id: str, rep_ref: str) -> str:
        """Call a rep's own phone; answered, it joins the rep's conference room through
        the rep-room webhook (whose URL names `rep_ref`, signed by the provider); its end
        is reported to the rep-leg status webhook (same `rep_ref`). Returns the call id.
        Raises CallRefused or TelephonyError; never retried by itself (a second ring on
        the rep's phone is better than none, and the caller decides)."""

    @abc.abstractmethod
    async def bridge_to_room(self, call_id: str, room: str) -> None:
        """Move a live call into a rep's conference room."""

    @abc.abstractmethod
    async def play_message_and_hang_up(self, call_id: str, message: str) -> None:
        """Say/play a message on a live call, then hang up (abandon message, voicemail)."""

    @abc.abstractmethod
    async def hang_up(self, call_id: str) -> None:
        """End a call whatever its state (ringing calls are canceled)."""

    @abc.abstractmethod
    def verify_webhook(
        self,
        url: str,
        params: Mapping[str, str] | object,
        headers: Mapping[str, str],
        *,
        body: bytes = b"",
    ) -> bool:
        """True if the webhook really comes from this provider for this exact URL and
        parameters (or body)."""

    @abc.abstractmethod
    def answered_call(self, params: Mapping[str, str], *, attempt_ref: str | None) -> AnsweredCall:
        """The call a verified answer, AMD or rep-room webhook is about: its id and
        numbers (or, for a browser leg, the caller's identity) in the provider's fields."""

    @abc.abstractmethod
    def parse_event(
        self,
        kind_hint: str,
        params: Mapping[str, str],
        headers: Mapping[str, str],
        *,
        attempt_ref: str | None,
        received_at: datetime,
    ) -> CallEvent | None:
        """Turn a verified webhook into a normalised event (None: nothing to record).
        `kind_hint` is the webhook it came to: "status" or "amd" (a rep's phone leg
        reports its end as "status")."""

    @abc.abstractmethod
    def render_answer(self, decision: AnswerDecision) -> tuple[str, str]:
        """The answer-webhook reply (content type, body) carrying out `decision`."""

    async def add_monitor(
        self, room: str, to: str, caller_id: str, mode: MonitorMode, customer_call_id: str | None
    ) -> str:
        """Bring a supervisor (`to`: their phone or `client:<identity>`) into a rep's
        conference room: muted to listen, coaching the rep to whisper, a full participant
        to barge. Returns the supervisor's call id. Raises CallNotLive when the room has no
        call in progress, TelephonyError otherwise; a provider without conferences always
        raises."""
        raise TelephonyError(f"{self.name} cannot bring a supervisor into a call")

    async def set_monitor_mode(
        self, room: str, monitor_call_id: str, mode: MonitorMode, customer_call_id: str | None
    ) -> None:
        """Switch a supervisor already in the room between listen, whisper and barge."""
        raise TelephonyError(f"{self.name} cannot change a supervisor's mode")

    async def remove_monitor(self, room: str, monitor_call_id: str) -> None:
        """Take the supervisor out of the room (already gone: nothing to do)."""
        raise TelephonyError(f"{self.name} cannot take a supervisor out of a call")

    # -- recordings (a carrier that cannot record refuses, and nothing is recorded) ------

    async def start_recording(self, call_id: str, attempt_ref: str, *, dual_channel: bool) -> str:
        """Record a live (bridged) call from now to its end, each leg on its own channel
        when `dual_channel`; its end is reported to the recording-status webhook (the URL
        names `attempt_ref`). Returns the carrier's recording id."""
        raise TelephonyError(f"{self.name} cannot record calls")

    def parse_recording_event(
        self, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> RecordingEvent | None:
        """A verified recording-status webhook as an event (None: nothing to record)."""
        return None

    async def fetch_recording_audio(self, recording_id: str) -> tuple[str, bytes]:
        """The recording's audio (content type, bytes), fetched with the account's
        credentials. Raises TelephonyError when the carrier does not give it."""
        raise TelephonyError(f"{self.name} keeps no recordings")

    async def delete_recording(self, recording_id: str) -> bool:
        """Delete the recording at the carrier; False when it was already gone."""
        raise TelephonyError(f"{self.name} keeps no recordings")

    # -- messaging (SMS surveys) -----------------------------------------------------------

    async def send_sms(self, to_number: str, from_number: str, body: str) -> str:
        """Send one SMS; replies arrive at the sms-reply webhook. Returns the message id."""
        raise TelephonyError(f"{self.name} sends no SMS")

    def parse_sms_reply(self, params: Mapping[str, str]) -> SmsReply | None:
        """A verified inbound-SMS webhook as a reply (None: not a message)."""
        return None

    @abc.abstractmethod
    async def close(self) -> None: ...
