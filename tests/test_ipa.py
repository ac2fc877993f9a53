"""Importance-performance analysis (analysis.ipa): quadrants, intervals, groups, chart.

Oracles and tolerances: the means, t intervals and Welch tests are closed forms, checked
against scipy (``scipy.stats.t.interval``, ``scipy.stats.ttest_ind(equal_var=False)``, which
agree with R's ``t.test``) at rtol 1e-10. Quadrants are checked on hand-made responses whose
means are known exactly. Recovery (DESIGN §7): synthetic samples from ``survey/population.yaml``,
whose ``importance.means`` order the touch-points' stated importance (staff = product 0.80 >
channel 0.70 > complaint 0.50 > personal 0.40 > communication 0.10, in latent SD units; about
0.2 scale points per 0.1) and whose ``paths`` give the true total effects on satisfaction
(direct + via value x 0.30: staff 0.21, product 0.175, personal 0.13, channel 0.13,
communication 0.065); the group shifts make other domestic banks' channels (+0.30 SD) and
foreign banks' personal service (+0.40 SD) better than CITIC's.
"""

from __future__ import annotations

import doctest
import math
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from numpy.testing import assert_allclose
from scipy import stats

import analysis.ipa
from analysis.descriptives import construct_scores
from analysis.drivers import driver_regression
from analysis.instrument import load_instrument, load_population
from analysis.ipa import (
    CONCENTRATE_HERE,
    GAP_COLUMNS,
    IPA_COLUMNS,
    IpaWarning,
    group_performance_gap,
    importance_performance,
    ipa_by_group,
    plot_ipa,
)
from analysis.synthetic import synthetic_sample

FOUR = ["staff", "personal", "channel", "product"]
KEEP_UP, LOW, OVERKILL = "Keep up the good work", "Low priority", "Possible overkill"
NUMERIC = [
    c for c in IPA_COLUMNS if c not in ("touchpoint", "importance_basis", "quadrant", "method")
]
BANKS = {"CITIC": [1], "Other banks": [2, 3]}
#: Standardized total effects on satisfaction in survey/population.yaml (direct + via value).
TRUE_TOTAL_EFFECTS = {
    "staff": 0.15 + 0.20 * 0.30,
    "personal": 0.10 + 0.10 * 0.30,
    "channel": 0.10 + 0.10 * 0.30,
    "product": 0.10 + 0.25 * 0.30,
    "communication": 0.05 + 0.05 * 0.30,
}


@pytest.fixture(scope="module")
def instrument():
    return load_instrument("survey/instrument.yaml")


@pytest.fixture(scope="module")
def population(instrument):
    return load_population("survey/population.yaml", instrument)


@pytest.fixture(scope="module")
def sample(instrument, population):
    return synthetic_sample(instrument, population, n=400, random_state=4).responses


@pytest.fixture(scope="module")
def large(instrument, population):
    return synthetic_sample(instrument, population, n=6000, random_state=3).responses


def _responses(instrument, performance: dict, importance: dict) -> pd.DataFrame:
    """Two respondents per touch-point answering mean - 1 and mean + 1 (keyed) to every item."""
    columns = {}
    for code, mean in performance.items():
        for item in instrument.items(code):
            keyed = np.array([mean - 1, mean + 1])
            columns[item.code] = 8 - keyed if item.reverse else keyed
    for code, mean in importance.items():
        columns[f"imp_{code}"] = np.array([mean - 1, mean + 1])
    return pd.DataFrame(columns).astype("Int64")


@pytest.fixture(scope="module")
def made(instrument):
    performance = {"staff": 6, "personal": 3, "channel": 6, "product": 3}
    importance = {"staff": 6, "personal": 6, "channel": 3, "product": 3}
    return _responses(instrument, performance, importance)


# --------------------------------------------------------------------------------------------
# Quadrants on hand-made responses


def test_quadrants_with_data_centred_crosshairs(made, instrument):
    table = importance_performance(made, instrument, touchpoints=FOUR)
    assert list(table.columns) == list(IPA_COLUMNS)
    assert table["quadrant"].tolist() == [KEEP_UP, CONCENTRATE_HERE, OVERKILL, LOW]
    assert_allclose(table["performance"], [6, 3, 6, 3])
    assert_allclose(table["stated"], [6, 6, 3, 3])
    assert (table["performance_crosshair"] == 4.5).all()
    assert (table["importance_crosshair"] == 4.5).all()
    assert_allclose(table["gap"], [0, 3, -3, 0])
    assert (table["importance_basis"] == "stated").all()
    assert "grand means" in table["method"].iloc[0]


