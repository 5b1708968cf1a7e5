"""The engine store kept in dicts: the engine's decisions tested without PostgreSQL.

`MemoryEngineStore` implements `EngineStore` over plain records: a campaign's queue of
numbers, its call attempts and its reps' sessions, with the same meanings as the tables
`PostgresEngineStore` reads (a person-answer reached a rep or was abandoned and was not
a machine; a call is live until its status ends it). It models one process: an asyncio
lock stands for the row locks. What it leaves out, and PostgreSQL alone decides:
callbacks (a number is queued only for its retry time), the dialing order's fairness
across lists, the rep state machine's refusals, and the compliance gate, which here
allows every number unless a test gave that phone another decision (`decisions`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count
from typing import TYPE_CHECKING, Any

from campaigns.abandon_budget import WindowCounts
from campaigns.agents import RepState
from campaigns.retry import CallOutcome
from campaigns.routing import RoutingPolicy, rank_reps
from compliance.models import Decision, Verdict
from compliance.rules import GateRules
from dialer.compliance.gatekeeper import GateOutcome
from dialer.engine import records
from dialer.engine.errors import CallBoundElsewhere, StaleLease
from dialer.engine.hopper import DEFAULT_LEASE_SECONDS, LIVE_ELSEWHERE_RETRY, ClaimedNumber
from dialer.engine.memory_rows import (
    LIVE_STATUSES,
    NEVER,
    MemoryAttempt,
    MemoryDisposition,
    MemoryNumber,
    MemoryRepSession,
)
from dialer.engine.store import EngineStore, LockedAttempt


class MemoryLockedAttempt(LockedAttempt):
    def __init__(self, store: MemoryEngineStore, attempt: MemoryAttempt) -> None:
        self._store = store
        self._row = attempt

    @property
    def attempt(self) -> records.RoutingAttempt:
        return records.pick(records.RoutingAttempt, self._row.row())

    async def rep_still_on_call(self, user_id: int) -> bool:
        return self._store.rep_on_call(user_id, self._row.call_attempt_id)

    async def lock_ranked_rep(
        self,
        campaign_id: int,
        required: str | None,
        owner: int | None,
        policy: RoutingPolicy,
        tier: str | None,
    ) -> int | None:
        ready = [
            records.ready_rep(rep.user_id, rep.is_senior, rep.since)
            for rep in self._store.reps.values()
            if rep.campaign_id == campaign_id
            and rep.state is RepState.READY
            and (required is None or required in rep.registrations)
        ]
        ranked = rank_reps(
            ready, tier=tier, owner_rep_id=str(owner) if owner else None, policy=policy
        )
        return int(ranked[0].rep_id) if ranked else None

    async def connect_rep(self, user_id: int, now: datetime) -> None:
        rep = self._store.reps[user_id]
        if rep.state is not RepState.RESERVED:
            rep.move(RepState.RESERVED, now, self._row.call_attempt_id)
        rep.move(RepState.ON_CALL, now, self._row.call_attempt_id)
        self._row.agent_user_id = self._row.reserved_agent_user_id = user_id

    async def record_system_disposition(
        self, user_id: int, code: str, idempotency_key: str, note: str, now: datetime
    ) -> None:
        disposition = MemoryDisposition(user_id, self._row.call_attempt_id, code, note, now)
        self._store.dispositions.setdefault(idempotency_key, disposition)
        self._store.reps[user_id].move(RepState.WRAP_UP, now)

    async def rep_ready(self, user_id: int, now: datetime) -> None:
        self._store.reps[user_id].move(RepState.READY, now)


@dataclass
class MemoryEngineStore(EngineStore):
    """The engine's data in dicts (see the module's docstring)."""

    campaigns: dict[int, Mapping[str, Any]] = field(default_factory=dict)
    numbers: dict[tuple[int, int], MemoryNumber] = field(default_factory=dict)
    attempts: dict[int, MemoryAttempt] = field(default_factory=dict)
    reps: dict[int, MemoryRepSession] = field(default_factory=dict)
    # (campaign, when a wrap-up ended, how long it took)
    wrap_ups: list[tuple[int, datetime, float]] = field(default_factory=list)
    # the gate's decision for a phone, where it is not ALLOW
    decisions: dict[int, Decision] = field(default_factory=dict)
    dispositions: dict[str, MemoryDisposition] = field(default_factory=dict)
    retired_numbers: dict[str, str] = field(default_factory=dict)
    # each campaign's current lease epoch (what the database's campaign_leases says)
    lease_epochs: dict[int, int] = field(default_factory=dict)
    paused: set[int] = field(default_factory=set)
    audits: list[GateOutcome] = field(default_factory=list)
    _ids: count[int] = field(default_factory=lambda: count(1))
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    # -- what a test puts in -----------------------------------------------------------
    def queue(self, number: MemoryNumber) -> MemoryNumber:
        self.numbers[number.campaign_id, number.phone_id] = number
        return number

    def log_in(self, rep: MemoryRepSession) -> MemoryRepSession:
        self.reps[rep.user_id] = rep
        return rep

    def add_attempt(self, **fields: Any) -> MemoryAttempt:
        """A call attempt as written by the engine, a webhook or a test's history."""
        attempt = MemoryAttempt(call_attempt_id=next(self._ids), **fields)
        self.attempts[attempt.call_attempt_id] = attempt
        return attempt

    def rep_on_call(self, user_id: int, attempt_id: int) -> bool:
        rep = self.reps.get(user_id)
        return (
            rep is not None
            and rep.call_attempt_id == attempt_id
            and rep.state in (RepState.RESERVED, RepState.ON_CALL)
        )

    def _attempt_of(self, attempt_id: int | None, call_id: str) -> MemoryAttempt | None:
        if attempt_id is not None:
            return self.attempts.get(attempt_id)
        return next((a for a in self.attempts.values() if a.provider_call_id == call_id), None)

    def _of_campaign(self, campaign_id: int) -> list[MemoryAttempt]:
        return [a for a in self.attempts.values() if a.campaign_id == campaign_id]

    # -- settings ------------------------------------------------------------------------
    async def campaign_row(self, campaign_id: int) -> Mapping[str, Any] | None:
        return self.campaigns.get(campaign_id)

    async def pause_campaign(self, campaign_id: int) -> None:
        self.paused.add(campaign_id)

    # -- what the pacer learns and sees ----------------------------------------------------
    async def person_answers_since(
        self, campaign_id: int, since: datetime
    ) -> list[records.PersonAnswer]:
        answered = [
            a
            for a in self._of_campaign(campaign_id)
            if a.answered_at is not None and a.answered_at >= since and a.person_answer
        ]
        answered.sort(key=lambda a: a.answered_at or since)
        return [records.PersonAnswer(a.answered_at or a.created_at, a.abandoned) for a in answered]

    async def machine_verdicts_since(self, campaign_id: int, since: datetime) -> list[datetime]:
        return sorted(
            a.amd_at or a.answered_at or a.created_at
            for a in self._of_campaign(campaign_id)
            if a.answered_at is not None and a.answered_at >= since and a.answered_by == "machine"
        )

    async def pacing_history(
        self, campaign_id: int, since: datetime, limit: int
    ) -> list[records.PastCall]:
        ended = [
            a
            for a in self._of_campaign(campaign_id)
            if a.created_at >= since and a.ended_at is not None
        ]
        ended.sort(key=lambda a: (a.ended_at or since, a.call_attempt_id))
        return [records.pick(records.PastCall, a.row()) for a in ended[-limit:]]

    async def rep_states(self, campaign_id: int, now: datetime) -> list[records.InState]:
        return [
            records.InState(rep.state.value, (now - rep.since).total_seconds())
            for rep in self.reps.values()
            if rep.campaign_id == campaign_id and rep.state is not RepState.LOGGED_OUT
        ]

    async def calls_in_flight(self, campaign_id: int, now: datetime) -> list[records.InState]:
        return [
            records.InState(
                "ringing" if a.answered_at is None else "waiting",
                (now - (a.answered_at or a.created_at)).total_seconds(),
            )
            for a in self._of_campaign(campaign_id)
            if a.status in LIVE_STATUSES
            and a.agent_user_id is None
            and not a.abandoned
            and a.answered_by != "machine"
        ]

    async def wrap_ups_finished(
        self, campaign_id: int, after: datetime, until: datetime
    ) -> list[float]:
        return [
            seconds
            for campaign, ended_at, seconds in self.wrap_ups
            if campaign == campaign_id and after < ended_at <= until
        ]

    async def abandon_windows(
        self, campaign_id: int, since: Sequence[datetime]
    ) -> list[WindowCounts]:
        windows = []
        for start in since:
            calls = [a for a in self._of_campaign(campaign_id) if a.created_at >= start]
            windows.append(
                WindowCounts(
                    persons=sum(a.person_answer for a in calls),
                    abandoned=sum(a.person_answer and a.abandoned for a in calls),
                    machine_verdicts=sum(a.answered_by == "machine" for a in calls),
                )
            )
        return windows

    # -- the queue and the dial ------------------------------------------------------------
    async def release_expired_leases(self, now: datetime) -> int:
        expired = [
            n
            for n in self.numbers.values()
            if n.state == "leased" and n.lease_expires_at is not None and n.lease_expires_at < now
        ]
        for number in expired:
            number.state, number.leased_by, number.lease_expires_at = "pending", None, None
        return len(expired)

    async def claim(
        self,
        campaign_id: int,
        now: datetime,
        count: int,
        engine_id: str,
        lease_epoch: int | None = None,
    ) -> list[ClaimedNumber]:
        if lease_epoch is not None and self.lease_epochs.get(campaign_id) != lease_epoch:
            return []  # a stale epoch claims nothing
        due = [
            n
            for n in self.numbers.values()
            if n.campaign_id == campaign_id and n.state == "pending" and n.next_attempt_at <= now
        ]
        # priority first, then the longest since its last attempt (never attempted first)
        due.sort(key=lambda n: (-n.priority, n.last_attempt_at is not None, n.last_attempt_at))
        claimed = due[: max(0, count)]
        for number in claimed:
            number.state, number.leased_by = "leased", engine_id
            number.lease_expires_at = now + timedelta(seconds=DEFAULT_LEASE_SECONDS)
        return [number.claimed() for number in claimed]

    async def gate(
        self, numbers: Sequence[ClaimedNumber], now: datetime, dial_mode: str, rules: GateRules
    ) -> list[GateOutcome]:
        outcomes = []
        for number in numbers:
            decision = self.decisions.get(number.phone_id) or Decision(
                verdict=Verdict.ALLOW,
                rules=(),
                reason=f"allowed ({dial_mode}): the memory store's gate",
                rule_set_version="memory",
                decided_at=now,
            )
            outcome = GateOutcome(
                number.phone_id, number.account_id, number.e164, decision, next(self._ids)
            )
            self.audits.append(outcome)
            outcomes.append(outcome)
        return outcomes

    def _number(self, number: ClaimedNumber) -> MemoryNumber:
        return self.numbers[number.campaign_id, number.phone_id]

    async def defer(self, number: ClaimedNumber, until: datetime, reason: str) -> None:
        queued = self._number(number)
        if queued.state == "leased":
            queued.state, queued.leased_by, queued.lease_expires_at = "pending", None, None
            queued.next_attempt_at, queued.reason = until, reason

    async def close(
        self, number: ClaimedNumber, state: str, reason: str, rules: Sequence[str] = ()
    ) -> None:
        queued = self._number(number)
        if queued.state in ("leased", "dialing", "pending"):
            queued.state, queued.leased_by, queued.lease_expires_at = state, None, None
            queued.reason = reason

    async def mark_preview_only(self, number: ClaimedNumber, reason: str) -> None:
        queued = self._number(number)
        if queued.state == "leased":
            queued.state, queued.leased_by, queued.lease_expires_at = "pending", None, None
            queued.preview_only, queued.next_attempt_at, queued.reason = True, NEVER, reason

    async def start_attempt(
        self,
        number: ClaimedNumber,
        engine_id: str,
        now: datetime,
        audit_id: int,
        provider: str,
        lease_epoch: int | None = None,
    ) -> int | None:
        if lease_epoch is not None and self.lease_epochs.get(number.campaign_id) != lease_epoch:
            raise StaleLease(f"campaign {number.campaign_id} is no longer leased at {lease_epoch}")
        queued = self._number(number)
        if queued.state != "leased" or queued.leased_by != engine_id:
            return None
        if any(a.e164 == number.e164 and a.status in LIVE_STATUSES for a in self.attempts.values()):
            await self.defer(number, now + LIVE_ELSEWHERE_RETRY, "number live in another call")
            return None
        attempt = self.add_attempt(
            campaign_id=number.campaign_id,
            account_id=number.account_id,
            phone_id=number.phone_id,
            e164=number.e164,
            created_at=now,
            tier=queued.tier,
            provider=provider,
            callback_owner=queued.callback_owner,
        )
        queued.state, queued.call_attempt_id = "dialing", attempt.call_attempt_id
        queued.leased_by, queued.lease_expires_at = None, None
        queued.attempts += 1
        queued.last_attempt_at = now
        return attempt.call_attempt_id

    async def record_placed(self, attempt_id: int, call_id: str, now: datetime) -> None:
        if any(
            a.provider_call_id == call_id and a.call_attempt_id != attempt_id
            for a in self.attempts.values()
        ):
            raise CallBoundElsewhere(
                f"call {call_id} is bound to another attempt than {attempt_id}"
            )
        attempt = self.attempts[attempt_id]
        attempt.provider_call_id = attempt.provider_call_id or call_id
        if attempt.status == "created":
            attempt.status = "queued"
        attempt.queued_at = attempt.queued_at or now

    async def attempt_refused(
        self, attempt_id: int, now: datetime, end_reason: str, provider_code: int | None
    ) -> bool:
        attempt = self.attempts.get(attempt_id)
        if attempt is None or attempt.status != "created":
            return False
        attempt.status, attempt.ended_at, attempt.end_reason = "failed", now, end_reason
        attempt.provider_error_code = provider_code
        return True

    # -- answers ---------------------------------------------------------------------------
    @asynccontextmanager
    async def lock_attempt(
        self, attempt_id: int | None, call_id: str
    ) -> AsyncIterator[LockedAttempt | None]:
        async with self._lock:
            attempt = self._attempt_of(attempt_id, call_id)
            yield None if attempt is None else MemoryLockedAttempt(self, attempt)

    async def attempt_abandoned(self, attempt_id: int | None, call_id: str) -> None:
        attempt = self._attempt_of(attempt_id, call_id)
        if attempt is not None and attempt.agent_user_id is None:
            attempt.abandoned = True
            attempt.provider_call_id = attempt.provider_call_id or call_id

    async def rep_leaves_call(
        self, user_id: int, attempt_id: int, state: RepState, when: Callable[[], datetime]
    ) -> bool:
        async with self._lock:
            if not self.rep_on_call(user_id, attempt_id):
                return False
            self.reps[user_id].move(state, when())
            return True

    # -- settling --------------------------------------------------------------------------
    async def ended_attempt(self, call_id: str) -> records.EndedAttempt | None:
        attempt = self._attempt_of(None, call_id)
        return None if attempt is None else records.pick(records.EndedAttempt, attempt.row())

    async def ended_attempt_by_id(self, attempt_id: int) -> records.EndedAttempt | None:
        attempt = self.attempts.get(attempt_id)
        return None if attempt is None else records.pick(records.EndedAttempt, attempt.row())

    async def retire_phone(
        self, attempt_id: int, now: datetime, reason: str, number_invalid: bool
    ) -> None:
        e164 = self.attempts[attempt_id].e164
        self.retired_numbers.setdefault(e164, reason)
        for number in self.numbers.values():
            if number.e164 == e164 and number.state in ("pending", "leased"):
                number.state, number.reason, number.leased_by = "retired", reason, None

    async def attempt_history(self, attempt_id: int) -> records.AttemptHistory | None:
        attempt = self.attempts.get(attempt_id)
        if attempt is None:
            return None
        calls = self.attempts.values()
        return records.AttemptHistory(
            sorted(a.created_at for a in calls if a.e164 == attempt.e164),
            sorted(a.created_at for a in calls if a.account_id == attempt.account_id),
        )

    async def settle_number(
        self, attempt_id: int, campaign_id: int, settled: records.Settlement
    ) -> None:
        for number in self.numbers.values():
            if (
                number.call_attempt_id == attempt_id
                and number.campaign_id == campaign_id
                and number.state == "dialing"
            ):
                number.state, number.reason = settled.state, settled.reason
                number.last_outcome = settled.outcome.value
                number.next_attempt_at = settled.retry_at or number.next_attempt_at
                number.call_attempt_id = None
        attempt = self.attempts[attempt_id]
        attempt.outcome = settled.outcome.value
        attempt.abandoned = attempt.abandoned or settled.outcome is CallOutcome.ABANDONED

    async def ended_calls(
        self, call_ids: Sequence[str]
    ) -> list[tuple[records.EndedAttempt, records.AttemptHistory]]:
        found = []
        for call_id in call_ids:
            ended = await self.ended_attempt(call_id)
            history = None if ended is None else await self.attempt_history(ended.call_attempt_id)
            if ended is not None and history is not None:
                found.append((ended, history))
        return found

    async def settle_numbers(
        self, campaign_id: int, settled: Sequence[tuple[int, records.Settlement]]
    ) -> None:
        for attempt_id, settlement in settled:
            await self.settle_number(attempt_id, campaign_id, settlement)

    # -- sweeps ----------------------------------------------------------------------------
    async def unconfirmed_attempts(
        self, campaign_id: int, before: datetime, limit: int
    ) -> list[records.UnconfirmedAttempt]:
        unconfirmed = sorted(
            (
                a
                for a in self._of_campaign(campaign_id)
                if a.status == "created" and a.provider_call_id is None and a.created_at < before
            ),
            key=lambda a: a.created_at,
        )
        return [records.pick(records.UnconfirmedAttempt, a.row()) for a in unconfirmed[:limit]]

    async def overdue_live_attempts(
        self,
        campaign_id: int,
        unanswered_before: datetime,
        before: datetime,
        limit: int,
        silent_since: datetime | None = None,
    ) -> list[records.OverdueCall]:
        overdue = sorted(
            (
                a
                for a in self._of_campaign(campaign_id)
                if a.provider_call_id is not None
                and a.status in LIVE_STATUSES
                and (
                    (a.answered_at is None and a.created_at < unanswered_before)
                    or a.created_at < before
                    or (
                        silent_since is not None
                        and a.answered_at is not None
                        and max(
                            t
                            for t in (a.answered_at, a.amd_at, a.carrier_checked_at)
                            if t is not None
                        )
                        < silent_since
                    )
                )
            ),
            key=lambda a: a.carrier_checked_at or a.created_at,
        )
        return [records.pick(records.OverdueCall, a.row()) for a in overdue[:limit]]

    async def carrier_checked(self, attempt_ids: Sequence[int], now: datetime) -> None:
        for attempt_id in attempt_ids:
            self.attempts[attempt_id].carrier_checked_at = now

    async def reps_left_on_ended_calls(
        self, campaign_id: int, before: datetime, limit: int
    ) -> list[int]:
        left = [
            a.call_attempt_id
            for a in self._of_campaign(campaign_id)
            if a.ended_at is not None
            and a.ended_at < before
            and any(
                rep.call_attempt_id == a.call_attempt_id
                and rep.state in (RepState.RESERVED, RepState.ON_CALL)
                for rep in self.reps.values()
            )
        ]
        return left[:limit]

    async def calls_ended_since(
        self, campaign_id: int, after: datetime, limit: int
    ) -> list[records.PastCall]:
        ended = sorted(
            (a for a in self._of_campaign(campaign_id) if a.ended_at and a.ended_at > after),
            key=lambda a: (a.ended_at, a.call_attempt_id),
        )
        return [records.pick(records.PastCall, a.row()) for a in ended[:limit]]

    async def ended_attempts_left_dialing(
        self, campaign_id: int, before: datetime, limit: int
    ) -> list[int]:
        stuck = []
        for number in self.numbers.values():
            attempt = self.attempts.get(number.call_attempt_id or 0)
            if (
                number.campaign_id == campaign_id
                and number.state == "dialing"
                and attempt is not None
                and attempt.status not in LIVE_STATUSES
                and attempt.ended_at is not None
                and attempt.ended_at < before
            ):
                stuck.append((attempt.ended_at, attempt.call_attempt_id))
        return [attempt_id for _, attempt_id in sorted(stuck)[:limit]]

    # -- the service -----------------------------------------------------------------------
    async def campaign_of_call(self, attempt_id: int | None, call_id: str) -> int | None:
        attempt = self._attempt_of(attempt_id, call_id)
        return None if attempt is None else attempt.campaign_id


if TYPE_CHECKING:  # mypy proves the twin keeps the whole Protocol: no member left abstract
    _twin: EngineStore = MemoryEngineStore()
