"""Exact comparisons for the bank panel (analysis.panel_stats): R oracle, brute force, properties.

The panel used here is a FIXTURE with made-up ratios (not bank data), built below and written
out by ``tests/reference/R/09_panel_stats.R`` (``values/panel_stats_fixture.csv``, checked to
be the same numbers), so the module is tested without the real panel. It has the shape of the
real one: 6 domestic and 8 foreign banks, percent ratios for 2019, 2021 and 2023, with ties
across groups (cost_income_ratio, npl_ratio), a foreign bank missing (npl_ratio) and groups of
5, 3 and 2 banks (retail_profit_share).

Reference values (R 4.2.2, coin 1.4-2, effectsize 0.8.3; ``values/panel_stats_*``):
``wilcox.test(x, y, exact = TRUE, conf.int = TRUE)`` (U, exact p, Hodges-Lehmann estimate,
interval, ``conf.level``) on the tie-free cases and the same order-statistic rule written out
in R for the tied ones; exact permutation p by enumeration with ``combn`` (equal to
``coin::oneway_test(distribution = exact())``); the exact conditional Mann-Whitney p with ties
by enumeration of the midranks (equal to ``coin::wilcox_test(distribution = "exact")``);
Cliff's delta from ``effectsize::cliffs_delta``; Holm from ``p.adjust``; quartiles type 7.

Tolerances (statistic -> tolerance -> largest difference seen):

- exact p values (ratios of counts k / C(n, n1)) and their Holm adjustments: atol 1e-12 ->
  5e-16; U: exact -> 0.
- Hodges-Lehmann estimate and interval (differences of the data), means, medians, quartiles:
  rtol 1e-10 -> 4.4e-15 absolute, limited by the 15 digits R wrote.
- interval levels and exact coverages (sums of k / C(n, n1)): atol 1e-12 -> 4.4e-16.
- Cliff's delta and its interval (closed form): atol 1e-12 -> 6.7e-16. With 2 banks in a group
  R's effectsize still gives the Fisher-z interval; analysis.groups.cliffs_delta needs 3 per
  group, so ours is NaN there (tested).
- Monte-Carlo p (beyond 200 000 splits): within four Monte-Carlo SEs of the exact p.

Where the two programs differ by design (documented, tested): with ties ``wilcox.test`` does
not compute an exact p or interval (normal approximation with continuity correction; R warns);
here the p is exact conditional on the ties and the interval keeps the exact rule.
"""

from __future__ import annotations

import doctest
import io
import itertools
import json
import math
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from numpy.testing import assert_allclose
from scipy import stats

import analysis.panel_stats
from analysis.config import REPO_ROOT
from analysis.panel_stats import (
    COMPARISON_COLUMNS,
    ESTIMANDS,
    GROUP_COLOURS,
    HIGHLIGHT_COLOUR,
    MAX_EXACT_SPLITS,
    OVER_YEARS_COLUMNS,
    POSITION_COLUMNS,
    SUMMARY_COLUMNS,
    bank_position,
    compare_groups_exact,
    compare_over_years,
    group_summary,
    plot_ratio_distributions,
    plot_ratio_trends,
    ratio_table,
)

VALUES = REPO_ROOT / "tests" / "reference" / "values"
YEARS = [2019, 2021, 2023]
CITIC = "China CITIC Bank"
DOMESTIC = [CITIC, *(f"Domestic {c}" for c in "BCDEF")]
FOREIGN = [f"Foreign {c}" for c in "ABCDEFGH"]

P_ATOL = 1e-12
DATA_RTOL = 1e-10
DATA_ATOL = 1e-12
LEVEL_ATOL = 1e-12

#: FIXTURE (made-up values, not bank data): indicator -> year -> (6 domestic values, 8 foreign
#: values), banks in the order of DOMESTIC and FOREIGN; None = not published. The same numbers
#: as tests/reference/R/09_panel_stats.R.
FIXTURE = {
    "roe": {
        2019: (
            [11.07, 14.21, 12.35, 10.12, 13.58, 9.44],
            [12.04, 8.91, 10.53, 7.32, 6.85, 11.46, 9.97, 13.02],
        ),
        2021: (
            [10.31, 13.62, 11.88, 9.57, 12.74, 8.93],
            [15.11, 12.48, 14.26, 9.82, 8.14, 13.35, 10.66, 16.02],
        ),
        2023: (
            [9.02, 11.93, 10.44, 8.37, 10.81, 7.46],
            [14.57, 12.66, 13.91, 10.08, 9.35, 12.21, 11.38, 15.44],
        ),
    },
    "cost_income_ratio": {
        2019: (
            [28.5, 31.2, 26.8, 29.9, 31.2, 24.7],
            [56.3, 61.0, 58.4, 62.7, 31.2, 54.9, 43.5, 65.1],
        ),
        2021: (
            [29.4, 30.1, 27.6, 32.5, 33.0, 25.9],
            [57.8, 59.4, 60.2, 64.0, 33.0, 55.5, 41.8, 63.3],
        ),
        2023: (
            [30.7, 32.9, 28.4, 34.6, 35.1, 27.2],
            [55.1, 58.8, 61.5, 62.2, 35.1, 53.0, 40.9, 35.1],
        ),
    },
    "npl_ratio": {
        2019: (
            [1.65, 1.16, 1.43, 1.37, 1.54, 1.65],
            [1.00, 0.60, 1.16, 0.90, 2.10, 1.80, 1.00, None],
        ),
        2021: (
            [1.39, 0.91, 1.42, 1.33, 1.09, 1.39],
            [0.70, 0.50, 1.30, 0.80, 1.80, 2.40, 1.10, None],
        ),
        2023: (
            [1.18, 0.95, 1.37, 1.26, 1.07, 1.25],
            [0.60, 0.50, 1.20, 0.80, 1.50, 2.10, 0.90, None],
        ),
    },
    "retail_profit_share": {
        2019: (
            [43.2, 55.1, 38.6, 47.9, 60.3, 35.4],
            [41.0, None, 36.5, None, 28.7, None, None, None],
        ),
        2021: (
            [45.8, 57.3, 40.1, 49.2, 62.8, 37.0],
            [38.2, None, None, None, 30.4, None, None, None],
        ),
        2023: (
            [47.5, 58.9, 41.7, 51.3, 64.4, None],
            [36.9, None, 33.1, None, None, None, None, None],
        ),
    },
}
#: Money amounts (made up) and a count, which the functions must refuse.
MONEY = {"total_assets": [8_500_000.0] * 6 + [3_900_000.0] * 8}


