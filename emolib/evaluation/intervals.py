"""Bootstrap intervals over the independent unit, paired differences against a baseline, verdicts.

A score computed on a test set is one draw; a reviewer asks how far it would move on another sample
of the same kind. The answer is a bootstrap **over the independent unit**: the test movies of Study A
(its windows are 10 s slices of the same films and strongly dependent), the screenings or films of
Study B (never its 30 s sequences). Resampling rows instead of units would pretend that every window
is a fresh observation and give intervals far too narrow.

How it is computed:

* A resample is a vector of **unit multiplicities** (how often each unit is drawn, summing to the
  number of units); :func:`resample_counts` draws all of them at once from a seeded
  :class:`numpy.random.Generator`, as an ``(n_resamples, n_units)`` matrix.
* A metric is evaluated on every resample at once from **per-unit sufficient statistics** weighted by
  the multiplicities, with no Python loop over resamples: a :class:`UnitMetric`, built by
  :mod:`emolib.evaluation.unit_metrics` (means of per-unit scores, pooled errors, Pearson's r, weighted
  F1, ROC AUC within one model or within each unit).

  :func:`bootstrap_loop` is the generic fallback for any metric callable: it builds every resampled
  data set and calls the metric on it, one resample at a time (slow: seconds to minutes for 10,000
  resamples, against milliseconds for the vectorised metrics). Given the same seed it draws the same
  multiplicities, so both paths give the same interval.
* :func:`bootstrap` gives the percentile interval of one metric; :func:`paired_bootstrap` the interval
  of the difference model − baseline computed on the **same** resamples (the pairing removes the
  variance the two share: which units happened to be in the test set).
* :func:`verdict` reads a paired interval: "beats the baseline" only when it excludes 0 in the
  favourable direction (:data:`HIGHER_IS_BETTER` gives the direction of the usual metrics), "worse
  than the baseline" when it excludes 0 the other way, otherwise "not distinguishable from the
  baseline on this sample".
* :func:`mean_sd`: mean ± standard deviation over seeds or folds, which measures the spread of the
  *training* (initialisation, fold assignment), not the sampling of the test units.

A resample whose metric is undefined (a Pearson r with a constant side, an AUC of a label without
positives among the drawn units) is left out of the percentiles and counted in
:attr:`Interval.n_undefined`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "BEATS",
    "DEFAULT_LEVEL",
    "DEFAULT_RESAMPLES",
    "HIGHER_IS_BETTER",
    "UNDECIDED",
    "WORSE",
    "Interval",
    "MeanSD",
    "UnitMetric",
    "bootstrap",
    "MIN_UNITS",
    "bootstrap_loop",
    "bounds_text",
    "encode_units",
    "higher_is_better",
    "mean_sd",
    "paired_bootstrap",
    "resample_counts",
    "verdict",
]

BEATS = "beats the baseline"
"""Verdict when the paired interval of model − baseline excludes 0 in the favourable direction."""
WORSE = "worse than the baseline"
"""Verdict when the paired interval excludes 0 in the unfavourable direction."""
UNDECIDED = "not distinguishable from the baseline on this sample"
"""Verdict when the paired interval contains 0."""

HIGHER_IS_BETTER: dict[str, bool] = {
    "r": True,
    "pearson": True,
    "f1": True,
    "auc": True,
    "ap": True,
    "map": True,
    "precision": True,
    "recall": True,
    "accuracy": True,
    "mse": False,
    "mae": False,
    "rmse": False,
}
"""Direction of the usual metrics: ``True`` where a higher value is better."""

DEFAULT_RESAMPLES = 10_000
"""Resamples drawn unless told otherwise."""
DEFAULT_LEVEL = 0.95
"""Coverage of the intervals unless told otherwise."""
MIN_UNITS = 5
"""Fewest independent units with a defined score for an interval: below, a percentile bootstrap has
only a handful of distinct resamples and its interval would claim a certainty it does not have."""


def higher_is_better(metric: str) -> bool:
    """Whether a higher value of ``metric`` is better, from its name.

    The name is matched case-insensitively against :data:`HIGHER_IS_BETTER`, first whole, then by its
    first word before ``_`` (``"f1_weighted"``, ``"mse_valence"``, ``"auc_macro"``).

    Raises
    ------
    ValueError
        For a name whose direction is not known.
    """
    key = metric.lower()
    for candidate in (key, key.split("_")[0]):
        if candidate in HIGHER_IS_BETTER:
            return HIGHER_IS_BETTER[candidate]
    raise ValueError(f"direction of metric {metric!r} unknown: name one of {sorted(HIGHER_IS_BETTER)}")


# ---------------------------------------------------------------------------------------------------
# Resamples


def resample_counts(n_units: int, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> NDArray[np.int64]:
    """Unit multiplicities of ``n_resamples`` bootstrap resamples, drawn at once.

    Parameters
    ----------
    n_units
        Number of independent units (test movies, screenings, films); at least 2.
    n_resamples
        Number of resamples.
    seed
        Seed of the :class:`numpy.random.Generator`: the same seed gives the same matrix.

    Returns
    -------
    numpy.ndarray
        ``(n_resamples, n_units)`` integers; each row sums to ``n_units`` (``n_units`` draws with
        replacement).

    Raises
    ------
    ValueError
        Fewer than 2 units or fewer than 1 resample.
    """
    if n_units < 2:
        raise ValueError(f"a bootstrap over units needs at least 2 units, got {n_units}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_units, size=(n_resamples, n_units))
    flat = draws + n_units * np.arange(n_resamples)[:, None]
    return np.bincount(flat.ravel(), minlength=n_resamples * n_units).reshape(n_resamples, n_units)


# ---------------------------------------------------------------------------------------------------
# Metrics as functions of unit multiplicities


class UnitMetric(Protocol):
    """A metric that can be evaluated for many unit multiplicities at once.

    ``units`` names the units in the order of the multiplicities' columns; calling the metric with a
    ``(n_resamples, n_units)`` matrix returns ``(n_resamples,)`` values (``nan`` where undefined). A row
    of ones gives the metric on the sample itself.
    """

    units: NDArray

    def __call__(self, counts: NDArray) -> NDArray[np.float64]:
        """Metric values, one per row of ``counts``."""
        ...


def encode_units(units: ArrayLike, n_rows: int) -> tuple[NDArray, NDArray[np.intp]]:
    """Unit names (sorted) and each row's unit index; checks lengths and the number of units."""
    u = np.asarray(units)
    if u.ndim != 1 or len(u) != n_rows:
        raise ValueError(f"units must give one unit per row: {u.shape} units for {n_rows} rows")
    names, codes = np.unique(u, return_inverse=True)
    if len(names) < 2:
        raise ValueError(f"a bootstrap over units needs at least 2 units, got {len(names)}")
    return names, codes.astype(np.intp)


