"""Drivers of satisfaction and loyalty (analysis.drivers) against R, and their edge cases.

Reference values (tests/reference/values/drivers_*, made by tests/reference/R/07_drivers.R with
R 4.2.2, sandwich 3.0-2, lmtest 0.9-40, car 3.1-1, MASS 7.3-58.2, ordinal 2022.11-16) on the
ECSI mobile-phone data (``mobi``, 250 customers, 10-point items): statistic -> reference ->
tolerance (largest difference seen) -> why.

- OLS (two models: block means, complete; items with 25 rows made incomplete on purpose, so
  listwise n = 225) -> ``lm`` + ``vcovHC(type = "HC3")`` + ``coeftest``/``coefci``, betas from
  ``lm`` on ``scale()``-d variables, ``car::linearHypothesis(vcov. = HC3)`` for the robust F:
  closed forms, rtol 1e-10 for every column (largest relative difference 2.6e-12, a CI limit
  near 0; p-values down to 1e-55 agree to 1.3e-12, the robust F and its p to 5.7e-12). R² and
  adjusted R²: rtol 1e-12 (7.8e-16).
- VIF -> ``car::vif``: rtol 1e-10 (2.4e-15).
- Ordered logit -> ``ordinal::clm`` (Newton with analytic derivatives, max gradient 3e-13, the
  tight oracle): coefficients and thresholds atol 1e-6 (largest 7.8e-9: our BFGS stops at a
  gradient tolerance of 1e-9); SEs rtol 1e-5 (3.5e-7: ours come from statsmodels' numerical
  Hessian). -> ``MASS::polr`` with its defaults: atol 5e-4 (1.7e-4) and SEs rtol 5e-5 (3.7e-6);
  polr's BFGS stops at optim's default relative tolerance of the log-likelihood (1.5e-8), about
  1e-4 short of the optimum along the thresholds, which is why clm is the tight oracle (polr's and
  clm's log-likelihoods differ by 5e-8).
- Brant test -> the same test written out in R from Brant (1990) with ``glm.fit`` (the brant
  package is not installed, so this checks the arithmetic of two independent implementations,
  not the formula's source): statistic rtol 1e-8 (8.5e-14), p-value rtol 1e-7 (5.5e-13).
"""

from __future__ import annotations

import doctest
import itertools
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import analysis.drivers
from analysis.cfa import ListwiseDeletionWarning
from analysis.drivers import (
    BRANT_COLUMNS,
    INTERCEPT,
    ORDERED_COLUMNS,
    REGRESSION_COLUMNS,
    ROBUSTNESS_COLUMNS,
    VIF_COLUMNS,
    CategoryWarning,
    OrderedLogitConvergenceWarning,
    driver_regression,
    driver_robustness,
    ordered_logit,
    proportional_odds_test,
    variance_inflation_factors,
)
from analysis.instrument import load_instrument, load_population
from analysis.synthetic import synthetic_sample

REFERENCE = "tests/reference"
VALUES = f"{REFERENCE}/values"
BLOCKS = ["Image", "Expectation", "Quality", "Value"]
QUALITY_ITEMS = [f"PERQ{i}" for i in range(1, 8)]
ORDERED = {
    "satisfaction": ("CUSA1", BLOCKS, {4: 5}),
    "loyalty": ("CUSL1", ["Satisfaction", "Image", "CUSCO"], None),
}


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    """Block means (row means of each block's items) and the single items, as 07_drivers.R."""
    raw = pd.read_csv(f"{REFERENCE}/data/mobi.csv")

    def block(prefix: str, k: int) -> pd.Series:
        return raw[[f"{prefix}{i}" for i in range(1, k + 1)]].mean(axis=1)

    return pd.DataFrame(
        {
            "Image": block("IMAG", 5),
            "Expectation": block("CUEX", 3),
            "Quality": block("PERQ", 7),
            "Value": block("PERV", 2),
            "Satisfaction": block("CUSA", 3),
            "CUSCO": raw["CUSCO"],
            "CUSA1": raw["CUSA1"],
            "CUSL1": raw["CUSL1"],
        }
    )


