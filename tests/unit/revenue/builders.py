"""Small builders for revenue tests: sensible defaults, every field overridable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from revenue.attribution import Attribution, LeadHandoff, attribute
from revenue.conversions import Conversion, ConversionKind, RevenueItem, RevenueKind
from revenue.rules import RuleSet, SplitShares

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def rule_set(**overrides: Any) -> RuleSet:
    fields: dict[str, Any] = {
        "firm_id": "firm-1",
        "version": 1,
        "effective_from": datetime(2026, 1, 1, tzinfo=UTC),
        "counted_revenue": {RevenueKind.NET_COMMISSION: 365, RevenueKind.ADVISORY_FEE: 180},
        "shares": SplitShares(rep=Decimal("5"), team=Decimal("1"), account_manager=Decimal("10")),
        "clawback_days": 30,
    }
    fields.update(overrides)
    return RuleSet(**fields)


def lead(**overrides: Any) -> LeadHandoff:
    fields: dict[str, Any] = {
        "lead_id": "lead-1",
        "customer_id": "cust-1",
        "handed_off_at": T0 - timedelta(days=10),
        "call_id": "call-1",
        "rep_id": "rep-1",
        "team_id": "team-1",
        "branch_id": "branch-1",
        "account_manager_id": "am-1",
    }
    fields.update(overrides)
    return LeadHandoff(**fields)


def conversion(**overrides: Any) -> Conversion:
    fields: dict[str, Any] = {
        "conversion_id": "conv-1",
        "customer_id": "cust-1",
        "kind": ConversionKind.REACTIVATED,
        "occurred_at": T0,
    }
    fields.update(overrides)
    return Conversion(**fields)


def revenue(amount: str | Decimal = "1000.00", **overrides: Any) -> RevenueItem:
    fields: dict[str, Any] = {
        "revenue_id": "rev-1",
        "customer_id": "cust-1",
        "kind": RevenueKind.NET_COMMISSION,
        "amount": Decimal(amount),
        "earned_at": T0 + timedelta(days=20),
    }
    fields.update(overrides)
    return RevenueItem(**fields)


def attributed(
    the_conversion: Conversion | None = None, the_lead: LeadHandoff | None = None
) -> Attribution:
    the_conversion = the_conversion or conversion()
    return attribute(the_conversion, [the_lead or lead()])
