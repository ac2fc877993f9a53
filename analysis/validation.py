"""Validation of survey responses against the instrument.

:func:`validate_responses` is the third layer of reading responses (after
:func:`analysis.ingest.read_response_file` and the privacy guard): it checks every column against
the pandera schema built from the instrument (:func:`response_schema`), reports every problem at
once in one :class:`ResponseValidationError`, and returns the data ready for screening and
analysis: declared missing codes (such as 99) become ``pd.NA``, answers to questions that skip
logic should have skipped are set to ``pd.NA`` with a warning, and suspicious but valid columns
(zero variance, much missing data) are reported as warnings.

What is an error and what a warning:

========================================================  =========  ============================
case                                                      outcome    ``rule`` / where
========================================================  =========  ============================
a required column is absent                               error      ``missing_column``
a column that is not a variable of the instrument         error      ``unknown_column``
a value that is not a whole number (``7.5``, ``abc``)     error      ``not_a_code``
a code that is neither an answer code nor a declared      error      ``undeclared_code``
missing code (``8`` on a 7-point scale, an undeclared
``-99``)
an empty or repeated ``respondent_id``                    error      ``missing_id``,
                                                                     ``duplicate_id``
a negative ``duration_seconds``                           error      ``negative_duration``
an answer to a question whose ``ask_if`` is false         warning,   ``skip_logic``
                                                          set to NA
a Likert column with one answer only (zero variance)      warning    ``zero_variance``
a column missing for more than ``column_missing_share``   warning    ``column_missing``
of the respondents asked it
========================================================  =========  ============================

Rows in messages are numbered as in the file: data row *i* (counted from 1) is file row
*i* + ``header_rows``, or the row ``file_rows`` gives (what :class:`analysis.ingest.IngestResult`
records, blank lines and two-row headers included). ``docs/response-files.md`` lists every
message and its fix.
"""

from __future__ import annotations

import difflib
import itertools
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from analysis.config import display_path
from analysis.instrument import Instrument, Variable

__all__ = [
    "COLUMN_MISSING_SHARE",
    "ROWS_SHOWN",
    "ResponseValidationError",
    "ValidationResult",
    "ValidationWarning",
    "response_schema",
    "validate_responses",
]

#: Variable types whose columns hold integer answer codes.
CODED_TYPES = ("categorical", "likert", "binary")
#: Roles of the Likert columns checked for zero variance (attention checks are constant when
#: everybody passes, so they are left out).
VARIANCE_ROLES = ("item", "importance")
#: Default of ``column_missing_share``: a column missing for more of the respondents asked it
#: than this share gets a warning.
COLUMN_MISSING_SHARE = 0.2
#: How many rows a message lists per problem.
ROWS_SHOWN = 5
#: The fields of a warning record, the columns of :attr:`ValidationResult.warning_table`.
WARNING_FIELDS = ("rule", "column", "rows", "count", "message")

# The ``error`` texts of the schema's checks, by which failures are told apart.
_DECLARED_CODE = "an answer code or a declared missing code"
_NON_NEGATIVE = "a completion time of 0 seconds or more"
# Whole numbers stored exactly in a float (larger ones are not codes).
_LARGEST_CODE = 2**53


class ResponseValidationError(ValueError):
    """Responses that do not match the instrument; the message lists every problem and its fix."""


@dataclass(frozen=True)
class ValidationWarning:
    """Something suspicious but valid in the responses, or a change made to them.

    Attributes
    ----------
    rule : str
        What was found: ``"skip_logic"``, ``"zero_variance"`` or ``"column_missing"``.
    column : str
        The column (variable code).
    rows : tuple of int
        The file rows concerned, numbered as in the file, for row-level findings
        (``skip_logic``); empty for findings about a whole column.
    count : int
        How many cells the finding concerns: answers set to missing (``skip_logic``), answers
        given (``zero_variance``), missing answers (``column_missing``).
    message : str
        What was found and what to check.
    """

    rule: str
    column: str
    rows: tuple[int, ...]
    count: int
    message: str


