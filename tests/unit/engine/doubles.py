"""Test doubles for the engine: a campaign's settings, changed where a test says, and a
carrier that places every call at once."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from campaigns.pacing import PacingMode
from campaigns.retry import RetryPolicy
from dialer.engine.settings import CampaignSettings
from dialer.telephony.provider import CallRequest, PlacedCall, ProviderLimits

BASE = CampaignSettings(
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


def campaign_settings(**changes: Any) -> CampaignSettings:
    return replace(BASE, **changes)


class InstantCarrier:
    """Places every call at once (the test plays the webhooks); what the pacing loop and
    the sweeps ask of a provider."""

    def __init__(self, name: str = "twilio", calls_per_second: float = 5.0) -> None:
        self.name = name
        self.limits = ProviderLimits(calls_per_second=calls_per_second, max_concurrent_calls=None)
        self.placed: list[CallRequest] = []

    async def place_call(self, request: CallRequest) -> PlacedCall:
        self.placed.append(request)
        return PlacedCall(request.attempt_ref, f"CA{request.attempt_ref:0>32}", "queued", 0.0)

    def is_placing(self, attempt_ref: str) -> bool:
        return False
