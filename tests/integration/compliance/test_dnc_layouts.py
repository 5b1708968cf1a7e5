"""Reading DNC file lines (pure): the NANP shortcut agrees with phonenumbers on every number."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.dnc_files import DncSource, NanpValidity, header_columns, parse_line


def _direct(digits: str) -> str | None:
    parsed = phonenumbers.parse("+1" + digits, None)
    return "+1" + digits if phonenumbers.is_valid_number(parsed) else None


def _shortcut(nanp: NanpValidity, digits: str) -> str | None:
    try:
        return parse_line(DncSource.NATIONAL, 1, digits, "US", None, nanp).e164
    except Exception as rejected:
        assert str(rejected) == "invalid_number"
        return None


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_the_exchange_shortcut_agrees_with_phonenumbers(digits: str) -> None:
    # a fresh cache and one warmed by a neighbour of the same exchange answer alike
    warmed = NanpValidity()
    _shortcut(warmed, digits[:6] + "0000")
    assert _shortcut(NanpValidity(), digits) == _shortcut(warmed, digits) == _direct(digits)


def test_the_exchange_shortcut_agrees_on_a_bulk_sample_of_real_looking_numbers() -> None:
    rng = random.Random(20261123)
    nanp = NanpValidity()
    exchanges = [f"{rng.randint(200, 999)}{rng.randint(200, 999)}" for _ in range(300)]
    disagreements = [
        digits
        for digits in (rng.choice(exchanges) + f"{rng.randint(0, 9999):04d}" for _ in range(6000))
        if _shortcut(nanp, digits) != _direct(digits)
    ]
    assert disagreements == []
    assert any(_direct(e + "1234") for e in exchanges)  # the sample holds valid numbers
    assert not all(_direct(e + "1234") for e in exchanges)  # and invalid ones


@pytest.mark.parametrize(
    ("line", "columns"),
    [
        ("number,expires_at,scope,note", ["number", "expires_at", "scope", "note"]),
        ("Phone , Note", ["number", "note"]),
        ("e164", ["number"]),
        ("+8613800000001,,,", None),
        ("note,scope", None),  # no number column
        ("number,number", None),
    ],
)
def test_a_firm_list_header_is_recognised_by_its_column_names(
    line: str, columns: list[str] | None
) -> None:
    assert header_columns(line) == columns
