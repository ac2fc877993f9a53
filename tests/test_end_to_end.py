"""The whole pipeline, from a clean output folder to the rendered paper, as a user runs it.

One full run is shared by the tests of this module (it takes the better part of a minute); the
determinism test makes a second, independent run and compares the two byte for byte.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import yaml

from analysis.config import REPO_ROOT
from analysis.replication import EXPECTED_DIR, byte_stable_files

pytestmark = pytest.mark.e2e


#: Bootstrap draws in these runs: enough to exercise the structural notebook, few enough that
#: four full runs stay fast (the default configuration's 2,000 draws take ~85 s per run).
E2E_BOOTSTRAP_DRAWS = 100


def _config_with(tmp_path: Path, **survey: str) -> Path:
    """The repository's configuration with fewer bootstrap draws and ``survey`` keys changed."""
    raw = yaml.safe_load((REPO_ROOT / "config" / "config.yaml").read_text("utf-8"))
    raw["survey"].update(survey)
    raw["structural"]["bootstrap_draws"] = E2E_BOOTSTRAP_DRAWS
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def fast_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _config_with(tmp_path_factory.mktemp("config"))


def run_study(output_dir: Path, *args: str, config: Path) -> subprocess.CompletedProcess[str]:
    command = [*_study_command(output_dir, config), *args]
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)


def _study_command(output_dir: Path, config: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "analysis",
        "run",
        "--output-dir",
        str(output_dir),
        "--cores",
        "2",
        "--config",
        str(config),
    ]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory, fast_config: Path) -> Path:
    out = tmp_path_factory.mktemp("run1")
    result = run_study(out, config=fast_config)
    assert result.returncode == 0, result.stderr[-4000:]
    return out


def _values(out: Path) -> dict[str, dict]:
    return json.loads((out / "results" / "values.json").read_text(encoding="utf-8"))


def test_run_leaves_paper_notebooks_store_and_provenance(first_run: Path):
    for fmt in ("html", "pdf", "docx"):
        assert (first_run / "paper" / f"crm-citic-zhengzhou.{fmt}").stat().st_size > 1000
    assert (first_run / "notebooks" / "02_sample_profile.ipynb").exists()
    assert (first_run / "results" / "tables" / "sample_profile.csv").exists()
    assert (first_run / "results" / "figures" / "sample_bank_type.png").exists()
    provenance = json.loads((first_run / "results" / "provenance.json").read_text("utf-8"))
    assert (
        provenance["seeds"]["run"]
        == yaml.safe_load((REPO_ROOT / "config" / "config.yaml").read_text("utf-8"))["seed"]
    )
    assert provenance["renderer"]["renderer"] in {"offline", "quarto"}
    assert "survey/instrument.yaml" in provenance["inputs"]
    assert not (first_run / "RUN_FAILED.txt").exists()


def test_every_var_in_the_paper_exists_in_the_store_with_a_source(first_run: Path):
    values = _values(first_run)
    used = set()
    for qmd in (REPO_ROOT / "paper").rglob("*.qmd"):
        used |= set(re.findall(r"\{\{<\s*var\s+([a-z0-9_]+)\s*>\}\}", qmd.read_text("utf-8")))
    assert used, "the paper uses no store values"
    assert used <= set(values), f"keys missing from the store: {sorted(used - set(values))}"
    assert all(values[k]["source"] for k in used)


def test_rendered_html_shows_the_numbers_the_store_holds(first_run: Path):
    html = (first_run / "paper" / "crm-citic-zhengzhou.html").read_text(encoding="utf-8")
    values = _values(first_run)
    for key in ("sample_n", "sample_pct_citic", "sample_pct_female", "data_kind"):
        assert values[key]["text"] in html, key
    assert "客户关系管理" in html
    table = (first_run / "results" / "tables" / "sample_profile.csv").read_text("utf-8")
    assert str(values["sample_n_citic"]["value"]) in table


