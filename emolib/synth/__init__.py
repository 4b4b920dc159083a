"""The synthetic cinema: deterministic movies with known emotions, in the real dataset layouts.

``generate_sample(out, profile, seed)`` writes a MediaEval 2017 development set and a Smell of
Fear set under ``out`` (see ``data/README.md`` for every file). Every movie is rendered from
latent curves of valence, arousal and fear (:mod:`emolib.synth.latent`), planted in the pixels
(:mod:`emolib.synth.video`) and the sound (:mod:`emolib.synth.audio`) where and as far as the cue
plan lets each show (:mod:`emolib.synth.cues`), encoded with ffmpeg
(:mod:`emolib.synth.mux`) and annotated from the same curves (:mod:`emolib.synth.mediaeval`,
:mod:`emolib.synth.smelloffear`, :mod:`emolib.synth.labels`, :mod:`emolib.synth.breath`).
"""

from typing import Any

from emolib.synth.profiles import PROFILES, MovieSpec, Profile, plan

__all__ = ["GENERATOR_VERSION", "PROFILES", "MovieSpec", "Profile", "generate_sample", "is_current", "plan"]


def __getattr__(name: str) -> Any:
    """The generator's names, imported on first use: rendering needs ffmpeg, soundfile and librosa,
    which the profiles, latent curves and annotations (a GPU server's benchmarks) do not."""
    if name in ("GENERATOR_VERSION", "generate_sample", "is_current"):
        from emolib.synth import generate

        return getattr(generate, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