@dataclass(frozen=True)
class ValidationResult:
    """Responses that passed validation.

    Attributes
    ----------
    data : pandas.DataFrame
        The responses, one column per instrument variable in questionnaire order and the input's
        index: answer codes as nullable ``Int64`` with every declared missing code and every
        answer to a question skip logic should have skipped turned into ``pd.NA``,
        ``duration_seconds`` as ``Float64``, ``respondent_id`` as given.
    warnings : list of ValidationWarning
        The findings that did not stop validation, in the order found.
    source : str
        Where the responses came from (named in every message).
    """

    data: pd.DataFrame
    warnings: list[ValidationWarning] = field(default_factory=list)
    source: str = ""

    @property
    def warning_table(self) -> pd.DataFrame:
        """The warnings as a tidy DataFrame with the columns :data:`WARNING_FIELDS`."""
        return pd.DataFrame(
            [[getattr(w, name) for name in WARNING_FIELDS] for w in self.warnings],
            columns=list(WARNING_FIELDS),
        )


# --------------------------------------------------------------------------------------------
# The schema


def _is_coded(variable: Variable) -> bool:
    return variable.type in CODED_TYPES


def _column(variable: Variable) -> pa.Column:
    if variable.type == "id":
        return pa.Column(None, nullable=False, unique=True, required=variable.required)
    if variable.type == "duration":
        return pa.Column(
            "Float64",
            pa.Check.ge(0, error=_NON_NEGATIVE),
            nullable=True,
            coerce=True,
            required=variable.required,
        )
    allowed = sorted({*variable.codes, *variable.missing_codes})
    return pa.Column(
        "Int64",
        pa.Check.isin(allowed, error=_DECLARED_CODE),
        nullable=True,
        coerce=True,
        required=variable.required,
    )


def response_schema(instrument: Instrument) -> pa.DataFrameSchema:
    """The pandera schema of a responses frame, built from the instrument.

    One column per instrument variable (``instrument.variables``):

    * ``respondent_id`` (type ``id``): required, no empty cell, every value unique; any dtype;
    * ``duration_seconds`` (type ``duration``): ``Float64`` seconds, ``>= 0``, may be empty;
      required only when the instrument marks it so (the shipped one does not);
    * every coded column (categorical, Likert and the 0/1 columns of multiple-choice
      questions): nullable ``Int64`` (coerced), each value one of the variable's answer codes
      or its declared missing codes (``99`` in the shipped instrument); an empty cell is item
      nonresponse.

    The schema is **strict**: a column that is not a variable of the instrument is an error.
    Ingest (:func:`analysis.ingest.read_response_file`) already leaves such columns out of its
    data, so one that reaches validation is a frame built by hand with a misspelt or foreign
    column, whose values would otherwise pass unchecked. Column order is not checked.

    Skip logic is not part of the schema (an answer to a skipped question is a warning, see
    :func:`validate_responses`).

    Parameters
    ----------
    instrument : Instrument
        The questionnaire (:func:`analysis.instrument.load_instrument`).

    Returns
    -------
    pandera.pandas.DataFrameSchema
        Validate with ``schema.validate(frame, lazy=True)`` to collect every failure.

    Examples
    --------
    >>> from analysis.instrument import load_instrument
    >>> schema = response_schema(load_instrument("survey/instrument.yaml"))
    >>> schema.columns["img1"].dtype, schema.columns["respondent_id"].unique
    (DataType(Int64), True)
    >>> schema.strict
    True
    """
    return pa.DataFrameSchema(
        {variable.code: _column(variable) for variable in instrument.variables},
        strict=True,
        name=f"responses to {instrument.id} {instrument.version}",
    )


# --------------------------------------------------------------------------------------------
# Row numbers and shown values


class _Rows:
    """Data positions (0-based) -> row numbers in the file."""

    def __init__(self, n: int, header_rows: int, file_rows: Sequence[int] | None) -> None:
        if file_rows is None:
            self.numbers = np.arange(n, dtype=np.int64) + header_rows + 1
        else:
            self.numbers = np.asarray(file_rows, dtype=np.int64)

    def __call__(self, positions: Iterable[int]) -> list[int]:
        return self.numbers[np.asarray(list(positions), dtype=np.int64)].tolist()


def _more(count: int, shown: int) -> str:
    return f" and {count - shown} more" if count > shown else ""


