"""The paper's prose holds no hand-typed statistic: numbers from data come from the store.

Every decimal or percentage in the chapters, appendices and front matter outside a
``{{< var >}}`` shortcode, an include, a citation, a cross-reference or inline code must be
listed in ``paper/literal-numbers.yml`` with the reason it is not a result (a method setting or
a cut-off from the literature). Version numbers (``4.2.2``, ``0.6-14``) are not statistics.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

PAPER = Path(__file__).resolve().parents[1] / "paper"
ALLOWED = yaml.safe_load((PAPER / "literal-numbers.yml").read_text(encoding="utf-8"))
#: A decimal (0.45, .45, −0.45) or a percentage (45%, 4.5 %), not part of a longer token.
NUMBER = re.compile(r"(?<![\w./-])(?:[-−]?\d+(?:[.,]\d+)*\s?%|[-−]?\d*\.\d+)(?![\w./%-])")
#: What is not prose: shortcodes, citations and cross-references, inline code, image paths.
NOT_PROSE = (
    re.compile(r"\{\{<.*?>\}\}"),
    re.compile(r"\[@[^\]]*\]|@[\w:-]+"),
    re.compile(r"`[^`]*`"),
    re.compile(r"\]\(/results/[^)]*\)"),
)


def literals(text: str) -> list[tuple[int, str]]:
    """(line, literal) of every decimal or percentage in the prose of a Quarto source."""
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        for pattern in NOT_PROSE:
            line = pattern.sub(" ", line)
        found += [(number, match.group(0).replace(" ", "")) for match in NUMBER.finditer(line)]
    return found


def test_literals_finds_decimals_and_percentages_but_not_shortcodes():
    text = "Alpha is 0.81 and {{< var rel_alpha_min >}}; 45% agree [@hu1999cutoff], R 4.2.2.\n.95"
    assert literals(text) == [(1, "0.81"), (1, "45%"), (2, ".95")]


def test_every_allowed_literal_has_a_reason():
    assert all(isinstance(reason, str) and reason.strip() for reason in ALLOWED.values())


SOURCES = sorted(PAPER.rglob("*.qmd"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(PAPER).as_posix())
def test_prose_has_no_hand_typed_statistic(path: Path):
    typed = [
        f"{path.relative_to(PAPER)}:{line}: {literal}"
        for line, literal in literals(path.read_text(encoding="utf-8"))
        if literal not in ALLOWED
    ]
    assert not typed, (
        "Hand-typed numbers in the prose; take them from the results store with "
        "{{< var key >}}, or, for a method setting or a cut-off from the literature, list them "
        f"in paper/literal-numbers.yml with the reason: {typed}"
    )


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(PAPER).as_posix())
def test_every_exhibit_from_data_names_an_existing_notebook(path: Path):
    text = path.read_text(encoding="utf-8")
    notebooks = PAPER.parent / "notebooks"
    exhibits = re.findall(r"/results/(?:tables|figures)/(\w+)\.(?:md|png)", text)
    named = re.findall(r"Made by notebook `(\w+)`", text)
    assert len(named) >= len(exhibits), f"{path.name}: an exhibit lacks its 'Made by notebook'"
    missing = [name for name in named if not (notebooks / f"{name}.ipynb").is_file()]
    assert not missing, f"{path.name} names notebooks that do not exist: {missing}"
