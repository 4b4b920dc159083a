"""Writers of the synthetic MediaEval 2017 development set and test set.

Layout under ``<out>/mediaeval2017/`` (the real release's, see ``data/README.md``)::

    movies/<Name>.mp4
    MEDIAEVAL17-DevSet-Valence_Arousal-annotations/annotations/<Name>-MEDIAEVAL2017-valence_arousal.txt
    MEDIAEVAL17-DevSet-Fear-annotations/annotations/<Name>-MEDIAEVAL2017-fear.txt
    MEDIAEVAL17-DevSet-Visual_features/features/<Name>/<feat>/<Name>-<NNNNN>_<feat>.txt
    MEDIAEVAL17-DevSet-Audio_features/features/<Name>/<Name>_<NNNNN>.csv
    _latent/<Name>.csv                       (synthetic only: the latent curves)

and under ``<out>/mediaeval2017test/`` the 2017 test set's anonymised movies and ground truth::

    movies/MEDIAEVAL17_XX.mp4
    groundtruth/MEDIAEVAL17_XX_Valence-Arousal.txt   (header + 4 whitespace-separated columns)
    MEDIAEVAL17-TestSet-Visual_features/visual_features/MEDIAEVAL17_XX/<feat>/MEDIAEVAL17_XX-<NNNNN>_<feat>.txt
    MEDIAEVAL17-TestSet-Audio_features/audio_features/MEDIAEVAL17_XX/audio_features/MEDIAEVAL17_XX_<NNNNN>.csv
    _latent/MEDIAEVAL17_XX.csv               (synthetic only, with the latent fear curve)

The descriptor folders (:mod:`emolib.synth.descriptors`) hold the profile's visual descriptors
(:data:`~emolib.synth.profiles.Profile.visual_2017`), one file per second, and emobase2010 of every
annotation window (10 s every 5 s, numbered from 0 like the windows).

The 2017 test set's fear ground truth has no published format, so none is written.

Valence and arousal annotations are the raters' *felt* curves (the latent curves with a memory of
:data:`FELT_SECONDS`, :meth:`emolib.synth.latent.Latent.felt`) averaged over each 10 s window
(every 5 s, while the window ends inside the movie), plus Gaussian rater noise, clipped to
[-1, 1]; fear is 1 where the window mean of the latent fear curve exceeds :data:`FEAR_THRESHOLD`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from emolib.core.atomic import write_text
from emolib.datasets.layouts import MEDIAEVAL_SUBDIR
from emolib.datasets.mediaeval import FEAR_SUFFIX, TEST_VA_SUFFIX, VA_SUFFIX
from emolib.media.alignment import WINDOW_SECONDS, n_windows, window_starts
from emolib.synth.latent import Latent
from emolib.synth.profiles import TEST_LAYOUT, MovieSpec
from emolib.synth.seeding import stream

VA_DIR = "MEDIAEVAL17-DevSet-Valence_Arousal-annotations/annotations"
"""Folder of the valence/arousal files, relative to the layout root."""
FEAR_DIR = "MEDIAEVAL17-DevSet-Fear-annotations/annotations"
"""Folder of the fear files, relative to the layout root."""
RATER_NOISE = 0.05
"""Standard deviation of the rater noise added to window means of valence and arousal."""
FELT_SECONDS = 10.0
"""Time constant of the raters' felt valence and arousal: how long the felt emotion lags and persists."""
TEST_TRUTH_DIR = "groundtruth"
"""Folder of the test set's ground-truth files, relative to the test layout's root."""
TEST_HEADER = ("Id", "Time", "MeanValence", "MeanArousal")
"""Header of a synthetic test-set ground-truth file (the real names are not published; any 4 are read)."""
FEAR_THRESHOLD = 0.5
"""A window is annotated as fearful when the mean of the fear curve over it exceeds this."""
DEV_VISUAL_DIR = "MEDIAEVAL17-DevSet-Visual_features/features"
DEV_AUDIO_DIR = "MEDIAEVAL17-DevSet-Audio_features/features"
TEST_VISUAL_DIR = "MEDIAEVAL17-TestSet-Visual_features/visual_features"
TEST_AUDIO_DIR = "MEDIAEVAL17-TestSet-Audio_features/audio_features"


