"""Validation and test scores of the audio scene-label network's recipes (printed figures, nothing asserted).

How :data:`emolib.studyb.recipes.BALANCED` was chosen. For every recipe, every fold of ``l20`` and
``omo`` on a Smell of Fear folder (the synthetic sample by default) and ``--seeds`` seeds, one network
is trained as notebook 05 trains it (standardised on the training rows, weight decay ``--l2``,
``--epochs`` epochs) and scored on the fold's *validation* rows (what a choice may look at) and its
test rows (what the book reports), alone and as the ensemble of its seeds. The thresholds of every
recipe follow the balanced recipe's guard (3 positives, floor 0.1), so that only training differs.

Recipes: ``paper`` (plain cross-entropy, epoch of lowest validation loss), ``balanced`` (class-balanced
cross-entropy, same selection), ``balanced_auc`` (class-balanced, epoch of highest validation macro
AUC) and ``balanced_auc_p50`` (the same with a patience of 50 epochs). Selecting on the validation AUC
makes that recipe's validation AUC optimistic: compare the recipes on validation F1 and on the
epochs they kept.

Run ``python benchmarks/audio_recipes.py [--data data/sample] [--recipes paper,balanced]``; about 2 min
per recipe on two CPU cores for the tiny sample.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from emolib.datasets.layouts import locate  # noqa: E402
from emolib.studyb import metrics  # noqa: E402
from emolib.studyb.audio_splits import label_split_folds  # noqa: E402
from emolib.studyb.dataset import load_studyb, split_samples  # noqa: E402
from emolib.studyb.losses import LabelBalancedCrossentropy, balanced_label_weights  # noqa: E402
from emolib.studyb.models import build_audio_mlp  # noqa: E402
from emolib.studyb.recipes import BALANCED  # noqa: E402
from emolib.studyb.training import FitOptions, fit, predict  # noqa: E402

RECIPES = {
    "paper": {"balanced": False, "select": None, "patience": None},
    "balanced": {"balanced": True, "select": None, "patience": None},
    "balanced_auc": {"balanced": True, "select": "auc", "patience": None},
    "balanced_auc_p50": {"balanced": True, "select": "auc", "patience": 50},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "data" / "sample"))
    parser.add_argument("--recipes", default=",".join(RECIPES))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--l2", type=float, default=0.1)
    args = parser.parse_args()
    root = locate(args.data).smelloffear or Path(args.data)
    data = load_studyb(root, "audio")
    meta, rows, y = data.samples("labels")
    y = y.astype(np.float32)
    x = data.inputs("audio").astype(np.float32)
    names = list(data.kept)

    def thresholds(y_val: np.ndarray, s_val: np.ndarray) -> np.ndarray:
        floor = BALANCED.threshold_floor
        return metrics.choose_thresholds(y_val, s_val, min_positives=BALANCED.min_positives, floor=floor)

    def f1(t: np.ndarray, s: np.ndarray, thr: np.ndarray) -> float:
        return metrics.summary(metrics.label_report(t, metrics.binarise(s, thr), names))["f1"]

    def scored(
        kind: str, y_val: np.ndarray, y_test: np.ndarray, s_val: np.ndarray, s_test: np.ndarray
    ) -> dict:
        thr = thresholds(y_val, s_val)
        return {
            "kind": kind,
            "val_f1": f1(y_val, s_val, thr),
            "val_auc": metrics.mean_auc(y_val, s_val),
            "test_f1": f1(y_test, s_test, thr),
            "test_auc": metrics.mean_auc(y_test, s_test),
        }

    out = []
    for name in args.recipes.split(","):
        recipe, start = RECIPES[name], time.perf_counter()
        for split in ("l20", "omo"):
            for fold in label_split_folds(data, split):
                part = split_samples(meta, split, fold)
                (x_tr, y_tr), (x_val, y_val), (x_te, y_te) = (
                    (x[rows[idx]], y[idx]) for idx in (part.train, part.val, part.test)
                )
                val_scores, test_scores = [], []
                for seed in range(args.seeds):
                    keras.utils.set_random_seed(seed)
                    norm = keras.layers.Normalization()
                    norm.adapt(x_tr)
                    loss = (
                        LabelBalancedCrossentropy(*balanced_label_weights(y_tr))
                        if recipe["balanced"]
                        else None
                    )
                    model = build_audio_mlp(len(names), "labels", x.shape[1], norm, l2=args.l2, loss=loss)
                    options = FitOptions(
                        batch_size=32, restore_best=True, seed=seed, patience=recipe["patience"],
                        select=metrics.mean_auc if recipe["select"] else None,
                    )  # fmt: skip
                    history = fit(model, (x_tr, y_tr), (x_val, y_val), args.epochs, options=options)
                    val_scores.append(predict(model, x_val))
                    test_scores.append(predict(model, x_te))
                    row = scored("single", y_val, y_te, val_scores[-1], test_scores[-1])
                    kept = {"epochs_run": len(history), "epoch_kept": history.attrs["best_epoch"]}
                    out.append({"recipe": name, "split": split, "fold": fold, "seed": seed, **kept, **row})
                row = scored("ensemble", y_val, y_te, np.mean(val_scores, 0), np.mean(test_scores, 0))
                out.append({"recipe": name, "split": split, "fold": fold, "seed": -1, **row})
        print(f"{name}: {time.perf_counter() - start:.0f} s", flush=True)
    table = pd.DataFrame(out)
    columns = ["epochs_run", "epoch_kept", "val_f1", "val_auc", "test_f1", "test_auc"]
    summary = table.groupby(["recipe", "split", "kind"], sort=False)[columns].mean()
    print(
        f"\nmean over folds (and seeds for 'single'); {args.seeds} seeds, {args.epochs} epochs, l2 {args.l2}"
    )
    print(summary.round(3).to_string())


if __name__ == "__main__":
    main()
