r"""Group comparisons: do customers of the three bank types rate the constructs differently?

One estimand per function, each returning a tidy, unrounded table (``dv`` names the compared
variable, ``group1``/``group2`` a pair of groups):

- group means: :func:`group_means` (mean with its t interval per group);
- omnibus tests: :func:`welch_anova` (primary), :func:`kruskal_wallis` (rank-based robustness
  check), :func:`one_way_anova` (the classic F, for reference), :func:`homogeneity_of_variance`
  (Levene, Brown-Forsythe) and :func:`normality` (Shapiro-Wilk per group);
- variance explained: :func:`eta_squared`, :func:`omega_squared` (noncentral-F intervals, as R's
  ``effectsize``) and :func:`epsilon_squared` (rank epsilon squared of the Kruskal-Wallis H);
- pairwise tests: :func:`games_howell` (studentized range) and :func:`dunn_test` (Holm);
- pairwise effect sizes: :func:`hedges_g` (noncentral-t interval) and :func:`cliffs_delta`
  (Fisher-z interval), both in :func:`pairwise_effect_sizes`;
- two categorical variables: :func:`chi_square_independence` (with Fisher's exact or a
  Monte-Carlo p for sparse tables), :func:`expected_counts` and :func:`cramers_v`;
- :func:`compare_groups` applies the stated policy (:data:`POLICY`) to several constructs, and
  :func:`plot_group_means` presents the group means.

Policy (:data:`POLICY`). Welch's ANOVA with Games-Howell pairwise tests is the primary analysis
because the bank types differ in size (quotas of 50/35/15%) and nothing guarantees equal
variances: Welch's F keeps its type I error when variances differ and loses little power when
they are equal, so Delacre et al. (2019) recommend it by default. Kruskal-Wallis with Dunn's
tests (Holm) is the rank-based robustness check, since construct scores are means of ordinal
Likert items. Assumption checks (Brown-Forsythe, Shapiro-Wilk) are reported, never used to
pick the test: choosing a test by a preliminary test distorts the error rates (Zimmerman 2004).
Multiplicity: the Games-Howell p values control the family-wise error rate over the pairs of
one construct (studentized range), Dunn's p values are Holm-adjusted within a construct, and
the omnibus p values are Holm-adjusted across the constructs compared (one family per test).

Groups and missing data, for every function: rows with a missing ``dv`` or ``group`` are
dropped (per dv: :func:`compare_groups` with ``nan_policy="listwise"`` keeps only rows with
every dv); ``n`` reports the rows used. Groups keep the order of a categorical ``group``
column's categories, otherwise their sorted order; codes may be numbers, strings or
categories. A group with fewer than :data:`MIN_GROUP_SIZE` answers is dropped with a warning
naming it and its count; fewer than two remaining groups raise. A group with zero variance
makes Welch's F and the Games-Howell rows involving it undefined (NaN, reason in ``note``);
the rank-based tests still run.
"""

from __future__ import annotations

import functools
import math
import numbers
import textwrap
import warnings
from collections.abc import Callable, Hashable, Mapping, Sequence
from itertools import combinations
from typing import NamedTuple

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import optimize, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.oneway import anova_oneway

from analysis.checks import check_ci, check_generator
from analysis.descriptives import check_nan_policy

#: Fewest answers a group needs: Shapiro-Wilk needs 3, and a variance from 2 answers has one
#: degree of freedom. Smaller groups are dropped with a warning.
MIN_GROUP_SIZE = 3
#: Alternatives of the effect-size intervals (``effectsize``'s ``alternative``): "greater"
#: gives [lower limit, largest possible value], "less" [smallest possible value, upper limit],
#: both at confidence ``ci``.
ALTERNATIVES = ("two-sided", "greater", "less")
#: p-value adjustments of :func:`dunn_test`: R's ``p.adjust`` names -> statsmodels' names.
P_ADJUST_METHODS = {
    "holm": "holm",
    "bonferroni": "bonferroni",
    "hochberg": "simes-hochberg",
    "hommel": "hommel",
    "BH": "fdr_bh",
    "BY": "fdr_by",
    "none": None,
}
#: A contingency table is sparse (Cochran's rule) when more than this share of the expected
#: counts is below :data:`SPARSE_EXPECTED`, or any expected count is below 1.
SPARSE_SHARE = 0.20
SPARSE_EXPECTED = 5.0
#: Monte-Carlo draws of the chi-square p of a sparse r x c table (SE of p <= 0.0016).
MONTE_CARLO_RESAMPLES = 100_000

#: Columns of the omnibus tests (:func:`welch_anova`, :func:`one_way_anova`,
#: :func:`kruskal_wallis`, :func:`homogeneity_of_variance`). ``df`` is the numerator (effect)
#: degrees of freedom, ``df2`` the denominator's (NaN for chi-square tests), ``k`` the groups.
TEST_COLUMNS = ("dv", "test", "statistic", "df", "df2", "p_val", "n", "k", "method", "note")
#: Columns of :func:`eta_squared`, :func:`omega_squared` and :func:`epsilon_squared`.
EFFECT_COLUMNS = ("dv", "effect_size", "estimate", "ci_low", "ci_high", "n", "k", "method", "note")
#: Columns of :func:`group_means` (``estimate`` is the mean, ``df`` that of its t interval).
MEANS_COLUMNS = ("dv", "group", "n", "estimate", "sd", "se", "ci_low", "ci_high", "df", "method")
#: Columns of :func:`normality` (``skew`` and ``kurtosis`` of type 2, as SPSS).
NORMALITY_COLUMNS = (
    "dv",
    "group",
    "n",
    "statistic",
    "p_val",
    "skew",
    "kurtosis",
    "method",
    "note",
)
#: Columns of :func:`games_howell`: ``estimate`` = mean1 - mean2, ``statistic`` the Welch t,
#: ``p_val`` adjusted over the pairs by the studentized range.
GAMES_HOWELL_COLUMNS = (
    "dv",
    "group1",
    "group2",
    "n1",
    "n2",
    "mean1",
    "mean2",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "statistic",
    "df",
    "p_val",
    "method",
    "note",
)
#: Columns of :func:`dunn_test`: ``estimate`` = mean rank 1 - mean rank 2, ``statistic`` the z,
#: ``p_val`` adjusted (``p_adjust``), ``p_unadjusted`` not.
DUNN_COLUMNS = (
    "dv",
    "group1",
    "group2",
    "n1",
    "n2",
    "mean_rank1",
    "mean_rank2",
    "estimate",
    "statistic",
    "p_unadjusted",
    "p_val",
    "method",
    "note",
)
#: Columns of :func:`hedges_g`, :func:`cliffs_delta` and :func:`pairwise_effect_sizes`.
PAIR_EFFECT_COLUMNS = (
    "dv",
    "group1",
    "group2",
    "n1",
    "n2",
    "effect_size",
    "estimate",
    "ci_low",
    "ci_high",
    "method",
    "note",
)
#: Columns of :func:`chi_square_independence`.
CHI_SQUARE_COLUMNS = (
    "row",
    "column",
    "test",
    "statistic",
    "df",
    "p_val",
    "n",
    "min_expected",
    "share_expected_below_5",
    "sparse",
    "method",
    "note",
)
#: Columns of :func:`expected_counts` (``row_value``/``column_value`` are the categories).
EXPECTED_COLUMNS = ("row", "column", "row_value", "column_value", "observed", "expected")
#: Columns of :func:`cramers_v`.
CRAMERS_V_COLUMNS = (
    "row",
    "column",
    "effect_size",
    "estimate",
    "ci_low",
    "ci_high",
    "n",
    "method",
    "note",
)
#: Roles of the rows of :attr:`GroupComparison.omnibus`, by test.
ROLES = {
    "Welch ANOVA": "primary",
    "Kruskal-Wallis": "robustness check",
    "one-way ANOVA": "reference (assumes equal variances)",
    "Levene (mean)": "assumption check (reported, not a gatekeeper)",
    "Brown-Forsythe (median)": "assumption check (reported, not a gatekeeper)",
}
#: The policy :func:`compare_groups` applies, as printed in its results.
POLICY = (
    "Primary: Welch's ANOVA with Games-Howell pairwise tests, because group sizes and "
    "variances may differ (Welch by default: Delacre et al. 2019). Robustness check: "
    "Kruskal-Wallis with Dunn's tests (Holm), for ordinal Likert scores. Assumption checks "
    "(Brown-Forsythe, Shapiro-Wilk) are reported, not used to choose the test. Multiplicity: "
    "Games-Howell p adjusted over the pairs of a construct (studentized range), Dunn p "
    "Holm-adjusted within a construct, omnibus p Holm-adjusted across the constructs."
)
#: Size of a group-means figure: width, and height per construct plus margins (inches).
MEANS_WIDTH = 6.4
MEANS_HEIGHT_PER_DV = 0.42
MEANS_MARGIN = 1.3
#: Okabe-Ito colours (colour-blind safe), one per group in order.
GROUP_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
#: Characters per line of the note under a figure.
NOTE_WIDTH = 100


# --------------------------------------------------------------------------------------------
# Checks and the grouped sample


class _Sample(NamedTuple):
    """A checked variable split by group: what every function of this module works on.

    Attributes
    ----------
    dv : str
        Name of the compared variable.
    labels : list
        The groups kept, in order.
    values : list of numpy.ndarray
        The answers of each group (no missing values), in the order of ``labels``.
    dropped : dict
        Groups dropped for having fewer than :data:`MIN_GROUP_SIZE` answers -> their count.
    """

    dv: str
    labels: list
    values: list[np.ndarray]
    dropped: dict

    @property
    def n(self) -> int:
        return int(sum(len(v) for v in self.values))

    @property
    def k(self) -> int:
        return len(self.labels)

    @property
    def sizes(self) -> np.ndarray:
        return np.array([len(v) for v in self.values], dtype=np.int64)

    def zero_variance(self) -> list:
        """Labels of the groups whose answers are all equal."""
        return [lab for lab, v in zip(self.labels, self.values, strict=True) if np.ptp(v) == 0]


def _check_frame(data: object, function: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"The 'data' parameter of {function} must be a pandas DataFrame. "
            f"Got {type(data).__name__}."
        )


def _check_column(data: pd.DataFrame, name: object, parameter: str, function: str) -> None:
    if not isinstance(name, Hashable) or isinstance(name, list | tuple) or name is None:
        raise TypeError(
            f"The '{parameter}' parameter of {function} must be one column name. Got {name!r}."
        )
    if name not in data.columns:
        raise ValueError(
            f"The '{parameter}' parameter of {function} names a column not in the data: "
            f"{name!r}. The data's columns are {list(data.columns)}."
        )


def _numeric(data: pd.DataFrame, dv: str, function: str) -> pd.Series:
    column = data[dv]
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        raise TypeError(
            f"The 'dv' parameter of {function} must name a numeric column; {dv!r} has dtype "
            f"{column.dtype}. Convert it to numbers (e.g. construct scores from "
            "analysis.descriptives.construct_scores)."
        )
    values = pd.Series(
        column.astype("Float64").to_numpy(dtype=float, na_value=np.nan), index=data.index
    )
    if np.isinf(values).any():
        raise ValueError(
            f"Column {dv!r} of {function} holds infinite values. Set them to missing (NaN) or "
            "correct them."
        )
    return values


def _scalar(label: object) -> object:
    """A group code as a plain Python value (1, not np.int64(1)), for tables and messages."""
    return label.item() if isinstance(label, np.generic) else label


