#!/usr/bin/env python3
"""Set up the locked environment and run the study or its tests.

    python3 reproduce.py           # set up, then run every notebook and render the paper
    python3 reproduce.py test      # set up, then run the test suite
    python3 reproduce.py <cmd> ... # set up, then `python -m analysis <cmd> ...` (see --help)

Only the Python standard library is used here, so this works on a fresh machine with nothing but
Python 3.11+. The environment lives in `.venv/` beside this file. It is (re)built from
`requirements.lock` whenever it is missing or stale: the stamp `.venv/crm-env.json` records the
sha256 of the lock and of this script, and the interpreter version, and any difference triggers
a re-sync. Installation uses `uv` (itself pinned, with hashes, in `requirements-bootstrap.txt`)
and falls back to `pip --require-hashes` if uv cannot be installed.

Set `CRM_VENV` to use another folder for the environment.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("CRM_VENV", ROOT / ".venv"))
LOCK = ROOT / "requirements.lock"
BOOTSTRAP_LOCK = ROOT / "requirements-bootstrap.txt"
STAMP = VENV / "crm-env.json"
MIN_PYTHON = (3, 11)


def _say(message: str) -> None:
    print(f"[reproduce] {message}", file=sys.stderr, flush=True)


def _venv_python() -> Path:
    scripts = "Scripts" if os.name == "nt" else "bin"
    exe = "python.exe" if os.name == "nt" else "python"
    return VENV / scripts / exe


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _wanted_stamp() -> dict[str, str]:
    return {
        "lock_sha256": _sha256(LOCK),
        "bootstrap_sha256": _sha256(BOOTSTRAP_LOCK),
        "python": ".".join(map(str, sys.version_info[:3])),
        "root": str(ROOT),
    }


def _environment_is_current() -> bool:
    if not (_venv_python().exists() and STAMP.exists()):
        return False
    try:
        return json.loads(STAMP.read_text(encoding="utf-8")) == _wanted_stamp()
    except (OSError, ValueError):
        return False


def _run(cmd: list[str | Path]) -> None:
    completed = subprocess.run([str(c) for c in cmd], check=False)
    if completed.returncode != 0:
        _say(
            f"Setting up the environment failed: {' '.join(map(str, cmd))} exited with status "
            f"{completed.returncode}. Its output is above. Check that PyPI is reachable, then run "
            f"this command again; delete {VENV} first if the problem persists."
        )
        raise SystemExit(completed.returncode)


def _install_locked_packages(python: Path) -> None:
    # uv installs the ~120 locked wheels in seconds where pip takes most of a minute (DESIGN §4).
    has_uv = (
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--require-hashes",
                "--no-deps",
                "-r",
                str(BOOTSTRAP_LOCK),
            ],
            check=False,
        ).returncode
        == 0
    )
    if has_uv:
        _run(
            [
                python,
                "-m",
                "uv",
                "pip",
                "sync",
                "--python",
                python,
                "--require-hashes",
                "--compile-bytecode",
                "--link-mode",
                "copy",
                LOCK,
            ]
        )
        # `uv pip sync` removes what the lock does not list; the bootstrap pin of uv is put back
        # so the next re-sync can use it.
        _run(
            [
                python,
                "-m",
                "uv",
                "pip",
                "install",
                "--python",
                python,
                "--no-deps",
                "--require-hashes",
                "-r",
                BOOTSTRAP_LOCK,
            ]
        )
    else:
        _say("uv could not be installed; falling back to pip (slower).")
        _run(
            [
                python,
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--require-hashes",
                "--no-deps",
                "-r",
                LOCK,
            ]
        )


def _make_project_importable(python: Path) -> None:
    """Put the repository on the environment's path (like an editable install, without a build)."""
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "crm_citic_zhengzhou.pth").write_text(f"{ROOT}\n", encoding="utf-8")


def ensure_environment() -> Path:
    """Create or re-sync `.venv` from the lock when it is missing or stale; return its python."""
    if sys.version_info < MIN_PYTHON:
        raise SystemExit(
            f"This study needs Python {'.'.join(map(str, MIN_PYTHON))} or newer; this is "
            f"{sys.version.split()[0]}. Run the command with a newer python3."
        )
    python = _venv_python()
    if _environment_is_current():
        return python
    _say(f"Setting up the environment in {VENV} from {LOCK.name} (first run or lock changed).")
    if STAMP.exists():
        STAMP.unlink()
    if not python.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    _install_locked_packages(python)
    _make_project_importable(python)
    STAMP.write_text(json.dumps(_wanted_stamp(), indent=2) + "\n", encoding="utf-8")
    _say("Environment ready.")
    return python


def main(argv: list[str]) -> int:
    python = ensure_environment()
    if argv[:1] == ["setup"]:
        return 0
    if argv[:1] == ["test"]:
        command = [str(python), "-m", "pytest", *argv[1:]]
    else:
        command = [str(python), "-m", "analysis", *(argv or ["run"])]
    env = dict(os.environ, PYTHONNOUSERSITE="1")
    env.pop("PYTHONPATH", None)
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
