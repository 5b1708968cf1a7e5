"""Opt-outs: a do-not-call request from any channel blocks every call to the number (firm
list, scope "all", no expiry) from that moment, and is written to the audit log for every
account that has the number."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import asyncpg
import structlog

from compliance.dnc_files import DncError, LineRejected, normalise_number
from dialer.logs import mask_phone
from dialer.sql import load_queries

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.compliance", "opt_outs.sql")


class OptOutChannel(StrEnum):
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    WEB = "web"
    APP = "app"
    WECHAT = "wechat"
    LETTER = "letter"
    BRANCH = "branch"
    OTHER = "other"


class InvalidOptOut(DncError):
    """The opt-out names a number or account that does not exist: correct it."""


@dataclass(frozen=True)
class OptOut:
    dnc_entry_id: int
    e164: str
    channel: str
    blocked_from: datetime
    audit_ids: tuple[int, ...]
    account_ids: tuple[int, ...]


def e164_of(raw: str, region: str) -> str:
    """`raw` (E.164, or national format in `region`) as E.164; raises InvalidOptOut."""
    try:
        return normalise_number(raw, region.upper())
    except LineRejected as rejected:
        raise InvalidOptOut(
            f"{raw!r} is {rejected.text}; give it as +<country><number>, or in "
            "national format with its region"
        ) from rejected


def _valid_request(e164: str, channel: str) -> tuple[str, OptOutChannel]:
    """The number in E.164 and the channel, or InvalidOptOut saying what to correct."""
    try:
        number = normalise_number(e164, "ZZ")
    except LineRejected as rejected:
        raise InvalidOptOut(
            f"{e164!r} is not a valid E.164 number ({rejected.text}); give it as +<country><number>"
        ) from rejected
    try:
        via = OptOutChannel(channel)
    except ValueError as exc:
        raise InvalidOptOut(
            f"unknown channel {channel!r}; use one of {', '.join(c.value for c in OptOutChannel)}"
        ) from exc
    return number, via


async def add_opt_out(
    connection: asyncpg.Connection,
    e164: str,
    channel: str,
    now: datetime,
    account_id: int | None = None,
    actor_user_id: int | None = None,
    *,
    note: str = "",
) -> OptOut:
    """Record a do-not-call request from any channel: every call to `e164` is blocked from
    `now` (firm list, scope all, no expiry), and the request is audited for each account
    that has the number."""
    number, via = _valid_request(e164, channel)
    try:
        async with connection.transaction():
            entry = await connection.fetchrow(
                QUERIES["add_opt_out"], number, via.value, now, account_id, note
            )
            detail = {
                "e164": number,
                "channel": via.value,
                "dnc_entry_id": entry["dnc_entry_id"],
                "blocked_from": entry["added_at"].isoformat(),
                "scope": "all",
                "note": note,
            }
            audited = await connection.fetch(
                QUERIES["audit_opt_out"],
                now,
                actor_user_id,
                json.dumps(detail, ensure_ascii=False),
                number,
                account_id,
                entry["dnc_entry_id"],
            )
    except asyncpg.ForeignKeyViolationError as exc:
        raise InvalidOptOut(
            f"account {account_id} does not exist; give an existing account id or none"
        ) from exc
    accounts = tuple(sorted(r["subject_id"] for r in audited if r["subject_type"] == "account"))
    log.info(
        "dnc_opt_out_added",
        number=mask_phone(number),
        channel=via.value,
        dnc_entry_id=entry["dnc_entry_id"],
        accounts=len(accounts),
    )
    return OptOut(
        dnc_entry_id=entry["dnc_entry_id"],
        e164=number,
        channel=via.value,
        blocked_from=entry["added_at"],
        audit_ids=tuple(sorted(r["audit_id"] for r in audited)),
        account_ids=accounts,
    )
