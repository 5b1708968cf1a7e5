"""Campaign figures: the engine's own counts as it runs, and those computed from the
database, as the regulator and the centre count them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import asyncpg

from campaigns.governor import UK_AMD_FALSE_POSITIVE_RATE
from dialer.sql import load_queries

QUERIES = load_queries("dialer.engine", "figures.sql")
_WORKING = ("on_call", "wrap_up")
_LOGGED_IN = ("ready", "reserved", "on_call", "wrap_up", "paused")


@dataclass
class EngineFigures:
    """What one running engine did: calls launched, numbers the gate blocked or delayed,
    creates the provider refused or left unknown, and its last pacing decision."""

    launched: int = 0
    blocked: int = 0
    delayed: int = 0
    refused: int = 0
    unknown: int = 0
    last_decision: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)


def _ratio(part: float, whole: float, places: str = "0.0001") -> float:
    if not whole:
        return 0.0
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal(places), ROUND_HALF_EVEN))


async def campaign_figures(
    connection: asyncpg.Connection | asyncpg.Pool, campaign_id: int | None, now: datetime
) -> dict[str, Any]:
    """dials, person_answers, abandoned, abandon_rate, occupancy (talk + wrap / logged in).

    Where a UK campaign is in scope, also the UK-A1 figures, labelled as estimated: the
    estimated AMD false positives (each campaign's rate x its machine verdicts) and the
    person-answers, abandoned and abandon rate with them counted in both."""
    calls = await connection.fetchrow(QUERIES["campaign_figures"], campaign_id)
    uk = await connection.fetch(
        QUERIES["amd_false_positive_basis"], campaign_id, UK_AMD_FALSE_POSITIVE_RATE
    )
    seconds = {
        r["state"]: r["seconds"]
        for r in await connection.fetch(QUERIES["rep_time_by_state"], campaign_id, now)
    }
    working = sum(seconds.get(state, 0.0) for state in _WORKING)
    logged_in = sum(seconds.get(state, 0.0) for state in _LOGGED_IN)
    figures: dict[str, Any] = {
        "dials": calls["dials"],
        "person_answers": calls["person_answers"],
        "abandoned": calls["abandoned"],
        "abandon_rate": _ratio(calls["abandoned"], calls["person_answers"]),
        "machine_answers": calls["machine_answers"],
        "live_calls": calls["live_calls"],
        "occupancy": _ratio(working, logged_in),
        "talk_and_wrap_minutes": round(working / 60, 1),
        "logged_in_minutes": round(logged_in / 60, 1),
    }
    if uk:
        false_positives = sum(float(r["rate"]) * int(r["machine_verdicts"]) for r in uk)
        persons = calls["person_answers"] + false_positives
        abandoned = calls["abandoned"] + false_positives
        if campaign_id is not None:
            figures["amd_false_positive_rate"] = float(uk[0]["rate"])
        figures |= {
            "estimated_amd_false_positives": round(false_positives, 2),
            "estimated_person_answers": round(persons, 2),
            "estimated_abandoned": round(abandoned, 2),
            "estimated_abandon_rate": _ratio(abandoned, persons),
        }
    return figures
