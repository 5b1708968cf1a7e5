"""The manager's next-accounts page lists the numbers in the order the hopper claims them,
each with its score and its reasons in the console's language, phones masked, access
logged."""

from __future__ import annotations

import re
from datetime import timedelta

from dialer.console.customer_pop import build_pop
from dialer.engine import hopper
from dialer.http import Role
from dialer.scoring.service import rescore_campaign, retrain_pass
from dialer.seed import seed
from tests.helpers import headers_for, make_user
from tests.integration.scoring.test_live_scoring import NOW, _campaign, _history


async def trained_campaign(pool) -> int:
    """A seeded campaign ranked by a model trained on a week of history."""
    await seed(pool, accounts=200, seed_value=11)
    rep = await make_user(pool, Role.TELESALES_REP, "rep-next")
    old = await _campaign(pool, "history")
    await _history(pool, old, rep)
    await pool.execute("UPDATE campaigns SET status = 'finished' WHERE campaign_id = $1", old)
    fresh = await _campaign(pool, "下月外呼")
    async with pool.acquire() as connection:
        await hopper.load_numbers(connection, fresh, NOW)
    await retrain_pass(pool, NOW)
    await rescore_campaign(pool, fresh, NOW)
    return fresh


async def test_next_accounts_follow_the_hopper_claim_order(client, pool):
    campaign = await trained_campaign(pool)
    # one due callback: it comes first, before every ranked number
    callback_phone = await pool.fetchval(
        "UPDATE campaign_numbers SET callback_due_at = $2 WHERE campaign_id = $1 AND phone_id ="
        " (SELECT max(phone_id) FROM campaign_numbers WHERE campaign_id = $1) RETURNING phone_id",
        campaign,
        NOW - timedelta(minutes=5),
    )
    manager = await headers_for(pool, Role.CAMPAIGN_MANAGER, "cm-next")
    await pool.execute("UPDATE users SET language = 'zh' WHERE username = 'cm-next'")
    page = await client.get(f"/manager/campaigns/{campaign}/next", headers=manager)
    assert page.status == 200
    html = await page.text()
    shown = [int(p) for p in re.findall(r'data-phone="(\d+)"', html)]
    assert len(shown) == 25 and shown[0] == callback_phone
    claimed = await hopper.claim(pool, campaign, NOW, 25, "engine-a")
    assert shown == [c.phone_id for c in claimed]
    # reasons in the manager's language (Chinese), codes on the page, phones masked
    assert "当地" in html and "接听率" in html and 'data-code="answers_at"' in html
    assert not any(c.e164 in html for c in claimed)
    logged = await pool.fetchval(
        "SELECT count(DISTINCT account_id) FROM customer_access_log WHERE reason = 'centre'"
    )
    assert logged == len({c.account_id for c in claimed})
    # reps may not open it
    rep = await headers_for(pool, Role.TELESALES_REP, "rep-nosee")
    refused = await client.get(f"/manager/campaigns/{campaign}/next", headers=rep)
    assert refused.status == 403


async def test_score_api_reasons_have_codes_params_and_text(client, pool):
    await trained_campaign(pool)
    account_id = await pool.fetchval("SELECT min(account_id) FROM accounts")
    admin = await headers_for(pool, Role.ADMIN, "admin-codes")
    body = await (
        await client.get(f"/api/v1/accounts/{account_id}/score?lang=zh", headers=admin)
    ).json()
    details = body["reason_details"]
    assert details[0]["code"] == "answers_at" and "接听率" in details[0]["text"]
    assert set(details[0]["params"]) == {"percent", "hour", "hour_end"}
    assert [d["code"] for d in details][0] == "answers_at"
    assert body["reasons"][0].startswith("answers ")  # the English list, kept
    english = await (
        await client.get(f"/api/v1/accounts/{account_id}/score?lang=en", headers=admin)
    ).json()
    assert [d["text"] for d in english["reason_details"]] == english["reasons"]


async def test_the_rep_pop_gives_the_reasons_in_the_rep_s_language(pool):
    await trained_campaign(pool)
    rep = await make_user(pool, Role.TELESALES_REP, "rep-zh")
    await pool.execute("UPDATE users SET language = 'zh' WHERE user_id = $1", rep)
    call = await pool.fetchval("SELECT min(call_attempt_id) FROM call_attempts")
    pop = await build_pop(pool, call, rep, NOW, "示例证券")
    assert pop is not None
    texts = [d["text"] for d in pop["score"]["reason_details"]]
    assert "接听率" in texts[0] and " · ".join(texts) != " · ".join(pop["score"]["reasons"])
