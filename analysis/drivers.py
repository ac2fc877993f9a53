"""Drivers of satisfaction and loyalty: regression, ordered logit, and how far they agree.

One estimand per function, each returning a tidy table:

- :func:`driver_regression`: OLS of an outcome (e.g. the satisfaction construct score) on its
  drivers (e.g. the touch-point scores), with HC3 standard errors, standardized betas, R-squared
  and the HC3-robust Wald F test of all slopes (R: ``lm`` + ``sandwich::vcovHC(type = "HC3")``);
- :func:`variance_inflation_factors`: collinearity of the drivers (``car::vif``);
- :func:`ordered_logit`: the proportional-odds (cumulative logit) model of one ordinal item,
  e.g. the overall-satisfaction item ``sat1`` (statsmodels ``OrderedModel``; R: ``MASS::polr``);
- :func:`proportional_odds_test`: Brant's (1990) test of the proportional-odds assumption;
- :func:`driver_robustness`: the OLS betas and the ordered-logit coefficients side by side, with
  their agreement in sign and significance.

Missing data: listwise deletion per model (the rows with the outcome and every predictor), ``n``
reported; a :class:`analysis.cfa.ListwiseDeletionWarning` when more than 20% of the rows are
dropped, as for the CFA and SEM.

Which outcome for the ordered logit. The model needs the ordinal codes of one item: a construct
mean score (e.g. 5.33) is not ordinal, and is what :func:`driver_regression` is for. Of the
satisfaction items, ``sat1`` ("Overall, I am satisfied with the bank") is the global judgement;
``sat2`` (met expectations) and ``sat3`` (compared with the ideal bank) are the ACSI's
disconfirmation items, so :data:`SATISFACTION_ITEM` is ``sat1``. Of the loyalty items, ``loy1``
("I will keep this bank as my main bank") is retention, the outcome a CRM programme is meant to
secure (``loy2`` recommendation, ``loy3`` cross-buying, ``loy4`` resistance to better offers are
narrower), so :data:`LOYALTY_ITEM` is ``loy1``.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.stats.outliers_influence import variance_inflation_factor
from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

from analysis.cfa import LISTWISE_WARNING_SHARE, ListwiseDeletionWarning
from analysis.checks import check_ci

#: The ordinal item of the satisfaction construct used as the ordered-logit outcome (module
#: docstring: the global satisfaction judgement).
SATISFACTION_ITEM = "sat1"
#: The ordinal item of the loyalty construct used as the ordered-logit outcome (retention).
LOYALTY_ITEM = "loy1"
#: Name of the intercept row of :func:`driver_regression`.
INTERCEPT = "(Intercept)"
#: Columns of :func:`driver_regression`, in order.
REGRESSION_COLUMNS = (
    "term",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "statistic",
    "df",
    "p_val",
    "beta",
    "n",
    "r2",
    "adj_r2",
    "f_statistic",
    "f_df1",
    "f_df2",
    "f_p_val",
    "method",
)
#: Columns of :func:`variance_inflation_factors`.
VIF_COLUMNS = ("term", "estimate", "n", "method")
#: Columns of :func:`ordered_logit`.
ORDERED_COLUMNS = (
    "term",
    "kind",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "statistic",
    "df",
    "p_val",
    "odds_ratio",
    "n",
    "method",
)
#: Columns of :func:`proportional_odds_test`.
BRANT_COLUMNS = ("test", "statistic", "df", "p_val", "n", "method")
#: Columns of :func:`driver_robustness`.
ROBUSTNESS_COLUMNS = (
    "term",
    "ols_beta",
    "ols_p_val",
    "ologit_estimate",
    "ologit_per_sd",
    "ologit_p_val",
    "same_sign",
    "ols_significant",
    "ologit_significant",
    "agree",
    "n_ols",
    "n_ologit",
    "method",
)
#: Smallest singular value of the standardized design, relative to the largest, below which the
#: predictors count as perfectly collinear.
COLLINEARITY_TOLERANCE = 1e-10
#: Gradient tolerance of the BFGS fit of the ordered logit (statsmodels minimizes the mean
#: negative log-likelihood); it stops within ~1e-8 of ordinal::clm's optimum. SciPy may report a
#: "precision loss" at this tolerance; the score is checked instead.
BFGS_GTOL = 1e-9
#: Largest absolute score (gradient of the log-likelihood) accepted at an ordered-logit optimum.
GRADIENT_TOLERANCE = 1e-4
#: Ordered-logit coefficient, in log-odds per SD of its predictor, above which the fit is taken
#: to diverge because the predictors separate the categories (an odds ratio of e^15 per SD does
#: not occur in survey data).
SEPARATION_BOUND = 15.0

_OLS_METHOD = (
    "OLS; HC3 standard errors (MacKinnon & White 1985), t reference with n - k - 1 df; beta = "
    "b * sd(x) / sd(y) on the model's rows (OLS on z-scored variables); F: HC3-robust Wald test "
    "of all slopes = 0; listwise deletion"
)
_VIF_METHOD = "VIF = 1 / (1 - R2_j), R2_j from OLS of predictor j on the others with intercept"
_ORDERED_METHOD = (
    "ordered logit (proportional odds), ML; logit P(Y <= k) = threshold_k - x'b (MASS::polr's "
    "zeta_k - eta); Wald CI and z tests from the observed information (thresholds by the "
    "delta method); listwise deletion"
)
_BRANT_METHOD = (
    "Brant (1990) Wald test of equal slopes across the J - 1 binary logits 1{Y > k}; "
    "chi-square reference"
)


class CategoryWarning(UserWarning):
    """Ordinal categories without observations were left out of an ordered logit."""


class OrderedLogitConvergenceWarning(UserWarning):
    """The ordered-logit optimizer stopped away from a stationary point."""


# --------------------------------------------------------------------------------------------
# Checks shared by the models


def _check_names(
    data: Any, outcome: str | None, predictors: Any, function: str
) -> tuple[list[str], list[str]]:
    """Checked (outcome list, predictor list); raises naming the parameter and the fix."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"The 'data' parameter of {function} must be a pandas DataFrame. "
            f"Got {type(data).__name__}."
        )
    if outcome is not None and not isinstance(outcome, str):
        raise TypeError(
            f"The 'outcome' parameter of {function} must be one column name (a str). "
            f"Got {outcome!r}."
        )
    if isinstance(predictors, str) or not isinstance(predictors, Sequence | pd.Index | np.ndarray):
        raise TypeError(
            f"The 'predictors' parameter of {function} must be a list of column names. "
            f"Got {predictors!r}."
        )
    predictors = list(predictors)
    if not predictors:
        raise ValueError(f"The 'predictors' parameter of {function} must name at least one column.")
    repeated = sorted({p for p in predictors if predictors.count(p) > 1}, key=str)
    if repeated:
        raise ValueError(f"The 'predictors' parameter of {function} repeats {repeated}.")
    outcomes = [] if outcome is None else [outcome]
    if outcome in predictors:
        raise ValueError(
            f"The outcome {outcome!r} of {function} is also among the 'predictors'. Remove it "
            "from 'predictors'."
        )
    absent = [c for c in [*outcomes, *predictors] if c not in data.columns]
    if absent:
        raise ValueError(
            f"{function}: the data lack the columns {absent} ('outcome'/'predictors'). The "
            f"data's columns are {list(data.columns)}."
        )
    return outcomes, predictors


