"""Customer segmentation (positioning): segments by value, relationship and needs.

The thesis positions the branch's customers by what they are worth to the bank (assets,
products held, tenure), how they bank with it (channels) and what they need from it (stated
importance of the CRM touch-points). The steps, one function each:

1. :func:`segmentation_features`: the feature matrix, standardized (z-scores);
2. :func:`choose_segments`: k-means silhouette and Gaussian-mixture BIC for each k, and the
   stated rule for k;
3. :func:`segment_stability`: bootstrap stability of the k-means solution (Hennig 2007);
4. :func:`fit_segments`: the k-means segments, labelled deterministically (1 = largest);
5. :func:`segment_profiles`: size, share and means (with confidence intervals) of every
   feature, touch-point performance, satisfaction and loyalty by segment;
6. :func:`targeting_table`: each segment's priority touch-points, by a stated rule;
7. :func:`plot_segment_profiles`: a heatmap of the profiles (rows labelled by
   :func:`measure_labels`).

:func:`silhouette_widths` and :func:`adjusted_rand_index` are the two agreement measures,
tested against R's ``cluster::silhouette`` and ``mclust::adjustedRandIndex``.

**Seed policy.** Every function that fits k-means takes ``random_state`` (a generator or a
seed), never global state, and first puts the rows in a canonical order (lexicographic on the
feature values): the result does not depend on the order of the rows, and the labels of
:func:`fit_segments` are ordered by segment size, so the same data and seed give the same
labels.

On the synthetic sample the planted segments (``survey/population.yaml``, ``segments``) are
illustrative assumptions, not findings; satisfaction and loyalty do not differ between them in
the population (the segments never touch the evaluation items).
"""

from __future__ import annotations

import numbers
import textwrap
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from scipy import stats
from scipy.spatial.distance import cdist
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from analysis.checks import check_ci, check_generator
from analysis.descriptives import construct_scores, item_frame
from analysis.instrument import Instrument, check_language

#: Name of the label Series of :func:`fit_segments` and of the segment column of the tables.
SEGMENT = "segment"
#: Value and relationship indicators: ordered bands, used as scores 1, 2, ... (equal spacing).
VALUE_VARIABLES = ("assets_band", "products_held", "tenure_years")
#: The multiple-choice question of the channels used.
CHANNEL_QUESTION = "main_channels"
#: The options of :data:`CHANNEL_QUESTION` that are digital channels.
DIGITAL_CHANNELS = ("mobile_app", "online", "wechat")
#: How channel use enters the features: one 0/1 column per channel, or the number of channels
#: and the digital share; None leaves channels out.
CHANNEL_CODINGS = ("dummies", "summary", None)
#: Missing values in the features: drop incomplete rows, or impute each feature's median.
NAN_POLICIES = ("listwise", "median")
#: Share of rows dropped listwise above which :func:`segmentation_features` warns.
DROPPED_WARNING = 0.2
#: Covariance structures of the Gaussian mixture of :func:`choose_segments` (scikit-learn's).
COVARIANCE_TYPES = ("diag", "spherical", "tied", "full")
#: Default number of k-means starts (scikit-learn's default is 1 with k-means++ in 1.4+).
N_INIT = 50
#: Default number of k-means starts per bootstrap fit of :func:`segment_stability`.
N_INIT_BOOT = 20
#: Hennig's (2007) thresholds for the mean bootstrap Jaccard similarity of a segment.
JACCARD_DISSOLVED = 0.5
#: Columns of :func:`choose_segments`.
CHOICE_COLUMNS = ("k", "silhouette", "inertia", "bic", "chosen", "bic_best", "n", "method")
#: Columns of :func:`segment_stability`.
STABILITY_COLUMNS = (
    "segment",
    "statistic",
    "estimate",
    "sd",
    "ci_low",
    "ci_high",
    "share_dissolved",
    "n_boot",
    "n",
    "method",
)
#: Columns of :func:`segment_profiles`.
PROFILE_COLUMNS = (
    "segment",
    "measure",
    "kind",
    "n",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "sample_mean",
    "sample_sd",
    "std_diff",
    "method",
)
#: What each measure of :func:`segment_profiles` describes.
PROFILE_KINDS = ("share", "value", "demographic", "channel", "need", "performance", "outcome")
#: Columns of :func:`targeting_table`.
TARGETING_COLUMNS = (
    "segment",
    "n",
    "share",
    "defining_features",
    "priority_touchpoints",
    "priority_scores",
    "method",
)
#: Kinds shown by default in :func:`plot_segment_profiles`.
PLOT_KINDS = ("value", "demographic", "channel", "need")
#: Derived channel features of the ``"summary"`` coding.
N_CHANNELS, DIGITAL_SHARE = "n_channels", "digital_share"


class SegmentWarning(UserWarning):
    """A feature was dropped, many rows were, a segment is tiny, or bootstrap fits failed."""


# --------------------------------------------------------------------------------------------
# Checks


def _seed(rng: np.random.Generator) -> int:
    """A seed for scikit-learn drawn from ``rng``."""
    return int(rng.integers(0, 2**31 - 1))


def _check_int(value: object, name: str, function: str, minimum: int) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(
            f"The '{name}' parameter of {function} must be an integer >= {minimum}. Got {value!r}."
        )
    return int(value)


def _check_choice(value: object, choices: Sequence[object], name: str, function: str) -> None:
    if value not in choices:
        raise ValueError(
            f"The '{name}' parameter of {function} must be one of {list(choices)}. Got {value!r}."
        )


def _matrix(features: pd.DataFrame, function: str) -> np.ndarray:
    """The features as a float matrix: a DataFrame of numbers, no missing or infinite value."""
    if not isinstance(features, pd.DataFrame):
        raise TypeError(
            f"The 'features' parameter of {function} must be a pandas DataFrame (from "
            f"segmentation_features). Got {type(features).__name__}."
        )
    if features.shape[1] == 0:
        raise ValueError(f"The 'features' parameter of {function} has no columns.")
    not_numeric = [c for c in features.columns if not pd.api.types.is_numeric_dtype(features[c])]
    if not_numeric:
        raise TypeError(
            f"Features {not_numeric} of {function} are not numeric. Build the features with "
            "segmentation_features."
        )
    values = features.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    incomplete = [
        c for c, bad in zip(features.columns, ~np.isfinite(values).all(axis=0), strict=True) if bad
    ]
    if incomplete:
        raise ValueError(
            f"Features {incomplete} of {function} hold missing or infinite values. Build the "
            "features with segmentation_features (nan_policy 'listwise' or 'median')."
        )
    return values


def _check_k(k: object, values: np.ndarray, name: str, function: str) -> int:
    """``k`` in 2..n-1 (silhouettes need a point outside each segment) and <= distinct rows."""
    if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 2:
        what = "hold integers" if name == "k_range" else "be an integer"
        raise ValueError(
            f"The '{name}' parameter of {function} must {what} >= 2 (numbers of segments). "
            f"Got {k!r}."
        )
    k = int(k)
    n = len(values)
    if n < k + 1:
        raise ValueError(
            f"Too few rows: the features have {n} row(s), and {function} with k = {k} "
            f"needs at least {k + 1} (k segments and a silhouette need k <= n - 1). Use a "
            "smaller k or more respondents."
        )
    distinct = len(np.unique(values, axis=0))
    if k > distinct:
        raise ValueError(
            f"The '{name}' parameter of {function} asks for {k} segments, but the features have "
            f"only {distinct} distinct row(s), so at most {distinct} segments can differ. Use "
            f"k <= {distinct}."
        )
    return k


