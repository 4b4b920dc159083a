"""The backend-specific module: device description and input gradients, on whichever backend runs.

``make test-backends`` runs this file with ``KERAS_BACKEND=torch`` and ``KERAS_BACKEND=jax`` too.
"""

from __future__ import annotations

import keras
import numpy as np

from emolib.core.backends import device_info, gpu_available, output_gradient


def _quadratic_model() -> keras.Model:
    """``y = [sum(x**2), 3 * x[0]]``: gradients known in closed form."""
    inputs = keras.Input((4,))
    squares = keras.layers.Lambda(lambda t: keras.ops.sum(t * t, axis=-1, keepdims=True))(inputs)
    first = keras.layers.Lambda(lambda t: 3.0 * t[:, :1])(inputs)
    return keras.Model(inputs, keras.layers.Concatenate()([squares, first]))


def test_output_gradient_matches_the_closed_form_per_sample() -> None:
    x = np.arange(8, dtype=np.float32).reshape(2, 4) / 4
    model = _quadratic_model()
    grad, out = output_gradient(model, x, 0)
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-6)
    np.testing.assert_allclose(out[:, 0], (x**2).sum(axis=1), rtol=1e-6)
    grad, _ = output_gradient(model, x, 1)
    np.testing.assert_allclose(grad, np.tile([3.0, 0.0, 0.0, 0.0], (2, 1)), rtol=1e-6)
    assert grad.dtype == np.float32


def test_output_gradient_leaves_frozen_weights_alone() -> None:
    """Frozen layers (the encoder under a head) still pass the gradient to the input."""
    inputs = keras.Input((3,))
    dense = keras.layers.Dense(1, use_bias=False)
    model = keras.Model(inputs, dense(inputs))
    dense.set_weights([np.array([[1.0], [-2.0], [0.5]])])
    dense.trainable = False
    grad, _ = output_gradient(model, np.ones((2, 3), np.float32), 0)
    np.testing.assert_allclose(grad, [[1.0, -2.0, 0.5]] * 2)
    np.testing.assert_allclose(dense.get_weights()[0][:, 0], [1.0, -2.0, 0.5])


def test_device_info_names_the_backend_in_use() -> None:
    info = device_info()
    assert info["backend"] == keras.backend.backend()
    assert info["kind"] in ("cpu", "gpu", "tpu") and info["name"] and info["keras"] == keras.__version__
    assert gpu_available() == (info["kind"] == "gpu")
