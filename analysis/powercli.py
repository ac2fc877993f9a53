"""``python -m analysis power``: the command line of the power workflow.

Kept apart from :mod:`analysis.power` so that the command line starts without importing the
simulation's numerical libraries; the handler imports them when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from analysis.config import display_path


def _power_command(args: argparse.Namespace) -> int:
    from analysis import power
    from analysis.cli import run_lock, run_with_progress

    config_file = (args.config or power.DEFAULT_POWER_CONFIG).resolve()
    config = power.load_power_config(config_file)
    overrides = {}
    if args.chunk_size is not None:
        overrides["chunk_size"] = args.chunk_size
    if args.output_dir is not None:
        overrides["output_dir"] = str(Path(args.output_dir).resolve())
    config = power.validated(replace(config, **overrides))
    extra = args.snakemake_args[1:] if args.snakemake_args[:1] == ["--"] else args.snakemake_args
    command = power.snakemake_command(
        config_file,
        config,
        cores=args.cores,
        profile=None if args.profile is None else args.profile.resolve(),
        overrides=overrides,
        extra=extra,
    )
    jobs = config.chunk_count() * len(config.sample_sizes)
    print(
        f"Power simulation ({config.model}): {config.replications} replications at each of "
        f"n = {list(config.sample_sizes)} in {jobs} jobs of up to {config.chunk_size}; "
        f"outputs in {display_path(config.output_path)}/.",
        file=sys.stderr,
        flush=True,
    )
    with run_lock(config.output_path):
        # Snakemake's messages pass through, with the time left after every finished job.
        status = run_with_progress(command)
    if status != 0:
        print(
            f"\nERROR: the power workflow stopped with status {status}; Snakemake's messages "
            "above say which job failed and why.",
            file=sys.stderr,
        )
        return 1
    outputs = [config.output_path / f for f in power.OUTPUT_FILES.values()]
    if all(path.is_file() for path in outputs):  # not after a dry run
        print(f"\nDone. {', '.join(map(display_path, outputs))}.", file=sys.stderr)
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``power`` to the command line of :mod:`analysis.cli`."""
    text = "simulate power and sample size for the structural model (Snakemake workflow)"
    cmd = sub.add_parser(
        "power",
        help=text,
        description=(
            f"{text[0].upper()}{text[1:]}. Settings in config/power.yaml; see docs/power.md. "
            "Arguments after `--` go to Snakemake, e.g. `-- --dry-run`."
        ),
    )
    cmd.add_argument(
        "--config",
        type=Path,
        default=None,
        help="power settings (default: config/power.yaml)",
    )
    cmd.add_argument("--cores", type=int, help="parallel local jobs (default: all cores)")
    cmd.add_argument("--chunk-size", type=int, help="override chunk_size (replications per job)")
    cmd.add_argument("--output-dir", help="override output_dir")
    cmd.add_argument(
        "--profile",
        type=Path,
        help="a Snakemake profile folder, e.g. workflow/profiles/slurm for a SLURM cluster",
    )
    cmd.add_argument(
        "snakemake_args", nargs=argparse.REMAINDER, help="after `--`: arguments for Snakemake"
    )
    cmd.set_defaults(handler=_power_command)