def test_quadrants_with_midpoint_and_given_crosshairs(made, instrument):
    midpoint = importance_performance(made, instrument, touchpoints=FOUR, crosshairs="midpoint")
    assert midpoint["quadrant"].tolist() == [KEEP_UP, CONCENTRATE_HERE, OVERKILL, LOW]
    assert (midpoint["performance_crosshair"] == 4).all()
    assert "scale midpoints" in midpoint["method"].iloc[0]
    # staff lies on both cross-hairs: a value on a cross-hair counts as high
    given_ = importance_performance(made, instrument, touchpoints=FOUR, crosshairs=(6, 6))
    assert given_["quadrant"].tolist() == [KEEP_UP, CONCENTRATE_HERE, OVERKILL, LOW]
    low = importance_performance(made, instrument, touchpoints=FOUR, crosshairs=(6.5, 6.5))
    assert low["quadrant"].tolist() == [LOW] * 4


def test_quadrants_by_derived_importance(made, instrument):
    derived = pd.Series({"staff": 0.05, "personal": 0.05, "channel": 0.2, "product": 0.2})
    table = importance_performance(
        made, instrument, touchpoints=FOUR, derived=derived, basis="derived"
    )
    assert table["quadrant"].tolist() == [OVERKILL, LOW, KEEP_UP, CONCENTRATE_HERE]
    assert_allclose(table["importance"], derived.to_numpy())
    assert_allclose(table["importance_crosshair"], 0.125)
    # the stated columns are still reported
    assert_allclose(table["stated"], [6, 6, 3, 3])


def test_derived_importance_may_be_a_mapping(made, instrument):
    derived = {"staff": 0.05, "personal": 0.05, "channel": 0.2, "product": 0.2}
    table = importance_performance(
        made, instrument, touchpoints=FOUR, derived=derived, basis="derived"
    )
    assert table["quadrant"].tolist() == [OVERKILL, LOW, KEEP_UP, CONCENTRATE_HERE]


# --------------------------------------------------------------------------------------------
# Estimates against closed forms


def test_performance_and_stated_importance_are_means_with_t_intervals(sample, instrument):
    table = importance_performance(sample, instrument, ci=0.9).set_index("touchpoint")
    scores = construct_scores(sample, instrument)
    for code in table.index:
        score = scores[code].dropna()
        assert table.loc[code, "performance_n"] == len(score)
        assert_allclose(table.loc[code, "performance"], score.mean(), rtol=1e-12)
        low, high = stats.t.interval(0.9, len(score) - 1, score.mean(), stats.sem(score))
        assert_allclose(
            table.loc[code, ["performance_ci_low", "performance_ci_high"]], [low, high], rtol=1e-10
        )
        answers = sample[f"imp_{code}"].dropna().astype(float)
        assert_allclose(table.loc[code, "stated"], answers.mean(), rtol=1e-12)
        assert_allclose(table.loc[code, "stated_se"], stats.sem(answers), rtol=1e-10)
        both = pd.concat([answers, score], axis=1, keys=["imp", "perf"]).dropna()
        assert table.loc[code, "gap_n"] == len(both)
        assert_allclose(table.loc[code, "gap"], (both["imp"] - both["perf"]).mean(), rtol=1e-10)


def test_complaint_performance_rests_on_complainants_only(sample, instrument):
    table = importance_performance(sample, instrument).set_index("touchpoint")
    complainants = (sample["complained_12m"] == 1).sum()
    assert 0 < table.loc["complaint", "performance_n"] <= complainants
    assert table.loc["complaint", "stated_n"] > 300


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=st.randoms(use_true_random=False))
def test_invariant_to_row_order(order, sample, instrument):
    rows = list(sample.index)
    order.shuffle(rows)
    a = importance_performance(sample, instrument)
    b = importance_performance(sample.loc[rows], instrument)
    assert a["quadrant"].tolist() == b["quadrant"].tolist()
    assert_allclose(a[NUMERIC].astype(float), b[NUMERIC].astype(float), rtol=1e-12, atol=1e-12)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ci=st.floats(0.5, 0.999))
def test_intervals_contain_the_estimates(ci, sample, instrument):
    table = importance_performance(sample, instrument, ci=ci)
    for measure in ("performance", "stated", "gap"):
        assert (table[f"{measure}_ci_low"] <= table[measure]).all()
        assert (table[measure] <= table[f"{measure}_ci_high"]).all()
    gap = group_performance_gap(sample, instrument, group="bank_type", ci=ci)
    assert ((gap["ci_low"] <= gap["estimate"]) & (gap["estimate"] <= gap["ci_high"])).all()


