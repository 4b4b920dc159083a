"""Shared plumbing of the Keras extractors: weights rule, seeded random init, fixed-size batched inference.

Keras (and its backend) are imported only when a network extractor is created, so the weight-free
extractors and the command line start quickly. Inference runs wherever the Keras backend puts it
(TensorFlow, PyTorch or JAX): on the GPU when one is visible, on the CPU otherwise. Batches are
padded to a fixed size, so the compiled graph is traced once per movie run rather than once per
distinct batch length.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .base import Extractor, resolve_weights


def predict_batched(model: Any, x: np.ndarray, size: int, dim: int) -> np.ndarray:
    """Run ``model`` over ``x`` in batches of exactly ``size`` (the last one zero-padded), flattened rows.

    Returns
    -------
    numpy.ndarray
        float32, ``(len(x), dim)``.
    """
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

    def __init__(
        self, weights: str | Path | None = None, random_weights: bool = False, **params: Any
    ) -> None:
        super().__init__(**params)
        path, self.weights_id = resolve_weights(self.name, weights, random_weights)
        self.weights_file = None if path is None else str(path)
        import keras

        keras.utils.set_random_seed(int(self.params["seed"]))
        self.model = self.build()
        if path is not None:
            self.load_weights(path)
        layer = self.model.get_layer(self.feature_layer)
        self.features = keras.Model(self.model.inputs, layer.output, name=f"{self.name}_features")
        self._dim = int(np.prod(layer.output.shape[1:]))

    def build(self) -> Any:
        """The full Keras model (subclasses)."""
        raise NotImplementedError

    def load_weights(self, path: Path) -> None:
        """Load a weights file into :attr:`model`."""
        self.model.load_weights(str(path))

    @property
    def dim(self) -> int:
        return self._dim

    def prepare(self, batch: np.ndarray) -> np.ndarray:
        """Turn a batch of steps into the network input (subclasses)."""
        return batch.astype(np.float32)

    def recorded_params(self) -> dict[str, Any]:
        params = super().recorded_params()
        if self.weights_id != "random":  # the seed matters only for random weights
            params.pop("seed", None)
        return params

    def transform(self, batch: np.ndarray) -> np.ndarray:
        return predict_batched(self.features, self.prepare(batch), int(self.params["batch"]), self.dim)

    def device(self) -> str:
        from emolib.core.backends import gpu_available

        return "gpu" if gpu_available() else "cpu"
