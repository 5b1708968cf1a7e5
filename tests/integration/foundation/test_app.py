import re

import pytest

from dialer.http import PUBLIC, Role
from dialer.keys import ROUTES
from tests.helpers import PASSWORD, headers_for, make_user

GOOD_CAMPAIGN = {"name": "Lapsed Q4", "purpose": "marketing", "target_segments": ["lapsed"]}


async def test_health_and_readiness(client):
    assert (await client.get("/healthz")).status == 200
    response = await client.get("/readyz")
    assert response.status == 200
    assert (await response.json())["status"] == "ready"
    assert response.headers["X-Request-Id"]


async def test_malformed_request_names_the_fields_and_changes_nothing(client, pool):
    headers = await headers_for(pool, Role.CAMPAIGN_MANAGER)
    bad = {**GOOD_CAMPAIGN, "ring_seconds": 5, "pacing_mode": "turbo", "purpose": None}
    response = await client.post("/api/v1/campaigns", json=bad, headers=headers)
    assert response.status == 422
    assert response.content_type == "application/problem+json"
    body = await response.json()
    assert {e["field"] for e in body["errors"]} == {"ring_seconds", "pacing_mode", "purpose"}
    assert await pool.fetchval("SELECT count(*) FROM campaigns") == 0

    response = await client.post(
        "/api/v1/campaigns",
        data="{not json",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status == 400
    assert (await response.json())["title"] == "Malformed JSON"
    assert await pool.fetchval("SELECT count(*) FROM campaigns") == 0


async def test_a_campaign_is_created_with_default_disposition_codes(client, pool):
    headers = await headers_for(pool, Role.CAMPAIGN_MANAGER)
    response = await client.post("/api/v1/campaigns", json=GOOD_CAMPAIGN, headers=headers)
    assert response.status == 201, await response.text()
    campaign_id = (await response.json())["campaign_id"]
    detail = await (await client.get(f"/api/v1/campaigns/{campaign_id}", headers=headers)).json()
    assert detail["campaign"]["target_segments"] == ["lapsed"]
    codes = {d["code"]: d for d in detail["dispositions"]}
    assert codes["WARM"]["warm_lead"] and codes["DNC"]["do_not_call"]
    # the same name again is a conflict and adds nothing
    again = await client.post("/api/v1/campaigns", json=GOOD_CAMPAIGN, headers=headers)
    assert again.status == 409
    assert await pool.fetchval("SELECT count(*) FROM campaigns") == 1


async def test_a_predictive_campaign_may_dial_ahead_unless_told_otherwise(client, pool):
    headers = await headers_for(pool, Role.CAMPAIGN_MANAGER)
    lines = {}
    for name, extra in (
        ("predictive", {"pacing_mode": "predictive"}),
        ("power", {"pacing_mode": "power"}),
        ("progressive", {}),
        ("capped", {"pacing_mode": "predictive", "lines_per_rep": 1.5}),
    ):
        response = await client.post(
            "/api/v1/campaigns", json={**GOOD_CAMPAIGN, "name": name, **extra}, headers=headers
        )
        assert response.status == 201, await response.text()
        lines[name] = await pool.fetchval(
            "SELECT (pacing->>'lines_per_rep')::float8 FROM campaigns WHERE campaign_id = $1",
            (await response.json())["campaign_id"],
        )
    assert lines == {"predictive": 3.0, "power": 1.3, "progressive": 1.0, "capped": 1.5}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


async def test_every_route_refuses_the_roles_it_does_not_declare(client, pool):
    specs = [s for s in client.app[ROUTES].specs if s.roles != PUBLIC]
    assert len(specs) >= 8
    headers = {role: await headers_for(pool, role) for role in Role}
    checked = 0
    for spec in specs:
        path = _concrete(spec.path)
        anonymous = await client.request(spec.method, path, allow_redirects=False)
        assert anonymous.status in (401, 302), (spec.method, spec.path, anonymous.status)
        for role in Role:
            if role in spec.roles:
                continue
            response = await client.request(spec.method, path, headers=headers[role], json={})
            assert response.status == 403, (spec.method, spec.path, role, response.status)
            checked += 1
    # the admin-only and manager-only routes exist, so some refusals were really exercised
    assert checked == sum(len(Role) - len(s.roles) for s in specs) > 0


async def test_branch_staff_see_only_their_branch(client, pool):
    from tests.helpers import ensure_branch

    other = await ensure_branch(pool, "OTHER")
    account_id = await pool.fetchval(
        "INSERT INTO accounts (name, segment, branch_id) VALUES ('客户甲', 'lapsed', $1)"
        " RETURNING account_id",
        other,
    )
    manager = await headers_for(pool, Role.BRANCH_MANAGER)
    assert (await client.get(f"/api/v1/accounts/{account_id}", headers=manager)).status == 404
    listing = await (await client.get("/api/v1/accounts", headers=manager)).json()
    assert listing["accounts"] == []
    campaign_manager = await headers_for(pool, Role.CAMPAIGN_MANAGER)
    response = await client.get(f"/api/v1/accounts/{account_id}", headers=campaign_manager)
    assert response.status == 200
    assert (await response.json())["account"]["name"] == "客户甲"


async def test_login_sets_a_safe_session_cookie_and_forms_need_csrf(client, pool):
    await make_user(pool, Role.TELESALES_REP, "rep-one")
    page = await client.get("/login")
    html = await page.text()
    login_csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)[1]
    wrong = await client.post(
        "/login", data={"username": "rep-one", "password": "nope", "csrf_token": login_csrf}
    )
    assert wrong.status == 401
    page = await client.get("/login")
    login_csrf = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())[1]
    response = await client.post(
        "/login",
        data={"username": "rep-one", "password": PASSWORD, "csrf_token": login_csrf, "next": "/"},
        allow_redirects=False,
    )
    assert response.status == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    home = await client.get("/")
    assert home.status == 200
    assert "rep-one".title() in await home.text() or "Rep-One" in await home.text()
    # a state-changing request with the cookie but without the CSRF token is refused
    refused = await client.post("/api/v1/tokens", json={"label": "x"})
    assert refused.status == 403
    assert (await refused.json())["title"] == "CSRF check failed"
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', await home.text())[1]
    accepted = await client.post(
        "/api/v1/tokens", json={"label": "x"}, headers={"X-CSRF-Token": csrf}
    )
    assert accepted.status == 201


async def test_openapi_document_lists_the_api(client):
    document = await (await client.get("/api/openapi.json")).json()
    assert document["openapi"].startswith("3.")
    assert "post" in document["paths"]["/api/v1/campaigns"]
    body_ref = document["paths"]["/api/v1/campaigns"]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]["$ref"]
    assert body_ref.endswith("/NewCampaign")
    assert "ring_seconds" in document["components"]["schemas"]["NewCampaign"]["properties"]


@pytest.mark.parametrize("path", ["/", "/api/v1/me"])
async def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = await client.get(path, allow_redirects=False)
    if path.startswith("/api/"):
        assert response.status == 401
    else:
        assert response.status == 302
        assert response.headers["Location"].startswith("/login")
