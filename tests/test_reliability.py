"""Reliability: alpha, item analysis, omega, CR and AVE against R; properties; bad input.

Reference values (``tests/reference/values/``) come from R 4.2.2 with psych 2.2.9, lavaan
0.6-14 and semTools 0.5-6; the exact calls are in ``tests/reference/R/02_bfi_psych.R`` (bfi:
five 5-item scales, reverse-keyed items ``7 - x``, ``psych::alpha`` with its default
``use = "pairwise"`` and on ``na.omit`` complete cases) and ``01_hs_cfa.R`` / ``03_mobi.R``
(CR and AVE from lavaan's standardized loadings).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pingouin
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose

from analysis.config import REPO_ROOT
from analysis.reliability import (
    ALPHA_COLUMNS,
    ITEM_COLUMNS,
    LOADING_COLUMNS,
    SCALE_COLUMNS,
    alpha_if_deleted,
    average_variance_extracted,
    composite_reliability,
    cronbach_alpha,
    item_total_correlations,
    mcdonald_omega,
    standardized_alpha,
)

REFERENCE = REPO_ROOT / "tests" / "reference"
VALUES = REFERENCE / "values"
SCALES = {scale: [f"{scale}{i}" for i in range(1, 6)] for scale in "ACENO"}
REVERSED = ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]  # psych's bfi.keys; 6 points: 7 - x

# Tolerances. alpha, standardized alpha, alpha if deleted and r.drop are closed-form functions
# of the covariance matrix: agreement is limited by the 15 significant digits R wrote
# (largest difference seen 1.3e-15). omega needs psych's minres fit, an L-BFGS-B optimisation
# that stops at its own tolerance: largest difference seen 4.1e-8. CR and AVE are closed form
# on lavaan's std.all loadings (written with 15 digits): largest difference seen 8.9e-16.
CLOSED_FORM_ATOL = 1e-12
OMEGA_ATOL = 1e-7
# pingouin rounds its confidence interval to 3 decimals.
PINGOUIN_CI_ATOL = 5e-4 + 1e-12


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    """psych::bfi, reverse-keyed items recoded 7 - x (as the R script does)."""
    data = pd.read_csv(REFERENCE / "data" / "bfi_psych.csv", index_col=0)
    data[REVERSED] = 7 - data[REVERSED]
    return data


def _by_scale(name: str) -> pd.DataFrame:
    return pd.read_csv(VALUES / name)


def _complete(data: pd.DataFrame, scale: str) -> pd.DataFrame:
    return data[SCALES[scale]].dropna()


def _estimate(table: pd.DataFrame) -> float:
    return float(table["estimate"].iloc[0])


# --------------------------------------------------------------------------------------------
# Reference tests (R)


@pytest.mark.parametrize("nan_policy", ["pairwise", "listwise"])
def test_raw_alpha_matches_psych_alpha(bfi, nan_policy):
    reference = _by_scale("bfi_alpha.csv")
    column = "raw_alpha" if nan_policy == "pairwise" else "raw_alpha_complete"
    ours = [
        _estimate(cronbach_alpha(bfi, items=SCALES[s], nan_policy=nan_policy))
        for s in reference["scale"]
    ]
    assert_allclose(ours, reference[column], rtol=0, atol=CLOSED_FORM_ATOL)


@pytest.mark.parametrize("nan_policy", ["pairwise", "listwise"])
def test_standardized_alpha_matches_psych_std_alpha(bfi, nan_policy):
    reference = _by_scale("bfi_alpha.csv")
    column = "std_alpha" if nan_policy == "pairwise" else "std_alpha_complete"
    ours = [
        _estimate(standardized_alpha(bfi, items=SCALES[s], nan_policy=nan_policy))
        for s in reference["scale"]
    ]
    assert_allclose(ours, reference[column], rtol=0, atol=CLOSED_FORM_ATOL)


def test_n_is_rows_answering_any_item_or_complete_rows(bfi):
    reference = _by_scale("bfi_alpha.csv")
    for _, row in reference.iterrows():
        items = SCALES[row["scale"]]
        assert cronbach_alpha(bfi, items=items)["n"].iloc[0] == 2800  # no bfi row is blank
        complete = cronbach_alpha(bfi, items=items, nan_policy="listwise")
        assert complete["n"].iloc[0] == row["n_complete"]
        assert complete["n_items"].iloc[0] == row["n_items"]


@pytest.mark.parametrize("nan_policy", ["pairwise", "listwise"])
def test_alpha_if_deleted_matches_psych_alpha_drop(bfi, nan_policy):
    reference = _by_scale("bfi_alpha_if_deleted.csv")
    column = "raw_alpha_if_deleted" if nan_policy == "pairwise" else "raw_alpha_if_deleted_complete"
    ours = pd.concat(
        [alpha_if_deleted(bfi, items=SCALES[s], nan_policy=nan_policy) for s in SCALES],
        ignore_index=True,
    )
    assert ours["item"].tolist() == reference["item"].tolist()
    assert (ours["n_items"] == 4).all()
    assert_allclose(ours["estimate"], reference[column], rtol=0, atol=CLOSED_FORM_ATOL)


def test_standardized_alpha_without_each_item_matches_psych_alpha_drop(bfi):
    reference = _by_scale("bfi_alpha_if_deleted.csv")
    ours = [
        _estimate(standardized_alpha(bfi, items=[i for i in SCALES[s] if i != item]))
        for s, item in zip(reference["scale"], reference["item"], strict=True)
    ]
    assert_allclose(ours, reference["std_alpha_if_deleted"], rtol=0, atol=CLOSED_FORM_ATOL)


@pytest.mark.parametrize("nan_policy", ["pairwise", "listwise"])
def test_item_total_correlations_match_psych_r_drop(bfi, nan_policy):
    reference = _by_scale("bfi_alpha_item_stats.csv")
    column = "r_drop" if nan_policy == "pairwise" else "r_drop_complete"
    ours = pd.concat(
        [item_total_correlations(bfi, items=SCALES[s], nan_policy=nan_policy) for s in SCALES],
        ignore_index=True,
    )
    assert ours["item"].tolist() == reference["item"].tolist()
    assert_allclose(ours["estimate"], reference[column], rtol=0, atol=CLOSED_FORM_ATOL)
    if nan_policy == "pairwise":
        assert ours["n"].tolist() == reference["n"].tolist()


@pytest.mark.parametrize("nan_policy", ["pairwise", "listwise"])
def test_omega_matches_psych_omega_total_of_one_minres_factor(bfi, nan_policy):
    # bfi_omega.csv: omega_t_psych_minres_* = psych::omega(x, nfactors = 1, fm = "minres")
    # $omega.tot on pairwise / complete data; the CFA-based omega_compRelSEM_ML_listwise is a
    # different estimand (semTools::compRelSEM) and is not what mcdonald_omega reports.
    reference = _by_scale("bfi_omega.csv")
    column = (
        "omega_t_psych_minres_pairwise"
        if nan_policy == "pairwise"
        else "omega_t_psych_minres_complete"
    )
    ours = [
        _estimate(mcdonald_omega(bfi, items=SCALES[s], nan_policy=nan_policy))
        for s in reference["scale"]
    ]
    # psych fits minres by L-BFGS-B and stops at its tolerance; we iterate to 1e-13.
    assert_allclose(ours, reference[column], rtol=0, atol=OMEGA_ATOL)
    assert not np.allclose(ours, reference["omega_compRelSEM_ML_listwise"], atol=1e-3)


def _standardized_loadings(name: str) -> pd.DataFrame:
    params = pd.read_csv(VALUES / name)
    return params[params["op"] == "=~"]


@pytest.mark.parametrize(
    ("params", "reference", "key"),
    [
        ("hs_cfa_params.csv", "hs_cfa_reference.json", None),
        ("mobi_cfa_params.csv", "mobi_reference.json", "cfa"),
    ],
)
def test_cr_and_ave_match_the_hand_formulas_on_lavaan_std_loadings(params, reference, key):
    values = json.loads((VALUES / reference).read_text(encoding="utf-8"))
    values = values[key] if key else values
    loadings = _standardized_loadings(params)
    for construct, rows in loadings.groupby("lhs"):
        cr = composite_reliability(rows["std.all"])
        ave = average_variance_extracted(rows["std.all"].tolist())
        assert_allclose(
            _estimate(cr), values["CR_from_std_loadings"][construct], rtol=0, atol=1e-12
        )
        assert_allclose(
            _estimate(ave), values["AVE_from_std_loadings"][construct], rtol=0, atol=1e-12
        )
        assert cr["n_items"].iloc[0] == len(rows)


def test_cr_differs_from_semtools_comprelsem():
    # Documented: semTools' compRelSEM (observed total variance) is another estimand.
    values = json.loads((VALUES / "hs_cfa_reference.json").read_text(encoding="utf-8"))
    visual = _standardized_loadings("hs_cfa_params.csv").query("lhs == 'visual'")["std.all"]
    assert (
        abs(_estimate(composite_reliability(visual)) - values["compRelSEM_omega"]["visual"]) > 0.01
    )


# --------------------------------------------------------------------------------------------
# Cross-checks against pingouin (DESIGN §4: pingouin matches R to 1e-10 for alpha)


@pytest.mark.parametrize("nan_policy", ["pairwise", "listwise"])
def test_alpha_and_feldt_interval_match_pingouin(bfi, nan_policy):
    for items in SCALES.values():
        ours = cronbach_alpha(bfi, items=items, ci=0.9, nan_policy=nan_policy)
        # pingouin 0.5-0.7 takes n before its listwise deletion (all 2800 rows), so for
        # listwise its interval is compared on the complete cases themselves.
        data = bfi[items] if nan_policy == "pairwise" else bfi[items].dropna()
        alpha, interval = pingouin.cronbach_alpha(data, ci=0.9, nan_policy=nan_policy)
        assert_allclose(_estimate(ours), alpha, rtol=0, atol=1e-12)
        assert_allclose(
            ours[["ci_low", "ci_high"]].iloc[0], interval, rtol=0, atol=PINGOUIN_CI_ATOL
        )


def test_feldt_interval_formula_on_a_small_example():
    # Feldt et al. (1987): 1 - (1 - alpha) * F quantiles with df (n - 1, (n - 1)(k - 1)).
    from scipy import stats

    data = pd.DataFrame({"a": [1, 2, 3, 4, 5, 3], "b": [2, 2, 3, 5, 4, 3], "c": [1, 3, 3, 4, 5, 2]})
    table = cronbach_alpha(data, items=["a", "b", "c"], ci=0.95)
    alpha = _estimate(table)
    assert_allclose(alpha, 0.9317647058823528, rtol=1e-14)  # pingouin's value
    expected = [
        1 - (1 - alpha) * stats.f.ppf(0.975, 5, 10),
        1 - (1 - alpha) * stats.f.ppf(0.025, 5, 10),
    ]
    assert_allclose(table[["ci_low", "ci_high"]].iloc[0], expected, rtol=1e-12)
    assert "Feldt" in table["method"].iloc[0]
    assert "95%" in table["method"].iloc[0]


# --------------------------------------------------------------------------------------------
# Result layout


def test_tidy_columns(bfi):
    items = SCALES["A"]
    assert list(cronbach_alpha(bfi, items=items).columns) == list(ALPHA_COLUMNS)
    assert list(standardized_alpha(bfi, items=items).columns) == list(SCALE_COLUMNS)
    assert list(mcdonald_omega(bfi, items=items).columns) == list(SCALE_COLUMNS)
    assert list(alpha_if_deleted(bfi, items=items).columns) == list(ITEM_COLUMNS)
    assert list(item_total_correlations(bfi, items=items).columns) == list(ITEM_COLUMNS)
    assert list(composite_reliability([0.7, 0.8]).columns) == list(LOADING_COLUMNS)
    assert list(average_variance_extracted([0.7, 0.8]).columns) == list(LOADING_COLUMNS)


def test_methods_name_the_estimator(bfi):
    items = SCALES["A"]
    assert "raw" in cronbach_alpha(bfi, items=items)["method"].iloc[0]
    assert "standardized" in standardized_alpha(bfi, items=items)["method"].iloc[0]
    method = mcdonald_omega(bfi, items=items, nan_policy="listwise")["method"].iloc[0]
    assert "omega total" in method
    assert "minres" in method
    assert "listwise" in method
    assert "composite reliability" in composite_reliability([0.7, 0.8])["method"].iloc[0]


def test_nullable_integer_columns_are_accepted(bfi):
    items = SCALES["N"]
    nullable = bfi[items].astype("Int64")
    assert_allclose(
        _estimate(cronbach_alpha(nullable, items=items)),
        _estimate(cronbach_alpha(bfi, items=items)),
        rtol=0,
        atol=1e-15,
    )


# --------------------------------------------------------------------------------------------
# Parameter recovery and exact identities


def _exact_sample(corr: np.ndarray, n: int, seed: int) -> pd.DataFrame:
    """Data whose sample correlation matrix is exactly ``corr`` (whitened, then coloured)."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, len(corr)))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False)).T)
    x = z @ np.linalg.cholesky(corr).T
    return pd.DataFrame(x, columns=[f"x{j}" for j in range(len(corr))])


