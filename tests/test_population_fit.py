"""Fit-then-synthesise: a fitted model recovers the one the data came from; copies are new rows.

The round trip: draw a large sample from the shipped model (the truth), screen it with the truth
(careless respondents removed), fit a model, draw again from the fitted model and fit again.
Treating 7-point answers as continuous attenuates loadings by about 3% per fit (see
tests/test_synthetic.py), so after two fits they are about 5% low; paths and correlations,
ratios of equally attenuated quantities, are nearly unbiased. Tolerances are stated per check.
"""

from __future__ import annotations

import doctest
import hashlib

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis.config import REPO_ROOT
from analysis.instrument import load_instrument, load_population
from analysis.population_fit import (
    FITTED,
    fit_population,
    reproduced_rows,
    synthesise_like,
    write_population,
)
from analysis.synthetic import SHIPPED_SAMPLE, synthetic_responses, synthetic_sample

INSTRUMENT = REPO_ROOT / "survey" / "instrument.yaml"
POPULATION = REPO_ROOT / "survey" / "population.yaml"
SEED = 20261128
N = 50_000  # SE ~0.003 for loadings and paths, ~0.016 for the shift of the smallest group


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(INSTRUMENT)


@pytest.fixture(scope="module")
def truth(instrument):
    return load_population(POPULATION, instrument)


@pytest.fixture(scope="module")
def screened(instrument, truth):
    sample = synthetic_sample(instrument, truth, n=N, random_state=SEED)
    return sample.responses[(sample.careless == "attentive").to_numpy()].reset_index(drop=True)


@pytest.fixture(scope="module")
def fitted(instrument, screened):
    return load_population(fit_population(screened, instrument), instrument)


@pytest.fixture(scope="module")
def refitted(instrument, fitted):
    again = synthetic_responses(instrument, fitted, n=N, random_state=SEED + 1)
    return load_population(fit_population(again, instrument), instrument)


@pytest.fixture(scope="module")
def small_model(instrument, screened):
    return fit_population(screened.head(2_000), instrument)


@pytest.fixture(scope="module")
def shipped():
    return pd.read_csv(SHIPPED_SAMPLE, dtype="Int64")


@pytest.fixture(scope="module")
def shipped_model(instrument, shipped):
    return fit_population(shipped, instrument)


def _errors(model, reference, attribute: str) -> np.ndarray:
    got, want = getattr(model, attribute), getattr(reference, attribute)
    return np.array([got[key] - want[key] for key in want])


def test_fitted_model_recovers_the_true_one(fitted, truth):
    # One fit: loadings ~3% low (0.01-0.04; bias + 4 SE < 0.05), paths and correlations within
    # 0.035 (4 SE ~ 0.015-0.025 + small bias).
    loadings = _errors(fitted, truth, "loadings")
    assert np.all(np.abs(loadings) < 0.05) and loadings.mean() < 0, loadings.round(3)
    assert np.all(np.abs(_errors(fitted, truth, "paths")) < 0.035)
    assert np.all(np.abs(_errors(fitted, truth, "exogenous_correlations")) < 0.035)


def test_refitted_loadings_and_paths_are_close_to_the_originals(refitted, fitted, truth):
    # Two fits: loadings ~5% low (0.03-0.07), so within 0.08 of the originals and below them;
    # paths and exogenous correlations within 0.05 (two estimates: 4 SE ~ 0.03, bias < 0.02).
    loadings = _errors(refitted, truth, "loadings")
    assert np.all(np.abs(loadings) < 0.08), loadings.round(3)
    assert -0.07 < loadings.mean() < -0.02, "attenuation accumulates, about 2.5% per fit"
    assert np.all(np.abs(_errors(refitted, truth, "paths")) < 0.05)
    assert np.all(np.abs(_errors(refitted, truth, "exogenous_correlations")) < 0.05)
    # Against the model it was drawn from, a refit is one fit away: loadings within 0.05.
    assert np.all(np.abs(_errors(refitted, fitted, "loadings")) < 0.05)


