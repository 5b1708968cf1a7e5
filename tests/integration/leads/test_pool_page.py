"""The centre's pool page: a campaign manager signed in with a session sees the pool in their
language, longest waiting first, and re-routes from it with the session's CSRF token; a
refusal is shown in the lead's row with the API's status; branch staff cannot open it, and
the branch's expired tab says whether the centre has re-routed the lead since."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

import dialer.leads.pool_pages  # noqa: F401  (registers the page's text)
from dialer.http import Role
from dialer.leads.handoff import WarmLead, hand_off
from dialer.web.i18n import LANGUAGES, MESSAGES
from tests.helpers import PASSWORD, token_headers
from tests.helpers import make_user as make_person

from .conftest import Brokerage, make_account, make_user
from .test_lead_pool import Clock, expired_lead
from .test_sla import MONDAY_10, WEEKDAYS

TEMPLATE = (
    Path(__file__).resolve().parents[3] / "dialer" / "leads" / "templates" / "leads_pool.html"
)


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_10)


@pytest.fixture
async def client(settings: Any, pool: asyncpg.Pool, clock: Clock) -> AsyncIterator[Any]:
    from aiohttp.test_utils import TestClient, TestServer

    from dialer.app import create_app

    async with TestClient(TestServer(create_app(settings, pool=pool, clock=clock))) as test:
        yield test


async def sign_in(client: Any, username: str) -> str:
    """Signs in with a session cookie; returns the session's CSRF token from the pool page."""
    login = await (await client.get("/login")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', login)[1]  # type: ignore[index]
    response = await client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
        allow_redirects=False,
    )
    assert response.status == 302
    page = await (await client.get("/leads/pool")).text()
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]  # type: ignore[index]


def row(html: str, lead_id: int) -> str:
    match = re.search(rf'<tr id="lead-{lead_id}".*?</tr>', html, re.S)
    assert match, f"no row for lead {lead_id}"
    return match[0]


def test_every_key_the_pool_page_uses_has_both_languages() -> None:
    used = set(re.findall(r"t\('([a-z_]+)'\)", TEMPLATE.read_text("utf-8")))
    used |= {key for key in MESSAGES if key.startswith("pool_refused_")}
    for key in sorted(used):
        for language in LANGUAGES:
            assert MESSAGES[key][language].strip(), (key, language)


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_the_pool_page_in_the_managers_language_and_a_reroute_from_it(
    client: Any, brokerage: Brokerage, clock: Clock, language: str
) -> None:
    b = brokerage
    await b.pool.execute(
        "UPDATE branches SET lead_assignment = 'round_robin' WHERE branch_id = $1", b.branch_b
    )
    (manager_b,) = await b.account_managers(b.branch_b, "am-b", 1)
    await b.pool.execute("UPDATE users SET display_name = 'Zhou Min' WHERE user_id = $1", manager_b)
    (manager_a,) = await b.account_managers(b.branch_a, "am-a", 1)
    await b.pool.execute(
        "UPDATE accounts SET tier = 'gold' WHERE account_id = $1",
        orphan_account := await make_account(b.pool, "Orphan <b>x</b>", b.branch_a),
    )
    older = await expired_lead(b, orphan_account, clock)
    owned = await expired_lead(b, await make_account(b.pool, "Owned", b.branch_a, manager_a), clock)
    clock.now += timedelta(days=1, hours=2)
    await make_person(b.pool, Role.CAMPAIGN_MANAGER, "cm", language=language)
    home = await (await client.get("/")).text()
    assert "/leads/pool" not in home  # not signed in yet
    csrf = await sign_in(client, "cm")
    assert 'href="/leads/pool"' in await (await client.get("/")).text()

    page = await client.get("/leads/pool")
    html = await page.text()
    assert page.status == 200
    assert html.index(f'id="lead-{older}"') < html.index(f'id="lead-{owned}"')
    assert "<b>x</b>" not in html  # escaped
    orphan_row = row(html, older)
    title, *in_row = {
        "zh": ["中心线索池", "无主客户", "金卡", "BR-A", "1天 3小时", "重新分配"],
        "en": ["Lead pool", "Orphan", "Gold", "BR-A", "1d 3h", "Re-route"],
    }[language]
    assert f'<h1 id="pool-title">{title}</h1>' in html
    for text in in_row:
        assert text in orphan_row, text
    # The orphan's branch is chosen by default; the owned customer's goes to their manager.
    assert re.search(rf'<option value="{b.branch_a}" selected>', orphan_row)
    owned_row = row(html, owned)
    assert 'name="branch_id"' not in owned_row
    assert "am-a0 · BR-A" in owned_row

    # Without the session's CSRF token nothing happens.
    forged = await client.post(
        f"/leads/pool/{older}/reroute", data={"branch_id": str(b.branch_b)}, allow_redirects=False
    )
    assert forged.status == 403
    response = await client.post(
        f"/leads/pool/{older}/reroute",
        data={"branch_id": str(b.branch_b), "csrf_token": csrf},
        allow_redirects=False,
    )
    assert response.status == 302
    assert response.headers["Location"] == f"/leads/pool?rerouted={older}"
    after = await (await client.get(response.headers["Location"])).text()
    assert f'id="lead-{older}"' not in after
    outcome = re.search(r'<p role="status" id="outcome".*?</p>', after, re.S)[0]  # type: ignore[index]
    assert "BR-B" in outcome and "Zhou Min" in outcome
    new_id = await b.pool.fetchval("SELECT rerouted_to FROM leads WHERE lead_id = $1", older)
    assert f'data-new-lead-id="{new_id}"' in outcome
    assert (
        await b.pool.fetchval("SELECT assigned_to FROM leads WHERE lead_id = $1", new_id)
        == manager_b
    )