def _group_order(column: pd.Series, present: pd.Series) -> list:
    """The groups in order: a categorical's categories, otherwise the sorted codes."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [_scalar(label) for label in column.cat.categories]
    labels = [_scalar(label) for label in pd.unique(present)]
    try:
        return sorted(labels)
    except TypeError:
        return sorted(labels, key=str)


def _split(
    data: pd.DataFrame, dv: str, group: str, function: str, *, min_groups: int = 2
) -> _Sample:
    """Check ``dv`` and ``group``, drop missing rows and small groups, split by group."""
    _check_frame(data, function)
    _check_column(data, dv, "dv", function)
    _check_column(data, group, "group", function)
    if dv == group:
        raise ValueError(
            f"The 'dv' and 'group' parameters of {function} name the same column {dv!r}. "
            "Compare a numeric variable across the groups of another column."
        )
    values = _numeric(data, dv, function)
    codes = data[group]
    keep = values.notna().to_numpy() & codes.notna().to_numpy()
    present = codes[keep]
    order = _group_order(codes, present)
    groups, labels, dropped = [], [], {}
    for label in order:
        answers = values[keep][(present == label).to_numpy()].to_numpy()
        if len(answers) < MIN_GROUP_SIZE:
            dropped[label] = len(answers)
        else:
            labels.append(label)
            groups.append(answers)
    if dropped:
        warnings.warn(
            f"{function}: groups of {group!r} with fewer than {MIN_GROUP_SIZE} answers to "
            f"{dv!r} are left out (group: answers): {dropped}.",
            UserWarning,
            stacklevel=3,
        )
    if len(labels) < min_groups:
        counts = {label: len(v) for label, v in zip(labels, groups, strict=True)} | dropped
        raise ValueError(
            f"{function} needs at least {min_groups} groups with {MIN_GROUP_SIZE} or more "
            f"answers to {dv!r}; the groups of {group!r} have (group: answers) {counts}. "
            "Collect more answers, merge small groups, or compare another grouping."
        )
    return _Sample(dv=dv, labels=labels, values=groups, dropped=dropped)


def _check_alternative(alternative: object, function: str) -> str:
    if alternative not in ALTERNATIVES:
        raise ValueError(
            f"The 'alternative' parameter of {function} must be one of {list(ALTERNATIVES)}. "
            f"Got {alternative!r}."
        )
    return str(alternative)


def _level(ci: float, alternative: str) -> float:
    """The two-sided level whose one limit is a one-sided ``ci`` limit (effectsize's rule)."""
    return ci if alternative == "two-sided" else 2 * ci - 1


def _limit(
    low: float, high: float, alternative: str, lower: float, upper: float
) -> tuple[float, float]:
    if alternative == "greater":
        return low, upper
    if alternative == "less":
        return lower, high
    return low, high


def _ci_text(ci: float, alternative: str) -> str:
    side = {"two-sided": "", "greater": ", one-sided (lower limit)", "less": ", one-sided (upper)"}
    return f"{ci * 100:g}% CI{side[alternative]}"


# --------------------------------------------------------------------------------------------
# Noncentrality intervals (Steiger & Fouladi 1997), as R's effectsize 0.8.3


def _decreasing_root(cdf: Callable[[float], float], target: float, low: float) -> float:
    """The ncp where the (decreasing in ncp) ``cdf`` equals ``target``, searched from ``low``."""
    high = max(low + 1.0, 2 * abs(low) + 1.0)
    while cdf(high) > target:
        low, high = high, 2 * high + 1.0
    return optimize.brentq(lambda ncp: cdf(ncp) - target, low, high, xtol=1e-12, maxiter=500)


def _ncp_interval_nonnegative(cdf: Callable[[float], float], level: float) -> tuple[float, float]:
    """Interval [l, u] of a noncentrality >= 0 with cdf(l) = 1 - tail and cdf(u) = tail.

    A limit is 0 when even the central distribution leaves less than its tail above the
    statistic (``effectsize``'s ``.get_ncp_F`` / ``.get_ncp_chi``).
    """
    tail = (1 - level) / 2
    at_zero = cdf(0.0)
    low = 0.0 if at_zero <= 1 - tail else _decreasing_root(cdf, 1 - tail, 0.0)
    high = 0.0 if at_zero <= tail else _decreasing_root(cdf, tail, 0.0)
    return low, high


def _ncp_interval_t(t: float, df: float, level: float) -> tuple[float, float]:
    """Interval of the noncentrality of a t statistic (``effectsize``'s ``.get_ncp_t``)."""
    tail = (1 - level) / 2

    def root(target: float) -> float:
        low, high = t - 1.0, t + 1.0
        width = 2.0
        while stats.nct.cdf(t, df, low) < target:
            low -= width
            width *= 2
        while stats.nct.cdf(t, df, high) > target:
            high += width
            width *= 2
        return optimize.brentq(
            lambda ncp: stats.nct.cdf(t, df, ncp) - target, low, high, xtol=1e-12, maxiter=500
        )

    return root(1 - tail), root(tail)


# --------------------------------------------------------------------------------------------
# Group means


def _means_table(sample: _Sample, ci: float) -> pd.DataFrame:
    rows = []
    for label, values in zip(sample.labels, sample.values, strict=True):
        n = len(values)
        mean = float(values.mean())
        sd = float(values.std(ddof=1))
        se = sd / math.sqrt(n)
        half = stats.t.ppf((1 + ci) / 2, n - 1) * se
        rows.append(
            {
                "group": label,
                "n": n,
                "estimate": mean,
                "sd": sd,
                "se": se,
                "ci_low": mean - half,
                "ci_high": mean + half,
                "df": n - 1,
            }
        )
    method = f"group mean; SD with n - 1; {ci * 100:g}% CI: mean +- t(n - 1) SD / sqrt(n)"
    return pd.DataFrame(rows).assign(dv=sample.dv, method=method)[list(MEANS_COLUMNS)]


def group_means(data: pd.DataFrame, *, dv: str, group: str, ci: float = 0.95) -> pd.DataFrame:
    r"""Mean of ``dv`` in each group, with its SD, standard error and t confidence interval.

    .. math::

        \bar y_j \pm t_{(1+c)/2,\, n_j - 1}\, s_j / \sqrt{n_j}

    with :math:`s_j` the group's SD (denominator :math:`n_j - 1`) and :math:`c` = ``ci``: each
    group's own interval (no pooled variance), as ``t.test(y[g == j])$conf.int`` in R.

    Assumptions: independent answers; the interval assumes a normal mean (the central limit
    theorem makes it accurate for the group sizes of a survey).

    Missing data: rows with a missing ``dv`` or ``group`` are dropped; ``n`` counts each
    group's answers. Groups smaller than :data:`MIN_GROUP_SIZE` are dropped with a warning.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    dv : str
        The numeric column to average (e.g. a construct score).
    group : str
        The column of group codes (numbers, strings or a categorical).
    ci : float
        Confidence level, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per group, unrounded: :data:`MEANS_COLUMNS`.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame or ``dv`` is not numeric.
    ValueError
        If a column is absent, ``ci`` is not in (0, 1), or fewer than 2 groups have
        :data:`MIN_GROUP_SIZE` answers.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"score": [4.0, 5, 6, 5, 6, 7], "bank": [1, 1, 1, 2, 2, 2]})
    >>> group_means(data, dv="score", group="bank")[["group", "n", "estimate", "ci_low"]]
       group  n  estimate    ci_low
    0      1  3       5.0  2.515862
    1      2  3       6.0  3.515862
    >>> # R: t.test(data$score[data$bank == 1])$conf.int
    """
    function = "group_means"
    ci = check_ci(ci, function)
    return _means_table(_split(data, dv, group, function, min_groups=1), ci)


# --------------------------------------------------------------------------------------------
# Omnibus tests


def _test_row(sample: _Sample, test: str, method: str, **values: float | str) -> pd.DataFrame:
    row = {
        "dv": sample.dv,
        "test": test,
        "statistic": math.nan,
        "df": math.nan,
        "df2": math.nan,
        "p_val": math.nan,
        "n": sample.n,
        "k": sample.k,
        "method": method,
        "note": "",
    } | values
    return pd.DataFrame([row])[list(TEST_COLUMNS)]


def _undefined(function: str, sample: _Sample, what: str, reason: str) -> str:
    note = f"{what} undefined: {reason}"
    warnings.warn(f"{function} ({sample.dv!r}): {note}.", RuntimeWarning, stacklevel=3)
    return note


def _welch(sample: _Sample, function: str = "welch_anova") -> pd.DataFrame:
    method = "Welch's F test (unequal variances; Welch 1951), oneway.test(var.equal = FALSE)"
    constant = sample.zero_variance()
    if constant:
        note = _undefined(
            function,
            sample,
            "Welch's F",
            f"groups {constant} have zero variance (weights n/s^2 infinite); use the "
            "Kruskal-Wallis test",
        )
        return _test_row(sample, "Welch ANOVA", method, df=sample.k - 1, note=note)
    labels = np.repeat(np.arange(sample.k), sample.sizes)
    result = anova_oneway(
        np.concatenate(sample.values), groups=labels, use_var="unequal", welch_correction=True
    )
    return _test_row(
        sample,
        "Welch ANOVA",
        method,
        statistic=float(result.statistic),
        df=float(result.df_num),
        df2=float(result.df_denom),
        p_val=float(result.pvalue),
    )


def welch_anova(data: pd.DataFrame, *, dv: str, group: str) -> pd.DataFrame:
    r"""Welch's heteroscedastic one-way ANOVA: do the group means differ?

    With group sizes :math:`n_j`, means :math:`\bar y_j`, variances :math:`s_j^2`, weights
    :math:`w_j = n_j / s_j^2`, :math:`W = \sum w_j` and :math:`\tilde y = \sum w_j \bar y_j / W`:

    .. math::

        F = \frac{\sum_j w_j (\bar y_j - \tilde y)^2 / (k - 1)}
                 {1 + \frac{2(k-2)}{k^2-1} \sum_j \frac{(1 - w_j/W)^2}{n_j - 1}},
        \qquad df_2 = \frac{k^2 - 1}{3 \sum_j (1 - w_j/W)^2 / (n_j - 1)}

    referred to :math:`F(k-1, df_2)` (Welch 1951), computed by
    ``statsmodels.stats.oneway.anova_oneway(use_var="unequal")``.

    Assumptions: independent answers, approximately normal group means; variances may differ
    (the reason to prefer it, Delacre et al. 2019). Undefined when a group has zero variance:
    the row is then NaN with the reason in ``note`` (and a warning); use
    :func:`kruskal_wallis`.

    Missing data: rows with a missing ``dv`` or ``group`` are dropped; ``n`` counts the rest.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    dv : str
        The numeric column compared.
    group : str
        The column of group codes.

    Returns
    -------
    pandas.DataFrame
        One row: :data:`TEST_COLUMNS` (``statistic`` = F, ``df`` = k - 1, ``df2`` = Welch's).

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame or ``dv`` is not numeric.
    ValueError
        If a column is absent or fewer than 2 groups have :data:`MIN_GROUP_SIZE` answers.

    References
    ----------
    Welch, B. L. (1951). On the comparison of several mean values: An alternative approach.
    *Biometrika*, 38(3/4), 330-336. https://doi.org/10.2307/2332579

    Delacre, M., Leys, C., Mora, Y. L., & Lakens, D. (2019). Taking parametric assumptions
    seriously: Arguments for the use of Welch's F-test instead of the classical F-test in
    one-way ANOVA. *International Review of Social Psychology*, 32(1), 13.
    https://doi.org/10.5334/irsp.198

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"score": [4.0, 5, 6, 5, 6, 7, 2, 6, 7, 3],
    ...                      "bank": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3]})
    >>> welch_anova(data, dv="score", group="bank")[["statistic", "df", "df2", "p_val"]]
       statistic   df       df2     p_val
    0   0.932398  2.0  4.659944  0.456456
    >>> # R: oneway.test(score ~ factor(bank), data, var.equal = FALSE)
    """
    return _welch(_split(data, dv, group, "welch_anova"))


def _sums_of_squares(sample: _Sample) -> tuple[float, float]:
    """Between- and within-group sums of squares."""
    grand = np.concatenate(sample.values).mean()
    between = sum(len(v) * (v.mean() - grand) ** 2 for v in sample.values)
    within = sum(np.sum((v - v.mean()) ** 2) for v in sample.values)
    return float(between), float(within)


def _anova(sample: _Sample, function: str = "one_way_anova") -> pd.DataFrame:
    method = "one-way ANOVA F test (equal variances), anova(lm(y ~ g))"
    df1, df2 = sample.k - 1, sample.n - sample.k
    if _sums_of_squares(sample)[1] == 0:
        note = _undefined(function, sample, "the F statistic", "every group has zero variance")
        return _test_row(sample, "one-way ANOVA", method, df=df1, df2=df2, note=note)
    result = stats.f_oneway(*sample.values)
    return _test_row(
        sample,
        "one-way ANOVA",
        method,
        statistic=float(result.statistic),
        df=df1,
        df2=df2,
        p_val=float(result.pvalue),
    )


def one_way_anova(data: pd.DataFrame, *, dv: str, group: str) -> pd.DataFrame:
    r"""Classic one-way ANOVA F test (equal variances assumed).

    .. math::

        F = \frac{SS_B / (k-1)}{SS_W / (n-k)}, \quad
        SS_B = \sum_j n_j (\bar y_j - \bar y)^2, \quad SS_W = \sum_j \sum_i (y_{ij} - \bar y_j)^2

    referred to :math:`F(k-1, n-k)` (``scipy.stats.f_oneway``). Reported for reference: it
    assumes equal variances, so :func:`welch_anova` is the primary test; the effect sizes
    :func:`eta_squared` and :func:`omega_squared` rest on its sums of squares.

    Missing data: rows with a missing ``dv`` or ``group`` are dropped; ``n`` counts the rest.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    dv : str
        The numeric column compared.
    group : str
        The column of group codes.

    Returns
    -------
    pandas.DataFrame
        One row: :data:`TEST_COLUMNS`. NaN, with the reason in ``note``, when every group is
        constant.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame or ``dv`` is not numeric.
    ValueError
        If a column is absent or fewer than 2 groups have :data:`MIN_GROUP_SIZE` answers.

    References
    ----------
    Fisher, R. A. (1925). *Statistical methods for research workers*. Oliver and Boyd.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"score": [4.0, 5, 6, 5, 6, 7, 2, 6, 7, 3],
    ...                      "bank": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3]})
    >>> one_way_anova(data, dv="score", group="bank")[["statistic", "df", "df2", "p_val"]]
       statistic  df  df2     p_val
    0       0.65   2    7  0.550896
    >>> # R: anova(lm(score ~ factor(bank), data))
    """
    return _anova(_split(data, dv, group, "one_way_anova"))


def _kruskal(sample: _Sample, function: str = "kruskal_wallis") -> pd.DataFrame:
    method = "Kruskal-Wallis H (tie-corrected), chi-square approximation, kruskal.test"
    if np.ptp(np.concatenate(sample.values)) == 0:
        note = _undefined(function, sample, "H", "all answers are equal")
        return _test_row(sample, "Kruskal-Wallis", method, df=sample.k - 1, note=note)
    result = stats.kruskal(*sample.values)
    return _test_row(
        sample,
        "Kruskal-Wallis",
        method,
        statistic=float(result.statistic),
        df=sample.k - 1,
        p_val=float(result.pvalue),
    )


def kruskal_wallis(data: pd.DataFrame, *, dv: str, group: str) -> pd.DataFrame:
    r"""Kruskal-Wallis rank test: do the groups' distributions differ in location?

    With :math:`R_j` the sum of the (mid)ranks of group :math:`j` in the pooled sample,

    .. math::

        H = \frac{\frac{12}{n(n+1)} \sum_j \frac{R_j^2}{n_j} - 3(n+1)}
                 {1 - \sum_t (t^3 - t) / (n^3 - n)}

    the denominator correcting for ties (:math:`t` the sizes of the tied groups of values,
    many with Likert scores), referred to :math:`\chi^2_{k-1}` (``scipy.stats.kruskal``, R's
    ``kruskal.test``).

    Assumptions: independent answers; an ordinal ``dv`` suffices. It tests stochastic
    dominance, a shift in location only if the distributions have the same shape. Runs when a
    group has zero variance; NaN (reason in ``note``) only when all answers are equal.

    Missing data: rows with a missing ``dv`` or ``group`` are dropped; ``n`` counts the rest.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    dv : str
        The numeric (or ordinal-coded) column compared.
    group : str
        The column of group codes.

    Returns
    -------
    pandas.DataFrame
        One row: :data:`TEST_COLUMNS` (``statistic`` = H, ``df`` = k - 1).

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame or ``dv`` is not numeric.
    ValueError
        If a column is absent or fewer than 2 groups have :data:`MIN_GROUP_SIZE` answers.

    References
    ----------
    Kruskal, W. H., & Wallis, W. A. (1952). Use of ranks in one-criterion variance analysis.
    *Journal of the American Statistical Association*, 47(260), 583-621.
    https://doi.org/10.1080/01621459.1952.10483441

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"score": [4.0, 5, 6, 5, 6, 7, 2, 6, 7, 3],
    ...                      "bank": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3]})
    >>> kruskal_wallis(data, dv="score", group="bank")[["statistic", "df", "p_val"]]
       statistic  df     p_val
    0   1.091981   2  0.579268
    >>> # R: kruskal.test(score ~ factor(bank), data)
    """
    return _kruskal(_split(data, dv, group, "kruskal_wallis"))


def _homogeneity(sample: _Sample, function: str = "homogeneity_of_variance") -> pd.DataFrame:
    rows = []
    for test, center, formula in (
        ("Levene (mean)", "mean", "|y - group mean|"),
        ("Brown-Forsythe (median)", "median", "|y - group median|"),
    ):
        method = f"{test}: one-way ANOVA F of {formula} (car::leveneTest(center = {center}))"
        deviations = [np.abs(v - getattr(np, center)(v)) for v in sample.values]
        if all(np.ptp(d) == 0 for d in deviations):
            note = _undefined(function, sample, f"{test}", "the absolute deviations are constant")
            rows.append(_test_row(sample, test, method, df=sample.k - 1, note=note))
            continue
        result = stats.levene(*sample.values, center=center)
        rows.append(
            _test_row(
                sample,
                test,
                method,
                statistic=float(result.statistic),
                df=sample.k - 1,
                df2=sample.n - sample.k,
                p_val=float(result.pvalue),
            )
        )
    return pd.concat(rows, ignore_index=True)


def homogeneity_of_variance(data: pd.DataFrame, *, dv: str, group: str) -> pd.DataFrame:
    r"""Levene's (mean-centred) and Brown-Forsythe's (median-centred) tests of equal variances.

    Each is the one-way ANOVA F of the absolute deviations :math:`z_{ij} = |y_{ij} - c_j|` from
    the group's centre :math:`c_j`: its mean (Levene 1960) or its median (Brown & Forsythe
    1974, robust to skewed answers and the usual choice; also R's ``car::leveneTest``
    default), referred to :math:`F(k-1, n-k)` (``scipy.stats.levene``).

    Reported as an assumption check, not used to choose between Welch's and the classic F:
    Welch's test is used either way (Zimmerman 2004; Delacre et al. 2019).

    Missing data: rows with a missing ``dv`` or ``group`` are dropped; ``n`` counts the rest.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    dv : str
        The numeric column compared.
    group : str
        The column of group codes.

    Returns
    -------
    pandas.DataFrame
        Two rows (Levene, Brown-Forsythe): :data:`TEST_COLUMNS`.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame or ``dv`` is not numeric.
    ValueError
        If a column is absent or fewer than 2 groups have :data:`MIN_GROUP_SIZE` answers.

    References
    ----------
    Levene, H. (1960). Robust tests for equality of variances. In I. Olkin (Ed.),
    *Contributions to probability and statistics* (pp. 278-292). Stanford University Press.

    Brown, M. B., & Forsythe, A. B. (1974). Robust tests for the equality of variances.
    *Journal of the American Statistical Association*, 69(346), 364-367.
    https://doi.org/10.1080/01621459.1974.10482955

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"score": [4.0, 5, 6, 5, 6, 7, 2, 6, 7, 3],
    ...                      "bank": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3]})
    >>> homogeneity_of_variance(data, dv="score", group="bank")[["test", "statistic", "p_val"]]
                          test  statistic     p_val
    0            Levene (mean)        6.4  0.026273
    1  Brown-Forsythe (median)        6.4  0.026273
    >>> # R: car::leveneTest(score ~ factor(bank), data, center = mean)   # and median
    """
    return _homogeneity(_split(data, dv, group, "homogeneity_of_variance"))


def _normality(sample: _Sample, function: str = "normality") -> pd.DataFrame:
    method = (
        "Shapiro-Wilk W (Royston 1995, shapiro.test); skewness G1 and excess kurtosis G2 "
        "(type 2, SPSS)"
    )
    rows = []
    for label, values in zip(sample.labels, sample.values, strict=True):
        row = {"group": label, "n": len(values), "note": ""}
        if np.ptp(values) == 0:
            row["note"] = _undefined(function, sample, f"normality of group {label!r}", "constant")
            rows.append(row | dict.fromkeys(("statistic", "p_val", "skew", "kurtosis"), math.nan))
            continue
        if len(values) > 5000:
            row["note"] = "n > 5000: the Shapiro-Wilk p is approximate (R refuses)"
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"scipy.stats.shapiro: For N > 5000")
            result = stats.shapiro(values)
        rows.append(
            row
            | {
                "statistic": float(result.statistic),
                "p_val": float(result.pvalue),
                "skew": float(stats.skew(values, bias=False)),
                "kurtosis": float(stats.kurtosis(values, bias=False))
                if len(values) > 3
                else math.nan,
            }
        )
    return pd.DataFrame(rows).assign(dv=sample.dv, method=method)[list(NORMALITY_COLUMNS)]