def _canonical(values: np.ndarray) -> np.ndarray:
    """Row order that sorts the rows lexicographically (first column first); stable."""
    return np.lexsort(values.T[::-1])


# --------------------------------------------------------------------------------------------
# Agreement measures


def _labels(labels: object, name: str, function: str) -> np.ndarray:
    array = np.asarray(pd.Series(labels).to_numpy())
    if array.ndim != 1 or len(array) == 0:
        raise ValueError(
            f"The '{name}' parameter of {function} must be a non-empty one-dimensional "
            f"sequence of labels. Got shape {array.shape}."
        )
    if pd.isna(array).any():
        raise ValueError(
            f"The '{name}' parameter of {function} holds missing labels. Drop those rows first."
        )
    return array


def adjusted_rand_index(labels_a: Sequence[object], labels_b: Sequence[object]) -> float:
    r"""Adjusted Rand index of two partitions of the same rows (Hubert & Arabie 1985).

    With the contingency table :math:`n_{ij}` of the two partitions, row sums :math:`a_i`,
    column sums :math:`b_j` and :math:`n` rows,

    .. math::

        \mathrm{ARI} = \frac{\sum_{ij}\binom{n_{ij}}{2} - E}{\tfrac12\left[\sum_i
        \binom{a_i}{2} + \sum_j \binom{b_j}{2}\right] - E},\qquad
        E = \frac{\sum_i \binom{a_i}{2}\sum_j \binom{b_j}{2}}{\binom{n}{2}}.

    1 for identical partitions (up to renaming the labels), about 0 for unrelated ones; it can
    be negative. Symmetric in its arguments.

    Parameters
    ----------
    labels_a, labels_b : sequence
        Segment labels of the same rows, in the same order (any hashable values).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the labels are empty, of different lengths or missing.

    References
    ----------
    Hubert, L., & Arabie, P. (1985). Comparing partitions. *Journal of Classification*, 2(1),
    193-218. https://doi.org/10.1007/BF01908075

    Examples
    --------
    >>> adjusted_rand_index([1, 1, 2, 2, 3, 3], ["a", "a", "b", "b", "c", "c"])
    1.0
    >>> round(adjusted_rand_index([1, 1, 1, 2, 2, 2], [1, 1, 2, 2, 3, 3]), 6)
    0.242424
    >>> # R: mclust::adjustedRandIndex(c(1,1,1,2,2,2), c(1,1,2,2,3,3))
    """
    function = "adjusted_rand_index"
    a = _labels(labels_a, "labels_a", function)
    b = _labels(labels_b, "labels_b", function)
    if len(a) != len(b):
        raise ValueError(
            f"The labels of {function} must label the same rows: 'labels_a' has {len(a)}, "
            f"'labels_b' {len(b)}."
        )
    return float(adjusted_rand_score(a, b))


def silhouette_widths(features: pd.DataFrame, labels: Sequence[object]) -> pd.DataFrame:
    r"""Silhouette width of every row (Rousseeuw 1987), with Euclidean distances.

    For row :math:`i` of segment :math:`A`, :math:`a(i)` is its mean distance to the other
    rows of :math:`A`, and :math:`b(i) = \min_{C \ne A} d(i, C)` its smallest mean distance to
    the rows of another segment (that segment is the ``neighbor``);

    .. math:: s(i) = \frac{b(i) - a(i)}{\max\{a(i), b(i)\}},

    and :math:`s(i) = 0` for a row alone in its segment (as R's ``cluster::silhouette`` and
    scikit-learn). The mean of :math:`s(i)` is the average silhouette width that
    :func:`choose_segments` reports; Kaufman & Rousseeuw read above 0.5 as a reasonable
    structure, 0.25-0.5 as weak, below 0.25 as none substantial.

    Parameters
    ----------
    features : pandas.DataFrame
        Numeric features, no missing values (e.g. from :func:`segmentation_features`).
    labels : sequence
        The segment of each row, in the order of ``features`` (at least 2 segments).

    Returns
    -------
    pandas.DataFrame
        ``features``' index; columns ``segment``, ``neighbor``, ``sil_width``.

    Raises
    ------
    ValueError
        If the labels do not match the rows or form fewer than 2 segments, or the features are
        not as described.

    References
    ----------
    Rousseeuw, P. J. (1987). Silhouettes: A graphical aid to the interpretation and validation
    of cluster analysis. *Journal of Computational and Applied Mathematics*, 20, 53-65.
    https://doi.org/10.1016/0377-0427(87)90125-7

    Examples
    --------
    >>> features = pd.DataFrame({"x": [0.0, 1.0, 10.0, 11.0]})
    >>> silhouette_widths(features, [1, 1, 2, 2])["sil_width"].round(4).tolist()
    [0.9048, 0.8947, 0.8947, 0.9048]
    >>> # R: cluster::silhouette(c(1, 1, 2, 2), dist(c(0, 1, 10, 11)))[, "sil_width"]
    """
    function = "silhouette_widths"
    values = _matrix(features, function)
    labels = _labels(labels, "labels", function)
    if len(labels) != len(values):
        raise ValueError(
            f"The 'labels' parameter of {function} has {len(labels)} labels for "
            f"{len(values)} rows of features."
        )
    segments, codes = np.unique(labels, return_inverse=True)
    if len(segments) < 2:
        raise ValueError(
            f"The 'labels' parameter of {function} must form at least 2 segments. Got "
            f"{list(segments)}."
        )
    sizes = np.bincount(codes)
    mean_distance = np.empty((len(values), len(segments)))
    for j in range(len(segments)):
        total = cdist(values, values[codes == j]).sum(axis=1)
        own = codes == j
        # the mean distance to the *other* members of one's own segment
        divisor = np.where(own, sizes[j] - 1, sizes[j]).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_distance[:, j] = total / divisor
    rows = np.arange(len(values))
    a = mean_distance[rows, codes]
    others = mean_distance.copy()
    others[rows, codes] = np.inf
    neighbor = others.argmin(axis=1)
    b = others[rows, neighbor]
    with np.errstate(invalid="ignore", divide="ignore"):
        width = (b - a) / np.maximum(a, b)
    width = np.where(sizes[codes] == 1, 0.0, np.nan_to_num(width, nan=0.0))
    return pd.DataFrame(
        {SEGMENT: segments[codes], "neighbor": segments[neighbor], "sil_width": width},
        index=features.index,
    )


# --------------------------------------------------------------------------------------------
# Features


def _channel_columns(instrument: Instrument) -> dict[str, str]:
    """Channel option code -> its 0/1 column."""
    return {
        v.code.removeprefix(f"{CHANNEL_QUESTION}_"): v.code
        for v in instrument.group(CHANNEL_QUESTION)
    }


