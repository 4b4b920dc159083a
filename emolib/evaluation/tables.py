"""The Study A evaluation: gather fold runs, tabulate them beside baselines and published figures.

Every fold run (:func:`emolib.studya.run.run` with the :class:`~emolib.studya.run.Folds` protocol)
leaves a ``metrics.json``; :func:`gather_runs` finds them under a folder, :func:`score_table` turns them
into one row per run and predictor,
and :func:`summary_table` into the thesis's kind of table (Tables 4.3–4.6): one row per
configuration and predictor, mean ± standard deviation over folds. The baselines of a
configuration are computed on exactly the folds of its runs. :data:`PUBLISHED_VA` holds the
published figures on the real data, to be shown apart from the project's own runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from emolib.core.precision import policy_name
from emolib.evaluation.intervals import mean_sd
from emolib.studya.run import METRICS_KIND, TEST_SET_KIND
from emolib.studya.scoring import precision_recall_curve
from emolib.studya.training import TrainConfig

__all__ = [
    "CONFIG_KEYS",
    "PUBLISHED_2018",
    "PUBLISHED_VA",
    "SCORED_2018",
    "SCORED_PER_MOVIE",
    "VA_METRICS",
    "FEAR_METRICS",
    "edition2018_table",
    "fear_iou_table",
    "gather_runs",
    "gather_test_set_runs",
    "protocol_table",
    "movie_table",
    "plot_along",
    "plot_learning_curves",
    "plot_pr_curves",
    "score_table",
    "shown_run",
    "summary_table",
]

CONFIG_KEYS = (
    "data",
    "modality",
    "mode",
    "optimizer",
    "units",
    "dropout",
    "learning_rate",
    "epochs",
    "chunk",
    "batch_movies",
    "dtype_policy",
)
"""Columns that identify a configuration (runs differing only in ``fold`` are its folds).

