"""How the simulated carrier calls the service back: signed status and AMD callbacks,
duplicated, reordered, delayed or lost by the fault plan, and retried under each URL's
connection overrides as Twilio retries them."""

from __future__ import annotations

import asyncio
import secrets
import time
from email.utils import format_datetime
from urllib.parse import urldefrag

import aiohttp
import structlog

from dialer.telephony import connection_overrides
from dialer.telephony.carrier_sim.core import SimulatorCore
from dialer.telephony.carrier_sim.models import (
    API_VERSION,
    CALLBACK_RETRY_SECONDS,
    SentCallback,
    SimCall,
    twilio_signature,
)

log = structlog.get_logger(__name__)


class CallbackSender(SimulatorCore):
    """Callbacks to the service, as Twilio sends them."""

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
