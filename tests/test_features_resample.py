"""Resampling feature rows between time grids (overlap-weighted averaging), on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from emolib.features.resample import STEP_GRID, RowGrid, n_target_rows, resample_rows
from emolib.media.alignment import STEP_SECONDS

S = STEP_SECONDS  # 16/30 s


def test_seconds_onto_the_step_grid() -> None:
    values = np.array([[1.0], [5.0], [9.0]])  # seconds [0,1), [1,2), [2,3)
    out = resample_rows(values, RowGrid.every(1.0), S)
    assert out.shape == (5, 1)  # floor(3 / 0.533) = 5 whole steps
    # step 0 [0, .533) lies in second 0; step 1 [.533, 1.067) overlaps second 0 by .467 and second 1 by .067
    expected = [
        1.0,
        (1.0 * (1 - S) + 5.0 * (2 * S - 1)) / S,
        5.0,
        (5.0 * (2 - 3 * S) + 9.0 * (4 * S - 2)) / S,
        9.0,
    ]
    np.testing.assert_allclose(out[:, 0], expected, rtol=1e-6)


def test_steps_onto_seconds() -> None:
    values = np.array([[0.0], [3.0], [6.0], [9.0]])  # steps [0,.533), [.533,1.067), ...
    out = resample_rows(values, STEP_GRID, 1.0)
    assert out.shape == (2, 1)  # 4 steps = 2.133 s: 2 whole seconds
    np.testing.assert_allclose(out[0, 0], (0.0 * S + 3.0 * (1 - S)) / 1.0, rtol=1e-6)
    # second 1 [1, 2): step 1 by 2S - 1, step 2 by S, step 3 by 2 - 3S
    np.testing.assert_allclose(out[1, 0], 3.0 * (2 * S - 1) + 6.0 * S + 9.0 * (2 - 3 * S), rtol=1e-6)


def test_overlapping_segments_onto_seconds() -> None:
    values = np.array([[2.0, 0.0], [4.0, 1.0], [8.0, 2.0]])  # [0,10), [5,15), [10,20)
    out = resample_rows(values, RowGrid(5.0, 10.0), 1.0)
    assert out.shape == (20, 2)
    np.testing.assert_allclose(out[3], [2.0, 0.0])  # second 3: the first segment only
    np.testing.assert_allclose(out[7], [3.0, 0.5])  # second 7: segments 0 and 1, each fully
    np.testing.assert_allclose(out[12], [6.0, 1.5])  # second 12: segments 1 and 2
    np.testing.assert_allclose(out[17], [8.0, 2.0])


def test_same_grid_is_unchanged_constants_stay_and_gaps_take_the_nearest() -> None:
    values = np.arange(12.0).reshape(6, 2)
    np.testing.assert_array_equal(resample_rows(values, RowGrid.every(1.0), 1.0), values)
    const = np.full((7, 3), 2.5)
    np.testing.assert_allclose(resample_rows(const, RowGrid(5.0, 10.0), S), 2.5)
    sparse_rows = np.array([[1.0], [7.0]])  # [0, 1) and [3, 4): seconds 1 and 2 are in no row
    out = resample_rows(sparse_rows, RowGrid(3.0, 1.0), 1.0)
    assert out[:, 0].tolist() == [1.0, 1.0, 7.0, 7.0]  # nearest middle; 1.5 vs 3.5: second 2 is nearer 3.5


def test_row_counts_and_bad_grids() -> None:
    assert n_target_rows(RowGrid.every(1.0), 10, S) == 18
    assert n_target_rows(STEP_GRID, 18, 1.0) == 9
    assert n_target_rows(RowGrid(5.0, 10.0), 3, 1.0) == 20
    assert resample_rows(np.zeros((0, 4)), STEP_GRID, 1.0).shape == (0, 4)
    with pytest.raises(ValueError, match="positive"):
        RowGrid(0.0, 1.0)


def test_a_long_wide_movie_is_resampled_at_once() -> None:
    values = np.random.default_rng(0).normal(size=(3000, 64)).astype(np.float32)
    out = resample_rows(values, RowGrid.every(1.0), S)
    assert out.shape == (5625, 64) and out.dtype == np.float32
    np.testing.assert_allclose(out.mean(), values.mean(), atol=0.02)
