"""The survey-data commands: validate, synthesize, questionnaire, export (as a user runs them)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from analysis.config import REPO_ROOT

SHIPPED = REPO_ROOT / "survey" / "responses_synthetic.csv"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_validate_reports_respondents_and_the_ledger():
    result = cli("validate", str(SHIPPED))
    assert result.returncode == 0, result.stderr
    assert "400 respondents, valid against survey/instrument.yaml" in result.stdout
    assert "failed_attention" in result.stdout


def test_validate_names_the_problem_without_a_traceback(tmp_path: Path):
    frame = pd.read_csv(SHIPPED, dtype=str, keep_default_na=False)
    frame.loc[4, "sat1"] = "-99"
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    before = bad.read_bytes()
    result = cli("validate", str(bad))
    assert result.returncode == 1
    assert "contains -99" in result.stderr and "row 6" in result.stderr
    assert "Traceback" not in result.stderr
    assert bad.read_bytes() == before


def test_synthesize_draws_the_requested_sample(tmp_path: Path):
    out = tmp_path / "s.csv"
    result = cli("synthesize", "--n", "50", "--seed", "4", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(out)) == 50
    assert out.with_name("s.truth.json").exists()


def test_synthesize_like_writes_a_copy_and_the_fitted_model(tmp_path: Path):
    out = tmp_path / "like.csv"
    result = cli("synthesize", "--like", str(SHIPPED), "--seed", "5", "--out", str(out))
    assert result.returncode == 0, result.stderr
    copy = pd.read_csv(out)
    assert list(copy.columns) == list(pd.read_csv(SHIPPED, nrows=0).columns)
    model = out.with_name("like.population.yaml").read_text(encoding="utf-8")
    assert "not real data" in model.lower() or "fitted" in model.lower()


def test_questionnaire_and_export_write_their_files(tmp_path: Path):
    result = cli("questionnaire", "--out", str(tmp_path / "q"), "--formats", "html")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "q").iterdir()) == [
        "questionnaire_en.html",
        "questionnaire_zh.html",
    ]
    result = cli("export", str(SHIPPED), "--out", str(tmp_path / "e"), "--synthetic")
    assert result.returncode == 0, result.stderr
    for name in (
        "responses_clean.csv",
        "responses_clean.sav",
        "datapackage.json",
        "exclusion_ledger.csv",
    ):
        assert (tmp_path / "e" / name).exists(), name
