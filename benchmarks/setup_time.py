"""Cold set-up of the environment: a new virtual environment from the lock, caches empty.

    python3 benchmarks/setup_time.py

Runs ``python3 reproduce.py setup`` with ``CRM_VENV`` pointing to a new folder and empty pip
and uv caches (``PIP_NO_CACHE_DIR``, ``UV_CACHE_DIR``), so every locked wheel is downloaded from
the package index and installed, as on a fresh machine; then once more with the uv cache the
first run filled (a new environment on a machine that has set one up before).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_seconds() -> dict[str, float]:
    """Seconds of a cold set-up, and of a set-up into a new folder with a warm uv cache."""
    work = Path(tempfile.mkdtemp(prefix="crm-setup-"))
    env = dict(os.environ, UV_CACHE_DIR=str(work / "uv-cache"), PIP_NO_CACHE_DIR="1", CI="true")
    seconds = {}
    try:
        for name in ("cold", "warm_cache"):
            env["CRM_VENV"] = str(work / f"venv-{name}")
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, str(ROOT / "reproduce.py"), "setup"],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
            seconds[name] = time.perf_counter() - start
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return seconds


if __name__ == "__main__":
    for name, value in setup_seconds().items():
        print(f"{name:12s} {value:8.2f} s")
