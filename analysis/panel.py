"""The bank panel: public figures of domestic and foreign banks, each with its source.

``data/bank_panel/panel.csv`` is a tidy long table, one row per bank, year, indicator (and
scope/basis where a bank reports several), with the figure as printed, the page it comes from
and a verbatim excerpt that contains it. ``data/bank_panel/indicators.csv`` is the vocabulary
of indicators with their unit, kind and a plausible range. This module

- loads the panel and checks every row (:func:`load_panel`, :func:`panel_problems`): a source
  URL and excerpt on every row, the figure as printed inside its excerpt, the value equal to
  the printed figure (up to the unit's scale), units, currencies, tiers, ranges, duplicates;
- checks figures against each other (:func:`roa_check`, :func:`non_interest_check`,
  :func:`retail_share_check`): reported ratios against the ones implied by the reported
  amounts, at stated tolerances;
- counts what the panel covers (:func:`coverage`) and writes its Frictionless
  ``datapackage.json`` (:func:`panel_descriptor`).

Nothing here fills a gap: a figure that could not be sourced is absent from the table, and the
panel's README lists it with the reason.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

#: The panel, its indicator vocabulary and its descriptor, relative to the repository root.
PANEL_DIR = Path("data/bank_panel")
PANEL_PATH = PANEL_DIR / "panel.csv"
INDICATORS_PATH = PANEL_DIR / "indicators.csv"

#: Columns of the panel, in order.
PANEL_COLUMNS = (
    "bank",
    "country",
    "group",
    "year",
    "indicator",
    "value",
    "unit",
    "currency",
    "basis",
    "scope",
    "restated",
    "value_as_printed",
    "source_url",
    "source_excerpt",
    "source_tier",
    "accessed",
    "note",
)
#: What each column holds (the data dictionary; also the descriptor's field descriptions).
COLUMN_DESCRIPTIONS = {
    "bank": "Bank name (group level unless scope says otherwise)",
    "country": "ISO 3166-1 alpha-2 code of the bank's home country",
    "group": "domestic (Chinese banks), foreign, or aggregate (a cross-bank benchmark figure)",
    "year": "Fiscal year the figure refers to (calendar year for every bank in the panel)",
    "indicator": "Indicator code, from data/bank_panel/indicators.csv",
    "value": "The figure in the unit of the unit column (plain decimal)",
    "unit": "million, percent, count or products_per_household (from indicators.csv)",
    "currency": "ISO 4217 code for money amounts; empty for ratios and counts",
    "basis": "Accounting basis (PRC GAAP, IFRS, HKFRS, US GAAP, SFRS(I)) or the ratio's definition",
    "scope": "Reporting entity or segment (group, bank, a named segment)",
    "restated": "yes: a restated comparative; no: as first published; empty: not known",
    "value_as_printed": "The figure exactly as the source prints it",
    "source_url": "The page or document the figure was read from",
    "source_excerpt": "A verbatim excerpt of the source containing value_as_printed",
    "source_tier": "primary, primary-mirror, press or aggregator",
    "accessed": "Date the source was read (ISO 8601)",
    "note": "What a reader must know: definitions, reported vs adjusted, restatements",
}
GROUPS = ("domestic", "foreign", "aggregate")
TIERS = ("primary", "primary-mirror", "press", "aggregator")
RESTATED = ("yes", "no", "")
UNITS = ("million", "percent", "count", "products_per_household")
#: Scale factors by which a value may differ from the number printed (thousand, million,
#: billion, trillion; 亿 = 100 million; 万 = 10 thousand; a percent printed as a fraction).
PRINT_SCALES = (1, 1e3, 1e-3, 1e6, 1e-6, 1e2, 1e-2, 1e4, 1e-4)

_NUMBER = re.compile(r"[-−–]?(?:\d{1,3}(?:[ ,]\d{3})+|\d+)(?:\.\d+)?")
_SPACES = re.compile(r"\s+")


class PanelError(ValueError):
    """The panel file breaks a rule; the message lists every row that does, with the fix."""


def _normalized(text: str) -> str:
    """Text compared for inclusion: NFKC-like simplifications, one space, no thin spaces."""
    text = str(text).replace("\u2212", "-").replace("\u2013", "-").replace("\u00a0", " ")
    text = text.replace("\u2009", " ").replace("\u202f", " ").replace("\uff0c", ",")
    return _SPACES.sub(" ", text).strip()


def printed_number(value_as_printed: str) -> float | None:
    """The first number in a printed figure, without separators and signs of currency.

    Examples
    --------
    >>> printed_number("205,570"), printed_number("10.80%"), printed_number("$3,875,393")
    (205570.0, 10.8, 3875393.0)
    >>> printed_number("(1,234)") is None, printed_number("−2.5"), printed_number("2 164 713")
    (False, -2.5, 2164713.0)
    """
    match = _NUMBER.search(_normalized(value_as_printed))
    if match is None:
        return None
    text = match.group(0).replace(",", "").replace(" ", "").replace("−", "-").replace("–", "-")
    return float(text)


def _matches_printed(value: float, printed: float) -> bool:
    """Whether ``value`` is the printed number at one of :data:`PRINT_SCALES`."""
    return any(
        math.isclose(value, printed * scale, rel_tol=1e-9, abs_tol=1e-12) for scale in PRINT_SCALES
    )


def read_indicators(path: str | Path = INDICATORS_PATH) -> pd.DataFrame:
    """The indicator vocabulary: ``indicator, unit, kind, minimum, maximum, description``."""
    return pd.read_csv(path, dtype={"indicator": str, "unit": str, "kind": str})


def read_panel(path: str | Path = PANEL_PATH) -> pd.DataFrame:
    """The panel as stored, every column as text except ``year`` and ``value``; not checked.

    Raises
    ------
    PanelError
        If the file lacks columns of :data:`PANEL_COLUMNS` or has others.
    """
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [column for column in PANEL_COLUMNS if column not in frame.columns]
    extra = [column for column in frame.columns if column not in PANEL_COLUMNS]
    if missing or extra:
        raise PanelError(
            f"{path}: the columns must be {list(PANEL_COLUMNS)}. Missing {missing}, unexpected "
            f"{extra}: rename or add the columns (see data/bank_panel/README.md)."
        )
    frame = frame[list(PANEL_COLUMNS)]
    frame["year"] = pd.to_numeric(frame["year"], errors="coerce").astype("Int64")
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    return frame


def _row_problems(row: pd.Series, indicators: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(column, problem, fix) for one row."""
    problems = []
    if not str(row["source_url"]).startswith(("http://", "https://")):
        problems.append(("source_url", "no source URL", "give the page the figure was read from"))
    excerpt = _normalized(row["source_excerpt"])
    printed = _normalized(row["value_as_printed"])
    if not excerpt:
        problems.append(("source_excerpt", "no excerpt", "quote the source around the figure"))
    elif not printed or printed not in excerpt:
        problems.append(
            (
                "value_as_printed",
                f"{row['value_as_printed']!r} does not occur in the excerpt",
                "copy the figure exactly as the excerpt prints it, or quote more of the source",
            )
        )
    number = printed_number(row["value_as_printed"]) if printed else None
    if pd.isna(row["value"]):
        problems.append(("value", "not a number", "write the figure as a plain decimal"))
    elif number is not None and not _matches_printed(float(row["value"]), number):
        problems.append(
            (
                "value",
                f"{row['value']} is not the printed {row['value_as_printed']!r} at any scale "
                f"{list(PRINT_SCALES)}",
                "convert the printed figure to the unit of the row, or correct it",
            )
        )
    if row["indicator"] not in indicators.index:
        problems.append(
            ("indicator", f"unknown indicator {row['indicator']!r}", "use a code of indicators.csv")
        )
        return problems
    spec = indicators.loc[row["indicator"]]
    if row["unit"] != spec["unit"]:
        problems.append(
            (
                "unit",
                f"{row['unit']!r}, expected {spec['unit']!r}",
                "convert to the indicator's unit",
            )
        )
    money = spec["kind"] == "money"
    if money and not re.fullmatch(r"[A-Z]{3}", row["currency"]):
        problems.append(("currency", "a money amount needs an ISO 4217 code", "e.g. CNY, USD"))
    if not money and row["currency"]:
        problems.append(("currency", "a ratio or count has no currency", "leave it empty"))
    if not pd.isna(row["value"]) and not spec["minimum"] <= row["value"] <= spec["maximum"]:
        problems.append(
            (
                "value",
                f"{row['value']} outside the plausible range [{spec['minimum']}, "
                f"{spec['maximum']}] of {row['indicator']}",
                "check the unit and the figure",
            )
        )
    for column, allowed in (("group", GROUPS), ("source_tier", TIERS), ("restated", RESTATED)):
        if row[column] not in allowed:
            problems.append((column, f"{row[column]!r} not in {list(allowed)}", "use one of them"))
    if pd.isna(row["year"]) or not 1990 <= int(row["year"]) <= 2030:
        problems.append(("year", f"{row['year']!r} is not a year", "write the fiscal year"))
    return problems


