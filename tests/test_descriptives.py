"""Item descriptives, response distributions, construct scores and the Likert figure.

Reference values: ``tests/reference/values/bfi_item_describe.csv``, from
``psych::describe(items, type = 1 | 2 | 3)`` on the 25 raw (not reverse-keyed) bfi items
(R 4.2.2, psych 2.2.9; the call is in ``tests/reference/R/02_bfi_psych.R``).
"""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from numpy.testing import assert_allclose
from scipy import stats

from analysis.config import REPO_ROOT
from analysis.descriptives import (
    DISTRIBUTION_COLUMNS,
    ITEM_STATISTICS_COLUMNS,
    NEUTRAL_COLOUR,
    construct_scores,
    item_statistics,
    plot_likert,
    response_distribution,
)
from analysis.instrument import load_instrument, load_population
from analysis.synthetic import SYNTHETIC_NOTICE, synthetic_sample

REFERENCE = REPO_ROOT / "tests" / "reference"
ITEMS = [f"{scale}{i}" for scale in "ACENO" for i in range(1, 6)]
INSTRUMENT = load_instrument(REPO_ROOT / "survey" / "instrument.yaml")

# Closed-form statistics: agreement limited by the 15 significant digits R wrote (largest
# difference seen 6.7e-15).
ATOL = 1e-12


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data" / "bfi_psych.csv", index_col=0)


@pytest.fixture(scope="module")
def describe() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "values" / "bfi_item_describe.csv")


@pytest.fixture(scope="module")
def sample():
    population = load_population(REPO_ROOT / "survey" / "population.yaml", INSTRUMENT)
    return synthetic_sample(INSTRUMENT, population, n=600, random_state=20261128)


# --------------------------------------------------------------------------------------------
# item_statistics: reference tests (psych::describe)


def test_moments_and_order_statistics_match_psych_describe(bfi, describe):
    table = item_statistics(bfi, items=ITEMS)
    assert list(table.columns) == list(ITEM_STATISTICS_COLUMNS)
    assert table["item"].tolist() == describe["item"].tolist()
    assert table["n"].tolist() == describe["n"].tolist()
    for ours, theirs in [
        ("mean", "mean"),
        ("sd", "sd"),
        ("se", "se_mean"),
        ("median", "median"),
        ("min", "min"),
        ("max", "max"),
    ]:
        assert_allclose(table[ours], describe[theirs], rtol=0, atol=ATOL, err_msg=ours)


@pytest.mark.parametrize(
    ("kind", "skew_column", "kurtosis_column"),
    [
        (2, "skew_type2_spss", "kurtosis_type2_spss"),
        (3, "skew_type3_psych_default", "kurtosis_type3_psych_default"),
    ],
)
def test_skew_and_kurtosis_types_2_and_3_match_psych_describe(
    bfi, describe, kind, skew_column, kurtosis_column
):
    table = item_statistics(bfi, items=ITEMS, skew_type=kind, kurtosis_type=kind)
    assert_allclose(table["skew"], describe[skew_column], rtol=0, atol=ATOL)
    assert_allclose(table["kurtosis"], describe[kurtosis_column], rtol=0, atol=ATOL)


def test_type_1_matches_psych_describe_and_its_kurtosis_quirk(bfi, describe):
    table = item_statistics(bfi, items=ITEMS, skew_type=1, kurtosis_type=1)
    assert_allclose(table["skew"], describe["skew_type1_g1"], rtol=0, atol=ATOL)
    # psych 2.2.9's type-1 kurtosis divides by all 2800 rows, missing ones included:
    # psych + 3 = (g2 + 3) * 2800 / n. It equals ours on the one complete item (O2)...
    complete = describe["n"] == len(bfi)
    assert describe.loc[complete, "item"].tolist() == ["O2"]
    assert_allclose(
        table.loc[complete, "kurtosis"], describe.loc[complete, "kurtosis_type1_g2"], atol=ATOL
    )
    # ...and differs by exactly that factor elsewhere (up to 0.04 on these items).
    assert_allclose(
        (table["kurtosis"] + 3) * len(bfi) / table["n"],
        describe["kurtosis_type1_g2"] + 3,
        rtol=0,
        atol=ATOL,
    )


