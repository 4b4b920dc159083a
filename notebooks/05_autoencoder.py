# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A 3D convolutional autoencoder, scene labels and breath
#
# Study B {cite:p}`fevrier_breath` asks whether what an audience breathes out follows what it
# watches. A 3D convolutional autoencoder learns a compact code of every 30 s of film (30 frames at
# 1 fps, 64×36 pixels) without labels; small heads on its frozen encoder then predict the scene
# labels and the six compounds measured in the cinema air, and a small network does the same from
# 193 audio features. Every score is put beside simple baselines on the same test rows.

# %% tags=["parameters", "hide-input"]
data_dir = "../data/sample"  # the synthetic sample root, or a Smell of Fear folder
profile = "tiny"  # sample profile: "tiny" trains briefly (CI); anything else uses the paper's lengths
seed = 0  # random seed of every model
output_dir = "../outputs/05_autoencoder"  # metrics.json, checkpoints, logs and figures go here
features = "all"  # "all", "audio" or "video"
split = "l20"  # "l20" (last 20 % of each film), "oso" (one screening out), "omo" (one movie out)
fold = 0  # which screening (oso) or movie (omo) is held out
epochs = None  # autoencoder epochs (None: 4 on tiny, the paper's 50 otherwise)
head_epochs = None  # video head epochs (None: 40 on tiny, the paper's 100)
audio_epochs = None  # audio network epochs (None: 300 on tiny, the paper's 1000)
audio_recipe = "balanced"  # audio scene-label network: "balanced" (beyond the paper) or "paper"
audio_splits = ["l20", "omo"]  # audio scene labels on every fold of these splits ([]: this run only)
heads = ["pooled", "paper"]  # video heads: the first is video_labels/_vocs, the others video_<target>_<head>
head_units = None  # hidden units of the paper head (None: 64 and 32 on tiny, the paper's 1024 and 512)
head_dropout = 0.2  # dropout on the pooled features of the pooled head
pooled_voc_l2 = 10.0  # weight decay of the pooled compound head (ridge scale: penalty / training rows)
batch_norm = "both"  # "both" (the paper's Figure 10 comparison), True or False
batch_size = 8  # sequences per batch
min_positive = 20  # kept-label rule
voc_detrend = 1  # degree of the per-screening trend removed before scaling (None: the paper's min-max)
voc_lags = [0, 1, 2]  # compound response lags tried, in sequences; best on validation kept ([0]: the paper)
l2 = None  # weight decay of the hidden layers (None: 0.1 on tiny, the paper's 0 otherwise)
frames_cache = None  # folder caching decoded frames (None: <output_dir>/frames)
mixed_precision = False  # False (float32), True (mixed float16, GPUs) or "mixed_bfloat16"

# %% tags=["remove-input"]
from emolib.runs.chapter import run_box

run_box(
    "05_autoencoder",
    writes={
        "metrics.json": "every experiment's scores beside its baselines",
        "scores.csv": "the same as a table",
        "encoder.keras, *.keras": "the encoder and the trained heads",
        "*_log.csv": "training logs",
        "*_test.npz": "every experiment's test predictions (audio_labels_omo: every film held out once)",
        "audio_labels_omo/": "the audio scene-label experiment on each one-movie-out fold",
        "frames/": "the decoded 1 fps frames (a cache)",
        "fig_*.png": "the chapter's figures",
    },
    examples={"split": "oso", "fold": "1"},
)

# %% tags=["hide-input"]
from dataclasses import asdict
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import display
from myst_nb import glue

