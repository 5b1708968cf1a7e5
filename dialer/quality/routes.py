"""The quality API: the QA queue, scoring, acknowledging and disputing reviews, the day's
sample, the excellent-recording library, QA figures and service coefficients per month,
and the complaints register. The QA pages are in ``pages``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from dialer.auth import CurrentUser, current_user
from dialer.http import Problem, Role, Routes, json_response, path_int, read_body
from dialer.keys import now_of, pool_of
from dialer.quality import complaints as register
from dialer.quality import pages
from dialer.quality.coefficients import month_bounds, month_coefficients
from dialer.quality.qa import (
    REVIEWERS,
    Comment,
    Reviewer,
    ReviewRefused,
    acknowledge,
    add_excellent,
    dispute,
    qa_figures,
    queue,
    review_detail,
    sample_day,
    score_review,
)
from dialer.recordings.access import may_listen
from dialer.recordings.recorder import QUERIES as RECORDING_QUERIES
from revenue.errors import RevenueError
from revenue.statements import Month

routes = Routes()
routes.specs.extend(pages.routes.specs)
console_links = pages.console_links

_REVIEWERS = set(REVIEWERS)
_REPS = {Role.TELESALES_REP}
_FIGURES = {Role.TEAM_LEADER, Role.QA_REVIEWER, Role.COMPLIANCE_OFFICER, Role.ADMIN}
_COMPLAINTS = {Role.COMPLIANCE_OFFICER, Role.ADMIN, Role.QA_REVIEWER}


def reviewer_of(user: CurrentUser) -> Reviewer:
    return Reviewer(user.user_id, user.role, user.team_id)


def refused(exc: ReviewRefused) -> Problem:
    return Problem(exc.status, "Review step refused", str(exc))


class ScoreBody(BaseModel):
    items: dict[str, bool]
    comments: list[dict[str, str | float | int]] = Field(default_factory=list, max_length=100)


class DisputeBody(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class SampleBody(BaseModel):
    day: date
    time_zone: str = "Asia/Shanghai"


class ExcellentBody(BaseModel):
    recording_id: int
    review_id: int | None = None
    note: str = Field(default="", max_length=2000)


@routes.route("GET", "/api/v1/qa/queue", roles=_REVIEWERS, summary="Reviews waiting for you.")
async def qa_queue(request: web.Request) -> web.Response:
    return json_response(
        {"reviews": await queue(pool_of(request), reviewer_of(current_user(request)))}
    )


@routes.route(
    "GET",
    "/api/v1/qa/reviews/{review_id}",
    roles=_REVIEWERS | _REPS,
    summary="A review: its items, score and comments at time offsets.",
)
async def qa_review(request: web.Request) -> web.Response:
    try:
        detail = await review_detail(
            pool_of(request), path_int(request, "review_id"), reviewer_of(current_user(request))
        )
    except ReviewRefused as exc:
        raise refused(exc) from exc
    return json_response(detail)


def comments_of(raw: list[dict[str, str | float | int]]) -> list[Comment]:
    try:
        return [Comment(Decimal(str(c["offset_seconds"])), str(c["body"])) for c in raw]
    except (KeyError, ArithmeticError) as exc:
        raise Problem(422, "Invalid comment", "each comment has offset_seconds and body") from exc


@routes.route(
    "POST",
    "/api/v1/qa/reviews/{review_id}/score",
    roles=_REVIEWERS,
    summary="Score a review on its scorecard, with comments at time offsets.",
    body=ScoreBody,
)
async def qa_score(request: web.Request) -> web.Response:
    body = await read_body(request, ScoreBody)
    try:
        score, failed = await score_review(
            pool_of(request),
            path_int(request, "review_id"),
            reviewer_of(current_user(request)),
            body.items,
            comments_of(body.comments),
            now_of(request),
        )
    except ReviewRefused as exc:
        raise refused(exc) from exc
    return json_response({"score": score, "must_pass_failed": failed})


@routes.route(
    "POST",
    "/api/v1/qa/reviews/{review_id}/acknowledge",
    roles=_REPS,
    summary="The rep acknowledges their review.",
)
async def qa_acknowledge(request: web.Request) -> web.Response:
    try:
        await acknowledge(
            pool_of(request),
            path_int(request, "review_id"),
            current_user(request).user_id,
            now_of(request),
        )
    except ReviewRefused as exc:
        raise refused(exc) from exc
    return json_response({"status": "acknowledged"})


@routes.route(
    "POST",
    "/api/v1/qa/reviews/{review_id}/dispute",
    roles=_REPS,
    summary="The rep disputes their review once; another reviewer re-scores it.",
    body=DisputeBody,
)
async def qa_dispute(request: web.Request) -> web.Response:
    body = await read_body(request, DisputeBody)
    try:
        new_id = await dispute(
            pool_of(request),
            path_int(request, "review_id"),
            current_user(request).user_id,
            body.reason,
            now_of(request),
        )
    except ReviewRefused as exc:
        raise refused(exc) from exc
    return json_response({"rescore_review_id": new_id}, status=201)


@routes.route(
    "POST",
    "/api/v1/qa/sample",
    roles={Role.QA_REVIEWER, Role.TEAM_LEADER, Role.ADMIN},
    summary="Queue a day's sample for every team with a sampling plan.",
    body=SampleBody,
    statuses=(200,),
)
async def qa_sample(request: web.Request) -> web.Response:
    body = await read_body(request, SampleBody)
    queued = await sample_day(
        pool_of(request), body.day, tz=pages.zone(body.time_zone), now=now_of(request)
    )
    return json_response({"queued": queued})


@routes.route(
    "POST",
    "/api/v1/qa/excellent",
    roles={Role.QA_REVIEWER, Role.TEAM_LEADER},
    summary="Add a recording to the excellent-recording library (a serial number).",
    body=ExcellentBody,
)
async def qa_add_excellent(request: web.Request) -> web.Response:
    body = await read_body(request, ExcellentBody)
    user = current_user(request)
    pool = pool_of(request)
    facts = await pool.fetchrow(RECORDING_QUERIES["recording_facts"], body.recording_id)
    if facts is None or not may_listen(
        user.role, user.user_id, user.team_id, facts["rep_user_id"], facts["rep_team_id"]
    ):
        raise Problem(404, "Not found", f"No recording {body.recording_id} you may hear.")
    try:
        serial = await add_excellent(
            pool,
            body.recording_id,
            review_id=body.review_id,
            nominated_by=user.user_id,
            note=body.note,
            now=now_of(request),
        )
    except ReviewRefused as exc:
        raise refused(exc) from exc
    return json_response({"serial": serial}, status=201)


@routes.route(
    "GET",
    "/api/v1/qa/excellent",
    roles=_REVIEWERS | _REPS,
    summary="The excellent-recording library, by serial number.",
)
async def qa_library(request: web.Request) -> web.Response:
    rows = await pool_of(request).fetch(pages.QUERIES["excellent_library"])
    return json_response({"recordings": [dict(r) for r in rows]})


def _month(request: web.Request) -> Month:
    try:
        return Month.parse(request.query.get("month", ""))
    except RevenueError as exc:
        raise Problem(422, "Invalid month", str(exc)) from exc


@routes.route(
    "GET",
    "/api/v1/qa/figures",
    roles=_FIGURES,
    summary="QA figures per rep (and team) for ?month=YYYY-MM.",
)
async def qa_month_figures(request: web.Request) -> web.Response:
    month = _month(request)
    start, end = month_bounds(month, pages.zone(request.query.get("time_zone", "Asia/Shanghai")))
    return json_response(
        {"month": str(month), "reps": await qa_figures(pool_of(request), start, end)}
    )


@routes.route(
    "GET",
    "/api/v1/service-coefficients",
    roles=_FIGURES | {Role.CAMPAIGN_MANAGER, Role.BRANCH_MANAGER},
    summary="The month's standing service coefficient per person and what made it.",
)
async def coefficients(request: web.Request) -> web.Response:
    month = _month(request)
    figures = await month_coefficients(pool_of(request), month)
    return json_response(
        {
            "month": str(month),
            "people": [
                {
                    "user_id": f.user_id,
                    "score": f.score,
                    "rule_version": f.rule_version,
                    "inputs": f.inputs,
                    "override_reason": f.override_reason,
                }
                for f in figures
            ],
        }
    )


class ComplaintBody(BaseModel):
    account_id: int
    source: Literal["customer", "branch", "regulator"]
    summary: str = Field(min_length=1, max_length=4000)
    received_at: datetime
    call_ids: list[int] = Field(default_factory=list, max_length=50)
    people: list[int] = Field(default_factory=list, max_length=50)
    about_marketing: bool = True


class CloseBody(BaseModel):
    upheld: bool
    finding: str = Field(min_length=1, max_length=4000)
    recording_ids: list[int] = Field(default_factory=list, max_length=50)
    review_ids: list[int] = Field(default_factory=list, max_length=50)
    apply_dnc: bool = False


@routes.route(
    "POST",
    "/api/v1/complaints",
    roles=_COMPLAINTS,
    summary="Lodge a complaint.",
    body=ComplaintBody,
)
async def lodge(request: web.Request) -> web.Response:
    body = await read_body(request, ComplaintBody)
    try:
        complaint_id = await register.lodge_complaint(
            pool_of(request),
            account_id=body.account_id,
            source=body.source,
            summary=body.summary,
            received_at=body.received_at,
            call_ids=tuple(body.call_ids),
            people=tuple(body.people),
            about_marketing=body.about_marketing,
            recorded_by=current_user(request).user_id,
            now=now_of(request),
        )
    except register.ComplaintError as exc:
        raise Problem(422, "Complaint refused", str(exc)) from exc
    return json_response(await register.complaint(pool_of(request), complaint_id), status=201)


@routes.route(
    "POST",
    "/api/v1/complaints/{complaint_id}/investigate",
    roles=_COMPLAINTS,
    summary="Start investigating a complaint.",
)
async def investigate(request: web.Request) -> web.Response:
    complaint_id = path_int(request, "complaint_id")
    try:
        await register.start_investigation(
            pool_of(request),
            complaint_id,
            investigator_id=current_user(request).user_id,
            now=now_of(request),
        )
    except register.ComplaintError as exc:
        raise Problem(409, "Complaint not open", str(exc)) from exc
    return json_response(await register.complaint(pool_of(request), complaint_id))


@routes.route(
    "POST",
    "/api/v1/complaints/{complaint_id}/close",
    roles=_COMPLAINTS,
    summary="Close a complaint upheld or not, with the evidence; optionally put the DNC on.",
    body=CloseBody,
)
async def close(request: web.Request) -> web.Response:
    body = await read_body(request, CloseBody)
    complaint_id = path_int(request, "complaint_id")
    try:
        await register.close_complaint(
            pool_of(request),
            complaint_id,
            upheld=body.upheld,
            finding=body.finding,
            evidence=register.Evidence(tuple(body.recording_ids), tuple(body.review_ids)),
            closed_by=current_user(request).user_id,
            now=now_of(request),
            apply_dnc=body.apply_dnc,
        )
    except register.ComplaintError as exc:
        raise Problem(409, "Complaint not closed", str(exc)) from exc
    return json_response(await register.complaint(pool_of(request), complaint_id))


@routes.route("GET", "/api/v1/complaints/{complaint_id}", roles=_COMPLAINTS, summary="A complaint.")
async def show(request: web.Request) -> web.Response:
    found = await register.complaint(pool_of(request), path_int(request, "complaint_id"))
    if found is None:
        raise Problem(404, "Not found", "No such complaint.")
    return json_response(found)
