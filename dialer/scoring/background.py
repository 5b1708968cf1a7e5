"""The retrain job in the engine side: an APScheduler ``AsyncIOScheduler`` running
``dialer.scoring.service.retrain_pass`` every ``DIALER_SCORING_RETRAIN_SECONDS`` (default
900) with the app's pool and clock. Every worker runs it; the run key and advisory lock in
the database keep each run single."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from dialer.keys import CLOCK, POOL
from dialer.scoring.service import schedule_scoring_job


class ScoringSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DIALER_SCORING_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    retrain_seconds: int = Field(default=900, ge=10)


async def scoring_background(app: web.Application) -> AsyncIterator[None]:
    settings = ScoringSettings()
    scheduler = AsyncIOScheduler(timezone=UTC)
    schedule_scoring_job(scheduler, app[POOL], app[CLOCK], every_seconds=settings.retrain_seconds)
    scheduler.start()
    try:
        yield
    finally:
        scheduler.shutdown(wait=False)
