"""Importance-performance analysis (IPA) of the CRM touch-points, by group, and its chart.

:func:`importance_performance` places each touch-point by its performance (the mean construct
score) and its importance, stated (the mean of its importance item ``imp_*``) or derived (its
standardized effect on satisfaction or loyalty, passed in), in one of Martilla and James's
(1977) four quadrants, and gives the importance-performance gap. :func:`ipa_by_group` does the
same per group of respondents (CITIC customers and the others: ``bank_type``) with common
cross-hairs, :func:`group_performance_gap` tests the focal group's performance against the
others' (Welch), and :func:`plot_ipa` draws the quadrant chart.

Derived importance comes from another analysis and is passed as a Series indexed by
touch-point code, either

- the standardized betas of :func:`analysis.drivers.driver_regression` of the satisfaction score
  on the touch-point scores::

      betas = driver_regression(scores, outcome="satisfaction", predictors=touchpoints)
      derived = betas.set_index("term")["beta"].drop("(Intercept)")

- or the CB-SEM's standardized total effects on satisfaction (direct path plus the route through
  perceived value; :func:`analysis.sem.indirect_effects`)::

      effects = indirect_effects(keyed, instrument, random_state=1)
      total = effects.query("effect == 'total' and outcome == 'satisfaction'")
      derived = total.drop_duplicates("source").set_index("source")["estimate"]

Complaint handling is not in the structural model (asked of complainants only), so it has no
SEM-derived importance; it is then left out of the derived-importance chart with a warning.
"""

from __future__ import annotations

import math
import textwrap
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from scipy import stats

from analysis.checks import check_ci
from analysis.descriptives import construct_scores, item_frame
from analysis.instrument import Instrument

#: Martilla & James's (1977) quadrant names, by (high importance, high performance).
QUADRANTS = {
    (True, False): "Concentrate here",
    (True, True): "Keep up the good work",
    (False, False): "Low priority",
    (False, True): "Possible overkill",
}
CONCENTRATE_HERE = QUADRANTS[True, False]
#: Where the cross-hairs go: the grand means of the plotted points, or the scale midpoints.
CROSSHAIRS = ("mean", "midpoint")
#: Which importance places a touch-point in a quadrant.
BASES = ("stated", "derived")
#: Columns of :func:`importance_performance` (and, after ``group``, of :func:`ipa_by_group`).
IPA_COLUMNS = (
    "touchpoint",
    "performance",
    "performance_se",
    "performance_ci_low",
    "performance_ci_high",
    "performance_n",
    "stated",
    "stated_se",
    "stated_ci_low",
    "stated_ci_high",
    "stated_n",
    "derived",
    "gap",
    "gap_se",
    "gap_ci_low",
    "gap_ci_high",
    "gap_n",
    "importance",
    "importance_basis",
    "performance_crosshair",
    "importance_crosshair",
    "quadrant",
    "method",
)
#: Columns of :func:`group_performance_gap`.
GAP_COLUMNS = (
    "touchpoint",
    "group",
    "reference",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "statistic",
    "df",
    "p_val",
    "n",
    "mean_group",
    "mean_reference",
    "n_group",
    "n_reference",
    "method",
)
#: Size of the IPA chart in inches (fixed, so that figures are comparable).
FIGSIZE = (6.4, 5.2)
#: Characters per line of the note under the chart.
NOTE_WIDTH = 100
#: Markers and colours (Okabe-Ito, colour-blind safe) of the groups in :func:`plot_ipa`.
MARKERS = ("o", "s", "^", "D", "v", "P")
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
#: Fill of the "Concentrate here" quadrant.
SHADE = "#D55E00"
#: Default axis labels of :func:`plot_ipa`, by importance basis.
AXIS_LABELS = {
    "performance": "Performance (mean construct score, 1-7)",
    "stated": "Stated importance (mean rating, 1-7)",
    "derived": "Derived importance (standardized effect)",
}


class IpaWarning(UserWarning):
    """A touch-point could not be placed (or compared), with the reason."""


# --------------------------------------------------------------------------------------------
# Checks


def _check_choice(value: Any, name: str, choices: Sequence[str], function: str) -> str:
    if value not in choices:
        raise ValueError(
            f"The '{name}' parameter of {function} must be one of {list(choices)}. Got {value!r}."
        )
    return value


def _check_touchpoints(touchpoints: Any, instrument: Instrument, function: str) -> list[str]:
    if touchpoints is None:
        chosen = [c.code for c in instrument.constructs if c.touchpoint]
    elif isinstance(touchpoints, str) or not isinstance(touchpoints, Sequence):
        raise TypeError(
            f"The 'touchpoints' parameter of {function} must be a list of construct codes. "
            f"Got {touchpoints!r}."
        )
    else:
        chosen = list(touchpoints)
    if not chosen:
        raise ValueError(f"The 'touchpoints' parameter of {function} must name a construct.")
    repeated = sorted({t for t in chosen if chosen.count(t) > 1}, key=str)
    if repeated:
        raise ValueError(f"The 'touchpoints' parameter of {function} repeats {repeated}.")
    for code in chosen:
        instrument.construct(code)  # KeyError naming the instrument's constructs
    return chosen


