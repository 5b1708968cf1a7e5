"""The exact CMDP of Markov pacing and the tables the predictive pacer reads from it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaigns.cmdp_pacing import SOLVE_SPACING_SECONDS, PolicyTables
from campaigns.markov_policy import MarkovModel, solve_cmdp, solve_lagrangian


@pytest.mark.parametrize(
    ("agents", "person_rate", "optimum"),
    [(5, 0.3, 0.8326), (20, 0.3, 0.8974)],
)
def test_the_optimum_is_the_reference_solvers(
    agents: int, person_rate: float, optimum: float
) -> None:
    # the shipped scenarios' `reference` values, from shared/tools/cmdp (ring 15 s, busy 180 s)
    solution = solve_cmdp(MarkovModel.build(agents, person_rate, 15.0 / 180.0), 0.03)
    assert solution.occupancy == pytest.approx(optimum, abs=5e-5)
    # at small N the optimum time-shares two deterministic policies, one over the cap
    assert 0.0 < solution.weight < 1.0
    assert solution.loose.abandon_rate > 0.03 >= solution.tight.abandon_rate
    assert solution.tight.edge_mass < 1e-9


models = st.builds(
    MarkovModel.build,
    st.integers(min_value=1, max_value=6),
    st.sampled_from([0.15, 0.25, 0.4]),
    st.sampled_from([9.0 / 180.0, 15.0 / 150.0]),
)


@settings(max_examples=20, deadline=None)
@given(models, st.sampled_from([0.01, 0.03, 0.05]))
def test_the_optimum_meets_the_cap_and_beats_progressive(model: MarkovModel, alpha: float) -> None:
    solution = solve_cmdp(model, alpha)
    mixed_abandons = (
        solution.weight * solution.loose.abandons + (1 - solution.weight) * solution.tight.abandons
    )
    mixed_persons = (
        solution.weight * solution.loose.persons + (1 - solution.weight) * solution.tight.persons
    )
    assert mixed_abandons <= alpha * mixed_persons + 1e-9
    # progressive (one call per free rep) never abandons: the optimum is at least as busy
    progressive = 1.0 / (1.0 + model.ring_over_busy / model.person_probability)
    assert solution.occupancy >= progressive - 1e-6
    assert solution.occupancy >= solution.tight.occupancy - 1e-12


@settings(max_examples=20, deadline=None)
@given(models, st.floats(min_value=0.05, max_value=5.0), st.floats(min_value=1.5, max_value=10.0))
def test_a_higher_penalty_never_abandons_more(
    model: MarkovModel, penalty: float, factor: float
) -> None:
    low = solve_lagrangian(model, penalty, 0.03)
    high = solve_lagrangian(model, penalty * factor, 0.03, start=low.policy)
    assert high.abandon_rate <= low.abandon_rate + 1e-9
    assert high.occupancy <= low.occupancy + 1e-9


@settings(max_examples=20, deadline=None)
@given(models, st.floats(min_value=0.05, max_value=5.0))
def test_a_policy_never_cancels_calls_and_fills_free_reps(
    model: MarkovModel, penalty: float
) -> None:
    targets = solve_lagrangian(model, penalty, 0.03).targets(model)
    in_flight = np.arange(model.max_in_flight + 1)[None, :]
    assert (targets >= in_flight).all()
    # with b reps busy and nothing in flight, at least one call per free rep
    free = model.agents - np.arange(model.agents + 1)
    assert (targets[:, 0] >= np.minimum(free, model.max_in_flight)).all()


def test_tables_are_cached_and_move_only_past_the_hysteresis() -> None:
    tables = PolicyTables(alpha=0.025)
    first = tables.target(0.0, 5, 0.3, 15.0 / 180.0, 1.0, busy=5, in_flight=0)
    assert tables.solves == 1
    # the same question, and one with estimates moved within the bucket's hysteresis
    assert tables.target(1.0, 5, 0.3, 15.0 / 180.0, 1.0, busy=5, in_flight=0) == first
    tables.target(2.0, 5, 0.31, 15.4 / 180.0, 1.02, busy=5, in_flight=0)
    assert tables.solves == 1
    # a tighter penalty is solved at once; a looser one within the spacing is served by the
    # nearest tighter table, and solved once the spacing has passed
    tables.target(3.0, 5, 0.3, 15.0 / 180.0, 4.0, busy=5, in_flight=0)
    assert tables.solves == 2
    tables.target(4.0, 5, 0.3, 15.0 / 180.0, 2.0, busy=5, in_flight=0)
    assert tables.solves == 2
    tables.target(SOLVE_SPACING_SECONDS + 4.0, 5, 0.3, 15.0 / 180.0, 2.0, busy=5, in_flight=0)
    assert tables.solves == 3
    # a higher penalty never wants more calls in flight, in any state
    loose, _ = tables.table(SOLVE_SPACING_SECONDS + 2.0, 5, 0.3, 15.0 / 180.0, 1.0)
    tight, _ = tables.table(SOLVE_SPACING_SECONDS + 3.0, 5, 0.3, 15.0 / 180.0, 4.0)
    assert (tight <= loose).all()
    assert (tight != loose).any()


def test_tables_refuse_models_too_large_to_solve_in_a_shift() -> None:
    tables = PolicyTables(alpha=0.025)
    assert tables.tractable(20, 0.2, 15.0 / 180.0)
    assert not tables.tractable(200, 0.1, 15.0 / 180.0)
    assert not tables.tractable(10, 0.0, 15.0 / 180.0)
