"""Command line of the study: ``python -m analysis <command>`` (or the ``crm-study`` script).

Commands
--------
run
    Run every notebook that is out of date and render the paper (Snakemake underneath: a rerun
    with nothing changed does no work).
dry-run
    List what ``run`` would do, and why, without doing it.
verify
    Rerun the whole study in a fresh folder and compare every number with the expected results
    in ``expected/``; write the replication report (:mod:`analysis.verifycli`,
    :mod:`analysis.verify`).
accept
    Make the last verified results the expected ones, after printing every difference.
checksums
    Verify the raw data's checksums, or record new ones (:mod:`analysis.checksums`).
power
    Monte Carlo power and sample size for the structural model, as a Snakemake workflow
    (:mod:`analysis.powercli`, :mod:`analysis.power`, ``workflow/power.smk``).
validate, synthesize, questionnaire, export
    Survey-data commands for one file (:mod:`analysis.datacli`).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path

from filelock import FileLock, Timeout

from analysis import pipeline
from analysis.checksums import ChecksumError, verify_raw_data
from analysis.checksums import add_commands as add_checksum_commands
from analysis.config import (
    DEFAULT_CONFIG,
    REPO_ROOT,
    ConfigError,
    RunConfig,
    check_inputs,
    display_path,
    load_config,
)
from analysis.datacli import add_commands, data_errors
from analysis.powercli import add_commands as add_power_commands
from analysis.verifycli import add_commands as add_verify_commands

#: The lock file a run holds in its output folder (see :func:`run_lock`).
RUN_LOCK = ".run.lock"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Reproduce the CRM study of China CITIC Bank's Zhengzhou branch.",
    )
    sub = parser.add_subparsers(dest="command", metavar="command")
    for name, text in [
        ("run", "run the out-of-date notebooks and render the paper"),
        ("dry-run", "show what `run` would do, without doing it"),
    ]:
        cmd = sub.add_parser(name, help=text, description=text)
        cmd.add_argument(
            "--config",
            type=Path,
            default=DEFAULT_CONFIG,
            help="run configuration (default: config/config.yaml)",
        )
        cmd.add_argument("--output-dir", help="override the configuration's output_dir")
        cmd.add_argument(
            "--cores",
            type=int,
            default=os.cpu_count() or 1,
            help="parallel jobs (default: all cores)",
        )
        cmd.add_argument("--forceall", action="store_true", help="rerun every step")
        cmd.set_defaults(handler=partial(run, dry_run=name == "dry-run"))
    add_commands(sub)
    add_verify_commands(sub)
    add_checksum_commands(sub)
    add_power_commands(sub)
    return parser


def _load(args: argparse.Namespace) -> RunConfig:
    config = load_config(args.config)
    if args.output_dir:
        # Relative to where the user typed the command, like any other path argument.
        config = replace(config, output_dir=str(Path(args.output_dir).resolve()))
    check_inputs(config)
    return config


def snakemake_command(
    config: RunConfig,
    config_file: Path,
    *,
    cores: int,
    dry_run: bool = False,
    forceall: bool = False,
) -> list[str]:
    """The Snakemake invocation for a run of ``config``."""
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO_ROOT / "Snakefile"),
        "--directory",
        str(REPO_ROOT),
        "--configfile",
        str(config_file),
        "--config",
        f"output_dir={config.output_dir}",
        "--cores",
        str(cores),
        "--rerun-incomplete",
        # A run holds the output folder's lock (run_lock) for its whole length, so Snakemake's
        # own lock adds nothing but a stale lock after a killed run, which would block the rerun.
        "--nolock",
        "--quiet",
        "host",
    ]
    if dry_run:
        command.append("--dry-run")
    if forceall:
        command.append("--forceall")
    return command


_PROGRESS = re.compile(r"^(?P<done>\d+) of (?P<total>\d+) steps \(\d+%\) done")


def time_left(done: int, total: int, elapsed: float) -> str:
    """The estimate printed after each finished step: elapsed time per step so far, times the
    steps left (a rough guide: notebooks differ in length).

    Examples
    --------
    >>> time_left(3, 18, 30.0)
    'about 2 min 30 s left'
    >>> time_left(17, 18, 60.0)
    'about 4 s left'
    """
    seconds = round(elapsed / max(done, 1) * (total - done))
    minutes, rest = divmod(seconds, 60)
    return f"about {minutes} min {rest} s left" if minutes else f"about {rest} s left"


def run_with_progress(command: list[str]) -> int:
    """Run Snakemake, passing its messages through, with an estimate of the time left after
    each finished step."""
    start = time.monotonic()
    with subprocess.Popen(
        command, cwd=REPO_ROOT, stderr=subprocess.PIPE, text=True, bufsize=1
    ) as process:
        for line in process.stderr:
            sys.stderr.write(line)
            match = _PROGRESS.match(line)
            if match and match["done"] != match["total"]:
                estimate = time_left(
                    int(match["done"]), int(match["total"]), time.monotonic() - start
                )
                sys.stderr.write(f"[run] {estimate}\n")
            sys.stderr.flush()
    return process.returncode


def _report_failure(config: RunConfig, since: float, status: int) -> None:
    out = pipeline.output_paths(config)
    messages = pipeline.error_messages(out, since=since) or [
        f"The pipeline stopped with status {status}; Snakemake's messages above say where."
    ]
    removed = pipeline.remove_stale_products(out)
    summary = "\n\n".join(messages)
    if removed:
        summary += (
            "\n\nRemoved end products of an earlier run that would now be stale: "
            + ", ".join(removed)
            + "."
        )
    pipeline.mark_run(out, summary)
    print(f"\nERROR: the study did not run to the end.\n\n{summary}\n", file=sys.stderr)


def _report_success(config: RunConfig, seconds: float) -> None:
    out = pipeline.output_paths(config)
    pipeline.mark_run(out, None)
    papers = ", ".join(display_path(out.paper(f)) for f in config.paper.formats)
    print(
        f"\nDone in {seconds:.1f} s. Paper: {papers}. Executed notebooks: "
        f"{display_path(Path(out.root, 'notebooks'))}/. Results store: "
        f"{display_path(out.results)}/.",
        file=sys.stderr,
    )


@contextmanager
def run_lock(output_dir: Path) -> Iterator[None]:
    """Hold the output folder's lock: a second run into the same folder waits for the first.

    The lock is the operating system's lock on ``<output_dir>/.run.lock`` (``filelock``), which
    ends with the process that holds it, also when that process is killed: an interrupted run
    never leaves a lock behind.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(output_dir / RUN_LOCK)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print(
            f"Another run is writing to {display_path(output_dir)}; waiting for it to finish "
            "(use --output-dir to run in another folder at the same time).",
            file=sys.stderr,
            flush=True,
        )
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def run(args: argparse.Namespace, *, dry_run: bool = False) -> int:
    """Check the configuration, inputs and raw data, then run (or dry-run) the pipeline."""
    config = _load(args)
    verify_raw_data()
    with run_lock(Path(pipeline.output_paths(config).root).resolve()):
        return _run_locked(config, args, dry_run=dry_run)


def _run_locked(config: RunConfig, args: argparse.Namespace, *, dry_run: bool) -> int:
    start = time.time()
    command = snakemake_command(
        config, args.config.resolve(), cores=args.cores, dry_run=dry_run, forceall=args.forceall
    )
    status = run_with_progress(command)
    if dry_run:
        return status
    if status != 0:
        _report_failure(config, start, status)
        return 1
    _report_success(config, time.time() - start)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m analysis`` and ``crm-study``."""
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help()
        return 2
    try:
        return args.handler(args)
    except ConfigError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    except ChecksumError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    except data_errors() as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
