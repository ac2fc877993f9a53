"""The package's statistics beside R's and SmartPLS's on public data: the validation appendix.

The reference tests (``tests/test_reliability.py``, ``test_efa.py``, ``test_cfa.py``,
``test_descriptives.py``) compare this package with R 4.2.2 (lavaan 0.6-14, psych 2.2.9,
semTools 0.5-6) on three public datasets kept in ``tests/reference/``. This module makes the
same comparisons presentable: one tidy table per dataset, one row per statistic (a scalar or
a set of values such as all loadings), with the package's value, the reference value, the
program that produced it, the absolute difference, the tolerance and whether the difference is
within it.

The tolerances are defined once, in :data:`TOLERANCES`; ``tests/test_validation_report.py``
checks that they are the constants the reference tests use and that every comparison made here
passes at them.

- :class:`References` reads the datasets and R's values from the reference folder;
- :func:`hs_comparisons`, :func:`bfi_comparisons` and :func:`mobi_comparisons` run the package's
  functions and compare them;
- :func:`validation_summary` counts the statistics and the largest difference;
- :func:`table_for_paper` formats a comparison table for the paper.

Examples
--------
>>> row = compare("Cronbach's alpha", [0.81], [0.81 + 1e-14], program="psych 2.2.9",
...               tolerance="closed_form")
>>> bool(row["within"].iloc[0]), int(row["n_values"].iloc[0])
(True, 1)
>>> format_difference(3.7e-6)
'3.7e-06'
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.cfa import (
    CfaFit,
    CfaIdentificationWarning,
    ImproperSolutionWarning,
    cfa_average_variance_extracted,
    cfa_composite_reliability,
    cfa_model,
    factor_correlations,
    fit_indices,
    harman_single_factor,
    htmt,
    improper_solution_checks,
    standardized_loadings,
)
from analysis.descriptives import item_statistics
from analysis.efa import bartlett_sphericity, efa, kmo_items, kmo_overall, parallel_analysis
from analysis.reliability import (
    alpha_if_deleted,
    cronbach_alpha,
    item_total_correlations,
    mcdonald_omega,
    standardized_alpha,
)


@dataclass(frozen=True)
class Tolerance:
    """How close the package must come to the reference value, and why.

    ``kind="absolute"``: :math:`|x - r| \\le` ``value``; ``kind="relative"``:
    :math:`|x - r| \\le` ``value`` :math:`\\cdot |r|` (``numpy.testing.assert_allclose`` with
    ``atol`` or ``rtol``).
    """

    value: float
    kind: Literal["absolute", "relative"]
    reason: str

    def allowed(self, reference: np.ndarray) -> np.ndarray:
        """The largest admissible absolute difference for each reference value."""
        reference = np.asarray(reference, dtype=float)
        if self.kind == "absolute":
            return np.full(reference.shape, self.value)
        return self.value * np.abs(reference)

    @property
    def label(self) -> str:
        """``"1e-12"`` for an absolute tolerance, ``"1e-07 rel."`` for a relative one."""
        text = f"{self.value:.0e}"
        return text if self.kind == "absolute" else f"{text} rel."


#: The tolerances of the reference tests, by what limits the agreement. The single source of
#: truth for the validation appendix; ``tests/test_validation_report.py`` checks them against
#: the constants of the reference tests (``CLOSED_FORM_ATOL``, ``OMEGA_ATOL``, ``EXACT``,
#: ``OPTIMIZER``, test_descriptives' ``ATOL``) and the literals stated in ``test_cfa.py``.
TOLERANCES: dict[str, Tolerance] = {
    "closed_form": Tolerance(
        1e-12,
        "absolute",
        "closed-form functions of the data (alpha, item-total r, skewness, kurtosis, HTMT, "
        "Harman's share): limited by the 15 significant digits R wrote",
    ),
    "exact_iteration": Tolerance(
        1e-10,
        "absolute",
        "closed form or deterministic iterations done as R does them (KMO, eigenvalues, "
        "principal axis factoring, principal components)",
    ),
    "exact_relative": Tolerance(
        1e-10, "relative", "Bartlett's chi-square: closed form, compared relative to its size"
    ),
    "omega": Tolerance(
        1e-7,
        "absolute",
        "omega total needs psych's one-factor minres fit, which stops at L-BFGS-B's tolerance",
    ),
    "efa_optimizer": Tolerance(
        1e-5,
        "absolute",
        "minres and ML factor solutions: psych and this package stop their L-BFGS-B optimizers "
        "at ~1e7 machine epsilon of the objective (differences seen up to 3.8e-6)",
    ),
    "cfa_fit": Tolerance(
        1e-7,
        "relative",
        "ML fit measures: flat at the optimum (largest relative difference seen ~2e-9)",
    ),
    "cfa_fit_loose": Tolerance(
        1e-6,
        "relative",
        "robust (MLR) statistics use a numerically differentiated Hessian; mobi's SRMR differs "
        "by 2.8e-7 relative (lavaan's stopping error)",
    ),
    "cfa_parameters": Tolerance(
        1e-5,
        "absolute",
        "CFA parameters and what is computed from them (standardized loadings and their SEs, "
        "factor correlations, CR, AVE): lavaan stops its optimizer at |gradient| ~1e-6",
    ),
    "pls": Tolerance(
        1e-8,
        "absolute",
        "PLS-SEM path coefficients: deterministic iterations that both programs stop when the "
        "weights change by less than 1e-7 (agreement seen 7e-9)",
    ),
    "sem_ill_conditioned": Tolerance(
        1e-3,
        "absolute",
        "the ECSI CB-SEM on mobi is ill-conditioned (a flat ridge): estimates agree to ~1e-4",
    ),
}

#: The reference programs, as the appendix names them (``tests/reference/values/versions.json``
#: records the R packages' versions; SmartPLS's results ship with the CRAN package semPLS).
PROGRAMS: dict[str, str] = {
    "R": "R 4.2.2",
    "lavaan": "lavaan 0.6-14",
    "semTools": "semTools 0.5-6",
    "psych": "psych 2.2.9",
    "SmartPLS": "SmartPLS 2.0.M3",
}

#: Columns of a comparison table (unrounded; the CSV the store writes).
COMPARISON_COLUMNS = (
    "statistic",
    "n_values",
    "estimate",
    "reference",
    "program",
    "abs_difference",
    "tolerance",
    "tolerance_kind",
    "within",
)

HS_CONSTRUCTS: dict[str, list[str]] = {
    "visual": ["x1", "x2", "x3"],
    "textual": ["x4", "x5", "x6"],
    "speed": ["x7", "x8", "x9"],
}
#: psych::bfi: five 5-item scales; the reverse-keyed items (psych's bfi.keys) are scored 7 - x.
BFI_SCALES: dict[str, list[str]] = {s: [f"{s}{i}" for i in range(1, 6)] for s in "ACENO"}
BFI_ITEMS: list[str] = [item for items in BFI_SCALES.values() for item in items]
BFI_REVERSED: list[str] = ["A1", "C4", "C5", "E1", "E2", "O2", "O5"]
#: The ECSI measurement model of 03_mobi.R (Complaints: one item, residual variance fixed to 0).
MOBI_CONSTRUCTS: dict[str, list[str]] = {
    "Image": [f"IMAG{i}" for i in range(1, 6)],
    "Expectation": [f"CUEX{i}" for i in range(1, 4)],
    "Quality": [f"PERQ{i}" for i in range(1, 8)],
    "Value": ["PERV1", "PERV2"],
    "Satisfaction": [f"CUSA{i}" for i in range(1, 4)],
    "Complaints": ["CUSCO"],
    "Loyalty": [f"CUSL{i}" for i in range(1, 4)],
}

#: The ECSI inner model of 03_mobi.R and of the SmartPLS reference (path weighting scheme).
MOBI_PATHS: list[tuple[str, str]] = [
    ("Image", "Expectation"),
    ("Expectation", "Quality"),
    ("Expectation", "Value"),
    ("Quality", "Value"),
    ("Image", "Satisfaction"),
    ("Expectation", "Satisfaction"),
    ("Quality", "Satisfaction"),
    ("Value", "Satisfaction"),
    ("Satisfaction", "Complaints"),
    ("Image", "Loyalty"),
    ("Satisfaction", "Loyalty"),
    ("Complaints", "Loyalty"),
]

_DATA_FILES = {"hs": "hs_lavaan.csv", "bfi": "bfi_psych.csv", "mobi": "mobi.csv"}


class References:
    """The public datasets and R's values in the reference folder (``tests/reference``).

    Parameters
    ----------
    folder : str or PathLike
        The reference folder: ``data/``, ``values/`` and ``published/``.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not (self.folder / "values").is_dir():
            raise FileNotFoundError(
                f"The 'folder' parameter of References must be the reference folder holding "
                f"data/, values/ and published/ (tests/reference). Got {str(folder)!r}."
            )

    def data(self, name: str) -> pd.DataFrame:
        """A dataset: ``"hs"``, ``"bfi"`` (raw answers, as psych::bfi) or ``"mobi"``."""
        if name not in _DATA_FILES:
            raise ValueError(
                f"The 'name' parameter of References.data must be one of {sorted(_DATA_FILES)}. "
                f"Got {name!r}."
            )
        index_col = 0 if name == "bfi" else None
        return pd.read_csv(self.folder / "data" / _DATA_FILES[name], index_col=index_col)

    def values(self, name: str) -> pd.DataFrame:
        """A CSV of R's values (``values/<name>``)."""
        return pd.read_csv(self.folder / "values" / name)

    def published(self, name: str) -> pd.DataFrame:
        """A CSV of published results (``published/<name>``: SmartPLS 2.0.M3 on mobi)."""
        return pd.read_csv(self.folder / "published" / name)

    def json(self, name: str) -> dict[str, Any]:
        """A JSON file of R's values (``values/<name>``)."""
        return json.loads((self.folder / "values" / name).read_text(encoding="utf-8"))

    @cached_property
    def hs(self) -> dict[str, Any]:
        return self.json("hs_cfa_reference.json")

    @cached_property
    def bfi(self) -> dict[str, Any]:
        return self.json("bfi_reference.json")

    @cached_property
    def mobi(self) -> dict[str, Any]:
        return self.json("mobi_reference.json")


