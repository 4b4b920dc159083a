"""One run of Study A: what notebook 04 executes, and what a sweep repeats per fold.

A run has one skeleton, whatever the protocol: load the movies, split them, standardise the
features on the training movies, train the LSTM, predict the test movies, fit the baselines on the
same split, score everything per test movie as the task does, and write. What varies is the
**protocol**, a small object that says where the test movies come from and how they are split:

:class:`Folds`
    Fold ``k`` of ``n`` movie-level folds inside the development set (the thesis's protocol).
:class:`TestSet`
    The MediaEval protocol: every development movie trains (a few validate, for early stopping),
    the movies of a test folder are predicted and scored per movie, then averaged over movies.

:func:`prepare` loads and splits once (:class:`Prepared`); :func:`run` trains and scores one task
on it. Outputs, in ``output_dir``:

``metrics.json``
    Parameters, split, mean and per-movie scores of the LSTM and the baselines (written last, so its
    presence marks a finished run). A fold run is of kind :data:`METRICS_KIND`; a test-set run of
    kind :data:`TEST_SET_KIND` (so fold evaluations never gather it), with a ``test_set`` section:
    ``mean`` (the LSTM's means over the test movies), ``scores`` (every predictor's), ``per_movie``.
``run_test.txt``
    Test predictions per window in the MediaEval run format (valence/arousal), or
    ``run_test_fear.txt`` (per movie a name line, then one fear probability per window).
``predictions.csv``
    Every test window: annotation (when the test movies have one), LSTM, constant and ridge predictions.
``best.keras``, ``scaler.json``
    The best epoch's (stateless) model and the feature standardisation it expects.
``history.csv``, ``tensorboard/``
    Per-epoch logs.
``resume/``
    While training, the state to resume from after an interruption (see :func:`emolib.studya.training.fit`);
    a run killed before it finished continues from its last epoch when it is started again with the same
    parameters. Removed once ``metrics.json`` is written.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np
import pandas as pd

from emolib.core.atomic import write_text
from emolib.studya.baselines import constant_windows, linear_steps
from emolib.studya.data import MovieSet, Standardizer, load_movie_set, load_test_set, pick_extractors
from emolib.studya.folds import Fold, fold_table, make_folds, protocol_split, split_table
from emolib.studya.scoring import (
    choose_iou_threshold,
    fear_iou_scores,
    fear_scores,
    mean_scores,
    pooled_iou,
    pooled_va_scores,
    sequences_from_flags,
    va_scores,
)
from emolib.studya.training import (
    FitOutputs,
    FitResult,
    TrainConfig,
    WindowTruth,
    class_weights,
    fit,
    predict_steps,
    window_predictions,
)

__all__ = [
    "METRICS_KIND",
    "MODELS",
    "EDITION2018_KIND",
    "TEST_SET_KIND",
    "Edition2018",
    "Folds",
    "FoldRun",
    "Inputs",
    "Prepared",
    "RunProtocol",
    "TestSet",
    "choose_protocol",
    "prepare",
    "per_second_scores",
    "prediction_table",
    "protocol_section",
    "run",
    "write_fear_run",
]

METRICS_KIND = "emolib.studya.lstm"
"""``kind`` of a fold run's ``metrics.json``, by which the evaluation finds runs."""
TEST_SET_KIND = "emolib.studya.lstm.test_set"
"""``kind`` of a test-set run's ``metrics.json`` (not :data:`METRICS_KIND`: it is not a fold)."""
EDITION2018_KIND = "emolib.studya.lstm.mediaeval2018"
"""``kind`` of a MediaEval 2018 protocol run's ``metrics.json`` (scored every second; fear by IoU)."""
MODELS = ("lstm", "constant", "ridge")
"""Predictors scored in every run."""


