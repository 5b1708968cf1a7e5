"""Virtual-time, discrete-event simulation of a campaign shift.

The simulation drives the same pacers, abandon governor, rep state machine and routing as
the live engine, with an in-memory call table, a heap of timed events and the scenario's
`Population` in place of the carrier. Everything is deterministic per (scenario, mode, seed).

`main(argv)` implements `dialer simulate SCENARIO.json [--mode M ...] [--seeds ...] [--json]`.
"""

from __future__ import annotations

import argparse
import heapq
import json
import statistics
import sys
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from campaigns.agents import Rep, RepState
from campaigns.governor import AbandonRule
from campaigns.pacing import (
    Pacer,
    PacingLimits,
    PacingMode,
    PacingState,
    VicidialSettings,
    make_pacer,
)
from campaigns.population import CallFate, Population, Scenario, ScenarioError
from campaigns.retry import CallOutcome
from campaigns.routing import route_call

SIMULATED_MODES: tuple[PacingMode, ...] = (
    PacingMode.PROGRESSIVE,
    PacingMode.POWER,
    PacingMode.RATIO,
    PacingMode.ADAPT_HARD_LIMIT,
    PacingMode.ADAPT_AVERAGE,
    PacingMode.ADAPT_TAPERED,
    PacingMode.PREDICTIVE,
)

METRICS: tuple[str, ...] = (
    "occupancy",
    "talk_minutes_per_agent_hour",
    "abandon_rate",
    "worst_window_abandon_rate",
    "dials",
    "person_answers",
    "abandoned",
    "mean_wait_seconds",
    "speedup",
)

# Event kinds, ordered so that at equal times a call's result comes before a pacing tick.
_RESULT = 0
_VERDICT = 1
_HANGUP = 2
_WRAP_END = 3
_TIMEOUT = 4
_TICK = 5

_RINGING = 0
_SCREENING = 1
_WAITING = 2
_DONE = 3

TICK_SECONDS = 1.0
DEFAULT_LIMITS = PacingLimits()
ROLLING_WINDOW_SECONDS = 3600.0


@dataclass(slots=True)
class _Call:
    fate: CallFate
    dialed_at: float
    token: int
    state: int = _RINGING
    answered_at: float = 0.0
    rep: int = -1


class DialSource(Protocol):
    """Who is dialled and what becomes of it: the hopper and the people behind it.

    `next_dial(now)` gives the fate of the next dial and a token for it, or None when no
    number may be dialled now; `settled(token, outcome, now)` reports how the dial ended
    as the live engine's retry policy sees it (connected, abandoned, machine, ...)."""

    def next_dial(self, now: float) -> tuple[CallFate, int] | None: ...

    def settled(self, token: int, outcome: CallOutcome, now: float) -> None: ...


class SyntheticSource:
    """Every dial a fresh number whose fate is drawn from the scenario's one distribution."""

    def __init__(self, population: Population, seed: int) -> None:
        self.population = population
        self.seed = seed
        self._next = 0

    def next_dial(self, now: float) -> tuple[CallFate, int]:
        token = self._next
        self._next += 1
        return self.population.fate(f"{self.seed}-{token}", now), token

    def settled(self, token: int, outcome: CallOutcome, now: float) -> None:
        return None


_UNANSWERED = {
    "busy": CallOutcome.BUSY,
    "no_answer": CallOutcome.NO_ANSWER,
    "invalid": CallOutcome.INVALID,
}


@dataclass(frozen=True, slots=True)
class ShiftResult:
    mode: str
    seed: int
    occupancy: float
    talk_minutes_per_agent_hour: float
    abandon_rate: float
    worst_window_abandon_rate: float
    dials: int
    person_answers: int
    abandoned: int
    mean_wait_seconds: float
    simulated_seconds: float

    def metrics(self, wall_seconds: float) -> dict[str, float | int]:
        speedup = self.simulated_seconds / wall_seconds if wall_seconds > 0 else float("inf")
        return {
            "occupancy": self.occupancy,
            "talk_minutes_per_agent_hour": self.talk_minutes_per_agent_hour,
            "abandon_rate": self.abandon_rate,
            "worst_window_abandon_rate": self.worst_window_abandon_rate,
            "dials": self.dials,
            "person_answers": self.person_answers,
            "abandoned": self.abandoned,
            "mean_wait_seconds": self.mean_wait_seconds,
            "speedup": speedup,
        }


