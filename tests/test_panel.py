"""The bank panel: every figure sourced and checked, and the checks themselves tested."""

from __future__ import annotations

import doctest
import json

import pandas as pd
import pytest

import analysis.panel
from analysis.panel import (
    PANEL_COLUMNS,
    PANEL_DIR,
    PanelError,
    coverage,
    load_panel,
    non_interest_check,
    panel_descriptor,
    panel_problems,
    printed_number,
    read_indicators,
    read_panel,
    retail_share_check,
    roa_check,
)

# A made-up fixture (not real figures) that keeps every rule.
FIXTURE = [
    {
        "bank": "Bank A",
        "year": "2023",
        "indicator": "total_assets",
        "value": "1000000",
        "unit": "million",
        "currency": "CNY",
        "value_as_printed": "1,000,000",
        "source_excerpt": "Total assets 1,000,000 (RMB million)",
    },
    {
        "bank": "Bank A",
        "year": "2022",
        "indicator": "total_assets",
        "value": "900000",
        "unit": "million",
        "currency": "CNY",
        "value_as_printed": "0.9 trillion",
        "source_excerpt": "assets reached RMB 0.9 trillion",
    },
    {
        "bank": "Bank A",
        "year": "2023",
        "indicator": "net_profit",
        "value": "9500",
        "unit": "million",
        "currency": "CNY",
        "value_as_printed": "9.5 billion",
        "source_excerpt": "net profit of RMB 9.5 billion",
    },
    {
        "bank": "Bank A",
        "year": "2023",
        "indicator": "roa",
        "value": "1.0",
        "unit": "percent",
        "currency": "",
        "value_as_printed": "1.00%",
        "source_excerpt": "Return on average assets 1.00%",
    },
    {
        "bank": "Bank A",
        "year": "2023",
        "indicator": "operating_income",
        "value": "40000",
        "unit": "million",
        "currency": "CNY",
        "value_as_printed": "40,000",
        "source_excerpt": "Operating income | 40,000 | 38,000",
    },
    {
        "bank": "Bank A",
        "year": "2023",
        "indicator": "net_interest_income",
        "value": "30000",
        "unit": "million",
        "currency": "CNY",
        "value_as_printed": "30,000",
        "source_excerpt": "Net interest income 30,000",
    },
    {
        "bank": "Bank A",
        "year": "2023",
        "indicator": "non_interest_income_share",
        "value": "25.0",
        "unit": "percent",
        "currency": "",
        "value_as_printed": "25.00%",
        "source_excerpt": "non-interest income accounted for 25.00% of operating income",
    },
    {
        "bank": "Bank A",
        "year": "2023",
        "indicator": "retail_segment_revenue",
        "value": "22000",
        "unit": "million",
        "currency": "CNY",
        "value_as_printed": "22,000",
        "source_excerpt": "Retail banking operating income 22,000",
    },
    {
        "bank": "Bank A",
        "year": "2023",
        "indicator": "retail_revenue_share",
        "value": "55.0",
        "unit": "percent",
        "currency": "",
        "value_as_printed": "55.00%",
        "source_excerpt": "retail accounted for 55.00% of operating income",
    },
]


def _frame(rows=FIXTURE) -> pd.DataFrame:
    base = {
        "country": "CN",
        "group": "domestic",
        "basis": "IFRS",
        "scope": "group",
        "restated": "no",
        "source_url": "https://example.org/annual-report",
        "source_tier": "primary",
        "accessed": "2026-11-28",
        "note": "",
    }
    return pd.DataFrame([{**base, **row} for row in rows])[list(PANEL_COLUMNS)]


@pytest.fixture
def fixture_file(tmp_path):
    path = tmp_path / "panel.csv"
    _frame().to_csv(path, index=False)
    return path


def _problems(frame):
    path = "panel.csv"
    typed = frame.assign(
        year=pd.to_numeric(frame["year"]).astype("Int64"),
        value=pd.to_numeric(frame["value"], errors="coerce"),
    )
    return panel_problems(typed, read_indicators(), path=path)