@dataclass(frozen=True)
class Inputs:
    """Where a run reads its movies and which features it fuses.

    Attributes
    ----------
    data_dir
        MediaEval development set (real or synthetic).
    modality, visual, audio
        Feature extractors to fuse (:func:`emolib.studya.data.pick_extractors`).
    store_dir
        Feature store (default ``<data_dir>/features``).
    extract_missing
        Extract features missing from the store (weight-free extractors only).
    movies
        The development movies, already loaded (skips loading; must hold the modality's extractors).
    edition
        2017 or 2018: which development set, when ``data_dir`` holds both (``None``: 2017 if there is one).
    """

    data_dir: str | Path
    modality: str = "mixed"
    visual: Sequence[str] = ("colour-motion",)
    audio: Sequence[str] = ("logmel-stats",)
    store_dir: str | Path | None = None
    extract_missing: bool = True
    movies: MovieSet | None = None
    edition: int | None = None

    @property
    def extractors(self) -> list[str]:
        """The extractor names, visual first."""
        return pick_extractors(self.modality, self.visual, self.audio)

    def load(self) -> MovieSet:
        """The development movies (:attr:`movies` when given)."""
        if self.movies is not None:
            return self.movies
        return load_movie_set(
            self.data_dir, self.extractors, self.store_dir, self.extract_missing, self.edition
        )


class RunProtocol(Protocol):
    """What varies between the protocols of Study A: the test movies, the split, the metrics' extras."""

    kind: ClassVar[str]

    def test_movies(self, inputs: Inputs, dev: MovieSet) -> MovieSet:
        """The movies the run predicts (the development movies themselves for folds)."""
        ...

    def split(self, dev: MovieSet, test: MovieSet) -> Fold:
        """Training, validation and test movies."""
        ...

    def describe(self, prepared: Prepared) -> dict[str, Any]:
        """The protocol's own entries of ``metrics.json``."""
        ...

    def label(self) -> str:
        """How the book names this run (``fold 0``, ``the MediaEval protocol on the test folder``)."""
        ...

    def scope(self) -> str:
        """What the test scores are computed on (``this fold's test movies``)."""
        ...


@dataclass(frozen=True)
class Folds:
    """Fold ``fold`` of ``n_folds`` movie-level folds (:func:`emolib.studya.folds.make_folds`)."""

    fold: int = 0
    n_folds: int = 4
    seed: int = 0
    n_val: int | None = None
    kind: ClassVar[str] = METRICS_KIND

    def test_movies(self, inputs: Inputs, dev: MovieSet) -> MovieSet:
        """The development movies: a fold tests some of them."""
        return dev

    def all_folds(self, dev: MovieSet) -> list[Fold]:
        """Every fold of the development movies."""
        return make_folds(dev.movies, self.n_folds, self.seed, self.n_val)

    def split(self, dev: MovieSet, test: MovieSet) -> Fold:
        """Fold :attr:`fold`; ``IndexError`` when out of range."""
        folds = self.all_folds(dev)
        if not 0 <= self.fold < len(folds):
            raise IndexError(f"fold {self.fold} out of range 0..{len(folds) - 1}")
        return folds[self.fold]

    def describe(self, prepared: Prepared) -> dict[str, Any]:
        """``fold``, ``n_folds``, ``folds_seed``."""
        return {"fold": self.fold, "n_folds": self.n_folds, "folds_seed": self.seed}

    def label(self) -> str:
        """``fold <k>``."""
        return f"fold {self.fold}"

    def scope(self) -> str:
        """What the test scores are computed on."""
        return "this fold's test movies"


