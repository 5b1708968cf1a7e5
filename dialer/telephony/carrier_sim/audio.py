"""The simulated carrier's recordings as real, playable audio: a WAV file (stdlib `wave`)
of the recording's length, 8 kHz 16-bit PCM, in which the two speakers take turns (tones
at speech pitch, shaped by a rising and falling envelope) with silences between turns.
Two channels keep each leg on its own channel (the customer left, the rep right), as a
dual-channel carrier recording does; one channel mixes them."""

from __future__ import annotations

import io
import math
import random
import wave
from array import array
from functools import lru_cache

SAMPLE_RATE = 8000
_AMPLITUDE = 9000
_PITCH_HZ = (220.0, 330.0)  # the customer's and the rep's voice


@lru_cache(maxsize=64)
def _burst(pitch_hz: float, tenths: int) -> bytes:
    """A tone of `tenths` tenths of a second with a soft attack and release."""
    count = SAMPLE_RATE * tenths // 10
    samples = array("h")
    for n in range(count):
        envelope = math.sin(math.pi * n / count)
        value = _AMPLITUDE * envelope * math.sin(2 * math.pi * pitch_hz * n / SAMPLE_RATE)
        samples.append(int(value))
    return samples.tobytes()


def _silence(frames: int) -> bytes:
    return bytes(2 * frames)


def turns(duration_seconds: int, seed: str) -> list[tuple[int, int]]:
    """The conversation's shape: (speaker 0 or 1, tenths of a second) turns adding up to the
    duration exactly; speaker -1 is a pause. The customer speaks first."""
    rng = random.Random(seed)
    remaining = max(0, duration_seconds) * 10
    shape: list[tuple[int, int]] = []
    speaker = 0
    while remaining > 0:
        talk = min(remaining, rng.randint(8, 40))
        shape.append((speaker, talk))
        remaining -= talk
        pause = min(remaining, rng.randint(2, 8))
        if pause:
            shape.append((-1, pause))
            remaining -= pause
        speaker = 1 - speaker
    return shape


def synthesise_wav(duration_seconds: int, channels: int, seed: str) -> bytes:
    """A WAV file of exactly `duration_seconds` seconds with `channels` (1 or 2) channels."""
    if channels not in (1, 2):
        raise ValueError(f"a recording has 1 or 2 channels, not {channels}")
    legs: list[bytearray] = [bytearray() for _ in range(channels)]
    for speaker, tenths in turns(duration_seconds, seed):
        frames = SAMPLE_RATE * tenths // 10
        for channel, leg in enumerate(legs):
            speaking = speaker >= 0 and (channels == 1 or channel == speaker)
            leg += _burst(_PITCH_HZ[speaker], tenths) if speaking else _silence(frames)
    if channels == 2:
        left, right = array("h", bytes(legs[0])), array("h", bytes(legs[1]))
        interleaved = array("h", bytes(4 * len(left)))
        interleaved[0::2] = left
        interleaved[1::2] = right
        pcm = interleaved.tobytes()
    else:
        pcm = bytes(legs[0])
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(SAMPLE_RATE)
        writer.writeframes(pcm)
    return buffer.getvalue()