def normality(data: pd.DataFrame, *, dv: str, group: str) -> pd.DataFrame:
    r"""Shapiro-Wilk test of normality in each group, with skewness and kurtosis.

    :math:`W = (\sum_i a_i y_{(i)})^2 / \sum_i (y_i - \bar y)^2` with the order statistics
    :math:`y_{(i)}` and Royston's (1995) coefficients :math:`a_i` (``scipy.stats.shapiro``,
    R's ``shapiro.test``, same algorithm AS R94). Skewness :math:`G_1` and excess kurtosis
    :math:`G_2` are type 2 (SPSS; see :func:`analysis.descriptives.item_statistics`).

    Reported, not used to choose a test: with hundreds of answers per group any deviation is
    significant, and a mean of a few Likert items is never exactly normal; the means' sampling
    distribution, which Welch's F relies on, is close to normal at these sizes. The skewness
    and kurtosis show *how* far from normal.

    Missing data: rows with a missing ``dv`` or ``group`` are dropped; ``n`` counts each
    group's answers. A constant group gets NaN with the reason in ``note``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    dv : str
        The numeric column.
    group : str
        The column of group codes.

    Returns
    -------
    pandas.DataFrame
        One row per group: :data:`NORMALITY_COLUMNS` (``statistic`` = W).

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame or ``dv`` is not numeric.
    ValueError
        If a column is absent or no group has :data:`MIN_GROUP_SIZE` answers.

    References
    ----------
    Shapiro, S. S., & Wilk, M. B. (1965). An analysis of variance test for normality (complete
    samples). *Biometrika*, 52(3/4), 591-611. https://doi.org/10.2307/2333709

    Royston, P. (1995). Remark AS R94: A remark on algorithm AS 181: The W-test for
    normality. *Applied Statistics*, 44(4), 547-551. https://doi.org/10.2307/2986146

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"score": [4.0, 5, 6, 5, 6, 7, 2, 6, 7, 3],
    ...                      "bank": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3]})
    >>> normality(data, dv="score", group="bank")[["group", "n", "statistic", "p_val"]]
       group  n  statistic     p_val
    0      1  3    1.00000  1.000000
    1      2  3    1.00000  1.000000
    2      3  4    0.91099  0.487662
    >>> # R: tapply(data$score, data$bank, function(y) shapiro.test(y)$p.value)
    """
    return _normality(_split(data, dv, group, "normality", min_groups=1))


# --------------------------------------------------------------------------------------------
# Variance explained


def _effect_row(
    sample: _Sample, effect: str, estimate: float, low: float, high: float, method: str, note=""
) -> pd.DataFrame:
    row = {
        "dv": sample.dv,
        "effect_size": effect,
        "estimate": estimate,
        "ci_low": low,
        "ci_high": high,
        "n": sample.n,
        "k": sample.k,
        "method": method,
        "note": note,
    }
    return pd.DataFrame([row])[list(EFFECT_COLUMNS)]


def _eta_interval(
    estimate: float, sample: _Sample, ci: float, alternative: str
) -> tuple[float, float]:
    """effectsize's interval: the ncp interval of F implied by ``estimate``, as ncp/(ncp + df2)."""
    df1, df2 = sample.k - 1, sample.n - sample.k
    f = (estimate / df1) / ((1 - estimate) / df2)
    low, high = _ncp_interval_nonnegative(
        lambda ncp: stats.ncf.cdf(f, df1, df2, ncp) if ncp > 0 else stats.f.cdf(f, df1, df2),
        _level(ci, alternative),
    )
    return _limit(low / (low + df2), high / (high + df2), alternative, 0.0, 1.0)


