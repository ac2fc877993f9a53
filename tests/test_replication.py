"""Expected results, the number-by-number comparison, the report and `accept`, on small runs.

The whole `verify` on the real study is in tests/test_end_to_end.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.replication import (
    EXPECTED_DIR,
    ReplicationError,
    compare,
    exhibit_summary,
    file_identity,
    load_tolerances,
    make_snapshot,
    quantities,
)
from analysis.replication_report import RunFacts, build_sections, to_html, to_markdown
from analysis.verify import accept

TOLERANCES = """
default: {rtol: 1.0e-9, atol: 1.0e-12, reason: closed forms}
rules:
  - name: iterative
    notebooks: [05_structural]
    rtol: 1.0e-6
    atol: 1.0e-9
    reason: iterative fits
  - name: one table
    exhibits: ["table:wide_*"]
    rtol: 0.1
    atol: 0
    reason: for the test
"""
CONFIG = {"seed": 1, "output_dir": "anywhere", "survey": {"synthetic_n": 400}}


def _run(root: Path, *, sample_n: int = 400, alpha: float = 0.8134, loading: float = 0.71) -> Path:
    """A finished run's output folder with two values, two tables, a figure and a data file."""
    results = root / "results"
    (results / "tables").mkdir(parents=True)
    (results / "figures").mkdir()
    (root / "data").mkdir()
    values = {
        "sample_n": {"value": sample_n, "text": f"{sample_n:,}", "source": "02_sample_profile"},
        "sem_beta": {"value": alpha, "text": f"{alpha:.2f}", "source": "05_structural"},
    }
    (results / "values.json").write_text(json.dumps(values), encoding="utf-8")
    (results / "tables" / "sample_profile.csv").write_text(
        "group,n,share\nFemale,210,0.525\nMale,190,0.475\n", encoding="utf-8"
    )
    (results / "tables" / "wide_loadings.csv").write_text(
        f"item,loading\nsat1,{loading}\n", encoding="utf-8"
    )
    figure = {"axes": [{"lines": [{"label": "x", "x": [0, 1], "y": [0.5, alpha]}]}]}
    (results / "figures" / "trend.json").write_text(json.dumps(figure), encoding="utf-8")
    index = {
        "tables": {
            "sample_profile": {"source": "02_sample_profile"},
            "wide_loadings": {"source": "04_measurement"},
        },
        "figures": {"trend": {"source": "05_structural"}},
    }
    (results / "index.json").write_text(json.dumps(index), encoding="utf-8")
    (root / "data" / "responses_clean.csv").write_text(f"id\n{sample_n}\n", encoding="utf-8")
    return root


@pytest.fixture
def expected(tmp_path: Path) -> Path:
    folder = tmp_path / "expected"
    folder.mkdir()
    (folder / "tolerances.yaml").write_text(TOLERANCES, encoding="utf-8")
    return make_snapshot(_run(tmp_path / "run0"), folder, config=CONFIG)


def _snapshot(tmp_path: Path, name: str, **changes) -> Path:
    return make_snapshot(_run(tmp_path / name, **changes), tmp_path / f"{name}-snap", config=CONFIG)


def _status(comparison, exhibit: str, item: str) -> str:
    row = comparison[(comparison["exhibit"] == exhibit) & (comparison["item"] == item)]
    assert len(row) == 1, (exhibit, item)
    return row["status"].iloc[0]


def test_quantities_cover_values_texts_cells_figure_numbers_and_config(expected: Path):
    found = quantities(expected)
    items = set(zip(found["exhibit"], found["item"], strict=True))
    assert ("value:sample_n", "value") in items and ("value:sample_n", "text") in items
    assert ("table:sample_profile", "row 2 (Male) / share") in items
    assert ("table:sample_profile", "rows") in items
    assert ("figure:trend", "axes[0].lines[0].y[1]") in items
    assert ("config", "seed") in items
    assert not any(item.startswith("output_dir") for item in found["item"]), "run folder varies"
    cell = found[(found["exhibit"] == "table:sample_profile") & (found["item"] == "rows")]
    assert cell["value"].iloc[0] == 2


