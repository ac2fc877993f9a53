r"""Exact comparisons of domestic and foreign banks on a small panel of ratios (Chapter 4).

The panel is tidy and long: one row per bank, year and indicator, with the columns
:data:`PANEL_COLUMNS` (``group`` is "domestic" or "foreign"; other columns such as ``country``
or ``source_url`` are ignored). With 6-7 domestic and 8 foreign banks no regression can be
carried, so each comparison uses exact tests and rank statistics with effect sizes:

- :func:`ratio_table`: the ratios as a wide table, bank x (indicator, year);
- :func:`group_summary`: per group and year, the banks with a value, median, IQR, range, mean;
- :func:`compare_groups_exact`: one indicator in one year, domestic vs foreign: difference in
  means with its exact permutation p, the Hodges-Lehmann shift with the Mann-Whitney test and
  the exact interval of R's ``wilcox.test(conf.int = TRUE)``, Cliff's delta with its interval;
- :func:`compare_over_years`: the same for several years, Holm-adjusted across the years;
- :func:`bank_position`: where one bank (China CITIC Bank) stands in its group, the other
  group and the panel;
- :func:`plot_ratio_trends` and :func:`plot_ratio_distributions` present the ratios.

Only currency-neutral ratios are compared (units :data:`RATIO_UNITS`, no currency): money
amounts in CNY, USD, GBP, EUR or SGD are not comparable across banks reporting in different
currencies, and a ratio such as ROA or a share removes both the currency and the bank's size.

Conventions, for every function: differences are domestic - foreign (positive when the domestic
banks have the higher ratio); a bank with no value for the indicator in a year is missing (it
is listed, never imputed); several rows of one bank, year and indicator are accepted when they
carry the same value (e.g. a primary and a mirror source) and rejected when they differ.
"""

from __future__ import annotations

import functools
import itertools
import math
import numbers
import textwrap
import warnings
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy import stats
from statsmodels.stats.multitest import multipletests

from analysis.checks import check_ci, check_generator
from analysis.groups import MIN_GROUP_SIZE, cliffs_delta

#: The two groups compared, in this order (differences are domestic - foreign).
GROUPS = ("domestic", "foreign")
#: Columns a panel must have (other columns are ignored).
PANEL_COLUMNS = ("bank", "group", "year", "indicator", "value", "unit", "currency")
#: Units of the currency-neutral ratios that may be compared across banks.
RATIO_UNITS = ("percent", "ratio", "products_per_household")
#: Fewest banks with a value each group needs in :func:`compare_groups_exact`.
MIN_BANKS = 2
#: Most splits of the banks enumerated for an exact permutation p; beyond, Monte-Carlo.
MAX_EXACT_SPLITS = 200_000
#: Default Monte-Carlo draws when the splits exceed :data:`MAX_EXACT_SPLITS` (SE of p <= .0016).
MONTE_CARLO_RESAMPLES = 100_000
#: Two splits count as equally extreme when their centred sums differ by less than this
#: fraction of the sum of the absolute centred values (floating-point ties).
TIE_TOLERANCE = 1e-9
#: The bank :func:`bank_position` and the figures single out by default.
DEFAULT_BANK = "China CITIC Bank"
#: The estimands of :func:`compare_groups_exact`, one row each, in this order.
ESTIMANDS = ("difference in means", "Hodges-Lehmann shift", "Cliff's delta")

#: Columns of :func:`compare_groups_exact`. ``estimate`` is domestic - foreign (Cliff's delta:
#: P(domestic > foreign) - P(domestic < foreign)); ``ci_level`` the level the interval has
#: (R's ``conf.level``), ``ci_coverage`` the exact coverage of the Hodges-Lehmann interval;
#: ``statistic`` the difference in means or the Mann-Whitney U of the domestic banks;
#: ``banks_*`` the banks used and the banks of the panel without a value ("; "-separated).
COMPARISON_COLUMNS = (
    "indicator",
    "year",
    "estimand",
    "estimate",
    "ci_low",
    "ci_high",
    "ci_level",
    "ci_coverage",
    "statistic",
    "p_val",
    "n",
    "n_domestic",
    "n_foreign",
    "mean_domestic",
    "mean_foreign",
    "median_domestic",
    "median_foreign",
    "banks_domestic",
    "banks_foreign",
    "banks_missing",
    "method",
    "note",
)
#: Columns of :func:`compare_over_years`: those of :func:`compare_groups_exact` with
#: ``p_unadjusted`` (each year's p) before ``p_val`` (Holm-adjusted across the years).
OVER_YEARS_COLUMNS = (
    *COMPARISON_COLUMNS[: COMPARISON_COLUMNS.index("p_val")],
    "p_unadjusted",
    *COMPARISON_COLUMNS[COMPARISON_COLUMNS.index("p_val") :],
)
#: Columns of :func:`group_summary` (``iqr`` = ``q75`` - ``q25``, quantiles of R's type 7).
SUMMARY_COLUMNS = (
    "indicator",
    "year",
    "group",
    "n",
    "n_missing",
    "median",
    "q25",
    "q75",
    "iqr",
    "min",
    "max",
    "mean",
    "banks_missing",
)
#: Columns of :func:`bank_position`: ``reference`` is the bank's own group, the other group or
#: "all banks"; ``n`` the banks of the reference with a value; ``rank`` (1 = highest value) out
#: of ``rank_of``; ``percentile`` the percent of the reference's other banks below the bank.
POSITION_COLUMNS = (
    "indicator",
    "year",
    "bank",
    "bank_group",
    "value",
    "reference",
    "relation",
    "n",
    "rank",
    "rank_of",
    "median",
    "percentile",
    "method",
)
#: Colours of the groups (Okabe-Ito, colour-blind safe) and of the bank singled out.
GROUP_COLOURS = {"domestic": "#0072B2", "foreign": "#E69F00"}
HIGHLIGHT_COLOUR = "#D55E00"
#: Group names printed in figures: in legends, and under the boxes of a distribution plot.
GROUP_LABELS = {"domestic": "Domestic banks", "foreign": "Foreign banks"}
GROUP_TICKS = {"domestic": "Domestic", "foreign": "Foreign"}
#: Axis labels of the ratio units.
UNIT_LABELS = {"percent": "%", "ratio": "ratio", "products_per_household": "products / household"}
#: Figure sizes (inches): width, height of one row of panels, and room for titles and notes.
FIGURE_WIDTH = 7.0
ROW_HEIGHT = 2.5
FIGURE_MARGIN = 1.2
MAX_FIGURE_COLUMNS = 3
#: Characters per line of the note under a figure.
NOTE_WIDTH = 110


# --------------------------------------------------------------------------------------------
# Checks