async def test_refusals_are_shown_in_the_leads_row_with_the_api_status(
    client: Any, brokerage: Brokerage, clock: Clock
) -> None:
    b = brokerage
    account = await make_account(b.pool, "Called again", b.branch_a)
    lead_id = await expired_lead(b, account, clock)
    fresh = await hand_off(
        b.pool,
        WarmLead(account_id=account, campaign_id=b.campaign, rep_user_id=b.rep, product_id=b.fund),
        clock.now,
        WEEKDAYS,
    )
    nobody = await hand_off(
        b.pool,
        WarmLead(
            account_id=await make_account(b.pool, "No branch", None),
            campaign_id=b.campaign,
            rep_user_id=b.rep,
        ),
        clock.now,
    )
    await make_person(b.pool, Role.CAMPAIGN_MANAGER, "cm", language="en")
    csrf = await sign_in(client, "cm")

    open_lead = await client.post(
        f"/leads/pool/{lead_id}/reroute", data={"branch_id": "", "csrf_token": csrf}
    )
    assert open_lead.status == 409
    refusal = row(await open_lead.text(), lead_id)
    assert 'id="refusal-' in refusal
    assert "(409)" in refusal and f"lead {fresh.lead_id}" in refusal
    assert "open lead for this product" in refusal

    # A customer with no branch: the page offers no branch by default, and the API's 422.
    page = await (await client.get("/leads/pool")).text()
    assert '<option value="" selected>Choose a branch</option>' in row(page, nobody.lead_id)
    unnamed = await client.post(
        f"/leads/pool/{nobody.lead_id}/reroute", data={"branch_id": "", "csrf_token": csrf}
    )
    assert unnamed.status == 422
    assert "name the branch" in row(await unnamed.text(), nobody.lead_id)
    assert await b.pool.fetchval("SELECT count(*) FROM audit_log WHERE kind = 'lead_rerouted'") == 0


async def test_branch_staff_cannot_open_the_pool_page_and_their_expired_tab_shows_the_reroute(
    client: Any, brokerage: Brokerage, clock: Clock
) -> None:
    b = brokerage
    boss_id = await make_user(b.pool, "boss-a", "branch_manager", branch_id=b.branch_a)
    boss = await token_headers(b.pool, boss_id)
    centre = await token_headers(b.pool, await make_user(b.pool, "cm", "campaign_manager"))
    waiting = await expired_lead(b, await make_account(b.pool, "Waiting", b.branch_a), clock)
    moved = await expired_lead(b, await make_account(b.pool, "Moved", b.branch_a), clock)
    assert (await client.get("/leads/pool", headers=boss)).status == 403
    assert (await client.post(f"/leads/pool/{moved}/reroute", data={}, headers=boss)).status == 403
    response = await client.post(f"/leads/pool/{moved}/reroute", data={}, headers=centre)
    assert response.status == 200  # followed the redirect back to the page

    expired = await (await client.get("/branch/leads?state=expired", headers=boss)).text()
    assert 'data-rerouted="yes">已由中心重新分配' in row(expired, moved)
    assert 'data-rerouted="no">在中心线索池' in row(expired, waiting)


async def test_reading_the_pool_page_logs_each_customer_shown(
    client: Any, brokerage: Brokerage, clock: Clock
) -> None:
    b = brokerage
    first = await make_account(b.pool, "Shown one", b.branch_a)
    second = await make_account(b.pool, "Shown two", b.branch_a)
    await expired_lead(b, first, clock)
    await expired_lead(b, second, clock)
    clock.now += timedelta(days=1, hours=2)
    user_id = await make_person(b.pool, Role.CAMPAIGN_MANAGER, "cm-log")
    await sign_in(client, "cm-log")  # reads the pool page once
    rows = await b.pool.fetch(
        "SELECT user_id, role, account_id, route, reason, at FROM customer_access_log"
        " WHERE route LIKE '%pool%' AND user_id = $1 ORDER BY account_id",
        user_id,
    )
    assert [(r["account_id"], r["reason"], r["role"]) for r in rows] == [
        (first, "centre", "campaign_manager"),
        (second, "centre", "campaign_manager"),
    ]
    assert all(r["at"] == clock.now for r in rows)