def _model_rows(
    data: pd.DataFrame, columns: list[str], function: str, min_rows: int
) -> pd.DataFrame:
    """The columns as float64, complete rows only (listwise), checked."""
    not_numeric = [c for c in columns if not pd.api.types.is_numeric_dtype(data[c])]
    if not_numeric:
        dtypes = [str(data[c].dtype) for c in not_numeric]
        raise TypeError(
            f"Columns {not_numeric} of {function} are not numeric (dtypes {dtypes}). Code them "
            "as numbers: a categorical predictor as 0/1 dummy columns, answer labels as codes."
        )
    frame = pd.DataFrame(
        {c: data[c].astype("Float64").to_numpy(dtype=float, na_value=np.nan) for c in columns},
        index=data.index,
    )
    infinite = [c for c in columns if np.isinf(frame[c]).any()]
    if infinite:
        raise ValueError(
            f"Columns {infinite} of {function} hold infinite values. Set them to missing (NaN) "
            "or correct them."
        )
    empty = [c for c in columns if frame[c].isna().all()]
    if empty:
        raise ValueError(
            f"Columns {empty} of {function} have no values (all missing). Drop them from the model."
        )
    complete = frame.dropna()
    dropped = len(frame) - len(complete)
    if len(complete) < min_rows:
        raise ValueError(
            f"{function} needs at least {min_rows} complete rows; {len(complete)} row(s) have "
            f"every one of {columns} ({dropped} dropped for a missing value). Use fewer "
            "predictors or more data."
        )
    if len(frame) and dropped / len(frame) > LISTWISE_WARNING_SHARE:
        worst = frame.isna().mean().sort_values(ascending=False).head(5)
        named = ", ".join(f"{c} ({share:.0%})" for c, share in worst.items())
        warnings.warn(
            f"{function}: listwise deletion dropped {dropped} of {len(frame)} rows "
            f"({dropped / len(frame):.0%}); columns missing most often: {named}.",
            ListwiseDeletionWarning,
            stacklevel=3,
        )
    return complete


def _check_collinearity(x: pd.DataFrame, function: str) -> None:
    """Raise ValueError naming constant or perfectly collinear predictors (intercept included)."""
    sd = x.std(ddof=0)
    constant = [c for c in x.columns if not sd[c] > 0]
    if constant:
        raise ValueError(
            f"Predictors {constant} of {function} are constant on the {len(x)} complete rows, "
            "so they are collinear with the intercept (or thresholds). Drop them."
        )
    z = ((x - x.mean()) / sd).to_numpy()
    _, singular, vt = np.linalg.svd(z, full_matrices=False)
    null = vt[singular <= COLLINEARITY_TOLERANCE * singular[0]]
    if len(null):
        involved = [c for c, w in zip(x.columns, np.abs(null).max(axis=0), strict=True) if w > 1e-8]
        raise ValueError(
            f"Predictors {involved} of {function} are perfectly collinear on the {len(x)} "
            "complete rows: one is a linear combination of the others (e.g. a total and its "
            "parts, or the same score twice). Drop one of them."
        )


# --------------------------------------------------------------------------------------------
# OLS


