"""Who takes an answered call: the answer and machine-verdict webhooks' decisions.

An answered person goes to a ready rep (the pure `campaigns.routing` rule, applied to rep
sessions locked in the store), or to the rep a preview dial reserved; when no rep is
free within the connect threshold the call is abandoned with the firm's message. A
machine found after the bridge is recorded as voicemail for its rep, who goes back to
ready.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import structlog

from campaigns.routing import RoutingPolicy
from dialer.engine.pg_store import WRITE_ERRORS
from dialer.engine.settings import CampaignJob
from dialer.events import EventBus, agent_channel, campaign_channel
from dialer.floor.audio_rooms import room_for
from dialer.telephony.decisions import (
    AnswerDecision,
    AnsweredCall,
    BridgeToRoom,
    HangUpMachine,
    LeaveVoicemail,
    MachineAction,
    PlayAndHangUp,
)
from dialer.telephony.provider import AmdVerdict

log = structlog.get_logger(__name__)

_POLL_FOR_REP_SECONDS = 0.1
MACHINE_DISPOSITION = "VOICEMAIL"


class CallEnded(Exception):
    """The answered call ended before a rep was found for it."""


def _attempt_id(call: AnsweredCall) -> int | None:
    return int(call.attempt_ref) if call.attempt_ref and call.attempt_ref.isdigit() else None


@dataclass(eq=False)
class Answers(CampaignJob):
    """The campaign's answered calls: bridged to a rep, abandoned, or left to a machine."""

    events: EventBus
    connect_threshold_seconds: float

    async def on_answer(self, call: AnsweredCall) -> AnswerDecision:
        attempt_id = _attempt_id(call)
        deadline = asyncio.get_running_loop().time() + self.connect_threshold_seconds * 0.75
        while True:
            now = self.clock()
            try:
                user_id = await self.reserve_rep(attempt_id, call.call_id, now)
            except CallEnded:
                log.info("answered_call_ended_before_a_rep", attempt_id=attempt_id)
                return PlayAndHangUp(self.campaign.abandon_message)
            if user_id is not None:
                return BridgeToRoom(room=room_for(user_id), rep=str(user_id))
            if asyncio.get_running_loop().time() >= deadline:
                break
            await asyncio.sleep(_POLL_FOR_REP_SECONDS)
        # the abandon is stored before the message is played: a lost deferred write or a
        # dead process must not turn it into an uncounted "machine" (figures, 72 h lock)
        try:
            await self.store.attempt_abandoned(attempt_id, call.call_id)
        except WRITE_ERRORS as exc:  # the message must still be played
            log.error("call_abandon_not_recorded", attempt_id=attempt_id, error=repr(exc))
        log.info("call_abandoned", attempt_id=attempt_id, campaign_id=self.campaign.campaign_id)
        await self.events.publish(
            campaign_channel(self.campaign.campaign_id),
            {"kind": "call_abandoned", "call_attempt_id": attempt_id},
        )
        return PlayAndHangUp(
            self.campaign.abandon_message,
            language="zh-CN" if self.campaign.jurisdiction == "CN" else "en-US",
        )

    async def reserve_rep(self, attempt_id: int | None, call_id: str, now: datetime) -> int | None:
        """Bridge the answered attempt to a rep: the one its preview dial reserved, else
        the first ready rep the routing rule offers it; None while no rep is free."""
        async with self.store.lock_attempt(attempt_id, call_id) as locked:
            if locked is None:
                return None
            attempt = locked.attempt
            if attempt.agent_user_id is not None:  # a repeated answer webhook
                return attempt.agent_user_id
            if not attempt.live:
                # the call ended while the answer waited for a rep (a machine verdict hung
                # it up): nobody is reserved for it, checked under the attempt's lock
                raise CallEnded(attempt.call_attempt_id)
            reserved = attempt.reserved_agent_user_id
            if reserved is not None and await locked.rep_still_on_call(reserved):
                # a rep's preview dial: the rep waits, reserved for this very call
                user_id = reserved
            else:
                policy = RoutingPolicy(senior_first=self.campaign.senior_first)
                # the routing rule's first free rep, ranked and locked in one round trip;
                # a REQUIRE without a mode (the rep must hold the product's registration)
                # is honoured there: only qualified reps are offered the call
                chosen = await locked.lock_ranked_rep(
                    self.campaign.campaign_id,
                    self.campaign.required_registration,
                    attempt.callback_owner,
                    policy,
                    attempt.tier,
                )
                if chosen is None:
                    return None
                user_id = chosen
            # read the clock once the rep is ours (their session is locked): a change
            # recorded before ours by a webhook that held this rep is never later
            now = max(now, self.clock())
            await locked.connect_rep(user_id, now)
        await self.events.publish(
            agent_channel(user_id),
            {
                "kind": "call_connected",
                "call_attempt_id": attempt.call_attempt_id,
                "account_id": attempt.account_id,
                "campaign_id": self.campaign.campaign_id,
            },
        )
        return user_id

    async def on_machine(self, call: AnsweredCall, verdict: AmdVerdict) -> MachineAction:
        now = self.clock()
        async with self.store.lock_attempt(_attempt_id(call), call.call_id) as locked:
            user_id = locked.attempt.agent_user_id if locked is not None else None
            if (
                locked is not None
                and user_id is not None
                and await locked.rep_still_on_call(user_id)
            ):
                # the rep was bridged to a machine and is still on it: the system records it
                # as voicemail for them and they go straight back to ready (a rep who has
                # already hung up records the outcome themselves)
                # the rep's session is locked now: read the clock again, so a change another
                # webhook recorded while we waited is never later than ours
                now = max(now, self.clock())
                attempt_id = locked.attempt.call_attempt_id
                await locked.record_system_disposition(
                    user_id,
                    MACHINE_DISPOSITION,
                    f"amd-{attempt_id}",
                    f"answering machine ({verdict.value}) detected after the bridge",
                    now,
                )
                await locked.rep_ready(user_id, now)
        if self.campaign.voicemail_policy == "leave_message" and self.campaign.voicemail_message:
            return LeaveVoicemail(self.campaign.voicemail_message)
        return HangUpMachine()
