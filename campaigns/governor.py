"""The abandon governor: keeps a campaign's abandon rate under the legal cap.

The rate is measured as the regulator measures it: abandoned calls / calls answered by a
person, per campaign, over a rolling window (US: 30 days, i.e. the whole campaign when it is
shorter; UK: 24 hours, and the calendar day too, whichever is stricter). Where the rule says
so (UK), answering-machine-detection false positives are estimated (the rule's rate x the
machine verdicts) and counted both as abandoned and as answered by a person. The governor

- steers the pacer's per-call risk threshold q* with a PI loop so that the measured rate
  meets the target (default 2.5%): the integral part is a stochastic-approximation step on
  each person-answered call, the proportional part acts on the window's budget
  (target x answered - abandoned), so the window's rate is pulled back to target;
- projects the rate forward with the calls now in flight, and refuses over-dialing
  (the pacer falls back to progressive, which cannot abandon) whenever the abandons those
  calls could still add might take the window over the cap. Before there are enough
  answered calls to afford one abandon, it refuses too: new campaigns start progressive.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from campaigns.errors import CampaignError

US_WINDOW_SECONDS = 30 * 86400.0
DAY_SECONDS = 86400.0
# The share of AMD's machine verdicts that were in fact a person (hung up on: abandoned),
# for a UK campaign whose own rate is not set (`amd_false_positive_rate` in its pacing
# settings, measured where known): the brokerage scenario's AMD takes 3% of persons for
# machines, and the reference notes put AMD's misclassification at 2-8%.
UK_AMD_FALSE_POSITIVE_RATE = 0.03


class GovernorConfigError(CampaignError):
    """The governor's target must be positive and below the cap; fix the campaign settings."""


@dataclass(frozen=True, slots=True)
class AbandonRule:
    """How the regulator measures the rate.

    calendar_day: the UK rule, the stricter of the rolling window and the calendar day
    (midnight to midnight on the campaign's local clock, whose offset from `now`'s origin
    is `day_offset_seconds`): abandons late in the evening still hold back the next
    morning. Otherwise the rolling window alone steers (today's rate is guarded as well).
    amd_false_positive_rate: the share of machine verdicts estimated to have been persons;
    each machine verdict adds that much to both the abandoned and the answered count.
    """

    cap: float = 0.03
    target: float = 0.025
    window_seconds: float = US_WINDOW_SECONDS
    calendar_day: bool = False
    day_offset_seconds: float = 0.0
    amd_false_positive_rate: float = 0.0


UK_RULE = AbandonRule(
    window_seconds=DAY_SECONDS,
    calendar_day=True,
    amd_false_positive_rate=UK_AMD_FALSE_POSITIVE_RATE,
)


