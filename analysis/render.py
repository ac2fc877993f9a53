"""Render the paper, a Quarto book, to HTML, PDF and DOCX.

:func:`render_paper` stages the book from ``paper/`` together with the results it cites (the
tables, the figures and ``_variables.yml`` made from ``values.json``), then renders it with
Quarto when Quarto is on ``PATH``, and otherwise offline with pandoc (``pypandoc-binary``) and
Typst (the ``typst`` wheel) -- the same sources, the same numbers.

The offline renderer supports the Quarto features the paper uses, and no others:

- ``{{< var key >}}``: the ``text`` of ``key`` in ``values.json``;
- ``{{< include path >}}``: the file's text (``/path`` is relative to the book's root, any other
  path to the including file); ``{{{< ... >}}}`` is a literal shortcode;
- book structure from ``_quarto.yml``: ``book.chapters`` (files and ``part`` titles),
  ``book.appendices``, title, subtitle, author and date, top-level ``bibliography``, ``csl`` and
  ``lang``; a chapter's front-matter ``title`` becomes its heading;
- ``#fig-``, ``#tbl-`` and ``#sec-`` targets, ``@fig-``/``@tbl-``/``@sec-`` references and
  ``{.unnumbered}`` headings (numbered like a Quarto book by ``crossref.lua``: "Chapter 2",
  "Section 2.1", "Figure 2.1", "Table A.1");
- citations from the bibliography (citeproc, Chicago author-date unless ``csl`` is set).

Unsupported: other shortcodes (an error), executable code cells, callouts, sub-figures,
equation and listing references, parts given as files, per-format options under ``format:``.

Every output is written to a temporary file beside its target and moved into place, so a failed
render never leaves a file that looks complete. The same inputs give byte-identical files
(DOCX through ``SOURCE_DATE_EPOCH``, PDF through Typst's fixed timestamp).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata, util
from pathlib import Path
from typing import Any

import pypandoc
import typst
import yaml

from analysis.files import atomic_output, write_json

FORMATS = ("html", "pdf", "docx")
#: Folders of the results store staged with the book as ``results/<folder>``.
RESULT_FOLDERS = ("tables", "figures", "questionnaire")
RENDERERS = ("auto", "quarto", "offline")
QUARTO_FORMATS = {"html": "html", "pdf": "typst", "docx": "docx"}
CROSSREF_FILTER = Path(__file__).with_name("crossref.lua")
CJK_FONT = "Noto Sans CJK SC"
CJK_FONT_PACKAGE = "manimgx_fonts_cjk"
SOURCE_DATE_EPOCH = "0"
TYPST_TIMESTAMP = 0
UNDATED = ("today", "now", "last-modified")
AST_OPTIONS = ("--from=markdown", "--to=json")
HTML_OPTIONS = (
    "--from=json",
    "--to=html5",
    "--standalone",
    "--embed-resources",
    "--toc",
    "--mathml",
)
DOCX_OPTIONS = ("--from=json", "--to=docx", "--toc")
TYPST_OPTIONS = (
    "--from=json",
    "--to=typst-citations",
    "--standalone",
    "--toc",
    "--variable=papersize:a4",
)

_SHORTCODE = re.compile(
    r"\{\{\{<(?P<escaped>.*?)>\}\}\}|\{\{<\s*(?P<name>[\w-]+)(?P<args>[^>]*?)\s*>\}\}"
)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?\n)(?:---|\.\.\.)[ \t]*\n", re.DOTALL)
_IMAGE_TARGET = re.compile(r"(!\[(?:[^\[\]]|\[[^\[\]]*\])*\]\()(<?)([^)\s>]+)")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^#")
_FILTER_ERROR = re.compile(r"crossref\.lua: ([^\n]*)")
_LABEL_TOKEN = re.compile(r"[@#](?:fig|tbl|sec|eq|lst)-[\w:.-]*\w")
_MISSING_CITATION = re.compile(r"Citeproc: citation (\S+) not found")

PAPER_CSS = """\
body { max-width: 48em; font-family: "Libertinus Serif", Georgia, "Noto Serif CJK SC",
  "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", serif; }
