"""A production layout for each fault test: its own PostgreSQL, carrier, web and workers."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from dialer.clock import system_clock
from dialer.demo import demo_clock
from dialer.engine.demo_stage import DEMO_CAMPAIGN
from dialer.routes.campaigns import NewCampaign, create_campaign
from tests.faults.cluster import REPO_ROOT, Cluster, Postgres, wait_for, wait_http

pytestmark = pytest.mark.slow


@pytest.fixture
async def cluster() -> AsyncIterator[Cluster]:
    """Migrated, seeded; nothing running yet but PostgreSQL."""
    folder = REPO_ROOT / "build" / f"faults-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    postgres = Postgres(folder / "pg")
    cluster = Cluster(folder=folder, database_url=postgres.uri())
    cluster.postgres = postgres  # type: ignore[attr-defined]
    # inside the callees' calling hours whatever the hour on the machine: the same offset
    # for every process, so their leases and heartbeats agree
    offset = (demo_clock()() - system_clock()).total_seconds()
    cluster.extra_env.update(
        {
            "DIALER_CLOCK_OFFSET_SECONDS": str(offset),
            "DIALER_ENGINE_SILENT_CALL_SECONDS": "5",
            "DIALER_ENGINE_SWEEP_GRACE_SECONDS": "10",
            "DIALER_FIRM_CALLBACK_NUMBER": "+862195500000",
        }
    )
    cluster.offset_seconds = offset  # type: ignore[attr-defined]
    try:
        cluster.run("migrate")
        cluster.run("seed", "--accounts", "600")
        yield cluster
    finally:
        cluster.close()
        postgres.close()
        shutil.rmtree(folder, ignore_errors=True)


async def predictive_campaign(pool: asyncpg.Pool) -> int:
    manager = await pool.fetchval("SELECT user_id FROM users WHERE username = 'campaigns'")
    return await create_campaign(
        pool,
        NewCampaign(
            name=DEMO_CAMPAIGN,
            purpose="marketing",
            product_code="ADV-STEADY",
            subject="advisory",
            target_segments=["lapsed", "orphan", "withdrawn", "empty", "dormant"],
            pacing_mode="predictive",
            lines_per_rep=2.0,
            jurisdiction="CN",
            caller_id="+862195500000",
            ring_seconds=25,
            abandon_message="Example Securities; please call us back.",
        ),
        manager,
    )


async def start_everything(
    cluster: Cluster, pool: asyncpg.Pool, *, workers: int, faults: str | None = None
) -> None:
    cluster.start_carrier(speed=10.0, faults=faults)
    await wait_http(f"{cluster.sim_url}/sim/stats")
    cluster.start_web()
    await wait_http(f"{cluster.base_url}/healthz")
    for _ in range(workers):
        cluster.start_worker()

    async def registered() -> bool:
        count = await pool.fetchval("SELECT count(*) FROM workers WHERE stopped_at IS NULL")
        return bool(count >= workers)

    await wait_for(registered, timeout=60)


def now_of(cluster: Cluster) -> datetime:
    """The cluster's clock (the machine's, moved by the processes' offset)."""
    from datetime import timedelta

    offset = cluster.offset_seconds  # type: ignore[attr-defined]
    return datetime.now(UTC) + timedelta(seconds=offset)
