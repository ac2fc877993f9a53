"""The paper's tables are the analysis results reshaped, not recomputed."""

from __future__ import annotations

import doctest
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import analysis.presentation
from analysis.cfa import (
    cfa_model,
    clf_loading_change,
    clf_variance_share,
    fit_indices,
    fornell_larcker,
    harman_single_factor,
    htmt_bootstrap,
    standardized_loadings,
)
from analysis.presentation import (
    common_method_table,
    construct_descriptives_table,
    fit_table,
    format_interval,
    format_p,
    fornell_larcker_table,
    htmt_table,
    loadings_table,
    loadings_wide_table,
    p_text,
    pair_triangle_table,
    reliability_table,
)

HS_CONSTRUCTS = {
    "visual": ["x1", "x2", "x3"],
    "textual": ["x4", "x5", "x6"],
    "speed": ["x7", "x8", "x9"],
}


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    return pd.read_csv("tests/reference/data/hs_lavaan.csv")


@pytest.fixture(scope="module")
def hs_fit(hs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cfa_model(hs, constructs=HS_CONSTRUCTS, estimator="MLR")


def test_doctests():
    failed, attempted = doctest.testmod(analysis.presentation)
    assert attempted > 0 and failed == 0


@pytest.mark.parametrize(
    ("p", "text"), [(0.0, "< .001"), (0.000999, "< .001"), (0.001, ".001"), (0.5, ".500")]
)
def test_format_p(p, text):
    assert format_p(p) == text


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan"), "0.3"])
def test_format_p_rejects_non_probabilities(p):
    with pytest.raises(ValueError, match="'p' parameter of format_p must be a number in"):
        format_p(p)


def test_p_text_reads_as_a_sentence():
    assert p_text(0.0004) == "p < .001"
    assert p_text(0.05) == "p = .050"


def test_format_interval_uses_the_format():
    assert format_interval(0.0, 0.0222, ".3f") == "[0.000, 0.022]"


def test_fit_table_reports_robust_indices_under_mlr(hs_fit):
    indices = fit_indices(hs_fit)
    table = fit_table({"MLR": indices}).iloc[0]
    rows = indices.set_index(["index", "version"])
    assert_allclose(table["χ²"], rows.loc[("chi2", "scaled"), "estimate"], rtol=1e-12)
    assert_allclose(table["CFI"], rows.loc[("cfi", "robust"), "estimate"], rtol=1e-12)
    assert_allclose(table["p"], rows.loc[("chi2", "scaled"), "p_val"], rtol=1e-12)
    rmsea = rows.loc[("rmsea", "robust")]
    assert_allclose(table["RMSEA"], rmsea["estimate"], rtol=1e-12)
    assert table["90% CI"] == f"[{rmsea['ci_low']:.3f}, {rmsea['ci_high']:.3f}]"
    assert table["df"] == 24 and table["n"] == 301


def test_fit_table_reports_standard_indices_under_ml(hs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        indices = fit_indices(cfa_model(hs, constructs=HS_CONSTRUCTS))
    table = fit_table({"ML": indices}).iloc[0]
    # lavaan 0.6: fitMeasures(cfa(HS.model, data = HS), "chisq") = 85.306
    assert_allclose(table["χ²"], 85.306, atol=1e-3)


def test_fit_table_names_a_missing_column():
    with pytest.raises(ValueError, match=r"'fits' parameter of fit_table lacks the columns"):
        fit_table({"ML": pd.DataFrame({"index": ["cfi"]})})


def test_loadings_table_keeps_estimates_unrounded(hs_fit):
    loadings = standardized_loadings(hs_fit)
    table = loadings_table(loadings, labels={"visual": "Visual"})
    assert table["Construct"].iloc[0] == "Visual"
    assert table["Loading"].tolist() == loadings["estimate"].tolist()
    assert list(table.columns) == ["Construct", "Item", "Loading", "SE", "95% CI"]


def test_fornell_larcker_table_matches_the_pairs(hs_fit):
    pairs = fornell_larcker(hs_fit)
    table = fornell_larcker_table(pairs).set_index("Construct")
    assert list(table.index) == list(HS_CONSTRUCTS)
    for code in HS_CONSTRUCTS:
        own = pairs[(pairs["construct_a"] == code) | (pairs["construct_b"] == code)]
        assert_allclose(table.loc[code, "Largest |r|"], own["estimate"].abs().max(), rtol=1e-12)
        met = bool(own["supported"].all())
        assert table.loc[code, "Criterion met"] == ("yes" if met else "no")


def test_htmt_table_checks_the_upper_limit(hs):
    boot = htmt_bootstrap(hs, constructs=HS_CONSTRUCTS, n_boot=50, random_state=3)
    table = htmt_table(boot, threshold=0.9)
    assert "Upper < .90" in table.columns
    assert (table["Upper < .90"] == np.where(boot["ci_high"] < 0.9, "yes", "no")).all()
    with pytest.raises(ValueError, match="'threshold' parameter of htmt_table"):
        htmt_table(boot, threshold=0)


def test_common_method_table_from_the_library(hs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        harman = harman_single_factor(hs, items=[f"x{i}" for i in range(1, 10)])
        share = clf_variance_share(hs, constructs=HS_CONSTRUCTS)
        change = clf_loading_change(hs, constructs=HS_CONSTRUCTS)
    table = common_method_table(harman, share, change)
    assert_allclose(
        table["Variance share (%)"],
        [100 * harman.loc[0, "estimate"], 100 * share.loc[0, "estimate"]],
        rtol=1e-12,
    )
    assert table["n"].tolist() == [301, 301]


def test_reliability_table_aligns_constructs_by_code():
    alpha = pd.DataFrame(
        {
            "construct": ["a", "b"],
            "n_items": [3, 4],
            "n": [100, 50],
            "estimate": [0.8, 0.7],
            "ci_low": [0.75, 0.6],
            "ci_high": [0.85, 0.79],
        }
    )
    other = pd.DataFrame({"construct": ["b", "a"], "estimate": [0.71, 0.81]})
    table = reliability_table(alpha, other, other, other, labels={"a": "A"})
    assert table["Construct"].tolist() == ["A", "b"]
    assert table["Omega"].tolist() == [0.81, 0.71]
    assert table["Alpha 95% CI"].tolist() == ["[0.75, 0.85]", "[0.60, 0.79]"]


def test_construct_descriptives_table_names_what_is_missing():
    scores = pd.DataFrame(
        {"item": ["a"], "n": [3], "mean": [5.0], "sd": [1.0], "skew": [0.0], "kurtosis": [0.0]}
    )
    items = pd.DataFrame({"item": ["a1"], "mean": [5.0]})
    with pytest.raises(ValueError, match=r"no statistics for \['a2'\]"):
        construct_descriptives_table(scores, items, constructs={"a": ["a1", "a2"]})
    with pytest.raises(TypeError, match="'item_statistics' parameter of"):
        construct_descriptives_table(scores, [1], constructs={"a": ["a1"]})


def test_loadings_wide_table_keeps_model_order(hs_fit):
    loadings = standardized_loadings(hs_fit)
    table = loadings_wide_table(loadings)
    assert table["Items"].tolist() == ["x1–x3", "x4–x6", "x7–x9"]
    assert_allclose(
        table[["Item 1", "Item 2", "Item 3"]].to_numpy().ravel(), loadings["estimate"], rtol=1e-12
    )


def test_pair_triangle_table_places_both_statistics(hs):
    boot = htmt_bootstrap(hs, constructs=HS_CONSTRUCTS, n_boot=50, random_state=4)
    table = pair_triangle_table(boot).set_index("Construct")
    matrix = table.to_numpy()
    assert np.isnan(np.diag(matrix)).all()
    assert_allclose(matrix[1, 0], boot.loc[0, "estimate"], rtol=1e-12)  # visual-textual
    assert_allclose(matrix[0, 1], boot.loc[0, "ci_high"], rtol=1e-12)
    assert list(table.index) == ["1 visual", "2 textual", "3 speed"]


# --- structural tables --------------------------------------------------------------------


def _paths() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["value", "satisfaction"],
            "target": ["satisfaction", "loyalty"],
            "estimate": [0.3, 0.45],
            "ci_low": [0.1, 0.3],
            "ci_high": [0.5, 0.6],
            "p_val": [0.004, 0.00001],
        }
    )


def test_path_table_labels_paths_and_attaches_target_r2():
    from analysis.presentation import path_table

    r2 = pd.DataFrame({"construct": ["satisfaction", "loyalty"], "estimate": [0.5, 0.6]})
    table = path_table(_paths(), labels={"value": "Value"}, r_squared=r2)
    assert table["Path"].tolist() == ["Value → satisfaction", "satisfaction → loyalty"]
    assert table["p"].tolist() == [".004", "< .001"]
    assert table["R² of target"].tolist() == [0.5, 0.6]
    assert table["95% CI"].iloc[0] == "[0.10, 0.50]"


def test_effects_table_picks_the_interval_and_the_outcome():
    from analysis.presentation import effects_table

    rows = []
    for effect, estimate in [("total indirect", 0.1), ("total", 0.2)]:
        for method, low in [
            ("percentile bootstrap CI", -0.01),
            ("bias-corrected (BC) bootstrap CI", 0.01),
        ]:
            rows.append(
                {
                    "effect": effect,
                    "source": "staff",
                    "outcome": "loyalty",
                    "estimate": estimate,
                    "ci_low": low,
                    "ci_high": 0.3,
                    "method": method,
                }
            )
    effects = pd.DataFrame(rows)
    table = effects_table(effects, outcome="loyalty")
    assert table.to_dict("records") == [
        {
            "Source": "staff",
            "Indirect": 0.1,
            "95% CI (indirect)": "[0.01, 0.30]",
            "Total": 0.2,
            "95% CI (total)": "[0.01, 0.30]",
        }
    ]
    assert (
        effects_table(effects, outcome="loyalty", interval="percentile")["95% CI (indirect)"].iloc[
            0
        ]
        == "[-0.01, 0.30]"
    )
    with pytest.raises(ValueError, match=r"'outcome' parameter .* Got 'trust'"):
        effects_table(effects, outcome="trust")
    with pytest.raises(ValueError, match=r"'interval' parameter .* Got 'wald'"):
        effects_table(effects, outcome="loyalty", interval="wald")


def test_method_comparison_table_lines_up_the_same_paths():
    from analysis.presentation import method_comparison_table

    pls = _paths().iloc[::-1].assign(estimate=[-0.05, 0.25])
    table = method_comparison_table(_paths(), pls)
    assert table["PLS-SEM β"].tolist() == [0.25, -0.05]
    assert table["Same sign"].tolist() == ["yes", "no"]
    assert table["Difference"].round(10).tolist() == [-0.05, -0.5]


# --- drivers and importance-performance -------------------------------------------------------


@pytest.fixture(scope="module")
def driver_data():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 3))
    y = x @ [0.5, 0.2, 0.0] + rng.normal(size=300)
    z = x @ [0.1, 0.4, 0.2] + rng.normal(size=300)
    return pd.DataFrame({"a": x[:, 0], "b": 2 * x[:, 1], "c": x[:, 2], "y": 3 * y, "z": z})


