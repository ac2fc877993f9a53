"""The floor of the pipeline: the same analyses, called directly from Python in one process.

    .venv/bin/python benchmarks/floor.py [--output-dir DIR]

Draws the synthetic sample, validates and screens it, then executes the code cells of every
notebook in order, in this one process, with the parameters the pipeline would inject
(:func:`analysis.pipeline.notebook_parameters`): no Snakemake, no kernel start, no papermill,
no rendering of the paper or the questionnaire. What the pipeline costs on top of this is its
overhead. IPython magics (``%matplotlib inline``) are skipped; figures use the Agg backend as
in the notebooks' kernels.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis import pipeline  # noqa: E402
from analysis.config import RunConfig, load_config  # noqa: E402
from analysis.notebooks import _code_cells  # noqa: E402


def _cell_code(cell: dict) -> str:
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("%"))


def run_notebook_in_process(name: str, parameters: dict) -> float:
    """Execute one notebook's code cells here, parameters injected after the tagged cell."""
    import matplotlib.pyplot as plt

    start = time.perf_counter()
    namespace: dict = {"__name__": f"floor_{name}"}
    for cell in _code_cells(ROOT / "notebooks" / f"{name}.ipynb"):
        exec(compile(_cell_code(cell), f"{name}.ipynb", "exec"), namespace)
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            namespace.update(parameters)
    plt.close("all")
    return time.perf_counter() - start


def prepare_data(output_dir: Path) -> tuple[dict[str, float], RunConfig]:
    """Draw the synthetic sample and clean it into ``output_dir``, as the pipeline's first two
    steps do; seconds of each, and the run configuration."""
    config = replace(load_config(), output_dir=str(output_dir))
    out = pipeline.output_paths(config)
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    pipeline.make_synthetic_responses(
        config.survey.instrument,
        config.survey.population,
        out.synthetic_responses,
        n=config.survey.synthetic_n,
        seed=config.seed,
    )
    seconds["survey_data"] = time.perf_counter() - start
    start = time.perf_counter()
    pipeline.make_clean_data(
        out.responses,
        config.survey.instrument,
        out.data_dir,
        synthetic=config.uses_synthetic_responses,
        screening=config.as_dict()["screening"],
    )
    seconds["clean"] = time.perf_counter() - start
    return seconds, config


def floor(output_dir: Path) -> dict[str, float]:
    """Seconds per step of the study's analyses run in this process (see the module docstring)."""
    seconds, config = prepare_data(output_dir)
    out = pipeline.output_paths(config)
    for name in pipeline.notebook_names():
        parameters = json.loads(pipeline.notebook_parameters(config, name))
        seconds[name] = run_notebook_in_process(name, parameters)
    start = time.perf_counter()
    pipeline.collect_results(out.results)
    seconds["results"] = time.perf_counter() - start
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, help="default: a fresh temporary folder")
    args = parser.parse_args()
    output_dir = args.output_dir or Path(tempfile.mkdtemp(prefix="crm-floor-"))
    start = time.perf_counter()
    seconds = floor(output_dir.resolve())
    total = time.perf_counter() - start
    for step, value in seconds.items():
        print(f"{step:32s} {value:8.2f} s")
    print(f"{'total (one process)':32s} {total:8.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