@pytest.fixture(scope="module")
def mobi_items() -> pd.DataFrame:
    """CUSA1 and PERQ1-7 with the missing answers 07_drivers.R puts in (1-based rows there)."""
    raw = pd.read_csv(f"{REFERENCE}/data/mobi.csv")
    items = raw[["CUSA1", *QUALITY_ITEMS]].astype(float)
    items.loc[np.arange(4, 250, 17), "PERQ3"] = np.nan
    items.loc[np.arange(2, 250, 23), "CUSA1"] = np.nan
    return items


def _ols_model(name: str, mobi: pd.DataFrame, mobi_items: pd.DataFrame):
    if name == "blocks":
        return mobi, "Satisfaction", BLOCKS
    return mobi_items, "CUSA1", QUALITY_ITEMS


# --------------------------------------------------------------------------------------------
# OLS against R


@pytest.mark.parametrize("name", ["blocks", "items"])
def test_driver_regression_matches_r(name, mobi, mobi_items):
    data, outcome, predictors = _ols_model(name, mobi, mobi_items)
    table = driver_regression(data, outcome=outcome, predictors=predictors)
    coefficients = pd.read_csv(f"{VALUES}/drivers_ols_coefficients.csv").query("model == @name")
    fit = pd.read_csv(f"{VALUES}/drivers_ols_fit.csv").query("model == @name").iloc[0]
    assert list(table.columns) == list(REGRESSION_COLUMNS)
    assert table["term"].tolist() == coefficients["term"].tolist()
    pairs = {
        "estimate": "estimate",
        "se": "se_hc3",
        "statistic": "t",
        "p_val": "p",
        "ci_low": "ci_low",
        "ci_high": "ci_high",
        "beta": "beta",
    }
    for ours, theirs in pairs.items():
        assert_allclose(table[ours], coefficients[theirs], rtol=1e-10, atol=0, err_msg=ours)
    assert (table["n"] == fit["n"]).all()
    assert_allclose(table["r2"], fit["r2"], rtol=1e-12)
    assert_allclose(table["adj_r2"], fit["adj_r2"], rtol=1e-12)
    assert_allclose(table["f_statistic"], fit["F_hc3"], rtol=1e-10)
    assert_allclose(table["f_p_val"], fit["p_hc3"], rtol=1e-10)
    assert (table["f_df1"] == fit["df1"]).all() and (table["f_df2"] == fit["df2"]).all()
    assert (table["df"] == fit["df2"]).all()
    assert "HC3" in table["method"].iloc[0]


def test_listwise_deletion_matches_r_n(mobi_items):
    table = driver_regression(mobi_items, outcome="CUSA1", predictors=QUALITY_ITEMS)
    assert table["n"].iloc[0] == 225  # 250 - 15 (PERQ3) - 11 (CUSA1) + 1 (row 141 lacks both)


@pytest.mark.parametrize("name", ["blocks", "items"])
def test_vif_matches_car(name, mobi, mobi_items):
    data, outcome, predictors = _ols_model(name, mobi, mobi_items)
    table = variance_inflation_factors(data, predictors=predictors, outcome=outcome)
    reference = pd.read_csv(f"{VALUES}/drivers_vif.csv").query("model == @name")
    assert list(table.columns) == list(VIF_COLUMNS)
    assert table["term"].tolist() == reference["term"].tolist()
    assert_allclose(table["estimate"], reference["vif"], rtol=1e-10)
    assert (table["n"] == reference["n"].to_numpy()).all()


def test_vif_without_outcome_uses_rows_complete_on_predictors(mobi_items):
    table = variance_inflation_factors(mobi_items, predictors=QUALITY_ITEMS)
    assert table["n"].iloc[0] == 235


# --------------------------------------------------------------------------------------------
# Ordered logit against R


@pytest.mark.parametrize("name", list(ORDERED))
def test_ordered_logit_matches_clm_and_polr(name, mobi):
    outcome, predictors, collapse = ORDERED[name]
    table = ordered_logit(mobi, outcome=outcome, predictors=predictors, collapse=collapse)
    reference = pd.read_csv(f"{VALUES}/drivers_ordered_logit.csv").query("model == @name")
    assert list(table.columns) == list(ORDERED_COLUMNS)
    assert table["term"].tolist() == reference["term"].tolist()
    assert table["kind"].tolist() == reference["kind"].tolist()
    assert_allclose(table["estimate"], reference["clm_estimate"], atol=1e-6, rtol=0)
    assert_allclose(table["se"], reference["clm_se"], rtol=1e-5)
    assert_allclose(table["estimate"], reference["polr_estimate"], atol=5e-4, rtol=0)
    assert_allclose(table["se"], reference["polr_se"], rtol=5e-5)
    assert (table["n"] == 250).all()


