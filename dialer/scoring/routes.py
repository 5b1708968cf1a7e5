"""GET /api/v1/accounts/{account_id}/score: the learned score of an account and why.

Who may read it follows the customer record's rule (dialer/routes/customers.py): the same
roles, branch staff only for their own branch's customers.
"""

from __future__ import annotations

from aiohttp import web

from dialer import auth
from dialer.http import Problem, Routes, json_response, path_int
from dialer.keys import now_of, pool_of
from dialer.routes.customers import BRANCH_SCOPED, VIEWERS
from dialer.scoring.service import QUERIES, account_reasons

routes = Routes()


@routes.route(
    "GET",
    "/api/v1/accounts/{account_id}/score",
    roles=VIEWERS,
    summary="An account's learned contact and lead propensity now, best hour and top reasons"
    " (`reasons`: English texts; `reason_details`: code, params and text in `?lang=zh|en`).",
)
async def account_score(request: web.Request) -> web.Response:
    account_id = path_int(request, "account_id")
    user = auth.current_user(request)
    pool = pool_of(request)
    row = await pool.fetchrow(QUERIES["account_facts"], account_id)
    if row is None or (user.role in BRANCH_SCOPED and row["branch_id"] != user.branch_id):
        raise Problem(404, "Not found", f"No account {account_id}.")
    campaign = request.query.get("campaign_id")
    if campaign is not None and not campaign.isdigit():
        raise Problem(400, "Bad request", "campaign_id must be an integer.")
    language = user.language if user.language in ("zh", "en") else "zh"
    language = request.query.get("lang", language)
    score = await account_reasons(
        pool, account_id, int(campaign) if campaign else None, now_of(request), language
    )
    if score is None:
        return json_response(
            {
                "account_id": account_id,
                "model_version": None,
                "scope": None,
                "reasons": [row["tier"]],
                "note": "no model trained yet: the hopper dials in tier order",
            }
        )
    return json_response({"account_id": account_id, **score})
