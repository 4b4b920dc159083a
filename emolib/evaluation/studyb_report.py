"""Notebook 05's tables, figures and ``metrics.json``, from the results of its experiments.

The notebook trains (:mod:`emolib.studyb.experiments`); this module turns what came back into what the
chapter shows and keeps: one row per experiment and predictor (:func:`scores_table`), the figures of
the autoencoder, the scene-label and the compound experiments, the sentence on the compounds, the
chapter's glued values (:func:`chapter_values`) and the run's ``metrics.json`` (:func:`run_metrics`),
which notebook 07 gathers again with :func:`gather_studyb`.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from emolib.studyb.specs import Settings

__all__ = [
    "autoencoder_section",
    "chapter_values",
    "gather_studyb",
    "lag_table",
    "plot_autoencoder_losses",
    "plot_label_curves",
    "plot_reconstructions",
    "plot_voc_curves",
    "run_metrics",
    "scores_table",
    "split_results",
    "voc_summary",
    "voc_table",
]


def split_results(results: Mapping[str, dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The scene-label experiments and the compound experiments, each in their order."""
    labels = {k: r for k, r in results.items() if r["experiment"]["target"] == "labels"}
    vocs = {k: r for k, r in results.items() if r["experiment"]["target"] == "vocs"}
    return labels, vocs