def _check_panel(panel: object, function: str) -> pd.DataFrame:
    """The panel's required columns, checked and normalized (currency '' when absent)."""
    if not isinstance(panel, pd.DataFrame):
        raise TypeError(
            f"The 'panel' parameter of {function} must be a pandas DataFrame (one row per bank, "
            f"year and indicator). Got {type(panel).__name__}."
        )
    absent = [column for column in PANEL_COLUMNS if column not in panel.columns]
    if absent:
        raise ValueError(
            f"The 'panel' parameter of {function} lacks the column(s) {absent}. A panel needs "
            f"{list(PANEL_COLUMNS)}, one row per bank, year and indicator."
        )
    data = panel[list(PANEL_COLUMNS)].copy()
    if data[["bank", "group", "year", "indicator"]].isna().any().any():
        raise ValueError(
            f"The panel given to {function} has rows with no bank, group, year or indicator. "
            "Fill them in or drop those rows."
        )
    unknown = sorted(set(data["group"]) - set(GROUPS), key=str)
    if unknown:
        raise ValueError(
            f"The 'group' column of the panel given to {function} holds {unknown}; it must be "
            f"one of {list(GROUPS)}. Recode the groups."
        )
    groups_per_bank = data.groupby("bank")["group"].nunique()
    split_banks = sorted(groups_per_bank.index[groups_per_bank > 1])
    if split_banks:
        raise ValueError(
            f"Banks {split_banks} are both domestic and foreign in the panel given to "
            f"{function}. Give each bank one group."
        )
    year = data["year"]
    if not pd.api.types.is_numeric_dtype(year) or (year != np.round(year)).any():
        raise ValueError(
            f"The 'year' column of the panel given to {function} must hold whole years (e.g. "
            f"2023). Got values such as {year.iloc[0]!r}."
        )
    value = data["value"]
    if not pd.api.types.is_numeric_dtype(value) or pd.api.types.is_bool_dtype(value):
        raise TypeError(
            f"The 'value' column of the panel given to {function} must be numeric; it has dtype "
            f"{value.dtype}. Convert it with pd.to_numeric (values as plain decimals, no "
            "thousands separators or percent signs)."
        )
    data["year"] = year.astype(np.int64)
    data["value"] = value.astype(float)
    if np.isinf(data["value"]).any():
        raise ValueError(
            f"The 'value' column of the panel given to {function} holds infinite values. Set "
            "them to missing (NaN) or correct them."
        )
    data["currency"] = data["currency"].fillna("").astype(str).str.strip()
    data["unit"] = data["unit"].fillna("").astype(str).str.strip()
    return data


def _check_indicator(data: pd.DataFrame, indicator: object, function: str) -> pd.DataFrame:
    """The rows of one currency-neutral ratio, one per bank and year, without missing values."""
    if not isinstance(indicator, str):
        raise TypeError(
            f"The 'indicator' parameter of {function} must be one indicator name (a string), "
            f"e.g. 'roe'. Got {indicator!r}."
        )
    rows = data[data["indicator"] == indicator]
    if rows.empty:
        raise ValueError(
            f"The 'indicator' parameter of {function} names {indicator!r}, which is not in the "
            f"panel. Its indicators are {sorted(pd.unique(data['indicator']))}."
        )
    currencies = sorted(set(rows["currency"]) - {""})
    if currencies:
        raise ValueError(
            f"Indicator {indicator!r} is a money amount in {currencies}: not comparable across "
            "currencies; use a ratio (e.g. roa, roe, cost_income_ratio or a share in percent)."
        )
    units = sorted(set(rows["unit"]))
    if len(units) > 1:
        raise ValueError(
            f"Indicator {indicator!r} has several units in the panel: {units}. Convert its rows "
            "to one unit (e.g. percent)."
        )
    if units[0] not in RATIO_UNITS:
        raise ValueError(
            f"Indicator {indicator!r} has unit {units[0]!r}, not a currency-neutral ratio "
            f"({list(RATIO_UNITS)}): not comparable across banks of different size; use a "
            "ratio."
        )
    rows = rows[rows["value"].notna()]
    spread = rows.groupby(["bank", "year"])["value"].agg(["min", "max"])
    conflicts = spread[spread["min"] != spread["max"]]
    if not conflicts.empty:
        listed = [
            f"{bank} {year}: {lo:g} vs {hi:g}"
            for (bank, year), lo, hi in zip(
                conflicts.index, conflicts["min"], conflicts["max"], strict=True
            )
        ]
        raise ValueError(
            f"Indicator {indicator!r} has different values for one bank and year: {listed}. "
            "Keep one row per bank, year and indicator (e.g. the figure as first published: "
            "panel[panel['restated'] != 'yes'])."
        )
    return rows.drop_duplicates(["bank", "year"])


def _check_indicators(indicators: object, parameter: str, function: str) -> list[str]:
    if (
        isinstance(indicators, str)
        or not isinstance(indicators, Sequence)
        or not indicators
        or not all(isinstance(name, str) for name in indicators)
    ):
        raise TypeError(
            f"The '{parameter}' parameter of {function} must be a non-empty list of indicator "
            f"names, e.g. ['roe', 'cost_income_ratio']. Got {indicators!r}."
        )
    if len(set(indicators)) < len(indicators):
        raise ValueError(
            f"The '{parameter}' parameter of {function} names an indicator twice: "
            f"{list(indicators)}."
        )
    return list(indicators)


def _check_year(year: object, rows: pd.DataFrame, function: str) -> int:
    if not isinstance(year, numbers.Integral) or isinstance(year, bool):
        raise TypeError(
            f"The 'year' parameter of {function} must be one year as an integer, e.g. 2023. "
            f"Got {year!r}."
        )
    available = sorted(int(y) for y in pd.unique(rows["year"]))
    if int(year) not in available:
        indicator = rows["indicator"].iloc[0] if len(rows) else "the indicator"
        raise ValueError(
            f"The 'year' parameter of {function} is {year}, but {indicator!r} has values only "
            f"for {available}. Choose one of those years."
        )
    return int(year)


def _check_years(years: object, rows: pd.DataFrame, function: str) -> list[int]:
    if (
        isinstance(years, str)
        or not isinstance(years, Sequence)
        or not years
        or not all(isinstance(y, numbers.Integral) and not isinstance(y, bool) for y in years)
    ):
        raise TypeError(
            f"The 'years' parameter of {function} must be a non-empty list of integer years, "
            f"e.g. [2019, 2021, 2023]. Got {years!r}."
        )
    if len(set(years)) < len(years):
        raise ValueError(f"The 'years' parameter of {function} names a year twice: {list(years)}.")
    return [_check_year(year, rows, function) for year in years]


def _check_resamples(n_resamples: object, function: str) -> int:
    if n_resamples is None:
        return MONTE_CARLO_RESAMPLES
    if (
        isinstance(n_resamples, numbers.Integral)
        and not isinstance(n_resamples, bool)
        and n_resamples > 0
    ):
        return int(n_resamples)
    raise ValueError(
        f"The 'n_resamples' parameter of {function} must be None (the default, "
        f"{MONTE_CARLO_RESAMPLES}) or a positive integer. Got {n_resamples!r}."
    )


def _check_bank(data: pd.DataFrame, bank: object, function: str) -> str:
    if not isinstance(bank, str) or bank not in set(data["bank"]):
        raise ValueError(
            f"The 'bank' parameter of {function} must name a bank of the panel, one of "
            f"{sorted(pd.unique(data['bank']))}. Got {bank!r}."
        )
    return bank


