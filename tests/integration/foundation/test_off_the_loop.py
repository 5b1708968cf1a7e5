"""CPU-bound work stays off the event loop: argon2 runs on its own threads, and the loop's
lag is on /metrics (admins only)."""

from __future__ import annotations

import threading

import pytest

from dialer import auth
from dialer.http import Role
from tests.helpers import PASSWORD, headers_for, make_user


async def test_password_checks_run_on_the_argon2_threads_not_the_loop(
    pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_user(pool, Role.TELESALES_REP, "rep-one")
    threads: list[str] = []
    verify = auth.verify_password

    def recording_verify(password_hash: str, password: str) -> bool:
        threads.append(threading.current_thread().name)
        return verify(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", recording_verify)
    assert (await auth.authenticate_password(pool, "rep-one", PASSWORD)).user_id is not None
    assert (await auth.authenticate_password(pool, "rep-one", "wrong")).user_id is None
    assert (await auth.authenticate_password(pool, "nobody", PASSWORD)).user_id is None
    assert len(threads) == 3
    assert all(name.startswith("argon2") for name in threads), threads
    assert threading.main_thread().name not in threads


async def test_an_unknown_user_costs_one_verification_and_no_hash(
    pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth._unknown_user_hash()  # made once per process
    calls: list[str] = []
    monkeypatch.setattr(auth, "hash_password", lambda password: calls.append("hash") or "")
    verify = auth.verify_password
    monkeypatch.setattr(
        auth, "verify_password", lambda h, p: calls.append("verify") or verify(h, p)
    )
    assert (await auth.authenticate_password(pool, "nobody-at-all", "guess")).user_id is None
    assert calls == ["verify"]


async def test_metrics_show_the_loop_lag_to_admins_only(client, pool) -> None:
    admin = await headers_for(pool, Role.ADMIN, "admin-one")
    rep = await headers_for(pool, Role.TELESALES_REP, "rep-two")
    response = await client.get("/metrics", headers=admin)
    assert response.status == 200
    body = await response.text()
    assert "dialer_event_loop_lag_seconds" in body
    assert "dialer_event_loop_lag_max_seconds" in body
    assert (await client.get("/metrics", headers=rep)).status == 403
    anonymous = await client.get("/metrics", allow_redirects=False)
    assert anonymous.status in (401, 302)
    assert "dialer_event_loop_lag" not in await anonymous.text()
