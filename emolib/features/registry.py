"""Extractors by name: which exist, which modality each serves, and how to make one.

Network extractors (``c3d``, ``vgg19``, ``encoder``, ``siglip``, ``whisper``) import Keras only when
they are created, so listing the registry or running the weight-free extractors never loads TensorFlow.

The organisers' precomputed MediaEval descriptors (``acc`` ... ``fc6`` visual, ``emobase2010`` audio;
:mod:`emolib.datasets.descriptors`) are registered too, as ``kind="imported"``: they are not computed
from a movie but read from their files into the store (:mod:`emolib.features.imported`), and are then
usable wherever an extractor's name is. ``opensmile-emobase2010`` and ``opensmile-egemaps`` compute
openSMILE's sets from any movie (the optional ``opensmile`` extra).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emolib.datasets.descriptors import DESCRIPTORS, VISUAL_DESCRIPTORS, VISUAL_DIMS

from .base import Extractor, Modality

IMPORTED_SUMMARY = "organisers' descriptors: imported, not computed"
"""How ``extract --list`` marks the organisers' descriptors."""
_DESCRIPTOR_SUMMARIES = {
    "acc": "LIRE auto colour correlogram", "cedd": "LIRE colour and edge directivity descriptor",
    "cl": "LIRE colour layout", "eh": "LIRE edge histogram", "fcth": "LIRE fuzzy colour/texture histogram",
    "gabor": "LIRE Gabor texture", "jcd": "LIRE joint CEDD/FCTH descriptor", "sc": "LIRE scalable colour",
    "tamura": "LIRE Tamura texture", "lbp": "local binary patterns", "fc6": "VGG16 fc6 activations",
    "emobase2010": "openSMILE emobase2010 (1582-d), 2018 per second, 2017 per 10 s segment",
}  # fmt: skip


@dataclass(frozen=True)
class Entry:
    """One registered extractor: where its class lives and what it needs."""

    name: str
    modality: Modality
    target: str
    needs_weights: bool
    summary: str
    kind: str = "extractor"
    """``"extractor"`` (computed from a movie) or ``"imported"`` (the organisers' descriptor files)."""

    @property
    def imported(self) -> bool:
        """Whether the features are read from the organisers' files rather than computed."""
        return self.kind == "imported"

    def load(self) -> type[Extractor]:
        """Import and return the extractor class.

        Raises
        ------
        ValueError
            For an imported descriptor: it has no extractor class.
        """
        if self.imported:
            raise ValueError(
                f"{self.name} is one of the organisers' descriptors: it is imported from their files "
                f"(python -m emolib extract --data DIR --{self.modality} {self.name}), not computed"
            )
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
        Entry(
            "opensmile-emobase2010",
            "audio",
            "emolib.features.opensmile_audio.OpenSmileAudio",
            False,
            "openSMILE emobase2010 (1582-d) of the 5 s up to each step; optional extra 'opensmile'",
        ),
        Entry(
            "opensmile-egemaps",
            "audio",
            "emolib.features.opensmile_audio.OpenSmileEGeMAPS",
            False,
            "openSMILE eGeMAPS v02 (88-d) of the 5 s up to each step; optional extra 'opensmile'",
        ),
        *(
            Entry(
                name,
                "visual" if name in VISUAL_DESCRIPTORS else "audio",
                "",
                False,
                f"{_DESCRIPTOR_SUMMARIES[name]}"
                + (f" ({VISUAL_DIMS[name]}-d), per second" if name in VISUAL_DIMS else "")
                + f" [{IMPORTED_SUMMARY}]",
                kind="imported",
            )
            for name in DESCRIPTORS
        ),
    )
}
"""Every extractor and imported descriptor, by name."""


def available(modality: Modality | None = None, kind: str | None = None) -> list[str]:
    """Names of the registered extractors, optionally of one modality and one kind (``"extractor"``,
    ``"imported"``)."""
    return [
        name
        for name, e in REGISTRY.items()
        if (modality is None or e.modality == modality) and (kind is None or e.kind == kind)
    ]


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
        For an unknown name or parameter, a weights file given to a weight-free extractor, a
        network extractor without weights (:class:`~emolib.features.base.WeightsRequired`), or an
        imported descriptor (read from its files by :mod:`emolib.features.imported`).
    """
    e = entry(name)
    cls = e.load()
    if not e.needs_weights:
        if weights is not None or random_weights:
            raise ValueError(f"{name} is weight-free: it takes no weights file")
        return cls(**params)
    return cls(weights=weights, random_weights=random_weights, **params)
