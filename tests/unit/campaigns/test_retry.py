from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from campaigns.retry import (
    AttemptCaps,
    CallOutcome,
    RetryDecision,
    RetryPolicy,
    RetryPolicyError,
    locked_until,
    next_attempt,
    outcome_of,
)

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


DEFAULT_POLICY = RetryPolicy()


def decide(
    outcome: CallOutcome, attempts: list[datetime], policy: RetryPolicy = DEFAULT_POLICY
) -> RetryDecision:
    return next_attempt(policy, outcome, NOW, number_attempts=attempts, account_attempts=attempts)


def test_delays_per_outcome() -> None:
    policy = RetryPolicy()
    assert decide(CallOutcome.NO_ANSWER, [NOW]).retry_at == NOW + policy.no_answer_delay
    assert decide(CallOutcome.BUSY, [NOW]).retry_at == NOW + policy.busy_delay
    assert decide(CallOutcome.MACHINE, [NOW]).retry_at == NOW + policy.machine_delay
    assert policy.busy_delay < policy.no_answer_delay < policy.machine_delay
    assert decide(CallOutcome.INVALID, [NOW]).retired


def test_abandoned_number_is_locked_for_72_hours() -> None:
    decision = decide(CallOutcome.ABANDONED, [NOW])
    assert decision.retry_at == NOW + timedelta(hours=72)
    assert locked_until(RetryPolicy(), NOW) == NOW + timedelta(hours=72)
    assert locked_until(RetryPolicy(), None) is None


def test_lifetime_cap_retires_the_number() -> None:
    policy = RetryPolicy(number_caps=AttemptCaps(lifetime=2, per_day=5, per_rolling_24h=5))
    attempts = [NOW - timedelta(days=3), NOW]
    decision = decide(CallOutcome.NO_ANSWER, attempts, policy)
    assert decision.retired and "lifetime" in decision.reason


def test_rolling_24h_cap_defers_to_when_the_oldest_attempt_leaves() -> None:
    policy = RetryPolicy(busy_delay=timedelta(minutes=5))
    attempts = [NOW - timedelta(hours=20), NOW - timedelta(hours=1), NOW]
    decision = decide(CallOutcome.BUSY, attempts, policy)
    assert decision.retry_at == NOW + timedelta(hours=4)
    assert "24 h" in decision.reason


def test_naive_datetimes_and_bad_settings_are_refused() -> None:
    with pytest.raises(RetryPolicyError, match="aware"):
        next_attempt(
            RetryPolicy(),
            CallOutcome.BUSY,
            datetime(2026, 1, 1),  # noqa: DTZ001
            number_attempts=[],
            account_attempts=[],
        )
    with pytest.raises(RetryPolicyError, match="at least 1"):
        RetryPolicy(number_caps=AttemptCaps(lifetime=0))


@given(
    offsets=st.lists(st.integers(min_value=0, max_value=72 * 60), min_size=1, max_size=8),
    outcome=st.sampled_from([CallOutcome.NO_ANSWER, CallOutcome.BUSY, CallOutcome.MACHINE]),
)
def test_a_retry_never_breaks_the_rolling_cap(offsets: list[int], outcome: CallOutcome) -> None:
    policy = RetryPolicy(
        number_caps=AttemptCaps(lifetime=100, per_day=100, per_rolling_24h=3),
        account_caps=AttemptCaps(lifetime=100, per_day=100, per_rolling_24h=100),
    )
    attempts = [NOW - timedelta(minutes=m) for m in offsets] + [NOW]
    decision = next_attempt(
        policy, outcome, NOW, number_attempts=attempts, account_attempts=attempts
    )
    assert decision.retry_at is not None
    assert decision.retry_at >= NOW + timedelta(minutes=1)
    at = decision.retry_at
    in_window = [a for a in attempts if a > at - timedelta(hours=24)]
    assert len(in_window) + 1 <= 3


def _outcome(
    status: str = "completed",
    *,
    abandoned: bool = False,
    answered_by: str | None = "human",
    bridged: bool = True,
    number_does_not_exist: bool = False,
) -> CallOutcome:
    return outcome_of(
        status=status,
        abandoned=abandoned,
        answered_by=answered_by,
        bridged=bridged,
        number_does_not_exist=number_does_not_exist,
    )


def test_outcome_of_a_finished_attempt() -> None:
    assert _outcome() is CallOutcome.CONNECTED
    assert _outcome(answered_by=None) is CallOutcome.CONNECTED  # AMD off
    assert _outcome(abandoned=True, bridged=False) is CallOutcome.ABANDONED
    # answered by a person no rep took: abandoned, even if that was never written down
    assert _outcome(bridged=False) is CallOutcome.ABANDONED
    # a machine is a machine, dropped or bridged
    assert _outcome(answered_by="machine", abandoned=True) is CallOutcome.MACHINE
    assert _outcome(answered_by="machine") is CallOutcome.MACHINE
    assert _outcome("busy", answered_by=None, bridged=False) is CallOutcome.BUSY
    assert _outcome("no-answer", answered_by=None, bridged=False) is CallOutcome.NO_ANSWER
    assert _outcome("failed", answered_by=None, bridged=False) is CallOutcome.NO_ANSWER
    assert (
        _outcome("failed", answered_by=None, bridged=False, number_does_not_exist=True)
        is CallOutcome.INVALID
    )
    # the carrier's SIP code counts only for a call that did not connect
    assert _outcome(number_does_not_exist=True) is CallOutcome.CONNECTED
