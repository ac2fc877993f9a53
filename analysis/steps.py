"""The pipeline's steps as one command line: ``python -m analysis.steps STEP ...``.

Each Snakemake rule runs one step in a fresh Python process (a shell rule starts in a fraction
of the time Snakemake needs for an in-process ``run:`` rule). A step that fails writes its
message to ``--error-file``, which the study's command line shows at the end of a failed run;
the file is emptied when the step succeeds.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from analysis import pipeline
from analysis.config import config_from_mapping
from analysis.notebooks import NotebookFailed, execute_notebook


def _survey_data(args: argparse.Namespace) -> Any:
    return pipeline.make_synthetic_responses(
        args.instrument, args.population, args.out, n=args.n, seed=args.seed
    )


def _clean(args: argparse.Namespace) -> Any:
    return pipeline.make_clean_data(
        args.responses,
        args.instrument,
        args.out_dir,
        synthetic=args.synthetic == "true",
        screening=json.loads(args.screening),
    )


def _notebook(args: argparse.Namespace) -> Any:
    return execute_notebook(args.notebook, args.executed, parameters=json.loads(args.parameters))


def _questionnaire(args: argparse.Namespace) -> Any:
    return pipeline.make_questionnaire(
        args.instrument, args.results_dir, args.documents_dir, formats=args.formats.split(",")
    )


def _results(args: argparse.Namespace) -> Any:
    return pipeline.collect_results(args.results_dir)


def _paper(args: argparse.Namespace) -> Any:
    out = pipeline.OutputPaths(root=args.output_dir, responses="")
    return pipeline.render(out, formats=args.formats.split(","), renderer=args.renderer)


def _provenance(args: argparse.Namespace) -> Any:
    config = config_from_mapping(json.loads(args.config_json), source="the run configuration")
    return pipeline.record_provenance(config, pipeline.output_paths(config))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis.steps", description=__doc__)
    parser.add_argument("--error-file", type=Path, required=True)
    sub = parser.add_subparsers(dest="step", required=True)
    step = sub.add_parser("survey_data", help="draw the synthetic sample")
    for name in ("instrument", "population", "out"):
        step.add_argument(f"--{name}", required=True)
    step.add_argument("--n", type=int, required=True)
    step.add_argument("--seed", type=int, required=True)
    step = sub.add_parser("clean", help="validate and screen the responses")
    for name in ("responses", "instrument", "out-dir", "screening"):
        step.add_argument(f"--{name}", required=True)
    step.add_argument("--synthetic", choices=["true", "false"], required=True)
    step = sub.add_parser("notebook", help="execute one notebook with papermill")
    step.add_argument("notebook", type=Path)
    step.add_argument("executed", type=Path)
    step.add_argument("--parameters", default="{}", help="JSON object of parameter values")
    step = sub.add_parser("questionnaire", help="write and render the questionnaire")
    for name in ("instrument", "results-dir", "documents-dir", "formats"):
        step.add_argument(f"--{name}", required=True)
    step = sub.add_parser("results", help="merge the store's fragments")
    step.add_argument("--results-dir", required=True)
    step = sub.add_parser("paper", help="render the paper")
    step.add_argument("--output-dir", required=True)
    step.add_argument("--formats", required=True, help="comma-separated, e.g. html,pdf,docx")
    step.add_argument("--renderer", required=True)
    step = sub.add_parser("provenance", help="record the provenance of the run")
    step.add_argument("--config-json", required=True)
    return parser


STEPS: dict[str, Callable[[argparse.Namespace], Any]] = {
    "survey_data": _survey_data,
    "clean": _clean,
    "notebook": _notebook,
    "questionnaire": _questionnaire,
    "results": _results,
    "paper": _paper,
    "provenance": _provenance,
}


def main(argv: list[str] | None = None) -> int:
    """Run one step; on failure write its message to the error file and exit 1."""
    args = _parser().parse_args(argv)
    args.error_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        STEPS[args.step](args)
    except NotebookFailed as failure:
        message = str(failure)
    except Exception as error:
        traceback.print_exc()  # for debugging; the error file gets the one-paragraph message
        message = f"Step '{args.step}' failed: {type(error).__name__}: {error}"
    else:
        args.error_file.write_text("", encoding="utf-8")
        return 0
    args.error_file.write_text(message + "\n", encoding="utf-8")
    print(f"ERROR: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
