"""Descriptive statistics of Likert items and construct scores, as tidy tables and a figure.

:func:`item_statistics` (n, mean, SD, median, range, skew and kurtosis of each item),
:func:`response_distribution` (how many chose each point of the scale) and
:func:`construct_scores` (each respondent's mean of a construct's keyed items) compute;
:func:`plot_likert` only presents a response distribution. :func:`item_frame` is the one check
of item columns that these functions and :mod:`analysis.reliability` share.

Definitions that differ between programs are named in the results' ``method`` column: skewness
and kurtosis come in three types (Joanes & Gill 1998), SPSS reporting type 2 and R's
``psych::describe`` defaulting to type 3.
"""

from __future__ import annotations

import math
import textwrap
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from analysis.instrument import Instrument, Scale, Variable, check_language
from analysis.semmodel import keyed_items

#: How missing answers are handled: each item (or pair of items) on the rows that answered it,
#: or only the rows that answered every item of ``items``.
NAN_POLICIES = ("pairwise", "listwise")
#: Skewness and kurtosis types (Joanes & Gill 1998) that :func:`item_statistics` computes.
MOMENT_TYPES = (1, 2, 3)
#: Names of the skewness types, as printed in ``method``.
SKEW_NAMES = {
    1: "g1 (moment estimator)",
    2: "G1 (SPSS, SAS, Excel; scipy bias=False)",
    3: "b1 (psych::describe default, MINITAB)",
}
#: Names of the (excess) kurtosis types, as printed in ``method``.
KURTOSIS_NAMES = {
    1: "g2 (moment estimator)",
    2: "G2 (SPSS, SAS, Excel; scipy bias=False)",
    3: "b2 (psych::describe default, MINITAB)",
}
#: Columns of :func:`item_statistics`, in order.
ITEM_STATISTICS_COLUMNS = (
    "item",
    "n",
    "mean",
    "se",
    "sd",
    "median",
    "min",
    "max",
    "skew",
    "kurtosis",
    "method",
)
#: Columns of :func:`response_distribution`, in order.
DISTRIBUTION_COLUMNS = ("item", "code", "n", "percent")
#: Ways :func:`construct_scores` combines a construct's items.
SCORE_METHODS = ("mean", "sum")
#: What :func:`plot_likert` writes beside each bar.
ITEM_LABELS = ("text", "code")
#: Colour of the neutral midpoint in :func:`plot_likert`; the other points take ColorBrewer's
#: RdBu (red = disagree, blue = agree; colour-blind safe).
NEUTRAL_COLOUR = "#bdbdbd"
#: Columns of the legend (the scale's labels) of a Likert figure.
LEGEND_COLUMNS = 4
#: Width of a Likert figure in inches; its height grows with the number of items.
LIKERT_WIDTH = 7.0
#: Characters per line of item texts (English; Chinese characters are twice as wide).
TEXT_WIDTH = 42
#: Characters per line of the note under a Likert figure.
NOTE_WIDTH = 100
#: Style of the percents printed at the ends of the bars.
_END_TEXT = {"textcoords": "offset points", "va": "center", "fontsize": 7, "color": "0.25"}
#: Marker of a reverse-keyed item in :func:`plot_likert`, by language.
REVERSED_MARK = {"en": " (R)", "zh": "（反向）"}
#: The x-axis label of :func:`plot_likert`, by language.
PERCENT_LABEL = {
    "en": "Percent of valid answers (neutral split at 0)",
    "zh": "有效回答百分比（中立选项在0两侧各半）",
}


# --------------------------------------------------------------------------------------------
# Checks shared with analysis.reliability


def check_nan_policy(nan_policy: str, *, function: str) -> None:
    """Raise ValueError unless ``nan_policy`` is one of :data:`NAN_POLICIES`."""
    if nan_policy not in NAN_POLICIES:
        raise ValueError(
            f"The 'nan_policy' parameter of {function} must be one of {list(NAN_POLICIES)}. "
            f"Got {nan_policy!r}."
        )