def test_driver_table_rescales_the_interval_to_beta(driver_data):
    from analysis.drivers import driver_regression, variance_inflation_factors
    from analysis.presentation import driver_table

    terms = ["a", "b", "c"]
    y = driver_regression(driver_data, outcome="y", predictors=terms)
    z = driver_regression(driver_data, outcome="z", predictors=terms)
    vif = variance_inflation_factors(driver_data, predictors=terms)
    table = driver_table({"Y": y, "Z": z}, vif, labels={"a": "A"})
    assert list(table["Touch-point"]) == ["A", "b", "c", "R²"]
    assert list(table.columns) == [
        "Touch-point",
        "β (Y)",
        "95% CI (Y)",
        "p (Y)",
        "β (Z)",
        "95% CI (Z)",
        "p (Z)",
        "VIF",
    ]
    # the CI of beta from a regression on z-scored variables (same rows, same HC3 t interval)
    zscored = (driver_data - driver_data.mean()) / driver_data.std()
    standard = driver_regression(zscored, outcome="y", predictors=terms).set_index("term")
    expected = format_interval(standard.loc["b", "ci_low"], standard.loc["b", "ci_high"])
    assert table.loc[1, "95% CI (Y)"] == expected
    assert_allclose(table.loc[3, "β (Y)"], y["r2"].iloc[0])
    assert np.isnan(table.loc[3, "VIF"])


