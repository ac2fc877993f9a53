"""Measurement invariance (analysis.invariance) against lavaan 0.6-14.

Reference values: R 4.2.2, lavaan 0.6-14 (tests/reference/R/01_hs_cfa.R section (d) and
05_invariance.R): Holzinger & Swineford by school (2 groups; every level, partial scalar with
``group.partial = c("x3~1", "x7~1")``, the reference group switched with ``group.label``, an
R implementation of the partial-invariance search) and psych's bfi by education in three
groups (G = 3; listwise deletion; rows without an education dropped). Tolerances, with the
largest differences seen (HS / bfi):

- chi-square, df, npar, CFI, TLI, RMSEA, AIC, BIC, BIC2, log-likelihoods, baseline chi-square:
  rtol 1e-8 (largest relative difference 2.1e-10 / 5.0e-10). The fit function is flat at the
  optimum, so lavaan's stopping error hardly moves them. p: rtol 1e-7 with atol 1e-15, since
  lavaan computes ``1 - pchisq()`` (cancellation error ~1e-16 absolute; ours is
  ``chi2.sf``): the scalar model's p = 1.3e-11 differs by 2e-17 (relative 1.5e-6).
- RMSEA 90% CI and close-fit p: rtol 1e-6 (largest 2.1e-7 / 2.9e-10): lavaan inverts the
  noncentral chi2 with ``uniroot``'s default tolerance.
- SRMR: rtol 1e-5 (largest 3.0e-6 / 9.3e-7): first-order in the estimates, so it carries
  lavaan's stopping error (next item).
- Estimates atol 5e-5 (largest 1.6e-5, HS configural; bfi's 285 scalar parameters: atol 1e-4,
  largest 6.2e-5); standard errors atol 1e-5 (2.7e-6 / 4.5e-6); std.all atol 5e-5 (9.6e-6 /
  3.2e-5); z atol 5e-4 (1.3e-4). Latent mean differences: estimates 4.1e-6 / 4.7e-6, SEs
  1.4e-7 / 8.7e-7, standardized differences 4.6e-6 / 7.0e-6 and their delta-method SEs 2.5e-7 /
  6.5e-7; two-sided p atol 1e-4 (2.3e-5 / 3.0e-5). Not tighter: lavaan stops with |gradient|
  ~2e-6, ours at < 1e-7 (largest 7e-8) with a lower fit function value at every level
  (tested), so the differences are lavaan's stopping error.
- lavTestLRT: chi-square differences atol 1e-5 (1.9e-8 / 1.5e-6), p and RMSEA of the
  difference rtol 1e-6 (5.9e-9 / 4.1e-7); delta CFI/RMSEA/SRMR atol 1e-6 (2.2e-7).
"""

from __future__ import annotations

import doctest
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import analysis.invariance
from analysis.cfa import ImproperSolutionWarning, ListwiseDeletionWarning, instrument_constructs
from analysis.config import REPO_ROOT
from analysis.instrument import load_instrument, load_population
from analysis.invariance import (
    LEVELS,
    InvarianceConvergenceError,
    InvarianceFit,
    SmallGroupWarning,
    _Evaluator,
    fit_invariance,
    invariance_fit_table,
    invariance_parameters,
    invariance_sequence,
    latent_mean_differences,
    partial_invariance,
)
from analysis.semmodel import keyed_items
from analysis.synthetic import synthetic_sample

REFERENCE = REPO_ROOT / "tests" / "reference"
VALUES = REFERENCE / "values"
HS_CONSTRUCTS = {
    "visual": ["x1", "x2", "x3"],
    "textual": ["x4", "x5", "x6"],
    "speed": ["x7", "x8", "x9"],
}
BFI_CONSTRUCTS = {factor: [f"{factor}{i}" for i in range(1, 6)] for factor in "ACENO"}
PARTIAL = [("x3", "intercept"), ("x7", "intercept")]
#: fitMeasures names compared at rtol 1e-8
EXACT_MEASURES = (
    "npar",
    "chisq",
    "df",
    "cfi",
    "tli",
    "rmsea",
    "aic",
    "bic",
    "bic2",
    "logl",
    "unrestricted.logl",
    "baseline.chisq",
    "baseline.df",
)
#: touch-point constructs and outcomes of the notebook's invariance check
SURVEY_CONSTRUCTS = (
    "staff",
    "personal",
    "channel",
    "product",
    "communication",
    "satisfaction",
    "loyalty",
)


@pytest.fixture(scope="module")
def hs():
    return pd.read_csv(REFERENCE / "data" / "hs_lavaan.csv")


@pytest.fixture(scope="module")
def hs_fits(hs):
    return invariance_sequence(hs, constructs=HS_CONSTRUCTS, group="school", levels=LEVELS)


