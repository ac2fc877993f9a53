"""Survey-data commands of the command line: validate, synthesize, questionnaire, export.

Each works on one file or folder named on the command line, outside the pipeline, for a user
preparing their own survey: check a file of responses before a run, draw a synthetic sample
(or one shaped like confidential data), render the questionnaire, export cleaned data.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from analysis.config import DEFAULT_CONFIG, display_path, load_config, resolve


def data_errors() -> tuple[type[Exception], ...]:
    """The errors about a user's files whose message is the whole story (no traceback)."""
    from analysis.ingest import ResponsesError
    from analysis.instrument import InstrumentError
    from analysis.privacy import IdentifierError
    from analysis.validation import ResponseValidationError

    return (
        FileNotFoundError,
        ResponsesError,
        InstrumentError,
        IdentifierError,
        ResponseValidationError,
    )


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register the data commands on the command line's subparsers."""
    config = load_config(DEFAULT_CONFIG) if DEFAULT_CONFIG.is_file() else None
    instrument = config.survey.instrument if config else "survey/instrument.yaml"

    cmd = sub.add_parser("validate", help="check a file of responses against the instrument")
    cmd.add_argument("responses", type=Path, help="CSV (UTF-8 or GBK), XLSX or SPSS .sav")
    cmd.add_argument("--instrument", default=instrument, help="(default: %(default)s)")
    cmd.set_defaults(handler=validate)

    cmd = sub.add_parser("synthesize", help="draw a synthetic sample from the population model")
    cmd.add_argument("--out", type=Path, default=Path("output/data/responses_synthetic.csv"))
    cmd.add_argument(
        "--n", type=int, help="respondents (default: survey.synthetic_n, or as many as --like)"
    )
    cmd.add_argument("--seed", type=int, default=config.seed if config else 0)
    cmd.add_argument("--instrument", default=instrument)
    cmd.add_argument("--population", default=config.survey.population if config else None)
    cmd.add_argument(
        "--like",
        type=Path,
        help="fit the model to this file of real responses and draw a copy shaped like it "
        "(the fitted model is written beside --out)",
    )
    cmd.set_defaults(handler=synthesize, default_n=config.survey.synthetic_n if config else 400)

    cmd = sub.add_parser("questionnaire", help="render the questionnaire (Chinese and English)")
    cmd.add_argument("--out", type=Path, default=Path("output/questionnaire"))
    cmd.add_argument("--formats", default="html,pdf,docx", help="(default: %(default)s)")
    cmd.add_argument("--instrument", default=instrument)
    cmd.set_defaults(handler=questionnaire)

    cmd = sub.add_parser(
        "export", help="validate and screen a file, export it to CSV + datapackage.json and .sav"
    )
    cmd.add_argument("responses", type=Path)
    cmd.add_argument("--out", type=Path, default=Path("output/export"))
    cmd.add_argument("--instrument", default=instrument)
    cmd.add_argument("--synthetic", action="store_true", help="the file holds synthetic data")
    cmd.set_defaults(handler=export)


def validate(args: argparse.Namespace) -> int:
    """Read, privacy-check and validate a file; print what was found and the screening ledger."""
    from analysis.instrument import load_instrument
    from analysis.responses import load_responses
    from analysis.screening import screen_responses

    instrument = load_instrument(resolve(args.instrument))
    loaded = load_responses(args.responses, instrument)
    print(
        f"{display_path(args.responses)}: {len(loaded.data)} respondents, valid against "
        f"{display_path(instrument.path)} ({loaded.source.format}, {loaded.source.encoding})."
    )
    for note in loaded.notes:
        print(f"note: {note}")
    for warning in loaded.warnings:
        print(f"warning: {warning.message}")
    ledger = screen_responses(loaded.data, instrument).ledger
    print("\nScreening with the default rules (exclusion ledger):")
    print(ledger[["rule", "n_before", "n_excluded", "n_after"]].to_string(index=False))
    return 0


def synthesize(args: argparse.Namespace) -> int:
    """Draw a synthetic sample, from the population model or shaped like a real file."""
    from analysis.synthetic import write_synthetic_responses

    if args.like is None:
        n = args.n or args.default_n
        written = write_synthetic_responses(
            resolve(args.instrument), resolve(args.population), args.out, n=n, seed=args.seed
        )
        print(f"Wrote {display_path(written)} (synthetic, n = {n}, seed {args.seed}).")
        return 0
    return _synthesize_like(args)


def _synthesize_like(args: argparse.Namespace) -> int:
    from analysis.files import write_csv
    from analysis.instrument import load_instrument
    from analysis.population_fit import fit_population, synthesise_like, write_population
    from analysis.responses import load_responses
    from analysis.screening import screen_responses

    instrument = load_instrument(resolve(args.instrument))
    screened = screen_responses(load_responses(args.like, instrument).data, instrument).kept
    model_path = args.out.with_name(f"{args.out.stem}.population.yaml")
    write_population(fit_population(screened, instrument), model_path, source=args.like)
    sample = synthesise_like(screened, instrument, n=args.n, seed=args.seed)
    write_csv(sample, args.out)
    print(
        f"Wrote {display_path(args.out)} (synthetic, shaped like {display_path(args.like)}, "
        f"n = {len(sample)}) and the fitted model {display_path(model_path)}."
    )
    return 0


def questionnaire(args: argparse.Namespace) -> int:
    """Render the questionnaire in Chinese and English as standalone documents."""
    from analysis.instrument import load_instrument
    from analysis.questionnaire import render_questionnaire

    instrument = load_instrument(resolve(args.instrument))
    rendered = render_questionnaire(instrument, args.out, formats=tuple(args.formats.split(",")))
    print(f"Wrote the questionnaire ({', '.join(rendered)}) to {display_path(args.out)}/.")
    return 0


def export(args: argparse.Namespace) -> int:
    """Validate and screen a file, then export the analysis sample with its records."""
    from analysis.cleaning import clean_responses

    written = clean_responses(
        args.responses, resolve(args.instrument), args.out, synthetic=args.synthetic
    )
    print(f"Wrote {', '.join(p.name for p in written.values())} to {display_path(args.out)}/.")
    return 0
