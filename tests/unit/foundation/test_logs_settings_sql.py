import json

import pytest
import structlog

from dialer.logs import configure_logging, mask_phone
from dialer.settings import SettingsError, load_settings
from dialer.sql import parse_queries
from dialer.web.i18n import LANGUAGES, MESSAGES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("calling +8613812345678 now", "calling +861********78 now"),
        ("to 138 1234 5678", "to 138******78"),
        ("+13055550123", "+130******23"),
        ("campaign 42 has 1500 rows", "campaign 42 has 1500 rows"),
    ],
)
def test_phone_numbers_are_masked(text, expected):
    assert mask_phone(text) == expected


@pytest.fixture
def json_logs():
    import io

    buffer = io.StringIO()
    configure_logging("json", "info", file=buffer)
    yield buffer
    structlog.reset_defaults()


def test_log_events_mask_numbers_in_nested_values(json_logs):
    structlog.get_logger("t").info(
        "call_placed", to="+8613812345678", extra={"from": "+862195500000"}
    )
    line = json.loads(json_logs.getvalue().strip().splitlines()[-1])
    assert line["event"] == "call_placed"
    assert "13812345678" not in json.dumps(line)
    assert line["to"].endswith("78") and "*" in line["to"]


def test_settings_read_the_environment(monkeypatch):
    monkeypatch.setenv("DIALER_TWILIO_CALLER_IDS", "+13055550123, +862195500000")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    settings = load_settings()
    assert settings.twilio_caller_ids == ["+13055550123", "+862195500000"]
    assert settings.database_url == "postgresql://u@h/db"
    assert not settings.twilio_configured


def test_a_bad_caller_id_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv("DIALER_TWILIO_CALLER_IDS", "12345")
    with pytest.raises(SettingsError, match="DIALER_TWILIO_CALLER_IDS: .*not an E.164 number"):
        load_settings()


def test_named_queries_are_parsed_and_duplicates_refused():
    queries = parse_queries("-- name: a\nSELECT 1;\n\n-- name: b\nSELECT $1;\n")
    assert queries == {"a": "SELECT 1;", "b": "SELECT $1;"}
    with pytest.raises(ValueError, match="defined twice"):
        parse_queries("-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;")


def test_every_console_text_exists_in_both_languages():
    missing = [
        key
        for key, entry in MESSAGES.items()
        if set(entry) != set(LANGUAGES) or not all(entry.values())
    ]
    assert missing == []
