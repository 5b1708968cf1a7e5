"""Choosing the account manager for an orphan customer's lead: pure, no I/O.

A branch configures its policy (``branches.lead_assignment``):

- manual: the lead waits in the branch queue for the branch manager;
- round robin: the manager given a lead least recently (never first) gets the next one;
- least loaded: the manager with the fewest open leads, ties broken as in round robin.

"Least recently" is by the newest lead each manager holds (lead ids only grow), so the
rotation needs no extra state, survives restarts and is identical in every process. Ties
that remain go to the lowest user id, so the choice is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class AssignmentPolicy(StrEnum):
    MANUAL = "manual"
    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"


@dataclass(frozen=True, slots=True)
class Candidate:
    """An active account manager of the branch, with what the choice needs to know."""

    user_id: int
    open_leads: int
    newest_lead_id: int | None
    """The newest lead assigned to them; None if they never had one."""


def _rotation(candidate: Candidate) -> tuple[bool, int, int]:
    return (candidate.newest_lead_id is not None, candidate.newest_lead_id or 0, candidate.user_id)


def choose_account_manager(candidates: Iterable[Candidate], policy: AssignmentPolicy) -> int | None:
    """The user id to assign under ``policy``, or None to leave the lead in the branch queue."""
    pool = list(candidates)
    if policy is AssignmentPolicy.MANUAL or not pool:
        return None
    if policy is AssignmentPolicy.ROUND_ROBIN:
        return min(pool, key=_rotation).user_id
    return min(pool, key=lambda c: (c.open_leads, *_rotation(c))).user_id
