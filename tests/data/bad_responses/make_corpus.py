"""The corpus of problem responses files, and the small instrument it is written for.

Run from the repository root to (re)write the files beside this script:

    .venv/bin/python tests/data/bad_responses/make_corpus.py

The files are committed; tests/test_ingest.py checks that they are what this script writes, that
each gives the message documented in docs/response-files.md, and that reading never changes a
byte of them. The instrument is a fixed miniature of survey/instrument.yaml (same texts), so that
the corpus does not change whenever the questionnaire grows.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Value:
    code: int
    label: Mapping[str, str]


@dataclass(frozen=True)
class Variable:
    """The fields of analysis.instrument.Variable that reading a responses file uses."""

    code: str
    question: Mapping[str, str] | None
    type: str
    values: tuple[Value, ...] = ()
    missing_codes: tuple[int, ...] = (99,)
    label: Mapping[str, str] | None = None
    role: str = "profile"
    group: str | None = None
    required: bool = True

    @property
    def codes(self) -> tuple[int, ...]:
        return tuple(value.code for value in self.values)

    def value_labels(self, language: str = "en") -> dict[int, str]:
        return {value.code: value.label[language] for value in self.values}


@dataclass(frozen=True)
class Instrument:
    path: Path
    variables: tuple[Variable, ...] = field(default_factory=tuple)


def _values(*labels: tuple[str, str]) -> tuple[Value, ...]:
    return tuple(Value(code, {"zh": zh, "en": en}) for code, (zh, en) in enumerate(labels, 1))


AGREE7 = _values(
    ("非常不同意", "Strongly disagree"),
    ("不同意", "Disagree"),
    ("比较不同意", "Somewhat disagree"),
    ("一般", "Neither agree nor disagree"),
    ("比较同意", "Somewhat agree"),
    ("同意", "Agree"),
    ("非常同意", "Strongly agree"),
)
CHANNELS_QUESTION = {
    "zh": "您平时主要通过哪些渠道办理该银行的业务？（可多选）",
    "en": "Through which channels do you usually do business with this bank? "
    "(Choose all that apply.)",
}
CHOSEN = (
    Value(0, {"zh": "未选择", "en": "Not selected"}),
    Value(1, {"zh": "已选择", "en": "Selected"}),
)


def _channel(code: str, zh: str, en: str) -> Variable:
    return Variable(
        code=f"main_channels_{code}",
        question=CHANNELS_QUESTION,
        type="binary",
        values=CHOSEN,
        label={"zh": f"主要办理渠道：{zh}", "en": f"Main channels: {en}"},
        group="main_channels",
    )


INSTRUMENT = Instrument(
    path=Path(__file__).resolve(),
    variables=(
        Variable(
            "respondent_id",
            None,
            "id",
            missing_codes=(),
            label={"zh": "问卷编号", "en": "Respondent ID"},
            role="meta",
        ),
        Variable(
            "duration_seconds",
            None,
            "duration",
            missing_codes=(),
            label={"zh": "作答时长（秒）", "en": "Completion time (seconds)"},
            role="meta",
            required=False,
        ),
        Variable(
            "bank_type",
            {
                "zh": "您目前主要在哪家银行办理业务？",
                "en": "Which bank do you mainly use at present?",
            },
            "categorical",
            _values(
                ("中信银行郑州分行", "China CITIC Bank Zhengzhou branch"),
                ("其他国内银行", "Another domestic bank"),
                ("外资银行", "A foreign bank"),
            ),
            label={"zh": "主要使用的银行", "en": "Main bank"},
        ),
        _channel("branch", "营业网点柜台", "Branch counter"),
        _channel("mobile_app", "手机银行App", "Mobile banking app"),
        _channel("manager", "客户经理", "Relationship manager"),
        Variable(
            "img1",
            {"zh": "该银行在社会上享有良好的声誉。", "en": "The bank has a good reputation."},
            "likert",
            AGREE7,
            role="item",
        ),
        Variable(
            "sat1",
            {
                "zh": "总体而言，我对该银行感到满意。",
                "en": "Overall, I am satisfied with the bank.",
            },
            "likert",
            AGREE7,
            role="item",
        ),
        Variable(
            "gender",
            {"zh": "您的性别是？", "en": "What is your gender?"},
            "categorical",
            _values(("男", "Male"), ("女", "Female")),
            label={"zh": "性别", "en": "Gender"},
        ),
    ),
)

#: A header naming every variable by its Chinese question, as 问卷星 exports it.
PLATFORM_HEADER = [
    "序号",
    "提交答卷时间",
    "所用时间",
    "1、您目前主要在哪家银行办理业务？",
    "2、您平时主要通过哪些渠道办理该银行的业务？（可多选）(营业网点柜台)",
    "2、您平时主要通过哪些渠道办理该银行的业务？（可多选）(手机银行App)",
    "2、您平时主要通过哪些渠道办理该银行的业务？（可多选）(客户经理)",
    "3、该银行在社会上享有良好的声誉。",
    "4、总体而言，我对该银行感到满意。",
    "5、您的性别是？",
]
CODES_HEADER = "respondent_id,bank_type,main_channels_branch,main_channels_mobile_app,"
CODES_HEADER += "main_channels_manager,img1,sat1,gender"


def _lines(*lines: str, end: str = "\r\n") -> str:
    return "".join(line + end for line in lines)


def _zip() -> bytes:
    """A minimal, byte-reproducible ZIP archive, as an .xlsx workbook is."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        info = zipfile.ZipInfo("[Content_Types].xml", date_time=(2024, 1, 1, 0, 0, 0))
        archive.writestr(info, '<?xml version="1.0" encoding="UTF-8"?><Types/>')
    return buffer.getvalue()


