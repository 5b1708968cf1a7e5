"""Monthly statements as a printable page and as CSV, each person seeing their own.

A rep sees their statement, a team leader their team's, an account manager theirs, a branch
manager their branch's; the centre (admin, campaign manager) sees every statement and the
month's reconciliation.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web

from dialer import auth
from dialer.http import ConsoleLink, Problem, Role, Routes
from dialer.keys import now_of, pool_of
from dialer.quality.coefficients import month_coefficients
from dialer.revenue.statements import check_month
from dialer.sql import load_queries
from dialer.web import i18n
from dialer.web.pages import feature_templates, page_context
from revenue.errors import RevenueError
from revenue.statements import Month, Statement, StatementKind, statements_csv

routes = Routes()
QUERIES = load_queries("dialer.revenue")
FIRM_ZONE = ZoneInfo("Asia/Shanghai")
_ALL = {
    Role.TELESALES_REP,
    Role.TEAM_LEADER,
    Role.ACCOUNT_MANAGER,
    Role.BRANCH_MANAGER,
    Role.CAMPAIGN_MANAGER,
    Role.ADMIN,
}
_CENTRE = {Role.CAMPAIGN_MANAGER, Role.ADMIN}

_environment = feature_templates(Path(__file__).parent / "templates")

i18n.register(
    {
        "statements": {"zh": "收入分成对账单", "en": "Revenue statements"},
        "month": {"zh": "月份", "en": "Month"},
        "show": {"zh": "查看", "en": "Show"},
        "print": {"zh": "打印", "en": "Print"},
        "no_statement": {"zh": "本月没有记录", "en": "Nothing this month"},
        "statement_rep": {"zh": "电话销售对账单", "en": "Rep statement"},
        "statement_team": {"zh": "班组对账单", "en": "Team statement"},
        "statement_account_manager": {"zh": "客户经理对账单", "en": "Account manager statement"},
        "statement_branch": {"zh": "营业部对账单", "en": "Branch statement"},
        "statement_firm": {"zh": "公司留存", "en": "Retained by the firm"},
        "booked": {"zh": "记账日期", "en": "Booked"},
        "entry": {"zh": "类别", "en": "Entry"},
        "conversion": {"zh": "转化", "en": "Conversion"},
        "lead": {"zh": "线索", "en": "Lead"},
        "call": {"zh": "通话", "en": "Call"},
        "rule": {"zh": "规则版本", "en": "Rule version"},
        "reason": {"zh": "说明", "en": "Note"},
        "multiplier": {"zh": "服务系数倍数", "en": "Service multiplier"},
        "amount": {"zh": "金额", "en": "Amount"},
        "total": {"zh": "合计", "en": "Total"},
        "coefficient": {"zh": "本月服务系数", "en": "This month's service coefficient"},
        "coefficient_made_of": {
            "zh": "成立投诉 {upheld} 件; 质检 {qa_reviews} 次, 均分 {qa_mean}; 短信评价 {sms} 条, 均分 {sms_mean}",
            "en": "{upheld} upheld complaint(s); {qa_reviews} QA review(s), mean {qa_mean}; "
            "{sms} SMS rating(s), mean {sms_mean}",
        },
        "coefficient_override": {"zh": "人工调整: {reason}", "en": "Set by hand: {reason}"},
    }
)

console_links: list[ConsoleLink] = [(role, "/revenue/statements", "statements") for role in _ALL]


def visible(statements: tuple[Statement, ...], user: auth.CurrentUser) -> list[Statement]:
    """The statements this user may see."""
    if user.role in _CENTRE:
        return list(statements)
    wanted = {
        Role.TELESALES_REP: (StatementKind.REP, user.user_id),
        Role.ACCOUNT_MANAGER: (StatementKind.ACCOUNT_MANAGER, user.user_id),
        Role.TEAM_LEADER: (StatementKind.TEAM, user.team_id),
        Role.BRANCH_MANAGER: (StatementKind.BRANCH, user.branch_id),
    }.get(user.role)
    if wanted is None or wanted[1] is None:
        return []
    kind, holder = wanted
    return [s for s in statements if s.kind is kind and s.holder_id == str(holder)]


def _month(request: web.Request, now: datetime) -> Month:
    text = request.query.get("month")
    if not text:
        return Month.of(now, FIRM_ZONE)
    try:
        return Month.parse(text)
    except RevenueError as exc:
        raise Problem(400, "Bad month", str(exc)) from exc


@routes.route(
    "GET",
    "/revenue/statements",
    roles=_ALL,
    summary="Your monthly revenue statement, printable.",
    api=False,
)
async def statements_page(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    pool = pool_of(request)
    month = _month(request, now_of(request))
    check = await check_month(pool, month, FIRM_ZONE)
    names = {
        (row["kind"], row["holder_id"]): row["name"]
        for row in await pool.fetch(QUERIES["statement_holder_names"])
    }
    html = _environment.get_template("revenue_statements.html").render(
        **page_context(request),
        month=str(month),
        statements=visible(check.statements.statements, user),
        reconciliation=check.reconciliation if user.role in _CENTRE else None,
        names=names,
        zone=FIRM_ZONE,
        coefficients={str(f.user_id): f for f in await month_coefficients(pool, month)},
    )
    return web.Response(text=html, content_type="text/html")


@routes.route(
    "GET",
    "/revenue/statements.csv",
    roles=_ALL,
    summary="Your monthly revenue statement as CSV.",
    api=False,
)
async def statements_download(request: web.Request) -> web.Response:
    user = auth.current_user(request)
    month = _month(request, now_of(request))
    check = await check_month(pool_of(request), month, FIRM_ZONE)
    return web.Response(
        text=statements_csv(visible(check.statements.statements, user)),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="statements-{month}.csv"'},
    )
