from __future__ import annotations

import pytest

from campaigns.agents import IllegalRepTransition, Rep, RepState, RepTransition
from campaigns.routing import RoutingPolicy, route_call


def test_rep_lifecycle_is_timestamped_and_accounted() -> None:
    seen: list[RepTransition] = []
    rep = Rep("r1", listener=seen.append)
    rep.log_in(0.0)
    rep.reserve(10.0, "c1")
    rep.connect(10.5)
    rep.hang_up(70.5)
    rep.finish_wrap(90.5)
    rep.pause(100.0, "coaching")
    rep.resume(160.0)
    assert [t.state for t in seen] == [
        RepState.READY,
        RepState.RESERVED,
        RepState.ON_CALL,
        RepState.WRAP_UP,
        RepState.READY,
        RepState.PAUSED,
        RepState.READY,
    ]
    assert seen[5].pause_code == "coaching"
    assert seen[2].call_id == "c1"
    assert rep.time_in(RepState.ON_CALL, 200.0) == pytest.approx(60.0)
    assert rep.working_seconds(200.0) == pytest.approx(80.0)
    assert rep.time_in(RepState.READY, 200.0) == pytest.approx(10.0 + 9.5 + 40.0)
    assert rep.logged_in_seconds(200.0) == pytest.approx(200.0)
    assert rep.calls_connected == 1


def test_illegal_transitions_are_refused() -> None:
    rep = Rep("r1")
    with pytest.raises(IllegalRepTransition, match="cannot go from logged_out to on_call"):
        rep.connect(0.0)
    rep.log_in(5.0)
    with pytest.raises(IllegalRepTransition, match="earlier"):
        rep.pause(1.0, "lunch")


def test_wrap_deadline_follows_the_maximum() -> None:
    rep = Rep("r1", wrap_max_seconds=30.0)
    rep.log_in(0.0)
    assert rep.wrap_deadline() is None
    rep.reserve(1.0, "c")
    rep.connect(1.0)
    rep.hang_up(50.0)
    assert rep.wrap_deadline() == 80.0


def _ready(rep_id: str, since: float, *, senior: bool = False) -> Rep:
    rep = Rep(rep_id, senior=senior)
    rep.log_in(since)
    return rep


def test_longest_idle_ready_rep_gets_the_call() -> None:
    reps = [_ready("a", 30.0), _ready("b", 10.0), _ready("c", 20.0)]
    busy = _ready("d", 0.0)
    busy.reserve(5.0, "x")
    chosen = route_call([*reps, busy])
    assert chosen is not None and chosen.rep_id == "b"
    assert route_call([busy]) is None


def test_senior_first_for_high_tiers_only_when_enabled() -> None:
    reps = [_ready("junior", 0.0), _ready("senior", 50.0, senior=True)]
    policy = RoutingPolicy(senior_first=True)
    gold = route_call(reps, tier="gold", policy=policy)
    silver = route_call(reps, tier="silver", policy=policy)
    off = route_call(reps, tier="diamond")
    assert gold is not None and gold.rep_id == "senior"
    assert silver is not None and silver.rep_id == "junior"
    assert off is not None and off.rep_id == "junior"


def test_owned_callback_goes_to_its_rep_when_ready() -> None:
    reps = [_ready("a", 0.0), _ready("owner", 40.0)]
    owned = route_call(reps, owner_rep_id="owner")
    assert owned is not None and owned.rep_id == "owner"
    away = route_call(reps, owner_rep_id="someone-else")
    assert away is not None and away.rep_id == "a"


def test_rank_offers_owner_then_seniors_then_everyone_longest_idle_first() -> None:
    from campaigns.routing import rank_reps

    reps = [
        Rep("a", senior=False, state=RepState.READY, since=10.0),
        Rep("b", senior=True, state=RepState.READY, since=30.0),
        Rep("c", senior=False, state=RepState.READY, since=5.0),
        Rep("d", senior=True, state=RepState.READY, since=20.0),
        Rep("e", senior=True, state=RepState.ON_CALL, since=1.0),
    ]
    policy = RoutingPolicy(senior_first=True)
    gold = rank_reps(reps, tier="gold", owner_rep_id="a", policy=policy)
    assert [rep.rep_id for rep in gold] == ["a", "d", "b", "c"]
    silver = rank_reps(reps, tier="silver", policy=policy)
    assert [rep.rep_id for rep in silver] == ["c", "a", "d", "b"]
    # route_call is the head of the ranking, whatever the case
    for tier, owner in (("gold", "a"), ("gold", None), ("silver", "b"), (None, "zz")):
        ranked = rank_reps(reps, tier=tier, owner_rep_id=owner, policy=policy)
        assert route_call(reps, tier=tier, owner_rep_id=owner, policy=policy) == ranked[0]
    assert rank_reps([reps[-1]]) == []