def _frame_problems(panel: pd.DataFrame) -> list[tuple[int, str, str, str]]:
    """(index, column, problem, fix) for rules across rows."""
    problems = []
    key = ["bank", "year", "indicator", "scope", "basis", "restated"]
    for index in panel.index[panel.duplicated(key, keep="first")]:
        problems.append(
            (
                index,
                "indicator",
                "a second row for the same bank, year, indicator, scope, basis",
                "keep one, or tell them apart in scope/basis/restated",
            )
        )
    money = panel[panel["currency"] != ""]
    for bank, currencies in money.groupby("bank")["currency"].unique().items():
        if len(currencies) > 1:
            index = money.index[money["bank"] == bank][0]
            problems.append(
                (
                    index,
                    "currency",
                    f"{bank} has amounts in {sorted(currencies)}",
                    "report each bank in its reporting currency",
                )
            )
    for bank, groups in panel.groupby("bank")["group"].unique().items():
        if len(groups) > 1:
            index = panel.index[panel["bank"] == bank][0]
            problems.append(
                (index, "group", f"{bank} is in groups {sorted(groups)}", "one group per bank")
            )
    aggregator = panel[panel["source_tier"] == "aggregator"]
    confirmed = (
        panel[panel["source_tier"] != "aggregator"].set_index(["bank", "year", "indicator"]).index
    )
    for index, row in aggregator.iterrows():
        if (row["bank"], row["year"], row["indicator"]) not in confirmed:
            problems.append(
                (
                    index,
                    "source_tier",
                    "an aggregator figure without a second, primary source",
                    "add the primary source, or drop the row",
                )
            )
    return problems