def _check_labels(labels: object, indicators: list[str], function: str) -> dict[str, str]:
    if not isinstance(labels, Mapping):
        raise TypeError(
            f"The 'labels' parameter of {function} must map each indicator to its printed "
            f"label, e.g. {{'roe': 'Return on equity'}}. Got {type(labels).__name__}."
        )
    absent = [name for name in indicators if name not in labels]
    if absent:
        raise ValueError(
            f"The 'labels' parameter of {function} has no label for {absent}. Give every "
            "indicator plotted a label."
        )
    return {name: str(labels[name]) for name in indicators}


# --------------------------------------------------------------------------------------------
# One indicator in one year, by group


class _Year(NamedTuple):
    """The values of one indicator in one year, by group (banks sorted by name)."""

    indicator: str
    year: int
    banks: dict[str, list[str]]
    values: dict[str, np.ndarray]
    missing: list[str]

    @property
    def sizes(self) -> dict[str, int]:
        return {group: len(self.values[group]) for group in GROUPS}


def _year_values(data: pd.DataFrame, rows: pd.DataFrame, year: int) -> _Year:
    present = rows[rows["year"] == year].sort_values("bank")
    banks = {g: list(present.loc[present["group"] == g, "bank"]) for g in GROUPS}
    values = {g: present.loc[present["group"] == g, "value"].to_numpy(dtype=float) for g in GROUPS}
    missing = sorted(set(data["bank"]) - set(present["bank"]))
    return _Year(str(rows["indicator"].iloc[0]), year, banks, values, missing)


def _check_sizes(sample: _Year, function: str) -> None:
    small = {g: n for g, n in sample.sizes.items() if n < MIN_BANKS}
    if small:
        described = "; ".join(
            f"the {g} group has {n} ({', '.join(sample.banks[g]) or 'none'})"
            for g, n in small.items()
        )
        raise ValueError(
            f"{function} needs at least {MIN_BANKS} banks in each group with a value of "
            f"{sample.indicator!r} in {sample.year}; {described}. Compare another year or "
            "indicator, or describe the banks one by one (bank_position)."
        )


# --------------------------------------------------------------------------------------------
# Exact and Monte-Carlo split tests


class _SplitTest(NamedTuple):
    p: float
    splits: int
    resamples: int  # 0 when every split was enumerated

    @property
    def exact(self) -> bool:
        return self.resamples == 0


@functools.lru_cache(maxsize=4)  # at most 4 x 200 000 x n1 indices kept
def _split_indices(n: int, n1: int) -> np.ndarray:
    """Every choice of ``n1`` positions among ``n``, one per row (C(n, n1) rows)."""
    count = math.comb(n, n1)
    chosen = itertools.chain.from_iterable(itertools.combinations(range(n), n1))
    indices = np.fromiter(chosen, dtype=np.intp, count=count * n1).reshape(count, n1)
    indices.flags.writeable = False
    return indices


def _split_test(
    values: np.ndarray, n1: int, n_resamples: int, rng: np.random.Generator
) -> _SplitTest:
    """Two-sided permutation p of the sum of the first ``n1`` values over the splits.

    A split counts when its |sum of centred values| is at least the observed one (less
    :data:`TIE_TOLERANCE` times the sum of the absolute centred values). Every split is
    enumerated when there are at most :data:`MAX_EXACT_SPLITS`; otherwise ``n_resamples``
    random splits give p = (1 + hits) / (B + 1) (Phipson & Smyth 2010).
    """
    n = len(values)
    centred = values - values.mean()
    observed = abs(float(centred[:n1].sum()))
    threshold = observed - TIE_TOLERANCE * float(np.abs(centred).sum())
    splits = math.comb(n, n1)
    if splits <= MAX_EXACT_SPLITS:
        sums = centred[_split_indices(n, n1)].sum(axis=1)
        return _SplitTest(float(np.mean(np.abs(sums) >= threshold)), splits, 0)
    hits, chunk = 0, 10_000
    for start in range(0, n_resamples, chunk):
        size = min(chunk, n_resamples - start)
        order = rng.permuted(np.tile(np.arange(n), (size, 1)), axis=1)[:, :n1]
        hits += int(np.count_nonzero(np.abs(centred[order].sum(axis=1)) >= threshold))
    return _SplitTest((1 + hits) / (n_resamples + 1), splits, n_resamples)


def _split_text(test: _SplitTest, n: int, n1: int) -> str:
    if test.exact:
        return f"exact: all {test.splits} = C({n}, {n1}) splits enumerated"
    return (
        f"Monte-Carlo: {test.resamples} seeded random splits of the C({n}, {n1}) = "
        f"{test.splits} (more than {MAX_EXACT_SPLITS}), p = (1 + hits) / (B + 1)"
    )


# --------------------------------------------------------------------------------------------
# The exact distribution of U and the Hodges-Lehmann interval (R's wilcox.test)


@functools.lru_cache(maxsize=64)
def _u_counts(n1: int, n2: int) -> np.ndarray:
    """Number of arrangements giving U = 0, 1, ..., n1 n2 without ties (R's ``cwilcox``).

    Recursion f(u; m, n) = f(u - n; m - 1, n) + f(u; m, n - 1), f(0; m, 0) = f(0; 0, n) = 1.
    """
    previous = [np.ones(1) for _ in range(n2 + 1)]  # m = 0
    for m in range(1, n1 + 1):
        current = [np.ones(1)]  # n = 0
        for n in range(1, n2 + 1):
            counts = np.zeros(m * n + 1)
            counts[n : n + len(previous[n])] += previous[n]
            counts[: len(current[n - 1])] += current[n - 1]
            current.append(counts)
        previous = current
    counts = previous[n2]
    counts.flags.writeable = False
    return counts


def _pwilcox(q: int, n1: int, n2: int) -> float:
    """P(U <= q), summed as R's ``pwilcox`` (lower tail, or one minus the upper tail)."""
    if q < 0:
        return 0.0
    if q >= n1 * n2:
        return 1.0
    counts = _u_counts(n1, n2)
    total = float(math.comb(n1 + n2, n2))
    if q <= n1 * n2 / 2:
        return float(sum(c / total for c in counts[: q + 1]))
    upper = float(sum(c / total for c in counts[: n1 * n2 - q]))
    return 1.0 - upper


def _qwilcox(x: float, n1: int, n2: int) -> int:
    """Smallest q with P(U <= q) >= x, for x <= 1/2, as R's ``qwilcox`` (same fuzz)."""
    counts = _u_counts(n1, n2)
    total = float(math.comb(n1 + n2, n2))
    target = x - 10 * np.finfo(float).eps
    cumulative = 0.0
    for q, count in enumerate(counts):
        cumulative += count / total
        if cumulative >= target:
            return q
    return n1 * n2


class _ShiftInterval(NamedTuple):
    estimate: float
    low: float
    high: float
    level: float
    coverage: float
    achievable: bool


def _hodges_lehmann(x: np.ndarray, y: np.ndarray, ci: float) -> _ShiftInterval:
    """Hodges-Lehmann shift and the order-statistic interval of R's exact ``wilcox.test``."""
    n1, n2 = len(x), len(y)
    differences = np.sort(np.subtract.outer(x, y).ravel())
    alpha = 1 - ci
    upper_rank = max(_qwilcox(alpha / 2, n1, n2), 1)
    lower_rank = n1 * n2 - upper_rank
    achieved_alpha = 2 * _pwilcox(upper_rank - 1, n1, n2)
    achievable = not achieved_alpha - alpha > alpha / 2
    return _ShiftInterval(
        estimate=float(np.median(differences)),
        low=float(differences[upper_rank - 1]),
        high=float(differences[lower_rank]),
        level=ci if achievable else 1 - achieved_alpha,
        coverage=1 - achieved_alpha,
        achievable=achievable,
    )


