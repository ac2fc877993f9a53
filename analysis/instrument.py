"""The questionnaire as data (``survey/instrument.yaml``) and the synthetic population model.

:func:`load_instrument` reads and validates the instrument: the texts around the questions, the
response scales, the constructs and their Likert items, the stated importance of the CRM
touch-points, attention checks, the respondent profile, filter questions, metadata columns, the
sections in questionnaire order and the structural model. :func:`load_population` reads the
population model the synthetic sample is drawn from (``survey/population.yaml``) and checks it
against the instrument. Both raise :class:`InstrumentError` with a message naming the file, the
place in it (``constructs[3] 'staff'.items[1] 'sta2'``, indices counted from 0) and the fix;
unknown keys are errors, so that a typo cannot silently drop a field. The schema is described in
``docs/instrument-schema.md``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

import yaml

from analysis.config import REPO_ROOT, display_path

#: Languages every text of the instrument is given in (zh: administered; en: the paper).
LANGUAGES = ("zh", "en")
#: Types of the columns (variables) of the responses.
VARIABLE_TYPES = ("categorical", "likert", "binary", "id", "duration")
#: Types a profile question may declare: one answer, or any number of options (0/1 columns).
PROFILE_TYPES = ("categorical", "multiple")
#: Types a metadata column may declare.
METADATA_TYPES = ("id", "duration")
#: What a variable is in the questionnaire.
ROLES = ("profile", "item", "importance", "attention", "filter", "meta")
#: Roles of the variables answered on a Likert scale.
LIKERT_ROLES = ("item", "importance", "attention")
#: Column of the respondent identifier in response files; declared under ``metadata``.
RESPONDENT_ID = "respondent_id"
#: The code by which ``sections`` list the importance block.
IMPORTANCE = "importance"
#: The bibliography construct ``sources`` are checked against, unless another is passed.
DEFAULT_REFERENCES = REPO_ROOT / "paper" / "references.bib"
#: Tolerance of the check that a variable's probabilities sum to 1.
PROBABILITY_TOLERANCE = 1e-9

_CODE = re.compile(r"[a-z][a-z0-9_]*\Z")
_BIB_KEY = re.compile(r"@\w+\s*\{\s*([^,\s]+)\s*,")
_TOP_KEYS = (
    "instrument",
    "missing_codes",
    "scales",
    "constructs",
    "importance",
    "attention_checks",
    "profile",
    "filters",
    "metadata",
    "sections",
    "model",
)
_TOP_REQUIRED = ("instrument", "scales", "constructs", "profile", "metadata", "sections", "model")
_HEADER_KEYS = ("id", "version", "title", "language", "note", "introduction", "sampling", "closing")
_SCALE_KEYS = ("points", "labels")
_CONSTRUCT_KEYS = ("code", "name", "definition", "sources", "touchpoint", "items")
_CONSTRUCT_REQUIRED = ("code", "name", "definition", "sources", "items")
_ITEM_KEYS = ("code", "text", "scale", "reverse", "ask_if", "missing_codes")
_ITEM_REQUIRED = ("code", "text", "scale")
_CONDITION_KEYS = ("variable", "in")
_IMPORTANCE_KEYS = ("scale", "question", "sources", "items")
_IMPORTANCE_REQUIRED = ("scale", "question", "items")
_IMPORTANCE_ITEM_KEYS = ("code", "touchpoint", "text", "missing_codes")
_IMPORTANCE_ITEM_REQUIRED = ("code", "touchpoint", "text")
_ATTENTION_KEYS = ("code", "text", "scale", "expected", "sources", "missing_codes")
_ATTENTION_REQUIRED = ("code", "text", "scale", "expected")
_QUESTION_KEYS = ("code", "label", "question", "type", "values", "options", "missing_codes")
_QUESTION_REQUIRED = ("code", "question", "type")
_VALUE_KEYS = ("code", "label")
_METADATA_KEYS = ("type", "required", "label")
_SECTION_KEYS = ("id", "title", "instructions", "contents")
_SECTION_REQUIRED = ("id", "title", "contents")
_MODEL_KEYS = ("paths", "outcomes")
_POPULATION_KEYS = ("population", "missing_rate", "profile")
_POPULATION_HEADER_KEYS = ("instrument", "note")
_POPULATION_VARIABLE_KEYS = ("probabilities", "rationale")


class InstrumentError(ValueError):
    """An instrument or population file that cannot be used; the message names the fix."""


# --------------------------------------------------------------------------------------------
# The parts of an instrument


@dataclass(frozen=True)
class Value:
    """One answer option (or labelled scale point) of a variable.

    Attributes
    ----------
    code : int
        The code stored in the responses.
    label : Mapping[str, str]
        Label by language (``"zh"``, ``"en"``).
    """

    code: int
    label: Mapping[str, str]


#: The two values of every 0/1 column of a multiple-choice question.
BINARY_VALUES = (
    Value(0, MappingProxyType({"zh": "未选择", "en": "Not selected"})),
    Value(1, MappingProxyType({"zh": "已选择", "en": "Selected"})),
)


@dataclass(frozen=True)
class Condition:
    """Skip logic: a question is asked only when a filter's answer is one of ``codes``.

    Attributes
    ----------
    variable : str
        Code of the filter question.
    codes : tuple of int
        The filter's answers for which the question is asked.

    Examples
    --------
    >>> condition = Condition("complained_12m", (1,))
    >>> condition.asks(1), condition.asks(2), condition.asks(None)
    (True, False, False)
    """

    variable: str
    codes: tuple[int, ...]

    def asks(self, answer: int | None) -> bool:
        """Whether a respondent whose filter answer is ``answer`` (None: missing) is asked."""
        return answer in self.codes


@dataclass(frozen=True)
class Variable:
    """One column of the responses: a question, an item, a 0/1 option column or metadata.

    Attributes
    ----------
    code : str
        Column name in the responses (snake_case).
    question : Mapping[str, str] or None
        The question or statement as asked, by language (None for metadata).
    type : str
        One of :data:`VARIABLE_TYPES`.
    values : tuple of Value
        The answer codes in questionnaire order; for a Likert item, its scale's labelled points.
    missing_codes : tuple of int
        Codes meaning item nonresponse.
    label : Mapping[str, str] or None
        Short name for tables and figures, by language.
    role : str
        One of :data:`ROLES`.
    construct : str or None
        The construct an item measures; for an importance item, its touch-point.
    reverse : bool
        Whether the item is reverse-keyed (recoded ``points + 1 - x`` before scoring).
    scale : str or None
        Code of the response scale (Likert variables).
    ask_if : Condition or None
        Skip logic: asked only when the condition holds.
    group : str or None
        For a 0/1 column of a multiple-choice question, the question's code.
    expected : int or None
        For an attention check, the only passing answer.
    required : bool
        Whether a responses file must have the column (False for optional metadata).
    sources : tuple of str
        Keys of the references the wording is adapted from (paper/references.bib).
    """

    code: str
    question: Mapping[str, str] | None
    type: str
    values: tuple[Value, ...]
    missing_codes: tuple[int, ...]
    label: Mapping[str, str] | None = None
    role: str = "profile"
    construct: str | None = None
    reverse: bool = False
    scale: str | None = None
    ask_if: Condition | None = None
    group: str | None = None
    expected: int | None = None
    required: bool = True
    sources: tuple[str, ...] = ()

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
class Scale:
    """A response scale: codes ``1..points``, every point labelled.

    Attributes
    ----------
    code : str
        Name by which items refer to it.
    points : int
        Number of points.
    labels : Mapping[int, Mapping[str, str]]
        Point -> label by language.
    """

    code: str
    points: int
    labels: Mapping[int, Mapping[str, str]]

    @property
    def codes(self) -> tuple[int, ...]:
        """The points ``1..points``."""
        return tuple(range(1, self.points + 1))

    @property
    def values(self) -> tuple[Value, ...]:
        """The labelled points as :class:`Value`, as a Likert item's ``values``."""
        return tuple(Value(code, self.labels[code]) for code in self.codes)