def _one_factor(loadings: list[float]) -> np.ndarray:
    lam = np.array(loadings)
    corr = np.outer(lam, lam)
    np.fill_diagonal(corr, 1.0)
    return corr


def test_omega_equals_composite_reliability_when_one_factor_fits_exactly():
    loadings = [0.8, 0.7, 0.6, 0.5, 0.75]
    data = _exact_sample(_one_factor(loadings), n=200, seed=1)
    omega = _estimate(mcdonald_omega(data, items=list(data.columns)))
    cr = _estimate(composite_reliability(loadings))
    assert_allclose(omega, cr, rtol=0, atol=1e-10)


def test_alpha_equals_omega_for_equal_loadings():
    # Tau-equivalent standardized items: alpha is the reliability (Cronbach 1951).
    data = _exact_sample(_one_factor([0.7] * 4), n=100, seed=2)
    items = list(data.columns)
    assert_allclose(
        _estimate(cronbach_alpha(data, items=items)),
        _estimate(mcdonald_omega(data, items=items)),
        rtol=0,
        atol=1e-10,
    )


def test_omega_recovers_the_population_reliability():
    # Parameter recovery: one-factor data with known loadings, a local seed.
    loadings = np.array([0.85, 0.75, 0.6, 0.5])
    rng = np.random.default_rng(20261128)
    n = 20_000
    factor = rng.standard_normal(n)
    noise = rng.standard_normal((n, loadings.size)) * np.sqrt(1 - loadings**2)
    data = pd.DataFrame(factor[:, None] * loadings + noise, columns=list("abcd"))
    population = _estimate(composite_reliability(loadings))
    omega = _estimate(mcdonald_omega(data, items=list("abcd")))
    alpha = _estimate(cronbach_alpha(data, items=list("abcd")))
    assert abs(omega - population) < 0.01  # SE of omega at n = 20000 is about 0.002
    assert alpha < omega  # congeneric items: alpha underestimates


