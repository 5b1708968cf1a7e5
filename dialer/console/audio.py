"""How a rep hears the call: the audio leg joined to their conference room.

The engine bridges every answered call into the rep's room (`rep-<user_id>`); the rep
joins that room in one of three ways, a setting per rep (`users.audio_leg`):

- browser: the console's Twilio Voice JavaScript SDK, with a short-lived access token
  minted here (identity `rep-<user_id>`, incoming calls allowed);
- phone: the service dials the rep's own phone and keeps that leg in the room;
- simulated: the carrier simulator plays both sides (demo, tests).

Minting needs a Twilio API key and a TwiML app (settings twilio_api_key_sid,
twilio_api_key_secret, twilio_twiml_app_sid); without them the answer says so.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel

from dialer.console.customer_pop import mask_number

TOKEN_TTL = timedelta(minutes=15)


class AudioLeg(BaseModel):
    audio_leg: Literal["browser", "phone", "simulated"]
    room: str
    identity: str
    phone: str | None = None
    token: str | None = None
    token_expires_at: datetime | None = None
    detail: str = ""


def room_for(user_id: int) -> str:
    """The rep's conference room (the same name the engine bridges calls into)."""
    return f"rep-{user_id}"


def audio_leg_for(rep: Any, settings: Any, now: datetime) -> AudioLeg:
    """The rep's audio leg; `rep` has user_id, audio_leg and phone_e164."""
    user_id = int(rep["user_id"])
    leg = AudioLeg(
        audio_leg=rep["audio_leg"],
        room=room_for(user_id),
        identity=room_for(user_id),
    )
    if leg.audio_leg == "simulated":
        return leg.model_copy(update={"detail": "the carrier simulator joins the room for you"})
    if leg.audio_leg == "phone":
        phone = rep["phone_e164"]
        if not phone:
            return leg.model_copy(
                update={"detail": "no phone number on your profile: ask an admin to add one"}
            )
        return leg.model_copy(
            update={
                "phone": mask_number(phone),
                "detail": "the service calls your phone and keeps it in your room",
            }
        )
    account_sid = getattr(settings, "twilio_account_sid", None)
    key_sid = getattr(settings, "twilio_api_key_sid", None)
    key_secret = getattr(settings, "twilio_api_key_secret", None)
    app_sid = getattr(settings, "twilio_twiml_app_sid", None)
    if not (account_sid and key_sid and key_secret):
        return leg.model_copy(
            update={
                "detail": "browser audio needs TWILIO_ACCOUNT_SID, DIALER_TWILIO_API_KEY_SID and "
                "DIALER_TWILIO_API_KEY_SECRET; until then use the phone or simulated leg"
            }
        )
    from twilio.jwt.access_token import AccessToken
    from twilio.jwt.access_token.grants import VoiceGrant

    token = AccessToken(
        account_sid,
        key_sid,
        key_secret,
        identity=leg.identity,
        # both ends from the app clock, not the library's reading of the wall clock
        nbf=int(now.timestamp()),
        valid_until=int((now + TOKEN_TTL).timestamp()),
    )
    token.add_grant(VoiceGrant(incoming_allow=True, outgoing_application_sid=app_sid))
    return leg.model_copy(
        update={
            "token": token.to_jwt(),
            "token_expires_at": now + TOKEN_TTL,
            "detail": "join with the Twilio Voice SDK: Device(token)",
        }
    )
