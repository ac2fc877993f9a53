"""The structural model's bootstrap (2,000 draws, as configured) on 1 and on 2 cores.

    .venv/bin/python benchmarks/bootstrap_cores.py

Times :func:`analysis.sem.indirect_effects` on the study's sample exactly as notebook
``05_structural`` calls it, with ``n_jobs`` 1 and 2; the draws are seeded in fixed chunks, so
both give the same intervals (checked here).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from floor import prepare_data  # noqa: E402

from analysis import pipeline, sem  # noqa: E402
from analysis.instrument import load_instrument  # noqa: E402
from analysis.responses import read_responses  # noqa: E402
from analysis.semmodel import keyed_items, model_items  # noqa: E402


def bootstrap_seconds(jobs_options: tuple[int, ...] = (1, 2)) -> dict[int, float]:
    """Seconds of the 2,000-draw bootstrap per number of processes."""
    _, config = prepare_data(Path(tempfile.mkdtemp(prefix="crm-boot-")))
    instrument = load_instrument(config.survey.instrument)
    responses = read_responses(pipeline.output_paths(config).clean_responses, instrument)
    items = keyed_items(responses, instrument, model_items(instrument))
    seconds, tables = {}, []
    for jobs in jobs_options:
        start = time.perf_counter()
        tables.append(
            sem.indirect_effects(
                items,
                instrument,
                n_boot=config.structural.bootstrap_draws,
                random_state=np.random.default_rng(config.seed),
                n_jobs=jobs,
                progress=False,
            )
        )
        seconds[jobs] = time.perf_counter() - start
    for table in tables[1:]:
        pd.testing.assert_frame_equal(tables[0], table)
    return seconds


if __name__ == "__main__":
    for jobs, value in bootstrap_seconds().items():
        print(f"{jobs} process(es): {value:.2f} s")
