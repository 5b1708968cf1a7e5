"""Predictive pacing against the exact CMDP optimum on small scenarios of the Markov grid
(benchmarks/markov_grid.py; the whole grid is benchmarks/markov_grid_bench.py's)."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from campaigns.population import Scenario
from campaigns.simulation import ShiftSimulation

GRID = Path(__file__).resolve().parents[3] / "benchmarks" / "scenarios" / "markov-grid"


@pytest.mark.parametrize("name", ["grid-n008-p40-c3-r9-b150", "grid-n010-p40-c1-r12-b150"])
def test_predictive_is_within_3_percent_of_the_optimum_and_under_the_cap(name: str) -> None:
    scenario = Scenario.from_file(GRID / f"{name}.json")
    assert scenario.reference is not None and scenario.reference.optimal_occupancy_at_cap
    runs = [ShiftSimulation(scenario, "predictive", seed) for seed in scenario.seeds]
    results = [run.run() for run in runs]
    occupancy = statistics.fmean(r.occupancy for r in results)
    assert occupancy >= 0.97 * scenario.reference.optimal_occupancy_at_cap
    assert all(r.abandon_rate <= scenario.abandon_cap for r in results)
    # the CMDP tables, not the risk rule alone, paced these shifts
    assert all(run.pacer.tables.solves > 0 for run in runs)  # type: ignore[attr-defined]
