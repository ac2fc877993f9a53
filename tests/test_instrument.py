"""The instrument and the population model: the shipped files load; broken ones are named."""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.config import REPO_ROOT
from analysis.instrument import (
    BINARY_VALUES,
    DEFAULT_REFERENCES,
    InstrumentError,
    load_instrument,
    load_population,
)

INSTRUMENT = REPO_ROOT / "survey" / "instrument.yaml"
POPULATION = REPO_ROOT / "survey" / "population.yaml"
BIB_KEYS = set(re.findall(r"@\w+\{([^,\s]+),", DEFAULT_REFERENCES.read_text(encoding="utf-8")))
TOUCHPOINTS = ("staff", "personal", "channel", "product", "communication", "complaint")
CONSTRUCTS = (
    "image",
    "expectation",
    *TOUCHPOINTS,
    "value",
    "satisfaction",
    "trust",
    "loyalty",
)
CHANNELS = ("branch", "atm", "mobile_app", "online", "wechat", "phone", "manager")
#: Settings of the property tests: each example writes and loads a whole instrument file.
FILE_EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _raw(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


RAW_INSTRUMENT = _raw(INSTRUMENT)


def _write(path: Path, data: Any) -> Path:
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def _variable(raw: dict[str, Any], code: str) -> dict[str, Any]:
    return next(v for v in raw["profile"] if v["code"] == code)


def _construct(raw: dict[str, Any], code: str) -> dict[str, Any]:
    return next(c for c in raw["constructs"] if c["code"] == code)


def _item(raw: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for c in raw["constructs"] for i in c["items"] if i["code"] == code)


def _section(raw: dict[str, Any], section_id: str) -> dict[str, Any]:
    return next(s for s in raw["sections"] if s["id"] == section_id)


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(INSTRUMENT)


# --------------------------------------------------------------------------------------------
# The shipped instrument


def test_shipped_instrument_is_identified_and_introduced(instrument):
    assert instrument.id == "crm-citic-zhengzhou-survey"
    assert instrument.version == "1.0.0"
    assert instrument.language == "zh"
    for phrase in ("匿名", "学术研究", "10分钟"):
        assert phrase in instrument.introduction["zh"]
    for phrase in ("anonymous", "academic research", "10 minutes"):
        assert phrase in instrument.introduction["en"]
    assert "中信银行郑州分行" in instrument.sampling["zh"]
    assert "感谢" in instrument.closing["zh"]
    assert instrument.missing_codes == (99,)


def test_header_says_the_items_are_reconstructed_not_verbatim():
    header = INSTRUMENT.read_text(encoding="utf-8").split("\n\n")[0]
    assert "RECONSTRUCTED" in header
    assert "NOT the original scale items" in header


def test_scales_label_every_point(instrument):
    agree = instrument.scales["agree7"]
    assert agree.codes == (1, 2, 3, 4, 5, 6, 7)
    assert [agree.labels[p]["zh"] for p in agree.codes] == [
        "非常不同意",
        "不同意",
        "比较不同意",
        "一般",
        "比较同意",
        "同意",
        "非常同意",
    ]
    importance = instrument.scales["importance7"]
    assert (importance.labels[1]["zh"], importance.labels[7]["zh"]) == ("非常不重要", "非常重要")


def test_constructs_have_three_or_four_items(instrument):
    assert tuple(c.code for c in instrument.constructs) == CONSTRUCTS
    for construct in instrument.constructs:
        assert 3 <= len(construct.items) <= 4, construct.code
        assert all(item.construct == construct.code for item in construct.items)
        assert all(item.type == "likert" and item.scale == "agree7" for item in construct.items)
        assert all(item.codes == tuple(range(1, 8)) for item in construct.items)


def test_every_touchpoint_has_exactly_one_importance_item(instrument):
    touchpoints = tuple(c.code for c in instrument.constructs if c.touchpoint)
    assert touchpoints == TOUCHPOINTS
    for code in touchpoints:
        (item,) = instrument.items(code, role="importance")
        assert item.code == f"imp_{code}"
        assert item.scale == "importance7"
    assert len(instrument.importance.items) == len(touchpoints)


def test_every_source_key_is_in_the_bibliography(instrument):
    cited = {key for construct in instrument.constructs for key in construct.sources}
    cited |= {key for variable in instrument.variables for key in variable.sources}
    assert cited <= BIB_KEYS
    assert {"martilla1977importance", "meade2012identifying"} <= cited
    assert all(construct.sources for construct in instrument.constructs)


def test_cited_references_have_a_doi_or_a_stable_url(instrument):
    bib = DEFAULT_REFERENCES.read_text(encoding="utf-8")
    entries = dict(re.findall(r"@\w+\{([^,\s]+),(.*?)\n\}", bib, flags=re.S))
    cited = {key for construct in instrument.constructs for key in construct.sources}
    for key in cited:
        assert re.search(r"^\s*(doi|url)\s*=", entries[key], flags=re.M), key


def test_multiple_choice_is_expanded_into_0_1_columns(instrument):
    columns = instrument.group("main_channels")
    assert tuple(c.code for c in columns) == tuple(f"main_channels_{o}" for o in CHANNELS)
    for column in columns:
        assert column.type == "binary"
        assert column.values == BINARY_VALUES
        assert column.group == "main_channels"
        assert column.role == "profile"
        assert column.question["zh"].endswith("（可多选）")
    assert instrument.variable_labels("en")["main_channels_wechat"] == (
        "Main channels: WeChat banking or mini-programme"
    )
    assert instrument.value_labels("main_channels_atm", "zh") == {0: "未选择", 1: "已选择"}


def test_multiple_choice_question_is_not_a_column(instrument):
    with pytest.raises(KeyError, match=r"'main_channels' is a multiple-choice question; its "):
        instrument.variable("main_channels")
    with pytest.raises(KeyError, match=r"no multiple-choice question 'gender'.*main_channels"):
        instrument.group("gender")


def test_reverse_keyed_items(instrument):
    reverse = {item.code: item.construct for item in instrument.items() if item.reverse}
    assert reverse == {"cha4": "channel", "tru4": "trust"}
    assert not any(v.reverse for v in instrument.variables if v.role != "item")


def test_complaint_items_are_asked_only_of_complainants(instrument):
    conditional = {item.code: item.ask_if for item in instrument.items() if item.ask_if}
    assert set(conditional) == set(instrument.construct("complaint").item_codes)
    for condition in conditional.values():
        assert (condition.variable, condition.codes) == ("complained_12m", (1,))
        assert condition.asks(1) and not condition.asks(2) and not condition.asks(None)
    (complained,) = instrument.filters
    assert complained.codes == (1, 2)
    order = instrument.column_codes
    assert order.index("complained_12m") < order.index("cmp1")


def test_attention_check_expects_somewhat_agree_mid_questionnaire(instrument):
    (check,) = instrument.attention_checks
    assert check.expected == 5
    assert instrument.value_labels(check.code, "zh")[check.expected] == "比较同意"
    likert = [variable.code for variable in instrument.items(role=None)]
    assert 0.25 < likert.index(check.code) / len(likert) < 0.75


def test_model_paths_reference_constructs(instrument):
    paths = instrument.model.paths
    codes = {construct.code for construct in instrument.constructs}
    assert all(source in codes and target in codes for source, target in paths)
    assert "complaint" not in instrument.model.constructs
    drivers = ("staff", "personal", "channel", "product", "communication")
    expected = {
        ("image", "expectation"),
        ("image", "satisfaction"),
        ("image", "loyalty"),
        ("expectation", "value"),
        ("expectation", "satisfaction"),
        *((driver, target) for driver in drivers for target in ("value", "satisfaction")),
        ("value", "satisfaction"),
        ("satisfaction", "trust"),
        ("satisfaction", "loyalty"),
        ("trust", "loyalty"),
    }
    assert set(paths) == expected and len(paths) == len(expected)
    assert instrument.model.predictors("loyalty") == ("image", "satisfaction", "trust")
    assert instrument.model.outcomes == ("satisfaction", "loyalty")


def test_yaml_says_why_complaint_is_not_in_the_model():
    text = INSTRUMENT.read_text(encoding="utf-8")
    assert "NOT in the structural" in text


def test_sections_ask_everything_once_in_order(instrument):
    assert [s.id for s in instrument.sections] == ["A", "B", "C", "D", "E", "F"]
    assert instrument.column_codes[:2] == ("respondent_id", "duration_seconds")
    asked = instrument.column_codes[2:]
    assert len(asked) == len(set(asked))
    assert asked[0] == "bank_type"
    assert instrument.variable("duration_seconds").required is False
    assert {v.role for v in instrument.variables} == {
        "meta",
        "profile",
        "item",
        "importance",
        "attention",
        "filter",
    }


def test_profile_keeps_the_codes_of_version_0_1(instrument):
    assert instrument.value_labels("gender", "zh") == {1: "男", 2: "女"}
    assert instrument.value_labels("age_band", "zh")[1] == "18–25岁"
    assert instrument.variable("age_band").codes == (1, 2, 3, 4, 5)
    assert instrument.value_labels("bank_type", "zh") == {
        1: "中信银行郑州分行",
        2: "其他国内银行",
        3: "外资银行",
    }
    assert instrument.value_labels("bank_type", "en")[1] == "China CITIC Bank Zhengzhou branch"


def test_profile_is_in_the_order_of_the_file(instrument):
    assert instrument.profile_codes == (
        "gender",
        "age_band",
        "education",
        "income_band",
        "occupation",
        "bank_type",
        "tenure_years",
        "assets_band",
        "products_held",
        *(f"main_channels_{o}" for o in CHANNELS),
    )
    assert all(v.missing_codes == (99,) for v in instrument.profile)
    labels = instrument.variable_labels("en")
    assert [labels[c] for c in instrument.profile_codes[:3]] == ["Gender", "Age", "Education"]


def test_items_selects_by_construct_and_role(instrument):
    assert [item.code for item in instrument.items("trust")] == ["tru1", "tru2", "tru3", "tru4"]
    assert len(instrument.items()) == sum(len(c.items) for c in instrument.constructs)
    assert len(instrument.items(role=None)) == len(instrument.items()) + 6 + 1
    assert instrument.value_labels("sat1", "en")[1] == "Strongly disagree"


def test_unknown_language_construct_role_and_variable_are_named(instrument):
    with pytest.raises(
        ValueError,
        match=r"'language' parameter of Variable\.value_labels must be one of \['zh', 'en'\]",
    ):
        instrument.value_labels("gender", "fr")
    with pytest.raises(KeyError, match=r"no variable 'income'.*'bank_type'"):
        instrument.variable("income")
    with pytest.raises(KeyError, match=r"no construct 'quality'.*'image'"):
        instrument.items("quality")
    with pytest.raises(ValueError, match=r"'role' parameter of Instrument\.items must be one of"):
        instrument.items(role="profile")


def test_instrument_is_immutable(instrument):
    with pytest.raises(dataclasses.FrozenInstanceError):
        instrument.id = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        instrument.variable("gender").values[0].label["en"] = "M"  # type: ignore[index]
    with pytest.raises(TypeError):
        instrument.scales["x"] = None  # type: ignore[index]


# --------------------------------------------------------------------------------------------
# Broken instruments: every message names the file, the place and the fix

Mutation = Callable[[dict[str, Any]], None]


def _set(code: str, key: str, value: Any) -> Mutation:
    return lambda raw: _variable(raw, code).__setitem__(key, value)


def _set_item(code: str, key: str, value: Any) -> Mutation:
    return lambda raw: _item(raw, code).__setitem__(key, value)


def _set_path(index: int, value: Any) -> Mutation:
    return lambda raw: raw["model"]["paths"].__setitem__(index, value)


def _contents(section_id: str, contents: list[str]) -> Mutation:
    return lambda raw: _section(raw, section_id).__setitem__("contents", contents)


def _duplicate_value_code(raw: dict[str, Any]) -> None:
    _variable(raw, "gender")["values"][1]["code"] = 1


def _drop_english_label(raw: dict[str, Any]) -> None:
    del _variable(raw, "bank_type")["values"][2]["label"]["en"]


def _drop_chinese_item_text(raw: dict[str, Any]) -> None:
    _item(raw, "sta2")["text"]["zh"] = " "


def _drop_values(raw: dict[str, Any]) -> None:
    del _variable(raw, "gender")["values"]


def _string_code(raw: dict[str, Any]) -> None:
    _variable(raw, "gender")["values"][0]["code"] = "1"


def _drop_scale_point(raw: dict[str, Any]) -> None:
    del raw["scales"]["agree7"]["labels"][4]


def _values_for_multiple(raw: dict[str, Any]) -> None:
    _variable(raw, "main_channels")["values"] = [{"code": 1, "label": {"zh": "是", "en": "Yes"}}]


def _duplicate_option(raw: dict[str, Any]) -> None:
    options = _variable(raw, "main_channels")["options"]
    options[1]["code"] = options[0]["code"]


def _drop_importance_item(raw: dict[str, Any]) -> None:
    raw["importance"]["items"].pop()


def _second_importance_item(raw: dict[str, Any]) -> None:
    raw["importance"]["items"][1]["touchpoint"] = "staff"


def _unknown_source(raw: dict[str, Any]) -> None:
    _construct(raw, "trust")["sources"] = ["morgan1994commitment", "doe2020invented"]


def _profile_code_equal_to_item(raw: dict[str, Any]) -> None:
    _variable(raw, "occupation")["code"] = "sat1"
    _section(raw, "F")["contents"][-1] = "sat1"


def _construct_code_equal_to_filter(raw: dict[str, Any]) -> None:
    _construct(raw, "complaint")["code"] = "complained_12m"


def _drop_respondent_id(raw: dict[str, Any]) -> None:
    del raw["metadata"]["respondent_id"]


def _section_twice(raw: dict[str, Any]) -> None:
    _section(raw, "F")["contents"].append("trust")


def _omit_construct(raw: dict[str, Any]) -> None:
    _section(raw, "D")["contents"].remove("trust")


def _filter_after_its_items(raw: dict[str, Any]) -> None:
    contents = _section(raw, "C")["contents"]
    contents.remove("complained_12m")
    contents.append("complained_12m")


def _cycle(raw: dict[str, Any]) -> None:
    raw["model"]["paths"].append(["loyalty", "image"])


def _complaint_in_model(raw: dict[str, Any]) -> None:
    raw["model"]["paths"].append(["complaint", "satisfaction"])


def _duplicate_path(raw: dict[str, Any]) -> None:
    raw["model"]["paths"].append(["trust", "loyalty"])


def _rename_profile(raw: dict[str, Any]) -> None:
    raw["profiel"] = raw.pop("profile")


BROKEN_INSTRUMENTS: list[tuple[str, Mutation, str]] = [
    (
        "duplicate value codes",
        _duplicate_value_code,
        r"profile\[0\] 'gender', key 'values': code\(s\) \[1\] declared more than once\. "
        r"Give each answer option its own integer code",
    ),
    (
        "missing English text",
        _drop_english_label,
        r"profile\[5\] 'bank_type', value 3, key 'label': missing or empty text in "
        r"language\(s\) \['en'\]\. Add a non-empty text",
    ),
    (
        "empty Chinese item text",
        _drop_chinese_item_text,
        r"constructs\[2\] 'staff'\.items\[1\] 'sta2', key 'text': missing or empty text in "
        r"language\(s\) \['zh'\]",
    ),
    (
        "unknown type",
        _set("age_band", "type", "likert"),
        r"profile\[1\] 'age_band', key 'type': unknown type 'likert'\. Supported types are "
        r"\['categorical', 'multiple'\]",
    ),
    (
        "unknown key",
        _set("gender", "missing_code", [9]),
        r"profile\[0\]: unknown key\(s\) \['missing_code'\]\. Known keys are .*correct the "
        r"spelling",
    ),
    (
        "unknown key in an item",
        _set_item("tru4", "reversed", True),
        r"constructs\[10\] 'trust'\.items\[3\]: unknown key\(s\) \['reversed'\]",
    ),
    (
        "no answers",
        _drop_values,
        r"profile\[0\] 'gender': a question of type 'categorical' lists its answers under "
        r"'values', and has no 'options'\. Give the answers under 'values'",
    ),
    (
        "values for a multiple choice",
        _values_for_multiple,
        r"profile\[9\] 'main_channels': a question of type 'multiple' lists its answers under "
        r"'options'",
    ),
    (
        "missing code that is an answer code",
        _set("gender", "missing_codes", [2, 99]),
        r"profile\[0\] 'gender', key 'missing_codes': code\(s\) \[2\] are also answer codes",
    ),
    (
        "code as text",
        _string_code,
        r"value 1, key 'code': must be an integer code\. Got '1'\. Write the code as a whole",
    ),
    (
        "variable code not snake_case",
        _set("bank_type", "code", "Bank Type"),
        r"profile\[5\], key 'code': must be a snake_case name.*Got 'Bank Type'",
    ),
    (
        "reverse not a boolean",
        _set_item("cha4", "reverse", "yes"),
        r"constructs\[4\] 'channel'\.items\[3\] 'cha4', key 'reverse': must be true or false",
    ),
    (
        "unquoted version",
        lambda raw: raw["instrument"].__setitem__("version", 1.0),
        r"section 'instrument', key 'version': must be a non-empty text\. Got 1\.0\. Quote",
    ),
    (
        "unknown language",
        lambda raw: raw["instrument"].__setitem__("language", "fr"),
        r"key 'language': must be one of \['zh', 'en'\]\. Got 'fr'",
    ),
    (
        "introduction without English",
        lambda raw: raw["instrument"]["introduction"].pop("en"),
        r"section 'instrument', key 'introduction': missing or empty text in language\(s\) "
        r"\['en'\]",
    ),
    (
        "unknown top-level key",
        _rename_profile,
        r"top level: unknown key\(s\) \['profiel'\]",
    ),
    (
        "empty profile",
        lambda raw: raw.__setitem__("profile", []),
        r"section 'profile': must be a non-empty list",
    ),
    (
        "unknown scale",
        _set_item("sat2", "scale", "agree5"),
        r"constructs\[9\] 'satisfaction'\.items\[1\] 'sat2', key 'scale': unknown scale "
        r"'agree5'\. Use one of the scales declared under 'scales': \['agree7', 'importance7'\]",
    ),
    (
        "scale point without label",
        _drop_scale_point,
        r"scales 'agree7', key 'labels': every point 1\.\.7 needs exactly one label; missing "
        r"\[4\]",
    ),
    (
        "source not in the bibliography",
        _unknown_source,
        r"constructs\[10\] 'trust', key 'sources': key\(s\) \['doe2020invented'\] are not in "
        r"paper/references\.bib\. Add the reference there \(with its DOI or a stable URL\)",
    ),
    (
        "profile code equal to an item code",
        _profile_code_equal_to_item,
        r"profile\[4\] 'sat1': the code 'sat1' is already used at constructs\[9\] "
        r"'satisfaction'\.items\[0\] 'sat1'\. Give each construct, question and column its own",
    ),
    (
        "construct code equal to a filter code",
        _construct_code_equal_to_filter,
        r"filters\[0\] 'complained_12m': the code 'complained_12m' is already used at "
        r"constructs\[7\] 'complained_12m'",
    ),
    (
        "two options with one code",
        _duplicate_option,
        r"profile\[9\] 'main_channels'\.options\[1\] 'branch': the code 'main_channels_branch' "
        r"is already used at profile\[9\] 'main_channels'\.options\[0\] 'branch'",
    ),
    (
        "respondent id as a profile code",
        _set("bank_type", "code", "respondent_id"),
        r"profile\[5\] 'respondent_id': the code 'respondent_id' is already used at metadata "
        r"'respondent_id'",
    ),
    (
        "no respondent id",
        _drop_respondent_id,
        r"section 'metadata': must map column names to their type and declare 'respondent_id'",
    ),
    (
        "metadata of unknown type",
        lambda raw: raw["metadata"]["duration_seconds"].__setitem__("type", "seconds"),
        r"metadata 'duration_seconds', key 'type': must be 'id' for 'respondent_id' and one of "
        r"\['duration'\]",
    ),
    (
        "ask_if naming an unknown filter",
        _set_item("cmp2", "ask_if", {"variable": "complained", "in": [1]}),
        r"constructs\[7\] 'complaint'\.items\[1\] 'cmp2', key 'ask_if': refers to 'complained', "
        r"which is not a filter question\. Name one of the questions under 'filters': "
        r"\['complained_12m'\]",
    ),
    (
        "ask_if naming a profile question",
        _set_item("cmp1", "ask_if", {"variable": "gender", "in": [1]}),
        r"'cmp1', key 'ask_if': refers to 'gender', which is not a filter question",
    ),
    (
        "ask_if naming an unknown code",
        _set_item("cmp3", "ask_if", {"variable": "complained_12m", "in": [1, 3]}),
        r"'cmp3', key 'ask_if', key 'in': code\(s\) \[3\] are not answer codes of "
        r"'complained_12m' \[1, 2\]",
    ),
    (
        "filter asked after its items",
        _filter_after_its_items,
        r"'cmp1', key 'ask_if': the filter 'complained_12m' comes after the item in the "
        r"sections\. List the filter before",
    ),
    (
        "importance item missing",
        _drop_importance_item,
        r"importance, key 'items': every touch-point needs exactly one importance item; none "
        r"for \['complaint'\], more than one for \[\]",
    ),
    (
        "two importance items for one touch-point",
        _second_importance_item,
        r"none for \['personal'\], more than one for \['staff'\]",
    ),
    (
        "importance item for a non-touch-point",
        lambda raw: raw["importance"]["items"][0].__setitem__("touchpoint", "trust"),
        r"importance\.items\[0\] 'imp_staff', key 'touchpoint': 'trust' is not a touch-point "
        r"construct\. Name one of the constructs with touchpoint: true",
    ),
    (
        "attention check expecting an answer off the scale",
        lambda raw: raw["attention_checks"][0].__setitem__("expected", 8),
        r"attention_checks\[0\] 'attn1', key 'expected': must be a point of the scale 'agree7' "
        r"\[1, 2, 3, 4, 5, 6, 7\]\. Got 8",
    ),
    (
        "section listing an unknown code",
        _contents("F", ["gender", "age_band", "education", "income_band", "occupaton"]),
        r"sections\[5\] 'F'\.contents\[4\]: unknown code 'occupaton'\. A section lists",
    ),
    (
        "section listing an item",
        _contents("D", ["value", "satisfaction", "tru1", "loyalty"]),
        r"sections\[3\] 'D'\.contents\[2\]: unknown code 'tru1'\. 'tru1' belongs to 'trust': "
        r"list that instead",
    ),
    (
        "section listing a question twice",
        _section_twice,
        r"sections\[5\] 'F'\.contents\[5\]: 'trust' is already listed at sections\[3\] "
        r"'D'\.contents\[2\]\. List each question once",
    ),
    (
        "section omitting a construct",
        _omit_construct,
        r"section 'sections': \['trust'\] are declared but not listed in any section\. Add each",
    ),
    (
        "model path naming an unknown construct",
        _set_path(3, ["expectations", "value"]),
        r"model\.paths\[3\]: unknown construct 'expectations'\. Correct the code or declare the "
        r"construct; constructs are \['image', ",
    ),
    (
        "model path that is not a pair",
        _set_path(0, ["image"]),
        r"model\.paths\[0\]: must be a pair \[from, to\] of construct codes\. Got \['image'\]",
    ),
    (
        "model path from a construct to itself",
        _set_path(0, ["image", "image"]),
        r"model\.paths\[0\]: a path from 'image' to itself\. Remove it",
    ),
    (
        "model path listed twice",
        _duplicate_path,
        r"model\.paths\[19\]: the path \['trust', 'loyalty'\] is already listed at "
        r"model\.paths\[18\]",
    ),
    (
        "model with complaint handling",
        _complaint_in_model,
        r"model\.paths\[19\]: construct 'complaint' is asked only of some respondents \(ask_if\)"
        r".*Leave it out of the structural model",
    ),
    (
        "model with a cycle",
        _cycle,
        r"model\.paths: the paths form a cycle image -> \w+ -> .*image\. The structural model "
        r"must be recursive",
    ),
    (
        "outcome that is not explained",
        lambda raw: raw["model"].__setitem__("outcomes", ["loyalty", "image"]),
        r"model\.outcomes\[1\]: 'image' is not the target of any path",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [case[1:] for case in BROKEN_INSTRUMENTS],
    ids=[case[0] for case in BROKEN_INSTRUMENTS],
)
def test_broken_instrument_is_named(tmp_path: Path, mutate: Mutation, message: str):
    raw = copy.deepcopy(RAW_INSTRUMENT)
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


def test_a_key_given_twice_is_an_error_not_silently_the_last(tmp_path: Path):
    text = INSTRUMENT.read_text(encoding="utf-8")
    doubled = text.replace("  id: crm-citic-zhengzhou-survey\n", "  id: a\n  id: b\n", 1)
    path = tmp_path / "doubled.yaml"
    path.write_text(doubled, encoding="utf-8")
    with pytest.raises(
        InstrumentError, match=r"(?s)not valid YAML: .*found the key 'id' twice.*doubled\.yaml"
    ):
        load_instrument(path)


def test_missing_bibliography_is_named(tmp_path: Path):
    with pytest.raises(
        InstrumentError,
        match=r"constructs\[0\] 'image', key 'sources': the bibliography .*none\.bib does not "
        r"exist.*pass references=",
    ):
        load_instrument(INSTRUMENT, references=tmp_path / "none.bib")


def test_another_bibliography_can_be_passed(tmp_path: Path):
    bib = tmp_path / "refs.bib"
    bib.write_text(DEFAULT_REFERENCES.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_instrument(INSTRUMENT, references=bib).references == bib


# --------------------------------------------------------------------------------------------
# Properties


def _text_places(node: Any, trail: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths (keys and indices) of every {zh, en} text in a raw instrument."""
    if isinstance(node, dict):
        if set(node) == {"zh", "en"}:
            yield trail
            return
        for key, value in node.items():
            yield from _text_places(value, (*trail, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _text_places(value, (*trail, index))


TEXT_PLACES = list(_text_places(RAW_INSTRUMENT))


def _get(node: Any, trail: tuple[Any, ...]) -> Any:
    for step in trail:
        node = node[step]
    return node


@FILE_EXAMPLES
@given(place=st.sampled_from(TEXT_PLACES), language=st.sampled_from(["zh", "en"]))
def test_any_text_missing_a_language_is_named(tmp_path: Path, place, language):
    raw = copy.deepcopy(RAW_INSTRUMENT)
    del _get(raw, place)[language]
    path = _write(tmp_path / "text.yaml", raw)
    with pytest.raises(
        InstrumentError, match=rf"missing or empty text in language\(s\) \['{language}'\]"
    ):
        load_instrument(path)


def _code_holders(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """Every mapping of the raw instrument that declares a code of the shared namespace."""
    return [
        *raw["constructs"],
        *(item for construct in raw["constructs"] for item in construct["items"]),
        *raw["importance"]["items"],
        *raw["attention_checks"],
        *raw["profile"],
        *raw["filters"],
    ]


HOLDERS = len(_code_holders(RAW_INSTRUMENT))


@FILE_EXAMPLES
@given(pair=st.lists(st.integers(0, HOLDERS - 1), min_size=2, max_size=2, unique=True))
def test_any_code_used_twice_is_named(tmp_path: Path, pair):
    raw = copy.deepcopy(RAW_INSTRUMENT)
    holders = _code_holders(raw)
    code = holders[pair[0]]["code"]
    holders[pair[1]]["code"] = code
    path = _write(tmp_path / "twice.yaml", raw)
    with pytest.raises(InstrumentError, match=rf"the code '{code}' is already used at "):
        load_instrument(path)


#: Constructs the structural model may contain (complaint handling is asked conditionally).
MODEL_CONSTRUCTS = [code for code in CONSTRUCTS if code != "complaint"]


@st.composite
def _recursive_models(draw) -> list[list[str]]:
    """Paths consistent with a random order of the constructs: a recursive (acyclic) model."""
    order = draw(st.permutations(MODEL_CONSTRUCTS))
    pairs = [[a, b] for i, a in enumerate(order) for b in order[i + 1 :]]
    return draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=15, unique_by=tuple))


@FILE_EXAMPLES
@given(paths=_recursive_models())
def test_recursive_models_load_and_closing_a_cycle_is_named(tmp_path: Path, paths):
    raw = copy.deepcopy(RAW_INSTRUMENT)
    raw["model"] = {"paths": paths, "outcomes": [paths[-1][1]]}
    model = load_instrument(_write(tmp_path / "model.yaml", raw)).model
    assert model.paths == tuple(tuple(path) for path in paths)
    raw["model"]["paths"] = [*paths, [paths[0][1], paths[0][0]]]
    with pytest.raises(InstrumentError, match=r"model\.paths: the paths form a cycle"):
        load_instrument(_write(tmp_path / "cycle.yaml", raw))


@FILE_EXAMPLES
@given(
    order_b=st.permutations(["image", "expectation"]),
    order_f=st.permutations(["gender", "age_band", "education", "income_band", "occupation"]),
)
def test_columns_follow_the_sections(tmp_path: Path, order_b, order_f):
    raw = copy.deepcopy(RAW_INSTRUMENT)
    _section(raw, "B")["contents"] = list(order_b)
    _section(raw, "F")["contents"] = list(order_f)
    instrument = load_instrument(_write(tmp_path / "order.yaml", raw))
    columns = instrument.column_codes
    assert sorted(columns) == sorted(load_instrument(INSTRUMENT).column_codes)
    assert [c for c in columns if c in order_f] == list(order_f)
    first_items = [instrument.construct(code).items[0].code for code in order_b]
    assert [c for c in columns if c in first_items] == first_items
    assert instrument.profile_codes[:5] == tuple(
        v["code"] for v in RAW_INSTRUMENT["profile"][:5]
    ), "the profile keeps the file's order"


# --------------------------------------------------------------------------------------------
# The population model


def test_shipped_population_matches_the_instrument(instrument):
    population = load_population(POPULATION, instrument)
    assert population.missing_rate == 0.01
    assert dict(population.probabilities["bank_type"]) == {1: 0.50, 2: 0.35, 3: 0.15}
    assert tuple(population.probabilities) == instrument.profile_codes
    for code, probabilities in population.probabilities.items():
        assert tuple(probabilities) == instrument.variable(code).codes
    assert dict(population.probabilities["main_channels_mobile_app"]) == {0: 0.15, 1: 0.85}
    assert dict(population.filters["complained_12m"]) == {1: 0.15, 2: 0.85}
    assert tuple(population.paths) == instrument.model.paths
    assert list(population.loadings) == [item.code for item in instrument.items()]
    assert set(population.thresholds) == {"agree7", "importance7"}
    assert population.exogenous == (
        "image",
        "staff",
        "personal",
        "channel",
        "product",
        "communication",
    )
    assert population.outside_model["complaint"].correlated_with == "satisfaction"
    assert population.careless.fraction == 0.05
    assert population.attention.pass_attentive == 0.97
    assert population.duration["attentive"].median == 600


def test_shipped_population_numbers_are_in_the_documented_ranges(instrument):
    population = load_population(POPULATION, instrument)
    assert all(0.65 <= value <= 0.86 for value in population.loadings.values())
    assert all(0.3 <= value <= 0.5 for value in population.exogenous_correlations.values())
    shifts = [v for by in population.group_shifts.shifts.values() for v in by.values()]
    assert all(abs(value) <= 0.5 for value in shifts)
    assert population.group_shifts.reference == 1


def test_shipped_population_says_it_is_illustrative():
    text = POPULATION.read_text(encoding="utf-8")
    assert "ILLUSTRATIVE ASSUMPTIONS" in text.split("\n\n")[0]
    assert "not estimates from the thesis" in text
    raw = _raw(POPULATION)
    assert all("(assumed" in entry["rationale"] for entry in raw["profile"].values())
    blocks = [
        key for key in raw if key not in ("population", "profile", "filters", "outside_model")
    ]
    blocks += [f"filters.{k}" for k in raw["filters"]] + [
        f"outside_model.{k}" for k in raw["outside_model"]
    ]
    for block in blocks:
        entry = raw
        for part in block.split("."):
            entry = entry[part]
        assert "(assumed" in entry["rationale"], f"{block} needs a rationale saying it is assumed"


def test_implied_residual_variances_make_latent_variances_one(instrument):
    population = load_population(POPULATION, instrument)
    order, matrix = population.latent_correlations()
    assert order[:6] == population.exogenous, "exogenous constructs come first"
    np.testing.assert_allclose(np.diag(matrix), 1.0)
    assert np.all(np.linalg.eigvalsh(matrix) > 0)
    # expectation has one predictor (image, 0.5): 1 - 0.5^2.
    assert population.residual_variances["expectation"] == pytest.approx(0.75, abs=1e-12)
    # trust has one predictor (satisfaction, 0.6): 1 - 0.36.
    assert population.residual_variances["trust"] == pytest.approx(0.64, abs=1e-12)
    # loyalty = 0.15 image + 0.4 satisfaction + 0.25 trust: b' R b by hand.
    i, s, t = (order.index(code) for code in ("image", "satisfaction", "trust"))
    b = np.array([0.15, 0.40, 0.25])
    r = matrix[np.ix_([i, s, t], [i, s, t])]
    assert population.residual_variances["loyalty"] == pytest.approx(1 - b @ r @ b, abs=1e-12)
    assert matrix[s, t] == pytest.approx(0.6, abs=1e-12)


def test_population_accepts_a_mapping(instrument):
    raw = _raw(POPULATION)
    population = load_population(raw, instrument)
    assert population.path is None
    assert population.paths == load_population(POPULATION, instrument).paths
    raw["nonresponse"]["rate"] = 2
    with pytest.raises(InstrumentError, match=r"^The population model \(a mapping, not read"):
        load_population(raw, instrument)


def _broken_population(tmp_path: Path, mutate: Mutation) -> Path:
    raw = copy.deepcopy(_raw(POPULATION))
    mutate(raw)
    return _write(tmp_path / "broken_population.yaml", raw)


def _probabilities(code: str, probabilities: dict[int, float]) -> Mutation:
    return lambda raw: raw["profile"][code].__setitem__("probabilities", probabilities)


def _set(path: str, value: Any) -> Mutation:
    """Set the entry at a dotted path (list indices as numbers) of the raw model."""
    *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]

    def mutate(raw: dict[str, Any]) -> None:
        entry = raw
        for part in parents:
            entry = entry[part]
        entry[last] = value

    return mutate


def _pop(path: str) -> Mutation:
    *parents, last = path.split(".")

    def mutate(raw: dict[str, Any]) -> None:
        entry = raw
        for part in parents:
            entry = entry[part]
        entry.pop(last)

    return mutate


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
        "a 0/1 column given a third code",
        _probabilities("main_channels_atm", {0: 0.5, 1: 0.4, 2: 0.1}),
        r"'main_channels_atm', key 'probabilities': the codes must be exactly the instrument's "
        r"answer codes \[0, 1\]",
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
        "multiple-choice question instead of its columns",
        lambda raw: raw["profile"].__setitem__("main_channels", {"probabilities": {1: 1.0}}),
        r"not in .*instrument\.yaml \['main_channels'\]",
    ),
    (
        "unknown key",
        lambda raw: raw["profile"]["gender"].__setitem__("probabilty", {}),
        r"profile variable 'gender': unknown key\(s\) \['probabilty'\]",
    ),
    (
        "missing rate of 1",
        _set("nonresponse.rate", 1),
        r"section 'nonresponse', key 'rate': must be below 1",
    ),
    (
        "other instrument",
        lambda raw: raw["population"].__setitem__("instrument", "another-survey"),
        r"the model is written for instrument 'another-survey', but .*instrument\.yaml is "
        r"'crm-citic-zhengzhou-survey'",
    ),
    (
        "old key missing_rate",
        _set("missing_rate", 0.01),
        r"top level: unknown key\(s\) \['missing_rate'\]",
    ),
    (
        "section missing",
        _pop("measurement"),
        r"top level: missing key\(s\) \['measurement'\]",
    ),
    (
        "section the instrument needs missing",
        _pop("importance"),
        r"top level: missing key\(s\) \['importance'\]: the instrument has importance block\. "
        r"Add the section 'importance'",
    ),
    (
        "filter probabilities off",
        _set("filters.complained_12m.probabilities", {1: 0.2, 2: 0.2}),
        r"filter 'complained_12m', key 'probabilities': the probabilities sum to 0\.4",
    ),
    (
        "filter missing",
        _set("filters", {}),
        r"section 'filters': the variables must be exactly the instrument's filter questions; "
        r"missing \['complained_12m'\]",
    ),
    (
        "path not in the instrument",
        _set("paths.coefficients.0", ["loyalty", "image", 0.2]),
        r"paths\.coefficients\[0\]: \[loyalty, image\] is not a path of the instrument's model\. "
        r"Give a coefficient for each path",
    ),
    (
        "path missing",
        lambda raw: raw["paths"]["coefficients"].pop(),
        r"paths\.coefficients: no coefficient for the instrument's path\(s\) "
        r"\[\['trust', 'loyalty'\]\]",
    ),
    (
        "path given twice",
        lambda raw: raw["paths"]["coefficients"].append(["image", "expectation", 0.5]),
        r"paths\.coefficients\[19\]: the path \[image, expectation\] is given twice",
    ),
    (
        "path not a triple",
        _set("paths.coefficients.0", ["image", "expectation"]),
        r"paths\.coefficients\[0\]: must be a triple \[construct, construct, coefficient\]",
    ),
    (
        "coefficient of 1",
        _set("paths.coefficients.0", ["image", "expectation", 1.0]),
        r"paths\.coefficients\[0\]: must be strictly between -1 and 1 \(a standardized value\)\. "
        r"Got 1\.0",
    ),
    (
        "paths explain everything",
        _set("paths.coefficients.16", ["satisfaction", "trust", 0.9999999]),
        r"section 'paths': the paths into 'trust' explain 1 of its variance, leaving no residual "
        r"variance",
    ),
    (
        "correlation of an endogenous construct",
        _set("exogenous_correlations.pairs.0", ["value", "staff", 0.3]),
        r"exogenous_correlations\.pairs\[0\]: 'value' is not an exogenous construct of the "
        r"model\. Correlate the exogenous constructs",
    ),
    (
        "correlation pair missing",
        lambda raw: raw["exogenous_correlations"]["pairs"].pop(0),
        r"exogenous_correlations\.pairs: no correlation for the pair\(s\) \[\['image', 'staff'\]\]",
    ),
    (
        "correlation pair twice, reversed",
        lambda raw: raw["exogenous_correlations"]["pairs"].append(["staff", "image", 0.4]),
        r"exogenous_correlations\.pairs\[15\]: the pair \['image', 'staff'\] is given twice",
    ),
    (
        "correlations not positive definite",
        lambda raw: raw["exogenous_correlations"].__setitem__(
            "pairs",
            [
                [a, b, 0.95 if a == "image" else -0.9]
                for a, b, _ in raw["exogenous_correlations"]["pairs"]
            ],
        ),
        r"exogenous_correlations\.pairs: the correlations are not jointly possible: their "
        r"matrix is not positive definite",
    ),
    (
        "loading missing",
        lambda raw: raw["measurement"]["loadings"].pop("sat2"),
        r"measurement\.loadings: the keys must be exactly the instrument's construct items "
        r"\[.*\]; missing \['sat2'\], unknown \[\]",
    ),
    (
        "loading above 1",
        _set("measurement.loadings.sat2", 1.2),
        r"measurement\.loadings 'sat2': must be strictly between -1 and 1",
    ),
    (
        "loading not a number",
        _set("measurement.loadings.sat2", "0.8"),
        r"measurement\.loadings 'sat2': must be a number\. Got '0\.8'",
    ),
    (
        "shift of an endogenous construct",
        _set("group_shifts.shifts.2", {"satisfaction": 0.2}),
        r"section 'group_shifts', shifts of group 2: 'satisfaction' is not an exogenous construct "
        r"of the model\. Shift the exogenous constructs",
    ),
    (
        "shift of the reference group",
        _set("group_shifts.shifts.1", {"image": 0.2}),
        r"shifts of group 1: 1 is not an answer code of 'bank_type' other than the reference 1",
    ),
    (
        "group variable unknown",
        _set("group_shifts.variable", "bank"),
        r"section 'group_shifts', key 'variable': 'bank' is not a profile variable",
    ),
    (
        "outside construct partner unknown",
        _set("outside_model.complaint.correlated_with", "complaints"),
        r"outside_model 'complaint', key 'correlated_with': 'complaints' is not a construct of "
        r"the structural model",
    ),
    (
        "outside construct missing",
        _set("outside_model", {}),
        r"section 'outside_model': the keys must be exactly the constructs outside the model "
        r"\['complaint'\]; missing \['complaint'\]",
    ),
    (
        "importance touch-point missing",
        lambda raw: raw["importance"]["means"].pop("staff"),
        r"section 'importance', key 'means': the keys must be exactly the touch-points",
    ),
    (
        "too few cut points",
        _set("thresholds.scales.agree7", [-1.0, 0.0, 1.0]),
        r"thresholds\.scales 'agree7': must list 6 cut points for the 7-point scale",
    ),
    (
        "cut points not increasing",
        _set("thresholds.scales.agree7", [-2.0, -1.5, -1.6, -0.5, 0.2, 1.2]),
        r"thresholds\.scales 'agree7': the cut points must increase strictly",
    ),
    (
        "thresholds of an unknown scale",
        _set("thresholds.scales.agree5", [0.0, 1.0, 2.0, 3.0]),
        r"thresholds\.scales: the keys must be exactly the scales of the Likert items "
        r"\['agree7', 'importance7'\]; missing \[\], unknown \['agree5'\]",
    ),
    (
        "careless types off",
        _set("careless.types", {"straight_line": 0.5, "speeder": 0.5}),
        r"section 'careless', key 'types': the codes must be exactly the kinds of careless "
        r"respondent \['straight_line', 'random'\]; missing \['random'\], unknown \['speeder'\]",
    ),
    (
        "straight-line answer not a point",
        _set("careless.straight_line_answers", {4: 0.5, 8: 0.5}),
        r"key 'straight_line_answers': the codes must be exactly the scale points "
        r"\[1, 2, 3, 4, 5, 6, 7\]",
    ),
    (
        "attention pass probability above 1",
        _set("attention.pass_attentive", 1.2),
        r"section 'attention', key 'pass_attentive': must be a probability in \[0, 1\]",
    ),
    (
        "duration median of 0",
        _set("duration.careless.median", 0),
        r"duration 'careless', key 'median': must be positive\. Got 0",
    ),
    (
        "duration kind missing",
        _pop("duration.careless"),
        r"section 'duration': missing key\(s\) \['careless'\]",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [case[1:] for case in BROKEN_POPULATIONS],
    ids=[case[0] for case in BROKEN_POPULATIONS],
)
def test_broken_population_is_named(tmp_path: Path, mutate: Mutation, message: str, instrument):
    path = _broken_population(tmp_path, mutate)
    with pytest.raises(InstrumentError, match=message) as info:
        load_population(path, instrument)
    assert str(info.value).startswith(str(path)), "the message must name the file first"


def test_probabilities_within_tolerance_are_accepted(tmp_path: Path, instrument):
    raw = copy.deepcopy(_raw(POPULATION))
    raw["profile"]["gender"]["probabilities"] = {1: 0.48, 2: 0.52 + 5e-10}
    path = _write(tmp_path / "population.yaml", raw)
    population = load_population(path, instrument)
    assert population.probabilities["gender"][2] == 0.52 + 5e-10


def test_group_shifts_are_optional(tmp_path: Path, instrument):
    raw = copy.deepcopy(_raw(POPULATION))
    raw.pop("group_shifts")
    population = load_population(_write(tmp_path / "population.yaml", raw), instrument)
    assert population.group_shifts is None


def test_section_the_instrument_has_no_use_for_is_named(tmp_path: Path, instrument):
    no_importance = dataclasses.replace(instrument, importance=None)
    with pytest.raises(
        InstrumentError,
        match=r"section 'importance': the instrument .*instrument\.yaml has no importance block\. "
        r"Remove the section\.",
    ):
        load_population(POPULATION, no_importance)
