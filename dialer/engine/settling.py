"""What happens after a call: the carrier's events teach the pacer, free the reps, and the
number of each finished attempt is settled by the campaign's retry policy."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import structlog

from campaigns.agents import RepState
from campaigns.pacing import Pacer
from campaigns.retry import CallOutcome, next_attempt
from dialer.db import UNREACHABLE
from dialer.engine.records import AttemptHistory, EndedAttempt, Settlement
from dialer.engine.settings import CampaignJob, local_hour
from dialer.telephony.callstate import Transition
from dialer.telephony.provider import AmdVerdict, CallEvent, CallEventKind

log = structlog.get_logger(__name__)

#: the most call ends settled in one batch (two round trips whatever its size)
MAX_ENDS_PER_BATCH = 200


@dataclass(eq=False)
class Settling(CampaignJob):
    """The campaign's ended calls, from the carrier's events (or the live sweep)."""

    pacer: Pacer
    # the ends waiting for the next batch, and the task settling them
    _ends: list[tuple[str, asyncio.Future[None]]] = field(
        default_factory=list, init=False, repr=False
    )
    _settling: asyncio.Task[None] | None = field(default=None, init=False, repr=False)

    async def on_event(self, event: CallEvent, transition: Transition) -> None:
        """A call event was applied: AMD's verdict teaches the pacer; at the call's end its
        rep is freed, the pacer learns its talk, abandon and ring, and its number settles."""
        state = transition.state
        if (
            event.kind is CallEventKind.AMD_VERDICT
            and transition.changed
            and state.answered_at is not None
            and state.amd_at is not None
        ):
            self.pacer.observe_screening(
                max(0.0, (state.amd_at - state.answered_at).total_seconds()),
                state.amd_verdict is AmdVerdict.HUMAN,
                hour=local_hour(state.answered_at, self.campaign.time_zone),
            )
            if state.amd_verdict is AmdVerdict.MACHINE:
                # UK: the governor counts its estimate of the persons among the machines
                self.pacer.observe_machine(self.clock().timestamp())
        if not state.is_terminal:
            return
        await self._settle_end(event.call_id)

    # -- the ends, settled in batches ------------------------------------------------------

    async def _settle_end(self, call_id: str) -> None:
        """Settle one call's end with the others that ended at the same time (the
        callbacks of one ledger batch resume together): two round trips for the batch,
        the attempts and their histories read, the numbers settled. Returns once its
        settle has committed, as one settled alone would."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._ends.append((call_id, done))
        if self._settling is None or self._settling.done():
            self._settling = asyncio.create_task(self._settle_all(), name="settle-call-ends")
        await done

    async def _settle_all(self) -> None:
        await asyncio.sleep(0)  # the other callbacks released by the same commit join
        while self._ends:
            batch = self._ends[:MAX_ENDS_PER_BATCH]
            self._ends = self._ends[MAX_ENDS_PER_BATCH:]
            call_ids = [call_id for call_id, _ in batch]
            try:
                await self._settle_batch(call_ids)
            except UNREACHABLE as exc:  # each callback's handler sees the database away
                _fail_all(batch, exc)
                continue
            except Exception as exc:  # e.g. a deadlock: each end on its own, as before
                log.warning("settle_batch_failed", ends=len(batch), error=repr(exc))
                for call_id, done in batch:
                    try:
                        await self._settle_one(call_id)
                    except Exception as single_exc:
                        _fail_all([(call_id, done)], single_exc)
                    else:
                        _done(done)
                continue
            except BaseException as exc:
                _fail_all(batch, exc)
                raise
            for _, done in batch:
                _done(done)

    async def _settle_batch(self, call_ids: Sequence[str]) -> None:
        now = self.clock()
        settled: list[tuple[int, Settlement]] = []
        for ended, history in await self.store.ended_calls(call_ids):
            await self.free_reps(ended, now)
            self._observe_end(ended, now)
            outcome = ended.outcome
            if outcome is CallOutcome.INVALID:
                await self._retire(ended, now)
            settled.append((ended.call_attempt_id, self._settlement(outcome, now, history)))
        if settled:
            await self.store.settle_numbers(self.campaign.campaign_id, settled)

    async def _settle_one(self, call_id: str) -> None:
        now = self.clock()
        ended = await self.store.ended_attempt(call_id)
        if ended is None:
            return
        await self.free_reps(ended, now)
        self._observe_end(ended, now)
        await self.settle_ended(ended, now)

    def _observe_end(self, ended: EndedAttempt, now: datetime) -> None:
        """The pacer learns the call's talk, abandon and ring."""
        if ended.agent_user_id is not None:
            if ended.answered_by != "machine" and ended.talked_seconds is not None:
                self.pacer.observe_talk(float(ended.talked_seconds))
                self.pacer.observe_person(now.timestamp(), False)
        elif ended.outcome is CallOutcome.ABANDONED:
            self.pacer.observe_person(now.timestamp(), True)
        if ended.ring_seconds is not None:
            self.pacer.observe_ring(
                float(ended.ring_seconds),
                ended.answered_at is not None,
                hour=local_hour(ended.created_at, self.campaign.time_zone),
            )

    async def _retire(self, ended: EndedAttempt, now: datetime) -> None:
        reason = _retire_reason(ended)
        await self.store.retire_phone(ended.call_attempt_id, now, reason, True)
        log.info("number_retired", attempt_id=ended.call_attempt_id, reason=reason)

    def _settlement(
        self, outcome: CallOutcome, now: datetime, history: AttemptHistory
    ) -> Settlement:
        """The retry policy's settlement of an attempt with this outcome and history."""
        decision = next_attempt(
            self.campaign.retry,
            outcome,
            now,
            number_attempts=history.number_attempts,
            account_attempts=history.account_attempts,
        )
        if decision.retry_at is not None:
            state = "pending"
        else:
            state = "retired" if outcome is CallOutcome.INVALID else "done"
        return Settlement(outcome, state, decision.retry_at, decision.reason)

    async def free_reps(self, ended: EndedAttempt, now: datetime) -> None:
        """The call has ended: its rep goes to wrap-up, or, for a preview dial that never
        reached its rep, the rep waiting for it goes back to ready. Only a rep still on
        this very call moves (after a machine they may already be on the next one), at
        the clock read again under their session's lock."""

        def when() -> datetime:
            return max(now, self.clock())

        if ended.agent_user_id is not None:
            await self.store.rep_leaves_call(
                ended.agent_user_id, ended.call_attempt_id, RepState.WRAP_UP, when
            )
        elif ended.reserved_agent_user_id is not None:
            await self.store.rep_leaves_call(
                ended.reserved_agent_user_id, ended.call_attempt_id, RepState.READY, when
            )

    async def settle_ended(self, ended: EndedAttempt, now: datetime) -> None:
        """Settle an ended attempt by its outcome (a number that does not exist retires)."""
        await self.settle(
            ended.call_attempt_id, ended.outcome, now, retire_reason=_retire_reason(ended)
        )

    async def settle(
        self,
        attempt_id: int,
        outcome: CallOutcome,
        now: datetime,
        *,
        retire_reason: str = "invalid number",
        number_invalid: bool = True,
    ) -> None:
        """Schedule the number's next try by the retry policy, or close it. An invalid
        number is retired everywhere: its phones (every account's) and every campaign's
        queue entry, so no other campaign redials it."""
        if outcome is CallOutcome.INVALID:
            await self.store.retire_phone(attempt_id, now, retire_reason, number_invalid)
            log.info("number_retired", attempt_id=attempt_id, reason=retire_reason)
        history = await self.store.attempt_history(attempt_id)
        if history is None:
            return
        await self.store.settle_number(
            attempt_id, self.campaign.campaign_id, self._settlement(outcome, now, history)
        )


def _retire_reason(ended: EndedAttempt) -> str:
    return f"carrier: SIP {ended.sip_code}, the number does not exist"


def _done(done: asyncio.Future[None]) -> None:
    if not done.done():
        done.set_result(None)


def _fail_all(batch: Sequence[tuple[str, asyncio.Future[None]]], exc: BaseException) -> None:
    for _, done in batch:
        if not done.done():
            done.set_exception(exc)
