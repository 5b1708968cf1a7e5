"""The predictive pacer's risk arithmetic: P(others' demand >= supply) over a horizon, by a
normal approximation of sums of independent Bernoulli calls and reps."""

from __future__ import annotations

import math
from dataclasses import dataclass


def upper_tail(at_least: float, mean: float, variance: float) -> float:
    """P(S >= at_least) for an integer-valued S ~ Normal(mean, variance) (continuity-corrected)."""
    if variance <= 1e-12:
        return 1.0 if mean >= at_least - 0.5 else 0.0
    z = (at_least - 0.5 - mean) / math.sqrt(variance)
    return 0.5 * math.erfc(z / math.sqrt(2.0))


@dataclass(slots=True)
class RiskProfile:
    """Mean and variance of (others' demand - supply) over one horizon; a new call's
    probability of needing a rep within it."""

    mean: float
    variance: float
    new_call: float

    def add_new_call(self) -> None:
        self.mean += self.new_call
        self.variance += self.new_call * (1.0 - self.new_call)
