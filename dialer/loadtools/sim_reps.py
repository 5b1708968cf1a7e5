"""Simulated reps over the service's HTTP API: the go-live load test (`dialer sim-reps`).

Each rep does what a rep at the page does, through the same routes (docs/console.md):
signs in on `/login` (the form's token and its pre-login cookie), reads the console's CSRF token from `/rep`,
opens the console WebSocket `/console/ws`, logs in to the campaign and goes ready. On every
push on the WebSocket, and at least every poll interval (>= 0.5 s), it reads its session:
a call that ended into wrap-up gets an outcome after a wrap-up time drawn as
`dialer.engine.simulated_reps` draws it, the code drawn from its `DEFAULT_OUTCOMES`, and
the rep goes ready again. When told to stop, every rep records any open outcome (a rep
still on a call waits for it to end, up to the drain time) and logs out of the console.

Phone numbers are never logged: only user names, call attempt ids and codes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import structlog

from campaigns.agents import RepState
from campaigns.population import Distribution, LognormalDistribution
from dialer.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE
from dialer.engine.simulated_reps import DEFAULT_OUTCOMES, INTERESTS

log = structlog.get_logger(__name__)

# the seed's reps (dialer/seed.py), in user_id order: rep01, rep02, ...
SEED_REP_USERNAME = "rep{index:02d}"
MIN_POLL_SECONDS = 0.5
_CONSOLE_CSRF = re.compile(r'data-csrf="([^"]+)"')
_LOGIN_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_FALLBACK_CODE = "NOT_INTERESTED"


def seed_rep_usernames(count: int) -> list[str]:
    return [SEED_REP_USERNAME.format(index=index) for index in range(1, count + 1)]


class SimRepsError(Exception):
    """The simulated reps could not start; the message says why."""


#: how many times a rep tries to sign in to a service that does not answer
SIGN_IN_ATTEMPTS = 6


def sign_in_backoff(attempt: int) -> float:
    """Seconds before the next sign-in after `attempt` (0-based) went unanswered."""
    return min(8.0, 0.5 * 2**attempt)


#: how many busy answers (503/429 with Retry-After) a rep's sign-in waits out
SIGN_IN_BUSY_RETRIES = 300


class ServiceAway(Exception):
    """The service did not answer (down, restarting, or its database away): try again."""


class ServiceBusy(Exception):
    """The service refused for now and said when to come back (Retry-After)."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def busy_wait(retry_after: float, rng: random.Random) -> float:
    """Retry-After plus up to as much again of jitter: refused reps do not come back
    together and refuse each other again."""
    return retry_after * (1.0 + rng.random())


@dataclass(frozen=True)
class SimRepsPlan:
    base_url: str
    campaign_id: int
    usernames: list[str]
    password: str
    # the demo's wrap-up (dialer.engine.demo_stage), divided by speed as the simulated reps do
    wrap_seconds: Distribution = LognormalDistribution(dist="lognormal", mean=20, sd=8)
    speed: float = 1.0
    poll_seconds: float = MIN_POLL_SECONDS
    # how long a rep still on a call when told to stop waits for it to end
    drain_seconds: float = 30.0
    seed: int = 1
    # the outcomes' shares (default: the simulated reps' DEFAULT_OUTCOMES)
    outcomes: dict[str, float] | None = None
    request_timeout_seconds: float = 10.0
    # each rep signs in at a random moment within this many seconds of the start (a
    # floor that arrives over a few minutes rather than in one instant)
    sign_in_ramp_seconds: float = 0.0


@dataclass
class Tally:
    """What the reps did: the bridged calls they took and the outcomes they recorded."""

    reps: int = 0
    calls: set[int] = field(default_factory=set)
    dispositions: Counter[str] = field(default_factory=Counter)
    left_logged_in: list[str] = field(default_factory=list)
    # sign-ins the service refused as busy (503 / 429 with Retry-After) and sent again
    sign_in_busy: int = 0

    def summary_line(self) -> str:
        codes = ", ".join(f"{code}={n}" for code, n in sorted(self.dispositions.items()))
        line = (
            f"sim-reps: {self.reps} reps, {len(self.calls)} calls taken, "
            f"{sum(self.dispositions.values())} dispositions ({codes or 'none'})"
        )
        if self.sign_in_busy:
            line += f"; {self.sign_in_busy} busy sign-ins retried"
        if self.left_logged_in:
            line += f"; still logged in: {', '.join(self.left_logged_in)}"
        return line


