"""The what-if planner's page (`/manager/planner`) and API: ask a question (a job row),
read its answer, and what happened since."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from dialer import auth
from dialer.http import Problem, Routes, json_response, path_int, read_body
from dialer.keys import PLANNER, now_of, pool_of
from dialer.manager.campaign_pages import MANAGERS, render
from dialer.manager.planner import PlannerQuestion
from dialer.sql import load_queries

routes = Routes()
QUERIES = load_queries("dialer.manager")


async def _campaign(request: web.Request, campaign_id: int) -> Any:
    row = await pool_of(request).fetchrow(QUERIES["planner_campaign"], campaign_id)
    if row is None:
        raise Problem(404, "Not found", f"No campaign {campaign_id}.")
    return row


@routes.route(
    "POST",
    "/api/v1/campaigns/{campaign_id}/forecasts",
    roles=MANAGERS,
    summary="Ask the what-if planner (a background job): how many reps finish the list by "
    "the deadline, and how many warm leads.",
    body=PlannerQuestion,
)
async def ask(request: web.Request) -> web.Response:
    campaign_id = path_int(request, "campaign_id")
    question = await read_body(request, PlannerQuestion)
    await _campaign(request, campaign_id)
    now = now_of(request)
    if question.deadline < now.date() - timedelta(days=1):
        raise Problem(
            422, "Invalid request", errors=[{"field": "deadline", "message": "in the past"}]
        )
    job_id = await pool_of(request).fetchval(
        QUERIES["insert_planner_job"],
        campaign_id,
        question.model_dump(mode="json"),
        auth.current_user(request).user_id,
        now,
    )
    if (runner := request.app.get(PLANNER)) is not None:
        runner.wake.set()  # this process runs jobs too: no need to wait for its poll
    return json_response({"planner_job_id": job_id, "status": "queued"}, status=202)


@routes.route(
    "GET",
    "/api/v1/forecasts/{job_id}",
    roles=MANAGERS,
    summary="A what-if question's answer (status queued, running, done or failed), with the "
    "campaign's dials per day since it was asked.",
)
async def answer(request: web.Request) -> web.Response:
    job_id = path_int(request, "job_id")
    pool = pool_of(request)
    job = await pool.fetchrow(QUERIES["planner_job"], job_id)
    if job is None:
        raise Problem(404, "Not found", f"No forecast {job_id}.")
    result = job["result"]
    actual = []
    if result is not None:
        actual = [
            {"day": r["day"].isoformat(), "dials": r["dials"]}
            for r in await pool.fetch(
                QUERIES["dials_by_day"], job["campaign_id"], job["created_at"], result["time_zone"]
            )
        ]
    return json_response(dict(job) | {"actual": actual})


@routes.route("GET", "/manager/planner", roles=MANAGERS, summary="The what-if planner.", api=False)
async def planner_page(request: web.Request) -> web.Response:
    pool = pool_of(request)
    campaigns = await pool.fetch(
        "SELECT campaign_id, name, status FROM campaigns WHERE status <> 'finished'"
        " ORDER BY campaign_id DESC"
    )
    chosen = request.query.get("campaign", "")
    campaign_id = int(chosen) if chosen.isdigit() else None
    if campaign_id is None and campaigns:
        campaign_id = campaigns[0]["campaign_id"]
    history = await pool.fetch(QUERIES["planner_jobs_of"], campaign_id) if campaign_id else []
    today = now_of(request).date()
    friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
    return render(
        request,
        "manager_planner.html",
        campaigns=campaigns,
        campaign_id=campaign_id,
        history=history,
        default_deadline=friday.isoformat(),
    )
