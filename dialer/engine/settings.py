"""A campaign as its engine runs it: its settings, its pacer, and its home clock.

`load_campaign` reads the campaign's row (through the engine store) into
`CampaignSettings`; `campaign_pacer` builds the pacer those settings call for, within the
provider's limits. The home clock: the UK abandon rate is counted per London calendar
day, and a shift ends at a local time (US campaigns span zones: theirs must be set
explicitly).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from campaigns.governor import UK_AMD_FALSE_POSITIVE_RATE, UK_RULE, AbandonRule
from campaigns.pacing import Pacer, PacingLimits, PacingMode, VicidialSettings, make_pacer
from campaigns.retry import AttemptCaps, RetryPolicy
from dialer.clock import Clock
from dialer.engine.errors import EngineError
from dialer.engine.pg_store import PostgresEngineStore
from dialer.engine.store import EngineStore
from dialer.telephony.provider import ProviderLimits

HOME_TIME_ZONES = {"CN": "Asia/Shanghai", "UK": "Europe/London"}
DEFAULT_SHIFT_END = "21:00"  # the latest calling hour of every jurisdiction's default window
UK_DAY = ZoneInfo("Europe/London")


def local_midnight(now: datetime, zone: ZoneInfo) -> datetime:
    """The start of `now`'s calendar day on the `zone` clock (as an aware datetime)."""
    return now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)


def local_hour(moment: datetime, zone: ZoneInfo | None) -> int:
    """The hour of day of `moment` on the campaign's clock (UTC for a campaign without a
    home time zone: still one fixed key per hour of its callers' day)."""
    return moment.astimezone(zone or UTC).hour


def seconds_to_shift_end(
    now: datetime, shift_end: time | None, zone: ZoneInfo | None
) -> float | None:
    """Seconds from `now` until the campaign stops dialing today (0 once past it); None
    when the campaign has no shift end."""
    if shift_end is None or zone is None:
        return None
    local = now.astimezone(zone)
    end = datetime.combine(local.date(), shift_end, tzinfo=zone)
    return max(0.0, (end - local).total_seconds())


def uk_offset(now: datetime) -> float:
    """London's offset from UTC at `now`, in seconds (0 in winter, 3600 in summer)."""
    offset = now.astimezone(UK_DAY).utcoffset()
    return offset.total_seconds() if offset is not None else 0.0


@dataclass(frozen=True)
class CampaignSettings:
    campaign_id: int
    pacing_mode: PacingMode
    jurisdiction: str
    caller_id: str
    ring_seconds: int
    abandon_message: str
    voicemail_policy: str
    voicemail_message: str | None
    lines_per_rep: float
    abandon_target: float
    abandon_cap: float
    senior_first: bool
    retry: RetryPolicy
    required_registration: str | None
    shift_end: time | None = None
    time_zone: ZoneInfo | None = None
    # UK: the share of machine verdicts counted as abandoned persons (UK-A1); 0 elsewhere
    amd_false_positive_rate: float = 0.0


@dataclass(eq=False)
class CampaignJob:
    """What each job of a campaign's engine works with: its store, the campaign's
    settings and the clock (launching, answers, settling and sweeps extend it)."""

    store: EngineStore
    campaign: CampaignSettings
    clock: Clock


async def load_campaign(
    pool: asyncpg.Pool, campaign_id: int, settings_fallback: dict[str, Any]
) -> CampaignSettings:
    """The campaign's settings from PostgreSQL; `settings_fallback` supplies the service's
    caller ID and abandon message where the campaign sets none."""
    return await read_campaign(PostgresEngineStore(pool), campaign_id, settings_fallback)


async def read_campaign(
    store: EngineStore, campaign_id: int, settings_fallback: dict[str, Any]
) -> CampaignSettings:
    row = await store.campaign_row(campaign_id)
    if row is None:
        raise EngineError(f"no campaign {campaign_id}")
    return campaign_settings(campaign_id, row, settings_fallback)