def _matrix(records: list[dict]) -> pd.DataFrame:
    """A matrix stored by 00_common.R's ``mat()``: records with a ``row`` column."""
    return pd.DataFrame(records).set_index("row")


def _pairs(matrix: pd.DataFrame, table: pd.DataFrame) -> np.ndarray:
    """The entries of a square matrix for the (construct_a, construct_b) rows of a table."""
    return np.array(
        [matrix.loc[a, b] for a, b in zip(table["construct_a"], table["construct_b"], strict=True)]
    )


def compare(
    statistic: str,
    estimate: Sequence[float] | np.ndarray | pd.Series | float,
    reference: Sequence[float] | np.ndarray | pd.Series | float,
    *,
    program: str,
    tolerance: str,
) -> pd.DataFrame:
    """One row of a comparison table: the package's values against the reference values.

    Parameters
    ----------
    statistic : str
        What is compared, as the paper names it (``"Standardized loadings"``).
    estimate, reference : float or array-like
        The package's values and the reference values, in the same order.
    program : str
        The reference program and version (a value of :data:`PROGRAMS`).
    tolerance : str
        A key of :data:`TOLERANCES`.

    Returns
    -------
    pandas.DataFrame
        One row with :data:`COMPARISON_COLUMNS`. For several values, ``estimate`` and
        ``reference`` are those of the value with the largest difference relative to its
        tolerance, ``abs_difference`` the largest absolute difference, and ``within`` whether
        every value is within tolerance.
    """
    if tolerance not in TOLERANCES:
        raise ValueError(
            f"The 'tolerance' parameter of compare must be one of {sorted(TOLERANCES)}. "
            f"Got {tolerance!r}."
        )
    ours = np.atleast_1d(np.asarray(estimate, dtype=float)).ravel()
    theirs = np.atleast_1d(np.asarray(reference, dtype=float)).ravel()
    if ours.shape != theirs.shape or ours.size == 0:
        raise ValueError(
            f"The 'estimate' and 'reference' parameters of compare must hold the same number "
            f"of values (at least one) for {statistic!r}. Got {ours.size} and {theirs.size}."
        )
    rule = TOLERANCES[tolerance]
    difference = np.abs(ours - theirs)
    allowed = rule.allowed(theirs)
    worst = int(np.argmax(np.where(allowed > 0, difference / np.where(allowed > 0, allowed, 1), 0)))
    within = bool(np.all(np.isfinite(difference)) and np.all(difference <= allowed))
    row = {
        "statistic": statistic,
        "n_values": int(ours.size),
        "estimate": float(ours[worst]),
        "reference": float(theirs[worst]),
        "program": program,
        "abs_difference": float(np.max(difference)),
        "tolerance": rule.value,
        "tolerance_kind": rule.kind,
        "within": within,
    }
    return pd.DataFrame([row], columns=list(COMPARISON_COLUMNS))


