"""Time the pipeline as a user runs it: a cold run, a no-op rerun and a one-notebook change.

    python3 reproduce.py setup && .venv/bin/python benchmarks/pipeline_timings.py

All runs use a fresh temporary output folder and the warm environment, in one session, so the
figures are comparable with each other; the ratios are the point, not the seconds.
``benchmarks/run.py`` calls this with the other benchmarks and writes ``benchmarks/results.md``.
No test asserts on time.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "02_sample_profile.ipynb"


def timed(command: list[str]) -> float:
    """Seconds one command takes; raises if it fails."""
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def timed_after_notebook_edit(command: list[str]) -> float:
    """Seconds ``command`` takes after a real edit of one notebook (restored afterwards).

    Touching the file is not enough: Snakemake compares content checksums, not only times.
    """
    original = NOTEBOOK.read_bytes()
    notebook = json.loads(original)
    notebook["metadata"]["benchmark_edit"] = time.time()
    try:
        NOTEBOOK.write_text(
            json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return timed(command)
    finally:
        NOTEBOOK.write_bytes(original)


def machine() -> str:
    """One line describing the machine."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            ln.split(":", 1)[1].strip()
            for ln in cpuinfo.read_text().splitlines()
            if ln.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f", {kib / 2**20:.0f} GiB memory"
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}"
    )


def measure() -> dict[str, float]:
    """Seconds of a cold run, two no-op reruns and a one-notebook change, in one fresh folder."""
    out = Path(tempfile.mkdtemp(prefix="crm-bench-"))
    run = [sys.executable, "-m", "analysis", "run", "--output-dir", str(out)]
    full_command = [sys.executable, str(ROOT / "reproduce.py"), "run", "--output-dir", str(out)]
    return {
        "cold": timed(run),
        "noop": timed(run),
        "noop_readme": timed(full_command),
        "one_notebook": timed_after_notebook_edit(run),
    }


def main() -> int:
    for name, seconds in measure().items():
        print(f"{name:16s} {seconds:8.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
