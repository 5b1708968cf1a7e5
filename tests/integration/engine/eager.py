"""A tick of an eager pacer against a fixed floor: what the engine then launches."""

from __future__ import annotations

from datetime import datetime

import pytest

from campaigns.pacing import PacingDecision, PacingMode, PacingState
from dialer.engine.loop import CampaignEngine


async def eager_tick(
    engine: CampaignEngine, monkeypatch: pytest.MonkeyPatch, *, ready_reps: int, talking: int
) -> list[int]:
    """Tick once with a pacer that wants 9 calls, `ready_reps` ready, `talking` on calls
    and 2 calls ringing (of 10 reps logged in); returns the launches the engine asked for."""
    launched: list[int] = []

    async def launch(count: int, now: datetime) -> int:
        launched.append(count)
        return count

    async def snapshot(now: datetime) -> PacingState:
        return PacingState(
            now=now.timestamp(),
            logged_in_reps=10,
            ready_reps=ready_reps,
            talking_ages=(30.0,) * talking,
            ringing_ages=(1.0, 2.0),
        )

    monkeypatch.setattr(engine, "launch", launch)
    monkeypatch.setattr(engine, "snapshot", snapshot)
    monkeypatch.setattr(
        engine.pacer, "decide", lambda state: PacingDecision(9, PacingMode.PREDICTIVE, "eager")
    )
    await engine.tick()
    return launched
