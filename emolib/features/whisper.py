"""Audio extractor ``whisper``: the Whisper audio encoder (keras-hub) on every step's window, mean-pooled.

Whisper's encoder (Radford et al. 2022), trained on 680 000 hours of speech, music and noise, gives
general audio embeddings used by current affective-computing work in place of hand-made acoustic
features. Every step's 0.533 s window (23 520 samples at 44.1 kHz) is resampled to Whisper's 16 kHz
(polyphase, 160/441: 8 534 samples), turned into Whisper's log-mel spectrogram padded to one second
(100 frames of 10 ms), and encoded; the step's row is the mean of the encoder's output over the
tokens that cover the window (27 of the 50; the rest see the padding), 512-d for ``whisper_base_*``.

Whisper was trained on 30 s inputs; its encoder takes shorter ones (its sinusoidal positions are
cut to the input's length), which keeps a step at 50 tokens instead of 1 500.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
from scipy.signal import resample_poly

from emolib.media.alignment import AUDIO_RATE, STEP_SAMPLES

from .hub import HubExtractor

RATE = 16_000
"""Whisper's sampling rate."""
HOP = 160
"""Samples per log-mel frame at 16 kHz (10 ms)."""
PADDED_SECONDS = 1
"""Length the window is padded to before the log-mel spectrogram."""
WINDOW_SAMPLES = math.ceil(STEP_SAMPLES * RATE / AUDIO_RATE)
"""Samples of one step's window at 16 kHz (8534)."""
VALID_TOKENS = math.ceil(math.ceil(WINDOW_SAMPLES / HOP) / 2)
"""Encoder tokens covering the window (the encoder halves the 10 ms frames): 27."""


class WhisperAudio(HubExtractor):
    """Mean Whisper encoder output over the tokens of every step's audio window.

    Parameters
    ----------
    weights
        A Whisper keras-hub preset name (``whisper_base_en``, ...) or local preset folder.
    random_weights
        Build the backbone untrained from ``config`` (seeded by ``seed``).
    **params
        ``batch`` (windows per inference batch), ``seed``, ``config`` (``WhisperBackbone``
        arguments for random weights).
    """

    name = "whisper"
    version = "1"
    modality = "audio"
    batch_hint = 64
    example_preset = "whisper_base_en"
    defaults: ClassVar[dict[str, Any]] = {**HubExtractor.defaults, "batch": 32}
    random_config: ClassVar[dict[str, Any]] = {
        "vocabulary_size": 51864, "num_layers": 6, "num_heads": 8, "hidden_dim": 512,
        "intermediate_dim": 2048, "num_mels": 80,
    }  # fmt: skip

    def __init__(self, weights: Any = None, random_weights: bool = False, **params: Any) -> None:
        super().__init__(weights=weights, random_weights=random_weights, **params)
        import keras_hub

        self.converter = keras_hub.layers.WhisperAudioConverter(
            num_mels=int(self.backbone.num_mels), sampling_rate=RATE, stride=HOP,
            max_audio_length=PADDED_SECONDS,
        )  # fmt: skip
        self.tokens = PADDED_SECONDS * RATE // HOP // 2

    def random_backbone(self, config: dict[str, Any]) -> Any:
        import keras_hub

        return keras_hub.models.WhisperBackbone(**config)

    def encoder_of(self, backbone: Any) -> Any:
        import keras

        if type(backbone).__name__ != "WhisperBackbone":
            raise ValueError(f"whisper: the preset holds a {type(backbone).__name__}, not a Whisper model")
        return keras.Model(
            backbone.input["encoder_features"],
            backbone.output["encoder_sequence_output"],
            name="whisper_encoder",
        )

    def width(self) -> int:
        return int(self.backbone.hidden_dim)

    def prepare(self, batch: np.ndarray) -> np.ndarray:
        """Windows ``(n, 23520)`` at 44.1 kHz → log-mel ``(n, 100, num_mels)`` at 16 kHz, padded to 1 s."""
        audio = resample_poly(batch.astype(np.float64), RATE, AUDIO_RATE, axis=1).astype(np.float32)
        return np.asarray(self.converter(audio[:, :WINDOW_SAMPLES]), dtype=np.float32)

    def transform(self, batch: np.ndarray) -> np.ndarray:
        if len(batch) == 0:
            return np.zeros((0, self.dim), np.float32)
        tokens = self.encode(self.prepare(batch), self.tokens * self.dim)
        return tokens.reshape(len(batch), self.tokens, self.dim)[:, :VALID_TOKENS].mean(axis=1)
