"""Moved to `dialer.compliance.gatekeeper`; this shim re-exports it and goes after one release."""

from dialer.compliance.gatekeeper import (
    GateError,
    GateOutcome,
    UnknownCampaign,
    UnknownNumber,
    attempt_lookback,
    campaign_start_decision,
    campaign_start_problems,
    check_numbers,
)

__all__ = [
    "GateError",
    "GateOutcome",
    "UnknownCampaign",
    "UnknownNumber",
    "attempt_lookback",
    "campaign_start_decision",
    "campaign_start_problems",
    "check_numbers",
]