def test_an_identical_rerun_passes_and_every_file_is_byte_identical(expected, tmp_path):
    comparison = compare(expected, _snapshot(tmp_path, "run1"))
    assert comparison["status"].eq("ok").all()
    files = file_identity(expected, _snapshot(tmp_path, "run2"), exhibit_summary(comparison))
    assert set(files["status"]) == {"byte-identical"}
    assert "data/responses_clean.csv" in set(files["file"])


def test_a_changed_number_fails_and_is_named(expected, tmp_path):
    comparison = compare(expected, _snapshot(tmp_path, "run", alpha=0.8135))
    assert _status(comparison, "value:sem_beta", "value") == "differs"
    assert _status(comparison, "figure:trend", "axes[0].lines[0].y[1]") == "differs"
    assert _status(comparison, "value:sem_beta", "text") == "ok", "0.81 either way"
    row = comparison[(comparison["exhibit"] == "value:sem_beta") & (comparison["item"] == "value")]
    assert row["difference"].iloc[0] == pytest.approx(0.0001)
    assert row["tolerance"].iloc[0] == "rtol 1e-06, atol 1e-09", "rule by notebook"


def test_a_difference_within_the_tolerance_passes(expected, tmp_path):
    comparison = compare(expected, _snapshot(tmp_path, "run", alpha=0.8134 * (1 + 1e-8)))
    assert comparison["status"].eq("ok").all()
    wide = compare(expected, _snapshot(tmp_path, "wide", loading=0.75))
    assert _status(wide, "table:wide_loadings", "row 1 (sat1) / loading") == "ok", "rule by name"


def test_counts_are_compared_exactly_whatever_the_tolerance(expected, tmp_path):
    comparison = compare(expected, _snapshot(tmp_path, "run", sample_n=401))
    assert _status(comparison, "value:sample_n", "value") == "differs"
    assert _status(comparison, "value:sample_n", "text") == "differs"


def test_missing_and_unexpected_quantities_fail(expected, tmp_path):
    run = _run(tmp_path / "run")
    values_path = run / "results" / "values.json"
    values = json.loads(values_path.read_text(encoding="utf-8"))
    del values["sample_n"]
    values["new_key"] = {"value": 1.5, "text": "1.5", "source": "09_drivers_ipa"}
    values_path.write_text(json.dumps(values), encoding="utf-8")
    table = run / "results" / "tables" / "sample_profile.csv"
    table.write_text("group,n,share\nFemale,210,0.525\n", encoding="utf-8")
    comparison = compare(expected, make_snapshot(run, tmp_path / "snap", config=CONFIG))
    assert _status(comparison, "value:sample_n", "value") == "missing"
    assert _status(comparison, "value:new_key", "value") == "unexpected"
    assert _status(comparison, "table:sample_profile", "rows") == "differs"
    assert _status(comparison, "table:sample_profile", "row 2 (Male) / share") == "missing"


def test_a_changed_configuration_is_a_named_mismatch(expected, tmp_path):
    other = make_snapshot(_run(tmp_path / "run"), tmp_path / "snap", config={**CONFIG, "seed": 2})
    assert _status(compare(expected, other), "config", "seed") == "differs"


def test_files_whose_bytes_differ_are_told_apart_by_their_numbers(expected, tmp_path):
    snapshot = _snapshot(tmp_path, "run", alpha=0.8134 * (1 + 1e-8), sample_n=400)
    comparison = compare(expected, snapshot)
    files = file_identity(expected, snapshot, exhibit_summary(comparison)).set_index("file")
    assert files.loc["results/figures/trend.json", "status"] == "equal within tolerance"
    assert files.loc["results/tables/sample_profile.csv", "status"] == "byte-identical"
    changed = _snapshot(tmp_path, "changed", sample_n=401)
    files = file_identity(expected, changed, exhibit_summary(compare(expected, changed)))
    assert files.set_index("file").loc["data/responses_clean.csv", "status"] == "differs"