@pytest.fixture(scope="module")
def hs_partial(hs):
    return fit_invariance(
        hs, constructs=HS_CONSTRUCTS, group="school", level="scalar", partial=PARTIAL
    )


@pytest.fixture(scope="module")
def bfi():
    data = pd.read_csv(REFERENCE / "data" / "bfi_psych.csv")
    for item in ("A1", "C4", "C5", "E1", "E2", "O2", "O5"):
        data[item] = 7 - data[item]
    groups = {1: "secondary", 2: "secondary", 3: "college", 4: "graduate", 5: "graduate"}
    return data.assign(edu3=data["education"].map(groups))


@pytest.fixture(scope="module")
def bfi_fits(bfi):
    with pytest.warns(ListwiseDeletionWarning, match="223 of 2800 rows have no value in"):
        return invariance_sequence(bfi, constructs=BFI_CONSTRUCTS, group="edu3", levels=LEVELS)


@pytest.fixture(scope="module")
def meta():
    return json.loads((VALUES / "invariance_meta.json").read_text())


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(VALUES / name)


def _assert_measures(fit: InvarianceFit, reference: pd.Series) -> None:
    for name in EXACT_MEASURES:
        assert_allclose(fit.measures[name], reference[name], rtol=1e-8, err_msg=name)
    # lavaan's p is 1 - pchisq(): cancellation error ~1e-16 absolute for tiny p
    assert_allclose(fit.measures["pvalue"], reference["pvalue"], rtol=1e-7, atol=1e-15)
    for name in ("rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue"):
        assert_allclose(fit.measures[name], reference[name], rtol=1e-6, err_msg=name)
    assert_allclose(fit.measures["srmr"], reference["srmr"], rtol=1e-5)


def _merged(fit: InvarianceFit, name: str) -> pd.DataFrame:
    reference = _read(name)
    reference["rhs"] = reference["rhs"].fillna("")
    reference["group"] = reference["group"].map(dict(enumerate(fit.groups, start=1)))
    if "label" not in reference:
        reference["label"] = ""
    reference = reference.rename(columns={"label": "lavaan_label"})
    table = invariance_parameters(fit)
    merged = table.merge(
        reference, on=["lhs", "op", "rhs", "group"], how="left", validate="one_to_one"
    )
    assert len(merged) == len(reference) and merged["est"].notna().all()
    return merged  # in our order (lavaan's within each group)


# --------------------------------------------------------------------------------------------
# Holzinger & Swineford by school


def test_hs_groups_follow_lavaan_order(hs_fits, meta):
    fit = hs_fits[0]
    assert list(fit.groups) == meta["hs_school"]["group_levels"]
    assert list(fit.group_n) == meta["hs_school"]["group_n"]
    assert fit.reference_group == "Pasteur" and fit.n == 301


@pytest.mark.parametrize("position", range(4))
def test_hs_fit_measures_match_lavaan(hs_fits, position):
    reference = _read("hs_invariance_school_fit.csv").iloc[position]
    fit = hs_fits[position]
    assert fit.level == reference["model"]
    _assert_measures(fit, reference)


def test_hs_chi_square_within_issue_tolerance(hs_fits):
    expected = {"configural": (115.851, 48), "metric": (124.044, 54), "scalar": (164.103, 60)}
    expected["strict"] = (181.511, 69)
    for fit in hs_fits:
        chisq, df = expected[fit.level]
        assert abs(fit.measures["chisq"] - chisq) < 1e-3
        assert fit.measures["df"] == df


def test_hs_fit_table_matches_lavaan_and_lavtestlrt(hs_fits):
    table = invariance_fit_table(hs_fits)
    fit = _read("hs_invariance_school_fit.csv")
    lrt = _read("hs_invariance_school_lrt.csv")
    assert table["level"].tolist() == fit["model"].tolist()
    for ours, theirs in [
        ("chisq", "chisq"),
        ("cfi", "cfi"),
        ("tli", "tli"),
        ("rmsea", "rmsea"),
        ("aic", "aic"),
        ("bic", "bic"),
        ("logl", "logl"),
    ]:
        assert_allclose(table[ours], fit[theirs], rtol=1e-8, err_msg=ours)
    assert_allclose(table["rmsea_ci_low"], fit["rmsea.ci.lower"], rtol=1e-6)
    assert_allclose(table["rmsea_ci_high"], fit["rmsea.ci.upper"], rtol=1e-6)
    assert_allclose(table["srmr"], fit["srmr"], rtol=1e-5)
    for delta in ("delta_cfi", "delta_rmsea", "delta_srmr"):
        assert_allclose(table[delta], fit[delta], atol=1e-6, err_msg=delta)
    assert_allclose(table["delta_chisq"], lrt["Chisq diff"], atol=1e-5)
    assert_allclose(table["delta_df"], lrt["Df diff"])
    assert_allclose(table["delta_p_val"], lrt["Pr(>Chisq)"], rtol=1e-6)
    assert_allclose(table["rmsea_d"], lrt["RMSEA"], rtol=1e-6)
    assert table["verdict"].tolist() == ["baseline", "supported", "not supported", "supported"]
    assert table.loc[2, "criterion"].startswith("Chen (2007), scalar")