def test_single_item_construct_has_cr_and_ave_of_one():
    assert _estimate(composite_reliability([1.0])) == 1.0
    assert _estimate(average_variance_extracted(pd.Series([1.0]))) == 1.0


# --------------------------------------------------------------------------------------------
# Properties (hypothesis)


@st.composite
def item_data(draw, min_items=2, max_items=6):
    """A 7-point item matrix with non-constant items and a positive total variance."""
    n = draw(st.integers(min_value=5, max_value=40))
    k = draw(st.integers(min_value=min_items, max_value=max_items))
    base = draw(arrays(np.int64, (n, 1), elements=st.integers(1, 7)))
    noise = draw(arrays(np.int64, (n, k), elements=st.integers(-2, 2)))
    values = np.clip(base + noise, 1, 7).astype(float)
    assume(np.all(values.std(axis=0) > 0))
    assume(values.sum(axis=1).std() > 1e-6)
    return pd.DataFrame(values, columns=[f"q{j}" for j in range(k)])


@settings(max_examples=60, deadline=None)
@given(data=item_data(), seed=st.integers(0, 2**32 - 1))
def test_alpha_is_invariant_to_item_order(data, seed):
    items = list(data.columns)
    shuffled = list(np.random.default_rng(seed).permutation(items))
    assert_allclose(
        _estimate(cronbach_alpha(data, items=shuffled)),
        _estimate(cronbach_alpha(data, items=items)),
        rtol=0,
        atol=1e-10,
    )
    by_item = item_total_correlations(data, items=shuffled).set_index("item")["estimate"]
    assert_allclose(
        by_item[items],
        item_total_correlations(data, items=items)["estimate"],
        rtol=0,
        atol=1e-10,
    )


