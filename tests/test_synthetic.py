"""The synthetic sample: reproducible for a seed, recovers the population model, written safely."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.config import REPO_ROOT
from analysis.instrument import InstrumentError, load_instrument, load_population
from analysis.responses import read_responses
from analysis.synthetic import SYNTHETIC_NOTICE, synthetic_responses, write_synthetic_responses

INSTRUMENT = REPO_ROOT / "survey" / "instrument.yaml"
POPULATION = REPO_ROOT / "survey" / "population.yaml"
SEED = 20261128


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(INSTRUMENT)


@pytest.fixture(scope="module")
def population(instrument):
    return load_population(POPULATION, instrument)


def test_columns_are_the_id_then_the_profile_as_nullable_integers(instrument, population):
    sample = synthetic_responses(instrument, population, n=50, random_state=SEED)
    assert list(sample.columns) == ["respondent_id", *instrument.profile_codes]
    assert sample["respondent_id"].tolist() == list(range(1, 51))
    assert all(str(sample[code].dtype) == "Int64" for code in instrument.profile_codes)
    for variable in instrument.profile:
        assert set(sample[variable.code].dropna()) <= set(variable.codes)


def test_same_seed_gives_the_same_sample(instrument, population):
    first = synthetic_responses(instrument, population, n=500, random_state=SEED)
    second = synthetic_responses(instrument, population, n=500, random_state=SEED)
    pd.testing.assert_frame_equal(first, second)
    from_generator = synthetic_responses(
        instrument, population, n=500, random_state=np.random.default_rng(SEED)
    )
    pd.testing.assert_frame_equal(first, from_generator)


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
    synthetic_responses(instrument, population, n=100, random_state=SEED)
    numpy_after = np.random.get_state()  # noqa: NPY002
    np.testing.assert_array_equal(numpy_after[1], numpy_before[1])
    assert numpy_after[2:] == numpy_before[2:]
    assert random.getstate() == python_before


def test_parameter_recovery_at_large_n(instrument, population):
    n = 100_000
    sample = synthetic_responses(instrument, population, n=n, random_state=SEED)
    for code, probabilities in population.probabilities.items():
        answers = sample[code].dropna()
        shares = answers.value_counts(normalize=True).reindex(list(probabilities), fill_value=0)
        # Shares of ~99,000 valid answers: SE = sqrt(p(1-p)/n) <= 0.0016 (p = 0.5), so 0.01 is
        # more than 6 SE; a correct generator fails this with probability < 1e-9.
        np.testing.assert_allclose(shares.to_numpy(), list(probabilities.values()), atol=0.01)
        # Missing share: SE = sqrt(0.01 * 0.99 / n) = 0.0003; 0.002 is more than 6 SE.
        assert abs(sample[code].isna().mean() - population.missing_rate) < 0.002


def test_zero_missing_rate_gives_complete_data(instrument, population):
    complete = dataclasses.replace(population, missing_rate=0.0)
    sample = synthetic_responses(instrument, complete, n=2_000, random_state=SEED)
    assert not sample.isna().any().any()


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
        match=r"checked against another instrument.*Load it "
        r"with load_population\(path, instrument\)",
    ):
        synthetic_responses(other, population, n=10, random_state=SEED)


def test_notice_says_the_data_are_synthetic():
    assert SYNTHETIC_NOTICE.startswith("Synthetic data")
    assert "survey/population.yaml" in SYNTHETIC_NOTICE
    assert "not real survey responses" in SYNTHETIC_NOTICE


# --------------------------------------------------------------------------------------------
# Writing the sample


def _write(out: Path, *, n: int = 300, seed: int = SEED) -> Path:
    return write_synthetic_responses(INSTRUMENT, POPULATION, out, n=n, seed=seed)


def test_written_file_starts_with_the_header_and_reads_back(tmp_path: Path, instrument, population):
    out = _write(tmp_path / "data" / "responses_synthetic.csv")
    assert out == tmp_path / "data" / "responses_synthetic.csv"
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(["respondent_id", *instrument.profile_codes])
    assert len(lines) == 301
    expected = synthetic_responses(instrument, population, n=300, random_state=SEED)
    read_back = read_responses(out, instrument)
    single = [v.code for v in instrument.profile if v.group is None]
    pd.testing.assert_frame_equal(read_back[single], expected[single])
    # A blank 0/1 option column reads as "not chosen" when another option of the question was
    # chosen (analysis.ingest), so the options agree wherever the synthetic answer is present.
    options = [v.code for v in instrument.profile if v.group is not None]
    present = expected[options].notna()
    assert (read_back[options][present] == expected[options][present]).all(axis=None)
    assert read_back["respondent_id"].astype(int).tolist() == expected["respondent_id"].tolist()


def test_written_file_is_byte_identical_for_a_seed(tmp_path: Path):
    first = _write(tmp_path / "a.csv").read_bytes()
    assert _write(tmp_path / "b.csv").read_bytes() == first
    assert _write(tmp_path / "c.csv", seed=SEED + 1).read_bytes() != first
    assert b"\r\n" not in first


def test_writing_replaces_atomically_and_leaves_no_temporary_file(tmp_path: Path):
    out = tmp_path / "responses.csv"
    out.write_text("old\n", encoding="utf-8")
    _write(out)
    assert out.read_text(encoding="utf-8").startswith("respondent_id,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["responses.csv"]


def test_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    out = tmp_path / "responses.csv"
    out.write_text("old\n", encoding="utf-8")

    def refuse(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("analysis.synthetic.os.replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        _write(out)
    assert out.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["responses.csv"]