def driver_regression(
    data: pd.DataFrame, *, outcome: str, predictors: Sequence[str], ci: float = 0.95
) -> pd.DataFrame:
    r"""OLS of an outcome on its drivers: b, HC3 SE, t test, CI, standardized beta, R², robust F.

    The model is :math:`y_i = b_0 + \sum_j b_j x_{ij} + e_i`, fitted by OLS on the ``n`` rows
    that have the outcome and every predictor. For each coefficient:

    - ``estimate`` is :math:`b_j` (unstandardized, in the units of the variables);
    - ``se`` is the HC3 heteroskedasticity-consistent standard error (MacKinnon & White 1985),
      the square root of the diagonal of
      :math:`(X'X)^{-1} X' \mathrm{diag}(e_i^2 / (1 - h_{ii})^2) X (X'X)^{-1}` (Long & Ervin
      2000 recommend HC3 for samples of a few hundred);
    - ``statistic`` is :math:`t = b_j / \mathrm{se}_j`, ``df`` = :math:`n - k - 1`, ``p_val``
      two-sided from Student's t, ``ci_low``/``ci_high`` = :math:`b_j \mp t_{(1+ci)/2, df}
      \mathrm{se}_j` (as ``lmtest::coeftest`` and ``coefci`` with the HC3 covariance);
    - ``beta`` is the standardized coefficient :math:`b_j s_{x_j} / s_y` with the SDs of the
      model's ``n`` rows: the slope of the same OLS on z-scored outcome and predictors (NaN
      for the intercept). It is what "derived importance" uses.

    The model-level columns, the same on every row: ``r2`` (:math:`1 - SS_{res}/SS_{tot}`),
    ``adj_r2`` (:math:`1 - (1 - R^2)(n - 1)/(n - k - 1)`), and the HC3-robust Wald F test that
    every slope is 0, :math:`F = \hat b' (R V_{HC3} R')^{-1} \hat b / k` with ``f_df1`` =
    :math:`k` and ``f_df2`` = :math:`n - k - 1` (``car::linearHypothesis(fit, slopes,
    vcov. = vcovHC(fit, type = "HC3"))``). The classical F of ``summary(lm)`` assumes equal error
    variances and is not reported.

    Assumptions: a linear, additive model with independent errors; the errors may be
    heteroskedastic (hence HC3), and the t and F references are approximations that improve
    with ``n``. Likert construct scores are treated as interval measures. Collinear drivers
    inflate the SEs: see :func:`variance_inflation_factors`.

    Missing data: listwise deletion (the rows with the outcome and every predictor); ``n`` is
    their number; a :class:`analysis.cfa.ListwiseDeletionWarning` when more than 20% of the
    rows are dropped.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent; numeric columns (e.g. construct scores from
        :func:`analysis.descriptives.construct_scores`).
    outcome : str
        The outcome column.
    predictors : sequence of str
        The driver columns (at least one), in the order of the result.
    ci : float, default 0.95
        Confidence level in (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per term, the intercept (:data:`INTERCEPT`) first, unrounded:
        :data:`REGRESSION_COLUMNS`.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame or a column is not numeric.
    ValueError
        If a column is absent, repeated, all missing or infinite; fewer than ``k + 2`` complete
        rows remain; the outcome or a predictor is constant or the predictors are perfectly
        collinear (named); or ``ci`` is not in (0, 1).

    Warns
    -----
    analysis.cfa.ListwiseDeletionWarning
        When listwise deletion drops more than 20% of the rows.

    References
    ----------
    MacKinnon, J. G., & White, H. (1985). Some heteroskedasticity-consistent covariance matrix
    estimators with improved finite sample properties. *Journal of Econometrics*, 29(3),
    305-325. https://doi.org/10.1016/0304-4076(85)90158-7
    Long, J. S., & Ervin, L. H. (2000). Using heteroscedasticity consistent standard errors in
    the linear regression model. *The American Statistician*, 54(3), 217-224.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> data = pd.DataFrame(rng.normal(size=(200, 2)), columns=["staff", "product"])
    >>> data["satisfaction"] = 0.5 * data["staff"] + 0.2 * data["product"] + rng.normal(size=200)
    >>> table = driver_regression(data, outcome="satisfaction", predictors=["staff", "product"])
    >>> table[["term", "estimate", "beta"]].round(2)
              term  estimate  beta
    0  (Intercept)      0.04   NaN
    1        staff      0.53  0.43
    2      product      0.21  0.17
    >>> # R: fit <- lm(satisfaction ~ staff + product, data)
    >>> #    lmtest::coeftest(fit, vcov. = sandwich::vcovHC(fit, type = "HC3"))
    """
    function = "driver_regression"
    ci = check_ci(ci, function)
    outcomes, predictors = _check_names(data, outcome, predictors, function)
    k = len(predictors)
    rows = _model_rows(data, outcomes + predictors, function, min_rows=k + 2)
    _check_collinearity(rows[predictors], function)
    if not rows[outcome].std(ddof=0) > 0:
        raise ValueError(
            f"The outcome {outcome!r} of {function} is constant on the "
            f"{len(rows)} complete rows: there is no variance to explain. Choose another outcome."
        )
    y = rows[outcome].to_numpy()
    x = sm.add_constant(rows[predictors].to_numpy(), has_constant="add")
    fit = sm.OLS(y, x).fit()
    n, df = len(y), len(y) - k - 1
    cov = np.asarray(fit.cov_HC3)
    b = np.asarray(fit.params)
    se = np.sqrt(np.diag(cov))
    t = b / se
    critical = stats.t.ppf((1 + ci) / 2, df)
    slopes = b[1:]
    f = float(slopes @ np.linalg.solve(cov[1:, 1:], slopes)) / k
    sd = rows.std(ddof=1)
    beta = np.r_[math.nan, slopes * sd[predictors].to_numpy() / sd[outcome]]
    table = pd.DataFrame(
        {
            "term": [INTERCEPT, *predictors],
            "estimate": b,
            "se": se,
            "ci_low": b - critical * se,
            "ci_high": b + critical * se,
            "statistic": t,
            "df": float(df),
            "p_val": 2 * stats.t.sf(np.abs(t), df),
            "beta": beta,
            "n": n,
            "r2": float(fit.rsquared),
            "adj_r2": float(fit.rsquared_adj),
            "f_statistic": f,
            "f_df1": float(k),
            "f_df2": float(df),
            "f_p_val": float(stats.f.sf(f, k, df)),
            "method": f"{_OLS_METHOD}; {ci:.0%} CI",
        }
    )
    return table[list(REGRESSION_COLUMNS)]


