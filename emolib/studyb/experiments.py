"""The experiments of notebook 05, end to end: split, fit, choose thresholds, score, compare.

Each function trains one model on one :class:`~emolib.studyb.dataset.Experiment`, writes its log
(CSV), checkpoint (``.keras``) and per-label or per-compound table (CSV) into ``output_dir``, and
returns a JSON-ready result in which the model and its baselines are scored on the *same* test
rows. Decision thresholds, the epoch kept and the compounds' response lag come from the validation
rows only; the test rows are scored once, at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from emolib.core.atomic import write_text
from emolib.datasets.smelloffear import VOC_NAMES
from emolib.studyb import metrics
from emolib.studyb.baselines import label_baselines
from emolib.studyb.dataset import Experiment, Split, StudyBData, split_samples
from emolib.studyb.losses import LabelBalancedCrossentropy, balanced_label_weights
from emolib.studyb.models import (
    POOLED_VOC_L2,
    build_audio_mlp,
    build_autoencoder,
    build_label_head,
    build_voc_head,
    prevalence_logits,
)
from emolib.studyb.predictions import (
    MEMBER_PREFIX,
    PREDICTIONS_SUFFIX,
    TestPredictions,
    save_test_predictions,
)
from emolib.studyb.recipes import PAPER, LabelRecipe
from emolib.studyb.training import FrameBatches, HeldOutScores, Snapshots, fit, predict, save_model

__all__ = [
    "autoencoder_samples",
    "encode_sequences",
    "run_experiment",
    "summarise",
    "summary_text",
    "train_autoencoder",
]


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
    report["auc"] = [*metrics.label_aucs(y, scores), np.nan]  # the macro mean is "auc" of the scores
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


def encode_sequences(
    encoder: keras.Model, frames: NDArray[np.uint8], batch_size: int = 8
) -> NDArray[np.float32]:
    """The frozen encoder's code of every sequence, ``(sequences, 7, 9, 16, 64)`` float32.

    Compute it once and pass it to every video experiment (``codes`` of :func:`run_experiment`):
    the encoder is frozen, so the codes do not change from one head to the next.
    """
    batches = FrameBatches(frames, np.arange(len(frames)), batch_size=batch_size, predict_only=True)
    return predict(encoder, batches).astype(np.float32)


@dataclass
class _Fitted:
    """One trained model with what scoring it needs."""

    data: StudyBData
    model: keras.Model
    trained: keras.Model
    features: NDArray
    meta: pd.DataFrame
    rows: NDArray[np.int64]
    y: NDArray[np.float32]
    split: Split
    history: pd.DataFrame
    seed: int = 0
    members: list[keras.Model] = field(default_factory=list)
    """Further trained models whose scores are averaged with ``trained``'s (a seed ensemble)."""

    def part(self, idx: NDArray[np.int64]) -> tuple[NDArray, NDArray]:
        """Inputs and targets of some samples."""
        return self.features[self.rows[idx]], self.y[idx]

    def predict(self, idx: NDArray[np.int64]) -> NDArray[np.float64]:
        """Scores of some samples: the mean over ``trained`` and the ``members``."""
        return np.mean(self.member_scores(idx), axis=0)

    def member_scores(self, idx: NDArray[np.int64]) -> list[NDArray[np.float64]]:
        """Scores of some samples by each network of the ensemble, ``trained`` first."""
        x = self.part(idx)[0]
        return [predict(m, x) for m in (self.trained, *self.members)]