def test_doctests():
    failed, attempted = doctest.testmod(analysis.panel)
    assert attempted > 0 and failed == 0


def test_fixture_keeps_every_rule(fixture_file):
    panel = load_panel(fixture_file)
    assert len(panel) == len(FIXTURE)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("source_url", "", "no source URL"),
        ("source_excerpt", "", "no excerpt"),
        ("value_as_printed", "1,000,001", "does not occur in the excerpt"),
        ("value", "1000001", "is not the printed"),
        ("unit", "billion", "expected 'million'"),
        ("currency", "", "needs an ISO 4217 code"),
        ("indicator", "assets", "unknown indicator"),
        ("group", "local", "not in"),
        ("source_tier", "blog", "not in"),
    ],
)
def test_each_rule_names_line_column_and_fix(column, value, message):
    frame = _frame()
    frame.loc[0, column] = value
    problems = _problems(frame)
    assert len(problems) >= 1
    first = problems.iloc[0]
    assert first["line"] == 2 and first["column"] == column
    assert message in first["problem"] and first["fix"]


def test_a_row_without_a_source_fails_loading(tmp_path):
    frame = _frame()
    frame.loc[3, "source_url"] = ""
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(PanelError, match=r"line 5 \(Bank A, 2023, roa\): column source_url"):
        load_panel(path)


def test_cross_row_rules():
    frame = pd.concat([_frame(), _frame().iloc[[0]]], ignore_index=True)
    assert "a second row" in _problems(frame)["problem"].iloc[-1]
    frame = _frame()
    frame.loc[1, "currency"] = "USD"
    assert any("has amounts in" in p for p in _problems(frame)["problem"])
    frame = _frame()
    frame.loc[3, "source_tier"] = "aggregator"
    assert any("without a second, primary source" in p for p in _problems(frame)["problem"])


def test_out_of_range_value_is_flagged():
    frame = _frame()
    frame.loc[3, ["value", "value_as_printed", "source_excerpt"]] = ["100", "100%", "ROA 100%"]
    assert any("plausible range" in p for p in _problems(frame)["problem"])


def test_printed_number_scales():
    assert printed_number("RMB 9.5 billion") == 9.5
    assert printed_number("no figure") is None


def test_consistency_checks_on_the_fixture(fixture_file):
    panel = read_panel(fixture_file)
    roa = roa_check(panel)
    assert roa.loc[0, "average"]  # 2022 assets present: average of the two year ends
    assert roa.loc[0, "implied"] == pytest.approx(100 * 9500 / 950000)
    assert roa.loc[0, "within_tolerance"]
    share = non_interest_check(panel)
    assert share.loc[0, "implied"] == pytest.approx(25.0)
    retail = retail_share_check(panel)
    assert retail.loc[0, "implied"] == pytest.approx(55.0)


def test_coverage_counts_by_tier(fixture_file):
    table = coverage(read_panel(fixture_file), by=["bank"])
    assert table.loc[0, "total"] == len(FIXTURE)


def test_descriptor_has_schema_and_hash(fixture_file):
    descriptor = panel_descriptor(fixture_file)
    resource = descriptor["resources"][0]
    assert [f["name"] for f in resource["schema"]["fields"]] == list(PANEL_COLUMNS)
    assert resource["hash"].startswith("sha256:")
    json.dumps(descriptor)


# --- the committed panel ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def committed():
    return load_panel()


def test_committed_panel_keeps_every_rule(committed):
    # load_panel raises, naming file, line, column and fix, if any row breaks a rule (a row
    # without a source URL or excerpt among them)
    assert len(committed) > 0
    assert (committed["source_url"].str.startswith("http")).all()
    assert (committed["source_excerpt"].str.len() > 0).all()


def test_committed_ratios_agree_with_their_amounts(committed):
    for check in (roa_check, non_interest_check, retail_share_check):
        table = check(committed)
        failing = table[~table["within_tolerance"]]
        assert failing.empty, failing.to_string()