def test_ordered_logit_levels_match_r(mobi):
    meta = json.loads(open(f"{VALUES}/drivers_reference.json").read())["ordered"]
    for name, (outcome, predictors, collapse) in ORDERED.items():
        table = ordered_logit(mobi, outcome=outcome, predictors=predictors, collapse=collapse)
        levels = meta[name]["levels"]
        thresholds = table.loc[table["kind"] == "threshold", "term"].tolist()
        assert thresholds == [f"{a}|{b}" for a, b in itertools.pairwise(levels)]


@pytest.mark.parametrize("name", list(ORDERED))
def test_brant_test_matches_r(name, mobi):
    outcome, predictors, collapse = ORDERED[name]
    table = proportional_odds_test(mobi, outcome=outcome, predictors=predictors, collapse=collapse)
    reference = pd.read_csv(f"{VALUES}/drivers_brant.csv").query("model == @name")
    assert list(table.columns) == list(BRANT_COLUMNS)
    assert table["test"].tolist() == reference["test"].tolist()
    assert_allclose(table["statistic"], reference["chi2"], rtol=1e-8)
    assert_allclose(table["df"], reference["df"], rtol=0)
    assert_allclose(table["p_val"], reference["p"], rtol=1e-7)


def test_ordered_logit_sign_convention_and_odds_ratio():
    rng = np.random.default_rng(5)
    x = rng.normal(size=600)
    y = np.digitize(0.8 * x + rng.logistic(size=600), [-1.0, 0.5]) + 1
    table = ordered_logit(pd.DataFrame({"x": x, "y": y}), outcome="y", predictors=["x"])
    row = table.iloc[0]
    assert row["estimate"] > 0  # more x, higher categories: polr's sign
    assert_allclose(row["odds_ratio"], np.exp(row["estimate"]))
    thresholds = table.loc[table["kind"] == "threshold"]
    assert thresholds["estimate"].is_monotonic_increasing
    assert thresholds["statistic"].isna().all() and thresholds["p_val"].isna().all()


def test_ordered_logit_recovers_parameters():
    rng = np.random.default_rng(11)
    n = 4000
    x = rng.normal(size=(n, 2))
    latent = x @ np.array([0.7, -0.4]) + rng.logistic(size=n)
    cuts = np.array([-1.0, 0.2, 1.4])
    data = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "y": np.digitize(latent, cuts) + 1})
    table = ordered_logit(data, outcome="y", predictors=["a", "b"])
    truth = np.r_[0.7, -0.4, cuts]
    assert np.all(np.abs(table["estimate"] - truth) < 4 * table["se"])
    assert ((table["ci_low"] < table["estimate"]) & (table["estimate"] < table["ci_high"])).all()


# --------------------------------------------------------------------------------------------
# Robustness table


def test_driver_robustness_puts_the_two_models_side_by_side(mobi):
    table = driver_robustness(
        mobi, outcome="Satisfaction", predictors=BLOCKS, ordinal_outcome="CUSA1", collapse={4: 5}
    )
    ols = driver_regression(mobi, outcome="Satisfaction", predictors=BLOCKS).iloc[1:]
    ologit = ordered_logit(mobi, outcome="CUSA1", predictors=BLOCKS, collapse={4: 5}).iloc[:4]
    assert list(table.columns) == list(ROBUSTNESS_COLUMNS)
    assert_allclose(table["ols_beta"], ols["beta"])
    assert_allclose(table["ologit_estimate"], ologit["estimate"])
    assert_allclose(table["ologit_per_sd"], ologit["estimate"] * mobi[BLOCKS].std().to_numpy())
    assert (
        table["same_sign"] == (np.sign(ols["beta"].to_numpy()) == np.sign(table["ologit_estimate"]))
    ).all()
    expected = (table["same_sign"] & table["ols_significant"] & table["ologit_significant"]) | (
        ~table["ols_significant"] & ~table["ologit_significant"]
    )
    assert (table["agree"] == expected).all()
    # Value: significant in OLS (p = .002), not in the ordered logit (p = .43): disagreement
    value = table.set_index("term").loc["Value"]
    assert value["ols_significant"] and not value["ologit_significant"] and not value["agree"]
    assert (table["n_ols"] == 250).all() and (table["n_ologit"] == 250).all()


