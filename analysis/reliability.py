"""Reliability of multi-item scales: alpha, item analysis, omega, composite reliability, AVE.

One estimand per function, each returning a tidy table:

- from the items' responses: :func:`cronbach_alpha` (raw alpha with Feldt's confidence
  interval), :func:`standardized_alpha`, :func:`alpha_if_deleted`,
  :func:`item_total_correlations` (corrected item-total r) and :func:`mcdonald_omega` (omega
  total from a one-factor minres solution, as ``psych::omega``);
- from a CFA's standardized loadings: :func:`composite_reliability` (Joreskog's rho_c /
  Fornell & Larcker's composite reliability) and :func:`average_variance_extracted`.

The three "omegas" in use differ (``tests/reference/README.md``): :func:`mcdonald_omega` is
``psych::omega``'s ``omega.tot`` of the items' correlation matrix, :func:`composite_reliability`
is the hand formula on standardized CFA loadings, and semTools' ``compRelSEM`` (observed total
variance in the denominator) is neither. Items must be keyed in the same direction (reverse-keyed
items recoded, :func:`analysis.semmodel.keyed_items`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.checks import check_ci
from analysis.descriptives import check_nan_policy, complete_rows, item_frame

#: Columns of the one-row results of :func:`cronbach_alpha`.
ALPHA_COLUMNS = ("n_items", "n", "estimate", "ci_low", "ci_high", "method")
#: Columns of the one-row results of :func:`standardized_alpha` and :func:`mcdonald_omega`.
SCALE_COLUMNS = ("n_items", "n", "estimate", "method")
#: Columns of :func:`alpha_if_deleted` and :func:`item_total_correlations` (one row per item).
ITEM_COLUMNS = ("item", "n_items", "n", "estimate", "method")
#: Columns of :func:`composite_reliability` and :func:`average_variance_extracted`.
LOADING_COLUMNS = ("n_items", "estimate", "method")
#: Convergence tolerance (largest change of a communality) and iteration limit of the minres
#: one-factor solution in :func:`mcdonald_omega`.
MINRES_TOLERANCE = 1e-13
MINRES_MAX_ITER = 10_000
#: Largest communality of the minres solution: psych::fa bounds uniquenesses below at 0.005;
#: a solution that reaches the bound is improper (Heywood case) and raises.
MAX_COMMUNALITY = 0.995


# --------------------------------------------------------------------------------------------
# Checks and matrices


def _items(
    data: pd.DataFrame, items: Sequence[str], nan_policy: str, function: str, min_items: int
) -> tuple[pd.DataFrame, int]:
    """The checked items (complete rows under listwise) and n, the rows that answered any."""
    check_nan_policy(nan_policy, function=function)
    frame = item_frame(data, items=items, function=function, min_items=min_items)
    if nan_policy == "listwise":
        frame = complete_rows(frame, function=function, min_rows=2)
    else:
        frame = frame[frame.notna().any(axis=1)]
    constant = [item for item in frame.columns if frame[item].nunique() < 2]
    if constant:
        raise ValueError(
            f"Items {constant} of {function} are constant (zero variance) in the rows used: "
            "correlations with them, and the reliability, are undefined. Drop them from "
            "'items'."
        )
    return frame, len(frame)


def _covariance(frame: pd.DataFrame, function: str) -> np.ndarray:
    """Covariance matrix (pairwise-complete rows for each pair, denominator n - 1)."""
    matrix = frame.cov().to_numpy()
    _check_pairs(matrix, list(frame.columns), function)
    return matrix


def _correlation(frame: pd.DataFrame, function: str) -> np.ndarray:
    """Pearson correlation matrix, each pair on the rows that answered both."""
    matrix = frame.corr().to_numpy()
    _check_pairs(matrix, list(frame.columns), function)
    return matrix


def _check_pairs(matrix: np.ndarray, items: list[str], function: str) -> None:
    rows, cols = np.nonzero(np.isnan(matrix))
    if rows.size:
        pairs = sorted(
            {tuple(sorted((items[i], items[j]))) for i, j in zip(rows, cols, strict=True)}
        )
        raise ValueError(
            f"{function}: the item pairs {pairs} are answered together by fewer than 2 rows "
            "(or are constant there), so their covariance is undefined. Collect more "
            "answers or drop one item of each pair."
        )


def _alpha(cov: np.ndarray, function: str) -> float:
    """Cronbach's alpha of a covariance (or correlation) matrix."""
    k = cov.shape[0]
    total = cov.sum()
    if total <= 0:
        raise ValueError(
            f"{function}: the variance of the total score is {total:.3g} <= 0 (items "
            "cancel out), so alpha is undefined. Are reverse-keyed items recoded? See "
            "analysis.semmodel.keyed_items."
        )
    return k / (k - 1) * (1 - np.trace(cov) / total)


