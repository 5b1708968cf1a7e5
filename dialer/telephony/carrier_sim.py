"""A carrier simulator that speaks Twilio's protocol.

`dialer sim-carrier --host H --port P --account-sid SID --auth-token TOKEN
[--scenario FILE] [--seed N] [--speed X]` serves the part of Twilio's REST API the
adapter uses (create, list, fetch and update Calls, with Basic auth and Twilio's JSON and
error shapes) and lives each call: it fetches the answer URL, follows the TwiML subset
the service returns (<Dial><Conference>, <Say>, <Play>, <Pause>, <Hangup>) and posts
status and async-AMD callbacks signed as Twilio signs them, with idempotency tokens and
sequence numbers. Who answers, after how long and for how long comes from the seeded
population model (campaigns.population). Simulated reps sit in conference rooms and talk
for the drawn time. `speed` compresses every ring, talk and pause for demos.

Staff phones (`staff_phones`, or POST /sim/staff-phones {"numbers": [...]}) are the reps'
own phones: a call to one is answered at once by a person, follows its TwiML into the
conference room and stays there until it is hung up (the phone audio leg of a rep), by
the service or by the rep (POST /sim/staff-phones/hang-up {"numbers": [...]}).

Faults can be injected (duplicated, reordered, delayed, lost callbacks; 5xx, 429 and slow
REST responses) from the command line or at run time with POST /sim/faults.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import math
import random
import re
import secrets
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urldefrag

import aiohttp
import structlog
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from campaigns.population import CallFate, Population, Scenario
from dialer.logs import configure_logging
from dialer.telephony import connection_overrides

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
    lose_events: list[Literal["initiated", "ringing", "answered", "completed", "amd"]] = Field(
        default_factory=list
    )


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


class CarrierSimulator:
    """The simulator's state and behaviour; `app` serves it over HTTP."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        scenario: Scenario | None = None,
        seed: int = 1,
        speed: float = 1.0,
        account_calls_per_second: float | None = None,
        faults: FaultPlan | None = None,
        clock: Callable[[], datetime] = _now,
        staff_phones: Iterable[str] = (),
    ) -> None:
        if speed <= 0:
            raise SimulatorError(f"--speed must be positive, got {speed}")
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.scenario = scenario or Scenario.model_validate(DEFAULT_SCENARIO)
        self.population = Population(self.scenario, seed)
        self.speed = speed
        self.account_calls_per_second = account_calls_per_second
        self.faults = faults or FaultPlan()
        # the wall clock the simulated carrier stamps calls and callbacks with (the service's
        # own clock in the demo, so both sides agree on the time)
        self.clock = clock
        self.rng = random.Random(f"sim-faults:{seed}")
        self.calls: dict[str, SimCall] = {}
        self.rooms = ConferenceRooms()
        self.staff_phones: set[str] = set(staff_phones)
        self.callbacks: list[SentCallback] = []
        self.create_received: list[float] = []  # monotonic seconds of every create received
        self.answer_latencies: list[float] = []  # answer-URL round trips, seconds
        self.callback_latencies: list[float] = []
        self._started = time.monotonic()
        self._next_slot = 0.0
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- time -------------------------------------------------------------------------

    async def sleep(self, simulated_seconds: float) -> None:
        await asyncio.sleep(max(0.0, simulated_seconds) / self.speed)

    def shift_offset(self) -> float:
        return (time.monotonic() - self._started) * self.speed

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=0)
        self._session = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=15)
        )

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    def _spawn(self, coroutine: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until every call has ended and every callback has been delivered."""
        async with asyncio.timeout(timeout):
            while self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- HTTP app -----------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._faults_middleware])
        base = f"/{API_VERSION}/Accounts/{{account}}"
        app.router.add_post(f"{base}/Calls.json", self.create_call)
        app.router.add_get(f"{base}/Calls.json", self.list_calls)
        app.router.add_get(f"{base}/Calls/{{sid}}.json", self.fetch_call)
        app.router.add_post(f"{base}/Calls/{{sid}}.json", self.update_call)
        app.router.add_get("/sim/calls", self.sim_calls)
        app.router.add_get("/sim/stats", self.sim_stats)
        app.router.add_post("/sim/faults", self.sim_faults)
        app.router.add_post("/sim/staff-phones", self.sim_staff_phones)
        app.router.add_post("/sim/staff-phones/hang-up", self.sim_staff_phones_hang_up)

        async def lifecycle(_app: web.Application) -> Any:
            await self.start()
            yield
            await self.stop()

        app.cleanup_ctx.append(lifecycle)
        return app

    def _error(self, http_status: int, code: int, message: str) -> web.Response:
        body = {
            "code": code,
            "message": message,
            "more_info": f"{ERROR_DOCS}{code}",
            "status": http_status,
        }
        return web.json_response(body, status=http_status)

    @web.middleware
    async def _faults_middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith(f"/{API_VERSION}/"):
            return await handler(request)
        plan = self.faults
        if plan.slow_response_seconds:
            await asyncio.sleep(plan.slow_response_seconds)
        if plan.rate_limit_rate and self.rng.random() < plan.rate_limit_rate:
            return self._error(429, 20429, "Too Many Requests")
        if plan.server_error_rate and self.rng.random() < plan.server_error_rate:
            return self._error(500, 20500, "Internal Server Error")
        auth = request.headers.get("Authorization", "")
        expected = (
            "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        )
        if not hmac.compare_digest(auth, expected):
            return self._error(401, 20003, "Authenticate")
        if request.match_info.get("account") != self.account_sid:
            return self._error(404, 20404, "The requested resource was not found")
        return await handler(request)

    def _call_json(self, call: SimCall) -> dict[str, Any]:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{call.sid}.json"
        sub = uri[: -len(".json")]
        return {
            "account_sid": self.account_sid,
            "answered_by": call.answered_by,
            "api_version": API_VERSION,
            "caller_name": None,
            "date_created": _rfc2822(call.created_at),
            "date_updated": _rfc2822(call.updated_at or call.created_at),
            "direction": "outbound-api",
            "duration": str(call.duration) if call.duration is not None else None,
            "end_time": _rfc2822(call.end_time),
            "forwarded_from": None,
            "from": call.from_,
            "from_formatted": call.from_,
            "group_sid": None,
            "parent_call_sid": None,
            "phone_number_sid": None,
            "price": None,
            "price_unit": "USD",
            "queue_time": str(int(call.queue_seconds * 1000)),
            "sid": call.sid,
            "start_time": _rfc2822(call.start_time),
            "status": call.status,
            "subresource_uris": {
                "notifications": f"{sub}/Notifications.json",
                "recordings": f"{sub}/Recordings.json",
                "payments": f"{sub}/Payments.json",
                "events": f"{sub}/Events.json",
                "siprec": f"{sub}/Siprec.json",
                "streams": f"{sub}/Streams.json",
                "transcriptions": f"{sub}/Transcriptions.json",
                "user_defined_message_subscriptions": f"{sub}/UserDefinedMessageSubscriptions.json",
                "user_defined_messages": f"{sub}/UserDefinedMessages.json",
            },
            "to": call.to,
            "to_formatted": call.to,
            "trunk_sid": None,
            "uri": uri,
        }

    async def create_call(self, request: web.Request) -> web.StreamResponse:
        received = time.monotonic()
        form = await request.post()
        fault = self.faults.next_create_faults.pop(0) if self.faults.next_create_faults else None
        if fault == "rate_limited":
            return self._error(429, 20429, "Too Many Requests")
        if fault == "error":
            return self._error(500, 20500, "Internal Server Error")
        to = str(form.get("To", ""))
        from_ = str(form.get("From", ""))
        if not E164.match(to):
            return self._error(400, 21211, f"Invalid 'To' Phone Number: {to[:3]}...")
        if not E164.match(from_):
            return self._error(400, 21212, "Invalid 'From' Phone Number")
        url = str(form["Url"]) if "Url" in form else None
        twiml = str(form["Twiml"]) if "Twiml" in form else None
        if url is None and twiml is None:
            return self._error(400, 21205, "Url parameter is required.")
        self.create_received.append(received)
        queue_seconds = 0.0
        if self.account_calls_per_second:
            slot = max(received, self._next_slot)
            queue_seconds = slot - received
            self._next_slot = slot + 1.0 / self.account_calls_per_second
        timeout = float(str(form.get("Timeout", "60")))
        call = SimCall(
            sid="CA" + secrets.token_hex(16),
            to=to,
            from_=from_,
            url=url,
            method=str(form.get("Method", "POST")).upper(),
            twiml=twiml,
            status_callback=str(form["StatusCallback"]) if "StatusCallback" in form else None,
            status_events={str(v) for v in form.getall("StatusCallbackEvent", [])} or {"completed"},
            amd_callback=(
                str(form["AsyncAmdStatusCallback"]) if "AsyncAmdStatusCallback" in form else None
            ),
            machine_detection=str(form.get("MachineDetection", ""))
            in ("Enable", "DetectMessageEnd"),
            ring_timeout=min(max(timeout, 5.0), 600.0) + TWILIO_TIMEOUT_BUFFER_SECONDS,
            fate=self._fate(to),
            created_at=self.clock(),
            queue_seconds=queue_seconds,
        )
        self.calls[call.sid] = call
        call.life = self._spawn(self._live(call))
        log.info("sim_call_created", call=call.sid, to=to, outcome=call.fate.outcome)
        if fault == "slow":
            await asyncio.sleep(self.faults.create_delay_seconds)
        if fault == "error_after_create":
            return self._error(500, 20500, "Internal Server Error")
        return web.json_response(self._call_json(call), status=201)

    def _fate(self, to: str) -> CallFate:
        if to in self.staff_phones:
            # a rep's own phone: picked up at once, on the line until hung up
            return CallFate(
                outcome="human",
                seconds_to_result=STAFF_ANSWER_SECONDS,
                talk_seconds=math.inf,
                wrap_seconds=0.0,
                amd_verdict=None,
                amd_verdict_seconds=None,
            )
        return self.population.fate(to, self.shift_offset())

    async def list_calls(self, request: web.Request) -> web.Response:
        to = request.query.get("To")
        from_ = request.query.get("From")
        page_size = int(request.query.get("PageSize", "50"))
        matches = [
            call
            for call in sorted(self.calls.values(), key=lambda c: c.created_at, reverse=True)
            if (to is None or call.to == to) and (from_ is None or call.from_ == from_)
        ][:page_size]
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls.json?PageSize={page_size}&Page=0"
        return web.json_response(
            {
                "calls": [self._call_json(call) for call in matches],
                "end": max(len(matches) - 1, 0),
                "first_page_uri": uri,
                "next_page_uri": None,
                "page": 0,
                "page_size": page_size,
                "previous_page_uri": None,
                "start": 0,
                "uri": uri,
            }
        )

    async def fetch_call(self, request: web.Request) -> web.Response:
        call = self.calls.get(request.match_info["sid"])
        if call is None:
            return self._error(404, 20404, "The requested resource was not found")
        return web.json_response(self._call_json(call))

    async def update_call(self, request: web.Request) -> web.Response:
        call = self.calls.get(request.match_info["sid"])
        if call is None:
            return self._error(404, 20404, "The requested resource was not found")
        form = await request.post()
        status = form.get("Status")
        if call.ended.is_set():
            return self._error(400, 21220, "Call is not in-progress. Cannot redirect.")
        if status == "canceled":
            if call.status not in ("queued", "ringing"):
                return self._error(400, 21220, "Call is not queued or ringing. Cannot cancel.")
            self._spawn(self._end(call, "canceled", sip_code=487))
        elif status == "completed":
            self._spawn(self._end(call, "completed" if call.start_time else "canceled"))
        elif "Twiml" in form or "Url" in form:
            if call.status != "in-progress":
                return self._error(400, 21220, "Call is not in-progress. Cannot redirect.")
            source: tuple[str, str] = (
                ("twiml", str(form["Twiml"])) if "Twiml" in form else ("url", str(form["Url"]))
            )
            self._redirect(call, source)
        call.updated_at = self.clock()
        return web.json_response(self._call_json(call))

    async def sim_calls(self, request: web.Request) -> web.Response:
        return web.json_response(
            [
                {
                    "sid": call.sid,
                    "to": call.to,
                    "status": call.status,
                    "outcome": call.fate.outcome,
                    "answered_by": call.answered_by,
                    "duration": call.duration,
                    "rooms": call.rooms,
                    "said": call.said,
                }
                for call in self.calls.values()
            ]
        )

    async def sim_stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    def stats(self) -> dict[str, Any]:
        return {
            "calls": len(self.calls),
            "ended": sum(1 for call in self.calls.values() if call.ended.is_set()),
            "callbacks_sent": len(self.callbacks),
            "callbacks_lost": sum(1 for cb in self.callbacks if cb.lost),
            "answer_latencies": list(self.answer_latencies),
            "callback_latencies": list(self.callback_latencies),
            "create_received": [t - self._started for t in self.create_received],
        }

    async def sim_staff_phones(self, request: web.Request) -> web.Response:
        body = await request.json()
        numbers = [str(n) for n in body.get("numbers", [])]
        bad = [n for n in numbers if not E164.match(n)]
        if bad:
            return self._error(400, 21211, f"not E.164: {', '.join(b[:4] for b in bad)}...")
        self.staff_phones.update(numbers)
        return web.json_response({"staff_phones": len(self.staff_phones)})

    def hang_up_staff_phone(self, number: str) -> list[str]:
        """The rep puts their phone down: every live call to it ends ('completed' once
        answered, else 'no-answer'). Returns the ended calls' sids."""
        ended = []
        for call in self.calls.values():
            if call.to == number and not call.ended.is_set():
                status = "completed" if call.start_time else "no-answer"
                self._spawn(self._end(call, status, sip_code=200 if call.start_time else 487))
                ended.append(call.sid)
        return ended

    async def sim_staff_phones_hang_up(self, request: web.Request) -> web.Response:
        body = await request.json()
        numbers = [str(n) for n in body.get("numbers", [])]
        ended = [sid for number in numbers for sid in self.hang_up_staff_phone(number)]
        return web.json_response({"ended": ended})

    async def sim_faults(self, request: web.Request) -> web.Response:
        self.faults = FaultPlan.model_validate(await request.json())
        return web.json_response(self.faults.model_dump())

    # -- a call's life -------------------------------------------------------------------

    async def _live(self, call: SimCall) -> None:
        try:
            await self._live_unguarded(call)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a broken webhook must not kill the simulator
            log.error("sim_call_crashed", call=call.sid, error=repr(exc))
            if not call.ended.is_set():
                await self._end(call, "failed", sip_code=500)

    async def _live_unguarded(self, call: SimCall) -> None:
        if call.queue_seconds:
            await asyncio.sleep(call.queue_seconds)
        if call.ended.is_set():
            return
        await self._status(call, "initiated", "initiated")
        await self.sleep(INITIATED_TO_RINGING_SECONDS)
        if call.ended.is_set():
            return
        call.status = "ringing"
        await self._status(call, "ringing", "ringing")
        fate = call.fate
        ring = min(fate.seconds_to_result, call.ring_timeout)
        try:
            async with asyncio.timeout(ring / self.speed):
                await call.ended.wait()
            return  # canceled while ringing
        except TimeoutError:
            pass
        if fate.outcome == "invalid":
            await self._end(call, "failed", sip_code=404)
            return
        if fate.outcome == "busy":
            await self._end(call, "busy", sip_code=486)
            return
        if fate.outcome == "no_answer" or fate.seconds_to_result > call.ring_timeout:
            await self._end(call, "no-answer", sip_code=487)
            return
        call.status = "in-progress"
        call.start_time = self.clock()
        call.answered_monotonic = time.monotonic()
        await self._status(call, "answered", "in-progress")
        if call.machine_detection and call.amd_callback and fate.amd_verdict is not None:
            self._spawn(self._amd(call))
        source: tuple[str, str] = (
            ("twiml", call.twiml) if call.twiml is not None else ("url", call.url or "")
        )
        self._redirect(call, source)
        await call.ended.wait()

    def _redirect(self, call: SimCall, source: tuple[str, str]) -> None:
        if call.script is not None and not call.script.done():
            call.script.cancel()
        call.script = self._spawn(self._run_script(call, source))

    async def _run_script(self, call: SimCall, source: tuple[str, str]) -> None:
        kind, value = source
        document = value if kind == "twiml" else await self._fetch_twiml(call, value)
        if document is None:
            await self._end(call, "failed", sip_code=500)
            return
        try:
            root = ElementTree.fromstring(document.encode())
        except ElementTree.ParseError:
            log.warning("sim_bad_twiml", call=call.sid)
            await self._end(call, "failed", sip_code=500)
            return
        for verb in root:
            if call.ended.is_set():
                return
            if verb.tag == "Say":
                text = verb.text or ""
                call.said.append(text)
                await self.sleep(max(1.0, len(text) / SPEECH_CHARACTERS_PER_SECOND))
            elif verb.tag == "Play":
                await self.sleep(PLAY_SECONDS)
            elif verb.tag == "Pause":
                await self.sleep(float(verb.get("length", "1")))
            elif verb.tag == "Hangup":
                break
            elif verb.tag == "Dial":
                conference = verb.find("Conference")
                if conference is not None and conference.text:
                    await self._talk_in_room(call, conference.text.strip())
            else:
                log.warning("sim_unsupported_verb", call=call.sid, verb=verb.tag)
        await self._end(call, "completed")

    async def _talk_in_room(self, call: SimCall, room: str) -> None:
        if call.to in self.staff_phones:
            call.rooms.append(room)  # a rep's phone leg waits in the room for callees
            await call.ended.wait()
            return
        fate = call.fate
        # A person talks for the drawn time; a machine taken for a person plays its
        # greeting until the rep recognises it and hangs up.
        talk = fate.talk_seconds if fate.outcome == "human" else max(fate.talk_seconds, 1.0)
        self.rooms.join(room, call.sid, talk)
        call.rooms.append(room)
        await self.sleep(talk)

    async def _fetch_twiml(self, call: SimCall, url: str) -> str | None:
        params = self._base_params(call, "in-progress")
        started = time.monotonic()
        status, text = await self._signed_post(url, params, token=None)
        self.answer_latencies.append(time.monotonic() - started)
        if status != 200 or text is None:
            log.warning("sim_answer_url_failed", call=call.sid, http_status=status)
            return None
        return text

    async def _amd(self, call: SimCall) -> None:
        fate = call.fate
        await self.sleep(fate.amd_verdict_seconds or 0.0)
        if call.ended.is_set() or call.amd_callback is None:
            return
        answered_by = "human" if fate.amd_verdict == "human" else "machine_start"
        call.answered_by = answered_by
        params = {
            "AccountSid": self.account_sid,
            "CallSid": call.sid,
            "AnsweredBy": answered_by,
            "MachineDetectionDuration": str(int((fate.amd_verdict_seconds or 0.0) * 1000)),
        }
        await self._deliver(call, "amd", call.amd_callback, params, event="amd")

    async def _end(self, call: SimCall, status: str, *, sip_code: int = 200) -> None:
        if call.ended.is_set():
            return
        call.ended.set()
        call.status = status
        call.end_time = self.clock()
        call.updated_at = call.end_time
        if call.answered_monotonic is not None:
            call.duration = math.ceil((time.monotonic() - call.answered_monotonic) * self.speed)
        else:
            call.duration = 0
        if call.script is not None and call.script is not asyncio.current_task():
            call.script.cancel()
        extra = {
            "CallDuration": str(call.duration),
            "Duration": str(math.ceil(call.duration / 60)),
            "SipResponseCode": str(sip_code),
        }
        await self._status(call, "completed", status, extra)

    def _base_params(self, call: SimCall, status: str) -> dict[str, str]:
        return {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": call.sid,
            "CallStatus": status,
            "Called": call.to,
            "Caller": call.from_,
            "Direction": "outbound-api",
            "From": call.from_,
            "To": call.to,
        }

    async def _status(
        self, call: SimCall, event: str, status: str, extra: dict[str, str] | None = None
    ) -> None:
        if call.status_callback is None or event not in call.status_events:
            return
        params = self._base_params(call, status)
        params.update(
            {
                "CallbackSource": "call-progress-events",
                "SequenceNumber": str(call.sequence),
                "Timestamp": format_datetime(self.clock()),
                "ParentCallSid": "",
            }
        )
        params.update(extra or {})
        call.sequence += 1
        await self._deliver(call, "status", call.status_callback, params, event=event)

    async def _deliver(
        self, call: SimCall, kind: str, url: str, params: dict[str, str], *, event: str
    ) -> None:
        """Send one callback, with the fault plan applied. Delayed and reordered callbacks
        go out in the background so later ones can overtake them."""
        plan = self.faults
        token = f"{call.sid}-{secrets.token_hex(8)}"
        if event in plan.lose_events or (plan.loss_rate and self.rng.random() < plan.loss_rate):
            self.callbacks.append(SentCallback(kind, url, params, {}, None, 0, lost=True))
            return
        copies = 2 if plan.duplicate_rate and self.rng.random() < plan.duplicate_rate else 1
        for _ in range(copies):
            delay = 0.0
            if plan.delay_max_seconds:
                delay = self.rng.uniform(0.0, plan.delay_max_seconds)
            if plan.reorder or delay:
                self._spawn(self._send_later(delay, kind, url, params, token))
            else:
                await self._send(kind, url, params, token)

    async def _send_later(
        self, delay: float, kind: str, url: str, params: dict[str, str], token: str
    ) -> None:
        await asyncio.sleep(delay)
        await self._send(kind, url, params, token)

    async def _send(self, kind: str, url: str, params: dict[str, str], token: str) -> None:
        started = time.monotonic()
        status, _text, headers, attempts = await self._post_with_retries(url, params, token)
        self.callback_latencies.append(time.monotonic() - started)
        self.callbacks.append(SentCallback(kind, url, params, headers, status, attempts))

    async def _post_with_retries(
        self, url: str, params: dict[str, str], token: str | None
    ) -> tuple[int | None, str | None, dict[str, str], int]:
        """Post as Twilio does under the URL's connection overrides (its defaults without
        any): retried, the same idempotency token each time, within the total timeout."""
        rules = connection_overrides.parse(url)
        token = token or secrets.token_hex(16)
        deadline = time.monotonic() + rules.total_timeout_ms / 1000 / self.speed
        attempts = 0
        while True:
            attempts += 1
            status, text, headers, timed_out = await self._post(url, params, token, rules)
            if status is not None and 200 <= status < 300:
                break
            out_of_time = time.monotonic() >= deadline
            if attempts > rules.retries or out_of_time:
                break
            if not rules.retries_after(status, timed_out=timed_out):
                break
            await asyncio.sleep(CALLBACK_RETRY_SECONDS / self.speed)
        return status, text, headers, attempts

    async def _signed_post(
        self, url: str, params: dict[str, str], token: str | None
    ) -> tuple[int | None, str | None]:
        status, text, _headers, _attempts = await self._post_with_retries(url, params, token)
        return status, text

    async def _post(
        self,
        url: str,
        params: dict[str, str],
        token: str,
        rules: connection_overrides.ConnectionOverrides,
    ) -> tuple[int | None, str | None, dict[str, str], bool]:
        """One attempt: (status, body, headers, whether it timed out)."""
        assert self._session is not None, "simulator not started"
        signed_url, _fragment = urldefrag(url)
        headers = {
            "X-Twilio-Signature": twilio_signature(self.auth_token, signed_url, params),
            "I-Twilio-Idempotency-Token": token,
            "User-Agent": "TwilioProxy/1.1",
            # Not Twilio's: lets a benchmark measure the service from the moment of sending.
            "X-Sim-Sent-At": repr(time.time()),
        }
        timeout = aiohttp.ClientTimeout(
            connect=rules.connect_timeout_ms / 1000, sock_read=rules.read_timeout_ms / 1000
        )
        try:
            async with self._session.post(
                signed_url, data=params, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.text(), headers, False
        except TimeoutError as exc:
            log.warning("sim_webhook_timed_out", url=signed_url, error=type(exc).__name__)
            return None, None, headers, True
        except aiohttp.ClientError as exc:
            log.warning("sim_webhook_unreachable", url=signed_url, error=type(exc).__name__)
            return None, None, headers, False


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dialer sim-carrier",
        description="Serve a carrier simulator that speaks Twilio's Calls API.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--account-sid", required=True, help="AC + 32 hex, as Twilio's")
    parser.add_argument("--auth-token", required=True)
    parser.add_argument("--scenario", type=Path, help="scenario JSON (../shared/scenarios)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--speed", type=float, default=1.0, help="time compression factor")
    parser.add_argument(
        "--account-cps", type=float, default=None, help="queue creates above this rate"
    )
    parser.add_argument("--faults", help="fault plan as JSON (see FaultPlan)")
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    return parser


def simulator_from_args(args: argparse.Namespace) -> CarrierSimulator:
    if not re.match(r"^AC[0-9a-fA-F]{32}$", args.account_sid):
        raise SimulatorError("--account-sid must be AC followed by 32 hex digits")
    scenario = Scenario.from_file(args.scenario) if args.scenario else None
    faults = FaultPlan.model_validate_json(args.faults) if args.faults else None
    return CarrierSimulator(
        args.account_sid,
        args.auth_token,
        scenario=scenario,
        seed=args.seed,
        speed=args.speed,
        account_calls_per_second=args.account_cps,
        faults=faults,
    )


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        simulator = simulator_from_args(args)
    except (SimulatorError, ValueError) as exc:
        print(f"dialer sim-carrier: {exc}")
        return 2
    configure_logging("console", args.log_level)
    web.run_app(simulator.app(), host=args.host, port=args.port, print=None)
    return 0