def test_types_match_scipy(bfi):
    # type 2 = scipy's bias=False (SPSS), type 1 = scipy's default moment estimators
    table2 = item_statistics(bfi, items=ITEMS)
    table1 = item_statistics(bfi, items=ITEMS, skew_type=1, kurtosis_type=1)
    for row2, row1, item in zip(table2.itertuples(), table1.itertuples(), ITEMS, strict=True):
        values = bfi[item].dropna().to_numpy()
        assert_allclose(row2.skew, stats.skew(values, bias=False), rtol=1e-12)
        assert_allclose(row2.kurtosis, stats.kurtosis(values, bias=False), rtol=1e-12)
        assert_allclose(row1.skew, stats.skew(values), rtol=1e-12)
        assert_allclose(row1.kurtosis, stats.kurtosis(values), rtol=1e-12)


@pytest.mark.parametrize(
    ("kind", "name"), [(1, "g1 (moment"), (2, "G1 (SPSS"), (3, "b1 (psych::describe default")]
)
def test_method_names_the_types(bfi, kind, name):
    method = item_statistics(bfi, items=["A1"], skew_type=kind, kurtosis_type=2)["method"][0]
    assert f"skewness type {kind}: {name}" in method
    assert "excess kurtosis type 2: G2 (SPSS" in method
    assert method.endswith("pairwise")


def test_listwise_uses_complete_rows_only(bfi):
    table = item_statistics(bfi, items=ITEMS[:5], nan_policy="listwise")
    complete = bfi[ITEMS[:5]].dropna()
    assert (table["n"] == len(complete)).all()
    assert_allclose(table["mean"], complete.mean().to_numpy(), rtol=1e-14)
    assert table["method"][0].endswith("listwise")


def test_nullable_integers_and_missing_values():
    data = pd.DataFrame({"q": pd.array([1, 2, None, 4, 4], dtype="Int64")})
    row = item_statistics(data, items=["q"]).iloc[0]
    assert row["n"] == 4
    assert_allclose(row["mean"], 2.75)
    assert_allclose(row["sd"], np.std([1, 2, 4, 4], ddof=1))


def test_undefined_skew_of_a_constant_item_warns():
    data = pd.DataFrame({"q": [3, 3, 3, 3], "r": [1, 2, 3, 5]})
    with pytest.warns(RuntimeWarning) as record:
        table = item_statistics(data, items=["q", "r"])
    messages = [str(warning.message) for warning in record]
    assert any("the skew is undefined (NaN) for items ['q']" in m for m in messages)
    assert any("the kurtosis is undefined (NaN) for items ['q']" in m for m in messages)
    assert np.isnan(table.loc[0, "skew"])
    assert np.isfinite(table.loc[1, "skew"])


def test_type_2_kurtosis_needs_four_answers():
    data = pd.DataFrame({"q": [1.0, 2.0, 4.0]})
    with pytest.warns(RuntimeWarning, match=r"the kurtosis is undefined \(NaN\) for items"):
        table = item_statistics(data, items=["q"])
    assert np.isfinite(table.loc[0, "skew"])


@settings(max_examples=50, deadline=None)
@given(
    values=arrays(np.int64, st.integers(5, 60), elements=st.integers(1, 7)),
    shift=st.integers(-10, 10),
)
def test_shape_statistics_are_invariant_to_a_shift(values, shift):
    if values.std() == 0:
        return
    data = pd.DataFrame({"q": values.astype(float), "moved": values + float(shift)})
    table = item_statistics(data, items=["q", "moved"])
    assert_allclose(table.loc[1, "mean"], table.loc[0, "mean"] + shift, rtol=1e-12)
    for column in ("sd", "skew", "kurtosis"):
        assert_allclose(table.loc[1, column], table.loc[0, column], rtol=1e-9, atol=1e-9)


# --------------------------------------------------------------------------------------------
# item_statistics: bad input


@pytest.mark.parametrize("kind", [0, 4, True, "2", 2.5])
def test_unknown_type_is_an_error(kind):
    with pytest.raises(
        ValueError, match=r"The 'skew_type' parameter of item_statistics must be one of \[1, 2, 3\]"
    ):
        item_statistics(pd.DataFrame({"q": [1, 2]}), items=["q"], skew_type=kind)


def test_unknown_kurtosis_type_is_an_error():
    with pytest.raises(ValueError, match="'kurtosis_type' parameter of item_statistics"):
        item_statistics(pd.DataFrame({"q": [1, 2]}), items=["q"], kurtosis_type=5)


