"""Build the gate's inputs from database rows (any mapping: asyncpg Records, dicts).

The edge loads the rows (accounts, account_phones, consents, call_attempts joined with
campaigns.subject, dnc_entries, dnc_snapshots, campaigns, products, the rep's
registrations) and calls `dial_request(...)` and `dial_facts(...)`; the column names are
those of migrations 0001. Dates (`risk_assessed_on`, `last_transaction_on`,
`existing_customer_since`) become midnight UTC of that day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from compliance.models import Attempt, DialFacts, DialRequest, DncList

Row = Mapping[str, Any]

# Attempts that never reached the network do not count towards caps.
_NOT_PLACED = frozenset({"blocked", "canceled"})


def _instant(value: date | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time(0), tzinfo=UTC)


def dial_request(campaign: Row, product: Row | None, e164: str) -> DialRequest:
    return DialRequest(
        number=e164,
        profile=campaign["jurisdiction"],
        purpose=campaign["purpose"],
        dial_mode=campaign["pacing_mode"],
        subject=campaign.get("subject"),
        product_risk=product["risk_level"] if product else None,
        product_class=product.get("kind") if product else None,
        required_registration=product.get("required_registration") if product else None,
        campaign_id=campaign.get("campaign_id"),
    )


def dial_facts(
    account: Row,
    phone: Row,
    *,
    consents: Iterable[Row] = (),
    attempts: Iterable[Row] = (),
    dnc_entries: Iterable[Row] = (),
    dnc_snapshots: Iterable[Row] = (),
    agent_registrations: Iterable[str] | None = None,
) -> DialFacts:
    snapshots = list(dnc_snapshots)
    snapshot_dates = {s["snapshot_id"]: s["snapshot_date"] for s in snapshots if "snapshot_id" in s}
    latest: dict[DncList, date] = {}
    for snapshot in snapshots:
        source = DncList(snapshot["source"])
        latest[source] = max(
            latest.get(source, snapshot["snapshot_date"]), snapshot["snapshot_date"]
        )
    extra = account.get("extra") or {}
    return DialFacts.model_validate(
        {
            "account": {
                "account_id": account.get("account_id"),
                "region": account.get("region"),
                "address_time_zone": account.get("address_time_zone"),
                "line_type": phone.get("line_type") or "unknown",
                "risk_level": account.get("risk_tolerance"),
                "risk_assessed_at": _instant(account.get("risk_assessed_on")),
                "existing_customer_since": _instant(account.get("existing_customer_since")),
                "last_transaction_at": _instant(account.get("last_transaction_on")),
                "last_inquiry_at": _instant(extra.get("last_inquiry_at")),
                "client_expects_calls": bool(extra.get("client_expects_calls", False)),
                "professional_investor": bool(account.get("professional_investor", False)),
                "consents": [
                    {
                        "purpose": c["purpose"],
                        "granted_at": c["granted_at"],
                        "revoked_at": c.get("revoked_at"),
                        "record_id": c.get("consent_id"),
                    }
                    for c in consents
                ],
            },
            "attempts": [
                Attempt(
                    at=a["created_at"],
                    subject=a.get("subject"),
                    abandoned=bool(a.get("abandoned", False)),
                    number=a.get("e164"),
                    campaign_id=a.get("campaign_id"),
                )
                for a in attempts
                if a.get("status") not in _NOT_PLACED
            ],
            "dnc": [
                {
                    "list": e["source"],
                    "added_at": e.get("added_at"),
                    "expires_at": e.get("expires_at"),
                    "scope": e.get("scope") or "marketing",
                    "snapshot_date": snapshot_dates.get(e.get("snapshot_id")),
                    "source_version": e.get("snapshot_id") or e.get("dnc_entry_id"),
                }
                for e in dnc_entries
            ],
            "dnc_snapshots": latest,
            "agent_registrations": (
                None if agent_registrations is None else frozenset(agent_registrations)
            ),
        }
    )
