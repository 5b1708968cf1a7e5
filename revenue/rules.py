"""A firm's revenue-share rules: versioned, effective-dated, validated as a whole.

A rule set says which revenue counts (by kind, and for how many days after the conversion),
the percentages paid to the centre (rep, team) and to the branch (account manager), caps per
conversion, the clawback period, the attribution window and the service coefficient bands.
The firm retains whatever is not paid out, so a valid rule set can never pay out more than
the revenue, even with the best coefficient: that is checked when the rule set is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from revenue.conversions import Conversion, Currency, Money, RevenueItem, RevenueKind
from revenue.errors import NoRuleInForce, RuleSetInvalid
from revenue.money import refuse_float
from revenue.parties import PAYEES, Party

Percent = Annotated[
    Decimal,
    BeforeValidator(refuse_float),
    Field(ge=0, le=100, max_digits=8, decimal_places=4, allow_inf_nan=False),
]
"""A percentage of revenue, e.g. Decimal("5") for 5 %."""

Score = Annotated[
    Decimal,
    BeforeValidator(refuse_float),
    Field(ge=0, le=1, max_digits=5, decimal_places=4, allow_inf_nan=False),
]
"""A service coefficient from complaints: 1 is a clean record, lower is worse."""

Multiplier = Annotated[
    Decimal,
    BeforeValidator(refuse_float),
    Field(ge=0, le=2, max_digits=5, decimal_places=4, allow_inf_nan=False),
]


class CoefficientBand(BaseModel):
    """Scores at or above ``at_least`` (and below the next band up) scale pay by ``multiplier``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at_least: Score
    multiplier: Multiplier
    label: str = ""


class ServiceCoefficientBands(BaseModel):
    """Bands turning a service coefficient into a pay multiplier; they cover 0 to 1."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bands: tuple[CoefficientBand, ...]

    @model_validator(mode="after")
    def _cover_zero_to_one(self) -> Self:
        thresholds = [band.at_least for band in self.bands]
        if len(set(thresholds)) != len(thresholds):
            raise RuleSetInvalid(
                f"coefficient bands repeat a threshold {sorted(thresholds)}: each must be unique"
            )
        if Decimal(0) not in thresholds:
            raise RuleSetInvalid(
                "coefficient bands must include one starting at 0 so every score has a multiplier"
            )
        return self

    def multiplier_for(self, score: Decimal) -> Decimal:
        """The multiplier of the highest band whose threshold the score reaches."""
        if not Decimal(0) <= score <= Decimal(1):
            raise RuleSetInvalid(f"a service coefficient lies between 0 and 1, got {score}")
        eligible = [band for band in self.bands if score >= band.at_least]
        return max(eligible, key=lambda band: band.at_least).multiplier

    @property
    def highest_multiplier(self) -> Decimal:
        return max(band.multiplier for band in self.bands)


DEFAULT_COEFFICIENT_BANDS = ServiceCoefficientBands(
    bands=(
        CoefficientBand(at_least=Decimal("1"), multiplier=Decimal("1.03"), label="no complaints"),
        CoefficientBand(at_least=Decimal("0.9"), multiplier=Decimal("1"), label="normal"),
        CoefficientBand(at_least=Decimal("0.8"), multiplier=Decimal("0.8"), label="complaints"),
        CoefficientBand(at_least=Decimal("0.7"), multiplier=Decimal("0.6"), label="poor service"),
        CoefficientBand(at_least=Decimal("0"), multiplier=Decimal("0"), label="withheld"),
    )
)
"""The bands of reference/003: 1 -> x1.03, [0.9, 1) -> x1, [0.8, 0.9) -> x0.8,
[0.7, 0.8) -> x0.6, below 0.7 -> withheld entirely (a firm may configure a partial payout)."""


class SplitShares(BaseModel):
    """Percentages of counted revenue paid to each payee before coefficients and caps."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rep: Percent
    team: Percent = Decimal(0)
    account_manager: Percent

    def percent_for(self, party: Party) -> Decimal:
        if party is Party.REP:
            return self.rep
        if party is Party.TEAM:
            return self.team
        if party is Party.ACCOUNT_MANAGER:
            return self.account_manager
        raise RuleSetInvalid(f"{party} is not paid a percentage: the firm retains the rest")


