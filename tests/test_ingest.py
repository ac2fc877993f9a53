"""Ingest of raw responses files: formats, encodings, platform headers, labels, the bad-file corpus.

The corpus (tests/data/bad_responses/) is written by its make_corpus.py, for the miniature
instrument defined there; every file's message is the one docs/response-files.md documents, and
no file changes by a byte when it is read.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.config import REPO_ROOT
from analysis.ingest import (
    ROWS_SHOWN,
    ResponsesError,
    duration_seconds,
    header_key,
    read_response_file,
)
from analysis.instrument import load_instrument
from analysis.privacy import IdentifierError, check_no_identifiers
from analysis.synthetic import write_synthetic_responses

CORPUS = REPO_ROOT / "tests" / "data" / "bad_responses"


def _corpus_module():
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


corpus = _corpus_module()
INSTRUMENT = corpus.INSTRUMENT
CODES = [variable.code for variable in INSTRUMENT.variables]
HEADER = corpus.CODES_HEADER


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def _unchanged(path: Path) -> Iterator[None]:
    """The file keeps its bytes and nothing is written beside it."""
    before, siblings = _sha256(path), sorted(path.parent.iterdir())
    yield
    assert _sha256(path) == before, f"{path.name} was modified"
    assert sorted(path.parent.iterdir()) == siblings, "a file was written beside it"


def _read(name: str, **kwargs):
    path = CORPUS / name
    with _unchanged(path):
        return read_response_file(path, INSTRUMENT, **kwargs)


def _csv(tmp_path: Path, lines: list[str], *, name="r.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


# --------------------------------------------------------------------------------------------
# The corpus


def test_corpus_files_are_what_the_generator_writes():
    files = corpus.corpus()
    on_disk = sorted(p.name for p in CORPUS.iterdir() if p.name != "make_corpus.py")
    assert on_disk == sorted(files), "run tests/data/bad_responses/make_corpus.py"
    for name, content in files.items():
        assert (CORPUS / name).read_bytes() == content, name


@pytest.mark.parametrize("name", sorted(corpus.corpus()))
def test_reading_never_changes_a_corpus_file(name: str):
    path = CORPUS / name
    with _unchanged(path):
        try:
            result = read_response_file(path, INSTRUMENT)
        except ResponsesError:
            return
        assert result.source.sha256 == _sha256(path)


ERRORS = {
    "utf16.csv": r"utf16\.csv is UTF-16 text \(Excel's 'Unicode Text' format\), which is not "
    r"read\. Save it as CSV UTF-8 \(in Excel: File > Save As > 'CSV UTF-8",
    "xlsx_renamed.csv": r"xlsx_renamed\.csv is a ZIP archive, not a text file: probably an "
    r"Excel workbook \(\.xlsx\) whose name ends in \.csv or \.txt\. Rename it to \.xlsx",
    "latin1.csv": r"latin1\.csv is neither UTF-8 nor GBK/GB18030 text \(undecodable byte 0xe9 "
    r"at offset \d+\)\. Save it as CSV UTF-8",
    "missing_column.csv": r"missing_column\.csv lacks the column\(s\) \['bank_type'\] of the "
    r"instrument .*make_corpus\.py\. Add them \(one column per variable, headed by its code or "
    r"its question text",
    "empty.csv": r"empty\.csv is empty\. It needs a header row naming the columns, then one "
    r"row per respondent",
    "truncated.csv": r"truncated\.csv ends with an incomplete row: row 4, the last, has 3 "
    r"field\(s\) where the header has 8\. The file looks cut short .* Export or copy the file "
    r"again",
    "ragged.csv": r"ragged\.csv has 10 field\(s\) on row 3 where the header has 9 .*unquoted "
    r"comma",
    "unterminated_quote.csv": r"unterminated_quote\.csv cannot be read as CSV at row 3 "
    r"\(unexpected end of data\): the file may be cut short, or a cell holds an unmatched "
    r"quotation mark",
    "unknown_label.csv": r"Column '4、总体而言，我对该银行感到满意。' \(variable 'sat1'\) of "
    r".*unknown_label\.csv holds 1 value\(s\) that are neither answer codes nor answer labels "
    r"of 'sat1': row 4: 'NA' \(rows numbered as in the file, header rows counted\)\. Write an "
    r"answer code \[1, 2, 3, 4, 5, 6, 7\] or its label in Chinese or English \(such as "
    r"'非常不同意' or 'Strongly disagree' for 1\), or leave the cell empty for item "
    r"nonresponse; [^\n]*\n"
    r"Column '5、您的性别是？' \(variable 'gender'\) of .*holds 2 value\(s\) .*: row 2: '女性', "
    r"row 4: 'NA' ",
    "duplicate_columns.csv": r"duplicate_columns\.csv has 2 columns for the variable 'gender': "
    r"'gender' \(by code\), '5、您的性别是？' \(by question text\)\. Keep one of them",
    "old_excel.xls": r"old_excel\.xls has the suffix '\.xls', which is not read \(accepted: "
    r"\['\.csv', '\.sav', '\.txt', '\.xlsx'\]\)\. Open it in Excel or WPS and save it as CSV "
    r"UTF-8 or as an \.xlsx workbook",
    "not_a_workbook.xlsx": r"not_a_workbook\.xlsx cannot be read as an Excel workbook "
    r"\(BadZipFile: .*\)\. Open it in Excel or WPS and save it again as \.xlsx",
}


@pytest.mark.parametrize(("name", "message"), sorted(ERRORS.items()))
def test_corpus_errors_name_the_file_and_the_fix(name: str, message: str):
    with pytest.raises(ResponsesError, match=message):
        _read(name)


def test_two_row_platform_header_is_combined_with_a_note():
    result = _read("two_row_header.csv")
    assert result.source.header_rows == 2
    assert any("Two header rows found" in note for note in result.notes)
    header = "2、您平时主要通过哪些渠道办理该银行的业务？（可多选）(手机银行App)"
    assert result.column_map[header] == "main_channels_mobile_app"
    assert result.data["main_channels_mobile_app"].tolist() == [0, 1]
    assert result.data["duration_seconds"].tolist() == [95.0, 192.0]
    assert result.file_rows == (3, 4)


def test_gbk_file_reads_with_labels_skip_markers_and_platform_columns():
    result = _read("gbk.csv")
    assert result.source.encoding == "gb18030"
    assert result.notes[0].startswith("Read as GB18030")
    data = result.data
    assert list(data.columns) == CODES
    assert data["respondent_id"].tolist() == ["1", "2", "3"]
    assert data["duration_seconds"].tolist() == [125.0, 125.0, 98.0]
    assert data["bank_type"].tolist() == [1, 3, 2]
    assert data["img1"].tolist() == [7, pd.NA, 4]
    assert data["sat1"].tolist() == [6, 5, pd.NA]
    assert data["gender"].tolist() == [2, 1, 2]
    assert result.unmatched_columns == ["提交答卷时间"]
    assert "提交答卷时间" in result.table.columns and "提交答卷时间" not in data.columns


def test_text_export_with_options_in_one_cell_is_split():
    result = _read("platform_text_export.csv")
    data = result.data
    channels = ["main_channels_branch", "main_channels_mobile_app", "main_channels_manager"]
    assert data.loc[0, channels].tolist() == [1, 1, 0]
    assert data.loc[1, channels].tolist() == [0, 0, 1]
    assert data.loc[2, channels].isna().all(), "(跳过) is nonresponse for every option"
    assert data["bank_type"].tolist() == [1, 3, 2]
    assert data["gender"].tolist() == [2, 1, 2]
    assert (
        result.column_map["2、您平时主要通过哪些渠道办理该银行的业务？（可多选）"]
        == "main_channels"
    )


def test_header_only_file_gives_no_respondents():
    result = _read("header_only.csv")
    assert result.data.empty and list(result.data.columns) == CODES
    assert str(result.data["gender"].dtype) == "Int64"
    assert result.notes == ["The file has a header but no data rows: no respondents."]


def test_phone_column_reads_but_the_privacy_guard_stops_it():
    result = _read("phone_numbers.csv")
    assert result.unmatched_columns == ["联系方式"]
    with pytest.raises(
        IdentifierError,
        match=r"phone_numbers\.csv holds direct identifiers of respondents: column '联系方式' "
        r"\(mobile phone numbers, by header and values, 2 cell\(s\)\)",
    ) as info:
        check_no_identifiers(result.table, path=result.source.path)
    assert "1234" not in str(info.value) and "8765" not in str(info.value)


# --------------------------------------------------------------------------------------------
# Headers


@pytest.mark.parametrize(
    "header",
    [
        "您的性别是？",
        "5、您的性别是？",
        "Q5. 您的性别是?",
        "第5题 您的性别是？【单选题】",
        "5. 您的性别是：",
        " 您的 性别是 ",
        "What is your gender?",
        "what is your GENDER",
        "GENDER",
        "性别",
        "Gender",
    ],
)
def test_headers_match_by_code_question_or_label(tmp_path: Path, header: str):
    path = _csv(tmp_path, [f"{HEADER.replace(',gender', '')},{header}", "1,1,1,0,0,7,6,2"])
    result = read_response_file(path, INSTRUMENT)
    assert result.column_map[header.strip()] == "gender"
    assert result.data["gender"].tolist() == [2]


def test_header_key_ignores_numbering_tags_width_and_case():
    assert header_key("第1题 您的性别是？【单选题】") == header_key("您的性别是?") == "您的性别是"
    assert header_key("Q12. Overall, I am SATISFIED.") == header_key("overall i am satisfied")


@pytest.mark.parametrize(
    "header",
    [
        "main_channels_mobile_app",
        "main_channels_2",
        "您平时主要通过哪些渠道办理该银行的业务？(手机银行App)",
        "3、您平时主要通过哪些渠道办理该银行的业务？（可多选）—手机银行App",
        "主要办理渠道：手机银行App",
        "Main channels: Mobile banking app",
        "Through which channels do you usually do business with this bank? (Mobile banking app)",
    ],
)
def test_multiple_choice_option_columns_match_by_option(tmp_path: Path, header: str):
    columns = HEADER.replace("main_channels_mobile_app", header)
    path = _csv(tmp_path, [columns, "1,1,1,选中,未选中,7,6,2"])
    result = read_response_file(path, INSTRUMENT)
    assert result.column_map[header] == "main_channels_mobile_app"
    assert result.data.loc[0, ["main_channels_mobile_app", "main_channels_manager"]].tolist() == [
        1,
        0,
    ]


def test_blank_options_beside_a_chosen_one_are_not_chosen(tmp_path: Path):
    path = _csv(
        tmp_path, [HEADER, "1,1,1,,,7,6,2", "2,1,,,,7,6,2", "3,1,(跳过),(跳过),(跳过),7,6,2"]
    )
    result = read_response_file(path, INSTRUMENT)
    channels = ["main_channels_branch", "main_channels_mobile_app", "main_channels_manager"]
    assert result.data.loc[0, channels].tolist() == [1, 0, 0]
    assert result.data.loc[1:, channels].isna().all().all()
    assert any("2 empty option cell(s) of the multiple-choice question" in n for n in result.notes)


def test_title_row_above_the_header_is_skipped(tmp_path: Path):
    path = _csv(tmp_path, ["中信银行客户调查 答卷数据,,,,,,,", HEADER, "1,1,1,0,0,7,6,2"])
    result = read_response_file(path, INSTRUMENT)
    assert result.source.header_rows == 2 and result.file_rows == (3,)
    assert any("is a title" in note for note in result.notes)


def test_platform_id_and_duration_give_way_to_columns_named_by_code(tmp_path: Path):
    path = _csv(tmp_path, [f"序号,所用时间,{HEADER},duration_seconds", "7,99秒,1,1,1,0,0,7,6,2,12"])
    result = read_response_file(path, INSTRUMENT)
    assert result.data.loc[0, ["respondent_id", "duration_seconds"]].tolist() == ["1", 12.0]
    assert result.unmatched_columns == ["序号", "所用时间"]


def test_missing_columns_suggest_close_headers(tmp_path: Path):
    path = _csv(tmp_path, [HEADER.replace("gender", "gendr"), "1,1,1,0,0,7,6,2"])
    with pytest.raises(
        ResponsesError,
        match=r"lacks the column\(s\) \['gender'\] .* Its columns that match no variable: "
        r"'gendr' \(close to 'gender'\)\.",
    ):
        read_response_file(path, INSTRUMENT)


def test_required_columns_can_be_narrowed(tmp_path: Path):
    path = _csv(tmp_path, ["respondent_id,gender", "1,2"])
    result = read_response_file(path, INSTRUMENT, required=["gender"])
    assert list(result.data.columns) == CODES
    assert result.data["img1"].isna().all() and str(result.data["img1"].dtype) == "Int64"
    with pytest.raises(ValueError, match=r"'required' parameter of read_response_file .*\['x'\]"):
        read_response_file(path, INSTRUMENT, required=["x"])


# --------------------------------------------------------------------------------------------
# Values


def test_codes_labels_and_skip_markers(tmp_path: Path):
    lines = [
        HEADER,
        "1,1,1,0,0,7,6,1",
        "2,2.0, 1 ,0,0, strongly AGREE ,同意,Female",
        "3, 外资银行 ,1,0,0,(跳过),（空）,女",
        "4,,1,0,0,99,-99,",
    ]
    result = read_response_file(_csv(tmp_path, lines), INSTRUMENT)
    data = result.data
    assert data["bank_type"].tolist() == [1, 2, 3, pd.NA]
    assert data["img1"].tolist() == [7, 7, pd.NA, 99], "missing code 99 is kept for validation"
    assert data["sat1"].tolist() == [6, 6, pd.NA, -99], "undeclared -99 is kept for validation"
    assert data["gender"].tolist() == [1, 2, 2, pd.NA]
    assert data["respondent_id"].dtype == "string"


CODED = [v for v in INSTRUMENT.variables if v.codes and v.group is None]


@st.composite
def _answers(draw):
    """Rows of codes, each written as the code or as a label in a random language and case."""
    codes = draw(
        st.lists(st.tuples(*(st.sampled_from(v.codes) for v in CODED)), min_size=1, max_size=6)
    )
    cells = []
    for row in codes:
        written = []
        for variable, code in zip(CODED, row, strict=True):
            label = {lang: variable.value_labels(lang)[code] for lang in ("zh", "en")}
            form = draw(st.sampled_from(["code", "zh", "en", "EN", "padded"]))
            written.append(
                {
                    "code": str(code),
                    "zh": label["zh"],
                    "en": label["en"],
                    "EN": label["en"].upper(),
                    "padded": f"  {label['en'].lower()} ",
                }[form]
            )
        cells.append(written)
    order = draw(st.permutations(range(len(CODED))))
    return codes, cells, order


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_answers())
def test_codes_and_labels_in_any_column_order_read_as_the_same_codes(tmp_path: Path, answers):
    codes, cells, order = answers
    header = ",".join(["respondent_id", *(CODED[i].code for i in order)])
    lines = [header] + [
        ",".join([str(n), *(f'"{row[i]}"' for i in order)]) for n, row in enumerate(cells, 1)
    ]
    data = read_response_file(_csv(tmp_path, lines), INSTRUMENT, required=[]).data
    for i, variable in enumerate(CODED):
        assert data[variable.code].tolist() == [row[i] for row in codes]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("125", 125.0),
        ("125.5", 125.5),
        ("125秒", 125.0),
        ("2分5秒", 125.0),
        ("2分钟", 120.0),
        ("1小时2分5秒", 3725.0),
        ("00:02:05", 125.0),
        ("2:05", 125.0),
        ("３分", 180.0),
        ("abc", None),
        ("", None),
        ("5天", None),
    ],
)
def test_durations(text: str, seconds: float | None):
    assert duration_seconds(text) == seconds


def test_bad_values_are_reported_with_file_rows_counting_blank_and_continued_lines(
    tmp_path: Path,
):
    lines = [
        f"{HEADER},comment",
        "1,1,1,0,0,7,6,2,",
        "",
        '2,1,1,0,0,7,6,2,"line one',
        'line two"',
        "3,1,1,0,0,7,6,x,",
    ]
    with pytest.raises(
        ResponsesError, match=r"Column 'gender' of .*holds 1 value\(s\) .*row 6: 'x'"
    ):
        read_response_file(_csv(tmp_path, lines), INSTRUMENT)


def test_only_the_first_bad_rows_are_listed(tmp_path: Path):
    rows = [f"{i},1,1,0,0,好,6,2" for i in range(1, 9)]
    with pytest.raises(
        ResponsesError,
        match=rf"holds 8 value\(s\).*row 2: '好', row 3: '好', row 4: '好', row 5: '好', "
        rf"row 6: '好' and {8 - ROWS_SHOWN} more",
    ):
        read_response_file(_csv(tmp_path, [HEADER, *rows]), INSTRUMENT)


def test_identifier_like_bad_values_are_not_shown(tmp_path: Path):
    path = _csv(tmp_path, [HEADER, "1,1,1,0,0,7,6,电话13812345678"])
    with pytest.raises(ResponsesError, match=r"row 2: <mobile phone numbers: not shown>") as info:
        read_response_file(path, INSTRUMENT)
    assert "13812345678" not in str(info.value)


def test_unknown_option_in_a_choice_cell_is_named(tmp_path: Path):
    header = HEADER.replace(
        "main_channels_branch,main_channels_mobile_app,main_channels_manager", "main_channels"
    )
    path = _csv(tmp_path, [header, "1,1,营业网点柜台┋信用卡,7,6,2"])
    with pytest.raises(
        ResponsesError,
        match=r"Column 'main_channels' of .* holds 1 value\(s\) that are not options of "
        r"'main_channels': row 2: '营业网点柜台┋信用卡'",
    ):
        read_response_file(path, INSTRUMENT)


# --------------------------------------------------------------------------------------------
# Other formats


def test_bom_tabs_and_crlf_are_handled(tmp_path: Path):
    path = tmp_path / "export.txt"
    path.write_bytes(
        ("\r\n".join([HEADER.replace(",", "\t"), "1\t1\t1\t0\t0\t7\t6\t2"]) + "\r\n").encode(
            "utf-8-sig"
        )
    )
    result = read_response_file(path, INSTRUMENT)
    assert result.source.encoding == "utf-8-sig" and result.data.columns[0] == "respondent_id"
    assert result.data.loc[0, "gender"] == 2
    assert "Fields are separated by tabs." in result.notes


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "binary.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            r"binary\.csv holds NUL bytes: it is a binary file \(or UTF-16 text without a "
            r"byte-order mark\), not CSV text\. Save it as CSV UTF-8",
        ),
        ("blank.csv", b"\r\n , ,\r\n", r"blank\.csv is empty\. It needs a header row"),
        (
            "broken.sav",
            b"$FL2 this is not really SPSS",
            r"broken\.sav cannot be read as an SPSS data file \(ReadstatError: .*\)\. Save it "
            r"again from SPSS",
        ),
    ],
)
def test_unreadable_files_are_named(tmp_path: Path, name: str, content: bytes, message: str):
    path = tmp_path / name
    path.write_bytes(content)
    with _unchanged(path), pytest.raises(ResponsesError, match=message):
        read_response_file(path, INSTRUMENT)


def test_bad_durations_are_named(tmp_path: Path):
    path = _csv(
        tmp_path, [f"所用时间,{HEADER}", "2分5秒,1,1,1,0,0,7,6,2", "约两分钟,2,1,1,0,0,7,6,2"]
    )
    with pytest.raises(
        ResponsesError,
        match=r"Column '所用时间' \(variable 'duration_seconds'\) of .* holds 1 value\(s\) that "
        r"are not completion times: row 3: '约两分钟' .*Write seconds as a number",
    ):
        read_response_file(path, INSTRUMENT)


def test_empty_worksheet_is_named(tmp_path: Path):
    book = openpyxl.Workbook()
    book.active.title = "答卷"
    path = tmp_path / "empty.xlsx"
    book.save(path)
    with pytest.raises(ResponsesError, match=r"empty\.xlsx \(worksheet '答卷'\) is empty\."):
        read_response_file(path, INSTRUMENT)


def test_sheet_is_only_for_workbooks(tmp_path: Path):
    path = _csv(tmp_path, [HEADER])
    with pytest.raises(
        ValueError,
        match=r"'sheet' parameter of read_response_file applies to "
        r"\.xlsx files only\. Got sheet='x'",
    ):
        read_response_file(path, INSTRUMENT, sheet="x")


def _workbook(path: Path, *, sat1: str = "好") -> Path:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "说明"
    notes["A1"] = "导出说明"
    sheet = book.create_sheet("答卷")
    header = corpus.PLATFORM_HEADER
    sheet.append(header)
    sheet.append([1, "2024-03-01 10:02:11", "125秒", "中信银行郑州分行", 1, 1, 0, 7, "同意", "女"])
    sheet.append([2, "2024-03-01 10:07:40", 98, 3, 0, 1, 1, "(跳过)", 5.0, 1])
    sheet.append([None] * len(header))
    sheet.append([3, "2024-03-01 11:15:03", "2分5秒", "其他国内银行", 0, 0, 1, 4, sat1, "男"])
    book.save(path)
    return path


def test_xlsx_reads_a_named_sheet_as_text_rows_as_in_excel(tmp_path: Path):
    path = _workbook(tmp_path / "bad.xlsx")
    with _unchanged(path), pytest.raises(ResponsesError, match=r"row 5: '好' \(rows numbered"):
        read_response_file(path, INSTRUMENT, sheet="答卷")
    path = _workbook(tmp_path / "export.xlsx", sat1="比较同意")
    with _unchanged(path):
        result = read_response_file(path, INSTRUMENT, sheet=1)
    data = result.data
    assert result.source.format == "xlsx" and result.source.sheet == "答卷"
    assert result.source.sha256 == _sha256(path) and result.file_rows == (2, 3, 5)
    assert data["respondent_id"].tolist() == ["1", "2", "3"]
    assert data["duration_seconds"].tolist() == [125.0, 98.0, 125.0]
    assert data["bank_type"].tolist() == [1, 3, 2]
    assert data["img1"].tolist() == [7, pd.NA, 4]
    assert data["sat1"].tolist() == [6, 5, 5]
    assert data["gender"].tolist() == [2, 1, 1]


def test_xlsx_first_sheet_by_default_and_unknown_sheet(tmp_path: Path):
    path = _workbook(tmp_path / "export.xlsx")
    with pytest.raises(ResponsesError, match=r"lacks the column"):
        read_response_file(path, INSTRUMENT)
    with pytest.raises(
        ResponsesError,
        match=r"export\.xlsx has no worksheet 'Sheet1'\. Pass sheet= one of "
        r"\['说明', '答卷'\]",
    ):
        read_response_file(path, INSTRUMENT, sheet="Sheet1")


def test_xlsx_merged_two_row_header(tmp_path: Path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "序号",
            "1、您目前主要在哪家银行办理业务？",
            "2、您平时主要通过哪些渠道办理该银行的业务？（可多选）",
            None,
            None,
            "3、该银行在社会上享有良好的声誉。",
            "4、总体而言，我对该银行感到满意。",
            "5、您的性别是？",
        ]
    )
    sheet.append([None, None, "营业网点柜台", "手机银行App", "客户经理", None, None, None])
    sheet.merge_cells("C1:E1")
    sheet.append([1, 1, 1, 0, 1, 7, 6, 2])
    path = tmp_path / "merged.xlsx"
    book.save(path)
    result = read_response_file(path, INSTRUMENT)
    assert result.source.header_rows == 2 and result.file_rows == (3,)
    assert result.data.loc[0, "main_channels_manager"] == 1


def _sav(path: Path, **overrides) -> Path:
    frame = pd.DataFrame(
        {
            "Q1": [1.0, 2.0, 99.0],
            "Q2_1": [1.0, 0.0, 0.0],
            "Q2_2": [0.0, 1.0, 0.0],
            "Q2_3": [1.0, 1.0, None],
            "Q3": [7.0, 5.0, 99.0],
            "Q4": ["同意", "Strongly agree", ""],
            "Q5": [1.0, 2.0, None],
            "id": [1.0, 2.0, 3.0],
        }
    )
    labels = {
        "Q1": "1、您目前主要在哪家银行办理业务？",
        "Q2_1": "您平时主要通过哪些渠道办理该银行的业务？(营业网点柜台)",
        "Q2_2": "您平时主要通过哪些渠道办理该银行的业务？(手机银行App)",
        "Q2_3": "您平时主要通过哪些渠道办理该银行的业务？(客户经理)",
        "Q3": "该银行在社会上享有良好的声誉。",
        "Q4": "总体而言，我对该银行感到满意。",
        "Q5": "您的性别是？",
        "id": "序号",
    }
    value_labels = {"Q5": {1.0: "男", 2.0: "女"}, "Q3": {99.0: "未回答"}}
    value_labels.update(overrides)
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels=labels,
        variable_value_labels=value_labels,
        missing_ranges={"Q3": [99.0]},
    )
    return path


def test_sav_matches_variable_labels_and_keeps_user_missing_codes(tmp_path: Path):
    path = _sav(tmp_path / "export.sav")
    with _unchanged(path):
        result = read_response_file(path, INSTRUMENT)
    data = result.data
    assert result.source.format == "sav" and result.source.header_rows == 0
    assert result.source.row_unit == "case" and result.file_rows == (1, 2, 3)
    assert result.column_map["Q2_3"] == "main_channels_manager"
    assert data["bank_type"].tolist() == [1, 2, 99]
    assert data["img1"].tolist() == [7, 5, 99], "SPSS user-missing 99 is kept as 99"
    assert data["sat1"].tolist() == [6, 7, pd.NA]
    assert data["gender"].tolist() == [1, 2, pd.NA]
    assert data["respondent_id"].tolist() == ["1", "2", "3"]
    assert result.source.column_labels["id"] == "序号"


def test_sav_coded_differently_from_the_instrument_is_refused(tmp_path: Path):
    path = _sav(tmp_path / "export.sav", Q5={1.0: "女", 2.0: "男"})
    with pytest.raises(
        ResponsesError,
        match=r"Column 'Q5' \(variable 'gender'\) of .*export\.sav codes answers differently "
        r"from .*make_corpus\.py: 1 = '女' \(instrument: 2\), 2 = '男' \(instrument: 1\)\. "
        r"Recode the variable in SPSS",
    ):
        read_response_file(path, INSTRUMENT)


def test_sav_bad_values_name_cases(tmp_path: Path):
    path = _sav(tmp_path / "export.sav")
    frame, meta = pyreadstat.read_sav(str(path))
    frame.loc[1, "Q4"] = "满意"
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels=dict(zip(meta.column_names, meta.column_labels, strict=True)),
    )
    with pytest.raises(ResponsesError, match=r"case 2: '满意' \(cases numbered as in SPSS\)"):
        read_response_file(path, INSTRUMENT)


# --------------------------------------------------------------------------------------------
# The real instrument


def test_synthetic_responses_read_against_the_shipped_instrument(tmp_path: Path):
    instrument = load_instrument(REPO_ROOT / "survey" / "instrument.yaml")
    path = write_synthetic_responses(
        REPO_ROOT / "survey" / "instrument.yaml",
        REPO_ROOT / "survey" / "population.yaml",
        tmp_path / "s.csv",
        n=30,
        seed=3,
    )
    present = pd.read_csv(path, nrows=0).columns.tolist()
    result = read_response_file(path, instrument, required=present)
    assert list(result.data.columns) == [variable.code for variable in instrument.variables]
    assert result.unmatched_columns == []
    assert all(result.column_map[code] == code for code in present)
