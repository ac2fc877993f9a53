"""The questionnaire as a document, written from the instrument file (``survey/instrument.yaml``).

:func:`questionnaire_markdown` lays the instrument out as pandoc Markdown in Chinese (the language
it is administered in) or English (a translation for readers): title, introduction, sampling,
then each section in questionnaire order, then the closing text. Questions are numbered
continuously across sections, identically in both languages (:func:`question_numbers`):

- Likert items form response grids (pandoc pipe tables), one per construct (an attention check
  joins the table it sits in), with the question number, the statement and one column per scale
  point headed by its code; the points' labels are listed above the first table of a section
  ("1 = Strongly disagree; ..."), which keeps seven answer columns narrow enough for an A4 page.
  Constructs are not named and reverse-keyed items are not marked to respondents (the editor's
  notes list them);
- the importance block shows its stem above its table;
- categorical questions list their options with a box and the answer code in brackets for data
  entry; a multiple-choice question says "select all that apply";
- a filter question writes its skip instruction out ("If 'No', skip to question 38"), and the
  items it skips are marked as asked only of those who gave the other answer.

:func:`write_questionnaire` writes the Markdown for the paper's appendix (included from the
results store), :func:`render_questionnaire` renders standalone HTML, PDF and DOCX documents with
the paper's offline renderer (:func:`analysis.render.render_markdown`: pandoc, Typst, Noto Sans
CJK). Output is deterministic: the same instrument gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any

import yaml

from analysis.instrument import IMPORTANCE, LANGUAGES, Instrument, Variable
from analysis.render import CJK_FONT, FORMATS, PAPER_CSS, Style, atomic_output, render_markdown

#: File name of the Markdown (and, without ``.md``, of the rendered documents) by language.
FILE_NAMES = {"zh": "questionnaire_zh.md", "en": "questionnaire_en.md"}
#: Heading level of the questionnaire's title in the appendix files (the appendix is level 1).
APPENDIX_LEVEL = 2
#: Deepest heading level Markdown has.
MAX_LEVEL = 6

#: The fixed wording of the layout, by language.
WORDS: Mapping[str, Mapping[str, str]] = {
    "zh": {
        "number": "题号",
        "statement": "题项",
        "sampling": "调查对象与抽样：",
        "translation": "",
        "legend_sep": "；",
        "legend": "{code}＝{label}",
        "quote": "“{}”",
        "or": "或",
        "skip": "若选择{answers}，请跳至第{target}题。",
        "skip_end": "若选择{answers}，请跳至问卷结尾。",
        "questions": "第{first}–{last}题",
        "question": "第{number}题",
        "asked_if": "（{questions}仅由第{filter}题选择{answers}的受访者回答）",
        "multiple": "（可多选）",
        "multiple_marker": "可多选",
        "notes": "编者注（不向受访者展示）",
        "notes_reverse": "反向计分题（计分前按 {formula} 重新编码）：{items}。",
        "notes_attention": "注意力检测题：{items}；唯一正确的回答为 {expected}（{label}）。",
        "notes_skip": "{questions}（{codes}）仅当第{filter}题（{filter_code}）的回答为{answers}"
        "时询问。",
        "notes_codes": "方括号中为数据录入代码；多选题的每个选项录入为一列 0/1（列名见方括号）。",
        "item": "第{number}题（{code}）",
    },
    "en": {
        "number": "No.",
        "statement": "Item",
        "sampling": "Respondents and sampling:",
        "translation": (
            "English translation for readers of this study. The questionnaire is administered "
            "in Chinese; this translation was not itself administered or validated."
        ),
        "legend_sep": "; ",
        "legend": "{code} = {label}",
        "quote": "'{}'",
        "or": " or ",
        "skip": "If {answers}, skip to question {target}.",
        "skip_end": "If {answers}, skip to the end of the questionnaire.",
        "questions": "Questions {first}–{last}",
        "question": "Question {number}",
        "asked_if": "({questions}: only for respondents who answered {answers} to question "
        "{filter}.)",
        "multiple": " (Select all that apply.)",
        "multiple_marker": "all that apply",
        "notes": "Editor's notes (not shown to respondents)",
        "notes_reverse": "Reverse-keyed items (recoded {formula} before scoring): {items}.",
        "notes_attention": "Attention check: {items}; the only passing answer is {expected} "
        "({label}).",
        "notes_skip": "{questions} ({codes}) are asked only if question {filter} ({filter_code}) "
        "is answered {answers}.",
        "notes_codes": "The numbers in brackets are the codes for data entry; each option of a "
        "multiple-choice question is entered as a 0/1 column (its name is given in brackets).",
        "item": "question {number} ({code})",
    },
}

#: Check box printed before each answer option.
BOX = "□"
#: Mark printed in each answer cell of a Likert table.
CIRCLE = "○"
#: Relative widths (dashes of the pipe table's separator) of the number and statement columns
#: and of each scale-point column; the separator is longer than pandoc's 72 columns, so the
#: widths are kept in every output format.
NUMBER_WIDTH, STATEMENT_WIDTH, POINT_WIDTH = 9, 49, 6

#: Layout of the standalone documents: no table of contents, centred title, compact tables.
QUESTIONNAIRE_CSS = (
    PAPER_CSS
    + """\
