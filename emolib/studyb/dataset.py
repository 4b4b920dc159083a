"""Study B's samples, what can run on a folder, and the three validation schemes, as pure functions.

Samples
-------
A **sequence sample** is one 30 s sequence of a labelled film (input: its frames or its 193 audio
features; target: its kept scene labels). A **screening sample** is one measurement (row ``t`` of
one screening: the six scaled compounds) paired with the input of the sequence the audience was
watching ``voc_lag`` sequences earlier (``t`` itself with the paper's lag 0). Its ``sequence`` is
the measurement's time ``t``, so the splits hold out the same measurements whatever the lag.
Screening samples point at their input through the ``row`` column, so inputs are never
duplicated in memory.

Compounds are min-max scaled per screening and their gaps filled from the film's other screenings,
as in the study; with ``voc_detrend`` (beyond the study) each compound's slow polynomial trend
within the screening is removed first (see :func:`emolib.datasets.vocs.normalise_screenings`).
:meth:`StudyBData.with_voc_lag` re-pairs the same inputs with the compounds measured ``lag``
sequences later, so that the response lag can be chosen on validation data.

Lengths: label files, audio tables and movies of one film may differ by a few sequences; every
film is cut to the shortest of the modalities loaded (the study's rule), and each screening is cut
to that length too.

Splits (:func:`split_samples`)
------------------------------
``l20``
    The last 20 % of every film is the test part (rounded up: 257 of the study's 1274 sequences).
``oso``
    One screening out: screening number ``fold`` (cycled) of every film is the test part.
    Only for screening samples; for scene labels, which do not depend on the screening,
    :func:`plan_experiments` falls back to ``l20``.
``omo``
    One movie out: film number ``fold`` (in sorted order) is the test part.

Inside the training part, the last ``val_fraction`` of every film's training span is held out as
the **validation** part, used for choosing decision thresholds and watching over-fitting; the test
part is never looked at until the final scores.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from emolib.datasets.smelloffear import VOC_NAMES, SmellOfFearSet, load_smelloffear
from emolib.datasets.vocs import normalise_screenings
from emolib.studyb import HEADS
from emolib.studyb.frames import cached_sequence_frames

__all__ = [
    "FEATURES",
    "SPLITS",
    "Experiment",
    "Split",
    "StudyBData",
    "VocSeries",
    "available_modalities",
    "held_out_count",
    "load_studyb",
    "plan_experiments",
    "screening_samples",
    "split_samples",
]

SPLITS = ("l20", "oso", "omo")
"""The validation schemes."""
FEATURES = ("all", "audio", "video")
"""Values of the ``features`` parameter: which inputs to use."""


# --------------------------------------------------------------------------------------------------
# Splits
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """Row indices of the three parts of a split (disjoint, sorted).

    Attributes
    ----------
    scheme
        ``l20``, ``oso`` or ``omo``.
    fold
        Fold number (which screening or movie is out; 0 for ``l20``).
    train, val, test
        Row positions into the sample table.
    """

    scheme: str
    fold: int
    train: NDArray[np.int64]
    val: NDArray[np.int64]
    test: NDArray[np.int64]

    def sizes(self) -> dict[str, int]:
        """Number of samples in each part."""
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}


def held_out_count(n: int, fraction: float = 0.2) -> int:
    """Sequences held out at the end of a film of ``n``: ``ceil(fraction * n)``, at most ``n - 1``."""
    if n <= 1:
        return 0
    return min(n - 1, math.ceil(round(fraction * n, 9)))


def _tail(meta: pd.DataFrame, span: pd.Series, fraction: float) -> NDArray[np.bool_]:
    """Rows whose sequence lies in the last ``fraction`` of their film's ``span`` sequences."""
    held = span.map(lambda n: held_out_count(int(n), fraction)) if fraction > 0 else span * 0
    return (meta["sequence"] >= span - held).to_numpy()