def test_ipa_and_gap_tables_name_quadrants_and_groups():
    from analysis.presentation import gap_table, ipa_table

    ipa = pd.DataFrame(
        {
            "touchpoint": ["staff", "complaint"],
            "performance": [5.0, 5.1],
            "performance_ci_low": [4.9, 4.8],
            "performance_ci_high": [5.1, 5.4],
            "stated": [5.9, 5.6],
            "derived": [0.2, np.nan],
            "gap": [0.9, 0.5],
            "quadrant": ["Concentrate here", None],
        }
    )
    table = ipa_table(ipa, labels={"staff": "Staff"})
    assert list(table["Quadrant"]) == ["Concentrate here", "not placed"]
    assert list(table["95% CI"]) == ["[4.90, 5.10]", "[4.80, 5.40]"]
    gaps = pd.DataFrame(
        {
            "touchpoint": ["staff", "channel", "staff", "channel"],
            "reference": ["domestic", "domestic", "foreign", "foreign"],
            "estimate": [0.1, -0.5, -0.2, 0.0],
            "ci_low": [-0.1, -0.7, -0.5, -0.3],
            "ci_high": [0.3, -0.3, 0.1, 0.3],
            "p_val": [0.4, 0.0001, 0.2, 0.99],
            "p_holm": [0.8, 0.0004, 0.6, 1.0],
        }
    )
    shown = gap_table(gaps, p_column="p_holm", p_label="p (Holm)")
    assert list(shown.columns) == [
        "Touch-point",
        "Difference vs domestic",
        "95% CI vs domestic",
        "p (Holm) vs domestic",
        "Difference vs foreign",
        "95% CI vs foreign",
        "p (Holm) vs foreign",
    ]
    assert shown.loc[1, "p (Holm) vs domestic"] == "< .001"
    with pytest.raises(ValueError, match=r"lacks the columns \['p_holm'\]"):
        gap_table(gaps.drop(columns="p_holm"), p_column="p_holm")


