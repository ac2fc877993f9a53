"""Expected results and the number-by-number comparison a data editor makes.

A *snapshot* is the compact, reviewable form of a run's results: what ``expected/`` holds in
the repository, and what ``verify`` makes of a fresh run before comparing the two::

    values.json        every in-text number: key -> {value, text, source}
    tables/<name>.csv  every table, unrounded, as the results store wrote it
    figures/<name>.json the numbers and labels each figure draws
    manifest.json      sha256 of every output file that should be byte-identical across runs,
                       the configuration of the run, and the machine and environment it ran on

:func:`quantities` flattens a snapshot to one row per compared quantity (an in-text value and
its printed text, a table cell, a number or label of a figure, a configuration key), and
:func:`compare` puts two snapshots side by side with the tolerance of each quantity
(:func:`load_tolerances`, from ``expected/tolerances.yaml``): integers and text exactly, other
numbers within ``atol + rtol * |expected|``.
"""

from __future__ import annotations

import csv
import fnmatch
import json
import math
import os
import platform
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from analysis.config import REPO_ROOT
from analysis.files import write_json
from analysis.provenance import file_sha256

EXPECTED_DIR = REPO_ROOT / "expected"
TOLERANCES_FILE = "tolerances.yaml"
VALUES = "values.json"
TABLES = "tables"
FIGURES = "figures"
MANIFEST = "manifest.json"
#: Snapshot entries that ``accept`` replaces; ``tolerances.yaml`` and ``README.md`` are edited
#: by hand.
SNAPSHOT_ENTRIES = (VALUES, TABLES, FIGURES, MANIFEST)
#: Output files (relative to the run folder) that a rerun must reproduce byte for byte. Left
#: out: executed notebooks and the provenance record (they hold run times and dates by design)
#: and the logs.
BYTE_STABLE = (
    "data/*",
    "results/values.json",
    "results/index.json",
    "results/fragments/*.json",
    "results/tables/*",
    "results/figures/*",
    "results/questionnaire/*",
    "questionnaire/*",
    "paper/*",
)
#: Statuses of a compared quantity; only ``ok`` passes.
STATUSES = ("ok", "differs", "missing", "unexpected")


class ReplicationError(Exception):
    """A snapshot or tolerance file cannot be read; the message names the file and the fix."""


# --- snapshots -----------------------------------------------------------------------------


def byte_stable_files(run_dir: Path) -> list[Path]:
    """The output files of a run that a rerun must reproduce byte for byte, sorted."""
    found = {path for pattern in BYTE_STABLE for path in run_dir.glob(pattern) if path.is_file()}
    return sorted(found)


def environment() -> dict[str, Any]:
    """The machine and software a run used: what the report prints beside the results."""
    lock = REPO_ROOT / "requirements.lock"
    memory = None
    if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names:
        memory = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    return {
        "lock_sha256": file_sha256(lock) if lock.is_file() else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpus": os.cpu_count(),
        "memory_gib": memory,
    }


def make_snapshot(run_dir: str | Path, target: str | Path, *, config: Mapping[str, Any]) -> Path:
    """Write the snapshot of a finished run to ``target`` (replacing the snapshot entries).

    Parameters
    ----------
    run_dir : str or PathLike
        The run's output folder (holding ``results/values.json``).
    target : str or PathLike
        The snapshot folder; its ``values.json``, ``tables/``, ``figures/`` and
        ``manifest.json`` are replaced, other files (``tolerances.yaml``) are kept.
    config : mapping
        The run's configuration as plain data (``RunConfig.as_dict()``); ``output_dir`` is
        left out, since every verification runs in a folder of its own.

    Returns
    -------
    Path
        ``target``.
    """
    run_dir, target = Path(run_dir), Path(target)
    results = run_dir / "results"
    if not (results / "values.json").is_file():
        raise ReplicationError(
            f"{results / 'values.json'} does not exist: the run in {run_dir} did not finish. "
            "Run the study to the end first (python3 reproduce.py)."
        )
    values = json.loads((results / "values.json").read_text(encoding="utf-8"))
    staging = target / ".snapshot.part"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / TABLES).mkdir(parents=True)
    (staging / FIGURES).mkdir(parents=True)
    write_json(
        staging / VALUES,
        {
            key: {"value": entry["value"], "text": entry["text"], "source": entry["source"]}
            for key, entry in values.items()
        },
    )
    for path in sorted((results / "tables").glob("*.csv")):
        shutil.copyfile(path, staging / TABLES / path.name)
    for path in sorted((results / "figures").glob("*.json")):
        shutil.copyfile(path, staging / FIGURES / path.name)
    manifest = {
        "config": {key: value for key, value in config.items() if key != "output_dir"},
        "environment": environment(),
        "files": {
            path.relative_to(run_dir).as_posix(): file_sha256(path)
            for path in byte_stable_files(run_dir)
        },
        "sources": _exhibit_sources(results),
    }
    write_json(staging / MANIFEST, manifest)
    for entry in SNAPSHOT_ENTRIES:
        replace_entry(staging / entry, target / entry)
    shutil.rmtree(staging)
    return target