figure { margin: 1.5em auto; text-align: center; }
figure img { max-width: 100%; height: auto; }
figcaption, caption { font-size: 0.95em; padding: 0.4em 0; }
table { border-collapse: collapse; margin: 1em auto; }
th, td { padding: 0.25em 0.8em; }
thead th { border-bottom: 1px solid currentColor; }
.header-section-number { margin-right: 0.6em; }
nav#TOC ul { list-style: none; padding-left: 1.1em; }
nav#TOC > ul { padding-left: 0; }
@media screen and (min-width: 70em) {
  nav#TOC { position: fixed; top: 0; left: 0; bottom: 0; width: 19em; overflow-y: auto;
    padding: 1em 1em 2em; font-size: 0.85em; line-height: 1.35; box-sizing: border-box;
    border-right: 1px solid #d0d0d0; background: #fafafa; }
  body { margin-left: 21em; }
}
"""

TYPST_HEADER = f"""\
#set text(font: ("Libertinus Serif", "{CJK_FONT}"))
#set figure(numbering: none)
#show heading.where(level: 1): it => pagebreak(weak: true) + it
#show link: set text(fill: rgb("#1f4e79"))
#show figure.where(kind: table): set block(breakable: true)
"""


@dataclass(frozen=True)
class Style:
    """How the offline writers lay out a document.

    Attributes
    ----------
    css : str
        Style sheet embedded in the HTML.
    typst_header : str
        Typst code placed before the document (fonts, show rules) in the PDF.
    toc : bool
        Whether HTML, DOCX and PDF get a table of contents.
    """

    css: str = PAPER_CSS
    typst_header: str = TYPST_HEADER
    toc: bool = True


#: The paper's layout.
PAPER_STYLE = Style()


class PaperSourceError(ValueError):
    """A problem in the paper's sources; the message names the file, the line and the fix."""


class RenderError(RuntimeError):
    """A renderer (Quarto, pandoc, Typst) failed; the message carries its output."""


@dataclass(frozen=True)
class BookEntry:
    """One item of the book, in reading order.

    Attributes
    ----------
    kind : {"chapter", "part", "appendices"}
        A chapter file, a part title, or the start of the appendices.
    value : str
        The chapter's path relative to the book's root, or the part's title.
    """

    kind: str
    value: str = ""


@dataclass(frozen=True)
class Book:
    """What the offline renderer reads from ``_quarto.yml``.

    Attributes
    ----------
    metadata : dict
        Pandoc metadata: ``title``, ``subtitle``, ``author`` (names), ``date``, ``lang``.
    entries : tuple of BookEntry
        Chapters, part titles and the start of the appendices, in reading order.
    bibliography : tuple of str
        Bibliography files, relative to the book's root.
    csl : str or None
        Citation style file, relative to the book's root.
    warnings : tuple of str
        What was dropped for determinism (a date of "today").
    """

    metadata: dict[str, Any]
    entries: tuple[BookEntry, ...]
    bibliography: tuple[str, ...]
    csl: str | None
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class _Sources:
    """Where the staged book came from, to name the original files in error messages."""

    build_dir: Path
    paper_dir: Path
    results_dir: Path
    values: Mapping[str, str]

    def name(self, path: Path) -> str:
        """The original of a staged file: under ``paper_dir``, or ``results_dir`` for results."""
        if not path.is_relative_to(self.build_dir):
            return str(path)
        relative = path.relative_to(self.build_dir)
        if relative.parts[:1] == ("results",):
            return str(self.results_dir.joinpath(*relative.parts[1:]))
        return str(self.paper_dir / relative)


# --- staging ----------------------------------------------------------------------------------


def load_value_texts(values_file: str | Path) -> dict[str, str]:
    """Read ``values.json`` and return each key's formatted text.

    Parameters
    ----------
    values_file : str or Path
        The merged results, ``key -> {value, text, source, description}``.

    Returns
    -------
    dict
        ``key -> text``, sorted by key.
    """
    path = Path(values_file)
    if not path.is_file():
        raise PaperSourceError(
            f"The results file {path} does not exist: run the notebooks and collect their "
            "results first (`python3 reproduce.py` does both)."
        )
    raw = json.loads(path.read_text(encoding="utf-8"))
    texts = {}
    for key, entry in sorted(raw.items()):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("text"), str):
            raise PaperSourceError(
                f"The value {key!r} in {path} has no 'text' string: record it with the "
                "results store, which formats the text."
            )
        texts[key] = entry["text"]
    return texts


def _check_separate(build_dir: Path, folders: Mapping[str, Path]) -> None:
    """Refuse a ``build_dir`` whose deletion would delete a folder, or that is inside the book."""
    for what, other in folders.items():
        inside_book = what == "paper" and other in build_dir.parents
        if build_dir == other or build_dir in other.parents or inside_book:
            raise ValueError(
                f"The 'build_dir' parameter of render_paper must be a folder of its own, apart "
                f"from the {what} folder, because it is deleted and rebuilt. Got {build_dir} "
                f"and {what} {other}."
            )


