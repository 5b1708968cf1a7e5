"""Online estimates the predictive pacer learns from the calls it makes.

Three models, each a histogram of recent observations with exponential forgetting (so it
adapts when answer rates move through the day), rebuilt into cumulative tables every few
observations so that a pacing decision only does table look-ups:

- `RingModel`: how a dial ends, by its age since dial: answered (person or machine) or not.
- `ScreeningModel`: how an answered call is classified, by its age since the answer:
  a person (needs a rep) or a machine. With AMD off the verdict is immediate.
- `HandleTimeModel`: how long reps talk and wrap up; gives the probability that a busy rep
  is free within a horizon given the time already spent ("time in state").

Answer rates follow the hour of the day (lunch dips, evenings rise), so the ring and
screening models also keep one histogram per local hour (`HourlyHistograms`) when the
caller says which hour an observation belongs to; a pacing decision then uses its hour's
histogram once that has enough data, else the all-hours one. A caller that never passes an
hour (the simulation) gets the all-hours histogram only, exactly as before.
"""

from __future__ import annotations

import math
from itertools import accumulate


class DecayingHistogram:
    """Event counts by age bin and kind, where older observations weigh less.

    `half_life` is in observations: after that many newer ones an observation counts half.
    """

    __slots__ = (
        "_width",
        "_bins",
        "_counts",
        "_prefix",
        "_gone",
        "_tables",
        "version",
        "_weight",
        "_growth",
        "_dirty",
        "_since_rebuild",
        "_rebuild_every",
        "observations",
        "_weighted_sum",
        "_total_weight",
    )

    def __init__(
        self,
        *,
        kinds: int,
        bin_width: float,
        max_age: float,
        half_life: float,
        rebuild_every: int = 64,
    ) -> None:
        self._width = bin_width
        self._bins = int(math.ceil(max_age / bin_width)) + 1
        self._counts = [[0.0] * self._bins for _ in range(kinds)]
        self._prefix = [[0.0] * (self._bins + 1) for _ in range(kinds)]
        self._gone = [0.0] * (self._bins + 1)
        self._tables: dict[tuple[int, int], tuple[list[float], list[float], list[float]]] = {}
        self.version = 0
        self._weight = 1.0
        self._growth = 2.0 ** (1.0 / half_life)
        self._dirty = False
        self._since_rebuild = 0
        self._rebuild_every = rebuild_every
        self.observations = 0
        self._weighted_sum = 0.0
        self._total_weight = 0.0

    @property
    def bin_width(self) -> float:
        return self._width

    def bin_of(self, age: float) -> int:
        index = int(age / self._width) if age > 0 else 0
        return index if index < self._bins else self._bins - 1

    def add(self, kind: int, age: float, weight: float = 1.0) -> None:
        self._counts[kind][self.bin_of(age)] += self._weight * weight
        self._weighted_sum += self._weight * weight * age
        self._total_weight += self._weight * weight
        self._weight *= self._growth
        self.observations += 1
        self._since_rebuild += 1
        # Rebuild often while there is little data, then every eighth of a half-life or so:
        # the tables cost a pass over the bins, the decisions only look them up.
        if self._since_rebuild >= min(self._rebuild_every, max(1, self.observations // 16)):
            self._dirty = True
        if self._weight > 1e150:
            self._rescale()

    def _rescale(self) -> None:
        factor = 1.0 / self._weight
        for counts in self._counts:
            for index in range(len(counts)):
                counts[index] *= factor
        self._weighted_sum *= factor
        self._total_weight *= factor
        self._weight = 1.0

    def prefixes(self) -> list[list[float]]:
        """prefix[kind][i]: weight of events of that kind in bins < i (normalised to 1 total)."""
        if self._dirty:
            total = sum(sum(counts) for counts in self._counts) or 1.0
            self._prefix = [
                [0.0, *accumulate(c / total for c in counts)] for counts in self._counts
            ]
            if len(self._prefix) == 1:
                self._gone = self._prefix[0]
            else:
                self._gone = [sum(column) for column in zip(*self._prefix, strict=True)]
            self._dirty = False
            self._since_rebuild = 0
            self._tables = {}
            self.version += 1
        return self._prefix

    def mean_age(self) -> float:
        return self._weighted_sum / self._total_weight if self._total_weight else 0.0

    def share(self, kind: int) -> float | None:
        """The decayed weight of events of `kind` / all events, from the counts themselves
        (not the tables, which lag by up to `rebuild_every` observations); None when empty."""
        total = sum(sum(counts) for counts in self._counts)
        return sum(self._counts[kind]) / total if total > 0 else None

    def conditional_table(
        self, kind: int, seconds: float
    ) -> tuple[list[float], list[float], list[float]]:
        """Per age bin: p = P(event of `kind` within `seconds` | no event by that age),
        p(1-p) and p^2. Cached until the histogram is next rebuilt; `seconds` is rounded to
        the bin width."""
        if self._dirty:
            self.prefixes()
        steps = int(seconds / self._width + 0.5) if seconds > 0 else 0
        key = (kind, steps)
        cached = self._tables.get(key)
        if cached is not None:
            return cached
        prefixes = self._prefix
        wanted = prefixes[kind][: self._bins]
        ahead = prefixes[kind][steps + 1 :]
        ahead += [prefixes[kind][-1]] * (self._bins - len(ahead))
        alive = [1.0 - gone for gone in self._gone[: self._bins]]
        tail = 1.0 - math.exp(-seconds / max(self.mean_age(), 1.0))
        # Older than anything seen recently: a memoryless tail from the mean.
        p_table = [
            (later - now) / left if left > 1e-6 else tail
            for later, now, left in zip(ahead, wanted, alive, strict=True)
        ]
        p_table = [p if p < 1.0 else 1.0 for p in p_table]
        v_table = [p * (1.0 - p) for p in p_table]
        s_table = [p * p for p in p_table]
        tables = (p_table, v_table, s_table)
        self._tables[key] = tables
        return tables

    def bin_indices(self, ages: tuple[float, ...]) -> list[int]:
        """The bin of each age, computed once per decision and shared by every horizon."""
        inverse = 1.0 / self._width
        indices = [int(age * inverse) for age in ages]
        last = self._bins - 1
        if indices and max(indices) > last:
            indices = [i if i <= last else last for i in indices]
        return indices

    def conditional_sums(
        self, kind: int, indices: list[int], seconds: float, scale: float = 1.0
    ) -> tuple[float, float]:
        """For each age bin index, p = scale x P(event of `kind` within `seconds` | no event
        by that age); returns (sum of p, sum of p(1-p)): the mean and variance of how many
        happen. The hot loop of a pacing decision: table look-ups only.
        """
        if seconds <= 0 or not indices:
            return 0.0, 0.0
        p_table, v_table, s_table = self.conditional_table(kind, seconds)
        total = sum(map(p_table.__getitem__, indices))
        if scale == 1.0:
            return total, sum(map(v_table.__getitem__, indices))
        # sum of sp(1 - sp) = s sum(p) - s^2 sum(p^2)
        squares = sum(map(s_table.__getitem__, indices))
        return scale * total, scale * total - scale * scale * squares


HOURS_IN_DAY = 24


class HourlyHistograms:
    """One all-hours histogram and one per local hour of the day (0-23), fed together.

    Every observation goes into the all-hours histogram and, when its hour is given, into
    that hour's; both forget by their own observations (an hour's half-life counts that
    hour's calls only, so yesterday's 10:00 fades as today's 10:00 calls arrive).
    `for_hour(hour)` is the hour's histogram once it holds `min_observations`, else the
    all-hours one.
    """

    __slots__ = ("overall", "hours", "min_observations", "_make")

    def __init__(
        self,
        *,
        kinds: int,
        bin_width: float,
        max_age: float,
        half_life: float,
        min_observations: int,
    ) -> None:
        def make() -> DecayingHistogram:
            return DecayingHistogram(
                kinds=kinds, bin_width=bin_width, max_age=max_age, half_life=half_life
            )

        self._make = make
        self.overall = make()
        self.hours: dict[int, DecayingHistogram] = {}
        self.min_observations = min_observations

    def add(self, kind: int, age: float, hour: int | None = None) -> None:
        self.overall.add(kind, age)
        if hour is not None:
            histogram = self.hours.get(hour % HOURS_IN_DAY)
            if histogram is None:
                histogram = self.hours[hour % HOURS_IN_DAY] = self._make()
            histogram.add(kind, age)

    def for_hour(self, hour: int | None) -> DecayingHistogram:
        if hour is None:
            return self.overall
        histogram = self.hours.get(hour % HOURS_IN_DAY)
        if histogram is None or histogram.observations < self.min_observations:
            return self.overall
        return histogram


class _HourlyOutcomes:
    """Two outcomes of a call by the age at which they happened, decaying, kept overall and
    per local hour; decisions read `histogram`, the hour chosen by `select`."""

    def __init__(
        self, *, bin_width: float, max_age: float, half_life: float, min_hour_observations: int
    ) -> None:
        self.by_hour = HourlyHistograms(
            kinds=2,
            bin_width=bin_width,
            max_age=max_age,
            half_life=half_life,
            min_observations=min_hour_observations,
        )
        self.histogram = self.by_hour.overall

    def _add(self, first: bool, age: float, hour: int | None) -> None:
        self.by_hour.add(0 if first else 1, age, hour)

    def select(self, hour: int | None) -> None:
        """Decide with `hour`'s estimate from now on (the all-hours one while it is thin)."""
        self.histogram = self.by_hour.for_hour(hour)

    @property
    def observations(self) -> int:
        return self.by_hour.overall.observations


class RingModel(_HourlyOutcomes):
    """P(a dial still ringing at age r is answered within the next t seconds).

    `histogram` is the one decisions read: the all-hours one, or after `select(hour)` that
    hour's when it has `min_hour_observations` dials (see `HourlyHistograms`).
    """

    ANSWERED = 0
    UNANSWERED = 1

    def __init__(
        self,
        *,
        half_life: float = 600.0,
        max_age: float = 120.0,
        min_hour_observations: int = 300,
    ) -> None:
        super().__init__(
            bin_width=0.5,
            max_age=max_age,
            half_life=half_life,
            min_hour_observations=min_hour_observations,
        )

    def observe(self, age: float, answered: bool, hour: int | None = None) -> None:
        """A dial placed in local `hour` (None: unknown) stopped ringing at `age`."""
        self._add(answered, age, hour)

    def answer_rate(self, hour: int | None = None) -> float | None:
        """The current estimate of P(answered) for dials in `hour` (the all-hours estimate
        while that hour is thin, or for None); None before any dial."""
        return self.by_hour.for_hour(hour).share(self.ANSWERED)

    def answer_probability(self) -> float:
        prefix = self.histogram.prefixes()
        return prefix[self.ANSWERED][-1]

    def answer_sums(
        self, indices: list[int], seconds: float, scale: float = 1.0
    ) -> tuple[float, float]:
        """(expected number, variance) of ringing calls (by age bin, see `bin_indices`)
        answered within `seconds`, each answer counted with probability `scale`."""
        return self.histogram.conditional_sums(self.ANSWERED, indices, seconds, scale)

    def answer_within(self, age: float, seconds: float) -> float:
        if seconds <= 0:
            return 0.0
        histogram = self.histogram
        answered, unanswered = histogram.prefixes()
        i = histogram.bin_of(age)
        j = histogram.bin_of(age + seconds) + 1
        alive = 1.0 - answered[i] - unanswered[i]
        if alive <= 1e-9:
            return 0.0
        return max(0.0, (answered[j] - answered[i]) / alive)


class ScreeningModel(_HourlyOutcomes):
    """P(an answered call awaiting its AMD verdict is declared a person within t seconds)."""

    PERSON = 0
    MACHINE = 1

    def __init__(
        self,
        *,
        half_life: float = 300.0,
        max_age: float = 30.0,
        min_hour_observations: int = 100,
    ) -> None:
        super().__init__(
            bin_width=0.25,
            max_age=max_age,
            half_life=half_life,
            min_hour_observations=min_hour_observations,
        )

    def observe(self, age: float, person: bool, hour: int | None = None) -> None:
        """A call answered in local `hour` (None: unknown) was classified at `age`."""
        self._add(person, age, hour)

    def person_rate(self, hour: int | None = None) -> float | None:
        """The current estimate of P(person | answered) for answers in `hour` (all hours
        while that hour is thin, or for None); None before any verdict."""
        return self.by_hour.for_hour(hour).share(self.PERSON)

    def person_probability(self) -> float:
        """P(person | answered), with a neutral prior before any observation."""
        if not self.histogram.observations:
            return 0.5
        return self.histogram.prefixes()[self.PERSON][-1]

    def mean_delay(self) -> float:
        return self.histogram.mean_age()

    def person_sums(self, indices: list[int], seconds: float) -> tuple[float, float]:
        """(expected number, variance) of screening calls (by age bin) declared persons."""
        if not indices:
            return 0.0, 0.0
        if not self.histogram.observations:
            return 0.5 * len(indices), 0.25 * len(indices)
        return self.histogram.conditional_sums(self.PERSON, indices, seconds)

    def person_within(self, age: float, seconds: float) -> float:
        if not self.histogram.observations:
            return 0.5
        histogram = self.histogram
        person, machine = histogram.prefixes()
        i = histogram.bin_of(age)
        j = histogram.bin_of(age + seconds) + 1
        alive = 1.0 - person[i] - machine[i]
        if alive <= 1e-9:
            return 0.0
        return max(0.0, (person[j] - person[i]) / alive)


class HandleTimeModel:
    """Talk and wrap-up durations; P(a busy rep is free within t given time in state)."""

    def __init__(
        self,
        *,
        half_life: float = 400.0,
        prior_talk_seconds: float = 180.0,
        prior_wrap_seconds: float = 15.0,
    ) -> None:
        self.talk = DecayingHistogram(kinds=1, bin_width=2.0, max_age=2400.0, half_life=half_life)
        self.wrap = DecayingHistogram(
            kinds=1, bin_width=0.5, max_age=900.0, half_life=half_life, rebuild_every=24
        )
        self._prior_talk = prior_talk_seconds
        self._prior_wrap = prior_wrap_seconds

    def observe_talk(self, seconds: float) -> None:
        self.talk.add(0, seconds)

    def observe_wrap(self, seconds: float) -> None:
        self.wrap.add(0, seconds)

    @property
    def observations(self) -> int:
        return self.talk.observations

    def mean_talk(self) -> float:
        return self.talk.mean_age() if self.talk.observations else self._prior_talk

    def mean_wrap(self) -> float:
        return self.wrap.mean_age() if self.wrap.observations else self._prior_wrap

    @staticmethod
    def _finish_within(
        histogram: DecayingHistogram, prior_mean: float, elapsed: float, seconds: float
    ) -> float:
        if seconds <= 0:
            return 0.0
        if histogram.observations < 20:
            # Too little data: memoryless guess from the prior mean.
            return 1.0 - math.exp(-seconds / max(prior_mean, 1e-9))
        (cumulative,) = histogram.prefixes()
        i = histogram.bin_of(elapsed)
        j = histogram.bin_of(elapsed + seconds) + 1
        alive = 1.0 - cumulative[i]
        if alive <= 1e-6:
            # Longer than anything seen recently: assume a memoryless tail.
            return 1.0 - math.exp(-seconds / max(histogram.mean_age(), 1.0))
        return max(0.0, min(1.0, (cumulative[j] - cumulative[i]) / alive))

    @staticmethod
    def _finish_sums(
        histogram: DecayingHistogram, prior_mean: float, indices: list[int], seconds: float
    ) -> tuple[float, float]:
        if seconds <= 0 or not indices:
            return 0.0, 0.0
        if histogram.observations < 20:
            p = 1.0 - math.exp(-seconds / max(prior_mean, 1e-9))
            return len(indices) * p, len(indices) * p * (1.0 - p)
        return histogram.conditional_sums(0, indices, seconds)

    def talk_sums(self, indices: list[int], seconds: float) -> tuple[float, float]:
        """(expected number, variance) of talking reps (by time-in-state bin, see
        `talk.bin_indices`) finishing within `seconds`."""
        return self._finish_sums(self.talk, self._prior_talk, indices, seconds)

    def wrap_sums(self, indices: list[int], seconds: float) -> tuple[float, float]:
        """(expected number, variance) of wrapping reps (by bin) finishing within `seconds`."""
        return self._finish_sums(self.wrap, self._prior_wrap, indices, seconds)

    def talk_ends_within(self, elapsed: float, seconds: float) -> float:
        return self._finish_within(self.talk, self._prior_talk, elapsed, seconds)

    def wrap_ends_within(self, elapsed: float, seconds: float) -> float:
        return self._finish_within(self.wrap, self._prior_wrap, elapsed, seconds)
