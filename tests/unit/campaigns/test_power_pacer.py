"""Power mode: a fixed number of lines per ready rep, the campaign's own setting, under the
abandon governor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from campaigns.governor import AbandonGovernor
from campaigns.pacing import (
    PacingLimits,
    PacingMode,
    PacingState,
    PowerPacer,
    make_pacer,
)
from campaigns.population import Scenario
from campaigns.simulation import ShiftSimulation, main, simulate_shift

NOW = 10_000.0
SCENARIOS = Path(__file__).parent / "scenarios"


def state(**fields: object) -> PacingState:
    defaults: dict[str, object] = {"now": NOW, "logged_in_reps": 10, "ready_reps": 0}
    defaults.update(fields)
    return PacingState(**defaults)  # type: ignore[arg-type]


def seasoned(pacer: PowerPacer, persons: int = 600, abandoned: int = 0) -> PowerPacer:
    """A governor with an hour of answered calls behind it: room to dial ahead."""
    for index in range(persons):
        at = NOW - 3600.0 + index * 3600.0 / persons
        pacer.observe_person(at, index < abandoned)
    return pacer


def test_make_pacer_passes_the_campaigns_lines_per_rep() -> None:
    pacer = make_pacer(PacingMode.POWER, lines_per_rep=2.5)
    assert isinstance(pacer, PowerPacer)
    assert pacer.lines_per_rep == 2.5
    default = make_pacer(PacingMode.POWER)
    assert isinstance(default, PowerPacer) and default.lines_per_rep == 1.3


def test_power_places_its_lines_per_ready_rep_less_the_calls_in_flight() -> None:
    pacer = seasoned(PowerPacer(PacingLimits(calls_per_second=50), lines_per_rep=2.5))
    decision = pacer.decide(state(ready_reps=4))
    assert decision.launch == 10
    assert "2.5 lines per ready rep" in decision.reason
    assert pacer.decide(state(ready_reps=4, ringing_ages=(1.0,) * 6)).launch == 4
    # calls already in flight beyond its lines: nothing more
    assert pacer.decide(state(ready_reps=2, ringing_ages=(1.0,) * 6)).launch == 0
    # no ready rep, no lines
    assert pacer.decide(state(ready_reps=0, talking_ages=(9.0,) * 10)).launch == 0


def test_power_is_held_by_the_line_and_cps_limits() -> None:
    lines = seasoned(
        PowerPacer(PacingLimits(calls_per_second=50, max_lines_per_rep=1.5), lines_per_rep=3.0)
    )
    # 3 lines x 4 ready reps less 6 ringing wanted, but at most 1.5 lines per working rep:
    # 15 lines for 10 reps, 12 in use
    assert (
        lines.decide(state(ready_reps=4, talking_ages=(5.0,) * 6, ringing_ages=(1.0,) * 6)).launch
        == 3
    )
    cps = seasoned(PowerPacer(PacingLimits(calls_per_second=3), lines_per_rep=3.0))
    assert cps.decide(state(ready_reps=4)).launch == 3


def test_power_falls_back_to_progressive_without_an_abandon_budget() -> None:
    fresh = PowerPacer(PacingLimits(calls_per_second=50), AbandonGovernor(), lines_per_rep=3.0)
    decision = fresh.decide(state(ready_reps=4))
    assert decision.launch == 4  # one line per ready rep: a new campaign cannot abandon
    assert decision.reason.startswith("progressive fallback")
    spent = seasoned(
        PowerPacer(PacingLimits(calls_per_second=50), lines_per_rep=3.0), persons=600, abandoned=20
    )
    assert spent.decide(state(ready_reps=4, ringing_ages=(1.0,))).launch == 3


def test_the_simulation_runs_power_at_the_lines_per_rep_it_is_given() -> None:
    scenario = Scenario.from_file(SCENARIOS / "markov-20-p30.json")
    simulation = ShiftSimulation(scenario, "power", 1, shift_seconds=1800.0, lines_per_rep=2.0)
    assert isinstance(simulation.pacer, PowerPacer) and simulation.pacer.lines_per_rep == 2.0
    cautious = simulate_shift(scenario, "power", 1, shift_seconds=1800.0, lines_per_rep=1.0)
    eager = simulate_shift(scenario, "power", 1, shift_seconds=1800.0, lines_per_rep=2.0)
    # one line per ready rep is progressive: it never abandons; two lines dial more
    assert cautious.abandoned == 0
    assert eager.dials > cautious.dials


def test_dialer_simulate_takes_lines_per_rep(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(SCENARIOS / "markov-5-p30.json")
    arguments = [path, "--mode", "power", "--seeds", "1", "--hours", "0.25", "--json"]
    assert main([*arguments, "--lines-per-rep", "1.0"]) == 0
    one = json.loads(capsys.readouterr().out)["means"]["power"]
    assert one["abandoned"] == 0
    assert main([*arguments, "--lines-per-rep", "0.5"]) == 2
    assert "at least 1" in capsys.readouterr().err
