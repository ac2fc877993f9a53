"""``verify`` and ``accept``: a data editor's rerun-and-compare, in one command each.

``verify`` runs the whole study in a fresh temporary folder, snapshots its results
(:func:`analysis.replication.make_snapshot`), compares them number by number with the expected
results committed in ``expected/``, and writes the replication report (Markdown, HTML, and the
full comparison as CSV) to ``<output_dir>/replication/``. It exits non-zero on any mismatch,
missing or unexpected quantity.

``accept`` makes the last verified results the expected ones, and only after printing every
difference: a changed result never enters ``expected/`` silently.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from analysis import pipeline
from analysis.checksums import verify_raw_data
from analysis.cli import run_with_progress, snakemake_command
from analysis.config import DEFAULT_CONFIG, REPO_ROOT, RunConfig, display_path, load_config
from analysis.provenance import git_state, read_benchmark_timings
from analysis.replication import (
    EXPECTED_DIR,
    SNAPSHOT_ENTRIES,
    ReplicationError,
    compare,
    environment,
    exhibit_summary,
    file_identity,
    load_tolerances,
    make_snapshot,
    read_manifest,
    replace_entry,
)
from analysis.replication_report import RunFacts, build_sections, verdict, write_report

REPORT_FOLDER = "replication"
REPRODUCED = "reproduced"
#: Differences ``accept`` prints before asking (all are counted).
MAX_PRINTED_CHANGES = 60


def report_dir(config: RunConfig) -> Path:
    """Where ``verify`` writes its report and the reproduced snapshot."""
    return Path(pipeline.output_paths(config).root).resolve() / REPORT_FOLDER


def _run_study(config: RunConfig, config_file: Path, run_dir: Path, cores: int) -> float:
    config = replace(config, output_dir=str(run_dir))
    start = time.perf_counter()
    command = snakemake_command(config, config_file, cores=cores)
    status = run_with_progress(command)
    if status != 0:
        messages = pipeline.error_messages(pipeline.output_paths(config), since=0)
        raise ReplicationError(
            "The study did not run to the end in the verification folder "
            f"{run_dir}, so nothing could be compared.\n\n" + "\n\n".join(messages)
        )
    return time.perf_counter() - start


def verify(
    *,
    config_file: Path = DEFAULT_CONFIG,
    expected: Path = EXPECTED_DIR,
    existing_run: Path | None = None,
    keep: bool = False,
    cores: int = 2,
    out: Path | None = None,
) -> int:
    """Rerun the study in a fresh folder and compare every number with ``expected``.

    Parameters
    ----------
    config_file : Path
        The run configuration (it must be the one the expected results were made with; a
        changed key shows as a mismatch of ``config``).
    expected : Path
        The expected results (``expected/``).
    existing_run : Path, optional
        Compare this finished run folder instead of running the study again.
    keep : bool
        Keep the temporary run folder (it is printed) instead of deleting it.
    cores : int
        Parallel jobs of the run.
    out : Path, optional
        Where to write the report and the reproduced snapshot (default
        ``<output_dir>/replication``).

    Returns
    -------
    int
        0 when every quantity reproduced within its tolerance, 1 otherwise.
    """
    config = load_config(config_file)
    tolerances = load_tolerances(expected)  # before the run: a broken file fails fast
    verify_raw_data()
    folder = out or report_dir(config)
    command = "python3 reproduce.py verify"
    if existing_run is not None:
        run_dir, wall, temporary = Path(existing_run).resolve(), None, None
        command += f" --existing-run {display_path(run_dir)}"
    else:
        temporary = Path(tempfile.mkdtemp(prefix="crm-verify-"))
        run_dir = temporary
        print(f"[verify] Running the whole study in {run_dir} ...", file=sys.stderr, flush=True)
        try:
            wall = _run_study(config, Path(config_file).resolve(), run_dir, cores)
        except ReplicationError:
            if not keep:
                shutil.rmtree(temporary, ignore_errors=True)
            raise
    try:
        reproduced = make_snapshot(run_dir, folder / REPRODUCED, config=config.as_dict())
        comparison = compare(expected, reproduced, tolerances)
        exhibits = exhibit_summary(comparison)
        files = file_identity(expected, reproduced, exhibits)
        timings = pipeline.output_paths(replace(config, output_dir=str(run_dir))).benchmarks
        facts = RunFacts(
            command=command,
            how_run=(
                f"compared the finished run in {display_path(run_dir)}"
                if existing_run is not None
                else "ran the whole study in a fresh temporary folder"
                + (f" (kept: {run_dir})" if keep else "")
            ),
            wall_seconds=wall,
            step_seconds=read_benchmark_timings(timings) if Path(timings).is_dir() else {},
            git=git_state(REPO_ROOT),
            environment=environment(),
            expected_environment=read_manifest(expected).get("environment", {}),
        )
        sections = build_sections(comparison, exhibits, files, tolerances, facts)
        written = write_report(sections, comparison, folder)
    finally:
        if temporary is not None and not keep:
            shutil.rmtree(temporary, ignore_errors=True)
    result = verdict(comparison)
    counts = comparison["status"].value_counts().to_dict()
    print(
        f"[verify] {result}: {len(comparison)} quantities compared; "
        + ", ".join(f"{n} {status}" for status, n in counts.items())
        + f". Report: {display_path(written[0])} and {display_path(written[1])}.",
        file=sys.stderr,
    )
    if keep and temporary is not None:
        print(f"[verify] The run is kept in {run_dir}.", file=sys.stderr)
    return 0 if result == "PASS" else 1


def _describe_changes(comparison: pd.DataFrame) -> list[str]:
    changed = comparison[comparison["status"].ne("ok")]
    lines = []
    for record in changed.head(MAX_PRINTED_CHANGES).itertuples(index=False):
        where = f"{record.exhibit} {record.item}".strip()
        if record.status == "missing":
            lines.append(f"  - {where}: {record.expected!r} (no longer produced)")
        elif record.status == "unexpected":
            lines.append(f"  + {where}: {record.reproduced!r} (new)")
        else:
            lines.append(f"  ~ {where}: {record.expected!r} -> {record.reproduced!r}")
    if len(changed) > MAX_PRINTED_CHANGES:
        lines.append(f"  ... and {len(changed) - MAX_PRINTED_CHANGES} more (comparison.csv)")
    return lines


def accept(
    *,
    reproduced: Path,
    expected: Path = EXPECTED_DIR,
    yes: bool = False,
    answer=input,
) -> int:
    """Make the reproduced results the expected ones, after printing every difference.

    Parameters
    ----------
    reproduced : Path
        The snapshot ``verify`` left (``<output_dir>/replication/reproduced``).
    expected : Path
        The expected results to replace (``tolerances.yaml`` and ``README.md`` are kept).
    yes : bool
        Accept without asking (for scripts); the differences are printed all the same.
    answer : callable
        Reads the confirmation (``input``; replaced in tests).

    Returns
    -------
    int
        0 when accepted or nothing changed, 1 when declined.
    """
    if not (reproduced / "values.json").is_file():
        raise ReplicationError(
            f"No reproduced results in {display_path(reproduced)}: run `python3 reproduce.py "
            "verify` first; accept takes the results of the last verification."
        )
    comparison = compare(expected, reproduced, load_tolerances(expected))
    changed = int(comparison["status"].ne("ok").sum())
    before = read_manifest(expected)["files"]
    after = read_manifest(reproduced)["files"]
    changed_files = sorted(
        name for name in set(before) | set(after) if before.get(name) != after.get(name)
    )
    if not changed and not changed_files:
        print("[accept] Nothing to accept: the reproduced results equal the expected ones.")
        return 0
    print(f"[accept] {changed} quantities differ from {display_path(expected)}:")
    print("\n".join(_describe_changes(comparison)) or "  (none)")
    listed = ", ".join(changed_files[:20]) + (" ..." if len(changed_files) > 20 else "")
    print(f"[accept] {len(changed_files)} output files changed in bytes: {listed}")
    if not yes:
        if not sys.stdin.isatty() and answer is input:
            print("[accept] Not accepted: pass --yes to accept without a terminal.")
            return 1
        if answer("Accept these results as the expected ones? [y/N] ").strip().lower() not in (
            "y",
            "yes",
        ):
            print("[accept] Not accepted; expected/ is unchanged.")
            return 1
    staging = expected.parent / f".{expected.name}.accept"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(reproduced, staging)
    for entry in SNAPSHOT_ENTRIES:
        replace_entry(staging / entry, expected / entry)
    shutil.rmtree(staging)
    shown = display_path(expected)
    print(f"[accept] {shown} updated; review and commit it (git diff {shown}).")
    return 0
