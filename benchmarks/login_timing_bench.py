"""Sign-in timing by kind of username, through a real `dialer serve --no-engine` (its own
PostgreSQL, loopback only; every process started here is stopped here, by pid).

Interleaved, N times each: an unknown username, a known username with a wrong password,
and the right password — each a browser's sign-in (GET /login for the single-use form
token and its pre-login cookie, then POST /login). The throttle's counts are cleared after
every attempt (the point is the password check, not the throttle's 429). Printed: mean,
p50 and p95 per kind and the ratio unknown / known-wrong (the bar: within 25 %), which
says whether a username can be found by timing.

    PYTHONPATH=. python benchmarks/login_timing_bench.py [--rounds 40]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
import uuid
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialer.auth import LOGIN_CSRF_COOKIE  # noqa: E402
from dialer.seed import DEMO_PASSWORD  # noqa: E402
from tests.faults.cluster import REPO_ROOT, Cluster, Postgres, database, wait_http  # noqa: E402

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
KINDS = ("unknown", "known_wrong", "known_right")


async def sign_in(http: aiohttp.ClientSession, base_url: str, username: str, password: str) -> int:
    async with http.get(f"{base_url}/login") as page:
        cookie = page.cookies.get(LOGIN_CSRF_COOKIE)
        token = _TOKEN.search(await page.text())
    form = {
        "username": username,
        "password": password,
        "csrf_token": token.group(1) if token else "",
    }
    headers = {"Cookie": f"{LOGIN_CSRF_COOKIE}={cookie.value if cookie else ''}"}
    async with http.post(
        f"{base_url}/login", data=form, headers=headers, allow_redirects=False
    ) as answer:
        await answer.read()
        return answer.status


async def measure(cluster: Cluster, rounds: int) -> dict[str, list[float]]:
    cluster.start_web()
    await wait_http(f"{cluster.base_url}/healthz")
    timings: dict[str, list[float]] = {kind: [] for kind in KINDS}
    attempts = {
        "unknown": lambda n: (f"nobody{n:04d}", "wrong-password"),
        "known_wrong": lambda n: ("rep01", "wrong-password"),
        "known_right": lambda n: ("rep01", DEMO_PASSWORD),
    }
    expected = {"unknown": 401, "known_wrong": 401, "known_right": 302}
    async with (
        database(cluster.database_url) as pool,
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
    ):
        for warm in range(3):
            await sign_in(http, cluster.base_url, "rep01", DEMO_PASSWORD)
            await sign_in(http, cluster.base_url, f"warm{warm}", "x")
        for n in range(rounds):
            for kind in KINDS:
                username, password = attempts[kind](n)
                started = time.perf_counter()
                status = await sign_in(http, cluster.base_url, username, password)
                timings[kind].append(time.perf_counter() - started)
                assert status == expected[kind], (kind, status)
                await pool.execute("DELETE FROM login_throttle")
    return timings


async def main_async(rounds: int) -> dict[str, list[float]]:
    folder = REPO_ROOT / "build" / f"login-bench-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    postgres = Postgres(folder / "pg")
    cluster = Cluster(folder=folder, database_url=postgres.uri())
    try:
        cluster.run("migrate")
        cluster.run("seed", "--accounts", "100")
        return await measure(cluster, rounds)
    finally:
        cluster.close()
        postgres.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    timings = asyncio.run(main_async(args.rounds))
    for kind in KINDS:
        values = sorted(timings[kind])
        p95 = values[min(len(values) - 1, int(0.95 * (len(values) - 1)))]
        print(
            f"{kind:12s} n={len(values)} mean {statistics.mean(values) * 1000:.1f} ms"
            f"  p50 {statistics.median(values) * 1000:.1f} ms  p95 {p95 * 1000:.1f} ms"
        )
    unknown = statistics.mean(timings["unknown"])
    known = statistics.mean(timings["known_wrong"])
    print(f"unknown / known (wrong password), mean: {unknown / known:.3f}  (bar: 0.75-1.25)")
    print(
        "unknown / known (median): "
        f"{statistics.median(timings['unknown']) / statistics.median(timings['known_wrong']):.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