# --------------------------------------------------------------------------------------------
# Recovery on synthetic data


def test_stated_importance_ranks_are_recovered(large, instrument):
    stated = importance_performance(large, instrument).set_index("touchpoint")["stated"]
    # staff and product share the top mean (0.80): either order
    assert set(stated.sort_values(ascending=False).index[:2]) == {"staff", "product"}
    assert stated.sort_values(ascending=False).index[2:].tolist() == [
        "channel",
        "complaint",
        "personal",
        "communication",
    ]


def test_derived_importance_ordering_is_roughly_recovered(large, instrument):
    scores = construct_scores(large, instrument)
    touchpoints = ["staff", "personal", "channel", "product", "communication"]
    betas = driver_regression(
        scores, outcome="satisfaction", predictors=[*touchpoints, "image", "expectation"]
    )
    derived = betas.set_index("term")["beta"].loc[touchpoints]
    with pytest.warns(IpaWarning, match=r"complaint: no derived importance \('derived' lacks it\)"):
        table = importance_performance(large, instrument, derived=derived, basis="derived")
    # Measurement error attenuates the betas, product's (3 items) most, so product and personal
    # (truth 0.175, 0.13) trade places in some samples: "roughly" means the largest and the
    # smallest effect and a rank correlation with the truth (seeds 0-5: 0.82 to 0.97).
    ranked = table.dropna(subset=["derived"]).sort_values("derived", ascending=False)
    assert ranked["touchpoint"].iloc[0] == "staff"  # truth 0.21
    assert ranked["touchpoint"].iloc[-1] == "communication"  # truth 0.065
    truth = pd.Series(TRUE_TOTAL_EFFECTS)
    rho = stats.spearmanr(ranked.set_index("touchpoint")["derived"].loc[truth.index], truth)[0]
    assert rho > 0.7
    assert table.set_index("touchpoint").loc["complaint", "quadrant"] is None


def test_group_gap_recovers_the_population_shifts(large, instrument):
    pooled = group_performance_gap(large, instrument, group="bank_type", groups=BANKS)
    channel = pooled.set_index("touchpoint").loc["channel"]
    assert channel["ci_high"] < 0  # other domestic banks' channels are better
    each = group_performance_gap(large, instrument, group="bank_type").set_index(
        ["touchpoint", "reference"]
    )
    assert each.loc[("channel", "2"), "ci_high"] < 0
    assert each.loc[("personal", "3"), "ci_high"] < 0
    # foreign banks' channels are not shifted: CITIC's gap to them is smaller than to domestic
    assert each.loc[("channel", "2"), "estimate"] < each.loc[("channel", "3"), "estimate"]


# --------------------------------------------------------------------------------------------
# Groups


def test_welch_gap_matches_scipy(sample, instrument):
    gap = group_performance_gap(sample, instrument, group="bank_type", groups=BANKS, ci=0.9)
    assert list(gap.columns) == list(GAP_COLUMNS)
    scores = construct_scores(sample, instrument)
    focal = sample["bank_type"] == 1
    others = sample["bank_type"].isin([2, 3])
    for row in gap.itertuples():
        x = scores.loc[focal, row.touchpoint].dropna()
        y = scores.loc[others, row.touchpoint].dropna()
        test = stats.ttest_ind(x, y, equal_var=False)
        interval = test.confidence_interval(0.9)
        assert_allclose(
            [row.estimate, row.statistic, row.df, row.p_val, row.ci_low, row.ci_high],
            [
                x.mean() - y.mean(),
                test.statistic,
                test.df,
                test.pvalue,
                interval.low,
                interval.high,
            ],
            rtol=1e-10,
        )
        assert (row.n_group, row.n_reference, row.n) == (len(x), len(y), len(x) + len(y))
        assert (row.group, row.reference) == ("CITIC", "Other banks")


def test_ipa_by_group_uses_common_crosshairs(sample, instrument):
    table = ipa_by_group(sample, instrument, group="bank_type", groups=BANKS)
    assert list(table.columns) == ["group", *IPA_COLUMNS]
    assert table["group"].tolist() == ["CITIC"] * 6 + ["Other banks"] * 6
    assert (table["performance_crosshair"] == table["performance_crosshair"].iloc[0]).all()
    assert_allclose(table["performance_crosshair"].iloc[0], table["performance"].mean())
    assert_allclose(table["importance_crosshair"].iloc[0], table["importance"].mean())
    citic = importance_performance(sample[sample["bank_type"] == 1], instrument)
    assert_allclose(table.loc[table["group"] == "CITIC", "performance"], citic["performance"])