def _variance_explained(
    sample: _Sample, kind: str, ci: float, alternative: str, function: str
) -> pd.DataFrame:
    between, within = _sums_of_squares(sample)
    df1, df2 = sample.k - 1, sample.n - sample.k
    name = "eta_squared" if kind == "eta" else "omega_squared"
    if within == 0:
        note = _undefined(function, sample, name, "every group has zero variance")
        return _effect_row(sample, name, math.nan, math.nan, math.nan, "", note)
    if kind == "eta":
        estimate = between / (between + within)
        formula = "eta^2 = SS_B / SS_T"
    else:
        ms_within = within / df2
        estimate = max(0.0, (between - df1 * ms_within) / (between + within + ms_within))
        formula = "omega^2 = (SS_B - (k - 1) MS_W) / (SS_T + MS_W), truncated at 0"
    low, high = _eta_interval(estimate, sample, ci, alternative)
    method = (
        f"{formula}; {_ci_text(ci, alternative)}: noncentral F of the F implied by the "
        "estimate, ncp / (ncp + df2) (effectsize 0.8.3)"
    )
    note = ""
    if estimate == 0 and high == 0:
        note = "estimate truncated at 0: interval [0, 0]"
    elif high == 0:
        note = (
            "the interval excludes the estimate: the F implied by it lies below the central "
            "F's (1 - ci) / 2 quantile, so both limits are 0"
        )
    elif not low <= estimate <= high:
        note = "the interval excludes the estimate (effectsize's construction)"
    return _effect_row(sample, name, estimate, low, high, method, note)


_VARIANCE_EXPLAINED_DOC = r"""

    Assumptions: those of the one-way ANOVA (independent answers, normal residuals, equal
    variances for the interval). The interval is ``effectsize``'s (0.8.3, Steiger 2004): with
    :math:`F_{es} = (es / df_1) / ((1 - es) / df_2)`, :math:`df_1 = k - 1`, :math:`df_2 = n -
    k`, find the noncentralities :math:`\lambda` of :math:`F(df_1, df_2, \lambda)` that put
    :math:`F_{es}` at its :math:`1 - \alpha/2` and :math:`\alpha/2` quantiles (0 where even
    :math:`\lambda = 0` leaves less than the tail above it), and map each by
    :math:`\lambda / (\lambda + df_2)`. ``effectsize`` finds them with Nelder-Mead
    (``abstol`` 1e-9); this function with Brent's root finder, to machine precision.
    ``effectsize``'s default is one-sided (``alternative = "greater"``: [lower limit, 1] at
    confidence ``ci``); the default here is two-sided. When the F lies below the central F's
    :math:`\alpha/2` quantile both limits are 0 and exclude a positive estimate (the
    noncentrality cannot be negative); ``note`` says so.

    Missing data: rows with a missing ``dv`` or ``group`` are dropped; ``n`` counts the rest.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    dv : str
        The numeric column compared.
    group : str
        The column of group codes.
    ci : float
        Confidence level, in (0, 1).
    alternative : {"two-sided", "greater", "less"}
        Two-sided interval, or one-sided with the other limit at 1 ("greater") or 0 ("less").

    Returns
    -------
    pandas.DataFrame
        One row: :data:`EFFECT_COLUMNS`.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame or ``dv`` is not numeric.
    ValueError
        If a column is absent, ``ci`` or ``alternative`` is not as described, or fewer than 2
        groups have :data:`MIN_GROUP_SIZE` answers.

    References
    ----------
    Steiger, J. H. (2004). Beyond the F test: Effect size confidence intervals and tests of
    close fit in the analysis of variance and contrast analysis. *Psychological Methods*,
    9(2), 164-182. https://doi.org/10.1037/1082-989X.9.2.164
"""


def eta_squared(
    data: pd.DataFrame,
    *,
    dv: str,
    group: str,
    ci: float = 0.95,
    alternative: str = "two-sided",
) -> pd.DataFrame:
    function = "eta_squared"
    ci = check_ci(ci, function)
    alternative = _check_alternative(alternative, function)
    sample = _split(data, dv, group, function)
    return _variance_explained(sample, "eta", ci, alternative, function)


eta_squared.__doc__ = (
    r"""Eta squared: the share of the variance of ``dv`` between the groups, with its CI.

    .. math::

        \eta^2 = \frac{SS_B}{SS_B + SS_W}

    (sums of squares as :func:`one_way_anova`), ``effectsize::eta_squared(aov(y ~ g))``. It is
    biased upwards in samples; :func:`omega_squared` corrects that."""
    + _VARIANCE_EXPLAINED_DOC
    + r"""
    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"score": [4.0, 5, 6, 5, 6, 7, 2, 6, 7, 3],
    ...                      "bank": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3]})
    >>> eta_squared(data, dv="score", group="bank")[["estimate", "ci_low", "ci_high"]]
       estimate  ci_low   ci_high
    0  0.156627     0.0  0.541409
    >>> # R: effectsize::eta_squared(aov(score ~ factor(bank), data), alternative = "two.sided")
    """
)


def omega_squared(
    data: pd.DataFrame,
    *,
    dv: str,
    group: str,
    ci: float = 0.95,
    alternative: str = "two-sided",
) -> pd.DataFrame:
    function = "omega_squared"
    ci = check_ci(ci, function)
    alternative = _check_alternative(alternative, function)
    sample = _split(data, dv, group, function)
    return _variance_explained(sample, "omega", ci, alternative, function)


omega_squared.__doc__ = (
    r"""Omega squared: the population share of variance between the groups, with its CI.

    .. math::

        \omega^2 = \max\left(0, \frac{SS_B - (k-1) MS_W}{SS_B + SS_W + MS_W}\right)

    with :math:`MS_W = SS_W / (n - k)` (Hays 1963), less biased than :func:`eta_squared`;
    ``effectsize::omega_squared(aov(y ~ g))``, truncated at 0 as there. When the estimate is 0
    the interval is [0, 0] (``effectsize``'s rule: the implied F is 0); ``note`` says so.
    The limits are on the scale :math:`\lambda / (\lambda + df_2)` of an eta squared, so for a
    small positive estimate and a low ``ci`` the interval can lie below it; ``note`` then says
    so. Kept to match ``effectsize``; Steiger's (2004)
    :math:`\lambda / (\lambda + n)` of the observed F is an alternative not computed here."""
    + _VARIANCE_EXPLAINED_DOC
    + r"""
    Hays, W. L. (1963). *Statistics for psychologists*. Holt, Rinehart and Winston.

    Examples
    --------
    >>> from analysis.config import REPO_ROOT
    >>> bfi = pd.read_csv(REPO_ROOT / "tests/reference/data/bfi_psych.csv", index_col=0)
    >>> bfi["A1"] = 7 - bfi["A1"]                                   # reverse-keyed
    >>> bfi["A"] = bfi[["A1", "A2", "A3", "A4", "A5"]].mean(axis=1)  # mean of answered items
    >>> omega_squared(bfi, dv="A", group="education")[["n", "estimate", "ci_low", "ci_high"]]
          n  estimate    ci_low   ci_high
    0  2577  0.007855  0.001651  0.014687
    >>> # R: effectsize::omega_squared(aov(A ~ factor(education), bfi), alternative = "two.sided")
    """
)


def _epsilon(sample: _Sample, function: str = "epsilon_squared") -> pd.DataFrame:
    kruskal = _kruskal(sample, function)
    h = float(kruskal["statistic"].iloc[0])
    n = sample.n
    method = "rank epsilon^2 = H (n + 1) / (n^2 - 1) (Tomczak & Tomczak 2014); no CI"
    note = kruskal["note"].iloc[0]
    return _effect_row(
        sample, "epsilon_squared", h * (n + 1) / (n**2 - 1), math.nan, math.nan, method, note
    )


def epsilon_squared(data: pd.DataFrame, *, dv: str, group: str) -> pd.DataFrame:
    r"""Rank epsilon squared of the Kruskal-Wallis test: variance explained by the group ranks.

    .. math::

        \varepsilon^2_R = \frac{H}{(n^2 - 1)/(n + 1)} = \frac{H}{n - 1}

    with :math:`H` the tie-corrected Kruskal-Wallis statistic (:func:`kruskal_wallis`); it is
    :math:`\eta^2` of the ranks (Kelley 1935's epsilon on ranks; Tomczak & Tomczak 2014),
    ``effectsize::rank_epsilon_squared``. No interval is given (``effectsize`` bootstraps
    one): ``ci_low`` and ``ci_high`` are NaN. The alternative :math:`\eta^2_H = (H - k + 1) /
    (n - k)` is not reported.

    Missing data: rows with a missing ``dv`` or ``group`` are dropped; ``n`` counts the rest.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    dv : str
        The numeric column compared.
    group : str
        The column of group codes.

    Returns
    -------
    pandas.DataFrame
        One row: :data:`EFFECT_COLUMNS`.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame or ``dv`` is not numeric.
    ValueError
        If a column is absent or fewer than 2 groups have :data:`MIN_GROUP_SIZE` answers.

    References
    ----------
    Tomczak, M., & Tomczak, E. (2014). The need to report effect size estimates revisited.
    *Trends in Sport Sciences*, 1(21), 19-25.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"score": [4.0, 5, 6, 5, 6, 7, 2, 6, 7, 3],
    ...                      "bank": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3]})
    >>> epsilon_squared(data, dv="score", group="bank")[["estimate"]]
       estimate
    0  0.121331
    >>> # R: effectsize::rank_epsilon_squared(score ~ factor(bank), data, ci = NULL)
    """
    return _epsilon(_split(data, dv, group, "epsilon_squared"))


# --------------------------------------------------------------------------------------------
# Pairwise tests


def _pairs(sample: _Sample) -> list[tuple[int, int]]:
    return list(combinations(range(sample.k), 2))


@functools.lru_cache(maxsize=4096)
def _q_critical(ci: float, k: int, df: float) -> float:
    """The ``ci`` quantile of the studentized range of ``k`` means (sqrt(2) t for two).

    Solved by Brent's method between its exact bounds, sqrt(2) times the t quantiles of one
    pair and of the Bonferroni level over the ``k(k-1)/2`` pairs (as :func:`_p_studentized_range`):
    about half the evaluations of ``studentized_range.ppf``'s generic search, each a numerical
    double integral. Cached: the same groups give the same ``df``.
    """
    low = math.sqrt(2) * stats.t.ppf((1 + ci) / 2, df)
    if k == 2:
        return float(low)
    high = math.sqrt(2) * stats.t.ppf(1 - (1 - ci) / (k * (k - 1)), df)
    return optimize.brentq(
        lambda q: stats.studentized_range.sf(q, k, df) - (1 - ci), low, high, xtol=1e-12
    )


def _p_studentized_range(t: float, k: int, df: float) -> float:
    """P(Q > sqrt(2)|t|) for ``k`` means, kept within its exact bounds.

    The pair's own two-sided t p is a lower bound and ``k(k-1)/2`` times it an upper bound
    (Bonferroni); both equal the p for ``k = 2``. Far in the tail the numerical integration
    of the studentized range is inaccurate (scipy returns 0 for p ~ 1e-26; R's ``ptukey`` 1e-12),
    and the bounds keep it right to within the factor ``k(k-1)/2``.
    """
    pair = 2 * stats.t.sf(abs(t), df)
    if k == 2:
        return float(pair)
    p = stats.studentized_range.sf(math.sqrt(2) * abs(t), k, df)
    return float(np.clip(p, pair, min(1.0, k * (k - 1) / 2 * pair)))


def _games_howell(sample: _Sample, ci: float, function: str = "games_howell") -> pd.DataFrame:
    method = (
        f"Games-Howell: Welch t, p from the studentized range q = sqrt(2)|t| for {sample.k} "
        f"groups; {ci * 100:g}% CI: diff +- q_crit se / sqrt(2)"
    )
    constant = set(sample.zero_variance())
    rows = []
    for i, j in _pairs(sample):
        a, b = sample.values[i], sample.values[j]
        row = {
            "group1": sample.labels[i],
            "group2": sample.labels[j],
            "n1": len(a),
            "n2": len(b),
            "mean1": float(a.mean()),
            "mean2": float(b.mean()),
            "estimate": float(a.mean() - b.mean()),
            "note": "",
        }
        zero = [lab for lab in (sample.labels[i], sample.labels[j]) if lab in constant]
        if zero:
            row["note"] = (
                f"undefined: group(s) {zero} have zero variance, so the Welch standard error "
                "treats their mean as exact; see the Dunn test"
            )
            rows.append(
                row
                | dict.fromkeys(("se", "ci_low", "ci_high", "statistic", "df", "p_val"), math.nan)
            )
            continue
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        se = math.sqrt(va + vb)
        df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
        t = row["estimate"] / se
        half = _q_critical(ci, sample.k, float(df)) * se / math.sqrt(2)
        p = _p_studentized_range(t, sample.k, df)
        rows.append(
            row
            | {
                "se": se,
                "ci_low": row["estimate"] - half,
                "ci_high": row["estimate"] + half,
                "statistic": t,
                "df": df,
                "p_val": p,
            }
        )
    if constant:
        warnings.warn(
            f"{function} ({sample.dv!r}): pairs with the zero-variance group(s) "
            f"{sorted(constant, key=str)} are undefined (NaN).",
            RuntimeWarning,
            stacklevel=3,
        )
    return pd.DataFrame(rows).assign(dv=sample.dv, method=method)[list(GAMES_HOWELL_COLUMNS)]


