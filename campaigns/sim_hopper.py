"""The simulation's hopper over a population: who is dialled next, and what becomes of it.

`PopulationHopper` is the `DialSource` of a population scenario's shifts. It keeps each
account's queue state as the live engine's `campaign_numbers` does (pending, in a call,
done; the next time it may be dialled; attempts; a due callback), orders the due numbers
with the same pure function as the live hopper (`scoring.priority.dialing_order`), draws
each dial's outcome from the account's true contact curve, and settles it with the live
engine's retry policy (`campaigns.retry.next_attempt`, attempt caps in the account's local
day). With a learned or oracle ordering, a retry goes into the account's best predicted
hour (`scoring.best_time`). Every attempt is written to the call history the model learns
from.

Clock: seconds on a week-aligned UTC clock (0 is a Monday 00:00 UTC); the hopper re-ranks
every RERANK_SECONDS and when its queue runs dry.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
from numpy.typing import NDArray

from campaigns.people import Accounts, PopulationSpec, RetrySettings
from campaigns.population import CallFate, Outcome, Scenario, fate_for
from campaigns.retry import AttemptCaps, CallOutcome, RetryPolicy, next_attempt
from scoring.best_time import HOURS_PER_WEEK, best_retry_at, open_hours_of_week
from scoring.features import Rows, capped, days_since_trade_band
from scoring.model import PropensityModel
from scoring.priority import EXPLORATION_SHARE, Priority, dialing_order, expected_value

RERANK_SECONDS = 3600.0
QUEUE_LIMIT = 5000
DRY_PAUSE_SECONDS = 60.0
# 2026-03-02 was a Monday: the week-aligned clock's 0 as a date, for the retry policy
EPOCH = datetime(2026, 3, 2, tzinfo=UTC)
EPOCH_SECONDS = EPOCH.timestamp()

_PENDING, _IN_CALL, _DONE = 0, 1, 2


class CallHistory:
    """Every attempt: who, when (local hour, weekday), the campaign's earlier attempts,
    and what came of it. Columns grow by doubling."""

    COLUMNS = (
        "account",
        "local_hour",
        "weekday",
        "campaign_attempts",
        "contacted",
        "lead",
        "callback",
    )

    def __init__(self) -> None:
        self.size = 0
        self._data = {name: np.zeros(4096, dtype=np.int64) for name in self.COLUMNS}
        self._revenue = np.zeros(4096, dtype=np.int64)

    def add(self, values: tuple[int, int, int, int, int, int, int], revenue_cents: int) -> None:
        if self.size == self._revenue.shape[0]:
            for name in self.COLUMNS:
                self._data[name] = np.concatenate(
                    [self._data[name], np.zeros_like(self._data[name])]
                )
            self._revenue = np.concatenate([self._revenue, np.zeros_like(self._revenue)])
        for name, value in zip(self.COLUMNS, values, strict=True):
            self._data[name][self.size] = value
        self._revenue[self.size] = revenue_cents
        self.size += 1

    def column(self, name: str, start: int = 0) -> NDArray[np.int64]:
        if name == "revenue_cents":
            return self._revenue[start : self.size]
        return self._data[name][start : self.size]


def static_rows(accounts: Accounts) -> dict[str, NDArray[np.int64]]:
    """The model's per-account feature codes (scoring.features), from the accounts."""
    return {
        "segment": accounts.segment,
        "region": accounts.region,
        "tier": accounts.tier,
        "asset_band": accounts.asset_band,
        "account_age_band": accounts.account_age_band,
        "days_since_trade_band": days_since_trade_band(accounts.days_since_trade),
        "prior_contacts": capped(accounts.prior_contacts, 3),
        "prior_leads": capped(accounts.prior_leads, 2),
    }


def retry_policy(scenario: Scenario) -> RetryPolicy:
    settings = scenario.retry
    if settings is None:
        return RetryPolicy()
    caps = AttemptCaps(
        lifetime=settings.lifetime_attempts,
        per_day=settings.attempts_per_day,
        per_rolling_24h=settings.attempts_per_day,
    )
    return RetryPolicy(
        no_answer_delay=timedelta(minutes=settings.no_answer_delay_minutes),
        busy_delay=timedelta(minutes=settings.busy_delay_minutes),
        machine_delay=timedelta(minutes=settings.machine_delay_minutes),
        abandoned_lock=timedelta(hours=settings.abandoned_lock_hours),
        number_caps=caps,
        account_caps=caps,
    )


