"""The run configuration: every parameter of a run, read from `config/config.yaml`.

Unknown keys are errors (a mistyped key must not be silently ignored), paths are resolved against
the repository root, and the survey data file is checked before any work starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO_ROOT / "config" / "config.yaml"
SYNTHETIC = "synthetic"
RENDERERS = ("auto", "quarto", "offline")
FORMATS = ("html", "pdf", "docx")


class ConfigError(ValueError):
    """A run configuration that cannot be used; the message names the key and the fix."""


@dataclass(frozen=True)
class SurveyConfig:
    """Where the instrument, the population model and the responses are."""

    instrument: str = "survey/instrument.yaml"
    population: str = "survey/population.yaml"
    responses: str = SYNTHETIC
    synthetic_n: int = 400


@dataclass(frozen=True)
class ScreeningConfig:
    """The quality-screening rules and their thresholds (see :mod:`analysis.screening`).

    ``None`` means the default of :data:`analysis.screening.DEFAULT_THRESHOLDS` (or, for
    ``rules``, :data:`analysis.screening.DEFAULT_RULES`); values are checked when screening runs.
    """

    rules: tuple[str, ...] | None = None
    max_missing_share: float | None = None
    min_duration_ratio: float | None = None
    min_duration_seconds: float | None = None
    straightline_run: int | None = None

    def thresholds(self) -> dict[str, float]:
        """The thresholds set in the configuration (the others take their defaults)."""
        return {k: v for k, v in asdict(self).items() if k != "rules" and v is not None}


@dataclass(frozen=True)
class StructuralConfig:
    """The structural model's bootstrap (see :func:`analysis.sem.indirect_effects`)."""

    bootstrap_draws: int = 2000
    jobs: int = 2


@dataclass(frozen=True)
class PaperConfig:
    """How the paper is rendered."""

    renderer: str = "auto"
    formats: tuple[str, ...] = FORMATS


@dataclass(frozen=True)
class RunConfig:
    """Every parameter of one run of the study.

    Attributes
    ----------
    output_dir : str
        Folder (relative to the repository root, or absolute) for every generated file.
    seed : int
        The run's seed; each random procedure derives a local generator from it.
    survey, paper : SurveyConfig, PaperConfig
        The survey inputs and the paper's rendering options.
    source : str
        The file the configuration was read from (for messages).
    """

    output_dir: str = "output"
    seed: int = 20261128
    survey: SurveyConfig = SurveyConfig()
    screening: ScreeningConfig = ScreeningConfig()
    structural: StructuralConfig = StructuralConfig()
    paper: PaperConfig = PaperConfig()
    source: str = "config/config.yaml"

    @property
    def uses_synthetic_responses(self) -> bool:
        """Whether the survey responses are the synthetic sample."""
        return self.survey.responses == SYNTHETIC

    def as_dict(self) -> dict[str, Any]:
        """The configuration as plain data (for provenance and Snakemake params)."""
        data = asdict(self)
        data["paper"]["formats"] = list(self.paper.formats)
        if self.screening.rules is not None:
            data["screening"]["rules"] = list(self.screening.rules)
        data.pop("source")
        return data


_SECTIONS = {
    "survey": SurveyConfig,
    "screening": ScreeningConfig,
    "structural": StructuralConfig,
    "paper": PaperConfig,
}


def _unknown_keys_error(
    unknown: set[str], known: list[str], where: str, source: str
) -> ConfigError:
    return ConfigError(
        f"Unknown key(s) {sorted(unknown)} in {where} of {source}. Known keys are {known}. "
        "Correct the spelling or remove the key; unknown keys are not ignored so that a typo "
        "cannot silently fall back to a default."
    )


def _check_keys(raw: Mapping[str, Any], known: list[str], where: str, source: str) -> None:
    unknown = set(raw) - set(known)
    if unknown:
        raise _unknown_keys_error(unknown, known, where, source)


def _section(name: str, raw: Any, source: str) -> Any:
    cls = _SECTIONS[name]
    if raw is None:
        return cls()
    if not isinstance(raw, Mapping):
        raise ConfigError(
            f"The '{name}' section of {source} must be a mapping of keys to values. "
            f"Got {type(raw).__name__}: {raw!r}."
        )
    _check_keys(raw, list(cls.__dataclass_fields__), f"the '{name}' section", source)
    values = dict(raw)
    for key in ("formats", "rules"):
        if values.get(key) is not None:
            values[key] = tuple(values[key])
    return cls(**values)


