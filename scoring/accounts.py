"""Feature codes of live accounts (pure): from what the accounts table holds, at `now`.

The service reads each account's segment, tier, assets, opening and last-trade dates, its
phone's time zone and its earlier outcomes, and this module turns them into the codes of
scoring.features. Local hour and weekday are the customer's, from the phone's time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import NDArray

from scoring.features import TIER_CODES, Vocabulary, capped, days_since_trade_band

# asset bands' upper bounds in cents: under 10k, 10k-100k, 100k-1m, over 1m
ASSET_BAND_BOUNDS_CENTS: tuple[int, ...] = (1_000_000, 10_000_000, 100_000_000)
ACCOUNT_AGE_BOUNDS_YEARS: tuple[float, ...] = (1.0, 3.0, 10.0)


@dataclass(frozen=True)
class AccountFacts:
    """What the scorer may know of one account's number (no protected attribute)."""

    segment: str
    tier: str
    assets_cents: int
    opened_on: date | None
    last_trade_on: date | None
    time_zone: str
    prior_contacts: int
    prior_leads: int
    campaign_attempts: int


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_hour_and_weekday(at: datetime, time_zone: str) -> tuple[int, int]:
    local = at.astimezone(zone(time_zone))
    return local.hour, local.weekday()


def _tier_code(tier: str) -> int:
    return TIER_CODES.index(tier) if tier in TIER_CODES else len(TIER_CODES)


def _age_band(opened_on: date | None, today: date) -> int:
    if opened_on is None:
        return len(ACCOUNT_AGE_BOUNDS_YEARS) + 1
    years = (today - opened_on).days / 365.25
    return int(np.searchsorted(np.asarray(ACCOUNT_AGE_BOUNDS_YEARS), years, side="right"))


def rows_of(
    vocabulary: Vocabulary,
    facts: Sequence[AccountFacts],
    at: Sequence[datetime],
) -> dict[str, NDArray[np.int64]]:
    """The feature codes of each account at its own time (`at`, aware)."""
    today = [moment.date() for moment in at]
    hours = [
        local_hour_and_weekday(moment, f.time_zone) for moment, f in zip(at, facts, strict=True)
    ]
    days = np.asarray(
        [
            -1 if f.last_trade_on is None else max(0, (day - f.last_trade_on).days)
            for f, day in zip(facts, today, strict=True)
        ],
        dtype=np.int64,
    )
    return {
        "segment": vocabulary.code_of("segment", [f.segment for f in facts]),
        "region": vocabulary.code_of("region", [f.time_zone for f in facts]),
        "tier": np.asarray([_tier_code(f.tier) for f in facts], dtype=np.int64),
        "asset_band": np.searchsorted(
            np.asarray(ASSET_BAND_BOUNDS_CENTS), [f.assets_cents for f in facts], side="right"
        ).astype(np.int64),
        "account_age_band": np.asarray(
            [_age_band(f.opened_on, day) for f, day in zip(facts, today, strict=True)],
            dtype=np.int64,
        ),
        "days_since_trade_band": days_since_trade_band(days),
        "prior_contacts": capped(np.asarray([f.prior_contacts for f in facts], dtype=np.int64), 3),
        "prior_leads": capped(np.asarray([f.prior_leads for f in facts], dtype=np.int64), 2),
        "campaign_attempts": capped(
            np.asarray([f.campaign_attempts for f in facts], dtype=np.int64), 5
        ),
        "local_hour": np.asarray([h for h, _ in hours], dtype=np.int64),
        "weekday": np.asarray([d for _, d in hours], dtype=np.int64),
    }
