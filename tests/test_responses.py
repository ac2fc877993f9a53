"""Reading responses: checked against the instrument, errors that name file, column and rows."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from analysis.config import REPO_ROOT
from analysis.instrument import load_instrument
from analysis.responses import ResponsesError, read_responses
from analysis.synthetic import write_synthetic_responses

INSTRUMENT = REPO_ROOT / "survey" / "instrument.yaml"
POPULATION = REPO_ROOT / "survey" / "population.yaml"
HEADER = "respondent_id,gender,age_band,bank_type"


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(INSTRUMENT)


def _csv(
    tmp_path: Path, lines: list[str], *, name: str = "responses.csv", encoding: str = "utf-8"
) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_codes_are_read_as_nullable_integers(tmp_path: Path, instrument):
    path = _csv(tmp_path, [HEADER, "1,2,3,1", "2,1,5,3"])
    responses = read_responses(path, instrument)
    assert list(responses.columns) == HEADER.split(",")
    assert all(str(responses[code].dtype) == "Int64" for code in instrument.profile_codes)
    assert responses["bank_type"].tolist() == [1, 3]


def test_missing_codes_and_empty_cells_become_na(tmp_path: Path, instrument):
    path = _csv(tmp_path, [HEADER, "1,99,3,", "2,1,99,2", "3,,5,99"])
    responses = read_responses(path, instrument)
    assert responses["gender"].isna().tolist() == [True, False, True]
    assert responses["age_band"].isna().tolist() == [False, True, False]
    assert responses["bank_type"].isna().tolist() == [True, False, True]


def test_whole_numbers_written_as_decimals_or_with_spaces_are_accepted(tmp_path: Path, instrument):
    path = _csv(tmp_path, [HEADER, "1,2.0, 3 ,1.00"])
    responses = read_responses(path, instrument)
    assert responses.loc[0, ["gender", "age_band", "bank_type"]].tolist() == [2, 3, 1]


def test_other_columns_are_kept(tmp_path: Path, instrument):
    path = _csv(tmp_path, ["id,gender,age_band,bank_type,城市", "a1,1,2,3,郑州"])
    responses = read_responses(path, instrument)
    assert list(responses.columns) == ["id", "gender", "age_band", "bank_type", "城市"]
    assert responses.loc[0, "城市"] == "郑州"


def test_byte_order_mark_is_not_part_of_the_first_column(tmp_path: Path, instrument):
    path = _csv(tmp_path, [HEADER, "1,2,3,1"], encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    responses = read_responses(path, instrument)
    assert responses.columns[0] == "respondent_id"
    assert responses.loc[0, "respondent_id"] == 1


def test_synthetic_file_reads_back(tmp_path: Path, instrument):
    path = write_synthetic_responses(INSTRUMENT, POPULATION, tmp_path / "s.csv", n=200, seed=7)
    responses = read_responses(path, instrument)
    assert len(responses) == 200
    assert responses[list(instrument.profile_codes)].isna().any().any()


def test_raw_file_is_unchanged_after_reading(tmp_path: Path, instrument):
    path = _csv(tmp_path, [HEADER, "1,99,3,", "2,1,99,2"], encoding="utf-8-sig")
    before = _sha256(path)
    read_responses(path, instrument)
    assert _sha256(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["responses.csv"]


# --------------------------------------------------------------------------------------------
# Errors


def test_missing_file_names_the_path_and_the_fix(tmp_path: Path, instrument):
    with pytest.raises(
        FileNotFoundError,
        match=r"responses file .*absent\.csv does not exist\. "
        r"Set survey\.responses in config/config\.yaml to an existing file, or to "
        r"'synthetic'",
    ):
        read_responses(tmp_path / "absent.csv", instrument)


def test_a_folder_is_not_a_responses_file(tmp_path: Path, instrument):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_responses(tmp_path, instrument)


def test_missing_columns_are_named_with_the_file(tmp_path: Path, instrument):
    path = _csv(tmp_path, ["respondent_id,gender", "1,2"], name="partial.csv")
    with pytest.raises(
        ResponsesError,
        match=r"responses file .*partial\.csv lacks the "
        r"column\(s\) \['age_band', 'bank_type'\] of the instrument .*instrument"
        r"\.yaml\. Add them",
    ):
        read_responses(path, instrument)


def test_undeclared_values_name_column_rows_values_and_fix(tmp_path: Path, instrument):
    lines = [HEADER, "1,1,2,1", "2,7,2,1", "3,2,2,1", "4,x,2,1"]
    path = _csv(tmp_path, lines, name="bad.csv")
    # Row numbers as in the file, the header being row 1: '7' is on row 3, 'x' on row 5.
    with pytest.raises(
        ResponsesError,
        match=r"Column 'gender' of .*bad\.csv holds 2 value\(s\) "
        r"that are neither answer codes \[1, 2\] nor missing codes \[99\]: "
        r"row 3: '7', row 5: 'x' .*declare the value under 'values' or "
        r"'missing_codes' of 'gender' in .*instrument\.yaml",
    ):
        read_responses(path, instrument)


def test_every_offending_column_is_reported(tmp_path: Path, instrument):
    path = _csv(tmp_path, [HEADER, "1,3,2,1", "2,1,-99,4"])
    with pytest.raises(ResponsesError) as info:
        read_responses(path, instrument)
    lines = str(info.value).splitlines()
    assert [line.split(" of ")[0] for line in lines] == [
        "Column 'gender'",
        "Column 'age_band'",
        "Column 'bank_type'",
    ]
    assert "row 3: '-99'" in lines[1]


def test_only_the_first_offending_rows_are_listed(tmp_path: Path, instrument):
    rows = [f"{i},1,2,{5 + i}" for i in range(1, 8)]
    path = _csv(tmp_path, [HEADER, *rows])
    with pytest.raises(
        ResponsesError,
        match=r"holds 7 value\(s\).*row 2: '6', row 3: '7', "
        r"row 4: '8', row 5: '9', row 6: '10' and 2 more",
    ):
        read_responses(path, instrument)


def test_text_na_is_not_silently_missing(tmp_path: Path, instrument):
    path = _csv(tmp_path, [HEADER, "1,NA,2,1"])
    with pytest.raises(ResponsesError, match=r"row 2: 'NA'.*leave the cells empty"):
        read_responses(path, instrument)


def test_non_utf8_file_is_named_with_the_fix(tmp_path: Path, instrument):
    path = _csv(tmp_path, ["编号,gender,age_band,bank_type", "1,1,2,1"], encoding="gbk")
    with pytest.raises(
        ResponsesError,
        match=r"responses\.csv is not UTF-8 text .*Save it as "
        r"UTF-8",
    ):
        read_responses(path, instrument)


def test_empty_file_is_named(tmp_path: Path, instrument):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ResponsesError, match=r"empty\.csv is empty\. It needs a header row"):
        read_responses(path, instrument)


def test_header_only_file_gives_no_respondents(tmp_path: Path, instrument):
    responses = read_responses(_csv(tmp_path, [HEADER]), instrument)
    assert responses.empty
    assert str(responses["gender"].dtype) == "Int64"
    pd.testing.assert_index_equal(responses.columns, pd.Index(HEADER.split(",")))
