"""QA review (电话抽调) in the abstract: the firm's scorecards and how a review scores, and
which calls a team's sampling plan puts in the reviewers' queue.

A scorecard is items with weights and a must-pass flag (identity and licence disclosure,
the risk warning read in full, no promise of returns, ...). A review's score is the share
of the weight of the items passed; a failed must-pass item makes it 0 whatever else
passed (a compliance breach is not averaged away). Sampling takes every call that must be
heard (a warm lead, a DNC disposition, a complaint) and a random share of each rep's other
recorded calls of the day, drawn reproducibly from a seed."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Reason = Literal["random", "warm_lead", "complaint", "dnc_disposition"]


class ScorecardItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    label: str = Field(min_length=1)
    weight: int = Field(ge=0, le=100)
    must_pass: bool = False


class Scorecard(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    items: tuple[ScorecardItem, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _usable(self) -> Self:
        keys = [item.key for item in self.items]
        if len(set(keys)) != len(keys):
            raise ValueError(f"scorecard items repeat a key: {keys}")
        if sum(item.weight for item in self.items) <= 0:
            raise ValueError("a scorecard's weights must add up to more than 0")
        return self

    def score(self, passed: Mapping[str, bool]) -> tuple[Decimal, bool]:
        """(the share of the weight passed, to four places; whether a must-pass item failed).
        Every item must be answered, and nothing else."""
        keys = {item.key for item in self.items}
        if set(passed) != keys:
            missing = sorted(keys - set(passed))
            extra = sorted(set(passed) - keys)
            raise ValueError(f"answer every scorecard item: missing {missing}, unknown {extra}")
        failed_must = any(item.must_pass and not passed[item.key] for item in self.items)
        if failed_must:
            return Decimal(0), True
        total = sum(item.weight for item in self.items)
        earned = sum(item.weight for item in self.items if passed[item.key])
        share = (Decimal(earned) / Decimal(total)).quantize(Decimal("0.0001"), rounding=ROUND_DOWN)
        return share, False


DEFAULT_SCORECARD = Scorecard(
    items=(
        ScorecardItem(key="identity", label="自报身份与执业编号", weight=15, must_pass=True),
        ScorecardItem(key="risk_warning", label="完整宣读风险提示", weight=25, must_pass=True),
        ScorecardItem(key="no_promise", label="未承诺收益", weight=25, must_pass=True),
        ScorecardItem(key="needs", label="了解客户需求", weight=20),
        ScorecardItem(key="courtesy", label="礼貌用语", weight=15),
    )
)


@dataclass(frozen=True, slots=True)
class SampleCandidate:
    call_attempt_id: int
    rep_user_id: int
    must_review: tuple[Reason, ...] = ()


def sample_calls(
    candidates: Iterable[SampleCandidate], *, random_share: Decimal, seed: str
) -> list[tuple[int, int, Reason]]:
    """(call, rep, reason) for every must-review call (once per reason) and, of each rep's
    other calls, ceil(share x count) drawn at random."""
    chosen: list[tuple[int, int, Reason]] = []
    others: dict[int, list[int]] = {}
    for call in sorted(candidates, key=lambda c: c.call_attempt_id):
        for reason in call.must_review:
            chosen.append((call.call_attempt_id, call.rep_user_id, reason))
        if not call.must_review:
            others.setdefault(call.rep_user_id, []).append(call.call_attempt_id)
    rng = random.Random(seed)
    for rep, calls in sorted(others.items()):
        count = math.ceil(Decimal(len(calls)) * random_share)
        for call_id in sorted(rng.sample(calls, min(count, len(calls)))):
            chosen.append((call_id, rep, "random"))
    return chosen