@dataclass(frozen=True)
class Construct:
    """A latent variable measured by reflective Likert items.

    Attributes
    ----------
    code : str
        snake_case name.
    name, definition : Mapping[str, str]
        By language.
    sources : tuple of str
        Keys of paper/references.bib the items are adapted from.
    items : tuple of Variable
        The items, in questionnaire order.
    touchpoint : bool
        Whether it is a CRM touch-point (a service-quality dimension with an importance item).
    """

    code: str
    name: Mapping[str, str]
    definition: Mapping[str, str]
    sources: tuple[str, ...]
    items: tuple[Variable, ...]
    touchpoint: bool = False

    @property
    def item_codes(self) -> tuple[str, ...]:
        """Codes (column names) of the items."""
        return tuple(item.code for item in self.items)


@dataclass(frozen=True)
class Importance:
    """The stated-importance block: one item per touch-point under one stem question.

    Attributes
    ----------
    scale : str
        Code of the response scale.
    question : Mapping[str, str]
        The stem shown once above the items.
    sources : tuple of str
        Keys of paper/references.bib.
    items : tuple of Variable
        One per touch-point; ``Variable.construct`` names the touch-point.
    """

    scale: str
    question: Mapping[str, str]
    sources: tuple[str, ...]
    items: tuple[Variable, ...]


@dataclass(frozen=True)
class Section:
    """A part of the questionnaire, in order.

    Attributes
    ----------
    id : str
        Identifier (``"A"``).
    title : Mapping[str, str]
        Heading by language.
    contents : tuple of str
        What is asked, in order: construct, question, filter and attention-check codes, and
        :data:`IMPORTANCE` for the importance block.
    instructions : Mapping[str, str] or None
        Text shown under the heading.
    """

    id: str
    title: Mapping[str, str]
    contents: tuple[str, ...]
    instructions: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Model:
    """The structural model.

    Attributes
    ----------
    paths : tuple of (str, str)
        ``(from, to)``: ``to`` is regressed on ``from``.
    outcomes : tuple of str
        The constructs the model explains (targets of paths).

    Examples
    --------
    >>> model = Model(paths=(("value", "satisfaction"), ("satisfaction", "loyalty")),
    ...               outcomes=("loyalty",))
    >>> model.constructs
    ('value', 'satisfaction', 'loyalty')
    >>> model.predictors("loyalty")
    ('satisfaction',)
    """

    paths: tuple[tuple[str, str], ...]
    outcomes: tuple[str, ...]

    @property
    def constructs(self) -> tuple[str, ...]:
        """The constructs in the model, in order of first appearance in ``paths``."""
        return tuple(dict.fromkeys(code for path in self.paths for code in path))

    def predictors(self, code: str) -> tuple[str, ...]:
        """The constructs with a path to ``code``."""
        return tuple(source for source, target in self.paths if target == code)


