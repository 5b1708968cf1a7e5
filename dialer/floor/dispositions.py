"""Recording a call's outcome: exactly once, by the rep who took the call.

A disposition carries an idempotency key chosen by the client (one per call on the
console). The insert relies on the database: the key is UNIQUE and a call has at most one
disposition (`dispositions_one_per_call`), so a double press or a network retry with the
same key returns the disposition already recorded, and nothing else happens twice.

The code's flags decide what follows, in the same transaction:

- do_not_call: the number goes on the firm's DNC list at once (source 'firm');
- callback: the time (given in the customer's local time, or as an instant) must pass the
  compliance gate, else the whole disposition is refused with the gate's explanation; the
  callback is written and its number put back in the campaign's queue, due then and owned
  by the rep (the engine dials it first once due and routes it to them);
- warm_lead: needs what the customer is interested in, and is handed to the lead-handoff
  flow (`dialer.leads.handoff.hand_off`).

Recording while on the call ends the talk: the rep moves to wrap-up.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import structlog

from campaigns.agents import RepState
from compliance.reasons_zh import reason_zh
from compliance.rules import DEFAULT_GATE_RULES, GateRules
from dialer.compliance.opt_outs import add_opt_out
from dialer.floor import sessions
from dialer.floor.callback_gate import accepted, check_call
from dialer.floor.calls import (
    call_attempt,
    campaign_with_product,
    customer_account,
    disposition_of_call,
)
from dialer.floor.customers import customer_time_zone, mask_number
from dialer.floor.errors import (
    AlreadyDisposed,
    CallbackRefused,
    CallNotFound,
    DispositionRefused,
    NotYourCall,
)
from dialer.sql import load_queries

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.floor")
DISCONNECTED = "DISCONNECTED"


@dataclass(frozen=True)
class DispositionInput:
    call_attempt_id: int
    code: str
    idempotency_key: str
    note: str = ""
    callback_at: datetime | None = None  # an instant
    callback_local: datetime | None = None  # naive: wall time in the customer's zone
    interest: str = ""
    preferred_contact_at: datetime | None = None


@dataclass(frozen=True)
class RecordedDisposition:
    disposition_id: int
    call_attempt_id: int
    campaign_id: int
    account_id: int
    code: str
    note: str
    recorded_at: datetime
    replayed: bool
    callback_id: int | None = None
    callback_due_at: datetime | None = None
    customer_time_zone: str | None = None
    lead_id: int | None = None
    dnc_entry_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        due_local = None
        if self.callback_due_at is not None and self.customer_time_zone:
            due_local = self.callback_due_at.astimezone(ZoneInfo(self.customer_time_zone))
        return {
            "disposition_id": self.disposition_id,
            "call_attempt_id": self.call_attempt_id,
            "campaign_id": self.campaign_id,
            "account_id": self.account_id,
            "code": self.code,
            "note": self.note,
            "recorded_at": self.recorded_at,
            "replayed": self.replayed,
            "callback_id": self.callback_id,
            "callback_due_at": self.callback_due_at,
            "callback_due_local": due_local.strftime("%Y-%m-%d %H:%M") if due_local else None,
            "customer_time_zone": self.customer_time_zone,
            "lead_id": self.lead_id,
            "dnc_entry_id": self.dnc_entry_id,
        }


def _hand_off_hook() -> Any | None:
    """The lead-handoff flow, if that package is installed (it is written separately)."""
    try:
        module = importlib.import_module("dialer.leads.handoff")
    except ModuleNotFoundError:
        return None
    return module


async def _existing(
    connection: asyncpg.Connection, row: asyncpg.Record, zone: str | None
) -> RecordedDisposition:
    callback = await connection.fetchrow(QUERIES["callback_of_disposition"], row["disposition_id"])
    lead_id = await connection.fetchval(QUERIES["lead_of_disposition"], row["disposition_id"])
    return RecordedDisposition(
        disposition_id=row["disposition_id"],
        call_attempt_id=row["call_attempt_id"],
        campaign_id=row["campaign_id"],
        account_id=row["account_id"],
        code=row["code"],
        note=row["note"],
        recorded_at=row["recorded_at"],
        replayed=True,
        callback_id=callback["callback_id"] if callback else None,
        callback_due_at=callback["due_at"] if callback else None,
        customer_time_zone=zone,
        lead_id=lead_id,
    )


def callback_instant(entry: DispositionInput, zone: str) -> datetime | None:
    if entry.callback_at is not None:
        return entry.callback_at
    if entry.callback_local is not None:
        return entry.callback_local.replace(tzinfo=ZoneInfo(zone))
    return None


async def record_disposition(
    connection: asyncpg.Connection,
    user_id: int,
    entry: DispositionInput,
    now: datetime,
    *,
    system: bool = False,
    rules: GateRules = DEFAULT_GATE_RULES,
) -> RecordedDisposition:
    """Record `entry` for the rep `user_id` (see the module docstring).

    `system` marks the console's own DISCONNECTED wrap-up, which may use a code the
    campaign's buttons do not show. `rules` are the service's rule book and firm policy
    (the app's `GATE_RULES`), by which a callback time is checked.
    """
    call = await _call_of_rep(connection, user_id, entry.call_attempt_id)
    account = await customer_account(connection, call["account_id"])
    zone = customer_time_zone(call["e164"], account["address_time_zone"])
    replay = await connection.fetchrow(QUERIES["disposition_by_key"], entry.idempotency_key)
    if replay is not None:
        if replay["call_attempt_id"] != entry.call_attempt_id:
            raise DispositionRefused(
                "this idempotency key was already used for another call; send a new key"
            )
        return await _existing(connection, replay, zone)

    code = await _code_allowed(connection, call["campaign_id"], entry.code, system=system)
    due_at = campaign = None
    if code["callback"]:
        due_at = callback_instant(entry, zone)
        campaign = await _callback_allowed(connection, call, user_id, due_at, zone, now, rules)
    if code["warm_lead"] and not entry.interest.strip():
        raise DispositionRefused("a warm lead needs what the customer is interested in")

    async with connection.transaction():
        row = await connection.fetchrow(
            QUERIES["insert_disposition"],
            entry.call_attempt_id,
            call["campaign_id"],
            call["account_id"],
            entry.code,
            user_id,
            entry.note,
            entry.idempotency_key,
            now,
        )
        if row is None:
            # a concurrent twin won the race, or the call already has another outcome
            return await _recorded_before(connection, entry, zone)
        disposition_id = row["disposition_id"]
        callback_id = dnc_entry_id = lead_id = None
        if code["callback"] and due_at is not None:
            callback_id = await _schedule_callback(
                connection, call, campaign, user_id, due_at, disposition_id, entry.note, now
            )
        if code["do_not_call"]:
            dnc_entry_id = await _block_number(connection, call, user_id, now)
        if code["warm_lead"]:
            lead_id = await _hand_off(connection, call, user_id, disposition_id, entry, now)
        await _end_talk(connection, user_id, entry.call_attempt_id, now)
    log.info(
        "disposition_recorded",
        call_attempt_id=entry.call_attempt_id,
        campaign_id=call["campaign_id"],
        agent=user_id,
        code=entry.code,
        callback_id=callback_id,
        lead_id=lead_id,
        dnc=dnc_entry_id is not None,
    )
    return RecordedDisposition(
        disposition_id=disposition_id,
        call_attempt_id=entry.call_attempt_id,
        campaign_id=call["campaign_id"],
        account_id=call["account_id"],
        code=entry.code,
        note=entry.note,
        recorded_at=row["recorded_at"],
        replayed=False,
        callback_id=callback_id,
        callback_due_at=due_at if callback_id else None,
        customer_time_zone=zone,
        lead_id=lead_id,
        dnc_entry_id=dnc_entry_id,
    )


# -- the checks, before anything is written ---------------------------------------------------


async def _call_of_rep(
    connection: asyncpg.Connection, user_id: int, call_attempt_id: int
) -> asyncpg.Record:
    """The call, if it was connected to this rep: only that rep records its outcome."""
    call = await call_attempt(connection, call_attempt_id)
    if call is None:
        raise CallNotFound(f"there is no call {call_attempt_id}")
    if call["agent_user_id"] != user_id:
        raise NotYourCall(
            f"call {call_attempt_id} was connected to another rep; "
            "only that rep may record its outcome"
        )
    return call


async def _code_allowed(
    connection: asyncpg.Connection, campaign_id: int, code: str, *, system: bool
) -> asyncpg.Record:
    """The campaign's disposition code with its flags (callback, do_not_call, warm_lead)."""
    row: asyncpg.Record | None = await connection.fetchrow(
        QUERIES["code_of_campaign"], campaign_id, code
    )
    if row is None:
        raise DispositionRefused(
            f"{code!r} is not a disposition code of this campaign; use one of its buttons"
        )
    if code == DISCONNECTED and not system:
        raise DispositionRefused("DISCONNECTED is recorded by the system when a console is lost")
    return row


async def _callback_allowed(
    connection: asyncpg.Connection,
    call: asyncpg.Record,
    user_id: int,
    due_at: datetime | None,
    zone: str,
    now: datetime,
    rules: GateRules,
) -> asyncpg.Record:
    """Refuse a callback time that is missing, past, or refused by the compliance gate;
    return the campaign (its callback routing decides who owns the callback)."""
    if due_at is None:
        raise DispositionRefused(
            "a callback needs callback_local (the customer's local date and time) or callback_at"
        )
    if due_at <= now:
        raise DispositionRefused("the callback time has passed: choose a time in the future")
    campaign = await campaign_with_product(connection, call["campaign_id"])
    decision = await check_call(
        connection,
        campaign=campaign,
        account_id=call["account_id"],
        e164=call["e164"],
        rep_user_id=user_id,
        at=due_at,
        rules=rules,
    )
    if not accepted(decision):
        local = f"{due_at.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M}"
        rule_ids = ", ".join(decision.rules)
        raise CallbackRefused(
            f"callback at {local} ({zone}) refused by the compliance gate: {decision.reason}",
            f"回呼时间 {local}（{zone}）未通过合规检查 [{rule_ids}]：{reason_zh(decision)}",
        )
    return campaign


async def _recorded_before(
    connection: asyncpg.Connection, entry: DispositionInput, zone: str
) -> RecordedDisposition:
    """The insert found a disposition already there: the same submission's (a replay that
    raced this one) is returned; another outcome of the call is refused."""
    same = await connection.fetchrow(QUERIES["disposition_by_key"], entry.idempotency_key)
    if same is not None and same["call_attempt_id"] == entry.call_attempt_id:
        return await _existing(connection, same, zone)
    other = await disposition_of_call(connection, entry.call_attempt_id)
    raise AlreadyDisposed(
        f"call {entry.call_attempt_id} already has the outcome "
        f"{other['code'] if other else '?'}; it is recorded once only"
    )


# -- what follows, in the disposition's transaction ---------------------------------------------


async def _block_number(
    connection: asyncpg.Connection, call: asyncpg.Record, user_id: int, now: datetime
) -> int:
    """Do not call: the same path as an opt-out from any channel (a new, renewed or widened
    firm entry blocking every call from now on, audited on each account with the number)."""
    opt_out = await add_opt_out(
        connection,
        call["e164"],
        "phone",
        now,
        call["account_id"],
        user_id,
        note=f"do-not-call disposition on call {call['call_attempt_id']}",
    )
    await connection.execute(
        QUERIES["audit"],
        now,
        user_id,
        "dnc_added",
        "account",
        call["account_id"],
        {
            "source": "firm",
            "call_attempt_id": call["call_attempt_id"],
            "number": mask_number(call["e164"]),
        },
    )
    dnc_entry_id: int = opt_out.dnc_entry_id
    return dnc_entry_id


async def _end_talk(
    connection: asyncpg.Connection, user_id: int, call_attempt_id: int, now: datetime
) -> None:
    """Recording while still on the call ends the talk: the rep moves to wrap-up."""
    session = await sessions.current_session(connection, user_id)
    if (
        session is not None
        and session["state"] == RepState.ON_CALL.value
        and session["current_call_attempt_id"] == call_attempt_id
    ):
        await sessions.set_agent_state(connection, user_id, RepState.WRAP_UP, now)


async def _schedule_callback(
    connection: asyncpg.Connection,
    call: asyncpg.Record,
    campaign: asyncpg.Record | None,
    user_id: int,
    due_at: datetime,
    disposition_id: int,
    note: str,
    now: datetime,
) -> int:
    """Write the callback and put its number back in the campaign's queue, due at `due_at`
    and owned by the rep (nobody's when the campaign routes callbacks to anyone), inside the
    disposition's transaction: a crash keeps both or neither."""
    owner = None if campaign is not None and campaign["callback_routing"] == "anyone" else user_id
    callback = await connection.fetchrow(
        QUERIES["insert_callback"],
        call["campaign_id"],
        call["account_id"],
        owner,
        due_at,
        disposition_id,
        note,
        now,
    )
    callback_id: int = callback["callback_id"]
    queued = await connection.fetchval(
        QUERIES["queue_callback"],
        call["campaign_id"],
        call["account_id"],
        call["e164"],
        callback_id,
        due_at,
        owner,
    )
    if queued is None:
        # the number left the campaign's queue for good since the call (retired, blocked)
        await connection.execute(
            QUERIES["callback_not_queued"],
            callback_id,
            "the number has left the campaign's queue (blocked or retired)",
        )
        log.warning(
            "callback_not_queued",
            callback_id=callback_id,
            campaign_id=call["campaign_id"],
            number=mask_number(call["e164"]),
        )
    return callback_id


async def _hand_off(
    connection: asyncpg.Connection,
    call: asyncpg.Record,
    user_id: int,
    disposition_id: int,
    entry: DispositionInput,
    now: datetime,
) -> int | None:
    handoff = _hand_off_hook()
    if handoff is None:
        return None
    campaign = await campaign_with_product(connection, call["campaign_id"])
    warm = handoff.WarmLead(
        account_id=call["account_id"],
        campaign_id=call["campaign_id"],
        rep_user_id=user_id,
        product_id=campaign["product_id"],
        call_attempt_id=entry.call_attempt_id,
        disposition_id=disposition_id,
        interest=entry.interest.strip(),
        preferred_contact_at=entry.preferred_contact_at,
        notes=entry.note,
    )
    result = await handoff.hand_off(connection, warm, now)
    lead_id: int = result.lead_id
    return lead_id
