"""Twilio's wire protocol: signatures, callback parsing, error codes, TwiML."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from dialer.telephony import connection_overrides, twiml
from dialer.telephony.carrier_sim import twilio_signature
from dialer.telephony.provider import (
    AmdVerdict,
    CallEventKind,
    EndReason,
    PlacementFailure,
)
from dialer.telephony.twilio_adapter import TwilioConfig, TwilioProvider, amd_verdict
from dialer.telephony.twilio_errors import placement_failure

DOCS_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOCS_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_the_simulator_signs_the_documented_example_as_twilio_does() -> None:
    assert twilio_signature("12345", DOCS_URL, DOCS_PARAMS) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


@given(
    params=st.dictionaries(
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij", min_size=1, max_size=12),
        st.text(max_size=20),
        max_size=10,
    ),
    path=st.text(alphabet="abcdefghij/", max_size=20),
)
def test_the_simulator_signature_matches_twilios_validator(
    params: dict[str, str], path: str
) -> None:
    url = f"https://example.test/{path}?attempt=7"
    signature = twilio_signature("token", url, params)
    assert RequestValidator("token").validate(url, params, signature)


PROVIDER = TwilioProvider.__new__(TwilioProvider)  # parsing touches no HTTP client


def parse(kind: str, params: dict[str, str], token: str = "tok-1") -> object:
    return PROVIDER.parse_event(
        kind,
        params,
        {"I-Twilio-Idempotency-Token": token},
        attempt_ref="17",
        received_at=RECEIVED,
    )


def test_a_completed_callback_carries_reason_sip_code_and_duration() -> None:
    event = parse(
        "status",
        {
            "CallSid": "CA" + "a" * 32,
            "CallStatus": "completed",
            "SequenceNumber": "3",
            "CallDuration": "61",
            "SipResponseCode": "200",
            "Timestamp": "Mon, 02 Mar 2026 09:01:05 +0000",
        },
    )
    assert event is not None
    assert event.kind is CallEventKind.COMPLETED  # type: ignore[attr-defined]
    assert event.end_reason is EndReason.COMPLETED  # type: ignore[attr-defined]
    assert event.duration_seconds == 61  # type: ignore[attr-defined]
    assert event.sip_code == 200  # type: ignore[attr-defined]
    assert event.sequence == 3  # type: ignore[attr-defined]
    assert event.occurred_at == datetime(2026, 3, 2, 9, 1, 5, tzinfo=UTC)  # type: ignore[attr-defined]
    assert set(event.dedupe_keys) >= {  # type: ignore[attr-defined]
        "twilio-token:tok-1",
        f"CA{'a' * 32}:seq:3",
    }
    assert event.attempt_ref == "17"  # type: ignore[attr-defined]


def test_statuses_map_to_normalised_events() -> None:
    sid = "CA" + "b" * 32
    expected = {
        "initiated": (CallEventKind.INITIATED, None),
        "ringing": (CallEventKind.RINGING, None),
        "in-progress": (CallEventKind.ANSWERED, None),
        "busy": (CallEventKind.COMPLETED, EndReason.BUSY),
        "no-answer": (CallEventKind.COMPLETED, EndReason.NO_ANSWER),
        "failed": (CallEventKind.COMPLETED, EndReason.FAILED),
        "canceled": (CallEventKind.COMPLETED, EndReason.CANCELED),
    }
    for status, (kind, reason) in expected.items():
        event = parse("status", {"CallSid": sid, "CallStatus": status, "SequenceNumber": "0"})
        assert event is not None
        assert (event.kind, event.end_reason) == (kind, reason), status  # type: ignore[attr-defined]
        assert event.occurred_at == RECEIVED  # type: ignore[attr-defined]


def test_amd_verdicts_are_normalised() -> None:
    assert amd_verdict("human") is AmdVerdict.HUMAN
    for machine in (
        "machine_start",
        "machine_end_beep",
        "machine_end_silence",
        "machine_end_other",
    ):
        assert amd_verdict(machine) is AmdVerdict.MACHINE
    assert amd_verdict("fax") is AmdVerdict.FAX
    assert amd_verdict("unknown") is AmdVerdict.UNKNOWN
    event = parse("amd", {"CallSid": "CA" + "c" * 32, "AnsweredBy": "machine_start"})
    assert event is not None
    assert event.kind is CallEventKind.AMD_VERDICT  # type: ignore[attr-defined]
    assert event.amd_verdict is AmdVerdict.MACHINE  # type: ignore[attr-defined]


def test_callbacks_without_a_call_sid_are_not_events() -> None:
    assert parse("status", {"CallStatus": "ringing"}) is None
    assert parse("amd", {"CallSid": "CA" + "d" * 32}) is None


def test_bad_numbers_are_retired_and_rate_limits_are_not() -> None:
    for code in (21211, 21217, 13224):
        assert placement_failure(code, 400) is PlacementFailure.INVALID_NUMBER
    for code in (21215, 13227):
        assert placement_failure(code, 400) is PlacementFailure.GEO_PERMISSION
    for code in (21216, 32205):
        assert placement_failure(code, 400) is PlacementFailure.BLOCKED
    assert all(
        placement_failure(code, 400).retires_number
        for code in (21211, 21217, 13224, 21215, 13227, 21216, 32205)
    )
    assert placement_failure(20429, 429) is PlacementFailure.RATE_LIMITED
    assert placement_failure(None, 429) is PlacementFailure.RATE_LIMITED
    assert placement_failure(None, 503) is PlacementFailure.PROVIDER_ERROR
    assert not placement_failure(20429, 429).retires_number


def test_twiml_documents_parse_and_escape_what_they_carry() -> None:
    bridge = ElementTree.fromstring(twiml.bridge_to_conference("rep-<7>").encode())
    conference = bridge.find("Dial/Conference")
    assert conference is not None and conference.text == "rep-<7>"
    assert conference.get("endConferenceOnExit") == "false"  # the rep keeps their room
    message = ElementTree.fromstring(
        twiml.say_then_hang_up("Call us & save", language="zh-CN").encode()
    )
    assert [child.tag for child in message] == ["Say", "Hangup"]
    assert message[0].text == "Call us & save"
    assert message[0].get("language") == "zh-CN"


def test_webhook_urls_carry_the_attempt_and_the_connection_overrides() -> None:
    config = TwilioConfig("AC" + "0" * 32, "t", public_base_url="https://dialer.example/")
    assert config.webhook_url("status", "42") == (
        "https://dialer.example/telephony/twilio/status?attempt=42#"
        + connection_overrides.CALLBACKS.fragment()
    )


async def test_a_configured_provider_exposes_its_limits_to_the_pacer() -> None:
    provider = TwilioProvider(
        TwilioConfig(
            "AC" + "0" * 32,
            "t",
            public_base_url="https://dialer.example",
            calls_per_second=3.0,
            max_concurrent_calls=40,
        )
    )
    try:
        assert provider.limits.calls_per_second == 3.0
        assert provider.limits.max_concurrent_calls == 40
        assert provider.verify_webhook("https://dialer.example/x", {}, {}) is False
    finally:
        await provider.close()


@given(
    params=st.lists(
        st.tuples(st.sampled_from(["CallSid", "Digits", "To", "From", "A"]), st.text(max_size=8)),
        max_size=8,
    ),
    tamper=st.booleans(),
)
def test_the_fast_signature_check_agrees_with_twilios_validator(
    params: list[tuple[str, str]], tamper: bool
) -> None:
    from multidict import MultiDict

    provider = TwilioProvider.__new__(TwilioProvider)
    provider._token = b"12345"
    provider._validator = RequestValidator("12345")
    url = "https://dialer.example/telephony/twilio/status?attempt=3"
    form = MultiDict(params)
    signature = RequestValidator("12345").compute_signature(url, form)
    if tamper:
        form.add("Injected", "1")
    headers = {"X-Twilio-Signature": signature}
    assert provider.verify_webhook(url, form, headers) is (not tamper)
    # Twilio may have signed the URL with the default port spelled out
    with_port = "https://dialer.example:443/telephony/twilio/status?attempt=3"
    signed_with_port = RequestValidator("12345").compute_signature(with_port, MultiDict(params))
    assert provider.verify_webhook(url, MultiDict(params), {"X-Twilio-Signature": signed_with_port})