def games_howell(data: pd.DataFrame, *, dv: str, group: str, ci: float = 0.95) -> pd.DataFrame:
    r"""Games-Howell pairwise comparisons of the group means (unequal variances).

    For groups :math:`i < j` (in group order): the difference :math:`d = \bar y_i - \bar y_j`,
    its Welch standard error :math:`se = \sqrt{s_i^2/n_i + s_j^2/n_j}`, :math:`t = d / se`, the
    Welch-Satterthwaite

    .. math::

        \nu = \frac{(s_i^2/n_i + s_j^2/n_j)^2}{\frac{(s_i^2/n_i)^2}{n_i-1} +
              \frac{(s_j^2/n_j)^2}{n_j-1}},

    the p value :math:`P(Q_{k,\nu} > \sqrt2 |t|)` of the studentized range for :math:`k`
    groups and the interval :math:`d \pm q_{ci;k,\nu}\, se/\sqrt2` (Games & Howell 1976),
    as R's ``rstatix::games_howell_test`` (which reports :math:`\bar y_j - \bar y_i`). The p
    values and intervals hold the family-wise error rate over the pairs approximately; with
    two groups they are the Welch t test's, computed from the t distribution.
    ``scipy.stats.studentized_range`` computes the distribution (``pingouin.pairwise_gameshowell``
    gives the same p, without intervals). Far in the tail (p below ~1e-10) numerical
    integration is inaccurate, in R's ``ptukey`` as in scipy; the p is therefore kept between
    its exact bounds, the pair's Welch t p and :math:`k(k-1)/2` times it.

    Assumptions: independent answers, approximately normal means; variances may differ.
    A pair with a zero-variance group is NaN with the reason in ``note``.

    Missing data: rows with a missing ``dv`` or ``group`` are dropped.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    dv : str
        The numeric column compared.
    group : str
        The column of group codes.
    ci : float
        Confidence level of the simultaneous intervals, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per pair of groups: :data:`GAMES_HOWELL_COLUMNS`.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame or ``dv`` is not numeric.
    ValueError
        If a column is absent, ``ci`` is not in (0, 1), or fewer than 2 groups have
        :data:`MIN_GROUP_SIZE` answers.

    References
    ----------
    Games, P. A., & Howell, J. F. (1976). Pairwise multiple comparison procedures with
    unequal n's and/or variances: A Monte Carlo study. *Journal of Educational Statistics*,
    1(2), 113-125. https://doi.org/10.3102/10769986001002113

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"score": [4.0, 5, 6, 5, 6, 7, 2, 6, 7, 3],
    ...                      "bank": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3]})
    >>> games_howell(data, dv="score", group="bank")[["group1", "group2", "estimate", "p_val"]]
       group1  group2  estimate     p_val
    0       1       2      -1.0  0.501469
    1       1       3       0.5  0.925615
    2       2       3       1.5  0.543504
    >>> # R: rstatix::games_howell_test(data, score ~ bank, detailed = TRUE)  # sign flipped
    """
    function = "games_howell"
    ci = check_ci(ci, function)
    return _games_howell(_split(data, dv, group, function), ci)


def _check_p_adjust(p_adjust: object, function: str) -> str | None:
    if not isinstance(p_adjust, str) or p_adjust not in P_ADJUST_METHODS:
        raise ValueError(
            f"The 'p_adjust' parameter of {function} must be one of "
            f"{list(P_ADJUST_METHODS)} (R's p.adjust names). Got {p_adjust!r}."
        )
    return P_ADJUST_METHODS[p_adjust]


def _dunn(sample: _Sample, p_adjust: str, function: str = "dunn_test") -> pd.DataFrame:
    method_name = _check_p_adjust(p_adjust, function)
    pooled = np.concatenate(sample.values)
    n = len(pooled)
    ranks = stats.rankdata(pooled)
    bounds = np.cumsum([0, *sample.sizes])
    mean_ranks = [ranks[bounds[g] : bounds[g + 1]].mean() for g in range(sample.k)]
    _, ties = np.unique(pooled, return_counts=True)
    tie_term = np.sum(ties**3 - ties) / (12 * (n - 1))
    variance = n * (n + 1) / 12 - tie_term
    method = (
        "Dunn's z of mean ranks, tie-corrected; p two-sided, adjusted by "
        f"{p_adjust} over the {sample.k * (sample.k - 1) // 2} pairs (rstatix::dunn_test)"
    )
    rows = []
    for i, j in _pairs(sample):
        diff = mean_ranks[i] - mean_ranks[j]
        se = math.sqrt(variance * (1 / sample.sizes[i] + 1 / sample.sizes[j]))
        z = diff / se if se > 0 else math.nan
        rows.append(
            {
                "group1": sample.labels[i],
                "group2": sample.labels[j],
                "n1": int(sample.sizes[i]),
                "n2": int(sample.sizes[j]),
                "mean_rank1": mean_ranks[i],
                "mean_rank2": mean_ranks[j],
                "estimate": diff,
                "statistic": z,
                "p_unadjusted": 2 * stats.norm.sf(abs(z)) if se > 0 else math.nan,
                "note": "" if se > 0 else "undefined: all answers are equal",
            }
        )
    table = pd.DataFrame(rows)
    raw = table["p_unadjusted"].to_numpy()
    if method_name is None or np.isnan(raw).any():
        adjusted = raw
    else:
        adjusted = multipletests(raw, method=method_name)[1]
    return table.assign(dv=sample.dv, p_val=adjusted, method=method)[list(DUNN_COLUMNS)]


def dunn_test(data: pd.DataFrame, *, dv: str, group: str, p_adjust: str = "holm") -> pd.DataFrame:
    r"""Dunn's pairwise rank tests after Kruskal-Wallis, with adjusted p values.

    With :math:`\bar R_i` the mean rank of group :math:`i` in the pooled sample of size
    :math:`n` (midranks for ties),

    .. math::

        z_{ij} = \frac{\bar R_i - \bar R_j}
             {\sqrt{\left(\frac{n(n+1)}{12} - \frac{\sum_t (t^3 - t)}{12(n-1)}\right)
                    \left(\frac{1}{n_i} + \frac{1}{n_j}\right)}}

    (Dunn 1964; the tie correction sums over the groups of :math:`t` tied values), two-sided
    normal p values, adjusted over the :math:`k(k-1)/2` pairs by ``p_adjust`` (Holm 1979 by
    default: uniformly more powerful than Bonferroni, no assumption on the dependence) with
    ``statsmodels.stats.multitest.multipletests``. As R's ``rstatix::dunn_test`` (which reports
    :math:`\bar R_j - \bar R_i`) and ``FSA::dunnTest``.

    Assumptions: independent answers; ordinal ``dv`` suffices. The ranks are those of all
    groups together, so a pair's z depends on the other groups (unlike Mann-Whitney tests).

    Missing data: rows with a missing ``dv`` or ``group`` are dropped.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    dv : str
        The numeric (or ordinal-coded) column compared.
    group : str
        The column of group codes.
    p_adjust : str
        One of :data:`P_ADJUST_METHODS` (R's ``p.adjust`` names; "none" for no adjustment).

    Returns
    -------
    pandas.DataFrame
        One row per pair of groups: :data:`DUNN_COLUMNS` (``p_val`` adjusted,
        ``p_unadjusted`` not).

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame or ``dv`` is not numeric.
    ValueError
        If a column is absent, ``p_adjust`` is unknown, or fewer than 2 groups have
        :data:`MIN_GROUP_SIZE` answers.

    References
    ----------
    Dunn, O. J. (1964). Multiple comparisons using rank sums. *Technometrics*, 6(3), 241-252.
    https://doi.org/10.1080/00401706.1964.10490181

    Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian
    Journal of Statistics*, 6(2), 65-70.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"score": [4.0, 5, 6, 5, 6, 7, 2, 6, 7, 3],
    ...                      "bank": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3]})
    >>> dunn_test(data, dv="score", group="bank")[["group1", "group2", "statistic", "p_val"]]
       group1  group2  statistic  p_val
    0       1       2  -0.892844    1.0
    1       1       3  -0.018356    1.0
    2       2       3   0.936134    1.0
    >>> # R: rstatix::dunn_test(data, score ~ bank, p.adjust.method = "holm")  # sign flipped
    """
    function = "dunn_test"
    _check_p_adjust(p_adjust, function)
    return _dunn(_split(data, dv, group, function), p_adjust)


# --------------------------------------------------------------------------------------------
# Pairwise effect sizes


def _chosen_pairs(
    sample: _Sample, pair: object, group: str, function: str
) -> list[tuple[int, int]]:
    if pair is None:
        return _pairs(sample)
    if isinstance(pair, str) or not isinstance(pair, Sequence) or len(pair) != 2:
        raise ValueError(
            f"The 'pair' parameter of {function} must be None (all pairs) or two groups of "
            f"{group!r}, e.g. (1, 3). Got {pair!r}."
        )
    positions = []
    for label in pair:
        if label in sample.dropped:
            raise ValueError(
                f"The 'pair' parameter of {function} names group {label!r}, which has only "
                f"{sample.dropped[label]} answer(s) to {sample.dv!r} (fewer than "
                f"{MIN_GROUP_SIZE}). Choose groups among {sample.labels}."
            )
        if label not in sample.labels:
            raise ValueError(
                f"The 'pair' parameter of {function} names group {label!r}, not a group of "
                f"{group!r}. Choose among {sample.labels}."
            )
        positions.append(sample.labels.index(label))
    if positions[0] == positions[1]:
        raise ValueError(
            f"The 'pair' parameter of {function} must name two different groups. Got {pair!r}."
        )
    return [(positions[0], positions[1])]


def _pair_row(sample: _Sample, i: int, j: int, effect: str, **values: object) -> dict:
    return {
        "dv": sample.dv,
        "group1": sample.labels[i],
        "group2": sample.labels[j],
        "n1": int(sample.sizes[i]),
        "n2": int(sample.sizes[j]),
        "effect_size": effect,
        "note": "",
    } | values


def _hedges(
    sample: _Sample, pairs: list[tuple[int, int]], ci: float, alternative: str
) -> pd.DataFrame:
    method = (
        "Hedges' g = J d, d = (mean1 - mean2) / pooled SD, exact J = Gamma(m/2) / (sqrt(m/2) "
        f"Gamma((m-1)/2)), m = n1 + n2 - 2; {_ci_text(ci, alternative)}: noncentral t, times "
        "J (effectsize::hedges_g)"
    )
    rows = []
    for i, j in pairs:
        a, b = sample.values[i], sample.values[j]
        n1, n2 = len(a), len(b)
        m = n1 + n2 - 2
        pooled = math.sqrt(((n1 - 1) * a.var(ddof=1) + (n2 - 1) * b.var(ddof=1)) / m)
        if pooled == 0:
            note = "undefined: both groups have zero variance (pooled SD 0)"
            rows.append(
                _pair_row(sample, i, j, "hedges_g", note=note)
                | dict.fromkeys(("estimate", "ci_low", "ci_high"), math.nan)
            )
            continue
        d = (a.mean() - b.mean()) / pooled
        j_exact = math.exp(
            math.lgamma(m / 2) - math.log(math.sqrt(m / 2)) - math.lgamma((m - 1) / 2)
        )
        scale = math.sqrt(1 / n1 + 1 / n2)
        low, high = _ncp_interval_t(d / scale, m, _level(ci, alternative))
        low, high = _limit(
            low * scale * j_exact, high * scale * j_exact, alternative, -math.inf, math.inf
        )
        rows.append(
            _pair_row(sample, i, j, "hedges_g", estimate=d * j_exact, ci_low=low, ci_high=high)
        )
    return pd.DataFrame(rows).assign(method=method)[list(PAIR_EFFECT_COLUMNS)]


