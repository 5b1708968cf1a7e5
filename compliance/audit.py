"""Turn a gate decision into the append-only audit record (pure, JSON-ready).

`audit_entry(decision, request, facts)` returns the row the edge appends to `audit_log`
(kind "compliance_decision", subject the account): the verdict, the rule ids and the
rule-set version that decided it, UTC and callee-local time, the inputs the gate read and
the versions of the data it used (DNC snapshots and entries, consent records, the risk
assessment), so "why was this customer not called?" can be answered from the record
alone, years later, even after the rules have changed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from compliance.models import Decision, DialFacts, DialRequest

AUDIT_KIND = "compliance_decision"


class AuditEntry(TypedDict):
    at: datetime
    kind: str
    subject_type: str
    subject_id: int | None
    detail: dict[str, Any]


def _iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def _subject_id(value: str | int | None) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def audit_entry(decision: Decision, request: DialRequest, facts: DialFacts) -> AuditEntry:
    account = facts.account
    local_times = {
        zone: decision.decided_at.astimezone(ZoneInfo(zone)).isoformat()
        for zone in decision.time_zones
    }
    detail: dict[str, Any] = {
        "verdict": decision.verdict.value,
        "until": _iso(decision.until),
        "required_mode": decision.required_mode.value if decision.required_mode else None,
        "rules": list(decision.rules),
        "rule_set_version": decision.rule_set_version,
        "reason": decision.reason,
        "decided_at_utc": _iso(decision.decided_at),
        "callee_local_times": local_times,
        "jurisdictions": [j.value for j in decision.jurisdictions],
        "findings": [
            {
                "rule_id": f.rule_id,
                "verdict": f.verdict.value,
                "explanation": f.explanation,
                "until": _iso(f.until),
            }
            for f in decision.findings
        ],
        "inputs": {
            "number": request.number,
            "profile": request.profile.value,
            "purpose": request.purpose.value,
            "dial_mode": request.dial_mode.value,
            "subject": request.subject,
            "product_risk": request.product_risk,
            "product_class": request.product_class,
            "campaign_id": request.campaign_id,
            "required_registration": request.required_registration,
            "agent_registrations": (
                None if facts.agent_registrations is None else sorted(facts.agent_registrations)
            ),
            "account_id": account.account_id,
            "region": account.region,
            "address_time_zone": account.address_time_zone,
            "line_type": account.line_type.value,
            "risk_level": account.risk_level,
            "existing_customer_since": _iso(account.existing_customer_since),
            "last_transaction_at": _iso(account.last_transaction_at),
            "last_inquiry_at": _iso(account.last_inquiry_at),
            "client_expects_calls": account.client_expects_calls,
            "professional_investor": account.professional_investor,
            "attempts": [
                {"at": _iso(a.at), "subject": a.subject, "abandoned": a.abandoned}
                for a in sorted(facts.attempts, key=lambda a: a.at)
            ],
        },
        "data_versions": {
            "dnc_snapshots": {k.value: _iso(v) for k, v in sorted(facts.dnc_snapshots.items())},
            "dnc_entries": [
                {
                    "list": e.list.value,
                    "added_at": _iso(e.added_at),
                    "expires_at": _iso(e.expires_at),
                    "scope": e.scope,
                    "snapshot_date": _iso(e.snapshot_date),
                    "source_version": e.source_version,
                }
                for e in facts.dnc
            ],
            "consents": [
                {
                    "record_id": c.record_id,
                    "purpose": c.purpose.value,
                    "granted_at": _iso(c.granted_at),
                    "revoked_at": _iso(c.revoked_at),
                }
                for c in account.consents
            ],
            "risk_assessment": {
                "id": account.risk_assessment_id,
                "level": account.risk_level,
                "assessed_at": _iso(account.risk_assessed_at),
            },
        },
    }
    return AuditEntry(
        at=decision.decided_at,
        kind=AUDIT_KIND,
        subject_type="account",
        subject_id=_subject_id(account.account_id),
        detail=detail,
    )
