"""The data read back from figures: every kind of element the study's figures draw."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
import pytest

from analysis.figuredata import figure_data


@pytest.fixture
def figure():
    figure, (left, right) = plt.subplots(1, 2)
    figure.suptitle("Two panels")
    left.plot([2019, 2021, 2023], [0.5, np.nan, 1.25], label="ROA")
    left.scatter([1, 2], [3, 4], label="banks")
    left.errorbar([0, 1], [1.0, 2.0], yerr=[0.1, 0.2], fmt="none")
    left.legend()
    left.set(title="Trend", xlabel="year", ylabel="percent")
    right.barh(["CITIC", "HSBC"], [0.625, 0.375])
    right.annotate("62.5%", (0.625, 0))
    right.imshow([[1.0, 2.0], [3.0, 4.0]])
    figure.canvas.draw()
    yield figure
    plt.close(figure)


def test_lines_keep_their_data_coordinates_and_missing_points(figure):
    line = figure_data(figure)["axes"][0]["lines"][0]
    assert line == {"label": "ROA", "x": [2019, 2021, 2023], "y": [0.5, None, 1.25]}


def test_scatter_offsets_and_error_bar_segments(figure):
    collections = figure_data(figure)["axes"][0]["collections"]
    scatter = next(c for c in collections if c["type"] == "PathCollection")
    assert scatter["offsets"] == [[1, 3], [2, 4]]
    bars = next(c for c in collections if c["type"] == "LineCollection")
    assert bars["segments"] == [[[0, 0.9], [0, 1.1]], [[1, 1.8], [1, 2.2]]]


def test_bars_categories_annotations_and_images(figure):
    right = figure_data(figure)["axes"][1]
    assert right["rectangles"] == [[0, -0.4, 0.625, 0.8], [0, 0.6, 0.375, 0.8]]
    assert right["yticklabels"] == ["CITIC", "HSBC"]
    assert right["texts"] == [{"text": "62.5%", "position": [0.625, 0]}]
    assert right["images"] == [[[1, 2], [3, 4]]]


def test_titles_labels_and_legend(figure):
    data = figure_data(figure)
    assert data["suptitle"] == "Two panels"
    left = data["axes"][0]
    assert (left["title"], left["xlabel"], left["ylabel"]) == ("Trend", "year", "percent")
    assert left["legend"] == ["ROA", "banks"]


def test_numbers_are_rounded_to_twelve_significant_digits_and_json_safe(figure):
    axes = figure.axes[0]
    axes.plot([0, 1], [1 / 3, np.inf])
    line = figure_data(figure)["axes"][0]["lines"][-1]
    assert line["y"] == [0.333333333333, None]
    json.dumps(figure_data(figure), allow_nan=False)
