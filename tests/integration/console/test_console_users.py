"""A rep's audio leg and phone are set through the API and the CLI, not by SQL."""

from __future__ import annotations

import os
import subprocess
import sys

from dialer.http import Role
from tests.helpers import headers_for, make_user

REP = {
    "username": "li.na",
    "display_name": "李娜",
    "role": "telesales_rep",
    "password": "a-long-password",
    "team": "Team A",
}


async def test_an_admin_creates_a_phone_leg_rep_with_a_normalised_number(client, pool):
    admin = await headers_for(pool, Role.ADMIN)
    response = await client.post(
        "/api/v1/users",
        json={**REP, "audio_leg": "phone", "phone_e164": "+86 138 1234 5678"},
        headers=admin,
    )
    assert response.status == 201, await response.text()
    user_id = (await response.json())["user_id"]
    row = await pool.fetchrow("SELECT audio_leg, phone_e164 FROM users WHERE user_id = $1", user_id)
    assert tuple(row) == ("phone", "+8613812345678")


async def test_a_phone_leg_without_a_phone_or_a_bad_number_is_refused_naming_the_field(
    client, pool
):
    admin = await headers_for(pool, Role.ADMIN)
    missing = await client.post("/api/v1/users", json={**REP, "audio_leg": "phone"}, headers=admin)
    assert missing.status == 422
    assert [e["field"] for e in (await missing.json())["errors"]] == ["phone_e164"]
    for bad in ("13812345678", "+86 12", "not a number"):
        response = await client.post(
            "/api/v1/users", json={**REP, "audio_leg": "phone", "phone_e164": bad}, headers=admin
        )
        assert response.status == 422, bad
        assert [e["field"] for e in (await response.json())["errors"]] == ["phone_e164"]
    wrong_leg = await client.post(
        "/api/v1/users", json={**REP, "audio_leg": "pager"}, headers=admin
    )
    assert wrong_leg.status == 422
    assert [e["field"] for e in (await wrong_leg.json())["errors"]] == ["audio_leg"]
    assert await pool.fetchval("SELECT count(*) FROM users WHERE username = 'li.na'") == 0


async def test_an_admin_changes_an_existing_reps_leg_and_phone(client, pool):
    admin = await headers_for(pool, Role.ADMIN)
    rep = await make_user(pool, Role.TELESALES_REP, "wang.wei")
    url = f"/api/v1/users/{rep}"

    refused = await client.patch(url, json={"audio_leg": "phone"}, headers=admin)
    assert refused.status == 422
    assert [e["field"] for e in (await refused.json())["errors"]] == ["phone_e164"]
    assert await pool.fetchval("SELECT audio_leg FROM users WHERE user_id = $1", rep) == "browser"

    changed = await client.patch(
        url, json={"audio_leg": "phone", "phone_e164": "+13055550123"}, headers=admin
    )
    assert changed.status == 200
    assert await changed.json() == {
        "user_id": rep,
        "username": "wang.wei",
        "audio_leg": "phone",
        "phone_e164": "+13055550123",
    }
    # a field left out is kept; clearing the phone of a phone rep is refused
    assert (await (await client.patch(url, json={}, headers=admin)).json())["audio_leg"] == "phone"
    cleared = await client.patch(url, json={"phone_e164": None}, headers=admin)
    assert cleared.status == 422
    back = await client.patch(url, json={"audio_leg": "browser", "phone_e164": None}, headers=admin)
    assert (await back.json())["audio_leg"] == "browser"
    assert await pool.fetchval("SELECT phone_e164 FROM users WHERE user_id = $1", rep) is None

    assert (await client.patch("/api/v1/users/999999", json={}, headers=admin)).status == 404
    own = await headers_for(pool, Role.TELESALES_REP, "someone.else")
    assert (await client.patch(url, json={"audio_leg": "simulated"}, headers=own)).status == 403


async def test_the_patch_is_in_the_openapi_document(client):
    document = await (await client.get("/api/openapi.json")).json()
    assert "patch" in document["paths"]["/api/v1/users/{user_id}"]


def _cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALER_")}
    env["DATABASE_URL"] = db_url
    return subprocess.run(
        [sys.executable, "-m", "dialer.cli", "user", "add", *args, "--password-stdin"],
        input="a-long-password\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


async def test_dialer_user_add_sets_the_audio_leg_and_phone(db_url, pool):
    rep = ("--name", "赵磊", "--role", "telesales_rep", "--team", "Team A")
    no_phone = _cli(db_url, "zhao.lei", *rep, "--audio-leg", "phone")
    assert no_phone.returncode == 2 and "phone_e164" in no_phone.stderr
    bad_phone = _cli(db_url, "zhao.lei", *rep, "--audio-leg", "phone", "--phone", "12345")
    assert bad_phone.returncode == 2
    assert "phone_e164" in bad_phone.stderr and "E.164" in bad_phone.stderr
    made = _cli(db_url, "zhao.lei", *rep, "--audio-leg", "phone", "--phone", "+8613812345678")
    assert made.returncode == 0, made.stderr
    simulated = _cli(db_url, "sim.rep", *rep, "--audio-leg", "simulated")
    assert simulated.returncode == 0, simulated.stderr
    rows = await pool.fetch(
        "SELECT username, audio_leg, phone_e164 FROM users"
        " WHERE username IN ('zhao.lei', 'sim.rep') ORDER BY username"
    )
    assert [tuple(r) for r in rows] == [
        ("sim.rep", "simulated", None),
        ("zhao.lei", "phone", "+8613812345678"),
    ]
