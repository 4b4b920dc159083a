"""Fitting helpers of Study B: batches of frames, per-epoch logs, atomic checkpoints and JSON.

Everything a run writes goes through :mod:`emolib.core.atomic`: a reader (the evaluation notebook, a
re-run) never sees a half-written log, model or metrics file.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from emolib.core.atomic import atomic_path, write_text
from emolib.studyb.frames import to_unit_float

__all__ = [
    "EpochLog",
    "FitOptions",
    "FrameBatches",
    "HeldOutScores",
    "Snapshots",
    "fit",
    "load_model",
    "predict",
    "save_model",
    "write_json",
]


def write_json(path: str | Path, obj: Any) -> Path:
    """Write ``obj`` as indented JSON, atomically (NaN written as null)."""

    def clean(x: Any) -> Any:
        if isinstance(x, dict):
            return {str(k): clean(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [clean(v) for v in x]
        if isinstance(x, np.generic):
            x = x.item()
        if isinstance(x, float) and not math.isfinite(x):
            return None
        return x

    return write_text(path, json.dumps(clean(obj), indent=2, default=str))


def save_model(model: keras.Model, path: str | Path) -> Path:
    """Save a model in the ``.keras`` format, atomically."""
    with atomic_path(path) as tmp:
        staged = tmp.with_name(tmp.name + ".keras")
        try:
            model.save(staged)
            os.replace(staged, tmp)
        finally:
            if staged.exists():
                staged.unlink()
    return Path(path)


def load_model(path: str | Path) -> keras.Model:
    """Load a ``.keras`` model for inference, in safe mode (no arbitrary code, no pickles).

    Not compiled: the optimizer's saved state is not needed to predict or to take gradients, and
    restoring it into a fresh optimizer only warns that its variables do not match.
    """
    return keras.saving.load_model(Path(path), safe_mode=True, compile=False)


class FrameBatches(keras.utils.PyDataset):
    """Batches of frame sequences scaled to [0, 1] on the fly, from a uint8 array and row indices.

    Parameters
    ----------
    frames
        uint8 ``(sequences, 30, 36, 64, 3)``; only the rows of a batch are converted to float.
    rows
        Row of each sample into ``frames`` (samples may share a row, e.g. screenings).
    targets
        ``(samples, ...)`` targets, or ``None``: the input itself (autoencoder), or no target
        when ``predict_only``.
    batch_size
        Samples per batch.
    predict_only
        Yield inputs only (for ``model.predict``).
    """

    def __init__(
        self,
        frames: NDArray[np.uint8],
        rows: NDArray[np.int64],
        targets: NDArray | None = None,
        batch_size: int = 8,
        predict_only: bool = False,
    ) -> None:
        super().__init__()
        self.frames, self.rows = frames, np.asarray(rows, dtype=np.int64)
        self.targets, self.batch_size, self.predict_only = targets, int(batch_size), predict_only

    def __len__(self) -> int:
        return math.ceil(len(self.rows) / self.batch_size)

    def __getitem__(self, index: int) -> Any:
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        x = to_unit_float(self.frames[self.rows[part]])
        if self.predict_only:
            return (x,)
        y = x if self.targets is None else np.asarray(self.targets[part], dtype=np.float32)
        return x, y


def predict(model: keras.Model, x: NDArray | FrameBatches, batch_size: int = 256) -> NDArray[np.float64]:
    """Model outputs in inference mode, as float64.

    Arrays go through ``predict_on_batch`` in chunks: the compiled inference step, without the
    per-call bookkeeping of ``predict`` and four times faster than calling the model eagerly, which
    matters when a small network is scored on its validation rows after each of hundreds of epochs.
    """
    if isinstance(x, np.ndarray):
        parts = [
            keras.ops.convert_to_numpy(model.predict_on_batch(x[i : i + batch_size]))
            for i in range(0, len(x), batch_size)
        ]
        return np.concatenate(parts).astype(np.float64) if parts else np.zeros((0, *model.output_shape[1:]))
    return np.asarray(model.predict(x, verbose=0), dtype=np.float64)


class HeldOutScores(keras.callbacks.Callback):
    """After every epoch, score the model on named held-out parts and add ``<part>_<metric>`` to the logs.

    Parameters
    ----------
    parts
        Name (``val``, ``test``) to (inputs, targets).
    score
        ``score(targets, predictions) -> float``.
    metric
        Name of the score in the logs (e.g. ``f1``, ``mae``).
    """

    def __init__(
        self,
        parts: dict[str, tuple[Any, NDArray]],
        score: Callable[[NDArray, NDArray], float],
        metric: str,
        every: int = 1,
    ) -> None:
        super().__init__()
        self.parts, self.score, self.metric, self.every = parts, score, metric, max(1, int(every))

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        last = epoch + 1 == self.params.get("epochs")
        if logs is None or ((epoch + 1) % self.every and epoch and not last):
            return
        for name, (x, y) in self.parts.items():
            if len(y):
                logs[f"{name}_{self.metric}"] = float(self.score(y, predict(self.model, x)))


class EpochLog(keras.callbacks.Callback):
    """Keep every epoch's logs and rewrite ``path`` (CSV) atomically as training goes.

    The file is rewritten after the first epoch, then at most every ``every_s`` seconds, and once more by
    :meth:`flush` when training ends: a small network trained for hundreds of epochs of a few
    milliseconds would otherwise spend longer rewriting its log than training (one atomic rewrite of the
    whole table per epoch). A long run's log is never more than ``every_s`` seconds behind.
    """

    def __init__(self, path: str | Path | None, every_s: float = 10.0) -> None:
        super().__init__()
        self.path = None if path is None else Path(path)
        self.rows: list[dict[str, float]] = []
        self.every_s = float(every_s)
        self._written = -math.inf
        self._pending = False

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.rows.append({"epoch": epoch + 1, **{k: float(v) for k, v in (logs or {}).items()}})
        self._pending = True
        if self.path is not None and time.monotonic() - self._written >= self.every_s:
            self.flush()

    def flush(self) -> None:
        """Write the logs so far to ``path`` now (nothing without a path or a new epoch)."""
        if self.path is not None and self._pending:
            write_text(self.path, self.table().to_csv(index=False))
            self._written, self._pending = time.monotonic(), False

    def table(self) -> pd.DataFrame:
        """The logs so far, one row per epoch."""
        return pd.DataFrame(self.rows)


class Snapshots(keras.callbacks.Callback):
    """Keep the model's outputs on fixed inputs after chosen epochs (1-based), e.g. reconstructions."""

    def __init__(self, x: NDArray, epochs: Sequence[int]) -> None:
        super().__init__()
        self.x, self.epochs = x, set(int(e) for e in epochs)
        self.outputs: dict[int, NDArray[np.float32]] = {}

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if epoch + 1 in self.epochs:
            self.outputs[epoch + 1] = np.asarray(self.model.predict(self.x, verbose=0), dtype=np.float32)


