"""The questionnaire as data (``survey/instrument.yaml``) and the synthetic population model.

:func:`load_instrument` reads and validates the instrument: the respondent profile now, the CRM
constructs later. :func:`load_population` reads the population model the synthetic sample is
drawn from (``survey/population.yaml``) and checks it against the instrument. Both raise
:class:`InstrumentError` with a message naming the file, the variable and the fix; unknown keys
are errors, so that a typo cannot silently drop a field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from analysis.config import display_path

#: Languages every text of the instrument is given in (zh: administered; en: the paper).
LANGUAGES = ("zh", "en")
#: Variable types the instrument may declare.
VARIABLE_TYPES = ("categorical",)
#: Column of the respondent identifier in response files; not a variable code.
RESPONDENT_ID = "respondent_id"
#: Tolerance of the check that a variable's probabilities sum to 1.
PROBABILITY_TOLERANCE = 1e-9

_CODE = re.compile(r"[a-z][a-z0-9_]*\Z")
_INSTRUMENT_KEYS = ("instrument", "profile")
_HEADER_KEYS = ("id", "version", "title", "language", "note")
_VARIABLE_KEYS = ("code", "label", "question", "type", "values", "missing_codes")
_VARIABLE_REQUIRED = ("code", "question", "type", "values", "missing_codes")
_VALUE_KEYS = ("code", "label")
_POPULATION_KEYS = ("population", "missing_rate", "profile")
_POPULATION_HEADER_KEYS = ("instrument", "note")
_POPULATION_VARIABLE_KEYS = ("probabilities", "rationale")


class InstrumentError(ValueError):
    """An instrument or population file that cannot be used; the message names the fix."""


@dataclass(frozen=True)
class Value:
    """One answer option of a categorical variable.

    Attributes
    ----------
    code : int
        The code stored in the responses.
    label : Mapping[str, str]
        Label by language (``"zh"``, ``"en"``).
    """

    code: int
    label: Mapping[str, str]


@dataclass(frozen=True)
class Variable:
    """One question of the instrument.

    Attributes
    ----------
    code : str
        Column name in the responses (snake_case).
    question : Mapping[str, str]
        The question as asked, by language.
    type : str
        One of :data:`VARIABLE_TYPES`.
    values : tuple of Value
        The answer options, in questionnaire order.
    missing_codes : tuple of int
        Codes meaning item nonresponse.
    label : Mapping[str, str] or None
        Short name for tables and figures, by language (optional in the file).
    """

    code: str
    question: Mapping[str, str]
    type: str
    values: tuple[Value, ...]
    missing_codes: tuple[int, ...]
    label: Mapping[str, str] | None = None

    @property
    def codes(self) -> tuple[int, ...]:
        """The declared answer codes, in questionnaire order."""
        return tuple(value.code for value in self.values)

    def value_labels(self, language: str = "en") -> dict[int, str]:
        """Answer code -> label in ``language``."""
        check_language(language, function="Variable.value_labels")
        return {value.code: value.label[language] for value in self.values}

    def short_label(self, language: str = "en") -> str:
        """The variable's short label in ``language``, or its code when it has none."""
        check_language(language, function="Variable.short_label")
        return self.code if self.label is None else self.label[language]