def variance_inflation_factors(
    data: pd.DataFrame, *, predictors: Sequence[str], outcome: str | None = None
) -> pd.DataFrame:
    r"""Variance inflation factor of each predictor (collinearity among the drivers).

    :math:`\mathrm{VIF}_j = 1 / (1 - R_j^2)`, with :math:`R_j^2` from the OLS of predictor
    :math:`j` on the other predictors with an intercept: the factor by which collinearity
    inflates the sampling variance of :math:`b_j` (the diagonal of the inverse correlation
    matrix of the predictors). ``car::vif`` of an ``lm`` without factor terms gives the same.
    Rules of thumb call 5 (or 10) high; they are conventions, not tests.

    Missing data: listwise deletion over the predictors, and also over ``outcome`` when given,
    so that the rows are those of the regression (``car::vif(lm(outcome ~ ...))``).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent, numeric columns.
    predictors : sequence of str
        At least two predictor columns.
    outcome : str, optional
        The regression's outcome; only its missing values matter (see above).

    Returns
    -------
    pandas.DataFrame
        One row per predictor: :data:`VIF_COLUMNS` (``estimate`` is the VIF).

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame or a column is not numeric.
    ValueError
        If fewer than two predictors are given, a column is absent, too few complete rows
        remain, or a predictor is constant or the predictors are perfectly collinear (named: the
        VIF would be infinite).

    References
    ----------
    Fox, J., & Monette, G. (1992). Generalized collinearity diagnostics. *Journal of the
    American Statistical Association*, 87(417), 178-183.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> a = rng.normal(size=300)
    >>> data = pd.DataFrame({"a": a, "b": a + rng.normal(size=300), "c": rng.normal(size=300)})
    >>> variance_inflation_factors(data, predictors=["a", "b", "c"])[["term", "estimate"]].round(2)
      term  estimate
    0    a      2.11
    1    b      2.10
    2    c      1.02
    >>> # R: car::vif(lm(y ~ a + b + c, data))
    """
    function = "variance_inflation_factors"
    outcomes, predictors = _check_names(data, outcome, predictors, function)
    if len(predictors) < 2:
        raise ValueError(
            f"The 'predictors' parameter of {function} must name at least two columns (a VIF "
            f"compares a predictor with the others). Got {predictors}."
        )
    rows = _model_rows(data, outcomes + predictors, function, min_rows=len(predictors) + 2)
    _check_collinearity(rows[predictors], function)
    x = sm.add_constant(rows[predictors].to_numpy(), has_constant="add")
    vif = [variance_inflation_factor(x, j + 1) for j in range(len(predictors))]
    return pd.DataFrame(
        {"term": predictors, "estimate": vif, "n": len(rows), "method": _VIF_METHOD}
    )[list(VIF_COLUMNS)]


# --------------------------------------------------------------------------------------------
# Ordered logit


def _check_collapse(collapse: Any, function: str) -> dict[int, int]:
    if collapse is None:
        return {}
    if not isinstance(collapse, Mapping) or not all(
        isinstance(k, int | np.integer) and isinstance(v, int | np.integer)
        for k, v in collapse.items()
    ):
        raise TypeError(
            f"The 'collapse' parameter of {function} must be a mapping of integer codes to the "
            f"codes they are merged into, e.g. {{4: 5}}. Got {collapse!r}."
        )
    return {int(k): int(v) for k, v in collapse.items()}


def _ordinal_outcome(
    y: pd.Series, outcome: str, collapse: dict[int, int], function: str
) -> tuple[np.ndarray, list[int], list[int]]:
    """Integer codes after ``collapse``, the observed levels and the empty codes between them."""
    values = y.to_numpy()
    fractional = np.unique(values[values != np.round(values)])
    if fractional.size:
        raise ValueError(
            f"The outcome {outcome!r} of {function} holds non-integer values (e.g. "
            f"{fractional[:3].tolist()}): it must hold the ordinal codes of one item. A construct "
            "mean score is not ordinal: model it with driver_regression, or use a single item "
            f"such as {SATISFACTION_ITEM!r}."
        )
    codes = values.astype(np.int64)
    if collapse:
        codes = np.array([collapse.get(c, c) for c in codes], dtype=np.int64)
    levels = sorted(set(codes.tolist()))
    if len(levels) < 2:
        raise ValueError(
            f"The outcome {outcome!r} of {function} has a single category ({levels}) on the "
            f"{len(codes)} complete rows: there is nothing to model. Choose another outcome."
        )
    empty = sorted(set(range(levels[0], levels[-1] + 1)) - set(levels))
    return codes, levels, empty