def stage_book(
    paper_dir: str | Path, results_dir: str | Path, build_dir: str | Path, values: Mapping[str, str]
) -> Path:
    """Copy the book and the results it cites into a fresh staging folder.

    Parameters
    ----------
    paper_dir : str or Path
        The Quarto book (``_quarto.yml`` and the chapters).
    results_dir : str or Path
        The results store; its ``tables/``, ``figures/`` and ``questionnaire/``
        (:data:`RESULT_FOLDERS`, those that exist) go to ``<build_dir>/results/``.
    build_dir : str or Path
        The staging folder; deleted first if it exists.
    values : mapping
        ``key -> text``, written to ``<build_dir>/_variables.yml`` for Quarto's ``var``.

    Returns
    -------
    Path
        The staging folder.
    """
    paper_dir, results_dir, build_dir = Path(paper_dir), Path(results_dir), Path(build_dir)
    if not (paper_dir / "_quarto.yml").is_file():
        raise PaperSourceError(
            f"{paper_dir} has no _quarto.yml: point 'paper_dir' at the Quarto book's folder."
        )
    if build_dir.exists():
        shutil.rmtree(build_dir)
    shutil.copytree(paper_dir, build_dir, ignore=shutil.ignore_patterns("_book", ".quarto"))
    for kind in RESULT_FOLDERS:
        if (results_dir / kind).is_dir():
            shutil.copytree(results_dir / kind, build_dir / "results" / kind, dirs_exist_ok=True)
    variables = yaml.safe_dump(dict(values), allow_unicode=True, sort_keys=True)
    (build_dir / "_variables.yml").write_text(variables, encoding="utf-8")
    return build_dir


# --- the book's structure ---------------------------------------------------------------------


def _read_quarto_yml(book_dir: Path) -> dict[str, Any]:
    path = book_dir / "_quarto.yml"
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    book = config.get("book")
    if not isinstance(book, dict) or not isinstance(book.get("chapters"), list):
        raise PaperSourceError(
            f"{path} has no 'book: chapters:' list: the paper must be a Quarto book "
            "(project: type: book) that lists its chapter files."
        )
    return config


def _chapter_entries(items: Sequence[Any], where: str) -> list[BookEntry]:
    entries = []
    for item in items:
        if isinstance(item, str):
            entries.append(BookEntry("chapter", item))
        elif isinstance(item, dict) and isinstance(item.get("part"), str):
            if item["part"].endswith((".qmd", ".md")):
                raise PaperSourceError(
                    f"{where}: the part {item['part']!r} is a file, which the offline renderer "
                    "does not support: give the part a title instead (part: 'Title')."
                )
            entries.append(BookEntry("part", item["part"]))
            entries += _chapter_entries(item.get("chapters", []), where)
        else:
            raise PaperSourceError(
                f"{where}: the chapter entry {item!r} is neither a file name nor a part "
                "(part: title, chapters: [...]): write it as one of these."
            )
    return entries


def _author_names(author: Any) -> list[str]:
    names = []
    for item in author if isinstance(author, list) else [author] if author else []:
        name = item.get("name", "") if isinstance(item, dict) else item
        if isinstance(name, dict):
            name = name.get("literal") or " ".join(
                str(name[part]) for part in ("given", "family") if name.get(part)
            )
        names.append(str(name))
    return names


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in (value if isinstance(value, list) else [value]))


def read_book(book_dir: str | Path) -> Book:
    """Read a Quarto book's ``_quarto.yml`` for the offline renderer.

    Parameters
    ----------
    book_dir : str or Path
        The folder holding ``_quarto.yml``.

    Returns
    -------
    Book
        Metadata, chapters in reading order (parts flattened, appendices last), bibliography.
    """
    book_dir = Path(book_dir)
    config = _read_quarto_yml(book_dir)
    book = config["book"]
    where = str(book_dir / "_quarto.yml")
    entries = _chapter_entries(book["chapters"], where)
    if book.get("appendices"):
        entries.append(BookEntry("appendices"))
        entries += _chapter_entries(book["appendices"], where)
    meta: dict[str, Any] = {"lang": str(config.get("lang", "en"))}
    for key in ("title", "subtitle"):
        if book.get(key, config.get(key)):
            meta[key] = str(book.get(key, config.get(key)))
    meta["author"] = _author_names(book.get("author", config.get("author")))
    warnings = []
    date = book.get("date", config.get("date"))
    if str(date).strip().lower() in UNDATED:
        warnings.append(f"{where}: date {date!r} left out so that renders are reproducible.")
    elif date:
        meta["date"] = str(date)
    csl = config.get("csl")
    return Book(meta, tuple(entries), _as_tuple(config.get("bibliography")), csl, tuple(warnings))


