"""How the survey analysis scales with the number of respondents (issue #9).

    .venv/bin/python benchmarks/scaling.py [--sizes 400 4000 40000 400000] [--out FILE.md]

For each n, a synthetic sample is drawn from the population model
(:func:`analysis.synthetic.synthetic_responses`, ``survey/instrument.yaml`` and
``survey/population.yaml``, the run's seed) and written as the CSV the ``survey_data`` rule
writes. This draw is setup: timed and reported, not part of the target. Then each step runs
the way the study runs it, with the same functions and arguments:

``validation``
    the ``clean`` rule (:func:`analysis.pipeline.make_clean_data` with the configuration's
    screening): read the raw CSV, privacy guard, validation, screening, and the analysis sample
    written as CSV + data package and SAV with the exclusion ledger.
``reliability``
    notebook 04: the analysis sample read (:func:`analysis.responses.read_responses`), items
    keyed, Cronbach's alpha and McDonald's omega of every construct.
``cfa``
    notebook 04: the sample read and keyed, the measurement models (ML and MLR CFA of the
    constructs asked of everyone, ML CFA of complaint handling), admissibility checks, fit
    indices, standardized loadings, CR and AVE (computed from the CFA's loadings, so they are
    timed here), Fornell-Larcker.
``groups``
    notebook 08: the sample read, construct scores, :func:`analysis.groups.compare_groups` over
    the constructs and the two key items, chi-square tests of the profile by bank type
    (Monte-Carlo p for sparse tables, seeded as the notebook seeds them) with Holm, Cramér's V.
``read`` (for reference, not part of the target)
    only the analysis sample read as every notebook reads it (ingest, privacy guard,
    validation): the part of reliability, CFA and groups that is not statistics.

Method: every step (and the draw) runs in a fresh Python process started by this script, one
after another, so that its peak resident memory (``VmHWM`` on Linux, reported by the process)
is the step's own, imports included. A second fresh process per step only imports the step's
modules: the baseline the imports alone cost. Seconds are the step's work after its imports
(``time.perf_counter``); the target is checked on the four processes' wall time from start to
exit (interpreter, imports and work), and on the largest of their peaks. Growth exponents are
the slope of log seconds on log n: between the two largest sizes, and by least squares over all
sizes (a constant cost, such as numerical integration for the studentized range, pulls the
latter below 1). Plots and the paper's tables (presentation) are left out. The samples are
written to a temporary folder and removed (``--keep DIR``: kept under the existing ``DIR``).
No test asserts on time.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from pipeline_timings import machine

ROOT = Path(__file__).resolve().parent.parent
INSTRUMENT = ROOT / "survey" / "instrument.yaml"
POPULATION = ROOT / "survey" / "population.yaml"
SIZES = (400, 4_000, 40_000, 400_000)
TARGET_SECONDS = 120.0
TARGET_MB = 4096.0
TARGET_STEPS = ("validation", "reliability", "cfa", "groups")
RAW_NAME = "responses_synthetic.csv"
PROFILE_CODES = (
    "gender",
    "age_band",
    "education",
    "income_band",
    "occupation",
    "tenure_years",
    "assets_band",
    "products_held",
)  # notebook 08's profile variables

# The modules each step imports (the import-only baseline imports exactly these).
MODULES = {
    "draw": ("pandas", "analysis.instrument", "analysis.synthetic", "analysis.config"),
    "validation": ("analysis.config", "analysis.pipeline", "analysis.cleaning"),
    "read": ("analysis.instrument", "analysis.responses"),
    "reliability": (
        "pandas",
        "analysis.cfa",
        "analysis.instrument",
        "analysis.reliability",
        "analysis.responses",
        "analysis.semmodel",
    ),
    "cfa": (
        "pandas",
        "analysis.cfa",
        "analysis.instrument",
        "analysis.responses",
        "analysis.semmodel",
    ),
    "groups": (
        "pandas",
        "statsmodels.stats.multitest",
        "analysis.config",
        "analysis.descriptives",
        "analysis.drivers",
        "analysis.groups",
        "analysis.instrument",
        "analysis.responses",
    ),
}


# --------------------------------------------------------------------------------------------
# The steps (run inside the worker process)


def _seed() -> int:
    from analysis.config import load_config

    return load_config().seed


def _clean_path(work: Path) -> Path:
    return work / "data" / "responses_clean.csv"


def step_draw(work: Path, n: int) -> None:
    """Draw the sample and write it as the ``survey_data`` rule writes its CSV."""
    from analysis.instrument import load_instrument, load_population
    from analysis.synthetic import synthetic_responses

    instrument = load_instrument(INSTRUMENT)
    population = load_population(POPULATION, instrument)
    sample = synthetic_responses(instrument, population, n=n, random_state=_seed())
    (work / RAW_NAME).write_text(sample.to_csv(index=False, lineterminator="\n"), encoding="utf-8")


def step_validation(work: Path, n: int) -> None:
    """The ``clean`` rule: read, privacy guard, validate, screen, write the analysis sample."""
    from analysis.config import load_config
    from analysis.pipeline import make_clean_data

    screening = load_config().as_dict()["screening"]
    make_clean_data(
        str(work / RAW_NAME),
        str(INSTRUMENT),
        str(work / "data"),
        synthetic=True,
        screening=screening,
    )


def step_read(work: Path, n: int) -> None:
    """The analysis sample read and validated, as the first cells of notebooks 03 to 10 do."""
    from analysis.instrument import load_instrument
    from analysis.responses import read_responses

    read_responses(_clean_path(work), load_instrument(INSTRUMENT))


def _keyed_sample(work: Path) -> tuple[Any, Any, dict[str, tuple[str, ...]]]:
    """Notebook 04's first cells: the sample read, the items keyed, the constructs."""
    from analysis.cfa import instrument_constructs
    from analysis.instrument import load_instrument
    from analysis.responses import read_responses
    from analysis.semmodel import keyed_items

    instrument = load_instrument(INSTRUMENT)
    responses = read_responses(_clean_path(work), instrument)
    constructs = instrument_constructs(instrument)
    keyed = keyed_items(
        responses, instrument, [item for group in constructs.values() for item in group]
    )
    return instrument, keyed, constructs


