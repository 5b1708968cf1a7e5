"""The sweeps for calls whose news was lost: creates nobody confirmed, and calls whose end
was never applied. Both run from the pacing loop every RECONCILE_EVERY."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from campaigns.retry import CallOutcome
from dialer.engine.errors import CallBoundElsewhere
from dialer.engine.records import OverdueCall, UnconfirmedAttempt
from dialer.engine.settings import CampaignJob
from dialer.engine.settling import Settling
from dialer.telephony.callstate import Verdict
from dialer.telephony.ledger import CallLedger
from dialer.telephony.provider import CallRequest, TelephonyError, TelephonyProvider

log = structlog.get_logger(__name__)

# an attempt still `created` this long after it was written lost its create response and
# got no callback: the reconcile sweep looks its call up (and does so this often)
UNCONFIRMED_AFTER = timedelta(minutes=2)
RECONCILE_EVERY = timedelta(seconds=10)
# a placed call the carrier never reported ended is looked up (by the same sweep) once it
# rang this long past the campaign's ring time unanswered, or, answered, once it has
# lasted the talk ceiling (DIALER_ENGINE_LIVE_CALL_CEILING_SECONDS); an ended attempt
# whose number still says `dialing` this long after the end is settled by the sweep
LIVE_SWEEP_GRACE = timedelta(minutes=2)
DEFAULT_LIVE_CALL_CEILING = timedelta(hours=2)
# an answered call with no news (no callback, no lookup) for this long is looked up: a lost
# `completed` is found within about a minute (DIALER_ENGINE_SILENT_CALL_SECONDS)
DEFAULT_SILENT_CALL = timedelta(seconds=60)
# a rep still reserved for or on a call this long after it ended is freed by the sweep
REP_FREE_GRACE = timedelta(seconds=5)


@dataclass(eq=False)
class Sweeps(CampaignJob):
    """Looks up, at the provider, the campaign's attempts left open, and settles them."""

    provider: TelephonyProvider
    settling: Settling
    # where the live sweep applies what the carrier says of a call, as a callback would
    ledger: Callable[[], CallLedger]
    live_call_ceiling: timedelta
    silent_call: timedelta = DEFAULT_SILENT_CALL
    # how long past its ring time an unanswered call may stay unreported, and an ended
    # attempt keep its number `dialing`, before the sweep steps in
    grace: timedelta = LIVE_SWEEP_GRACE

    async def reconcile_unconfirmed(self, now: datetime, limit: int = 50) -> int:
        """The sweep for creates nobody confirmed: an attempt still `created`, with no
        provider call, UNCONFIRMED_AFTER after it was written holds its number (one live
        call per number) until something settles it. Look its call up once more: bind it
        when found (its callbacks then settle it), else settle the attempt as failed so
        the retry policy can try the number again. A failed lookup waits for the next
        sweep. Returns how many attempts were bound or settled."""
        attempts = await self.store.unconfirmed_attempts(
            self.campaign.campaign_id, now - UNCONFIRMED_AFTER, limit
        )
        done = 0
        for attempt in attempts:
            if self.provider.is_placing(str(attempt.call_attempt_id)):
                # still queued behind the CPS throttle (or being posted) in this process:
                # failing it now would let the number be dialled again while it still rings
                continue
            done += await self._reconcile_unconfirmed(attempt, now)
        return done

    async def _reconcile_unconfirmed(self, attempt: UnconfirmedAttempt, now: datetime) -> int:
        attempt_id = attempt.call_attempt_id
        request = CallRequest(
            attempt_ref=str(attempt_id),
            to_number=attempt.e164,
            caller_id=self.campaign.caller_id,
            ring_timeout_seconds=self.campaign.ring_seconds,
        )
        try:
            found = await self.provider.find_call(request, attempt.created_at)
        except TelephonyError as exc:
            log.warning("unconfirmed_attempt_lookup_failed", attempt_id=attempt_id, error=str(exc))
            return 0
        if found is not None:
            try:
                await self.store.record_placed(attempt_id, found.call_id, now)
            except CallBoundElsewhere:  # that call is another attempt's
                log.warning("unconfirmed_attempt_ambiguous", attempt_id=attempt_id)
                return 0
            log.info("unconfirmed_attempt_bound", attempt_id=attempt_id, call=found.call_id)
            return 1
        if not await self.store.attempt_refused(attempt_id, now, "unconfirmed_no_call", None):
            return 0  # a callback settled it meanwhile
        await self.settling.settle(attempt_id, CallOutcome.NO_ANSWER, now)
        log.warning("unconfirmed_attempt_failed", attempt_id=attempt_id)
        return 1

    async def reconcile_live(self, now: datetime, limit: int = 50) -> int:
        """The sweep for calls whose end was never applied. A lost `completed` callback
        leaves its attempt live for good: the number stays `dialing` (one live call per
        number), a bridged rep stays on the call and the pacer counts it in flight. An
        attempt still live past its ring time unanswered, or past the talk ceiling
        answered, is looked up at the provider; a call that has ended is applied through
        the ledger and `on_event` exactly as its callback would have been (a late real
        callback is then a duplicate). A call still live, or a failed lookup, waits for
        the next sweep. Then an attempt that ended while its number stayed `dialing` (the
        settle after the callback failed) has its rep freed and its number settled.
        Returns how many attempts were settled."""
        ring = timedelta(seconds=self.campaign.ring_seconds)
        overdue = await self.store.overdue_live_attempts(
            self.campaign.campaign_id,
            now - ring - self.grace,
            now - ring - self.live_call_ceiling,
            limit,
            now - self.silent_call,
        )
        done = 0
        for call in overdue:
            done += await self._recover_end(call)
        # looked up: the next look at a call still talking waits for another silence
        await self.store.carrier_checked([call.call_attempt_id for call in overdue], now)
        stuck = await self.store.ended_attempts_left_dialing(
            self.campaign.campaign_id, now - self.grace, limit
        )
        for attempt_id in stuck:
            ended = await self.store.ended_attempt_by_id(attempt_id)
            if ended is None:
                continue
            await self.settling.free_reps(ended, now)
            await self.settling.settle_ended(ended, now)
            done += 1
            log.warning("ended_attempt_settled_late", attempt_id=ended.call_attempt_id)
        return done + await self.free_reps_left_on_ended_calls(now, limit)

    async def free_reps_left_on_ended_calls(self, now: datetime, limit: int = 50) -> int:
        """A rep still reserved for, or on, a call that ended (the settle after the end was
        lost) goes to wrap-up (bridged) or back to ready (reserved), as the end would
        have sent them. Returns how many reps were freed."""
        freed = 0
        left = await self.store.reps_left_on_ended_calls(
            self.campaign.campaign_id, now - REP_FREE_GRACE, limit
        )
        for attempt_id in left:
            ended = await self.store.ended_attempt_by_id(attempt_id)
            if ended is None:
                continue
            await self.settling.free_reps(ended, now)
            freed += 1
            log.warning("rep_freed_from_ended_call", attempt_id=attempt_id)
        return freed

    async def _recover_end(self, call: OverdueCall) -> int:
        """Ask the provider about one overdue call; apply its end if it has ended."""
        attempt_ref = str(call.call_attempt_id)
        if call.provider != self.provider.name or self.provider.is_placing(attempt_ref):
            return 0  # another carrier's call, or a create still going out
        try:
            event = await self.provider.find_call_by_id(
                call.provider_call_id, attempt_ref=attempt_ref
            )
            if event is None:  # still live (a long call), or unknown to the provider
                return 0
            transition = await self.ledger().apply(event)
        except TelephonyError as exc:
            log.warning("live_attempt_lookup_failed", attempt_id=attempt_ref, error=str(exc))
            return 0
        if transition.verdict not in (Verdict.ADVANCED, Verdict.RECORDED):
            return 0
        await self.settling.on_event(event, transition)
        log.warning(
            "call_end_recovered",
            attempt_id=attempt_ref,
            call=call.provider_call_id,
            end_reason=str(event.end_reason),
        )
        return 1
