"""Feature rows from one time grid onto another, by overlap-weighted averaging.

Every file of the feature store records its **native grid**: row ``i`` covers
``[offset + i * step, offset + i * step + duration)`` seconds (:class:`RowGrid`). The extractors'
rows are on the 0.533 s step grid (``step = duration = 16/30 s``); the organisers' visual descriptors
and 2018 audio descriptors one row per second (``1, 1``); the 2017 audio descriptors one row per
annotation segment (``step 5, duration 10``: overlapping).

**The rule** (:func:`resample_rows`): row ``k`` of the target grid, the interval
``[k * target, (k + 1) * target)``, takes the mean of the source rows that overlap it, each weighted
by the length of its overlap. A target row that no source row overlaps (a gap of the source grid)
takes the source row whose middle is nearest to its middle. A source grid equal to the target is
returned unchanged, and a constant feature stays constant. The target has
``floor(extent / target)`` rows, where ``extent`` is the end of the last source row: a partial last
interval is dropped, as the step grid drops a partial last step.

Worked cases (``tests/test_features_resample.py`` pins them):

* 1 s rows onto the 0.533 s step grid: step 1, ``[0.533, 1.067)``, gets ``(0.467 v0 + 0.067 v1) / 0.533``;
* 0.533 s steps onto 1 s: second 0 gets ``(0.533 s0 + 0.467 s1) / 1``;
* 10 s segments every 5 s onto 1 s: second 7 (covered by the segments starting at 0 and 5) gets
  ``(v0 + v1) / 2``; second 3 (covered by the first only) gets ``v0``.

The weights form a sparse banded matrix (each target row overlaps a handful of source rows), so a
5000-second movie of 4096 values is resampled in well under a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from emolib.media.alignment import STEP_SECONDS

__all__ = ["STEP_GRID", "RowGrid", "n_target_rows", "overlap_weights", "resample_rows"]

_EPS = 1e-9


@dataclass(frozen=True)
class RowGrid:
    """A regular grid of rows: row ``i`` covers ``[offset + i * step, offset + i * step + duration)``."""

    step: float
    duration: float
    offset: float = 0.0

    def __post_init__(self) -> None:
        if not (self.step > 0 and self.duration > 0 and math.isfinite(self.offset)):
            raise ValueError(f"a row grid needs a positive step and duration, got {self}")

    def starts(self, n: int) -> NDArray[np.float64]:
        """Start times of ``n`` rows."""
        return self.offset + self.step * np.arange(n, dtype=np.float64)

    def extent(self, n: int) -> float:
        """End of the last of ``n`` rows, in seconds."""
        return self.offset + (n - 1) * self.step + self.duration if n else 0.0

    def same_as(self, other: RowGrid) -> bool:
        """Equal within a microsecond."""
        return all(abs(a - b) < 1e-6 for a, b in ((self.step, other.step), (self.duration, other.duration),
                                                   (self.offset, other.offset)))  # fmt: skip

    @classmethod
    def every(cls, seconds: float) -> RowGrid:
        """Back-to-back rows of ``seconds`` each, from 0."""
        return cls(float(seconds), float(seconds), 0.0)


STEP_GRID = RowGrid.every(STEP_SECONDS)
"""The 0.533 s step grid of Study A."""


def n_target_rows(source: RowGrid, n: int, target: float) -> int:
    """Rows of ``target`` seconds that fit in the extent of ``n`` source rows."""
    return int(math.floor(source.extent(n) / target + _EPS)) if n else 0


def overlap_weights(source: RowGrid, n: int, target: float, n_target: int) -> sparse.csr_matrix:
    """The ``(n_target, n)`` matrix of overlap lengths between target and source rows (seconds)."""
    rows, cols, vals = [], [], []
    starts = source.starts(n)
    for k in range(n_target):
        a, b = k * target, (k + 1) * target
        first = max(0, int(math.floor((a - source.offset - source.duration) / source.step)))
        last = min(n - 1, int(math.ceil((b - source.offset) / source.step)))
        i = np.arange(first, last + 1)
        overlap = np.minimum(b, starts[i] + source.duration) - np.maximum(a, starts[i])
        keep = overlap > _EPS
        rows.append(np.full(int(keep.sum()), k))
        cols.append(i[keep])
        vals.append(overlap[keep])
    if not rows:
        return sparse.csr_matrix((n_target, n))
    data = (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols)))
    return sparse.csr_matrix(data, shape=(n_target, n))


def resample_rows(
    values: NDArray[np.floating], source: RowGrid, target: float, n_target: int | None = None
) -> NDArray[np.float32]:
    """Rows on ``source`` onto back-to-back rows of ``target`` seconds (the module's rule).

    Parameters
    ----------
    values
        ``(n, d)`` source rows.
    source
        Their grid.
    target
        Length of a target row in seconds (``STEP_SECONDS`` for the step grid, 1.0 per second).
    n_target
        Rows wanted (default :func:`n_target_rows`); more than fit are filled from the nearest row.

    Returns
    -------
    numpy.ndarray
        float32 ``(n_target, d)``.
    """
    x = np.asarray(values)
    n = x.shape[0]
    count = n_target_rows(source, n, target) if n_target is None else int(n_target)
    if n == 0 or count == 0:
        return np.zeros((count, *x.shape[1:]), dtype=np.float32)
    if source.same_as(RowGrid.every(target)):
        if count <= n:
            return np.asarray(x[:count], dtype=np.float32)
    weights = overlap_weights(source, n, target, count)
    total = np.asarray(weights.sum(axis=1)).ravel()
    out = np.asarray(weights @ x.astype(np.float64).reshape(n, -1))
    covered = total > _EPS
    out[covered] /= total[covered, None]
    if not covered.all():
        middles = (np.flatnonzero(~covered) + 0.5) * target
        nearest = np.abs(middles[:, None] - (source.starts(n) + source.duration / 2)[None, :]).argmin(axis=1)
        out[~covered] = x.reshape(n, -1)[nearest]
    return out.reshape((count, *x.shape[1:])).astype(np.float32)
