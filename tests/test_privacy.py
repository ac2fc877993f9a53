"""The privacy guard: direct identifiers are found by header and value, never shown, removable."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.privacy import (
    PSEUDONYM_LENGTH,
    IdentifierError,
    IdentifierFinding,
    check_no_identifiers,
    drop_identifier_columns,
    find_identifiers,
    header_kind,
    identifier_kinds,
    is_resident_id,
    passes_luhn,
    pseudonymise_columns,
)

SALT = "test-salt-not-a-real-secret"


def _id_check(first17: str) -> str:
    """GB 11643-1999 check character, written as the standard states it: (12 - S mod 11) mod 11,
    10 written X; S weights digit i (1-based from the left) by 2^(18-i) mod 11."""
    s = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    check = (12 - s % 11) % 11
    return "X" if check == 10 else str(check)


def _luhn_digit(stem: str) -> str:
    """The digit that completes ``stem`` to a Luhn-valid number (ISO/IEC 7812-1 Annex B)."""
    doubled = [int(d) * (2 if i % 2 == 0 else 1) for i, d in enumerate(reversed(stem))]
    return str(-sum(d // 10 + d % 10 for d in doubled) % 10)


ZHENGZHOU_ID = "41010219900307123" + _id_check("41010219900307123")
UNIONPAY_CARD = "621226170212345678" + _luhn_digit("621226170212345678")


# --------------------------------------------------------------------------------------------
# Resident identity card numbers


def test_the_standard_example_is_valid():
    # GB 11643-1999's own example number.
    assert _id_check("11010519491231002") == "X"
    assert is_resident_id("11010519491231002X")
    assert is_resident_id("11010519491231002x")


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("110105194912310021", "wrong check character"),
        ("41010219901332123" + _id_check("41010219901332123"), "no 32nd of a month"),
        ("41010221990307123" + _id_check("41010221990307123"), "born in the future"),
        ("41010218800307123" + _id_check("41010218800307123"), "born before 1900"),
        ("99010219900307123" + _id_check("99010219900307123"), "no province 99"),
        ("4101021990030712", "16 characters"),
    ],
)
def test_invalid_numbers_are_not_resident_ids(number: str, why: str):
    assert not is_resident_id(number), why


def test_an_18_digit_number_with_a_bad_checksum_is_not_flagged():
    bad = ZHENGZHOU_ID[:17] + str((int(_id_check(ZHENGZHOU_ID[:17]).replace("X", "10")) + 1) % 10)
    assert is_resident_id(ZHENGZHOU_ID) and not is_resident_id(bad)
    assert identifier_kinds(ZHENGZHOU_ID) == {"resident_id"}
    assert identifier_kinds(bad) == set()


def test_a_resident_id_inside_a_longer_number_is_not_flagged():
    assert identifier_kinds("9" + ZHENGZHOU_ID) == set()


def test_a_resident_id_that_passes_luhn_is_not_also_a_bank_card():
    candidates = ("41010219900307" + f"{n:03d}" for n in range(1000))
    numbers = [stem + _id_check(stem) for stem in candidates]
    luhn_valid = next(n for n in numbers if n[-1] != "X" and passes_luhn(n))
    assert identifier_kinds(luhn_valid) == {"resident_id"}


# --------------------------------------------------------------------------------------------
# Mobile numbers, cards, emails, IP addresses


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        "19912345678",
        "+86 138 1234 5678",
        "+8613812345678",
        "0086 138-1234-5678",
        "86-13812345678",
        "请联系13812345678谢谢",
    ],
)
def test_mobile_numbers_are_found(text: str):
    assert "mobile" in identifier_kinds(text)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("12345678901", "11 digits, but mobile numbers start 13-19"),
        ("10012345678", "11 digits starting 10"),
        ("1381234567", "10 digits"),
        ("138123456789", "12 digits"),
        ("1709251200000", "a millisecond timestamp"),
        ("20240301100211", "a submission time"),
    ],
)
def test_other_numbers_are_not_mobile_numbers(text: str, why: str):
    assert "mobile" not in identifier_kinds(text), why


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_every_mainland_mobile_pattern_is_found(number: str):
    assert "mobile" in identifier_kinds(number)


@given(
    st.integers(min_value=12, max_value=20).flatmap(
        lambda n: st.from_regex(rf"1[0-9]{{{n - 1}}}", fullmatch=True)
    )
)
def test_longer_digit_runs_are_never_mobile_numbers(digits: str):
    assert "mobile" not in identifier_kinds(digits)


@pytest.mark.parametrize(
    "text", ["4111111111111111", "5555 5555 5555 4444", UNIONPAY_CARD, "6222-0212-3456-7890-" + "0"]
)
def test_bank_cards_passing_luhn_are_found(text: str):
    digits = text.replace(" ", "").replace("-", "")
    assert passes_luhn(digits) == ("bank_card" in identifier_kinds(text))


def test_luhn_reference_values():
    assert passes_luhn("79927398713")  # the textbook example
    assert not passes_luhn("79927398710")
    assert passes_luhn(UNIONPAY_CARD)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("4111111111111112", "fails Luhn"),
        ("1709251200000", "a timestamp (starts with 1)"),
        ("0000000000000000", "starts with 0"),
        ("411111111111", "12 digits"),
    ],
)
def test_other_numbers_are_not_bank_cards(text: str, why: str):
    assert "bank_card" not in identifier_kinds(text), why


def test_emails_and_ip_addresses_are_found():
    assert identifier_kinds("li.ming+survey@example.com.cn") == {"email"}
    assert identifier_kinds("123.160.4.5(河南-郑州)") == {"ip_address"}
    assert identifier_kinds("999.1.1.1") == set()
    assert identifier_kinds("2024.3.1") == set()
    assert identifier_kinds("非常同意") == set()


# --------------------------------------------------------------------------------------------
# Headers


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("姓名", "name"),
        ("您的姓名：", "name"),
        ("Name", "name"),
        ("first_name", "name"),
        ("微信昵称", "name"),
        ("手机号码", "mobile"),
        ("20、您的手机号：", "mobile"),
        ("联系电话", "mobile"),
        ("Phone number", "mobile"),
        ("身份证号", "resident_id"),
        ("ID card number", "resident_id"),
        ("邮箱", "email"),
        ("E-mail", "email"),
        ("银行卡号", "bank_card"),
        ("card_no", "bank_card"),
        ("来自IP", "ip_address"),
        ("IP地址", "ip_address"),
    ],
)
def test_identifier_headers(header: str, kind: str):
    assert header_kind(header) == kind


@pytest.mark.parametrize(
    "header",
    [
        "您平时主要通过哪些渠道办理该银行的业务？(手机银行App)",
        "主要办理渠道：电话银行",
        "您是否携带身份证办理业务？",
        "bank_name",
        "respondent_id",
        "id",
        "序号",
        "来源",
        "所用时间",
    ],
)
def test_question_and_platform_headers_are_not_identifiers(header: str):
    assert header_kind(header) is None


# --------------------------------------------------------------------------------------------
# Tables


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "序号": [1, 2, 3],
            "姓名": ["李明", "王芳", ""],
            "gender": [1, 2, 1],
            "联系方式": ["138 1234 5678", "", "li@example.com"],
            "备注": ["", "身份证" + ZHENGZHOU_ID, "无"],
        }
    )


def test_findings_name_column_kind_count_and_evidence():
    assert find_identifiers(_frame()) == [
        IdentifierFinding("姓名", "name", 2, "header"),
        IdentifierFinding("联系方式", "mobile", 1, "header and values"),
        IdentifierFinding("联系方式", "email", 1, "values"),
        IdentifierFinding("备注", "resident_id", 1, "values"),
    ]


def test_coded_answers_hold_no_identifiers():
    frame = pd.DataFrame({"gender": pd.array([1, 2, None], dtype="Int64"), "img1": [7, 6, 5]})
    assert find_identifiers(frame) == []
    check_no_identifiers(frame, path="responses.csv")


def test_numbers_read_as_floats_are_found():
    frame = pd.DataFrame({"x": [13812345678.0, float("nan")]})
    assert find_identifiers(frame) == [IdentifierFinding("x", "mobile", 1, "values")]


def test_duplicated_headers_are_each_checked():
    frame = pd.DataFrame([["a", "13812345678"]], columns=["备注", "备注"])
    assert [f.kind for f in find_identifiers(frame)] == ["mobile"]


def test_labels_are_checked_as_headers():
    frame = pd.DataFrame({"Q20": ["李明"]})
    assert find_identifiers(frame) == []
    assert find_identifiers(frame, labels={"Q20": "20、您的姓名"}) == [
        IdentifierFinding("Q20", "name", 1, "header")
    ]


def test_check_names_file_columns_kinds_and_fix_but_never_values():
    frame = _frame()
    with pytest.raises(
        IdentifierError,
        match=r"responses file .*export\.csv holds direct identifiers of respondents: "
        r"column '姓名' \(person names, by header, 2 cell\(s\)\), column '联系方式' \(mobile "
        r"phone numbers, by header and values, 1 cell\(s\)\), column '联系方式' \(email "
        r"addresses, by values, 1 cell\(s\)\), column '备注' \(resident identity card numbers, "
        r"by values, 1 cell\(s\)\)\. .*Delete these columns from a copy of the export.*"
        r"drop_identifier_columns.*pseudonymise_columns\(frame, columns, salt=\.\.\.\) and a "
        r"secret salt kept out of the repository",
    ) as info:
        check_no_identifiers(frame, path="data/export.csv")
    message = str(info.value)
    for value in ["李明", "王芳", "1234", "li@example.com", ZHENGZHOU_ID]:
        assert value not in message


def test_dropping_removes_only_identifier_columns():
    frame = _frame()
    assert list(drop_identifier_columns(frame).columns) == ["序号", "gender"]
    kept = drop_identifier_columns(frame, [IdentifierFinding("姓名", "name", 2, "header")])
    assert list(kept.columns) == ["序号", "gender", "联系方式", "备注"]
    assert list(frame.columns) == ["序号", "姓名", "gender", "联系方式", "备注"]


# --------------------------------------------------------------------------------------------
# Pseudonyms


def test_pseudonyms_are_keyed_sha256_in_base32_truncated():
    frame = pd.DataFrame({"手机号码": [" 13812345678", None, ""]})
    result = pseudonymise_columns(frame, ["手机号码"], salt=SALT)
    digest = hmac.new(SALT.encode(), b"13812345678", hashlib.sha256).digest()
    expected = base64.b32encode(digest).decode().lower()[:PSEUDONYM_LENGTH]
    assert result["手机号码"].tolist() == [expected, pd.NA, pd.NA]
    assert frame["手机号码"].tolist()[0] == " 13812345678", "the input is not modified"
    assert find_identifiers(result) == [IdentifierFinding("手机号码", "mobile", 1, "header")]


def test_pseudonyms_are_deterministic_per_salt_and_link_columns():
    frame = pd.DataFrame({"a": ["13812345678", "x"], "b": ["x", "13812345678"]})
    first = pseudonymise_columns(frame, ["a", "b"], salt=SALT)
    again = pseudonymise_columns(frame, ["a", "b"], salt=SALT)
    other = pseudonymise_columns(frame, ["a", "b"], salt=SALT + "2")
    pd.testing.assert_frame_equal(first, again)
    assert first.loc[0, "a"] == first.loc[1, "b"]
    assert first.loc[0, "a"] != other.loc[0, "a"]


@given(st.lists(st.text(min_size=1).filter(str.strip), min_size=1, max_size=50))
def test_pseudonyms_are_short_base32_and_never_look_like_identifiers(values: list[str]):
    result = pseudonymise_columns(pd.DataFrame({"key": values}), ["key"], salt=SALT)
    for pseudonym in result["key"]:
        assert len(pseudonym) == PSEUDONYM_LENGTH
        assert set(pseudonym) <= set("abcdefghijklmnopqrstuvwxyz234567")
    assert find_identifiers(result) == []


def test_pseudonymised_phone_numbers_pass_the_guard():
    phones = pd.DataFrame({"手机号码": [f"138{i:08d}" for i in range(0, 10**8, 99_991)]})
    keyed = pseudonymise_columns(phones, ["手机号码"], salt=SALT)
    assert keyed["手机号码"].nunique() == len(phones)
    check_no_identifiers(keyed.rename(columns={"手机号码": "respondent_id"}), path="r.csv")


@pytest.mark.parametrize(
    ("salt", "got"), [("short", "a text of 5 character"), (None, "a NoneType")]
)
def test_a_weak_salt_is_refused(salt, got):
    with pytest.raises(
        ValueError,
        match=rf"'salt' parameter of pseudonymise_columns must be a secret text of at least 16 "
        rf"characters\. Got {got}.*secrets\.token_hex.*out of the repository",
    ):
        pseudonymise_columns(pd.DataFrame({"a": ["x"]}), ["a"], salt=salt)


def test_unknown_columns_are_named():
    with pytest.raises(
        ValueError, match=r"'columns' parameter of pseudonymise_columns names \['phone'\]"
    ):
        pseudonymise_columns(pd.DataFrame({"a": ["x"]}), ["phone"], salt=SALT)