h1 { text-align: center; font-size: 1.6em; }
table { width: 100%; }
td:nth-child(n+3), th:nth-child(n+3) { text-align: center; }
.line-block { margin: 0.3em 0 0.8em 1.5em; }
"""
)
_TYPST_HEADER = """\
#set text(font: {fonts})
#show heading.where(level: 1): set align(center)
#show heading: set block(above: 1.4em, below: 0.8em)
#show regex("[{marks}]"): set text(font: "{cjk}")
#show table: set text(size: 0.9em)
#show table: set par(justify: false)
#set table(inset: (x: 4pt, y: 3.5pt), stroke: (x, y) => (
  bottom: if y == 0 {{ 0.6pt }} else {{ 0.3pt + luma(190) }},
))
"""
#: Font order by language: the Chinese document in Noto Sans CJK throughout (its Latin glyphs
#: match its Chinese ones), the English one in Libertinus Serif with the CJK font as fallback.
FONTS = {"zh": (CJK_FONT,), "en": ("Libertinus Serif", CJK_FONT)}
#: ``lang`` of the rendered documents (HTML ``lang``, Typst line breaking, Word proofing).
DOCUMENT_LANG = {"zh": "zh-Hans", "en": "en-GB"}
#: Page margins of the PDF.
MARGIN = "2.2cm"

_ESCAPE = re.compile(r"([\\`*_{}\[\]<>#|$^~@])")
_LIST_START = re.compile(r"^(\d+)([.)])|^([-+])(?=\s)")
_ID_UNSAFE = re.compile(r"[^a-z0-9]+")


class QuestionnaireError(ValueError):
    """The instrument cannot be laid out as a questionnaire; the message names the fix."""


@dataclass(frozen=True)
class Question:
    """One numbered question of the questionnaire.

    Attributes
    ----------
    number : int
        Its running number, continuous across sections.
    code : str
        The variable's code; for a multiple-choice question, the question's code.
    kind : {"likert", "categorical", "multiple"}
        How it is answered.
    variables : tuple of Variable
        The variable, or the 0/1 columns of a multiple-choice question.
    """

    number: int
    code: str
    kind: str
    variables: tuple[Variable, ...]

    @property
    def variable(self) -> Variable:
        """The (first) variable: its wording, scale, skip logic."""
        return self.variables[0]


# --- structure ----------------------------------------------------------------------------------


def _expand(instrument: Instrument, code: str) -> list[tuple[str, str, tuple[Variable, ...]]]:
    """A section's entry as questions ``(code, kind, variables)``, in order."""
    constructs = {construct.code: construct for construct in instrument.constructs}
    if code in constructs:
        return [(item.code, "likert", (item,)) for item in constructs[code].items]
    if code == IMPORTANCE:
        return [(item.code, "likert", (item,)) for item in instrument.importance.items]
    if any(variable.group == code for variable in instrument.variables):
        return [(code, "multiple", instrument.group(code))]
    variable = instrument.variable(code)
    return [(code, "likert" if variable.type == "likert" else "categorical", (variable,))]


