"""The Keras models: output layers, and the per-row state reset between movies."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from emolib.lstm.models import build_model, lstm_layer, reset_rows  # noqa: E402
from emolib.lstm.training import TrainConfig, predict_steps  # noqa: E402

D = 3


def _movies(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {name: rng.normal(size=(n, D)).astype(np.float32) for name, n in (("a", 23), ("b", 9), ("c", 17))}


def _config(batch_movies: int) -> TrainConfig:
    return TrainConfig(units=4, dropout=0.0, batch_movies=batch_movies, chunk=5, predict_chunk=5, seed=1)


def _whole_movie(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """The stateless network over the whole movie at once, from a zero state."""
    return keras.ops.convert_to_numpy(model.predict_on_batch(x[None]))[0]


def test_output_layers() -> None:
    va = build_model(D, "va", units=4, stateful=False)
    fear = build_model(D, "fear", units=4, stateful=False)
    assert va.get_layer("fc").activation.__name__ == "tanh" and va.output_shape[-1] == 2
    assert fear.get_layer("fc").activation.__name__ == "sigmoid" and fear.output_shape[-1] == 1
    p = keras.ops.convert_to_numpy(fear.predict_on_batch(np.random.default_rng(0).normal(size=(2, 7, D))))
    assert np.all((p > 0) & (p < 1)) and p.std() > 0  # not the constant 1 of a one-unit softmax
    with pytest.raises(ValueError, match="batch_size"):
        build_model(D, "va", stateful=True)


def test_reset_rows_zeroes_only_the_chosen_rows() -> None:
    model = build_model(D, "va", units=4, dropout=0.0, batch_size=3, chunk=2, stateful=True)
    model.predict_on_batch(np.ones((3, 2, D), np.float32))
    layer = lstm_layer(model)
    before = [keras.ops.convert_to_numpy(s.value).copy() for s in layer.states]
    assert all(np.abs(b).sum(axis=1).min() > 0 for b in before)
    reset_rows(model, [False, True, False])
    for old, state in zip(before, layer.states, strict=True):
        new = keras.ops.convert_to_numpy(state.value)
        assert not new[1].any()
        np.testing.assert_array_equal(new[[0, 2]], old[[0, 2]])


@pytest.mark.parametrize("batch_movies", [1, 2])
def test_predictions_of_a_movie_do_not_depend_on_the_previous_movie_in_its_row(batch_movies: int) -> None:
    movies = _movies()
    config = _config(batch_movies)
    model = build_model(D, "va", units=4, dropout=0.0, stateful=False, seed=1)
    streamed = predict_steps(model, movies, config)  # movies follow each other in rows
    for name, x in movies.items():
        alone = predict_steps(model, {name: x}, config)[name]
        np.testing.assert_allclose(streamed[name], alone, atol=1e-5)
        np.testing.assert_allclose(streamed[name], _whole_movie(model, x), atol=1e-5)


def test_without_the_reset_the_state_would_leak() -> None:
    """The check above is sensitive: streaming movie c after a without a reset changes c's predictions."""
    movies = _movies()
    model = build_model(D, "va", units=4, dropout=0.0, stateful=False, seed=1)
    stream = build_model(D, "va", units=4, dropout=0.0, batch_size=1, chunk=None, stateful=True)
    stream.set_weights(model.get_weights())
    stream.predict_on_batch(movies["a"][None])  # no reset_rows before the next movie
    leaked = keras.ops.convert_to_numpy(stream.predict_on_batch(movies["c"][None]))[0]
    assert np.abs(leaked - _whole_movie(model, movies["c"])).max() > 1e-3
    reset_rows(stream, [True])
    clean = keras.ops.convert_to_numpy(stream.predict_on_batch(movies["c"][None]))[0]
    np.testing.assert_allclose(clean, _whole_movie(model, movies["c"]), atol=1e-5)