def test_committed_units_and_currencies_are_consistent(committed):
    indicators = read_indicators().set_index("indicator")
    assert (committed["unit"] == committed["indicator"].map(indicators["unit"])).all()
    money = committed[committed["indicator"].map(indicators["kind"]) == "money"]
    assert all(len(set(currencies)) == 1 for _, currencies in money.groupby("bank")["currency"])


def test_retail_shares_lie_between_0_and_100(committed):
    shares = committed[committed["indicator"].isin(["retail_revenue_share", "retail_profit_share"])]
    assert shares["value"].between(0, 100).all()


def test_datapackage_is_in_sync_with_the_panel():
    written = json.loads((PANEL_DIR / "datapackage.json").read_text(encoding="utf-8"))
    assert written == panel_descriptor(), (
        "data/bank_panel/datapackage.json is stale: regenerate it with "
        "`python -m analysis.panel` after editing panel.csv"
    )


def test_retail_shares_printed_first_then_derived(fixture_file, tmp_path):
    from analysis.panel import retail_revenue_shares

    segments = tmp_path / "segments.csv"
    segments.write_text(
        "bank,scope,perimeter,rationale\nBank A,group,retail,the fixture's retail segment\n"
    )
    panel = read_panel(fixture_file)
    shares = retail_revenue_shares(panel, segments_path=segments)
    assert shares.loc[0, "source"] == "printed" and shares.loc[0, "estimate"] == 55.0
    derived = retail_revenue_shares(
        panel[panel["indicator"] != "retail_revenue_share"], segments_path=segments
    )
    assert derived.loc[0, "source"] == "derived"
    assert derived.loc[0, "estimate"] == pytest.approx(100 * 22000 / 40000)


# --- the notebook and the pipeline ---------------------------------------------------------


def test_broad_retail_perimeters_are_shown_but_not_compared(fixture_file, tmp_path):
    from analysis.panel import comparison_ratios, retail_revenue_shares

    segments = tmp_path / "segments.csv"
    segments.write_text(
        "bank,scope,perimeter,rationale\nBank A,group,broad,a whole retail division\n"
    )
    panel = read_panel(fixture_file)
    shares = retail_revenue_shares(panel, segments_path=segments)
    assert set(shares["perimeter"]) == {"broad"}
    ratios = comparison_ratios(panel, segments_path=segments)
    assert not ratios["indicator"].eq("retail_revenue_share").any()


def test_every_retail_segment_names_its_perimeter_and_reason():
    from analysis.panel import RETAIL_SEGMENTS_PATH

    segments = pd.read_csv(RETAIL_SEGMENTS_PATH, dtype=str, keep_default_na=False)
    assert list(segments.columns) == ["bank", "scope", "perimeter", "rationale"]
    assert set(segments["perimeter"]) <= {"retail", "broad"}
    assert segments["rationale"].str.len().gt(20).all()
    assert not segments["bank"].duplicated().any()


def test_the_panel_notebook_reruns_when_a_bank_figure_changes():
    from analysis.notebooks import declared_parameters
    from analysis.pipeline import REPO_ROOT, notebook_extra_inputs

    notebook = REPO_ROOT / "notebooks" / "11_bank_panel.ipynb"
    assert declared_parameters(notebook)["panel_dir"] == "data/bank_panel"
    inputs = notebook_extra_inputs("11_bank_panel")
    assert "data/bank_panel/panel.csv" in inputs
    assert "data/bank_panel/retail_segments.csv" in inputs
    assert not any(path.startswith("tests/reference") for path in inputs)


def test_comparison_ratios_one_value_per_bank_year(committed):
    from analysis.panel import comparable_years, comparison_ratios

    ratios = comparison_ratios(committed)
    assert not ratios.duplicated(["bank", "year", "indicator"]).any()
    assert (ratios["currency"] == "").all() and (ratios["unit"] == "percent").all()
    for year in comparable_years(ratios, indicator="roe"):
        counts = ratios[(ratios["indicator"] == "roe") & (ratios["year"] == year)]
        assert counts.groupby("group")["bank"].nunique().min() >= 2
