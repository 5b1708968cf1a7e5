from __future__ import annotations

import random
import statistics
from pathlib import Path

import pytest

from campaigns.population import (
    LognormalDistribution,
    Population,
    Scenario,
    ScenarioError,
)

SCENARIOS = Path(__file__).parent / "scenarios"


def scenario_path(name: str) -> Path:
    local = Path(__file__).parent / "scenarios" / f"{name}.json"
    return local if local.exists() else SCENARIOS / f"{name}.json"


@pytest.fixture(scope="module")
def brokerage() -> Scenario:
    return Scenario.from_file(scenario_path("brokerage-30"))


def test_every_shared_scenario_parses() -> None:
    for name in ("brokerage-30", "markov-5-p30", "markov-20-p30", "markov-50-p20"):
        scenario = Scenario.from_file(scenario_path(name))
        assert scenario.name == name
    markov = Scenario.from_file(scenario_path("markov-50-p20"))
    assert markov.reference is not None
    assert markov.reference.optimal_occupancy_at_cap == pytest.approx(0.9365)


def test_invalid_scenario_names_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x"}', encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid"):
        Scenario.from_file(bad)


def test_fate_is_deterministic_per_seed_number_and_attempt(brokerage: Scenario) -> None:
    first = Population(brokerage, seed=7)
    second = Population(brokerage, seed=7)
    a = [first.fate("+15550000001", 10.0) for _ in range(3)]
    # Interleaving other numbers must not change a number's fates.
    second.fate("+15550000002", 0.0)
    b = [second.fate("+15550000001", 10.0) for _ in range(3)]
    assert a == b
    assert len({(f.outcome, f.seconds_to_result) for f in a}) > 1
    other = Population(brokerage, seed=8)
    assert [other.fate("+15550000001", 10.0) for _ in range(3)] != a


def test_outcome_frequencies_follow_the_scenario_and_hourly_multiplier(
    brokerage: Scenario,
) -> None:
    population = Population(brokerage, seed=1)
    n = 20000
    morning = [population.fate(f"m{i}", 100.0) for i in range(n)]
    lunch = [population.fate(f"l{i}", 3.5 * 3600) for i in range(n)]
    human_morning = sum(f.outcome == "human" for f in morning) / n
    human_lunch = sum(f.outcome == "human" for f in lunch) / n
    assert human_morning == pytest.approx(0.22, abs=0.012)
    assert human_lunch == pytest.approx(0.22 * 0.7, abs=0.012)
    busy = [f.seconds_to_result for f in morning if f.outcome == "busy"]
    assert set(busy) == {4.0}
    humans = [f for f in morning if f.outcome == "human"]
    assert statistics.fmean(f.talk_seconds for f in humans) == pytest.approx(150, rel=0.05)
    assert all(f.amd_verdict is not None and f.amd_verdict_seconds for f in humans)
    false_machine = sum(f.amd_verdict == "machine" for f in humans) / len(humans)
    assert false_machine == pytest.approx(0.03, abs=0.01)


def test_amd_off_gives_no_verdict() -> None:
    scenario = Scenario.from_file(scenario_path("markov-5-p30"))
    population = Population(scenario, seed=1)
    fates = [population.fate(str(i), 0.0) for i in range(500)]
    assert {f.outcome for f in fates} == {"human", "no_answer"}
    assert all(f.amd_verdict is None and f.amd_verdict_seconds is None for f in fates)
    assert all(f.talk_seconds == 0.0 for f in fates if f.outcome == "no_answer")


def test_lognormal_mean_and_sd_are_of_the_duration() -> None:
    dist = LognormalDistribution(dist="lognormal", mean=150, sd=120)
    rng = random.Random(3)
    draws = [dist.sample(rng) for _ in range(40000)]
    assert statistics.fmean(draws) == pytest.approx(150, rel=0.03)
    assert statistics.stdev(draws) == pytest.approx(120, rel=0.06)


def test_rep_draws_are_reproducible(brokerage: Scenario) -> None:
    a = Population(brokerage, seed=3)
    b = Population(brokerage, seed=3)
    assert [a.talk_seconds() for _ in range(5)] == [b.talk_seconds() for _ in range(5)]
    assert a.wrap_seconds() == b.wrap_seconds()
