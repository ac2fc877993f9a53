"""The sample profile: exact counts, percents that sum to 100, invariance, figure and table."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from analysis.config import REPO_ROOT
from analysis.instrument import load_instrument, load_population
from analysis.profile import (
    FIGSIZE,
    PROFILE_COLUMNS,
    plot_profile,
    profile_table_for_paper,
    sample_profile,
)
from analysis.synthetic import SYNTHETIC_NOTICE, synthetic_responses

INSTRUMENT = REPO_ROOT / "survey" / "instrument.yaml"
POPULATION = REPO_ROOT / "survey" / "population.yaml"

INSTRUMENT_OBJECT = load_instrument(INSTRUMENT)


@pytest.fixture(scope="module")
def instrument():
    return INSTRUMENT_OBJECT


@pytest.fixture(scope="module")
def sample(instrument):
    population = load_population(POPULATION, instrument)
    return synthetic_responses(instrument, population, n=400, random_state=20261128)


def _frame(**columns: list[int | None]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.array(values, dtype="Int64") for name, values in columns.items()})


def test_counts_and_percents_of_a_small_sample(instrument):
    responses = _frame(bank_type=[1, 1, 1, 2, None, 1, 2, None])
    profile = sample_profile(responses, instrument, variables=["bank_type"])
    assert list(profile.columns) == list(PROFILE_COLUMNS)
    assert profile["label"].tolist() == [
        "China CITIC Bank Zhengzhou branch",
        "Another domestic bank",
        "A foreign bank",
        "Missing",
    ]
    assert profile["code"].tolist()[:3] == [1, 2, 3]
    assert profile["code"].isna().tolist() == [False, False, False, True]
    assert profile["n"].tolist() == [4, 2, 0, 2]
    # Categories: percent of the 6 valid answers; the missing row: percent of all 8.
    np.testing.assert_allclose(profile["percent"], [400 / 6, 200 / 6, 0.0, 25.0], rtol=1e-12)
    assert str(profile["code"].dtype) == "Int64"
    assert profile["n"].dtype == np.int64
    assert profile["percent"].dtype == np.float64


def test_missing_row_only_when_answers_are_missing(instrument):
    profile = sample_profile(_frame(gender=[1, 2, 2]), instrument, variables=["gender"])
    assert profile["code"].notna().all()
    assert "Missing" not in profile["label"].tolist()


def test_percents_sum_to_100_per_variable(instrument, sample):
    profile = sample_profile(sample, instrument)
    valid = profile[profile["code"].notna()]
    sums = valid.groupby("variable", sort=False)["percent"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 100.0, rtol=1e-12)
    assert sums.index.tolist() == list(instrument.profile_codes)
    counts = profile.groupby("variable")["n"].sum()
    assert (counts == len(sample)).all(), "valid plus missing must be every respondent"


def test_chinese_labels(instrument):
    responses = _frame(gender=[1, None])
    profile = sample_profile(responses, instrument, variables=["gender"], language="zh")
    assert profile["label"].tolist() == ["男", "女", "缺失"]


def test_variables_are_chosen_and_ordered(instrument, sample):
    profile = sample_profile(sample, instrument, variables=["bank_type", "gender"])
    assert list(pd.unique(profile["variable"])) == ["bank_type", "gender"]


def test_variable_without_valid_answers(instrument):
    profile = sample_profile(_frame(gender=[None, None]), instrument, variables=["gender"])
    assert profile["percent"].iloc[:2].isna().all()
    assert profile["percent"].iloc[2] == 100.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"variables": ["income"]},
            r"'variables' parameter of sample_profile names \['income'\], which are not profile "
            r"variables of the instrument\. Choose from",
        ),
        ({"language": "fr"}, r"'language' parameter of sample_profile must be one of"),
    ],
)
def test_invalid_parameters_are_named(instrument, kwargs, message):
    with pytest.raises(ValueError, match=message):
        sample_profile(_frame(gender=[1]), instrument, **kwargs)


def test_absent_column_is_named(instrument):
    with pytest.raises(ValueError, match=r"responses lack the column\(s\) \['age_band'\]"):
        sample_profile(_frame(gender=[1]), instrument, variables=["gender", "age_band"])


def test_undeclared_code_points_to_read_responses(instrument):
    with pytest.raises(
        ValueError,
        match=r"Column 'gender' holds values \[99\] that are not "
        r"answer codes \[1, 2\].*read_responses",
    ):
        sample_profile(_frame(gender=[1, 99]), instrument, variables=["gender"])


def test_non_integer_column_points_to_read_responses(instrument):
    responses = pd.DataFrame({"gender": ["male", "female"]})
    with pytest.raises(ValueError, match=r"Column 'gender' must hold integer answer codes"):
        sample_profile(responses, instrument, variables=["gender"])


# --------------------------------------------------------------------------------------------
# Properties

answers = {
    variable.code: st.one_of(st.none(), st.sampled_from(variable.codes))
    for variable in INSTRUMENT_OBJECT.profile
}


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.fixed_dictionaries(answers), min_size=1, max_size=40),
    data=st.data(),
)
def test_profile_is_invariant_to_row_order(rows, data):
    responses = pd.DataFrame(rows, columns=list(answers)).astype("Int64")
    order = data.draw(st.permutations(range(len(rows))))
    shuffled = responses.iloc[order]  # index shuffled too: the profile must not depend on it
    pd.testing.assert_frame_equal(
        sample_profile(responses, INSTRUMENT_OBJECT),
        sample_profile(shuffled, INSTRUMENT_OBJECT),
    )


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.fixed_dictionaries(answers), min_size=1, max_size=40))
def test_valid_percents_sum_to_100_and_counts_to_n(rows):
    responses = pd.DataFrame(rows, columns=list(answers)).astype("Int64")
    profile = sample_profile(responses, INSTRUMENT_OBJECT)
    assert (profile.groupby("variable")["n"].sum() == len(rows)).all()
    valid = profile[profile["code"].notna()]
    for code, group in valid.groupby("variable"):
        if responses[code].notna().any():
            assert group["percent"].sum() == pytest.approx(100.0, rel=1e-12)


# --------------------------------------------------------------------------------------------
# Presentation


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def test_plot_shows_percent_and_n_per_category(instrument):
    responses = _frame(bank_type=[1, 1, 2, 3, None])
    profile = sample_profile(responses, instrument, variables=["bank_type"])
    figure = plot_profile(
        profile, variable="bank_type", title="Respondents by main bank", subtitle=SYNTHETIC_NOTICE
    )
    assert isinstance(figure, Figure)
    assert tuple(figure.get_size_inches()) == FIGSIZE
    (axes,) = figure.axes
    assert [text.get_text() for text in axes.texts] == [
        "50.0% (n = 2)",
        "25.0% (n = 1)",
        "25.0% (n = 1)",
    ]
    assert [bar.get_width() for bar in axes.patches] == [50.0, 25.0, 25.0]
    assert figure.get_suptitle() == "Respondents by main bank"
    note = figure.get_supxlabel()
    assert note.startswith("Synthetic data")
    assert note.endswith("Missing (no answer): n = 1")


def test_plot_without_missing_or_subtitle_has_no_note(instrument):
    profile = sample_profile(_frame(gender=[1, 2]), instrument, variables=["gender"])
    figure = plot_profile(profile, variable="gender", title="Gender")
    assert figure.get_supxlabel() == ""


def test_plot_is_deterministic(instrument, sample):
    profile = sample_profile(sample, instrument)
    first = plot_profile(profile, variable="age_band", title="Age", subtitle=SYNTHETIC_NOTICE)
    second = plot_profile(profile, variable="age_band", title="Age", subtitle=SYNTHETIC_NOTICE)
    assert _png(first) == _png(second)


def test_plot_rejects_unknown_variable_and_other_frames(instrument, sample):
    profile = sample_profile(sample, instrument, variables=["gender"])
    with pytest.raises(
        ValueError,
        match=r"'variable' parameter of plot_profile must be a "
        r"variable of the profile, one of \['gender'\]\. Got 'bank_type'",
    ):
        plot_profile(profile, variable="bank_type", title="t")
    with pytest.raises(
        ValueError,
        match=r"'profile' parameter of plot_profile must be a "
        r"DataFrame from sample_profile.*lacks \['code', 'label'",
    ):
        plot_profile(pd.DataFrame({"variable": ["gender"]}), variable="gender", title="t")


def test_table_for_paper_labels_variables_and_keeps_missing_rows(instrument, sample):
    profile = sample_profile(sample, instrument)
    table = profile_table_for_paper(profile, variable_labels=instrument.variable_labels("en"))
    assert list(table.columns) == ["Variable", "Category", "n", "%"]
    labels = instrument.variable_labels("en")
    assert table["Variable"].unique().tolist() == [labels[c] for c in instrument.profile_codes]
    assert table["Variable"].unique().tolist()[:3] == ["Gender", "Age", "Education"]
    assert table["Category"].tolist() == profile["label"].tolist()
    assert "Missing" in table["Category"].tolist()
    np.testing.assert_array_equal(table["%"].to_numpy(), profile["percent"].to_numpy())
    assert table["n"].tolist() == profile["n"].tolist()


def test_table_for_paper_defaults_to_variable_codes(instrument):
    profile = sample_profile(_frame(gender=[1, 2]), instrument, variables=["gender"])
    assert profile_table_for_paper(profile)["Variable"].tolist() == ["gender", "gender"]