@dataclass(frozen=True)
class FitOptions:
    """How :func:`fit` trains, besides the data and the epochs.

    Attributes
    ----------
    batch_size
        For arrays (``None``: 32).
    shuffle
        Shuffle array samples every epoch (frame batches keep their order: the paper did not
        shuffle sequences).
    restore_best
        End with the weights of the epoch of lowest validation loss (model selection on the
        validation part only; the test part is never used). For arrays the epoch kept is in the
        returned table's ``attrs["best_epoch"]``.
    seed
        Seed of the shuffling of array samples.
    keep_start
        Arrays with ``restore_best``: the starting weights are a candidate too (epoch 0), for a model
        that starts as a baseline (e.g. the ``pooled`` head): if no epoch beats it on validation,
        the baseline is what comes back.
    select
        Arrays only: ``select(y_val, predictions) -> float``, a validation score (higher is better,
        e.g. the macro AUC) logged as ``val_score`` and used by ``restore_best`` in place of the
        validation loss (ties: the earlier epoch). A score that cannot be computed (NaN) never wins.
    patience
        Arrays with a validation part and ``restore_best``: stop once this many epochs have passed
        without a better validation loss (or ``select`` score); ``None``: run every epoch.
    """

    batch_size: int | None = None
    shuffle: bool = True
    restore_best: bool = False
    seed: int = 0
    keep_start: bool = False
    select: Callable[[NDArray, NDArray], float] | None = None
    patience: int | None = None