def test_report_names_the_changed_number_in_markdown_and_html(expected, tmp_path):
    comparison = compare(expected, _snapshot(tmp_path, "run", alpha=0.9))
    exhibits = exhibit_summary(comparison)
    facts = RunFacts(
        command="python3 reproduce.py verify",
        how_run="ran the whole study in a fresh temporary folder",
        wall_seconds=12.5,
        step_seconds={"clean": 1.0, "05_structural": 10.0},
        git={"commit": "abc", "dirty": False},
        environment={"python": "3.11.7", "lock_sha256": "f00"},
        expected_environment={"python": "3.11.7", "lock_sha256": "f00"},
    )
    sections = build_sections(
        comparison,
        exhibits,
        file_identity(expected, expected, exhibits),
        load_tolerances(expected),
        facts,
    )
    markdown, page = to_markdown(sections), to_html(sections)
    assert markdown.startswith("# Replication report: FAIL")
    assert "value:sem_beta" in markdown and "0.8134" in markdown and "0.9" in markdown
    assert "## Run time per step" in markdown and "05_structural" in markdown
    assert "iterative fits" in markdown, "every tolerance with its reason"
    assert '<h1 class="FAIL">' in page and "value:sem_beta" in page
    assert '<td class="differs">differs</td>' in page


def test_tolerance_file_errors_name_the_file_and_the_fix(tmp_path):
    with pytest.raises(ReplicationError, match=r"tolerances\.yaml does not exist"):
        load_tolerances(tmp_path)
    (tmp_path / "tolerances.yaml").write_text(
        "default: {rtol: 1.0e-9, atol: 0}\n", encoding="utf-8"
    )
    with pytest.raises(ReplicationError, match="must give rtol, atol and reason"):
        load_tolerances(tmp_path)


def test_accept_prints_the_diff_and_changes_nothing_unless_confirmed(expected, tmp_path, capsys):
    before = {p.name: p.read_bytes() for p in expected.rglob("*") if p.is_file()}
    reproduced = _snapshot(tmp_path, "run", alpha=0.9)
    assert accept(reproduced=reproduced, expected=expected, answer=lambda _: "n") == 1
    printed = capsys.readouterr().out
    assert "value:sem_beta value: 0.8134 -> 0.9" in printed
    assert {p.name: p.read_bytes() for p in expected.rglob("*") if p.is_file()} == before

    assert accept(reproduced=reproduced, expected=expected, answer=lambda _: "y") == 0
    assert compare(expected, reproduced)["status"].eq("ok").all()
    assert (expected / "tolerances.yaml").read_text(encoding="utf-8") == TOLERANCES
    assert accept(reproduced=reproduced, expected=expected, yes=True) == 0
    assert "Nothing to accept" in capsys.readouterr().out


def test_committed_expected_results_have_every_part_and_a_tolerance_file():
    for name in ("values.json", "manifest.json", "tolerances.yaml", "README.md"):
        assert (EXPECTED_DIR / name).is_file(), name
    manifest = json.loads((EXPECTED_DIR / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["environment"]["lock_sha256"], "the lock the results were made with"
    assert "paper/crm-citic-zhengzhou.pdf" in manifest["files"]
    tables = {p.stem for p in (EXPECTED_DIR / "tables").glob("*.csv")}
    assert {"sample_profile", "structural_paths"} <= tables
    load_tolerances(EXPECTED_DIR)
    size = sum(p.stat().st_size for p in EXPECTED_DIR.rglob("*") if p.is_file())
    assert size < 2_000_000, f"expected/ holds {size} bytes; keep it reviewable"