@dataclass(frozen=True)
class Instrument:
    """The questionnaire: identification and the respondent profile.

    Attributes
    ----------
    path : Path
        The file it was read from (named in error messages).
    id, version : str
        Identifier and version of the instrument.
    title : Mapping[str, str]
        Title by language.
    language : str
        Language the questionnaire is administered in.
    note : str
        Provenance note.
    profile : tuple of Variable
        The respondent-profile variables, in questionnaire order.
    """

    path: Path
    id: str
    version: str
    title: Mapping[str, str]
    language: str
    note: str
    profile: tuple[Variable, ...]

    @property
    def variables(self) -> tuple[Variable, ...]:
        """Every variable of the questionnaire (one column of the responses each), in order."""
        return self.profile

    @property
    def profile_codes(self) -> tuple[str, ...]:
        """Codes (column names) of the profile variables, in questionnaire order."""
        return tuple(variable.code for variable in self.profile)

    def variable(self, code: str) -> Variable:
        """The profile variable ``code``.

        Raises
        ------
        KeyError
            If the instrument has no such variable (the message lists those it has).
        """
        for variable in self.profile:
            if variable.code == code:
                return variable
        raise KeyError(
            f"The instrument {display_path(self.path)} has no profile variable {code!r}. "
            f"Its profile variables are {list(self.profile_codes)}."
        )

    def value_labels(self, code: str, language: str = "en") -> dict[int, str]:
        """Answer code -> label in ``language`` for the profile variable ``code``.

        Examples
        --------
        >>> instrument = load_instrument("survey/instrument.yaml")
        >>> instrument.value_labels("gender", "zh")
        {1: '男', 2: '女'}
        """
        return self.variable(code).value_labels(language)

    def variable_labels(self, language: str = "en") -> dict[str, str]:
        """Variable code -> short label in ``language``, for every profile variable.

        Examples
        --------
        >>> load_instrument("survey/instrument.yaml").variable_labels("en")["bank_type"]
        'Main bank'
        """
        return {variable.code: variable.short_label(language) for variable in self.profile}


@dataclass(frozen=True)
class Population:
    """The population model of the synthetic sample.

    Attributes
    ----------
    path : Path
        The file it was read from.
    instrument_id : str
        The id of the instrument the model is written for.
    note : str
        What the numbers are (illustrative assumptions, not estimates).
    missing_rate : float
        Probability that any one answer is item nonresponse (missing completely at random).
    probabilities : Mapping[str, Mapping[int, float]]
        Variable code -> answer code -> probability; the answer codes in the instrument's order.
    """

    path: Path
    instrument_id: str
    note: str
    missing_rate: float
    probabilities: Mapping[str, Mapping[int, float]]


def check_language(language: str, *, function: str) -> None:
    """Raise ValueError unless ``language`` is one of :data:`LANGUAGES` (naming ``function``)."""
    if language not in LANGUAGES:
        raise ValueError(
            f"The 'language' parameter of {function} must be one of {list(LANGUAGES)}. "
            f"Got {language!r}."
        )


# --------------------------------------------------------------------------------------------
# Reading and structural checks shared by both files


def _read_yaml(path: str | Path, what: str) -> tuple[Path, Any]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"The {what} file {display_path(path)} does not exist. Pass the path of an existing "
            f"file (a run takes it from survey.{what} in config/config.yaml)."
        )
    try:
        return path, yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise InstrumentError(
            f"{display_path(path)} is not valid YAML: {error}. Fix the syntax at the line shown."
        ) from error


