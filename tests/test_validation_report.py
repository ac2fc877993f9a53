"""The validation appendix's comparisons (analysis.validation_report): one source of tolerances.

The tolerances of :data:`analysis.validation_report.TOLERANCES` must be those of the reference
tests (their named constants are imported and compared; ``test_cfa.py`` states its tolerances
as literals, quoted here), and every comparison the notebook makes must pass at them.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import test_descriptives
import test_efa
import test_reliability

from analysis.cfa import cfa_model
from analysis.config import REPO_ROOT
from analysis.notebooks import declared_parameters
from analysis.pipeline import REFERENCE_DIR, notebook_extra_inputs
from analysis.store import ResultsStore
from analysis.validation_report import (
    COMPARISON_COLUMNS,
    HS_CONSTRUCTS,
    PAPER_FORMATS,
    PROGRAMS,
    TOLERANCES,
    References,
    Tolerance,
    bfi_comparisons,
    compare,
    format_difference,
    format_number,
    hs_comparisons,
    mobi_cfa,
    mobi_comparisons,
    outside_tolerance,
    table_for_paper,
    validation_summary,
)

NOTEBOOK = REPO_ROOT / "notebooks" / "06_public_data_validation.ipynb"


@pytest.fixture(scope="module")
def references() -> References:
    return References(REPO_ROOT / REFERENCE_DIR)


@pytest.fixture(scope="module")
def tables(references) -> dict[str, pd.DataFrame]:
    """The comparisons exactly as the notebook makes them."""
    hs = references.data("hs")
    return {
        "hs": hs_comparisons(
            cfa_model(hs, constructs=HS_CONSTRUCTS),
            cfa_model(hs, constructs=HS_CONSTRUCTS, estimator="MLR"),
            references,
        ),
        "bfi": bfi_comparisons(references.data("bfi"), references),
        "mobi": mobi_comparisons(mobi_cfa(references.data("mobi")), references),
    }


# ------------------------------------------------------------------- one source of tolerances


@pytest.mark.parametrize(
    ("name", "value", "kind"),
    [
        ("closed_form", test_reliability.CLOSED_FORM_ATOL, "absolute"),
        ("closed_form", test_descriptives.ATOL, "absolute"),
        ("omega", test_reliability.OMEGA_ATOL, "absolute"),
        ("exact_iteration", test_efa.EXACT, "absolute"),
        ("exact_relative", test_efa.EXACT, "relative"),  # Bartlett: rtol=EXACT
        ("efa_optimizer", test_efa.OPTIMIZER, "absolute"),
        # test_cfa.py states these as literals: ML fit rtol 1e-7; MLR and mobi's fit rtol 1e-6;
        # parameters, SEs, factor correlations, CR, AVE atol 1e-5; HTMT and Harman's share
        # atol 1e-12; Harman's eigenvalue atol 1e-10; the ECSI CB-SEM's paths atol 1e-3.
        ("cfa_fit", 1e-7, "relative"),
        ("cfa_fit_loose", 1e-6, "relative"),
        ("cfa_parameters", 1e-5, "absolute"),
        ("sem_ill_conditioned", 1e-3, "absolute"),
    ],
)
def test_tolerances_are_those_of_the_reference_tests(name, value, kind):
    assert TOLERANCES[name].value == value
    assert TOLERANCES[name].kind == kind
    assert TOLERANCES[name].reason


def test_test_cfa_states_the_literal_tolerances_quoted_here():
    source = (REPO_ROOT / "tests" / "test_cfa.py").read_text(encoding="utf-8")
    for literal in ("rtol=1e-7", "rtol=1e-6", "atol=1e-5", "atol=1e-12", "atol=1e-10", "atol=1e-3"):
        assert literal in source, literal


def test_programs_match_the_recorded_versions(references):
    versions = references.json("versions.json")["R"]
    for package in ("lavaan", "psych", "semTools"):
        name, version = PROGRAMS[package].split(" ")
        assert name == package
        assert version.replace("-", ".") == versions[package]
    assert PROGRAMS["R"] in versions["R"].replace("R version", "R")


# -------------------------------------------------------------------- the notebook's results


def test_every_comparison_is_within_its_tolerance(tables):
    for name, table in tables.items():
        assert list(table.columns) == list(COMPARISON_COLUMNS), name
        assert outside_tolerance(table).empty, outside_tolerance(table)
        assert table["within"].all()
        assert (table["abs_difference"] >= 0).all()


def test_the_tables_cover_the_datasets(tables):
    assert len(tables["hs"]) == 15
    assert len(tables["bfi"]) == 19
    assert len(tables["mobi"]) == 15
    bfi = tables["bfi"].set_index("statistic")
    assert bfi.loc["Loadings, minres + oblimin", "n_values"] == 125
    assert bfi.loc["KMO per item (MSA)", "n_values"] == 25
    mobi = tables["mobi"].set_index("statistic")
    assert mobi.loc["Standardized loadings", "n_values"] == 24
    assert mobi.loc["Factor correlations", "n_values"] == 21
    assert mobi.loc["HTMT (original)", "n_values"] == 15


def test_the_mobi_cfa_is_flagged_improper(references):
    fit = mobi_cfa(references.data("mobi"))
    assert fit.status == "improper: latent covariance matrix not positive definite"
    row = fit.checks.set_index("check").loc["latent covariance matrix not positive definite"]
    assert row["improper"] and row["estimate"] < 0


def test_summary_counts_and_largest_difference(tables):
    summary = validation_summary(tables)
    assert summary["n_statistics"] == 49
    assert summary["n_within_tolerance"] == 49
    assert summary["n_values"] == sum(int(t["n_values"].sum()) for t in tables.values())
    largest = max(t["abs_difference"].max() for t in tables.values())
    assert summary["max_abs_difference"] == largest
    assert summary["max_dataset"] in tables
    assert 0 < summary["max_abs_difference"] < 1e-4


# ------------------------------------------------------------------------- compare, formats


def test_compare_reports_the_worst_value_relative_to_its_tolerance():
    row = compare(
        "x", [100.0, 0.5], [100.0 + 5e-6, 0.5 + 1e-6], program="R 4.2.2", tolerance="cfa_fit"
    ).iloc[0]
    # 5e-6 on 100 is 5e-8 relative (within); 1e-6 on 0.5 is 2e-6 relative (outside)
    assert row["estimate"] == 0.5 and not row["within"]
    assert row["abs_difference"] == pytest.approx(5e-6)
    assert row["n_values"] == 2


def test_compare_accepts_scalars_and_matrices():
    assert compare("s", 1.0, 1.0, program="p", tolerance="omega")["within"].iloc[0]
    matrix = np.eye(3)
    row = compare("m", matrix, matrix + 2e-5, program="p", tolerance="cfa_parameters").iloc[0]
    assert row["n_values"] == 9 and not row["within"]


def test_compare_treats_nan_as_outside():
    assert not compare("n", [np.nan], [1.0], program="p", tolerance="closed_form")["within"][0]


def test_compare_errors():
    with pytest.raises(ValueError, match="'tolerance' parameter of compare must be one of"):
        compare("x", 1.0, 1.0, program="p", tolerance="loose")
    with pytest.raises(ValueError, match=r"same number of values .* Got 2 and 1"):
        compare("x", [1.0, 2.0], [1.0], program="p", tolerance="closed_form")
    with pytest.raises(ValueError, match=r"same number of values .* Got 0 and 0"):
        compare("x", [], [], program="p", tolerance="closed_form")


def test_references_errors(tmp_path, references):
    with pytest.raises(FileNotFoundError, match="must be the reference folder"):
        References(tmp_path)
    with pytest.raises(ValueError, match=r"'name' parameter of References.data must be one of"):
        references.data("iris")


@pytest.mark.parametrize(
    ("value", "text"),
    [(3.7e-6, "3.7e-06"), (0.0, "0"), (9.643e-6, "9.6e-06"), (1.2e-15, "1.2e-15")],
)
def test_format_difference(value, text):
    assert format_difference(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.81396, "0.8140"),
        (-0.008327, "-0.0083"),
        (2.5e-5, "2.5e-05"),
        (0, "0.0000"),
        (18146.0656, "18,146.1"),
    ],
)
def test_format_number(value, text):
    assert format_number(value) == text


def test_tolerance_labels():
    assert Tolerance(1e-12, "absolute", "r").label == "1e-12"
    assert Tolerance(1e-7, "relative", "r").label == "1e-07 rel."


def test_table_for_paper_is_stored_as_the_notebook_stores_it(tables, tmp_path):
    table = table_for_paper(tables["hs"])
    assert list(table.columns) == [
        "Statistic",
        "n",
        "Package",
        "Reference",
        "Program",
        "Difference",
        "Tolerance",
        "Status",
    ]
    assert set(table["Status"]) == {"within"}
    store = ResultsStore(tmp_path, source="06_public_data_validation")
    store.add_table("validation_hs", table, caption="c", formats=PAPER_FORMATS)
    store.save()
    markdown = (tmp_path / "tables" / "validation_hs.md").read_text(encoding="utf-8")
    assert "| Chi-square (ML)" in markdown and "1e-07 rel." in markdown
    assert "e-" in markdown  # differences in scientific notation


# ------------------------------------------------------------------------------ the notebook


def test_the_notebook_reads_the_reference_set():
    assert declared_parameters(NOTEBOOK) == {
        "reference_dir": "tests/reference",
        "results_dir": "output/results",
    }
    inputs = notebook_extra_inputs(NOTEBOOK.stem)
    assert "tests/reference/values/mobi_reference.json" in inputs


def test_the_notebook_makes_the_appendix_outputs():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    appendix = (REPO_ROOT / "paper" / "appendices" / "validation.qmd").read_text(encoding="utf-8")
    for name in ("validation_hs", "validation_bfi", "validation_mobi"):
        assert f"/results/tables/{name}.md" in appendix
    for key in (
        "validation_n_statistics",
        "validation_n_within_tolerance",
        "validation_max_abs_difference",
        "validation_mobi_min_eigenvalue",
    ):
        assert f'"{key}"' in code
        assert f"{{{{< var {key} >}}}}" in appendix


def test_doctests():
    import doctest

    import analysis.validation_report

    failed, attempted = doctest.testmod(analysis.validation_report)
    assert attempted >= 3 and failed == 0


def test_mobi_pls_paths_match_smartpls_within_the_stated_tolerance():
    from analysis.validation_report import References, mobi_pls_comparisons

    row = mobi_pls_comparisons(References(REPO_ROOT / "tests" / "reference")).iloc[0]
    assert row["n_values"] == 12 and bool(row["within"])
    assert row["abs_difference"] <= 1e-8
