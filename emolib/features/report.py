"""Tables and figures of the feature notebook (03): the run, per-movie statistics, step annotations,
the features along a movie and a 2-D projection of every step."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from emolib.media.alignment import expand_to_steps, step_starts

from .store import FeatureStore, FusedFeatures

if TYPE_CHECKING:
    from .runner import ExtractReport


def run_table(report: ExtractReport) -> pd.DataFrame:
    """One row per movie an extraction run attempted.

    Parameters
    ----------
    report
        What :func:`emolib.features.extract` returned.

    Returns
    -------
    pandas.DataFrame
        ``movie``, ``status`` (``done``, ``skipped`` or ``failed``), ``seconds`` (rounded to 2 decimals)
        and ``reason``.
    """
    rows = [
        {"movie": r.movie, "status": r.status, "seconds": round(r.seconds, 2), "reason": r.reason}
        for r in report.results
    ]
    return pd.DataFrame(rows)


def step_annotations(annotations: pd.DataFrame, n_steps: int) -> pd.DataFrame:
    """Valence, arousal (and fear, when present) of one movie's windows expanded to its steps.

    Parameters
    ----------
    annotations
        One movie's windows with ``time`` and ``valence``/``arousal`` columns
        (:meth:`emolib.datasets.mediaeval.MediaEvalSet.movie_annotations`).
    n_steps
        Steps of the movie's stored features.

    Returns
    -------
    pandas.DataFrame
        ``step``, ``time`` and one column per annotated quantity, ``n_steps`` rows.
    """
    columns = [c for c in ("valence", "arousal", "fear") if c in annotations]
    values = expand_to_steps(
        annotations[columns].to_numpy(float), annotations["time"].to_numpy(float), n_steps
    )
    out = pd.DataFrame(values, columns=columns)
    out.insert(0, "time", step_starts(n_steps))
    out.insert(0, "step", np.arange(n_steps))
    return out


def feature_statistics(store: FeatureStore, extractors: Sequence[str], movies: Sequence[str]) -> pd.DataFrame:
    """One row per movie and extractor: steps, width, mean and spread of the features, share of zeros.

    ``feature_std`` is the mean over features of their standard deviation along the movie (how much
    the features move), ``constant_features`` the share of features that never change in that movie.
    """
    rows = []
    for name in extractors:
        for movie in movies:
            feats = store.load(name, movie)
            x = feats.data.astype(np.float64)
            std = x.std(axis=0) if len(x) else np.zeros(x.shape[1])
            rows.append(
                {
                    "extractor": name,
                    "modality": feats.attrs.get("modality"),
                    "movie": movie,
                    "steps": feats.n_steps,
                    "shortfall": int(feats.attrs.get("shortfall_steps", 0)),
                    "dim": x.shape[1],
                    "mean": float(x.mean()) if x.size else np.nan,
                    "feature_std": float(std.mean()),
                    "constant_features": float((std < 1e-9).mean()),
                    "zeros": float((x == 0).mean()) if x.size else np.nan,
                    "weights": feats.attrs.get("weights"),
                }
            )
    return pd.DataFrame(rows)


def projection(
    store: FeatureStore,
    extractors: Sequence[str],
    annotations: dict[str, pd.DataFrame],
    seed: int = 0,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Fused features of every movie, standardised and projected on their first two principal axes.

    Parameters
    ----------
    store
        The feature store.
    extractors
        Extractors to fuse (concatenation on the step grid).
    annotations
        Movie name → its window annotations; the steps are labelled with the expanded values.
    seed
        Seed of the randomised PCA solver (used only for very wide features).

    Returns
    -------
    tuple
        A frame with ``movie``, ``step``, ``time``, ``pc1``, ``pc2`` and the annotations per step,
        and the explained variance ratio of the two axes.
    """
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    parts, labels = [], []
    for movie, ann in annotations.items():
        fused = store.load_fused(movie, list(extractors))
        parts.append(fused.data)
        lab = step_annotations(ann, fused.n_steps)
        lab.insert(0, "movie", movie)
        labels.append(lab)
    x = StandardScaler().fit_transform(np.concatenate(parts).astype(np.float64))
    pca = PCA(n_components=2, random_state=seed)
    xy = pca.fit_transform(x)
    out = pd.concat(labels, ignore_index=True)
    out["pc1"], out["pc2"] = xy[:, 0], xy[:, 1]
    return out, pca.explained_variance_ratio_


def plot_features_along(fused: FusedFeatures) -> plt.Figure:
    """Every extractor's features along one movie, one column per step, each feature standardised.

    Parameters
    ----------
    fused
        One movie's fused features (:meth:`emolib.features.FeatureStore.load_fused`).

    Returns
    -------
    matplotlib.figure.Figure
        One heat map per block, features as rows over time, z-scores clipped to ±3 (blue low, red high);
        a feature that never moves in the movie stays at 0.
    """
    n = len(fused.blocks)
    fig, axes = plt.subplots(n, 1, figsize=(11, 1.8 + 1.6 * n), squeeze=False)
    for ax, (name, _) in zip(axes[:, 0], fused.blocks, strict=True):
        block = fused.block(name).astype(np.float64)
        z = (block - block.mean(axis=0)) / np.where(block.std(axis=0) > 1e-9, block.std(axis=0), 1.0)
        ax.imshow(
            z.T,
            aspect="auto",
            cmap="coolwarm",
            vmin=-3,
            vmax=3,
            interpolation="nearest",
            extent=(0, fused.n_steps * fused.step_seconds, block.shape[1], 0),
        )
        ax.set(ylabel=f"{name}\nfeature", title=f"{name} ({block.shape[1]}-d)")
    axes[-1, 0].set_xlabel("time (s)")
    fig.tight_layout()
    return fig


def plot_projection(points: pd.DataFrame, ratio: np.ndarray) -> plt.Figure:
    """The steps on their first two principal axes, coloured by valence (left) and arousal (right).

    Parameters
    ----------
    points, ratio
        What :func:`projection` returned.

    Returns
    -------
    matplotlib.figure.Figure
        Two scatter plots sharing their axes, each axis labelled with its share of the variance.
    """
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), sharex=True, sharey=True)
    for ax, target, cmap in zip(axes, ["valence", "arousal"], ["RdYlGn", "viridis"], strict=True):
        sc = ax.scatter(
            points["pc1"], points["pc2"], c=points[target], cmap=cmap, vmin=-1, vmax=1, s=6, alpha=0.8
        )
        fig.colorbar(sc, ax=ax, label=target)
        ax.set(xlabel=f"PC 1 ({100 * ratio[0]:.0f} %)", ylabel=f"PC 2 ({100 * ratio[1]:.0f} %)", title=target)
    return fig
