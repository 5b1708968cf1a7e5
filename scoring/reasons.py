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


#: every reason's text by code, in the shape of the consoles' catalogues
#: (dialer/manager/messages.py: code -> {"zh": ..., "en": ...}); `{name}` is a parameter
REASON_TEXT: dict[str, dict[str, str]] = {
    "answers_at": {
        "zh": "当地 {hour}–{hour_end} 时接听率 {percent}%",
        "en": "answers {percent}% at {hour}–{hour_end} h local",
    },
    "tier": {"zh": "{tier}", "en": "{tier}"},
    "segment": {"zh": "客群：{segment}", "en": "{segment}"},
    "never_traded": {"zh": "从未交易", "en": "never traded"},
    "lapsed": {"zh": "已 {days} 天未交易", "en": "lapsed {days} days"},
    "traded_recently": {"zh": "{days} 天前交易过", "en": "traded {days} days ago"},
    "asset_band": {"zh": "资产档位", "en": "assets band"},
    "prior_leads": {"zh": "曾有意向", "en": "earlier leads"},
}
#: tier and segment values in words
VALUE_TEXT: dict[str, dict[str, str]] = {
    "silver": {"zh": "银卡", "en": "silver"},
    "gold": {"zh": "金卡", "en": "gold"},
    "diamond": {"zh": "钻石", "en": "diamond"},
    "lapsed": {"zh": "流失客户", "en": "lapsed"},
    "empty": {"zh": "空户", "en": "empty"},
    "prospect": {"zh": "潜在客户", "en": "prospect"},
    "withdrawn": {"zh": "已转出", "en": "withdrawn"},
    "orphan": {"zh": "无服务人员", "en": "orphan"},
    "dormant": {"zh": "休眠户", "en": "dormant"},
    "new": {"zh": "新开户", "en": "new"},
}


@dataclass(frozen=True)
class Reason:
    code: str  # a key of REASON_TEXT, stable across wording changes
    params: dict[str, str | int]
    effect: float  # logit points the reason adds (or takes away)

    @property
    def text(self) -> str:
        """In English (the API's `reasons`, kept for existing clients)."""
        return render(self, "en")


def render(reason: Reason, language: str) -> str:
    """The reason in the language ('zh' or 'en'; anything else reads Chinese)."""
    lang = language if language in ("zh", "en") else "zh"
    params = {
        name: VALUE_TEXT.get(str(value), {}).get(lang, value)
        if name in ("tier", "segment")
        else value
        for name, value in reason.params.items()
    }
    return REASON_TEXT[reason.code][lang].format(**params)


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
    percent = round(best_p * 100)
    reasons = [Reason("answers_at", {"percent": percent, "hour": best, "hour_end": best + 1}, 0.0)]
    parts = model.lead.contributions(model.vocabulary, one)
    worded: list[Reason] = []
    for block, values in parts.items():
        effect = float(values[0])
        if block == "tier":
            worded.append(Reason("tier", {"tier": tier}, effect))
        elif block == "segment":
            worded.append(Reason("segment", {"segment": segment}, effect))
        elif block == "days_since_trade_band":
            days = None if last_trade_on is None else (today - last_trade_on).days
            if days is None:
                worded.append(Reason("never_traded", {}, effect))
            elif days > 30:
                worded.append(Reason("lapsed", {"days": days}, effect))
            else:
                worded.append(Reason("traded_recently", {"days": days}, effect))
        elif block == "asset_band":
            worded.append(Reason("asset_band", {}, effect))
        elif block == "prior_leads":
            worded.append(Reason("prior_leads", {}, effect))
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
