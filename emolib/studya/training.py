"""Training and prediction of the Study A LSTM in three modes.

``parallel`` (default)
    Stateful and movie-parallel: ``batch_movies`` rows each carry one movie's stream from chunk to
    chunk of ``chunk`` steps (truncated back-propagation through time), states reset when a movie
    ends (:mod:`emolib.studya.batching`).
``faithful``
    The thesis's setting: a stateful model of batch 1 fed one step per call, movie after movie,
    state reset between movies. Slow by construction; kept to measure against.
``stateless``
    Shuffled windows of ``chunk`` steps from every training movie, each from a zero state (the
    thesis's stateful-versus-stateless experiment, section 4.5).

The batches are cut in a background thread, up to two ahead of the network (:mod:`emolib.core.prefetch`),
in the same order and from the same random draws, so the results do not depend on it.

Predictions of the stateful modes stream every movie from its first step with a zero state, so
they are exactly those of the same network run over the whole movie at once; the stateless mode
predicts window by window, as it was trained. The best epoch (lowest validation loss) is kept.

Training resumes after a crash or a ``kill -9``: with ``resume_dir``, :func:`fit` saves at the end of
every epoch the training model's weights with its optimizer state, the best weights so far, the
history, the early-stopping counters and the state of the shuffling generator, and a new call with
the same configuration and data continues from the last saved epoch; with the same seed it ends
where an uninterrupted run ends. The files are written atomically and ``state.json``, written last,
names the weights it belongs to, so a run killed while saving resumes from the epoch before.

The weights are saved as ``.keras`` archives, whose HDF5 part Keras builds in memory: a full disk
then fails a plain file write, raised as :class:`~emolib.core.errors.StorageError` (the file, "no space
left on the device holding <folder>"), with the temporary file removed and the last complete epoch
kept for the next run, instead of an HDF5 file left open that crashes the process at exit
(``.weights.h5`` files are written by HDF5 directly).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from emolib.core.atomic import atomic_path, write_text
from emolib.core.precision import policy_name
from emolib.core.prefetch import prefetch
from emolib.media.alignment import STEPS_2017, Grid
from emolib.studya.batching import iter_chunks, scatter_predictions, window_batches
from emolib.studya.models import TASKS, Fitting, build_model, reset_rows
from emolib.studya.scoring import fear_scores, mean_scores, to_windows, va_scores

__all__ = [
    "MODES", "FitOutputs", "FitResult", "TrainConfig", "WindowTruth", "class_weights", "fit", "predict_steps",
    "save_model", "stream_model", "validation_score", "window_predictions",
]  # fmt: skip

MODES = ("parallel", "faithful", "stateless")
"""Training modes (see the module docstring)."""

Arrays = Mapping[str, NDArray[np.floating]]


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of one training run (see :func:`emolib.studya.models.build_model`)."""

    task: str = "va"
    mode: str = "parallel"
    units: int = 64
    dropout: float = 0.5
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    epochs: int = 20
    chunk: int = 32
    batch_movies: int = 8
    seed: int = 0
    fear_loss: str = "bce"
    class_weight: bool = True
    patience: int | None = None
    """Stop after this many epochs without a better validation loss (``None``: run every epoch)."""
    predict_chunk: int = 256
    mixed_precision: bool | str = False
    """Dtype policy of the models (:func:`emolib.core.precision.policy_name`): ``True`` for mixed float16."""

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}, got {self.task!r}")
        if self.epochs < 1 or self.chunk < 1 or self.batch_movies < 1 or self.units < 1:
            raise ValueError("epochs, chunk, batch_movies and units must be positive")
        policy_name(self.mixed_precision)  # raises for an unknown value


@dataclass
class FitResult:
    """What :func:`fit` returns.

    Attributes
    ----------
    model
        A stateless model with the best epoch's weights (runs over a whole movie at once).
    history
        One row per epoch: ``epoch``, ``loss``, ``val_loss``, the validation score
        (``val_r`` or ``val_map``), ``seconds``.
    best_epoch
        Epoch (from 1) whose weights were kept.
    """

    model: keras.Model
    history: pd.DataFrame
    best_epoch: int
    config: TrainConfig
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def seconds_per_epoch(self) -> float:
        """Median training seconds per epoch."""
        return float(self.history["seconds"].median())


