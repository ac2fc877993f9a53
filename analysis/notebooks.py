"""Run the study's notebooks with papermill, and read what they declare.

A notebook is executed into a temporary file beside its destination; only a notebook that ran to
the end is moved into place. A failing notebook's executed copy, with the traceback, is kept in
``failed/`` beside the executed notebooks, and the error names the notebook, the failing cell and
where the copy is.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path
from typing import Any

from analysis.config import REPO_ROOT, display_path

PARAMETERS_TAG = "parameters"


class NotebookFailed(RuntimeError):
    """A notebook raised while it ran; the message names the notebook, the cell and the fix."""


def _code_cells(notebook: Path) -> list[dict[str, Any]]:
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    return [c for c in cells if c.get("cell_type") == "code"]


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def declared_parameters(notebook: str | Path) -> dict[str, Any]:
    """The parameters a notebook declares in its cell tagged ``parameters``, with their defaults.

    Parameters
    ----------
    notebook : str or Path
        An ``.ipynb`` file.

    Returns
    -------
    dict
        Parameter name -> default value (literals only), in the order declared.

    Raises
    ------
    ValueError
        If the notebook has no cell tagged ``parameters`` or a default is not a literal.

    Examples
    --------
    >>> sorted(declared_parameters("notebooks/01_sample_profile.ipynb"))  # doctest: +SKIP
    ['instrument_path', 'responses_path', 'results_dir', 'synthetic']
    """
    notebook = Path(notebook)
    for cell in _code_cells(notebook):
        if PARAMETERS_TAG in cell.get("metadata", {}).get("tags", []):
            return _literal_assignments(_source(cell), notebook)
    raise ValueError(
        f"The notebook {display_path(notebook)} has no code cell tagged '{PARAMETERS_TAG}'. "
        "Add the tag to the cell that assigns its parameters (papermill injects values after it)."
    )


def _literal_assignments(source: str, notebook: Path) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                try:
                    params[target.id] = ast.literal_eval(node.value)
                except ValueError as error:
                    raise ValueError(
                        f"The parameter '{target.id}' in {display_path(notebook)} must be given "
                        "a literal default (a number, string, bool, list or dict)."
                    ) from error
    return params


def _failure_message(notebook: Path, kept: Path, error: Exception) -> str:
    cell = getattr(error, "cell_index", None)
    count = getattr(error, "exec_count", None)
    ename = getattr(error, "ename", type(error).__name__)
    evalue = getattr(error, "evalue", str(error))
    where = (
        f"in cell {cell + 1} (execution count {count})" if cell is not None else "before a cell ran"
    )
    first_line = next(
        (ln for ln in (getattr(error, "source", "") or "").splitlines() if ln.strip()), ""
    )
    code = f" The cell begins: `{first_line.strip()}`." if first_line else ""
    return (
        f"Notebook {display_path(notebook)} failed {where}: {ename}: {evalue}.{code} "
        f"The executed copy, with the full traceback, is kept at {display_path(kept)}. "
        "Steps that depend on this notebook were not run and its results were not stored. "
        "Fix the cause (often the data file or a parameter in config/config.yaml, or the "
        "analysis code the cell calls), then run the same command again."
    )


def execute_notebook(
    notebook: str | Path, executed: str | Path, *, parameters: dict[str, Any]
) -> Path:
    """Execute a notebook with papermill, keeping the executed copy as evidence.

    Parameters
    ----------
    notebook : str or Path
        The source notebook (committed without outputs).
    executed : str or Path
        Where the executed notebook goes when it runs to the end.
    parameters : dict
        Values injected after the ``parameters`` cell.

    Returns
    -------
    Path
        The executed notebook.

    Raises
    ------
    NotebookFailed
        When a cell raises. The executed copy is kept in ``failed/`` beside ``executed``.
    """
    import papermill  # imported here: papermill's import costs ~0.5 s that readers need not pay

    notebook, executed = Path(notebook), Path(executed)
    executed.parent.mkdir(parents=True, exist_ok=True)
    partial = executed.with_name(f".partial.{executed.name}")
    kept = executed.parent / "failed" / executed.name
    os.environ.setdefault("PYTHONHASHSEED", "0")
    try:
        papermill.execute_notebook(
            str(notebook),
            str(partial),
            parameters=parameters,
            kernel_name="python3",
            cwd=str(REPO_ROOT),
            progress_bar=False,
        )
    except Exception as error:
        kept.parent.mkdir(parents=True, exist_ok=True)
        if partial.exists():
            os.replace(partial, kept)
        raise NotebookFailed(_failure_message(notebook, kept, error)) from None
    os.replace(partial, executed)
    kept.unlink(missing_ok=True)
    return executed