def corpus() -> dict[str, bytes]:
    """File name -> bytes of every file of the corpus."""
    platform = ",".join(PLATFORM_HEADER)
    return {
        # Excel's "Unicode Text": UTF-16 with a byte-order mark.
        "utf16.csv": _lines("序号,5、您的性别是？", "1,男").encode("utf-16"),
        # A workbook saved under a .csv name.
        "xlsx_renamed.csv": _zip(),
        # Western-European Windows text: neither UTF-8 nor GB18030.
        "latin1.csv": _lines(CODES_HEADER + ",comment", "1,1,1,0,0,7,6,2,café au lait").encode(
            "cp1252"
        ),
        # 问卷星's Excel export saved as CSV: the question spans merged cells above its options.
        "two_row_header.csv": _lines(
            "序号,所用时间,1、您目前主要在哪家银行办理业务？,"
            "2、您平时主要通过哪些渠道办理该银行的业务？（可多选）,,,"
            "3、该银行在社会上享有良好的声誉。,4、总体而言，我对该银行感到满意。,5、您的性别是？",
            ",,,营业网点柜台,手机银行App,客户经理,,,",
            "1,95秒,1,1,0,1,7,6,2",
            "2,3分12秒,2,0,1,0,5,5,1",
        ).encode("utf-8-sig"),
        "missing_column.csv": _lines(
            "respondent_id,main_channels_branch,main_channels_mobile_app,main_channels_manager,"
            "img1,sat1,gender",
            "1,1,0,0,7,6,2",
        ).encode("utf-8"),
        # A contact column left in the export.
        "phone_numbers.csv": _lines(
            CODES_HEADER + ",联系方式",
            "1,1,1,0,0,7,6,2,138 1234 5678",
            "2,2,0,1,0,5,5,1,+86 139-8765-4321",
            "3,1,0,1,1,6,6,2,",
        ).encode("utf-8"),
        "empty.csv": b"",
        "header_only.csv": _lines(CODES_HEADER).encode("utf-8"),
        # The last respondent cut off in the middle of the line (an interrupted copy).
        "truncated.csv": (
            _lines(CODES_HEADER, "1,1,1,0,0,7,6,2", "2,2,0,1,0,5,5,1") + "3,1,0"
        ).encode("utf-8"),
        # A comment with an unquoted comma: one field too many on row 3.
        "ragged.csv": _lines(
            CODES_HEADER + ",备注",
            "1,1,1,0,0,7,6,2,无",
            "2,2,0,1,0,5,5,1,服务好,排队久",
            "3,1,0,1,1,6,6,2,无",
        ).encode("utf-8"),
        # Cut inside a quoted cell.
        "unterminated_quote.csv": (
            _lines(CODES_HEADER + ",备注", "1,1,1,0,0,7,6,2,无") + '2,2,0,1,0,5,5,1,"服务'
        ).encode("utf-8"),
        # Chinese Excel's default "CSV": GBK. Labels instead of codes, a skipped item.
        "gbk.csv": _lines(
            platform,
            "1,2024/3/1 10:02:11,125秒,中信银行郑州分行,1,1,0,非常同意,同意,女",
            "2,2024/3/1 10:07:40,2分5秒,外资银行,0,1,1,(跳过),比较同意,男",
            "3,2024/3/1 11:15:03,98秒,其他国内银行,0,0,1,一般,(空),女",
        ).encode("gbk"),
        # 问卷星's "download by option text": one column for a multiple-choice question, the
        # chosen options joined by ┋, English and Chinese labels mixed.
        "platform_text_export.csv": _lines(
            "序号,提交答卷时间,所用时间,来源,1、您目前主要在哪家银行办理业务？,"
            "2、您平时主要通过哪些渠道办理该银行的业务？（可多选）,"
            "3、该银行在社会上享有良好的声誉。,4、总体而言，我对该银行感到满意。,5、您的性别是？",
            "1,2024/3/1 10:02:11,125秒,微信,中信银行郑州分行,营业网点柜台┋手机银行App,"
            "非常同意,同意,女",
            "2,2024/3/1 10:07:40,2分5秒,手机提交,A foreign bank,客户经理,(跳过),"
            "Somewhat agree,Male",
            "3,2024/3/1 11:15:03,98秒,链接,其他国内银行,(跳过),一般,比较同意,女",
        ).encode("utf-8-sig"),
        # Values that are neither codes nor labels: a typo and a text "NA".
        "unknown_label.csv": _lines(
            platform,
            "1,2024/3/1 10:02:11,125秒,中信银行郑州分行,1,1,0,非常同意,同意,女性",
            "2,2024/3/1 10:07:40,2分5秒,外资银行,0,1,1,同意,比较同意,男",
            "3,2024/3/1 11:15:03,98秒,其他国内银行,0,0,1,一般,NA,NA",
        ).encode("utf-8"),
        # The same variable twice: by code and by question text.
        "duplicate_columns.csv": _lines(
            CODES_HEADER + ",5、您的性别是？", "1,1,1,0,0,7,6,2,女"
        ).encode("utf-8"),
        # The old binary Excel format.
        "old_excel.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(56),
        # A CSV renamed to .xlsx.
        "not_a_workbook.xlsx": _lines(CODES_HEADER, "1,1,1,0,0,7,6,2").encode("utf-8"),
    }


def main() -> None:
    for name, content in corpus().items():
        (HERE / name).write_bytes(content)


if __name__ == "__main__":
    main()