def _exhibit_sources(results: Path) -> dict[str, str]:
    index = json.loads((results / "index.json").read_text(encoding="utf-8"))
    return {
        f"{kind.rstrip('s')}:{name}": entry["source"]
        for kind in ("tables", "figures")
        for name, entry in index.get(kind, {}).items()
    }


def replace_entry(source: Path, target: Path) -> None:
    """Move ``source`` to ``target``, replacing a file or folder there (a folder is moved
    aside first and deleted once the new one is in place)."""
    if target.is_dir():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        os.replace(source, target)
        shutil.rmtree(old)
    else:
        os.replace(source, target)


def read_manifest(snapshot: str | Path) -> dict[str, Any]:
    """The manifest of a snapshot (empty parts when the snapshot does not exist yet)."""
    path = Path(snapshot) / MANIFEST
    if not path.is_file():
        return {"config": {}, "environment": {}, "files": {}, "sources": {}}
    return json.loads(path.read_text(encoding="utf-8"))


# --- quantities --------------------------------------------------------------------------


def _cell(text: str) -> Any:
    """A CSV cell as the number it spells (int or float), text, or None when empty."""
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _flatten(data: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    if isinstance(data, dict):
        for key in sorted(data):
            yield from _flatten(data[key], f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list):
        if not data:
            yield prefix, "[]"
        for position, item in enumerate(data):
            yield from _flatten(item, f"{prefix}[{position}]")
    else:
        yield prefix, data


def _table_quantities(path: Path) -> Iterator[tuple[str, str, Any]]:
    exhibit = f"table:{path.stem}"
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    header, body = (rows[0], rows[1:]) if rows else ([], [])
    yield exhibit, "columns", " | ".join(header)
    yield exhibit, "rows", len(body)
    for number, row in enumerate(body, start=1):
        label = row[0] if row else ""
        for column, text in zip(header, row, strict=False):
            yield exhibit, f"row {number} ({label}) / {column}", _cell(text)


def quantities(snapshot: str | Path) -> pd.DataFrame:
    """Every compared quantity of a snapshot: one row per in-text value, table cell, figure
    number or label, and configuration key.

    Returns
    -------
    DataFrame
        Columns ``exhibit`` (``value:<key>``, ``table:<name>``, ``figure:<name>``, ``config``),
        ``item`` (what inside the exhibit: ``value``, ``text``, ``row 3 (Female) / share``,
        ``axes[0].lines[1].y[4]``, ...) and ``value``; empty when the snapshot does not exist.
    """
    snapshot = Path(snapshot)
    rows: list[tuple[str, str, Any]] = []
    values_path = snapshot / VALUES
    if values_path.is_file():
        values = json.loads(values_path.read_text(encoding="utf-8"))
        for key, entry in values.items():
            rows += [(f"value:{key}", item, v) for item, v in _flatten(entry["value"], "value")]
            rows.append((f"value:{key}", "text", entry["text"]))
    for path in sorted((snapshot / TABLES).glob("*.csv")):
        rows += list(_table_quantities(path))
    for path in sorted((snapshot / FIGURES).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        rows += [(f"figure:{path.stem}", item, v) for item, v in _flatten(data, "")]
    rows += [("config", item, v) for item, v in _flatten(read_manifest(snapshot)["config"], "")]
    return pd.DataFrame(rows, columns=["exhibit", "item", "value"])


# --- tolerances ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tolerance:
    """How far a reproduced number may lie from the expected one: ``atol + rtol * |expected|``.

    Integers (counts) and text are always compared exactly, whatever the tolerance.
    """

    rtol: float
    atol: float
    reason: str
    rule: str

    def allows(self, expected: float, reproduced: float) -> bool:
        """Whether ``reproduced`` is within the tolerance of ``expected``."""
        return abs(reproduced - expected) <= self.atol + self.rtol * abs(expected)

    @property
    def label(self) -> str:
        """The tolerance as the report prints it."""
        return f"rtol {self.rtol:g}, atol {self.atol:g}"


@dataclass(frozen=True)
class Tolerances:
    """The tolerance rules of ``expected/tolerances.yaml``: the first rule that matches an
    exhibit (by its id or by the notebook that made it) applies, else the default."""

    default: Tolerance
    rules: tuple[tuple[tuple[str, ...], tuple[str, ...], Tolerance], ...]

    def for_exhibit(self, exhibit: str, source: str | None) -> Tolerance:
        """The tolerance of every number of one exhibit."""
        for patterns, notebooks, tolerance in self.rules:
            if any(fnmatch.fnmatchcase(exhibit, p) for p in patterns) or (
                source is not None and source in notebooks
            ):
                return tolerance
        return self.default


def _tolerance(raw: Any, where: str, path: Path) -> Tolerance:
    if not isinstance(raw, dict) or not {"rtol", "atol", "reason"} <= set(raw):
        raise ReplicationError(
            f"{path}: {where} must give rtol, atol and reason (why this tolerance). Got {raw!r}."
        )
    try:
        rtol, atol = float(raw["rtol"]), float(raw["atol"])
    except (TypeError, ValueError) as error:
        raise ReplicationError(
            f"{path}: {where}: rtol and atol must be numbers ({error})."
        ) from error
    if not (rtol >= 0 and atol >= 0) or not str(raw["reason"]).strip():
        raise ReplicationError(
            f"{path}: {where}: rtol and atol must be >= 0 and the reason must not be empty."
        )
    return Tolerance(rtol, atol, " ".join(str(raw["reason"]).split()), where)


def load_tolerances(snapshot: str | Path = EXPECTED_DIR) -> Tolerances:
    """Read ``tolerances.yaml`` of a snapshot folder.

    The file has a ``default`` (``rtol``, ``atol``, ``reason``) and a list of ``rules``, each
    with ``exhibits`` (glob patterns over ``value:<key>``, ``table:<name>``,
    ``figure:<name>``) and/or ``notebooks`` (the notebooks whose exhibits it covers), and its
    own ``rtol``, ``atol`` and ``reason``.
    """
    path = Path(snapshot) / TOLERANCES_FILE
    if not path.is_file():
        raise ReplicationError(
            f"{path} does not exist. Restore it from the repository (git checkout -- "
            f"{TOLERANCES_FILE}); every expected number needs a stated tolerance."
        )
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    default = _tolerance(raw.get("default"), "default", path)
    rules = []
    for position, rule in enumerate(raw.get("rules") or [], start=1):
        where = f"rule {position} ({rule.get('name', 'unnamed')})"
        patterns = tuple(rule.get("exhibits") or ())
        notebooks = tuple(rule.get("notebooks") or ())
        if not patterns and not notebooks:
            raise ReplicationError(f"{path}: {where} names no exhibits and no notebooks.")
        rules.append((patterns, notebooks, _tolerance(rule, where, path)))
    return Tolerances(default, tuple(rules))


# --- comparison ----------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _difference(expected: Any, reproduced: Any) -> float | None:
    if _is_number(expected) and _is_number(reproduced):
        return float(reproduced) - float(expected)
    return None


def _status(expected: Any, reproduced: Any, tolerance: Tolerance, present: tuple) -> str:
    in_expected, in_reproduced = present
    if not in_reproduced:
        return "missing"
    if not in_expected:
        return "unexpected"
    if _is_number(expected) and _is_number(reproduced):
        if isinstance(expected, int) and isinstance(reproduced, int):
            return "ok" if expected == reproduced else "differs"
        if math.isnan(expected) or math.isnan(reproduced):
            return "ok" if math.isnan(expected) and math.isnan(reproduced) else "differs"
        return "ok" if tolerance.allows(expected, reproduced) else "differs"
    return "ok" if expected == reproduced else "differs"


def _sources(snapshot: Path) -> dict[str, str]:
    sources = dict(read_manifest(snapshot)["sources"])
    values_path = snapshot / VALUES
    if values_path.is_file():
        values = json.loads(values_path.read_text(encoding="utf-8"))
        sources.update({f"value:{key}": entry["source"] for key, entry in values.items()})
    return sources


def compare(
    expected: str | Path, reproduced: str | Path, tolerances: Tolerances | None = None
) -> pd.DataFrame:
    """Every quantity of two snapshots side by side, with its tolerance and status.

    Parameters
    ----------
    expected, reproduced : str or PathLike
        Snapshot folders (:func:`make_snapshot`).
    tolerances : Tolerances, optional
        Default: :func:`load_tolerances` of `expected`.

    Returns
    -------
    DataFrame
        One row per quantity in either snapshot: ``exhibit``, ``source`` (the notebook),
        ``item``, ``expected``, ``reproduced``, ``difference`` (reproduced - expected, numbers
        only), ``tolerance`` (as printed), ``reason`` and ``status``: ``ok``, ``differs``,
        ``missing`` (expected but not reproduced) or ``unexpected`` (reproduced but not
        expected: accept it, or find why it appeared).
    """
    expected, reproduced = Path(expected), Path(reproduced)
    tolerances = tolerances or load_tolerances(expected)
    sources = {**_sources(reproduced), **_sources(expected)}
    left = quantities(expected).rename(columns={"value": "expected"})
    right = quantities(reproduced).rename(columns={"value": "reproduced"})
    merged = left.merge(right, on=["exhibit", "item"], how="outer", indicator=True, sort=False)
    order = {
        exhibit: position
        for position, exhibit in enumerate(
            dict.fromkeys(list(left["exhibit"]) + list(right["exhibit"]))
        )
    }
    merged = merged.assign(_order=merged["exhibit"].map(order)).sort_values("_order", kind="stable")
    rows = []
    for record in merged.itertuples(index=False):
        source = sources.get(record.exhibit)
        tolerance = tolerances.for_exhibit(record.exhibit, source)
        present = (record._4 != "right_only", record._4 != "left_only")
        expected_value = record.expected if present[0] else None
        reproduced_value = record.reproduced if present[1] else None
        rows.append(
            {
                "exhibit": record.exhibit,
                "source": source or "",
                "item": record.item,
                "expected": expected_value,
                "reproduced": reproduced_value,
                "difference": _difference(expected_value, reproduced_value),
                "tolerance": tolerance.label,
                "reason": tolerance.reason,
                "status": _status(expected_value, reproduced_value, tolerance, present),
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "exhibit",
            "source",
            "item",
            "expected",
            "reproduced",
            "difference",
            "tolerance",
            "reason",
            "status",
        ],
    )
    return frame.assign(difference=pd.to_numeric(frame["difference"]))


def exhibit_summary(comparison: pd.DataFrame) -> pd.DataFrame:
    """One row per exhibit: quantities compared, how many failed, the largest absolute and
    relative difference, the tolerance and the status (``ok`` only if every quantity is)."""
    frame = comparison.assign(
        failed=comparison["status"].ne("ok"),
        abs_difference=comparison["difference"].abs(),
        rel_difference=comparison["difference"].abs()
        / pd.to_numeric(comparison["expected"], errors="coerce").abs().where(lambda s: s > 0),
    )
    grouped = frame.groupby("exhibit", sort=False)
    summary = grouped.agg(
        source=("source", "first"),
        quantities=("item", "size"),
        failed=("failed", "sum"),
        max_abs_difference=("abs_difference", "max"),
        max_rel_difference=("rel_difference", "max"),
        tolerance=("tolerance", "first"),
    ).reset_index()
    worst = grouped["status"].agg(lambda s: next((x for x in STATUSES[1:] if (s == x).any()), "ok"))
    return summary.assign(status=worst.to_numpy())


def file_identity(
    expected: str | Path, reproduced: str | Path, summary: pd.DataFrame
) -> pd.DataFrame:
    """Which output files are byte-identical to the expected run, and what the others are.

    Returns
    -------
    DataFrame
        ``file``, ``status``: ``byte-identical``; ``equal within tolerance`` (bytes differ,
        every number of its exhibit within tolerance); ``differs`` (bytes differ and an exhibit
        of the file failed, or it has no numbers to compare); ``missing``; ``unexpected``.
    """
    want = read_manifest(expected)["files"]
    got = read_manifest(reproduced)["files"]
    exhibit_ok = dict(zip(summary["exhibit"], summary["status"].eq("ok"), strict=True))
    values_ok = all(ok for exhibit, ok in exhibit_ok.items() if exhibit.startswith("value:"))
    rows = []
    for name in sorted(set(want) | set(got)):
        if name not in got:
            status = "missing"
        elif name not in want:
            status = "unexpected"
        elif want[name] == got[name]:
            status = "byte-identical"
        else:
            status = (
                "equal within tolerance"
                if _numbers_agree(name, exhibit_ok, values_ok)
                else "differs"
            )
        rows.append({"file": name, "status": status})
    return pd.DataFrame(rows, columns=["file", "status"])


def _numbers_agree(name: str, exhibit_ok: Mapping[str, bool], values_ok: bool) -> bool:
    path = Path(name)
    if name == "results/values.json":
        return values_ok
    if path.parent.name in ("tables", "figures"):
        return exhibit_ok.get(f"{path.parent.name.rstrip('s')}:{path.stem}", False)
    return False
