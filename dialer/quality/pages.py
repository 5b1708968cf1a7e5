"""The QA pages (Chinese and English): the reviewer's queue, a review with the recording's
player (seek by Range through the service) and the scorecard with comments at the
player's time, and the rep's own reviews to acknowledge. Forms post back and land on the
page again; the same rules as the API (``dialer.quality.qa``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from dialer import auth
from dialer.http import ConsoleLink, Problem, Role, Routes, path_int
from dialer.keys import now_of, pool_of
from dialer.quality.qa import (
    QUERIES,
    REVIEWERS,
    Comment,
    Reviewer,
    ReviewRefused,
    acknowledge,
    queue,
    review_detail,
    score_review,
)
from dialer.web import i18n
from dialer.web.pages import feature_templates, page_context

__all__ = ["QUERIES", "console_links", "routes", "zone"]

routes = Routes()
_environment = feature_templates(Path(__file__).parent / "templates")

i18n.register(
    {
        "qa_queue": {"zh": "质检队列", "en": "QA queue"},
        "qa_mine": {"zh": "我的质检", "en": "My reviews"},
        "qa_review": {"zh": "质检评分", "en": "QA review"},
        "qa_reason": {"zh": "抽检原因", "en": "Why sampled"},
        "qa_reason_random": {"zh": "随机抽检", "en": "Random"},
        "qa_reason_warm_lead": {"zh": "意向客户", "en": "Warm lead"},
        "qa_reason_complaint": {"zh": "投诉相关", "en": "Complaint"},
        "qa_reason_dnc_disposition": {"zh": "拒绝来电", "en": "DNC disposition"},
        "qa_reason_dispute": {"zh": "申诉复评", "en": "Dispute re-score"},
        "qa_rep": {"zh": "坐席", "en": "Rep"},
        "qa_open": {"zh": "评分", "en": "Score"},
        "qa_empty": {"zh": "暂无待评录音", "en": "Nothing waiting"},
        "qa_play": {"zh": "播放录音", "en": "Play recording"},
        "qa_passed": {"zh": "通过", "en": "Passed"},
        "qa_must_pass": {"zh": "必过项", "en": "Must pass"},
        "qa_comment": {"zh": "评语", "en": "Comment"},
        "qa_at_seconds": {"zh": "时间点(秒)", "en": "At (s)"},
        "qa_mark_time": {"zh": "取当前时间", "en": "Use player time"},
        "qa_submit": {"zh": "提交评分", "en": "Submit score"},
        "qa_score": {"zh": "得分", "en": "Score"},
        "qa_status": {"zh": "状态", "en": "Status"},
        "qa_status_scored": {"zh": "已评分", "en": "Scored"},
        "qa_status_acknowledged": {"zh": "已确认", "en": "Acknowledged"},
        "qa_status_disputed": {"zh": "申诉中", "en": "Disputed"},
        "qa_status_rescored": {"zh": "已复评", "en": "Re-scored"},
        "qa_acknowledge": {"zh": "确认", "en": "Acknowledge"},
        "qa_no_reviews": {"zh": "暂无质检记录", "en": "No reviews yet"},
    }
)

console_links: list[ConsoleLink] = [
    (role, "/qa", "qa_queue")
    for role in (Role.TEAM_LEADER, Role.QA_REVIEWER, Role.COMPLIANCE_OFFICER)
] + [(Role.TELESALES_REP, "/qa/mine", "qa_mine")]


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Problem(422, "Invalid time zone", f"unknown time zone {name!r}") from exc


def _reviewer(request: web.Request) -> Reviewer:
    user = auth.current_user(request)
    return Reviewer(user.user_id, user.role, user.team_id)


def _html(name: str, request: web.Request, **values: object) -> web.Response:
    html = _environment.get_template(name).render(**page_context(request), **values)
    return web.Response(text=html, content_type="text/html")


@routes.route("GET", "/qa", roles=set(REVIEWERS), summary="The QA queue.", api=False)
async def queue_page(request: web.Request) -> web.Response:
    waiting = await queue(pool_of(request), _reviewer(request))
    return _html("qa_queue.html", request, reviews=waiting, scored=request.query.get("scored", ""))


@routes.route(
    "GET", "/qa/reviews/{review_id}", roles=set(REVIEWERS), summary="Score a review.", api=False
)
async def review_page(request: web.Request) -> web.Response:
    try:
        review = await review_detail(
            pool_of(request), path_int(request, "review_id"), _reviewer(request)
        )
    except ReviewRefused as exc:
        raise Problem(exc.status, "Review not shown", str(exc)) from exc
    return _html("qa_review.html", request, review=review, error=request.query.get("error", ""))


@routes.route(
    "POST",
    "/qa/reviews/{review_id}/score",
    roles=set(REVIEWERS),
    summary="Score a review from its page.",
    api=False,
)
async def score_form(request: web.Request) -> web.Response:
    review_id = path_int(request, "review_id")
    form = await request.post()
    pool = pool_of(request)
    row = await pool.fetchrow(QUERIES["review"], review_id)
    if row is None:
        raise Problem(404, "Not found", f"No review {review_id}.")
    passed = {item["key"]: form.get(f"item_{item['key']}") == "on" for item in row["items"]}
    comments = []
    body = str(form.get("comment", "")).strip()
    if body:
        try:
            comments.append(Comment(Decimal(str(form.get("offset_seconds", "0")) or "0"), body))
        except InvalidOperation:
            return _back(f"/qa/reviews/{review_id}?error=offset")
    try:
        await score_review(pool, review_id, _reviewer(request), passed, comments, now_of(request))
    except ReviewRefused as exc:
        if exc.status == 403:
            raise Problem(403, "Not yours to score", str(exc)) from exc
        return _back(f"/qa/reviews/{review_id}?error={exc.status}")
    return _back(f"/qa?scored={review_id}")


def _back(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location})


@routes.route("GET", "/qa/mine", roles={Role.TELESALES_REP}, summary="My QA reviews.", api=False)
async def mine_page(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    reviews = [
        dict(r) for r in await pool_of(request).fetch(QUERIES["reviews_of_rep"], user.user_id)
    ]
    return _html("qa_mine.html", request, reviews=reviews)


@routes.route(
    "POST",
    "/qa/reviews/{review_id}/acknowledge",
    roles={Role.TELESALES_REP},
    summary="Acknowledge a review from my reviews page.",
    api=False,
)
async def acknowledge_form(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    try:
        await acknowledge(
            pool_of(request), path_int(request, "review_id"), user.user_id, now_of(request)
        )
    except ReviewRefused as exc:
        raise Problem(exc.status, "Not acknowledged", str(exc)) from exc
    return _back("/qa/mine")
