"""Argument checks shared by the analysis modules, with the house error messages.

Each names the parameter, the function, what the value must be and what came (DESIGN §7).
"""

from __future__ import annotations

import numbers


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
