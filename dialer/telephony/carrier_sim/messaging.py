"""The simulated carrier's messaging, as Twilio's Messages API: an SMS sent to a simulated
customer (POST Messages.json) may be answered, after a while, by a signed inbound-SMS
webhook to the service (`inbound_sms_url`: a Twilio number's messaging URL). Who answers
and how comes from the population's SMS model, drawn per number from the seed: most
people answer a satisfaction survey with a rating 1..5 (mostly 4s and 5s), a few say STOP,
the rest never answer."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from dialer.telephony.carrier_sim.models import API_VERSION, E164
from dialer.telephony.carrier_sim.recordings import CallRecorder

SMS_ANSWER_SHARE = 0.7
SMS_STOP_SHARE = 0.04
SMS_RATING_WEIGHTS = (0.04, 0.06, 0.15, 0.35, 0.40)  # 1..5
SMS_REPLY_SECONDS = 20.0


@dataclass(slots=True)
class SimMessage:
    sid: str
    to: str
    from_: str
    body: str
    reply: str | None = None
    replied: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class Messaging(CallRecorder):
    """SMS out, and the simulated customers' replies back."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.messages: dict[str, SimMessage] = {}
        self.inbound_sms_url: str | None = None

    def messaging_routes(self, app: web.Application) -> None:
        base = f"/{API_VERSION}/Accounts/{{account}}"
        app.router.add_post(f"{base}/Messages.json", self.create_message)
        app.router.add_get("/sim/messages", self.sim_messages)

    def sms_reply_of(self, number: str) -> str | None:
        """What the person at `number` answers a survey with (None: no answer)."""
        rng = random.Random(f"sms:{self.population.seed}:{number}")
        draw = rng.random()
        if draw < SMS_STOP_SHARE:
            return "STOP"
        if draw >= SMS_STOP_SHARE + SMS_ANSWER_SHARE:
            return None
        return str(rng.choices(range(1, 6), weights=SMS_RATING_WEIGHTS)[0])

    async def create_message(self, request: web.Request) -> web.Response:
        form = await request.post()
        to, from_ = str(form.get("To", "")), str(form.get("From", ""))
        if not E164.match(to):
            return self._error(400, 21211, f"Invalid 'To' Phone Number: {to[:3]}...")
        if not E164.match(from_):
            return self._error(400, 21212, "Invalid 'From' Phone Number")
        message = SimMessage(
            sid="SM" + secrets.token_hex(16), to=to, from_=from_, body=str(form.get("Body", ""))
        )
        message.reply = self.sms_reply_of(to)
        self.messages[message.sid] = message
        if message.reply is not None and self.inbound_sms_url:
            self._spawn(self._reply(message))
        return web.json_response(
            {
                "sid": message.sid,
                "account_sid": self.account_sid,
                "to": to,
                "from": from_,
                "body": message.body,
                "status": "queued",
                "direction": "outbound-api",
                "api_version": API_VERSION,
                "num_segments": "1",
                "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{message.sid}.json",
            },
            status=201,
        )

    async def _reply(self, message: SimMessage) -> None:
        await self.sleep(SMS_REPLY_SECONDS)
        assert self.inbound_sms_url is not None and message.reply is not None
        params = {
            "AccountSid": self.account_sid,
            "MessageSid": "SM" + secrets.token_hex(16),
            "SmsSid": "",
            "From": message.to,
            "To": message.from_,
            "Body": message.reply,
            "NumMedia": "0",
            "ApiVersion": API_VERSION,
        }
        params["SmsSid"] = params["MessageSid"]
        await self._signed_post(self.inbound_sms_url, params, token=None)
        message.replied = True

    async def sim_messages(self, request: web.Request) -> web.Response:
        return web.json_response(
            [
                {"sid": m.sid, "to": m.to, "body": m.body, "reply": m.reply, "replied": m.replied}
                for m in self.messages.values()
            ]
        )
