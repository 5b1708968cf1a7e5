"""The what-if planner's edge: a question becomes a `planner_jobs` row; a runner on the
engine side claims it (FOR UPDATE SKIP LOCKED, with a heartbeat, so a job whose process
died is taken again), learns the campaign's basis from its recent calls, counts the
numbers left, and runs `campaigns.forecast` in a child process (the simulation is
CPU-bound: it stays off the engine's event loop). Web processes only write the question
and read the answer: nothing lives in their memory."""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import socket
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import structlog
from aiohttp import web
from pydantic import BaseModel, Field

from campaigns.forecast import CampaignBasis, Forecast, forecast
from compliance.calendars import cn_day_off_name
from dialer.clock import Clock
from dialer.engine.hopper import load_numbers
from dialer.engine.settings import HOME_TIME_ZONES, retry_policy_from
from dialer.keys import CLOCK, PLANNER, POOL
from dialer.sql import load_queries

log = structlog.get_logger(__name__)
QUERIES = load_queries("dialer.manager")
#: the calls a basis is learned from (the engine's own warm start looks as far back)
BASIS_HISTORY = timedelta(days=7)
#: fewer dials than this and the basis falls back to the defaults below
MIN_DIALS = 50
#: a brokerage floor's usual day (docs/pacing.md, the brokerage-30 scenario)
DEFAULTS = {
    "human": 0.22,
    "machine": 0.18,
    "busy": 0.05,
    "no_answer": 0.5,
    "invalid": 0.05,
    "ring_seconds": 9.0,
    "talk_seconds": 150.0,
    "wrap_seconds": 20.0,
    "warm_leads_per_person": 0.08,
}
HEARTBEAT = timedelta(seconds=10)
STALE_AFTER = timedelta(seconds=60)
POLL_SECONDS = 1.0


class PlannerQuestion(BaseModel):
    """How many reps to finish the campaign's list by `deadline`, dialling
    `hours_per_day` on each working day, with at most `max_reps`?"""

    deadline: date
    hours_per_day: float = Field(default=6.0, gt=0, le=14)
    max_reps: int = Field(default=60, ge=1, le=300)


class _Rollback(Exception):
    """Undo the trial queueing of a draft's numbers."""


async def numbers_left(connection: asyncpg.Connection, campaign_id: int, now: datetime) -> int:
    """The numbers still to finish; for a campaign never started, exactly what its start
    would queue (queued in a transaction that is rolled back)."""
    queued: int = await connection.fetchval(QUERIES["numbers_left"], campaign_id)
    if queued or await connection.fetchval(
        "SELECT started_at IS NOT NULL FROM campaigns WHERE campaign_id = $1", campaign_id
    ):
        return queued
    count = 0
    with contextlib.suppress(_Rollback):
        async with connection.transaction():
            count = await load_numbers(connection, campaign_id, now)
            raise _Rollback
    return count


async def learn_basis(
    connection: asyncpg.Connection, campaign: asyncpg.Record, now: datetime
) -> CampaignBasis:
    """The campaign's basis from its last week of calls (the defaults where it has fewer
    than MIN_DIALS)."""
    row = await connection.fetchrow(
        QUERIES["planner_basis"], campaign["campaign_id"], now - BASIS_HISTORY
    )
    pacing = campaign["pacing"] or {}
    retry = retry_policy_from(campaign["retry_policy"] or {})
    dials = int(row["dials"])
    learned: dict[str, float] = dict(DEFAULTS)
    if dials >= MIN_DIALS:
        persons, machines = int(row["persons"]), int(row["machines"])
        busy, invalid = int(row["busy"]), int(row["invalid"])
        learned |= {
            "human": persons / dials,
            "machine": machines / dials,
            "busy": busy / dials,
            "invalid": invalid / dials,
            "no_answer": max(0.0, dials - persons - machines - busy - invalid) / dials,
            "warm_leads_per_person": int(row["warm_leads"]) / persons if persons else 0.0,
        }
        for key in ("ring_seconds", "talk_seconds", "wrap_seconds"):
            if row[key]:
                learned[key] = max(1.0, float(row[key]))
    return CampaignBasis(
        human=learned["human"],
        machine=learned["machine"],
        busy=learned["busy"],
        no_answer=learned["no_answer"],
        invalid=learned["invalid"],
        ring_seconds=learned["ring_seconds"],
        talk_seconds=learned["talk_seconds"],
        wrap_seconds=learned["wrap_seconds"],
        warm_leads_per_person=learned["warm_leads_per_person"],
        pacing_mode=campaign["pacing_mode"],
        lines_per_rep=float(pacing.get("lines_per_rep", 1.0)),
        abandon_cap=float(pacing.get("abandon_cap", 0.03)),
        max_attempts=retry.number_caps.lifetime,
        learned_from_dials=dials,
    )