@dataclass(frozen=True)
class Instrument:
    """The questionnaire.

    Attributes
    ----------
    path : Path
        The file it was read from (named in error messages).
    references : Path
        The bibliography the sources were checked against.
    id, version : str
        Identifier and version of the instrument.
    title : Mapping[str, str]
        Title by language.
    language : str
        Language the questionnaire is administered in.
    note : str
        Provenance note.
    introduction, sampling, closing : Mapping[str, str]
        Opening text, description of the sample, thank-you text; by language.
    missing_codes : tuple of int
        Default item-nonresponse codes.
    scales : Mapping[str, Scale]
        Response scales by code.
    constructs : tuple of Construct
        In file order.
    importance : Importance or None
        The stated-importance block.
    variables : tuple of Variable
        Every column: metadata first, then the questionnaire in order.
    profile : tuple of Variable
        The profile columns in the order of the file's ``profile`` list, which is the order of
        the sample-profile table (a multiple-choice question as its 0/1 columns).
    sections : tuple of Section
        In questionnaire order.
    model : Model
        The structural model.
    """

    path: Path
    references: Path
    id: str
    version: str
    title: Mapping[str, str]
    language: str
    note: str
    introduction: Mapping[str, str]
    sampling: Mapping[str, str]
    closing: Mapping[str, str]
    missing_codes: tuple[int, ...]
    scales: Mapping[str, Scale]
    constructs: tuple[Construct, ...]
    importance: Importance | None
    variables: tuple[Variable, ...]
    profile: tuple[Variable, ...]
    sections: tuple[Section, ...]
    model: Model

    def _with_role(self, role: str) -> tuple[Variable, ...]:
        return tuple(variable for variable in self.variables if variable.role == role)

    @property
    def profile_codes(self) -> tuple[str, ...]:
        """Codes (column names) of the profile columns, in the order of :attr:`profile`."""
        return tuple(variable.code for variable in self.profile)

    @property
    def filters(self) -> tuple[Variable, ...]:
        """The filter questions that drive skip logic."""
        return self._with_role("filter")

    @property
    def attention_checks(self) -> tuple[Variable, ...]:
        """The attention-check items (``expected`` is the passing answer)."""
        return self._with_role("attention")

    @property
    def column_codes(self) -> tuple[str, ...]:
        """Every column name, in the order of :attr:`variables`."""
        return tuple(variable.code for variable in self.variables)

    def items(
        self, construct: str | None = None, *, role: str | None = "item"
    ) -> tuple[Variable, ...]:
        """Likert variables in questionnaire order.

        Parameters
        ----------
        construct : str, optional
            Only the items of this construct (for ``role="importance"``: this touch-point's).
        role : {"item", "importance", "attention"} or None
            Which Likert variables: construct items (default), importance items, attention
            checks, or all of them (None).

        Raises
        ------
        KeyError
            If ``construct`` is not a construct of the instrument.
        ValueError
            If ``role`` is not one of :data:`LIKERT_ROLES` or None.

        Examples
        --------
        >>> instrument = load_instrument("survey/instrument.yaml")
        >>> [item.code for item in instrument.items("trust")]
        ['tru1', 'tru2', 'tru3', 'tru4']
        >>> [item.code for item in instrument.items("staff", role="importance")]
        ['imp_staff']
        """
        if role is not None and role not in LIKERT_ROLES:
            raise ValueError(
                f"The 'role' parameter of Instrument.items must be one of {list(LIKERT_ROLES)} "
                f"or None. Got {role!r}."
            )
        if construct is not None:
            self.construct(construct)
        roles = LIKERT_ROLES if role is None else (role,)
        return tuple(
            variable
            for variable in self.variables
            if variable.role in roles and construct in (None, variable.construct)
        )

    def construct(self, code: str) -> Construct:
        """The construct ``code``.

        Raises
        ------
        KeyError
            If the instrument has no such construct (the message lists those it has).

        Examples
        --------
        >>> load_instrument("survey/instrument.yaml").construct("trust").name["zh"]
        '信任'
        """
        for construct in self.constructs:
            if construct.code == code:
                return construct
        raise KeyError(
            f"The instrument {display_path(self.path)} has no construct {code!r}. Its "
            f"constructs are {[construct.code for construct in self.constructs]}."
        )

    def group(self, code: str) -> tuple[Variable, ...]:
        """The 0/1 columns of the multiple-choice question ``code``.

        Examples
        --------
        >>> [v.code for v in load_instrument("survey/instrument.yaml").group("main_channels")][:2]
        ['main_channels_branch', 'main_channels_atm']
        """
        columns = tuple(variable for variable in self.variables if variable.group == code)
        if not columns:
            groups = list(dict.fromkeys(v.group for v in self.variables if v.group is not None))
            raise KeyError(
                f"The instrument {display_path(self.path)} has no multiple-choice question "
                f"{code!r}. Its multiple-choice questions are {groups}."
            )
        return columns

    def variable(self, code: str) -> Variable:
        """The variable (column) ``code``: any profile, item, filter, check or metadata column.

        Raises
        ------
        KeyError
            If the instrument has no such column (the message lists those it has).

        Examples
        --------
        >>> instrument = load_instrument("survey/instrument.yaml")
        >>> instrument.variable("tru4").reverse
        True
        >>> instrument.variable("main_channels_wechat").group
        'main_channels'
        """
        for variable in self.variables:
            if variable.code == code:
                return variable
        hint = ""
        if any(variable.group == code for variable in self.variables):
            columns = [variable.code for variable in self.group(code)]
            hint = f" {code!r} is a multiple-choice question; its columns are {columns}."
        raise KeyError(
            f"The instrument {display_path(self.path)} has no variable {code!r}.{hint} Its "
            f"variables are {list(self.column_codes)}."
        )

    def value_labels(self, code: str, language: str = "en") -> dict[int, str]:
        """Answer code -> label in ``language`` for the variable ``code``.

        Examples
        --------
        >>> instrument = load_instrument("survey/instrument.yaml")
        >>> instrument.value_labels("gender", "zh")
        {1: '男', 2: '女'}
        >>> instrument.value_labels("sat1", "en")[5]
        'Somewhat agree'
        """
        return self.variable(code).value_labels(language)

    def variable_labels(self, language: str = "en") -> dict[str, str]:
        """Variable code -> short label in ``language`` (the code when it has none), every column.

        Examples
        --------
        >>> labels = load_instrument("survey/instrument.yaml").variable_labels("en")
        >>> labels["bank_type"], labels["main_channels_atm"]
        ('Main bank', 'Main channels: ATM or self-service machine')
        """
        return {variable.code: variable.short_label(language) for variable in self.variables}


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