def panel_problems(
    panel: pd.DataFrame, indicators: pd.DataFrame, *, path: str | Path = PANEL_PATH
) -> pd.DataFrame:
    """Every rule a panel row breaks, with its line in the file and the fix.

    Rules: a source URL (http/https) and a verbatim excerpt on every row; ``value_as_printed``
    occurs in the excerpt (after whitespace and dash normalization: the table-cell form counts);
    ``value`` equals the printed number at a scale of :data:`PRINT_SCALES`; the indicator is in
    the vocabulary, with its unit; money in an ISO 4217 currency, ratios and counts without
    one; the value within the indicator's plausible range; group, tier and restated from their
    vocabularies; one row per bank, year, indicator, scope, basis and restated; one currency
    and one group per bank; an aggregator figure only beside a non-aggregator one.

    Parameters
    ----------
    panel : DataFrame
        :func:`read_panel`.
    indicators : DataFrame
        :func:`read_indicators`.
    path : str or Path
        The file, named in the messages.

    Returns
    -------
    DataFrame
        Columns ``file, line, bank, year, indicator, column, problem, fix``; empty when the
        panel keeps every rule. ``line`` is the line in the CSV (the header is line 1).
    """
    vocabulary = indicators.set_index("indicator")
    rows = [
        (index, column, problem, fix)
        for index, row in panel.iterrows()
        for column, problem, fix in _row_problems(row, vocabulary)
    ]
    rows += _frame_problems(panel)
    records = [
        {
            "file": str(path),
            "line": int(panel.index.get_loc(index)) + 2,
            "bank": panel.loc[index, "bank"],
            "year": panel.loc[index, "year"],
            "indicator": panel.loc[index, "indicator"],
            "column": column,
            "problem": problem,
            "fix": fix,
        }
        for index, column, problem, fix in rows
    ]
    columns = ["file", "line", "bank", "year", "indicator", "column", "problem", "fix"]
    return pd.DataFrame(records, columns=columns).sort_values("line", kind="stable")