def _panel() -> pd.DataFrame:
    rows = []
    for indicator, by_year in FIXTURE.items():
        for year, (domestic, foreign) in by_year.items():
            for bank, value in zip(DOMESTIC + FOREIGN, domestic + foreign, strict=True):
                rows.append((bank, year, indicator, value, "percent", ""))
    for bank, value in zip(DOMESTIC + FOREIGN, MONEY["total_assets"], strict=True):
        currency = "CNY" if bank in DOMESTIC else "USD"
        rows.append((bank, 2023, "total_assets", value, "million", currency))
        rows.append((bank, 2023, "employees", 50_000.0, "count", None))
    panel = pd.DataFrame(rows, columns=["bank", "year", "indicator", "value", "unit", "currency"])
    panel["group"] = np.where(panel["bank"].isin(DOMESTIC), "domestic", "foreign")
    panel["country"] = np.where(panel["group"] == "domestic", "CN", "XX")
    panel["source_url"] = "FIXTURE: made-up values, not bank data"
    return panel


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return _panel()


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(VALUES / "panel_stats_comparisons.csv")


@pytest.fixture(scope="module")
def comparisons(panel) -> pd.DataFrame:
    """compare_over_years for every indicator of the fixture (one warning: 2023 retail)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*not achievable", category=UserWarning)
        return pd.concat(
            [compare_over_years(panel, indicator=name, years=YEARS) for name in FIXTURE],
            ignore_index=True,
        )


def _rows(comparisons: pd.DataFrame, estimand: str) -> pd.DataFrame:
    return comparisons[comparisons["estimand"] == estimand].set_index(["indicator", "year"])


def _toy(domestic, foreign, *, indicator="roe", year=2023) -> pd.DataFrame:
    """A one-year panel from two lists of values (banks D0.., F0..)."""
    banks = [f"D{i}" for i in range(len(domestic))] + [f"F{i}" for i in range(len(foreign))]
    return pd.DataFrame(
        {
            "bank": banks,
            "group": ["domestic"] * len(domestic) + ["foreign"] * len(foreign),
            "year": year,
            "indicator": indicator,
            "value": [*domestic, *foreign],
            "unit": "percent",
            "currency": "",
        }
    )


# --------------------------------------------------------------------------------------------
# The fixture is the R oracle's


def test_fixture_is_the_one_r_used(panel):
    stored = pd.read_csv(VALUES / "panel_stats_fixture.csv")
    ours = panel[panel["indicator"].isin(list(FIXTURE))]
    merged = stored.merge(ours, on=["bank", "year", "indicator"], suffixes=("_r", ""))
    assert len(merged) == len(stored) == len(ours) == 4 * 3 * 14
    assert (merged["group_r"] == merged["group"]).all()
    assert_allclose(merged["value"], merged["value_r"], rtol=0, atol=0)
    meta = json.loads((VALUES / "panel_stats_meta.json").read_text())
    assert meta["R"].startswith("R version 4.2.2")
    assert "made-up" in meta["note"]


# --------------------------------------------------------------------------------------------
# Against R


def test_permutation_p_of_mean_difference_matches_r_enumeration_and_coin(comparisons, reference):
    ours = _rows(comparisons, "difference in means")
    ref = reference.set_index(["indicator", "year"]).loc[ours.index]
    assert_allclose(ours["p_unadjusted"], ref["perm_p"], rtol=0, atol=P_ATOL)
    assert_allclose(ours["p_unadjusted"], ref["coin_perm_p"], rtol=0, atol=P_ATOL)
    assert_allclose(ours["p_val"], ref["perm_p_holm"], rtol=0, atol=P_ATOL)
    assert_allclose(ours["estimate"], ref["mean_diff"], rtol=DATA_RTOL, atol=DATA_ATOL)
    assert_allclose(ours["statistic"], ours["estimate"], rtol=0, atol=0)
    assert ours["method"].str.contains(r"exact: all \d+ = C\(\d+, \d+\) splits").all()
    splits = ours["method"].str.extract(r"all (\d+) =")[0].astype(int)
    assert (splits.to_numpy() == ref["perm_splits"].to_numpy()).all()


def test_mann_whitney_matches_r(comparisons, reference):
    ours = _rows(comparisons, "Hodges-Lehmann shift")
    ref = reference.set_index(["indicator", "year"]).loc[ours.index]
    assert (ours["statistic"].to_numpy() == ref["U"].to_numpy()).all()
    assert (ref["U"].to_numpy() == ref["r_wilcox_W"].to_numpy()).all()
    assert_allclose(ours["p_unadjusted"], ref["mw_p"], rtol=0, atol=P_ATOL)
    assert_allclose(ours["p_val"], ref["mw_p_holm"], rtol=0, atol=P_ATOL)
    # without ties: wilcox.test's own exact p; with ties: coin's exact conditional p
    no_ties = ~ref["ties"].to_numpy()
    assert_allclose(ours["p_unadjusted"][no_ties], ref["r_wilcox_p"][no_ties], atol=P_ATOL)
    assert_allclose(ours["p_unadjusted"], ref["coin_wilcox_p"], rtol=0, atol=P_ATOL)
    assert ours["method"][no_ties].str.contains("mannwhitneyu\\(method='exact'\\)").all()
    assert ours["method"][~no_ties].str.contains("exact conditional p over the splits").all()


def test_hodges_lehmann_shift_and_interval_match_wilcox_test(comparisons, reference):
    ours = _rows(comparisons, "Hodges-Lehmann shift")
    ref = reference.set_index(["indicator", "year"]).loc[ours.index]
    for column in ("estimate", "ci_low", "ci_high"):
        assert_allclose(ours[column], ref[f"hl_{column}"], rtol=DATA_RTOL, atol=DATA_ATOL)
    assert_allclose(ours["ci_level"], ref["hl_ci_level"], rtol=0, atol=LEVEL_ATOL)
    assert_allclose(ours["ci_coverage"], ref["hl_ci_coverage"], rtol=0, atol=LEVEL_ATOL)
    no_ties = ~ref["ties"].to_numpy()
    for column, r_column in (
        ("estimate", "estimate"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
    ):
        assert_allclose(ours[column][no_ties], ref[f"r_wilcox_{r_column}"][no_ties], rtol=DATA_RTOL)
    assert_allclose(ours["ci_level"][no_ties], ref["r_wilcox_ci_level"][no_ties], atol=LEVEL_ATOL)
    assert (ours["ci_low"] <= ours["estimate"]).all()
    assert (ours["estimate"] <= ours["ci_high"]).all()


def test_with_ties_r_falls_back_to_a_normal_approximation(comparisons, reference):
    """Documented difference: R's wilcox.test is not exact with ties; ours is."""
    tied = reference[reference["ties"]].set_index(["indicator", "year"])
    assert tied["r_wilcox_warnings"].str.contains("cannot compute exact p-value with ties").all()
    ours = _rows(comparisons, "Hodges-Lehmann shift").loc[tied.index]
    gap = (ours["p_unadjusted"] - tied["r_wilcox_p"]).abs()
    assert gap.max() > 1e-3  # e.g. cost_income_ratio 2019: exact .00167 vs approximate .00353
    assert ours["note"].str.contains("ties: Mann-Whitney p exact conditional").all()


