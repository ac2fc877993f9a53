"""Committed notebooks are thin and clean; the papermill wrapper reports failures usefully."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from analysis.config import REPO_ROOT
from analysis.notebooks import NotebookFailed, declared_parameters, execute_notebook
from analysis.pipeline import notebook_names

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))


def test_the_pipeline_has_notebooks():
    assert NOTEBOOKS, "no notebooks in notebooks/"
    assert notebook_names() == [p.stem for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_has_no_outputs(path: Path):
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{path.name} is committed with outputs"
            assert cell["execution_count"] is None, f"{path.name} has execution counts"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebook_is_thin_with_a_parameters_cell(path: Path):
    params = declared_parameters(path)
    assert "results_dir" in params, f"{path.name} must take results_dir as a parameter"
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert not any(
        line.lstrip().startswith(("def ", "class ")) for src in code for line in src.splitlines()
    ), "logic belongs in analysis/, not notebooks"
    assert nb["cells"][0]["cell_type"] == "markdown", "the first cell states the purpose"
    assert "ResultsStore" in code[-1] or "store.save()" in code[-1], (
        "the last code cell records results in the store"
    )


def _notebook(tmp_path: Path, cells: list[str]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell("divisor = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *(nbformat.v4.new_code_cell(c) for c in cells)]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    return path


def test_declared_parameters_reads_literals(tmp_path: Path):
    assert declared_parameters(_notebook(tmp_path, ["x = 1"])) == {"divisor": 1}


def test_notebook_without_parameters_cell_is_rejected(tmp_path: Path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    path = tmp_path / "bare.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(ValueError, match="has no code cell tagged 'parameters'"):
        declared_parameters(path)


def test_failing_notebook_names_cell_and_keeps_executed_copy(tmp_path: Path):
    path = _notebook(tmp_path, ["x = 10", "y = x / divisor"])
    executed = tmp_path / "out" / "nb.ipynb"
    with pytest.raises(
        NotebookFailed,
        match=r"failed in cell \d+ .*ZeroDivisionError.*"
        r"y = x / divisor.*kept at .*failed/nb.ipynb",
    ) as info:
        execute_notebook(path, executed, parameters={"divisor": 0})
    assert not executed.exists(), "a failed notebook must not look complete"
    kept = executed.parent / "failed" / "nb.ipynb"
    assert "ZeroDivisionError" in kept.read_text(encoding="utf-8")
    assert "Steps that depend on this notebook were not run" in str(info.value)


def test_successful_notebook_is_moved_into_place(tmp_path: Path):
    path = _notebook(tmp_path, ["y = 10 / divisor"])
    executed = execute_notebook(path, tmp_path / "out" / "nb.ipynb", parameters={"divisor": 5})
    assert executed.exists()
    assert not list(executed.parent.glob(".partial.*"))
