"""The only backend-specific code of emolib: which device Keras computes on, and input gradients.

Everything else in emolib is written against ``keras`` and ``keras.ops`` and runs unchanged on the
TensorFlow, PyTorch and JAX backends (``KERAS_BACKEND``). Two things Keras 3 does not expose
backend-independently live here, each importing its backend's library only when that backend is
the one in use, so that a PyTorch-only machine never needs TensorFlow:

* :func:`device_info`: the backend, the kind of device (``gpu`` or ``cpu``) and its name;
* :func:`output_gradient`: the gradient of one output unit of a model with respect to its input,
  which :func:`emolib.studyb.saliency.grad_cam` needs.
"""

from __future__ import annotations

import platform
from typing import Any

import keras
import numpy as np
from numpy.typing import NDArray

__all__ = ["device_info", "gpu_available", "output_gradient"]


def device_info() -> dict[str, str]:
    """The backend and the device Keras computes on (the first GPU if any, else the CPU).

    Returns
    -------
    dict
        ``backend`` (``tensorflow``, ``torch`` or ``jax``), ``kind`` (``gpu`` or ``cpu``; JAX's
        platform name otherwise, e.g. ``tpu``), ``name`` (the device's name) and ``keras`` (version).
    """
    backend = keras.backend.backend()
    name, kind = platform.processor() or platform.machine(), "cpu"
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            name, kind = details.get("device_name", gpus[0].name), "gpu"
    elif backend == "jax":
        import jax

        first = jax.devices()[0]
        kind = "gpu" if first.platform in ("gpu", "cuda", "rocm") else first.platform
        if kind != "cpu":
            name = getattr(first, "device_kind", str(first))
    elif backend == "torch":
        import torch

        if torch.cuda.is_available():
            name, kind = torch.cuda.get_device_name(0), "gpu"
    return {"backend": backend, "kind": kind, "name": name, "keras": keras.__version__}


def gpu_available() -> bool:
    """True if the Keras backend in use computes on a GPU."""
    return device_info()["kind"] == "gpu"


def output_gradient(model: keras.Model, x: NDArray, output: int) -> tuple[NDArray, NDArray]:
    """Gradient of ``sum(model(x)[:, output])`` with respect to ``x``, in inference mode.

    Each sample's output depends only on its own input (no batch statistics in inference mode), so
    row ``i`` of the result is the gradient of sample ``i``'s score.

    Parameters
    ----------
    model
        Any Keras model with one input and one output ``(n, units)``.
    x
        Input batch (float32).
    output
        Index of the output unit.

    Returns
    -------
    gradient, outputs
        ``d score / d x`` shaped like ``x`` (float32), and the model's outputs ``(n, units)``.

    Raises
    ------
    NotImplementedError
        For a backend other than TensorFlow, PyTorch and JAX (e.g. ``numpy``, which has no gradients).
    """
    x = np.asarray(x, dtype=np.float32)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return _tensorflow_gradient(model, x, output)
    if backend == "torch":
        return _torch_gradient(model, x, output)
    if backend == "jax":
        return _jax_gradient(model, x, output)
    raise NotImplementedError(f"no gradients on the Keras backend {backend!r}")


def _as_numpy(*tensors: Any) -> tuple[NDArray, ...]:
    return tuple(np.asarray(keras.ops.convert_to_numpy(t), dtype=np.float32) for t in tensors)


def _tensorflow_gradient(model: keras.Model, x: NDArray, output: int) -> tuple[NDArray, NDArray]:
    import tensorflow as tf

    tx = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(tx)
        out = model(tx, training=False)
        score = tf.reduce_sum(out[:, output])
    return _as_numpy(tape.gradient(score, tx), out)  # type: ignore[return-value]


def _torch_gradient(model: keras.Model, x: NDArray, output: int) -> tuple[NDArray, NDArray]:
    import torch

    tx = keras.ops.convert_to_tensor(x).detach().requires_grad_(True)
    with torch.enable_grad():
        out = model(tx, training=False)
        (grad,) = torch.autograd.grad(out[:, output].sum(), tx)
    return _as_numpy(grad, out.detach())  # type: ignore[return-value]


def _jax_gradient(model: keras.Model, x: NDArray, output: int) -> tuple[NDArray, NDArray]:
    import jax

    trainable = [v.value for v in model.trainable_variables]
    frozen = [v.value for v in model.non_trainable_variables]

    def score(inputs: Any) -> tuple[Any, Any]:
        out, _ = model.stateless_call(trainable, frozen, inputs, training=False)
        return out[:, output].sum(), out

    grad, out = jax.grad(score, has_aux=True)(jax.numpy.asarray(x))
    return _as_numpy(grad, out)  # type: ignore[return-value]
