"""Reading a raw responses file, as survey platforms and spreadsheets export it.

:func:`read_response_file` reads a CSV/TXT (UTF-8, UTF-8 with a byte-order mark, or GBK/GB18030),
an Excel workbook (``.xlsx``) or an SPSS file (``.sav``), finds which column holds which
instrument variable (by code or by question text, in Chinese or English, as platforms such as
问卷星 and 腾讯问卷 head them), and turns answers given as codes or as labels into integer codes.
It does not judge the codes: ranges, missing codes, duplicates and skip logic are the business of
validation. The file is opened for reading only and never written.

Everything a user needs to know (formats, how headers are matched, each error and its fix) is in
``docs/response-files.md``; keep the two in step.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat

from analysis.config import display_path
from analysis.privacy import KINDS, TYPE_TAG, header_key, identifier_kinds, loose_key, nfkc

#: File suffixes read, and the format each is read as.
FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".sav": "sav"}
#: Column of the respondent identifier when the instrument declares none.
ID_COLUMN = "respondent_id"
#: Column of the completion time in seconds when the instrument declares none.
DURATION_COLUMN = "duration_seconds"
#: Platform columns read as the respondent identifier when the file has no column for it.
ID_ALIASES = ("序号", "编号", "答卷编号", "答卷序号", "答题序号", "id")
#: Platform columns read as the completion time when the file has no column for it.
DURATION_ALIASES = ("所用时间", "答题时长", "作答时长", "答题用时", "填写用时", "用时", "duration")
#: Cells survey platforms write for a question that was not shown or not answered (item
#: nonresponse), compared after full-width characters are made half-width.
SKIP_MARKERS = ("(跳过)", "(空)")
#: How a multiple-choice option column may say "chosen" (1) or "not chosen" (0).
CHOICE_WORDS = {
    "选中": 1,
    "已选": 1,
    "selected": 1,
    "checked": 1,
    "未选中": 0,
    "未选": 0,
    "notselected": 0,
    "unchecked": 0,
}
#: Separators of the options in a single multiple-choice cell ("营业网点柜台┋手机银行App").
CHOICE_SEPARATORS = "┋|;；"
#: How many offending rows a message lists per column.
ROWS_SHOWN = 5
#: How many unmatched columns a message about missing columns lists.
HINTS_SHOWN = 10

_INTEGER = re.compile(r"[+-]?\d+(?:\.0*)?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_CLOCK = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)")
_UNITS = re.compile(
    r"(?:(\d+(?:\.\d+)?)(?:小时|时|h))?(?:(\d+(?:\.\d+)?)(?:分钟|分|min|m))?"
    r"(?:(\d+(?:\.\d+)?)(?:秒钟|秒|s|sec))?"
)
_TRAILING_BRACKET = re.compile(r"^(.*?)\s*[(\[【]([^()\[\]【】]+)[)\]】]\s*$")
_SEPARATORS = re.compile(r"[:|—–_/?\-]")


class ResponsesError(ValueError):
    """A responses file that cannot be read against the instrument; the message names the fix."""


@dataclass(frozen=True)
class SourceInfo:
    """Where the data came from and how the file was read.

    Attributes
    ----------
    path : Path
        The file.
    format : str
        ``"csv"``, ``"xlsx"`` or ``"sav"``.
    encoding : str or None
        For text files: ``"utf-8"``, ``"utf-8-sig"`` (with a byte-order mark) or ``"gb18030"``.
    sha256 : str
        Hex digest of the file's bytes, as read.
    header_rows : int
        Header rows found above the data (0 for ``.sav``; 2 for a platform's two-row header).
    sheet : str or None
        The worksheet read, for ``.xlsx``.
    column_labels : Mapping[str, str]
        SPSS variable labels by column name (``.sav`` only).
    row_unit : str
        What the numbers in :attr:`IngestResult.file_rows` count: ``"row"`` (lines of a text
        file, rows of a worksheet, header rows counted) or ``"case"`` (SPSS case numbers).
    """

    path: Path
    format: str
    encoding: str | None
    sha256: str
    header_rows: int
    sheet: str | None = None
    column_labels: Mapping[str, str] = field(default_factory=dict)
    row_unit: str = "row"


@dataclass(frozen=True)
class IngestResult:
    """A responses file read against the instrument.

    Attributes
    ----------
    data : pandas.DataFrame
        One column per instrument variable code, in questionnaire order (plus ``respondent_id``
        and ``duration_seconds`` when the instrument declares no such columns and the file has
        them); one row per respondent. Coded variables are nullable ``Int64`` codes exactly as
        given (declared missing codes such as 99 are kept; validation turns them into NA);
        empty cells and platform skip markers are ``pd.NA``. Identifiers and other text are
        ``string``; durations are ``Float64`` seconds.
    source : SourceInfo
        The file and how it was read.
    column_map : dict of str to str
        Header of each matched column (as in the file; two header rows joined as
        ``"question(option)"``) -> variable code (a multiple-choice question's code when one
        column holds all its options).
    unmatched_columns : list of str
        Headers of the columns that match no variable; they are not in :attr:`data`.
    notes : list of str
        What was done that a reader of the data should know ("read as GB18030", ...).
    table : pandas.DataFrame
        Every column of the file as text, under its header, one row per respondent: what the
        privacy guard (:func:`analysis.privacy.check_no_identifiers`) looks at.
    file_rows : tuple of int
        For each row of :attr:`data`, its number in the file (see ``source.row_unit``), for
        messages that name rows.
    """

    data: pd.DataFrame
    source: SourceInfo
    column_map: dict[str, str]
    unmatched_columns: list[str]
    notes: list[str]
    table: pd.DataFrame
    file_rows: tuple[int, ...]


# --------------------------------------------------------------------------------------------
# Normalising texts


def _splits(header: str) -> list[tuple[str, str]]:
    """Ways to cut a header into a question stem and an option or sub-question."""
    text = TYPE_TAG.sub("", nfkc(header))
    cuts = []
    bracket = _TRAILING_BRACKET.match(text)
    if bracket:
        cuts.append((bracket.group(1), bracket.group(2)))
    cuts += [(text[: m.start()], text[m.end() :]) for m in _SEPARATORS.finditer(text)]
    return [(stem, tail) for stem, tail in cuts if stem.strip() and tail.strip()]


# --------------------------------------------------------------------------------------------
# What the instrument asks for


@dataclass(frozen=True)
class _Target:
    """A column of the data: an instrument variable, or a built-in metadata column."""

    code: str
    kind: str  # "coded", "id", "duration" or "text"
    variable: Any
    required: bool
    declared: bool
    group: str | None = None


def _targets(instrument: Any) -> list[_Target]:
    targets = []
    for variable in instrument.variables:
        kind = {"id": "id", "duration": "duration"}.get(variable.type)
        if kind is None:
            has_codes = bool(getattr(variable, "values", ())) or variable.type == "binary"
            kind = "coded" if has_codes else "text"
        required = getattr(variable, "required", None)
        targets.append(
            _Target(
                code=variable.code,
                kind=kind,
                variable=variable,
                required=(kind != "duration") if required is None else bool(required),
                declared=True,
                group=getattr(variable, "group", None),
            )
        )
    kinds = {target.kind for target in targets}
    if "id" not in kinds:
        targets.insert(0, _Target(ID_COLUMN, "id", None, required=False, declared=False))
    if "duration" not in kinds:
        targets.append(_Target(DURATION_COLUMN, "duration", None, required=False, declared=False))
    return targets


def _texts(mapping: Any) -> list[str]:
    return [text for text in (mapping or {}).values() if isinstance(text, str) and text.strip()]


def _option_keys(target: _Target, position: int) -> set[str]:
    """How a multiple-choice option may be named in a header: label, code, 1-based position."""
    variable = target.variable
    keys = {str(position), target.code[len(target.group) + 1 :].casefold()}
    for text in _texts(getattr(variable, "label", None)):
        keys.add(header_key(text))
        keys.update(header_key(tail) for _, tail in _splits(text)[:1])
    for text in _texts(variable.question):
        bracket = _TRAILING_BRACKET.match(nfkc(text))
        if bracket:
            keys.add(header_key(bracket.group(2)))
    return {key for key in keys if key}


@dataclass
class _Group:
    """A multiple-choice question: one 0/1 target per option."""

    code: str
    options: list[_Target]
    stems: set[str]
    option_keys: dict[str, _Target]


def _groups(targets: Sequence[_Target]) -> dict[str, _Group]:
    groups: dict[str, _Group] = {}
    for target in targets:
        if target.group is None:
            continue
        group = groups.setdefault(target.group, _Group(target.group, [], set(), {}))
        group.options.append(target)
        for text in _texts(target.variable.question):
            group.stems.add(header_key(text))
            bracket = _TRAILING_BRACKET.match(nfkc(text))
            if bracket:
                group.stems.add(header_key(bracket.group(1)))
        for text in _texts(getattr(target.variable, "label", None)):
            group.stems.update(header_key(stem) for stem, _ in _splits(text)[:1])
        group.stems.add(target.group.casefold())
    for group in groups.values():
        for position, target in enumerate(group.options, 1):
            for key in _option_keys(target, position):
                group.option_keys.setdefault(key, target)
    return groups


class _Matcher:
    """Finds the variable a header names."""

    def __init__(self, instrument: Any) -> None:
        self.targets = _targets(instrument)
        self.groups = _groups(self.targets)
        self.by_code = {target.code.casefold(): target for target in self.targets}
        by_text: dict[str, list[_Target]] = {}
        for target in self.targets:
            if target.variable is None or target.group is not None:
                continue
            texts = _texts(target.variable.question) + _texts(
                getattr(target.variable, "label", None)
            )
            for key in {header_key(text) for text in texts}:
                by_text.setdefault(key, []).append(target)
        self.by_text = {key: found[0] for key, found in by_text.items() if len(found) == 1}
        self.by_stem = {stem: group for group in self.groups.values() for stem in group.stems}
        self.aliases = {}
        for target in self.targets:
            names = {"id": ID_ALIASES, "duration": DURATION_ALIASES}.get(target.kind, ())
            self.aliases.update({header_key(name): target for name in names})

    def match(self, header: str) -> tuple[_Target | _Group, str] | None:
        """The target (or multiple-choice group) ``header`` names and how, or None."""
        code = self.by_code.get(nfkc(header).casefold())
        if code is not None:
            return code, "code"
        key = header_key(header)
        if key in self.by_text:
            return self.by_text[key], "question text"
        if key in self.by_stem:
            return self.by_stem[key], "question text, all options in one column"
        for stem, tail in _splits(header):
            group = self.by_stem.get(header_key(stem)) or self.by_stem.get(nfkc(stem).casefold())
            if group is not None and header_key(tail) in group.option_keys:
                return group.option_keys[header_key(tail)], "question text and option"
            if header_key(tail) in self.by_text:
                return self.by_text[header_key(tail)], "question text"
        return None

    def alias(self, header: str) -> _Target | None:
        """The metadata target a platform column (序号, 所用时间) stands for, or None."""
        return self.aliases.get(header_key(header))

    def score(self, headers: Sequence[str]) -> int:
        """How many targets the headers name (to choose between header layouts)."""
        found = set()
        for header in headers:
            match = self.match(header)
            if match is not None:
                found.add(match[0].code)
            elif self.alias(header) is not None:
                found.add(self.alias(header).code)
        return len(found)

    def suggest(self, header: str) -> str | None:
        """The code closest to an unmatched header, for messages."""
        close = difflib.get_close_matches(nfkc(header).casefold(), self.by_code, n=1, cutoff=0.75)
        return self.by_code[close[0]].code if close else None


# --------------------------------------------------------------------------------------------
# Reading the cells


def _fail(path: Path, problem: str, fix: str) -> ResponsesError:
    return ResponsesError(f"The responses file {display_path(path)} {problem} {fix}")


_AS_CSV_UTF8 = (
    "as CSV UTF-8 (in Excel: File > Save As > 'CSV UTF-8 (Comma delimited)'; in WPS: "
    "'CSV UTF-8'), or as an .xlsx workbook, and read that file."
)
_SAVE_AS = f"Save it {_AS_CSV_UTF8}"
_DELIMITERS = {",": "commas", "\t": "tabs", ";": "semicolons"}


def _decode(raw: bytes, path: Path) -> tuple[str, str, list[str]]:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail(
            path,
            "is UTF-16 text (Excel's 'Unicode Text' format), which is not read.",
            _SAVE_AS,
        )
    if raw.startswith(b"PK\x03\x04"):
        raise _fail(
            path,
            "is a ZIP archive, not a text file: probably an Excel workbook (.xlsx) whose name "
            "ends in .csv or .txt.",
            f"Rename it to .xlsx if it is a workbook; otherwise save it {_AS_CSV_UTF8}",
        )
    if b"\x00" in raw[:4096]:
        raise _fail(
            path,
            "holds NUL bytes: it is a binary file (or UTF-16 text without a byte-order mark), "
            "not CSV text.",
            _SAVE_AS,
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        bom = raw.startswith(b"\xef\xbb\xbf")
        return text, "utf-8-sig" if bom else "utf-8", []
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError as error:
        raise _fail(
            path,
            f"is neither UTF-8 nor GBK/GB18030 text (undecodable byte {raw[error.start]:#04x} at "
            f"offset {error.start}).",
            _SAVE_AS,
        ) from error
    return (
        text,
        "gb18030",
        [
            "Read as GB18030 (GBK), the encoding Excel and WPS use for 'CSV' on Chinese Windows; "
            "saving as 'CSV UTF-8' avoids the guess."
        ],
    )


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: first.count(sep) for sep in _DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


@dataclass
class _Cells:
    """A file's non-empty rows as text, with the number of each row in the file."""

    rows: list[list[str]]
    numbers: list[int]
    notes: list[str]
    encoding: str | None = None
    sheet: str | None = None


def _parse_csv(path: Path, raw: bytes) -> _Cells:
    text, encoding, notes = _decode(raw, path)
    delimiter = _delimiter(text)
    if delimiter != ",":
        notes.append(f"Fields are separated by {_DELIMITERS[delimiter]}.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows, numbers, line = [], [], 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                rows.append(record)
                numbers.append(line)
            line = reader.line_num + 1
    except csv.Error as error:
        raise _fail(
            path,
            f"cannot be read as CSV at row {reader.line_num} ({error}): the file may be cut "
            "short, or a cell holds an unmatched quotation mark.",
            "Export or copy the file again; if it was edited by hand, close the quotation "
            "marks or save it from Excel as 'CSV UTF-8'.",
        ) from error
    _check_widths(path, rows, numbers)
    return _Cells(rows, numbers, notes, encoding=encoding)


def _check_widths(path: Path, rows: list[list[str]], numbers: list[int]) -> None:
    if not rows:
        return
    width = len(rows[0])
    for index, (row, number) in enumerate(zip(rows, numbers, strict=True)):
        if len(row) > width and not any(cell.strip() for cell in row[width:]):
            del row[width:]
        if len(row) == width:
            continue
        last = index == len(rows) - 1
        if len(row) < width and last:
            raise _fail(
                path,
                f"ends with an incomplete row: row {number}, the last, has {len(row)} field(s) "
                f"where the header has {width}. The file looks cut short (an interrupted "
                "download or copy).",
                "Export or copy the file again and check that the last respondent is complete.",
            )
        raise _fail(
            path,
            f"has {len(row)} field(s) on row {number} where the header has {width} (rows "
            "counted as in the file).",
            "A cell with an unquoted comma or line break, or a row cut short, causes this: "
            "export the file again from the survey platform or save it from Excel as "
            "'CSV UTF-8'.",
        )


def _worksheet(path: Path, names: list[str], sheet: str | int | None) -> str:
    if sheet is None:
        return names[0]
    if isinstance(sheet, int) and not isinstance(sheet, bool) and 0 <= sheet < len(names):
        return names[sheet]
    if sheet in names:
        return sheet
    raise _fail(path, f"has no worksheet {sheet!r}.", f"Pass sheet= one of {names}.")


def _read_xlsx(path: Path, sheet: str | int | None) -> _Cells:
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            names = list(book.sheet_names)
            chosen = _worksheet(path, names, sheet)
            frame = pd.read_excel(
                book,
                sheet_name=chosen,
                header=None,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
            )
    except ResponsesError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise _fail(
            path,
            f"cannot be read as an Excel workbook ({type(error).__name__}: {error}).",
            "Open it in Excel or WPS and save it again as .xlsx (an old .xls, or a CSV renamed "
            "to .xlsx, is not such a workbook), or save it as CSV UTF-8.",
        ) from error
    notes = []
    if len(names) > 1 and sheet is None:
        notes.append(
            f"Read the first worksheet {chosen!r} of {len(names)} ({names}); pass sheet= to "
            "read another."
        )
    rows, numbers = [], []
    for position, row in enumerate(frame.itertuples(index=False), 1):
        cells = ["" if pd.isna(cell) else str(cell) for cell in row]
        if any(cell.strip() for cell in cells):
            rows.append(cells)
            numbers.append(position)
    return _Cells(rows, numbers, notes, sheet=str(chosen))


def _sav_text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_sav(path: Path) -> tuple[_Cells, list[str], dict[str, str], dict[str, dict]]:
    try:
        frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, UnicodeError) as error:
        raise _fail(
            path,
            f"cannot be read as an SPSS data file ({type(error).__name__}: {error}).",
            "Save it again from SPSS (File > Save As > SPSS Statistics .sav), or export the "
            "responses as CSV UTF-8.",
        ) from error
    names = [str(name) for name in frame.columns]
    labels = {
        name: label
        for name, label in zip(names, meta.column_labels, strict=True)
        if isinstance(label, str) and label.strip()
    }
    rows = [[_sav_text(value) for value in row] for row in frame.itertuples(index=False)]
    cells = _Cells(rows, list(range(1, len(rows) + 1)), [])
    return cells, names, labels, dict(meta.variable_value_labels)


# --------------------------------------------------------------------------------------------
# Headers


def _combine(first: list[str], second: list[str], matcher: _Matcher) -> list[str]:
    """Two header rows as one: a question spanning merged cells above its options."""
    headers, stem = [], ""
    for top, sub in zip(first, second, strict=False):
        top, sub = top.strip(), sub.strip()
        stem = top or (stem if sub else "")
        joined = f"{stem}({sub})" if stem and sub else stem or sub
        candidates = [joined, top, sub]
        headers.append(next((c for c in candidates if c and matcher.match(c)), joined))
    return headers


def _layout(cells: _Cells, matcher: _Matcher) -> tuple[int, list[str], str | None]:
    """Header rows to skip, the headers, and a note on the layout if it is not one plain row."""
    rows = cells.rows
    if not rows:
        return 0, [], None
    width = len(rows[0])
    padded = [row + [""] * (width - len(row)) for row in rows[:3]]
    options: list[tuple[int, list[str], str | None]] = [(1, padded[0], None)]
    if len(rows) >= 2 and sum(1 for cell in padded[0] if cell.strip()) <= 1:
        title = padded[0][0].strip() or next(cell for cell in padded[0] if cell.strip())
        options.append(
            (2, padded[1], f"The first row ({title!r}) is a title; the header is the row below it.")
        )
    if len(rows) >= 2:
        options.append(
            (
                2,
                _combine(padded[0], padded[1], matcher),
                "Two header rows found (questions above options, as survey platforms export "
                "merged headers); each column is named 'question(option)'.",
            )
        )
    return max(options, key=lambda option: matcher.score(option[1]))


def _unique(headers: list[str]) -> list[str]:
    return [header.strip() or f"(unnamed column {i})" for i, header in enumerate(headers, 1)]


# --------------------------------------------------------------------------------------------
# Matching columns to variables


@dataclass
class _Column:
    position: int
    header: str
    how: str


def _assign(
    headers: Sequence[str], matcher: _Matcher, path: Path, labels: Mapping[str, str]
) -> tuple[dict[str, _Column], dict[str, _Column], list[int]]:
    """Columns of targets and of whole multiple-choice groups, and the unmatched positions."""
    found: dict[str, list[_Column]] = {}
    groups: dict[str, list[_Column]] = {}
    unmatched = []
    for position, header in enumerate(headers):
        match = matcher.match(header)
        if match is None and header in labels:
            match = matcher.match(labels[header])
            if match is not None:
                match = (match[0], f"SPSS variable label ({match[1]})")
        if match is None:
            unmatched.append(position)
            continue
        target, how = match
        into = groups if isinstance(target, _Group) else found
        into.setdefault(target.code, []).append(_Column(position, header, how))
    for position in list(unmatched):
        target = matcher.alias(headers[position])
        if target is not None and target.code not in found:
            found[target.code] = [_Column(position, headers[position], "platform column")]
            unmatched.remove(position)
    for code, columns in {**found, **groups}.items():
        if len(columns) > 1:
            named = ", ".join(f"{column.header!r} (by {column.how})" for column in columns)
            raise _fail(
                path,
                f"has {len(columns)} columns for the variable {code!r}: {named}.",
                "Keep one of them: delete or rename the others.",
            )
    return (
        {code: columns[0] for code, columns in found.items()},
        {code: columns[0] for code, columns in groups.items()},
        unmatched,
    )


def _required(matcher: _Matcher, required: Sequence[str] | None) -> set[str]:
    if required is None:
        return {target.code for target in matcher.targets if target.required}
    unknown = [code for code in required if code.casefold() not in matcher.by_code]
    if unknown or isinstance(required, str):
        raise ValueError(
            "The 'required' parameter of read_response_file must be a list of variable codes "
            f"of the instrument. Got {required!r}"
            + (f", where {unknown} are not variables." if unknown else ".")
        )
    return set(required)


def _check_required(
    required: set[str],
    found: Mapping[str, _Column],
    groups: Mapping[str, _Column],
    unmatched: Sequence[str],
    matcher: _Matcher,
    path: Path,
    instrument: Any,
) -> None:
    missing = [
        target.code
        for target in matcher.targets
        if target.code in required and target.code not in found and target.group not in groups
    ]
    if not missing:
        return
    hints = []
    for header in unmatched[:HINTS_SHOWN]:
        close = matcher.suggest(header)
        hints.append(f"{header!r} (close to {close!r})" if close else repr(header))
    if len(unmatched) > HINTS_SHOWN:
        hints.append(f"and {len(unmatched) - HINTS_SHOWN} more")
    others = f" Its columns that match no variable: {', '.join(hints)}." if hints else ""
    raise ResponsesError(
        f"The responses file {display_path(path)} lacks the column(s) {missing} of the "
        f"instrument {display_path(instrument.path)}.{others} Add them (one column per "
        "variable, headed by its code or its question text; leave cells empty for item "
        "nonresponse), or point survey.responses in config/config.yaml to the right file. "
        "See docs/response-files.md for how headers are matched."
    )


# --------------------------------------------------------------------------------------------
# Values


@dataclass
class _Problem:
    """Cells of one column that could not be read."""

    column: _Column
    code: str
    positions: list[int]
    values: list[str]
    what: str
    fix: str


def _label_map(target: _Target, option_label: bool) -> dict[str, int]:
    labels: dict[str, int] = {}
    clashes = set()
    for value in getattr(target.variable, "values", ()) or ():
        for text in _texts(value.label):
            key = loose_key(text)
            if labels.get(key, value.code) != value.code:
                clashes.add(key)
            labels[key] = value.code
    if target.group is not None:
        for word, code in CHOICE_WORDS.items():
            labels.setdefault(loose_key(word), code)
        if option_label:
            for text in _texts(getattr(target.variable, "label", None)):
                labels.setdefault(loose_key(text), 1)
                for _, option in _splits(text)[:1]:
                    labels.setdefault(loose_key(option), 1)
    return {key: code for key, code in labels.items() if key not in clashes}


def _is_missing(text: str) -> bool:
    return not text.strip() or nfkc(text) in SKIP_MARKERS


def _code(text: str, labels: Mapping[str, int]) -> int | None:
    stripped = text.strip()
    if _INTEGER.fullmatch(stripped):
        return int(float(stripped))
    return labels.get(loose_key(stripped))


def _parsed(texts: Sequence[str], parse: Callable[[str], Any]) -> tuple[list[Any], list[int]]:
    """Cells parsed (missing ones as NA), and the positions parse refused.

    A cell's value depends on its text alone, so each distinct text is parsed once and the
    result spread to the cells that hold it: a column of 400,000 answers holds a handful of
    texts, and parsing cell by cell in Python made reading a large file slow (issue #9).
    """
    positions, distinct = pd.factorize(np.asarray(texts, dtype=object), use_na_sentinel=False)
    parsed = np.empty(len(distinct), dtype=object)
    refused = np.zeros(len(distinct), dtype=bool)
    for index, text in enumerate(distinct):
        value = None if _is_missing(text) else parse(text)
        refused[index] = value is None and not _is_missing(text)
        parsed[index] = pd.NA if value is None else value
    return parsed[positions].tolist(), np.flatnonzero(refused[positions]).tolist()


def duration_seconds(text: str) -> float | None:
    """Seconds in a completion time as platforms write it, or None if it is not one.

    Examples
    --------
    >>> [duration_seconds(t) for t in ["125", "125秒", "2分5秒", "00:02:05", "1小时"]]
    [125.0, 125.0, 125.0, 125.0, 3600.0]
    """
    text = nfkc(text).casefold().replace(" ", "")
    if _NUMBER.fullmatch(text):
        return float(text)
    clock = _CLOCK.fullmatch(text)
    if clock:
        hours, minutes, seconds = clock.groups()
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    units = _UNITS.fullmatch(text)
    if units and any(units.groups()):
        hours, minutes, seconds = (float(part or 0) for part in units.groups())
        return hours * 3600 + minutes * 60 + seconds
    return None


def _split_choices(texts: Sequence[str], group: _Group) -> tuple[dict[str, list[Any]], list[int]]:
    """One column holding the chosen options of a multiple-choice question, as 0/1 columns."""
    columns: dict[str, list[Any]] = {target.code: [] for target in group.options}
    bad = []
    pattern = f"[{re.escape(CHOICE_SEPARATORS)}]"
    for position, text in enumerate(texts):
        if _is_missing(text):
            chosen = None
        else:
            parts = [part for part in re.split(pattern, text) if part.strip()]
            chosen = [group.option_keys.get(header_key(part)) for part in parts]
            if None in chosen:
                bad.append(position)
                chosen = None
        for target in group.options:
            if chosen is None:
                columns[target.code].append(pd.NA)
            else:
                columns[target.code].append(int(any(c is target for c in chosen)))
    return columns, bad


def _fill_unchosen(data: dict[str, list[Any]], groups: Mapping[str, _Group]) -> list[str]:
    """Blank option cells beside a chosen option are 'not chosen' (0); returns notes."""
    notes = []
    for group in groups.values():
        codes = [target.code for target in group.options if target.code in data]
        filled = 0
        for row in range(len(data[codes[0]]) if codes else 0):
            cells = [data[code][row] for code in codes]
            if any(cell is not pd.NA and cell == 1 for cell in cells):
                for code in codes:
                    if data[code][row] is pd.NA:
                        data[code][row] = 0
                        filled += 1
        if filled:
            notes.append(
                f"{filled} empty option cell(s) of the multiple-choice question {group.code!r} "
                "in rows where another option was chosen were read as 0 (not chosen)."
            )
    return notes


def _shown(text: str) -> str:
    kinds = identifier_kinds(text)
    if kinds:
        return f"<{' / '.join(KINDS[kind] for kind in sorted(kinds))}: not shown>"
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _how_to_answer(target: _Target) -> str:
    values = list(getattr(target.variable, "values", ()) or ())
    if not values:
        return "Write 1 (chosen) or 0 (not chosen), or 选中/未选中"
    first = values[0]
    labels = " or ".join(repr(text) for text in _texts(first.label))
    return (
        f"Write an answer code {[value.code for value in values]} or its label in Chinese or "
        f"English (such as {labels} for {first.code})"
    )


def _message(problem: _Problem, path: Path, rows: Sequence[int], unit: str) -> str:
    first = list(zip(problem.positions, problem.values, strict=True))[:ROWS_SHOWN]
    shown = ", ".join(f"{unit} {rows[position]}: {_shown(value)}" for position, value in first)
    extra = len(problem.positions) - ROWS_SHOWN
    more = f" and {extra} more" if extra > 0 else ""
    counted = (
        "cases numbered as in SPSS"
        if unit == "case"
        else "rows numbered as in the file, header rows counted"
    )
    return (
        f"Column {_named(problem.column.header, problem.code)} of {display_path(path)} holds "
        f"{len(problem.positions)} value(s) that {problem.what}: {shown}{more} ({counted}). "
        f"{problem.fix}"
    )


def _named(header: str, code: str) -> str:
    """A column as messages name it: its header, and its variable when that differs."""
    return repr(header) if header == code else f"{header!r} (variable {code!r})"


def _convert(
    table: pd.DataFrame,
    matcher: _Matcher,
    found: Mapping[str, _Column],
    groups: Mapping[str, _Column],
    instrument: Any,
) -> tuple[dict[str, list[Any]], list[_Problem], list[str]]:
    data: dict[str, list[Any]] = {}
    problems: list[_Problem] = []

    def texts(column: _Column) -> list[str]:
        return [str(value) for value in table.iloc[:, column.position]]

    instrument_file = display_path(instrument.path)
    for target in matcher.targets:
        column = found.get(target.code)
        if column is None:
            continue
        cells = texts(column)
        if target.kind == "coded":
            labels = _label_map(target, option_label=True)
            values, bad = _parsed(cells, lambda text, labels=labels: _code(text, labels))
            what = f"are neither answer codes nor answer labels of {target.code!r}"
            fix = (
                f"{_how_to_answer(target)}, or leave the cell empty for item nonresponse; a new "
                f"answer option must first be declared under 'values' of {target.code!r} in "
                f"{instrument_file}."
            )
        elif target.kind == "duration":
            values, bad = _parsed(cells, duration_seconds)
            what = "are not completion times"
            fix = (
                "Write seconds as a number ('125'), as '125秒', '2分5秒' or '00:02:05', or leave "
                "the cell empty."
            )
        else:
            values, bad = [text.strip() or pd.NA for text in cells], []
            what = fix = ""
        data[target.code] = values
        if bad:
            problems.append(_Problem(column, target.code, bad, [cells[i] for i in bad], what, fix))
    for code, column in groups.items():
        cells = texts(column)
        split, bad = _split_choices(cells, matcher.groups[code])
        data.update(split)
        if bad:
            labels = [
                _texts(getattr(t.variable, "label", None))[:1] or [t.code]
                for t in matcher.groups[code].options
            ]
            problems.append(
                _Problem(
                    column,
                    code,
                    bad,
                    [cells[i] for i in bad],
                    f"are not options of {code!r}",
                    "Write the chosen options' labels separated by '┋' (as 问卷星 does) or '|' "
                    f"(options: {[label[0] for label in labels]}), or export one column per "
                    "option.",
                )
            )
    notes = _fill_unchosen(data, matcher.groups)
    return data, problems, notes


_DTYPES = {"coded": "Int64", "duration": "Float64", "id": "string", "text": "string"}


def _frame(data: Mapping[str, list[Any]], matcher: _Matcher, n: int) -> pd.DataFrame:
    columns = {}
    for target in matcher.targets:
        if target.code in data:
            columns[target.code] = pd.array(data[target.code], dtype=_DTYPES[target.kind])
        elif target.declared:
            columns[target.code] = pd.array([pd.NA] * n, dtype=_DTYPES[target.kind])
    return pd.DataFrame(columns, index=pd.RangeIndex(n))


def _sav_label_problems(
    path: Path,
    table: pd.DataFrame,
    found: Mapping[str, _Column],
    matcher: _Matcher,
    value_labels: Mapping[str, Mapping[Any, str]],
    instrument: Any,
) -> list[str]:
    """SPSS value labels that contradict the instrument's codes (a file coded differently)."""
    problems = []
    for target in matcher.targets:
        column = found.get(target.code)
        if column is None or target.kind != "coded" or column.header not in value_labels:
            continue
        labels = _label_map(target, option_label=False)
        present = {str(value) for value in table.iloc[:, column.position]}
        clashes = [
            (int(code), text, labels[loose_key(text)])
            for code, text in value_labels[column.header].items()
            if isinstance(code, int | float)
            and loose_key(text) in labels
            and labels[loose_key(text)] != code
            and _sav_text(code) in present
        ]
        if clashes:
            listed = ", ".join(
                f"{code} = {text!r} (instrument: {ours})" for code, text, ours in clashes
            )
            problems.append(
                f"Column {_named(column.header, target.code)} of {display_path(path)} codes "
                "answers differently from "
                f"{display_path(instrument.path)}: {listed}. Recode the variable in SPSS to "
                "the instrument's codes (Transform > Recode into Same Variables), or export the "
                "responses with labels instead of codes."
            )
    return problems


# --------------------------------------------------------------------------------------------
# The entry point


def _sha256(path: Path) -> tuple[bytes, str]:
    with path.open("rb") as stream:
        raw = stream.read()
    return raw, hashlib.sha256(raw).hexdigest()


def _read_cells(
    path: Path, fmt: str, raw: bytes, sheet: str | int | None
) -> tuple[_Cells, list[str] | None, dict[str, str], dict[str, dict]]:
    if fmt == "sav":
        return _read_sav(path)
    cells = _parse_csv(path, raw) if fmt == "csv" else _read_xlsx(path, sheet)
    if not cells.rows:
        where = f"(worksheet {cells.sheet!r}) " if cells.sheet else ""
        raise _fail(
            path,
            f"{where}is empty.",
            "It needs a header row naming the columns, then one row per respondent.",
        )
    return cells, None, {}, {}


def read_response_file(
    path: str | Path,
    instrument: Any,
    *,
    sheet: str | int | None = None,
    required: Sequence[str] | None = None,
) -> IngestResult:
    """Read a raw responses file and name its columns and answers by the instrument.

    Formats, by suffix: ``.csv`` and ``.txt`` (comma-, tab- or semicolon-separated; UTF-8,
    UTF-8 with a byte-order mark, or GBK/GB18030 as Chinese Excel, WPS and survey platforms
    save it; tried in that order, strictly), ``.xlsx`` (one worksheet, every cell read as text)
    and ``.sav`` (SPSS; codes, or labels in string variables; user-missing values are kept).

    Headers: a column belongs to a variable when its header is the variable's code (any case),
    or its question text or short label in Chinese or English, compared without numbering
    ("1、", "Q1.", "第1题"), type tags ("[单选题]"), spaces, punctuation, full-/half-width
    differences and case. A multiple-choice question's options are found as
    ``"question(option)"``, ``"question:option"``, ``"<code>_<option code or position>"`` or
    under a two-row header (question above options, detected when it names more variables
    than the first row alone); a single column of chosen options joined by ``┋`` or ``|`` is
    split into the 0/1 columns. Platform columns 序号 and 所用时间 become ``respondent_id``
    and ``duration_seconds`` when the file has no column named so. For ``.sav``, SPSS variable
    labels are tried after names.

    Values: codes (``"7"``, ``"7.0"``) are kept as they are, labels (Chinese or English,
    compared loosely) become their codes, empty cells and platform skip markers (``(跳过)``,
    ``(空)``) become ``pd.NA``. Declared missing codes (such as 99) are kept: turning them into
    NA, and every judgement of codes, is validation's job.

    Parameters
    ----------
    path : str or Path
        The file; opened for reading only, never written.
    instrument : Instrument
        The questionnaire (:func:`analysis.instrument.load_instrument`); only ``variables`` and
        ``path`` are used.
    sheet : str or int, optional
        Worksheet of an ``.xlsx`` file (name or 0-based position); the first by default.
    required : sequence of str, optional
        Codes of the variables the file must have; by default every variable the instrument
        marks ``required``. Variables not in the file are all-NA columns of :attr:`data`.

    Returns
    -------
    IngestResult
        The data, one column per variable, with how the file was read.

    Raises
    ------
    FileNotFoundError
        If ``path`` is not a file.
    ResponsesError
        If the file's format or encoding is not supported, it is empty, cut short or ragged,
        lacks a variable, has two columns for one variable, or holds values that are neither
        codes nor labels (every such column is reported, with the first rows as numbered in the
        file and a count; identifier-like values are not shown). Each message names the file
        and the fix; ``docs/response-files.md`` lists them.

    Examples
    --------
    >>> import tempfile
    >>> from analysis.instrument import load_instrument
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> path = Path(tempfile.mkdtemp()) / "export.csv"
    >>> text = "序号,所用时间,1、您的性别是？\\n1,2分5秒,女\\n2,98秒,(跳过)\\n"
    >>> _ = path.write_text(text, encoding="gbk")
    >>> result = read_response_file(path, instrument, required=["gender"])
    >>> result.data[["respondent_id", "duration_seconds", "gender"]]
      respondent_id  duration_seconds  gender
    0             1             125.0       2
    1             2              98.0    <NA>
    >>> result.source.encoding, result.column_map["1、您的性别是？"]
    ('gb18030', 'gender')
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"The responses file {display_path(path)} does not exist.")
    fmt = FORMATS.get(path.suffix.casefold())
    if fmt is None:
        raise _fail(
            path,
            f"has the suffix {path.suffix!r}, which is not read (accepted: {sorted(FORMATS)}).",
            "Open it in Excel or WPS and save it as CSV UTF-8 or as an .xlsx workbook, and read "
            "that file.",
        )
    if sheet is not None and fmt != "xlsx":
        raise ValueError(
            "The 'sheet' parameter of read_response_file applies to .xlsx files only. Got "
            f"sheet={sheet!r} for {display_path(path)}."
        )
    raw, digest = _sha256(path)
    matcher = _Matcher(instrument)
    cells, names, labels, value_labels = _read_cells(path, fmt, raw, sheet)
    notes = list(cells.notes)
    if names is None:
        skip, headers, layout_note = _layout(cells, matcher)
        if layout_note:
            notes.append(layout_note)
        rows, numbers = cells.rows[skip:], cells.numbers[skip:]
        header_rows = skip
    else:
        headers, rows, numbers, header_rows = names, cells.rows, cells.numbers, 0
    headers = _unique(headers)
    width = len(headers)
    table = pd.DataFrame(
        [row[:width] + [""] * (width - len(row)) for row in rows],
        columns=pd.Index(headers, dtype=object),
        dtype=object,
    ).reset_index(drop=True)
    if not rows:
        notes.append("The file has a header but no data rows: no respondents.")
    found, groups, unmatched_positions = _assign(headers, matcher, path, labels)
    unmatched = [headers[position] for position in unmatched_positions]
    _check_required(
        _required(matcher, required), found, groups, unmatched, matcher, path, instrument
    )
    data, problems, fill_notes = _convert(table, matcher, found, groups, instrument)
    unit = "case" if fmt == "sav" else "row"
    messages = [_message(problem, path, numbers, unit) for problem in problems]
    if fmt == "sav":
        messages += _sav_label_problems(path, table, found, matcher, value_labels, instrument)
    if messages:
        raise ResponsesError("\n".join(messages))
    notes += fill_notes
    if unmatched:
        notes.append(
            f"{len(unmatched)} column(s) match no variable and are left out of the data: "
            f"{unmatched}."
        )
    by_position = {column.position: code for code, column in {**found, **groups}.items()}
    column_map = {headers[i]: by_position[i] for i in sorted(by_position)}
    source = SourceInfo(
        path=path,
        format=fmt,
        encoding=cells.encoding,
        sha256=digest,
        header_rows=header_rows,
        sheet=cells.sheet,
        column_labels=labels,
        row_unit=unit,
    )
    return IngestResult(
        data=_frame(data, matcher, len(rows)),
        source=source,
        column_map=column_map,
        unmatched_columns=unmatched,
        notes=notes,
        table=table,
        file_rows=tuple(numbers),
    )