def test_robustness_table_says_whether_conclusions_agree(driver_data):
    from analysis.presentation import robustness_table

    frame = pd.DataFrame(
        {
            "term": ["a", "b"],
            "ols_beta": [0.3, 0.01],
            "ologit_per_sd": [0.5, -0.02],
            "agree": [True, False],
        }
    )
    table = robustness_table({"Y": frame})
    assert list(table.columns) == [
        "Touch-point",
        "OLS β (Y)",
        "Ordered logit per SD (Y)",
        "Same conclusion (Y)",
    ]
    assert list(table["Same conclusion (Y)"]) == ["yes", "no"]


# --- measurement invariance ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def hs_invariance(hs):
    from analysis.invariance import invariance_fit_table, invariance_sequence

    fits = invariance_sequence(hs, constructs=HS_CONSTRUCTS, group="school")
    return fits, invariance_fit_table(fits)


def test_invariance_table_shows_differences_from_the_second_level(hs_invariance):
    from analysis.presentation import invariance_table

    _, fits = hs_invariance
    table = invariance_table(fits)
    assert list(table["Level"]) == ["Configural", "Metric", "Scalar"]
    assert list(table["df"]) == [48, 54, 60]
    assert table.loc[0, "Δχ² (Δdf)"] == "" and table.loc[0, "p (Δχ²)"] == ""
    # lavaan: metric vs configural 8.19 on 6 df, p = .224; scalar vs metric p < .001
    assert table.loc[1, "Δχ² (Δdf)"] == "8.19 (6)"
    assert table.loc[1, "p (Δχ²)"] == ".224"
    assert table.loc[2, "p (Δχ²)"] == "< .001"
    assert table.loc[0, "RMSEA [90% CI]"] == "0.097 [0.075, 0.120]"


