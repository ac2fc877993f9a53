"""The results store: the one place notebooks write the numbers, tables and figures of the paper.

A notebook opens a :class:`ResultsStore` named after itself, adds values, tables and figures,
and calls :meth:`ResultsStore.save` as its last act. :func:`collect` merges every notebook's
fragment into ``values.json`` (what the paper's ``{{< var key >}}`` shortcodes read) and
``index.json`` (every table and figure, with its source notebook and caption).

Layout under the results root::

    fragments/<source>.json        one per notebook, written last by save()
    tables/<name>.csv, <name>.md   unrounded CSV, and the Markdown pipe table as presented
    figures/<name>.png, <name>.svg byte-deterministic figure files
    figures/<name>.json            the numbers and labels the figure draws (for verification)
    values.json, index.json        written by collect()
    .staging/<source>/             a notebook's tables and figures until save()

Every file is written atomically (a temporary file, then ``os.replace``), and the same calls
produce the same bytes: JSON with sorted keys, CSV with shortest round-trip floats and ``\\n``
line endings, figures without timestamps, version stamps or random ids.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import shutil
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeAlias

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure

from analysis.figuredata import figure_data
from analysis.files import atomic_output, json_bytes, write_json

StrPath: TypeAlias = str | os.PathLike[str]
CellFormat: TypeAlias = str | Callable[[Any], str]

FRAGMENTS = "fragments"
TABLES = "tables"
FIGURES = "figures"
STAGING = ".staging"
VALUES_FILE = "values.json"
INDEX_FILE = "index.json"
FIGURE_DPI = 200
#: Suffix of the file holding the data a figure draws (:func:`analysis.figuredata.figure_data`).
FIGURE_DATA = "json"
SVG_HASH_SALT = "crm-citic-zhengzhou"

_NAME = re.compile(r"[a-z][a-z0-9_]*")
_SOURCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_FRAGMENT_KEYS = ("source", "values", "tables", "figures")
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "png": {"dpi": FIGURE_DPI, "metadata": {"Software": None}},
    "svg": {"metadata": {"Date": None, "Creator": None}},
}


def _write_atomic(path: Path, data: bytes) -> Path:
    with atomic_output(path) as temporary:
        temporary.write_bytes(data)
    return path


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_name(name: Any, *, parameter: str, method: str) -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(
            f"The '{parameter}' parameter of {method} must match [a-z][a-z0-9_]* (snake_case). "
            f"Got {name!r}."
        )


def _check_new(name: str, taken: Mapping[str, Any], *, parameter: str, method: str) -> None:
    if name in taken:
        raise ValueError(
            f"The '{parameter}' parameter of {method} must be unique within a notebook's store. "
            f"Got {name!r} a second time."
        )


def _check_text(text: Any, *, parameter: str, method: str, empty: bool = True) -> None:
    if not isinstance(text, str) or (not empty and not text.strip()):
        must = "a string" if empty else "a non-empty string"
        raise ValueError(f"The '{parameter}' parameter of {method} must be {must}. Got {text!r}.")


def _json_value(value: Any, *, key: str) -> Any:
    """`value` as plain JSON data (numpy scalars and arrays converted), or an error."""
    if isinstance(value, np.ndarray | np.generic):
        value = value.tolist()
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(
                "The 'value' parameter of ResultsStore.add_value must be finite; use None for "
                f"a missing value. Got {value!r} for key {key!r}."
            )
        return value
    if isinstance(value, list | tuple):
        return [_json_value(item, key=key) for item in value]
    if isinstance(value, dict) and all(isinstance(name, str) for name in value):
        return {name: _json_value(item, key=key) for name, item in value.items()}
    raise TypeError(
        "The 'value' parameter of ResultsStore.add_value must be JSON data: None, bool, int, "
        "float, str, or lists and str-keyed dicts of them (numpy scalars and arrays are "
        f"converted). Got {value!r} of type {type(value).__name__} for key {key!r}."
    )


def _value_text(value: Any, text: str | None, fmt: str | None) -> str:
    method = "ResultsStore.add_value"
    if text is not None:
        if fmt is not None:
            raise ValueError(
                f"The 'fmt' parameter of {method} must be None when 'text' is given. Got {fmt!r}."
            )
        _check_text(text, parameter="text", method=method)
        return text
    if fmt is None:
        return str(value)
    try:
        return format(value, fmt)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"The 'fmt' parameter of {method} must be a format spec that applies to the value "
            f"(e.g. '.2f', ',d'). Got {fmt!r} for value {value!r} ({error})."
        ) from error


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _escape(text: str) -> str:
    return _LINE_BREAK.sub(" ", text.replace("|", "\\|"))


def _format_cell(value: Any, cell_format: CellFormat | None, na_rep: str) -> str:
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return na_rep
    if callable(cell_format):
        return cell_format(value)
    if cell_format is not None:
        return format(value, cell_format)
    return str(value)


def _column_cells(
    column: pd.Series, cell_format: CellFormat | None, float_format: str, na_rep: str
) -> list[str]:
    cells = []
    for value in column.tolist():
        is_float = isinstance(value, float | np.floating)
        spec = cell_format if cell_format is not None else (float_format if is_float else None)
        try:
            cells.append(_escape(_format_cell(value, spec, na_rep)))
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"Column {column.name!r} holds {value!r}, which cannot be formatted with "
                f"{spec!r} ({error}); fix the entry of 'formats' or 'float_format' for it."
            ) from error
    return cells


def _is_numeric(column: pd.Series) -> bool:
    dtype = column.dtype
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _pad(text: str, width: int, *, right: bool) -> str:
    fill = " " * (width - _display_width(text))
    return fill + text if right else text + fill


#: Widest share a long text column claims in the separator line (in characters).
RULE_WIDTH_CAP = 40


def _rule_width(width: int, cells: list[str]) -> int:
    """Dashes for a column: its width, capped so one long text column cannot squeeze the others
    into hyphenated slivers, but never narrower than its longest word."""
    longest_word = max((_display_width(word) for cell in cells for word in cell.split()), default=3)
    return max(3, longest_word, min(width, RULE_WIDTH_CAP))


def _markdown_table(
    frame: pd.DataFrame, *, float_format: str, formats: Mapping[str, CellFormat], na_rep: str
) -> str:
    """A pipe table, numeric columns right-aligned, cells padded so the source reads as a grid.

    The separator line sets the column widths pandoc and Quarto give a wide table (they follow
    its number of dashes): each column's width, a long text column capped at
    :data:`RULE_WIDTH_CAP`.
    """
    header = [_escape(str(name)) for name in frame.columns]
    columns = [frame.iloc[:, i] for i in range(frame.shape[1])]
    body = [_column_cells(c, formats.get(c.name), float_format, na_rep) for c in columns]
    right = [_is_numeric(column) for column in columns]
    widths = [
        max(3, *(_display_width(cell) for cell in [title, *cells]))
        for title, cells in zip(header, body, strict=True)
    ]

    def row(cells: list[str]) -> str:
        padded = (_pad(c, w, right=r) for c, w, r in zip(cells, widths, right, strict=True))
        return "| " + " | ".join(padded) + " |"

    dashes = [
        _rule_width(width, [title, *cells])
        for width, title, cells in zip(widths, header, body, strict=True)
    ]
    rule = "|".join(
        "-" * (w + 1) + ":" if r else ":" + "-" * (w + 1)
        for w, r in zip(dashes, right, strict=True)
    )
    rows = (row(list(cells)) for cells in zip(*body, strict=True))
    return "\n".join([row(header), f"|{rule}|", *rows]) + "\n"


def _check_table(
    table: Any, formats: Mapping[str, CellFormat], float_format: str, na_rep: str
) -> None:
    method = "ResultsStore.add_table"
    if not isinstance(table, pd.DataFrame) or table.shape[1] == 0:
        raise TypeError(
            f"The 'table' parameter of {method} must be a pandas DataFrame with at least one "
            f"column. Got {type(table).__name__} {getattr(table, 'shape', '')}."
        )
    if isinstance(table.columns, pd.MultiIndex):
        raise ValueError(
            f"The 'table' parameter of {method} must have one level of column names. Got "
            f"{table.columns.nlevels} levels; flatten them (e.g. 'loading_std')."
        )
    unknown = sorted(set(formats) - {str(name) for name in table.columns})
    if unknown:
        raise ValueError(
            f"The 'formats' parameter of {method} must name columns of the table "
            f"{[str(name) for name in table.columns]}. Got unknown columns {unknown}."
        )
    try:
        format(1.5, float_format)
    except ValueError as error:
        raise ValueError(
            f"The 'float_format' parameter of {method} must be a format spec for floats such "
            f"as '.2f' or '.3f'. Got {float_format!r}."
        ) from error
    _check_text(na_rep, parameter="na_rep", method=method)


def _figure_bytes(figure: Figure, kind: str) -> bytes:
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASH_SALT}):
        figure.savefig(buffer, format=kind, **_SAVE_OPTIONS[kind])
    return buffer.getvalue()


class ResultsStore:
    """The values, tables and figures one notebook contributes to the paper.

    Parameters
    ----------
    root : str or PathLike
        The results folder (``<output_dir>/results``).
    source : str
        The notebook's stem, e.g. ``"01_sample_profile"``. Anything this source had staged by
        an earlier, unfinished run is discarded.

    Notes
    -----
    Tables and figures are staged in ``.staging/<source>/`` and moved into ``tables/`` and
    ``figures/`` only by :meth:`save`, which writes the notebook's fragment last; a notebook
    that fails half way therefore leaves no fragment and no complete-looking file.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> store = ResultsStore(root, source="01_sample_profile")
    >>> store.add_value("sample_n", 400, description="Usable responses")
    >>> store.add_value("alpha_service", 0.8134, fmt=".2f")
    >>> store.add_table("sample_profile", pd.DataFrame({"group": ["a"], "share": [0.25]}),
    ...                 caption="Sample profile")
    >>> store.save().relative_to(root).as_posix()
    'fragments/01_sample_profile.json'
    >>> _ = collect(root)
    >>> load_values(root)["alpha_service"]["text"]
    '0.81'
    """

    def __init__(self, root: StrPath, *, source: str) -> None:
        if not isinstance(source, str) or not _SOURCE.fullmatch(source):
            raise ValueError(
                "The 'source' parameter of ResultsStore must be a notebook stem of letters, "
                f"digits, '_' and '-', such as '01_sample_profile'. Got {source!r}."
            )
        self.root = Path(root)
        self.source = source
        self._staging = self.root / STAGING / source
        shutil.rmtree(self._staging, ignore_errors=True)
        self._values: dict[str, dict[str, Any]] = {}
        self._tables: dict[str, dict[str, Any]] = {}
        self._figures: dict[str, dict[str, Any]] = {}
        self._pending: list[str] = []

    @property
    def fragment_path(self) -> Path:
        """Where :meth:`save` writes this notebook's fragment."""
        return self.root / FRAGMENTS / f"{self.source}.json"

    def add_value(
        self,
        key: str,
        value: Any,
        *,
        text: str | None = None,
        fmt: str | None = None,
        description: str = "",
    ) -> None:
        """Record one value the paper quotes.

        Parameters
        ----------
        key : str
            ``snake_case`` name, unique across notebooks; the paper writes ``{{< var key >}}``.
        value : JSON data
            The raw, unrounded value. numpy scalars and arrays become Python numbers and lists;
            NaN and infinity are refused (use ``None`` for a missing value).
        text : str, optional
            The value as printed in the paper, e.g. ``"p < .001"``.
        fmt : str, optional
            A format spec used when `text` is not given: ``text = format(value, fmt)``.
            Without either, ``text = str(value)``.
        description : str, default ""
            What the value is, for readers of ``values.json``.

        Examples
        --------
        >>> import tempfile
        >>> store = ResultsStore(tempfile.mkdtemp(), source="02_reliability")
        >>> store.add_value("alpha_trust", np.float64(0.8712), fmt=".2f")
        >>> store.add_value("p_trust", 0.0002, text="p < .001")
        """
        method = "ResultsStore.add_value"
        _check_name(key, parameter="key", method=method)
        _check_new(key, self._values, parameter="key", method=method)
        _check_text(description, parameter="description", method=method)
        plain = _json_value(value, key=key)
        self._values[key] = {
            "value": plain,
            "text": _value_text(plain, text, fmt),
            "description": description,
        }

    def add_table(
        self,
        name: str,
        table: pd.DataFrame,
        *,
        caption: str,
        float_format: str = ".2f",
        formats: Mapping[str, CellFormat] | None = None,
        na_rep: str = "",
        index: bool = False,
    ) -> None:
        """Stage a table: ``<name>.csv`` unrounded and ``<name>.md`` as presented.

        Parameters
        ----------
        name : str
            ``snake_case`` name by content (``sample_profile``, not ``table1``).
        table : DataFrame
            The table, unrounded, with one level of column names.
        caption : str
            The caption, recorded in the fragment and ``index.json`` (the paper writes its own
            ``: Caption {#tbl-name}`` line after the include).
        float_format : str, default ".2f"
            Format spec for float cells of the Markdown table.
        formats : mapping of str to str or callable, optional
            Per-column format spec or function (value -> text), overriding `float_format`, e.g.
            ``{"n": ",d", "p_val": format_p}``. Missing cells are not passed to it.
        na_rep : str, default ""
            Text of missing cells in the Markdown table (the CSV leaves them empty).
        index : bool, default False
            Whether to write the index as the first column(s).

        Notes
        -----
        The CSV is UTF-8 with ``\\n`` line endings and Python's shortest round-trip float
        repr. The Markdown is a pipe table; ``|`` in cells is escaped, line breaks become
        spaces, numeric columns are right-aligned.

        Examples
        --------
        >>> import tempfile
        >>> store = ResultsStore(tempfile.mkdtemp(), source="01_sample_profile")
        >>> frame = pd.DataFrame(
        ...     {"bank": ["CITIC", "HSBC"], "n": [250, 150], "share": [0.625, 0.375]}
        ... )
        >>> store.add_table("bank_shares", frame, caption="Respondents by bank",
        ...                 formats={"share": ".1%"})
        >>> path = store.root / ".staging/01_sample_profile/tables/bank_shares.md"
        >>> print(path.read_text(encoding="utf-8"), end="")
        | bank  |   n | share |
        |:------|----:|------:|
        | CITIC | 250 | 62.5% |
        | HSBC  | 150 | 37.5% |
        """
        method = "ResultsStore.add_table"
        formats = dict(formats or {})
        _check_name(name, parameter="name", method=method)
        _check_new(name, self._tables, parameter="name", method=method)
        _check_text(caption, parameter="caption", method=method, empty=False)
        _check_table(table, formats, float_format, na_rep)
        frame = table.reset_index() if index else table.copy()
        frame.columns = [str(column) for column in frame.columns]
        markdown = _markdown_table(frame, float_format=float_format, formats=formats, na_rep=na_rep)
        files = {
            "csv": frame.to_csv(index=False, lineterminator="\n").encode("utf-8"),
            "md": markdown.encode("utf-8"),
        }
        self._tables[name] = self._stage(TABLES, name, files, caption)

    def add_figure(self, name: str, figure: Figure, *, caption: str) -> None:
        """Stage a figure as ``<name>.png`` (200 dpi), ``<name>.svg`` and its data, then close it.

        Parameters
        ----------
        name : str
            ``snake_case`` name by content (``cfa_loadings``, not ``fig3``).
        figure : matplotlib.figure.Figure
            The figure; it is closed after saving, also when saving fails.
        caption : str
            The caption, recorded in the fragment and ``index.json``.

        Notes
        -----
        The files are byte-identical across runs: no date, no Matplotlib version stamp, and a
        fixed ``svg.hashsalt`` for the SVG's element ids. ``<name>.json`` holds the numbers and
        labels the figure draws (:func:`analysis.figuredata.figure_data`), which the
        replication check compares.

        Examples
        --------
        >>> import tempfile
        >>> store = ResultsStore(tempfile.mkdtemp(), source="03_cfa")
        >>> figure, axes = plt.subplots()
        >>> _ = axes.bar(["a", "b"], [0.7, 0.8])
        >>> store.add_figure("cfa_loadings", figure, caption="Standardised loadings")
        """
        method = "ResultsStore.add_figure"
        try:
            _check_name(name, parameter="name", method=method)
            _check_new(name, self._figures, parameter="name", method=method)
            _check_text(caption, parameter="caption", method=method, empty=False)
            if not isinstance(figure, Figure):
                raise TypeError(
                    f"The 'figure' parameter of {method} must be a matplotlib.figure.Figure. "
                    f"Got {type(figure).__name__}."
                )
            files = {kind: _figure_bytes(figure, kind) for kind in _SAVE_OPTIONS}
            # Read after saving: the figure has been drawn, so its tick labels are set.
            files[FIGURE_DATA] = json_bytes(figure_data(figure))
        finally:
            if isinstance(figure, Figure):
                plt.close(figure)
        self._figures[name] = self._stage(FIGURES, name, files, caption)

    def _stage(self, folder: str, name: str, files: dict[str, bytes], caption: str) -> dict:
        entry: dict[str, Any] = {"caption": caption, "sha256": {}}
        for suffix, data in files.items():
            relative = f"{folder}/{name}.{suffix}"
            _write_atomic(self._staging / relative, data)
            self._pending.append(relative)
            entry[suffix] = relative
            entry["sha256"][suffix] = _sha256(data)
        return entry

    def save(self) -> Path:
        """Move the staged tables and figures into place, then write the fragment, last.

        Returns
        -------
        Path
            ``fragments/<source>.json``: the source, and its values, tables and figures (paths
            relative to the results root, captions and sha256 of each file).

        Examples
        --------
        >>> import tempfile
        >>> store = ResultsStore(tempfile.mkdtemp(), source="01_sample_profile")
        >>> store.add_value("sample_n", 400)
        >>> json.loads(store.save().read_text(encoding="utf-8"))["values"]
        {'sample_n': {'description': '', 'text': '400', 'value': 400}}
        """
        for relative in self._pending:
            target = self.root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self._staging / relative, target)
        self._pending.clear()
        shutil.rmtree(self._staging, ignore_errors=True)
        fragment = {
            "source": self.source,
            "values": self._values,
            "tables": self._tables,
            "figures": self._figures,
        }
        return write_json(self.fragment_path, fragment)


