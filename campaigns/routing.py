"""Routing an answered call to a rep.

Default: the longest-idle ready rep. A campaign may send high-tier accounts (gold, diamond)
to senior reps first, and a callback owned by a rep goes to that rep when they are ready.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from campaigns.agents import Rep, RepState

DEFAULT_SENIOR_TIERS = frozenset({"gold", "diamond"})


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    senior_first: bool = False
    senior_tiers: frozenset[str] = DEFAULT_SENIOR_TIERS


def route_call(
    reps: Iterable[Rep],
    *,
    tier: str | None = None,
    owner_rep_id: str | None = None,
    policy: RoutingPolicy = RoutingPolicy(),
) -> Rep | None:
    """The rep that should take this answered call, or None when nobody is ready.

    An owned callback goes to its owner if they are ready, else to the pool: a person on
    the line is never kept waiting for one rep.
    """
    ranked = rank_reps(reps, tier=tier, owner_rep_id=owner_rep_id, policy=policy)
    return ranked[0] if ranked else None


def rank_reps(
    reps: Iterable[Rep],
    *,
    tier: str | None = None,
    owner_rep_id: str | None = None,
    policy: RoutingPolicy = RoutingPolicy(),
) -> list[Rep]:
    """Every ready rep in the order they should be offered this call (`route_call`'s choice
    first). When answers arrive together, each one takes the first of its list that no other
    answer has taken, so nobody waits for a rep while another one sits ready.

    The owner of a callback comes first; for a senior tier (when the campaign asks for it)
    the seniors come next; then everyone else. Within each group the longest idle first:
    the earliest `since`, ties to the lower rep id for determinism.
    """
    ready = sorted(
        (rep for rep in reps if rep.state is RepState.READY),
        key=lambda rep: (rep.since, rep.rep_id),
    )
    seniors_first = policy.senior_first and tier is not None and tier in policy.senior_tiers

    def group(rep: Rep) -> int:
        if owner_rep_id is not None and rep.rep_id == owner_rep_id:
            return 0
        if seniors_first and rep.senior:
            return 1
        return 2

    return sorted(ready, key=group)  # stable: idle order kept within each group
