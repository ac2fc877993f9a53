"""The data drawn in a Matplotlib figure, as plain JSON: what a reviewer compares, not pixels.

A PNG can differ by a pixel for reasons that have nothing to do with the results (a font
hinting change), and two PNGs that look alike can hide a changed number. The replication check
(:mod:`analysis.replication`) therefore compares the numbers each figure draws. They are read
back from the finished figure, so every figure is covered without its notebook declaring its
data twice:

- each axes' title, axis labels, axis limits, tick labels and legend entries;
- lines (x and y in data coordinates), scatter and other collections (offsets; segments of
  error bars; the colour values of a mesh), rectangles (bars: x, y, width, height), images
  (the array), and the text annotations with their positions.

Categorical axes are drawn at 0, 1, 2, ...; their categories are the tick labels.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import Collection, LineCollection, QuadMesh
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

#: Significant digits kept: far below any tolerance of the comparison, and short enough that
#: the expected results stay reviewable.
SIGNIFICANT_DIGITS = 12


def _number(value: Any) -> float | int | None:
    value = float(value)
    if not math.isfinite(value):
        return None
    rounded = float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    return int(rounded) if rounded.is_integer() and abs(rounded) < 2**53 else rounded


def _numbers(values: Any) -> Any:
    """A nested list of JSON numbers (``None`` for NaN or infinite) from an array-like."""
    array = np.ma.filled(np.ma.asarray(values, dtype=float), np.nan)
    if array.ndim == 0:
        return _number(array)
    return [_numbers(item) for item in array]


def _texts(labels: Any) -> list[str]:
    return [label.get_text() for label in labels]


def _lines(axes: Axes) -> list[dict[str, Any]]:
    lines = []
    for line in axes.get_lines():
        xy = np.asarray(line.get_xydata(), dtype=float)
        lines.append(
            {"label": str(line.get_label()), "x": _numbers(xy[:, 0]), "y": _numbers(xy[:, 1])}
        )
    return lines


def _collection(collection: Collection) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": type(collection).__name__,
        "label": str(collection.get_label()),
    }
    if isinstance(collection, QuadMesh):
        entry["values"] = _numbers(collection.get_array())
    elif isinstance(collection, LineCollection):
        entry["segments"] = [_numbers(segment) for segment in collection.get_segments()]
    else:
        offsets = np.asarray(collection.get_offsets(), dtype=float)
        if offsets.size:
            entry["offsets"] = _numbers(offsets)
        else:
            entry["paths"] = [_numbers(path.vertices) for path in collection.get_paths()]
        array = collection.get_array()
        if array is not None:
            entry["values"] = _numbers(array)
    return entry


def _rectangles(axes: Axes) -> list[list[float | int | None]]:
    return [
        _numbers([patch.get_x(), patch.get_y(), patch.get_width(), patch.get_height()])
        for patch in axes.patches
        if isinstance(patch, Rectangle)
    ]


def _annotations(axes: Axes) -> list[dict[str, Any]]:
    return [
        {"text": text.get_text(), "position": _numbers(text.get_position())}
        for text in axes.texts
        if text.get_text().strip()
    ]


def _legend(axes: Axes) -> list[str]:
    legend = axes.get_legend()
    return _texts(legend.get_texts()) if legend is not None else []


def axes_data(axes: Axes) -> dict[str, Any]:
    """Labels, limits and every drawn element of one axes (see the module docstring)."""
    data: dict[str, Any] = {
        "title": axes.get_title(),
        "xlabel": axes.get_xlabel(),
        "ylabel": axes.get_ylabel(),
        "xlim": _numbers(axes.get_xlim()),
        "ylim": _numbers(axes.get_ylim()),
        "xticklabels": _texts(axes.get_xticklabels()),
        "yticklabels": _texts(axes.get_yticklabels()),
        "legend": _legend(axes),
        "lines": _lines(axes),
        "collections": [_collection(c) for c in axes.collections],
        "rectangles": _rectangles(axes),
        "images": [_numbers(image.get_array()) for image in axes.images],
        "texts": _annotations(axes),
    }
    return {key: value for key, value in data.items() if value not in ("", [])}


def figure_data(figure: Figure) -> dict[str, Any]:
    """The data drawn in ``figure``: its title and one entry per visible axes.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        A finished figure, already drawn or saved (tick labels are set when it is drawn).

    Returns
    -------
    dict
        ``{"suptitle": str, "axes": [axes_data(a) for a in figure.axes if a.get_visible()]}``;
        numbers to 12 significant digits, NaN and infinity as ``None``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> figure, axes = plt.subplots()
    >>> _ = axes.bar(["a", "b"], [0.7, 0.8])
    >>> figure_data(figure)["axes"][0]["rectangles"]
    [[-0.4, 0, 0.8, 0.7], [0.6, 0, 0.8, 0.8]]
    >>> plt.close(figure)
    """
    return {
        "suptitle": figure.get_suptitle(),
        "axes": [axes_data(axes) for axes in figure.axes if axes.get_visible()],
    }