def questionnaire_questions(instrument: Instrument) -> tuple[tuple[Question, ...], ...]:
    """The numbered questions of each section, in questionnaire order.

    Parameters
    ----------
    instrument : Instrument
        The instrument (:func:`analysis.instrument.load_instrument`).

    Returns
    -------
    tuple of tuple of Question
        One tuple per section of ``instrument.sections``.

    Examples
    --------
    >>> from analysis.instrument import load_instrument
    >>> sections = questionnaire_questions(load_instrument("survey/instrument.yaml"))
    >>> [(q.number, q.code, q.kind) for q in sections[0][:2]]
    [(1, 'bank_type', 'categorical'), (2, 'tenure_years', 'categorical')]
    >>> sections[0][-1].kind
    'multiple'
    """
    number, sections = 0, []
    for section in instrument.sections:
        questions = []
        for entry in section.contents:
            for code, kind, variables in _expand(instrument, entry):
                number += 1
                questions.append(Question(number, code, kind, variables))
        sections.append(tuple(questions))
    return tuple(sections)


def question_numbers(instrument: Instrument) -> dict[str, int]:
    """Question code -> running question number (the same in every language).

    A multiple-choice question is numbered once, under its own code (not its 0/1 columns).

    Examples
    --------
    >>> from analysis.instrument import load_instrument
    >>> numbers = question_numbers(load_instrument("survey/instrument.yaml"))
    >>> numbers["bank_type"], numbers["main_channels"]
    (1, 5)
    """
    return {q.code: q.number for section in questionnaire_questions(instrument) for q in section}


# --- text helpers ---------------------------------------------------------------------------------