@pytest.mark.parametrize("position", range(4))
def test_hs_parameters_match_lavaan(hs_fits, position):
    fit = hs_fits[position]
    merged = _merged(fit, f"hs_invariance_school_{fit.level}_params.csv")
    assert len(merged) == 72
    assert_allclose(merged["estimate"], merged["est"], atol=5e-5)
    assert_allclose(merged["se_x"], merged["se_y"], atol=1e-5)
    assert_allclose(merged["std_all"], merged["std.all"], atol=5e-5)
    assert_allclose(merged["statistic"], merged["z"], atol=5e-4)
    assert (merged["label"] == merged["lavaan_label"].fillna("")).all()
    assert ((merged["constraint"] == "fixed") == (merged["se_y"] == 0)).all()


def test_our_optimum_is_at_least_as_good_as_lavaans(hs_fits):
    for fit in hs_fits:
        merged = _merged(fit, f"hs_invariance_school_{fit.level}_params.csv")
        lavaan = merged["est"].to_numpy().reshape(fit.values.shape)
        evaluator = _Evaluator(fit.spec, fit.stats)
        ours = evaluator.fun(fit.spec.theta(fit.values))
        assert ours <= evaluator.fun(fit.spec.theta(lavaan)) + 1e-14
        assert fit.gradient < 1e-7


def test_hs_scalar_parameter_table_from_section_d(hs_fits):
    merged = _merged(hs_fits[2], "hs_invariance_school_scalar_params.csv")
    equal = merged[merged["constraint"] == "equal"]
    assert len(equal) == 2 * 15
    assert equal.groupby("label")["estimate"].nunique().eq(1).all()


def test_hs_scalar_latent_means_match_lavaan(hs_fits):
    _assert_latent_means(hs_fits[2], "hs_invariance_school_scalar_latent_means.csv")


def _assert_latent_means(fit: InvarianceFit, name: str) -> None:
    table = latent_mean_differences(fit)
    reference = _read(name)
    assert table["construct"].tolist() == reference["construct"].tolist()
    assert table["group"].tolist() == reference["group"].tolist()
    assert (table["reference"] == reference["reference"]).all()
    assert_allclose(table["estimate"], reference["est"], atol=5e-5)
    assert_allclose(table["se"], reference["se"], atol=1e-5)
    assert_allclose(table["ci_low"], reference["ci.lower"], atol=5e-5)
    assert_allclose(table["statistic"], reference["z"], atol=5e-4)
    assert_allclose(table["p_val"], reference["pvalue"], atol=1e-4)
    assert_allclose(table["std_estimate"], reference["std_diff"], atol=5e-5)
    assert_allclose(table["std_se"], reference["std_se"], atol=1e-5)


def test_hs_partial_scalar_matches_lavaan(hs_partial):
    reference = _read("hs_invariance_school_partial_fit.csv").iloc[1]
    _assert_measures(hs_partial, reference)
    merged = _merged(hs_partial, "hs_invariance_school_partial_params.csv")
    assert_allclose(merged["estimate"], merged["est"], atol=5e-5)
    assert_allclose(merged["se_x"], merged["se_y"], atol=1e-5)
    assert (merged["label"] == merged["lavaan_label"].fillna("")).all()
    _assert_latent_means(hs_partial, "hs_invariance_school_partial_latent_means.csv")
    assert hs_partial.label == "partial scalar (released: x3 intercept, x7 intercept)"


def test_partial_fit_table_row_matches_lavaan(hs_fits, hs_partial):
    table = invariance_fit_table([hs_fits[1], hs_partial])
    reference = _read("hs_invariance_school_partial_fit.csv")
    assert_allclose(table["delta_cfi"].iloc[1], reference["delta_cfi"].iloc[1], atol=1e-6)
    assert_allclose(table["delta_rmsea"].iloc[1], reference["delta_rmsea"].iloc[1], atol=1e-6)
    assert_allclose(table["delta_srmr"].iloc[1], reference["delta_srmr"].iloc[1], atol=1e-6)
    assert table["verdict"].tolist() == ["baseline", "supported"]
    assert table["model"].iloc[1].startswith("partial scalar")


