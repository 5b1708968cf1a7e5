"""`dialer sim-reps` at a go-live: a service too busy to answer a rep's sign-in in time is
waited for (the rep tries again), a wrong password is not."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from dialer.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE
from dialer.loadtools import sim_reps
from dialer.loadtools.sim_reps import RepConsole, SimRepsError, SimRepsPlan, SimulatedRep, Tally


def _busy_service(slow_logins: int, password: str = "right") -> tuple[web.Application, list[str]]:
    """A stand-in for the service's sign-in pages whose first `slow_logins` sign-in forms
    take longer than the reps' request timeout."""
    seen: list[str] = []

    async def login_page(request: web.Request) -> web.Response:
        seen.append("page")
        if seen.count("page") <= slow_logins:
            await asyncio.sleep(2.0)
        response = web.Response(text="<form></form>")
        response.set_cookie(LOGIN_CSRF_COOKIE, "pre-login")
        return response

    async def login(request: web.Request) -> web.Response:
        form = await request.post()
        seen.append("login")
        if form["password"] != password:
            return web.Response(status=200, text="wrong")
        response = web.Response(status=302, headers={"Location": "/rep"})
        response.set_cookie(SESSION_COOKIE, "session")
        return response

    async def console(request: web.Request) -> web.Response:
        return web.Response(text='<main data-csrf="token"></main>')

    app = web.Application()
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_get("/rep", console)
    return app, seen


def _rep(base_url: str, http: aiohttp.ClientSession, password: str) -> SimulatedRep:
    plan = SimRepsPlan(base_url=base_url, campaign_id=1, usernames=["rep01"], password=password)
    return SimulatedRep(RepConsole(http, base_url, "rep01"), plan, Tally())


async def _sign_in(app: web.Application, password: str) -> SimulatedRep:
    async with TestServer(app, host="127.0.0.1") as server:
        timeout = aiohttp.ClientTimeout(total=0.5)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            rep = _rep(str(server.make_url("")).rstrip("/"), http, password)
            await rep.sign_in()
            return rep


@pytest.fixture(autouse=True)
def _quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sim_reps, "sign_in_backoff", lambda attempt: 0.0)


async def test_a_sign_in_that_times_out_is_tried_again() -> None:
    app, seen = _busy_service(slow_logins=2)
    rep = await _sign_in(app, "right")
    assert rep.console.signed_in
    assert seen == ["page", "page", "page", "login"]


async def test_a_wrong_password_is_not_tried_again() -> None:
    app, seen = _busy_service(slow_logins=0)
    with pytest.raises(SimRepsError, match="could not sign in"):
        await _sign_in(app, "wrong")
    assert seen == ["page", "login"]


async def test_a_service_that_never_answers_gives_up_with_the_reason() -> None:
    app, seen = _busy_service(slow_logins=100)
    with pytest.raises(SimRepsError, match="did not answer"):
        await _sign_in(app, "right")
    assert seen.count("page") == sim_reps.SIGN_IN_ATTEMPTS


async def test_a_busy_sign_in_waits_its_retry_after_with_jitter_and_is_sent_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, seen = _busy_service(slow_logins=0)
    refusals = 3

    @web.middleware
    async def busy(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.method == "POST" and seen.count("busy") < refusals:
            seen.append("busy")
            return web.json_response(
                {"error": "sign_in_busy"}, status=503, headers={"Retry-After": "2"}
            )
        return await handler(request)

    app.middlewares.append(busy)
    waits: list[float] = []
    jittered = sim_reps.busy_wait

    def recorded(retry_after: float, rng: sim_reps.random.Random) -> float:
        waits.append(jittered(retry_after, rng))
        return 0.0

    monkeypatch.setattr(sim_reps, "busy_wait", recorded)
    rep = await _sign_in(app, "right")
    assert rep.console.signed_in
    assert rep.tally.sign_in_busy == refusals
    # each wait is Retry-After plus jitter up to as much again, not all the same
    assert len(waits) == refusals
    assert all(2.0 <= wait <= 4.0 for wait in waits)
    assert len(set(waits)) == refusals


def test_busy_wait_spreads_reps_over_retry_after_to_twice_it() -> None:
    rng = sim_reps.random.Random(1)
    waits = [sim_reps.busy_wait(3.0, rng) for _ in range(200)]
    assert min(waits) >= 3.0
    assert max(waits) <= 6.0
    assert max(waits) - min(waits) > 2.0