def step_reliability(work: Path, n: int) -> None:
    """Notebook 04: Cronbach's alpha and McDonald's omega of every construct."""
    import pandas as pd

    from analysis.reliability import cronbach_alpha, mcdonald_omega

    _, keyed, constructs = _keyed_sample(work)
    for function in (cronbach_alpha, mcdonald_omega):
        pd.concat(
            [
                function(keyed, items=group).assign(construct=code)
                for code, group in constructs.items()
            ],
            ignore_index=True,
        )


def step_cfa(work: Path, n: int) -> None:
    """Notebook 04: the CFA fits and what is computed from them (fit, loadings, CR, AVE, F-L)."""
    import pandas as pd

    from analysis import cfa

    instrument, keyed, constructs = _keyed_sample(work)
    conditional = sorted({item.construct for item in instrument.items() if item.ask_if is not None})
    measured = {code: group for code, group in constructs.items() if code not in conditional}
    fit_ml = cfa.cfa_model(keyed, constructs=measured, estimator="ML")
    fit_mlr = cfa.cfa_model(keyed, constructs=measured, estimator="MLR")
    complaint = {code: constructs[code] for code in conditional}
    fit_complaint = cfa.cfa_model(keyed, constructs=complaint, estimator="ML")
    cfa.improper_solution_checks(fit_mlr)
    for fit in (fit_ml, fit_mlr, fit_complaint):
        cfa.fit_indices(fit)
    for fit in (fit_mlr, fit_complaint):
        cfa.standardized_loadings(fit)
    for function in (cfa.cfa_composite_reliability, cfa.cfa_average_variance_extracted):
        pd.concat([function(fit_mlr), function(fit_complaint)], ignore_index=True)
    cfa.fornell_larcker(fit_mlr)


def step_groups(work: Path, n: int) -> None:
    """Notebook 08: compare_groups over the scores and key items, profile by bank type."""
    import pandas as pd
    from statsmodels.stats.multitest import multipletests

    from analysis.descriptives import construct_scores
    from analysis.drivers import LOYALTY_ITEM, SATISFACTION_ITEM
    from analysis.groups import chi_square_independence, compare_groups, cramers_v
    from analysis.instrument import load_instrument
    from analysis.responses import read_responses

    instrument = load_instrument(INSTRUMENT)
    responses = read_responses(_clean_path(work), instrument)
    conditional = sorted({item.construct for item in instrument.items() if item.ask_if is not None})
    compared = [c.code for c in instrument.constructs if c.code not in conditional]
    scores = construct_scores(responses, instrument, constructs=compared).join(
        responses[[SATISFACTION_ITEM, LOYALTY_ITEM, "bank_type"]]
    )
    compare_groups(scores, dvs=[*compared, SATISFACTION_ITEM, LOYALTY_ITEM], group="bank_type")
    seed = _seed()
    associations = pd.concat(
        [
            chi_square_independence(responses, row="bank_type", column=code, random_state=seed)
            for code in PROFILE_CODES
        ],
        ignore_index=True,
    )
    pearson = associations["test"] == "Pearson chi-square"
    multipletests(associations.loc[pearson, "p_val"], method="holm")
    pd.concat(
        [cramers_v(responses, row="bank_type", column=code) for code in PROFILE_CODES],
        ignore_index=True,
    )