def _check_language(language: str, function: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(
            f"The 'language' parameter of {function} must be one of {list(LANGUAGES)}. "
            f"Got {language!r}."
        )


def escape(text: str) -> str:
    r"""Text as literal pandoc Markdown, on one line: special characters backslash-escaped.

    Examples
    --------
    >>> escape("1. Rates | fees *and* [terms] @bank")
    '1\\. Rates \\| fees \\*and\\* \\[terms\\] \\@bank'
    """
    text = _ESCAPE.sub(r"\\\1", " ".join(text.split()))
    return _LIST_START.sub(lambda m: m[0][:-1] + "\\" + m[0][-1], text, count=1)


def _heading(level: int, text: str, identifier: str, *, listed: bool = True) -> str:
    classes = ".unnumbered" if listed else ".unnumbered .unlisted"
    return f"{'#' * level} {escape(text)} {{#{identifier} {classes}}}"


def _identifier(*parts: str) -> str:
    return "-".join(_ID_UNSAFE.sub("-", part.lower()).strip("-") for part in parts)


def _quoted(labels: Sequence[str], words: Mapping[str, str]) -> str:
    return words["or"].join(words["quote"].format(escape(label)) for label in labels)


def _span(numbers: Sequence[int], words: Mapping[str, str]) -> str:
    if len(numbers) == 1:
        return words["question"].format(number=numbers[0])
    return words["questions"].format(first=numbers[0], last=numbers[-1])


# --- skip logic -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Skip:
    """A filter question, the questions it governs and where the others go."""

    filter: Question
    asked: tuple[Question, ...]
    skipping_codes: tuple[int, ...]
    target: int | None


def _skips(questions: Sequence[Question]) -> dict[str, _Skip]:
    """Filter code -> its skip logic; the governed questions must follow it as one block."""
    skips = {}
    for position, question in enumerate(questions):
        asked = [q for q in questions if q.variable.ask_if is not None]
        asked = [q for q in asked if q.variable.ask_if.variable == question.code]
        if not asked:
            continue
        numbers = [q.number for q in asked]
        conditions = {q.variable.ask_if.codes for q in asked}
        if numbers != list(range(numbers[0], numbers[-1] + 1)) or len(conditions) > 1:
            raise QuestionnaireError(
                f"The questions asked only after filter {question.code!r} "
                f"({[q.code for q in asked]}) must follow one another and share one condition "
                "for the questionnaire to state one skip instruction: reorder them in "
                "'sections', or give them the same 'ask_if'."
            )
        codes = conditions.pop()
        skipping = tuple(c for c in question.variable.codes if c not in codes)
        following = [q.number for q in questions[position:] if q.number > numbers[-1]]
        skips[question.code] = _Skip(question, tuple(asked), skipping, min(following, default=None))
    return skips


def _answer_labels(question: Question, codes: Sequence[int], language: str) -> list[str]:
    labels = question.variable.value_labels(language)
    return [labels[code] for code in codes]


def _skip_instruction(skip: _Skip, language: str) -> str:
    words = WORDS[language]
    answers = _quoted(_answer_labels(skip.filter, skip.skipping_codes, language), words)
    if skip.target is None:
        return words["skip_end"].format(answers=answers)
    return words["skip"].format(answers=answers, target=skip.target)


def _asked_if_note(skip: _Skip, language: str) -> str:
    words = WORDS[language]
    codes = skip.asked[0].variable.ask_if.codes
    return words["asked_if"].format(
        questions=_span([q.number for q in skip.asked], words),
        filter=skip.filter.number,
        answers=_quoted(_answer_labels(skip.filter, codes, language), words),
    )


# --- blocks -------------------------------------------------------------------------------------


def _legend(instrument: Instrument, scale: str, language: str) -> str:
    words = WORDS[language]
    labels = instrument.scales[scale].labels
    parts = [words["legend"].format(code=c, label=escape(labels[c][language])) for c in labels]
    return "*" + words["legend_sep"].join(parts) + "*"


def _likert_table(rows: Sequence[Question], points: int, language: str) -> str:
    words = WORDS[language]
    header = [words["number"], words["statement"], *map(str, range(1, points + 1))]
    widths = [NUMBER_WIDTH, STATEMENT_WIDTH, *[POINT_WIDTH] * points]
    separator = [":" + "-" * (NUMBER_WIDTH - 1), ":" + "-" * (STATEMENT_WIDTH - 1)]
    separator += [":" + "-" * (width - 2) + ":" for width in widths[2:]]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(separator) + "|"]
    for row in rows:
        cells = [str(row.number), escape(row.variable.question[language]), *[CIRCLE] * points]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _table_groups(questions: Sequence[Question]) -> list[list[Question]]:
    """Consecutive Likert questions grouped into tables: one per construct (the importance
    block is one), on one scale and one condition; an attention check joins its table."""
    groups: list[list[Question]] = []
    keys: list[tuple[Any, str | None]] = []
    for question in questions:
        variable = question.variable
        block = IMPORTANCE if variable.role == "importance" else variable.construct
        key = (variable.scale, variable.ask_if)
        same_block = groups and (block is None or keys[-1][1] in (None, block))
        if same_block and keys[-1][0] == key:
            groups[-1].append(question)
            keys[-1] = (key, keys[-1][1] or block)
        else:
            groups.append([question])
            keys.append((key, block))
    return groups


def _options(question: Question, language: str) -> list[tuple[str, str]]:
    """(label, data-entry code) of each answer option."""
    if question.kind == "multiple":
        labels = _option_labels(question.variables, language)
        return [(label, v.code) for label, v in zip(labels, question.variables, strict=True)]
    return [(value.label[language], str(value.code)) for value in question.variable.values]