def test_bad_items_are_errors():
    data = pd.DataFrame({"q": [1, 2, 3], "text": ["a", "b", "c"], "empty": [np.nan] * 3})
    with pytest.raises(TypeError, match=r"Items \['text'\] of item_statistics are not numeric"):
        item_statistics(data, items=["q", "text"])
    with pytest.raises(ValueError, match=r"Items \['empty'\] of item_statistics have no answers"):
        item_statistics(data, items=["empty"])
    with pytest.raises(ValueError, match=r"names columns not in the data: \['x'\]"):
        item_statistics(data, items=["x"])
    with pytest.raises(ValueError, match=r"must name at least 1 item\(s\)"):
        item_statistics(data, items=[])
    with pytest.raises(ValueError, match="'nan_policy' parameter of item_statistics"):
        item_statistics(data, items=["q"], nan_policy="drop")


# --------------------------------------------------------------------------------------------
# response_distribution


def test_distribution_of_a_small_sample():
    data = pd.DataFrame({"q1": pd.array([1, 3, 3, None, 5], dtype="Int64"), "q2": [2, 2, 2, 2, 1]})
    table = response_distribution(data, items=["q1", "q2"], scale_points=5)
    assert list(table.columns) == list(DISTRIBUTION_COLUMNS)
    assert table["item"].tolist() == ["q1"] * 5 + ["q2"] * 5
    assert table["code"].tolist() == [1, 2, 3, 4, 5] * 2
    assert table["n"].tolist() == [1, 0, 2, 0, 1, 1, 4, 0, 0, 0]
    assert_allclose(table["percent"], [25, 0, 50, 0, 25, 20, 80, 0, 0, 0], rtol=1e-14)
    assert table["n"].dtype == np.int64
    assert table["code"].dtype == np.int64


def test_distribution_matches_counts_of_bfi(bfi):
    table = response_distribution(bfi, items=ITEMS, scale_points=6)
    for item, rows in table.groupby("item"):
        counts = bfi[item].value_counts().reindex(range(1, 7), fill_value=0)
        assert rows["n"].tolist() == counts.tolist()


@settings(max_examples=50, deadline=None)
@given(
    values=arrays(np.int64, st.integers(1, 50), elements=st.integers(1, 7)),
    seed=st.integers(0, 2**32 - 1),
)
def test_percents_sum_to_100_and_ignore_row_order(values, seed):
    data = pd.DataFrame({"q": values})
    table = response_distribution(data, items=["q"], scale_points=7)
    assert_allclose(table["percent"].sum(), 100.0, rtol=1e-12)
    assert table["n"].sum() == len(values)
    shuffled = data.sample(frac=1.0, random_state=np.random.default_rng(seed))
    pd.testing.assert_frame_equal(
        response_distribution(shuffled, items=["q"], scale_points=7), table
    )


def test_values_outside_the_scale_are_an_error():
    data = pd.DataFrame({"q1": [1, 2, -99], "q2": [1, 2.5, 3], "q3": [1, 2, 3]})
    with pytest.raises(
        ValueError, match=r"\{'q1': \[-99\], 'q2': \[2\.5\]\}\. Declare missing codes such as -99"
    ):
        response_distribution(data, items=["q1", "q2", "q3"], scale_points=7)
    with pytest.raises(ValueError, match=r"\{'q3': \[3\]\}"):
        response_distribution(data, items=["q3"], scale_points=2)


@pytest.mark.parametrize("points", [1, 0, 2.0, True, "7", None])
def test_scale_points_must_be_an_integer_of_at_least_2(points):
    with pytest.raises(
        ValueError, match="The 'scale_points' parameter of response_distribution must be an integer"
    ):
        response_distribution(pd.DataFrame({"q": [1]}), items=["q"], scale_points=points)


def test_an_unanswered_item_is_an_error_not_nan_percents():
    data = pd.DataFrame({"q": pd.array([None, None], dtype="Int64")})
    with pytest.raises(ValueError, match=r"Items \['q'\] of response_distribution have no answers"):
        response_distribution(data, items=["q"], scale_points=7)


# --------------------------------------------------------------------------------------------
# construct_scores


def _responses(**columns: list[int | None]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.array(values, dtype="Int64") for name, values in columns.items()})


def test_reverse_keyed_items_are_recoded_before_averaging():
    data = _responses(cha1=[7, 1], cha2=[7, 1], cha3=[7, 1], cha4=[1, 7])  # cha4 reversed
    scores = construct_scores(data, INSTRUMENT, constructs=["channel"])
    assert scores["channel"].tolist() == [7.0, 1.0]


