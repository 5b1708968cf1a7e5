"""A simulated call's life: it rings, is answered (or not) as its drawn fate says, fetches
the answer URL, follows the TwiML subset the service returns, talks in a conference
room, gets its AMD verdict and ends."""

from __future__ import annotations

import asyncio
import math
import time
import xml.etree.ElementTree as ElementTree

import structlog

from dialer.telephony.carrier_sim.callbacks import CallbackSender
from dialer.telephony.carrier_sim.models import (
    INITIATED_TO_RINGING_SECONDS,
    PLAY_SECONDS,
    SPEECH_CHARACTERS_PER_SECOND,
    SimCall,
)

log = structlog.get_logger(__name__)


class CallLife(CallbackSender):
    """Each call lived as its fate says, from its create to its last callback."""

    async def _live(self, call: SimCall) -> None:
        try:
            await self._live_unguarded(call)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a broken webhook must not kill the simulator
            log.error("sim_call_crashed", call=call.sid, error=repr(exc))
            if not call.ended.is_set():
                await self._end(call, "failed", sip_code=500)

    async def _live_unguarded(self, call: SimCall) -> None:
        if call.queue_seconds:
            await asyncio.sleep(call.queue_seconds)
        if call.ended.is_set():
            return
        await self._status(call, "initiated", "initiated")
        await self.sleep(INITIATED_TO_RINGING_SECONDS)
        if call.ended.is_set():
            return
        call.status = "ringing"
        await self._status(call, "ringing", "ringing")
        fate = call.fate
        ring = min(fate.seconds_to_result, call.ring_timeout)
        try:
            async with asyncio.timeout(ring / self.speed):
                await call.ended.wait()
            return  # canceled while ringing
        except TimeoutError:
            pass
        if fate.outcome == "invalid":
            await self._end(call, "failed", sip_code=404)
            return
        if fate.outcome == "busy":
            await self._end(call, "busy", sip_code=486)
            return
        if fate.outcome == "no_answer" or fate.seconds_to_result > call.ring_timeout:
            await self._end(call, "no-answer", sip_code=487)
            return
        call.status = "in-progress"
        call.start_time = self.clock()
        call.answered_monotonic = time.monotonic()
        await self._status(call, "answered", "in-progress")
        if call.machine_detection and call.amd_callback and fate.amd_verdict is not None:
            self._spawn(self._amd(call))
        source: tuple[str, str] = (
            ("twiml", call.twiml) if call.twiml is not None else ("url", call.url or "")
        )
        self._redirect(call, source)
        await call.ended.wait()

    def _redirect(self, call: SimCall, source: tuple[str, str]) -> None:
        if call.script is not None and not call.script.done():
            call.script.cancel()
        call.script = self._spawn(self._run_script(call, source))

    async def _run_script(self, call: SimCall, source: tuple[str, str]) -> None:
        kind, value = source
        document = value if kind == "twiml" else await self._fetch_twiml(call, value)
        if document is None:
            await self._end(call, "failed", sip_code=500)
            return
        try:
            root = ElementTree.fromstring(document.encode())
        except ElementTree.ParseError:
            log.warning("sim_bad_twiml", call=call.sid)
            await self._end(call, "failed", sip_code=500)
            return
        for verb in root:
            if call.ended.is_set():
                return
            if verb.tag == "Say":
                text = verb.text or ""
                call.said.append(text)
                await self.sleep(max(1.0, len(text) / SPEECH_CHARACTERS_PER_SECOND))
            elif verb.tag == "Play":
                await self.sleep(PLAY_SECONDS)
            elif verb.tag == "Pause":
                await self.sleep(float(verb.get("length", "1")))
            elif verb.tag == "Hangup":
                break
            elif verb.tag == "Dial":
                conference = verb.find("Conference")
                if conference is not None and conference.text:
                    await self._talk_in_room(call, conference.text.strip())
            else:
                log.warning("sim_unsupported_verb", call=call.sid, verb=verb.tag)
        await self._end(call, "completed")

    async def _talk_in_room(self, call: SimCall, room: str) -> None:
        if call.to in self.staff_phones:
            call.rooms.append(room)  # a rep's phone leg waits in the room for callees
            await call.ended.wait()
            return
        fate = call.fate
        # A person talks for the drawn time; a machine taken for a person plays its
        # greeting until the rep recognises it and hangs up.
        talk = fate.talk_seconds if fate.outcome == "human" else max(fate.talk_seconds, 1.0)
        self.rooms.join(room, call.sid, talk)
        call.rooms.append(room)
        await self.sleep(talk)

    async def _fetch_twiml(self, call: SimCall, url: str) -> str | None:
        params = self._base_params(call, "in-progress")
        started = time.monotonic()
        status, text = await self._signed_post(url, params, token=None)
        self.answer_latencies.append(time.monotonic() - started)
        if status != 200 or text is None:
            log.warning("sim_answer_url_failed", call=call.sid, http_status=status)
            return None
        return text

    async def _amd(self, call: SimCall) -> None:
        fate = call.fate
        await self.sleep(fate.amd_verdict_seconds or 0.0)
        if call.ended.is_set() or call.amd_callback is None:
            return
        answered_by = "human" if fate.amd_verdict == "human" else "machine_start"
        call.answered_by = answered_by
        params = {
            "AccountSid": self.account_sid,
            "CallSid": call.sid,
            "AnsweredBy": answered_by,
            "MachineDetectionDuration": str(int((fate.amd_verdict_seconds or 0.0) * 1000)),
        }
        await self._deliver(call, "amd", call.amd_callback, params, event="amd")

    async def _end(self, call: SimCall, status: str, *, sip_code: int = 200) -> None:
        if call.ended.is_set():
            return
        call.ended.set()
        call.status = status
        call.end_time = self.clock()
        call.updated_at = call.end_time
        if call.answered_monotonic is not None:
            call.duration = math.ceil((time.monotonic() - call.answered_monotonic) * self.speed)
        else:
            call.duration = 0
        if call.script is not None and call.script is not asyncio.current_task():
            call.script.cancel()
        extra = {
            "CallDuration": str(call.duration),
            "Duration": str(math.ceil(call.duration / 60)),
            "SipResponseCode": str(sip_code),
        }
        await self._status(call, "completed", status, extra)