from emolib.core.figures import figure_saver
from emolib.core.precision import use_precision
from emolib.datasets.layouts import locate
from emolib.datasets.vocs import VOC_NAMES, detrend_screening
from emolib.evaluation.intervals import DEFAULT_LEVEL, DEFAULT_RESAMPLES, Interval
from emolib.evaluation.studyb_intervals import compare_audio_predictors, seed_spread, spread_text
from emolib.runs.kernels import filter_library_warnings
from emolib.studyb import budget
from emolib.studyb.audio_splits import run_audio_label_splits
from emolib.studyb.dataset import load_studyb, plan_experiments
from emolib.studyb.experiments import (
    encode_sequences,
    run_experiment,
    summarise,
    summary_text,
    train_autoencoder,
)
from emolib.studyb.models import (
    CODE_SHAPE,
    LAYOUT_GRID,
    PAPER_AUTOENCODER_PARAMS,
    build_autoencoder,
    extract_encoder,
    pool_code,
)
from emolib.studyb.recipes import recipe
from emolib.studyb.training import save_model, write_json

filter_library_warnings()  # only warnings a reader can act on reach the page
keras.utils.set_random_seed(seed)
precision = use_precision(mixed_precision)  # before any model is built
sns.set_theme(style="whitegrid", context="notebook")
out = Path(output_dir)
out.mkdir(parents=True, exist_ok=True)
lengths = budget(profile)
epochs = int(epochs or lengths["epochs"])
head_epochs = int(head_epochs or lengths["head_epochs"])
audio_epochs = int(audio_epochs or lengths["audio_epochs"])
l2 = float(lengths["l2"] if l2 is None else l2)
voc_detrend = None if voc_detrend is None else int(voc_detrend)
voc_lags = [int(lag) for lag in voc_lags]
label_recipe = recipe(audio_recipe)
root = locate(data_dir).smelloffear or Path(data_dir)
data = load_studyb(root, features, min_positive, frames_cache or out / "frames", voc_detrend=voc_detrend)
plan = plan_experiments(data.available, features, split, heads)
metrics = {
    "data_dir": str(root),
    "profile": profile,
    "seed": seed,
    "split": split,
    "fold": fold,
    "kept_labels": data.kept,
    "available": data.available,
    "voc_detrend": voc_detrend,
    "voc_lags": voc_lags,
    "l2": l2,
    "heads": list(heads),
    "head_dropout": head_dropout,
    "pooled_voc_l2": pooled_voc_l2,
    "audio_recipe": audio_recipe,
    "audio_splits": list(audio_splits),
    "precision": precision,
    "experiments": {},
}


show = figure_saver(out)  # PNG into output_dir, glued for the book's numbered captions

glue("n_films", len(data.sequences["film"].unique()), display=False)
glue("n_sequences", len(data.sequences), display=False)
glue("kept", ", ".join(data.kept), display=False)
glue("plan", ", ".join(e.name for e in plan) or "none", display=False)
pd.DataFrame([vars(e) for e in plan])

# %% [markdown]
# The notebook runs on whatever `data_dir` holds: with only `labels/` and `audio/` (the real
# release) it runs the audio scene-label experiment; with `vocs/` also the audio compound
# experiment; with movies the autoencoder and the video experiments.

# %% [markdown]
# The folder gives {glue:text}`n_films` labelled films and {glue:text}`n_sequences` sequences; the
# kept-label rule keeps {glue:text}`kept`. Experiments that can run: {glue:text}`plan`.
#
# ## The autoencoder
#
# The encoder is Conv3D(32) → MaxPool3D(2) → Conv3D(64) → MaxPool3D(2), every kernel 3×3×3 with
# batch normalisation and ReLU after each convolution, giving a code of 7×9×16×64 = 64,512 values.
# The decoder mirrors it with nearest-neighbour upsampling, pads the time axis back from 28 to 30
# frames and ends in a sigmoid convolution. It is trained with binary cross-entropy and Adadelta
# (learning rate 1.0, the Keras 2 default the paper used) on the first 80 % of every movie,
# unlabelled films included, and validated on the last 20 %.

