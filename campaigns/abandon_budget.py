"""The regulator's count as the last word on dialing ahead.

Whatever a pacer believes, a campaign may dial beyond its ready reps only while every call
beyond them could be abandoned and the campaign would still be within its abandon
target, counted over each of its regulatory windows (30 days; UK: the last 24 hours and
the London calendar day). The live engine reads the windows' counts from its database;
these are the sums over them, plain arithmetic on plain numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WindowCounts:
    """One regulatory window's calls: person-answers (reached a rep or abandoned, not a
    machine), of which abandoned, and AMD's machine verdicts."""

    persons: int
    abandoned: int
    machine_verdicts: int = 0


def abandon_budget(
    windows: Iterable[WindowCounts], *, target: float, amd_false_positive_rate: float = 0.0
) -> int:
    """How many more abandoned calls the campaign can take and stay within `target` in
    every window: floor(target x persons - false positives) - abandoned, the least over
    the windows, never below 0. The estimated AMD false positives (the rate x the machine
    verdicts; UK-A1) count both as abandoned and as answered by a person."""
    budgets = []
    for window in windows:
        false_positives = amd_false_positive_rate * window.machine_verdicts
        persons = window.persons + false_positives
        allowed = math.floor(target * persons - false_positives)
        budgets.append(allowed - window.abandoned)
    return max(0, min(budgets))


def exposure_cap(
    launch: int, *, progressive: int, calls_in_flight: int, ready_reps: int, budget: int
) -> int:
    """The launch kept within the abandon budget. The exposure, the calls in flight and
    about to be placed beyond the ready reps, is what could be abandoned; past the budget
    the launch shrinks until it fits, but never below `progressive` (one line per ready
    rep cannot abandon). Call it when `launch` exceeds `progressive`."""
    exposure = calls_in_flight + launch - ready_reps
    if exposure <= budget:
        return launch
    # exposure - launch: the calls in flight beyond the ready reps (negative while reps
    # wait), so the launch keeps the exposure within the budget
    return max(progressive, min(launch, budget - (exposure - launch)))