class _Checker:
    """Raises :class:`InstrumentError` messages that start with the file and the location."""

    def __init__(self, path: Path) -> None:
        self.file = display_path(path)

    def fail(self, where: str, problem: str, fix: str) -> InstrumentError:
        return InstrumentError(f"{self.file}, {where}: {problem} {fix}")

    def mapping(
        self,
        raw: Any,
        where: str,
        *,
        keys: tuple[str, ...],
        required: tuple[str, ...] | None = None,
    ) -> Mapping[str, Any]:
        if not isinstance(raw, Mapping):
            raise self.fail(
                where,
                f"must be a mapping of keys to values. Got {raw!r}.",
                f"Write it as a mapping with the keys {list(keys)}.",
            )
        unknown = [k for k in raw if k not in keys]
        if unknown:
            raise self.fail(
                where,
                f"unknown key(s) {unknown}.",
                f"Known keys are {list(keys)}; correct the spelling or remove it.",
            )
        missing = [k for k in (keys if required is None else required) if k not in raw]
        if missing:
            raise self.fail(where, f"missing key(s) {missing}.", "Add them.")
        return raw

    def text(self, raw: Any, where: str) -> Mapping[str, str]:
        if not isinstance(raw, Mapping):
            raise self.fail(
                where,
                f"must give the text in every language {list(LANGUAGES)}. Got {raw!r}.",
                "Write it as {zh: ..., en: ...}.",
            )
        missing = [
            lang
            for lang in LANGUAGES
            if not isinstance(raw.get(lang), str) or not raw[lang].strip()
        ]
        if missing:
            raise self.fail(
                where,
                f"missing or empty label in language(s) {missing}.",
                "Add a non-empty text for each language.",
            )
        unknown = [lang for lang in raw if lang not in LANGUAGES]
        if unknown:
            raise self.fail(
                where,
                f"unknown language(s) {unknown}.",
                f"Texts are given in exactly {list(LANGUAGES)}.",
            )
        return MappingProxyType({lang: raw[lang] for lang in LANGUAGES})

    def string(self, raw: Any, where: str, fix: str = "Write a non-empty text.") -> str:
        if not isinstance(raw, str) or not raw.strip():
            raise self.fail(where, f"must be a non-empty text. Got {raw!r}.", fix)
        return raw

    def integer(self, raw: Any, where: str) -> int:
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise self.fail(
                where,
                f"must be an integer code. Got {raw!r}.",
                "Write the code as a whole number without quotes.",
            )
        return raw

    def sequence(self, raw: Any, where: str, *, nonempty: bool) -> list[Any]:
        if not isinstance(raw, list) or (nonempty and not raw):
            kind = "a non-empty list" if nonempty else "a list (possibly empty, [])"
            raise self.fail(where, f"must be {kind}. Got {raw!r}.", "Write it as a YAML list.")
        return raw


# --------------------------------------------------------------------------------------------
# The instrument


def _header(check: _Checker, raw: Any) -> dict[str, Any]:
    header = check.mapping(raw, "section 'instrument'", keys=_HEADER_KEYS)
    where = "section 'instrument'"
    language = header["language"]
    if language not in LANGUAGES:
        raise check.fail(
            f"{where}, key 'language'",
            f"must be one of {list(LANGUAGES)}. Got {language!r}.",
            "Set the language the questionnaire is asked in.",
        )
    return {
        "id": check.string(header["id"], f"{where}, key 'id'"),
        "version": check.string(
            header["version"],
            f"{where}, key 'version'",
            'Quote the version, e.g. version: "0.1.0".',
        ),
        "title": check.text(header["title"], f"{where}, key 'title'"),
        "language": language,
        "note": check.string(header["note"], f"{where}, key 'note'"),
    }


def _values(check: _Checker, raw: Any, where: str) -> tuple[Value, ...]:
    values = []
    for i, item in enumerate(check.sequence(raw, f"{where}, key 'values'", nonempty=True), 1):
        at = f"{where}, value {i}"
        entry = check.mapping(item, at, keys=_VALUE_KEYS)
        values.append(
            Value(
                code=check.integer(entry["code"], f"{at}, key 'code'"),
                label=check.text(entry["label"], f"{at}, key 'label'"),
            )
        )
    codes = [value.code for value in values]
    duplicated = sorted({code for code in codes if codes.count(code) > 1})
    if duplicated:
        raise check.fail(
            f"{where}, key 'values'",
            f"code(s) {duplicated} declared more than once.",
            "Give each answer option its own integer code.",
        )
    return tuple(values)


def _missing_codes(
    check: _Checker, raw: Any, where: str, codes: tuple[int, ...]
) -> tuple[int, ...]:
    at = f"{where}, key 'missing_codes'"
    missing = [check.integer(code, at) for code in check.sequence(raw, at, nonempty=False)]
    clash = sorted(set(missing) & set(codes))
    if clash:
        raise check.fail(
            at,
            f"code(s) {clash} are also answer codes.",
            "A code is either an answer option or a missing code; renumber one.",
        )
    if len(set(missing)) != len(missing):
        raise check.fail(at, f"a code is listed more than once: {missing}.", "List each once.")
    return tuple(missing)