def _option_labels(columns: Sequence[Variable], language: str) -> list[str]:
    """The options of a multiple-choice question: its columns' labels without the question's
    short label, which the instrument puts before each ("Main channels: Branch counter")."""
    separator = "：" if language == "zh" else ": "
    labels = [column.short_label(language) for column in columns]
    heads = {label.partition(separator)[0] for label in labels}
    if len(heads) > 1 or not all(separator in label for label in labels):
        return labels
    return [label.partition(separator)[2] for label in labels]


def _question_text(question: Question, language: str) -> str:
    text = question.variable.question[language]
    words = WORDS[language]
    if question.kind == "multiple" and words["multiple_marker"] not in text.lower():
        text += words["multiple"]
    return f"**{question.number}\\.** {escape(text)}"


def _choice_block(question: Question, language: str, skip: _Skip | None) -> str:
    options = [
        f"| {BOX} {escape(label)} \\[{escape(code)}\\]"
        for label, code in _options(question, language)
    ]
    block = _question_text(question, language) + "\n\n" + "\n".join(options)
    if skip is not None and skip.skipping_codes:
        block += f"\n\n**{escape(_skip_instruction(skip, language))}**"
    return block


def _likert_blocks(
    instrument: Instrument, group: Sequence[Question], language: str, legend: bool
) -> list[str]:
    variable = group[0].variable
    blocks = []
    if variable.role == "importance" and instrument.importance is not None:
        blocks.append(f"**{escape(instrument.importance.question[language])}**")
    if legend:
        blocks.append(_legend(instrument, variable.scale, language))
    blocks.append(_likert_table(group, instrument.scales[variable.scale].points, language))
    return blocks


def _section_blocks(
    instrument: Instrument, questions: Sequence[Question], skips: Mapping[str, _Skip], language: str
) -> list[str]:
    blocks: list[str] = []
    shown_legends: set[str] = set()
    governed = {q.code: skip for skip in skips.values() for q in skip.asked[:1]}
    for likert, run in groupby(questions, key=lambda question: question.kind == "likert"):
        if not likert:
            blocks += [_choice_block(q, language, skips.get(q.code)) for q in run]
            continue
        for group in _table_groups(list(run)):
            if group[0].code in governed:
                blocks.append(f"*{escape(_asked_if_note(governed[group[0].code], language))}*")
            scale = group[0].variable.scale
            blocks += _likert_blocks(instrument, group, language, scale not in shown_legends)
            shown_legends.add(scale)
    return blocks


# --- editor's notes -------------------------------------------------------------------------------


def _item_list(questions: Sequence[Question], words: Mapping[str, str]) -> str:
    return ", ".join(words["item"].format(number=q.number, code=q.code) for q in questions)


def _notes(instrument: Instrument, questions: Sequence[Question], language: str) -> list[str]:
    words = WORDS[language]
    notes = []
    reverse = [q for q in questions if q.kind == "likert" and q.variable.reverse]
    if reverse:
        points = {instrument.scales[q.variable.scale].points for q in reverse}
        formula = " / ".join(f"{p + 1} − x" for p in sorted(points))
        notes.append(
            words["notes_reverse"].format(formula=formula, items=_item_list(reverse, words))
        )
    for check in (q for q in questions if q.variable.role == "attention"):
        notes.append(
            words["notes_attention"].format(
                items=_item_list([check], words),
                expected=check.variable.expected,
                label=check.variable.value_labels(language)[check.variable.expected],
            )
        )
    for skip in _skips(questions).values():
        codes = skip.asked[0].variable.ask_if.codes
        labels = _answer_labels(skip.filter, codes, language)
        notes.append(
            words["notes_skip"].format(
                questions=_span([q.number for q in skip.asked], words),
                codes=", ".join(q.code for q in skip.asked),
                filter=skip.filter.number,
                filter_code=skip.filter.code,
                answers=words["or"].join(
                    f"{c} ({label})" for c, label in zip(codes, labels, strict=True)
                ),
            )
        )
    notes.append(words["notes_codes"])
    return [f"- {escape(note)}" for note in notes]