#: The safe YAML loader, with libyaml's fast parser when PyYAML was built with it.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):
    """A safe YAML loader that rejects a key given twice in one mapping (YAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool):
                continue
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found the key {key!r} twice (remove or rename one)",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: str | Path, what: str) -> tuple[Path, Any]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"The {what} file {display_path(path)} does not exist. Pass the path of an existing "
            f"file (a run takes it from survey.{what} in config/config.yaml)."
        )
    try:
        with path.open(encoding="utf-8") as stream:  # a stream: YAML's messages name the file
            return path, yaml.load(stream, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as error:
        raise InstrumentError(
            f"{display_path(path)} is not valid YAML: {error}. Fix the syntax at the line shown."
        ) from error


def _at(where: str, code: str) -> str:
    """A place named by position and code: ``constructs[3] 'staff'``."""
    return f"{where} {code!r}"


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
                f"missing or empty text in language(s) {missing}.",
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

    def optional_text(self, raw: Any, where: str) -> Mapping[str, str] | None:
        return None if raw is None else self.text(raw, where)

    def string(self, raw: Any, where: str, fix: str = "Write a non-empty text.") -> str:
        if not isinstance(raw, str) or not raw.strip():
            raise self.fail(where, f"must be a non-empty text. Got {raw!r}.", fix)
        return raw

    def code(self, raw: Any, where: str) -> str:
        if not isinstance(raw, str) or not _CODE.match(raw):
            raise self.fail(
                where,
                f"must be a snake_case name ([a-z][a-z0-9_]*). Got {raw!r}.",
                "It names a column or a part of the instrument; rename it.",
            )
        return raw

    def integer(self, raw: Any, where: str) -> int:
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise self.fail(
                where,
                f"must be an integer code. Got {raw!r}.",
                "Write the code as a whole number without quotes.",
            )
        return raw

    def boolean(self, raw: Any, where: str) -> bool:
        if not isinstance(raw, bool):
            raise self.fail(where, f"must be true or false. Got {raw!r}.", "Write true or false.")
        return raw

    def sequence(self, raw: Any, where: str, *, nonempty: bool) -> list[Any]:
        if not isinstance(raw, list) or (nonempty and not raw):
            kind = "a non-empty list" if nonempty else "a list (possibly empty, [])"
            raise self.fail(where, f"must be {kind}. Got {raw!r}.", "Write it as a YAML list.")
        return raw

    def codes(self, raw: Any, where: str, *, nonempty: bool) -> tuple[int, ...]:
        codes = [self.integer(code, where) for code in self.sequence(raw, where, nonempty=nonempty)]
        if len(set(codes)) != len(codes):
            raise self.fail(where, f"a code is listed more than once: {codes}.", "List each once.")
        return tuple(codes)


# --------------------------------------------------------------------------------------------
# The instrument: header, scales, references


def _header(check: _Checker, raw: Any) -> dict[str, Any]:
    where = "section 'instrument'"
    header = check.mapping(raw, where, keys=_HEADER_KEYS)
    language = header["language"]
    if language not in LANGUAGES:
        raise check.fail(
            f"{where}, key 'language'",
            f"must be one of {list(LANGUAGES)}. Got {language!r}.",
            "Set the language the questionnaire is asked in.",
        )
    texts = ("title", "introduction", "sampling", "closing")
    return {
        "id": check.string(header["id"], f"{where}, key 'id'"),
        "version": check.string(
            header["version"],
            f"{where}, key 'version'",
            'Quote the version, e.g. version: "1.0.0".',
        ),
        "language": language,
        "note": check.string(header["note"], f"{where}, key 'note'"),
        **{key: check.text(header[key], f"{where}, key {key!r}") for key in texts},
    }


def _scale(check: _Checker, code: Any, raw: Any) -> Scale:
    where = _at("scales", check.code(code, "section 'scales', a scale name"))
    entry = check.mapping(raw, where, keys=_SCALE_KEYS)
    points = entry["points"]
    if not isinstance(points, int) or isinstance(points, bool) or points < 2:
        raise check.fail(
            f"{where}, key 'points'",
            f"must be an integer >= 2. Got {points!r}.",
            "Give the number of scale points (7 for a 7-point scale).",
        )
    labels = entry["labels"]
    if not isinstance(labels, Mapping):
        raise check.fail(
            f"{where}, key 'labels'",
            f"must map each point to its label. Got {labels!r}.",
            "Write it as {1: {zh: ..., en: ...}, 2: ...}.",
        )
    expected = list(range(1, points + 1))
    missing = [point for point in expected if point not in labels]
    unknown = [point for point in labels if point not in expected]
    if missing or unknown:
        raise check.fail(
            f"{where}, key 'labels'",
            f"every point 1..{points} needs exactly one label; missing {missing}, not points "
            f"{unknown}.",
            "Label each point of the scale.",
        )
    texts = {point: check.text(labels[point], f"{where}, label {point}") for point in expected}
    return Scale(code=code, points=points, labels=MappingProxyType(texts))


def _scales(check: _Checker, raw: Any) -> Mapping[str, Scale]:
    if not isinstance(raw, Mapping) or not raw:
        raise check.fail(
            "section 'scales'",
            f"must map each scale name to its points and labels. Got {raw!r}.",
            "Declare at least one scale, e.g. agree7.",
        )
    return MappingProxyType({code: _scale(check, code, entry) for code, entry in raw.items()})


class _References:
    """The keys of a BibTeX file, read on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._keys: tuple[str, ...] | None = None

    def keys(self, check: _Checker, where: str) -> tuple[str, ...]:
        if self._keys is None:
            if not self.path.is_file():
                raise check.fail(
                    where,
                    f"the bibliography {display_path(self.path)} does not exist, so the source "
                    "keys cannot be checked.",
                    "Restore it, or pass references=<path of the .bib file> to load_instrument.",
                )
            text = self.path.read_text(encoding="utf-8")
            self._keys = tuple(_BIB_KEY.findall(text))
        return self._keys

    def sources(self, check: _Checker, raw: Any, where: str) -> tuple[str, ...]:
        at = f"{where}, key 'sources'"
        keys = check.sequence(raw, at, nonempty=True)
        for key in keys:
            check.string(key, at, "Write each source as the key of a BibTeX entry.")
        known = self.keys(check, at)
        unknown = [key for key in keys if key not in known]
        if unknown:
            raise check.fail(
                at,
                f"key(s) {unknown} are not in {display_path(self.path)}.",
                f"Add the reference there (with its DOI or a stable URL) or correct the key; "
                f"the keys there are {list(known)}.",
            )
        return tuple(keys)


