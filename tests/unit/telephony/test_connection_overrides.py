"""Twilio's connection overrides: built on every callback URL, read back by the simulator."""

from __future__ import annotations

from dialer.telephony import connection_overrides as overrides
from dialer.telephony.twilio_adapter import TwilioConfig


def test_every_callback_url_carries_retries_and_the_answer_is_quick() -> None:
    config = TwilioConfig(
        account_sid="AC" + "1" * 32, auth_token="t", public_base_url="https://d.example"
    )
    status = config.webhook_url("status", "7")
    assert status.startswith("https://d.example/telephony/twilio/status?attempt=7#")
    rules = overrides.parse(status)
    assert rules.retries == 5 and rules.retry_on == overrides.POLICIES
    assert rules.total_timeout_ms == 60000
    answer = overrides.parse(config.webhook_url("answer", "7"))
    assert answer.retries == 2 and "4xx" not in answer.retry_on
    assert answer.total_timeout_ms < 10000  # a callee is waiting
    assert "#" in config.rep_leg_status_url("3") and "#" in config.rep_room_url("3")


def test_a_url_without_a_fragment_reads_as_twilios_defaults() -> None:
    rules = overrides.parse("https://d.example/x?y=1")
    assert rules == overrides.ConnectionOverrides()
    assert rules.retries == 1 and rules.retry_on == {"ct"}


def test_the_fragment_round_trips_and_bad_values_fall_back() -> None:
    rules = overrides.ConnectionOverrides(
        connect_timeout_ms=700,
        read_timeout_ms=900,
        total_timeout_ms=3000,
        retries=3,
        retry_on=frozenset({"5xx", "rt"}),
    )
    assert overrides.parse(rules.on("https://d.example/a#old")) == rules
    odd = overrides.parse("https://d.example/a#rc=99&ct=soon&rp=5xx,bogus")
    assert odd.retries == overrides.MAX_RETRIES and odd.connect_timeout_ms == 5000
    assert odd.retry_on == {"5xx"}


def test_which_failures_are_retried() -> None:
    rules = overrides.ConnectionOverrides(retry_on=frozenset({"5xx", "ct"}))
    assert rules.retries_after(503, timed_out=False)
    assert not rules.retries_after(404, timed_out=False)
    assert rules.retries_after(None, timed_out=False)  # refused: a connect failure
    assert not rules.retries_after(None, timed_out=True)  # a read timeout: not in rp
    assert not rules.retries_after(200, timed_out=False)
