"""The questionnaire written from the instrument file: Markdown in both languages, documents.

The Markdown is checked against the instrument itself (every text in its language, continuous
numbering, skip logic), and the rendered documents for the Chinese text a reader must see.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pypdf
import pytest
import yaml

from analysis import render
from analysis.config import REPO_ROOT
from analysis.instrument import LANGUAGES, Instrument, load_instrument
from analysis.questionnaire import (
    FILE_NAMES,
    QuestionnaireError,
    question_numbers,
    questionnaire_markdown,
    render_questionnaire,
    write_questionnaire,
)

INSTRUMENT = REPO_ROOT / "survey" / "instrument.yaml"
REFERENCES = REPO_ROOT / "paper" / "references.bib"
LIKERT_ROLES = ("item", "importance", "attention")
_NUMBERED = re.compile(r"^(?:\| (\d+) \||\*\*(\d+)\\\.\*\*)", re.MULTILINE)


@pytest.fixture(scope="module")
def instrument() -> Instrument:
    return load_instrument(INSTRUMENT)


@pytest.fixture(scope="module")
def markdown(instrument: Instrument) -> dict[str, str]:
    return {lang: questionnaire_markdown(instrument, language=lang) for lang in LANGUAGES}


@pytest.fixture(scope="module")
def documents(instrument: Instrument, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("questionnaire")
    render_questionnaire(instrument, out)
    return out


def _plain(text: str) -> str:
    """Markdown with its backslash escapes removed, as a reader sees the characters."""
    return re.sub(r"\\(.)", r"\1", text)


def _numbers(text: str) -> list[int]:
    return [int(a or b) for a, b in _NUMBERED.findall(text)]


def _variant(tmp_path: Path, *replacements: tuple[str, str]) -> Instrument:
    """The shipped instrument with texts replaced (each at its last occurrence)."""
    text = INSTRUMENT.read_text(encoding="utf-8")
    for old, new in replacements:
        if old not in text:
            raise ValueError(f"{old!r} is not in {INSTRUMENT}: the test no longer matches it")
        head, _, tail = text.rpartition(old)
        text = head + new + tail
    path = tmp_path / "instrument.yaml"
    path.write_text(text, encoding="utf-8")
    return load_instrument(path, references=REFERENCES)


# --- the Markdown -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_of_the_instrument_is_in_its_language(instrument, markdown, language):
    text = _plain(markdown[language])
    expected = [instrument.title[language], instrument.introduction[language]]
    expected += [instrument.sampling[language], instrument.closing[language]]
    expected += [section.title[language] for section in instrument.sections]
    expected += [s.instructions[language] for s in instrument.sections if s.instructions]
    expected.append(instrument.importance.question[language])
    for variable in instrument.variables:
        if variable.question is not None:
            expected.append(variable.question[language])
        if variable.type == "categorical":
            expected += [f"□ {value.label[language]} [{value.code}]" for value in variable.values]
        if variable.group is not None:
            option = variable.short_label(language).split("：" if language == "zh" else ": ")[1]
            expected.append(f"□ {option} [{variable.code}]")
    for scale in instrument.scales.values():
        expected += [label[language] for label in scale.labels.values()]
    missing = [piece for piece in expected if " ".join(piece.split()) not in text]
    assert not missing


def test_numbering_is_continuous_and_identical_across_languages(instrument, markdown):
    numbers = question_numbers(instrument)
    asked = [v for v in instrument.variables if v.role != "meta" and v.group is None]
    assert len(numbers) == len(asked) + 1  # one multiple-choice question
    assert _numbers(markdown["zh"]) == list(range(1, len(numbers) + 1))
    assert _numbers(markdown["en"]) == _numbers(markdown["zh"])
    for variable in instrument.items(role=None):
        row = f"| {numbers[variable.code]} | "
        for language in LANGUAGES:
            assert row + _plain(variable.question[language]) in _plain(markdown[language])


def test_skip_instruction_names_the_first_question_after_the_skipped_ones(instrument, markdown):
    numbers = question_numbers(instrument)
    skipped = [item.code for item in instrument.construct("complaint").items]
    target = numbers[skipped[-1]] + 1
    assert target == numbers["val1"]  # the first question of section D
    first, last, filter_number = (
        numbers[skipped[0]],
        numbers[skipped[-1]],
        numbers["complained_12m"],
    )
    zh, en = markdown["zh"], _plain(markdown["en"])
    assert f"**若选择“否”，请跳至第{target}题。**" in zh
    assert f"（第{first}–{last}题仅由第{filter_number}题选择“是”的受访者回答）" in zh
    assert f"**If 'No', skip to question {target}.**" in en
    assert f"(Questions {first}–{last}: only for respondents who answered 'Yes'" in en
    # The note stands right above the table of the skipped items.
    note_at = zh.index(f"（第{first}–{last}题")
    assert zh.index(f"| {first} | ") > note_at > zh.index(f"请跳至第{target}题")


def test_attention_check_sits_in_its_place_in_a_table(instrument, markdown):
    numbers = question_numbers(instrument)
    check = instrument.attention_checks[0]
    for language in LANGUAGES:
        text = _plain(markdown[language])
        row = f"| {numbers[check.code]} | {check.question[language]} |"
        assert row in text
        assert text.index(f"| {numbers[check.code] - 1} | ") < text.index(row)


def test_multiple_choice_says_select_all_that_apply(instrument, markdown, tmp_path):
    assert "（可多选）" in markdown["zh"] and "all that apply" in markdown["en"]
    plain = _variant(tmp_path, ("（可多选）", ""), (" (Choose all that apply.)", ""))
    assert "可多选" not in plain.group("main_channels")[0].question["zh"]
    for language, hint in (("zh", "（可多选）"), ("en", "(Select all that apply.)")):
        assert hint in _plain(questionnaire_markdown(plain, language=language))


def test_reverse_keyed_items_are_listed_only_in_the_editors_notes(instrument, markdown):
    numbers = question_numbers(instrument)
    assert not re.search(r"revers|反向", markdown["en"] + markdown["zh"], re.IGNORECASE)
    notes = _plain(questionnaire_markdown(instrument, language="en", notes=True))
    notes = notes[notes.index("Editor's notes") :]
    reverse = [v.code for v in instrument.items() if v.reverse]
    assert reverse == ["cha4", "tru4"]
    listed = ", ".join(f"question {numbers[code]} ({code})" for code in reverse)
    assert f"Reverse-keyed items (recoded 8 − x before scoring): {listed}." in notes
    assert f"question {numbers['attn1']} (attn1); the only passing answer is 5" in notes


def test_english_says_it_is_a_translation_and_headings_sit_below_the_appendix(markdown):
    en = markdown["en"].splitlines()
    assert en[0].startswith("## Survey of customer relationship management")
    assert "English translation" in en[2]
    for text in markdown.values():
        assert not re.search(r"^# ", text, re.MULTILINE)
        headings = re.findall(r"^(#+) .*\{#(questionnaire-[\w-]+) ", text, re.MULTILINE)
        assert {len(level) for level, _ in headings} == {2, 3}
        assert len({identifier for _, identifier in headings}) == len(headings)


def test_level_moves_every_heading(instrument):
    text = questionnaire_markdown(instrument, language="zh", level=1)
    assert text.startswith("# 中信银行郑州分行客户关系管理调查问卷 {#questionnaire-zh .unnumbered}")
    assert "\n## A. 您的主要银行 {#questionnaire-zh-a .unnumbered .unlisted}\n" in text


def test_output_is_deterministic_and_written_atomically(instrument, markdown, tmp_path):
    assert questionnaire_markdown(instrument, language="zh") == markdown["zh"]
    first = write_questionnaire(instrument, tmp_path / "a")
    second = write_questionnaire(instrument, tmp_path / "a")
    assert first == second == {lang: tmp_path / "a" / FILE_NAMES[lang] for lang in LANGUAGES}
    assert first["zh"].read_text(encoding="utf-8") == markdown["zh"]
    assert "Editor's notes" in first["en"].read_text(encoding="utf-8")
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(FILE_NAMES.values())


def test_bad_parameters_are_rejected(instrument):
    with pytest.raises(ValueError, match=r"'language' parameter .* \['zh', 'en'\]. Got 'fr'"):
        questionnaire_markdown(instrument, language="fr")
    with pytest.raises(ValueError, match=r"'level' parameter .* from 1 to 5 .* Got 6"):
        questionnaire_markdown(instrument, language="zh", level=6)
    with pytest.raises(ValueError, match=r"'formats' parameter of render_markdown .*'epub'"):
        render_questionnaire(instrument, "unused", formats=("epub",))


def test_skip_logic_without_one_instruction_is_an_error(tmp_path):
    old = "ask_if: {variable: complained_12m, in: [1]}"
    instrument = _variant(tmp_path, (old, old.replace("[1]", "[1, 2]")))
    with pytest.raises(QuestionnaireError, match=r"filter 'complained_12m' .*share one condition"):
        questionnaire_markdown(instrument, language="zh")


# --- the documents and the appendix ---------------------------------------------------------------


def test_pdf_shows_the_chinese_questionnaire_in_the_cjk_font(instrument, documents):
    reader = pypdf.PdfReader(documents / "questionnaire_zh.pdf")
    text = "".join("".join(page.extract_text() for page in reader.pages).split())
    for variable in (instrument.variable("img1"), instrument.variable("cmp4")):
        assert "".join(variable.question["zh"].split()) in text
    assert f"若选择“否”，请跳至第{question_numbers(instrument)['val1']}题" in text
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"].get("/Font", {}).values()
    }
    assert any("NotoSansCJK" in font for font in fonts), fonts


def test_docx_and_html_contain_the_chinese_texts(instrument, documents):
    with zipfile.ZipFile(documents / "questionnaire_zh.docx") as docx:
        text = re.sub(r"<[^>]+>", "", docx.read("word/document.xml").decode("utf-8"))
    html = (documents / "questionnaire_zh.html").read_text(encoding="utf-8")
    assert re.search(r'<html[^>]* lang="zh-Hans"', html)
    assert "<link" not in html  # self-contained
    for variable in instrument.items(role=None):
        assert variable.question["zh"] in text
        assert variable.question["zh"] in html


def test_documents_are_byte_identical_on_rerun(instrument, documents, tmp_path):
    info = render_questionnaire(instrument, tmp_path)
    for language in LANGUAGES:
        assert info[language]["warnings"] == []
        for fmt, output in info[language]["outputs"].items():
            assert output["path"] == f"questionnaire_{language}.{fmt}"
            path = output["path"]
            assert (tmp_path / path).read_bytes() == (documents / path).read_bytes(), path
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"questionnaire_{lang}.{fmt}" for lang in LANGUAGES for fmt in ("html", "pdf", "docx")
    )


def test_appendix_includes_both_versions_and_is_staged(tmp_path):
    paper = REPO_ROOT / "paper"
    appendices = yaml.safe_load((paper / "_quarto.yml").read_text(encoding="utf-8"))["book"]
    order = appendices["appendices"]
    assert order.index("appendices/questionnaire.qmd") < order.index(
        "appendices/reproducibility.qmd"
    )
    qmd = (paper / "appendices" / "questionnaire.qmd").read_text(encoding="utf-8")
    assert qmd.startswith("# The questionnaire {#sec-questionnaire}")
    for name in FILE_NAMES.values():
        assert f"{{{{< include /results/questionnaire/{name} >}}}}" in qmd
    results = tmp_path / "results"
    write_questionnaire(load_instrument(INSTRUMENT), results / "questionnaire")
    build = render.stage_book(paper, results, tmp_path / "build", {})
    for name in FILE_NAMES.values():
        assert (build / "results" / "questionnaire" / name).is_file()
