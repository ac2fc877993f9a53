"""Citation and archive metadata agree with the package and with each other."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_citation_zenodo_and_pyproject_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    zenodo = json.loads((ROOT / ".zenodo.json").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["message"] and cff["authors"]
    assert cff["version"] == zenodo["version"] == project["version"]
    assert cff["license"] == zenodo["license"] == project["license"] == "MIT"
    assert cff["title"] == zenodo["title"]
    assert [a["name"] for a in cff["authors"]] == [c["name"] for c in zenodo["creators"]]


def test_licences_are_stated_for_code_and_for_data_and_text():
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    licences = (ROOT / "LICENSES.md").read_text(encoding="utf-8")
    for part in ("Code", "Text of the study", "Bank panel", "Synthetic survey sample"):
        assert f"| {part} |" in licences
    assert "CC BY 4.0" in licences
