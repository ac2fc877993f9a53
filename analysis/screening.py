"""Quality screening of validated responses, with an exclusion ledger.

Each rule is a small function that returns a boolean Series (True = flagged), named by the rule,
with a one-line description of what it flagged in ``Series.attrs["description"]``. Every rule
is computed on all respondents, independently of the others, so a respondent's flags do not
depend on the order of the rules or of the rows. :func:`screen_responses` then applies the rules
**in order**: a respondent is excluded by the first rule that flags them and is not counted
again by later rules. The **exclusion ledger** records every step, so no respondent leaves the
data unaccounted for.

The rules (thresholds are parameters; their defaults are :data:`DEFAULT_THRESHOLDS`):

``excess_missing``
    More than ``max_missing_share`` (default 0.5) of the Likert items asked of the respondent
    (construct and importance items; an item with ``ask_if`` counts only when it was asked)
    are missing. Such a respondent has given too little to judge or to analyse; below the
    threshold, item nonresponse is left to the analyses' missing-data handling.
``failed_attention``
    An attention check (``instrument.attention_checks``, instructed-response items) answered
    with anything other than its ``expected`` answer. **No answer is not a failure**: skipping
    one item is not evidence of inattention (a respondent who skips much is caught by
    ``excess_missing``), and a file without the check column must not exclude everybody.
``too_fast``
    Completion time (``duration_seconds``) below ``max(min_duration_ratio * median,
    min_duration_seconds)`` (defaults: a third of the median, no absolute floor). The median is
    taken over every respondent with a recorded time in the data screened, not after earlier
    exclusions, so that the cut-off does not depend on the order of the rules. A missing time is
    not flagged; without a ``duration_seconds`` column (or with no times at all) the rule flags
    nobody and its ledger row says it was not applied.
``straightlining``
    Long-string analysis (Meade & Craig 2012): the longest run of identical consecutive answers
    over the respondent's answered construct items, in questionnaire order, is at least
    ``straightline_run`` (default 15, about a third of the 44 construct items of the shipped
    instrument, so at least four consecutive constructs), **or** every answered construct item
    has the same answer (zero within-person standard deviation, at least two answers). Missing
    answers (and items not asked) are skipped, not run breakers: ``4, NA, 4`` is a run of two.
    Raw answers are compared, before reverse-keyed items are recoded, because the rule looks for
    the pattern of clicks; importance items and attention checks are not in the sequence (rating
    every aspect "very important" is a plausible answer, and a straight-liner may pass an
    attention check by chance).

The default order, :data:`DEFAULT_RULES`, goes from "too little data" (``excess_missing``) over
direct evidence of inattention (``failed_attention``, ``too_fast``) to the pattern-based rule
most prone to false positives (``straightlining``), which thus only removes respondents the
others kept.

References
----------
Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in survey data.
*Psychological Methods*, 17(3), 437-455. https://doi.org/10.1037/a0028085
(``meade2012identifying`` in ``paper/references.bib``).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from analysis.instrument import RESPONDENT_ID, Instrument, Variable

__all__ = [
    "DEFAULT_RULES",
    "DEFAULT_THRESHOLDS",
    "LEDGER_COLUMNS",
    "RULES",
    "ScreeningResult",
    "flag_excess_missing",
    "flag_failed_attention",
    "flag_straightlining",
    "flag_too_fast",
    "ledger_for_paper",
    "longest_run",
    "screen_responses",
]

#: Default thresholds of the rules (to be set from config/config.yaml).
DEFAULT_THRESHOLDS: Mapping[str, float] = MappingProxyType(
    {
        "max_missing_share": 0.5,
        "min_duration_ratio": 1 / 3,
        "min_duration_seconds": 0.0,
        "straightline_run": 15,
    }
)
#: The rules in the order :func:`screen_responses` applies them by default.
DEFAULT_RULES = ("excess_missing", "failed_attention", "too_fast", "straightlining")
#: Columns of the exclusion ledger.
LEDGER_COLUMNS = ("step", "rule", "description", "n_before", "n_excluded", "n_after")
#: The ``rule`` of the ledger's first row: the validated responses screening starts from.
VALIDATED = "validated"
#: Roles of the Likert items whose missingness ``excess_missing`` counts.
MISSING_ROLES = ("item", "importance")
#: The column of completion times.
DURATION = "duration_seconds"


# --------------------------------------------------------------------------------------------
# Helpers


def _require(data: pd.DataFrame, codes: Sequence[str], function: str) -> None:
    absent = [code for code in codes if code not in data.columns]
    if absent:
        raise ValueError(
            f"{function} needs the column(s) {absent}, which the data lack. Screen the data "
            "returned by analysis.validation.validate_responses, which has every variable of "
            "the instrument."
        )


def _answers(data: pd.DataFrame, variables: Sequence[Variable]) -> np.ndarray:
    """The answers as a float matrix (respondents x variables), NaN for missing."""
    if not variables:
        return np.empty((len(data), 0))
    frame = data[[variable.code for variable in variables]]
    return frame.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _asked(data: pd.DataFrame, variables: Sequence[Variable]) -> np.ndarray:
    """Who was asked each variable (respondents x variables); a missing filter answer: not."""
    asked = np.ones((len(data), len(variables)), dtype=bool)
    for j, variable in enumerate(variables):
        if variable.ask_if is not None:
            answers = data[variable.ask_if.variable]
            asked[:, j] = answers.isin(variable.ask_if.codes).to_numpy(dtype=bool)
    return asked


def _flags(data: pd.DataFrame, flagged: np.ndarray, rule: str, description: str) -> pd.Series:
    series = pd.Series(np.asarray(flagged, dtype=bool), index=data.index, name=rule)
    series.attrs["description"] = description
    return series


def longest_run(values: np.ndarray) -> np.ndarray:
    """Longest run of identical consecutive non-missing values in each row.

    Missing values (NaN) are skipped: the answered values are taken in order and runs are
    counted among them, so ``[4, NaN, 4]`` has a run of 2. A row with no values has 0.

    Parameters
    ----------
    values : numpy.ndarray
        A float matrix, one row per respondent, NaN for missing.

    Returns
    -------
    numpy.ndarray
        Integer run lengths, one per row.

    Examples
    --------
    >>> longest_run(np.array([[1, 1, 2, 2, 2], [3, np.nan, 3, 1, np.nan], [np.nan] * 5]))
    array([3, 2, 0])
    """
    values = np.asarray(values, dtype=float)
    missing = np.isnan(values)
    order = np.argsort(missing, axis=1, kind="stable")  # answered first, in their order
    packed = np.take_along_axis(values, order, axis=1)
    answered = (~missing).sum(axis=1)
    # Runs are counted down the columns of the transposed matrix, which numpy accumulates
    # several times faster than along rows.
    same = np.ascontiguousarray((packed[:, 1:] == packed[:, :-1]).T)  # NaN never equals
    position = np.arange(1, same.shape[0] + 1, dtype=np.int32)[:, None]
    last_break = np.maximum.accumulate(np.where(same, 0, position), axis=0)
    runs = position - last_break  # equal neighbours ending at each position
    longest = (runs.max(axis=0) if same.shape[0] else np.zeros(len(values), dtype=int)) + 1
    return np.where(answered > 0, longest, 0).astype(np.int64)


def _check_real(value: Any, name: str, low: float, high: float, function: str) -> float:
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not np.isfinite(value)
        or not low <= value <= high
    ):
        raise ValueError(
            f"The {name!r} parameter of {function} must be a number in [{low:g}, {high:g}]. "
            f"Got {value!r}."
        )
    return float(value)


def _check_run(value: Any, function: str) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 2:
        raise ValueError(
            f"The 'straightline_run' parameter of {function} must be an integer >= 2. "
            f"Got {value!r}."
        )
    return int(value)


# --------------------------------------------------------------------------------------------
# The rules


def flag_excess_missing(
    data: pd.DataFrame,
    instrument: Instrument,
    *,
    max_missing_share: float = DEFAULT_THRESHOLDS["max_missing_share"],
) -> pd.Series:
    """Respondents who left more than ``max_missing_share`` of the Likert items asked unanswered.

    The items are the construct and importance items (``MISSING_ROLES``); an item with
    ``ask_if`` counts only for respondents who were asked it (a missing filter answer: not
    asked). A respondent asked no item is not flagged.

    Parameters
    ----------
    data : pandas.DataFrame
        Validated responses (``ValidationResult.data``: missing codes already NA).
    instrument : Instrument
        The questionnaire.
    max_missing_share : float, default 0.5
        In [0, 1]; flagged when the share missing is strictly greater.

    Returns
    -------
    pandas.Series
        Boolean, True = flagged, named ``"excess_missing"``, indexed like ``data``; its
        ``attrs["description"]`` says what was flagged.

    Examples
    --------
    >>> from analysis.instrument import load_instrument
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> data = pd.DataFrame({code: [4, pd.NA] for code in instrument.column_codes})
    >>> data["complained_12m"] = 2
    >>> flag_excess_missing(data, instrument).tolist()
    [False, True]
    """
    share = _check_real(max_missing_share, "max_missing_share", 0, 1, "flag_excess_missing")
    variables = [v for v in instrument.variables if v.role in MISSING_ROLES]
    filters = {v.ask_if.variable for v in variables if v.ask_if is not None}
    _require(data, [v.code for v in variables] + sorted(filters), "flag_excess_missing")
    asked = _asked(data, variables)
    missing = np.isnan(_answers(data, variables)) & asked
    n_asked = asked.sum(axis=1)
    shares = np.divide(missing.sum(axis=1), n_asked, out=np.zeros(len(data)), where=n_asked > 0)
    return _flags(
        data,
        shares > share,
        "excess_missing",
        f"more than {share:.0%} of the Likert items asked (construct and importance items) "
        "left unanswered",
    )


def flag_failed_attention(data: pd.DataFrame, instrument: Instrument) -> pd.Series:
    """Respondents who answered an attention check with other than its expected answer.

    A missing answer is not a failure (see the module's description). With no attention checks
    in the instrument, nobody is flagged.

    Parameters
    ----------
    data : pandas.DataFrame
        Validated responses.
    instrument : Instrument
        The questionnaire; ``instrument.attention_checks`` and their ``expected`` answers.

    Returns
    -------
    pandas.Series
        Boolean, True = flagged, named ``"failed_attention"``.

    Examples
    --------
    >>> from analysis.instrument import load_instrument
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> data = pd.DataFrame({"attn1": pd.array([5, 2, None], dtype="Int64")})
    >>> flag_failed_attention(data, instrument).tolist()
    [False, True, False]
    """
    checks = instrument.attention_checks
    _require(data, [check.code for check in checks], "flag_failed_attention")
    if not checks:
        return _flags(
            data,
            np.zeros(len(data), dtype=bool),
            "failed_attention",
            "not applied: the instrument has no attention checks",
        )
    answers = _answers(data, checks)
    expected = np.array([check.expected for check in checks], dtype=float)
    failed = ~np.isnan(answers) & (answers != expected)
    named = ", ".join(f"{check.code} = {check.expected}" for check in checks)
    return _flags(
        data,
        failed.any(axis=1),
        "failed_attention",
        f"an attention check answered other than instructed ({named}); no answer is not a failure",
    )


def flag_too_fast(
    data: pd.DataFrame,
    instrument: Instrument | None = None,
    *,
    min_duration_ratio: float = DEFAULT_THRESHOLDS["min_duration_ratio"],
    min_duration_seconds: float = DEFAULT_THRESHOLDS["min_duration_seconds"],
) -> pd.Series:
    """Respondents who completed the questionnaire too fast.

    Flagged when ``duration_seconds < max(min_duration_ratio * median, min_duration_seconds)``,
    the median over every respondent in ``data`` with a recorded time. A missing time is not
    flagged; without the column, or with no times at all, nobody is.

    Parameters
    ----------
    data : pandas.DataFrame
        Validated responses.
    instrument : Instrument, optional
        Not used (the completion time is the ``duration_seconds`` column); accepted so that
        every rule is called alike.
    min_duration_ratio : float, default 1/3
        In [0, 1]: the share of the median below which a time is too fast.
    min_duration_seconds : float, default 0
        An absolute floor in seconds (0: none).

    Returns
    -------
    pandas.Series
        Boolean, True = flagged, named ``"too_fast"``; the description gives the cut-off.

    Examples
    --------
    >>> data = pd.DataFrame({"duration_seconds": [600.0, 540.0, 150.0, None]})
    >>> flags = flag_too_fast(data)
    >>> flags.tolist()
    [False, False, True, False]
    >>> flags.attrs["description"]
    'completion time below 180 s (1/3 of the median 540 s, floor 0 s)'
    """
    ratio = _check_real(min_duration_ratio, "min_duration_ratio", 0, 1, "flag_too_fast")
    floor = _check_real(min_duration_seconds, "min_duration_seconds", 0, np.inf, "flag_too_fast")
    times = (
        data[DURATION].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        if DURATION in data.columns
        else np.full(len(data), np.nan)
    )
    if np.isnan(times).all():
        return _flags(
            data,
            np.zeros(len(data), dtype=bool),
            "too_fast",
            f"not applied: the responses have no completion times ({DURATION})",
        )
    median = float(np.nanmedian(times))
    cutoff = max(ratio * median, floor)
    share = f"{ratio:.3g}" if not np.isclose(ratio, 1 / 3) else "1/3"
    return _flags(
        data,
        ~np.isnan(times) & (times < cutoff),
        "too_fast",
        f"completion time below {cutoff:.0f} s ({share} of the median {median:.0f} s, "
        f"floor {floor:g} s)",
    )


def flag_straightlining(
    data: pd.DataFrame,
    instrument: Instrument,
    *,
    straightline_run: int = DEFAULT_THRESHOLDS["straightline_run"],
) -> pd.Series:
    """Respondents who gave identical answers down the construct items (long-string analysis).

    Flagged when the longest run of identical consecutive answers over the respondent's
    answered construct items, in questionnaire order (:func:`longest_run`, missing answers
    skipped), is at least ``straightline_run``, or when all answered construct items have the
    same answer (zero within-person SD, at least two answers). Raw answers are compared
    (reverse-keyed items not recoded). Meade & Craig (2012).

    Parameters
    ----------
    data : pandas.DataFrame
        Validated responses.
    instrument : Instrument
        The questionnaire; ``instrument.items()`` gives the construct items in order.
    straightline_run : int, default 15
        Run length (>= 2) from which a respondent is flagged.

    Returns
    -------
    pandas.Series
        Boolean, True = flagged, named ``"straightlining"``.

    References
    ----------
    Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in survey data.
    *Psychological Methods*, 17(3), 437-455. https://doi.org/10.1037/a0028085

    Examples
    --------
    >>> from analysis.instrument import load_instrument
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> codes = [item.code for item in instrument.items()]
    >>> data = pd.DataFrame([[4] * len(codes), [i % 7 + 1 for i in range(len(codes))]],
    ...                     columns=codes)
    >>> flag_straightlining(data, instrument).tolist()
    [True, False]
    """
    run = _check_run(straightline_run, "flag_straightlining")
    items = instrument.items()
    _require(data, [item.code for item in items], "flag_straightlining")
    answers = _answers(data, items)
    answered = (~np.isnan(answers)).sum(axis=1)
    lowest = np.where(np.isnan(answers), np.inf, answers).min(axis=1, initial=np.inf)
    highest = np.where(np.isnan(answers), -np.inf, answers).max(axis=1, initial=-np.inf)
    flagged = (longest_run(answers) >= run) | ((answered >= 2) & (lowest == highest))
    return _flags(
        data,
        flagged,
        "straightlining",
        f"identical answers to at least {run} consecutive construct items (questionnaire "
        "order, missing answers skipped), or to all construct items answered; long-string "
        "analysis (Meade & Craig 2012)",
    )


#: The rules by name, and the thresholds each takes.
RULES: Mapping[str, tuple[Callable[..., pd.Series], tuple[str, ...]]] = MappingProxyType(
    {
        "excess_missing": (flag_excess_missing, ("max_missing_share",)),
        "failed_attention": (flag_failed_attention, ()),
        "too_fast": (flag_too_fast, ("min_duration_ratio", "min_duration_seconds")),
        "straightlining": (flag_straightlining, ("straightline_run",)),
    }
)


# --------------------------------------------------------------------------------------------
# Screening


@dataclass(frozen=True)
class ScreeningResult:
    """Responses after quality screening, and the record of who was excluded and why.

    Attributes
    ----------
    kept : pandas.DataFrame
        The respondents no applied rule flagged, in the input's order and with its index.
    flags : pandas.DataFrame
        One row per respondent (input order): ``respondent_id``, then one boolean column per
        applied rule (True = flagged), each rule computed on every respondent.
    ledger : pandas.DataFrame
        The exclusion ledger, one row per step, columns :data:`LEDGER_COLUMNS`: step 0 is
        the validated responses (``rule`` ``"validated"``), then one step per rule in the
        order applied; ``n_after = n_before - n_excluded`` and each ``n_before`` is the previous
        ``n_after``. A respondent flagged by several rules is excluded (and counted) at the
        first.
    exclusions : pandas.DataFrame
        One row per excluded respondent: ``respondent_id``, ``step``, ``rule`` (the step and
        rule that excluded them), in ledger order.
    thresholds : Mapping[str, float]
        The thresholds used (defaults filled in).
    """

    kept: pd.DataFrame
    flags: pd.DataFrame
    ledger: pd.DataFrame
    exclusions: pd.DataFrame
    thresholds: Mapping[str, float]


def _check_rules(rules: Any) -> tuple[str, ...]:
    if isinstance(rules, str) or not isinstance(rules, Sequence):
        raise ValueError(
            "The 'rules' parameter of screen_responses must be a sequence of rule names from "
            f"{list(RULES)}. Got {rules!r}."
        )
    unknown = [rule for rule in rules if rule not in RULES]
    repeated = sorted({rule for rule in rules if list(rules).count(rule) > 1})
    if unknown or repeated:
        raise ValueError(
            "The 'rules' parameter of screen_responses must name each rule at most once, from "
            f"{list(RULES)}. Got unknown {unknown}, repeated {repeated}."
        )
    return tuple(rules)


def _check_thresholds(thresholds: Mapping[str, Any] | None) -> dict[str, float]:
    given = dict(thresholds or {})
    unknown = sorted(set(given) - set(DEFAULT_THRESHOLDS))
    if unknown:
        raise ValueError(
            "The 'thresholds' parameter of screen_responses takes the keys "
            f"{sorted(DEFAULT_THRESHOLDS)}. Got unknown {unknown}."
        )
    merged = {**DEFAULT_THRESHOLDS, **given}
    function = "screen_responses"
    _check_real(merged["max_missing_share"], "max_missing_share", 0, 1, function)
    _check_real(merged["min_duration_ratio"], "min_duration_ratio", 0, 1, function)
    _check_real(merged["min_duration_seconds"], "min_duration_seconds", 0, np.inf, function)
    _check_run(merged["straightline_run"], function)
    return merged


def _check_data(data: Any, instrument: Instrument) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            "The 'data' parameter of screen_responses must be a pandas DataFrame. "
            f"Got {type(data).__name__}."
        )
    _require(data, [RESPONDENT_ID], "screen_responses")
    ids = data[RESPONDENT_ID]
    if ids.isna().any() or ids.duplicated().any():
        raise ValueError(
            f"screen_responses needs one row per respondent with a unique, non-empty "
            f"{RESPONDENT_ID!r}; the data have {int(ids.isna().sum())} empty and "
            f"{int(ids.duplicated().sum())} repeated id(s). Screen the data returned by "
            "analysis.validation.validate_responses."
        )
    for variable in instrument.items(role=None):
        if variable.code not in data.columns:
            continue
        column = data[variable.code]
        stray = column[column.notna() & ~column.isin(variable.codes)]
        if len(stray):
            raise ValueError(
                f"Column {variable.code!r} holds {len(stray)} value(s) that are not points of "
                f"its scale {list(variable.codes)}, such as {stray.iloc[0]}. Screen the data "
                "returned by analysis.validation.validate_responses, which turns declared "
                "missing codes such as 99 into NA."
            )


def _ledger(
    flags: np.ndarray, rules: Sequence[str], descriptions: Sequence[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    """The ledger, and for each respondent the step that excluded them (0: kept)."""
    n = len(flags)
    if flags.shape[1]:
        step = np.where(flags.any(axis=1), flags.argmax(axis=1) + 1, 0)
    else:
        step = np.zeros(n, dtype=np.int64)
    excluded = np.bincount(step, minlength=len(rules) + 1)[1:]
    after = np.concatenate([[n], n - np.cumsum(excluded)])
    ledger = pd.DataFrame(
        {
            "step": np.arange(len(rules) + 1, dtype=np.int64),
            "rule": [VALIDATED, *rules],
            "description": ["validated responses", *descriptions],
            "n_before": np.concatenate([[n], after[:-1]]).astype(np.int64),
            "n_excluded": np.concatenate([[0], excluded]).astype(np.int64),
            "n_after": after.astype(np.int64),
        }
    )
    return ledger, step.astype(np.int64)


def screen_responses(
    data: pd.DataFrame,
    instrument: Instrument,
    *,
    rules: Sequence[str] = DEFAULT_RULES,
    thresholds: Mapping[str, float] | None = None,
) -> ScreeningResult:
    """Apply the quality-screening rules in order and keep an exclusion ledger.

    Every rule in ``rules`` flags respondents independently (see the module's description
    and the ``flag_*`` functions); the rules are then applied in the order given, each
    excluding the flagged respondents the earlier ones kept. Every exclusion is in the ledger
    and in ``exclusions``; nothing else is dropped.

    Parameters
    ----------
    data : pandas.DataFrame
        Validated responses (``analysis.validation.validate_responses(...).data``): one row
        per respondent, a unique ``respondent_id``, missing answers as NA. Not modified.
    instrument : Instrument
        The questionnaire.
    rules : sequence of str, default :data:`DEFAULT_RULES`
        The rules to apply, in order: names from :data:`RULES`, each at most once.
    thresholds : mapping, optional
        Overrides of :data:`DEFAULT_THRESHOLDS`: ``max_missing_share`` (in [0, 1], default
        0.5), ``min_duration_ratio`` (in [0, 1], default 1/3), ``min_duration_seconds``
        (>= 0, default 0), ``straightline_run`` (integer >= 2, default 15).

    Returns
    -------
    ScreeningResult
        ``kept``, ``flags``, ``ledger``, ``exclusions``, ``thresholds``.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame.
    ValueError
        If ``rules`` or ``thresholds`` is not as described, if ``data`` lacks a column a rule
        needs, has empty or repeated ids, or holds codes outside a Likert item's scale (not
        validated: declared missing codes not yet NA).

    Examples
    --------
    >>> from analysis.instrument import load_instrument
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> codes = instrument.column_codes
    >>> data = pd.DataFrame([[i % 7 + 1 for i in range(len(codes))]] * 3, columns=codes)
    >>> data["respondent_id"] = ["R1", "R2", "R3"]
    >>> data["duration_seconds"] = [600.0, 620.0, 90.0]
    >>> data["attn1"] = [5, 3, 5]
    >>> result = screen_responses(data, instrument)
    >>> result.ledger[["rule", "n_before", "n_excluded", "n_after"]]
                   rule  n_before  n_excluded  n_after
    0         validated         3           0        3
    1    excess_missing         3           0        3
    2  failed_attention         3           1        2
    3          too_fast         2           1        1
    4    straightlining         1           0        1
    >>> result.exclusions
      respondent_id  step              rule
    0            R2     2  failed_attention
    1            R3     3          too_fast
    """
    _check_data(data, instrument)
    rules = _check_rules(rules)
    used = _check_thresholds(thresholds)
    series = []
    for rule in rules:
        function, names = RULES[rule]
        series.append(function(data, instrument, **{name: used[name] for name in names}))
    matrix = (
        np.column_stack([s.to_numpy() for s in series])
        if series
        else np.zeros((len(data), 0), dtype=bool)
    )
    ledger, step = _ledger(matrix, rules, [s.attrs["description"] for s in series])
    ids = data[RESPONDENT_ID].reset_index(drop=True)
    flags = pd.DataFrame({RESPONDENT_ID: ids, **dict(zip(rules, matrix.T, strict=True))})
    order = np.argsort(step, kind="stable")
    order = order[step[order] > 0]
    exclusions = pd.DataFrame(
        {
            RESPONDENT_ID: ids.iloc[order].reset_index(drop=True),
            "step": step[order].astype(np.int64),
            "rule": np.asarray(rules, dtype=object)[step[order] - 1],
        }
    )
    return ScreeningResult(
        kept=data.loc[step == 0].copy(),
        flags=flags,
        ledger=ledger,
        exclusions=exclusions,
        thresholds=MappingProxyType(used),
    )


def ledger_for_paper(ledger: pd.DataFrame) -> pd.DataFrame:
    """The exclusion ledger as the paper shows it: one row per step, readable column names.

    Parameters
    ----------
    ledger : DataFrame
        :attr:`ScreeningResult.ledger` (or the ``exclusion_ledger.csv`` the pipeline writes).

    Returns
    -------
    DataFrame
        Columns ``Step, Rule, Description, N before, Excluded, N after``.

    Examples
    --------
    >>> ledger = pd.DataFrame({"step": [0], "rule": ["validated"],
    ...                        "description": ["validated responses"], "n_before": [400],
    ...                        "n_excluded": [0], "n_after": [400]})
    >>> list(ledger_for_paper(ledger).columns)
    ['Step', 'Rule', 'Description', 'N before', 'Excluded', 'N after']
    """
    missing = [c for c in LEDGER_COLUMNS if c not in ledger.columns]
    if missing:
        raise ValueError(
            f"The 'ledger' parameter of ledger_for_paper must have the columns "
            f"{list(LEDGER_COLUMNS)}. Missing: {missing}."
        )
    names = {
        "step": "Step",
        "rule": "Rule",
        "description": "Description",
        "n_before": "N before",
        "n_excluded": "Excluded",
        "n_after": "N after",
    }
    table = ledger[list(LEDGER_COLUMNS)].rename(columns=names)
    table["Rule"] = table["Rule"].str.replace("_", " ")
    return table
