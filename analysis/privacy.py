"""The privacy guard: no direct identifier of a respondent enters the analysis.

Survey platforms and hand-kept spreadsheets often carry columns that identify people: names,
mobile numbers, resident identity card numbers, email addresses, bank card numbers, the IP
address a questionnaire was submitted from. :func:`find_identifiers` looks for them in every
column of a table, by the column's header and by its values; :func:`check_no_identifiers` stops
with :class:`IdentifierError` when it finds any. Messages name the file, the columns, the kind of
identifier and how many cells hold one, and never show an identifier itself.

Two ways out, both applied to a copy of the raw export outside the repository:
:func:`drop_identifier_columns` removes the columns; :func:`pseudonymise_columns` replaces each
value by a keyed hash (HMAC-SHA-256 with a secret salt), so that a respondent keeps the same
pseudonym across files without the value being recoverable by whoever lacks the salt.

Detection rules (``docs/response-files.md`` explains them for users):

- mobile numbers: mainland numbers ``1[3-9]`` + 9 digits, optionally ``+86``/``0086``/``86``
  before and spaces or dashes as in ``138 1234 5678``; not part of a longer digit run;
- resident identity card numbers: 18 characters (17 digits and a digit or ``X``) with a known
  province code, a birth date between 1900-01-01 and today, and a valid ISO 7064 MOD 11-2 check
  character (GB 11643-1999). Old 15-digit numbers, which have no check digit, are not looked for;
- email addresses;
- bank card numbers: 13 to 19 digits (optionally in groups of four) that start as card numbers
  do (2-6, 8 or 9, not 0, 1 or 7: that excludes millisecond timestamps and mobile numbers), pass
  the Luhn check and are not a valid resident identity card number;
- IPv4 addresses (``123.160.4.5``), as in the 来自IP column of platform exports;
- person names, email, phone, identity card and bank card columns by their header (姓名, name,
  手机号码, 联系电话, email, 邮箱, 身份证号, 卡号, IP ...). Headers are compared whole, after
  numbering such as ``12、`` is removed, so a question such as "您常用手机银行App吗？" is not
  mistaken for a phone column.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.config import display_path

#: Kinds of direct identifier, with the words used in messages.
KINDS = {
    "name": "person names",
    "mobile": "mobile phone numbers",
    "resident_id": "resident identity card numbers",
    "email": "email addresses",
    "bank_card": "bank card numbers",
    "ip_address": "IP addresses",
}
#: Characters kept of each pseudonym: 16 base32 characters, 80 bits (no collision in any
#: survey's sample). Base32 (a-z, 2-7) rather than hex, so that no pseudonym can look like a
#: phone, card or identity card number to :func:`find_identifiers`.
PSEUDONYM_LENGTH = 16
#: Shortest salt :func:`pseudonymise_columns` accepts.
MIN_SALT_LENGTH = 16

_MOBILE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")
_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_CARD = re.compile(r"(?<![\d-])(?:\d{13,19}|\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,3})?)(?![\d-])")
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\d.]){_OCTET}(?:\.{_OCTET}){{3}}(?![\d.])")
_CARD_FIRST_DIGITS = frozenset("2345689")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
#: First two digits of mainland, Hong Kong, Macao and Taiwan resident identity numbers.
_PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50}
    | {51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)
_WHO = (
    r"(?:您的|你的|客户|受访者|被访者|答题者|填写者|联系人|本人|respondent|customer|your|contact)?"
)
_NUMBER = r"(?:号码|号|number|no)?"
_HEADERS = {
    "name": rf"{_WHO}(?:真实|full|first|last|given|family|real)?"
    r"(?:姓名|名字|称呼|昵称|微信昵称|联系人|name|surname|nickname)",
    "mobile": rf"{_WHO}(?:手机号码|手机号|电话|联系电话|联系方式|移动电话|phone|telephone|tel|"
    rf"mobilephone|cellphone|mobilenumber|mobileno){_NUMBER}",
    "resident_id": rf"{_WHO}(?:身份证|身份号码|证件号码|证件号|idcard|idnumber|idno|nationalid|"
    rf"residentid|citizenid){_NUMBER}",
    "email": rf"{_WHO}(?:邮箱|电子邮箱|电子邮件|email|mail)(?:地址|address)?",
    "bank_card": rf"{_WHO}(?:卡号|银行卡号|银行账号|账号|账户号|cardnumber|cardno|bankcardnumber|"
    r"bankcardno|accountnumber|accountno)(?:码)?",
    "ip_address": r"(?:来自|来源|填写者|答题者|用户)?ip(?:地址|address)?",
}
_HEADER_RULES = {kind: re.compile(pattern) for kind, pattern in _HEADERS.items()}
#: Question numbering survey platforms put before a header: "1、", "Q1.", "Q5_3 ", "第1题".
NUMBERING = re.compile(
    r"^(?:第\s*\d+\s*题|[Qq]\s*\d+(?:[._-]\d+)*|\d+(?:\.\d+)*)(?=[\s、.:)\]】-]|[^\x00-\x7f])"
    r"[\s、.:)\]】-]*"
)
#: Question-type tags platforms add to a header: "[单选题]", "【多选题】", "(可多选)".
TYPE_TAG = re.compile(
    r"[\[【(]\s*(?:单选题?|多选题?|可多选|矩阵单选题?|矩阵量表题?|量表题?|填空题?|必答题?|选填)\s*[\]】)]"
)


class IdentifierError(ValueError):
    """A table that holds direct identifiers; the message names the columns, never the values."""


@dataclass(frozen=True)
class IdentifierFinding:
    """Direct identifiers found in one column.

    Attributes
    ----------
    column : str
        The column's header, as in the table.
    kind : str
        One of :data:`KINDS`.
    n_cells : int
        Cells holding an identifier of this kind (found by header: the column's non-empty cells).
    by : str
        What gave it away: ``"header"``, ``"values"`` or ``"header and values"``.
    """

    column: str
    kind: str
    n_cells: int
    by: str


# --------------------------------------------------------------------------------------------
# Single values


def _as_text(value: object) -> str:
    """A cell as text; whole floats without their '.0' (a number column read by pandas)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def is_resident_id(text: str) -> bool:
    """Whether ``text`` is a valid 18-character resident identity card number (GB 11643-1999).

    Valid means: 17 digits and a digit or ``X``, a known province code, a birth date between
    1900-01-01 and today, and the ISO 7064 MOD 11-2 check character.

    Examples
    --------
    >>> is_resident_id("11010519491231002X")  # the standard's own example
    True
    >>> is_resident_id("110105194912310021")  # wrong check character
    False
    """
    if not _RESIDENT_ID.fullmatch(text) or int(text[:2]) not in _PROVINCES:
        return False
    try:
        born = _dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    if not _dt.date(1900, 1, 1) <= born <= _dt.date.today():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(text[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == text[17].upper()


def passes_luhn(digits: str) -> bool:
    """Whether a digit string passes the Luhn (mod 10) check of payment card numbers.

    Examples
    --------
    >>> passes_luhn("4111111111111111"), passes_luhn("4111111111111112")
    (True, False)
    """
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _is_card(candidate: str) -> bool:
    digits = re.sub(r"[ -]", "", candidate)
    return (
        13 <= len(digits) <= 19
        and digits[0] in _CARD_FIRST_DIGITS
        and passes_luhn(digits)
        and not is_resident_id(digits)
    )


def identifier_kinds(value: object) -> set[str]:
    """The kinds of direct identifier (keys of :data:`KINDS`) found in one cell's text.

    Person names cannot be recognised from a value alone; they are found by header
    (:func:`header_kind`).

    Examples
    --------
    >>> sorted(identifier_kinds("请致电 138-1234-5678 或写信至 li@example.com"))
    ['email', 'mobile']
    >>> identifier_kinds("12345678901")  # 11 digits, but no mobile number starts with 12
    set()
    """
    text = _as_text(value)
    found = set()
    if _MOBILE.search(text):
        found.add("mobile")
    if any(is_resident_id(match) for match in _RESIDENT_ID.findall(text)):
        found.add("resident_id")
    if _EMAIL.search(text):
        found.add("email")
    if any(_is_card(match) for match in _CARD.findall(text)):
        found.add("bank_card")
    if _IPV4.search(text):
        found.add("ip_address")
    return found


def nfkc(text: object) -> str:
    """Text with full-width letters, digits and punctuation made half-width, spaces trimmed."""
    return unicodedata.normalize("NFKC", str(text)).strip()


def loose_key(text: object) -> str:
    """Text compared loosely: half-width, case-folded, letters and digits only.

    Examples
    --------
    >>> loose_key(" Strongly  AGREE ") == loose_key("strongly agree"), loose_key("18–25岁")
    (True, '1825岁')
    """
    return "".join(char for char in nfkc(text).casefold() if char.isalnum())


def header_key(text: object) -> str:
    """A header or question compared loosely: :func:`loose_key` without the numbering ("1、",
    "Q1.", "第1题") and question-type tags ("[单选题]", "（可多选）") survey platforms add.

    Examples
    --------
    >>> header_key("第1题 您的性别是？【单选题】") == header_key("您的性别是?")
    True
    """
    text = TYPE_TAG.sub("", nfkc(text))
    return loose_key(NUMBERING.sub("", text, count=1) or text)


def header_kind(header: object) -> str | None:
    """The kind of identifier a column header announces (姓名, 手机号码, email ...), or None.

    The whole header is compared (see :func:`header_key`), so a question that merely mentions
    a phone or an identity card is not taken for an identifier column.

    Examples
    --------
    >>> header_kind("3、您的手机号码："), header_kind("您常用的渠道？(手机银行App)")
    ('mobile', None)
    """
    key = header_key(header)
    for kind, rule in _HEADER_RULES.items():
        if rule.fullmatch(key):
            return kind
    return None


# --------------------------------------------------------------------------------------------
# Tables


def _distinct_texts(column: pd.Series) -> tuple[list[str], list[int]]:
    """Each distinct cell text of a column (:func:`_as_text`) and how many cells hold it.

    A cell's findings depend on its text alone, so a column is checked once per distinct text,
    not once per cell: a column of 400,000 Likert answers has a handful (issue #9; checking
    every cell in Python made the guard the slowest part of reading a large file). A column of
    strings (every file read as text) is its own texts; other columns are converted cell by
    cell, as before, so that values such as ``True`` and ``1``, equal as keys, stay apart.
    """
    values = column.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) != "string":
        values = np.array([_as_text(value) for value in values], dtype=object)
    positions, texts = pd.factorize(values, use_na_sentinel=False)
    return list(texts), np.bincount(positions, minlength=len(texts)).tolist()


def _column_findings(
    header: str, column: pd.Series, description: str | None
) -> list[IdentifierFinding]:
    texts, cells = _distinct_texts(column)
    counts: dict[str, int] = {}
    for text, n_cells in zip(texts, cells, strict=True):
        for kind in identifier_kinds(text):
            counts[kind] = counts.get(kind, 0) + n_cells
    named = {header_kind(header)} | ({header_kind(description)} if description else set())
    named.discard(None)
    non_empty = sum(n_cells for text, n_cells in zip(texts, cells, strict=True) if text.strip())
    findings = []
    for kind in KINDS:
        by_header, by_values = kind in named, kind in counts
        if by_header or by_values:
            by = " and ".join(
                word for word, used in (("header", by_header), ("values", by_values)) if used
            )
            findings.append(IdentifierFinding(header, kind, counts.get(kind, non_empty), by))
    return findings


def find_identifiers(
    frame: pd.DataFrame, *, labels: Mapping[str, str] | None = None
) -> list[IdentifierFinding]:
    """Find direct identifiers in every column of a table, by header and by value.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any table; cells are looked at as text (duplicated headers are fine).
    labels : mapping of str to str, optional
        Descriptions of columns (such as SPSS variable labels), checked as headers are.

    Returns
    -------
    list of IdentifierFinding
        One per column and kind, in column order; empty when none was found.

    Examples
    --------
    >>> frame = pd.DataFrame({"序号": [1, 2], "联系电话": ["13812345678", ""]})
    >>> find_identifiers(frame)
    [IdentifierFinding(column='联系电话', kind='mobile', n_cells=1, by='header and values')]
    """
    labels = dict(labels or {})
    findings = []
    for position, header in enumerate(frame.columns):
        header = str(header)
        findings += _column_findings(header, frame.iloc[:, position], labels.get(header))
    return findings


def _describe(findings: Sequence[IdentifierFinding]) -> str:
    return ", ".join(
        f"column {finding.column!r} ({KINDS[finding.kind]}, by {finding.by}, "
        f"{finding.n_cells} cell(s))"
        for finding in findings
    )


def check_no_identifiers(
    frame: pd.DataFrame, *, path: str | Path, labels: Mapping[str, str] | None = None
) -> None:
    """Stop when a table read from ``path`` holds direct identifiers.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as read from the file, every column (see :func:`find_identifiers`).
    path : str or Path
        The file it was read from, named in the message.
    labels : mapping of str to str, optional
        Column descriptions checked as headers are (SPSS variable labels).

    Raises
    ------
    IdentifierError
        Naming the file, each column with the kind of identifier, whether its header or its
        values gave it away, and the number of cells; the identifiers themselves are never
        shown. The message names the fix: delete the columns from a copy of the export, or
        replace them by pseudonyms.

    Examples
    --------
    >>> check_no_identifiers(pd.DataFrame({"gender": [1, 2]}), path="responses.csv")
    """
    findings = find_identifiers(frame, labels=labels)
    if findings:
        raise IdentifierError(
            f"The responses file {display_path(path)} holds direct identifiers of respondents: "
            f"{_describe(findings)}. Identifiers must not enter the analysis (their values are "
            "not shown here). Delete these columns from a copy of the export (or untick them in "
            "the survey platform's download), point survey.responses in config/config.yaml at "
            "the copy and keep the original out of the repository; in Python, "
            "analysis.privacy.drop_identifier_columns(frame) removes them. To keep a column as a "
            "key for linking files, replace it by pseudonyms with "
            "analysis.privacy.pseudonymise_columns(frame, columns, salt=...) and a secret salt "
            "kept out of the repository. See docs/response-files.md."
        )


def drop_identifier_columns(
    frame: pd.DataFrame, findings: Iterable[IdentifierFinding] | None = None
) -> pd.DataFrame:
    """A copy of ``frame`` without the columns that hold direct identifiers.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    findings : iterable of IdentifierFinding, optional
        The columns to drop; by default those :func:`find_identifiers` reports.

    Returns
    -------
    pandas.DataFrame
        The other columns, unchanged.

    Examples
    --------
    >>> frame = pd.DataFrame({"gender": [1], "email": ["li@example.com"]})
    >>> list(drop_identifier_columns(frame).columns)
    ['gender']
    """
    findings = find_identifiers(frame) if findings is None else findings
    columns = list(dict.fromkeys(finding.column for finding in findings))
    return frame.drop(columns=columns)


def _salt_kind(salt: object) -> str:
    """What a rejected salt is, without showing it."""
    if isinstance(salt, str):
        return f"a text of {len(salt)} character(s)"
    return f"a {type(salt).__name__}"


def _check_salt(salt: object) -> bytes:
    if not isinstance(salt, str) or len(salt) < MIN_SALT_LENGTH:
        raise ValueError(
            "The 'salt' parameter of pseudonymise_columns must be a secret text of at least "
            f"{MIN_SALT_LENGTH} characters. Got {_salt_kind(salt)}. "
            'Make one with: python -c "import secrets; print(secrets.token_hex(16))", and '
            "keep it out of the repository."
        )
    return salt.encode("utf-8")


def pseudonym(value: object, *, salt: str) -> str:
    """The pseudonym of one value: the first :data:`PSEUDONYM_LENGTH` characters of the base32
    encoding (lower case) of its HMAC-SHA-256 keyed by ``salt``, surrounding spaces removed.

    Examples
    --------
    >>> pseudonym("13812345678", salt="a-secret-kept-elsewhere")
    'eetpn3lkpldjwvak'
    """
    return _pseudonym(_check_salt(salt), _as_text(value).strip())


def _pseudonym(key: bytes, text: str) -> str:
    digest = hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:PSEUDONYM_LENGTH]


def pseudonymise_columns(frame: pd.DataFrame, columns: Sequence[str], *, salt: str) -> pd.DataFrame:
    """A copy of ``frame`` whose ``columns`` hold pseudonyms instead of their values.

    Each non-empty cell becomes :func:`pseudonym` of its text: a keyed SHA-256 (HMAC), base32
    encoded and truncated to :data:`PSEUDONYM_LENGTH` characters. The same value gets the same
    pseudonym under the same salt, in any column and any file, so pseudonymised files can still
    be linked; without the salt the values cannot be recovered by trying all mobile or identity
    card numbers. The salt is therefore a secret: keep it out of the repository (and out of
    notebooks and logs), and keep it as long as files need to be linked. Empty cells stay
    missing.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    columns : sequence of str
        The columns to replace.
    salt : str
        The secret key, at least :data:`MIN_SALT_LENGTH` characters.

    Returns
    -------
    pandas.DataFrame
        The table with those columns as ``string`` pseudonyms.

    Raises
    ------
    ValueError
        If a column is not in ``frame``, or the salt is not a text of at least
        :data:`MIN_SALT_LENGTH` characters.

    Examples
    --------
    >>> frame = pd.DataFrame({"手机号码": ["13812345678", None]})
    >>> safe = pseudonymise_columns(frame, ["手机号码"], salt="a-secret-kept-elsewhere")
    >>> safe["手机号码"].tolist()
    ['eetpn3lkpldjwvak', <NA>]
    """
    key = _check_salt(salt)
    absent = [column for column in columns if column not in frame.columns]
    if absent:
        raise ValueError(
            f"The 'columns' parameter of pseudonymise_columns names {absent}, which are not "
            f"columns of the table. Its columns are {[str(c) for c in frame.columns]}."
        )
    result = frame.copy()
    for column in columns:
        texts = [_as_text(value).strip() for value in frame[column]]
        result[column] = pd.array(
            [_pseudonym(key, text) if text else pd.NA for text in texts], dtype="string"
        )
    return result
