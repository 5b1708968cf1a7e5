"""A carrier simulator that speaks Twilio's protocol.

`dialer sim-carrier --host H --port P --account-sid SID --auth-token TOKEN
[--scenario FILE] [--seed N] [--speed X]` serves the part of Twilio's REST API the
adapter uses (create, list, fetch and update Calls; a conference's participants, for
monitoring: `conferences.py`; with Basic auth and Twilio's JSON and
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
REST responses) from the command line or at run time with POST /sim/faults."""

from __future__ import annotations

import asyncio
import base64
import hmac
import math
import secrets
import time
from typing import Any

import structlog
from aiohttp import web

from campaigns.population import CallFate
from dialer.telephony.carrier_sim.conferences import ConferenceApi
from dialer.telephony.carrier_sim.messaging import Messaging
from dialer.telephony.carrier_sim.models import (
    API_VERSION,
    E164,
    STAFF_ANSWER_SECONDS,
    TWILIO_TIMEOUT_BUFFER_SECONDS,
    FaultPlan,
    SimCall,
    _rfc2822,
)

log = structlog.get_logger(__name__)


class CarrierSimulator(ConferenceApi, Messaging):
    """The simulator's state and behaviour; `app` serves it over HTTP (Twilio's Calls API
    and the simulator's own /sim endpoints)."""

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._faults_middleware])
        base = f"/{API_VERSION}/Accounts/{{account}}"
        app.router.add_post(f"{base}/Calls.json", self.create_call)
        app.router.add_get(f"{base}/Calls.json", self.list_calls)
        app.router.add_get(f"{base}/Calls/{{sid}}.json", self.fetch_call)
        app.router.add_post(f"{base}/Calls/{{sid}}.json", self.update_call)
        self.add_conference_routes(app)  # supervisors' listen, whisper and barge
        app.router.add_get("/sim/calls", self.sim_calls)
        app.router.add_get("/sim/stats", self.sim_stats)
        app.router.add_post("/sim/faults", self.sim_faults)
        app.router.add_post("/sim/staff-phones", self.sim_staff_phones)
        app.router.add_post("/sim/staff-phones/hang-up", self.sim_staff_phones_hang_up)
        self.recording_routes(app)
        self.messaging_routes(app)

        async def lifecycle(_app: web.Application) -> Any:
            await self.start()
            yield
            await self.stop()

        app.cleanup_ctx.append(lifecycle)
        return app

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