def test_pdf_and_docx_show_the_numbers(first_run: Path):
    from pypdf import PdfReader

    values = _values(first_run)
    pdf_text = "".join(
        p.extract_text() for p in PdfReader(first_run / "paper" / "crm-citic-zhengzhou.pdf").pages
    )
    with zipfile.ZipFile(first_run / "paper" / "crm-citic-zhengzhou.docx") as docx:
        docx_text = docx.read("word/document.xml").decode("utf-8")
    for key in ("sample_n", "sample_pct_citic", "sample_pct_foreign"):
        assert values[key]["text"] in pdf_text, f"{key} missing from the PDF"
        assert values[key]["text"] in docx_text, f"{key} missing from the DOCX"


def test_first_page_says_the_survey_data_are_synthetic(first_run: Path):
    from pypdf import PdfReader

    first_page = PdfReader(first_run / "paper" / "crm-citic-zhengzhou.pdf").pages[0]
    assert "SYNTHETIC" in first_page.extract_text()
    html = (first_run / "paper" / "crm-citic-zhengzhou.html").read_text(encoding="utf-8")
    assert html.index("SYNTHETIC") < html.index("Abstract")


def test_exhibit_list_matches_the_store_and_the_rendered_paper(first_run: Path):
    from analysis.exhibits import list_exhibits

    index = json.loads((first_run / "results" / "index.json").read_text(encoding="utf-8"))
    html = (first_run / "paper" / "crm-citic-zhengzhou.html").read_text(encoding="utf-8")
    for exhibit in list_exhibits():
        name, number = exhibit.label.split(" ")
        assert f"{name}\u00a0{number}:" in html, f"{exhibit.label} not numbered so in the paper"
        if exhibit.notebook:
            kind = "figures" if name == "Figure" else "tables"
            stored = index[kind][Path(exhibit.output).stem]
            assert stored["source"] == exhibit.notebook, exhibit


def test_second_run_does_no_work(first_run: Path, fast_config: Path):
    executed = first_run / "notebooks" / "02_sample_profile.ipynb"
    before = executed.stat().st_mtime_ns
    result = run_study(first_run, config=fast_config)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "Nothing to be done" in result.stderr + result.stdout
    assert executed.stat().st_mtime_ns == before


def test_two_runs_are_byte_identical(first_run: Path, fast_config: Path, tmp_path: Path):
    second = tmp_path / "run2"
    result = run_study(second, config=fast_config)
    assert result.returncode == 0, result.stderr[-4000:]
    compared = [path.relative_to(first_run).as_posix() for path in byte_stable_files(first_run)]
    for must in (
        "results/values.json",
        "paper/crm-citic-zhengzhou.pdf",
        "data/responses_clean.sav",
    ):
        assert must in compared
    assert any(rel.endswith(".png") for rel in compared)
    assert [p.relative_to(second).as_posix() for p in byte_stable_files(second)] == compared
    differing = [
        rel for rel in compared if (first_run / rel).read_bytes() != (second / rel).read_bytes()
    ]
    assert not differing, f"not byte-identical across two runs: {differing}"


def test_missing_data_file_is_named_with_the_fix(tmp_path: Path):
    config = _config_with(tmp_path, responses=str(tmp_path / "absent.csv"))
    result = run_study(tmp_path / "out", config=config)
    assert result.returncode != 0
    assert "absent.csv" in result.stderr and "survey.responses" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists(), "nothing is written when the inputs are wrong"


def test_unknown_config_key_is_named(tmp_path: Path):
    config = _config_with(tmp_path, sample_size="400")
    result = run_study(tmp_path / "out", config=config)
    assert result.returncode != 0
    assert "['sample_size']" in result.stderr and "Traceback" not in result.stderr


def test_invalid_responses_stop_the_clean_step_with_the_validation_message(tmp_path: Path):
    raw = (REPO_ROOT / "survey" / "responses_synthetic.csv").read_text("utf-8").splitlines()
    header = raw[0].split(",")
    row = raw[1].split(",")
    row[header.index("bank_type")] = "9"
    bad = tmp_path / "responses.csv"
    bad.write_text("\n".join([raw[0], ",".join(row)]) + "\n", encoding="utf-8")
    before = bad.read_bytes()
    out = tmp_path / "out"
    result = run_study(out, config=_config_with(tmp_path, responses=str(bad)))
    assert result.returncode != 0
    assert "Step 'clean' failed" in result.stderr
    assert "Column 'bank_type' holds 1 value(s)" in result.stderr and "row 2: 9" in result.stderr
    assert bad.read_bytes() == before, "the raw file must never be modified"
    assert not (out / "data" / "responses_clean.csv").exists()


