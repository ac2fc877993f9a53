"""Reading survey responses and checking them against the instrument.

The raw file is only ever read, never written. Missing codes declared in the instrument, and empty
cells, become ``pd.NA``; any other value that is not a declared answer code is an error that names
the file, the column, the rows and the fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analysis.config import display_path
from analysis.instrument import Instrument, Variable

#: How many offending rows an error message lists per column.
ROWS_SHOWN = 5

_INTEGER = re.compile(r"\s*[+-]?\d+(\.0*)?\s*\Z")


class ResponsesError(ValueError):
    """A responses file that does not match the instrument; the message names the fix."""


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise FileNotFoundError(
            f"The responses file {display_path(path)} does not exist. Set survey.responses in "
            "config/config.yaml to an existing file, or to 'synthetic'."
        )


def _read_csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    try:
        return pd.read_csv(
            path,
            encoding="utf-8-sig",
            dtype=dict.fromkeys(columns, str),
            keep_default_na=False,
            na_values=[""],
        )
    except UnicodeDecodeError as error:
        raise ResponsesError(
            f"The responses file {display_path(path)} is not UTF-8 text ({error.reason} at byte "
            f"{error.start}). Save it as UTF-8 (in Excel: 'CSV UTF-8'; Chinese Windows often "
            "saves CSV as GBK)."
        ) from error
    except pd.errors.EmptyDataError as error:
        raise ResponsesError(
            f"The responses file {display_path(path)} is empty. It needs a header row naming "
            "the columns, then one row per respondent."
        ) from error


def _check_columns(frame: pd.DataFrame, path: Path, instrument: Instrument) -> None:
    missing = [code for code in instrument.profile_codes if code not in frame.columns]
    if missing:
        raise ResponsesError(
            f"The responses file {display_path(path)} lacks the column(s) {missing} of the "
            f"instrument {display_path(instrument.path)}. Add them (one column per variable, "
            "named by its code; leave cells empty for item nonresponse), or point "
            "survey.responses in config/config.yaml to the right file."
        )


def _as_code(text: object) -> int | None:
    """The integer a cell holds ("2", " 2 ", "2.0"), or None if it holds no integer."""
    if isinstance(text, str) and _INTEGER.match(text):
        return int(float(text))
    return None


def _problem(column: pd.Series, variable: Variable, path: Path, instrument: Instrument) -> str:
    """The message for a column's undeclared values, or "" if it has none."""
    allowed = set(variable.codes) | set(variable.missing_codes)
    present = column.dropna()
    bad = present[[_as_code(value) not in allowed for value in present]]
    if bad.empty:
        return ""
    # Data row i (0-based) is line i + 2 of the file: line 1 is the header.
    shown = ", ".join(f"row {i + 2}: {value!r}" for i, value in bad.head(ROWS_SHOWN).items())
    more = f" and {len(bad) - ROWS_SHOWN} more" if len(bad) > ROWS_SHOWN else ""
    return (
        f"Column {variable.code!r} of {display_path(path)} holds {len(bad)} value(s) that are "
        f"neither answer codes {list(variable.codes)} nor missing codes "
        f"{list(variable.missing_codes)}: {shown}{more} (rows counted as in the file, the "
        "header being row 1). Correct them, leave the cells empty for item nonresponse, or "
        f"declare the value under 'values' or 'missing_codes' of {variable.code!r} in "
        f"{display_path(instrument.path)}."
    )


def _codes(column: pd.Series, variable: Variable) -> pd.Series:
    codes = pd.Series([_as_code(value) for value in column], index=column.index, dtype="Int64")
    return codes.mask(codes.isin(variable.missing_codes)).rename(column.name)


def read_responses(path: str | Path, instrument: Instrument) -> pd.DataFrame:
    """Read a responses file (CSV) and check it against the instrument.

    The file is UTF-8 (with or without a byte-order mark), comma-separated, with a header row,
    one row per respondent and one column per instrument variable, named by its code; other
    columns (a respondent id, timestamps) are kept as they are. A profile variable's cells must
    hold a declared answer code or missing code (whole numbers; ``2.0`` is read as 2), or be
    empty. The file is never modified.

    Missing data: empty cells and the instrument's missing codes become ``pd.NA``.

    Parameters
    ----------
    path : str or Path
        The CSV file.
    instrument : Instrument
        The questionnaire (see :func:`analysis.instrument.load_instrument`).

    Returns
    -------
    pandas.DataFrame
        The file's columns in its order; profile variables as nullable ``Int64`` answer codes.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist (the message names the configuration key to fix).
    ResponsesError
        If the file is not UTF-8, is empty, lacks a profile column (the message names the
        columns and the file), or a profile column holds an undeclared value (the message names
        the column, the first offending rows as numbered in the file, counting the header as
        row 1 and assuming no blank lines or line breaks inside cells, their values and the fix).
        Every offending column is reported at once.

    Examples
    --------
    >>> import tempfile
    >>> from analysis.instrument import load_instrument
    >>> from analysis.synthetic import write_synthetic_responses
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> path = write_synthetic_responses(
    ...     "survey/instrument.yaml", "survey/population.yaml",
    ...     Path(tempfile.mkdtemp()) / "responses.csv", n=20, seed=1,
    ... )
    >>> responses = read_responses(path, instrument)
    >>> str(responses["gender"].dtype)
    'Int64'
    """
    path = Path(path)
    _check_file(path)
    frame = _read_csv(path, instrument.profile_codes)
    _check_columns(frame, path, instrument)
    problems = [
        _problem(frame[variable.code], variable, path, instrument)
        for variable in instrument.profile
    ]
    problems = [problem for problem in problems if problem]
    if problems:
        raise ResponsesError("\n".join(problems))
    for variable in instrument.profile:
        frame[variable.code] = _codes(frame[variable.code], variable)
    return frame
