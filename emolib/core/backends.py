"""The only backend-specific code of emolib: which device Keras computes on, and input gradients.

Everything else in emolib is written against ``keras`` and ``keras.ops`` and runs unchanged on the
TensorFlow, PyTorch and JAX backends (``KERAS_BACKEND``). Two things Keras 3 does not expose
backend-independently live here, each importing its backend's library only when that backend is
the one in use, so that a PyTorch-only machine never needs TensorFlow:

* :func:`device_info`: the backend, the kind of device (``gpu`` or ``cpu``) and its name;
* :func:`output_gradient`: the gradient of one output unit of a model with respect to its input,
  which :func:`emolib.studyb.saliency.grad_cam` needs;
* :func:`to_device`: a batch copied to the GPU ahead of the model's call, from a background thread, so
  that the copy overlaps with the computation (:mod:`emolib.features.runner` feeds the extractors so);
* :func:`autotune_convolutions`: cuDNN's search for the fastest convolution algorithm of each shape,
  which PyTorch leaves off (JAX and TensorFlow search by themselves).
"""

from __future__ import annotations

import platform
from functools import cache
from typing import Any

import keras
import numpy as np
from numpy.typing import NDArray

__all__ = ["autotune_convolutions", "device_info", "gpu_available", "output_gradient", "to_device"]


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
    return _on_gpu(keras.backend.backend())


@cache
def _on_gpu(backend: str) -> bool:
    return device_info()["kind"] == "gpu"


def to_device(x: NDArray) -> Any:
    """``x`` copied to the GPU that Keras computes on, ready for a model's call; ``x`` itself without a GPU.

    Meant to run in a background thread (:func:`emolib.core.prefetch.prefetch`) while the model works on
    the previous batch, so that the copy overlaps with the computation. The dtype is kept (``uint8``
    clips travel as bytes).

    * PyTorch: through page-locked host memory on a CUDA stream of its own, waited for before the
      tensor is returned, and recorded as used by the default stream (where Keras computes), so that
      its memory is not handed to the next copy while a kernel still reads it;
    * JAX: ``jax.device_put``, which returns at once and copies while the device computes;
    * TensorFlow: a copy onto ``/GPU:0``.
    """
    backend = keras.backend.backend()
    if not _on_gpu(backend):
        return x
    x = np.ascontiguousarray(x)
    if backend == "torch":
        return _torch_to_device(x)
    if backend == "jax":
        import jax

        return jax.device_put(x)
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.device("/GPU:0"):
            return tf.identity(x)
    return x


@cache
def _torch_copy_stream() -> Any:
    import torch

    return torch.cuda.Stream()


def _torch_to_device(x: NDArray) -> Any:
    import torch

    try:
        host = torch.from_numpy(x).pin_memory()
    except RuntimeError as err:  # page-locked memory refused (a container's memlock limit, say)
        _warn_once(f"to_device: page-locked host memory unavailable ({err}); copying from pageable memory")
        return torch.as_tensor(x, device="cuda")
    stream = _torch_copy_stream()
    with torch.cuda.stream(stream):
        tensor = host.to("cuda", non_blocking=True)
    stream.synchronize()
    tensor.record_stream(torch.cuda.default_stream())
    return tensor


@cache
def _warn_once(message: str) -> None:
    import warnings

    warnings.warn(message, RuntimeWarning, stacklevel=3)


def autotune_convolutions() -> None:
    """Let cuDNN time the convolution algorithms of each new shape and keep the fastest (PyTorch on a GPU).

    Worth it for networks run over and over on one batch shape (the extractors); JAX and TensorFlow
    autotune their convolutions already, and without a GPU there is nothing to tune.
    """
    if keras.backend.backend() == "torch" and gpu_available():
        import torch

        torch.backends.cudnn.benchmark = True


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