def _fit_one(
    experiment: Experiment,
    data: StudyBData,
    epochs: int,
    fold: int,
    features: NDArray,
    encoder: keras.Model | None,
    batch_size: int,
    head_units: int | None,
    bn_momentum: float,
    restore_best: bool,
    l2: float,
    seed: int,
    log_path: Path | None,
    head: str = "paper",
    dropout: float = 0.0,
    recipe: LabelRecipe = PAPER,
) -> _Fitted:
    """Build and train one model on one experiment's training part (validation part: model selection).

    ``recipe``: its loss, epoch selection and patience (its ``seeds`` are handled by
    :func:`_fit_ensemble`); :func:`run_experiment` passes the paper's for every experiment but the
    audio scene labels.
    """
    keras.utils.set_random_seed(seed)
    meta, rows, y = data.samples(experiment.target)
    split = split_samples(meta, experiment.split, fold)
    labels = experiment.target == "labels"
    names = list(data.kept) if labels else list(VOC_NAMES)
    y = y.astype(np.float32)
    if experiment.features == "audio":
        normaliser = keras.layers.Normalization(name="standardise")
        normaliser.adapt(features[rows[split.train]])
        loss = LabelBalancedCrossentropy(*balanced_label_weights(y[split.train])) if recipe.balanced else None
        n_in = features.shape[1]
        model = build_audio_mlp(len(names), experiment.target, n_in, normaliser, l2=l2, loss=loss)
        trained, batch = model, max(batch_size, 32)
    else:
        if encoder is None:
            raise ValueError("video experiments need the pre-trained encoder")
        build = build_label_head if labels else build_voc_head
        units = head_units or (1024 if labels else 512)
        extra = {}
        if head == "pooled":  # standardised on the training codes, starting from the baseline
            y_train = y[split.train]
            bias = prevalence_logits(y_train) if labels else y_train.mean(axis=0)
            extra = {"dropout": dropout, "train_codes": features[rows[split.train]], "output_bias": bias}
        model = build(encoder, len(names), units, bn_momentum=bn_momentum, l2=l2, head=head, **extra)
        # The encoder is frozen, so only the dense "top" is trained, on the pre-computed codes: the
        # same model as training on frames, many times faster.
        trained, batch = model.get_layer("top"), batch_size
    fitted = _Fitted(data, model, trained, features, meta, rows, y, split, pd.DataFrame(), seed)

    def weighted_f1(t: NDArray, s: NDArray) -> float:
        return metrics.summary(metrics.label_report(t, metrics.binarise(s), names))["f1"]

    def mae(t: NDArray, s: NDArray) -> float:
        return float(np.abs(t - s).mean())

    held = {k: fitted.part(idx) for k, idx in (("val", split.val), ("test", split.test))}
    tracker = HeldOutScores(
        held, weighted_f1 if labels else mae, "f1" if labels else "mae", every=max(1, epochs // 50)
    )
    fitted.history = fit(
        trained,
        fitted.part(split.train),
        held["val"] if len(split.val) else None,
        epochs,
        log_path=log_path,
        callbacks=[tracker],
        batch_size=batch,
        restore_best=restore_best,
        seed=seed,
        keep_start=experiment.features == "video" and head == "pooled",
        select=metrics.mean_auc if recipe.select == "auc" else None,
        patience=recipe.patience,
    )
    return fitted


def _fit_ensemble(recipe: LabelRecipe, seed: int, **kwargs: Any) -> _Fitted:
    """:func:`_fit_one` for seeds ``seed`` ... ``seed + recipe.seeds - 1``; the first holds the others.

    Only the first network writes its training log (``log_path``); the others are kept as
    ``members`` and their scores averaged (:meth:`_Fitted.predict`).
    """
    first = _fit_one(seed=seed, recipe=recipe, **kwargs)
    kwargs["log_path"] = None
    first.members = [_fit_one(seed=seed + k, recipe=recipe, **kwargs).trained for k in range(1, recipe.seeds)]
    return first


def _validation_skill(fitted: _Fitted) -> dict[str, float]:
    """How much better than the training mean a compound model does on its *validation* part.

    Returns
    -------
    dict
        ``val_mae`` (model), ``val_training_mean`` (the per-compound training mean) and
        ``val_skill`` = 1 - model / training mean (NaN without validation rows).
    """
    split = fitted.split
    if not len(split.val):
        return {"val_mae": float("nan"), "val_training_mean": float("nan"), "val_skill": float("nan")}
    x_val, y_val = fitted.part(split.val)
    model = float(np.abs(predict(fitted.trained, x_val) - y_val).mean())
    mean = float(np.abs(fitted.y[split.train].mean(axis=0) - y_val).mean())
    return {"val_mae": model, "val_training_mean": mean, "val_skill": 1.0 - model / mean if mean else 0.0}


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
    l2: float = 0.0,
    voc_lags: Sequence[int] | None = None,
    codes: NDArray | None = None,
    seed: int = 0,
    dropout: float = 0.0,
    pooled_voc_l2: float = POOLED_VOC_L2,
    recipe: LabelRecipe = PAPER,
    paper_beside: bool = True,
) -> dict[str, Any]:
    """Train and score one head or audio network beside its baselines.

    Parameters
    ----------
    experiment
        From :func:`~emolib.studyb.dataset.plan_experiments`.
    data
        The loaded data.
    output_dir
        Gets ``<name>.keras``, ``<name>_log.csv``, ``<name>_table.csv`` and ``<name>_test.npz``
        (the test rows' predictions, :mod:`~emolib.studyb.predictions`).
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
    l2
        Weight decay of the hidden layers (0: the paper's networks).
    voc_lags
        Compound experiments only: response lags (in sequences) to try. One model is trained per
        lag (see :meth:`~emolib.studyb.dataset.StudyBData.with_voc_lag`) and the one with the best
        validation skill, 1 - its MAE / the training mean's MAE on the validation part, is kept
        (ties: the smaller lag). ``None``: ``data.voc_lag`` only.
    codes
        Video experiments: the encoder's codes of every sequence (:func:`encode_sequences`), to
        skip computing them again.
    seed
        Random seed.
    dropout
        Dropout of the ``pooled`` head (the head is ``experiment.head``; empty means ``paper``).
    pooled_voc_l2
        Weight decay of the ``pooled`` compound head, in place of ``l2`` (ridge scale: see
        :data:`~emolib.studyb.models.POOLED_VOC_L2`).
    recipe
        The audio scene-label network's recipe (:mod:`~emolib.studyb.recipes`; ignored by the other
        experiments). Its ensemble's members are saved as ``<name>.keras`` (the first seed) and
        ``<name>_seed<k>.keras``.
    paper_beside
        Audio scene labels with a recipe other than the paper's: also train the paper's network
        (``<name>_paper.keras``, ``<name>_paper_log.csv``) and score it on the same rows as
        ``paper@0.5`` and ``paper@val``.

    Returns
    -------
    dict
        JSON-ready except the ``history`` and ``table`` DataFrames and the ``predictions`` on the
        test rows (:class:`~emolib.studyb.predictions.TestPredictions`; see notebook 05). The audio
        scene-label experiment also scores the learned baselines of
        :mod:`~emolib.studyb.baselines` (``logistic``, ``boosted trees``) on the same rows, and adds
        ``recipe`` and ``members`` (each network of an ensemble scored alone, also kept as the
        predictors ``"seed <k>"``: ``seed``, ``f1`` at its own validation thresholds, ``auc``). Compound
        experiments add ``voc_lag``, ``voc_detrend`` and ``lag_search`` (validation scores of
        every lag tried; the test part is scored for the kept lag only).
    """
    out = Path(output_dir)
    labels = experiment.target == "labels"
    head = experiment.head or "paper"
    if experiment.features == "video" and head == "pooled" and not labels:
        l2 = pooled_voc_l2
    if experiment.features == "audio":
        features = data.inputs("audio").astype(np.float32)
    elif codes is not None:
        features = np.asarray(codes, dtype=np.float32)
    elif encoder is None:
        raise ValueError("video experiments need the pre-trained encoder")
    else:
        features = encode_sequences(encoder, data.inputs("video"), batch_size)
    lags = [data.voc_lag] if labels or not voc_lags else sorted({int(lag) for lag in voc_lags})
    log_path = out / f"{experiment.name}_log.csv"
    audio_labels = labels and experiment.features == "audio"
    recipe = recipe if audio_labels else PAPER
    common = {
        "experiment": experiment, "epochs": epochs, "fold": fold, "features": features, "encoder": encoder,
        "batch_size": batch_size, "head_units": head_units, "bn_momentum": bn_momentum,
        "restore_best": restore_best, "l2": l2, "head": head, "dropout": dropout,
    }  # fmt: skip
    paper = None
    if audio_labels and paper_beside and recipe != PAPER:
        paper = _fit_one(data=data, seed=seed, log_path=out / f"{experiment.name}_paper_log.csv", **common)
        save_model(paper.trained, out / f"{experiment.name}_paper.keras")
    search, best, best_skill = [], None, -np.inf
    for lag in lags:
        candidate = _fit_ensemble(
            recipe,
            seed,
            data=data if labels else data.with_voc_lag(lag),
            log_path=log_path if len(lags) == 1 else None,
            **common,
        )
        if labels:
            best = candidate
            break
        skill = _validation_skill(candidate)
        search.append({"lag": lag, **candidate.split.sizes(), **skill})
        value = skill["val_skill"] if np.isfinite(skill["val_skill"]) else -np.inf
        if best is None or value > best_skill:
            best, best_skill = candidate, value
    assert best is not None
    if len(lags) > 1:
        write_text(log_path, best.history.to_csv(index=False))
    save_model(best.model, out / f"{experiment.name}.keras")
    for k, member in enumerate(best.members, start=1):
        save_model(member, out / f"{experiment.name}_seed{seed + k}.keras")
    result, table = _score(experiment, best, fold, epochs, restore_best, l2, recipe, paper)
    if experiment.features == "video":
        result.update(dropout=float(dropout) if head == "pooled" else 0.0)
    if not labels:
        result.update(voc_lag=best.data.voc_lag, voc_detrend=best.data.voc_detrend, lag_search=search)
    table.to_csv(out / f"{experiment.name}_table.csv")
    save_test_predictions(result["predictions"], out / f"{experiment.name}{PREDICTIONS_SUFFIX}")
    result["table"] = table
    return result