@dataclass(frozen=True)
class TestSet:
    """The MediaEval protocol: train on the development set, predict and score a test folder.

    Attributes
    ----------
    test_dir
        A 2017 test set or any folder in the development layout (:func:`emolib.studya.data.load_test_set`);
        it must not be the development set itself.
    seed, n_val
        Seed and size of the choice of validation movies (:func:`emolib.studya.folds.protocol_split`).
    store_dir
        Feature store of the test movies (default ``<test_dir>/features``).
    movies
        The test movies, already loaded (skips loading).
    """

    test_dir: str | Path
    seed: int = 0
    n_val: int | None = None
    store_dir: str | Path | None = None
    movies: MovieSet | None = None
    kind: ClassVar[str] = TEST_SET_KIND

    def test_movies(self, inputs: Inputs, dev: MovieSet) -> MovieSet:
        """The test folder's movies, with the development movies' extractors.

        Raises
        ------
        ValueError
            If the test folder is the development set's annotation folder.
        """
        test = self.movies or load_test_set(
            self.test_dir, inputs.extractors, self.store_dir, inputs.extract_missing
        )
        if dev.root is not None and test.root is not None and dev.root.resolve() == test.root.resolve():
            raise ValueError(
                f"test_dir {self.test_dir} is the development set itself ({dev.root}): choose other movies"
            )
        return test

    def split(self, dev: MovieSet, test: MovieSet) -> Fold:
        """Every development movie trains but a few that validate; the test folder's movies test."""
        return protocol_split(dev.movies, test.movies, self.seed, self.n_val)

    def describe(self, prepared: Prepared) -> dict[str, Any]:
        """``test_dir``, ``fold`` (the split's index), ``folds_seed``."""
        return {"test_dir": self.test_root(prepared), "fold": prepared.split.index, "folds_seed": self.seed}

    def test_root(self, prepared: Prepared) -> str:
        """The test folder, as recorded."""
        return str(Path(self.test_dir).resolve())

    def label(self) -> str:
        """``the MediaEval protocol on the test folder``."""
        return "the MediaEval protocol on the test folder"

    def scope(self) -> str:
        """What the test scores are computed on."""
        return "the test folder's movies"


@dataclass(frozen=True)
class Edition2018:
    """The MediaEval 2018 protocol: train on the development parts, predict every second of the test part.

    The development parts (:func:`emolib.studya.data.load_movie_set` with ``edition=2018``) train, but a
    few that validate (early stopping, the ridge's strength, the fear threshold); the test part found in
    the same folder is predicted every second and scored as the 2018 task scored its runs (over every
    second of the test movies together) and per movie then the mean, side by side; fear is predicted as
    sequences of time and scored by their intersection over union with the annotated ones.

    Attributes
    ----------
    seed, n_val
        Seed and size of the choice of validation movies (:func:`emolib.studya.folds.protocol_split`).
    movies
        The test part, already loaded (skips loading).
    """

    seed: int = 0
    n_val: int | None = None
    movies: MovieSet | None = None
    kind: ClassVar[str] = EDITION2018_KIND

    def test_movies(self, inputs: Inputs, dev: MovieSet) -> MovieSet:
        """The test part of the 2018 folder the development parts came from, in the same feature store.

        Raises
        ------
        ValueError
            If the development movies are not the 2018 parts.
        """
        if dev.edition != 2018:
            raise ValueError(
                f"the MediaEval 2018 protocol needs the 2018 development parts, not {dev.edition}"
            )
        if self.movies is not None:
            return self.movies
        from emolib.features import DEFAULT_STORE_SUBDIR

        store = inputs.store_dir or Path(inputs.data_dir) / DEFAULT_STORE_SUBDIR
        return load_test_set(dev.root or inputs.data_dir, inputs.extractors, store, inputs.extract_missing)

    def split(self, dev: MovieSet, test: MovieSet) -> Fold:
        """Every development movie trains but a few that validate; the test part's movies test."""
        return protocol_split(dev.movies, test.movies, self.seed, self.n_val)

    def describe(self, prepared: Prepared) -> dict[str, Any]:
        """``test_dir`` (the test part's folder), ``edition``, ``fold``, ``folds_seed``."""
        return {"test_dir": self.test_root(prepared), "edition": 2018, "fold": prepared.split.index,
                "folds_seed": self.seed}  # fmt: skip

    def test_root(self, prepared: Prepared) -> str:
        """The folder the test part was found in."""
        return str(Path(prepared.test.root or prepared.inputs.data_dir).resolve())

    def label(self) -> str:
        """``the MediaEval 2018 protocol on the test part``."""
        return "the MediaEval 2018 protocol on the test part"

    def scope(self) -> str:
        """What the test scores are computed on."""
        return "every second of the test part's movies"


