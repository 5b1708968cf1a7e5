"""The few TwiML documents the dialer returns, built as strings (the answer webhook is on
the hot path; these are the same documents twilio.twiml.voice_response would build)."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

_HEAD = '<?xml version="1.0" encoding="UTF-8"?><Response>'
_TAIL = "</Response>"


def bridge_to_conference(room: str, *, wait_url: str = "") -> str:
    """Put the answered callee into the rep's conference room; the rep is already there,
    so the conference must not play hold music or beep (the callee hears the rep at once)."""
    return (
        f'{_HEAD}<Dial><Conference beep="false" startConferenceOnEnter="true" '
        f'endConferenceOnExit="false" waitUrl={quoteattr(wait_url)}>{escape(room)}'
        f"</Conference></Dial>{_TAIL}"
    )


def say_then_hang_up(message: str, *, language: str = "en-US") -> str:
    """The firm's identifying message (abandoned call) or a voicemail message."""
    return f"{_HEAD}<Say language={quoteattr(language)}>{escape(message)}</Say><Hangup/>{_TAIL}"


def hang_up() -> str:
    return f"{_HEAD}<Hangup/>{_TAIL}"
