"""The campaign manager's pages render in both languages; the live WebSocket pushes the
floor from one query per refresh however many watch; the planner answers in the
background from a job row."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from dialer.http import Role
from dialer.keys import FLOOR_VIEWS
from dialer.routes.campaigns import NewCampaign, create_campaign
from dialer.seed import seed
from tests.helpers import headers_for


async def _campaign(pool) -> int:  # type: ignore[no-untyped-def]
    await seed(pool, accounts=120, seed_value=61)
    manager = await pool.fetchval("SELECT user_id FROM users WHERE username = 'campaigns'")
    return await create_campaign(
        pool,
        NewCampaign(
            name="回访 新开户",
            purpose="service",
            target_segments=["new", "dormant", "lapsed"],
            pacing_mode="predictive",
            jurisdiction="CN",
            caller_id="+862195500001",
            abandon_message="Example Securities service desk; we will call again.",
            coverage_target=0.9,
            coverage_days=7,
        ),
        manager,
    )


async def test_pages_render_for_managers_only(client, pool) -> None:
    campaign_id = await _campaign(pool)
    manager = await headers_for(pool, Role.CAMPAIGN_MANAGER, "cm-pages")
    rep = await headers_for(pool, Role.TELESALES_REP, "rep-pages")
    for path in (
        "/manager/campaigns",
        "/manager/campaigns/new",
        f"/manager/campaigns/{campaign_id}/edit",
        f"/manager/campaigns/{campaign_id}",
        f"/manager/planner?campaign={campaign_id}",
    ):
        page = await client.get(path, headers=manager)
        assert page.status == 200, path
        html = await page.text()
        assert "<script>" not in html and "onclick" not in html  # no inline script
        assert (await client.get(path, headers=rep)).status == 403
    listing = await (await client.get("/manager/campaigns", headers=manager)).text()
    assert "回访 新开户" in listing and "90%" in listing
    # this manager reads English (the e2e test reads Chinese)
    assert "Coverage" in listing and "Service (回访)" in listing
    script = await client.get("/manager/static/campaign-form.js")
    assert script.status == 200


async def test_the_floor_is_one_query_per_refresh_for_every_viewer(client, pool) -> None:
    campaign_id = await _campaign(pool)
    await pool.execute("SELECT 1")
    manager = await headers_for(pool, Role.CAMPAIGN_MANAGER, "cm-live")
    views = client.app[FLOOR_VIEWS]
    sockets = [
        await client.ws_connect(f"/manager/campaigns/{campaign_id}/ws", headers=manager)
        for _ in range(5)
    ]
    floors = [await socket.receive_json(timeout=5) for socket in sockets]
    assert all(f["kind"] == "floor" for f in floors)
    floor = floors[0]["floor"]
    assert floor["calls"]["dials"] == 0 and floor["reps"] == []
    assert floor["abandon"]["target"] == 0.025 and floor["abandon"]["cap"] == 0.03
    # five viewers opened within one refresh: one query
    assert views.queries == 1
    await asyncio.sleep(views.refresh_seconds * 2.5)
    for socket in sockets:
        await socket.close()
    assert views.queries <= 4  # a refresh a second, not one per viewer


async def test_the_planner_answers_a_what_if(client, pool) -> None:
    campaign_id = await _campaign(pool)
    manager = await headers_for(pool, Role.CAMPAIGN_MANAGER, "cm-plan")
    asked = await client.post(
        f"/api/v1/campaigns/{campaign_id}/forecasts",
        json={
            "deadline": (date.today() + timedelta(days=14)).isoformat(),
            "hours_per_day": 6,
            "max_reps": 20,
        },
        headers=manager,
    )
    assert asked.status == 202, await asked.text()
    job_id = (await asked.json())["planner_job_id"]
    for _ in range(600):
        job = await (await client.get(f"/api/v1/forecasts/{job_id}", headers=manager)).json()
        if job["status"] in ("done", "failed"):
            break
        await asyncio.sleep(0.1)
    assert job["status"] == "done", job
    forecast = job["result"]["forecast"]
    # a draft's numbers are what its start would queue, counted and rolled back
    queued_now = await pool.fetchval(
        "SELECT count(*) FROM campaign_numbers WHERE campaign_id = $1", campaign_id
    )
    assert queued_now == 0
    assert forecast["numbers_left"] > 0
    assert forecast["reps_needed"] is not None and 1 <= forecast["reps_needed"] <= 20
    assert forecast["dials_per_hour"] * forecast["hours_available"] >= forecast["dials_needed"]
    assert job["result"]["basis"]["learned_from_dials"] == 0  # no calls yet: the defaults