def _standardize(cov: np.ndarray) -> np.ndarray:
    scale = np.sqrt(np.diag(cov))
    return cov / np.outer(scale, scale)


def _one_row(columns: Sequence[str], **values: object) -> pd.DataFrame:
    return pd.DataFrame({column: [values[column]] for column in columns})


# --------------------------------------------------------------------------------------------
# Alpha


def cronbach_alpha(
    data: pd.DataFrame,
    *,
    items: Sequence[str],
    ci: float = 0.95,
    nan_policy: str = "pairwise",
) -> pd.DataFrame:
    r"""Cronbach's (raw) coefficient alpha, with Feldt's F-distribution confidence interval.

    .. math::

        \alpha = \frac{k}{k-1}\left(1 - \frac{\sum_j s_j^2}{\sum_j \sum_l s_{jl}}\right)

    with :math:`k` items and :math:`s_{jl}` the sample covariances (:math:`s_j^2` the
    variances): the "raw" alpha of SPSS, ``psych::alpha`` (``raw_alpha``) and pingouin. The
    confidence interval is Feldt, Woodruff & Salih's (1987), as in ``psych::alpha`` and
    ``pingouin.cronbach_alpha``: with :math:`df_1 = n - 1` and :math:`df_2 = (n-1)(k-1)`,

    .. math::

        [\,1 - (1-\hat\alpha) F_{1-(1-c)/2}(df_1, df_2),\;
           1 - (1-\hat\alpha) F_{(1-c)/2}(df_1, df_2)\,]

    where :math:`F_q` is the :math:`q` quantile of the F distribution and :math:`c` = ``ci``.
    (pingouin rounds the interval to 3 decimals; this function does not.)

    Assumptions: the items measure one attribute and are essentially tau-equivalent (equal
    loadings), otherwise alpha underestimates the reliability of the sum score (see
    :func:`mcdonald_omega`); errors are uncorrelated; the interval also assumes normality and
    complete data. Items must be keyed in the same direction.

    Missing data: ``nan_policy="pairwise"`` (the default of ``psych::alpha`` and pingouin)
    computes each covariance on the rows that answered both items; :math:`n` is the number of
    rows that answered at least one item (psych and pingouin count every row; the same
    when no row is blank). ``"listwise"`` keeps only rows that answered every item.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent, items as numbers, keyed in the same direction.
    items : sequence of str
        The scale's item columns, at least 2.
    ci : float
        Confidence level of the interval, in (0, 1).
    nan_policy : {"pairwise", "listwise"}
        Missing-data handling (see above).

    Returns
    -------
    pandas.DataFrame
        One row, unrounded: :data:`ALPHA_COLUMNS`. ``n_items`` is :math:`k`, ``n`` the rows
        used, ``method`` names the estimator, the interval and the missing-data handling.

    Raises
    ------
    TypeError
        If an item is not numeric.
    ValueError
        If fewer than 2 items are given, an item is absent, has no answers or is constant,
        two items are never answered together, the total score has no variance, or ``ci``
        or ``nan_policy`` is not as described.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16(3), 297-334. https://doi.org/10.1007/BF02310555

    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for
    coefficient alpha. *Applied Psychological Measurement*, 11(1), 93-103.
    https://doi.org/10.1177/014662168701100107

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"q1": [1, 2, 3, 4, 5, 3], "q2": [2, 2, 3, 5, 4, 3],
    ...                      "q3": [1, 3, 3, 4, 5, 2]})
    >>> cronbach_alpha(data, items=["q1", "q2", "q3"])[["n", "estimate", "ci_low", "ci_high"]]
       n  estimate    ci_low   ci_high
    0  6  0.931765  0.710949  0.989691
    >>> # R: psych::alpha(data)$total$raw_alpha; psych::alpha(data)$feldt
    """
    function = "cronbach_alpha"
    ci = check_ci(ci, function)
    frame, n = _items(data, items, nan_policy, function, min_items=2)
    k = frame.shape[1]
    alpha = _alpha(_covariance(frame, function), function)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - ci) / 2
    low = 1 - (1 - alpha) * stats.f.isf(tail, df1, df2)
    high = 1 - (1 - alpha) * stats.f.ppf(tail, df1, df2)
    method = (
        f"Cronbach's alpha (raw, {nan_policy} covariances); {ci * 100:g}% CI: Feldt et al. "
        "(1987), F distribution"
    )
    return _one_row(
        ALPHA_COLUMNS, n_items=k, n=n, estimate=alpha, ci_low=low, ci_high=high, method=method
    )


