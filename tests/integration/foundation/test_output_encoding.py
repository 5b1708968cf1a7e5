"""Output encoding, security headers and sign-in redirects (issue 17, findings 7 and 8, and
the headers)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from dialer.http import Role
from dialer.web.security import safe_next, script_json
from tests.helpers import PASSWORD, make_user
from tests.integration.console.world import build_world

DIALER = Path(__file__).resolve().parents[3] / "dialer"
HOSTILE_NAME = "<!--<script>"


def test_embedded_json_escapes_everything_that_can_end_an_element_or_a_line() -> None:
    value = {"name": "</script><!--<script>&amp; \u2028\u2029 'x' \"y\""}
    text = script_json(value)
    for raw in ("<", ">", "&", "\u2028", "\u2029"):
        assert raw not in text
    assert json.loads(text) == value


async def test_a_campaign_named_like_markup_cannot_break_the_rep_page(
    client: TestClient, pool: asyncpg.Pool
) -> None:
    world = await build_world(pool)
    await pool.execute(
        "UPDATE campaigns SET name = $1 WHERE campaign_id = $2", HOSTILE_NAME, world.campaign_id
    )
    response = await client.post(
        "/api/v1/console/session",
        json={"campaign_id": world.campaign_id},
        headers=world.rep_headers,
    )
    assert response.status == 201, await response.text()
    html = await (await client.get("/rep", headers=world.rep_headers)).text()
    assert HOSTILE_NAME not in html
    assert "<!--" not in html
    initial = re.search(
        r'<script id="console-initial" type="application/json">(.*?)</script>', html, re.S
    )
    assert initial is not None
    assert "<" not in initial[1]
    assert json.loads(initial[1])["session"]["campaign_name"] == HOSTILE_NAME
    # the page still ends as written: nothing after the element was swallowed
    assert html.rstrip().endswith("</html>")


def test_no_template_has_inline_script_or_handlers() -> None:
    inline: list[str] = []
    for template in DIALER.glob("**/templates/**/*.html"):
        text = template.read_text("utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                inline.append(f"{template.name}: {tag}")
        inline += [f"{template.name}: {m}" for m in re.findall(r"\son[a-z]+=", text)]
        inline += [f"{template.name}: javascript:" for _ in re.findall("javascript:", text)]
    assert inline == []


@pytest.mark.parametrize(
    "path", ["/healthz", "/login", "/api/v1/accounts", "/static/console/rep.js", "/no-such-page"]
)
async def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = await client.get(path, allow_redirects=False)
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in directives["script-src"]
    assert directives["object-src"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Server"] == "dialer"


HOSTILE_NEXT = [
    "//evil.example/x",
    "/\\evil.example/x",
    "\\\\evil.example",
    "/\\/evil.example",
    "https://evil.example/x",
    "http:evil.example",
    "javascript:alert(1)",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_next_never_leaves_the_site(target: str) -> None:
    assert safe_next(target) == "/"


@pytest.mark.parametrize("target", ["/rep", "/leads/pool?branch=2", "/%2F%2Fevil.example"])
def test_next_keeps_paths_on_this_site(target: str) -> None:
    assert safe_next(target) == target


async def _sign_in(client: TestClient, query: str, next_field: str) -> tuple[str, str]:
    page = await client.get("/login?" + query)
    html = await page.text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    shown = re.search(r'name="next" value="([^"]*)"', html)
    assert token is not None and shown is not None
    response = await client.post(
        "/login",
        data={
            "username": "rep-one",
            "password": PASSWORD,
            "csrf_token": token[1],
            "next": next_field,
        },
        allow_redirects=False,
    )
    assert response.status == 302
    return shown[1], response.headers["Location"]


@pytest.mark.parametrize(
    "query",
    [
        "next=/%5Cevil.example/x",
        "next=%2F%2Fevil.example",
        "next=https%3A%2F%2Fevil.example",
        "next=%2F%09%2Fevil.example",
    ],
)
async def test_sign_in_redirects_stay_on_the_site(
    client: TestClient, pool: asyncpg.Pool, query: str
) -> None:
    await make_user(pool, Role.TELESALES_REP, "rep-one")
    hostile = parse_qs(query)["next"][0]
    shown, location = await _sign_in(client, query, hostile)
    assert (shown, location) == ("/", "/")


async def test_a_page_asked_for_before_sign_in_is_where_sign_in_leads(
    client: TestClient, pool: asyncpg.Pool
) -> None:
    await make_user(pool, Role.TELESALES_REP, "rep-one")
    response = await client.get("/rep?tab=calls&x=1", allow_redirects=False)
    assert response.status == 302
    login = response.headers["Location"]
    path, _, query = login.partition("?")
    assert (path, parse_qs(query)) == ("/login", {"next": ["/rep?tab=calls&x=1"]})
    _shown, location = await _sign_in(client, login.split("?", 1)[1], "/rep?tab=calls&x=1")
    assert location == "/rep?tab=calls&x=1"


async def test_a_method_the_api_route_does_not_take_is_405_naming_the_allowed(
    client: TestClient,
) -> None:
    response = await client.delete("/api/v1/accounts")
    assert response.status == 405
    assert response.content_type == "application/problem+json"
    assert "GET" in response.headers["Allow"]


async def test_the_openapi_document_is_as_strict_as_the_handlers(client: TestClient) -> None:
    document = await (await client.get("/api/openapi.json")).json()
    account = document["paths"]["/api/v1/accounts/{account_id}"]["get"]
    (parameter,) = account["parameters"]
    assert parameter["schema"] == {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}
    job = document["paths"]["/api/v1/lists/imports/jobs/{job_id}"]["get"]["parameters"][0]
    assert job["schema"]["type"] == "string"
    listing = {
        p["name"]: p["schema"] for p in document["paths"]["/api/v1/accounts"]["get"]["parameters"]
    }
    assert listing["limit"] == {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for parameter in operation.get("parameters", []):
                assert parameter["schema"], (method, path, parameter["name"])
    responses = lambda path, method: set(document["paths"][path][method]["responses"]) - {"default"}  # noqa: E731
    assert responses("/api/v1/lists/imports", "post") == {"202"}
    assert responses("/api/v1/console/state", "post") == {"200"}
    assert responses("/api/v1/console/dispositions", "post") == {"200", "201"}
    assert responses("/api/v1/campaigns", "post") == {"201"}
    assert responses("/api/v1/lists/presets/{name}", "delete") == {"204"}
