"""The carrier simulator's pieces: its constants, the fault plan, the calls and callbacks it
keeps, the conference rooms, and Twilio's request signature."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, Literal

import structlog
from pydantic import BaseModel, ConfigDict, Field

from campaigns.population import CallFate

log = structlog.get_logger(__name__)


API_VERSION = "2010-04-01"
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
SPEECH_CHARACTERS_PER_SECOND = 15.0
PLAY_SECONDS = 3.0
INITIATED_TO_RINGING_SECONDS = 0.5
TWILIO_TIMEOUT_BUFFER_SECONDS = 5.0
CALLBACK_RETRY_SECONDS = 1.0
STAFF_ANSWER_SECONDS = 1.0
ERROR_DOCS = "https://www.twilio.com/docs/errors/"

DEFAULT_SCENARIO: dict[str, Any] = {
    "name": "sim-default",
    "description": "Carrier simulator default: mostly people, some machines, a few bad numbers.",
    "agents": 10,
    "shift_hours": 8,
    "seeds": [1],
    "outcomes": {"human": 0.55, "machine": 0.2, "busy": 0.05, "no_answer": 0.15, "invalid": 0.05},
    "ring_seconds": {"dist": "lognormal", "mean": 8, "sd": 4},
    "no_answer_seconds": {"dist": "fixed", "value": 25},
    "busy_seconds": {"dist": "fixed", "value": 4},
    "invalid_seconds": {"dist": "fixed", "value": 2},
    "talk_seconds": {"dist": "lognormal", "mean": 90, "sd": 60},
    "wrap_seconds": {"dist": "lognormal", "mean": 20, "sd": 8},
    "amd": {
        "mode": "async",
        "verdict_seconds": {"dist": "lognormal", "mean": 3, "sd": 1},
        "false_machine_rate": 0.03,
        "false_human_rate": 0.08,
    },
    "connect_threshold_seconds": 2,
    "abandon_cap": 0.03,
}


class SimulatorError(Exception):
    """The carrier simulator was misconfigured; the message names the option to fix."""


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """X-Twilio-Signature: base64(HMAC-SHA1(token, url + sorted name/value pairs))."""
    payload = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class FaultPlan(BaseModel):
    """Faults to inject. Rates are probabilities per callback or per REST request."""

    model_config = ConfigDict(extra="forbid")

    duplicate_rate: float = Field(default=0.0, ge=0, le=1)
    loss_rate: float = Field(default=0.0, ge=0, le=1)
    delay_max_seconds: float = Field(default=0.0, ge=0)
    reorder: bool = False
    server_error_rate: float = Field(default=0.0, ge=0, le=1)
    rate_limit_rate: float = Field(default=0.0, ge=0, le=1)
    slow_response_seconds: float = Field(default=0.0, ge=0)
    # One-shot faults for the next creates, in order: "slow" creates the call and answers
    # after create_delay_seconds; "error_after_create" creates it and answers 500;
    # "error" answers 500 without creating; "rate_limited" answers 429.
    next_create_faults: list[Literal["slow", "error_after_create", "error", "rate_limited"]] = (
        Field(default_factory=list)
    )
    create_delay_seconds: float = Field(default=10.0, ge=0)
    # callbacks of these events are always lost (a `completed` that never comes)
    lose_events: list[
        Literal["initiated", "ringing", "answered", "completed", "amd", "recording"]
    ] = Field(default_factory=list)


@dataclass(slots=True)
class SentCallback:
    kind: str
    url: str
    params: dict[str, str]
    headers: dict[str, str]
    http_status: int | None
    attempts: int
    lost: bool = False


@dataclass(slots=True)
class SimCall:
    sid: str
    to: str
    from_: str
    url: str | None
    method: str
    twiml: str | None
    status_callback: str | None
    status_events: set[str]
    amd_callback: str | None
    machine_detection: bool
    ring_timeout: float
    fate: CallFate
    created_at: datetime
    queue_seconds: float
    status: str = "queued"
    start_time: datetime | None = None
    end_time: datetime | None = None
    answered_monotonic: float | None = None
    duration: int | None = None
    answered_by: str | None = None
    sequence: int = 0
    updated_at: datetime | None = None
    said: list[str] = field(default_factory=list)
    rooms: list[str] = field(default_factory=list)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    script: asyncio.Task[None] | None = None
    life: asyncio.Task[None] | None = None


@dataclass(slots=True)
class ConferenceLeg:
    room: str
    call_sid: str
    rep: str
    talk_seconds: float


class ConferenceRooms:
    """Simulated reps, one per room: a rep joins a room the first time a call is sent
    there and talks to each bridged callee for the callee's drawn talk time."""

    def __init__(self) -> None:
        self.reps: dict[str, str] = {}
        self.legs: list[ConferenceLeg] = []

    def join(self, room: str, call_sid: str, talk_seconds: float) -> ConferenceLeg:
        rep = self.reps.setdefault(room, f"sim-rep-{room}")
        leg = ConferenceLeg(room=room, call_sid=call_sid, rep=rep, talk_seconds=talk_seconds)
        self.legs.append(leg)
        return leg


def _now() -> datetime:
    return datetime.now(UTC)


def _rfc2822(value: datetime | None) -> str | None:
    return format_datetime(value) if value is not None else None