def test_partial_search_matches_the_r_search(hs, meta):
    result = partial_invariance(hs, constructs=HS_CONSTRUCTS, group="school")
    assert result.released == (("x3", "intercept"), ("x7", "intercept"))
    assert ["~".join(pair) for pair in result.released] == ["x3~intercept", "x7~intercept"]
    assert [f"{item}~1" for item, _ in result.released] == meta["hs_school"]["search_released"]
    assert result.supported and result.fit.level == "scalar"
    assert result.baseline.level == "metric"
    reference = _read("hs_invariance_school_partial_search.csv")
    steps = result.steps
    assert steps["step"].tolist() == [0, 1, 2]
    assert steps["released"].tolist() == ["", "x3 intercept", "x7 intercept"]
    assert_allclose(steps["chisq"], reference["chisq"], rtol=1e-8)
    for column in ("delta_cfi", "delta_rmsea", "delta_srmr"):
        assert_allclose(steps[column], reference[column], atol=1e-6)
    assert steps["verdict"].tolist() == [
        "supported" if passed else "not supported" for passed in reference["passes"]
    ]
    assert_allclose(steps["statistic"].iloc[1:], -np.diff(reference["chisq"]), atol=1e-5)
    assert steps["candidates"].tolist() == [0, 9, 6]


def test_lavtestscore_flags_the_same_intercepts():
    """The docstring's statement about lavTestScore (05_invariance.R)."""
    score = _read("hs_invariance_school_scalar_score.csv")
    top = score.sort_values("X2", ascending=False)["parameter"].head(2).tolist()
    assert top == ["x3~1", "x7~1"]
    assert "lavTestScore" in analysis.invariance.partial_invariance.__doc__


def test_partial_search_under_the_lrt_criterion(hs):
    result = partial_invariance(hs, constructs=HS_CONSTRUCTS, group="school", criterion="lrt")
    assert result.released == (("x3", "intercept"), ("x7", "intercept")) and result.supported
    assert result.steps["verdict"].tolist() == ["not supported", "not supported", "supported"]
    assert result.steps["criterion"].iloc[0].startswith("chi-square difference")


@pytest.mark.parametrize(
    ("level", "released", "excluded"),
    [
        ("scalar", [("x2", "intercept")], {"x1", "x2", "x3"}),
        ("metric", [("x2", "loading")], {"x1", "x2", "x3"}),
        ("scalar", [("x2", "loading")], {"x1", "x3"}),
    ],
)
def test_search_keeps_two_invariant_items_per_construct(hs, level, released, excluded):
    """Byrne et al. (1989): two items with equal loadings (and intercepts) per construct."""
    fit = fit_invariance(
        hs, constructs=HS_CONSTRUCTS, group="school", level=level, partial=released
    )
    kind = "intercept" if level == "scalar" else "loading"
    candidates = analysis.invariance._candidates(fit, kind, None, 0)
    items = {item for item, _ in candidates}
    markers = {"x4", "x7"} if kind == "loading" else set()
    assert items == {f"x{i}" for i in range(1, 10)} - excluded - markers
    assert analysis.invariance._candidates(fit, kind, 1, 1) == []


def test_partial_search_with_no_releases_allowed(hs):
    result = partial_invariance(hs, constructs=HS_CONSTRUCTS, group="school", max_releases=0)
    assert result.released == () and not result.supported
    assert len(result.steps) == 1


def test_partial_search_at_metric_level_stops_at_once(hs):
    result = partial_invariance(hs, constructs=HS_CONSTRUCTS, group="school", level="metric")
    assert result.released == () and result.supported
    assert result.baseline.level == "configural"


def test_gw_reference_group_matches_lavaan_group_label(hs, hs_fits):
    fits = invariance_sequence(
        hs, constructs=HS_CONSTRUCTS, group="school", levels=LEVELS, reference_group="Grant-White"
    )
    assert fits[0].groups == ("Grant-White", "Pasteur")
    reference = _read("hs_invariance_school_gw_reference_fit.csv")
    for position, fit in enumerate(fits):
        _assert_measures(fit, reference.iloc[position])
    _assert_latent_means(fits[2], "hs_invariance_school_gw_reference_latent_means.csv")
    flipped = latent_mean_differences(fits[2])["estimate"].to_numpy()
    assert_allclose(flipped, -latent_mean_differences(hs_fits[2])["estimate"], atol=1e-6)


# --------------------------------------------------------------------------------------------
# bfi by education: three groups


def test_bfi_three_groups_match_lavaan(bfi_fits, meta):
    fit = bfi_fits[0]
    assert list(fit.groups) == meta["bfi_education"]["group_levels"]
    assert list(fit.group_n) == meta["bfi_education"]["group_n"]
    assert fit.n_no_group == 223
    reference = _read("invariance_bfi_education_fit.csv")
    for position, fit in enumerate(bfi_fits):
        _assert_measures(fit, reference.iloc[position])
    table = invariance_fit_table(bfi_fits)
    lrt = _read("invariance_bfi_education_lrt.csv")
    assert_allclose(table["delta_chisq"], lrt["Chisq diff"], atol=1e-5)
    assert_allclose(table["delta_p_val"], lrt["Pr(>Chisq)"], rtol=1e-6, atol=1e-300)
    assert_allclose(table["rmsea_d"], lrt["RMSEA"], rtol=1e-6)
    assert (table["groups"] == 3).all()


