"""Tables as the paper shows them: the tidy results of the analysis modules, reshaped and named.

The analysis modules return long, tidy, unrounded tables with a fixed column vocabulary
(``estimate, se, ci_low, ci_high, ...``). The paper needs few, named columns per table so that
it fits a PDF page. The functions here only select, join and rename; numbers stay unrounded
(the results store rounds them in the Markdown table and keeps them exact in the CSV), except
where two numbers share one cell (an interval, a range), which becomes text.

- :func:`format_p`, :func:`p_text` and :func:`format_interval`: APA-style p values and
  intervals;
- :func:`construct_descriptives_table`: construct-score statistics with the range of item means;
- :func:`reliability_table`: alpha with its CI, omega, CR and AVE per construct;
- :func:`fit_table`: one row per estimator (ML, MLR) of the CFA's global fit;
- :func:`loadings_table`, :func:`fornell_larcker_table`, :func:`htmt_table`;
- :func:`common_method_table`: Harman's test and the common latent factor side by side.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

#: The dash between the ends of a range (an en dash).
RANGE_DASH = "\u2013"


def _label(labels: Mapping[str, str] | None, code: str) -> str:
    return str((labels or {}).get(code, code))


def _require(table: pd.DataFrame, columns: Sequence[str], parameter: str, function: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(
            f"The '{parameter}' parameter of {function} must be a pandas DataFrame. "
            f"Got {type(table).__name__}."
        )
    lacking = [column for column in columns if column not in table.columns]
    if lacking:
        raise ValueError(
            f"The '{parameter}' parameter of {function} lacks the columns {lacking}; pass the "
            "table the analysis function returned."
        )


def format_p(p: float) -> str:
    """A p value in APA style: three decimals without the leading zero, ``< .001`` below.

    Examples
    --------
    >>> format_p(0.32797), format_p(0.00002), format_p(1.0)
    ('.328', '< .001', '1.000')
    """
    if not isinstance(p, int | float) or math.isnan(p) or not 0 <= p <= 1:
        raise ValueError(f"The 'p' parameter of format_p must be a number in [0, 1]. Got {p!r}.")
    if p < 0.001:
        return "< .001"
    text = f"{p:.3f}"
    return text[1:] if text.startswith("0") else text


def p_text(p: float) -> str:
    """A p value as written in a sentence: ``p < .001`` or ``p = .328``.

    Examples
    --------
    >>> p_text(0.32797), p_text(0.00002)
    ('p = .328', 'p < .001')
    """
    text = format_p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def format_interval(low: float, high: float, fmt: str = ".2f") -> str:
    """An interval as ``[low, high]``, each end formatted with ``fmt``.

    Examples
    --------
    >>> format_interval(0.6679, 0.8632)
    '[0.67, 0.86]'
    """
    return f"[{format(low, fmt)}, {format(high, fmt)}]"


def construct_descriptives_table(
    score_statistics: pd.DataFrame,
    item_statistics: pd.DataFrame,
    *,
    constructs: Mapping[str, Sequence[str]],
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Construct scores described, one row per construct, with the range of its item means.

    Parameters
    ----------
    score_statistics : pandas.DataFrame
        :func:`analysis.descriptives.item_statistics` of the construct scores (its ``item``
        column holds the construct codes).
    item_statistics : pandas.DataFrame
        :func:`analysis.descriptives.item_statistics` of the items.
    constructs : Mapping[str, Sequence[str]]
        Construct code -> its items, in the order of the table.
    labels : Mapping[str, str], optional
        Construct code -> name shown. Default: codes.

    Returns
    -------
    pandas.DataFrame
        ``Construct``, ``Items`` (number), ``n`` (scored respondents), ``Mean``, ``SD``,
        ``Skew``, ``Kurtosis`` (of the score, as computed) and ``Item means`` (text,
        ``"min–max"`` with two decimals, items as answered).

    Examples
    --------
    >>> scores = pd.DataFrame({"item": ["trust"], "n": [3], "mean": [5.0], "sd": [1.0],
    ...                        "skew": [0.1], "kurtosis": [-0.2]})
    >>> items = pd.DataFrame({"item": ["tru1", "tru2"], "mean": [4.9, 5.13]})
    >>> construct_descriptives_table(scores, items, constructs={"trust": ["tru1", "tru2"]})
      Construct  Items  n  Mean   SD  Skew  Kurtosis Item means
    0     trust      2  3   5.0  1.0   0.1      -0.2  4.90–5.13
    """
    function = "construct_descriptives_table"
    _require(
        score_statistics,
        ["item", "n", "mean", "sd", "skew", "kurtosis"],
        "score_statistics",
        function,
    )
    _require(item_statistics, ["item", "mean"], "item_statistics", function)
    scores = score_statistics.set_index("item")
    means = item_statistics.set_index("item")["mean"]
    absent = [code for code in constructs if code not in scores.index]
    absent += [item for items in constructs.values() for item in items if item not in means.index]
    if absent:
        raise ValueError(f"{function}: no statistics for {absent}; describe them first.")
    rows = []
    for code, items in constructs.items():
        item_means = means.loc[list(items)]
        rows.append(
            {
                "Construct": _label(labels, code),
                "Items": len(items),
                "n": int(scores.loc[code, "n"]),
                "Mean": scores.loc[code, "mean"],
                "SD": scores.loc[code, "sd"],
                "Skew": scores.loc[code, "skew"],
                "Kurtosis": scores.loc[code, "kurtosis"],
                "Item means": f"{item_means.min():.2f}{RANGE_DASH}{item_means.max():.2f}",
            }
        )
    return pd.DataFrame(rows)


