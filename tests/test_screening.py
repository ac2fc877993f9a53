"""Quality screening: each rule on hand-made respondents, the ledger's arithmetic, invariances."""

from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from analysis.config import REPO_ROOT
from analysis.instrument import Instrument, load_instrument
from analysis.screening import (
    DEFAULT_RULES,
    DEFAULT_THRESHOLDS,
    LEDGER_COLUMNS,
    RULES,
    flag_excess_missing,
    flag_failed_attention,
    flag_straightlining,
    flag_too_fast,
    longest_run,
    screen_responses,
)

INSTRUMENT = REPO_ROOT / "survey" / "instrument.yaml"


@functools.cache
def shipped() -> Instrument:
    return load_instrument(INSTRUMENT)


@pytest.fixture(scope="module")
def instrument() -> Instrument:
    return shipped()


def careful(instrument: Instrument, n: int, seed: int) -> pd.DataFrame:
    """Validated responses of attentive respondents: varied answers, the check passed, no
    missing answers, completion times around ten minutes; skip logic respected."""
    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {"respondent_id": [f"R{i:04d}" for i in range(n)]}
    columns["duration_seconds"] = pd.array(rng.normal(600, 60, n), dtype="Float64")
    for variable in instrument.variables:
        if variable.role == "meta":
            continue
        codes = rng.choice(np.array(variable.codes), n)
        columns[variable.code] = pd.array(codes, dtype="Int64")
    frame = pd.DataFrame(columns)
    for check in instrument.attention_checks:
        frame[check.code] = pd.array([check.expected] * n, dtype="Int64")
    for variable in instrument.variables:
        if variable.ask_if is not None:
            asked = frame[variable.ask_if.variable].isin(variable.ask_if.codes)
            frame.loc[~asked, variable.code] = pd.NA
    return frame


