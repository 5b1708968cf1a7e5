"""Attribution: which warm lead, if any, earns a conversion."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from revenue.conversions import Conversion, RevenueItem
from revenue.errors import RuleSetInvalid
from revenue.rules import RuleBook

DEFAULT_ATTRIBUTION_WINDOW = timedelta(days=90)


class LeadHandoff(BaseModel):
    """A warm lead as handed off to a branch: who found it, on which call, who owns it now."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lead_id: str = Field(min_length=1)
    customer_id: str = Field(min_length=1)
    handed_off_at: AwareDatetime
    call_id: str | None = None
    """The call the lead came from; None only for a lead entered without a call."""
    rep_id: str = Field(min_length=1)
    team_id: str | None = None
    """The rep's team when the lead was handed off; without one, the team's share is retained."""
    branch_id: str | None = None
    """The branch the lead was handed to; None while it sits in the centre's pool."""
    account_manager_id: str | None = None
    """The account manager working the lead; without one, the branch's pool is paid."""


class HandedOff(Protocol):
    """What attribution needs to know of a lead."""

    @property
    def lead_id(self) -> str: ...
    @property
    def customer_id(self) -> str: ...
    @property
    def handed_off_at(self) -> datetime: ...


L = TypeVar("L", bound=HandedOff)


def most_recent_lead(
    customer_id: str, converted_at: datetime, leads: Iterable[L], window: timedelta
) -> tuple[L | None, int]:
    """The lead that earns a conversion of ``customer_id`` at ``converted_at``, and how many
    were eligible: the customer's leads handed off within ``window`` before it (both ends
    included); the most recently handed off wins, an exact tie goes to the greatest lead id."""
    if window <= timedelta(0):
        raise RuleSetInvalid(f"the attribution window must be positive, got {window}")
    earliest = converted_at - window
    candidates = [
        lead
        for lead in leads
        if lead.customer_id == customer_id and earliest <= lead.handed_off_at <= converted_at
    ]
    if not candidates:
        return None, 0
    winner = max(candidates, key=lambda lead: (lead.handed_off_at, lead.lead_id))
    return winner, len(candidates)


class Attribution(BaseModel):
    """The lead that earns a conversion, or none (the conversion is then unattributed)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    conversion: Conversion
    lead: LeadHandoff | None
    window: timedelta
    reason: str

    @property
    def is_attributed(self) -> bool:
        return self.lead is not None


def attribute(
    conversion: Conversion,
    leads: Iterable[LeadHandoff],
    window: timedelta = DEFAULT_ATTRIBUTION_WINDOW,
) -> Attribution:
    """Match ``conversion`` to the lead that earns it.

    A lead earns it when it is the same customer's and was handed off within ``window``
    before the conversion (both ends included). Of several, the most recently handed off
    wins; an exact tie goes to the greatest lead id, so the answer never depends on the order
    of ``leads``. With none, the conversion is unattributed rather than forced onto a lead.
    """
    winner, eligible = most_recent_lead(
        conversion.customer_id, conversion.occurred_at, leads, window
    )
    if winner is None:
        return Attribution(
            conversion=conversion,
            lead=None,
            window=window,
            reason=(
                f"customer {conversion.customer_id} had no lead handed off in the {window.days} "
                f"days before {conversion.occurred_at.isoformat()}"
            ),
        )
    return Attribution(
        conversion=conversion,
        lead=winner,
        window=window,
        reason=(
            f"lead {winner.lead_id} handed off {winner.handed_off_at.isoformat()} is the most "
            f"recent of {eligible} within {window.days} days"
        ),
    )


def conversion_earning(
    item: RevenueItem, conversions: Iterable[Conversion], rule_book: RuleBook
) -> Conversion | None:
    """The conversion ``item`` counts toward, or None: so no revenue is shared twice.

    Of the customer's conversions at or before the revenue, under whose rules (the version in
    force at the conversion) the revenue counts, the most recent wins; an exact tie goes to
    the greatest conversion id.
    """
    eligible = [
        conversion
        for conversion in conversions
        if conversion.occurred_at >= rule_book.versions[0].effective_from
        and rule_book.in_force_at(conversion.occurred_at).counts(conversion, item)
    ]
    if not eligible:
        return None
    return max(eligible, key=lambda conversion: (conversion.occurred_at, conversion.conversion_id))