def split_samples(
    meta: pd.DataFrame,
    scheme: str,
    fold: int = 0,
    test_fraction: float = 0.2,
    val_fraction: float = 0.2,
) -> Split:
    """Split a sample table into train, validation and test rows.

    Parameters
    ----------
    meta
        One row per sample with columns ``film``, ``sequence`` (0-based position in the film) and
        ``n_film`` (sequences of the film), and ``screening`` for screening samples.
    scheme
        ``l20``, ``oso`` or ``omo`` (see the module docstring).
    fold
        Which screening (``oso``: the ``fold``-th of each film's screenings, cycled) or film
        (``omo``: the ``fold``-th film in sorted order, cycled) is the test part.
    test_fraction
        Share of each film held out by ``l20``.
    val_fraction
        Share of each film's training span held out for validation (0: no validation part).

    Returns
    -------
    Split
        Disjoint row positions; deterministic (no randomness).

    Raises
    ------
    ValueError
        For an unknown scheme, ``oso`` without a ``screening`` column, ``omo`` with one film.
    """
    if scheme not in SPLITS:
        raise ValueError(f"unknown split {scheme!r}; expected one of {SPLITS}")
    n_film = meta["n_film"]
    if scheme == "l20":
        test = _tail(meta, n_film, test_fraction)
        span = n_film - n_film.map(lambda n: held_out_count(int(n), test_fraction))
    elif scheme == "oso":
        if "screening" not in meta.columns:
            raise ValueError("split 'oso' needs screening samples (a 'screening' column)")
        out = {
            film: sorted(group.unique())[fold % group.nunique()]
            for film, group in meta.groupby("film", sort=True)["screening"]
        }
        test = (meta["screening"] == meta["film"].map(out)).to_numpy()
        span = n_film
    else:
        films = sorted(meta["film"].unique())
        if len(films) < 2:
            raise ValueError("split 'omo' needs at least two films")
        test = (meta["film"] == films[fold % len(films)]).to_numpy()
        span = n_film
    val = ~test & _tail(meta, span, val_fraction)
    train = ~test & ~val
    rows = np.arange(len(meta), dtype=np.int64)
    return Split(scheme, int(fold), rows[train], rows[val], rows[test])


# --------------------------------------------------------------------------------------------------
# What runs
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Experiment:
    """One experiment of notebook 05.

    Attributes
    ----------
    name
        ``audio_labels``, ``audio_vocs``, ``video_labels`` or ``video_vocs``.
    features
        ``audio`` or ``video``.
    target
        ``labels`` or ``vocs``.
    split
        The scheme it runs under.
    note
        Why the split differs from the one asked for, if it does.
    head
        Video experiments: the head on the frozen encoder, ``paper`` or ``pooled`` (see
        :mod:`emolib.studyb.models`); empty for audio.
    """

    name: str
    features: str
    target: str
    split: str
    note: str = ""
    head: str = ""


def available_modalities(sof: SmellOfFearSet) -> dict[str, bool]:
    """Which inputs and targets a Smell of Fear folder offers.

    Returns
    -------
    dict
        ``audio`` (some labelled film has an audio table), ``video`` (some labelled film has a
        movie), ``vocs`` (some labelled film has a screening).
    """
    return {
        "audio": bool(sof.audio),
        "video": bool(sof.films["movie"].notna().any()),
        "vocs": any(len(s) > 0 for s in sof.vocs.values()),
    }


def plan_experiments(
    available: dict[str, bool], features: str = "all", split: str = "l20", heads: Sequence[str] = ("paper",)
) -> list[Experiment]:
    """The experiments that can run, given what the folder holds and what was asked for.

    A folder with only ``labels/`` and ``audio/`` (the real release) runs the audio scene-label
    experiment; with ``vocs/`` also the audio compound experiment; with movies the video ones.
    Scene labels do not depend on the screening, so under ``oso`` they run with ``l20`` (noted).

    Parameters
    ----------
    available
        From :func:`available_modalities`.
    features
        ``all``, ``audio`` or ``video``.
    split
        ``l20``, ``oso`` or ``omo``.
    heads
        Heads of the video experiments (``paper``, ``pooled``), each run once per target: the first
        is named ``video_labels`` / ``video_vocs``, the others get their head's name appended
        (``video_labels_paper``).

    Returns
    -------
    list of Experiment
        Audio before video, labels before compounds, heads in the order given.
    """
    if features not in FEATURES:
        raise ValueError(f"unknown features {features!r}; expected one of {FEATURES}")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    heads = list(heads)
    if not heads or any(h not in HEADS for h in heads) or len(set(heads)) < len(heads):
        raise ValueError(f"heads must be distinct values of {HEADS}, got {heads}")
    plan = []
    for kind in ("audio", "video"):
        if features not in ("all", kind) or not available.get(kind):
            continue
        targets = ["labels", "vocs"] if available.get("vocs") else ["labels"]
        for target in targets:
            note, used = "", split
            if target == "labels" and split == "oso":
                note = "scene labels do not depend on the screening: one screening out is run as l20"
                used = "l20"
            for i, head in enumerate(heads if kind == "video" else [""]):
                name = f"{kind}_{target}" + (f"_{head}" if i else "")
                plan.append(Experiment(name, kind, target, used, note, head))
    return plan


# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VocSeries:
    """The scaled compounds of one screening, every measured row (before pairing with inputs).

    Attributes
    ----------
    film
        Its film.
    screening
        Screening number.
    values
        float32 ``(rows, 6)``, columns :data:`~emolib.datasets.vocs.VOC_NAMES`, in [0, 1], no NaN.
    """

    film: str
    screening: int
    values: NDArray[np.float32]


