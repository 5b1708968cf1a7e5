"""Twilio REST error codes mapped to what the dialer must do about the number.

A number Twilio calls invalid, not permitted for the account's geography, or blocked is
retired, not redialled; rate limits and server errors pause the pacer instead.
"""

from __future__ import annotations

from dialer.telephony.provider import PlacementFailure

# https://www.twilio.com/docs/api/errors (codes returned by POST /Calls.json)
TWILIO_ERROR_OUTCOMES: dict[int, PlacementFailure] = {
    21211: PlacementFailure.INVALID_NUMBER,  # invalid 'To' phone number
    21217: PlacementFailure.INVALID_NUMBER,  # phone number does not appear to be valid
    13224: PlacementFailure.INVALID_NUMBER,  # Dial: invalid phone number
    21215: PlacementFailure.GEO_PERMISSION,  # geo permission configuration not permitting call
    13227: PlacementFailure.GEO_PERMISSION,  # Dial: no international permission
    21216: PlacementFailure.BLOCKED,  # call blocked by Twilio blocklist
    32205: PlacementFailure.BLOCKED,  # call blocked (SIP/trunk block)
    21610: PlacementFailure.BLOCKED,  # number has opted out (unsubscribed)
    21210: PlacementFailure.CALLER_ID_INVALID,  # 'From' not a verified caller ID
    21212: PlacementFailure.CALLER_ID_INVALID,  # invalid 'From' number
    20429: PlacementFailure.RATE_LIMITED,  # too many requests
}


def placement_failure(code: int | None, http_status: int) -> PlacementFailure:
    if code is not None and code in TWILIO_ERROR_OUTCOMES:
        return TWILIO_ERROR_OUTCOMES[code]
    if http_status == 429:
        return PlacementFailure.RATE_LIMITED
    return PlacementFailure.PROVIDER_ERROR


# SIP final responses on failed calls that mean the number itself is bad.
RETIRING_SIP_CODES: frozenset[int] = frozenset({404, 410, 484, 604})
