"""``python -m analysis verify`` and ``accept``: the command line of :mod:`analysis.verify`.

Kept apart from :mod:`analysis.verify` so that the command line starts without importing
pandas; the handlers import the comparison when the command runs, and report its errors
(:class:`analysis.replication.ReplicationError`) in one line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.config import DEFAULT_CONFIG


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``verify`` and ``accept`` to the command line."""
    cmd = sub.add_parser(
        "verify",
        help="rerun the study in a fresh folder and compare every number with expected/",
        description=(
            "Run the whole study in a fresh temporary folder, compare every in-text number, "
            "table cell and figure datum with the expected results in expected/, and write the "
            "replication report to <output_dir>/replication/. Exit status 1 on any mismatch."
        ),
    )
    cmd.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="run configuration")
    cmd.add_argument("--expected", type=Path, help="expected results (default: expected/)")
    cmd.add_argument(
        "--existing-run", type=Path, help="compare this finished run folder instead of running"
    )
    cmd.add_argument("--keep", action="store_true", help="keep the temporary run folder")
    cmd.add_argument("--cores", type=int, default=2, help="parallel jobs of the run")
    cmd.add_argument(
        "--report-dir", type=Path, help="where to write the report (default output/replication)"
    )
    cmd.set_defaults(handler=_verify_command)
    cmd = sub.add_parser(
        "accept",
        help="make the last verified results the expected ones (prints the differences first)",
    )
    cmd.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="run configuration")
    cmd.add_argument("--expected", type=Path, help="expected results (default: expected/)")
    cmd.add_argument(
        "--reproduced", type=Path, help="snapshot to accept (default: the last verify's)"
    )
    cmd.add_argument("--yes", action="store_true", help="accept without asking")
    cmd.set_defaults(handler=_accept_command)


def _verify_command(args: argparse.Namespace) -> int:
    from analysis import verify
    from analysis.replication import EXPECTED_DIR, ReplicationError

    try:
        return verify.verify(
            config_file=args.config,
            expected=args.expected or EXPECTED_DIR,
            existing_run=args.existing_run,
            keep=args.keep,
            cores=args.cores,
            out=args.report_dir,
        )
    except ReplicationError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1


def _accept_command(args: argparse.Namespace) -> int:
    from analysis import verify
    from analysis.config import load_config
    from analysis.replication import EXPECTED_DIR, ReplicationError

    reproduced = args.reproduced or verify.report_dir(load_config(args.config)) / verify.REPRODUCED
    try:
        return verify.accept(
            reproduced=reproduced, expected=args.expected or EXPECTED_DIR, yes=args.yes
        )
    except ReplicationError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
