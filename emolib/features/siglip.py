"""Visual extractor ``siglip``: the SigLIP image encoder (keras-hub) on frames of every step, mean-pooled.

SigLIP (Zhai et al. 2023) is a CLIP-style image-text model; its vision tower's attention-pooled
embedding is a strong generic description of a picture, used by current work on emotional impact
(LIRIS-ACCEDE, MediaEval) in place of the ImageNet CNNs of 2017. Every step's 16-frame clip gives
``frames`` frames, evenly spaced (all 16 with ``frames=16``); each is resized from the step grid's
112 × 112 to the encoder's square input with bilinear interpolation, scaled to [−1, 1] (SigLIP's
normalisation), embedded, and the step's row is the mean of its frames' embeddings (768-d for the
``siglip_base_*`` presets, 1152-d for ``siglip_so400m_*``; SigLIP 2 presets load the same way).

The frames come from the step grid's 112 × 112 clips, so the encoder sees upsampled pictures: the
features describe composition, colour and content at that resolution, not fine detail.
"""

from __future__ import annotations

from typing import Any, ClassVar

import cv2
import numpy as np

from emolib.media.alignment import STEP_FRAMES

from .hub import HubExtractor


class SigLIPImage(HubExtractor):
    """Mean SigLIP image embedding of ``frames`` evenly spaced frames of every step.

    Parameters
    ----------
    weights
        A SigLIP keras-hub preset name (``siglip_base_patch16_224``, ...) or local preset folder.
    random_weights
        Build the vision encoder untrained from ``config`` (seeded by ``seed``).
    **params
        ``frames`` (frames per step, 1 to 16), ``batch`` (frames per inference batch), ``seed``,
        ``config`` (``SigLIPVisionEncoder`` arguments for random weights).
    """

    name = "siglip"
    version = "1"
    modality = "visual"
    batch_hint = 32
    example_preset = "siglip_base_patch16_224"
    defaults: ClassVar[dict[str, Any]] = {**HubExtractor.defaults, "batch": 32, "frames": 4}
    random_config: ClassVar[dict[str, Any]] = {
        "patch_size": 16, "hidden_dim": 768, "num_layers": 12, "num_heads": 12,
        "intermediate_dim": 3072, "image_shape": (224, 224, 3),
    }  # fmt: skip

    def __init__(self, weights: Any = None, random_weights: bool = False, **params: Any) -> None:
        frames = int(params.get("frames", self.defaults["frames"]))
        if not 1 <= frames <= STEP_FRAMES:
            raise ValueError(f"siglip: frames must be 1 to {STEP_FRAMES}, got {frames}")
        super().__init__(weights=weights, random_weights=random_weights, **params)
        self.size = int(self.encoder.input_shape[1])
        self._picked = np.round(np.linspace(0, STEP_FRAMES - 1, frames)).astype(int)

    def random_backbone(self, config: dict[str, Any]) -> Any:
        import keras_hub

        return keras_hub.models.SigLIPVisionEncoder(**config)

    def encoder_of(self, backbone: Any) -> Any:
        encoder = getattr(backbone, "vision_encoder", backbone)  # a full SigLIP backbone, or its tower
        if type(encoder).__name__ != "SigLIPVisionEncoder":
            raise ValueError(f"siglip: the preset holds a {type(backbone).__name__}, not a SigLIP model")
        import keras

        return keras.Model(encoder.inputs[0], encoder.output, name="siglip_image_encoder")

    def width(self) -> int:
        return int(self.encoder.output_shape[-1])

    def prepare(self, batch: np.ndarray) -> np.ndarray:
        """Clips ``(n, 16, 112, 112, 3)`` → ``(n * frames, size, size, 3)`` float32 in [−1, 1]."""
        picked = batch[:, self._picked].reshape(-1, *batch.shape[2:])
        size = (self.size, self.size)
        resized = [cv2.resize(f, size, interpolation=cv2.INTER_LINEAR) for f in picked]
        stacked = np.stack(resized) if resized else np.zeros((0, *size, 3), np.uint8)
        return stacked.astype(np.float32) / 127.5 - 1.0

    def transform(self, batch: np.ndarray) -> np.ndarray:
        per_frame = self.encode(self.prepare(batch), self.dim)
        return per_frame.reshape(len(batch), len(self._picked), self.dim).mean(axis=1)
