"""A callback time is checked by the compliance gate before it is accepted.

The gate is asked, as of the callback instant, whether this rep may call this number for
this campaign then: the customer's calling windows in every time zone that applies, DNC,
consent, suitability, caps. Anything but ALLOW or REQUIRE refuses the callback with the
gate's own explanation. This module gathers the gate's facts from the database; the
decision itself is the pure `compliance.gate.decide`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import asyncpg

from compliance.gate import decide
from compliance.models import (
    Account,
    Attempt,
    Consent,
    ConsentPurpose,
    Decision,
    DialFacts,
    DialMode,
    DialRequest,
    DncEntry,
    DncList,
    Jurisdiction,
    LineType,
    Purpose,
    Verdict,
)
from dialer.sql import load_queries

QUERIES = load_queries("dialer.console")

_MODES = {
    "preview": DialMode.PREVIEW,
    "progressive": DialMode.PROGRESSIVE,
    "power": DialMode.POWER,
    "RATIO": DialMode.POWER,
}


def _midnight(day: date | None) -> datetime | None:
    return datetime.combine(day, time(0), tzinfo=UTC) if day else None


def dial_mode(pacing_mode: str) -> DialMode:
    return _MODES.get(pacing_mode, DialMode.PREDICTIVE)


async def gate_facts(
    connection: asyncpg.Connection | asyncpg.Pool,
    account_id: int,
    e164: str,
    rep_user_id: int | None,
) -> DialFacts:
    account = await connection.fetchrow(QUERIES["gate_account"], account_id)
    consents = await connection.fetch(QUERIES["gate_consents"], account_id)
    attempts = await connection.fetch(QUERIES["gate_attempts"], account_id)
    dnc = await connection.fetch(QUERIES["gate_dnc"], e164)
    line = await connection.fetchval(QUERIES["gate_phone_line_type"], account_id, e164)
    registrations: frozenset[str] | None = None
    if rep_user_id is not None:
        rep = await connection.fetchrow(QUERIES["rep_profile"], rep_user_id)
        registrations = frozenset(rep["registrations"] or ())
    try:
        line_type = LineType(line or "unknown")
    except ValueError:
        line_type = LineType.UNKNOWN
    return DialFacts(
        account=Account(
            account_id=str(account_id),
            region=account["region"],
            address_time_zone=account["address_time_zone"],
            line_type=line_type,
            risk_level=account["risk_tolerance"],
            risk_assessed_at=_midnight(account["risk_assessed_on"]),
            professional_investor=account["professional_investor"],
            existing_customer_since=_midnight(account["existing_customer_since"]),
            last_transaction_at=_midnight(account["last_transaction_on"]),
            consents=tuple(
                Consent(
                    purpose=ConsentPurpose(row["purpose"]),
                    granted_at=row["granted_at"],
                    revoked_at=row["revoked_at"],
                    record_id=row["consent_id"],
                )
                for row in consents
            ),
        ),
        attempts=tuple(
            Attempt(
                at=row["created_at"],
                subject=row["subject"],
                abandoned=row["abandoned"],
                number=row["e164"],
                campaign_id=str(row["campaign_id"]),
            )
            for row in attempts
        ),
        dnc=tuple(
            DncEntry(
                list=DncList(row["source"]),
                added_at=row["added_at"],
                expires_at=row["expires_at"],
                scope=row["scope"],
            )
            for row in dnc
        ),
        agent_registrations=registrations,
    )


async def check_call(
    connection: asyncpg.Connection | asyncpg.Pool,
    *,
    campaign: asyncpg.Record,
    account_id: int,
    e164: str,
    rep_user_id: int | None,
    at: datetime,
) -> Decision:
    """The gate's decision on calling `e164` for `campaign` at `at`.

    `campaign` needs jurisdiction, purpose, subject, pacing_mode, product_risk and
    required_registration (see the pop_campaign query).
    """
    facts = await gate_facts(connection, account_id, e164, rep_user_id)
    request = DialRequest(
        number=e164,
        profile=Jurisdiction(campaign["jurisdiction"]),
        purpose=Purpose(campaign["purpose"]),
        # a callback is the rep's own appointment: the rep is on the line when it is dialled
        dial_mode=DialMode.PREVIEW,
        subject=campaign["subject"],
        product_risk=campaign["product_risk"],
        required_registration=campaign["required_registration"],
        campaign_id=str(campaign["campaign_id"]),
    )
    return decide(request, facts, at)


def accepted(decision: Decision) -> bool:
    return decision.verdict in (Verdict.ALLOW, Verdict.REQUIRE)