def screening_samples(
    sequences: pd.DataFrame, series: Sequence[VocSeries], lag: int = 0
) -> tuple[pd.DataFrame, NDArray[np.float32]]:
    """Pair every measurement of every screening with the input of ``lag`` sequences earlier.

    Parameters
    ----------
    sequences
        Sequence samples (``film``, ``sequence``, ``n_film``), one block of consecutive rows per film.
    series
        The screenings' scaled compounds (screenings of films not in ``sequences`` are skipped).
    lag
        Response lag in sequences: the compounds of row ``t`` (``t`` < the film's length) are
        paired with the input of sequence ``t - lag``; the first ``lag`` rows of a screening,
        which answer no sequence of the film, are left out.

    Returns
    -------
    screenings, vocs
        Screening samples (``film``, ``screening``, ``sequence`` = the measurement's row,
        ``n_film``, ``row`` = the input's row in ``sequences``) and their targets, float32
        ``(samples, 6)``.

    Raises
    ------
    ValueError
        If ``lag`` is negative.
    """
    if lag < 0:
        raise ValueError(f"voc lag must be non-negative, got {lag}")
    first = sequences.reset_index(drop=True).groupby("film", sort=False).head(1)
    offset = dict(zip(first["film"], first.index, strict=True))
    length = dict(zip(first["film"], first["n_film"], strict=True))
    metas, targets = [], []
    for s in series:
        if s.film not in offset:
            continue
        n = int(length[s.film])
        t = np.arange(lag, min(n, len(s.values)))
        if not len(t):
            continue
        rows = {"film": s.film, "screening": s.screening, "sequence": t, "n_film": n}
        metas.append(pd.DataFrame({**rows, "row": offset[s.film] + t - lag}))
        targets.append(s.values[t])
    if not metas:
        empty = pd.DataFrame(columns=["film", "screening", "sequence", "n_film", "row"])
        return empty, np.zeros((0, len(VOC_NAMES)), np.float32)
    return pd.concat(metas, ignore_index=True), np.concatenate(targets).astype(np.float32)


@dataclass
class StudyBData:
    """Everything notebook 05 trains on, aligned on the 30 s grid.

    Attributes
    ----------
    sof
        The folder as read by :func:`emolib.datasets.smelloffear.load_smelloffear`.
    kept
        Kept labels (at least ``min_positive`` positive sequences over all films).
    sequences
        Sequence samples: ``film``, ``sequence``, ``n_film``.
    labels
        int8 ``(len(sequences), len(kept))``.
    audio
        float32 ``(len(sequences), 193)`` or ``None``.
    frames
        uint8 ``(len(sequences), 30, 36, 64, 3)`` or ``None``.
    screenings
        Screening samples: ``film``, ``screening``, ``sequence``, ``n_film``, ``row`` (into
        ``sequences``); empty without VOCs.
    vocs
        float32 ``(len(screenings), 6)``: scaled per screening (detrended first if
        ``voc_detrend``), gaps filled, measured ``voc_lag`` sequences after the input.
    unlabelled
        Film to frames ``(n, 30, 36, 64, 3)`` of the unlabelled movies (autoencoder pre-training).
    voc_series
        Every screening's scaled compounds, all rows (see :meth:`with_voc_lag`).
    voc_lag
        The lag ``screenings`` and ``vocs`` were paired with.
    voc_detrend
        Degree of the per-screening trend removed before scaling, or ``None`` (the study).
    """

    sof: SmellOfFearSet
    kept: list[str]
    sequences: pd.DataFrame
    labels: NDArray[np.int8]
    audio: NDArray[np.float32] | None
    frames: NDArray[np.uint8] | None
    screenings: pd.DataFrame
    vocs: NDArray[np.float32]
    unlabelled: dict[str, NDArray[np.uint8]] = field(default_factory=dict)
    voc_series: list[VocSeries] = field(default_factory=list)
    voc_lag: int = 0
    voc_detrend: int | None = None

    @property
    def available(self) -> dict[str, bool]:
        """What was loaded: ``audio``, ``video``, ``vocs``."""
        return {"audio": self.audio is not None, "video": self.frames is not None, "vocs": len(self.vocs) > 0}

    def inputs(self, features: str) -> NDArray:
        """Per-sequence inputs: the audio table or the frames."""
        array = self.audio if features == "audio" else self.frames
        if array is None:
            raise ValueError(f"no {features} inputs were loaded")
        return array

    def samples(self, target: str) -> tuple[pd.DataFrame, NDArray[np.int64], NDArray]:
        """Sample table, row of each sample into the inputs, and targets for ``labels`` or ``vocs``."""
        if target == "labels":
            return self.sequences, np.arange(len(self.sequences), dtype=np.int64), self.labels
        return self.screenings, self.screenings["row"].to_numpy(np.int64), self.vocs

    def with_voc_lag(self, lag: int) -> StudyBData:
        """The same data with every measurement paired with the input of ``lag`` sequences earlier.

        Inputs are shared, not copied; only the screening samples and their targets are rebuilt.
        """
        if lag == self.voc_lag:
            return self
        screenings, vocs = screening_samples(self.sequences, self.voc_series, lag)
        return replace(self, screenings=screenings, vocs=vocs, voc_lag=int(lag))


