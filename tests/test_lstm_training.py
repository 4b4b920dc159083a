"""Training drives the loss down on a trivially learnable signal, in every mode; checkpoints load safely."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from emolib.studya.scoring import average_precision  # noqa: E402
from emolib.studya.training import FitOutputs, TrainConfig, class_weights, fit, predict_steps  # noqa: E402


def _signal(n_movies: int, length: int, seed: int, task: str) -> tuple[dict, dict]:
    """Targets that are a smoothed function of the first feature: learnable at every step."""
    rng = np.random.default_rng(seed)
    x, y = {}, {}
    for i in range(n_movies):
        z = np.convolve(rng.normal(size=length + 9), np.ones(10) / np.sqrt(10), mode="valid")
        feats = np.stack([z, rng.normal(size=length)], axis=1).astype(np.float32)
        x[f"m{i}"] = feats
        if task == "va":
            y[f"m{i}"] = np.stack([np.tanh(z), -0.5 * np.tanh(z)], axis=1).astype(np.float32)
        else:
            y[f"m{i}"] = (z > 1.0).astype(np.float32)[:, None]  # rare: about 16 % of the steps
    return x, y


@pytest.mark.parametrize("mode", ["parallel", "stateless"])
def test_loss_goes_down(mode: str) -> None:
    length, epochs = 80, 8
    x, y = _signal(4, length, 0, "va")
    vx, vy = _signal(2, length, 1, "va")
    config = TrainConfig(mode=mode, units=8, dropout=0.0, epochs=epochs, chunk=20, batch_movies=4,
                         learning_rate=1e-2, seed=0)  # fmt: skip
    result = fit(x, y, vx, vy, config)
    h = result.history
    assert len(h) == epochs
    assert h["loss"].iloc[-1] < 0.5 * h["loss"].iloc[0]
    assert h["val_loss"].min() < 0.5 * h["val_loss"].iloc[0]
    assert result.best_epoch == int(h.loc[h["val_loss"].idxmin(), "epoch"])
    pred = predict_steps(result.model, vx, config)
    assert pred["m0"].shape == (length, 2) and np.isfinite(pred["m0"]).all()


def test_faithful_mode_feeds_one_step_and_its_batch_norm_sees_one_sample() -> None:
    """The thesis's batch 1 x 1 step: batch normalisation in training mode maps every input to its offset.

    With a single sample per batch, the batch mean is the sample and the batch variance 0, so what the LSTM
    receives while training does not depend on the features at all: the faithful mode trains, but cannot
    learn from its inputs. This is one reason why the thesis's model ended below the constant mean.
    """
    from emolib.studya.models import build_model

    model = build_model(2, "va", units=4, dropout=0.0, batch_size=1, chunk=1, stateful=True)
    norm = model.get_layer("normalization")
    a, b = (
        keras.ops.convert_to_numpy(norm(np.array([[[v, -v]]], np.float32), training=True))
        for v in (3.0, -7.0)
    )
    np.testing.assert_allclose(a, b, atol=1e-6)
    x, y = _signal(2, 15, 0, "va")
    config = TrainConfig(mode="faithful", units=4, epochs=1, seed=0)
    result = fit(x, y, x, y, config)
    assert len(result.history) == 1 and np.isfinite(result.history["loss"]).all()


def test_fear_with_class_weights_finds_the_rare_class(tmp_path: Path) -> None:
    x, y = _signal(4, 120, 2, "fear")
    vx, vy = _signal(2, 120, 3, "fear")
    weights, w = class_weights(y)
    assert w > 3 and math.isclose(float(weights["m0"][y["m0"][:, 0] == 1][0]), w, rel_tol=1e-6)
    config = TrainConfig(task="fear", units=8, dropout=0.0, epochs=8, chunk=30, learning_rate=1e-2)
    result = fit(
        x, y, vx, vy, config, outputs=FitOutputs(tmp_path / "h.csv", checkpoint=tmp_path / "best.keras")
    )
    pred = predict_steps(result.model, vx, config)
    labels = np.concatenate([vy[m][:, 0] for m in vy])
    scores = np.concatenate([pred[m][:, 0] for m in vy])
    assert average_precision(labels, scores) > 2 * labels.mean()
    assert (scores >= 0.5).any()  # not "no fear" everywhere
    loaded = keras.saving.load_model(tmp_path / "best.keras", safe_mode=True)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded.predict_on_batch(vx["m0"][None]))[0], pred["m0"], atol=1e-5
    )
    assert (tmp_path / "h.csv").read_text().startswith("epoch,loss,val_loss")


def test_mixed_precision_is_a_setting_of_the_run_and_leaves_the_global_policy_alone() -> None:
    from emolib.core.precision import recurrent_policy
    from emolib.studya.models import lstm_layer

    x, y = _signal(2, 30, 0, "va")
    before = keras.mixed_precision.global_policy().name
    config = TrainConfig(units=4, dropout=0.0, epochs=2, chunk=10, batch_movies=2, mixed_precision=True)
    result = fit(x, y, x, y, config)
    assert np.isfinite(result.history[["loss", "val_loss"]].to_numpy()).all()
    lstm_dtype = keras.DTypePolicy(recurrent_policy("mixed_float16")).compute_dtype  # float32 on JAX
    assert lstm_layer(result.model).compute_dtype == lstm_dtype and result.model.output.dtype == "float32"
    assert result.model.get_layer("normalization").compute_dtype == "float16"
    assert keras.mixed_precision.global_policy().name == before
    with pytest.raises(ValueError, match="mixed_precision"):
        TrainConfig(mixed_precision="half")
