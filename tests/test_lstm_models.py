"""The Keras models: output layers, the state carried between calls and its per-row reset, on any backend."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from emolib.studya.models import Fitting, build_model, lstm_layer, reset_rows  # noqa: E402
from emolib.studya.training import TrainConfig, predict_steps  # noqa: E402

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


def test_the_state_is_a_tracked_variable_but_not_a_weight() -> None:
    """Tracked, so that JAX carries it between calls; not a weight, so weights go to any batch size."""
    stateful = build_model(D, "va", units=4, batch_size=3, chunk=2, stateful=True)
    stateless = build_model(D, "va", units=4, stateful=False)
    states = lstm_layer(stateful).states
    assert len(states) == 2 and all(s.shape == (3, 4) and not s.trainable for s in states)
    tracked = {id(v) for v in stateful.non_trainable_variables}
    assert all(id(s) in tracked for s in states)
    assert not {id(s) for s in states} & {id(w) for w in stateful.weights}
    assert [w.shape for w in stateful.weights] == [w.shape for w in stateless.weights]
    stateless.set_weights(stateful.get_weights())


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


def test_chunks_streamed_through_a_stateful_model_equal_the_whole_movie() -> None:
    """predict_on_batch carries the state from one chunk to the next (the JAX backend used to drop it)."""
    x = _movies()["a"]
    model = build_model(D, "va", units=4, dropout=0.0, stateful=False, seed=1)
    stream = build_model(D, "va", units=4, dropout=0.0, batch_size=1, chunk=None, stateful=True)
    stream.set_weights(model.get_weights())
    parts = [
        keras.ops.convert_to_numpy(stream.predict_on_batch(x[None, i : i + 5]))[0] for i in range(0, 23, 5)
    ]
    np.testing.assert_allclose(np.concatenate(parts), _whole_movie(model, x), atol=1e-5)


def test_training_carries_the_state_into_the_next_chunk_unless_the_row_is_reset() -> None:
    """The loss of a second chunk depends on the state the first left behind, and only through it."""
    rng = np.random.default_rng(3)
    first, second = (rng.normal(size=(2, 6, D)).astype(np.float32) for _ in range(2))
    y = np.tanh(rng.normal(size=(2, 6, 2))).astype(np.float32)

    def second_loss(reset: list[bool]) -> float:
        model = build_model(D, "va", units=4, dropout=0.0, batch_size=2, chunk=6, stateful=True, seed=5,
                            fitting=Fitting(learning_rate=0.0))  # fmt: skip
        model.train_on_batch(first, y)
        assert all(np.abs(keras.ops.convert_to_numpy(s.value)).sum(axis=1).min() > 0
                   for s in lstm_layer(model).states)  # fmt: skip
        reset_rows(model, reset)
        return float(model.train_on_batch(second, y))

    fresh = build_model(D, "va", units=4, dropout=0.0, batch_size=2, chunk=6, stateful=True, seed=5)
    from_zero = float(fresh.train_on_batch(second, y))
    assert abs(second_loss([False, False]) - from_zero) > 1e-4
    assert second_loss([True, True]) == pytest.approx(from_zero, abs=1e-6)


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
