"""What the Snakefile's rules call: output paths, notebook parameters and the in-process steps.

The Snakefile stays declarative; everything with logic lives here, importable and tested.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.config import REPO_ROOT, RunConfig, display_path, resolve

PAPER_BASENAME = "crm-citic-zhengzhou"
#: Public datasets and R/SmartPLS reference values (the validation appendix's inputs).
REFERENCE_DIR = "tests/reference"
#: The bank panel (data/bank_panel): its files are inputs of the notebooks that declare
#: ``panel_dir``.
PANEL_DIR = "data/bank_panel"
#: Folder parameters a notebook may declare, and the folder each stands for.
FOLDER_PARAMETERS = {"reference_dir": REFERENCE_DIR, "panel_dir": PANEL_DIR}
NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"


@dataclass(frozen=True)
class OutputPaths:
    """Every generated path of a run, under the configured output folder.

    Paths are strings (as Snakemake wants them): relative to the repository root when the output
    folder is inside it, absolute otherwise.
    """

    root: str
    responses: str

    def _join(self, *parts: str) -> str:
        return str(Path(self.root, *parts))

    @property
    def synthetic_responses(self) -> str:
        return self._join("data", "responses_synthetic.csv")

    @property
    def data_dir(self) -> str:
        return self._join("data")

    @property
    def clean_outputs(self) -> list[str]:
        from analysis.cleaning import OUTPUTS

        return [self._join("data", name) for name in OUTPUTS]

    @property
    def clean_responses(self) -> str:
        from analysis.cleaning import CLEAN_NAME

        return self._join("data", f"{CLEAN_NAME}.csv")

    @property
    def results(self) -> str:
        return self._join("results")

    @property
    def values(self) -> str:
        return self._join("results", "values.json")

    @property
    def provenance(self) -> str:
        return self._join("results", "provenance.json")

    @property
    def render_info(self) -> str:
        return self._join("paper", "render-info.json")

    @property
    def paper_dir(self) -> str:
        return self._join("paper")

    @property
    def build_dir(self) -> str:
        return self._join("build", "paper")

    @property
    def questionnaire_dir(self) -> str:
        return self._join("questionnaire")

    def questionnaire_markdown(self, language: str) -> str:
        return self._join("results", "questionnaire", f"questionnaire_{language}.md")

    def questionnaire_document(self, language: str, fmt: str) -> str:
        return self._join("questionnaire", f"questionnaire_{language}.{fmt}")

    @property
    def benchmarks(self) -> str:
        return self._join("logs", "timings")

    def paper(self, fmt: str) -> str:
        return self._join("paper", f"{PAPER_BASENAME}.{fmt}")

    def executed(self, name: str) -> str:
        return self._join("notebooks", f"{name}.ipynb")

    def fragment(self, name: str) -> str:
        return self._join("results", "fragments", f"{name}.json")

    def error_file(self, step: str) -> str:
        return self._join("logs", f"{step}.error.txt")

    def benchmark(self, step: str) -> str:
        return self._join("logs", "timings", f"{step}.tsv")


def _as_snakemake_path(path: str | Path) -> str:
    path = resolve(path)
    try:
        return path.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def output_paths(config: RunConfig) -> OutputPaths:
    """The output paths of a run of ``config``."""
    root = _as_snakemake_path(config.output_dir)
    if config.uses_synthetic_responses:
        responses = str(Path(root, "data", "responses_synthetic.csv"))
    else:
        responses = _as_snakemake_path(config.survey.responses)
    return OutputPaths(root=root, responses=responses)


def notebook_names(folder: str | Path = REPO_ROOT / "notebooks") -> list[str]:
    """The pipeline's notebooks (``NN_name.ipynb``), in run order, without suffix."""
    return sorted(p.stem for p in Path(folder).glob(NOTEBOOK_PATTERN))