def _raw_features(
    data: pd.DataFrame,
    instrument: Instrument,
    *,
    variables: Sequence[str],
    channels: str | None,
    needs: bool,
    satisfaction: bool,
    function: str,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Feature name -> column in original units (NaN missing), and feature name -> kind."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"The 'data' parameter of {function} must be a pandas DataFrame. "
            f"Got {type(data).__name__}."
        )
    if isinstance(variables, str):
        raise TypeError(
            f"The 'variables' parameter of {function} must be a list of profile variables. "
            f"Got {variables!r}."
        )
    categorical = [v.code for v in instrument.profile if v.group is None]
    unknown = [code for code in variables if code not in categorical]
    if unknown:
        raise ValueError(
            f"The 'variables' parameter of {function} names {unknown}, which are not "
            f"single-answer profile variables of the instrument. Choose from {categorical}."
        )
    _check_choice(channels, CHANNEL_CODINGS, "channels", function)
    columns = list(variables)
    kinds = {code: "value" if code in VALUE_VARIABLES else "demographic" for code in variables}
    options = _channel_columns(instrument) if channels is not None else {}
    columns += list(options.values())
    importance = [v.code for v in instrument.items(role="importance")] if needs else []
    columns += importance
    absent = [column for column in columns if column not in data.columns]
    if absent:
        raise ValueError(
            f"The data of {function} lack the feature column(s) {absent}. Pass the responses "
            "with the instrument's columns (analysis.responses.read_responses), or leave those "
            "features out ('variables', 'channels', 'needs')."
        )
    frame = (
        item_frame(data, items=columns, function=function, allow_empty=True)
        if columns
        else pd.DataFrame(index=data.index)
    )
    features = frame[list(variables)].copy()
    if channels == "dummies":
        for column in options.values():
            features[column] = frame[column]
            kinds[column] = "channel"
    elif channels == "summary":
        used = frame[list(options.values())]
        count = used.sum(axis=1, min_count=len(options))
        digital = used[[options[code] for code in DIGITAL_CHANNELS if code in options]]
        features[N_CHANNELS] = count
        features[DIGITAL_SHARE] = digital.sum(axis=1, min_count=digital.shape[1]) / count.where(
            count > 0
        )
        kinds |= {N_CHANNELS: "channel", DIGITAL_SHARE: "channel"}
    for column in importance:
        features[column] = frame[column]
        kinds[column] = "need"
    if satisfaction:
        features["satisfaction"] = construct_scores(data, instrument, constructs=["satisfaction"])[
            "satisfaction"
        ]
        kinds["satisfaction"] = "outcome"
    if features.shape[1] == 0:
        raise ValueError(
            f"{function} has no features: pass profile 'variables', 'channels', 'needs' or "
            "'satisfaction'."
        )
    return features, kinds


def segmentation_features(
    data: pd.DataFrame,
    *,
    instrument: Instrument,
    variables: Sequence[str] = VALUE_VARIABLES,
    channels: str | None = "dummies",
    needs: bool = True,
    satisfaction: bool = False,
    nan_policy: str = "listwise",
) -> pd.DataFrame:
    r"""The standardized feature matrix of a segmentation by value, relationship and needs.

    Features, in this order:

    - **value and relationship**: ``variables``, by default assets at the bank, products held
      and tenure (:data:`VALUE_VARIABLES`), each scored by its answer code 1, 2, ... (ordered
      bands taken as equally spaced; an assumption);
    - **channel use** (``channels``): ``"dummies"``, one 0/1 column per channel of
      ``main_channels``; or ``"summary"``, the number of channels used (``n_channels``) and the
      share of them that are digital (``digital_share``: app, online, WeChat; missing when no
      channel is chosen); or None;
    - **needs** (``needs``): the stated importance of each touch-point (``imp_*``, 1-7);
    - optionally **satisfaction**: the mean of its keyed items (the half rule of
      :func:`analysis.descriptives.construct_scores`).

    Each feature is standardized, :math:`z = (x - \bar x) / s` with the sample SD
    (:math:`n - 1`), over the rows kept, so that every feature weighs the same in Euclidean
    distances.

    Missing data (``nan_policy``): ``"listwise"`` (default) keeps the rows that answer every
    feature; ``attrs["n_dropped"]`` reports how many were dropped, with a
    :class:`SegmentWarning` above 20%. ``"median"`` fills each missing value with the
    feature's median and records the number filled per feature in ``attrs["imputed"]`` (a
    warning says so): every respondent is segmented, at the price of pulling the incomplete
    ones towards the middle. A feature with one value only (SD 0) carries no information and
    is dropped with a warning naming it.

    Parameters
    ----------
    data : pandas.DataFrame
        The responses (codes, ``pd.NA`` missing), e.g. the cleaned analysis sample.
    instrument : Instrument
        The questionnaire: profile variables, channel options, importance items.
    variables : sequence of str
        Single-answer profile variables to include (default :data:`VALUE_VARIABLES`).
    channels : {"dummies", "summary", None}
        How channel use enters (above).
    needs : bool
        Include the importance items.
    satisfaction : bool
        Include the satisfaction score.
    nan_policy : {"listwise", "median"}
        Missing values (above).

    Returns
    -------
    pandas.DataFrame
        One row per respondent kept (``data``'s index), one float column per feature, z-scores.
        ``attrs``: ``center`` and ``scale`` (feature -> mean and SD in original units),
        ``kinds`` (feature -> "value", "demographic", "channel", "need" or "outcome"),
        ``n_input``, ``n``, ``n_dropped``, ``imputed``, ``dropped_features``, ``nan_policy``
        and ``method``.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame or a feature column is not numeric.
    ValueError
        If an option is not as described, a column is absent, or fewer than 3 rows remain.

    Warns
    -----
    SegmentWarning
        When a constant feature is dropped, more than 20% of the rows are dropped, or values
        are imputed.

    Examples
    --------
    >>> from analysis.instrument import load_instrument
    >>> from analysis.responses import read_responses
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> responses = read_responses("survey/responses_synthetic.csv", instrument)
    >>> features = segmentation_features(responses, instrument=instrument)
    >>> features.shape, features.attrs["n_dropped"]
    ((362, 16), 38)
    >>> # R: scale(na.omit(d[, c("assets_band", ..., "imp_complaint")]))
    """
    function = "segmentation_features"
    _check_choice(nan_policy, NAN_POLICIES, "nan_policy", function)
    raw, kinds = _raw_features(
        data,
        instrument,
        variables=variables,
        channels=channels,
        needs=needs,
        satisfaction=satisfaction,
        function=function,
    )
    n_input = len(raw)
    imputed: dict[str, int] = {}
    if nan_policy == "listwise":
        kept = raw.dropna()
        dropped = n_input - len(kept)
        if n_input and dropped / n_input > DROPPED_WARNING:
            warnings.warn(
                f"{function}: {dropped} of {n_input} rows ({dropped / n_input:.0%}) miss a "
                "feature and are dropped (listwise). Consider nan_policy='median' or fewer "
                "features.",
                SegmentWarning,
                stacklevel=2,
            )
    else:
        missing = raw.isna().sum()
        imputed = {c: int(m) for c, m in missing.items() if m}
        kept = raw.fillna(raw.median())
        dropped = 0
        if imputed:
            warnings.warn(
                f"{function}: missing values imputed with the feature's median (feature: "
                f"values) {imputed}.",
                SegmentWarning,
                stacklevel=2,
            )
    if len(kept) < 3:
        raise ValueError(
            f"Too few rows: {len(kept)} of {n_input} row(s) remain with nan_policy="
            f"{nan_policy!r}, and a segmentation needs at least 3. Use nan_policy='median', "
            "fewer features or more respondents."
        )
    scale = kept.std(ddof=1)
    constant = [c for c in kept.columns if not scale[c] > 0]
    if constant:
        warnings.warn(
            f"{function}: the feature(s) {constant} take one value only in the rows kept and "
            "are dropped (they cannot separate segments).",
            SegmentWarning,
            stacklevel=2,
        )
        kept = kept.drop(columns=constant)
    if kept.shape[1] == 0:
        raise ValueError(
            f"{function}: every feature is constant ({constant}); nothing can separate "
            "segments. Use other features or more respondents."
        )
    center, scale = kept.mean(), kept.std(ddof=1)
    features = (kept - center) / scale
    features.attrs = {
        "center": center.to_dict(),
        "scale": scale.to_dict(),
        "kinds": {c: kinds[c] for c in features.columns},
        "n_input": n_input,
        "n": len(features),
        "n_dropped": dropped,
        "imputed": imputed,
        "dropped_features": constant,
        "nan_policy": nan_policy,
        "method": f"z-scores (SD with n - 1) of {features.shape[1]} features over "
        f"{len(features)} rows; missing: {nan_policy}",
    }
    return features