# %%
counts = {bn: build_autoencoder(bn, compile_model=False).count_params() for bn in (True, False)}
glue("params_bn", f"{counts[True]:,}", display=False)
glue("params_nobn", f"{counts[False]:,}", display=False)
glue("params_paper", f"{PAPER_AUTOENCODER_PARAMS:,}", display=False)
metrics["autoencoder_params"] = {
    "batch_norm": counts[True],
    "no_batch_norm": counts[False],
    "paper": PAPER_AUTOENCODER_PARAMS,
}
pd.Series(
    {
        "this autoencoder, batch norm": counts[True],
        "without batch norm": counts[False],
        "paper (section III-B)": PAPER_AUTOENCODER_PARAMS,
    },
    name="parameters",
)

# %% [markdown]
# With batch normalisation the network has {glue:text}`params_bn` parameters, the paper's
# {glue:text}`params_paper`: five convolutions (2,624 + 55,360 + 110,656 + 55,328 + 2,595) and four
# batch-normalisation layers of 4 numbers per channel, two of which (the moving mean and variance)
# Keras does not count as trainable. Without it: {glue:text}`params_nobn`.

# %% tags=["hide-input"]
variants = (
    [] if not data.available["video"] else ([True, False] if batch_norm == "both" else [bool(batch_norm)])
)
runs = {bn: train_autoencoder(data, bn, epochs, out, batch_size=batch_size, seed=seed) for bn in variants}
if runs:
    best = runs[variants[0]]
    encoder = extract_encoder(best["model"])
    save_model(encoder, out / "encoder.keras")
    codes = encode_sequences(encoder, data.frames, batch_size)  # frozen: one pass serves every head
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for bn, run in runs.items():
        h = run["history"]
        label = "batch norm" if bn else "no batch norm"
        ax.plot(h["epoch"], h["loss"], label=f"{label}, train", color="tab:blue" if bn else "tab:orange")
        ax.plot(
            h["epoch"],
            h["val_loss"],
            ls="--",
            label=f"{label}, validation",
            color="tab:blue" if bn else "tab:orange",
        )
        metrics["experiments"][f"autoencoder_{'bn' if bn else 'nobn'}"] = {
            "epochs": epochs,
            "sizes": run["sizes"],
            "params": run["params"],
            "final_loss": float(h["loss"].iloc[-1]),
            "final_val_loss": float(h["val_loss"].iloc[-1]),
            "history": h.to_dict("list"),
        }
    ax.set(xlabel="epoch", ylabel="binary cross-entropy")
    ax.legend(fontsize=8)
    show("fig_ae_loss", fig)
    glue("ae_epochs", epochs, display=False)
    glue("ae_train", best["sizes"]["train"], display=False)
    glue("ae_val", best["sizes"]["val"], display=False)

# %% [markdown]
# ```{glue:figure} fig_ae_loss
# :name: fig-ae-loss
# :alt: Training and validation loss of the autoencoder with and without batch normalisation over epochs
# Training and validation loss of the autoencoder with and without batch normalisation over
# {glue:text}`ae_epochs` epochs ({glue:text}`ae_train` training and {glue:text}`ae_val`
# validation sequences; cf. the paper's Figure 10).
# ```

# %% tags=["hide-input"]
if runs:
    run = runs[variants[0]]
    shown = sorted(run["snapshots"])
    films = run["films"]
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
    show("fig_reconstructions", fig)

