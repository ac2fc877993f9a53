"""The raw data's checksums: verified before every run, with a message naming what changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.checksums import (
    CHECKSUMS_FILE,
    ChecksumError,
    read_checksums,
    record,
    verify_raw_data,
)
from analysis.config import REPO_ROOT


@pytest.fixture
def raw(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    data.mkdir()
    (data / "panel.csv").write_text("bank,value\nA,1\n", encoding="utf-8")
    (data / "other.csv").write_text("x\n1\n", encoding="utf-8")
    listing = data / "checksums.sha256"
    record([data / "panel.csv", data / "other.csv"], listing, root=tmp_path)
    return tmp_path, listing


def test_committed_raw_data_match_their_checksums():
    recorded = read_checksums(CHECKSUMS_FILE)
    assert "data/bank_panel/panel.csv" in recorded
    assert "survey/responses_synthetic.csv" in recorded
    assert any(name.startswith("tests/reference/data/") for name in recorded)
    assert verify_raw_data() == len(recorded)


def test_listing_is_in_sha256sum_format(raw):
    root, listing = raw
    lines = listing.read_text(encoding="utf-8").splitlines()
    assert [line.split("  ")[1] for line in lines] == ["data/other.csv", "data/panel.csv"]
    assert verify_raw_data(listing, root) == 2


def test_a_changed_file_stops_the_run_naming_it_both_hashes_and_the_fix(raw):
    root, listing = raw
    (root / "data" / "panel.csv").write_text("bank,value\nA,2\n", encoding="utf-8")
    with pytest.raises(ChecksumError) as error:
        verify_raw_data(listing, root)
    message = str(error.value)
    assert "data/panel.csv: sha256 is" in message and "recorded" in message
    assert "other.csv" not in message
    assert "git checkout -- <file>" in message and "checksums --record" in message


def test_a_missing_file_is_named(raw):
    root, listing = raw
    (root / "data" / "other.csv").unlink()
    with pytest.raises(ChecksumError, match=r"data/other\.csv: missing"):
        verify_raw_data(listing, root)


def test_a_malformed_line_is_named_with_its_number(raw):
    root, listing = raw
    listing.write_text(listing.read_text(encoding="utf-8") + "abc data/x.csv\n", encoding="utf-8")
    with pytest.raises(ChecksumError, match="line 3"):
        verify_raw_data(listing, root)


def test_recording_again_accepts_an_intended_change(raw):
    root, listing = raw
    (root / "data" / "panel.csv").write_text("bank,value\nA,2\n", encoding="utf-8")
    record([root / "data" / "panel.csv"], listing, root=root)
    assert verify_raw_data(listing, root) == 2


def test_the_listing_is_kept_byte_exact_by_git():
    attributes = (REPO_ROOT / ".gitattributes").read_text(encoding="utf-8")
    assert "data/bank_panel/*.csv -text" in attributes
