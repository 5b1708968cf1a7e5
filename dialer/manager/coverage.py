"""Service campaigns (回访: new accounts, dormant accounts, notices): coverage, the share of
the target accounts reached, against the campaign's target."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any


@dataclass(frozen=True)
class Coverage:
    targets: int
    reached: int
    target: Decimal | None  # the share to reach (None: no target set)
    days: int | None

    @property
    def share(self) -> Decimal | None:
        if not self.targets:
            return None
        return (Decimal(self.reached) / Decimal(self.targets)).quantize(
            Decimal("0.0001"), ROUND_HALF_EVEN
        )

    @property
    def met(self) -> bool | None:
        """Whether the target is reached (None without a target or targets)."""
        if self.target is None or self.share is None:
            return None
        return self.share >= self.target

    def as_json(self) -> dict[str, Any]:
        return {
            "targets": self.targets,
            "reached": self.reached,
            "share": None if self.share is None else float(self.share),
            "target": None if self.target is None else float(self.target),
            "days": self.days,
            "met": self.met,
        }


def coverage_of(row: Any) -> Coverage | None:
    """A campaign_overview row's coverage; None for a marketing campaign."""
    if row["purpose"] != "service":
        return None
    target = row["coverage_target"]
    return Coverage(
        targets=int(row["targets"] or 0),
        reached=int(row["reached"] or 0),
        target=None if target is None else Decimal(str(target)),
        days=row["coverage_days"],
    )