def test_min_items_as_number_and_as_share():
    data = _responses(sat1=[5, 5, None, None], sat2=[6, None, None, None], sat3=[7, None, None, 4])
    mean = construct_scores(data, INSTRUMENT, constructs=["satisfaction"])  # 0.5 -> 2 of 3
    assert_allclose(mean["satisfaction"], [6.0, np.nan, np.nan, np.nan])
    one = construct_scores(data, INSTRUMENT, constructs=["satisfaction"], min_items=1)
    assert_allclose(one["satisfaction"], [6.0, 5.0, np.nan, 4.0])
    every = construct_scores(data, INSTRUMENT, constructs=["satisfaction"], min_items=1.0)
    assert_allclose(every["satisfaction"], [6.0, np.nan, np.nan, np.nan])
    third = construct_scores(data, INSTRUMENT, constructs=["satisfaction"], min_items=0.3)
    assert_allclose(third["satisfaction"], [6.0, 5.0, np.nan, 4.0])


def test_half_of_four_items_needs_two():
    data = _responses(tru1=[5, 5], tru2=[5, None], tru3=[None, None], tru4=[None, None])
    scores = construct_scores(data, INSTRUMENT, constructs=["trust"])
    assert_allclose(scores["trust"], [5.0, np.nan])


def test_sum_is_prorated_over_missing_items():
    data = _responses(sat1=[5, 5], sat2=[6, 7], sat3=[7, None])
    scores = construct_scores(data, INSTRUMENT, constructs=["satisfaction"], method="sum")
    assert_allclose(scores["satisfaction"], [18.0, 18.0])


def test_scores_every_construct_in_instrument_order(sample):
    scores = construct_scores(sample.responses, INSTRUMENT)
    assert list(scores.columns) == [construct.code for construct in INSTRUMENT.constructs]
    assert scores.index.equals(sample.responses.index)
    # complaint handling is asked of complainants only: most scores are missing by design
    assert scores["complaint"].isna().mean() > 0.5


def test_scores_track_the_latent_variables_of_the_synthetic_sample(sample):
    # Parameter recovery: with loadings 0.65-0.86 and 3-4 items the mean score correlates
    # about .85 with its latent variable; reverse-keyed cha4 and tru4 would lower it if they
    # were not recoded.
    scores = construct_scores(sample.responses, INSTRUMENT)
    attentive = (sample.careless == "attentive").to_numpy()
    for construct in INSTRUMENT.model.constructs:
        pair = pd.DataFrame({"score": scores[construct], "latent": sample.scores[construct]})[
            attentive
        ].dropna()
        assert pair.corr().iloc[0, 1] > 0.75, construct


def test_construct_scores_bad_input():
    data = _responses(sat1=[5], sat2=[6], sat3=[7])
    with pytest.raises(ValueError, match="'method' parameter of construct_scores must be one of"):
        construct_scores(data, INSTRUMENT, constructs=["satisfaction"], method="median")
    for bad in (0, 1.5, 0.0, True, "half", -1):
        with pytest.raises(ValueError, match="'min_items' parameter of construct_scores must be"):
            construct_scores(data, INSTRUMENT, constructs=["satisfaction"], min_items=bad)
    with pytest.raises(ValueError, match=r"asks for 4 answered items, but constructs have fewer"):
        construct_scores(data, INSTRUMENT, constructs=["satisfaction"], min_items=4)
    with pytest.raises(KeyError, match="has no construct 'happiness'"):
        construct_scores(data, INSTRUMENT, constructs=["happiness"])
    with pytest.raises(
        ValueError, match=r"the data lack item columns of constructs .*'trust': \['tru1'"
    ):
        construct_scores(data, INSTRUMENT, constructs=["trust"])
    with pytest.raises(ValueError, match=r"\{'sat1': \[-99\]\}\. Declare missing codes"):
        construct_scores(
            _responses(sat1=[-99], sat2=[6], sat3=[7]), INSTRUMENT, constructs=["satisfaction"]
        )


# --------------------------------------------------------------------------------------------
# plot_likert


@pytest.fixture(scope="module")
def distribution(sample):
    items = [variable.code for variable in INSTRUMENT.items()]
    return response_distribution(sample.responses, items=items, scale_points=7)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=50)
    return buffer.getvalue()


def test_figure_has_a_panel_per_construct_and_a_legend(distribution):
    fig = plot_likert(distribution, INSTRUMENT, title="Agreement", subtitle=SYNTHETIC_NOTICE)
    assert isinstance(fig, Figure)
    panels = fig.axes[:-1]
    titles = [ax.get_title(loc="left") for ax in panels]
    assert titles == [construct.name["en"] for construct in INSTRUMENT.constructs]
    assert len(fig.axes) == len(INSTRUMENT.constructs) + 1
    legend = fig.axes[-1].get_legend()
    assert [text.get_text() for text in legend.get_texts()] == [
        INSTRUMENT.scales["agree7"].labels[point]["en"] for point in range(1, 8)
    ]


