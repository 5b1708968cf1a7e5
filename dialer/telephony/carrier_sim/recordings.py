"""The simulated carrier's call recordings, as Twilio's Recordings API keeps them: started
on a live call (POST Calls/{sid}/Recordings.json), completed when the call ends (a signed
recording-status callback, duplicated or lost by the fault plan like any callback), the
audio fetched as a WAV (GET Recordings/{sid}.wav) and deleted (DELETE Recordings/{sid}.json).
The audio is synthesised when fetched (`audio.synthesise_wav`), so nothing large is kept."""

from __future__ import annotations

import math
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from dialer.telephony.carrier_sim.audio import synthesise_wav
from dialer.telephony.carrier_sim.calls import CallLife
from dialer.telephony.carrier_sim.models import API_VERSION, ERROR_DOCS, SimCall, _rfc2822


@dataclass(slots=True)
class SimRecording:
    sid: str
    call_sid: str
    channels: int
    status_callback: str | None
    status_events: set[str]
    started_at: datetime
    started_monotonic: float
    status: str = "in-progress"
    duration: int | None = None
    deleted: bool = False


class CallRecorder(CallLife):
    """Recordings of live calls, completed with the call."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recordings: dict[str, SimRecording] = {}

    def _error(self, http_status: int, code: int, message: str) -> web.Response:
        body = {
            "code": code,
            "message": message,
            "more_info": f"{ERROR_DOCS}{code}",
            "status": http_status,
        }
        return web.json_response(body, status=http_status)

    def recording_routes(self, app: web.Application) -> None:
        base = f"/{API_VERSION}/Accounts/{{account}}"
        app.router.add_post(f"{base}/Calls/{{sid}}/Recordings.json", self.create_recording)
        app.router.add_get(f"{base}/Recordings/{{sid}}.json", self.fetch_recording)
        app.router.add_get(f"{base}/Recordings/{{sid}}.wav", self.recording_audio)
        app.router.add_delete(f"{base}/Recordings/{{sid}}.json", self.delete_recording)
        app.router.add_get("/sim/recordings", self.sim_recordings)

    def _recording_json(self, recording: SimRecording) -> dict[str, Any]:
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{recording.sid}.json"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "call_sid": recording.call_sid,
            "conference_sid": None,
            "date_created": _rfc2822(recording.started_at),
            "date_updated": _rfc2822(self.clock()),
            "start_time": _rfc2822(recording.started_at),
            "duration": str(recording.duration if recording.duration is not None else -1),
            "sid": recording.sid,
            "price": None,
            "price_unit": "USD",
            "status": recording.status,
            "channels": recording.channels,
            "source": "StartCallRecordingAPI",
            "error_code": None,
            "track": "both",
            "uri": uri,
            "encryption_details": None,
        }

    async def create_recording(self, request: web.Request) -> web.Response:
        call = self.calls.get(request.match_info["sid"])
        if call is None:
            return self._error(404, 20404, "The requested resource was not found")
        if call.status != "in-progress" or call.ended.is_set():
            return self._error(400, 21220, "Call is not in-progress. Cannot start recording.")
        form = await request.post()
        channels = 2 if str(form.get("RecordingChannels", "mono")) == "dual" else 1
        recording = SimRecording(
            sid="RE" + secrets.token_hex(16),
            call_sid=call.sid,
            channels=channels,
            status_callback=(
                str(form["RecordingStatusCallback"]) if "RecordingStatusCallback" in form else None
            ),
            status_events={str(v) for v in form.getall("RecordingStatusCallbackEvent", [])}
            or {"completed"},
            started_at=self.clock(),
            started_monotonic=time.monotonic(),
        )
        self.recordings[recording.sid] = recording
        return web.json_response(self._recording_json(recording), status=201)

    def _live_recording(self, request: web.Request) -> SimRecording | None:
        recording = self.recordings.get(request.match_info["sid"])
        return None if recording is None or recording.deleted else recording

    async def fetch_recording(self, request: web.Request) -> web.Response:
        recording = self._live_recording(request)
        if recording is None:
            return self._error(404, 20404, "The requested resource was not found")
        return web.json_response(self._recording_json(recording))

    async def recording_audio(self, request: web.Request) -> web.Response:
        recording = self._live_recording(request)
        if recording is None or recording.duration is None:
            return self._error(404, 20404, "The requested resource was not found")
        audio = synthesise_wav(recording.duration, recording.channels, recording.sid)
        return web.Response(body=audio, content_type="audio/x-wav")

    async def delete_recording(self, request: web.Request) -> web.Response:
        recording = self._live_recording(request)
        if recording is None:
            return self._error(404, 20404, "The requested resource was not found")
        recording.deleted = True
        return web.Response(status=204)

    async def sim_recordings(self, request: web.Request) -> web.Response:
        return web.json_response(
            [
                {
                    "sid": r.sid,
                    "call_sid": r.call_sid,
                    "status": r.status,
                    "duration": r.duration,
                    "channels": r.channels,
                    "deleted": r.deleted,
                }
                for r in self.recordings.values()
            ]
        )

    async def _end(self, call: SimCall, status: str, *, sip_code: int = 200) -> None:
        was_live = not call.ended.is_set()
        await super()._end(call, status, sip_code=sip_code)
        if not was_live:
            return
        for recording in list(self.recordings.values()):
            if recording.call_sid == call.sid and recording.status == "in-progress":
                await self._complete_recording(call, recording)

    async def _complete_recording(self, call: SimCall, recording: SimRecording) -> None:
        recording.status = "completed"
        recording.duration = max(
            1, math.ceil((time.monotonic() - recording.started_monotonic) * self.speed)
        )
        if recording.status_callback is None or "completed" not in recording.status_events:
            return
        params = {
            "AccountSid": self.account_sid,
            "CallSid": call.sid,
            "RecordingSid": recording.sid,
            "RecordingUrl": (
                f"https://api.twilio.com/{API_VERSION}/Accounts/{self.account_sid}"
                f"/Recordings/{recording.sid}"
            ),
            "RecordingStatus": "completed",
            "RecordingDuration": str(recording.duration),
            "RecordingChannels": str(recording.channels),
            "RecordingStartTime": _rfc2822(recording.started_at) or "",
            "RecordingSource": "StartCallRecordingAPI",
            "RecordingTrack": "both",
        }
        await self._deliver(call, "recording", recording.status_callback, params, event="recording")