# %% [markdown]
# ```{glue:figure} fig_reconstructions
# :name: fig-reconstructions
# :alt: First frame of one sequence per film (top) and its reconstruction after the first
# First frame of one sequence per film (top) and its reconstruction after the first, the tenth (when
# trained that long) and the last epoch (cf. the paper's Figure 11).
# ```
#
# ## The compounds: trend, scaling, lag
#
# The study min-max scales each compound of each screening to [0, 1]. Part of what a screening
# measures is not a response to the film at all: CO2 accumulates as the audience sits, siloxanes
# from personal-care products evaporate away. After plain min-max scaling such a slow trend fills
# the scale, and "late in the film" becomes the target: under `l20` the held-out last fifth lies at
# one end of the range, out of reach of any model that sees only the content. Here (beyond the
# paper; `voc_detrend`) each compound's polynomial trend of degree {glue:text}`voc_detrend` within
# its screening is subtracted before scaling. Like the study's min-max, it is a fixed transform of
# each screening computed from all of that screening's measurements: it defines the target, and
# nothing is fitted to labels or to the test part. The table gives the share of each compound's
# variance within a screening that a straight line in time accounts for ({glue:text}`trend_co2`
# for CO2, {glue:text}`trend_siloxane` for siloxane).
#
# The air also answers late: breath reaches the instrument a minute or so after the scene. The
# first compound experiment therefore trains one model per response lag in {glue:text}`voc_lags`
# sequences (the paper used 0), pairing each measurement with the scene that many sequences
# earlier, and keeps the lag whose model does best, relative to the training mean, on the
# *validation* part; the test part holds the same measurements whatever the lag. The lag is a
# property of the audience and the instrument, not of the input, so the other compound experiments
# reuse it. With a few dozen distinct sequences on a small sample the networks would memorise the
# noise of the compounds, so their hidden layers carry an L2 weight
# decay of {glue:text}`l2` (the paper's networks have none; 0 on the full budget).

# %% tags=["hide-input"]
trend_share = pd.DataFrame(
    [
        {
            c: 1 - detrend_screening(raw[[c]].dropna(), 1)[c].var() / raw[c].dropna().var()
            for c in VOC_NAMES
            if raw[c].notna().sum() > 2 and raw[c].dropna().var() > 0
        }
        for film in data.sof.names
        for raw in data.sof.vocs[film]
    ],
    columns=list(VOC_NAMES),
)
if len(trend_share):
    display(trend_share.describe().loc[["count", "mean", "min", "max"]].round(2))
    metrics["voc_trend_share"] = trend_share.mean().round(4).to_dict()
share = trend_share.mean() if len(trend_share) else pd.Series(np.nan, index=list(VOC_NAMES))
glue("trend_co2", f"{share['CO2']:.0%}", display=False)
glue("trend_siloxane", f"{share['siloxane']:.0%}", display=False)
glue("voc_detrend", "none (plain min-max)" if voc_detrend is None else str(voc_detrend), display=False)
glue("voc_lags", ", ".join(map(str, voc_lags)), display=False)
glue("l2", f"{l2:g}", display=False)
glue("heads", ", ".join(heads), display=False)
glue("head_dropout", f"{head_dropout:g}", display=False)
glue("pooled_voc_l2", f"{pooled_voc_l2:g}", display=False)
glue("layout_grid", " × ".join(map(str, LAYOUT_GRID)), display=False)
glue("n_pooled", f"{pool_code(np.zeros((1, *CODE_SHAPE), np.float32)).shape[1]:,}", display=False)
glue(
    "paper_units",
    f"{int(head_units or lengths['label_units'])} and {int(head_units or lengths['voc_units'])}",
    display=False,
)