def _repository_copy(tmp_path: Path) -> Path:
    """The committed sources in a scratch folder, to break one notebook without touching ours."""
    copy = tmp_path / "repo"
    tracked = (
        subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, tracked):
        if (REPO_ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, copy / name)
    return copy


def test_failing_notebook_stops_the_run_and_leaves_nothing_stale(
    first_run: Path, fast_config: Path, tmp_path: Path
):
    repo = _repository_copy(tmp_path)
    notebook = repo / "notebooks" / "02_sample_profile.ipynb"
    content = json.loads(notebook.read_text("utf-8"))
    failing = {
        "cell_type": "code",
        "execution_count": None,
        "id": "fails",
        "metadata": {},
        "outputs": [],
        "source": ["profile = sample_profile(responses, instrument, language='fr')"],
    }
    content["cells"].insert(len(content["cells"]) - 1, failing)  # before the store is written
    notebook.write_text(json.dumps(content), encoding="utf-8")
    out = tmp_path / "out"
    shutil.copytree(first_run, out)  # an earlier, complete run whose end products become stale
    command = [
        sys.executable,
        "-m",
        "analysis",
        "run",
        "--output-dir",
        str(out),
        "--cores",
        "2",
        "--config",
        str(fast_config),
    ]
    result = subprocess.run(command, cwd=repo, capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert re.search(
        r"Notebook notebooks/02_sample_profile\.ipynb failed in cell \d+ \(execution "
        r"count \d+\): ValueError: .*'fr'",
        result.stderr,
    )
    assert "language='fr'" in result.stderr, "the message quotes the failing cell"
    assert (out / "notebooks" / "failed" / "02_sample_profile.ipynb").exists()
    assert not (out / "notebooks" / "02_sample_profile.ipynb").exists()
    assert not (out / "results" / "values.json").exists()
    assert not list((out / "paper").glob("crm-citic-zhengzhou.*"))
    assert not (out / "results" / "provenance.json").exists()
    assert "failed in cell" in (out / "RUN_FAILED.txt").read_text("utf-8")


# --- faults: interruption, two runs at once, changed raw data --------------------------------


def _assert_same_outputs(first: Path, second: Path) -> None:
    names = [p.relative_to(first).as_posix() for p in byte_stable_files(first)]
    assert [p.relative_to(second).as_posix() for p in byte_stable_files(second)] == names
    differing = [n for n in names if (first / n).read_bytes() != (second / n).read_bytes()]
    assert not differing, differing


def test_a_run_killed_in_the_middle_completes_on_rerun(
    first_run: Path, fast_config: Path, tmp_path: Path
):
    out = tmp_path / "out"
    process = subprocess.Popen(
        _study_command(out, fast_config),
        cwd=REPO_ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    fragments = out / "results" / "fragments"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if fragments.is_dir() and len(list(fragments.glob("*.json"))) >= 3:
            break
        time.sleep(0.2)
    assert process.poll() is None, "the run ended before it could be interrupted"
    os.killpg(process.pid, signal.SIGKILL)  # the whole run: Snakemake, steps and kernels
    process.wait()
    assert not (out / "results" / "values.json").exists(), "killed before the end"

    result = run_study(out, config=fast_config)
    assert result.returncode == 0, result.stderr[-4000:]
    _assert_same_outputs(first_run, out)


def test_two_runs_started_at_once_into_one_folder_both_succeed(
    first_run: Path, fast_config: Path, tmp_path: Path
):
    out = tmp_path / "out"
    # Each run's messages go to a file: with pipes, the run holding the lock could fill a pipe
    # nobody reads yet (its reader waits for the other run first) and both would wait forever.
    logs = [tmp_path / f"run{k}.log" for k in range(2)]
    with logs[0].open("w") as first, logs[1].open("w") as second:
        runs = [
            subprocess.Popen(
                _study_command(out, fast_config), cwd=REPO_ROOT, stdout=log, stderr=log
            )
            for log in (first, second)
        ]
        codes = [run.wait(timeout=900) for run in runs]
    messages = [log.read_text(encoding="utf-8") for log in logs]
    assert codes == [0, 0], [text[-3000:] for text in messages]
    assert any("Another run is writing to" in text for text in messages), "one waited"
    _assert_same_outputs(first_run, out)


def test_changed_raw_data_stop_the_run_before_anything_is_written(tmp_path: Path):
    repo = _repository_copy(tmp_path)
    panel = repo / "data" / "bank_panel" / "panel.csv"
    panel.write_bytes(panel.read_bytes().replace(b"China CITIC Bank,CN", b"China CITIC Bank,cn", 1))
    out = tmp_path / "out"
    result = subprocess.run(
        _study_command(out, repo / "config" / "config.yaml"),
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "data/bank_panel/panel.csv: sha256 is" in result.stderr, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert not (out / "results").exists()


def test_changed_paper_parameter_reruns_only_the_paper(
    first_run: Path, fast_config: Path, tmp_path: Path
):
    raw = yaml.safe_load(fast_config.read_text("utf-8"))
    raw["paper"]["formats"] = ["html", "pdf"]
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "analysis",
        "dry-run",
        "--output-dir",
        str(first_run),
        "--config",
        str(config),
    ]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    planned = set(re.findall(r"^rule (\w+):", result.stdout + result.stderr, flags=re.M))
    # The formats are parameters of the rendering steps only: no analysis reruns.
    assert planned == {"questionnaire", "paper", "provenance", "all"}, planned


# --- verify: rerun in a fresh folder and compare with the committed expected results ---------


@pytest.fixture(scope="module")
def verified(tmp_path_factory: pytest.TempPathFactory):
    """One `verify` of the committed study (default configuration), its run folder kept."""
    report = tmp_path_factory.mktemp("replication")
    command = [sys.executable, "-m", "analysis", "verify", "--keep", "--report-dir", str(report)]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    kept = re.search(r"The run is kept in (.+)\.$", result.stderr, flags=re.M)
    yield result, report, Path(kept.group(1)) if kept else None
    if kept:
        shutil.rmtree(kept.group(1), ignore_errors=True)


def test_verify_passes_on_a_fresh_clone_and_reports_every_part(verified):
    result, report, _ = verified
    assert result.returncode == 0, result.stderr[-4000:]
    markdown = (report / "replication-report.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Replication report: PASS"), markdown[:2000]
    for heading in (
        "Summary",
        "Environment",
        "Run time per step",
        "Output files",
        "Exhibits",
        "In-text numbers",
        "Tolerances",
    ):
        assert f"## {heading}" in markdown, heading
    assert "05_structural" in markdown and "lock_sha256" in markdown
    assert '<h1 class="PASS">' in (report / "replication-report.html").read_text("utf-8")
    comparison = (report / "comparison.csv").read_text(encoding="utf-8").splitlines()
    assert len(comparison) > 10_000, "every value, table cell and figure number"


def test_verify_fails_and_names_a_changed_expected_number(verified, tmp_path: Path):
    _, _, run = verified
    assert run is not None and (run / "results" / "values.json").is_file()
    expected = tmp_path / "expected"
    shutil.copytree(EXPECTED_DIR, expected)
    values = json.loads((expected / "values.json").read_text(encoding="utf-8"))
    values["sem_n"]["value"] += 1
    (expected / "values.json").write_text(json.dumps(values), encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "analysis",
        "verify",
        "--existing-run",
        str(run),
        "--expected",
        str(expected),
        "--report-dir",
        str(tmp_path / "report"),
    ]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stderr[-3000:]
    assert "FAIL" in result.stderr and "1 differs" in result.stderr
    markdown = (tmp_path / "report" / "replication-report.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Replication report: FAIL")
    mismatches = markdown.split("## Mismatches")[1].split("## Environment")[0]
    assert "value:sem_n" in mismatches, mismatches