``dtype_policy`` is the name of the Keras dtype policy (``float32``, ``mixed_float16``, ...) of the run's
``mixed_precision``; a run written before a key existed gets the default that it ran with."""
_CONFIG_DEFAULTS = {"batch_movies": TrainConfig.batch_movies, "mixed_precision": TrainConfig.mixed_precision}
VA_METRICS = ("mse_valence", "r_valence", "mse_arousal", "r_arousal")
FEAR_METRICS = ("map", "precision", "recall", "f1", "positive_rate")

_ME18 = "MediaEval 2018 results (per-second task)"
PUBLISHED_VA = pd.DataFrame(
    [
        ("RUC (random forest, audio+video+motion)", 2016, 0.099, 0.142, 0.120, 0.236,
         "Chen & Jin, MediaEval 2016; Table 4.1 of the thesis"),
        ("Thesis, LSTM on C3D+VGG19, Adam, 512 cells, 3 folds", 2017, 0.1598, -0.0149, 0.1985, -0.0121,
         "Table 4.6 of the thesis"),
        ("GLA (Sun et al.)", 2018, 0.0837, 0.179, 0.133, 0.336, _ME18),
        ("THUHCSI (Ma et al.)", 2018, 0.0924, 0.305, 0.140, 0.076, _ME18),
        ("MIC-TJU (Yi et al.)", 2018, 0.0914, 0.275, 0.146, 0.116, _ME18),
        ("Ou et al. (multimodal, after the test labels were public)", 2019, 0.071, 0.444, 0.137, 0.419,
         "arXiv:1909.01763, on the MediaEval 2018 test set"),
        ("constant mean predictor", 2018, 0.1334, np.nan, 0.1373, np.nan, _ME18 + ", same test set"),
    ],
    columns=["system", "year", "mse_valence", "r_valence", "mse_arousal", "r_arousal", "source"],
)  # fmt: skip
"""Published valence/arousal figures on the real LIRIS-ACCEDE data (never this project's runs)."""


def gather_runs(root: str | Path) -> list[dict]:
    """Every finished fold run (``metrics.json`` of kind :data:`METRICS_KIND`) under ``root``, sorted by path.

    Each dict is the run's metrics with ``path`` (its folder) and ``mtime`` added. Unreadable files are
    skipped.
    """
    return _gather(root, METRICS_KIND)


def gather_test_set_runs(root: str | Path, kind: str = TEST_SET_KIND) -> list[dict]:
    """Every finished test-set run under ``root`` (``metrics.json`` of ``kind``: by default notebook 04 with a
    ``test_dir``, :data:`~emolib.studya.run.TEST_SET_KIND`; the MediaEval 2018 protocol's runs are of
    :data:`~emolib.studya.run.EDITION2018_KIND`), sorted by path, as :func:`gather_runs`."""
    return _gather(root, kind)


def _gather(root: str | Path, kind: str) -> list[dict]:
    """The readable ``metrics.json`` files of ``kind`` under ``root``, with their folder and time."""
    runs = []
    base = Path(root)
    if not base.is_dir():
        return runs
    for path in sorted(base.rglob("metrics.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and data.get("kind") == kind:
            runs.append({**data, "path": str(path.parent), "mtime": path.stat().st_mtime})
    return runs


def protocol_table(runs: Sequence[dict]) -> pd.DataFrame:
    """Valence/arousal test-set runs in the columns of :data:`PUBLISHED_VA`, a row per run and predictor.

    Every row is this project's run on the test folder it names (``source``), scored the official way:
    per test movie, then the mean over movies. It is a table of its own, never rows of the published one.

    Parameters
    ----------
    runs
        :func:`gather_test_set_runs` output; fear runs and runs without ground truth are left out.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`PUBLISHED_VA` (``year`` empty) plus ``n_movies`` and ``path``.
    """
    rows = []
    for run, section, source in _scored_va_runs(runs):
        source = f"{source}, trained on {Path(str(run['data_dir'])).name}"
        for model, scores in section.get("scores", {}).items():
            row = {
                "system": _book_system(run, model),
                "year": pd.NA,
                **_va_scores(scores),
                "source": source,
                "n_movies": int(scores.get("n_movies", 0)),
                "path": run["path"],
            }
            rows.append(row)
    return pd.DataFrame(rows, columns=[*PUBLISHED_VA.columns, "n_movies", "path"])


def _scored_va_runs(runs: Sequence[dict]) -> Iterator[tuple[dict, dict, str]]:
    """Each valence/arousal run scored on a test set: the run, its ``test_set`` section and a source line."""
    for run in runs:
        section = run.get("test_set") or {}
        if run.get("task") != "va" or not section.get("scored"):
            continue
        test = Path(str(section.get("test_dir", "?")))
        yield run, section, f"this book's run on {test.parent.name}/{test.name}"


def _book_system(run: dict, model: str, labels: dict[str, str] | None = None) -> str:
    """The name of one of this book's predictors in a table beside published systems (``labels``: the names
    of the task's models, valence/arousal's by default)."""
    return f"This book: {(labels or _LABELS).get(model, model)} ({run.get('modality', '?')})"


def _va_scores(scores: dict) -> dict[str, float]:
    """The valence/arousal scores of one predictor, NaN where a run has none."""
    return {m: np.nan if scores.get(m) is None else scores[m] for m in VA_METRICS}


PUBLISHED_2018 = ("GLA", "THUHCSI", "MIC-TJU", "Ou et al.", "constant mean predictor")
"""Systems of :data:`PUBLISHED_VA` scored on the MediaEval 2018 test set (per second)."""
_LABELS = {"lstm": "LSTM", "ridge": "ridge regression", "constant": "constant mean predictor"}
_FEAR_LABELS = {"lstm": "LSTM", "ridge": "logistic regression", "constant": "constant training fear rate"}
"""Fear's baselines under the same keys: a class-balanced logistic regression and the training rate."""
SCORED_2018 = "every second of the test movies together (the 2018 task)"
SCORED_PER_MOVIE = "per test movie, then the mean"


def edition2018_table(runs: Sequence[dict]) -> pd.DataFrame:
    """This book's MediaEval 2018 runs beside the published 2018 rows, in the columns of :data:`PUBLISHED_VA`.

    Each predictor of a run gives two rows: scored as the 2018 task scored a run, over every second of the
    test movies together (``scoring`` = :data:`SCORED_2018`, the published rows' way), and per test movie
    then the mean (:data:`SCORED_PER_MOVIE`, the 2017 convention). The published rows follow, marked as
    such in ``source``; the book's rows say they are this book's run on the synthetic (or given) test part.

    Parameters
    ----------
    runs
        :func:`gather_test_set_runs` of kind :data:`~emolib.studya.run.EDITION2018_KIND`; fear runs and
        runs without ground truth are left out.

    Returns
    -------
    pandas.DataFrame
        ``system``, ``scoring``, the four scores, ``n_movies``, ``source`` and ``path`` (empty for the
        published rows).
    """
    rows = []
    for run, section, source in _scored_va_runs(runs):
        for model, pooled in (section.get("pooled") or {}).items():
            for scoring, scores in (
                (SCORED_2018, pooled),
                (SCORED_PER_MOVIE, section["scores"].get(model, {})),
            ):
                rows.append({
                    "system": _book_system(run, model),
                    "scoring": scoring,
                    **_va_scores(scores),
                    "n_movies": int(section["scores"].get(model, {}).get("n_movies", 0)),
                    "source": source, "path": run["path"],
                })  # fmt: skip
    published = PUBLISHED_VA[PUBLISHED_VA["system"].str.startswith(PUBLISHED_2018)]
    for row in published.itertuples(index=False):
        rows.append({"system": row.system, "scoring": SCORED_2018, **{m: getattr(row, m) for m in VA_METRICS},
                     "n_movies": 12, "source": f"published: {row.source}", "path": ""})  # fmt: skip
    columns = ["system", "scoring", *VA_METRICS, "n_movies", "source", "path"]
    return pd.DataFrame(rows, columns=columns)


def fear_iou_table(runs: Sequence[dict]) -> pd.DataFrame:
    """Fear as sequences of time in this book's MediaEval 2018 runs: each predictor's threshold (chosen on the
    validation movies) and the intersection over union of its sequences with the annotated ones.

    Returns
    -------
    pandas.DataFrame
        ``system``, ``threshold``, ``iou`` (seconds in both over seconds in either, every test movie
        together), ``iou_mean`` (the mean of the movies' IoUs), ``n_movies``, ``path``.
    """
    rows = []
    for run in runs:
        section = (run.get("test_set") or {}).get("fear_iou") or {}
        if run.get("task") != "fear":
            continue
        for model, entry in section.items():
            rows.append({
                "system": _book_system(run, model, _FEAR_LABELS),
                **{k: entry.get(k) for k in ("threshold", "iou", "iou_mean")},
                "n_movies": len(entry.get("per_movie", [])), "path": run["path"],
            })  # fmt: skip
    return pd.DataFrame(rows, columns=["system", "threshold", "iou", "iou_mean", "n_movies", "path"])


def score_table(runs: Sequence[dict], task: str) -> pd.DataFrame:
    """One row per run and predictor (``lstm``, ``constant``, ``ridge``) of one task.

    Columns: ``path``, the :data:`CONFIG_KEYS` (``data`` is the data folder's name), ``fold``,
    ``n_folds``, ``model``, then the mean scores of that fold's test movies (:data:`VA_METRICS` or
    :data:`FEAR_METRICS`). When the same configuration and fold of the same folds (data, number and
    seed) ran more than once (e.g. the book's run and a sweep's), the latest run counts.
    """
    metrics = VA_METRICS if task == "va" else FEAR_METRICS
    rows = []
    for run in sorted(runs, key=lambda r: r.get("mtime", 0.0)):
        if run.get("task") != task:
            continue
        data = Path(run.get("data_dir") or "?").name
        config = {**_CONFIG_DEFAULTS, **run.get("config", {}), "modality": run.get("modality"), "data": data}
        config["dtype_policy"] = policy_name(config["mixed_precision"])
        for model, scores in run.get("scores", {}).items():
            row = {"path": run["path"], **{k: config.get(k) for k in CONFIG_KEYS}}
            row.update(
                fold=run.get("fold"),
                n_folds=run.get("n_folds"),
                folds_seed=run.get("folds_seed"),
                model=model,
            )
            row.update({m: np.nan if scores.get(m) is None else scores.get(m) for m in metrics})
            rows.append(row)
    columns = ["path", *CONFIG_KEYS, "fold", "n_folds", "folds_seed", "model", *metrics]
    table = pd.DataFrame(rows, columns=columns)
    identity = [*CONFIG_KEYS, "fold", "n_folds", "folds_seed", "model"]
    return table.drop_duplicates(subset=identity, keep="last").reset_index(drop=True)


def movie_table(runs: Sequence[dict], task: str) -> pd.DataFrame:
    """One row per test movie, run and predictor: the per-movie scores behind :func:`score_table`.

    The movie is Study A's independent unit (its windows are not independent of each other), so
    intervals resample these rows' movies, never windows. Columns: ``path``, the :data:`CONFIG_KEYS`,
    ``fold``, ``n_folds``, ``folds_seed``, ``model``, ``movie``, then :data:`VA_METRICS` with ``r`` of a
    constant predictor ``nan``, or for fear ``ap`` (``nan`` for a movie without fear windows),
    ``precision``, ``recall``, ``f1``, ``positive_rate``. Runs written before per-movie scores were
    kept have no rows; a repeated configuration and fold counts once, as in :func:`score_table`.
    """
    metrics = list(VA_METRICS) if task == "va" else ["ap", "precision", "recall", "f1", "positive_rate"]
    kept = set(score_table(runs, task)["path"])
    rows = []
    for run in runs:
        if run.get("task") != task or run["path"] not in kept:
            continue
        data = Path(run.get("data_dir") or "?").name
        config = {**_CONFIG_DEFAULTS, **run.get("config", {}), "modality": run.get("modality"), "data": data}
        config["dtype_policy"] = policy_name(config["mixed_precision"])
        for model, movies in (run.get("per_movie") or {}).items():
            for movie in movies:
                row = {"path": run["path"], **{k: config.get(k) for k in CONFIG_KEYS}}
                row.update(fold=run.get("fold"), n_folds=run.get("n_folds"), folds_seed=run.get("folds_seed"))
                row.update(model=model, movie=movie["movie"])
                row.update({m: np.nan if movie.get(m) is None else movie.get(m) for m in metrics})
                rows.append(row)
    columns = ["path", *CONFIG_KEYS, "fold", "n_folds", "folds_seed", "model", "movie", *metrics]
    return pd.DataFrame(rows, columns=columns)


def shown_run(runs: Sequence[dict], modality: str = "mixed", task: str = "va") -> str | None:
    """The folder of the run to draw: of ``task`` (valence/arousal along a movie, or the fear curves of
    one model), of ``modality`` if one ran, lowest fold.

    Falls back to any run of the task; ``None`` when there is none. Among runs of the same fold
    the latest wins, as in :func:`score_table`.
    """
    va = [r for r in runs if r.get("task") == task]
    chosen = [r for r in va if r.get("modality") == modality] or va
    if not chosen:
        return None
    best = min(
        chosen, key=lambda r: (r.get("fold") if r.get("fold") is not None else 1 << 30, -r.get("mtime", 0.0))
    )
    return str(best["path"])


def _mean_sd(values: pd.Series) -> str:
    """``"0.412 ± 0.031"`` over folds (:func:`emolib.evaluation.intervals.mean_sd`), a value alone, ``—``."""
    finite = values.to_numpy(dtype=np.float64)
    if not np.isfinite(finite).any():
        return "—"
    spread = mean_sd(finite)
    return f"{spread.mean:.3f}" if spread.n == 1 else spread.format(3)


def summary_table(
    scores: pd.DataFrame,
    by: Sequence[str] | None = None,
    formatted: bool = True,
) -> pd.DataFrame:
    """Mean ± standard deviation over folds, one row per configuration and predictor.

    Parameters
    ----------
    scores
        :func:`score_table` output (one task).
    by
        Configuration columns that make a row. Default: modality, optimizer and cells (as the thesis's
        tables) and every other column of :data:`CONFIG_KEYS` that varies between the runs, so
        that runs of different configurations are never pooled.
    formatted
        ``"mean ± sd"`` strings (``—`` where undefined, e.g. r of the constant predictor); with
        ``False``, numeric ``<metric>`` means and ``<metric>_sd`` columns.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``by`` and ``model``, with a ``folds`` column counting the folds behind each row.
    """
    if scores.empty:
        return pd.DataFrame()
    metrics = [c for c in (*VA_METRICS, *FEAR_METRICS) if c in scores.columns]
    if by is None:
        always = ("modality", "optimizer", "units")
        by = [k for k in CONFIG_KEYS if k in always or scores[k].astype(str).nunique() > 1]
    keys = [*by, "model"]
    order = {"lstm": 0, "ridge": 1, "constant": 2}
    grouped = scores.assign(_o=scores["model"].map(order)).sort_values([*by, "_o"]).groupby(keys, sort=False)
    if formatted:
        table = grouped[metrics].agg(_mean_sd)
    else:
        table = grouped[metrics].agg(["mean", "std"])
        table.columns = [m if s == "mean" else f"{m}_sd" for m, s in table.columns]
    table.insert(0, "folds", grouped["fold"].nunique())
    return table


def plot_learning_curves(history: pd.DataFrame, ax: plt.Axes, title: str = "") -> None:
    """Training and validation loss per epoch, the best epoch marked."""
    ax.plot(history["epoch"], history["loss"], label="training loss", color="tab:blue")
    ax.plot(history["epoch"], history["val_loss"], label="validation loss", color="tab:orange")
    best = history.loc[history["val_loss"].idxmin()]
    ax.axvline(best["epoch"], color="grey", ls=":", lw=1)
    ax.set(xlabel="epoch", ylabel="loss", title=title)
    ax.legend(loc="upper right")


def plot_along(predictions: pd.DataFrame, movie: str, axes: Sequence[plt.Axes]) -> None:
    """Annotated and predicted valence and arousal along one test movie (one axis per dimension)."""
    rows = predictions[predictions["movie"] == movie]
    styles = {"true": ("annotation", "black", "-"), "lstm": ("LSTM", "tab:red", "-"),
              "ridge": ("ridge", "tab:green", "--"), "constant": ("constant mean", "grey", ":")}  # fmt: skip
    for ax, dim in zip(axes, ("valence", "arousal"), strict=True):
        for key, (label, color, ls) in styles.items():
            col = f"{key}_{dim}"
            if col in rows:
                ax.plot(
                    rows["time"], rows[col], label=label, color=color, ls=ls, lw=1.6 if key == "true" else 1.2
                )
        ax.set(ylabel=dim, ylim=(-1.05, 1.05))
    axes[-1].set_xlabel("window start (s)")
    axes[0].legend(loc="upper right", ncol=4, fontsize="small")


def plot_pr_curves(
    predictions: pd.DataFrame, ax: plt.Axes, models: Sequence[str] = ("lstm", "ridge")
) -> None:
    """Fear precision–recall curves over all test windows given, with the positive rate as chance."""
    truth = predictions["true_fear"].to_numpy()
    for model, color in zip(models, ("tab:red", "tab:green"), strict=False):
        col = f"{model}_fear"
        if col in predictions and truth.sum() > 0:
            precision, recall, _ = precision_recall_curve(truth, predictions[col].to_numpy())
            ax.step(recall, precision, where="post", label=model, color=color)
    ax.axhline(float(np.mean(truth > 0.5)), color="grey", ls=":", label="positive rate (chance)")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1.02), ylim=(0, 1.05))
    ax.legend(loc="upper right")


def _fmt(value: float | None) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.3f}"