# %% [markdown]
# ## Two heads on the frozen encoder
#
# The paper flattens the 64,512 values of the code into a dense layer of 1024 units (512 for the
# compounds) with batch normalisation: 66 million weights, trained on 1,017 sequences. The paper
# names the size of its data as its main weakness, and a synthetic sample has far fewer sequences:
# such a head learns the training sequences by heart. Beside the paper's head (`paper`, with
# {glue:text}`paper_units` hidden units here), a second head goes beyond the paper (`pooled`): it
# reads the mean and the maximum of each of the 64 code filters over time and space (how much of the
# sequence, and how strongly anywhere, each filter responds) and each filter's mean over time in the
# {glue:text}`layout_grid` regions of the frame (where it responds: two faces side by side, a
# horizon, a dark lower band), {glue:text}`n_pooled` numbers standardised with the training
# sequences' statistics (every scale floored at a tenth of the median one, so that a filter silent on
# the training sequences cannot explode on others), through a dropout of {glue:text}`head_dropout`
# and one output layer: a linear read-out. For the labels it is a logistic regression with the same
# weight decay as the paper's head; for the compounds a ridge regression (squared error, Adam,
# weight decay {glue:text}`pooled_voc_l2` at ridge scale: absolute errors moved it by a few noisy
# signs at a time, and its validation score never settled). It starts as the baseline itself (zero
# weights, output bias at the logit of each label's training prevalence or at each compound's
# training mean), and the epoch kept on validation may be that start: a head that finds nothing the
# validation part confirms falls back to the baseline instead of falling below it. Heads run here:
# {glue:text}`heads`; the first gives the experiments `video_labels` and `video_vocs`, the others
# are named after their head.
#
# ## Scene labels and compounds
#
# Each experiment trains on the training part, keeps the epoch with the lowest validation loss,
# chooses one decision threshold per label on the validation part, and is scored on the test part
# with the paper's metric, the support-weighted F1. Beside it: the label **prevalence** of the
# training part (thresholded the same way), the predictor that switches **every label on**, and for
# the compounds the **training mean** and **training median** of each compound (the median is the
# best constant under absolute error) and, when one screening is out, the mean of the other
# screenings at the same time (which sees the held-out time, so it is a reference, not a fair rival).
# The audio network also meets two learned baselines on the same 193 features and the same rows
# (beyond the paper): a class-balanced **logistic** regression per label on features standardised
# with the training rows, and gradient-boosted trees per label (**boosted trees**), their thresholds
# too chosen on the validation part.
#
# The audio network itself is trained with the recipe {glue:text}`audio_recipe`. The paper's recipe
# (plain cross-entropy, epoch of lowest validation loss, one seed) keeps labels that are on in a
# tenth of the sequences switched off. The `balanced` recipe goes beyond the paper: a class-balanced
# cross-entropy (each label's positives and negatives weigh the same in total, as in the logistic
# regression), a threshold of 0.5 for labels with fewer than three positive validation sequences and
# no chosen threshold below 0.1, and an ensemble of networks from consecutive seeds whose scores are
# averaged (`emolib.studyb.recipes` says how it was chosen, on validation rows only). With that
# recipe the paper's network is trained too and scored on the same rows (`paper@0.5`, `paper@val`);
# each network of the ensemble alone is `seed <k>`.

# %% tags=["hide-input"]
results, lag_from = {}, None
for experiment in plan:
    video = experiment.features == "video"
    if video and not runs:
        continue
    # the lag belongs to the audience and the instrument, not to the input: the first compound
    # experiment chooses it on validation, the next ones reuse it
    lags = voc_lags if lag_from is None else [results[lag_from]["voc_lag"]]
    results[experiment.name] = run_experiment(
        experiment,
        data,
        out,
        head_epochs if video else audio_epochs,
        fold=fold,
        encoder=encoder if video else None,
        batch_size=batch_size,
        head_units=head_units or lengths["label_units" if experiment.target == "labels" else "voc_units"],
        bn_momentum=lengths["head_bn_momentum"],
        l2=l2,
        voc_lags=lags,
        codes=codes if video else None,
        seed=seed,
        dropout=head_dropout,
        pooled_voc_l2=pooled_voc_l2,
        recipe=label_recipe,
    )
    if experiment.target == "vocs" and lag_from is None:
        lag_from = experiment.name
glue("lag_from", lag_from or "none", display=False)
rows = []
for name, r in results.items():
    for model, s in r["scores"].items():
        rows.append(
            {"experiment": name, "predictor": model, **{k: v for k, v in s.items() if k != "per_compound"}}
        )
scores = pd.DataFrame(rows)
display(scores.round(3))
summary = summarise(results)
display(summary.round(3))
glue("summary", summary_text(summary), display=False)
kept_start = summary.index[(summary["head"] == "pooled") & (summary["best_epoch"] == 0)]
glue("kept_start", ", ".join(kept_start) or "none", display=False)

