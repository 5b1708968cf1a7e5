"""The provider's webhooks: answer (decide in one round trip), status and AMD callbacks.

Every request is checked against the provider's signature over the configured public
URL (what the provider saw, not what a proxy forwarded) before anything is read or
changed: a bad or missing signature gets 403 and has no effect.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import UTC, datetime
from typing import Any

import structlog
from aiohttp import web

from dialer.db import UNREACHABLE
from dialer.http import read_form
from dialer.telephony.callstate import Transition, Verdict
from dialer.telephony.decisions import (
    AnswerDecision,
    AnsweredCall,
    BridgeToRoom,
    CallDecisions,
    HangUpMachine,
    MachineAction,
    PlayAndHangUp,
)
from dialer.telephony.ledger import CallLedger
from dialer.telephony.provider import (
    AmdVerdict,
    CallEvent,
    CallNotLive,
    TelephonyError,
    TelephonyProvider,
)
from dialer.telephony.spool import CallbackSpool, SpooledCallback, SpoolFull

log = structlog.get_logger(__name__)


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class TelephonyWebhooks:
    """aiohttp handlers for one provider, mounted under `/telephony/<provider>/` by
    `dialer/engine/routes.py` (or by `add_routes`, in tests)."""

    def __init__(
        self,
        provider: TelephonyProvider,
        public_base_url: str,
        ledger: CallLedger,
        decisions: CallDecisions,
        *,
        wall_clock: Callable[[], datetime] = _wall_clock,
        spool: CallbackSpool | None = None,
        unreachable_answer: AnswerDecision | None = None,
        on_bridged: Callable[[AnsweredCall], Awaitable[None]] | None = None,
    ) -> None:
        self._provider = provider
        # what happens once a callee is bridged to a rep (the recorder starts recording)
        self._on_bridged = on_bridged
        # signed callbacks that find the database away are kept here and applied later
        self.spool = spool
        # what a callee hears when the database is away at the answer: the firm's message
        self._unreachable_answer = unreachable_answer or PlayAndHangUp(
            "We are sorry we could not connect your call. Please call us back."
        )
        self._public_base_url = public_base_url.rstrip("/")
        self._ledger = ledger
        self._decisions = decisions
        self._wall_clock = wall_clock
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def provider(self) -> TelephonyProvider:
        return self._provider

    @property
    def prefix(self) -> str:
        return f"/telephony/{self._provider.name}"

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(f"{self.prefix}/answer", self.answer)
        app.router.add_post(f"{self.prefix}/status", self.status)
        app.router.add_post(f"{self.prefix}/amd", self.amd)

    async def drain(self) -> None:
        """Wait for the redirects started by AMD callbacks (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def verified(self, request: web.Request) -> Mapping[str, str]:
        """The request's parameters once its signature checked out; 403 otherwise."""
        return await self._verified(request)

    async def _verified(self, request: web.Request) -> Mapping[str, str]:
        if request.content_type == "application/json":
            params: Mapping[str, Any] = await _json_params(request)
        else:
            params = await read_form(request)
        url = self._public_base_url + request.path_qs
        body = await request.read()  # kept by post() or _json_params: not read twice
        if not self._provider.verify_webhook(url, params, request.headers, body=body):
            log.warning(
                "webhook_signature_refused", path=request.path, provider=self._provider.name
            )
            raise web.HTTPForbidden(text="webhook signature missing or invalid\n")
        return {key: str(value) for key, value in params.items()}

    def _answered_call(self, request: web.Request, params: Mapping[str, str]) -> AnsweredCall:
        return self._provider.answered_call(params, attempt_ref=request.query.get("attempt"))

    async def answer(self, request: web.Request) -> web.Response:
        params = await self._verified(request)
        call = self._answered_call(request, params)
        if not call.call_id:
            raise web.HTTPBadRequest(text="call id missing\n")
        try:
            decision = await self._decisions.on_answer(call)
        except UNREACHABLE as exc:
            if self.spool is None:
                raise
            # no rep can be reserved without the database: the firm's message plays and
            # the call is counted abandoned when the spool is applied
            log.error("call_answer_database_unreachable", call=call.call_id, error=repr(exc))
            await self._keep(request, "answer", params)
            content_type, body = self._provider.render_answer(self._unreachable_answer)
            return web.Response(text=body, content_type=content_type)
        room = decision.room if isinstance(decision, BridgeToRoom) else None
        # Recorded after the reply: the callee must not wait on a database write.
        self._spawn(self._record_answer(call, room, self._wall_clock()))
        if room is not None and self._on_bridged is not None:
            self._spawn(self._bridged(call))
        content_type, body = self._provider.render_answer(decision)
        log.info("call_answer_decided", call=call.call_id, decision=type(decision).__name__)
        return web.Response(text=body, content_type=content_type)

    async def status(self, request: web.Request) -> web.Response:
        params = await self._verified(request)
        event = self._provider.parse_event(
            "status",
            params,
            request.headers,
            attempt_ref=request.query.get("attempt"),
            received_at=self._wall_clock(),
        )
        if event is None:
            return web.Response(status=204)
        try:
            await self.apply_status(event)
        except UNREACHABLE as exc:
            return await self._spooled(request, "status", params, exc)
        return web.Response(status=204)

    async def apply_status(self, event: CallEvent) -> None:
        """Apply a status callback: the ledger, then the engine (also the spool's replay)."""
        try:
            transition = await self._ledger.apply(event)
        except TelephonyError as exc:
            log.warning("callback_not_applied", call=event.call_id, error=str(exc))
            return
        log.info(
            "call_event_applied",
            call=event.call_id,
            event_kind=event.kind.value,
            verdict=transition.verdict.value,
        )
        if transition.verdict in (Verdict.ADVANCED, Verdict.RECORDED):
            await self._decisions.on_event(event, transition)

    async def amd(self, request: web.Request) -> web.Response:
        params = await self._verified(request)
        event = self._provider.parse_event(
            "amd",
            params,
            request.headers,
            attempt_ref=request.query.get("attempt"),
            received_at=self._wall_clock(),
        )
        if event is None:
            return web.Response(status=204)
        try:
            transition = await self._apply_amd(event)
            if transition is None:
                return web.Response(status=204)
            machine = event.amd_verdict in (AmdVerdict.MACHINE, AmdVerdict.FAX)
            if transition.verdict is Verdict.RECORDED and machine:
                call = self._answered_call(request, params)
                action = await self._decisions.on_machine(
                    call, event.amd_verdict or AmdVerdict.MACHINE
                )
                self._spawn(self._end_machine_call(call.call_id, action))
        except UNREACHABLE as exc:
            return await self._spooled(request, "amd", params, exc)
        return web.Response(status=204)

    async def _apply_amd(self, event: CallEvent) -> Transition | None:
        """Apply an AMD verdict: the ledger, then the engine learns (also the replay)."""
        try:
            transition = await self._ledger.apply(event)
        except TelephonyError as exc:
            log.warning("callback_not_applied", call=event.call_id, error=str(exc))
            return None
        log.info(
            "call_amd_verdict",
            call=event.call_id,
            amd=str(event.amd_verdict),
            verdict=transition.verdict.value,
        )
        if transition.changed:
            # the engine learns how long screening took and how often it found a person
            await self._decisions.on_event(event, transition)
        return transition

    # -- the spool: callbacks that found the database away --------------------------

    async def _keep(self, request: web.Request, hook: str, params: Mapping[str, str]) -> None:
        assert self.spool is not None
        await self.spool.append(
            SpooledCallback(
                hook=hook,
                params=dict(params),
                headers={k: v for k, v in request.headers.items() if k.lower().startswith("i-")},
                attempt_ref=request.query.get("attempt"),
                received_at=self._wall_clock().isoformat(),
            )
        )

    async def _spooled(
        self, request: web.Request, hook: str, params: Mapping[str, str], exc: BaseException
    ) -> web.Response:
        """The database is away: keep the signed callback and acknowledge it, or, with no
        room in the spool, answer 503 so the carrier retries it."""
        if self.spool is None:
            raise exc
        try:
            await self._keep(request, hook, params)
        except SpoolFull:
            log.error("callback_refused_spool_full", hook=hook)
            return web.Response(status=503, text="database unavailable; retry\n")
        return web.Response(status=204)

    async def replay(self, record: SpooledCallback) -> None:
        """Apply one spooled callback as it would have been on arrival (no call is
        redirected: it is long over)."""
        received_at = datetime.fromisoformat(record.received_at)
        if record.hook == "answer":
            call = self._provider.answered_call(record.params, attempt_ref=record.attempt_ref)
            await self._ledger.record_answer(call.call_id, call.attempt_ref, None, received_at)
            return
        event = self._provider.parse_event(
            record.hook,
            record.params,
            record.headers,
            attempt_ref=record.attempt_ref,
            received_at=received_at,
        )
        if event is None:
            return
        if record.hook == "amd":
            await self._apply_amd(event)
        else:
            await self.apply_status(event)

    async def _record_answer(self, call: AnsweredCall, room: str | None, at: datetime) -> None:
        try:
            await self._ledger.record_answer(call.call_id, call.attempt_ref, room, at)
        except Exception as exc:  # the call goes on; only the bridged_at stamp is missing
            log.error("call_answer_not_recorded", call=call.call_id, error=repr(exc))

    async def _bridged(self, call: AnsweredCall) -> None:
        assert self._on_bridged is not None
        try:
            await self._on_bridged(call)
        except Exception as exc:  # the call goes on unrecorded; the log says why
            log.error("call_bridged_hook_failed", call=call.call_id, error=repr(exc))

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _end_machine_call(self, call_id: str, action: MachineAction) -> None:
        try:
            if isinstance(action, HangUpMachine):
                await self._provider.hang_up(call_id)
            else:
                await self._provider.play_message_and_hang_up(call_id, action.message)
            log.info("machine_call_redirected", call=call_id, action=type(action).__name__)
        except CallNotLive:
            log.info("machine_call_already_ended", call=call_id)
        except TelephonyError as exc:
            log.error("machine_call_redirect_failed", call=call_id, error=str(exc))


async def _json_params(request: web.Request) -> dict[str, str]:
    """A JSON object's top-level fields as strings (nested values as JSON text)."""
    try:
        payload = json.loads(await request.read())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise web.HTTPBadRequest(text="webhook body is not valid JSON\n") from exc
    if not isinstance(payload, dict):
        raise web.HTTPBadRequest(text="webhook body is not a JSON object\n")
    return {
        str(key): value if isinstance(value, str) else json.dumps(value)
        for key, value in payload.items()
    }
