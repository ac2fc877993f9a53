"""validate_responses and response_schema: every error and warning, and the bad-file corpus.

The corpus files ``tests/data/bad_validation/validation_*.csv`` are written for the miniature
instrument :data:`MINI` below (a few columns of the shipped one, same codes), so that they stay
readable and do not change whenever the questionnaire grows. They are read through
``analysis.ingest.read_response_file``, which keeps codes as they are and records each row's
number in the file.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.config import REPO_ROOT, display_path
from analysis.ingest import read_response_file
from analysis.instrument import Instrument, load_instrument, load_population
from analysis.synthetic import synthetic_responses
from analysis.validation import (
    WARNING_FIELDS,
    ResponseValidationError,
    ValidationResult,
    response_schema,
    validate_responses,
)

INSTRUMENT = REPO_ROOT / "survey" / "instrument.yaml"
POPULATION = REPO_ROOT / "survey" / "population.yaml"
CORPUS = REPO_ROOT / "tests" / "data" / "bad_validation"

MINI = """\
# A miniature of survey/instrument.yaml for the validation corpus (same codes and scale).
instrument:
  id: validation-corpus
  version: "1.0.0"
  title: {zh: 测试问卷, en: Test questionnaire}
  language: zh
  note: A miniature of the shipped instrument for the tests of validation.
  introduction: {zh: 您好。, en: Hello.}
  sampling: {zh: 测试。, en: A test.}
  closing: {zh: 谢谢。, en: Thank you.}
missing_codes: [99]
scales:
  agree7:
    points: 7
    labels:
      1: {zh: 非常不同意, en: Strongly disagree}
      2: {zh: 不同意, en: Disagree}
      3: {zh: 比较不同意, en: Somewhat disagree}
      4: {zh: 一般, en: Neither agree nor disagree}
      5: {zh: 比较同意, en: Somewhat agree}
      6: {zh: 同意, en: Agree}
      7: {zh: 非常同意, en: Strongly agree}
constructs:
  - code: image
    name: {zh: 企业形象, en: Corporate image}
    definition: {zh: 形象。, en: Image.}
    sources: [cassel2001modelling]
    items:
      - {code: img1, text: {zh: 声誉良好。, en: Good reputation.}, scale: agree7}
      - {code: img2, text: {zh: 实力雄厚。, en: Strong.}, scale: agree7}
      - {code: img3, text: {zh: 富有创新。, en: Innovative.}, scale: agree7}
  - code: complaint
    name: {zh: 投诉处理, en: Complaint handling}
    definition: {zh: 投诉。, en: Complaints.}
    sources: [tax1998customer]
    items:
      - code: cmp1
        text: {zh: 处理及时。, en: Prompt.}
        scale: agree7
        ask_if: {variable: complained_12m, in: [1]}
      - code: cmp2
        text: {zh: 结果公平。, en: Fair.}
        scale: agree7
        ask_if: {variable: complained_12m, in: [1]}
  - code: satisfaction
    name: {zh: 客户满意, en: Customer satisfaction}
    definition: {zh: 满意。, en: Satisfaction.}
    sources: [fornell1996acsi]
    items:
      - {code: sat1, text: {zh: 总体满意。, en: Satisfied overall.}, scale: agree7}
      - {code: sat2, text: {zh: 达到期望。, en: Met expectations.}, scale: agree7}
      - {code: sat3, text: {zh: 接近理想。, en: Close to ideal.}, scale: agree7}
attention_checks:
  - code: attn1
    text: {zh: 本题请选择“比较同意”。, en: "Please choose 'Somewhat agree'."}
    scale: agree7
    expected: 5
profile:
  - code: gender
    question: {zh: 您的性别是？, en: "What is your gender?"}
    type: categorical
    values:
      - {code: 1, label: {zh: 男, en: Male}}
      - {code: 2, label: {zh: 女, en: Female}}
filters:
  - code: complained_12m
    question: {zh: 过去12个月内您是否投诉过？, en: "Did you complain in the last 12 months?"}
    type: categorical
    values:
      - {code: 1, label: {zh: 是, en: "Yes"}}
      - {code: 2, label: {zh: 否, en: "No"}}
metadata:
  respondent_id: {type: id}
  duration_seconds: {type: duration, required: false}
sections:
  - id: A
    title: {zh: 评价, en: Evaluation}
    contents: [image, attn1, complained_12m, complaint, satisfaction]
  - id: B
    title: {zh: 个人信息, en: About you}
    contents: [gender]
