"""A restarted engine paces as before: its estimators relearn the campaign's recent calls."""

from datetime import UTC, datetime, timedelta

import pytest

from campaigns.pacing import PacingState, PredictivePacer
from dialer.engine.loop import CampaignEngine
from dialer.engine.settings import load_campaign
from dialer.events import EventBus
from dialer.routes.campaigns import NewCampaign, create_campaign
from dialer.seed import seed
from dialer.telephony.callstate import CallPhase, CallState, Transition, Verdict
from dialer.telephony.provider import AmdVerdict, CallEvent, CallEventKind, EndReason
from tests.unit.engine.doubles import InstantCarrier

# 10:00 in Shanghai, the campaign's (CN) clock
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


async def _campaign(pool, name: str) -> int:
    await seed(pool, accounts=20, seed_value=3)
    return await create_campaign(
        pool,
        NewCampaign(
            name=name, purpose="service", pacing_mode="predictive", caller_id="+862195500000"
        ),
        None,
    )


async def _engine(pool, campaign_id: int) -> CampaignEngine:
    settings = await load_campaign(pool, campaign_id, {"abandon_message": "call us back"})
    engine = CampaignEngine(pool, InstantCarrier(), EventBus(), lambda: NOW, settings)  # type: ignore[arg-type]

    async def settle(*args: object, **kwargs: object) -> None:
        """Not under test: the hopper has no queue entries for these calls."""

    engine.settling.settle = settle  # type: ignore[method-assign]
    return engine


def _history() -> list[dict[str, object]]:
    """Three days of calls at 10:00 (30% answered) and 14:00 (15%) Shanghai time; half
    the answers persons, the morning's talks to a rep."""
    calls: list[dict[str, object]] = []
    for day in (3, 2, 1):
        for hour_utc, answered_every in ((2, 10), (6, 20)):
            start = NOW - timedelta(days=day) + timedelta(hours=hour_utc - 2)
            for index in range(150):
                created = start + timedelta(seconds=20 * index)
                answered = index % answered_every < 3
                ring = 4 + index % 9 if answered else 25
                answered_at = created + timedelta(seconds=ring) if answered else None
                person = answered and index % 2 == 0
                calls.append(
                    {
                        "created_at": created,
                        "answered_at": answered_at,
                        "amd_at": answered_at + timedelta(seconds=2 + index % 3)
                        if answered_at
                        else None,
                        "answered_by": ("human" if person else "machine") if answered else None,
                        "ended_at": created + timedelta(seconds=ring + (90 if person else 5)),
                        "ring_seconds": ring,
                        "talks": person and hour_utc == 2,
                    }
                )
    return calls


async def _store(pool, campaign_id: int, calls: list[dict[str, object]]) -> list[dict[str, object]]:
    account_id, phone_id = await pool.fetchrow(
        "SELECT account_id, phone_id FROM account_phones LIMIT 1"
    )
    rep = await pool.fetchval("SELECT user_id FROM users WHERE role = 'telesales_rep' LIMIT 1")
    for index, call in enumerate(calls):
        call["call_id"] = f"CA{campaign_id}-{index}"
        await pool.execute(
            "INSERT INTO call_attempts (campaign_id, account_id, phone_id, e164, idempotency_key,"
            " provider_call_id, status, created_at, answered_at, amd_at, ended_at, answered_by,"
            " ring_seconds, agent_user_id, bridged_at)"
            " VALUES ($1, $2, $3, '+8613800000000', $4, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
            " $13)",
            campaign_id,
            account_id,
            phone_id,
            call["call_id"],
            "completed" if call["answered_at"] else "no_answer",
            call["created_at"],
            call["answered_at"],
            call["amd_at"],
            call["ended_at"],
            call["answered_by"],
            call["ring_seconds"],
            rep if call["talks"] else None,
            call["answered_at"] if call["talks"] else None,
        )
    return calls


