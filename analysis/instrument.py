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

import numpy as np
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
_POPULATION_KEYS = (
    "population",
    "nonresponse",
    "profile",
    "filters",
    "careless",
    "paths",
    "exogenous_correlations",
    "group_shifts",
    "outside_model",
    "measurement",
    "importance",
    "thresholds",
    "attention",
    "duration",
    "segments",
)
_POPULATION_REQUIRED = (
    "population",
    "nonresponse",
    "profile",
    "careless",
    "paths",
    "exogenous_correlations",
    "measurement",
    "thresholds",
    "duration",
)
_POPULATION_HEADER_KEYS = ("instrument", "note")
_SEGMENT_KEYS = ("name", "share", "profile", "importance_shifts", "rationale")
_SEGMENT_REQUIRED = ("name", "share", "profile")


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

    @property
    def exogenous(self) -> tuple[str, ...]:
        """The constructs no path points to, in the model's order."""
        targets = {target for _, target in self.paths}
        return tuple(code for code in self.constructs if code not in targets)

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


#: The kinds of careless respondent the population model draws.
CARELESS_TYPES = ("straight_line", "random")
#: The two kinds of respondent whose completion times the population model draws.
DURATION_KINDS = ("attentive", "careless")


@dataclass(frozen=True)
class LogNormal:
    """A log-normal distribution: ``log X ~ Normal(log(median), sigma**2)``.

    Attributes
    ----------
    median : float
        The median (> 0), ``exp`` of the mean of ``log X``.
    sigma : float
        The standard deviation of ``log X`` (> 0).
    """

    median: float
    sigma: float


@dataclass(frozen=True)
class Careless:
    """Careless respondents: who they are and how they answer the Likert items.

    Attributes
    ----------
    fraction : float
        Probability that a respondent is careless.
    types : Mapping[str, float]
        Kind (one of :data:`CARELESS_TYPES`) -> probability among the careless.
    straight_line_answers : Mapping[int, float]
        Scale point -> probability that a straight-liner gives it to every Likert item.
    """

    fraction: float
    types: Mapping[str, float]
    straight_line_answers: Mapping[int, float]


@dataclass(frozen=True)
class Attention:
    """Answers to the attention checks.

    Attributes
    ----------
    pass_attentive, pass_careless : float
        Probability of giving the expected answer, for attentive and careless respondents.
    """

    pass_attentive: float
    pass_careless: float


@dataclass(frozen=True)
class GroupShifts:
    """Latent mean shifts of the exogenous constructs by a profile variable (SD units).

    Attributes
    ----------
    variable : str
        The profile variable that defines the groups (``bank_type``).
    reference : int
        The group whose exogenous latent means are 0.
    shifts : Mapping[int, Mapping[str, float]]
        Group code -> exogenous construct -> mean shift; constructs not listed are not shifted.
    """

    variable: str
    reference: int
    shifts: Mapping[int, Mapping[str, float]]

    def shift(self, group: int, construct: str) -> float:
        """The mean shift of ``construct`` in ``group`` (0 when none is given)."""
        return self.shifts.get(group, {}).get(construct, 0.0)


@dataclass(frozen=True)
class OutsideConstruct:
    """A construct outside the structural model, correlated with one construct of it.

    Attributes
    ----------
    correlated_with : str
        The construct of the structural model it correlates with.
    correlation : float
        The latent correlation, in (-1, 1).
    """

    correlated_with: str
    correlation: float


@dataclass(frozen=True)
class ImportanceModel:
    """Stated importance: one general importance latent, a mean per touch-point.

    Attributes
    ----------
    loading : float
        Standardized loading of every importance item on the importance latent.
    means : Mapping[str, float]
        Touch-point -> mean of its importance item's continuous response (SD units).
    """

    loading: float
    means: Mapping[str, float]


@dataclass(frozen=True)
class Segment:
    """A planted customer segment of the synthetic population.

    Attributes
    ----------
    name : str
        Snake-case name (``digital_young_savers``), the category of
        :attr:`analysis.synthetic.SyntheticSample.segment`.
    share : float
        Probability that a respondent belongs to the segment (the shares sum to 1).
    probabilities : Mapping[str, Mapping[int, float]]
        Segmented profile variable -> answer code -> probability within the segment. Every
        segment gives the same variables; their share-weighted mixture is the variable's
        ``profile`` distribution (:attr:`Population.probabilities`).
    importance_shifts : Mapping[str, float]
        Touch-point -> shift of the mean of its importance item's continuous response (SD
        units), relative to ``importance.means``; the share-weighted mean of every touch-point's
        shifts is 0. Touch-points not listed are not shifted.
    """

    name: str
    share: float
    probabilities: Mapping[str, Mapping[int, float]]
    importance_shifts: Mapping[str, float]

    def shift(self, touchpoint: str) -> float:
        """The importance shift of ``touchpoint`` in this segment (0 when none is given)."""
        return self.importance_shifts.get(touchpoint, 0.0)


