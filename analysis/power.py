"""Power and sample size by Monte Carlo simulation from the population model.

For a student adapting the study: how many completed questionnaires does the structural model
need? The answer is simulated (Muthén & Muthén, 2002): draw ``R`` surveys of ``n`` respondents
from the population model (``survey/population.yaml``) for every ``n`` of a grid, analyse each
exactly as the study does, and count how often each effect is significant.

- :func:`study_model`: one replication draws ``n`` respondents as a survey records them
  (:func:`analysis.synthetic.synthetic_responses`: careless respondents, item nonresponse),
  screens them with the study's rules, keys the items as notebook 05 does
  (:func:`analysis.semmodel.keyed_items`), fits the CB-SEM (:func:`analysis.sem.fit_cbsem`,
  listwise deletion) and tests every structural path (Wald z of the standardized path) and every
  specific indirect effect (every route of two or more paths) by the joint-significance test.
- :func:`single_path_model`: a known case, one standardized path ``y = beta x + e`` tested by
  OLS, whose exact power is :func:`analytic_power_single_path`.
- :func:`simulate` runs any :class:`PowerModel` over a range of replications; replication
  ``r`` at sample size ``n`` draws from its own generator, seeded by
  :func:`replication_seed` ``(seed, n, r)``, so its result never depends on how the
  replications are split into jobs. :func:`run_chunk` is one job of the Snakemake workflow
  (``workflow/power.smk``); :func:`aggregate` reads the jobs' files into the power table
  (:func:`power_table`), sorted so that its bytes are the same however the work was split;
  :func:`smallest_n` and :func:`plot_power_curves` read the table.

The command line: ``python -m analysis power`` runs the workflow (:func:`add_commands`);
``python -m analysis.power chunk|aggregate`` are the workflow's two steps. ``docs/power.md``
explains the outputs and how to run the workflow on a cluster.

The modules of the structural model, SciPy's distributions and Matplotlib are imported where
they are used: a job of the single-path model then starts in about a second.

References
----------
Fritz, M. S., & MacKinnon, D. P. (2007). Required sample size to detect the mediated effect.
*Psychological Science*, 18(3), 233-239.
Muthén, L. K., & Muthén, B. O. (2002). How to use a Monte Carlo study to decide on sample size
and determine power. *Structural Equation Modeling*, 9(4), 599-620.
"""

from __future__ import annotations

import argparse
import json
import math
import numbers
import os
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
from scipy.special import stdtr
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from analysis.config import (
    DEFAULT_CONFIG,
    REPO_ROOT,
    ConfigError,
    display_path,
    read_yaml_mapping,
    resolve,
)
from analysis.files import atomic_output, write_csv

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: The configuration of the power workflow.
DEFAULT_POWER_CONFIG = REPO_ROOT / "config" / "power.yaml"
#: The Snakemake workflow.
WORKFLOW = REPO_ROOT / "workflow" / "power.smk"
#: The models the workflow simulates (``model`` in the configuration).
MODELS = ("study", "single_path")
#: Smallest sample size of the grid.
MIN_N = 10
#: Test of a structural path of the study's model.
PATH_TEST = "Wald z test of the standardized path (delta-method SE), two-sided"
#: Test of a specific indirect effect of the study's model.
JOINT_TEST = (
    "joint significance test: every path of the route significant (Fritz & MacKinnon, 2007)"
)
#: Test of the single path.
OLS_TEST = "OLS t test of the slope (df = n - 2), two-sided"
#: The test of each (model, kind of effect).
TESTS = {
    ("study", "path"): PATH_TEST,
    ("study", "indirect"): JOINT_TEST,
    ("single_path", "path"): OLS_TEST,
}
#: Columns of a chunk file (:func:`run_chunk`): one row per replication and effect.
CHUNK_COLUMNS = (
    "model",
    "n",
    "replication",
    "effect_index",
    "kind",
    "effect",
    "population_value",
    "estimate",
    "p_val",
    "significant",
    "failure",
    "n_analysed",
)
_TEXT_COLUMNS = ("model", "kind", "effect", "failure")
#: Columns of the power table (:func:`power_table`).
POWER_COLUMNS = (
    "n",
    "kind",
    "effect",
    "test",
    "population_value",
    "power",
    "mc_se",
    "replications",
    "significant",
    "failures",
    "failure_rate",
    "mean_estimate",
    "mean_n_analysed",
)
#: Names of the files :func:`write_results` writes into the output folder.
OUTPUT_FILES = {
    "table": "power_table.csv",
    "smallest_n": "smallest_n.csv",
    "figure": "power_curves.png",
    "summary": "power_summary.md",
}
#: Seconds between updates of a chunk's progress bar (each is a line in a cluster job's log).
PROGRESS_INTERVAL = 5.0
#: Resolution of the power-curve figure (the results store's figures use the same).
FIGURE_DPI = 200


# --------------------------------------------------------------------------------------------
# Models


class Replication(NamedTuple):
    """What one replication of a model gives, one entry per effect of the model.

    Attributes
    ----------
    estimate : numpy.ndarray
        The estimate of each effect (NaN when the fit failed).
    p_val : numpy.ndarray
        The p value of each effect's test (NaN when the fit failed); for an indirect effect
        tested jointly, the largest p value of its paths.
    n_analysed : int
        Respondents the estimation used (after screening and listwise deletion).
    failure : str or None
        None when the estimates are usable; otherwise why not (``"not converged"``,
        ``"improper: ..."``, ``"estimation failed: ..."``).
    """

    estimate: np.ndarray
    p_val: np.ndarray
    n_analysed: int
    failure: str | None


@dataclass(frozen=True)
class PowerModel:
    """A model :func:`simulate` can run.

    Attributes
    ----------
    name : str
        Its name (``model`` of the chunk rows; one of :data:`MODELS` for the workflow).
    effects : pandas.DataFrame
        One row per effect, in the order of :attr:`Replication.estimate`: ``kind``
        (``"path"`` or ``"indirect"``), ``effect`` (``"a -> b"`` or the route
        ``"a -> m -> b"``), ``population_value`` (the effect in the population model).
    replicate : callable
        ``replicate(n, rng) -> Replication``: one simulated study of ``n`` respondents drawn
        with the generator ``rng`` (and nothing else random).
    """

    name: str
    effects: pd.DataFrame
    replicate: Callable[[int, np.random.Generator], Replication] = field(repr=False)