async def _observe_online(engine: CampaignEngine, calls: list[dict[str, object]]) -> None:
    """The webhooks as the engine saw them: each verdict when it came, each end."""
    events: list[tuple[datetime, int, CallEvent, Transition]] = []
    for order, call in enumerate(calls):
        call_id = str(call["call_id"])
        answered_at = call["answered_at"]
        if answered_at is not None:
            verdict = AmdVerdict(str(call["answered_by"]))
            amd_at = call["amd_at"]
            assert isinstance(amd_at, datetime) and isinstance(answered_at, datetime)
            state = CallState(
                call_id,
                CallPhase.ANSWERED,
                answered_at=answered_at,
                amd_at=amd_at,
                amd_verdict=verdict,
            )
            event = CallEvent(
                "twilio",
                call_id,
                CallEventKind.AMD_VERDICT,
                amd_at,
                (f"{call_id}-amd",),
                amd_verdict=verdict,
            )
            events.append((amd_at, order, event, Transition(state, Verdict.RECORDED)))
        ended_at = call["ended_at"]
        assert isinstance(ended_at, datetime)
        ended = CallState(call_id, CallPhase.ENDED, answered_at=answered_at, ended_at=ended_at)
        event = CallEvent(
            "twilio",
            call_id,
            CallEventKind.COMPLETED,
            ended_at,
            (f"{call_id}-end",),
            end_reason=EndReason.COMPLETED if answered_at else EndReason.NO_ANSWER,
        )
        events.append((ended_at, order, event, Transition(ended, Verdict.ADVANCED)))
    for _, _, event, transition in sorted(events, key=lambda e: (e[0], e[1])):
        await engine.on_event(event, transition)


async def test_a_restarted_engine_has_the_estimates_it_learned_online(pool):
    campaign_id = await _campaign(pool, "warm")
    calls = await _store(pool, campaign_id, _history())
    online = await _engine(pool, campaign_id)
    await _observe_online(online, calls)
    restarted = await _engine(pool, campaign_id)
    await restarted.warm_up()

    before, after = online.pacer, restarted.pacer
    assert isinstance(before, PredictivePacer) and isinstance(after, PredictivePacer)
    # the same observations in the same order (the webhooks here arrive in the order the
    # calls ended, as the replay takes them): the same estimates, to float rounding. Live,
    # calls ending within the same instant may have been seen in another order, which moves
    # a decayed estimate by far less than its noise.
    assert after.ring.observations == before.ring.observations == len(calls)
    for hour in (10, 14, None):
        assert after.ring.answer_rate(hour) == pytest.approx(
            before.ring.answer_rate(hour), rel=1e-9
        )
        assert after.screening.person_rate(hour) == pytest.approx(
            before.screening.person_rate(hour), rel=1e-9
        )
    # and the hours are kept apart: 10:00 answers 30% of its dials, 14:00 15%
    assert after.ring.answer_rate(10) == pytest.approx(0.3, abs=0.01)
    assert after.ring.answer_rate(14) == pytest.approx(0.15, abs=0.01)
    assert after.handle.talk.observations == before.handle.talk.observations > 0
    # a decision at 10:00 reads the same horizons before and after the restart
    state = PacingState(
        now=NOW.timestamp(),
        logged_in_reps=10,
        ready_reps=3,
        talking_ages=(30.0,) * 7,
        local_hour=10,
    )
    for pacer in (before, after):
        pacer.decide(state)
    assert after.ring.histogram is after.ring.by_hour.hours[10]
    assert after.horizons() == before.horizons()
    assert "warming up" not in after.decide(state).reason


async def test_an_engine_over_a_campaign_without_recent_calls_starts_cold(pool):
    campaign_id = await _campaign(pool, "cold")
    stale = _history()[:50]
    for call in stale:  # older than the week the engine relearns
        for key in ("created_at", "answered_at", "amd_at", "ended_at"):
            if call[key] is not None:
                call[key] = call[key] - timedelta(days=10)  # type: ignore[operator]
    await _store(pool, campaign_id, stale)
    engine = await _engine(pool, campaign_id)
    await engine.warm_up()
    pacer = engine.pacer
    assert isinstance(pacer, PredictivePacer)
    assert pacer.ring.observations == 0
    assert pacer.ring.answer_rate(10) is None
    assert pacer.screening.observations == 0
    decision = pacer.decide(
        PacingState(now=NOW.timestamp(), logged_in_reps=5, ready_reps=5, local_hour=10)
    )
    assert "warming up" in decision.reason
