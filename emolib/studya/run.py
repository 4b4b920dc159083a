"""One complete fold run of Study A: what notebook 04 executes, and what a sweep repeats per fold.

:func:`run_fold` loads the fused features, builds the fold, standardises the features on the
training movies, trains the LSTM, predicts the test movies, computes the baselines on the same
split, scores everything per movie as the task does, and writes into the output folder:

``metrics.json``
    Parameters, split, mean and per-movie scores of the LSTM and the baselines (written last, so its
    presence marks a finished run).
``run_test.txt``
    Test predictions per window in the MediaEval run format (valence/arousal), or
    ``run_test_fear.txt`` (per movie a name line, then one fear probability per window).
``predictions.csv``
    Every test window: annotation, LSTM, constant and ridge predictions.
``best.keras``, ``scaler.json``
    The best epoch's (stateless) model and the feature standardisation it expects.
``history.csv``, ``tensorboard/``
    Per-epoch logs.
``resume/``
    While training, the state to resume from after an interruption (see :func:`emolib.studya.training.fit`);
    a run killed before it finished continues from its last epoch when it is started again with the same
    parameters. Removed once ``metrics.json`` is written.

:func:`run_test_set` is the MediaEval protocol instead of a fold: it trains on every development
movie (a few of them validate, for early stopping), predicts every movie of a test folder and scores
them the official way (per movie, then the mean over movies), beside the baselines fitted on the
development movies. Its ``metrics.json`` (of kind :data:`TEST_SET_KIND`, so that fold evaluations
never gather it) has a ``test_set`` section: ``mean`` (the LSTM's means over the test movies),
``scores`` (the means of every predictor), ``per_movie`` and the test movies.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from emolib.core.atomic import write_text
from emolib.studya.baselines import constant_windows, linear_steps
from emolib.studya.data import MovieSet, Standardizer, load_movie_set, load_test_set, pick_extractors
from emolib.studya.folds import Fold, get_fold, protocol_split
from emolib.studya.scoring import fear_scores, mean_scores, va_scores
from emolib.studya.training import (
    FitResult,
    TrainConfig,
    class_weights,
    fit,
    predict_steps,
    window_predictions,
)

__all__ = [
    "METRICS_KIND",
    "MODELS",
    "TEST_SET_KIND",
    "FoldRun",
    "run_fold",
    "run_one",
    "run_test_set",
    "protocol_section",
    "write_fear_run",
]

METRICS_KIND = "emolib.studya.lstm"
"""``kind`` of a fold run's ``metrics.json``, by which the evaluation finds runs."""
TEST_SET_KIND = "emolib.studya.lstm.test_set"
"""``kind`` of a test-set run's ``metrics.json`` (not :data:`METRICS_KIND`: it is not a fold)."""
MODELS = ("lstm", "constant", "ridge")
"""Predictors scored in every fold run."""


@dataclass
class FoldRun:
    """Everything a fold run produced (see the module docstring for the files)."""

    fold: Fold
    movies: MovieSet
    fit: FitResult
    predictions: pd.DataFrame
    per_movie: dict[str, pd.DataFrame]
    metrics: dict[str, Any]


def write_fear_run(path: str | Path, predictions: Mapping[str, np.ndarray]) -> Path:
    """Write fear probabilities per window: per movie (sorted) a name line, then one value per line."""
    lines: list[str] = []
    for name in sorted(predictions):
        lines.append(name)
        lines.extend(repr(float(v)) for v in np.asarray(predictions[name]).ravel())
    return write_text(path, "\n".join(lines) + "\n")


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return _json_safe(value.item())
    return value


def _prediction_table(
    task: str, ms: MovieSet, test: Sequence[str], preds: Mapping[str, Mapping[str, np.ndarray]]
) -> pd.DataFrame:
    cols = ["valence", "arousal"] if task == "va" else ["fear"]
    frames = []
    for movie in test:
        ann = ms.annotations[movie]
        table = pd.DataFrame({"movie": movie, "id": ann["id"], "time": ann["time"]})
        for col in cols:
            table[f"true_{col}"] = ann[col].to_numpy()
        for model, by_movie in preds.items():
            values = np.asarray(by_movie[movie]).reshape(len(ann), -1)
            for j, col in enumerate(cols):
                table[f"{model}_{col}"] = values[:, j]
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