def window_annotations(
    latent: Latent, rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Window starts, valence, arousal and fear annotations of a movie.

    Parameters
    ----------
    latent
        The movie's latent curves.
    rng
        The movie's ``annotation`` random stream.
    """
    starts = window_starts(n_windows(latent.duration))
    felt = latent.felt(FELT_SECONDS)
    noisy = [
        np.clip(
            felt.interval_means(starts, WINDOW_SECONDS, name) + rng.normal(0.0, RATER_NOISE, starts.size),
            -1,
            1,
        )
        for name in ("valence", "arousal")
    ]
    fear = (latent.interval_means(starts, WINDOW_SECONDS, "fear") > FEAR_THRESHOLD).astype(np.int64)
    return starts, noisy[0], noisy[1], fear


def format_valence_arousal(
    starts: NDArray[np.float64], valence: NDArray[np.float64], arousal: NDArray[np.float64]
) -> str:
    """Text of a ``-MEDIAEVAL2017-valence_arousal.txt`` file."""
    rows = ["Id\tTime\tMeanValence\tMeanArousal"]
    rows += [
        f"{i}\t{s:.0f}\t{v:.7f}\t{a:.7f}"
        for i, (s, v, a) in enumerate(zip(starts, valence, arousal, strict=True))
    ]
    return "\n".join(rows) + "\n"


def format_test_valence_arousal(
    starts: NDArray[np.float64], valence: NDArray[np.float64], arousal: NDArray[np.float64]
) -> str:
    """Text of a test-set ``MEDIAEVAL17_XX_Valence-Arousal.txt``: header, then 4 space-separated columns."""
    rows = [" ".join(TEST_HEADER)]
    rows += [
        f"{i} {s:.0f} {v:.7f} {a:.7f}"
        for i, (s, v, a) in enumerate(zip(starts, valence, arousal, strict=True))
    ]
    return "\n".join(rows) + "\n"


def format_fear(starts: NDArray[np.float64], fear: NDArray[np.int64]) -> str:
    """Text of a ``-MEDIAEVAL2017-fear.txt`` file."""
    rows = ["Id\tTime\tFear"] + [
        f"{i}\t{s:.0f}\t{int(f)}" for i, (s, f) in enumerate(zip(starts, fear, strict=True))
    ]
    return "\n".join(rows) + "\n"


def build_movie(spec: MovieSpec, seed: int, out: Path, visual: tuple[str, ...] = ()) -> dict:
    """Render one MediaEval movie with its annotation, descriptor and latent files; return its manifest entry.

    ``visual`` names the visual descriptor folders to write (none: no descriptor folder at all).
    """
    # rendering needs ffmpeg, soundfile and librosa; the annotations alone (benchmarks/lstm.py) do not
    from emolib.synth.groundtruth import write_latent
    from emolib.synth.movie import render_movie

    root = out / MEDIAEVAL_SUBDIR
    movie = root / "movies" / f"{spec.name}.mp4"
    rendered = render_movie(spec, seed, movie, keep_sound=bool(visual))
    starts, valence, arousal, fear = window_annotations(
        rendered.latent, stream(seed, spec.layout, spec.index, "annotation")
    )
    va_path = write_text(
        root / VA_DIR / f"{spec.name}{VA_SUFFIX}", format_valence_arousal(starts, valence, arousal)
    )
    fear_path = write_text(root / FEAR_DIR / f"{spec.name}{FEAR_SUFFIX}", format_fear(starts, fear))
    latent_path = write_latent(root / "_latent" / f"{spec.name}.csv", rendered)
    entry = {
        "n_windows": int(starts.size),
        "fear_windows": int(fear.sum()),
        "files": [str(p.relative_to(out)) for p in (movie, va_path, fear_path, latent_path)],
    }
    if visual:
        folders = (root / DEV_VISUAL_DIR / spec.name, root / DEV_AUDIO_DIR / spec.name)
        entry.update(_descriptors(out, folders, spec, rendered, visual, starts))
    return entry


def _descriptors(
    out: Path, folders: tuple[Path, Path], spec: MovieSpec, rendered, visual: tuple[str, ...], starts
) -> dict:
    from emolib.synth.descriptors import descriptor_folders_2017

    dirs, backend = descriptor_folders_2017(out, *folders, spec, rendered, visual, starts)
    return {
        "descriptors": [*visual, "emobase2010"],
        "audio_descriptors": backend,
        "dirs": [str(p.relative_to(out)) for p in dirs],
    }


def build_test_movie(spec: MovieSpec, seed: int, out: Path, visual: tuple[str, ...] = ()) -> dict:
    """Render one test-set movie with its ground truth, descriptor and latent files; its manifest entry.

    The annotations are made exactly as the development set's (:func:`window_annotations`), from
    the movie's own streams of the test layout; only the valence/arousal ground truth is written.
    """
    from emolib.synth.groundtruth import write_latent
    from emolib.synth.movie import render_movie

    root = out / TEST_LAYOUT
    movie = root / "movies" / f"{spec.name}.mp4"
    rendered = render_movie(spec, seed, movie, keep_sound=bool(visual))
    starts, valence, arousal, fear = window_annotations(
        rendered.latent, stream(seed, spec.layout, spec.index, "annotation")
    )
    va_path = write_text(
        root / TEST_TRUTH_DIR / f"{spec.name}{TEST_VA_SUFFIX}",
        format_test_valence_arousal(starts, valence, arousal),
    )
    latent_path = write_latent(root / "_latent" / f"{spec.name}.csv", rendered)
    entry = {
        "n_windows": int(starts.size),
        "fear_windows": int(fear.sum()),
        "files": [str(p.relative_to(out)) for p in (movie, va_path, latent_path)],
    }
    if visual:
        folders = (root / TEST_VISUAL_DIR / spec.name, root / TEST_AUDIO_DIR / spec.name / "audio_features")
        entry.update(_descriptors(out, folders, spec, rendered, visual, starts))
    return entry