STEPS: dict[str, Callable[[Path, int], None]] = {
    "draw": step_draw,
    "validation": step_validation,
    "read": step_read,
    "reliability": step_reliability,
    "cfa": step_cfa,
    "groups": step_groups,
}


def _peak_mb() -> float:
    """Peak resident memory of this process, in MB.

    On Linux the high-water mark of this process image (``VmHWM`` in ``/proc/self/status``):
    ``ru_maxrss`` would not do, since Linux carries the parent's resident size at ``fork``
    into it, so a worker started by a large parent would report at least the parent's size.
    Elsewhere ``ru_maxrss`` (of this process and any children it waited for).
    """
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    kib = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    scale = 1024 if sys.platform == "darwin" else 1  # bytes on macOS, KiB on Linux
    return kib / scale / 1024


def worker(step: str, work: Path, n: int, imports_only: bool) -> dict[str, float]:
    """Run one step in this (fresh) process; what it cost."""
    import warnings

    start = time.perf_counter()
    for module in MODULES[step]:
        importlib.import_module(module)
    imported = time.perf_counter()
    if not imports_only:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # sparse tables, listwise deletion: expected
            STEPS[step](work, n)
    return {
        "import_seconds": imported - start,
        "seconds": time.perf_counter() - imported,
        "peak_mb": _peak_mb(),
    }


# --------------------------------------------------------------------------------------------
# The driver


