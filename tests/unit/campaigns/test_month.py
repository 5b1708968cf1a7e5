"""A population's month: accounts with hourly curves, retries and caps as the engine applies
them, learning between days, and the three orderings (small runs; the full month is
benchmarks/scoring_bench.py)."""

from __future__ import annotations

import io
import json
from collections import Counter
from contextlib import redirect_stdout
from datetime import timedelta
from functools import cache

import numpy as np
import pytest

from campaigns.month import MonthResult, calendar_day, prepare_month, run_month, simulate_month
from campaigns.people import PopulationSpec, generate_accounts
from campaigns.population import Scenario
from campaigns.simulate_cli import main
from tests.unit.scoring.scenario import MONTH, shipped, small


@cache
def month(priority: str, seed: int = 2, days: int = 5) -> MonthResult:
    return simulate_month(small(), priority, seed, days=days)


def test_shipped_scenario_has_thirty_reps_a_month_and_distinct_segments() -> None:
    scenario = shipped()
    spec = scenario.population
    assert spec is not None
    assert scenario.agents == 30 and scenario.days == 20
    peaks = {s.name: int(np.argmax(s.hourly_contact())) for s in spec.segments}
    assert len(spec.segments) >= 3 and len(set(peaks.values())) >= 3
    workers = next(s for s in spec.segments if s.name == "workers").hourly_contact()
    assert workers[12] > 2 * workers[15] and workers[19] > 2 * workers[15]
    assert peaks["retirees"] < 12


def test_accounts_are_deterministic_per_seed_with_the_documented_features() -> None:
    spec = shipped().population
    assert spec is not None
    spec = spec.model_copy(update={"accounts": 4000})
    first, again, other = (
        generate_accounts(spec, 1),
        generate_accounts(spec, 1),
        generate_accounts(spec, 2),
    )
    assert np.array_equal(first.contact_logit, again.contact_logit)
    assert not np.array_equal(first.contact_logit, other.contact_logit)
    shares = np.bincount(first.segment) / first.count
    assert shares == pytest.approx([s.share for s in spec.segments], abs=0.03)
    assert ((first.lead_probability > 0) & (first.lead_probability < 1)).all()
    assert set(np.unique(first.utc_offset_hours)) == {r.utc_offset_hours for r in spec.regions}
    # the lapsed trade least recently and lead least often
    lapsed = first.segment == [s.name for s in spec.segments].index("lapsed")
    assert first.days_since_trade[lapsed].mean() > first.days_since_trade[~lapsed].mean()
    assert first.lead_probability[lapsed].mean() < first.lead_probability[~lapsed].mean()


def test_a_bad_population_is_refused() -> None:
    raw = json.loads(MONTH.read_text())
    raw["population"]["calling_window_local"] = [21, 8]
    with pytest.raises(ValueError, match="calling_window_local"):
        Scenario.model_validate(raw)
    with pytest.raises(ValueError):
        PopulationSpec.model_validate({"accounts": 0, "segments": [], "regions": []})


def test_retries_keep_the_attempt_caps_and_the_calling_window() -> None:
    run = prepare_month(small(agents=6, accounts=3000), "learned", 3, days=5)
    run_month(run)
    scenario, hopper = run.scenario, run.hopper
    assert scenario.retry is not None and scenario.population is not None
    per_account = Counter()
    per_local_day: Counter[tuple[int, object]] = Counter()
    start, end = scenario.population.calling_window_local
    for account, times in hopper._attempt_times.items():
        per_account[account] = len(times)
        for at in times:
            per_local_day[(account, at.date())] += 1
            assert start <= at.hour < end
    assert max(per_account.values()) <= scenario.retry.lifetime_attempts
    assert max(per_local_day.values()) <= scenario.retry.attempts_per_day
    # some accounts were tried again, and not before the no-answer delay
    retried = [t for t in hopper._attempt_times.values() if len(t) > 1]
    assert retried
    gaps = [b - a for times in retried for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= timedelta(minutes=scenario.retry.busy_delay_minutes)


def test_callbacks_are_asked_for_and_dialled() -> None:
    run = prepare_month(small(agents=6, accounts=3000), "tier", 4, days=4)
    run_month(run)
    history = run.hopper.history
    callback = history.column("callback").astype(bool)
    contacted = history.column("contacted").astype(bool)
    # customers asked to be called back, and were: at their own time they mostly answer
    assert callback.sum() > 10
    assert contacted[callback].mean() > 0.5 > contacted[~callback].mean()


def test_learned_beats_tier_and_trails_the_oracle_and_keeps_the_cap() -> None:
    tier, learned, oracle = month("tier"), month("learned"), month("oracle")
    assert learned.model_rows > 1000 and tier.model_rows == 0
    leads = {r.priority: r.warm_leads / r.agent_hours for r in (tier, learned, oracle)}
    assert leads["learned"] > 1.15 * leads["tier"]
    assert leads["oracle"] >= leads["learned"] * 0.98
    for result in (tier, learned, oracle):
        assert result.abandon_rate <= small().abandon_cap
        assert result.worst_day_abandon_rate <= small().abandon_cap
        assert result.revenue_cents > 0
    # the learning curve: the first week's first day is tier order, later days learn
    assert learned.weeks[0].contacts_per_dial > tier.weeks[0].contacts_per_dial


def test_month_is_deterministic_per_seed() -> None:
    first = simulate_month(small(agents=4, accounts=2000), "learned", 7, days=2)
    again = simulate_month(small(agents=4, accounts=2000), "learned", 7, days=2)
    assert first == again
    assert calendar_day(4) == 4 and calendar_day(5) == 7


def test_cli_prints_the_figures_per_result(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "small.json"
    path.write_text(small(agents=4, accounts=2000).model_dump_json())
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(
            [
                str(path),
                "--days",
                "2",
                "--seeds",
                "1",
                "--priority",
                "tier",
                "--priority",
                "learned",
                "--json",
            ]
        )
    assert code == 0
    report = json.loads(out.getvalue())
    assert [r["priority"] for r in report["results"]] == ["tier", "learned"]
    for result in report["results"]:
        assert result["warm_leads_per_agent_hour"] > 0
        assert 0 < result["contacts_per_dial"] < 1
        assert isinstance(result["revenue_cents_per_agent_hour"], int)
    assert "learned/tier" in report["ratios"]
    assert main([str(MONTH.parent / "brokerage-30.json"), "--priority", "tier"]) == 2
