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
# # LSTM training
#
# The recurrent model of the thesis {cite:p}`bernal2017predicting` learns valence and arousal,
# and separately fear, along each movie from the fused step features. This chapter trains it on one
# movie-level fold, scores it on the held-out movies the way the MediaEval task does, and puts it
# beside two baselines fitted on the same fold: the constant training mean and a ridge regression.

# %% tags=["parameters", "hide-input"]
data_dir = "../data/sample"  # the synthetic sample, a MediaEval 2017 development set or the 2018 parts
profile = "tiny"  # sample profile the book was built with (recorded in the outputs)
seed = 0  # seeds the folds and the network
output_dir = "../outputs/04_lstm_training"  # metrics, run files, checkpoint, logs and figures go here
fold = 0  # which fold this run trains and tests
test_dir = None  # a 2017 test set or dev-layout folder: train on data_dir, score it (None: folds)
edition = None  # 2017 or 2018 when data_dir holds both (None: 2017 if there); 2018: its test part, per second
n_folds = 4  # movie-level folds (the thesis: 27 train / 2 validation / 1 test movies per fold)
n_val = None  # validation movies per fold (None: about 2 in 30, at least 1)
task = "both"  # "va" (valence and arousal), "fear", or "both" (one model each, in <output_dir>/<task>)
modality = "mixed"  # "audio", "video" or "mixed" (both, concatenated on the step grid)
stateful = True  # False: the stateless variant on shuffled windows of `chunk` steps
faithful = False  # True: the thesis's batch 1, one step per call (slow; for comparison)
units = 64  # LSTM cells (the thesis: 512)
dropout = 0.5  # rate of both dropout layers
optimizer = "adam"  # adam, rmsprop, sgd, adadelta, adamax, adagrad, nadam
learning_rate = 1e-3  # of the optimizer
epochs = 100  # training epochs (the best one on the validation movies is kept; a tiny set needs many)
patience = None  # stop after this many epochs without improvement (None: run them all)
chunk = 32  # steps per chunk: the truncated back-propagation length (32 steps: 17 s)
batch_movies = 8  # movies streamed in parallel (rows of a batch): the batch size
mixed_precision = False  # True: mixed float16 (GPUs with tensor cores); "mixed_bfloat16" for TPUs
fear_loss = "bce"  # "bce" (class-weighted binary cross-entropy) or "focal"
class_weight = True  # weigh fear steps by negatives / positives of the training steps
visual = ["colour-motion"]  # visual extractors (c3d with weights; the organisers' fc6, cedd, ...)
audio = ["logmel-stats"]  # audio extractors (vgg19 with weights; the organisers' emobase2010)
store_dir = None  # feature store (None: <data_dir>/features)
extract_missing = True  # extract weight-free features that are missing from the store
shown_movie = None  # test movie drawn along time (None: the first test movie)

# %% tags=["remove-input"]
from emolib.runs.chapter import run_box

run_box(
    "04_lstm_training",
    writes={
        "va/, fear/": "per task: `metrics.json` (per-movie and mean scores of the model and the baselines), "
        "`predictions.csv`, the MediaEval run file, `history.csv`, `best.keras`, `tensorboard/`",
        "summary.json": "the fold and the configuration",
        "fig_*.png": "the chapter's figures",
    },
    examples={"fold": "1", "modality": "audio", "test_dir": "../data/sample/mediaeval2017test"},
)

# %% tags=["remove-cell"]
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from IPython.display import display

from emolib.core.atomic import write_text
from emolib.core.figures import figure_saver, glue_values
from emolib.evaluation.tables import plot_along, plot_learning_curves, plot_pr_curves
from emolib.runs.kernels import filter_library_warnings
from emolib.studya.data import data_edition
from emolib.studya.run import SHOWN_METRICS, Inputs, chapter_values, choose_protocol, prepare, run
from emolib.studya.training import TrainConfig

filter_library_warnings()  # only warnings a reader can act on reach the page
sns.set_theme(style="whitegrid", context="notebook")
show = figure_saver(output_dir)  # PNG into output_dir, glued for the book's numbered captions

# %% tags=["remove-cell"]
out = Path(output_dir)
tasks = ["va", "fear"] if task == "both" else [task]
run_dirs = {name: out / name if task == "both" else out for name in tasks}
mode = "stateless" if not stateful else ("faithful" if faithful else "parallel")

# %%
edition = data_edition(data_dir, edition)  # 2018 without a test_dir: train on the parts, score the test part
inputs = Inputs(data_dir, modality, visual, audio, store_dir, extract_missing, edition=edition)
prepared = prepare(inputs, choose_protocol(test_dir, fold, n_folds, seed, n_val, edition))
prepared.table()

# %% tags=["remove-cell"]
glue_values({"n_folds": n_folds, "fold": fold, "mode": mode, **prepared.values()})