@settings(max_examples=60, deadline=None)
@given(
    data=item_data(),
    shift=st.floats(min_value=-100, max_value=100, allow_nan=False),
    scale=st.floats(min_value=0.1, max_value=10),
)
def test_alpha_is_invariant_to_shifting_an_item(data, shift, scale):
    moved = data.assign(q0=data["q0"] + shift)
    items = list(data.columns)
    assert_allclose(
        _estimate(cronbach_alpha(moved, items=items)),
        _estimate(cronbach_alpha(data, items=items)),
        rtol=0,
        atol=1e-9,
    )
    # standardized alpha is also invariant to rescaling an item
    rescaled = data.assign(q0=data["q0"] * scale + shift)
    assert_allclose(
        _estimate(standardized_alpha(rescaled, items=items)),
        _estimate(standardized_alpha(data, items=items)),
        rtol=0,
        atol=1e-9,
    )


@settings(max_examples=60, deadline=None)
@given(data=item_data(), ci=st.floats(min_value=0.5, max_value=0.999))
def test_interval_contains_the_estimate(data, ci):
    row = cronbach_alpha(data, items=list(data.columns), ci=ci).iloc[0]
    assert row["ci_low"] <= row["estimate"] <= row["ci_high"]
    assert row["estimate"] <= 1
    assert row["ci_high"] <= 1