def _scale_code(check: _Checker, raw: Any, where: str, scales: Mapping[str, Scale]) -> Scale:
    if not isinstance(raw, str) or raw not in scales:
        raise check.fail(
            f"{where}, key 'scale'",
            f"unknown scale {raw!r}.",
            f"Use one of the scales declared under 'scales': {list(scales)}.",
        )
    return scales[raw]


def _missing_codes(
    check: _Checker,
    entry: Mapping[str, Any],
    where: str,
    codes: Iterable[int],
    default: tuple[int, ...],
) -> tuple[int, ...]:
    at = f"{where}, key 'missing_codes'"
    if "missing_codes" in entry:
        missing = check.codes(entry["missing_codes"], at, nonempty=False)
    else:
        missing = default
        at = f"{where} (default missing_codes {list(default)} from the top level)"
    clash = sorted(set(missing) & set(codes))
    if clash:
        raise check.fail(
            at,
            f"code(s) {clash} are also answer codes.",
            "A code is either an answer option or a missing code; renumber one.",
        )
    return missing


# --------------------------------------------------------------------------------------------
# The instrument: questions


class _Context(NamedTuple):
    """What every question parser needs."""

    check: _Checker
    scales: Mapping[str, Scale]
    references: _References
    missing: tuple[int, ...]


class _Unit(NamedTuple):
    """Something a section lists: a construct, a question, a filter, a check, the importance block.

    ``codes`` holds every code the unit introduces, with the place where it is declared.
    """

    code: str
    place: str
    variables: tuple[Variable, ...]
    codes: tuple[tuple[str, str], ...]


def _condition(check: _Checker, raw: Any, where: str) -> Condition | None:
    if raw is None:
        return None
    at = f"{where}, key 'ask_if'"
    entry = check.mapping(raw, at, keys=_CONDITION_KEYS)
    return Condition(
        variable=check.code(entry["variable"], f"{at}, key 'variable'"),
        codes=check.codes(entry["in"], f"{at}, key 'in'", nonempty=True),
    )


def _code(check: _Checker, entry: Mapping[str, Any], where: str) -> tuple[str, str]:
    code = check.code(entry["code"], f"{where}, key 'code'")
    return code, _at(where, code)


def _item(
    ctx: _Context, raw: Any, where: str, construct: str, sources: tuple[str, ...]
) -> Variable:
    entry = ctx.check.mapping(raw, where, keys=_ITEM_KEYS, required=_ITEM_REQUIRED)
    code, where = _code(ctx.check, entry, where)
    scale = _scale_code(ctx.check, entry["scale"], where, ctx.scales)
    return Variable(
        code=code,
        question=ctx.check.text(entry["text"], f"{where}, key 'text'"),
        type="likert",
        values=scale.values,
        missing_codes=_missing_codes(ctx.check, entry, where, scale.codes, ctx.missing),
        role="item",
        construct=construct,
        reverse=ctx.check.boolean(entry.get("reverse", False), f"{where}, key 'reverse'"),
        scale=scale.code,
        ask_if=_condition(ctx.check, entry.get("ask_if"), where),
        sources=sources,
    )


def _construct(ctx: _Context, raw: Any, where: str) -> tuple[Construct, _Unit]:
    check = ctx.check
    entry = check.mapping(raw, where, keys=_CONSTRUCT_KEYS, required=_CONSTRUCT_REQUIRED)
    code, where = _code(check, entry, where)
    sources = ctx.references.sources(check, entry["sources"], where)
    raw_items = check.sequence(entry["items"], f"{where}, key 'items'", nonempty=True)
    items = tuple(
        _item(ctx, item, f"{where}.items[{i}]", code, sources) for i, item in enumerate(raw_items)
    )
    construct = Construct(
        code=code,
        name=check.text(entry["name"], f"{where}, key 'name'"),
        definition=check.text(entry["definition"], f"{where}, key 'definition'"),
        sources=sources,
        items=items,
        touchpoint=check.boolean(entry.get("touchpoint", False), f"{where}, key 'touchpoint'"),
    )
    places = [(code, where)] + [
        (item.code, _at(f"{where}.items[{i}]", item.code)) for i, item in enumerate(items)
    ]
    return construct, _Unit(code, where, items, tuple(places))


def _constructs(ctx: _Context, raw: Any) -> tuple[tuple[Construct, ...], list[_Unit]]:
    entries = ctx.check.sequence(raw, "section 'constructs'", nonempty=True)
    parsed = [_construct(ctx, entry, f"constructs[{i}]") for i, entry in enumerate(entries)]
    return tuple(construct for construct, _ in parsed), [unit for _, unit in parsed]


def _importance(ctx: _Context, raw: Any) -> tuple[Importance | None, list[_Unit]]:
    if raw is None:
        return None, []
    check, where = ctx.check, "importance"
    entry = check.mapping(raw, where, keys=_IMPORTANCE_KEYS, required=_IMPORTANCE_REQUIRED)
    scale = _scale_code(check, entry["scale"], where, ctx.scales)
    sources = ctx.references.sources(check, entry["sources"], where) if "sources" in entry else ()
    items, places = [], [(IMPORTANCE, "importance (the block's code in sections)")]
    for i, raw_item in enumerate(check.sequence(entry["items"], f"{where}.items", nonempty=True)):
        at = f"{where}.items[{i}]"
        item = check.mapping(
            raw_item, at, keys=_IMPORTANCE_ITEM_KEYS, required=_IMPORTANCE_ITEM_REQUIRED
        )
        code, at = _code(check, item, at)
        items.append(
            Variable(
                code=code,
                question=check.text(item["text"], f"{at}, key 'text'"),
                type="likert",
                values=scale.values,
                missing_codes=_missing_codes(check, item, at, scale.codes, ctx.missing),
                role="importance",
                construct=check.code(item["touchpoint"], f"{at}, key 'touchpoint'"),
                scale=scale.code,
                sources=sources,
            )
        )
        places.append((code, at))
    importance = Importance(
        scale=scale.code,
        question=check.text(entry["question"], f"{where}, key 'question'"),
        sources=sources,
        items=tuple(items),
    )
    return importance, [_Unit(IMPORTANCE, where, importance.items, tuple(places))]


