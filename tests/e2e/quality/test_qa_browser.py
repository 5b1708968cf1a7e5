"""Browser tests of QA review: a team leader plays a sampled call's recording through the
service and scores it with a comment at the player's time; the rep acknowledges it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dialer.quality.qa import ensure_default_scorecard, sample_day, set_sampling_plan
from tests.e2e.conftest import screenshot
from tests.e2e.leads.test_inbox import sign_in
from tests.integration.quality.world import DAY_START, build_qa_world

pytestmark = pytest.mark.browser


async def _queued_review(pool) -> tuple[object, int]:
    from zoneinfo import ZoneInfo

    world = await build_qa_world(pool, calls_per_rep=2)
    scorecard = await ensure_default_scorecard(pool, DAY_START)
    team = await pool.fetchval("SELECT team_id FROM users WHERE user_id = $1", world.reps[0])
    await set_sampling_plan(pool, team, random_share=Decimal("0"), scorecard_id=scorecard)
    await sample_day(pool, DAY_START.date(), tz=ZoneInfo("Asia/Shanghai"), now=DAY_START)
    review_id = await pool.fetchval(
        "SELECT review_id FROM qa_reviews WHERE rep_user_id = $1 AND reason = 'warm_lead'",
        world.reps[0],
    )
    return world, review_id


async def test_a_team_leader_plays_a_recording_and_scores_it(live_server, page, pool) -> None:
    world, review_id = await _queued_review(pool)
    await sign_in(page, live_server, "leader-a")
    await page.click("a[href='/qa']")
    await page.wait_for_selector(f"#review-{review_id}")
    await page.click(f"#open-{review_id}")
    await page.wait_for_selector("#player")
    await page.click("#play")
    await page.wait_for_function(
        "() => document.getElementById('player').currentTime > 0.5", timeout=15000
    )
    await page.evaluate("document.getElementById('player').pause()")
    duration = await page.evaluate("document.getElementById('player').duration")
    assert duration == pytest.approx(20, abs=0.1)  # the recorded call's 20 s
    for key in ("identity", "risk_warning", "no_promise", "needs"):
        await page.check(f"#item-{key}")
    await page.fill("#comment", "需求挖掘不够")
    await page.click("#mark-time")
    offset = float(await page.input_value("#offset"))
    assert offset > 0
    await screenshot(page, "qa-review-scoring")
    await page.click("#submit-score")
    await page.wait_for_selector(f"#scored[data-review='{review_id}']")

    review = await pool.fetchrow("SELECT * FROM qa_reviews WHERE review_id = $1", review_id)
    assert review["status"] == "scored" and review["reviewer_id"] == world.leader
    assert review["score"] == Decimal("0.85") and review["must_pass_failed"] is False
    comment = await pool.fetchrow("SELECT * FROM qa_comments WHERE review_id = $1", review_id)
    assert comment["body"] == "需求挖掘不够"
    assert comment["offset_seconds"] == Decimal(str(offset))
    played = await pool.fetchval(
        "SELECT count(*) FROM audit_log WHERE kind = 'recording_played' AND actor_user_id = $1",
        world.leader,
    )
    assert played >= 1  # the player's requests, each audited


async def test_a_rep_acknowledges_a_review(live_server, page, pool) -> None:
    world, review_id = await _queued_review(pool)
    await pool.execute(
        "UPDATE qa_reviews SET status = 'scored', reviewer_id = $2, score = 0.85,"
        " must_pass_failed = false, scored_at = $3 WHERE review_id = $1",
        review_id,
        world.leader,
        DAY_START,
    )
    await sign_in(page, live_server, "rep-a1")
    await page.click("a[href='/qa/mine']")
    await page.wait_for_selector(f"#review-{review_id}[data-status=scored]")
    await page.click(f"#acknowledge-{review_id}")
    await page.wait_for_selector(f"#review-{review_id}[data-status=acknowledged]")
    await screenshot(page, "qa-rep-acknowledged")
    status = await pool.fetchval("SELECT status FROM qa_reviews WHERE review_id = $1", review_id)
    assert status == "acknowledged"
    audited = await pool.fetchval(
        "SELECT count(*) FROM audit_log WHERE kind = 'qa_review_acknowledged' AND subject_id = $1",
        review_id,
    )
    assert audited == 1
