"""The synthetic survey sample, drawn from the population model in ``survey/population.yaml``.

The thesis's survey microdata are not public. The package therefore draws a synthetic sample from
a documented population model of illustrative assumptions, and labels every output made from it
with :data:`SYNTHETIC_NOTICE`. The model (``docs/synthetic-population.md``): a respondent profile,
the filter question, careless respondents, latent constructs from standardized structural paths
with latent mean shifts by bank type, Likert items from standardized loadings cut into scale
points by thresholds, stated importance, the attention check, completion time and item
nonresponse missing completely at random; optionally, planted customer segments.

:func:`synthetic_responses` draws the responses; :func:`synthetic_sample` also returns what a
real survey never shows (the continuous responses before the thresholds, the latent scores, who
is careless) for parameter-recovery tests; :func:`true_parameters` collects the true values, and
:func:`write_synthetic_responses` writes the responses and their ``.truth.json`` beside them.
Every draw uses a local :class:`numpy.random.Generator`; global random state is never read or
changed, and the whole sample is vectorised over respondents (400,000 in a few seconds).

Planted segments (``segments`` in the model) are drawn from a stream of their own, the first
child (:meth:`numpy.random.Generator.spawn`) of the generator, after the main draws: they
replace the segmented profile columns and shift the importance items' continuous responses, and
leave every draw of the main stream as it is. Adding or editing segments therefore leaves the
survey's evaluation (construct) answers, the filter, careless respondents, attention checks,
completion times and the nonresponse pattern unchanged.
"""

from __future__ import annotations

import hashlib
import json
import numbers
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from analysis.checks import check_generator
from analysis.config import DEFAULT_CONFIG, REPO_ROOT, display_path, load_config, resolve
from analysis.instrument import (
    CARELESS_TYPES,
    RESPONDENT_ID,
    Instrument,
    InstrumentError,
    Population,
    Variable,
    load_instrument,
    load_population,
)

#: The label every output made from the synthetic sample carries.
SYNTHETIC_NOTICE = (
    "Synthetic data: drawn from the population model in survey/population.yaml, "
    "not real survey responses."
)
#: The kinds of respondent, in the order of the categories of :attr:`SyntheticSample.careless`.
RESPONDENT_KINDS = ("attentive", *CARELESS_TYPES)
#: Name of the general stated-importance latent in :attr:`SyntheticSample.scores`.
IMPORTANCE_LATENT = "importance"
#: The synthetic sample shipped with the package (its truth file is beside it).
SHIPPED_SAMPLE = REPO_ROOT / "survey" / "responses_synthetic.csv"
#: The command that regenerates :data:`SHIPPED_SAMPLE` and its truth file.
REGENERATE_SHIPPED = ".venv/bin/python -m analysis.synthetic"
#: Decimals of the derived (computed, not given) numbers in the truth file, so that the file
#: does not depend on the last bits of a platform's linear algebra.
DERIVED_DECIMALS = 10


class SyntheticSample(NamedTuple):
    """A synthetic sample with what a real survey never shows.

    Attributes
    ----------
    responses : pandas.DataFrame
        The responses, as :func:`synthetic_responses` returns them.
    continuous : pandas.DataFrame
        The continuous response of every construct and importance item before the thresholds
        (float), in the keyed direction (before reverse-keyed items are reversed), for every
        respondent (no nonresponse, no skip logic; careless respondents' would-be answers);
        an importance item's includes the shift of the respondent's planted segment.
    scores : pandas.DataFrame
        The latent scores: one column per construct (instrument order) and the general
        importance latent (:data:`IMPORTANCE_LATENT`).
    careless : pandas.Series
        The kind of each respondent, one of :data:`RESPONDENT_KINDS` (categorical).
    segment : pandas.Series or None
        The planted segment of each respondent (categorical, the segment names in the model's
        order), or None when the model has no ``segments``.
    """

    responses: pd.DataFrame
    continuous: pd.DataFrame
    scores: pd.DataFrame
    careless: pd.Series
    segment: pd.Series | None = None


