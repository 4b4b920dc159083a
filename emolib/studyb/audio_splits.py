"""The audio scene-label experiment on every fold of several splits, each split's test rows pooled.

A single test part of a small release holds a handful of films (``l20``: the last fifth of each) or
one film (``omo``, one movie out): too few for an interval, and one film says little about the
next. Running the audio network and its baselines on **every** fold of a split and pooling the test
rows gives each film of the data one turn as unseen material (``omo``), so that the intervals of
:mod:`emolib.evaluation.studyb_intervals` resample every film. The audio experiment is small (193
features per sequence), so this runs in about a minute on the synthetic sample.

Scene labels do not depend on the screening: under ``oso`` they run as ``l20``
(:func:`~emolib.studyb.dataset.plan_experiments`), so ``oso`` adds nothing here and is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from emolib.studyb.dataset import SPLITS, Experiment, StudyBData
from emolib.studyb.experiments import run_experiment
from emolib.studyb.predictions import (
    PREDICTIONS_SUFFIX,
    TestPredictions,
    concatenate_predictions,
    save_test_predictions,
)

__all__ = ["AUDIO_LABELS", "label_split_folds", "pooled_name", "run_audio_label_splits"]

AUDIO_LABELS = "audio_labels"
"""The experiment run on every fold."""


def pooled_name(split: str) -> str:
    """Experiment name of a split's pooled test rows: ``audio_labels_omo``."""
    return f"{AUDIO_LABELS}_{split}"


def label_split_folds(data: StudyBData, split: str) -> list[int]:
    """The folds that hold every film out once: one for ``l20``, one per film for ``omo``.

    Raises
    ------
    ValueError
        For ``oso`` (scene labels run it as ``l20``) or an unknown split.
    """
    if split not in SPLITS or split == "oso":
        raise ValueError(f"scene-label splits are 'l20' and 'omo' ('oso' runs as 'l20'), got {split!r}")
    return [0] if split == "l20" else list(range(data.sequences["film"].nunique()))


def run_audio_label_splits(
    data: StudyBData,
    output_dir: str | Path,
    epochs: int,
    splits: Sequence[str] = ("l20", "omo"),
    done: Mapping[tuple[str, int], Mapping[str, Any]] | None = None,
    **options: Any,
) -> dict[str, dict[str, Any]]:
    """Run the audio scene-label experiment on every fold of each split and pool each split's test rows.

    Parameters
    ----------
    data
        Loaded with audio.
    output_dir
        Each fold's files go to ``<output_dir>/audio_labels_<split>/fold<k>/``; a split with more
        than one fold also gets its pooled test rows, ``<output_dir>/audio_labels_<split>_test.npz``
        (read by notebook 07 with the other experiments' predictions).
    epochs
        Of the audio networks.
    splits
        ``l20`` and/or ``omo`` (``oso`` is skipped: see the module docstring). Empty: nothing is
        trained and each split of ``done`` is returned with the folds it holds.
    done
        Results already computed, by ``(split, fold)`` (e.g. the notebook's own run), reused as they are.
    **options
        Passed to :func:`~emolib.studyb.experiments.run_experiment` (``recipe``, ``l2``, ``seed``, ...).

    Returns
    -------
    dict
        Split to ``folds`` (the fold numbers), ``films`` (sorted test films), ``predictions``
        (:class:`~emolib.studyb.predictions.TestPredictions` of the pooled test rows) and
        ``members`` (each fold's ensemble members' scores, as the experiments return them).
    """
    out, done = Path(output_dir), done or {}
    pooled: dict[str, dict[str, Any]] = {}
    asked = [s for s in splits if s != "oso"]
    for split in dict.fromkeys(asked or [s for s, _ in done]):
        folds = label_split_folds(data, split) if asked else sorted(f for s, f in done if s == split)
        parts: list[TestPredictions] = []
        members: list[list[dict[str, Any]]] = []
        for fold in folds:
            result = done.get((split, fold))
            if result is None:
                fold_dir = out / pooled_name(split) / f"fold{fold}"
                fold_dir.mkdir(parents=True, exist_ok=True)
                experiment = Experiment(AUDIO_LABELS, "audio", "labels", split)
                result = run_experiment(experiment, data, fold_dir, epochs, fold=fold, **options)
            parts.append(result["predictions"])
            members.append(list(result.get("members", [])))
        predictions = concatenate_predictions(parts)
        if len(folds) > 1:
            save_test_predictions(predictions, out / f"{pooled_name(split)}{PREDICTIONS_SUFFIX}")
        pooled[split] = {
            "folds": folds,
            "films": sorted(set(predictions.units)),
            "predictions": predictions,
            "members": members,
        }
    return pooled