def _table(rows: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(rows, ignore_index=True)


#: lavaan's names of the fit measures that :func:`analysis.cfa.fit_indices` reports.
_LAVAAN_NAMES = {
    ("chi2", "standard"): "chisq",
    ("cfi", "standard"): "cfi",
    ("tli", "standard"): "tli",
    ("rmsea", "standard"): "rmsea",
    ("srmr", "standard"): "srmr",
    ("chi2", "scaled"): "chisq.scaled",
    ("cfi", "robust"): "cfi.robust",
    ("rmsea", "robust"): "rmsea.robust",
}


def _fit_rows(
    model: CfaFit, reference: Mapping[str, float], names: Mapping[tuple[str, str], str], tol: str
) -> list[pd.DataFrame]:
    table = fit_indices(model).set_index(["index", "version"])
    return [
        compare(
            label,
            table.loc[key, "estimate"],
            reference[_LAVAAN_NAMES[key]],
            program=PROGRAMS["lavaan"],
            tolerance=tol,
        )
        for key, label in names.items()
    ]


_ML_FIT = {
    ("chi2", "standard"): "Chi-square (ML)",
    ("cfi", "standard"): "CFI",
    ("tli", "standard"): "TLI",
    ("rmsea", "standard"): "RMSEA",
    ("srmr", "standard"): "SRMR",
}
_MLR_FIT = {
    ("chi2", "scaled"): "Chi-square, scaled MLR",
    ("cfi", "robust"): "CFI, robust (MLR)",
    ("rmsea", "robust"): "RMSEA, robust (MLR)",
}


def _loading_rows(model: CfaFit, params: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    lavaan = params[params["op"] == "=~"].reset_index(drop=True)
    ours = standardized_loadings(model)
    if ours["item"].tolist() != lavaan["rhs"].tolist():
        raise ValueError(
            "The standardized loadings are not in lavaan's order: "
            f"{ours['item'].tolist()} vs {lavaan['rhs'].tolist()}."
        )
    return (
        compare(
            "Standardized loadings",
            ours["estimate"],
            lavaan["std.all"],
            program=PROGRAMS["lavaan"],
            tolerance="cfa_parameters",
        ),
        compare(
            "SE of std. loadings",
            ours["se"],
            lavaan["std.se"],
            program=PROGRAMS["lavaan"],
            tolerance="cfa_parameters",
        ),
    )


def _reliability_rows(model: CfaFit, reference: Mapping[str, Any]) -> list[pd.DataFrame]:
    cr = cfa_composite_reliability(model)
    ave = cfa_average_variance_extracted(model)
    program = PROGRAMS["lavaan"]  # R's hand formula on lavaan's standardized loadings
    return [
        compare(
            "CR",
            cr["estimate"],
            cr["construct"].map(reference["CR_from_std_loadings"]),
            program=program,
            tolerance="cfa_parameters",
        ),
        compare(
            "AVE",
            ave["estimate"],
            ave["construct"].map(reference["AVE_from_std_loadings"]),
            program=program,
            tolerance="cfa_parameters",
        ),
    ]


def _htmt_rows(
    data: pd.DataFrame, constructs: Mapping[str, list[str]], reference: Mapping[str, Any]
) -> list[pd.DataFrame]:
    rows = []
    for definition, key, label in [
        ("original", "htmt_henseler2015_arithmetic", "HTMT (original)"),
        ("htmt2", "htmt_semTools_htmt2_geometric", "HTMT2"),
    ]:
        table = htmt(data, constructs=constructs, definition=definition)
        rows.append(
            compare(
                label,
                table["estimate"],
                _pairs(_matrix(reference[key]), table),
                program=PROGRAMS["semTools"],
                tolerance="closed_form",
            )
        )
    return rows


def hs_comparisons(model: CfaFit, robust: CfaFit, references: References) -> pd.DataFrame:
    """Holzinger-Swineford: the 3-factor CFA, its reliability and HTMT against lavaan/semTools.

    Parameters
    ----------
    model, robust : CfaFit
        :func:`analysis.cfa.cfa_model` on ``references.data("hs")`` with
        :data:`HS_CONSTRUCTS`, by ML and by MLR (``01_hs_cfa.R``: ``cfa(HS.model, data = HS)``
        and ``estimator = "MLR"``).
    references : References
        The reference folder.
    """
    reference = references.hs
    correlations = factor_correlations(model)
    rows = [
        *_fit_rows(model, reference["fit_measures"], _ML_FIT, "cfa_fit"),
        *_fit_rows(robust, reference["fit_measures_MLR"], _MLR_FIT, "cfa_fit_loose"),
        *_loading_rows(model, references.values("hs_cfa_params.csv")),
        compare(
            "Factor correlations",
            correlations["estimate"],
            _pairs(_matrix(reference["factor_correlations"]), correlations),
            program=PROGRAMS["lavaan"],
            tolerance="cfa_parameters",
        ),
        *_reliability_rows(model, reference),
        *_htmt_rows(references.data("hs"), HS_CONSTRUCTS, reference),
    ]
    return _table(rows)


def scored_bfi(data: pd.DataFrame) -> pd.DataFrame:
    """psych::bfi with the reverse-keyed items scored ``7 - x`` (as ``02_bfi_psych.R``)."""
    scored = data.copy()
    scored[BFI_REVERSED] = 7 - scored[BFI_REVERSED]
    return scored


def _per_scale(function: Any, data: pd.DataFrame, **options: Any) -> np.ndarray:
    return np.array(
        [
            float(function(data, items=items, **options)["estimate"].iloc[0])
            for items in BFI_SCALES.values()
        ]
    )


def _per_item(function: Any, data: pd.DataFrame, **options: Any) -> np.ndarray:
    tables = [function(data, items=items, **options) for items in BFI_SCALES.values()]
    return pd.concat(tables, ignore_index=True)["estimate"].to_numpy()


def _aligned(loadings: pd.DataFrame, reference: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Our loadings with each factor's sign turned to psych's (psych makes column sums positive,
    this package the largest loading), and those signs. The factor order is the same."""
    ours, theirs = loadings.to_numpy(), reference.loc[loadings.index].to_numpy()
    signs = np.sign(np.sum(ours * theirs, axis=0))
    return ours * signs, signs


def _efa_row(
    data: pd.DataFrame, references: References, *, label: str, name: str, tolerance: str, **kwargs
) -> pd.DataFrame:
    result = efa(data, items=BFI_ITEMS, n_factors=5, **kwargs)
    reference = references.values(f"{name}_loadings.csv").set_index("item")
    ours, _ = _aligned(result.loadings, reference)
    return compare(
        label,
        ours,
        reference.loc[result.loadings.index],
        program=PROGRAMS["psych"],
        tolerance=tolerance,
    )


def bfi_comparisons(data: pd.DataFrame, references: References) -> pd.DataFrame:
    """psych::bfi: reliability, factorability, EFA and item descriptives against psych 2.2.9.

    Parameters
    ----------
    data : pandas.DataFrame
        ``references.data("bfi")``, the raw answers (2800 rows, 25 six-point items).
    references : References
        The reference folder.

    Notes
    -----
    Reliability is computed on the scored items (:func:`scored_bfi`) per 5-item scale with
    psych's default ``use = "pairwise"``, and listwise for raw alpha; factorability, EFA and
    the eigenvalues on the 2436 complete rows of the raw items (``na.omit(bfi[, 1:25])``).
    """
    scored = scored_bfi(data)
    alpha = references.values("bfi_alpha.csv")
    dropped = references.values("bfi_alpha_if_deleted.csv")
    item_stats = references.values("bfi_alpha_item_stats.csv")
    omega = references.values("bfi_omega.csv")
    kmo = references.values("bfi_kmo_items.csv")
    describe = references.values("bfi_item_describe.csv")
    eigen = references.values("bfi_eigen_parallel.csv")
    communalities = references.values("bfi_fa5_communalities.csv").set_index("item")
    reference = references.bfi
    psych = PROGRAMS["psych"]
    minres = efa(data, items=BFI_ITEMS, n_factors=5)
    loadings_reference = references.values(
        "bfi_fa5_minres_oblimin_complete_loadings.csv"
    ).set_index("item")
    minres_loadings, signs = _aligned(minres.loadings, loadings_reference)
    phi = minres.factor_correlations.to_numpy() * np.outer(signs, signs)
    observed = parallel_analysis(data, items=BFI_ITEMS, factors="pc", n_iter=2, random_state=0)
    statistics = item_statistics(data, items=BFI_ITEMS)
    bartlett = bartlett_sphericity(data, items=BFI_ITEMS).iloc[0]
    rows = [
        compare(
            "Alpha, raw (pairwise)",
            _per_scale(cronbach_alpha, scored),
            alpha["raw_alpha"],
            program=psych,
            tolerance="closed_form",
        ),
        compare(
            "Alpha, raw (listwise)",
            _per_scale(cronbach_alpha, scored, nan_policy="listwise"),
            alpha["raw_alpha_complete"],
            program=psych,
            tolerance="closed_form",
        ),
        compare(
            "Standardized alpha",
            _per_scale(standardized_alpha, scored),
            alpha["std_alpha"],
            program=psych,
            tolerance="closed_form",
        ),
        compare(
            "Alpha if item deleted",
            _per_item(alpha_if_deleted, scored),
            dropped["raw_alpha_if_deleted"],
            program=psych,
            tolerance="closed_form",
        ),
        compare(
            "Item-total r (r.drop)",
            _per_item(item_total_correlations, scored),
            item_stats["r_drop"],
            program=psych,
            tolerance="closed_form",
        ),
        compare(
            "Omega total (minres)",
            _per_scale(mcdonald_omega, scored),
            omega["omega_t_psych_minres_pairwise"],
            program=psych,
            tolerance="omega",
        ),
        compare(
            "KMO (complete rows)",
            kmo_overall(data, items=BFI_ITEMS)["estimate"].iloc[0],
            reference["KMO_overall_complete"],
            program=psych,
            tolerance="exact_iteration",
        ),
        compare(
            "KMO (pairwise)",
            kmo_overall(data, items=BFI_ITEMS, nan_policy="pairwise")["estimate"].iloc[0],
            reference["KMO_overall_pairwise"],
            program=psych,
            tolerance="exact_iteration",
        ),
        compare(
            "KMO per item (MSA)",
            kmo_items(data, items=BFI_ITEMS)["estimate"],
            kmo["MSAi_complete"],
            program=psych,
            tolerance="exact_iteration",
        ),
        compare(
            "Bartlett's chi-square",
            bartlett["statistic"],
            reference["bartlett_complete_n2436"]["chisq"],
            program=psych,
            tolerance="exact_relative",
        ),
        compare(
            "Eigenvalues",
            observed.eigenvalues["observed"],
            eigen["eigen_pc_observed"],
            program=PROGRAMS["R"],
            tolerance="exact_iteration",
        ),
        compare(
            "Loadings, minres + oblimin",
            minres_loadings,
            loadings_reference.loc[minres.loadings.index],
            program=psych,
            tolerance="efa_optimizer",
        ),
        compare(
            "Communalities, minres",
            minres.communalities["communality"],
            communalities.loc[minres.communalities.index, "h2_minres_oblimin_cc"],
            program=psych,
            tolerance="efa_optimizer",
        ),
        compare(
            "Factor correlations, oblimin",
            phi,
            _matrix(reference["fa5_minres_oblimin_complete"]["Phi"]),
            program=psych,
            tolerance="efa_optimizer",
        ),
        _efa_row(
            data,
            references,
            label="Loadings, ML + oblimin",
            name="bfi_fa5_ml_oblimin_complete",
            tolerance="efa_optimizer",
            extraction="ml",
        ),
        _efa_row(
            data,
            references,
            label="Loadings, PAF + varimax",
            name="bfi_fa5_pa_varimax_complete",
            tolerance="exact_iteration",
            extraction="pa",
            rotation="varimax",
        ),
        _efa_row(
            data,
            references,
            label="Loadings, PCA + varimax",
            name="bfi_pca5_varimax_complete",
            tolerance="exact_iteration",
            extraction="pc",
            rotation="varimax",
        ),
        compare(
            "Skewness, type 2 (SPSS)",
            statistics["skew"],
            describe["skew_type2_spss"],
            program=psych,
            tolerance="closed_form",
        ),
        compare(
            "Kurtosis, type 2 (SPSS)",
            statistics["kurtosis"],
            describe["kurtosis_type2_spss"],
            program=psych,
            tolerance="closed_form",
        ),
    ]
    return _table(rows)


def mobi_cfa(data: pd.DataFrame) -> CfaFit:
    """The ECSI measurement model on mobi, fitted and flagged (improper, as in lavaan).

    The single-item Complaints construct and the improper solution are expected: their
    warnings are silenced here, and the fit's ``status`` and ``checks`` say so.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CfaIdentificationWarning)
        warnings.simplefilter("ignore", ImproperSolutionWarning)
        return cfa_model(data, constructs=MOBI_CONSTRUCTS)


def mobi_comparisons(model: CfaFit, references: References) -> pd.DataFrame:
    """mobi (ECSI): the CFA, CR/AVE, HTMT and Harman's test against lavaan/semTools/R.

    Parameters
    ----------
    model : CfaFit
        :func:`mobi_cfa` of ``references.data("mobi")``.
    references : References
        The reference folder.

    Notes
    -----
    lavaan's solution is improper (latent covariance matrix not positive definite); so is the
    package's, and the comparison includes the smallest eigenvalue of the latent correlation
    matrix that shows it. The structural model (CB-SEM and PLS) is compared elsewhere.
    """
    data = references.data("mobi")
    reference = references.mobi
    cfa_reference = reference["cfa"]
    correlations = factor_correlations(model)
    lavaan_cor_lv = _matrix(cfa_reference["factor_correlations"])
    checks = improper_solution_checks(model).set_index("check")
    harman = harman_single_factor(data, items=list(data.columns)).iloc[0]
    multi = {name: items for name, items in MOBI_CONSTRUCTS.items() if len(items) > 1}
    rows = [
        *_fit_rows(model, cfa_reference["fit"], _ML_FIT, "cfa_fit_loose"),
        *_loading_rows(model, references.values("mobi_cfa_params.csv")),
        compare(
            "Factor correlations",
            correlations["estimate"],
            _pairs(lavaan_cor_lv, correlations),
            program=PROGRAMS["lavaan"],
            tolerance="cfa_parameters",
        ),
        compare(
            "Smallest eigenvalue, factor corr.",
            checks.loc["latent covariance matrix not positive definite", "estimate"],
            np.linalg.eigvalsh(lavaan_cor_lv.to_numpy())[0],
            program=PROGRAMS["lavaan"],
            tolerance="cfa_parameters",
        ),
        *_reliability_rows(model, cfa_reference),
        *_htmt_rows(data, multi, reference),
        compare(
            "Harman: first component's share",
            harman["estimate"],
            reference["harman"]["first_pc_pct_variance"],
            program=PROGRAMS["R"],
            tolerance="closed_form",
        ),
        compare(
            "Harman: first eigenvalue",
            harman["eigenvalue"],
            reference["harman"]["eigen_first5"][0],
            program=PROGRAMS["R"],
            tolerance="exact_iteration",
        ),
    ]
    return _table(rows)


def mobi_pls_comparisons(references: References, *, random_state: int = 1) -> pd.DataFrame:
    """mobi (ECSI): PLS-SEM path coefficients (path weighting) against SmartPLS 2.0.M3.

    The point estimates do not depend on the bootstrap; a few draws are made only because
    :func:`analysis.sem.pls_paths` always reports its intervals.
    """
    from analysis.sem import pls_paths
    from analysis.semmodel import SemSpecification

    spec = SemSpecification(MOBI_CONSTRUCTS, MOBI_PATHS)
    paths = pls_paths(
        references.data("mobi"),
        spec,
        n_boot=10,
        random_state=random_state,
        n_jobs=1,
        progress=False,
    )
    published = pd.read_csv(references.folder / "published" / "smartpls2_ecsi_mobi_paths.csv")
    want = published.query("scheme == 'pathWeighting'").set_index(["from", "to"])["value"]
    got = paths.set_index(["source", "target"])["estimate"]
    return compare(
        "PLS path coefficients",
        got[want.index],
        want,
        program=PROGRAMS["SmartPLS"],
        tolerance="pls",
    )


def outside_tolerance(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a comparison table whose difference exceeds the tolerance."""
    return table[~table["within"].astype(bool)]


def format_difference(value: float) -> str:
    """A difference as the paper prints it: ``"3.7e-06"``; an exact match is ``"0"``."""
    return "0" if value == 0 else f"{value:.1e}"


def format_number(value: float) -> str:
    """A compared value as the paper prints it: 4 decimals, 3 significant digits if tiny, and
    1 decimal with thousands separators from 1000 on (a chi-square)."""
    if value != 0 and abs(value) < 1e-3:
        return f"{value:.3g}"
    if abs(value) >= 1000:
        return f"{value:,.1f}"
    return f"{value:.4f}"


def validation_summary(tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """Counts over all comparison tables.

    Returns
    -------
    dict
        ``n_statistics`` (rows), ``n_values`` (individual values compared),
        ``n_within_tolerance`` (rows within tolerance), ``max_abs_difference`` and the
        ``max_statistic`` and ``max_dataset`` where it occurs.
    """
    both = pd.concat(
        [table.assign(dataset=name) for name, table in tables.items()], ignore_index=True
    )
    largest = both.loc[both["abs_difference"].idxmax()]
    return {
        "n_statistics": len(both),
        "n_values": int(both["n_values"].sum()),
        "n_within_tolerance": int(both["within"].sum()),
        "max_abs_difference": float(largest["abs_difference"]),
        "max_statistic": str(largest["statistic"]),
        "max_dataset": str(largest["dataset"]),
    }


def table_for_paper(table: pd.DataFrame) -> pd.DataFrame:
    """A comparison table with the paper's column names; numbers stay numbers (the store's
    ``formats`` print them with :func:`format_number` and :func:`format_difference`).

    The program is named without its version (``lavaan``), to keep the table narrow: the
    caption and the text give the versions (:data:`PROGRAMS`), and the CSV keeps them."""
    tolerance = [
        Tolerance(value, kind, "").label
        for value, kind in zip(table["tolerance"], table["tolerance_kind"], strict=True)
    ]
    return pd.DataFrame(
        {
            "Statistic": table["statistic"],
            "n": table["n_values"],
            "Package": table["estimate"],
            "Reference": table["reference"],
            "Program": table["program"].str.split(" ").str[0],
            "Difference": table["abs_difference"],
            "Tolerance": tolerance,
            "Status": np.where(table["within"], "within", "outside"),
        }
    )


#: The ``formats`` argument of :meth:`analysis.store.ResultsStore.add_table` for
#: :func:`table_for_paper`'s columns.
PAPER_FORMATS = {
    "Package": format_number,
    "Reference": format_number,
    "Difference": format_difference,
}