def load_studyb(
    data_dir: str | Path,
    features: str = "all",
    min_positive: int = 20,
    frames_cache: str | Path | None = None,
    voc_lag: int = 0,
    voc_detrend: int | None = None,
) -> StudyBData:
    """Load and align a Smell of Fear folder for Study B.

    Parameters
    ----------
    data_dir
        The Smell of Fear folder (``labels/`` required; ``audio/``, ``vocs/``, movies optional).
    features
        ``all``, ``audio`` or ``video``: which inputs to load (movies are decoded only for video).
    min_positive
        Kept-label rule.
    frames_cache
        Folder caching each film's frames (see :func:`~emolib.studyb.frames.cached_sequence_frames`).
    voc_lag
        Pair the compounds with the scene ``voc_lag`` sequences earlier (the audience may respond
        late; the paper used 0). :meth:`StudyBData.with_voc_lag` changes it afterwards.
    voc_detrend
        ``None`` (the paper): min-max scaling per screening. An integer: first remove each
        compound's polynomial trend of that degree per screening (see
        :func:`emolib.datasets.vocs.normalise_screenings`).

    Returns
    -------
    StudyBData
    """
    if features not in FEATURES:
        raise ValueError(f"unknown features {features!r}; expected one of {FEATURES}")
    if voc_lag < 0:
        raise ValueError(f"voc_lag must be non-negative, got {voc_lag}")
    sof = load_smelloffear(data_dir)
    kept = sof.kept_labels(min_positive)
    has = available_modalities(sof)
    use_audio = has["audio"] and features in ("all", "audio")
    use_video = has["video"] and features in ("all", "video")
    films = [f for f in sof.names if (not use_audio or f in sof.audio)]
    if use_video:
        films = [f for f, m in zip(sof.films["film"], sof.films["movie"], strict=True) if f in films and m]
    movie_of = dict(zip(sof.films["film"], sof.films["movie"], strict=True))
    screenings_of = dict(zip(sof.films["film"], sof.films["screenings"], strict=True))
    rows, label_parts, audio_parts, frame_parts, series = [], [], [], [], []
    for film in films:
        labels = sof.labels[film][kept].to_numpy(np.int8)
        n = len(labels)
        if use_audio:
            n = min(n, len(sof.audio[film]))
        frames = None
        if use_video:
            frames = cached_sequence_frames(movie_of[film], frames_cache, max_sequences=n)
            n = min(n, len(frames))
        if n == 0:
            continue
        rows.append(pd.DataFrame({"film": film, "sequence": np.arange(n), "n_film": n}))
        label_parts.append(labels[:n])
        if use_audio:
            audio_parts.append(sof.audio[film][:n].astype(np.float32))
        if frames is not None:
            frame_parts.append(frames[:n])
        scaled = normalise_screenings(sof.vocs[film], detrend=voc_detrend)
        for number, table in zip(screenings_of[film], scaled, strict=True):
            series.append(VocSeries(film, int(number), table[list(VOC_NAMES)].to_numpy(np.float32)))
    sequences = (
        pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["film", "sequence", "n_film"])
    )
    screenings, vocs = screening_samples(sequences, series, voc_lag)
    unlabelled = {}
    if use_video:
        pretraining = sof.unlabelled.dropna(subset=["movie"])
        for film, movie in zip(pretraining["film"], pretraining["movie"], strict=True):
            frames = cached_sequence_frames(movie, frames_cache)
            if len(frames):
                unlabelled[film] = frames
    return StudyBData(
        sof=sof,
        kept=kept,
        sequences=sequences,
        labels=np.concatenate(label_parts) if label_parts else np.zeros((0, len(kept)), np.int8),
        audio=np.concatenate(audio_parts) if audio_parts else None,
        frames=np.concatenate(frame_parts) if frame_parts else None,
        screenings=screenings,
        vocs=vocs,
        unlabelled=unlabelled,
        voc_series=series,
        voc_lag=int(voc_lag),
        voc_detrend=voc_detrend,
    )