@settings(max_examples=60, deadline=None)
@given(data=item_data(), ci=st.floats(min_value=0.5, max_value=0.95))
def test_wider_confidence_gives_a_wider_interval(data, ci):
    items = list(data.columns)
    narrow = cronbach_alpha(data, items=items, ci=ci).iloc[0]
    wide = cronbach_alpha(data, items=items, ci=ci + 0.04).iloc[0]
    assert wide["ci_low"] <= narrow["ci_low"]
    assert wide["ci_high"] >= narrow["ci_high"]


@settings(max_examples=60, deadline=None)
@given(loadings=st.lists(st.floats(min_value=0.05, max_value=1.0), min_size=1, max_size=10))
def test_cr_and_ave_lie_in_the_unit_interval(loadings):
    cr = _estimate(composite_reliability(loadings))
    ave = _estimate(average_variance_extracted(loadings))
    assert 0 < ave <= cr <= 1 + 1e-12


# --------------------------------------------------------------------------------------------
# Bad input: clear errors, never a silent NaN

SMALL = pd.DataFrame(
    {
        "a": [1.0, 2, 3, 4, 5, 3],
        "b": [2.0, 2, 3, 5, 4, 3],
        "c": [1.0, 3, 3, 4, 5, 2],
        "const": [4.0] * 6,
        "empty": [np.nan] * 6,
        "text": list("xyzxyz"),
    }
)
ESTIMATORS = [
    cronbach_alpha,
    standardized_alpha,
    alpha_if_deleted,
    item_total_correlations,
    mcdonald_omega,
]


@pytest.mark.parametrize("function", ESTIMATORS)
def test_a_constant_item_is_an_error(function):
    with pytest.raises(ValueError, match=r"Items \['const'\] of \w+ are constant"):
        function(SMALL, items=["a", "b", "c", "const"])


@pytest.mark.parametrize("function", ESTIMATORS)
def test_an_all_missing_item_is_an_error(function):
    with pytest.raises(ValueError, match=r"Items \['empty'\] of \w+ have no answers"):
        function(SMALL, items=["a", "b", "c", "empty"])


@pytest.mark.parametrize("function", ESTIMATORS)
def test_a_non_numeric_item_is_an_error(function):
    with pytest.raises(TypeError, match=r"Items \['text'\] of \w+ are not numeric"):
        function(SMALL, items=["a", "b", "c", "text"])


@pytest.mark.parametrize("function", ESTIMATORS)
def test_an_absent_item_is_an_error(function):
    with pytest.raises(ValueError, match=r"names columns not in the data: \['zz'\]"):
        function(SMALL, items=["a", "b", "c", "zz"])


@pytest.mark.parametrize(
    ("function", "fewest"),
    [
        (cronbach_alpha, 2),
        (standardized_alpha, 2),
        (item_total_correlations, 2),
        (alpha_if_deleted, 3),
        (mcdonald_omega, 3),
    ],
)
def test_too_few_items_is_an_error(function, fewest):
    with pytest.raises(ValueError, match=rf"must name at least {fewest} item\(s\)\. Got"):
        function(SMALL, items=["a", "b", "c"][: fewest - 1])


@pytest.mark.parametrize("function", ESTIMATORS)
def test_items_must_be_a_list_not_a_string(function):
    with pytest.raises(TypeError, match="must be a list of column names"):
        function(SMALL, items="abc")


@pytest.mark.parametrize("function", ESTIMATORS)
def test_unknown_nan_policy_is_an_error(function):
    with pytest.raises(ValueError, match=r"'nan_policy' parameter of \w+ must be one of"):
        function(SMALL, items=["a", "b", "c"], nan_policy="omit")