# %% [markdown]
# The second table puts every model beside its strongest baseline on the same test rows:
# {glue:text}`summary`. Pooled heads for which no epoch beat their starting point on validation, so
# that the baseline itself was kept: {glue:text}`kept_start`.

# %% [markdown]
# ### The audio network beside its learned baselines, on every film
#
# A score on one test part is one draw. The intervals below say how far each score would move on
# another sample of the same kind: percentile bootstraps at {glue:text}`level` with
# {glue:text}`n_resamples` resamples over the **films**: scene labels belong to a film, not to a
# screening, so every split holds out films or parts of films and the film is the independent unit
# (its sequences are neighbouring 30 s of the same story and are resampled together, never one by
# one). To give every film a turn, the audio experiment, which is small, runs on every fold of the
# splits {glue:text}`audio_splits` (the last fifth of every film, `l20`; each film held out once,
# `omo`, its folds' test rows pooled; under one screening out, `oso`, scene labels run as `l20`).
# Each predictor is compared with the logistic regression on the *same* resamples (the paired
# difference) and called better or worse only when the interval of that difference excludes 0.

# %% tags=["hide-input"]
audio_labels = results.get("audio_labels")
shown_names = {
    "model@val": f"audio network ({audio_recipe})",
    "paper@val": "paper's network",
    "logistic": "logistic",
    "boosted trees": "boosted trees",
    "prevalence": "prevalence",
    "all on": "all on",
}
label_splits, split_lines, spread_lines = {}, [], []
if audio_labels is not None:
    own = (audio_labels["experiment"]["split"], audio_labels["fold"])
    label_splits = run_audio_label_splits(
        data, out, audio_epochs, audio_splits, done={own: audio_labels},
        recipe=label_recipe, l2=l2, seed=seed, batch_size=batch_size,
    )  # fmt: skip
metrics["audio_label_intervals"] = {
    "unit": "film",
    "reference": "logistic",
    "n_resamples": DEFAULT_RESAMPLES,
    "level": DEFAULT_LEVEL,
    "splits": {},
}
for split_name, pooled in label_splits.items():
    held = pooled["predictions"]
    compared, text = compare_audio_predictors(held, shown_names, seed=seed)
    n_films = len(pooled["films"])
    split_lines.append(f"{split_name} ({len(pooled['folds'])} fold(s), {n_films} film(s)): {text}")
    spread = seed_spread(held)
    spread_lines.append(f"{split_name}: {spread_text(spread)}")
    if len(compared):
        print(f"{split_name}: {len(pooled['folds'])} fold(s), test films {', '.join(pooled['films'])}")
        with pd.option_context("display.max_colwidth", None):  # verdicts whole, not cut at 50
            display(
                compared.map(lambda v: v.format(3) if isinstance(v, Interval) else v)
                .fillna("")
                .rename(columns=lambda c: c.replace("_diff", " − logistic").replace("_", " "))
            )
    metrics["audio_label_intervals"]["splits"][split_name] = {
        "folds": pooled["folds"],
        "films": pooled["films"],
        "seed_spread": {k: asdict(v) for k, v in spread.items()},
        "predictors": {
            name: {k: asdict(v) if isinstance(v, Interval) else v for k, v in row.items()}
            for name, row in compared.iterrows()
        },
    }
glue("audio_recipe", f"`{audio_recipe}`", display=False)
glue("audio_splits", ", ".join(label_splits) or "none", display=False)
glue("n_resamples", f"{DEFAULT_RESAMPLES:,}", display=False)
glue("level", f"{DEFAULT_LEVEL:.0%}", display=False)
glue("audio_intervals", " — ".join(split_lines) or "the audio label experiment did not run", display=False)
glue("audio_seed_spread", "; ".join(spread_lines) or "the audio label experiment did not run", display=False)

# %% [markdown]
# Weighted F1 and macro AUC of the test rows, each with its {glue:text}`level` interval in
# brackets, and the verdict against the logistic regression, split by split:
# {glue:text}`audio_intervals`. Each network of the ensemble alone, mean ± sd over its seeds
# (how much one network depends on its seed, which the ensemble averages away):
# {glue:text}`audio_seed_spread`. The per-label AUC of every predictor is in the per-label table
# below.

