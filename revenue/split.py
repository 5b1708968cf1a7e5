"""Splitting one item of counted revenue between the centre, the branch and the firm.

The rule, in order, all in exact Decimal arithmetic on cents:

1. each payee's base share is revenue x its percentage (the rep and team of the centre, the
   account manager of the branch, or the branch pool when no manager works the lead);
2. a payee with a service coefficient has its share multiplied by the coefficient band's
   multiplier (x1.03, x1, x0.8, x0.6, x0 by default); a payee without one is not adjusted;
3. a payee's share is cut to what is left of its cap for the conversion, if capped;
4. the firm retains the rest: revenue minus the payees' exact shares. So whatever a coefficient
   below 1 or a cap takes from a payee stays with the firm, and a bonus coefficient above 1
   comes out of the firm's part (a valid rule set never lets it go below zero);
5. only then are all parts (payees and firm) rounded to the cent together, by the largest-
   remainder method: each part rounded down, then the missing cents one each to the parts
   with the largest remainders, ties to the first in the order rep, team, account manager
   (or branch pool), firm retained.

The rounded parts therefore always add up to the revenue exactly, and each differs from
its exact share by less than a cent.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Self

from pydantic import BaseModel, ConfigDict, model_validator

from revenue.attribution import Attribution, LeadHandoff
from revenue.conversions import Conversion, RevenueItem
from revenue.errors import LedgerInconsistent, RevenueNotCounted, RuleSetInvalid
from revenue.money import EXACT, allocate_largest_remainder, from_cents, to_cents
from revenue.parties import PAYEES, Party
from revenue.rules import RuleSet

ONE = Decimal(1)


class ShareLine(BaseModel):
    """One party's part of a split, with how it was reached."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    party: Party
    payee_id: str | None
    """Rep, team, account manager or branch id; None for the firm or a missing team."""
    percent: Decimal | None
    """The rule's percentage; None for the firm, which retains the rest."""
    service_score: Decimal | None
    service_multiplier: Decimal
    exact_amount: Decimal
    """After coefficient and cap, before rounding (in currency units, many places)."""
    capped: bool
    amount: Decimal
    """Rounded to the cent."""
    note: str = ""


class Split(BaseModel):
    """A revenue item divided between parties; the amounts add up to the revenue exactly."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    revenue: RevenueItem
    conversion: Conversion
    lead: LeadHandoff
    rule_firm_id: str
    rule_version: int
    lines: tuple[ShareLine, ...]

    @model_validator(mode="after")
    def _adds_up(self) -> Self:
        total = sum((line.amount for line in self.lines), Decimal(0))
        if total != self.revenue.amount:
            raise LedgerInconsistent(
                f"split of revenue {self.revenue.revenue_id} adds up to {total}, "
                f"not {self.revenue.amount}"
            )
        return self

    def line(self, party: Party) -> ShareLine:
        for line in self.lines:
            if line.party is party:
                return line
        raise KeyError(party)


def split_revenue(
    item: RevenueItem,
    attribution: Attribution,
    rule_set: RuleSet,
    *,
    service_scores: Mapping[Party, Decimal] | None = None,
    paid_so_far: Mapping[Party, Decimal] | None = None,
) -> Split:
    """Split ``item`` under ``rule_set`` between the parties of ``attribution``'s lead.

    ``service_scores`` gives a payee's service coefficient (0..1) from complaints; payees
    without one are paid unadjusted. ``paid_so_far`` is what each payee has already earned
    from this conversion (net, from the ledger), so caps per conversion hold across items.
    Raises RevenueNotCounted when the conversion is unattributed, its lead was handed off
    before ``rule_set``'s attribution window (whatever window attributed it), or the revenue
    does not count.
    """
    scores = dict(service_scores or {})
    paid = dict(paid_so_far or {})
    strangers = sorted(party for party in set(scores) | set(paid) if party not in PAYEES)
    if strangers:
        raise RuleSetInvalid(
            f"only payees {list(PAYEES)} have scores and earnings, not {strangers}"
        )
    lead = attribution.lead
    conversion = attribution.conversion
    if lead is None:
        raise RevenueNotCounted(
            f"conversion {conversion.conversion_id} is unattributed ({attribution.reason}): "
            "its revenue is not shared"
        )
    reason = rule_set.why_outside_window(
        conversion, lead.lead_id, lead.handed_off_at
    ) or rule_set.why_not_counted(conversion, item)
    if reason is not None:
        raise RevenueNotCounted(reason)

    total_cents = to_cents(item.amount)
    drafts: list[_Draft] = []
    with decimal.localcontext(EXACT):
        for payee in PAYEES:
            party, payee_id, note = _payee_of(payee, lead)
            percent = rule_set.shares.percent_for(payee)
            score = scores.get(payee)
            multiplier = ONE if score is None else rule_set.coefficient_bands.multiplier_for(score)
            exact = Decimal(total_cents) * percent / 100 * multiplier if payee_id else Decimal(0)
            capped = False
            cap = rule_set.caps_per_conversion.get(payee)
            if cap is not None:
                room = max(to_cents(cap) - to_cents(paid.get(payee, Decimal(0))), 0)
                if exact > room:
                    exact, capped = Decimal(room), True
                    note = f"capped at {cap} per conversion"
            drafts.append(_Draft(party, payee_id, percent, score, multiplier, exact, capped, note))
        retained = Decimal(total_cents) - sum((draft.exact_cents for draft in drafts), Decimal(0))
        drafts.append(
            _Draft(Party.FIRM_RETAINED, None, None, None, ONE, retained, False, "the rest")
        )
        rounded = allocate_largest_remainder(total_cents, [draft.exact_cents for draft in drafts])
        lines = tuple(
            ShareLine(
                party=draft.party,
                payee_id=draft.payee_id,
                percent=draft.percent,
                service_score=draft.score,
                service_multiplier=draft.multiplier,
                exact_amount=draft.exact_cents.scaleb(-2),
                capped=draft.capped,
                amount=from_cents(cents),
                note=draft.note,
            )
            for draft, cents in zip(drafts, rounded, strict=True)
        )
    return Split(
        revenue=item,
        conversion=conversion,
        lead=lead,
        rule_firm_id=rule_set.firm_id,
        rule_version=rule_set.version,
        lines=lines,
    )


@dataclass(frozen=True, slots=True)
class _Draft:
    party: Party
    payee_id: str | None
    percent: Decimal | None
    score: Decimal | None
    multiplier: Decimal
    exact_cents: Decimal
    capped: bool
    note: str


def _payee_of(payee: Party, lead: LeadHandoff) -> tuple[Party, str | None, str]:
    if payee is Party.REP:
        return Party.REP, lead.rep_id, ""
    if payee is Party.TEAM:
        if lead.team_id is None:
            return Party.TEAM, None, "rep had no team: the team's share is retained by the firm"
        return Party.TEAM, lead.team_id, ""
    if lead.account_manager_id is None:
        if lead.branch_id is None:
            return (
                Party.BRANCH_POOL,
                None,
                "lead in the centre's pool: the branch share is retained",
            )
        return Party.BRANCH_POOL, lead.branch_id, "no account manager: paid to the branch pool"
    return Party.ACCOUNT_MANAGER, lead.account_manager_id, ""