# --------------------------------------------------------------------------------------------
# Comparison of the groups in one year


def _cliffs_delta(sample: _Year, u: float, ci: float) -> tuple[float, float, float, str]:
    """Cliff's delta from analysis.groups (its CI needs MIN_GROUP_SIZE banks per group)."""
    x, y = sample.values["domestic"], sample.values["foreign"]
    if min(len(x), len(y)) < MIN_GROUP_SIZE:
        note = (
            f"Cliff's delta interval not computed: analysis.groups.cliffs_delta needs "
            f"{MIN_GROUP_SIZE} banks per group"
        )
        return float(2 * u / (len(x) * len(y)) - 1), math.nan, math.nan, note
    frame = pd.DataFrame(
        {
            "value": np.concatenate([x, y]),
            "group": pd.Categorical(
                np.repeat(list(GROUPS), [len(x), len(y)]), categories=list(GROUPS)
            ),
        }
    )
    row = cliffs_delta(frame, dv="value", group="group", pair=GROUPS, ci=ci).iloc[0]
    return float(row["estimate"]), float(row["ci_low"]), float(row["ci_high"]), ""


def _compare(
    sample: _Year,
    ci: float,
    n_resamples: int,
    rng: np.random.Generator,
    function: str,
) -> pd.DataFrame:
    x, y = sample.values["domestic"], sample.values["foreign"]
    n1, n2 = len(x), len(y)
    values = np.concatenate([x, y])
    tied = len(np.unique(values)) < len(values)
    notes = []
    if sample.missing:
        notes.append(f"no value for {len(sample.missing)} bank(s) of the panel (banks_missing)")
    if np.ptp(values) == 0:
        notes.append("all values tied: the data cannot separate the groups (p = 1)")
    elif tied:
        notes.append(
            "ties: Mann-Whitney p exact conditional on the ties (midranks); the Hodges-Lehmann "
            "interval keeps wilcox.test's exact order-statistic rule, conservative with ties "
            "(Noether 1967), where wilcox.test would use a normal approximation"
        )

    permutation = _split_test(values, n1, n_resamples, rng)
    mean_difference = float(x.mean() - y.mean())
    ranks = stats.rankdata(values)
    u = float(ranks[:n1].sum() - n1 * (n1 + 1) / 2)
    if tied:
        rank_test = _split_test(ranks, n1, n_resamples, rng)
        u_p = rank_test.p
        u_text = (
            "exact conditional p over the splits of the midranks, |U - n1 n2 / 2| >= observed "
            f"(coin::wilcox_test(distribution = 'exact')); {_split_text(rank_test, n1 + n2, n1)}"
        )
    else:
        u_p = float(stats.mannwhitneyu(x, y, method="exact").pvalue)
        u_text = (
            "exact p from the distribution of U (scipy.stats.mannwhitneyu(method='exact') = "
            "wilcox.test(exact = TRUE))"
        )
    shift = _hodges_lehmann(x, y, ci)
    if not shift.achievable:
        message = (
            f"the requested {ci:.0%} level of the Hodges-Lehmann interval is not achievable "
            f"with {n1} and {n2} banks; the interval has exact level {shift.level:.1%} "
            "(as wilcox.test)"
        )
        notes.append(message)
        warnings.warn(
            f"{function} ({sample.indicator!r}, {sample.year}): {message}.",
            UserWarning,
            stacklevel=3,
        )
    delta, delta_low, delta_high, delta_note = _cliffs_delta(sample, u, ci)
    if delta_note:
        notes.append(delta_note)

    common = {
        "indicator": sample.indicator,
        "year": sample.year,
        "n": n1 + n2,
        "n_domestic": n1,
        "n_foreign": n2,
        "mean_domestic": float(x.mean()),
        "mean_foreign": float(y.mean()),
        "median_domestic": float(np.median(x)),
        "median_foreign": float(np.median(y)),
        "banks_domestic": "; ".join(sample.banks["domestic"]),
        "banks_foreign": "; ".join(sample.banks["foreign"]),
        "banks_missing": "; ".join(sample.missing),
        "note": "; ".join(notes),
    }
    rows = [
        {
            "estimand": ESTIMANDS[0],
            "estimate": mean_difference,
            "ci_low": math.nan,
            "ci_high": math.nan,
            "ci_level": math.nan,
            "ci_coverage": math.nan,
            "statistic": mean_difference,
            "p_val": permutation.p,
            "method": (
                "difference in means (domestic - foreign); two-sided Fisher-Pitman permutation "
                "p: share of splits of the banks into groups of "
                f"{n1} and {n2} with |difference| >= observed; "
                f"{_split_text(permutation, n1 + n2, n1)}"
            ),
        },
        {
            "estimand": ESTIMANDS[1],
            "estimate": shift.estimate,
            "ci_low": shift.low,
            "ci_high": shift.high,
            "ci_level": shift.level,
            "ci_coverage": shift.coverage,
            "statistic": u,
            "p_val": u_p,
            "method": (
                f"Hodges-Lehmann shift = median of the {n1 * n2} differences domestic - "
                "foreign; interval from their order statistics at the exact quantile of U "
                "(wilcox.test(conf.int = TRUE)); Mann-Whitney U of the domestic banks, "
                f"two-sided {u_text}"
            ),
        },
        {
            "estimand": ESTIMANDS[2],
            "estimate": delta,
            "ci_low": delta_low,
            "ci_high": delta_high,
            "ci_level": ci if not math.isnan(delta_low) else math.nan,
            "ci_coverage": math.nan,
            "statistic": u,
            "p_val": u_p,
            "method": (
                "Cliff's delta = 2 U / (n1 n2) - 1, interval tanh(atanh(delta) +- z sqrt((n1 + "
                "n2 + 1) / (3 n1 n2))) (analysis.groups.cliffs_delta = "
                "effectsize::cliffs_delta); U and p as the Mann-Whitney test"
            ),
        },
    ]
    return pd.DataFrame([common | row for row in rows])[list(COMPARISON_COLUMNS)]


