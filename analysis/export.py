"""Export the cleaned responses: SPSS ``.sav`` with labels, and CSV with a Frictionless package.

Both carry the instrument's variable labels (the question text) and value labels (the answer
options), so that a user of SPSS, R or a Frictionless tool reads the data with their meaning.
Exports are written atomically: a failure never leaves a half-written file under the final name.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.files import atomic_output, write_csv, write_json
from analysis.instrument import Instrument, Variable, check_language

# SPSS variable labels are limited to 256 bytes; longer question texts are cut at a character.
_SPSS_LABEL_BYTES = 256
_CODED_TYPES = frozenset({"categorical", "likert", "binary"})


def _check_columns(data: pd.DataFrame, instrument: Instrument, function: str) -> list[Variable]:
    codes = [v.code for v in instrument.variables]
    missing = [c for c in codes if c not in data.columns]
    extra = [c for c in data.columns if c not in codes]
    if missing or extra:
        raise ValueError(
            f"The 'data' parameter of {function} must have exactly the instrument's columns. "
            f"Missing: {missing}; not in the instrument: {extra}. Export the validated responses "
            "(analysis.responses.read_responses), not a raw file."
        )
    return list(instrument.variables)


def _variable_label(variable: Variable, language: str) -> str:
    text = (variable.label or variable.question or {}).get(language) or variable.code
    if variable.question and variable.label:
        text = f"{variable.label[language]}: {variable.question[language]}"
    encoded = text.encode("utf-8")[:_SPSS_LABEL_BYTES]
    return encoded.decode("utf-8", errors="ignore")


def _value_labels(variable: Variable, language: str) -> dict[float, str]:
    return {float(v.code): v.label[language] for v in variable.values}


def write_sav(
    data: pd.DataFrame, instrument: Instrument, path: str | Path, *, language: str = "zh"
) -> Path:
    """Write responses to an SPSS ``.sav`` file with variable and value labels.

    Parameters
    ----------
    data : DataFrame
        Validated responses: exactly the instrument's columns, codes as integers, missing as NA.
    instrument : Instrument
        Supplies the variable labels (short label and question) and value labels.
    path : str or Path
        The ``.sav`` file to write (replaced atomically).
    language : {"zh", "en"}
        Language of the labels (default Chinese, the language of administration).

    Returns
    -------
    Path

    Notes
    -----
    Missing answers are written as SPSS system-missing. Numeric columns are stored as doubles,
    as SPSS stores every numeric variable.

    Examples
    --------
    >>> write_sav(clean, instrument, "responses.sav", language="en")  # doctest: +SKIP
    """
    import pyreadstat

    check_language(language, function="write_sav")
    variables = _check_columns(data, instrument, "write_sav")
    frame = pd.DataFrame(
        {
            v.code: (
                data[v.code].astype("string")
                if v.type == "id"
                else pd.to_numeric(data[v.code]).astype("float64")
            )
            for v in variables
        }
    )
    column_labels = [_variable_label(v, language) for v in variables]
    value_labels = {v.code: _value_labels(v, language) for v in variables if v.type in _CODED_TYPES}
    with atomic_output(path) as temporary:
        pyreadstat.write_sav(
            frame, str(temporary), column_labels=column_labels, variable_value_labels=value_labels
        )
        _fix_sav_timestamp(temporary)
    return Path(path)


#: Where the SPSS system file header keeps its creation date ("dd mmm yy") and time
#: ("hh:mm:ss"), after the record type, product name, layout code, case size, compression,
#: weight index, case count and bias (IBM SPSS Statistics, "SPSS system file format").
_SAV_STAMP = slice(92, 109)
_FIXED_STAMP = b"01 Jan 7000:00:00"


def _fix_sav_timestamp(path: Path) -> None:
    """Replace the writing time in a ``.sav`` header by a fixed one, so that the same data give
    the same bytes (as ``SOURCE_DATE_EPOCH=0`` does for the paper)."""
    data = bytearray(path.read_bytes())
    if data[:4] not in (b"$FL2", b"$FL3"):
        raise ValueError(f"{path} is not an SPSS system file (header {bytes(data[:4])!r}).")
    data[_SAV_STAMP] = _FIXED_STAMP
    path.write_bytes(bytes(data))


def read_sav_labels(path: str | Path) -> tuple[pd.DataFrame, dict[str, str], dict[str, dict]]:
    """Read a ``.sav`` file back: data, variable labels and value labels (for round trips).

    Returns
    -------
    data : DataFrame
    variable_labels : dict
        Column -> variable label.
    value_labels : dict
        Column -> {code: label}.
    """
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(path))
    return (
        frame,
        dict(zip(meta.column_names, meta.column_labels, strict=True)),
        dict(meta.variable_value_labels),
    )


def _field(variable: Variable) -> dict[str, Any]:
    field: dict[str, Any] = {
        "name": variable.code,
        "title": (variable.label or variable.question or {}).get("en", ""),
    }
    if variable.question:
        field["description"] = variable.question["en"]
    if variable.type == "id":
        field.update(type="string", constraints={"required": True, "unique": True})
    elif variable.type == "duration":
        field.update(type="number", constraints={"minimum": 0})
    else:
        codes = [v.code for v in variable.values]
        field.update(
            type="integer",
            constraints={"enum": codes},
            categories=[{"value": v.code, "label": v.label["en"]} for v in variable.values],
        )
    return field


def datapackage_descriptor(
    instrument: Instrument, csv_name: str, csv_sha256: str, *, synthetic: bool
) -> dict[str, Any]:
    """A Frictionless (v1 tabular) data package descriptor for the exported CSV."""
    kind = "synthetic" if synthetic else "real"
    return {
        "profile": "tabular-data-package",
        "name": f"{instrument.id}-responses",
        "title": f"{instrument.title['en']} (cleaned responses, {kind} data)",
        "description": (
            f"Cleaned survey responses ({kind} data) with the instrument's labels. "
            + (
                "Synthetic data drawn from survey/population.yaml: not real responses."
                if synthetic
                else "Real responses, validated and screened."
            )
        ),
        "version": instrument.version,
        "resources": [
            {
                "name": "responses",
                "path": csv_name,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "hash": f"sha256:{csv_sha256}",
                "schema": {
                    "fields": [_field(v) for v in instrument.variables],
                    "primaryKey": "respondent_id",
                    "missingValues": [""],
                },
            }
        ],
    }


def write_csv_package(
    data: pd.DataFrame,
    instrument: Instrument,
    out_dir: str | Path,
    *,
    synthetic: bool,
    name: str = "responses_clean",
) -> dict[str, Path]:
    """Write the responses as UTF-8 CSV with a Frictionless ``datapackage.json`` beside it.

    Returns
    -------
    dict
        ``{"csv": path, "datapackage": path}``.
    """
    variables = _check_columns(data, instrument, "write_csv_package")
    out_dir = Path(out_dir)
    csv_path = out_dir / f"{name}.csv"
    ordered = data[[v.code for v in variables]]
    write_csv(ordered, csv_path)
    digest = hashlib.sha256(csv_path.read_bytes()).hexdigest()
    descriptor = datapackage_descriptor(instrument, csv_path.name, digest, synthetic=synthetic)
    return {"csv": csv_path, "datapackage": write_json(out_dir / "datapackage.json", descriptor)}