# %% tags=["hide-input"]
label_runs = {k: r for k, r in results.items() if r["experiment"]["target"] == "labels"}
voc_runs = {k: r for k, r in results.items() if r["experiment"]["target"] == "vocs"}
if label_runs:
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
    show("fig_label_curves", fig)
    best_name = next(iter(label_runs))
    glue("label_table_name", best_name, display=False)
    display(label_runs[best_name]["table"].round(2))

# %% [markdown]
# ```{glue:figure} fig_label_curves
# :name: fig-label-curves
# :alt: Support-weighted F1 (threshold 0.5) along training on the validation and test parts
# Support-weighted F1 (threshold 0.5) along training on the validation and test parts, beside the
# all-on predictor (cf. the paper's Figure 12). Curves are recorded for reading, never used to choose.
# ```

# %% tags=["hide-input"]
if voc_runs:
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
        title = f"{name} ({r['experiment']['split']})"
        ax.set(title=title, xlabel="epoch", ylabel="MAE", ylim=(0, 2 * baseline))
        ax.legend(fontsize=8)
    show("fig_voc_learning", fig)
    display(pd.concat({k: r["table"] for k, r in voc_runs.items()}, axis=1).round(3))
    display(
        pd.concat(
            {k: pd.DataFrame(r["lag_search"]).set_index("lag") for k, r in voc_runs.items()}, names=["run"]
        ).round(3)
    )
voc_lines = []
for name, r in voc_runs.items():
    mae = {k: v["mae"] for k, v in r["scores"].items()}
    verdict = "below" if summary.loc[name, "beats"] else "not below"
    voc_lines.append(
        f"{name} ({r['experiment']['split']}, lag {r['voc_lag']}): MAE {mae['model']:.3f}, {verdict} the "
        f"training mean {mae['training mean']:.3f} and median {mae['training median']:.3f}"
    )
glue("voc_summary", "; ".join(voc_lines) or "no compound experiment ran", display=False)
test_sizes = [r["sizes"]["test"] for r in (*label_runs.values(), *voc_runs.values())]
glue("n_test", " and ".join(f"{n:,}" for n in dict.fromkeys(test_sizes)) or "no", display=False)

# %% [markdown]
# ```{glue:figure} fig_voc_learning
# :name: fig-voc-learning
# :alt: Mean absolute error of the scaled compounds along training on the validation and test parts
# Mean absolute error of the scaled compounds along training on the validation and test parts,
# beside the per-compound training mean (cf. the paper's Figure 13), for the response lag kept on
# validation. The training curve is each model's own loss: absolute error for the paper's head and
# the audio network, squared error plus weight decay for the pooled head.
# ```
#
# On the test part: {glue:text}`voc_summary`. The second table gives, for every lag tried (by
# {glue:text}`lag_from`), the validation MAE of the model and of the training mean and the skill
# that chose the lag; the test part was scored for the kept lag only. On the synthetic cinema the
# breath is planted one to two sequences behind the scenes; isoprene, acetone, methanol and CO2
# follow arousal and fear, ethanol follows laughter and siloxane nothing at all (its per-compound
# error shows what no content can predict). The test parts here hold {glue:text}`n_test` samples
# (sequences for the labels, measurements of a screening for the compounds, several screenings
# sharing a sequence): on a sample this small, differences of a hundredth or two are within noise.

# %% tags=["hide-input"]
for name, r in results.items():
    metrics["experiments"][name] = {
        k: v for k, v in r.items() if k not in ("history", "table", "predictions")
    }
    metrics["experiments"][name]["history"] = r["history"].to_dict("list")
write_json(out / "metrics.json", metrics)
scores.to_csv(out / "scores.csv", index=False)
print(f"wrote {out / 'metrics.json'}")