def load_panel(
    path: str | Path = PANEL_PATH, *, indicators_path: str | Path = INDICATORS_PATH
) -> pd.DataFrame:
    """The bank panel, checked (:func:`panel_problems`); the file itself is never modified.

    Raises
    ------
    PanelError
        Listing (up to 20 of) the rows that break a rule: file, line, bank, year, indicator,
        column, what is wrong and the fix.
    """
    panel = read_panel(path)
    problems = panel_problems(panel, read_indicators(indicators_path), path=path)
    if len(problems):
        listed = "\n".join(
            f"  {p.file}, line {p.line} ({p.bank}, {p.year}, {p.indicator}): column {p.column}: "
            f"{p.problem}. Fix: {p.fix}."
            for p in problems.head(20).itertuples()
        )
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise PanelError(f"The bank panel breaks {len(problems)} rule(s):\n{listed}{more}")
    return panel


# --------------------------------------------------------------------------------------------
# Consistency between figures


def _amounts(panel: pd.DataFrame, indicator: str) -> pd.Series:
    """Group-scope, non-restated amounts of one indicator by (bank, year) (first if several)."""
    rows = panel[(panel["indicator"] == indicator) & (panel["restated"] != "yes")]
    return rows.groupby(["bank", "year"])["value"].first()


def roa_check(panel: pd.DataFrame, *, tolerance: float = 0.15) -> pd.DataFrame:
    r"""Reported ROA against net profit over average total assets, where the panel has all three.

    .. math:: \mathrm{ROA}^{implied}_t = 100 \cdot \frac{NP_t}{(A_t + A_{t-1})/2}

    with the year-end assets :math:`A_t` alone when :math:`A_{t-1}` is not in the panel (then
    ``average`` is False). Net profit including minority interests is used, else attributable
    profit. Banks average over daily or monthly balances and some annualise differently, so
    agreement is within ``tolerance`` percentage points (default 0.15).

    Returns
    -------
    DataFrame
        ``bank, year, reported, implied, difference, average, within_tolerance, tolerance``.
    """
    roa = _amounts(panel, "roa")
    profit = _amounts(panel, "net_profit").combine_first(_amounts(panel, "net_profit_attributable"))
    assets = _amounts(panel, "total_assets")
    records = []
    for (bank, year), reported in roa.items():
        if (bank, year) not in profit.index or (bank, year) not in assets.index:
            continue
        previous = assets.get((bank, year - 1), np.nan)
        average = not np.isnan(previous)
        base = (assets[(bank, year)] + previous) / 2 if average else assets[(bank, year)]
        implied = 100 * profit[(bank, year)] / base
        records.append(
            {
                "bank": bank,
                "year": int(year),
                "reported": reported,
                "implied": implied,
                "difference": reported - implied,
                "average": average,
                "within_tolerance": abs(reported - implied) <= tolerance,
                "tolerance": tolerance,
            }
        )
    columns = ["bank", "year", "reported", "implied", "difference", "average"]
    return pd.DataFrame(records, columns=[*columns, "within_tolerance", "tolerance"])


def _share_check(
    panel: pd.DataFrame,
    *,
    share: str,
    part: str,
    whole: str,
    complement: bool,
    tolerance: float,
) -> pd.DataFrame:
    reported = _amounts(panel, share)
    parts, wholes = _amounts(panel, part), _amounts(panel, whole)
    records = []
    for key, value in reported.items():
        if key not in parts.index or key not in wholes.index:
            continue
        implied = 100 * parts[key] / wholes[key]
        implied = 100 - implied if complement else implied
        records.append(
            {
                "bank": key[0],
                "year": int(key[1]),
                "reported": value,
                "implied": implied,
                "difference": value - implied,
                "within_tolerance": abs(value - implied) <= tolerance,
                "tolerance": tolerance,
            }
        )
    columns = ["bank", "year", "reported", "implied", "difference", "within_tolerance"]
    return pd.DataFrame(records, columns=[*columns, "tolerance"])


def non_interest_check(panel: pd.DataFrame, *, tolerance: float = 1.0) -> pd.DataFrame:
    r"""Reported non-interest income share against :math:`100 (1 - NII / \text{operating income})`.

    Within ``tolerance`` percentage points (default 1: some banks net items differently).
    Columns as :func:`roa_check` without ``average``.
    """
    return _share_check(
        panel,
        share="non_interest_income_share",
        part="net_interest_income",
        whole="operating_income",
        complement=True,
        tolerance=tolerance,
    )