def standardized_alpha(
    data: pd.DataFrame, *, items: Sequence[str], nan_policy: str = "pairwise"
) -> pd.DataFrame:
    r"""Standardized coefficient alpha: alpha of the items' correlation matrix.

    .. math::

        \alpha_{std} = \frac{k \bar r}{1 + (k-1)\bar r}

    with :math:`\bar r` the mean of the :math:`k(k-1)/2` inter-item correlations: the
    reliability of the sum of the *standardized* items (Spearman-Brown on :math:`\bar r`),
    ``psych::alpha``'s ``std.alpha`` and SPSS's "alpha based on standardized items"; seminr and
    SmartPLS report it as "alpha". It equals raw alpha when all items have the same variance.

    Missing data: as :func:`cronbach_alpha`. Under ``"pairwise"`` the correlations are those
    ``psych::alpha`` uses, the pairwise covariances divided by the square roots of the
    variances (``cov2cor(cov(x, use = "pairwise"))``), which differ slightly from pairwise
    Pearson correlations (``psych::omega``'s alpha uses these).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent, items as numbers, keyed in the same direction.
    items : sequence of str
        The scale's item columns, at least 2.
    nan_policy : {"pairwise", "listwise"}
        Missing-data handling.

    Returns
    -------
    pandas.DataFrame
        One row, unrounded: :data:`SCALE_COLUMNS`.

    Raises
    ------
    TypeError
        If an item is not numeric.
    ValueError
        As :func:`cronbach_alpha`.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16(3), 297-334. https://doi.org/10.1007/BF02310555

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"q1": [1, 2, 3, 4, 5, 3], "q2": [2, 2, 3, 5, 4, 3],
    ...                      "q3": [1, 3, 3, 4, 5, 2]})
    >>> round(float(standardized_alpha(data, items=["q1", "q2", "q3"])["estimate"].iloc[0]), 6)
    0.933625
    >>> # R: psych::alpha(data)$total$std.alpha
    """
    function = "standardized_alpha"
    frame, n = _items(data, items, nan_policy, function, min_items=2)
    estimate = _alpha(_standardize(_covariance(frame, function)), function)
    method = f"standardized alpha (k mean r / (1 + (k - 1) mean r), {nan_policy} covariances)"
    return _one_row(SCALE_COLUMNS, n_items=frame.shape[1], n=n, estimate=estimate, method=method)


