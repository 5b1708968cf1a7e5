"""The simulator's Conferences API, the part a supervisor's monitoring uses: list a room's
conference by friendly name, its participants, add a participant (muted to listen,
`Coaching` + `CallSidToCoach` to whisper, neither to barge), update and remove one.

A room is an in-progress conference while a live call sits in it (a rep's phone leg or a
bridged callee). A simulated rep has no call of its own, so the room's rep appears as a
participant with a stable call sid derived from the room (`rep_leg_sid`)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web

from dialer.telephony.carrier_sim.models import API_VERSION, ConferenceRooms, SimCall, _rfc2822


def conference_sid(room: str) -> str:
    return "CF" + hashlib.sha256(room.encode()).hexdigest()[:32]


def rep_leg_sid(room: str) -> str:
    """The call sid a simulated rep's seat has in its room."""
    return "CA" + hashlib.sha256(f"rep-seat:{room}".encode()).hexdigest()[:32]


@dataclass(slots=True)
class SimParticipant:
    call_sid: str
    conference_sid: str
    to: str
    from_: str
    muted: bool = False
    coaching: bool = False
    call_sid_to_coach: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)


def _flag(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() == "true"


class ConferenceApi:
    """Mixed into the simulator (which holds `calls`, `rooms`, `staff_phones`, `clock`)."""

    account_sid: str
    calls: dict[str, SimCall]
    rooms: ConferenceRooms
    staff_phones: set[str]
    monitors: dict[str, SimParticipant]

    def add_conference_routes(self, app: web.Application) -> None:
        self.monitors = {}
        base = f"/{API_VERSION}/Accounts/{{account}}/Conferences"
        app.router.add_get(f"{base}.json", self.list_conferences)
        app.router.add_get(f"{base}/{{cf}}/Participants.json", self.list_participants)
        app.router.add_post(f"{base}/{{cf}}/Participants.json", self.create_participant)
        app.router.add_post(f"{base}/{{cf}}/Participants/{{ca}}.json", self.update_participant)
        app.router.add_delete(f"{base}/{{cf}}/Participants/{{ca}}.json", self.delete_participant)
        app.router.add_get("/sim/monitors", self.sim_monitors)

    def _live_rooms(self) -> dict[str, list[str]]:
        """Each room with a live call in it, and the call sids of who sits there."""
        rooms: dict[str, list[str]] = {}
        for call in self.calls.values():
            if call.ended.is_set() or not call.rooms:
                continue
            rooms.setdefault(call.rooms[-1], []).append(call.sid)
        for room, sids in rooms.items():
            staffed = any(self.calls[sid].to in self.staff_phones for sid in sids)
            if not staffed and room in self.rooms.reps:
                sids.insert(0, rep_leg_sid(room))
        return rooms

    def _room_of(self, cf: str) -> str | None:
        return next((room for room in self._live_rooms() if conference_sid(room) == cf), None)

    def _conference_json(self, room: str) -> dict[str, Any]:
        sid = conference_sid(room)
        return {
            "account_sid": self.account_sid,
            "friendly_name": room,
            "sid": sid,
            "status": "in-progress",
            "region": "us1",
            "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Conferences/{sid}.json",
        }

    def _participant_json(self, participant: SimParticipant) -> dict[str, Any]:
        return {
            "account_sid": self.account_sid,
            "call_sid": participant.call_sid,
            "conference_sid": participant.conference_sid,
            "label": None,
            "muted": participant.muted,
            "hold": False,
            "coaching": participant.coaching,
            "call_sid_to_coach": participant.call_sid_to_coach,
            "status": "connected",
            "start_conference_on_enter": False,
            "end_conference_on_exit": False,
            "date_created": _rfc2822(participant.created_at),
            "date_updated": _rfc2822(participant.updated_at),
            "uri": (
                f"/{API_VERSION}/Accounts/{self.account_sid}/Conferences/"
                f"{participant.conference_sid}/Participants/{participant.call_sid}.json"
            ),
        }

    def _page(self, key: str, items: list[dict[str, Any]], uri: str) -> web.Response:
        return web.json_response(
            {
                key: items,
                "end": max(len(items) - 1, 0),
                "first_page_uri": uri,
                "next_page_uri": None,
                "page": 0,
                "page_size": 50,
                "previous_page_uri": None,
                "start": 0,
                "uri": uri,
            }  # fmt: skip
        )

    async def list_conferences(self, request: web.Request) -> web.Response:
        name = request.query.get("FriendlyName")
        status = request.query.get("Status")
        found = [
            self._conference_json(room)
            for room in self._live_rooms()
            if (name is None or room == name) and status in (None, "in-progress")
        ]
        return self._page("conferences", found, request.path_qs)

    async def list_participants(self, request: web.Request) -> web.Response:
        cf = request.match_info["cf"]
        room = self._room_of(cf)
        if room is None:
            return self._not_found()
        sitting = [
            self._participant_json(SimParticipant(sid, cf, "", ""))
            for sid in self._live_rooms()[room]
        ]
        monitors = [
            self._participant_json(m) for m in self.monitors.values() if m.conference_sid == cf
        ]
        return self._page("participants", sitting + monitors, request.path_qs)

    async def create_participant(self, request: web.Request) -> web.Response:
        cf = request.match_info["cf"]
        room = self._room_of(cf)
        if room is None:
            return self._not_found()
        form = await request.post()
        coach = form.get("CallSidToCoach")
        coaching = _flag(_text(form.get("Coaching")), False)
        if coaching and (coach is None or str(coach) not in self._live_rooms()[room]):
            return self._bad(
                21212 if coach is None else 20404,
                "CallSidToCoach must name a participant of the conference",
            )
        now = self.clock()  # type: ignore[attr-defined]
        participant = SimParticipant(
            call_sid="CA" + secrets.token_hex(16),
            conference_sid=cf,
            to=str(form.get("To", "")),
            from_=str(form.get("From", "")),
            muted=_flag(_text(form.get("Muted")), False),
            coaching=coaching,
            call_sid_to_coach=str(coach) if coaching else None,
            created_at=now,
            updated_at=now,
        )
        self.monitors[participant.call_sid] = participant
        return web.json_response(self._participant_json(participant), status=201)

    async def update_participant(self, request: web.Request) -> web.Response:
        participant = self.monitors.get(request.match_info["ca"])
        if participant is None or participant.conference_sid != request.match_info["cf"]:
            return self._not_found()
        form = await request.post()
        participant.muted = _flag(_text(form.get("Muted")), participant.muted)
        participant.coaching = _flag(_text(form.get("Coaching")), participant.coaching)
        coach = form.get("CallSidToCoach")
        if coach is not None:
            participant.call_sid_to_coach = str(coach)
        if not participant.coaching:
            participant.call_sid_to_coach = None
        participant.updated_at = self.clock()  # type: ignore[attr-defined]
        participant.changes.append({"muted": participant.muted, "coaching": participant.coaching})
        return web.json_response(self._participant_json(participant))

    async def delete_participant(self, request: web.Request) -> web.Response:
        participant = self.monitors.pop(request.match_info["ca"], None)
        if participant is None:
            return self._not_found()
        return web.Response(status=204)

    async def sim_monitors(self, _request: web.Request) -> web.Response:
        return web.json_response([self._participant_json(m) for m in self.monitors.values()])

    def _not_found(self) -> web.Response:
        return web.json_response(
            {"code": 20404, "message": "The requested resource was not found", "status": 404},
            status=404,
        )

    def _bad(self, code: int, message: str) -> web.Response:
        return web.json_response({"code": code, "message": message, "status": 400}, status=400)


def _text(value: object) -> str | None:
    return None if value is None else str(value)