# --- sources: shortcodes, includes, image paths -----------------------------------------------


def _var_text(key: str, ctx: _Sources, path: Path, lineno: int) -> str:
    if key not in ctx.values:
        raise PaperSourceError(
            f"{ctx.name(path)}, line {lineno}: unknown key {key!r} in {{{{< var {key} >}}}}: "
            "add it to the store in a notebook, or correct the key."
        )
    return ctx.values[key]


def _include_path(target: str, ctx: _Sources, path: Path, lineno: int) -> Path:
    included = ctx.build_dir / target[1:] if target.startswith("/") else path.parent / target
    if not included.is_file():
        raise PaperSourceError(
            f"{ctx.name(path)}, line {lineno}: the included file {target!r} does not exist "
            f"(looked for {ctx.name(included)}): produce it in a notebook, or correct the path."
        )
    return included


def _expand_line(line: str, ctx: _Sources, path: Path, lineno: int, stack: tuple[Path, ...]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match["escaped"] is not None:
            return "{{<" + match["escaped"] + ">}}"
        name, argument = match["name"], match["args"].strip()
        if name == "var":
            return _var_text(argument, ctx, path, lineno)
        if name == "include":
            return _expand_file(_include_path(argument, ctx, path, lineno), ctx, stack)
        raise PaperSourceError(
            f"{ctx.name(path)}, line {lineno}: the shortcode {{{{< {name} >}}}} is not supported "
            "by the offline renderer (only var and include are): rewrite it without it."
        )

    return _SHORTCODE.sub(replace, line)


def _expand_file(path: Path, ctx: _Sources, stack: tuple[Path, ...] = ()) -> str:
    """Return a source file's text with its ``var`` and ``include`` shortcodes substituted.

    Parameters
    ----------
    path : Path
        A file of the staged book.
    ctx : _Sources
        The staged book, the original folders (for messages) and ``key -> text``.
    stack : tuple of Path
        The files including this one, to refuse include cycles.

    Returns
    -------
    str
        The text, as Quarto would see it after its own substitutions.
    """
    if path in stack:
        chain = " -> ".join(ctx.name(p) for p in (*stack, path))
        raise PaperSourceError(f"Include cycle: {chain}: remove one of these includes.")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(
        _expand_line(line, ctx, path, n, (*stack, path)) for n, line in enumerate(lines, 1)
    )


def _lines_with(path: Path, pattern: re.Pattern[str]) -> list[int]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [n for n, line in enumerate(lines, 1) if pattern.search(line)]


def _image_path(target: str, chapter: Path, ctx: _Sources) -> str:
    """An image's path relative to the book's root (``/x`` is root-relative, as in Quarto)."""
    if _URL.match(target):
        return target
    image = (
        ctx.build_dir / target.lstrip("/") if target.startswith("/") else chapter.parent / target
    )
    if not image.is_file():
        lines = _lines_with(chapter, re.compile(re.escape(target)))
        where = f"line {lines[0]}" if lines else "an included file"
        raise PaperSourceError(
            f"{ctx.name(chapter)}, {where}: the image {target!r} does not exist (looked for "
            f"{ctx.name(image)}): produce it in a notebook, or correct the path."
        )
    return Path(os.path.relpath(image, ctx.build_dir)).as_posix()


def _rebase_images(text: str, chapter: Path, ctx: _Sources) -> str:
    """Point the chapter's images at their paths relative to the book's root."""

    def rebase(match: re.Match[str]) -> str:
        return match[1] + match[2] + _image_path(match[3], chapter, ctx)

    return _IMAGE_TARGET.sub(rebase, text)


def _without_front_matter(text: str) -> str:
    match = _FRONT_MATTER.match(text)
    if not match:
        return text
    title = (yaml.safe_load(match["yaml"]) or {}).get("title")
    body = text[match.end() :]
    return f"# {title}\n\n{body}" if title else body


def _chapter_markdown(relative: str, ctx: _Sources) -> str:
    """One chapter as pandoc Markdown: shortcodes substituted, image paths root-relative."""
    path = ctx.build_dir / relative
    if not path.is_file():
        raise PaperSourceError(
            f"{ctx.paper_dir / '_quarto.yml'} lists the chapter {relative!r}, which does not "
            "exist: add the file or correct the list."
        )
    text = _without_front_matter(_expand_file(path, ctx))
    return _rebase_images(text, path, ctx)


def _assemble_markdown(book: Book, ctx: _Sources) -> str:
    """The whole book as one pandoc Markdown document, with a YAML metadata block.

    Parts become unnumbered level-1 headings with class ``book-part``; the appendices start
    with an unnumbered "Appendices" heading with class ``book-appendices`` (see crossref.lua).
    """
    quarto_yml = ctx.build_dir / "_quarto.yml"
    meta = {
        key: _expand_line(value, ctx, quarto_yml, 0, ()) if isinstance(value, str) else value
        for key, value in book.metadata.items()
    }
    meta["link-citations"] = True
    pieces = []
    for entry in book.entries:
        if entry.kind == "part":
            pieces.append(f"# {entry.value} {{.unnumbered .book-part}}\n")
        elif entry.kind == "appendices":
            pieces.append("# Appendices {.unnumbered .book-appendices}\n")
        else:
            pieces.append(_chapter_markdown(entry.value, ctx))
    body = "\n\n".join(piece.strip("\n") + "\n" for piece in pieces)
    if book.bibliography and not re.search(r"#refs\b", body):
        meta["reference-section-title"] = "References"
    header = yaml.safe_dump(meta, allow_unicode=True, sort_keys=True)
    return f"---\n{header}---\n\n{body}"


# --- tools ------------------------------------------------------------------------------------


def _run(
    command: Sequence[str | Path], *, cwd: Path, what: str
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH)
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RenderError(
            f"{what} failed (exit status {done.returncode}) in {cwd}:\n"
            f"{' '.join(map(str, command))}\n{done.stderr.strip() or done.stdout.strip()}"
        )
    return done


def _pandoc(*args: str | Path, cwd: Path) -> str:
    """Run pandoc; return its warnings (stderr)."""
    return _run([pypandoc.get_pandoc_path(), *args], cwd=cwd, what="pandoc").stderr


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cjk_font_dir() -> Path:
    spec = util.find_spec(CJK_FONT_PACKAGE)
    if spec is None or spec.origin is None:
        raise RenderError(
            f"The font package {CJK_FONT_PACKAGE!r} is not installed; without it Chinese prints "
            "as empty boxes in the PDF. Install the locked environment (python3 reproduce.py)."
        )
    return Path(spec.origin).parent


# --- offline renderer -------------------------------------------------------------------------


def _source_locations(ctx: _Sources, book: Book, needle: str) -> str:
    pattern = re.compile(re.escape(needle) + r"(?![\w:.-]*\w)")
    found = []
    for entry in book.entries:
        path = ctx.build_dir / entry.value
        if entry.kind == "chapter" and path.is_file():
            found += [f"{ctx.name(path)}, line {n}" for n in _lines_with(path, pattern)]
    return "; ".join(found) or "no chapter file (an included file?)"


def _explain_filter_error(error: RenderError, ctx: _Sources, book: Book) -> None:
    """Re-raise crossref.lua's complaint about the sources with the files and lines involved."""
    complaint = _FILTER_ERROR.search(str(error))
    if complaint is None:
        return
    labels = dict.fromkeys(_LABEL_TOKEN.findall(complaint[1]))
    where = " | ".join(f"{label} in {_source_locations(ctx, book, label)}" for label in labels)
    raise PaperSourceError(f"{complaint[1]} ({where})" if where else complaint[1]) from error


def _check_citations(warnings: str, ctx: _Sources, book: Book) -> None:
    missing = [f"@{key}" for key in _MISSING_CITATION.findall(warnings)]
    if missing:
        where = " | ".join(f"{key} in {_source_locations(ctx, book, key)}" for key in missing)
        raise PaperSourceError(
            f"Citation(s) not in the bibliography {', '.join(book.bibliography)}: {where}. "
            "Add the entries to the .bib file, or correct the keys."
        )


def _pandoc_ast(markdown: Path, ctx: _Sources, book: Book) -> tuple[Path, str]:
    """Parse the book, resolve cross-references, then citations; write pandoc's JSON AST."""
    ast = markdown.with_suffix(".json")
    options = [f"--bibliography={bib}" for bib in book.bibliography]
    options += [f"--csl={book.csl}"] if book.csl else []
    filters = [f"--lua-filter={CROSSREF_FILTER}", "--citeproc"]
    try:
        warnings = _pandoc(
            markdown, *AST_OPTIONS, *filters, *options, f"--output={ast}", cwd=ctx.build_dir
        )
    except RenderError as error:
        _explain_filter_error(error, ctx, book)
        raise
    _check_citations(warnings, ctx, book)
    return ast, warnings


def _options(options: Sequence[str], style: Style) -> list[str]:
    return [option for option in options if style.toc or option != "--toc"]


def _write_html(ast: Path, target: Path, style: Style = PAPER_STYLE) -> str:
    css = ast.with_name("_paper.css")
    css.write_text(style.css, encoding="utf-8")
    options = [*_options(HTML_OPTIONS, style), f"--css={css.name}"]
    with atomic_output(target) as temporary:
        return _pandoc(ast, *options, f"--output={temporary}", cwd=ast.parent)


def _write_docx(ast: Path, target: Path, style: Style = PAPER_STYLE) -> str:
    with atomic_output(target) as temporary:
        return _pandoc(ast, *_options(DOCX_OPTIONS, style), f"--output={temporary}", cwd=ast.parent)


def _compile_typst(source: Path) -> tuple[bytes, list[str]]:
    """Compile with only the bundled fonts and the CJK font; a missing font is an error."""
    try:
        pdf, warnings = typst.compile_with_warnings(
            str(source),
            root=str(source.parent),
            font_paths=[str(_cjk_font_dir())],
            ignore_system_fonts=True,
            timestamp=TYPST_TIMESTAMP,
        )
    except typst.TypstError as error:
        raise RenderError(f"Typst failed to compile {source}:\n{error}") from error
    messages = [f"typst: {warning.message}" for warning in warnings]
    fonts = [m for m in messages if "unknown font family" in m]
    if fonts:
        raise RenderError(
            f"Typst could not find a font while compiling {source} ({'; '.join(fonts)}), so text "
            f"would print as empty boxes: check that {CJK_FONT_PACKAGE!r} is installed."
        )
    return pdf, messages


def _write_pdf(ast: Path, target: Path, style: Style = PAPER_STYLE) -> str:
    """Pandoc writes Typst (its standalone template plus the style's header); Typst the PDF."""
    header = ast.with_name("_typst-header.typ")
    header.write_text(style.typst_header, encoding="utf-8")
    source = ast.with_suffix(".typ")
    options = [f"--include-in-header={header.name}", f"--output={source}"]
    warnings = _pandoc(ast, *_options(TYPST_OPTIONS, style), *options, cwd=ast.parent)
    pdf, typst_warnings = _compile_typst(source)
    with atomic_output(target) as temporary:
        temporary.write_bytes(pdf)
    return "\n".join([warnings, *typst_warnings])


_WRITERS: dict[str, Callable[[Path, Path, Style], str]] = {
    "html": _write_html,
    "pdf": _write_pdf,
    "docx": _write_docx,
}


def _write_formats(
    ast: Path, out_dir: Path, basename: str, formats: Sequence[str], style: Style
) -> tuple[list[str], dict[str, dict[str, str]]]:
    """Write every format from the AST at once (each is a pandoc or Typst process writing its
    own files), then collect their warnings and outputs in the order of ``formats``."""
    formats = list(dict.fromkeys(formats))
    targets = {fmt: out_dir / f"{basename}.{fmt}" for fmt in formats}
    with ThreadPoolExecutor(max_workers=len(formats)) as pool:
        futures = {fmt: pool.submit(_WRITERS[fmt], ast, targets[fmt], style) for fmt in formats}
        warnings = [line for fmt in formats for line in futures[fmt].result().splitlines()]
    outputs = {fmt: {"path": targets[fmt].name, "sha256": _sha256(targets[fmt])} for fmt in formats}
    return warnings, outputs


def _offline_versions() -> dict[str, str]:
    return {"pandoc": pypandoc.get_pandoc_version(), "typst": metadata.version("typst")}


def render_markdown(
    markdown: str,
    out_dir: str | Path,
    *,
    basename: str,
    formats: Sequence[str] = FORMATS,
    style: Style = PAPER_STYLE,
) -> dict[str, Any]:
    """Render one standalone pandoc-Markdown document offline, as the paper is rendered.

    The same pandoc and Typst machinery as :func:`render_paper` (self-contained HTML, DOCX,
    PDF with the CJK font; byte-identical on rerun), without the book's cross-references and
    citations.

    Parameters
    ----------
    markdown : str
        The document, with its metadata (``pagetitle``, ``lang``, ...) in a YAML block.
    out_dir : str or Path
        Where ``<basename>.<format>`` are written (created if missing).
    basename : str
        The outputs' file name without extension.
    formats : sequence of {"html", "pdf", "docx"}
        The outputs to make.
    style : Style
        CSS, Typst header and whether to add a table of contents.

    Returns
    -------
    dict
        ``renderer`` ("offline"), tool ``versions``, ``outputs``: ``format -> {path, sha256}``
        (paths relative to ``out_dir``) and ``warnings``.

    Raises
    ------
    ValueError
        If ``formats`` is empty or names an unknown format.
    RenderError
        Pandoc or Typst failed, or the CJK font is missing.

    Examples
    --------
    >>> import tempfile
    >>> info = render_markdown("您好！", tempfile.mkdtemp(), basename="note",
    ...                        formats=("html",), style=Style(toc=False))
    >>> info["outputs"]["html"]["path"]
    'note.html'
    """
    _check_options(formats, "offline", function="render_markdown")
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{basename}.", dir=out_dir) as build:
        source = Path(build) / f"{basename}.md"
        source.write_text(markdown, encoding="utf-8")
        ast = source.with_suffix(".json")
        messages = _pandoc(source, *AST_OPTIONS, f"--output={ast}", cwd=source.parent)
        written, outputs = _write_formats(ast, out_dir, basename, formats, style)
    return {
        "renderer": "offline",
        "versions": _offline_versions(),
        "outputs": outputs,
        "warnings": [m for m in [*messages.splitlines(), *written] if m.strip()],
    }


def _render_offline(
    ctx: _Sources, out_dir: Path, formats: Sequence[str], basename: str
) -> dict[str, Any]:
    """Render the staged book with pandoc and Typst; return the render information."""
    book = read_book(ctx.build_dir)
    markdown = ctx.build_dir / f"_{basename}.md"
    markdown.write_text(_assemble_markdown(book, ctx), encoding="utf-8")
    ast, warnings = _pandoc_ast(markdown, ctx, book)
    written, outputs = _write_formats(ast, out_dir, basename, formats, PAPER_STYLE)
    messages = [*book.warnings, *warnings.splitlines(), *written]
    return {
        "renderer": "offline",
        "versions": _offline_versions(),
        "outputs": outputs,
        "warnings": [m for m in messages if m.strip()],
    }


# --- Quarto renderer --------------------------------------------------------------------------


def _copy_site(site: Path, target: Path) -> None:
    temporary = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        shutil.copytree(site, temporary, dirs_exist_ok=True)
        if target.exists():
            shutil.rmtree(target)
        os.replace(temporary, target)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)


