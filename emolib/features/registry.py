"""Extractors by name: which exist, which modality each serves, and how to make one.

Network extractors (``c3d``, ``vgg19``, ``encoder``, ``siglip``, ``whisper``) import Keras only when
they are created, so listing the registry or running the weight-free extractors never loads TensorFlow.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .base import Extractor, Modality


@dataclass(frozen=True)
class Entry:
    """One registered extractor: where its class lives and what it needs."""

    name: str
    modality: Modality
    target: str
    needs_weights: bool
    summary: str

    def load(self) -> type[Extractor]:
        """Import and return the extractor class."""
        module, _, cls = self.target.rpartition(".")
        return getattr(importlib.import_module(module), cls)


REGISTRY: dict[str, Entry] = {
    e.name: e
    for e in (
        Entry(
            "c3d",
            "visual",
            "emolib.features.c3d.C3D",
            True,
            "C3D of the thesis's Figure 3.9, fc6 activations (4096-d); needs a weights file",
        ),
        Entry(
            "colour-motion",
            "visual",
            "emolib.features.colour_motion.ColourMotion",
            False,
            "HSV colour statistics and histograms, brightness, motion energy, shot cuts (36-d)",
        ),
        Entry(
            "encoder",
            "visual",
            "emolib.features.encoder.Encoder",
            True,
            "frozen Study B autoencoder encoder on each clip; needs the encoder's .keras file",
        ),
        Entry(
            "siglip",
            "visual",
            "emolib.features.siglip.SigLIPImage",
            True,
            "SigLIP image encoder (keras-hub preset) on 4 frames per step, mean embedding (768-d base)",
        ),
        Entry(
            "vgg19",
            "audio",
            "emolib.features.vgg19.VGG19Audio",
            True,
            "VGG19 over the 98x64 log-mel patch, block5_pool flattened (3072-d); weights file or 'imagenet'",
        ),
        Entry(
            "whisper",
            "audio",
            "emolib.features.whisper.WhisperAudio",
            True,
            "Whisper audio encoder (keras-hub preset) on the 16 kHz window, mean of its tokens (512-d base)",
        ),
        Entry(
            "logmel-stats",
            "audio",
            "emolib.features.audio_steps.LogmelStats",
            False,
            "mean, std, max and flux of each of the 64 log-mel bands (256-d)",
        ),
        Entry(
            "librosa193",
            "audio",
            "emolib.features.audio_steps.Librosa193",
            False,
            "40 MFCC, 12 chroma, 128 mel, 7 contrast, 6 tonnetz per step (193-d)",
        ),
    )
}
"""Every extractor, by name."""


def available(modality: Modality | None = None) -> list[str]:
    """Names of the registered extractors, optionally of one modality."""
    return [name for name, e in REGISTRY.items() if modality is None or e.modality == modality]


def entry(name: str) -> Entry:
    """The registry entry of ``name``; ``ValueError`` listing the known names if there is none."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown extractor {name!r}; known: {', '.join(REGISTRY)}") from None


def create(
    name: str,
    weights: str | Path | None = None,
    random_weights: bool = False,
    **params: Any,
) -> Extractor:
    """Make an extractor by name.

    Parameters
    ----------
    name
        A registry name (:func:`available`).
    weights
        Weights (or model) file, for the extractors that need one; ``"imagenet"`` for ``vgg19``; a
        keras-hub preset name or local preset folder for ``siglip`` and ``whisper``.
    random_weights
        Explicitly run a network extractor with random weights (recorded in the store).
    **params
        Extractor parameters (see each class's ``defaults``).

    Returns
    -------
    Extractor
        A ready extractor.

    Raises
    ------
    ValueError
        For an unknown name or parameter, a weights file given to a weight-free extractor, or a
        network extractor without weights (:class:`~emolib.features.base.WeightsRequired`).
    """
    e = entry(name)
    cls = e.load()
    if not e.needs_weights:
        if weights is not None or random_weights:
            raise ValueError(f"{name} is weight-free: it takes no weights file")
        return cls(**params)
    return cls(weights=weights, random_weights=random_weights, **params)