def _attention_check(ctx: _Context, raw: Any, where: str) -> _Unit:
    check = ctx.check
    entry = check.mapping(raw, where, keys=_ATTENTION_KEYS, required=_ATTENTION_REQUIRED)
    code, where = _code(check, entry, where)
    scale = _scale_code(check, entry["scale"], where, ctx.scales)
    expected = check.integer(entry["expected"], f"{where}, key 'expected'")
    if expected not in scale.codes:
        raise check.fail(
            f"{where}, key 'expected'",
            f"must be a point of the scale {scale.code!r} {list(scale.codes)}. Got {expected}.",
            "Give the answer the item instructs respondents to choose.",
        )
    sources = ctx.references.sources(check, entry["sources"], where) if "sources" in entry else ()
    variable = Variable(
        code=code,
        question=check.text(entry["text"], f"{where}, key 'text'"),
        type="likert",
        values=scale.values,
        missing_codes=_missing_codes(check, entry, where, scale.codes, ctx.missing),
        role="attention",
        scale=scale.code,
        expected=expected,
        sources=sources,
    )
    return _Unit(code, where, (variable,), ((code, where),))


def _attention_checks(ctx: _Context, raw: Any) -> list[_Unit]:
    if raw is None:
        return []
    entries = ctx.check.sequence(raw, "section 'attention_checks'", nonempty=False)
    return [
        _attention_check(ctx, entry, f"attention_checks[{i}]") for i, entry in enumerate(entries)
    ]


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


def _option_label(stem: Mapping[str, str] | None, option: Mapping[str, str]) -> Mapping[str, str]:
    """A 0/1 column's label: "<question label>: <option label>" (zh: full-width colon)."""
    if stem is None:
        return option
    return MappingProxyType(
        {"zh": f"{stem['zh']}：{option['zh']}", "en": f"{stem['en']}: {option['en']}"}
    )


def _option_columns(
    ctx: _Context, entry: Mapping[str, Any], where: str, question: Variable
) -> tuple[list[Variable], list[tuple[str, str]]]:
    check = ctx.check
    options = check.sequence(entry["options"], f"{where}, key 'options'", nonempty=True)
    columns, places = [], []
    for i, raw in enumerate(options):
        at = f"{where}.options[{i}]"
        option = check.mapping(raw, at, keys=_VALUE_KEYS)
        code, at = _code(check, option, at)
        columns.append(
            Variable(
                code=f"{question.code}_{code}",
                question=question.question,
                type="binary",
                values=BINARY_VALUES,
                missing_codes=question.missing_codes,
                label=_option_label(
                    question.label, check.text(option["label"], f"{at}, key 'label'")
                ),
                role=question.role,
                group=question.code,
            )
        )
        places.append((f"{question.code}_{code}", at))
    return columns, places


def _question(ctx: _Context, raw: Any, where: str, role: str, types: tuple[str, ...]) -> _Unit:
    check = ctx.check
    entry = check.mapping(raw, where, keys=_QUESTION_KEYS, required=_QUESTION_REQUIRED)
    code, where = _code(check, entry, where)
    kind = entry["type"]
    if kind not in types:
        raise check.fail(
            f"{where}, key 'type'", f"unknown type {kind!r}.", f"Supported types are {list(types)}."
        )
    needed, other = ("options", "values") if kind == "multiple" else ("values", "options")
    if needed not in entry or other in entry:
        raise check.fail(
            where,
            f"a question of type {kind!r} lists its answers under {needed!r}, and has no "
            f"{other!r}.",
            f"Give the answers under {needed!r}.",
        )
    values = BINARY_VALUES if kind == "multiple" else _values(check, entry["values"], where)
    label = entry.get("label")
    question = Variable(
        code=code,
        question=check.text(entry["question"], f"{where}, key 'question'"),
        type="binary" if kind == "multiple" else "categorical",
        values=values,
        missing_codes=_missing_codes(check, entry, where, (v.code for v in values), ctx.missing),
        label=check.optional_text(label, f"{where}, key 'label'"),
        role=role,
    )
    if kind != "multiple":
        return _Unit(code, where, (question,), ((code, where),))
    columns, places = _option_columns(ctx, entry, where, question)
    return _Unit(code, where, tuple(columns), ((code, where), *places))


def _questions(
    ctx: _Context, raw: Any, section: str, role: str, types: tuple[str, ...]
) -> list[_Unit]:
    entries = ctx.check.sequence(raw, f"section {section!r}", nonempty=section == "profile")
    return [
        _question(ctx, entry, f"{section}[{i}]", role, types) for i, entry in enumerate(entries)
    ]


def _metadata(check: _Checker, raw: Any) -> tuple[list[Variable], list[tuple[str, str]]]:
    if not isinstance(raw, Mapping) or RESPONDENT_ID not in raw:
        raise check.fail(
            "section 'metadata'",
            f"must map column names to their type and declare {RESPONDENT_ID!r}. Got {raw!r}.",
            f"Add {RESPONDENT_ID}: {{type: id}}.",
        )
    variables, places = [], []
    for code, spec in raw.items():
        where = _at("metadata", check.code(code, "section 'metadata', a column name"))
        entry = check.mapping(spec, where, keys=_METADATA_KEYS, required=("type",))
        kind = entry["type"]
        if kind not in METADATA_TYPES or (code == RESPONDENT_ID) != (kind == "id"):
            raise check.fail(
                f"{where}, key 'type'",
                f"must be 'id' for {RESPONDENT_ID!r} and one of {list(METADATA_TYPES[1:])} for "
                f"other metadata columns. Got {kind!r}.",
                "Correct the type.",
            )
        variables.append(
            Variable(
                code=code,
                question=None,
                type=kind,
                values=(),
                missing_codes=(),
                label=check.optional_text(entry.get("label"), f"{where}, key 'label'"),
                role="meta",
                required=check.boolean(entry.get("required", True), f"{where}, key 'required'"),
            )
        )
        places.append((code, where))
    return variables, places