class RuleSet(BaseModel):
    """One version of a firm's revenue-share rules, in force from ``effective_from``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    firm_id: str = Field(min_length=1)
    version: int = Field(ge=1)
    effective_from: AwareDatetime
    currency: Currency = "CNY"
    counted_revenue: Mapping[RevenueKind, Annotated[int, Field(ge=0, le=36600)]]
    """Revenue kinds that count, each with the days after the conversion during which it counts."""
    shares: SplitShares
    caps_per_conversion: Mapping[Party, Money] = Field(default_factory=dict)
    """The most a payee may earn from one conversion, over all its revenue."""
    clawback_days: int | None = Field(default=None, ge=1, le=36600)
    """A customer leaving within this many days of the conversion claws back the payees' shares."""
    attribution_window_days: int = Field(default=90, ge=1, le=3660)
    """A conversion is earned only by a lead handed off at most this many days before it."""
    coefficient_bands: ServiceCoefficientBands = DEFAULT_COEFFICIENT_BANDS
    description: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not self.counted_revenue:
            raise RuleSetInvalid(
                f"rule set {self.label} counts no revenue kind: list at least one with its window"
            )
        not_payees = [party for party in self.caps_per_conversion if party not in PAYEES]
        if not_payees:
            raise RuleSetInvalid(
                f"rule set {self.label} caps {not_payees}: only payees {list(PAYEES)} can be capped"
            )
        # A payee without a service score is paid unadjusted (x1), so 1 bounds the best too.
        best = max(self.coefficient_bands.highest_multiplier, Decimal(1))
        most_paid_out = sum((self.shares.percent_for(p) * best for p in PAYEES), Decimal(0))
        if most_paid_out > 100:
            raise RuleSetInvalid(
                f"rule set {self.label} could pay out {most_paid_out}% of revenue with the best "
                f"coefficient x{best}: lower the shares or the top multiplier so it is at most 100%"
            )
        return self

    @property
    def label(self) -> str:
        return f"{self.firm_id} v{self.version}"

    @property
    def attribution_window(self) -> timedelta:
        return timedelta(days=self.attribution_window_days)

    def why_outside_window(
        self, conversion: Conversion, lead_id: str, handed_off_at: datetime
    ) -> str | None:
        """Why the lead handed off at ``handed_off_at`` is too old to earn ``conversion``
        under these rules, or None when it is within the attribution window.

        The window's start is the conversion's moment less the window's days (wall-clock
        days in the conversion's time zone); a lead handed off then or later is within it.
        """
        earliest = conversion.occurred_at - self.attribution_window
        if handed_off_at >= earliest:
            return None
        # Calendar days in the conversion's time zone, as the window counts them.
        handed_off = handed_off_at.astimezone(conversion.occurred_at.tzinfo)
        days = (conversion.occurred_at.date() - handed_off.date()).days
        return (
            f"lead {lead_id} handed off {handed_off.isoformat()} is {days} days before "
            f"conversion {conversion.conversion_id} at {conversion.occurred_at.isoformat()}, "
            f"outside the {self.attribution_window_days}-day attribution window of {self.label}"
        )

    def why_not_counted(self, conversion: Conversion, item: RevenueItem) -> str | None:
        """Why ``item`` does not count toward ``conversion`` under these rules, or None if it does.

        Revenue counts when it is of a counted kind, in the rule set's currency, from the same
        customer, and earned from the conversion's moment up to and including the kind's
        number of days after it.
        """
        if item.customer_id != conversion.customer_id:
            return (
                f"revenue {item.revenue_id} is from customer {item.customer_id}, "
                f"conversion {conversion.conversion_id} is of customer {conversion.customer_id}"
            )
        if item.currency != self.currency:
            return f"revenue {item.revenue_id} is in {item.currency}, rules {self.label} in {self.currency}"
        days = self.counted_revenue.get(item.kind)
        if days is None:
            return f"rules {self.label} do not count {item.kind} revenue"
        start = conversion.occurred_at
        end = start + timedelta(days=days)
        if not start <= item.earned_at <= end:
            return (
                f"revenue {item.revenue_id} earned at {item.earned_at.isoformat()} is outside "
                f"{item.kind}'s window {start.isoformat()} .. {end.isoformat()} under {self.label}"
            )
        return None

    def counts(self, conversion: Conversion, item: RevenueItem) -> bool:
        return self.why_not_counted(conversion, item) is None

    def claws_back(self, conversion: Conversion, departed_at: datetime) -> bool:
        """Whether a customer leaving at ``departed_at`` claws back this conversion's shares."""
        if self.clawback_days is None:
            return False
        start = conversion.occurred_at
        return start <= departed_at <= start + timedelta(days=self.clawback_days)


class RuleBook(BaseModel):
    """All versions of one firm's rules; a version is in force until the next one starts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    firm_id: str = Field(min_length=1)
    versions: tuple[RuleSet, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        strangers = [v.label for v in self.versions if v.firm_id != self.firm_id]
        if strangers:
            raise RuleSetInvalid(
                f"rule book of {self.firm_id} holds other firms' rules {strangers}"
            )
        numbers = [v.version for v in self.versions]
        if numbers != sorted(set(numbers)):
            raise RuleSetInvalid(
                f"rule versions of {self.firm_id} must be unique and listed in order, got {numbers}"
            )
        starts = [v.effective_from for v in self.versions]
        if any(later <= earlier for earlier, later in zip(starts, starts[1:], strict=False)):
            raise RuleSetInvalid(
                f"each rule version of {self.firm_id} must take effect after the one before it: "
                "to change rules retroactively, add a version and reverse the affected entries"
            )
        return self

    def in_force_at(self, at: datetime) -> RuleSet:
        """The version in force at ``at``: the latest one that took effect at or before it."""
        if at.tzinfo is None:
            raise NoRuleInForce(f"rule lookup needs an aware datetime, got naive {at.isoformat()}")
        in_force = [v for v in self.versions if v.effective_from <= at]
        if not in_force:
            first = self.versions[0]
            raise NoRuleInForce(
                f"no revenue rules of {self.firm_id} were in force at {at.isoformat()}: the first "
                f"version takes effect at {first.effective_from.isoformat()}; add an earlier one"
            )
        return in_force[-1]

    def version(self, number: int) -> RuleSet:
        for rule_set in self.versions:
            if rule_set.version == number:
                return rule_set
        raise NoRuleInForce(f"{self.firm_id} has no rule version {number}")