def class_weights(targets: Arrays, cap: float = 50.0) -> tuple[dict[str, NDArray[np.float32]], float]:
    """Per-step loss weights balancing fear and no fear: ``1 + (w - 1) y``, ``w = negatives / positives``.

    Returns
    -------
    weights, w
        Movie name to ``(n_steps,)`` weights, and the positive weight (capped at ``cap``; 1 if there is
        no positive step).
    """
    y = np.concatenate([np.asarray(t, dtype=np.float64).ravel() for t in targets.values()])
    pos = float(y.sum())
    w = min(cap, (y.size - pos) / pos) if pos > 0 else 1.0
    w = max(w, 1.0)
    weights = {
        m: (1.0 + (w - 1.0) * np.asarray(t).reshape(-1)).astype(np.float32) for m, t in targets.items()
    }
    return weights, w


def _build(
    config: TrainConfig,
    n_features: int,
    stateful: bool,
    batch: int | None,
    chunk: int | None,
    compile: bool = True,
) -> keras.Model:
    """The run's model; ``compile=False`` for the copies that only predict (not seeded: no draw)."""
    fitting = Fitting(config.fear_loss, optimizer=config.optimizer, learning_rate=config.learning_rate,
                      mixed_precision=config.mixed_precision)  # fmt: skip
    return build_model(
        n_features, config.task, config.units, config.dropout, batch, chunk, stateful,
        seed=config.seed if compile else None, compile=compile, fitting=fitting,
    )  # fmt: skip


def _stream_predict(model: keras.Model, features: Arrays, chunk: int) -> dict[str, NDArray[np.float64]]:
    """Run a stateful model over the movies, resetting each row's state when its movie changes."""
    batch = int(model.inputs[0].shape[0])
    pairs = []
    with prefetch(iter_chunks(features, chunk, batch)) as chunks:
        for c in chunks:
            reset_rows(model, c.reset)
            pairs.append((c, keras.ops.convert_to_numpy(model.predict_on_batch(c.x))))
    return scatter_predictions(pairs, {m: f.shape[0] for m, f in features.items()})


def stream_model(config: TrainConfig, n_features: int, n_movies: int) -> keras.Model:
    """A stateful model that streams up to ``batch_movies`` of ``n_movies`` movies in parallel."""
    rows = max(1, min(config.batch_movies, n_movies))
    return _build(config, n_features, True, rows, config.predict_chunk, compile=False)


def predict_steps(
    model: keras.Model, features: Arrays, config: TrainConfig, stream: keras.Model | None = None
) -> dict[str, NDArray[np.float64]]:
    """Per-step predictions ``(n_steps, k)`` of every movie.

    Parameters
    ----------
    model
        A model of :func:`emolib.studya.models.build_model` (any batch size; its weights are used).
    features
        Movie name to standardised ``(n_steps, d)`` features.
    config
        The run's configuration. Stateful modes: a stateful copy of ``model`` streams up to
        ``batch_movies`` movies in parallel, each from a zero state. Stateless mode: every window of
        ``chunk`` steps from a zero state.
    stream
        A model of :func:`stream_model` to reuse (saves building one per call).
    """
    if not features:
        return {}
    d = int(next(iter(features.values())).shape[1])
    if config.mode == "stateless":
        pairs = [(c, keras.ops.convert_to_numpy(model.predict_on_batch(c.x)))
                 for c in iter_chunks(features, config.chunk, 1)]  # fmt: skip
        return scatter_predictions(pairs, {m: f.shape[0] for m, f in features.items()})
    stream = stream or stream_model(config, d, len(features))
    stream.set_weights(model.get_weights())
    return _stream_predict(stream, features, config.predict_chunk)


def _masked_loss(task: str, pred: Arrays, targets: Arrays) -> float:
    p = np.concatenate([np.asarray(pred[m]).reshape(-1) for m in targets])
    t = np.concatenate([np.asarray(targets[m]).reshape(-1) for m in targets])
    if task == "va":
        return float(np.mean((p - t) ** 2))
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)))


