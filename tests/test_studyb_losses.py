"""Class-balanced cross-entropy and the audio network's recipes: weights by hand, the plain loss as a
special case, a saved model that reloads, epoch selection on a validation score, early stopping."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest

from emolib.studyb.losses import MAX_CLASS_WEIGHT, LabelBalancedCrossentropy, balanced_label_weights
from emolib.studyb.models import build_audio_mlp
from emolib.studyb.recipes import BALANCED, PAPER, LabelRecipe, recipe
from emolib.studyb.training import FitOptions, fit, load_model, save_model


def test_balanced_weights_by_hand() -> None:
    y = np.zeros((100, 3))
    y[:50, 0] = 1  # half on: both classes weigh 1
    y[:10, 1] = 1  # 10 %: positives 100 / 20 = 5, negatives 100 / 180
    y[:1, 2] = 1  # 1 %: positives capped
    pos, neg = balanced_label_weights(y)
    np.testing.assert_allclose(pos, [1.0, 5.0, MAX_CLASS_WEIGHT], rtol=1e-6)
    np.testing.assert_allclose(neg, [1.0, 100 / 180, 100 / 198], rtol=1e-6)
    # each class's total weight is the same: n_pos * w_pos == n_neg * w_neg (below the cap)
    assert 10 * pos[1] == pytest.approx(90 * neg[1])
    with pytest.raises(ValueError, match="rows, labels"):
        balanced_label_weights(np.zeros(5))


def test_unit_weights_give_keras_binary_crossentropy_and_weights_scale_each_class() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random((16, 4)) < 0.3).astype("float32")
    p = rng.uniform(0.05, 0.95, (16, 4)).astype("float32")
    plain = keras.ops.convert_to_numpy(keras.losses.BinaryCrossentropy()(y, p))
    ones = LabelBalancedCrossentropy(np.ones(4), np.ones(4))
    assert float(keras.ops.convert_to_numpy(ones(y, p))) == pytest.approx(float(plain), rel=1e-5)
    w_pos, w_neg = np.array([2.0, 1.0, 3.0, 0.5]), np.array([0.5, 1.0, 1.0, 2.0])
    by_hand = -(w_pos * y * np.log(p) + w_neg * (1 - y) * np.log(1 - p)).mean()
    weighted = LabelBalancedCrossentropy(w_pos, w_neg)
    assert float(keras.ops.convert_to_numpy(weighted(y, p))) == pytest.approx(by_hand, rel=1e-5)
    with pytest.raises(ValueError, match="one positive and one negative"):
        LabelBalancedCrossentropy([1.0], [1.0, 2.0])


def test_a_network_with_the_balanced_loss_saves_and_reloads(tmp_path: Path) -> None:
    loss = LabelBalancedCrossentropy([2.0, 0.5], [0.5, 2.0])
    model = build_audio_mlp(2, "labels", 5, loss=loss)
    x = np.random.default_rng(1).normal(size=(4, 5)).astype("float32")
    save_model(model, tmp_path / "net.keras")
    again = keras.saving.load_model(tmp_path / "net.keras", safe_mode=True)  # compiled, loss included
    assert again.loss.get_config()["positive_weights"] == [2.0, 0.5]
    np.testing.assert_allclose(
        load_model(tmp_path / "net.keras").predict(x, verbose=0), model.predict(x, verbose=0)
    )


def _linear_problem() -> tuple[keras.Model, tuple, tuple]:
    keras.utils.set_random_seed(0)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1, kernel_initializer="zeros")(inputs))
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mean_squared_error")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-1.0], [0.5]])).astype("float32")
    return model, (x, y), (x[:16], y[:16])


def test_select_keeps_the_epoch_of_the_best_validation_score() -> None:
    model, train, validation = _linear_problem()
    # a score that prefers the third epoch, whatever the loss says
    calls = iter(range(100))

    def score(_y: np.ndarray, _p: np.ndarray) -> float:
        return -abs(next(calls) - 2)

    history = fit(
        model, train, validation, 6, options=FitOptions(batch_size=16, restore_best=True, select=score)
    )
    assert history.attrs["best_epoch"] == 3 and list(history["val_score"]) == [-2, -1, 0, -1, -2, -3]
    model, train, validation = _linear_problem()
    nan_first = iter([np.nan, 0.1, 0.2, 0.1])
    options = FitOptions(batch_size=16, restore_best=True, select=lambda *_: next(nan_first))
    history = fit(model, train, validation, 4, options=options)
    assert history.attrs["best_epoch"] == 3


def test_patience_stops_once_the_validation_loss_stops_improving() -> None:
    model, train, validation = _linear_problem()
    falling = iter([5.0, 4.0, 3.0] + [0.0] * 100)  # a score that peaks at epoch 1 and then only falls
    options = FitOptions(batch_size=16, restore_best=True, select=lambda *_: next(falling), patience=3)
    history = fit(model, train, validation, 50, options=options)
    assert history.attrs["best_epoch"] == 1 and len(history) == 4
    model, train, validation = _linear_problem()
    history = fit(
        model, train, validation, 30, options=FitOptions(batch_size=16, restore_best=True, patience=3)
    )
    assert len(history) == 30  # the loss keeps falling on this problem: no early stop


def test_recipes_are_checked_and_found_by_name() -> None:
    assert recipe("paper") is PAPER and recipe("balanced") is BALANCED
    assert BALANCED.balanced and BALANCED.seeds > 1 and not PAPER.balanced and PAPER.seeds == 1
    with pytest.raises(ValueError, match="balanced"):
        recipe("focal")
    for bad in ({"select": "f2"}, {"seeds": 0}, {"patience": 0}, {"threshold_floor": 1.0}):
        with pytest.raises(ValueError):
            LabelRecipe(**bad)


def test_the_epoch_log_is_written_at_the_end_and_not_after_every_epoch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from emolib.core import atomic
    from emolib.studyb import training

    writes: list[Path] = []
    real = atomic.write_text
    monkeypatch.setattr(
        training, "write_text", lambda path, text: writes.append(Path(path)) or real(path, text)
    )
    model, train, validation = _linear_problem()
    history = fit(model, train, validation, 30, tmp_path / "log.csv", options=FitOptions(batch_size=16))
    logged = pd.read_csv(tmp_path / "log.csv")
    assert len(logged) == 30 and list(logged["epoch"]) == list(history["epoch"])  # every epoch, at the end
    assert len(writes) <= 3  # the first epoch, then at most every 10 s, and the end: not 30 rewrites
