"""Reading survey responses: the one entry point the notebooks use.

:func:`read_responses` runs the three layers in order:

1. ingest (:func:`analysis.ingest.read_response_file`): the file's format and encoding, which
   column is which variable, answers given as labels turned into codes;
2. the privacy guard (:func:`analysis.privacy.check_no_identifiers`): a file holding names,
   mobile numbers, identity card numbers and the like stops here, whatever its columns;
3. the checks of the codes (:func:`check_codes`, until ``analysis.validation`` takes over):
   every code must be declared, and declared missing codes become ``pd.NA``.

The raw file is only ever read, never written. ``docs/response-files.md`` describes accepted
files and every message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from analysis.config import display_path
from analysis.ingest import ROWS_SHOWN, IngestResult, ResponsesError, read_response_file
from analysis.privacy import check_no_identifiers

__all__ = ["ResponsesError", "check_codes", "read_responses", "required_now"]

#: Roles of the variables a responses file must have for now (see :func:`required_now`).
REQUIRED_ROLES = ("profile", "meta")


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise FileNotFoundError(
            f"The responses file {display_path(path)} does not exist. Set survey.responses in "
            "config/config.yaml to an existing file, or to 'synthetic'."
        )


def required_now(instrument: Any) -> list[str]:
    """Codes of the variables :func:`read_responses` requires: the required profile and
    metadata columns.

    Other variables (the Likert items, the filter, the attention check) are read when the file
    has them and are all-missing otherwise, because the synthetic sample does not draw them yet.
    Once it does, every variable the instrument marks ``required`` will be required.
    """
    return [
        variable.code
        for variable in instrument.variables
        if getattr(variable, "required", True)
        and getattr(variable, "role", "profile") in REQUIRED_ROLES
    ]


def _header(result: IngestResult, variable: Any) -> str:
    """The header of a variable's column in the file (its question's, for split choices)."""
    headers = {code: header for header, code in result.column_map.items()}
    group = getattr(variable, "group", None)
    return headers.get(variable.code) or headers.get(group) or variable.code


def _named(header: str, code: str) -> str:
    return repr(header) if header == code else f"{header!r} (variable {code!r})"


def _problem(result: IngestResult, variable: Any, header: str, instrument: Any) -> str:
    """The message for a column's undeclared codes, or "" if it has none."""
    codes = result.data[variable.code]
    allowed = set(variable.codes) | set(variable.missing_codes)
    bad = codes[codes.notna() & ~codes.isin(allowed)]
    if bad.empty:
        return ""
    unit = result.source.row_unit
    shown = ", ".join(
        f"{unit} {result.file_rows[i]}: {value}" for i, value in bad.head(ROWS_SHOWN).items()
    )
    more = f" and {len(bad) - ROWS_SHOWN} more" if len(bad) > ROWS_SHOWN else ""
    counted = "cases numbered as in SPSS" if unit == "case" else "rows numbered as in the file"
    return (
        f"Column {_named(header, variable.code)} of {display_path(result.source.path)} holds "
        f"{len(bad)} value(s) that are neither answer codes "
        f"{list(variable.codes)} nor missing codes "
        f"{list(variable.missing_codes)}: {shown}{more} ({counted}, header rows counted). "
        "Correct them, leave the cells empty for item nonresponse, or declare the value under "
        f"'values' or 'missing_codes' of {variable.code!r} in {display_path(instrument.path)}."
    )


def check_codes(result: IngestResult, instrument: Any) -> pd.DataFrame:
    """Check every coded column of ingested responses and make declared missing codes NA.

    Stands in for ``analysis.validation.validate_responses`` until that exists; it checks only
    that every code is an answer code or a declared missing code of its variable.

    Parameters
    ----------
    result : IngestResult
        What :func:`analysis.ingest.read_response_file` returned.
    instrument : Instrument
        The questionnaire the file was read against.

    Returns
    -------
    pandas.DataFrame
        ``result.data`` with the declared missing codes of each variable as ``pd.NA``.

    Raises
    ------
    ResponsesError
        If a column holds a code that is neither an answer code nor a declared missing code
        (such as an undeclared -99); the message names the column, the first rows as numbered
        in the file and their values, the count and the fix. Every such column is reported.
    """
    coded = [
        variable
        for variable in instrument.variables
        if variable.code in result.data.columns and str(result.data[variable.code].dtype) == "Int64"
    ]
    problems = [
        _problem(result, variable, _header(result, variable), instrument) for variable in coded
    ]
    problems = [problem for problem in problems if problem]
    if problems:
        raise ResponsesError("\n".join(problems))
    data = result.data.copy()
    for variable in coded:
        column = data[variable.code]
        data[variable.code] = column.mask(column.isin(variable.missing_codes))
    return data


def read_responses(path: str | Path, instrument: Any) -> pd.DataFrame:
    """Read a responses file, stop at identifiers, check the codes against the instrument.

    Accepted files (``docs/response-files.md``): CSV/TXT in UTF-8 or GBK, Excel ``.xlsx`` or
    SPSS ``.sav``, as exported by survey platforms (问卷星, 腾讯问卷) or written by hand: one
    row per respondent, columns headed by the variable's code or its question text, answers as
    codes or as labels (Chinese or English). The file is never modified.

    Missing data: empty cells, platform skip markers (``(跳过)``, ``(空)``) and each variable's
    declared missing codes become ``pd.NA``.

    Parameters
    ----------
    path : str or Path
        The responses file.
    instrument : Instrument
        The questionnaire (see :func:`analysis.instrument.load_instrument`).

    Returns
    -------
    pandas.DataFrame
        One column per instrument variable, in questionnaire order: answer codes as nullable
        ``Int64``, the respondent id as ``string``, the completion time as ``Float64`` seconds.
        Variables the file lacks (for now only profile and metadata columns are required, see
        :func:`required_now`) are all ``pd.NA``. Columns that match no variable are left out.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist (the message names the configuration key to fix).
    ResponsesError
        If the file cannot be read against the instrument (format, encoding, a missing
        column, a value that is neither a code nor a label), or holds undeclared codes; see
        :func:`analysis.ingest.read_response_file` and :func:`check_codes`.
    analysis.privacy.IdentifierError
        If any column holds direct identifiers (names, mobile numbers, ID card numbers, email
        addresses, bank card numbers, IP addresses); the message names the columns, not values.

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
    result = read_response_file(path, instrument, required=required_now(instrument))
    check_no_identifiers(result.table, path=path, labels=result.source.column_labels)
    return check_codes(result, instrument)