def _row_list(rows: Sequence[int], count: int | None = None) -> str:
    """``"row 3"`` or ``"rows 3, 5, 7 and 4 more"``: the first :data:`ROWS_SHOWN` rows."""
    count = len(rows) if count is None else count
    shown = [str(row) for row in rows[:ROWS_SHOWN]]
    word = "row" if count == 1 else "rows"
    return f"{word} {', '.join(shown)}{_more(count, len(shown))}"


def _shown(value: Any) -> str:
    """A value as shown in a message: numbers as numbers, text quoted."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return repr(str(value))


def _values_at(rows: Sequence[int], values: Sequence[Any], count: int) -> str:
    """``"row 3: 8, row 5: 0 and 2 more"``."""
    pairs = [f"row {row}: {_shown(value)}" for row, value in zip(rows, values, strict=True)]
    return ", ".join(pairs[:ROWS_SHOWN]) + _more(count, min(count, ROWS_SHOWN))


def _columns(codes: Sequence[str]) -> str:
    return f"Column {codes[0]!r}" if len(codes) == 1 else f"Columns {list(codes)}"


# --------------------------------------------------------------------------------------------
# Values that are not whole numbers (frames read without ingest)


def _numeric(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The column as float (NaN for empty cells) and the mask of cells that are not numbers."""
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        values = column.astype("Float64").astype(float)
        return pd.Series(values, index=column.index), pd.Series(False, index=column.index)
    text = column.astype("string").str.strip()
    empty = text.isna() | (text == "")
    values = pd.to_numeric(text.mask(empty), errors="coerce").astype(float)
    return values, ~empty & values.isna()