def _fit_ordered(model: OrderedModel, spread: pd.Series, function: str) -> Any:
    """ML fit by BFGS (numerical gradient); warns unless it ends at a proper maximum.

    ``spread`` is the SD of each predictor, to spot separation (diverging coefficients).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", HessianInversionWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = model.fit(method="bfgs", maxiter=5000, gtol=BFGS_GTOL, disp=False)
        gradient = np.abs(model.score(np.asarray(fit.params)))
    params = np.asarray(fit.params, dtype=float)
    per_sd = pd.Series(np.abs(params[: len(spread)]) * spread.to_numpy(), index=spread.index)
    diverging = per_sd[per_sd > SEPARATION_BOUND]
    if len(diverging):
        warnings.warn(
            f"{function}: the coefficients of {list(diverging.index)} exceed "
            f"{SEPARATION_BOUND:g} log-odds per SD of the predictor: the predictors separate "
            "the categories (almost) perfectly, so the maximum-likelihood estimates do not exist "
            "(they diverge) and the table is meaningless. Merge categories with 'collapse' or "
            "drop the separating predictor.",
            OrderedLogitConvergenceWarning,
            stacklevel=3,
        )
    elif not np.all(np.isfinite(params)) or gradient.max() > GRADIENT_TOLERANCE:
        warnings.warn(
            f"{function}: the optimizer stopped where the largest score is {gradient.max():.2g} "
            "(not a maximum of the likelihood). A category with very few answers is the usual "
            "cause: merge sparse categories with 'collapse'.",
            OrderedLogitConvergenceWarning,
            stacklevel=3,
        )
    return fit


def _ordered_design(
    data: pd.DataFrame,
    outcome: str,
    predictors: Any,
    collapse: Any,
    function: str,
) -> tuple[pd.DataFrame, np.ndarray, list[int], list[str]]:
    """Checked rows, outcome codes, levels and predictor names of an ordered model."""
    collapse = _check_collapse(collapse, function)
    outcomes, predictors = _check_names(data, outcome, predictors, function)
    rows = _model_rows(data, outcomes + predictors, function, min_rows=1)
    codes, levels, empty = _ordinal_outcome(rows[outcome], outcome, collapse, function)
    n_params = len(predictors) + len(levels) - 1
    if len(rows) <= n_params:
        raise ValueError(
            f"{function} needs more complete rows than parameters: {len(rows)} rows for "
            f"{len(predictors)} predictor(s) and {len(levels) - 1} thresholds. Use fewer "
            "predictors, merge categories with 'collapse', or more data."
        )
    _check_collinearity(rows[predictors], function)
    if empty:
        warnings.warn(
            f"{function}: categories {empty} of {outcome!r} have no observations on the "
            f"{len(codes)} complete rows, so the model is fitted to the observed categories "
            f"{levels}: an empty category has no threshold of its own, and leaving it out is the "
            "same as merging it with a neighbour.",
            CategoryWarning,
            stacklevel=3,
        )
    return rows, codes, levels, predictors


def ordered_logit(
    data: pd.DataFrame,
    *,
    outcome: str,
    predictors: Sequence[str],
    collapse: Mapping[int, int] | None = None,
    ci: float = 0.95,
) -> pd.DataFrame:
    r"""Ordered logit (proportional-odds model) of one ordinal item on its drivers.

    For an outcome with ordered categories :math:`1..J` and predictors :math:`x`:

    .. math:: \mathrm{logit}\, P(Y \le k \mid x) = \theta_k - x'b, \quad k = 1..J-1,

    with :math:`\theta_1 < \dots < \theta_{J-1}`, fitted by maximum likelihood (statsmodels
    ``OrderedModel(distr="logit")``, BFGS). A positive coefficient makes higher
    categories more likely: one unit more of :math:`x_j` multiplies the odds of answering above
    any cut point by ``odds_ratio`` = :math:`e^{b_j}` (the same for every cut: proportional
    odds).

    Sign convention. This is ``MASS::polr``'s parametrisation, ``logit P(Y <= k) = zeta_k -
    eta`` with ``eta = x'b``, and that of ``ordinal::clm``, Stata's ``ologit`` and SPSS PLUM:
    coefficients and thresholds here equal polr's ``coefficients`` and ``zeta``. SAS PROC
    LOGISTIC models ``logit P(Y <= k) = alpha_k + x'b`` (coefficients of the opposite sign).
    statsmodels stores the thresholds as the first one and log increments; they are reported
    here as :math:`\theta_k` themselves, with standard errors by the delta method, as polr's.

    Rows: one per coefficient (``kind`` ``"coefficient"``; ``statistic`` the Wald z, ``p_val``
    two-sided normal) and one per threshold (``kind`` ``"threshold"``, ``term`` ``"5|6"`` as in
    polr; ``statistic`` and ``p_val`` NaN, as a test that a cut point is 0 means nothing).
    ``se`` is from the inverse of the observed information (numerical Hessian), ``ci_low`` and
    ``ci_high`` are Wald limits :math:`\hat b \mp z_{(1+ci)/2}\,\mathrm{se}`.

    Categories. The outcome must hold the integer codes of one item (a construct mean score is
    not ordinal). ``collapse`` first merges codes (``{4: 5}``: answers of 4 count as 5), as is
    usual for categories with very few answers, whose thresholds are poorly determined. Then the
    categories are the observed codes; codes inside the observed range that nobody chose are
    left out with a :class:`CategoryWarning` (their thresholds are not identified; R's
    ``factor(y)`` drops them silently).

    Assumptions: proportional odds, i.e. the same :math:`b` at every cut point; check it with
    :func:`proportional_odds_test`. Independent respondents; a logistic latent error.

    Missing data: listwise deletion (rows with the outcome and every predictor), ``n``
    reported; :class:`analysis.cfa.ListwiseDeletionWarning` above 20% dropped.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent, numeric columns.
    outcome : str
        The ordinal item, e.g. :data:`SATISFACTION_ITEM` or :data:`LOYALTY_ITEM`.
    predictors : sequence of str
        The driver columns (at least one).
    collapse : mapping of int to int, optional
        Codes to merge before fitting (see above).
    ci : float, default 0.95
        Confidence level in (0, 1).

    Returns
    -------
    pandas.DataFrame
        Coefficients (predictor order), then thresholds: :data:`ORDERED_COLUMNS`; ``df`` is NaN
        (normal reference), ``odds_ratio`` NaN for thresholds.

    Raises
    ------
    TypeError
        If a column is not numeric or ``collapse`` is not a mapping of integer codes.
    ValueError
        If the outcome holds non-integer values or has a single category, no more complete rows
        than parameters remain, a predictor is constant or the predictors are collinear
        (named), a column is absent or all missing, or ``ci`` is not in (0, 1).

    Warns
    -----
    CategoryWarning
        When categories inside the observed range have no observations.
    OrderedLogitConvergenceWarning
        When the optimizer stops away from a maximum, or a coefficient diverges because the
        predictors separate the categories (more than :data:`SEPARATION_BOUND` log-odds per SD).
    analysis.cfa.ListwiseDeletionWarning
        When listwise deletion drops more than 20% of the rows.

    References
    ----------
    McCullagh, P. (1980). Regression models for ordinal data. *Journal of the Royal Statistical
    Society B*, 42(2), 109-142.
    Agresti, A. (2010). *Analysis of ordinal categorical data* (2nd ed.). Wiley, chapter 3.
    Venables, W. N., & Ripley, B. D. (2002). *Modern applied statistics with S* (4th ed.).
    Springer, section 7.3 (``polr``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=400)
    >>> latent = 1.0 * x + rng.logistic(size=400)
    >>> data = pd.DataFrame({"x": x, "sat1": np.digitize(latent, [-1.5, 0.0, 1.5]) + 1})
    >>> table = ordered_logit(data, outcome="sat1", predictors=["x"])
    >>> table[["term", "kind", "estimate"]].round(1)
      term         kind  estimate
    0    x  coefficient       1.1
    1  1|2    threshold      -1.5
    2  2|3    threshold      -0.1
    3  3|4    threshold       1.5
    >>> # R: MASS::polr(factor(sat1) ~ x, data, Hess = TRUE)
    """
    function = "ordered_logit"
    ci = check_ci(ci, function)
    rows, codes, levels, predictors = _ordered_design(data, outcome, predictors, collapse, function)
    endog = pd.Series(pd.Categorical(codes, categories=levels, ordered=True), index=rows.index)
    model = OrderedModel(endog, rows[predictors], distr="logit")
    fit = _fit_ordered(model, rows[predictors].std(ddof=1), function)
    params = np.asarray(fit.params, dtype=float)
    k = len(predictors)
    thresholds = model.transform_threshold_params(params)[1:-1]
    jacobian = np.eye(len(params))
    for a in range(len(levels) - 1):
        jacobian[k + a, k : k + a + 1] = np.r_[1.0, np.exp(params[k + 1 : k + a + 1])]
    cov = jacobian @ np.asarray(fit.cov_params()) @ jacobian.T
    estimate = np.r_[params[:k], thresholds]
    se = np.sqrt(np.diag(cov))
    z = np.r_[estimate[:k] / se[:k], np.full(len(levels) - 1, math.nan)]
    critical = stats.norm.ppf((1 + ci) / 2)
    with np.errstate(over="ignore"):  # a diverging (separated) fit has already been warned of
        odds_ratio = np.exp(estimate[:k])
    table = pd.DataFrame(
        {
            "term": [*predictors, *(f"{a}|{b}" for a, b in itertools.pairwise(levels))],
            "kind": ["coefficient"] * k + ["threshold"] * (len(levels) - 1),
            "estimate": estimate,
            "se": se,
            "ci_low": estimate - critical * se,
            "ci_high": estimate + critical * se,
            "statistic": z,
            "df": math.nan,
            "p_val": 2 * stats.norm.sf(np.abs(z)),
            "odds_ratio": np.r_[odds_ratio, np.full(len(levels) - 1, math.nan)],
            "n": len(rows),
            "method": f"{_ORDERED_METHOD}; outcome {outcome!r}, categories {levels}; {ci:.0%} CI",
        }
    )
    return table[list(ORDERED_COLUMNS)]


def _binary_logit(x: np.ndarray, z: np.ndarray, split: str, function: str) -> np.ndarray:
    """Coefficients of the logit of ``z`` on ``x`` (intercept in ``x``); raises on separation."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            fit = sm.Logit(z, x).fit(method="newton", maxiter=100, tol=1e-12, disp=False)
        except np.linalg.LinAlgError:
            fit = None
    if fit is None or not np.all(np.isfinite(fit.params)) or np.max(np.abs(fit.params)) > 30:
        raise ValueError(
            f"{function}: the binary logit of {split} does not converge (the predictors "
            "separate it perfectly or nearly so, typically because a category at the end has "
            "very few answers). Merge sparse categories with 'collapse'."
        )
    return np.asarray(fit.params)