def test_data_must_be_a_dataframe():
    with pytest.raises(TypeError, match="'data' parameter of cronbach_alpha must be a pandas"):
        cronbach_alpha(SMALL.to_numpy(), items=["a", "b"])


@pytest.mark.parametrize("ci", [0, 1, 1.5, -0.1, True, "0.95"])
def test_ci_outside_the_unit_interval_is_an_error(ci):
    with pytest.raises(
        ValueError, match=r"The 'ci' parameter of cronbach_alpha must be a float in \(0, 1\)"
    ):
        cronbach_alpha(SMALL, items=["a", "b"], ci=ci)


def test_items_never_answered_together_are_an_error():
    data = pd.DataFrame({"a": [1, 2, 3, np.nan, np.nan], "b": [np.nan, np.nan, 2, 4, 5]})
    data["c"] = [1, 2, 3, 4, 4]
    with pytest.raises(ValueError, match=r"the item pairs \[\('a', 'b'\)\] are answered together"):
        cronbach_alpha(data, items=["a", "b", "c"])


def test_listwise_with_too_few_complete_rows_is_an_error():
    data = pd.DataFrame({"a": [1, 2, np.nan, 4], "b": [np.nan, 2, 3, np.nan]})
    with pytest.raises(ValueError, match=r"Only 1 row\(s\) answer all of the items"):
        cronbach_alpha(data, items=["a", "b"], nan_policy="listwise")


def test_items_that_cancel_out_are_an_error():
    data = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [7.0, 6, 5, 4]})  # b = 8 - a: unkeyed
    with pytest.raises(ValueError, match=r"variance of the total score is .* Are reverse-keyed"):
        cronbach_alpha(data, items=["a", "b"])


def test_infinite_values_are_an_error():
    data = SMALL.assign(a=[1.0, np.inf, 3, 4, 5, 3])
    with pytest.raises(ValueError, match=r"Items \['a'\] of cronbach_alpha hold infinite"):
        cronbach_alpha(data, items=["a", "b"])


def test_repeated_items_are_an_error():
    with pytest.raises(ValueError, match=r"'items' parameter of cronbach_alpha repeats \['a'\]"):
        cronbach_alpha(SMALL, items=["a", "b", "a"])


def test_an_improper_one_factor_solution_is_an_error():
    # Seven answers to four items: the unconstrained one-factor minres solution gives 'a' a
    # communality of 1.03 (factor_analyzer's minres agrees), an ultra-Heywood case.
    data = pd.DataFrame(
        {
            "a": [1, 2, 3, 4, 5, 3, 2],
            "b": [2, 2, 3, 5, 4, 3, 1],
            "c": [1, 3, 3, 4, 5, 2, 2],
            "d": [2, 1, 4, 4, 5, 3, 3],
        }
    )
    with pytest.raises(ValueError, match=r"improper \(Heywood case\): items \['a'\]"):
        mcdonald_omega(data, items=["a", "b", "c", "d"])


def test_a_minres_solution_that_does_not_converge_is_an_error(bfi, monkeypatch):
    monkeypatch.setattr("analysis.reliability.MINRES_MAX_ITER", 2)
    with pytest.raises(ValueError, match="minres solution did not converge in 2 iterations"):
        mcdonald_omega(bfi, items=SCALES["A"])


def test_the_method_names_an_odd_confidence_level(bfi):
    method = cronbach_alpha(bfi, items=SCALES["A"], ci=0.975)["method"].iloc[0]
    assert "97.5% CI" in method


@pytest.mark.parametrize("function", [composite_reliability, average_variance_extracted])
@pytest.mark.parametrize(
    ("loadings", "error", "message"),
    [
        ([0.7, 1.2], ValueError, r"beyond \+-1: \[0\.7, 1\.2\]\. The CFA solution is improper"),
        ([0.7, np.nan], ValueError, "holds missing or infinite values"),
        ([], ValueError, "must not be empty"),
        ("0.7", TypeError, "must be a sequence of standardized loadings"),
        (0.7, TypeError, "must be a sequence of standardized loadings"),
        (["a", "b"], TypeError, "must hold numbers"),
    ],
)
def test_bad_loadings_are_errors(function, loadings, error, message):
    with pytest.raises(
        error, match=rf"The 'loadings' parameter of {function.__name__} .*{message}"
    ):
        function(loadings)