def _variable(check: _Checker, raw: Any, index: int) -> Variable:
    where = f"profile variable {index}"
    entry = check.mapping(raw, where, keys=_VARIABLE_KEYS, required=_VARIABLE_REQUIRED)
    code = entry["code"]
    if not isinstance(code, str) or not _CODE.match(code) or code == RESPONDENT_ID:
        raise check.fail(
            f"{where}, key 'code'",
            f"must be a snake_case name other than "
            f"{RESPONDENT_ID!r} ([a-z][a-z0-9_]*). Got {code!r}.",
            "It is the column name in the responses file; rename it.",
        )
    where = f"profile variable {code!r}"
    if entry["type"] not in VARIABLE_TYPES:
        raise check.fail(
            f"{where}, key 'type'",
            f"unknown type {entry['type']!r}.",
            f"Supported types are {list(VARIABLE_TYPES)}.",
        )
    values = _values(check, entry["values"], where)
    label = entry.get("label")
    return Variable(
        code=code,
        question=check.text(entry["question"], f"{where}, key 'question'"),
        type=entry["type"],
        values=values,
        missing_codes=_missing_codes(
            check, entry["missing_codes"], where, tuple(v.code for v in values)
        ),
        label=None if label is None else check.text(label, f"{where}, key 'label'"),
    )


def _profile(check: _Checker, raw: Any) -> tuple[Variable, ...]:
    items = check.sequence(raw, "section 'profile'", nonempty=True)
    variables = tuple(_variable(check, item, i) for i, item in enumerate(items, 1))
    codes = [variable.code for variable in variables]
    duplicated = sorted({code for code in codes if codes.count(code) > 1})
    if duplicated:
        raise check.fail(
            "section 'profile'",
            f"variable code(s) {duplicated} used more than once.",
            "Each variable needs its own code (its column name).",
        )
    return variables


def load_instrument(path: str | Path) -> Instrument:
    """Read and validate the questionnaire (``survey/instrument.yaml``).

    Parameters
    ----------
    path : str or Path
        The instrument file (YAML, UTF-8).

    Returns
    -------
    Instrument
        The validated, immutable instrument.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    InstrumentError
        If the file is not valid YAML or breaks the structure: unknown or missing keys, a
        text without a label in every language of :data:`LANGUAGES`, an unknown variable type,
        duplicated variable or answer codes, a missing code that is also an answer code. The
        message names the file, the variable and the fix.

    Examples
    --------
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> instrument.profile_codes
    ('gender', 'age_band', 'bank_type')
    >>> instrument.variable("bank_type").codes
    (1, 2, 3)
    """
    path, raw = _read_yaml(path, "instrument")
    check = _Checker(path)
    document = check.mapping(raw, "top level", keys=_INSTRUMENT_KEYS)
    return Instrument(
        path=path,
        **_header(check, document["instrument"]),
        profile=_profile(check, document["profile"]),
    )


# --------------------------------------------------------------------------------------------
# The population model


def _probability(check: _Checker, raw: Any, where: str) -> float:
    if (
        not isinstance(raw, int | float)
        or isinstance(raw, bool)
        or not math.isfinite(raw)
        or not 0 <= raw <= 1
    ):
        raise check.fail(
            where,
            f"must be a probability in [0, 1]. Got {raw!r}.",
            "Write a number between 0 and 1.",
        )
    return float(raw)


