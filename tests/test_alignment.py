"""Time grids: steps, windows, sequences, and the expand/average round trip."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import ArrayLike, NDArray

from emolib.media import alignment as al

FPS = st.sampled_from([24000 / 1001, 24.0, 25.0, 30000 / 1001, 30.0, 29.786])
DURATIONS = st.floats(min_value=10.0, max_value=5400.0, allow_nan=False)


def dense_overlap_matrix(
    starts_a: ArrayLike, length_a: float, starts_b: ArrayLike, length_b: float
) -> NDArray[np.float64]:
    """Test oracle: seconds of overlap between every interval of grid A and every interval of grid B.

    The obvious dense computation the fast path of :mod:`emolib.media.alignment` (box integrals, ``O((n + m)
    log n)``) is checked against. It holds ``len(starts_a) × len(starts_b)`` entries (steps × windows:
    ten million for a 1.5 h movie), so it is for small test grids only, never for whole movies.

    Parameters
    ----------
    starts_a, starts_b
        Start times (seconds) of the intervals of each grid.
    length_a, length_b
        Interval length of each grid in seconds.

    Returns
    -------
    numpy.ndarray
        Array of shape ``(len(starts_a), len(starts_b))``.
    """
    a = np.asarray(starts_a, dtype=np.float64)[:, None]
    b = np.asarray(starts_b, dtype=np.float64)[None, :]
    return np.clip(np.minimum(a + length_a, b + length_b) - np.maximum(a, b), 0.0, None)


def test_step_constants_agree_between_video_and_audio() -> None:
    assert al.STEP_SECONDS == pytest.approx(0.5333333, abs=1e-6)
    assert al.STEP_SAMPLES / al.AUDIO_RATE == pytest.approx(al.STEP_SECONDS, abs=1e-12)


def test_window_grid_hand_computed() -> None:
    # 32 s: windows [0,10) [5,15) ... [20,30); a window [25,35) would end past the movie
    assert al.n_windows(32.0) == 5
    assert al.n_windows(30.0) == 5
    assert al.n_windows(9.0) == 1
    np.testing.assert_array_equal(al.window_starts(3), [0.0, 5.0, 10.0])


def test_exact_multiples_are_not_lost_to_rounding() -> None:
    assert al.n_steps(16 / 30 * 1000) == 1000
    assert al.n_sequences(300.0) == 10


def test_expand_hand_computed() -> None:
    # two windows [0,10) = 1 and [5,15) = -1 ; steps of 2.5 s
    steps = al.expand_to_steps([1.0, -1.0], [0.0, 5.0], n_step=6, step=2.5)
    np.testing.assert_allclose(steps, [1, 1, 0, 0, -1, -1])


def test_average_hand_computed() -> None:
    windows = al.average_to_windows(np.arange(6.0), [0.0, 5.0], step=2.5)
    np.testing.assert_allclose(windows, [1.5, 3.5])


def test_negative_or_infinite_duration_is_rejected() -> None:
    with pytest.raises(ValueError):
        al.n_steps(-1.0)
    with pytest.raises(ValueError):
        al.n_windows(float("inf"))


@given(duration=DURATIONS, fps=FPS)
@settings(max_examples=200, deadline=None)
def test_grids_line_up_for_any_movie(duration: float, fps: float) -> None:
    n_frames = int(duration * fps)
    real = n_frames / fps  # what a reader measures from the video stream
    steps = al.n_steps(real)
    windows = al.n_windows(real)
    # every step lies inside the movie, and one more would not
    assert steps * al.STEP_SECONDS <= real + 1e-6
    assert (steps + 1) * al.STEP_SECONDS > real - 1e-6
    # windows end inside the movie (or the movie is shorter than one window)
    last_end = al.window_starts(windows)[-1] + al.WINDOW_SECONDS
    assert last_end <= real + 1e-6 or windows == 1
    # the video step grid and the audio sample grid agree to the sample
    samples = steps * al.STEP_SAMPLES
    assert samples / al.AUDIO_RATE == pytest.approx(steps * al.STEP_SECONDS, abs=1e-9)


@given(duration=DURATIONS, value=st.floats(-1, 1), width=st.integers(1, 3))
@settings(max_examples=200, deadline=None)
def test_constant_signal_survives_round_trip(duration: float, value: float, width: int) -> None:
    windows = al.n_windows(duration)
    starts = al.window_starts(windows)
    steps = al.n_steps(duration)
    expanded = al.expand_to_steps(np.full((windows, width), value), starts, steps)
    assert expanded.shape == (steps, width)
    np.testing.assert_allclose(expanded, value, atol=1e-9)
    back = al.average_to_windows(expanded, starts)
    assert back.shape == (windows, width)
    np.testing.assert_allclose(back, value, atol=1e-9)


@given(duration=DURATIONS, data=st.data())
@settings(max_examples=100, deadline=None)
def test_expand_is_a_convex_combination(duration: float, data: st.DataObject) -> None:
    windows = al.n_windows(duration)
    values = np.asarray(data.draw(st.lists(st.floats(-1, 1), min_size=windows, max_size=windows)))
    expanded = al.expand_to_steps(values, al.window_starts(windows), al.n_steps(duration))
    assert expanded.min() >= values.min() - 1e-9
    assert expanded.max() <= values.max() + 1e-9
    back = al.average_to_windows(expanded, al.window_starts(windows))
    assert np.all(np.isfinite(back))


def test_window_past_the_steps_is_nan_not_invented() -> None:
    out = al.average_to_windows(np.ones(3), [0.0, 100.0])
    assert out[0] == pytest.approx(1.0)
    assert np.isnan(out[1])


def test_expand_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="2 window values but 3"):
        al.expand_to_steps([1.0, 2.0], [0.0, 5.0, 10.0], 10)


def test_dense_oracle_hand_computed() -> None:
    # windows [0,10) and [5,15) against steps [0,2.5) [2.5,5) [5,7.5) [12.5,15) [15,17.5)
    dense = dense_overlap_matrix([0.0, 2.5, 5.0, 12.5, 15.0], 2.5, [0.0, 5.0], 10.0)
    np.testing.assert_array_equal(dense, [[2.5, 0], [2.5, 0], [2.5, 2.5], [0, 2.5], [0, 0]])


@given(
    n_win=st.integers(1, 40),
    n_step=st.integers(1, 400),
    step=st.sampled_from([al.STEP_SECONDS, 1.0, 2.5]),
    data=st.data(),
)
@settings(max_examples=100, deadline=None)
def test_fast_path_equals_dense_overlap_matrix(n_win: int, n_step: int, step: float, data) -> None:
    values = np.asarray(data.draw(st.lists(st.floats(-1, 1), min_size=n_win, max_size=n_win)))
    starts = al.window_starts(n_win)
    dense = dense_overlap_matrix(al.step_starts(n_step, step), step, starts, al.WINDOW_SECONDS)
    steps = al.expand_to_steps(values, starts, n_step, step=step)
    covered = dense.sum(axis=1) > 0
    expected = (dense @ values)[covered] / dense.sum(axis=1)[covered]
    np.testing.assert_allclose(steps[covered], expected, atol=1e-9)
    windows = al.average_to_windows(steps, starts, step=step)
    hit = dense.sum(axis=0) > 0
    np.testing.assert_allclose(windows[hit], (dense.T @ steps)[hit] / dense.sum(axis=0)[hit], atol=1e-9)
    assert np.all(np.isnan(windows[~hit]))
