"""Study A data for the models: fused step features, step targets and window ground truth per movie.

Features come from the feature store (:class:`emolib.features.FeatureStore`), fused by concatenation
on the 16/30 s step grid; a modality picks the extractors (``audio``, ``video`` or ``mixed``).
Targets are the MediaEval window annotations expanded to the step grid with
:func:`emolib.media.alignment.expand_to_steps`; scoring uses the windows themselves.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from emolib.core.atomic import write_text
from emolib.core.errors import DataError
from emolib.media.alignment import PER_SECOND, STEPS_2017, Grid

if TYPE_CHECKING:
    from emolib.datasets.mediaeval import MediaEvalSet
    from emolib.features import FeatureStore

__all__ = [
    "MODALITIES",
    "data_edition",
    "MovieSet",
    "Standardizer",
    "load_movie_set",
    "load_test_set",
    "pick_extractors",
    "step_targets",
    "window_truth",
]

MODALITIES = ("audio", "video", "mixed")
"""Which feature blocks a model sees."""


def pick_extractors(modality: str, visual: Sequence[str], audio: Sequence[str]) -> list[str]:
    """Extractor names of a modality: the visual ones, the audio ones, or both (visual first)."""
    chosen = {"video": list(visual), "audio": list(audio), "mixed": [*visual, *audio]}
    if modality not in chosen:
        raise ValueError(f"modality must be one of {', '.join(MODALITIES)}, got {modality!r}")
    if not chosen[modality]:
        raise ValueError(f"no extractor given for modality {modality!r}")
    return chosen[modality]


def data_edition(data_dir: str | Path, edition: int | None = None) -> int:
    """The MediaEval edition a run on ``data_dir`` trains on: ``edition`` when given, else 2017 when the
    folder holds a 2017 development set, else 2018 (its development parts).

    Raises
    ------
    DataError
        If the folder holds no MediaEval development set (of ``edition``).
    ValueError
        For an edition other than 2017 and 2018.
    """
    from emolib.datasets.layouts import locate

    if edition not in (None, 2017, 2018):
        raise ValueError(f"edition must be 2017 or 2018, got {edition!r}")
    layouts = locate(data_dir)
    found = [
        e for e, where in ((2017, layouts.mediaeval), (2018, layouts.mediaeval2018)) if where is not None
    ]
    chosen = edition or (found[0] if found else None)
    if chosen is None or chosen not in found:
        raise DataError(data_dir, f"no MediaEval {chosen or ''} development set found".replace("  ", " "))
    return chosen


def step_targets(
    annotations: pd.DataFrame, n_step: int, task: str, grid: Grid = STEPS_2017
) -> NDArray[np.float32]:
    """Annotation rows expanded to ``n_step`` steps of ``grid``: ``(n_step, 2)`` valence/arousal or
    ``(n_step, 1)`` fear (the share of fear rows covering each step, in [0, 1])."""
    columns = ["valence", "arousal"] if task == "va" else ["fear"]
    values = annotations[columns].to_numpy(dtype=np.float64)
    return grid.to_steps(values, annotations["time"].to_numpy(), n_step).astype(np.float32)


def window_truth(annotations: pd.DataFrame, task: str) -> NDArray[np.float64]:
    """The annotated window values the task scores: ``(n, 2)`` valence/arousal or ``(n,)`` fear."""
    if task == "va":
        return annotations[["valence", "arousal"]].to_numpy(dtype=np.float64)
    return annotations["fear"].to_numpy(dtype=np.float64)


@dataclass
class MovieSet:
    """Features and annotations of the movies of a data folder.

    Attributes
    ----------
    features
        Movie name to float32 ``(n_steps, d)`` fused features.
    annotations
        Movie name to its window table (``id``, ``time``, ``valence``, ``arousal``, ``fear``).
    extractors
        Extractor names, in column order.
    feature_names
        Name of every feature column.
    root
        The annotation folder the movies were found in (``None`` when not recorded).
    grid
        The time grid of the features' steps and of the annotation rows (16/30 s steps and 10 s windows
        for MediaEval 2017; 1 s and 1 s for 2018).
    edition
        2017 or 2018.
    fear_sequences
        MediaEval 2018: movie name to its annotated fear sequences (``start``, ``end`` seconds); empty for
        2017 (fear is annotated per window there).
    """

    features: dict[str, NDArray[np.float32]]
    annotations: dict[str, pd.DataFrame]
    extractors: list[str]
    feature_names: list[str] = field(default_factory=list)
    root: Path | None = None
    grid: Grid = STEPS_2017
    edition: int = 2017
    fear_sequences: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def has_fear(self) -> bool:
        """Whether every movie has fear annotations (a 2017 test set has none)."""
        return all("fear" in a.columns for a in self.annotations.values())

    @property
    def movies(self) -> list[str]:
        """Movie names, sorted."""
        return sorted(self.features)

    def subset(self, movies: Sequence[str]) -> dict[str, NDArray[np.float32]]:
        """Features of the given movies."""
        return {m: self.features[m] for m in movies}

    def targets(self, movies: Sequence[str], task: str) -> dict[str, NDArray[np.float32]]:
        """Step targets of the given movies."""
        return {
            m: step_targets(self.annotations[m], self.features[m].shape[0], task, self.grid) for m in movies
        }

    def truth(self, movies: Sequence[str], task: str) -> dict[str, NDArray[np.float64]]:
        """Window ground truth of the given movies."""
        return {m: window_truth(self.annotations[m], task) for m in movies}

    def window_starts(self, movie: str) -> NDArray[np.float64]:
        """Start times of a movie's annotation rows (windows, or seconds)."""
        return self.annotations[movie]["time"].to_numpy(dtype=np.float64)