# --- the document ---------------------------------------------------------------------------------


def _check_level(level: int) -> None:
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level < MAX_LEVEL:
        raise ValueError(
            f"The 'level' parameter of questionnaire_markdown must be an integer from 1 to "
            f"{MAX_LEVEL - 1} (the title's heading level; sections are one level below). "
            f"Got {level!r}."
        )


def _front_matter(instrument: Instrument, language: str, level: int) -> list[str]:
    words = WORDS[language]
    blocks = [_heading(level, instrument.title[language], _identifier("questionnaire", language))]
    if words["translation"]:
        blocks.append(f"*{escape(words['translation'])}*")
    blocks.append(escape(instrument.introduction[language]))
    blocks.append(f"**{escape(words['sampling'])}** {escape(instrument.sampling[language])}")
    return blocks


def questionnaire_markdown(
    instrument: Instrument, *, language: str, level: int = APPENDIX_LEVEL, notes: bool = False
) -> str:
    """The questionnaire in one language as pandoc Markdown.

    Title, introduction and sampling description; then each section under its heading, with
    its instructions and questions numbered continuously across sections (the same numbers in
    both languages, see :func:`question_numbers`); then the closing text. Headings are
    ``{.unnumbered}`` with identifiers ``questionnaire-<language>[-<section>]``, so that the
    Chinese and English versions can both sit in one book.

    Parameters
    ----------
    instrument : Instrument
        The instrument (:func:`analysis.instrument.load_instrument`).
    language : {"zh", "en"}
        Chinese, the language of administration, or English, a translation for readers (which
        says so under its title).
    level : int
        Heading level of the title (1 to 5); sections are one level below. The default, 2,
        suits inclusion under a level-1 appendix heading.
    notes : bool
        Whether to end with the editor's notes (not for respondents): reverse-keyed items,
        attention checks, skip logic, data-entry codes.

    Returns
    -------
    str
        The Markdown, ending with a newline; the same instrument gives the same text.

    Raises
    ------
    ValueError
        If ``language`` or ``level`` is not one of the values above.
    QuestionnaireError
        If the questions asked after a filter do not follow one another or do not share one
        condition (no single skip instruction could state the logic).

    Examples
    --------
    >>> from analysis.instrument import load_instrument
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> text = questionnaire_markdown(instrument, language="zh")
    >>> text.splitlines()[0]
    '## 中信银行郑州分行客户关系管理调查问卷 {#questionnaire-zh .unnumbered}'
    >>> "若选择“否”，请跳至第38题。" in text
    True
    """
    _check_language(language, "questionnaire_markdown")
    _check_level(level)
    sections = questionnaire_questions(instrument)
    questions = [q for section in sections for q in section]
    skips = _skips(questions)
    blocks = _front_matter(instrument, language, level)
    for section, section_questions in zip(instrument.sections, sections, strict=True):
        title = f"{section.id}. {section.title[language]}"
        identifier = _identifier("questionnaire", language, section.id)
        blocks.append(_heading(level + 1, title, identifier, listed=False))
        if section.instructions is not None:
            blocks.append(f"*{escape(section.instructions[language])}*")
        blocks += _section_blocks(instrument, section_questions, skips, language)
    blocks.append(f"**{escape(instrument.closing[language])}**")
    if notes:
        identifier = _identifier("questionnaire", language, "notes")
        blocks.append(_heading(level + 1, WORDS[language]["notes"], identifier))
        blocks.append("\n".join(_notes(instrument, questions, language)))
    return "\n\n".join(blocks) + "\n"


