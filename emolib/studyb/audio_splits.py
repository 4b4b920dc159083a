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

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

from emolib.core.atomic import write_text
from emolib.core.files import source_digest
from emolib.core.workers import process_pool
from emolib.studyb.dataset import SPLITS, Experiment, StudyBData
from emolib.studyb.experiments import run_experiment
from emolib.studyb.predictions import (
    PREDICTIONS_SUFFIX,
    TestPredictions,
    concatenate_predictions,
    load_test_predictions,
    save_test_predictions,
)
from emolib.studyb.specs import ExperimentSpec

__all__ = [
    "AUDIO_LABELS",
    "DONE_FILE",
    "label_split_folds",
    "own_folds",
    "pooled_name",
    "run_audio_label_splits",
]

AUDIO_LABELS = "audio_labels"
"""The experiment run on every fold."""
DONE_FILE = "done.json"
"""Written last into a finished fold's folder: what it was trained from, and its members' scores."""


def pooled_name(split: str) -> str:
    """Experiment name of a split's pooled test rows: ``audio_labels_omo``."""
    return f"{AUDIO_LABELS}_{split}"


def own_folds(results: Mapping[str, Mapping[str, Any]]) -> dict[tuple[str, int], Mapping[str, Any]]:
    """The audio scene-label result among a notebook's ``results``, keyed by its split and fold (``done``
    of :func:`run_audio_label_splits`); empty when it did not run."""
    own = results.get(AUDIO_LABELS)
    return {} if own is None else {(own["experiment"]["split"], int(own["fold"])): own}


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


PACKAGE = Path(__file__).resolve().parents[1]
"""The emolib package, whose code is part of every fold's key."""


def _fold_key(spec: ExperimentSpec, data: StudyBData, code: str) -> str:
    """What a fold's result depends on: its spec, the audio rows and labels it reads, the package's code."""
    digest = hashlib.sha256(json.dumps([asdict(spec), code], sort_keys=True, default=str).encode())
    for array in (data.audio, data.labels, data.sequences[["film", "sequence"]].to_numpy(dtype=str)):
        digest.update(np.ascontiguousarray(array).tobytes() if array is not None else b"-")
    return digest.hexdigest()


def _finished(fold_dir: Path, key: str) -> dict[str, Any] | None:
    """The result of a fold finished earlier from the same spec and data (``None`` otherwise)."""
    done = fold_dir / DONE_FILE
    predictions = fold_dir / f"{AUDIO_LABELS}{PREDICTIONS_SUFFIX}"
    if not (done.is_file() and predictions.is_file()):
        return None
    record = json.loads(done.read_text())
    if record.get("key") != key:
        return None
    return {"predictions": load_test_predictions(predictions), "members": record.get("members", [])}


def _run_fold(spec: ExperimentSpec, data: StudyBData, fold_dir: Path, code: str) -> dict[str, Any]:
    """One fold's experiment, or the result it left when it finished before (same spec, data and code)."""
    key = _fold_key(spec, data, code)
    found = _finished(fold_dir, key)
    if found is not None:
        return found
    fold_dir.mkdir(parents=True, exist_ok=True)
    result = run_experiment(spec, data, fold_dir)
    record = {
        "key": key,
        "split": spec.experiment.split,
        "fold": spec.fold,
        "members": result.get("members", []),
    }
    write_text(fold_dir / DONE_FILE, json.dumps(record, indent=1))
    return result


def _audio_only(data: StudyBData) -> StudyBData:
    """The data an audio experiment reads, without the movies' frames (sent to worker processes)."""
    return replace(data, frames=None, unlabelled={})


def _fold_results(
    jobs: Sequence[tuple[ExperimentSpec, Path]], data: StudyBData, code: str, workers: int
) -> list[dict[str, Any]]:
    """The results of the folds ``jobs`` (spec, folder), in order: here, or in ``workers`` processes.

    The networks compute the same on one thread as on several (a fold's predictions were found identical
    to the last bit with one and two threads), so the results do not depend on ``workers``.
    """
    if workers <= 1 or len(jobs) <= 1:
        return [_run_fold(spec, data, folder, code) for spec, folder in jobs]
    light = _audio_only(data)
    with process_pool(min(workers, len(jobs))) as pool:
        futures = [pool.submit(_run_fold, spec, light, folder, code) for spec, folder in jobs]
        return [future.result() for future in futures]


def run_audio_label_splits(
    data: StudyBData,
    output_dir: str | Path,
    spec: ExperimentSpec | None,
    splits: Sequence[str] = ("l20", "omo"),
    done: Mapping[tuple[str, int], Mapping[str, Any]] | None = None,
    workers: int = 1,
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
    spec
        The audio scene-label experiment (:class:`~emolib.studyb.specs.ExperimentSpec`); each fold runs
        it with its own split and fold. ``None`` (the experiment is not planned): nothing runs.
    splits
        ``l20`` and/or ``omo`` (``oso`` is skipped: see the module docstring). Empty: nothing is
        trained and each split of ``done`` is returned with the folds it holds.
    done
        Results already computed, by ``(split, fold)`` (e.g. the notebook's own run), reused as they are.
    workers
        Folds trained at once, each in its own process (1: one after the other, in this process).

    Returns
    -------
    dict
        Split to ``folds`` (the fold numbers), ``films`` (sorted test films), ``predictions``
        (:class:`~emolib.studyb.predictions.TestPredictions` of the pooled test rows, each row's
        ``models`` naming the fold that predicted it) and ``members`` (each fold's ensemble members'
        scores, as the experiments return them).

    Notes
    -----
    A fold that finished writes :data:`DONE_FILE` last (with a key of its spec, its data and the package's
    code); running the same sweep again reuses it instead of training it again, so an interrupted sweep
    continues where it stopped, and a fold trained by other code or on other data is trained again.
    """
    out, done = Path(output_dir), done or {}
    pooled: dict[str, dict[str, Any]] = {}
    if spec is None:
        return pooled
    code = source_digest(PACKAGE)
    asked = [s for s in splits if s != "oso"]
    for split in dict.fromkeys(asked or [s for s, _ in done]):
        folds = label_split_folds(data, split) if asked else sorted(f for s, f in done if s == split)
        jobs = [
            (replace(spec, experiment=Experiment(AUDIO_LABELS, "audio", "labels", split), fold=fold),
             out / pooled_name(split) / f"fold{fold}")
            for fold in folds if (split, fold) not in done
        ]  # fmt: skip
        trained = iter(_fold_results(jobs, data, code, workers))
        results = [done[(split, fold)] if (split, fold) in done else next(trained) for fold in folds]
        parts: list[TestPredictions] = [result["predictions"] for result in results]
        members = [list(result.get("members", [])) for result in results]
        predictions = concatenate_predictions(parts, models=[f"fold{fold}" for fold in folds])
        if len(folds) > 1:
            save_test_predictions(predictions, out / f"{pooled_name(split)}{PREDICTIONS_SUFFIX}")
        pooled[split] = {
            "folds": folds,
            "films": sorted(set(predictions.units)),
            "predictions": predictions,
            "members": members,
        }
    return pooled