def window_predictions(
    step_pred: Mapping[str, NDArray[np.floating]],
    starts: Mapping[str, NDArray[np.floating]],
    task: str,
    grid: Grid = STEPS_2017,
) -> dict[str, NDArray[np.float64]]:
    """Step predictions averaged back to each movie's annotation rows of ``grid`` (windows, or seconds):
    ``(n, 2)`` for va, ``(n,)`` for fear."""
    out = {m: to_windows(step_pred[m], starts[m], grid) for m in step_pred}
    return out if task == "va" else {m: v.reshape(-1) for m, v in out.items()}


def validation_score(task: str, truth: Arrays, windows: Arrays) -> float:
    """Mean Pearson r over valence and arousal (va) or MAP (fear) on the validation movies."""
    if task == "va":
        s = mean_scores(va_scores(truth, windows))
        vals = [s["r_valence"], s["r_arousal"]]
        return float(np.nanmean(vals)) if np.isfinite(vals).any() else float("nan")
    return mean_scores(fear_scores(truth, windows))["map"]


def _save_atomic(path: str | Path, save: Callable[[Path], None], suffix: str) -> Path:
    """Run a Keras saver (which insists on a file name suffix) into a temporary file, then rename it."""
    with atomic_path(path) as part:
        tmp = part.with_name(part.name + suffix)
        try:
            save(tmp)
            tmp.replace(part)
        finally:
            tmp.unlink(missing_ok=True)
    return Path(path)


def save_model(model: keras.Model, path: str | Path) -> Path:
    """Save a Keras model atomically (``.keras`` format; load it with ``safe_mode=True``)."""
    return _save_atomic(path, model.save, ".keras")


def _seed_states(model: keras.Model) -> list[Any]:
    """The models' random seed generator states (dropout), which weight files do not hold."""
    return [v for v in model.non_trainable_variables if "seed_generator" in v.path]


