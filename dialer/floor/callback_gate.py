"""A callback time is checked by the compliance gate before it is accepted.

The gate is asked, as of the callback instant, whether this rep may call this number for
this campaign then: the customer's calling windows in every time zone that applies, DNC,
consent, suitability, caps. Anything but ALLOW or REQUIRE refuses the callback with the
gate's own explanation. This module loads the rows; `compliance.records` turns them into
the gate's inputs and `compliance.gate.decide` (pure) decides.
"""

from __future__ import annotations

import json
from datetime import datetime

import asyncpg

from compliance.gate import decide
from compliance.models import Decision, DialFacts, DialMode, Verdict
from compliance.records import dial_facts, dial_request
from compliance.rules import GateRules, campaign_hours
from dialer.floor.calls import rep_profile
from dialer.sql import load_queries

QUERIES = load_queries("dialer.floor")


async def gate_facts(
    connection: asyncpg.Connection | asyncpg.Pool,
    account_id: int,
    e164: str,
    rep_user_id: int | None,
) -> DialFacts:
    account = await connection.fetchrow(QUERIES["gate_account"], account_id)
    phone = await connection.fetchrow(QUERIES["gate_phone"], account_id, e164)
    registrations = None
    if rep_user_id is not None:
        rep = await rep_profile(connection, rep_user_id)
        registrations = list(rep["registrations"] or ())
    return dial_facts(
        dict(account),
        dict(phone) if phone is not None else {"line_type": "unknown"},
        consents=[dict(r) for r in await connection.fetch(QUERIES["gate_consents"], account_id)],
        attempts=[dict(r) for r in await connection.fetch(QUERIES["gate_attempts"], account_id)],
        dnc_entries=[dict(r) for r in await connection.fetch(QUERIES["gate_dnc"], e164)],
        dnc_snapshots=[dict(r) for r in await connection.fetch(QUERIES["gate_dnc_snapshots"])],
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
    rules: GateRules,
) -> Decision:
    """The gate's decision on this rep calling `e164` for `campaign` at `at`.

    `campaign` is a row of `calls.campaign_with_product` (campaign and product columns); `rules`
    the service's rule book and firm policy, the same the engine dials by, so a callback is
    never accepted for a time the engine would refuse.
    """
    facts = await gate_facts(connection, account_id, e164, rep_user_id)
    product = (
        {
            "risk_level": campaign["product_risk"],
            "kind": campaign["product_kind"],
            "required_registration": campaign["required_registration"],
        }
        if campaign["product_id"] is not None
        else None
    )
    request = dial_request(dict(campaign), product, e164).model_copy(
        # a callback is the rep's own appointment: the rep is on the line when it is dialled
        update={"dial_mode": DialMode.PREVIEW}
    )
    return decide(
        request,
        facts,
        at,
        rule_book=rules.rule_book,
        policy=rules.policy,
        campaign_hours=campaign_hours(
            json.loads(windows)
            if isinstance(windows := campaign["calling_windows"], str)
            else windows
        ),
    )


def accepted(decision: Decision) -> bool:
    return decision.verdict in (Verdict.ALLOW, Verdict.REQUIRE)