def proportional_odds_test(
    data: pd.DataFrame,
    *,
    outcome: str,
    predictors: Sequence[str],
    collapse: Mapping[int, int] | None = None,
) -> pd.DataFrame:
    r"""Brant's (1990) test of the proportional-odds assumption of :func:`ordered_logit`.

    The ordered logit assumes one slope vector :math:`b` at every cut point. Brant fits the
    :math:`J - 1` binary logits of :math:`1\{Y > k\}` on the predictors, giving slopes
    :math:`\hat b_k` and fitted probabilities :math:`\hat\pi_{ik}`, and estimates their joint
    covariance, with :math:`W_{kl} = \mathrm{diag}(\hat\pi_{il} - \hat\pi_{ik}\hat\pi_{il})`
    for :math:`k \le l`:

    .. math:: \widehat{\mathrm{Cov}}(\hat\beta_k, \hat\beta_l) = (X'W_{kk}X)^{-1} X'W_{kl}X
       (X'W_{ll}X)^{-1}

    (intercept rows dropped). The Wald statistic of :math:`H_0: b_1 = b_2 = \dots = b_{J-1}`,
    :math:`(D\hat b)'(D \hat V D')^{-1}(D\hat b)` with :math:`D` the differences from the first
    split, is referred to :math:`\chi^2` with :math:`(J-2)k` df (``"omnibus"``); the same for one
    predictor's slopes gives :math:`J - 2` df (one row per predictor).

    A small p-value says the effect of a predictor differs between the lower and the upper
    categories; with hundreds of respondents small departures are significant, so compare the
    binary slopes before abandoning the model (Brant 1990). The test needs every binary split to
    be estimable: sparse end categories (few answers above or below a cut) make it unstable, so
    merge them with ``collapse`` as for :func:`ordered_logit`.

    Categories, outcome checks and missing data: as :func:`ordered_logit` (the same rows and
    the same categories after ``collapse``).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent, numeric columns.
    outcome : str
        The ordinal item.
    predictors : sequence of str
        The driver columns.
    collapse : mapping of int to int, optional
        Codes to merge before testing.

    Returns
    -------
    pandas.DataFrame
        ``"omnibus"`` then one row per predictor: :data:`BRANT_COLUMNS`.

    Raises
    ------
    ValueError
        As :func:`ordered_logit`; also if the outcome has fewer than three categories (the
        assumption is then untestable) or a binary split does not converge.

    References
    ----------
    Brant, R. (1990). Assessing proportionality in the proportional odds model for ordinal
    logistic regression. *Biometrics*, 46(4), 1171-1178. https://doi.org/10.2307/2532457

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=400)
    >>> data = pd.DataFrame({"x": x, "y": np.digitize(x + rng.logistic(size=400), [-1, 0, 1])})
    >>> table = proportional_odds_test(data, outcome="y", predictors=["x"])
    >>> table[["test", "df"]]
          test   df
    0  omnibus  2.0
    1        x  2.0
    >>> # R: brant::brant(MASS::polr(factor(y) ~ x, data))
    """
    function = "proportional_odds_test"
    rows, codes, levels, predictors = _ordered_design(data, outcome, predictors, collapse, function)
    j, k = len(levels), len(predictors)
    if j < 3:
        raise ValueError(
            f"{function} needs an outcome with at least three categories; {outcome!r} has "
            f"{levels}. With two categories the ordered logit is a binary logit and has no "
            "proportional-odds assumption."
        )
    x = sm.add_constant(rows[predictors].to_numpy(), has_constant="add")
    rank = np.searchsorted(levels, codes)
    betas, probabilities = [], []
    for split in range(j - 1):
        params = _binary_logit(
            x, (rank > split).astype(float), f"{outcome} > {levels[split]}", function
        )
        betas.append(params[1:])
        probabilities.append(1 / (1 + np.exp(-(x @ params))))
    inverse = [np.linalg.inv(x.T @ (x * (p * (1 - p))[:, None])) for p in probabilities]
    cov = np.zeros(((j - 1) * k, (j - 1) * k))
    for a in range(j - 1):
        for b in range(a, j - 1):
            pa, pb = probabilities[a], probabilities[b]
            block = (inverse[a] @ (x.T @ (x * (pb - pa * pb)[:, None])) @ inverse[b])[1:, 1:]
            cov[a * k : (a + 1) * k, b * k : (b + 1) * k] = block
            cov[b * k : (b + 1) * k, a * k : (a + 1) * k] = block.T
    stacked = np.concatenate(betas)
    difference = np.zeros(((j - 2) * k, (j - 1) * k))
    for split in range(1, j - 1):
        rows_d = slice((split - 1) * k, split * k)
        difference[rows_d, :k] = np.eye(k)
        difference[rows_d, split * k : (split + 1) * k] = -np.eye(k)

    def wald(d: np.ndarray) -> float:
        db = d @ stacked
        return float(db @ np.linalg.solve(d @ cov @ d.T, db))

    tests = [("omnibus", wald(difference), (j - 2) * k)]
    tests += [(p, wald(difference[i::k]), j - 2) for i, p in enumerate(predictors)]
    return pd.DataFrame(
        {
            "test": [t[0] for t in tests],
            "statistic": [t[1] for t in tests],
            "df": [float(t[2]) for t in tests],
            "p_val": [float(stats.chi2.sf(t[1], t[2])) for t in tests],
            "n": len(rows),
            "method": f"{_BRANT_METHOD}; outcome {outcome!r}, categories {levels}",
        }
    )[list(BRANT_COLUMNS)]