def test_latent_means_table_one_block_per_group(hs_invariance):
    from analysis.invariance import latent_mean_differences
    from analysis.presentation import latent_means_table

    fits, _ = hs_invariance
    differences = latent_mean_differences(fits[2])
    table = latent_means_table(
        differences, labels={"visual": "Visual"}, group_labels={"Grant-White": "GW"}
    )
    assert list(table.columns) == ["Construct", "d (GW)", "95% CI (GW)", "p (GW)"]
    assert list(table["Construct"]) == ["Visual", "textual", "speed"]
    row = differences.iloc[0]
    low, high = (
        row["std_estimate"] - 1.96 * row["std_se"],
        row["std_estimate"] + 1.96 * row["std_se"],
    )
    assert table.loc[0, "95% CI (GW)"] == format_interval(low, high)


# --- group comparisons --------------------------------------------------------------------------


def test_group_comparison_table_names_pairs_only_where_the_omnibus_differs():
    from analysis.groups import compare_groups
    from analysis.presentation import group_comparison_table

    rng = np.random.default_rng(3)
    group = np.repeat([1, 2, 3], 120)
    data = pd.DataFrame(
        {
            "bank": group,
            "shifted": rng.normal(size=360) + (group == 2) * 1.0,
            "flat": rng.normal(size=360),
        }
    )
    summary = compare_groups(data, dvs=["shifted", "flat"], group="bank").summary
    table = group_comparison_table(
        summary, labels={"shifted": "Shifted"}, group_labels={1: "A", 2: "B", 3: "C"}
    )
    assert list(table["Variable"]) == ["Shifted", "flat"]
    assert table.loc[0, "Pairs that differ (Games-Howell)"] == "B > A; B > C"
    assert table.loc[1, "Pairs that differ (Games-Howell)"] == "(omnibus not significant)"
    assert table.loc[0, "df"].startswith("2, ")


def test_association_table_uses_holm_p_when_given():
    from analysis.groups import chi_square_independence, cramers_v
    from analysis.presentation import association_table

    rng = np.random.default_rng(4)
    data = pd.DataFrame(
        {
            "bank": rng.integers(1, 4, 300),
            "x": rng.integers(1, 3, 300),
            "y": rng.integers(1, 4, 300),
        }
    )
    tests = pd.concat(
        [chi_square_independence(data, row="bank", column=c) for c in ("x", "y")],
        ignore_index=True,
    )
    strengths = pd.concat([cramers_v(data, row="bank", column=c) for c in ("x", "y")])
    plain = association_table(tests, strengths, labels={"x": "X"})
    assert list(plain.columns) == ["Variable", "χ²", "df", "p", "Cramér's V [95% CI]", "Sparse"]
    assert list(plain["Variable"]) == ["X", "y"] and list(plain["df"]) == [2, 4]
    adjusted = association_table(tests.assign(p_holm=1.0), strengths)
    assert list(adjusted["p (Holm)"]) == ["1.000", "1.000"]


# --- segmentation ---------------------------------------------------------------------------------


def test_segment_choice_table_marks_both_criteria():
    from analysis.presentation import segment_choice_table

    choice = pd.DataFrame(
        {
            "k": [2, 3, 4],
            "silhouette": [0.2, 0.3, 0.25],
            "bic": [10.0, 5.0, 1.0],
            "chosen": [False, True, False],
            "bic_best": [False, False, True],
        }
    )
    table = segment_choice_table(choice)
    assert list(table["Chosen"]) == ["", "silhouette", "BIC"]
    both = segment_choice_table(choice.assign(bic_best=[False, True, False]))
    assert list(both["Chosen"]) == ["", "silhouette, BIC", ""]


