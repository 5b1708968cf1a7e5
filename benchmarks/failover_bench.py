"""Failover and isolation on real processes (loopback only; every process started here
is stopped here, by pid).

1. Resume: the production layout (the standalone carrier, `serve --no-engine`, two
   `worker`s, `sim-reps`) dials a predictive campaign; the lease owner is killed with
   SIGKILL; printed: how long until the other worker held the lease, how long until it
   dialled, and the invariants after the drain (no overlapping or open attempt, no
   undispositioned bridged call, no stuck rep, the carrier's calls = the attempts).
2. The operator's sequence (issue 12's manual check, as one run): `serve --no-engine`, two
   workers, `sim-reps` with 20 reps, a predictive campaign; kill -9 the lease owner,
   restart it, kill -9 the other, then stop PostgreSQL for 20 s; printed: the time to
   dial again after each kill and after the database returned, and the invariants after
   the drain.
3. Isolation: answer-webhook latency at the web process (signed answer webhooks, N
   concurrent, for calls the service does not know: a database round trip and the
   firm's message) measured alone, then while a list of ROWS rows is imported through
   the same web process's upload API; printed: p50/p99 of both and their ratio
   (the bar: p99 within 2x).

    PYTHONPATH=. python benchmarks/failover_bench.py [--rows 1000000] [--answers 2000]
        [--part all|failover|sequence|isolation]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.import_bench import generate  # noqa: E402
from dialer.telephony.carrier_sim import twilio_signature  # noqa: E402
from tests.faults.cluster import (  # noqa: E402
    REPO_ROOT,
    SIM_ACCOUNT_SID,
    Cluster,
    Postgres,
    carrier_call_count,
    database,
    invariant_figures,
    wait_for,
    wait_http,
)
from tests.faults.conftest import now_of, predictive_campaign  # noqa: E402
from tests.faults.test_failover import manager_headers, post  # noqa: E402


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


async def answers(cluster: Cluster, count: int, concurrency: int) -> list[float]:
    """Signed answer webhooks for unknown calls, `concurrency` at a time: seconds each."""
    url = f"{cluster.base_url}/telephony/twilio/answer"
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def one(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            queue.get_nowait()
            sid = "CA" + secrets.token_hex(16)
            params = {"CallSid": sid, "AccountSid": SIM_ACCOUNT_SID, "CallStatus": "in-progress"}
            headers = {"X-Twilio-Signature": twilio_signature(cluster.auth_token, url, params)}
            started = time.perf_counter()
            async with session.post(url, data=params, headers=headers) as response:
                await response.read()
                assert response.status == 200, response.status
            latencies.append(time.perf_counter() - started)

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(one(session) for _ in range(concurrency)))
    return latencies


async def isolation(cluster: Cluster, rows: int, count: int, concurrency: int) -> dict:
    cluster.start_carrier(speed=10.0)
    await wait_http(f"{cluster.sim_url}/sim/stats")
    cluster.start_web()
    await wait_http(f"{cluster.base_url}/healthz")
    await answers(cluster, 200, concurrency)  # warm up
    alone = await answers(cluster, count, concurrency)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.csv"
        generate(path, rows)
        async with database(cluster.database_url) as pool:
            headers = await manager_headers(pool)
            form = aiohttp.FormData()
            form.add_field("name", f"bench-{uuid.uuid4().hex[:6]}")
            form.add_field("file", path.read_bytes(), filename="big.csv", content_type="text/csv")
            async with aiohttp.ClientSession() as session:
                async with session.post(
                    f"{cluster.base_url}/api/v1/lists/imports", data=form, headers=headers
                ) as response:
                    job = await response.json()
                    assert response.status == 202, job

            async def running() -> bool:
                status = await pool.fetchval(
                    "SELECT status FROM import_jobs WHERE job_id = $1", job["job_id"]
                )
                return status == "running"

            await wait_for(running, timeout=120)
            during: list[float] = []
            started = time.monotonic()
            while True:
                during += await answers(cluster, count // 4, concurrency)
                status = await pool.fetchval(
                    "SELECT status FROM import_jobs WHERE job_id = $1", job["job_id"]
                )
                if status != "running" or len(during) >= count * 4:
                    break
            seconds = time.monotonic() - started
            final = await pool.fetchrow(
                "SELECT status, rows_read FROM import_jobs WHERE job_id = $1", job["job_id"]
            )
    return {
        "alone_p50_ms": percentile(alone, 50) * 1000,
        "alone_p99_ms": percentile(alone, 99) * 1000,
        "during_p50_ms": percentile(during, 50) * 1000,
        "during_p99_ms": percentile(during, 99) * 1000,
        "answers_during": len(during),
        "measured_for_s": seconds,
        "import": dict(final),
    }


async def resume(cluster: Cluster, reps: int) -> dict:
    async with database(cluster.database_url) as pool:
        cluster.start_carrier(speed=10.0)
        await wait_http(f"{cluster.sim_url}/sim/stats")
        cluster.start_web()
        await wait_http(f"{cluster.base_url}/healthz")
        workers = [cluster.start_worker(), cluster.start_worker()]

        async def registered() -> bool:
            return bool(await pool.fetchval("SELECT count(*) >= 2 FROM workers"))

        await wait_for(registered, timeout=60)
        campaign_id = await predictive_campaign(pool)
        headers = await manager_headers(pool)
        await post(cluster, f"/api/v1/campaigns/{campaign_id}/start", headers)
        sim_reps = cluster.start_reps(campaign_id, reps)

        async def dialled(n: int) -> bool:
            return bool(await pool.fetchval("SELECT count(*) >= $1 FROM call_attempts", n))

        await wait_for(lambda: dialled(30), timeout=120)
        lease = await pool.fetchrow(
            "SELECT l.epoch, w.pid FROM campaign_leases l JOIN workers w USING (worker_id)"
            " WHERE campaign_id = $1",
            campaign_id,
        )
        owner = next(w for w in workers if w.pid == lease["pid"])
        killed_at = now_of(cluster)
        owner.kill9()

        async def taken() -> object:
            return await pool.fetchval(
                "SELECT min(at) FROM campaign_lease_events"
                " WHERE campaign_id = $1 AND event = 'acquired' AND epoch > $2",
                campaign_id,
                lease["epoch"],
            )

        taken_at = await wait_for(taken, timeout=30)

        async def first_new() -> object:
            return await pool.fetchval(
                "SELECT min(created_at) FROM call_attempts WHERE lease_epoch > $1", lease["epoch"]
            )

        dialled_at = await wait_for(first_new, timeout=60)
        sim_reps.terminate(grace=60)

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
        figures["attempts"] = placed
    return {
        "lease_taken_over_s": (taken_at - killed_at).total_seconds(),
        "dialling_again_s": (dialled_at - killed_at).total_seconds(),
        **figures,
    }


async def _owner_pid(pool, campaign_id: int) -> tuple[int, int]:
    lease = await pool.fetchrow(
        "SELECT l.epoch, w.pid FROM campaign_leases l JOIN workers w USING (worker_id)"
        " WHERE campaign_id = $1",
        campaign_id,
    )
    return int(lease["pid"]), int(lease["epoch"])


async def _dialled_after(pool, epoch: int, since) -> float:
    """Seconds from `since` to the first attempt made under a newer lease epoch."""

    async def first_new() -> object:
        return await pool.fetchval(
            "SELECT min(created_at) FROM call_attempts WHERE lease_epoch > $1", epoch
        )

    at = await wait_for(first_new, timeout=60)
    return (at - since).total_seconds()


async def sequence(cluster: Cluster, reps: int) -> dict:
    """Kill the owner, restart it, kill the other, stop PostgreSQL for 20 s; then drain."""
    postgres = cluster.postgres  # type: ignore[attr-defined]
    figures: dict[str, object] = {}
    async with database(cluster.database_url) as pool:
        cluster.start_carrier(speed=10.0)
        await wait_http(f"{cluster.sim_url}/sim/stats")
        cluster.start_web()
        await wait_http(f"{cluster.base_url}/healthz")
        workers = [cluster.start_worker(), cluster.start_worker()]

        async def registered() -> bool:
            return bool(
                await pool.fetchval("SELECT count(*) >= 2 FROM workers WHERE stopped_at IS NULL")
            )

        await wait_for(registered, timeout=60)
        campaign_id = await predictive_campaign(pool)
        headers = await manager_headers(pool)
        await post(cluster, f"/api/v1/campaigns/{campaign_id}/start", headers)
        sim_reps = cluster.start_reps(campaign_id, reps)

        async def dialled(n: int) -> bool:
            return bool(await pool.fetchval("SELECT count(*) >= $1 FROM call_attempts", n))

        await wait_for(lambda: dialled(30), timeout=120)
        for kill in ("first_kill", "second_kill"):
            pid, epoch = await _owner_pid(pool, campaign_id)
            owner = next(w for w in workers if w.pid == pid)
            killed_at = now_of(cluster)
            owner.kill9()
            figures[f"{kill}_dialling_again_s"] = await _dialled_after(pool, epoch, killed_at)
            if kill == "first_kill":
                workers.append(cluster.start_worker())  # the killed one, restarted
                await wait_for(registered, timeout=60)
            count = await pool.fetchval("SELECT count(*) FROM call_attempts")
            await wait_for(lambda target=count + 10: dialled(target), timeout=120)
    postgres.stop()
    await asyncio.sleep(20)
    postgres.start()
    back = time.monotonic()
    async with database(cluster.database_url) as pool:
        count = await pool.fetchval("SELECT count(*) FROM call_attempts")
        await wait_for(lambda: dialled(count + 1), timeout=60)
        figures["database_back_dialling_again_s"] = time.monotonic() - back
        await wait_for(lambda: dialled(count + 20), timeout=120)
        sim_reps.terminate(grace=60)

        async def closed() -> bool:
            now = await invariant_figures(pool)
            return now["open_attempts"] == 0 and now["numbers_left_dialing"] == 0

        await wait_for(closed, timeout=150, every=1.0)
        await post(cluster, f"/api/v1/campaigns/{campaign_id}/pause", headers)
        figures.update(await invariant_figures(pool))
        placed = await pool.fetchval(
            "SELECT count(*) FROM call_attempts WHERE provider_call_id IS NOT NULL"
        )
        figures["carrier_calls_minus_attempts"] = await carrier_call_count(cluster.sim_url) - placed
        figures["attempts"] = placed
        spooled = sum("callback_spooled" in p.log() for p in cluster.processes if p.name == "web")
        figures["web_processes_that_spooled"] = spooled
    return figures


async def with_cluster(job, *args):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from dialer.demo import demo_clock

    folder = REPO_ROOT / "build" / f"bench-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    postgres = Postgres(folder / "pg")
    cluster = Cluster(folder=folder, database_url=postgres.uri())
    cluster.postgres = postgres  # type: ignore[attr-defined]
    offset = (demo_clock()() - datetime.now(UTC)).total_seconds()
    cluster.offset_seconds = offset  # type: ignore[attr-defined]
    cluster.extra_env.update(
        {
            "DIALER_CLOCK_OFFSET_SECONDS": str(offset),
            "DIALER_ENGINE_SILENT_CALL_SECONDS": "5",
            "DIALER_ENGINE_SWEEP_GRACE_SECONDS": "10",
        }
    )
    try:
        cluster.run("migrate")
        cluster.run("seed", "--accounts", "2000")
        return await job(cluster, *args)
    finally:
        cluster.close()
        postgres.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--answers", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--sequence-reps", type=int, default=20)
    parser.add_argument("--part", choices=("all", "failover", "sequence", "isolation"))
    args = parser.parse_args()
    part = args.part or "all"
    if part in ("all", "failover"):
        failover = asyncio.run(with_cluster(resume, args.reps))
        print("failover (kill -9 of the lease owner):")
        for key, value in failover.items():
            print(f"  {key}: {value:.2f}" if isinstance(value, float) else f"  {key}: {value}")
    if part in ("all", "sequence"):
        figures = asyncio.run(with_cluster(sequence, args.sequence_reps))
        print(
            f"operator's sequence ({args.sequence_reps} reps; kill, restart, kill, PostgreSQL 20 s):"
        )
        for key, value in figures.items():
            print(f"  {key}: {value:.2f}" if isinstance(value, float) else f"  {key}: {value}")
    if part not in ("all", "isolation"):
        return 0
    iso = asyncio.run(with_cluster(isolation, args.rows, args.answers, args.concurrency))
    print(
        f"answer webhook at {args.concurrency} concurrent, alone vs during a {args.rows}-row import:"
    )
    for key, value in iso.items():
        print(f"  {key}: {value:.1f}" if isinstance(value, float) else f"  {key}: {value}")
    print(f"  p99 ratio (during / alone): {iso['during_p99_ms'] / iso['alone_p99_ms']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
