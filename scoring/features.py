"""What the learned score may look at: the feature list, its encoding, and what it may not.

Every feature is a small integer code per row (an attempt, or an account at an hour); the
models are additive over one-hot blocks of these codes, so a score splits into the
contribution of each feature (the reasons shown to reps). `segment x local_hour` is one
block: each segment has its own hourly curve.

No protected attribute is a feature: not the person's sex, ethnicity, age or date of birth
(`account_age_band` is how long the *account* has been open). tests/unit/scoring checks
the list against PROTECTED_ATTRIBUTES.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

PROTECTED_ATTRIBUTES: frozenset[str] = frozenset(
    {
        "sex",
        "gender",
        "ethnicity",
        "race",
        "religion",
        "nationality",
        "age",
        "birth_date",
        "date_of_birth",
        "birth_year",
        "marital_status",
        "disability",
    }
)

TIER_CODES: tuple[str, ...] = ("diamond", "gold", "silver")
DAYS_SINCE_TRADE_BANDS: tuple[int, ...] = (30, 90, 180, 365)  # upper bounds; beyond: last band

# feature -> how many codes it takes (None: from the model's vocabulary)
CARDINALITY: dict[str, int | None] = {
    "segment": None,
    "region": None,
    "tier": len(TIER_CODES) + 1,  # + unknown
    "asset_band": 5,  # four bands + unknown
    "account_age_band": 5,
    "days_since_trade_band": len(DAYS_SINCE_TRADE_BANDS) + 2,  # + unknown
    "prior_contacts": 4,  # 0, 1, 2, 3 or more
    "prior_leads": 3,  # 0, 1, 2 or more
    "campaign_attempts": 6,  # this campaign's earlier attempts: 0 .. 5 or more
    "local_hour": 24,
    "weekday": 7,
}
FEATURES: tuple[str, ...] = tuple(CARDINALITY)

# The blocks of each model; a pair is an interaction (one coefficient per pair of codes).
CONTACT_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("segment", "local_hour"),
    ("weekday",),
    ("region",),
    ("tier",),
    ("asset_band",),
    ("account_age_band",),
    ("days_since_trade_band",),
    ("prior_contacts",),
    ("prior_leads",),
    ("campaign_attempts",),
)
LEAD_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("segment",),
    ("region",),
    ("tier",),
    ("asset_band",),
    ("account_age_band",),
    ("days_since_trade_band",),
    ("prior_contacts",),
    ("prior_leads",),
)

Rows = Mapping[str, NDArray[np.int64]]


def days_since_trade_band(days: NDArray[np.int64]) -> NDArray[np.int64]:
    """0: under 30 days, 1: 30-90, 2: 90-180, 3: 180-365, 4: a year or more; 5 unknown (<0)."""
    band = np.searchsorted(np.asarray(DAYS_SINCE_TRADE_BANDS), days, side="right")
    return np.where(days < 0, len(DAYS_SINCE_TRADE_BANDS) + 1, band).astype(np.int64)


def capped(values: NDArray[np.int64], top: int) -> NDArray[np.int64]:
    return np.minimum(np.maximum(values, 0), top).astype(np.int64)


@dataclass(frozen=True)
class Vocabulary:
    """The names behind the coded categorical features of one model."""

    segments: tuple[str, ...]
    regions: tuple[str, ...]

    def cardinality(self, feature: str) -> int:
        if feature == "segment":
            return len(self.segments) + 1  # + unknown
        if feature == "region":
            return len(self.regions) + 1
        size = CARDINALITY[feature]
        assert size is not None
        return size

    def block_size(self, block: tuple[str, ...]) -> int:
        size = 1
        for feature in block:
            size *= self.cardinality(feature)
        return size

    def block_codes(self, block: tuple[str, ...], rows: Rows) -> NDArray[np.int64]:
        codes = np.zeros(len(rows[block[0]]), dtype=np.int64)
        for feature in block:
            codes = codes * self.cardinality(feature) + rows[feature]
        return codes

    def code_of(self, feature: str, names: list[str] | tuple[str, ...]) -> NDArray[np.int64]:
        """Codes of segment or region names (an unseen name: the unknown code)."""
        known = self.segments if feature == "segment" else self.regions
        index = {name: position for position, name in enumerate(known)}
        return np.asarray([index.get(name, len(known)) for name in names], dtype=np.int64)


def design_matrix(
    vocabulary: Vocabulary, blocks: tuple[tuple[str, ...], ...], rows: Rows
) -> sparse.csr_matrix:
    """One-hot encoding of `rows` over `blocks` (one column per code of each block)."""
    n = len(rows[blocks[0][0]])
    columns = []
    offset = 0
    for block in blocks:
        columns.append(vocabulary.block_codes(block, rows) + offset)
        offset += vocabulary.block_size(block)
    indices = np.stack(columns, axis=1).ravel()
    indptr = np.arange(0, n * len(blocks) + 1, len(blocks))
    data = np.ones(indices.shape[0], dtype=np.float64)
    return sparse.csr_matrix((data, indices, indptr), shape=(n, offset))