# --------------------------------------------------------------------------------------------
# The instrument: cross-references


def _check_unique_codes(check: _Checker, places: Iterable[tuple[str, str]]) -> None:
    first: dict[str, str] = {}
    for code, place in places:
        if code in first:
            raise check.fail(
                place,
                f"the code {code!r} is already used at {first[code]}.",
                "Give each construct, question and column its own code (a multiple-choice "
                "question's columns are named <question>_<option>).",
            )
        first[code] = place


def _check_touchpoints(
    check: _Checker, constructs: tuple[Construct, ...], importance: Importance | None
) -> None:
    if importance is None:
        return
    touchpoints = [construct.code for construct in constructs if construct.touchpoint]
    for i, item in enumerate(importance.items):
        if item.construct not in touchpoints:
            raise check.fail(
                f"{_at(f'importance.items[{i}]', item.code)}, key 'touchpoint'",
                f"{item.construct!r} is not a touch-point construct.",
                f"Name one of the constructs with touchpoint: true: {touchpoints}.",
            )
    named = [item.construct for item in importance.items]
    twice = sorted({code for code in named if named.count(code) > 1})
    unrated = [code for code in touchpoints if code not in named]
    if twice or unrated:
        raise check.fail(
            "importance, key 'items'",
            f"every touch-point needs exactly one importance item; none for {unrated}, more "
            f"than one for {twice}.",
            "Add or remove importance items.",
        )


def _conditional_items(constructs: tuple[Construct, ...]) -> Iterable[tuple[str, Variable]]:
    for i, construct in enumerate(constructs):
        for j, item in enumerate(construct.items):
            if item.ask_if is not None:
                place = f"{_at(f'constructs[{i}]', construct.code)}.items[{j}]"
                yield _at(place, item.code), item


def _check_conditions(
    check: _Checker, constructs: tuple[Construct, ...], filters: Mapping[str, Variable]
) -> None:
    for place, item in _conditional_items(constructs):
        condition = item.ask_if
        if condition.variable not in filters:
            raise check.fail(
                f"{place}, key 'ask_if'",
                f"refers to {condition.variable!r}, which is not a filter question.",
                f"Name one of the questions under 'filters': {list(filters)}.",
            )
        codes = filters[condition.variable].codes
        unknown = [code for code in condition.codes if code not in codes]
        if unknown:
            raise check.fail(
                f"{place}, key 'ask_if', key 'in'",
                f"code(s) {unknown} are not answer codes of {condition.variable!r} {list(codes)}.",
                "List answer codes of the filter.",
            )


def _section_contents(
    check: _Checker, raw: Any, where: str, units: Mapping[str, _Unit], listed: dict[str, str]
) -> tuple[str, ...]:
    contents = check.sequence(raw, f"{where}, key 'contents'", nonempty=True)
    for i, code in enumerate(contents):
        at = f"{where}.contents[{i}]"
        if not isinstance(code, str) or code not in units:
            declared = (u.code for u in units.values() if code in dict(u.codes))
            owner = next(declared, None) if isinstance(code, str) else None
            hint = f" {code!r} belongs to {owner!r}: list that instead." if owner else ""
            raise check.fail(
                at,
                f"unknown code {code!r}.{hint}",
                f"A section lists constructs, questions, filters, attention checks and "
                f"{IMPORTANCE!r}; known codes are {list(units)}.",
            )
        if code in listed:
            raise check.fail(
                at, f"{code!r} is already listed at {listed[code]}.", "List each question once."
            )
        listed[code] = at
    return tuple(contents)


def _sections(check: _Checker, raw: Any, units: Mapping[str, _Unit]) -> tuple[Section, ...]:
    sections, listed, ids = [], {}, set()
    for i, item in enumerate(check.sequence(raw, "section 'sections'", nonempty=True)):
        where = f"sections[{i}]"
        entry = check.mapping(item, where, keys=_SECTION_KEYS, required=_SECTION_REQUIRED)
        section_id = check.string(entry["id"], f"{where}, key 'id'")
        if section_id in ids:
            raise check.fail(f"{where}, key 'id'", f"{section_id!r} is used twice.", "Rename one.")
        ids.add(section_id)
        where = _at(where, section_id)
        sections.append(
            Section(
                id=section_id,
                title=check.text(entry["title"], f"{where}, key 'title'"),
                contents=_section_contents(check, entry["contents"], where, units, listed),
                instructions=check.optional_text(
                    entry.get("instructions"), f"{where}, key 'instructions'"
                ),
            )
        )
    omitted = [code for code in units if code not in listed]
    if omitted:
        raise check.fail(
            "section 'sections'",
            f"{omitted} are declared but not listed in any section.",
            "Add each to the section where it is asked.",
        )
    return tuple(sections)


def _check_condition_order(
    check: _Checker, constructs: tuple[Construct, ...], order: tuple[str, ...]
) -> None:
    for place, item in _conditional_items(constructs):
        if order.index(item.ask_if.variable) > order.index(item.code):
            raise check.fail(
                f"{place}, key 'ask_if'",
                f"the filter {item.ask_if.variable!r} comes after the item in the sections.",
                "List the filter before the questions that depend on it.",
            )


def _find_cycle(paths: Iterable[tuple[str, str]]) -> list[str] | None:
    """A cycle of the directed graph ``paths`` as a list of nodes, or None if it has none."""
    graph: dict[str, list[str]] = {}
    for source, target in paths:
        graph.setdefault(source, []).append(target)
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                return [*trail[trail.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt, [*trail, nxt])):
                return cycle
        state[node] = 2
        return None

    for start in list(graph):
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return None


