"""Exports of the cleaned responses: SPSS .sav with labels, CSV with a Frictionless package."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.config import REPO_ROOT
from analysis.export import read_sav_labels, write_csv_package, write_sav
from analysis.instrument import load_instrument

INSTRUMENT = load_instrument(REPO_ROOT / "survey" / "instrument.yaml")


def _valid_responses(n: int = 60, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    columns = {}
    for variable in INSTRUMENT.variables:
        if variable.type == "id":
            columns[variable.code] = pd.array([f"R{k:04d}" for k in range(n)], dtype="string")
        elif variable.type == "duration":
            columns[variable.code] = pd.array(rng.integers(120, 1800, n), dtype="Int64")
        else:
            codes = rng.choice(variable.codes, n)
            column = pd.array(codes, dtype="Int64")
            column[rng.random(n) < 0.05] = pd.NA
            columns[variable.code] = column
    return pd.DataFrame(columns)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_sav_round_trip_keeps_codes_missing_values_and_labels(tmp_path: Path, language: str):
    data = _valid_responses()
    path = write_sav(data, INSTRUMENT, tmp_path / "responses.sav", language=language)
    back, variable_labels, value_labels = read_sav_labels(path)
    assert list(back.columns) == list(data.columns)
    for variable in INSTRUMENT.variables:
        if variable.type == "id":
            assert back[variable.code].tolist() == data[variable.code].tolist()
            continue
        expected = data[variable.code].astype("float64").to_numpy(na_value=np.nan)
        np.testing.assert_array_equal(back[variable.code].to_numpy(), expected)
        if variable.values:
            assert value_labels[variable.code] == {
                float(v.code): v.label[language] for v in variable.values
            }
    item = INSTRUMENT.items("satisfaction")[0]
    assert variable_labels[item.code] == item.question[language]
    assert variable_labels["gender"].startswith(INSTRUMENT.variable("gender").label[language])


def test_sav_refuses_unvalidated_columns_and_writes_nothing(tmp_path: Path):
    data = _valid_responses().rename(columns={"img1": "image_1"})
    with pytest.raises(
        ValueError,
        match=r"Missing: \['img1'\]; not in the instrument: "
        r"\['image_1'\]",
    ):
        write_sav(data, INSTRUMENT, tmp_path / "responses.sav")
    assert list(tmp_path.iterdir()) == []


def test_csv_package_describes_every_column_with_its_hash(tmp_path: Path):
    data = _valid_responses()
    paths = write_csv_package(data, INSTRUMENT, tmp_path, synthetic=True)
    package = json.loads(paths["datapackage"].read_text(encoding="utf-8"))
    resource = package["resources"][0]
    assert resource["hash"] == "sha256:" + hashlib.sha256(paths["csv"].read_bytes()).hexdigest()
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    assert list(fields) == [v.code for v in INSTRUMENT.variables]
    assert fields["gender"]["constraints"]["enum"] == list(INSTRUMENT.variable("gender").codes)
    assert "synthetic" in package["title"]
    back = pd.read_csv(paths["csv"], dtype={"respondent_id": "string"})
    assert back["img1"].isna().sum() == data["img1"].isna().sum()
    assert back.shape == data.shape


def test_exports_are_deterministic(tmp_path: Path):
    data = _valid_responses()
    first = write_csv_package(data, INSTRUMENT, tmp_path / "a", synthetic=False)
    second = write_csv_package(data, INSTRUMENT, tmp_path / "b", synthetic=False)
    for key in first:
        assert first[key].read_bytes() == second[key].read_bytes()


def test_sav_is_byte_identical_on_rewrite_and_dated_1970(tmp_path: Path):
    import pyreadstat

    data = _valid_responses()
    first = write_sav(data, INSTRUMENT, tmp_path / "a.sav").read_bytes()
    second = write_sav(data, INSTRUMENT, tmp_path / "b.sav").read_bytes()
    assert first == second
    _, meta = pyreadstat.read_sav(str(tmp_path / "a.sav"), metadataonly=True)
    assert meta.creation_time.year == 1970


def test_round_trip_from_instrument_to_sav_and_back(tmp_path: Path):
    """Instrument -> synthetic data -> validation passes -> .sav -> read back, labels equal."""
    from analysis.instrument import load_population
    from analysis.synthetic import synthetic_responses
    from analysis.validation import validate_responses

    population = load_population(REPO_ROOT / "survey" / "population.yaml", INSTRUMENT)
    drawn = synthetic_responses(INSTRUMENT, population, n=300, random_state=8)
    validated = validate_responses(drawn, INSTRUMENT, source="synthetic draw")
    path = write_sav(validated.data, INSTRUMENT, tmp_path / "round.sav", language="zh")
    back, variable_labels, value_labels = read_sav_labels(path)
    for variable in INSTRUMENT.variables:
        if variable.values:
            assert value_labels[variable.code] == {
                float(v.code): v.label["zh"] for v in variable.values
            }, variable.code
            expected = validated.data[variable.code].astype("float64").to_numpy(na_value=np.nan)
            np.testing.assert_array_equal(back[variable.code].to_numpy(), expected)
    assert len(variable_labels) == len(INSTRUMENT.variables)