def _cliff(
    sample: _Sample, pairs: list[tuple[int, int]], ci: float, alternative: str
) -> pd.DataFrame:
    method = (
        "Cliff's delta = P(y1 > y2) - P(y1 < y2) = 2 U1 / (n1 n2) - 1 (rank-biserial r); "
        f"{_ci_text(ci, alternative)}: tanh(atanh(delta) +- z sqrt((n1 + n2 + 1) / (3 n1 n2))) "
        "(effectsize::cliffs_delta)"
    )
    z = stats.norm.ppf(1 - (1 - _level(ci, alternative)) / 2)
    rows = []
    for i, j in pairs:
        a, b = sample.values[i], sample.values[j]
        n1, n2 = len(a), len(b)
        u1 = stats.mannwhitneyu(a, b, method="asymptotic").statistic
        delta = float(2 * u1 / (n1 * n2) - 1)
        half = z * math.sqrt((n1 + n2 + 1) / (3 * n1 * n2))
        with np.errstate(divide="ignore"):
            centre = np.arctanh(delta)
        low, high = _limit(
            float(np.tanh(centre - half)), float(np.tanh(centre + half)), alternative, -1.0, 1.0
        )
        rows.append(
            _pair_row(sample, i, j, "cliffs_delta", estimate=delta, ci_low=low, ci_high=high)
        )
    return pd.DataFrame(rows).assign(method=method)[list(PAIR_EFFECT_COLUMNS)]


_PAIR_PARAMETERS = """
    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    dv : str
        The numeric column compared.
    group : str
        The column of group codes.
    pair : tuple of two group codes, optional
        The pair (group1, group2) to compare, in this direction; default every pair in group
        order.
    ci : float
        Confidence level, in (0, 1).
    alternative : {"two-sided", "greater", "less"}
        Two-sided interval, or one-sided with the other limit at the largest ("greater") or
        smallest ("less") possible value.

    Returns
    -------
    pandas.DataFrame
        One row per pair: :data:`PAIR_EFFECT_COLUMNS`.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame or ``dv`` is not numeric.
    ValueError
        If a column is absent, ``pair`` does not name two groups with
        :data:`MIN_GROUP_SIZE` answers, ``ci`` or ``alternative`` is not as described, or
        fewer than 2 groups have :data:`MIN_GROUP_SIZE` answers.
"""


def hedges_g(
    data: pd.DataFrame,
    *,
    dv: str,
    group: str,
    pair: tuple | None = None,
    ci: float = 0.95,
    alternative: str = "two-sided",
) -> pd.DataFrame:
    function = "hedges_g"
    ci = check_ci(ci, function)
    alternative = _check_alternative(alternative, function)
    sample = _split(data, dv, group, function)
    return _hedges(sample, _chosen_pairs(sample, pair, group, function), ci, alternative)


hedges_g.__doc__ = (
    r"""Hedges' g: the standardized mean difference of two groups, with its CI.

    .. math::

        g = J\, \frac{\bar y_1 - \bar y_2}{s_p}, \quad
        s_p = \sqrt{\frac{(n_1-1)s_1^2 + (n_2-1)s_2^2}{m}}, \quad
        J = \frac{\Gamma(m/2)}{\sqrt{m/2}\,\Gamma((m-1)/2)}, \quad m = n_1 + n_2 - 2

    with the exact small-sample correction :math:`J` (Hedges 1981), as
    ``effectsize::hedges_g`` (0.8.3); the approximation :math:`J \approx 1 - 3/(4(n_1+n_2)-9)`
    (Hedges & Olkin 1985, pingouin) differs by less than 1e-8 for groups of 50 or more. The
    interval is the noncentral-t one (Steiger & Fouladi 1997): the noncentralities
    :math:`\delta` of :math:`t(m, \delta)` that put :math:`t = d/\sqrt{1/n_1 + 1/n_2}` at
    its :math:`1 - \alpha/2` and :math:`\alpha/2` quantiles, times :math:`J\sqrt{1/n_1 +
    1/n_2}`, as ``effectsize`` (which finds them with Nelder-Mead; Brent's method here).
    Positive when group 1 scores higher.

    Assumptions: normal answers with equal variances in the two groups (the pooled SD); with
    unequal variances the Games-Howell test is the inference, g a description. NaN (reason in
    ``note``) when both groups are constant.

    Missing data: rows with a missing ``dv`` or ``group`` are dropped.
"""
    + _PAIR_PARAMETERS
    + r"""
    References
    ----------
    Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and
    related estimators. *Journal of Educational Statistics*, 6(2), 107-128.
    https://doi.org/10.3102/10769986006002107

    Steiger, J. H., & Fouladi, R. T. (1997). Noncentrality interval estimation and the
    evaluation of statistical models. In L. Harlow, S. Mulaik, & J. Steiger (Eds.), *What
    if there were no significance tests?* (pp. 221-257). Erlbaum.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"score": [4.0, 5, 6, 5, 6, 7, 2, 6, 7, 3],
    ...                      "bank": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3]})
    >>> hedges_g(data, dv="score", group="bank", pair=(1, 2))[["estimate", "ci_low", "ci_high"]]
       estimate    ci_low   ci_high
    0 -0.797885 -2.141699  0.626064
    >>> # R: effectsize::hedges_g(score[bank == 1], score[bank == 2])
    """
)


def cliffs_delta(
    data: pd.DataFrame,
    *,
    dv: str,
    group: str,
    pair: tuple | None = None,
    ci: float = 0.95,
    alternative: str = "two-sided",
) -> pd.DataFrame:
    function = "cliffs_delta"
    ci = check_ci(ci, function)
    alternative = _check_alternative(alternative, function)
    sample = _split(data, dv, group, function)
    return _cliff(sample, _chosen_pairs(sample, pair, group, function), ci, alternative)


cliffs_delta.__doc__ = (
    r"""Cliff's delta: how much more often group 1 scores higher than group 2, with its CI.

    .. math::

        \delta = P(Y_1 > Y_2) - P(Y_1 < Y_2) = \frac{2 U_1}{n_1 n_2} - 1

    over all :math:`n_1 n_2` pairs of answers, ties counting half (:math:`U_1` the Mann-Whitney
    U of group 1, ``scipy.stats.mannwhitneyu``); it equals the rank-biserial correlation
    (Cliff 1993; Glass 1965). Sign: positive when group 1 tends to score higher (as
    ``effectsize::cliffs_delta(y1, y2)``; some programs report :math:`1 - 2U_1/(n_1 n_2)`, the
    opposite). The interval is ``effectsize``'s: :math:`\tanh(\operatorname{atanh}\delta \pm
    z_{1-\alpha/2}\sqrt{(n_1+n_2+1)/(3 n_1 n_2)})`.

    Assumptions: independent answers; ordinal ``dv`` suffices, no equal variances needed.
    At :math:`|\delta| = 1` the interval collapses to the estimate.

    Missing data: rows with a missing ``dv`` or ``group`` are dropped.
"""
    + _PAIR_PARAMETERS
    + r"""
    References
    ----------
    Cliff, N. (1993). Dominance statistics: Ordinal analyses to answer ordinal questions.
    *Psychological Bulletin*, 114(3), 494-509. https://doi.org/10.1037/0033-2909.114.3.494

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"score": [4.0, 5, 6, 5, 6, 7, 2, 6, 7, 3],
    ...                      "bank": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3]})
    >>> cliffs_delta(data, dv="score", group="bank", pair=(1, 2))[["estimate", "ci_low"]]
       estimate    ci_low
    0 -0.555556 -0.925252
    >>> # R: effectsize::cliffs_delta(score[bank == 1], score[bank == 2])
    """
)


def pairwise_effect_sizes(
    data: pd.DataFrame, *, dv: str, group: str, ci: float = 0.95
) -> pd.DataFrame:
    """Hedges' g and Cliff's delta, with two-sided CIs, for every pair of groups.

    The rows of :func:`hedges_g` then :func:`cliffs_delta`, each pair in group order
    (group1 before group2; positive when group 1 scores higher). See those functions for the
    definitions and intervals.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    dv : str
        The numeric column compared.
    group : str
        The column of group codes.
    ci : float
        Confidence level, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        Two rows per pair: :data:`PAIR_EFFECT_COLUMNS`.

    Raises
    ------
    TypeError, ValueError
        As :func:`hedges_g`.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"score": [4.0, 5, 6, 5, 6, 7, 2, 6, 7, 3],
    ...                      "bank": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3]})
    >>> pairwise_effect_sizes(data, dv="score", group="bank")["effect_size"].tolist()
    ['hedges_g', 'hedges_g', 'hedges_g', 'cliffs_delta', 'cliffs_delta', 'cliffs_delta']
    >>> # R: effectsize::hedges_g(y1, y2); effectsize::cliffs_delta(y1, y2) for each pair
    """
    function = "pairwise_effect_sizes"
    ci = check_ci(ci, function)
    sample = _split(data, dv, group, function)
    return _pair_effects(sample, ci)


def _pair_effects(sample: _Sample, ci: float) -> pd.DataFrame:
    pairs = _pairs(sample)
    return pd.concat(
        [_hedges(sample, pairs, ci, "two-sided"), _cliff(sample, pairs, ci, "two-sided")],
        ignore_index=True,
    )


# --------------------------------------------------------------------------------------------
# Two categorical variables


class _Table(NamedTuple):
    row: str
    column: str
    observed: pd.DataFrame


def _crosstab(data: pd.DataFrame, row: str, column: str, function: str) -> _Table:
    _check_frame(data, function)
    _check_column(data, row, "row", function)
    _check_column(data, column, "column", function)
    if row == column:
        raise ValueError(
            f"The 'row' and 'column' parameters of {function} name the same column {row!r}."
        )
    both = data[[row, column]].dropna()
    observed = pd.crosstab(both[row], both[column])
    observed = observed.loc[observed.sum(axis=1) > 0, observed.sum(axis=0) > 0]
    rows = _group_order(data[row], both[row])
    columns = _group_order(data[column], both[column])
    observed = observed.reindex(
        index=[r for r in rows if r in observed.index],
        columns=[c for c in columns if c in observed.columns],
    )
    if observed.shape[0] < 2 or observed.shape[1] < 2:
        raise ValueError(
            f"{function} needs at least 2 categories of {row!r} and of {column!r} among the rows "
            f"that answered both; got {observed.shape[0]} and {observed.shape[1]} "
            f"({len(both)} rows). Compare variables that vary."
        )
    return _Table(row=row, column=column, observed=observed)


def expected_counts(data: pd.DataFrame, *, row: str, column: str) -> pd.DataFrame:
    r"""Observed and expected counts of a contingency table under independence.

    :math:`E_{rc} = n_{r\cdot}\, n_{\cdot c} / n` for each cell (``chisq.test(t)$expected``).
    Categories in the order of a categorical column, otherwise sorted; categories nobody chose
    are left out. Missing data: rows missing either variable are dropped.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    row, column : str
        The two categorical columns.

    Returns
    -------
    pandas.DataFrame
        One row per cell: :data:`EXPECTED_COLUMNS`.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame.
    ValueError
        If a column is absent, both name the same column, or either has fewer than 2
        categories among the rows that answered both.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"bank": [1, 1, 2, 2, 2, 1], "gender": [1, 2, 1, 1, 2, 2]})
    >>> expected_counts(data, row="bank", column="gender")[["observed", "expected"]]
       observed  expected
    0         1       1.5
    1         2       1.5
    2         2       1.5
    3         1       1.5
    >>> # R: chisq.test(table(data$bank, data$gender))$expected
    """
    table = _crosstab(data, row, column, "expected_counts")
    observed = table.observed.to_numpy()
    expected = stats.contingency.expected_freq(observed)
    r, c = np.indices(observed.shape)
    return pd.DataFrame(
        {
            "row": row,
            "column": column,
            "row_value": np.asarray(table.observed.index, dtype=object)[r.ravel()],
            "column_value": np.asarray(table.observed.columns, dtype=object)[c.ravel()],
            "observed": observed.ravel().astype(np.int64),
            "expected": expected.ravel(),
        }
    )[list(EXPECTED_COLUMNS)]


