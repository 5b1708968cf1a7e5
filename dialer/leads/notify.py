"""Telling people about a lead: signed webhooks to the firm's CRM and e-mail.

The branch inbox itself is the lead's timeline (``lead_events``); these channels are on top.

Webhooks are signed with HMAC-SHA256 over ``"{timestamp}.{body}"`` with the shared secret:
``X-Dialer-Timestamp`` (Unix seconds) and ``X-Dialer-Signature: sha256=<hex>``; the
receiver recomputes it and refuses stale timestamps (``verify_signature``). A delivery is
retried with exponential backoff on connection errors, timeouts, 429 and 5xx, and given up
on other 4xx (the receiver will not change its mind). ``X-Dialer-Delivery`` is the same on
every retry so the receiver can drop duplicates. The caller passes ``now`` and may pass
``sleep`` (tests pass one that only records the delays).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import smtplib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import aiohttp
import structlog
from pydantic import BaseModel, ConfigDict, Field, SecretStr

log = structlog.get_logger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class WebhookSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    url: str = Field(pattern=r"^https?://")
    secret: SecretStr
    attempts: int = Field(default=5, ge=1, le=20)
    first_delay_seconds: float = Field(default=1.0, gt=0)
    max_delay_seconds: float = Field(default=60.0, gt=0)
    timeout_seconds: float = Field(default=10.0, gt=0)


class EmailSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    host: str
    port: int = 25
    sender: str
    recipients: tuple[str, ...] = ()
    """Who gets every lead notice (e.g. the firm's lead desk)."""
    branch_recipients: dict[int, tuple[str, ...]] = Field(default_factory=dict)
    """Extra addresses per branch id (e.g. the branch's shared inbox)."""
    starttls: bool = False
    username: str | None = None
    password: SecretStr | None = None
    timeout_seconds: float = 10.0


class Notice(BaseModel):
    """Something about a lead that people should hear about."""

    model_config = ConfigDict(frozen=True)

    event: str
    lead_id: int
    branch_id: int | None
    at: datetime
    recipients: tuple[int, ...] = ()
    """User ids this is addressed to (the assignee, the branch manager, ...)."""
    detail: dict[str, Any] = Field(default_factory=dict)
    key: str | None = None
    """Tells apart notices of one event for one lead (a lead is assigned more than once)."""

    @property
    def delivery_id(self) -> str:
        if self.key is not None:
            return f"{self.event}-{self.lead_id}-{self.key}"
        return f"{self.event}-{self.lead_id}"

    def payload(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "lead_id": self.lead_id,
            "branch_id": self.branch_id,
            "at": self.at.isoformat(),
            "recipients": list(self.recipients),
            "detail": self.detail,
        }


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_signature(
    secret: str,
    timestamp_header: str,
    signature_header: str,
    body: bytes,
    now: datetime,
    tolerance: timedelta = timedelta(minutes=5),
) -> bool:
    """Whether a webhook is authentic and fresh (for receivers, and for our tests)."""
    try:
        timestamp = int(timestamp_header)
    except ValueError:
        return False
    if abs(now.timestamp() - timestamp) > tolerance.total_seconds():
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), signature_header)


@dataclass
class Delivery:
    delivered: bool
    attempts: int = 0
    last_status: int | None = None
    error: str | None = None
    delays: list[float] = field(default_factory=list)


async def deliver_webhook(
    session: aiohttp.ClientSession,
    settings: WebhookSettings,
    notice: Notice,
    now: datetime,
    sleep: Sleep = asyncio.sleep,
) -> Delivery:
    """POST the notice, signed, retrying with backoff (see the module docstring)."""
    body = json.dumps(notice.payload(), ensure_ascii=False, sort_keys=True).encode()
    secret = settings.secret.get_secret_value()
    result = Delivery(delivered=False)
    waited = 0.0
    for attempt in range(1, settings.attempts + 1):
        result.attempts = attempt
        # The timestamp moves on with the time spent waiting, so no clock is read here.
        timestamp = int(now.timestamp() + waited)
        headers = {
            "Content-Type": "application/json",
            "X-Dialer-Timestamp": str(timestamp),
            "X-Dialer-Signature": signature(secret, timestamp, body),
            "X-Dialer-Delivery": notice.delivery_id,
        }
        try:
            timeout = aiohttp.ClientTimeout(total=settings.timeout_seconds)
            async with session.post(
                settings.url, data=body, headers=headers, timeout=timeout
            ) as response:
                result.last_status = response.status
                result.error = None
                if response.status < 300:
                    result.delivered = True
                    break
                if response.status < 500 and response.status != 429:
                    result.error = f"refused with {response.status}"
                    break
                result.error = f"answered {response.status}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            result.error = f"{type(exc).__name__}: {exc}"
        if attempt < settings.attempts:
            delay = min(
                settings.first_delay_seconds * 2 ** (attempt - 1), settings.max_delay_seconds
            )
            result.delays.append(delay)
            waited += delay
            await sleep(delay)
    log.info(
        "lead_webhook_delivered" if result.delivered else "lead_webhook_failed",
        lead_id=notice.lead_id,
        notice=notice.event,
        attempts=result.attempts,
        status=result.last_status,
        error=result.error,
    )
    return result


def email_message(settings: EmailSettings, notice: Notice, to: Sequence[str]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = ", ".join(to)
    message["Subject"] = f"[lead {notice.lead_id}] {notice.event.replace('_', ' ')}"
    lines = [f"Lead {notice.lead_id}: {notice.event}", f"At: {notice.at.isoformat()}"]
    lines += [f"{key}: {value}" for key, value in sorted(notice.detail.items())]
    message.set_content("\n".join(lines) + "\n")
    return message


async def send_email(settings: EmailSettings, notice: Notice) -> list[str]:
    """Send the notice to the configured addresses; the addresses it went to."""
    to = [*settings.recipients, *settings.branch_recipients.get(notice.branch_id or -1, ())]
    if not to:
        return []
    message = email_message(settings, notice, to)

    def send() -> None:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.username and settings.password:
                smtp.login(settings.username, settings.password.get_secret_value())
            smtp.send_message(message)

    await asyncio.to_thread(send)
    log.info("lead_email_sent", lead_id=notice.lead_id, notice=notice.event, recipients=len(to))
    return to


class Notifier:
    """Sends notices on every configured channel; a failing channel never stops the others."""

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | None = None,
        webhook: WebhookSettings | None = None,
        email: EmailSettings | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.session = session
        self.webhook = webhook
        self.email = email
        self.sleep = sleep

    async def notify(self, notice: Notice, now: datetime) -> None:
        if self.webhook is not None and self.session is not None:
            await deliver_webhook(self.session, self.webhook, notice, now, self.sleep)
        if self.email is not None:
            try:
                await send_email(self.email, notice)
            except (OSError, smtplib.SMTPException) as exc:
                log.warning("lead_email_failed", lead_id=notice.lead_id, error=str(exc))