# ---------------------------------------------------------------------------------------------------
# Intervals


@dataclass(frozen=True)
class Interval:
    """A percentile bootstrap interval.

    Attributes
    ----------
    estimate
        The metric on the sample itself (every unit once).
    low, high
        The interval's bounds (``nan`` when no resample was defined).
    level
        Its coverage, e.g. 0.95.
    n_units
        Independent units resampled.
    n_resamples
        Resamples drawn.
    n_undefined
        Resamples on which the metric was undefined, left out of the percentiles.
    """

    estimate: float
    low: float
    high: float
    level: float
    n_units: int
    n_resamples: int
    n_undefined: int = 0

    @property
    def width(self) -> float:
        """``high - low``."""
        return self.high - self.low

    def excludes_zero(self) -> bool:
        """Whether 0 lies outside ``[low, high]``."""
        return bool(self.low > 0 or self.high < 0)

    def format(self, digits: int = 2) -> str:
        """``"0.42 [0.30, 0.55]"``."""
        return f"{self.estimate:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"

    def __str__(self) -> str:
        return self.format()


def bounds_text(
    estimate: float, low: float = float("nan"), high: float = float("nan"), signed: bool = False
) -> str:
    """``"0.902 [0.851, 0.950]"``: three decimals, the bounds only when they are finite, ``"n/a"`` for a
    missing estimate; ``signed`` writes ``+``/``-`` signs (for differences)."""

    def number(value: float) -> str:
        return f"{value:+.3f}" if signed else f"{value:.3f}"

    if not np.isfinite(estimate):
        return "n/a"
    if np.isfinite(low) and np.isfinite(high):
        return f"{number(estimate)} [{number(low)}, {number(high)}]"
    return number(estimate)


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")


def _interval(estimate: float, values: NDArray[np.float64], level: float, n_units: int) -> Interval:
    finite = values[np.isfinite(values)]
    tail = (1 - level) / 2
    if len(finite):
        low, high = (float(q) for q in np.quantile(finite, [tail, 1 - tail]))
    else:
        low = high = float("nan")
    return Interval(float(estimate), low, high, level, n_units, len(values), len(values) - len(finite))


def bootstrap(
    metric: UnitMetric, n_resamples: int = DEFAULT_RESAMPLES, level: float = DEFAULT_LEVEL, seed: int = 0
) -> Interval:
    """Percentile bootstrap interval of a metric over its independent units.

    Parameters
    ----------
    metric
        Built by :func:`unit_mean`, :func:`pooled_mse`, :func:`pooled_mae`, :func:`pooled_pearson`,
        :func:`pooled_weighted_f1` or :func:`pooled_auc`.
    n_resamples
        Resamples (10,000 of 50 units take milliseconds).
    level
        Coverage of the interval.
    seed
        Seed of the resamples: the same seed gives the same interval.

    Returns
    -------
    Interval
    """
    _check_level(level)
    n_units = len(metric.units)
    counts = resample_counts(n_units, n_resamples, seed)
    estimate = metric(np.ones((1, n_units)))[0]
    return _interval(estimate, metric(counts), level, n_units)