def worst_window_rate(events: Sequence[tuple[float, bool]], window: float) -> float:
    """The worst abandon rate over any window of `window` seconds ending at a person-answer.

    Windows start once a full window has elapsed (or cover the whole run when it is shorter),
    so that the first few answers of a shift do not count as a whole hour.
    """
    if not events:
        return 0.0
    first = events[0][0]
    worst = 0.0
    start = 0
    abandoned = 0
    last_time = events[-1][0]
    full_run = last_time - first < window
    for end, (at, dropped) in enumerate(events):
        abandoned += dropped
        while events[start][0] <= at - window:
            abandoned -= events[start][1]
            start += 1
        if full_run or at - first >= window or end == len(events) - 1:
            if full_run and end != len(events) - 1:
                continue
            worst = max(worst, abandoned / (end - start + 1))
    return worst


class ShiftSimulation:
    """One shift of one scenario under one pacing mode and seed."""

    def __init__(
        self,
        scenario: Scenario,
        mode: PacingMode | str,
        seed: int,
        *,
        limits: PacingLimits = DEFAULT_LIMITS,
        shift_seconds: float | None = None,
        vicidial: VicidialSettings | None = None,
        lines_per_rep: float | None = None,
        source: DialSource | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.scenario = scenario
        self.mode = PacingMode(mode)
        self.seed = seed
        self.shift_seconds = shift_seconds if shift_seconds is not None else scenario.shift_seconds
        self.population = Population(scenario, seed)
        self.source: DialSource = source or SyntheticSource(self.population, seed)
        rule = AbandonRule(cap=scenario.abandon_cap, target=scenario.abandon_cap * 5 / 6)
        settings = vicidial or VicidialSettings(
            dropped_percentage=100 * scenario.abandon_cap,
            shift_end_hours=self.shift_seconds / 3600.0,
        )
        self.pacer = pacer or make_pacer(
            self.mode,
            limits=limits,
            rule=rule,
            connect_threshold_seconds=scenario.connect_threshold_seconds,
            vicidial=settings,
            lines_per_rep=lines_per_rep,
        )
        self.reps = [Rep(f"rep-{i:03d}") for i in range(scenario.agents)]
        self._events: list[tuple[float, int, int, int]] = []
        self._sequence = 0
        self._calls: dict[int, _Call] = {}
        self._ringing: dict[int, float] = {}
        self._screening: dict[int, float] = {}
        self._waiting: dict[int, float] = {}
        self._ready: dict[int, None] = {}
        self._talking: dict[int, float] = {}
        self._wrapping: dict[int, float] = {}
        self._launches: deque[float] = deque()
        self._next_call = 0
        self.dials = 0
        self.person_events: list[tuple[float, bool]] = []
        self.person_answers = 0
        self.abandoned = 0
        self.connects = 0

    # -- plumbing ---------------------------------------------------------------------------
    def _schedule(self, at: float, kind: int, subject: int) -> None:
        self._sequence += 1
        heapq.heappush(self._events, (at, kind, self._sequence, subject))

    def _state(self, now: float) -> PacingState:
        launches = self._launches
        while launches and launches[0] <= now - 1.0:
            launches.popleft()
        return PacingState(
            now=now,
            logged_in_reps=len(self.reps),
            ready_reps=len(self._ready),
            talking_ages=tuple([now - t for t in self._talking.values()]),
            wrapping_ages=tuple([now - t for t in self._wrapping.values()]),
            ringing_ages=tuple([now - t for t in self._ringing.values()]),
            screening_ages=tuple([now - t for t in self._screening.values()]),
            waiting_persons=len(self._waiting),
            launched_last_second=len(launches),
            seconds_to_shift_end=self.shift_seconds - now,
        )

    def _pace(self, now: float) -> None:
        decision = self.pacer.decide(self._state(now))
        if decision.launch <= 0:
            return
        launched = 0
        for _ in range(decision.launch):
            dial = self.source.next_dial(now)
            if dial is None:
                break
            fate, token = dial
            call_id = self._next_call
            self._next_call += 1
            self._calls[call_id] = _Call(fate, now, token)
            self._ringing[call_id] = now
            self._launches.append(now)
            self._schedule(now + fate.seconds_to_result, _RESULT, call_id)
            launched += 1
        if launched:
            self.dials += launched
            self.pacer.observe_launch(now, launched)

    # -- call life --------------------------------------------------------------------------
    def _end(self, call_id: int) -> None:
        self._calls.pop(call_id).state = _DONE

    def _on_result(self, now: float, call_id: int) -> None:
        call = self._calls[call_id]
        del self._ringing[call_id]
        fate = call.fate
        age = now - call.dialed_at
        if not fate.answered:
            self.pacer.observe_ring(age, False)
            self.source.settled(call.token, _UNANSWERED[fate.outcome], now)
            self._end(call_id)
            return
        self.pacer.observe_ring(age, True)
        call.answered_at = now
        if fate.amd_verdict is None:
            person = fate.outcome == "human"
            self.pacer.observe_screening(0.0, person)
            if person:
                self._needs_rep(now, call_id, call)
            else:
                self.source.settled(call.token, CallOutcome.MACHINE, now)
                self._end(call_id)
            return
        call.state = _SCREENING
        self._screening[call_id] = now
        assert fate.amd_verdict_seconds is not None
        self._schedule(now + fate.amd_verdict_seconds, _VERDICT, call_id)

    def _on_verdict(self, now: float, call_id: int) -> None:
        call = self._calls[call_id]
        del self._screening[call_id]
        person = call.fate.amd_verdict == "human"
        self.pacer.observe_screening(now - call.answered_at, person)
        if person:
            self._needs_rep(now, call_id, call)
        else:
            # The voicemail policy and the retry policy take it from here. A person taken for
            # a machine is not offered to a rep: AMD error, not a pacing abandon.
            self.source.settled(call.token, CallOutcome.MACHINE, now)
            self._end(call_id)

    def _needs_rep(self, now: float, call_id: int, call: _Call) -> None:
        if not self._waiting and self._ready:
            self._connect(now, call_id, call)
            return
        threshold = self.scenario.connect_threshold_seconds
        if threshold <= 0:
            self._abandon(now, call_id, call)
            return
        call.state = _WAITING
        self._waiting[call_id] = now
        self._schedule(now + threshold, _TIMEOUT, call_id)

    def _connect(self, now: float, call_id: int, call: _Call) -> None:
        ready = [self.reps[index] for index in self._ready]
        rep = route_call(ready)
        assert rep is not None
        index = int(rep.rep_id[4:])
        del self._ready[index]
        rep.reserve(now, str(call_id))
        rep.connect(now)
        self._talking[index] = now
        call.rep = index
        call.state = _DONE
        self.connects += 1
        human = call.fate.outcome == "human"
        if human:
            self.person_answers += 1
            self.person_events.append((now, False))
            self.pacer.observe_person(now, False)
        # a machine put through by an AMD error: the rep hears it and marks it a machine
        self.source.settled(
            call.token, CallOutcome.CONNECTED if human else CallOutcome.MACHINE, now
        )
        self._schedule(now + call.fate.talk_seconds, _HANGUP, call_id)

    def _abandon(self, now: float, call_id: int, call: _Call) -> None:
        # The engine cannot tell a machine taken for a person from a person: it counts both.
        self.pacer.observe_person(now, True)
        if call.fate.outcome == "human":
            self.person_answers += 1
            self.abandoned += 1
            self.person_events.append((now, True))
        self.source.settled(call.token, CallOutcome.ABANDONED, now)
        self._end(call_id)

    def _on_timeout(self, now: float, call_id: int) -> None:
        if call_id in self._waiting:
            del self._waiting[call_id]
            self._abandon(now, call_id, self._calls[call_id])

    def _on_hangup(self, now: float, call_id: int) -> None:
        call = self._calls[call_id]
        rep = self.reps[call.rep]
        self.pacer.observe_talk(now - rep.since)
        rep.hang_up(now)
        del self._talking[call.rep]
        self._wrapping[call.rep] = now
        self._schedule(now + call.fate.wrap_seconds, _WRAP_END, call_id)

    def _on_wrap_end(self, now: float, call_id: int) -> None:
        call = self._calls.pop(call_id)
        rep = self.reps[call.rep]
        self.pacer.observe_wrap(now - rep.since)
        rep.finish_wrap(now)
        del self._wrapping[call.rep]
        self._ready[call.rep] = None
        if self._waiting:
            waiting_id = next(iter(self._waiting))
            del self._waiting[waiting_id]
            self._connect(now, waiting_id, self._calls[waiting_id])

    # -- the run ----------------------------------------------------------------------------
    def run(self) -> ShiftResult:
        end = self.shift_seconds
        for index, rep in enumerate(self.reps):
            rep.log_in(0.0)
            self._ready[index] = None
        self._schedule(0.0, _TICK, 0)
        events = self._events
        handlers = {
            _RESULT: self._on_result,
            _VERDICT: self._on_verdict,
            _HANGUP: self._on_hangup,
            _WRAP_END: self._on_wrap_end,
            _TIMEOUT: self._on_timeout,
        }
        pace = self._pace
        every_event = self.pacer.paces_on_every_event
        while events:
            now, kind, _, subject = heapq.heappop(events)
            if now >= end:
                break
            if kind == _TICK:
                self._schedule(now + TICK_SECONDS, _TICK, 0)
                pace(now)
                continue
            handlers[kind](now, subject)
            if kind == _WRAP_END or (every_event and kind != _HANGUP):
                pace(now)
        return self._result(end)

    def _result(self, end: float) -> ShiftResult:
        working = sum(rep.working_seconds(end) for rep in self.reps)
        logged_in = sum(rep.logged_in_seconds(end) for rep in self.reps)
        talking = sum(rep.time_in(RepState.ON_CALL, end) for rep in self.reps)
        ready = sum(rep.time_in(RepState.READY, end) for rep in self.reps)
        agent_hours = logged_in / 3600.0
        answers = self.person_answers
        return ShiftResult(
            mode=self.mode.value,
            seed=self.seed,
            occupancy=working / logged_in if logged_in else 0.0,
            talk_minutes_per_agent_hour=talking / 60.0 / agent_hours if agent_hours else 0.0,
            abandon_rate=self.abandoned / answers if answers else 0.0,
            worst_window_abandon_rate=worst_window_rate(self.person_events, ROLLING_WINDOW_SECONDS),
            dials=self.dials,
            person_answers=answers,
            abandoned=self.abandoned,
            mean_wait_seconds=ready / self.connects if self.connects else end,
            simulated_seconds=end,
        )


def simulate_shift(
    scenario: Scenario,
    mode: PacingMode | str,
    seed: int,
    *,
    shift_seconds: float | None = None,
    limits: PacingLimits = DEFAULT_LIMITS,
    lines_per_rep: float | None = None,
) -> ShiftResult:
    """One shift; `lines_per_rep` is power mode's lines per ready rep (None: its default)."""
    return ShiftSimulation(
        scenario,
        mode,
        seed,
        shift_seconds=shift_seconds,
        limits=limits,
        lines_per_rep=lines_per_rep,
    ).run()


# -- command line (the edge: the only place that reads the wall clock, to report speedup) ---
def parse_seeds(values: list[str]) -> list[int]:
    seeds: list[int] = []
    for value in values:
        for part in value.split(","):
            if part.strip():
                seeds.append(int(part))
    return seeds


def run_scenario(
    scenario: Scenario,
    modes: Sequence[PacingMode],
    seeds: Sequence[int],
    *,
    shift_seconds: float | None = None,
    lines_per_rep: float | None = None,
) -> dict[str, object]:
    results: list[dict[str, object]] = []
    per_mode: dict[str, list[dict[str, float | int]]] = {}
    for mode in modes:
        for seed in seeds:
            started = time.perf_counter()
            result = simulate_shift(
                scenario, mode, seed, shift_seconds=shift_seconds, lines_per_rep=lines_per_rep
            )
            metrics = result.metrics(time.perf_counter() - started)
            results.append({"mode": mode.value, "seed": seed, **metrics})
            per_mode.setdefault(mode.value, []).append(metrics)
    means = {
        mode: {name: statistics.fmean(float(run[name]) for run in runs) for name in METRICS}
        for mode, runs in per_mode.items()
    }
    return {"scenario": scenario.name, "results": results, "means": means}


def _format_table(report: dict[str, object]) -> str:
    means = report["means"]
    results = report["results"]
    assert isinstance(means, dict) and isinstance(results, list)
    header = (
        f"{'mode':<17}{'occupancy':>10}{'talk/h':>8}{'abandon':>9}{'max':>8}{'worst 1h':>9}"
        f"{'dials':>9}{'persons':>9}{'abandoned':>10}{'wait s':>8}{'speedup':>9}"
    )
    lines = [f"scenario {report['scenario']} (means over seeds; max: worst seed's abandon rate)"]
    lines.append(header)
    for mode, metrics in means.items():
        worst_seed = max(float(r["abandon_rate"]) for r in results if r["mode"] == mode)
        lines.append(
            f"{mode:<17}{metrics['occupancy']:>10.4f}"
            f"{metrics['talk_minutes_per_agent_hour']:>8.1f}"
            f"{metrics['abandon_rate']:>9.4f}{worst_seed:>8.4f}"
            f"{metrics['worst_window_abandon_rate']:>9.4f}{metrics['dials']:>9.0f}"
            f"{metrics['person_answers']:>9.0f}{metrics['abandoned']:>10.1f}"
            f"{metrics['mean_wait_seconds']:>8.1f}{metrics['speedup']:>9.0f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="dialer simulate",
        description="Simulate a pacing scenario shift in virtual time, per mode and seed.",
    )
    parser.add_argument("scenario", help="scenario JSON file (shared/scenarios format)")
    parser.add_argument(
        "--mode",
        action="append",
        choices=[mode.value for mode in SIMULATED_MODES],
        help="pacing mode to run (repeatable); default: all",
    )
    parser.add_argument(
        "--seeds", nargs="+", help="seeds to run (space or comma separated); default: scenario's"
    )
    parser.add_argument("--hours", type=float, help="override the scenario's shift length")
    parser.add_argument(
        "--lines-per-rep",
        type=float,
        help="power mode: lines per ready rep (default 1.3; a campaign's own setting live)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    try:
        scenario = Scenario.from_file(args.scenario)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    modes = [PacingMode(m) for m in args.mode] if args.mode else list(SIMULATED_MODES)
    try:
        seeds = parse_seeds(args.seeds) if args.seeds else list(scenario.seeds)
    except ValueError:
        print("error: --seeds takes integers, e.g. --seeds 1 2 3", file=sys.stderr)
        return 2
    shift_seconds = args.hours * 3600.0 if args.hours else None
    if args.lines_per_rep is not None and args.lines_per_rep < 1:
        print("error: --lines-per-rep must be at least 1", file=sys.stderr)
        return 2
    report = run_scenario(
        scenario, modes, seeds, shift_seconds=shift_seconds, lines_per_rep=args.lines_per_rep
    )
    if args.json:
        print(json.dumps(report))
    else:
        print(_format_table(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