def test_ipa_by_group_invariant_to_group_order(sample, instrument):
    a = ipa_by_group(sample, instrument, group="bank_type", groups=BANKS)
    b = ipa_by_group(sample, instrument, group="bank_type", groups=dict(reversed(BANKS.items())))
    b = b.set_index(["group", "touchpoint"]).loc[a.set_index(["group", "touchpoint"]).index]
    assert_allclose(a[NUMERIC].astype(float), b.reset_index()[NUMERIC].astype(float), rtol=1e-12)
    assert a["quadrant"].tolist() == b["quadrant"].tolist()


def test_ipa_by_group_default_groups_are_the_codes(sample, instrument):
    table = ipa_by_group(sample, instrument, group="bank_type", touchpoints=FOUR)
    assert table["group"].unique().tolist() == ["1", "2", "3"]


def test_ipa_by_group_derived_per_group(sample, instrument):
    derived = {
        "CITIC": pd.Series({"staff": 0.3, "channel": 0.1}),
        "Other banks": pd.Series({"staff": 0.1, "channel": 0.3}),
    }
    table = ipa_by_group(
        sample,
        instrument,
        group="bank_type",
        groups=BANKS,
        touchpoints=["staff", "channel"],
        derived=derived,
        basis="derived",
    )
    assert_allclose(table["derived"], [0.3, 0.1, 0.1, 0.3])
    assert_allclose(table["importance_crosshair"], 0.2)


def test_thin_groups_warn(sample, instrument):
    data = sample.copy()
    complainants_3 = (data["bank_type"] == 3) & (data["complained_12m"] == 1)
    data.loc[complainants_3, [f"cmp{i}" for i in range(1, 5)]] = pd.NA
    with pytest.warns(IpaWarning, match=r"fewer than two construct scores for \['complaint \(1 n="):
        gap = group_performance_gap(data, instrument, group="bank_type")
    row = gap.set_index(["touchpoint", "reference"]).loc[("complaint", "3")]
    assert row["n_reference"] == 0 and math.isnan(row["estimate"]) and math.isnan(row["se"])


# --------------------------------------------------------------------------------------------
# Edge cases: every message tested


def test_a_construct_without_importance_item_is_not_placed(made, instrument):
    data = made.assign(**{f"img{i}": pd.array([5, 7], dtype="Int64") for i in range(1, 5)})
    with pytest.warns(
        IpaWarning,
        match=r"\['image'\] are not placed in a quadrant \(image: no "
        r"stated-importance item in the instrument\)",
    ):
        table = importance_performance(data, instrument, touchpoints=[*FOUR, "image"])
    image = table.set_index("touchpoint").loc["image"]
    assert image["quadrant"] is None and math.isnan(image["stated"]) and math.isnan(image["gap"])
    assert image["performance"] == 6
    assert (table["importance_crosshair"] == 4.5).all()  # image does not count


def test_all_missing_importance_item(made, instrument):
    data = made.assign(imp_product=pd.array([pd.NA, pd.NA], dtype="Int64"))
    with pytest.warns(IpaWarning, match=r"product: no answers to its importance item"):
        table = importance_performance(data, instrument, touchpoints=FOUR)
    assert table.set_index("touchpoint").loc["product", "stated_n"] == 0


def test_all_missing_performance(sample, instrument):
    empty = pd.array([pd.NA] * len(sample), dtype="Int64")
    data = sample.assign(**{f"cmp{i}": empty for i in range(1, 5)})
    with pytest.warns(IpaWarning, match=r"complaint: no performance score"):
        table = importance_performance(data, instrument)
    assert table.set_index("touchpoint").loc["complaint", "performance_n"] == 0


def test_derived_importance_missing_for_a_touchpoint(made, instrument):
    derived = pd.Series({"staff": 0.1, "personal": 0.2, "channel": np.nan})
    with pytest.warns(IpaWarning, match=r"\['channel', 'product'\] are not placed"):
        table = importance_performance(
            made, instrument, touchpoints=FOUR, derived=derived, basis="derived"
        )
    assert table["quadrant"].isna().tolist() == [False, False, True, True]
    # with stated importance, missing derived values do not matter
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        importance_performance(made, instrument, touchpoints=FOUR, derived=derived)