def test_group_shifts_and_thresholds_are_recovered(refitted, fitted, truth):
    # Shifts: SE ~0.016 for the smallest group (foreign banks) per estimate; 0.07 for one fit
    # (4 SE + attenuation), 0.1 after two.
    for model, tolerance in ((fitted, 0.07), (refitted, 0.1)):
        for group in (2, 3):
            for construct in truth.exogenous:
                error = model.group_shifts.shift(group, construct) - truth.group_shifts.shift(
                    group, construct
                )
                assert abs(error) < tolerance, (group, construct, error)
    # Cut points from ~100,000 pooled answers of the reference group: SE < 0.01.
    np.testing.assert_allclose(fitted.thresholds["agree7"], truth.thresholds["agree7"], atol=0.03)
    np.testing.assert_allclose(refitted.thresholds["agree7"], truth.thresholds["agree7"], atol=0.04)


def test_the_rest_of_the_model_is_recovered(fitted, truth):
    for code, probabilities in truth.probabilities.items():
        # ~47,000 valid answers: SE <= 0.0023; 0.012 is > 5 SE.
        np.testing.assert_allclose(
            list(fitted.probabilities[code].values()), list(probabilities.values()), atol=0.012
        )
    assert abs(fitted.filters["complained_12m"][1] - 0.15) < 0.01
    assert abs(fitted.missing_rate - truth.missing_rate) < 0.001
    assert abs(fitted.attention.pass_attentive - truth.attention.pass_attentive) < 0.005
    assert abs(fitted.duration["attentive"].median - 600) < 10
    assert abs(fitted.duration["attentive"].sigma - 0.35) < 0.01
    assert fitted.careless.fraction == 0.0
    complaint = fitted.outside_model["complaint"]
    assert complaint.correlated_with == "satisfaction"
    assert abs(complaint.correlation - 0.5) < 0.08  # ~7,000 complainants, disattenuated
    assert abs(fitted.importance.loading - truth.importance.loading) < 0.06
    assert fitted.segments == (), "segments are not fitted"
    # Importance means are identified up to a common shift (the cut points absorb it): compare
    # their differences between touch-points. The fit knows no segments: it takes each item for
    # one normal of variance 1, so it returns the mean of the normal quantiles of an item whose
    # planted segments raise its variance to s^2 = 1 + sum(share x shift^2): the average of
    # tau - (tau - m) / s over the cut points tau, not m itself.
    got = np.array(list(fitted.importance.means.values()))
    cuts = np.asarray(truth.thresholds["importance7"])
    want = []
    for touchpoint, mean in truth.importance.means.items():
        sd = np.sqrt(1 + sum(s.share * s.shift(touchpoint) ** 2 for s in truth.segments))
        want.append(np.mean(cuts - (cuts - mean) / sd))
    want = np.array(want)
    np.testing.assert_allclose(got - got.mean(), want - want.mean(), atol=0.05)


def test_fitted_model_says_what_it_is(small_model):
    model = small_model
    assert model["careless"]["fraction"] == 0.0
    assert "screened" in model["careless"]["rationale"]
    assert "not real data" in model["population"]["note"]
    assert all(
        entry["rationale"].startswith(FITTED)
        for key, entry in model.items()
        if key not in ("population", "profile", "filters", "outside_model")
    )


def test_fit_of_the_shipped_sample_loads(instrument, shipped_model):
    # 400 respondents, 5% careless, about 60 complainants: the fit still gives a valid model.
    population = load_population(shipped_model, instrument)
    assert population.instrument_id == instrument.id