def _array_fit(
    model: keras.Model,
    train: tuple[NDArray, NDArray],
    validation: tuple[NDArray, NDArray] | None,
    epochs: int,
    callbacks: Sequence[keras.callbacks.Callback],
    options: FitOptions,
) -> int | None:
    """A lean epoch loop over in-memory arrays with ``train_on_batch``.

    ``Model.fit`` spends about 0.1-0.3 s of bookkeeping per epoch, which dominates when a small
    network runs the paper's 1000 epochs on a few hundred samples; this loop does the same
    updates (shuffled mini-batches) and calls the same callbacks' ``on_epoch_end``.

    Returns the epoch whose weights were kept with ``restore_best`` (0: the starting weights, a
    candidate with ``keep_start``), or ``None`` without it. The options: see :class:`FitOptions`.
    """
    x, y = train
    select, patience, restore_best = options.select, options.patience, options.restore_best
    batch_size = options.batch_size or 32
    loss_fn = keras.losses.get(model.loss)
    rng = np.random.default_rng(options.seed)
    for cb in callbacks:
        cb.set_model(model)
        cb.set_params({"epochs": int(epochs), "verbose": 0})
    has_val = validation is not None and len(validation[1]) > 0

    def val_logs() -> dict[str, float]:
        val = predict(model, validation[0])
        logs = {"val_loss": float(keras.ops.convert_to_numpy(keras.ops.mean(loss_fn(validation[1], val))))}
        if select is not None:
            logs["val_score"] = float(select(validation[1], val))
        return logs

    def badness(logs: dict[str, float]) -> float:  # lower is better: the loss, or minus the score
        value = -logs["val_score"] if select is not None else logs["val_loss"]
        return value if np.isfinite(value) else np.inf

    best, best_epoch, best_weights = np.inf, None, None
    if restore_best and options.keep_start and has_val:  # the starting point is a candidate (epoch 0)
        best, best_epoch, best_weights = badness(val_logs()), 0, [w.copy() for w in model.get_weights()]
    for epoch in range(int(epochs)):
        order = rng.permutation(len(x)) if options.shuffle else np.arange(len(x))
        losses, sizes = [], []
        for start in range(0, len(x), batch_size):
            idx = order[start : start + batch_size]
            out = model.train_on_batch(x[idx], y[idx], return_dict=True)
            losses.append(float(out["loss"]))
            sizes.append(len(idx))
        logs = {"loss": float(np.average(losses, weights=sizes))}
        if has_val:
            logs.update(val_logs())
            if restore_best and (best_epoch is None or badness(logs) < best):
                best, best_epoch = badness(logs), epoch + 1
                best_weights = [w.copy() for w in model.get_weights()]
        for cb in callbacks:
            cb.on_epoch_end(epoch, logs)
        if patience is not None and has_val and best_epoch is not None and epoch + 1 - best_epoch >= patience:
            break
    if best_weights is not None:
        model.set_weights(best_weights)
    return best_epoch


def fit(
    model: keras.Model,
    train: Any,
    validation: Any | None,
    epochs: int,
    log_path: str | Path | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    options: FitOptions | None = None,
) -> pd.DataFrame:
    """Fit ``model`` and return its per-epoch logs (also written to ``log_path`` as CSV).

    Parameters
    ----------
    model
        A compiled model.
    train
        ``(x, y)`` arrays or a :class:`FrameBatches`.
    validation
        Same for the validation part, or ``None``.
    epochs
        Epochs to train.
    log_path
        CSV of the per-epoch logs, rewritten atomically after every epoch.
    callbacks
        Extra callbacks; they run before the log is written, so what they add is logged.
    options
        Batch size, shuffling, model selection, seed (:class:`FitOptions`; default: its defaults).

    Returns
    -------
    pandas.DataFrame
        One row per epoch: ``loss``, ``val_loss`` and whatever the callbacks added.
    """
    options = options or FitOptions()
    log = EpochLog(log_path)
    if not isinstance(train, keras.utils.PyDataset):
        kept = _array_fit(model, train, validation, epochs, [*callbacks, log], options)
        log.flush()
        table = log.table()
        table.attrs["best_epoch"] = kept
        return table
    extra = []
    has_val = validation is not None and len(
        validation.rows if isinstance(validation, FrameBatches) else validation[1]
    )
    if options.restore_best and has_val:
        extra.append(
            keras.callbacks.EarlyStopping("val_loss", patience=int(epochs), restore_best_weights=True)
        )
    kwargs: dict[str, Any] = {"epochs": int(epochs), "verbose": 0, "callbacks": [*callbacks, log, *extra]}
    if isinstance(train, keras.utils.PyDataset):
        kwargs["x"] = train
        if validation is not None and len(validation.rows):
            kwargs["validation_data"] = validation
    else:
        kwargs.update(x=train[0], y=train[1], batch_size=options.batch_size, shuffle=options.shuffle)
        if validation is not None and len(validation[1]):
            kwargs["validation_data"] = validation
    model.fit(**kwargs)
    log.flush()
    return log.table()
