"""The learned score's features: documented, and no protected attribute among them."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from scoring.features import (
    CONTACT_BLOCKS,
    FEATURES,
    LEAD_BLOCKS,
    PROTECTED_ATTRIBUTES,
    Vocabulary,
    days_since_trade_band,
    design_matrix,
)

DOCS = Path(__file__).parents[3] / "docs" / "scoring.md"


def test_no_protected_attribute_is_a_feature() -> None:
    for feature in FEATURES:
        words = set(feature.split("_"))
        assert feature not in PROTECTED_ATTRIBUTES
        # "account_age_band" is the account's age; no feature names the person's age/sex/...
        assert not (words & {"sex", "gender", "ethnicity", "race", "birth", "religion"})
        if "age" in words:
            assert feature == "account_age_band"
    for block in (*CONTACT_BLOCKS, *LEAD_BLOCKS):
        assert set(block) <= set(FEATURES)


def test_the_feature_list_in_the_docs_is_the_code_s() -> None:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## Features", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE)
    assert documented == list(FEATURES)


def test_design_matrix_is_one_hot_per_block() -> None:
    vocabulary = Vocabulary(("workers", "retirees"), ("eastern",))
    rows = {name: np.zeros(3, dtype=np.int64) for name in FEATURES}
    rows["segment"] = np.array([0, 1, 2])  # 2: an unknown segment
    rows["local_hour"] = np.array([9, 19, 23])
    matrix = design_matrix(vocabulary, CONTACT_BLOCKS, rows)
    assert matrix.shape[0] == 3
    assert (matrix.sum(axis=1) == len(CONTACT_BLOCKS)).all()
    first = matrix[0].indices
    assert 0 * 24 + 9 in first and 1 * 24 + 19 in matrix[1].indices
    assert list(days_since_trade_band(np.array([0, 29, 30, 100, 200, 400, -1]))) == [
        0,
        0,
        1,
        2,
        3,
        4,
        5,
    ]