# %% [markdown]
# The models of the thesis's Figures 3.11 and 3.12 {cite:p}`bernal2017predicting`: the fused step
# features go through batch normalisation, dropout, an LSTM, dropout again and a dense layer applied
# at every step. For valence and arousal the dense layer has 2 `tanh` units and the loss is the mean
# squared error. For fear the thesis used one unit with a `softmax`; a softmax over a single unit is
# $e^z / e^z = 1$ whatever the input, so that model could only answer "fear" and received no gradient.
# Here the fear unit is a **sigmoid** with binary cross-entropy (the one-unit form of a two-class
# softmax), and because fear is rare the loss weighs fear steps by the ratio of negatives to
# positives in the training movies (or uses a focal loss, `fear_loss = "focal"`).
#
# **Stateful, done properly.** The thesis trained a stateful LSTM with a batch of 1 and one step per
# call, 15 hours per configuration. Here each batch row carries one movie's stream from chunk to
# chunk of `chunk` steps (truncated back-propagation through time), `batch_movies` movies advance in
# parallel, and a row's state is zeroed exactly when its movie ends (`emolib.studya.batching`).
# The thesis-faithful mode (`faithful = True`) and the stateless variant on shuffled windows
# (`stateful = False`) remain available for comparison. The faithful mode has a second flaw besides
# its speed: with one sample per batch, batch normalisation in training mode normalises that sample by
# its own mean and a variance of zero, so every input becomes the layer's offset and the LSTM never sees
# the features while it trains (at test time the moving statistics are used, and it sees inputs it was
# never trained on). This alone can explain why the thesis's model ended below the constant mean
# (`benchmarks/lstm.py` measures both modes).
#
# Window annotations (10 s every 5 s) are expanded to the 16/30 s steps for training; the step
# predictions are averaged back to the windows for scoring, which is per test movie (MSE and
# Pearson's r; fear average precision) and then averaged over movies, as the task scores. Two
# baselines are computed on the same fold and features: the constant training mean and a ridge
# regression (for fear, a class-balanced logistic regression). One execution of this notebook is one
# fold; `python -m emolib folds` runs it for every fold and a grid of configurations.

# %% [markdown]
# ## Folds
#
# The {glue:text}`n_movies` movies are split at movie level into {glue:text}`n_folds` folds,
# deterministically from the seed: each movie is the test movie of one fold, the validation movies
# follow it in the shuffled order, and no movie has two roles in a fold (the table above). This run is
# {glue:text}`run_label`: {glue:text}`n_train` training, {glue:text}`n_val` validation and
# {glue:text}`n_test` test movie(s), {glue:text}`n_features` features per step from
# {glue:text}`extractors`, training mode *{glue:text}`mode`*. Features are standardised with the
# training movies' statistics only.
#
# **The MediaEval protocol.** With a `test_dir` (a 2017 test set of anonymised `MEDIAEVAL17_XX` movies,
# such as the synthetic one in `data/sample/mediaeval2017test`, or any folder in the development
# layout), there are no folds: the model trains on every development movie but the validation ones
# (early stopping), predicts every movie of the test folder (features from the same extractors,
# extracted into `<test_dir>/features` when missing) and is scored per test movie, then averaged over
# movies, as the task's official runs were; the baselines are fitted on the development movies and
# scored on the same test movies. `metrics.json` then has a `test_set` section (`mean`, `scores`,
# `per_movie`); fear is scored only where the test folder has fear annotations.
#
# **The MediaEval 2018 protocol.** The edition most researchers receive today annotates valence and
# arousal **every second** and fear as sequences of time, and ships the organisers' descriptors (LIRE and
# VGG16 `fc6` per second, openSMILE's `emobase2010`), which `visual` and `audio` can name like any
# extractor. With `data_dir` on a 2018 folder (or `edition = 2018`) and no `test_dir`, the model trains on
# the development parts, steps every second (every feature resampled onto the seconds by overlap), and
# predicts every second of the test part. Valence and arousal are scored as the 2018 task scored a run,
# over every second of the test movies together (`pooled`), and, as above, per movie then the mean; fear
# probabilities become sequences of time where they reach a threshold chosen on the validation movies,
# scored by their intersection over union with the annotated sequences. The run files follow the
# per-second layout (`run_2018_valence_arousal.txt`, `run_2018_fear.txt`; `data/README.md`).

# %%
runs = {}
for name in tasks:
    config = TrainConfig(
        task=name, mode=mode, units=units, dropout=dropout, optimizer=optimizer, learning_rate=learning_rate,
        epochs=epochs, chunk=chunk, batch_movies=batch_movies, seed=seed, fear_loss=fear_loss,
        class_weight=class_weight, patience=patience, mixed_precision=mixed_precision,
    )  # fmt: skip
    print(f"--- {name}: training into {run_dirs[name]}")
    runs[name] = run(prepared, run_dirs[name], config)

