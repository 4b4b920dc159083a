"""Mixed precision: policy names, the global policy, and a model trained under mixed float16 on CPU."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from emolib.core.precision import policy_name, use_precision  # noqa: E402
from emolib.studya.models import Fitting, build_model, lstm_layer  # noqa: E402


@pytest.fixture()
def global_policy() -> Iterator[None]:
    """Restore the global dtype policy after the test, whatever it set."""
    before = keras.mixed_precision.global_policy()
    yield
    keras.mixed_precision.set_global_policy(before)


@pytest.mark.parametrize(
    ("value", "name"),
    [(False, "float32"), ("float32", "float32"), (True, "mixed_float16"), ("mixed_float16", "mixed_float16"),
     ("mixed_bfloat16", "mixed_bfloat16")],
)  # fmt: skip
def test_policy_names(value: bool | str, name: str) -> None:
    assert policy_name(value) == name


@pytest.mark.parametrize("value", [1, 0, "float16", "mixed", 16.0])
def test_other_values_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="mixed_precision must be one of"):
        policy_name(value)  # type: ignore[arg-type]


def test_use_precision_sets_the_global_policy_and_none_reads_it(global_policy: None) -> None:
    assert use_precision(True) == "mixed_float16"
    assert keras.mixed_precision.global_policy().name == "mixed_float16" == policy_name(None)
    with pytest.raises(ValueError):
        use_precision("half")
    assert keras.mixed_precision.global_policy().name == "mixed_float16"  # unchanged by a refused value
    assert use_precision(False) == "float32" == policy_name(None)


def test_a_model_trained_under_mixed_float16_outputs_float32_and_a_finite_loss(global_policy: None) -> None:
    use_precision("mixed_float16")
    model = build_model(3, "fear", units=8, dropout=0.2, batch_size=2, chunk=6, stateful=True, seed=0)
    lstm_dtype = "float32" if keras.backend.backend() == "jax" else "float16"  # what its cuDNN kernel takes
    assert lstm_layer(model).compute_dtype == lstm_dtype and model.get_layer("fc").compute_dtype == "float32"
    assert model.get_layer("normalization").compute_dtype == "float16"
    assert all(w.dtype == "float32" for w in model.weights)  # variables stay in full precision
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 6, 3)).astype(np.float32)
    y = (x[..., :1] > 0).astype(np.float32)
    losses = [float(model.train_on_batch(x, y, sample_weight=np.ones((2, 6), np.float32))) for _ in range(3)]
    assert np.isfinite(losses).all() and losses[0] > 0
    out = model.predict_on_batch(x)
    assert keras.ops.convert_to_numpy(out).dtype == np.float32 and np.isfinite(out).all()
    assert np.all((out > 0) & (out < 1))


def test_a_model_given_its_own_precision_ignores_the_global_policy(global_policy: None) -> None:
    use_precision(True)
    model = build_model(3, "va", units=4, stateful=False, fitting=Fitting(mixed_precision=False))
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    assert {layer.compute_dtype for layer in layers} == {"float32"} and model.inputs[0].dtype == "float32"
    assert not isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert keras.mixed_precision.global_policy().name == "mixed_float16"  # not changed by build_model
