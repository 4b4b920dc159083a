"""The experiments of notebook 05, end to end: split, fit, choose thresholds, score, compare.

Each function trains one model on one :class:`~emolib.studyb.dataset.Experiment`, writes its log
(CSV), checkpoint (``.keras``) and per-label or per-compound table (CSV) into ``output_dir``, and
returns a JSON-ready result in which the model and its baselines are scored on the *same* test
rows. Decision thresholds come from the validation rows only.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from emolib.smelloffear import VOC_NAMES
from emolib.studyb import metrics
from emolib.studyb.dataset import Experiment, Split, StudyBData, split_samples
from emolib.studyb.models import build_audio_mlp, build_autoencoder, build_label_head, build_voc_head
from emolib.studyb.training import FrameBatches, HeldOutScores, Snapshots, fit, predict, save_model

__all__ = ["autoencoder_samples", "run_experiment", "train_autoencoder"]


def autoencoder_samples(data: StudyBData) -> tuple[NDArray[np.uint8], pd.DataFrame]:
    """Frames of every labelled and unlabelled sequence, with ``film``, ``sequence``, ``n_film``."""
    frames = [data.frames] if data.frames is not None else []
    metas = [data.sequences[["film", "sequence", "n_film"]]] if data.frames is not None else []
    for film, array in data.unlabelled.items():
        frames.append(array)
        metas.append(pd.DataFrame({"film": film, "sequence": np.arange(len(array)), "n_film": len(array)}))
    if not frames:
        raise ValueError("no movie frames were loaded: the autoencoder needs movies")
    return np.concatenate(frames), pd.concat(metas, ignore_index=True)


def train_autoencoder(
    data: StudyBData,
    batch_norm: bool,
    epochs: int,
    output_dir: str | Path,
    batch_size: int = 8,
    snapshot_epochs: tuple[int, ...] = (1, 10),
    seed: int = 0,
) -> dict[str, Any]:
    """Pre-train the autoencoder: first 80 % of every movie trains, last 20 % validates.

    Parameters
    ----------
    data
        Loaded with video.
    batch_norm
        With or without batch normalisation.
    epochs
        Epochs (the paper: 50).
    output_dir
        Gets ``autoencoder_{bn,nobn}.keras`` and ``autoencoder_{bn,nobn}_log.csv``.
    batch_size
        Sequences per batch.
    snapshot_epochs
        Epochs after which the reconstructions of one sequence per film are kept (the last epoch
        is always added).
    seed
        Random seed.

    Returns
    -------
    dict
        ``model``, ``history`` (DataFrame), ``snapshots`` (epoch to reconstructions), ``originals``
        (the sequences reconstructed, float), ``films`` (their films), ``sizes``, ``params``.
    """
    keras.utils.set_random_seed(seed)
    frames, meta = autoencoder_samples(data)
    split = split_samples(meta, "l20", val_fraction=0.0)
    # one sequence per film for Figure 11: the middle of the film's held-out tail, else its middle
    shown = [int(g.index[len(g) // 2]) for _, g in meta.groupby("film", sort=True)]
    originals = FrameBatches(frames, np.array(shown), predict_only=True, batch_size=len(shown))[0][0]
    tag = "bn" if batch_norm else "nobn"
    model = build_autoencoder(batch_norm=batch_norm)
    snaps = Snapshots(originals, sorted({*(e for e in snapshot_epochs if e <= epochs), epochs}))
    history = fit(
        model,
        FrameBatches(frames, split.train, batch_size=batch_size),
        FrameBatches(frames, split.test, batch_size=batch_size),
        epochs,
        log_path=Path(output_dir) / f"autoencoder_{tag}_log.csv",
        callbacks=[snaps],
    )
    save_model(model, Path(output_dir) / f"autoencoder_{tag}.keras")
    return {
        "model": model,
        "history": history,
        "snapshots": snaps.outputs,
        "originals": originals,
        "films": sorted(meta["film"].unique()),
        "sizes": {"train": len(split.train), "val": len(split.test)},
        "params": int(model.count_params()),
    }


def _label_scores(
    y: NDArray, scores: NDArray, thresholds: NDArray | float, names: list[str]
) -> dict[str, Any]:
    report = metrics.label_report(y, metrics.binarise(scores, thresholds), names)
    return {**metrics.summary(report), "auc": metrics.mean_auc(y, scores), "table": report}


def _same_time_mean(meta: pd.DataFrame, y: NDArray, split: Split) -> NDArray[np.float64]:
    """Mean training target at the same film and sequence (other screenings), else the training mean."""
    train = meta.iloc[split.train].assign(_i=np.arange(len(split.train)))
    means = (
        pd.DataFrame(y[split.train], index=pd.MultiIndex.from_frame(train[["film", "sequence"]]))
        .groupby(level=[0, 1])
        .mean()
    )
    fallback = y[split.train].mean(axis=0)
    keys = pd.MultiIndex.from_frame(meta.iloc[split.test][["film", "sequence"]])
    found = means.reindex(keys).to_numpy(dtype=np.float64)
    return np.where(np.isnan(found), fallback, found)


def run_experiment(
    experiment: Experiment,
    data: StudyBData,
    output_dir: str | Path,
    epochs: int,
    fold: int = 0,
    encoder: keras.Model | None = None,
    batch_size: int = 8,
    head_units: int | None = None,
    bn_momentum: float = 0.99,
    restore_best: bool = True,
    seed: int = 0,
) -> dict[str, Any]:
    """Train and score one head or audio network beside its baselines.

    Parameters
    ----------
    experiment
        From :func:`~emolib.studyb.dataset.plan_experiments`.
    data
        The loaded data.
    output_dir
        Gets ``<name>.keras``, ``<name>_log.csv`` and ``<name>_table.csv``.
    epochs
        Epochs (the paper: 100 for the video heads, 1000 for the audio networks).
    fold
        Fold of ``oso``/``omo``.
    encoder
        The pre-trained encoder (video experiments); it is frozen.
    batch_size
        Samples per batch (audio networks use 32).
    head_units
        Width of the video head's hidden layer (default: the paper's 1024 for labels, 512 for VOCs).
    bn_momentum
        Momentum of the head's batch normalisation (see :func:`~emolib.studyb.models.build_label_head`).
    restore_best
        Keep the weights of the epoch with the lowest validation loss (chosen on validation only).
    seed
        Random seed.

    Returns
    -------
    dict
        JSON-ready except the ``history`` and ``table`` DataFrames (see notebook 05).
    """
    keras.utils.set_random_seed(seed)
    out = Path(output_dir)
    meta, rows, y = data.samples(experiment.target)
    split = split_samples(meta, experiment.split, fold)
    labels = experiment.target == "labels"
    names = list(data.kept) if labels else list(VOC_NAMES)
    inputs = data.inputs(experiment.features)
    y = y.astype(np.float32)

    if experiment.features == "audio":
        normaliser = keras.layers.Normalization(name="standardise")
        normaliser.adapt(inputs[rows[split.train]])
        model = build_audio_mlp(len(names), experiment.target, inputs.shape[1], normaliser)
        trained, features = model, inputs.astype(np.float32)
        batch = max(batch_size, 32)
    else:
        if encoder is None:
            raise ValueError("video experiments need the pre-trained encoder")
        build = build_label_head if labels else build_voc_head
        model = build(encoder, len(names), head_units or (1024 if labels else 512), bn_momentum=bn_momentum)
        # The encoder is frozen, so every sequence's code is computed once and only the dense
        # "top" is trained on it: the same model as training on frames, many times faster.
        trained = model.get_layer("top")
        features = predict(
            encoder, FrameBatches(inputs, np.arange(len(inputs)), batch_size=batch_size, predict_only=True)
        ).astype(np.float32)
        batch = batch_size

    def part(idx: NDArray[np.int64]) -> tuple[NDArray, NDArray]:
        return features[rows[idx]], y[idx]

    def weighted_f1(t: NDArray, s: NDArray) -> float:
        return metrics.summary(metrics.label_report(t, metrics.binarise(s), names))["f1"]

    def mae(t: NDArray, s: NDArray) -> float:
        return float(np.abs(t - s).mean())

    held = {k: part(idx) for k, idx in (("val", split.val), ("test", split.test))}
    tracker = HeldOutScores(
        held, weighted_f1 if labels else mae, "f1" if labels else "mae", every=max(1, epochs // 50)
    )
    history = fit(
        trained,
        part(split.train),
        held["val"] if len(split.val) else None,
        epochs,
        log_path=out / f"{experiment.name}_log.csv",
        callbacks=[tracker],
        batch_size=batch,
        restore_best=restore_best,
        seed=seed,
    )
    save_model(model, out / f"{experiment.name}.keras")

    s_val, s_test = predict(trained, held["val"][0]), predict(trained, held["test"][0])
    y_train, y_val, y_test = y[split.train], y[split.val], y[split.test]
    result: dict[str, Any] = {
        "experiment": asdict(experiment),
        "fold": fold,
        "epochs": int(epochs),
        "sizes": split.sizes(),
        "params": int(model.count_params()),
        "restore_best": bool(restore_best),
        "trainable_params": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
        "names": names,
        "history": history,
    }
    n = len(split.test)
    if labels:
        thresholds = metrics.choose_thresholds(y_val, s_val) if len(split.val) else np.full(len(names), 0.5)
        prev_val = metrics.prevalence_scores(y_train, len(split.val))
        prev_thr = metrics.choose_thresholds(y_val, prev_val) if len(split.val) else np.full(len(names), 0.5)
        scored = {
            "model@0.5": _label_scores(y_test, s_test, 0.5, names),
            "model@val": _label_scores(y_test, s_test, thresholds, names),
            "prevalence": _label_scores(y_test, metrics.prevalence_scores(y_train, n), prev_thr, names),
            "all on": _label_scores(y_test, metrics.all_on_scores(n, len(names)), 0.5, names),
        }
        table = pd.concat({k: v.pop("table") for k, v in scored.items()}, axis=1)
        result.update(
            thresholds=thresholds.tolist(), scores=scored, test_prevalence=y_test.mean(axis=0).tolist()
        )
    else:
        scored_mae = {
            "model": metrics.mae_report(y_test, s_test, names),
            "training mean": metrics.mae_report(y_test, metrics.training_mean(y_train, n), names),
        }
        if experiment.split == "oso":
            same = _same_time_mean(meta, y, split)
            scored_mae["other screenings, same time"] = metrics.mae_report(y_test, same, names)
        table = pd.DataFrame(scored_mae)
        scored = {
            k: {"mae": float(v["all"]), "per_compound": v.drop("all").to_dict()}
            for k, v in scored_mae.items()
        }
        result.update(scores=scored)
    table.to_csv(out / f"{experiment.name}_table.csv")
    result["table"] = table
    return result