def with_careless(instrument: Instrument, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` plus four respondents, each careless in one way only."""
    items = [item.code for item in instrument.items()]
    likert = [v.code for v in instrument.items(role=None) if v.role != "attention"]
    template = frame.iloc[[0] * 4].reset_index(drop=True).copy()
    template["respondent_id"] = ["straight", "speeder", "inattentive", "absent"]
    template["complained_12m"] = pd.array([2] * 4, dtype="Int64")
    template.loc[:, [f"cmp{i}" for i in range(1, 5)]] = pd.NA
    varied = [i % 7 + 1 for i in range(len(items))]
    for row in range(4):
        template.loc[row, items] = varied
    template.loc[0, items] = 4  # every construct item "neither agree nor disagree"
    template.loc[1, "duration_seconds"] = 60.0  # a tenth of the median
    template.loc[2, "attn1"] = 2  # not the instructed answer
    asked = [code for code in likert if not code.startswith("cmp")]
    template.loc[3, asked[: int(len(asked) * 0.8)]] = pd.NA  # 80% unanswered
    return pd.concat([frame, template], ignore_index=True)


# --------------------------------------------------------------------------------------------
# Each rule flags the right respondent, and only that one


def test_each_careless_respondent_is_flagged_by_exactly_its_rule(instrument):
    data = with_careless(instrument, careful(instrument, 40, seed=1))
    result = screen_responses(data, instrument)
    flags = result.flags.set_index("respondent_id")
    assert list(flags.columns) == list(DEFAULT_RULES)
    expected = {
        "straight": "straightlining",
        "speeder": "too_fast",
        "inattentive": "failed_attention",
        "absent": "excess_missing",
    }
    for respondent, rule in expected.items():
        assert flags.loc[respondent].to_dict() == {r: r == rule for r in DEFAULT_RULES}
    assert not flags.drop(index=list(expected)).to_numpy().any(), "careful respondents kept"
    assert dict(
        zip(result.exclusions["respondent_id"], result.exclusions["rule"], strict=True)
    ) == (expected)
    assert sorted(result.kept["respondent_id"]) == sorted(data["respondent_id"][:40])


def test_the_ledger_of_the_hand_made_sample(instrument):
    data = with_careless(instrument, careful(instrument, 40, seed=2))
    ledger = screen_responses(data, instrument).ledger
    assert tuple(ledger.columns) == LEDGER_COLUMNS
    assert ledger[["step", "rule", "n_before", "n_excluded", "n_after"]].to_dict("records") == [
        {"step": 0, "rule": "validated", "n_before": 44, "n_excluded": 0, "n_after": 44},
        {"step": 1, "rule": "excess_missing", "n_before": 44, "n_excluded": 1, "n_after": 43},
        {"step": 2, "rule": "failed_attention", "n_before": 43, "n_excluded": 1, "n_after": 42},
        {"step": 3, "rule": "too_fast", "n_before": 42, "n_excluded": 1, "n_after": 41},
        {"step": 4, "rule": "straightlining", "n_before": 41, "n_excluded": 1, "n_after": 40},
    ]
    assert ledger["description"].iloc[0] == "validated responses"
    assert "Meade & Craig 2012" in ledger["description"].iloc[4]
    assert all(str(ledger[c].dtype) == "int64" for c in ("step", "n_before", "n_after"))


def test_a_respondent_flagged_twice_is_excluded_once_by_the_first_rule(instrument):
    data = careful(instrument, 20, seed=3)
    items = [item.code for item in instrument.items()]
    data.loc[0, items] = 4
    data.loc[0, "attn1"] = 4
    result = screen_responses(data, instrument)
    assert result.flags.loc[0, ["failed_attention", "straightlining"]].tolist() == [True, True]
    assert result.exclusions.to_dict("records") == [
        {"respondent_id": "R0000", "step": 2, "rule": "failed_attention"}
    ]
    assert result.ledger["n_excluded"].tolist() == [0, 0, 1, 0, 0]
    reordered = screen_responses(data, instrument, rules=["straightlining", "failed_attention"])
    assert reordered.exclusions["rule"].tolist() == ["straightlining"]


def test_longest_run_skips_missing_answers():
    values = np.array(
        [
            [1, 1, 2, 2, 2],
            [3, np.nan, 3, 1, np.nan],
            [np.nan] * 5,
            [5, 4, 5, 4, 5],
            [7, 7, 7, 7, 7],
        ]
    )
    assert longest_run(values).tolist() == [3, 2, 0, 1, 5]
    assert longest_run(np.empty((2, 0))).tolist() == [0, 0]
    assert longest_run(np.array([[4.0], [np.nan]])).tolist() == [1, 0]


def _longest_run_reference(row: np.ndarray) -> int:
    answered = [value for value in row if not np.isnan(value)]
    best = run = 0
    for i, value in enumerate(answered):
        run = run + 1 if i and value == answered[i - 1] else 1
        best = max(best, run)
    return best


@given(
    hnp.arrays(
        float,
        hnp.array_shapes(min_dims=2, max_dims=2, max_side=12),
        elements=st.sampled_from([1.0, 2.0, 3.0, np.nan]),
    )
)
def test_longest_run_matches_a_plain_loop(values):
    expected = [_longest_run_reference(row) for row in values]
    assert longest_run(values).tolist() == expected


def test_straightlining_threshold_and_zero_sd(instrument):
    items = [item.code for item in instrument.items()]
    pattern = [i % 7 + 1 for i in range(len(items))]
    run_of_14, run_of_15, few_alike = list(pattern), list(pattern), [pd.NA] * len(items)
    run_of_14[:14] = [6] * 14
    run_of_15[:15] = [6] * 15
    few_alike[0], few_alike[20] = 3, 3
    data = pd.DataFrame([run_of_14, run_of_15, few_alike], columns=items).astype("Int64")
    assert flag_straightlining(data, instrument).tolist() == [False, True, True]
    assert flag_straightlining(data, instrument, straightline_run=14).tolist() == [True] * 3


def test_straightlining_reads_raw_answers_and_skips_unasked_items(instrument):
    items = [item.code for item in instrument.items()]
    row = dict.fromkeys(items, 2)
    row.update({code: pd.NA for code in items if code.startswith("cmp")})
    row["cha4"] = 2  # reverse-keyed, but the pattern of clicks is what counts
    data = pd.DataFrame([row]).astype("Int64")
    flags = flag_straightlining(data, instrument)
    assert flags.tolist() == [True]
    assert flags.name == "straightlining"


def test_a_missing_attention_check_is_not_a_failure(instrument):
    data = pd.DataFrame({"attn1": pd.array([5, 1, 7, None], dtype="Int64")})
    flags = flag_failed_attention(data, instrument)
    assert flags.tolist() == [False, True, True, False]
    assert flags.attrs["description"] == (
        "an attention check answered other than instructed (attn1 = 5); no answer is not a failure"
    )


def test_too_fast_uses_the_median_and_the_floor():
    data = pd.DataFrame({"duration_seconds": [600.0, 560.0, 200.0, 100.0, None]})
    assert flag_too_fast(data).tolist() == [False, False, False, True, False]
    assert flag_too_fast(data, min_duration_ratio=0.5).tolist() == [
        False,
        False,
        False,
        True,
        False,
    ]
    assert flag_too_fast(data, min_duration_ratio=0.6).tolist() == [False, False, True, True, False]
    floored = flag_too_fast(data, min_duration_seconds=300)
    assert floored.tolist() == [False, False, True, True, False]
    assert floored.attrs["description"] == (
        "completion time below 300 s (1/3 of the median 380 s, floor 300 s)"
    )


def test_too_fast_is_not_applied_without_completion_times(instrument):
    data = careful(instrument, 10, seed=4).drop(columns="duration_seconds")
    result = screen_responses(data, instrument)
    row = result.ledger.set_index("rule").loc["too_fast"]
    assert row["n_excluded"] == 0
    assert row["description"] == "not applied: the responses have no completion times " + (
        "(duration_seconds)"
    )
    empty = careful(instrument, 10, seed=4).assign(duration_seconds=pd.NA)
    assert not flag_too_fast(empty).any()


def test_excess_missing_counts_only_items_asked(instrument):
    likert = [v.code for v in instrument.items(role=None) if v.role != "attention"]
    asked = [code for code in likert if not code.startswith("cmp")]
    data = careful(instrument, 3, seed=5)
    data["complained_12m"] = pd.array([2, 1, pd.NA], dtype="Int64")
    data.loc[:, [c for c in likert if c.startswith("cmp")]] = pd.NA
    half = len(asked) // 2 + 1  # just over half of the 46 asked of a non-complainer
    data.loc[:, asked[:half]] = pd.NA
    flags = flag_excess_missing(data, instrument)
    assert flags.tolist() == [True, True, True]
    assert flag_excess_missing(data, instrument, max_missing_share=0.6).tolist() == [
        False,
        False,  # a complainer was asked 4 more items, all missing: 28 of 50
        False,
    ]
    assert flag_excess_missing(data.iloc[:0], instrument).tolist() == []


# --------------------------------------------------------------------------------------------
# The ledger's arithmetic and invariances (property tests)


@st.composite
def samples(draw: st.DrawFn) -> dict[str, object]:
    """A random sample with random careless respondents, rules, order and thresholds."""
    rules = draw(st.permutations(list(RULES)))
    return {
        "n": draw(st.integers(0, 30)),
        "seed": draw(st.integers(0, 2**32 - 1)),
        "shares": draw(st.lists(st.floats(0, 0.5), min_size=4, max_size=4)),
        "rules": rules[: draw(st.integers(0, len(rules)))],
        "thresholds": {
            "straightline_run": draw(st.integers(2, 20)),
            "min_duration_ratio": draw(st.floats(0, 1)),
            "min_duration_seconds": draw(st.floats(0, 700)),
            "max_missing_share": draw(st.floats(0, 1)),
        },
    }


def _sample(instrument: Instrument, n: int, seed: int, shares: list[float]) -> pd.DataFrame:
    data = careful(instrument, n, seed)
    rng = np.random.default_rng(seed)
    items = [item.code for item in instrument.items()]
    likert = [v.code for v in instrument.items(role=None) if v.role != "attention"]
    straight, fast, inattentive, absent = (rng.random(n) < share for share in shares)
    data.loc[straight, items] = 4
    data.loc[fast, "duration_seconds"] = rng.uniform(10, 200, int(fast.sum()))
    data.loc[inattentive, "attn1"] = 1
    gaps = rng.random((n, len(likert))) < 0.7
    data[likert] = data[likert].mask(absent[:, None] & gaps)
    return data


@given(sample=samples())
@settings(deadline=None)
def test_ledger_arithmetic(sample):
    instrument = shipped()
    data = _sample(instrument, sample["n"], sample["seed"], sample["shares"])
    result = screen_responses(
        data, instrument, rules=sample["rules"], thresholds=sample["thresholds"]
    )
    ledger = result.ledger
    n = len(data)
    assert ledger["rule"].tolist() == ["validated", *sample["rules"]]
    assert ledger["step"].tolist() == list(range(len(sample["rules"]) + 1))
    assert (ledger["n_after"] == ledger["n_before"] - ledger["n_excluded"]).all()
    assert (ledger["n_before"].iloc[1:].to_numpy() == ledger["n_after"].iloc[:-1]).all()
    assert ledger["n_before"].iloc[0] == n and ledger["n_excluded"].iloc[0] == 0
    assert ledger["n_excluded"].sum() == n - len(result.kept) == len(result.exclusions)
    assert ledger["n_after"].iloc[-1] == len(result.kept)
    counted = result.exclusions["rule"].value_counts()
    for row in ledger.iloc[1:].itertuples():
        assert counted.get(row.rule, 0) == row.n_excluded
    kept, excluded = set(result.kept["respondent_id"]), set(result.exclusions["respondent_id"])
    assert not kept & excluded and kept | excluded == set(data["respondent_id"])
    flags = result.flags.set_index("respondent_id")[list(sample["rules"])]
    assert not flags.loc[list(kept)].to_numpy().any()
    for respondent, rule in zip(
        result.exclusions["respondent_id"], result.exclusions["rule"], strict=True
    ):
        first = flags.loc[respondent].to_numpy().argmax()
        assert sample["rules"][first] == rule


@given(sample=samples(), order=st.randoms(use_true_random=False))
@settings(deadline=None)
def test_screening_does_not_depend_on_row_order(sample, order):
    instrument = shipped()
    data = _sample(instrument, sample["n"], sample["seed"], sample["shares"])
    rows = list(range(len(data)))
    order.shuffle(rows)
    shuffled = data.iloc[rows]
    options = {"rules": sample["rules"], "thresholds": sample["thresholds"]}
    first = screen_responses(data, instrument, **options)
    second = screen_responses(shuffled, instrument, **options)
    by_id = [r.flags.set_index("respondent_id").sort_index() for r in (first, second)]
    pd.testing.assert_frame_equal(*by_id)
    pd.testing.assert_frame_equal(first.ledger, second.ledger)
    assert set(first.kept["respondent_id"]) == set(second.kept["respondent_id"])


def test_kept_keeps_the_input_order_and_index_and_the_input_is_not_modified(instrument):
    data = with_careless(instrument, careful(instrument, 12, seed=6))
    data.index = [f"row{i}" for i in range(len(data))]
    before = data.copy(deep=True)
    result = screen_responses(data, instrument)
    pd.testing.assert_frame_equal(data, before)
    pd.testing.assert_frame_equal(result.kept, data.iloc[:12])
    assert result.thresholds == dict(DEFAULT_THRESHOLDS)


def test_no_rules_keeps_everybody(instrument):
    data = careful(instrument, 5, seed=7)
    result = screen_responses(data, instrument, rules=[])
    assert result.ledger["rule"].tolist() == ["validated"]
    assert len(result.kept) == 5 and result.exclusions.empty
    assert list(result.flags.columns) == ["respondent_id"]


def test_defaults():
    assert DEFAULT_RULES == ("excess_missing", "failed_attention", "too_fast", "straightlining")
    assert dict(DEFAULT_THRESHOLDS) == {
        "max_missing_share": 0.5,
        "min_duration_ratio": 1 / 3,
        "min_duration_seconds": 0.0,
        "straightline_run": 15,
    }


# --------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"rules": "too_fast"}, "The 'rules' parameter of screen_responses must be a sequence "
         "of rule names from ['excess_missing', 'failed_attention', 'too_fast', "
         "'straightlining']. Got 'too_fast'."),
        ({"rules": ["too_fast", "speeding", "too_fast"]}, "The 'rules' parameter of "
         "screen_responses must name each rule at most once, from ['excess_missing', "
         "'failed_attention', 'too_fast', 'straightlining']. Got unknown ['speeding'], "
         "repeated ['too_fast']."),
        ({"thresholds": {"straightline": 10}}, "The 'thresholds' parameter of screen_responses "
         "takes the keys ['max_missing_share', 'min_duration_ratio', 'min_duration_seconds', "
         "'straightline_run']. Got unknown ['straightline']."),
        ({"thresholds": {"straightline_run": 1}}, "The 'straightline_run' parameter of "
         "screen_responses must be an integer >= 2. Got 1."),
        ({"thresholds": {"straightline_run": 10.5}}, "The 'straightline_run' parameter of "
         "screen_responses must be an integer >= 2. Got 10.5."),
        ({"thresholds": {"max_missing_share": 1.5}}, "The 'max_missing_share' parameter of "
         "screen_responses must be a number in [0, 1]. Got 1.5."),
        ({"thresholds": {"min_duration_ratio": True}}, "The 'min_duration_ratio' parameter of "
         "screen_responses must be a number in [0, 1]. Got True."),
        ({"thresholds": {"min_duration_seconds": -5}}, "The 'min_duration_seconds' parameter "
         "of screen_responses must be a number in [0, inf]. Got -5."),
    ],
)  # fmt: skip
def test_parameter_errors(instrument, options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        screen_responses(careful(instrument, 3, seed=8), instrument, **options)


def test_data_errors(instrument):
    with pytest.raises(
        TypeError, match=r"The 'data' parameter of screen_responses must be a pandas DataFrame"
    ):
        screen_responses([1], instrument)
    repeated = careful(instrument, 3, seed=9).assign(respondent_id=["R1", "R1", None])
    with pytest.raises(
        ValueError,
        match=re.escape(
            "screen_responses needs one row per respondent with a unique, non-empty "
            "'respondent_id'; the data have 1 empty and 1 repeated id(s)."
        ),
    ):
        screen_responses(repeated, instrument)
    unvalidated = careful(instrument, 3, seed=9)
    unvalidated.loc[1, "sat2"] = 99
    with pytest.raises(
        ValueError,
        match=re.escape(
            "Column 'sat2' holds 1 value(s) that are not points of its scale [1, 2, 3, 4, 5, 6, "
            "7], such as 99. Screen the data returned by analysis.validation.validate_responses"
        ),
    ):
        screen_responses(unvalidated, instrument)
    lacking = careful(instrument, 3, seed=9).drop(columns=["img2", "attn1"])
    with pytest.raises(
        ValueError,
        match=re.escape("flag_excess_missing needs the column(s) ['img2'], which the data lack."),
    ):
        screen_responses(lacking, instrument)
    with pytest.raises(
        ValueError, match=re.escape("flag_failed_attention needs the column(s) ['attn1']")
    ):
        screen_responses(lacking, instrument, rules=["failed_attention"])