def _check_n(n: int) -> int:
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
        raise ValueError(
            f"The 'n' parameter of synthetic_responses must be an integer >= 1. Got {n!r}."
        )
    return int(n)


def _check_population(population: Population, instrument: Instrument) -> None:
    if (
        population.instrument_id != instrument.id
        or tuple(population.probabilities) != instrument.profile_codes
        or tuple(population.paths) != instrument.model.paths
    ):
        source = "in memory" if population.path is None else display_path(population.path)
        raise InstrumentError(
            f"The population model ({source}) was checked against another instrument "
            f"(id {population.instrument_id!r}, variables {list(population.probabilities)}) "
            f"than the one passed (id {instrument.id!r}, variables "
            f"{list(instrument.profile_codes)}). Load it with "
            "load_population(path, instrument) for this instrument."
        )


# --------------------------------------------------------------------------------------------
# The draws, in the order they are made


def _categorical(
    rng: np.random.Generator, probabilities: Mapping[int, float], n: int
) -> np.ndarray:
    codes = np.fromiter(probabilities, dtype=np.int64)
    p = np.fromiter(probabilities.values(), dtype=float)
    return rng.choice(codes, size=n, p=p / p.sum())


def _draw_questions(
    rng: np.random.Generator, models: Mapping[str, Mapping[int, float]], n: int
) -> dict[str, np.ndarray]:
    """One independent categorical draw per profile variable or filter question."""
    return {code: _categorical(rng, probabilities, n) for code, probabilities in models.items()}


class _Kinds(NamedTuple):
    kind: np.ndarray  # index into RESPONDENT_KINDS
    straight_line: np.ndarray  # the answer a straight-liner repeats (drawn for everyone)


def _draw_kinds(rng: np.random.Generator, population: Population, n: int) -> _Kinds:
    careless = population.careless
    is_careless = rng.random(n) < careless.fraction
    types = _categorical(
        rng, {RESPONDENT_KINDS.index(kind): p for kind, p in careless.types.items()}, n
    )
    kind = np.where(is_careless, types, 0)
    return _Kinds(kind=kind, straight_line=_categorical(rng, careless.straight_line_answers, n))


def _group_shift_matrix(
    population: Population, answers: Mapping[str, np.ndarray], n: int
) -> np.ndarray:
    """Respondent x exogenous construct: the latent mean shift of the respondent's group."""
    exogenous, shifts = population.exogenous, population.group_shifts
    if shifts is None:
        return np.zeros((n, len(exogenous)))
    groups = answers[shifts.variable]  # the drawn answer, before item nonresponse
    codes = np.unique(np.append(groups, shifts.reference))
    table = np.array([[shifts.shift(int(g), c) for c in exogenous] for g in codes])
    return table[np.searchsorted(codes, groups)]


def _draw_latent(
    rng: np.random.Generator,
    population: Population,
    instrument: Instrument,
    answers: Mapping[str, np.ndarray],
    n: int,
) -> dict[str, np.ndarray]:
    """Latent scores of every construct: within-group variance 1, group means shifted."""
    exogenous = population.exogenous
    order, correlations = population.latent_correlations()
    exo_index = [order.index(code) for code in exogenous]
    cholesky = np.linalg.cholesky(correlations[np.ix_(exo_index, exo_index)])
    values = rng.standard_normal((n, len(exogenous))) @ cholesky.T
    values = values + _group_shift_matrix(population, answers, n)
    scores = dict(zip(exogenous, values.T, strict=True))
    endogenous = [code for code in order if code not in scores]
    residuals = rng.standard_normal((n, len(endogenous)))
    variances = population.residual_variances
    for j, code in enumerate(endogenous):
        explained = sum(
            coefficient * scores[source]
            for (source, target), coefficient in population.paths.items()
            if target == code
        )
        scores[code] = explained + np.sqrt(variances[code]) * residuals[:, j]
    outside = population.outside_model
    unique = rng.standard_normal((n, len(outside)))
    for j, (code, model) in enumerate(outside.items()):
        r = model.correlation
        scores[code] = r * scores[model.correlated_with] + np.sqrt(1 - r * r) * unique[:, j]
    scores[IMPORTANCE_LATENT] = rng.standard_normal(n)
    return {
        code: scores[code] for code in (*(c.code for c in instrument.constructs), IMPORTANCE_LATENT)
    }


