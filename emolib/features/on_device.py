"""Input preparation of the network extractors as Keras layers, so that it runs on the accelerator.

A step travels to the device as it was decoded: a clip as ``uint8`` (a quarter of the bytes of
float32), an audio window as its 23520 float32 samples (four times the bytes of its log-mel patch
repeated into three channels). Everything between that and the network's first layer runs inside
the extractor's Keras model, on the GPU when there is one, in float32 whatever the dtype policy:

* :class:`ClipInput`: ``uint8`` to float32, RGB to BGR if asked, minus the per-channel mean;
* :class:`LogMelPatch`: the 98 × 64 log-mel patch of :mod:`emolib.features.logmel` (framing, periodic
  Hann window, 1024-point FFT magnitude, Slaney mel filters, ``log(mel + 0.01)``), times ``scale``,
  repeated into three channels.

Both compute what the numpy preparation computed: :class:`ClipInput` the same float32 operations,
bit for bit; :class:`LogMelPatch` the same patch up to float32 rounding (the backend's FFT instead of
SciPy's).

This module imports Keras; the extractors import it only when they build their networks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
from keras import layers, ops

from emolib.media.alignment import STEP_SAMPLES

from .logmel import HOP_LENGTH, LOG_OFFSET, N_FFT, N_FRAMES, WIN_LENGTH, _filters

__all__ = ["ClipInput", "LogMelPatch"]


@keras.saving.register_keras_serializable(package="emolib")
class ClipInput(layers.Layer):
    """``(n, frames, h, w, 3)`` uint8 clips to float32 network input: channel order, mean subtracted.

    Parameters
    ----------
    channel_order
        ``"rgb"`` (the decoded order) or ``"bgr"`` (reversed on the device).
    mean
        Three values subtracted per channel, in ``channel_order``.
    """

    def __init__(
        self, channel_order: str = "rgb", mean: Sequence[float] = (0.0, 0.0, 0.0), **kwargs: Any
    ) -> None:
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        if channel_order not in ("rgb", "bgr"):
            raise ValueError(f"channel_order must be 'rgb' or 'bgr', got {channel_order!r}")
        self.channel_order = channel_order
        self.mean = [float(v) for v in np.asarray(mean, dtype=np.float32).reshape(3)]

    def call(self, clips: Any) -> Any:
        x = ops.cast(clips, "float32")
        if self.channel_order == "bgr":
            x = ops.flip(x, axis=-1)
        return x - ops.convert_to_tensor(np.asarray(self.mean, np.float32))

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "channel_order": self.channel_order, "mean": self.mean}


@keras.saving.register_keras_serializable(package="emolib")
class LogMelPatch(layers.Layer):
    """``(n, 23520)`` audio windows to ``(n, 98, 64, 3)`` log-mel patches, times ``scale``.

    Frames are cut by slicing, not gathering: the window start ``237 k`` is row ``k`` of the first
    ``99 × 237`` samples, and a 441-sample frame is its row plus the first 204 samples of the next.
    """

    def __init__(self, scale: float = 1.0, **kwargs: Any) -> None:
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.scale = float(scale)

    def call(self, windows: Any) -> Any:
        window, mel = _filters()
        x = ops.cast(windows, "float32")
        rows = ops.reshape(x[:, : (N_FRAMES + 1) * HOP_LENGTH], (-1, N_FRAMES + 1, HOP_LENGTH))
        frames = ops.concatenate([rows[:, :N_FRAMES], rows[:, 1:, : WIN_LENGTH - HOP_LENGTH]], axis=-1)
        real, imag = ops.rfft(frames * ops.convert_to_tensor(window), fft_length=N_FFT)
        magnitude = ops.sqrt(real * real + imag * imag)
        patch = ops.log(ops.matmul(magnitude, ops.convert_to_tensor(mel)) + LOG_OFFSET)
        if self.scale != 1.0:
            patch = patch * self.scale
        return ops.repeat(ops.expand_dims(patch, -1), 3, axis=-1)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        if input_shape[-1] not in (None, STEP_SAMPLES):
            raise ValueError(f"windows must have {STEP_SAMPLES} samples, got shape {input_shape}")
        return (input_shape[0], N_FRAMES, _filters()[1].shape[1], 3)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "scale": self.scale}