def test_requested_level_not_achievable_as_r(panel, reference):
    ref = reference.set_index(["indicator", "year"]).loc[("retail_profit_share", 2023)]
    assert ref["r_wilcox_warnings"] == "Requested conf.level not achievable"
    with pytest.warns(
        UserWarning,
        match=r"compare_groups_exact \('retail_profit_share', 2023\): the requested 95% level "
        r"of the Hodges-Lehmann interval is not achievable with 5 and 2 banks; the interval has "
        r"exact level 90\.5% \(as wilcox\.test\)",
    ):
        result = compare_groups_exact(panel, indicator="retail_profit_share", year=2023)
    shift = result.set_index("estimand").loc["Hodges-Lehmann shift"]
    assert_allclose(shift["ci_level"], 1 - 2 / 21, rtol=0, atol=LEVEL_ATOL)
    assert "not achievable" in shift["note"]


def test_level_kept_when_r_keeps_it_although_coverage_is_lower(panel):
    """6 and 2 banks: R keeps conf.level 0.95 (achieved alpha 2/28 < 1.5 alpha), coverage .929."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = compare_groups_exact(panel, indicator="retail_profit_share", year=2021)
    shift = result.set_index("estimand").loc["Hodges-Lehmann shift"]
    assert shift["ci_level"] == 0.95
    assert_allclose(shift["ci_coverage"], 1 - 2 / 28, rtol=0, atol=LEVEL_ATOL)


def test_cliffs_delta_matches_effectsize(comparisons, reference):
    ours = _rows(comparisons, "Cliff's delta")
    ref = reference.set_index(["indicator", "year"]).loc[ours.index]
    assert_allclose(ours["estimate"], ref["cliffs_delta"], rtol=0, atol=DATA_ATOL)
    enough = (ref[["n_domestic", "n_foreign"]].min(axis=1) >= 3).to_numpy()
    for column in ("ci_low", "ci_high"):
        assert_allclose(ours[column][enough], ref[f"cliffs_{column}"][enough], atol=DATA_ATOL)
        assert ours[column][~enough].isna().all()
    assert ours["note"][~enough].str.contains("Cliff's delta interval not computed").all()
    assert (ours["ci_level"][enough] == 0.95).all()
    hl = _rows(comparisons, "Hodges-Lehmann shift")
    assert_allclose(ours["p_val"], hl["p_val"], rtol=0, atol=0)
    assert_allclose(ours["statistic"], hl["statistic"], rtol=0, atol=0)


def test_descriptives_of_each_comparison_match_r(comparisons, reference):
    ours = _rows(comparisons, "difference in means")
    ref = reference.set_index(["indicator", "year"]).loc[ours.index]
    for column in ("mean_domestic", "mean_foreign", "median_domestic", "median_foreign"):
        assert_allclose(ours[column], ref[column], rtol=DATA_RTOL, atol=DATA_ATOL)
    assert (ours["n_domestic"].to_numpy() == ref["n_domestic"].to_numpy()).all()
    assert (ours["n_foreign"].to_numpy() == ref["n_foreign"].to_numpy()).all()
    assert (ours["n"] == ours["n_domestic"] + ours["n_foreign"]).all()
    assert (ours["banks_domestic"].to_numpy() == _sorted_banks(ref["banks_domestic"])).all()
    assert (ours["banks_foreign"].to_numpy() == _sorted_banks(ref["banks_foreign"])).all()


def _sorted_banks(column: pd.Series) -> np.ndarray:
    return np.array(["; ".join(sorted(banks.split("; "))) for banks in column])


def test_group_summary_matches_r(panel):
    ref = pd.read_csv(VALUES / "panel_stats_group_summary.csv")
    ours = pd.concat([group_summary(panel, indicator=name) for name in FIXTURE])
    assert list(ours.columns) == list(SUMMARY_COLUMNS)
    merged = ref.merge(ours, on=["indicator", "year", "group"], suffixes=("_r", ""))
    assert len(merged) == len(ref) == len(ours) == 24
    assert (merged["n"] == merged["n_r"]).all()
    for column in ("median", "q25", "q75", "iqr", "min", "max", "mean"):
        assert_allclose(merged[column], merged[f"{column}_r"], rtol=DATA_RTOL, atol=DATA_ATOL)


# --------------------------------------------------------------------------------------------
# Brute force


def _brute_force_p(domestic, foreign, statistic) -> float:
    values = np.array([*domestic, *foreign], dtype=float)
    n1 = len(domestic)
    observed = abs(statistic(values[:n1], values[n1:]))
    hits = total = 0
    for chosen in itertools.combinations(range(len(values)), n1):
        mask = np.zeros(len(values), dtype=bool)
        mask[list(chosen)] = True
        hits += abs(statistic(values[mask], values[~mask])) >= observed - 1e-9
        total += 1
    return hits / total


def test_exact_permutation_p_equals_brute_force_enumeration():
    domestic, foreign = [3.1, 4.7, 2.2, 5.9, 4.4], [1.3, 2.8, 0.9, 2.0]
    result = compare_groups_exact(_toy(domestic, foreign), indicator="roe", year=2023)
    mean_row = result.set_index("estimand").loc["difference in means"]
    expected = _brute_force_p(domestic, foreign, lambda a, b: a.mean() - b.mean())
    assert mean_row["p_val"] == expected
    assert "all 126 = C(9, 5) splits" in mean_row["method"]
    # scipy's exact permutation test of |mean difference| (one-sided on |T|) agrees
    scipy_p = stats.permutation_test(
        (np.array(domestic), np.array(foreign)),
        lambda a, b, axis: np.abs(a.mean(axis=axis) - b.mean(axis=axis)),
        n_resamples=np.inf,
        alternative="greater",
        vectorized=True,
    ).pvalue
    assert_allclose(mean_row["p_val"], scipy_p, rtol=0, atol=1e-12)


def test_mann_whitney_with_ties_equals_brute_force_over_midranks():
    domestic, foreign = [2.0, 3.0, 3.0, 5.0], [1.0, 2.0, 3.0, 1.0, 2.0]
    result = compare_groups_exact(_toy(domestic, foreign), indicator="roe", year=2023)
    row = result.set_index("estimand").loc["Hodges-Lehmann shift"]
    ranks = stats.rankdata([*domestic, *foreign])
    expected = _brute_force_p(
        ranks[:4], ranks[4:], lambda a, b: a.sum() - len(a) * (len(ranks) + 1) / 2
    )
    assert_allclose(row["p_val"], expected, rtol=0, atol=1e-15)
    u = sum((d > f) + 0.5 * (d == f) for d in domestic for f in foreign)
    assert row["statistic"] == u


def test_mann_whitney_without_ties_equals_scipy_exact_and_enumeration():
    domestic, foreign = [3.1, 4.7, 2.2, 5.9, 4.4, 0.5], [1.3, 2.8, 0.9, 2.0, 4.5]
    row = (
        compare_groups_exact(_toy(domestic, foreign), indicator="roe", year=2023)
        .set_index("estimand")
        .loc["Hodges-Lehmann shift"]
    )
    scipy_p = stats.mannwhitneyu(domestic, foreign, method="exact").pvalue
    ranks = stats.rankdata([*domestic, *foreign])
    enumerated = _brute_force_p(ranks[:6], ranks[6:], lambda a, b: a.sum() - 6 * 12 / 2)
    assert_allclose(row["p_val"], scipy_p, rtol=0, atol=1e-15)
    assert_allclose(row["p_val"], enumerated, rtol=0, atol=1e-15)


@pytest.mark.parametrize(("n1", "n2"), [(2, 2), (3, 5), (6, 8), (7, 8)])
def test_interval_coverage_equals_enumerated_distribution_of_u(n1, n2):
    """The coverage 1 - 2 P(U <= q - 1) and the order statistics, from all splits."""
    rng = np.random.default_rng(20240601 + n1 * n2)
    domestic, foreign = rng.normal(10, 2, n1).round(4), rng.normal(11, 2, n2).round(4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        row = (
            compare_groups_exact(_toy(domestic, foreign), indicator="roe", year=2023)
            .set_index("estimand")
            .loc["Hodges-Lehmann shift"]
        )
    n = n1 + n2
    u_values = []
    for chosen in itertools.combinations(range(n), n1):
        u_values.append(sum(r + 1 for r in chosen) - n1 * (n1 + 1) / 2)
    u_values = np.array(u_values)
    cdf = [np.mean(u_values <= q) for q in range(n1 * n2 + 1)]
    q = max(next(q for q, p in enumerate(cdf) if p >= 0.025 - 1e-12), 1)
    assert_allclose(row["ci_coverage"], 1 - 2 * np.mean(u_values <= q - 1), atol=1e-12)
    differences = np.sort(np.subtract.outer(domestic, foreign).ravel())
    assert row["ci_low"] == differences[q - 1]
    assert row["ci_high"] == differences[n1 * n2 - q]
    assert row["estimate"] == np.median(differences)


def test_monte_carlo_beyond_the_enumeration_limit_is_seeded_and_close_to_exact():
    rng = np.random.default_rng(7)
    domestic, foreign = rng.normal(10, 2, 10).round(2), rng.normal(11.5, 2, 12).round(2)
    assert math.comb(22, 10) > MAX_EXACT_SPLITS
    data = _toy(domestic, foreign)
    first = compare_groups_exact(data, indicator="roe", year=2023, n_resamples=20_000)
    again = compare_groups_exact(data, indicator="roe", year=2023, n_resamples=20_000)
    other = compare_groups_exact(
        data, indicator="roe", year=2023, n_resamples=20_000, random_state=1
    )
    pd.testing.assert_frame_equal(first, again)
    row = first.set_index("estimand").loc["difference in means"]
    assert row["p_val"] != other.set_index("estimand").loc["difference in means", "p_val"]
    assert "Monte-Carlo: 20000 seeded random splits of the C(22, 10) = 646646" in row["method"]
    values = np.concatenate([domestic, foreign])
    centred = values - values.mean()
    splits = np.array(list(itertools.combinations(range(22), 10)), dtype=np.intp)
    sums = np.abs(centred[splits].sum(axis=1))
    exact = np.mean(sums >= abs(centred[:10].sum()) - 1e-9)
    se = math.sqrt(exact * (1 - exact) / 20_000)
    assert abs(row["p_val"] - exact) < 4 * se + 1 / 20_001


def test_random_state_may_be_a_generator():
    data = _toy(list(range(10)), [x + 0.5 for x in range(12)])
    a = compare_groups_exact(data, indicator="roe", year=2023, n_resamples=2000, random_state=3)
    b = compare_groups_exact(
        data,
        indicator="roe",
        year=2023,
        n_resamples=2000,
        random_state=np.random.default_rng(3),
    )
    pd.testing.assert_frame_equal(a, b)


# --------------------------------------------------------------------------------------------
# Properties

values_strategy = st.lists(
    st.integers(min_value=0, max_value=400).map(lambda v: v / 20), min_size=2, max_size=6
)


def _swap(data: pd.DataFrame) -> pd.DataFrame:
    swapped = data.copy()
    swapped["group"] = swapped["group"].map({"domestic": "foreign", "foreign": "domestic"})
    return swapped


@settings(max_examples=40, deadline=None)
@given(domestic=values_strategy, foreign=values_strategy)
def test_swapping_group_labels_flips_signs_and_keeps_p(domestic, foreign):
    data = _toy(domestic, foreign)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours = compare_groups_exact(data, indicator="roe", year=2023).set_index("estimand")
        swapped = compare_groups_exact(_swap(data), indicator="roe", year=2023).set_index(
            "estimand"
        )
    assert_allclose(swapped["estimate"], -ours["estimate"], atol=1e-12)
    assert_allclose(swapped["ci_low"], -ours["ci_high"], atol=1e-12)
    assert_allclose(swapped["ci_high"], -ours["ci_low"], atol=1e-12)
    assert_allclose(swapped["p_val"], ours["p_val"], rtol=0, atol=1e-12)
    u = ours.loc["Hodges-Lehmann shift", "statistic"]
    assert swapped.loc["Hodges-Lehmann shift", "statistic"] == len(domestic) * len(foreign) - u
    assert (swapped["n_domestic"] == ours["n_foreign"]).all()
    assert_allclose(swapped["ci_coverage"], ours["ci_coverage"], atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(domestic=values_strategy, foreign=values_strategy, seed=st.integers(0, 2**32 - 1))
def test_shuffling_rows_changes_nothing(domestic, foreign, seed):
    data = _toy(domestic, foreign)
    shuffled = data.sample(frac=1, random_state=np.random.default_rng(seed)).reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        pd.testing.assert_frame_equal(
            compare_groups_exact(data, indicator="roe", year=2023),
            compare_groups_exact(shuffled, indicator="roe", year=2023),
        )


@settings(max_examples=30, deadline=None)
@given(domestic=values_strategy, foreign=values_strategy)
def test_intervals_contain_the_estimate_and_p_in_unit_interval(domestic, foreign):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = compare_groups_exact(_toy(domestic, foreign), indicator="roe", year=2023)
    has_ci = result["ci_low"].notna()
    assert (result["ci_low"][has_ci] <= result["estimate"][has_ci] + 1e-12).all()
    assert (result["estimate"][has_ci] <= result["ci_high"][has_ci] + 1e-12).all()
    assert ((result["p_val"] > 0) & (result["p_val"] <= 1)).all()


def test_shuffling_the_fixture_panel_changes_nothing(panel, comparisons):
    shuffled = panel.sample(frac=1, random_state=np.random.default_rng(5)).reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        again = pd.concat(
            [compare_over_years(shuffled, indicator=name, years=YEARS) for name in FIXTURE],
            ignore_index=True,
        )
    pd.testing.assert_frame_equal(again, comparisons)


def test_identical_duplicate_rows_are_accepted(panel):
    twice = pd.concat([panel, panel[panel["indicator"] == "roe"]], ignore_index=True)
    pd.testing.assert_frame_equal(
        compare_groups_exact(twice, indicator="roe", year=2023),
        compare_groups_exact(panel, indicator="roe", year=2023),
    )


# --------------------------------------------------------------------------------------------
# Shape of the results and edge cases


def test_comparison_table_has_one_row_per_estimand(panel):
    result = compare_groups_exact(panel, indicator="roe", year=2023)
    assert list(result.columns) == list(COMPARISON_COLUMNS)
    assert list(result["estimand"]) == list(ESTIMANDS)
    assert (result["n_domestic"] == 6).all() and (result["n_foreign"] == 8).all()
    assert (result["banks_missing"] == "").all()
    assert result["note"].eq("").all()


def test_missing_banks_are_listed_and_counted(panel):
    result = compare_groups_exact(panel, indicator="npl_ratio", year=2023)
    assert (result["n_foreign"] == 7).all()
    assert (result["banks_missing"] == "Foreign H").all()
    assert "Foreign H" not in result["banks_foreign"].iloc[0]
    assert result["note"].str.startswith("no value for 1 bank(s) of the panel").all()


def test_all_values_tied_gives_p_one_and_zero_estimates():
    result = compare_groups_exact(_toy([0.1] * 4, [0.1] * 5), indicator="roe", year=2023)
    assert (result["p_val"] == 1).all()
    assert_allclose(result["estimate"], 0, atol=1e-15)
    shift = result.set_index("estimand").loc["Hodges-Lehmann shift"]
    assert shift["ci_low"] == shift["ci_high"] == 0
    assert result["note"].str.contains("all values tied").all()


def test_compare_over_years_holm_and_columns(comparisons):
    assert list(comparisons.columns) == list(OVER_YEARS_COLUMNS)
    roe = comparisons[(comparisons["indicator"] == "roe")]
    for estimand in ESTIMANDS:
        rows = roe[roe["estimand"] == estimand]
        assert list(rows["year"]) == YEARS
        p = rows["p_unadjusted"].to_numpy()
        order = np.argsort(p)
        holm = np.minimum(1, np.maximum.accumulate(p[order] * (3 - np.arange(3))))
        expected = np.empty(3)
        expected[order] = holm
        assert_allclose(rows["p_val"], expected, rtol=0, atol=1e-15)
    assert (
        roe["method"]
        .str.endswith(
            "p Holm-adjusted across the 3 years [2019, 2021, 2023] (p_unadjusted: each year's)"
        )
        .all()
    )


def test_compare_over_years_refuses_a_year_with_one_bank(panel):
    thin = panel[~((panel["bank"] == "Foreign E") & (panel["year"] == 2021))]
    with pytest.raises(
        ValueError,
        match=r"compare_over_years needs at least 2 banks in each group with a value of "
        r"'retail_profit_share' in 2021; the foreign group has 1 \(Foreign A\)\. Compare "
        r"another year",
    ):
        compare_over_years(thin, indicator="retail_profit_share", years=YEARS)


def test_ratio_table_is_wide_by_indicator_and_year(panel):
    table = ratio_table(panel, indicators=["roe", "npl_ratio"], years=[2023, 2019])
    assert table.shape == (14, 4)
    assert list(table.columns) == [
        ("roe", 2023),
        ("roe", 2019),
        ("npl_ratio", 2023),
        ("npl_ratio", 2019),
    ]
    assert table.index.names == ["group", "bank"]
    assert table.index[0] == ("domestic", CITIC)
    assert table.index[-1] == ("foreign", "Foreign H")
    assert table.loc[("domestic", CITIC), ("roe", 2023)] == 9.02
    assert np.isnan(table.loc[("foreign", "Foreign H"), ("npl_ratio", 2019)])
    full = ratio_table(panel, indicators=["retail_profit_share"])
    assert list(full.columns.get_level_values("year")) == YEARS
    assert int(full.isna().sum().sum()) == 5 + 6 + 7


def test_group_summary_lists_missing_banks(panel):
    summary = group_summary(panel, indicator="retail_profit_share", years=[2023])
    assert list(summary["group"]) == ["domestic", "foreign"]
    assert list(summary["n"]) == [5, 2]
    assert list(summary["n_missing"]) == [1, 6]
    assert summary["banks_missing"].iloc[0] == "Domestic F"


def test_group_summary_of_a_group_without_values_is_nan():
    data = pd.concat(
        [_toy([1.0, 2.0], [3.0, 4.0], year=2021), _toy([1.5, 2.5], [], year=2023)],
        ignore_index=True,
    )
    summary = group_summary(data, indicator="roe", years=[2023]).set_index("group")
    assert summary.loc["foreign", "n"] == 0
    assert summary.loc["foreign", "banks_missing"] == "F0; F1"
    assert summary.loc["foreign", ["median", "iqr", "mean"]].isna().all()


def test_bank_position_of_citic(panel):
    position = bank_position(panel, indicator="roe", year=2023).set_index("relation")
    assert list(position.columns) == [c for c in POSITION_COLUMNS if c != "relation"]
    assert (position["bank"] == CITIC).all() and (position["value"] == 9.02).all()
    own, other, every = (position.loc[r] for r in ("own group", "other group", "all banks"))
    assert (own["reference"], own["n"], own["rank"], own["rank_of"]) == ("domestic", 6, 4, 6)
    assert own["percentile"] == 100 * 2 / 5
    assert_allclose(own["median"], (9.02 + 10.44) / 2, rtol=1e-15)
    assert (other["reference"], other["n"], other["rank"], other["rank_of"]) == (
        "foreign",
        8,
        9,
        9,
    )
    assert other["percentile"] == 0
    assert_allclose(other["median"], (12.21 + 12.66) / 2, rtol=1e-15)
    assert (every["n"], every["rank"], every["rank_of"]) == (14, 12, 14)
    assert_allclose(every["percentile"], 100 * 2 / 13, rtol=1e-15)


def test_bank_position_with_ties_shares_the_better_rank(panel):
    position = bank_position(
        panel, bank="Domestic B", indicator="cost_income_ratio", year=2019
    ).set_index("relation")
    # 31.2 is also the value of Domestic E and Foreign E
    assert position.loc["own group", "rank"] == 1
    assert position.loc["own group", "percentile"] == 100 * (4 + 0.5) / 5
    assert position.loc["other group", "rank"] == 8
    assert position.loc["other group", "percentile"] == 100 * 0.5 / 8


# --------------------------------------------------------------------------------------------
# Figures


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


LABELS = {"roe": "Return on equity", "npl_ratio": "NPL ratio", "cost_income_ratio": "Cost/income"}


def test_plot_ratio_trends_small_multiples_with_citic_highlighted(panel):
    figure = plot_ratio_trends(
        panel,
        indicators=["roe", "npl_ratio", "cost_income_ratio"],
        labels=LABELS,
        title="Ratios, 2019-2023",
        subtitle="FIXTURE: made-up values.",
    )
    assert isinstance(figure, Figure)
    assert [ax.get_title() for ax in figure.axes] == list(LABELS.values())
    roe = figure.axes[0]
    assert len(roe.lines) == 14
    highlighted = roe.lines[-1]
    assert highlighted.get_label() == CITIC
    assert highlighted.get_color() == HIGHLIGHT_COLOUR and highlighted.get_linewidth() == 2.5
    assert list(highlighted.get_ydata()) == [11.07, 10.31, 9.02]
    colours = {line.get_label(): line.get_color() for line in roe.lines[:-1]}
    assert colours["Domestic B"] == GROUP_COLOURS["domestic"]
    assert colours["Foreign A"] == GROUP_COLOURS["foreign"]
    assert len(figure.axes[1].lines) == 13  # Foreign H has no NPL ratio
    assert [t.get_text() for t in roe.get_xticklabels()] == ["2019", "2021", "2023"]
    assert roe.get_ylabel() == "%"
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == ["Domestic banks", "Foreign banks", CITIC]
    assert figure.get_suptitle() == "Ratios, 2019-2023"
    assert figure.get_supxlabel() == "FIXTURE: made-up values."
    assert _png(figure) == _png(
        plot_ratio_trends(
            panel,
            indicators=["roe", "npl_ratio", "cost_income_ratio"],
            labels=LABELS,
            title="Ratios, 2019-2023",
            subtitle="FIXTURE: made-up values.",
        )
    )


def test_plot_ratio_distributions_marks_citic(panel):
    figure = plot_ratio_distributions(
        panel, indicators=["roe", "npl_ratio"], year=2023, labels=LABELS
    )
    assert isinstance(figure, Figure)
    roe, npl = figure.axes
    assert roe.get_title() == "Return on equity, 2023"
    ticks = [t.get_text() for t in npl.get_xticklabels()]
    assert ticks == ["Domestic\n(n = 6)", "Foreign\n(n = 7)"]
    offsets = [collection.get_offsets() for collection in roe.collections]
    assert [len(o) for o in offsets] == [5, 1, 8]  # other domestic, CITIC, foreign
    assert offsets[1][0][1] == 9.02
    assert (
        matplotlib.colors.to_hex(roe.collections[1].get_facecolor()[0]) == HIGHLIGHT_COLOUR.lower()
    )
    assert _png(figure) == _png(
        plot_ratio_distributions(panel, indicators=["roe", "npl_ratio"], year=2023, labels=LABELS)
    )


def test_figures_refuse_missing_labels_and_unknown_banks(panel):
    with pytest.raises(
        ValueError,
        match=r"'labels' parameter of plot_ratio_trends has no label for \['npl_ratio'\]\. "
        r"Give every indicator",
    ):
        plot_ratio_trends(panel, indicators=["roe", "npl_ratio"], labels={"roe": "ROE"})
    with pytest.raises(
        TypeError, match="'labels' parameter of plot_ratio_distributions must map each indicator"
    ):
        plot_ratio_distributions(panel, indicators=["roe"], year=2023, labels=["ROE"])
    with pytest.raises(
        ValueError, match=r"'bank' parameter of plot_ratio_trends must name a bank of the panel"
    ):
        plot_ratio_trends(panel, indicators=["roe"], labels=LABELS, bank="CITIC")
    with pytest.raises(
        ValueError,
        match=r"Indicator 'total_assets' is a money amount in \['CNY', 'USD'\]: not comparable "
        r"across currencies; use a ratio",
    ):
        plot_ratio_distributions(
            panel, indicators=["total_assets"], year=2023, labels={"total_assets": "Assets"}
        )


# --------------------------------------------------------------------------------------------
# Bad input: every message


def test_money_indicators_are_refused_everywhere(panel):
    message = "not comparable across currencies; use a ratio"
    with pytest.raises(ValueError, match=message):
        ratio_table(panel, indicators=["roe", "total_assets"])
    with pytest.raises(ValueError, match=message):
        group_summary(panel, indicator="total_assets")
    with pytest.raises(ValueError, match=message):
        compare_groups_exact(panel, indicator="total_assets", year=2023)
    with pytest.raises(ValueError, match=message):
        bank_position(panel, indicator="total_assets", year=2023)


def test_counts_and_mixed_units_are_refused(panel):
    with pytest.raises(
        ValueError,
        match=r"Indicator 'employees' has unit 'count', not a currency-neutral ratio "
        r"\(\['percent', 'ratio', 'products_per_household'\]\)",
    ):
        compare_groups_exact(panel, indicator="employees", year=2023)
    mixed = panel.copy()
    mixed.loc[(mixed["indicator"] == "roe") & (mixed["year"] == 2019), "unit"] = "ratio"
    with pytest.raises(
        ValueError,
        match=r"Indicator 'roe' has several units in the panel: \['percent', 'ratio'\]\. "
        r"Convert its rows to one unit",
    ):
        group_summary(mixed, indicator="roe")


def test_panel_must_be_a_dataframe_with_the_columns(panel):
    with pytest.raises(
        TypeError, match="'panel' parameter of compare_groups_exact must be a pandas DataFrame"
    ):
        compare_groups_exact(panel.to_dict(), indicator="roe", year=2023)
    with pytest.raises(
        ValueError,
        match=r"'panel' parameter of ratio_table lacks the column\(s\) \['unit', 'currency'\]",
    ):
        ratio_table(panel.drop(columns=["unit", "currency"]), indicators=["roe"])


def test_panel_rows_must_be_complete_and_groups_known(panel):
    holes = panel.copy()
    holes.loc[0, "bank"] = None
    with pytest.raises(ValueError, match="has rows with no bank, group, year or indicator"):
        group_summary(holes, indicator="roe")
    other = panel.copy()
    other.loc[0, "group"] = "joint-stock"
    with pytest.raises(
        ValueError,
        match=r"'group' column of the panel given to group_summary holds \['joint-stock'\]; "
        r"it must be one of \['domestic', 'foreign'\]",
    ):
        group_summary(other, indicator="roe")
    both = panel.copy()
    both.loc[(both["bank"] == CITIC) & (both["year"] == 2019), "group"] = "foreign"
    with pytest.raises(
        ValueError,
        match=r"Banks \['China CITIC Bank'\] are both domestic and foreign in the panel given "
        r"to bank_position\. Give each bank one group",
    ):
        bank_position(both, indicator="roe", year=2023)


def test_panel_years_and_values_must_be_numbers(panel):
    years = panel.assign(year=panel["year"] + 0.5)
    with pytest.raises(
        ValueError, match="'year' column of the panel given to group_summary must hold whole"
    ):
        group_summary(years, indicator="roe")
    text = panel.assign(value=panel["value"].astype(str))
    with pytest.raises(
        TypeError,
        match=r"'value' column of the panel given to ratio_table must be numeric; it has dtype "
        r"\w+\. Convert it with pd\.to_numeric",
    ):
        ratio_table(text, indicators=["roe"])
    infinite = panel.copy()
    infinite.loc[0, "value"] = np.inf
    with pytest.raises(ValueError, match=r"'value' column .* holds infinite values"):
        group_summary(infinite, indicator="roe")


def test_conflicting_duplicate_rows_are_refused(panel):
    extra = panel[(panel["bank"] == CITIC) & (panel["indicator"] == "roe")].assign(value=9.99)
    with pytest.raises(
        ValueError,
        match=r"Indicator 'roe' has different values for one bank and year: \['China CITIC Bank "
        r"2019: 9\.99 vs 11\.07', .*Keep one row per bank, year and indicator",
    ):
        compare_groups_exact(pd.concat([panel, extra]), indicator="roe", year=2023)


def test_indicator_and_indicators_must_be_named(panel):
    with pytest.raises(
        ValueError,
        match=r"'indicator' parameter of group_summary names 'rote', which is not in the panel\. "
        r"Its indicators are \['cost_income_ratio', 'employees'",
    ):
        group_summary(panel, indicator="rote")
    with pytest.raises(
        TypeError, match="'indicator' parameter of bank_position must be one indicator name"
    ):
        bank_position(panel, indicator=["roe"], year=2023)
    with pytest.raises(
        TypeError,
        match=r"'indicators' parameter of ratio_table must be a non-empty list of indicator "
        r"names, e\.g\. \['roe', 'cost_income_ratio'\]\. Got 'roe'",
    ):
        ratio_table(panel, indicators="roe")
    with pytest.raises(
        ValueError, match="'indicators' parameter of plot_ratio_trends names an indicator twice"
    ):
        plot_ratio_trends(panel, indicators=["roe", "roe"], labels=LABELS)


def test_year_and_years_must_have_values(panel):
    with pytest.raises(
        ValueError,
        match=r"'year' parameter of compare_groups_exact is 2022, but 'roe' has values only for "
        r"\[2019, 2021, 2023\]\. Choose one of those years",
    ):
        compare_groups_exact(panel, indicator="roe", year=2022)
    with pytest.raises(
        TypeError, match="'year' parameter of compare_groups_exact must be one year as an integer"
    ):
        compare_groups_exact(panel, indicator="roe", year="2023")
    with pytest.raises(
        TypeError,
        match=r"'years' parameter of compare_over_years must be a non-empty list of integer "
        r"years, e\.g\. \[2019, 2021, 2023\]\. Got 2023",
    ):
        compare_over_years(panel, indicator="roe", years=2023)
    with pytest.raises(
        ValueError, match=r"'years' parameter of group_summary names a year twice: \[2019, 2019\]"
    ):
        group_summary(panel, indicator="roe", years=[2019, 2019])


def test_a_group_with_fewer_than_two_banks_is_refused():
    with pytest.raises(
        ValueError,
        match=r"compare_groups_exact needs at least 2 banks in each group with a value of 'roe' "
        r"in 2023; the domestic group has 1 \(D0\)\. Compare another year or indicator, or "
        r"describe the banks one by one \(bank_position\)",
    ):
        compare_groups_exact(_toy([1.0], [2.0, 3.0]), indicator="roe", year=2023)
    with pytest.raises(ValueError, match=r"the foreign group has 0 \(none\)"):
        compare_groups_exact(_toy([1.0, 2.0], []), indicator="roe", year=2023)


def test_options_are_checked(panel):
    with pytest.raises(
        ValueError, match=r"'ci' parameter of compare_groups_exact must be a float in \(0, 1\)"
    ):
        compare_groups_exact(panel, indicator="roe", year=2023, ci=95)
    with pytest.raises(
        ValueError,
        match=r"'n_resamples' parameter of compare_over_years must be None \(the default, "
        r"100000\) or a positive integer\. Got 0",
    ):
        compare_over_years(panel, indicator="roe", years=YEARS, n_resamples=0)
    with pytest.raises(
        ValueError, match="'random_state' parameter of compare_groups_exact must be a numpy"
    ):
        compare_groups_exact(panel, indicator="roe", year=2023, random_state=-1)


def test_bank_position_needs_a_known_bank_with_a_value(panel):
    with pytest.raises(
        ValueError,
        match=r"'bank' parameter of bank_position must name a bank of the panel, one of "
        r"\['China CITIC Bank', 'Domestic B'.*Got 'CITIC'",
    ):
        bank_position(panel, bank="CITIC", indicator="roe", year=2023)
    with pytest.raises(
        ValueError,
        match=r"Bank 'Foreign H' has no value of 'npl_ratio' in 2023 \(years with a value: "
        r"\[\]\)\. Choose one of those years or another bank",
    ):
        bank_position(panel, bank="Foreign H", indicator="npl_ratio", year=2023)


def test_doctests():
    failed, attempted = doctest.testmod(
        analysis.panel_stats, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert attempted > 0 and failed == 0