# --------------------------------------------------------------------------------------------
# Robustness: OLS and ordered logit side by side


def driver_robustness(
    data: pd.DataFrame,
    *,
    outcome: str,
    predictors: Sequence[str],
    ordinal_outcome: str | None = None,
    collapse: Mapping[int, int] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    r"""Do the drivers look the same in OLS and in an ordered logit? A side-by-side table.

    :func:`driver_regression` of ``outcome`` (e.g. the satisfaction score) and
    :func:`ordered_logit` of ``ordinal_outcome`` (e.g. :data:`SATISFACTION_ITEM`; default
    ``outcome`` itself, which must then hold integer codes) on the same predictors. Per
    predictor:

    - ``ols_beta``, ``ols_p_val``: the standardized OLS beta and its HC3 t-test p-value;
    - ``ologit_estimate``, ``ologit_p_val``: the ordered-logit coefficient (log-odds per unit)
      and its Wald p-value; ``ologit_per_sd`` = coefficient x SD of the predictor on the
      ordered logit's rows (log-odds per SD), comparable across predictors as betas are;
    - ``same_sign``: the two estimates have the same sign; ``ols_significant``,
      ``ologit_significant``: p < ``alpha``; ``agree``: both significant with the same sign, or
      both not significant (the two models lead to the same conclusion).

    The two scales differ (SD units of the outcome vs log-odds), so only signs, significance and
    the ranking of the drivers are compared, not sizes. Missing data: each model by listwise
    deletion on its own columns (``n_ols``, ``n_ologit``).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent, numeric columns.
    outcome : str
        Outcome of the OLS.
    predictors : sequence of str
        The driver columns, shared by both models.
    ordinal_outcome : str, optional
        Outcome of the ordered logit (integer codes). Default: ``outcome``.
    collapse : mapping of int to int, optional
        Passed to :func:`ordered_logit`.
    alpha : float, default 0.05
        Significance level, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per predictor: :data:`ROBUSTNESS_COLUMNS`.

    Raises
    ------
    ValueError, TypeError
        As :func:`driver_regression` and :func:`ordered_logit`; ``alpha`` not in (0, 1).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> data = pd.DataFrame(rng.normal(size=(300, 2)), columns=["staff", "channel"])
    >>> data["sat1"] = np.digitize(data["staff"] + rng.logistic(size=300), [-1, 0, 1]) + 1
    >>> table = driver_robustness(data, outcome="sat1", predictors=["staff", "channel"])
    >>> table[["term", "same_sign", "agree"]]
          term  same_sign  agree
    0    staff       True   True
    1  channel       True   True
    >>> # R: cbind(lm.beta::lm.beta(lm(sat1 ~ staff + channel))$standardized.coefficients[-1],
    >>> #          coef(MASS::polr(factor(sat1) ~ staff + channel)))
    """
    function = "driver_robustness"
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise ValueError(
            f"The 'alpha' parameter of {function} must be a float in (0, 1). Got {alpha!r}."
        )
    ordinal_outcome = outcome if ordinal_outcome is None else ordinal_outcome
    ols = driver_regression(data, outcome=outcome, predictors=predictors).iloc[1:]
    ologit = ordered_logit(
        data, outcome=ordinal_outcome, predictors=predictors, collapse=collapse
    ).query("kind == 'coefficient'")
    predictors = list(predictors)
    used = data[[ordinal_outcome, *predictors]].dropna()
    sd = used[predictors].astype(float).std(ddof=1).to_numpy()
    ols_beta, ols_p = ols["beta"].to_numpy(), ols["p_val"].to_numpy()
    estimate, ologit_p = ologit["estimate"].to_numpy(), ologit["p_val"].to_numpy()
    ols_sig, ologit_sig = ols_p < alpha, ologit_p < alpha
    same_sign = np.sign(ols_beta) == np.sign(estimate)
    return pd.DataFrame(
        {
            "term": predictors,
            "ols_beta": ols_beta,
            "ols_p_val": ols_p,
            "ologit_estimate": estimate,
            "ologit_per_sd": estimate * sd,
            "ologit_p_val": ologit_p,
            "same_sign": same_sign,
            "ols_significant": ols_sig,
            "ologit_significant": ologit_sig,
            "agree": (same_sign & ols_sig & ologit_sig) | (~ols_sig & ~ologit_sig),
            "n_ols": int(ols["n"].iloc[0]),
            "n_ologit": int(ologit["n"].iloc[0]),
            "method": (
                f"OLS standardized beta (HC3 t test) of {outcome!r} vs ordered-logit coefficient "
                f"(Wald z) of {ordinal_outcome!r}; significant: p < {alpha}"
            ),
        }
    )[list(ROBUSTNESS_COLUMNS)]