def alpha_if_deleted(
    data: pd.DataFrame, *, items: Sequence[str], nan_policy: str = "pairwise"
) -> pd.DataFrame:
    r"""Raw Cronbach's alpha of the scale without each item in turn ("alpha if item deleted").

    For item :math:`j`, :math:`\alpha_{(-j)}` is :func:`cronbach_alpha` of the other
    :math:`k - 1` items, from the same covariance matrix (``psych::alpha``'s
    ``alpha.drop$raw_alpha``, SPSS's "Cronbach's Alpha if Item Deleted"). An item whose
    deletion raises alpha above the full scale's is a candidate for revision.

    Missing data: as :func:`cronbach_alpha`; under ``"listwise"`` the rows complete on *all*
    ``items`` are used for every deletion, as psych does. ``n`` is the number of rows used
    for the full scale.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent, items as numbers, keyed in the same direction.
    items : sequence of str
        The scale's item columns, at least 3 (so that 2 remain).
    nan_policy : {"pairwise", "listwise"}
        Missing-data handling.

    Returns
    -------
    pandas.DataFrame
        One row per deleted item, unrounded: :data:`ITEM_COLUMNS` (``n_items`` = :math:`k-1`).

    Raises
    ------
    TypeError
        If an item is not numeric.
    ValueError
        As :func:`cronbach_alpha`, and if fewer than 3 items are given.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16(3), 297-334. https://doi.org/10.1007/BF02310555

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"q1": [1, 2, 3, 4, 5, 3], "q2": [2, 2, 3, 5, 4, 3],
    ...                      "q3": [1, 3, 3, 4, 5, 2]})
    >>> alpha_if_deleted(data, items=["q1", "q2", "q3"])[["item", "estimate"]]
      item  estimate
    0   q1  0.832370
    1   q2  0.947368
    2   q3  0.908108
    >>> # R: psych::alpha(data)$alpha.drop$raw_alpha
    """
    function = "alpha_if_deleted"
    frame, n = _items(data, items, nan_policy, function, min_items=3)
    cov = _covariance(frame, function)
    k = cov.shape[0]
    estimates = [_alpha(np.delete(np.delete(cov, j, 0), j, 1), function) for j in range(k)]
    return pd.DataFrame(
        {
            "item": list(frame.columns),
            "n_items": k - 1,
            "n": n,
            "estimate": estimates,
            "method": f"raw alpha without the item ({nan_policy} covariances)",
        }
    )[list(ITEM_COLUMNS)]


def item_total_correlations(
    data: pd.DataFrame, *, items: Sequence[str], nan_policy: str = "pairwise"
) -> pd.DataFrame:
    r"""Corrected item-total correlation: each item with the sum of the *other* items.

    .. math::

        r_{j,(-j)} = \frac{\sum_{l \ne j} s_{jl}}
                         {\sqrt{s_j^2 \sum_{l \ne j} \sum_{m \ne j} s_{lm}}}

    computed from the covariance matrix (``psych::alpha``'s ``item.stats$r.drop``, SPSS's
    "Corrected Item-Total Correlation"). Unlike the uncorrected item-total r it does not
    count the item's correlation with itself. Values below about .30 flag weak items
    (Nunnally & Bernstein 1994); a negative value, an item not reverse-keyed.

    Missing data: as :func:`cronbach_alpha` (pairwise covariances by default). ``n`` is the
    item's own number of answers (psych's ``item.stats$n``; under ``"listwise"``, the
    complete rows).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent, items as numbers, keyed in the same direction.
    items : sequence of str
        The scale's item columns, at least 2.
    nan_policy : {"pairwise", "listwise"}
        Missing-data handling.

    Returns
    -------
    pandas.DataFrame
        One row per item, unrounded: :data:`ITEM_COLUMNS` (``n_items`` = :math:`k`).

    Raises
    ------
    TypeError
        If an item is not numeric.
    ValueError
        As :func:`cronbach_alpha`.

    References
    ----------
    Nunnally, J. C., & Bernstein, I. H. (1994). *Psychometric theory* (3rd ed.). McGraw-Hill.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"q1": [1, 2, 3, 4, 5, 3], "q2": [2, 2, 3, 5, 4, 3],
    ...                      "q3": [1, 3, 3, 4, 5, 2]})
    >>> item_total_correlations(data, items=["q1", "q2", "q3"])[["item", "estimate"]]
      item  estimate
    0   q1  0.942264
    1   q2  0.806743
    2   q3  0.854242
    >>> # R: psych::alpha(data)$item.stats$r.drop
    """
    function = "item_total_correlations"
    frame, _ = _items(data, items, nan_policy, function, min_items=2)
    cov = _covariance(frame, function)
    k = cov.shape[0]
    estimates = []
    for j in range(k):
        others = [m for m in range(k) if m != j]
        rest = cov[np.ix_(others, others)].sum()
        estimates.append(cov[j, others].sum() / np.sqrt(cov[j, j] * rest))
    return pd.DataFrame(
        {
            "item": list(frame.columns),
            "n_items": k,
            "n": frame.notna().sum().to_numpy(dtype=np.int64),
            "estimate": estimates,
            "method": f"corrected item-total r (item vs sum of the others, {nan_policy})",
        }
    )[list(ITEM_COLUMNS)]


