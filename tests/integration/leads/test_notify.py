"""Signed webhooks with retry and backoff against a local receiver, and e-mail over SMTP."""

from __future__ import annotations

import asyncio
import email
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from dialer.leads.notify import (
    EmailSettings,
    Notice,
    Notifier,
    WebhookSettings,
    deliver_webhook,
    send_email,
    signature,
    verify_signature,
)

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
SECRET = "test-shared-secret"
NOTICE = Notice(
    event="sla_escalated", lead_id=42, branch_id=7, at=NOW, recipients=(3,), detail={"due_at": "x"}
)


class Receiver:
    """A CRM stand-in: answers the scripted statuses, checks every signature."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.calls: list[dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.calls.append(
            {
                "valid": verify_signature(
                    SECRET,
                    request.headers["X-Dialer-Timestamp"],
                    request.headers["X-Dialer-Signature"],
                    body,
                    NOW + timedelta(minutes=1),
                ),
                "timestamp": int(request.headers["X-Dialer-Timestamp"]),
                "delivery": request.headers["X-Dialer-Delivery"],
                "payload": json.loads(body),
            }
        )
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status)


async def serve(receiver: Receiver) -> TestServer:
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    server = TestServer(app)
    await server.start_server()
    return server


def settings(url: str, attempts: int = 5) -> WebhookSettings:
    return WebhookSettings.model_validate({"url": url, "secret": SECRET, "attempts": attempts})


async def no_sleep(delays: list[float], delay: float) -> None:
    delays.append(delay)


async def test_a_webhook_is_signed_and_retried_with_backoff_until_accepted() -> None:
    receiver = Receiver([503, 429, 200])
    server = await serve(receiver)
    slept: list[float] = []
    try:
        async with aiohttp.ClientSession() as session:
            result = await deliver_webhook(
                session,
                settings(str(server.make_url("/hook"))),
                NOTICE,
                NOW,
                lambda d: no_sleep(slept, d),
            )
    finally:
        await server.close()
    assert (result.delivered, result.attempts, result.last_status) == (True, 3, 200)
    assert result.delays == slept == [1.0, 2.0]
    assert all(call["valid"] for call in receiver.calls)
    assert {call["delivery"] for call in receiver.calls} == {"sla_escalated-42"}
    # The timestamp moves on with the backoff, without reading a clock.
    assert [call["timestamp"] for call in receiver.calls] == [
        int(NOW.timestamp()),
        int(NOW.timestamp()) + 1,
        int(NOW.timestamp()) + 3,
    ]
    assert receiver.calls[0]["payload"]["lead_id"] == 42


async def test_a_refusal_is_not_retried_and_an_unreachable_receiver_is_retried_to_the_limit() -> (
    None
):
    receiver = Receiver([400])
    server = await serve(receiver)
    slept: list[float] = []
    try:
        async with aiohttp.ClientSession() as session:
            refused = await deliver_webhook(
                session,
                settings(str(server.make_url("/hook"))),
                NOTICE,
                NOW,
                lambda d: no_sleep(slept, d),
            )
            url = str(server.make_url("/hook"))
    finally:
        await server.close()
    assert (refused.delivered, refused.attempts, refused.error) == (False, 1, "refused with 400")
    capped = WebhookSettings.model_validate(
        {"url": url, "secret": SECRET, "attempts": 6, "max_delay_seconds": 5}
    )
    async with aiohttp.ClientSession() as session:
        gone = await deliver_webhook(session, capped, NOTICE, NOW, lambda d: no_sleep(slept, d))
    assert (gone.delivered, gone.attempts) == (False, 6)
    assert gone.delays == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert gone.error is not None and "ClientConnectorError" in gone.error


def test_signatures_reject_tampering_and_staleness() -> None:
    body = b'{"lead_id": 1}'
    stamp = int(NOW.timestamp())
    good = signature(SECRET, stamp, body)
    assert verify_signature(SECRET, str(stamp), good, body, NOW)
    assert not verify_signature(SECRET, str(stamp), good, b'{"lead_id": 2}', NOW)
    assert not verify_signature("other-secret", str(stamp), good, body, NOW)
    assert not verify_signature(SECRET, str(stamp), good, body, NOW + timedelta(minutes=6))
    assert not verify_signature(SECRET, "yesterday", good, body, NOW)


class SmtpReceiver:
    """Just enough SMTP to accept one message."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sender, recipients = "", []
        writer.write(b"220 test ready\r\n")
        while line := await reader.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                writer.write(b"250 test\r\n")
            elif verb == "MAIL":
                sender = command.split(":", 1)[1].strip(" <>")
                writer.write(b"250 ok\r\n")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                writer.write(b"250 ok\r\n")
            elif verb == "DATA":
                writer.write(b"354 go on\r\n")
                await writer.drain()
                data = await reader.readuntil(b"\r\n.\r\n")
                self.messages.append((sender, recipients, data[:-5]))
                writer.write(b"250 queued\r\n")
            elif verb == "QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()


async def test_notices_are_e_mailed_to_the_desk_and_the_branch() -> None:
    receiver = SmtpReceiver()
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    config = EmailSettings(
        host="127.0.0.1",
        port=port,
        sender="dialer@example.com",
        recipients=("leads@example.com",),
        branch_recipients={7: ("branch7@example.com",)},
    )
    try:
        sent = await send_email(config, NOTICE)
        await Notifier(email=config).notify(NOTICE.model_copy(update={"branch_id": 8}), NOW)
    finally:
        server.close()
        await server.wait_closed()
    assert sent == ["leads@example.com", "branch7@example.com"]
    sender, recipients, data = receiver.messages[0]
    assert (sender, recipients) == (
        "dialer@example.com",
        ["leads@example.com", "branch7@example.com"],
    )
    message = email.message_from_bytes(data)
    assert message["Subject"] == "[lead 42] sla escalated"
    assert "Lead 42: sla_escalated" in message.get_payload()
    assert receiver.messages[1][1] == ["leads@example.com"]