def test_targeting_exhibit_adds_outcomes_with_intervals():
    from analysis.presentation import targeting_exhibit

    targeting = pd.DataFrame(
        {
            "segment": [1, 2],
            "n": [60, 40],
            "share": [0.6, 0.4],
            "defining_features": ["a", "b"],
            "priority_touchpoints": ["Staff", ""],
        }
    )
    profiles = pd.DataFrame(
        {
            "segment": [1, 2],
            "measure": ["satisfaction", "satisfaction"],
            "estimate": [5.0, 4.5],
            "ci_low": [4.8, 4.2],
            "ci_high": [5.2, 4.8],
        }
    )
    table = targeting_exhibit(targeting, profiles, outcomes={"satisfaction": "Satisfaction"})
    assert list(table["Satisfaction"]) == ["5.00 [4.80, 5.20]", "4.50 [4.20, 4.80]"]
    assert list(table["Priority touch-points"]) == ["Staff", "none above the sample"]


# --- the bank panel -----------------------------------------------------------------------------


def test_bank_position_table_says_when_no_other_bank_reports():
    from analysis.presentation import bank_position_table

    positions = pd.DataFrame(
        {
            "indicator": ["roe"] * 3,
            "year": [2023] * 3,
            "value": [10.8] * 3,
            "reference": ["domestic", "foreign", "all"],
            "rank": [3, 1, 3],
            "rank_of": [5, 1, 6],
            "median": [10.8, np.nan, 11.0],
        }
    )
    table = bank_position_table(positions, labels={"roe": "ROE (%)"})
    assert table.loc[0, "Rank among domestic"] == "3 of 5"
    assert table.loc[0, "Rank among foreign"] == "no other bank"


def test_panel_sources_table_breaks_urls_only_at_slashes():
    from analysis.presentation import panel_sources_table

    panel = pd.DataFrame(
        {
            "bank": ["A"],
            "year": [2023],
            "indicator": ["roe"],
            "value_as_printed": ["10.80%"],
            "source_tier": ["primary"],
            "source_url": ["https://example.org/ir/report?id=1"],
        }
    )
    source = panel_sources_table(panel).loc[0, "Source"]
    assert source.replace("\u200b", "") == "https://example.org/ir/report?id=1"


def test_panel_comparison_table_one_row_per_ratio_and_year():
    from analysis.panel_stats import compare_over_years
    from analysis.presentation import panel_comparison_table

    panel = pd.DataFrame(
        {
            "bank": list("ABCDEF") * 2,
            "group": (["domestic"] * 3 + ["foreign"] * 3) * 2,
            "year": [2021] * 6 + [2023] * 6,
            "indicator": "roe",
            "unit": "percent",
            "currency": "",
            "value": [9.0, 11.9, 10.4, 14.6, 12.7, 13.9, 9.5, 12.9, 10.1, 11.6, 12.2, 13.0],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the 95% level is not achievable with 3 and 3 banks
        comparisons = compare_over_years(panel, indicator="roe", years=[2021, 2023])
    table = panel_comparison_table(comparisons, labels={"roe": "ROE (%)"})
    assert list(table["Year"]) == [2021, 2023]
    assert list(table["Banks (dom./for.)"]) == ["3/3", "3/3"]
    assert table.loc[0, "CI level"] == "90%"
    assert table.loc[0, "Median domestic"] == pytest.approx(10.4)


def test_data_dictionary_has_every_column_with_codes_and_skip_logic():
    from analysis.instrument import load_instrument
    from analysis.presentation import data_dictionary_table

    instrument = load_instrument("survey/instrument.yaml")
    table = data_dictionary_table(instrument)
    assert [c.split(" ")[0] for c in table["Column"]] == list(instrument.column_codes)
    row = table[table["Column"] == "cmp1"].iloc[0]
    assert row["Asked if"] == "complained_12m = 1"
    assert row["Answers"].startswith("1-7 (")
    assert table["Column"].str.endswith(" (R)").sum() == sum(
        v.reverse for v in instrument.variables
    )