def test_driver_robustness_rejects_bad_alpha(mobi):
    with pytest.raises(ValueError, match=r"'alpha' parameter of driver_robustness must be"):
        driver_robustness(mobi, outcome="CUSA1", predictors=BLOCKS, alpha=1.5)


# --------------------------------------------------------------------------------------------
# Properties


def _small_data(seed: int, n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = x @ np.array([0.5, -0.3, 0.1]) + rng.normal(size=n) * (1 + np.abs(x[:, 0]))
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "y": y})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**16), order=st.randoms(use_true_random=False))
def test_driver_regression_invariant_to_row_order(seed, order):
    data = _small_data(seed)
    rows = list(data.index)
    order.shuffle(rows)
    a = driver_regression(data, outcome="y", predictors=["a", "b", "c"])
    b = driver_regression(data.loc[rows], outcome="y", predictors=["a", "b", "c"])
    numeric = [c for c in REGRESSION_COLUMNS if c not in ("term", "method")]
    assert_allclose(a[numeric], b[numeric], rtol=1e-9, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    scale=st.floats(0.01, 100),
    shift=st.floats(-100, 100),
    ci=st.floats(0.5, 0.999),
)
def test_betas_invariant_to_linear_rescaling_and_ci_contains_estimate(seed, scale, shift, ci):
    data = _small_data(seed)
    table = driver_regression(data, outcome="y", predictors=["a", "b", "c"], ci=ci)
    moved = data.assign(a=data["a"] * scale + shift)
    other = driver_regression(moved, outcome="y", predictors=["a", "b", "c"], ci=ci)
    assert_allclose(table["beta"].iloc[1:], other["beta"].iloc[1:], rtol=1e-7)
    assert_allclose(table["p_val"].iloc[1:], other["p_val"].iloc[1:], rtol=1e-6, atol=1e-12)
    assert ((table["ci_low"] <= table["estimate"]) & (table["estimate"] <= table["ci_high"])).all()


def test_ordered_logit_invariant_to_row_order(mobi):
    outcome, predictors, _ = ORDERED["loyalty"]
    shuffled = mobi.sample(frac=1, random_state=3)
    a = ordered_logit(mobi, outcome=outcome, predictors=predictors)
    b = ordered_logit(shuffled, outcome=outcome, predictors=predictors)
    assert_allclose(a["estimate"], b["estimate"], atol=1e-7)
    assert_allclose(a["se"], b["se"], rtol=1e-5)


def test_listwise_deletion_warns_above_a_fifth(mobi):
    data = mobi.copy()
    data.loc[data.index[:60], "Value"] = np.nan
    with pytest.warns(ListwiseDeletionWarning, match=r"dropped 60 of 250 rows \(24%\)"):
        table = driver_regression(data, outcome="Satisfaction", predictors=BLOCKS)
    assert table["n"].iloc[0] == 190


# --------------------------------------------------------------------------------------------
# Edge cases: every message tested


def test_collinear_predictors_are_named(mobi):
    data = mobi.assign(Total=mobi["Image"] + mobi["Quality"])
    predictors = ["Image", "Expectation", "Quality", "Total"]
    message = r"Predictors \['Image', 'Quality', 'Total'\] of driver_regression are perfectly"
    with pytest.raises(ValueError, match=message):
        driver_regression(data, outcome="Satisfaction", predictors=predictors)
    with pytest.raises(ValueError, match=r"\['Image', 'Quality', 'Total'\] of ordered_logit"):
        ordered_logit(data, outcome="CUSL1", predictors=predictors)
    with pytest.raises(ValueError, match=r"of variance_inflation_factors are perfectly collinear"):
        variance_inflation_factors(data, predictors=predictors)


def test_constant_predictor_is_named(mobi):
    data = mobi.assign(Constant=3.0)
    with pytest.raises(ValueError, match=r"Predictors \['Constant'\] of driver_regression are con"):
        driver_regression(data, outcome="Satisfaction", predictors=["Image", "Constant"])