def _check_derived(derived: Any, touchpoints: list[str], function: str) -> pd.Series:
    """Derived importance as a float Series over ``touchpoints`` (NaN where not given)."""
    if derived is None:
        return pd.Series(math.nan, index=touchpoints, dtype=float)
    if not isinstance(derived, pd.Series | Mapping):
        raise TypeError(
            f"The 'derived' parameter of {function} must be a pandas Series (or mapping) of "
            "standardized effects indexed by touch-point code, e.g. driver_regression(...)"
            f".set_index('term')['beta']. Got {type(derived).__name__}."
        )
    series = pd.Series(derived)
    unknown = [code for code in series.index if code not in touchpoints]
    if unknown:
        raise ValueError(
            f"The 'derived' parameter of {function} names {unknown}, which are not among the "
            f"touch-points {touchpoints}. Drop them (e.g. the intercept or non-touch-point "
            "predictors) or add them to 'touchpoints'."
        )
    if not pd.api.types.is_numeric_dtype(series):
        raise TypeError(
            f"The 'derived' parameter of {function} must hold numbers (standardized effects). "
            f"Got dtype {series.dtype}."
        )
    values = series.astype(float).reindex(touchpoints)
    if np.isinf(values).any():
        raise ValueError(f"The 'derived' parameter of {function} holds infinite values.")
    return values


def _importance_item(instrument: Instrument, touchpoint: str) -> str | None:
    items = instrument.items(touchpoint, role="importance")
    return items[0].code if items else None


def _stated_frame(
    data: pd.DataFrame, instrument: Instrument, touchpoints: list[str], function: str
) -> pd.DataFrame:
    """The importance items of the touch-points that have one, checked codes (float, NaN)."""
    codes = {t: _importance_item(instrument, t) for t in touchpoints}
    present = [code for code in codes.values() if code is not None]
    absent = [code for code in present if code not in data.columns]
    if absent:
        raise ValueError(
            f"{function}: the data lack the importance item columns {absent}. Pass the "
            "responses with every item, or leave those touch-points out of 'touchpoints'."
        )
    frame = item_frame(data, items=present, function=function, allow_empty=True)
    if present and instrument.importance is not None:
        points = instrument.scales[instrument.importance.scale].points
        values = frame.to_numpy()
        bad = np.isfinite(values) & (
            (values != np.round(values)) | (values < 1) | (values > points)
        )
        wrong = [code for code, flag in zip(present, bad.any(axis=0), strict=True) if flag]
        if wrong:
            raise ValueError(
                f"{function}: importance items {wrong} hold values that are not codes 1..{points} "
                "of their scale. Declare missing codes such as -99 in the instrument "
                "(analysis.responses.read_responses turns them into NA) or correct the data."
            )
    return pd.DataFrame(
        {t: frame[c] if c is not None else math.nan for t, c in codes.items()}, index=data.index
    )


# --------------------------------------------------------------------------------------------
# Estimates


def _mean_ci(values: np.ndarray, ci: float) -> tuple[float, float, float, float, int]:
    """Mean, its SE, the t interval and n of the finite ``values``."""
    values = values[np.isfinite(values)]
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan, 0
    mean = float(values.mean())
    if n == 1:
        return mean, math.nan, math.nan, math.nan, 1
    se = float(values.std(ddof=1)) / math.sqrt(n)
    half = float(stats.t.ppf((1 + ci) / 2, n - 1)) * se
    return mean, se, mean - half, mean + half, n


def _measures(
    data: pd.DataFrame,
    instrument: Instrument,
    touchpoints: list[str],
    derived: pd.Series,
    ci: float,
    min_items: int | float,
    function: str,
) -> pd.DataFrame:
    """Performance, stated importance, derived importance and gap per touch-point."""
    scores = construct_scores(data, instrument, constructs=touchpoints, min_items=min_items)
    stated = _stated_frame(data, instrument, touchpoints, function)
    rows = []
    for t in touchpoints:
        perf = scores[t].to_numpy(dtype=float)
        imp = stated[t].to_numpy(dtype=float)
        row: dict[str, Any] = {"touchpoint": t}
        for prefix, values in (("performance", perf), ("stated", imp), ("gap", imp - perf)):
            mean, se, low, high, n = _mean_ci(values, ci)
            row |= {
                prefix: mean,
                f"{prefix}_se": se,
                f"{prefix}_ci_low": low,
                f"{prefix}_ci_high": high,
                f"{prefix}_n": n,
            }
        row["derived"] = float(derived[t])
        rows.append(row)
    return pd.DataFrame(rows)


def _reasons(table: pd.DataFrame, instrument: Instrument, basis: str) -> dict[str, str]:
    """Why each unplaced touch-point cannot be placed."""
    reasons = {}
    for row in table.itertuples():
        why = []
        if not np.isfinite(row.performance):
            why.append("no performance score (no respondent answered enough of its items)")
        if basis == "stated" and not np.isfinite(row.stated):
            if _importance_item(instrument, row.touchpoint) is None:
                why.append("no stated-importance item in the instrument")
            else:
                why.append("no answers to its importance item")
        if basis == "derived" and not np.isfinite(row.derived):
            why.append("no derived importance ('derived' lacks it)")
        if why:
            reasons[row.touchpoint] = "; ".join(why)
    return reasons


