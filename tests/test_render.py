"""The paper renderer, offline path (pandoc + Typst), on a tiny fixture book.

The fixture (`tests/fixtures/paper_book/`) is a Quarto book with a Chinese abstract, a part,
two chapters, a references chapter and one appendix, and a results store with values, one
Markdown table and one PNG figure. Numbering is per chapter, as in a Quarto book.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import pypdf
import pytest

from analysis import render
from analysis.render import PaperSourceError, RenderError, render_paper

FIXTURE = Path(__file__).parent / "fixtures" / "paper_book"
BASENAME = "fixture-paper"
CHINESE = "本研究调查了中信银行郑州分行的400名客户"
IN_EVERY_FORMAT = (
    "Cronbach’s alpha = .81",
    "Table 2.1: Sample profile by bank type",
    "Figure 2.1: Mean satisfaction by bank type",
    "(Reichheld and Sasser 1990)",
    "Section 1.1",
    "Appendix A",
)


def _render(root: Path, paper: Path = FIXTURE / "paper", **options) -> dict:
    options = {"renderer": "offline", "basename": BASENAME, **options}
    return render_paper(
        paper, FIXTURE / "results", root / "out", build_dir=root / "build", **options
    )


def _flat(text: str) -> str:
    """Whitespace (also no-break spaces) collapsed to single spaces."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("render")
    return root / "out", _render(root)


@pytest.fixture(scope="module")
def html(rendered: tuple[Path, dict]) -> str:
    out, _ = rendered
    return (out / f"{BASENAME}.html").read_text(encoding="utf-8").replace("\xa0", " ")