def test_parameter_errors(made, instrument):
    call = {"touchpoints": FOUR}
    with pytest.raises(ValueError, match=r"'basis' parameter of importance_performance must be"):
        importance_performance(made, instrument, basis="both", **call)
    with pytest.raises(ValueError, match=r"basis='derived' needs the 'derived' parameter"):
        importance_performance(made, instrument, basis="derived", **call)
    with pytest.raises(
        ValueError,
        match=r"'derived' parameter of importance_performance names "
        r"\['\(Intercept\)'\]",
    ):
        importance_performance(made, instrument, derived={"(Intercept)": 1.0}, **call)
    with pytest.raises(TypeError, match=r"'derived' parameter of importance_performance must be"):
        importance_performance(made, instrument, derived=[0.1, 0.2], **call)
    with pytest.raises(TypeError, match=r"must hold numbers"):
        importance_performance(made, instrument, derived={"staff": "high"}, **call)
    with pytest.raises(ValueError, match=r"crosshairs='midpoint' needs stated importance"):
        importance_performance(
            made,
            instrument,
            derived=dict.fromkeys(FOUR, 0.1),
            basis="derived",
            crosshairs="midpoint",
            **call,
        )
    with pytest.raises(ValueError, match=r"'crosshairs' parameter of importance_performance must"):
        importance_performance(made, instrument, crosshairs=(4, "x"), **call)
    with pytest.raises(ValueError, match=r"'crosshairs' parameter of importance_performance must"):
        importance_performance(made, instrument, crosshairs="median", **call)
    with pytest.raises(ValueError, match=r"'ci' parameter of importance_performance must be"):
        importance_performance(made, instrument, ci=1.0, **call)
    with pytest.raises(KeyError, match=r"has no construct 'service'"):
        importance_performance(made, instrument, touchpoints=["staff", "service"])
    with pytest.raises(ValueError, match=r"'touchpoints' parameter of importance_performance rep"):
        importance_performance(made, instrument, touchpoints=["staff", "staff"])
    with pytest.raises(TypeError, match=r"'touchpoints' parameter of importance_performance must"):
        importance_performance(made, instrument, touchpoints="staff")
    with pytest.raises(TypeError, match=r"'data' parameter of importance_performance must be"):
        importance_performance(made.to_numpy(), instrument, **call)


def test_more_parameter_errors(made, instrument):
    with pytest.raises(ValueError, match=r"'touchpoints' parameter of importance_performance must"):
        importance_performance(made, instrument, touchpoints=[])
    with pytest.raises(
        ValueError, match=r"'derived' parameter of importance_performance holds inf"
    ):
        importance_performance(made, instrument, touchpoints=FOUR, derived={"staff": np.inf})
    with pytest.raises(TypeError, match=r"'data' parameter of ipa_by_group must be a pandas Data"):
        ipa_by_group(made.to_numpy(), instrument, group="bank_type")


def test_midpoint_needs_one_scale_length(made, instrument):
    scales = dict(instrument.scales)
    seven = scales["agree7"]
    scales["agree5"] = replace(
        seven, code="agree5", points=5, labels={k: v for k, v in seven.labels.items() if k <= 5}
    )
    variables = tuple(
        replace(v, scale="agree5") if v.code == "per1" else v for v in instrument.variables
    )
    mixed = replace(instrument, scales=scales, variables=variables)
    with pytest.raises(ValueError, match=r"needs the touch-points' items on one scale length; th"):
        importance_performance(
            made, mixed, touchpoints=["personal", "product"], crosshairs="midpoint"
        )


def test_too_few_placed_touchpoints_for_grand_means(made, instrument):
    with pytest.raises(ValueError, match=r"need at least two placed touch-points; 1 could be"):
        importance_performance(made, instrument, touchpoints=["staff"])
    table = importance_performance(made, instrument, touchpoints=["staff"], crosshairs="midpoint")
    assert table["quadrant"].tolist() == [KEEP_UP]


def test_data_errors(made, instrument):
    with pytest.raises(ValueError, match=r"lack the importance item columns \['imp_staff'\]"):
        importance_performance(made.drop(columns="imp_staff"), instrument, touchpoints=FOUR)
    bad = made.assign(imp_staff=pd.array([9, 7], dtype="Int64"))
    with pytest.raises(ValueError, match=r"importance items \['imp_staff'\] hold values that are"):
        importance_performance(bad, instrument, touchpoints=FOUR)