def run_fold(
    data_dir: str | Path,
    output_dir: str | Path,
    config: TrainConfig,
    fold: int = 0,
    n_folds: int = 4,
    modality: str = "mixed",
    visual: Sequence[str] = ("colour-motion",),
    audio: Sequence[str] = ("logmel-stats",),
    store_dir: str | Path | None = None,
    folds_seed: int = 0,
    n_val: int | None = None,
    extract_missing: bool = True,
    movies: MovieSet | None = None,
    verbose: bool = True,
    resume: bool = True,
) -> FoldRun:
    """Train and evaluate one fold; write the outputs listed in the module docstring.

    Parameters
    ----------
    data_dir
        MediaEval 2017 development set (real or synthetic).
    output_dir
        Folder of this run's outputs (created).
    config
        Model, optimiser, training mode, batch size (``batch_movies``) and precision
        (``mixed_precision``); recorded in ``metrics.json``.
    fold, n_folds, folds_seed, n_val
        Which fold of :func:`emolib.studya.folds.make_folds`.
    modality, visual, audio
        Feature extractors to fuse (:func:`emolib.studya.data.pick_extractors`).
    store_dir, extract_missing
        Feature store and whether to extract missing features (:func:`emolib.studya.data.load_movie_set`).
    movies
        Already loaded movies (skips loading; must hold the modality's extractors).
    verbose
        Print one line per epoch.
    resume
        Keep a resume state in ``output_dir/resume`` while training and continue from it if present.
    """
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    extractors = pick_extractors(modality, visual, audio)
    ms = movies or load_movie_set(data_dir, extractors, store_dir, extract_missing)
    split = get_fold(ms.movies, fold, n_folds, folds_seed, n_val)
    task = config.task
    scaler = Standardizer.fit(ms.subset(split.train))
    scaler.save(out / "scaler.json")
    x = scaler.transform(ms.features)
    sub = {role: {m: x[m] for m in getattr(split, role)} for role in ("train", "val", "test")}
    targets = {role: ms.targets(getattr(split, role), task) for role in ("train", "val", "test")}
    starts = {m: ms.window_starts(m) for m in ms.movies}

    def report(row: dict[str, float]) -> None:
        if verbose:
            print("  ".join(f"{k}={v:.4g}" for k, v in row.items()), flush=True)

    t0 = time.perf_counter()
    result = fit(
        sub["train"], targets["train"], sub["val"], targets["val"], config,
        val_truth=ms.truth(split.val, task), val_starts={m: starts[m] for m in split.val},
        csv_log=out / "history.csv", tensorboard_dir=out / "tensorboard", checkpoint=out / "best.keras",
        on_epoch=report, resume_dir=out / "resume" if resume else None,
    )  # fmt: skip
    train_seconds = time.perf_counter() - t0
    test_starts = {m: starts[m] for m in split.test}
    lstm = window_predictions(predict_steps(result.model, sub["test"], config), test_starts, task)
    ridge_steps, alpha = linear_steps(
        task, sub["train"], targets["train"], sub["val"], targets["val"], sub["test"]
    )
    preds = {
        "lstm": lstm,
        "constant": constant_windows(
            ms.truth(split.train, task), {m: len(test_starts[m]) for m in split.test}
        ),
        "ridge": window_predictions(ridge_steps, test_starts, task),
    }
    truth = ms.truth(split.test, task)
    scorer = va_scores if task == "va" else fear_scores
    per_movie = {name: scorer(truth, p) for name, p in preds.items()}
    if task == "va":
        from emolib.datasets.mediaeval import write_run

        write_run(out / "run_test.txt", lstm)
    else:
        write_fear_run(out / "run_test_fear.txt", lstm)
    table = _prediction_table(task, ms, split.test, preds)
    write_text(out / "predictions.csv", table.to_csv(index=False))
    metrics = {
        "kind": METRICS_KIND,
        "data_dir": str(Path(data_dir).resolve()),
        "task": task,
        "modality": modality,
        "extractors": extractors,
        "fold": fold,
        "n_folds": n_folds,
        "folds_seed": folds_seed,
        "split": split.as_dict(),
        "config": asdict(config),
        "n_features": int(next(iter(x.values())).shape[1]),
        "scores": {name: mean_scores(t) for name, t in per_movie.items()},
        "per_movie": {name: t.reset_index().to_dict(orient="records") for name, t in per_movie.items()},
        "best_epoch": result.best_epoch,
        "epochs_run": len(result.history),
        "seconds_per_epoch": result.seconds_per_epoch,
        "train_seconds": train_seconds,
        "ridge_alpha": alpha,
        "history": result.history.to_dict(orient="list"),
    }
    if task == "fear":
        metrics["pos_weight"] = class_weights(targets["train"])[1] if config.class_weight else 1.0
    write_text(out / "metrics.json", json.dumps(_json_safe(metrics), indent=1))
    shutil.rmtree(out / "resume", ignore_errors=True)
    return FoldRun(split, ms, result, table, per_movie, metrics)