Protocol = Folds | TestSet | Edition2018
"""Every protocol of Study A."""


def choose_protocol(
    test_dir: str | Path | None,
    fold: int = 0,
    n_folds: int = 4,
    seed: int = 0,
    n_val: int | None = None,
    edition: int | None = None,
) -> Protocol:
    """The protocol of notebook 04's parameters.

    ``edition=2018`` without a ``test_dir``: the MediaEval 2018 protocol (train on the development parts,
    score the test part every second); else folds without a ``test_dir``, or the test-set protocol with one.
    """
    if edition == 2018 and test_dir is None:
        return Edition2018(seed, n_val)
    if test_dir is None:
        return Folds(fold, n_folds, seed, n_val)
    return TestSet(test_dir, seed, n_val)


@dataclass
class Prepared:
    """Movies loaded and split once, for every task a run trains (see :func:`prepare`)."""

    inputs: Inputs
    protocol: Protocol
    dev: MovieSet
    test: MovieSet
    split: Fold

    @property
    def is_fold(self) -> bool:
        """Whether the test movies are development movies (a fold), not a test folder's."""
        return self.test is self.dev

    def values(self) -> dict[str, Any]:
        """The split's figures the chapter quotes: movies, roles, features, the run's name."""
        split, features = self.split, self.dev.features[self.dev.movies[0]]
        return {
            "n_movies": len(self.dev.movies),
            "run_label": self.protocol.label(),
            "scope": self.protocol.scope(),
            "n_train": len(split.train),
            "n_val": len(split.val),
            "n_test": len(split.test),
            "n_features": features.shape[1],
            "extractors": ", ".join(self.inputs.extractors),
        }

    def table(self) -> pd.DataFrame:
        """The roles of the movies: every fold's (folds), or this run's split (a test folder)."""
        if isinstance(self.protocol, Folds):
            return fold_table(self.protocol.all_folds(self.dev))
        return split_table(self.split)


def prepare(inputs: Inputs, protocol: Protocol) -> Prepared:
    """Load the development and test movies and split them by ``protocol``."""
    dev = inputs.load()
    test = protocol.test_movies(inputs, dev)
    return Prepared(inputs, protocol, dev, test, protocol.split(dev, test))


@dataclass
class FoldRun:
    """Everything a run produced (see the module docstring for the files)."""

    fold: Fold
    movies: MovieSet
    fit: FitResult
    predictions: pd.DataFrame
    per_movie: dict[str, pd.DataFrame]
    metrics: dict[str, Any] = field(default_factory=dict)


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


def prediction_table(
    task: str,
    movies: MovieSet,
    test: Sequence[str],
    preds: Mapping[str, Mapping[str, np.ndarray]],
    with_truth: bool = True,
) -> pd.DataFrame:
    """One row per test window: ``movie``, ``id``, ``time``, ``true_<target>`` and ``<model>_<target>``.

    Parameters
    ----------
    task
        ``va`` (targets valence and arousal) or ``fear``.
    movies
        The set the test movies belong to (their annotation windows).
    test
        The test movies, in order.
    preds
        Predictor name to its per-movie window predictions.
    with_truth
        Add the annotated values (``False`` for test movies without ground truth of the task).
    """
    cols = ["valence", "arousal"] if task == "va" else ["fear"]
    frames = []
    for movie in test:
        ann = movies.annotations[movie]
        ids = ann["id"] if "id" in ann else np.arange(len(ann))  # 2018: one row per second, no id
        table = pd.DataFrame({"movie": movie, "id": ids, "time": ann["time"]})
        if with_truth:
            for col in cols:
                table[f"true_{col}"] = ann[col].to_numpy()
        for model, by_movie in preds.items():
            values = np.asarray(by_movie[movie]).reshape(len(ann), -1)
            for j, col in enumerate(cols):
                table[f"{model}_{col}"] = values[:, j]
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


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


