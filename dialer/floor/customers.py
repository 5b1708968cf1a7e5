"""What the floor shows of a customer without asking the database: the masked number and
the customer's time zone."""

from __future__ import annotations

from compliance.timezones import parse_number

DEFAULT_TIME_ZONE = "Asia/Shanghai"


def mask_number(e164: str) -> str:
    """'+8613812345678' -> '+86138****5678': enough to recognise, not to copy."""
    if len(e164) <= 8:
        return e164[:2] + "*" * (len(e164) - 2)
    return e164[:-8] + "****" + e164[-4:]


def customer_time_zone(e164: str | None, address_time_zone: str | None) -> str:
    """Where the customer is: the address's zone, else the number's, else the centre's."""
    if address_time_zone:
        return address_time_zone
    parsed = parse_number(e164) if e164 else None
    if parsed is not None and parsed.time_zones:
        return parsed.time_zones[0]
    return DEFAULT_TIME_ZONE