def _continuous(
    rng: np.random.Generator,
    population: Population,
    variables: tuple[Variable, ...],
    scores: Mapping[str, np.ndarray],
) -> np.ndarray:
    """Respondent x item: loading x latent + mean + sqrt(1 - loading^2) x unique error."""
    n = len(scores[IMPORTANCE_LATENT])
    loadings, means, latents = [], [], []
    for variable in variables:
        if variable.role == "importance":
            loadings.append(population.importance.loading)
            means.append(population.importance.means[variable.construct])
            latents.append(scores[IMPORTANCE_LATENT])
        else:
            loadings.append(population.loadings[variable.code])
            means.append(0.0)
            latents.append(scores[variable.construct])
    loading = np.array(loadings)
    errors = rng.standard_normal((n, len(variables)))
    return np.column_stack(latents) * loading + np.array(means) + np.sqrt(1 - loading**2) * errors


def _ordinal(
    continuous: np.ndarray,
    variables: tuple[Variable, ...],
    instrument: Instrument,
    population: Population,
) -> np.ndarray:
    """Scale points from the thresholds; reverse-keyed items then reversed (points + 1 - x)."""
    answers = np.empty(continuous.shape, dtype=np.int64)
    for j, variable in enumerate(variables):
        cuts = np.asarray(population.thresholds[variable.scale])
        points = 1 + np.searchsorted(cuts, continuous[:, j])
        if variable.reverse:
            points = instrument.scales[variable.scale].points + 1 - points
        answers[:, j] = points
    return answers


def _apply_careless(
    rng: np.random.Generator,
    answers: np.ndarray,
    kinds: _Kinds,
    top: np.ndarray,
) -> np.ndarray:
    """Straight-liners repeat one answer (capped at a scale's top); random responders: uniform."""
    answers = answers.copy()
    straight = kinds.kind == RESPONDENT_KINDS.index("straight_line")
    answers[straight] = np.minimum(kinds.straight_line[straight, None], top)
    random = np.flatnonzero(kinds.kind == RESPONDENT_KINDS.index("random"))
    answers[random] = rng.integers(1, top + 1, size=(len(random), len(top)))
    return answers


