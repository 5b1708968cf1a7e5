"""The floor-scale load test: the production layout on loopback at N reps.

Per step (N reps, default 500, 1,000 and 2,000): a PostgreSQL of its own, the standalone
carrier simulator, `dialer serve --no-engine`, WORKERS `dialer worker`s (each with its
/metrics on a loopback port) and `dialer sim-reps` for N of the seed's reps (the seed has
30; the rest are cloned from rep30 in SQL, same password, before the run). A predictive
campaign runs for SECONDS with talk and wrap times accelerated (the carrier's and
sim-reps' --speed). Printed per step: the answer webhook's p50/p99 (the web process's
`dialer_webhook_seconds` histogram, delta between two scrapes), status callbacks handled
per second (the same histogram's count), the abandon rate (person-answered calls no rep
took, over person-answered, from the rows), the workers' event-loop lag (their
`dialer_event_loop_lag_max_seconds` gauge), PostgreSQL xact_commit per second
(pg_stat_database delta) and CPU seconds per component (/proc/<pid>/stat of the pids
started here; the postgres processes found as the postmaster's children).

The verdict: the first component whose CPU share reaches CPU_LIMIT of one core, or whose
loop lag reaches LAG_LIMIT, or the answer p99 over 50 ms, or the abandon rate over the
3 % cap, with the N where it happened. It stops by itself and kills only its own pids.

    PYTHONPATH=. python benchmarks/floor_bench.py [--reps 500 1000 2000] [--seconds 75]
        [--ramp-seconds 120] [--sign-in-ramp 60] [--workers 2] [--speed 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialer import auth  # noqa: E402
from tests.faults.cluster import (  # noqa: E402
    REPO_ROOT,
    Cluster,
    Postgres,
    database,
    free_port,
    wait_for,
    wait_http,
)
from tests.faults.conftest import predictive_campaign  # noqa: E402
from tests.faults.test_failover import manager_headers, post  # noqa: E402

CPU_LIMIT = 0.9  # of one core: a Python process is single-threaded
LAG_LIMIT_S = 0.1
ANSWER_P99_LIMIT_S = 0.05
ABANDON_CAP = 0.03
TICKS = os.sysconf("SC_CLK_TCK")

# -- the pure parts (tests/unit/runtime/test_floor_bench.py) ---------------------------


def histogram(text: str, name: str, labels: dict[str, str]) -> dict[float, float]:
    """Cumulative bucket counts {upper bound: count} of one labelled histogram series."""
    buckets: dict[float, float] = {}
    for family in text_string_to_metric_families(text):
        if family.name != name:
            continue
        for sample in family.samples:
            if not sample.name.endswith("_bucket"):
                continue
            if all(sample.labels.get(k) == v for k, v in labels.items()):
                bound = float(sample.labels["le"])
                buckets[bound] = buckets.get(bound, 0.0) + sample.value
    return buckets


def gauge(text: str, name: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return float(sample.value)
    return None


def delta(after: dict[float, float], before: dict[float, float]) -> dict[float, float]:
    return {bound: count - before.get(bound, 0.0) for bound, count in after.items()}


def quantile(buckets: dict[float, float], q: float) -> float | None:
    """The q-quantile of cumulative buckets, interpolated linearly inside its bucket (as
    Prometheus's histogram_quantile); None when there are no observations."""
    bounds = sorted(buckets)
    if not bounds or buckets[bounds[-1]] <= 0:
        return None
    rank = q * buckets[bounds[-1]]
    lower, below = 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if bound == float("inf"):
                return lower
            inside = count - below
            return lower + (bound - lower) * ((rank - below) / inside if inside else 1.0)
        lower, below = bound, count
    return lower


def cpu_seconds(stat_line: str) -> float:
    """utime + stime of one /proc/<pid>/stat line, in seconds."""
    fields = stat_line[stat_line.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


@dataclass
class Step:
    reps: int
    seconds: float
    cpu: dict[str, float] = field(default_factory=dict)  # component -> CPU seconds
    worker_lag_s: float = 0.0
    answer_p99_s: float | None = None
    abandon_rate: float = 0.0


def saturated(step: Step) -> list[str]:
    """What hit its limit in this step, worst first (an empty list: nothing did)."""
    hits: list[tuple[float, str]] = []
    for component, seconds in step.cpu.items():
        share = seconds / step.seconds
        if share >= CPU_LIMIT and component != "postgres":
            hits.append((share / CPU_LIMIT, f"{component} CPU {share:.0%} of a core"))
    total = sum(step.cpu.values()) / step.seconds
    cores = os.cpu_count() or 1
    if total >= CPU_LIMIT * cores:
        hits.append((total / (CPU_LIMIT * cores), f"the machine: {total:.2f} of {cores} cores"))
    if step.worker_lag_s >= LAG_LIMIT_S:
        hits.append((step.worker_lag_s / LAG_LIMIT_S, f"worker loop lag {step.worker_lag_s:.3f} s"))
    if step.answer_p99_s is not None and step.answer_p99_s > ANSWER_P99_LIMIT_S:
        hits.append(
            (step.answer_p99_s / ANSWER_P99_LIMIT_S, f"answer p99 {step.answer_p99_s * 1e3:.0f} ms")
        )
    if step.abandon_rate > ABANDON_CAP:
        hits.append((step.abandon_rate / ABANDON_CAP, f"abandon rate {step.abandon_rate:.2%}"))
    return [text for _, text in sorted(hits, reverse=True)]


# -- the run -------------------------------------------------------------------------


def _stat(pid: int) -> float:
    try:
        return cpu_seconds(Path(f"/proc/{pid}/stat").read_text())
    except (OSError, ValueError, IndexError):
        return 0.0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            if int(text[text.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _postgres_cpu(postmaster: int) -> float:
    return _stat(postmaster) + sum(_stat(child) for child in _children(postmaster))


async def _scrape(url: str, headers: dict[str, str]) -> str:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        text = await response.text()
        assert response.status == 200, f"{url}: HTTP {response.status} {text[:200]}"
        return text


CLONE_REPS = """
INSERT INTO users (username, display_name, role, branch_id, team_id, password_hash,
                   language, is_senior, qualification_number, registrations, audio_leg)
SELECT 'rep' || n, '坐席' || n, role, branch_id, team_id, password_hash, language, false,
       'S' || (1000000 + n), registrations, audio_leg
  FROM users, generate_series(31, $1) AS n
 WHERE username = 'rep30'
"""

SIGNED_IN = "SELECT count(*) FROM agent_sessions WHERE ended_at IS NULL"

ABANDONS = """
SELECT count(*) FILTER (WHERE abandoned AND coalesce(answered_by, 'human') <> 'machine')
           AS abandoned,
       count(*) FILTER (WHERE (agent_user_id IS NOT NULL OR abandoned)
                        AND coalesce(answered_by, 'human') <> 'machine') AS answered
  FROM call_attempts WHERE created_at >= $1
"""


async def run_step(cluster: Cluster, postmaster: int, args: argparse.Namespace, n: int) -> Step:
    async with database(cluster.database_url) as pool:
        if n > 30:
            await pool.execute(CLONE_REPS, n)
        cluster.start_carrier(speed=args.speed)
        await wait_http(f"{cluster.sim_url}/sim/stats")
        web = cluster.start_web()
        await wait_http(f"{cluster.base_url}/healthz")
        worker_ports = [free_port() for _ in range(args.workers)]
        workers = [cluster.spawn("worker", "worker", "--port", str(p)) for p in worker_ports]
        for port in worker_ports:
            await wait_http(f"http://127.0.0.1:{port}/healthz", timeout=90)
        campaign_id = await predictive_campaign(pool)
        headers = await manager_headers(pool)
        admin = await pool.fetchval("SELECT user_id FROM users WHERE username = 'admin'")
        scrape = {"Authorization": "Bearer " + await auth.issue_api_token(pool, admin, "floor")}
        await post(cluster, f"/api/v1/campaigns/{campaign_id}/start", headers)
        carrier = cluster.processes[0]
        reps = cluster.spawn(
            "reps", "sim-reps", "--campaign", str(campaign_id), "--reps", str(n),
            "--base-url", cluster.base_url, "--speed", str(args.speed),
            "--sign-in-ramp", str(args.sign_in_ramp),
        )  # fmt: skip

        async def dialling() -> bool:
            return bool(await pool.fetchval("SELECT count(*) >= 20 FROM call_attempts"))

        await wait_for(dialling, timeout=180, every=1.0)
        ramp_started = time.monotonic()
        while time.monotonic() - ramp_started < args.ramp_seconds:
            if await pool.fetchval(SIGNED_IN) >= 0.95 * n:
                break
            await asyncio.sleep(2)
        ramp = time.monotonic() - ramp_started
        signed_in_before = await pool.fetchval(SIGNED_IN)
        metrics = f"{cluster.base_url}/metrics"
        parts = {"web": web, "carrier": carrier, "reps": reps}
        parts.update({f"worker{i + 1}": w for i, w in enumerate(workers)})
        before_text = await _scrape(metrics, scrape)
        before_cpu = {k: _stat(p.pid) for k, p in parts.items()} | {
            "postgres": _postgres_cpu(postmaster)
        }
        before_xact = await pool.fetchval(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        )
        # the processes' clock is offset (the demo's business time): the window starts
        # after the latest attempt so far, not at PostgreSQL's now()
        since = await pool.fetchval(
            "SELECT coalesce(max(created_at), now()) + interval '1 microsecond' FROM call_attempts"
        )
        started = time.monotonic()
        lag = 0.0
        while time.monotonic() - started < args.seconds:
            await asyncio.sleep(5)
            for port in worker_ports:
                text = await _scrape(f"http://127.0.0.1:{port}/metrics", scrape)
                lag = max(lag, gauge(text, "dialer_event_loop_lag_seconds") or 0.0)
        seconds = time.monotonic() - started
        after_text = await _scrape(metrics, scrape)
        cpu = {k: _stat(p.pid) - before_cpu[k] for k, p in parts.items()}
        cpu["postgres"] = _postgres_cpu(postmaster) - before_cpu["postgres"]
        xacts = await pool.fetchval(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        )
        row = await pool.fetchrow(ABANDONS, since)
        signed_in_after = await pool.fetchval(SIGNED_IN)
        answer = {"provider": "twilio", "hook": "answer"}
        answers = delta(
            histogram(after_text, "dialer_webhook_seconds", answer),
            histogram(before_text, "dialer_webhook_seconds", answer),
        )
        status = {"provider": "twilio", "hook": "status"}
        callbacks = delta(
            histogram(after_text, "dialer_webhook_seconds", status),
            histogram(before_text, "dialer_webhook_seconds", status),
        )
        step = Step(n, seconds, cpu, lag, quantile(answers, 0.99))
        step.abandon_rate = row["abandoned"] / row["answered"] if row["answered"] else 0.0
        p50 = quantile(answers, 0.5)
        print(f"N = {n} reps, {args.workers} workers, {seconds:.0f} s measured:")
        print(
            f"  reps signed in: {signed_in_before} after a {ramp:.0f} s ramp,"
            f" {signed_in_after} at the end"
        )
        print(
            f"  answer webhook p50/p99: {_ms(p50)} / {_ms(step.answer_p99_s)}"
            f" ({answers.get(float('inf'), 0):.0f} answers)"
        )
        print(f"  callbacks/s handled: {callbacks.get(float('inf'), 0) / seconds:.1f}")
        print(
            f"  abandon rate: {step.abandon_rate:.2%}"
            f" ({row['abandoned']} of {row['answered']} person-answered)"
        )
        print(f"  worker loop lag (max sampled): {lag * 1000:.1f} ms")
        print(f"  PostgreSQL xact/s: {(xacts - before_xact) / seconds:.0f}")
        print(
            "  CPU seconds (share of a core): "
            + ", ".join(f"{k} {v:.1f} ({v / seconds:.0%})" for k, v in cpu.items())
        )
        hits = saturated(step)
        print(f"  saturated: {'; '.join(hits) if hits else 'nothing'}")
        sys.stdout.flush()
        reps.terminate(grace=30)
    return step


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 1000:.1f} ms"


async def with_cluster(args: argparse.Namespace, n: int) -> Step:
    from datetime import UTC, datetime

    from dialer.demo import demo_clock

    folder = REPO_ROOT / "build" / f"floor-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    postgres = Postgres(folder / "pg")
    cluster = Cluster(folder=folder, database_url=postgres.uri())
    offset = (demo_clock()() - datetime.now(UTC)).total_seconds()
    cluster.extra_env.update({"DIALER_CLOCK_OFFSET_SECONDS": str(offset)})
    try:
        cluster.run("migrate")
        cluster.run("seed", "--accounts", str(max(5000, 10 * n)), timeout=600)
        postmaster = int((folder / "pg" / "postmaster.pid").read_text().split()[0])
        return await run_step(cluster, postmaster, args, n)
    finally:
        cluster.close()
        postgres.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, nargs="+", default=[500, 1000, 2000])
    parser.add_argument("--seconds", type=float, default=75.0)
    parser.add_argument(
        "--ramp-seconds", type=float, default=120.0, help="wait this long for the sign-ins"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--sign-in-ramp", type=float, default=60.0, help="spread the reps' sign-ins (seconds)"
    )
    parser.add_argument("--speed", type=float, default=10.0)
    args = parser.parse_args()
    print(f"floor_bench on {os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f})")
    first: tuple[int, list[str]] | None = None
    for n in args.reps:
        hits = saturated(asyncio.run(with_cluster(args, n)))
        if hits and first is None:
            first = (n, hits)
    if first is None:
        print("verdict: nothing saturated up to", max(args.reps), "reps")
    else:
        print(
            f"verdict: first saturated at N = {first[0]} reps: {first[1][0]}"
            f" (load average {os.getloadavg()[0]:.1f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