def _to_codes(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The column as nullable ``Int64`` codes, and the mask of cells that are not whole numbers."""
    if isinstance(column.dtype, pd.Int64Dtype):
        return column, pd.Series(False, index=column.index)
    values, bad = _numeric(column)
    finite = np.isfinite(values)
    whole = finite & (values == np.round(values)) & (np.abs(values) < _LARGEST_CODE)
    bad = bad | (values.notna() & ~whole)
    codes = pd.array(np.where(whole, values, 0).astype(np.int64), dtype="Int64")
    codes[~whole.to_numpy()] = pd.NA
    return pd.Series(codes, index=column.index, name=column.name), bad


def _to_seconds(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The column as ``Float64`` seconds, and the mask of cells that are not numbers."""
    values, bad = _numeric(column)
    bad = bad | (values.notna() & ~np.isfinite(values))
    seconds = pd.Series(values.where(~bad), index=column.index, name=column.name)
    return seconds.astype("Float64"), bad


def _not_numbers_problem(
    variable: Variable, original: pd.Series, positions: np.ndarray, rows: _Rows
) -> str:
    head = positions[:ROWS_SHOWN]
    shown = _values_at(rows(head), original.iloc[head].astype(str).tolist(), len(positions))
    if _is_coded(variable):
        what, fix = "whole-number codes", f"Write answer codes {list(variable.codes)}"
    else:
        what, fix = "numbers of seconds", "Write completion times in seconds"
    return (
        f"Column {variable.code!r} holds {len(positions)} value(s) that are not {what}: "
        f"{shown}. {fix}, or leave the cells empty for item nonresponse."
    )


def _coerce(data: pd.DataFrame, instrument: Instrument, rows: _Rows) -> list[str]:
    """Coerce coded and duration columns in place; a problem for each column with non-numbers."""
    problems = []
    for variable in instrument.variables:
        coded = _is_coded(variable)
        if variable.code not in data.columns or not (coded or variable.type == "duration"):
            continue
        original = data[variable.code]
        data[variable.code], bad = (_to_codes if coded else _to_seconds)(original)
        if bad.any():
            positions = np.flatnonzero(bad.to_numpy())
            problems.append(_not_numbers_problem(variable, original, positions, rows))
    return problems


# --------------------------------------------------------------------------------------------
# Pandera's failures -> one message


def _looks_like_missing_code(value: int) -> bool:
    """Whether an undeclared code looks like a platform's "no answer" code.

    Negative numbers and numbers of two or more digits made of 7, 8 and 9 (77, 88, 98, 99, 999,
    9999, ...). It only decides the wording of the fix.
    """
    return value < 0 or (value >= 77 and set(str(value)) <= set("789"))


def _missing_code_problem(value: int, cases: pd.DataFrame, rows: _Rows, where: str) -> str:
    per_column = []
    shown = 0
    for code, group in cases.groupby("column", sort=False):
        if shown < ROWS_SHOWN:
            numbers_ = rows(group["position"].head(ROWS_SHOWN - shown))
            per_column.append(f"{code} {_row_list(numbers_, len(numbers_))}")
            shown += len(numbers_)
    columns = list(dict.fromkeys(cases["column"]))
    verb = "contains" if len(columns) == 1 else "contain"
    return (
        f"{_columns(columns)} {verb} {value}, which is neither an answer code nor a declared "
        f"missing code: {len(cases)} cell(s), {'; '.join(per_column)}"
        f"{_more(len(cases), shown)}. Declare it as a missing code in {where} (missing_codes, "
        "at the top level or of the questions concerned) if it means no answer, or correct the "
        "data."
    )


def _out_of_range_problem(variable: Variable, cases: pd.DataFrame, rows: _Rows, where: str) -> str:
    head = cases.head(ROWS_SHOWN)
    return (
        f"{_columns([variable.code])} holds {len(cases)} value(s) that are neither answer codes "
        f"{list(variable.codes)} nor missing codes {list(variable.missing_codes)}: "
        f"{_values_at(rows(head['position']), head['value'].tolist(), len(cases))}. Correct "
        "them, leave the cells empty for item nonresponse, or declare a new answer option "
        f"under 'values' of {variable.code!r} in {where}."
    )


def _undeclared_problems(
    cases: pd.DataFrame, instrument: Instrument, rows: _Rows, where: str
) -> list[str]:
    """One problem per undeclared missing-like value (across columns), one per other column."""
    cases = cases.assign(value=cases["value"].astype(np.int64))
    values = cases["value"].unique()
    missing_like = cases["value"].isin([v for v in values if _looks_like_missing_code(int(v))])
    problems = [
        _missing_code_problem(int(value), group, rows, where)
        for value, group in cases[missing_like].groupby("value", sort=True)
    ]
    problems += [
        _out_of_range_problem(instrument.variable(code), group, rows, where)
        for code, group in cases[~missing_like].groupby("column", sort=False)
    ]
    return problems


def _duplicate_problem(column: str, data: pd.DataFrame, rows: _Rows) -> str:
    ids = data[column]
    positions = np.flatnonzero((ids.duplicated(keep=False) & ids.notna()).to_numpy())
    keys = ids.iloc[positions].astype(str).to_numpy()
    groups = pd.Series(positions).groupby(keys, sort=False)
    described = [
        f"{value!r} in {_row_list(rows(group.head(ROWS_SHOWN)), len(group))}"
        for value, group in itertools.islice(groups, ROWS_SHOWN)
    ]
    return (
        f"Column {column!r} repeats {groups.ngroups} id(s) in {len(positions)} rows: "
        f"{'; '.join(described)}{_more(groups.ngroups, len(described))}. Each respondent must "
        "have one row with a unique id: remove repeated submissions, or correct the ids."
    )


def _empty_id_problem(column: str, positions: Sequence[int], rows: _Rows) -> str:
    return (
        f"Column {column!r} is empty in {len(positions)} row(s): "
        f"{_row_list(rows(positions[:ROWS_SHOWN]), len(positions))}. Every respondent needs an "
        "id: fill them in (a running number will do; the platform's 序号 is read as the id)."
    )


def _negative_problem(column: str, cases: pd.DataFrame, rows: _Rows) -> str:
    head = cases.head(ROWS_SHOWN)
    return (
        f"Column {column!r} holds {len(cases)} negative completion time(s): "
        f"{_values_at(rows(head['position']), head['value'].tolist(), len(cases))}. Completion "
        "times are seconds, 0 or more: correct them, or leave the cells empty if unknown."
    )


def _missing_columns_problem(codes: Sequence[str], where: str) -> str:
    return (
        f"The responses lack the required column(s) {list(codes)} of the instrument {where}. "
        "Add them, headed by the variable's code (leave cells empty for item nonresponse)."
    )


def _unknown_columns_problem(codes: Sequence[str], instrument: Instrument, where: str) -> str:
    known = instrument.column_codes
    named = []
    for code in codes:
        close = difflib.get_close_matches(str(code), known, n=1)
        named.append(f"{code!r}" + (f" (close to {close[0]!r})" if close else ""))
    return (
        f"The responses have column(s) that are not variables of the instrument {where}: "
        f"{', '.join(named)}. Rename them to the instrument's codes, or remove them (only the "
        "instrument's variables are validated and analysed)."
    )


def _failure_problems(
    failures: pd.DataFrame, data: pd.DataFrame, instrument: Instrument, rows: _Rows
) -> list[str]:
    """Pandera's failure cases (``SchemaErrors.failure_cases``) as problems, one per line."""
    where = display_path(instrument.path)
    failures = failures.rename(columns={"failure_case": "value", "index": "position"})
    check = failures["check"].astype(str)
    problems = []
    absent = failures.loc[check == "column_in_dataframe", "value"].tolist()
    if absent:
        problems.append(_missing_columns_problem(absent, where))
    unknown = failures.loc[check == "column_in_schema", "value"].tolist()
    if unknown:
        problems.append(_unknown_columns_problem(unknown, instrument, where))
    for code, group in failures[check == "not_nullable"].groupby("column", sort=False):
        problems.append(_empty_id_problem(code, sorted(group["position"].astype(int)), rows))
    for code in dict.fromkeys(failures.loc[check == "field_uniqueness", "column"]):
        problems.append(_duplicate_problem(code, data, rows))
    order = {code: i for i, code in enumerate(instrument.column_codes)}
    undeclared = failures[check == _DECLARED_CODE]
    undeclared = undeclared.assign(order=undeclared["column"].map(order)).sort_values(
        ["order", "position"], kind="stable"
    )
    problems += _undeclared_problems(undeclared, instrument, rows, where)
    negative = failures[check == _NON_NEGATIVE].sort_values("position", kind="stable")
    for code, group in negative.groupby("column", sort=False):
        problems.append(_negative_problem(code, group, rows))
    known = {"column_in_dataframe", "column_in_schema", "not_nullable", "field_uniqueness"}
    other = failures[~check.isin([*known, _DECLARED_CODE, _NON_NEGATIVE])]
    for (code, name), group in other.groupby(["column", "check"], sort=False, dropna=False):
        problems.append(
            f"Column {code!r} fails the check {name!r} in {len(group)} cell(s): "
            f"{', '.join(_shown(value) for value in group['value'].head(ROWS_SHOWN))}."
        )
    return problems


# --------------------------------------------------------------------------------------------
# Cleaning and warnings of valid data


def _skip_logic(data: pd.DataFrame, instrument: Instrument, rows: _Rows) -> list[ValidationWarning]:
    """Set answers to questions that were not asked to NA (in place); a warning per column."""
    found = []
    for variable in instrument.variables:
        condition = variable.ask_if
        if condition is None or variable.code not in data or condition.variable not in data:
            continue
        asked = data[condition.variable].isin(condition.codes).to_numpy(dtype=bool)
        answered = data[variable.code].notna().to_numpy(dtype=bool)
        wrong = answered & ~asked
        if not wrong.any():
            continue
        positions = np.flatnonzero(wrong)
        numbers_ = tuple(rows(positions))
        filter_answers = data[condition.variable].iloc[positions]
        no_answer = int(filter_answers.isna().sum())
        unanswered = (
            f"; {no_answer} of them with no answer to {condition.variable!r}" if no_answer else ""
        )
        data.loc[wrong, variable.code] = pd.NA
        found.append(
            ValidationWarning(
                rule="skip_logic",
                column=variable.code,
                rows=numbers_,
                count=len(positions),
                message=(
                    f"Column {variable.code!r} is asked only when {condition.variable!r} is in "
                    f"{list(condition.codes)}, but {len(positions)} respondent(s) who were not "
                    f"asked it answered it ({_row_list(numbers_)}{unanswered}). These answers "
                    "were set to missing. "
                    f"Check the answers to {condition.variable!r} and the survey platform's skip "
                    "logic."
                ),
            )
        )
    return found


def _asked(data: pd.DataFrame, variable: Variable) -> np.ndarray:
    """Which respondents were asked the variable (skip logic; a missing filter answer: not)."""
    condition = variable.ask_if
    if condition is None or condition.variable not in data:
        return np.ones(len(data), dtype=bool)
    return data[condition.variable].isin(condition.codes).to_numpy(dtype=bool)


def _zero_variance(data: pd.DataFrame, instrument: Instrument) -> list[ValidationWarning]:
    found = []
    for variable in instrument.variables:
        if variable.role not in VARIANCE_ROLES or variable.code not in data:
            continue
        answers = data[variable.code].dropna()
        if len(answers) < 2 or answers.min() != answers.max():
            continue
        found.append(
            ValidationWarning(
                rule="zero_variance",
                column=variable.code,
                rows=(),
                count=len(answers),
                message=(
                    f"Column {variable.code!r} has the same answer ({int(answers.iloc[0])}) "
                    f"from all {len(answers)} respondents who answered it (zero variance): it "
                    "carries no information and cannot enter correlations or factor analyses. "
                    "Check that the export did not fill the column with a default value."
                ),
            )
        )
    return found


def _column_missing(
    data: pd.DataFrame, instrument: Instrument, share: float
) -> list[ValidationWarning]:
    found = []
    for variable in instrument.variables:
        if not _is_coded(variable) or variable.code not in data:
            continue
        asked = _asked(data, variable)
        n_asked = int(asked.sum())
        n_missing = int((data[variable.code].isna().to_numpy(dtype=bool) & asked).sum())
        if n_asked == 0 or n_missing / n_asked <= share:
            continue
        found.append(
            ValidationWarning(
                rule="column_missing",
                column=variable.code,
                rows=(),
                count=n_missing,
                message=(
                    f"Column {variable.code!r} is missing for {n_missing / n_asked:.0%} of the "
                    f"respondents asked it ({n_missing} of {n_asked}), more than "
                    f"{share:.0%}. Check that it was exported completely; analyses of it will "
                    "rest on fewer respondents."
                ),
            )
        )
    return found


def _convert_missing_codes(data: pd.DataFrame, instrument: Instrument) -> None:
    """Turn each coded column's declared missing codes into NA (in place)."""
    for variable in instrument.variables:
        if _is_coded(variable) and variable.missing_codes and variable.code in data:
            column = data[variable.code]
            data[variable.code] = column.mask(column.isin(variable.missing_codes))


# --------------------------------------------------------------------------------------------
# The entry point


def _check_parameters(
    frame: Any,
    source: Any,
    header_rows: Any,
    file_rows: Any,
    column_missing_share: Any,
) -> None:
    name = "validate_responses"
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"The 'frame' parameter of {name} must be a pandas DataFrame. "
            f"Got {type(frame).__name__}."
        )
    if not isinstance(source, str) or not source.strip():
        raise ValueError(
            f"The 'source' parameter of {name} must be a non-empty text naming where the "
            f"responses come from (such as the file's path). Got {source!r}."
        )
    if (
        not isinstance(header_rows, numbers.Integral)
        or isinstance(header_rows, bool)
        or header_rows < 0
    ):
        raise ValueError(
            f"The 'header_rows' parameter of {name} must be an integer >= 0. Got {header_rows!r}."
        )
    if file_rows is not None and len(file_rows) != len(frame):
        raise ValueError(
            f"The 'file_rows' parameter of {name} must give one row number per row of 'frame' "
            f"({len(frame)}). Got {len(file_rows)}."
        )
    if (
        not isinstance(column_missing_share, numbers.Real)
        or isinstance(column_missing_share, bool)
        or not 0 <= column_missing_share <= 1
    ):
        raise ValueError(
            f"The 'column_missing_share' parameter of {name} must be a number in [0, 1]. "
            f"Got {column_missing_share!r}."
        )


