"""The customer pop: everything a rep needs on screen the moment a call is bridged.

Who the customer is (name, segment, tier, branch, account manager, assets band, risk
level, products), the whole contact history across campaigns (every attempt, outcome,
note and callback: the customer says things only once), and the campaign's script with
the product's required disclosures.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from dialer.floor.calls import call_attempt, campaign_with_product, customer_account, rep_profile
from dialer.floor.customers import customer_time_zone, mask_number
from dialer.scoring.service import account_reasons
from dialer.sql import load_queries

QUERIES = load_queries("dialer.console")

# assets bands in cents of the account currency: the rep sees the band, not the balance
ASSETS_BANDS: tuple[tuple[int, str], ...] = (
    (1_000_000, "under_10k"),
    (10_000_000, "10k_100k"),
    (50_000_000, "100k_500k"),
    (100_000_000, "500k_1m"),
    (500_000_000, "1m_5m"),
)
TOP_BAND = "5m_plus"


def assets_band(assets_cents: int) -> str:
    for limit, band in ASSETS_BANDS:
        if assets_cents < limit:
            return band
    return TOP_BAND


def script_text(
    jurisdiction: str,
    script: str,
    *,
    rep_name: str,
    qualification_number: str | None,
    firm_name: str,
    product_name: str | None,
    product_risk: str | None,
    disclosure: str,
    campaign_disclosures: str = "",
) -> dict[str, Any]:
    """The opening, the campaign script and the disclosures the rep must read out (the
    campaign's own, one a line, after the product's)."""
    if jurisdiction == "CN":
        qualification = qualification_number or "（未登记执业编号）"
        opening = (
            f"您好，我是{firm_name}的{rep_name}，执业证书编号{qualification}。本次通话可能被录音。"
        )
        risk_warning = (
            disclosure
            or (f"{product_name}风险等级为{product_risk}，" if product_name else "")
            + "投资有风险，入市需谨慎。"
        )
    else:
        qualification = qualification_number or "not registered"
        opening = (
            f"Hello, this is {rep_name} calling from {firm_name} "
            f"(registration {qualification}). This call may be recorded."
        )
        risk_warning = disclosure or "Investments can go down as well as up."
    disclosures = [
        {"kind": "rep_name", "text": rep_name},
        {"kind": "firm", "text": firm_name},
        {"kind": "qualification_number", "text": qualification},
        {"kind": "risk_warning", "text": risk_warning},
        *(
            {"kind": "campaign", "text": line.strip()}
            for line in campaign_disclosures.splitlines()
            if line.strip()
        ),
    ]
    return {"opening": opening, "body": script, "disclosures": disclosures}


async def build_pop(
    connection: asyncpg.Connection | asyncpg.Pool,
    call_attempt_id: int,
    rep_user_id: int,
    now: datetime,
    firm_name: str,
) -> dict[str, Any] | None:
    """The pop for one call, or None if the call does not exist."""
    call = await call_attempt(connection, call_attempt_id)
    if call is None:
        return None
    account = await customer_account(connection, call["account_id"])
    campaign = await campaign_with_product(connection, call["campaign_id"])
    rep = await rep_profile(connection, rep_user_id)
    codes = await connection.fetch(QUERIES["campaign_codes"], call["campaign_id"])
    history = await connection.fetch(QUERIES["contact_history"], call["account_id"])
    callbacks = await connection.fetch(QUERIES["callbacks_of_account"], call["account_id"])
    zone = customer_time_zone(call["e164"], account["address_time_zone"])
    extra = account["extra"]
    if isinstance(extra, str):
        extra = json.loads(extra)
    holdings = extra.get("products", []) if isinstance(extra, dict) else []
    offered = None
    if campaign["product_id"] is not None:
        tolerance = account["risk_tolerance"]
        offered = {
            "code": campaign["product_code"],
            "name": campaign["product_name"],
            "risk_level": campaign["product_risk"],
            "kind": campaign["product_kind"],
            "suitable": tolerance is not None
            and int(tolerance[1:]) >= int(campaign["product_risk"][1:]),
        }
    return {
        "call_attempt_id": call_attempt_id,
        "campaign": {
            "campaign_id": campaign["campaign_id"],
            "name": campaign["name"],
            "purpose": campaign["purpose"],
            "jurisdiction": campaign["jurisdiction"],
            "wrap_up_max_seconds": campaign["wrap_up_max_seconds"],
        },
        "customer": {
            "account_id": account["account_id"],
            "account_number": account["account_number"],
            "name": account["name"],
            "segment": account["segment"],
            "tier": account["tier"],
            "branch": account["branch_name"],
            "account_manager": account["account_manager_name"],
            "assets_band": assets_band(account["assets_cents"]),
            "risk_level": account["risk_tolerance"],
            "risk_assessed_on": account["risk_assessed_on"],
            "region": account["region"],
            "city": account["city"],
            "last_trade_on": account["last_trade_on"],
            "phone": mask_number(call["e164"]),
            "time_zone": zone,
            "local_time": now.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M"),
            "products": {"offered": offered, "holdings": holdings},
        },
        "history": [
            {**dict(row), "current": row["call_attempt_id"] == call_attempt_id} for row in history
        ],
        "callbacks": [dict(row) for row in callbacks],
        # why the hopper put this customer first: the learned score's top reasons
        "score": await account_reasons(
            connection,
            call["account_id"],
            call["campaign_id"],
            now,
            await connection.fetchval("SELECT language FROM users WHERE user_id = $1", rep_user_id)
            or "zh",
        ),
        "script": script_text(
            campaign["jurisdiction"],
            campaign["script"],
            rep_name=rep["display_name"],
            qualification_number=rep["qualification_number"],
            firm_name=firm_name,
            product_name=campaign["product_name"],
            product_risk=campaign["product_risk"],
            disclosure=campaign["disclosure"] or "",
            campaign_disclosures=campaign["campaign_disclosures"],
        ),
        "dispositions": [dict(row) for row in codes],
    }
