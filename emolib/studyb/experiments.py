"""The experiments of notebook 05, end to end: split, fit, choose thresholds, score, compare.

Each function trains one model on one :class:`~emolib.studyb.dataset.Experiment`, writes its log
(CSV), checkpoint (``.keras``) and per-label or per-compound table (CSV) into ``output_dir``, and
returns a JSON-ready result in which the model and its baselines are scored on the *same* test
rows. Decision thresholds, the epoch kept and the compounds' response lag come from the validation
rows only; the test rows are scored once, at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
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
from emolib.studyb.dataset import Split, StudyBData, split_samples
from emolib.studyb.losses import LabelBalancedCrossentropy, balanced_label_weights
from emolib.studyb.models import (
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
from emolib.studyb.specs import ExperimentSpec
from emolib.studyb.training import (
    FitOptions,
    FrameBatches,
    HeldOutScores,
    Snapshots,
    fit,
    predict,
    save_model,
)

__all__ = [
    "autoencoder_samples",
    "encode_sequences",
    "run_experiment",
    "run_experiments",
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

    spec: ExperimentSpec
    data: StudyBData
    model: keras.Model
    trained: keras.Model
    features: NDArray
    meta: pd.DataFrame
    rows: NDArray[np.int64]
    y: NDArray[np.float32]
    split: Split
    history: pd.DataFrame
    members: list[keras.Model] = field(default_factory=list)
    """Further trained models whose scores are averaged with ``trained``'s (a seed ensemble)."""

    @property
    def names(self) -> list[str]:
        """The label or compound of every output."""
        return list(self.data.kept) if self.spec.labels else list(VOC_NAMES)

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


def _build(spec: ExperimentSpec, features: NDArray, encoder: keras.Model | None, fitted: _Fitted) -> None:
    """Build the network of ``spec`` into ``fitted`` (``model``, and ``trained``: what the epochs update)."""
    split, y_train, n = fitted.split, fitted.y[fitted.split.train], len(fitted.names)
    if spec.audio:
        normaliser = keras.layers.Normalization(name="standardise")
        normaliser.adapt(features[fitted.rows[split.train]])
        balanced = spec.recipe.balanced
        loss = LabelBalancedCrossentropy(*balanced_label_weights(y_train)) if balanced else None
        model = build_audio_mlp(
            n, spec.experiment.target, features.shape[1], normaliser, l2=spec.l2, loss=loss
        )
        fitted.model = fitted.trained = model
        return
    if encoder is None:
        raise ValueError(f"{spec.experiment.name}: video experiments need the pre-trained encoder")
    extra = {}
    if spec.pooled:  # standardised on the training codes, starting from the baseline
        bias = prevalence_logits(y_train) if spec.labels else y_train.mean(axis=0)
        extra = {
            "dropout": spec.dropout,
            "train_codes": features[fitted.rows[split.train]],
            "output_bias": bias,
        }
    build = build_label_head if spec.labels else build_voc_head
    fitted.model = build(
        encoder, n, spec.units, bn_momentum=spec.bn_momentum, l2=spec.l2, head=spec.head, **extra
    )
    # The encoder is frozen, so only the dense "top" is trained, on the pre-computed codes: the same
    # model as training on frames, many times faster.
    fitted.trained = fitted.model.get_layer("top")


