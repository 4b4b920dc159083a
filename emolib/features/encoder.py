"""Visual extractor ``encoder``: the frozen encoder of the Study B 3D convolutional autoencoder.

The encoder is a Keras model file written by the autoencoder notebook (input ``(T, H, W, 3)``
sequences; ``(30, 36, 64, 3)`` in Study B, where 30 frames at one per second cover a 30 s
sequence). It is loaded with ``safe_mode=True`` (no arbitrary code in the file) and never trained.

On the Study A step grid every step has one 16-frame clip of 0.533 s at 30 fps and 112 × 112. The
clip is fed to the encoder as it is in time, stretched to the ``T`` frames the encoder expects by
nearest-frame resampling (frame ``round(t * 15 / (T - 1))`` for ``t = 0 … T - 1``), and resized to
``W × H`` with area interpolation, scaled by ``scale`` (1/255: pixels in [0, 1]). So the encoder
describes each step's 0.533 s of picture, not the 30 s of context it saw in Study B: the features
stay on the step grid and causal, at the cost of a different time scale than the encoder was
trained on. The output of the model, flattened, is the feature row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np

from emolib.core.errors import DataError
from emolib.media.alignment import STEP_FRAMES

from ._keras import predict_batched
from .base import Extractor, file_sha256


class EncoderRequired(ValueError):
    """The ``encoder`` extractor was asked for without a model file."""


class Encoder(Extractor):
    """Features of the frozen Study B encoder for every step.

    Parameters
    ----------
    weights
        The encoder's Keras model file (``.keras``), loaded with ``safe_mode=True``.
    random_weights
        Not supported: an untrained encoder has no meaning here.
    **params
        ``batch`` (clips per inference batch), ``scale`` (pixel scaling).
    """

    name = "encoder"
    version = "1"
    modality = "visual"
    batch_hint = 64
    defaults: ClassVar[dict[str, Any]] = {"batch": 16, "scale": 1 / 255}
    volatile_params: ClassVar[tuple[str, ...]] = ("batch",)

    def __init__(
        self, weights: str | Path | None = None, random_weights: bool = False, **params: Any
    ) -> None:
        super().__init__(**params)
        if weights is None or random_weights:
            raise EncoderRequired(
                "encoder needs the model file of the Study B autoencoder's encoder (--weights encoder=PATH, "
                "a .keras file saved by the autoencoder notebook); it has no random-weights mode"
            )
        path = Path(weights).expanduser()
        if not path.is_file():
            raise DataError(path, "encoder: model file not found")
        import keras

        try:
            self.model = keras.saving.load_model(str(path), compile=False, safe_mode=True)
        except Exception as err:  # noqa: BLE001 - Keras raises many types for a bad file
            raise DataError(path, f"encoder: cannot load the Keras model safely ({err})") from err
        shape = tuple(self.model.input_shape[1:])
        if len(shape) != 4 or shape[-1] != 3 or None in shape:
            raise DataError(path, f"encoder: expected an input of shape (T, H, W, 3), got {shape}")
        self.input_frames, self.height, self.width = (int(v) for v in shape[:3])
        self._dim = int(np.prod(self.model.output_shape[1:]))
        self.weights_file = str(path)
        self.weights_id = "sha256:" + file_sha256(path)
        self._frames = np.round(np.linspace(0, STEP_FRAMES - 1, self.input_frames)).astype(int)

    @property
    def dim(self) -> int:
        return self._dim

    def prepare(self, batch: np.ndarray) -> np.ndarray:
        """Clips ``(n, 16, 112, 112, 3)`` → encoder input ``(n, T, H, W, 3)`` float32."""
        picked = batch[:, self._frames]
        n, t = picked.shape[:2]
        flat = picked.reshape(n * t, *picked.shape[2:])
        size = (self.width, self.height)
        resized = np.stack([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in flat])
        return resized.reshape(n, t, self.height, self.width, 3).astype(np.float32) * float(
            self.params["scale"]
        )

    def transform(self, batch: np.ndarray) -> np.ndarray:
        return predict_batched(self.model, self.prepare(batch), int(self.params["batch"]), self.dim)

    def device(self) -> str:
        from emolib.core.backends import gpu_available

        return "gpu" if gpu_available() else "cpu"