@dataclass
class _Scaled:
    """The split's features standardised with the training movies' statistics, and the targets."""

    train: dict[str, np.ndarray]
    val: dict[str, np.ndarray]
    test: dict[str, np.ndarray]

    @classmethod
    def of(cls, prepared: Prepared, out: Path) -> _Scaled:
        """Fit the standardisation on the training movies, save it as ``scaler.json``, apply it."""
        dev, split = prepared.dev, prepared.split
        scaler = Standardizer.fit(dev.subset(split.train))
        scaler.save(out / "scaler.json")
        return cls(
            scaler.transform(dev.subset(split.train)),
            scaler.transform(dev.subset(split.val)),
            scaler.transform(prepared.test.subset(split.test)),
        )


def _train(
    prepared: Prepared, x: _Scaled, out: Path, config: TrainConfig, verbose: bool, resume: bool
) -> FitResult:
    """Train the LSTM on the training movies, the validation movies choosing the epoch (resumable)."""
    dev, split, task = prepared.dev, prepared.split, config.task

    def report(row: dict[str, float]) -> None:
        if verbose:
            print("  ".join(f"{k}={v:.4g}" for k, v in row.items()), flush=True)

    validation = WindowTruth(
        dev.truth(split.val, task), {m: dev.window_starts(m) for m in split.val}, dev.grid
    )
    return fit(
        x.train, dev.targets(split.train, task), x.val, dev.targets(split.val, task), config, validation,
        FitOutputs.into(out, resume, report),
    )  # fmt: skip


def _predict(
    prepared: Prepared, x: _Scaled, result: FitResult, config: TrainConfig
) -> tuple[dict[str, Any], float]:
    """Window predictions of the LSTM and the two baselines on the test movies, and the ridge's strength."""
    dev, split, task = prepared.dev, prepared.split, config.task
    starts = {m: prepared.test.window_starts(m) for m in split.test}
    ridge_steps, alpha = linear_steps(
        task, x.train, dev.targets(split.train, task), x.val, dev.targets(split.val, task), x.test
    )
    preds = {
        "lstm": window_predictions(
            predict_steps(result.model, x.test, config), starts, task, prepared.test.grid
        ),
        "constant": constant_windows(dev.truth(split.train, task), {m: len(s) for m, s in starts.items()}),
        "ridge": window_predictions(ridge_steps, starts, task, prepared.test.grid),
    }
    return preds, alpha


def _truth_sequences(movies: MovieSet, names: Sequence[str]) -> dict[str, np.ndarray]:
    """The annotated fear sequences of some movies (``(n, 2)`` seconds), from their rows if need be."""
    out = {}
    for m in names:
        if m in movies.fear_sequences:
            out[m] = movies.fear_sequences[m][["start", "end"]].to_numpy(dtype=np.float64)
        else:
            out[m] = sequences_from_flags(
                movies.annotations[m]["fear"], movies.window_starts(m), movies.grid.row
            )
    return out


def _validation_fear(
    prepared: Prepared, x: _Scaled, result: FitResult, config: TrainConfig
) -> dict[str, Any]:
    """Every predictor's fear probabilities on the validation movies' rows (to choose its IoU threshold)."""
    dev, split = prepared.dev, prepared.split
    starts = {m: dev.window_starts(m) for m in split.val}
    ridge_steps, _ = linear_steps(
        "fear", x.train, dev.targets(split.train, "fear"), x.val, dev.targets(split.val, "fear"), x.val
    )
    return {
        "lstm": window_predictions(predict_steps(result.model, x.val, config), starts, "fear", dev.grid),
        "constant": constant_windows(dev.truth(split.train, "fear"), {m: len(v) for m, v in starts.items()}),
        "ridge": window_predictions(ridge_steps, starts, "fear", dev.grid),
    }