def test_constant_outcome(mobi):
    with pytest.raises(ValueError, match=r"outcome 'Flat' of driver_regression is constant"):
        driver_regression(mobi.assign(Flat=7.0), outcome="Flat", predictors=["Image"])


def test_ordered_logit_single_level(mobi):
    data = mobi.assign(Flat=7)
    with pytest.raises(
        ValueError, match=r"'Flat' of ordered_logit has a single category \(\[7\]\)"
    ):
        ordered_logit(data, outcome="Flat", predictors=["Image"])
    with pytest.raises(ValueError, match=r"has a single category"):
        ordered_logit(
            mobi, outcome="CUSA1", predictors=["Image"], collapse={c: 1 for c in range(11)}
        )


def test_ordered_logit_rejects_mean_scores(mobi):
    with pytest.raises(ValueError, match=r"'Satisfaction' of ordered_logit holds non-integer"):
        ordered_logit(mobi, outcome="Satisfaction", predictors=["Image"])


def test_empty_middle_category_is_dropped_with_a_warning(mobi):
    data = mobi.assign(CUSL1=mobi["CUSL1"].replace({5: 4}))  # nobody left at 5
    with pytest.warns(CategoryWarning, match=r"categories \[5\] of 'CUSL1' have no observations"):
        table = ordered_logit(data, outcome="CUSL1", predictors=["Image"])
    assert "4|6" in table["term"].tolist()
    consecutive = {6: 5, 7: 6, 8: 7, 9: 8, 10: 9}  # the same categories, no empty code
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explicit = ordered_logit(data, outcome="CUSL1", predictors=["Image"], collapse=consecutive)
    assert_allclose(table["estimate"], explicit["estimate"], atol=1e-7)


def test_collapse_merges_categories_like_r(mobi):
    merged = ordered_logit(mobi, outcome="CUSA1", predictors=BLOCKS, collapse={4: 5})
    by_hand = ordered_logit(
        mobi.assign(CUSA1=mobi["CUSA1"].clip(lower=5)), outcome="CUSA1", predictors=BLOCKS
    )
    assert_allclose(merged["estimate"], by_hand["estimate"], atol=1e-8)


def test_collapse_must_map_integer_codes(mobi):
    with pytest.raises(TypeError, match=r"'collapse' parameter of ordered_logit must be a mapp"):
        ordered_logit(mobi, outcome="CUSA1", predictors=BLOCKS, collapse={"4": "5"})


def test_too_few_rows(mobi):
    small = mobi.head(5)
    with pytest.raises(ValueError, match=r"driver_regression needs at least 6 complete rows"):
        driver_regression(small, outcome="Satisfaction", predictors=BLOCKS)
    with pytest.raises(ValueError, match=r"ordered_logit needs more complete rows than param"):
        ordered_logit(small, outcome="CUSL1", predictors=BLOCKS)


def test_non_numeric_columns_are_named(mobi):
    data = mobi.assign(Segment=np.where(mobi.index % 2, "a", "b"))
    with pytest.raises(TypeError, match=r"Columns \['Segment'\] of driver_regression are not num"):
        driver_regression(data, outcome="Satisfaction", predictors=["Image", "Segment"])
    with pytest.raises(TypeError, match=r"Columns \['Segment'\] of ordered_logit are not numeric"):
        ordered_logit(data, outcome="CUSL1", predictors=["Segment"])


def test_all_missing_column(mobi):
    data = mobi.assign(Empty=np.nan)
    with pytest.raises(ValueError, match=r"Columns \['Empty'\] of driver_regression have no val"):
        driver_regression(data, outcome="Satisfaction", predictors=["Image", "Empty"])


def test_infinite_values(mobi):
    data = mobi.assign(Image=mobi["Image"].replace(mobi["Image"].iloc[0], np.inf))
    with pytest.raises(ValueError, match=r"Columns \['Image'\] of driver_regression hold infin"):
        driver_regression(data, outcome="Satisfaction", predictors=["Image"])