def retail_share_check(panel: pd.DataFrame, *, tolerance: float = 1.0) -> pd.DataFrame:
    r"""Reported retail revenue share against retail segment revenue over operating income.

    Within ``tolerance`` percentage points (default 1: segment totals may exclude
    eliminations). Columns as :func:`non_interest_check`.
    """
    return _share_check(
        panel,
        share="retail_revenue_share",
        part="retail_segment_revenue",
        whole="operating_income",
        complement=False,
        tolerance=tolerance,
    )


# --------------------------------------------------------------------------------------------
# Coverage and the descriptor


def coverage(panel: pd.DataFrame, *, by: Sequence[str] = ("indicator",)) -> pd.DataFrame:
    """Figures in the panel by the given columns (and by source tier), with a total.

    Examples
    --------
    >>> panel = pd.DataFrame({"indicator": ["roe", "roe", "roa"],
    ...                       "source_tier": ["primary", "press", "primary"]})
    >>> coverage(panel)
      indicator  primary  press  total
    0       roa        1      0      1
    1       roe        1      1      2
    """
    table = pd.crosstab([panel[column] for column in by], panel["source_tier"])
    table = table.reindex(columns=[tier for tier in TIERS if tier in table.columns])
    table.columns.name = None
    table["total"] = table.sum(axis=1)
    return table.reset_index()


def panel_descriptor(path: str | Path = PANEL_PATH) -> dict:
    """The Frictionless data package descriptor of the panel (schema, hash, licence, sources)."""
    path = Path(path)
    data = path.read_bytes()
    fields = []
    for column in PANEL_COLUMNS:
        field = {"name": column, "description": COLUMN_DESCRIPTIONS[column]}
        field["type"] = {"year": "integer", "value": "number"}.get(column, "string")
        constraints = {
            "group": {"enum": list(GROUPS)},
            "source_tier": {"enum": list(TIERS)},
            "restated": {"enum": list(RESTATED)},
            "unit": {"enum": list(UNITS)},
        }.get(column, {})
        if column in {"bank", "year", "indicator", "value", "source_url", "source_excerpt"}:
            constraints = {**constraints, "required": True}
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    return {
        "name": "bank-panel",
        "title": "Public figures of domestic and foreign banks, each with its source",
        "description": (
            "Figures from the banks' annual reports, results announcements, investor-relations "
            "pages and SEC filings, one row per bank, year and indicator, with the figure as "
            "printed, the source URL and a verbatim excerpt. Gaps are deliberate: a figure that "
            "could not be sourced is absent (see README.md)."
        ),
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
                "title": "Creative Commons Attribution 4.0 (the compilation; the figures are "
                "facts published by the banks)",
            }
        ],
        "resources": [
            {
                "name": "panel",
                "path": path.name,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "hash": f"sha256:{hashlib.sha256(data).hexdigest()}",
                "bytes": len(data),
                "schema": {"fields": fields},
            },
            {"name": "indicators", "path": "indicators.csv", "format": "csv"},
        ],
    }


def write_descriptor(path: str | Path = PANEL_PATH) -> Path:
    """Write ``datapackage.json`` beside the panel (after checking the panel)."""
    load_panel(path)
    out = Path(path).with_name("datapackage.json")
    out.write_text(json.dumps(panel_descriptor(path), indent=2, ensure_ascii=False) + "\n")
    return out


if __name__ == "__main__":  # python -m analysis.panel: check the panel, refresh its descriptor
    print(write_descriptor())


#: Which segment of each bank counts as its retail business, with the reason.
RETAIL_SEGMENTS_PATH = PANEL_DIR / "retail_segments.csv"


