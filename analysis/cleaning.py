"""From a raw file of responses to the analysis sample, with every step on record.

:func:`clean_responses` is the pipeline's ``clean`` step: read and validate the raw file
(:func:`analysis.responses.load_responses`), screen it (:func:`analysis.screening.
screen_responses`), and write the analysis sample with its records into one folder:

============================  ==============================================================
``responses_clean.csv``       the analysis sample (UTF-8), described by ``datapackage.json``
``responses_clean.sav``       the same for SPSS, with variable and value labels
``exclusion_ledger.csv``      N before and after each screening rule (the paper cites it)
``exclusions.csv``            which respondent each rule excluded (auditable)
``validation_warnings.csv``   suspicious but valid data, answers to skipped questions
``reading.json``              the raw file (name, format, encoding, sha256), reading notes;
                              the name is relative to the output folder when the file lies
                              in it (the synthetic sample), else to the repository
============================  ==============================================================

Identifiers never get this far (the privacy guard stops the read) and only the instrument's
columns are written. The raw file is never modified.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.config import display_path
from analysis.export import write_csv_package, write_sav
from analysis.files import write_csv, write_json
from analysis.instrument import load_instrument
from analysis.responses import load_responses
from analysis.screening import DEFAULT_RULES, screen_responses
from analysis.validation import WARNING_FIELDS, ValidationWarning

CLEAN_NAME = "responses_clean"
OUTPUTS = (
    f"{CLEAN_NAME}.csv",
    "datapackage.json",
    f"{CLEAN_NAME}.sav",
    "exclusion_ledger.csv",
    "exclusions.csv",
    "validation_warnings.csv",
    "reading.json",
)


def clean_responses(
    raw_path: str | Path,
    instrument_path: str | Path,
    out_dir: str | Path,
    *,
    synthetic: bool,
    rules: Sequence[str] = DEFAULT_RULES,
    thresholds: Mapping[str, float] | None = None,
) -> dict[str, Path]:
    """Validate and screen a raw file of responses and write the analysis sample.

    Parameters
    ----------
    raw_path : str or Path
        The responses as collected (CSV, XLSX or SAV; see ``docs/response-files.md``).
    instrument_path : str or Path
        The instrument the responses answer.
    out_dir : str or Path
        Folder for the outputs listed in the module's description (:data:`OUTPUTS`).
    synthetic : bool
        Whether the responses are the synthetic sample (said in the data package).
    rules, thresholds
        Screening rules in the order applied, and their thresholds
        (:func:`analysis.screening.screen_responses`; defaults there).

    Returns
    -------
    dict
        Output name (file name without suffix, e.g. ``"exclusion_ledger"``) -> path.

    Raises
    ------
    FileNotFoundError, ResponsesError, IdentifierError, ResponseValidationError
        From reading and validating the file; nothing is written then.
    """
    instrument = load_instrument(instrument_path)
    loaded = load_responses(raw_path, instrument)
    screened = screen_responses(loaded.data, instrument, rules=tuple(rules), thresholds=thresholds)
    out_dir = Path(out_dir)
    written = write_csv_package(
        screened.kept, instrument, out_dir, synthetic=synthetic, name=CLEAN_NAME
    )
    written["sav"] = write_sav(screened.kept, instrument, out_dir / f"{CLEAN_NAME}.sav")
    written["exclusion_ledger"] = write_csv(screened.ledger, out_dir / "exclusion_ledger.csv")
    written["exclusions"] = write_csv(screened.exclusions, out_dir / "exclusions.csv")
    written["validation_warnings"] = write_csv(
        _warning_table(loaded.warnings), out_dir / "validation_warnings.csv"
    )
    written["reading"] = write_json(
        out_dir / "reading.json", _reading_record(loaded, screened, synthetic, out_dir)
    )
    return written


def _warning_table(warnings: Sequence[ValidationWarning]) -> pd.DataFrame:
    """The warnings as a table; the file rows of each as one space-separated cell."""
    rows = [[getattr(w, name) for name in WARNING_FIELDS] for w in warnings]
    table = pd.DataFrame(rows, columns=list(WARNING_FIELDS))
    table["rows"] = table["rows"].map(lambda numbers: " ".join(map(str, numbers)))
    return table


def _shown_source(path: Path, out_dir: Path) -> str:
    """The raw file as recorded: relative to the output folder when it lies in it (the synthetic
    sample is drawn there), so that the record is the same whatever the output folder."""
    root = out_dir.resolve().parent
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return display_path(path)


def _reading_record(loaded: Any, screened: Any, synthetic: bool, out_dir: Path) -> dict[str, Any]:
    source = loaded.source
    return {
        "file": _shown_source(source.path, out_dir),
        "format": source.format,
        "encoding": source.encoding,
        "sha256": source.sha256,
        "header_rows": source.header_rows,
        "notes": list(loaded.notes),
        "n_read": len(loaded.data),
        "n_analysed": len(screened.kept),
        "thresholds": dict(screened.thresholds),
        "synthetic": synthetic,
    }