def protocol_section(test_dir: str | Path, per_movie: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """The ``test_set`` section of a test-set run's ``metrics.json``.

    Parameters
    ----------
    test_dir
        The test folder.
    per_movie
        Predictor name to its per-movie scores (:func:`emolib.studya.scoring.va_scores` or
        :func:`~emolib.studya.scoring.fear_scores`); empty when the test movies have no ground truth
        for the task (fear on a 2017 test set).

    Returns
    -------
    dict
        ``test_dir``; ``scored`` (whether there was ground truth); ``mean``: the LSTM's means over
        movies (:func:`emolib.studya.scoring.mean_scores`: ``mse_valence``, ``r_valence``, ...,
        or ``map`` for fear); ``scores``: the means of every predictor; ``per_movie``: every
        predictor's per-movie rows.
    """
    scores = {name: mean_scores(t) for name, t in per_movie.items()}
    return {
        "test_dir": str(Path(test_dir).resolve()),
        "scored": bool(per_movie),
        "mean": scores.get("lstm", {}),
        "scores": scores,
        "per_movie": {name: t.reset_index().to_dict(orient="records") for name, t in per_movie.items()},
    }


def _test_prediction_table(
    task: str, ts: MovieSet, preds: Mapping[str, Mapping[str, np.ndarray]], with_truth: bool
) -> pd.DataFrame:
    cols = ["valence", "arousal"] if task == "va" else ["fear"]
    frames = []
    for movie in ts.movies:
        ann = ts.annotations[movie]
        table = pd.DataFrame({"movie": movie, "id": ann["id"], "time": ann["time"]})
        if with_truth:
            for col in cols:
                table[f"true_{col}"] = ann[col].to_numpy()
        for model, by_movie in preds.items():
            values = np.asarray(by_movie[movie]).reshape(len(ann), -1)
            for j, col in enumerate(cols):
                table[f"{model}_{col}"] = values[:, j]
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


def run_test_set(
    data_dir: str | Path,
    test_dir: str | Path,
    output_dir: str | Path,
    config: TrainConfig,
    modality: str = "mixed",
    visual: Sequence[str] = ("colour-motion",),
    audio: Sequence[str] = ("logmel-stats",),
    store_dir: str | Path | None = None,
    test_store_dir: str | Path | None = None,
    folds_seed: int = 0,
    n_val: int | None = None,
    extract_missing: bool = True,
    movies: MovieSet | None = None,
    test_movies: MovieSet | None = None,
    verbose: bool = True,
    resume: bool = True,
) -> FoldRun:
    """Train on the development set, predict and score a test set: the MediaEval protocol.

    Parameters
    ----------
    data_dir
        MediaEval 2017 development set (real or synthetic): every movie trains, but ``n_val`` that
        validate (early stopping, the ridge strength).
    test_dir
        A 2017 test set or any folder in the development layout (:func:`emolib.studya.data.load_test_set`);
        it must not be the development set itself.
    output_dir
        Folder of this run's outputs (created): the files of :func:`run_fold`, with the test movies'
        predictions, and ``metrics.json`` of kind :data:`TEST_SET_KIND` with its ``test_set`` section.
    config
        As :func:`run_fold`.
    modality, visual, audio, store_dir, extract_missing, n_val
        As :func:`run_fold`; the test movies' features come from the same extractors.
    test_store_dir
        Feature store of the test movies (default ``<test_dir>/features``).
    folds_seed
        Seed of the choice of validation movies (:func:`emolib.studya.folds.protocol_split`).
    movies, test_movies
        Already loaded development and test movies (skip loading).
    verbose, resume
        As :func:`run_fold`.

    Raises
    ------
    ValueError
        If the test folder is the development set's annotation folder.
    """
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    extractors = pick_extractors(modality, visual, audio)
    ms = movies or load_movie_set(data_dir, extractors, store_dir, extract_missing)
    ts = test_movies or load_test_set(test_dir, extractors, test_store_dir, extract_missing)
    if ms.root is not None and ts.root is not None and ms.root.resolve() == ts.root.resolve():
        raise ValueError(
            f"test_dir {test_dir} is the development set itself ({ms.root}): choose other movies"
        )
    split = protocol_split(ms.movies, ts.movies, folds_seed, n_val)
    task = config.task
    scaler = Standardizer.fit(ms.subset(split.train))
    scaler.save(out / "scaler.json")
    x = scaler.transform(ms.features)
    xt = scaler.transform(ts.features)
    sub = {role: {m: x[m] for m in getattr(split, role)} for role in ("train", "val")}
    targets = {role: ms.targets(getattr(split, role), task) for role in ("train", "val")}

    def report(row: dict[str, float]) -> None:
        if verbose:
            print("  ".join(f"{k}={v:.4g}" for k, v in row.items()), flush=True)

    t0 = time.perf_counter()
    result = fit(
        sub["train"], targets["train"], sub["val"], targets["val"], config,
        val_truth=ms.truth(split.val, task), val_starts={m: ms.window_starts(m) for m in split.val},
        csv_log=out / "history.csv", tensorboard_dir=out / "tensorboard", checkpoint=out / "best.keras",
        on_epoch=report, resume_dir=out / "resume" if resume else None,
    )  # fmt: skip
    train_seconds = time.perf_counter() - t0
    test_starts = {m: ts.window_starts(m) for m in ts.movies}
    lstm = window_predictions(predict_steps(result.model, xt, config), test_starts, task)
    ridge_steps, alpha = linear_steps(task, sub["train"], targets["train"], sub["val"], targets["val"], xt)
    preds = {
        "lstm": lstm,
        "constant": constant_windows(
            ms.truth(split.train, task), {m: len(test_starts[m]) for m in ts.movies}
        ),
        "ridge": window_predictions(ridge_steps, test_starts, task),
    }
    scored = task == "va" or ts.has_fear
    per_movie: dict[str, pd.DataFrame] = {}
    if scored:
        truth = ts.truth(ts.movies, task)
        scorer = va_scores if task == "va" else fear_scores
        per_movie = {name: scorer(truth, p) for name, p in preds.items()}
    if task == "va":
        from emolib.datasets.mediaeval import write_run

        write_run(out / "run_test.txt", lstm)
    else:
        write_fear_run(out / "run_test_fear.txt", lstm)
    table = _test_prediction_table(task, ts, preds, scored)
    write_text(out / "predictions.csv", table.to_csv(index=False))
    section = protocol_section(test_dir, per_movie)
    metrics = {
        "kind": TEST_SET_KIND,
        "data_dir": str(Path(data_dir).resolve()),
        "test_dir": section["test_dir"],
        "task": task,
        "modality": modality,
        "extractors": extractors,
        "fold": split.index,
        "folds_seed": folds_seed,
        "split": split.as_dict(),
        "config": asdict(config),
        "n_features": int(next(iter(x.values())).shape[1]),
        "scores": section["scores"],
        "test_set": section,
        "best_epoch": result.best_epoch,
        "epochs_run": len(result.history),
        "seconds_per_epoch": result.seconds_per_epoch,
        "train_seconds": train_seconds,
        "ridge_alpha": alpha,
        "history": result.history.to_dict(orient="list"),
    }
    if task == "fear":
        metrics["pos_weight"] = class_weights(targets["train"])[1] if config.class_weight else 1.0
    write_text(out / "metrics.json", json.dumps(_json_safe(metrics), indent=1))
    shutil.rmtree(out / "resume", ignore_errors=True)
    return FoldRun(split, ms, result, table, per_movie, metrics)


def run_one(
    data_dir: str | Path,
    output_dir: str | Path,
    config: TrainConfig,
    test_dir: str | Path | None = None,
    test_movies: MovieSet | None = None,
    **kwargs: Any,
) -> FoldRun:
    """One execution of notebook 04: a fold inside ``data_dir``, or the MediaEval protocol on ``test_dir``.

    Parameters
    ----------
    data_dir, output_dir, config
        As :func:`run_fold`.
    test_dir
        ``None``: :func:`run_fold` (``fold``, ``n_folds`` and the other ``kwargs``), exactly as without
        a test folder. A folder: :func:`run_test_set` on it (``fold`` and ``n_folds`` are not used).
    test_movies
        The test folder's movies, already loaded (:func:`run_test_set`).
    **kwargs
        Passed on (``fold``, ``n_folds``, ``modality``, ``visual``, ``audio``, ``folds_seed``, ``n_val``,
        ``movies``, ...).
    """
    if test_dir is None:
        return run_fold(data_dir, output_dir, config, **kwargs)
    kwargs = {k: v for k, v in kwargs.items() if k not in ("fold", "n_folds")}
    return run_test_set(data_dir, test_dir, output_dir, config, test_movies=test_movies, **kwargs)
