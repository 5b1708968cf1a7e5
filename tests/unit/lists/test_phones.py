"""The fast phone path must give exactly phonenumbers' answer, and take the common formats."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaigns.lists.phones import (
    PhoneNormaliser,
    UnknownRegion,
    reference_normalise,
    split_phone_cell,
)
from tests.unit.lists.factories import landline, mobile, phone_sample, written

COMMON = [
    "13812345678",
    "138 1234 5678",
    "138-1234-5678",
    "+86 138 1234 5678",
    "+8613812345678",
    "0086 13812345678",
    "8613812345678",
    "１３８１２３４５６７８",
    "＋８６ １３８１２３４５６７８",
    "010-62345678",
    "(021) 52345678",
    "0755 2345 6789",
    "0571-87654321",
]


@pytest.mark.parametrize("raw", COMMON)
def test_common_formats_take_the_fast_path_and_agree(raw: str) -> None:
    normaliser = PhoneNormaliser("CN")
    fast = normaliser.fast(raw)
    assert fast is not None, f"{raw!r} should be handled by the fast path"
    assert normaliser.normalise(raw) == reference_normalise(raw, "CN")
    assert normaliser.normalise(raw) is not None


def test_a_mobile_gets_type_region_and_time_zone() -> None:
    phone = PhoneNormaliser("CN").normalise("+86 138-1234-5678")
    assert phone is not None
    assert phone.e164 == "+8613812345678"
    assert phone.line_type == "mobile"
    assert phone.region_code == "CN"
    assert phone.time_zones == ("Asia/Shanghai",)


def test_landline_with_area_code() -> None:
    phone = PhoneNormaliser("CN").normalise("010-62345678")
    assert phone is not None
    assert (phone.e164, phone.line_type) == ("+861062345678", "fixed_line")


@pytest.mark.parametrize("raw", ["12345", "1380000", "11111111111", "abc", "", "+999 1234"])
def test_invalid_numbers_are_none(raw: str) -> None:
    assert PhoneNormaliser("CN").normalise(raw) is None


def test_rare_formats_fall_back_to_phonenumbers() -> None:
    normaliser = PhoneNormaliser("CN")
    for raw in ("4001234567", "+852 2123 4567", "17951 13812345678"):
        assert normaliser.fast(raw) is None
        assert normaliser.normalise(raw) == reference_normalise(raw, "CN")
    assert normaliser.slow_calls == 3


def test_regions_sharing_a_calling_code_always_use_phonenumbers() -> None:
    normaliser = PhoneNormaliser("US")
    assert normaliser.normalise("(201) 555-0123") == reference_normalise("(201) 555-0123", "US")
    assert normaliser.fast_hits == 0


def test_unknown_region_is_refused() -> None:
    with pytest.raises(UnknownRegion, match="unknown default region"):
        PhoneNormaliser("XX")


def test_bulk_agreement_on_120k_generated_numbers() -> None:
    """The benchmark checks 1,000,000; CI checks 120,000 of the same shapes."""
    rng = random.Random(20261123)
    normaliser = PhoneNormaliser("CN")
    disagreements = []
    for _ in range(120_000):
        raw = phone_sample(rng)
        if normaliser.normalise(raw) != reference_normalise(raw, "CN"):
            disagreements.append(raw)
    assert disagreements == []
    # the fast path must actually carry the load, or it proves nothing
    assert normaliser.fast_hits > 100_000


_separators = st.sampled_from(["", " ", "-", "  ", "\u3000"])


@st.composite
def typed_numbers(draw: st.DrawFn) -> str:
    rng = random.Random(draw(st.integers(0, 2**32)))
    base = draw(
        st.one_of(
            st.just(mobile(rng)),
            st.just(landline(rng)),
            st.text(alphabet="0123456789", min_size=1, max_size=16),
        )
    )
    prefix = draw(st.sampled_from(["", "+86", "0086", "86", "+", "0", "00", "+852", "17951"]))
    separator = draw(_separators)
    cut = draw(st.integers(0, len(base)))
    text = prefix + separator + base[:cut] + separator + base[cut:]
    if draw(st.booleans()):
        text = written(rng, text) if text.isdigit() else text
    return text


@settings(max_examples=3000, deadline=None)
@given(typed_numbers())
def test_fast_path_agrees_with_phonenumbers(raw: str) -> None:
    assert PhoneNormaliser("CN").normalise(raw) == reference_normalise(raw, "CN")


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=20))
def test_arbitrary_text_agrees_with_phonenumbers(raw: str) -> None:
    assert PhoneNormaliser("CN").normalise(raw) == reference_normalise(raw, "CN")


def test_several_numbers_in_one_cell() -> None:
    assert split_phone_cell("13812345678/13912345678") == ["13812345678", "13912345678"]
    assert split_phone_cell("13812345678；010-62345678、13912345678") == [
        "13812345678",
        "010-62345678",
        "13912345678",
    ]
    assert split_phone_cell("13812345678或13912345678") == ["13812345678", "13912345678"]
    assert split_phone_cell("  ") == []