def _check_beta(beta: Any, function: str) -> float:
    if isinstance(beta, numbers.Real) and not isinstance(beta, bool) and -1 < beta < 1:
        return float(beta)
    raise ValueError(
        f"The 'beta' parameter of {function} must be a number in (-1, 1) (a standardized "
        f"path). Got {beta!r}."
    )


def _check_n(n: Any, function: str, minimum: int) -> int:
    if isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= minimum:
        return int(n)
    raise ValueError(f"The 'n' parameter of {function} must be an integer >= {minimum}. Got {n!r}.")


def _check_probability(value: Any, name: str, function: str) -> float:
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 < value < 1:
        return float(value)
    raise ValueError(
        f"The '{name}' parameter of {function} must be a number in (0, 1). Got {value!r}."
    )


def single_path_model(beta: float) -> PowerModel:
    """The known case: one standardized path ``y = beta x + e``, tested by OLS.

    ``x`` and ``e`` are independent standard normal and ``var(e) = 1 - beta^2``, so ``x`` and
    ``y`` have variance 1 and ``beta`` is their correlation. A replication regresses ``y`` on
    ``x`` (with an intercept) and records the slope and the two-sided p value of its t test
    (``df = n - 2``). The power of this test is known exactly
    (:func:`analytic_power_single_path`), which is how the simulation engine is checked.

    Parameters
    ----------
    beta : float
        The standardized path, in (-1, 1).

    Returns
    -------
    PowerModel
        One effect, ``"x -> y"`` of kind ``"path"``.

    Examples
    --------
    >>> model = single_path_model(0.3)
    >>> result = model.replicate(84, np.random.default_rng(1))
    >>> bool(0 < result.p_val[0] < 1), result.n_analysed, result.failure
    (True, 84, None)
    """
    beta = _check_beta(beta, "single_path_model")
    residual_sd = math.sqrt(1 - beta**2)

    def replicate(n: int, rng: np.random.Generator) -> Replication:
        x = rng.standard_normal(n)
        y = beta * x + residual_sd * rng.standard_normal(n)
        dx, dy = x - x.mean(), y - y.mean()
        sxx = dx @ dx
        slope = (dx @ dy) / sxx
        residual = dy - slope * dx
        se = math.sqrt((residual @ residual) / (n - 2) / sxx)
        p_val = 2 * stdtr(n - 2, -abs(slope / se))
        return Replication(np.array([slope]), np.array([p_val]), n, None)

    effects = pd.DataFrame({"kind": ["path"], "effect": ["x -> y"], "population_value": [beta]})
    return PowerModel("single_path", effects, replicate)


def _fit_failure(error: Exception) -> str:
    """A short, deterministic reason for a failed fit (the message's first sentence)."""
    first = str(error).split(". ")[0].split(": ")[0]
    return f"estimation failed: {first[:120]}"