def per_second_scores(
    prepared: Prepared, x: _Scaled, result: FitResult, config: TrainConfig, preds: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, np.ndarray] | None]:
    """The MediaEval 2018 scores of a run on per-second annotations, beside the per-movie means.

    Valence and arousal: MSE and Pearson r over every second of the test movies together, as the 2018 task
    scored a run (``pooled``). Fear: each predictor's seconds whose probability reaches a threshold, chosen
    for that predictor on the validation movies (the highest pooled IoU there), make its fear sequences,
    scored by their intersection over union with the annotated sequences: pooled over the test movies
    (seconds in both over seconds in either) and the mean of the movies' IoUs (``fear_iou``).

    Returns
    -------
    section, sequences
        ``{"pooled": ...}`` or ``{"fear_iou": ...}``; and the LSTM's predicted fear sequences by movie (for
        the run file), ``None`` for valence and arousal.
    """
    split, test, task = prepared.split, prepared.test, config.task
    if task == "va":
        truth = test.truth(split.test, "va")
        return {"pooled": {name: pooled_va_scores(truth, p) for name, p in preds.items()}}, None
    val = _validation_fear(prepared, x, result, config)
    val_truth = _truth_sequences(prepared.dev, split.val)
    val_starts = {m: prepared.dev.window_starts(m) for m in split.val}
    starts = {m: test.window_starts(m) for m in split.test}
    truth = _truth_sequences(test, split.test) if test.has_fear else None
    section: dict[str, Any] = {}
    sequences: dict[str, np.ndarray] = {}
    for name, p in preds.items():
        threshold = choose_iou_threshold(val_truth, val[name], val_starts)
        predicted = {
            m: sequences_from_flags(np.asarray(p[m]) >= threshold, starts[m], test.grid.row) for m in starts
        }
        entry: dict[str, Any] = {"threshold": threshold}
        if truth is not None:
            table = fear_iou_scores(truth, predicted)
            ious = table["iou"].to_numpy(dtype=np.float64)
            entry.update(
                iou=pooled_iou(table),
                iou_mean=float(np.nanmean(ious)) if np.isfinite(ious).any() else float("nan"),
                per_movie=table.reset_index().to_dict(orient="records"),
            )
        section[name] = entry
        sequences = predicted if name == "lstm" else sequences
    return {"fear_iou": section}, sequences


def _write_runs(out: Path, prepared: Prepared, task: str, lstm: Mapping[str, Any], sequences: Any) -> None:
    """The LSTM's run file in its edition's format (2017: per window; 2018: every second, fear sequences)."""
    from emolib.datasets.mediaeval import write_fear_run_2018, write_run, write_run_2018

    test = prepared.test
    if test.edition == 2018 and task == "va":
        tables = {
            m: pd.DataFrame({"time": test.window_starts(m), "valence": v[:, 0], "arousal": v[:, 1]})
            for m, v in ((m, np.asarray(lstm[m]).reshape(-1, 2)) for m in lstm)
        }
        write_run_2018(out / "run_2018_valence_arousal.txt", tables)
    elif test.edition == 2018:
        write_fear_run_2018(out / "run_2018_fear.txt", sequences)
    elif task == "va":
        write_run(out / "run_test.txt", lstm)
    else:
        write_fear_run(out / "run_test_fear.txt", lstm)