class AbandonGovernor:
    def __init__(
        self,
        rule: AbandonRule = AbandonRule(),
        *,
        initial_threshold: float | None = None,
        integral_gain: float = 0.002,
        proportional_gain: float = 0.25,
        min_threshold: float = 0.002,
        max_threshold: float = 0.6,
        confidence_z: float = 2.0,
        lookahead_seconds: float = 1800.0,
        rate_memory_seconds: float = 900.0,
    ) -> None:
        if not 0 < rule.target < rule.cap < 1:
            raise GovernorConfigError(
                f"abandon target {rule.target} must be positive and below the cap {rule.cap}"
            )
        if not 0 <= rule.amd_false_positive_rate < 1:
            raise GovernorConfigError(
                f"AMD false-positive rate {rule.amd_false_positive_rate} must be in [0, 1)"
            )
        self.rule = rule
        start = initial_threshold if initial_threshold is not None else 2.0 * rule.target
        self._log_threshold = math.log(start)
        self._integral_gain = integral_gain
        self._proportional_gain = proportional_gain
        self._log_min = math.log(min_threshold)
        self._log_max = math.log(max_threshold)
        self._z = confidence_z
        self._lookahead = lookahead_seconds
        self._rate_memory = rate_memory_seconds
        self._recent: deque[float] = deque()
        self._recent_machines: deque[float] = deque()
        self._first_event: float | None = None
        self._events: deque[tuple[float, bool]] = deque()
        self._machine_events: deque[float] = deque()
        self._answered = 0
        self._abandoned = 0
        self._machines = 0
        self._today: int | None = None
        self._today_answered = 0
        self._today_abandoned = 0
        self._today_machines = 0
        self.total_answered = 0
        self.total_abandoned = 0
        self.total_machines = 0

    # -- measurement ------------------------------------------------------------------------
    def _expire(self, now: float) -> None:
        horizon = now - self.rule.window_seconds
        events = self._events
        while events and events[0][0] <= horizon:
            _, abandoned = events.popleft()
            self._answered -= 1
            self._abandoned -= abandoned
        machines = self._machine_events
        while machines and machines[0] <= horizon:
            machines.popleft()
            self._machines -= 1

    def _roll_today(self, now: float) -> None:
        today = math.floor((now + self.rule.day_offset_seconds) / DAY_SECONDS)
        if today != self._today:
            self._today = today
            self._today_answered = self._today_abandoned = self._today_machines = 0

    def _with_false_positives(
        self, abandoned: int, answered: int, machines: int
    ) -> tuple[float, float]:
        false_positives = self.rule.amd_false_positive_rate * machines
        return abandoned + false_positives, answered + false_positives

    def today_counts(self, now: float) -> tuple[float, float]:
        """(abandoned, person-answered) since the campaign's local midnight, each with the
        estimated AMD false positives when the rule counts them."""
        self._roll_today(now)
        return self._with_false_positives(
            self._today_abandoned, self._today_answered, self._today_machines
        )

    def record(self, now: float, *, abandoned: bool) -> None:
        """A person answered one of the campaign's calls; `abandoned` if no rep took it in time."""
        self._expire(now)
        self._roll_today(now)
        self._today_answered += 1
        self._today_abandoned += abandoned
        self._events.append((now, abandoned))
        self._answered += 1
        self._abandoned += abandoned
        self.total_answered += 1
        self.total_abandoned += abandoned
        self._recent.append(now)
        if self._first_event is None:
            self._first_event = now
        error = (self.rule.target - (1.0 if abandoned else 0.0)) / self.rule.target
        self._step_integral(error)

    def record_machine(self, now: float) -> None:
        """AMD found a machine on one of the campaign's calls. Where the rule estimates AMD
        false positives, `amd_false_positive_rate` of it counts as a person abandoned."""
        rate = self.rule.amd_false_positive_rate
        if rate <= 0.0:
            return
        self._expire(now)
        self._roll_today(now)
        self._today_machines += 1
        self._machine_events.append(now)
        self._machines += 1
        self.total_machines += 1
        self._recent_machines.append(now)
        if self._first_event is None:
            self._first_event = now
        # the regulator's rate includes the estimate: steer that rate to the target
        self._step_integral(rate * (self.rule.target - 1.0) / self.rule.target)

    def _step_integral(self, error: float) -> None:
        self._log_threshold = min(
            self._log_max,
            max(self._log_min, self._log_threshold + self._integral_gain * error),
        )

    def window_counts(self, now: float) -> tuple[float, float]:
        """(abandoned, person-answered) in the rolling window ending now, each with the
        estimated AMD false positives when the rule counts them."""
        self._expire(now)
        return self._with_false_positives(self._abandoned, self._answered, self._machines)

    def _measured_counts(self, now: float) -> list[tuple[float, float]]:
        """The counts the regulator may judge the campaign by: the rolling window, and
        for a calendar-day rule (UK) today's as well."""
        if self.rule.calendar_day:
            return [self.window_counts(now), self.today_counts(now)]
        return [self.window_counts(now)]

    def rate(self, now: float) -> float:
        """The regulator's rate now (for UK the higher of the 24 h and today's)."""
        return max(
            (abandoned / answered if answered else 0.0)
            for abandoned, answered in self._measured_counts(now)
        )

    # -- control ----------------------------------------------------------------------------
    def threshold(self, now: float) -> float:
        """q*: the largest acceptable P(abandon | a person answers) for one more call."""
        target = self.rule.target
        budget = min(
            target * answered - abandoned for abandoned, answered in self._measured_counts(now)
        )
        log_q = self._log_threshold + self._proportional_gain * budget
        return math.exp(min(self._log_max, max(self._log_min, log_q)))

    def answers_per_second(self, now: float) -> float:
        """Recent pace of person-answered calls, which the projection extends forward."""
        recent = self._recent
        while recent and recent[0] <= now - self._rate_memory:
            recent.popleft()
        if self._first_event is None:
            return 0.0
        span = min(self._rate_memory, now - self._first_event)
        return len(recent) / span if span >= 60.0 else 0.0

    def false_positives_per_second(self, now: float) -> float:
        """Recent pace of estimated AMD false positives (0 where the rule counts none)."""
        rate = self.rule.amd_false_positive_rate
        recent = self._recent_machines
        while recent and recent[0] <= now - self._rate_memory:
            recent.popleft()
        if rate <= 0.0 or self._first_event is None:
            return 0.0
        span = min(self._rate_memory, now - self._first_event)
        return rate * len(recent) / span if span >= 60.0 else 0.0

    def allows_overdial(
        self,
        now: float,
        at_risk_calls: float,
        risk: float,
        *,
        seconds_left: float | None = None,
    ) -> bool:
        """May the pacer place calls beyond the reps sure to be free?

        at_risk_calls: persons expected among the calls in flight (and about to be placed)
        that could find no rep; risk: the probability each does. The projection adds their
        expected abandons plus `confidence_z` standard deviations and one for the call being
        decided, and extends the window forward by the lookahead (at most `seconds_left`,
        the time until the campaign stops dialing) at the recent pace of answers, spending
        the target rate: the window, and today's rate, must stay at or under the cap at the
        end of it. Estimated AMD false positives ahead count as answers, and as abandons
        too: where they alone would exceed the target, they eat into the credit.
        """
        expected = max(0.0, at_risk_calls) * risk
        in_flight = expected + self._z * math.sqrt(expected + 1.0) + 1.0
        credit = self._credit(now, seconds_left)
        # Both the regulator's window and today's rate must stay under the cap.
        for abandoned, answered in (self.window_counts(now), self.today_counts(now)):
            if abandoned + in_flight > self.rule.cap * answered + credit:
                return False
        return True

    def _credit(self, now: float, seconds_left: float | None) -> float:
        """The abandons the answers expected over the lookahead (at most `seconds_left`)
        add to the budget when they are abandoned at the target rate: (cap - target) x
        those answers, less the estimated AMD false positives beyond the target."""
        lookahead = max(
            0.0, self._lookahead if seconds_left is None else min(self._lookahead, seconds_left)
        )
        false_positives_ahead = self.false_positives_per_second(now) * lookahead
        ahead = self.answers_per_second(now) * lookahead + false_positives_ahead
        rule = self.rule
        return (rule.cap - rule.target) * ahead - max(
            0.0, false_positives_ahead - rule.target * ahead
        )

    def cap_budget(self, now: float, *, seconds_left: float | None = None) -> float:
        """The abandons the window, and today's rate, can still take and be at or under the
        cap at the end of the lookahead (at most `seconds_left`), the answers ahead being
        abandoned at the target rate: cap x answered + that credit - abandoned."""
        credit = self._credit(now, seconds_left)
        cap = self.rule.cap
        return min(
            cap * answered + credit - abandoned
            for abandoned, answered in (self.window_counts(now), self.today_counts(now))
        )