model:
  paths:
    - [image, satisfaction]
  outcomes: [satisfaction]
"""


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Instrument:
    path = tmp_path_factory.mktemp("mini") / "instrument.yaml"
    path.write_text(MINI, encoding="utf-8")
    return load_instrument(path)


@pytest.fixture(scope="module")
def shipped() -> Instrument:
    return load_instrument(INSTRUMENT)


def valid_frame(instrument: Instrument, n: int, seed: int) -> pd.DataFrame:
    """Valid responses as ingest returns them: codes, some declared missing codes, skip logic."""
    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {}
    for variable in instrument.variables:
        if variable.type == "id":
            columns[variable.code] = pd.array([f"R{i:04d}" for i in range(n)], dtype="string")
        elif variable.type == "duration":
            columns[variable.code] = pd.array(rng.gamma(9.0, 60.0, n), dtype="Float64")
        else:
            codes = rng.choice(np.array(variable.codes, dtype=float), n)
            codes[rng.random(n) < 0.03] = (variable.missing_codes or (np.nan,))[0]
            codes[rng.random(n) < 0.02] = np.nan
            columns[variable.code] = pd.array(codes, dtype="Float64").astype("Int64")
    frame = pd.DataFrame(columns)
    for variable in instrument.variables:
        if variable.ask_if is not None:
            asked = frame[variable.ask_if.variable].isin(variable.ask_if.codes)
            frame.loc[~asked, variable.code] = pd.NA
    return frame


def _row(instrument: Instrument, **values: object) -> dict[str, object]:
    """One valid respondent of the miniature instrument, with ``values`` changed."""
    row: dict[str, object] = {code: 4 for code in instrument.column_codes}
    row.update(respondent_id="R1", duration_seconds=300.0, attn1=5, complained_12m=1, gender=1)
    row.update(values)
    return row


def _frame(instrument: Instrument, *rows: dict[str, object]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows))
    frame["respondent_id"] = [f"R{i + 1}" for i in range(len(frame))]
    return frame


def _problems(error: pytest.ExceptionInfo[ResponseValidationError]) -> list[str]:
    return [line[2:] for line in str(error.value).splitlines() if line.startswith("- ")]


# --------------------------------------------------------------------------------------------
# The schema


def test_schema_has_one_column_per_variable(shipped):
    schema = response_schema(shipped)
    assert list(schema.columns) == list(shipped.column_codes)
    assert schema.strict is True
    assert schema.columns["respondent_id"].unique is True
    assert schema.columns["respondent_id"].nullable is False
    assert schema.columns["duration_seconds"].required is False
    assert str(schema.columns["img1"].dtype) == "Int64"
    assert schema.columns["img1"].nullable is True


def test_schema_allows_answer_codes_and_declared_missing_codes_only(shipped):
    schema = response_schema(shipped)
    allowed = {code: check.statistics["allowed_values"] for code, check in _isin(schema)}
    assert sorted(allowed["img1"]) == [1, 2, 3, 4, 5, 6, 7, 99]
    assert sorted(allowed["main_channels_wechat"]) == [0, 1, 99]
    assert sorted(allowed["gender"]) == [1, 2, 99]


def _isin(schema):
    for code, column in schema.columns.items():
        for check in column.checks:
            if "allowed_values" in check.statistics:
                yield code, check


def test_schema_accepts_valid_data(shipped):
    frame = valid_frame(shipped, 300, seed=1)
    response_schema(shipped).validate(frame, lazy=True)
    result = validate_responses(frame, shipped, source="valid.csv")
    assert isinstance(result, ValidationResult)
    assert result.source == "valid.csv"
    assert list(result.data.columns) == list(shipped.column_codes)


def test_schema_accepts_the_synthetic_sample(shipped):
    population = load_population(POPULATION, shipped)
    frame = synthetic_responses(shipped, population, n=500, random_state=3)
    # The generator is being extended; columns it does not draw yet are empty.
    frame = frame.reindex(columns=list(shipped.column_codes))
    for variable in shipped.variables:
        if variable.type not in ("id", "duration") and frame[variable.code].isna().all():
            frame[variable.code] = frame[variable.code].astype("Int64")
    response_schema(shipped).validate(frame, lazy=True)
    result = validate_responses(frame, shipped, source="synthetic")
    assert len(result.data) == 500
    assert all(str(result.data[v.code].dtype) == "Int64" for v in shipped.items())


# --------------------------------------------------------------------------------------------
# Clean data out


def test_declared_missing_codes_become_na(mini):
    frame = _frame(mini, _row(mini, img1=99, gender=99), _row(mini, img1=3))
    data = validate_responses(frame, mini, source="f.csv").data
    assert data["img1"].tolist() == [pd.NA, 3]
    assert data["gender"].tolist() == [pd.NA, 1]
    assert str(data["img1"].dtype) == "Int64"


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 40))
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_missing_codes_become_na_exactly_where_they_were(mini, seed, n):
    frame = valid_frame(mini, n, seed)
    data = validate_responses(frame, mini, source="f.csv").data
    for variable in mini.variables:
        if variable.type in ("id", "duration"):
            continue
        before = frame[variable.code]
        expected = before.mask(before.isin(variable.missing_codes))
        pd.testing.assert_series_equal(data[variable.code], expected, check_names=False)


def test_the_input_frame_is_not_modified(mini):
    frame = _frame(mini, _row(mini, img1=99, complained_12m=2, cmp1=3), _row(mini))
    frame.index = ["a", "b"]
    before = frame.copy(deep=True)
    result = validate_responses(frame, mini, source="f.csv")
    pd.testing.assert_frame_equal(frame, before)
    assert list(result.data.index) == ["a", "b"], "the input's index is kept"
    broken = frame.assign(img2=[8, -99])
    before = broken.copy(deep=True)
    with pytest.raises(ResponseValidationError):
        validate_responses(broken, mini, source="f.csv")
    pd.testing.assert_frame_equal(broken, before)


def test_frames_read_with_pandas_are_coerced(mini, tmp_path):
    path = tmp_path / "plain.csv"
    pd.DataFrame([_row(mini), _row(mini, img2="", sat1=99)]).assign(
        respondent_id=["R1", "R2"]
    ).to_csv(path, index=False)
    frame = pd.read_csv(path)
    data = validate_responses(frame, mini, source=str(path)).data
    assert str(data["img2"].dtype) == "Int64"
    assert str(data["duration_seconds"].dtype) == "Float64"
    assert data["sat1"].tolist() == [4, pd.NA]


# --------------------------------------------------------------------------------------------
# Errors, each with its message


def test_undeclared_minus_99_names_columns_rows_and_fix(mini):
    frame = _frame(mini, _row(mini, img1=-99), _row(mini, sat2=-99), _row(mini, img1=-99))
    with pytest.raises(
        ResponseValidationError,
        match=re.escape(
            "Columns ['img1', 'sat2'] contain -99, which is neither an answer code nor a "
            "declared missing code: 3 cell(s), img1 rows 2, 4; sat2 row 3. Declare it as a "
            "missing code in "
        )
        + r".*instrument\.yaml \(missing_codes, at the top level or of the questions "
        r"concerned\) if it means no answer, or correct the data\.",
    ):
        validate_responses(frame, mini, source="export.csv")


def test_out_of_range_codes_name_column_rows_values_and_fix(mini):
    frame = _frame(mini, _row(mini), _row(mini, img2=8), _row(mini, img2=0, gender=3))
    with pytest.raises(ResponseValidationError) as error:
        validate_responses(frame, mini, source="export.csv")
    assert _problems(error) == [
        "Column 'img2' holds 2 value(s) that are neither answer codes [1, 2, 3, 4, 5, 6, 7] nor "
        "missing codes [99]: row 3: 8, row 4: 0. Correct them, leave the cells empty for item "
        "nonresponse, or declare a new answer option under 'values' of 'img2' in "
        f"{display_path(mini.path)}.",
        "Column 'gender' holds 1 value(s) that are neither answer codes [1, 2] nor missing "
        "codes [99]: row 4: 3. Correct them, leave the cells empty for item nonresponse, or "
        f"declare a new answer option under 'values' of 'gender' in {display_path(mini.path)}.",
    ]


def test_the_message_starts_with_the_source_and_counts_the_problems(mini):
    frame = _frame(mini, _row(mini, img2=8), _row(mini, sat1=-1))
    with pytest.raises(
        ResponseValidationError,
        match=r"^The responses in data/export\.csv do not match the instrument .*instrument\."
        r"yaml: 2 problem\(s\); rows are numbered as in the file, header rows counted\.\n- ",
    ):
        validate_responses(frame, mini, source="data/export.csv")


def test_only_the_first_rows_are_listed_with_a_count(mini):
    frame = _frame(mini, *[_row(mini, img3=9) for _ in range(8)])
    with pytest.raises(
        ResponseValidationError,
        match=r"'img3' holds 8 value\(s\) .*: row 2: 9, row 3: 9, row 4: 9, row 5: 9, "
        r"row 6: 9 and 3 more\.",
    ):
        validate_responses(frame, mini, source="f.csv")


def test_duplicate_ids(mini):
    frame = _frame(mini, *[_row(mini) for _ in range(5)])
    frame["respondent_id"] = ["R1", "R2", "R1", "R4", "R2"]
    with pytest.raises(
        ResponseValidationError,
        match=re.escape(
            "Column 'respondent_id' repeats 2 id(s) in 4 rows: 'R1' in rows 2, 4; 'R2' in rows "
            "3, 6. Each respondent must have one row with a unique id: remove repeated "
            "submissions, or correct the ids."
        ),
    ):
        validate_responses(frame, mini, source="f.csv")


def test_empty_ids(mini):
    frame = _frame(mini, _row(mini), _row(mini))
    frame["respondent_id"] = pd.array(["R1", None], dtype="string")
    with pytest.raises(
        ResponseValidationError,
        match=re.escape("Column 'respondent_id' is empty in 1 row(s): row 3. Every respondent"),
    ):
        validate_responses(frame, mini, source="f.csv")


def test_negative_durations(mini):
    frame = _frame(mini, _row(mini, duration_seconds=-30.0), _row(mini))
    with pytest.raises(
        ResponseValidationError,
        match=re.escape(
            "Column 'duration_seconds' holds 1 negative completion time(s): row 2: -30. "
            "Completion times are seconds, 0 or more"
        ),
    ):
        validate_responses(frame, mini, source="f.csv")


def test_duration_is_optional(mini):
    frame = _frame(mini, _row(mini)).drop(columns="duration_seconds")
    data = validate_responses(frame, mini, source="f.csv").data
    assert "duration_seconds" not in data.columns


def test_missing_required_column(mini):
    frame = _frame(mini, _row(mini)).drop(columns=["gender", "sat3"])
    with pytest.raises(
        ResponseValidationError,
        match=re.escape("The responses lack the required column(s) ['sat3', 'gender'] of the ")
        + r".*Add them, headed by the variable's code",
    ):
        validate_responses(frame, mini, source="f.csv")


def test_unknown_columns_are_errors_with_the_closest_code(mini):
    frame = _frame(mini, _row(mini)).assign(gendr=1, comment="ok")
    with pytest.raises(
        ResponseValidationError,
        match=r"have column\(s\) that are not variables of the instrument .*: 'gendr' \(close "
        r"to 'gender'\), 'comment'\. Rename them to the instrument's codes, or remove them",
    ):
        validate_responses(frame, mini, source="f.csv")


def test_values_that_are_not_whole_numbers(mini):
    frame = _frame(mini, _row(mini), _row(mini), _row(mini)).astype({"img1": object})
    frame.loc[1, "img1"] = "7.5"
    frame.loc[2, "img1"] = "abc"
    with pytest.raises(
        ResponseValidationError,
        match=re.escape(
            "Column 'img1' holds 2 value(s) that are not whole-number codes: row 3: '7.5', "
            "row 4: 'abc'. Write answer codes [1, 2, 3, 4, 5, 6, 7], or leave the cells empty"
        ),
    ):
        validate_responses(frame, mini, source="f.csv")


def test_every_problem_is_reported_at_once(mini):
    frame = _frame(mini, _row(mini, img1=-99, gender=5), _row(mini, duration_seconds=-1.0))
    frame["respondent_id"] = ["R1", "R1"]
    frame = frame.drop(columns="sat1").assign(extra=0)
    with pytest.raises(ResponseValidationError, match=r": 6 problem\(s\);") as error:
        validate_responses(frame, mini, source="f.csv")
    problems = _problems(error)
    assert [p.split(" ")[:2] for p in problems] == [
        ["The", "responses"],  # lack sat1
        ["The", "responses"],  # have 'extra'
        ["Column", "'respondent_id'"],
        ["Column", "'img1'"],
        ["Column", "'gender'"],
        ["Column", "'duration_seconds'"],
    ]


def test_header_rows_and_file_rows_number_the_rows(mini):
    frame = _frame(mini, _row(mini), _row(mini, img2=8))
    with pytest.raises(ResponseValidationError, match=r"row 4: 8\."):
        validate_responses(frame, mini, source="f.csv", header_rows=2)
    with pytest.raises(ResponseValidationError, match=r"row 2: 8\."):
        validate_responses(frame, mini, source="f.sav", header_rows=0)
    with pytest.raises(ResponseValidationError, match=r"row 17: 8\."):
        validate_responses(frame, mini, source="f.csv", file_rows=[12, 17])


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"frame": [1, 2]}, TypeError, "The 'frame' parameter of validate_responses must be a "
         "pandas DataFrame. Got list."),
        ({"source": ""}, ValueError, "The 'source' parameter of validate_responses must be a "
         "non-empty text"),
        ({"header_rows": -1}, ValueError, "The 'header_rows' parameter of validate_responses "
         "must be an integer >= 0. Got -1."),
        ({"header_rows": True}, ValueError, "'header_rows' parameter .* Got True."),
        ({"file_rows": [2]}, ValueError, "The 'file_rows' parameter of validate_responses must "
         "give one row number per row of 'frame' (2). Got 1."),
        ({"column_missing_share": 1.5}, ValueError, "The 'column_missing_share' parameter of "
         "validate_responses must be a number in [0, 1]. Got 1.5."),
    ],
)  # fmt: skip
def test_parameter_errors(mini, arguments, error, message):
    call = {"frame": _frame(mini, _row(mini), _row(mini)), "source": "f.csv", **arguments}
    pattern = message if ".*" in message else re.escape(message)
    with pytest.raises(error, match=pattern):
        validate_responses(call.pop("frame"), mini, **call)


# --------------------------------------------------------------------------------------------
# Warnings: valid but suspicious, or changed


def test_answers_to_skipped_questions_are_set_to_missing_with_a_warning(mini):
    frame = _frame(
        mini,
        _row(mini, complained_12m=1, cmp1=5),
        _row(mini, complained_12m=2, cmp1=3, cmp2=pd.NA),
        _row(mini, complained_12m=99, cmp1=6, cmp2=pd.NA),
        _row(mini, complained_12m=2, cmp1=pd.NA, cmp2=pd.NA),
    )
    result = validate_responses(frame, mini, source="f.csv")
    assert result.data["cmp1"].tolist() == [5, pd.NA, pd.NA, pd.NA]
    (warning,) = [w for w in result.warnings if w.rule == "skip_logic"]
    assert (warning.column, warning.rows, warning.count) == ("cmp1", (3, 4), 2)
    assert warning.message == (
        "Column 'cmp1' is asked only when 'complained_12m' is in [1], but 2 respondent(s) who "
        "were not asked it answered it (rows 3, 4; 1 of them with no answer to "
        "'complained_12m'). These answers were set to missing. Check the answers to "
        "'complained_12m' and the survey platform's skip logic."
    )


def test_zero_variance_items_are_warned_about_but_attention_checks_are_not(mini):
    frame = _frame(mini, _row(mini, img1=3), _row(mini, img1=5), _row(mini, img1=6))
    result = validate_responses(frame, mini, source="f.csv")
    constant = {w.column: w for w in result.warnings if w.rule == "zero_variance"}
    assert "img1" not in constant and "attn1" not in constant
    assert constant["img2"].count == 3
    assert constant["img2"].message.startswith(
        "Column 'img2' has the same answer (4) from all 3 respondents who answered it (zero "
        "variance): it carries no information"
    )


def test_columns_with_much_missing_data_are_warned_about(mini):
    rows = [_row(mini, sat3=pd.NA if i < 2 else 5, img1=i % 7 + 1) for i in range(8)]
    frame = _frame(mini, *rows)
    result = validate_responses(frame, mini, source="f.csv")
    (warning,) = [w for w in result.warnings if w.rule == "column_missing"]
    assert (warning.column, warning.rows, warning.count) == ("sat3", (), 2)
    assert warning.message.startswith(
        "Column 'sat3' is missing for 25% of the respondents asked it (2 of 8), more than 20%."
    )
    quiet = validate_responses(frame, mini, source="f.csv", column_missing_share=0.25)
    assert not [w for w in quiet.warnings if w.rule == "column_missing"]


def test_missingness_of_conditional_items_counts_only_those_asked(mini):
    rows = [_row(mini, complained_12m=2, cmp1=pd.NA, cmp2=pd.NA, img1=i % 7 + 1) for i in range(9)]
    frame = _frame(mini, *rows, _row(mini, complained_12m=1, cmp1=4, cmp2=5))
    result = validate_responses(frame, mini, source="f.csv")
    assert not [w for w in result.warnings if w.rule == "column_missing"]


def test_warning_table_is_tidy(mini):
    frame = _frame(mini, _row(mini, complained_12m=2, cmp1=3), _row(mini))
    table = validate_responses(frame, mini, source="f.csv").warning_table
    assert tuple(table.columns) == WARNING_FIELDS
    assert set(table["rule"]) == {"skip_logic", "zero_variance"}
    assert ValidationResult(pd.DataFrame()).warning_table.columns.tolist() == list(WARNING_FIELDS)


# --------------------------------------------------------------------------------------------
# The corpus of bad files


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


ERRORS = {
    "validation_out_of_range.csv": [
        r"Column 'img2' holds 1 value\(s\) that are neither answer codes \[1, 2, 3, 4, 5, 6, 7\] "
        r"nor missing codes \[99\]: row 3: 8\. Correct them",
        r"Column 'sat2' holds 1 value\(s\) .*: row 6: 0\.",  # a blank line above: file row 6
        r"Column 'gender' holds 1 value\(s\) that are neither answer codes \[1, 2\] nor missing "
        r"codes \[99\]: row 6: 3\.",
    ],
    "validation_undeclared_missing.csv": [
        r"Columns \['img1', 'sat2'\] contain -99, which is neither an answer code nor a declared "
        r"missing code: 3 cell\(s\), img1 rows 2, 4; sat2 row 3\. Declare it as a missing code "
        r"in .*instrument\.yaml \(missing_codes, at the top level or of the questions "
        r"concerned\) if it means no answer, or correct the data\.",
    ],
    "validation_duplicate_ids.csv": [
        r"Column 'respondent_id' repeats 2 id\(s\) in 4 rows: 'R002' in rows 3, 5; 'R003' in "
        r"rows 4, 7\. Each respondent must have one row with a unique id",
    ],
}
WARNINGS = {
    "validation_skipped_answer.csv": [
        ("skip_logic", "cmp1", (3, 5)),
        ("skip_logic", "cmp2", (3,)),
    ],
    "validation_suspicious.csv": [
        ("zero_variance", "img3", ()),
        ("column_missing", "sat3", ()),
    ],
}


def _validate_file(path: Path, instrument: Instrument) -> ValidationResult:
    result = read_response_file(path, instrument)
    return validate_responses(
        result.data, instrument, source=display_path(path), file_rows=result.file_rows
    )


def test_the_corpus_has_a_case_for_every_validation_file():
    on_disk = sorted(path.name for path in CORPUS.glob("validation_*.csv"))
    assert on_disk == sorted([*ERRORS, *WARNINGS])


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_bad_files_give_their_documented_error_and_are_not_changed(mini, name):
    path = CORPUS / name
    before, siblings = _sha256(path), sorted(path.parent.iterdir())
    with pytest.raises(ResponseValidationError) as error:
        _validate_file(path, mini)
    assert _sha256(path) == before, "the file was changed"
    assert sorted(path.parent.iterdir()) == siblings, "a file was written beside it"
    message = str(error.value)
    assert message.startswith(f"The responses in tests/data/bad_validation/{name} do not match")
    problems = _problems(error)
    assert len(problems) == len(ERRORS[name])
    for problem, pattern in zip(problems, ERRORS[name], strict=True):
        assert re.match(pattern, problem), problem


@pytest.mark.parametrize("name", sorted(WARNINGS))
def test_suspicious_files_give_their_documented_warnings_and_are_not_changed(mini, name):
    path = CORPUS / name
    before = _sha256(path)
    result = _validate_file(path, mini)
    assert _sha256(path) == before, "the file was changed"
    assert [(w.rule, w.column, w.rows) for w in result.warnings] == WARNINGS[name]


def test_the_skipped_answers_of_the_corpus_are_missing_after_validation(mini):
    data = _validate_file(CORPUS / "validation_skipped_answer.csv", mini).data
    assert data["cmp1"].tolist() == [5, pd.NA, 6, pd.NA, pd.NA]
    assert data["cmp2"].tolist() == [6, pd.NA, 5, pd.NA, pd.NA]