def scores_table(results: Mapping[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per experiment and predictor with its test scores (per-compound errors left out)."""
    rows = [
        {"experiment": name, "predictor": model, **{k: v for k, v in s.items() if k != "per_compound"}}
        for name, r in results.items()
        for model, s in r["scores"].items()
    ]
    return pd.DataFrame(rows)


def autoencoder_section(runs: Mapping[bool, dict[str, Any]], epochs: int) -> dict[str, Any]:
    """``metrics.json``'s entries of the autoencoders: ``autoencoder_bn`` / ``autoencoder_nobn``."""
    return {
        f"autoencoder_{'bn' if bn else 'nobn'}": {
            "epochs": epochs,
            "sizes": run["sizes"],
            "params": run["params"],
            "final_loss": float(run["history"]["loss"].iloc[-1]),
            "final_val_loss": float(run["history"]["val_loss"].iloc[-1]),
            "history": run["history"].to_dict("list"),
        }
        for bn, run in runs.items()
    }


def plot_autoencoder_losses(runs: Mapping[bool, dict[str, Any]]) -> plt.Figure:
    """Training and validation loss of each autoencoder (with and without batch normalisation)."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for bn, run in runs.items():
        h, label = run["history"], "batch norm" if bn else "no batch norm"
        color = "tab:blue" if bn else "tab:orange"
        ax.plot(h["epoch"], h["loss"], label=f"{label}, train", color=color)
        ax.plot(h["epoch"], h["val_loss"], ls="--", label=f"{label}, validation", color=color)
    ax.set(xlabel="epoch", ylabel="binary cross-entropy")
    ax.legend(fontsize=8)
    return fig


def plot_reconstructions(run: Mapping[str, Any]) -> plt.Figure:
    """The first frame of one sequence per film and its reconstruction at each kept epoch."""
    shown, films = sorted(run["snapshots"]), run["films"]
    fig, axes = plt.subplots(
        1 + len(shown), len(films), figsize=(2.2 * len(films), 1.4 * (1 + len(shown))), squeeze=False
    )
    for j, film in enumerate(films):
        axes[0, j].imshow(run["originals"][j, 0])
        axes[0, j].set_title(film, fontsize=8)
        for i, ep in enumerate(shown, start=1):
            axes[i, j].imshow(np.clip(run["snapshots"][ep][j, 0], 0, 1))
            axes[i, 0].set_ylabel(f"epoch {ep}", fontsize=8)
        axes[0, 0].set_ylabel("original", fontsize=8)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def plot_label_curves(label_runs: Mapping[str, dict[str, Any]]) -> plt.Figure:
    """Weighted F1 at 0.5 along training on the validation and test parts, beside the all-on predictor."""
    fig, axes = plt.subplots(1, len(label_runs), figsize=(5.5 * len(label_runs), 3.2), squeeze=False)
    for ax, (name, r) in zip(axes[0], label_runs.items(), strict=False):
        h = r["history"]
        for col, style in (("val_f1", "--"), ("test_f1", "-")):
            if col in h:
                d = h[["epoch", col]].dropna()
                ax.plot(d["epoch"], d[col], style, label=col.replace("_f1", ""))
        ax.axhline(r["scores"]["all on"]["f1"], color="grey", ls=":", label="all on (test)")
        ax.set(title=name, xlabel="epoch", ylabel="weighted F1 at 0.5", ylim=(0, 1))
        ax.legend(fontsize=8)
    return fig


def plot_voc_curves(voc_runs: Mapping[str, dict[str, Any]]) -> plt.Figure:
    """MAE of the scaled compounds along training on the validation and test parts, beside the mean."""
    fig, axes = plt.subplots(1, len(voc_runs), figsize=(5.5 * len(voc_runs), 3.2), squeeze=False)
    for ax, (name, r) in zip(axes[0], voc_runs.items(), strict=False):
        h = r["history"]
        ax.plot(h["epoch"], h["loss"], label="train (own loss)")
        for col, style in (("val_mae", "--"), ("test_mae", "-")):
            if col in h:
                d = h[["epoch", col]].dropna()
                ax.plot(d["epoch"], d[col], style, label=col.replace("_mae", ""))
        baseline = r["scores"]["training mean"]["mae"]
        ax.axhline(baseline, color="grey", ls=":", label="training mean (test)")
        # the first epochs' training loss (weight decay included) can be far above the errors
        ax.set(
            title=f"{name} ({r['experiment']['split']})", xlabel="epoch", ylabel="MAE", ylim=(0, 2 * baseline)
        )
        ax.legend(fontsize=8)
    return fig


def voc_table(voc_runs: Mapping[str, dict[str, Any]]) -> pd.DataFrame:
    """Per-compound test errors of every compound experiment, side by side."""
    return pd.concat({k: r["table"] for k, r in voc_runs.items()}, axis=1)


def lag_table(voc_runs: Mapping[str, dict[str, Any]]) -> pd.DataFrame:
    """Every lag tried by every compound experiment with its validation scores."""
    return pd.concat(
        {k: pd.DataFrame(r["lag_search"]).set_index("lag") for k, r in voc_runs.items()}, names=["run"]
    )


def voc_summary(voc_runs: Mapping[str, dict[str, Any]], summary: pd.DataFrame) -> str:
    """One sentence per compound experiment: its MAE against the training mean and median."""
    lines = []
    for name, r in voc_runs.items():
        mae = {k: v["mae"] for k, v in r["scores"].items()}
        verdict = "below" if summary.loc[name, "beats"] else "not below"
        lines.append(
            f"{name} ({r['experiment']['split']}, lag {r['voc_lag']}): MAE {mae['model']:.3f}, {verdict} the "
            f"training mean {mae['training mean']:.3f} and median {mae['training median']:.3f}"
        )
    return "; ".join(lines) or "no compound experiment ran"


def chapter_values(
    results: Mapping[str, dict[str, Any]], summary: pd.DataFrame, lag_from: str | None
) -> dict[str, Any]:
    """The experiments' figures notebook 05 quotes, by ``glue`` key."""
    labels, vocs = split_results(results)
    kept_start = (
        summary.index[(summary["head"] == "pooled") & (summary["best_epoch"] == 0)] if len(summary) else []
    )
    test_sizes = [r["sizes"]["test"] for r in (*labels.values(), *vocs.values())]
    values = {
        "lag_from": lag_from or "none",
        "kept_start": ", ".join(kept_start) or "none",
        "voc_summary": voc_summary(vocs, summary),
        "n_test": " and ".join(f"{n:,}" for n in dict.fromkeys(test_sizes)) or "no",
    }
    if labels:
        values["label_table_name"] = next(iter(labels))
    return values


def first_compound(results: Mapping[str, dict[str, Any]]) -> str | None:
    """The compound experiment that chose the response lag (the first one), or ``None``."""
    return next(iter(split_results(results)[1]), None)


def run_metrics(
    parameters: Mapping[str, Any],
    settings: Settings,
    autoencoders: Mapping[str, Any],
    results: Mapping[str, dict[str, Any]],
    extra: Mapping[str, Any],
) -> dict[str, Any]:
    """Notebook 05's ``metrics.json``: its parameters, then every experiment's result, JSON-ready.

    Parameters
    ----------
    parameters
        The run's identity and choices as recorded (data folder, profile, seed, split, fold, kept
        labels, available inputs, the compounds' treatment, the heads, the recipe, the precision).
    settings
        The experiments' settings (their weight decay is recorded as ``l2``).
    autoencoders
        :func:`autoencoder_section`'s entries.
    results
        Experiment name to :func:`emolib.studyb.experiments.run_experiment`'s result.
    extra
        Further sections (``autoencoder_params``, ``voc_trend_share``, ``audio_label_intervals``).
    """
    metrics = {**parameters, "l2": settings.l2, **extra, "experiments": dict(autoencoders)}
    for name, r in results.items():
        kept = {k: v for k, v in r.items() if k not in ("history", "table", "predictions")}
        metrics["experiments"][name] = {**kept, "history": r["history"].to_dict("list")}
    return metrics


def gather_studyb(folders: Sequence[str | Path]) -> tuple[pd.DataFrame, list[str]]:
    """Every Study B experiment and predictor of the notebook 05 runs in ``folders``, one row each.

    Parameters
    ----------
    folders
        Run folders of notebook 05 (``metrics.json`` inside); a folder without one is reported with a
        warning and skipped.

    Returns
    -------
    table : pandas.DataFrame
        ``run`` (the folder's name), ``experiment``, ``split``, ``fold``, ``predictor`` and the scores
        (``f1``, ``auc``, ``precision``, ``recall`` or ``mae``); an autoencoder gives one row with its
        final ``train loss`` and ``val loss``.
    recipes : list of str
        The audio recipe of each run found (``paper`` for runs written before recipes existed).
    """
    rows, recipes = [], []
    for folder in map(Path, folders):
        path = folder / "metrics.json"
        if not path.is_file():
            warnings.warn(f"no Study B metrics in {folder}", stacklevel=2)
            continue
        metrics = json.loads(path.read_text())
        recipes.append(metrics.get("audio_recipe", "paper"))
        for name, exp in metrics["experiments"].items():
            run = {"run": folder.name, "experiment": name}
            if name.startswith("autoencoder"):
                losses = {"train loss": exp["final_loss"], "val loss": exp["final_val_loss"]}
                rows.append({**run, "split": "l20", "predictor": "autoencoder", **losses})
                continue
            for predictor, scores in exp["scores"].items():
                plain = {k: v for k, v in scores.items() if k != "per_compound"}
                where = {"split": exp["experiment"]["split"], "fold": exp["fold"]}
                rows.append({**run, **where, "predictor": predictor, **plain})
    return pd.DataFrame(rows), recipes
