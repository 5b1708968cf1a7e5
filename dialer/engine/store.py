"""What the engine reads and writes, by name: the seam between its jobs and its database.

`EngineStore` is the one interface the engine's jobs (dialer/engine/loop.py, launching,
answers, settling, sweeps) use for their data; every method is one named operation on
campaign queues, call attempts and rep sessions, in the plain records of `records.py`. `PostgresEngineStore`
(dialer/engine/pg_store.py) runs them as the named queries of `store.sql` and the
hopper's; `MemoryEngineStore` (dialer/engine/memory_store.py) keeps them in dicts, so the
engine's decisions can be tested without PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

from campaigns.abandon_budget import WindowCounts
from campaigns.agents import RepState
from campaigns.routing import RoutingPolicy
from compliance.rules import GateRules
from dialer.compliance.gatekeeper import GateOutcome
from dialer.engine.hopper import ClaimedNumber
from dialer.engine.records import (
    AttemptHistory,
    EndedAttempt,
    InState,
    OverdueCall,
    PastCall,
    PersonAnswer,
    RoutingAttempt,
    Settlement,
    UnconfirmedAttempt,
)


class LockedAttempt(Protocol):
    """An attempt locked for the answer (or machine verdict) webhook deciding it, in one
    transaction; the rep sessions it touches are locked with it until the block ends."""

    @property
    def attempt(self) -> RoutingAttempt: ...

    async def rep_still_on_call(self, user_id: int) -> bool:
        """The rep is reserved for, or on, this very attempt (their session now locked)."""
        ...

    async def lock_ranked_rep(
        self,
        campaign_id: int,
        required: str | None,
        owner: int | None,
        policy: RoutingPolicy,
        tier: str | None,
    ) -> int | None:
        """Lock the first ready rep in the routing rule's order for this call
        (`campaigns.routing.rank_reps`: the callback's `owner`, then the seniors when the
        `policy` sends the `tier` to them first, then everyone, the longest idle first),
        holding the `required` registration where there is one, skipping reps another
        answer holds; None when nobody is free. One round trip."""
        ...

    async def connect_rep(self, user_id: int, now: datetime) -> None:
        """The rep takes the call: through reserved (unless a preview dial reserved them
        already) to on_call, and the attempt bridged to them."""
        ...

    async def record_system_disposition(
        self, user_id: int, code: str, idempotency_key: str, note: str, now: datetime
    ) -> None:
        """Record the attempt's outcome for the rep, as the system."""
        ...

    async def rep_ready(self, user_id: int, now: datetime) -> None:
        """The rep goes back to ready."""
        ...