@dataclass(frozen=True)
class Population:
    """The population model of the synthetic sample (``survey/population.yaml``).

    The schema and the formulas are in ``docs/synthetic-population.md``.

    Attributes
    ----------
    path : Path or None
        The file it was read from (None for a model passed as a mapping, e.g. a fitted one).
    instrument_id : str
        The id of the instrument the model is written for.
    note : str
        What the numbers are (illustrative assumptions, not estimates).
    missing_rate : float
        Probability that any one answer is item nonresponse (missing completely at random).
    probabilities : Mapping[str, Mapping[int, float]]
        Profile variable code -> answer code -> probability; codes in the instrument's order.
    filters : Mapping[str, Mapping[int, float]]
        Filter question code -> answer code -> probability.
    careless : Careless
        Careless respondents.
    paths : Mapping[tuple[str, str], float]
        ``(from, to)`` -> standardized path coefficient, in the order of the instrument's paths.
    exogenous_correlations : Mapping[tuple[str, str], float]
        ``(a, b)`` -> correlation of two exogenous constructs, ``a`` before ``b`` in
        :attr:`exogenous`.
    group_shifts : GroupShifts or None
        Latent mean shifts by group (None: no group differences).
    outside_model : Mapping[str, OutsideConstruct]
        Constructs not in the structural model.
    loadings : Mapping[str, float]
        Construct item code -> standardized loading.
    importance : ImportanceModel or None
        The stated-importance model (None when the instrument has no importance block).
    thresholds : Mapping[str, tuple[float, ...]]
        Scale code -> increasing cut points (``points - 1``) on the standard normal scale.
    attention : Attention or None
        Attention-check answers (None when the instrument has no attention check).
    duration : Mapping[str, LogNormal]
        ``"attentive"`` / ``"careless"`` -> completion time in seconds.
    segments : tuple of Segment
        Planted customer segments (empty: none). They decompose the profile distributions of
        the variables they give and shift the stated-importance means; they never touch the
        construct items (``docs/synthetic-population.md``).
    """

    path: Path | None
    instrument_id: str
    note: str
    missing_rate: float
    probabilities: Mapping[str, Mapping[int, float]]
    filters: Mapping[str, Mapping[int, float]]
    careless: Careless
    paths: Mapping[tuple[str, str], float]
    exogenous_correlations: Mapping[tuple[str, str], float]
    group_shifts: GroupShifts | None
    outside_model: Mapping[str, OutsideConstruct]
    loadings: Mapping[str, float]
    importance: ImportanceModel | None
    thresholds: Mapping[str, tuple[float, ...]]
    attention: Attention | None
    duration: Mapping[str, LogNormal]
    segments: tuple[Segment, ...] = ()

    @property
    def segment_variables(self) -> tuple[str, ...]:
        """The profile variables whose distribution depends on the segment (instrument order)."""
        return tuple(self.segments[0].probabilities) if self.segments else ()

    @property
    def exogenous(self) -> tuple[str, ...]:
        """The constructs of the structural model no path points to, in order of appearance."""
        targets = {target for _, target in self.paths}
        return tuple(code for code in _path_constructs(self.paths) if code not in targets)

    @property
    def construct_order(self) -> tuple[str, ...]:
        """The constructs of the structural model, each after all its predictors."""
        return _topological_order(self.paths)

    def latent_correlations(self) -> tuple[tuple[str, ...], np.ndarray]:
        """The correlations of the constructs of the structural model the paths imply.

        Within a group every latent variance is 1, so covariances are correlations.

        Returns
        -------
        tuple of (tuple of str, numpy.ndarray)
            :attr:`construct_order` and the correlation matrix in that order.

        Examples
        --------
        >>> instrument = load_instrument("survey/instrument.yaml")
        >>> population = load_population("survey/population.yaml", instrument)
        >>> order, matrix = population.latent_correlations()
        >>> float(matrix[order.index("image"), order.index("expectation")])
        0.5
        """
        order, matrix, _ = _implied_moments(self)
        return order, matrix

    @property
    def residual_variances(self) -> Mapping[str, float]:
        """Endogenous construct -> residual variance, ``1 -`` the variance its paths explain."""
        return _implied_moments(self)[2]


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


class _ModelChecker(_Checker):
    """A :class:`_Checker` for a population model passed as a mapping: there is no file to name."""

    def __init__(self) -> None:
        self.file = "The population model (a mapping, not read from a file)"


def _number(check: _Checker, raw: Any, where: str) -> float:
    if not isinstance(raw, int | float) or isinstance(raw, bool) or not math.isfinite(raw):
        raise check.fail(where, f"must be a number. Got {raw!r}.", "Write a finite number.")
    return float(raw)


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


def _standardized(check: _Checker, raw: Any, where: str) -> float:
    """A standardized loading, path coefficient or correlation: a number in (-1, 1)."""
    value = _number(check, raw, where)
    if not -1 < value < 1:
        raise check.fail(
            where,
            f"must be strictly between -1 and 1 (a standardized value). Got {raw!r}.",
            "Write the standardized value, e.g. 0.75.",
        )
    return value


