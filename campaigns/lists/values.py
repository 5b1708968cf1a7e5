"""Cell values as back offices write them: amounts, dates and risk levels.

Each parser returns the normalised value, None for an empty cell, and raises `BadValue`
(with what was wrong) for a value that cannot be right. Amounts become integer cents
(via Decimal, never float); dates become ISO strings, checked to be real days.
"""

from __future__ import annotations

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from campaigns.lists.errors import ListLoadError


class BadValue(ListLoadError):
    """A cell holds a value that cannot be right (an amount, date or level)."""


_CENT: Final = Decimal("0.01")
_AMOUNT_NOISE: Final = str.maketrans({",": None, "，": None, "¥": None, "￥": None, " ": None})
_UNITS: Final = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
_MAX_CENTS: Final = 2**63 - 1
_DATE: Final = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_COMPACT_DATE: Final = re.compile(r"(\d{4})(\d{2})(\d{2})")
RISK_LABELS: Final[dict[str, str]] = {
    **{f"c{level}": f"C{level}" for level in range(1, 6)},
    **{str(level): f"C{level}" for level in range(1, 6)},
    "保守型": "C1", "保守": "C1", "谨慎型": "C2", "谨慎": "C2", "稳健型": "C3", "稳健": "C3",
    "积极型": "C4", "积极": "C4", "激进型": "C5", "激进": "C5",
    "conservative": "C1", "cautious": "C2", "balanced": "C3", "moderate": "C3",
    "growth": "C4", "aggressive": "C5",
}  # fmt: skip


def parse_amount_cents(text: str, multiplier: Decimal = Decimal(1)) -> int | None:
    """'1,234.56' -> 123456; '12.5万' -> 12500000; '' -> None. Negative amounts are refused."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit() and text.isascii():
        cents = int(text) * 100 if multiplier == 1 else int(Decimal(text) * multiplier * 100)
        if cents > _MAX_CENTS:
            raise BadValue(f"amount {text!r} is too large")
        return cents
    if multiplier == 1 and text.isascii():
        # '1,234.56': plain digits with at most two decimals need no Decimal arithmetic
        plain = text.replace(",", "")
        whole, dot, fraction = plain.partition(".")
        if whole.isdigit() and (not dot or (fraction.isdigit() and len(fraction) <= 2)):
            cents = int(whole) * 100 + (int(fraction.ljust(2, "0")) if dot else 0)
            if cents > _MAX_CENTS:
                raise BadValue(f"amount {text!r} is too large")
            return cents
    cleaned = text.translate(_AMOUNT_NOISE).removesuffix("元")
    unit = _UNITS.get(cleaned[-1:]) if cleaned else None
    if unit is not None:
        cleaned = cleaned[:-1]
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise BadValue(f"amount {text!r} is not a number") from None
    if not amount.is_finite():
        raise BadValue(f"amount {text!r} is not a number")
    amount *= multiplier * (unit or 1)
    if amount < 0:
        raise BadValue(f"amount {text!r} is negative")
    try:
        cents = int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation:
        raise BadValue(f"amount {text!r} is too large") from None
    if cents > _MAX_CENTS:
        raise BadValue(f"amount {text!r} is too large")
    return cents


def parse_date(text: str) -> str | None:
    """'2024/3/5', '2024年3月5日', '20240305', '2024-03-05 10:00' -> '2024-03-05'."""
    text = text.strip()
    if not text:
        return None
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return datetime.date.fromisoformat(text).isoformat()
        except ValueError:
            raise BadValue(f"date {text!r} is not a real day") from None
    matched = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if matched is None:
        raise BadValue(f"date {text!r} is not a date (write it as YYYY-MM-DD)")
    try:
        day = datetime.date(int(matched[1]), int(matched[2]), int(matched[3]))
    except ValueError:
        raise BadValue(f"date {text!r} is not a real day") from None
    return day.isoformat()


def parse_risk_tolerance(text: str) -> str | None:
    """'C3', '3', '稳健型' -> 'C3'."""
    text = text.strip()
    if not text:
        return None
    level = RISK_LABELS.get(text.lower())
    if level is None:
        raise BadValue(f"risk level {text!r} is not one of C1-C5 (保守型...激进型)")
    return level