def reliability_table(
    alpha: pd.DataFrame,
    omega: pd.DataFrame,
    composite_reliability: pd.DataFrame,
    average_variance_extracted: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Reliability and convergent validity per construct, in the order of ``alpha``.

    Parameters
    ----------
    alpha : pandas.DataFrame
        Rows of :func:`analysis.reliability.cronbach_alpha`, one per construct, with a
        ``construct`` column added.
    omega : pandas.DataFrame
        Rows of :func:`analysis.reliability.mcdonald_omega` with a ``construct`` column.
    composite_reliability, average_variance_extracted : pandas.DataFrame
        :func:`analysis.cfa.cfa_composite_reliability` and
        :func:`analysis.cfa.cfa_average_variance_extracted` (of one CFA or several
        concatenated).
    labels : Mapping[str, str], optional
        Construct code -> name shown.

    Returns
    -------
    pandas.DataFrame
        ``Construct``, ``Items``, ``n`` (alpha's), ``Alpha``, ``Alpha 95% CI`` (text),
        ``Omega``, ``CR``, ``AVE``.

    Examples
    --------
    >>> alpha = pd.DataFrame({"construct": ["trust"], "n_items": [4], "n": [360],
    ...                       "estimate": [0.8], "ci_low": [0.77], "ci_high": [0.83]})
    >>> one = pd.DataFrame({"construct": ["trust"], "estimate": [0.81]})
    >>> reliability_table(alpha, one, one, one.assign(estimate=0.52)).iloc[0].to_dict()
    ... # doctest: +NORMALIZE_WHITESPACE
    {'Construct': 'trust', 'Items': 4, 'n': 360, 'Alpha': 0.8, 'Alpha 95% CI': '[0.77, 0.83]',
     'Omega': 0.81, 'CR': 0.81, 'AVE': 0.52}
    """
    function = "reliability_table"
    _require(
        alpha, ["construct", "n_items", "n", "estimate", "ci_low", "ci_high"], "alpha", function
    )
    others = {
        "Omega": ("omega", omega),
        "CR": ("composite_reliability", composite_reliability),
        "AVE": ("average_variance_extracted", average_variance_extracted),
    }
    estimates = {}
    for column, (parameter, table) in others.items():
        _require(table, ["construct", "estimate"], parameter, function)
        estimates[column] = table.set_index("construct")["estimate"]
    return pd.DataFrame(
        {
            "Construct": [_label(labels, code) for code in alpha["construct"]],
            "Items": alpha["n_items"].to_numpy(),
            "n": alpha["n"].to_numpy(),
            "Alpha": alpha["estimate"].to_numpy(),
            "Alpha 95% CI": [
                format_interval(low, high)
                for low, high in zip(alpha["ci_low"], alpha["ci_high"], strict=True)
            ],
            **{
                column: alpha["construct"].map(values).to_numpy()
                for column, values in estimates.items()
            },
        }
    )


def _fit_values(table: pd.DataFrame) -> dict[str, object]:
    """The reported version of each index: robust (scaled chi-square) under MLR, else standard."""
    robust = table["estimator"].iloc[0] == "MLR"
    rows = table.set_index(["index", "version"])

    def pick(index: str, preferred: str) -> pd.Series:
        return rows.loc[(index, preferred if robust else "standard")]

    chi2 = pick("chi2", "scaled")
    rmsea = pick("rmsea", "robust")
    return {
        "χ²": chi2["estimate"],
        "df": int(chi2["df"]),
        "p": chi2["p_val"],
        "CFI": pick("cfi", "robust")["estimate"],
        "TLI": pick("tli", "robust")["estimate"],
        "RMSEA": rmsea["estimate"],
        "90% CI": format_interval(rmsea["ci_low"], rmsea["ci_high"], ".3f"),
        "SRMR": rows.loc[("srmr", "standard"), "estimate"],
    }


def fit_table(fits: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Global fit of one or more CFAs, one row each, with the version of each index reported.

    Under MLR the Yuan-Bentler scaled chi-square and the robust CFI, TLI and RMSEA are shown
    (Brosseau-Liard & Savalei); under ML the standard ones. SRMR has one version.

    Parameters
    ----------
    fits : Mapping[str, pandas.DataFrame]
        Row label -> :func:`analysis.cfa.fit_indices` of a model.

    Returns
    -------
    pandas.DataFrame
        ``Model``, ``n``, ``χ²``, ``df``, ``p``, ``CFI``, ``TLI``, ``RMSEA``, ``90% CI`` (of
        RMSEA; text, three decimals), ``SRMR``.

    Examples
    --------
    >>> rows = [("chi2", "standard", 10.0, None, None, 8, 0.27), ("cfi", "standard", 0.99, None,
    ...         None, None, None), ("tli", "standard", 0.98, None, None, None, None),
    ...         ("rmsea", "standard", 0.03, 0.0, 0.08, 8, 0.7), ("srmr", "standard", 0.04,
    ...         None, None, None, None)]
    >>> table = pd.DataFrame(rows, columns=["index", "version", "estimate", "ci_low",
    ...                      "ci_high", "df", "p_val"]).assign(n=100, estimator="ML")
    >>> fit_table({"ML": table})["90% CI"].iloc[0]
    '[0.000, 0.080]'
    """
    rows = []
    for label, table in fits.items():
        _require(
            table,
            ["index", "version", "estimate", "ci_low", "ci_high", "df", "p_val", "n", "estimator"],
            "fits",
            "fit_table",
        )
        rows.append({"Model": label, "n": int(table["n"].iloc[0])} | _fit_values(table))
    return pd.DataFrame(rows)


def loadings_table(
    loadings: pd.DataFrame, *, labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Standardized loadings as shown: ``Construct``, ``Item``, ``Loading``, ``SE``, ``95% CI``.

    Parameters
    ----------
    loadings : pandas.DataFrame
        :func:`analysis.cfa.standardized_loadings` (of one CFA or several concatenated).
    labels : Mapping[str, str], optional
        Construct code -> name shown.

    Examples
    --------
    >>> table = pd.DataFrame({"construct": ["trust"], "item": ["tru1"], "estimate": [0.771],
    ...                       "se": [0.035], "ci_low": [0.703], "ci_high": [0.839]})
    >>> loadings_table(table)["95% CI"].iloc[0]
    '[0.70, 0.84]'
    """
    _require(
        loadings,
        ["construct", "item", "estimate", "se", "ci_low", "ci_high"],
        "loadings",
        "loadings_table",
    )
    return pd.DataFrame(
        {
            "Construct": [_label(labels, code) for code in loadings["construct"]],
            "Item": loadings["item"].to_numpy(),
            "Loading": loadings["estimate"].to_numpy(),
            "SE": loadings["se"].to_numpy(),
            "95% CI": [
                format_interval(low, high)
                for low, high in zip(loadings["ci_low"], loadings["ci_high"], strict=True)
            ],
        }
    )


def loadings_wide_table(
    loadings: pd.DataFrame, *, labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Standardized loadings one row per construct: ``Items`` and ``Item 1``, ``Item 2``, ...

    Compact enough for a page: the construct's items in model order as a range of codes
    (``img1–img4``) and their loadings side by side; constructs with fewer items than the
    longest leave the last cells missing. Standard errors and intervals belong in
    :func:`loadings_table`.

    Parameters
    ----------
    loadings : pandas.DataFrame
        :func:`analysis.cfa.standardized_loadings` (of one CFA or several concatenated).
    labels : Mapping[str, str], optional
        Construct code -> name shown.

    Examples
    --------
    >>> table = pd.DataFrame({"construct": ["a", "a", "b"], "item": ["a1", "a2", "b1"],
    ...                       "estimate": [0.8, 0.7, 0.9]})
    >>> loadings_wide_table(table)
      Construct  Items  Item 1  Item 2
    0         a  a1–a2     0.8     0.7
    1         b     b1     0.9     NaN
    """
    _require(loadings, ["construct", "item", "estimate"], "loadings", "loadings_wide_table")
    groups = {code: group for code, group in loadings.groupby("construct", sort=False)}
    width = max(len(group) for group in groups.values())
    rows = []
    for code, group in groups.items():
        codes = group["item"].tolist()
        span = codes[0] if len(codes) == 1 else f"{codes[0]}{RANGE_DASH}{codes[-1]}"
        values = group["estimate"].tolist() + [math.nan] * (width - len(group))
        rows.append(
            {"Construct": _label(labels, code), "Items": span}
            | {f"Item {j + 1}": value for j, value in enumerate(values)}
        )
    return pd.DataFrame(rows)


def pair_triangle_table(
    pairs: pd.DataFrame,
    *,
    lower: str = "estimate",
    upper: str = "ci_high",
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """A construct-by-construct matrix with one statistic below the diagonal, another above.

    For a table of pairs such as :func:`analysis.cfa.htmt_bootstrap`: constructs are numbered
    in the order they first appear, rows are labelled ``"1 name"`` and columns ``"1"``,
    ``"2"``, ...; cell (i, j) holds ``lower`` of the pair if i > j and ``upper`` if i < j
    (e.g. the HTMT below and the upper limit of its interval above); the diagonal is missing.

    Parameters
    ----------
    pairs : pandas.DataFrame
        Rows with ``construct_a``, ``construct_b`` and the columns ``lower`` and ``upper``.
    lower, upper : str
        The columns shown below and above the diagonal.
    labels : Mapping[str, str], optional
        Construct code -> name shown.

    Examples
    --------
    >>> pairs = pd.DataFrame({"construct_a": ["a", "a", "b"], "construct_b": ["b", "c", "c"],
    ...                       "estimate": [0.5, 0.4, 0.3], "ci_high": [0.6, 0.5, 0.45]})
    >>> pair_triangle_table(pairs)
      Construct    1    2     3
    0       1 a  NaN  0.6  0.50
    1       2 b  0.5  NaN  0.45
    2       3 c  0.4  0.3   NaN
    """
    _require(pairs, ["construct_a", "construct_b", lower, upper], "pairs", "pair_triangle_table")
    order = list(dict.fromkeys([*pairs["construct_a"], *pairs["construct_b"]]))
    position = {code: k for k, code in enumerate(order)}
    matrix = [[math.nan] * len(order) for _ in order]
    for a, b, low, high in zip(
        pairs["construct_a"], pairs["construct_b"], pairs[lower], pairs[upper], strict=True
    ):
        i, j = sorted((position[a], position[b]))
        matrix[j][i], matrix[i][j] = float(low), float(high)
    table = pd.DataFrame(matrix, columns=[str(k + 1) for k in range(len(order))])
    table.insert(
        0, "Construct", [f"{k + 1} {_label(labels, code)}" for k, code in enumerate(order)]
    )
    return table


def fornell_larcker_table(
    pairs: pd.DataFrame, *, labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The Fornell-Larcker criterion per construct: sqrt(AVE) against its largest correlation.

    A compact form of the classic matrix: for each construct, the square root of its AVE, the
    construct it correlates with most strongly, that correlation's absolute value, and whether
    sqrt(AVE) exceeds it (the criterion holds for every pair that includes the construct).

    Parameters
    ----------
    pairs : pandas.DataFrame
        :func:`analysis.cfa.fornell_larcker`.
    labels : Mapping[str, str], optional
        Construct code -> name shown.

    Returns
    -------
    pandas.DataFrame
        ``Construct``, ``sqrt(AVE)``, ``Most correlated with``, ``Largest |r|``, ``Criterion
        met`` ("yes"/"no"), constructs in the order they first appear in ``pairs``.

    Examples
    --------
    >>> pairs = pd.DataFrame({"construct_a": ["a", "a", "b"], "construct_b": ["b", "c", "c"],
    ...                       "estimate": [0.5, -0.9, 0.2], "sqrt_ave_a": [0.8, 0.8, 0.7],
    ...                       "sqrt_ave_b": [0.7, 0.85, 0.85]})
    >>> fornell_larcker_table(pairs)[["Construct", "Most correlated with", "Criterion met"]]
      Construct Most correlated with Criterion met
    0         a                    c            no
    1         b                    a           yes
    2         c                    a            no
    """
    _require(
        pairs,
        ["construct_a", "construct_b", "estimate", "sqrt_ave_a", "sqrt_ave_b"],
        "pairs",
        "fornell_larcker_table",
    )
    forward = pairs.rename(columns={"construct_a": "construct", "construct_b": "other"})
    backward = pairs.rename(columns={"construct_b": "construct", "construct_a": "other"})
    long = pd.concat(
        [
            forward.assign(root=forward["sqrt_ave_a"]),
            backward.assign(root=backward["sqrt_ave_b"]),
        ],
        ignore_index=True,
    ).assign(r=lambda frame: frame["estimate"].abs())
    order = list(dict.fromkeys([*pairs["construct_a"], *pairs["construct_b"]]))
    rows = []
    for code in order:
        own = long[long["construct"] == code]
        top = own.loc[own["r"].idxmax()]
        rows.append(
            {
                "Construct": _label(labels, code),
                "sqrt(AVE)": top["root"],
                "Most correlated with": _label(labels, top["other"]),
                "Largest |r|": top["r"],
                "Criterion met": "yes" if top["root"] > top["r"] else "no",
            }
        )
    return pd.DataFrame(rows)


def htmt_table(
    htmt: pd.DataFrame, *, labels: Mapping[str, str] | None = None, threshold: float = 0.85
) -> pd.DataFrame:
    """HTMT per pair of constructs with its bootstrap interval and the check against a threshold.

    Parameters
    ----------
    htmt : pandas.DataFrame
        :func:`analysis.cfa.htmt_bootstrap`.
    labels : Mapping[str, str], optional
        Construct code -> name shown.
    threshold : float, default 0.85
        The conservative HTMT threshold of Henseler et al. (2015).

    Returns
    -------
    pandas.DataFrame
        ``Construct A``, ``Construct B``, ``HTMT``, ``95% CI`` (text) and ``Upper < .85``
        ("yes"/"no"; the header names ``threshold``).

    Examples
    --------
    >>> table = pd.DataFrame({"construct_a": ["a"], "construct_b": ["b"], "estimate": [0.6],
    ...                       "ci_low": [0.5], "ci_high": [0.72]})
    >>> htmt_table(table)
      Construct A Construct B  HTMT        95% CI Upper < .85
    0           a           b   0.6  [0.50, 0.72]         yes
    """
    _require(
        htmt, ["construct_a", "construct_b", "estimate", "ci_low", "ci_high"], "htmt", "htmt_table"
    )
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or threshold <= 0:
        raise ValueError(
            f"The 'threshold' parameter of htmt_table must be a positive number. Got {threshold!r}."
        )
    header = f"Upper < {format(threshold, '.2f').removeprefix('0')}"
    return pd.DataFrame(
        {
            "Construct A": [_label(labels, code) for code in htmt["construct_a"]],
            "Construct B": [_label(labels, code) for code in htmt["construct_b"]],
            "HTMT": htmt["estimate"].to_numpy(),
            "95% CI": [
                format_interval(low, high)
                for low, high in zip(htmt["ci_low"], htmt["ci_high"], strict=True)
            ],
            header: ["yes" if high < threshold else "no" for high in htmt["ci_high"]],
        }
    )


def common_method_table(
    harman: pd.DataFrame, clf_share: pd.DataFrame, clf_change: pd.DataFrame
) -> pd.DataFrame:
    """Harman's single-factor test and the common latent factor (CLF), one row each.

    Parameters
    ----------
    harman : pandas.DataFrame
        :func:`analysis.cfa.harman_single_factor`.
    clf_share : pandas.DataFrame
        :func:`analysis.cfa.clf_variance_share`.
    clf_change : pandas.DataFrame
        :func:`analysis.cfa.clf_loading_change`.

    Returns
    -------
    pandas.DataFrame
        ``Check``, ``n``, ``Variance share (%)``, ``Detail`` (text: Harman's first eigenvalue
        and the number above 1; the CLF's likelihood-ratio test and largest loading change).

    Examples
    --------
    >>> harman = pd.DataFrame({"estimate": [0.24], "eigenvalue": [9.75],
    ...                        "n_eigenvalues_above_1": [10], "n": [243]})
    >>> share = pd.DataFrame({"estimate": [0.019], "statistic": [0.05], "df": [1],
    ...                       "p_val": [0.41], "n": [243]})
    >>> change = pd.DataFrame({"estimate": [-0.007, -0.017]})
    >>> common_method_table(harman, share, change)["Detail"].iloc[1]
    'LR test chi-square(1) = 0.05, p = .410; largest loading change -0.017'
    """
    function = "common_method_table"
    _require(harman, ["estimate", "eigenvalue", "n_eigenvalues_above_1", "n"], "harman", function)
    _require(clf_share, ["estimate", "statistic", "df", "p_val", "n"], "clf_share", function)
    _require(clf_change, ["estimate"], "clf_change", function)
    h, c = harman.iloc[0], clf_share.iloc[0]
    change = clf_change["estimate"]
    largest = float(change.loc[change.abs().idxmax()])
    return pd.DataFrame(
        {
            "Check": ["Harman's single factor", "Common latent factor"],
            "n": [int(h["n"]), int(c["n"])],
            "Variance share (%)": [100 * h["estimate"], 100 * c["estimate"]],
            "Detail": [
                f"first eigenvalue {h['eigenvalue']:.2f}; "
                f"{int(h['n_eigenvalues_above_1'])} eigenvalues above 1",
                f"LR test chi-square({int(c['df'])}) = {c['statistic']:.2f}, "
                f"p = {format_p(float(c['p_val']))}; largest loading change {largest:.3f}",
            ],
        }
    )


def path_table(
    paths: pd.DataFrame, *, labels: Mapping[str, str] | None = None, r_squared: pd.DataFrame
) -> pd.DataFrame:
    """The structural paths as the paper shows them, with each target's R².

    Parameters
    ----------
    paths : DataFrame
        :func:`analysis.sem.structural_paths`.
    labels : mapping, optional
        Construct code -> short name.
    r_squared : DataFrame
        :func:`analysis.sem.r_squared`.

    Returns
    -------
    DataFrame
        Columns ``Path, β, 95% CI, p, R² of target``.
    """
    _require(
        paths, ["source", "target", "estimate", "ci_low", "ci_high", "p_val"], "paths", "path_table"
    )
    _require(r_squared, ["construct", "estimate"], "r_squared", "path_table")
    r2 = dict(zip(r_squared["construct"], r_squared["estimate"], strict=True))
    return pd.DataFrame(
        {
            "Path": [
                f"{_label(labels, a)} → {_label(labels, b)}"
                for a, b in zip(paths["source"], paths["target"], strict=True)
            ],
            "β": paths["estimate"].to_numpy(),
            "95% CI": [
                format_interval(lo, hi)
                for lo, hi in zip(paths["ci_low"], paths["ci_high"], strict=True)
            ],
            "p": [format_p(float(p)) for p in paths["p_val"]],
            "R² of target": [r2.get(b, math.nan) for b in paths["target"]],
        }
    )


def effects_table(
    effects: pd.DataFrame,
    *,
    outcome: str,
    interval: str = "bias-corrected",
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Total indirect and total effects on one outcome, with one kind of bootstrap interval.

    Parameters
    ----------
    effects : DataFrame
        :func:`analysis.sem.indirect_effects`.
    outcome : str
        The outcome construct (e.g. ``"loyalty"``).
    interval : {"bias-corrected", "percentile"}
        Which bootstrap interval to show (matched in the ``method`` column).
    labels : mapping, optional
        Construct code -> short name.

    Returns
    -------
    DataFrame
        Columns ``Source, Indirect, 95% CI (indirect), Total, 95% CI (total)``, one row per
        source with an indirect route to ``outcome``.
    """
    _require(
        effects,
        ["effect", "source", "outcome", "estimate", "ci_low", "ci_high", "method"],
        "effects",
        "effects_table",
    )
    if interval not in {"bias-corrected", "percentile"}:
        raise ValueError(
            "The 'interval' parameter of effects_table must be 'bias-corrected' or "
            f"'percentile'. Got {interval!r}."
        )
    chosen = effects[
        (effects["outcome"] == outcome) & effects["method"].str.contains(interval, regex=False)
    ]
    if chosen.empty:
        raise ValueError(
            f"The 'outcome' parameter of effects_table names no outcome of the effects table. "
            f"Got {outcome!r}; outcomes are {sorted(effects['outcome'].unique())}."
        )
    rows = []
    for source, group in chosen.groupby("source", sort=False):
        indirect = group[group["effect"] == "total indirect"].iloc[0]
        total = group[group["effect"] == "total"].iloc[0]
        rows.append(
            {
                "Source": _label(labels, source),
                "Indirect": indirect["estimate"],
                "95% CI (indirect)": format_interval(indirect["ci_low"], indirect["ci_high"]),
                "Total": total["estimate"],
                "95% CI (total)": format_interval(total["ci_low"], total["ci_high"]),
            }
        )
    return pd.DataFrame(rows)


def method_comparison_table(
    cbsem: pd.DataFrame, pls: pd.DataFrame, *, labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """CB-SEM and PLS-SEM path coefficients side by side (the robustness check).

    Returns
    -------
    DataFrame
        Columns ``Path, CB-SEM β, PLS-SEM β, Difference, Same sign, PLS 95% CI``.
    """
    _require(cbsem, ["source", "target", "estimate"], "cbsem", "method_comparison_table")
    _require(
        pls, ["source", "target", "estimate", "ci_low", "ci_high"], "pls", "method_comparison_table"
    )
    merged = cbsem.merge(
        pls, on=["source", "target"], suffixes=("_cb", "_pls"), how="inner", validate="one_to_one"
    )
    return pd.DataFrame(
        {
            "Path": [
                f"{_label(labels, a)} → {_label(labels, b)}"
                for a, b in zip(merged["source"], merged["target"], strict=True)
            ],
            "CB-SEM β": merged["estimate_cb"].to_numpy(),
            "PLS-SEM β": merged["estimate_pls"].to_numpy(),
            "Difference": (merged["estimate_pls"] - merged["estimate_cb"]).to_numpy(),
            "Same sign": [
                "yes" if a * b > 0 else "no"
                for a, b in zip(merged["estimate_cb"], merged["estimate_pls"], strict=True)
            ],
            "PLS 95% CI": [
                format_interval(lo, hi)
                for lo, hi in zip(merged["ci_low_pls"], merged["ci_high_pls"], strict=True)
            ],
        }
    )


def driver_table(
    regressions: Mapping[str, pd.DataFrame],
    vif: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Standardized drivers of each outcome side by side, with the predictors' VIFs.

    Parameters
    ----------
    regressions : mapping of str to DataFrame
        Outcome name as the table heads it (e.g. ``"Satisfaction"``) ->
        :func:`analysis.drivers.driver_regression` of that outcome on the same predictors.
    vif : DataFrame
        :func:`analysis.drivers.variance_inflation_factors` of the predictors.
    labels : mapping, optional
        Predictor code -> short name.

    Returns
    -------
    DataFrame
        Columns ``Touch-point``, then per outcome ``β (<outcome>)``, ``95% CI (<outcome>)`` (the
        HC3 interval of b, rescaled to β by sd(x)/sd(y)), ``p (<outcome>)``, and ``VIF``; one
        row per predictor, then one row ``R²`` with each model's R².
    """
    _require(vif, ["term", "estimate"], "vif", "driver_table")
    columns: dict[str, list] = {"Touch-point": []}
    terms = list(vif["term"])
    columns["Touch-point"] = [_label(labels, term) for term in terms] + ["R²"]
    for outcome, table in regressions.items():
        _require(
            table,
            ["term", "beta", "ci_low", "ci_high", "p_val", "r2"],
            "regressions",
            "driver_table",
        )
        rows = table.set_index("term").loc[terms]
        scale = rows["beta"] / rows["estimate"]  # beta = b sd(x) / sd(y): the CI scales alike
        columns[f"β ({outcome})"] = [*rows["beta"], table["r2"].iloc[0]]
        columns[f"95% CI ({outcome})"] = [
            *(
                format_interval(lo, hi)
                for lo, hi in zip(rows["ci_low"] * scale, rows["ci_high"] * scale, strict=True)
            ),
            "",
        ]
        columns[f"p ({outcome})"] = [*(format_p(float(p)) for p in rows["p_val"]), ""]
    columns["VIF"] = [*vif["estimate"], math.nan]
    return pd.DataFrame(columns)


def robustness_table(
    robustness: Mapping[str, pd.DataFrame], *, labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """OLS betas next to ordered-logit coefficients per SD, per outcome, with agreement.

    Parameters
    ----------
    robustness : mapping of str to DataFrame
        Outcome name -> :func:`analysis.drivers.driver_robustness`.
    labels : mapping, optional
        Predictor code -> short name.

    Returns
    -------
    DataFrame
        Columns ``Touch-point``, then per outcome ``OLS β``, ``Ordered logit (per SD)``,
        ``Same conclusion``.
    """
    frames = []
    for outcome, table in robustness.items():
        _require(
            table, ["term", "ols_beta", "ologit_per_sd", "agree"], "robustness", "robustness_table"
        )
        frames.append(
            pd.DataFrame(
                {
                    f"OLS β ({outcome})": table["ols_beta"].to_numpy(),
                    f"Ordered logit per SD ({outcome})": table["ologit_per_sd"].to_numpy(),
                    f"Same conclusion ({outcome})": ["yes" if a else "no" for a in table["agree"]],
                },
                index=[_label(labels, term) for term in table["term"]],
            )
        )
    return pd.concat(frames, axis=1).rename_axis("Touch-point").reset_index()


def ipa_table(ipa: pd.DataFrame, *, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The importance-performance table: performance, both importances, the gap and quadrant.

    Parameters
    ----------
    ipa : DataFrame
        :func:`analysis.ipa.importance_performance`.
    labels : mapping, optional
        Touch-point code -> short name.

    Returns
    -------
    DataFrame
        Columns ``Touch-point, Performance, 95% CI, Stated importance, Derived importance (β),
        Gap, Quadrant``.
    """
    _require(
        ipa,
        [
            "touchpoint",
            "performance",
            "performance_ci_low",
            "performance_ci_high",
            "stated",
            "derived",
            "gap",
            "quadrant",
        ],
        "ipa",
        "ipa_table",
    )
    return pd.DataFrame(
        {
            "Touch-point": [_label(labels, code) for code in ipa["touchpoint"]],
            "Performance": ipa["performance"].to_numpy(),
            "95% CI": [
                format_interval(lo, hi)
                for lo, hi in zip(
                    ipa["performance_ci_low"], ipa["performance_ci_high"], strict=True
                )
            ],
            "Stated importance": ipa["stated"].to_numpy(),
            "Derived importance (β)": ipa["derived"].to_numpy(),
            "Gap": ipa["gap"].to_numpy(),
            "Quadrant": ipa["quadrant"].fillna("not placed").to_numpy(),
        }
    )


def gap_table(
    gaps: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    p_column: str = "p_val",
    p_label: str = "p",
) -> pd.DataFrame:
    """Performance differences between the branch and each comparison group, per touch-point.

    Parameters
    ----------
    gaps : DataFrame
        :func:`analysis.ipa.group_performance_gap`, optionally with a column of adjusted p
        values.
    labels : mapping, optional
        Touch-point code -> short name.
    p_column : str, default "p_val"
        The p values to show (e.g. a Holm-adjusted column added by the caller).
    p_label : str, default "p"
        Their heading (e.g. ``"p (Holm)"``).

    Returns
    -------
    DataFrame
        Columns ``Touch-point``, then per comparison group ``Difference vs <group>``,
        ``95% CI vs <group>``, ``<p_label> vs <group>`` (Welch).
    """
    _require(
        gaps,
        ["touchpoint", "reference", "estimate", "ci_low", "ci_high", p_column],
        "gaps",
        "gap_table",
    )
    frames = []
    for reference, rows in gaps.groupby("reference", sort=False):
        frames.append(
            pd.DataFrame(
                {
                    f"Difference vs {reference}": rows["estimate"].to_numpy(),
                    f"95% CI vs {reference}": [
                        format_interval(lo, hi)
                        for lo, hi in zip(rows["ci_low"], rows["ci_high"], strict=True)
                    ],
                    f"{p_label} vs {reference}": [format_p(float(p)) for p in rows[p_column]],
                },
                index=[_label(labels, code) for code in rows["touchpoint"]],
            )
        )
    return pd.concat(frames, axis=1).rename_axis("Touch-point").reset_index()


def invariance_table(fits: pd.DataFrame) -> pd.DataFrame:
    """The measurement-invariance sequence as the paper shows it, one row per level.

    Parameters
    ----------
    fits : DataFrame
        :func:`analysis.invariance.invariance_fit_table`.

    Returns
    -------
    DataFrame
        Columns ``Level, χ², df, CFI, RMSEA [90% CI], SRMR, Δχ² (Δdf), p (Δχ²), ΔCFI, ΔRMSEA,
        ΔSRMR, Verdict``; the first level's differences are empty.
    """
    needed = ["level", "chisq", "df", "cfi", "rmsea", "rmsea_ci_low", "rmsea_ci_high", "srmr"]
    deltas = ["delta_chisq", "delta_df", "delta_p_val", "delta_cfi", "delta_rmsea", "delta_srmr"]
    _require(fits, [*needed, *deltas, "verdict"], "fits", "invariance_table")
    first = fits["delta_chisq"].isna()
    return pd.DataFrame(
        {
            "Level": fits["level"].str.capitalize().to_numpy(),
            "χ²": fits["chisq"].to_numpy(),
            "df": fits["df"].astype(int).to_numpy(),
            "CFI": fits["cfi"].to_numpy(),
            "RMSEA [90% CI]": [
                f"{rmsea:.3f} {format_interval(lo, hi, '.3f')}"
                for rmsea, lo, hi in zip(
                    fits["rmsea"], fits["rmsea_ci_low"], fits["rmsea_ci_high"], strict=True
                )
            ],
            "SRMR": fits["srmr"].to_numpy(),
            "Δχ² (Δdf)": [
                "" if skip else f"{chisq:.2f} ({int(df)})"
                for skip, chisq, df in zip(
                    first, fits["delta_chisq"], fits["delta_df"], strict=True
                )
            ],
            "p (Δχ²)": [
                "" if skip else format_p(float(p))
                for skip, p in zip(first, fits["delta_p_val"], strict=True)
            ],
            "ΔCFI": fits["delta_cfi"].to_numpy(),
            "ΔRMSEA": fits["delta_rmsea"].to_numpy(),
            "ΔSRMR": fits["delta_srmr"].to_numpy(),
            "Verdict": fits["verdict"].to_numpy(),
        }
    )


def latent_means_table(
    differences: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    group_labels: Mapping[object, str] | None = None,
    p_column: str = "p_val",
) -> pd.DataFrame:
    """Standardized latent mean differences, one row per construct, one column block per group.

    Parameters
    ----------
    differences : DataFrame
        :func:`analysis.invariance.latent_mean_differences`, optionally with a column of
        adjusted p values.
    labels : mapping, optional
        Construct code -> short name.
    group_labels : mapping, optional
        Group code -> name (e.g. ``{2: "other domestic banks"}``).
    p_column : str, default "p_val"
        The p values to show.

    Returns
    -------
    DataFrame
        Columns ``Construct``, then per group ``d vs <reference> (<group>)`` (the difference in
        SDs of the reference group's latent variable), ``95% CI (<group>)``, ``p (<group>)``.
    """
    _require(
        differences,
        ["construct", "group", "std_estimate", "std_se", p_column],
        "differences",
        "latent_means_table",
    )
    z = 1.959963984540054
    frames = []
    for group, rows in differences.groupby("group", sort=False):
        name = _label(group_labels, group)
        frames.append(
            pd.DataFrame(
                {
                    f"d ({name})": rows["std_estimate"].to_numpy(),
                    f"95% CI ({name})": [
                        format_interval(d - z * se, d + z * se)
                        for d, se in zip(rows["std_estimate"], rows["std_se"], strict=True)
                    ],
                    f"p ({name})": [format_p(float(p)) for p in rows[p_column]],
                },
                index=[_label(labels, code) for code in rows["construct"]],
            )
        )
    return pd.concat(frames, axis=1).rename_axis("Construct").reset_index()


def _pairs_text(pairs: str, group_labels: Mapping[object, str] | None) -> str:
    """``"2 > 1; 2 > 3"`` with the group codes replaced by their names."""
    if not isinstance(pairs, str) or not pairs:
        return "none"
    named = []
    for pair in pairs.split("; "):
        left, relation, right = pair.split(" ")
        named.append(
            f"{_label_any(group_labels, left)} {relation} {_label_any(group_labels, right)}"
        )
    return "; ".join(named)


def _label_any(labels: Mapping[object, str] | None, code: str) -> str:
    """The label of a group code given as text, whatever the type of the mapping's keys."""
    for key, name in (labels or {}).items():
        if str(key) == code:
            return str(name)
    return code


def group_comparison_table(
    summary: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    group_labels: Mapping[object, str] | None = None,
) -> pd.DataFrame:
    """The group comparison of each variable: Welch, Kruskal-Wallis, ω² and the pairs that differ.

    Parameters
    ----------
    summary : DataFrame
        ``compare_groups(...).summary`` (:func:`analysis.groups.compare_groups`).
    labels : mapping, optional
        Variable code -> short name.
    group_labels : mapping, optional
        Group code -> short name, used in the pairs column.

    Returns
    -------
    DataFrame
        Columns ``Variable, Welch F, df, p (Holm), ω² [95% CI], Kruskal-Wallis H, p (Holm, KW),
        Pairs that differ (Games-Howell)``. Pairs are named only where the omnibus test differs
        after Holm (``differ``): a protected procedure, so that a pair significant on its own in
        a family whose omnibus test is not is not read as a finding.
    """
    needed = ["dv", "welch_F", "welch_df", "welch_df2", "welch_p_holm", "kruskal_H"]
    more = ["kruskal_p_holm", "omega_squared", "omega_squared_ci_low", "omega_squared_ci_high"]
    _require(
        summary,
        [*needed, *more, "games_howell_pairs", "differ"],
        "summary",
        "group_comparison_table",
    )
    return pd.DataFrame(
        {
            "Variable": [_label(labels, code) for code in summary["dv"]],
            "Welch F": summary["welch_F"].to_numpy(),
            "df": [
                f"{int(df1)}, {df2:.1f}"
                for df1, df2 in zip(summary["welch_df"], summary["welch_df2"], strict=True)
            ],
            "p (Holm)": [format_p(float(p)) for p in summary["welch_p_holm"]],
            "ω² [95% CI]": [
                f"{omega:.3f} {format_interval(lo, hi, '.3f')}"
                for omega, lo, hi in zip(
                    summary["omega_squared"],
                    summary["omega_squared_ci_low"],
                    summary["omega_squared_ci_high"],
                    strict=True,
                )
            ],
            "Kruskal-Wallis H": summary["kruskal_H"].to_numpy(),
            "p (Holm, KW)": [format_p(float(p)) for p in summary["kruskal_p_holm"]],
            "Pairs that differ (Games-Howell)": [
                _pairs_text(pairs, group_labels) if differ else "(omnibus not significant)"
                for pairs, differ in zip(
                    summary["games_howell_pairs"], summary["differ"], strict=True
                )
            ],
        }
    )


def association_table(
    tests: pd.DataFrame,
    strengths: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Chi-square tests of independence with Cramér's V, one row per profile variable.

    Parameters
    ----------
    tests : DataFrame
        Rows of :func:`analysis.groups.chi_square_independence` (the Pearson rows; a Monte-Carlo
        or Fisher row, where present, gives the p value shown), optionally with ``p_holm``.
    strengths : DataFrame
        Rows of :func:`analysis.groups.cramers_v`, one per variable (``column``).
    labels : mapping, optional
        Variable code -> name.

    Returns
    -------
    DataFrame
        Columns ``Variable, χ², df, p, Cramér's V [95% CI], Sparse``.
    """
    _require(
        tests,
        ["column", "test", "statistic", "df", "p_val", "sparse"],
        "tests",
        "association_table",
    )
    _require(
        strengths, ["column", "estimate", "ci_low", "ci_high"], "strengths", "association_table"
    )
    p_column = "p_holm" if "p_holm" in tests.columns else "p_val"
    pearson = tests[tests["test"] == "Pearson chi-square"].set_index("column")
    strength = strengths.set_index("column").loc[pearson.index]
    return pd.DataFrame(
        {
            "Variable": [_label(labels, code) for code in pearson.index],
            "χ²": pearson["statistic"].to_numpy(),
            "df": pearson["df"].astype(int).to_numpy(),
            "p (Holm)" if p_column == "p_holm" else "p": [
                format_p(float(p)) for p in pearson[p_column]
            ],
            "Cramér's V [95% CI]": [
                f"{v:.2f} {format_interval(lo, hi)}"
                for v, lo, hi in zip(
                    strength["estimate"], strength["ci_low"], strength["ci_high"], strict=True
                )
            ],
            "Sparse": ["yes" if sparse else "no" for sparse in pearson["sparse"]],
        }
    )


def segment_choice_table(choice: pd.DataFrame) -> pd.DataFrame:
    """The criteria for the number of segments, one row per k.

    Parameters
    ----------
    choice : DataFrame
        :func:`analysis.segments.choose_segments`.

    Returns
    -------
    DataFrame
        Columns ``Segments (k), Average silhouette, BIC (Gaussian mixture), Chosen``.
    """
    _require(
        choice, ["k", "silhouette", "bic", "chosen", "bic_best"], "choice", "segment_choice_table"
    )
    return pd.DataFrame(
        {
            "Segments (k)": choice["k"].astype(int).to_numpy(),
            "Average silhouette": choice["silhouette"].to_numpy(),
            "BIC (Gaussian mixture)": choice["bic"].to_numpy(),
            "Chosen": [
                "silhouette" + (", BIC" if bic else "") if chosen else ("BIC" if bic else "")
                for chosen, bic in zip(choice["chosen"], choice["bic_best"], strict=True)
            ],
        }
    )


def targeting_exhibit(
    targeting: pd.DataFrame, profiles: pd.DataFrame, *, outcomes: Mapping[str, str]
) -> pd.DataFrame:
    """Each segment's size, defining features, outcomes and priority touch-points.

    Parameters
    ----------
    targeting : DataFrame
        :func:`analysis.segments.targeting_table`.
    profiles : DataFrame
        :func:`analysis.segments.segment_profiles` (for the outcome means).
    outcomes : mapping of str to str
        Outcome measure code -> column heading (e.g. ``{"satisfaction": "Satisfaction"}``).

    Returns
    -------
    DataFrame
        Columns ``Segment, n, Share, Defining features``, one column per outcome (mean with its
        95% CI), ``Priority touch-points``.
    """
    _require(
        targeting,
        ["segment", "n", "share", "defining_features", "priority_touchpoints"],
        "targeting",
        "targeting_exhibit",
    )
    _require(
        profiles,
        ["segment", "measure", "estimate", "ci_low", "ci_high"],
        "profiles",
        "targeting_exhibit",
    )
    table = pd.DataFrame(
        {
            "Segment": targeting["segment"].to_numpy(),
            "n": targeting["n"].astype(int).to_numpy(),
            "Share": targeting["share"].to_numpy(),
            "Defining features": targeting["defining_features"].to_numpy(),
        }
    )
    indexed = profiles.set_index(["segment", "measure"])
    for code, heading in outcomes.items():
        table[heading] = [
            f"{indexed.loc[(segment, code), 'estimate']:.2f} "
            + format_interval(
                indexed.loc[(segment, code), "ci_low"], indexed.loc[(segment, code), "ci_high"]
            )
            for segment in targeting["segment"]
        ]
    table["Priority touch-points"] = [
        text or "none above the sample" for text in targeting["priority_touchpoints"]
    ]
    return table


def panel_comparison_table(
    comparisons: pd.DataFrame, *, labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Domestic against foreign banks, one row per ratio and year.

    Parameters
    ----------
    comparisons : DataFrame
        Rows of :func:`analysis.panel_stats.compare_over_years` (all three estimands).
    labels : mapping, optional
        Indicator code -> name.

    Returns
    -------
    DataFrame
        Columns ``Ratio, Year, Banks (dom./for.), Median domestic, Median foreign,
        Hodges-Lehmann shift [CI], CI level, Cliff's δ [95% CI], p (exact, Holm)`` (the
        Mann-Whitney p, Holm-adjusted across the years of the ratio).
    """
    _require(
        comparisons,
        ["indicator", "year", "estimand", "estimate", "ci_low", "ci_high", "ci_coverage", "p_val"],
        "comparisons",
        "panel_comparison_table",
    )
    shift = comparisons[comparisons["estimand"] == "Hodges-Lehmann shift"].reset_index(drop=True)
    delta = comparisons[comparisons["estimand"] == "Cliff's delta"].reset_index(drop=True)

    def interval(low: float, high: float) -> str:
        return "" if math.isnan(low) or math.isnan(high) else format_interval(low, high)

    return pd.DataFrame(
        {
            "Ratio": [_label(labels, code) for code in shift["indicator"]],
            "Year": shift["year"].astype(int).to_numpy(),
            "Banks (dom./for.)": [
                f"{int(a)}/{int(b)}"
                for a, b in zip(shift["n_domestic"], shift["n_foreign"], strict=True)
            ],
            "Median domestic": shift["median_domestic"].to_numpy(),
            "Median foreign": shift["median_foreign"].to_numpy(),
            "Shift [CI]": [
                f"{est:.2f} {interval(lo, hi)}".strip()
                for est, lo, hi in zip(
                    shift["estimate"], shift["ci_low"], shift["ci_high"], strict=True
                )
            ],
            "CI level": [f"{level:.0%}" for level in shift["ci_coverage"]],
            "Cliff's δ [95% CI]": [
                f"{est:.2f} {interval(lo, hi)}".strip()
                for est, lo, hi in zip(
                    delta["estimate"], delta["ci_low"], delta["ci_high"], strict=True
                )
            ],
            "p (exact, Holm)": [format_p(float(p)) for p in shift["p_val"]],
        }
    )


def _breakable_url(url: str) -> str:
    """A URL with zero-width spaces after its slashes, so that a narrow table cell can wrap it."""
    return url.replace("/", "/\u200b").replace("?", "?\u200b").replace("&", "&\u200b")


def panel_sources_table(
    panel: pd.DataFrame, *, labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Every figure of the bank panel with its source, for the appendix.

    Returns
    -------
    DataFrame
        Columns ``Bank, Year, Indicator, As printed, Tier, Source`` (the URL, breakable).
    """
    _require(
        panel,
        ["bank", "year", "indicator", "value_as_printed", "source_tier", "source_url"],
        "panel",
        "panel_sources_table",
    )
    return pd.DataFrame(
        {
            "Bank": panel["bank"].to_numpy(),
            "Year": panel["year"].astype(int).to_numpy(),
            "Indicator": [_label(labels, code) for code in panel["indicator"]],
            "As printed": panel["value_as_printed"].to_numpy(),
            "Tier": panel["source_tier"].to_numpy(),
            "Source": [_breakable_url(url) for url in panel["source_url"]],
        }
    )


def bank_position_table(
    positions: pd.DataFrame, *, labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """One bank's ratios with its ranks among the domestic and the foreign banks.

    Parameters
    ----------
    positions : DataFrame
        Rows of :func:`analysis.panel_stats.bank_position` (one call per ratio).
    labels : mapping, optional
        Indicator code -> name.

    Returns
    -------
    DataFrame
        Columns ``Ratio, Year, Value, Rank among domestic, Median domestic, Rank among foreign,
        Median foreign`` (rank 1 = highest value; "r of n", the foreign rank counting the bank
        itself among the foreign banks).
    """
    _require(
        positions,
        ["indicator", "year", "value", "reference", "rank", "rank_of", "median"],
        "positions",
        "bank_position_table",
    )

    def rank(by: pd.DataFrame, reference: str) -> str:
        if int(by.loc[reference, "rank_of"]) < 2:
            return "no other bank"
        return f"{int(by.loc[reference, 'rank'])} of {int(by.loc[reference, 'rank_of'])}"

    rows = []
    for (indicator, year), group in positions.groupby(["indicator", "year"], sort=False):
        by = group.set_index("reference")
        rows.append(
            {
                "Ratio": _label(labels, indicator),
                "Year": int(year),
                "Value": float(group["value"].iloc[0]),
                "Rank among domestic": rank(by, "domestic"),
                "Median domestic": by.loc["domestic", "median"],
                "Rank among foreign": rank(by, "foreign"),
                "Median foreign": by.loc["foreign", "median"],
            }
        )
    return pd.DataFrame(rows)


def data_dictionary_table(instrument: object, *, language: str = "en") -> pd.DataFrame:
    """The data dictionary of the responses file: one row per column, as the instrument defines it.

    Parameters
    ----------
    instrument : Instrument
        :func:`analysis.instrument.load_instrument`.
    language : {"en", "zh"}
        Language of the labels and answer texts.

    Returns
    -------
    DataFrame
        Columns ``Column, Label, Type, Construct, Answers, Asked if`` (``Answers``: the codes
        with their labels, or the scale's range for a Likert item; ``(R)`` marks a reverse-keyed
        item).
    """
    rows = []
    for variable in instrument.variables:
        values = variable.value_labels(language)
        if variable.scale is not None and values:
            answers = (
                f"{min(values)}-{max(values)} ({values[min(values)]} ... {values[max(values)]})"
            )
        elif values:
            answers = "; ".join(f"{code} {text}" for code, text in values.items())
        else:
            answers = ""
        label = variable.short_label(language)
        if label == variable.code and variable.question:
            label = variable.question[language]
        condition = variable.ask_if
        rows.append(
            {
                "Column": variable.code + (" (R)" if variable.reverse else ""),
                "Label": label,
                "Type": variable.type,
                "Construct": variable.construct or "",
                "Answers": answers,
                "Asked if": ""
                if condition is None
                else f"{condition.variable} = {' or '.join(str(c) for c in condition.codes)}",
            }
        )
    return pd.DataFrame(rows)
