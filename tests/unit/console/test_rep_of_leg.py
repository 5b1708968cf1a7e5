"""Whose room a leg calling the rep-room webhook joins: only ever its own rep's."""

from __future__ import annotations

import pytest

from dialer.floor.audio_rooms import rep_of_leg


def test_a_browser_leg_is_the_rep_of_its_token_identity():
    assert rep_of_leg("client:rep-12", None) == 12


def test_a_phone_leg_is_the_rep_named_in_the_signed_url():
    assert rep_of_leg("+8613900001111", "12") == 12


@pytest.mark.parametrize(
    ("from_identity", "rep_ref"),
    [
        ("client:rep-12", "13"),  # a browser identity and a URL that disagree
        ("client:someone", None),  # a client identity we never minted
        ("client:rep-0", None),
        ("client:rep-12x", None),
        ("+8613900001111", None),  # a phone leg without a rep in the URL
        ("+8613900001111", "12;13"),
        ("+8613900001111", "-1"),
        ("", ""),
    ],
)
def test_anything_else_is_nobodys_room(from_identity, rep_ref):
    assert rep_of_leg(from_identity, rep_ref) is None


def test_a_browser_leg_may_repeat_its_own_rep_in_the_url():
    assert rep_of_leg("client:rep-12", "12") == 12