def study_model(study_config: str | Path = DEFAULT_CONFIG) -> PowerModel:
    """The study's structural model, simulated and analysed as the study does.

    One replication with ``n`` respondents:

    1. draws ``n`` survey responses from the population model
       (:func:`analysis.synthetic.synthetic_responses`: careless respondents, item
       nonresponse, the answers cut into scale points);
    2. screens them with the rules and thresholds of ``study_config``
       (:func:`analysis.screening.screen_responses`, as the study's ``clean`` step);
    3. keys the model's items (:func:`analysis.semmodel.keyed_items` of
       :func:`analysis.semmodel.model_items`, as notebook 05) and fits the CB-SEM
       (:func:`analysis.sem.fit_cbsem`: ML, rows with a missing item dropped);
    4. records each structural path's standardized estimate and Wald p value
       (:func:`analysis.sem.structural_paths`) and, for every specific indirect effect (a route
       of two or more paths, as :func:`analysis.sem.indirect_effects` defines them), the
       product of its paths and the largest p value of its paths: the route is significant by
       the joint-significance test when every path on it is (Fritz & MacKinnon, 2007). The
       bootstrap the study uses for its intervals is too slow to repeat thousands of times; in
       Fritz & MacKinnon's simulations the joint test's power was close to (a little below)
       the bias-corrected bootstrap's.

    A fit that does not converge, cannot be estimated (e.g. fewer complete rows than items) or
    is improper (:func:`analysis.cfa.improper_solution_checks`) is a failure: all its effects
    count as not significant.

    ``n`` is the number of questionnaires collected; ``n_analysed`` the complete, screened rows
    the model was fitted to (about 62% of ``n`` with the shipped population model: 5% careless
    respondents, 1% item nonresponse over 40 items).

    Parameters
    ----------
    study_config : str or Path, default ``config/config.yaml``
        The study's configuration: its instrument, population model and screening are used.

    Returns
    -------
    PowerModel
        The paths (kind ``"path"``, in the instrument's order), then the specific indirect
        effects (kind ``"indirect"``); ``population_value`` is the coefficient of
        ``survey/population.yaml`` (within bank type) or the product of them along a route.

    Examples
    --------
    >>> model = study_model()
    >>> model.effects["kind"].value_counts().to_dict()
    {'indirect': 58, 'path': 19}
    >>> result = model.replicate(300, np.random.default_rng(1))
    >>> result.failure, len(result.estimate)
    (None, 77)
    """
    from analysis import sem
    from analysis.config import load_config
    from analysis.instrument import load_instrument, load_population
    from analysis.screening import screen_responses
    from analysis.semmodel import keyed_items, model_items, sem_specification
    from analysis.synthetic import synthetic_responses

    run = load_config(study_config)
    instrument = load_instrument(resolve(run.survey.instrument))
    population = load_population(resolve(run.survey.population), instrument)
    spec = sem_specification(instrument)
    routes = [e for e in sem._effects(spec) if e.effect == "specific indirect"]
    route_paths = [list(e.routes[0]) for e in routes]
    coefficients = np.array([population.paths[path] for path in spec.paths])
    items = model_items(instrument)
    rules, thresholds = run.screening.rules, run.screening.thresholds()
    screening = {"thresholds": thresholds} | ({} if rules is None else {"rules": rules})
    effects = pd.DataFrame(
        {
            "kind": ["path"] * len(spec.paths) + ["indirect"] * len(routes),
            "effect": [f"{a} -> {b}" for a, b in spec.paths] + [e.path for e in routes],
            "population_value": [
                *coefficients,
                *(float(np.prod(coefficients[r])) for r in route_paths),
            ],
        }
    )
    size = len(effects)

    def replicate(n: int, rng: np.random.Generator) -> Replication:
        responses = synthetic_responses(instrument, population, n=n, random_state=rng)
        kept = screen_responses(responses, instrument, **screening).kept
        keyed = keyed_items(kept, instrument, items)
        n_analysed = int(keyed.notna().all(axis=1).sum())
        failed = Replication(np.full(size, np.nan), np.full(size, np.nan), n_analysed, None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fit = sem.fit_cbsem(keyed, spec)
            except sem.SemConvergenceError:
                return failed._replace(failure="not converged")
            except (ValueError, np.linalg.LinAlgError) as error:
                return failed._replace(failure=_fit_failure(error))
            paths = sem.structural_paths(fit)
        if fit.improper:
            return failed._replace(failure=fit.status)
        estimate, p_val = paths["estimate"].to_numpy(), paths["p_val"].to_numpy()
        return Replication(
            np.concatenate([estimate, [np.prod(estimate[r]) for r in route_paths]]),
            np.concatenate([p_val, [np.max(p_val[r]) for r in route_paths]]),
            n_analysed,
            None,
        )

    return PowerModel("study", effects, replicate)


def power_model(
    name: str, *, study_config: str | Path = DEFAULT_CONFIG, single_path_beta: float = 0.3
) -> PowerModel:
    """The model called ``name`` (one of :data:`MODELS`).

    Examples
    --------
    >>> power_model("single_path", single_path_beta=0.2).effects["population_value"].tolist()
    [0.2]
    """
    if name == "study":
        return study_model(study_config)
    if name == "single_path":
        return single_path_model(single_path_beta)
    raise ValueError(
        f"The 'name' parameter of power_model must be one of {list(MODELS)}. Got {name!r}."
    )


# --------------------------------------------------------------------------------------------
# Analytic power of the known case


def analytic_power_single_path(beta: float, n: int, *, alpha: float = 0.05) -> float:
    """Exact power of the two-sided OLS t test of one standardized path with normal ``x``.

    For ``y = beta x + e`` with ``x ~ N(0, 1)``, ``e ~ N(0, 1 - beta^2)``, the slope's t
    statistic given ``x`` follows the noncentral t distribution with ``df = n - 2`` and
    noncentrality ``delta = beta / sqrt(1 - beta^2) * sqrt(S_xx)``, where
    ``S_xx = sum (x_i - mean x)^2 ~ chi-square(n - 1)``. The power is the rejection probability
    averaged over ``S_xx``:

    .. math::

        1 - \\beta_{II} = \\int_0^\\infty \\left[ P(T_{n-2,\\delta(s)} > c)
        + P(T_{n-2,\\delta(s)} < -c) \\right] f_{\\chi^2_{n-1}}(s) \\, ds,
        \\quad c = t_{n-2, 1-\\alpha/2},

    computed by adaptive quadrature (:func:`scipy.integrate.quad`) over the central
    ``1 - 2e-15`` of the chi-square distribution. As the slope's t statistic equals
    ``r sqrt(n - 2) / sqrt(1 - r^2)``, this is also the exact power of the test of a
    correlation ``rho = beta`` in a bivariate normal population (G*Power's "exact" bivariate
    normal model). The fixed-``x`` approximation ``delta = sqrt(n) beta / sqrt(1 - beta^2)``
    (G*Power's regression "fixed model") is slightly higher for small ``n``.

    Parameters
    ----------
    beta : float
        The standardized path (the correlation of x and y), in (-1, 1).
    n : int
        Sample size, >= 3.
    alpha : float, default 0.05
        Significance level, in (0, 1).

    Returns
    -------
    float
        The power; ``alpha`` when ``beta = 0``.

    References
    ----------
    Cohen, J. (1988). *Statistical power analysis for the behavioral sciences* (2nd ed.),
    chapter 3. Erlbaum.

    Examples
    --------
    >>> round(analytic_power_single_path(0.3, 84), 4)
    0.8003
    >>> # R, approximated through Fisher's z: pwr::pwr.r.test(n = 84, r = 0.3)$power
    """
    from scipy import integrate, stats

    function = "analytic_power_single_path"
    beta = abs(_check_beta(beta, function))
    n = _check_n(n, function, 3)
    alpha = _check_probability(alpha, "alpha", function)
    df = n - 2
    critical = stats.t.isf(alpha / 2, df)
    scale = beta / math.sqrt(1 - beta**2)
    s_xx = stats.chi2(n - 1)

    def rejection(s: float) -> float:
        delta = scale * math.sqrt(s)
        # sf at -delta rather than cdf at -c: the same number, without SciPy's NaN far in the
        # lower tail for large noncentrality.
        tails = stats.nct.sf(critical, df, delta) + stats.nct.sf(critical, df, -delta)
        return tails * s_xx.pdf(s)

    low, high = s_xx.ppf(1e-15), s_xx.isf(1e-15)
    value, _ = integrate.quad(rejection, low, high, epsabs=1e-12, epsrel=1e-10, limit=200)
    return float(min(value, 1.0))


# --------------------------------------------------------------------------------------------
# The simulation engine


def replication_seed(seed: int, n: int, replication: int) -> np.random.SeedSequence:
    """The seed of replication ``replication`` at sample size ``n``.

    ``SeedSequence(seed, spawn_key=(n, replication))``: independent streams for every
    (n, replication) that depend on nothing else, so a replication gives the same result in
    whichever job, chunk or order it runs.

    Examples
    --------
    >>> a = np.random.default_rng(replication_seed(7, 100, 3)).random()
    >>> b = np.random.default_rng(replication_seed(7, 100, 3)).random()
    >>> a == b
    True
    """
    return np.random.SeedSequence(seed, spawn_key=(n, replication))


def _check_seed(seed: Any, function: str) -> int:
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0:
        return int(seed)
    raise ValueError(
        f"The 'seed' parameter of {function} must be a non-negative integer. Got {seed!r}."
    )


def _check_replications(replications: Any, function: str) -> range:
    if (
        isinstance(replications, range)
        and replications.step == 1
        and 0 <= replications.start < replications.stop
    ):
        return replications
    raise ValueError(
        f"The 'replications' parameter of {function} must be a non-empty range of "
        f"non-negative replication numbers with step 1, such as range(0, 50). "
        f"Got {replications!r}."
    )


def simulate(
    model: PowerModel,
    *,
    n: int,
    replications: range,
    seed: int,
    alpha: float = 0.05,
    progress: bool = True,
) -> pd.DataFrame:
    """Run replications of a model at one sample size: one row per replication and effect.

    Replication ``r`` draws from ``numpy.random.default_rng(replication_seed(seed, n, r))``
    and runs on one BLAS thread, so its rows are the same whatever other replications run with
    it, in this process or another. An effect is significant when the replication did not fail
    and its p value is below ``alpha``.

    Parameters
    ----------
    model : PowerModel
        The model (:func:`study_model`, :func:`single_path_model`, or your own).
    n : int
        Sample size, >= 3.
    replications : range
        The replication numbers to run, e.g. ``range(0, 500)``.
    seed : int
        The root seed, >= 0.
    alpha : float, default 0.05
        Significance level, in (0, 1).
    progress : bool, default True
        Show a progress bar with the time left (tqdm, on stderr).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CHUNK_COLUMNS`, rows by replication, then effect: ``effect_index`` is
        the effect's row in ``model.effects``; ``failure`` is empty when the fit was usable.

    Examples
    --------
    >>> rows = simulate(
    ...     single_path_model(0.3), n=84, replications=range(200), seed=1, progress=False
    ... )
    >>> float(rows["significant"].mean())
    0.765
    """
    function = "simulate"
    n = _check_n(n, function, 3)
    replications = _check_replications(replications, function)
    seed = _check_seed(seed, function)
    alpha = _check_probability(alpha, "alpha", function)
    results = []
    bar = tqdm(
        replications,
        disable=not progress,
        unit="rep",
        mininterval=PROGRESS_INTERVAL,
        desc=f"{model.name} n={n} reps {replications.start}-{replications.stop - 1}",
        file=sys.stderr,
    )
    with threadpool_limits(1), np.errstate(all="ignore"):
        for r in bar:
            results.append(model.replicate(n, np.random.default_rng(replication_seed(seed, n, r))))
    return _rows(model, n, replications, results, alpha)


def _rows(
    model: PowerModel, n: int, replications: range, results: list[Replication], alpha: float
) -> pd.DataFrame:
    """The tidy rows of a list of replications (see :func:`simulate`)."""
    k, count = len(model.effects), len(results)
    p_val = np.concatenate([r.p_val for r in results])
    failure = np.repeat([r.failure or "" for r in results], k)
    return pd.DataFrame(
        {
            "model": model.name,
            "n": n,
            "replication": np.repeat(np.asarray(replications, dtype=np.int64), k),
            "effect_index": np.tile(np.arange(k), count),
            "kind": np.tile(model.effects["kind"].to_numpy(), count),
            "effect": np.tile(model.effects["effect"].to_numpy(), count),
            "population_value": np.tile(model.effects["population_value"].to_numpy(), count),
            "estimate": np.concatenate([r.estimate for r in results]),
            "p_val": p_val,
            "significant": (failure == "") & (p_val < alpha),
            "failure": failure,
            "n_analysed": np.repeat([r.n_analysed for r in results], k).astype(np.int64),
        },
        columns=list(CHUNK_COLUMNS),
    )


def run_chunk(
    model_name: str,
    n: int,
    replications: range,
    seed: int,
    alpha: float = 0.05,
    *,
    study_config: str | Path = DEFAULT_CONFIG,
    single_path_beta: float = 0.3,
    progress: bool = True,
) -> pd.DataFrame:
    """One job of the workflow: replications ``replications`` of a named model at size ``n``.

    :func:`simulate` of :func:`power_model` ``(model_name, ...)``; the workflow writes the
    result as ``chunks/n{n}_c{chunk}.csv``.

    Parameters
    ----------
    model_name : {"study", "single_path"}
        The model.
    n, replications, seed, alpha, progress
        As :func:`simulate`.
    study_config : str or Path
        The study's configuration (``model_name="study"``).
    single_path_beta : float
        The path of the single-path model.

    Returns
    -------
    pandas.DataFrame
        As :func:`simulate`.

    Examples
    --------
    >>> first = run_chunk("single_path", 50, range(0, 4), 1, progress=False)
    >>> again = run_chunk("single_path", 50, range(2, 4), 1, progress=False)
    >>> first.iloc[2:].reset_index(drop=True).equals(again)
    True
    """
    model = power_model(model_name, study_config=study_config, single_path_beta=single_path_beta)
    return simulate(
        model, n=n, replications=replications, seed=seed, alpha=alpha, progress=progress
    )


# --------------------------------------------------------------------------------------------
# Aggregation


def read_chunks(chunk_files: Sequence[str | Path]) -> pd.DataFrame:
    """The rows of chunk files, in a fixed order: by n, effect, replication.

    Raises
    ------
    ValueError
        If no file is given, a file lacks a column of :data:`CHUNK_COLUMNS`, or a replication
        of an effect appears twice (the same chunk given twice, or chunks that overlap).
    """
    if not chunk_files:
        raise ValueError("The 'chunk_files' parameter of read_chunks is empty: give chunk files.")
    frames = []
    for path in chunk_files:
        # Text columns as written (an empty failure is "", not NaN); numbers as usual.
        frame = pd.read_csv(path, converters=dict.fromkeys(_TEXT_COLUMNS, str))
        missing = [c for c in CHUNK_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(
                f"{display_path(path)} lacks columns {missing}: it is not a chunk file of "
                "analysis.power (rerun the workflow to remake it)."
            )
        frames.append(frame[list(CHUNK_COLUMNS)])
    rows = pd.concat(frames, ignore_index=True)
    keys = ["n", "effect_index", "replication"]
    duplicated = rows[rows.duplicated(keys)]
    if len(duplicated):
        first = duplicated.iloc[0]
        raise ValueError(
            f"Replication {first['replication']} of n = {first['n']} is in more than one chunk "
            "file: give each chunk once (chunks of different chunk sizes overlap; delete the "
            "output folder's chunks/ and rerun)."
        )
    return rows.sort_values(keys, kind="stable").reset_index(drop=True)


def _check_complete(rows: pd.DataFrame, replications: int | None) -> None:
    for n, group in rows.groupby("n"):
        found = np.unique(group["replication"].to_numpy())
        wanted = replications if replications is not None else int(found.max()) + 1
        missing = sorted(set(range(wanted)) - set(found.tolist()))
        extra = found[found >= wanted].tolist()
        if missing or extra:
            raise ValueError(
                f"The chunk files of n = {n} should hold replications 0..{wanted - 1}; "
                f"{_listed(missing)} missing and {_listed(extra)} beyond. Give every chunk "
                "file of the run (rerun the workflow to remake missing ones)."
            )


def _listed(values: list[int]) -> str:
    """How many, and the first five: ``"7 (10, 11, 12, 13, 14 and 2 more)"``."""
    if not values:
        return "0"
    first = ", ".join(map(str, values[:5]))
    more = f" and {len(values) - 5} more" if len(values) > 5 else ""
    return f"{len(values)} ({first}{more})"


def power_table(rows: pd.DataFrame, *, replications: int | None = None) -> pd.DataFrame:
    """Power of every effect at every sample size, from the rows of :func:`simulate`.

    - ``power``: the share of all ``R`` replications in which the effect was significant;
      failed replications (not converged, not estimable, improper) count as not significant,
      so failures lower the power as they would lower a real study's chances;
    - ``mc_se``: its Monte Carlo standard error ``sqrt(power (1 - power) / R)`` (the binomial
      SE; a 95% interval for the true power is about ``power +/- 2 mc_se``);
    - ``failures`` and ``failure_rate``: failed replications, and their share of ``R``;
    - ``mean_estimate``: the mean estimate over the usable replications (compare with
      ``population_value``: the difference is the bias of the estimator at this ``n``);
    - ``mean_n_analysed``: the mean number of respondents the estimation used.

    Parameters
    ----------
    rows : pandas.DataFrame
        Rows with the columns :data:`CHUNK_COLUMNS` (:func:`simulate`, :func:`read_chunks`).
    replications : int, optional
        The replications each sample size must have (``0 .. replications - 1``, each once);
        by default, whatever is there must be ``0 .. max``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`POWER_COLUMNS`, by n, then effect in the model's order.

    Raises
    ------
    ValueError
        If a sample size has missing or repeated replications.

    Examples
    --------
    >>> rows = simulate(
    ...     single_path_model(0.3), n=84, replications=range(200), seed=1, progress=False
    ... )
    >>> power_table(rows)[["n", "effect", "power", "replications", "failures"]]
        n  effect  power  replications  failures
    0  84  x -> y  0.765           200         0
    """
    keys = ["n", "effect_index", "replication"]
    if rows.duplicated(keys).any():
        raise ValueError(
            "The 'rows' parameter of power_table repeats a replication of an effect at one n: "
            "give each replication once."
        )
    rows = rows.sort_values(keys, kind="stable").reset_index(drop=True)
    _check_complete(rows, replications)
    failed = rows["failure"].notna() & (rows["failure"] != "")
    grouped = rows.assign(
        failed=failed,
        usable_estimate=rows["estimate"].where(~failed),
    ).groupby(["n", "effect_index"], sort=True)
    table = grouped.agg(
        kind=("kind", "first"),
        effect=("effect", "first"),
        model=("model", "first"),
        population_value=("population_value", "first"),
        replications=("replication", "size"),
        significant=("significant", "sum"),
        failures=("failed", "sum"),
        mean_estimate=("usable_estimate", "mean"),
        mean_n_analysed=("n_analysed", "mean"),
    ).reset_index()
    power = table["significant"] / table["replications"]
    table = table.assign(
        test=[TESTS.get((m, k), "") for m, k in zip(table["model"], table["kind"], strict=True)],
        power=power,
        mc_se=np.sqrt(power * (1 - power) / table["replications"]),
        failure_rate=table["failures"] / table["replications"],
    )
    return table[list(POWER_COLUMNS)].astype(
        {"n": np.int64, "replications": np.int64, "significant": np.int64, "failures": np.int64}
    )


def aggregate(
    chunk_files: Sequence[str | Path], *, replications: int | None = None
) -> pd.DataFrame:
    """The power table of the workflow's chunk files (:func:`power_table` of :func:`read_chunks`).

    The rows are put in a fixed order before anything is computed, so the table (and its CSV
    bytes) are identical however the replications were split into chunks and jobs.

    Parameters
    ----------
    chunk_files : sequence of path
        The chunk files (:func:`run_chunk` output), in any order.
    replications : int, optional
        As :func:`power_table`.

    Returns
    -------
    pandas.DataFrame
        As :func:`power_table`.
    """
    return power_table(read_chunks(chunk_files), replications=replications)


def smallest_n(table: pd.DataFrame, target: float = 0.80) -> pd.DataFrame:
    """The smallest simulated sample size at which each effect reaches the target power.

    The smallest ``n`` of the grid whose power is at least ``target`` there and at every larger
    ``n`` of the grid (so a Monte Carlo dip above the target does not count as reaching it).
    ``smallest_n`` is missing (``<NA>``) when the largest ``n`` simulated does not reach the
    target. The answer is only as fine as the grid: the true minimum lies between the
    previous grid point and ``smallest_n``.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`power_table` or :func:`aggregate`.
    target : float, default 0.80
        The target power, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        One row per effect, in the table's order: ``kind``, ``effect``, ``test``,
        ``population_value``, ``target_power``, ``smallest_n`` (nullable integer), ``power``
        and ``mc_se`` at that n, ``largest_n`` (the largest n simulated).

    Examples
    --------
    >>> table = pd.DataFrame({
    ...     "n": [50, 100, 150], "kind": "path", "effect": "x -> y", "test": "t",
    ...     "population_value": 0.3, "power": [0.5, 0.81, 0.95], "mc_se": [0.02, 0.02, 0.01],
    ... })
    >>> smallest_n(table, 0.8)[["effect", "smallest_n", "power"]]
       effect  smallest_n  power
    0  x -> y         100   0.81
    """
    target = _check_probability(target, "target", "smallest_n")
    rows = []
    for (kind, effect), group in table.groupby(["kind", "effect"], sort=False):
        group = group.sort_values("n")
        below = group["power"].to_numpy() < target
        last_below = np.flatnonzero(below).max() if below.any() else -1
        reached = group.iloc[last_below + 1] if last_below + 1 < len(group) else None
        rows.append(
            {
                "kind": kind,
                "effect": effect,
                "test": group["test"].iloc[0],
                "population_value": group["population_value"].iloc[0],
                "target_power": target,
                "smallest_n": pd.NA if reached is None else int(reached["n"]),
                "power": np.nan if reached is None else reached["power"],
                "mc_se": np.nan if reached is None else reached["mc_se"],
                "largest_n": int(group["n"].max()),
            }
        )
    return pd.DataFrame(rows).astype({"smallest_n": "Int64"})


# --------------------------------------------------------------------------------------------
# Figure and summary


def plot_power_curves(table: pd.DataFrame, target: float = 0.80) -> Figure:
    """Power against sample size, one line per effect and a panel per kind of effect.

    The dashed line is the target power. Each point is a share of ``R`` replications, with
    Monte Carlo SE ``mc_se`` (see the table). The figure is built without pyplot and has no
    random elements; :func:`save_figure` writes it byte-deterministically.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`power_table` or :func:`aggregate`.
    target : float, default 0.80
        The target power, in (0, 1).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> table = pd.DataFrame({"n": [50, 100], "kind": "path", "effect": "x -> y",
    ...                       "power": [0.5, 0.81]})
    >>> [ax.get_title() for ax in plot_power_curves(table).axes]
    ['Structural paths']
    """
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    target = _check_probability(target, "target", "plot_power_curves")
    titles = {"path": "Structural paths", "indirect": "Indirect effects (joint significance)"}
    kinds = [k for k in titles if k in set(table["kind"])]
    counts = [table.loc[table["kind"] == k, "effect"].nunique() for k in kinds]
    heights = [max(3.5, 0.16 * c + 0.8) for c in counts]
    figure = Figure(figsize=(10, sum(heights)), layout="constrained")
    axes = figure.subplots(len(kinds), 1, squeeze=False, height_ratios=heights)[:, 0]
    colours = colormaps["tab20"].colors
    styles = ("-", "--", ":", "-.")
    for ax, kind in zip(axes, kinds, strict=True):
        part = table[table["kind"] == kind]
        for i, (effect, group) in enumerate(part.groupby("effect", sort=False)):
            group = group.sort_values("n")
            ax.plot(
                group["n"],
                group["power"],
                marker="o",
                markersize=3,
                linewidth=1,
                color=colours[i % len(colours)],
                linestyle=styles[(i // len(colours)) % len(styles)],
                label=effect,
            )
        ax.axhline(target, color="black", linestyle="--", linewidth=1, label=f"target {target:g}")
        ax.set(title=titles[kind], xlabel="Respondents (n)", ylabel="Power", ylim=(-0.02, 1.02))
        ax.grid(alpha=0.3)
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=6, frameon=False)
    return figure


def save_figure(figure: Figure, path: str | Path) -> Path:
    """Write a figure as PNG with the same bytes every time (no software or date metadata)."""
    with atomic_output(path) as temporary:
        figure.savefig(temporary, format="png", dpi=FIGURE_DPI, metadata={"Software": None})
    return Path(path)


def _markdown_table(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def summary_markdown(
    table: pd.DataFrame, smallest: pd.DataFrame, settings: Mapping[str, Any]
) -> str:
    """A short Markdown report of a power simulation (deterministic: no times or dates).

    Parameters
    ----------
    table, smallest : pandas.DataFrame
        From :func:`power_table` and :func:`smallest_n`.
    settings : mapping
        The run's settings (:meth:`PowerConfig.as_dict`).

    Returns
    -------
    str
    """
    target = settings["target_power"]
    model = settings["model"]
    described = (
        f"the study's structural model ({settings['study_config']}: its population model, "
        "screening and instrument)"
        if model == "study"
        else f"a single standardized path, beta = {settings['single_path_beta']:g}"
    )
    failures = table.groupby("n")["failure_rate"].max()
    paths = smallest[smallest["kind"] == "path"]
    lines = [
        "# Power by Monte Carlo simulation",
        "",
        f"- Model: {described}.",
        f"- Sample sizes: {', '.join(str(n) for n in settings['sample_sizes'])}; "
        f"{settings['replications']} replications each; seed {settings['seed']}; "
        f"alpha = {settings['alpha']:g}; target power {target:g}.",
        "- Tests: " + "; ".join(sorted(set(table["test"]))) + ".",
        "- Power = share of all replications with a significant effect; failed replications "
        "(not converged, not estimable, improper) count as not significant. Monte Carlo SE = "
        "sqrt(power (1 - power) / R).",
        "- Failure rate by n: "
        + ", ".join(f"n = {n}: {rate:.1%}" for n, rate in failures.items())
        + ".",
        "",
    ]
    if paths["smallest_n"].notna().all():
        lines.append(
            f"Every structural path reaches power {target:g} at n = "
            f"{int(paths['smallest_n'].max())} (the largest of the smallest n below)."
        )
    else:
        short = paths.loc[paths["smallest_n"].isna(), "effect"].tolist()
        lines.append(
            f"Paths below power {target:g} at every n simulated: {', '.join(short)}. "
            "Simulate larger n to find theirs."
        )
    largest = max(settings["sample_sizes"])
    shown = smallest.assign(
        smallest_n=smallest["smallest_n"].map(lambda v: f"> {largest}" if pd.isna(v) else v),
        population_value=smallest["population_value"].map("{:.3f}".format),
        power=smallest["power"].map(lambda v: "" if pd.isna(v) else f"{v:.3f}"),
        mc_se=smallest["mc_se"].map(lambda v: "" if pd.isna(v) else f"{v:.3f}"),
    )[["kind", "effect", "population_value", "smallest_n", "power", "mc_se"]]
    lines += ["", f"Smallest n reaching power {target:g}:", "", _markdown_table(shown), ""]
    return "\n".join(lines)


def write_results(
    chunk_files: Sequence[str | Path], settings: Mapping[str, Any], out_dir: str | Path
) -> dict[str, Path]:
    """Aggregate chunk files and write the table, smallest n, figure and summary.

    Parameters
    ----------
    chunk_files : sequence of path
        Every chunk file of the run.
    settings : mapping
        The run's settings (:meth:`PowerConfig.as_dict`): ``replications``, ``target_power``
        and what the summary reports.
    out_dir : str or Path
        The output folder; the files are :data:`OUTPUT_FILES`.

    Returns
    -------
    dict
        Output name -> path.
    """
    out_dir = Path(out_dir)
    table = aggregate(chunk_files, replications=settings["replications"])
    smallest = smallest_n(table, settings["target_power"])
    paths = {name: out_dir / file for name, file in OUTPUT_FILES.items()}
    write_csv(table, paths["table"])
    write_csv(smallest, paths["smallest_n"])
    save_figure(plot_power_curves(table, settings["target_power"]), paths["figure"])
    with atomic_output(paths["summary"]) as temporary:
        temporary.write_text(summary_markdown(table, smallest, settings), encoding="utf-8")
    return paths


# --------------------------------------------------------------------------------------------
# Configuration


@dataclass(frozen=True)
class PowerConfig:
    """The settings of a power simulation (``config/power.yaml``; every key is described there).

    Attributes
    ----------
    model : {"study", "single_path"}
        The model simulated.
    study_config : str
        The study's configuration (instrument, population model, screening) for ``"study"``.
    single_path_beta : float
        The path of ``"single_path"``.
    sample_sizes : tuple of int
        The grid of n (questionnaires collected), increasing.
    replications : int
        Replications per n.
    chunk_size : int
        Replications per job.
    seed : int
        Root seed (:func:`replication_seed`).
    alpha, target_power : float
        Significance level and the power aimed at.
    output_dir : str
        Folder of the outputs (relative to the repository root, or absolute).
    source : str
        Where the settings were read from (for messages).
    """

    model: str = "study"
    study_config: str = "config/config.yaml"
    single_path_beta: float = 0.3
    sample_sizes: tuple[int, ...] = (100, 200, 300, 400, 600)
    replications: int = 500
    chunk_size: int = 100
    seed: int = 20261128
    alpha: float = 0.05
    target_power: float = 0.80
    output_dir: str = "output/power"
    source: str = "config/power.yaml"

    @property
    def output_path(self) -> Path:
        """The output folder, absolute."""
        return resolve(self.output_dir).resolve()

    def chunk_count(self) -> int:
        """Jobs per sample size."""
        return math.ceil(self.replications / self.chunk_size)

    def chunk_range(self, chunk: int) -> range:
        """The replications of chunk ``chunk`` (the same at every n)."""
        start = chunk * self.chunk_size
        return range(start, min(start + self.chunk_size, self.replications))

    def chunk_files(self) -> list[Path]:
        """Every chunk file of the run: ``<output>/chunks/n{n}_c{chunk}.csv``."""
        return [
            chunk_file(self.output_path, n, c)
            for n in self.sample_sizes
            for c in range(self.chunk_count())
        ]

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain data (for the aggregate step and the summary)."""
        data = asdict(self)
        data["sample_sizes"] = list(self.sample_sizes)
        data.pop("source")
        return data


def chunk_file(out_dir: str | Path, n: int, chunk: int) -> Path:
    """The file of chunk ``chunk`` at sample size ``n``."""
    return Path(out_dir) / "chunks" / f"n{n}_c{chunk}.csv"


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _config_error(key: str, source: str, must: str, value: Any, fix: str) -> ConfigError:
    return ConfigError(f"The '{key}' key of {source} must be {must}. Got {value!r}. {fix}")


def _check_grid(value: Any, source: str) -> tuple[int, ...]:
    must = f"a non-empty list of different integers >= {MIN_N} (questionnaires per survey)"
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        raise _config_error(
            "sample_sizes", source, must, value, "Write e.g. sample_sizes: [100, 200, 300]."
        )
    small = [v for v in value if not _is_int(v) or v < MIN_N]
    if small:
        raise _config_error(
            "sample_sizes",
            source,
            must,
            value,
            f"Replace {small} by integers of {MIN_N} or more: below that no model is estimable.",
        )
    if len(set(value)) < len(value):
        raise _config_error(
            "sample_sizes", source, must, value, "Remove the repeated sample sizes."
        )
    return tuple(sorted(int(v) for v in value))


#: Each setting's rule: (key, test, what it must be, how to fix it).
_RULES: tuple[tuple[str, Callable[[Any], bool], str, str], ...] = (
    ("model", lambda v: v in MODELS, f"one of {list(MODELS)}", "Correct the model's name."),
    (
        "replications",
        lambda v: _is_int(v) and v >= 2,
        "an integer >= 2",
        "500 to 1000 replications give a Monte Carlo SE of power of 0.02 to 0.013.",
    ),
    (
        "chunk_size",
        lambda v: _is_int(v) and v >= 1,
        "an integer >= 1",
        "Set the replications per job, e.g. 50.",
    ),
    ("seed", lambda v: _is_int(v) and v >= 0, "a non-negative integer", "Use e.g. 20261128."),
    (
        "alpha",
        lambda v: _is_real(v) and 0 < v < 1,
        "a number in (0, 1)",
        "Use the significance level of your tests, e.g. 0.05.",
    ),
    (
        "target_power",
        lambda v: _is_real(v) and 0 < v < 1,
        "a number in (0, 1)",
        "Use the power you plan for, e.g. 0.80.",
    ),
    (
        "single_path_beta",
        lambda v: _is_real(v) and -1 < v < 1,
        "a number in (-1, 1) (a standardized path)",
        "Use e.g. 0.3.",
    ),
    (
        "output_dir",
        lambda v: isinstance(v, str) and v.strip() != "",
        "a folder path",
        "Use e.g. output/power.",
    ),
    ("study_config", lambda v: isinstance(v, str), "a file path", "Use config/config.yaml."),
)


def validated(config: PowerConfig) -> PowerConfig:
    """``config`` if every setting is valid; else a :class:`ConfigError` naming the file, the
    key and the fix."""
    for key, rule, must, fix in _RULES:
        value = getattr(config, key)
        if not rule(value):
            raise _config_error(key, config.source, must, value, fix)
    if config.model == "study" and not resolve(config.study_config).is_file():
        raise _config_error(
            "study_config",
            config.source,
            "an existing configuration file of the study",
            config.study_config,
            "Use config/config.yaml, or the path of your copy of it.",
        )
    return config


def power_config_from_mapping(
    raw: Mapping[str, Any] | None, *, source: str = "<power config>"
) -> PowerConfig:
    """Build and validate a :class:`PowerConfig` from parsed YAML.

    Parameters
    ----------
    raw : mapping or None
        The parsed settings; missing keys take their defaults.
    source : str
        Where they came from, named in error messages.

    Returns
    -------
    PowerConfig

    Raises
    ------
    ConfigError
        On an unknown key or an invalid value; the message names the source, the key and the
        fix.

    Examples
    --------
    >>> power_config_from_mapping({"model": "single_path", "sample_sizes": [200, 50]}).sample_sizes
    (50, 200)
    >>> power_config_from_mapping({"target_power": 1.5}, source="power.yaml")
    Traceback (most recent call last):
    ...
    analysis.config.ConfigError: The 'target_power' key of power.yaml must be a number in (0, 1). Got 1.5. Use the power you plan for, e.g. 0.80.
    """  # noqa: E501
    raw = dict(raw or {})
    known = [f for f in PowerConfig.__dataclass_fields__ if f != "source"]
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ConfigError(
            f"Unknown key(s) {unknown} in {source}. Known keys are {known}. Correct the "
            "spelling or remove the key; unknown keys are not ignored so that a typo cannot "
            "silently fall back to a default."
        )
    if "sample_sizes" in raw:
        raw["sample_sizes"] = _check_grid(raw["sample_sizes"], source)
    return validated(PowerConfig(**raw, source=source))


def load_power_config(path: str | Path = DEFAULT_POWER_CONFIG) -> PowerConfig:
    """Read and validate the power settings from a YAML file (default ``config/power.yaml``).

    Raises
    ------
    ConfigError
        When the file is missing, is not a YAML mapping, or holds an unknown key or an invalid
        value (the message names the file, the key and the fix).
    """
    raw, shown = read_yaml_mapping(path, what="power configuration", restore="config/power.yaml")
    return power_config_from_mapping(raw, source=shown)


def study_inputs(config: PowerConfig) -> list[str]:
    """The data files a replication reads: the study's configuration, instrument, population."""
    if config.model != "study":
        return []
    from analysis.config import load_config

    run = load_config(resolve(config.study_config))
    files = [config.study_config, run.survey.instrument, run.survey.population]
    return [str(resolve(f)) for f in files]


# --------------------------------------------------------------------------------------------
# Command lines: `python -m analysis power` (the workflow) and `python -m analysis.power` (steps)


def snakemake_command(
    config_file: Path,
    config: PowerConfig,
    *,
    cores: int | None,
    profile: Path | None,
    overrides: Mapping[str, Any],
    extra: Sequence[str] = (),
) -> list[str]:
    """The Snakemake invocation of the power workflow (working directory: the output folder)."""
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(WORKFLOW),
        "--directory",
        str(config.output_path),
        "--configfile",
        str(config_file),
        "--rerun-incomplete",
        # The command holds the output folder's lock (analysis.cli.run_lock) for the whole run.
        "--nolock",
        # Progress ("k of m steps done") and errors stay; each job's long input list goes.
        "--quiet",
        "host",
        "rules",
    ]
    if overrides:
        command += ["--config", *(f"{key}={value}" for key, value in overrides.items())]
    if profile is not None:
        command += ["--profile", str(profile)]
    if cores is not None or profile is None:
        command += ["--cores", str(cores or os.cpu_count() or 1)]
    return command + list(extra)


def _steps_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis.power",
        description="The steps of the power workflow (workflow/power.smk runs them).",
    )
    sub = parser.add_subparsers(dest="step", required=True)
    chunk = sub.add_parser("chunk", help="run one chunk of replications at one n")
    chunk.add_argument("--model", choices=MODELS, required=True)
    chunk.add_argument("--n", type=int, required=True)
    chunk.add_argument("--first", type=int, required=True, help="first replication")
    chunk.add_argument("--count", type=int, required=True, help="replications")
    chunk.add_argument("--seed", type=int, required=True)
    chunk.add_argument("--alpha", type=float, required=True)
    chunk.add_argument("--study-config", default=str(DEFAULT_CONFIG))
    chunk.add_argument("--beta", type=float, default=0.3, help="single_path_beta")
    chunk.add_argument("--out", type=Path, required=True)
    chunk.add_argument("--no-progress", action="store_true")
    summary = sub.add_parser("aggregate", help="aggregate chunk files into the outputs")
    summary.add_argument("--settings", required=True, help="PowerConfig.as_dict() as JSON")
    summary.add_argument("--out-dir", type=Path, required=True)
    summary.add_argument("chunks", nargs="+", type=Path)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m analysis.power`` (the workflow's steps)."""
    args = _steps_parser().parse_args(argv)
    if args.step == "chunk":
        rows = run_chunk(
            args.model,
            args.n,
            range(args.first, args.first + args.count),
            args.seed,
            args.alpha,
            study_config=resolve(args.study_config),
            single_path_beta=args.beta,
            progress=not args.no_progress,
        )
        write_csv(rows, args.out)
    else:
        write_results(args.chunks, json.loads(args.settings), args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