def test_bfi_rmsea_uses_sqrt_of_groups(bfi_fits):
    m = bfi_fits[1].measures
    single = np.sqrt(max(m["chisq"] / (m["ntotal"] * m["df"]) - 1 / m["ntotal"], 0))
    assert_allclose(m["rmsea"], single * np.sqrt(3), rtol=1e-12)


def test_bfi_scalar_latent_means_and_parameters_match_lavaan(bfi_fits):
    _assert_latent_means(bfi_fits[2], "invariance_bfi_education_scalar_latent_means.csv")
    merged = _merged(bfi_fits[2], "invariance_bfi_education_scalar_params.csv")
    assert len(merged) == 3 * 95
    # 285 parameters, lavaan's stopping error larger than on HS (its fit function is higher)
    assert_allclose(merged["estimate"], merged["est"], atol=1e-4)
    assert_allclose(merged["se_x"], merged["se_y"], atol=1e-5)
    assert_allclose(merged["std_all"], merged["std.all"], atol=5e-5)
    fit = bfi_fits[2]
    evaluator = _Evaluator(fit.spec, fit.stats)
    lavaan = merged["est"].to_numpy().reshape(fit.values.shape)
    assert evaluator.fun(fit.spec.theta(fit.values)) <= evaluator.fun(fit.spec.theta(lavaan))


def test_bfi_reference_group_shifts_latent_means(bfi, bfi_fits):
    with pytest.warns(ListwiseDeletionWarning):
        fits = invariance_sequence(
            bfi,
            constructs=BFI_CONSTRUCTS,
            group="edu3",
            levels=("configural", "scalar"),
            reference_group="graduate",
        )
    assert fits[0].groups == ("graduate", "college", "secondary")
    for fit, original in zip(fits, (bfi_fits[0], bfi_fits[2]), strict=True):
        assert_allclose(fit.measures["chisq"], original.measures["chisq"], rtol=1e-8)
        assert fit.measures["df"] == original.measures["df"]
    old = latent_mean_differences(bfi_fits[2]).set_index(["group", "construct"])["estimate"]
    new = latent_mean_differences(fits[1]).set_index(["group", "construct"])["estimate"]
    for construct in BFI_CONSTRUCTS:
        graduate = old[("graduate", construct)]
        assert_allclose(new[("college", construct)], -graduate, atol=1e-6)
        secondary = old[("secondary", construct)] - graduate
        assert_allclose(new[("secondary", construct)], secondary, atol=1e-6)


# --------------------------------------------------------------------------------------------
# Properties


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1))
def test_invariant_to_row_order(hs, hs_fits, seed):
    shuffled = hs.sample(frac=1, random_state=np.random.default_rng(seed))
    fits = invariance_sequence(
        shuffled,
        constructs=HS_CONSTRUCTS,
        group="school",
        levels=("configural", "scalar"),
        reference_group="Pasteur",
    )
    for fit, original in zip(fits, (hs_fits[0], hs_fits[2]), strict=True):
        assert_allclose(fit.measures["chisq"], original.measures["chisq"], rtol=1e-9)
        assert_allclose(fit.values, original.values, atol=1e-6)
    assert_allclose(
        latent_mean_differences(fits[1])["std_estimate"],
        latent_mean_differences(hs_fits[2])["std_estimate"],
        atol=1e-6,
    )


@pytest.mark.parametrize(
    "labels", [{"Pasteur": 1, "Grant-White": 2}, {"Pasteur": "b", "Grant-White": "a"}]
)
def test_renaming_groups_changes_nothing_but_labels(hs, hs_fits, labels):
    renamed = hs.assign(school=hs["school"].map(labels))
    fits = invariance_sequence(renamed, constructs=HS_CONSTRUCTS, group="school", levels=LEVELS)
    assert fits[0].groups == tuple(labels.values())
    for fit, original in zip(fits, hs_fits, strict=True):
        assert_allclose(fit.measures["chisq"], original.measures["chisq"], rtol=1e-9)
        assert fit.measures["df"] == original.measures["df"]
    table = latent_mean_differences(fits[2])
    assert (table["group"] == labels["Grant-White"]).all()


def test_irrelevant_releases_are_ignored(hs, hs_fits):
    fit = fit_invariance(
        hs, constructs=HS_CONSTRUCTS, group="school", level="metric", partial=PARTIAL
    )
    assert fit.released == ()
    assert_allclose(fit.measures["chisq"], hs_fits[1].measures["chisq"], rtol=1e-9)


