"""The learned propensities are calibrated: per decile of predicted contact probability,
the observed contact rate on held-out simulated days is within 3 points."""

from __future__ import annotations

from functools import cache

import numpy as np

from campaigns.month import history_rows, prepare_month, run_month, train, vocabulary_of
from scoring.model import PropensityModel
from tests.unit.scoring.scenario import small


@cache
def _held_out_split() -> tuple[PropensityModel, dict[str, np.ndarray], np.ndarray]:
    # four days in tier order (the model does not choose whom it is tested on); the last
    # quarter of the attempts is held out, the model learns from the rest
    run = prepare_month(small(agents=8, accounts=12_000), "tier", 5, days=4)
    run_month(run)
    spec = run.scenario.population
    assert spec is not None
    cut = int(run.hopper.history.size * 0.75)
    model = train(vocabulary_of(spec), run.hopper, end=cut)
    assert model is not None
    rows = history_rows(run.hopper, cut)
    contacted = rows.pop("contacted").astype(bool)
    return model, rows, contacted


def test_contact_probability_is_calibrated_per_decile() -> None:
    model, rows, contacted = _held_out_split()
    predicted = model.p_contact(rows)
    assert contacted.size > 5000
    edges = np.quantile(predicted, np.linspace(0, 1, 11))
    deciles = np.clip(np.searchsorted(edges, predicted, side="right") - 1, 0, 9)
    gaps = []
    for decile in range(10):
        members = deciles == decile
        assert members.sum() > 200
        gaps.append(abs(float(predicted[members].mean()) - float(contacted[members].mean())))
    assert max(gaps) <= 0.03, gaps
    # and the model discriminates: the top decile answers far more than the bottom one
    top, bottom = contacted[deciles == 9].mean(), contacted[deciles == 0].mean()
    assert top > 2 * bottom


def test_model_round_trips_through_json() -> None:
    model, rows, _ = _held_out_split()
    again = PropensityModel.from_json(model.to_json())
    assert np.allclose(again.p_contact(rows), model.p_contact(rows), atol=1e-5)
    assert np.allclose(again.p_lead(rows), model.p_lead(rows), atol=1e-5)
    assert again.lead_value_cents == model.lead_value_cents