# --------------------------------------------------------------------------------------------
# Omega


def _minres_one_factor(corr: np.ndarray, items: list[str], function: str) -> np.ndarray:
    """Loadings of the one-factor minres (unweighted least squares) solution of ``corr``.

    Iterated principal axes: put the communalities on the diagonal, take the first
    eigenvector scaled by the root of its eigenvalue, repeat until the communalities stop
    changing. Its fixed point minimizes the sum of squared off-diagonal residuals, the
    minres criterion (Harman & Jones 1966). Starts from the squared multiple correlations;
    communalities are capped at :data:`MAX_COMMUNALITY` on the way, and a solution at the cap
    raises.
    """
    try:
        communalities = 1 - 1 / np.diag(np.linalg.inv(corr))
    except np.linalg.LinAlgError:
        communalities = np.max(np.abs(corr - np.eye(len(corr))), axis=1)
    communalities = np.clip(communalities, 0.0, MAX_COMMUNALITY)
    reduced = corr.copy()
    for _ in range(MINRES_MAX_ITER):
        np.fill_diagonal(reduced, communalities)
        values, vectors = np.linalg.eigh(reduced)
        loadings = vectors[:, -1] * np.sqrt(max(values[-1], 0.0))
        updated = np.minimum(loadings**2, MAX_COMMUNALITY)
        if np.max(np.abs(updated - communalities)) < MINRES_TOLERANCE:
            break
        communalities = updated
    else:
        raise ValueError(
            f"{function}: the one-factor minres solution did not converge in "
            f"{MINRES_MAX_ITER} iterations. The items may not measure one factor."
        )
    if np.any(loadings**2 >= MAX_COMMUNALITY):
        heywood = [items[j] for j in np.flatnonzero(loadings**2 >= MAX_COMMUNALITY)]
        raise ValueError(
            f"{function}: the one-factor solution is improper (Heywood case): items "
            f"{heywood} reach a communality of {MAX_COMMUNALITY} or more (psych::fa's bound). "
            "Check them for near-duplicates or use fewer, more distinct items."
        )
    return loadings