@pytest.mark.parametrize(
    ("level", "partial", "position"),
    [("metric", [("x2", "loading")], 1), ("strict", [("x2", "residual")], 3)],
)
def test_releasing_one_constraint_frees_one_parameter(hs, hs_fits, level, partial, position):
    fit = fit_invariance(hs, constructs=HS_CONSTRUCTS, group="school", level=level, partial=partial)
    full = hs_fits[position]
    assert fit.measures["df"] == full.measures["df"] - 1
    assert fit.measures["chisq"] <= full.measures["chisq"]
    table = invariance_parameters(fit)
    released = table[(table["rhs"] == "x2") | (table["lhs"] == "x2")]
    assert (
        "equal"
        not in released.loc[
            released["op"] == ("=~" if level == "metric" else "~~"), "constraint"
        ].tolist()
    )


def test_limited_flag_when_one_item_is_left(hs):
    fit = fit_invariance(
        hs,
        constructs=HS_CONSTRUCTS,
        group="school",
        level="scalar",
        partial=[("x2", "intercept"), ("x3", "intercept")],
    )
    table = latent_mean_differences(fit).set_index("construct")
    assert table.loc["visual", "limited"]
    assert table.loc["visual", "reason"].startswith("only 1 item(s) with equal loadings")
    assert table.loc["visual", "invariant_items"] == "x1"
    assert not table.loc["textual", "limited"] and table.loc["textual", "reason"] == ""


def test_confidence_intervals_contain_the_estimates(hs_partial):
    table = invariance_parameters(hs_partial)
    free = table[table["constraint"] != "fixed"]
    assert ((free["ci_low"] < free["estimate"]) & (free["estimate"] < free["ci_high"])).all()
    fixed = table[table["constraint"] == "fixed"]
    assert fixed["statistic"].isna().all() and (fixed["se"] == 0).all()


# --------------------------------------------------------------------------------------------
# Recovery on the synthetic survey


def _survey(n: int, seed: int) -> tuple[pd.DataFrame, dict, object]:
    instrument = load_instrument(REPO_ROOT / "survey" / "instrument.yaml")
    population = load_population(REPO_ROOT / "survey" / "population.yaml", instrument)
    sample = synthetic_sample(instrument, population, n=n, random_state=seed)
    attentive = (sample.careless == "attentive").to_numpy()
    responses = sample.responses[attentive]
    constructs = {
        name: items
        for name, items in instrument_constructs(instrument).items()
        if name in SURVEY_CONSTRUCTS
    }
    items = [item for group in constructs.values() for item in group]
    data = keyed_items(responses, instrument, items).assign(bank_type=responses["bank_type"])
    return data, constructs, population


def test_recovers_planted_latent_mean_shifts():
    """Population: latent mean shifts by bank type, identical loadings and thresholds."""
    data, constructs, population = _survey(2000, 1)
    with pytest.warns(ListwiseDeletionWarning) as record:
        fits = invariance_sequence(
            data, constructs=constructs, group="bank_type", reference_group=1
        )
    messages = " ".join(str(warning.message) for warning in record)
    assert "rows have no value in the group column 'bank_type'" in messages
    assert "listwise deletion dropped" in messages
    table = invariance_fit_table(fits)
    assert table["verdict"].tolist() == ["baseline", "supported", "supported"]
    means = latent_mean_differences(fits[2])
    assert set(means["group"]) == {2, 3} and (means["reference"] == 1).all()
    shifts = population.group_shifts
    touch_points = means[means["construct"].isin(("staff", "personal", "channel", "product"))]
    for row in touch_points.itertuples():
        planted = shifts.shift(row.group, row.construct)
        # ordinal 7-point items: the std. difference estimates the shift within 3 SEs
        assert abs(row.std_estimate - planted) < 3 * row.std_se, row
        if planted >= 0.25:
            assert row.std_estimate > 0 and row.p_val < 0.05, row


def test_survey_sequence_on_the_shipped_sample_is_fast_enough():
    """The notebook's use: the shipped synthetic responses, 7 constructs, three bank types."""
    from time import perf_counter

    from analysis.responses import read_responses
    from analysis.screening import screen_responses

    instrument = load_instrument(REPO_ROOT / "survey" / "instrument.yaml")
    raw = read_responses(REPO_ROOT / "survey" / "responses_synthetic.csv", instrument)
    kept = screen_responses(raw, instrument).kept
    constructs = {
        name: items
        for name, items in instrument_constructs(instrument).items()
        if name in SURVEY_CONSTRUCTS
    }
    items = [item for group in constructs.values() for item in group]
    data = keyed_items(kept, instrument, items).assign(bank_type=kept["bank_type"])
    start = perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ListwiseDeletionWarning)
        warnings.simplefilter("ignore", SmallGroupWarning)  # foreign banks: ~40 complete rows
        fits = invariance_sequence(
            data, constructs=constructs, group="bank_type", reference_group=1
        )
    assert perf_counter() - start < 20
    assert fits[0].groups[0] == 1 and len(fits[0].groups) == 3
    assert all(fit.gradient < 1e-6 for fit in fits)


