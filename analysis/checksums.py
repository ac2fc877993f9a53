"""Checksums of the raw data, verified before every run.

``data/checksums.sha256`` lists the sha256 of every raw data file the study reads, in the
format of ``sha256sum`` (``<hash>  <path>``, paths relative to the repository root), so that
``sha256sum -c data/checksums.sha256`` checks them too. ``python3 reproduce.py`` verifies them
before it runs anything: a raw file that changed, by accident or on purpose, stops the run with
a message naming it. Raw files are never written by the study; to change one on purpose,
record its new checksum (``python3 reproduce.py checksums --record FILE``) and commit both.

Real survey responses can be protected the same way: ``checksums --record`` them once, and
every later run checks that the file is the one recorded.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from analysis.config import REPO_ROOT, display_path
from analysis.files import atomic_output
from analysis.provenance import file_sha256

CHECKSUMS_FILE = REPO_ROOT / "data" / "checksums.sha256"


class ChecksumError(Exception):
    """A raw data file is missing or differs from its recorded checksum."""


def read_checksums(path: Path = CHECKSUMS_FILE) -> dict[str, str]:
    """Relative path -> recorded sha256, from a ``sha256sum``-format file.

    Raises
    ------
    ChecksumError
        If a line is not ``<64 hex digits>  <path>`` (naming the line and the fix).
    """
    recorded = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name or any(c not in "0123456789abcdef" for c in digest):
            raise ChecksumError(
                f"{display_path(path)}, line {number}: expected '<sha256>  <path>' (64 lower-case "
                f"hex digits, two spaces, a path). Got {line!r}. Fix the line or record the "
                "file again: python3 reproduce.py checksums --record <path>."
            )
        recorded[name.removeprefix("*")] = digest
    return recorded


def changed_files(
    path: Path = CHECKSUMS_FILE, root: Path = REPO_ROOT
) -> list[tuple[str, str, str | None]]:
    """Files whose sha256 differs from the recorded one: ``(path, recorded, actual or None)``."""
    problems = []
    for name, digest in read_checksums(path).items():
        file = root / name
        actual = file_sha256(file) if file.is_file() else None
        if actual != digest:
            problems.append((name, digest, actual))
    return problems


def verify_raw_data(path: Path = CHECKSUMS_FILE, root: Path = REPO_ROOT) -> int:
    """Check every recorded raw data file before a run.

    Returns
    -------
    int
        How many files were checked.

    Raises
    ------
    ChecksumError
        Naming every missing or changed file, its recorded and actual sha256, and the fix.
    """
    if not path.is_file():
        raise ChecksumError(
            f"The checksum list {display_path(path)} is missing. Restore it from the "
            "repository (git checkout -- data/checksums.sha256)."
        )
    problems = changed_files(path, root)
    if problems:
        lines = [
            f"- {name}: "
            + ("missing" if actual is None else f"sha256 is {actual}, recorded {digest}")
            for name, digest, actual in problems
        ]
        raise ChecksumError(
            "Raw data files differ from their recorded checksums "
            f"({display_path(path)}), so the run was not started:\n"
            + "\n".join(lines)
            + "\nThe study never modifies raw data. Restore an accidental change with "
            "`git checkout -- <file>`; after an intended change, record the new checksum with "
            "`python3 reproduce.py checksums --record <file>` and commit it."
        )
    return len(read_checksums(path))


def record(files: list[Path], path: Path = CHECKSUMS_FILE, root: Path = REPO_ROOT) -> list[str]:
    """Add or update the checksums of ``files`` (sorted list, written atomically)."""
    recorded = read_checksums(path) if path.is_file() else {}
    names = []
    for file in files:
        file = Path(file).resolve()
        if not file.is_file():
            raise ChecksumError(f"{file} is not a file; give the path of a raw data file.")
        try:
            name = file.relative_to(root).as_posix()
        except ValueError:
            name = str(file)
        recorded[name] = file_sha256(file)
        names.append(name)
    text = "".join(f"{digest}  {name}\n" for name, digest in sorted(recorded.items()))
    with atomic_output(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return names


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``checksums`` to the command line."""
    cmd = sub.add_parser(
        "checksums",
        help="verify the raw data's checksums, or record new ones",
        description=__doc__.split("\n\n")[1],
    )
    cmd.add_argument("--record", nargs="+", type=Path, metavar="FILE", help="record these files")
    cmd.set_defaults(handler=_command)


def _command(args: argparse.Namespace) -> int:
    if args.record:
        for name in record(args.record):
            print(f"recorded {name}")
        return 0
    print(f"{verify_raw_data()} raw data files match {display_path(CHECKSUMS_FILE)}.")
    return 0
