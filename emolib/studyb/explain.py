"""What notebook 06 explains: notebook 05's encoder and label head, or stand-ins, and the sequence shown.

The activation-map chapter reads the networks notebook 05 saved. Run alone (no checkpoint beside it),
it trains brief stand-ins instead, which show the method but not a well-trained network; the functions
say which they returned, and the chapter says so.
"""

from __future__ import annotations

from pathlib import Path

import keras
import pandas as pd

from emolib.studyb.dataset import StudyBData, plan_experiments
from emolib.studyb.experiments import run_experiment, train_autoencoder
from emolib.studyb.models import extract_encoder
from emolib.studyb.specs import ExperimentSpec
from emolib.studyb.training import load_model

FALLBACK_HEAD_UNITS = 64
"""Hidden units of the stand-in label head (the paper's 1024 need more than a few epochs)."""
FALLBACK_HEAD_EPOCHS = 10
"""Epochs of the stand-in label head per epoch of the stand-in autoencoder."""


def encoder_to_explain(
    encoder_path: str | Path, data: StudyBData, epochs: int, output_dir: str | Path, seed: int = 0
) -> tuple[keras.Model, bool]:
    """Notebook 05's encoder, or one trained here briefly when its checkpoint is absent.

    Parameters
    ----------
    encoder_path
        The ``encoder.keras`` notebook 05 saved.
    data
        Loaded with video (:func:`~emolib.studyb.dataset.load_studyb`); trains the stand-in.
    epochs
        Epochs of the stand-in autoencoder (with batch normalisation).
    output_dir
        Gets the stand-in's files (:func:`~emolib.studyb.experiments.train_autoencoder`).
    seed
        Random seed of the stand-in.

    Returns
    -------
    encoder, trained_here
        The encoder, and whether it is the stand-in.
    """
    if Path(encoder_path).is_file():
        return load_model(encoder_path), False
    autoencoder = train_autoencoder(data, True, epochs, output_dir, seed=seed)["model"]
    return extract_encoder(autoencoder), True


def head_to_explain(
    head_path: str | Path | None,
    data: StudyBData,
    encoder: keras.Model,
    head: str,
    epochs: int,
    output_dir: str | Path,
    seed: int = 0,
) -> keras.Model:
    """Notebook 05's scene-label head, or a stand-in trained here on ``encoder`` when it is absent.

    Parameters
    ----------
    head_path
        The ``video_labels.keras`` notebook 05 saved; ``None`` trains the stand-in whatever is saved (a
        head must sit on the encoder it explains: when the encoder is a stand-in, so is the head).
    data
        Loaded with video; trains the stand-in.
    encoder
        The frozen encoder under the stand-in.
    head
        The stand-in's head, ``"pooled"`` or ``"paper"`` (:mod:`emolib.studyb.models`).
    epochs
        Epochs of the stand-in autoencoder; the head trains :data:`FALLBACK_HEAD_EPOCHS` times as many,
        with :data:`FALLBACK_HEAD_UNITS` hidden units.
    output_dir
        Gets the stand-in's files (``<experiment>.keras`` and the rest of
        :func:`~emolib.studyb.experiments.run_experiment`).
    seed
        Random seed of the stand-in.

    Returns
    -------
    keras.Model
        The head, its outputs in the order of ``data.kept``.
    """
    if head_path is not None and Path(head_path).is_file():
        return load_model(head_path)
    plan = plan_experiments(data.available, "video", heads=[head])
    labels = next(e for e in plan if e.target == "labels")
    spec = ExperimentSpec(labels, FALLBACK_HEAD_EPOCHS * epochs, units=FALLBACK_HEAD_UNITS, seed=seed)
    run_experiment(spec, data, output_dir, encoder)
    return load_model(Path(output_dir) / f"{labels.name}.keras")


def shown_sequence(
    sequences: pd.DataFrame, film: str | None = None, sequence: int | None = None
) -> tuple[str, int]:
    """The film and the row of the sequence the chapter shows.

    Parameters
    ----------
    sequences
        ``StudyBData.sequences`` (``film`` per row).
    film
        The film (``None``: the first row's).
    sequence
        Which of the film's sequences, counted from 0 (``None``: the middle one).

    Returns
    -------
    film, row
        The film and the sequence's row in ``sequences`` (and in ``data.frames``).

    Raises
    ------
    ValueError
        If the film has no sequence, or ``sequence`` is past its last one.
    """
    film = film or str(sequences["film"].iloc[0])
    rows = sequences.index[sequences["film"] == film]
    if len(rows) == 0:
        raise ValueError(f"film {film!r} has no labelled sequence; films: {sorted(set(sequences['film']))}")
    if sequence is not None and not -len(rows) <= int(sequence) < len(rows):
        raise ValueError(f"film {film!r} has {len(rows)} sequences; sequence {sequence} is not one of them")
    return film, int(rows[len(rows) // 2] if sequence is None else rows[int(sequence)])