def chi_square_independence(
    data: pd.DataFrame, *, row: str, column: str, random_state: int | np.random.Generator = 0
) -> pd.DataFrame:
    r"""Pearson's chi-square test of independence, with an exact or Monte-Carlo p when sparse.

    .. math::

        \chi^2 = \sum_{r,c} \frac{(O_{rc} - E_{rc})^2}{E_{rc}}, \qquad
        df = (R - 1)(C - 1)

    without Yates' continuity correction, also for 2 x 2 tables (``chisq.test(t, correct =
    FALSE)``; ``scipy.stats.chi2_contingency(correction=False)``). Expected counts in
    :func:`expected_counts`, the effect size in :func:`cramers_v`.

    Sparse tables (Cochran 1954): when more than 20% of the expected counts are below 5 or any
    is below 1, the chi-square approximation is doubtful. A warning is raised, ``sparse`` is
    True and a second row gives a p value that does not rely on it: Fisher's exact test for a
    2 x 2 table (``fisher.test``; ``scipy.stats.fisher_exact``), otherwise the Monte-Carlo p of
    the chi-square statistic over :data:`MONTE_CARLO_RESAMPLES` tables with the observed
    margins (``chisq.test(t, simulate.p.value = TRUE)``, p = (1 + #{chi2* >= chi2}) / (B + 1);
    ``scipy.stats.chi2_contingency(method=MonteCarloMethod)``).

    Missing data: rows missing either variable are dropped; ``n`` counts the rest. Categories
    nobody chose are left out.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    row, column : str
        The two categorical columns (codes, strings or categoricals).
    random_state : int or numpy.random.Generator
        Seed (>= 0) or generator of the Monte-Carlo p (used only for a sparse table larger
        than 2 x 2). Global random state is never used.

    Returns
    -------
    pandas.DataFrame
        :data:`CHI_SQUARE_COLUMNS`: one row (Pearson's test), two for a sparse table.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame.
    ValueError
        If a column is absent, both name the same column, either has fewer than 2 categories
        among the rows that answered both, or ``random_state`` is not as described.

    Warns
    -----
    UserWarning
        When the table is sparse (see above).

    References
    ----------
    Cochran, W. G. (1954). Some methods for strengthening the common chi-square tests.
    *Biometrics*, 10(4), 417-451. https://doi.org/10.2307/3001616

    Examples
    --------
    >>> from analysis.config import REPO_ROOT
    >>> bfi = pd.read_csv(REPO_ROOT / "tests/reference/data/bfi_psych.csv", index_col=0)
    >>> test = chi_square_independence(bfi, row="gender", column="education")
    >>> test[["statistic", "df", "p_val", "n", "sparse"]].round(6)
       statistic  df     p_val     n  sparse
    0  21.671778   4  0.000233  2577   False
    >>> # R: chisq.test(table(bfi$gender, bfi$education), correct = FALSE)
    """
    function = "chi_square_independence"
    rng = check_generator(random_state, function)
    table = _crosstab(data, row, column, function)
    observed = table.observed.to_numpy()
    result = stats.chi2_contingency(observed, correction=False)
    expected = result.expected_freq
    share = float(np.mean(expected < SPARSE_EXPECTED))
    minimum = float(expected.min())
    sparse = share > SPARSE_SHARE or minimum < 1
    common = {
        "row": row,
        "column": column,
        "n": int(observed.sum()),
        "min_expected": minimum,
        "share_expected_below_5": share,
        "sparse": sparse,
        "note": "",
    }
    rows = [
        common
        | {
            "test": "Pearson chi-square",
            "statistic": float(result.statistic),
            "df": int(result.dof),
            "p_val": float(result.pvalue),
            "method": "Pearson chi-square test of independence, no continuity correction",
        }
    ]
    if sparse:
        if observed.shape == (2, 2):
            fallback = {
                "test": "Fisher's exact test",
                "statistic": math.nan,
                "df": math.nan,
                "p_val": float(stats.fisher_exact(observed).pvalue),
                "method": "Fisher's exact test (conditional on the margins, two-sided)",
            }
        else:
            monte = stats.chi2_contingency(
                observed,
                correction=False,
                method=stats.MonteCarloMethod(n_resamples=MONTE_CARLO_RESAMPLES, rng=rng),
            )
            fallback = {
                "test": "Monte-Carlo chi-square",
                "statistic": float(monte.statistic),
                "df": math.nan,
                "p_val": float(monte.pvalue),
                "method": (
                    f"chi-square p from {MONTE_CARLO_RESAMPLES} random tables with the observed "
                    "margins"
                ),
            }
        note = (
            f"sparse table: {share:.0%} of expected counts < 5 (min {minimum:.2f}); report "
            f"the {fallback['test']} p"
        )
        rows[0]["note"] = note
        rows.append(common | fallback | {"note": note})
        warnings.warn(f"{function} ({row!r} x {column!r}): {note}.", UserWarning, stacklevel=2)
    return pd.DataFrame(rows)[list(CHI_SQUARE_COLUMNS)]


def cramers_v(
    data: pd.DataFrame,
    *,
    row: str,
    column: str,
    ci: float = 0.95,
    alternative: str = "two-sided",
) -> pd.DataFrame:
    r"""Cramér's V of two categorical variables, with its noncentral chi-square CI.

    .. math::

        V = \sqrt{\frac{\chi^2}{n\,(\min(R, C) - 1)}}

    with Pearson's :math:`\chi^2` without continuity correction (:func:`chi_square_independence`;
    ``scipy.stats.contingency.association(method="cramer")``) and no bias correction
    (``effectsize::cramers_v(adjust = FALSE)``; note that given a raw 2 x 2 table
    ``effectsize`` computes :math:`\chi^2` with Yates' correction, pass it
    ``chisq.test(t, correct = FALSE)`` to compare). The interval is ``effectsize``'s: the
    noncentralities :math:`\lambda` of :math:`\chi^2_{df}(\lambda)` that put :math:`\chi^2` at
    its :math:`1-\alpha/2` and :math:`\alpha/2` quantiles (0 where the central distribution
    already leaves less than the tail above it), as :math:`\sqrt{\lambda / (n(\min(R,C)-1))}`,
    capped at 1. ``effectsize``'s default is one-sided ("greater": [lower limit, 1]); the
    default here is two-sided.

    Missing data: rows missing either variable are dropped; ``n`` counts the rest.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    row, column : str
        The two categorical columns.
    ci : float
        Confidence level, in (0, 1).
    alternative : {"two-sided", "greater", "less"}
        Two-sided interval, or one-sided with the other limit at 1 ("greater") or 0 ("less").

    Returns
    -------
    pandas.DataFrame
        One row: :data:`CRAMERS_V_COLUMNS`.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame.
    ValueError
        If a column is absent, both name the same column, either has fewer than 2 categories,
        or ``ci`` or ``alternative`` is not as described.

    References
    ----------
    Cramér, H. (1946). *Mathematical methods of statistics*. Princeton University Press.

    Examples
    --------
    >>> from analysis.config import REPO_ROOT
    >>> bfi = pd.read_csv(REPO_ROOT / "tests/reference/data/bfi_psych.csv", index_col=0)
    >>> cramers_v(bfi, row="gender", column="education")[["estimate", "ci_low", "ci_high"]]
       estimate    ci_low   ci_high
    0  0.091704  0.044038  0.124861
    >>> # R: effectsize::cramers_v(table(bfi$gender, bfi$education), adjust = FALSE,
    >>> #                          alternative = "two.sided")
    """
    function = "cramers_v"
    ci = check_ci(ci, function)
    alternative = _check_alternative(alternative, function)
    table = _crosstab(data, row, column, function)
    observed = table.observed.to_numpy()
    chi2 = float(stats.chi2_contingency(observed, correction=False).statistic)
    df = (observed.shape[0] - 1) * (observed.shape[1] - 1)
    n = int(observed.sum())
    denominator = n * (min(observed.shape) - 1)
    low, high = _ncp_interval_nonnegative(
        lambda ncp: stats.ncx2.cdf(chi2, df, ncp) if ncp > 0 else stats.chi2.cdf(chi2, df),
        _level(ci, alternative),
    )
    low, high = _limit(
        math.sqrt(low / denominator), min(1.0, math.sqrt(high / denominator)), alternative, 0, 1
    )
    method = (
        "Cramer's V = sqrt(chi2 / (n (min(R, C) - 1))), no bias correction; "
        f"{_ci_text(ci, alternative)}: noncentral chi-square (effectsize 0.8.3)"
    )
    estimate = float(stats.contingency.association(observed, method="cramer", correction=False))
    row_ = {
        "row": row,
        "column": column,
        "effect_size": "cramers_v",
        "estimate": estimate,
        "ci_low": low,
        "ci_high": high,
        "n": n,
        "method": method,
        "note": "",
    }
    return pd.DataFrame([row_])[list(CRAMERS_V_COLUMNS)]


# --------------------------------------------------------------------------------------------
# The policy, applied to several constructs


class GroupComparison(NamedTuple):
    """The results of :func:`compare_groups`, each a tidy table with a ``dv`` column.

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per dv: the primary test and the robustness check with Holm-adjusted p values,
        omega squared with its CI, epsilon squared, the assumption checks, the pairs that
        differ, and ``reason`` (why this test; :data:`POLICY`).
    means : pandas.DataFrame
        :func:`group_means` of every dv.
    omnibus : pandas.DataFrame
        Every omnibus test of every dv (:data:`TEST_COLUMNS` plus ``role`` and ``p_holm``,
        Holm-adjusted across the dvs within each test).
    effect_sizes : pandas.DataFrame
        :func:`eta_squared`, :func:`omega_squared` and :func:`epsilon_squared` of every dv.
    games_howell : pandas.DataFrame
        :func:`games_howell` of every dv.
    dunn : pandas.DataFrame
        :func:`dunn_test` (Holm) of every dv.
    pairwise_effect_sizes : pandas.DataFrame
        :func:`pairwise_effect_sizes` of every dv.
    normality : pandas.DataFrame
        :func:`normality` of every dv.
    policy : str
        :data:`POLICY`.
    """

    summary: pd.DataFrame
    means: pd.DataFrame
    omnibus: pd.DataFrame
    effect_sizes: pd.DataFrame
    games_howell: pd.DataFrame
    dunn: pd.DataFrame
    pairwise_effect_sizes: pd.DataFrame
    normality: pd.DataFrame
    policy: str


def _check_dvs(data: pd.DataFrame, dvs: object, group: str, function: str) -> list[str]:
    if isinstance(dvs, str) or not isinstance(dvs, Sequence | pd.Index):
        raise TypeError(
            f"The 'dvs' parameter of {function} must be a list of column names. Got {dvs!r}."
        )
    dvs = list(dvs)
    if not dvs:
        raise ValueError(f"The 'dvs' parameter of {function} must name at least one column.")
    repeated = sorted({dv for dv in dvs if dvs.count(dv) > 1}, key=str)
    if repeated:
        raise ValueError(f"The 'dvs' parameter of {function} repeats {repeated}.")
    absent = [dv for dv in dvs if dv not in data.columns]
    if absent:
        raise ValueError(
            f"The 'dvs' parameter of {function} names columns not in the data: {absent}. "
            f"The data's columns are {list(data.columns)}."
        )
    if group in dvs:
        raise ValueError(f"The 'dvs' parameter of {function} includes the group column {group!r}.")
    return dvs


def _check_alpha(alpha: object, function: str) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
        raise ValueError(
            f"The 'alpha' parameter of {function} must be a float in (0, 1). Got {alpha!r}."
        )
    return float(alpha)


def _holm(p: pd.Series) -> np.ndarray:
    values = p.to_numpy(dtype=float)
    adjusted = np.full(len(values), np.nan)
    ok = ~np.isnan(values)
    if ok.any():
        adjusted[ok] = multipletests(values[ok], method="holm")[1]
    return adjusted


def _differing_pairs(table: pd.DataFrame, alpha: float) -> str:
    chosen = table[table["p_val"] < alpha]
    return "; ".join(
        f"{r.group1} > {r.group2}" if r.estimate > 0 else f"{r.group2} > {r.group1}"
        for r in chosen.itertuples()
    )


def _reason(sample: _Sample) -> str:
    sds = [float(v.std(ddof=1)) for v in sample.values]
    ratio = max(sds) / min(sds) if min(sds) > 0 else math.inf
    sizes = "/".join(str(int(s)) for s in sample.sizes)
    return (
        f"Welch's ANOVA is primary: group sizes {sizes}, largest/smallest SD {ratio:.2f}; "
        "Welch holds its error rate when variances differ and loses little when they are "
        "equal (Delacre et al. 2019). Kruskal-Wallis checks robustness for ordinal scores. "
        "Assumption tests are reported, not used to choose."
    )


