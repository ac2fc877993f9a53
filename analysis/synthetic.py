"""The synthetic survey sample, drawn from the population model in ``survey/population.yaml``.

The thesis's survey microdata are not public. The package therefore draws a synthetic sample from
a documented population model of illustrative assumptions, and labels every output made from it
with :data:`SYNTHETIC_NOTICE`. Every draw uses a local :class:`numpy.random.Generator`; global
random state is never read or changed.
"""

from __future__ import annotations

import numbers
import os
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.instrument import (
    RESPONDENT_ID,
    Instrument,
    InstrumentError,
    Population,
    load_instrument,
    load_population,
)

#: The label every output made from the synthetic sample carries.
SYNTHETIC_NOTICE = (
    "Synthetic data: drawn from the population model in survey/population.yaml, "
    "not real survey responses."
)


def _generator(random_state: np.random.Generator | int) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state >= 0:
            return np.random.default_rng(int(random_state))
    raise ValueError(
        "The 'random_state' parameter of synthetic_responses must be a numpy.random.Generator "
        f"or a non-negative integer seed. Got {random_state!r}."
    )


def _check_n(n: int) -> int:
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
        raise ValueError(
            f"The 'n' parameter of synthetic_responses must be an integer >= 1. Got {n!r}."
        )
    return int(n)


def _check_population(population: Population, instrument: Instrument) -> None:
    if population.instrument_id != instrument.id or tuple(population.probabilities) != (
        instrument.profile_codes
    ):
        raise InstrumentError(
            f"The population model {population.path} was checked against another instrument "
            f"(id {population.instrument_id!r}, variables {list(population.probabilities)}) "
            f"than the one passed (id {instrument.id!r}, variables "
            f"{list(instrument.profile_codes)}). Load it with "
            "load_population(path, instrument) for this instrument."
        )


def _draw_variable(
    rng: np.random.Generator, probabilities: dict[int, float], missing_rate: float, n: int
) -> pd.arrays.IntegerArray:
    codes = np.fromiter(probabilities, dtype=np.int64)
    p = np.fromiter(probabilities.values(), dtype=float)
    answers = rng.choice(codes, size=n, p=p / p.sum())
    nonresponse = rng.random(n) < missing_rate
    return pd.arrays.IntegerArray(answers, nonresponse)


def synthetic_responses(
    instrument: Instrument,
    population: Population,
    *,
    n: int,
    random_state: np.random.Generator | int,
) -> pd.DataFrame:
    """Draw a synthetic sample of respondents from the population model.

    Each profile variable is drawn independently from its categorical distribution
    (``population.probabilities``); then each answer is independently set to missing with
    probability ``population.missing_rate`` (item nonresponse, missing completely at random).
    Variables are drawn in the instrument's order, each as one categorical draw followed by one
    uniform draw for nonresponse, so a seed fixes the whole sample.

    Parameters
    ----------
    instrument : Instrument
        The questionnaire (see :func:`analysis.instrument.load_instrument`).
    population : Population
        The population model, loaded for this instrument
        (see :func:`analysis.instrument.load_population`).
    n : int
        Number of respondents, >= 1.
    random_state : numpy.random.Generator or int
        A generator (advanced by the draws) or a non-negative seed for a new one. Global random
        state is never used.

    Returns
    -------
    pandas.DataFrame
        One row per respondent: ``respondent_id`` (1..n), then one nullable ``Int64`` column per
        profile variable holding the answer code, ``pd.NA`` for item nonresponse.

    Raises
    ------
    ValueError
        If ``n`` or ``random_state`` is not as described.
    InstrumentError
        If ``population`` was loaded for another instrument.

    Examples
    --------
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> population = load_population("survey/population.yaml", instrument)
    >>> sample = synthetic_responses(instrument, population, n=5, random_state=1)
    >>> list(sample.columns)
    ['respondent_id', 'gender', 'age_band', 'bank_type']
    """
    n = _check_n(n)
    rng = _generator(random_state)
    _check_population(population, instrument)
    columns = {RESPONDENT_ID: np.arange(1, n + 1, dtype=np.int64)}
    for code in instrument.profile_codes:
        probabilities = dict(population.probabilities[code])
        columns[code] = _draw_variable(rng, probabilities, population.missing_rate, n)
    return pd.DataFrame(columns)


def _write_atomically(frame: pd.DataFrame, out_path: Path) -> None:
    out_path.parent.mkdir(parents=True, exist_ok=True)
    # Beside the target (same file system, so os.replace is atomic); opened normally so that the
    # file gets the usual permissions (the umask), unlike tempfile's private 0600 files.
    temporary = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("w", encoding="utf-8", newline="") as stream:
            frame.to_csv(stream, index=False, lineterminator="\n")
        os.replace(temporary, out_path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_synthetic_responses(
    instrument_path: str | Path,
    population_path: str | Path,
    out_path: str | Path,
    *,
    n: int,
    seed: int,
) -> Path:
    """Draw the synthetic sample and write it as a CSV file.

    The file is UTF-8, its first line is the header (no comment lines), item nonresponse is an
    empty cell. It is written to a temporary file beside ``out_path`` and moved into place with
    :func:`os.replace`, so ``out_path`` is never left half written. The same inputs and seed give
    a byte-identical file.

    Parameters
    ----------
    instrument_path, population_path : str or Path
        The instrument and the population model (``survey/instrument.yaml``,
        ``survey/population.yaml``).
    out_path : str or Path
        The CSV file to write; its folder is created if needed.
    n : int
        Number of respondents.
    seed : int
        Non-negative seed of the local random generator.

    Returns
    -------
    Path
        ``out_path``.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "responses_synthetic.csv"
    >>> path = write_synthetic_responses(
    ...     "survey/instrument.yaml", "survey/population.yaml", out, n=10, seed=1
    ... )
    >>> path.read_text(encoding="utf-8").splitlines()[0]
    'respondent_id,gender,age_band,bank_type'
    """
    instrument = load_instrument(instrument_path)
    population = load_population(population_path, instrument)
    frame = synthetic_responses(instrument, population, n=n, random_state=seed)
    out_path = Path(out_path)
    _write_atomically(frame, out_path)
    return out_path
