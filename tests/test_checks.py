"""The shared argument checks: their messages are the ones every module raises."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import analysis.checks
from analysis.checks import check_ci, check_generator


def test_doctests():
    failed, attempted = doctest.testmod(analysis.checks)
    assert attempted > 0 and failed == 0


@pytest.mark.parametrize("ci", [0, 1, 1.5, -0.1, True, "0.95", None, np.nan])
def test_check_ci_rejects(ci):
    with pytest.raises(ValueError, match=r"The 'ci' parameter of f must be a float in \(0, 1\)"):
        check_ci(ci, "f")


def test_check_ci_accepts_numpy_floats():
    assert check_ci(np.float32(0.9), "f") == pytest.approx(0.9)


@pytest.mark.parametrize("seed", [-1, 1.5, True, "1", None])
def test_check_generator_rejects(seed):
    with pytest.raises(ValueError, match="'random_state' parameter of f must be a numpy"):
        check_generator(seed, "f")


def test_check_generator_passes_a_generator_through():
    rng = np.random.default_rng(1)
    assert check_generator(rng, "f") is rng
    assert check_generator(np.int64(3), "f").integers(1000) == np.random.default_rng(3).integers(
        1000
    )