def write_questionnaire(instrument: Instrument, out_dir: str | Path) -> dict[str, Path]:
    """Write the questionnaire's Markdown in both languages for the paper's appendix.

    ``questionnaire_zh.md`` (as administered) and ``questionnaire_en.md`` (the translation,
    ending with the editor's notes), titles at heading level 2 (:data:`APPENDIX_LEVEL`). Each
    file is written to a temporary file and moved into place.

    Parameters
    ----------
    instrument : Instrument
        The instrument (:func:`analysis.instrument.load_instrument`).
    out_dir : str or Path
        The folder, created if missing; in the pipeline ``output/results/questionnaire/``.

    Returns
    -------
    dict
        Language -> path of the file written.

    Examples
    --------
    >>> import tempfile
    >>> from analysis.instrument import load_instrument
    >>> paths = write_questionnaire(load_instrument("survey/instrument.yaml"), tempfile.mkdtemp())
    >>> sorted(path.name for path in paths.values())
    ['questionnaire_en.md', 'questionnaire_zh.md']
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for language in LANGUAGES:
        text = questionnaire_markdown(instrument, language=language, notes=language == "en")
        target = out_dir / FILE_NAMES[language]
        with atomic_output(target) as temporary:
            temporary.write_text(text, encoding="utf-8")
        paths[language] = target
    return paths


def _standalone(instrument: Instrument, language: str) -> str:
    meta = {
        "pagetitle": instrument.title[language],
        "lang": DOCUMENT_LANG[language],
        "fontsize": "10pt",
        "margin": {"x": MARGIN, "y": MARGIN},
    }
    header = yaml.safe_dump(meta, allow_unicode=True, sort_keys=True)
    body = questionnaire_markdown(instrument, language=language, level=1, notes=language == "en")
    return f"---\n{header}---\n\n{body}"


def questionnaire_style(language: str) -> Style:
    """The layout of the standalone questionnaire in ``language`` (see :data:`FONTS`).

    Examples
    --------
    >>> questionnaire_style("zh").toc
    False
    """
    _check_language(language, "questionnaire_style")
    fonts = "(" + ", ".join(f'"{font}"' for font in FONTS[language]) + ",)"
    header = _TYPST_HEADER.format(fonts=fonts, marks=BOX + CIRCLE, cjk=CJK_FONT)
    return Style(css=QUESTIONNAIRE_CSS, typst_header=header, toc=False)


def render_questionnaire(
    instrument: Instrument, out_dir: str | Path, *, formats: Sequence[str] = FORMATS
) -> dict[str, Any]:
    """Render the questionnaire in both languages as standalone documents.

    ``questionnaire_zh.<format>`` and ``questionnaire_en.<format>`` with the paper's offline
    renderer (:func:`analysis.render.render_markdown`): self-contained HTML, DOCX, and PDF
    through Typst with Noto Sans CJK; byte-identical on rerun. The title is a level-1 heading;
    the English document ends with the editor's notes.

    Parameters
    ----------
    instrument : Instrument
        The instrument (:func:`analysis.instrument.load_instrument`).
    out_dir : str or Path
        The folder, created if missing.
    formats : sequence of {"html", "pdf", "docx"}
        The outputs to make.

    Returns
    -------
    dict
        Language -> render information: ``renderer``, ``versions``, ``outputs`` (``format ->
        {path, sha256}``, paths relative to ``out_dir``) and ``warnings``.

    Raises
    ------
    ValueError
        If ``formats`` is empty or names an unknown format.
    analysis.render.RenderError
        Pandoc or Typst failed, or the CJK font is missing.

    Examples
    --------
    >>> import tempfile
    >>> from analysis.instrument import load_instrument
    >>> info = render_questionnaire(load_instrument("survey/instrument.yaml"),
    ...                             tempfile.mkdtemp(), formats=("html",))
    >>> info["zh"]["outputs"]["html"]["path"]
    'questionnaire_zh.html'
    """
    return {
        language: render_markdown(
            _standalone(instrument, language),
            out_dir,
            basename=Path(FILE_NAMES[language]).stem,
            formats=formats,
            style=questionnaire_style(language),
        )
        for language in LANGUAGES
    }