def campaign_settings(
    campaign_id: int, row: Mapping[str, Any], settings_fallback: Mapping[str, Any]
) -> CampaignSettings:
    """The settings of the campaign whose row (campaign_for_engine) is `row`."""
    pacing = row["pacing"] or {}
    caller_id = row["caller_id"] or settings_fallback.get("caller_id")
    if not caller_id:
        raise EngineError(
            f"campaign {campaign_id} has no caller ID: set one (a number the firm owns) before starting"
        )
    home = pacing.get("time_zone") or HOME_TIME_ZONES.get(row["jurisdiction"])
    shift_end = pacing.get("shift_end") or (DEFAULT_SHIFT_END if home else None)
    return CampaignSettings(
        campaign_id=campaign_id,
        pacing_mode=PacingMode(row["pacing_mode"]),
        jurisdiction=row["jurisdiction"],
        caller_id=caller_id,
        ring_seconds=row["ring_seconds"],
        abandon_message=row["abandon_message"] or settings_fallback["abandon_message"],
        voicemail_policy=row["voicemail_policy"],
        voicemail_message=row["voicemail_message"],
        lines_per_rep=float(pacing.get("lines_per_rep", 2.0)),
        abandon_target=float(pacing.get("abandon_target", 0.025)),
        abandon_cap=float(pacing.get("abandon_cap", 0.03)),
        senior_first=bool(pacing.get("senior_first", False)),
        retry=retry_policy_from(row["retry_policy"] or {}),
        required_registration=row["required_registration"],
        shift_end=time.fromisoformat(shift_end) if shift_end else None,
        time_zone=ZoneInfo(home) if home else None,
        amd_false_positive_rate=float(
            pacing.get("amd_false_positive_rate", UK_AMD_FALSE_POSITIVE_RATE)
        )
        if row["jurisdiction"] == "UK"
        else 0.0,
    )


def retry_policy_from(settings: dict[str, Any]) -> RetryPolicy:
    """The campaign's retry settings (minutes and counts in its JSON) as the core's policy."""
    default = RetryPolicy()

    def minutes(key: str, fallback: timedelta) -> timedelta:
        return timedelta(minutes=float(settings[key])) if key in settings else fallback

    return RetryPolicy(
        no_answer_delay=minutes("no_answer_minutes", default.no_answer_delay),
        busy_delay=minutes("busy_minutes", default.busy_delay),
        machine_delay=minutes("machine_minutes", default.machine_delay),
        abandoned_lock=minutes("abandoned_lock_minutes", default.abandoned_lock),
        number_caps=AttemptCaps(
            lifetime=int(settings.get("max_attempts", default.number_caps.lifetime)),
            per_day=int(settings.get("max_attempts_per_day", default.number_caps.per_day)),
            per_rolling_24h=int(
                settings.get("max_attempts_24h", default.number_caps.per_rolling_24h)
            ),
        ),
    )


def campaign_pacer(
    campaign: CampaignSettings,
    provider_limits: ProviderLimits,
    now: datetime,
    *,
    connect_threshold_seconds: float,
) -> Pacer:
    """The pacer of the campaign's mode, governed by its abandon rule (UK: the last 24 h
    and the London day, with its AMD false-positive rate), within the provider's limits."""
    rule = AbandonRule(cap=campaign.abandon_cap, target=campaign.abandon_target)
    if campaign.jurisdiction == "UK":
        rule = AbandonRule(
            cap=campaign.abandon_cap,
            target=campaign.abandon_target,
            window_seconds=UK_RULE.window_seconds,
            calendar_day=True,
            day_offset_seconds=uk_offset(now),
            amd_false_positive_rate=campaign.amd_false_positive_rate,
        )
    shift_left = seconds_to_shift_end(now, campaign.shift_end, campaign.time_zone)
    limits = PacingLimits(
        # the provider's own rate, fractions kept: rounded up, 0.5 CPS would pace at 1
        # and queue creates in the adapter's throttle
        calls_per_second=provider_limits.calls_per_second,
        max_lines_per_rep=campaign.lines_per_rep,
        max_concurrent_calls=provider_limits.max_concurrent_calls,
    )
    return make_pacer(
        campaign.pacing_mode,
        limits=limits,
        rule=rule,
        connect_threshold_seconds=connect_threshold_seconds,
        lines_per_rep=campaign.lines_per_rep,
        vicidial=VicidialSettings(
            dropped_percentage=100 * campaign.abandon_cap,
            shift_end_hours=8.0 if shift_left is None else shift_left / 3600.0,
        ),
    )


def follow_uk_clock(pacer: Pacer, now: datetime) -> None:
    """Keep a calendar-day governor's day on London time across the clock changes."""
    governor = getattr(pacer, "governor", None)
    if governor is None or not governor.rule.calendar_day:
        return
    offset = uk_offset(now)
    if governor.rule.day_offset_seconds != offset:
        governor.rule = replace(governor.rule, day_offset_seconds=offset)
