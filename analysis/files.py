"""Writing files so that a failure never leaves a half-written file under the final name."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


@contextmanager
def atomic_output(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it into place only on success.

    Missing parent folders are created. The file gets ordinary permissions (0644), not the
    private mode of :func:`tempfile.mkstemp`.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_output(target) as temporary:
    ...     _ = temporary.write_text("done", encoding="utf-8")
    >>> target.read_text(encoding="utf-8")
    'done'
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        temporary.chmod(0o644)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def json_bytes(data: Any) -> bytes:
    """Canonical JSON: sorted keys, indent 2, UTF-8, trailing newline; NaN and infinity refused."""
    text = json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write canonical JSON (:func:`json_bytes`) atomically.

    Examples
    --------
    >>> import tempfile
    >>> path = write_json(Path(tempfile.mkdtemp()) / "a.json", {"b": 1, "a": "郑州"})
    >>> path.read_text(encoding="utf-8")
    '{\\n  "a": "郑州",\\n  "b": 1\\n}\\n'
    """
    with atomic_output(path) as temporary:
        temporary.write_bytes(json_bytes(data))
    return Path(path)


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a table as UTF-8 CSV (no index, ``\\n`` line endings) atomically."""
    with atomic_output(path) as temporary:
        frame.to_csv(temporary, index=False, lineterminator="\n")
    return Path(path)