def _validate(config: RunConfig) -> RunConfig:
    src = config.source
    if not isinstance(config.seed, int) or isinstance(config.seed, bool) or config.seed < 0:
        raise ConfigError(
            f"The 'seed' key of {src} must be a non-negative integer. Got {config.seed!r}."
        )
    n = config.survey.synthetic_n
    if not isinstance(n, int) or isinstance(n, bool) or n < 10:
        raise ConfigError(
            f"The 'survey.synthetic_n' key of {src} must be an integer >= 10. Got {n!r}."
        )
    for key in ("bootstrap_draws", "jobs"):
        value = getattr(config.structural, key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(
                f"The 'structural.{key}' key of {src} must be a positive integer. Got {value!r}."
            )
    if config.paper.renderer not in RENDERERS:
        raise ConfigError(
            f"The 'paper.renderer' key of {src} must be one of {list(RENDERERS)}. "
            f"Got {config.paper.renderer!r}."
        )
    bad = [f for f in config.paper.formats if f not in FORMATS]
    if bad or not config.paper.formats:
        raise ConfigError(
            f"The 'paper.formats' key of {src} must be a non-empty list drawn from "
            f"{list(FORMATS)}. Got {list(config.paper.formats)!r}."
        )
    return config


def config_from_mapping(raw: Mapping[str, Any] | None, *, source: str = "<config>") -> RunConfig:
    """Build and validate a :class:`RunConfig` from parsed YAML.

    Parameters
    ----------
    raw : mapping or None
        The parsed configuration; missing keys take their defaults.
    source : str
        Name of the file it came from, used in error messages.

    Returns
    -------
    RunConfig

    Raises
    ------
    ConfigError
        On an unknown key, a wrong type or an invalid value; the message names the key.

    Examples
    --------
    >>> config_from_mapping({"seed": 7}).seed
    7
    """
    raw = dict(raw or {})
    top = [f for f in RunConfig.__dataclass_fields__ if f != "source"]
    _check_keys(raw, top, "the top level", source)
    sections = {name: _section(name, raw.pop(name, None), source) for name in _SECTIONS}
    return _validate(RunConfig(**raw, **sections, source=source))


def load_config(path: str | Path = DEFAULT_CONFIG) -> RunConfig:
    """Read and validate the run configuration from a YAML file.

    Parameters
    ----------
    path : str or Path
        The YAML file (default ``config/config.yaml``).

    Returns
    -------
    RunConfig

    Raises
    ------
    ConfigError
        When the file is missing, is not valid YAML, or holds an unknown key or invalid value.
    """
    raw, shown = read_yaml_mapping(path, what="configuration file", restore="config/config.yaml")
    return config_from_mapping(raw, source=shown)


def read_yaml_mapping(
    path: str | Path, *, what: str, restore: str
) -> tuple[Mapping[str, Any] | None, str]:
    """Read a YAML configuration file that must hold a mapping (or nothing).

    Parameters
    ----------
    path : str or Path
        The file.
    what : str
        What the file is, for messages ("configuration file", "power configuration").
    restore : str
        The committed file to restore when ``path`` is missing.

    Returns
    -------
    raw : mapping or None
        The file's content.
    shown : str
        The path as messages show it.

    Raises
    ------
    ConfigError
        When the file is missing, is not valid YAML, or does not hold a mapping.
    """
    path = Path(path)
    shown = display_path(path)
    if not path.is_file():
        raise ConfigError(
            f"The {what} {shown} does not exist. Pass an existing file with --config, or "
            f"restore {restore} from the repository."
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"The {what} {shown} is not valid YAML: {error}") from error
    if raw is not None and not isinstance(raw, Mapping):
        raise ConfigError(
            f"The {what} {shown} must hold a mapping of keys to values. Got {type(raw).__name__}."
        )
    return raw, shown


def resolve(path: str | Path) -> Path:
    """Resolve a configured path against the repository root (absolute paths stay as they are)."""
    path = Path(path)
    return path if path.is_absolute() else REPO_ROOT / path


def display_path(path: str | Path) -> str:
    """A path as shown to users: relative to the repository root when it lies inside it."""
    path = Path(path).resolve()
    try:
        return path.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def check_inputs(config: RunConfig) -> None:
    """Check that every input file the configuration names exists, before any work starts.

    Raises
    ------
    ConfigError
        Naming the missing file, the key that points to it and the fix.
    """
    wanted = {
        "survey.instrument": config.survey.instrument,
        "survey.population": config.survey.population,
    }
    if not config.uses_synthetic_responses:
        wanted["survey.responses"] = config.survey.responses
    for key, value in wanted.items():
        if not resolve(value).is_file():
            hint = (
                "or set it to 'synthetic' to use the synthetic sample"
                if key == "survey.responses"
                else "or restore the file from the repository"
            )
            raise ConfigError(
                f"The data file {value!r} named by '{key}' in {config.source} does not exist "
                f"(looked for {display_path(resolve(value))}). Correct the path in "
                f"{config.source} {hint}, then run again."
            )