def _quarto_output(book_out: Path, out_dir: Path, fmt: str, basename: str) -> Path:
    target = out_dir / f"{basename}.{fmt}"
    if fmt != "html":
        with atomic_output(target) as temporary:
            shutil.copyfile(book_out / f"{basename}.{fmt}", temporary)
        return target
    # A Quarto book's HTML is a website; the single-file name points to its first page.
    site = out_dir / f"{basename}-html"
    _copy_site(book_out, site)
    with atomic_output(target) as temporary:
        temporary.write_text(
            f'<!DOCTYPE html><meta charset="utf-8"><meta http-equiv="refresh" '
            f'content="0; url={site.name}/index.html"><a href="{site.name}/index.html">Paper</a>\n',
            encoding="utf-8",
        )
    return site / "index.html"


def _render_quarto(
    ctx: _Sources, out_dir: Path, formats: Sequence[str], basename: str
) -> dict[str, Any]:
    """Render the staged book with ``quarto render`` and copy its outputs to ``out_dir``."""
    quarto = shutil.which("quarto")
    if quarto is None:
        raise RenderError("Quarto is not on PATH: install it, or use renderer='offline'.")
    config = _read_quarto_yml(ctx.build_dir)
    if "pdf" in formats and not config["book"].get("author"):
        raise PaperSourceError(
            f"{ctx.paper_dir / '_quarto.yml'} has no 'book: author:', without which Quarto's "
            "Typst book template fails ('expected content, found array'): add the author."
        )
    config["book"]["output-file"] = basename
    (ctx.build_dir / "_quarto.yml").write_text(
        yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    to = ",".join(QUARTO_FORMATS[fmt] for fmt in formats)
    _run([quarto, "render", ctx.build_dir, "--to", to], cwd=ctx.build_dir, what="quarto render")
    book_out = ctx.build_dir / config.get("project", {}).get("output-dir", "_book")
    outputs = {}
    for fmt in formats:
        path = _quarto_output(book_out, out_dir, fmt, basename)
        outputs[fmt] = {"path": str(path.relative_to(out_dir)), "sha256": _sha256(path)}
    version = _run([quarto, "--version"], cwd=ctx.build_dir, what="quarto --version").stdout
    versions = {"quarto": version.strip()}
    return {"renderer": "quarto", "versions": versions, "outputs": outputs, "warnings": []}


# --- entry point ------------------------------------------------------------------------------


def _check_options(formats: Sequence[str], renderer: str, function: str = "render_paper") -> str:
    unknown = [fmt for fmt in formats if fmt not in FORMATS]
    if unknown or not formats:
        raise ValueError(
            f"The 'formats' parameter of {function} must be a non-empty selection of "
            f"{list(FORMATS)}. Got {list(formats)}."
        )
    if renderer not in RENDERERS:
        raise ValueError(
            f"The 'renderer' parameter of {function} must be one of {list(RENDERERS)}. "
            f"Got {renderer!r}."
        )
    if renderer == "auto":
        return "quarto" if shutil.which("quarto") else "offline"
    return renderer


def _write_info(info: Mapping[str, Any], out_dir: Path) -> None:
    write_json(out_dir / "render-info.json", info)


def render_paper(
    paper_dir: str | Path,
    results_dir: str | Path,
    out_dir: str | Path,
    *,
    build_dir: str | Path,
    formats: Sequence[str] = FORMATS,
    renderer: str = "auto",
    basename: str = "crm-citic-zhengzhou",
) -> dict[str, Any]:
    """Render the paper (a Quarto book) with the study's results to HTML, PDF and DOCX.

    Parameters
    ----------
    paper_dir : str or Path
        The Quarto book: ``_quarto.yml`` (``project: type: book``) and its chapters.
    results_dir : str or Path
        The results store: ``values.json``, ``tables/``, ``figures/``.
    out_dir : str or Path
        Where ``<basename>.{html,pdf,docx}`` and ``render-info.json`` are written.
    build_dir : str or Path
        Staging folder, deleted and rebuilt: the book, ``results/`` and ``_variables.yml``.
    formats : sequence of {"html", "pdf", "docx"}
        The outputs to make.
    renderer : {"auto", "quarto", "offline"}
        ``auto`` uses Quarto when ``quarto`` is on PATH, otherwise pandoc and Typst.
    basename : str
        The outputs' file name without extension.

    Returns
    -------
    dict
        ``renderer``, tool ``versions``, and ``outputs``: ``format -> {path, sha256}`` (paths
        relative to ``out_dir``); also written to ``<out_dir>/render-info.json``.

    Raises
    ------
    PaperSourceError
        An unknown ``var`` key, a missing include or chapter, an unresolved cross-reference or
        citation; the message names the file, the line and the fix.
    RenderError
        Quarto, pandoc or Typst failed.

    Examples
    --------
    >>> info = render_paper("paper", "output/results", "output/paper",
    ...                     build_dir="output/build/paper", renderer="offline")  # doctest: +SKIP
    >>> sorted(info["outputs"])  # doctest: +SKIP
    ['docx', 'html', 'pdf']
    """
    chosen = _check_options(formats, renderer)
    paper_dir, results_dir = Path(paper_dir).resolve(), Path(results_dir).resolve()
    out_dir, build_dir = Path(out_dir).resolve(), Path(build_dir).resolve()
    _check_separate(build_dir, {"paper": paper_dir, "results": results_dir, "output": out_dir})
    values = load_value_texts(results_dir / "values.json")
    stage_book(paper_dir, results_dir, build_dir, values)
    ctx = _Sources(build_dir, paper_dir, results_dir, values)
    out_dir.mkdir(parents=True, exist_ok=True)
    render = _render_quarto if chosen == "quarto" else _render_offline
    info = render(ctx, out_dir, tuple(dict.fromkeys(formats)), basename)
    _write_info(info, out_dir)
    return info