@pytest.fixture(scope="module")
def pdf_text(rendered: tuple[Path, dict]) -> str:
    out, _ = rendered
    reader = pypdf.PdfReader(out / f"{BASENAME}.pdf")
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A copy of the fixture book to break."""
    return Path(shutil.copytree(FIXTURE / "paper", tmp_path / "paper"))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    if old not in text:
        raise ValueError(f"{old!r} is not in {path}: the test no longer matches the fixture")
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- the outputs ------------------------------------------------------------------------------


def test_render_info_lists_outputs_and_versions(rendered):
    out, info = rendered
    assert info["renderer"] == "offline"
    assert set(info["versions"]) == {"pandoc", "typst"}
    assert sorted(info["outputs"]) == ["docx", "html", "pdf"]
    for fmt, output in info["outputs"].items():
        assert output["path"] == f"{BASENAME}.{fmt}"
        assert (out / output["path"]).stat().st_size > 0
    assert json.loads((out / "render-info.json").read_text(encoding="utf-8")) == info
    assert not list(out.glob(".*.part")), "temporary files left behind"
    assert info["warnings"] == []


def test_html_has_values_table_and_chinese(html):
    assert "Cronbach’s alpha = .81" in html
    assert "surveyed 400 customers" in html
    for cell in ("Domestic", "212", "3.62", "Foreign", "188", "4.05"):
        assert f">{cell}</td>" in html
    assert CHINESE in html


def test_html_numbers_captions_and_resolves_cross_references(html):
    assert "<caption>Table 2.1: Sample profile by bank type</caption>" in html
    assert "<figcaption>Figure 2.1: Mean satisfaction by bank type</figcaption>" in html
    assert '<a href="#fig-satisfaction">Figure 2.1</a>' in html
    assert '<a href="#tbl-sample-profile">Table 2.1</a>' in html
    assert '<a href="#sec-results">Chapter 2</a>' in html
    assert '<a href="#sec-background">Section 1.1</a>' in html
    assert '<a href="#sec-instrument">Appendix A</a>' in html
    assert not re.search(r"@(fig|tbl|sec)-", html)


def test_html_renders_citations_and_bibliography(html):
    text = _flat(re.sub(r"<[^>]+>", "", html))
    assert "(Reichheld and Sasser 1990)" in text
    assert "Reichheld and Sasser (1990)" in text
    assert "“Zero Defections: Quality Comes to Services.” Harvard Business Review 68 (5)" in text


def test_html_is_self_contained_with_language_and_unnumbered_front_matter(html):
    assert re.search(r'<html[^>]* lang="en"', html)
    assert 'src="data:image/png;base64,' in html
    assert "results/figures" not in html
    assert '<h1 class="unnumbered" id="preface">Preface</h1>' in html


def test_docx_contains_text_numbers_and_chinese(rendered):
    out, _ = rendered
    with zipfile.ZipFile(out / f"{BASENAME}.docx") as docx:
        xml = docx.read("word/document.xml").decode("utf-8")
        media = [name for name in docx.namelist() if name.startswith("word/media/")]
    text = _flat(re.sub(r"<[^>]+>", "", xml))
    for expected in IN_EVERY_FORMAT:
        assert expected in text
    assert CHINESE in xml
    assert len(media) == 1


def test_pdf_text_has_numbers_table_and_chinese(pdf_text):
    text = _flat(pdf_text)
    for expected in (*IN_EVERY_FORMAT, "Domestic 212 3.62"):
        assert expected in text
    assert CHINESE in "".join(pdf_text.split())


def test_pdf_embeds_figure_and_cjk_font(rendered):
    # Text extraction passes even when glyphs print as empty boxes, so check the font too.
    out, _ = rendered
    reader = pypdf.PdfReader(out / f"{BASENAME}.pdf")
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("NotoSansCJK" in font for font in fonts), fonts
    assert sum(len(page.images) for page in reader.pages) == 1


def test_two_renders_are_byte_identical(rendered, tmp_path):
    out, info = rendered
    again = _render(tmp_path)
    assert again == info
    for fmt in ("html", "pdf", "docx"):
        name = f"{BASENAME}.{fmt}"
        assert (tmp_path / "out" / name).read_bytes() == (out / name).read_bytes(), name


def test_staging_writes_variables_and_results(tmp_path):
    _render(tmp_path, formats=("html",))
    build = tmp_path / "build"
    variables = (build / "_variables.yml").read_text(encoding="utf-8")
    assert "alpha_satisfaction: '.81'" in variables
    assert (build / "results" / "tables" / "sample_profile.md").is_file()
    assert (build / "results" / "figures" / "satisfaction_by_bank.png").is_file()
    assert (build / "_quarto.yml").is_file()


def test_auto_uses_offline_without_quarto(tmp_path, monkeypatch):
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    info = _render(tmp_path, renderer="auto", formats=("docx",))
    assert info["renderer"] == "offline"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        f"{BASENAME}.docx",
        "render-info.json",
    ]


def test_relative_include_and_escaped_shortcode(book, tmp_path):
    (book / "chapters" / "note.md").write_text("Included {{< var n_respondents >}}.\n")
    added = "\n{{< include note.md >}}\n\nLiteral {{{< var x >}}}.\n"
    _edit(book / "chapters" / "02-results.qmd", "{#sec-results}\n", "{#sec-results}\n" + added)
    _render(tmp_path, book, formats=("html",))
    html = (tmp_path / "out" / f"{BASENAME}.html").read_text(encoding="utf-8")
    assert "Included 400." in html
    assert "Literal {{&lt; var x &gt;}}." in html


FAKE_QUARTO = """\
#!/bin/sh
# Stands in for Quarto: checks the staged book, writes what a book render writes.
if [ "$1" = "--version" ]; then echo 1.10.0; exit 0; fi
grep -q "output-file: fixture-paper" "$2/_quarto.yml" || exit 3
test -f "$2/_variables.yml" -a -f "$2/results/figures/satisfaction_by_bank.png" || exit 4
echo "$@" > "$2/quarto-args.txt"
mkdir -p "$2/_book" && echo "<html>site</html>" > "$2/_book/index.html"
echo pdf > "$2/_book/fixture-paper.pdf" && echo docx > "$2/_book/fixture-paper.docx"
"""


def test_quarto_renderer_copies_the_book_outputs(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "quarto").write_text(FAKE_QUARTO)
    (bin_dir / "quarto").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    info = _render(tmp_path, renderer="auto")
    build, out = tmp_path / "build", tmp_path / "out"
    args = (build / "quarto-args.txt").read_text().split()
    assert args == ["render", str(build), "--to", "html,typst,docx"]
    assert info["renderer"] == "quarto"
    assert info["versions"] == {"quarto": "1.10.0"}
    assert info["outputs"]["html"]["path"] == f"{BASENAME}-html/index.html"
    assert (out / f"{BASENAME}.pdf").read_text() == "pdf\n"
    assert "fixture-paper-html/index.html" in (out / f"{BASENAME}.html").read_text()


# --- errors in the sources --------------------------------------------------------------------


def test_unknown_var_key_names_file_line_and_key(book, tmp_path):
    _edit(book / "chapters" / "02-results.qmd", "alpha_satisfaction", "alpha_satisfactoin")
    with pytest.raises(
        PaperSourceError,
        match=r"02-results\.qmd, line 3: unknown key 'alpha_satisfactoin'.*add it to the store "
        r"in a notebook, or correct the key",
    ):
        _render(tmp_path, book, formats=("html",))


def test_missing_include_names_file_and_line(book, tmp_path):
    _edit(book / "chapters" / "02-results.qmd", "sample_profile.md", "sample_profiel.md")
    with pytest.raises(
        PaperSourceError,
        match=r"02-results\.qmd, line 5: the included file '/results/tables/sample_profiel\.md' "
        r"does not exist",
    ):
        _render(tmp_path, book, formats=("html",))


def test_unresolved_cross_reference_is_an_error(book, tmp_path):
    _edit(book / "chapters" / "01-introduction.qmd", "@fig-satisfaction", "@fig-satisfation")
    with pytest.raises(
        PaperSourceError,
        match=r"unresolved cross-reference\(s\) @fig-satisfation.*correct the reference.*"
        r"01-introduction\.qmd, line 9",
    ):
        _render(tmp_path, book, formats=("html",))
    assert not (tmp_path / "out" / f"{BASENAME}.html").exists()


def test_duplicate_id_is_an_error(book, tmp_path):
    _edit(book / "chapters" / "a-instrument.qmd", "{#sec-instrument}", "{#sec-results}")
    with pytest.raises(PaperSourceError, match=r"the id #sec-results is used twice"):
        _render(tmp_path, book, formats=("html",))


def test_unknown_citation_is_an_error(book, tmp_path):
    _edit(book / "chapters" / "01-introduction.qmd", "[@reichheld1990zero]", "[@reichheld1991]")
    with pytest.raises(
        PaperSourceError,
        match=r"not in the bibliography references\.bib: @reichheld1991 in .*"
        r"01-introduction\.qmd, line 3",
    ):
        _render(tmp_path, book, formats=("html",))


def test_unsupported_shortcode_is_an_error(book, tmp_path):
    _edit(book / "index.qmd", "# Preface", "{{< pagebreak >}}\n\n# Preface")
    with pytest.raises(PaperSourceError, match=r"index\.qmd, line 1: the shortcode .*pagebreak"):
        _render(tmp_path, book, formats=("html",))


def test_failed_writer_leaves_no_file_that_looks_complete(tmp_path, monkeypatch):
    real_pandoc = render._pandoc

    def dies_half_way(*args, cwd):
        if "--to=html5" not in args:
            return real_pandoc(*args, cwd=cwd)
        output = next(a for a in args if str(a).startswith("--output="))
        Path(output.removeprefix("--output=")).write_text("<html><body>half")
        raise RenderError("pandoc died")

    monkeypatch.setattr(render, "_pandoc", dies_half_way)
    with pytest.raises(RenderError, match="pandoc died"):
        _render(tmp_path, formats=("docx", "html"))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"{BASENAME}.docx"]


def test_failed_typst_compile_names_the_source(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise render.typst.TypstError("boom")

    monkeypatch.setattr(render.typst, "compile_with_warnings", fail)
    with pytest.raises(RenderError, match=r"Typst failed to compile \S+\.typ:\nboom"):
        _render(tmp_path, formats=("pdf",))
    assert list((tmp_path / "out").iterdir()) == []


def test_pdf_without_the_cjk_font_is_an_error(tmp_path, monkeypatch):
    # Typst would silently print the Chinese abstract as empty boxes.
    monkeypatch.setattr(render, "_cjk_font_dir", lambda: tmp_path)
    with pytest.raises(RenderError, match=r"unknown font family: noto sans cjk sc.*empty boxes"):
        _render(tmp_path, formats=("pdf",))


def test_missing_figure_names_file_line_and_path(book, tmp_path):
    _edit(book / "chapters" / "02-results.qmd", "satisfaction_by_bank.png", "satisfaction.png")
    with pytest.raises(
        PaperSourceError,
        match=r"02-results\.qmd, line 9: the image '/results/figures/satisfaction\.png' does "
        r"not exist",
    ):
        _render(tmp_path, book, formats=("html",))


# --- options ----------------------------------------------------------------------------------


def test_bad_options_are_rejected(tmp_path):
    with pytest.raises(ValueError, match=r"'formats' parameter .* Got \['epub'\]"):
        _render(tmp_path, formats=("epub",))
    with pytest.raises(ValueError, match=r"'renderer' parameter .* Got 'latex'"):
        _render(tmp_path, renderer="latex")


def test_build_dir_must_not_hold_the_sources(book, tmp_path):
    # build_dir is deleted and rebuilt: it must never be or contain the book.
    with pytest.raises(ValueError, match=r"'build_dir' parameter .* apart from the paper"):
        render_paper(book, FIXTURE / "results", tmp_path / "out", build_dir=tmp_path)
    assert (book / "_quarto.yml").is_file()


def test_lists_of_figures_and_tables_link_every_float(tmp_path):
    import pypandoc

    source = (
        "# One\n\n::: {#list-of-figures}\n:::\n\n::: {#list-of-tables}\n:::\n\n"
        "![A plot: with detail.](x.png){#fig-a}\n\n| a |\n|---|\n| 1 |\n\n: The table. {#tbl-b}\n"
    )
    lua = Path(__file__).resolve().parents[1] / "analysis" / "crossref.lua"
    html = pypandoc.convert_text(
        source, "html", format="markdown", extra_args=[f"--lua-filter={lua}"]
    )
    assert 'href="#fig-a"' in html and "A plot" in html and "with detail" in html
    listed = html[: html.index('id="fig-a"')]
    assert "Figure\u00a01.1</a>: A plot" in listed
    assert "Table\u00a01.1</a>: The table" in listed


def test_html_table_of_contents_is_a_sidebar_on_wide_screens():
    from analysis.render import PAPER_CSS

    assert "nav#TOC { position: fixed" in PAPER_CSS
    assert "@media screen and (min-width: 70em)" in PAPER_CSS