# --------------------------------------------------------------------------------------------
# How many segments


def _kmeans(values: np.ndarray, k: int, seed: int, n_init: int) -> KMeans:
    with threadpool_limits(limits=1):
        return KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(values)


def choose_segments(
    features: pd.DataFrame,
    *,
    k_range: Sequence[int] = range(2, 7),
    random_state: np.random.Generator | int,
    n_init: int = N_INIT,
    covariance_type: str = "diag",
) -> pd.DataFrame:
    r"""The number of segments: k-means silhouette and Gaussian-mixture BIC for each k.

    For each k of ``k_range``: k-means (scikit-learn, ``n_init`` k-means++ starts, the best by
    inertia) and its average silhouette width (:func:`silhouette_widths`); and a Gaussian
    mixture of k components (``covariance_type``, 5 starts) and its BIC.

    **Rule.** k is the one with the **highest average silhouette** (ties: the smaller k). The
    BIC is the check: scikit-learn's :math:`\mathrm{BIC} = -2 \log L + p \log n` is *lower is
    better* (mclust reports :math:`2 \log L - p \log n`, higher is better); ``bic_best`` marks
    its minimum. When the two disagree the silhouette choice stands and ``method`` says so:
    the features here are ordinal bands, 0/1 channel columns and 7-point ratings, for which a
    Gaussian mixture is misspecified and its BIC tends to keep falling as components fit the
    discreteness rather than segments. Read a disagreement as a reason to look at both
    solutions, and at :func:`segment_stability`.

    Parameters
    ----------
    features : pandas.DataFrame
        The standardized features (:func:`segmentation_features`).
    k_range : sequence of int
        Numbers of segments to compare, each >= 2 and at most the number of distinct rows
        (and rows - 1).
    random_state : numpy.random.Generator or int
        Seeds the k-means starts and the mixtures (required, for reproducibility).
    n_init : int
        k-means starts per k (>= 20).
    covariance_type : {"diag", "spherical", "tied", "full"}
        Of the Gaussian mixtures. "diag" (default) is local independence within a segment, as
        in latent profile analysis.

    Returns
    -------
    pandas.DataFrame
        One row per k: ``k``, ``silhouette`` (mean width), ``inertia`` (within-segment sum of
        squares), ``bic``, ``chosen`` (the rule), ``bic_best``, ``n``, ``method``.

    Raises
    ------
    ValueError
        If ``k_range`` is empty or holds a k that is not an integer in 2..min(n - 1, distinct
        rows), or an option is not as described.

    References
    ----------
    Rousseeuw, P. J. (1987), see :func:`silhouette_widths`.
    Schwarz, G. (1978). Estimating the dimension of a model. *The Annals of Statistics*, 6(2),
    461-464.
    Fraley, C., & Raftery, A. E. (2002). Model-based clustering, discriminant analysis, and
    density estimation. *Journal of the American Statistical Association*, 97(458), 611-631.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> centres = np.repeat([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]], 40, axis=0)
    >>> features = pd.DataFrame(centres + rng.standard_normal((120, 2)), columns=["x", "y"])
    >>> table = choose_segments(features, k_range=range(2, 5), random_state=1)
    >>> int(table.loc[table["chosen"], "k"].iloc[0])
    3
    >>> # R: sapply(2:4, function(k) mean(cluster::silhouette(kmeans(x, k, nstart = 50)$cluster,
    >>> #        dist(x))[, 3]));  mclust::mclustBIC(x, G = 2:4, modelNames = "VVI")
    """
    function = "choose_segments"
    values = _matrix(features, function)
    if not isinstance(k_range, Sequence | np.ndarray) or isinstance(k_range, str):
        raise TypeError(
            f"The 'k_range' parameter of {function} must be a sequence of integers, e.g. "
            f"range(2, 7). Got {k_range!r}."
        )
    if len(k_range) == 0:
        raise ValueError(f"The 'k_range' parameter of {function} is empty. Use e.g. range(2, 7).")
    ks = sorted({_check_k(k, values, "k_range", function) for k in k_range})
    n_init = _check_int(n_init, "n_init", function, 20)
    _check_choice(covariance_type, COVARIANCE_TYPES, "covariance_type", function)
    rng = check_generator(random_state, function)
    values = values[_canonical(values)]
    seed = _seed(rng)
    rows = []
    for k in ks:
        km = _kmeans(values, k, seed, n_init)
        silhouette = silhouette_widths(pd.DataFrame(values), km.labels_)["sil_width"].mean()
        with threadpool_limits(limits=1):
            mixture = GaussianMixture(
                n_components=k, covariance_type=covariance_type, n_init=5, random_state=seed
            ).fit(values)
        rows.append((k, float(silhouette), float(km.inertia_), float(mixture.bic(values))))
    table = pd.DataFrame(rows, columns=["k", "silhouette", "inertia", "bic"])
    chosen = int(table.loc[table["silhouette"].idxmax(), "k"])  # idxmax: first, the smaller k
    bic_best = int(table.loc[table["bic"].idxmin(), "k"])
    agreement = (
        "BIC agrees"
        if chosen == bic_best
        else f"BIC prefers k = {bic_best}; the silhouette choice stands"
    )
    table["chosen"] = table["k"] == chosen
    table["bic_best"] = table["k"] == bic_best
    table["n"] = len(values)
    table["method"] = (
        f"k-means ({n_init} starts), highest average silhouette: k = {chosen}; Gaussian mixture "
        f"({covariance_type}) BIC, lower is better: {agreement}"
    )
    return table[list(CHOICE_COLUMNS)]


# --------------------------------------------------------------------------------------------
# The segments


def _ordered_labels(values: np.ndarray, raw_labels: np.ndarray, k: int) -> np.ndarray:
    """Labels 1..k: by segment size (largest first), ties by the centroid (lexicographic)."""
    sizes = np.bincount(raw_labels, minlength=k)
    centroids = np.array([values[raw_labels == j].mean(axis=0) for j in range(k)])
    order = sorted(range(k), key=lambda j: (-sizes[j], *centroids[j]))
    relabel = np.empty(k, dtype=np.int64)
    relabel[order] = np.arange(1, k + 1)
    return relabel[raw_labels]


def _fit(values: np.ndarray, k: int, seed: int, n_init: int) -> np.ndarray:
    """k-means labels 1..k of rows in canonical order, returned in the rows' own order."""
    order = _canonical(values)
    km = _kmeans(values[order], k, seed, n_init)
    labels = np.empty(len(values), dtype=np.int64)
    labels[order] = _ordered_labels(values[order], km.labels_, k)
    return labels


