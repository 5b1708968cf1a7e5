"""Who is called now: the pacer's count of numbers claimed from the hopper, each passed
through the compliance gate at dial time, and the allowed ones placed by the provider.

A number's call attempt is written (and the number marked dialing) before the provider
is asked to dial; the provider's answer then binds its call to the attempt, or settles
the attempt when the carrier refused it. A create whose outcome is unknown is never
redialled blindly: the reconcile sweep (dialer/engine/sweeps.py) looks it up.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog

from campaigns.pacing import Pacer, PacingMode
from campaigns.retry import CallOutcome
from compliance.rules import GateRules
from dialer.compliance.gatekeeper import GateOutcome
from dialer.engine.errors import StaleLease
from dialer.engine.figures import EngineFigures
from dialer.engine.hopper import ClaimedNumber
from dialer.engine.settings import CampaignJob
from dialer.engine.settling import Settling
from dialer.telephony.provider import (
    CallPlacementUnknown,
    CallRefused,
    CallRequest,
    PlacementFailure,
    ProviderUnavailable,
    TelephonyProvider,
)

log = structlog.get_logger(__name__)

# the gate's dial mode for each pacing mode that is not one of the predictive ones
_DIAL_MODES = {
    PacingMode.PREVIEW: "preview",
    PacingMode.PROGRESSIVE: "progressive",
    PacingMode.POWER: "power",
}
# a number the gate delays without saying until when is tried again after this
DELAY_FALLBACK = timedelta(minutes=15)
# a campaign stopped by a campaign-wide block keeps its claimed numbers this long
HALTED_RETRY = timedelta(hours=1)


@dataclass(eq=False)
class Launching(CampaignJob):
    """Claims, gates and places the campaign's calls; counts them in the figures, and
    remembers when it placed them (the CPS window) and whether the gate halted it."""

    provider: TelephonyProvider
    pacer: Pacer
    figures: EngineFigures
    settling: Settling
    engine_id: str
    # the service's compliance rule book and firm policy (app GATE_RULES)
    rules: GateRules
    # when each recent call was placed (the calls-per-second window)
    launches: list[float] = field(default_factory=list)
    # the provider's creates still going out
    placing: set[asyncio.Task[None]] = field(default_factory=set)
    # why the campaign must stop (a campaign-wide block), once the gate said so
    halted: str | None = None
    # the campaign lease this engine dials under (None: it holds none, e.g. in a test);
    # every claim and attempt carries it, and the database refuses a stale one
    lease_epoch: int | None = None
    # the database refused this engine's epoch: another worker runs the campaign now
    lease_lost: bool = False

    def recent_launches(self, now: float, window: float) -> list[float]:
        """The launches of the last `window` seconds (older ones are forgotten)."""
        self.launches = [t for t in self.launches if now - t < window]
        return self.launches

    async def launch(self, count: int, now: datetime) -> int:
        """Claim up to `count` numbers, gate them and place the allowed ones; returns how
        many calls were launched."""
        claimed = await self.store.claim(
            self.campaign.campaign_id, now, count, self.engine_id, self.lease_epoch
        )
        if not claimed:
            return 0
        dial_mode = _DIAL_MODES.get(self.campaign.pacing_mode, "predictive")
        outcomes = await self.store.gate(claimed, now, dial_mode, self.rules)
        by_phone = {o.phone_id: o for o in outcomes}
        launched = 0
        for number in claimed:
            if not await self._allowed(number, by_phone[number.phone_id], now):
                continue
            try:
                attempt_id = await self.store.start_attempt(
                    number,
                    self.engine_id,
                    now,
                    by_phone[number.phone_id].audit_id,
                    self.provider.name,
                    self.lease_epoch,
                )
            except StaleLease:
                # the numbers still leased to this engine go back when their leases expire
                self.lease_lost = True
                log.warning("campaign_lease_stale", campaign_id=self.campaign.campaign_id)
                break
            if attempt_id is None:
                continue
            launched += 1
            self.launches.append(now.timestamp())
            task = asyncio.create_task(self._place(attempt_id, number))
            self.placing.add(task)
            task.add_done_callback(self.placing.discard)
        if launched:
            self.figures.launched += launched
            self.pacer.observe_launch(now.timestamp(), launched)
        return launched

    async def _allowed(self, number: ClaimedNumber, outcome: GateOutcome, now: datetime) -> bool:
        """Apply the gate's decision on a claimed number: True if it may be dialled now,
        else the number is closed, deferred or left for a rep's preview."""
        decision = outcome.decision
        verdict = decision.verdict.value
        if decision.campaign_wide:
            # a stale register blocks every marketing call of the campaign: the campaign
            # stops rather than closing numbers a fresh import would free
            await self.store.defer(number, now + HALTED_RETRY, decision.reason)
            self.halted = decision.reason
            return False
        if verdict == "BLOCK":
            self.figures.blocked += 1
            await self.store.close(number, "blocked", decision.reason, decision.rules)
            return False
        if verdict == "DELAY":
            self.figures.delayed += 1
            await self.store.defer(number, decision.until or now + DELAY_FALLBACK, decision.reason)
            return False
        if verdict == "REQUIRE" and decision.required_mode is not None:
            # automated dialing is not allowed for this callee: a rep must preview it
            self.figures.delayed += 1
            await self.store.mark_preview_only(number, decision.reason)
            return False
        return True

    async def place(self, attempt_id: int, number: ClaimedNumber) -> None:
        """Have the provider dial an attempt written outside the pacing loop (a rep's
        preview dial, see dialer.engine.preview)."""
        self.figures.launched += 1
        self.launches.append(self.clock().timestamp())
        await self._place(attempt_id, number)

    async def _place(self, attempt_id: int, number: ClaimedNumber) -> None:
        request = CallRequest(
            attempt_ref=str(attempt_id),
            to_number=number.e164,
            caller_id=self.campaign.caller_id,
            ring_timeout_seconds=self.campaign.ring_seconds,
            idempotency_key=f"attempt-{attempt_id}",
        )
        try:
            placed = await self.provider.place_call(request)
        except CallRefused as refused:
            self.figures.refused += 1
            now = self.clock()
            await self.store.attempt_refused(
                attempt_id, now, refused.outcome.value, refused.provider_code
            )
            await self.settling.settle(
                attempt_id,
                CallOutcome.INVALID if refused.outcome.retires_number else CallOutcome.NO_ANSWER,
                now,
                retire_reason=f"carrier refused: {refused.outcome.value}",
                number_invalid=refused.outcome is PlacementFailure.INVALID_NUMBER,
            )
            return
        except CallPlacementUnknown:
            # never redial blindly: the attempt stays open until a callback or a reconcile
            self.figures.unknown += 1
            log.warning("call_placement_unknown", attempt_id=attempt_id)
            return
        except ProviderUnavailable as exc:
            now = self.clock()
            await self.store.attempt_refused(attempt_id, now, "provider_unavailable", None)
            await self.settling.settle(attempt_id, CallOutcome.NO_ANSWER, now)
            log.warning("provider_unavailable", attempt_id=attempt_id, error=str(exc))
            return
        await self.store.record_placed(attempt_id, placed.call_id, self.clock())
        if placed.queue_seconds > 0:
            log.warning(
                "provider_queued_call", attempt_id=attempt_id, queue_seconds=placed.queue_seconds
            )

    async def drain(self) -> None:
        """Wait for the creates still going out (the loop's end, and tests)."""
        if self.placing:
            await asyncio.gather(*self.placing, return_exceptions=True)