def _thresholds(recipe: LabelRecipe, y_val: NDArray, s_val: NDArray) -> NDArray[np.float64]:
    """Per-label thresholds chosen on validation by the recipe's rules (0.5 without validation rows)."""
    if not len(y_val):
        return np.full(y_val.shape[1], 0.5)
    return metrics.choose_thresholds(
        y_val, s_val, min_positives=recipe.min_positives, floor=recipe.threshold_floor
    )


def _member_predictors(
    recipe: LabelRecipe, fitted: _Fitted, y_val: NDArray
) -> dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """Each network of an ensemble alone: ``"seed <k>"`` to its test scores and its own thresholds."""
    split, out = fitted.split, {}
    pairs = zip(fitted.member_scores(split.val), fitted.member_scores(split.test), strict=True)
    for k, (val, test) in enumerate(pairs):
        out[f"{MEMBER_PREFIX}{fitted.seed + k}"] = (test, _thresholds(recipe, y_val, val))
    return out


def _score(
    experiment: Experiment,
    fitted: _Fitted,
    fold: int,
    epochs: int,
    restore_best: bool,
    l2: float,
    recipe: LabelRecipe = PAPER,
    paper: _Fitted | None = None,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Test scores of a trained model and of its baselines, on the same test rows."""
    split, y, model, data = fitted.split, fitted.y, fitted.model, fitted.data
    labels = experiment.target == "labels"
    names = list(data.kept) if labels else list(VOC_NAMES)
    s_val = fitted.predict(split.val)
    s_test = fitted.predict(split.test)
    y_train, y_val, y_test = y[split.train], y[split.val], y[split.test]
    result: dict[str, Any] = {
        "experiment": asdict(experiment),
        "fold": fold,
        "epochs": int(epochs),
        "sizes": split.sizes(),
        "params": int(model.count_params()),
        "restore_best": bool(restore_best),
        "l2": float(l2),
        "best_epoch": fitted.history.attrs.get("best_epoch"),
        "trainable_params": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
        "names": names,
        "history": fitted.history,
    }
    n = len(split.test)
    if labels:
        thresholds = _thresholds(recipe, y_val, s_val)
        prev_val = metrics.prevalence_scores(y_train, len(split.val))
        prev_thr = metrics.choose_thresholds(y_val, prev_val) if len(split.val) else np.full(len(names), 0.5)
        test_scores = {
            "model@0.5": (s_test, np.full(len(names), 0.5)),
            "model@val": (s_test, thresholds),
            "prevalence": (metrics.prevalence_scores(y_train, n), prev_thr),
            "all on": (metrics.all_on_scores(n, len(names)), np.full(len(names), 0.5)),
        }
        if paper is not None:  # the paper's network on the same rows
            p_val, p_test = paper.predict(split.val), paper.predict(split.test)
            test_scores["paper@0.5"] = (p_test, np.full(len(names), 0.5))
            test_scores["paper@val"] = (p_test, _thresholds(PAPER, y_val, p_val))
        if fitted.members:  # each network of the ensemble alone, for the spread over seeds
            test_scores.update(_member_predictors(recipe, fitted, y_val))
        if experiment.features == "audio":  # learned baselines on the same 193 features and rows
            x_train, x_val, x_test = (fitted.part(idx)[0] for idx in (split.train, split.val, split.test))
            for name, b in label_baselines(x_train, y_train, x_val, y_val, x_test, seed=fitted.seed).items():
                test_scores[name] = (b["test_scores"], b["thresholds"])
        scored = {k: _label_scores(y_test, s, t, names) for k, (s, t) in test_scores.items()}
        table = pd.concat({k: v.pop("table") for k, v in scored.items()}, axis=1)
        if experiment.features == "audio":
            members = [k for k in scored if k.startswith(MEMBER_PREFIX)]
            result.update(
                recipe=asdict(recipe),
                members=[
                    {
                        "seed": int(k.removeprefix(MEMBER_PREFIX)),
                        "f1": scored[k]["f1"],
                        "auc": scored[k]["auc"],
                    }
                    for k in members
                ],
            )
        result.update(
            thresholds=thresholds.tolist(),
            scores=scored,
            test_prevalence=y_test.mean(axis=0).tolist(),
            predictions=TestPredictions(
                units=fitted.meta["film"].to_numpy()[split.test],
                y=y_test.astype(np.int8),
                scores={k: np.asarray(s, dtype=np.float64) for k, (s, _) in test_scores.items()},
                decisions={k: metrics.binarise(s, t) for k, (s, t) in test_scores.items()},
                names=tuple(names),
            ),
        )
        return result, table
    predicted = {
        "model": np.asarray(s_test, dtype=np.float64),
        "training mean": metrics.training_mean(y_train, n),
        "training median": metrics.training_median(y_train, n),
    }
    if experiment.split == "oso":
        predicted["other screenings, same time"] = _same_time_mean(fitted.meta, y, split)
    scored_mae = {k: metrics.mae_report(y_test, v, names) for k, v in predicted.items()}
    table = pd.DataFrame(scored_mae)
    scored = {
        k: {"mae": float(v["all"]), "per_compound": v.drop("all").to_dict()} for k, v in scored_mae.items()
    }
    test_meta = fitted.meta.iloc[split.test]
    screenings = test_meta["film"].astype(str) + "/" + test_meta["screening"].astype(str)
    result.update(
        scores=scored,
        predictions=TestPredictions(
            units=screenings.to_numpy(),
            y=np.asarray(y_test, dtype=np.float64),
            scores={k: np.asarray(v, dtype=np.float64) for k, v in predicted.items()},
            names=tuple(names),
        ),
    )
    return result, table


def summarise(results: dict[str, dict[str, Any]], tolerance: float = 1e-6) -> pd.DataFrame:
    """One row per experiment: the model's test score beside its strongest baseline.

    Scene labels: the support-weighted F1 with thresholds chosen on validation (``model@val``)
    against the better of ``all on`` and ``prevalence``; compounds: the MAE against the better of
    the training mean and median.

    Parameters
    ----------
    results
        Experiment name to the result of :func:`run_experiment` (or its JSON form).
    tolerance
        A model beats its baseline only by more than this: a pooled head that kept its start
        predicts the training mean up to float32 rounding, which is no win.

    Returns
    -------
    pandas.DataFrame
        Index: experiment; columns ``features``, ``target``, ``head``, ``split``, ``metric``
        (``f1`` or ``mae``), ``model``, ``baseline`` (its score), ``baseline_name``, ``beats``
        (better than the baseline by more than ``tolerance``), ``best_epoch`` (kept on validation;
        0: the starting weights, for the pooled head the baseline itself).
    """
    rows = []
    for name, r in results.items():
        e, scores = r["experiment"], r["scores"]
        if e["target"] == "labels":
            metric, model = "f1", scores["model@val"]["f1"]
            base = max(("all on", "prevalence"), key=lambda k: scores[k]["f1"])
            better = model > scores[base]["f1"] + tolerance
        else:
            metric, model = "mae", scores["model"]["mae"]
            base = min(("training mean", "training median"), key=lambda k: scores[k]["mae"])
            better = model < scores[base]["mae"] - tolerance
        rows.append(
            {
                "experiment": name,
                "features": e["features"],
                "target": e["target"],
                "head": e.get("head", ""),
                "split": e["split"],
                "metric": metric,
                "model": float(model),
                "baseline": float(scores[base][metric]),
                "baseline_name": base,
                "beats": bool(better),
                "best_epoch": r.get("best_epoch"),
            }
        )
    columns = ["features", "target", "head", "split", "metric", "model", "baseline", "baseline_name"]
    return pd.DataFrame(rows, columns=["experiment", *columns, "beats", "best_epoch"]).set_index("experiment")


def summary_text(summary: pd.DataFrame) -> str:
    """:func:`summarise`'s table as one sentence for the book, e.g.

    ``video_labels (pooled head): weighted F1 0.561 against 0.536 (all on); ...``; an experiment
    not better than its baseline is marked ``not better``.
    """
    lines = []
    for name, row in summary.iterrows():
        head = f" ({row['head']} head)" if row["head"] else ""
        metric = "weighted F1" if row["metric"] == "f1" else "MAE"
        verdict = "" if row["beats"] else ", not better"
        lines.append(
            f"{name}{head}: {metric} {row['model']:.3f} against {row['baseline']:.3f} "
            f"({row['baseline_name']}{verdict})"
        )
    return "; ".join(lines) or "no experiment ran"
