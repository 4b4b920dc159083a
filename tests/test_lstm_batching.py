"""Movie streams cut into chunks: coverage, resets, padding and the round trip of predictions."""

from __future__ import annotations

import numpy as np
import pytest

from emolib.studya.batching import assign_rows, iter_chunks, n_chunks, scatter_predictions, window_batches


def _movies(lengths: dict[str, int], d: int = 3) -> dict[str, np.ndarray]:
    # every step holds (movie number, step index, 1) so its origin can be read back
    return {
        m: np.stack([np.full(n, k), np.arange(n), np.ones(n)], axis=1).astype(np.float32)[:, :d]
        for k, (m, n) in enumerate(sorted(lengths.items()))
    }


def test_every_step_appears_once_and_rows_reset_at_movie_starts() -> None:
    lengths = {"a": 70, "b": 33, "c": 5, "d": 64, "e": 1}
    feats = _movies(lengths)
    seen = {m: np.zeros(n, int) for m, n in lengths.items()}
    chunks = list(iter_chunks(feats, 32, 2, targets=feats, rng=np.random.default_rng(1)))
    for c in chunks:
        assert c.x.shape == (2, 32, 3) and c.weight.shape == (2, 32)
        covered = np.zeros(2, bool)
        for s in c.slots:
            seen[s.movie][s.start : s.start + s.length] += 1
            assert c.reset[s.row] == (s.start == 0)  # reset exactly when the row starts a movie
            np.testing.assert_array_equal(
                c.x[s.row, : s.length], feats[s.movie][s.start : s.start + s.length]
            )
            np.testing.assert_array_equal(
                c.y[s.row, : s.length], feats[s.movie][s.start : s.start + s.length]
            )
            assert c.weight[s.row, : s.length].all() and not c.weight[s.row, s.length :].any()
            assert not c.x[s.row, s.length :].any()  # padding is zeros
            covered[s.row] = True
        assert not c.weight[~covered].any()
    assert all((v == 1).all() for v in seen.values())
    assert len(chunks) == max(
        sum(n_chunks(lengths[m], 32) for m in row) for row in assign_rows(lengths, 2, 32)
    )


def test_rows_are_balanced() -> None:
    lengths = {f"m{i}": n for i, n in enumerate([300, 290, 100, 90, 80, 70, 60, 30])}
    rows = assign_rows(lengths, 3, 10)
    loads = [sum(n_chunks(lengths[m], 10) for m in row) for row in rows]
    assert sorted(m for row in rows for m in row) == sorted(lengths)
    assert max(loads) - min(loads) <= max(n_chunks(n, 10) for n in lengths.values())
    with pytest.raises(ValueError):
        assign_rows(lengths, 0, 10)


def test_scatter_puts_predictions_back_in_place() -> None:
    lengths = {"a": 50, "b": 7, "c": 20}
    feats = _movies(lengths)
    pairs = [(c, c.x.copy()) for c in iter_chunks(feats, 8, 2)]  # "predict" the input itself
    back = scatter_predictions(pairs, lengths)
    for m in lengths:
        np.testing.assert_array_equal(back[m], feats[m])
    with pytest.raises(ValueError, match="without prediction"):
        scatter_predictions(pairs[:1], lengths)


def test_window_batches_shuffle_whole_windows() -> None:
    lengths = {"a": 20, "b": 9}
    feats = _movies(lengths)
    batches = list(window_batches(feats, feats, 4, 3, np.random.default_rng(0)))
    x = np.concatenate([b[0] for b in batches])
    w = np.concatenate([b[2] for b in batches])
    assert x.shape == (5 + 3, 4, 3)
    assert w.sum() == 29
    for window, weight in zip(x, w, strict=True):  # each window is consecutive steps of one movie
        n = int(weight.sum())
        assert len(set(window[:n, 0])) == 1 and np.all(np.diff(window[:n, 1]) == 1)