# Modules that run the pipeline or talk to the user but compute no result: editing them must not
# rerun the analyses. The renderer's files are inputs of the paper step only.
_ORCHESTRATION = frozenset(
    {
        "__main__.py",
        "checksums.py",
        "cli.py",
        "environment.py",
        "exhibits.py",
        "pipeline.py",
        "power.py",
        "powercli.py",
        "replication.py",
        "replication_report.py",
        "verify.py",
        "verifycli.py",
    }
)
_RENDERING = frozenset({"render.py", "crossref.lua"})


def package_sources(part: str = "analysis") -> list[str]:
    """Source files of the package that a step's results depend on.

    Parameters
    ----------
    part : {"analysis", "render"}
        ``"analysis"``: every module that computes, stores or executes results (inputs of the data,
        notebook and results steps); ``"render"``: the renderer (an input of the paper step).
        A change to any listed file reruns the steps that list it.
    """
    if part not in {"analysis", "render"}:
        raise ValueError(
            f"The 'part' parameter of package_sources must be 'analysis' or 'render'. Got {part!r}."
        )
    files = [p for p in (REPO_ROOT / "analysis").rglob("*") if p.suffix in {".py", ".lua"}]
    if part == "render":
        chosen = [p for p in files if p.name in _RENDERING]
    else:
        chosen = [p for p in files if p.name not in _ORCHESTRATION | _RENDERING]
    return sorted(p.relative_to(REPO_ROOT).as_posix() for p in chosen)


def paper_sources() -> list[str]:
    """Every file of the Quarto project in ``paper/``."""
    return sorted(
        p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / "paper").rglob("*") if p.is_file()
    )


def notebook_extra_inputs(name: str) -> list[str]:
    """Files a notebook reads besides the analysis sample: every file of each folder it
    declares (``reference_dir``, ``panel_dir``), so that a change to a reference value or a
    bank figure reruns it."""
    from analysis.notebooks import declared_parameters

    declared = declared_parameters(REPO_ROOT / "notebooks" / f"{name}.ipynb")
    return sorted(
        p.relative_to(REPO_ROOT).as_posix()
        for parameter, folder in FOLDER_PARAMETERS.items()
        if parameter in declared
        for p in (REPO_ROOT / folder).rglob("*")
        if p.is_file()
    )


def notebook_parameters(config: RunConfig, name: str) -> str:
    """The parameters for notebook ``name``: those it declares, from the run's configuration.

    Only declared parameters are passed, so a change to a parameter reruns only the notebooks
    that use it. Returned as JSON (for the shell command and Snakemake's change detection).
    """
    from analysis.notebooks import declared_parameters

    out = output_paths(config)
    available = {
        "instrument_path": config.survey.instrument,
        "population_path": config.survey.population,
        "responses_path": out.clean_responses,
        "raw_responses_path": out.responses,
        "data_dir": out.data_dir,
        "synthetic": config.uses_synthetic_responses,
        "results_dir": out.results,
        "seed": config.seed,
        "reference_dir": REFERENCE_DIR,
        "panel_dir": PANEL_DIR,
        "bootstrap_draws": config.structural.bootstrap_draws,
        "jobs": config.structural.jobs,
    }
    declared = declared_parameters(REPO_ROOT / "notebooks" / f"{name}.ipynb")
    return json.dumps({k: available[k] for k in declared if k in available}, sort_keys=True)


def make_synthetic_responses(
    instrument: str, population: str, out: str, *, n: int, seed: int
) -> Path:
    """Draw the synthetic sample (see :mod:`analysis.synthetic`)."""
    from analysis.synthetic import write_synthetic_responses

    return write_synthetic_responses(instrument, population, out, n=n, seed=seed)


def make_questionnaire(
    instrument: str, results_dir: str, documents_dir: str, *, formats: list[str]
) -> dict[str, Any]:
    """Write the questionnaire in Chinese and English for the paper's appendix, and render it
    as standalone documents (see :mod:`analysis.questionnaire`)."""
    from analysis.instrument import load_instrument
    from analysis.questionnaire import render_questionnaire, write_questionnaire

    loaded = load_instrument(instrument)
    written = write_questionnaire(loaded, Path(results_dir, "questionnaire"))
    rendered = render_questionnaire(loaded, documents_dir, formats=tuple(formats))
    return {"markdown": written, "documents": rendered}


