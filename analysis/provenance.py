"""Provenance of a run: what made the results, recorded in ``<out>/results/provenance.json``.

The record holds the commit (and whether the working tree was dirty), the Python, platform and
every installed package version, the sha256 of each input file, the configuration, the seeds,
the time each step took and the renderer that made the paper. Paths are relative to the
repository root, so the record holds no machine-specific absolute path.
"""

from __future__ import annotations

import csv
import hashlib
import os
import platform
import subprocess
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, TypeAlias

from analysis.files import write_json

PACKAGE = "crm-citic-zhengzhou"
GIT_TIMEOUT_S = 30
_CHUNK = 1 << 20
StrPath: TypeAlias = str | os.PathLike[str]


def file_sha256(path: StrPath) -> str:
    """The sha256 of a file's bytes, as 64 hex digits.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "abc.txt"
    >>> _ = path.write_bytes(b"abc")
    >>> file_sha256(path)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        for chunk in iter(lambda: stream.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _git(repo_root: StrPath, *args: str) -> str | None:
    """Output of a git command in `repo_root`, or None if git is missing or the command fails."""
    environment = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        result = subprocess.run(
            ["git", "-C", str(repo_root), *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            env=environment,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def git_state(repo_root: StrPath) -> dict[str, Any]:
    """The commit a run used and whether the working tree differed from it.

    Parameters
    ----------
    repo_root : str or PathLike
        The repository root.

    Returns
    -------
    dict
        ``commit`` (full hash), ``dirty`` (True when tracked files are modified or untracked,
        non-ignored files exist) and ``describe`` (``git describe --always --dirty --tags``).
        Each is None when git is not installed, `repo_root` is not a repository, or (commit,
        describe) the repository has no commit yet.

    Examples
    --------
    >>> import tempfile
    >>> git_state(tempfile.mkdtemp())
    {'commit': None, 'dirty': None, 'describe': None}
    """
    status = _git(repo_root, "status", "--porcelain")
    return {
        "commit": _git(repo_root, "rev-parse", "--verify", "HEAD"),
        "dirty": None if status is None else bool(status),
        "describe": _git(repo_root, "describe", "--always", "--dirty", "--tags"),
    }


def package_versions() -> dict[str, str]:
    """Every installed distribution and its version, sorted by name.

    Where a distribution is installed twice on the path, the one imported first is recorded.

    Examples
    --------
    >>> import numpy
    >>> package_versions()["numpy"] == numpy.__version__
    True
    """
    versions: dict[str, str] = {}
    for distribution in metadata.distributions():
        name = distribution.metadata["Name"]
        if name and name not in versions:
            versions[name] = distribution.version
    return dict(sorted(versions.items(), key=lambda item: item[0].lower()))


def _relative(path: Path, repo_root: Path) -> str:
    """`path` relative to `repo_root` (with ``..`` if outside), POSIX separators."""
    try:
        return Path(os.path.relpath(path.resolve(), repo_root.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return path.name


def _input_hashes(input_files: Iterable[StrPath], repo_root: Path) -> dict[str, str]:
    hashes = {}
    for given in input_files:
        path = Path(given) if Path(given).is_absolute() else repo_root / given
        if not path.is_file():
            raise FileNotFoundError(
                "The 'input_files' parameter of build_provenance must list existing files. "
                f"Got {str(given)!r}, which is not a file."
            )
        hashes[_relative(path, repo_root)] = file_sha256(path)
    return dict(sorted(hashes.items()))


def _generated_by() -> str:
    try:
        return f"{PACKAGE} {metadata.version(PACKAGE)}"
    except metadata.PackageNotFoundError:
        return PACKAGE


def build_provenance(
    *,
    repo_root: StrPath,
    config: Mapping[str, Any],
    input_files: Iterable[StrPath],
    seeds: Mapping[str, int],
    timings: Mapping[str, float],
    renderer: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The provenance record of a run.

    Parameters
    ----------
    repo_root : str or PathLike
        The repository root; relative `input_files` are read from it and every path is
        recorded relative to it.
    config : mapping
        The run configuration as plain data (``RunConfig.as_dict()``).
    input_files : iterable of str or PathLike
        Every file the results depend on (instrument, population model, responses, ...).
    seeds : mapping of str to int
        The seeds used, by name.
    timings : mapping of str to float
        Seconds each step took (e.g. from :func:`read_benchmark_timings`).
    renderer : mapping, optional
        What rendered the paper (name, version), or None when the paper was not rendered.

    Returns
    -------
    dict
        ``generated_by``, ``git``, ``python``, ``platform``, ``packages``, ``inputs``
        (relative path -> sha256), ``config``, ``seeds``, ``timings_s`` and ``renderer``.

    Raises
    ------
    FileNotFoundError
        If an input file does not exist.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = (root / "survey.yaml").write_text("items: []\\n", encoding="utf-8")
    >>> record = build_provenance(repo_root=root, config={"seed": 1}, input_files=["survey.yaml"],
    ...                           seeds={"run": 1}, timings={"survey_data": 1.5}, renderer=None)
    >>> list(record["inputs"])
    ['survey.yaml']
    """
    root = Path(repo_root)
    return {
        "generated_by": _generated_by(),
        "git": git_state(root),
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
        },
        "platform": {
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
        },
        "packages": package_versions(),
        "inputs": _input_hashes(input_files, root),
        "config": dict(config),
        "seeds": dict(seeds),
        "timings_s": dict(sorted(timings.items())),
        "renderer": None if renderer is None else dict(renderer),
    }


def write_provenance(path: StrPath, provenance: Mapping[str, Any]) -> Path:
    """Write a provenance record atomically as JSON (sorted keys, indent 2).

    Examples
    --------
    >>> import tempfile
    >>> write_provenance(Path(tempfile.mkdtemp()) / "provenance.json", {"seeds": {}}).name
    'provenance.json'
    """
    return write_json(path, dict(provenance))


def _benchmark_seconds(path: Path) -> float:
    with path.open(encoding="utf-8", newline="") as stream:
        first = next(csv.DictReader(stream, delimiter="\t"), {})
    try:
        return float(first.get("s"))
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"The benchmark file {path.name} must be a Snakemake benchmark TSV with an 's' "
            f"column and a data row. Got first row {first!r}."
        ) from error


def read_benchmark_timings(bench_dir: StrPath) -> dict[str, float]:
    """Seconds per step from Snakemake ``benchmark:`` files.

    Parameters
    ----------
    bench_dir : str or PathLike
        Folder of ``<step>.tsv`` files, each with Snakemake's header (``s``, ``h:m:s``,
        ``max_rss``, ...); the first data row is read (a ``repeat()`` benchmark has more).

    Returns
    -------
    dict
        File stem -> seconds, sorted by stem.

    Raises
    ------
    FileNotFoundError
        If `bench_dir` is not a folder.
    ValueError
        If a file has no ``s`` column or no data row.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "01_sample_profile.tsv").write_text(
    ...     "s\\th:m:s\\tmax_rss\\n3.2107\\t0:00:03\\t120.5\\n", encoding="utf-8")
    >>> read_benchmark_timings(folder)
    {'01_sample_profile': 3.2107}
    """
    folder = Path(bench_dir)
    if not folder.is_dir():
        raise FileNotFoundError(
            "The 'bench_dir' parameter of read_benchmark_timings must be a folder of Snakemake "
            f"benchmark files. Got {str(bench_dir)!r}, which is not a folder."
        )
    return {path.stem: _benchmark_seconds(path) for path in sorted(folder.glob("*.tsv"))}