def validate_responses(
    frame: pd.DataFrame,
    instrument: Instrument,
    *,
    source: str,
    header_rows: int = 1,
    file_rows: Sequence[int] | None = None,
    column_missing_share: float = COLUMN_MISSING_SHARE,
) -> ValidationResult:
    """Check responses against the instrument, and make declared missing codes NA.

    Runs on a copy; ``frame`` is never modified. In order:

    1. Coded columns are made nullable ``Int64`` and ``duration_seconds`` ``Float64`` (a frame
       from :func:`analysis.ingest.read_response_file` already is); cells that are not whole
       numbers are errors.
    2. The frame is validated against :func:`response_schema` with ``lazy=True``, so that every
       failure is collected. Errors: a required column absent, a column that is not a variable
       of the instrument, a code that is neither an answer code nor a declared missing code
       (including an undeclared ``-99``), an empty or repeated ``respondent_id``, a negative
       ``duration_seconds``.
    3. If anything failed, one :class:`ResponseValidationError` lists every problem.
    4. Declared missing codes (``Variable.missing_codes``) become ``pd.NA``.
    5. Skip logic: an answer to a question whose ``ask_if`` condition is false for the
       respondent (a missing filter answer counts as false, as in
       :meth:`analysis.instrument.Condition.asks`) is set to ``pd.NA``, with a ``skip_logic``
       warning per column.
    6. Warnings about valid data: a construct or importance item with one answer only
       (``zero_variance``); a coded column missing for more than ``column_missing_share`` of the
       respondents asked it (``column_missing``).

    Parameters
    ----------
    frame : pandas.DataFrame
        The responses, one row per respondent, columns named by the instrument's codes (as
        ``IngestResult.data``, or a CSV read with pandas).
    instrument : Instrument
        The questionnaire (:func:`analysis.instrument.load_instrument`).
    source : str
        Where the responses come from (the file's path); every message names it.
    header_rows : int, default 1
        Header rows above the data in the file, for row numbers in messages: data row *i*
        (from 1) is file row *i* + ``header_rows``.
    file_rows : sequence of int, optional
        The file's row number of each row of ``frame`` (``IngestResult.file_rows``); when
        given, it is used instead of ``header_rows``.
    column_missing_share : float, default 0.2
        A coded column missing for more than this share of the respondents asked it gets a
        ``column_missing`` warning.

    Returns
    -------
    ValidationResult
        ``data`` (cleaned copy, columns in questionnaire order), ``warnings``, ``source``.

    Raises
    ------
    ResponseValidationError
        If the responses break the schema. The message names ``source``, then one line per
        problem: the column(s), the first :data:`ROWS_SHOWN` rows as numbered in the file, the
        count, the bad values and the fix (``docs/response-files.md`` lists them).
    TypeError
        If ``frame`` is not a DataFrame.
    ValueError
        If ``source``, ``header_rows``, ``file_rows`` or ``column_missing_share`` is not as
        described.

    Examples
    --------
    >>> from analysis.instrument import load_instrument
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> frame = pd.DataFrame({code: [1, 1] for code in instrument.column_codes})
    >>> frame["respondent_id"] = ["R1", "R2"]
    >>> frame["img1"] = [-99, 99]
    >>> validate_responses(frame, instrument, source="responses.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    analysis.validation.ResponseValidationError: The responses in responses.csv do not match ...
    - Column 'img1' contains -99, which is neither an answer code nor a declared missing code: ...
    >>> frame["img1"] = [4, 99]
    >>> result = validate_responses(frame, instrument, source="responses.csv")
    >>> result.data["img1"].tolist()
    [4, <NA>]
    """
    _check_parameters(frame, source, header_rows, file_rows, column_missing_share)
    data = frame.copy(deep=True).reset_index(drop=True)
    rows = _Rows(len(data), int(header_rows), file_rows)
    problems = _coerce(data, instrument, rows)
    try:
        data = response_schema(instrument).validate(data, lazy=True)
    except pa.errors.SchemaErrors as errors:
        problems += _failure_problems(errors.failure_cases, data, instrument, rows)
    if problems:
        raise ResponseValidationError(
            f"The responses in {source} do not match the instrument "
            f"{display_path(instrument.path)}: {len(problems)} problem(s); rows are numbered as "
            "in the file, header rows counted.\n" + "\n".join(f"- {p}" for p in problems)
        )
    data = data[[code for code in instrument.column_codes if code in data.columns]]
    _convert_missing_codes(data, instrument)
    found = _skip_logic(data, instrument, rows)
    found += _zero_variance(data, instrument)
    found += _column_missing(data, instrument, float(column_missing_share))
    data.index = frame.index
    return ValidationResult(data=data, warnings=found, source=source)