def _draw_segments(
    rng: np.random.Generator, population: Population, n: int
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Each respondent's segment (index into ``population.segments``) by share, then each
    segmented profile variable from the segment's distribution (drawn as ``Generator.choice``
    does: a uniform number against the cumulative probabilities)."""
    segments = population.segments
    membership = _categorical(rng, {i: segment.share for i, segment in enumerate(segments)}, n)
    columns = {}
    for code in population.segment_variables:
        codes = np.fromiter(population.probabilities[code], dtype=np.int64)
        table = np.array([[s.probabilities[code][int(c)] for c in codes] for s in segments])
        cumulative = np.cumsum(table, axis=1)
        cumulative /= cumulative[:, -1:]
        uniform = rng.random(n)
        columns[code] = codes[(cumulative[membership] <= uniform[:, None]).sum(axis=1)]
    return membership, columns


def _shift_importance(
    continuous: np.ndarray,
    variables: tuple[Variable, ...],
    population: Population,
    membership: np.ndarray,
) -> None:
    """Add each respondent's segment shift to the importance items' continuous responses, in
    place (the construct items' columns are not touched)."""
    for j, variable in enumerate(variables):
        if variable.role == "importance":
            shifts = np.array([s.shift(variable.construct) for s in population.segments])
            continuous[:, j] += shifts[membership]


def _draw_attention(
    rng: np.random.Generator,
    instrument: Instrument,
    population: Population,
    kinds: _Kinds,
) -> dict[str, np.ndarray]:
    """The expected answer with the pass probability, otherwise another point at random."""
    attention = population.attention
    careful = kinds.kind == 0
    p_pass = np.where(careful, attention.pass_attentive, attention.pass_careless)
    answers = {}
    for check in instrument.attention_checks:
        n, points = len(careful), instrument.scales[check.scale].points
        passed = rng.random(n) < p_pass
        other = rng.integers(1, points, size=n)
        other = np.where(other >= check.expected, other + 1, other)
        answers[check.code] = np.where(passed, check.expected, other)
    return answers


def _draw_duration(rng: np.random.Generator, population: Population, kinds: _Kinds) -> np.ndarray:
    """Seconds, log-normal with the median and sigma of the respondent's kind; at least 1."""
    attentive, careless = population.duration["attentive"], population.duration["careless"]
    careful = kinds.kind == 0
    log_median = np.where(careful, np.log(attentive.median), np.log(careless.median))
    sigma = np.where(careful, attentive.sigma, careless.sigma)
    seconds = np.exp(log_median + sigma * rng.standard_normal(len(careful)))
    return np.maximum(np.rint(seconds), 1).astype(np.int64)


def _draw_nonresponse(
    rng: np.random.Generator, instrument: Instrument, rate: float, n: int
) -> dict[str, np.ndarray]:
    """Question column -> missing mask: one draw per question; a multiple-choice group as one."""
    units = list(dict.fromkeys(v.group or v.code for v in instrument.variables if v.role != "meta"))
    draws = rng.random((n, len(units))) < rate
    by_unit = dict(zip(units, draws.T, strict=True))
    return {v.code: by_unit[v.group or v.code] for v in instrument.variables if v.role != "meta"}


def _skipped(
    variable: Variable, answers: Mapping[str, np.ndarray], masks: Mapping[str, np.ndarray]
) -> np.ndarray | bool:
    """Whether each respondent was not asked ``variable`` (its filter answer is not listed)."""
    condition = variable.ask_if
    if condition is None:
        return False
    filter_answer = answers[condition.variable]
    return masks[condition.variable] | ~np.isin(filter_answer, condition.codes)


def _frame(
    instrument: Instrument, answers: Mapping[str, np.ndarray], masks: Mapping[str, np.ndarray]
) -> pd.DataFrame:
    columns = {}
    for variable in instrument.variables:
        values = np.asarray(answers[variable.code], dtype=np.int64)
        mask = masks.get(variable.code, np.zeros(len(values), dtype=bool))
        mask = mask | _skipped(variable, answers, masks)
        columns[variable.code] = pd.arrays.IntegerArray(values, mask)
    return pd.DataFrame(columns)


def synthetic_sample(
    instrument: Instrument,
    population: Population,
    *,
    n: int,
    random_state: np.random.Generator | int,
) -> SyntheticSample:
    """Draw a synthetic sample, with its latent scores, continuous responses and careless kinds.

    The draws, in this order, so that a seed fixes the whole sample (formulas in
    ``docs/synthetic-population.md``):

    1. each profile variable and filter question from its categorical distribution;
    2. who is careless (probability ``careless.fraction``), of which kind, and the answer a
       straight-liner repeats;
    3. the latent scores: exogenous constructs ``~ N(shift of the bank type, R)``; each other
       construct ``= sum of path coefficient x predictor + residual`` with the residual variance
       that makes its within-group variance 1; constructs outside the model
       ``= r x partner + sqrt(1 - r^2) x noise``; the importance latent ``~ N(0, 1)``;
    4. each construct item's continuous response ``y = loading x latent + sqrt(1 - loading^2) x
       e``; each importance item's ``y = mean(touch-point) + loading x importance + sqrt(1 -
       loading^2) x e``; the scale point is ``1 +`` the number of thresholds below ``y``, and a
       reverse-keyed item is then reversed (``points + 1 - x``);
    5. random responders' uniform answers (straight-liners need no draw);
    6. the attention check: the expected answer with probability ``pass_attentive`` (attentive)
       or ``pass_careless``, otherwise another point at random;
    7. completion time, log-normal by kind;
    8. item nonresponse: each question independently with probability ``nonresponse.rate``, a
       multiple-choice question as a whole; questions the filter skips are then empty.

    With ``segments`` in the model, a second stream (the generator's first spawned child, so
    the draws above are unchanged) draws each respondent's segment by share and the segmented
    profile variables from the segment's distributions, which replace the draws of step 1; the
    segment's importance shift is added to the importance items' ``y`` before the thresholds.
    Item nonresponse (step 8) applies to the replaced columns as to any other.

    Parameters
    ----------
    instrument : Instrument
        The questionnaire (see :func:`analysis.instrument.load_instrument`).
    population : Population
        The population model, loaded for this instrument
        (see :func:`analysis.instrument.load_population`).
    n : int
        Number of respondents, >= 1.
    random_state : numpy.random.Generator or int
        A generator (advanced by the draws) or a non-negative seed for a new one. Global random
        state is never used.

    Returns
    -------
    SyntheticSample
        The responses and what lies behind them.

    Raises
    ------
    ValueError
        If ``n`` or ``random_state`` is not as described.
    InstrumentError
        If ``population`` was loaded for another instrument.

    Examples
    --------
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> sample = synthetic_sample(instrument, population, n=1000, random_state=1)
    >>> sample.continuous.shape, list(sample.careless.cat.categories)
    ((1000, 50), ['attentive', 'straight_line', 'random'])
    >>> list(sample.segment.cat.categories)[:2], sample.segment.value_counts(sort=False).tolist()
    (['digital_young_savers', 'affluent_relationship_clients'], [404, 220, 376])
    """
    n = _check_n(n)
    rng = check_generator(random_state, "synthetic_responses")
    _check_population(population, instrument)
    segment_rng = rng.spawn(1)[0] if population.segments else None
    answers = {RESPONDENT_ID: np.arange(1, n + 1, dtype=np.int64)}
    answers |= _draw_questions(rng, population.probabilities, n)
    answers |= _draw_questions(rng, population.filters, n)
    kinds = _draw_kinds(rng, population, n)
    scores = _draw_latent(rng, population, instrument, answers, n)
    likert = instrument.items() + instrument.items(role="importance")
    continuous = _continuous(rng, population, likert, scores)
    membership = None
    if segment_rng is not None:
        membership, segmented = _draw_segments(segment_rng, population, n)
        answers |= segmented  # replaces the main stream's draws of these columns
        _shift_importance(continuous, likert, population, membership)
    top = np.array([instrument.scales[v.scale].points for v in likert])
    ordinal = _apply_careless(rng, _ordinal(continuous, likert, instrument, population), kinds, top)
    answers |= dict(zip((v.code for v in likert), ordinal.T, strict=True))
    answers |= _draw_attention(rng, instrument, population, kinds)
    answers["duration_seconds"] = _draw_duration(rng, population, kinds)
    masks = _draw_nonresponse(rng, instrument, population.missing_rate, n)
    return SyntheticSample(
        responses=_frame(instrument, answers, masks),
        continuous=pd.DataFrame(continuous, columns=[v.code for v in likert]),
        scores=pd.DataFrame(scores),
        careless=pd.Series(
            pd.Categorical.from_codes(kinds.kind, categories=RESPONDENT_KINDS), name="careless"
        ),
        segment=None
        if membership is None
        else pd.Series(
            pd.Categorical.from_codes(
                membership, categories=[segment.name for segment in population.segments]
            ),
            name="segment",
        ),
    )


def synthetic_responses(
    instrument: Instrument,
    population: Population,
    *,
    n: int,
    random_state: np.random.Generator | int,
) -> pd.DataFrame:
    """Draw a synthetic sample of survey responses from the population model.

    The model and the order of the draws are described in :func:`synthetic_sample` and
    ``docs/synthetic-population.md``; this returns only what a survey would record.

    Parameters
    ----------
    instrument : Instrument
        The questionnaire (see :func:`analysis.instrument.load_instrument`).
    population : Population
        The population model, loaded for this instrument
        (see :func:`analysis.instrument.load_population`).
    n : int
        Number of respondents, >= 1.
    random_state : numpy.random.Generator or int
        A generator (advanced by the draws) or a non-negative seed for a new one. Global random
        state is never used.

    Returns
    -------
    pandas.DataFrame
        One row per respondent, one nullable ``Int64`` column per variable of the instrument in
        the order of ``instrument.variables`` (``respondent_id`` 1..n first, then
        ``duration_seconds``, then the questionnaire). Item nonresponse and questions the filter
        skipped are ``pd.NA``.

    Raises
    ------
    ValueError
        If ``n`` or ``random_state`` is not as described.
    InstrumentError
        If ``population`` was loaded for another instrument.

    Examples
    --------
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> sample = synthetic_responses(instrument, population, n=5, random_state=1)
    >>> list(sample.columns[:4])
    ['respondent_id', 'duration_seconds', 'bank_type', 'tenure_years']
    >>> list(sample.columns) == list(instrument.column_codes)
    True
    """
    return synthetic_sample(instrument, population, n=n, random_state=random_state).responses


# --------------------------------------------------------------------------------------------
# The true parameters


def _rounded(value: float) -> float:
    return round(float(value), DERIVED_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def implied_means(population: Population) -> dict[int, dict[str, float]]:
    """Group code -> construct -> latent mean the group shifts imply (reference group: 0).

    A shift of an exogenous construct moves every construct downstream by the product of the
    path coefficients along the way; a construct outside the model moves by its correlation
    times its partner's mean.

    Examples
    --------
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> round(implied_means(population)[3]["expectation"], 3)
    0.1
    """
    shifts = population.group_shifts
    if shifts is None:
        return {}
    groups = sorted({shifts.reference, *shifts.shifts})
    means = {}
    for group in groups:
        mean = {code: shifts.shift(group, code) for code in population.exogenous}
        for code in population.construct_order:
            if code not in mean:
                mean[code] = sum(
                    b * mean[source]
                    for (source, target), b in population.paths.items()
                    if target == code
                )
        for code, model in population.outside_model.items():
            mean[code] = model.correlation * mean[model.correlated_with]
        means[group] = mean
    return means


def _file_identity(path: Path | None) -> dict[str, str | None]:
    if path is None:
        return {"file": None, "sha256": None}
    return {"file": display_path(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def _careless_ids(sample: SyntheticSample) -> dict[str, list[int]]:
    ids = sample.responses[RESPONDENT_ID].astype("int64")
    return {
        kind: ids[(sample.careless == kind).to_numpy()].tolist() for kind in RESPONDENT_KINDS[1:]
    }


def _segments_truth(population: Population, sample: SyntheticSample) -> dict[str, Any] | None:
    if not population.segments or sample.segment is None:
        return None
    ids = sample.responses[RESPONDENT_ID].astype("int64")
    return {
        "variables": list(population.segment_variables),
        "definitions": [
            {
                "name": segment.name,
                "share": segment.share,
                "profile": {code: _codes(p) for code, p in segment.probabilities.items()},
                "importance_shifts": dict(segment.importance_shifts),
            }
            for segment in population.segments
        ],
        "respondent_ids": {
            segment.name: ids[(sample.segment == segment.name).to_numpy()].tolist()
            for segment in population.segments
        },
    }


def _structural_truth(population: Population) -> dict[str, Any]:
    order, matrix = population.latent_correlations()
    shifts = population.group_shifts
    return {
        "paths": [
            {"from": source, "to": target, "coefficient": value}
            for (source, target), value in population.paths.items()
        ],
        "exogenous_correlations": [
            {"a": a, "b": b, "correlation": value}
            for (a, b), value in population.exogenous_correlations.items()
        ],
        "residual_variances": {k: _rounded(v) for k, v in population.residual_variances.items()},
        "latent_correlations": {
            "constructs": list(order),
            "matrix": [[_rounded(x) for x in row] for row in matrix],
        },
        "group_shifts": None
        if shifts is None
        else {
            "variable": shifts.variable,
            "reference": shifts.reference,
            "shifts": {str(g): dict(by) for g, by in shifts.shifts.items()},
            "implied_means": {
                str(g): {c: _rounded(m) for c, m in means.items()}
                for g, means in implied_means(population).items()
            },
        },
        "outside_model": {
            code: {"correlated_with": m.correlated_with, "correlation": m.correlation}
            for code, m in population.outside_model.items()
        },
    }


def _codes(mapping: Mapping[Any, float]) -> dict[str, float]:
    return {str(code): value for code, value in mapping.items()}


def true_parameters(
    instrument: Instrument,
    population: Population,
    sample: SyntheticSample,
    *,
    seed: int | None,
) -> dict[str, Any]:
    """The true parameters behind a synthetic sample, as a JSON-ready dictionary.

    Parameters
    ----------
    instrument : Instrument
        The questionnaire the sample was drawn for.
    population : Population
        The population model it was drawn from.
    sample : SyntheticSample
        The sample (from :func:`synthetic_sample`); its careless respondents are listed.
    seed : int or None
        The seed it was drawn with (None when a generator was passed).

    Returns
    -------
    dict
        Keys, in order: ``notice``, ``instrument`` (id, version), ``population`` (file,
        sha256), ``seed``, ``n``, ``loadings`` (item -> standardized loading), ``paths`` (list
        of {from, to, coefficient}), ``exogenous_correlations`` (list of {a, b, correlation}),
        ``residual_variances``, ``latent_correlations`` ({constructs, matrix}: implied, within a
        group), ``group_shifts`` ({variable, reference, shifts, implied_means} or None),
        ``outside_model``, ``importance`` ({loading, means}), ``thresholds`` (scale -> cut
        points), ``profile`` and ``filters`` (variable -> code -> probability),
        ``missing_rate``, ``careless`` ({fraction, types, straight_line_answers,
        respondent_ids: {straight_line: [...], random: [...]}}), ``segments`` (None, or
        {variables, definitions: [{name, share, profile, importance_shifts}], respondent_ids:
        {segment name: [...]}}: the planted segments and who is in each), ``attention``,
        ``duration``. Codes are strings (JSON keys); derived numbers are rounded to
        :data:`DERIVED_DECIMALS` decimals.

    Examples
    --------
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> sample = synthetic_sample(instrument, population, n=200, random_state=7)
    >>> truth = true_parameters(instrument, population, sample, seed=7)
    >>> truth["loadings"]["sat1"], truth["n"], sorted(truth["careless"]["respondent_ids"])
    (0.86, 200, ['random', 'straight_line'])
    >>> [len(ids) for ids in truth["segments"]["respondent_ids"].values()]
    [75, 42, 83]
    """
    careless = population.careless
    importance = population.importance
    attention = population.attention
    return {
        "notice": SYNTHETIC_NOTICE,
        "instrument": {"id": instrument.id, "version": instrument.version},
        "population": _file_identity(population.path),
        "seed": seed,
        "n": len(sample.responses),
        "loadings": dict(population.loadings),
        **_structural_truth(population),
        "importance": None
        if importance is None
        else {"loading": importance.loading, "means": dict(importance.means)},
        "thresholds": {scale: list(cuts) for scale, cuts in population.thresholds.items()},
        "profile": {code: _codes(p) for code, p in population.probabilities.items()},
        "filters": {code: _codes(p) for code, p in population.filters.items()},
        "missing_rate": population.missing_rate,
        "careless": {
            "fraction": careless.fraction,
            "types": dict(careless.types),
            "straight_line_answers": _codes(careless.straight_line_answers),
            "respondent_ids": _careless_ids(sample),
        },
        "segments": _segments_truth(population, sample),
        "attention": None
        if attention is None
        else {"pass_attentive": attention.pass_attentive, "pass_careless": attention.pass_careless},
        "duration": {
            kind: {"median": model.median, "sigma": model.sigma}
            for kind, model in population.duration.items()
        },
    }


# --------------------------------------------------------------------------------------------
# Writing


def truth_path(out_path: str | Path) -> Path:
    """The truth file written beside a synthetic sample: ``<stem>.truth.json``.

    Examples
    --------
    >>> truth_path("survey/responses_synthetic.csv").as_posix()
    'survey/responses_synthetic.truth.json'
    """
    out_path = Path(out_path)
    return out_path.with_name(f"{out_path.stem}.truth.json")


def _temporary(out_path: Path) -> Path:
    # Beside the target (same file system, so os.replace is atomic); opened normally so that the
    # file gets the usual permissions (the umask), unlike tempfile's private 0600 files.
    return out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")


def _write_files(contents: Mapping[Path, str]) -> None:
    """Write each text to a temporary file beside its target, then move them all into place."""
    temporaries = {path: _temporary(path) for path in contents}
    try:
        for path, text in contents.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            with temporaries[path].open("w", encoding="utf-8", newline="") as stream:
                stream.write(text)
        for path, temporary in temporaries.items():
            os.replace(temporary, path)
    except BaseException:
        for temporary in temporaries.values():
            temporary.unlink(missing_ok=True)
        raise


def write_synthetic_responses(
    instrument_path: str | Path,
    population_path: str | Path,
    out_path: str | Path,
    *,
    n: int,
    seed: int,
) -> Path:
    """Draw the synthetic sample and write it as a CSV file, with its true parameters beside it.

    The CSV is UTF-8, its first line is the header (no comment lines), item nonresponse is an
    empty cell. Beside it, :func:`truth_path` (``<stem>.truth.json``) holds
    :func:`true_parameters`, including the respondent ids of the careless respondents. Each file
    is written to a temporary file beside its target and moved into place with
    :func:`os.replace` (the truth file first), so neither is ever left half written. The same
    inputs and seed give byte-identical files.

    Parameters
    ----------
    instrument_path, population_path : str or Path
        The instrument and the population model (``survey/instrument.yaml``,
        ``survey/population.yaml``).
    out_path : str or Path
        The CSV file to write; its folder is created if needed.
    n : int
        Number of respondents.
    seed : int
        Non-negative seed of the local random generator.

    Returns
    -------
    Path
        ``out_path``.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "responses_synthetic.csv"
    >>> path = write_synthetic_responses(
    ...     "survey/instrument.yaml", "survey/population.yaml", out, n=10, seed=1
    ... )
    >>> path.read_text(encoding="utf-8").splitlines()[0][:50]
    'respondent_id,duration_seconds,bank_type,tenure_ye'
    >>> sorted(p.name for p in out.parent.iterdir())
    ['responses_synthetic.csv', 'responses_synthetic.truth.json']
    """
    instrument = load_instrument(instrument_path)
    population = load_population(population_path, instrument)
    sample = synthetic_sample(instrument, population, n=n, random_state=seed)
    truth = true_parameters(instrument, population, sample, seed=seed)
    out_path = Path(out_path)
    _write_files(
        {
            truth_path(out_path): json.dumps(truth, ensure_ascii=False, indent=2) + "\n",
            out_path: sample.responses.to_csv(index=False, lineterminator="\n"),
        }
    )
    return out_path


def write_shipped_sample(
    out_path: str | Path = SHIPPED_SAMPLE, *, config_path: str | Path = DEFAULT_CONFIG
) -> Path:
    """Write the shipped synthetic sample: the run configuration's instrument, population
    model, ``survey.synthetic_n`` and ``seed``, so it is the sample a default run draws.

    Run as ``python -m analysis.synthetic`` (:data:`REGENERATE_SHIPPED`) after changing the
    population model or the generator; a test compares the shipped files with a fresh draw.

    Examples
    --------
    >>> import tempfile
    >>> out = write_shipped_sample(Path(tempfile.mkdtemp()) / "responses_synthetic.csv")
    >>> len(out.read_text(encoding="utf-8").splitlines())
    401
    """
    config = load_config(config_path)
    return write_synthetic_responses(
        resolve(config.survey.instrument),
        resolve(config.survey.population),
        out_path,
        n=config.survey.synthetic_n,
        seed=config.seed,
    )


if __name__ == "__main__":
    written = write_shipped_sample()
    print(f"Wrote {display_path(written)} and {display_path(truth_path(written))}.")