# --------------------------------------------------------------------------------------------
# Errors and warnings


def _two_groups(n: int = 40, p: int = 6, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=(2 * n, 1))
    x = factor + rng.normal(size=(2 * n, p))
    frame = pd.DataFrame(x, columns=[f"i{k}" for k in range(1, p + 1)])
    return frame.assign(g=["a"] * n + ["b"] * n)


TWO = {"f": ["i1", "i2", "i3"], "h": ["i4", "i5", "i6"]}


def test_data_must_be_a_dataframe():
    with pytest.raises(ValueError, match="'data' parameter of fit_invariance must be a pandas"):
        fit_invariance([[1]], constructs=TWO, group="g", level="metric")


def test_group_column_must_exist():
    with pytest.raises(ValueError, match="'group' parameter of fit_invariance must name a column"):
        fit_invariance(_two_groups(), constructs=TWO, group="bank", level="metric")


def test_group_column_cannot_be_an_item():
    with pytest.raises(ValueError, match="group column 'i1' is also an item"):
        fit_invariance(_two_groups(), constructs=TWO, group="i1", level="metric")


def test_items_must_be_columns():
    with pytest.raises(ValueError, match=r"Items \['q9'\] are not columns of the data"):
        fit_invariance(
            _two_groups(),
            constructs={"f": ["i1", "i2", "q9"], "h": TWO["h"]},
            group="g",
            level="metric",
        )


def test_items_must_be_numeric():
    data = _two_groups().assign(i2="x")
    with pytest.raises(ValueError, match=r"Items \['i2'\] are not numeric"):
        fit_invariance(data, constructs=TWO, group="g", level="metric")


def test_items_must_be_observed():
    data = _two_groups().assign(i2=np.nan)
    with pytest.raises(ValueError, match=r"Items \['i2'\] have no observed value"):
        fit_invariance(data, constructs=TWO, group="g", level="metric")


def test_needs_two_groups():
    data = _two_groups().assign(g="a")
    with pytest.raises(ValueError, match="compares groups, but the group column 'g' has 1"):
        fit_invariance(data, constructs=TWO, group="g", level="metric")


def test_group_with_fewer_rows_than_items():
    data = _two_groups()
    data = pd.concat([data[data["g"] == "a"], data[data["g"] == "b"].head(5)])
    with pytest.raises(ValueError, match="Group 'b' of 'g' has 5 complete rows for 6 items"):
        fit_invariance(data, constructs=TWO, group="g", level="metric")


def test_item_without_variance_in_a_group():
    data = _two_groups()
    data.loc[data["g"] == "b", "i5"] = 4.0
    with pytest.raises(
        ValueError,
        match=r"Items \['i5'\] have zero variance in group 'b'.*"
        "Merge groups or drop the item",
    ):
        fit_invariance(data, constructs=TWO, group="g", level="metric")


def test_linearly_dependent_items_in_a_group():
    data = _two_groups()
    rows = data["g"] == "b"
    data.loc[rows, "i6"] = data.loc[rows, "i4"] + data.loc[rows, "i5"]
    with pytest.raises(ValueError, match=r"linearly dependent in group 'b'"):
        fit_invariance(data, constructs=TWO, group="g", level="metric")


def test_construct_needs_two_items():
    constructs = {"f": ["i1", "i2", "i3", "i4", "i5"], "h": ["i6"]}
    with pytest.raises(ValueError, match=r"Constructs \{'h': \['i6'\]\} have one item"):
        fit_invariance(_two_groups(), constructs=constructs, group="g", level="metric")


def test_rows_without_group_are_dropped_with_a_warning(hs, hs_fits):
    data = hs.copy()
    data.loc[:2, "school"] = np.nan
    with pytest.warns(ListwiseDeletionWarning, match="3 of 301 rows have no value in the group"):
        fit = fit_invariance(data, constructs=HS_CONSTRUCTS, group="school", level="configural")
    assert fit.n == 298 and fit.n_no_group == 3


def test_listwise_deletion_warning(hs):
    data = hs.copy()
    data.loc[data.index[:100], "x2"] = np.nan
    with pytest.warns(ListwiseDeletionWarning, match="listwise deletion dropped 100 of 301"):
        fit = fit_invariance(data, constructs=HS_CONSTRUCTS, group="school", level="configural")
    assert fit.n_dropped == 100


def test_small_group_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImproperSolutionWarning)
        with pytest.warns(SmallGroupWarning, match="groups 'a' \\(18\\), 'b' \\(18\\) have fewer"):
            fit_invariance(_two_groups(n=18), constructs=TWO, group="g", level="metric")


