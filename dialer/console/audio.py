"""How a rep hears the call: the audio leg joined to their conference room.

The engine bridges every answered call into the rep's room (`rep-<user_id>`); the rep
joins that room in one of three ways, a setting per rep (`users.audio_leg`):

- browser: the console's Twilio Voice JavaScript SDK, with a short-lived access token
  minted here (identity `rep-<user_id>`, incoming calls allowed); the page connects to
  the TwiML app, whose Voice URL (the rep-room webhook) puts `client:rep-<id>` in room
  `rep-<id>`;
- phone: on log-in the service dials the rep's own phone (`join_phone_leg`); answered,
  the rep-room webhook (`?rep=<id>` in the signed URL) puts it in the room; logging out
  hangs it up (`drop_phone_leg`). The call's sid is kept on the agent session;
- simulated: the carrier simulator plays both sides (demo, tests).

Whoever asks, a leg only ever joins its own rep's room: the room comes from the caller's
identity (token) or the signed URL, never from a parameter the caller chose; the rep-room
webhook decides that in `dialer.floor.audio_rooms`, which also pauses a ready rep whose
phone leg ended.

Minting needs a Twilio API key and a TwiML app (settings twilio_api_key_sid,
twilio_api_key_secret, twilio_twiml_app_sid); without them the answer says so.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

import asyncpg
import structlog
from pydantic import BaseModel

from dialer.floor.audio_rooms import room_for
from dialer.floor.customers import mask_number
from dialer.sql import load_queries
from dialer.telephony.provider import TelephonyError

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.console")
TOKEN_TTL = timedelta(minutes=15)


class RepLegDialer(Protocol):
    """What the phone leg needs from telephony (the provider, or the service in front of
    it that also tells the carrier simulator which numbers are reps' phones)."""

    async def place_rep_leg(self, to_number: str, caller_id: str, rep_ref: str) -> str: ...

    async def hang_up(self, call_id: str) -> None: ...


class AudioLeg(BaseModel):
    audio_leg: Literal["browser", "phone", "simulated"]
    room: str
    identity: str
    phone: str | None = None
    token: str | None = None
    token_expires_at: datetime | None = None
    detail: str = ""


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
    if not (account_sid and key_sid and key_secret and app_sid):
        return leg.model_copy(
            update={
                "detail": "browser audio needs TWILIO_ACCOUNT_SID, DIALER_TWILIO_API_KEY_SID, "
                "DIALER_TWILIO_API_KEY_SECRET and DIALER_TWILIO_TWIML_APP_SID; until then "
                "use the phone or simulated leg"
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


# -- the phone leg --------------------------------------------------------------------------


def rep_leg_caller_id(settings: Any) -> str:
    """The number a rep's phone shows when the service calls it: the firm's first caller
    ID, else its callback number."""
    caller_ids = getattr(settings, "twilio_caller_ids", None) or []
    return str(caller_ids[0]) if caller_ids else str(settings.firm_callback_number)


async def join_phone_leg(
    pool: asyncpg.Pool, provider: RepLegDialer, caller_id: str, user_id: int
) -> str | None:
    """On log-in: ring the phone of a rep on the phone leg, once per session.

    Returns the leg's call id (None: not a phone rep, no number, or the call failed;
    a failure is logged and leaves the session as it is, the rep can log in again)."""
    row = await pool.fetchrow(QUERIES["phone_leg_of_session"], user_id)
    if row is None or row["audio_leg"] != "phone" or not row["phone_e164"]:
        return None
    if row["audio_call_id"] is not None:
        existing: str = row["audio_call_id"]
        return existing
    phone = str(row["phone_e164"])
    try:
        call_id = await provider.place_rep_leg(phone, caller_id, str(user_id))
    except TelephonyError as exc:
        log.warning("rep_phone_leg_failed", user_id=user_id, to=mask_number(phone), error=str(exc))
        return None
    kept = await pool.fetchval(QUERIES["keep_phone_leg"], row["agent_session_id"], call_id)
    if kept is None:
        # a second log-in placed its own leg first: one ring is enough
        await _hang_up(provider, call_id, user_id)
        current: str | None = await pool.fetchval(
            QUERIES["phone_leg_of_session_id"], row["agent_session_id"]
        )
        return current
    log.info("rep_phone_leg_placed", user_id=user_id, to=mask_number(phone), call=call_id)
    return call_id


async def carry_phone_leg(pool: asyncpg.Pool, from_session_id: int, to_session_id: int) -> None:
    """Changing campaign keeps the phone in the room (the room is the rep's, not the
    campaign's): the new session takes over the leg of the one it ended."""
    if from_session_id != to_session_id:
        await pool.execute(QUERIES["carry_phone_leg"], from_session_id, to_session_id)


async def drop_phone_leg(
    pool: asyncpg.Pool, provider: RepLegDialer, agent_session_id: int, user_id: int
) -> str | None:
    """On log-out: hang up the session's phone leg, if it has one. Returns its call id."""
    call_id: str | None = await pool.fetchval(QUERIES["take_phone_leg"], agent_session_id)
    if call_id is not None:
        await _hang_up(provider, call_id, user_id)
    return call_id


async def _hang_up(provider: RepLegDialer, call_id: str, user_id: int) -> None:
    try:
        await provider.hang_up(call_id)
        log.info("rep_phone_leg_hung_up", user_id=user_id, call=call_id)
    except TelephonyError as exc:
        log.warning("rep_phone_leg_not_hung_up", user_id=user_id, call=call_id, error=str(exc))