def retail_revenue_shares(
    panel: pd.DataFrame, *, segments_path: str | Path = RETAIL_SEGMENTS_PATH
) -> pd.DataFrame:
    r"""Retail share of operating income per bank and year: printed where the bank prints it,
    otherwise derived from the retail segment's revenue over the group's operating income.

    .. math:: \text{share} = 100 \cdot \frac{\text{retail segment revenue}}{\text{operating income}}

    The retail segment of each bank is the one whose scope starts with the name given in
    ``retail_segments.csv`` (with the reason); segment and group figures of the same year, as
    first published. The file's ``perimeter`` says whether the segment is a retail-banking
    business (``retail``) or a much wider division (``broad``, e.g. BNP Paribas's Retail Banking
    & Services with insurance and asset management): broad shares are shown, not compared
    (:func:`comparison_ratios`). A printed share takes its bank's perimeter. A derived share
    mixes bases where a bank reports its segments on a managed or fully-taxable-equivalent basis
    (JPMorgan, Bank of America): a difference of a percentage point or less.

    Returns
    -------
    DataFrame
        ``bank, group, year, estimate, source`` (``printed`` or ``derived``), ``scope``,
        ``perimeter``.
    """
    table = pd.read_csv(segments_path, dtype=str).set_index("bank")
    segments, perimeters = table["scope"], table["perimeter"]
    first = panel[panel["restated"] != "yes"]
    printed = first[first["indicator"] == "retail_revenue_share"]
    records = {
        (row.bank, int(row.year)): {
            "bank": row.bank,
            "group": row.group,
            "year": int(row.year),
            "estimate": float(row.value),
            "source": "printed",
            "scope": row.scope,
            "perimeter": perimeters.get(row.bank, "retail"),
        }
        for row in printed.itertuples()
    }
    income = _amounts(first, "operating_income")
    parts = first[first["indicator"] == "retail_segment_revenue"]
    for row in parts.itertuples():
        key = (row.bank, int(row.year))
        named = segments.get(row.bank)
        if key in records or named is None or not str(row.scope).startswith(named):
            continue
        if key not in income.index:
            continue
        records[key] = {
            "bank": row.bank,
            "group": row.group,
            "year": int(row.year),
            "estimate": 100 * float(row.value) / income[key],
            "source": "derived",
            "scope": row.scope,
            "perimeter": perimeters[row.bank],
        }
    columns = ["bank", "group", "year", "estimate", "source", "scope", "perimeter"]
    table = pd.DataFrame(list(records.values()), columns=columns)
    return table.sort_values(["group", "bank", "year"], kind="stable").reset_index(drop=True)


def broad_retail_sentence(
    shares: pd.DataFrame, *, segments_path: str | Path = RETAIL_SEGMENTS_PATH
) -> str:
    """One sentence on the banks whose retail figure covers a broad division (for the paper).

    Parameters
    ----------
    shares : DataFrame
        :func:`retail_revenue_shares`; each bank's latest broad-perimeter share is named.

    Examples
    --------
    >>> shares = pd.DataFrame({"bank": ["Bank A"], "year": [2019], "estimate": [72.7],
    ...                        "perimeter": ["broad"]})
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "segments.csv"
    >>> _ = path.write_text("bank,scope,perimeter,rationale\\nBank A,Retail & Services,broad,x\\n")
    >>> print(broad_retail_sentence(shares, segments_path=path))  # doctest: +NORMALIZE_WHITESPACE
    Bank A's Retail & Services (73% of operating income in 2019) is a whole division rather
    than a retail-banking segment, so it is shown in the data but left out of these comparisons.
    """
    scopes = pd.read_csv(segments_path, dtype=str).set_index("bank")["scope"]
    broad = shares[shares["perimeter"] == "broad"].sort_values("year").groupby("bank").tail(1)
    if broad.empty:
        return "No bank's retail figure covers a division wider than retail banking."
    parts = [
        f"{row.bank}'s {scopes[row.bank]} ({row.estimate:.0f}% of operating income in {row.year})"
        for row in broad.itertuples()
    ]
    verb = "is a whole division" if len(parts) == 1 else "are whole divisions"
    noun = "a retail-banking segment" if len(parts) == 1 else "retail-banking segments"
    pronoun = "it is" if len(parts) == 1 else "they are"
    return (
        f"{' and '.join(parts)} {verb} rather than {noun}, so {pronoun} shown in the data but "
        "left out of these comparisons."
    )


#: The indicators every bank should have for every panel year (the issue's core set).
CORE_INDICATORS = (
    "total_assets",
    "operating_income",
    "net_profit_attributable",
    "roe",
    "roa",
    "cost_income_ratio",
)
#: The panel years.
PANEL_YEARS = (2019, 2021, 2023)


#: Scopes of figures for the whole bank (its group, or the bank alone where it prints only that);
#: a segment's ratio (e.g. Barclays UK's cost-to-income ratio) does not stand for the bank's.
WHOLE_BANK_SCOPES = ("group", "bank")


def whole_bank(panel: pd.DataFrame) -> pd.Series:
    """Which rows are figures of the whole bank, not of one of its segments."""
    return panel["scope"].fillna("").str.startswith(WHOLE_BANK_SCOPES)