def test_improper_solution_warning():
    rng = np.random.default_rng(1)
    good = np.array([[1, 0.5, 0.5], [0.5, 1, 0.5], [0.5, 0.5, 1]])
    bad = np.array([[1, 0.8, 0.8], [0.8, 1, 0.3], [0.8, 0.3, 1]])  # lambda_a^2 = 2.1 > 1
    x = np.vstack([rng.multivariate_normal(np.zeros(3), m, 200) for m in (good, bad)])
    data = pd.DataFrame(x, columns=["a", "b", "c"]).assign(g=["one"] * 200 + ["two"] * 200)
    with pytest.warns(
        ImproperSolutionWarning,
        match=r"negative residual variance of \['a'\] in "
        "group 'two'",
    ):
        fit = fit_invariance(data, constructs={"f": ["a", "b", "c"]}, group="g", level="configural")
    assert fit.status.startswith("improper")
    assert invariance_fit_table([fit])["status"].iloc[0].startswith("improper")


def test_reference_group_must_be_a_group():
    with pytest.raises(
        ValueError,
        match=r"'reference_group' parameter of fit_invariance must be "
        r"one of the groups \['a', 'b'\]",
    ):
        fit_invariance(
            _two_groups(), constructs=TWO, group="g", level="metric", reference_group="c"
        )


@pytest.mark.parametrize(
    ("partial", "match"),
    [
        ("x3~1", "'partial' parameter of fit_invariance must be a list of"),
        ([("i2", "mean")], "Each entry of the 'partial' parameter"),
        ([("q1", "intercept")], "Each entry of the 'partial' parameter"),
        ([("i1", "loading")], "loading of 'i1' is its construct's marker"),
        (
            [("i1", "intercept"), ("i2", "intercept"), ("i3", "intercept")],
            "intercepts of every item of construct 'f'",
        ),
    ],
)
def test_partial_errors(partial, match):
    with pytest.raises(ValueError, match=match):
        fit_invariance(_two_groups(), constructs=TWO, group="g", level="scalar", partial=partial)


def test_level_must_be_known():
    with pytest.raises(ValueError, match="'level' parameter of fit_invariance must be one of"):
        fit_invariance(_two_groups(), constructs=TWO, group="g", level="weak")


def test_levels_must_be_known():
    with pytest.raises(ValueError, match="'levels' parameter of invariance_sequence must be"):
        invariance_sequence(_two_groups(), constructs=TWO, group="g", levels=("metric", "strong"))


def test_partial_invariance_arguments():
    data = _two_groups()
    with pytest.raises(ValueError, match="'level' parameter of partial_invariance must be one"):
        partial_invariance(data, constructs=TWO, group="g", level="configural")
    with pytest.raises(ValueError, match="'criterion' parameter of partial_invariance"):
        partial_invariance(data, constructs=TWO, group="g", criterion="chen")
    with pytest.raises(ValueError, match="'max_releases' parameter of partial_invariance"):
        partial_invariance(data, constructs=TWO, group="g", max_releases=-1)


def test_fit_table_arguments(hs_fits, bfi_fits):
    with pytest.raises(ValueError, match="'fits' parameter of invariance_fit_table must be a"):
        invariance_fit_table(hs_fits[0])
    with pytest.raises(ValueError, match="are not of one model on the same rows"):
        invariance_fit_table([hs_fits[0], bfi_fits[1]])
    with pytest.raises(ValueError, match="ordered from the least to the most constrained"):
        invariance_fit_table([hs_fits[2], hs_fits[1]])
    with pytest.raises(ValueError, match="'criterion' parameter of invariance_fit_table"):
        invariance_fit_table(hs_fits, criterion="chen")


@pytest.mark.parametrize("criterion", ["cheung_rensvold2002", "lrt"])
def test_other_criteria(hs_fits, criterion):
    table = invariance_fit_table(hs_fits, criterion=criterion)
    expected = ["baseline", "supported", "not supported"]
    expected.append("supported" if criterion == "cheung_rensvold2002" else "not supported")
    assert table["verdict"].tolist() == expected


def test_latent_means_need_scalar_invariance(hs_fits):
    with pytest.raises(
        ValueError,
        match="compares latent means only where scalar \\(or partial "
        "scalar\\) invariance holds, and the fit is at level 'metric'",
    ):
        latent_mean_differences(hs_fits[1])


def test_tables_need_a_fit():
    with pytest.raises(ValueError, match="'fit' parameter of invariance_parameters must be an"):
        invariance_parameters("fit")
    with pytest.raises(ValueError, match="'fit' parameter of latent_mean_differences must be"):
        latent_mean_differences(None)


def test_convergence_error(hs):
    with pytest.raises(InvarianceConvergenceError, match="did not converge after 1 iterations"):
        fit_invariance(hs, constructs=HS_CONSTRUCTS, group="school", level="scalar", max_iter=1)


def test_doctests():
    failed, attempted = doctest.testmod(analysis.invariance, optionflags=doctest.ELLIPSIS)
    assert attempted > 10
    assert failed == 0
