"""Recording retention: the more specific setting wins, then the regime's default (CN long)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from compliance.recording_retention import (
    RetentionInvalid,
    check_retention,
    retain_until,
    retention_days,
)


def test_the_more_specific_setting_wins_then_the_defaults() -> None:
    table = {"CN": 3650, "CN/service": 1825}
    assert retention_days(table, "CN", "service") == 1825
    assert retention_days(table, "CN", "marketing") == 3650
    assert retention_days({}, "CN", "marketing") == 7300
    assert retention_days({}, "UK", "service") == 1825
    assert retention_days({}, "US", "marketing") == 1095
    ended = datetime(2026, 12, 7, tzinfo=UTC)
    assert retain_until({}, "CN", "marketing", ended) - ended == timedelta(days=7300)


def test_unusable_settings_are_refused_naming_the_key() -> None:
    with pytest.raises(RetentionInvalid, match="CN/sales"):
        check_retention({"CN/sales": 10})
    with pytest.raises(RetentionInvalid, match="at least one day"):
        check_retention({"UK": 0})
    assert check_retention({"US/marketing": 30}) == {"US/marketing": 30}
