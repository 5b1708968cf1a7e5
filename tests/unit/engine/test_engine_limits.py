"""The provider's limits reach the engine's pacer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dialer.engine.loop import CampaignEngine
from dialer.telephony.provider import ProviderLimits
from tests.unit.engine.doubles import campaign_settings


class _Provider:
    """Only what the engine reads of a provider when it is built."""

    def __init__(self, limits: ProviderLimits) -> None:
        self.limits = limits


def _engine(limits: ProviderLimits) -> CampaignEngine:
    unused: Any = None
    return CampaignEngine(
        unused,
        _Provider(limits),  # type: ignore[arg-type]
        unused,
        lambda: datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
        campaign_settings(),
    )


def test_the_providers_concurrent_calls_limit_reaches_the_pacer() -> None:
    engine = _engine(ProviderLimits(calls_per_second=3.0, max_concurrent_calls=40))
    assert engine.pacer.limits.max_concurrent_calls == 40
    assert engine.pacer.limits.calls_per_second == 3


def test_a_fractional_calls_per_second_reaches_the_pacer_unrounded() -> None:
    engine = _engine(ProviderLimits(calls_per_second=0.5, max_concurrent_calls=None))
    assert engine.pacer.limits.calls_per_second == 0.5
