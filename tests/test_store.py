"""Tests of the results store: layout, staging, formats, determinism, merging and messages."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib import pyplot as plt

from analysis.files import write_json
from analysis.provenance import file_sha256
from analysis.store import ResultsStore, collect, load_values

SOURCE = "01_sample_profile"
PROFILE = pd.DataFrame(
    {
        "bank": ["CITIC 中信", "HSBC | 汇丰"],
        "n": [250, 150],
        "share": [0.625, 1 / 3],
    }
)


def _figure() -> plt.Figure:
    figure, axes = plt.subplots(figsize=(3, 2))
    axes.plot([1, 2, 3], [0.2, 0.9, 0.4], label="trust")
    axes.set_title("Loadings")
    axes.legend()
    return figure


def _fill(root: Path) -> ResultsStore:
    store = ResultsStore(root, source=SOURCE)
    store.add_value("sample_n", np.int64(400), description="Usable responses")
    store.add_value("share_citic", 0.625, fmt=".1%")
    store.add_value("p_trust", 0.00002, text="p < .001")
    store.add_table("bank_shares", PROFILE, caption="Respondents by bank")
    store.add_figure("trust_profile", _figure(), caption="Trust by item")
    return store


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


# Layout, staging and the fragment


def test_save_moves_staged_files_and_writes_the_fragment(tmp_path):
    store = _fill(tmp_path)
    staged = tmp_path / ".staging" / SOURCE
    assert not (tmp_path / "tables").exists()
    assert not (tmp_path / "figures").exists()
    assert (staged / "tables" / "bank_shares.csv").is_file()

    fragment_path = store.save()

    assert fragment_path == tmp_path / "fragments" / f"{SOURCE}.json"
    assert not staged.exists()
    assert sorted(_files(tmp_path)) == [
        "figures/trust_profile.json",
        "figures/trust_profile.png",
        "figures/trust_profile.svg",
        f"fragments/{SOURCE}.json",
        "tables/bank_shares.csv",
        "tables/bank_shares.md",
    ]


def test_fragment_records_values_captions_paths_and_hashes(tmp_path):
    fragment = json.loads(_fill(tmp_path).save().read_text(encoding="utf-8"))

    assert fragment["source"] == SOURCE
    assert fragment["values"] == {
        "p_trust": {"value": 2e-05, "text": "p < .001", "description": ""},
        "sample_n": {"value": 400, "text": "400", "description": "Usable responses"},
        "share_citic": {"value": 0.625, "text": "62.5%", "description": ""},
    }
    table = fragment["tables"]["bank_shares"]
    figure = fragment["figures"]["trust_profile"]
    assert table["caption"] == "Respondents by bank"
    assert figure["caption"] == "Trust by item"
    for entry, suffixes in ((table, ("csv", "md")), (figure, ("png", "svg"))):
        for suffix in suffixes:
            assert entry["sha256"][suffix] == file_sha256(tmp_path / entry[suffix])


def test_fragment_json_is_sorted_indented_utf8_with_trailing_newline(tmp_path):
    text = _fill(tmp_path).save().read_text(encoding="utf-8")
    data = json.loads(text)
    expected = json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert text == expected


def test_new_store_discards_what_an_unfinished_run_staged(tmp_path):
    _fill(tmp_path)  # never saved, like a notebook that failed half way
    ResultsStore(tmp_path, source=SOURCE)
    assert not (tmp_path / ".staging" / SOURCE).exists()


def test_new_store_leaves_other_sources_staging_alone(tmp_path):
    other = ResultsStore(tmp_path, source="02_reliability")
    other.add_table("alphas", PROFILE, caption="Alphas")
    ResultsStore(tmp_path, source=SOURCE)
    assert (tmp_path / ".staging" / "02_reliability" / "tables" / "alphas.csv").is_file()


def test_save_twice_and_save_after_more_additions(tmp_path):
    store = _fill(tmp_path)
    first = store.save().read_bytes()
    assert store.save().read_bytes() == first
    store.add_value("sample_n_citic", 250)
    store.add_table("bank_shares_again", PROFILE, caption="Again")
    fragment = json.loads(store.save().read_text(encoding="utf-8"))
    assert set(fragment["values"]) == {"p_trust", "sample_n", "sample_n_citic", "share_citic"}
    assert set(fragment["tables"]) == {"bank_shares", "bank_shares_again"}
    assert (tmp_path / "tables" / "bank_shares_again.md").is_file()


def test_no_temporary_files_are_left_behind(tmp_path):
    _fill(tmp_path).save()
    collect(tmp_path)
    assert not [name for name in _files(tmp_path) if name.endswith(".tmp")]


# Determinism


def test_identical_calls_give_byte_identical_files(tmp_path):
    roots = [tmp_path / "a", tmp_path / "b"]
    for root in roots:
        _fill(root).save()
        collect(root)
    first, second = (_files(root) for root in roots)
    assert sorted(first) == sorted(second)
    assert {"values.json", "index.json", "figures/trust_profile.png"} <= set(first)
    for name in first:
        assert first[name] == second[name], name


def test_figures_carry_no_date_or_version_stamp(tmp_path):
    store = ResultsStore(tmp_path, source=SOURCE)
    store.add_figure("trust_profile", _figure(), caption="Trust")
    store.save()
    png = (tmp_path / "figures" / "trust_profile.png").read_bytes()
    svg = (tmp_path / "figures" / "trust_profile.svg").read_text(encoding="utf-8")
    assert png.startswith(b"\x89PNG")
    assert b"Matplotlib" not in png
    assert "<dc:date>" not in svg
    assert matplotlib.__version__ not in svg


def test_add_figure_restores_rcparams_and_closes_the_figure(tmp_path):
    salt = matplotlib.rcParams["svg.hashsalt"]
    figure = _figure()
    ResultsStore(tmp_path, source=SOURCE).add_figure("trust", figure, caption="Trust")
    assert matplotlib.rcParams["svg.hashsalt"] == salt
    assert not plt.fignum_exists(figure.number)


def test_png_is_saved_at_200_dpi(tmp_path):
    store = ResultsStore(tmp_path, source=SOURCE)
    figure = _figure()  # 3 x 2 inches
    store.add_figure("trust", figure, caption="Trust")
    png = (tmp_path / ".staging" / SOURCE / "figures" / "trust.png").read_bytes()
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (600, 400)


# Tables


def test_csv_is_unrounded_utf8_with_newline_endings(tmp_path):
    _fill(tmp_path).save()
    raw = (tmp_path / "tables" / "bank_shares.csv").read_bytes()
    assert b"\r" not in raw
    assert raw.decode("utf-8").splitlines()[2] == "HSBC | 汇丰,150,0.3333333333333333"
    back = pd.read_csv(tmp_path / "tables" / "bank_shares.csv")
    pd.testing.assert_frame_equal(back, PROFILE, check_exact=True, check_dtype=False)


def test_markdown_escapes_pipes_aligns_numbers_and_pads_wide_characters(tmp_path):
    _fill(tmp_path).save()
    markdown = (tmp_path / "tables" / "bank_shares.md").read_text(encoding="utf-8")
    assert markdown == (
        "| bank         |   n | share |\n"
        "|:-------------|----:|------:|\n"
        "| CITIC 中信   | 250 |  0.62 |\n"
        "| HSBC \\| 汇丰 | 150 |  0.33 |\n"
    )


def test_markdown_per_column_formats_missing_cells_and_index(tmp_path):
    frame = pd.DataFrame(
        {"estimate": [0.81234, np.nan], "p_val": [0.0004, 0.2], "n": [400, 398]},
        index=pd.Index(["trust", "line\nbreak"], name="construct"),
    )
    store = ResultsStore(tmp_path, source=SOURCE)
    store.add_table(
        "fit",
        frame,
        caption="Fit",
        float_format=".3f",
        formats={"p_val": lambda p: "< .001" if p < 0.001 else f"{p:.3f}".lstrip("0")},
        na_rep="—",
        index=True,
    )
    store.save()
    markdown = (tmp_path / "tables" / "fit.md").read_text(encoding="utf-8")
    assert markdown.splitlines() == [
        "| construct  | estimate |  p_val |   n |",
        "|:-----------|---------:|-------:|----:|",
        "| trust      |    0.812 | < .001 | 400 |",
        "| line break |        — |   .200 | 398 |",
    ]
    assert (tmp_path / "tables" / "fit.csv").read_text(encoding="utf-8") == (
        'construct,estimate,p_val,n\ntrust,0.81234,0.0004,400\n"line\nbreak",,0.2,398\n'
    )


def test_markdown_of_a_table_without_rows_is_header_and_rule(tmp_path):
    store = ResultsStore(tmp_path, source=SOURCE)
    store.add_table("empty", pd.DataFrame({"a": pd.Series([], dtype=float)}), caption="None")
    store.save()
    markdown = (tmp_path / "tables" / "empty.md").read_text(encoding="utf-8")
    assert markdown == "|   a |\n|----:|\n"


_CELL_TEXT = st.text(
    alphabet=st.characters(exclude_characters="\\", exclude_categories=("Cs",)), max_size=8
)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(_CELL_TEXT, _CELL_TEXT), max_size=5))
def test_markdown_has_one_line_per_row_and_one_cell_per_column(rows):
    frame = pd.DataFrame(rows, columns=["left", "right"], dtype=object)
    with tempfile.TemporaryDirectory() as root:
        store = ResultsStore(root, source=SOURCE)
        store.add_table("cells", frame, caption="Cells")
        path = store.save().parent.parent / "tables" / "cells.md"
        lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""
    assert len(lines[:-1]) == len(rows) + 2
    for line in lines[:-1]:
        assert len(re.split(r"(?<!\\)\|", line)) == 4


@settings(max_examples=40, deadline=None)
@given(
    numbers=st.lists(
        st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=6
    )
)
def test_csv_round_trips_floats_exactly(numbers):
    frame = pd.DataFrame({"estimate": numbers})
    with tempfile.TemporaryDirectory() as root:
        store = ResultsStore(root, source=SOURCE)
        store.add_table("estimates", frame, caption="Estimates")
        store.save()
        back = pd.read_csv(Path(root) / "tables" / "estimates.csv")
    assert back["estimate"].tolist() == numbers


# Values


def test_numpy_values_become_plain_json(tmp_path):
    store = ResultsStore(tmp_path, source=SOURCE)
    store.add_value("loadings", np.array([0.5, 0.75]))
    store.add_value("flag", np.bool_(True))
    store.add_value("nested", {"n": np.int32(3), "ci": (np.float32(0.5), 1.0)})
    fragment = json.loads(store.save().read_text(encoding="utf-8"))
    values = {key: entry["value"] for key, entry in fragment["values"].items()}
    assert values == {"loadings": [0.5, 0.75], "flag": True, "nested": {"n": 3, "ci": [0.5, 1.0]}}
    assert fragment["values"]["loadings"]["text"] == "[0.5, 0.75]"


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
_KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(values=st.dictionaries(_KEYS, _JSON, min_size=1, max_size=5))
def test_values_round_trip_through_save_collect_and_load(values):
    with tempfile.TemporaryDirectory() as root:
        store = ResultsStore(root, source=SOURCE)
        for key, value in values.items():
            store.add_value(key, value, description=f"about {key}")
        store.save()
        collect(root)
        loaded = load_values(root)
    assert list(loaded) == sorted(values)
    for key, value in values.items():
        assert loaded[key] == {
            "value": value,
            "text": str(value),
            "source": SOURCE,
            "description": f"about {key}",
        }


# collect and load_values


def test_collect_merges_fragments_sorted_with_sources(tmp_path):
    _fill(tmp_path).save()
    other = ResultsStore(tmp_path, source="02_reliability")
    other.add_value("alpha_trust", 0.87, fmt=".2f")
    other.add_table("alphas", PROFILE, caption="Cronbach's alpha")
    other.save()

    values_path = collect(tmp_path)

    values = load_values(tmp_path)
    assert values_path == tmp_path / "values.json"
    assert list(values) == ["alpha_trust", "p_trust", "sample_n", "share_citic"]
    assert values["alpha_trust"] == {
        "value": 0.87,
        "text": "0.87",
        "source": "02_reliability",
        "description": "",
    }
    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    assert list(index["tables"]) == ["alphas", "bank_shares"]
    assert index["tables"]["alphas"]["source"] == "02_reliability"
    assert index["tables"]["alphas"]["caption"] == "Cronbach's alpha"
    assert index["figures"]["trust_profile"]["source"] == SOURCE
    assert index["figures"]["trust_profile"]["png"] == "figures/trust_profile.png"


@pytest.mark.parametrize(
    ("kind", "add"),
    [
        ("values", lambda store: store.add_value("sample_n", 1)),
        ("tables", lambda store: store.add_table("bank_shares", PROFILE, caption="Shares")),
        ("figures", lambda store: store.add_figure("trust_profile", _figure(), caption="T")),
    ],
)
def test_collect_refuses_a_name_defined_by_two_notebooks(tmp_path, kind, add):
    _fill(tmp_path).save()
    other = ResultsStore(tmp_path, source="02_reliability")
    add(other)
    other.save()
    message = f"in {kind} is defined by two notebooks, '{SOURCE}' and '02_reliability'"
    with pytest.raises(ValueError, match=re.escape(message)):
        collect(tmp_path)


def test_collect_without_fragments_says_to_run_the_notebooks(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No fragments in .*: run the notebooks first"):
        collect(tmp_path)


def test_collect_names_a_corrupt_fragment(tmp_path):
    (tmp_path / "fragments").mkdir()
    (tmp_path / "fragments" / "03_cfa.json").write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match=r"fragment 03_cfa.json is not valid JSON .* rerun"):
        collect(tmp_path)


def test_collect_names_missing_fragment_keys(tmp_path):
    write_json(tmp_path / "fragments" / "03_cfa.json", {"source": "03_cfa", "values": {}})
    with pytest.raises(ValueError, match=re.escape("lacks the keys ['tables', 'figures']")):
        collect(tmp_path)


def test_load_values_without_values_json_says_to_run_the_pipeline(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"run the pipeline first: python3 reproduce\.py"):
        load_values(tmp_path)


# Messages of add_value, add_table, add_figure and the constructor


@pytest.mark.parametrize("key", ["Sample N", "1st", "_n", "n-1", "", 3])
def test_add_value_refuses_keys_that_are_not_snake_case(tmp_path, key):
    store = ResultsStore(tmp_path, source=SOURCE)
    message = (
        "The 'key' parameter of ResultsStore.add_value must match [a-z][a-z0-9_]* (snake_case). "
        f"Got {key!r}."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        store.add_value(key, 1)


def test_add_value_refuses_a_duplicate_key(tmp_path):
    store = ResultsStore(tmp_path, source=SOURCE)
    store.add_value("sample_n", 1)
    with pytest.raises(ValueError, match=r"'key' .* must be unique .*Got 'sample_n' a second"):
        store.add_value("sample_n", 2)


@pytest.mark.parametrize("value", [float("nan"), np.inf, [1.0, np.float64("-inf")]])
def test_add_value_refuses_non_finite_numbers(tmp_path, value):
    store = ResultsStore(tmp_path, source=SOURCE)
    with pytest.raises(ValueError, match=r"must be finite; use None .* for key 'alpha'"):
        store.add_value("alpha", value)


@pytest.mark.parametrize("value", [{1: 2}, pd.Timestamp("2026-01-01"), {"a": {3}}])
def test_add_value_refuses_non_json_values(tmp_path, value):
    store = ResultsStore(tmp_path, source=SOURCE)
    with pytest.raises(TypeError, match=r"'value' parameter .* must be JSON data.*for key 'x'"):
        store.add_value("x", value)


def test_add_value_refuses_text_and_fmt_together(tmp_path):
    store = ResultsStore(tmp_path, source=SOURCE)
    with pytest.raises(ValueError, match=r"'fmt' .* must be None when 'text' is given\. Got '.2f'"):
        store.add_value("x", 0.5, text="0.50", fmt=".2f")


def test_add_value_refuses_a_format_that_does_not_apply(tmp_path):
    store = ResultsStore(tmp_path, source=SOURCE)
    with pytest.raises(ValueError, match=r"'fmt' .* must be a format spec .* Got '.2f' for value"):
        store.add_value("bank", "CITIC", fmt=".2f")


@pytest.mark.parametrize(
    ("parameter", "kwargs"), [("text", {"text": 5}), ("description", {"description": None})]
)
def test_add_value_refuses_non_string_text_and_description(tmp_path, parameter, kwargs):
    store = ResultsStore(tmp_path, source=SOURCE)
    with pytest.raises(ValueError, match=rf"'{parameter}' parameter .* must be a string\. Got"):
        store.add_value("x", 1, **kwargs)


@pytest.mark.parametrize("source", ["", "../escape", "a/b", None])
def test_constructor_refuses_a_source_that_is_not_a_notebook_stem(tmp_path, source):
    with pytest.raises(ValueError, match=r"'source' parameter of ResultsStore must be a notebook"):
        ResultsStore(tmp_path, source=source)


def test_add_table_refuses_a_bad_name_and_a_duplicate(tmp_path):
    store = ResultsStore(tmp_path, source=SOURCE)
    with pytest.raises(ValueError, match=r"'name' parameter of ResultsStore\.add_table must match"):
        store.add_table("Table 1", PROFILE, caption="Shares")
    store.add_table("bank_shares", PROFILE, caption="Shares")
    with pytest.raises(ValueError, match=r"must be unique .* Got 'bank_shares' a second time"):
        store.add_table("bank_shares", PROFILE, caption="Shares")


@pytest.mark.parametrize("caption", ["", "   ", None])
def test_add_table_refuses_an_empty_caption(tmp_path, caption):
    store = ResultsStore(tmp_path, source=SOURCE)
    with pytest.raises(ValueError, match=r"'caption' .* must be a non-empty string\. Got"):
        store.add_table("bank_shares", PROFILE, caption=caption)


@pytest.mark.parametrize("table", [PROFILE.to_dict(), pd.DataFrame(index=[1, 2])])
def test_add_table_refuses_what_is_not_a_data_frame_with_columns(tmp_path, table):
    store = ResultsStore(tmp_path, source=SOURCE)
    with pytest.raises(TypeError, match=r"'table' .* must be a pandas DataFrame with at least"):
        store.add_table("bank_shares", table, caption="Shares")


def test_add_table_refuses_multilevel_columns(tmp_path):
    table = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")]))
    store = ResultsStore(tmp_path, source=SOURCE)
    with pytest.raises(ValueError, match=r"must have one level of column names\. Got 2 levels"):
        store.add_table("wide", table, caption="Wide")


def test_add_table_refuses_formats_for_unknown_columns(tmp_path):
    store = ResultsStore(tmp_path, source=SOURCE)
    message = "must name columns of the table ['bank', 'n', 'share']. Got unknown columns ['p']"
    with pytest.raises(ValueError, match=re.escape(message)):
        store.add_table("bank_shares", PROFILE, caption="Shares", formats={"p": ".3f"})


def test_add_table_refuses_a_str_format_template_as_float_format(tmp_path):
    store = ResultsStore(tmp_path, source=SOURCE)
    with pytest.raises(ValueError, match=r"'float_format' .* such as '\.2f'.*Got '\{:\.2f\}'"):
        store.add_table("bank_shares", PROFILE, caption="Shares", float_format="{:.2f}")


def test_add_table_names_the_column_a_format_fails_on(tmp_path):
    store = ResultsStore(tmp_path, source=SOURCE)
    with pytest.raises(ValueError, match=r"Column 'bank' holds 'CITIC 中信', which cannot be"):
        store.add_table("bank_shares", PROFILE, caption="Shares", formats={"bank": ".2f"})


def test_add_table_refuses_a_non_string_na_rep(tmp_path):
    store = ResultsStore(tmp_path, source=SOURCE)
    with pytest.raises(ValueError, match=r"'na_rep' .* must be a string\. Got None"):
        store.add_table("bank_shares", PROFILE, caption="Shares", na_rep=None)


def test_add_figure_refuses_what_is_not_a_figure(tmp_path):
    figure = _figure()
    store = ResultsStore(tmp_path, source=SOURCE)
    with pytest.raises(TypeError, match=r"'figure' .* must be a matplotlib\.figure\.Figure\. Got"):
        store.add_figure("trust", figure.axes[0], caption="Trust")
    plt.close(figure)


def test_add_figure_refuses_a_bad_name_and_still_closes_the_figure(tmp_path):
    figure = _figure()
    store = ResultsStore(tmp_path, source=SOURCE)
    with pytest.raises(ValueError, match=r"'name' parameter of ResultsStore\.add_figure must"):
        store.add_figure("Figure 3", figure, caption="Trust")
    assert not plt.fignum_exists(figure.number)


def test_add_figure_refuses_a_duplicate_name(tmp_path):
    store = ResultsStore(tmp_path, source=SOURCE)
    store.add_figure("trust", _figure(), caption="Trust")
    with pytest.raises(ValueError, match=r"must be unique .* Got 'trust' a second time"):
        store.add_figure("trust", _figure(), caption="Trust")
