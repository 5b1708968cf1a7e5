"""Retry policy: when (and whether) a number is dialed again after an outcome.

Per outcome: no answer -> retry after a delay, busy -> a shorter one, machine -> a later one
(after the campaign's voicemail policy), invalid -> retired. Attempt caps per number and per
account: lifetime, per calendar day and per rolling 24 hours. A number whose call was
abandoned is locked for a configurable time (UK: 72 hours). Times are aware datetimes
passed in by the caller; nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from campaigns.errors import CampaignError


class CallOutcome(StrEnum):
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    MACHINE = "machine"
    INVALID = "invalid"
    ABANDONED = "abandoned"
    CONNECTED = "connected"


class RetryPolicyError(CampaignError):
    """The retry policy's settings are inconsistent; fix the campaign's retry settings."""


@dataclass(frozen=True, slots=True)
class AttemptCaps:
    lifetime: int = 10
    per_day: int = 3
    per_rolling_24h: int = 3


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    no_answer_delay: timedelta = timedelta(hours=2)
    busy_delay: timedelta = timedelta(minutes=15)
    machine_delay: timedelta = timedelta(hours=4)
    abandoned_lock: timedelta = timedelta(hours=72)
    number_caps: AttemptCaps = AttemptCaps()
    account_caps: AttemptCaps = AttemptCaps(lifetime=20, per_day=5, per_rolling_24h=5)

    def __post_init__(self) -> None:
        for name in ("no_answer_delay", "busy_delay", "machine_delay", "abandoned_lock"):
            if getattr(self, name) < timedelta(0):
                raise RetryPolicyError(f"{name} must not be negative")
        for caps in (self.number_caps, self.account_caps):
            if min(caps.lifetime, caps.per_day, caps.per_rolling_24h) < 1:
                raise RetryPolicyError("attempt caps must be at least 1")


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """retry_at None: the number is retired (reason says why)."""

    retry_at: datetime | None
    reason: str

    @property
    def retired(self) -> bool:
        return self.retry_at is None


def _count_caps(
    attempts: Sequence[datetime], now: datetime, caps: AttemptCaps
) -> tuple[bool, datetime | None, str]:
    """(lifetime exhausted, earliest time the day/24h caps allow another attempt, reason)."""
    if len(attempts) >= caps.lifetime:
        return True, None, f"lifetime cap of {caps.lifetime} attempts reached"
    earliest: datetime | None = None
    reason = ""
    window = sorted(a for a in attempts if a > now - timedelta(hours=24))
    if len(window) >= caps.per_rolling_24h:
        # The oldest attempt that must leave the window before another one fits.
        leaving = window[len(window) - caps.per_rolling_24h]
        earliest = leaving + timedelta(hours=24)
        reason = f"rolling 24 h cap of {caps.per_rolling_24h}"
    today = [a for a in attempts if a.astimezone(now.tzinfo).date() == now.date()]
    if len(today) >= caps.per_day:
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), now.tzinfo)
        if earliest is None or midnight > earliest:
            earliest = midnight
            reason = f"daily cap of {caps.per_day}"
    return False, earliest, reason


def next_attempt(
    policy: RetryPolicy,
    outcome: CallOutcome,
    now: datetime,
    *,
    number_attempts: Sequence[datetime],
    account_attempts: Sequence[datetime],
) -> RetryDecision:
    """When the number may be dialed again after `outcome` at `now` (aware datetime).

    number_attempts / account_attempts: times of earlier attempts including this one.
    Day caps count calendar days in `now`'s time zone: pass the account's local time.
    """
    if now.tzinfo is None:
        raise RetryPolicyError("retry decisions need an aware datetime; attach the time zone")
    if outcome is CallOutcome.INVALID:
        return RetryDecision(None, "invalid number: retired")
    if outcome is CallOutcome.CONNECTED:
        return RetryDecision(None, "connected: the rep's disposition decides what comes next")
    delay = {
        CallOutcome.NO_ANSWER: policy.no_answer_delay,
        CallOutcome.BUSY: policy.busy_delay,
        CallOutcome.MACHINE: policy.machine_delay,
        CallOutcome.ABANDONED: policy.abandoned_lock,
    }[outcome]
    retry_at = now + delay
    reason = f"{outcome.value}: retry after {delay}"
    for label, attempts, caps in (
        ("number", number_attempts, policy.number_caps),
        ("account", account_attempts, policy.account_caps),
    ):
        exhausted, earliest, why = _count_caps(attempts, now, caps)
        if exhausted:
            return RetryDecision(None, f"{label} {why}: retired")
        if earliest is not None and earliest > retry_at:
            retry_at = earliest
            reason = f"{outcome.value}: {label} {why} defers the retry"
    return RetryDecision(retry_at, reason)


def locked_until(policy: RetryPolicy, abandoned_at: datetime | None) -> datetime | None:
    """A number whose call was abandoned may not be dialed before this time."""
    return None if abandoned_at is None else abandoned_at + policy.abandoned_lock


def outcome_of(
    *,
    status: str,
    abandoned: bool,
    answered_by: str | None,
    bridged: bool,
    number_does_not_exist: bool,
) -> CallOutcome:
    """The retry policy's outcome for a finished attempt, from what its call record says:
    its final `status` (the carrier's: completed, busy, no-answer, failed...), whether it
    was recorded `abandoned`, who `answered_by` (human, machine, or None with AMD off),
    whether a rep was `bridged` to it, and whether the carrier said the number does not
    exist (its SIP code)."""
    if abandoned and answered_by != "machine":
        return CallOutcome.ABANDONED
    if answered_by == "machine":
        return CallOutcome.MACHINE
    if status == "completed":
        # answered, not a machine, and no rep took it: the answer could only have been
        # abandoned, even if that was never written down (counted, and the number locked)
        return CallOutcome.CONNECTED if bridged else CallOutcome.ABANDONED
    if status == "busy":
        return CallOutcome.BUSY
    if number_does_not_exist:
        return CallOutcome.INVALID
    return CallOutcome.NO_ANSWER
