"""The respondent profile: frequencies of the profile variables, as a tidy table and a figure.

:func:`sample_profile` computes the estimand (counts and percentages, unrounded);
:func:`plot_profile` and :func:`profile_table_for_paper` only present it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.instrument import Instrument, Variable, check_language

#: Label of the missing-data row, by language.
MISSING_LABEL = {"zh": "缺失", "en": "Missing"}
#: Columns of the tidy profile, in order.
PROFILE_COLUMNS = ("variable", "code", "label", "n", "percent")
#: Size of profile figures, in inches (fixed, so figures are comparable and reproducible).
FIGSIZE = (6.4, 3.6)
#: Characters per line of category labels and of the note under a profile figure.
LABEL_WIDTH = 22
NOTE_WIDTH = 100


def _check_variables(
    variables: list[str] | None, responses: pd.DataFrame, instrument: Instrument
) -> list[str]:
    chosen = list(instrument.profile_codes) if variables is None else list(variables)
    unknown = [code for code in chosen if code not in instrument.profile_codes]
    if unknown:
        raise ValueError(
            f"The 'variables' parameter of sample_profile names {unknown}, which are not profile "
            f"variables of the instrument. Choose from {list(instrument.profile_codes)}."
        )
    absent = [code for code in chosen if code not in responses.columns]
    if absent:
        raise ValueError(
            f"The responses lack the column(s) {absent}. Read them with "
            "analysis.responses.read_responses, which checks the columns against the instrument."
        )
    return chosen


def _answers(column: pd.Series, variable: Variable) -> pd.Series:
    """The column's answers as Int64, checked to hold only declared answer codes."""
    try:
        answers = pd.Series(column, dtype="Int64")
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"Column {variable.code!r} must hold integer answer codes or NA ({error}). Read the "
            "responses with analysis.responses.read_responses, which checks and converts them."
        ) from error
    undeclared = sorted({int(code) for code in answers.dropna()} - set(variable.codes))
    if undeclared:
        raise ValueError(
            f"Column {variable.code!r} holds values {undeclared} that are not answer codes "
            f"{list(variable.codes)} of the instrument (missing codes still present?). Read "
            "the responses with analysis.responses.read_responses, which turns missing codes "
            "into NA and rejects undeclared values."
        )
    return answers


def _variable_profile(column: pd.Series, variable: Variable, language: str) -> pd.DataFrame:
    answers = _answers(column, variable)
    counts = answers.value_counts().reindex(list(variable.codes), fill_value=0)
    valid = int(counts.sum())
    n = counts.to_numpy(dtype=np.int64)
    percent = n * 100.0 / valid if valid else np.full(len(n), np.nan)
    rows = pd.DataFrame(
        {
            "variable": variable.code,
            "code": pd.array(list(variable.codes), dtype="Int64"),
            "label": list(variable.value_labels(language).values()),
            "n": n,
            "percent": percent,
        }
    )
    missing = int(answers.isna().sum())
    if missing:
        missing_row = {
            "variable": [variable.code],
            "code": pd.array([pd.NA], dtype="Int64"),
            "label": [MISSING_LABEL[language]],
            "n": np.array([missing], dtype=np.int64),
            "percent": [missing * 100.0 / len(answers)],
        }
        rows = pd.concat([rows, pd.DataFrame(missing_row)], ignore_index=True)
    return rows


def sample_profile(
    responses: pd.DataFrame,
    instrument: Instrument,
    *,
    variables: list[str] | None = None,
    language: str = "en",
) -> pd.DataFrame:
    """Frequencies of the respondent-profile variables (the sample profile).

    For each variable and each declared answer code, the count ``n`` and ``percent`` =
    100 * n / (number of valid, non-missing answers). Every declared code gets a row, also when
    no one chose it. If the variable has missing answers, one more row (``code`` NA, label
    "Missing"/"缺失") gives their count and their percent of *all* respondents.

    Missing data: NA is item nonresponse; the category percents are of valid answers, so they
    sum to 100 for each variable (NaN if a variable has no valid answer at all).

    Parameters
    ----------
    responses : pandas.DataFrame
        One row per respondent, profile variables as answer codes, as returned by
        :func:`analysis.responses.read_responses` (missing codes already NA).
    instrument : Instrument
        The questionnaire (codes and labels).
    variables : list of str, optional
        Profile variables to tabulate, in this order. Default: all, in questionnaire order.
    language : {"en", "zh"}
        Language of the labels.

    Returns
    -------
    pandas.DataFrame
        Tidy, unrounded, one row per variable and code: ``variable`` (str), ``code`` (Int64),
        ``label`` (str), ``n`` (int64), ``percent`` (float64).

    Raises
    ------
    ValueError
        If ``variables`` names an unknown variable or a column the responses lack, ``language``
        is unknown, or a column holds a value that is not a declared answer code.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.instrument import load_instrument
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> responses = pd.DataFrame({"gender": pd.array([1, 2, 2, None], dtype="Int64")})
    >>> sample_profile(responses, instrument, variables=["gender"])
      variable  code    label  n    percent
    0   gender     1     Male  1  33.333333
    1   gender     2   Female  2  66.666667
    2   gender  <NA>  Missing  1  25.000000
    >>> # R: prop.table(table(responses$gender)) * 100
    """
    check_language(language, function="sample_profile")
    chosen = _check_variables(variables, responses, instrument)
    parts = [
        _variable_profile(responses[code], instrument.variable(code), language) for code in chosen
    ]
    return pd.concat(parts, ignore_index=True)[list(PROFILE_COLUMNS)]