def item_frame(
    data: pd.DataFrame,
    *,
    items: Sequence[str],
    function: str,
    min_items: int = 1,
    allow_empty: bool = False,
) -> pd.DataFrame:
    """The columns ``items`` of ``data`` as float64 (missing: NaN), checked.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    items : sequence of str
        Column names: distinct, at least ``min_items``, all in ``data``.
    function : str
        Name of the calling function, for the messages.
    min_items : int
        The fewest items the caller accepts.
    allow_empty : bool
        Whether an item may have no answers at all.

    Returns
    -------
    pandas.DataFrame
        The items in the order given, float64, with ``data``'s index.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame, ``items`` is a string, or an item is not numeric.
    ValueError
        If ``items`` is too short, repeats or names an absent column, an item holds an
        infinite value or (unless ``allow_empty``) no answers at all.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"The 'data' parameter of {function} must be a pandas DataFrame. "
            f"Got {type(data).__name__}."
        )
    if isinstance(items, str) or not isinstance(items, Sequence | pd.Index | np.ndarray):
        raise TypeError(
            f"The 'items' parameter of {function} must be a list of column names. Got {items!r}."
        )
    items = list(items)
    if len(items) < min_items:
        raise ValueError(
            f"The 'items' parameter of {function} must name at least {min_items} item(s). "
            f"Got {len(items)}: {items}."
        )
    repeated = sorted({item for item in items if items.count(item) > 1}, key=str)
    if repeated:
        raise ValueError(f"The 'items' parameter of {function} repeats {repeated}.")
    absent = [item for item in items if item not in data.columns]
    if absent:
        raise ValueError(
            f"The 'items' parameter of {function} names columns not in the data: {absent}. "
            f"The data's columns are {list(data.columns)}."
        )
    not_numeric = [item for item in items if not pd.api.types.is_numeric_dtype(data[item])]
    if not_numeric:
        dtypes = [str(data[item].dtype) for item in not_numeric]
        raise TypeError(
            f"Items {not_numeric} of {function} are not numeric (dtypes {dtypes}). Convert them "
            "to numbers, e.g. read the responses with analysis.responses.read_responses."
        )
    frame = pd.DataFrame(
        {
            item: data[item].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            for item in items
        },
        index=data.index,
    )
    infinite = [item for item in items if np.isinf(frame[item]).any()]
    if infinite:
        raise ValueError(
            f"Items {infinite} of {function} hold infinite values. Set them to missing (NaN) "
            "or correct them."
        )
    empty = [item for item in items if frame[item].isna().all()]
    if empty and not allow_empty:
        raise ValueError(
            f"Items {empty} of {function} have no answers (all missing). Drop them from 'items'."
        )
    return frame


def complete_rows(frame: pd.DataFrame, *, function: str, min_rows: int = 1) -> pd.DataFrame:
    """The rows of ``frame`` with no missing item (listwise deletion), at least ``min_rows``."""
    complete = frame.dropna()
    if len(complete) < min_rows:
        raise ValueError(
            f"Only {len(complete)} row(s) answer all of the items {list(frame.columns)}, and "
            f"{function} needs at least {min_rows} with nan_policy='listwise'. Use "
            "nan_policy='pairwise' or fewer items."
        )
    return complete


def _check_type(value: object, name: str, function: str) -> int:
    if isinstance(value, bool) or value not in MOMENT_TYPES:
        raise ValueError(
            f"The '{name}' parameter of {function} must be one of {list(MOMENT_TYPES)}. "
            f"Got {value!r}."
        )
    return int(value)


# --------------------------------------------------------------------------------------------
# Item statistics


def _skew(g1: float, n: int, kind: int) -> float:
    if kind == 1:
        return g1
    if kind == 2:
        return g1 * math.sqrt(n * (n - 1)) / (n - 2) if n > 2 else math.nan
    return g1 * ((n - 1) / n) ** 1.5


def _kurtosis(g2: float, n: int, kind: int) -> float:
    if kind == 1:
        return g2
    if kind == 2:
        return (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6) if n > 3 else math.nan
    return (g2 + 3) * (1 - 1 / n) ** 2 - 3


def _describe(values: np.ndarray, skew_type: int, kurtosis_type: int) -> dict[str, float]:
    n = len(values)
    deviations = values - values.mean()
    m2 = np.mean(deviations**2)
    if m2 > 0:
        g1 = np.mean(deviations**3) / m2**1.5
        g2 = np.mean(deviations**4) / m2**2 - 3
    else:
        g1 = g2 = math.nan
    sd = float(np.std(values, ddof=1)) if n > 1 else math.nan
    return {
        "n": n,
        "mean": float(values.mean()),
        "se": sd / math.sqrt(n),
        "sd": sd,
        "median": float(np.median(values)),
        "min": float(values.min()),
        "max": float(values.max()),
        "skew": float(_skew(g1, n, skew_type)),
        "kurtosis": float(_kurtosis(g2, n, kurtosis_type)),
    }


def item_statistics(
    data: pd.DataFrame,
    *,
    items: Sequence[str],
    skew_type: int = 2,
    kurtosis_type: int = 2,
    nan_policy: str = "pairwise",
) -> pd.DataFrame:
    r"""Per-item descriptive statistics: n, mean, SE, SD, median, range, skewness, kurtosis.

    With :math:`x_1..x_n` an item's answers, :math:`m_r = \frac{1}{n}\sum (x_i - \bar x)^r`,
    :math:`g_1 = m_3 / m_2^{3/2}` and :math:`g_2 = m_4 / m_2^2 - 3` (Joanes & Gill 1998):

    - ``sd`` is the sample SD (denominator :math:`n - 1`), ``se`` = ``sd`` / :math:`\sqrt n`
      (standard error of the mean);
    - skewness type 1 is :math:`g_1`; type 2 (SPSS, SAS, Excel, ``scipy.stats.skew(bias=False)``)
      is :math:`G_1 = g_1 \sqrt{n(n-1)} / (n-2)`; type 3 (``psych::describe``'s default) is
      :math:`b_1 = g_1 ((n-1)/n)^{3/2}`;
    - excess kurtosis type 1 is :math:`g_2`; type 2 (SPSS, SAS, Excel, ``scipy.stats.kurtosis(
      bias=False)``) is :math:`G_2 = \frac{n-1}{(n-2)(n-3)}((n+1) g_2 + 6)`; type 3 is
      :math:`b_2 = (g_2 + 3)(1 - 1/n)^2 - 3`.

    Type 2 is the default because SPSS reports it and it is unbiased under normality. With
    missing answers ``psych::describe(type = 1)`` (psych 2.2.9) computes the kurtosis with
    :math:`n` = all rows, missing ones included; this function uses the answered rows, the
    textbook :math:`g_2`.

    Missing data: NaN (or pandas NA) is a missing answer. With ``nan_policy="pairwise"`` each
    item is described on the rows that answered it (``psych::describe``, SPSS's
    *Descriptives*); with ``"listwise"`` only rows that answered every item count.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent, items as numbers (codes of a Likert scale or continuous).
    items : sequence of str
        The item columns, in the order of the result.
    skew_type, kurtosis_type : {1, 2, 3}
        Which estimator (see above); named in ``method``.
    nan_policy : {"pairwise", "listwise"}
        Missing-data handling (see above).

    Returns
    -------
    pandas.DataFrame
        One row per item, unrounded: :data:`ITEM_STATISTICS_COLUMNS`. ``skew`` and
        ``kurtosis`` are NaN, with a warning, where undefined: an item with zero variance, and
        type 2 with fewer than 3 (skewness) or 4 (kurtosis) answers.

    Raises
    ------
    TypeError
        If an item is not numeric.
    ValueError
        If an item is absent or has no answers, a type is not 1, 2 or 3, or ``nan_policy`` is
        unknown.

    Warns
    -----
    RuntimeWarning
        When a statistic is undefined for some items (named in the message).

    References
    ----------
    Joanes, D. N., & Gill, C. A. (1998). Comparing measures of sample skewness and kurtosis.
    *The Statistician*, 47(1), 183-189. https://doi.org/10.1111/1467-9884.00122

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"q1": [1, 2, 2, 3, 7], "q2": [4, 4, 5, 6, None]})
    >>> table = item_statistics(data, items=["q1", "q2"])
    >>> table[["item", "n", "mean", "skew"]].round(4)
      item  n  mean    skew
    0   q1  5  3.00  1.7444
    1   q2  4  4.75  0.8546
    >>> # R: psych::describe(data, type = 2)
    """
    function = "item_statistics"
    skew_type = _check_type(skew_type, "skew_type", function)
    kurtosis_type = _check_type(kurtosis_type, "kurtosis_type", function)
    check_nan_policy(nan_policy, function=function)
    frame = item_frame(data, items=items, function=function)
    if nan_policy == "listwise":
        frame = complete_rows(frame, function=function)
    rows = [
        {"item": item} | _describe(frame[item].dropna().to_numpy(), skew_type, kurtosis_type)
        for item in frame.columns
    ]
    table = pd.DataFrame(rows)
    for column in ("skew", "kurtosis"):
        undefined = table.loc[table[column].isna(), "item"].tolist()
        if undefined:
            warnings.warn(
                f"item_statistics: the {column} is undefined (NaN) for items {undefined}: they "
                "have zero variance or too few answers (type 2 needs 3 for skewness, 4 for "
                "kurtosis).",
                RuntimeWarning,
                stacklevel=2,
            )
    method = (
        f"skewness type {skew_type}: {SKEW_NAMES[skew_type]}; excess kurtosis type "
        f"{kurtosis_type}: {KURTOSIS_NAMES[kurtosis_type]}; {nan_policy}"
    )
    return table.assign(n=table["n"].astype(np.int64), method=method)[list(ITEM_STATISTICS_COLUMNS)]


# --------------------------------------------------------------------------------------------
# Response distribution


def _check_codes(frame: pd.DataFrame, points: dict[str, int], function: str) -> None:
    """Raise ValueError naming the items that hold values other than the codes 1..points."""
    bad = {}
    for item in frame.columns:
        values = frame[item].dropna().to_numpy()
        outside = np.unique(
            values[(values != np.round(values)) | (values < 1) | (values > points[item])]
        )
        if outside.size:
            bad[item] = [int(v) if float(v).is_integer() else float(v) for v in outside]
    if bad:
        raise ValueError(
            f"{function}: items hold values that are not codes of their scale (1 to the "
            f"number of points): {bad}. Declare missing codes such as -99 in the instrument "
            "(analysis.responses.read_responses turns them into missing values) or correct "
            "the data."
        )


def response_distribution(
    data: pd.DataFrame, *, items: Sequence[str], scale_points: int
) -> pd.DataFrame:
    r"""How many respondents chose each point of the scale, for each item.

    For item :math:`j` and code :math:`c = 1..K`, :math:`n_{jc}` is the number of answers
    :math:`c` and ``percent`` :math:`= 100\, n_{jc} / \sum_c n_{jc}`, the percent of the valid
    answers; every code gets a row, also when no one chose it.

    Missing data: NaN (or pandas NA) is a missing answer and is not counted; each item's
    percents sum to 100 over its own valid answers (available cases).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent, items as the scale's codes ``1..scale_points`` (as answered,
        reverse-keyed items not recoded), missing codes already NA.
    items : sequence of str
        The item columns, in the order of the result.
    scale_points : int
        Number of points :math:`K` of the response scale (codes ``1..K``), at least 2.

    Returns
    -------
    pandas.DataFrame
        Tidy, unrounded, one row per item and code: ``item`` (str), ``code`` (int64), ``n``
        (int64), ``percent`` (float64).

    Raises
    ------
    TypeError
        If an item is not numeric.
    ValueError
        If ``scale_points`` is not an integer >= 2, an item is absent or has no answers, or an
        item holds a value that is not one of the codes ``1..scale_points``.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"q1": pd.array([1, 3, 3, None], dtype="Int64")})
    >>> response_distribution(data, items=["q1"], scale_points=3)
      item  code  n    percent
    0   q1     1  1  33.333333
    1   q1     2  0   0.000000
    2   q1     3  2  66.666667
    >>> # R: prop.table(table(factor(data$q1, levels = 1:3))) * 100
    """
    function = "response_distribution"
    if isinstance(scale_points, bool) or not isinstance(scale_points, int | np.integer):
        raise ValueError(
            f"The 'scale_points' parameter of {function} must be an integer >= 2. "
            f"Got {scale_points!r}."
        )
    if scale_points < 2:
        raise ValueError(
            f"The 'scale_points' parameter of {function} must be an integer >= 2. "
            f"Got {scale_points!r}."
        )
    frame = item_frame(data, items=items, function=function)
    _check_codes(frame, dict.fromkeys(frame.columns, int(scale_points)), function)
    codes = np.arange(1, int(scale_points) + 1, dtype=np.int64)
    parts = []
    for item in frame.columns:
        counts = frame[item].value_counts().reindex(codes.astype(float), fill_value=0)
        n = counts.to_numpy(dtype=np.int64)
        parts.append(
            pd.DataFrame({"item": item, "code": codes, "n": n, "percent": n * 100.0 / n.sum()})
        )
    return pd.concat(parts, ignore_index=True)[list(DISTRIBUTION_COLUMNS)]


# --------------------------------------------------------------------------------------------
# Construct scores


def _required_items(min_items: int | float, constructs: list[tuple[str, int]]) -> dict[str, int]:
    """Construct code -> the fewest answered items a score needs."""
    function = "construct_scores"
    message = (
        f"The 'min_items' parameter of {function} must be an integer >= 1 (a number of items) "
        f"or a float in (0, 1] (a share of the construct's items). Got {min_items!r}."
    )
    if isinstance(min_items, bool) or not isinstance(min_items, int | float | np.number):
        raise ValueError(message)
    if isinstance(min_items, int | np.integer):
        if min_items < 1:
            raise ValueError(message)
        short = [(code, k) for code, k in constructs if k < min_items]
        if short:
            raise ValueError(
                f"The 'min_items' parameter of {function} asks for {min_items} answered items, "
                f"but constructs have fewer items (construct, items): {short}. Give a share "
                "such as 0.5 instead."
            )
        return {code: int(min_items) for code, _ in constructs}
    if not 0 < min_items <= 1:
        raise ValueError(message)
    # the tolerance keeps 0.5 x 4 = 2 from becoming 3 through rounding error
    return {code: max(1, math.ceil(min_items * k - 1e-9)) for code, k in constructs}


def construct_scores(
    data: pd.DataFrame,
    instrument: Instrument,
    *,
    method: str = "mean",
    min_items: int | float = 0.5,
    constructs: Sequence[str] | None = None,
) -> pd.DataFrame:
    r"""Each respondent's score on each construct: the mean of the construct's keyed items.

    Reverse-keyed items are recoded :math:`\text{points} + 1 - x` first
    (:func:`analysis.semmodel.keyed_items`), so a high score means more of the construct. For
    respondent :math:`i` and a construct with items :math:`J`, of which :math:`J_i` answered,
    the score is :math:`\bar x_i = \frac{1}{|J_i|}\sum_{j \in J_i} x_{ij}` (``method="mean"``)
    or the prorated sum :math:`|J|\, \bar x_i` (``method="sum"``: the sum the respondent would
    have had with the missing items at their own mean, so that a skipped item does not lower
    it).

    Missing data: a score needs at least ``min_items`` answered items, otherwise it is NaN (a
    missing score, not an error). ``min_items`` is a number of items (an ``int``, e.g. ``2``)
    or a share of the construct's items (a ``float`` in (0, 1], rounded up: ``0.5`` needs 2 of
    3 or 4 items, 3 of 5; ``1.0`` needs all of them). Note that ``1`` (int: one item) and
    ``1.0`` (float: every item) differ. The default, half of the items, is the usual
    "half rule" of scale scoring (e.g. Newman 2014). Respondents not asked a conditional
    construct (skip logic) get NaN.

    Parameters
    ----------
    data : pandas.DataFrame
        The responses, one row per respondent, items as answered (codes of their scale, reverse
        items not yet recoded, missing codes already NA), as returned by
        :func:`analysis.responses.read_responses`.
    instrument : Instrument
        The questionnaire: constructs, their items, scales and keying.
    method : {"mean", "sum"}
        Mean of the answered items, or the prorated sum (see above).
    min_items : int or float
        The fewest answered items a score needs (see above).
    constructs : sequence of str, optional
        Constructs to score, in this order. Default: every construct of the instrument.

    Returns
    -------
    pandas.DataFrame
        One column per construct (float64, unrounded), ``data``'s index.

    Raises
    ------
    TypeError
        If an item column is not numeric.
    ValueError
        If ``method`` or ``min_items`` is not as described, the data lack an item column, or
        an item holds a value outside its scale's codes.
    KeyError
        If ``constructs`` names an unknown construct.

    References
    ----------
    Newman, D. A. (2014). Missing data: Five practical guidelines. *Organizational Research
    Methods*, 17(4), 372-411. https://doi.org/10.1177/1094428114548590

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.instrument import load_instrument
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> data = pd.DataFrame(
    ...     {"cha1": [7, 6, None], "cha2": [6, 6, None], "cha3": [7, None, None], "cha4": [1, 2, 4]}
    ... ).astype("Int64")
    >>> construct_scores(data, instrument, constructs=["channel"])   # cha4 is reverse-keyed
       channel
    0     6.75
    1     6.00
    2      NaN
    >>> # R: rowMeans(cbind(cha1, cha2, cha3, 8 - cha4), na.rm = TRUE), NA if < 2 answered
    """
    function = "construct_scores"
    if method not in SCORE_METHODS:
        raise ValueError(
            f"The 'method' parameter of {function} must be one of {list(SCORE_METHODS)}. "
            f"Got {method!r}."
        )
    chosen = (
        [construct.code for construct in instrument.constructs]
        if constructs is None
        else [instrument.construct(code).code for code in constructs]
    )
    codes = {code: [variable.code for variable in instrument.items(code)] for code in chosen}
    required = _required_items(min_items, [(code, len(codes[code])) for code in chosen])
    all_items = [item for code in chosen for item in codes[code]]
    absent = {code: [i for i in codes[code] if i not in data.columns] for code in chosen}
    absent = {code: items for code, items in absent.items() if items}
    if absent:
        raise ValueError(
            f"{function}: the data lack item columns of constructs (construct: items) {absent}. "
            "Pass the responses with every item of the constructs, or choose constructs with "
            "the 'constructs' parameter."
        )
    frame = item_frame(data, items=all_items, function=function, allow_empty=True)
    points = {item: instrument.scales[instrument.variable(item).scale].points for item in all_items}
    _check_codes(frame, points, function)
    keyed = keyed_items(frame, instrument, all_items)
    scores = {}
    for code in chosen:
        block = keyed[codes[code]]
        answered = block.notna().sum(axis=1)
        score = block.mean(axis=1)
        if method == "sum":
            score = score * len(codes[code])
        scores[code] = score.where(answered >= required[code])
    return pd.DataFrame(scores, index=data.index, dtype=float)


# --------------------------------------------------------------------------------------------
# Diverging stacked bar chart


def _check_distribution(distribution: pd.DataFrame) -> None:
    columns = getattr(distribution, "columns", ())
    lacking = [column for column in DISTRIBUTION_COLUMNS if column not in columns]
    if lacking:
        raise ValueError(
            "The 'distribution' parameter of plot_likert must be a DataFrame from "
            f"response_distribution with the columns {list(DISTRIBUTION_COLUMNS)}. "
            f"It lacks {lacking}."
        )


def _plotted_items(
    distribution: pd.DataFrame, instrument: Instrument, construct: str | None
) -> dict[str, list[Variable]]:
    """Construct code -> its items to plot, constructs and items in questionnaire order."""
    present = list(pd.unique(distribution["item"]))
    if construct is not None:
        wanted = [variable.code for variable in instrument.items(construct)]
        lacking = [code for code in wanted if code not in present]
        if lacking:
            raise ValueError(
                f"The 'distribution' parameter of plot_likert lacks items {lacking} of the "
                f"construct {construct!r}. Compute it with response_distribution(data, "
                f"items={wanted}, ...)."
            )
        return {construct: list(instrument.items(construct))}
    construct_items = {variable.code: variable for variable in instrument.items()}
    other = [code for code in present if code not in construct_items]
    if other:
        raise ValueError(
            f"plot_likert plots construct items only; the distribution holds {other}, which "
            "are not items of a construct of the instrument."
        )
    groups: dict[str, list[Variable]] = {}
    for variable in instrument.items():
        if variable.code in present:
            groups.setdefault(str(variable.construct), []).append(variable)
    return groups


def _likert_colours(points: int) -> list[str]:
    """``points`` colours from ColorBrewer's RdBu (colour-blind safe), the midpoint grey."""
    cmap = colormaps["RdBu"]
    colours = [to_hex(cmap(x)) for x in np.linspace(0.1, 0.9, points)]
    if points % 2:
        colours[points // 2] = NEUTRAL_COLOUR
    return colours


def _item_label(variable: Variable, item_labels: str, language: str) -> str:
    if item_labels == "code":
        label = variable.code
    else:
        width = TEXT_WIDTH if language == "en" else TEXT_WIDTH // 2
        label = textwrap.fill(variable.question[language], width)
    return label + (REVERSED_MARK[language] if variable.reverse else "")


def _shares(distribution: pd.DataFrame, code: str, points: int) -> np.ndarray:
    rows = distribution[distribution["item"] == code]
    percent = dict(zip(rows["code"].astype(int), rows["percent"].astype(float), strict=True))
    return np.array([percent.get(point, 0.0) for point in range(1, points + 1)])


def _scale_of(groups: dict[str, list[Variable]], instrument: Instrument) -> Scale:
    scales = {instrument.scales[v.scale].points: v.scale for vs in groups.values() for v in vs}
    if len(scales) > 1:
        raise ValueError(
            "plot_likert draws items of one scale length at a time; the items use scales "
            f"{sorted(scales.values())} with different numbers of points. Plot them separately "
            "(the 'construct' parameter)."
        )
    return instrument.scales[next(iter(scales.values()))]


def plot_likert(
    distribution: pd.DataFrame,
    instrument: Instrument,
    *,
    construct: str | None = None,
    language: str = "en",
    title: str,
    subtitle: str = "",
    item_labels: str = "text",
) -> Figure:
    """Diverging stacked bar chart of Likert items, grouped by construct.

    Each item is one bar of 100% of its valid answers, from the first point of the scale
    (left) to the last (right). Disagreement extends left of 0 and agreement right; the
    neutral midpoint of an odd scale is split half on each side of 0. The percents of
    answers below and above the midpoint are printed at the bar's ends. Colours:
    ColorBrewer's RdBu diverging palette (colour-blind safe; red = low, blue = high), the
    midpoint grey; the legend gives the scale's labels. Items are drawn as answered:
    reverse-keyed items are marked "(R)" ("（反向）"), and for them agreement means less of the
    construct. One panel per construct, titled with its name, constructs and items in
    questionnaire order.

    The figure is deterministic (no randomness; its size depends only on the items and
    their labels) and made without pyplot, so no global figure state is kept. Chinese labels
    need a CJK font in matplotlib's font list.

    Parameters
    ----------
    distribution : pandas.DataFrame
        The output of :func:`response_distribution` for construct items.
    instrument : Instrument
        The questionnaire: item texts, constructs, scale labels.
    construct : str, optional
        Plot only this construct's items. Default: every construct with items in
        ``distribution``.
    language : {"en", "zh"}
        Language of item texts, construct names and scale labels.
    title : str
        The figure title.
    subtitle : str, optional
        What the reader must know about the data, e.g.
        :data:`analysis.synthetic.SYNTHETIC_NOTICE`; printed in small type below the chart.
    item_labels : {"text", "code"}
        Label each bar with the item's text (wrapped) or its code.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``distribution`` is not a response distribution, lacks items of ``construct`` or
        holds items that are not construct items, items of different scale lengths are
        mixed, or ``language`` or ``item_labels`` is unknown.
    KeyError
        If ``construct`` is not a construct of the instrument.

    References
    ----------
    Robbins, N. B., & Heiberger, R. M. (2011). Plotting Likert and other rating scales.
    *Proceedings of the 2011 Joint Statistical Meeting*, 1058-1066.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.instrument import load_instrument
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> data = pd.DataFrame({"sat1": [7, 6, 4, 2], "sat2": [5, 5, 6, 7], "sat3": [6, 1, 4, 4]})
    >>> distribution = response_distribution(data, items=["sat1", "sat2", "sat3"], scale_points=7)
    >>> fig = plot_likert(distribution, instrument, title="Customer satisfaction")
    >>> len(fig.axes)   # one panel per construct, and the legend's
    2
    >>> # R: likert::likert(data) |> plot()   (package likert, centered = TRUE)
    """
    function = "plot_likert"
    check_language(language, function=function)
    if item_labels not in ITEM_LABELS:
        raise ValueError(
            f"The 'item_labels' parameter of {function} must be one of {list(ITEM_LABELS)}. "
            f"Got {item_labels!r}."
        )
    _check_distribution(distribution)
    groups = _plotted_items(distribution, instrument, construct)
    scale = _scale_of(groups, instrument)
    points = scale.points
    colours = _likert_colours(points)
    labels = {
        code: [_item_label(v, item_labels, language) for v in vs] for code, vs in groups.items()
    }
    rows = [max(len(ls), sum(label.count("\n") + 1 for label in ls)) for ls in labels.values()]
    legend_rows = math.ceil(points / LEGEND_COLUMNS)
    height = 1.3 + 0.3 * legend_rows + sum(0.42 + 0.24 * n for n in rows)
    fig = Figure(figsize=(LIKERT_WIDTH, height), layout="constrained")
    grid = fig.add_gridspec(len(rows) + 1, 1, height_ratios=[*rows, 0.9 * legend_rows])
    axes = []
    for index, (code, variables) in enumerate(groups.items()):
        ax = fig.add_subplot(grid[index], sharex=axes[0] if axes else None)
        shares = np.array([_shares(distribution, v.code, points) for v in variables])
        _diverging_bars(ax, shares, labels[code], colours)
        ax.set_title(instrument.construct(code).name[language], loc="left", fontsize=10)
        ax.tick_params(axis="x", labelbottom=False)
        axes.append(ax)
    ticks = np.arange(-100, 101, 25)
    axes[-1].set_xticks(ticks, labels=[f"{abs(t)}" for t in ticks])
    axes[-1].tick_params(axis="x", labelbottom=True)
    axes[-1].set_xlabel(PERCENT_LABEL[language], fontsize=9)
    key = fig.add_subplot(grid[-1])
    key.set_axis_off()
    key.legend(
        handles=[
            Patch(facecolor=colour, edgecolor="none", label=scale.labels[point][language])
            for colour, point in zip(colours, scale.codes, strict=True)
        ],
        loc="center",
        # centred on the figure, not on the panel column (which the item labels narrow)
        bbox_to_anchor=(0.5, 0.5),
        bbox_transform=blended_transform_factory(fig.transFigure, key.transAxes),
        ncols=LEGEND_COLUMNS,
        fontsize=8,
        frameon=False,
    )
    fig.suptitle(title, fontsize=12, x=0.01, ha="left")
    if subtitle:
        fig.supxlabel(
            textwrap.fill(subtitle, NOTE_WIDTH), fontsize=8, x=0.01, ha="left", color="0.3"
        )
    return fig


def _diverging_bars(ax, shares: np.ndarray, labels: list[str], colours: list[str]) -> None:
    """One bar per row of ``shares`` (percent of each point), centred on the neutral midpoint."""
    points = shares.shape[1]
    half = points // 2
    low = shares[:, :half].sum(axis=1)
    high = shares[:, points - half :].sum(axis=1)
    neutral = shares[:, half] if points % 2 else np.zeros(len(shares))
    left = -(low + neutral / 2)
    positions = np.arange(len(shares))
    for point in range(points):
        ax.barh(positions, shares[:, point], left=left, color=colours[point], height=0.7)
        left = left + shares[:, point]
    for y, lo, hi, neu in zip(positions, low, high, neutral, strict=True):
        ax.annotate(f"{lo:.0f}%", (-(lo + neu / 2), y), xytext=(-3, 0), **_END_TEXT, ha="right")
        ax.annotate(f"{hi:.0f}%", (hi + neu / 2, y), xytext=(3, 0), **_END_TEXT, ha="left")
    ax.set_yticks(positions, labels=labels, fontsize=8)
    ax.set_ylim(len(shares) - 0.5, -0.5)
    ax.axvline(0, color="0.2", linewidth=0.8)
    ax.set_xlim(-112, 112)
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