def _crosshairs(
    crosshairs: Any,
    table: pd.DataFrame,
    instrument: Instrument,
    basis: str,
    function: str,
) -> tuple[float, float, str]:
    """(performance, importance) cross-hairs and how they were set."""
    placed = table[np.isfinite(table["performance"]) & np.isfinite(table["importance"])]
    if isinstance(crosshairs, tuple):
        values = tuple(crosshairs)
        if len(values) != 2 or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in values
        ):
            raise ValueError(
                f"The 'crosshairs' parameter of {function} must be 'mean', 'midpoint' or a pair "
                f"of finite numbers (performance, importance). Got {crosshairs!r}."
            )
        return float(values[0]), float(values[1]), f"cross-hairs set at {values}"
    _check_choice(crosshairs, "crosshairs", CROSSHAIRS, function)
    if crosshairs == "mean":
        if len(placed) < 2:
            raise ValueError(
                f"{function}: cross-hairs at the grand means need at least two placed "
                f"touch-points; {len(placed)} could be placed. Pass crosshairs='midpoint' or a "
                "pair of numbers."
            )
        return (
            float(placed["performance"].mean()),
            float(placed["importance"].mean()),
            "cross-hairs at the grand means of the placed touch-points' performance and "
            "importance (data-centred)",
        )
    if basis == "derived":
        raise ValueError(
            f"{function}: crosshairs='midpoint' needs stated importance; derived importance "
            "(a standardized effect) has no scale midpoint. Use crosshairs='mean' or a pair "
            "(performance, importance)."
        )
    performance_points = {
        instrument.scales[v.scale].points for t in table["touchpoint"] for v in instrument.items(t)
    }
    if len(performance_points) != 1 or instrument.importance is None:
        raise ValueError(
            f"{function}: crosshairs='midpoint' needs the touch-points' items on one scale "
            f"length; they have {sorted(performance_points)} points. Pass a pair of numbers."
        )
    importance_points = instrument.scales[instrument.importance.scale].points
    return (
        (performance_points.pop() + 1) / 2,
        (importance_points + 1) / 2,
        "cross-hairs at the scale midpoints (scale-centred)",
    )


def _place(table: pd.DataFrame, performance: float, importance: float) -> pd.Series:
    quadrants = []
    for p, i in zip(table["performance"], table["importance"], strict=True):
        if np.isfinite(p) and np.isfinite(i):
            quadrants.append(QUADRANTS[bool(i >= importance), bool(p >= performance)])
        else:
            quadrants.append(None)
    return pd.Series(quadrants, index=table.index, dtype=object)


def _finish(
    table: pd.DataFrame,
    *,
    basis: str,
    crosshairs: tuple[float, float, str],
    ci: float,
    min_items: int | float,
    reasons: Mapping[str, str],
    function: str,
) -> pd.DataFrame:
    performance, importance, how = crosshairs
    table = table.assign(
        importance_basis=basis,
        performance_crosshair=performance,
        importance_crosshair=importance,
        quadrant=_place(table, performance, importance),
        method=(
            f"performance: mean construct score (mean of the answered keyed items, min_items="
            f"{min_items}); stated importance: mean of the importance item; gap: mean of "
            f"(importance - performance) over respondents with both; t intervals ({ci:.0%}); "
            f"quadrant by {basis} importance (Martilla & James 1977), {how}; a value on a "
            "cross-hair counts as high"
        ),
    )
    if reasons:
        listed = "; ".join(f"{t}: {why}" for t, why in reasons.items())
        warnings.warn(
            f"{function}: touch-points {list(reasons)} are not placed in a quadrant ({listed}).",
            IpaWarning,
            stacklevel=3,
        )
    return table[list(IPA_COLUMNS)] if "group" not in table else table


