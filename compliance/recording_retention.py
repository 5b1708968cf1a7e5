"""How long a call recording is kept: per jurisdiction and purpose, in days from the
recording's end. The firm's settings name `JURISDICTION` or `JURISDICTION/purpose`
(the more specific wins); the defaults follow each regime's record-keeping rules, the
firm's CN default long (securities business records are kept for at least 20 years)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

DEFAULT_RETENTION_DAYS: Mapping[str, int] = {
    "CN": 7300,  # 20 years
    "UK": 1825,  # 5 years (MiFID II telephone recording)
    "US": 1095,  # 3 years (FINRA 4511 / SEC 17a-4 correspondence)
}
FALLBACK_DAYS = 7300


class RetentionInvalid(ValueError):
    """A retention setting is unusable; the message names the key."""


def check_retention(table: Mapping[str, int]) -> dict[str, int]:
    checked: dict[str, int] = {}
    for key, days in table.items():
        jurisdiction, _, purpose = key.partition("/")
        if not jurisdiction or (purpose and purpose not in ("marketing", "service")):
            raise RetentionInvalid(
                f"recording retention key {key!r}: use JURISDICTION or JURISDICTION/marketing "
                "or JURISDICTION/service"
            )
        if int(days) < 1:
            raise RetentionInvalid(f"recording retention {key!r}: keep it at least one day")
        checked[key] = int(days)
    return checked


def retention_days(table: Mapping[str, int], jurisdiction: str, purpose: str) -> int:
    """Days a recording of a `purpose` call in `jurisdiction` is kept."""
    for key in (f"{jurisdiction}/{purpose}", jurisdiction):
        if key in table:
            return table[key]
    for key in (f"{jurisdiction}/{purpose}", jurisdiction):
        if key in DEFAULT_RETENTION_DAYS:
            return DEFAULT_RETENTION_DAYS[key]
    return FALLBACK_DAYS


def retain_until(
    table: Mapping[str, int], jurisdiction: str, purpose: str, ended_at: datetime
) -> datetime:
    return ended_at + timedelta(days=retention_days(table, jurisdiction, purpose))
