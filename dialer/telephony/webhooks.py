"""The provider's webhooks: answer (decide in one round trip), status and AMD callbacks.

Every request is checked against the provider's signature over the configured public
URL (what the provider saw, not what a proxy forwarded) before anything is read or
changed: a bad or missing signature gets 403 and has no effect.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, datetime
from typing import Any

import structlog
from aiohttp import web

from dialer.telephony.callstate import Verdict
from dialer.telephony.decisions import (
    AnsweredCall,
    BridgeToRoom,
    CallDecisions,
    HangUpMachine,
    MachineAction,
)
from dialer.telephony.ledger import CallLedger
from dialer.telephony.provider import (
    AmdVerdict,
    CallNotLive,
    TelephonyError,
    TelephonyProvider,
)

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
    ) -> None:
        self._provider = provider
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
            params = await request.post()
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
        decision = await self._decisions.on_answer(call)
        room = decision.room if isinstance(decision, BridgeToRoom) else None
        # Recorded after the reply: the callee must not wait on a database write.
        self._spawn(self._record_answer(call, room, self._wall_clock()))
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
            transition = await self._ledger.apply(event)
        except TelephonyError as exc:
            log.warning("callback_not_applied", call=event.call_id, error=str(exc))
            return web.Response(status=204)
        log.info(
            "call_event_applied",
            call=event.call_id,
            event_kind=event.kind.value,
            verdict=transition.verdict.value,
        )
        if transition.verdict in (Verdict.ADVANCED, Verdict.RECORDED):
            await self._decisions.on_event(event, transition)
        return web.Response(status=204)

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
            transition = await self._ledger.apply(event)
        except TelephonyError as exc:
            log.warning("callback_not_applied", call=event.call_id, error=str(exc))
            return web.Response(status=204)
        log.info(
            "call_amd_verdict",
            call=event.call_id,
            amd=str(event.amd_verdict),
            verdict=transition.verdict.value,
        )
        if transition.changed:
            # the engine learns how long screening took and how often it found a person
            await self._decisions.on_event(event, transition)
        machine = event.amd_verdict in (AmdVerdict.MACHINE, AmdVerdict.FAX)
        if transition.verdict is Verdict.RECORDED and machine:
            call = self._answered_call(request, params)
            action = await self._decisions.on_machine(call, event.amd_verdict or AmdVerdict.MACHINE)
            self._spawn(self._end_machine_call(call.call_id, action))
        return web.Response(status=204)

    async def _record_answer(self, call: AnsweredCall, room: str | None, at: datetime) -> None:
        try:
            await self._ledger.record_answer(call.call_id, call.attempt_ref, room, at)
        except Exception as exc:  # the call goes on; only the bridged_at stamp is missing
            log.error("call_answer_not_recorded", call=call.call_id, error=repr(exc))

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