def test_group_errors(sample, instrument):
    with pytest.raises(ValueError, match=r"'group' parameter of ipa_by_group must name a column"):
        ipa_by_group(sample, instrument, group="bank")
    with pytest.raises(ValueError, match=r"'groups' parameter of ipa_by_group must map at least"):
        ipa_by_group(sample, instrument, group="bank_type", groups={"CITIC": [1]})
    with pytest.raises(ValueError, match=r"puts code 2 of 'bank_type' in both 'A' and 'B'"):
        ipa_by_group(sample, instrument, group="bank_type", groups={"A": [1, 2], "B": [2, 3]})
    with pytest.raises(ValueError, match=r"group 'None' \(codes \[9\] of 'bank_type'\) has no r"):
        group_performance_gap(sample, instrument, group="bank_type", groups={"A": [1], "None": [9]})
    with pytest.raises(ValueError, match=r"must give one Series per group \['CITIC', 'Other ba"):
        ipa_by_group(
            sample,
            instrument,
            group="bank_type",
            groups=BANKS,
            derived={"CITIC": pd.Series({"staff": 0.1})},
            basis="derived",
        )
    with pytest.raises(ValueError, match=r"ipa_by_group: basis='derived' needs the 'derived'"):
        ipa_by_group(sample, instrument, group="bank_type", basis="derived")


# --------------------------------------------------------------------------------------------
# The chart


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_plot_ipa_draws_quadrants_labels_and_shading(made, instrument):
    table = importance_performance(made, instrument, touchpoints=FOUR)
    fig = plot_ipa(table, title="IPA", labels={"staff": "Staff"}, subtitle="Made up")
    assert isinstance(fig, Figure)
    assert fig.get_size_inches().tolist() == [6.4, 5.2]
    texts = _texts(fig)
    for name in (CONCENTRATE_HERE, KEEP_UP, LOW, OVERKILL, "Staff", "personal"):
        assert name in texts
    (ax,) = fig.axes
    shaded = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(shaded) == 1
    x, y = shaded[0].get_xy()
    assert x == ax.get_xlim()[0] and y == 4.5  # from the left edge, above the cross-hair
    assert_allclose(x + shaded[0].get_width(), 4.5)
    assert ax.get_ylabel().startswith("Stated importance")


def test_plot_ipa_overlays_two_groups_with_arrows(sample, instrument):
    table = ipa_by_group(sample, instrument, group="bank_type", groups=BANKS)
    fig = plot_ipa(table, title="IPA by bank", quadrant_names={CONCENTRATE_HERE: "重点改进"})
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["CITIC", "Other banks"]
    arrows = [t for t in ax.texts if t.get_text() == "" and t.arrow_patch is not None]
    assert len(arrows) == 6
    assert "重点改进" in _texts(fig) and CONCENTRATE_HERE not in _texts(fig)
    no_arrows = plot_ipa(table, title="IPA", arrows=False, show_ci=False)
    assert not [t for t in no_arrows.axes[0].texts if t.get_text() == ""]


def test_plot_ipa_notes_unplaced_touchpoints(large, instrument):
    derived = pd.Series({"staff": 0.2, "personal": 0.1, "channel": 0.1, "product": 0.2})
    with pytest.warns(IpaWarning):
        table = importance_performance(large, instrument, derived=derived, basis="derived")
    fig = plot_ipa(table, title="IPA", labels={"complaint": "Complaint handling"})
    note = fig._supxlabel.get_text()
    assert "Not placed" in note and "Complaint handling" in note and "communication" in note
    assert fig.axes[0].get_ylabel().startswith("Derived importance")


def test_plot_ipa_errors(made, instrument):
    table = importance_performance(made, instrument, touchpoints=FOUR)
    with pytest.raises(ValueError, match=r"'table' parameter of plot_ipa must be a DataFrame fro"):
        plot_ipa(table.drop(columns="quadrant"), title="IPA")
    mixed = table.assign(performance_crosshair=[1, 2, 3, 4])
    with pytest.raises(ValueError, match=r"the table's 'performance_crosshair' holds"):
        plot_ipa(mixed, title="IPA")
    with pytest.raises(ValueError, match=r"no touch-point in the table has both performance"):
        plot_ipa(table.assign(importance=np.nan), title="IPA")


def test_doctests():
    failed, attempted = doctest.testmod(analysis.ipa, optionflags=doctest.ELLIPSIS)
    assert attempted > 0 and failed == 0