def _check_profile(profile: pd.DataFrame, function: str) -> None:
    missing_columns = [c for c in PROFILE_COLUMNS if c not in getattr(profile, "columns", ())]
    if missing_columns:
        raise ValueError(
            f"The 'profile' parameter of {function} must be a DataFrame from sample_profile "
            f"with the columns {list(PROFILE_COLUMNS)}. It lacks {missing_columns}."
        )


def _variable_rows(profile: pd.DataFrame, variable: str) -> pd.DataFrame:
    _check_profile(profile, "plot_profile")
    rows = profile[profile["variable"] == variable]
    if rows.empty:
        raise ValueError(
            f"The 'variable' parameter of plot_profile must be a variable of the profile, one "
            f"of {list(pd.unique(profile['variable']))}. Got {variable!r}."
        )
    return rows


def plot_profile(profile: pd.DataFrame, *, variable: str, title: str, subtitle: str = "") -> Figure:
    """Horizontal bar chart of one profile variable: percent of valid answers, n annotated.

    Categories run top to bottom in questionnaire order; each bar is labelled with its percent
    (one decimal) and count. Missing answers are not a bar; their count is given in the note
    below the chart, after the subtitle. The figure has a fixed size (:data:`FIGSIZE`) and
    involves no randomness. It is a :class:`matplotlib.figure.Figure` made without pyplot, so no
    global figure state is kept. Chinese labels need a CJK font in matplotlib's font list.

    Parameters
    ----------
    profile : pandas.DataFrame
        The output of :func:`sample_profile`.
    variable : str
        The variable to plot.
    title : str
        The figure title.
    subtitle : str, optional
        What the reader must know about the data, e.g.
        :data:`analysis.synthetic.SYNTHETIC_NOTICE`; printed in small type below the chart,
        where notes on the data go (wrapped at :data:`NOTE_WIDTH` characters).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.instrument import load_instrument
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> responses = pd.DataFrame({"bank_type": pd.array([1, 1, 2, 3], dtype="Int64")})
    >>> fig = plot_profile(
    ...     sample_profile(responses, instrument, variables=["bank_type"]),
    ...     variable="bank_type",
    ...     title="Respondents by main bank",
    ... )
    >>> fig.get_size_inches().tolist()
    [6.4, 3.6]
    """
    rows = _variable_rows(profile, variable)
    categories = rows[rows["code"].notna()]
    labels = list(categories["label"])
    missing = rows.loc[rows["code"].isna(), "n"].sum()
    percent = categories["percent"].to_numpy(dtype=float)
    fig = Figure(figsize=FIGSIZE, layout="constrained")
    ax = fig.add_subplot()
    positions = np.arange(len(categories))
    shown = np.nan_to_num(percent)
    ax.barh(positions, shown, color="#4C72B0")
    ax.set_yticks(positions, labels=[textwrap.fill(label, LABEL_WIDTH) for label in labels])
    ax.invert_yaxis()
    for y, pct, n in zip(positions, percent, categories["n"], strict=True):
        ax.annotate(
            f"{pct:.1f}% (n = {n})",
            (np.nan_to_num(pct), y),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
        )
    ax.set_xlim(0, max(10.0, 1.35 * shown.max(initial=0.0)))
    ax.set_xlabel("Percent of valid responses")
    ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(title, fontsize=12, x=0.01, ha="left")
    notes = [textwrap.fill(subtitle, NOTE_WIDTH)] if subtitle else []
    if missing:
        notes.append(f"Missing (no answer): n = {missing}")
    if notes:
        fig.supxlabel("\n".join(notes), fontsize=8, x=0.01, ha="left", color="0.3")
    return fig


def profile_table_for_paper(
    profile: pd.DataFrame, *, variable_labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The sample profile as presented in the paper: named columns, labelled variables.

    Columns get their printed names and variables their labels; missing rows are kept (their
    percent is of all respondents, the others' of valid answers: say so in the caption). The
    percent stays unrounded: the results store rounds it in the Markdown table
    (``store.add_table(..., float_format=".1f")``) and keeps it exact in the CSV.

    Parameters
    ----------
    profile : pandas.DataFrame
        The output of :func:`sample_profile`.
    variable_labels : Mapping[str, str], optional
        Variable code -> name shown, e.g. ``instrument.variable_labels("en")``. Default: codes.

    Returns
    -------
    pandas.DataFrame
        Columns ``Variable``, ``Category``, ``n``, ``%``; one row per row of ``profile``.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.instrument import load_instrument
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> responses = pd.DataFrame({"gender": pd.array([1, 2, 2], dtype="Int64")})
    >>> profile = sample_profile(responses, instrument, variables=["gender"])
    >>> profile_table_for_paper(profile, variable_labels={"gender": "Gender"})
      Variable Category  n          %
    0   Gender     Male  1  33.333333
    1   Gender   Female  2  66.666667
    """
    _check_profile(profile, "profile_table_for_paper")
    labels = dict(variable_labels or {})
    return pd.DataFrame(
        {
            "Variable": [labels.get(code, code) for code in profile["variable"]],
            "Category": profile["label"].to_numpy(),
            "n": profile["n"].to_numpy(),
            "%": profile["percent"].to_numpy(),
        }
    )
