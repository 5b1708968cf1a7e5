"""Fault tests on real processes (loopback only, bounded, each stopping by itself): two
workers and one is killed; PostgreSQL stopped under load; the carrier's faults. After
each: no number dialled twice at once, no attempt left open, every bridged call
dispositioned, no rep stuck, and the carrier's calls are the attempts with a call id."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import asyncpg
import pytest

from dialer import auth
from tests.faults.cluster import (
    Cluster,
    Process,
    carrier_call_count,
    database,
    invariant_figures,
    wait_for,
)
from tests.faults.conftest import now_of, predictive_campaign, start_everything

pytestmark = [pytest.mark.slow, pytest.mark.timeout(420)]

REPS = 8


async def manager_headers(pool: asyncpg.Pool) -> dict[str, str]:
    manager = await pool.fetchval("SELECT user_id FROM users WHERE username = 'campaigns'")
    return {"Authorization": "Bearer " + await auth.issue_api_token(pool, manager, "faults")}


async def post(cluster: Cluster, path: str, headers: dict[str, str]) -> dict:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{cluster.base_url}{path}", headers=headers) as response:
            body = await response.text()
            assert response.status < 300, body
            return json.loads(body) if body else {}


async def attempts(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM call_attempts"))


async def start_campaign(cluster: Cluster, pool: asyncpg.Pool) -> tuple[int, dict[str, str]]:
    campaign_id = await predictive_campaign(pool)
    headers = await manager_headers(pool)
    await post(cluster, f"/api/v1/campaigns/{campaign_id}/start", headers)
    return campaign_id, headers


async def drain_and_check(
    cluster: Cluster, pool: asyncpg.Pool, campaign_id: int, headers: dict, reps: Process
) -> dict[str, int]:
    """Stop the reps (they record their last outcomes and log out), let the engine's
    sweeps close what the faults left open, pause, and read the invariants."""
    assert reps.terminate(grace=60) == 0, reps.log()[-3000:]

    async def closed() -> bool:
        figures = await invariant_figures(pool)
        return figures["open_attempts"] == 0 and figures["numbers_left_dialing"] == 0

    await wait_for(closed, timeout=150, every=1.0)
    await post(cluster, f"/api/v1/campaigns/{campaign_id}/pause", headers)
    figures = await invariant_figures(pool)
    placed = await pool.fetchval(
        "SELECT count(*) FROM call_attempts WHERE provider_call_id IS NOT NULL"
    )
    figures["carrier_calls_minus_attempts"] = await carrier_call_count(cluster.sim_url) - placed
    return figures


CLEAN = {
    "overlapping_attempts": 0,
    "open_attempts": 0,
    "undispositioned_bridged_calls": 0,
    "stuck_reps": 0,
    "numbers_left_dialing": 0,
    "carrier_calls_minus_attempts": 0,
}


async def test_a_killed_lease_owner_is_replaced_within_five_seconds(cluster: Cluster) -> None:
    async with database(cluster.database_url) as pool:
        await start_everything(cluster, pool, workers=2)
        campaign_id, headers = await start_campaign(cluster, pool)
        reps = cluster.start_reps(campaign_id, REPS)
        await wait_for(lambda: _at_least(pool, 15), timeout=90)

        lease = await pool.fetchrow(
            "SELECT l.worker_id, l.epoch, w.pid FROM campaign_leases l"
            " JOIN workers w USING (worker_id) WHERE l.campaign_id = $1",
            campaign_id,
        )
        owner = next(p for p in cluster.processes if p.name == "worker" and p.pid == lease["pid"])
        killed_at = now_of(cluster)
        owner.kill9()

        async def taken_over() -> asyncpg.Record | None:
            return await pool.fetchrow(
                "SELECT worker_id, epoch, at FROM campaign_lease_events"
                " WHERE campaign_id = $1 AND event = 'acquired' AND epoch > $2"
                " ORDER BY epoch LIMIT 1",
                campaign_id,
                lease["epoch"],
            )

        takeover = await wait_for(taken_over, timeout=30)
        assert takeover["worker_id"] != lease["worker_id"]
        resumed_in = (takeover["at"] - killed_at).total_seconds()
        # the lease (3 s) runs out, the next reconcile round (1 s) takes it
        assert resumed_in <= 5.0, resumed_in

        async def dialling_again() -> bool:
            return bool(
                await pool.fetchval(
                    "SELECT count(*) FROM call_attempts WHERE lease_epoch = $1",
                    takeover["epoch"],
                )
            )

        await wait_for(dialling_again, timeout=30)
        before = await attempts(pool)
        await wait_for(lambda: _at_least(pool, before + 10), timeout=90)
        figures = await drain_and_check(cluster, pool, campaign_id, headers, reps)
    print(f"failover: resumed {resumed_in:.2f} s after kill -9; figures {figures}")
    assert figures == CLEAN


async def test_postgres_stopped_for_twenty_seconds_loses_no_callback(cluster: Cluster) -> None:
    postgres = cluster.postgres  # type: ignore[attr-defined]
    async with database(cluster.database_url) as pool:
        await start_everything(cluster, pool, workers=2)
        campaign_id, headers = await start_campaign(cluster, pool)
        reps = cluster.start_reps(campaign_id, REPS)
        await wait_for(lambda: _at_least(pool, 15), timeout=90)
    postgres.stop()
    await asyncio.sleep(20)
    postgres.start()
    back = time.monotonic()
    async with database(cluster.database_url) as pool:
        dialled = await attempts(pool)
        await wait_for(lambda: _at_least(pool, dialled + 1), timeout=60)
        resumed_in = time.monotonic() - back
        assert resumed_in <= 15.0, resumed_in
        await wait_for(lambda: _at_least(pool, dialled + 10), timeout=90)
        figures = await drain_and_check(cluster, pool, campaign_id, headers, reps)
        spooled = sum("callback_spooled" in p.log() for p in cluster.processes if p.name == "web")
    print(f"outage: dialling again {resumed_in:.2f} s after PostgreSQL returned; {figures}")
    assert spooled, "the web process spooled nothing while PostgreSQL was away"
    assert figures == CLEAN


async def test_the_carriers_faults_leave_one_record_per_call_and_nothing_open(
    cluster: Cluster,
) -> None:
    faults = {
        "duplicate_rate": 0.1,
        "reorder": True,
        "delay_max_seconds": 0.5,
        "loss_rate": 0.05,
        "server_error_rate": 0.05,
        "rate_limit_rate": 0.05,
    }
    async with database(cluster.database_url) as pool:
        await start_everything(cluster, pool, workers=1, faults=json.dumps(faults))
        campaign_id, headers = await start_campaign(cluster, pool)
        reps = cluster.start_reps(campaign_id, REPS)
        await wait_for(lambda: _at_least(pool, 40), timeout=150)
        figures = await drain_and_check(cluster, pool, campaign_id, headers, reps)
        duplicates = await pool.fetchval(
            "SELECT count(*) FROM (SELECT provider_call_id FROM call_attempts"
            " WHERE provider_call_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1) d"
        )
    print(f"carrier faults {faults}: {figures}")
    assert duplicates == 0
    assert figures == CLEAN


async def _at_least(pool: asyncpg.Pool, n: int) -> bool:
    return await attempts(pool) >= n