def paired_bootstrap(
    model: UnitMetric,
    baseline: UnitMetric,
    n_resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
) -> Interval:
    """Percentile interval of ``model − baseline``, both evaluated on the *same* resamples.

    Parameters
    ----------
    model, baseline
        The same metric of the two predictors, built on the same units (same rows, same targets).
    n_resamples, level, seed
        As :func:`bootstrap`.

    Returns
    -------
    Interval
        Of the difference; read it with :func:`verdict`.

    Raises
    ------
    ValueError
        When the two metrics are not over the same units.
    """
    _check_level(level)
    if len(model.units) != len(baseline.units) or not np.array_equal(model.units, baseline.units):
        raise ValueError(
            f"model and baseline must be scored on the same units: {len(model.units)} and "
            f"{len(baseline.units)} units, or different names"
        )
    n_units = len(model.units)
    counts = resample_counts(n_units, n_resamples, seed)
    ones = np.ones((1, n_units))
    estimate = model(ones)[0] - baseline(ones)[0]
    return _interval(estimate, model(counts) - baseline(counts), level, n_units)


def bootstrap_loop(
    metric: Callable[..., float],
    units: ArrayLike,
    *arrays: ArrayLike,
    n_resamples: int = DEFAULT_RESAMPLES,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
) -> Interval:
    """Generic, **slow** fallback: any metric callable, one resampled data set at a time.

    Every resample is built by repeating the rows of each unit as often as the unit is drawn (the
    multiplicities of :func:`resample_counts`, so the same seed draws the same resamples as the
    vectorised path) and ``metric(*resampled_arrays)`` is called on it: a Python loop over
    ``n_resamples``, seconds to minutes where the vectorised metrics take milliseconds. Use it for
    metrics without sufficient statistics (average precision, ...), with fewer resamples if need be.
    For a paired difference, pass a callable returning ``m(y, model) - m(y, baseline)``.

    Parameters
    ----------
    metric
        ``metric(*arrays) -> float``; may return ``nan`` (left out, counted as undefined).
    units
        The independent unit of every row.
    *arrays
        Row-aligned arrays (targets, predictions, ...), each with ``len(units)`` rows.
    n_resamples, level, seed
        As :func:`bootstrap`.

    Returns
    -------
    Interval
    """
    _check_level(level)
    if not arrays:
        raise ValueError("bootstrap_loop needs at least one array to resample")
    data = [np.asarray(a) for a in arrays]
    for a in data:
        if len(a) != len(data[0]):
            raise ValueError(f"arrays differ in length: {[len(a) for a in data]}")
    names, codes = encode_units(units, len(data[0]))
    rows_of = [np.flatnonzero(codes == u) for u in range(len(names))]
    counts = resample_counts(len(names), n_resamples, seed)
    values = np.empty(n_resamples)
    for b, row in enumerate(counts):
        index = np.concatenate([np.tile(rows_of[u], k) for u, k in enumerate(row) if k])
        values[b] = metric(*(a[index] for a in data))
    return _interval(float(metric(*data)), values, level, len(names))


def verdict(difference: Interval, higher_better: bool | str) -> str:
    """Read a paired interval of model − baseline.

    Parameters
    ----------
    difference
        From :func:`paired_bootstrap` (or :func:`bootstrap_loop` of a difference).
    higher_better
        The metric's direction, or its name (``"f1"``, ``"auc"``, ``"mse"``, ... see
        :func:`higher_is_better`).

    Returns
    -------
    str
        :data:`BEATS` when the interval excludes 0 on the favourable side, :data:`WORSE` when it
        excludes 0 on the other, otherwise :data:`UNDECIDED` (also when it is undefined).
    """
    higher = higher_is_better(higher_better) if isinstance(higher_better, str) else bool(higher_better)
    if not (np.isfinite(difference.low) and np.isfinite(difference.high)):
        return UNDECIDED
    if difference.low > 0:
        return BEATS if higher else WORSE
    if difference.high < 0:
        return WORSE if higher else BEATS
    return UNDECIDED


# ---------------------------------------------------------------------------------------------------
# Over seeds and folds


@dataclass(frozen=True)
class MeanSD:
    """Mean and sample standard deviation (``ddof=1``) of a score over seeds or folds."""

    mean: float
    sd: float
    n: int

    def format(self, digits: int = 2) -> str:
        """``"0.42 ± 0.03"`` (``sd`` is ``nan`` for a single value)."""
        return f"{self.mean:.{digits}f} ± {self.sd:.{digits}f}"

    def __str__(self) -> str:
        return self.format()


def mean_sd(values: Sequence[float] | ArrayLike) -> MeanSD:
    """Mean ± standard deviation of one score over seeds or folds (``nan`` values skipped).

    Raises
    ------
    ValueError
        When no finite value is given.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if len(v) == 0:
        raise ValueError("mean_sd needs at least one finite value")
    sd = float(np.std(v, ddof=1)) if len(v) > 1 else float("nan")
    return MeanSD(float(np.mean(v)), sd, len(v))