def test_bars_diverge_around_the_neutral_midpoint():
    data = pd.DataFrame({"sat1": [1, 2, 4, 4, 6, 7, 7, 7], "sat2": [4] * 8, "sat3": [7] * 8})
    table = response_distribution(data, items=["sat1", "sat2", "sat3"], scale_points=7)
    fig = plot_likert(table, INSTRUMENT, construct="satisfaction", title="t", item_labels="code")
    ax = fig.axes[0]
    bars = [patch for patch in ax.patches]
    assert len(bars) == 3 * 7
    for row, (low, neutral) in enumerate([(25.0, 25.0), (0.0, 100.0), (0.0, 0.0)]):
        segments = bars[row::3]  # barh draws one point for all items, then the next point
        assert_allclose(segments[0].get_x(), -(low + neutral / 2), atol=1e-12)
        assert_allclose(sum(s.get_width() for s in segments), 100.0, atol=1e-12)
        assert_allclose(segments[3].get_x() + segments[3].get_width() / 2, 0.0, atol=1e-12)
    colours = [to_hex(bars[3 * point].get_facecolor()) for point in range(7)]
    assert colours[3] == NEUTRAL_COLOUR
    assert len(set(colours)) == 7
    assert [label.get_text() for label in ax.get_yticklabels()] == ["sat1", "sat2", "sat3"]


def test_item_texts_and_reverse_marks():
    data = pd.DataFrame({code: [1, 4, 7] for code in ["cha1", "cha2", "cha3", "cha4"]})
    table = response_distribution(data, items=list(data.columns), scale_points=7)
    fig = plot_likert(table, INSTRUMENT, construct="channel", title="Channel")
    labels = [label.get_text() for label in fig.axes[0].get_yticklabels()]
    assert labels[3].replace("\n", " ").startswith(INSTRUMENT.variable("cha4").question["en"][:20])
    assert labels[3].endswith("(R)")
    assert not labels[0].endswith("(R)")
    zh = plot_likert(table, INSTRUMENT, construct="channel", title="渠道", language="zh")
    assert zh.axes[0].get_title(loc="left") == INSTRUMENT.construct("channel").name["zh"]
    assert [label.get_text() for label in zh.axes[0].get_yticklabels()][3].endswith("（反向）")


def test_figure_is_deterministic(distribution):
    first = plot_likert(distribution, INSTRUMENT, construct="trust", title="Trust")
    second = plot_likert(distribution, INSTRUMENT, construct="trust", title="Trust")
    assert _png(first) == _png(second)
    assert first.get_size_inches().tolist() == second.get_size_inches().tolist()


def test_items_of_scales_of_different_lengths_are_an_error(distribution):
    # an instrument whose importance scale has 5 points and one satisfaction item uses it
    scales = dict(INSTRUMENT.scales)
    scales["importance7"] = dataclasses.replace(scales["importance7"], points=5)
    variables = tuple(
        dataclasses.replace(v, scale="importance7") if v.code == "sat3" else v
        for v in INSTRUMENT.variables
    )
    instrument = dataclasses.replace(INSTRUMENT, scales=scales, variables=variables)
    with pytest.raises(ValueError, match="draws items of one scale length at a time"):
        plot_likert(distribution, instrument, title="t")


def test_plot_likert_bad_input(distribution):
    with pytest.raises(ValueError, match="'language' parameter of plot_likert must be one of"):
        plot_likert(distribution, INSTRUMENT, title="t", language="fr")
    with pytest.raises(ValueError, match="'item_labels' parameter of plot_likert must be one of"):
        plot_likert(distribution, INSTRUMENT, title="t", item_labels="both")
    with pytest.raises(ValueError, match=r"It lacks \['percent'\]"):
        plot_likert(distribution.drop(columns="percent"), INSTRUMENT, title="t")
    with pytest.raises(ValueError, match=r"lacks items \['tru4'\] of the construct 'trust'"):
        plot_likert(
            distribution[distribution["item"] != "tru4"], INSTRUMENT, construct="trust", title="t"
        )
    with pytest.raises(KeyError, match="has no construct 'happiness'"):
        plot_likert(distribution, INSTRUMENT, construct="happiness", title="t")
    importance = response_distribution(
        pd.DataFrame({"imp_staff": [1, 7]}), items=["imp_staff"], scale_points=7
    )
    with pytest.raises(
        ValueError, match=r"construct items only; the distribution holds \['imp_staff'\]"
    ):
        plot_likert(importance, INSTRUMENT, title="t")
