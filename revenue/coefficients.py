"""The service coefficient (服务系数): one number per person per month, 1 for a clean record,
lower for worse service, computed from the month's upheld complaints, QA review scores and
SMS satisfaction ratings by the firm's versioned, effective-dated rule. The revenue rules'
bands (``revenue.rules.DEFAULT_COEFFICIENT_BANDS``: reference/003) turn it into the pay
multiplier, so the coefficient never pays by itself.

    score = 1
          - complaint_penalty x upheld complaints
          - qa_weight  x (qa_target  - mean QA score),  when below the target
          - sms_weight x (sms_target - mean rating),    when below the target and at least
                                                        ``min_sms_answers`` answered
    clamped to [0, 1] and cut (never rounded up) to four places.

With the default rule one upheld complaint takes 0.1 (x1.03 -> x1.0), two take the
person to 0.8 (x0.8), three to 0.7 (x0.6), four withhold the pay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from revenue.errors import RevenueError
from revenue.money import refuse_float

ONE = Decimal(1)
ZERO = Decimal(0)
PLACES = Decimal("0.0001")

Weight = Annotated[
    Decimal,
    BeforeValidator(refuse_float),
    Field(ge=0, le=10, max_digits=6, decimal_places=4, allow_inf_nan=False),
]


class CoefficientRuleInvalid(RevenueError, ValueError):
    """A coefficient rule or rule book is unusable; the message says what to fix."""


class NoCoefficientRule(RevenueError):
    """No coefficient rule was in force on the day asked."""


class CoefficientRule(BaseModel):
    """One version of the firm's coefficient rule (a stored version never changes)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = Field(gt=0)
    effective_from: date
    complaint_penalty: Weight = Decimal("0.1")
    qa_target: Weight = Decimal("0.85")  # QA scores are shares of the scorecard, 0..1
    qa_weight: Weight = Decimal("0.5")
    sms_target: Weight = Decimal("4")  # SMS ratings are 1..5
    sms_weight: Weight = Decimal("0.05")
    min_sms_answers: int = Field(default=3, ge=1)

    @model_validator(mode="after")
    def _targets_in_range(self) -> Self:
        if self.qa_target > ONE:
            raise CoefficientRuleInvalid("qa_target is a share of the scorecard: at most 1")
        if not Decimal(1) <= self.sms_target <= Decimal(5):
            raise CoefficientRuleInvalid("sms_target is a rating: between 1 and 5")
        return self


DEFAULT_COEFFICIENT_RULE = CoefficientRule(version=1, effective_from=date(2000, 1, 1))


@dataclass(frozen=True, slots=True)
class ServiceFacts:
    """One person's month: what the coefficient is computed from."""

    upheld_complaints: int = 0
    qa_scores: tuple[Decimal, ...] = ()
    sms_ratings: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.upheld_complaints < 0:
            raise CoefficientRuleInvalid("a count of complaints is never negative")
        if any(not ZERO <= s <= ONE for s in self.qa_scores):
            raise CoefficientRuleInvalid("a QA score is a share of the scorecard, 0..1")
        if any(not 1 <= r <= 5 for r in self.sms_ratings):
            raise CoefficientRuleInvalid("an SMS rating is 1..5")


@dataclass(frozen=True, slots=True)
class Coefficient:
    """A computed coefficient and what made it (shown on statements)."""

    score: Decimal
    rule_version: int
    inputs: dict[str, Any] = field(default_factory=dict)


def _mean(values: tuple[Decimal, ...]) -> Decimal:
    return sum(values, ZERO) / len(values)


def compute_coefficient(rule: CoefficientRule, facts: ServiceFacts) -> Coefficient:
    complaints = rule.complaint_penalty * facts.upheld_complaints
    qa_mean = _mean(facts.qa_scores) if facts.qa_scores else None
    qa = rule.qa_weight * max(ZERO, rule.qa_target - qa_mean) if qa_mean is not None else ZERO
    counted_sms = len(facts.sms_ratings) >= rule.min_sms_answers
    sms_mean = _mean(tuple(Decimal(r) for r in facts.sms_ratings)) if facts.sms_ratings else None
    sms = (
        rule.sms_weight * max(ZERO, rule.sms_target - sms_mean)
        if counted_sms and sms_mean is not None
        else ZERO
    )
    raw = ONE - complaints - qa - sms
    score = min(ONE, max(ZERO, raw)).quantize(PLACES, rounding=ROUND_DOWN)
    inputs: dict[str, Any] = {
        "upheld_complaints": facts.upheld_complaints,
        "complaint_deduction": str(complaints),
        "qa_reviews": len(facts.qa_scores),
        "qa_mean": None if qa_mean is None else str(qa_mean.quantize(PLACES)),
        "qa_deduction": str(qa.quantize(PLACES)),
        "sms_answers": len(facts.sms_ratings),
        "sms_mean": None if sms_mean is None else str(sms_mean.quantize(PLACES)),
        "sms_deduction": str(sms.quantize(PLACES)),
    }
    return Coefficient(score=score, rule_version=rule.version, inputs=inputs)


class CoefficientRuleBook(BaseModel):
    """Every version of the rule; a version is in force from its day until the next one's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    versions: tuple[CoefficientRule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        numbers = [v.version for v in self.versions]
        if numbers != sorted(set(numbers)):
            raise CoefficientRuleInvalid(f"rule versions must be unique and in order: {numbers}")
        starts = [v.effective_from for v in self.versions]
        if any(later <= earlier for earlier, later in zip(starts, starts[1:], strict=False)):
            raise CoefficientRuleInvalid(
                "each coefficient rule version must take effect after the one before it"
            )
        return self

    def in_force_on(self, day: date) -> CoefficientRule:
        in_force = [v for v in self.versions if v.effective_from <= day]
        if not in_force:
            raise NoCoefficientRule(
                f"no coefficient rule was in force on {day.isoformat()}: the first takes "
                f"effect on {self.versions[0].effective_from.isoformat()}"
            )
        return in_force[-1]