def _mean_of(scores: pd.DataFrame, model: str, metric: str) -> float | None:
    rows = scores[scores["model"] == model] if len(scores) else scores
    if not len(rows) or metric not in rows:
        return None
    return float(pd.to_numeric(rows[metric], errors="coerce").mean())


def _studyb_value(studyb: pd.DataFrame, experiment: str, predictor: str, metric: str) -> float | None:
    if studyb.empty or metric not in studyb:
        return None
    rows = studyb[(studyb["experiment"] == experiment) & (studyb["predictor"] == predictor)]
    return float(rows[metric].mean()) if len(rows) else None


def headline(
    va_scores: pd.DataFrame, fear_scores: pd.DataFrame, studyb: pd.DataFrame, modality: str = "mixed"
) -> dict[str, str]:
    """The numbers the Results chapter quotes, formatted, keyed for myst-nb ``glue``.

    Study A numbers are means over the folds of one modality (``modality`` when it was run, else
    the first one found); Study B numbers come from the table notebook 07 gathers (support-weighted
    F1 with thresholds chosen on validation data against the all-on predictor; compound MAE
    against the training mean). Anything not run is ``"n/a"``.

    Parameters
    ----------
    va_scores, fear_scores
        :func:`score_table` outputs of the valence/arousal and the fear runs.
    studyb
        One row per Study B experiment and predictor (``experiment``, ``predictor``, ``f1``,
        ``mae``).
    modality
        The Study A modality to quote.

    Returns
    -------
    dict
        Keys ``res_a_*`` and ``res_b_*`` to formatted strings.
    """

    def pick(scores: pd.DataFrame) -> pd.DataFrame:
        if scores.empty or "modality" not in scores:
            return scores
        chosen = modality if modality in set(scores["modality"]) else sorted(scores["modality"])[0]
        return scores[scores["modality"] == chosen]

    va, fear = pick(va_scores), pick(fear_scores)
    out = {
        "res_a_modality": str(va["modality"].iloc[0]) if len(va) and "modality" in va else "n/a",
        "res_a_folds": str(va["fold"].nunique()) if len(va) and "fold" in va else "0",
    }
    for model in ("lstm", "ridge", "constant"):
        for metric in ("r_valence", "r_arousal", "mse_valence", "mse_arousal"):
            out[f"res_a_{metric}_{model}"] = _fmt(_mean_of(va, model, metric))
    out["res_a_map_lstm"] = _fmt(_mean_of(fear, "lstm", "map"))
    out["res_a_positive_rate"] = _fmt(_mean_of(fear, "lstm", "positive_rate"))
    for source in ("audio", "video"):
        labels, vocs = f"{source}_labels", f"{source}_vocs"
        out[f"res_b_f1_{source}"] = _fmt(_studyb_value(studyb, labels, "model@val", "f1"))
        out[f"res_b_f1_{source}_allon"] = _fmt(_studyb_value(studyb, labels, "all on", "f1"))
        out[f"res_b_mae_{source}"] = _fmt(_studyb_value(studyb, vocs, "model", "mae"))
        out[f"res_b_mae_{source}_mean"] = _fmt(_studyb_value(studyb, vocs, "training mean", "mae"))
    return out