# %% tags=["remove-cell"]
glue_values(chapter_values(runs, epochs, shown_movie))
summary = {
    "data_dir": str(Path(data_dir).resolve()),
    "test_dir": test_dir and str(Path(test_dir).resolve()),
    "profile": profile,
    "seed": seed,
    "mode": mode,
    "runs": {
        name: {"output_dir": str(run_dirs[name]), "scores": r.metrics["scores"]} for name, r in runs.items()
    },
}
write_text(out / "summary.json", json.dumps(summary, indent=1, default=str))

# %% tags=["hide-input"]
fig, axes = plt.subplots(1, len(runs), figsize=(5.2 * len(runs), 3.2), squeeze=False)
titles = {"va": "valence and arousal (MSE)", "fear": "fear (BCE)"}
for ax, (name, r) in zip(axes[0], runs.items(), strict=True):
    plot_learning_curves(r.fit.history, ax, title=titles[name])
show("fig_learning_curves", fig)

# %% [markdown]
# ## Learning curves
#
# ```{glue:figure} fig_learning_curves
# :name: fig-learning-curves
# :alt: Training and validation loss per epoch; the dotted line marks the epoch kept (lowest validation loss)
# Training and validation loss per epoch; the dotted line marks the epoch kept (lowest validation
# loss). The per-epoch logs are in `history.csv` and `tensorboard/` of the run's output folder.
# ```

# %% [markdown]
# ## Valence and arousal on the test movie(s)
#
# The valence/arousal model kept {glue:text}`va_epoch_note`. The table gives the task's
# scores on {glue:text}`scope` for the LSTM and the two baselines of the same fold; Pearson's r
# of the constant predictor is undefined.

# %% tags=["hide-input"]
if "va" in runs:
    display(pd.DataFrame(runs["va"].metrics["scores"]).T[list(SHOWN_METRICS["va"])].round(3))
    if "mediaeval2018" in runs["va"].metrics:  # as the 2018 task scored: every second of every movie together
        display(pd.DataFrame(runs["va"].metrics["mediaeval2018"]["pooled"]).T.round(3))
    fig, axes = plt.subplots(2, 1, figsize=(9, 4.6), sharex=True)
    plot_along(runs["va"].predictions, shown_movie or runs["va"].fold.test[0], axes)
    show("fig_va_test", fig)

# %% [markdown]
# On this fold the LSTM reaches r = {glue:text}`va_lstm_r_valence` for valence and
# r = {glue:text}`va_lstm_r_arousal` for arousal (MSE {glue:text}`va_lstm_mse_valence` and
# {glue:text}`va_lstm_mse_arousal`), against r = {glue:text}`va_ridge_r_valence` and
# {glue:text}`va_ridge_r_arousal` for the ridge regression and MSE {glue:text}`va_constant_mse_valence`
# and {glue:text}`va_constant_mse_arousal` for the constant mean. One fold of a few movies says little
# on its own: the evaluation chapter averages all folds.
#
# ```{glue:figure} fig_va_test
# :name: fig-va-test
# :alt: Annotated and predicted valence and arousal along the test movie
# Annotated and predicted valence and arousal along the test movie *{glue:text}`va_movie`*, one point
# per 10 s window (predictions averaged back from the 16/30 s steps).
# ```

# %% tags=["hide-input"]
if "fear" in runs and not runs["fear"].metrics["scores"]:  # a test folder without fear annotations
    print("fear: no ground truth in the test folder; predictions in run_test_fear.txt, not scored")
elif "fear" in runs:
    display(pd.DataFrame(runs["fear"].metrics["scores"]).T[list(SHOWN_METRICS["fear"])].round(3))
    if (
        "mediaeval2018" in runs["fear"].metrics
    ):  # fear sequences: intersection over union, threshold from validation
        iou = pd.DataFrame(runs["fear"].metrics["mediaeval2018"]["fear_iou"]).T
        display(iou[[c for c in ("threshold", "iou", "iou_mean") if c in iou]].round(3))
    fig, ax = plt.subplots(figsize=(5, 3.6))
    plot_pr_curves(runs["fear"].predictions, ax)
    show("fig_fear_pr", fig)

# %% [markdown]
# ## Fear
#
# Fear steps weigh {glue:text}`fear_pos_weight` times a no-fear step in the loss. The fear model's mean
# average precision over the test movies is {glue:text}`fear_lstm_map` where the positive rate
# (the AP of a constant or random score) is {glue:text}`fear_lstm_positive_rate`; at a threshold of
# 0.5 its precision, recall and F1 are {glue:text}`fear_lstm_precision`, {glue:text}`fear_lstm_recall`
# and {glue:text}`fear_lstm_f1` (logistic regression: MAP {glue:text}`fear_ridge_map`, F1
# {glue:text}`fear_ridge_f1`).
#
# ```{glue:figure} fig_fear_pr
# :name: fig-fear-pr
# :alt: Precision–recall curves of the fear scores over the test windows
# Precision–recall curves of the fear scores over the test windows; the dotted line is the positive
# rate, what a model without information reaches.
# ```