def working_days(jurisdiction: str, today: date, deadline: date) -> list[date]:
    """The calling days from today to the deadline: CN's working days (holidays off,
    make-up days on), else Monday to Friday."""
    days = []
    day = today
    while day <= deadline:
        if jurisdiction == "CN":
            if cn_day_off_name(day) is None:
                days.append(day)
        elif day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


@dataclass
class PlannerRunner:
    """Claims and runs planner jobs, one at a time, in a child process."""

    pool: asyncpg.Pool
    clock: Clock
    runner_id: str = field(default_factory=lambda: f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}")
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    _executor: ProcessPoolExecutor | None = None

    def executor(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
        return self._executor

    async def run(self) -> None:
        while True:
            try:
                while await self.run_one():
                    pass
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("planner_unavailable", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), POLL_SECONDS)
            self.wake.clear()

    async def run_one(self) -> bool:
        """Claim one job and answer it; False when there was none."""
        now = self.clock()
        job = await self.pool.fetchrow(
            QUERIES["claim_planner_job"], self.runner_id, now, now - STALE_AFTER
        )
        if job is None:
            return False
        job_id = job["planner_job_id"]
        log.info("planner_job_started", planner_job_id=job_id, campaign_id=job["campaign_id"])
        beating = asyncio.create_task(self._beat(job_id))
        try:
            result = await self.answer(job["campaign_id"], PlannerQuestion(**job["question"]))
        except Exception as exc:  # any failure is the job's answer, kept with its reason
            log.error("planner_job_failed", planner_job_id=job_id, error=repr(exc))
            await self._finish(job_id, "failed", None, f"{type(exc).__name__}: {exc}")
        else:
            await self._finish(job_id, "done", result, None)
            log.info(
                "planner_job_done", planner_job_id=job_id, reps=result["forecast"]["reps_needed"]
            )
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating
        return True

    async def answer(self, campaign_id: int, question: PlannerQuestion) -> dict[str, Any]:
        now = self.clock()
        async with self.pool.acquire() as connection:
            campaign = await connection.fetchrow(QUERIES["planner_campaign"], campaign_id)
            basis = await learn_basis(connection, campaign, now)
            left = await numbers_left(connection, campaign_id, now)
        zone = ZoneInfo(
            (campaign["pacing"] or {}).get("time_zone")
            or HOME_TIME_ZONES.get(campaign["jurisdiction"], "UTC")
        )
        days = working_days(
            campaign["jurisdiction"], now.astimezone(zone).date(), question.deadline
        )
        loop = asyncio.get_running_loop()
        result: Forecast = await loop.run_in_executor(
            self.executor(),
            forecast,
            basis,
            left,
            days,
            question.hours_per_day,
            question.max_reps,
        )
        return {
            "basis": basis.__dict__
            | {
                "expected_attempts": round(basis.expected_attempts(), 3),
                "defaults": basis.learned_from_dials < MIN_DIALS,
            },
            "forecast": result.as_json(),
            "asked_at": now.isoformat(),
            "time_zone": str(zone),
        }

    async def _beat(self, job_id: int) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT.total_seconds())
            await self.pool.execute(
                QUERIES["planner_heartbeat"], job_id, self.runner_id, self.clock()
            )

    async def _finish(
        self, job_id: int, status: str, result: dict[str, Any] | None, error: str | None
    ) -> None:
        await self.pool.execute(
            QUERIES["finish_planner_job"],
            job_id,
            self.runner_id,
            status,
            result,
            error,
            self.clock(),
        )

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)


async def planner_background(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx (engine side): the planner's runner."""
    runner = PlannerRunner(app[POOL], app[CLOCK])
    app[PLANNER] = runner
    task = asyncio.create_task(runner.run(), name="planner-runner")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    runner.close()