def _probabilities(check: _Checker, raw: Any, variable: Variable) -> Mapping[int, float]:
    where = f"profile variable {variable.code!r}, key 'probabilities'"
    if not isinstance(raw, Mapping):
        raise check.fail(
            where,
            f"must map each answer code to its probability. Got {raw!r}.",
            f"Write it as {{code: probability}} for the codes {list(variable.codes)}.",
        )
    missing = [code for code in variable.codes if code not in raw]
    unknown = [code for code in raw if code not in variable.codes]
    if missing or unknown:
        raise check.fail(
            where,
            f"the codes must be exactly the instrument's answer codes "
            f"{list(variable.codes)}; missing {missing}, not in the instrument "
            f"{unknown}.",
            "Give one probability per answer code of the instrument.",
        )
    probabilities = {
        code: _probability(check, raw[code], f"{where}, code {code}") for code in variable.codes
    }
    total = math.fsum(probabilities.values())
    if abs(total - 1) > PROBABILITY_TOLERANCE:
        raise check.fail(
            where,
            f"the probabilities sum to {total!r}, not 1 (tolerance {PROBABILITY_TOLERANCE:g}).",
            "Adjust them so that they sum to 1.",
        )
    return MappingProxyType(probabilities)


def _population_profile(
    check: _Checker, raw: Any, instrument: Instrument
) -> Mapping[str, Mapping[int, float]]:
    if not isinstance(raw, Mapping):
        raise check.fail(
            "section 'profile'",
            f"must map each profile variable to its model. Got {raw!r}.",
            f"Give an entry for each of {list(instrument.profile_codes)}.",
        )
    missing = [code for code in instrument.profile_codes if code not in raw]
    unknown = [code for code in raw if code not in instrument.profile_codes]
    if missing or unknown:
        raise check.fail(
            "section 'profile'",
            f"the variables must be exactly the instrument's "
            f"profile variables; missing {missing}, not in "
            f"{display_path(instrument.path)} {unknown}.",
            "Add or remove entries to match the instrument.",
        )
    models = {}
    for variable in instrument.profile:
        entry = check.mapping(
            raw[variable.code],
            f"profile variable {variable.code!r}",
            keys=_POPULATION_VARIABLE_KEYS,
            required=("probabilities",),
        )
        models[variable.code] = _probabilities(check, entry["probabilities"], variable)
    return MappingProxyType(models)


def load_population(path: str | Path, instrument: Instrument) -> Population:
    """Read the population model of the synthetic sample and check it against the instrument.

    Parameters
    ----------
    path : str or Path
        The population file (``survey/population.yaml``).
    instrument : Instrument
        The instrument the model must match (see :func:`load_instrument`).

    Returns
    -------
    Population
        The validated model.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    InstrumentError
        If the model is written for another instrument id, does not cover exactly the
        instrument's profile variables, a variable's probabilities do not cover exactly its
        answer codes or do not sum to 1 (within :data:`PROBABILITY_TOLERANCE`), or
        ``missing_rate`` is not in [0, 1). The message names the file, the variable and the fix.

    Examples
    --------
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> dict(population.probabilities["bank_type"])
    {1: 0.5, 2: 0.35, 3: 0.15}
    """
    path, raw = _read_yaml(path, "population")
    check = _Checker(path)
    document = check.mapping(raw, "top level", keys=_POPULATION_KEYS)
    header = check.mapping(
        document["population"], "section 'population'", keys=_POPULATION_HEADER_KEYS
    )
    if header["instrument"] != instrument.id:
        raise check.fail(
            "section 'population', key 'instrument'",
            f"the model is written for instrument {header['instrument']!r}, but "
            f"{display_path(instrument.path)} is {instrument.id!r}.",
            "Pass the matching instrument, or update the model to it.",
        )
    missing_rate = _probability(check, document["missing_rate"], "key 'missing_rate'")
    if missing_rate >= 1:
        raise check.fail(
            "key 'missing_rate'",
            "must be below 1 (1 would leave no answers).",
            "Use a small rate such as 0.01.",
        )
    return Population(
        path=path,
        instrument_id=instrument.id,
        note=check.string(header["note"], "section 'population', key 'note'"),
        missing_rate=missing_rate,
        probabilities=_population_profile(check, document["profile"], instrument),
    )