def _read_fragment(path: Path) -> dict[str, Any]:
    try:
        fragment = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(
            f"The fragment {path.name} is not valid JSON ({error}); rerun notebook {path.stem}."
        ) from error
    missing = [key for key in _FRAGMENT_KEYS if key not in fragment]
    if missing:
        raise ValueError(
            f"The fragment {path.name} lacks the keys {missing}; rerun notebook {path.stem}."
        )
    return fragment


def _merge(fragments: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for fragment in fragments:
        source = fragment["source"]
        for name, entry in fragment[kind].items():
            if name in merged:
                raise ValueError(
                    f"The name {name!r} in {kind} is defined by two notebooks, "
                    f"{merged[name]['source']!r} and {source!r}. Names must be unique across "
                    "notebooks: rename one of them."
                )
            merged[name] = {**entry, "source": source}
    return dict(sorted(merged.items()))


def collect(root: StrPath) -> Path:
    """Merge every notebook's fragment into ``values.json`` and ``index.json``.

    Parameters
    ----------
    root : str or PathLike
        The results folder.

    Returns
    -------
    Path
        ``values.json``: ``key -> {value, text, source, description}``, sorted by key.
        Beside it, ``index.json`` lists every table and figure with its source and caption
        (``{"tables": {...}, "figures": {...}}``), for the paper's exhibit map.

    Raises
    ------
    FileNotFoundError
        If there is no fragment.
    ValueError
        If two notebooks define the same value key, table name or figure name (naming both).

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> ResultsStore(root, source="01_sample_profile").save().name
    '01_sample_profile.json'
    >>> collect(root).name
    'values.json'
    """
    root = Path(root)
    paths = sorted((root / FRAGMENTS).glob("*.json"))
    if not paths:
        raise FileNotFoundError(
            f"No fragments in {root / FRAGMENTS}: run the notebooks first (python3 reproduce.py)."
        )
    fragments = [_read_fragment(path) for path in paths]
    values = _merge(fragments, "values")
    write_json(root / INDEX_FILE, {kind: _merge(fragments, kind) for kind in (TABLES, FIGURES)})
    return write_json(root / VALUES_FILE, values)


def load_values(root: StrPath) -> dict[str, dict[str, Any]]:
    """The merged values: ``key -> {value, text, source, description}``.

    Parameters
    ----------
    root : str or PathLike
        The results folder holding ``values.json``.

    Raises
    ------
    FileNotFoundError
        If ``values.json`` does not exist yet.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> store = ResultsStore(root, source="01_sample_profile")
    >>> store.add_value("sample_n", 400)
    >>> _ = store.save()
    >>> _ = collect(root)
    >>> load_values(root)["sample_n"]["source"]
    '01_sample_profile'
    """
    path = Path(root) / VALUES_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"No {VALUES_FILE} in {Path(root)}: run the pipeline first: python3 reproduce.py"
        )
    return json.loads(path.read_text(encoding="utf-8"))
