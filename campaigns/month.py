"""Many shifts of a population scenario: a month of calling, with learning between days.

`simulate_month(scenario, priority, seed)` runs `scenario.days` weekday shifts (Monday to
Friday, weekends skipped) of the virtual-time shift simulation, each dialling from the
`PopulationHopper` under the given ordering. With the learned ordering the propensity
model (scoring.model) is refitted after every day on the call history so far (the most
recent TRAINING_WINDOW attempts); the first day, with no history and no firm-wide prior,
dials in tier order. The oracle ordering reads the true probabilities.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
from numpy.typing import NDArray

from campaigns.pacing import PacingMode
from campaigns.people import Accounts, PopulationSpec, generate_accounts
from campaigns.population import Scenario, ScenarioError
from campaigns.sim_hopper import PopulationHopper
from campaigns.simulation import ShiftSimulation
from scoring.best_time import HOURS_PER_WEEK
from scoring.features import Vocabulary
from scoring.model import PropensityModel, fit_model
from scoring.priority import Priority

TRAINING_WINDOW = 120_000
DAY_SECONDS = 86_400.0
DEFAULT_MONTH_PACING = PacingMode.POWER


@dataclass(frozen=True)
class WeekFigures:
    week: int
    warm_leads_per_agent_hour: float
    contacts_per_dial: float


@dataclass(frozen=True)
class MonthResult:
    priority: str
    seed: int
    mode: str
    days: int
    agents: int
    agent_hours: float
    dials: int
    contacts: int
    warm_leads: int
    revenue_cents: int
    person_answers: int
    abandoned: int
    worst_day_abandon_rate: float
    share_reached: float
    model_rows: int
    weeks: tuple[WeekFigures, ...] = field(default=())

    @property
    def abandon_rate(self) -> float:
        return self.abandoned / self.person_answers if self.person_answers else 0.0

    def figures(self) -> dict[str, object]:
        hours = self.agent_hours
        revenue_per_hour = (Decimal(self.revenue_cents) / Decimal(str(hours))).quantize(
            Decimal(1), ROUND_HALF_EVEN
        )
        return {
            "priority": self.priority,
            "seed": self.seed,
            "mode": self.mode,
            "days": self.days,
            "agents": self.agents,
            "warm_leads_per_agent_hour": self.warm_leads / hours,
            "contacts_per_dial": self.contacts / self.dials if self.dials else 0.0,
            "revenue_cents_per_agent_hour": int(revenue_per_hour),
            "share_of_list_reached": self.share_reached,
            "abandon_rate": self.abandon_rate,
            "worst_day_abandon_rate": self.worst_day_abandon_rate,
            "dials": self.dials,
            "contacts": self.contacts,
            "warm_leads": self.warm_leads,
            "revenue_cents": self.revenue_cents,
            "agent_hours": hours,
            "model_rows": self.model_rows,
            "weeks": [
                {
                    "week": w.week,
                    "warm_leads_per_agent_hour": w.warm_leads_per_agent_hour,
                    "contacts_per_dial": w.contacts_per_dial,
                }
                for w in self.weeks
            ],
        }


def _shift_start_hours(scenario: Scenario) -> float:
    text = scenario.shift_start_local or "09:00"
    hours, _, minutes = text.partition(":")
    try:
        return int(hours) + int(minutes or 0) / 60.0
    except ValueError as exc:
        raise ScenarioError(f"shift_start_local must be HH:MM, not {text!r}") from exc


def calendar_day(day: int) -> int:
    """The n-th weekday's day number from the first Monday (weekends skipped)."""
    return (day // 5) * 7 + day % 5


def shift_start_at(scenario: Scenario, spec: PopulationSpec, day: int) -> float:
    """The clock second (0: Monday 00:00 UTC) the centre's `day`-th shift starts."""
    local_start = _shift_start_hours(scenario) - spec.centre_utc_offset_hours
    return calendar_day(day) * DAY_SECONDS + local_start * 3600.0


def shift_hours_of_week(scenario: Scenario, spec: PopulationSpec) -> NDArray[np.bool_]:
    """The 168 UTC hours of the week in which the centre's shift runs (Monday-Friday)."""
    mask = np.zeros(HOURS_PER_WEEK, dtype=bool)
    for day in range(5):
        start = shift_start_at(scenario, spec, day) / 3600.0
        first = math.floor(start)
        last = math.ceil(start + scenario.shift_hours)
        for hour in range(first, last):
            mask[hour % HOURS_PER_WEEK] = True
    return mask


def vocabulary_of(spec: PopulationSpec) -> Vocabulary:
    return Vocabulary(tuple(s.name for s in spec.segments), tuple(r.name for r in spec.regions))


def history_rows(
    hopper: PopulationHopper, start: int = 0, end: int | None = None
) -> dict[str, NDArray[np.int64]]:
    """The feature codes of the attempts [start, end) of the hopper's call history."""
    history = hopper.history
    stop = history.size if end is None else end
    accounts = history.column("account", start)[: stop - start]
    rows = {name: values[accounts] for name, values in hopper.rows.items()}
    for name in (
        "local_hour",
        "weekday",
        "campaign_attempts",
        "contacted",
        "lead",
        "revenue_cents",
        "callback",
    ):
        rows[name] = history.column(name, start)[: stop - start]
    return rows


def train(
    vocabulary: Vocabulary,
    hopper: PopulationHopper,
    *,
    window: int = TRAINING_WINDOW,
    end: int | None = None,
) -> PropensityModel | None:
    """Fit the propensity model on the `window` attempts before `end` (default: all).
    Callbacks are left out: the customer chose their time, and they are dialled first
    whatever their score."""
    stop = hopper.history.size if end is None else end
    rows = history_rows(hopper, max(0, stop - window), stop)
    chosen = rows.pop("callback") == 0
    rows = {name: values[chosen] for name, values in rows.items()}
    return fit_model(
        vocabulary,
        rows,
        rows.pop("contacted").astype(bool),
        rows.pop("lead").astype(bool),
        rows.pop("revenue_cents"),
    )


@dataclass
class MonthRun:
    """A month of one ordering and one seed, kept for inspection after the run."""

    scenario: Scenario
    priority: Priority
    seed: int
    mode: PacingMode
    days: int
    accounts: Accounts
    hopper: PopulationHopper
    model: PropensityModel | None = None


def prepare_month(
    scenario: Scenario,
    priority: Priority | str,
    seed: int,
    *,
    days: int | None = None,
    mode: PacingMode | str | None = None,
) -> MonthRun:
    spec = scenario.population
    if spec is None:
        raise ScenarioError(f"scenario {scenario.name} has no population to call")
    accounts = generate_accounts(spec, seed)
    ordering = Priority(priority)
    hopper = PopulationHopper(
        scenario, spec, accounts, ordering, seed, shift_hours_of_week(scenario, spec)
    )
    pacing = PacingMode(mode or scenario.pacing_mode or DEFAULT_MONTH_PACING)
    return MonthRun(scenario, ordering, seed, pacing, days or scenario.days, accounts, hopper)


def simulate_month(
    scenario: Scenario,
    priority: Priority | str,
    seed: int,
    *,
    days: int | None = None,
    mode: PacingMode | str | None = None,
) -> MonthResult:
    return run_month(prepare_month(scenario, priority, seed, days=days, mode=mode))


def run_month(run: MonthRun) -> MonthResult:
    scenario, hopper = run.scenario, run.hopper
    spec = scenario.population
    assert spec is not None
    vocabulary = vocabulary_of(spec)
    shift_seconds = scenario.shift_seconds
    tallies = []
    answers = abandoned = 0
    worst_day = 0.0
    for day in range(run.days):
        hopper.begin_day(shift_start_at(scenario, spec, day), run.model)
        shift = ShiftSimulation(scenario, run.mode, run.seed * 1000 + day, source=hopper)
        result = shift.run()
        hopper.end_day(shift_seconds)
        tallies.append(hopper.tally)
        answers += result.person_answers
        abandoned += result.abandoned
        worst_day = max(worst_day, result.abandon_rate)
        if run.priority is Priority.LEARNED:
            run.model = train(vocabulary, hopper) or run.model
    agent_hours_per_day = scenario.agents * shift_seconds / 3600.0
    weeks = []
    for week in range(math.ceil(run.days / 5)):
        days = tallies[week * 5 : week * 5 + 5]
        dials = sum(t.dials for t in days)
        weeks.append(
            WeekFigures(
                week=week + 1,
                warm_leads_per_agent_hour=sum(t.leads for t in days)
                / (agent_hours_per_day * len(days)),
                contacts_per_dial=sum(t.contacts for t in days) / dials if dials else 0.0,
            )
        )
    return MonthResult(
        priority=run.priority.value,
        seed=run.seed,
        mode=run.mode.value,
        days=run.days,
        agents=scenario.agents,
        agent_hours=agent_hours_per_day * run.days,
        dials=sum(t.dials for t in tallies),
        contacts=sum(t.contacts for t in tallies),
        warm_leads=sum(t.leads for t in tallies),
        revenue_cents=sum(t.revenue_cents for t in tallies),
        person_answers=answers,
        abandoned=abandoned,
        worst_day_abandon_rate=worst_day,
        share_reached=float(hopper.reached.mean()),
        model_rows=run.model.trained_rows if run.model else 0,
        weeks=tuple(weeks),
    )


MONTH_METRICS: tuple[str, ...] = (
    "warm_leads_per_agent_hour",
    "contacts_per_dial",
    "revenue_cents_per_agent_hour",
    "share_of_list_reached",
    "abandon_rate",
    "worst_day_abandon_rate",
    "dials",
    "contacts",
    "warm_leads",
)


def run_population(
    scenario: Scenario,
    priorities: list[Priority],
    seeds: list[int],
    *,
    days: int | None = None,
    mode: PacingMode | None = None,
) -> dict[str, object]:
    """Every ordering on every seed; per-ordering means and the learned ratios."""
    results: list[dict[str, object]] = []
    per_priority: dict[str, list[dict[str, object]]] = {}
    for priority in priorities:
        for seed in seeds:
            figures = simulate_month(scenario, priority, seed, days=days, mode=mode).figures()
            results.append(figures)
            per_priority.setdefault(priority.value, []).append(figures)
    means = {
        name: {
            metric: float(np.mean([float(str(run[metric])) for run in runs]))
            for metric in MONTH_METRICS
        }
        for name, runs in per_priority.items()
    }
    ratios: dict[str, float] = {}
    learned = means.get(Priority.LEARNED.value)
    for other in (Priority.TIER.value, Priority.ORACLE.value):
        if learned and other in means and means[other]["warm_leads_per_agent_hour"]:
            ratios[f"learned/{other}"] = (
                learned["warm_leads_per_agent_hour"] / means[other]["warm_leads_per_agent_hour"]
            )
    return {
        "scenario": scenario.name,
        "abandon_cap": scenario.abandon_cap,
        "results": results,
        "means": means,
        "ratios": ratios,
    }


def format_population_table(report: dict[str, object]) -> str:
    means = report["means"]
    ratios = report["ratios"]
    assert isinstance(means, dict) and isinstance(ratios, dict)
    lines = [
        f"scenario {report['scenario']} (means over seeds)",
        f"{'priority':<10}{'leads/h':>9}{'contacts/dial':>15}{'revenue/h':>11}"
        f"{'reached':>9}{'abandon':>9}{'worst day':>10}{'dials':>9}",
    ]
    for name, m in means.items():
        lines.append(
            f"{name:<10}{m['warm_leads_per_agent_hour']:>9.3f}{m['contacts_per_dial']:>15.4f}"
            f"{m['revenue_cents_per_agent_hour'] / 100:>11.2f}{m['share_of_list_reached']:>9.3f}"
            f"{m['abandon_rate']:>9.4f}{m['worst_day_abandon_rate']:>10.4f}{m['dials']:>9.0f}"
        )
    for name, value in ratios.items():
        lines.append(f"{name}: {value:.3f} (warm leads per rep-hour)")
    return "\n".join(lines)