def compare_groups_exact(
    panel: pd.DataFrame,
    *,
    indicator: str,
    year: int,
    ci: float = 0.95,
    n_resamples: int | None = None,
    random_state: int | np.random.Generator = 0,
) -> pd.DataFrame:
    r"""Domestic vs foreign banks on one ratio in one year: exact tests and effect sizes.

    With :math:`x_1..x_{n_1}` the domestic and :math:`y_1..y_{n_2}` the foreign banks' values,
    three rows, one per estimand (:data:`ESTIMANDS`):

    1. **Difference in means** :math:`\bar x - \bar y`, with the two-sided Fisher-Pitman
       permutation p: the share of the :math:`\binom{n_1+n_2}{n_1}` splits of the pooled
       values into groups of :math:`n_1` and :math:`n_2` whose :math:`|\bar x^* - \bar y^*|`
       is at least the observed one (coin's two-sided rule; floating-point ties within
       :data:`TIE_TOLERANCE`). Every split is enumerated when there are at most
       :data:`MAX_EXACT_SPLITS` (3003 for 6 and 8 banks); otherwise ``n_resamples`` seeded
       random splits give :math:`p = (1 + \text{hits}) / (B + 1)`, and ``method`` says so.
    2. **Hodges-Lehmann shift** :math:`\operatorname{median}_{i,j}(x_i - y_j)` with the
       Mann-Whitney test. ``statistic`` is :math:`U = \#\{x_i > y_j\} + \tfrac12\#\{x_i =
       y_j\}` (R's ``W``). Without ties, p is exact from the distribution of U
       (``scipy.stats.mannwhitneyu(method="exact")`` = ``wilcox.test(exact = TRUE)``); with
       ties it is the exact conditional p over the splits of the midranks, counting splits
       with :math:`|U^* - n_1 n_2/2| \ge |U - n_1 n_2/2|` (as
       ``coin::wilcox_test(distribution = "exact")``; ``wilcox.test`` would fall back to a
       normal approximation, scipy's ``"exact"`` would ignore the ties). The interval is
       ``wilcox.test``'s exact one: with :math:`q` = ``qwilcox``\ :math:`(\alpha/2, n_1,
       n_2)` (at least 1), the :math:`q`-th smallest and :math:`q`-th largest of the
       :math:`n_1 n_2` differences. Its exact coverage :math:`1 - 2P(U \le q - 1)`
       (``ci_coverage``) is at least ``ci`` unless the groups are too small; then, as R,
       ``ci_level`` is the achieved level when :math:`2P(U \le q-1) - \alpha > \alpha/2`,
       with a warning. With ties the same rule is kept (conservative for the closed
       interval: Noether 1967).
    3. **Cliff's delta** :math:`2U/(n_1 n_2) - 1 = P(X > Y) - P(X < Y)` with ``effectsize``'s
       Fisher-z interval, from :func:`analysis.groups.cliffs_delta` (which needs
       :data:`analysis.groups.MIN_GROUP_SIZE` banks per group for the interval; with fewer,
       only the estimate is given). Its test is the Mann-Whitney test (same U and p).

    Assumptions: the banks are exchangeable between the groups under the null hypothesis (the
    same distribution of the ratio in both groups); the tests condition on the banks observed
    and say nothing about banks outside the panel. The shift interval assumes the two
    distributions differ by a location shift.

    Missing data: banks of the panel without a value this year are left out and listed in
    ``banks_missing``; ``n_domestic``/``n_foreign`` count the banks used. Each group needs
    :data:`MIN_BANKS` banks. All values tied: every p is 1 and every estimate 0 (``note``).

    Parameters
    ----------
    panel : pandas.DataFrame
        The tidy panel (:data:`PANEL_COLUMNS`).
    indicator : str
        A currency-neutral ratio of the panel (unit in :data:`RATIO_UNITS`, no currency).
    year : int
        The year compared.
    ci : float
        Confidence level of the intervals, in (0, 1).
    n_resamples : int, optional
        Monte-Carlo draws, used only when the splits exceed :data:`MAX_EXACT_SPLITS`;
        default :data:`MONTE_CARLO_RESAMPLES`.
    random_state : int or numpy.random.Generator
        Seed (>= 0) or generator of those draws. Global random state is never used.

    Returns
    -------
    pandas.DataFrame
        Three rows, unrounded: :data:`COMPARISON_COLUMNS`.

    Raises
    ------
    TypeError
        If the panel is not a DataFrame, its values are not numeric, or ``indicator`` or
        ``year`` is not a string or an integer.
    ValueError
        If a column is absent, the indicator is absent or a money amount, the year has no
        values, a group has fewer than :data:`MIN_BANKS` banks with a value, or ``ci``,
        ``n_resamples`` or ``random_state`` is not as described.

    Warns
    -----
    UserWarning
        When the requested level of the Hodges-Lehmann interval is not achievable.

    References
    ----------
    Pitman, E. J. G. (1937). Significance tests which may be applied to samples from any
    populations. *Supplement to the Journal of the Royal Statistical Society*, 4(1), 119-130.
    https://doi.org/10.2307/2984124

    Hodges, J. L., & Lehmann, E. L. (1963). Estimates of location based on rank tests.
    *Annals of Mathematical Statistics*, 34(2), 598-611.
    https://doi.org/10.1214/aoms/1177704172

    Noether, G. E. (1967). Wilcoxon confidence intervals for location parameters in the
    discrete case. *Journal of the American Statistical Association*, 62(317), 184-188.
    https://doi.org/10.1080/01621459.1967.10482899

    Phipson, B., & Smyth, G. K. (2010). Permutation p-values should never be zero.
    *Statistical Applications in Genetics and Molecular Biology*, 9(1), 39.
    https://doi.org/10.2202/1544-6115.1585

    Hollander, M., Wolfe, D. A., & Chicken, E. (2014). *Nonparametric statistical methods*
    (3rd ed., sections 4.1-4.3). Wiley.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({
    ...     "bank": list("ABCDEF"), "group": ["domestic"] * 3 + ["foreign"] * 3,
    ...     "year": 2023, "indicator": "roe", "value": [9.0, 11.9, 10.4, 14.6, 12.7, 13.9],
    ...     "unit": "percent", "currency": ""})
    >>> result = compare_groups_exact(panel, indicator="roe", year=2023, ci=0.8)
    >>> result[["estimand", "estimate", "ci_low", "ci_high", "statistic", "p_val"]]
                   estimand  estimate  ci_low  ci_high  statistic  p_val
    0   difference in means      -3.3     NaN      NaN       -3.3    0.1
    1  Hodges-Lehmann shift      -3.5    -5.6     -0.8        0.0    0.1
    2         Cliff's delta      -1.0    -1.0     -1.0        0.0    0.1
    >>> # R: wilcox.test(x, y, exact = TRUE, conf.int = TRUE, conf.level = 0.8)
    >>> #    coin::oneway_test(value ~ group, distribution = "exact")
    """
    function = "compare_groups_exact"
    ci = check_ci(ci, function)
    resamples = _check_resamples(n_resamples, function)
    rng = check_generator(random_state, function)
    data = _check_panel(panel, function)
    rows = _check_indicator(data, indicator, function)
    sample = _year_values(data, rows, _check_year(year, rows, function))
    _check_sizes(sample, function)
    return _compare(sample, ci, resamples, rng, function)