def test_written_model_names_its_source_and_reads_back(tmp_path, instrument, small_model):
    model = small_model
    out = write_population(model, tmp_path / "fitted" / "population.yaml", source=SHIPPED_SAMPLE)
    text = out.read_text(encoding="utf-8")
    digest = hashlib.sha256(SHIPPED_SAMPLE.read_bytes()).hexdigest()
    header = text.split("\n\n")[0]
    assert "FITTED" in header and "NOT real data" in header
    assert f"survey/responses_synthetic.csv (sha256 {digest})" in header
    assert yaml.safe_load(text) == model
    assert load_population(out, instrument).paths == load_population(model, instrument).paths


# --------------------------------------------------------------------------------------------
# Synthesise like: new rows only


def test_copy_has_the_instrument_columns_and_never_repeats_an_input_row(instrument, shipped):
    # The shipped sample holds straight-liners: short patterns a generator could repeat by
    # chance. A repeat of an attentive respondent's 51 answers is practically impossible, so the
    # meaningful check is over every Likert answer, blanks included.
    responses = shipped
    copy = synthesise_like(responses, instrument, n=3_000, seed=SEED)
    assert list(copy.columns) == list(instrument.column_codes)
    assert copy["respondent_id"].tolist() == list(range(1, 3_001))
    assert all(str(dtype) == "Int64" for dtype in copy.dtypes)
    likert = [variable.code for variable in instrument.items(role=None)]
    assert not reproduced_rows(copy, responses, likert).any()


def _fitted_already(monkeypatch, model) -> None:
    """Skip the fit (tested above): synthesise_like gets ``model``."""
    monkeypatch.setattr("analysis.population_fit.fit_population", lambda *args, **kwargs: model)


def test_rows_repeating_an_input_row_are_redrawn(instrument, shipped, shipped_model, monkeypatch):
    responses = shipped
    _fitted_already(monkeypatch, shipped_model)
    real = synthetic_responses
    calls = []

    def first_repeats_the_input(instrument, population, *, n, random_state):
        calls.append(n)
        drawn = real(instrument, population, n=n, random_state=random_state)
        if len(calls) == 1:  # the first draw copies 10 input rows
            drawn.iloc[:10, 1:] = responses.iloc[:10, 1:].to_numpy()
        return drawn

    monkeypatch.setattr("analysis.population_fit.synthetic_responses", first_repeats_the_input)
    copy = synthesise_like(responses, instrument, n=50, seed=1)
    assert calls == [50, 10]
    likert = [variable.code for variable in instrument.items(role=None)]
    assert not reproduced_rows(copy, responses, likert).any()
    assert copy["respondent_id"].tolist() == list(range(1, 51))


def test_a_model_that_only_repeats_input_rows_is_refused(
    instrument, shipped, shipped_model, monkeypatch
):
    responses = shipped
    _fitted_already(monkeypatch, shipped_model)

    def always_the_input(instrument, population, *, n, random_state):
        return responses.head(n).reset_index(drop=True).copy()

    monkeypatch.setattr("analysis.population_fit.synthetic_responses", always_the_input)
    with pytest.raises(RuntimeError, match=r"could not draw 5 rows that differ from every input"):
        synthesise_like(responses, instrument, n=5, seed=1)


def test_reproduced_rows_treats_blanks_as_answers():
    a = pd.DataFrame(
        {"x": pd.array([1, None], dtype="Int64"), "y": pd.array([2, 3], dtype="Int64")}
    )
    b = pd.DataFrame(
        {"x": pd.array([1, None, 1], dtype="Int64"), "y": pd.array([2, 3, 3], dtype="Int64")}
    )
    assert reproduced_rows(b, a, ["x", "y"]).tolist() == [True, True, False]


def test_docstring_examples_run(monkeypatch: pytest.MonkeyPatch):
    import analysis.population_fit

    monkeypatch.chdir(REPO_ROOT)  # the examples name files relative to the repository
    failed, attempted = doctest.testmod(analysis.population_fit, optionflags=doctest.ELLIPSIS)
    assert attempted > 0 and failed == 0