def fit_segments(
    features: pd.DataFrame,
    *,
    k: int,
    random_state: np.random.Generator | int,
    n_init: int = N_INIT,
) -> pd.Series:
    r"""The k-means segments: each row's segment, labelled 1..k by size (1 = largest).

    k-means (Lloyd's algorithm, scikit-learn) minimises the within-segment sum of squared
    Euclidean distances :math:`\sum_i \lVert x_i - \mu_{s(i)} \rVert^2` over ``n_init``
    k-means++ starts. The rows are fitted in a canonical order (lexicographic), so the result
    does not depend on the order of the rows; the labels are ordered by segment size, ties by
    the centroid, so the same data and seed give the same labels.

    A segment of one respondent is kept, with a :class:`SegmentWarning` naming it: it is an
    outlier, not a segment; use a smaller k, or drop the row and refit.

    Parameters
    ----------
    features : pandas.DataFrame
        The standardized features (:func:`segmentation_features`).
    k : int
        Number of segments (2 .. min(n - 1, distinct rows)), e.g. from
        :func:`choose_segments`.
    random_state : numpy.random.Generator or int
        Seeds the k-means starts (required).
    n_init : int
        k-means starts (>= 20).

    Returns
    -------
    pandas.Series
        Integer labels 1..k, ``features``' index, named ``segment``.

    Raises
    ------
    ValueError
        If ``k`` is not an integer in 2..min(n - 1, distinct rows), or ``features`` hold
        missing values.

    Warns
    -----
    SegmentWarning
        When a segment has a single respondent.

    References
    ----------
    MacQueen, J. (1967). Some methods for classification and analysis of multivariate
    observations. *Proceedings of the Fifth Berkeley Symposium on Mathematical Statistics and
    Probability*, 1, 281-297.
    Arthur, D., & Vassilvitskii, S. (2007). k-means++: The advantages of careful seeding.
    *Proceedings of the 18th Annual ACM-SIAM Symposium on Discrete Algorithms*, 1027-1035.

    Examples
    --------
    >>> features = pd.DataFrame({"x": [0.0, 0.1, 0.2, 5.0, 5.1, 9.0, 9.2, 9.1, 9.3]})
    >>> fit_segments(features, k=3, random_state=1).tolist()
    [2, 2, 2, 3, 3, 1, 1, 1, 1]
    >>> # R: kmeans(x, 3, nstart = 50)$cluster (the same partition, labels in another order)
    """
    function = "fit_segments"
    values = _matrix(features, function)
    k = _check_k(k, values, "k", function)
    n_init = _check_int(n_init, "n_init", function, 20)
    rng = check_generator(random_state, function)
    labels = _fit(values, k, _seed(rng), n_init)
    sizes = np.bincount(labels, minlength=k + 1)[1:]
    singletons = [j + 1 for j, size in enumerate(sizes) if size == 1]
    if singletons:
        warnings.warn(
            f"{function}: segment(s) {singletons} hold a single respondent (an outlier, not a "
            f"segment). Use a smaller k (now {k}), or drop the row and refit.",
            SegmentWarning,
            stacklevel=2,
        )
    return pd.Series(labels, index=features.index, name=SEGMENT)


def _type6(values: np.ndarray, probability: float) -> float:
    """R's quantile type 6 (the order statistic boot and lavaan use)."""
    return float(np.quantile(values, probability, method="weibull"))


def segment_stability(
    features: pd.DataFrame,
    *,
    k: int,
    random_state: np.random.Generator | int,
    n_boot: int = 100,
    n_init: int = N_INIT_BOOT,
    ci: float = 0.95,
) -> pd.DataFrame:
    r"""Bootstrap stability of the k-means segments (after Hennig 2007).

    The reference is :func:`fit_segments` on all rows. Each of ``n_boot`` bootstrap samples
    (n rows drawn with replacement) is segmented afresh by k-means, and every row of the full
    data is assigned to its nearest bootstrap centroid. Reported:

    - ``ari``: the adjusted Rand index of the bootstrap assignment with the reference
      (:func:`adjusted_rand_index`): mean, SD and the ``ci`` percentile interval (R's
      quantile type 6) over the draws;
    - ``jaccard`` per reference segment :math:`A`: :math:`\max_B |A \cap B| / |A \cup B|` over
      the bootstrap segments :math:`B`, and ``share_dissolved``, the share of draws in which it
      is at most 0.5. Hennig reads a mean Jaccard below 0.5 as a dissolved segment, 0.6-0.75 as
      a pattern, above 0.75 as valid and stable and above 0.85 as highly stable.

    Unlike ``fpc::clusterboot``, which compares the partitions on the rows of each bootstrap
    sample, the comparison here is on all rows (the bootstrap solution predicts every row), so
    that each draw's ARI is over the same n rows. A bootstrap sample with fewer than k distinct
    rows is skipped and counted (a warning).

    Parameters
    ----------
    features : pandas.DataFrame
        The standardized features (:func:`segmentation_features`).
    k : int
        Number of segments.
    random_state : numpy.random.Generator or int
        Seeds the reference fit, the resamples and the bootstrap fits (required).
    n_boot : int
        Bootstrap samples (>= 2; 100 or more for a stable interval).
    n_init : int
        k-means starts per fit (>= 20).
    ci : float
        Coverage of the percentile interval, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        Rows: ``ari`` (``segment`` missing), then ``jaccard`` for each segment 1..k. Columns
        ``segment``, ``statistic``, ``estimate`` (mean over draws), ``sd``, ``ci_low``,
        ``ci_high``, ``share_dissolved`` (Jaccard rows), ``n_boot`` (draws used), ``n``,
        ``method``.

    Raises
    ------
    ValueError
        If ``k``, ``n_boot``, ``n_init`` or ``ci`` is not as described.

    References
    ----------
    Hennig, C. (2007). Cluster-wise assessment of cluster stability. *Computational Statistics
    & Data Analysis*, 52(1), 258-271. https://doi.org/10.1016/j.csda.2006.11.025

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> centres = np.repeat([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]], 40, axis=0)
    >>> features = pd.DataFrame(centres + rng.standard_normal((120, 2)), columns=["x", "y"])
    >>> table = segment_stability(features, k=3, n_boot=20, random_state=1)
    >>> round(float(table.loc[0, "estimate"]), 2), table["statistic"].tolist()
    (1.0, ['ari', 'jaccard', 'jaccard', 'jaccard'])
    >>> # R: fpc::clusterboot(x, B = 20, clustermethod = fpc::kmeansCBI, k = 3)$bootmean
    """
    function = "segment_stability"
    values = _matrix(features, function)
    k = _check_k(k, values, "k", function)
    n_boot = _check_int(n_boot, "n_boot", function, 2)
    n_init = _check_int(n_init, "n_init", function, 20)
    ci = check_ci(ci, function)
    rng = check_generator(random_state, function)
    values = values[_canonical(values)]
    n = len(values)
    reference = _fit(values, k, _seed(rng), n_init)
    members = [reference == j for j in range(1, k + 1)]
    aris, jaccards, skipped = [], [], 0
    for _ in range(n_boot):
        sample = values[rng.integers(0, n, n)]
        seed = _seed(rng)
        if len(np.unique(sample, axis=0)) < k:
            skipped += 1
            continue
        predicted = _kmeans(sample, k, seed, n_init).predict(values)
        aris.append(adjusted_rand_score(reference, predicted))
        found = [predicted == c for c in range(k)]
        jaccards.append([max((a & b).sum() / (a | b).sum() for b in found) for a in members])
    if skipped:
        warnings.warn(
            f"{function}: {skipped} of {n_boot} bootstrap samples had fewer than {k} distinct "
            "rows and were skipped.",
            SegmentWarning,
            stacklevel=2,
        )
    if not aris:
        raise ValueError(
            f"{function}: no bootstrap sample had {k} distinct rows. Use a smaller k or more rows."
        )
    aris_array, jaccard_array = np.array(aris), np.array(jaccards)
    low, high = (1 - ci) / 2, (1 + ci) / 2
    method = (
        f"bootstrap ({len(aris)} draws) of k-means, k = {k}, {n_init} starts; every row "
        f"assigned to the nearest bootstrap centroid; {ci:.0%} percentile interval (type 6)"
    )

    def row(segment, statistic, draws, dissolved):
        return {
            SEGMENT: segment,
            "statistic": statistic,
            "estimate": float(draws.mean()),
            "sd": float(draws.std(ddof=1)) if len(draws) > 1 else np.nan,
            "ci_low": _type6(draws, low),
            "ci_high": _type6(draws, high),
            "share_dissolved": dissolved,
            "n_boot": len(draws),
            "n": n,
            "method": method,
        }

    rows = [row(pd.NA, "ari", aris_array, np.nan)]
    for j in range(k):
        draws = jaccard_array[:, j]
        rows.append(row(j + 1, "jaccard", draws, float((draws <= JACCARD_DISSOLVED).mean())))
    table = pd.DataFrame(rows, columns=list(STABILITY_COLUMNS))
    table[SEGMENT] = table[SEGMENT].astype("Int64")
    return table