def _fit_one(
    spec: ExperimentSpec,
    data: StudyBData,
    features: NDArray,
    encoder: keras.Model | None,
    log_path: Path | None,
) -> _Fitted:
    """Build and train one network of ``spec`` (seed ``spec.seed``) on the training part; the validation
    part selects the epoch (by the recipe's rule)."""
    keras.utils.set_random_seed(spec.seed)
    meta, rows, y = data.samples(spec.experiment.target)
    split = split_samples(meta, spec.experiment.split, spec.fold)
    fitted = _Fitted(
        spec, data, None, None, features, meta, rows, y.astype(np.float32), split, pd.DataFrame()
    )
    _build(spec, features, encoder, fitted)
    names = fitted.names

    def weighted_f1(t: NDArray, s: NDArray) -> float:
        return metrics.summary(metrics.label_report(t, metrics.binarise(s), names))["f1"]

    def mae(t: NDArray, s: NDArray) -> float:
        return float(np.abs(t - s).mean())

    held = {k: fitted.part(idx) for k, idx in (("val", split.val), ("test", split.test))}
    every = max(1, spec.epochs // 50)
    tracker = HeldOutScores(held, weighted_f1 if spec.labels else mae, "f1" if spec.labels else "mae", every)
    options = FitOptions(
        batch_size=max(spec.batch_size, 32) if spec.audio else spec.batch_size,
        restore_best=spec.restore_best,
        seed=spec.seed,
        keep_start=spec.pooled,
        select=metrics.mean_auc if spec.recipe.select == "auc" else None,
        patience=spec.recipe.patience,
    )
    validation = held["val"] if len(split.val) else None
    fitted.history = fit(
        fitted.trained, fitted.part(split.train), validation, spec.epochs, log_path, [tracker], options
    )
    return fitted


def _fit_ensemble(spec: ExperimentSpec, data: StudyBData, features: NDArray, encoder: keras.Model | None,
                  log_path: Path | None) -> _Fitted:  # fmt: skip
    """:func:`_fit_one` for seeds ``seed`` ... ``seed + recipe.seeds - 1``; the first holds the others.

    Only the first network writes its training log (``log_path``); the others are kept as
    ``members`` and their scores averaged (:meth:`_Fitted.predict`).
    """
    first = _fit_one(spec, data, features, encoder, log_path)
    first.members = [
        _fit_one(replace(spec, seed=spec.seed + k), data, features, encoder, None).trained
        for k in range(1, spec.recipe.seeds)
    ]
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


def _input_features(spec: ExperimentSpec, data: StudyBData, encoder: keras.Model | None,
                    codes: NDArray | None) -> NDArray:  # fmt: skip
    """The 193 audio features, or the frozen encoder's codes (computed when not given)."""
    if spec.audio:
        return data.inputs("audio").astype(np.float32)
    if codes is not None:
        return np.asarray(codes, dtype=np.float32)
    if encoder is None:
        raise ValueError(f"{spec.experiment.name}: video experiments need the pre-trained encoder")
    return encode_sequences(encoder, data.inputs("video"), spec.batch_size)


def _best_lag(spec: ExperimentSpec, data: StudyBData, features: NDArray, encoder: keras.Model | None,
              log_path: Path) -> tuple[_Fitted, list[dict[str, Any]]]:  # fmt: skip
    """Train one model per response lag of ``spec`` and keep the best on validation (ties: the smaller lag).

    Scene labels: one model, no search. Compounds without lags to try: the data's own lag.
    """
    if spec.labels:
        return _fit_ensemble(spec, data, features, encoder, log_path), []
    lags = spec.voc_lags or (data.voc_lag,)
    search, best, best_skill = [], None, -np.inf
    for lag in lags:
        logged = log_path if len(lags) == 1 else None
        candidate = _fit_ensemble(spec, data.with_voc_lag(lag), features, encoder, logged)
        skill = _validation_skill(candidate)
        search.append({"lag": lag, **candidate.split.sizes(), **skill})
        value = skill["val_skill"] if np.isfinite(skill["val_skill"]) else -np.inf
        if best is None or value > best_skill:
            best, best_skill = candidate, value
    if best is None:  # unreachable: there is always a lag to try
        raise ValueError(f"{spec.experiment.name}: no lag to try")
    if len(lags) > 1:
        write_text(log_path, best.history.to_csv(index=False))
    return best, search


def run_experiment(
    spec: ExperimentSpec,
    data: StudyBData,
    output_dir: str | Path,
    encoder: keras.Model | None = None,
    codes: NDArray | None = None,
) -> dict[str, Any]:
    """Train and score one head or audio network beside its baselines.

    Parameters
    ----------
    spec
        The experiment and how it is trained (:class:`~emolib.studyb.specs.ExperimentSpec`, from
        :meth:`~emolib.studyb.specs.Settings.spec`). Compounds with several ``voc_lags``: one model is
        trained per lag (see :meth:`~emolib.studyb.dataset.StudyBData.with_voc_lag`) and the one with
        the best validation skill, 1 - its MAE / the training mean's MAE on the validation part, is
        kept (ties: the smaller lag). An ensemble recipe's members are saved as ``<name>.keras`` (the
        first seed) and ``<name>_seed<k>.keras``; with ``paper_beside`` the paper's network is also
        trained (``<name>_paper.keras``, ``<name>_paper_log.csv``) and scored on the same rows as
        ``paper@0.5`` and ``paper@val``.
    data
        The loaded data.
    output_dir
        Gets ``<name>.keras``, ``<name>_log.csv``, ``<name>_table.csv`` and ``<name>_test.npz``
        (the test rows' predictions, :mod:`~emolib.studyb.predictions`).
    encoder
        The pre-trained encoder (video experiments); it is frozen.
    codes
        Video experiments: the encoder's codes of every sequence (:func:`encode_sequences`), to
        skip computing them again.

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
    out, name = Path(output_dir), spec.experiment.name
    features = _input_features(spec, data, encoder, codes)
    paper = None
    if spec.paper_beside:
        paper = _fit_one(spec.paper(), data, features, encoder, out / f"{name}_paper_log.csv")
        save_model(paper.trained, out / f"{name}_paper.keras")
    best, search = _best_lag(spec, data, features, encoder, out / f"{name}_log.csv")
    save_model(best.model, out / f"{name}.keras")
    for k, member in enumerate(best.members, start=1):
        save_model(member, out / f"{name}_seed{spec.seed + k}.keras")
    result = _common_result(best)
    table = _score_labels(best, paper, result) if spec.labels else _score_vocs(best, result)
    if not spec.audio:
        result.update(dropout=spec.dropout)
    if not spec.labels:
        result.update(voc_lag=best.data.voc_lag, voc_detrend=best.data.voc_detrend, lag_search=search)
    write_text(out / f"{name}_table.csv", table.to_csv())
    save_test_predictions(result["predictions"], out / f"{name}{PREDICTIONS_SUFFIX}")
    result["table"] = table
    return result


def run_experiments(
    specs: Sequence[ExperimentSpec],
    data: StudyBData,
    output_dir: str | Path,
    encoder: keras.Model | None = None,
    codes: NDArray | None = None,
) -> dict[str, dict[str, Any]]:
    """Run every experiment of notebook 05 in order (:func:`run_experiment`), by name.

    Video experiments are skipped without an ``encoder`` (no movies to pre-train it on). The response
    lag belongs to the audience and the instrument, not to the input: the first compound experiment
    chooses it on validation among its ``voc_lags``, the next ones reuse it.
    """
    results: dict[str, dict[str, Any]] = {}
    lag: int | None = None
    for spec in specs:
        if not spec.audio and encoder is None:
            continue
        chosen = spec.with_lags([lag]) if lag is not None and not spec.labels else spec
        results[spec.experiment.name] = run_experiment(chosen, data, output_dir, encoder, codes)
        if not spec.labels and lag is None:
            lag = int(results[spec.experiment.name]["voc_lag"])
    return results


def _thresholds(recipe: LabelRecipe, y_val: NDArray, s_val: NDArray) -> NDArray[np.float64]:
    """Per-label thresholds chosen on validation by the recipe's rules (0.5 without validation rows)."""
    if not len(y_val):
        return np.full(y_val.shape[1], 0.5)
    return metrics.choose_thresholds(
        y_val, s_val, min_positives=recipe.min_positives, floor=recipe.threshold_floor
    )


def _member_predictors(
    fitted: _Fitted, y_val: NDArray
) -> dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """Each network of an ensemble alone: ``"seed <k>"`` to its test scores and its own thresholds."""
    split, recipe, out = fitted.split, fitted.spec.recipe, {}
    pairs = zip(fitted.member_scores(split.val), fitted.member_scores(split.test), strict=True)
    for k, (val, test) in enumerate(pairs):
        out[f"{MEMBER_PREFIX}{fitted.spec.seed + k}"] = (test, _thresholds(recipe, y_val, val))
    return out


def _common_result(fitted: _Fitted) -> dict[str, Any]:
    """What every experiment reports: the spec's settings, the sizes, the parameters, the history."""
    spec, model = fitted.spec, fitted.model
    return {
        "experiment": asdict(spec.experiment),
        "fold": spec.fold,
        "epochs": int(spec.epochs),
        "sizes": fitted.split.sizes(),
        "params": int(model.count_params()),
        "restore_best": bool(spec.restore_best),
        "l2": float(spec.l2),
        "best_epoch": fitted.history.attrs.get("best_epoch"),
        "trainable_params": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
        "names": fitted.names,
        "history": fitted.history,
    }


def _label_predictors(fitted: _Fitted, paper: _Fitted | None) -> dict[str, tuple[NDArray, NDArray]]:
    """Every scene-label predictor's test scores and thresholds: the model at 0.5 and at its validation
    thresholds, the constant baselines, the paper's network, each ensemble member, the learned baselines."""
    spec, split, y, n = fitted.spec, fitted.split, fitted.y, len(fitted.split.test)
    y_train, y_val, n_labels = y[split.train], y[split.val], len(fitted.names)
    s_test = fitted.predict(split.test)
    prev_val = metrics.prevalence_scores(y_train, len(split.val))
    prev_thr = metrics.choose_thresholds(y_val, prev_val) if len(split.val) else np.full(n_labels, 0.5)
    predictors = {
        "model@0.5": (s_test, np.full(n_labels, 0.5)),
        "model@val": (s_test, _thresholds(spec.recipe, y_val, fitted.predict(split.val))),
        "prevalence": (metrics.prevalence_scores(y_train, n), prev_thr),
        "all on": (metrics.all_on_scores(n, n_labels), np.full(n_labels, 0.5)),
    }
    if paper is not None:  # the paper's network on the same rows
        p_test = paper.predict(split.test)
        predictors["paper@0.5"] = (p_test, np.full(n_labels, 0.5))
        predictors["paper@val"] = (p_test, _thresholds(PAPER, y_val, paper.predict(split.val)))
    if fitted.members:  # each network of the ensemble alone, for the spread over seeds
        predictors.update(_member_predictors(fitted, y_val))
    if spec.audio:  # learned baselines on the same 193 features and rows
        x_train, x_val, x_test = (fitted.part(idx)[0] for idx in (split.train, split.val, split.test))
        for name, b in label_baselines(x_train, y_train, x_val, y_val, x_test, seed=spec.seed).items():
            predictors[name] = (b["test_scores"], b["thresholds"])
    return predictors


def _score_labels(fitted: _Fitted, paper: _Fitted | None, result: dict[str, Any]) -> pd.DataFrame:
    """Score every scene-label predictor on the test rows into ``result``; the per-label table."""
    spec, names, y_test = fitted.spec, fitted.names, fitted.y[fitted.split.test]
    predictors = _label_predictors(fitted, paper)
    scored = {k: _label_scores(y_test, s, t, names) for k, (s, t) in predictors.items()}
    table = pd.concat({k: v.pop("table") for k, v in scored.items()}, axis=1)
    if spec.audio:
        members = [k for k in scored if k.startswith(MEMBER_PREFIX)]
        result.update(
            recipe=asdict(spec.recipe),
            members=[
                {"seed": int(k.removeprefix(MEMBER_PREFIX)), "f1": scored[k]["f1"], "auc": scored[k]["auc"]}
                for k in members
            ],
        )
    result.update(
        thresholds=predictors["model@val"][1].tolist(),
        scores=scored,
        test_prevalence=y_test.mean(axis=0).tolist(),
        predictions=TestPredictions(
            units=fitted.meta["film"].to_numpy()[fitted.split.test],
            y=y_test.astype(np.int8),
            scores={k: np.asarray(s, dtype=np.float64) for k, (s, _) in predictors.items()},
            decisions={k: metrics.binarise(s, t) for k, (s, t) in predictors.items()},
            names=tuple(names),
        ),
    )
    return table


def _score_vocs(fitted: _Fitted, result: dict[str, Any]) -> pd.DataFrame:
    """Score the compound model and its constant baselines on the test rows into ``result``; the table."""
    split, y, names = fitted.split, fitted.y, fitted.names
    y_train, y_test, n = y[split.train], y[split.test], len(split.test)
    predicted = {
        "model": np.asarray(fitted.predict(split.test), dtype=np.float64),
        "training mean": metrics.training_mean(y_train, n),
        "training median": metrics.training_median(y_train, n),
    }
    if fitted.spec.experiment.split == "oso":
        predicted["other screenings, same time"] = _same_time_mean(fitted.meta, y, split)
    scored_mae = {k: metrics.mae_report(y_test, v, names) for k, v in predicted.items()}
    test_meta = fitted.meta.iloc[split.test]
    screenings = test_meta["film"].astype(str) + "/" + test_meta["screening"].astype(str)
    result.update(
        scores={
            k: {"mae": float(v["all"]), "per_compound": v.drop("all").to_dict()}
            for k, v in scored_mae.items()
        },
        predictions=TestPredictions(
            units=screenings.to_numpy(),
            y=np.asarray(y_test, dtype=np.float64),
            scores={k: np.asarray(v, dtype=np.float64) for k, v in predicted.items()},
            names=tuple(names),
        ),
    )
    return pd.DataFrame(scored_mae)


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
