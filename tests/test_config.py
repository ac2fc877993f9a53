"""The run configuration: defaults, unknown keys, invalid values, missing inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.config import (
    DEFAULT_CONFIG,
    ConfigError,
    check_inputs,
    config_from_mapping,
    load_config,
)


def test_committed_config_is_valid_and_uses_synthetic_data():
    config = load_config(DEFAULT_CONFIG)
    assert config.uses_synthetic_responses
    assert config.paper.formats == ("html", "pdf", "docx")
    check_inputs(config)  # instrument and population model exist in the repository


def test_unknown_top_level_key_is_named():
    with pytest.raises(ConfigError, match=r"Unknown key\(s\) \['sede'\] in the top level"):
        config_from_mapping({"sede": 1})


def test_unknown_section_key_is_named_with_the_known_ones():
    with pytest.raises(ConfigError, match=r"\['respones'\] in the 'survey' section.*'responses'"):
        config_from_mapping({"survey": {"respones": "x.csv"}})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"seed": -1}, r"'seed' key .* non-negative integer. Got -1"),
        ({"seed": "7"}, r"'seed' key .* Got '7'"),
        ({"survey": {"synthetic_n": 3}}, r"'survey.synthetic_n' .* >= 10. Got 3"),
        ({"paper": {"renderer": "latex"}}, r"'paper.renderer' .* Got 'latex'"),
        ({"paper": {"formats": ["pdf", "odt"]}}, r"'paper.formats' .* Got \['pdf', 'odt'\]"),
        ({"survey": ["a"]}, r"'survey' section .* must be a mapping"),
    ],
)
def test_invalid_values_are_rejected_with_the_key_named(raw, message):
    with pytest.raises(ConfigError, match=message):
        config_from_mapping(raw)


def test_missing_responses_file_names_key_path_and_fix():
    config = config_from_mapping({"survey": {"responses": "data/no_such_file.csv"}})
    with pytest.raises(
        ConfigError,
        match=r"'data/no_such_file.csv' named by 'survey.responses'"
        r".*or set it to 'synthetic'",
    ):
        check_inputs(config)


def test_missing_config_file_and_bad_yaml(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"does not exist\. Pass an existing file with --config"):
        load_config(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: [1,\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not valid YAML"):
        load_config(bad)
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="must hold a mapping"):
        load_config(listed)


def test_as_dict_round_trips():
    config = config_from_mapping({"seed": 11, "paper": {"formats": ["html"]}})
    assert config_from_mapping(config.as_dict()) == config_from_mapping(
        {"seed": 11, "paper": {"formats": ["html"]}}
    )
