"""The instrument and the population model: the shipped files load; broken ones are named."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from analysis.config import REPO_ROOT
from analysis.instrument import (
    InstrumentError,
    load_instrument,
    load_population,
)

INSTRUMENT = REPO_ROOT / "survey" / "instrument.yaml"
POPULATION = REPO_ROOT / "survey" / "population.yaml"


def _raw(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _write(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _variable(raw: dict[str, Any], code: str) -> dict[str, Any]:
    return next(v for v in raw["profile"] if v["code"] == code)


# --------------------------------------------------------------------------------------------
# The shipped instrument


def test_shipped_instrument_has_the_profile_variables():
    instrument = load_instrument(INSTRUMENT)
    assert instrument.id == "crm-citic-zhengzhou-survey"
    assert instrument.language == "zh"
    assert instrument.profile_codes == ("gender", "age_band", "bank_type")
    assert instrument.variable("age_band").codes == (1, 2, 3, 4, 5)
    assert all(v.type == "categorical" and v.missing_codes == (99,) for v in instrument.profile)


def test_value_labels_are_given_in_chinese_and_english():
    instrument = load_instrument(INSTRUMENT)
    assert instrument.value_labels("gender", "zh") == {1: "男", 2: "女"}
    assert instrument.value_labels("bank_type", "zh") == {
        1: "中信银行郑州分行",
        2: "其他国内银行",
        3: "外资银行",
    }
    assert instrument.value_labels("bank_type", "en")[1] == "China CITIC Bank Zhengzhou branch"
    assert instrument.value_labels("age_band", "zh")[1] == "18–25岁"
    assert instrument.variable_labels("en") == {
        "gender": "Gender",
        "age_band": "Age",
        "bank_type": "Main bank",
    }


def test_instrument_is_immutable():
    instrument = load_instrument(INSTRUMENT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        instrument.id = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        instrument.variable("gender").values[0].label["en"] = "M"  # type: ignore[index]


def test_unknown_language_and_variable_are_named():
    instrument = load_instrument(INSTRUMENT)
    with pytest.raises(
        ValueError,
        match=r"'language' parameter of Variable\.value_labels must be one of \['zh', 'en'\]",
    ):
        instrument.value_labels("gender", "fr")
    with pytest.raises(KeyError, match=r"no profile variable 'income'.*'bank_type'"):
        instrument.variable("income")


# --------------------------------------------------------------------------------------------
# Broken instruments: every message names the file, where, and the fix

Mutation = Callable[[dict[str, Any]], None]


def _set(code: str, key: str, value: Any) -> Mutation:
    return lambda raw: _variable(raw, code).__setitem__(key, value)


def _duplicate_value_code(raw: dict[str, Any]) -> None:
    _variable(raw, "gender")["values"][1]["code"] = 1


def _drop_english_label(raw: dict[str, Any]) -> None:
    del _variable(raw, "bank_type")["values"][2]["label"]["en"]


def _duplicate_variable(raw: dict[str, Any]) -> None:
    raw["profile"][1]["code"] = "gender"


def _drop_values(raw: dict[str, Any]) -> None:
    del raw["profile"][0]["values"]


def _string_code(raw: dict[str, Any]) -> None:
    _variable(raw, "gender")["values"][0]["code"] = "1"


BROKEN_INSTRUMENTS: list[tuple[str, Mutation, str]] = [
    (
        "duplicate value codes",
        _duplicate_value_code,
        r"profile variable 'gender', key 'values': code\(s\) \[1\] declared more than once\. "
        r"Give each answer option its own integer code",
    ),
    (
        "missing label",
        _drop_english_label,
        r"profile variable 'bank_type', value 3, key 'label': missing or empty label in "
        r"language\(s\) \['en'\]\. Add a non-empty text",
    ),
    (
        "unknown type",
        _set("age_band", "type", "likert"),
        r"profile variable 'age_band', key 'type': unknown type 'likert'\. Supported types are "
        r"\['categorical'\]",
    ),
    (
        "unknown key",
        _set("gender", "missing_code", [9]),
        r"profile variable 1: unknown key\(s\) \['missing_code'\]\. Known keys are .*correct the "
        r"spelling",
    ),
    (
        "missing key",
        _drop_values,
        r"profile variable 1: missing key\(s\) \['values'\]",
    ),
    (
        "duplicate variable code",
        _duplicate_variable,
        r"section 'profile': variable code\(s\) \['gender'\] used more than once",
    ),
    (
        "missing code that is an answer code",
        _set("gender", "missing_codes", [2, 99]),
        r"profile variable 'gender', key 'missing_codes': code\(s\) \[2\] are also answer codes",
    ),
    (
        "code as text",
        _string_code,
        r"value 1, key 'code': must be an integer code\. Got '1'\. Write the code as a whole",
    ),
    (
        "variable code not snake_case",
        _set("bank_type", "code", "Bank Type"),
        r"profile variable 3, key 'code': must be a snake_case name.*Got 'Bank Type'",
    ),
    (
        "reserved variable code",
        _set("bank_type", "code", "respondent_id"),
        r"must be a snake_case name other than 'respondent_id'",
    ),
    (
        "unquoted version",
        lambda raw: raw["instrument"].__setitem__("version", 0.1),
        r"section 'instrument', key 'version': must be a non-empty text\. Got 0\.1\. Quote",
    ),
    (
        "unknown language",
        lambda raw: raw["instrument"].__setitem__("language", "fr"),
        r"key 'language': must be one of \['zh', 'en'\]\. Got 'fr'",
    ),
    (
        "unknown top-level section",
        lambda raw: raw.__setitem__("profiel", []),
        r"top level: unknown key\(s\) \['profiel'\]",
    ),
    (
        "empty profile",
        lambda raw: raw.__setitem__("profile", []),
        r"section 'profile': must be a non-empty list",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [case[1:] for case in BROKEN_INSTRUMENTS],
    ids=[case[0] for case in BROKEN_INSTRUMENTS],
)
def test_broken_instrument_is_named(tmp_path: Path, mutate: Mutation, message: str):
    raw = copy.deepcopy(_raw(INSTRUMENT))
    mutate(raw)
    path = _write(tmp_path / "broken_instrument.yaml", raw)
    with pytest.raises(InstrumentError, match=message) as info:
        load_instrument(path)
    assert str(info.value).startswith(str(path)), "the message must name the file first"


def test_missing_instrument_file_is_named(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match=r"instrument file .*nowhere\.yaml does not exist"):
        load_instrument(tmp_path / "nowhere.yaml")


def test_invalid_yaml_is_named(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("instrument: [unclosed\n", encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"bad\.yaml is not valid YAML"):
        load_instrument(path)


# --------------------------------------------------------------------------------------------
# The population model


def test_shipped_population_matches_the_instrument():
    instrument = load_instrument(INSTRUMENT)
    population = load_population(POPULATION, instrument)
    assert population.missing_rate == 0.01
    assert dict(population.probabilities["bank_type"]) == {1: 0.50, 2: 0.35, 3: 0.15}
    assert tuple(population.probabilities) == instrument.profile_codes
    for code, probabilities in population.probabilities.items():
        assert tuple(probabilities) == instrument.variable(code).codes


def test_shipped_population_says_it_is_illustrative():
    text = POPULATION.read_text(encoding="utf-8")
    assert "ILLUSTRATIVE ASSUMPTIONS" in text.split("\n\n")[0]
    assert "not estimates from the thesis" in text


def _broken_population(tmp_path: Path, mutate: Mutation) -> Path:
    raw = copy.deepcopy(_raw(POPULATION))
    mutate(raw)
    return _write(tmp_path / "broken_population.yaml", raw)


def _probabilities(code: str, probabilities: dict[int, float]) -> Mutation:
    return lambda raw: raw["profile"][code].__setitem__("probabilities", probabilities)


BROKEN_POPULATIONS: list[tuple[str, Mutation, str]] = [
    (
        "sum above 1",
        _probabilities("bank_type", {1: 0.5, 2: 0.35, 3: 0.2}),
        r"profile variable 'bank_type', key 'probabilities': the probabilities sum to "
        r"1\.05, not 1 \(tolerance 1e-09\)\. Adjust them",
    ),
    (
        "sum off by 1e-8",
        _probabilities("gender", {1: 0.48, 2: 0.52 + 1e-8}),
        r"profile variable 'gender', key 'probabilities': the probabilities sum to 1\.00000001",
    ),
    (
        "code missing",
        _probabilities("bank_type", {1: 0.5, 2: 0.5}),
        r"'bank_type', key 'probabilities': the codes must be exactly the instrument's answer "
        r"codes \[1, 2, 3\]; missing \[3\], not in the instrument \[\]",
    ),
    (
        "code not in the instrument",
        _probabilities("gender", {1: 0.5, 2: 0.4, 9: 0.1}),
        r"missing \[\], not in the instrument \[9\]",
    ),
    (
        "negative probability",
        _probabilities("gender", {1: 1.5, 2: -0.5}),
        r"'gender', key 'probabilities', code 1: must be a probability in \[0, 1\]\. Got 1\.5",
    ),
    (
        "variable missing",
        lambda raw: raw["profile"].pop("age_band"),
        r"section 'profile': the variables must be exactly the instrument's profile variables; "
        r"missing \['age_band'\]",
    ),
    (
        "variable not in the instrument",
        lambda raw: raw["profile"].__setitem__("income", {"probabilities": {1: 1.0}}),
        r"not in .*instrument\.yaml \['income'\]",
    ),
    (
        "unknown key",
        lambda raw: raw["profile"]["gender"].__setitem__("probabilty", {}),
        r"profile variable 'gender': unknown key\(s\) \['probabilty'\]",
    ),
    (
        "missing rate of 1",
        lambda raw: raw.__setitem__("missing_rate", 1),
        r"key 'missing_rate': must be below 1",
    ),
    (
        "other instrument",
        lambda raw: raw["population"].__setitem__("instrument", "another-survey"),
        r"the model is written for instrument 'another-survey', but .*instrument\.yaml is "
        r"'crm-citic-zhengzhou-survey'",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [case[1:] for case in BROKEN_POPULATIONS],
    ids=[case[0] for case in BROKEN_POPULATIONS],
)
def test_broken_population_is_named(tmp_path: Path, mutate: Mutation, message: str):
    path = _broken_population(tmp_path, mutate)
    with pytest.raises(InstrumentError, match=message) as info:
        load_population(path, load_instrument(INSTRUMENT))
    assert str(info.value).startswith(str(path)), "the message must name the file first"


def test_probabilities_within_tolerance_are_accepted(tmp_path: Path):
    raw = copy.deepcopy(_raw(POPULATION))
    raw["profile"]["gender"]["probabilities"] = {1: 0.48, 2: 0.52 + 5e-10}
    path = _write(tmp_path / "population.yaml", raw)
    population = load_population(path, load_instrument(INSTRUMENT))
    assert population.probabilities["gender"][2] == 0.52 + 5e-10