def _summary_row(
    sample: _Sample, omnibus: pd.DataFrame, effects: pd.DataFrame, pairwise: dict, alpha: float
) -> dict:
    def test(name: str, column: str) -> float:
        return float(omnibus.loc[omnibus["test"] == name, column].iloc[0])

    def effect(name: str, column: str) -> float:
        return float(effects.loc[effects["effect_size"] == name, column].iloc[0])

    return {
        "dv": sample.dv,
        "n": sample.n,
        "k": sample.k,
        "primary_test": "Welch ANOVA",
        "welch_F": test("Welch ANOVA", "statistic"),
        "welch_df": test("Welch ANOVA", "df"),
        "welch_df2": test("Welch ANOVA", "df2"),
        "welch_p": test("Welch ANOVA", "p_val"),
        "welch_p_holm": test("Welch ANOVA", "p_holm"),
        "kruskal_H": test("Kruskal-Wallis", "statistic"),
        "kruskal_df": test("Kruskal-Wallis", "df"),
        "kruskal_p": test("Kruskal-Wallis", "p_val"),
        "kruskal_p_holm": test("Kruskal-Wallis", "p_holm"),
        "omega_squared": effect("omega_squared", "estimate"),
        "omega_squared_ci_low": effect("omega_squared", "ci_low"),
        "omega_squared_ci_high": effect("omega_squared", "ci_high"),
        "epsilon_squared": effect("epsilon_squared", "estimate"),
        "brown_forsythe_p": test("Brown-Forsythe (median)", "p_val"),
        "differ": test("Welch ANOVA", "p_holm") < alpha,
        "robust": (test("Welch ANOVA", "p_holm") < alpha)
        == (test("Kruskal-Wallis", "p_holm") < alpha),
        "games_howell_pairs": _differing_pairs(pairwise["games_howell"], alpha),
        "dunn_pairs": _differing_pairs(pairwise["dunn"], alpha),
        "reason": _reason(sample),
    }


def compare_groups(
    data: pd.DataFrame,
    *,
    dvs: Sequence[str],
    group: str,
    ci: float = 0.95,
    alpha: float = 0.05,
    nan_policy: str = "pairwise",
) -> GroupComparison:
    r"""Compare the groups on several constructs with the stated policy (:data:`POLICY`).

    For each dv: :func:`welch_anova` with :func:`games_howell` (primary; group sizes and
    variances may differ, and Welch's F is the recommended default: Delacre et al. 2019),
    :func:`kruskal_wallis` with :func:`dunn_test` (Holm) as the rank-based robustness check for
    ordinal Likert scores, :func:`one_way_anova` for reference, and the assumption checks
    :func:`homogeneity_of_variance` and :func:`normality`, reported but never used to choose a
    test (Zimmerman 2004). Effect sizes: :func:`omega_squared`, :func:`eta_squared`,
    :func:`epsilon_squared`, and Hedges' g and Cliff's delta for every pair
    (:func:`pairwise_effect_sizes`), all with two-sided ``ci`` intervals except epsilon
    squared.

    Multiplicity: Games-Howell p values are adjusted over the pairs of a dv (studentized
    range) and Dunn's by Holm within a dv; each omnibus test's p values are Holm-adjusted
    across the dvs (``p_holm``; one family per test). ``summary.differ`` is Welch's
    ``p_holm < alpha``; ``summary.robust`` says whether Kruskal-Wallis agrees. The pairs
    listed in ``summary`` are those with an adjusted p below ``alpha`` ("a > b": a scores
    higher).

    Missing data: ``nan_policy="pairwise"`` uses, for each dv, the rows with that dv and the
    group (available cases, ``n`` per dv); ``"listwise"`` only rows with every dv. Groups
    with fewer than :data:`MIN_GROUP_SIZE` answers are dropped with a warning.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    dvs : sequence of str
        The numeric columns to compare (e.g. construct scores).
    group : str
        The column of group codes.
    ci : float
        Confidence level of the intervals, in (0, 1).
    alpha : float
        Significance level of the decisions in ``summary``, in (0, 1).
    nan_policy : {"pairwise", "listwise"}
        Missing-data handling (see above).

    Returns
    -------
    GroupComparison
        Tidy tables, each with a ``dv`` column (see :class:`GroupComparison`).

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame, ``dvs`` is not a list of names, or a dv is not
        numeric.
    ValueError
        If a column is absent, ``dvs`` is empty, repeats or includes ``group``, ``ci``,
        ``alpha`` or ``nan_policy`` is not as described, or fewer than 2 groups have
        :data:`MIN_GROUP_SIZE` answers to a dv.

    References
    ----------
    Delacre, M., Leys, C., Mora, Y. L., & Lakens, D. (2019). Taking parametric assumptions
    seriously: Arguments for the use of Welch's F-test instead of the classical F-test in
    one-way ANOVA. *International Review of Social Psychology*, 32(1), 13.
    https://doi.org/10.5334/irsp.198

    Zimmerman, D. W. (2004). A note on preliminary tests of equality of variances. *British
    Journal of Mathematical and Statistical Psychology*, 57(1), 173-181.
    https://doi.org/10.1348/000711004849222

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"image": [4.0, 5, 6, 5, 6, 7, 2, 6, 7, 3],
    ...                      "staff": [3.0, 4, 4, 5, 6, 6, 6, 7, 7, 6],
    ...                      "bank": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3]})
    >>> result = compare_groups(data, dvs=["image", "staff"], group="bank")
    >>> result.summary[["dv", "welch_p", "welch_p_holm", "differ"]]
          dv   welch_p  welch_p_holm  differ
    0  image  0.456456      0.456456   False
    1  staff  0.007505      0.015011    True
    >>> result.summary["games_howell_pairs"].tolist()
    ['', '2 > 1; 3 > 1']
    >>> # R: oneway.test(image ~ factor(bank), data); p.adjust(c(p_image, p_staff), "holm")
    """
    function = "compare_groups"
    _check_frame(data, function)
    dvs = _check_dvs(data, dvs, group, function)
    ci = check_ci(ci, function)
    alpha = _check_alpha(alpha, function)
    check_nan_policy(nan_policy, function=function)
    if nan_policy == "listwise":
        for dv in dvs:
            _numeric(data, dv, function)
        data = data.dropna(subset=dvs)
    parts: dict[str, list[pd.DataFrame]] = {
        key: []
        for key in (
            "means",
            "omnibus",
            "effects",
            "games_howell",
            "dunn",
            "pair_effects",
            "normality",
        )
    }
    samples = []
    for dv in dvs:
        sample = _split(data, dv, group, function)
        samples.append(sample)
        parts["means"].append(_means_table(sample, ci))
        parts["omnibus"].append(
            pd.concat(
                [
                    _welch(sample, function),
                    _kruskal(sample, function),
                    _anova(sample, function),
                    _homogeneity(sample, function),
                ],
                ignore_index=True,
            )
        )
        parts["effects"].append(
            pd.concat(
                [
                    _variance_explained(sample, "omega", ci, "two-sided", function),
                    _variance_explained(sample, "eta", ci, "two-sided", function),
                    _epsilon(sample, function),
                ],
                ignore_index=True,
            )
        )
        parts["games_howell"].append(_games_howell(sample, ci, function))
        parts["dunn"].append(_dunn(sample, "holm", function))
        parts["pair_effects"].append(_pair_effects(sample, ci))
        parts["normality"].append(_normality(sample, function))
    tables = {key: pd.concat(value, ignore_index=True) for key, value in parts.items()}
    omnibus = tables["omnibus"]
    omnibus["role"] = omnibus["test"].map(ROLES)
    omnibus["p_holm"] = omnibus.groupby("test", sort=False)["p_val"].transform(_holm)
    summary = pd.DataFrame(
        [
            _summary_row(
                sample,
                omnibus[omnibus["dv"] == sample.dv],
                tables["effects"][tables["effects"]["dv"] == sample.dv],
                {
                    key: tables[key][tables[key]["dv"] == sample.dv]
                    for key in ("games_howell", "dunn")
                },
                alpha,
            )
            for sample in samples
        ]
    )
    return GroupComparison(
        summary=summary,
        means=tables["means"],
        omnibus=omnibus,
        effect_sizes=tables["effects"],
        games_howell=tables["games_howell"],
        dunn=tables["dunn"],
        pairwise_effect_sizes=tables["pair_effects"],
        normality=tables["normality"],
        policy=POLICY,
    )


# --------------------------------------------------------------------------------------------
# Figure


def _check_means(means: object, function: str) -> pd.DataFrame:
    if not isinstance(means, pd.DataFrame):
        raise TypeError(
            f"The 'means' parameter of {function} must be a DataFrame from group_means or "
            f"compare_groups(...).means. Got {type(means).__name__}."
        )
    lacking = [c for c in ("dv", "group", "estimate", "ci_low", "ci_high") if c not in means]
    if lacking:
        raise ValueError(
            f"The 'means' parameter of {function} must be a DataFrame from group_means or "
            f"compare_groups(...).means. It lacks the columns {lacking}."
        )
    if means.empty:
        raise ValueError(f"The 'means' parameter of {function} has no rows.")
    return means


def plot_group_means(
    means: pd.DataFrame,
    *,
    title: str,
    dv_labels: Mapping[str, str] | None = None,
    group_labels: Mapping[object, str] | None = None,
    xlabel: str = "Mean score with 95% confidence interval",
    subtitle: str = "",
) -> Figure:
    """Dot-and-whisker chart of the group means of each construct, with their intervals.

    One row per construct (top to bottom in the order of ``means``), one dot per group
    (offset vertically, in group order, colour-blind-safe Okabe-Ito colours), the whiskers
    the intervals of ``means`` (:func:`group_means`); all constructs share the x axis, so
    differences between constructs and between groups read on one scale. The legend names the
    groups. A :class:`matplotlib.figure.Figure` made without pyplot; its height grows with the
    number of constructs. It only presents ``means``: no statistic is computed here.

    Parameters
    ----------
    means : pandas.DataFrame
        :func:`group_means` rows (or ``compare_groups(...).means``).
    title : str
        The figure title.
    dv_labels : Mapping[str, str], optional
        dv code -> label shown, e.g. ``{"channel": "Channels"}``. Default: the codes.
    group_labels : Mapping, optional
        Group code -> label shown in the legend, e.g.
        ``instrument.variable("bank_type").value_labels("en")``. Default: the codes.
    xlabel : str
        The x-axis label (say the interval's level if ``ci`` was not 0.95).
    subtitle : str, optional
        A note printed in small type below the chart (e.g. the synthetic-data notice).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError
        If ``means`` is not a DataFrame.
    ValueError
        If ``means`` lacks the columns of :data:`MEANS_COLUMNS` that are plotted or is empty.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"image": [4.0, 5, 6, 5, 6, 7, 2, 6, 7, 3],
    ...                      "bank": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3]})
    >>> fig = plot_group_means(group_means(data, dv="image", group="bank"),
    ...                        title="Image by bank type", group_labels={1: "CITIC"})
    >>> [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    ['CITIC', '2', '3']
    """
    means = _check_means(means, "plot_group_means")
    dvs = list(pd.unique(means["dv"]))
    groups = list(pd.unique(means["group"]))
    dv_names = {dv: str((dv_labels or {}).get(dv, dv)) for dv in dvs}
    group_names = {g: str((group_labels or {}).get(g, g)) for g in groups}
    height = MEANS_MARGIN + MEANS_HEIGHT_PER_DV * len(dvs) + (0.3 if subtitle else 0)
    fig = Figure(figsize=(MEANS_WIDTH, height), layout="constrained")
    ax = fig.add_subplot()
    step = 0.7 / max(len(groups), 1)
    offsets = (np.arange(len(groups)) - (len(groups) - 1) / 2) * step
    positions = {dv: i for i, dv in enumerate(dvs)}
    for g, (label, offset) in enumerate(zip(groups, offsets, strict=True)):
        rows = means[means["group"] == label]
        y = np.array([positions[dv] for dv in rows["dv"]]) + offset
        estimate = rows["estimate"].to_numpy(dtype=float)
        errors = np.vstack(
            [estimate - rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float) - estimate]
        )
        ax.errorbar(
            estimate,
            y,
            xerr=errors,
            fmt="o",
            markersize=4.5,
            capsize=2,
            linewidth=1.2,
            color=GROUP_COLOURS[g % len(GROUP_COLOURS)],
            label=group_names[label],
        )
    ax.set_yticks(range(len(dvs)), labels=[dv_names[dv] for dv in dvs])
    ax.set_ylim(len(dvs) - 0.5, -0.5)
    ax.grid(axis="x", color="0.9", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.set_xlabel(xlabel)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(
        title=None,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncols=min(len(groups), 4),
        frameon=False,
        fontsize=8,
    )
    fig.suptitle(title, fontsize=12, x=0.01, ha="left")
    if subtitle:
        fig.supxlabel(
            textwrap.fill(subtitle, NOTE_WIDTH), fontsize=8, x=0.01, ha="left", color="0.3"
        )
    return fig
