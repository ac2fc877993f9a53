"""Reading survey responses: the one entry point for files of responses.

:func:`load_responses` runs the three layers in order:

1. ingest (:func:`analysis.ingest.read_response_file`): the file's format and encoding, which
   column is which variable, answers given as labels turned into codes;
2. the privacy guard (:func:`analysis.privacy.check_no_identifiers`): a file holding names,
   mobile numbers, identity card numbers and the like stops here, whatever its columns;
3. validation against the instrument (:func:`analysis.validation.validate_responses`): every
   code declared, ids unique, declared missing codes and skipped questions made ``pd.NA``,
   suspicious but valid data reported as warnings.

:func:`read_responses` returns only the validated data. The raw file is only ever read, never
written. ``docs/response-files.md`` describes accepted files and every message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.config import display_path
from analysis.ingest import ResponsesError, SourceInfo, read_response_file
from analysis.instrument import Instrument
from analysis.privacy import check_no_identifiers
from analysis.validation import ValidationWarning, validate_responses

__all__ = ["Responses", "ResponsesError", "load_responses", "read_responses"]


@dataclass(frozen=True)
class Responses:
    """Validated responses with what was noticed on the way.

    Attributes
    ----------
    data : pandas.DataFrame
        One column per instrument variable, in questionnaire order (see :func:`read_responses`).
    warnings : tuple of ValidationWarning
        Suspicious but valid data, and answers to skipped questions set to missing.
    notes : tuple of str
        How the file was read (encoding, header rows, platform columns).
    source : SourceInfo
        The file: path, format, encoding, sha256, header rows.
    """

    data: pd.DataFrame
    warnings: tuple[ValidationWarning, ...]
    notes: tuple[str, ...]
    source: SourceInfo


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise FileNotFoundError(
            f"The responses file {display_path(path)} does not exist. Set survey.responses in "
            "config/config.yaml to an existing file, or to 'synthetic'."
        )


def load_responses(path: str | Path, instrument: Instrument) -> Responses:
    """Read a responses file, stop at identifiers, validate it against the instrument.

    Accepted files (``docs/response-files.md``): CSV/TXT in UTF-8 or GBK, Excel ``.xlsx`` or
    SPSS ``.sav``, as exported by survey platforms (问卷星, 腾讯问卷) or written by hand: one
    row per respondent, columns headed by the variable's code or its question text, answers as
    codes or as labels (Chinese or English). The file is never modified.

    Parameters
    ----------
    path : str or Path
        The responses file.
    instrument : Instrument
        The questionnaire (see :func:`analysis.instrument.load_instrument`).

    Returns
    -------
    Responses
        The validated data with the warnings and reading notes.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist (the message names the configuration key to fix).
    ResponsesError
        If the file cannot be read against the instrument (format, encoding, a missing
        column, a value that is neither a code nor a label).
    analysis.privacy.IdentifierError
        If any column holds direct identifiers (names, mobile numbers, ID card numbers, email
        addresses, bank card numbers, IP addresses); the message names the columns, not values.
    analysis.validation.ResponseValidationError
        If codes are undeclared (such as a -99 not declared missing), ids repeat, or a value is
        out of range; one message lists every problem with file rows and the fix.
    """
    path = Path(path)
    _check_file(path)
    result = read_response_file(path, instrument)
    check_no_identifiers(result.table, path=path, labels=result.source.column_labels)
    validated = validate_responses(
        result.data, instrument, source=display_path(path), file_rows=result.file_rows
    )
    return Responses(
        data=validated.data,
        warnings=tuple(validated.warnings),
        notes=tuple(result.notes),
        source=result.source,
    )


def read_responses(path: str | Path, instrument: Instrument) -> pd.DataFrame:
    """The validated responses of a file (see :func:`load_responses` for what is checked).

    Returns
    -------
    pandas.DataFrame
        One column per instrument variable, in questionnaire order: answer codes as nullable
        ``Int64`` with missing answers as ``pd.NA``, the respondent id as ``string``, the
        completion time as ``Float64`` seconds. Columns that match no variable are left out.

    Examples
    --------
    >>> from analysis.instrument import load_instrument
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> responses = read_responses("survey/responses_synthetic.csv", instrument)
    >>> str(responses["gender"].dtype)
    'Int64'
    """
    return load_responses(path, instrument).data