class RepConsole:
    """One rep's console over HTTP: its own client session, cookie and CSRF token."""

    def __init__(self, http: aiohttp.ClientSession, base_url: str, username: str) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.username = username
        self._cookie = ""
        self._csrf = ""

    @property
    def signed_in(self) -> bool:
        return bool(self._cookie)

    def _url(self, path: str) -> str:
        return self.base_url + path

    async def sign_in(self, password: str) -> None:
        """The sign-in form as a browser submits it, then the console page's CSRF token."""
        try:
            # the form's token, bound to the pre-login session the cookie names
            async with self.http.get(self._url("/login?next=/rep")) as page:
                pre_session = page.cookies.get(LOGIN_CSRF_COOKIE)
                token = _LOGIN_CSRF.search(await page.text())
            form = {
                "username": self.username,
                "password": password,
                "csrf_token": token.group(1) if token else "",
                "next": "/rep",
            }
            async with self.http.post(
                self._url("/login"),
                data=form,
                headers={
                    "Cookie": f"{LOGIN_CSRF_COOKIE}={pre_session.value if pre_session else ''}"
                },
                allow_redirects=False,
            ) as answer:
                if answer.status in (429, 503) and "Retry-After" in answer.headers:
                    raise ServiceBusy(
                        f"sign-in busy (HTTP {answer.status})",
                        float(answer.headers["Retry-After"]),
                    )
                session = answer.cookies.get(SESSION_COOKIE)
                if answer.status != 302 or session is None:
                    raise SimRepsError(
                        f"{self.username} could not sign in (HTTP {answer.status}):"
                        " wrong user name or password?"
                    )
            self._cookie = f"{SESSION_COOKIE}={session.value}"
            async with self.http.get(
                self._url("/rep"), headers=self._headers(), allow_redirects=False
            ) as console:
                found = _CONSOLE_CSRF.search(await console.text())
                if console.status != 200 or found is None:
                    raise SimRepsError(
                        f"{self.username} has no rep console (HTTP {console.status}):"
                        " is the user a telesales rep?"
                    )
            self._csrf = found.group(1)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ServiceAway(
                f"{self.base_url} did not answer: {exc or type(exc).__name__}"
            ) from None

    def _headers(self, *, unsafe: bool = False) -> dict[str, str]:
        headers = {"Cookie": self._cookie}
        if unsafe:
            headers["X-CSRF-Token"] = self._csrf
        return headers

    async def call(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """One API request: its status and JSON answer; ServiceAway on 5xx or no answer."""
        try:
            async with self.http.request(
                method,
                self._url(path),
                json=body,
                headers=self._headers(unsafe=method != "GET"),
                allow_redirects=False,
            ) as answer:
                text = await answer.text()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ServiceAway(f"{method} {path}: {exc or type(exc).__name__}") from None
        if answer.status >= 500:
            raise ServiceAway(f"{method} {path}: HTTP {answer.status}")
        try:
            payload = json.loads(text) if text else {}
        except ValueError:
            payload = {"detail": text[:200]}
        return answer.status, payload if isinstance(payload, dict) else {}

    async def session(self) -> dict[str, Any]:
        status, view = await self.call("GET", "/api/v1/console/session")
        if status != 200:
            raise ServiceAway(f"GET session: HTTP {status} {view.get('title', '')}")
        return view

    async def listen(self, wake: asyncio.Event, tally: Tally) -> None:
        """The console's WebSocket: every push wakes the rep (reconnects until cancelled)."""
        while True:
            try:
                async with self.http.ws_connect(
                    self._url("/console/ws"), headers=self._headers(), heartbeat=15
                ) as ws:
                    async for message in ws:
                        if message.type != aiohttp.WSMsgType.TEXT:
                            continue
                        event = json.loads(message.data)
                        if event.get("kind") == "call_connected":
                            tally.calls.add(int(event["pop"]["call_attempt_id"]))
                        wake.set()
            except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
                log.info("sim_rep_console_dropped", username=self.username, reason=repr(exc))
            await asyncio.sleep(1.0)


def _service_time(view: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(view["now"]))


class SimulatedRep:
    """One simulated rep working the campaign through its console."""

    def __init__(self, console: RepConsole, plan: SimRepsPlan, tally: Tally) -> None:
        self.console = console
        self.plan = plan
        self.tally = tally
        self.wake = asyncio.Event()
        self._rng = random.Random(f"sim-reps:{plan.seed}:{console.username}")
        self._wrap_due: dict[int, float] = {}
        self._listener: asyncio.Task[None] | None = None

    @property
    def username(self) -> str:
        return self.console.username

    async def start(self) -> None:
        await self.sign_in()
        self._listener = asyncio.create_task(self.console.listen(self.wake, self.tally))
        await self._log_in()

    async def sign_in(self) -> None:
        if self.plan.sign_in_ramp_seconds > 0:
            await asyncio.sleep(self._rng.uniform(0, self.plan.sign_in_ramp_seconds))
        attempt = busy = 0
        while True:
            try:
                await self.console.sign_in(self.plan.password)
                break
            except ServiceBusy as exc:
                busy += 1
                self.tally.sign_in_busy += 1
                if busy >= SIGN_IN_BUSY_RETRIES:
                    raise SimRepsError(f"{self.username}: {exc}, {busy} times") from None
                await asyncio.sleep(busy_wait(exc.retry_after, self._rng))
            except ServiceAway as exc:
                # a busy service at a go-live (20 logins at once, each an argon2 verify) is
                # waited for; a wrong password or a missing console is not
                if attempt == SIGN_IN_ATTEMPTS - 1:
                    raise SimRepsError(str(exc)) from None
                log.warning("sim_rep_sign_in_retried", username=self.username, error=str(exc))
                await asyncio.sleep(sign_in_backoff(attempt))
                attempt += 1

    async def _log_in(self) -> None:
        status, view = await self.console.call(
            "POST", "/api/v1/console/session", {"campaign_id": self.plan.campaign_id}
        )
        if status not in (200, 201):
            raise SimRepsError(
                f"{self.username} could not log in to campaign {self.plan.campaign_id}"
                f" (HTTP {status}): {view.get('detail') or view.get('title', '')}"
            )
        await self._ready()

    async def _ready(self) -> None:
        status, view = await self.console.call("POST", "/api/v1/console/state", {"state": "ready"})
        if status != 200:
            log.info("sim_rep_not_ready", username=self.username, reason=view.get("detail"))

    async def work(self, stop: asyncio.Event) -> None:
        """Take calls until stop is set."""
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            self.wake.clear()
            try:
                await self.step()
            except ServiceAway as away:
                log.warning("sim_rep_service_away", username=self.username, reason=str(away))
            timeout = self.plan.poll_seconds
            if self._wrap_due:
                timeout = max(0.05, min(timeout, min(self._wrap_due.values()) - loop.time()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(_first(stop, self.wake), timeout)

    async def step(self) -> None:
        view = await self.console.session()
        session = view["session"]
        if session is None:  # logged out by someone else: back to work
            await self._log_in()
            return
        state, call_id = session["state"], session["call_attempt_id"]
        if call_id is not None and state in (RepState.ON_CALL.value, RepState.WRAP_UP.value):
            self.tally.calls.add(call_id)
        if state == RepState.WRAP_UP.value:
            if call_id is not None and not session["call_disposed"]:
                due = self._wrap_due.setdefault(call_id, self._draw_wrap_up())
                if asyncio.get_running_loop().time() < due:
                    return
                del self._wrap_due[call_id]
                await self.dispose(call_id, _service_time(view))
            await self._ready()
        elif state == RepState.PAUSED.value:
            await self._ready()

    def _draw_wrap_up(self) -> float:
        seconds = self.plan.wrap_seconds.sample(self._rng) / self.plan.speed
        return asyncio.get_running_loop().time() + seconds

    async def dispose(self, call_id: int, now: datetime) -> None:
        """An outcome drawn from DEFAULT_OUTCOMES; one the service refuses (a callback
        time the gate does not accept, say) becomes NOT_INTERESTED, as the simulated reps do."""
        weights = self.plan.outcomes or DEFAULT_OUTCOMES
        code = self._rng.choices(list(weights), list(weights.values()))[0]
        body: dict[str, Any] = {
            "call_attempt_id": call_id,
            "code": code,
            "idempotency_key": f"sim-reps-{call_id}",
            "note": "simulated rep (sim-reps)",
        }
        if code == "WARM":
            body["interest"] = self._rng.choice(INTERESTS)
        if code == "CALLBACK":
            # the simulated reps' choice: tomorrow 10:30, the customer's wall time
            callback = (now + timedelta(days=1)).replace(hour=10, minute=30, microsecond=0)
            body["callback_local"] = callback.replace(tzinfo=None).isoformat()
        status, answer = await self.console.call("POST", "/api/v1/console/dispositions", body)
        if status in (400, 409, 422) and code != _FALLBACK_CODE:
            log.info("sim_rep_disposition_refused", code=code, reason=answer.get("detail"))
            code = _FALLBACK_CODE
            fallback = {
                "call_attempt_id": call_id,
                "code": code,
                "idempotency_key": f"sim-reps-{call_id}-fallback",
                "note": "simulated rep (sim-reps)",
            }
            status, answer = await self.console.call(
                "POST", "/api/v1/console/dispositions", fallback
            )
        if status in (200, 201):
            self.tally.dispositions[code] += 1
            log.info("sim_rep_disposed", username=self.username, call_attempt_id=call_id, code=code)
        else:
            log.warning(
                "sim_rep_disposition_failed",
                username=self.username,
                call_attempt_id=call_id,
                status=status,
                reason=answer.get("detail"),
            )

    async def finish(self) -> bool:
        """Record any open outcome and log out; True once logged out. A rep on a call
        waits for it to end (up to the drain time), then records the outcome on the call."""
        loop = asyncio.get_running_loop()
        drain_until = loop.time() + self.plan.drain_seconds
        give_up = drain_until + max(10.0, 20 * self.plan.poll_seconds)
        try:
            while self.console.signed_in and loop.time() < give_up:
                try:
                    if await self._finish_step(loop.time() >= drain_until):
                        return True
                except ServiceAway as away:
                    log.warning("sim_rep_service_away", username=self.username, reason=str(away))
                await asyncio.sleep(self.plan.poll_seconds)
            return not self.console.signed_in
        finally:
            if self._listener is not None:
                self._listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._listener

    async def _finish_step(self, drained: bool) -> bool:
        view = await self.console.session()
        session = view["session"]
        if session is None:
            return True
        state, call_id = session["state"], session["call_attempt_id"]
        open_call = call_id is not None and not session["call_disposed"]
        if call_id is not None and state in (RepState.ON_CALL.value, RepState.WRAP_UP.value):
            self.tally.calls.add(call_id)
        if open_call and (
            state == RepState.WRAP_UP.value or (state == RepState.ON_CALL.value and drained)
        ):
            await self.dispose(call_id, _service_time(view))
            return False
        if state in (RepState.READY.value, RepState.PAUSED.value, RepState.WRAP_UP.value):
            status, answer = await self.console.call("POST", "/api/v1/console/logout")
            if status == 200:
                log.info("sim_rep_logged_out", username=self.username)
                return True
            log.info("sim_rep_logout_refused", username=self.username, reason=answer.get("detail"))
        return False  # reserved or on a call: wait for it


async def _first(*events: asyncio.Event) -> None:
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()


async def run_sim_reps(plan: SimRepsPlan, stop: asyncio.Event) -> Tally:
    """Sign the plan's reps in and let them take calls until stop is set; then every rep
    records its open outcome and logs out. SimRepsError if a rep cannot start (the reps
    already started are logged out first)."""
    if plan.poll_seconds < MIN_POLL_SECONDS:
        raise SimRepsError(f"poll at most every {MIN_POLL_SECONDS} s")
    tally = Tally(reps=len(plan.usernames))
    timeout = aiohttp.ClientTimeout(total=plan.request_timeout_seconds)
    async with contextlib.AsyncExitStack() as stack:
        reps = []
        for username in plan.usernames:
            # one client session per rep: its own cookie, its own connections
            http = await stack.enter_async_context(
                aiohttp.ClientSession(timeout=timeout, cookie_jar=aiohttp.DummyCookieJar())
            )
            reps.append(SimulatedRep(RepConsole(http, plan.base_url, username), plan, tally))
        started = await asyncio.gather(*(rep.start() for rep in reps), return_exceptions=True)
        failed = [outcome for outcome in started if isinstance(outcome, BaseException)]
        if not failed:
            log.info("sim_reps_started", reps=len(reps), campaign_id=plan.campaign_id)
            await asyncio.gather(*(rep.work(stop) for rep in reps))
        finished = await asyncio.gather(*(rep.finish() for rep in reps))
        tally.left_logged_in = [
            rep.username for rep, out in zip(reps, finished, strict=True) if not out
        ]
        if failed:
            if isinstance(failed[0], (SimRepsError, ServiceAway)):
                raise SimRepsError(str(failed[0])) from None
            raise failed[0]
    log.info("sim_reps_stopped", calls=len(tally.calls), dispositions=dict(tally.dispositions))
    return tally