def load_movie_set(
    data_dir: str | Path,
    extractors: Sequence[str],
    store_dir: str | Path | None = None,
    extract_missing: bool = True,
    edition: int | None = None,
) -> MovieSet:
    """Load the fused features and annotations of every annotated movie under ``data_dir``.

    Parameters
    ----------
    data_dir
        A MediaEval 2017 development set (real or synthetic), or the 2018 development parts.
    extractors
        Extractor names to fuse, in order (the organisers' descriptors too, imported from their folders).
    store_dir
        Feature store (default ``<data_dir>/features``).
    extract_missing
        Import or extract (weight-free extractors only) the features that are missing
        (:func:`emolib.features.ensure_features`); with ``False`` a missing file is an error.
    edition
        2017 or 2018: which development set, when the folder holds both (the synthetic sample does);
        ``None``: the 2017 set if there is one, else the 2018 development parts.

    Raises
    ------
    DataError
        If there is no MediaEval layout (of ``edition``), or features are missing and cannot be extracted.
    """
    from emolib.datasets.layouts import locate
    from emolib.datasets.mediaeval import load_devset, load_mediaeval2018
    from emolib.features import DEFAULT_STORE_SUBDIR, FeatureStore

    layouts = locate(data_dir)
    devset = None
    if layouts.mediaeval is not None and edition in (None, 2017):
        devset = load_devset(layouts.mediaeval)
    elif layouts.mediaeval2018 is not None and edition in (None, 2018):
        devset = load_mediaeval2018(layouts.mediaeval2018, "dev")
    if devset is None:
        wanted = f"a MediaEval {edition}" if edition else "a MediaEval"
        raise DataError(data_dir, f"no {wanted} development set found (2017, or the 2018 development parts)")
    return _assemble(devset, FeatureStore(store_dir or Path(data_dir) / DEFAULT_STORE_SUBDIR), extractors,
                     extract_missing)  # fmt: skip


def _aligned_2018(
    features: NDArray[np.float32], annotations: pd.DataFrame
) -> tuple[NDArray[np.float32], pd.DataFrame]:
    """A 2018 movie's seconds of features and of annotations, each cut to where the other has seconds.

    An annotation file that stops early (the real release's movie 46 has only 100 rows) leaves the
    movie's later seconds without a target: they are not trained on (the features are cut there, not
    extrapolated). Features that stop early leave the later annotated seconds nothing to predict from.
    """
    if annotations.empty:
        return features[:0], annotations
    annotated = int(np.ceil(float(annotations["time"].max()) + 1.0))
    features = features[: min(len(features), annotated)]
    annotations = annotations[annotations["time"] < len(features)].reset_index(drop=True)
    return features, annotations


