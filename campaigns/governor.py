"""The abandon governor: keeps a campaign's abandon rate under the legal cap.

The rate is measured as the regulator measures it: abandoned calls / calls answered by a
person, per campaign, over a rolling window (US: 30 days, i.e. the whole campaign when it is
shorter; UK: the calendar day). The governor

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


class GovernorConfigError(CampaignError):
    """The governor's target must be positive and below the cap; fix the campaign settings."""


@dataclass(frozen=True, slots=True)
class AbandonRule:
    """How the regulator measures the rate.

    calendar_day: the UK rule (midnight to midnight on the campaign's local clock, whose
    offset from `now`'s origin is `day_offset_seconds`); otherwise a rolling window.
    """

    cap: float = 0.03
    target: float = 0.025
    window_seconds: float = US_WINDOW_SECONDS
    calendar_day: bool = False
    day_offset_seconds: float = 0.0


UK_RULE = AbandonRule(window_seconds=DAY_SECONDS, calendar_day=True)


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
        self._first_event: float | None = None
        self._events: deque[tuple[float, bool]] = deque()
        self._answered = 0
        self._abandoned = 0
        self._day: int | None = None
        self._today: int | None = None
        self._today_answered = 0
        self._today_abandoned = 0
        self.total_answered = 0
        self.total_abandoned = 0

    # -- measurement ------------------------------------------------------------------------
    def _expire(self, now: float) -> None:
        rule = self.rule
        if rule.calendar_day:
            day = math.floor((now + rule.day_offset_seconds) / DAY_SECONDS)
            if day != self._day:
                self._day = day
                self._events.clear()
                self._answered = self._abandoned = 0
            return
        horizon = now - rule.window_seconds
        events = self._events
        while events and events[0][0] <= horizon:
            _, abandoned = events.popleft()
            self._answered -= 1
            self._abandoned -= abandoned

    def _roll_today(self, now: float) -> None:
        today = math.floor((now + self.rule.day_offset_seconds) / DAY_SECONDS)
        if today != self._today:
            self._today = today
            self._today_answered = self._today_abandoned = 0

    def today_counts(self, now: float) -> tuple[int, int]:
        """(abandoned, person-answered) since the campaign's local midnight."""
        self._roll_today(now)
        return self._today_abandoned, self._today_answered

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
        self._log_threshold = min(
            self._log_max,
            max(self._log_min, self._log_threshold + self._integral_gain * error),
        )

    def window_counts(self, now: float) -> tuple[int, int]:
        """(abandoned, person-answered) in the regulator's window ending now."""
        self._expire(now)
        return self._abandoned, self._answered

    def rate(self, now: float) -> float:
        abandoned, answered = self.window_counts(now)
        return abandoned / answered if answered else 0.0

    # -- control ----------------------------------------------------------------------------
    def threshold(self, now: float) -> float:
        """q*: the largest acceptable P(abandon | a person answers) for one more call."""
        abandoned, answered = self.window_counts(now)
        budget = self.rule.target * answered - abandoned
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
        end of it.
        """
        expected = max(0.0, at_risk_calls) * risk
        in_flight = expected + self._z * math.sqrt(expected + 1.0) + 1.0
        lookahead = self._lookahead if seconds_left is None else min(self._lookahead, seconds_left)
        ahead = self.answers_per_second(now) * max(0.0, lookahead)
        rule = self.rule
        credit = (rule.cap - rule.target) * ahead
        # Both the regulator's window and today's rate must stay under the cap.
        for abandoned, answered in (self.window_counts(now), self.today_counts(now)):
            if abandoned + in_flight > rule.cap * answered + credit:
                return False
        return True
