"""What the back office reports: conversions of customers and the revenue they bring."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from revenue.money import CENT, refuse_float, require_cents

MAX_AMOUNT = Decimal("9999999999999.99")


def _whole_cents(value: Decimal) -> Decimal:
    return require_cents(value, what="a money amount").quantize(CENT)


Money = Annotated[
    Decimal,
    BeforeValidator(refuse_float),
    Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False),
    AfterValidator(_whole_cents),
]
"""A non-negative amount in whole cents: never a float."""

Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class ConversionKind(StrEnum):
    """What a warm lead turned into, as the back office reports it (the database's
    ``conversions.kind``; its ``net_commission`` rows are revenue, see RevenueItem)."""

    REACTIVATED = "reactivated"
    FUNDS_IN = "funds_in"
    ADVISORY_SIGNED = "advisory_signed"
    PRODUCT_BOUGHT = "product_bought"


class RevenueKind(StrEnum):
    """A kind of revenue a customer brings; the firm's rules say which kinds count."""

    NET_COMMISSION = "net_commission"
    ADVISORY_FEE = "advisory_fee"
    PRODUCT_FEE = "product_fee"
    MARGIN_INTEREST = "margin_interest"


class Conversion(BaseModel):
    """A customer's conversion at a moment; revenue after it may count toward it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    conversion_id: str = Field(min_length=1)
    customer_id: str = Field(min_length=1)
    kind: ConversionKind
    occurred_at: AwareDatetime


class RevenueItem(BaseModel):
    """Revenue the firm earned from a customer (e.g. a month's net commission)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    revenue_id: str = Field(min_length=1)
    customer_id: str = Field(min_length=1)
    kind: RevenueKind
    amount: Money
    currency: Currency = "CNY"
    earned_at: AwareDatetime
