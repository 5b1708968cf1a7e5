"""A rep's session on a campaign: log in, ready, pause with a code, log out.

Every change goes through `set_agent_state`, which validates it against the rep state
machine of `campaigns.agents` (the same table the pacing engine simulates), stores it in
`agent_state_changes` with the caller's `now`, and announces it to the rep's consoles
through PostgreSQL NOTIFY in the same transaction, so an event is sent only for a change
that was committed. The engine moves reps to reserved, on_call and wrap_up through the
same function.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import structlog

from campaigns.agents import _ALLOWED as ALLOWED_TRANSITIONS  # the pacing engine's table
from campaigns.agents import RepState
from dialer.events import PG_CHANNEL, agent_channel
from dialer.floor.calls import disposition_of_call
from dialer.floor.errors import (
    CampaignNotAvailable,
    IllegalStateChange,
    NotLoggedIn,
)
from dialer.sql import load_queries

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.floor")

# why a rep is not taking calls; 'login', 'disconnected' and 'phone_lost' (the phone
# audio leg ended) are set by the system
PAUSE_CODES: tuple[str, ...] = (
    "break",
    "lunch",
    "meeting",
    "training",
    "coaching",
    "admin",
    "login",
    "disconnected",
    "phone_lost",
)
REP_PAUSE_CODES: tuple[str, ...] = PAUSE_CODES[:6]
# states in which the rep works one call; the session remembers which
_CALL_STATES = frozenset({RepState.RESERVED, RepState.ON_CALL, RepState.WRAP_UP})


@dataclass(frozen=True)
class AgentSession:
    agent_session_id: int
    user_id: int
    campaign_id: int | None
    state: RepState
    pause_code: str | None
    state_since: datetime
    started_at: datetime
    call_attempt_id: int | None

    def as_event(self) -> dict[str, Any]:
        return {
            "kind": "state_changed",
            "user_id": self.user_id,
            "campaign_id": self.campaign_id,
            "state": self.state.value,
            "pause_code": self.pause_code,
            "state_since": self.state_since.isoformat(),
            "call_attempt_id": self.call_attempt_id,
        }


def can_move(from_state: RepState, to_state: RepState) -> bool:
    return to_state in ALLOWED_TRANSITIONS[from_state]


def _session(row: asyncpg.Record) -> AgentSession:
    return AgentSession(
        agent_session_id=row["agent_session_id"],
        user_id=row["user_id"],
        campaign_id=row["campaign_id"],
        state=RepState(row["state"]),
        pause_code=row["pause_code"],
        state_since=row["state_since"],
        started_at=row["started_at"],
        call_attempt_id=row["current_call_attempt_id"],
    )


async def _announce(connection: asyncpg.Connection, session: AgentSession) -> None:
    # delivered by every EventBus listening on PG_CHANNEL, after the commit only
    await connection.execute(
        "SELECT pg_notify($1, $2)",
        PG_CHANNEL,
        json.dumps({"channel": agent_channel(session.user_id), "event": session.as_event()}),
    )


async def _record(
    connection: asyncpg.Connection,
    session_id: int,
    now: datetime,
    from_state: RepState | None,
    to_state: RepState,
    pause_code: str | None,
    call_attempt_id: int | None,
) -> None:
    await connection.execute(
        QUERIES["insert_state_change"],
        session_id,
        now,
        from_state.value if from_state else None,
        to_state.value,
        pause_code,
        call_attempt_id,
    )


async def current_session(
    executor: asyncpg.Connection | asyncpg.Pool, user_id: int
) -> asyncpg.Record | None:
    """The rep's open session with its campaign's name, pacing mode and wrap-up maximum."""
    row: asyncpg.Record | None = await executor.fetchrow(QUERIES["open_session"], user_id)
    return row


async def lock_open_session(connection: asyncpg.Connection, user_id: int) -> asyncpg.Record | None:
    """The rep's open session, locked until the caller's transaction ends."""
    row: asyncpg.Record | None = await connection.fetchrow(
        QUERIES["open_session_for_update"], user_id
    )
    return row


async def connect_locked_session(
    connection: asyncpg.Connection,
    row: asyncpg.Record,
    call_attempt_id: int,
    now: datetime,
) -> AgentSession:
    """The rep whose open session `row` is locked in the caller's transaction takes the
    answered call: from ready through reserved to on_call (or from reserved, for the call
    a preview dial reserved them for), the attempt bridged to them, each change recorded
    and announced as `set_agent_state` would, in one round trip."""
    before = _session(row)
    path = [RepState.RESERVED, RepState.ON_CALL]
    if before.state is RepState.RESERVED:
        path = [RepState.ON_CALL]
    states = [before.state, *path]
    for from_state, to_state in itertools.pairwise(states):
        if not can_move(from_state, to_state):
            raise IllegalStateChange(f"cannot go from {from_state.value} to {to_state.value}")
    if now < before.state_since:
        raise IllegalStateChange(
            f"the change at {now.isoformat()} is earlier than the last one "
            f"({before.state_since.isoformat()}); check the clock"
        )
    moved = [
        dataclasses.replace(
            before, state=state, pause_code=None, state_since=now, call_attempt_id=call_attempt_id
        )
        for state in path
    ]
    await connection.execute(
        QUERIES["connect_session"],
        before.agent_session_id,
        call_attempt_id,
        now,
        [state.value for state in states[:-1]],
        [state.value for state in path],
        before.user_id,
        PG_CHANNEL,
        [
            json.dumps({"channel": agent_channel(before.user_id), "event": after.as_event()})
            for after in moved
        ],
    )
    for from_state, to_state in itertools.pairwise(states):
        log.info(
            "rep_state_changed",
            user_id=before.user_id,
            campaign_id=before.campaign_id,
            from_state=from_state.value,
            to_state=to_state.value,
            pause_code=None,
            call_attempt_id=call_attempt_id,
        )
    return moved[-1]


async def set_agent_state(
    connection: asyncpg.Connection,
    user_id: int,
    to_state: RepState | str,
    now: datetime,
    *,
    pause_code: str | None = None,
    call_attempt_id: int | None = None,
) -> AgentSession:
    """Move the rep's open session to `to_state` at `now`; refuse what the machine forbids.

    Going to reserved or on_call names the call (`call_attempt_id`); wrap_up keeps it;
    ready, paused and logged_out forget it. Logging out ends the session.
    """
    target = RepState(to_state)
    if target is RepState.PAUSED and not pause_code:
        raise IllegalStateChange("a pause needs a pause code (e.g. break, lunch, meeting)")
    if pause_code is not None and pause_code not in PAUSE_CODES:
        raise IllegalStateChange(
            f"unknown pause code {pause_code!r}: use one of {', '.join(REP_PAUSE_CODES)}"
        )
    async with connection.transaction():
        row = await lock_open_session(connection, user_id)
        if row is None:
            raise NotLoggedIn(f"user {user_id} is not logged in to a campaign: log in first")
        before = _session(row)
        if not can_move(before.state, target):
            raise IllegalStateChange(
                f"cannot go from {before.state.value} to {target.value}"
                + (" (record the call's outcome first)" if before.state in _CALL_STATES else "")
            )
        if now < before.state_since:
            raise IllegalStateChange(
                f"the change at {now.isoformat()} is earlier than the last one "
                f"({before.state_since.isoformat()}); check the clock"
            )
        if target in (RepState.RESERVED, RepState.ON_CALL):
            call = call_attempt_id or before.call_attempt_id
            if call is None:
                raise IllegalStateChange(f"going {target.value} needs the call_attempt_id")
        elif target is RepState.WRAP_UP:
            call = call_attempt_id or before.call_attempt_id
        else:
            call = None
        code = pause_code if target is RepState.PAUSED else None
        await connection.execute(
            QUERIES["update_session_state"], before.agent_session_id, target.value, code, now, call
        )
        await _record(
            connection,
            before.agent_session_id,
            now,
            before.state,
            target,
            code,
            call or before.call_attempt_id,
        )
        after = AgentSession(
            agent_session_id=before.agent_session_id,
            user_id=user_id,
            campaign_id=before.campaign_id,
            state=target,
            pause_code=code,
            state_since=now,
            started_at=before.started_at,
            call_attempt_id=call,
        )
        await _announce(connection, after)
    log.info(
        "rep_state_changed",
        user_id=user_id,
        campaign_id=before.campaign_id,
        from_state=before.state.value,
        to_state=target.value,
        pause_code=code,
        call_attempt_id=call,
    )
    return after


async def log_in(
    connection: asyncpg.Connection, user_id: int, campaign_id: int, now: datetime
) -> AgentSession:
    """Open a session on `campaign_id`, paused with code 'login' until the rep goes ready.

    Logging in to another campaign while ready or paused ends the current session first;
    while working a call it is refused.
    """
    async with connection.transaction():
        campaign = await connection.fetchrow(QUERIES["campaign_for_login"], campaign_id)
        if campaign is None or campaign["status"] == "finished":
            raise CampaignNotAvailable(
                f"campaign {campaign_id} does not exist or has finished: choose another one"
            )
        row = await lock_open_session(connection, user_id)
        if row is not None:
            existing = _session(row)
            if existing.campaign_id == campaign_id:
                return existing
            if existing.state in _CALL_STATES:
                raise IllegalStateChange(
                    "finish the current call before changing campaign "
                    f"(you are {existing.state.value})"
                )
            await set_agent_state(connection, user_id, RepState.LOGGED_OUT, now)
        session_id = await connection.fetchval(
            QUERIES["insert_session"], user_id, campaign_id, RepState.PAUSED.value, "login", now
        )
        await _record(
            connection, session_id, now, RepState.LOGGED_OUT, RepState.PAUSED, "login", None
        )
        session = AgentSession(
            agent_session_id=session_id,
            user_id=user_id,
            campaign_id=campaign_id,
            state=RepState.PAUSED,
            pause_code="login",
            state_since=now,
            started_at=now,
            call_attempt_id=None,
        )
        await _announce(connection, session)
    log.info("rep_logged_in", user_id=user_id, campaign_id=campaign_id)
    return session


async def _outcome_missing(connection: asyncpg.Connection, user_id: int) -> int | None:
    """The call the rep is wrapping up without an outcome recorded, if any."""
    row = await current_session(connection, user_id)
    if row is None:
        raise NotLoggedIn("you are not logged in to a campaign: log in first")
    call_id: int | None = row["current_call_attempt_id"]
    if row["state"] != RepState.WRAP_UP.value or call_id is None:
        return None
    recorded = await disposition_of_call(connection, call_id)
    return None if recorded is not None else call_id


async def go_ready(connection: asyncpg.Connection, user_id: int, now: datetime) -> AgentSession:
    """The rep is ready for the next call: from a pause, or after wrapping up a call
    whose outcome is recorded."""
    missing = await _outcome_missing(connection, user_id)
    if missing is not None:
        raise IllegalStateChange(f"record the outcome of call {missing} before going ready")
    return await set_agent_state(connection, user_id, RepState.READY, now)


async def log_out(connection: asyncpg.Connection, user_id: int, now: datetime) -> AgentSession:
    missing = await _outcome_missing(connection, user_id)
    if missing is not None:
        raise IllegalStateChange(f"record the outcome of call {missing} before logging out")
    return await set_agent_state(connection, user_id, RepState.LOGGED_OUT, now)