def importance_performance(
    data: pd.DataFrame,
    instrument: Instrument,
    *,
    touchpoints: Sequence[str] | None = None,
    derived: pd.Series | Mapping[str, float] | None = None,
    basis: str = "stated",
    crosshairs: str | tuple[float, float] = "mean",
    ci: float = 0.95,
    min_items: int | float = 0.5,
) -> pd.DataFrame:
    r"""Importance-performance analysis: each touch-point's performance, importance and quadrant.

    For each touch-point :math:`t`:

    - performance: the mean of the respondents' construct scores
      (:func:`analysis.descriptives.construct_scores`: mean of the answered keyed items, with
      at least ``min_items`` answered), with its SE :math:`s/\sqrt n` and t interval;
    - stated importance (``stated``): the mean of the touch-point's importance item
      (``imp_staff`` ...; the instrument's ``importance`` block), SE and t interval; NaN for a
      construct without an importance item;
    - derived importance (``derived``): the standardized effect passed in ``derived`` (the module
      docstring shows how to take it from the driver regression or the SEM), NaN where not given;
    - the importance-performance gap (``gap``): the mean over respondents of their stated
      importance minus their performance score (both 1-7), with its paired t interval, over the
      ``gap_n`` respondents who have both (so it may differ slightly from ``stated -
      performance`` when the two have different missing answers). A positive gap means the
      touch-point matters more than it delivers. The two are different questions on different
      anchors (importance, agreement): read the gap as a ranking, not as an absolute shortfall.

    Quadrant rule (Martilla & James 1977). ``importance`` is the stated or derived importance
    (``basis``). With cross-hairs :math:`(P_0, I_0)`, a touch-point with performance
    :math:`P` and importance :math:`I` is *high* on an axis when :math:`\ge` the cross-hair, and
    lies in "Concentrate here" (high importance, low performance), "Keep up the good work"
    (high, high), "Low priority" (low, low) or "Possible overkill" (low importance, high
    performance). Cross-hairs (Bacon 2003 compares the choices):

    - ``"mean"`` (default, data-centred): the grand means, over the placed touch-points, of their
      performance and importance (unweighted means of means);
    - ``"midpoint"`` (scale-centred): the midpoints of the scales (4 on 1-7); stated importance
      only;
    - a pair ``(performance, importance)`` of numbers.

    A touch-point that lacks performance (no scores, e.g. nobody complained) or the chosen
    importance (no importance item, as for ``image``; no answers; not in ``derived``) gets
    ``quadrant`` None and an :class:`IpaWarning` naming it and why; it does not count towards
    the grand means.

    Missing data: each estimate on the respondents who have it (performance: a construct score;
    stated: an answer to the item; gap: both). Complaint handling is asked of complainants only,
    so its performance (and gap) rests on far fewer respondents (``performance_n``).

    Parameters
    ----------
    data : pandas.DataFrame
        The responses, items as answered (reverse items not recoded, missing codes NA), as
        :func:`analysis.responses.read_responses` returns them.
    instrument : Instrument
        The questionnaire: constructs, importance items, scales.
    touchpoints : sequence of str, optional
        Constructs to analyse, in this order. Default: the instrument's touch-points.
    derived : pandas.Series or mapping, optional
        Derived importance by touch-point code (see above). Required for ``basis="derived"``.
    basis : {"stated", "derived"}
        Which importance places the touch-points.
    crosshairs : {"mean", "midpoint"} or (float, float)
        Where the quadrants meet (see above).
    ci : float, default 0.95
        Confidence level in (0, 1).
    min_items : int or float, default 0.5
        Passed to :func:`analysis.descriptives.construct_scores`.

    Returns
    -------
    pandas.DataFrame
        One row per touch-point, unrounded: :data:`IPA_COLUMNS` (``<measure>``,
        ``<measure>_se``, ``<measure>_ci_low``, ``<measure>_ci_high``, ``<measure>_n`` for
        performance, stated and gap; ``importance`` is the value used for the quadrant).

    Raises
    ------
    ValueError
        If ``basis``, ``crosshairs`` or ``ci`` is not as described; ``basis="derived"`` without
        ``derived``; ``derived`` names constructs outside ``touchpoints``; the data lack an item
        column or hold codes outside a scale; fewer than two touch-points can be placed with
        ``crosshairs="mean"``.
    KeyError
        If ``touchpoints`` names a construct the instrument lacks.
    TypeError
        If ``derived`` is not a Series or mapping of numbers.

    Warns
    -----
    IpaWarning
        For touch-points that cannot be placed, with the reason.

    References
    ----------
    Martilla, J. A., & James, J. C. (1977). Importance-performance analysis. *Journal of
    Marketing*, 41(1), 77-79. https://doi.org/10.1177/002224297704100112
    Bacon, D. R. (2003). A comparison of approaches to importance-performance analysis.
    *International Journal of Market Research*, 45(1), 55-71.

    Examples
    --------
    >>> from analysis.instrument import load_instrument, load_population
    >>> from analysis.synthetic import synthetic_sample
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> sample = synthetic_sample(instrument, population, n=400, random_state=1)
    >>> table = importance_performance(sample.responses, instrument)
    >>> table[["touchpoint", "performance_n"]].iloc[[0, 5]]  # complaint: complainants only
      touchpoint  performance_n
    0      staff            400
    5  complaint             42
    >>> bool(table["quadrant"].isin(list(QUADRANTS.values())).all())
    True
    >>> # R: colMeans(scores[touchpoints], na.rm = TRUE)
    >>> #    colMeans(responses[imp_items], na.rm = TRUE)
    """
    function = "importance_performance"
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"The 'data' parameter of {function} must be a pandas DataFrame. "
            f"Got {type(data).__name__}."
        )
    ci = check_ci(ci, function)
    basis = _check_choice(basis, "basis", BASES, function)
    touchpoints = _check_touchpoints(touchpoints, instrument, function)
    if basis == "derived" and derived is None:
        raise ValueError(
            f"{function}: basis='derived' needs the 'derived' parameter (standardized effects "
            "by touch-point, e.g. driver_regression(...).set_index('term')['beta'])."
        )
    derived_values = _check_derived(derived, touchpoints, function)
    table = _measures(data, instrument, touchpoints, derived_values, ci, min_items, function)
    table["importance"] = table[basis]
    return _finish(
        table,
        basis=basis,
        crosshairs=_crosshairs(crosshairs, table, instrument, basis, function),
        ci=ci,
        min_items=min_items,
        reasons=_reasons(table, instrument, basis),
        function=function,
    )


# --------------------------------------------------------------------------------------------
# By group