def core_gaps(
    panel: pd.DataFrame,
    *,
    indicators: Sequence[str] = CORE_INDICATORS,
    years: Sequence[int] = PANEL_YEARS,
) -> pd.DataFrame:
    """The bank-year-indicator cells of the core set that the panel does not hold.

    A cell counts as held by any whole-bank row (:func:`whole_bank`) of the indicator for the
    bank and year (net profit including minorities stands in for attributable profit). Banks are
    those of the domestic and foreign groups.

    Returns
    -------
    DataFrame
        ``bank, group, year, indicator`` of every missing cell.
    """
    bank_wide = panel[whole_bank(panel)]
    held = set(
        zip(bank_wide["bank"], bank_wide["year"].astype(int), bank_wide["indicator"], strict=True)
    )
    banks = panel[panel["group"].isin(["domestic", "foreign"])].drop_duplicates("bank")
    records = [
        {"bank": bank, "group": group, "year": year, "indicator": indicator}
        for bank, group in zip(banks["bank"], banks["group"], strict=True)
        for year in years
        for indicator in indicators
        if (bank, year, indicator) not in held
        and not (indicator == "net_profit_attributable" and (bank, year, "net_profit") in held)
    ]
    return pd.DataFrame(records, columns=["bank", "group", "year", "indicator"])


#: The currency-neutral ratios compared between the groups in Chapter 4.
COMPARED_RATIOS = ("roe", "roa", "cost_income_ratio", "npl_ratio", "retail_revenue_share")


def comparison_ratios(
    panel: pd.DataFrame,
    *,
    indicators: Sequence[str] = COMPARED_RATIOS,
    segments_path: str | Path = RETAIL_SEGMENTS_PATH,
) -> pd.DataFrame:
    """One value per bank, year and ratio, ready for :mod:`analysis.panel_stats`.

    Whole-bank figures (:func:`whole_bank`; a segment's ratio does not stand for the bank's) as
    first published (restated comparatives left out); where a bank has several rows
    of a ratio in a year (two sources, two bases), the one of the highest tier (primary first),
    then the first in the file. The retail revenue share is the printed one, else the one
    derived from the retail segment (:func:`retail_revenue_shares`); ``source`` says which.
    Retail shares of a broad perimeter are left out, as are aggregate (cross-bank) rows.

    Returns
    -------
    DataFrame
        ``bank, group, year, indicator, value, unit, currency, source``.
    """
    rows = panel[
        panel["indicator"].isin([i for i in indicators if i != "retail_revenue_share"])
        & (panel["restated"] != "yes")
        & panel["group"].isin(["domestic", "foreign"])
        & whole_bank(panel)
    ].copy()
    rows["_tier"] = rows["source_tier"].map({tier: i for i, tier in enumerate(TIERS)})
    rows = rows.sort_values("_tier", kind="stable").drop_duplicates(
        ["bank", "year", "indicator"], keep="first"
    )
    rows = rows.assign(source="printed", currency="")[
        ["bank", "group", "year", "indicator", "value", "unit", "currency", "source"]
    ]
    if "retail_revenue_share" in indicators:
        shares = retail_revenue_shares(panel, segments_path=segments_path)
        shares = shares[
            shares["group"].isin(["domestic", "foreign"]) & shares["perimeter"].eq("retail")
        ]
        rows = pd.concat(
            [
                rows,
                shares.rename(columns={"estimate": "value"}).assign(
                    indicator="retail_revenue_share", unit="percent", currency=""
                )[list(rows.columns)],
            ],
            ignore_index=True,
        )
    rows["year"] = rows["year"].astype(int)
    return rows.sort_values(["indicator", "group", "bank", "year"], kind="stable").reset_index(
        drop=True
    )


def comparable_years(
    ratios: pd.DataFrame, *, indicator: str, years: Sequence[int] = PANEL_YEARS, min_banks: int = 2
) -> list[int]:
    """The years in which both groups have at least ``min_banks`` banks with the indicator."""
    rows = ratios[ratios["indicator"] == indicator]
    counts = rows.pivot_table(
        index="year", columns="group", values="bank", aggfunc="nunique", fill_value=0
    )
    return [
        int(year)
        for year in years
        if year in counts.index
        and all(counts.loc[year].get(group, 0) >= min_banks for group in ("domestic", "foreign"))
    ]