def test_parameter_checks(mobi):
    with pytest.raises(TypeError, match=r"'data' parameter of driver_regression must be a pand"):
        driver_regression(mobi.to_numpy(), outcome="Satisfaction", predictors=BLOCKS)
    with pytest.raises(TypeError, match=r"'outcome' parameter of driver_regression must be one"):
        driver_regression(mobi, outcome=["Satisfaction"], predictors=BLOCKS)
    with pytest.raises(TypeError, match=r"'predictors' parameter of driver_regression must be a"):
        driver_regression(mobi, outcome="Satisfaction", predictors="Image")
    with pytest.raises(ValueError, match=r"'predictors' parameter of driver_regression must name"):
        driver_regression(mobi, outcome="Satisfaction", predictors=[])
    with pytest.raises(ValueError, match=r"'predictors' parameter of driver_regression repeats"):
        driver_regression(mobi, outcome="Satisfaction", predictors=["Image", "Image"])
    with pytest.raises(ValueError, match=r"outcome 'Satisfaction' of driver_regression is also"):
        driver_regression(mobi, outcome="Satisfaction", predictors=["Image", "Satisfaction"])
    with pytest.raises(ValueError, match=r"the data lack the columns \['Nope'\]"):
        driver_regression(mobi, outcome="Satisfaction", predictors=["Nope"])
    with pytest.raises(ValueError, match=r"'ci' parameter of driver_regression must be a float"):
        driver_regression(mobi, outcome="Satisfaction", predictors=BLOCKS, ci=95)
    with pytest.raises(ValueError, match=r"'ci' parameter of ordered_logit must be a float"):
        ordered_logit(mobi, outcome="CUSL1", predictors=BLOCKS, ci=0)
    with pytest.raises(ValueError, match=r"variance_inflation_factors must name at least two"):
        variance_inflation_factors(mobi, predictors=["Image"])


def test_brant_needs_three_categories(mobi):
    data = mobi.assign(High=(mobi["CUSL1"] > 7).astype(int))
    with pytest.raises(ValueError, match=r"proportional_odds_test needs an outcome with at least"):
        proportional_odds_test(data, outcome="High", predictors=["Image"])


def test_brant_reports_separated_splits():
    rng = np.random.default_rng(0)
    x = rng.normal(size=100)
    data = pd.DataFrame({"x": x, "y": np.digitize(x, [-0.5, 0.5]) + 1})
    with pytest.raises(ValueError, match=r"binary logit of y > 1 does not converge"):
        proportional_odds_test(data, outcome="y", predictors=["x"])


def test_separation_warns():
    rng = np.random.default_rng(0)
    x = rng.normal(size=100)
    data = pd.DataFrame({"x": x, "y": np.digitize(x, [-0.5, 0.5]) + 1})
    with pytest.warns(OrderedLogitConvergenceWarning, match=r"separate the categories"):
        ordered_logit(data, outcome="y", predictors=["x"])


def test_optimizer_stopping_short_warns(mobi, monkeypatch):
    monkeypatch.setattr(analysis.drivers, "BFGS_GTOL", 0.5)
    with pytest.warns(OrderedLogitConvergenceWarning, match=r"stopped where the largest score"):
        ordered_logit(mobi, outcome="CUSL1", predictors=BLOCKS)


def test_two_categories_fit_a_binary_logit(mobi):
    data = mobi.assign(High=(mobi["CUSL1"] > 7).astype(int))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = ordered_logit(data, outcome="High", predictors=["Image"])
    assert table["term"].tolist() == ["Image", "0|1"]


# --------------------------------------------------------------------------------------------
# The bank survey: the module's choices, on synthetic responses


def test_drivers_on_the_synthetic_survey():
    from analysis.descriptives import construct_scores

    instrument = load_instrument("survey/instrument.yaml")
    population = load_population("survey/population.yaml", instrument)
    sample = synthetic_sample(instrument, population, n=1500, random_state=2)
    scores = construct_scores(sample.responses, instrument)
    data = scores.assign(sat1=sample.responses[analysis.drivers.SATISFACTION_ITEM])
    touchpoints = ["staff", "personal", "channel", "product", "communication"]
    table = driver_robustness(
        data, outcome="satisfaction", predictors=touchpoints, ordinal_outcome="sat1"
    )
    assert table["same_sign"].all()
    assert INTERCEPT not in table["term"].tolist()


def test_doctests():
    failed, attempted = doctest.testmod(analysis.drivers, optionflags=doctest.ELLIPSIS)
    assert attempted > 0 and failed == 0
