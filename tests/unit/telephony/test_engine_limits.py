"""The provider's limits reach the engine's pacer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from campaigns.pacing import PacingMode
from campaigns.retry import RetryPolicy
from dialer.engine.loop import CampaignEngine
from dialer.engine.settings import CampaignSettings
from dialer.telephony.provider import ProviderLimits


class _Limited:
    """Only what the engine reads of a provider when it is built."""

    limits = ProviderLimits(calls_per_second=3.0, max_concurrent_calls=40)


def _campaign() -> CampaignSettings:
    return CampaignSettings(
        campaign_id=1,
        pacing_mode=PacingMode.PREDICTIVE,
        jurisdiction="CN",
        caller_id="+862195500000",
        ring_seconds=25,
        abandon_message="Example Securities; please call us back.",
        voicemail_policy="hangup",
        voicemail_message=None,
        lines_per_rep=2.0,
        abandon_target=0.025,
        abandon_cap=0.03,
        senior_first=False,
        retry=RetryPolicy(),
        required_registration=None,
    )


def test_the_providers_concurrent_calls_limit_reaches_the_pacer() -> None:
    unused: Any = None
    engine = CampaignEngine(
        unused,
        _Limited(),  # type: ignore[arg-type]
        unused,
        lambda: datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
        _campaign(),
    )
    assert engine.pacer.limits.max_concurrent_calls == 40
    assert engine.pacer.limits.calls_per_second == 3


def test_a_fractional_calls_per_second_reaches_the_pacer_unrounded() -> None:
    class _Slow:
        limits = ProviderLimits(calls_per_second=0.5, max_concurrent_calls=None)

    unused: Any = None
    engine = CampaignEngine(
        unused,
        _Slow(),  # type: ignore[arg-type]
        unused,
        lambda: datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
        _campaign(),
    )
    assert engine.pacer.limits.calls_per_second == 0.5