def make_clean_data(
    raw: str, instrument: str, out_dir: str, *, synthetic: bool, screening: dict[str, Any]
) -> dict[str, Path]:
    """Validate and screen the raw responses into the analysis sample (:mod:`analysis.cleaning`)."""
    from analysis.cleaning import clean_responses

    rules = screening.pop("rules", None)
    options = {"rules": tuple(rules)} if rules else {}
    return clean_responses(
        raw, instrument, out_dir, synthetic=synthetic, thresholds=screening, **options
    )


def collect_results(results_dir: str) -> Path:
    """Merge the notebooks' store fragments into ``values.json``."""
    from analysis.store import collect

    return collect(results_dir)


def render(out: OutputPaths, *, formats: list[str], renderer: str) -> dict[str, Any]:
    """Render the paper from ``paper/`` with the run's results."""
    from analysis.render import render_paper

    return render_paper(
        REPO_ROOT / "paper",
        out.results,
        out.paper_dir,
        build_dir=out.build_dir,
        formats=tuple(formats),
        renderer=renderer,
        basename=PAPER_BASENAME,
    )


def input_files(config: RunConfig) -> list[Path]:
    """Every input a run reads: configuration, instrument, data, notebooks, paper, lock."""
    files = [
        resolve(config.survey.instrument),
        resolve(config.survey.population),
        REPO_ROOT / "requirements.lock",
    ]
    if not config.uses_synthetic_responses:
        files.append(resolve(config.survey.responses))
    files += sorted((REPO_ROOT / "notebooks").glob(NOTEBOOK_PATTERN))
    files += [REPO_ROOT / p for p in paper_sources()]
    files += [REPO_ROOT / p for p in package_sources() + package_sources("render")]
    return files


def record_provenance(config: RunConfig, out: OutputPaths) -> Path:
    """Write ``provenance.json``: what made this run's results, and how long each step took."""
    from analysis.provenance import build_provenance, read_benchmark_timings, write_provenance

    renderer = json.loads(Path(out.render_info).read_text(encoding="utf-8"))
    provenance = build_provenance(
        repo_root=REPO_ROOT,
        config=config.as_dict(),
        input_files=input_files(config),
        seeds={"run": config.seed},
        timings=read_benchmark_timings(out.benchmarks),
        renderer=renderer,
    )
    return write_provenance(out.provenance, provenance)


def error_messages(out: OutputPaths, *, since: float) -> list[str]:
    """Failure messages that steps of the current run wrote (files modified after ``since``)."""
    logs = Path(out.root, "logs")
    messages = []
    for path in sorted(logs.glob("*.error.txt")) if logs.is_dir() else []:
        text = path.read_text(encoding="utf-8").strip()
        if text and path.stat().st_mtime >= since:
            messages.append(text)
    return messages


def remove_stale_products(out: OutputPaths) -> list[str]:
    """After a failed run, remove the end products that would no longer match their inputs.

    The merged values, the paper and the provenance are built from every notebook; when a step
    fails, the copies from an earlier run would look complete but be stale.
    """
    removed = []
    candidates = [
        Path(out.values),
        Path(out.provenance),
        Path(out.render_info),
        *Path(out.paper_dir).glob(f"{PAPER_BASENAME}.*"),
    ]
    for path in candidates:
        if path.exists():
            path.unlink()
            removed.append(display_path(path))
    return removed


def mark_run(out: OutputPaths, failure: str | None) -> None:
    """Leave ``RUN_FAILED.txt`` in the output folder while the last run failed."""
    marker = Path(out.root, "RUN_FAILED.txt")
    if failure is None:
        marker.unlink(missing_ok=True)
        return
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(failure + "\n", encoding="utf-8")
