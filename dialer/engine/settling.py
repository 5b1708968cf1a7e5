"""What happens after a call: the carrier's events teach the pacer, free the reps, and the
number of each finished attempt is settled by the campaign's retry policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog

from campaigns.agents import RepState
from campaigns.pacing import Pacer
from campaigns.retry import CallOutcome, next_attempt
from dialer.engine.records import EndedAttempt, Settlement
from dialer.engine.settings import CampaignJob, local_hour
from dialer.telephony.callstate import Transition
from dialer.telephony.provider import AmdVerdict, CallEvent, CallEventKind

log = structlog.get_logger(__name__)


@dataclass(eq=False)
class Settling(CampaignJob):
    """The campaign's ended calls, from the carrier's events (or the live sweep)."""

    pacer: Pacer

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
        now = self.clock()
        ended = await self.store.ended_attempt(event.call_id)
        if ended is None:
            return
        await self.free_reps(ended, now)
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
        await self.settle_ended(ended, now)

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
            ended.call_attempt_id,
            ended.outcome,
            now,
            retire_reason=f"carrier: SIP {ended.sip_code}, the number does not exist",
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
        await self.store.settle_number(
            attempt_id,
            self.campaign.campaign_id,
            Settlement(outcome, state, decision.retry_at, decision.reason),
        )
