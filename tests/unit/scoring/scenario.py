"""The shipped month scenario, made small for tests (fewer reps, accounts and days)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from campaigns.population import Scenario

MONTH = Path(__file__).parents[1] / "campaigns" / "scenarios" / "brokerage-month-30.json"


@cache
def shipped() -> Scenario:
    return Scenario.from_file(MONTH)


@cache
def small(agents: int = 6, accounts: int = 8000, shift_hours: float = 8.0) -> Scenario:
    scenario = shipped()
    assert scenario.population is not None
    population = scenario.population.model_copy(update={"accounts": accounts})
    return scenario.model_copy(
        update={"agents": agents, "population": population, "shift_hours": shift_hours}
    )