def _assemble(
    found: MediaEvalSet, store: FeatureStore, extractors: Sequence[str], extract_missing: bool
) -> MovieSet:
    """The features (imported or extracted when missing) and annotations of a MediaEval set, on its grid.

    A 2017 set's features are fused on the 16/30 s step grid and scored on its 10 s windows; a 2018 set's on
    one row per second (:data:`emolib.media.alignment.PER_SECOND`), every block resampled onto it.
    """
    from emolib.features import ensure_features

    per_second = found.grid == "second"
    names_of = list(found.movies["name"])
    paths = dict(zip(names_of, found.movies["movie"], strict=True))
    ensure_features(found.root, paths, list(extractors), store, extract_missing)
    features, annotations, names = {}, {}, []
    for movie in names_of:
        fused = store.load_fused(movie, list(extractors), 1.0 if per_second else None)
        features[movie] = np.asarray(fused.data, dtype=np.float32)
        annotations[movie] = found.movie_annotations(movie)
        if per_second:
            features[movie], annotations[movie] = _aligned_2018(features[movie], annotations[movie])
        names = fused.names
    return MovieSet(
        features, annotations, list(extractors), names, root=found.root,
        grid=PER_SECOND if per_second else STEPS_2017, edition=found.edition,
        fear_sequences=dict(found.fear_sequences),
    )  # fmt: skip


def load_test_set(
    test_dir: str | Path,
    extractors: Sequence[str],
    store_dir: str | Path | None = None,
    extract_missing: bool = True,
) -> MovieSet:
    """Load the fused features and ground truth of the movies a model is tested on after training.

    Parameters
    ----------
    test_dir
        A MediaEval 2017 test set (``MEDIAEVAL17_XX.mp4`` movies and ``MEDIAEVAL17_XX_Valence-Arousal.txt``
        ground truth, :func:`emolib.datasets.mediaeval.load_testset`; no fear annotations), any
        folder in the development layout (:func:`emolib.datasets.mediaeval.load_devset`, with fear), or a
        folder holding the 2018 test part (:func:`emolib.datasets.mediaeval.load_mediaeval2018`).
    extractors
        Extractor names to fuse, in order (those of the development movies).
    store_dir
        Feature store of the test movies (default ``<test_dir>/features``, apart from the development
        set's: test and development movies may share names).
    extract_missing
        Extract features that are missing or stale from the movie files (weight-free extractors).

    Raises
    ------
    DataError
        If ``test_dir`` holds neither layout, or a movie's features are missing and its movie file
        is not there or cannot be extracted.
    """
    from emolib.datasets.layouts import locate
    from emolib.datasets.mediaeval import load_devset, load_mediaeval2018, load_testset
    from emolib.features import DEFAULT_STORE_SUBDIR, FeatureStore

    root = Path(test_dir).expanduser().resolve()
    try:
        layouts = locate(root)
    except DataError:
        layouts = None
    if layouts is not None and layouts.mediaeval is not None:
        found = load_devset(layouts.mediaeval)
    elif layouts is not None and layouts.mediaeval2018 is not None:
        found = load_mediaeval2018(layouts.mediaeval2018, "test")
    else:
        found = load_testset(root)
    return _assemble(
        found, FeatureStore(store_dir or root / DEFAULT_STORE_SUBDIR), extractors, extract_missing
    )


@dataclass
class Standardizer:
    """Per-feature z-scoring fitted on the training steps only (no test statistics leak in).

    Constant features get a scale of 1, so they become 0 instead of dividing by zero.
    """

    mean: NDArray[np.float64]
    scale: NDArray[np.float64]

    @classmethod
    def fit(cls, features: Mapping[str, NDArray[np.floating]]) -> Standardizer:
        """Fit on the concatenated steps of ``features``."""
        stacked = np.concatenate([np.asarray(f, dtype=np.float64) for f in features.values()])
        scale = stacked.std(axis=0)
        scale[~np.isfinite(scale) | (scale < 1e-8)] = 1.0
        return cls(stacked.mean(axis=0), scale)

    def transform(self, features: Mapping[str, NDArray[np.floating]]) -> dict[str, NDArray[np.float32]]:
        """Standardised copies, float32, non-finite values set to 0 (the training mean)."""
        out = {}
        for m, f in features.items():
            z = (np.asarray(f, dtype=np.float64) - self.mean) / self.scale
            out[m] = np.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)
        return out

    def save(self, path: str | Path) -> Path:
        """Write as JSON (atomically)."""
        return write_text(path, json.dumps({"mean": self.mean.tolist(), "scale": self.scale.tolist()}))

    @classmethod
    def load(cls, path: str | Path) -> Standardizer:
        """Read a file written by :meth:`save`."""
        data = json.loads(Path(path).read_text())
        return cls(np.asarray(data["mean"]), np.asarray(data["scale"]))
