"""The README's list of exhibits matches the paper and the notebooks."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import analysis.exhibits
from analysis.exhibits import END, START, list_exhibits, readme_block, write_readme

ROOT = Path(__file__).resolve().parents[1]


def test_doctests():
    failed, attempted = doctest.testmod(analysis.exhibits)
    assert attempted > 0 and failed == 0


def test_readme_list_matches_the_paper():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_block() in readme, (
        "README.md's list of exhibits is stale: run `python -m analysis.exhibits --write README.md`"
    )


def test_numbering_follows_chapters_and_appendices():
    labels = [e.label for e in list_exhibits()]
    assert len(labels) == len(set(labels))
    assert any(label.startswith("Table B.") for label in labels)


def test_write_readme_needs_the_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n", encoding="utf-8")
    with pytest.raises(ValueError, match="has no exhibit block"):
        write_readme(readme)
    readme.write_text(f"# Title\n\n{START}\nold\n{END}\n\nrest\n", encoding="utf-8")
    write_readme(readme)
    text = readme.read_text(encoding="utf-8")
    assert "old" not in text and text.endswith("\n\nrest\n") and "| Exhibit |" in text


def test_every_in_text_number_has_its_notebook():
    from analysis.exhibits import in_text_numbers

    numbers = in_text_numbers()
    assert "(not in expected/values.json)" not in numbers, numbers.get(
        "(not in expected/values.json)"
    )
    assert "05_structural" in numbers
    assert sum(len(keys) for keys in numbers.values()) > 100
