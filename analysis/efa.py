"""Factorability (KMO, Bartlett), parallel analysis and exploratory factor analysis of items.

Each function takes the response table first and keyword-only options with the package's
common names (``items``, ``nan_policy``, ``random_state``), and returns tidy, unrounded results
whose ``method`` says how they were computed, including how missing values were handled.

Extraction (minres, ML) and rotation (oblimin, varimax, promax) come from ``factor_analyzer``
0.5.1, which matches R's ``psych`` on complete data (DESIGN §4), wrapped so that its traps cannot
reach a result:

- it median-imputes missing values silently: every fit here is given a correlation matrix
  (``is_corr_matrix=True``) computed under an explicit ``nan_policy`` (listwise deletion,
  pairwise-complete correlations, or an error), so it never sees a missing value;
- its communalities after an oblique rotation are row sums of squared *pattern* loadings, which
  is wrong when the factors correlate: here ``h2 = diag(P Phi P')`` (= the rotation-invariant row
  sums of squared *unrotated* loadings, as ``psych::fa`` reports);
- its ``phi_`` is not permuted when it re-orders the factors: here the rotation is applied with
  ``factor_analyzer.Rotator`` and the signs and order of the factors are applied to the pattern
  loadings and to Phi together;
- it stops its optimizer and its rotations without saying whether they converged: here
  non-convergence and Heywood cases are flagged (``converged``, ``notes``) with an
  :class:`EFAWarning`.

Principal axis factoring (``psych::fa(fm = "pa")``, SPSS's "principal axis factoring") and
principal components (``psych::principal``, SPSS's default) are computed here from the
correlation matrix, exactly as psych does; ``factor_analyzer``'s own "principal" method is a
principal-components fit by (randomized) SVD of the raw data, which is neither.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from factor_analyzer import FactorAnalyzer, Rotator
from scipy import stats
from threadpoolctl import threadpool_limits

from analysis.checks import check_generator

#: How missing values are handled: drop incomplete rows, correlate each pair on the rows where
#: both items are observed, or raise an error if any value is missing.
NAN_POLICIES = ("listwise", "pairwise", "raise")
#: Extraction methods of :func:`efa` (psych's ``fm``; "pc" is ``psych::principal``).
EXTRACTIONS = ("minres", "ml", "pa", "pc")
#: Rotations of :func:`efa` (``None``: the unrotated solution).
ROTATIONS = ("oblimin", "promax", "varimax", None)
#: Maximum iterations of a rotation (GPArotation's ``maxit``; stats::varimax's is 1000 too).
ROTATION_MAX_ITER = 1000
#: Convergence tolerance of a rotation (GPArotation's ``eps``, stats::varimax's ``eps``).
ROTATION_TOL = 1e-5
#: Maximum iterations of principal axis factoring (psych::fa's ``max.iter``).
PA_MAX_ITER = 50
#: Convergence tolerance of principal axis factoring: change in the sum of the communalities
#: (psych::fa's ``min.err``).
PA_MIN_ERR = 0.001
#: Communality at or above which an item is flagged as a Heywood case (1 minus the lower bound
#: 0.005 that psych and factor_analyzer put on the uniquenesses).
HEYWOOD_COMMUNALITY = 0.995
#: Sum of squared (unrotated) loadings below which an extracted factor is empty: all its
#: loadings are below ~0.03, so the data do not support that many factors.
EMPTY_FACTOR_SS = 1e-3
#: Smallest eigenvalue of a correlation matrix below which it is treated as singular.
SINGULAR_EIGENVALUE = 1e-10


class EFAWarning(UserWarning):
    """A result that was computed but should not be trusted as is (non-convergence, Heywood)."""


class _Correlations(NamedTuple):
    """A correlation matrix of items and how it was obtained."""

    matrix: np.ndarray
    items: tuple[str, ...]
    n: int
    missing: str  # how missing values were handled, for the ``method`` column


# ---------------------------------------------------------------- input checks and correlations


def _check_choice(value, choices: Sequence, parameter: str, caller: str) -> None:
    if value not in choices:
        raise ValueError(
            f"The '{parameter}' parameter of {caller} must be one of "
            f"{', '.join(repr(c) for c in choices)}. Got {value!r}."
        )


def _item_values(data, items, caller: str) -> tuple[tuple[str, ...], np.ndarray]:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"The 'data' parameter of {caller} must be a pandas DataFrame. "
            f"Got {type(data).__name__}."
        )
    if items is None:
        items = list(data.columns)
    elif isinstance(items, str) or not isinstance(items, Iterable):
        raise TypeError(
            f"The 'items' parameter of {caller} must be a list of column names. Got {items!r}."
        )
    items = list(items)
    duplicated = sorted({str(i) for i in items if items.count(i) > 1})
    if duplicated:
        raise ValueError(f"The 'items' parameter of {caller} lists {duplicated} more than once.")
    absent = [i for i in items if i not in data.columns]
    if absent:
        raise ValueError(f"Items {absent} are not columns of the data passed to {caller}.")
    if len(items) < 3:
        raise ValueError(
            f"The 'items' parameter of {caller} must name at least 3 items. Got {len(items)}."
        )
    frame = data[items]
    if frame.shape[1] != len(items):
        repeated = sorted({str(c) for c in data.columns if list(data.columns).count(c) > 1})
        raise ValueError(
            f"Columns {repeated} appear more than once in the data passed to {caller}: rename "
            "them so that every item is one column."
        )
    non_numeric = [
        i
        for i in items
        if not pd.api.types.is_numeric_dtype(frame[i]) or pd.api.types.is_bool_dtype(frame[i])
    ]
    if non_numeric:
        raise ValueError(
            f"Items {non_numeric} are not numeric: code the answers as numbers "
            "(analysis.cleaning) or leave these columns out of 'items'."
        )
    values = frame.to_numpy(dtype=float, na_value=np.nan)
    infinite = [i for i, bad in zip(items, np.isinf(values).any(axis=0), strict=True) if bad]
    if infinite:
        raise ValueError(f"Items {infinite} contain infinite values: recode them as missing.")
    empty = [i for i, bad in zip(items, np.isnan(values).all(axis=0), strict=True) if bad]
    if empty:
        raise ValueError(
            f"Items {empty} have no observed values: drop them from 'items' or check the data."
        )
    return tuple(str(i) for i in items), values


def _check_variance(items: tuple[str, ...], values: np.ndarray, rows: str) -> None:
    constant = [i for i, sd in zip(items, np.nanstd(values, axis=0), strict=True) if sd == 0]
    if constant:
        raise ValueError(
            f"Items {constant} are constant (zero variance) in {rows}: their correlations are "
            "undefined; drop them from 'items'."
        )


def _check_positive_definite(corr: _Correlations, caller: str) -> None:
    eigenvalues, eigenvectors = np.linalg.eigh(corr.matrix)
    smallest = eigenvalues[0]
    if smallest > SINGULAR_EIGENVALUE:
        return
    if smallest < -SINGULAR_EIGENVALUE:
        raise ValueError(
            f"The pairwise-complete correlation matrix of the items passed to {caller} is not "
            f"positive definite (smallest eigenvalue {smallest:.3g}): the pairs rest on "
            "different respondents. Use nan_policy='listwise'."
        )
    weights = np.abs(eigenvectors[:, 0])
    involved = [i for i, w in zip(corr.items, weights, strict=True) if w >= 0.1 * weights.max()]
    raise ValueError(
        f"The correlation matrix of the items passed to {caller} is singular (smallest "
        f"eigenvalue {smallest:.3g}): items {involved} are linearly dependent (a duplicated item, "
        "or a sum score among the items); drop the redundant items from 'items'."
    )


def _correlations(data, items, nan_policy: str, caller: str) -> _Correlations:
    """Pearson correlations of ``items`` under ``nan_policy``, checked to be positive definite."""
    _check_choice(nan_policy, NAN_POLICIES, "nan_policy", caller)
    names, values = _item_values(data, items, caller)
    missing = np.isnan(values)
    n_rows, n_items = values.shape
    if nan_policy == "raise" and missing.any():
        counts = {i: int(c) for i, c in zip(names, missing.sum(axis=0), strict=True) if c}
        raise ValueError(
            f"Items have missing values (item: count) {counts} and nan_policy='raise': "
            "use nan_policy='listwise' or 'pairwise', or impute them explicitly first."
        )
    if nan_policy == "pairwise":
        _check_variance(names, values, "their observed values")
        observed = (~missing).astype(float)
        counts = observed.T @ observed
        matrix = pd.DataFrame(values, columns=list(names)).corr().to_numpy(copy=True)
        bad = [(names[a], names[b]) for a, b in np.argwhere(np.isnan(matrix)) if a < b]
        if bad:
            raise ValueError(
                f"The correlations of item pairs {bad} cannot be computed from their "
                "pairwise-complete rows (fewer than 2 joint answers, or no variance in them): "
                "use nan_policy='listwise' or drop one item of each pair."
            )
        n = int(counts[np.triu_indices(n_items, 1)].min())
        how = f"pairwise-complete correlations, n = smallest pairwise count ({n} of {n_rows} rows)"
    else:
        complete = values[~missing.any(axis=1)]
        n = complete.shape[0]
        if n <= n_items:
            raise ValueError(
                f"Listwise deletion left {n} complete rows for {n_items} items; more rows than "
                "items are needed. Use nan_policy='pairwise' or fewer items."
            )
        _check_variance(names, complete, f"the {n} complete rows")
        matrix = np.corrcoef(complete, rowvar=False)
        how = f"listwise deletion ({n} of {n_rows} rows complete)"
    np.fill_diagonal(matrix, 1.0)
    corr = _Correlations(matrix, names, n, how)
    _check_positive_definite(corr, caller)
    return corr


# ---------------------------------------------------------------------------- factorability


def _msa(matrix: np.ndarray) -> tuple[float, np.ndarray]:
    inverse = np.linalg.inv(matrix)
    scale = 1.0 / np.sqrt(np.diag(inverse))
    partial = inverse * np.outer(scale, scale)  # anti-image correlations (up to sign)
    r2, q2 = matrix**2, partial**2
    np.fill_diagonal(r2, 0.0)
    np.fill_diagonal(q2, 0.0)
    overall = r2.sum() / (r2.sum() + q2.sum())
    per_item = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    return float(overall), per_item


def kmo_overall(data: pd.DataFrame, *, items=None, nan_policy: str = "listwise") -> pd.DataFrame:
    r"""Kaiser-Meyer-Olkin measure of sampling adequacy (MSA) of a set of items.

    .. math::

        \mathrm{KMO} = \frac{\sum_{i \ne j} r_{ij}^2}
                            {\sum_{i \ne j} r_{ij}^2 + \sum_{i \ne j} q_{ij}^2}

    where :math:`r_{ij}` are the correlations and :math:`q_{ij}` the partial (anti-image)
    correlations, :math:`q_{ij} = -s_{ij} / \sqrt{s_{ii} s_{jj}}` with :math:`S = R^{-1}`.
    Values near 1 mean the correlations are explained by common factors; Kaiser's labels:
    < .5 unacceptable, .6 mediocre, .7 middling, .8 meritorious, .9 marvelous.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    items : list of str, optional
        The numeric item columns (at least 3). Default: all columns.
    nan_policy : {'listwise', 'pairwise', 'raise'}
        Missing values: drop incomplete rows (default), correlate each pair of items on the rows
        where both are observed (``psych::KMO``'s default on raw data), or raise an error.
        Values are never imputed.

    Returns
    -------
    pandas.DataFrame
        One row: ``estimate`` (the overall MSA), ``n`` (rows used; with pairwise correlations
        the smallest pairwise count) and ``method``.

    Raises
    ------
    ValueError
        If an item is missing, non-numeric, constant or all-missing, if fewer than 3 items are
        given, or if the correlation matrix is singular (e.g. a duplicated item).

    Notes
    -----
    Assumes a positive-definite correlation matrix, which is checked. psych computes the same
    statistic; with ``nan_policy='pairwise'`` it matches ``psych::KMO(x)``, with
    ``'listwise'`` it matches ``psych::KMO(na.omit(x))``.

    References
    ----------
    Kaiser, H. F. (1970). A second generation little jiffy. *Psychometrika*, 35(4), 401-415.
    Kaiser, H. F., & Rice, J. (1974). Little jiffy, mark IV. *Educational and Psychological
    Measurement*, 34(1), 111-117.

    Examples
    --------
    >>> from analysis.config import REPO_ROOT
    >>> bfi = pd.read_csv(REPO_ROOT / "tests/reference/data/bfi_psych.csv", index_col=0)
    >>> items = [f"{trait}{i}" for trait in "ACENO" for i in range(1, 6)]
    >>> result = kmo_overall(bfi, items=items)  # R: psych::KMO(na.omit(bfi[, 1:25]))$MSA
    >>> round(float(result["estimate"].iloc[0]), 4), int(result["n"].iloc[0])
    (0.8486, 2436)
    """
    corr = _correlations(data, items, nan_policy, "kmo_overall")
    overall, _ = _msa(corr.matrix)
    return pd.DataFrame(
        {
            "estimate": [overall],
            "n": [corr.n],
            "method": [f"Kaiser-Meyer-Olkin MSA, overall; {corr.missing}"],
        }
    )


def kmo_items(data: pd.DataFrame, *, items=None, nan_policy: str = "listwise") -> pd.DataFrame:
    r"""Kaiser-Meyer-Olkin measure of sampling adequacy of each item (MSA\ :sub:`i`).

    .. math::

        \mathrm{MSA}_i = \frac{\sum_{j \ne i} r_{ij}^2}
                              {\sum_{j \ne i} r_{ij}^2 + \sum_{j \ne i} q_{ij}^2}

    with :math:`r` the correlations and :math:`q` the partial (anti-image) correlations, as in
    :func:`kmo_overall`. Items with MSA\ :sub:`i` < .5 are candidates for removal.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    items : list of str, optional
        The numeric item columns (at least 3). Default: all columns.
    nan_policy : {'listwise', 'pairwise', 'raise'}
        Missing values, as in :func:`kmo_overall` (never imputed).

    Returns
    -------
    pandas.DataFrame
        One row per item, in the order of ``items``: ``item``, ``estimate``, ``n``, ``method``.

    Raises
    ------
    ValueError
        As :func:`kmo_overall`.

    References
    ----------
    Kaiser, H. F., & Rice, J. (1974). Little jiffy, mark IV. *Educational and Psychological
    Measurement*, 34(1), 111-117.

    Examples
    --------
    >>> from analysis.config import REPO_ROOT
    >>> bfi = pd.read_csv(REPO_ROOT / "tests/reference/data/bfi_psych.csv", index_col=0)
    >>> items = [f"{trait}{i}" for trait in "ACENO" for i in range(1, 6)]
    >>> # R: psych::KMO(bfi[, 1:25])$MSAi (pairwise-complete correlations)
    >>> msa = kmo_items(bfi, items=items, nan_policy="pairwise")
    >>> msa.loc[msa["item"] == "A1", "estimate"].round(4).tolist()
    [0.7447]
    """
    corr = _correlations(data, items, nan_policy, "kmo_items")
    _, per_item = _msa(corr.matrix)
    return pd.DataFrame(
        {
            "item": list(corr.items),
            "estimate": per_item,
            "n": corr.n,
            "method": f"Kaiser-Meyer-Olkin MSA of the item; {corr.missing}",
        }
    )


def bartlett_sphericity(
    data: pd.DataFrame, *, items=None, nan_policy: str = "listwise"
) -> pd.DataFrame:
    r"""Bartlett's test that the items' population correlation matrix is the identity.

    .. math::

        \chi^2 = -\left(n - 1 - \frac{2p + 5}{6}\right) \ln |R|, \qquad
        df = \frac{p (p - 1)}{2}

    with :math:`p` items, :math:`n` respondents and :math:`R` the correlation matrix. A
    significant result means the items are correlated enough to factor; with survey samples of
    a few hundred it is nearly always significant, so read it with :func:`kmo_overall`.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    items : list of str, optional
        The numeric item columns (at least 3). Default: all columns.
    nan_policy : {'listwise', 'pairwise', 'raise'}
        Missing values (never imputed). With ``'pairwise'``, ``n`` is the smallest number of
        respondents who answered both items of a pair, so every correlation rests on at least
        ``n`` answers (conservative). ``psych::cortest.bartlett(x)`` on raw data instead uses
        ``nrow(x)``, counting respondents with missing answers; pass the correlation matrix and
        ``n`` to R to compare.

    Returns
    -------
    pandas.DataFrame
        One row: ``statistic`` (chi-square), ``df``, ``p_val``, ``n``, ``method``.

    Raises
    ------
    ValueError
        As :func:`kmo_overall`.

    Notes
    -----
    Assumes multivariate normal responses; Likert items are not, which inflates the statistic.

    References
    ----------
    Bartlett, M. S. (1951). The effect of standardization on a chi square approximation in
    factor analysis. *Biometrika*, 38(3/4), 337-344.

    Examples
    --------
    >>> from analysis.config import REPO_ROOT
    >>> bfi = pd.read_csv(REPO_ROOT / "tests/reference/data/bfi_psych.csv", index_col=0)
    >>> items = [f"{trait}{i}" for trait in "ACENO" for i in range(1, 6)]
    >>> # R: cc <- na.omit(bfi[, 1:25]); psych::cortest.bartlett(cor(cc), n = nrow(cc))
    >>> test = bartlett_sphericity(bfi, items=items)
    >>> round(float(test["statistic"].iloc[0]), 2), int(test["df"].iloc[0])
    (18146.07, 300)
    """
    corr = _correlations(data, items, nan_policy, "bartlett_sphericity")
    p = len(corr.items)
    _, log_det = np.linalg.slogdet(corr.matrix)
    statistic = -(corr.n - 1 - (2 * p + 5) / 6) * log_det
    df = p * (p - 1) // 2
    return pd.DataFrame(
        {
            "statistic": [statistic],
            "df": [df],
            "p_val": [stats.chi2.sf(statistic, df)],
            "n": [corr.n],
            "method": [f"Bartlett's test of sphericity; {corr.missing}"],
        }
    )


# ------------------------------------------------------------------------- factor extraction


def _fit_factor_analyzer(
    matrix: np.ndarray, n_factors: int, method: str
) -> tuple[np.ndarray, bool]:
    """Unrotated minres/ML loadings from factor_analyzer, and whether its optimizer converged."""
    model = FactorAnalyzer(
        n_factors=n_factors, rotation=None, method=method, is_corr_matrix=True, use_smc=True
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(matrix)
    failures = [str(w.message) for w in caught if "Failed to converge" in str(w.message)]
    return model.loadings_, not failures


def _smc(matrix: np.ndarray) -> np.ndarray:
    return 1.0 - 1.0 / np.diag(np.linalg.inv(matrix))


def _top_eigen(matrix: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    values, vectors = np.linalg.eigh(matrix)
    return values[::-1][:k], vectors[:, ::-1][:, :k]


def _principal_axis(matrix: np.ndarray, n_factors: int) -> tuple[np.ndarray, bool]:
    """Iterated principal axis factoring exactly as ``psych::fa(fm = "pa")`` does it."""
    reduced = matrix.copy()
    np.fill_diagonal(reduced, _smc(matrix))
    total = np.trace(reduced)
    for _ in range(PA_MAX_ITER):
        values, vectors = _top_eigen(reduced, n_factors)
        if values[-1] <= 0:
            raise ValueError(
                f"Principal axis factoring cannot extract {n_factors} factors: the reduced "
                "correlation matrix has fewer positive eigenvalues. Ask for fewer factors."
            )
        loadings = vectors * np.sqrt(values)
        communalities = (loadings**2).sum(axis=1)
        np.fill_diagonal(reduced, communalities)
        change, total = abs(total - communalities.sum()), communalities.sum()
        if change <= PA_MIN_ERR:
            return loadings, True
    return loadings, False


def _extract(matrix: np.ndarray, n_factors: int, extraction: str) -> tuple[np.ndarray, bool]:
    if extraction in ("minres", "ml"):
        loadings, converged = _fit_factor_analyzer(matrix, n_factors, extraction)
    elif extraction == "pa":
        loadings, converged = _principal_axis(matrix, n_factors)
    else:
        values, vectors = _top_eigen(matrix, n_factors)
        loadings, converged = vectors * np.sqrt(values), True
    empty = int(((loadings**2).sum(axis=0) < EMPTY_FACTOR_SS).sum())
    if empty:
        raise ValueError(
            f"The data support fewer than {n_factors} factors: {empty} of the extracted factors "
            f"account for no variance (sum of squared loadings < {EMPTY_FACTOR_SS}; the reduced "
            "correlation matrix has too few positive eigenvalues). Ask for fewer factors."
        )
    return loadings, converged


# ------------------------------------------------------------------------------------ rotation


def _varimax_converged(normalized: np.ndarray, rotation: np.ndarray) -> bool:
    """Whether stats::varimax's stopping rule holds at ``rotation`` (two more iterations)."""
    p = normalized.shape[0]
    criteria = []
    for _ in range(2):
        z = normalized @ rotation
        b = normalized.T @ (z**3 - z * (z**2).sum(axis=0) / p)
        u, singular, vt = np.linalg.svd(b)
        rotation = u @ vt
        criteria.append(singular.sum())
    return bool(criteria[1] < criteria[0] * (1 + ROTATION_TOL))


def _oblimin_converged(unrotated: np.ndarray, rotation: np.ndarray) -> bool:
    """Whether GPArotation's stopping rule (projected gradient norm < eps) holds at ``rotation``."""
    inverse = np.linalg.inv(rotation)
    pattern = unrotated @ inverse.T
    k = pattern.shape[1]
    criterion_gradient = pattern * ((pattern**2) @ (1 - np.eye(k)))
    gradient = -(pattern.T @ criterion_gradient @ inverse).T
    projected = gradient - rotation @ np.diag((rotation * gradient).sum(axis=0))
    return bool(np.sqrt((projected**2).sum()) < ROTATION_TOL)


def _kaiser_normalized(loadings: np.ndarray) -> np.ndarray:
    return loadings / np.sqrt((loadings**2).sum(axis=1, keepdims=True))


def _rotate(loadings: np.ndarray, rotation: str | None) -> tuple[np.ndarray, np.ndarray, bool]:
    """Pattern loadings, factor correlations and convergence of the rotation."""
    k = loadings.shape[1]
    if rotation is None or k == 1:
        return loadings, np.eye(k), True
    options = {"max_iter": ROTATION_MAX_ITER, "tol": ROTATION_TOL}
    if rotation == "oblimin":  # GPArotation::oblimin (gam = 0, no Kaiser normalization)
        rotator = Rotator(method="oblimin", **options)
        pattern = rotator.fit_transform(loadings)
        return pattern, rotator.phi_, _oblimin_converged(loadings, rotator.rotation_)
    normalized = _kaiser_normalized(loadings)
    varimax = Rotator(method="varimax", normalize=False, **options)
    varimax.fit(normalized)
    converged = _varimax_converged(normalized, varimax.rotation_)
    if rotation == "varimax":  # stats::varimax(normalize = TRUE)
        pattern = varimax.loadings_ * np.sqrt((loadings**2).sum(axis=1, keepdims=True))
        return pattern, np.eye(k), converged
    # psych::fa(rotate = "promax"): kaiser(loadings, rotate = "Promax"), power 4
    rotator = Rotator(method="promax", normalize=True, power=4, **options)
    pattern = rotator.fit_transform(loadings)
    return pattern, rotator.phi_, converged


def _explained(pattern: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Variance accounted for by each factor: diag(Phi P'P) (colSums(P^2) if orthogonal)."""
    return np.diag(phi @ pattern.T @ pattern)


def _align(pattern: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Signs: largest absolute loading of each factor positive; order: variance accounted for."""
    largest = pattern[np.abs(pattern).argmax(axis=0), np.arange(pattern.shape[1])]
    signs = np.where(largest < 0, -1.0, 1.0)
    pattern, phi = pattern * signs, phi * np.outer(signs, signs)
    order = np.argsort(-_explained(pattern, phi), kind="stable")
    return pattern[:, order], phi[np.ix_(order, order)]


# ------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class EFAResult:
    """An exploratory factor analysis (see :func:`efa`).

    Attributes
    ----------
    loadings : pandas.DataFrame
        Pattern loadings, one row per item (index ``item``, in the order of ``items``) and one
        column per factor (``F1``, ``F2``, ... ; ``C1``, ... for principal components).
    structure : pandas.DataFrame
        Structure loadings (item-factor correlations), ``loadings @ factor_correlations``; equal
        to ``loadings`` for orthogonal or unrotated solutions.
    communalities : pandas.DataFrame
        Index ``item``; columns ``communality`` (h2 = diag(P Phi P')) and ``uniqueness``
        (1 - h2).
    factor_correlations : pandas.DataFrame
        Phi, factor by factor, in the order and with the signs of ``loadings`` (the identity for
        orthogonal or unrotated solutions).
    variance : pandas.DataFrame
        Index ``factor``; ``ss_loadings`` (colSums(P^2), or diag(Phi P'P) if oblique, as
        psych's ``Vaccounted``), ``proportion_var`` (of the total item variance),
        ``cumulative_var``, ``proportion_explained`` (of the common variance),
        ``cumulative_proportion``.
    n : int
        Respondents used (with pairwise correlations: the smallest pairwise count).
    extraction, rotation, nan_policy : str or None
        The options used; ``rotation`` is ``None`` for one factor (nothing to rotate).
    method : str
        The whole analysis in words.
    converged : bool
        Whether extraction and rotation both converged.
    notes : tuple of str
        Problems found (non-convergence, Heywood cases); each was also issued as an
        :class:`EFAWarning`.
    """

    loadings: pd.DataFrame
    structure: pd.DataFrame
    communalities: pd.DataFrame
    factor_correlations: pd.DataFrame
    variance: pd.DataFrame
    n: int
    extraction: str
    rotation: str | None
    nan_policy: str
    method: str
    converged: bool
    notes: tuple[str, ...]


_EXTRACTION_LABELS = {
    "minres": "minimum residual (minres)",
    "ml": "maximum likelihood",
    "pa": "principal axis",
    "pc": "principal components",
}


def _check_n_factors(n_factors, n_items: int) -> int:
    if not isinstance(n_factors, numbers.Integral) or isinstance(n_factors, bool) or n_factors < 1:
        raise ValueError(
            f"The 'n_factors' parameter of efa must be an integer >= 1. Got {n_factors!r}."
        )
    largest = n_items // 3
    if n_factors > largest:
        raise ValueError(
            f"The 'n_factors' parameter of efa must be at most {largest} for {n_items} items "
            f"(at least 3 items per factor). Got {n_factors}."
        )
    return int(n_factors)


def _variance(pattern: np.ndarray, phi: np.ndarray, names: list[str]) -> pd.DataFrame:
    ss = _explained(pattern, phi)
    proportion = ss / pattern.shape[0]
    explained = ss / ss.sum()
    return pd.DataFrame(
        {
            "ss_loadings": ss,
            "proportion_var": proportion,
            "cumulative_var": np.cumsum(proportion),
            "proportion_explained": explained,
            "cumulative_proportion": np.cumsum(explained),
        },
        index=pd.Index(names, name="factor"),
    )


def efa(
    data: pd.DataFrame,
    *,
    n_factors: int,
    items=None,
    extraction: str = "minres",
    rotation: str | None = "oblimin",
    nan_policy: str = "listwise",
) -> EFAResult:
    r"""Exploratory factor analysis of items: loadings, communalities, Phi, variance explained.

    The common factor model :math:`R = \Lambda \Phi \Lambda' + \Psi` is fitted to the items'
    correlation matrix :math:`R`, then rotated.

    - **Extraction** (``psych::fa``'s ``fm``): ``'minres'`` minimizes the off-diagonal residuals
      :math:`\sum_{i<j} (r_{ij} - \hat r_{ij})^2` (= unweighted least squares); ``'ml'``
      maximizes the normal likelihood; ``'pa'`` iterates principal axes from squared multiple
      correlations until the sum of communalities changes by at most 0.001 (50 iterations at
      most, as psych); ``'pc'`` takes principal components (``psych::principal``; SPSS's
      default, not a factor model: no uniquenesses). minres and ML start from 1 - SMC with
      uniquenesses bounded to [0.005, 1].
    - **Rotation**: ``'oblimin'`` (quartimin, GPArotation, no Kaiser normalization),
      ``'promax'`` (power 4, with Kaiser normalization, as psych's ``rotate = "promax"``),
      ``'varimax'`` (with Kaiser normalization, ``stats::varimax``) or ``None``.
    - **Signs and order**: each factor is reflected so that its largest absolute loading is
      positive (psych instead makes each column sum positive, so psych's signs can differ), and
      the factors are ordered by the variance they account for, :math:`\mathrm{diag}(\Phi P'P)`
      (column sums of squared loadings if orthogonal), as psych 2.2.9 orders them; they are then
      named ``F1``, ``F2``, ... Phi is reflected and re-ordered with them.
    - **Communalities** :math:`h^2 = \mathrm{diag}(P \Phi P')`, which for an oblique rotation
      is not the row sum of squared pattern loadings :math:`P`; it equals the row sums of the
      squared unrotated loadings (rotation does not change it) and psych's ``communality``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    n_factors : int
        Factors to extract: at least 1 and at most a third of the items (3 items per factor).
    items : list of str, optional
        The numeric item columns. Default: all columns.
    extraction : {'minres', 'ml', 'pa', 'pc'}
        Extraction method (above).
    rotation : {'oblimin', 'promax', 'varimax', None}
        Rotation (above). Ignored, and reported as ``None``, for one factor.
    nan_policy : {'listwise', 'pairwise', 'raise'}
        Missing values: fit the correlations of the complete rows (default), fit the
        pairwise-complete correlations (psych's default; ``n`` is then the smallest pairwise
        count), or raise an error. Values are never imputed (factor_analyzer would
        median-impute them).

    Returns
    -------
    EFAResult
        Loadings, structure, communalities, factor correlations, variance explained, ``n``,
        ``method``, ``converged`` and ``notes``.

    Raises
    ------
    ValueError
        Bad options, bad items (missing, non-numeric, constant, all-missing), a singular
        correlation matrix (e.g. a duplicated item), fewer than 3 items per factor, or more
        factors than the data support.

    Warns
    -----
    EFAWarning
        If the extraction or the rotation did not converge (``converged`` is then ``False``) or
        an item's communality is at least 0.995 (a Heywood case). The result is still returned,
        flagged in ``notes``.

    Notes
    -----
    Assumes linear relations among the items (Pearson correlations of Likert items, as in most
    survey EFA and psych's default), and for ``'ml'`` multivariate normality. Agreement with
    psych 2.2.9 on ``psych::bfi`` (tests/test_efa.py): minres and ML loadings, communalities
    and Phi within 4e-6 (both programs' optimizers stop at that precision); principal axis and
    principal components, and each rotation of a given unrotated solution, within 1e-14.

    References
    ----------
    Revelle, W. (2022). *psych: Procedures for Psychological, Psychometric, and Personality
    Research* (version 2.2.9), ``fa``. Northwestern University.
    Harman, H. H., & Jones, W. H. (1966). Factor analysis by minimizing residuals (minres).
    *Psychometrika*, 31(3), 351-368.
    Jennrich, R. I. (2002). A simple general method for oblique rotation. *Psychometrika*, 67,
    7-19. Hendrickson, A. E., & White, P. O. (1964). Promax. *British Journal of Statistical
    Psychology*, 17, 65-70. Kaiser, H. F. (1958). The varimax criterion. *Psychometrika*, 23,
    187-200.

    Examples
    --------
    >>> from analysis.config import REPO_ROOT
    >>> bfi = pd.read_csv(REPO_ROOT / "tests/reference/data/bfi_psych.csv", index_col=0)
    >>> items = [f"{trait}{i}" for trait in "ACENO" for i in range(1, 6)]
    >>> # R: psych::fa(na.omit(bfi[, 1:25]), nfactors = 5, fm = "minres", rotate = "oblimin")
    >>> result = efa(bfi, items=items, n_factors=5)
    >>> result.loadings["F1"].idxmax(), round(float(result.loadings.loc["N1", "F1"]), 3)
    ('N1', 0.832)
    >>> round(float(result.communalities.loc["N1", "communality"]), 3), result.n
    (0.681, 2436)
    """
    _check_choice(extraction, EXTRACTIONS, "extraction", "efa")
    _check_choice(rotation, ROTATIONS, "rotation", "efa")
    corr = _correlations(data, items, nan_policy, "efa")
    k = _check_n_factors(n_factors, len(corr.items))
    rotation = rotation if k > 1 else None

    with threadpool_limits(limits=1, user_api="blas"):  # small matrices: threads only cost
        unrotated, extraction_converged = _extract(corr.matrix, k, extraction)
        pattern, phi, rotation_converged = _rotate(unrotated, rotation)
    pattern, phi = _align(pattern, phi)
    if not (np.isfinite(pattern).all() and np.isfinite(phi).all()):
        raise FloatingPointError(
            "efa produced non-finite loadings or factor correlations; check the items' "
            "correlation matrix."
        )
    communality = np.einsum("ij,jk,ik->i", pattern, phi, pattern)

    notes = []
    if not extraction_converged:
        notes.append(f"The {extraction} extraction did not converge; do not trust the loadings.")
    if not rotation_converged:
        notes.append(f"The {rotation} rotation did not converge in {ROTATION_MAX_ITER} iterations.")
    heywood = [i for i, h in zip(corr.items, communality, strict=True) if h >= HEYWOOD_COMMUNALITY]
    if heywood and extraction != "pc":
        notes.append(
            f"Heywood case: items {heywood} have communality >= {HEYWOOD_COMMUNALITY} (uniqueness "
            "at its bound); too many factors, too few respondents, or a near-duplicate item."
        )
    for note in notes:
        warnings.warn(note, EFAWarning, stacklevel=2)

    prefix = "C" if extraction == "pc" else "F"
    names = [f"{prefix}{j + 1}" for j in range(k)]
    index = pd.Index(list(corr.items), name="item")
    columns = pd.Index(names, name="factor")
    rotation_label = f"{rotation} rotation" if rotation else "unrotated"
    return EFAResult(
        loadings=pd.DataFrame(pattern, index=index, columns=columns),
        structure=pd.DataFrame(pattern @ phi, index=index, columns=columns),
        communalities=pd.DataFrame(
            {"communality": communality, "uniqueness": 1.0 - communality}, index=index
        ),
        factor_correlations=pd.DataFrame(
            phi, index=pd.Index(names, name="factor"), columns=columns
        ),
        variance=_variance(pattern, phi, names),
        n=corr.n,
        extraction=extraction,
        rotation=rotation,
        nan_policy=nan_policy,
        method=(
            f"{k}-factor EFA, {_EXTRACTION_LABELS[extraction]} extraction, {rotation_label}; "
            f"{corr.missing}"
        ),
        converged=extraction_converged and rotation_converged,
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------- parallel analysis


@dataclass(frozen=True)
class ParallelAnalysis:
    """Horn's parallel analysis (see :func:`parallel_analysis`).

    Attributes
    ----------
    eigenvalues : pandas.DataFrame
        One row per factor (component) number: ``factor``, ``observed``, ``simulated_mean``,
        ``simulated_sd``, ``threshold`` (the simulated mean, or the requested quantile) and
        ``retained`` (observed > threshold, for the leading run of factors).
    n_factors : int
        Suggested number of factors (components): the length of the leading run of observed
        eigenvalues above their threshold.
    n : int
        Rows of each simulated data set (the respondents used).
    method : str
        The analysis in words.
    notes : tuple of str
        Problems found (non-converged one-factor fits), also issued as :class:`EFAWarning`.
    """

    eigenvalues: pd.DataFrame
    n_factors: int
    n: int
    method: str
    notes: tuple[str, ...]


def _eigenvalues(matrix: np.ndarray, factors: str) -> tuple[np.ndarray, bool]:
    """Eigenvalues of R ('pc') or of R reduced by a one-factor minres fit ('fa', as psych)."""
    if factors == "pc":
        return np.linalg.eigvalsh(matrix)[::-1], True
    loadings, converged = _fit_factor_analyzer(matrix, 1, "minres")
    reduced = matrix.copy()
    np.fill_diagonal(reduced, (loadings**2).sum(axis=1))
    return np.linalg.eigvalsh(reduced)[::-1], converged


def parallel_analysis(
    data: pd.DataFrame,
    *,
    random_state: np.random.Generator | int,
    items=None,
    factors: str = "fa",
    n_iter: int = 20,
    quantile: float | None = None,
    nan_policy: str = "listwise",
) -> ParallelAnalysis:
    r"""Horn's parallel analysis: how many factors have eigenvalues above those of noise.

    The eigenvalues of the items' correlation matrix are compared, in order, with those of
    ``n_iter`` correlation matrices of independent standard normal data of the same size
    (``n`` rows, ``p`` items). The suggested number is the count of leading observed eigenvalues
    that exceed their threshold: the simulated mean (Horn, 1965; the default, and what
    ``psych::fa.parallel`` actually uses unless ``quant`` is passed explicitly, although its
    help page shows ``quant = .95``) or the simulated ``quantile`` (Glorfeld, 1995: 0.95).

    - ``factors='pc'``: eigenvalues of :math:`R` (principal components).
    - ``factors='fa'``: eigenvalues of :math:`R` with its diagonal replaced by the
      communalities of a one-factor minres fit, as ``psych::fa.parallel``'s factor eigenvalues
      (for the observed and for every simulated matrix).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    random_state : numpy.random.Generator or int
        Source of the simulated data (a seed from ``config/``); required, so that the result is
        reproducible.
    items : list of str, optional
        The numeric item columns (at least 3). Default: all columns.
    factors : {'fa', 'pc'}
        Factor or component eigenvalues (above).
    n_iter : int
        Simulated data sets (psych's default 20; use 100 or more for a stable quantile).
    quantile : float in (0, 1), optional
        Compare with this quantile of the simulated eigenvalues instead of their mean.
    nan_policy : {'listwise', 'pairwise', 'raise'}
        Missing values (never imputed); ``n`` is the complete rows or, pairwise, the smallest
        pairwise count.

    Returns
    -------
    ParallelAnalysis
        The eigenvalue table, the suggested ``n_factors``, ``n``, ``method`` and ``notes``.

    Raises
    ------
    ValueError
        Bad options or items, as :func:`efa`.

    Notes
    -----
    psych also resamples the observed data (``pc.simr``/``fa.simr``); only the normal
    simulation, which psych compares with, is done here. The simulated values are random:
    they agree with psych's in distribution, not digit for digit.

    References
    ----------
    Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis.
    *Psychometrika*, 30(2), 179-185.
    Glorfeld, L. W. (1995). An improvement on Horn's parallel analysis methodology for selecting
    the correct number of factors to retain. *Educational and Psychological Measurement*, 55(3),
    377-393.

    Examples
    --------
    >>> from analysis.config import REPO_ROOT
    >>> bfi = pd.read_csv(REPO_ROOT / "tests/reference/data/bfi_psych.csv", index_col=0)
    >>> items = [f"{trait}{i}" for trait in "ACENO" for i in range(1, 6)]
    >>> # R: psych::fa.parallel(na.omit(bfi[, 1:25]), fm = "minres", fa = "pc")$ncomp
    >>> parallel_analysis(bfi, items=items, factors="pc", random_state=1).n_factors
    5
    """
    _check_choice(factors, ("fa", "pc"), "factors", "parallel_analysis")
    if not isinstance(n_iter, numbers.Integral) or isinstance(n_iter, bool) or n_iter < 2:
        raise ValueError(
            f"The 'n_iter' parameter of parallel_analysis must be an integer >= 2. Got {n_iter!r}."
        )
    if quantile is not None and not (
        isinstance(quantile, numbers.Real) and not isinstance(quantile, bool) and 0 < quantile < 1
    ):
        raise ValueError(
            "The 'quantile' parameter of parallel_analysis must be None (the simulated mean) or "
            f"a float in (0, 1). Got {quantile!r}."
        )
    rng = check_generator(random_state, "parallel_analysis")
    corr = _correlations(data, items, nan_policy, "parallel_analysis")
    p = len(corr.items)

    simulated = np.empty((n_iter, p))
    with threadpool_limits(limits=1, user_api="blas"):  # small matrices: threads only cost
        observed, converged = _eigenvalues(corr.matrix, factors)
        failures = 0 if converged else 1
        for i in range(n_iter):
            noise = np.corrcoef(rng.standard_normal((corr.n, p)), rowvar=False)
            simulated[i], converged = _eigenvalues(noise, factors)
            failures += not converged
    mean = simulated.mean(axis=0)
    threshold = mean if quantile is None else np.quantile(simulated, quantile, axis=0)
    retained = np.logical_and.accumulate(observed > threshold)

    notes = []
    if failures:
        notes.append(
            f"{failures} of the {n_iter + 1} one-factor minres fits did not converge; their "
            "factor eigenvalues are approximate."
        )
    for note in notes:
        warnings.warn(note, EFAWarning, stacklevel=2)
    kind = "factor (one-factor minres reduced R)" if factors == "fa" else "component"
    criterion = "simulated mean" if quantile is None else f"simulated {quantile:g} quantile"
    return ParallelAnalysis(
        eigenvalues=pd.DataFrame(
            {
                "factor": np.arange(1, p + 1),
                "observed": observed,
                "simulated_mean": mean,
                "simulated_sd": simulated.std(axis=0, ddof=1),
                "threshold": threshold,
                "retained": retained,
            }
        ),
        n_factors=int(retained.sum()),
        n=corr.n,
        method=(
            f"Parallel analysis of {kind} eigenvalues vs the {criterion} of {n_iter} normal "
            f"simulations of {corr.n} x {p}; {corr.missing}"
        ),
        notes=tuple(notes),
    )