# --------------------------------------------------------------------------------------------
# Profiles and targeting


def _check_labels(labels: object, data: pd.DataFrame, function: str) -> pd.Series:
    if not isinstance(labels, pd.Series):
        raise TypeError(
            f"The 'labels' parameter of {function} must be a pandas Series (from fit_segments) "
            f"indexed like the rows of 'data'. Got {type(labels).__name__}."
        )
    absent = labels.index.difference(data.index)
    if len(absent):
        raise ValueError(
            f"The 'labels' parameter of {function} labels rows not in 'data': "
            f"{list(absent[:5])}. Pass the responses the features were built from."
        )
    if labels.isna().any():
        raise ValueError(
            f"The 'labels' parameter of {function} holds missing labels. Drop those rows first."
        )
    return labels


def _mean_row(values: pd.Series, ci: float) -> dict[str, float]:
    values = values.dropna().astype(float)
    n = len(values)
    mean = float(values.mean()) if n else np.nan
    se = float(values.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
    half = float(stats.t.ppf((1 + ci) / 2, n - 1) * se) if n > 1 else np.nan
    return {"n": n, "estimate": mean, "se": se, "ci_low": mean - half, "ci_high": mean + half}


def _wilson(count: int, total: int, ci: float) -> tuple[float, float]:
    z = stats.norm.ppf((1 + ci) / 2)
    p = count / total
    centre = (p + z**2 / (2 * total)) / (1 + z**2 / total)
    half = z * np.sqrt(p * (1 - p) / total + z**2 / (4 * total**2)) / (1 + z**2 / total)
    return float(centre - half), float(centre + half)


def _described(
    data: pd.DataFrame, instrument: Instrument, function: str
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Measures in original units: value, demographic, channel, need, performance, outcome."""
    variables = [*VALUE_VARIABLES, "age_band"]
    variables = [v for v in variables if v in instrument.profile_codes]
    raw, kinds = _raw_features(
        data,
        instrument,
        variables=variables,
        channels="dummies",
        needs=instrument.importance is not None,
        satisfaction=False,
        function=function,
    )
    summary, summary_kinds = _raw_features(
        data,
        instrument,
        variables=[],
        channels="summary",
        needs=False,
        satisfaction=False,
        function=function,
    )
    touchpoints = [c.code for c in instrument.constructs if c.touchpoint]
    outcomes = [c for c in ("satisfaction", "loyalty") if c in instrument.model.constructs]
    scores = construct_scores(data, instrument, constructs=[*touchpoints, *outcomes])
    frame = pd.concat([raw, summary, scores], axis=1)
    kinds = kinds | summary_kinds
    kinds |= dict.fromkeys(touchpoints, "performance") | dict.fromkeys(outcomes, "outcome")
    return frame, kinds


def segment_profiles(
    data: pd.DataFrame,
    labels: pd.Series,
    *,
    instrument: Instrument,
    ci: float = 0.95,
) -> pd.DataFrame:
    r"""Who is in each segment: size, share and the means of every measure, with intervals.

    For each segment (and measure):

    - ``share`` (kind ``share``): :math:`n_s / n` with Wilson's score interval;
    - the mean, in original units, of the value and relationship bands (assets, products,
      tenure), age band, each channel (0/1: the share using it), the number of channels and the
      digital share, the stated importance of each touch-point (kind ``need``), each
      touch-point's performance score (kind ``performance``: the mean of its keyed items) and
      satisfaction and loyalty (kind ``outcome``), with the t interval :math:`\bar x \pm
      t_{n-1}\, s/\sqrt n`.

    ``sample_mean`` and ``sample_sd`` are over all labelled rows, and ``std_diff`` =
    (segment mean - sample mean) / sample SD: how far the segment lies from the average
    customer, in SDs (used by :func:`targeting_table` and :func:`plot_segment_profiles`).

    Missing data: each mean is over the segment's rows that answer the measure (``n``); a
    construct score needs half its items (:func:`analysis.descriptives.construct_scores`); the
    complaint-handling score exists for complainants only. A segment of one row has no
    interval.

    Parameters
    ----------
    data : pandas.DataFrame
        The responses the features were built from (codes, ``pd.NA`` missing).
    labels : pandas.Series
        The segment of each row (:func:`fit_segments`), indexed like (a subset of) ``data``;
        rows of ``data`` without a label are left out.
    instrument : Instrument
        The questionnaire.
    ci : float
        Coverage of the intervals, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        Tidy: one row per segment and measure (segments in label order, the share first).
        Columns: ``segment``, ``measure``, ``kind``, ``n``, ``estimate``, ``se``, ``ci_low``,
        ``ci_high``, ``sample_mean``, ``sample_sd``, ``std_diff``, ``method``.

    Raises
    ------
    TypeError
        If ``labels`` is not a Series.
    ValueError
        If ``labels`` names rows not in ``data`` or is missing, or ``ci`` is not in (0, 1).

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
    *Journal of the American Statistical Association*, 22(158), 209-212.

    Examples
    --------
    >>> from analysis.instrument import load_instrument
    >>> from analysis.responses import read_responses
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> responses = read_responses("survey/responses_synthetic.csv", instrument)
    >>> features = segmentation_features(responses, instrument=instrument)
    >>> labels = fit_segments(features, k=3, random_state=1)
    >>> profiles = segment_profiles(responses, labels, instrument=instrument)
    >>> profiles.loc[profiles["measure"] == "share", ["segment", "n"]].to_numpy().tolist()
    [[1, 156], [2, 142], [3, 64]]
    >>> # R: aggregate(assets_band ~ segment, d, function(x) t.test(x)$conf.int)
    """
    function = "segment_profiles"
    ci = check_ci(ci, function)
    labels = _check_labels(labels, data, function)
    rows = data.loc[labels.index]
    measures, kinds = _described(rows, instrument, function)
    total = len(labels)
    sample_mean, sample_sd = measures.mean(), measures.std(ddof=1)
    records = []
    for segment in sorted(labels.unique()):
        members = (labels == segment).to_numpy()
        count = int(members.sum())
        low, high = _wilson(count, total, ci)
        records.append(
            {
                SEGMENT: segment,
                "measure": "share",
                "kind": "share",
                "n": count,
                "estimate": count / total,
                "se": float(np.sqrt(count / total * (1 - count / total) / total)),
                "ci_low": low,
                "ci_high": high,
                "sample_mean": np.nan,
                "sample_sd": np.nan,
                "std_diff": np.nan,
                "method": f"share of {total} labelled rows, Wilson {ci:.0%} interval",
            }
        )
        for measure in measures.columns:
            summary = _mean_row(measures.loc[members, measure], ci)
            records.append(
                {
                    SEGMENT: segment,
                    "measure": measure,
                    "kind": kinds[measure],
                    **summary,
                    "sample_mean": float(sample_mean[measure]),
                    "sample_sd": float(sample_sd[measure]),
                    "std_diff": (summary["estimate"] - sample_mean[measure]) / sample_sd[measure],
                    "method": f"mean, t {ci:.0%} interval",
                }
            )
    table = pd.DataFrame(records, columns=list(PROFILE_COLUMNS))
    table["n"] = table["n"].astype(np.int64)
    return table


def _check_profiles(profiles: object, function: str) -> pd.DataFrame:
    columns = getattr(profiles, "columns", ())
    missing = [c for c in PROFILE_COLUMNS if c not in columns]
    if not isinstance(profiles, pd.DataFrame) or missing:
        raise ValueError(
            f"The 'profiles' parameter of {function} must be the table of segment_profiles; "
            f"missing columns {missing}."
        )
    return profiles


def targeting_table(
    profiles: pd.DataFrame,
    *,
    instrument: Instrument,
    n_top: int = 2,
    n_features: int = 3,
    language: str = "en",
) -> pd.DataFrame:
    r"""Each segment's priority touch-points, ready for a table of the positioning chapter.

    **Rule.** For segment :math:`s` and touch-point :math:`k`, with :math:`d^{imp}_{sk}` the
    standardized difference of its stated importance from the sample (``std_diff`` of
    ``imp_k``) and :math:`d^{perf}_{sk}` that of its performance score,

    .. math:: \text{priority}_{sk} = d^{imp}_{sk} - d^{perf}_{sk}:

    a touch-point comes first when the segment values it more than the average customer and
    rates it lower. The priority touch-points are the ``n_top`` highest among those the segment
    values above the sample (:math:`d^{imp}_{sk} > 0`); a touch-point without a performance
    score in the segment (e.g. complaint handling with no complainant) counts with
    :math:`d^{perf} = 0`. The defining features are the ``n_features`` value, channel and
    demographic measures farthest from the sample (largest :math:`|d|`), with their
    segment means.

    Parameters
    ----------
    profiles : pandas.DataFrame
        :func:`segment_profiles`.
    instrument : Instrument
        For touch-point names and the importance item of each touch-point.
    n_top : int
        Priority touch-points per segment (>= 1).
    n_features : int
        Defining features per segment (>= 1).
    language : {"en", "zh"}
        Of the touch-point names.

    Returns
    -------
    pandas.DataFrame
        One row per segment: ``segment``, ``n``, ``share``, ``defining_features`` (text:
        "label mean (+d SD)", labels of :func:`measure_labels`, channel use in percent),
        ``priority_touchpoints`` (names, "; "-separated, most urgent first; empty when the
        segment values no touch-point above the sample),
        ``priority_scores`` (the scores, same order), ``method`` (the rule).

    Raises
    ------
    ValueError
        If ``profiles`` is not the table of :func:`segment_profiles`, or an option is not as
        described.

    Examples
    --------
    >>> profiles = pd.DataFrame(
    ...     {
    ...         "segment": [1, 1, 1, 1, 1],
    ...         "measure": ["share", "assets_band", "imp_staff", "staff", "imp_channel"],
    ...         "kind": ["share", "value", "need", "performance", "need"],
    ...         "n": [10, 10, 10, 10, 10],
    ...         "estimate": [0.5, 4.0, 6.5, 4.0, 5.0],
    ...         "std_diff": [np.nan, 1.2, 0.6, -0.3, -0.4],
    ...     }
    ... ).reindex(columns=list(PROFILE_COLUMNS))
    >>> from analysis.instrument import load_instrument
    >>> instrument = load_instrument("survey/instrument.yaml")
    >>> row = targeting_table(profiles, instrument=instrument).iloc[0]
    >>> row["priority_touchpoints"], row["defining_features"]
    ('Staff competence and attitude', 'Financial assets at the bank 4.0 (+1.2 SD)')
    """
    function = "targeting_table"
    profiles = _check_profiles(profiles, function)
    n_top = _check_int(n_top, "n_top", function, 1)
    n_features = _check_int(n_features, "n_features", function, 1)
    check_language(language, function=function)
    items = {v.code: v.construct for v in instrument.items(role="importance")}
    names = measure_labels(instrument, language)
    records = []
    for segment, rows in profiles.groupby(SEGMENT, sort=True):
        by_measure = rows.set_index("measure")
        share = by_measure.loc["share"] if "share" in by_measure.index else None
        scores = {}
        for item, touchpoint in items.items():
            if item not in by_measure.index:
                continue
            importance = by_measure.loc[item, "std_diff"]
            if not importance > 0:
                continue
            performance = (
                by_measure.loc[touchpoint, "std_diff"] if touchpoint in by_measure.index else 0.0
            )
            performance = 0.0 if pd.isna(performance) else performance
            scores[touchpoint] = float(importance - performance)
        top = sorted(scores, key=lambda code: -scores[code])[:n_top]
        descriptive = rows[rows["kind"].isin(["value", "channel", "demographic"])]
        descriptive = descriptive.reindex(
            descriptive["std_diff"].abs().sort_values(ascending=False).index
        )[:n_features]
        records.append(
            {
                SEGMENT: segment,
                "n": int(share["n"]) if share is not None else np.nan,
                "share": float(share["estimate"]) if share is not None else np.nan,
                "defining_features": "; ".join(
                    f"{names.get(r.measure, r.measure)} "
                    f"{_cell_text(r.measure, r.kind, r.estimate)} ({r.std_diff:+.1f} SD)"
                    for r in descriptive.itertuples()
                ),
                "priority_touchpoints": "; ".join(
                    instrument.construct(code).name[language] for code in top
                ),
                "priority_scores": "; ".join(f"{scores[code]:.2f}" for code in top),
                "method": "priority = d(importance) - d(performance), standardized differences "
                f"from the sample; top {n_top} of the touch-points valued above the sample",
            }
        )
    return pd.DataFrame(records, columns=list(TARGETING_COLUMNS))


# --------------------------------------------------------------------------------------------
# Figure

#: Width of the profile heatmap in inches; its height grows with the number of measures.
PROFILE_WIDTH = 7.0
#: Characters per line of the note under the figure.
NOTE_WIDTH = 100
#: The largest |standardized difference| the colour scale shows (beyond it: saturated).
COLOUR_LIMIT = 1.5


#: Labels of the derived measures and of the prefix of importance items, by language.
MEASURE_LABELS = {
    "en": {
        N_CHANNELS: "Number of channels",
        DIGITAL_SHARE: "Digital share of channels",
        "importance": "Importance: {}",
        "performance": "Performance: {}",
    },
    "zh": {
        N_CHANNELS: "使用渠道数",
        DIGITAL_SHARE: "数字渠道占比",
        "importance": "重要性：{}",
        "performance": "表现：{}",
    },
}


def measure_labels(instrument: Instrument, language: str = "en") -> dict[str, str]:
    """Measure of :func:`segment_profiles` -> readable label in ``language``.

    Profile variables and channels take the instrument's labels; importance items
    "Importance: <touch-point>", touch-point scores "Performance: <touch-point>", other
    construct scores the construct's name.

    Examples
    --------
    >>> from analysis.instrument import load_instrument
    >>> labels = measure_labels(load_instrument("survey/instrument.yaml"))
    >>> labels["imp_staff"], labels["digital_share"], labels["loyalty"]
    ('Importance: Staff competence and attitude', 'Digital share of channels', 'Customer loyalty')
    """
    check_language(language, function="measure_labels")
    words = MEASURE_LABELS[language]
    labels = dict(instrument.variable_labels(language))
    for variable in instrument.items(role="importance"):
        name = instrument.construct(variable.construct).name[language]
        labels[variable.code] = words["importance"].format(name)
    for construct in instrument.constructs:
        name = construct.name[language]
        labels[construct.code] = words["performance"].format(name) if construct.touchpoint else name
    labels |= {N_CHANNELS: words[N_CHANNELS], DIGITAL_SHARE: words[DIGITAL_SHARE]}
    return labels


def _cell_text(measure: str, kind: str, value: float) -> str:
    if kind == "channel" and measure != N_CHANNELS:
        return f"{value:.0%}"
    return f"{value:.1f}"


def plot_segment_profiles(
    profiles: pd.DataFrame,
    *,
    title: str,
    kinds: Sequence[str] = PLOT_KINDS,
    instrument: Instrument | None = None,
    language: str = "en",
    subtitle: str = "",
) -> Figure:
    """Heatmap of the segment profiles: each measure's standardized difference from the sample.

    One row per measure (grouped by kind), one column per segment (headed with its size and
    share). The colour is ``std_diff`` (ColorBrewer's RdBu, colour-blind safe: blue above the
    sample, red below, white at the sample mean; saturated beyond +-1.5 SD); the text in each
    cell is the segment mean in original units (a share for a 0/1 channel). Deterministic, made
    without pyplot.

    Parameters
    ----------
    profiles : pandas.DataFrame
        :func:`segment_profiles`.
    title : str
        The figure title.
    kinds : sequence of str
        Kinds of measure to show (default :data:`PLOT_KINDS`; add ``"performance"`` and
        ``"outcome"`` for evaluations).
    instrument : Instrument, optional
        Labels the rows (:func:`measure_labels`; default: the measures' codes).
    language : {"en", "zh"}
        Of the labels.
    subtitle : str
        A note under the figure, e.g. :data:`analysis.synthetic.SYNTHETIC_NOTICE`.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``profiles`` is not the table of :func:`segment_profiles` or has no measure of
        ``kinds``.

    Examples
    --------
    >>> profiles = pd.DataFrame(
    ...     {
    ...         "segment": [1, 1, 2, 2],
    ...         "measure": ["share", "assets_band", "share", "assets_band"],
    ...         "kind": ["share", "value", "share", "value"],
    ...         "n": [6, 6, 4, 4],
    ...         "estimate": [0.6, 1.5, 0.4, 4.0],
    ...         "std_diff": [np.nan, -0.8, np.nan, 1.2],
    ...     }
    ... ).reindex(columns=list(PROFILE_COLUMNS))
    >>> fig = plot_segment_profiles(profiles, title="Segments")
    >>> len(fig.axes)   # the heatmap and its colour bar
    2
    """
    function = "plot_segment_profiles"
    profiles = _check_profiles(profiles, function)
    check_language(language, function=function)
    unknown = [kind for kind in kinds if kind not in PROFILE_KINDS]
    if isinstance(kinds, str) or unknown:
        raise ValueError(
            f"The 'kinds' parameter of {function} must list kinds from {list(PROFILE_KINDS)}. "
            f"Got {kinds!r}."
        )
    shown = profiles[profiles["kind"].isin(kinds)]
    if shown.empty:
        raise ValueError(
            f"{function}: the profiles have no measure of the kinds {list(kinds)}. Choose from "
            f"{sorted(profiles['kind'].unique())}."
        )
    order = {kind: i for i, kind in enumerate(kinds)}
    measures = list(
        dict.fromkeys(
            shown.sort_values("kind", key=lambda k: k.map(order), kind="stable")["measure"]
        )
    )
    segments = sorted(shown[SEGMENT].unique())
    # one value per cell: pivot, not an aggregating pivot_table
    grid = shown.pivot(index="measure", columns=SEGMENT, values="std_diff").loc[measures]  # noqa: PD010
    means = shown.pivot(index="measure", columns=SEGMENT, values="estimate").loc[measures]  # noqa: PD010
    kind_of = shown.drop_duplicates("measure").set_index("measure")["kind"]
    labels = measure_labels(instrument, language) if instrument is not None else {}
    shares = profiles[profiles["kind"] == "share"].set_index(SEGMENT)
    heads = [
        f"{segment}\nn = {int(shares.loc[segment, 'n'])} ({shares.loc[segment, 'estimate']:.0%})"
        if segment in shares.index
        else str(segment)
        for segment in segments
    ]
    height = 1.6 + 0.28 * len(measures)
    fig = Figure(figsize=(PROFILE_WIDTH, height), layout="constrained")
    ax = fig.add_subplot()
    norm = TwoSlopeNorm(vmin=-COLOUR_LIMIT, vcenter=0.0, vmax=COLOUR_LIMIT)
    image = ax.imshow(grid.to_numpy(dtype=float), cmap=colormaps["RdBu"], norm=norm, aspect="auto")
    for i, measure in enumerate(measures):
        for j, segment in enumerate(segments):
            value = means.loc[measure, segment]
            if pd.notna(value):
                strong = abs(grid.loc[measure, segment]) > 0.9 * COLOUR_LIMIT
                ax.text(
                    j,
                    i,
                    _cell_text(measure, kind_of[measure], value),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if strong else "0.15",
                )
    ax.set_xticks(range(len(segments)), labels=heads, fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(measures)), labels=[labels.get(m, m) for m in measures], fontsize=8)
    ax.tick_params(length=0)
    for boundary in np.flatnonzero(
        kind_of[measures].to_numpy()[1:] != kind_of[measures].to_numpy()[:-1]
    ):
        ax.axhline(boundary + 0.5, color="0.3", linewidth=0.8)
    colour_bar = fig.colorbar(image, ax=ax, shrink=0.6, pad=0.02)
    colour_bar.set_label("Difference from the sample (SD)", fontsize=8)
    colour_bar.ax.tick_params(labelsize=7)
    fig.suptitle(title, fontsize=12, x=0.01, ha="left")
    if subtitle:
        fig.supxlabel(
            textwrap.fill(subtitle, NOTE_WIDTH), fontsize=8, x=0.01, ha="left", color="0.3"
        )
    return fig
