from decimal import ROUND_FLOOR, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revenue.errors import AmountInvalid
from revenue.money import allocate_largest_remainder, from_cents, require_cents, to_cents

TEN_PLACES = Decimal("1e-10")


def test_a_tied_residual_cent_goes_to_the_first_part() -> None:
    assert allocate_largest_remainder(1, [Decimal("0.5"), Decimal("0.5")]) == [1, 0]
    assert allocate_largest_remainder(3, [Decimal("0.75")] * 4) == [1, 1, 1, 0]


def test_largest_remainder_beats_position() -> None:
    parts = [Decimal("10.2"), Decimal("20.7"), Decimal("9.1")]
    assert allocate_largest_remainder(40, parts) == [10, 21, 9]


def test_whole_parts_are_never_moved() -> None:
    parts = [Decimal("5"), Decimal("0.5"), Decimal("0.5")]
    assert allocate_largest_remainder(6, parts) == [5, 1, 0]


def test_parts_must_add_up_to_the_total() -> None:
    with pytest.raises(AmountInvalid, match="sum to"):
        allocate_largest_remainder(10, [Decimal("3"), Decimal("3")])


def test_fractional_cents_are_refused() -> None:
    with pytest.raises(AmountInvalid, match="whole number of cents"):
        require_cents(Decimal("1.005"), what="revenue")


def test_cents_round_trip() -> None:
    assert to_cents(Decimal("12.34")) == 1234
    assert from_cents(1234) == Decimal("12.34")
    assert str(from_cents(5)) == "0.05"


@given(
    total=st.integers(min_value=0, max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=6),
)
def test_allocation_is_exact_and_within_a_cent(total: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        weights = [*weights[:-1], 1]
    scale = Decimal(sum(weights))
    exact = [(Decimal(total) * w / scale).quantize(TEN_PLACES, ROUND_FLOOR) for w in weights[:-1]]
    exact.append(Decimal(total) - sum(exact, Decimal(0)))
    rounded = allocate_largest_remainder(total, exact)
    assert sum(rounded) == total
    assert all(abs(r - e) < 1 for r, e in zip(rounded, exact, strict=True))
    assert all(r == e for r, e in zip(rounded, exact, strict=True) if e == int(e))