def compare_over_years(
    panel: pd.DataFrame,
    *,
    indicator: str,
    years: Sequence[int],
    ci: float = 0.95,
    n_resamples: int | None = None,
    random_state: int | np.random.Generator = 0,
) -> pd.DataFrame:
    """:func:`compare_groups_exact` for each year, with p Holm-adjusted across the years.

    The years of one indicator form one family per test: the permutation p of the difference
    in means, and the Mann-Whitney p (shared by the Hodges-Lehmann and Cliff's delta rows),
    are each adjusted by Holm's step-down method over the years (``p.adjust(p, "holm")``);
    ``p_unadjusted`` keeps each year's own p. The intervals are not adjusted.

    Missing data: as :func:`compare_groups_exact`, year by year (a bank may be missing in one
    year only); every year must have :data:`MIN_BANKS` banks per group.

    Parameters
    ----------
    panel : pandas.DataFrame
        The tidy panel (:data:`PANEL_COLUMNS`).
    indicator : str
        A currency-neutral ratio of the panel.
    years : list of int
        The years compared, in the order of the output.
    ci : float
        Confidence level of the intervals, in (0, 1).
    n_resamples : int, optional
        Monte-Carlo draws (only for years with more than :data:`MAX_EXACT_SPLITS` splits).
    random_state : int or numpy.random.Generator
        Seed (>= 0) or generator, shared by the years in turn.

    Returns
    -------
    pandas.DataFrame
        Three rows per year: :data:`OVER_YEARS_COLUMNS` (``p_val`` Holm-adjusted).

    Raises
    ------
    TypeError, ValueError
        As :func:`compare_groups_exact`; also if ``years`` is not a list of distinct integer
        years with values.

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian
    Journal of Statistics*, 6(2), 65-70.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({
    ...     "bank": list("ABCDEF") * 2, "group": (["domestic"] * 3 + ["foreign"] * 3) * 2,
    ...     "year": [2021] * 6 + [2023] * 6, "indicator": "roe", "unit": "percent",
    ...     "currency": "", "value": [9.0, 11.9, 10.4, 14.6, 12.7, 13.9,
    ...                               9.5, 12.9, 10.1, 11.6, 12.2, 13.0]})
    >>> result = compare_over_years(panel, indicator="roe", years=[2021, 2023], ci=0.8)
    >>> result.loc[result["estimand"] == "difference in means", ["year", "p_unadjusted", "p_val"]]
       year  p_unadjusted  p_val
    0  2021           0.1    0.2
    3  2023           0.3    0.3
    >>> # R: p.adjust(c(p2021, p2023), method = "holm")
    """
    function = "compare_over_years"
    ci = check_ci(ci, function)
    resamples = _check_resamples(n_resamples, function)
    rng = check_generator(random_state, function)
    data = _check_panel(panel, function)
    rows = _check_indicator(data, indicator, function)
    chosen = _check_years(years, rows, function)
    samples = [_year_values(data, rows, year) for year in chosen]
    for sample in samples:
        _check_sizes(sample, function)
    result = pd.concat(
        [_compare(sample, ci, resamples, rng, function) for sample in samples], ignore_index=True
    )
    result["p_unadjusted"] = result["p_val"]
    for estimand in ESTIMANDS:
        rows_of = (result["estimand"] == estimand).to_numpy()
        result.loc[rows_of, "p_val"] = multipletests(
            result.loc[rows_of, "p_unadjusted"].to_numpy(), method="holm"
        )[1]
    result["method"] = result["method"] + (
        f"; p Holm-adjusted across the {len(chosen)} years {chosen} (p_unadjusted: each year's)"
    )
    return result[list(OVER_YEARS_COLUMNS)]


# --------------------------------------------------------------------------------------------
# Tables and positions


def ratio_table(
    panel: pd.DataFrame, *, indicators: Sequence[str], years: Sequence[int] | None = None
) -> pd.DataFrame:
    """The ratios as a wide table: one row per bank, one column per (indicator, year).

    Only currency-neutral ratios (units :data:`RATIO_UNITS`, no currency): a money amount
    raises, since amounts in different currencies are not comparable. Every bank of the panel
    gets a row, NaN where it has no value, so gaps stay visible.

    Parameters
    ----------
    panel : pandas.DataFrame
        The tidy panel (:data:`PANEL_COLUMNS`).
    indicators : list of str
        The ratios, in the order of the columns.
    years : list of int, optional
        The years, in the order of the columns; default every year with a value of any of
        the indicators.

    Returns
    -------
    pandas.DataFrame
        Index (``group``, ``bank``), domestic banks first, each group sorted by name; columns
        a MultiIndex (``indicator``, ``year``); unrounded values.

    Raises
    ------
    TypeError, ValueError
        If the panel is not as :data:`PANEL_COLUMNS` describes, an indicator is absent or a
        money amount, or ``years`` is not a list of distinct integer years.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({
    ...     "bank": ["A", "B", "A", "B"], "group": ["domestic", "foreign"] * 2,
    ...     "year": [2021, 2021, 2023, 2023], "indicator": "roe", "value": [9.5, 11.6, 9.0, 14.6],
    ...     "unit": "percent", "currency": ""})
    >>> ratio_table(panel, indicators=["roe"])
    indicator       roe
    year           2021  2023
    group    bank
    domestic A      9.5   9.0
    foreign  B     11.6  14.6
    >>> # R: tidyr::pivot_wider(panel, id_cols = c(group, bank),
    >>> #                       names_from = c(indicator, year), values_from = value)
    """
    function = "ratio_table"
    data = _check_panel(panel, function)
    chosen = _check_indicators(indicators, "indicators", function)
    rows = pd.concat([_check_indicator(data, name, function) for name in chosen])
    if years is None:
        chosen_years = sorted(int(y) for y in pd.unique(rows["year"]))
    else:
        chosen_years = _check_years(years, rows, function)
    banks = data[["group", "bank"]].drop_duplicates().sort_values(["group", "bank"])
    table = rows.pivot_table(
        index=["group", "bank"], columns=["indicator", "year"], values="value", aggfunc="first"
    )
    columns = pd.MultiIndex.from_product([chosen, chosen_years], names=["indicator", "year"])
    index = pd.MultiIndex.from_frame(banks, names=["group", "bank"])
    return table.reindex(index=index, columns=columns)


def group_summary(
    panel: pd.DataFrame, *, indicator: str, years: Sequence[int] | None = None
) -> pd.DataFrame:
    """Per group and year: banks with a value, median, quartiles, IQR, range and mean.

    The quartiles are R's default (type 7, ``quantile(x, c(.25, .75))``; numpy's "linear"):
    with 6 to 8 banks they are interpolated between banks, so the IQR is descriptive only.

    Missing data: ``n`` counts the group's banks with a value; ``n_missing`` and
    ``banks_missing`` the group's banks of the panel without one. A group with no value in a
    year has ``n`` 0 and NaN statistics.

    Parameters
    ----------
    panel : pandas.DataFrame
        The tidy panel (:data:`PANEL_COLUMNS`).
    indicator : str
        A currency-neutral ratio of the panel.
    years : list of int, optional
        The years; default every year with a value.

    Returns
    -------
    pandas.DataFrame
        One row per year and group (domestic first): :data:`SUMMARY_COLUMNS`, unrounded.

    Raises
    ------
    TypeError, ValueError
        If the panel is not as :data:`PANEL_COLUMNS` describes, the indicator is absent or a
        money amount, or ``years`` is not a list of distinct integer years with values.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({
    ...     "bank": list("ABCDEF"), "group": ["domestic"] * 3 + ["foreign"] * 3,
    ...     "year": 2023, "indicator": "roe", "value": [9.0, 11.9, 10.4, 14.6, 12.7, None],
    ...     "unit": "percent", "currency": ""})
    >>> group_summary(panel, indicator="roe")[["group", "n", "median", "iqr", "banks_missing"]]
          group  n  median   iqr banks_missing
    0  domestic  3   10.40  1.45
    1   foreign  2   13.65  0.95             F
    >>> # R: tapply(value, group, quantile, type = 7)
    """
    function = "group_summary"
    data = _check_panel(panel, function)
    rows = _check_indicator(data, indicator, function)
    if years is None:
        chosen = sorted(int(y) for y in pd.unique(rows["year"]))
    else:
        chosen = _check_years(years, rows, function)
    group_of = data.drop_duplicates("bank").set_index("bank")["group"]
    records = []
    for year in chosen:
        sample = _year_values(data, rows, year)
        for group in GROUPS:
            values = sample.values[group]
            missing = [bank for bank in sample.missing if group_of[bank] == group]
            if len(values):
                q25, median, q75 = np.quantile(values, [0.25, 0.5, 0.75])
                described = {
                    "median": float(median),
                    "q25": float(q25),
                    "q75": float(q75),
                    "iqr": float(q75 - q25),
                    "min": float(values.min()),
                    "max": float(values.max()),
                    "mean": float(values.mean()),
                }
            else:
                described = dict.fromkeys(SUMMARY_COLUMNS[5:12], math.nan)
            records.append(
                {
                    "indicator": indicator,
                    "year": year,
                    "group": group,
                    "n": len(values),
                    "n_missing": len(missing),
                    "banks_missing": "; ".join(missing),
                }
                | described
            )
    return pd.DataFrame(records)[list(SUMMARY_COLUMNS)]


