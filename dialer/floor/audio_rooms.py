"""Whose room a rep's audio leg joins, and what a lost phone leg does to the rep's session.

The engine bridges every answered call into the rep's room (`rep-<user_id>`). A rep's own
leg reaches the rep-room webhook as a browser leg (the client identity `rep-<id>` of the
token the console minted) or a phone leg (`?rep=<id>` in the URL the console gave the
provider, signed with the rest). Whoever asks, a leg only ever joins its own rep's room:
the room comes from the caller's identity or the signed URL, never from a parameter the
caller chose. The console mints the tokens and rings the phones (`dialer.console.audio`);
the telephony webhooks decide here.
"""

from __future__ import annotations

import re
from datetime import datetime

import asyncpg
import structlog

from campaigns.agents import RepState
from dialer.floor import sessions
from dialer.sql import load_queries
from dialer.telephony.decisions import AnswerDecision, AnsweredCall, BridgeToRoom, PlayAndHangUp
from dialer.telephony.provider import EndReason

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.floor")
_CLIENT_IDENTITY = re.compile(r"^client:rep-([1-9][0-9]{0,17})$")
_REP_REF = re.compile(r"^[1-9][0-9]{0,17}$")
NOT_A_REP_MESSAGE = "This line is not set up for a telesales rep. Goodbye."
#: how a leg can end: the `EndReason` of the provider's completed event
LEG_ENDED_STATUSES = frozenset(reason.value for reason in EndReason)
#: why a ready rep was paused when their phone leg died
PHONE_LOST = "phone_lost"


def room_for(user_id: int) -> str:
    """The rep's conference room (the same name the engine bridges calls into)."""
    return f"rep-{user_id}"


def rep_of_leg(from_identity: str, rep_ref: str | None) -> int | None:
    """Whose room a leg calling the rep-room webhook joins, or None.

    A browser leg is `client:rep-<id>`, the identity in the token we minted; a phone leg
    carries `?rep=<id>` in the URL we gave the provider (signed with the rest). A leg
    that names two different reps is refused; any room parameter is ignored.
    """
    browser = _CLIENT_IDENTITY.match(from_identity)
    if from_identity.startswith("client:") and browser is None:
        return None
    named = int(rep_ref) if rep_ref is not None and _REP_REF.match(rep_ref) else None
    if rep_ref is not None and named is None:
        return None
    if browser is not None:
        own = int(browser.group(1))
        return own if named is None or named == own else None
    return named


async def rep_room_decision(
    pool: asyncpg.Pool, call: AnsweredCall, rep_ref: str | None, *, asked_room: str | None = None
) -> AnswerDecision:
    """Put a verified rep-room leg in its own rep's room, or say why not and hang up.
    `call.from_number` is the caller (a browser leg's client identity); `asked_room`, a
    room the caller asked for, is ignored."""
    from_identity = call.from_number
    user_id = rep_of_leg(from_identity, rep_ref)
    rep = await pool.fetchrow(QUERIES["active_rep"], user_id) if user_id is not None else None
    if rep is None:
        log.warning(
            "rep_room_refused",
            call=call.call_id,
            caller=from_identity if from_identity.startswith("client:") else "phone",
            rep=rep_ref,
        )
        return PlayAndHangUp(NOT_A_REP_MESSAGE)
    room = room_for(int(rep["user_id"]))
    if asked_room is not None and asked_room != room:
        log.warning("rep_room_param_ignored", user_id=rep["user_id"], asked=asked_room[:40])
    log.info("rep_leg_joined_room", user_id=rep["user_id"], call=call.call_id)
    return BridgeToRoom(room=room, rep=room)


async def phone_leg_ended(
    pool: asyncpg.Pool, user_id: int, call_id: str, status: str, now: datetime
) -> bool:
    """The rep's phone leg ended (hung up, busy, unanswered, failed): forget it and, if the
    rep was ready, pause them ('phone_lost') so no call is bridged to a room nobody hears.

    A rep working a call keeps working it (the customer is on the line; the page shows the
    pop) and is paused instead of returned to ready when the wrap-up ends
    (`dialer.console.disconnects.sweep_wrap_ups`). Going ready again rings the phone
    again. A leg that is no longer the session's (logged out, replaced) changes nothing.
    True if it was."""
    if status not in LEG_ENDED_STATUSES:
        return False
    async with pool.acquire() as connection, connection.transaction():
        row = await connection.fetchrow(QUERIES["phone_leg_gone"], user_id, call_id)
        if row is None:
            return False
        if row["state"] == RepState.READY.value:
            await sessions.set_agent_state(
                connection, user_id, RepState.PAUSED, now, pause_code=PHONE_LOST
            )
    log.warning(
        "rep_phone_leg_lost", user_id=user_id, call=call_id, status=status, state=row["state"]
    )
    return True
