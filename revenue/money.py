"""Money arithmetic: exact Decimal amounts in cents and the largest-remainder rule.

Amounts are ``Decimal`` with two places (a whole number of cents, "fen" for CNY). Shares are
computed exactly (Decimal arithmetic with enough precision that no digit is lost) and only
then rounded, once, by the largest-remainder method so that the rounded parts add up to the
whole to the cent.
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from revenue.errors import AmountInvalid

CENT = Decimal("0.01")

# Enough digits for any amount times any share times any multiplier the models allow
# (amounts <= 15 digits, percentages and multipliers <= 4 places): products stay exact.
EXACT = decimal.Context(prec=60, traps=[decimal.Inexact, decimal.InvalidOperation])


def refuse_float(value: Any) -> Any:
    """Reject floats before a Decimal field converts them: binary fractions are not money."""
    if isinstance(value, float):
        raise AmountInvalid(
            f"amounts, percentages and coefficients must be a Decimal, a string or an int, "
            f"not the float {value!r}: write it as a string such as '{value}'"
        )
    return value


def require_cents(amount: Decimal, *, what: str) -> Decimal:
    """Return ``amount`` if it is a finite whole number of cents, else raise AmountInvalid."""
    if not amount.is_finite():
        raise AmountInvalid(f"{what} must be a finite amount, got {amount}")
    if amount != amount.quantize(CENT):
        raise AmountInvalid(f"{what} must be a whole number of cents, got {amount}: round it first")
    return amount


def to_cents(amount: Decimal) -> int:
    """Whole cents in ``amount`` (which must be a whole number of cents)."""
    return int(require_cents(amount, what="amount").scaleb(2, EXACT))


def from_cents(cents: int) -> Decimal:
    """The amount of ``cents`` as a two-place Decimal."""
    return Decimal(cents).scaleb(-2).quantize(CENT)


def allocate_largest_remainder(total_cents: int, exact_parts: Sequence[Decimal]) -> list[int]:
    """Round ``exact_parts`` (in cents, summing exactly to ``total_cents``) to whole cents.

    The rounding rule: every part is first rounded down to the cent; the cents still missing
    (the residual, fewer than the number of parts) go one each to the parts with the largest
    fractional remainder; ties go to the part listed first. The result sums to ``total_cents``
    exactly, no part moves by a cent or more from its exact value, and a part whose exact
    value is a whole number of cents (a zero share, a cap) is never moved at all.
    """
    if total_cents < 0:
        raise AmountInvalid(f"cannot allocate a negative total of {total_cents} cents")
    if any(part < 0 for part in exact_parts):
        raise AmountInvalid(f"cannot allocate negative parts: {list(exact_parts)}")
    exact_sum = sum(exact_parts, Decimal(0))
    if exact_sum != total_cents:
        raise AmountInvalid(
            f"the exact parts sum to {exact_sum} cents, not the total {total_cents}: "
            "the caller must give the whole to someone (the firm retains the rest)"
        )
    floors = [int(part.to_integral_value(rounding=ROUND_FLOOR)) for part in exact_parts]
    residual = total_cents - sum(floors)
    # Sorting by (-remainder, position) gives the largest remainders first, ties to the first.
    order = sorted(range(len(exact_parts)), key=lambda i: (-(exact_parts[i] - floors[i]), i))
    for i in order[:residual]:
        floors[i] += 1
    return floors
