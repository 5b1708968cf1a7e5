"""Monitoring through Twilio's Conferences API: a supervisor joins a rep's conference room
as a participant, muted (listen), coaching the rep (whisper: Twilio's `coaching` with
`call_sid_to_coach`), or as a full participant (barge); later updated or removed.

Mixed into `TwilioProvider`; it uses the provider's client and its request bound."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import structlog
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from dialer.telephony.provider import CallNotLive, MonitorMode, TelephonyError

log = structlog.get_logger(__name__)
_T = TypeVar("_T")


def mode_fields(mode: MonitorMode, rep_call_id: str | None) -> dict[str, Any]:
    """The participant's fields for a mode (Twilio's names, as the client takes them)."""
    if mode is MonitorMode.LISTEN:
        return {"muted": True, "coaching": False}
    if mode is MonitorMode.WHISPER:
        if rep_call_id is None:
            raise CallNotLive("the rep's leg is not in the room: nobody to whisper to")
        return {"muted": False, "coaching": True, "call_sid_to_coach": rep_call_id}
    return {"muted": False, "coaching": False}


class ConferenceMonitoring:
    """Listen, whisper and barge on the provider's account."""

    _client: Client

    def _account(self) -> Any:
        raise NotImplementedError

    async def _bounded(self, operation: str, call: Callable[[], Awaitable[_T]]) -> _T:
        raise NotImplementedError

    async def _conference_sid(self, room: str) -> str:
        conferences = await self._bounded(
            "list_conferences",
            lambda: self._account().conferences.list_async(
                friendly_name=room, status="in-progress", limit=1
            ),
        )
        if not conferences:
            raise CallNotLive(f"no call in progress in room {room}")
        return str(conferences[0].sid)

    async def _rep_leg(self, conference: str, customer_call_id: str | None) -> str | None:
        """The rep's leg: the participant that is neither the customer nor a coach."""
        participants = await self._bounded(
            "list_participants",
            lambda: self._account().conferences(conference).participants.list_async(limit=50),
        )
        for participant in participants:
            sid = str(participant.call_sid)
            if sid != customer_call_id and not participant.coaching and not participant.muted:
                return sid
        return None

    async def add_monitor(
        self, room: str, to: str, caller_id: str, mode: MonitorMode, customer_call_id: str | None
    ) -> str:
        try:
            conference = await self._conference_sid(room)
            rep_leg = await self._rep_leg(conference, customer_call_id)
            fields = mode_fields(mode, rep_leg)
            participant = await self._bounded(
                "add_participant",
                lambda: (
                    self._account()
                    .conferences(conference)
                    .participants.create_async(
                        from_=caller_id,
                        to=to,
                        beep="false",
                        start_conference_on_enter=False,
                        end_conference_on_exit=False,
                        **fields,
                    )
                ),
            )
        except TwilioException as exc:
            raise TelephonyError(f"Twilio refused to add a supervisor to {room}: {exc}") from exc
        log.info("monitor_added", room=room, mode=mode.value)
        return str(participant.call_sid)

    async def set_monitor_mode(
        self, room: str, monitor_call_id: str, mode: MonitorMode, customer_call_id: str | None
    ) -> None:
        try:
            conference = await self._conference_sid(room)
            rep_leg = await self._rep_leg(conference, customer_call_id)
            fields = mode_fields(mode, rep_leg)
            await self._bounded(
                "update_participant",
                lambda: (
                    self._account()
                    .conferences(conference)
                    .participants(monitor_call_id)
                    .update_async(**fields)
                ),
            )
        except TwilioException as exc:
            raise TelephonyError(f"Twilio refused to change the supervisor's mode: {exc}") from exc

    async def remove_monitor(self, room: str, monitor_call_id: str) -> None:
        try:
            conference = await self._conference_sid(room)
            await self._bounded(
                "remove_participant",
                lambda: (
                    self._account()
                    .conferences(conference)
                    .participants(monitor_call_id)
                    .delete_async()
                ),
            )
        except CallNotLive:
            return  # the call ended: the supervisor left with it
        except TwilioException as exc:
            if getattr(exc, "status", None) == 404:
                return
            raise TelephonyError(f"Twilio refused to remove the supervisor: {exc}") from exc