def run(
    prepared: Prepared, output_dir: str | Path, config: TrainConfig, verbose: bool = True, resume: bool = True
) -> FoldRun:
    """Train and score one task on a prepared split; write the outputs listed in the module docstring.

    Parameters
    ----------
    prepared
        Movies and split (:func:`prepare`).
    output_dir
        Folder of this run's outputs (created).
    config
        Task, model, optimiser, training mode, batch size (``batch_movies``) and precision
        (``mixed_precision``); recorded in ``metrics.json``.
    verbose
        Print one line per epoch.
    resume
        Keep a resume state in ``output_dir/resume`` while training and continue from it if present.
    """
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    split, test, task = prepared.split, prepared.test, config.task
    x = _Scaled.of(prepared, out)
    t0 = time.perf_counter()
    result = _train(prepared, x, out, config, verbose, resume)
    train_seconds = time.perf_counter() - t0
    preds, alpha = _predict(prepared, x, result, config)
    scored = task == "va" or test.has_fear
    per_movie: dict[str, pd.DataFrame] = {}
    if scored:
        truth = test.truth(split.test, task)
        scorer = va_scores if task == "va" else fear_scores
        per_movie = {name: scorer(truth, p) for name, p in preds.items()}
    per_second, sequences = (
        per_second_scores(prepared, x, result, config, preds) if test.edition == 2018 else ({}, None)
    )
    _write_runs(out, prepared, task, preds["lstm"], sequences)
    table = prediction_table(task, test, split.test, preds, with_truth=scored)
    write_text(out / "predictions.csv", table.to_csv(index=False))
    scores = {name: mean_scores(t) for name, t in per_movie.items()}
    metrics: dict[str, Any] = {
        "kind": prepared.protocol.kind,
        "data_dir": str(Path(prepared.inputs.data_dir).resolve()),
        "task": task,
        "modality": prepared.inputs.modality,
        "extractors": prepared.inputs.extractors,
        **prepared.protocol.describe(prepared),
        "split": split.as_dict(),
        "config": asdict(config),
        "n_features": int(next(iter(x.train.values())).shape[1]),
        "scores": scores,
    }
    if prepared.is_fold:
        metrics["per_movie"] = {
            name: t.reset_index().to_dict(orient="records") for name, t in per_movie.items()
        }
    else:
        metrics["test_set"] = {
            **protocol_section(prepared.protocol.test_root(prepared), per_movie),
            **per_second,
        }
    if per_second:
        metrics["mediaeval2018"] = per_second
    metrics.update(
        best_epoch=result.best_epoch,
        epochs_run=len(result.history),
        seconds_per_epoch=result.seconds_per_epoch,
        train_seconds=train_seconds,
        ridge_alpha=alpha,
        history=result.history.to_dict(orient="list"),
    )
    if task == "fear":
        metrics["pos_weight"] = (
            class_weights(prepared.dev.targets(split.train, task))[1] if config.class_weight else 1.0
        )
    write_text(out / "metrics.json", json.dumps(_json_safe(metrics), indent=1))
    shutil.rmtree(out / "resume", ignore_errors=True)
    return FoldRun(split, prepared.dev, result, table, per_movie, metrics)


SHOWN_METRICS = {
    "va": ("mse_valence", "r_valence", "mse_arousal", "r_arousal"),
    "fear": ("map", "precision", "recall", "f1", "positive_rate"),
}
"""The scores of each task a chapter tabulates and quotes."""


def chapter_values(
    runs: Mapping[str, FoldRun], epochs: int, shown_movie: str | None = None
) -> dict[str, Any]:
    """The figures notebook 04 quotes about its runs, formatted, by ``glue`` key.

    Parameters
    ----------
    runs
        Task (``va``, ``fear``) to its run.
    epochs
        The epochs asked for.
    shown_movie
        The test movie drawn along time (default: the first test movie of the valence/arousal run).

    Returns
    -------
    dict
        ``epochs``; per task ``<task>_best_epoch``, ``<task>_sec_epoch`` and, when scored,
        ``<task>_<model>_<metric>`` (three decimals); ``va_epoch_note`` and ``va_movie``;
        ``fear_pos_weight``.
    """
    out: dict[str, Any] = {"epochs": epochs}
    for task, r in runs.items():
        out[f"{task}_best_epoch"] = r.fit.best_epoch
        out[f"{task}_sec_epoch"] = f"{r.fit.seconds_per_epoch:.2f}"
        scores = r.metrics["scores"]
        for model in MODELS if scores else ():
            for metric in SHOWN_METRICS[task]:
                out[f"{task}_{model}_{metric}"] = f"{scores[model][metric]:.3f}"
    if "va" in runs:
        va = runs["va"]
        out["va_epoch_note"] = (
            f"epoch {va.fit.best_epoch} of {epochs}, {va.fit.seconds_per_epoch:.2f} s per epoch"
        )
        out["va_movie"] = (shown_movie or va.fold.test[0]).replace("_", " ")
    if "fear" in runs and runs["fear"].metrics["scores"]:
        out["fear_pos_weight"] = f"{runs['fear'].metrics.get('pos_weight', 1.0):.1f}"
    return out