def _positive(check: _Checker, raw: Any, where: str) -> float:
    value = _number(check, raw, where)
    if value <= 0:
        raise check.fail(where, f"must be positive. Got {raw!r}.", "Write a number above 0.")
    return value


def _block(check: _Checker, raw: Any, where: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
    """A section of the population model: ``keys`` plus an optional one-line rationale."""
    return check.mapping(raw, where, keys=(*keys, "rationale"), required=keys)


def _exact_keys(
    check: _Checker, raw: Any, where: str, expected: Iterable[Any], what: str
) -> Mapping[Any, Any]:
    """A mapping whose keys must be exactly ``expected`` (named ``what`` in the message)."""
    expected = list(expected)
    if not isinstance(raw, Mapping):
        raise check.fail(
            where,
            f"must map each of {what} to its value. Got {raw!r}.",
            f"Write it as a mapping with the keys {expected}.",
        )
    missing = [key for key in expected if key not in raw]
    unknown = [key for key in raw if key not in expected]
    if missing or unknown:
        raise check.fail(
            where,
            f"the keys must be exactly {what} {expected}; missing {missing}, unknown {unknown}.",
            "Add or remove entries to match.",
        )
    return raw


def _distribution(
    check: _Checker,
    raw: Any,
    where: str,
    codes: tuple[Any, ...],
    *,
    named: str = "the instrument's answer codes",
    outside: str = "not in the instrument",
) -> Mapping[Any, float]:
    """Probabilities over exactly ``codes`` that sum to 1 (within the tolerance)."""
    if not isinstance(raw, Mapping):
        raise check.fail(
            where,
            f"must map each answer code to its probability. Got {raw!r}.",
            f"Write it as {{code: probability}} for the codes {list(codes)}.",
        )
    missing = [code for code in codes if code not in raw]
    unknown = [code for code in raw if code not in codes]
    if missing or unknown:
        raise check.fail(
            where,
            f"the codes must be exactly {named} {list(codes)}; missing {missing}, {outside} "
            f"{unknown}.",
            "Give one probability per answer code of the instrument."
            if outside == "not in the instrument"
            else "Give one probability for each.",
        )
    probabilities = {
        code: _probability(check, raw[code], f"{where}, code {code}") for code in codes
    }
    total = math.fsum(probabilities.values())
    if abs(total - 1) > PROBABILITY_TOLERANCE:
        raise check.fail(
            where,
            f"the probabilities sum to {total!r}, not 1 (tolerance {PROBABILITY_TOLERANCE:g}).",
            "Adjust them so that they sum to 1.",
        )
    return MappingProxyType(probabilities)


def _question_models(
    check: _Checker,
    raw: Any,
    section: str,
    variables: tuple[Variable, ...],
    instrument: Instrument,
) -> Mapping[str, Mapping[int, float]]:
    """One categorical distribution per profile variable (``section`` 'profile') or filter."""
    kind, place = {
        "profile": ("profile variables", "profile variable"),
        "filters": ("filter questions", "filter"),
    }[section]
    codes = [variable.code for variable in variables]
    if not isinstance(raw, Mapping):
        raise check.fail(
            f"section {section!r}",
            f"must map each of the instrument's {kind} to its model. Got {raw!r}.",
            f"Give an entry for each of {codes}.",
        )
    missing = [code for code in codes if code not in raw]
    unknown = [code for code in raw if code not in codes]
    if missing or unknown:
        raise check.fail(
            f"section {section!r}",
            f"the variables must be exactly the instrument's {kind}; missing {missing}, not in "
            f"{display_path(instrument.path)} {unknown}.",
            "Add or remove entries to match the instrument.",
        )
    models = {}
    for variable in variables:
        where = f"{place} {variable.code!r}"
        entry = _block(check, raw[variable.code], where, ("probabilities",))
        models[variable.code] = _distribution(
            check, entry["probabilities"], f"{where}, key 'probabilities'", variable.codes
        )
    return MappingProxyType(models)


def _nonresponse(check: _Checker, raw: Any) -> float:
    entry = _block(check, raw, "section 'nonresponse'", ("rate",))
    rate = _probability(check, entry["rate"], "section 'nonresponse', key 'rate'")
    if rate >= 1:
        raise check.fail(
            "section 'nonresponse', key 'rate'",
            "must be below 1 (1 would leave no answers).",
            "Use a small rate such as 0.01.",
        )
    return rate


def _likert_scales(instrument: Instrument) -> dict[str, Scale]:
    """The scales the construct and importance items are answered on, in order of use."""
    codes = dict.fromkeys(
        variable.scale
        for variable in instrument.variables
        if variable.role in ("item", "importance")
    )
    return {code: instrument.scales[code] for code in codes}


def _careless(check: _Checker, raw: Any, instrument: Instrument) -> Careless:
    where = "section 'careless'"
    entry = _block(check, raw, where, ("fraction", "types", "straight_line_answers"))
    fraction = _probability(check, entry["fraction"], f"{where}, key 'fraction'")
    types = _distribution(
        check,
        entry["types"],
        f"{where}, key 'types'",
        CARELESS_TYPES,
        named="the kinds of careless respondent",
        outside="unknown",
    )
    points = max([scale.points for scale in _likert_scales(instrument).values()], default=1)
    answers = _distribution(
        check,
        entry["straight_line_answers"],
        f"{where}, key 'straight_line_answers'",
        tuple(range(1, points + 1)),
        named="the scale points",
        outside="not points",
    )
    return Careless(fraction=fraction, types=types, straight_line_answers=answers)


def _triple(check: _Checker, raw: Any, where: str, what: str) -> tuple[str, str, Any]:
    if not (isinstance(raw, list) and len(raw) == 3 and all(isinstance(x, str) for x in raw[:2])):
        raise check.fail(
            where,
            f"must be a triple [construct, construct, {what}]. Got {raw!r}.",
            f"Write it as [a, b, {what}], e.g. [image, staff, 0.4].",
        )
    return raw[0], raw[1], raw[2]


def _paths(check: _Checker, raw: Any, instrument: Instrument) -> Mapping[tuple[str, str], float]:
    entry = _block(check, raw, "section 'paths'", ("coefficients",))
    known = instrument.model.paths
    given: dict[tuple[str, str], float] = {}
    for i, item in enumerate(
        check.sequence(entry["coefficients"], "paths.coefficients", nonempty=True)
    ):
        where = f"paths.coefficients[{i}]"
        source, target, value = _triple(check, item, where, "coefficient")
        if (source, target) not in known:
            raise check.fail(
                where,
                f"[{source}, {target}] is not a path of the instrument's model.",
                f"Give a coefficient for each path of model.paths in "
                f"{display_path(instrument.path)}: {[list(path) for path in known]}.",
            )
        if (source, target) in given:
            raise check.fail(
                where, f"the path [{source}, {target}] is given twice.", "Give it once."
            )
        given[(source, target)] = _standardized(check, value, where)
    missing = [list(path) for path in known if path not in given]
    if missing:
        raise check.fail(
            "paths.coefficients",
            f"no coefficient for the instrument's path(s) {missing}.",
            "Add [from, to, coefficient] for each path of the instrument's model.",
        )
    return MappingProxyType({path: given[path] for path in known})


def _correlation_pair(
    check: _Checker, raw: Any, where: str, exogenous: tuple[str, ...]
) -> tuple[tuple[str, str], float]:
    first, second, value = _triple(check, raw, where, "correlation")
    for code in (first, second):
        if code not in exogenous:
            raise check.fail(
                where,
                f"{code!r} is not an exogenous construct of the model.",
                f"Correlate the exogenous constructs (no path points to them): {list(exogenous)}; "
                "the others' correlations follow from the paths.",
            )
    if first == second:
        raise check.fail(where, f"a correlation of {first!r} with itself.", "Remove it (it is 1).")
    pair = tuple(sorted((first, second), key=exogenous.index))
    return (pair[0], pair[1]), _standardized(check, value, where)


def _exogenous_correlations(
    check: _Checker, raw: Any, exogenous: tuple[str, ...]
) -> Mapping[tuple[str, str], float]:
    entry = _block(check, raw, "section 'exogenous_correlations'", ("pairs",))
    pairs: dict[tuple[str, str], float] = {}
    at = "exogenous_correlations.pairs"
    for i, item in enumerate(check.sequence(entry["pairs"], at, nonempty=False)):
        pair, value = _correlation_pair(check, item, f"{at}[{i}]", exogenous)
        if pair in pairs:
            raise check.fail(
                f"{at}[{i}]", f"the pair {list(pair)} is given twice.", "Give it once."
            )
        pairs[pair] = value
    expected = [(a, b) for i, a in enumerate(exogenous) for b in exogenous[i + 1 :]]
    missing = [list(pair) for pair in expected if pair not in pairs]
    if missing:
        raise check.fail(
            at,
            f"no correlation for the pair(s) {missing}.",
            "Give [a, b, correlation] for every pair of exogenous constructs (0 if unrelated).",
        )
    matrix = np.eye(len(exogenous))
    for (a, b), value in pairs.items():
        i, j = exogenous.index(a), exogenous.index(b)
        matrix[i, j] = matrix[j, i] = value
    smallest = float(np.linalg.eigvalsh(matrix)[0]) if len(exogenous) else 1.0
    if smallest <= 1e-9:
        raise check.fail(
            at,
            f"the correlations are not jointly possible: their matrix is not positive definite "
            f"(smallest eigenvalue {smallest:.3g}).",
            "Make them less extreme or more consistent with each other.",
        )
    return MappingProxyType({pair: pairs[pair] for pair in expected})


def _group_shifts(
    check: _Checker, raw: Any, instrument: Instrument, exogenous: tuple[str, ...]
) -> GroupShifts | None:
    if raw is None:
        return None
    where = "section 'group_shifts'"
    entry = _block(check, raw, where, ("variable", "reference", "shifts"))
    variable = entry["variable"]
    if variable not in instrument.profile_codes:
        raise check.fail(
            f"{where}, key 'variable'",
            f"{variable!r} is not a profile variable of the instrument.",
            f"Use one of {list(instrument.profile_codes)}.",
        )
    codes = instrument.variable(variable).codes
    reference = entry["reference"]
    if reference not in codes:
        raise check.fail(
            f"{where}, key 'reference'",
            f"{reference!r} is not an answer code of {variable!r}.",
            f"Use one of {list(codes)}.",
        )
    raw_shifts = entry["shifts"]
    if not isinstance(raw_shifts, Mapping):
        raise check.fail(
            f"{where}, key 'shifts'",
            f"must map group codes to {{construct: shift}}. Got {raw_shifts!r}.",
            "Write it as {2: {channel: 0.3}}.",
        )
    shifts = {}
    for group, by_construct in raw_shifts.items():
        at = f"{where}, shifts of group {group!r}"
        if group not in codes or group == reference:
            raise check.fail(
                at,
                f"{group!r} is not an answer code of {variable!r} other than the reference "
                f"{reference}.",
                f"Use the codes {[code for code in codes if code != reference]}.",
            )
        if not isinstance(by_construct, Mapping):
            raise check.fail(
                at, f"must map constructs to shifts. Got {by_construct!r}.", "Write {image: 0.2}."
            )
        for construct in by_construct:
            if construct not in exogenous:
                raise check.fail(
                    at,
                    f"{construct!r} is not an exogenous construct of the model.",
                    f"Shift the exogenous constructs {list(exogenous)}; the means of the others "
                    "follow along the paths.",
                )
        shifts[group] = MappingProxyType(
            {c: _number(check, value, f"{at}, {c!r}") for c, value in by_construct.items()}
        )
    return GroupShifts(variable=variable, reference=reference, shifts=MappingProxyType(shifts))


def _outside_model(
    check: _Checker, raw: Any, instrument: Instrument
) -> Mapping[str, OutsideConstruct]:
    inside = instrument.model.constructs
    outside = [c.code for c in instrument.constructs if c.code not in inside]
    entries = _exact_keys(
        check, raw or {}, "section 'outside_model'", outside, "the constructs outside the model"
    )
    models = {}
    for code in outside:
        where = f"outside_model {code!r}"
        entry = _block(check, entries[code], where, ("correlated_with", "correlation"))
        if entry["correlated_with"] not in inside:
            raise check.fail(
                f"{where}, key 'correlated_with'",
                f"{entry['correlated_with']!r} is not a construct of the structural model.",
                f"Use one of {list(inside)}.",
            )
        models[code] = OutsideConstruct(
            correlated_with=entry["correlated_with"],
            correlation=_standardized(check, entry["correlation"], f"{where}, key 'correlation'"),
        )
    return MappingProxyType(models)


def _loadings(check: _Checker, raw: Any, instrument: Instrument) -> Mapping[str, float]:
    entry = _block(check, raw, "section 'measurement'", ("loadings",))
    items = [item.code for item in instrument.items()]
    loadings = _exact_keys(
        check, entry["loadings"], "measurement.loadings", items, "the instrument's construct items"
    )
    return MappingProxyType(
        {
            code: _standardized(check, loadings[code], f"measurement.loadings {code!r}")
            for code in items
        }
    )


def _importance_model(check: _Checker, raw: Any, instrument: Instrument) -> ImportanceModel | None:
    if instrument.importance is None:
        return None
    where = "section 'importance'"
    entry = _block(check, raw, where, ("loading", "means"))
    touchpoints = [item.construct for item in instrument.importance.items]
    means = _exact_keys(
        check, entry["means"], f"{where}, key 'means'", touchpoints, "the touch-points"
    )
    return ImportanceModel(
        loading=_standardized(check, entry["loading"], f"{where}, key 'loading'"),
        means=MappingProxyType(
            {code: _number(check, means[code], f"{where}, means {code!r}") for code in touchpoints}
        ),
    )


def _cut_points(check: _Checker, raw: Any, where: str, scale: Scale) -> tuple[float, ...]:
    if not isinstance(raw, list) or len(raw) != scale.points - 1:
        raise check.fail(
            where,
            f"must list {scale.points - 1} cut points for the {scale.points}-point scale. "
            f"Got {raw!r}.",
            "Give one cut point between each two neighbouring points, in increasing order.",
        )
    values = tuple(_number(check, value, where) for value in raw)
    if values != tuple(sorted(set(values))):
        raise check.fail(
            where, f"the cut points must increase strictly. Got {raw!r}.", "Sort them."
        )
    return values


def _thresholds(
    check: _Checker, raw: Any, instrument: Instrument
) -> Mapping[str, tuple[float, ...]]:
    entry = _block(check, raw, "section 'thresholds'", ("scales",))
    scales = _likert_scales(instrument)
    given = _exact_keys(
        check, entry["scales"], "thresholds.scales", scales, "the scales of the Likert items"
    )
    return MappingProxyType(
        {
            code: _cut_points(check, given[code], f"thresholds.scales {code!r}", scale)
            for code, scale in scales.items()
        }
    )


def _attention(check: _Checker, raw: Any, instrument: Instrument) -> Attention | None:
    if not instrument.attention_checks:
        return None
    where = "section 'attention'"
    entry = _block(check, raw, where, ("pass_attentive", "pass_careless"))
    return Attention(
        pass_attentive=_probability(
            check, entry["pass_attentive"], f"{where}, key 'pass_attentive'"
        ),
        pass_careless=_probability(check, entry["pass_careless"], f"{where}, key 'pass_careless'"),
    )


def _duration(check: _Checker, raw: Any) -> Mapping[str, LogNormal]:
    entry = _block(check, raw, "section 'duration'", DURATION_KINDS)
    models = {}
    for kind in DURATION_KINDS:
        where = f"duration {kind!r}"
        part = check.mapping(entry[kind], where, keys=("median", "sigma"))
        models[kind] = LogNormal(
            median=_positive(check, part["median"], f"{where}, key 'median'"),
            sigma=_positive(check, part["sigma"], f"{where}, key 'sigma'"),
        )
    return MappingProxyType(models)


def _segment_profile(
    check: _Checker, raw: Any, where: str, instrument: Instrument, excluded: str | None
) -> Mapping[str, Mapping[int, float]]:
    """A segment's distributions of profile variables, in the instrument's order."""
    if not isinstance(raw, Mapping):
        raise check.fail(
            where,
            f"must map profile variables to their probabilities in the segment. Got {raw!r}.",
            "Write it as {assets_band: {1: 0.6, 2: 0.3, 3: 0.1, 4: 0.0, 5: 0.0}}.",
        )
    unknown = [code for code in raw if code not in instrument.profile_codes]
    if unknown:
        raise check.fail(
            where,
            f"{unknown} are not profile variables of the instrument.",
            f"Use the profile variables {list(instrument.profile_codes)} (a multiple-choice "
            "question by its 0/1 columns, e.g. main_channels_branch).",
        )
    if excluded is not None and excluded in raw:
        raise check.fail(
            f"{where} {excluded!r}",
            "defines the groups of group_shifts, on which the latent scores depend, so it cannot "
            "depend on the segment.",
            "Remove it from the segments; its distribution stays in profile.",
        )
    return MappingProxyType(
        {
            code: _distribution(
                check, raw[code], f"{where} {code!r}", instrument.variable(code).codes
            )
            for code in instrument.profile_codes
            if code in raw
        }
    )


def _segment_shifts(
    check: _Checker, raw: Any, where: str, instrument: Instrument
) -> Mapping[str, float]:
    """A segment's importance mean shifts by touch-point (touch-points not listed: 0)."""
    if raw is None:
        return MappingProxyType({})
    touchpoints = (
        [item.construct for item in instrument.importance.items] if instrument.importance else []
    )
    if not isinstance(raw, Mapping):
        raise check.fail(
            where,
            f"must map touch-points to mean shifts. Got {raw!r}.",
            "Write it as {personal: 0.8, channel: -0.2}.",
        )
    unknown = [code for code in raw if code not in touchpoints]
    if unknown:
        raise check.fail(
            where,
            f"{unknown} are not touch-points with an importance item.",
            f"Shift the touch-points {touchpoints}."
            if touchpoints
            else "Remove the key: the instrument has no importance block.",
        )
    return MappingProxyType(
        {
            code: _number(check, raw[code], f"{where} {code!r}")
            for code in touchpoints
            if code in raw
        }
    )


def _segment(
    check: _Checker, raw: Any, where: str, instrument: Instrument, excluded: str | None
) -> Segment:
    entry = check.mapping(raw, where, keys=_SEGMENT_KEYS, required=_SEGMENT_REQUIRED)
    name = check.code(entry["name"], f"{where}, key 'name'")
    where = _at(where, name)
    share = _probability(check, entry["share"], f"{where}, key 'share'")
    if share == 0:
        raise check.fail(
            f"{where}, key 'share'",
            "must be above 0 (nobody would belong to the segment).",
            "Give it a positive share, or remove the segment.",
        )
    return Segment(
        name=name,
        share=share,
        probabilities=_segment_profile(
            check, entry["profile"], f"{where}, key 'profile'", instrument, excluded
        ),
        importance_shifts=_segment_shifts(
            check, entry.get("importance_shifts"), f"{where}, key 'importance_shifts'", instrument
        ),
    )


def _check_segment_variables(check: _Checker, segments: list[Segment], at: str) -> None:
    first = segments[0]
    expected = list(first.probabilities)
    for i, segment in enumerate(segments[1:], start=1):
        given = list(segment.probabilities)
        missing = [code for code in expected if code not in given]
        unknown = [code for code in given if code not in expected]
        if missing or unknown:
            raise check.fail(
                f"{at}[{i}] {segment.name!r}, key 'profile'",
                f"must give the same variables as {first.name!r} {expected}; missing {missing}, "
                f"not in {first.name!r} {unknown}.",
                "Give every segment a distribution for each segmented profile variable.",
            )


def _check_segment_mixtures(
    check: _Checker,
    segments: list[Segment],
    probabilities: Mapping[str, Mapping[int, float]],
    at: str,
) -> None:
    """The share-weighted mixture of the segments' distributions must be the profile's."""
    for code in segments[0].probabilities:
        given = probabilities[code]
        mixture = {
            answer: math.fsum(s.share * s.probabilities[code][answer] for s in segments)
            for answer in given
        }
        if any(abs(mixture[answer] - p) > PROBABILITY_TOLERANCE for answer, p in given.items()):
            shown = {answer: round(value, 10) for answer, value in mixture.items()}
            raise check.fail(
                at,
                f"the segments' mixture of {code!r} (sum of share x probability) is {shown}, but "
                f"profile gives {dict(given)}; the segments must decompose the population's "
                "profile distribution.",
                f"Set profile {code!r} to the mixture, or adjust the segments' probabilities or "
                "shares.",
            )


def _check_segment_shifts(check: _Checker, segments: list[Segment], at: str) -> None:
    """Each touch-point's share-weighted mean shift must be 0 (``importance.means`` stay the
    population means)."""
    touchpoints = dict.fromkeys(code for s in segments for code in s.importance_shifts)
    for code in touchpoints:
        mean = math.fsum(s.share * s.shift(code) for s in segments)
        if abs(mean) > PROBABILITY_TOLERANCE:
            raise check.fail(
                at,
                f"the share-weighted mean of the importance shifts of {code!r} is {mean:.6g}, not "
                f"0; shifts are deviations from importance.means {code!r}, the population mean.",
                "Adjust them so that the sum of share x shift over the segments is 0.",
            )


def _segments(
    check: _Checker,
    raw: Any,
    instrument: Instrument,
    probabilities: Mapping[str, Mapping[int, float]],
    group_shifts: GroupShifts | None,
) -> tuple[Segment, ...]:
    if raw is None:
        return ()
    entry = _block(check, raw, "section 'segments'", ("definitions",))
    at = "segments.definitions"
    items = check.sequence(entry["definitions"], at, nonempty=True)
    if len(items) < 2:
        raise check.fail(
            at,
            f"lists {len(items)} segment; planted segments need at least 2.",
            "Add a segment, or remove the section 'segments'.",
        )
    excluded = None if group_shifts is None else group_shifts.variable
    segments = [
        _segment(check, item, f"{at}[{i}]", instrument, excluded) for i, item in enumerate(items)
    ]
    names = [segment.name for segment in segments]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise check.fail(at, f"the name(s) {repeated} are given twice.", "Name each segment once.")
    total = math.fsum(segment.share for segment in segments)
    if abs(total - 1) > PROBABILITY_TOLERANCE:
        raise check.fail(
            at,
            f"the shares sum to {total!r}, not 1 (tolerance {PROBABILITY_TOLERANCE:g}).",
            "Adjust them so that they sum to 1.",
        )
    _check_segment_variables(check, segments, at)
    _check_segment_mixtures(check, segments, probabilities, at)
    _check_segment_shifts(check, segments, at)
    return tuple(segments)


def _check_sections_present(
    check: _Checker, document: Mapping[str, Any], instrument: Instrument
) -> None:
    """Sections the instrument needs must be there, and sections it has no use for must not."""
    needed = {
        "filters": (bool(instrument.filters), "filter questions"),
        "outside_model": (
            any(c.code not in instrument.model.constructs for c in instrument.constructs),
            "constructs outside the structural model",
        ),
        "importance": (instrument.importance is not None, "importance block"),
        "attention": (bool(instrument.attention_checks), "attention checks"),
    }
    for key, (wanted, what) in needed.items():
        if wanted and key not in document:
            raise check.fail(
                "top level",
                f"missing key(s) [{key!r}]: the instrument has {what}.",
                f"Add the section {key!r}; see docs/synthetic-population.md.",
            )
        if not wanted and key in document:
            raise check.fail(
                f"section {key!r}",
                f"the instrument {display_path(instrument.path)} has no {what}.",
                "Remove the section.",
            )


def _path_constructs(paths: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(code for path in paths for code in path))


def _topological_order(paths: Mapping[tuple[str, str], float]) -> tuple[str, ...]:
    """The constructs, exogenous first, then each endogenous one after all its predictors."""
    constructs = _path_constructs(paths)
    targets = {target for _, target in paths}
    order = [code for code in constructs if code not in targets]
    while len(order) < len(constructs):
        ready = next(
            code
            for code in constructs
            if code not in order
            and all(source in order for source, target in paths if target == code)
        )
        order.append(ready)
    return tuple(order)


def _implied_moments(
    population: Population,
) -> tuple[tuple[str, ...], np.ndarray, Mapping[str, float]]:
    """Latent correlations and residual variances the standardized paths imply.

    With every latent variance 1, a construct ``t`` regressed on its predictors ``P`` with
    coefficients ``b`` has ``Cov(t, k) = sum_p b_p Cov(p, k)`` for every construct ``k`` before
    it, and residual variance ``1 - b' R_PP b``.
    """
    order = population.construct_order
    index = {code: i for i, code in enumerate(order)}
    matrix = np.eye(len(order))
    for (a, b), value in population.exogenous_correlations.items():
        matrix[index[a], index[b]] = matrix[index[b], index[a]] = value
    residuals = {}
    for t, code in enumerate(order):
        sources = [source for source, target in population.paths if target == code]
        if not sources:
            continue
        rows = [index[source] for source in sources]
        b = np.array([population.paths[(source, code)] for source in sources])
        matrix[t, :t] = matrix[:t, t] = b @ matrix[rows, :t]
        residuals[code] = 1.0 - float(b @ matrix[np.ix_(rows, rows)] @ b)
    return order, matrix, MappingProxyType(residuals)


def _check_residual_variances(check: _Checker, population: Population) -> None:
    for code, variance in population.residual_variances.items():
        if variance <= 1e-6:
            raise check.fail(
                "section 'paths'",
                f"the paths into {code!r} explain {1 - variance:.3g} of its variance, leaving "
                f"no residual variance ({variance:.3g}); latent variances are 1.",
                "Lower the coefficients of the paths into it, or the correlations among its "
                "predictors.",
            )


def load_population(path: str | Path | Mapping[str, Any], instrument: Instrument) -> Population:
    """Read the population model of the synthetic sample and check it against the instrument.

    The schema (one section per part of the model) and the formulas are in
    ``docs/synthetic-population.md``.

    Parameters
    ----------
    path : str, Path or Mapping
        The population file (``survey/population.yaml``), or a model already in memory with the
        same structure (e.g. from :func:`analysis.population_fit.fit_population`).
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
        If the model is written for another instrument id; a section is missing, unknown, or
        given although the instrument has no use for it; the profile or filter distributions do
        not cover exactly the instrument's variables and answer codes or do not sum to 1 (within
        :data:`PROBABILITY_TOLERANCE`); ``nonresponse.rate`` is not in [0, 1); a path
        coefficient, loading or correlation is not in (-1, 1), is missing or is not the
        instrument's; the exogenous correlations are not positive definite; the paths explain
        all of a construct's variance; group shifts name a non-exogenous construct or an unknown
        group; the cut points of a scale are not ``points - 1`` increasing numbers; a median
        or sigma is not positive; or the optional ``segments`` are fewer than 2, repeat a name,
        have shares that do not sum to 1, give different variables, a variable that is not a
        profile variable or is the group-shift variable, distributions whose share-weighted
        mixture is not the profile's, or importance shifts of a touch-point whose share-weighted
        mean is not 0. The message names the file, the place and the fix.

    Examples
    --------
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> dict(population.probabilities["bank_type"])
    {1: 0.5, 2: 0.35, 3: 0.15}
    >>> population.paths[("satisfaction", "loyalty")]
    0.4
    >>> round(population.residual_variances["expectation"], 2)
    0.75
    """
    if isinstance(path, Mapping):
        source, raw, check = None, path, _ModelChecker()
    else:
        source, raw = _read_yaml(path, "population")
        check = _Checker(source)
    document = check.mapping(raw, "top level", keys=_POPULATION_KEYS, required=_POPULATION_REQUIRED)
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
    _check_sections_present(check, document, instrument)
    exogenous = instrument.model.exogenous
    probabilities = _question_models(
        check, document["profile"], "profile", instrument.profile, instrument
    )
    group_shifts = _group_shifts(check, document.get("group_shifts"), instrument, exogenous)
    population = Population(
        path=source,
        instrument_id=instrument.id,
        note=check.string(header["note"], "section 'population', key 'note'"),
        missing_rate=_nonresponse(check, document["nonresponse"]),
        probabilities=probabilities,
        filters=_question_models(
            check, document.get("filters", {}), "filters", instrument.filters, instrument
        ),
        careless=_careless(check, document["careless"], instrument),
        paths=_paths(check, document["paths"], instrument),
        exogenous_correlations=_exogenous_correlations(
            check, document["exogenous_correlations"], exogenous
        ),
        group_shifts=group_shifts,
        outside_model=_outside_model(check, document.get("outside_model"), instrument),
        loadings=_loadings(check, document["measurement"], instrument),
        importance=_importance_model(check, document.get("importance"), instrument),
        thresholds=_thresholds(check, document["thresholds"], instrument),
        attention=_attention(check, document.get("attention"), instrument),
        duration=_duration(check, document["duration"]),
        segments=_segments(
            check, document.get("segments"), instrument, probabilities, group_shifts
        ),
    )
    _check_residual_variances(check, population)
    return population
