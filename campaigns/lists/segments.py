"""Segments and tiers: which group of customers an account belongs to, and its asset tier.

The firm configures the rules (`SegmentRules`); a column of the file may also set the segment
or tier directly (客群 = 流失, 客户等级 = 金卡), and then it wins. Rules take the day the list
is loaded (`as_of`) as an argument: the core never reads the clock.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final

from campaigns.lists.errors import RulesError


class Segment(StrEnum):
    """Why the centre calls this customer (the account_segment type in the database)."""

    LAPSED = "lapsed"  # 已流失: closed or transferred out, or stopped trading
    EMPTY = "empty"  # 空户: (near) zero assets
    PROSPECT = "prospect"  # 潜在客户: no account yet
    WITHDRAWN = "withdrawn"  # 退签: cancelled an advisory agreement
    ORPHAN = "orphan"  # 无主: no account manager
    DORMANT = "dormant"  # 小额休眠户
    NEW = "new"  # 新开户


class Tier(StrEnum):
    SILVER = "silver"  # 银卡
    GOLD = "gold"  # 金卡
    DIAMOND = "diamond"  # 钻卡


SEGMENT_LABELS: Final[dict[str, Segment]] = {
    **{segment.value: segment for segment in Segment},
    "流失": Segment.LAPSED, "已流失": Segment.LAPSED, "流失客户": Segment.LAPSED,
    "空户": Segment.EMPTY, "空账户": Segment.EMPTY,
    "潜在": Segment.PROSPECT, "潜在客户": Segment.PROSPECT,
    "退签": Segment.WITHDRAWN, "退签客户": Segment.WITHDRAWN,
    "无主": Segment.ORPHAN, "无主客户": Segment.ORPHAN,
    "休眠": Segment.DORMANT, "休眠户": Segment.DORMANT, "小额休眠户": Segment.DORMANT,
    "新开户": Segment.NEW, "新客户": Segment.NEW,
}  # fmt: skip
TIER_LABELS: Final[dict[str, Tier]] = {
    **{tier.value: tier for tier in Tier},
    "银卡": Tier.SILVER, "银": Tier.SILVER,
    "金卡": Tier.GOLD, "金": Tier.GOLD,
    "钻卡": Tier.DIAMOND, "钻石": Tier.DIAMOND, "钻石卡": Tier.DIAMOND, "钻": Tier.DIAMOND,
}  # fmt: skip
# account status values meaning the customer left (closed, or moved to another firm)
LEFT_STATUSES: Final = frozenset(
    {
        "销户",
        "已销户",
        "转出",
        "已转出",
        "转户",
        "转销户",
        "closed",
        "transferred",
        "transferred_out",
    }
)
# advisory status values meaning the agreement was cancelled
CANCELLED_ADVISORY: Final = frozenset(
    {"退签", "已退签", "解约", "已解约", "cancelled", "canceled", "withdrawn"}
)


@dataclass(frozen=True)
class SegmentRules:
    """A firm's rules; amounts are in yuan (the list's currency), days are calendar days."""

    lapsed_after_days: int = 180
    empty_below: Decimal = Decimal("1000")
    new_within_days: int = 90
    dormant_after_days: int = 90
    dormant_below: Decimal = Decimal("50000")
    fallback: Segment = Segment.DORMANT
    gold_from: Decimal = Decimal("500000")
    diamond_from: Decimal = Decimal("5000000")

    def __post_init__(self) -> None:
        if not self.gold_from < self.diamond_from:
            raise RulesError(
                f"the gold threshold {self.gold_from} must be below diamond {self.diamond_from}"
            )
        if self.dormant_after_days > self.lapsed_after_days:
            raise RulesError("dormant_after_days must not exceed lapsed_after_days")
        if min(self.lapsed_after_days, self.new_within_days, self.dormant_after_days) < 0:
            raise RulesError("day counts must not be negative")


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


class Classifier:
    """The rules resolved for one load day: compares ISO dates and integer cents only."""

    def __init__(self, rules: SegmentRules, as_of: datetime.date) -> None:
        self.rules = rules
        self.as_of = as_of

        def day(days: int) -> str:
            return (as_of - datetime.timedelta(days=days)).isoformat()

        self._lapsed_before = day(rules.lapsed_after_days)
        self._dormant_before = day(rules.dormant_after_days)
        self._new_since = day(rules.new_within_days)
        self._empty_below = _cents(rules.empty_below)
        self._dormant_below = _cents(rules.dormant_below)
        self._gold_from = _cents(rules.gold_from)
        self._diamond_from = _cents(rules.diamond_from)

    def segment(
        self,
        *,
        account_number: str | None,
        assets_cents: int | None,
        opened_on: str | None,
        last_trade_on: str | None,
        has_manager: bool,
        account_status: str = "",
        advisory_status: str = "",
    ) -> Segment:
        """The first rule that applies, in this order: prospect, left (closed / transferred
        out), withdrawn, new, lapsed (no trade), empty, dormant, orphan, else the fallback.
        Dates are ISO strings (YYYY-MM-DD), so they compare as text."""
        if not account_number:
            return Segment.PROSPECT
        if account_status and account_status.strip().lower() in LEFT_STATUSES:
            return Segment.LAPSED
        if advisory_status and advisory_status.strip().lower() in CANCELLED_ADVISORY:
            return Segment.WITHDRAWN
        if opened_on is not None and opened_on >= self._new_since:
            return Segment.NEW
        if last_trade_on is not None and last_trade_on < self._lapsed_before:
            return Segment.LAPSED
        assets = assets_cents or 0
        if assets < self._empty_below:
            return Segment.EMPTY
        if (
            assets < self._dormant_below
            and last_trade_on is not None
            and last_trade_on < self._dormant_before
        ):
            return Segment.DORMANT
        if not has_manager:
            return Segment.ORPHAN
        return self.rules.fallback

    def tier(self, assets_cents: int | None) -> Tier:
        assets = assets_cents or 0
        if assets >= self._diamond_from:
            return Tier.DIAMOND
        if assets >= self._gold_from:
            return Tier.GOLD
        return Tier.SILVER


def segment_from_label(label: str) -> Segment | None:
    return SEGMENT_LABELS.get(label.strip().lower())


def tier_from_label(label: str) -> Tier | None:
    return TIER_LABELS.get(label.strip().lower())
