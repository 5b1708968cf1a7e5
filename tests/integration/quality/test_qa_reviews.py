"""QA review through the API: the day's sample (every warm lead and DNC disposition, a
random share per rep), the queue, scoring with must-pass items and comments at time
offsets, the rep's acknowledgement, one dispute re-scored by another reviewer, the
excellent-recording library, QA figures, and the coefficient they feed."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from dialer.keys import CLOCK, POOL
from dialer.quality.background import sample_yesterday
from dialer.quality.coefficients import compute_month
from dialer.quality.qa import ensure_default_scorecard, set_sampling_plan
from revenue.statements import Month
from tests.helpers import token_headers
from tests.integration.quality.world import DAY_START, build_qa_world

ALL_PASS = {
    "identity": True,
    "risk_warning": True,
    "no_promise": True,
    "needs": True,
    "courtesy": True,
}


async def test_sample_score_acknowledge_dispute_and_figures(client, pool) -> None:
    world = await build_qa_world(pool)
    scorecard = await ensure_default_scorecard(pool, DAY_START)
    team = await pool.fetchval("SELECT team_id FROM users WHERE user_id = $1", world.reps[0])
    await set_sampling_plan(pool, team, random_share=Decimal("0.25"), scorecard_id=scorecard)
    qa = await token_headers(pool, world.qa)
    sampled = await client.post("/api/v1/qa/sample", json={"day": "2026-12-07"}, headers=qa)
    assert sampled.status == 200
    # per rep: the warm lead, the DNC disposition and ceil(0.25 x 8) = 2 random calls
    assert (await sampled.json())["queued"] == 8
    again = await client.post("/api/v1/qa/sample", json={"day": "2026-12-07"}, headers=qa)
    assert (await again.json())["queued"] == 0
    reasons = await pool.fetch(
        "SELECT rep_user_id, reason, count(*) AS n FROM qa_reviews GROUP BY 1, 2 ORDER BY 1, 2"
    )
    assert [(r["reason"], r["n"]) for r in reasons if r["rep_user_id"] == world.reps[0]] == [
        ("dnc_disposition", 1),
        ("random", 2),
        ("warm_lead", 1),
    ]

    queue = (await (await client.get("/api/v1/qa/queue", headers=qa)).json())["reviews"]
    assert len(queue) == 8
    other_leader = await token_headers(pool, world.other_leader)
    assert (await (await client.get("/api/v1/qa/queue", headers=other_leader)).json())[
        "reviews"
    ] == []
    leader = await token_headers(pool, world.leader)
    assert (
        len((await (await client.get("/api/v1/qa/queue", headers=leader)).json())["reviews"]) == 8
    )

    first, second = queue[0]["review_id"], queue[1]["review_id"]
    refused = await client.post(
        f"/api/v1/qa/reviews/{first}/score", json={"items": ALL_PASS}, headers=other_leader
    )
    assert refused.status == 403
    incomplete = await client.post(
        f"/api/v1/qa/reviews/{first}/score", json={"items": {"identity": True}}, headers=qa
    )
    assert incomplete.status == 422
    scored = await client.post(
        f"/api/v1/qa/reviews/{first}/score",
        json={
            "items": ALL_PASS | {"courtesy": False},
            "comments": [{"offset_seconds": 12.5, "body": "语气生硬"}],
        },
        headers=qa,
    )
    result = await scored.json()
    assert scored.status == 200 and Decimal(result["score"]) == Decimal("0.85")
    assert result["must_pass_failed"] is False
    fatal = await client.post(
        f"/api/v1/qa/reviews/{second}/score",
        json={"items": ALL_PASS | {"no_promise": False}},
        headers=qa,
    )
    fatal_result = await fatal.json()
    assert Decimal(fatal_result["score"]) == 0 and fatal_result["must_pass_failed"] is True
    twice = await client.post(
        f"/api/v1/qa/reviews/{first}/score", json={"items": ALL_PASS}, headers=qa
    )
    assert twice.status == 409

    review = await pool.fetchrow("SELECT rep_user_id FROM qa_reviews WHERE review_id = $1", second)
    rep = await token_headers(pool, review["rep_user_id"])
    detail = await (await client.get(f"/api/v1/qa/reviews/{first}", headers=qa)).json()
    assert detail["comments"] == [
        {"offset_seconds": "12.5", "body": "语气生硬", "author": "Qa-Zhou"}
    ]
    disputed = await client.post(
        f"/api/v1/qa/reviews/{second}/dispute", json={"reason": "我没有承诺收益"}, headers=rep
    )
    assert disputed.status == 201
    rescore_id = (await disputed.json())["rescore_review_id"]
    again_disputed = await client.post(
        f"/api/v1/qa/reviews/{second}/dispute", json={"reason": "again"}, headers=rep
    )
    assert again_disputed.status == 409
    same_reviewer = await client.post(
        f"/api/v1/qa/reviews/{rescore_id}/score", json={"items": ALL_PASS}, headers=qa
    )
    assert same_reviewer.status == 403
    second_qa = await token_headers(pool, world.second_qa)
    rescored = await client.post(
        f"/api/v1/qa/reviews/{rescore_id}/score", json={"items": ALL_PASS}, headers=second_qa
    )
    assert Decimal((await rescored.json())["score"]) == 1
    statuses = dict(
        await pool.fetch(
            "SELECT review_id, status FROM qa_reviews WHERE review_id = ANY($1::bigint[])",
            [second, rescore_id],
        )
    )
    assert statuses == {second: "rescored", rescore_id: "scored"}
    acknowledged = await client.post(f"/api/v1/qa/reviews/{rescore_id}/acknowledge", headers=rep)
    assert acknowledged.status == 200
    first_rep = await pool.fetchval(
        "SELECT rep_user_id FROM qa_reviews WHERE review_id = $1", first
    )
    others = await client.post(f"/api/v1/qa/reviews/{first}/acknowledge", headers=rep)
    assert others.status == (200 if first_rep == review["rep_user_id"] else 404)

    recording = await pool.fetchval(
        "SELECT recording_id FROM qa_reviews WHERE review_id = $1", rescore_id
    )
    added = await client.post(
        "/api/v1/qa/excellent",
        json={"recording_id": recording, "review_id": rescore_id, "note": "风险提示完整"},
        headers=second_qa,
    )
    assert added.status == 201 and (await added.json())["serial"] == "EX-2026-0001"
    library = await (await client.get("/api/v1/qa/excellent", headers=rep)).json()
    assert [r["serial"] for r in library["recordings"]] == ["EX-2026-0001"]

    figures = await (await client.get("/api/v1/qa/figures?month=2026-12", headers=qa)).json()
    by_rep = {r["user_id"]: r for r in figures["reps"]}
    assert sum(r["reviews"] for r in figures["reps"]) == 2  # the first and the re-score
    assert all(r["must_pass_failures"] == 0 for r in figures["reps"])
    standing = await compute_month(
        pool, Month(2026, 12), tz=ZoneInfo("Asia/Shanghai"), now=DAY_START
    )
    for rep_id, row in by_rep.items():
        qa_mean = Decimal(row["mean_score"])
        expected = Decimal(1) - Decimal("0.5") * max(Decimal(0), Decimal("0.85") - qa_mean)
        assert standing[rep_id].score == expected.quantize(Decimal("0.0001"))


async def test_the_scheduled_sample_of_a_day_runs_once_across_two_workers(pool) -> None:
    world = await build_qa_world(pool)
    scorecard = await ensure_default_scorecard(pool, DAY_START)
    team = await pool.fetchval("SELECT team_id FROM users WHERE user_id = $1", world.reps[0])
    await set_sampling_plan(pool, team, random_share=Decimal("0.25"), scorecard_id=scorecard)
    clock = lambda: DAY_START + timedelta(days=1)  # noqa: E731 - the next morning
    # two engine workers' apps (only what the job reads)
    workers: list = [{POOL: pool, CLOCK: clock}, {POOL: pool, CLOCK: clock}]
    queued = await asyncio.gather(*(sample_yesterday(app) for app in workers))
    reviews = await pool.fetchval("SELECT count(*) FROM qa_reviews")
    assert reviews > 0 and sorted(queued) == [0, reviews]
    assert await pool.fetchval("SELECT count(*) FROM qa_sample_runs") == await pool.fetchval(
        "SELECT count(*) FROM qa_sampling_plans"
    )
    assert await sample_yesterday(workers[0]) == 0
    assert await pool.fetchval("SELECT count(*) FROM qa_reviews") == reviews
