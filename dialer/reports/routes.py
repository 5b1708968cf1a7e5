"""Reports as a page with charts (ECharts, served from the package's static files), as
JSON, CSV and XLSX: per rep, team, sub-team, campaign, list, segment or branch, by day,
week or month; a team leader sees their own team's reps, sub-teams and team."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from dialer import auth
from dialer.http import ConsoleLink, Problem, Role, Routes, json_response
from dialer.keys import now_of, pool_of
from dialer.reports.report import (
    COLUMNS,
    FUNNEL,
    Report,
    build_report,
    cell,
    report_csv,
    report_xlsx,
)
from dialer.reports.tallies import CENTRE_TIME_ZONE, QUERIES, Bucket, Dimension, key_names, tallies
from dialer.teamlead import i18n_keys  # noqa: F401  (registers the figures' text)
from dialer.web import i18n
from dialer.web.i18n import translate
from dialer.web.pages import feature_templates, page_context
from figures.definitions import Figure

routes = Routes()
STATIC = Path(__file__).parent / "static"
static_folders = [("/reports/static", STATIC)]
_environment = feature_templates(Path(__file__).parent / "templates")
READERS = frozenset({Role.CAMPAIGN_MANAGER, Role.ADMIN, Role.TEAM_LEADER})
_TEAM_SCOPED = frozenset({Dimension.REP, Dimension.SUB_TEAM, Dimension.TEAM})
_MAX_DAYS = 400

i18n.register(
    {
        "reports": {"zh": "业务报表", "en": "Reports"},
        "report_dimension": {"zh": "维度", "en": "By"},
        "report_bucket": {"zh": "周期", "en": "Period"},
        "report_from": {"zh": "开始日期", "en": "From"},
        "report_to": {"zh": "结束日期(含)", "en": "To (inclusive)"},
        "report_show": {"zh": "生成报表", "en": "Show"},
        "report_total": {"zh": "合计", "en": "Total"},
        "report_funnel": {"zh": "转化漏斗", "en": "Funnel"},
        "report_by_bucket": {"zh": "按周期", "en": "By period"},
        "report_by_key": {"zh": "按对象", "en": "By row"},
        "report_no_rows": {"zh": "该期间没有记录", "en": "Nothing in this period"},
        "bucket": {"zh": "周期", "en": "Period"},
        "key": {"zh": "编号", "en": "Id"},
        "name": {"zh": "名称", "en": "Name"},
        "dimension_rep": {"zh": "坐席", "en": "Rep"},
        "dimension_team": {"zh": "班组", "en": "Team"},
        "dimension_sub_team": {"zh": "小组", "en": "Sub-team"},
        "dimension_campaign": {"zh": "活动", "en": "Campaign"},
        "dimension_list": {"zh": "名单", "en": "List"},
        "dimension_segment": {"zh": "客群", "en": "Segment"},
        "dimension_branch": {"zh": "营业部", "en": "Branch"},
        "bucket_day": {"zh": "日", "en": "Day"},
        "bucket_week": {"zh": "周", "en": "Week"},
        "bucket_month": {"zh": "月", "en": "Month"},
        "funnel_listed": {"zh": "名单客户", "en": "Listed"},
        "funnel_dialled": {"zh": "已外呼客户", "en": "Dialled"},
        "funnel_contacted": {"zh": "已接触客户", "en": "Contacted"},
        "funnel_warm_leads": {"zh": "意向", "en": "Warm leads"},
        "funnel_leads_won": {"zh": "成交", "en": "Won"},
        "funnel_revenue": {"zh": "收入(元)", "en": "Revenue (CNY)"},
    }
)

console_links: list[ConsoleLink] = [(role, "/reports", "reports") for role in sorted(READERS)]


def labels(language: str) -> dict[str, str]:
    keys = ["bucket", "key", "name"] + [f"funnel_{step}" for step in FUNNEL]
    found = {key: translate(key, language) for key in keys}
    return found | {f.value: translate(f"figure_{f.value}", language) for f in COLUMNS}


def _day(text: str | None, default: date, field: str) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise Problem(400, "Bad date", f"{field}: write the date as YYYY-MM-DD.") from exc


def _choice(enum: Any, text: str | None, default: Any, field: str) -> Any:
    try:
        return enum(text) if text else default
    except ValueError as exc:
        options = ", ".join(e.value for e in enum)
        raise Problem(400, f"Bad {field}", f"{field} is one of {options}.") from exc


async def _report(request: web.Request) -> Report:
    user = auth.current_user(request)
    now = now_of(request)
    zone = ZoneInfo(CENTRE_TIME_ZONE)
    today = now.astimezone(zone).date()
    dimension = _choice(Dimension, request.query.get("by"), Dimension.REP, "by")
    bucket = _choice(Bucket, request.query.get("bucket"), Bucket.DAY, "bucket")
    first = _day(request.query.get("from"), today.replace(day=1), "from")
    last = _day(request.query.get("to"), today, "to")
    if last < first or (last - first).days > _MAX_DAYS:
        raise Problem(400, "Bad period", f"'to' must follow 'from', at most {_MAX_DAYS} days on.")
    keep: set[str] | None = None
    pool = pool_of(request)
    if user.role is Role.TEAM_LEADER:
        if dimension not in _TEAM_SCOPED or user.team_id is None:
            raise Problem(403, "Not your team's", "A team leader reports on their own team.")
        keep = {
            str(r["key"])
            for r in await pool.fetch(QUERIES["team_keys"], user.team_id, dimension.value)
        }
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    found = await tallies(pool, dimension, bucket, start, end, now)
    accounts = dict(await pool.fetchrow(QUERIES["funnel_accounts"], start, end))
    return build_report(
        dimension, bucket, first, last + timedelta(days=1), found, await key_names(pool),
        accounts, keep,
    )  # fmt: skip


def _plain(value: Any) -> Any:
    return None if value is None else (float(value) if not isinstance(value, int) else value)


def chart_data(report: Report, language: str) -> dict[str, Any]:
    """What the page's charts draw: dials and contacts per bucket, the main figures per
    row, and the funnel."""
    buckets = sorted({row.bucket for row in report.rows})
    per_bucket: dict[str, dict[str, int]] = {
        b.isoformat(): {"dials": 0, "contacts": 0, "warm_leads": 0} for b in buckets
    }
    for row in report.rows:
        slot = per_bucket[row.bucket.isoformat()]
        for figure in ("dials", "contacts", "warm_leads"):
            slot[figure] += int(row.values[Figure(figure)] or 0)
    return {
        "labels": labels(language),
        "buckets": list(per_bucket),
        "per_bucket": per_bucket,
        "rows": [
            {
                "name": f"{row.name} {row.bucket.isoformat()}",
                "values": {f.value: _plain(cell(f, row.values[f])) for f in COLUMNS},
            }
            for row in report.rows
        ],
        "funnel": [{"step": s, "value": _plain(report.funnel[s])} for s in FUNNEL],
    }


@routes.route("GET", "/reports", roles=READERS, summary="Reports with charts.", api=False)
async def reports_page(request: web.Request) -> web.Response:
    report = await _report(request)
    context = page_context(request)
    data = json.dumps(chart_data(report, context["lang"]), ensure_ascii=False, default=str)
    html = _environment.get_template("reports.html").render(
        **context,
        report=report,
        columns=[f.value for f in COLUMNS],
        report_figures=list(COLUMNS),
        last_day=report.end - timedelta(days=1),
        cell=cell,
        funnel=FUNNEL,
        dimensions=[d.value for d in Dimension],
        buckets=[b.value for b in Bucket],
        query=request.query_string,
        chart_json=data.replace("</", "<\\/"),
    )
    return web.Response(text=html, content_type="text/html")


@routes.route(
    "GET", "/api/v1/reports", roles=READERS, summary="A report as JSON (?by=&bucket=&from=&to=)."
)
async def reports_api(request: web.Request) -> web.Response:
    report = await _report(request)
    return json_response(
        {
            "by": report.dimension.value,
            "bucket": report.bucket.value,
            "from": report.start.isoformat(),
            "to_exclusive": report.end.isoformat(),
            "rows": [
                {
                    "bucket": row.bucket.isoformat(),
                    "key": row.key,
                    "name": row.name,
                    **{f.value: cell(f, row.values[f]) for f in COLUMNS},
                }
                for row in report.rows
            ],  # fmt: skip
            "totals": {f.value: cell(f, report.totals[f]) for f in COLUMNS},
            "funnel": report.funnel,
        }
    )


def _file_name(report: Report, extension: str) -> str:
    return f"report-{report.dimension.value}-{report.bucket.value}-{report.start}.{extension}"


@routes.route("GET", "/reports/export.csv", roles=READERS, summary="A report as CSV.", api=False)
async def reports_csv(request: web.Request) -> web.Response:
    report = await _report(request)
    language = page_context(request)["lang"]
    return web.Response(
        text=report_csv(report, labels(language)),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_file_name(report, "csv")}"'},
    )


@routes.route("GET", "/reports/export.xlsx", roles=READERS, summary="A report as XLSX.", api=False)
async def reports_xlsx(request: web.Request) -> web.Response:
    report = await _report(request)
    language = page_context(request)["lang"]
    return web.Response(
        body=report_xlsx(report, labels(language)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_file_name(report, "xlsx")}"'},
    )
