"""read_responses: ingest, then the privacy guard, then the checks of the codes.

Files are made from a synthetic sample of the shipped instrument and then altered, so that the
tests follow the questionnaire as it grows; format details are tested in test_ingest.py.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.config import REPO_ROOT
from analysis.instrument import load_instrument
from analysis.privacy import IdentifierError
from analysis.responses import ResponsesError, load_responses, read_responses
from analysis.synthetic import write_synthetic_responses
from analysis.validation import ResponseValidationError

INSTRUMENT = REPO_ROOT / "survey" / "instrument.yaml"
POPULATION = REPO_ROOT / "survey" / "population.yaml"


@pytest.fixture(scope="module")
def instrument():
    return load_instrument(INSTRUMENT)


@pytest.fixture
def sample(tmp_path: Path) -> pd.DataFrame:
    """A synthetic sample as the text a file holds: no missing answers, one row per respondent."""
    path = write_synthetic_responses(
        INSTRUMENT, POPULATION, tmp_path / "draw" / "s.csv", n=8, seed=11
    )
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in frame.columns[1:]:
        frame[column] = frame[column].replace("", "1")
    shutil.rmtree(path.parent)
    return frame


def _write(frame: pd.DataFrame, path: Path, *, encoding: str = "utf-8") -> Path:
    path.write_bytes(frame.to_csv(index=False, lineterminator="\n").encode(encoding))
    return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_synthetic_file_reads_back(tmp_path: Path, instrument):
    path = write_synthetic_responses(INSTRUMENT, POPULATION, tmp_path / "s.csv", n=200, seed=7)
    responses = read_responses(path, instrument)
    assert len(responses) == 200
    assert list(responses.columns) == [variable.code for variable in instrument.variables]
    assert all(str(responses[code].dtype) == "Int64" for code in instrument.profile_codes)
    assert responses[list(instrument.profile_codes)].isna().any().any()


def test_missing_codes_and_empty_cells_become_na(tmp_path: Path, instrument, sample):
    sample.loc[0, "gender"] = "99"
    sample.loc[1, "gender"] = ""
    sample.loc[2, "age_band"] = "99.0"
    responses = read_responses(_write(sample, tmp_path / "r.csv"), instrument)
    assert responses["gender"].isna().tolist()[:3] == [True, True, False]
    assert responses["age_band"].isna().tolist()[:3] == [False, False, True]
    assert responses["gender"].notna().sum() == len(sample) - 2


def test_labels_and_platform_headers_are_read(tmp_path: Path, instrument, sample):
    sample.loc[0, "gender"] = "女"
    sample.loc[1, "gender"] = " Male "
    sample.loc[2, "gender"] = "(跳过)"
    sample = sample.rename(columns={"gender": "1、您的性别是？", "respondent_id": "序号"})
    responses = read_responses(_write(sample, tmp_path / "r.csv", encoding="gbk"), instrument)
    assert responses["gender"].tolist()[:3] == [2, 1, pd.NA]
    assert responses["respondent_id"].tolist() == [str(i) for i in range(1, 9)]


def test_unmatched_columns_are_left_out(tmp_path: Path, instrument, sample):
    sample["城市"] = "郑州"
    responses = read_responses(_write(sample, tmp_path / "r.csv"), instrument)
    assert "城市" not in responses.columns


def test_raw_file_is_unchanged_after_reading(tmp_path: Path, instrument, sample):
    path = _write(sample, tmp_path / "responses.csv", encoding="utf-8-sig")
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


def test_missing_columns_are_named_with_the_file(tmp_path: Path, instrument, sample):
    path = _write(sample.drop(columns=["gender", "bank_type"]), tmp_path / "partial.csv")
    with pytest.raises(
        ResponsesError,
        match=r"responses file .*partial\.csv lacks the column\(s\) \['bank_type', 'gender'\] "
        r"of the instrument survey/instrument\.yaml\. Add them",
    ):
        read_responses(path, instrument)


def test_undeclared_codes_name_column_rows_values_and_fix(tmp_path: Path, instrument, sample):
    sample.loc[1, "gender"] = "7"
    sample.loc[3, "gender"] = "-99"
    path = _write(sample, tmp_path / "bad.csv")
    # Row numbers as in the file, the header being row 1: data rows 1 and 3 are rows 3 and 5.
    with pytest.raises(ResponseValidationError) as info:
        read_responses(path, instrument)
    message = str(info.value)
    assert re.search(r"bad\.csv do not match the instrument survey/instrument\.yaml", message)
    assert re.search(
        r"Column 'gender' holds 1 value\(s\) that are neither answer codes \[1, 2\] nor "
        r"missing codes \[99\]: row 3: 7\. Correct them",
        message,
    )
    assert re.search(r"contains? -99, .*gender.* row 5\. Declare it as a missing code", message)


def test_every_offending_column_is_reported(tmp_path: Path, instrument, sample):
    sample.loc[0, "gender"] = "3"
    sample.loc[1, "age_band"] = "-99"
    sample.loc[2, "main_channels_atm"] = "2"
    sample = sample.rename(columns={"age_band": "2、您的年龄段是？"})
    with pytest.raises(ResponseValidationError, match=r"3 problem\(s\)") as info:
        read_responses(_write(sample, tmp_path / "r.csv"), instrument)
    message = str(info.value)
    for column in ("'gender'", "'main_channels_atm'", "'age_band'"):
        assert column in message
    assert re.search(r"'age_band' contains? -99.* row 3", message)


def test_only_the_first_offending_rows_are_listed(tmp_path: Path, instrument, sample):
    sample["bank_type"] = [str(5 + i) for i in range(8)]
    with pytest.raises(
        ResponseValidationError,
        match=r"holds 8 value\(s\).*row 2: 5, row 3: 6, row 4: 7, row 5: 8, row 6: 9 and 3 more",
    ):
        read_responses(_write(sample, tmp_path / "r.csv"), instrument)


def test_load_responses_reports_notes_and_warnings(tmp_path: Path, instrument, sample):
    sample.loc[0, "complained_12m"] = "2"
    sample.loc[0, "cmp1"] = "5"  # answered although the filter says the question was skipped
    sample = sample.rename(columns={"gender": "1、您的性别是？"})  # Chinese header: read as GBK
    loaded = load_responses(_write(sample, tmp_path / "r.csv", encoding="gbk"), instrument)
    assert any("GB18030" in note for note in loaded.notes)
    assert any(w.rule == "skip_logic" and w.column == "cmp1" for w in loaded.warnings)
    assert pd.isna(loaded.data.loc[0, "cmp1"])
    assert loaded.source.sha256 == _sha256(tmp_path / "r.csv")


def test_text_na_is_not_silently_missing(tmp_path: Path, instrument, sample):
    sample.loc[0, "gender"] = "NA"
    with pytest.raises(ResponsesError, match=r"row 2: 'NA'.*leave the cell empty"):
        read_responses(_write(sample, tmp_path / "r.csv"), instrument)


def test_empty_file_is_named(tmp_path: Path, instrument):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ResponsesError, match=r"empty\.csv is empty\. It needs a header row"):
        read_responses(path, instrument)


def test_header_only_file_gives_no_respondents(tmp_path: Path, instrument, sample):
    responses = read_responses(_write(sample.iloc[:0], tmp_path / "r.csv"), instrument)
    assert responses.empty
    assert str(responses["gender"].dtype) == "Int64"
    assert list(responses.columns) == [variable.code for variable in instrument.variables]


def test_identifiers_stop_the_reading_without_being_shown(tmp_path: Path, instrument, sample):
    phones = [f"1381234{i:04d}" for i in range(8)]
    sample["手机号码"] = phones
    with pytest.raises(
        IdentifierError,
        match=r"responses file .*r\.csv holds direct identifiers of respondents: column "
        r"'手机号码' \(mobile phone numbers, by header and values, 8 cell\(s\)\)\.",
    ) as info:
        read_responses(_write(sample, tmp_path / "r.csv"), instrument)
    assert not any(phone in str(info.value) for phone in phones)


def test_identifiers_are_checked_before_codes(tmp_path: Path, instrument, sample):
    sample.loc[0, "gender"] = "13812345678"  # a phone number typed into a coded column
    with pytest.raises(IdentifierError, match=r"column 'gender' \(mobile phone numbers"):
        read_responses(_write(sample, tmp_path / "r.csv"), instrument)
