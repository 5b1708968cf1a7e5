"""The learned propensities: P(contact | account, local hour, day) and P(warm lead | contact).

Both are logistic regressions (scikit-learn) over the one-hot blocks of scoring.features.
Why logistic regression (docs/scoring.md): it is fitted by maximising the likelihood, so
its probabilities are calibrated without a separate calibrator (tests/unit/scoring checks
per decile on held-out simulated data); it is additive over the blocks, so a score splits
into the contribution of each feature (the reasons) and an account's curve over 24 hours
costs 24 additions; it fits a month of attempts in well under a second and is stored as a
few hundred numbers of JSON (the `scoring_models` table).

A model is plain data (`PropensityModel`), pure to apply; `fit_model` is the only place
that calls scikit-learn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression

from scoring.features import CONTACT_BLOCKS, LEAD_BLOCKS, Rows, Vocabulary, design_matrix

# the inverse strength of the L2 penalty: mild, so that sparse hours shrink to the mean
REGULARISATION_C = 1.0
MIN_ROWS_TO_FIT = 200


@dataclass(frozen=True)
class AdditiveLogit:
    """intercept + the coefficient of each block's code, per row."""

    blocks: tuple[tuple[str, ...], ...]
    intercept: float
    coefficients: tuple[NDArray[np.float64], ...]

    def logit(self, vocabulary: Vocabulary, rows: Rows) -> NDArray[np.float64]:
        total = np.full(len(rows[self.blocks[0][0]]), self.intercept)
        for block, coefficients in zip(self.blocks, self.coefficients, strict=True):
            total += coefficients[vocabulary.block_codes(block, rows)]
        return total

    def contributions(self, vocabulary: Vocabulary, rows: Rows) -> dict[str, NDArray[np.float64]]:
        """Each block's part of the logit, centred on the block's mean coefficient."""
        parts: dict[str, NDArray[np.float64]] = {}
        for block, coefficients in zip(self.blocks, self.coefficients, strict=True):
            codes = vocabulary.block_codes(block, rows)
            parts[" x ".join(block)] = coefficients[codes] - float(coefficients.mean())
        return parts

    def to_json(self) -> dict[str, Any]:
        return {
            "blocks": [list(block) for block in self.blocks],
            "intercept": self.intercept,
            "coefficients": [c.round(6).tolist() for c in self.coefficients],
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> AdditiveLogit:
        return cls(
            blocks=tuple(tuple(block) for block in raw["blocks"]),
            intercept=float(raw["intercept"]),
            coefficients=tuple(np.asarray(c, dtype=np.float64) for c in raw["coefficients"]),
        )


def sigmoid(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class PropensityModel:
    vocabulary: Vocabulary
    contact: AdditiveLogit
    lead: AdditiveLogit
    # expected revenue of a warm lead per segment (integer cents), from the history
    lead_value_cents: Mapping[str, int] = field(default_factory=dict)
    trained_rows: int = 0

    def p_contact(self, rows: Rows) -> NDArray[np.float64]:
        return sigmoid(self.contact.logit(self.vocabulary, rows))

    def p_lead(self, rows: Rows) -> NDArray[np.float64]:
        return sigmoid(self.lead.logit(self.vocabulary, rows))

    def hourly_contact_logit(self, segment_code: int) -> NDArray[np.float64]:
        """The segment's part of the contact logit for local hours 0..23."""
        table = self.contact.coefficients[0]
        hours = 24
        return table[segment_code * hours : (segment_code + 1) * hours]

    def weekday_logit(self) -> NDArray[np.float64]:
        return self.contact.coefficients[1]

    def value_cents(self, segment_codes: NDArray[np.int64]) -> NDArray[np.float64]:
        default = (
            float(np.mean(list(self.lead_value_cents.values()))) if self.lead_value_cents else 1.0
        )
        values = [self.lead_value_cents.get(name, default) for name in self.vocabulary.segments]
        return np.asarray([*values, default], dtype=np.float64)[segment_codes]

    def to_json(self) -> dict[str, Any]:
        return {
            "segments": list(self.vocabulary.segments),
            "regions": list(self.vocabulary.regions),
            "contact": self.contact.to_json(),
            "lead": self.lead.to_json(),
            "lead_value_cents": dict(self.lead_value_cents),
            "trained_rows": self.trained_rows,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> PropensityModel:
        return cls(
            vocabulary=Vocabulary(tuple(raw["segments"]), tuple(raw["regions"])),
            contact=AdditiveLogit.from_json(raw["contact"]),
            lead=AdditiveLogit.from_json(raw["lead"]),
            lead_value_cents={k: int(v) for k, v in raw["lead_value_cents"].items()},
            trained_rows=int(raw["trained_rows"]),
        )


def _fit_logit(
    vocabulary: Vocabulary,
    blocks: tuple[tuple[str, ...], ...],
    rows: Rows,
    labels: NDArray[np.bool_],
) -> AdditiveLogit:
    matrix = design_matrix(vocabulary, blocks, rows)
    sizes = [vocabulary.block_size(block) for block in blocks]
    if labels.all() or not labels.any():
        # one class only: a constant model at the (clipped) observed rate
        rate = min(max(float(labels.mean()) if labels.size else 0.5, 0.001), 0.999)
        zero = tuple(np.zeros(size) for size in sizes)
        return AdditiveLogit(blocks, float(np.log(rate / (1 - rate))), zero)
    regression = LogisticRegression(
        C=REGULARISATION_C, solver="newton-cholesky", max_iter=100, tol=1e-6
    )
    regression.fit(matrix, labels)
    flat = regression.coef_[0]
    split = np.split(flat, np.cumsum(sizes)[:-1])
    return AdditiveLogit(
        blocks, float(regression.intercept_[0]), tuple(np.asarray(s) for s in split)
    )


def fit_model(
    vocabulary: Vocabulary,
    rows: Rows,
    contacted: NDArray[np.bool_],
    lead: NDArray[np.bool_],
    revenue_cents: NDArray[np.int64],
    *,
    prior_value_cents: int = 10_000,
    value_prior_weight: float = 20.0,
) -> PropensityModel | None:
    """Fit both models from attempts (`rows`, one per dial): `contacted` per attempt, and
    for contacted attempts whether a warm lead came of it and the revenue it brought.
    None when there is too little history to fit (the caller keeps its prior)."""
    if contacted.size < MIN_ROWS_TO_FIT:
        return None
    contact = _fit_logit(vocabulary, CONTACT_BLOCKS, rows, contacted)
    reached = {name: values[contacted] for name, values in rows.items()}
    lead_model = _fit_logit(vocabulary, LEAD_BLOCKS, reached, lead[contacted])
    values: dict[str, int] = {}
    segments = rows["segment"]
    for code, name in enumerate(vocabulary.segments):
        in_segment = lead & (segments == code)
        total = int(revenue_cents[in_segment].sum())
        count = int(in_segment.sum())
        values[name] = round(
            (total + prior_value_cents * value_prior_weight) / (count + value_prior_weight)
        )
    return PropensityModel(vocabulary, contact, lead_model, values, int(contacted.size))