class EngineStore(Protocol):
    """The engine's data, by named operation (see the module's docstring)."""

    # -- settings ------------------------------------------------------------------------
    async def campaign_row(self, campaign_id: int) -> Mapping[str, Any] | None:
        """The campaign's engine settings as stored (campaign_for_engine's columns)."""
        ...

    async def pause_campaign(self, campaign_id: int) -> None: ...

    # -- what the pacer learns and sees ----------------------------------------------------
    async def person_answers_since(self, campaign_id: int, since: datetime) -> list[PersonAnswer]:
        """Person-answers (as the figures count them) answered since `since`, oldest first."""
        ...

    async def machine_verdicts_since(self, campaign_id: int, since: datetime) -> list[datetime]:
        """When AMD found machines on calls answered since `since`, oldest first."""
        ...

    async def pacing_history(self, campaign_id: int, since: datetime, limit: int) -> list[PastCall]:
        """The newest `limit` dials that stopped ringing since `since`, oldest first."""
        ...

    async def rep_states(self, campaign_id: int, now: datetime) -> list[InState]:
        """The campaign's logged-in reps: each one's state, and since when."""
        ...

    async def calls_in_flight(self, campaign_id: int, now: datetime) -> list[InState]:
        """The campaign's calls not yet with a rep: `ringing` or `waiting`, and since when."""
        ...

    async def wrap_ups_finished(
        self, campaign_id: int, after: datetime, until: datetime
    ) -> list[float]:
        """How long each wrap-up of the campaign's reps that ended in (after, until] took."""
        ...

    async def abandon_windows(
        self, campaign_id: int, since: Sequence[datetime]
    ) -> list[WindowCounts]:
        """The regulator's counts of the campaign's calls since each instant of `since`."""
        ...

    # -- the queue and the dial ------------------------------------------------------------
    async def release_expired_leases(self, now: datetime) -> int: ...

    async def claim(
        self,
        campaign_id: int,
        now: datetime,
        count: int,
        engine_id: str,
        lease_epoch: int | None = None,
    ) -> list[ClaimedNumber]:
        """Lease up to `count` of the campaign's due numbers, in dialing order; under a
        campaign lease's epoch, nothing once that epoch is stale."""
        ...

    async def gate(
        self, numbers: Sequence[ClaimedNumber], now: datetime, dial_mode: str, rules: GateRules
    ) -> list[GateOutcome]:
        """The compliance gate's decisions on one campaign's claimed numbers (dialled in
        `dial_mode`, by `rules`), audited, in their order."""
        ...

    async def defer(self, number: ClaimedNumber, until: datetime, reason: str) -> None: ...

    async def close(
        self, number: ClaimedNumber, state: str, reason: str, rules: Sequence[str] = ()
    ) -> None:
        """The number leaves the queue as `state`; `rules`: the gate's, when it blocked."""
        ...

    async def mark_preview_only(self, number: ClaimedNumber, reason: str) -> None:
        """Automated dialing is not allowed for this callee: only a rep's preview dials it."""
        ...

    async def start_attempt(
        self,
        number: ClaimedNumber,
        engine_id: str,
        now: datetime,
        audit_id: int,
        provider: str,
        lease_epoch: int | None = None,
    ) -> int | None:
        """Write the call attempt (gated by the decision `audit_id`, placed by `provider`)
        and mark the number dialing; None if the number's lease was lost or the number is
        live in another call (see hopper.start_attempt). Raises StaleLease when the
        campaign's lease epoch it carries is no longer current."""
        ...

    async def record_placed(self, attempt_id: int, call_id: str, now: datetime) -> None:
        """Bind the provider's call to the attempt. Raises CallBoundElsewhere when that
        call is another attempt's."""
        ...

    async def attempt_refused(
        self, attempt_id: int, now: datetime, end_reason: str, provider_code: int | None
    ) -> bool:
        """Fail an attempt the provider never placed; False if it was no longer `created`."""
        ...

    # -- answers ---------------------------------------------------------------------------
    def lock_attempt(
        self, attempt_id: int | None, call_id: str
    ) -> AbstractAsyncContextManager[LockedAttempt | None]:
        """The attempt (by id, else by the provider's call id) locked for its answer or
        machine verdict; None when there is no such attempt."""
        ...

    async def attempt_abandoned(self, attempt_id: int | None, call_id: str) -> None:
        """The answer found no rep (a bridged call is left as it is)."""
        ...

    async def rep_leaves_call(
        self, user_id: int, attempt_id: int, state: RepState, when: Callable[[], datetime]
    ) -> bool:
        """Move a rep still reserved for, or on, the attempt to `state`, at `when()` read
        once their session is locked; False if they were no longer on it."""
        ...

    # -- settling --------------------------------------------------------------------------
    async def ended_attempt(self, call_id: str) -> EndedAttempt | None: ...

    async def ended_attempt_by_id(self, attempt_id: int) -> EndedAttempt | None: ...

    async def retire_phone(
        self, attempt_id: int, now: datetime, reason: str, number_invalid: bool
    ) -> None:
        """The attempt's number is bad: retired for every account and every campaign."""
        ...

    async def attempt_history(self, attempt_id: int) -> AttemptHistory | None: ...

    async def settle_number(self, attempt_id: int, campaign_id: int, settled: Settlement) -> None:
        """The attempt's number leaves `dialing` as `settled` says: queued again for its
        retry, or closed (a callback still scheduled keeps it queued for its time); the
        attempt records its outcome."""
        ...

    async def ended_calls(
        self, call_ids: Sequence[str]
    ) -> list[tuple[EndedAttempt, AttemptHistory]]:
        """`ended_attempt` and `attempt_history` of each of these calls, in one round trip
        (a call with no attempt is left out)."""
        ...

    async def settle_numbers(
        self, campaign_id: int, settled: Sequence[tuple[int, Settlement]]
    ) -> None:
        """`settle_number` for each (attempt, settlement), in one statement."""
        ...

    # -- sweeps ----------------------------------------------------------------------------
    async def unconfirmed_attempts(
        self, campaign_id: int, before: datetime, limit: int
    ) -> list[UnconfirmedAttempt]:
        """Attempts still `created`, with no provider call, written before `before`."""
        ...

    async def overdue_live_attempts(
        self,
        campaign_id: int,
        unanswered_before: datetime,
        before: datetime,
        limit: int,
        silent_since: datetime | None = None,
    ) -> list[OverdueCall]:
        """Placed calls never reported ended: unanswered and dialled before
        `unanswered_before`, or dialled before `before`, or answered with no news (no
        callback, no lookup) since `silent_since`."""
        ...

    async def carrier_checked(self, attempt_ids: Sequence[int], now: datetime) -> None:
        """The live sweep asked the carrier about these calls at `now`."""
        ...

    async def reps_left_on_ended_calls(
        self, campaign_id: int, before: datetime, limit: int
    ) -> list[int]:
        """The attempts, ended before `before`, whose rep is still reserved or on them."""
        ...

    async def calls_ended_since(
        self, campaign_id: int, after: datetime, limit: int
    ) -> list[PastCall]:
        """The dials that stopped ringing after `after` (by their end), oldest first."""
        ...

    async def ended_attempts_left_dialing(
        self, campaign_id: int, before: datetime, limit: int
    ) -> list[int]:
        """Attempts that ended before `before` while their number still says `dialing`."""
        ...

    # -- the service -----------------------------------------------------------------------
    async def campaign_of_call(self, attempt_id: int | None, call_id: str) -> int | None:
        """The campaign of the attempt (by id, else by the provider's call id)."""
        ...
