"""Why an account scores as it does: the top reasons, in words a rep reads in a second.

From the additive model (scoring.model): the account's best local hours to be reached
("answers 62% at 19–20 h local"), and the features that move its warm-lead chance the
most ("no trade for 40 days", "gold", "retirees"), largest effect first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from scoring.features import Rows
from scoring.model import PropensityModel

TOP_REASONS = 3


@dataclass(frozen=True)
class Reason:
    text: str
    effect: float  # logit points the reason adds (or takes away)


@dataclass(frozen=True)
class AccountScore:
    p_contact_now: float
    p_lead: float
    value_cents: int
    expected_value_cents: int
    best_hour_local: int
    best_hour_contact: float
    reasons: tuple[Reason, ...]


def _one(rows: Rows, index: int = 0) -> dict[str, np.ndarray]:
    return {name: values[index : index + 1] for name, values in rows.items()}


def explain(
    model: PropensityModel,
    rows: Rows,
    *,
    tier: str,
    segment: str,
    last_trade_on: date | None,
    today: date,
    window_local: tuple[int, int] = (8, 21),
) -> AccountScore:
    """Score one account (`rows`: its feature codes now, one row) and say why."""
    one = _one(rows)
    p_contact = float(model.p_contact(one)[0])
    p_lead = float(model.p_lead(one)[0])
    value = int(model.value_cents(one["segment"])[0])
    start, end = window_local
    hours = np.arange(start, end)
    by_hour = {name: np.repeat(values, hours.size) for name, values in one.items()}
    by_hour["local_hour"] = hours
    curve = model.p_contact(by_hour)
    best = int(hours[int(np.argmax(curve))])
    best_p = float(curve.max())
    reasons = [Reason(f"answers {best_p:.0%} at {best}–{best + 1} h local", 0.0)]
    parts = model.lead.contributions(model.vocabulary, one)
    worded: list[Reason] = []
    for block, values in parts.items():
        effect = float(values[0])
        if block == "tier":
            worded.append(Reason(tier, effect))
        elif block == "segment":
            worded.append(Reason(segment, effect))
        elif block == "days_since_trade_band":
            days = None if last_trade_on is None else (today - last_trade_on).days
            text = (
                "never traded"
                if days is None
                else f"lapsed {days} days"
                if days > 30
                else f"traded {days} days ago"
            )
            worded.append(Reason(text, effect))
        elif block == "asset_band":
            worded.append(Reason("assets band", effect))
        elif block == "prior_leads":
            worded.append(Reason("earlier leads", effect))
    worded.sort(key=lambda r: abs(r.effect), reverse=True)
    reasons.extend(worded[: TOP_REASONS - 1])
    return AccountScore(
        p_contact_now=p_contact,
        p_lead=p_lead,
        value_cents=value,
        expected_value_cents=round(p_contact * p_lead * value),
        best_hour_local=best,
        best_hour_contact=best_p,
        reasons=tuple(reasons),
    )
