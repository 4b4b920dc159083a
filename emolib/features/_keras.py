"""Shared plumbing of the Keras extractors: weights rule, seeded random init, fixed-size batched inference.

Keras (and its backend) are imported only when a network extractor is created, so the weight-free
extractors and the command line start quickly. Inference runs wherever the Keras backend puts it
(TensorFlow, PyTorch or JAX): on the GPU when one is visible, on the CPU otherwise. Batches are
padded to a fixed size, so the compiled graph is traced once per movie run rather than once per
distinct batch length.

What a :class:`KerasExtractor` runs is :attr:`KerasExtractor.features`: the steps as decoded
(:attr:`~KerasExtractor.step_dtype`: ``uint8`` clips, float32 windows) go in, the extractor's
preparation layers (:meth:`KerasExtractor.prepare_on_device`, :mod:`emolib.features.on_device`) turn
them into the network's input on the device, the network cut at :attr:`~KerasExtractor.feature_layer`
follows, and the rows come out in float32 whatever the dtype policy. With no ``batch`` given, the
batch is :attr:`~KerasExtractor.gpu_batch` steps when the backend computes on a GPU (a batch that
keeps the chip busy) and ``defaults["batch"]`` on a CPU.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .base import Extractor, resolve_weights


def predict_batched(model: Any, x: Any, size: int, dim: int) -> np.ndarray:
    """Run ``model`` over ``x`` in batches of exactly ``size`` (the last one zero-padded), flattened rows.

    ``x`` is a numpy array, or one whole batch of ``size`` steps already on the device
    (:func:`emolib.core.backends.to_device`), which is run as it is.

    Returns
    -------
    numpy.ndarray
        float32, ``(len(x), dim)``.
    """
    if not isinstance(x, np.ndarray):
        if int(x.shape[0]) != size:
            raise ValueError(f"a batch on the device must hold {size} steps, got {tuple(x.shape)}")
        return np.asarray(model.predict_on_batch(x)).reshape(size, -1).astype(np.float32)
    out = []
    for start in range(0, len(x), size):
        chunk = x[start : start + size]
        n = len(chunk)
        if n < size:
            chunk = np.concatenate([chunk, np.zeros((size - n, *chunk.shape[1:]), chunk.dtype)])
        y = np.asarray(model.predict_on_batch(chunk))
        out.append(y[:n].reshape(n, -1))
    return np.concatenate(out).astype(np.float32) if out else np.zeros((0, dim), np.float32)


class KerasExtractor(Extractor):
    """An extractor backed by a Keras model built by :meth:`build` and cut at :attr:`feature_layer`.

    Parameters
    ----------
    weights
        Local weights file (``.weights.h5`` or a legacy Keras ``.h5`` of the same architecture).
    random_weights
        Run with random weights (seeded by the ``seed`` parameter) instead of a file.
    **params
        Extractor parameters (``batch`` is the fixed inference batch; ``seed`` seeds random weights).
    """

    defaults: ClassVar[dict[str, Any]] = {"batch": 8, "seed": 0}
    volatile_params: ClassVar[tuple[str, ...]] = ("batch",)
    feature_layer: ClassVar[str]
    step_shape: ClassVar[tuple[int, ...]]
    """Shape of one step as decoded (a clip, a window)."""
    step_dtype: ClassVar[str] = "float32"
    """dtype in which the steps travel to the device (``uint8`` for clips)."""
    gpu_batch: ClassVar[int] = 64
    """Steps per inference batch on a GPU when the caller sets no ``batch``."""

    def __init__(
        self, weights: str | Path | None = None, random_weights: bool = False, **params: Any
    ) -> None:
        super().__init__(**params)
        if "batch" not in params:
            self.params["batch"] = self.default_batch()
        path, self.weights_id = resolve_weights(self.name, weights, random_weights)
        self.weights_file = None if path is None else str(path)
        import keras

        keras.utils.set_random_seed(int(self.params["seed"]))
        self.model = self.build()
        if path is not None:
            self.load_weights(path)
        layer = self.model.get_layer(self.feature_layer)
        network = keras.Model(self.model.inputs[0], layer.output, name=f"{self.name}_network")
        steps = keras.Input(self.step_shape, dtype=self.step_dtype, name="steps")
        rows = network(self.prepare_on_device(steps))
        rows = keras.layers.Activation("linear", dtype="float32", name="rows")(rows)  # float32 out
        self.features = keras.Model(steps, rows, name=f"{self.name}_features")
        self._dim = int(np.prod(layer.output.shape[1:]))
        self._on_gpu = self.device() == "gpu"
        if self._on_gpu:
            from emolib.core.backends import autotune_convolutions

            autotune_convolutions()

    @classmethod
    def default_batch(cls) -> int:
        """:attr:`gpu_batch` when the Keras backend computes on a GPU, else ``defaults["batch"]``."""
        from emolib.core.backends import gpu_available

        return int(cls.gpu_batch) if gpu_available() else int(cls.defaults["batch"])

    def build(self) -> Any:
        """The full Keras model (subclasses)."""
        raise NotImplementedError

    def prepare_on_device(self, steps: Any) -> Any:
        """The layers between the decoded steps and the network's input (subclasses; default: none)."""
        return steps

    def load_weights(self, path: Path) -> None:
        """Load a weights file into :attr:`model`."""
        self.model.load_weights(str(path))

    @property
    def dim(self) -> int:
        return self._dim

    def prepare(self, batch: np.ndarray) -> np.ndarray:
        """Check a batch of decoded steps and give it the dtype it travels in (:attr:`step_dtype`)."""
        if tuple(batch.shape[1:]) != tuple(self.step_shape):
            raise ValueError(f"{self.name} expects steps of shape {self.step_shape}, got {batch.shape[1:]}")
        return np.asarray(batch, dtype=self.step_dtype)

    def recorded_params(self) -> dict[str, Any]:
        params = super().recorded_params()
        if self.weights_id != "random":  # the seed matters only for random weights
            params.pop("seed", None)
        return params

    def upload(self, batch: np.ndarray) -> Any:
        """A whole batch of decoded steps copied to the GPU (:func:`emolib.core.backends.to_device`).

        ``None`` without a GPU, or for a batch of another size than ``batch`` (the last of a movie),
        which :meth:`transform` then pads and copies itself.
        """
        if not self._on_gpu or len(batch) != int(self.params["batch"]):
            return None
        from emolib.core.backends import to_device

        return to_device(self.prepare(batch))

    def transform(self, batch: Any) -> np.ndarray:
        """Rows of a batch of decoded steps (numpy), or of one whole batch already on the device."""
        x = batch if not isinstance(batch, np.ndarray) else self.prepare(batch)
        return predict_batched(self.features, x, int(self.params["batch"]), self.dim)

    def device(self) -> str:
        from emolib.core.backends import gpu_available

        return "gpu" if gpu_available() else "cpu"