def bank_position(
    panel: pd.DataFrame, *, bank: str = DEFAULT_BANK, indicator: str, year: int
) -> pd.DataFrame:
    r"""Where one bank stands: its rank and percentile in its group, the other group, the panel.

    Three rows (``relation``): the bank's own group, the other group and all banks. For a
    reference set with the other banks' values :math:`v_1..v_m` (the bank itself left out):

    .. math::

        \text{rank} = 1 + \#\{v_i > x\}, \qquad
        \text{percentile} = 100\,\frac{\#\{v_i < x\} + \tfrac12 \#\{v_i = x\}}{m}

    so rank 1 is the highest value (for cost-income and NPL ratios, the least favourable) and
    ties share the better rank; ``rank_of`` is :math:`m + 1`, the bank included. ``median``
    is the reference group's median (the bank included when it belongs to it), as
    :func:`group_summary`. Descriptive only: no test.

    Missing data: banks without a value that year are left out of every reference set.

    Parameters
    ----------
    panel : pandas.DataFrame
        The tidy panel (:data:`PANEL_COLUMNS`).
    bank : str
        The bank placed (default :data:`DEFAULT_BANK`).
    indicator : str
        A currency-neutral ratio of the panel.
    year : int
        The year.

    Returns
    -------
    pandas.DataFrame
        Three rows: :data:`POSITION_COLUMNS`.

    Raises
    ------
    TypeError, ValueError
        If the panel is not as :data:`PANEL_COLUMNS` describes, the bank or indicator is
        absent, the indicator is a money amount, or the bank has no value that year.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({
    ...     "bank": list("ABCDEF"), "group": ["domestic"] * 3 + ["foreign"] * 3,
    ...     "year": 2023, "indicator": "roe", "value": [9.0, 11.9, 10.4, 14.6, 12.7, 13.9],
    ...     "unit": "percent", "currency": ""})
    >>> bank_position(panel, bank="C", indicator="roe", year=2023)[
    ...     ["reference", "relation", "rank", "rank_of", "median", "percentile"]]
      reference     relation  rank  rank_of  median  percentile
    0  domestic    own group     2        3    10.4        50.0
    1   foreign  other group     4        4    13.9         0.0
    2       all    all banks     5        6    12.3        20.0
    >>> # R: rank(-c(x, others), ties.method = "min")[1]
    """
    function = "bank_position"
    data = _check_panel(panel, function)
    bank = _check_bank(data, bank, function)
    rows = _check_indicator(data, indicator, function)
    year = _check_year(year, rows, function)
    present = rows[rows["year"] == year]
    own = present[present["bank"] == bank]
    if own.empty:
        with_value = sorted(int(y) for y in rows.loc[rows["bank"] == bank, "year"])
        raise ValueError(
            f"Bank {bank!r} has no value of {indicator!r} in {year} (years with a value: "
            f"{with_value}). Choose one of those years or another bank."
        )
    value = float(own["value"].iloc[0])
    bank_group = str(own["group"].iloc[0])
    other_group = GROUPS[1 - GROUPS.index(bank_group)]
    references = [
        (bank_group, "own group", present[present["group"] == bank_group]),
        (other_group, "other group", present[present["group"] == other_group]),
        ("all", "all banks", present),
    ]
    records = []
    for reference, relation, members in references:
        others = members.loc[members["bank"] != bank, "value"].to_numpy(dtype=float)
        m = len(others)
        below = np.count_nonzero(others < value) + 0.5 * np.count_nonzero(others == value)
        records.append(
            {
                "reference": reference,
                "relation": relation,
                "n": len(members),
                "rank": 1 + int(np.count_nonzero(others > value)),
                "rank_of": m + 1,
                "median": float(np.median(members["value"])) if len(members) else math.nan,
                "percentile": 100 * below / m if m else math.nan,
            }
        )
    method = (
        "rank 1 = highest value, 1 + #(other banks above); percentile = 100 (#below + #tied/2) "
        "/ #other banks of the reference; median of the reference's banks with a value"
    )
    return pd.DataFrame(records).assign(
        indicator=indicator,
        year=year,
        bank=bank,
        bank_group=bank_group,
        value=value,
        method=method,
    )[list(POSITION_COLUMNS)]


# --------------------------------------------------------------------------------------------
# Figures


def _grid(count: int) -> tuple[int, int]:
    columns = min(MAX_FIGURE_COLUMNS, count)
    return math.ceil(count / columns), columns