def mcdonald_omega(
    data: pd.DataFrame, *, items: Sequence[str], nan_policy: str = "pairwise"
) -> pd.DataFrame:
    r"""McDonald's omega total from a one-factor minres solution (``psych::omega``'s omega_t).

    The items' correlation matrix :math:`R` is fitted by one factor with minres (unweighted
    least squares, ``psych::fa(fm = "minres")``), giving loadings :math:`\lambda_j` and
    uniquenesses :math:`u_j^2 = 1 - \lambda_j^2`; then

    .. math::

        \omega_t = 1 - \frac{\sum_j u_j^2}{\sum_j \sum_l r_{jl}}

    the share of the variance of the sum of the standardized items that the factor explains,
    as ``psych::omega(x, nfactors = 1, fm = "minres")$omega.tot``. When the one-factor model
    fits exactly this equals :math:`(\sum\lambda)^2 / ((\sum\lambda)^2 + \sum u^2)`, the
    :func:`composite_reliability` of the loadings; with misfit the two differ, because the
    denominator here is the observed, not the model-implied, total variance. It is not
    semTools' ``compRelSEM`` of a CFA (unstandardized, ML) either: report which one you use.

    Assumptions: one common factor (congeneric items: loadings may differ, unlike alpha's
    tau-equivalence), uncorrelated errors, items keyed in the same direction. With 3 items the
    factor model is just identified and fits exactly.

    Missing data: ``"pairwise"`` (``psych::omega``'s default) correlates each pair of items on
    the rows that answered both (Pearson, ``cor(x, use = "pairwise")``); ``"listwise"`` uses
    complete rows only. ``n`` counts the rows that answered at least one item (listwise: the
    complete rows).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent, items as numbers, keyed in the same direction.
    items : sequence of str
        The scale's item columns, at least 3.
    nan_policy : {"pairwise", "listwise"}
        Missing-data handling.

    Returns
    -------
    pandas.DataFrame
        One row, unrounded: :data:`SCALE_COLUMNS`.

    Raises
    ------
    TypeError
        If an item is not numeric.
    ValueError
        As :func:`cronbach_alpha`, if fewer than 3 items are given, or if the one-factor
        solution is improper (a communality of 1 or more) or does not converge.

    References
    ----------
    McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum.

    Revelle, W., & Zinbarg, R. E. (2009). Coefficients alpha, beta, omega, and the glb.
    *Psychometrika*, 74(1), 145-154. https://doi.org/10.1007/s11336-008-9102-z

    Harman, H. H., & Jones, W. H. (1966). Factor analysis by minimizing residuals (minres).
    *Psychometrika*, 31(3), 351-368. https://doi.org/10.1007/BF02289468

    Examples
    --------
    >>> import pandas as pd
    >>> bfi = pd.read_csv("tests/reference/data/bfi_psych.csv", index_col=0)   # psych::bfi
    >>> bfi["A1"] = 7 - bfi["A1"]                                             # reverse-keyed
    >>> omega = mcdonald_omega(bfi, items=["A1", "A2", "A3", "A4", "A5"])
    >>> omega[["n_items", "n", "estimate"]]
       n_items     n  estimate
    0        5  2800  0.722943
    >>> # R: psych::omega(bfi_A, nfactors = 1, fm = "minres")$omega.tot   # 0.722943
    """
    function = "mcdonald_omega"
    frame, n = _items(data, items, nan_policy, function, min_items=3)
    corr = _correlation(frame, function)
    loadings = _minres_one_factor(corr, list(frame.columns), function)
    estimate = 1 - np.sum(1 - loadings**2) / corr.sum()
    method = (
        f"McDonald's omega total: one-factor minres, 1 - sum(u2) / sum(R) (psych::omega "
        f"omega.tot), {nan_policy} correlations"
    )
    return _one_row(SCALE_COLUMNS, n_items=frame.shape[1], n=n, estimate=estimate, method=method)


# --------------------------------------------------------------------------------------------
# From standardized loadings


def _loadings(loadings: Sequence[float] | pd.Series, function: str) -> np.ndarray:
    if isinstance(loadings, str | bytes) or not isinstance(
        loadings, Sequence | pd.Series | np.ndarray
    ):
        raise TypeError(
            f"The 'loadings' parameter of {function} must be a sequence of standardized "
            f"loadings (numbers). Got {type(loadings).__name__}."
        )
    try:
        values = np.asarray(loadings, dtype=float).ravel()
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"The 'loadings' parameter of {function} must hold numbers. Got {list(loadings)}."
        ) from error
    if values.size == 0:
        raise ValueError(f"The 'loadings' parameter of {function} must not be empty.")
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"The 'loadings' parameter of {function} holds missing or infinite values: "
            f"{values.tolist()}. Did the CFA converge?"
        )
    if np.any(np.abs(values) > 1):
        raise ValueError(
            f"The 'loadings' parameter of {function} holds standardized loadings beyond "
            f"+-1: {values.tolist()}. The CFA solution is improper (Heywood case); the "
            "formula needs 1 - loading^2 >= 0."
        )
    return values