def _path(
    check: _Checker, raw: Any, where: str, constructs: Mapping[str, Construct]
) -> tuple[str, str]:
    if not (isinstance(raw, list) and len(raw) == 2):
        raise check.fail(
            where, f"must be a pair [from, to] of construct codes. Got {raw!r}.", "Write [a, b]."
        )
    for code in raw:
        if not isinstance(code, str) or code not in constructs:
            raise check.fail(
                where,
                f"unknown construct {code!r}.",
                f"Correct the code or declare the construct; constructs are {list(constructs)}.",
            )
        if any(item.ask_if is not None for item in constructs[code].items):
            raise check.fail(
                where,
                f"construct {code!r} is asked only of some respondents (ask_if), so most "
                "respondents miss it by design.",
                "Leave it out of the structural model and analyse it among those asked.",
            )
    if raw[0] == raw[1]:
        raise check.fail(where, f"a path from {raw[0]!r} to itself.", "Remove it.")
    return (raw[0], raw[1])


def _model(check: _Checker, raw: Any, constructs: tuple[Construct, ...]) -> Model:
    entry = check.mapping(raw, "section 'model'", keys=_MODEL_KEYS)
    by_code = {construct.code: construct for construct in constructs}
    paths: dict[tuple[str, str], str] = {}
    for i, item in enumerate(check.sequence(entry["paths"], "model.paths", nonempty=True)):
        where = f"model.paths[{i}]"
        path = _path(check, item, where, by_code)
        if path in paths:
            raise check.fail(
                where, f"the path {list(path)} is already listed at {paths[path]}.", "List it once."
            )
        paths[path] = where
    cycle = _find_cycle(paths)
    if cycle:
        raise check.fail(
            "model.paths",
            f"the paths form a cycle {' -> '.join(cycle)}.",
            "The structural model must be recursive; remove one of these paths.",
        )
    targets = {target for _, target in paths}
    outcomes = check.sequence(entry["outcomes"], "model.outcomes", nonempty=True)
    for i, code in enumerate(outcomes):
        if not isinstance(code, str) or code not in targets:
            raise check.fail(
                f"model.outcomes[{i}]",
                f"{code!r} is not the target of any path.",
                f"Name constructs the model explains: {sorted(targets)}.",
            )
    return Model(paths=tuple(paths), outcomes=tuple(outcomes))


class _Parts(NamedTuple):
    """The parsed questions of an instrument, before their cross-references are checked."""

    constructs: tuple[Construct, ...]
    importance: Importance | None
    profile: tuple[Variable, ...]
    filters: Mapping[str, Variable]
    units: list[_Unit]


def _parts(ctx: _Context, document: Mapping[str, Any]) -> _Parts:
    constructs, construct_units = _constructs(ctx, document["constructs"])
    importance, importance_units = _importance(ctx, document.get("importance"))
    profile = _questions(ctx, document["profile"], "profile", "profile", PROFILE_TYPES)
    filters = _questions(ctx, document.get("filters") or [], "filters", "filter", ("categorical",))
    return _Parts(
        constructs=constructs,
        importance=importance,
        profile=tuple(variable for unit in profile for variable in unit.variables),
        filters={unit.code: unit.variables[0] for unit in filters},
        units=[
            *construct_units,
            *importance_units,
            *_attention_checks(ctx, document.get("attention_checks")),
            *profile,
            *filters,
        ],
    )


def load_instrument(path: str | Path, *, references: str | Path | None = None) -> Instrument:
    """Read and validate the questionnaire (``survey/instrument.yaml``).

    Parameters
    ----------
    path : str or Path
        The instrument file (YAML, UTF-8); the schema is in ``docs/instrument-schema.md``.
    references : str or Path, optional
        The BibTeX file the ``sources`` keys must be in. Default: the repository's
        ``paper/references.bib`` (:data:`DEFAULT_REFERENCES`).

    Returns
    -------
    Instrument
        The validated, immutable instrument.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    InstrumentError
        If the file is not valid YAML (a key given twice included) or breaks the schema:
        unknown or missing keys; a text not given in every language of :data:`LANGUAGES`; an
        unknown type or scale; a code used twice anywhere in the file; a missing code that is
        also an answer code; a source key not in the bibliography; skip logic naming an unknown
        filter, answer code, or a filter asked later; a touch-point without exactly one
        importance item; a section listing an unknown or repeated code, or a question listed in
        no section; a model path naming an unknown or conditionally asked construct, or paths
        forming a cycle. The message names the file, the place and the fix.

    Examples
    --------
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> instrument.profile_codes[:3]
    ('gender', 'age_band', 'education')
    >>> instrument.variable("bank_type").codes
    (1, 2, 3)
    >>> len(instrument.construct("loyalty").items)
    4
    >>> instrument.model.paths[0]
    ('image', 'expectation')
    """
    path, raw = _read_yaml(path, "instrument")
    check = _Checker(path)
    document = check.mapping(raw, "top level", keys=_TOP_KEYS, required=_TOP_REQUIRED)
    header = _header(check, document["instrument"])
    bib = _References(Path(references) if references is not None else DEFAULT_REFERENCES)
    missing = check.codes(document.get("missing_codes", []), "key 'missing_codes'", nonempty=False)
    ctx = _Context(check, _scales(check, document["scales"]), bib, missing)
    parts = _parts(ctx, document)
    meta, meta_places = _metadata(check, document["metadata"])
    units = parts.units
    _check_unique_codes(check, [*meta_places, *(place for unit in units for place in unit.codes)])
    _check_touchpoints(check, parts.constructs, parts.importance)
    _check_conditions(check, parts.constructs, parts.filters)
    by_code = {unit.code: unit for unit in units}
    sections = _sections(check, document["sections"], by_code)
    asked = tuple(v for s in sections for code in s.contents for v in by_code[code].variables)
    _check_condition_order(check, parts.constructs, tuple(v.code for v in asked))
    return Instrument(
        path=path,
        references=bib.path,
        **header,
        missing_codes=missing,
        scales=ctx.scales,
        constructs=parts.constructs,
        importance=parts.importance,
        variables=(*meta, *asked),
        profile=parts.profile,
        sections=sections,
        model=_model(check, document["model"], parts.constructs),
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
