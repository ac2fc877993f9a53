"""Tests of the provenance record: hashes, git state, versions, relative paths and timings."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from snakemake.benchmark import BenchmarkRecord, write_benchmark_records

from analysis.provenance import (
    build_provenance,
    file_sha256,
    git_state,
    package_versions,
    read_benchmark_timings,
    write_provenance,
)

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def _git(root: Path, *args: str) -> str:
    command = ["git", "-C", str(root), "-c", "user.name=T", "-c", "user.email=t@example.org"]
    result = subprocess.run([*command, *args], capture_output=True, text=True, check=True)
    return result.stdout.strip()


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A repository with one committed input file, isolated from any enclosing repository."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    root = tmp_path / "repo"
    (root / "survey").mkdir(parents=True)
    (root / "survey" / "instrument.yaml").write_text("items: [q1, q2]\n", encoding="utf-8")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "Start")
    return root


def _build(root: Path, **overrides) -> dict:
    arguments = {
        "repo_root": root,
        "config": {"seed": 20261128, "output_dir": "output"},
        "input_files": ["survey/instrument.yaml"],
        "seeds": {"run": 20261128},
        "timings": {"survey_data": 1.25, "01_sample_profile": 3.5},
        "renderer": {"name": "pandoc+typst", "pandoc": "3.9"},
    }
    return build_provenance(**{**arguments, **overrides})


# file_sha256


def test_file_sha256_matches_the_published_digest_of_abc(tmp_path):
    path = tmp_path / "abc.txt"
    path.write_bytes(b"abc")
    assert file_sha256(path) == SHA256_ABC


def test_file_sha256_reads_large_files_in_chunks_to_the_same_digest(tmp_path):
    data = bytes(range(256)) * 12_345  # about 3 MiB, several chunks
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    assert file_sha256(str(path)) == hashlib.sha256(data).hexdigest()


# git_state


@needs_git
def test_git_state_of_a_clean_then_dirty_repository(repo):
    head = _git(repo, "rev-parse", "HEAD")
    clean = git_state(repo)
    assert clean == {"commit": head, "dirty": False, "describe": head[: len(clean["describe"])]}

    (repo / "survey" / "instrument.yaml").write_text("items: [q1]\n", encoding="utf-8")
    dirty = git_state(repo)
    assert dirty["commit"] == head
    assert dirty["dirty"] is True
    assert dirty["describe"].endswith("-dirty")


@needs_git
def test_git_state_counts_untracked_files_as_dirty(repo):
    (repo / "notebooks.ipynb").write_text("{}", encoding="utf-8")
    assert git_state(repo)["dirty"] is True


@needs_git
def test_git_state_of_a_repository_without_commits(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    _git(tmp_path, "init", "-q")
    assert git_state(tmp_path) == {"commit": None, "dirty": False, "describe": None}


def test_git_state_outside_a_repository_is_all_none(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert git_state(tmp_path) == {"commit": None, "dirty": None, "describe": None}


@needs_git
def test_git_state_without_git_installed_is_all_none(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-binaries-here"))
    assert git_state(repo) == {"commit": None, "dirty": None, "describe": None}


# package_versions


def test_package_versions_lists_installed_distributions_sorted():
    versions = package_versions()
    assert versions["pandas"] == pd.__version__
    assert versions["pytest"] == pytest.__version__
    assert list(versions) == sorted(versions, key=str.lower)
    assert all(isinstance(version, str) and version for version in versions.values())


# build_provenance and write_provenance


@needs_git
def test_build_provenance_has_every_section(repo):
    record = _build(repo)
    assert set(record) == {
        "generated_by",
        "git",
        "python",
        "platform",
        "packages",
        "inputs",
        "config",
        "seeds",
        "timings_s",
        "renderer",
    }
    assert record["generated_by"].startswith("crm-citic-zhengzhou")
    assert record["git"]["commit"] == _git(repo, "rev-parse", "HEAD")
    assert set(record["python"]) == {"version", "implementation"}
    assert record["config"] == {"seed": 20261128, "output_dir": "output"}
    assert record["seeds"] == {"run": 20261128}
    assert list(record["timings_s"]) == ["01_sample_profile", "survey_data"]
    assert record["renderer"] == {"name": "pandoc+typst", "pandoc": "3.9"}
    assert record["packages"] == package_versions()


def test_build_provenance_hashes_inputs_under_paths_relative_to_the_repository(tmp_path):
    root = tmp_path / "repo"
    (root / "survey").mkdir(parents=True)
    instrument = root / "survey" / "instrument.yaml"
    instrument.write_text("items: []\n", encoding="utf-8")
    outside = tmp_path / "enclave" / "responses.csv"
    outside.parent.mkdir()
    outside.write_text("q1\n5\n", encoding="utf-8")

    record = _build(root, input_files=[outside, instrument.resolve()], renderer=None)

    assert record["inputs"] == {
        "../enclave/responses.csv": file_sha256(outside),
        "survey/instrument.yaml": file_sha256(instrument),
    }
    assert record["renderer"] is None


def test_build_provenance_holds_no_absolute_machine_path(tmp_path):
    root = tmp_path / "repo"
    (root / "survey").mkdir(parents=True)
    (root / "survey" / "instrument.yaml").write_text("items: []\n", encoding="utf-8")
    text = json.dumps(_build(root))
    assert str(tmp_path) not in text
    assert str(Path.home()) not in text


def test_build_provenance_names_a_missing_input_file(tmp_path):
    message = r"'input_files' parameter of build_provenance must list existing files\. Got 'nope"
    with pytest.raises(FileNotFoundError, match=message):
        _build(tmp_path, input_files=["nope.csv"])


def test_write_provenance_is_atomic_sorted_json_with_trailing_newline(tmp_path):
    record = {"seeds": {"run": 1}, "config": {"b": 2, "a": "郑州"}, "renderer": None}
    path = write_provenance(tmp_path / "results" / "provenance.json", record)
    text = path.read_text(encoding="utf-8")
    assert json.loads(text) == record
    assert text == json.dumps(record, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert [p.name for p in path.parent.iterdir()] == ["provenance.json"]


# read_benchmark_timings


def test_read_benchmark_timings_reads_snakemakes_own_files(tmp_path):
    records = {"survey_data": [1.234], "01_sample_profile": [3.5, 4.0]}  # the second: repeat(2)
    for step, seconds in records.items():
        runs = [BenchmarkRecord(running_time=s) for s in seconds]
        write_benchmark_records(runs, str(tmp_path / f"{step}.tsv"), False)
    (tmp_path / "notes.txt").write_text("not a benchmark", encoding="utf-8")

    timings = read_benchmark_timings(tmp_path)

    assert timings == {"01_sample_profile": 3.5, "survey_data": pytest.approx(1.23, abs=0.005)}
    assert list(timings) == ["01_sample_profile", "survey_data"]


def test_read_benchmark_timings_of_an_empty_folder_is_empty(tmp_path):
    assert read_benchmark_timings(tmp_path) == {}


def test_read_benchmark_timings_names_a_missing_folder(tmp_path):
    message = r"'bench_dir' parameter of read_benchmark_timings must be a folder .* Got '.*gone'"
    with pytest.raises(FileNotFoundError, match=message):
        read_benchmark_timings(tmp_path / "gone")


@pytest.mark.parametrize("content", ["s\th:m:s\n", "seconds\n1.0\n", "s\nNA\n", ""])
def test_read_benchmark_timings_names_a_file_that_is_not_a_benchmark(tmp_path, content):
    (tmp_path / "03_cfa.tsv").write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=r"benchmark file 03_cfa\.tsv must be a Snakemake"):
        read_benchmark_timings(tmp_path)