def _figure(count: int) -> tuple[Figure, list]:
    rows, columns = _grid(count)
    fig = Figure(figsize=(FIGURE_WIDTH, ROW_HEIGHT * rows + FIGURE_MARGIN), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel().tolist()
    for ax in axes[count:]:
        fig.delaxes(ax)
    return fig, axes[:count]


def _finish(fig: Figure, handles: list, title: str, subtitle: str) -> Figure:
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
    if title:
        fig.suptitle(title, fontsize=12, x=0.01, ha="left")
    if subtitle:
        fig.supxlabel(textwrap.fill(subtitle, NOTE_WIDTH), fontsize=8, x=0.01, ha="left")
    return fig


def _legend(bank: str, *, lines: bool) -> list:
    """Legend entries of the groups and the bank singled out (lines, or markers only)."""
    style = "-" if lines else "none"
    handles = [
        Line2D([], [], color=GROUP_COLOURS[g], marker="o", linestyle=style, label=GROUP_LABELS[g])
        for g in GROUPS
    ]
    marker = "o" if lines else "D"
    handles.append(
        Line2D(
            [],
            [],
            color=HIGHLIGHT_COLOUR,
            marker=marker,
            linestyle=style,
            linewidth=2.5,
            label=bank,
        )
    )
    return handles


def _unit_label(rows: pd.DataFrame) -> str:
    unit = str(rows["unit"].iloc[0])
    return UNIT_LABELS.get(unit, unit)


def plot_ratio_trends(
    panel: pd.DataFrame,
    *,
    indicators: Sequence[str],
    labels: Mapping[str, str],
    bank: str = DEFAULT_BANK,
    title: str = "",
    subtitle: str = "",
) -> Figure:
    """Small multiples of ratios over the years: one panel per indicator, one line per bank.

    Lines are coloured by group (:data:`GROUP_COLOURS`); ``bank`` is drawn last, thicker and
    in :data:`HIGHLIGHT_COLOUR`. A bank's line joins the years it has a value for (a missing
    year is bridged; a lone year is a point). Up to :data:`MAX_FIGURE_COLUMNS` panels a row;
    fixed size, no randomness; made without pyplot (no global figure state).

    Parameters
    ----------
    panel : pandas.DataFrame
        The tidy panel (:data:`PANEL_COLUMNS`).
    indicators : list of str
        Currency-neutral ratios, one panel each, in this order.
    labels : Mapping[str, str]
        Indicator -> panel title, e.g. ``{"roe": "Return on equity"}`` (English labels).
    bank : str
        The bank singled out (default :data:`DEFAULT_BANK`).
    title : str, optional
        The figure title.
    subtitle : str, optional
        Notes on the data (sources, definitions), in small type below the panels.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError, ValueError
        If the panel is not as :data:`PANEL_COLUMNS` describes, an indicator is absent or a
        money amount, a label is missing, or ``bank`` is not in the panel.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({
    ...     "bank": ["China CITIC Bank", "B"] * 2, "group": ["domestic", "foreign"] * 2,
    ...     "year": [2021, 2021, 2023, 2023], "indicator": "roe", "value": [9.5, 11.6, 9.0, 14.6],
    ...     "unit": "percent", "currency": ""})
    >>> fig = plot_ratio_trends(panel, indicators=["roe"], labels={"roe": "Return on equity"})
    >>> [ax.get_title() for ax in fig.axes]
    ['Return on equity']
    """
    function = "plot_ratio_trends"
    data = _check_panel(panel, function)
    chosen = _check_indicators(indicators, "indicators", function)
    titles = _check_labels(labels, chosen, function)
    bank = _check_bank(data, bank, function)
    all_rows = {name: _check_indicator(data, name, function) for name in chosen}
    years = sorted(int(y) for y in pd.unique(pd.concat(all_rows.values())["year"]))
    fig, axes = _figure(len(chosen))
    for ax, name in zip(axes, chosen, strict=True):
        rows = all_rows[name].sort_values(["bank", "year"])
        for other, line in rows[rows["bank"] != bank].groupby("bank"):
            ax.plot(
                line["year"],
                line["value"],
                color=GROUP_COLOURS[line["group"].iloc[0]],
                marker="o",
                markersize=3,
                linewidth=1,
                alpha=0.75,
                label=other,
            )
        line = rows[rows["bank"] == bank]
        ax.plot(
            line["year"],
            line["value"],
            color=HIGHLIGHT_COLOUR,
            marker="o",
            markersize=5,
            linewidth=2.5,
            zorder=3,
            label=bank,
        )
        ax.set_title(titles[name], fontsize=10)
        ax.set_xticks(years, labels=[str(y) for y in years])
        ax.set_ylabel(_unit_label(rows))
        ax.spines[["top", "right"]].set_visible(False)
    return _finish(fig, _legend(bank, lines=True), title, subtitle)


def plot_ratio_distributions(
    panel: pd.DataFrame,
    *,
    indicators: Sequence[str],
    year: int,
    labels: Mapping[str, str],
    bank: str = DEFAULT_BANK,
    title: str = "",
    subtitle: str = "",
) -> Figure:
    """Box and strip plots of ratios by group in one year, with one bank marked.

    One panel per indicator: for each group a box (quartiles of type 7, whiskers to the most
    extreme bank within 1.5 IQR) and every bank as a point, spread sideways in order of value
    (no random jitter); ``bank`` is a larger diamond in :data:`HIGHLIGHT_COLOUR`. The group
    labels give the number of banks with a value. Fixed size; made without pyplot.

    Parameters
    ----------
    panel : pandas.DataFrame
        The tidy panel (:data:`PANEL_COLUMNS`).
    indicators : list of str
        Currency-neutral ratios, one panel each, in this order.
    year : int
        The year shown; every indicator needs values in it.
    labels : Mapping[str, str]
        Indicator -> panel title (English labels).
    bank : str
        The bank marked (default :data:`DEFAULT_BANK`).
    title : str, optional
        The figure title.
    subtitle : str, optional
        Notes on the data, in small type below the panels.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError, ValueError
        As :func:`plot_ratio_trends`, and if an indicator has no value in ``year``.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({
    ...     "bank": ["China CITIC Bank", "B", "C", "D"], "group": ["domestic", "domestic",
    ...     "foreign", "foreign"], "year": 2023, "indicator": "roe",
    ...     "value": [9.0, 11.9, 14.6, 12.7], "unit": "percent", "currency": ""})
    >>> fig = plot_ratio_distributions(panel, indicators=["roe"], year=2023,
    ...                                labels={"roe": "Return on equity"})
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
    ['Domestic\\n(n = 2)', 'Foreign\\n(n = 2)']
    """
    function = "plot_ratio_distributions"
    data = _check_panel(panel, function)
    chosen = _check_indicators(indicators, "indicators", function)
    titles = _check_labels(labels, chosen, function)
    bank = _check_bank(data, bank, function)
    samples = {}
    for name in chosen:
        rows = _check_indicator(data, name, function)
        samples[name] = (_year_values(data, rows, _check_year(year, rows, function)), rows)
    fig, axes = _figure(len(chosen))
    for ax, name in zip(axes, chosen, strict=True):
        sample, rows = samples[name]
        ticks = []
        for position, group in enumerate(GROUPS):
            values = sample.values[group]
            ticks.append(f"{GROUP_TICKS[group]}\n(n = {len(values)})")
            if not len(values):
                continue
            ax.boxplot(
                values,
                positions=[position],
                widths=0.5,
                showfliers=False,
                medianprops={"color": "black"},
                boxprops={"color": "0.4"},
                whiskerprops={"color": "0.4"},
                capprops={"color": "0.4"},
            )
            order = np.argsort(values, kind="stable")
            spread = np.empty(len(values))
            spread[order] = np.linspace(-0.15, 0.15, len(values)) if len(values) > 1 else 0.0
            marked = np.array([b == bank for b in sample.banks[group]])
            ax.scatter(
                position + spread[~marked],
                values[~marked],
                color=GROUP_COLOURS[group],
                s=22,
                zorder=3,
                edgecolors="white",
                linewidths=0.5,
            )
            if marked.any():
                ax.scatter(
                    position + spread[marked],
                    values[marked],
                    color=HIGHLIGHT_COLOUR,
                    marker="D",
                    s=55,
                    zorder=4,
                    edgecolors="black",
                    linewidths=0.6,
                )
        ax.set_xticks(range(len(GROUPS)), labels=ticks, fontsize=8)
        ax.set_xlim(-0.6, len(GROUPS) - 0.4)
        ax.set_title(f"{titles[name]}, {year}", fontsize=10)
        ax.set_ylabel(_unit_label(rows))
        ax.spines[["top", "right"]].set_visible(False)
    return _finish(fig, _legend(bank, lines=False), title, subtitle)