def composite_reliability(loadings: Sequence[float] | pd.Series) -> pd.DataFrame:
    r"""Composite reliability (Joreskog's rho_c) from a construct's standardized loadings.

    .. math::

        CR = \frac{(\sum_j \lambda_j)^2}{(\sum_j \lambda_j)^2 + \sum_j (1 - \lambda_j^2)}

    with :math:`\lambda_j` the completely standardized CFA loadings (lavaan's ``std.all``) and
    :math:`1 - \lambda_j^2` the standardized error variances (Fornell & Larcker 1981, eq. 10;
    Joreskog 1971). This is the "CR" of most CFA reports, McDonald's omega of the model-implied
    correlation matrix; semTools' ``compRelSEM`` uses unstandardized parameters and the observed
    total variance and differs (Holzinger-Swineford "visual": .612 vs .626).

    Assumptions: a congeneric measurement model with uncorrelated errors, loadings keyed in
    the same direction (a negative loading lowers CR). A single item with loading 1 (error
    variance fixed to 0) gives 1.

    Parameters
    ----------
    loadings : sequence of float or pandas.Series
        The construct's standardized loadings, each in [-1, 1].

    Returns
    -------
    pandas.DataFrame
        One row, unrounded: :data:`LOADING_COLUMNS`.

    Raises
    ------
    TypeError
        If ``loadings`` is not a sequence of numbers.
    ValueError
        If ``loadings`` is empty, holds NaN, or a loading exceeds 1 in absolute value
        (an improper solution).

    References
    ----------
    Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models with
    unobservable variables and measurement error. *Journal of Marketing Research*, 18(1),
    39-50. https://doi.org/10.1177/002224378101800104

    Joreskog, K. G. (1971). Statistical analysis of sets of congeneric tests.
    *Psychometrika*, 36(2), 109-133. https://doi.org/10.1007/BF02291393

    Examples
    --------
    >>> composite_reliability([0.7719, 0.4236, 0.5811])["estimate"].round(4).tolist()
    [0.6258]
    >>> # R: l <- standardizedSolution(fit); l <- l[l$op == "=~" & l$lhs == "visual", "est.std"]
    >>> #    sum(l)^2 / (sum(l)^2 + sum(1 - l^2))
    """
    values = _loadings(loadings, "composite_reliability")
    total = values.sum() ** 2
    estimate = total / (total + np.sum(1 - values**2))
    return _one_row(
        LOADING_COLUMNS,
        n_items=values.size,
        estimate=estimate,
        method="composite reliability (sum l)^2 / ((sum l)^2 + sum(1 - l^2)), standardized l",
    )


def average_variance_extracted(loadings: Sequence[float] | pd.Series) -> pd.DataFrame:
    r"""Average variance extracted (AVE) from a construct's standardized loadings.

    .. math::

        AVE = \frac{1}{k}\sum_j \lambda_j^2

    the mean share of an item's variance that the construct explains (Fornell & Larcker
    1981, eq. 11, with standardized loadings, whose error variances are :math:`1 -
    \lambda_j^2`). Convergent validity is usually claimed for AVE >= .50, discriminant
    validity when :math:`\sqrt{AVE}` exceeds the construct's correlations with the others.
    semTools' ``AVE()`` uses the observed variances and differs slightly
    (Holzinger-Swineford "visual": .3706 vs .3710).

    Parameters
    ----------
    loadings : sequence of float or pandas.Series
        The construct's standardized loadings (lavaan's ``std.all``), each in [-1, 1].

    Returns
    -------
    pandas.DataFrame
        One row, unrounded: :data:`LOADING_COLUMNS`.

    Raises
    ------
    TypeError
        If ``loadings`` is not a sequence of numbers.
    ValueError
        If ``loadings`` is empty, holds NaN, or a loading exceeds 1 in absolute value.

    References
    ----------
    Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models with
    unobservable variables and measurement error. *Journal of Marketing Research*, 18(1),
    39-50. https://doi.org/10.1177/002224378101800104

    Examples
    --------
    >>> average_variance_extracted([0.7719, 0.4236, 0.5811])["estimate"].round(4).tolist()
    [0.371]
    >>> # R: mean(l^2), l the construct's standardized loadings
    """
    values = _loadings(loadings, "average_variance_extracted")
    return _one_row(
        LOADING_COLUMNS,
        n_items=values.size,
        estimate=float(np.mean(values**2)),
        method="average variance extracted mean(l^2), standardized l",
    )