def run_worker(step: str, work: Path, n: int, *, imports_only: bool = False) -> dict[str, float]:
    """Run ``step`` in a fresh Python process; its measurements and the process's wall time."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", step]
    command += ["--work", str(work), "--n", str(n)] + (["--imports-only"] if imports_only else [])
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"Step {step} at n = {n} failed:\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result | {"process_seconds": wall}


def measure(sizes: Sequence[int], *, keep: Path | None = None) -> dict[str, Any]:
    """Every step at every size, plus the import-only baseline of each step."""
    baseline = {step: run_worker(step, ROOT, 0, imports_only=True) for step in STEPS}
    runs: dict[int, dict[str, dict[str, float]]] = {}
    for n in sizes:
        work = Path(tempfile.mkdtemp(prefix=f"crm-scaling-{n}-", dir=keep))
        try:
            runs[n] = {}
            for step in STEPS:
                runs[n][step] = run_worker(step, work, n)
                r = runs[n][step]
                print(
                    f"n = {n:>7}  {step:<12} {r['seconds']:8.2f} s  {r['peak_mb']:8.0f} MB",
                    flush=True,
                )
            runs[n]["draw"]["raw_mb"] = (work / RAW_NAME).stat().st_size / 2**20
        finally:
            if keep is None:
                shutil.rmtree(work, ignore_errors=True)
    return {
        "machine": machine(),
        "date": date.today().isoformat(),
        "baseline": baseline,
        "runs": runs,
    }


def exponents(values: dict[int, float]) -> tuple[float, float]:
    """Slope of log value on log n: between the two largest sizes, and over all sizes."""
    sizes = sorted(values)
    if len(sizes) < 2:
        return math.nan, math.nan
    x = np.log([float(n) for n in sizes])
    y = np.log([max(values[n], 1e-6) for n in sizes])
    last = (y[-1] - y[-2]) / (x[-1] - x[-2])
    return float(last), float(np.polyfit(x, y, 1)[0])


def target_figures(results: dict[str, Any]) -> tuple[float, float]:
    """What the target is checked on, at the largest n measured: the four steps' processes'
    wall seconds from start to exit, summed, and the largest of their peak RSS in MB."""
    at_largest = results["runs"][max(results["runs"])]
    return (
        sum(at_largest[step]["process_seconds"] for step in TARGET_STEPS),
        max(at_largest[step]["peak_mb"] for step in TARGET_STEPS),
    )


def _label(step: str) -> str:
    if step == "draw":
        return "draw the sample (setup)"
    if step == "read":
        return "read the analysis sample (part of each of the next three)"
    return step


def _rows(
    results: dict[str, Any], cell: Callable[[dict[str, float]], str], extra: Callable
) -> list:
    runs = results["runs"]
    sizes = sorted(runs)
    return [
        f"| {_label(step)} | "
        + " | ".join(cell(runs[n][step]) for n in sizes)
        + f" | {extra(step)} |"
        for step in STEPS
    ]


def _verdict(met: bool) -> str:
    return "**met**" if met else "**missed**"


def markdown(results: dict[str, Any], command: str) -> str:
    """The results as a Markdown section for ``benchmarks/results.md``."""
    runs, baseline = results["runs"], results["baseline"]
    sizes = sorted(runs)
    largest = sizes[-1]
    header = " | ".join(f"n = {n:,}" for n in sizes)
    rule = "|---|" + "---:|" * (len(sizes) + 2)

    def time_exponents(step: str) -> str:
        last, overall = exponents({n: runs[n][step]["seconds"] for n in sizes})
        return f"{last:.2f} | {overall:.2f}"

    def memory_exponent(step: str) -> str:
        above = {n: runs[n][step]["peak_mb"] - baseline[step]["peak_mb"] for n in sizes}
        return f"{baseline[step]['peak_mb']:.0f} | {exponents(above)[0]:.2f}"

    at_largest = runs[largest]
    total, peak = target_figures(results)
    work = sum(at_largest[step]["seconds"] for step in TARGET_STEPS)
    peak_step = max(TARGET_STEPS, key=lambda step: at_largest[step]["peak_mb"])
    lines = [
        "# Scaling with the number of respondents",
        "",
        f"Measured by `{command}` on {results['date']}.",
        f"Machine: {results['machine']}.",
        "",
        "Each step runs in a fresh Python process, one after another, on a synthetic sample drawn",
        "from the population model; the steps call the functions the `clean` rule and notebooks",
        "04 and 08 call, with their arguments (`benchmarks/scaling.py` says which). Seconds are a",
        "step's work after its imports; the analysis steps include reading the analysis sample,",
        "as their notebooks do.",
        "",
        "Seconds per step; growth exponent = slope of log seconds on log n (1 = linear):",
        "",
        f"| step | {header} | exponent, two largest n | exponent, all n |",
        rule,
        *_rows(results, lambda r: f"{r['seconds']:.2f}", time_exponents),
        "",
        "Peak resident memory (MB, the high-water mark `VmHWM` of the step's process, imports "
        "included); baseline",
        "= a process that only imports the step's modules; exponent of the peak above it:",
        "",
        f"| step | {header} | baseline | exponent above baseline, two largest n |",
        rule,
        *_rows(results, lambda r: f"{r['peak_mb']:.0f}", memory_exponent),
        "",
        f"Raw CSV at n = {largest:,}: {at_largest['draw']['raw_mb']:.0f} MB.",
        "",
        f"Target at n = {largest:,}: validation, reliability, CFA and group comparisons in under "
        f"{TARGET_SECONDS:.0f} s and {TARGET_MB / 1024:.0f} GB.",
        "",
        "| measure | value | target | |",
        "|---|---:|---:|---|",
        f"| time: the four processes, start to exit | {total:.1f} s | < {TARGET_SECONDS:.0f} s "
        f"| {_verdict(total < TARGET_SECONDS)} |",
        f"| time: the four steps' work, imports excluded | {work:.1f} s | | |",
        f"| memory: largest peak of the four ({peak_step}) | {peak:.0f} MB | "
        f"< {TARGET_MB:.0f} MB | {_verdict(peak < TARGET_MB)} |",
    ]
    if largest != max(SIZES):
        lines += [
            "",
            f"The target is stated for n = {max(SIZES):,}; the largest n run: {largest:,}.",
        ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--out", type=Path, help="write the Markdown section to this file")
    parser.add_argument("--json", type=Path, help="write the raw measurements to this file")
    parser.add_argument("--keep", type=Path, help="keep the samples under this existing folder")
    parser.add_argument("--worker", choices=list(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--imports-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.work, args.n, args.imports_only)))
        return 0
    print(machine(), flush=True)
    results = measure(sorted(args.sizes), keep=args.keep)
    arguments = sys.argv[1:] if argv is None else list(argv)
    text = markdown(results, " ".join([".venv/bin/python benchmarks/scaling.py", *arguments]))
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
