"""Argument checks shared by the analysis modules, with the house error messages.

Each names the parameter, the function, what the value must be and what came (DESIGN §7).
"""

from __future__ import annotations

import numbers

import numpy as np


def check_ci(ci: object, function: str) -> float:
    """The confidence level ``ci`` as a float in (0, 1), or a ValueError naming ``function``.

    Examples
    --------
    >>> check_ci(0.95, "cronbach_alpha")
    0.95
    >>> check_ci(1.5, "cronbach_alpha")
    Traceback (most recent call last):
    ...
    ValueError: The 'ci' parameter of cronbach_alpha must be a float in (0, 1). Got 1.5.
    """
    if isinstance(ci, numbers.Real) and not isinstance(ci, bool) and 0 < ci < 1:
        return float(ci)
    raise ValueError(f"The 'ci' parameter of {function} must be a float in (0, 1). Got {ci!r}.")


def check_generator(random_state: object, function: str) -> np.random.Generator:
    """A generator from ``random_state`` (returned as is) or a non-negative integer seed.

    Global random state is never used. Anything else is a ValueError naming ``function``.

    Examples
    --------
    >>> first, second = check_generator(7, "f"), check_generator(7, "f")
    >>> int(first.integers(100)) == int(second.integers(100))
    True
    >>> check_generator(-1, "parallel_analysis")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: The 'random_state' parameter of parallel_analysis must be a numpy.random...
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state >= 0:
            return np.random.default_rng(int(random_state))
    raise ValueError(
        f"The 'random_state' parameter of {function} must be a numpy.random.Generator or a "
        f"non-negative integer seed. Got {random_state!r}."
    )