class _Resume:
    """The resume state of :func:`fit` in a folder (see the module docstring)."""

    def __init__(self, folder: Path, config: TrainConfig, n_features: int) -> None:
        self.folder = folder
        self.key = {"config": asdict(config), "n_features": n_features}

    def load(self) -> dict[str, Any] | None:
        """The saved state if it belongs to this configuration and its weight files are there."""
        try:
            state = json.loads((self.folder / "state.json").read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(state, dict) or state.get("key") != json.loads(json.dumps(self.key)):
            return None
        files = [self.folder / state.get("weights", ""), self.folder / state.get("best", "")]
        return state if all(f.is_file() and f.name.endswith(".keras") for f in files) else None

    def save(self, model: keras.Model, best: keras.Model, state: dict[str, Any], improved: bool) -> None:
        epoch = int(state["epoch"])
        old = self.load()
        state["weights"] = f"epoch{epoch:04d}.keras"
        save_model(model, self.folder / state["weights"])
        if improved or old is None:
            state["best"] = f"best{epoch:04d}.keras"
            save_model(best, self.folder / state["best"])
        else:
            state["best"] = old["best"]
        seeds = [keras.ops.convert_to_numpy(v).tolist() for v in _seed_states(model)]
        write_text(self.folder / "state.json", json.dumps({**state, "seeds": seeds, "key": self.key}))
        for f in [*self.folder.glob("*.keras"), *self.folder.glob("*.weights.h5")]:  # older epochs, debris
            if f.name not in (state["weights"], state["best"]):
                f.unlink(missing_ok=True)


class _TensorBoard:
    """Scalar event files TensorBoard reads (``train/`` and ``validation/`` runs, ``epoch_<name>`` tags).

    Written with TensorFlow's own event writer, which does not need the ``tensorboard`` package
    (Keras's TensorBoard callback does). On another Keras backend TensorFlow is not imported (a
    PyTorch or JAX machine need not have it) and nothing is written: ``ImportError``.
    """

    def __init__(self, log_dir: Path) -> None:
        if keras.backend.backend() != "tensorflow":
            backend = keras.backend.backend()
            raise ImportError(f"TensorBoard files need the TensorFlow backend, not {backend!r}")
        from tensorflow.core.framework import summary_pb2
        from tensorflow.core.util import event_pb2
        from tensorflow.python.summary.writer.event_file_writer import EventFileWriter

        self._summary, self._event = summary_pb2, event_pb2
        self._writers = {run: EventFileWriter(str(log_dir / run)) for run in ("train", "validation")}

    def write(self, epoch: int, logs: Mapping[str, float]) -> None:
        for key, value in logs.items():
            run, tag = ("validation", key[4:]) if key.startswith("val_") else ("train", key)
            summary = self._summary.Summary(
                value=[self._summary.Summary.Value(tag=f"epoch_{tag}", simple_value=value)]
            )
            self._writers[run].add_event(
                self._event.Event(wall_time=time.time(), step=epoch, summary=summary)
            )
        for writer in self._writers.values():
            writer.flush()

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()


class _Logs:
    """CSV (atomic, rewritten each epoch) and TensorBoard logs of a run."""

    def __init__(self, csv_path: Path | None, tensorboard_dir: Path | None) -> None:
        self.csv_path = csv_path
        self.tb: _TensorBoard | None = None
        if tensorboard_dir is not None:
            try:
                self.tb = _TensorBoard(tensorboard_dir)
            except ImportError:  # another Keras backend without TensorFlow: CSV only
                self.tb = None

    def epoch(self, history: list[dict[str, float]]) -> None:
        row = history[-1]
        if self.csv_path is not None:
            write_text(self.csv_path, pd.DataFrame(history).to_csv(index=False))
        if self.tb is not None:
            logs = {k: float(v) for k, v in row.items() if k != "epoch" and math.isfinite(v)}
            self.tb.write(int(row["epoch"]), logs)

    def close(self) -> None:
        if self.tb is not None:
            self.tb.close()


def _train_epoch(
    model: keras.Model, config: TrainConfig, x: Arrays, y: Arrays, w: Arrays | None, rng: np.random.Generator
) -> float:
    """One epoch of training; returns the mean training loss (weighted by real steps)."""
    losses, counts = [], []
    if config.mode == "stateless":
        with prefetch(window_batches(x, y, config.chunk, config.batch_movies, rng, w)) as batches:
            for bx, by, bw in batches:
                losses.append(float(model.train_on_batch(bx, by, sample_weight=bw)))
                counts.append(float((bw > 0).sum()))
    else:
        chunk, rows = (
            (1, 1) if config.mode == "faithful" else (config.chunk, min(config.batch_movies, len(x)))
        )
        source = iter_chunks(x, chunk, rows, y, w, rng=None if config.mode == "faithful" else rng)
        with prefetch(source) as chunks:  # the generator draws from rng in the thread; joined on exit
            for c in chunks:
                reset_rows(model, c.reset)
                losses.append(float(model.train_on_batch(c.x, c.y, sample_weight=c.weight)))
                counts.append(float((c.weight > 0).sum()))
    return float(np.average(losses, weights=counts)) if losses else float("nan")


@dataclass(frozen=True)
class WindowTruth:
    """The annotated rows of the validation movies, for the task's own score after every epoch.

    Attributes
    ----------
    truth
        Movie to its annotated rows (``(n, 2)`` valence/arousal or ``(n,)`` fear).
    starts
        Movie to the rows' start times in seconds.
    grid
        Steps and rows (:class:`emolib.media.alignment.Grid`).
    """

    truth: Arrays
    starts: Arrays
    grid: Grid = STEPS_2017


@dataclass(frozen=True)
class FitOutputs:
    """Where :func:`fit` writes while it trains (each one skipped when ``None``).

    Attributes
    ----------
    csv_log, tensorboard_dir
        The per-epoch logs.
    checkpoint
        The best model (a stateless ``.keras`` file), saved atomically whenever it improves.
    resume_dir
        Folder of the resume state (see the module docstring): saved after every epoch, and resumed
        from when it holds the state of a run with the same configuration and feature count.
    on_epoch
        Called with each epoch's row of the history.
    """

    csv_log: str | Path | None = None
    tensorboard_dir: str | Path | None = None
    checkpoint: str | Path | None = None
    resume_dir: str | Path | None = None
    on_epoch: Callable[[dict[str, float]], None] | None = None

    @classmethod
    def into(
        cls,
        folder: str | Path,
        resume: bool = True,
        on_epoch: Callable[[dict[str, float]], None] | None = None,
    ) -> FitOutputs:
        """A run folder's outputs: ``history.csv``, ``tensorboard/``, ``best.keras`` and ``resume/``."""
        out = Path(folder)
        resume_dir = out / "resume" if resume else None
        return cls(out / "history.csv", out / "tensorboard", out / "best.keras", resume_dir, on_epoch)


def fit(
    train_x: Arrays,
    train_y: Arrays,
    val_x: Arrays,
    val_y: Arrays,
    config: TrainConfig,
    validation: WindowTruth | None = None,
    outputs: FitOutputs | None = None,
) -> FitResult:
    """Train one model and keep its best epoch.

    Parameters
    ----------
    train_x, train_y
        Movie name to standardised ``(n_steps, d)`` features and ``(n_steps, k)`` step targets.
    val_x, val_y
        The same for the validation movies (used for the validation loss and model selection).
    config
        Hyper-parameters and mode.
    validation
        The validation movies' annotated rows (:class:`WindowTruth`); when given, the history also holds
        the task's score on them (``val_r``: mean Pearson r of valence and arousal; ``val_map``: fear MAP).
    outputs
        Logs, checkpoint, resume state and per-epoch callback (:class:`FitOutputs`; default: none).

    Returns
    -------
    FitResult
    """
    outputs = outputs or FitOutputs()
    csv_log, tensorboard_dir, checkpoint = outputs.csv_log, outputs.tensorboard_dir, outputs.checkpoint
    resume_dir, on_epoch = outputs.resume_dir, outputs.on_epoch
    d = int(next(iter(train_x.values())).shape[1])
    weights = class_weights(train_y)[0] if config.task == "fear" and config.class_weight else None
    if config.mode == "parallel":
        model = _build(config, d, True, min(config.batch_movies, len(train_x)), config.chunk)
    elif config.mode == "faithful":
        model = _build(config, d, True, 1, 1)
    else:
        model = _build(config, d, False, None, None)
    best = _build(config, d, False, None, None, compile=False)  # stateless holder of the best weights
    stream = None if config.mode == "stateless" else stream_model(config, d, len(val_x))
    rng = np.random.default_rng(config.seed)
    logs = _Logs(Path(csv_log) if csv_log else None, Path(tensorboard_dir) if tensorboard_dir else None)
    score_name = "val_r" if config.task == "va" else "val_map"
    history: list[dict[str, float]] = []
    best_loss, best_epoch, stale, first, stopped = math.inf, 0, 0, 1, False
    resume = _Resume(Path(resume_dir), config, d) if resume_dir is not None else None
    state = resume.load() if resume is not None else None
    if resume is not None and state is not None:
        model.optimizer.build(model.trainable_variables)
        model.load_weights(resume.folder / state["weights"])
        best.load_weights(resume.folder / state["best"])
        for var, value in zip(_seed_states(model), state["seeds"], strict=True):
            var.assign(np.asarray(value, dtype=var.dtype))
        rng.bit_generator.state = state["rng"]
        history = list(state["history"])
        best_loss, best_epoch = float(state["best_loss"]), int(state["best_epoch"])
        stale = int(state["stale"])
        first, stopped = int(state["epoch"]) + 1, bool(state["stopped"])
    try:
        for epoch in range(first, 0 if stopped else config.epochs + 1):
            start = time.perf_counter()
            loss = _train_epoch(model, config, train_x, train_y, weights, rng)
            seconds = time.perf_counter() - start
            pred = predict_steps(model, val_x, config, stream)
            val_loss = _masked_loss(config.task, pred, val_y)
            row = {"epoch": float(epoch), "loss": loss, "val_loss": val_loss, "seconds": seconds}
            if validation is not None:
                rows = window_predictions(pred, validation.starts, config.task, validation.grid)
                row[score_name] = validation_score(config.task, validation.truth, rows)
            history.append(row)
            logs.epoch(history)
            if on_epoch is not None:
                on_epoch(row)
            improved = val_loss < best_loss
            if improved:
                best_loss, best_epoch, stale = val_loss, epoch, 0
                best.set_weights(model.get_weights())
                if checkpoint is not None:
                    save_model(best, checkpoint)
            else:
                stale += 1
            stopped = config.patience is not None and stale >= config.patience
            if resume is not None:
                state = {"epoch": epoch, "history": history, "best_loss": best_loss, "best_epoch": best_epoch,
                         "stale": stale, "stopped": stopped, "rng": rng.bit_generator.state}  # fmt: skip
                resume.save(model, best, state, improved)
            if stopped:
                break
    finally:
        logs.close()
    return FitResult(best, pd.DataFrame(history), best_epoch, config, {"config": asdict(config)})
