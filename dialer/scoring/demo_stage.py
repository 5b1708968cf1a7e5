"""The demo's scoring: retrain every RETRAIN_EVERY_SECONDS while the demo runs (the
service's own job waits DIALER_SCORING_RETRAIN_SECONDS, longer than a short demo), so the
demo campaign's hopper is ordered by the learned score once the first calls have ended;
the summary gives the firm-wide model's version (`scoring_model_version`, None until a
model was trained)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from dialer.demo_context import DemoContext
from dialer.scoring.service import FIRM, latest_model, retrain_pass

RETRAIN_EVERY_SECONDS = 30.0


async def run(context: DemoContext) -> dict[str, Any]:
    pool = context.pool
    while not context.stop.is_set():
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(context.stop.wait(), RETRAIN_EVERY_SECONDS)
        stored = await retrain_pass(pool, context.clock(), slot_seconds=int(RETRAIN_EVERY_SECONDS))
        if stored and not context.quiet:
            context.say("scoring: trained " + ", ".join(f"{k} v{v}" for k, v in stored.items()))
    model = await latest_model(pool, FIRM)
    return {"scoring_model_version": model.version if model else None}