@dataclass
class DayTally:
    dials: int = 0
    contacts: int = 0
    leads: int = 0
    revenue_cents: int = 0


class PopulationHopper:
    """The hopper and the people of one population run (one ordering, one seed)."""

    def __init__(
        self,
        scenario: Scenario,
        spec: PopulationSpec,
        accounts: Accounts,
        priority: Priority,
        seed: int,
        shift_utc_hours: NDArray[np.bool_],
    ) -> None:
        self.scenario = scenario
        self.spec = spec
        self.accounts = accounts
        self.priority = priority
        self.policy = retry_policy(scenario)
        self.callback_contact = (scenario.retry or RetrySettings()).callback_contact_probability
        self.history = CallHistory()
        self.rows = static_rows(accounts)
        self.model: PropensityModel | None = None
        n = accounts.count
        self.state = np.zeros(n, dtype=np.int8)
        self.next_at = np.zeros(n, dtype=np.float64)
        self.attempts = np.zeros(n, dtype=np.int64)
        self.last_attempt = np.full(n, np.nan)
        self.callback_at = np.full(n, np.inf)
        self.reached = np.zeros(n, dtype=bool)
        self.tier_rank = (3 - accounts.tier).astype(np.int64)
        self.fairness_rank = self._fairness_ranks(accounts.list_id)
        self._attempt_times: dict[int, list[datetime]] = {}
        self._dialed_at: dict[int, float] = {}
        self._callback_dial: set[int] = set()
        self._zones = [timezone(timedelta(hours=r.utc_offset_hours)) for r in spec.regions]
        self._open = np.stack(
            [
                open_hours_of_week(
                    utc_offset_hours=r.utc_offset_hours,
                    window_local=spec.calling_window_local,
                    shift_utc_hours=shift_utc_hours,
                )
                for r in spec.regions
            ]
        )
        self._weekday_logit: list[float] = accounts.weekday_logit.tolist()
        self._offsets: list[float] = accounts.utc_offset_hours.tolist()
        self._regions: list[int] = accounts.region.tolist()
        self._rng = random.Random(f"{scenario.name}:{seed}:people")
        self._explore_rng = np.random.default_rng([seed, 61])
        self._lead_value = np.zeros(n)
        self._best_cache: dict[tuple[int, int, int], float] = {}
        self._queue: NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self._cursor = 0
        self._next_rerank = -math.inf
        self._dry_until = -math.inf
        self.day_base = 0.0
        self.tally = DayTally()
        self._non_contact = self._non_contact_split(scenario)

    @staticmethod
    def _fairness_ranks(list_id: NDArray[np.int64]) -> NDArray[np.int64]:
        order = np.argsort(list_id, kind="stable")
        ranks = np.empty_like(order)
        sorted_ids = list_id[order]
        starts = np.r_[0, np.flatnonzero(np.diff(sorted_ids)) + 1]
        first = np.repeat(starts, np.diff(np.r_[starts, order.size]))
        ranks[order] = np.arange(order.size) - first
        return ranks.astype(np.int64)

    @staticmethod
    def _non_contact_split(scenario: Scenario) -> list[tuple[Outcome, float]]:
        outcomes = scenario.outcomes
        parts: list[tuple[Outcome, float]] = [
            ("machine", outcomes.machine),
            ("busy", outcomes.busy),
            ("no_answer", outcomes.no_answer),
        ]
        total = sum(p for _, p in parts) or 1.0
        cumulative = 0.0
        split: list[tuple[Outcome, float]] = []
        for outcome, p in parts:
            cumulative += p / total
            split.append((outcome, cumulative))
        return split

    # -- the day ----------------------------------------------------------------------------
    def begin_day(self, day_base: float, model: PropensityModel | None) -> None:
        """A new shift starting at `day_base` (clock seconds), with the latest model."""
        self.day_base = day_base
        self.model = model
        if model is not None:
            # P(lead | contact) x the segment's value: fixed for the day's model
            self._lead_value = model.p_lead(self.rows) * model.value_cents(self.rows["segment"])
        self._best_cache.clear()
        self._queue = np.zeros(0, dtype=np.int64)
        self._cursor = 0
        self._next_rerank = -math.inf
        self._dry_until = -math.inf
        self.tally = DayTally()

    def end_day(self, shift_seconds: float) -> None:
        """Calls still ringing when the shift ends are settled as unanswered."""
        for account in np.flatnonzero(self.state == _IN_CALL):
            self.settled(int(account), CallOutcome.NO_ANSWER, shift_seconds)

    # -- local time -------------------------------------------------------------------------
    def _local_hours(
        self, at: float, index: NDArray[np.int64]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        local = np.floor(at / 3600.0 + self.accounts.utc_offset_hours[index]).astype(np.int64)
        return local % 24, (local // 24) % 7

    def _local_hour(self, at: float, account: int) -> tuple[int, int]:
        """(local hour, local weekday) of one account: plain numbers, for the per-dial path."""
        local = math.floor(at / 3600.0 + self._offsets[account])
        return local % 24, (local // 24) % 7

    def _open_regions(self, at: float) -> NDArray[np.bool_]:
        return self._open[:, int(at // 3600) % HOURS_PER_WEEK]

    # -- ordering ---------------------------------------------------------------------------
    def _scores(self, at: float, index: NDArray[np.int64]) -> NDArray[np.float64] | None:
        if self.priority is Priority.ORACLE:
            hour, weekday = self._local_hours(at, index)
            accounts = self.accounts
            p_contact = 1 / (
                1 + np.exp(-(accounts.contact_logit[index, hour] + accounts.weekday_logit[weekday]))
            )
            value = accounts.conversion_rate[index] * accounts.revenue_cents[index]
            return expected_value(p_contact, accounts.lead_probability[index], value)
        if self.priority is Priority.LEARNED and self.model is not None:
            rows = self._rows_at(at, index)
            return expected_value(self.model.p_contact(rows), self._lead_value[index], 1.0)
        return None

    def _rows_at(self, at: float, index: NDArray[np.int64]) -> Rows:
        hour, weekday = self._local_hours(at, index)
        rows = {name: values[index] for name, values in self.rows.items()}
        rows["local_hour"] = hour
        rows["weekday"] = weekday
        rows["campaign_attempts"] = capped(self.attempts[index], 5)
        return rows

    def _rerank(self, at: float) -> None:
        due = (self.state == _PENDING) & (self.next_at <= at)
        due &= self._open_regions(at)[self.accounts.region]
        candidates = np.flatnonzero(due)
        score = self._scores(at, candidates)
        explore = None
        if score is not None and self.priority is Priority.LEARNED:
            explore = self._explore_rng.random(candidates.size) < EXPLORATION_SHARE
        order = dialing_order(
            callback_due=self.callback_at[candidates] <= at,
            list_id=self.accounts.list_id[candidates],
            tier_rank=self.tier_rank[candidates],
            last_attempt=self.last_attempt[candidates],
            fairness_rank=self.fairness_rank[candidates],
            score=score,
            explore=explore,
            limit=QUEUE_LIMIT,
        )
        self._queue = candidates[order[:QUEUE_LIMIT]]
        self._cursor = 0
        self._next_rerank = (at // RERANK_SECONDS + 1) * RERANK_SECONDS

    # -- DialSource -------------------------------------------------------------------------
    def next_dial(self, now: float) -> tuple[CallFate, int] | None:
        at = self.day_base + now
        if at >= self._next_rerank or (self._cursor >= self._queue.size and at >= self._dry_until):
            self._rerank(at)
            if self._queue.size == 0:
                self._dry_until = at + DRY_PAUSE_SECONDS
        open_regions = self._open_regions(at)
        while self._cursor < self._queue.size:
            account = int(self._queue[self._cursor])
            self._cursor += 1
            if self.state[account] != _PENDING or self.next_at[account] > at:
                continue
            if not open_regions[self._regions[account]]:
                continue
            return self._dial(account, at), account
        self._dry_until = at + DRY_PAUSE_SECONDS
        return None

    def _dial(self, account: int, at: float) -> CallFate:
        self.state[account] = _IN_CALL
        self._dialed_at[account] = at
        self.tally.dials += 1
        rng = self._rng
        accounts = self.accounts
        if self.callback_at[account] <= at:
            self.callback_at[account] = math.inf
            self._callback_dial.add(account)
            p_contact = self.callback_contact
        else:
            hour, weekday = self._local_hour(at, account)
            logit = float(accounts.contact_logit[account, hour]) + self._weekday_logit[weekday]
            p_contact = 1.0 / (1.0 + math.exp(-logit))
        outcome: Outcome
        if accounts.invalid[account]:
            outcome = "invalid"
        elif rng.random() < p_contact:
            outcome = "human"
        else:
            draw = rng.random()
            outcome = next((o for o, edge in self._non_contact if draw < edge), "no_answer")
        return fate_for(self.scenario, outcome, rng)

    def settled(self, token: int, outcome: CallOutcome, now: float) -> None:
        account = token
        at = self.day_base + now
        dialed_at = self._dialed_at.pop(account)
        was_callback = account in self._callback_dial
        self._callback_dial.discard(account)
        earlier = int(self.attempts[account])
        self.attempts[account] = earlier + 1
        self.last_attempt[account] = dialed_at
        zone = self._zones[self._regions[account]]
        local_dialed = datetime.fromtimestamp(EPOCH_SECONDS + dialed_at, zone)
        times = self._attempt_times.setdefault(account, [])
        times.append(local_dialed)
        contacted = outcome in (CallOutcome.CONNECTED, CallOutcome.ABANDONED)
        lead = revenue = 0
        if outcome is CallOutcome.CONNECTED:
            self.tally.contacts += 1
            self.reached[account] = True
            lead, revenue = self._conversation(account)
        hour, weekday = self._local_hour(dialed_at, account)
        self.history.add(
            (account, hour, weekday, min(earlier, 5), int(contacted), lead, int(was_callback)),
            revenue,
        )
        if outcome is CallOutcome.CONNECTED:
            if not lead and not was_callback and self._rng.random() < self.spec.callback_rate:
                self._schedule_callback(account, at)
                return
            self.state[account] = _DONE
            return
        local_now = datetime.fromtimestamp(EPOCH_SECONDS + at, zone)
        decision = next_attempt(
            self.policy, outcome, local_now, number_attempts=times, account_attempts=times
        )
        if decision.retry_at is None:
            self.state[account] = _DONE
            return
        earliest = (decision.retry_at - EPOCH).total_seconds()
        self.state[account] = _PENDING
        self.next_at[account] = self._best_time(account, earliest)

    def _conversation(self, account: int) -> tuple[int, int]:
        """A connected person: a warm lead with the account's true probability, and the
        lead's conversion (its revenue, integer cents)."""
        accounts = self.accounts
        if self._rng.random() >= accounts.lead_probability[account]:
            return 0, 0
        self.tally.leads += 1
        if self._rng.random() >= accounts.conversion_rate[account]:
            return 1, 0
        revenue = int(accounts.revenue_cents[account])
        self.tally.revenue_cents += revenue
        return 1, revenue

    def _schedule_callback(self, account: int, at: float) -> None:
        """The customer asks to be called tomorrow: the first open hour a day later."""
        region = int(self.accounts.region[account])
        flat = np.zeros(24)
        due = best_retry_at(
            at + 86400.0,
            hourly_logit=flat,
            weekday_logit=np.zeros(7),
            utc_offset_hours=self.spec.regions[region].utc_offset_hours,
            open_hours=self._open[region],
            horizon_hours=24 * 4,
        )
        self.state[account] = _PENDING
        self.callback_at[account] = due
        self.next_at[account] = due

    def _best_time(self, account: int, earliest: float) -> float:
        if self.priority is Priority.TIER:
            return earliest
        if self.priority is Priority.LEARNED and self.model is None:
            return earliest
        segment = int(self.accounts.segment[account])
        region = int(self.accounts.region[account])
        key = (segment, region, int(earliest // 3600))
        cached = self._best_cache.get(key)
        if cached is None:
            if self.priority is Priority.ORACLE:
                hourly, weekday = (
                    self.accounts.segment_contact_logit[segment],
                    self.accounts.weekday_logit,
                )
            else:
                assert self.model is not None
                hourly, weekday = (
                    self.model.hourly_contact_logit(segment),
                    self.model.weekday_logit(),
                )
            cached = best_retry_at(
                float(key[2] * 3600),
                hourly_logit=hourly,
                weekday_logit=weekday,
                utc_offset_hours=self.spec.regions[region].utc_offset_hours,
                open_hours=self._open[region],
            )
            self._best_cache[key] = cached
        return max(earliest, cached)
