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
    ready = [rep for rep in reps if rep.state is RepState.READY]
    if not ready:
        return None
    if owner_rep_id is not None:
        for rep in ready:
            if rep.rep_id == owner_rep_id:
                return rep
    if policy.senior_first and tier is not None and tier in policy.senior_tiers:
        seniors = [rep for rep in ready if rep.senior]
        if seniors:
            ready = seniors
    # Longest idle first: the earliest `since`; ties go to the lower rep id for determinism.
    return min(ready, key=lambda rep: (rep.since, rep.rep_id))