def _check_groups(data: pd.DataFrame, group: Any, groups: Any, function: str) -> dict[str, Any]:
    """Label -> boolean row mask of each group, in order."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"The 'data' parameter of {function} must be a pandas DataFrame. "
            f"Got {type(data).__name__}."
        )
    if not isinstance(group, str) or group not in data.columns:
        raise ValueError(
            f"The 'group' parameter of {function} must name a column of the data, e.g. "
            f"'bank_type'. Got {group!r}."
        )
    column = data[group]
    observed = sorted(pd.unique(column.dropna()).tolist())
    if groups is None:
        groups = {str(code): [code] for code in observed}
    if not isinstance(groups, Mapping) or len(groups) < 2:
        raise ValueError(
            f"The 'groups' parameter of {function} must map at least two labels to the codes of "
            f"'{group}' they pool, e.g. {{'CITIC': [1], 'Other banks': [2, 3]}}. Got {groups!r}."
        )
    masks, seen = {}, {}
    for label, codes in groups.items():
        codes = list(codes) if isinstance(codes, Sequence | np.ndarray) else [codes]
        for code in codes:
            if code in seen:
                raise ValueError(
                    f"The 'groups' parameter of {function} puts code {code!r} of '{group}' in "
                    f"both {seen[code]!r} and {label!r}. Each code belongs to one group."
                )
            seen[code] = label
        mask = column.isin(codes).fillna(False).to_numpy(dtype=bool)
        if not mask.any():
            raise ValueError(
                f"{function}: group {label!r} (codes {codes} of '{group}') has no respondents. "
                f"The column holds {observed}."
            )
        masks[str(label)] = mask
    return masks


def ipa_by_group(
    data: pd.DataFrame,
    instrument: Instrument,
    *,
    group: str,
    groups: Mapping[str, Sequence[Any]] | None = None,
    touchpoints: Sequence[str] | None = None,
    derived: pd.Series | Mapping[str, pd.Series] | None = None,
    basis: str = "stated",
    crosshairs: str | tuple[float, float] = "mean",
    ci: float = 0.95,
    min_items: int | float = 0.5,
) -> pd.DataFrame:
    """Importance-performance analysis per group of respondents, with common cross-hairs.

    :func:`importance_performance` on the rows of each group (e.g. ``bank_type`` 1, CITIC
    Zhengzhou, against 2 and 3, the other banks), stacked. The cross-hairs are common, so
    that the groups' quadrants compare: with ``"mean"`` they are the grand means of all the
    placed points of all groups (each group-touch-point mean counts once); ``"midpoint"`` and a
    pair of numbers work as in :func:`importance_performance`.

    Rows whose ``group`` is missing or in no group are left out.

    Parameters
    ----------
    data, instrument, touchpoints, basis, crosshairs, ci, min_items
        As :func:`importance_performance`.
    group : str
        The column that defines the groups, e.g. ``"bank_type"``.
    groups : mapping of str to codes, optional
        Label -> the codes of ``group`` it pools, in the order of the result, e.g.
        ``{"CITIC": [1], "Other banks": [2, 3]}``. Default: each observed code its own group,
        labelled by the code.
    derived : pandas.Series or mapping of str to Series, optional
        Derived importance: one Series for every group, or one per group label.

    Returns
    -------
    pandas.DataFrame
        ``group`` (the label), then :data:`IPA_COLUMNS`; one row per group and touch-point.

    Raises
    ------
    ValueError
        If ``group`` is not a column, ``groups`` has fewer than two groups, an empty group or a
        code in two groups; otherwise as :func:`importance_performance`.

    Warns
    -----
    IpaWarning
        For touch-points that cannot be placed in a group.

    Examples
    --------
    >>> from analysis.instrument import load_instrument, load_population
    >>> from analysis.synthetic import synthetic_sample
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> sample = synthetic_sample(instrument, population, n=400, random_state=1)
    >>> table = ipa_by_group(
    ...     sample.responses, instrument, group="bank_type",
    ...     groups={"CITIC": [1], "Other banks": [2, 3]}, touchpoints=["staff", "channel"],
    ... )
    >>> table[["group", "touchpoint", "performance_n"]]
             group touchpoint  performance_n
    0        CITIC      staff            212
    1        CITIC    channel            212
    2  Other banks      staff            184
    3  Other banks    channel            184
    >>> # R: by(responses, responses$bank_type == 1, function(d) colMeans(...))
    """
    function = "ipa_by_group"
    masks = _check_groups(data, group, groups, function)
    ci = check_ci(ci, function)
    basis = _check_choice(basis, "basis", BASES, function)
    touchpoints = _check_touchpoints(touchpoints, instrument, function)
    if basis == "derived" and derived is None:
        raise ValueError(
            f"{function}: basis='derived' needs the 'derived' parameter (a Series, or one per "
            "group)."
        )
    per_group = isinstance(derived, Mapping) and all(
        isinstance(v, pd.Series | Mapping) for v in derived.values()
    )
    if per_group and set(derived) != set(masks):
        raise ValueError(
            f"The 'derived' parameter of {function} must give one Series per group {list(masks)}"
            f" (or one Series for all). It has {list(derived)}."
        )
    parts, reasons = [], {}
    for label, mask in masks.items():
        values = _check_derived(derived[label] if per_group else derived, touchpoints, function)
        part = _measures(data[mask], instrument, touchpoints, values, ci, min_items, function)
        part["importance"] = part[basis]
        parts.append(part.assign(group=label))
        reasons |= {f"{label}: {t}": why for t, why in _reasons(part, instrument, basis).items()}
    table = pd.concat(parts, ignore_index=True)
    table = _finish(
        table,
        basis=basis,
        crosshairs=_crosshairs(crosshairs, table, instrument, basis, function),
        ci=ci,
        min_items=min_items,
        reasons=reasons,
        function=function,
    )
    return table[["group", *IPA_COLUMNS]]


def group_performance_gap(
    data: pd.DataFrame,
    instrument: Instrument,
    *,
    group: str,
    groups: Mapping[str, Sequence[Any]] | None = None,
    touchpoints: Sequence[str] | None = None,
    ci: float = 0.95,
    min_items: int | float = 0.5,
) -> pd.DataFrame:
    r"""The first group's performance minus each other group's, per touch-point (Welch).

    For touch-point :math:`t`, the first group of ``groups`` (the focal group, e.g. CITIC
    customers) and another group (the reference): ``estimate`` =
    :math:`\bar P_{focal} - \bar P_{ref}` of the construct scores, ``se`` =
    :math:`\sqrt{s_1^2/n_1 + s_2^2/n_2}`, ``statistic`` = estimate / se, ``df`` the
    Welch-Satterthwaite degrees of freedom, ``p_val`` two-sided from Student's t and the t
    interval (R's ``t.test(x, y)``, Welch by default). A negative estimate is a touch-point where
    the focal group's bank does worse: the "problems" of the branch, read from the data.

    No adjustment for testing several touch-points is made: with six touch-points, expect one
    nominally significant difference at p < .05 in about a quarter of samples without any true
    difference; judge by the intervals. A group with fewer than two scores gets NaN inference
    and an :class:`IpaWarning`.

    Missing data: each touch-point on the respondents with a construct score (complaint
    handling: complainants only). Rows whose ``group`` is missing or in no group are left out.

    Parameters
    ----------
    data, instrument, group, groups, touchpoints, ci, min_items
        As :func:`ipa_by_group`; the first group of ``groups`` is the focal group.

    Returns
    -------
    pandas.DataFrame
        One row per touch-point and reference group: :data:`GAP_COLUMNS` (``group`` is the focal
        label, ``n`` = ``n_group`` + ``n_reference``).

    Raises
    ------
    ValueError
        As :func:`ipa_by_group`.

    Examples
    --------
    >>> from analysis.instrument import load_instrument, load_population
    >>> from analysis.synthetic import synthetic_sample
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> sample = synthetic_sample(instrument, population, n=400, random_state=1)
    >>> gap = group_performance_gap(
    ...     sample.responses, instrument, group="bank_type",
    ...     groups={"CITIC": [1], "Other banks": [2, 3]}, touchpoints=["channel"],
    ... )
    >>> gap[["touchpoint", "group", "reference", "n_group", "n_reference"]]
      touchpoint  group    reference  n_group  n_reference
    0    channel  CITIC  Other banks      212          184
    >>> # R: t.test(score[bank_type == 1], score[bank_type != 1])
    """
    function = "group_performance_gap"
    masks = _check_groups(data, group, groups, function)
    ci = check_ci(ci, function)
    touchpoints = _check_touchpoints(touchpoints, instrument, function)
    scores = construct_scores(data, instrument, constructs=touchpoints, min_items=min_items)
    labels = list(masks)
    focal = labels[0]
    rows, thin = [], []
    for t in touchpoints:
        x = scores.loc[masks[focal], t].dropna().to_numpy()
        for reference in labels[1:]:
            y = scores.loc[masks[reference], t].dropna().to_numpy()
            n1, n2 = len(x), len(y)
            estimate = float(x.mean() - y.mean()) if n1 and n2 else math.nan
            se = df = math.nan
            if n1 >= 2 and n2 >= 2:
                v1, v2 = x.var(ddof=1) / n1, y.var(ddof=1) / n2
                se = math.sqrt(v1 + v2)
                df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1)) if se > 0 else math.nan
            else:
                thin.append(f"{t} ({focal} n={n1}, {reference} n={n2})")
            statistic = estimate / se if se > 0 else math.nan
            half = float(stats.t.ppf((1 + ci) / 2, df)) * se if np.isfinite(df) else math.nan
            rows.append(
                {
                    "touchpoint": t,
                    "group": focal,
                    "reference": reference,
                    "estimate": estimate,
                    "se": se,
                    "ci_low": estimate - half,
                    "ci_high": estimate + half,
                    "statistic": statistic,
                    "df": df,
                    "p_val": float(2 * stats.t.sf(abs(statistic), df))
                    if np.isfinite(statistic) and np.isfinite(df)
                    else math.nan,
                    "n": n1 + n2,
                    "mean_group": float(x.mean()) if n1 else math.nan,
                    "mean_reference": float(y.mean()) if n2 else math.nan,
                    "n_group": n1,
                    "n_reference": n2,
                    "method": (
                        f"Welch t: mean construct score of {focal!r} minus {reference!r}, "
                        f"Welch-Satterthwaite df, {ci:.0%} t interval; no multiplicity adjustment"
                    ),
                }
            )
    if thin:
        warnings.warn(
            f"{function}: a group has fewer than two construct scores for {thin}; their "
            "standard errors, tests and intervals are NaN.",
            IpaWarning,
            stacklevel=2,
        )
    return pd.DataFrame(rows)[list(GAP_COLUMNS)]


# --------------------------------------------------------------------------------------------
# The quadrant chart


def _check_table(table: Any) -> None:
    lacking = [c for c in IPA_COLUMNS if c not in getattr(table, "columns", ())]
    if lacking:
        raise ValueError(
            "The 'table' parameter of plot_ipa must be a DataFrame from importance_performance "
            f"or ipa_by_group. It lacks the columns {lacking}."
        )


def _single(table: pd.DataFrame, column: str) -> Any:
    values = pd.unique(table[column].dropna())
    if len(values) != 1:
        raise ValueError(
            f"plot_ipa draws one set of cross-hairs and one importance basis; the table's "
            f"'{column}' holds {list(values)}. Make the groups' table with ipa_by_group, which "
            "sets common cross-hairs."
        )
    return values[0]


def _limits(values: list[np.ndarray], centre: float, share: float) -> tuple[float, float]:
    """Axis limits around the values and the cross-hair, padded by ``share`` of the range."""
    finite = np.concatenate([v[np.isfinite(v)] for v in values] + [np.array([centre])])
    low, high = float(finite.min()), float(finite.max())
    pad = share * (high - low) if high > low else 0.5
    return low - pad, high + pad


#: Offsets (points) of a label from its point: above right, below right, above left, below left.
LABEL_OFFSETS = ((5, 4), (5, -11), (-5, 4), (-5, -11))
#: Label boxes closer than this (points, horizontally and vertically) count as overlapping.
LABEL_CLEARANCE = (70, 11)


def _label_offsets(ax: Any, points: Mapping[str, tuple[float, float]]) -> dict[str, tuple]:
    """An offset per label, the first of :data:`LABEL_OFFSETS` that keeps clear of those placed.

    Points are visited from the top; a label's anchor (point plus offset, in points on the page)
    must lie at least :data:`LABEL_CLEARANCE` from every anchor already placed, otherwise the
    next offset is tried (the last one is kept when none is clear). Deterministic.
    """
    scale = 72 / ax.figure.dpi
    placed: list[tuple[float, float]] = []
    offsets = {}
    for code, (x, y) in sorted(points.items(), key=lambda item: -item[1][1]):
        px, py = (value * scale for value in ax.transData.transform((x, y)))
        for dx, dy in LABEL_OFFSETS:
            anchor = (px + dx, py + dy)
            clear = all(
                abs(anchor[0] - other[0]) >= LABEL_CLEARANCE[0]
                or abs(anchor[1] - other[1]) >= LABEL_CLEARANCE[1]
                for other in placed
            )
            if clear:
                break
        placed.append(anchor)
        offsets[code] = (dx, dy)
    return offsets


def plot_ipa(
    table: pd.DataFrame,
    *,
    title: str,
    labels: Mapping[str, str] | None = None,
    subtitle: str = "",
    xlabel: str | None = None,
    ylabel: str | None = None,
    quadrant_names: Mapping[str, str] | None = None,
    show_ci: bool = True,
    arrows: bool = True,
) -> Figure:
    """The importance-performance quadrant chart.

    Performance on the horizontal axis, importance (stated or derived, as the table was made)
    on the vertical; dashed cross-hairs where the table puts them; the four quadrants named in
    their corners as Martilla & James (1977) named them, "Concentrate here" (top left: high
    importance, low performance) shaded. Each touch-point is a point labelled with its name;
    with ``show_ci`` its performance interval is a horizontal bar and, for stated importance,
    its importance interval a vertical one. Touch-points that could not be placed are listed in
    the note under the chart.

    A table from :func:`ipa_by_group` overlays the groups, one marker and colour each (Okabe-Ito
    palette, colour-blind safe), in a legend; the names label the first group's points, and
    with exactly two groups and ``arrows`` an arrow runs from the second group's point to the
    first's for each touch-point (how the focal bank differs).

    The figure has a fixed size (:data:`FIGSIZE`), involves no randomness and is made without
    pyplot (no global state). Labels are printed as given (pass English or Chinese text;
    Chinese needs a CJK font in matplotlib's font list).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`importance_performance` or :func:`ipa_by_group`.
    title : str
        The figure title.
    labels : mapping of str to str, optional
        Touch-point code -> name printed, e.g. ``{c.code: c.name["en"] for c in
        instrument.constructs}``. Default: the codes.
    subtitle : str, optional
        What the reader must know about the data (e.g. :data:`analysis.synthetic.
        SYNTHETIC_NOTICE`); printed in small type under the chart.
    xlabel, ylabel : str, optional
        Axis titles. Default: :data:`AXIS_LABELS`.
    quadrant_names : mapping of str to str, optional
        Printed name of each quadrant (keys: the values of :data:`QUADRANTS`), e.g. for a
        Chinese figure. Default: Martilla & James's names.
    show_ci : bool, default True
        Draw the confidence intervals.
    arrows : bool, default True
        With two groups, draw arrows from the second group's points to the first's.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``table`` lacks columns, mixes cross-hairs or bases, or has no placed touch-point.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.instrument import load_instrument, load_population
    >>> from analysis.synthetic import synthetic_sample
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> sample = synthetic_sample(instrument, population, n=400, random_state=1)
    >>> table = importance_performance(sample.responses, instrument)
    >>> fig = plot_ipa(table, title="Importance-performance", labels={"staff": "Staff"})
    >>> fig.get_size_inches().tolist()
    [6.4, 5.2]
    >>> # R: ggplot(table, aes(performance, importance)) + geom_point() +
    >>> #    geom_vline(xintercept = mean(performance)) + geom_hline(yintercept = mean(importance))
    """
    _check_table(table)
    names = dict(labels or {})
    quadrant_text = {q: q for q in QUADRANTS.values()} | dict(quadrant_names or {})
    basis = str(_single(table, "importance_basis"))
    x0 = float(_single(table, "performance_crosshair"))
    y0 = float(_single(table, "importance_crosshair"))
    grouped = "group" in table.columns
    group_labels = list(pd.unique(table["group"])) if grouped else [None]
    placed = table[np.isfinite(table["performance"]) & np.isfinite(table["importance"])]
    if placed.empty:
        raise ValueError(
            "plot_ipa: no touch-point in the table has both performance and importance; "
            "nothing to plot."
        )
    vertical_ci = show_ci and basis == "stated"
    x_parts = [placed["performance"].to_numpy(dtype=float)]
    y_parts = [placed["importance"].to_numpy(dtype=float)]
    if show_ci:
        x_parts += [
            placed[c].to_numpy(dtype=float) for c in ("performance_ci_low", "performance_ci_high")
        ]
    if vertical_ci:
        y_parts += [placed[c].to_numpy(dtype=float) for c in ("stated_ci_low", "stated_ci_high")]
    # more room above and below: the quadrant names sit in the corners
    xlim, ylim = _limits(x_parts, x0, 0.08), _limits(y_parts, y0, 0.14)

    fig = Figure(figsize=FIGSIZE, layout="constrained")
    ax = fig.add_subplot()
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.add_patch(
        Rectangle(
            (xlim[0], y0),
            x0 - xlim[0],
            ylim[1] - y0,
            facecolor=SHADE,
            alpha=0.10,
            zorder=0,
            edgecolor="none",
        )
    )
    ax.axvline(x0, color="0.4", linestyle="--", linewidth=0.9, zorder=1)
    ax.axhline(y0, color="0.4", linestyle="--", linewidth=0.9, zorder=1)
    corners = {
        CONCENTRATE_HERE: (0.02, 0.98, "left", "top"),
        QUADRANTS[True, True]: (0.98, 0.98, "right", "top"),
        QUADRANTS[False, False]: (0.02, 0.02, "left", "bottom"),
        QUADRANTS[False, True]: (0.98, 0.02, "right", "bottom"),
    }
    for quadrant, (cx, cy, ha, va) in corners.items():
        ax.text(
            cx,
            cy,
            quadrant_text[quadrant],
            transform=ax.transAxes,
            ha=ha,
            va=va,
            fontsize=8,
            style="italic",
            color="0.35",
        )
    positions: dict[Any, dict[str, tuple[float, float]]] = {}
    for index, label in enumerate(group_labels):
        rows = placed if label is None else placed[placed["group"] == label]
        colour, marker = COLOURS[index % len(COLOURS)], MARKERS[index % len(MARKERS)]
        x = rows["performance"].to_numpy(dtype=float)
        y = rows["importance"].to_numpy(dtype=float)
        if show_ci:
            xerr = np.abs(
                np.vstack([x - rows["performance_ci_low"], rows["performance_ci_high"] - x])
            )
            yerr = (
                np.abs(np.vstack([y - rows["stated_ci_low"], rows["stated_ci_high"] - y]))
                if vertical_ci
                else None
            )
            ax.errorbar(
                x,
                y,
                xerr=np.nan_to_num(xerr),
                yerr=None if yerr is None else np.nan_to_num(yerr),
                fmt="none",
                ecolor=colour,
                alpha=0.45,
                linewidth=0.9,
                zorder=2,
            )
        ax.scatter(
            x,
            y,
            color=colour,
            marker=marker,
            s=36,
            zorder=3,
            label=None if label is None else str(label),
        )
        positions[label] = dict(zip(rows["touchpoint"], zip(x, y, strict=True), strict=True))
    first = positions[group_labels[0]]
    offsets = _label_offsets(ax, first)
    for code, (x, y) in first.items():
        ax.annotate(
            names.get(code, code),
            (x, y),
            xytext=offsets[code],
            textcoords="offset points",
            ha="right" if offsets[code][0] < 0 else "left",
            fontsize=8,
            zorder=4,
        )
    if arrows and len(group_labels) == 2:
        for code, (x, y) in first.items():
            if code in positions[group_labels[1]]:
                ax.annotate(
                    "",
                    xy=(x, y),
                    xytext=positions[group_labels[1]][code],
                    arrowprops={"arrowstyle": "->", "color": "0.45", "linewidth": 0.8},
                    zorder=2,
                )
    if grouped:
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    ax.set_xlabel(xlabel or AXIS_LABELS["performance"], fontsize=9)
    ax.set_ylabel(ylabel or AXIS_LABELS[basis], fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(title, fontsize=12, x=0.01, ha="left")
    unplaced = table.drop(index=placed.index)
    notes = [textwrap.fill(subtitle, NOTE_WIDTH)] if subtitle else []
    if len(unplaced):
        listed = ", ".join(
            names.get(r.touchpoint, r.touchpoint) + (f" ({r.group})" if grouped else "")
            for r in unplaced.itertuples()
        )
        notes.append(
            textwrap.fill(f"Not placed (no performance or importance): {listed}.", NOTE_WIDTH)
        )
    if notes:
        fig.supxlabel("\n".join(notes), fontsize=8, x=0.01, ha="left", color="0.3")
    return fig
